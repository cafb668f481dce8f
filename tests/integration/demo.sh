#!/bin/sh
# tern --demo, as the README's first command runs it: no configuration,
# no network, an empty HOME.  The built-in mailbox opens in the UI
# (threads, an RFC 2047 sender, an HTML-only mail rendered as text, an
# attachment in the parts list, a Maildir++ folder), a flag change and
# a threaded view work offline, and quitting removes the temporary tree.
# Also: tern without a terminal says it needs one (exit 2).
. "$TERN_SRCDIR/tests/lib.sh"

DTMP="$T_DIR/tmp"
mkdir -p "$DTMP"
rm -f "$CFG"
trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

# A mailcap whose viewer copies what it is given: v must hand it the
# decoded part in a private temporary file, as one argument, no shell.
printf 'text/plain; cp %%s %s/viewed.txt\n' "$T_DIR" >"$T_DIR/mailcap"

# Run from the source tree, as the README does (the themes are there).
tui_start 150 40 \
    "cd '$SRCDIR' && env TMPDIR='$DTMP' MAILCAPS='$T_DIR/mailcap' TERM=xterm-256color '$TERN' --demo; echo EXIT=\$?; sleep 30"

tui_check "the demo account opens without a configuration" 10 "^demo \\(local\\)"
tui_check "its INBOX lists the sample mail" 5 "Welcome to tern"
tui_check "a Japanese subject is decoded" 5 "会議の議事録"
tui_check "a Maildir++ subfolder is listed" 5 "tern-dev"
if ls "$DTMP" | grep -q '^tern-demo-'; then pass "the demo mailbox lives in a temporary directory"
else fail "the demo mailbox lives in a temporary directory" "$(ls -la "$DTMP")"; fi

# The HTML-only digest is shown as text, links kept.
tui_keys /
tui_keys Photos
tui_check "/ moves the selection as you type" 5 " 5/12 "
tui_keys Enter
tui_keys l
tui_keys "subject:digest" Enter
tui_check "l limits the list to a search query" 5 "filter: subject:digest"
tui_keys Enter
tui_check "an HTML-only mail is rendered as text" 5 "HTML-only message: tern shows it as text"
tui_keys U
tui_check "U lists the message's URLs" 5 "1 +https://example.com/1"
tui_keys Escape
if tui_screen | grep -q "<p>\|<ul>"; then fail "no HTML tags reach the screen" "$(tui_screen)"
else pass "no HTML tags reach the screen"; fi
tui_keys q
tui_keys l
tui_keys Enter
tui_check "an empty filter shows every message again" 5 "Welcome to tern"
tui_keys M
tui_keys Arc Tab
tui_check "Tab completes a folder name in the move prompt" 5 "^move: Archive"
tui_keys Escape
tui_keys S
tui_keys "tern-dev" Enter
tui_check "S lists matches from every folder of the account" 5 "Maildir\\+\\+ folder names"
tui_keys J K

# The message with attachments: the parts list shows them.
tui_keys l
tui_keys "subject:photos" Enter
tui_keys Enter
tui_check "the parts list names the attachment" 5 "image/png +sky.png"
mkdir -p "$T_DIR/saved"
tui_keys s
tui_keys "2 $T_DIR/saved" Enter
tui_check "s saves a part and says where" 5 "saved .*sky.png"
if [ -f "$T_DIR/saved/sky.png" ] && [ "$(head -c 4 "$T_DIR/saved/sky.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then
	pass "the saved part is the decoded attachment"
else fail "the saved part is the decoded attachment" "$(ls -la "$T_DIR/saved")"; fi
tui_keys s
tui_keys "2 $T_DIR/saved" Enter
if [ -f "$T_DIR/saved/sky-1.png" ] && [ -f "$T_DIR/saved/sky.png" ]; then
	pass "saving again never overwrites (sky-1.png)"
else fail "saving again never overwrites (sky-1.png)" "$(ls -la "$T_DIR/saved")"; fi
tui_keys v
tui_keys 3 Enter
sleep 0.5
if grep -q . "$T_DIR/viewed.txt" 2>/dev/null && ! grep -q "Content-" "$T_DIR/viewed.txt"; then
	pass "v runs the mailcap viewer on the decoded part"
else fail "v runs the mailcap viewer on the decoded part" "$(ls -la "$T_DIR"; cat "$T_DIR/viewed.txt" 2>&1; tui_screen | tail -3)"; fi
if ls "$DTMP" | grep -q "^tern-view"; then fail "the viewer's temporary file is removed afterwards" "$(ls -la "$DTMP")"
else pass "the viewer's temporary file is removed afterwards"; fi
tui_keys q
tui_keys l
tui_keys Enter

# Tags are a query term; cached bodies are searched (the UI indexes a
# local account's bodies while it is idle).
tui_keys : top Enter t t
tui_keys l
tui_keys "is:tagged" Enter
tui_check "is:tagged lists the tagged messages" 5 " 1/2 "
tui_keys l
tui_keys Enter
tui_keys C-t Enter
sleep 2
tui_keys l
tui_keys "body:packing" Enter
tui_check "body: finds words in cached bodies" 5 "Photos from the trip"
tui_keys l
tui_keys Enter

# Flag a message offline: the list shows it at once.
tui_keys : top Enter
tui_keys F
tui_check "F flags the selected message at once" 5 "│ [N ]! "
tui_keys V
tui_check "V shows the threads" 5 "threads"
tui_check "replies are drawn under their thread" 5 "└─>"

tui_keys Q
tui_check "Q quits the demo with status 0" 5 "EXIT=0"
if ls "$DTMP" | grep -q '^tern-demo-'; then fail "quitting removes the demo's temporary tree" "$(ls -la "$DTMP")"
else pass "quitting removes the demo's temporary tree"; fi

# Colours: the default theme uses them; NO_COLOR leaves attributes only.
colours() { $TUI_TMUX capture-pane -e -p -t "$TUI_SESSION" 2>/dev/null | grep -Eqa "$(printf '\033')\\[([34][0-7]|[34]8;5;[0-9]+)(;[0-9;]*)?m"; }
tui_start 150 40 \
    "cd '$SRCDIR' && env TMPDIR='$DTMP' TERM=xterm-256color '$TERN' --demo; sleep 30"
tui_wait 10 "Welcome to tern"
sleep 0.5	# the frame after the first one (the whole list) too
if colours; then pass "the default theme draws in colour"
else fail "the default theme draws in colour" "$($TUI_TMUX capture-pane -e -p -t "$TUI_SESSION" | od -c | head -20)"; fi
tui_keys Q
tui_start 150 40 \
    "cd '$SRCDIR' && env TMPDIR='$DTMP' NO_COLOR=1 TERM=xterm-256color '$TERN' --demo; sleep 30"
tui_wait 10 "Welcome to tern"
sleep 0.5	# the frame after the first one (the whole list) too
if colours; then fail "NO_COLOR: no colour, attributes only" "$($TUI_TMUX capture-pane -e -p -t "$TUI_SESSION" | head -5 | od -c | head -20)"
elif $TUI_TMUX capture-pane -e -p -t "$TUI_SESSION" | grep -qa "$(printf '\033')\\[7m\|$(printf '\033')\\[[0-9;]*;7m"; then pass "NO_COLOR: no colour, attributes only (the selection is reverse)"
else fail "NO_COLOR: no colour, attributes only (the selection is reverse)" "$($TUI_TMUX capture-pane -e -p -t "$TUI_SESSION" | head -3 | od -c | head)"; fi
tui_keys Q

# A type = maildir account from the command line: no password asked,
# check reads the tree, sync indexes it, search finds it.
MD="$T_DIR/Maildir"
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp" "$MD/.Lists.x/cur" "$MD/.Lists.x/new" "$MD/.Lists.x/tmp"
printf 'From: Local <l@x>\nSubject: delivered by procmail\nMessage-ID: <l1@x>\n\nhi\n' >"$MD/new/1.1.host"
printf '[account local]\nfrom = Me <me@x>\ntype = maildir\npath = %s\n' "$MD" >"$T_DIR/local.conf"
run_tern -c "$T_DIR/local.conf" check
expect "tern check on a maildir account reads the tree, asks nothing" 0 "maildir .*readable"
run_tern -c "$T_DIR/local.conf" sync
expect "tern sync indexes a maildir account without a password" 0
run_tern -c "$T_DIR/local.conf" search 'subject:procmail'
expect "tern search finds the local message" 0 "delivered by procmail"

# The mouse (mouse = yes): a click selects the row under it, the wheel
# scrolls.  tmux passes the terminal's SGR mouse reports through.
for i in 2 3 4 5; do
	printf 'From: M <m@x>\nSubject: mouse %s\nMessage-ID: <m%s@x>\n\nhi\n' $i $i >"$MD/cur/$i.1.host:2,S"
done
printf 'mouse = yes\n' | cat - "$T_DIR/local.conf" >"$T_DIR/mouse.conf"
sed -i '1i [general]' "$T_DIR/mouse.conf"
tui_start 130 20 "env TERM=xterm-256color '$TERN' -c '$T_DIR/mouse.conf'; sleep 30"
tui_wait 10 "mouse 5"
$TUI_TMUX send-keys -t "$TUI_SESSION" -l "$(printf '\033[<0;41;3M\033[<0;41;3m')"
tui_check "a mouse click selects the row under it" 5 " 3/5 "
$TUI_TMUX send-keys -t "$TUI_SESSION" -l "$(printf '\033[<65;41;3M')"
tui_check "the mouse wheel scrolls" 5 " 5/5 "
tui_keys Q

# Without a terminal the UI refuses clearly.
OUT=$("$TERN" -c /dev/null </dev/null 2>&1)
RC=$?
expect "tern without a terminal says it needs one" 2 "needs a terminal"

echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
