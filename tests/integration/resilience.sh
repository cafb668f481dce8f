#!/bin/sh
# tern's own state lost, damaged or hostile, against the real Dovecot B
# (user bob, a second IMAP client in tests/imapctl.py watching the
# server): nothing is ever deleted on the server, the store is rebuilt
# from the server, and the bodies already in the Maildir cache are
# reused instead of downloaded again.
#   SECURITY.md #33  a spurious UIDVALIDITY change (same mail)
#   SECURITY.md #36  a folder's rows or state lost or corrupt; a folder
#                    renamed on the server
#   SECURITY.md #39  a truncated, garbage or empty index; a garbage
#                    -wal or -journal
#   SECURITY.md #45  poison messages in the Maildir cache
. "$TERN_SRCDIR/tests/lib.sh"

CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS2_PORT --user bob --password-env TERN_BOB_PW"
DATA="$XDG_DATA_HOME/tern/r"
DB="$DATA/index.sqlite"
M="$DATA/mail"

trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

rm -rf "$TERN_MAIL_HOME2/bob/Maildir" "$DATA"
doveadm -c "$TERN_DOVECOT2_CONF" kick bob >/dev/null 2>&1
# One IMAP session for the whole setup (imapctl.py's messages).
python3 - "$SRCDIR/tests" "$TERN_IMAPS2_PORT" <<'EOF'
import imaplib, sys, time
sys.path.insert(0, sys.argv[1])
import imapctl
class A: port = int(sys.argv[2]); user = 'bob'; password_env = 'TERN_BOB_PW'
m = imapctl.connect(A)
m.create('Res')
for box, n in (('INBOX', 6), ('Res', 4)):
    for i in range(1, n + 1):
        when = imaplib.Time2Internaldate(time.time() - i * 86400)
        m.append(box, '(\\Flagged)' if box == 'Res' and i == 2 else None, when,
                 imapctl.make_message('%s %d' % (box.lower(), i), 'r%d.%s@example.com' % (i, box), i))
m.logout()
EOF

printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account r "imaps://bob@localhost:$TERN_IMAPS2_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_BOB_PW" "body_days = 30"

q() { sqlite3 "$DB" "$1" 2>&1; }
# inodes DIR: the sorted inode numbers of DIR's cached files.
inodes() { find "$1/cur" "$1/new" -type f -exec stat -c %i {} + 2>/dev/null | sort -n | tr '\n' ' '; }
# server: the server's state (every folder, UID, flags, Message-ID),
# read by doveadm (a new IMAP login per check would double the time).
server() {
	doveadm -c "$TERN_DOVECOT2_CONF" fetch -u bob 'mailbox uid flags hdr.message-id' ALL |
	    sed 's/\\Recent//'
}
# same_server DESC FILE: the server state equals the one saved in FILE.
same_server() {
	server >"$T_DIR/now.json"
	if grep -q '^hdr.message-id: <' "$2" && cmp -s "$2" "$T_DIR/now.json"; then pass "$1"
	else fail "$1" "$(diff "$2" "$T_DIR/now.json" | head -20)"; fi
}
# mirror DESC: tern's store equals the server (every folder, UID, flag).
mirror() {
	"$TERN" search -a r --json '*' >"$T_DIR/tern.json" 2>"$T_DIR/search.err"
	if out=$($CTL compare "$T_DIR/tern.json" --account r 2>&1); then pass "$1"
	else fail "$1" "$out $(cat "$T_DIR/search.err")"; fi
}
# rows FOLDER: message rows, distinct Message-IDs, rows with a body.
rows() {
	q "SELECT COUNT(*), COUNT(DISTINCT message_id), SUM(cached) FROM messages m
	    JOIN folders f ON f.id = m.folder_id WHERE f.name = '$1'"
}
# told DESC PATTERN...: the last tern run said PATTERN (on stderr, or in
# log_file, where a configured log goes).
told() {
	_d=$1; shift
	for _p in "$@"; do
		if ! { printf '%s\n' "$OUT"; cat "$T_DIR/tern.log"; } | grep -Eq -- "$_p"; then
			fail "$_d" "neither the output nor the log has /$_p/: $OUT
$(tail -n 5 "$T_DIR/tern.log")"
			return
		fi
	done
	pass "$_d"
}
# eq DESC GOT WANT
eq() { [ "$2" = "$3" ] && pass "$1" || fail "$1" "got '$2', wanted '$3'"; }

run_tern sync r
expect "the first sync caches every body (body_days)" 0
eq "Res has 4 rows, each with its body" "$(rows Res)" "4|4|4"
eq "INBOX has 6 rows, each with its body" "$(rows INBOX)" "6|6|6"

# ---- #33: a spurious UIDVALIDITY change, same mail ----
q "UPDATE messages SET tagged = 1 WHERE subject = 'res 3'" >/dev/null
server >"$T_DIR/s0.json"
ino=$(inodes "$M/Res")
old=$(q "SELECT uidvalidity FROM folders WHERE name = 'Res'")
doveadm -c "$TERN_DOVECOT2_CONF" mailbox update --uid-validity $((old + 1000)) -u bob Res
: >"$T_DIR/tern.log"
run_tern sync r
expect "SECURITY.md #33: a sync after a spurious UIDVALIDITY change succeeds" 0
told "SECURITY.md #33: the UIDVALIDITY change is logged" 'Res: UIDVALIDITY changed'
eq "SECURITY.md #33: the new UIDVALIDITY is recorded" \
    "$(q "SELECT uidvalidity FROM folders WHERE name = 'Res'")" "$((old + 1000))"
eq "SECURITY.md #33: no body is downloaded again (the cached files keep their inodes)" \
    "$(inodes "$M/Res")" "$ino"
eq "SECURITY.md #33: nothing duplicated: 4 rows, 4 Message-IDs, 4 bodies" "$(rows Res)" "4|4|4"
eq "SECURITY.md #33: 4 files in the cache, no duplicate" \
    "$(find "$M/Res/cur" "$M/Res/new" -type f | wc -l | tr -d ' ')" 4
eq "SECURITY.md #33: the local tag survives (carried by Message-ID)" \
    "$(q "SELECT subject FROM messages WHERE tagged <> 0")" "res 3"
mirror "SECURITY.md #33: flags and UIDs equal the server's after the rebuild"
same_server "SECURITY.md #33: nothing on the server changed" "$T_DIR/s0.json"
n=$(find "$M/Res/cur" -type f -name "*.$((old + 1000))_*" | wc -l | tr -d ' ')
eq "SECURITY.md #33: the reused files carry the new UIDVALIDITY in their names" "$n" 4

# ---- #36: a folder's local state lost or corrupt ----
ino=$(inodes "$M/Res")
q "DELETE FROM msg_fts WHERE rowid IN (SELECT m.id FROM messages m JOIN folders f
    ON f.id = m.folder_id WHERE f.name = 'Res');
   DELETE FROM messages WHERE folder_id = (SELECT id FROM folders WHERE name = 'Res')" >/dev/null
run_tern sync r
expect "SECURITY.md #36: a sync after Res's rows were lost succeeds" 0
eq "SECURITY.md #36: Res's rows are back (4 rows, 4 bodies)" "$(rows Res)" "4|4|4"
eq "SECURITY.md #36: lost rows: the cached bodies are reused, not fetched again" \
    "$(inodes "$M/Res")" "$ino"
same_server "SECURITY.md #36: lost rows: nothing on the server changed" "$T_DIR/s0.json"

q "DELETE FROM msg_fts WHERE rowid IN (SELECT m.id FROM messages m JOIN folders f
    ON f.id = m.folder_id WHERE f.name = 'Res');
   DELETE FROM messages WHERE folder_id = (SELECT id FROM folders WHERE name = 'Res');
   DELETE FROM folders WHERE name = 'Res'" >/dev/null
run_tern sync r
expect "SECURITY.md #36: a sync after Res's folder row was lost succeeds" 0
eq "SECURITY.md #36: lost folder row: Res is re-fetched (4 rows, 4 bodies)" "$(rows Res)" "4|4|4"
eq "SECURITY.md #36: lost folder row: the cached bodies are reused" "$(inodes "$M/Res")" "$ino"
same_server "SECURITY.md #36: lost folder row: nothing on the server changed" "$T_DIR/s0.json"

q "UPDATE folders SET uidvalidity = 'garbage', uidnext = -5, highestmodseq = 'x',
    messages = 999999 WHERE name = 'Res'" >/dev/null
run_tern sync r
expect "SECURITY.md #36: a sync with Res's recorded state garbage succeeds" 0
eq "SECURITY.md #36: garbage state: Res is re-matched (4 rows, 4 bodies)" "$(rows Res)" "4|4|4"
eq "SECURITY.md #36: garbage state: the cached bodies are reused" "$(inodes "$M/Res")" "$ino"
mirror "SECURITY.md #36: garbage state: tern mirrors the server again"
same_server "SECURITY.md #36: garbage state: nothing on the server changed" "$T_DIR/s0.json"

uv=$(q "SELECT uidvalidity FROM folders WHERE name = 'Res'")
q "UPDATE folders SET uidnext = 1, highestmodseq = 99999999999, messages = 1
    WHERE name = 'Res'" >/dev/null
run_tern sync r
expect "SECURITY.md #36: a sync with Res's UIDNEXT and HIGHESTMODSEQ corrupt succeeds" 0
eq "SECURITY.md #36: corrupt UIDNEXT: 4 rows, nothing duplicated" "$(rows Res)" "4|4|4"
same_server "SECURITY.md #36: corrupt UIDNEXT: nothing on the server changed" "$T_DIR/s0.json"

rm -rf "$M/Res"
run_tern sync r
expect "SECURITY.md #36: a sync after Res's cache directory was removed succeeds" 0
eq "SECURITY.md #36: removed cache directory: the bodies are fetched again" \
    "$(find "$M/Res/cur" -type f 2>/dev/null | wc -l | tr -d ' ')|$(rows Res)" "4|4|4|4"
same_server "SECURITY.md #36: removed cache directory: nothing on the server changed" "$T_DIR/s0.json"

$CTL rename Res Res2
server >"$T_DIR/s1.json"
run_tern sync r
expect "SECURITY.md #36: a sync after another client renamed Res to Res2 succeeds" 0
eq "SECURITY.md #36: the renamed folder shows with its mail" "$(rows Res2)" "4|4|4"
eq "SECURITY.md #36: the old name is gone from the store" \
    "$(q "SELECT COUNT(*) FROM folders WHERE name = 'Res'")" 0
[ ! -e "$M/Res" ] && pass "SECURITY.md #36: the old folder's cache directory does not leak" ||
    fail "SECURITY.md #36: the old folder's cache directory does not leak" "$(ls -R "$M/Res" | head)"
same_server "SECURITY.md #36: rename: nothing on the server changed" "$T_DIR/s1.json"
mirror "SECURITY.md #36: rename: tern mirrors the server"

# Lost rows on a QRESYNC server (Dovecot A, carol: no other script uses
# her mailbox there): STATUS says nothing changed, QRESYNC would only
# ask for UIDs from UIDNEXT on; the rows must come back all the same.
rm -rf "$TERN_MAIL_HOME/carol/Maildir"
doveadm -c "$TERN_DOVECOT_CONF" kick carol >/dev/null 2>&1
python3 - "$SRCDIR/tests" "$TERN_IMAPS_PORT" <<'EOF'
import imaplib, sys, time
sys.path.insert(0, sys.argv[1])
import imapctl
class A: port = int(sys.argv[2]); user = 'carol'; password_env = 'TERN_CAROL_PW'
m = imapctl.connect(A)
for i in range(1, 4):
    m.append('INBOX', None, imaplib.Time2Internaldate(time.time() - i * 86400),
             imapctl.make_message('q %d' % i, 'q%d@example.com' % i, i))
m.logout()
EOF
# q syncs everything (sync_days = 0), w the default window.
account q "imaps://carol@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW" "sync_days = 0"
account w "imaps://carol@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW"
rm -rf "$XDG_DATA_HOME/tern/q" "$XDG_DATA_HOME/tern/w"
qrows() { sqlite3 "$XDG_DATA_HOME/tern/$1/index.sqlite" "SELECT COUNT(*) FROM messages m
    JOIN folders f ON f.id = m.folder_id WHERE f.name = 'INBOX'"; }
run_tern sync q w
eq "SECURITY.md #36 (QRESYNC): the first sync has carol's 3 messages" "$(qrows q)|$(qrows w)" "3|3"
sqlite3 "$XDG_DATA_HOME/tern/q/index.sqlite" "DELETE FROM messages WHERE subject = 'q 2'"
run_tern sync q
expect "SECURITY.md #36 (QRESYNC): a sync after one row was lost succeeds" 0
eq "SECURITY.md #36 (QRESYNC): the lost row comes back though STATUS is unchanged" "$(qrows q)" 3
for a in q w; do sqlite3 "$XDG_DATA_HOME/tern/$a/index.sqlite" "DELETE FROM messages"; done
run_tern sync q w
eq "SECURITY.md #36 (QRESYNC): every lost row comes back (with and without a day window)" \
    "$(qrows q)|$(qrows w)" "3|3"
n=$(doveadm -c "$TERN_DOVECOT_CONF" search -u carol mailbox INBOX ALL | wc -l)
eq "SECURITY.md #36 (QRESYNC): nothing was deleted on the server" "$n" 3
sed -i '/^\[account q\]/,$d' "$CFG"  # q and w: r alone from here

# ---- #39: a damaged index ----
# damage KIND: damages the index the way KIND says, tern stopped.
damage() {
	sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1
	case $1 in
	garbage) head -c 65536 /dev/urandom >"$DB" ;;
	truncated) truncate -s $(( $(stat -c %s "$DB") / 2 )) "$DB" ;;
	torn) truncate -s $(( $(stat -c %s "$DB") / 2 + 100 )) "$DB" ;;
	empty) : >"$DB"; rm -f "$DB-wal" "$DB-shm" ;;
	wal) head -c 40000 /dev/urandom >"$DB-wal" ;;
	journal) head -c 40000 /dev/urandom >"$DB-journal" ;;
	esac
}
server >"$T_DIR/s2.json"
for kind in garbage truncated torn empty wal journal; do
	ino=$(inodes "$M/INBOX")
	rm -f "$DATA"/index.sqlite.corrupt-*
	# A change queued offline: lost with a garbage index (and said so).
	case $kind in garbage|truncated|torn) run_tern mark -a r --flag 'subject:"inbox 1"' ;; esac
	damage $kind
	: >"$T_DIR/tern.log"
	run_tern sync r
	case $kind in
	garbage|truncated|torn)
		expect "SECURITY.md #39: $kind index: the sync succeeds" 0
		told "SECURITY.md #39: $kind index: detected, moved aside, and the user told" \
		    'damaged.*moved it to .*index\.sqlite\.corrupt-' 'nothing is deleted on the server' \
		    'queued'
		ls "$DATA"/index.sqlite.corrupt-* >/dev/null 2>&1 &&
		    pass "SECURITY.md #39: $kind index: the damaged file is kept, not deleted" ||
		    fail "SECURITY.md #39: $kind index: the damaged file is kept, not deleted" "$(ls "$DATA")" ;;
	empty) expect "SECURITY.md #39: empty index: the sync succeeds" 0
		told "SECURITY.md #39: empty index: the user is told" 'index .* is empty' ;;
	*) expect "SECURITY.md #39: garbage -$kind file: the sync succeeds" 0 ;;
	esac
	eq "SECURITY.md #39: $kind: INBOX is complete again (6 rows, 6 bodies)" "$(rows INBOX)" "6|6|6"
	eq "SECURITY.md #39: $kind: Res2 is complete again" "$(rows Res2)" "4|4|4"
	eq "SECURITY.md #39: $kind: the cached bodies are reused, not fetched again" \
	    "$(inodes "$M/INBOX")" "$ino"
	same_server "SECURITY.md #39: $kind: nothing on the server changed" "$T_DIR/s2.json"
done
# The terminal UI says so too, without a log file, on its status line.
rm -f "$DATA"/index.sqlite.corrupt-*
damage garbage
sed -i '/^log_file = /d' "$CFG"
tui_start 150 30 "env TERM=xterm-256color '$TERN'; echo EXIT=\$?; sleep 30"
tui_check "SECURITY.md #39: the TUI tells the user the damaged index was moved aside and is rebuilt" \
    15 'r: the index was damaged \(.*\) and is rebuilt from the server'
tui_check "SECURITY.md #39: the TUI rebuilds the index from the server" 15 'inbox 6'
tui_keys q
tui_wait 10 'EXIT=0' || fail "SECURITY.md #39: the TUI exits after a rebuild" "$(tui_screen)"
sed -i "s|^\[general\]\$|[general]\\nlog_file = $T_DIR/tern.log|" "$CFG"
run_tern sync r
mirror "SECURITY.md #39: after every kind of damage tern mirrors the server"

# ---- #45: poison messages in the Maildir cache ----
file_of() { echo "$M/INBOX/$(q "SELECT file FROM messages WHERE subject = '$1'")"; }
P1=$(file_of "inbox 1") P2=$(file_of "inbox 2") P3=$(file_of "inbox 3")
P4=$(file_of "inbox 4") P5=$(file_of "inbox 5")
python3 - "$P1" "$P2" "$P3" <<'EOF'
import sys
n = 20000
h = 'From: a@b\nSubject: inbox 1\nMessage-ID: <p1@x>\nMIME-Version: 1.0\n'
parts = [h + 'Content-Type: multipart/mixed; boundary="b0"\n\n']
for i in range(1, n):
    parts.append('--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i))
parts.append('--b%d\nContent-Type: text/plain\n\ndeep\n' % (n - 1))
open(sys.argv[1], 'w').write(''.join(parts))
open(sys.argv[2], 'wb').write(b'Subject: inbox 2\nFrom: \0a@b\0\n\n' +
    bytes(range(256)) * 400 + b'\0' * 10000 + b'\xff\xfe\x1b[2J')
open(sys.argv[3], 'w').write('Subject: inbox 3\nX-Long: ' + 'x' * (10 * 1024 * 1024) + '\n\nbody\n')
EOF
rm -f "$P4"; mkdir "$P4"
rm -f "$P5"
for p in "$P1" "$P2" "$P3"; do
	OUT=$(timeout 20 "$TERN" show "$p" 2>&1 </dev/null | tail -c 300); RC=$?
	[ $RC -eq 0 ] && pass "SECURITY.md #45: tern show of poison $(basename "$p" | cut -c1-20) exits 0" ||
	    fail "SECURITY.md #45: tern show of a poison message exits 0" "rc $RC: $OUT"
done
run_tern show "$P4"
expect "SECURITY.md #45: tern show of a file replaced by a directory gives a clear error" 1 'tern: '
q "UPDATE messages SET indexed = indexed & ~2" >/dev/null
run_tern search -a r 'body:deep'
expect "SECURITY.md #45: indexing the poison bodies for search does not crash" 0
run_tern search -a r '*'
expect "SECURITY.md #45: tern search lists every message, poison or not" 0 'inbox 1' 'inbox 6'
run_tern sync r
expect "SECURITY.md #45: tern sync works with poison files in the cache" 0

tui_start 120 30 "env TERM=xterm-256color '$TERN'; echo EXIT=\$?; sleep 30"
tui_check "SECURITY.md #45: the TUI starts with poison files in the cache" 15 "inbox 6"
tui_keys : top Enter
# open I PATTERN DESC: opens the I-th message from the top, checks the
# pager shows PATTERN, and goes back to the list.
open_msg() {
	tui_keys : top Enter
	[ "$1" -gt 1 ] && for _j in $(seq 2 "$1"); do tui_keys j; done
	tui_keys Enter
	tui_check "SECURITY.md #45: $3" 15 "$2" "$T_DIR/tern.log"
	tui_keys q
}
open_msg 1 "over tern's limits" "20,000 nested multiparts open, shown in part and marked"
open_msg 2 'Subject: inbox 2' "NUL bytes and binary garbage open"
open_msg 3 "header is over tern's limits" "a 10 MB header line opens, marked"
open_msg 4 'Hello\.' "a directory in place of the cached file: the body is fetched again"
open_msg 5 'Hello\.' "a vanished cached file: the body is fetched again"
open_msg 6 'Hello\.' "after the poison messages the next one opens normally"
[ -d "$(echo "$M"/INBOX/tmp/*.not-a-message.*)" ] &&
    pass "SECURITY.md #45: the directory was moved to tmp/, not deleted" ||
    fail "SECURITY.md #45: the directory was moved to tmp/, not deleted" "$(ls -la "$M/INBOX/cur" "$M/INBOX/tmp")"
tui_keys q
tui_keys q
tui_check "SECURITY.md #45: the TUI quits normally (no crash)" 10 "EXIT=0"
tui_stop
# Reading marks messages \Seen; every message must still be there.
msgids() { grep -E '^(mailbox|uid|hdr)'; }
a=$(msgids <"$T_DIR/s2.json") b=$(server | msgids)
[ -n "$a" ] && [ "$a" = "$b" ] && pass "SECURITY.md #45: every message is still on the server" ||
    fail "SECURITY.md #45: every message is still on the server" "$a
$b"

finish
