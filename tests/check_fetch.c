/*
 * check_fetch.c - unit tests for the lean UID FETCH reader's parser
 * (src/net/imap_fetch.c, imap_fetch_parse): a pure function over byte
 * buffers, so the tests are tables of server replies, normal and
 * hostile.  Every reply is also cut at every byte offset: a cut reply
 * must say MORE or ERROR, never a message, and never read past the
 * cut (the buffers are copied to exact-size allocations, so a read
 * past the end shows under valgrind or ASan).
 */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "check_main.h"

#define TAG	"F7"

struct ok_case {
	const char	*in;
	uint32_t	 uid;
	unsigned	 flags;
	const char	*keywords;
	int64_t		 internaldate;
	uint32_t	 size;
	uint64_t	 modseq;
	const char	*header;	/* NULL: no header item or NIL */
	int		 has_header;
};

static const struct ok_case ok_cases[] = {
	{ "* 1 FETCH (UID 5 FLAGS (\\Seen) INTERNALDATE \"01-Jan-2024 "
	  "00:00:00 +0000\" RFC822.SIZE 1234 MODSEQ (77) BODY[HEADER.FIELDS "
	  "(DATE FROM)] {13}\r\nFrom: a@b\r\n\r\n)\r\n",
	  5, FLAG_SEEN, "", 1704067200, 1234, 77, "From: a@b\r\n\r\n", 1 },
	/* Keywords, \Recent, an unknown \flag, mixed case. */
	{ "* 2 fetch (flags (\\Recent $Label1 \\answered \\X-Foo Junk "
	  "\\FLAGGED \\Deleted \\Draft) uid 9 BODY[HEADER] NIL)\r\n",
	  9, FLAG_ANSWERED | FLAG_FLAGGED | FLAG_DELETED | FLAG_DRAFT,
	  "$Label1 Junk", 0, 0, 0, NULL, 1 },
	/* Space-padded day, negative zone, empty flags. */
	{ "* 3 FETCH (UID 4294967295 FLAGS () INTERNALDATE \" 5-Mar-2020 "
	  "10:20:30 -0130\" BODY[HEADER.FIELDS (SUBJECT)] \"\")\r\n",
	  4294967295u, 0, "", 1583403630 + 5400, 0, 0, "", 1 },
	/* A quoted header with escapes. */
	{ "* 4 FETCH (UID 1 BODY[HEADER.FIELDS (\"SUBJECT\")] "
	  "\"a\\\"b\\\\c\")\r\n", 1, 0, "", 0, 0, 0, "a\"b\\c", 1 },
	/* Extra items skipped: lists, nested, literals, NIL, section+origin. */
	{ "* 5 FETCH (X-GM-LABELS (\\Inbox \"x y\") ENVELOPE (NIL \"s\" "
	  "((NIL NIL \"a\" \"b\")) {3}\r\nabc NIL) UID 2 BODY[1]<0> {2}\r\nhi "
	  "BODY[HEADER.FIELDS (FROM)]<0> {4}\r\nX: y MODSEQ "
	  "(18446744073709551615))\r\n",
	  2, 0, "", 0, 0, UINT64_MAX, "X: y", 1 },
	/* A FETCH without the header (unsolicited flags). */
	{ "* 6 FETCH (UID 3 FLAGS (\\Seen))\r\n", 3, FLAG_SEEN, "", 0, 0, 0,
	  NULL, 0 },
	/* An empty literal, and an empty item list. */
	{ "* 7 FETCH (UID 8 BODY[HEADER.FIELDS (A)] {0}\r\n)\r\n", 8, 0, "",
	  0, 0, 0, "", 1 },
	{ "* 8 FETCH ()\r\n", 0, 0, "", 0, 0, 0, NULL, 0 },
};

static const struct {
	const char		*in;
	enum imap_fetch_resp	 want;
} other_cases[] = {
	{ "* 3 EXPUNGE\r\n", IMAP_FETCH_OTHER },
	{ "* 1 X\r\n", IMAP_FETCH_OTHER },
	{ "* VANISHED (EARLIER) 1:5\r\n", IMAP_FETCH_OTHER },
	{ "* FLAGS (\\Seen \\Answered)\r\n", IMAP_FETCH_OTHER },
	{ "* OK with a literal {3}\r\nabc and more\r\n", IMAP_FETCH_OTHER },
	{ "* BYE shutting down\r\n", IMAP_FETCH_BYE },
	{ TAG " OK UID FETCH done\r\n", IMAP_FETCH_OK },
	{ TAG " ok\r\n", IMAP_FETCH_OK },
	{ TAG " NO [SERVERBUG] no\r\n", IMAP_FETCH_NO },
	{ TAG " BAD syntax\r\n", IMAP_FETCH_NO },
	/*
	 * Errors: another tag, a continuation, garbage, hostile lengths
	 * (SECURITY.md #27 for the header sync's reader; the body fetch
	 * still goes through libetpan's parser, which is not guarded yet).
	 */
	{ "* 1 FETCH (UID 1 BODY[HEADER] {4294967295}\r\n)\r\n",
	  IMAP_FETCH_ERROR },
	{ "F8 OK done\r\n", IMAP_FETCH_ERROR },
	{ "+ go ahead\r\n", IMAP_FETCH_ERROR },
	{ TAG " MAYBE\r\n", IMAP_FETCH_ERROR },
	{ TAG " OK no cr\n", IMAP_FETCH_ERROR },
	{ "garbage\r\n", IMAP_FETCH_ERROR },
	{ "*\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] {4294967296}\r\n)\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] {99999999999999999999}\r\n)\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] {67108865}\r\n)\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] {-1}\r\n)\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] {5+}\r\nabcde)\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 4294967296)\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID x)\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (MODSEQ (18446744073709551616))\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (INTERNALDATE \"32-Jan-2024 00:00:00 +0000\")\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 1 FETCH (INTERNALDATE \"01-Foo-2024 00:00:00 +0000\")\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 1 FETCH (INTERNALDATE NIL)\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 FLAGS (\\Seen)\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1))\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] \"a\rb\")\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER] \"a\\xb\")\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (UID 1 BODY[HEADER\r\n] NIL)\r\n", IMAP_FETCH_ERROR },
	{ "* 1 FETCH (X ((((((((((((((((((((1))))))))))))))))))))\r\n",
	  IMAP_FETCH_ERROR },
	{ "* 12345678901 FETCH (UID 1)\r\n", IMAP_FETCH_ERROR },
};

/* A SELECT's reply, read by imap_pipe.c: the counts and codes kept. */
static const struct {
	const char		*in;
	enum imap_fetch_resp	 want;
	enum imap_fetch_code	 code;
	uint64_t		 num;
} code_cases[] = {
	{ "* 12 EXISTS\r\n", IMAP_FETCH_OTHER, IMAP_CODE_EXISTS, 12 },
	{ "* 0 exists\r\n", IMAP_FETCH_OTHER, IMAP_CODE_EXISTS, 0 },
	{ "* 4294967295 EXISTS\r\n", IMAP_FETCH_OTHER, IMAP_CODE_EXISTS,
	  UINT32_MAX },
	{ "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n", IMAP_FETCH_OTHER,
	  IMAP_CODE_UIDVALIDITY, 1700000000 },
	{ "* OK [UIDNEXT 2001] Predicted next UID\r\n", IMAP_FETCH_OTHER,
	  IMAP_CODE_UIDNEXT, 2001 },
	{ "* OK [HIGHESTMODSEQ 5] x\r\n", IMAP_FETCH_OTHER,
	  IMAP_CODE_HIGHESTMODSEQ, 5 },
	{ "* ok [highestmodseq 18446744073709551615]\r\n",
	  IMAP_FETCH_OTHER, IMAP_CODE_HIGHESTMODSEQ, UINT64_MAX },
	{ "* OK [NOMODSEQ] Sorry, modsequences are off\r\n",
	  IMAP_FETCH_OTHER, IMAP_CODE_NOMODSEQ, 0 },
	/* Not kept: other codes, no code, a count of something else. */
	{ "* 3 RECENT\r\n", IMAP_FETCH_OTHER, IMAP_CODE_NONE, 0 },
	{ "* OK [PERMANENTFLAGS (\\Seen \\*)] Flags\r\n",
	  IMAP_FETCH_OTHER, IMAP_CODE_NONE, 0 },
	{ "* OK [UNSEEN 5] First unseen\r\n", IMAP_FETCH_OTHER,
	  IMAP_CODE_NONE, 0 },
	{ "* OK UIDNEXT 5 without brackets\r\n", IMAP_FETCH_OTHER,
	  IMAP_CODE_NONE, 0 },
	{ "* OK [] empty\r\n", IMAP_FETCH_OTHER, IMAP_CODE_NONE, 0 },
	{ "* NO [UIDNEXT 5] not an OK\r\n", IMAP_FETCH_OTHER,
	  IMAP_CODE_NONE, 0 },
	/* A kept code must be well formed: the session is dropped. */
	{ "* 4294967296 EXISTS\r\n", IMAP_FETCH_ERROR, IMAP_CODE_NONE, 0 },
	{ "* OK [UIDVALIDITY 4294967296] x\r\n", IMAP_FETCH_ERROR,
	  IMAP_CODE_NONE, 0 },
	{ "* OK [UIDNEXT x] x\r\n", IMAP_FETCH_ERROR, IMAP_CODE_NONE, 0 },
	{ "* OK [UIDNEXT 5 x\r\n", IMAP_FETCH_ERROR, IMAP_CODE_NONE, 0 },
	{ "* OK [HIGHESTMODSEQ 18446744073709551616] x\r\n",
	  IMAP_FETCH_ERROR, IMAP_CODE_NONE, 0 },
	{ "* OK [NOMODSEQ 5] x\r\n", IMAP_FETCH_ERROR, IMAP_CODE_NONE, 0 },
};

static enum imap_fetch_resp
parse_exact(const char *in, size_t len, struct imap_fetch_scratch *sc,
    struct imap_fetch_result *r, char **copy)
{
	/* An exact-size copy: a read past len is a heap overflow. */
	*copy = xmalloc(len ? len : 1);
	memcpy(*copy, in, len);
	return imap_fetch_parse(*copy, len, TAG, sc, r);
}

START_TEST(test_fetch_ok)
{
	const struct ok_case	*t = &ok_cases[_i];
	struct imap_fetch_scratch *sc = imap_fetch_scratch_new();
	struct imap_fetch_result r;
	enum imap_fetch_resp	 rc;
	char			*copy;
	size_t			 len = strlen(t->in);

	rc = parse_exact(t->in, len, sc, &r, &copy);
	ck_assert_int_eq(rc, IMAP_FETCH_MSG);
	ck_assert_uint_eq(r.used, len);
	ck_assert_uint_eq(r.msg.uid, t->uid);
	ck_assert_uint_eq(r.msg.flags, t->flags);
	ck_assert_str_eq(r.msg.keywords, t->keywords);
	ck_assert_int_eq(r.msg.internaldate, t->internaldate);
	ck_assert_uint_eq(r.msg.size, t->size);
	ck_assert_uint_eq(r.msg.modseq, t->modseq);
	ck_assert_int_eq(r.has_header, t->has_header);
	if (t->header == NULL)
		ck_assert_ptr_null(r.msg.header);
	else {
		ck_assert_ptr_nonnull(r.msg.header);
		ck_assert_uint_eq(r.msg.header_len, strlen(t->header));
		ck_assert(memcmp(r.msg.header, t->header,
		    r.msg.header_len) == 0);
	}
	free(copy);
	imap_fetch_scratch_free(sc);
}
END_TEST

/* in parses as want, all of it; an untagged one says code and num. */
static void
parse_other(const char *in, enum imap_fetch_resp want,
    enum imap_fetch_code code, uint64_t num)
{
	struct imap_fetch_scratch *sc = imap_fetch_scratch_new();
	struct imap_fetch_result r;
	enum imap_fetch_resp	 rc;
	char			*copy;
	size_t			 len = strlen(in);

	rc = parse_exact(in, len, sc, &r, &copy);
	ck_assert_msg(rc == want, "%s: %d, want %d", in, rc, want);
	if (rc != IMAP_FETCH_ERROR && rc != IMAP_FETCH_MORE)
		ck_assert_uint_eq(r.used, len);
	if (rc == IMAP_FETCH_OTHER) {
		ck_assert_msg(r.code == code, "%s: code %d", in, r.code);
		if (code != IMAP_CODE_NONE)
			ck_assert_uint_eq(r.num, num);
	}
	free(copy);
	imap_fetch_scratch_free(sc);
}

START_TEST(test_fetch_other)
{
	parse_other(other_cases[_i].in, other_cases[_i].want, IMAP_CODE_NONE,
	    0);
}
END_TEST

START_TEST(test_fetch_code)
{
	parse_other(code_cases[_i].in, code_cases[_i].want,
	    code_cases[_i].code, code_cases[_i].num);
}
END_TEST

/* Cut at every offset: MORE (or ERROR), never a message; no overread. */
static void
cut_everywhere(const char *in, enum imap_fetch_resp full)
{
	struct imap_fetch_scratch *sc = imap_fetch_scratch_new();
	struct imap_fetch_result r;
	enum imap_fetch_resp	 rc;
	char			*copy;
	size_t			 len = strlen(in), i;

	for (i = 0; i < len; i++) {
		rc = parse_exact(in, i, sc, &r, &copy);
		free(copy);
		if (full == IMAP_FETCH_ERROR)
			ck_assert(rc == IMAP_FETCH_MORE ||
			    rc == IMAP_FETCH_ERROR);
		else
			ck_assert_msg(rc == IMAP_FETCH_MORE, "%s cut at %zu: "
			    "%d", in, i, rc);
	}
	imap_fetch_scratch_free(sc);
}

START_TEST(test_fetch_cut_ok)
{
	cut_everywhere(ok_cases[_i].in, IMAP_FETCH_MSG);
}
END_TEST

START_TEST(test_fetch_cut_other)
{
	cut_everywhere(other_cases[_i].in, other_cases[_i].want);
}
END_TEST

START_TEST(test_fetch_cut_code)
{
	cut_everywhere(code_cases[_i].in, code_cases[_i].want);
}
END_TEST

/* Several replies in one buffer, as the reader sees them. */
START_TEST(test_fetch_sequence)
{
	static const char in[] =
	    "* 1 FETCH (UID 1 BODY[HEADER] {3}\r\nab\n)\r\n"
	    "* 2 EXISTS\r\n"
	    "* 2 FETCH (UID 2 FLAGS (kw) BODY[HEADER] {0}\r\n)\r\n"
	    TAG " OK done\r\nleftover";
	static const enum imap_fetch_resp want[] = {
		IMAP_FETCH_MSG, IMAP_FETCH_OTHER, IMAP_FETCH_MSG, IMAP_FETCH_OK,
		IMAP_FETCH_ERROR
	};
	struct imap_fetch_scratch *sc = imap_fetch_scratch_new();
	struct imap_fetch_result r;
	size_t			 off = 0, i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert_int_eq(imap_fetch_parse(in + off, strlen(in) - off,
		    TAG, sc, &r), want[i]);
		if (i == 2)
			ck_assert_str_eq(r.msg.keywords, "kw");
		off += r.used;
	}
	imap_fetch_scratch_free(sc);
}
END_TEST

/* A literal bigger than what arrived: MORE, nothing allocated for it. */
START_TEST(test_fetch_big_literal)
{
	static const char in[] = "* 1 FETCH (UID 1 BODY[HEADER] {67108864}\r\n"
	    "only a little";
	struct imap_fetch_scratch *sc = imap_fetch_scratch_new();
	struct imap_fetch_result r;

	ck_assert_int_eq(imap_fetch_parse(in, strlen(in), TAG, sc, &r),
	    IMAP_FETCH_MORE);
	imap_fetch_scratch_free(sc);
}
END_TEST

/* A line that never ends is an error once over the line limit. */
START_TEST(test_fetch_long_line)
{
	size_t			 len = (1u << 20) + 100;
	char			*in = xmalloc(len);
	struct imap_fetch_scratch *sc = imap_fetch_scratch_new();
	struct imap_fetch_result r;

	memcpy(in, "* OK ", 5);
	memset(in + 5, 'x', len - 5);
	ck_assert_int_eq(imap_fetch_parse(in, len, TAG, sc, &r),
	    IMAP_FETCH_ERROR);
	memcpy(in, TAG " OK ", 6);
	ck_assert_int_eq(imap_fetch_parse(in, len, TAG, sc, &r),
	    IMAP_FETCH_ERROR);
	free(in);
	imap_fetch_scratch_free(sc);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("fetch");
	TCase	*tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_fetch_ok, 0,
	    sizeof ok_cases / sizeof ok_cases[0]);
	tcase_add_loop_test(tc, test_fetch_other, 0,
	    sizeof other_cases / sizeof other_cases[0]);
	tcase_add_loop_test(tc, test_fetch_cut_ok, 0,
	    sizeof ok_cases / sizeof ok_cases[0]);
	tcase_add_loop_test(tc, test_fetch_cut_other, 0,
	    sizeof other_cases / sizeof other_cases[0]);
	tcase_add_loop_test(tc, test_fetch_code, 0,
	    sizeof code_cases / sizeof code_cases[0]);
	tcase_add_loop_test(tc, test_fetch_cut_code, 0,
	    sizeof code_cases / sizeof code_cases[0]);
	tcase_add_test(tc, test_fetch_sequence);
	tcase_add_test(tc, test_fetch_big_literal);
	tcase_add_test(tc, test_fetch_long_line);
	suite_add_tcase(s, tc);
	return s;
}
