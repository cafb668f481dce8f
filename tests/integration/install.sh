#!/bin/sh
# make install / make uninstall honour PREFIX and DESTDIR: the binary,
# both man pages and the themes land under DESTDIR/PREFIX, the man pages
# render, and uninstall removes all of it.
. "$TERN_SRCDIR/tests/lib.sh"

dest="$T_DIR/dest"
if make -s -C "$SRCDIR" install DESTDIR="$dest" PREFIX=/opt/tern >"$T_DIR/install.log" 2>&1; then
	pass "make install with DESTDIR and PREFIX succeeds"
else
	fail "make install with DESTDIR and PREFIX succeeds" "$(cat "$T_DIR/install.log")"
fi
missing=""
for f in bin/tern share/man/man1/tern.1 share/man/man5/tern.conf.5 share/tern/themes/default; do
	[ -f "$dest/opt/tern/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && pass "binary, man pages and themes are installed under DESTDIR/PREFIX" ||
    fail "binary, man pages and themes are installed under DESTDIR/PREFIX" "missing:$missing"
RC=0
OUT=$("$dest/opt/tern/bin/tern" --version 2>&1) || RC=$?
expect "the installed binary runs" 0 '^tern [0-9]+\.[0-9]+'
if mandoc -Tlint -Wwarning "$dest/opt/tern/share/man/man1/tern.1" "$dest/opt/tern/share/man/man5/tern.conf.5" >"$T_DIR/lint" 2>&1; then
	pass "the installed man pages are free of mandoc warnings"
else
	fail "the installed man pages are free of mandoc warnings" "$(cat "$T_DIR/lint")"
fi
make -s -C "$SRCDIR" uninstall DESTDIR="$dest" PREFIX=/opt/tern >/dev/null 2>&1
left=$(find "$dest" -type f)
[ -z "$left" ] && pass "make uninstall removes every installed file" ||
    fail "make uninstall removes every installed file" "$left"

finish
