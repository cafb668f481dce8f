#!/bin/sh
# tern show prints a message file as the pager shows it, without a
# configuration file and without a server: headers decoded, the
# readable body, the parts list, and no byte of a hostile message
# reaching the terminal as a control sequence (SECURITY.md #12-#16).
. "$TERN_SRCDIR/tests/lib.sh"

MAIL="$SRCDIR/tests/data/mail"
export TZ=UTC
esc=$(printf '\033')

# No configuration file exists in this script's private XDG tree.
[ ! -e "$CFG" ] && pass "no configuration file is present" ||
    fail "no configuration file is present"

run_tern show "$MAIL/mixed.eml"
expect "show: headers decoded, body, quotes, signature, parts" 0 \
    '^From: "bank@example.com" <x@evil.example>$' \
    '^\[warning: the sender.s name contains an address' \
    '^Date: Sat, 28 Nov 2026 10:55$' '^Subject: Grüße$' \
    '^Hello Bob,$' '^        café https://example.com/a\?b=c\.$' \
    '^> > deeper$' '^-- $' '^\[3\] application/pdf  réport\.pdf  9 B$'
printf '%s\n' "$OUT" | grep -q '<p>' &&
    fail "multipart/alternative shows text/plain, not the HTML" "$OUT" ||
    pass "multipart/alternative shows text/plain, not the HTML"

run_tern show "$MAIL/html.eml"
expect "show: an HTML-only message is converted, with a note" 0 \
    '^\[html (rendered by|shown as text by)' '^Café & croissant € 3$' \
    'Buy now <https://shop.example/deal\?id=1&x=2>'
printf '%s\n' "$OUT" | grep -q "alert" &&
    fail "scripts in HTML are not shown" "$OUT" || pass "scripts in HTML are not shown"

# With w3m in PATH, HTML goes through it (a stand-in here) and says so.
mkdir -p "$T_DIR/bin"
printf '#!/bin/sh\ncat >/dev/null\necho "converted by w3m"\n' >"$T_DIR/bin/w3m"
chmod 755 "$T_DIR/bin/w3m"
OUT=$(PATH="$T_DIR/bin:$PATH" "$TERN" show "$MAIL/html.eml" 2>&1)
RC=$?
expect "show: HTML goes through w3m when it is installed" 0 \
    '^\[html rendered by w3m\]$' '^converted by w3m$'

run_tern show "$MAIL/forwarded.eml"
expect "show: an attached message is shown with its headers" 0 \
    '^\[-- attached message --\]$' '^From: Carol <carol@example.com>$' \
    '^Subject: Quartalsbericht für Q1$' '^Er ist fertig\. Grüße$' \
    '^\[5\] application/pdf  report\.pdf'

"$TERN" show "$MAIL/hostile.eml" >"$T_DIR/hostile.out" 2>&1
RC=$?
OUT=$(cat "$T_DIR/hostile.out")
expect "show: a hostile message exits 0" 0 '^Body '
if grep -q "$esc" "$T_DIR/hostile.out"; then
	fail "show: no ESC byte from a hostile message" "$(od -c "$T_DIR/hostile.out" | head -n 20)"
else
	pass "show: no ESC byte from a hostile message"
fi
has_control "$OUT" && fail "show: no control character at all from a hostile message" "$OUT" ||
    pass "show: no control character at all from a hostile message"

"$TERN" show --raw "$MAIL/hostile.eml" >"$T_DIR/raw.out" 2>&1
RC=$?
OUT=$(cat "$T_DIR/raw.out")
expect "show --raw prints the source" 0 '^MIME-Version: 1\.0$' '^--b--$'
if grep -q "$esc" "$T_DIR/raw.out" || has_control "$OUT"; then
	fail "show --raw: no control character from a hostile message" "$OUT"
else
	pass "show --raw: no control character from a hostile message"
fi

"$TERN" show --headers "$MAIL/hostile.eml" >"$T_DIR/hdr.out" 2>&1
RC=$?
OUT=$(cat "$T_DIR/hdr.out")
expect "show --headers prints every field" 0 '^MIME-Version: 1\.0$' \
    '^Content-Type: multipart/mixed; boundary="b"$'
grep -q "$esc" "$T_DIR/hdr.out" && fail "show --headers: no ESC byte" ||
    pass "show --headers: no ESC byte"

OUT=$("$TERN" show - <"$MAIL/mixed.eml" 2>&1)
RC=$?
expect "show - reads standard input" 0 '^Subject: Grüße$'

run_tern -c "$T_DIR/no-such-config" show "$MAIL/mixed.eml"
expect "show ignores a missing configuration file" 0 '^Subject: Grüße$'

run_tern show "$T_DIR/does-not-exist.eml"
expect "show: an unreadable file exits 1 with the reason" 1 \
    "^tern: .*does-not-exist\.eml: No such file or directory$"

run_tern show "$T_DIR"
expect "show: a directory exits 1" 1 '^tern: .*: Is a directory$'

run_tern show
expect "show without a file is a usage error" 2 '^tern: usage: tern show'

run_tern show --bogus "$MAIL/mixed.eml"
expect "show with an unknown option is a usage error" 2 "unknown option"

finish
