#!/bin/sh
# A hostile or broken server (the scripted one): STARTTLS stripped,
# refused or followed by injected bytes, a plaintext PREAUTH, a bogus
# greeting or BYE, escape sequences in its error text, and a server
# that never answers.  Each fails that connection with a clear,
# sanitized reason and no credential sent (SECURITY.md tests 1-7, 13).
# Covers SECURITY.md #1 #2 #3 #4 #5 #6 #7 #11 #13 (the ALERT and SMTP error text).
. "$TERN_SRCDIR/tests/lib.sh"

PW="password_command = printenv TERN_ALICE_PW"

# attack PROTO MODE DESC PATTERN: runs tern check against the mode.
attack() {
	proto=$1 mode=$2 desc=$3 pat=$4
	fake_start "$proto" "$mode" || { fail "$desc: fake server did not start"; return; }
	case $mode in
	implicit*) s=s ;;
	*) s= ;;
	esac
	fake_account "$proto$s" "$PW" "ca_file = $TERN_CA"
	start=$(date +%s)
	run_tern check fake
	took=$(( $(date +%s) - start ))
	fake_stop
	expect "$proto $mode: $desc" 1 "fake: $proto: .*$pat"
	no_credentials "$proto $mode: no credential sent"
	if has_control "$OUT"; then
		fail "$proto $mode: output has no terminal control bytes" "$OUT"
	else
		pass "$proto $mode: output has no terminal control bytes"
	fi
	[ "$took" -le 12 ] || fail "$proto $mode: gave up within the 5 s timeout (took $took s)"
}

attack imap starttls-inject "bytes after the STARTTLS OK abort the session" \
    "sent data after its STARTTLS reply"
attack imap no-starttls "STARTTLS missing from CAPABILITY" "does not offer STARTTLS"
attack imap starttls-no "STARTTLS answered NO" "refused STARTTLS: not now"
attack imap starttls-bad "STARTTLS answered BAD" "refused STARTTLS"
attack imap preauth "plaintext PREAUTH while TLS is required" "PREAUTH before TLS"
attack imap bad-greeting "an invalid greeting" "invalid IMAP greeting"
attack imap bye "a BYE greeting" "refused the connection"
attack imap stall "a server that stops answering" "(timed out|connection lost)"
attack imap silent "a server that never greets" "(timed out|before its greeting)"
attack smtp greeting-inject "data pipelined after the greeting" "sent data before it was asked"
attack smtp starttls-inject "bytes after the STARTTLS 220 abort the session" \
    "sent data after its STARTTLS reply"
attack smtp no-starttls "EHLO without STARTTLS" "does not offer STARTTLS"
attack smtp starttls-454 "STARTTLS answered 454" "refused STARTTLS: 454"
attack smtp bad-greeting "a 554 greeting" "refused the connection: 554"
attack smtp stall "a server that stops answering" "(timed out|connection lost|EHLO refused)"
attack smtp silent "a server that never greets" "(timed out|before its greeting)"

# Escape sequences in the server's answer to LOGIN / AUTH are shown
# sanitized (the credential is sent here: TLS was fine).
for proto in imap smtp; do
	mode=alert
	[ $proto = smtp ] && mode=auth-fail-escape
	fake_start $proto $mode || { fail "$proto $mode: fake server did not start"; continue; }
	fake_account $proto "$PW" "ca_file = $TERN_CA"
	run_tern check fake
	fake_stop
	expect "$proto: a hostile error text is shown" 1 "fake: $proto: authentication as alice failed"
	if has_control "$OUT"; then
		fail "$proto: escape sequences in the server's text are removed" "$(printf '%s' "$OUT" | od -c | head -20)"
	else
		pass "$proto: escape sequences in the server's text are removed"
	fi
done

# Untagged CAPABILITY, LIST, EXISTS, STATUS, FETCH and an [ALERT] sent
# before the STARTTLS OK are part of that reply: they are consumed and
# then forgotten; only what the server says over TLS counts.
fake_start imap pretls-untagged
fake_account imap "$PW" "ca_file = $TERN_CA"
run_tern check fake
fake_stop
# Before TLS the server claimed no IDLE; over TLS it offers IDLE.
expect "pre-TLS untagged data is discarded; capabilities are re-read over TLS" 0 \
    'capabilities: IDLE ' 'all checks passed'
if printf '%s' "$OUT" | grep -qi -e 'pre-tls' -e 'PRETLS'; then
	fail "nothing said before TLS is shown" "$OUT"
else
	pass "nothing said before TLS is shown"
fi
if grep -q '^C: [^ ]* CAPABILITY' "$FAKE_LOG" &&
    [ "$(sed -n '/tls-established/,$p' "$FAKE_LOG" | grep -c '^C: [^ ]* CAPABILITY')" -ge 1 ]; then
	pass "CAPABILITY is asked again after TLS"
else
	fail "CAPABILITY is asked again after TLS" "$(cat "$FAKE_LOG")"
fi

# A password with CR LF is never sent: one command, no injection.
fake_start imap starttls
fake_account imap \
    "password_command = printf 'p\\rw\\nA1 DELETE INBOX'" "ca_file = $TERN_CA"
run_tern check fake
fake_stop
expect "a password containing CR is refused before sending" 1 "control character"
if grep -q DELETE "$FAKE_LOG"; then fail "no injected command reached the server" "$(cat "$FAKE_LOG")"
else pass "no injected command reached the server"; fi

finish
