#!/bin/sh
# The terminal UI end to end: the real binary inside tmux (send-keys to
# type, capture-pane to read the screen, pipe-pane to record every byte
# tern writes) against the harness's Dovecot, user dave.  The folder
# pane shows the accounts and counts; a folder and a message open with
# the text decoded; resizing to 60 columns and back redraws; a message
# delivered meanwhile appears; an unreachable account never blocks the
# others; quitting restores the terminal.
# Covers SECURITY.md #12, #13 (on screen), #14 and #15.
. "$TERN_SRCDIR/tests/lib.sh"

D="$SRCDIR/tests/data/tui"
CTL="python3 $SRCDIR/tests/imapctl.py --port $TERN_IMAPS_PORT --user dave --password-env TERN_DAVE_PW"
RAW="$T_DIR/raw.out"

trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

# The mailbox: a thread, a wide-character message, a hostile one, a folder.
$CTL create Lists >/dev/null 2>&1
$CTL empty INBOX
$CTL empty Lists
$CTL append-file INBOX "$D/greeting.eml" --days-ago 3
$CTL append-file INBOX "$D/reply.eml" --days-ago 2 --flags '\Seen'
$CTL append-file INBOX "$D/wide.eml" --days-ago 1
$CTL append-file INBOX "$D/hostile.eml" --days-ago 0.5
$CTL append Lists "list traffic"

printf '[general]\nlog_file = %s\nlayout = auto\n\n[keys.list]\nx = toggle-flag\n\n' "$T_DIR/tern.log" >"$CFG"
account d "imaps://dave@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_DAVE_PW"
# An account whose server is not there: it must never hold up account d.
account gone "imaps://dave@localhost:1" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_DAVE_PW"
# An account whose password is nowhere (keyring empty): the engine asks
# through the UI's prompt line.
account pw "imaps://dave@localhost:$TERN_IMAPS_PORT" "" "ca_file = $TERN_CA"

# A shell runs tern and then reports how the terminal was left.
tui_start 140 36 \
    "env TERM=xterm-256color '$TERN'; echo EXIT=\$?; stty -a | tr ' ' '\\n' | grep -Ex -- '-?(icanon|echo)' | tr '\\n' ' '; echo; sleep 30"
$TUI_TMUX pipe-pane -t "$TUI_SESSION" -o "cat >>'$RAW'"

tui_check "the folder pane shows account d" 10 "^d \("
tui_check "the folder pane shows account gone" 10 "^gone \("
tui_check "INBOX shows its unread count" 15 "INBOX +3│"

# The question for pw's password: asked on the prompt line, typed hidden.
tui_check "an account without a stored password is asked on the prompt line" 10 "^pw: password:"
tui_check "the question says whose password it is" 5 "password for pw"
tui_keys "$TERN_DAVE_PW"
if tui_screen | grep -q -- "$TERN_DAVE_PW"; then fail "the password is not shown while typed" "$(tui_screen | tail -3)"
else pass "the password is not shown while typed"; fi
if tui_screen | grep -q "^pw: password: \*\*\*\*"; then pass "stars stand for the typed characters"
else fail "stars stand for the typed characters" "$(tui_screen | tail -3)"; fi
tui_keys Enter
tui_check "with the password given, the account syncs" 15 "^pw \((online|idle)\)"
tui_check "the list shows the decoded subjects" 10 "Grüße aus München"
tui_check "wide characters are measured (日本語の件名)" 5 "日本語の件名 wide"
tui_check "the unreachable account is shown offline, not waited for" 10 "gone \((offline|error|connecting|reconnecting)"
if tui_screen | grep -q "Lists"; then pass "folders other than INBOX are listed"
else fail "folders other than INBOX are listed" "$(tui_screen)"; fi

# Open the greeting (newest first: hostile, wide, reply, greeting).
tui_keys G
tui_keys Enter
tui_check "opening a message shows its decoded text" 10 "viele Grüße aus München"
tui_check "the sender's name is RFC 2047-decoded in the pager" 5 "From: Zoë Ångström"
if tui_screen | grep -q "nested quote"; then pass "quoted text is shown"
else fail "quoted text is shown" "$(tui_screen)"; fi
tui_check "the status line counts one message fewer unread" 5 "2 unread"
tui_keys h
tui_check "h shows every header field" 5 "Message-I[Dd]: <greet-1@example.org>"
tui_keys h

# Resize to 60 columns: one pane at a time, everything still there.
$TUI_TMUX resize-window -t "$TUI_SESSION" -x 60 -y 30
sleep 0.5
s=$(tui_screen)
if printf '%s\n' "$s" | grep -q "^viele Grüße aus München" &&
    ! printf '%s\n' "$s" | grep -q "^ INBOX" &&
    printf '%s\n' "$s" | sed -n 29p | grep -q "d/INBOX"; then
	pass "at 60 columns the pager fills the screen and the status line moves up"
else fail "at 60 columns the pager fills the screen and the status line moves up" "$s"; fi
tui_keys q
tui_check "at 60 columns the list shows the messages" 5 "Grüße aus M"
$TUI_TMUX resize-window -t "$TUI_SESSION" -x 140 -y 36
sleep 0.5
tui_check "back at 140 columns the folder pane is back" 5 "INBOX"
if tui_screen | grep -q "Grüße aus München"; then pass "back at 140 columns the list is whole again"
else fail "back at 140 columns the list is whole again" "$(tui_screen)"; fi

# New mail meanwhile: IDLE brings it to the list within seconds.
$CTL append INBOX "delivered while watching"
tui_check "a message delivered to INBOX appears in the list" 5 "delivered while watching"

# A key bound in [keys.list] flags the message; the flag reaches the
# server (another client sees it) within seconds.
tui_keys : top Enter
tui_keys x
tui_check "a key from [keys.list] runs its action (x = toggle-flag)" 5 "│ N! .*delivered while watching"
i=0
until $CTL state | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if any("Flagged" in " ".join(m.get("flags", []) if isinstance(m, dict) else m)
                  for m in s.get("INBOX", {}).values()) else 1)' 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
done
if [ $i -le 50 ]; then pass "the flag set in the UI reaches the server"
else fail "the flag set in the UI reaches the server" "$($CTL state | head -40)"; fi

# Hostile text: shown as text, never as terminal commands.
tui_keys : top Enter
tui_keys j
tui_keys Enter
tui_check "the hostile message opens" 10 "reversed"
if tui_screen | grep -q "evil@x.example"; then pass "a display name holding an address shows the real address (#15)"
else fail "a display name holding an address shows the real address (#15)" "$(tui_screen)"; fi
if grep -aq "$(printf '\033]52;')" "$RAW" || grep -aq "$(printf '\033P')" "$RAW" ||
    grep -aq "$(printf '\302\233')" "$RAW" || grep -aq "pwned$(printf '\007')" "$RAW" ||
    grep -aq "$(printf '\342\200\256')" "$RAW"; then
	fail "no OSC 52, DCS, C1 or bidi byte from the message reaches the terminal (#12-14)" "$(od -c "$RAW" | grep -n ']   5   2' | head)"
else pass "no OSC 52, DCS, C1 or bidi byte from the message reaches the terminal (#12-14)"; fi
tui_keys q

# Help lists the bindings of the pane.
tui_keys '?'
tui_check "? lists the keys of the list pane" 5 "toggle-threads"
tui_keys q

# Quit: tern exits 0 and the terminal is back in cooked mode.
tui_keys q
tui_check "q in the list quits with status 0" 5 "EXIT=0"
tui_check "the terminal is restored (icanon, echo)" 5 "^icanon echo|^echo icanon"

echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
