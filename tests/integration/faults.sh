#!/bin/sh
# Faults (issue 7, "Crash and fault safety"; SECURITY.md tests 31, 35
# and 38), against the harness's Dovecot C (the plain path: no
# CONDSTORE, no QRESYNC, so every resync compares every flag) and user
# carol, whose mailbox there no other script touches:
#  b. a fault proxy (tests/faultproxy.py) cuts tern's connections at
#     random byte offsets during the initial FETCH, during the replay of
#     queued STOREs and MOVEs, and while tern sync --watch waits in IDLE;
#     tern fails that run cleanly, reconnects, and converges;
#  c. ENOSPC: the store on a 1 MB tmpfs; the sync fails with a clear
#     error, leaves no partial file and an index that opens, and
#     completes once there is room;
#  d. two devices: tern (mark + sync) and a scripted second client make
#     random changes at the same time; afterwards tern's store equals
#     the server and nothing is left queued.
# Each part prints its counts.
. "$TERN_SRCDIR/tests/lib.sh"

P=$TERN_IMAPS3_PORT
AUTH="--port $P --user carol --password-env TERN_CAROL_PW"
CTL="python3 $SRCDIR/tests/imapctl.py $AUTH"
CRASH="python3 $SRCDIR/tests/crashctl.py $AUTH"
DATA="$XDG_DATA_HOME/tern/f"
PROXY_PID=
stop_proxy() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
trap 'stop_proxy; kill $WATCH_PID $DEV_PID 2>/dev/null; umount "$T_DIR/full" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP

# proxy CUTS SEED MAXBYTES: a fresh fault proxy in front of Dovecot C.
proxy() {
	stop_proxy
	rm -f "$T_DIR/proxy.port"
	python3 "$SRCDIR/tests/faultproxy.py" --target-port "$P" \
	    --port-file "$T_DIR/proxy.port" --cuts "$1" --seed "$2" \
	    --max-bytes "$3" --log "$T_DIR/cuts.log" &
	PROXY_PID=$!
	wait_port "$T_DIR/proxy.port"
	PROXY_PORT=$PORT
}
# config PORT [extra lines]: account f on 127.0.0.1:PORT (Dovecot C or the proxy).
config() {
	_port=$1
	shift
	printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
	account f "imaps://carol@localhost:$_port" "" "ca_file = $TERN_CA" \
	    "password_command = printenv TERN_CAROL_PW" "sync_days = 0" "$@"
	# lib.sh's timeout of 5 s is the read timeout after a cut.
}
# until_ok MAX: runs tern sync f until it succeeds; RUNS and FAILS count.
until_ok() {
	RUNS=0 FAILS=0
	while [ "$RUNS" -lt "$1" ]; do
		RUNS=$((RUNS + 1))
		if "$TERN" sync f >"$T_DIR/sync.out" 2>&1; then return 0; fi
		FAILS=$((FAILS + 1))
	done
	return 1
}
# converged DESC: tern's store equals the server and nothing is queued.
converged() {
	"$TERN" search -a f --json '*' >"$T_DIR/tern.json" 2>"$T_DIR/search.err"
	if out=$($CTL compare "$T_DIR/tern.json" 2>&1) &&
	    [ "$($CRASH pending "$DATA" 2>/dev/null)" = 0 ]; then
		pass "$1 (${out##*: })"
	else
		fail "$1" "$out
pending: $($CRASH pending "$DATA" 2>&1)"
	fi
}
invariants() {
	if out=$($CRASH invariants "$DATA" 2>&1); then pass "$1"
	else fail "$1" "$out"; fi
}

for f in INBOX Trash; do $CTL create "$f" >/dev/null 2>&1; $CTL empty "$f"; done
for i in 1 2 3 4 5; do $CTL delete "Crash$i" >/dev/null 2>&1; done
$CRASH seed >/dev/null || { fail "seed carol's mailbox on Dovecot C" "$($CRASH seed 2>&1)"; finish; }
rm -rf "$DATA"
: >"$T_DIR/cuts.log"

# ---- b1: cuts during the initial FETCH (5,200 messages) ----
proxy 15 "${TERN_FAULT_SEED:-1}" 150000
config "$PROXY_PORT"
if until_ok 40 && [ "$(grep -c . "$T_DIR/cuts.log")" -ge 5 ]; then
	pass "initial sync through the fault proxy completes after $FAILS cut runs ($(grep -c . "$T_DIR/cuts.log") cuts)"
else
	fail "initial sync through the fault proxy completes, cut at least 5 times" "$(cat "$T_DIR/cuts.log"; tail -5 "$T_DIR/sync.out")"
fi
invariants "after the cut FETCHes: the index opens, no message twice, no row without its file"
converged "after the cut FETCHes: tern's store equals the server"

# ---- b2: cuts during the replay of queued STOREs and MOVEs ----
"$TERN" mark -a f --read folder:Crash1 >/dev/null 2>&1
"$TERN" mark -a f --flag folder:Crash2 >/dev/null 2>&1
"$TERN" mark -a f --move Crash5 folder:Crash3 >/dev/null 2>&1
"$TERN" mark -a f --delete folder:Crash4 >/dev/null 2>&1
queued=$($CRASH pending "$DATA" 2>/dev/null)
: >"$T_DIR/cuts.log"
proxy 10 "$(( ${TERN_FAULT_SEED:-1} + 1 ))" 200000
config "$PROXY_PORT"
if until_ok 40 && [ "$(grep -c . "$T_DIR/cuts.log")" -ge 5 ]; then
	pass "the replay of $queued queued changes completes after $FAILS cut runs ($(grep -c . "$T_DIR/cuts.log") cuts, $(grep -c c2s "$T_DIR/cuts.log") while tern wrote)"
else
	fail "the replay through the fault proxy completes, cut at least 5 times" "$(cat "$T_DIR/cuts.log"; tail -5 "$T_DIR/sync.out")"
fi
invariants "after the cut replay: the index opens, no message twice"
converged "after the cut replay: tern's store equals the server, nothing queued"
if python3 - "$P" <<'PY'
import imaplib, os, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
m = imaplib.IMAP4_SSL('localhost', int(sys.argv[1]), ssl_context=ctx)
m.login('carol', os.environ['TERN_CAROL_PW'])
def count(box, crit):
    m.select(box, readonly=True)
    return len(m.uid('SEARCH', crit)[1][0].split())
bad = []
if count('Crash1', 'UNSEEN') != 0: bad.append('Crash1 has unread mail')
if count('Crash2', 'UNFLAGGED') != 0: bad.append('Crash2 has unflagged mail')
if count('Crash3', 'ALL') != 0: bad.append('Crash3 is not empty')
if count('Crash4', 'ALL') != 0: bad.append('Crash4 is not empty')
if count('Crash5', 'ALL') != 2000: bad.append('Crash5 has %d, not 2000' % count('Crash5', 'ALL'))
if count('Trash', 'ALL') != 1200: bad.append('Trash has %d, not 1200' % count('Trash', 'ALL'))
if bad: print('; '.join(bad))
sys.exit(1 if bad else 0)
PY
then pass "every queued change is on the server exactly once (Crash5 2,000, Trash 1,200)"
else fail "every queued change is on the server exactly once" "$(tail -3 "$T_DIR/sync.out")"; fi

# ---- b3: cuts while tern sync --watch waits in IDLE ----
: >"$T_DIR/cuts.log"
proxy 0 1 1
config "$PROXY_PORT"
"$TERN" sync --watch f >"$T_DIR/watch.out" 2>&1 &
WATCH_PID=$!
sleep 3
got=0
for k in 1 2 3; do
	kill -USR1 "$PROXY_PID"	# cut every live connection, IDLE's too
	sleep 0.5
	$CTL append INBOX "after cut $k" --msgid "cut$k@x" >/dev/null
	w=0
	while [ $w -lt 300 ]; do
		if "$TERN" search -a f "subject:\"after cut $k\"" 2>/dev/null | grep -q "after cut $k"; then
			got=$((got + 1)); break
		fi
		sleep 0.1; w=$((w + 1))
	done
done
[ "$got" = 3 ] && pass "after 3 cuts in IDLE, tern reconnected and got each new message ($(grep -c . "$T_DIR/cuts.log") cuts)" ||
    fail "after 3 cuts in IDLE, tern reconnected and got each new message ($got of 3)" "$(tail -5 "$T_DIR/watch.out")"
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=
stop_proxy
config "$P"
"$TERN" sync f >/dev/null 2>&1
converged "after the IDLE cuts: tern's store equals the server"

# ---- c: ENOSPC on the store's filesystem ----
mkdir -p "$T_DIR/full"
if mount -t tmpfs -o size=1m tern-enospc "$T_DIR/full" 2>"$T_DIR/mount.err"; then
	XDG_DATA_HOME="$T_DIR/full" run_tern sync f
	expect "a sync onto a full filesystem fails with a clear error" 1 "No space left on device|database or disk is full"
	printf '%s\n' "$OUT" | grep -E "No space|disk is full" | head -2 | sed 's/^/# /'
	DATA="$T_DIR/full/tern/f"
	invariants "after ENOSPC: the index opens, no message twice, no row without its file"
	left=$(find "$DATA/mail" -type d -name tmp -exec find {} -type f \; 2>/dev/null)
	[ -z "$left" ] && pass "after ENOSPC: no partial file left in a Maildir's tmp/" ||
	    fail "after ENOSPC: no partial file left in a Maildir's tmp/" "$left"
	mount -o remount,size=300m "$T_DIR/full"
	XDG_DATA_HOME="$T_DIR/full" run_tern sync f
	expect "with room again, the sync completes" 0
	XDG_DATA_HOME="$T_DIR/full" converged "after ENOSPC and recovery: tern's store equals the server"
	DATA="$XDG_DATA_HOME/tern/f"
	umount "$T_DIR/full"
else
	fail "mount a 1 MB tmpfs for the ENOSPC test (needs root)" "$(cat "$T_DIR/mount.err")"
fi

# ---- d: two devices changing the same mailbox at the same time ----
cat >"$T_DIR/device.py" <<'PY'
import imaplib, os, random, ssl, sys, time
port, seed, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rng = random.Random(seed)
ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
m = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx)
m.login('carol', os.environ['TERN_CAROL_PW'])
boxes = ['Crash1', 'Crash2', 'Crash5', 'INBOX']
n = 0
end = time.time() + secs
while time.time() < end:
    box = rng.choice(boxes)
    m.select(box)
    uids = m.uid('SEARCH', 'ALL')[1][0].split()
    op = rng.random()
    if uids and op < 0.5:
        u = rng.choice(uids).decode()
        fl = rng.choice(['\\Seen', '\\Flagged', '\\Answered'])
        m.uid('STORE', u, rng.choice(['+FLAGS', '-FLAGS']), '(%s)' % fl)
    elif uids and op < 0.7:
        u = rng.choice(uids).decode()
        m.uid('MOVE', u, rng.choice([b for b in boxes if b != box]))
    elif uids and op < 0.8:
        u = rng.choice(uids).decode()
        m.uid('STORE', u, '+FLAGS.SILENT', '(\\Deleted)')
        m.uid('EXPUNGE', u)
    else:
        msg = ('From: dev2@example.com\r\nSubject: device two %d\r\nMessage-ID: <dev2-%d-%d@x>\r\n\r\nnew\r\n'
               % (n, seed, n)).encode()
        m.append(box, None, None, msg)
    n += 1
    time.sleep(0.02)
m.logout()
print(n)
PY
python3 "$T_DIR/device.py" "$P" "${TERN_FAULT_SEED:-1}" 12 >"$T_DIR/device.out" 2>&1 &
DEV_PID=$!
rounds=0
while kill -0 "$DEV_PID" 2>/dev/null; do
	rounds=$((rounds + 1))
	case $((rounds % 4)) in
	0) "$TERN" mark -a f --read "folder:Crash$(( (rounds % 2) * 4 + 1 )) is:unread" >/dev/null 2>&1 ;;
	1) "$TERN" mark -a f --unflag "folder:Crash2 is:flagged" >/dev/null 2>&1 ;;
	2) "$TERN" mark -a f --move INBOX "folder:Crash5 is:flagged" >/dev/null 2>&1 ;;
	3) "$TERN" mark -a f --delete "folder:INBOX is:read" >/dev/null 2>&1 ;;
	esac
	"$TERN" sync f >/dev/null 2>&1
done
wait "$DEV_PID"
DEV_PID=
"$TERN" sync f >/dev/null 2>&1
"$TERN" sync f >/dev/null 2>&1
converged "two devices: after $(cat "$T_DIR/device.out") changes by the other device and $rounds rounds of tern's, tern's store equals the server"
finish
