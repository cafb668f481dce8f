#!/bin/sh
# Archive and moves between accounts in the terminal UI, against both of
# the harness's Dovecots: account "one" is carol on Dovecot A (with
# archive = Old and archive_by_year = yes), account "two" is dave on
# Dovecot B.  imapctl.py, as a second device on each server, checks what
# the servers hold: archived messages land in Old.YYYY by their date (the
# year folders created by the archive), undo brings them back; a move to
# "two/Moved" (Tab completes the other account's folders) puts the
# message on B and only then takes it off A; a copy leaves it on A.
# Offline: with both servers stopped, a move is shown at once, survives
# quitting tern, and once tern is restarted and the servers are back it
# completes exactly once; the same with only the target's server
# stopped (the move then waits, handed over, across the restart).
. "$TERN_SRCDIR/tests/lib.sh"

CTLA="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user carol --password-env TERN_CAROL_PW"
CTLB="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS2_PORT --user dave --password-env TERN_DAVE_PW"
trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

now=$(date +%s)
Y1=$(date -d "@$((now - 800 * 86400))" +%Y)
Y2=$(date -d "@$((now - 400 * 86400))" +%Y)

# A fresh start on both servers (the harness may be reused).
$CTLA empty INBOX
for y in "$Y1" "$Y2" "$(date +%Y)"; do $CTLA delete "Old.$y" >/dev/null 2>&1; done
$CTLA delete Old >/dev/null 2>&1
$CTLB create Moved >/dev/null 2>&1
$CTLB empty Moved
$CTLA append INBOX "arch old" --days-ago 800 --msgid arch1@x
$CTLA append INBOX "arch mid" --days-ago 400 --msgid arch2@x
$CTLA append INBOX "xfer one" --days-ago 4 --msgid x1@x --flags '\Flagged'
$CTLA append INBOX "xfer two" --days-ago 3 --msgid x2@x
$CTLA append INBOX "xfer three" --days-ago 2 --msgid x3@x
$CTLA append INBOX "xfer four" --days-ago 1 --msgid x4@x

printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account one "imaps://carol@localhost:$TERN_IMAPS_PORT" "" \
    "ca_file = $TERN_CA" "password_command = printenv TERN_CAROL_PW" \
    "archive = Old" "archive_by_year = yes" "sync_days = 0"
account two "imaps://dave@localhost:$TERN_IMAPS2_PORT" "" \
    "ca_file = $TERN_CA" "password_command = printenv TERN_DAVE_PW"

# server_check DESC CTL FOLDER MSGID [FLAG|!FLAG|gone]: that server
# shows it within 15 s.
server_check() {
	_d=$1 _c=$2
	shift 2
	if $_c wait "$@" --timeout 15; then pass "$_d"
	else fail "$_d" "$($_c state | head -60)
log:
$(tail -n 15 "$T_DIR/tern.log")"; fi
}
# once DESC CTL FOLDER MSGID: exactly one copy there (after a pause for
# anything that would duplicate it).
once() {
	sleep 3
	n=$($2 count "$3" "$4")
	if [ "$n" = 1 ]; then pass "$1"; else fail "$1" "$n copies of $4 in $3"; fi
}
start_tern() {
	tui_start 150 32 "env TERM=xterm-256color '$TERN'; sleep 60"
}
# quit_tern: Q, then wait until tern has left the screen (and its locks).
quit_tern() {
	tui_keys Q
	i=0
	while tui_screen | grep -q "one/" && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.5
}
dovecot_stop() {	# CONF PORT
	doveadm -c "$1" stop >/dev/null 2>&1
	i=0
	while python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 1)" 2>/dev/null &&
	    [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	# Its imap processes outlive the listener for a moment, still
	# serving the connections they have (tern's): wait until none is
	# left on the port (an established TCP socket in /proc/net/tcp).
	i=0
	while [ "$(python3 - "$2" <<'PY'
import sys
port = '%04X' % int(sys.argv[1])
n = 0
for line in open('/proc/net/tcp').read().splitlines()[1:]:
    f = line.split()
    if f[1].endswith(':' + port) and f[3] == '01':
        n += 1
print(n)
PY
)" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
dovecot_start() {	# CONF PORT
	dovecot -c "$1" </dev/null >/dev/null 2>&1
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 1)" 2>/dev/null &&
	    [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
# handed: "N M", N moves of account one waiting at step 1 (handed
# over), M APPENDs of a staged file queued in account two.
handed() {
	python3 - "$T_DIR/data/tern" <<'PY'
import sqlite3, sys
d = sys.argv[1]
one = sqlite3.connect('file:%s/one/index.sqlite?mode=ro' % d, uri=True)
two = sqlite3.connect('file:%s/two/index.sqlite?mode=ro' % d, uri=True)
n = one.execute("SELECT COUNT(*) FROM pending WHERE op = 6 AND clear_flags = 1 AND file LIKE '%/xfer/%'").fetchone()[0]
m = two.execute("SELECT COUNT(*) FROM pending WHERE op = 5 AND target = 'one' AND file LIKE '%/one/xfer/%'").fetchone()[0]
print(n, m)
PY
}

start_tern
tui_check "the list shows account one's INBOX" 20 "xfer four"
sleep 2		# the first passes of both accounts end

# ---- archive by year, into a folder the server creates ----
# Newest first: xfer four, three, two, one, arch mid, arch old.
tui_keys : top Enter j j j j t t
tui_check "t tags arch mid and arch old" 5 "2 tagged"
tui_keys '\;' a
if tui_wait 3 "arch (old|mid)"; then
	fail "; a takes both out of the list at once" "$(tui_screen)"
else pass "; a takes both out of the list at once"; fi
server_check "archive_by_year: arch old is in Old.$Y1 on the server" "$CTLA" "Old.$Y1" arch1@x
server_check "archive_by_year: arch mid is in Old.$Y2 on the server" "$CTLA" "Old.$Y2" arch2@x
server_check "and out of INBOX" "$CTLA" INBOX arch1@x gone
tui_check "the new year folder shows in the folder pane" 10 "$Y1"
sleep 1
tui_keys u
if ! tui_wait 3 "undone \\("; then sleep 3; tui_keys u; fi
server_check "undo moves arch old back to INBOX on the server" "$CTLA" INBOX arch1@x
server_check "undo moves arch mid back to INBOX on the server" "$CTLA" INBOX arch2@x
server_check "and out of its year folder" "$CTLA" "Old.$Y1" arch1@x gone
tui_check "both are back in the list" 10 "arch old"
tui_keys C-t Enter

# ---- move to another account, the folder completed with Tab ----
tui_keys : top Enter j j j		# xfer one
tui_keys M
tui_keys t w o / M o Tab
tui_check "Tab completes another account's folder as ACCOUNT/FOLDER" 3 "move: two/Moved"
tui_keys Enter
if tui_wait 2 "xfer one"; then
	fail "the move takes the message out of the list at once" "$(tui_screen)"
else pass "the move takes the message out of the list at once"; fi
server_check "the message reaches account two's server (B), flag kept" "$CTLB" Moved x1@x '\Flagged'
server_check "and then leaves account one's server (A)" "$CTLA" INBOX x1@x gone
once "it is on B exactly once" "$CTLB" Moved x1@x

# ---- copy to another account: the original stays ----
tui_keys : top Enter j j		# xfer two
tui_keys C
tui_keys t w o / M o v e d Enter
server_check "a copy reaches account two's server" "$CTLB" Moved x2@x
once "the original stays on A" "$CTLA" INBOX x2@x
tui_check "and in the list" 2 "xfer two"

# ---- both servers stopped: act, quit, restart, servers back ----
dovecot_stop "$TERN_DOVECOT_CONF" "$TERN_IMAPS_PORT"
dovecot_stop "$TERN_DOVECOT2_CONF" "$TERN_IMAPS2_PORT"
sleep 1
tui_keys : top Enter j		# xfer three
tui_keys M
tui_keys t w o / M o v e d Enter
if tui_wait 2 "xfer three"; then
	fail "offline, the move shows at once" "$(tui_screen)"
else pass "offline, the move shows at once"; fi
tui_check "the status line says it is queued" 3 "to send"
quit_tern
start_tern
tui_check "after a restart the list shows account one's INBOX" 20 "xfer four"
if tui_wait 2 "xfer three"; then
	fail "the queued move survives quitting tern" "$(tui_screen)"
else pass "the queued move survives quitting tern"; fi
dovecot_start "$TERN_DOVECOT_CONF" "$TERN_IMAPS_PORT"
dovecot_start "$TERN_DOVECOT2_CONF" "$TERN_IMAPS2_PORT"
tui_keys '$'		# sync now rather than at the next retry
server_check "once the servers are back the message reaches B" "$CTLB" Moved x3@x
server_check "and leaves A" "$CTLA" INBOX x3@x gone
once "exactly once" "$CTLB" Moved x3@x

# ---- only the target's server stopped: handed over, then a restart ----
dovecot_stop "$TERN_DOVECOT2_CONF" "$TERN_IMAPS2_PORT"
sleep 1
tui_keys : top Enter		# xfer four
tui_keys M
tui_keys t w o / M o v e d Enter
# Account one stages it and hands it over: account two's queue holds
# the APPEND of the staged file, account one's move waits at step 1.
i=0
while [ "$(handed)" != "1 1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(handed)" = "1 1" ]; then pass "account one hands the message to account two's queue"
else fail "account one hands the message to account two's queue" "$(handed)"; fi
once "while B is down the original stays on A" "$CTLA" INBOX x4@x
quit_tern
start_tern
tui_check "after a restart the list shows account one's INBOX" 20 "xfer two"
dovecot_start "$TERN_DOVECOT2_CONF" "$TERN_IMAPS2_PORT"
tui_keys '$'
server_check "once B is back the message reaches it" "$CTLB" Moved x4@x
server_check "and only then leaves A" "$CTLA" INBOX x4@x gone
once "exactly once" "$CTLB" Moved x4@x
i=0
while tui_screen | grep -q "to send" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if [ $i -lt 150 ]; then pass "nothing is left to send"
else fail "nothing is left to send" "$(tui_screen)"; fi

# ---- undo of a move to another account not handed over yet ----
dovecot_stop "$TERN_DOVECOT_CONF" "$TERN_IMAPS_PORT"
sleep 1
tui_keys : top Enter		# xfer two (copied to B earlier, still on A)
tui_keys M
tui_keys t w o / M o v e d Enter
if tui_wait 2 "xfer two"; then
	fail "a move of xfer two shows at once" "$(tui_screen)"
else pass "a move of xfer two shows at once"; fi
tui_keys u
tui_check "u withdraws it: back in the list" 5 "xfer two"
dovecot_start "$TERN_DOVECOT_CONF" "$TERN_IMAPS_PORT"
tui_keys '$'
sleep 5
once "after undo A keeps the message" "$CTLA" INBOX x2@x
once "and B has only the earlier copy" "$CTLB" Moved x2@x

# ---- the crash point between the target's APPEND and its record ----
# tern stopped after B accepted the APPEND but before the target's
# queue recorded it: both queues still hold their step, B already has
# the copy.  After a restart the move completes without a second copy.
quit_tern
$CTLA append INBOX "xfer six" --days-ago 0.5 --msgid x6@x
$CTLB append Moved "xfer six" --days-ago 0.5 --msgid x6@x
run_tern sync one two
python3 - "$T_DIR/data/tern" <<'PY'
import sqlite3, sys, time
d = sys.argv[1]
one = sqlite3.connect('%s/one/index.sqlite' % d)
two = sqlite3.connect('%s/two/index.sqlite' % d)
fid, uidv = one.execute("SELECT id, uidvalidity FROM folders WHERE name = 'INBOX'").fetchone()
uid, mid = one.execute("SELECT m.uid, m.message_id FROM messages m WHERE m.folder_id = ? AND m.message_id LIKE '%x6@x%'", (fid,)).fetchone()
now = int(time.time())
cur = one.execute("INSERT INTO pending(folder_id, uid, uidvalidity, message_id, op, set_flags, clear_flags, target, file, created) VALUES(?, ?, ?, ?, 6, 0, 1, 'two/Moved', '', ?)", (fid, uid, uidv, mid, now))
path = '%s/one/xfer/%d.eml' % (d, cur.lastrowid)
with open(path, 'wb') as f:
    f.write(b'From: Bob Example <bob@example.com>\r\nSubject: xfer six\r\nMessage-ID: <x6@x>\r\n\r\nHello.\r\n')
one.execute("UPDATE pending SET file = ? WHERE id = ?", (path, cur.lastrowid))
one.commit()
tid, tuidv = two.execute("SELECT id, uidvalidity FROM folders WHERE name = 'Moved'").fetchone()
two.execute("INSERT INTO pending(folder_id, uid, uidvalidity, message_id, op, set_flags, clear_flags, target, file, created) VALUES(?, 0, ?, ?, 5, 0, 1, 'one', ?, ?)", (tid, tuidv, mid, path, now))
two.commit()
PY
start_tern
server_check "after the restart the move of the crashed transfer completes" "$CTLA" INBOX x6@x gone
once "and B holds the message once, not twice" "$CTLB" Moved x6@x
i=0
while [ -n "$(ls "$T_DIR/data/tern/one/xfer")" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ -z "$(ls "$T_DIR/data/tern/one/xfer")" ]; then pass "no staged copy is left behind"
else fail "no staged copy is left behind" "$(ls -l "$T_DIR/data/tern/one/xfer")"; fi

tui_keys Q
echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
