/*
 * check_keyname.c - unit tests for keyname.c: every accepted key name
 * gives its code and round-trips through keyname_format(), and every
 * malformed name is refused.  Single-threaded test binary.
 */
#include <check.h>
#include <string.h>

#include "core.h"

Suite	*suite(void);

static const struct {
	const char	*name;
	int		 key;
	const char	*canon;		/* what keyname_format() gives */
} good[] = {
	{ "j", 'j', "j" },
	{ "G", 'G', "G" },
	{ "?", '?', "?" },
	{ "#", '#', "#" },
	{ "=", '=', "=" },
	{ "<", '<', "<" },
	{ ">", '>', ">" },
	{ "^", '^', "^" },
	{ "~", '~', "~" },
	{ "\xc3\xa9", 0xE9, "\xc3\xa9" },		/* é */
	{ "\xe6\x97\xa5", 0x65E5, "\xe6\x97\xa5" },	/* 日 */
	{ "\xf0\x9f\x93\xa7", 0x1F4E7, "\xf0\x9f\x93\xa7" }, /* 📧 */
	{ "C-a", 1, "C-a" },
	{ "C-x", 24, "C-x" },
	{ "C-X", 24, "C-x" },
	{ "^X", 24, "C-x" },
	{ "^x", 24, "C-x" },
	{ "C-z", 26, "C-z" },
	{ "C-i", TKEY_TAB, "<Tab>" },
	{ "C-m", TKEY_ENTER, "<Enter>" },
	{ "C-j", TKEY_ENTER, "<Enter>" },
	{ "C-h", TKEY_BACKSPACE, "<Backspace>" },
	{ "C-[", TKEY_ESC, "<Esc>" },
	{ "^]", 29, "C-]" },
	{ "<Up>", TKEY_UP, "<Up>" },
	{ "<up>", TKEY_UP, "<Up>" },
	{ "<DOWN>", TKEY_DOWN, "<Down>" },
	{ "<Left>", TKEY_LEFT, "<Left>" },
	{ "<Right>", TKEY_RIGHT, "<Right>" },
	{ "<PgUp>", TKEY_PGUP, "<PgUp>" },
	{ "<pgdn>", TKEY_PGDN, "<PgDn>" },
	{ "<Home>", TKEY_HOME, "<Home>" },
	{ "<End>", TKEY_END, "<End>" },
	{ "<Enter>", TKEY_ENTER, "<Enter>" },
	{ "<Tab>", TKEY_TAB, "<Tab>" },
	{ "<BTab>", TKEY_BTAB, "<BTab>" },
	{ "<Backspace>", TKEY_BACKSPACE, "<Backspace>" },
	{ "<Del>", TKEY_DELETE, "<Del>" },
	{ "<Insert>", TKEY_INSERT, "<Insert>" },
	{ "<Esc>", TKEY_ESC, "<Esc>" },
	{ "<Space>", TKEY_SPACE, "<Space>" },
	{ "<F1>", TKEY_F1, "<F1>" },
	{ "<f9>", TKEY_F1 + 8, "<F9>" },
	{ "<F10>", TKEY_F1 + 9, "<F10>" },
	{ "<F12>", TKEY_F1 + 11, "<F12>" },
};

static const char *const bad[] = {
	"", " ", "\t", "jj", "C-", "C-ab", "C-1", "C-@", "^1", "^@x",
	"<>", "<Up", "Up>", "<Foo>", "<F0>", "<F13>", "<F01>", "<F1x>",
	"<Resize>", "<Mouse>", "<Space >", "\x01", "\x7f", "\xc2\x85",
	"\xe2\x80\xae", "\xef\xbb\xbf", "\xc2\xad", "\xff", "\xc3",
	"\xed\xa0\x80", "ab", "<PageUp>",
};

START_TEST(test_good)
{
	char	 buf[32];
	int	 key = -1, again = -1;

	ck_assert_msg(keyname_parse(good[_i].name, &key) == 0, "\"%s\" refused",
	    good[_i].name);
	ck_assert_msg(key == good[_i].key, "\"%s\": %#x, not %#x",
	    good[_i].name, key, good[_i].key);
	ck_assert_str_eq(keyname_format(key, buf, sizeof buf), good[_i].canon);
	/* parse -> format -> parse gives the same key. */
	ck_assert_int_eq(keyname_parse(buf, &again), 0);
	ck_assert_int_eq(again, key);
}
END_TEST

START_TEST(test_bad)
{
	int	 key = 12345;

	ck_assert_msg(keyname_parse(bad[_i], &key) == -1, "\"%s\" accepted",
	    bad[_i]);
	ck_assert_int_eq(key, 12345);
}
END_TEST

START_TEST(test_format)
{
	char	 buf[32];
	int	 key;

	ck_assert_str_eq(keyname_format(' ', buf, sizeof buf), "<Space>");
	ck_assert_str_eq(keyname_format(127, buf, sizeof buf), "<Backspace>");
	ck_assert_str_eq(keyname_format('\t', buf, sizeof buf), "<Tab>");
	ck_assert_str_eq(keyname_format(27, buf, sizeof buf), "<Esc>");
	ck_assert_str_eq(keyname_format(TKEY_RESIZE, buf, sizeof buf),
	    "<Resize>");
	ck_assert_str_eq(keyname_format(TKEY_MOUSE, buf, sizeof buf),
	    "<Mouse>");
	ck_assert_str_eq(keyname_format(0x202E, buf, sizeof buf), "<U+202E>");
	ck_assert_str_eq(keyname_format(0x85, buf, sizeof buf), "<U+0085>");
	ck_assert_str_eq(keyname_format(-1, buf, sizeof buf), "<U+FFFFFFFF>");
	/* Truncated, never overrun. */
	ck_assert_str_eq(keyname_format(TKEY_BACKSPACE, buf, 4), "<Ba");
	/* Every code from F1 to F12 and every named key has a name that
	 * parses back. */
	for (key = TKEY_UP; key < TKEY_RESIZE; key++) {
		int	 again = -1;

		keyname_format(key, buf, sizeof buf);
		ck_assert_int_eq(keyname_parse(buf, &again), 0);
		ck_assert_int_eq(again, key);
	}
}
END_TEST

START_TEST(test_suggest)
{
	ck_assert_str_eq(keyname_suggest("<PageUp>"), "<PgUp>");
	ck_assert_str_eq(keyname_suggest("<pagedown>"), "<PgDn>");
	ck_assert_str_eq(keyname_suggest("<Return>"), "<Enter>");
	ck_assert_str_eq(keyname_suggest("<Escape>"), "<Esc>");
	ck_assert_str_eq(keyname_suggest("<Hom>"), "<Home>");
	ck_assert_str_eq(keyname_suggest("<backspac>"), "<Backspace>");
	ck_assert_ptr_null(keyname_suggest("<Whatever>"));
	ck_assert_ptr_null(keyname_suggest("jj"));
	ck_assert_ptr_null(keyname_suggest(NULL));
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("keyname");
	TCase	*tc = tcase_create("keyname");

	tcase_add_loop_test(tc, test_good, 0, sizeof good / sizeof good[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_suggest);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
