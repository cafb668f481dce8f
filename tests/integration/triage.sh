#!/bin/sh
# Keyboard triage in the terminal UI against the harness's Dovecot
# (user dave), with imapctl.py as the second device: tagging, ';' on the
# tagged, delete to Trash, archive, undo; each change shows at once and
# reaches the server, and undo restores the server's state.  The other
# device's flag change and expunge show in tern within 2 seconds.
. "$TERN_SRCDIR/tests/lib.sh"

CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user dave --password-env TERN_DAVE_PW"
trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

for f in Trash Archive; do $CTL create "$f" >/dev/null 2>&1; $CTL empty "$f"; done
$CTL empty INBOX
for i in 1 2 3 4 5; do $CTL append INBOX "triage $i" --days-ago "$((6 - i))" --msgid "tri$i@x"; done

printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account d "imaps://dave@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_DAVE_PW"

# server_check DESC FOLDER MSGID [FLAG|!FLAG|gone]: the second device
# sees it within 10 s.
server_check() {
	if $CTL wait "$2" "$3" ${4:+"$4"} --timeout 10; then pass "$1"
	else fail "$1" "$($CTL state | head -60)"; fi
}

tui_start 140 30 "env TERM=xterm-256color '$TERN'; sleep 30"
tui_check "the list shows the five messages" 15 "triage 1"
sleep 1		# the first pass ends; IDLE starts

# Newest first: triage 5, 4, 3, 2, 1.  Tag 5 and 4, then ';' N (read).
tui_keys : top Enter t t
tui_check "t tags (a * before the flags)" 5 "│\\*N .*triage 5"
tui_keys '\;' N
tui_check "; N marks the tagged read at once" 5 "│\\*  .*triage 4"
server_check "the batch reaches the server: triage 5 is \\Seen" INBOX tri5@x '\Seen'
server_check "the batch reaches the server: triage 4 is \\Seen" INBOX tri4@x '\Seen'
tui_keys u
tui_check "u undoes the batch on screen" 5 "│\\*N .*triage 4"
server_check "undo reaches the server: triage 4 is unread again" INBOX tri4@x '!\Seen'
server_check "undo reaches the server: triage 5 is unread again" INBOX tri5@x '!\Seen'
tui_keys C-t Enter

# Delete (to Trash), then undo: back in INBOX on the server.
tui_keys : top Enter j j		# triage 3
tui_keys d
if tui_wait 3 "triage 3"; then fail "d takes the message out of the list at once" "$(tui_screen)"
else pass "d takes the message out of the list at once"; fi
server_check "the delete reaches the server: triage 3 is in Trash" Trash tri3@x
sleep 1
tui_keys u
if ! tui_wait 2 "undone \\("; then sleep 2; tui_keys u; fi
server_check "undo moves it back to INBOX on the server" INBOX tri3@x
server_check "and out of Trash" Trash tri3@x gone
tui_check "and it is back in the list" 10 "triage 3"

# Archive.
tui_keys : top Enter
tui_keys a
server_check "a archives to the Archive folder on the server" Archive tri5@x
# Another device deletes Archive; the next archive creates it again
# (the server answers the move with NO [TRYCREATE]).
$CTL delete Archive
tui_keys : top Enter
tui_keys a
server_check "a move to a folder deleted elsewhere creates it (TRYCREATE)" Archive tri4@x

# The other device: a flag and an expunge show within 2 seconds.
uid=$($CTL uids INBOX | head -n 1)
$CTL flag INBOX "$uid" '+\Flagged'
tui_check "another device's flag shows within 2 s" 2 "│ ?N?! .*triage 1|│ +! .*triage 1"
uid=$($CTL uids INBOX | sed -n 2p)
$CTL expunge INBOX "$uid"
i=0
while tui_screen | grep -q "triage 2" && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
if [ $i -lt 20 ]; then pass "another device's expunge shows within 2 s"
else fail "another device's expunge shows within 2 s" "$(tui_screen)"; fi

tui_keys Q
echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
