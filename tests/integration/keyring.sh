#!/bin/sh
# Credentials through the real Secret Service (gnome-keyring in a
# private D-Bus session): `tern password` stores, `tern check` uses,
# `tern password --delete` removes; a missing Secret Service fails
# closed without a terminal; and no secret reaches the log, stdout,
# stderr or any file, even with protocol tracing on.
# Covers SECURITY.md #46 #48.
. "$TERN_SRCDIR/tests/lib.sh"

new_config
account kr "imaps://alice@localhost:$TERN_IMAPS_PORT" \
    "smtp://alice@localhost:$TERN_SUBMISSION_PORT" "ca_file = $TERN_CA"
printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG.tmp"
sed 1,3d "$CFG" >>"$CFG.tmp" && mv "$CFG.tmp" "$CFG"

OUT=$(printf '%s\n' "$TERN_ALICE_PW" | "$TERN" password kr 2>&1); RC=$?
expect "tern password stores a password read from standard input" 0 "stored"

got=$(secret-tool lookup service tern account kr 2>&1)
[ "$got" = "$TERN_ALICE_PW" ] && pass "the Secret Service holds exactly that password" ||
    fail "the Secret Service holds exactly that password" "got: $got"

run_tern -vvv check kr
expect "tern check logs in with the password from the keyring" 0 \
    'login: ok as alice' 'all checks passed'

# The log has the protocol trace but never the secret.
b64=$(printf '\000alice\000%s' "$TERN_ALICE_PW" | base64 -w0)
if [ -s "$T_DIR/tern.log" ] && grep -q 'CAPABILITY' "$T_DIR/tern.log" &&
    grep -q 'credentials not logged' "$T_DIR/tern.log"; then
	pass "-vvv writes a protocol trace to log_file"
else
	fail "-vvv writes a protocol trace to log_file" "$(head -c 2000 "$T_DIR/tern.log")"
fi
if grep -rqF -e "$TERN_ALICE_PW" -e "$b64" "$T_DIR/tern.log" "$HOME" "$XDG_DATA_HOME" ||
    printf '%s' "$OUT" | grep -qF -e "$TERN_ALICE_PW" -e "$b64"; then
	fail "the password and the AUTH payload appear in no log, output or file"
else
	pass "the password and the AUTH payload appear in no log, output or file"
fi
if [ "$(stat -c %a "$T_DIR/tern.log")" = 600 ]; then pass "the log file is private (0600)"
else fail "the log file is private (0600)" "$(stat -c %a "$T_DIR/tern.log")"; fi

run_tern password --delete kr
expect "tern password --delete removes it" 0 "deleted"
got=$(secret-tool lookup service tern account kr 2>/dev/null)
[ -z "$got" ] && pass "the Secret Service no longer has it" || fail "the Secret Service no longer has it" "$got"

run_tern check kr
expect "without a stored password and no terminal, check fails with advice" 1 \
    "no password in the keyring for account kr .*tern password kr"

# No Secret Service at all: fail closed, never a plaintext fallback.
OUT=$(DBUS_SESSION_BUS_ADDRESS="unix:path=$T_DIR/no-such-bus" "$TERN" check kr </dev/null 2>&1); RC=$?
expect "a missing Secret Service fails closed with a clear message" 1 "kr: imap: Secret Service"
OUT=$(printf 'x\n' | DBUS_SESSION_BUS_ADDRESS="unix:path=$T_DIR/no-such-bus" "$TERN" password kr 2>&1); RC=$?
expect "storing without a Secret Service fails and writes nothing" 1 "Secret Service"
if [ -z "$(find "$HOME" "$XDG_DATA_HOME" -type f 2>/dev/null)" ]; then pass "no password file was written anywhere"
else fail "no password file was written anywhere" "$(find "$HOME" "$XDG_DATA_HOME" -type f)"; fi

finish
