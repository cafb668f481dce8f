#!/bin/sh
# Composing in the terminal UI against the harness (alice's Dovecot
# account, Postfix submission on the STARTTLS port), with a shell
# script as $EDITOR: a new message with a non-ASCII subject, a Bcc and
# two attachments (added at once with a glob) is sent, arrives in bob's
# INBOX with the attachments' SHA-256 equal to the files' and shows in
# bob's own tern (sync --watch) by IDLE, reaches the
# Bcc recipient without a Bcc field, and is in alice's Sent folder.  A
# reply answers from the address the message was sent to, quotes it,
# threads (In-Reply-To) and sets \Answered on the original once sent.
# P postpones to Drafts (\Draft); tern 'mailto:...' opens the composer
# without honouring attach=; q asks before discarding; the draft file
# is private (0600 in a 0700 directory) and removed afterwards.
. "$TERN_SRCDIR/tests/lib.sh"

CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user alice --password-env TERN_ALICE_PW"
GET="python3 $SRCDIR/tests/mailget.py --port $TERN_IMAPS_PORT"
trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

CTMP="$T_DIR/tmp"
mkdir -p "$CTMP" "$T_DIR/files"
for f in Sent Drafts; do $CTL create "$f" >/dev/null 2>&1; $CTL empty "$f"; done
$CTL empty INBOX

# Two attachments: random bytes, and a text file with a non-ASCII name.
head -c 150000 /dev/urandom >"$T_DIR/files/data.bin"
printf 'Zeile eins\nZeile zwei: Grüße\n' >"$T_DIR/files/Übersicht.txt"

# A message to alice's second address, to reply to.
cat >"$T_DIR/orig.eml" <<'EOF'
From: Bob Builder <bob@example.com>
To: Alice at work <alice.work@example.com>
Cc: carol@example.com
Subject: compose-e2e question
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: <question-e2e@example.com>
Content-Type: text/plain; charset=utf-8

Can you send me the report?
EOF
$CTL append-file INBOX "$T_DIR/orig.eml" >/dev/null

echo "Alice, from tern" >"$T_DIR/signature"
printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account a "imaps://alice@localhost:$TERN_IMAPS_PORT" \
    "smtp://alice@localhost:$TERN_SUBMISSION_PORT" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_ALICE_PW" \
    "alternates = Alice at work <alice.work@example.com>" \
    "signature_file = $T_DIR/signature"

# The editor: records the draft and its modes, then edits it by what
# the subject says (a sed script; no terminal needed).
cat >"$T_DIR/editor.sh" <<'EOF'
#!/bin/sh
f="$1"
stat -c '%a %n' "$f" "$(dirname "$f")" >>"@TDIR@/modes"
cp "$f" "@TDIR@/draft.$(date +%s%N)"
if grep -q '^Subject: new-e2e' "$f"; then
	sed -i -e 's/^Subject: .*/Subject: Grüße aus Köln — new-e2e ☃/' \
	    -e 's/^Bcc: *$/Bcc: carol@example.com/' "$f"
	printf 'Hello Bob,\n\nthe files are attached.\n' >>"$f"
elif grep -q '^Subject: Re: ' "$f"; then
	awk '{ print } /^$/ && !done { print "Here it is."; print ""; done = 1 }' \
	    "$f" >"$f.new" && mv "$f.new" "$f"
elif grep -q '^Subject: draft-e2e' "$f"; then
	printf 'a draft body\n' >>"$f"
fi
exit 0
EOF
sed -i "s|@TDIR@|$T_DIR|g" "$T_DIR/editor.sh"

# What bob got: subject, attachments (SHA-256 and names), no Bcc, body.
cat >"$T_DIR/check.py" <<'EOF'
import email, email.policy, hashlib, os, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
want = {n: hashlib.sha256(open(os.path.join(sys.argv[2], n), 'rb').read()).hexdigest()
        for n in os.listdir(sys.argv[2])}
got = {p.get_filename(): hashlib.sha256(p.get_payload(decode=True)).hexdigest()
       for p in m.iter_attachments()}
out = []
out.append('subject ok' if m['subject'] == 'Grüße aus Köln — new-e2e ☃' else 'subject BAD %r' % m['subject'])
out.append('sha ok' if got == want else 'sha BAD %r %r' % (got, want))
out.append('nobcc ok' if m['bcc'] is None else 'nobcc BAD')
body = m.get_body(('plain',)).get_content()
out.append('body ok' if 'the files are attached.' in body else 'body BAD %r' % body)
out.append('mid ok' if m['message-id'].endswith('@example.com>') else 'mid BAD')
print(' '.join(out))
EOF
chmod +x "$T_DIR/editor.sh"

# Bob's own tern, watching his INBOX (IDLE), in a home of its own.
BOB="$T_DIR/bob"
mkdir -p "$BOB/config/tern"
printf '[general]\nlog_file = %s\n\n[account b]\nfrom = bob@example.com\nimap = imaps://bob@localhost:%s\nca_file = %s\npassword_command = printenv TERN_BOB_PW\n' \
    "$BOB/tern.log" "$TERN_IMAPS_PORT" "$TERN_CA" >"$BOB/config/tern/config"
bob_tern() { env HOME="$BOB" XDG_CONFIG_HOME="$BOB/config" XDG_DATA_HOME="$BOB/data" "$TERN" "$@"; }
# (env execs tern: $! is tern itself, so the kill below stops it)
env HOME="$BOB" XDG_CONFIG_HOME="$BOB/config" XDG_DATA_HOME="$BOB/data" \
    "$TERN" sync --watch b >"$BOB/watch.out" 2>&1 &
BOB_PID=$!
trap 'tui_stop; kill $BOB_PID 2>/dev/null' EXIT

tui_start 150 40 "cd '$T_DIR/files' && env TERM=xterm-256color TMPDIR='$CTMP' EDITOR='$T_DIR/editor.sh' '$TERN'; echo EXIT=\$?; sleep 30"
tui_check "the list shows alice's INBOX" 15 "compose-e2e question"
sleep 1

# ---- a new message, two attachments, a Bcc ----
tui_keys m
tui_check "m asks for the recipient" 5 "^To:"
tui_keys "bob@exam" Tab
tui_check "Tab completes an address from the store (its most used name)" 5 "^To: ([^<]*<)?bob@example.com>?$"
tui_keys Enter
tui_check "then for the subject" 5 "^Subject:"
tui_keys "new-e2e" Enter
tui_check "after the editor, the review screen" 10 "Compose: review"
tui_check "it shows the edited subject" 5 "Subject: +Grüße aus Köln — new-e2e"
tui_check "and the Bcc the editor added" 5 "Bcc: +carol@example.com"
if grep -q '^700 ' "$T_DIR/modes" && grep -q '^600 ' "$T_DIR/modes" &&
    ! grep -qv '^[67]00 ' "$T_DIR/modes"; then
	pass "the draft file is 0600 in a 0700 directory"
else fail "the draft file is 0600 in a 0700 directory" "$(cat "$T_DIR/modes")"; fi
d1=$(ls "$T_DIR"/draft.* | head -1)
if grep -q '^-- $' "$d1" && grep -q '^Alice, from tern' "$d1" &&
    grep -q '^From: Alice Example <alice@example.com>' "$d1"; then
	pass "a new draft has the account's From and its signature"
else fail "a new draft has the account's From and its signature" "$(cat "$d1")"; fi

tui_keys a
tui_check "a asks for files" 5 "^attach"
tui_keys "$T_DIR/files/*" Enter
tui_check "a glob attaches both files" 5 "Attachments: 2"
tui_check "the non-ASCII file name is listed" 5 "Übersicht.txt"
bob_had=$(bob_tern search -a b subject:new-e2e 2>/dev/null | grep -c "new-e2e")
tui_keys y
tui_check "y queues it and the engine sends it" 20 "a: sent"

if $GET --user bob --password-env TERN_BOB_PW INBOX new-e2e --wait 20 \
    --raw "$T_DIR/got.eml" >/dev/null; then
	pass "the message arrives in bob's INBOX"
else fail "the message arrives in bob's INBOX" "$(tail -20 "$TERN_POSTFIX_LOG")"; fi
# Bob's tern learns of it by IDLE (its next full pass is a minute away).
w=0
while [ $w -lt 100 ] && [ "$(bob_tern search -a b subject:new-e2e 2>/dev/null | grep -c "new-e2e")" -le "$bob_had" ]; do
	sleep 0.1; w=$((w + 1))
done
if [ $w -lt 100 ]; then pass "bob's tern (sync --watch) shows it by IDLE ($((w / 10)).$((w % 10)) s after bob's INBOX had it)"
else fail "bob's tern (sync --watch) shows it within 10 s, by IDLE" "$(tail -5 "$BOB/watch.out"; tail -5 "$BOB/tern.log")"; fi
kill "$BOB_PID" 2>/dev/null
wait "$BOB_PID" 2>/dev/null
check=$(python3 "$T_DIR/check.py" "$T_DIR/got.eml" "$T_DIR/files")
case "$check" in *"subject ok"*) pass "the non-ASCII subject arrives intact";;
*) fail "the non-ASCII subject arrives intact" "$check";; esac
case "$check" in *"sha ok"*) pass "both attachments arrive with their SHA-256 and names";;
*) fail "both attachments arrive with their SHA-256 and names" "$check";; esac
case "$check" in *"nobcc ok"*) pass "the Bcc field is not in what bob gets";;
*) fail "the Bcc field is not in what bob gets" "$check";; esac
case "$check" in *"body ok"*) pass "the body the editor wrote arrives";;
*) fail "the body the editor wrote arrives" "$check";; esac
case "$check" in *"mid ok"*) pass "the Message-ID is from the account's domain";;
*) fail "the Message-ID is from the account's domain" "$check";; esac
if $GET --user carol --password-env TERN_CAROL_PW INBOX new-e2e --wait 20 >/dev/null; then
	pass "the Bcc recipient gets it"
else fail "the Bcc recipient gets it"; fi
if $GET --user alice --password-env TERN_ALICE_PW Sent new-e2e --wait 20 |
    grep -q 'Seen'; then
	pass "it is in alice's Sent folder, \\Seen"
else fail "it is in alice's Sent folder, \\Seen"; fi
if [ -z "$(ls -A "$CTMP")" ]; then pass "the composer's private directory is gone"
else fail "the composer's private directory is gone" "$(ls -laR "$CTMP")"; fi

# ---- a reply ----
tui_keys : top Enter
tui_keys r
tui_check "r fetches the message and opens the review after the editor" 15 "Compose: review"
tui_check "the reply goes to the sender" 5 "To: +Bob Builder <bob@example.com>"
tui_check "from the address the message was sent to" 5 "From: +Alice at work <alice.work@example.com>"
tui_check "with a Re: subject" 5 "Subject: +Re: compose-e2e question"
tui_keys y
tui_check "the reply is sent" 20 "a: sent"
if $GET --user bob --password-env TERN_BOB_PW INBOX "Re: compose-e2e" --wait 20 \
    --raw "$T_DIR/reply.eml" >/dev/null &&
    grep -q '^In-Reply-To: <question-e2e@example.com>' "$T_DIR/reply.eml" &&
    grep -q '^> Can you send me the report?' "$T_DIR/reply.eml" &&
    grep -q '^Here it is.' "$T_DIR/reply.eml" &&
    grep -q '^On Mon, 2 Mar 2026 10:00:00 +0000, Bob Builder wrote:' "$T_DIR/reply.eml"; then
	pass "the reply arrives threaded, attributed and quoted"
else fail "the reply arrives threaded, attributed and quoted" "$(cat "$T_DIR/reply.eml" 2>/dev/null)"; fi
if $CTL wait INBOX question-e2e@example.com '\Answered' --timeout 20; then
	pass "the original is \\Answered on the server once sent"
else fail "the original is \\Answered on the server once sent" "$($CTL state | head -30)"; fi

# ---- reply all leaves out alice's addresses ----
tui_keys g
tui_check "g replies to all but alice" 10 "Cc: +carol@example.com"
tui_check "g keeps the sender in To" 5 "To: +Bob Builder <bob@example.com>$"
tui_keys q
tui_check "q asks before discarding" 5 "discard this message"
tui_keys y
tui_check "and discards" 5 "message discarded"

# ---- forward as an attachment ----
tui_keys f
tui_check "f asks inline or attachment" 5 "inline or as an attachment"
tui_keys a
tui_check "then for the recipient" 5 "^Forward to:"
tui_keys "dave@example.com" Enter
tui_check "the forward carries the message as message/rfc822" 10 "forwarded message \\(message/rfc822"
tui_check "with a Fwd: subject" 5 "Subject: +Fwd: compose-e2e question"
tui_keys q n
tui_check "n keeps the message" 5 "not discarded"
tui_keys q y

# ---- postpone ----
tui_keys m
tui_keys "dave@example.com" Enter
tui_keys "draft-e2e" Enter
tui_check "the draft's review" 10 "Subject: +draft-e2e"
tui_keys F
tui_check "F switches to the other identity" 5 "From: +Alice at work"
tui_keys a "$T_DIR/files/data.bin" Enter
tui_keys P
tui_check "P postpones" 5 "postponed to Drafts"
if $GET --user alice --password-env TERN_ALICE_PW Drafts draft-e2e --wait 20 |
    grep -q 'Draft'; then
	pass "the draft is in alice's Drafts folder, \\Draft"
else fail "the draft is in alice's Drafts folder, \\Draft" "$($CTL state | head -40)"; fi

# ---- E: the postponed draft again, then sent ----
tui_keys : "folder Drafts" Enter
tui_check "the Drafts folder lists it" 15 "draft-e2e"
tui_keys E
tui_check "E opens the draft again" 10 "Subject: +draft-e2e"
tui_check "with its identity" 5 "From: +Alice at work <alice.work@example.com>"
tui_check "and its attachment" 5 "1  data.bin"
tui_keys y
tui_check "the edited draft is sent" 20 "a: sent"
if $GET --user dave --password-env TERN_DAVE_PW INBOX draft-e2e --wait 20 \
    --raw "$T_DIR/dave.eml" >/dev/null && python3 - "$T_DIR/dave.eml" \
    "$T_DIR/files/data.bin" <<'EOF'
import email, email.policy, hashlib, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
a = [p for p in m.iter_attachments()]
want = hashlib.sha256(open(sys.argv[2], 'rb').read()).digest()
sys.exit(0 if len(a) == 1 and a[0].get_filename() == 'data.bin' and
         hashlib.sha256(a[0].get_payload(decode=True)).digest() == want else 1)
EOF
then pass "it arrives with the draft's attachment intact"
else fail "it arrives with the draft's attachment intact" "$(head -40 "$T_DIR/dave.eml" 2>/dev/null)"; fi
n=1
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	n=$($CTL uids Drafts | wc -l)
	[ "$n" -eq 0 ] && break
	sleep 1
done
if [ "$n" -eq 0 ]; then pass "the old draft leaves Drafts once the new one is sent"
else fail "the old draft leaves Drafts once the new one is sent" "$($CTL state | head -30)"; fi
tui_keys Q
tui_check "Q quits" 10 "EXIT=0"
tui_stop

# ---- the implicit-TLS submission port (smtps://, 465's role) ----
printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account a "imaps://alice@localhost:$TERN_IMAPS_PORT" \
    "smtps://alice@localhost:$TERN_SMTPS_PORT" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_ALICE_PW"
tui_start 150 40 "cd '$T_DIR/files' && env TERM=xterm-256color TMPDIR='$CTMP' EDITOR='$T_DIR/editor.sh' '$TERN'; echo EXIT=\$?; sleep 30"
tui_check "tern starts again (smtps)" 15 "a \\(online\\)"
tui_keys m
tui_keys "bob@example.com" Enter
tui_keys "new-e2e-smtps" Enter
tui_check "the review (smtps)" 10 "Subject: +Grüße aus Köln — new-e2e ☃"
tui_keys a "$T_DIR/files/*" Enter y
tui_check "sent over smtps://" 20 "a: sent"
n=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	n=$($GET --user bob --password-env TERN_BOB_PW INBOX new-e2e \
	    --raw "$T_DIR/got2.eml" | wc -l)
	[ "$n" -ge 2 ] && break
	sleep 1
done
check=$(python3 "$T_DIR/check.py" "$T_DIR/got2.eml" "$T_DIR/files")
if [ "$n" -ge 2 ] && [ "$check" = "subject ok sha ok nobcc ok body ok mid ok" ]; then
	pass "the smtps:// message arrives in bob's INBOX intact"
else fail "the smtps:// message arrives in bob's INBOX intact" "$n: $check"; fi
tui_keys Q
tui_check "Q quits (smtps)" 10 "EXIT=0"
tui_stop

# ---- tern 'mailto:...' ----
tui_start 150 40 "cd '$T_DIR' && env TERM=xterm-256color TMPDIR='$CTMP' EDITOR='$T_DIR/editor.sh' '$TERN' 'mailto:bob@example.com?subject=mailto-e2e%0D%0ABcc:%20eve@example.com&body=hi&attach=/etc/passwd&bcc=eve@example.com'; echo EXIT=\$?; sleep 30"
tui_check "mailto: opens the composer" 15 "Compose: review"
tui_check "with its address" 5 "To: +bob@example.com"
tui_check "no attach= file" 5 "Attachments: 0"
tui_check "no bcc= and no header from the subject" 5 "Bcc: *$"
tui_keys q
tui_keys y
tui_keys Q
tui_check "quits" 10 "EXIT=0"
if [ -z "$(ls -A "$CTMP")" ]; then pass "nothing is left in TMPDIR"
else fail "nothing is left in TMPDIR" "$(ls -laR "$CTMP")"; fi

finish
