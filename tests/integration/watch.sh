#!/bin/sh
# tern sync --watch: new mail delivered to INBOX reaches the store
# within seconds through IDLE; a queued change is pushed when the
# engine is next awake; after the server goes away and comes back the
# engine reconnects by itself; SIGINT stops it cleanly.  Real Dovecot,
# user carol (whose password has " \ {5} and a space).
# Covers SECURITY.md #31 (a server restart: reconnect and converge).
. "$TERN_SRCDIR/tests/lib.sh"

CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user carol --password-env TERN_CAROL_PW"
printf '[general]\nlog_file = %s\n\n' "$T_DIR/watch.log" >"$CFG"
account w "imaps://carol@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW"

# wait_for SECONDS QUERY: polls tern search until QUERY matches; sets WAITED.
wait_for() {
	t0=$(date +%s%N)
	while :; do
		[ -n "$("$TERN" search -a w "$2" 2>"$T_DIR/search.err")" ] && break
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt $(($1 * 1000)) ] && { WAITED=-1; return 1; }
		sleep 0.1
	done
	WAITED=$(( ($(date +%s%N) - t0) / 1000000 ))
}

$CTL append INBOX "before watch"
"$TERN" -vvv sync --watch w </dev/null >"$T_DIR/watch.out" 2>&1 &
W=$!
if wait_for 10 'subject:"before watch"'; then pass "the watch does a first full sync"
else fail "the watch does a first full sync" "$(cat "$T_DIR/search.err"; tail -n 30 "$T_DIR/watch.log")"; fi
sleep 1	# let it reach IDLE

$CTL append INBOX "pushed one"
if wait_for 5 'subject:"pushed one"'; then
	[ "$WAITED" -le 2000 ] && pass "new mail appears in the store within 2 s through IDLE (${WAITED} ms)" ||
	    fail "new mail appears in the store within 2 s through IDLE" "took ${WAITED} ms"
else
	fail "new mail appears in the store through IDLE" "$(cat "$T_DIR/watch.log")"
fi

# Another device sets a flag on a message in INBOX: seen within seconds.
uid=$($CTL uids INBOX | tail -n 1)
$CTL flag INBOX "$uid" '+\Flagged'
if wait_for 5 'subject:"pushed one" is:flagged'; then pass "a flag set elsewhere arrives through IDLE (${WAITED} ms)"
else fail "a flag set elsewhere arrives through IDLE" "$(tail -20 "$T_DIR/watch.log")"; fi

# The server goes away and comes back: the engine reconnects by itself.
doveadm -c "$TERN_DOVECOT_CONF" stop >/dev/null 2>&1
sleep 2
dovecot -c "$TERN_DOVECOT_CONF" </dev/null >/dev/null 2>&1
i=0; while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $TERN_IMAPS_PORT), 1)" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
$CTL append INBOX "after restart"
if wait_for 20 'subject:"after restart"'; then pass "after the server restarts the engine reconnects and syncs (${WAITED} ms)"
else fail "after the server restarts the engine reconnects and syncs" "$(tail -20 "$T_DIR/watch.log")"; fi
if kill -0 $W 2>/dev/null; then pass "the watch survives the server going away"
else fail "the watch survives the server going away" "$(tail -20 "$T_DIR/watch.log")"; fi

kill -INT $W
i=0; while kill -0 $W 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if kill -0 $W 2>/dev/null; then
	fail "SIGINT stops the watch within 5 s"
	kill -9 $W
else
	wait $W; rc=$?
	[ $rc = 0 ] && pass "SIGINT stops the watch cleanly (exit 0)" ||
	    fail "SIGINT stops the watch cleanly (exit 0)" "exit $rc; $(tail -5 "$T_DIR/watch.log")"
fi
finish
