#!/bin/sh
# Plaintext is an explicit, loopback-only opt-in (tls = none): it works
# against the real Dovecot on 127.0.0.1, is refused for any other host
# at configuration time, and without it imap:// insists on STARTTLS.
. "$TERN_SRCDIR/tests/lib.sh"

new_config
account plain "imap://alice@localhost:$TERN_IMAP_PORT" "" \
    "password_command = printenv TERN_ALICE_PW" "tls = none"
run_tern check plain
expect "tls = none on a loopback host logs in without TLS and says so" 0 \
    'imap imap://.*no TLS' 'tls: none' 'login: ok as alice'

new_config
account remote "imap://alice@imap.example.com" "" "tls = none"
run_tern check remote
expect "tls = none for a non-loopback host is a configuration error" 2 \
    "^tern: $CFG:[0-9]+: tls = none is only allowed for a loopback host"

# The same server without tls = none: STARTTLS is used, not skipped.
new_config
account starttls "imap://alice@localhost:$TERN_IMAP_PORT" "" \
    "password_command = printenv TERN_ALICE_PW" "ca_file = $TERN_CA"
run_tern check starttls
expect "imap:// without tls = none uses STARTTLS" 0 'STARTTLS\)' 'tls: TLSv1'

finish
