/*
 * check_sanitize.c - unit tests for sanitize.c: the terminal-attack
 * payloads of SECURITY.md tests 12, 14 and 26 must come out as inert,
 * valid UTF-8, and ordinary text must come out unchanged.  Single-
 * threaded test binary.
 * Covers SECURITY.md #12 #14 #26.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

Suite	*suite(void);

#define FFFD	"\xEF\xBF\xBD"

#define MIXED "From: \x1b]52;c;eA==\x07\"bank@example.com\xe2\x80\xae\" " \
	"<x@evil>\r\n\x9b" "2J\xc2\x9b\0\xed\xbf\xbf\xe2\x81\xa6"

static const struct row {
	const char	*name;
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	int		 multiline;
	const char	*out;	/* exact result, or NULL: invariants only */
} rows[] = {
	/* SECURITY.md test 12: escape sequences lose their ESC/C1. */
	{ "csi_clear", "\x1b[2J\x1b[H", 0, 0, "[2J[H" },
	{ "csi_sgr", "\x1b[31mred\x1b[0m", 0, 1, "[31mred[0m" },
	{ "osc0_bel", "\x1b]0;evil title\x07" "after", 0, 0,
	    "]0;evil titleafter" },
	{ "osc0_st", "\x1b]0;t\x1b\\x", 0, 0, "]0;t\\x" },
	{ "osc8_link", "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", 0, 0,
	    "]8;;http://evil/\\click]8;;\\" },
	{ "osc50_font", "\x1b]50;?\x07", 0, 0, "]50;?" },
	{ "osc52_clip_bel", "\x1b]52;c;ZWNobyBwd25lZA==\x07", 0, 1,
	    "]52;c;ZWNobyBwd25lZA==" },
	{ "osc52_clip_st", "\x1b]52;c;?\x1b\\", 0, 0, "]52;c;?\\" },
	{ "dcs_decrqss", "\x1bP$q\"p\x1b\\", 0, 0, "P$q\"p\\" },
	{ "esc_g_q", "\x1bGQ", 0, 0, "GQ" },
	{ "c1_csi_raw", "a\x9b" "31mb", 0, 0, "a" FFFD "31mb" },
	{ "c1_csi_utf8", "a\xc2\x9b" "31mb", 0, 0, "a31mb" },
	{ "c1_osc_st_utf8", "\xc2\x9d" "0;x\xc2\x9c" "y", 0, 1, "0;xy" },
	{ "c1_all_utf8", "\xc2\x80\xc2\x85\xc2\x8d\xc2\x90\xc2\x9f.", 0, 1,
	    "." },
	{ "bs", "abc\b\b\bxyz", 0, 0, "abcxyz" },
	{ "bel_vt_ff", "a\x07\x0b\x0c" "b", 0, 1, "ab" },
	{ "del", "a\x7f" "b", 0, 0, "ab" },
	{ "cr_single", "Subject: ok\rSubject: fake", 0, 0,
	    "Subject: ok Subject: fake" },
	{ "cr_multi", "a\r\nb\rc\r", 0, 1, "a\nbc" },
	{ "crlf_single", "a\r\nb", 0, 0, "a  b" },
	{ "lf_tab_single", "a\tb\nc", 0, 0, "a b c" },
	{ "lf_tab_multi", "a\tb\nc\n", 0, 1, "a\tb\nc\n" },
	{ "line_sep", "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", 0, 0, "a b c" },
	{ "line_sep_multi", "a\xe2\x80\xa8" "b", 0, 1, "a\nb" },
	/* SECURITY.md test 14: bidi and invisible characters go. */
	{ "rlo", "moc.live\xe2\x80\xae@bank.com", 0, 0, "moc.live@bank.com" },
	{ "bidi_embed", "\xe2\x80\xaa" "a\xe2\x80\xab" "b\xe2\x80\xac"
	    "c\xe2\x80\xad" "d", 0, 0, "abcd" },
	{ "isolates", "\xe2\x81\xa6x\xe2\x81\xa7y\xe2\x81\xa8z\xe2\x81\xa9", 0,
	    0, "xyz" },
	{ "lrm_rlm", "\xe2\x80\x8e" "a\xe2\x80\x8f", 0, 0, "a" },
	{ "zero_width", "p\xe2\x80\x8bp\xe2\x80\x8cp\xe2\x80\x8dp\xe2\x81\xa0p",
	    0, 0, "ppppp" },
	{ "bom", "\xef\xbb\xbfhi\xef\xbb\xbf", 0, 0, "hi" },
	{ "soft_hyphen", "pay\xc2\xadpal", 0, 0, "paypal" },
	{ "arabic_mark", "a\xd8\x9c" "b", 0, 0, "ab" },
	{ "hangul_filler", "\xe3\x85\xa4\xef\xbe\xa0" "x", 0, 0, "x" },
	/* SECURITY.md test 26: bad bytes become U+FFFD, nothing vanishes. */
	{ "nul", "a\0b", 3, 0, "a" FFFD "b" },
	{ "nul_multi", "\0\0", 2, 1, FFFD FFFD },
	{ "invalid_bytes", "\xff\xfe" "a\x80", 0, 0, FFFD FFFD "a" FFFD },
	{ "overlong_slash", "\xc0\xaf", 0, 0, FFFD FFFD },
	{ "overlong_3", "\xe0\x80\xaf", 0, 0, FFFD FFFD FFFD },
	{ "overlong_4", "\xf0\x80\x80\xaf", 0, 0, FFFD FFFD FFFD FFFD },
	{ "overlong_nul", "\xc0\x80", 0, 0, FFFD FFFD },
	{ "surrogate", "\xed\xa0\x80", 0, 0, FFFD FFFD FFFD },
	{ "surrogate_pair", "\xed\xa0\xbd\xed\xb8\x80", 0, 0,
	    FFFD FFFD FFFD FFFD FFFD FFFD },
	{ "max", "\xf4\x8f\xbf\xbf", 0, 0, "\xf4\x8f\xbf\xbf" },
	{ "above_max", "\xf4\x90\x80\x80", 0, 0, FFFD FFFD FFFD FFFD },
	{ "f5", "\xf5\x80", 0, 0, FFFD FFFD },
	{ "truncated_end", "ab\xe2\x82", 0, 0, "ab" FFFD },
	{ "truncated_4", "\xf0\x9f\x98", 0, 0, FFFD },
	{ "truncated_mid", "\xe2\x82x\xe2\x82\xac", 0, 0, FFFD "x\xe2\x82\xac" },
	{ "lead_then_esc", "\xe2\x1b[2J", 0, 0, FFFD "[2J" },
	/* Ordinary text is left alone. */
	{ "ascii", "Re: lunch at 12:30? (ok) ~/x {a} [b] |c| \\d", 0, 0,
	    "Re: lunch at 12:30? (ok) ~/x {a} [b] |c| \\d" },
	{ "accents", "Café naïve Ærøskøbing Œuvre ñ", 0, 0,
	    "Café naïve Ærøskøbing Œuvre ñ" },
	{ "combining", "e\xcc\x81", 0, 0, "e\xcc\x81" },
	{ "cjk", "日本語の件名 한국어 中文", 0, 0, "日本語の件名 한국어 中文" },
	{ "emoji", "ok 😀🎉 ❤\xef\xb8\x8f 🇫🇷", 0, 0,
	    "ok 😀🎉 ❤\xef\xb8\x8f 🇫🇷" },
	{ "rtl_letters", "שלום مرحبا", 0, 0, "שלום مرحبا" },
	{ "nbsp", "a\xc2\xa0" "b", 0, 0, "a\xc2\xa0" "b" },
	{ "body", "Hello,\n\n\tindented\nbye\n", 0, 1,
	    "Hello,\n\n\tindented\nbye\n" },
	{ "empty", "", 0, 0, "" },
	/* Everything at once. */
	{ "mixed", MIXED, sizeof MIXED - 1, 0, NULL },
};

/* Decodes one strictly valid UTF-8 character; 0 if invalid. */
static size_t
decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t	 n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return n;
}

/* The code points that must never reach the terminal. */
static int
forbidden(uint32_t c, int multiline)
{
	if (c == '\t' || c == '\n')
		return !multiline;
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
	    c == 0x00AD || c == 0x061C || c == 0x115F || c == 0x1160 ||
	    c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x206F) || c == 0x3164 || c == 0xFEFF ||
	    c == 0xFFA0 || (c >= 0xFFF9 && c <= 0xFFFB);
}

/* The output is valid UTF-8, NUL-terminated, with nothing forbidden. */
static void
check_safe(const char *name, const char *out, int multiline)
{
	const unsigned char	*s = (const unsigned char *)out;
	size_t			 len = strlen(out), i = 0, n;
	uint32_t		 c;

	/* Plain ifs: ck_assert() records a mark per call, too slow here. */
	while (i < len) {
		if ((n = decode(s + i, len - i, &c)) == 0)
			ck_abort_msg("%s: invalid UTF-8 at byte %zu", name, i);
		if (forbidden(c, multiline))
			ck_abort_msg("%s: U+%04X at byte %zu", name,
			    (unsigned)c, i);
		i += n;
	}
}

START_TEST(test_table)
{
	const struct row	*r = &rows[_i];
	size_t			 len = r->len != 0 ? r->len : strlen(r->in);
	char			*out;
	int			 m;

	/* Both modes must be safe; the row's mode must match exactly. */
	for (m = 0; m <= 1; m++) {
		out = sanitize_for_display(r->in, len, m);
		ck_assert_ptr_nonnull(out);
		check_safe(r->name, out, m);
		if (m == r->multiline && r->out != NULL)
			ck_assert_msg(strcmp(out, r->out) == 0,
			    "%s: got '%s', want '%s'", r->name, out, r->out);
		free(out);
	}
}
END_TEST

/* Encodes c (not a surrogate) as UTF-8 into b; returns the length. */
static size_t
encode(uint32_t c, char *b)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xC0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xE0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3F));
		b[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | c >> 18);
	b[1] = (char)(0x80 | (c >> 12 & 0x3F));
	b[2] = (char)(0x80 | (c >> 6 & 0x3F));
	b[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * Every Unicode scalar value, in both modes: a forbidden one is removed
 * (or becomes a space or LF where the rules say so, NUL U+FFFD), every
 * other one passes through unchanged and in order.
 */
START_TEST(test_all_code_points)
{
	char		*in, *want, *out, *i, *w;
	uint32_t	 c;
	int		 m = _i;

	i = in = xmalloc(0x110000 * 4);
	w = want = xmalloc(0x110000 * 4 + 1);
	for (c = 0; c <= 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		i += encode(c, i);
		if (c == 0)
			w += encode(0xFFFD, w);
		else if (c == '\t' || c == '\n')
			*w++ = m ? (char)c : ' ';
		else if (c == '\r')
			w += m ? 0 : encode(' ', w);
		else if (c == 0x2028 || c == 0x2029)
			*w++ = m ? '\n' : ' ';
		else if (!forbidden(c, m))
			w += encode(c, w);
	}
	*w = '\0';
	out = sanitize_for_display(in, (size_t)(i - in), m);
	check_safe("all", out, m);
	ck_assert_uint_eq(strlen(out), strlen(want));
	ck_assert(memcmp(out, want, strlen(want)) == 0);
	free(in);
	free(want);
	free(out);
}
END_TEST

/* Every one- and two-byte input: safe, and never longer than 3x. */
START_TEST(test_short_inputs)
{
	unsigned char	 b[2];
	char		*out;
	unsigned	 x, y;

	for (x = 0; x < 256; x++) {
		b[0] = (unsigned char)x;
		out = sanitize_for_display((char *)b, 1, _i);
		check_safe("1 byte", out, _i);
		if (strlen(out) > 3)
			ck_abort_msg("%02x: too long", x);
		free(out);
		for (y = 0; y < 256; y++) {
			b[1] = (unsigned char)y;
			out = sanitize_for_display((char *)b, 2, _i);
			check_safe("2 bytes", out, _i);
			if (strlen(out) > 6)
				ck_abort_msg("%02x %02x: too long", x, y);
			free(out);
		}
	}
}
END_TEST

/* Random strings of the bytes that matter: always safe. */
START_TEST(test_random)
{
	static const unsigned char pick[] = {
		0x00, 0x07, 0x08, 0x09, 0x0A, 0x0D, 0x1B, 0x20, 0x41, 0x5B,
		0x7F, 0x80, 0x8F, 0x9B, 0x9F, 0xA0, 0xAD, 0xBF, 0xC0, 0xC2,
		0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
	};
	unsigned char	 buf[64];
	uint32_t	 seed = 12345;
	size_t		 len, k;
	char		*out;
	int		 n;

	for (n = 0; n < 20000; n++) {
		seed = seed * 1103515245 + 12345;
		len = seed >> 16 & 63;
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = (seed >> 16 & 1) ? pick[(seed >> 17) %
			    sizeof pick] : (unsigned char)(seed >> 20);
		}
		out = sanitize_for_display((char *)buf, len, n & 1);
		check_safe("random", out, n & 1);
		free(out);
	}
}
END_TEST

START_TEST(test_null)
{
	char	*out = sanitize_for_display(NULL, 0, 0);

	ck_assert_str_eq(out, "");
	free(out);
	/* len is honoured: nothing past it is read. */
	out = sanitize_for_display("abc\x1b[2J", 2, 0);
	ck_assert_str_eq(out, "ab");
	free(out);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("sanitize");
	TCase	*tc = tcase_create("sanitize");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_loop_test(tc, test_all_code_points, 0, 2);
	tcase_add_loop_test(tc, test_short_inputs, 0, 2);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_null);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
