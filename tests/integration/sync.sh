#!/bin/sh
# tern sync against the real Dovecot on its three resync paths (QRESYNC,
# CONDSTORE only, plain), checked by a second IMAP client
# (tests/imapctl.py) that changes the server behind tern's back and
# compares every folder, UID and flag inside the day window with
# `tern search --json`; a resync with no changes SELECTs no folder where
# CONDSTORE's STATUS says so (also one whose name the server quotes),
# and every folder where it cannot; a first sync fetches INBOX first and
# asks no STATUS, and without a day window sends each folder's SELECT
# before the last folder's reply is read (the store still equals the
# server).  Also: tern mark reaches the server (also when
# made while the server was down), and a UIDVALIDITY change deletes
# nothing and keeps queued changes.
# Covers SECURITY.md #32 #34 #37 #40.
. "$TERN_SRCDIR/tests/lib.sh"

CTL="python3 $SRCDIR/tests/imapctl.py"
DAYS=30

# same PORT NAME DESC: tern's store equals the server's state inside
# the last DAYS days.
same() {
	"$TERN" search -a "$2" --json '*' >"$T_DIR/tern.json" 2>"$T_DIR/search.err"
	if out=$($CTL --port "$1" --since-days $DAYS --account "$2" compare "$T_DIR/tern.json" 2>&1); then
		pass "$3 ($(printf '%s' "$out" | tail -n 1))"
	else
		fail "$3" "$out
$(cat "$T_DIR/search.err")"
	fi
}

# sync NAME DESC: tern sync NAME exits 0.
sync_ok() {
	run_tern sync "$1"
	expect "$2" 0
}

# Start from empty, freshly numbered mailboxes (other scripts use alice
# too): Dovecot recreates the Maildir at the next login.
for h in "$TERN_TEST_DIR/home" "$TERN_TEST_DIR/home-b" "$TERN_TEST_DIR/home-c"; do
	rm -rf "$h/alice/Maildir"
done
for conf in "$TERN_DOVECOT_CONF" "$TERN_DOVECOT2_CONF" "$TERN_DOVECOT3_CONF"; do
	doveadm -c "$conf" kick alice >/dev/null 2>&1
done
# And an empty store, so that the first sync is one (also on a rerun).
rm -rf "$T_DIR/data" && mkdir -p "$T_DIR/data"

new_config
for path in qresync:$TERN_IMAPS_PORT condstore:$TERN_IMAPS3_PORT plain:$TERN_IMAPS2_PORT; do
	account "${path%%:*}" "imaps://alice@localhost:${path#*:}" "" \
	    "ca_file = $TERN_CA" "password_command = printenv TERN_ALICE_PW" \
	    "sync_days = $DAYS"
	# The same mailbox, all of it: the first sync pipelines its folders.
	account "${path%%:*}_all" "imaps://alice@localhost:${path#*:}" "" \
	    "ca_file = $TERN_CA" "password_command = printenv TERN_ALICE_PW" \
	    "sync_days = 0"
done

for path in qresync:$TERN_IMAPS_PORT condstore:$TERN_IMAPS3_PORT plain:$TERN_IMAPS2_PORT; do
	A=${path%%:*} P=${path#*:}
	ctl() { $CTL --port "$P" "$@"; }

	for i in 1 2 3 4 5; do ctl append INBOX "inbox $i"; done
	ctl append INBOX "too old" --days-ago 40
	ctl append Archive "archived 1" --days-ago 3
	ctl append Archive "archived 2" --days-ago 10 --flags '\Seen'
	ctl create Lists
	ctl append Lists "list 1"
	ctl append Lists "list 2" --flags '\Flagged'
	ctl create 'Old mail'				# a name sent quoted
	ctl append 'Old mail' "kept 1" --days-ago 2

	run_tern -vvv sync "$A"
	expect "$A: the first sync succeeds" 0
	# INBOX first, although the server lists Archive before it.
	first=$(printf '%s\n' "$OUT" | grep -m 1 ' new messages$')
	[ "$first" = "$A: INBOX: 5 new messages" ] &&
	    pass "$A: the first sync fetches INBOX first" ||
	    fail "$A: the first sync fetches INBOX first" "$OUT"
	# Every folder is new: SELECTed anyway, so no STATUS is asked first.
	n=$(printf '%s\n' "$OUT" | grep -c 'imap C: [0-9]* STATUS')
	[ "$n" = 0 ] && pass "$A: a first sync sends no STATUS" ||
	    fail "$A: a first sync sends no STATUS" "$(printf '%s\n' "$OUT" | grep 'imap C: [0-9]* STATUS')"
	case $A in
	qresync) run_tern check "$A" ; expect "$A: the server offers QRESYNC" 0 ' QRESYNC' ;;
	condstore) run_tern check "$A" ; expect "$A: the server offers CONDSTORE only" 0 'CONDSTORE no-QRESYNC' ;;
	plain) run_tern check "$A" ; expect "$A: the server offers neither" 0 'no-CONDSTORE no-QRESYNC' ;;
	esac
	same "$P" "$A" "$A: after the first sync the store equals the server"
	run_tern search -a "$A" 'subject:"too old"'
	[ -z "$OUT" ] && pass "$A: a message outside sync_days is not fetched" ||
	    fail "$A: a message outside sync_days is not fetched" "$OUT"

	# Every message (sync_days = 0): the commands of the next folder go
	# out before the reply to the last one's UID FETCH is read.
	run_tern -vvv sync "${A}_all"
	expect "$A: a first sync of every message succeeds" 0
	# The first SELECT goes out with its UID FETCH (tag f), the second
	# before the trace shows the server's "f OK".  (The trace is in
	# read-sized pieces: "f OK" may be cut in two, so its absence is not
	# required.)
	if printf '%s\n' "$OUT" | awk '
	    / imap C: / && / SELECT / && ++n == 1 {
		if (!match($0, /[0-9]+ UID FETCH 1:\*/)) { bad = 1; exit }
		f = substr($0, RSTART, RLENGTH - 14) }
	    / imap C: / && / SELECT / && n == 2 && !done { early = 1 }
	    f != "" && / imap S: / && index($0, " " f " OK ") { done = 1 }
	    END { exit bad || !early }'; then
		pass "$A: a first sync sends the next folder's SELECT before the last folder's reply"
	else
		fail "$A: a first sync sends the next folder's SELECT before the last folder's reply" \
		    "$(printf '%s\n' "$OUT" | grep -E 'imap [CS]: ' | cut -c1-160 | head -n 20)"
	fi
	DAYS=0 same "$P" "${A}_all" "$A: after a first sync of every message the store equals the server"

	# A second device changes things.
	ctl flag INBOX 1 '+\Seen'
	ctl flag INBOX 4 '+\Flagged'
	ctl flag -- Archive 2 '-\Seen'
	ctl append INBOX "new 1"
	ctl append INBOX "new 2"
	ctl expunge INBOX 2
	ctl move INBOX 3 Archive
	ctl create Projects
	ctl append Projects "project 1"
	ctl create 'Entw&APw-rfe'			# "Entwürfe"
	ctl append 'Entw&APw-rfe' "draft 1"
	ctl rename Lists Lists2
	sync_ok "$A" "$A: the resync succeeds"
	same "$P" "$A" "$A: flags, new mail, expunges, moves, new and renamed folders arrive"

	# Nothing changed: the resync is a no-op and still equal.
	sync_ok "$A" "$A: a resync with no changes succeeds"
	same "$P" "$A" "$A: a resync with no changes keeps the store equal"
	# With CONDSTORE, STATUS says so: no folder is opened, also none
	# whose name the server quotes ("Old mail").  Without, every one is.
	run_tern -vvv sync "$A"
	n=$(printf '%s\n' "$OUT" | grep -c 'imap C: [0-9]* SELECT')
	case $A in plain) want=$(ctl state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') ;; *) want=0 ;; esac
	[ "$RC" = 0 ] && [ "$n" = "$want" ] &&
	    pass "$A: a resync with no changes SELECTs $want folders" ||
	    fail "$A: a resync with no changes SELECTs $want folders" "exit $RC, $n SELECTs:
$(printf '%s\n' "$OUT" | grep 'imap C: [0-9]* SELECT')"

	# tern mark goes through the pending-operation path to the server.
	run_tern mark -a "$A" --read 'subject:"inbox 4"'
	expect "$A: tern mark --read queues a change" 0 '1 message marked; 1 change waiting'
	run_tern search -a "$A" --json 'subject:"inbox 4"'
	expect "$A: the mark shows in the store at once" 0 '"flags":\[[^]]*\\\\Seen'
	run_tern mark -a "$A" --flag 'subject:"inbox 5"'
	run_tern mark -a "$A" --move Archive 'subject:"new 1"'
	run_tern mark -a "$A" --delete 'subject:"list 1"'
	expect "$A: tern mark --delete queues a move to Trash" 0 'marked'
	run_tern search -a "$A" 'subject:"new 1"' folder:INBOX
	[ -z "$OUT" ] && pass "$A: a moved message leaves its folder at once" ||
	    fail "$A: a moved message leaves its folder at once" "$OUT"
	sync_ok "$A" "$A: the sync that replays the marks succeeds"
	same "$P" "$A" "$A: the marks reached the server and the store equals it"
	n=$(ctl state | python3 -c 'import json,sys; s=json.load(sys.stdin); print(len(s["Trash"]), len(s["Archive"]))')
	[ "$n" = "1 4" ] && pass "$A: delete moved to Trash and move to Archive on the server" ||
	    fail "$A: delete moved to Trash and move to Archive on the server" "Trash, Archive: $n"
done

# Marks made while the server is down reach it once it is back.
A=qresync P=$TERN_IMAPS_PORT
doveadm -c "$TERN_DOVECOT_CONF" stop >/dev/null 2>&1
i=0; while nc_ok=$(python3 -c "import socket; socket.create_connection(('127.0.0.1', $P), 1)" 2>&1) && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
run_tern sync "$A"
expect "sync with the server down fails with one line for the account" 1 "^tern: $A: sync failed: .*cannot connect"
run_tern mark -a "$A" --unread 'subject:"inbox 1"'
expect "tern mark works offline" 0 '1 message marked'
dovecot -c "$TERN_DOVECOT_CONF" </dev/null >/dev/null 2>&1
i=0; while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $P), 1)" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
sync_ok "$A" "the sync after the server is back succeeds"
same "$P" "$A" "a change made offline reached the server"

# UIDVALIDITY change with a queued change: nothing deleted, change kept.
before=$($CTL --port "$P" state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Archive"]))')
run_tern mark -a "$A" --flag 'subject:"archived 1"'
$CTL --port "$P" recreate Archive
sync_ok "$A" "a sync after the server renumbered a folder succeeds"
after=$($CTL --port "$P" state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Archive"]))')
[ "$before" = "$after" ] && pass "a UIDVALIDITY change deletes nothing on the server ($after messages)" ||
    fail "a UIDVALIDITY change deletes nothing on the server" "before $before, after $after"
same "$P" "$A" "after a UIDVALIDITY change the store equals the server"
run_tern search -a "$A" --json 'subject:"archived 1"'
expect "the change queued before the UIDVALIDITY change was re-matched by Message-ID and applied" 0 \
    '"flags":\[[^]]*\\\\Flagged'

# SECURITY.md #34: the server expunges a message while a flag change for
# it is queued: the change goes (a no-op), nothing comes back.
$CTL --port "$P" append INBOX "doomed"
sync_ok "$A" "a sync before the expunge race succeeds"
run_tern mark -a "$A" --flag 'subject:doomed'
uid=$($CTL --port "$P" uids INBOX | tail -n 1)
$CTL --port "$P" expunge INBOX "$uid"
sync_ok "$A" "a queued flag change for a message expunged elsewhere does not fail the sync"
run_tern search -a "$A" 'subject:doomed'
[ -z "$OUT" ] && pass "the expunged message does not come back" ||
    fail "the expunged message does not come back" "$OUT"
n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM pending').fetchone()[0])" "$XDG_DATA_HOME/tern/$A/index.sqlite")
[ "$n" = 0 ] && pass "the queue is empty afterwards" || fail "the queue is empty afterwards" "$n pending"
same "$P" "$A" "after the expunge race the store equals the server"

# Widening sync_days backfills; narrowing it prunes the cache only.
sed -i "/^\[account $A\]/,/^\[/ s/^sync_days = $DAYS/sync_days = 60/" "$CFG"
sync_ok "$A" "a sync after widening sync_days succeeds"
DAYS=60 same "$P" "$A" "widening sync_days to 60 backfills the older messages"
run_tern search -a "$A" 'subject:"too old"'
expect "the 40-day-old message is now in the store" 0 'too old'
sed -i "/^\[account $A\]/,/^\[/ s/^sync_days = 60/sync_days = $DAYS/" "$CFG"
sync_ok "$A" "a sync after narrowing sync_days succeeds"
same "$P" "$A" "narrowing sync_days back to $DAYS prunes the store"
n=$($CTL --port "$P" state | grep -c 'message_id')
[ "$n" -ge 12 ] && pass "narrowing deleted nothing on the server ($n messages there)" ||
    fail "narrowing deleted nothing on the server" "$n messages"

# On a terminal, a live progress line per account.
OUT=$(script -qec "$TERN sync $A" /dev/null 2>&1); RC=$?
expect "on a terminal sync shows a live progress line that ends in done" 0 "$A: done"

# Two processes on one account: the second is refused clearly.
"$TERN" sync --watch "$A" </dev/null >/dev/null 2>&1 &
wpid=$!
sleep 1
run_tern sync "$A"
expect "a second tern on the same account is refused" 1 "account $A is in use by process $wpid"
kill -TERM $wpid
i=0; while kill -0 $wpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if kill -0 $wpid 2>/dev/null; then fail "sync --watch stops on SIGTERM"; kill -9 $wpid
else wait $wpid; rc=$?; [ $rc = 0 ] && pass "sync --watch stops cleanly on SIGTERM" || fail "sync --watch stops cleanly on SIGTERM" "exit status $rc"; fi

finish
