#!/bin/sh
# The unified INBOX (unified_inbox = yes) in the terminal UI, with two
# accounts on two servers: "work" (dave on Dovecot A) and "home" (alice
# on Dovecot B), and imapctl.py as each account's second device.  Both
# INBOXes show in one list, newest first, each line marked with its
# account; a key on a message acts on that message's account and
# server; after ';' tagged messages of both accounts are deleted or
# archived each into its own account's folder, and one undo takes the
# batch back on both servers; a delivery and another device's flag
# change on either server show within 2 seconds.
. "$TERN_SRCDIR/tests/lib.sh"

CTLW="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user dave --password-env TERN_DAVE_PW"
CTLH="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS2_PORT --user alice --password-env TERN_ALICE_PW"
trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

for c in "$CTLW" "$CTLH"; do
	for f in Trash Archive; do $c create "$f" >/dev/null 2>&1; $c empty "$f"; done
	$c empty INBOX
done
# Newest first across both: uni h2, uni w2, uni h1, uni w1.
$CTLW append INBOX "uni w1" --days-ago 4 --msgid "uw1@x"
$CTLH append INBOX "uni h1" --days-ago 3 --msgid "uh1@x"
$CTLW append INBOX "uni w2" --days-ago 2 --msgid "uw2@x"
$CTLH append INBOX "uni h2" --days-ago 1 --msgid "uh2@x"

printf '[general]\nlog_file = %s\nunified_inbox = yes\n\n' "$T_DIR/tern.log" >"$CFG"
account work "imaps://dave@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_DAVE_PW"
account home "imaps://alice@localhost:$TERN_IMAPS2_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_ALICE_PW"

# check CTL DESC FOLDER MSGID [FLAG|!FLAG|gone]: that account's second
# device sees it within 10 s.
check() {
	_c=$1
	shift
	if $_c wait "$2" "$3" ${4:+"$4"} --timeout 10; then pass "$1"
	else fail "$1" "$($_c state | head -60)"; fi
}

# row PATTERN: the screen line number of the first line matching.
row() { tui_screen | grep -nE -- "$1" | head -n 1 | cut -d: -f1; }

tui_start 140 30 "env TERM=xterm-256color '$TERN'; sleep 30"
tui_check "the folder pane has All inboxes" 15 "All inboxes"
tui_check "the unified list shows home's INBOX" 15 "uni h2"
tui_check "... and work's INBOX in the same list" 15 "uni w1"
sleep 1		# the first passes end; IDLE starts
h2=$(row "uni h2") w2=$(row "uni w2") h1=$(row "uni h1") w1=$(row "uni w1")
if [ -n "$h2" ] && [ "$h2" -lt "$w2" ] && [ "$w2" -lt "$h1" ] &&
    [ "$h1" -lt "$w1" ]; then
	pass "the two accounts' messages are merged newest first"
else
	fail "the two accounts' messages are merged newest first" "$(tui_screen)"
fi
tui_check "each line is marked with its account (home)" 2 "home +Bob Example +uni h2"
tui_check "each line is marked with its account (work)" 2 "work +Bob Example +uni w1"
tui_check "the status line names the unified INBOX" 2 "All inboxes +[1-4]/4 +4 unread"

# One key on one message: its own account's server.
tui_keys : top Enter N
check "$CTLH" "N on a home message marks it read on home's server" INBOX uh2@x '\Seen'
tui_keys j F
check "$CTLW" "F on a work message flags it on work's server" INBOX uw2@x '\Flagged'
if $CTLH wait INBOX uh2@x '\Flagged' --timeout 1 >/dev/null 2>&1; then
	fail "... and not the other account's message at that row id"
else
	pass "... and not the other account's message at that row id"
fi

# The pager shows the right account's message.
tui_keys : top Enter j j Enter
tui_check "Enter opens the selected message (home's uni h1)" 5 "Subject: uni h1"
check "$CTLH" "reading it marks it read on home's server" INBOX uh1@x '\Seen'
tui_keys q

# ';' on tags of both accounts: each into its own Trash, one undo.
tui_keys : top Enter j j t t		# uni h1 and uni w1
tui_check "t tags messages of both accounts" 3 "2 tagged"
tui_keys '\;' d
check "$CTLH" "; d moves home's tagged message to home's Trash" Trash uh1@x
check "$CTLW" "; d moves work's tagged message to work's Trash" Trash uw1@x
if tui_wait 2 "uni h1|uni w1"; then
	fail "both leave the unified list at once" "$(tui_screen)"
else
	pass "both leave the unified list at once"
fi
sleep 1
tui_keys u
if ! tui_wait 2 "undone \\("; then sleep 2; tui_keys u; fi
check "$CTLH" "one u brings home's back to home's INBOX" INBOX uh1@x
check "$CTLW" "... and work's back to work's INBOX" INBOX uw1@x
check "$CTLW" "... and out of work's Trash" Trash uw1@x gone
tui_check "both are back in the unified list" 10 "uni w1"

# ';' a: each into its own account's Archive.
tui_keys C-t Enter
tui_keys : top Enter t t		# uni h2 and uni w2
tui_keys '\;' a
check "$CTLH" "; a archives home's message in home's Archive" Archive uh2@x
check "$CTLW" "; a archives work's message in work's Archive" Archive uw2@x

# The other devices: a delivery and a flag show within 2 seconds.
$CTLH append INBOX "uni h3" --msgid "uh3@x"
tui_check "a message delivered to home's INBOX shows within 2 s" 2 "home +Bob Example +uni h3"
uid=$($CTLW uids INBOX | head -n 1)
$CTLW flag INBOX "$uid" '+\Flagged'
tui_check "another device's flag on work shows within 2 s" 2 "│ ?N?! .*work .*uni w1|│ +! .*work .*uni w1"

# Limit, search and threads work on the merged list.
tui_keys l 'subject:"uni h"' Enter
sleep 1
if tui_wait 3 "uni h3" && ! tui_screen | grep -q "uni w1"; then
	pass "l limits the unified list across accounts"
else
	fail "l limits the unified list across accounts" "$(tui_screen)"
fi
tui_keys l Enter
tui_check "an empty limit shows both accounts again" 3 "uni w1"
tui_keys : top Enter / 'uni w1' Enter
# Left: uni h3, uni h1, uni w1 (newest first): / selects the third.
tui_check "/ selects a message of the other account" 3 "All inboxes +3/3"
tui_keys V
tui_check "V shows the unified list threaded" 3 "threads"
tui_check "... with both accounts' messages" 3 "uni h3"

# Leaving for one account's folder and back.
tui_keys : 'folder INBOX' Enter
sleep 1
s=$(tui_screen)
if printf '%s' "$s" | grep -q "uni h" && printf '%s' "$s" | grep -q "uni w" ||
    printf '%s' "$s" | grep -Eq "(home|work) +Bob Example"; then
	fail ":folder INBOX opens the current account's INBOX alone" "$s"
else
	pass ":folder INBOX opens the current account's INBOX alone"
fi
tui_keys : 'folder All inboxes' Enter
tui_check ":folder All inboxes opens the unified INBOX again" 3 "work +Bob Example +uni w1"

tui_keys Q
echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
