/*
 * check_guard.c - unit tests for the IMAP guard in front of libetpan's
 * response parser (src/net/imap_guard.c, run by the stream driver in
 * src/net/tls.c).  The lexer is driven directly over byte chunks split
 * at every offset (its states must survive any split); then real
 * imap_connect()/imap_select()/imap_fetch() sessions talk to a hostile
 * peer thread of this test on 127.0.0.1.  Forked children pin the
 * libetpan 1.9.4 crashes the guard works around.
 *
 * Covers SECURITY.md #22 (BODYSTRUCTURE nested 100 000 levels), #27 on
 * libetpan's path ({4294967295} and a 20-digit literal in a BODY[]
 * reply; the lean reader's part is in check_fetch.c), and #7/#13 for
 * an [ALERT] with no text (libetpan strdup()s NULL).  Also the push
 * thread's IDLE (src/sync/push.c), which reads the lines before
 * "+ idling" itself: a literal there is refused (#22 through a side
 * door).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "../src/sync/engine_int.h"
#include "check_main.h"
#include "check_peer.h"

/* ---- the lexer on its own ---- */

/* Feeds data in the chunks cuts[] (ascending offsets) marks. */
static int
feed_cuts(const char *data, size_t len, const size_t *cuts, size_t ncuts,
    char *why, size_t whylen)
{
	struct imap_guard	*g = imap_guard_new();
	size_t			 i, at = 0, next;
	int			 r = 0;

	for (i = 0; i <= ncuts && r == 0; i++) {
		next = i < ncuts ? cuts[i] : len;
		r = imap_guard_feed(g, data + at, next - at);
		at = next;
	}
	snprintf(why, whylen, "%s", imap_guard_error(g) ?
	    imap_guard_error(g) : "");
	/* Refused stays refused. */
	if (r == -1)
		ck_assert_int_eq(imap_guard_feed(g, "x", 1), -1);
	imap_guard_free(g);
	return r;
}

/*
 * The verdict on data (-1 with a reason holding want, or 0) must be
 * the same whole, cut in two at every offset, cut in three at every
 * pair of neighbouring offsets, and fed a byte at a time.
 */
static void
verdict(const char *data, size_t len, int refused, const char *want)
{
	char	 why[256];
	size_t	 cuts[2], *all, i;
	int	 r;

	r = feed_cuts(data, len, NULL, 0, why, sizeof why);
	ck_assert_msg(r == (refused ? -1 : 0), "whole: %d (%s) for %.60s",
	    r, why, data);
	if (refused)
		ck_assert_msg(strstr(why, want) != NULL, "reason \"%s\" lacks "
		    "\"%s\"", why, want);
	for (i = 0; i <= len; i++) {
		cuts[0] = i;
		r = feed_cuts(data, len, cuts, 1, why, sizeof why);
		ck_assert_msg(r == (refused ? -1 : 0), "cut at %zu: %d (%s)",
		    i, r, why);
		if (refused)
			ck_assert_msg(strstr(why, want) != NULL, "cut at %zu: "
			    "\"%s\"", i, why);
		if (i + 1 <= len && len < 4096) {
			cuts[1] = i + 1;
			r = feed_cuts(data, len, cuts, 2, why, sizeof why);
			ck_assert_msg(r == (refused ? -1 : 0), "cut at %zu, "
			    "%zu: %d", i, i + 1, r);
		}
	}
	if (len < 65536) {
		all = xcalloc(len + 1, sizeof *all);
		for (i = 0; i + 1 < len; i++)
			all[i] = i + 1;
		r = feed_cuts(data, len, all, len > 0 ? len - 1 : 0, why,
		    sizeof why);
		ck_assert_msg(r == (refused ? -1 : 0), "bytewise: %d", r);
		free(all);
	}
}

#define OK_(s)		verdict((s), sizeof(s) - 1, 0, NULL)
#define REFUSED(s, w)	verdict((s), sizeof(s) - 1, 1, (w))

/* n '(' then n ')' inside a FETCH: a response nested n + 1 deep. */
static char *
nested(size_t n, size_t *lenp)
{
	const char	*head = "* 1 FETCH (BODYSTRUCTURE ";
	size_t		 h = strlen(head), len = h + 2 * n + 3, i;
	char		*s = xmalloc(len + 1);

	memcpy(s, head, h);
	for (i = 0; i < n; i++) {
		s[h + i] = '(';
		s[h + n + i] = ')';
	}
	memcpy(s + h + 2 * n, ")\r\n", 4);
	*lenp = len;
	return s;
}

/*
 * A legal BODYSTRUCTURE: a text part inside d multiparts, d + 2 deep
 * with the FETCH's own list.
 */
static char *
multipart(size_t d)
{
	const char	*leaf = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)";
	char		*s = xstrdup(leaf), *t;
	size_t		 i;

	for (i = 0; i < d; i++) {
		t = xasprintf("(%s \"mixed\")", s);
		free(s);
		s = t;
	}
	t = xasprintf("* 1 FETCH (BODYSTRUCTURE %s)\r\n", s);
	free(s);
	return t;
}

START_TEST(test_depth)
{
	size_t	 len;
	char	*s;

	/* The FETCH's own list is level 1: 63 more are fine, 64 are not. */
	s = nested(63, &len);
	verdict(s, len, 0, NULL);
	free(s);
	s = nested(64, &len);
	verdict(s, len, 1, "nested over 64 levels deep");
	free(s);
	/* SECURITY.md #22: 100 000 levels (fewer splits: it is long). */
	s = nested(100000, &len);
	{
		char	why[256];
		size_t	cut = 50;

		ck_assert_int_eq(feed_cuts(s, len, NULL, 0, why, sizeof why),
		    -1);
		ck_assert_ptr_nonnull(strstr(why, "over 64 levels"));
		ck_assert_int_eq(feed_cuts(s, len, &cut, 1, why, sizeof why),
		    -1);
	}
	free(s);
	/* Depth ends with the response; quoted parentheses do not count. */
	OK_("* 1 FETCH ((((((((((((((((((((((((((((((((((((((((\r\n"
	    "* 2 FETCH ((((((((((((((((((((((((((((((((((((((((\r\n");
	OK_("* 1 FETCH (ENVELOPE (\"(((((((((((((((((((((((((((((((((((((("
	    "((((((((((((((((((((((((((((((\\\"(((\" NIL))\r\n");
	/* Nor do those of a literal (a body full of them). */
	OK_("* 1 FETCH (UID 3 BODY[] {70}\r\n"
	    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((\r\n"
	    ")\r\n1 OK done\r\n");
	/* A quote inside a literal does not open a string. */
	REFUSED("* 1 FETCH (BODY[] {1}\r\n\"((((((((((((((((((((((((((((((("
	    "(((((((((((((((((((((((((((((((((((((((((((\r\n", "nested over");
	/* Unbalanced ")" cannot buy depth. */
	REFUSED("* 1 FETCH ))))))))))(((((((((((((((((((((((((((((((((((((((("
	    "((((((((((((((((((((((((((\r\n", "nested over");
}
END_TEST

START_TEST(test_literals)
{
	/* SECURITY.md #27: refused at the header, before any byte of it. */
	REFUSED("* 1 FETCH (UID 1 BODY[] {4294967295}\r\nabc",
	    "a literal of 4294967295 bytes");
	REFUSED("* 1 FETCH (UID 1 BODY[] {12345678901234567890}\r\nabc",
	    "over 10 digits");
	REFUSED("* 1 FETCH (BODY[] {1073741825}\r\n",
	    "a literal of 1073741825 bytes");
	OK_("* 1 FETCH (BODY[] {1073741824}\r\nabc");
	/* libetpan's forms: LF alone, leading zeros, empty, no space. */
	OK_("* 1 FETCH (BODY[] {5}\n((((()\r\n1 OK d\r\n");
	OK_("* 1 FETCH (BODY[] {05}\r\n\"{9}\n)\r\n");
	OK_("* 1 FETCH (BODY[]{0}\r\n)\r\n* 2 FETCH (BODY[] {3}\r\n\"\"\")\r\n");
	/* "{5+}" is no literal to libetpan: its bytes are lexed. */
	REFUSED("* 1 FETCH (BODY[] {5+}\r\n* OK [ALERT]\r\n", "[ALERT]");
	/* Not literals: "{" without digits or CRLF right after "}". */
	OK_("* 1 FETCH (X {} {x} {5}x {5}\r\r\n");
}
END_TEST

static int
feed_str(struct imap_guard *g, const char *s)
{
	return imap_guard_feed(g, s, strlen(s));
}

/* Literal bytes add up per response; the next response starts at 0. */
START_TEST(test_literal_total_and_line)
{
	static char		 blob[1 << 20];
	struct imap_guard	*g;
	size_t			 i;

	g = imap_guard_new();
	ck_assert_int_eq(feed_str(g, "* 1 FETCH (BODY[1] {600000000}\r\n"), 0);
	for (i = 0; i < 600000000 / sizeof blob; i++)
		ck_assert_int_eq(imap_guard_feed(g, blob, sizeof blob), 0);
	ck_assert_int_eq(imap_guard_feed(g, blob,
	    600000000 % sizeof blob), 0);
	ck_assert_int_eq(feed_str(g, " BODY[2] {600000000}\r\n"), -1);
	ck_assert_ptr_nonnull(strstr(imap_guard_error(g), "over 1073741824 "
	    "bytes of literals"));
	imap_guard_free(g);

	/* 64 MiB of a line is fine, one byte more is not. */
	memset(blob, 'x', sizeof blob);
	g = imap_guard_new();
	ck_assert_int_eq(imap_guard_feed(g, "* SEARCH", 8), 0);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(imap_guard_feed(g, blob, sizeof blob -
		    (i == 0 ? 8 : 0)), 0);
	ck_assert_int_eq(feed_str(g, "\r\n* SEARCH 1\r\n"), -1);
	imap_guard_free(g);
	g = imap_guard_new();
	ck_assert_int_eq(imap_guard_feed(g, "* SEARCH", 8), 0);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(imap_guard_feed(g, blob, sizeof blob -
		    (i == 0 ? 10 : 0)), 0);
	ck_assert_int_eq(feed_str(g, "\r\n* SEARCH 1\r\n"), 0);
	imap_guard_free(g);
	/* In response text too, and with no special byte to stop at. */
	g = imap_guard_new();
	ck_assert_int_eq(imap_guard_feed(g, "* OK ", 5), 0);
	for (i = 0; i < 64 && imap_guard_feed(g, blob, sizeof blob) == 0; i++)
		;
	ck_assert_int_eq(imap_guard_feed(g, blob, 1), -1);
	ck_assert_ptr_nonnull(strstr(imap_guard_error(g), "outside literals"));
	imap_guard_free(g);
}
END_TEST

/* SECURITY.md #7, #13: the forms that crash libetpan 1.9.4 (probed). */
START_TEST(test_empty_alert)
{
	REFUSED("1 NO [ALERT]\r\n", "an [ALERT] with no text");
	REFUSED("1 NO [ALERT] \r\n", "[ALERT]");
	REFUSED("1 BAD [ALERT]  \r\n", "[ALERT]");
	REFUSED("1 OK [ALERT]\n", "[ALERT]");
	REFUSED("* OK [ALERT]\r\n1 OK d\r\n", "[ALERT]");
	REFUSED("* ok [alert] \t\r\n", "[ALERT]");
	REFUSED("1\tNO\t[ ALERT ]\r\n", "[ALERT]");
	REFUSED("1  NO  [ALERT]\rX\r\n", "[ALERT]");
	REFUSED("1 NO [ALERT]\0x\r\n", "[ALERT]");
	REFUSED("* BYE [ALERT]\r\n", "[ALERT]");
	REFUSED("* PREAUTH [ALERT]\r\n", "[ALERT]");
	REFUSED("+ [ALERT]\r\n", "[ALERT]");
	REFUSED("1 NO [PARSE]\r\n", "a [PARSE] code with no text");
	REFUSED("* 1 EXISTS\r\n* NO [Parse] \r\n", "[PARSE]");
	/* With text, or not a status response: libetpan copes. */
	OK_("1 NO [ALERT] disk full\r\n1 NO [ALERT]x\r\n");
	OK_("* OK [ALERTS]\r\n* OK [ALERT x]\r\n* 3 NO [ALERT]\r\n");
	OK_("* LIST () \"/\" [ALERT]\r\n* OKAY [ALERT]\r\n");
	OK_("* 1 FETCH (BODY[] {16}\r\n\r\n* OK [ALERT]\r\n)\r\n");
	OK_("* 1 FETCH (BODY[] \"\r\n1 NO [ALERT] a\r\n");
}
END_TEST

/*
 * Response text has no literal for libetpan: the guard must not skip
 * what follows "{3}" there, or it would miss what libetpan parses.
 */
START_TEST(test_text_is_not_data)
{
	REFUSED("1 NO no such folder x{3}\r\n* OK [ALERT]\r\n", "[ALERT]");
	OK_("1 NO x{3}\r\n* 1 EXISTS\r\n");
	REFUSED("1 NO x{3}\r\n* 1 FETCH ((((((((((((((((((((((((((((((((((("
	    "(((((((((((((((((((((((((((((((\r\n", "nested");
	OK_("* OK ((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
	    "((((((((((((((((((((\r\n");
	OK_("+ \"go ahead {5}\r\n1 OK d\r\n");
	/* Where tern's readers would disagree on a literal: refused. */
	REFUSED("* OK a {11}\r\nx {99999}\r\n1 OK done\r\n",
	    "ends like a literal");
	REFUSED("1 NO [BADCHARSET ({5}\r\nabcde)] x\r\n",
	    "inside a BADCHARSET");
	OK_("1 NO [BADCHARSET (UTF-8 US-ASCII)] x\r\n");
}
END_TEST

/* What real servers send stays untouched (a Dovecot session). */
START_TEST(test_real_traffic)
{
	OK_("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE "
	    "IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n"
	    "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
	    "* LIST (\\HasNoChildren) \"/\" {5}\r\nx\"y(z\r\n"
	    "* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 1 UNSEEN 0 "
	    "HIGHESTMODSEQ 9)\r\n"
	    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
	    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\*)] Flags.\r\n"
	    "* 2 EXISTS\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n"
	    "* VANISHED (EARLIER) 3:5,9\r\n"
	    "* 1 FETCH (UID 1 FLAGS (\\Seen $Forwarded) MODSEQ (4) "
	    "INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" RFC822.SIZE 90 "
	    "BODY[HEADER.FIELDS (FROM SUBJECT)] {40}\r\n"
	    "From: a@b\r\nSubject: (x {3}\r\n\"\r\n\r\n\r\n)\r\n"
	    "* 2 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" "
	    "\"utf-8\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)(\"message\" "
	    "\"rfc822\" NIL NIL NIL \"7bit\" 9 (NIL \"s\" ((\"A\" NIL \"a\" "
	    "\"b\")) NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL "
	    "NIL \"7bit\" 1 1) 1) \"mixed\" (\"boundary\" \"b\") NIL NIL))\r\n"
	    "3 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
	    "+ idling\r\n* OK Still here\r\n4 NO [ALERT] Quota exceeded\r\n");
}
END_TEST

/* ---- whole sessions against a hostile peer ---- */

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
maxrss_kb(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#define GREETING	"* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n"
#define SELECTED	"* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" \
			"1 OK [READ-WRITE] selected\r\n"

struct got {
	uint32_t	 uid;
	char		*body;
	size_t		 len;
	size_t		 n;
};

static int
on_msg(const struct imap_msg *m, void *ctx)
{
	struct got	*g = ctx;

	g->n++;
	g->uid = m->uid;
	if (m->body != NULL) {
		free(g->body);
		g->body = xstrndup(m->body, m->body_len);
		g->len = m->body_len;
	}
	return 0;
}

/* SECURITY.md #22: an unsolicited FETCH nested 100 000 levels deep. */
START_TEST(test_session_nested)
{
	struct peer		 p;
	struct imap_conn	*c;
	struct imap_sel		 sel;
	char			*err = NULL, *s;
	size_t			 len;
	double			 t0;

	memset(&p, 0, sizeof p);
	s = nested(100000, &len);
	p.replies[0] = xmalloc(len + 20);
	memcpy(p.replies[0], s, len);
	memcpy(p.replies[0] + len, "1 OK done\r\n", 11);
	p.lens[0] = len + 11;
	free(s);
	peer_start(&p, GREETING, 0);
	c = peer_session(&p);
	t0 = now();
	ck_assert_int_eq(imap_select(c, "INBOX", 0, 0, &sel, on_msg, NULL,
	    &err), -1);
	/* Milliseconds in fact: generous for a loaded machine. */
	ck_assert_double_lt(now() - t0, 2.0);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "nested over 64 levels deep") != NULL,
	    "error: %s", err);
	ck_assert_int_eq(c->dead, 1);
	free(err);
	imap_sel_clear(&sel);
	imap_close(c);
	peer_stop(&p);
}
END_TEST

/*
 * SECURITY.md #27 on libetpan's path: a BODY[] fetch announcing 4 GiB
 * or a 20-digit length.  The peer keeps the line open: without the
 * guard libetpan would wait for the bytes (or allocate them).
 */
static void
huge_literal(const char *reply, const char *want)
{
	struct peer		 p;
	struct imap_conn	*c;
	struct imap_sel		 sel;
	struct got		 got;
	uint32_t		 uid = 1;
	char			*err = NULL;
	double			 t0;
	long			 rss0;

	memset(&p, 0, sizeof p);
	memset(&got, 0, sizeof got);
	peer_reply(&p, 0, SELECTED);
	peer_reply(&p, 1, reply);
	peer_start(&p, GREETING, 3);
	c = peer_session(&p);
	ck_assert_int_eq(imap_select(c, "INBOX", 0, 0, &sel, on_msg, NULL,
	    &err), 0);
	ck_assert_int_eq(sel.exists, 3);
	imap_sel_clear(&sel);
	rss0 = maxrss_kb();
	t0 = now();
	ck_assert_int_eq(imap_fetch(c, &uid, 1, IMAP_FETCH_BODY, NULL, 0,
	    on_msg, &got, &err), -1);
	ck_assert_double_lt(now() - t0, 2.0);
	ck_assert_msg(strstr(err, want) != NULL, "error: %s", err);
	ck_assert_int_eq(c->dead, 1);
	ck_assert_int_eq(got.n, 0);
	/* No allocation of what was announced. */
	ck_assert_int_lt(maxrss_kb() - rss0, 64 * 1024);
	free(err);
	imap_close(c);
	peer_stop(&p);
}

START_TEST(test_session_huge_literal)
{
	huge_literal("* 1 FETCH (UID 1 BODY[] {4294967295}\r\nFrom: x\r\n",
	    "UID FETCH: the server announced a literal of 4294967295 bytes");
	huge_literal("* 1 FETCH (UID 1 BODY[] {98765432109876543210}\r\n"
	    "From: x\r\n", "a literal with a length of over 10 digits");
}
END_TEST

/* SECURITY.md #7, #13: "1 NO [ALERT]" no longer reaches libetpan. */
START_TEST(test_session_empty_alert)
{
	struct peer		 p;
	struct imap_conn	*c;
	struct imap_sel		 sel;
	struct tls_params	 tp;
	char			*err = NULL;

	memset(&p, 0, sizeof p);
	peer_reply(&p, 0, "1 NO [ALERT]\r\n");
	peer_start(&p, GREETING, 0);
	c = peer_session(&p);
	ck_assert_int_eq(imap_select(c, "INBOX", 0, 0, &sel, on_msg, NULL,
	    &err), -1);
	ck_assert_msg(strstr(err, "SELECT: the server sent an [ALERT] with "
	    "no text; connection dropped") != NULL, "error: %s", err);
	ck_assert_int_eq(c->dead, 1);
	free(err);
	err = NULL;
	imap_sel_clear(&sel);
	imap_close(c);
	peer_stop(&p);

	/* In the greeting, the error says so at connect. */
	memset(&p, 0, sizeof p);
	peer_start(&p, "* OK [ALERT] \r\n", 0);
	memset(&gacct, 0, sizeof gacct);
	gacct.name = "t";
	gacct.imap.host = "127.0.0.1";
	gacct.imap.port = p.port;
	gacct.imap.tls = TLS_PLAIN;
	gacct.timeout = 10;
	ck_assert_ptr_null(imap_connect(&gacct, &err));
	ck_assert_msg(strstr(err, "an [ALERT] with no text") != NULL,
	    "error: %s", err);
	free(err);
	peer_stop(&p);
	/* SMTP and other users of the driver have no guard. */
	memset(&p, 0, sizeof p);
	peer_start(&p, "1 NO [ALERT]\r\n", 0);
	memset(&tp, 0, sizeof tp);
	tp.host = "127.0.0.1";
	tp.port = p.port;
	tp.timeout = 10;
	{
		mailstream_low	*low = tls_connect(&tp, &err);
		char		 buf[64];

		ck_assert_ptr_nonnull(low);
		ck_assert_int_eq(mailstream_low_read(low, buf, sizeof buf), 14);
		ck_assert_ptr_null(tls_guard_error(low));
		mailstream_low_close(low);
		mailstream_low_free(low);
	}
	peer_stop(&p);
}
END_TEST

/*
 * What is fine still parses: a deep-but-legal BODYSTRUCTURE during
 * SELECT, a body literal full of parentheses, quotes, braces and
 * "[ALERT]" lines, the lean header reader, and libetpan afterwards.
 */
START_TEST(test_session_legit)
{
	static const char body[] = "Subject: ((((\"{5}\r\n\r\n"
	    "1 NO [ALERT]\r\n* OK [ALERT]\r\n)))))))) {99999999999}\r\n";
	static const char *const fields[] = { "Subject", NULL };
	struct peer		 p;
	struct imap_conn	*c;
	struct imap_sel		 sel;
	struct got		 got;
	uint32_t		 uid = 2;
	char			*err = NULL, *s, buf[512];

	memset(&p, 0, sizeof p);
	memset(&got, 0, sizeof got);
	/* 62 levels: as deep as the guard lets through. */
	s = multipart(60);
	p.replies[0] = xasprintf("%s%s", s, SELECTED);
	p.lens[0] = strlen(p.replies[0]);
	free(s);
	snprintf(buf, sizeof buf, "* 2 FETCH (UID 2 FLAGS (\\Seen) BODY[] "
	    "{%zu}\r\n%s)\r\n2 OK done\r\n", sizeof body - 1, body);
	peer_reply(&p, 1, buf);
	peer_reply(&p, 2, "* 2 FETCH (UID 2 FLAGS () INTERNALDATE "
	    "\"01-Jan-2024 10:00:00 +0000\" RFC822.SIZE 9 "
	    "BODY[HEADER.FIELDS (Subject)] {12}\r\nSubject: (\r\n)\r\n"
	    "3 OK done\r\n");
	peer_reply(&p, 3, "* 1 EXPUNGE\r\n4 OK [ALERT] stored\r\n");
	peer_start(&p, GREETING, 0);
	c = peer_session(&p);
	ck_assert_int_eq(imap_select(c, "INBOX", 0, 0, &sel, on_msg, &got,
	    &err), 0);
	ck_assert_int_eq(sel.uidvalidity, 7);
	imap_sel_clear(&sel);
	ck_assert_int_eq(imap_fetch(c, &uid, 1, IMAP_FETCH_BODY, NULL, 0,
	    on_msg, &got, &err), 0);
	ck_assert_int_eq(got.uid, 2);
	ck_assert_uint_eq(got.len, sizeof body - 1);
	ck_assert_str_eq(got.body, body);
	got.n = 0;
	ck_assert_int_eq(imap_fetch(c, &uid, 1, IMAP_FETCH_HEADERS, fields, 0,
	    on_msg, &got, &err), 0);
	ck_assert_int_eq(got.n, 1);
	ck_assert_int_eq(imap_store(c, &uid, 1, 1, FLAG_SEEN, &err), 0);
	ck_assert_ptr_null(imap_guard_reason(c));
	ck_assert_int_eq(c->dead, 0);
	free(got.body);
	imap_close(c);
	peer_stop(&p);
}
END_TEST

/*
 * The header sync's lean reader (imap_fetch.c) takes "{11}" at the end
 * of an untagged OK as a literal, libetpan and the guard as text: the
 * reader skips "x {99999}" and parses on, while the guard would take
 * that line as announcing 99999 bytes of literal and look no further,
 * so what the reader hands back to libetpan afterwards (a nested
 * FETCH) would pass unseen.  The guard refuses such text.
 */
START_TEST(test_session_lean_reader_disagreement)
{
	static const char *const fields[] = { "Subject", NULL };
	struct peer		 p;
	struct imap_conn	*c;
	uint32_t		 uid = 1;
	char			*err = NULL, *s;
	size_t			 len;

	memset(&p, 0, sizeof p);
	s = nested(100000, &len);
	p.replies[0] = xasprintf("* OK a {11}\r\nx {99999}\r\n1 OK done\r\n"
	    "%s", s);
	p.lens[0] = strlen(p.replies[0]);
	free(s);
	peer_start(&p, GREETING, 0);
	c = peer_session(&p);
	ck_assert_int_eq(imap_fetch(c, &uid, 1, IMAP_FETCH_HEADERS, fields, 0,
	    on_msg, NULL, &err), -1);
	ck_assert_msg(strstr(err, "UID FETCH: the server sent an untagged "
	    "status response whose text ends like a literal; connection "
	    "dropped") != NULL, "error: %s", err);
	ck_assert_int_eq(c->dead, 1);
	free(err);
	imap_close(c);
	peer_stop(&p);
}
END_TEST

/* ---- what libetpan 1.9.4 does without the guard (pinned) ---- */

/*
 * The child's side: with TERN_GUARD_PIN=PORT in the environment this
 * binary connects there before main(), parses the peer's reply to a
 * NOOP with libetpan alone (no guard on the stream) and exits 0 if it
 * survived.  A fresh exec: valgrind (make valgrind) does not follow
 * it, and the default SIGSEGV action keeps ASan from reporting the
 * crash this pins as a failure of the sanitizer pass.
 */
__attribute__((constructor)) static void
pin_child(void)
{
	struct sigaction	 sa;
	struct tls_params	 tp;
	mailimap		*imap;
	mailstream_low		*low;
	const char		*port = getenv("TERN_GUARD_PIN");
	char			*err = NULL;

	if (port == NULL)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&tp, 0, sizeof tp);
	tp.host = "127.0.0.1";
	tp.port = atoi(port);
	tp.timeout = 5;
	if ((low = tls_connect(&tp, &err)) == NULL)
		_exit(3);
	imap = mailimap_new(0, NULL);
	if (mailimap_connect(imap, mailstream_new(low, 8192)) !=
	    MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		_exit(4);
	(void)mailimap_noop(imap);
	_exit(0);
}

/*
 * Runs reply through libetpan's own parser in a child, killed after
 * 10 s: 1 if the child came back normally, 0 if it crashed or hung.
 */
static int
libetpan_survives(const char *reply)
{
	struct peer	 p;
	pid_t		 pid;
	char		 port[16];
	int		 st = 0, i;

	memset(&p, 0, sizeof p);
	peer_reply(&p, 0, reply);
	peer_start(&p, "* OK [CAPABILITY IMAP4rev1] hi\r\n", 0);
	snprintf(port, sizeof port, "%d", p.port);
	if ((pid = fork()) == 0) {
		setenv("TERN_GUARD_PIN", port, 1);
		execl("/proc/self/exe", "check_guard", (char *)NULL);
		_exit(5);
	}
	ck_assert_int_ne(pid, -1);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (i == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	/* If the child never connected, accept() must end too. */
	shutdown(p.lfd, SHUT_RDWR);
	peer_stop(&p);
	ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) >= 3),
	    "the child could not run the parser: %d", WEXITSTATUS(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

START_TEST(test_libetpan_pinned)
{
	size_t	 len;
	char	*s, *r;

	/* Fine input: the harness itself works. */
	ck_assert_int_eq(libetpan_survives("1 OK [ALERT] fine\r\n"), 1);
	/*
	 * An [ALERT] with no text: libetpan 1.9.4 crashes (strdup(NULL)).
	 * If this fails, libetpan was fixed: the guard's ALERT rule can go.
	 */
	ck_assert_int_eq(libetpan_survives("1 NO [ALERT]\r\n"), 0);
	ck_assert_int_eq(libetpan_survives("* OK [PARSE] \r\n1 OK d\r\n"), 0);
	/* 100 000 nested levels: its recursion overflows the stack. */
	s = nested(100000, &len);
	r = xasprintf("%s1 OK d\r\n", s);
	ck_assert_int_eq(libetpan_survives(r), 0);
	free(r);
	free(s);
}
END_TEST

/* push_idle()'s caller is never busy here: DONE at once. */
static int
busy_now(struct engine *e)
{
	(void)e;
	return 1;
}

/*
 * push_idle() reads what comes before "+ idling" line by line.  A line
 * there that announces a literal would make the guard skip its bytes
 * while push.c reads them as lines, and libetpan parse after DONE what
 * the guard never saw: the session is dropped instead.  Untagged data
 * without a literal still counts as a change.
 */
START_TEST(test_push_idle_literal)
{
	struct peer		 p;
	struct imap_conn	*c;

	memset(&p, 0, sizeof p);
	/* Without the check: "* 2 EXISTS" read as a line, IDLE goes on. */
	peer_reply(&p, 0, "* 1 FETCH (BODY[] {12}\r\n* 2 EXISTS\r\n"
	    "+ idling\r\n");
	peer_reply(&p, 1, "1 OK done\r\n");
	peer_start(&p, GREETING, 0);
	c = peer_session(&p);
	ck_assert_int_eq(push_idle(NULL, c, 1, busy_now), -1);
	ck_assert_int_eq(c->dead, 1);
	imap_close(c);
	peer_stop(&p);

	memset(&p, 0, sizeof p);
	peer_reply(&p, 0, "* 4 EXISTS\r\n+ idling\r\n");
	peer_reply(&p, 1, "1 OK done\r\n");
	peer_start(&p, GREETING, 0);
	c = peer_session(&p);
	ck_assert_int_eq(push_idle(NULL, c, 1, busy_now), 1);
	ck_assert_int_eq(c->dead, 0);
	imap_close(c);
	peer_stop(&p);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("guard");
	TCase	*tc = tcase_create("core");

	tls_init();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_literal_total_and_line);
	tcase_add_test(tc, test_empty_alert);
	tcase_add_test(tc, test_text_is_not_data);
	tcase_add_test(tc, test_real_traffic);
	tcase_add_test(tc, test_session_nested);
	tcase_add_test(tc, test_session_huge_literal);
	tcase_add_test(tc, test_session_empty_alert);
	tcase_add_test(tc, test_session_legit);
	tcase_add_test(tc, test_session_lean_reader_disagreement);
	tcase_add_test(tc, test_libetpan_pinned);
	tcase_add_test(tc, test_push_idle_literal);
	suite_add_tcase(s, tc);
	return s;
}
