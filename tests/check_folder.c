/*
 * check_folder.c - unit tests for src/store/folder.c: modified UTF-7
 * both ways, and the folder name to cache path mapping of SECURITY.md
 * test 17 (one safe path component per name, never the same for two
 * names).  Single-threaded test binary.
 * Covers SECURITY.md #17.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "check_main.h"

/*
 * ck_assert_* records every passing assertion through a pipe; the loops
 * below make hundreds of thousands of checks, so they report only
 * failures.
 */
#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

#define AE	"\xc3\xa4"		/* U+00E4 a with diaeresis */
#define UE	"\xc3\xbc"		/* U+00FC u with diaeresis */
#define GRIN	"\xf0\x9f\x98\x80"	/* U+1F600, a surrogate pair */
#define TAIXU	"\xf0\x9d\x8c\x80"	/* U+1D300, a surrogate pair */
#define NIHONGO	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
#define TAIBEI	"\xe5\x8f\xb0\xe5\x8c\x97"

/* Decoding: out NULL means the input is not valid modified UTF-7. */
static const struct mutf7_row {
	const char	*in;
	const char	*out;
	int		 canonical;	/* encode(out) gives in back */
} decode_rows[] = {
	{ "", "", 1 },
	{ "INBOX", "INBOX", 1 },
	{ "&-", "&", 1 },
	{ "a&-b&-", "a&b&", 1 },
	{ "&AOQ-", AE, 1 },
	{ "Entw&APw-rfe", "Entw" UE "rfe", 1 },
	{ "&2D3eAA-", GRIN, 1 },
	{ "&2DTfAA-", TAIXU, 1 },
	{ "&ZeVnLIqe-", NIHONGO, 1 },
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/" TAIBEI "/"
	    NIHONGO, 1 },
	{ "&AOQ--", AE "-", 1 },
	{ "&AAE-", "\x01", 1 },
	{ "&AH8-", "\x7f", 1 },
	{ "&AIU-", "\xc2\x85", 1 },
	{ "&IC4-", "\xe2\x80\xae", 1 },
	/* Lenient: printable ASCII that should have been literal. */
	{ "&AGE-", "a", 0 },
	{ "&ACY-", "&", 0 },
	{ "&AGEAAQ-", "a\x01", 0 },
	/* Lenient: one run split in two. */
	{ "&AOQ-&AOQ-", AE AE, 0 },
	/* Invalid. */
	{ "&", NULL, 0 },
	{ "a&", NULL, 0 },
	{ "&AOQ", NULL, 0 },		/* unterminated */
	{ "&Jjo!", NULL, 0 },		/* '!' is not modified base64 */
	{ "&AOQ=-", NULL, 0 },		/* no '=' padding */
	{ "&AO/-", NULL, 0 },		/* '/' is ',' here */
	{ "&A-", NULL, 0 },		/* 6 bits: not even one unit */
	{ "&AO-", NULL, 0 },		/* 12 bits */
	{ "&AOR-", NULL, 0 },		/* padding bits not zero */
	{ "&AOQA-", NULL, 0 },		/* 8 bits left over */
	{ "&2D0-", NULL, 0 },		/* lone high surrogate */
	{ "&3gA-", NULL, 0 },		/* lone low surrogate */
	{ "&2D3YPQ-", NULL, 0 },	/* high, high */
	{ "&2D0AQQ-", NULL, 0 },	/* high, 'A' */
	{ "&2D0-&3gA-", NULL, 0 },	/* a pair split across runs */
	{ "&AAA-", NULL, 0 },		/* U+0000 */
	{ "caf\xc3\xa9", NULL, 0 },	/* raw 8-bit */
	{ "a\x01", NULL, 0 },		/* raw control */
	{ "\x1b[2J", NULL, 0 },
	{ "a\x7f", NULL, 0 },
	{ "a\tb", NULL, 0 },
};

START_TEST(test_decode)
{
	const struct mutf7_row	*r = &decode_rows[_i];
	char			*out, *enc;

	out = folder_mutf7_decode(r->in);
	if (r->out == NULL) {
		ck_assert_msg(out == NULL, "\"%s\" decoded", r->in);
		return;
	}
	ck_assert_msg(out != NULL, "\"%s\" refused", r->in);
	ck_assert_str_eq(out, r->out);
	enc = folder_mutf7_encode(out);
	ck_assert_ptr_nonnull(enc);
	if (r->canonical)
		ck_assert_str_eq(enc, r->in);
	else
		ck_assert_str_ne(enc, r->in);
	free(enc);
	free(out);
}
END_TEST

/* Encoding: out NULL means the input is not valid UTF-8. */
static const struct {
	const char	*in;
	const char	*out;
} encode_rows[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "&", "&-" },
	{ AE, "&AOQ-" },
	{ "Entw" UE "rfe", "Entw&APw-rfe" },
	{ GRIN, "&2D3eAA-" },
	{ TAIBEI "/" NIHONGO, "&U,BTFw-/&ZeVnLIqe-" },
	{ "a\x01" "b", "a&AAE-b" },
	{ "\x7f", "&AH8-" },
	{ "~ -", "~ -" },
	{ AE "-", "&AOQ--" },
	{ "\xff", NULL },
	{ "a\xc3", NULL },		/* truncated */
	{ "\xc0\xaf", NULL },		/* overlong '/' */
	{ "\xed\xa0\x80", NULL },	/* surrogate */
	{ "\xf4\x90\x80\x80", NULL },	/* above U+10FFFF */
	{ "\x80", NULL },
};

START_TEST(test_encode)
{
	char	*out = folder_mutf7_encode(encode_rows[_i].in);

	if (encode_rows[_i].out == NULL) {
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, encode_rows[_i].out);
	free(out);
}
END_TEST

/*
 * Every property a cache path must have (SECURITY.md test 17): one
 * component, never empty, "." or "..", no leading dot, nothing a
 * terminal or file system treats specially, short enough for NAME_MAX.
 */
static void
check_component(const char *name, const char *p)
{
	const unsigned char	*u;
	char			*san;

	EXPECT(p != NULL, "no path for \"%s\"", name);
	EXPECT(*p != '\0', "empty path for \"%s\"", name);
	EXPECT(strchr(p, '/') == NULL, "'/' in %s", p);
	EXPECT(strchr(p, '\\') == NULL, "'\\' in %s", p);
	EXPECT(p[0] != '.', "leading dot in %s", p);
	EXPECT(strlen(p) <= 200, "%zu bytes", strlen(p));
	for (u = (const unsigned char *)p; *u != '\0'; u++)
		EXPECT(*u >= 0x20 && *u != 0x7f, "control byte in path");
	/* Valid UTF-8 with nothing the display filter would change. */
	san = sanitize_for_display(p, strlen(p), 0);
	EXPECT(strcmp(san, p) == 0, "unsafe character in path");
	free(san);
}

/* Paths: out NULL means only the invariants are checked. */
static const struct {
	const char	*in;
	const char	*out;
} path_rows[] = {
	{ "INBOX", "INBOX" },
	{ "inbox", "inbox" },
	{ "../../x", "%2E%2E%2F%2E%2E%2Fx" },
	{ "a/b", "a%2Fb" },
	{ "a\\b", "a%5Cb" },
	{ ".", "%2E" },
	{ "..", "%2E%2E" },
	{ ".hidden", "%2Ehidden" },
	{ "INBOX.Sent", "INBOX%2ESent" },
	{ "", "%" },
	{ "Sent Items", "Sent Items" },
	{ "50%", "50%25" },
	{ "%!x", "%25%21x" },
	{ "a~b:c", "a%7Eb%3Ac" },
	{ "-_+,@=", "-_+,@=" },
	{ "&-", "%26" },
	{ "&AOQ-", AE },
	{ "Entw&APw-rfe", "Entw" UE "rfe" },
	{ "&2D3eAA-", GRIN },
	{ "&2DTfAA-", TAIXU },
	{ "&U,BTFw-/&ZeVnLIqe-", TAIBEI "%2F" NIHONGO },
	{ "&AAE-", "%01" },
	{ "&AIU-", "%C2%85" },			/* C1 NEL */
	{ "&IC4-", "%E2%80%AE" },		/* RLO */
	{ "&AK0-", "%C2%AD" },			/* soft hyphen */
	/* Invalid or non-canonical: the raw bytes behind "%!". */
	{ "a\x01", "%!a%01" },
	{ "\x1b[2J", "%!%1B%5B2J" },
	{ "&AOQ", "%!%26AOQ" },
	{ "&Jjo!", "%!%26Jjo%21" },
	{ "&AGE-", "%!%26AGE-" },		/* "a" encoded */
	{ "&AOQ-&AOQ-", "%!%26AOQ-%26AOQ-" },
	{ "caf\xc3\xa9", "%!caf\xc3\xa9" },	/* raw UTF-8 */
	{ "\xff\xfe/..", "%!%FF%FE%2F%2E%2E" },
	{ "\xc2\x85", "%!%C2%85" },
	{ "a\x7f", "%!a%7F" },
	{ NULL, NULL },				/* 1000 bytes, below */
};

START_TEST(test_path)
{
	char	 big[1001], *p, *q;

	if (path_rows[_i].in == NULL) {
		memset(big, 'a', 1000);
		big[1000] = '\0';
		p = folder_path(big);
		check_component(big, p);
		ck_assert_ptr_nonnull(strchr(p, '~'));
		ck_assert_int_eq(strncmp(p, big, 100), 0);
		/* Same prefix, different tail: another hash. */
		big[999] = 'b';
		q = folder_path(big);
		check_component(big, q);
		ck_assert_str_ne(p, q);
		ck_assert_int_eq(strlen(p), strlen(q));
		free(p);
		free(q);
		return;
	}
	p = folder_path(path_rows[_i].in);
	check_component(path_rows[_i].in, p);
	ck_assert_str_eq(p, path_rows[_i].out);
	free(p);
}
END_TEST

START_TEST(test_display)
{
	static const struct {
		const char	*in;
		const char	*out;
	} rows[] = {
		{ "INBOX", "INBOX" },
		{ "Entw&APw-rfe", "Entw" UE "rfe" },
		{ "&AOQ", "&AOQ" },		/* invalid: raw */
		{ "a\x1b[2J", "a\x1b[2J" },	/* the caller sanitizes */
		{ "&AGE-", "a" },
		{ "", "" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = folder_display(rows[i].in);
		ck_assert_str_eq(s, rows[i].out);
		free(s);
	}
	ck_assert_ptr_null(folder_display(NULL));
	ck_assert_ptr_null(folder_path(NULL));
	ck_assert_ptr_null(folder_mutf7_decode(NULL));
	ck_assert_ptr_null(folder_mutf7_encode(NULL));
}
END_TEST

/* A fixed xorshift generator, so that a failure can be reproduced. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t
rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32) % n;
}

/* Appends c as UTF-8 at *o. */
static void
put_utf8(char **o, uint32_t c)
{
	unsigned char	*p = (unsigned char *)*o;

	if (c < 0x80)
		*p++ = (unsigned char)c;
	else if (c < 0x800) {
		*p++ = 0xC0 | c >> 6;
		*p++ = 0x80 | (c & 0x3F);
	} else if (c < 0x10000) {
		*p++ = 0xE0 | c >> 12;
		*p++ = 0x80 | (c >> 6 & 0x3F);
		*p++ = 0x80 | (c & 0x3F);
	} else {
		*p++ = 0xF0 | c >> 18;
		*p++ = 0x80 | (c >> 12 & 0x3F);
		*p++ = 0x80 | (c >> 6 & 0x3F);
		*p++ = 0x80 | (c & 0x3F);
	}
	*o = (char *)p;
}

/* Random valid UTF-8 of up to 12 characters, astral ones included. */
static char *
random_utf8(void)
{
	char		 buf[12 * 4 + 1], *o = buf;
	uint32_t	 n = rng(13), i, c;

	for (i = 0; i < n; i++) {
		switch (rng(6)) {
		case 0:
			c = 1 + rng(0x7F);	/* any ASCII but NUL */
			break;
		case 1:
			c = 0x20 + rng(0x5F);	/* printable ASCII */
			break;
		case 2:
			c = 0x80 + rng(0x780);		/* 2 bytes */
			break;
		case 3:
			do
				c = 0x800 + rng(0xF800);	/* 3 bytes */
			while (c >= 0xD800 && c <= 0xDFFF);
			break;
		case 4:
			c = 0x10000 + rng(0x100000);	/* astral */
			break;
		default:
			c = "&-/.%~!A,+ "[rng(11)];
			break;
		}
		put_utf8(&o, c);
	}
	*o = '\0';
	return strdup(buf);
}

START_TEST(test_utf8_round_trip)
{
	char	*u, *m, *d, *m2;
	int	 i;

	for (i = 0; i < 20000; i++) {
		u = random_utf8();
		m = folder_mutf7_encode(u);
		EXPECT(m != NULL, "cannot encode");
		d = folder_mutf7_decode(m);
		EXPECT(d != NULL, "cannot decode %s", m);
		EXPECT(strcmp(d, u) == 0, "round trip changed %s", m);
		/* An encoder output is canonical: it comes back unchanged. */
		m2 = folder_mutf7_encode(d);
		EXPECT(strcmp(m2, m) == 0, "%s came back as %s", m, m2);
		free(m2);
		free(d);
		free(m);
		free(u);
	}
}
END_TEST

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A random name of one of the shapes a server could send. */
static char *
random_name(void)
{
	static const char	 tricky[] = "&-AOQagZ+,/.%!~ 0\\:";
	char			 buf[512], *s, *m;
	uint32_t		 n, i;

	switch (rng(6)) {
	case 0:				/* arbitrary bytes */
		n = rng(13);
		for (i = 0; i < n; i++)
			buf[i] = (char)(1 + rng(255));
		buf[n] = '\0';
		return strdup(buf);
	case 1:				/* mUTF-7 syntax, often bad */
		n = rng(16);
		for (i = 0; i < n; i++)
			buf[i] = tricky[rng(sizeof tricky - 1)];
		buf[n] = '\0';
		return strdup(buf);
	case 2:				/* valid, canonical */
		s = random_utf8();
		m = folder_mutf7_encode(s);
		free(s);
		s = strdup(m);
		free(m);
		return s;
	case 3:				/* long, differing at the end */
		n = 150 + rng(300);
		memset(buf, rng(2) ? 'x' : '.', n);
		for (i = n - 3; i < n; i++)
			buf[i] = "ab/&"[rng(4)];
		buf[n] = '\0';
		return strdup(buf);
	case 4:				/* case variants */
		n = 1 + rng(8);
		for (i = 0; i < n; i++)
			buf[i] = (char)((rng(2) ? 'a' : 'A') + rng(3));
		buf[n] = '\0';
		return strdup(buf);
	default:			/* non-canonical spelling of ASCII */
		n = rng(3);
		memcpy(buf, "xy", 2);
		buf[n] = '\0';
		strcat(buf, rng(2) ? "&AGE-" : "&AGEAYg-");
		return strdup(buf);
	}
}

/*
 * Injectivity: over all the table names and 30000 random ones (20000 or
 * more distinct), distinct names give distinct, safe paths (SECURITY.md
 * test 17).
 */
START_TEST(test_injective)
{
	size_t	 n = 0, i, j, cap = 30000 + 100;
	char	**names = calloc(cap, sizeof *names), **paths;
	char	 big[1001];

	ck_assert_ptr_nonnull(names);
	for (i = 0; i < sizeof path_rows / sizeof path_rows[0]; i++)
		if (path_rows[i].in != NULL)
			names[n++] = strdup(path_rows[i].in);
	for (i = 0; i < sizeof decode_rows / sizeof decode_rows[0]; i++)
		names[n++] = strdup(decode_rows[i].in);
	memset(big, 'a', 1000);
	big[1000] = '\0';
	names[n++] = strdup(big);
	big[999] = 'b';
	names[n++] = strdup(big);
	while (n < cap)
		names[n++] = random_name();

	/* Distinct inputs only. */
	qsort(names, n, sizeof *names, cmp_str);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(names[j - 1], names[i]) == 0)
			free(names[i]);
		else
			names[j++] = names[i];
	}
	n = j;
	ck_assert_uint_ge(n, 20000);

	paths = calloc(n, sizeof *paths);
	ck_assert_ptr_nonnull(paths);
	for (i = 0; i < n; i++) {
		paths[i] = folder_path(names[i]);
		check_component(names[i], paths[i]);
	}
	qsort(paths, n, sizeof *paths, cmp_str);
	for (i = 1; i < n; i++)
		EXPECT(strcmp(paths[i - 1], paths[i]) != 0,
		    "two names map to %s", paths[i]);
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
}
END_TEST

/*
 * Whatever decodes is valid UTF-8 and survives a round trip; whatever
 * is canonical comes back byte for byte.
 */
START_TEST(test_decode_random)
{
	char	*name, *d, *m, *d2;
	int	 i;

	for (i = 0; i < 20000; i++) {
		name = random_name();
		if ((d = folder_mutf7_decode(name)) != NULL) {
			m = folder_mutf7_encode(d);
			EXPECT(m != NULL, "cannot encode");
			d2 = folder_mutf7_decode(m);
			EXPECT(d2 != NULL && strcmp(d2, d) == 0,
			    "round trip of %s", m);
			free(d2);
			free(m);
			free(d);
		}
		free(name);
	}
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("folder");
	TCase	*tc = tcase_create("folder");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_decode, 0,
	    sizeof decode_rows / sizeof decode_rows[0]);
	tcase_add_loop_test(tc, test_encode, 0,
	    sizeof encode_rows / sizeof encode_rows[0]);
	tcase_add_loop_test(tc, test_path, 0,
	    sizeof path_rows / sizeof path_rows[0]);
	tcase_add_test(tc, test_display);
	tcase_add_test(tc, test_utf8_round_trip);
	tcase_add_test(tc, test_decode_random);
	tcase_add_test(tc, test_injective);
	suite_add_tcase(s, tc);
	return s;
}
