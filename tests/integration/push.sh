#!/bin/sh
# Push: a watching engine (tests/itest_push.c, the engine API the UI
# uses) sees new mail in INBOX within 2 s even while its main
# connection is busy with the first sync of a 60,000-message folder
# (INBOX has its own IDLE connection; the folder is that large so that
# its sync outlasts a delivery, at about 50,000 messages a second); runs new_mail_command with the
# account and the count; keeps the folder the user opened fresh (a flag
# change and an expunge by another client within 2 s); and after
# Dovecot kicks every connection it reconnects and resyncs by itself,
# a message delivered meanwhile arriving.  Real Dovecot A, user bob
# (after this script nothing else uses bob on A; the big folder is
# deleted at the end).  Covers SECURITY.md #31 (a disconnect in IDLE).
. "$TERN_SRCDIR/tests/lib.sh"

BIG=${PUSH_BIG:-60000}
CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user bob --password-env TERN_BOB_PW"
DOVEADM="doveadm -c $TERN_DOVECOT_CONF"
printf '[general]\nlog_file = %s\n\n' "$T_DIR/push.log" >"$CFG"
account p "imaps://bob@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_BOB_PW" \
    "new_mail_command = sh -c 'echo \"\$@\" >>$T_DIR/newmail' newmail"

# wait_for SECONDS QUERY: polls tern search until QUERY matches; sets WAITED (ms).
wait_for() {
	t0=$(date +%s%N)
	while :; do
		[ -n "$("$TERN" search -a p "$2" 2>"$T_DIR/search.err")" ] && break
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt $(($1 * 1000)) ] && { WAITED=-1; return 1; }
		sleep 0.05
	done
	WAITED=$(( ($(date +%s%N) - t0) / 1000000 ))
}
# count QUERY: how many messages tern's store has for QUERY.
count() { "$TERN" search -a p "$1" 2>/dev/null | wc -l; }
# events: what the engine reported so far.
events() { tail -n 30 "$T_DIR/events"; tail -n 20 "$T_DIR/push.log"; }

# A big folder written straight into bob's Maildir (as APPENDs would
# take minutes), then indexed by Dovecot.
$DOVEADM mailbox delete -u bob Big >/dev/null 2>&1
$DOVEADM mailbox create -u bob Big
$DOVEADM mailbox create -u bob Work
python3 - "$TERN_MAIL_HOME/bob/Maildir/.Big/cur" "$BIG" <<'EOF'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
now = int(time.time())
for i in range(n):
    body = ('From: Sender %d <s%d@example.org>\r\nTo: bob@example.com\r\n'
            'Subject: big folder message %d\r\nMessage-ID: <big%d@example.org>\r\n'
            'Date: Sat, 01 Nov 2026 10:00:00 +0000\r\n\r\nbody %d\r\n') % (i, i, i, i, i)
    p = os.path.join(d, '%d.M%dP1Q%d.push,S=%d:2,S' % (now, i, i, len(body)))
    with open(p, 'w') as f:
        f.write(body)
    os.utime(p, (now, now))
    os.chown(p, 8, 8)
EOF
chown -R 8:8 "$TERN_MAIL_HOME/bob/Maildir/.Big"
$DOVEADM force-resync -u bob Big
$DOVEADM index -u bob Big >/dev/null 2>&1
[ "$($CTL uids Big | wc -l)" -eq "$BIG" ] && pass "the server has a folder of $BIG messages" ||
    fail "the server has a folder of $BIG messages" "$($CTL uids Big | wc -l)"
$CTL append INBOX "before push"
$CTL append Work "work one"

# The second client, logged in now, appends when the big sync is under
# way (below).
touch "$T_DIR/events"
python3 - "$T_DIR/events" "$BIG" >"$T_DIR/append.out" 2>&1 <<'EOF2' &
import imaplib, os, re, ssl, sys, time
ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
m = imaplib.IMAP4_SSL('localhost', int(os.environ['TERN_IMAPS_PORT']), ssl_context=ctx)
m.login('bob', os.environ['TERN_BOB_PW'])
print('ready', flush=True)
pat = re.compile(r'^PROGRESS .* done=[1-9][0-9]* total=%s ' % sys.argv[2], re.M)
inbox = re.compile(r'^CHANGED .* name=INBOX$', re.M)	# its first sync: not new mail
for i in range(1500):
    ev = open(sys.argv[1]).read()
    if inbox.search(ev) and pat.search(ev):
        break
    time.sleep(0.02)
t0 = time.time()
msg = (b'From: x@example.org\r\nSubject: pushed during the big sync\r\n'
       b'Message-ID: <push1@example.org>\r\n\r\nhi\r\n')
m.append('INBOX', None, None, msg)
t1 = time.time()
print('append %d %d' % (int(t0 * 1000), int(t1 * 1000)))
m.logout()
EOF2
A=$!
i=0; while ! grep -q ready "$T_DIR/append.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done

# The engine, fed commands through a fifo; its events go to a file.
mkfifo "$T_DIR/ctl"
"$SRCDIR/tests/itest_push" "$CFG" p <"$T_DIR/ctl" >"$T_DIR/events" 2>&1 &
E=$!
exec 3>"$T_DIR/ctl"
# tern search only once the engine has created the store (its first event).
i=0; while ! grep -q '^STATE ' "$T_DIR/events" && kill -0 $E 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done

if wait_for 20 'subject:"before push"'; then pass "INBOX is synced first"
else fail "INBOX is synced first" "$(events)"; fi
# Delivered while the main connection fetches the big folder's headers
# (its first batch is committed), by a client logged in beforehand (on
# a busy machine a new client is slow to start).  The delay is from the
# APPEND's OK to the engine's EV_NEW_MAIL, posted once INBOX's rows are
# committed.
wait $A
t0=$(sed -n 's/^append \([0-9]*\) .*/\1/p' "$T_DIR/append.out")
ta=$(sed -n 's/^append [0-9]* \([0-9]*\)/\1/p' "$T_DIR/append.out")
[ -n "$ta" ] || fail "the second client appends" "$(cat "$T_DIR/append.out")"
echo "# the APPEND took $((ta - t0)) ms"
t0=$ta
i=0; while ! grep -q '^NEW_MAIL ' "$T_DIR/events" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
t1=$(sed -n 's/^NEW_MAIL \([0-9]*\) .*/\1/p' "$T_DIR/events" | head -n 1)
if [ -n "$t1" ]; then
	ms=$((t1 - t0))
	[ "$ms" -le 2000 ] && pass "new mail reaches the store within 2 s while a big sync runs (${ms} ms)" ||
	    fail "new mail reaches the store within 2 s while a big sync runs" "took ${ms} ms"
	echo "# delivery to store while the big sync runs: ${ms} ms"
else
	fail "new mail reaches the store while a big sync runs" "$(events)"
fi
[ "$(count 'subject:"pushed during the big sync"')" -ge 1 ] && pass "the message is in the store" ||
    fail "the message is in the store" "$(events)"
if grep -q '^NEW_MAIL .* done=1 ' "$T_DIR/events"; then pass "EV_NEW_MAIL reports one new message"
else fail "EV_NEW_MAIL reports one new message" "$(events)"; fi
i=0; while [ ! -s "$T_DIR/newmail" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
[ "$(cat "$T_DIR/newmail" 2>/dev/null)" = "p 1" ] &&
    pass "new_mail_command runs with the account and the count" ||
    fail "new_mail_command runs with the account and the count" "$(cat "$T_DIR/newmail" 2>&1)"

# Let the first pass end, then open Work: kept fresh by IDLE on the
# main connection.
i=0; while [ "$(count 'folder:Big')" -lt "$BIG" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
[ "$(count 'folder:Big')" -eq "$BIG" ] && pass "the big folder is synced in full" ||
    fail "the big folder is synced in full" "$(count 'folder:Big') of $BIG"
tbig=$(sed -n "s/^PROGRESS \([0-9]*\) .* done=$BIG total=$BIG .*/\1/p" "$T_DIR/events" | head -n 1)
[ -n "$t1" ] && [ -n "$tbig" ] && [ "$tbig" -gt "$t1" ] &&
    pass "... and the new mail was stored before it ended ($((tbig - t1)) ms before)" ||
    fail "... and the new mail was stored before it ended" "new mail at ${t1:-?}, big sync done at ${tbig:-?}"
echo "open Work" >&3
sleep 1
uid=$($CTL uids Work | tail -n 1)
$CTL flag Work "$uid" '+\Flagged'
if wait_for 5 'subject:"work one" is:flagged'; then
	[ "$WAITED" -le 2000 ] && pass "a flag set elsewhere in the open folder arrives within 2 s (${WAITED} ms)" ||
	    fail "a flag set elsewhere in the open folder arrives within 2 s" "took ${WAITED} ms"
	echo "# flag change in the open folder: ${WAITED} ms"
else fail "a flag set elsewhere in the open folder arrives" "$(events)"; fi
$CTL expunge Work "$uid"
t0=$(date +%s%N)
while [ "$(count 'subject:"work one"')" -ne 0 ]; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 5000 ] && break
	sleep 0.05
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(count 'subject:"work one"')" -eq 0 ] && [ $ms -le 2000 ] &&
    pass "an expunge elsewhere in the open folder arrives within 2 s (${ms} ms)" ||
    fail "an expunge elsewhere in the open folder arrives within 2 s" "took ${ms} ms; $(events)"

# Dovecot drops every connection of bob during IDLE; a message arrives
# while tern is disconnected.
sleep 1
$DOVEADM kick bob >/dev/null 2>&1
$CTL append INBOX "after the kick"
if wait_for 15 'subject:"after the kick"'; then
	pass "after a kick the engine reconnects and resyncs (${WAITED} ms)"
	echo "# reconnect after a kick: ${WAITED} ms"
else fail "after a kick the engine reconnects and resyncs" "$(events)"; fi
grep -q '^STATE .*text=reconnecting' "$T_DIR/events" &&
    pass "the state says reconnecting meanwhile" ||
    fail "the state says reconnecting meanwhile" "$(events)"
$CTL append INBOX "pushed after the kick"
if wait_for 5 'subject:"pushed after the kick"'; then
	[ "$WAITED" -le 2000 ] && pass "IDLE works again after the reconnect (${WAITED} ms)" ||
	    fail "IDLE works again after the reconnect" "took ${WAITED} ms"
else fail "IDLE works again after the reconnect" "$(events)"; fi

# End of input stops the engine (both threads) cleanly.
exec 3>&-
i=0; while kill -0 $E 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
if kill -0 $E 2>/dev/null; then
	fail "the engine stops within 10 s" "$(events)"
	kill -9 $E
else
	wait $E
	grep -q '^JOIN 0' "$T_DIR/events" && pass "the engine stops cleanly" ||
	    fail "the engine stops cleanly" "$(events)"
fi
$DOVEADM mailbox delete -u bob Big >/dev/null 2>&1
finish
