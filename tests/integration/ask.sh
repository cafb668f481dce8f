#!/bin/sh
# Engine questions (EV_ASK), answered the way the terminal UI does
# (tests/itest_ask.c drives an ENGINE_INTERACTIVE engine):
#  - a password stored nowhere is asked for; dismissing leaves the
#    account offline until a wake; a wrong one is asked again; the right
#    one syncs; it is never written to disk (real Dovecot, user dave);
#  - a certificate no CA vouches for is asked about, naming its key,
#    before any credential is sent; "no" stays offline, "yes" records
#    the key for that account only (DATA/trusted, 0600) and connects; a
#    second account on the same server is still asked; a wrong host
#    name, a bad signature chain with a wrong name, or a configured
#    tls_pin is refused without a question; tern check and tern sync
#    use the trusted key and never ask (the scripted server's
#    transcript proves silence; the real Dovecot proves a full sync).
# Covers SECURITY.md #8 (no question for a wrong name), #9 (refused
# until the user trusts it), #10 (a key trusted for account A does not
# trust account B) and #46 (no stored password: asked, never on disk).
. "$TERN_SRCDIR/tests/lib.sh"

ASK="$SRCDIR/tests/itest_ask"
DATA=$XDG_DATA_HOME/tern

# ask NAME STEP...: runs the driver, output in $OUT, status in $RC.
ask() {
	OUT=$("$ASK" "$CFG" "$@" 2>&1)
	RC=$?
}

# re TEXT: TEXT as an extended regular expression matching itself.
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

# lacks DESC PATTERN: the last output has no line matching PATTERN.
lacks() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then
		fail "$1" "output has /$2/:
$OUT"
	else
		pass "$1"
	fi
}

# ---- a password stored nowhere ------------------------------------------
new_config
account pw "imaps://dave@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA"
ask pw ask=password dismiss error quiet=1500 wake ask=password \
    answer=not-the-password error ask=password answer-env=TERN_DAVE_PW \
    state=idle
expect "no stored password: the engine asks for it, naming the account" 0 \
    '^SECRET none' '^ASK folder=0 uid=1 ok=1 text=password for pw \(dave@localhost\)$'
expect "a dismissed password question leaves the account offline" 0 \
    '^ERROR .*text=no password given$' '^STATE .*text=offline$'
expect "after a dismissal nothing is asked until the user acts" 0 \
    '^QUIET$' '^ASK folder=0 uid=2 ok=1 '
expect "a wrong password is refused and asked for again" 0 \
    '^ERROR .*text=authentication as dave failed' '^ASK folder=0 uid=3 ok=1 '
expect "the right password syncs" 0 '^CHANGED ' '^STATE .*text=idle$' \
    '^DONE .*ok=1' '^JOIN 0'
lacks "no question is asked more than the scenario answered" '^ASK .*uid=4 '
if grep -rqF "$TERN_DAVE_PW" "$T_DIR" 2>/dev/null; then
	fail "the password is not written to disk" "$(grep -rlF "$TERN_DAVE_PW" "$T_DIR")"
else
	pass "the password is not written to disk"
fi
ask pw ask=password
expect "stopping while a question is open ends the engine at once" 0 \
    '^ASK .*ok=1 ' '^JOIN 0'

# ---- an untrusted certificate (scripted server, records every byte) -----
PW="password_command = printenv TERN_ALICE_PW"
SELF_PIN=$(cat "$TERN_TLS_DIR/selfsigned.pin")
SELF_RE=$(re "$SELF_PIN")
# NOLOGIN: a command that fails if a credential reached the server.
NOLOGIN="! grep -Eiq '^C: [^ ]+ (LOGIN|AUTHENTICATE) ' \"\$FAKE_LOG\""
export FAKE_LOG
fake_start imap implicit selfsigned || fail "fake server (selfsigned)"
new_config
account a "imaps://alice@localhost:$FAKE_PORT" "" "$PW"
account b "imaps://alice@localhost:$FAKE_PORT" "" "$PW"
ask a ask=trust "exec=$NOLOGIN" answer=no error quiet=1500 "exec=$NOLOGIN"
expect "a self-signed certificate is asked about, naming server and key" 0 \
    "^ASK folder=0 uid=1 ok=2 text=Trust localhost:$FAKE_PORT for account a\\? .*not trusted \\(self-signed certificate\\)\\. Key $SELF_RE; subject CN = localhost; issuer CN = localhost; valid [0-9]{4}-[0-9]{2}-[0-9]{2} to [0-9]{4}-"
expect "nothing is sent before the answer, nor after a no" 0 \
    'EXEC rc=0' '^QUIET$'
lacks "a refused certificate leaves no credential on the wire" 'EXEC rc=[^0]'
expect "after no, the account is offline with the verification error" 0 \
    '^ERROR .*text=certificate of localhost not trusted: self-signed certificate$'
[ -e "$DATA/a/trusted" ] && fail "no is not recorded" "$(cat "$DATA/a/trusted")" ||
    pass "no is not recorded"
no_credentials "no credential reached the server before trust"

ask a ask=trust answer=yes state=syncing "exec=grep -Eiq '^C: [^ ]+ (LOGIN|AUTHENTICATE) ' \"\$FAKE_LOG\""
expect "after yes, the engine connects and logs in" 0 \
    '^LOG .*text=trusting localhost:[0-9]+ \(key sha256:' '^STATE .*text=syncing' \
    'EXEC rc=0' '^JOIN 0'
if [ "$(cat "$DATA/a/trusted" 2>/dev/null)" = "localhost:$FAKE_PORT $SELF_PIN" ]; then
	pass "the trusted key is recorded for this account, host and port"
else
	fail "the trusted key is recorded for this account, host and port" \
	    "$(ls -la "$DATA/a" 2>&1; cat "$DATA/a/trusted" 2>&1)"
fi
m=$(stat -c %a "$DATA/a/trusted" 2>/dev/null)
[ "$m" = 600 ] && pass "the trusted file is mode 0600" ||
    fail "the trusted file is mode 0600" "mode $m"
ask a state=syncing
expect "the next start uses the trusted key without asking" 0 \
    '^STATE .*text=syncing'
lacks "the next start asks nothing" '^ASK '
run_tern check a
expect "tern check uses the key trusted in tern" 0 \
    'not verified by a CA, pinned \(trusted for this account in tern\)' \
    'all checks passed'

: >"$FAKE_LOG"
ask b ask=trust dismiss error
expect "the same server is still asked about for another account" 0 \
    "^ASK .*ok=2 text=Trust localhost:$FAKE_PORT for account b\\? .*Key $SELF_RE" \
    '^ERROR .*not trusted: self-signed'
no_credentials "account b sends nothing on account a's trust"
run_tern check b
expect "tern check never asks, and says where to trust" 1 \
    'b: imap: certificate of localhost not trusted: self-signed certificate; trust it in tern \(the UI\) or set tls_pin'
run_tern sync b
expect "tern sync never asks, and says where to trust" 1 \
    'b: certificate of localhost not trusted: self-signed certificate; trust it in tern \(the UI\) or set tls_pin'
no_credentials "tern check and tern sync send nothing to an untrusted server"
fake_stop

# A different key on a server trusted before is asked about afresh.
fake_start imap implicit untrusted || fail "fake server (untrusted)"
export FAKE_LOG
new_config
account a "imaps://alice@localhost:$FAKE_PORT" "" "$PW"
printf 'localhost:%s %s\n' "$FAKE_PORT" "$SELF_PIN" >"$DATA/a/trusted"
chmod 600 "$DATA/a/trusted"
ask a ask=trust dismiss error
expect "another key than the trusted one is asked about, not accepted" 0 \
    "^ASK .*ok=2 text=Trust localhost:$FAKE_PORT .*Key $(re "$(cat "$TERN_TLS_DIR/untrusted.pin")")" \
    '^ERROR .*not the one trusted before'
no_credentials "a changed key gets no credential"
fake_stop

# Refused without a question: a wrong name (with and without a trusted
# CA), and any certificate when tls_pin is set (the pin decides).
BADPIN="tls_pin = sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
for c in "wrong:ca_file = $TERN_CA" "wrong:# no ca_file" "selfsigned:$BADPIN"; do
	cert=${c%%:*} extra=${c#*:}
	fake_start imap implicit "$cert" || { fail "fake server $cert"; continue; }
	export FAKE_LOG
	new_config
	account n "imaps://alice@localhost:$FAKE_PORT" "" "$PW" "$extra"
	ask n error quiet=2500
	fake_stop
	expect "$cert certificate ($extra): refused without a question" 0 \
	    '^ERROR .*text=certificate of localhost (not trusted|does not match tls_pin)' '^QUIET$'
	lacks "$cert certificate ($extra): no question" '^ASK '
	lacks "$cert certificate ($extra): no hint to trust it" 'trust it in tern'
	no_credentials "$cert certificate ($extra): no credential sent"
done

# An expired certificate from a known CA may be trusted too.
fake_start imap implicit expired || fail "fake server (expired)"
export FAKE_LOG
new_config
account x "imaps://alice@localhost:$FAKE_PORT" "" "$PW" "ca_file = $TERN_CA"
ask x ask=trust dismiss error
fake_stop
expect "an expired certificate is asked about with its dates" 0 \
    '^ASK .*ok=2 .*\(certificate has expired\).*valid 2020-01-01 to 2020-02-01\.$'
no_credentials "an expired certificate gets no credential before trust"

# The STARTTLS path asks the same, before any credential.
fake_start imap starttls untrusted || fail "fake server (starttls)"
new_config
account s "imap://alice@localhost:$FAKE_PORT" "" "$PW"
ask s ask=trust "exec=$NOLOGIN" answer=yes state=syncing
fake_stop
expect "STARTTLS: an untrusted certificate is asked about before any credential" 0 \
    '^ASK .*ok=2 .*\(unable to get local issuer certificate\)' 'EXEC rc=0'
if grep -Eiq '^C: [^ ]+ (LOGIN|AUTHENTICATE) ' "$FAKE_LOG" &&
    grep -q '^EVENT: tls-established' "$FAKE_LOG"; then
	pass "STARTTLS: once trusted, the engine logs in over TLS"
else
	fail "STARTTLS: once trusted, the engine logs in over TLS" "$OUT
$(cat "$FAKE_LOG")"
fi

# ---- the real Dovecot: trusted in the engine, then a full sync -----------
new_config
account d "imaps://bob@localhost:$TERN_IMAPS2_PORT" "" \
    "password_command = printenv TERN_BOB_PW"
ask d ask=trust answer=yes state=idle
expect "a server trusted by the user syncs in full" 0 \
    "^ASK .*ok=2 .*unable to get local issuer certificate.*Key $(re "$TERN_SERVER_PIN")" \
    '^CHANGED ' '^STATE .*text=idle$' '^JOIN 0'
run_tern sync d
expect "tern sync uses the key trusted in tern" 0
# ---- tern itself: the screen opens at once, nothing asks on the tty -----
if command -v tmux >/dev/null 2>&1; then
	SOCK="tern-ask-$$"
	TMUX_CMD="tmux -L $SOCK -f /dev/null"
	printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
	account pw "imaps://dave@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA"
	account d "imaps://bob@localhost:$TERN_IMAPS2_PORT" "" \
	    "password_command = printenv TERN_BOB_PW"
	$TMUX_CMD new-session -d -s ask -x 140 -y 30 \
	    "env TERM=xterm-256color '$TERN'; echo EXIT=\$?; sleep 30"
	i=0 scr=""
	while [ $i -lt 100 ]; do
		scr=$($TMUX_CMD capture-pane -p -t ask 2>/dev/null)
		printf '%s\n' "$scr" | grep -q 'INBOX' && break
		sleep 0.1
		i=$((i + 1))
	done
	if printf '%s\n' "$scr" | grep -q '^pw (' &&
	    printf '%s\n' "$scr" | grep -q 'INBOX' &&
	    ! printf '%s\n' "$scr" | grep -q 'Password for pw:'; then
		pass "tern opens at once without a terminal prompt for a password it lacks"
	else
		fail "tern opens at once without a terminal prompt for a password it lacks" "$scr"
	fi
	# The question holds the prompt line: Esc puts it aside, q quits.
	$TMUX_CMD send-keys -t ask Escape
	sleep 0.3
	$TMUX_CMD send-keys -t ask q
	i=0
	while [ $i -lt 50 ]; do
		scr=$($TMUX_CMD capture-pane -p -t ask 2>/dev/null)
		printf '%s\n' "$scr" | grep -q 'EXIT=' && break
		sleep 0.1
		i=$((i + 1))
	done
	if printf '%s\n' "$scr" | grep -q 'EXIT=0'; then
		pass "tern quits at once while a question is open"
	else
		fail "tern quits at once while a question is open" "$scr"
	fi
	$TMUX_CMD kill-server 2>/dev/null
else
	fail "tmux is needed for the terminal part of this test"
fi
finish
