#!/bin/sh
# The Maildir cache: body_days prefetches full messages into
# $XDG_DATA_HOME/tern/ACCOUNT/mail/FOLDER/cur as files named with the
# UID and the standard ":2,FLAGS" suffix, byte-identical to the server's
# copy, renamed when a flag changes, readable by other Maildir tools
# (Python's mailbox module here), and nothing is left in tmp/ or new/.
# Covers SECURITY.md #41 (nothing left in tmp/ or new/; flags in file names).
. "$TERN_SRCDIR/tests/lib.sh"

P=$TERN_IMAPS3_PORT
CTL="python3 $SRCDIR/tests/imapctl.py --port $P"
new_config
account c "imaps://alice@localhost:$P" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_ALICE_PW" "sync_days = 30" "body_days = 30"
$CTL append INBOX "cache me"
$CTL append INBOX "not cached, too old" --days-ago 45

run_tern sync c
expect "sync with body_days succeeds" 0
run_tern search -a c --json 'folder:INBOX'
n_all=$(printf '%s\n' "$OUT" | grep -c '"uid"')
n_cached=$(printf '%s\n' "$OUT" | grep -c '"cached":true')
[ "$n_all" -gt 0 ] && [ "$n_all" = "$n_cached" ] &&
    pass "every INBOX message inside body_days is cached ($n_cached of $n_all)" ||
    fail "every INBOX message inside body_days is cached" "$OUT"

M="$XDG_DATA_HOME/tern/c/mail"
if python3 - "$M/INBOX" "$P" <<'PY'
import imaplib, mailbox, os, re, ssl, sys
d, port = sys.argv[1], int(sys.argv[2])
names = os.listdir(os.path.join(d, 'cur'))
assert names, 'no files in cur/'
assert not os.listdir(os.path.join(d, 'tmp')), 'files left in tmp/'
assert not os.listdir(os.path.join(d, 'new')), 'files in new/'
ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
m = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx)
m.login('alice', os.environ['TERN_ALICE_PW'])
m.select('INBOX', readonly=True)
for n in names:
    mt = re.search(r',U=(\d+):2,([A-Z]*)$', n)
    assert mt, 'bad name ' + n
    uid = mt.group(1)
    typ, data = m.uid('FETCH', uid, '(FLAGS BODY.PEEK[])')
    body = [x for x in data if isinstance(x, tuple)][0][1]
    with open(os.path.join(d, 'cur', n), 'rb') as fp:
        assert fp.read() == body, 'content differs for uid ' + uid
    flags = re.search(rb'FLAGS \(([^)]*)\)', [x for x in data if isinstance(x, tuple)][0][0]).group(1)
    want = ''.join(sorted(c for f, c in ((b'\\Draft', 'D'), (b'\\Flagged', 'F'), (b'\\Answered', 'R'), (b'\\Seen', 'S'), (b'\\Deleted', 'T')) if f in flags.split()))
    assert mt.group(2) == want, 'flags %s != %s for uid %s' % (mt.group(2), want, uid)
box = mailbox.Maildir(d, create=False)
assert len(box) == len(names), 'mailbox module sees %d of %d' % (len(box), len(names))
for key, msg in box.items():
    assert msg['Message-ID'], 'unparseable ' + key
print('%d files checked' % len(names))
PY
then pass "cached files equal the server's messages, carry UID and flags, and parse as a Maildir"
else fail "cached files equal the server's messages, carry UID and flags, and parse as a Maildir"; fi

before=$(ls "$M/INBOX/cur" | grep -c ':2,S$' || true)
run_tern mark -a c --read 'subject:"cache me"'
after=$(ls "$M/INBOX/cur" | grep -c ':2,S$' || true)
[ "$after" -gt "$before" ] && pass "marking read renames the cached file to :2,S at once" ||
    fail "marking read renames the cached file to :2,S at once" "$(ls "$M/INBOX/cur")"
run_tern search -a c 'subject:"too old"'
[ -z "$OUT" ] && pass "messages outside sync_days are neither indexed nor cached" ||
    fail "messages outside sync_days are neither indexed nor cached" "$OUT"
finish
