#!/bin/sh
# A server without UIDPLUS: the real Dovecot A behind tests/faultproxy.py
# --strip-uidplus (plaintext, tls = none on loopback), which removes
# UIDPLUS from every capability list, so tern takes its fallback paths.
# An APPEND to Sent (save_sent) or Drafts (a postponed draft's queued
# APPEND) leaves exactly one copy across any number of runs, also after
# an interrupted run whose copy did or did not land; an edited draft
# with the same Message-ID is still saved; and a delete (EXPUNGE without
# UID EXPUNGE) never removes another client's \Deleted message.
# Covers SECURITY.md #42.
. "$TERN_SRCDIR/tests/lib.sh"

TAG="nouidplus$$"
DOVE="doveadm -c $TERN_DOVECOT_CONF"

python3 "$SRCDIR/tests/faultproxy.py" --target-port "$TERN_IMAP_PORT" \
    --port-file "$T_DIR/proxy.port" --cuts 0 --strip-uidplus \
    </dev/null >"$T_DIR/proxy.out" 2>&1 &
PROXY_PID=$!
T_FAKE_PIDS="$PROXY_PID"
wait_port "$T_DIR/proxy.port"
PROXY_PORT=$PORT
if [ -z "$PROXY_PORT" ]; then
	fail "the proxy starts" "$(cat "$T_DIR/proxy.out")"
	finish
fi

new_config
account nou "imap://alice@localhost:$PROXY_PORT" \
    "smtps://alice@localhost:$TERN_SMTPS_PORT" \
    "password_command = printenv TERN_ALICE_PW" "ca_file = $TERN_CA" \
    "tls = none" "delete = expunge"

# copies DESC FOLDER MSGID WANT [EXTRA SEARCH]: FOLDER of alice on A holds
# WANT messages with that Message-ID (and matching EXTRA, e.g. body x).
copies() {
	_d=$1 _f=$2 _id=$3 _w=$4
	shift 4
	_n=$($DOVE search -u alice mailbox "$_f" header Message-ID "<$_id>" "$@" | wc -l)
	if [ "$_n" = "$_w" ]; then pass "$_d"
	else fail "$_d" "$_n copies in $_f, wanted $_w; tern said:
$OUT"; fi
}

# msg ID SUBJECT [BODY]: a message file with that Message-ID, on stdout.
msg() {
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <%s>\r\nFrom: Alice <alice@example.com>\r\nTo: carol@example.com\r\nSubject: %s\r\n\r\n%s\r\n' \
	    "$1" "$2" "${3:-body}"
}

run_tern check nou
expect "through the proxy tern sees a server without UIDPLUS" 0 \
    'capabilities: .* no-UIDPLUS' 'login: ok as alice'
run_tern sync nou
expect "tern sync through the proxy" 0

# ---- Sent: SECURITY.md #42 ----
id="$TAG.sent@example.com"
msg "$id" "$TAG sent" >"$T_DIR/sent.eml"
OUT=$("$TERN" send -a nou -t <"$T_DIR/sent.eml" 2>&1)
RC=$?
expect "tern send with save_sent and no UIDPLUS exits 0" 0
copies "SECURITY.md #42: one copy in Sent" Sent "$id" 1
run_tern send -a nou --flush
run_tern send -a nou --flush
copies "SECURITY.md #42: still one copy in Sent after two more runs" Sent "$id" 1

# An interrupted save: the server accepted the message, the APPEND to
# Sent was tried (saves 1); once its copy landed, once not.
OB="$XDG_DATA_HOME/tern/nou/outbox"
mkdir -p "$OB/cur" "$OB/state"
for case in landed lost; do
	oid="1700000000.000000.P1Q1.$case$$"
	msg "$TAG.$case@example.com" "$TAG saved $case" >"$OB/cur/$oid:2,"
	printf 'state sent\nattempts 1\nsaves 1\nqueued 1700000000\nnext 0\nreason \n' \
	    >"$OB/state/$oid"
	[ $case = landed ] && $DOVE save -u alice -m Sent <"$OB/cur/$oid:2,"
done
for run in 1 2 3; do
	run_tern send -a nou --flush
	[ $run = 1 ] && expect "SECURITY.md #42: an interrupted save to Sent is finished by the next run" 0
done
copies "SECURITY.md #42: the Sent copy that had landed is not appended again (3 runs)" \
    Sent "$TAG.landed@example.com" 1
copies "SECURITY.md #42: the Sent copy that had not is appended once (3 runs)" \
    Sent "$TAG.lost@example.com" 1
run_tern send -a nou --list
if [ "$RC" = 0 ] && [ -z "$OUT" ]; then pass "both leave the outbox"
else fail "both leave the outbox" "rc $RC: $OUT"; fi

# ---- Drafts: SECURITY.md #42 ----
# A postponed draft is a queued APPEND to Drafts (ui_compose_postpone):
# its file under the store and a pending row naming it and its
# Message-ID.  landed: an earlier run's APPEND reached the server but
# the run ended before the row left the queue; lost: it did not;
# edited: the server holds an older version with the same Message-ID
# (the re-postponed draft whose old copy's EXPUNGE is queued after it).
DR="$XDG_DATA_HOME/tern/nou/drafts"
mkdir -p "$DR"
for case in landed lost edited; do
	msg "$TAG.d$case@example.com" "$TAG draft $case" "draft version two" \
	    >"$DR/$case.eml"
done
$DOVE save -u alice -m Drafts <"$DR/landed.eml"
msg "$TAG.dedited@example.com" "$TAG draft edited" "draft version one" |
    $DOVE save -u alice -m Drafts
python3 - "$XDG_DATA_HOME/tern/nou/index.sqlite" "$DR" "$TAG" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
(fid,) = db.execute("SELECT id FROM folders WHERE name = 'Drafts'").fetchone()
for case in ('landed', 'lost', 'edited'):
    db.execute('INSERT INTO pending(folder_id, uid, uidvalidity, message_id, '
               'op, set_flags, file, failures, created) '
               'VALUES (?, 0, 0, ?, 5, 17, ?, 1, ?)',
               (fid, '<%s.d%s@example.com>' % (sys.argv[3], case),
                '%s/%s.eml' % (sys.argv[2], case), int(time.time())))
db.commit()
EOF
for run in 1 2 3; do
	run_tern sync nou
	[ $run = 1 ] && expect "SECURITY.md #42: the queued draft APPENDs go out" 0
done
copies "SECURITY.md #42: a draft whose APPEND had landed is not appended again (3 runs)" \
    Drafts "$TAG.dlanded@example.com" 1
copies "SECURITY.md #42: a draft whose APPEND had not is appended once (3 runs)" \
    Drafts "$TAG.dlost@example.com" 1
copies "SECURITY.md #42: an edited draft is saved although an older one has its Message-ID" \
    Drafts "$TAG.dedited@example.com" 1 body "version two"
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM pending").fetchone()[0])' \
    "$XDG_DATA_HOME/tern/nou/index.sqlite")
[ "$n" = 0 ] && pass "the draft APPENDs leave the queue" ||
    fail "the draft APPENDs leave the queue" "$n rows left"

# ---- EXPUNGE without UID EXPUNGE: SECURITY.md #42 ----
# Another client marked a message \Deleted and has not expunged it;
# tern deleting its own message (delete = expunge) must not take it.
msg "$TAG.other@example.com" "$TAG other" | $DOVE save -u alice -m INBOX
msg "$TAG.victim@example.com" "$TAG victim" | $DOVE save -u alice -m INBOX
$DOVE flags add -u alice '\Deleted' mailbox INBOX header Message-ID "<$TAG.other@example.com>"
run_tern sync nou
expect "tern syncs the two new messages" 0
run_tern mark -a nou --delete "subject:\"$TAG victim\""
expect "tern mark --delete queues the delete" 0 '1 message marked'
run_tern sync nou
expect "SECURITY.md #42: the delete goes out without UIDPLUS" 0
copies "SECURITY.md #42: tern's message is expunged" INBOX "$TAG.victim@example.com" 0
copies "SECURITY.md #42: another client's \\Deleted message is not expunged" \
    INBOX "$TAG.other@example.com" 1
copies "SECURITY.md #42: and it keeps its \\Deleted flag" \
    INBOX "$TAG.other@example.com" 1 deleted

kill "$PROXY_PID" 2>/dev/null
wait "$PROXY_PID" 2>/dev/null
finish
