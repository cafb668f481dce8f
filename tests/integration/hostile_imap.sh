#!/bin/sh
# A hostile IMAP server after login (the scripted one, tests/fakemailbox.py):
# `* STATUS "x" ()`, a sequence set ending in ',', body-fld-lines -1,
# [HIGHESTMODSEQ] with no number, `* 0 EXPUNGE`, an EXPUNGE above EXISTS,
# a FETCH for a UID not asked for, UID 0.  For each, tern sync exits (no
# crash, no hang) with a sanitized error or a normal sync, the local store
# holds no lost, duplicated or phantom message, a later sync against the
# good server gives exactly its mailbox, and a second account in the same
# config, on the real Dovecot, keeps syncing (SECURITY.md #29).
# Covers SECURITY.md #29.
. "$TERN_SRCDIR/tests/lib.sh"

PW="password_command = printenv TERN_ALICE_PW"
MODE_FILE="$T_DIR/mode"
TAG="hostile$$"

# The fake serves a mode read from MODE_FILE at each connection.
echo mailbox >"$MODE_FILE"
pf="$T_DIR/fake.port"
FAKE_LOG="$T_DIR/fake.log"
rm -f "$pf" "$FAKE_LOG"
python3 "$SRCDIR/tests/fakeserver.py" --threads --proto imap --mode mailbox \
    --mode-file "$MODE_FILE" --port-file "$pf" --transcript "$FAKE_LOG" \
    --cert "$TERN_TLS_DIR/server.pem" --key "$TERN_TLS_DIR/server.key" \
    </dev/null >"$T_DIR/fake.out" 2>&1 &
FAKE_PID=$!
T_FAKE_PIDS="$FAKE_PID"
wait_port "$pf"
FAKE_PORT=$PORT
if [ -z "$FAKE_PORT" ]; then
	fail "the scripted server starts" "$(cat "$T_DIR/fake.out")"
	finish
fi

# config NAME: the fake account NAME (a fresh store per mode) and a
# second account, alice on the real Dovecot A.
config() {
	new_config
	account "$1" "imap://alice@localhost:$FAKE_PORT" "" "$PW" \
	    "ca_file = $TERN_CA" "sync_days = 30" "body_days = 30"
	account real_a "imaps://alice@localhost:$TERN_IMAPS_PORT" "" "$PW" \
	    "ca_file = $TERN_CA" "sync_days = 30"
}

# sync_all: tern sync (every account) with a deadline; sets OUT and RC.
sync_all() {
	OUT=$(timeout -k 5 40 "$TERN" sync </dev/null 2>&1)
	RC=$?
}

# rows ACCOUNT: "FOLDER UID SUBJECT [FLAGS]" per message in tern's store
# (of the search output in $ALL, if set).
rows() {
	if [ -n "${ALL:-}" ]; then
		printf '%s\n' "$ALL" | grep -F "{\"account\":\"$1\","
	else
		"$TERN" search -a "$1" --json '*' 2>/dev/null
	fi |
	    sed -E 's/.*"folder":"([^"]*)","uid":([0-9]+),"flags":\[([^]]*)\].*"subject":"([^"]*)".*/\1 \2 \4 [\3]/' |
	    sort
}

# The fake's fixed mailbox (tests/fakemailbox.py), as rows prints it.
WANT=$(printf '%s\n' 'INBOX 1 fake one ["\\Seen"]' 'INBOX 2 fake two []' \
    'INBOX 3 fake three ["\\Flagged"]' 'Lists 1 fake list ["\\Seen"]' | sort)

# store_is ACCOUNT EXACT: the store of ACCOUNT against the fake's
# mailbox; prints what is wrong.  EXACT=1: equal (folders, UIDs,
# subjects, flags); EXACT=0: a subset (an interrupted sync) with no
# phantom or duplicate message.
store_is() {
	have=$(rows "$1")
	dup=$(printf '%s\n' "$have" | sed -E 's/^([^ ]+ [0-9]+) .*/\1/' | uniq -d)
	[ -n "$dup" ] && echo "duplicate: $dup"
	if [ "$2" = 1 ]; then
		[ "$have" = "$WANT" ] || echo "store:
$have
wanted:
$WANT"
	else
		extra=$(printf '%s\n' "$have" | grep -vxF -- "$WANT" | grep .)
		[ -n "$extra" ] && echo "phantom or changed: $extra"
	fi
}

# mark N: the N-th marker message, delivered to alice on A.
mark() {
	printf 'From: x@example.com\r\nSubject: %s %s\r\nMessage-ID: <%s.%s@example.com>\r\n\r\nmarker\r\n' \
	    "$TAG" "$1" "$TAG" "$1" |
	    doveadm -c "$TERN_DOVECOT_CONF" save -u alice -m INBOX
}

# real_synced DESC N: the N-th marker reached the real account's store.
real_synced() {
	for ra in real_a; do
		cnt=$(printf '%s\n' "$ALL" | grep -F "{\"account\":\"$ra\"," |
		    grep -c "\"subject\":\"$TAG $2\"")
		if [ "$cnt" != 1 ]; then
			fail "$1" "$ra has $cnt copies of '$TAG $2'; tern said:
$OUT"
			return
		fi
	done
	pass "$1"
}

# check_exit DESC: tern ended by itself (no signal, no timeout) and
# printed nothing a terminal would act on.
check_exit() {
	if [ "$RC" -ge 124 ]; then
		fail "$1: tern exits by itself (no crash, no hang)" "exit status $RC:
$OUT"
	else
		pass "$1: tern exits by itself (no crash, no hang)"
	fi
	if has_control "$OUT"; then
		fail "$1: output has no terminal control bytes" "$OUT"
	else
		pass "$1: output has no terminal control bytes"
	fi
}

# hostile MODE DESC [ok]: SECURITY.md #29.  A first sync and an
# incremental sync against MODE, each followed by a sync against the
# good server.  "ok": MODE is merely odd, so tern must sync normally.
hostile() {
	mode=$1 hdesc=$2 must_ok=${3:-}
	acct=$(printf 'h_%s' "$mode" | tr -- '-' '_')
	config "$acct"
	for pass_ in first incremental; do
		n=$((${n:-0} + 1))
		mark "$n"
		echo "$mode" >"$MODE_FILE"
		sync_all
		check_exit "$mode ($pass_ sync): $hdesc"
		# Every account's store in one search.
		ALL=$("$TERN" search --json '*' 2>/dev/null)
		fake_out=$(printf '%s\n' "$OUT" | grep -F "$acct: " || true)
		if [ -n "$must_ok" ]; then
			if [ "$RC" = 0 ]; then
				pass "$mode ($pass_ sync): an odd but valid reply syncs normally"
			else
				fail "$mode ($pass_ sync): an odd but valid reply syncs normally" "$OUT"
			fi
		fi
		if [ "$RC" = 0 ]; then
			r=$(store_is "$acct" 1)
		else
			# An error names the account; the others still synced.
			printf '%s\n' "$fake_out" | grep -q . ||
			    fail "$mode ($pass_ sync): the failure names the account" "$OUT"
			r=$(store_is "$acct" 0)
		fi
		if [ -z "$r" ]; then
			pass "$mode ($pass_ sync): no lost, duplicated or phantom message (exit $RC)"
		else
			fail "$mode ($pass_ sync): no lost, duplicated or phantom message (exit $RC)" "$r
tern said:
$OUT"
		fi
		real_synced "$mode ($pass_ sync): the account on the real Dovecot keeps syncing" "$n"

		ALL=
		# Safe resync: the good server again.
		echo mailbox >"$MODE_FILE"
		run_tern sync "$acct"
		expect "$mode ($pass_): the next sync against a good server works" 0
		r=$(store_is "$acct" 1)
		if [ -z "$r" ]; then
			pass "$mode ($pass_): after it the store is exactly the server's mailbox"
		else
			fail "$mode ($pass_): after it the store is exactly the server's mailbox" "$r"
		fi
	done
}

# The good server first: the mailbox it serves is what the checks expect.
config h_good
run_tern sync h_good
expect "the scripted mailbox syncs" 0 'INBOX: 3 new messages'
r=$(store_is h_good 1)
[ -z "$r" ] && pass "the store holds the scripted mailbox" ||
    fail "the store holds the scripted mailbox" "$r"

# SECURITY.md #29: each hostile response.
hostile status-empty 'STATUS "x" () and an empty STATUS list'
hostile seq-comma 'a sequence set ending in "," (VANISHED)'
hostile body-lines 'BODYSTRUCTURE with body-fld-lines -1'
hostile hms-empty '[HIGHESTMODSEQ] with no number'
hostile expunge-0 '* 0 EXPUNGE'
hostile expunge-high 'an EXPUNGE above EXISTS'
hostile fetch-unasked 'a FETCH for a UID not asked for' ok
hostile uid-0 'UID 0 in FETCH and SEARCH' ok

# watch MODE: SECURITY.md #29 under tern sync --watch, whose push
# session IDLEs on INBOX; the fake sends MODE's untagged data at every
# IDLE.  tern stays up, does not loop on the server (one INBOX sync a
# second at most), stops cleanly on SIGTERM, and its store stays right.
# stop_wait PID SIGNAL SECS: sends SIGNAL to PID and waits up to SECS
# for it to end: 0 with its exit status in RC, else 1 (killed).
stop_wait() {
	kill -"$2" "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($3 * 10)) ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		wait "$1" 2>/dev/null
		return 1
	fi
	wait "$1"
	RC=$?
	return 0
}

watch() {
	mode=$1
	acct=$(printf 'w_%s' "$mode" | tr -- '-' '_')
	config "$acct"
	echo "$mode" >"$MODE_FILE"
	before=$(grep -c 'EVENT: command ' "$FAKE_LOG")
	"$TERN" sync --watch "$acct" </dev/null >"$T_DIR/watch.out" 2>&1 &
	wpid=$!
	sleep 5
	if kill -0 "$wpid" 2>/dev/null; then
		pass "$mode (sync --watch): tern keeps running under IDLE"
	else
		fail "$mode (sync --watch): tern keeps running under IDLE" "$(cat "$T_DIR/watch.out")"
	fi
	if stop_wait "$wpid" TERM 10; then
		OUT=$(cat "$T_DIR/watch.out")
		check_exit "$mode (sync --watch)"
	else
		fail "$mode (sync --watch): SIGTERM stops it within 10 s"
	fi
	# One INBOX sync a second is about 5 commands; the busy loop this
	# found was over 1,000 IDLEs a second.
	cmds=$(( $(grep -c 'EVENT: command ' "$FAKE_LOG") - before ))
	idles=$(awk -v n="$before" '/EVENT: command /{c++} c > n && / IDLE$/{i++} END{print i+0}' "$FAKE_LOG")
	if [ "$idles" -ge 1 ] && [ "$cmds" -le 200 ]; then
		pass "$mode (sync --watch): IDLE, but no busy loop ($cmds commands, $idles IDLEs in 5 s)"
	else
		fail "$mode (sync --watch): IDLE, but no busy loop ($cmds commands, $idles IDLEs in 5 s)" "$(tail -n 20 "$FAKE_LOG")"
	fi
	r=$(store_is "$acct" 0)
	[ -z "$r" ] && pass "$mode (sync --watch): no phantom or duplicate message" ||
	    fail "$mode (sync --watch): no phantom or duplicate message" "$r"
	echo mailbox >"$MODE_FILE"
}
watch expunge-0
watch expunge-high

# A watch stopped while the server owes it a reply (stall-fetch: the
# header FETCH is never answered) ends cleanly: what the stop cut short
# is logged, and the exit status is 0.
new_config
account stall "imap://alice@localhost:$FAKE_PORT" "" "$PW" \
    "ca_file = $TERN_CA" "sync_days = 30"
echo stall-fetch >"$MODE_FILE"
"$TERN" -vvv sync --watch stall </dev/null >"$T_DIR/stall.out" 2>&1 &
wpid=$!
i=0
while ! grep -q 'imap C: [0-9]* UID FETCH' "$T_DIR/stall.out" && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
if ! stop_wait "$wpid" INT 15; then
	fail "stall-fetch (sync --watch): SIGINT during an unanswered FETCH stops it within 15 s"
else
	OUT=$(grep -v ' trace: ' "$T_DIR/stall.out")
	[ "$RC" = 0 ] && pass "stall-fetch (sync --watch): SIGINT during an unanswered FETCH ends it with status 0" ||
	    fail "stall-fetch (sync --watch): SIGINT during an unanswered FETCH ends it with status 0" "exit $RC:
$OUT"
fi
echo mailbox >"$MODE_FILE"

fake_stop
finish
