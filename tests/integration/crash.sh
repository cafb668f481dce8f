#!/bin/sh
# tern sync killed with SIGKILL at many points (SECURITY.md tests 30, 31,
# 32, 35; DESIGN.md "Pending operations are the offline queue and the
# crash journal at once"):
#  1-2. during a large initial sync (5,200 messages in Crash1..Crash5 and
#       Trash, bodies cached too, so the Maildir write path is under fire);
#  3.   during the replay of 2,650 queued changes (flags, moves, deletes
#       to Trash, expunges in Trash);
#  4.   while replaying moves that another device already made elsewhere;
#  5.   during a new folder's first sync, followed by deletions queued and
#       a UIDVALIDITY change on the server.
# After a run to completion: the store equals the server and an
# uninterrupted run, no message is lost or duplicated on the server or in
# the store, every cached message has exactly one complete file, every
# queued change is on the server and the pending table is empty.  After
# every kill: the index opens, no message is in it twice and no row names
# a file that is not there.
#
# The account is bob on Dovecot A: no other script uses his mailbox there
# (engine.sh uses bob on Dovecot B, whose homes are separate), and
# tests/run runs the scripts one at a time, so nothing else writes to it
# and the comparisons cover all his folders (INBOX, Sent, ... are empty).
# tests/crashctl.py seeds the mailbox, runs and kills tern, and checks.
#
# Kill points are random; TERN_CRASH_SEED=N repeats a run's schedule (the
# seed is printed; timing still varies).  A resumed sync continues where
# the killed one stopped, so the delays are spread over the work, not
# over wall time:
#  - initial sync: each delay is one random slice of the measured
#    uninterrupted run plus the cost of a restart; every fifth one lands
#    in the restart itself (connect, login, LIST, STATUS, SELECT);
#  - replay: the queued changes go out in ~50 UID STORE / UID MOVE
#    commands, each followed by the removal of its rows from the queue,
#    all within a few hundred ms.  tern runs with -vvv and the kill comes
#    a random time after its first replay command (steered so that each
#    kill lets a few commands through), or 0-3 ms after the server's
#    "Store/Move completed": the instant the server has done an operation
#    that tern has not yet taken off its queue.  Then the fetch of the
#    moved messages is cut into slices as in the initial sync.
. "$TERN_SRCDIR/tests/lib.sh"

# The system python: a pyenv shim costs a second per start, and the
# checks run after every kill.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
CTL="$PY $SRCDIR/tests/crashctl.py --port $TERN_IMAPS_PORT"
IMAPCTL="$PY $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user bob --password-env TERN_BOB_PW"
DATA="$XDG_DATA_HOME/tern/bob"
REF="$T_DIR/ref"		# XDG_DATA_HOME of the uninterrupted run
MIN_KILLS=25			# per phase
SLICES=30			# the initial sync is cut into this many slices
REPLAY_CMD='C: [^ ]+ UID (STORE|MOVE|COPY|EXPUNGE) '
REPLAY_OK='(Store|Move|Copy|Expunge) completed'
SEED=${TERN_CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
rm -rf "$DATA" "$REF"
# Every run uses this copy: a rebuild of tern meanwhile cannot change it.
cp "$TERN" "$T_DIR/tern" && TERN=$T_DIR/tern

new_config
cat >>"$CFG" <<EOF
[account bob]
from = Bob Example <bob@example.com>
imap = imaps://bob@localhost:$TERN_IMAPS_PORT
timeout = 10
ca_file = $TERN_CA
password_command = printenv TERN_BOB_PW
sync_days = 0
body_days = 3650
EOF

now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() { now_ms | awk -v t="$1" '{ printf "%.1f s", ($1 - t) / 1000 }'; }

# rand SALT LO HI: a whole number in [LO, HI), from SEED and SALT.
rand() {
	awk -v s="$SEED" -v t="$1" -v lo="$2" -v hi="$3" \
	    'BEGIN { srand(s * 1000 + t); printf "%d\n", lo + rand() * (hi - lo) }'
}

# schedule PHASE WORK_MS RESTART_MS: SLICES kill delays in ms, one a
# line: WORK_MS cut at SLICES-1 random points, each slice plus a restart;
# every fifth delay is inside the restart alone.
schedule() {
	awk -v seed="$SEED" -v phase="$1" -v work="$2" -v restart="$3" \
	    -v n="$SLICES" 'BEGIN {
		srand(seed * 10 + phase)
		for (i = 1; i < n; i++) p[i] = rand() * work
		p[0] = 0; p[n] = work
		# insertion sort: n is small
		for (i = 2; i < n; i++)
			for (j = i; j > 1 && p[j - 1] > p[j]; j--) {
				t = p[j]; p[j] = p[j - 1]; p[j - 1] = t
			}
		for (i = 1; i <= n; i++) {
			if (i % 5 == 0)
				d = 20 + rand() * restart
			else
				d = restart * (0.5 + rand()) + p[i] - p[i - 1]
			printf "%d\n", d < 20 ? 20 : d
		}
	}'
}

# invariants WHEN: the index opens, no message is in it twice and no
# row names a missing file.  STATE: what the store holds; PENDING: the
# number of queued changes.
invariants() {
	if ! STATE=$($CTL invariants "$DATA" 2>&1); then
		fail "after $1 the store is consistent" "$STATE"
		return 1
	fi
	STATE=$(printf '%s\n' "$STATE" | tail -n 1 | sed 's/: 0 problems$//')
	PENDING=$(printf '%s\n' "$STATE" | sed -E 's/.* ([0-9]+) pending.*/\1/')
}

fire_start() { KILLS=0 DONE=0 RUNS=0 MIN="" MAX=""; }

# kill_once MS NAME [ANCHOR [NTH]]: runs tern sync and SIGKILLs it MS ms
# after its start, or after the NTH line of its -vvv trace matching ANCHOR;
# then checks the store.  Sets RC; counts RUNS, KILLS and DONE (runs that
# ended by themselves first).
kill_once() {
	RUNS=$((RUNS + 1))
	if [ -n "${3:-}" ]; then
		how=$($CTL run-kill --anchor "$3" --nth "${4:-1}" --delay "$1" \
		    --timeout $((RESTART * 3)) --log "$T_DIR/run.log" -- \
		    "$TERN" -vvv sync bob)
	else
		how=$($CTL run-kill --delay "$1" --log "$T_DIR/run.log" -- \
		    "$TERN" sync bob)
	fi
	RC=$?
	invariants "run $RUNS of the $2 ($how, status $RC)" || return 1
	case $RC in
	137)
		KILLS=$((KILLS + 1))
		[ -z "$MIN" ] || [ "$1" -lt "$MIN" ] && MIN=$1
		[ -z "$MAX" ] || [ "$1" -gt "$MAX" ] && MAX=$1
		echo "# $2: kill $KILLS, $how: $STATE" ;;
	0)
		DONE=$((DONE + 1))
		# A whole run took this long: restarts are at most as long.
		t=$(printf '%s\n' "$how" | sed -nE 's/^ended at ([0-9]+) ms$/\1/p')
		[ -n "$t" ] && [ "$t" -lt "$RESTART" ] && RESTART=$t
		echo "# $2: run $RUNS $how: $STATE" ;;
	*)
		fail "$2: a sync that was not killed succeeds (run $RUNS: $how)" \
		    "exit status $RC:
$(grep -v ' trace: ' "$T_DIR/run.log" | tail -n 20)"
		return 1 ;;
	esac
}

# fire_end NAME DETAIL: at least MIN_KILLS kills; sets SPAN.
fire_end() {
	SPAN=$(awk -v a="${MIN:-0}" -v b="${MAX:-0}" 'function f(x) {
		return x < 1000 ? sprintf("%d ms", x) : sprintf("%.1f s", x / 1000) }
		BEGIN { printf "%s..%s", f(a), f(b) }')
	[ "$KILLS" -ge "$MIN_KILLS" ] &&
	    pass "$1: tern sync was killed $KILLS times ($SPAN$2; $DONE runs ended first; the store was consistent after each)" ||
	    fail "$1: tern sync was killed at least $MIN_KILLS times" "$KILLS kills in $RUNS runs"
}

# under_fire PHASE WORK_MS NAME [MIN_RUNS]: kills tern sync on the
# schedule until MIN_KILLS kills and MIN_RUNS runs are done (past the
# schedule, if the sync finished early, every kill hits a restart).
under_fire() {
	schedule "$1" "$2" "$RESTART" >"$T_DIR/delays.$1"
	i=0
	while { [ "$KILLS" -lt "$MIN_KILLS" ] || [ "$i" -lt "${4:-0}" ]; } &&
	    [ "$RUNS" -lt 80 ]; do
		i=$((i + 1))
		d=$(sed -n "${i}p" "$T_DIR/delays.$1")
		[ -n "$d" ] || d=$(rand "$1$i" 20 $((RESTART * 3 / 4)))
		kill_once "$d" "$3" || return 1
	done
}

# checks NAME seeded|marked: the store equals the server, nothing twice,
# the cache complete.
checks() {
	"$TERN" search -a bob --json '*' >"$T_DIR/tern.json" 2>"$T_DIR/search.err"
	if out=$($IMAPCTL compare "$T_DIR/tern.json" 2>&1); then
		pass "$1: tern's store equals the server ($(printf '%s' "$out" | tail -n 1))"
	else
		fail "$1: tern's store equals the server" "$out
$(cat "$T_DIR/search.err")"
	fi
	if out=$($CTL unique "$T_DIR/tern.json" "$2" 2>&1); then
		pass "$1: no message twice in the store ($(printf '%s' "$out" | tail -n 1))"
	else
		fail "$1: no message twice in the store" "$out"
	fi
	if out=$($CTL --sample 50 cache "$DATA" 2>&1); then
		pass "$1: one complete file per cached message ($(printf '%s' "$out" | tail -n 1))"
	else
		fail "$1: one complete file per cached message" "$out"
	fi
}

# Start from an empty, freshly numbered mailbox so the script can run
# again on the same servers: Dovecot recreates it at the next login.
rm -rf "$TERN_TEST_DIR/home/bob/Maildir"
doveadm -c "$TERN_DOVECOT_CONF" kick bob >/dev/null 2>&1

T0=$(now_ms)
echo "# seed $SEED (TERN_CRASH_SEED=$SEED repeats this schedule)"

# --- 1. A large mailbox: 5 x 1,000 messages and 200 in Trash ---
if out=$($CTL seed 2>&1) && out=$($CTL verify seeded 2>&1); then
	pass "5,200 messages seeded in Crash1..Crash5 and Trash ($(since "$T0"))"
else
	fail "5,200 messages seeded in Crash1..Crash5 and Trash" "$out"
	finish
fi

# --- 2. The initial sync under fire ---
# An uninterrupted run into a throwaway data directory: its duration
# sizes the kill schedule, its result is the end state to reach.  The
# cost of a restart is the quickest of three runs with nothing to do.
t=$(now_ms)
OUT=$(XDG_DATA_HOME=$REF "$TERN" sync bob </dev/null 2>&1)
RC=$?
WORK=$(($(now_ms) - t))
expect "an uninterrupted initial sync succeeds ($WORK ms)" 0
RESTART=""
for i in 1 2 3; do
	t=$(now_ms)
	OUT=$(XDG_DATA_HOME=$REF "$TERN" sync bob </dev/null 2>&1)
	RC=$?
	t=$(($(now_ms) - t))
	[ -z "$RESTART" ] || [ "$t" -lt "$RESTART" ] && RESTART=$t
done
expect "a sync with nothing to do succeeds ($RESTART ms)" 0
XDG_DATA_HOME=$REF "$TERN" search -a bob --json '*' >"$T_DIR/ref.json" 2>&1

fire_start
under_fire 1 "$WORK" "initial sync"
fire_end "initial sync" ""
K1=$KILLS S1=$SPAN
run_tern sync bob
expect "initial sync: the run after the kills completes" 0
checks "initial sync" seeded
if out=$($CTL same "$T_DIR/ref.json" "$T_DIR/tern.json" 2>&1); then
	pass "initial sync: the end state is that of the uninterrupted run ($out)"
else
	fail "initial sync: the end state is that of the uninterrupted run" "$out"
fi
if out=$($CTL verify seeded 2>&1); then
	pass "initial sync: the server is unchanged ($(printf '%s' "$out" | tail -n 1))"
else
	fail "initial sync: the server is unchanged" "$out"
fi

# --- 3. The replay of queued changes under fire ---
# 2,650 changes, queued batch by batch (100 messages a batch) the way a
# user works through a folder: read some, flag some, move or delete some,
# next batch.  The queue then alternates between kinds, so the replay is
# ~50 commands, each with its own window between the server's OK and
# the removal of its rows from the queue.  Deleting in Trash expunges
# (UID STORE +\Deleted, then UID EXPUNGE of just those UIDs).
bad=""
for b in 0 1 2 3 4 5 6 7 8 9; do
	set -- "--read tagread" "--flag tagflag"
	[ $b -lt 3 ] && set -- "$@" "--move Crash2 tagmove"
	[ $b -ge 8 ] && set -- "$@" "--delete tagdel"
	[ $b -lt 2 ] && set -- "$@" "--delete tagpurge"
	for m in "$@"; do
		tag=${m##* }
		run_tern mark -a bob ${m% *} "subject:$tag" "subject:b$b"
		[ "$RC" = 0 ] || bad="$bad
mark ${m% *} subject:$tag subject:b$b: exit status $RC: $OUT"
	done
done
invariants "the marks" || finish
[ -z "$bad" ] && [ "$PENDING" = 2650 ] &&
    pass "2,650 changes queued in 27 tern mark runs (1,000 read, 1,050 flagged, 300 moved, 200 to Trash, 100 expunged from Trash)" ||
    fail "2,650 changes queued in 27 tern mark runs" "$PENDING queued$bad"

fire_start
P0=$PENDING JITTER=20 QKILLS=0 OKKILLS=0
while [ "$PENDING" -gt 0 ] && [ "$RUNS" -lt 50 ]; do
	before=$PENDING
	if [ $((RUNS % 4)) = 3 ]; then
		kill_once "$(rand "3$RUNS" 0 4)" "replay ($PENDING queued)" \
		    "$REPLAY_OK" || break
		[ "$RC" = 137 ] && OKKILLS=$((OKKILLS + 1))
	else
		kill_once "$(rand "2$RUNS" 0 "$JITTER")" \
		    "replay ($PENDING queued)" "$REPLAY_CMD" || break
		# Steer: a kill that let nothing through waits longer next
		# time, one that let more than a fifteenth through less long.
		if [ "$PENDING" -eq "$before" ]; then
			JITTER=$((JITTER * 3 / 2 + 2))
		elif [ $(((before - PENDING) * 15)) -gt "$P0" ]; then
			JITTER=$((JITTER * 2 / 3 + 1))
		fi
	fi
	[ "$RC" = 137 ] && QKILLS=$((QKILLS + 1))
done
[ "$RUNS" -lt 50 ] && under_fire 2 $((WORK / 4)) "replay (fetch)" 5
fire_end "replay" "; $QKILLS with changes queued, $OKKILLS of them just after the server's OK"
K2=$KILLS S2=$SPAN
run_tern sync bob
expect "replay: the run after the kills completes" 0
n=$($CTL pending "$DATA" 2>"$T_DIR/pending.err")
[ "$n" = 0 ] && pass "replay: no change is left in the pending table" ||
    fail "replay: no change is left in the pending table" "$n left:
$(cat "$T_DIR/pending.err")"
if out=$($CTL verify marked 2>&1); then
	pass "replay: every change is on the server, no message lost or twice ($(printf '%s' "$out" | tail -n 1))"
else
	fail "replay: every change is on the server, no message lost or twice" "$out"
fi
checks "replay" marked

# --- 4. Two devices move the same messages (SECURITY.md #35) ---
# tern queues moves of five Crash3 messages to Crash1; before its sync, a
# second device moves them to Crash5.  tern's sync is killed right after
# its first replay command, then run to the end: every message is still
# on the server (at least once), nothing is left queued, and the store
# mirrors the server.
IDS=crash-3-3@tern.test,crash-3-7@tern.test,crash-3-11@tern.test,crash-3-15@tern.test,crash-3-19@tern.test
run_tern mark -a bob --move Crash1 'subject:"crash 3 3 b0"' OR \
    'subject:"crash 3 7 b0"' OR 'subject:"crash 3 11 b0"' OR \
    'subject:"crash 3 15 b0"' OR 'subject:"crash 3 19 b0"'
expect "two devices: tern queues 5 moves to Crash1" 0 '^5 messages marked'
if out=$($CTL move-msgids Crash3 Crash5 "$IDS" 2>&1); then
	pass "two devices: the other device moved them to Crash5 first"
else
	fail "two devices: the other device moved them to Crash5 first" "$out"
fi
fire_start
kill_once "$(rand 5 0 6)" "two devices" "$REPLAY_CMD"
run_tern sync bob
expect "two devices: the sync after the kill succeeds" 0
if out=$($CTL where "$IDS" 2>&1); then
	pass "two devices: no message is lost ($(printf '%s' "$out" | tr '\n' ' '))"
else
	fail "two devices: no message is lost" "$out"
fi
n=$($CTL pending "$DATA" 2>"$T_DIR/pending.err")
[ "$n" = 0 ] && pass "two devices: no change is left in the pending table" ||
    fail "two devices: no change is left in the pending table" "$n left:
$(cat "$T_DIR/pending.err")"
"$TERN" search -a bob --json '*' >"$T_DIR/tern.json" 2>"$T_DIR/search.err"
if out=$($IMAPCTL compare "$T_DIR/tern.json" 2>&1); then
	pass "two devices: tern's store equals the server ($(printf '%s' "$out" | tail -n 1))"
else
	fail "two devices: tern's store equals the server" "$out"
fi

# --- 5. A folder's first sync killed, then the server renumbers it ---
# The kill comes when the headers of a new folder are committed and its
# bodies are being fetched, before the sync of the folder completes; the
# user deletes three of its messages; the server renumbers the folder (a
# new UIDVALIDITY, the same messages under other UIDs).  SECURITY.md #30
# and #32: the next sync notices, re-matches the queued deletions by
# Message-ID, and the store mirrors the new numbering.
R=Renumbered
if out=$($CTL fill "$R" 1000 2>&1); then
	how=$($CTL run-kill --anchor 'BODY\.PEEK\[\]' --delay 0 --timeout 30000 \
	    --log "$T_DIR/run.log" -- "$TERN" -vvv sync bob)
	RC=$?
	fs=$($CTL folder "$DATA" "$R" 2>&1)
	invariants "the kill in $R's first sync" &&
	    echo "# $R: $how: $fs"
	case $RC:$fs in
	137:*", 1000 rows, "*)
		pass "$R: killed in its first sync with its 1,000 headers stored ($fs)" ;;
	*)
		fail "$R: killed in its first sync with its 1,000 headers stored" \
		    "status $RC, $how, $fs" ;;
	esac
	run_tern mark -a bob --delete subject:n0001 OR subject:n0002 OR subject:n0003
	expect "$R: 3 messages deleted while its first sync is incomplete" 0 \
	    '^3 messages marked'
	if out=$($CTL reverse "$R" 1000 2>&1); then
		pass "$R: the server renumbers it ($out)"
	else
		fail "$R: the server renumbers it" "$out"
	fi
	run_tern sync bob
	expect "$R: the next sync succeeds" 0
	if out=$($CTL renum-verify "$R" 1000 1,2,3 2>&1); then
		pass "$R: exactly the 3 deleted messages went to Trash ($out)"
	else
		fail "$R: exactly the 3 deleted messages went to Trash (SECURITY.md #32: re-matched by Message-ID)" "$out"
	fi
	"$TERN" search -a bob --json '*' >"$T_DIR/tern.json" 2>"$T_DIR/search.err"
	if out=$($IMAPCTL compare "$T_DIR/tern.json" 2>&1); then
		pass "$R: tern's store equals the server ($(printf '%s' "$out" | tail -n 1))"
	else
		fail "$R: tern's store equals the server" "$(printf '%s\n' "$out" |
		    tail -n 1; printf '%s\n' "$out" | head -n 5)"
	fi
else
	fail "$R: 1,000 messages in a new folder" "$out"
fi

echo "crash: $K1 kills during initial sync ($S1), $K2 during replay ($S2; $QKILLS with changes queued); seed $SEED; $(since "$T0")"
finish
