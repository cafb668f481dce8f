#!/bin/sh
# Sending through the harness's real Postfix (587 role with STARTTLS,
# 465 role with implicit TLS), which delivers by LMTP into Dovecot:
# tern send (-t, recipients as arguments, from a script), Bcc, the
# attachment and body bytes as they arrive (SHA-256), the Sent copy with
# \Seen, git send-email both ways, Postfix stopped (queued, then sent
# exactly once), a 587 server without STARTTLS (no AUTH, no message,
# the message stays in the outbox), and body edge cases.
# Covers SECURITY.md #4 (SMTP) #43 (a refused message stays, never
# sent twice) #44 (dots, bare CR and LF, CRLF-only wire).
. "$TERN_SRCDIR/tests/lib.sh"

PATH=$PATH:/usr/sbin:/sbin
GET="python3 $SRCDIR/tests/mailget.py --port $TERN_IMAPS_PORT"
TAG="send$$"
PW="password_command = printenv TERN_ALICE_PW"

write_config() {
	new_config
	account s587 "imaps://alice@localhost:$TERN_IMAPS_PORT" \
	    "smtp://alice@localhost:$TERN_SUBMISSION_PORT" "$PW" \
	    "ca_file = $TERN_CA"
	account s465 "imaps://alice@localhost:$TERN_IMAPS_PORT" \
	    "smtps://alice@localhost:$TERN_SMTPS_PORT" "$PW" \
	    "ca_file = $TERN_CA"
}
write_config
rm -rf "$XDG_DATA_HOME/tern"	# no outbox left by an earlier run

# tern_send ARGS... < FILE: like run_tern, with the message on stdin.
tern_send() {
	OUT=$("$TERN" send "$@" 2>&1)
	RC=$?
}

# The messages, made by Python's email package.
cat >"$T_DIR/mk.py" <<'EOF'
import sys, os, email.message, email.policy
kind, subject, out = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == 'attach':
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m['From'] = 'Alice Example <alice@example.com>'
    m['To'] = 'Carol <carol@example.com>'
    m['Subject'] = subject
    m.set_content('Hello Carol,\n.\n..\n.leading dot\nbye\n')
    for i, n in enumerate((3000, 70000)):
        data = os.urandom(n)
        with open(out + '.att%d' % i, 'wb') as f:
            f.write(data)
        m.add_attachment(data, maintype='application',
                         subtype='octet-stream', filename='f%d.bin' % i)
    open(out, 'wb').write(m.as_bytes())
else:
    head = ('From: Alice <alice@example.com>\nTo: carol@example.com\n'
            'Subject: %s\nMIME-Version: 1.0\n'
            'Content-Type: text/plain; charset=us-ascii\n\n' % subject)
    if kind == 'edges':
        body = ('.leading dot\n.\n..\nmiddle\rcr alone\rand lf alone\n'
                + 'x' * 10000 + '\n' + 'line\r\n.\r\nafter a crlf dot\r\n'
                + '\n.\n\nend without newline')
    elif kind == 'empty':
        body = ''
    else:
        body = 'body of %s\n' % subject
    open(out, 'wb').write((head + body).encode())
EOF
# Compares what arrived with what was sent: every part's decoded
# bytes (SHA-256), line ends normalised (a lone CR or LF is a line end
# in the source; SMTP carries CRLF only).
cat >"$T_DIR/cmp.py" <<'EOF'
import sys, re, hashlib, email, email.policy
def parts(path):
    raw = open(path, 'rb').read()
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    out = []
    for p in m.walk():
        if p.is_multipart():
            continue
        b = p.get_payload(decode=True) or b''
        if p.get_content_maintype() == 'text':
            # SMTP ends every message with a line end.
            b = re.sub(rb'\r\n|\r|\n', b'\n', b)
            if b and not b.endswith(b'\n'):
                b += b'\n'
        out.append((p.get_content_type(), p.get_filename(),
                    hashlib.sha256(b).hexdigest(), len(b)))
    return out, m
a, ma = parts(sys.argv[1])
b, mb = parts(sys.argv[2])
if a != b:
    print('sent:    ', a)
    print('arrived: ', b)
    sys.exit(1)
if len(sys.argv) > 3:
    want = open(sys.argv[3], 'rb').read()
    got = [p.get_payload(decode=True) for p in mb.walk()
           if p.get_filename() == sys.argv[4]]
    if got != [want]:
        print('attachment differs from the original file')
        sys.exit(1)
print(' '.join('%s:%s' % (t, h[:12]) for t, _, h, _ in b))
EOF

# arrived DESC USER PWVAR FOLDER SUBJECT [FLAG]: exactly one message with
# SUBJECT is in USER's FOLDER within 10 s (with FLAG); its bytes in
# $T_DIR/got.eml.
arrived() {
	if ! got=$($GET --user "$2" --password-env "$3" --wait "${WAIT:-10}" \
	    --raw "$T_DIR/got.eml" "$4" "$5" 2>&1); then
		fail "$1" "nothing with subject $5 in $2's $4"
		return 1
	fi
	n=$(printf '%s\n' "$got" | wc -l)
	if [ "$n" -ne 1 ]; then
		fail "$1" "$n copies in $2's $4"
		return 1
	fi
	if [ -n "${6:-}" ] && ! printf '%s' "$got" | grep -qF "$6"; then
		fail "$1" "flags are '$got', lacking $6"
		return 1
	fi
	pass "$1"
}

# same DESC SENT [ATTFILE ATTNAME]: got.eml has SENT's parts.
same() {
	if out=$(python3 "$T_DIR/cmp.py" "$2" "$T_DIR/got.eml" ${3:+"$3"} ${4:+"$4"} 2>&1); then
		pass "$1 ($out)"
	else
		fail "$1" "$out"
	fi
}

outbox_empty() {
	run_tern send -a "$2" --list
	if [ "$RC" = 0 ] && [ -z "$OUT" ]; then pass "$1"
	else fail "$1" "rc $RC: $OUT"; fi
}

# ---- 1. both ports: an attachment, a non-ASCII subject, Sent ----
for acct in s587 s465; do
	subj="$TAG $acct Grüße – ünïcödé"
	python3 "$T_DIR/mk.py" attach "$subj" "$T_DIR/$acct.eml"
	tern_send -a $acct -t <"$T_DIR/$acct.eml"
	expect "$acct: tern send -t exits 0 once submitted" 0 || continue
	arrived "$acct: the message arrives in carol's INBOX once" carol \
	    TERN_CAROL_PW INBOX "$TAG $acct" &&
	    same "$acct: every part arrives byte-for-byte (SHA-256)" \
	    "$T_DIR/$acct.eml" "$T_DIR/$acct.eml.att1" f1.bin
	arrived "$acct: a copy is in alice's Sent, \\Seen" alice \
	    TERN_ALICE_PW Sent "$TAG $acct" '\Seen' &&
	    same "$acct: the Sent copy is the message" "$T_DIR/$acct.eml"
	outbox_empty "$acct: the outbox is empty afterwards" $acct
done
grep -E "postfix-[^/]*/submission/smtpd.*sasl_username=alice" "$TERN_POSTFIX_LOG" \
    >/dev/null && pass "the 587 role was used (Postfix log)" ||
    fail "the 587 role was used (Postfix log)"
grep -E "postfix-[^/]*/submissions/smtpd.*sasl_username=alice" "$TERN_POSTFIX_LOG" \
    >/dev/null && pass "the 465 role was used (Postfix log)" ||
    fail "the 465 role was used (Postfix log)"

# ---- 2. from a script: recipients as arguments; Bcc ----
python3 "$T_DIR/mk.py" plain "$TAG script" "$T_DIR/script.eml"
# The header names someone else: the envelope (the arguments) decides.
sed -i 's/^To: carol@example.com/To: nobody@nowhere.invalid/' "$T_DIR/script.eml"
OUT=$(sh -c "cat '$T_DIR/script.eml' | '$TERN' send -a s587 carol@example.com" 2>&1)
RC=$?
expect "a script pipes a message to tern send RECIPIENT: exit 0" 0
arrived "the envelope's recipient gets it, not the To header's" carol \
    TERN_CAROL_PW INBOX "$TAG script"

printf 'From: Alice <alice@example.com>\nTo: carol@example.com\nBcc: bob@example.com\nSubject: %s bcc\n\nhidden copy\n' \
    "$TAG" >"$T_DIR/bcc.eml"
tern_send -a s465 -t <"$T_DIR/bcc.eml"
expect "tern send -t with a Bcc: exit 0" 0
arrived "the Bcc recipient gets it" bob TERN_BOB_PW INBOX "$TAG bcc"
if grep -qi '^Bcc:' "$T_DIR/got.eml"; then
	fail "the transmitted message has no Bcc field" "$(head -20 "$T_DIR/got.eml")"
else
	pass "the transmitted message has no Bcc field"
fi
arrived "carol gets it too" carol TERN_CAROL_PW INBOX "$TAG bcc"
grep -qi '^Bcc:' "$T_DIR/got.eml" &&
    fail "carol's copy shows no Bcc" || pass "carol's copy shows no Bcc"
arrived "the Sent copy is there" alice TERN_ALICE_PW Sent "$TAG bcc" '\Seen'
grep -qi '^Bcc: bob@example.com' "$T_DIR/got.eml" &&
    pass "the Sent copy keeps the Bcc field" ||
    fail "the Sent copy keeps the Bcc field" "$(head -20 "$T_DIR/got.eml")"

printf 'From: Alice <alice@example.com>\nSubject: %s none\n\nx\n' "$TAG" >"$T_DIR/none.eml"
tern_send -a s587 <"$T_DIR/none.eml"
expect "no recipients: a usage error, nothing sent" 64 "no recipients"

printf 'From: Alice <alice@example.com>\nTo: nobody@nowhere.invalid\nSubject: %s refused\n\nx\n' \
    "$TAG" >"$T_DIR/refused.eml"
tern_send -a s587 -t <"$T_DIR/refused.eml"
expect "a recipient the server refuses (5xx): exit 1 with the reason" 1 \
    "not sent: .*nowhere.invalid"
outbox_empty "a refused message is not left in the outbox (the caller has it)" s587

# ---- 3. body edge cases ----
for kind in edges empty; do
	python3 "$T_DIR/mk.py" $kind "$TAG $kind" "$T_DIR/$kind.eml"
	tern_send -a s587 -t <"$T_DIR/$kind.eml"
	expect "$kind body: sent" 0 || continue
	arrived "$kind body: arrives" carol TERN_CAROL_PW INBOX "$TAG $kind" &&
	    same "$kind body: arrives unchanged" "$T_DIR/$kind.eml"
done
# The dot lines, lone CR and LF and the 10,000-character line, exactly
# once decoded: a body line over 998 octets goes quoted-printable
# (Postfix would fold it), so no line on the way is longer.
arrived "edge cases (again)" carol TERN_CAROL_PW INBOX "$TAG edges" >/dev/null
if python3 - "$T_DIR/got.eml" <<'EOF'
import sys, re, email
raw = open(sys.argv[1], 'rb').read()
m = email.message_from_bytes(raw)
body = re.sub(rb'\r\n|\r|\n', b'\n', m.get_payload(decode=True))
want = (b'.leading dot\n.\n..\nmiddle\ncr alone\nand lf alone\n' + b'x' * 10000
        + b'\nline\n.\nafter a crlf dot\n\n.\n\nend without newline\n')
longest = max(len(l) for l in raw.split(b'\r\n'))
sys.exit(0 if body == want and longest <= 998 else 1)
EOF
then pass "dot lines, a lone '.', lone CR and LF, a 10,000-byte line: exact"
else fail "dot lines, a lone '.', lone CR and LF, a 10,000-byte line: exact" \
    "$(head -c 3000 "$T_DIR/got.eml")"; fi

# ---- 4. git send-email, both forms ----
if git send-email -h 2>&1 | grep -q sendmail-cmd; then
	R="$T_DIR/repo"
	rm -rf "$R"
	git init -q "$R"
	(
		cd "$R" || exit 1
		git config user.name "Alice Example"
		git config user.email alice@example.com
		printf 'line one\n.\nline three\n' >file.txt
		git add file.txt
		git commit -qm "$TAG patch one"
		printf 'line two\n' >>file.txt
		git commit -qam "$TAG patch two"
		git format-patch -q -2 -o "$T_DIR/patches"
	)
	OUT=$(cd "$R" && git send-email --confirm=never --quiet \
	    --sendmail-cmd="'$TERN' send -a s587 -t" --to=carol@example.com \
	    --from="Alice Example <alice@example.com>" \
	    "$T_DIR/patches/0001-"*.patch 2>&1)
	RC=$?
	expect "git send-email --sendmail-cmd='tern send -a s587 -t': exit 0" 0
	arrived "the patch arrives" carol TERN_CAROL_PW INBOX "$TAG patch one"
	grep -q '^+line three' "$T_DIR/got.eml" &&
	    pass "the patch's diff is intact" ||
	    fail "the patch's diff is intact" "$(cat "$T_DIR/got.eml")"
	OUT=$(cd "$R" && git send-email --confirm=never --quiet \
	    --smtp-server="$TERN" --to=carol@example.com \
	    --from="Alice Example <alice@example.com>" \
	    "$T_DIR/patches/0002-"*.patch 2>&1)
	RC=$?
	expect "git send-email --smtp-server=/path/to/tern: exit 0" 0
	arrived "that patch arrives too" carol TERN_CAROL_PW INBOX "$TAG patch two"
else
	fail "git send-email is installed (make deps installs git-email)"
fi

# ---- 5. Postfix stopped: queued; started: sent exactly once ----
postfix -c "$TERN_POSTFIX_CONF" stop >/dev/null 2>&1
i=0
while python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $TERN_SUBMISSION_PORT), 1)" 2>/dev/null &&
    [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
python3 "$T_DIR/mk.py" plain "$TAG queued" "$T_DIR/queued.eml"
tern_send -a s587 -t --queue-ok <"$T_DIR/queued.eml"
expect "Postfix down, --queue-ok: exit 0, queued with the reason" 0 "queued in s587's outbox"
python3 "$T_DIR/mk.py" plain "$TAG notqueued" "$T_DIR/notqueued.eml"
tern_send -a s587 -t <"$T_DIR/notqueued.eml"
expect "Postfix down, no --queue-ok: exit 75 with the reason" 75 "not sent: "
run_tern send -a s587 --list
if [ "$(printf '%s\n' "$OUT" | grep -c .)" = 1 ] &&
    printf '%s' "$OUT" | grep -q "queued.*$TAG queued"; then
	pass "the outbox holds the queued message (and not the refused one)"
else
	fail "the outbox holds the queued message (and not the refused one)" "$OUT"
fi
postfix -c "$TERN_POSTFIX_CONF" start >/dev/null 2>&1 ||
    fail "Postfix restarts" "$(tail -5 "$TERN_POSTFIX_LOG")"
i=0
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $TERN_SUBMISSION_PORT), 1)" 2>/dev/null ||
    [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
# The engine the UI runs (tern sync --watch) sends what is queued.
"$TERN" sync --watch s587 >"$T_DIR/watch.out" 2>&1 &
WATCH=$!
arrived "Postfix up again: the watching engine sends the queued message" \
    carol TERN_CAROL_PW INBOX "$TAG queued"
i=0
while "$TERN" send -a s587 --list 2>/dev/null | grep -q "$TAG queued" &&
    [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
# While that tern holds the account: queued for it with --queue-ok
# (it sends at its next pass, within a minute), refused without.
python3 "$T_DIR/mk.py" plain "$TAG held" "$T_DIR/held.eml"
tern_send -a s587 -t <"$T_DIR/held.eml"
expect "another tern holds the account: refused without --queue-ok" 75 "in use"
tern_send -a s587 -t --queue-ok <"$T_DIR/held.eml"
expect "... queued for it with --queue-ok" 0 "the tern running on this account sends it"
WAIT=75 arrived "the running tern sends it" carol TERN_CAROL_PW INBOX "$TAG held"
kill "$WATCH"
wait "$WATCH"
grep -q "sent \"$TAG queued\"" "$T_DIR/watch.out" &&
    pass "tern sync reports the message sent (EV_SENT)" ||
    fail "tern sync reports the message sent (EV_SENT)" "$(cat "$T_DIR/watch.out")"
run_tern send -a s587 --flush
expect "then tern send --flush has nothing to send" 0
arrived "the queued message arrived exactly once" carol TERN_CAROL_PW INBOX "$TAG queued"
sleep 2
arrived "... and still once later" carol TERN_CAROL_PW INBOX "$TAG queued"
if $GET --user carol --password-env TERN_CAROL_PW INBOX "$TAG notqueued" >/dev/null 2>&1; then
	fail "the message refused while Postfix was down is not sent later"
else
	pass "the message refused while Postfix was down is not sent later"
fi
outbox_empty "the outbox is empty" s587

# ---- 5b. Sent gets one copy across an interrupted save ----
# A message the server accepted, whose APPEND to Sent was tried
# (saves 1) when tern stopped: once already in Sent, once not.  The next
# run looks for its Message-ID before appending (SECURITY.md #42).
CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user alice --password-env TERN_ALICE_PW"
OB="$XDG_DATA_HOME/tern/s587/outbox"
for case in landed lost; do
	id="1700000000.000000.P1Q1.$case$$"
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <%s@example.com>\r\nFrom: Alice <alice@example.com>\r\nTo: carol@example.com\r\nSubject: %s saved %s\r\n\r\nbody\r\n' \
	    "$id" "$TAG" "$case" >"$OB/cur/$id:2,"
	printf 'state sent\nattempts 1\nsaves 1\nqueued 1700000000\nnext 0\nreason \n' \
	    >"$OB/state/$id"
	[ $case = landed ] && $CTL append-file Sent "$OB/cur/$id:2," --flags '\Seen' >/dev/null
done
run_tern send -a s587 --flush
expect "an interrupted save to Sent is finished by the next run" 0
arrived "the copy that had landed is not appended again" alice TERN_ALICE_PW \
    Sent "$TAG saved landed"
arrived "the copy that had not is appended once" alice TERN_ALICE_PW Sent \
    "$TAG saved lost" '\Seen'
outbox_empty "both leave the outbox" s587

# ---- 6. a 587 server without STARTTLS: no AUTH, no message ----
fake_start smtp no-starttls || fail "fake server starts"
fake_account smtp "$PW" "ca_file = $TERN_CA"
python3 "$T_DIR/mk.py" plain "$TAG fake" "$T_DIR/fake.eml"
tern_send -a fake -t --queue-ok <"$T_DIR/fake.eml"
expect "no STARTTLS on 587: not sent, queued with the reason" 0 \
    "queued in fake's outbox .*does not offer STARTTLS"
run_tern send -a fake --flush
expect "a retry is refused the same way" 75 "does not offer STARTTLS"
fake_stop
no_credentials "no STARTTLS: no AUTH sent"
if grep -Eiq '^C: (MAIL|RCPT|DATA)' "$FAKE_LOG"; then
	fail "no STARTTLS: no message sent" "$(cat "$FAKE_LOG")"
else
	pass "no STARTTLS: no message sent"
fi
run_tern send -a fake --list
printf '%s' "$OUT" | grep -q "queued.*$TAG fake.*STARTTLS" &&
    pass "the message stays in the outbox with the reason" ||
    fail "the message stays in the outbox with the reason" "$OUT"
run_tern send -a fake --delete "$(printf '%s' "$OUT" | cut -f 1 | head -n 1)"
expect "tern send --delete ID drops it" 0

# ---- 7. after DATA: a dropped connection, 4xx and 5xx ----
# count_data: how many messages the fake server received.
count_data() { grep -c '^EVENT: message ' "$FAKE_LOG"; }

fake_start smtp data-drop || fail "fake server starts"
fake_account smtp "$PW" "ca_file = $TERN_CA"
python3 "$T_DIR/mk.py" plain "$TAG drop" "$T_DIR/drop.eml"
tern_send -a fake -t --queue-ok <"$T_DIR/drop.eml"
expect "dropped after the final '.': exit 1, possibly sent" 1 "possibly sent"
run_tern send -a fake --list
printf '%s' "$OUT" | grep -q "possibly sent.*$TAG drop" &&
    pass "the message stays in the outbox, marked possibly sent" ||
    fail "the message stays in the outbox, marked possibly sent" "$OUT"
run_tern send -a fake --flush
run_tern send -a fake --flush
[ "$(count_data)" = 1 ] && pass "a possibly sent message is never resent by itself" ||
    fail "a possibly sent message is never resent by itself" "$(cat "$FAKE_LOG")"
id=$(printf '%s' "$OUT" | sed -n 's/^tern: \([^:]*\): possibly sent.*/\1/p' | head -n 1)
run_tern send -a fake --delete "$id"
expect "the user may drop it (tern send --delete ID)" 0
run_tern send -a fake --list
[ -z "$OUT" ] && pass "... and then the outbox is empty" ||
    fail "... and then the outbox is empty" "$OUT"
fake_stop

fake_start smtp data-451 || fail "fake server starts"
fake_account smtp "$PW" "ca_file = $TERN_CA"
python3 "$T_DIR/mk.py" plain "$TAG 451" "$T_DIR/451.eml"
tern_send -a fake -t --queue-ok <"$T_DIR/451.eml"
expect "451 after DATA: queued (temporary), exit 0 with --queue-ok" 0 \
    "queued in fake's outbox .*451"
tern_send -a fake -t <"$T_DIR/451.eml"
expect "451 after DATA without --queue-ok: exit 75" 75 "not sent: .*451"
fake_stop

fake_start smtp data-554 || fail "fake server starts"
fake_account smtp "$PW" "ca_file = $TERN_CA"
python3 "$T_DIR/mk.py" plain "$TAG 554" "$T_DIR/554.eml"
tern_send -a fake -t --queue-ok <"$T_DIR/554.eml"
expect "554 after DATA: exit 1 even with --queue-ok (permanent)" 1 "not sent: .*554"
run_tern send -a fake --list
printf '%s' "$OUT" | grep -q "$TAG 554" &&
    fail "a refused message is not kept (the caller has it)" "$OUT" ||
    pass "a refused message is not kept (the caller has it)"
# An address that needs SMTPUTF8, which the fake server does not offer.
printf 'From: Alice <alice@example.com>\nTo: j\303\266rg@example.com\nSubject: %s utf8\n\nx\n' \
    "$TAG" >"$T_DIR/utf8.eml"
tern_send -a fake -t <"$T_DIR/utf8.eml"
expect "a non-ASCII address without SMTPUTF8: refused before MAIL" 1 "SMTPUTF8"
fake_stop

finish
