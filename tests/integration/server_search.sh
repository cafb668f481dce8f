#!/bin/sh
# server: searches (tern(1), SEARCH QUERIES) against the harness's
# Dovecot B (user carol): words in bodies that are not cached are found
# by the server's UID SEARCH TEXT, in every synced folder, with UTF-8
# text; the answer is kept, so offline the last answer still matches;
# hostile text reaches the server as one string; and the terminal UI's
# limit (l) fills in the server's answer.
. "$TERN_SRCDIR/tests/lib.sh"

P=$TERN_IMAPS2_PORT
CTL="python3 $SRCDIR/tests/imapctl.py --port $P --user carol --password-env TERN_CAROL_PW"
trap tui_stop EXIT
trap 'exit 1' INT TERM HUP

$CTL create Projects >/dev/null 2>&1
$CTL empty Projects
$CTL empty INBOX
msg() {	# msg FILE SUBJECT MSGID BODY
	printf 'From: Dee <dee@example.com>\r\nTo: carol@example.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n' \
	    "$2" "$3" "$(date -R)" "$4" >"$1"
}
msg "$T_DIR/m1" "quarterly numbers" "ss1@x" "The zebracorn figures are in. Grüße aus Köln"
msg "$T_DIR/m2" "project plan" "ss2@x" "Milestones; zebracorn again"
msg "$T_DIR/m3" "lunch" "ss3@x" "Nothing to see here"
$CTL append-file INBOX "$T_DIR/m1"
$CTL append-file Projects "$T_DIR/m2"
$CTL append-file INBOX "$T_DIR/m3"

printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account s "imaps://carol@localhost:$P" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW"

run_tern sync s
expect "the account syncs (headers only, no body cached)" 0
run_tern search -a s body:zebracorn
[ -z "$OUT" ] && pass "the local index cannot find words of uncached bodies" ||
    fail "the local index cannot find words of uncached bodies" "$OUT"

run_tern search -a s server:zebracorn
expect "server:zebracorn succeeds" 0
n=$(printf '%s\n' "$OUT" | grep -c 'quarterly numbers\|project plan')
[ "$n" = 2 ] && ! printf '%s\n' "$OUT" | grep -q lunch &&
    pass "server: finds the body word in INBOX and in Projects, nothing else" ||
    fail "server: finds the body word in INBOX and in Projects, nothing else" "$OUT"
run_tern search -a s server:zebracorn folder:Projects
[ "$(printf '%s\n' "$OUT" | grep -c .)" = 1 ] && printf '%s\n' "$OUT" | grep -q 'project plan' &&
    pass "server: combines with the other terms" ||
    fail "server: combines with the other terms" "$OUT"
run_tern search -a s 'server:Grüße'
[ "$(printf '%s\n' "$OUT" | grep -c .)" = 1 ] && printf '%s\n' "$OUT" | grep -q 'quarterly numbers' &&
    pass "server: sends UTF-8 text (CHARSET UTF-8)" ||
    fail "server: sends UTF-8 text (CHARSET UTF-8)" "$OUT"
run_tern search -a s 'server:"a\"b\\c) {5}"'
expect "server: with quotes, a backslash and a literal marker is one string" 0
[ -z "$OUT" ] && pass "... and finds nothing" || fail "... and finds nothing" "$OUT"

# The other device adds a matching message: the next server: search has it.
msg "$T_DIR/m4" "late arrival" "ss4@x" "zebracorn, third time"
$CTL append-file INBOX "$T_DIR/m4"
run_tern sync s
run_tern search -a s server:zebracorn
[ "$(printf '%s\n' "$OUT" | grep -Ec 'quarterly numbers|project plan|late arrival')" = 3 ] &&
    pass "each server: search asks the server again (a new match appears)" ||
    fail "each server: search asks the server again (a new match appears)" "$OUT"

# Offline: the same store, the server unreachable.
printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account s "imaps://carol@localhost:1" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW"
run_tern search -a s server:zebracorn
expect "offline, server: exits 1 and says the answer is the last one" 1 \
    "s: server: .*last time"
[ "$(printf '%s\n' "$OUT" | grep -Ec 'quarterly numbers|project plan|late arrival')" = 3 ] &&
    pass "offline, server: matches the server's last answer" ||
    fail "offline, server: matches the server's last answer" "$OUT"

# The terminal UI: l with a server: query fills in the server's answer.
printf '[general]\nlog_file = %s\n\n' "$T_DIR/tern.log" >"$CFG"
account s "imaps://carol@localhost:$P" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_CAROL_PW"
tui_start 140 30 "env TERM=xterm-256color '$TERN'; sleep 30"
tui_check "the UI shows INBOX" 15 "late arrival"
sleep 1
tui_keys S
tui_keys 'server:Köln' Enter
tui_check "S server:Köln lists the server's match from every folder of the account" 10 "quarterly numbers" "$T_DIR/tern.log"
tui_check "the status line counts the server's answer" 10 "server search: [0-9]+ found" "$T_DIR/tern.log"
tui_screen | grep -q "lunch" && fail "only the matches are listed" "$(tui_screen)" ||
    pass "only the matches are listed"
tui_keys q
finish
