#!/bin/sh
# `tern check` against the real Dovecot and Postfix on all four secure
# paths (IMAP implicit TLS and STARTTLS, SMTP 465 and 587 roles), the
# capability report, a Dovecot without CONDSTORE/QRESYNC, awkward
# passwords and a wrong one.
. "$TERN_SRCDIR/tests/lib.sh"

L=localhost
new_config
account tls993_starttls587 "imaps://alice@$L:$TERN_IMAPS_PORT" \
    "smtp://alice@$L:$TERN_SUBMISSION_PORT" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_ALICE_PW"
account starttls143_tls465 "imap://alice@$L:$TERN_IMAP_PORT" \
    "smtps://alice@$L:$TERN_SMTPS_PORT" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_ALICE_PW"
account noqresync "imaps://alice@$L:$TERN_IMAPS2_PORT" "" \
    "ca_file = $TERN_CA" "password_command = printenv TERN_ALICE_PW"
account carol_login "imaps://carol@$L:$TERN_IMAPS_PORT" \
    "smtps://carol@$L:$TERN_SMTPS_PORT" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW" "auth = login"
account carol_plain "imap://carol@$L:$TERN_IMAP_PORT" \
    "smtp://carol@$L:$TERN_SUBMISSION_PORT" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW" "auth = plain"
account wrongpw "imaps://alice@$L:$TERN_IMAPS_PORT" \
    "smtps://alice@$L:$TERN_SMTPS_PORT" "ca_file = $TERN_CA" \
    "password_command = echo not-the-password"

run_tern check tls993_starttls587
expect "IMAP implicit TLS (993 role) and SMTP STARTTLS (587 role) pass" 0 \
    'imap imaps://.*implicit TLS' 'smtp smtp://.*STARTTLS' \
    'tls: TLSv1\.[23], ' 'certificate: .*CN *= *localhost.*verified' \
    'capabilities: IDLE CONDSTORE QRESYNC MOVE UIDPLUS SPECIAL-USE NAMESPACE' \
    'capabilities: STARTTLS AUTH\([^)]*PLAIN' 'SIZE\([0-9]+\)' ' 8BITMIME' \
    'all checks passed'
n=$(printf '%s\n' "$OUT" | grep -c 'login: ok as alice')
[ "$n" = 2 ] && pass "both servers authenticated alice" ||
    fail "both servers authenticated alice" "$OUT"

run_tern check starttls143_tls465
expect "IMAP STARTTLS (143 role) and SMTP implicit TLS (465 role) pass" 0 \
    'imap imap://.*STARTTLS' 'smtp smtps://.*implicit TLS' \
    'certificate: .*verified' 'capabilities: IDLE CONDSTORE QRESYNC' \
    'all checks passed'

run_tern check noqresync
expect "a server without CONDSTORE/QRESYNC is reported as such" 0 \
    'capabilities: IDLE no-CONDSTORE no-QRESYNC MOVE UIDPLUS' \
    'smtp: not configured'

run_tern check carol_login carol_plain
expect "a password with \" \\ {5} and a space works with LOGIN and AUTH PLAIN" 0 \
    'login: ok as carol' 'all checks passed'

run_tern check wrongpw
expect "a wrong password fails both servers with a reason" 1 \
    'wrongpw: imap: authentication as alice failed' \
    'wrongpw: smtp: authentication as alice failed: 535'

run_tern check nosuchaccount
expect "an unknown account name is a usage error" 2 "no account called 'nosuchaccount'"

run_tern check
expect "checking every account reports each failure and exits 1" 1 \
    'wrongpw: imap' 'account carol_plain'

# The system store: a CA installed in the system certificate directory
# (here a private one through SSL_CERT_DIR, hashed as update-ca-certificates
# does) is trusted without ca_file.
mkdir -p "$T_DIR/certs"
cp "$TERN_CA" "$T_DIR/certs/tern-test-ca.pem"
openssl rehash "$T_DIR/certs" >/dev/null 2>&1
new_config
account sysstore "imaps://alice@localhost:$TERN_IMAPS_PORT" \
    "smtps://alice@localhost:$TERN_SMTPS_PORT" \
    "password_command = printenv TERN_ALICE_PW"
OUT=$(SSL_CERT_DIR="$T_DIR/certs" "$TERN" check sysstore </dev/null 2>&1); RC=$?
expect "a CA in the system certificate store is trusted without ca_file" 0 \
    'certificate: .*verified' 'all checks passed'
run_tern check sysstore
expect "without it in the system store the same server is refused" 1 \
    'unable to get local issuer certificate'

finish
