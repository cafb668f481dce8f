/*
 * check_render.c - unit tests for render.c: messages become the pager
 * lines a NeoMutt or aerc user expects (headers, quotes, signature,
 * alternative and HTML parts, attached messages, the parts list, URLs),
 * no output line can carry a control sequence however it was hidden
 * (SECURITY.md #12-#15, #26), and hostile structures are cut at the
 * limits with a note (#20, #21, #24, #25).  Single-threaded test binary;
 * the big inputs are generated here, not kept in tests/data.
 */
#include "check_main.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"

#define FFFD	"\xEF\xBF\xBD"

/* The lines as "K|text\n": H header, B body, Qn quote, S signature,
 * P part, N note, _ blank. */
static char *
dump(const struct rendered *r)
{
	size_t	 i, len = 1;
	char	*s, *p;

	for (i = 0; i < r->nlines; i++)
		len += strlen(r->lines[i].text) + 8;
	p = s = xmalloc(len);
	for (i = 0; i < r->nlines; i++) {
		const struct render_line *l = &r->lines[i];

		switch (l->kind) {
		case RENDER_HEADER:	*p++ = 'H'; break;
		case RENDER_BODY:	*p++ = 'B'; break;
		case RENDER_QUOTE:
			p += sprintf(p, "Q%d", l->level > 9 ? 9 : l->level);
			break;
		case RENDER_SIGNATURE:	*p++ = 'S'; break;
		case RENDER_PART:	*p++ = 'P'; break;
		case RENDER_NOTE:	*p++ = 'N'; break;
		case RENDER_BLANK:	*p++ = '_'; break;
		}
		p += sprintf(p, "|%s\n", l->text);
	}
	*p = '\0';
	return s;
}

static void
setup_tz(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

static const struct row {
	const char	*name;
	const char	*msg;
	const char	*want;
} rows[] = {
	{ "plain",
	    "From: Alice <alice@example.com>\nTo: bob@example.com\n"
	    "Cc: carol@example.com\nDate: Sat, 28 Nov 2026 10:55:12 +0000\n"
	    "Subject: Hello\nX-Other: hidden\n\nHi Bob.\n",
	    "H|From: Alice <alice@example.com>\nH|To: bob@example.com\n"
	    "H|Cc: carol@example.com\nH|Date: Sat, 28 Nov 2026 10:55\n"
	    "H|Subject: Hello\n_|\nB|Hi Bob.\n" },
	{ "encoded_headers",
	    "From: =?utf-8?q?J=C3=B6rg?= <j@example.de>\n"
	    "Subject: =?iso-8859-1?q?Gr=FC=DFe?=\n\nx\n",
	    "H|From: Jörg <j@example.de>\nH|Subject: Grüße\n_|\nB|x\n" },
	{ "display_name_at",		/* SECURITY.md #15 */
	    "From: \"bank@example.com\" <x@evil.example>\n\nx\n",
	    "H|From: \"bank@example.com\" <x@evil.example>\n"
	    "N|[warning: the sender's name contains an address; the real "
	    "address is the one in <>]\n_|\nB|x\n" },
	{ "display_name_at_encoded",
	    "From: =?utf-8?q?bank=40example=2Ecom?= <x@evil.example>\n\nx\n",
	    "H|From: \"bank@example.com\" <x@evil.example>\n"
	    "N|[warning: the sender's name contains an address; the real "
	    "address is the one in <>]\n_|\nB|x\n" },
	{ "quotes",
	    "\n> one\n>> two\n> > two too\n>no space\n >not a quote\n"
	    "> > > three\n",
	    "_|\nQ1|> one\nQ2|>> two\nQ2|> > two too\nQ1|>no space\n"
	    "B| >not a quote\nQ3|> > > three\n" },
	{ "signature",
	    "\nbody\n--\nnot yet\n-- x\nstill body\n-- \nAlice\n> q\n\nend\n",
	    "_|\nB|body\nB|--\nB|not yet\nB|-- x\nB|still body\nS|-- \n"
	    "S|Alice\nS|> q\n_|\nS|end\n" },
	{ "signature_crlf", "\r\nbody\r\n-- \r\nsig\r\n",
	    "_|\nB|body\nS|-- \nS|sig\n" },
	{ "tabs", "\na\tb\n\tc\nabcdefgh\ti\n",
	    "_|\nB|a       b\nB|        c\nB|abcdefgh        i\n" },
	{ "blank_lines", "\na\n\n\nb\n\n\n",
	    "_|\nB|a\n_|\n_|\nB|b\n" },
	{ "nul_in_body", "\na\0b\n",		/* shortened by strlen: see test_nul */
	    "_|\nB|a\n" },
	{ "undeclared_latin1", "\ncaf\xe9 \x80\n",
	    "_|\nB|café €\n" },
	{ "declared_utf8_invalid",
	    "Content-Type: text/plain; charset=utf-8\n\ncaf\xe9\n",
	    "_|\nB|caf" FFFD "\n" },
	{ "qp_latin1",
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nsch=F6n=\n"
	    " und gut=\n",
	    "_|\nB|schön und gut\n" },
	{ "base64_broken",		/* SECURITY.md #25 */
	    "Content-Transfer-Encoding: base64\n\nSGVsbG8g*d29y!bGQ\n=",
	    "_|\nB|Hello world\n" },
	{ "alternative_prefers_plain",
	    "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	    "Content-Type: text/html\n\n<p>html</p>\n--b\n"
	    "Content-Type: text/plain\n\nplain\n--b--\n",
	    "_|\nB|plain\n_|\nP|[1] text/html  -  11 B\n"
	    "P|[2] text/plain  -  5 B\n" },
	{ "html_only",
	    "Content-Type: text/html; charset=utf-8\n\n<p>Hi &amp; bye</p>"
	    "<script>x()</script><a href=\"https://e.example/\">link</a>\n",
	    "_|\nN|[html shown as text by tern's tag stripper]\nB|Hi & bye\n"
	    "_|\nB|link <https://e.example/>\n" },
	{ "alternative_html_in_related",
	    "Content-Type: multipart/alternative; boundary=a\n\n--a\n"
	    "Content-Type: multipart/related; boundary=r\n\n--r\n"
	    "Content-Type: text/html\n\n<b>rich</b>\n--r\n"
	    "Content-Type: image/png\n\nPNG\n--r--\n--a--\n",
	    "_|\nN|[html shown as text by tern's tag stripper]\nB|rich\n_|\n"
	    "P|[1]   text/html  -  11 B\nP|[2]   image/png  -  3 B\n" },
	{ "mixed_inline_parts",
	    "Content-Type: multipart/mixed; boundary=m\n\n--m\n\nfirst\n--m\n"
	    "Content-Type: application/pdf; name=\"r.pdf\"\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--m\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Disposition: inline\n\nsecond\n--m\n"
	    "Content-Type: text/plain\nContent-Disposition: attachment; "
	    "filename=notes.txt\n\nnot shown\n--m\n"
	    "Content-Type: text/calendar\n\nBEGIN:VCALENDAR\n--m--\n",
	    "_|\nB|first\n_|\nB|second\n_|\n"
	    "P|[1] text/plain  -  5 B\nP|[2] application/pdf  r.pdf  9 B\n"
	    "P|[3] text/plain  us-ascii  6 B\n"
	    "P|[4] text/plain  notes.txt  9 B\n"
	    "P|[5] text/calendar  -  15 B\n" },
	{ "single_attachment",
	    "Content-Type: application/zip\nContent-Disposition: attachment; "
	    "filename=a.zip\n\nPK",
	    "_|\n_|\nP|[1] application/zip  a.zip  2 B\n" },
	{ "forwarded",
	    "Subject: Fwd\nContent-Type: multipart/mixed; boundary=o\n\n--o\n"
	    "\nsee below\n--o\nContent-Type: message/rfc822\n\n"
	    "From: Old <old@example.com>\nSubject: =?utf-8?q?Alt=C3=A9?=\n"
	    "\ninner\n> q\n--o--\n",
	    "H|Subject: Fwd\n_|\nB|see below\n_|\nN|[-- attached message --]\n"
	    "H|From: Old <old@example.com>\nH|Subject: Alté\n_|\nB|inner\n"
	    "Q1|> q\n_|\nP|[1] text/plain  -  9 B\n"
	    "P|[2] message/rfc822  -  69 B\nP|[3]   text/plain  -  9 B\n" },
	{ "missing_boundary_as_text",
	    "Content-Type: multipart/mixed\n\n--x\nhello\n",
	    "_|\nB|--x\nB|hello\n" },
	{ "lone_quote_boundary",	/* SECURITY.md #20 */
	    "Content-Type: multipart/mixed; boundary=\"\\\"\"\n\n--\"\n\n"
	    "one\n--\"--\n",
	    "_|\nB|one\n" },
	{ "bad_date_as_written", "Date: next Tuesday\n\nx\n",
	    "H|Date: next Tuesday\n_|\nB|x\n" },
	{ "top_level_rfc822", "Subject: outer\nContent-Type: message/rfc822\n"
	    "\nSubject: inner\n\nbody\n",
	    "H|Subject: outer\n_|\nN|[-- attached message --]\n"
	    "H|Subject: inner\n_|\nB|body\n_|\n"
	    "P|[1] message/rfc822  -  21 B\nP|[2] text/plain  -  5 B\n" },
	{ "mbox_from_line", "From alice@example.com Sat Nov 28 10:55:00 2026\n"
	    "Subject: hi\n\nbody\n", "H|Subject: hi\n_|\nB|body\n" },
	{ "empty", "", "_|\n" },
};

START_TEST(test_table)
{
	const struct row	*r = &rows[_i];
	struct rendered		 out;
	char			*got;

	setup_tz();
	render_message(r->msg, strlen(r->msg), NULL, &out);
	got = dump(&out);
	ck_assert_msg(strcmp(got, r->want) == 0, "%s:\n%s", r->name, got);
	free(got);
	rendered_free(&out);
}
END_TEST

START_TEST(test_nul)			/* SECURITY.md #26 */
{
	static const char msg[] = "Subject: a\0b\n\nx\0y\n";
	struct rendered	 out;
	char		*got;

	render_message(msg, sizeof msg - 1, NULL, &out);
	got = dump(&out);
	ck_assert_msg(strstr(got, "B|x" FFFD "y\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "H|Subject: a" FFFD "b\n") != NULL, "%s",
	    got);
	free(got);
	rendered_free(&out);
}
END_TEST

START_TEST(test_full_headers)
{
	static const char msg[] = "From: a@b\nX-Mailer: =?utf-8?q?M=C3=BCll?="
	    "\nReceived: from x\n\tby y\nSubject: s\n\nbody\n";
	struct render_opts	 o = { 1, 0, NULL };
	struct rendered		 out;
	char			*got;

	render_message(msg, strlen(msg), &o, &out);
	got = dump(&out);
	ck_assert_str_eq(got, "H|From: a@b\nH|X-Mailer: Müll\n"
	    "H|Received: from x by y\nH|Subject: s\n_|\nB|body\n");
	ck_assert_int_eq(out.lines[1].level, 8);
	free(got);
	rendered_free(&out);
}
END_TEST

START_TEST(test_raw)
{
	static const char msg[] = "Subject: =?utf-8?q?x?=\r\n\r\n"
	    "a\tb\x1b[2J\r\nc=E9\n";
	struct render_opts	 o = { 0, 1, NULL };
	struct rendered		 out;
	char			*got;

	render_message(msg, strlen(msg), &o, &out);
	got = dump(&out);
	ck_assert_str_eq(got, "B|Subject: =?utf-8?q?x?=\nB|\n"
	    "B|a       b[2J\nB|c=E9\n");
	free(got);
	rendered_free(&out);
}
END_TEST

START_TEST(test_urls)
{
	static const char msg[] = "Content-Type: multipart/alternative; "
	    "boundary=b\n\n--b\n\nSee https://example.com/a?b=1&c=2.\n"
	    "(http://example.org/x_(y)) and <mailto:bob@example.com>,\n"
	    "ftp://ftp.example.net/f, again https://example.com/a?b=1&c=2\n"
	    "> quoted HTTPS://Q.example/\nnot:http:/x nohttp://x.y\n"
	    "-- \nhttps://sig.example/\n--b--\n";
	static const char *const want[] = { "https://example.com/a?b=1&c=2",
	    "http://example.org/x_(y)", "mailto:bob@example.com",
	    "ftp://ftp.example.net/f", "HTTPS://Q.example/",
	    "https://sig.example/" };
	struct rendered	 out;
	size_t		 i;

	render_message(msg, strlen(msg), NULL, &out);
	ck_assert_uint_eq(out.nurls, sizeof want / sizeof want[0]);
	for (i = 0; i < out.nurls; i++)
		ck_assert_str_eq(out.urls[i], want[i]);
	rendered_free(&out);
	rendered_free(NULL);
}
END_TEST

/* The payloads of SECURITY.md #12-#14. */
static const char *const payloads[] = {
	"\x1b[2J", "\x1b]0;title\x07", "\x1b]8;;http://evil/\x1b\\",
	"\x1b]50;font\x07", "\x1b]52;c;ZXZpbA==\x07", "\x1bP$q m\x1b\\",
	"\x1bGQ", "\xc2\x9b" "2J", "\x9b" "2J", "a\bb", "a\rb",
	"\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8f", "\xef\xbb\xbf",
	"\xc2\xad", "\x7f",
};

/* 1 if a line holds anything a terminal acts on or that reorders text. */
static int
unsafe(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n = strlen(s), k;
	unsigned int		 cp;

	if (!utf8_valid(u, n))
		return 1;
	for (i = 0; i < n; i += k) {
		k = utf8_decode(u + i, n - i, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x202E ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
		    cp == 0x200F || cp == 0xFEFF || cp == 0xAD)
			return 1;
	}
	return 0;
}

static void
check_clean(const char *msg, size_t len, int raw, const char *what)
{
	struct render_opts	 o = { 0, 0, NULL };
	struct rendered		 out;
	size_t			 i, k;

	for (k = 0; k < 3; k++) {
		o.raw = raw;
		o.full_headers = k == 1;
		if (k == 2 && !raw)
			o.raw = 1;
		render_message(msg, len, &o, &out);
		for (i = 0; i < out.nlines; i++)
			ck_assert_msg(!unsafe(out.lines[i].text),
			    "%s: line %zu unsafe", what, i);
		for (i = 0; i < out.nurls; i++)
			ck_assert(!unsafe(out.urls[i]));
		rendered_free(&out);
	}
}

static char *
b64(const char *s)
{
	return base64_encode(s, strlen(s));
}

START_TEST(test_hostile)		/* SECURITY.md #12, #13, #14 */
{
	const char	*p = payloads[_i];
	char		*e = b64(p), *qp, *q, *msg;
	size_t		 i;

	/* QP of the payload, every byte encoded. */
	qp = q = xmalloc(strlen(p) * 3 + 1);
	for (i = 0; p[i] != '\0'; i++)
		q += sprintf(q, "=%02X", (unsigned char)p[i]);
	msg = xasprintf(
	    "From: Evil%s Name <evil%s@x.example>\n"
	    "To: =?utf-8?b?%s?= <to@x.example>\n"
	    "Subject: plain %s and =?utf-8?b?%s?= and =?utf-8?q?%s?=\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; charset=utf-8\n\nbody %s end\n"
	    "> quoted %s\n-- \nsig %s\n--b\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nqp %s\n--b\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n--b\n"
	    "Content-Type: text/html\n\n<p title=\"%s\">html %s &#x1b;[2J"
	    "&#155;&#x202e;</p><a href=\"http://x/%s\">l</a>\n--b\n"
	    "Content-Type: application/pdf; name=\"n%sn.pdf\"\n\nx\n--b\n"
	    "Content-Disposition: attachment; filename*=utf-8''%s\n\nx\n--b\n"
	    "Content-Disposition: attachment; filename=\"=?utf-8?b?%s?=\"\n"
	    "\nx\n--b\nContent-Type: message/rfc822\n\nSubject: in %s\n\n"
	    "inner %s\n--b--\n",
	    p, p, e, p, e, qp, p, p, p, qp, e, p, p, p, p, qp, e, p, p);
	check_clean(msg, strlen(msg), 0, p);
	free(msg);
	free(qp);
	free(e);
}
END_TEST

START_TEST(test_hostile_fixture)
{
	FILE		*fp = fopen("tests/data/mail/hostile.eml", "r");
	char		 buf[65536];
	size_t		 n;
	struct rendered	 out;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	check_clean(buf, n, 0, "hostile.eml");
	check_clean(buf, n, 1, "hostile.eml raw");
	render_message(buf, n, NULL, &out);
	ck_assert_uint_ge(out.nlines, 10);
	rendered_free(&out);
}
END_TEST

static double
seconds(struct timespec a)
{
	struct timespec	 b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

static int
has_note(const struct rendered *r, const char *text)
{
	size_t	 i;

	for (i = 0; i < r->nlines; i++)
		if (r->lines[i].kind == RENDER_NOTE &&
		    strstr(r->lines[i].text, text) != NULL)
			return 1;
	return 0;
}

START_TEST(test_nested)			/* SECURITY.md #21 */
{
	size_t		 n = 20000, i, cap = n * 96 + 256, len = 0;
	char		*m = xmalloc(cap);
	struct rendered	 out;
	struct timespec	 t0;
	int		 maxd = 0;

	for (i = 0; i < n; i++)
		len += (size_t)sprintf(m + len, "Content-Type: multipart/mixed;"
		    " boundary=b%zu\n\n--b%zu\n", i, i);
	len += (size_t)sprintf(m + len, "\ninnermost\n");
	for (i = n; i-- > 0;)
		len += (size_t)sprintf(m + len, "--b%zu--\n", i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	render_message(m, len, NULL, &out);
	fprintf(stderr, "render: 20,000 nested multiparts (%zu bytes) in "
	    "%.3f s\n", len, seconds(t0));
	ck_assert(out.truncated && out.mime.truncated);
	ck_assert_uint_le(out.mime.nparts, MIME_PARTS_MAX);
	for (i = 0; i < out.mime.nparts; i++)
		if (out.mime.parts[i].depth > maxd)
			maxd = out.mime.parts[i].depth;
	ck_assert_int_eq(maxd, MIME_DEPTH_MAX);
	ck_assert(has_note(&out, "MIME structure"));
	rendered_free(&out);
	free(m);
}
END_TEST

START_TEST(test_siblings)		/* SECURITY.md #21 */
{
	size_t		 n = 100000, i, cap = n * 48 + 256, len = 0;
	char		*m = xmalloc(cap);
	struct rendered	 out;
	struct timespec	 t0;

	len += (size_t)sprintf(m, "Content-Type: multipart/mixed; "
	    "boundary=b\n\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(m + len, "--b\n\npart %zu\n", i);
	len += (size_t)sprintf(m + len, "--b--\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	render_message(m, len, NULL, &out);
	fprintf(stderr, "render: 100,000 sibling parts (%zu bytes) in %.3f s\n",
	    len, seconds(t0));
	ck_assert(out.truncated && out.mime.truncated);
	ck_assert_uint_eq(out.mime.nparts, MIME_PARTS_MAX);
	ck_assert(has_note(&out, "MIME structure"));
	ck_assert_uint_lt(out.nlines, 3 * MIME_PARTS_MAX);
	rendered_free(&out);
	free(m);
}
END_TEST

START_TEST(test_big_body)		/* SECURITY.md #24 */
{
	size_t		 n = 100 * 1024 * 1024, hl;
	char		*m = xmalloc(n + 64);
	struct rendered	 out;
	struct timespec	 t0;
	size_t		 i, total = 0;

	hl = (size_t)sprintf(m, "Subject: big\n\n");
	memset(m + hl, 'a', n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	render_message(m, hl + n, NULL, &out);
	fprintf(stderr, "render: 100 MB body without a newline in %.3f s\n",
	    seconds(t0));
	ck_assert(out.truncated);
	for (i = 0; i < out.nlines; i++) {
		ck_assert_uint_le(strlen(out.lines[i].text), 64 * 1024);
		total += strlen(out.lines[i].text);
	}
	ck_assert_uint_le(total, 65 * 1024);
	ck_assert(has_note(&out, "64 KiB"));
	rendered_free(&out);
	/* The same in raw mode. */
	{
		struct render_opts o = { 0, 1, NULL };

		clock_gettime(CLOCK_MONOTONIC, &t0);
		render_message(m, hl + n, &o, &out);
		fprintf(stderr, "render --raw: 100 MB body in %.3f s\n",
		    seconds(t0));
		ck_assert(out.truncated);
		ck_assert_uint_le(out.nlines, 4);
		rendered_free(&out);
	}
	free(m);
}
END_TEST

/*
 * A long line among short ones, plain and in base64: cut at 64 KiB on a
 * character boundary (no U+FFFD, the part stays UTF-8), the lines
 * around it whole, and the cut said.  SECURITY.md #24.
 */
START_TEST(test_long_line_among_short)
{
	static const char *const enc[] = { "8bit", "base64" };
	size_t		 n = 200000, i, k, len, bl;
	char		*line = xmalloc(n + 1), *m, *b;
	struct rendered	 out;
	int		 e;

	/* "é" (2 bytes) throughout, so that 64 KiB + 4 falls inside one. */
	for (i = 0; i + 1 < n; i += 2) {
		line[i] = '\xc3';
		line[i + 1] = '\xa9';
	}
	line[n - 1] = 'x';
	line[n] = '\0';
	for (e = 0; e < 2; e++) {
		b = xasprintf("before\n%s\nafter\n", line);
		if (e == 1) {
			char	*t = base64_encode(b, strlen(b));

			free(b);
			b = t;
		}
		bl = strlen(b);
		m = xmalloc(bl + 256);
		len = (size_t)sprintf(m, "Subject: long\nContent-Type: text/"
		    "plain; charset=utf-8\nContent-Transfer-Encoding: %s\n\n",
		    enc[e]);
		memcpy(m + len, b, bl);
		len += bl;
		render_message(m, len, NULL, &out);
		for (k = 0; k < out.nlines && strcmp(out.lines[k].text,
		    "before") != 0; k++)
			;
		ck_assert_uint_lt(k + 2, out.nlines);
		ck_assert_uint_le(strlen(out.lines[k + 1].text), 64 * 1024);
		ck_assert_uint_ge(strlen(out.lines[k + 1].text), 64 * 1024 - 4);
		ck_assert_ptr_null(strstr(out.lines[k + 1].text, "\xef\xbf\xbd"));
		ck_assert(strncmp(out.lines[k + 1].text, "\xc3\xa9\xc3\xa9", 4)
		    == 0);
		ck_assert_str_eq(out.lines[k + 2].text, "after");
		ck_assert(has_note(&out, "64 KiB"));
		rendered_free(&out);
		free(m);
		free(b);
	}
	free(line);
}
END_TEST

START_TEST(test_many_lines)		/* SECURITY.md #24 */
{
	size_t		 n = 300000, len, i;
	char		*m = xmalloc(n * 2 + 64);
	struct rendered	 out;

	len = (size_t)sprintf(m, "Subject: lines\n\n");
	for (i = 0; i < n; i++) {
		m[len++] = 'x';
		m[len++] = '\n';
	}
	render_message(m, len, NULL, &out);
	ck_assert(out.truncated);
	ck_assert_uint_le(out.nlines, 200000 + 4);
	ck_assert(has_note(&out, "cut"));
	rendered_free(&out);
	free(m);
}
END_TEST

START_TEST(test_many_urls)		/* the URL list is capped, not the text */
{
	size_t		 n = 5000, i, len;
	char		*m = xmalloc(n * 40 + 64);
	struct rendered	 out;

	len = (size_t)sprintf(m, "Subject: urls\n\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(m + len, "https://x.example/%zu\n", i);
	render_message(m, len, NULL, &out);
	ck_assert_uint_eq(out.nurls, 1000);
	ck_assert_str_eq(out.urls[999], "https://x.example/999");
	ck_assert_uint_eq(out.nlines, 2 + n);
	ck_assert_str_eq(out.lines[out.nlines - 1].text,
	    "https://x.example/4999");
	rendered_free(&out);
	free(m);
}
END_TEST

START_TEST(test_big_body_lines)		/* SECURITY.md #24 */
{
	size_t		 n = 40 * 1024 * 1024, hl, i;
	char		*m = xmalloc(n + 64);
	struct rendered	 out;

	/* Over the size read of a part: cut, but its lines all shown. */
	hl = (size_t)sprintf(m, "Subject: big\n\n");
	for (i = 0; i < n; i += 64) {
		memset(m + hl + i, 'y', 63);
		m[hl + i + 63] = '\n';
	}
	render_message(m, hl + n, NULL, &out);
	ck_assert(out.truncated);
	ck_assert_uint_ge(out.nlines, 200000);
	ck_assert_uint_le(out.nlines, 200000 + 4);
	ck_assert(has_note(&out, "cut"));
	rendered_free(&out);
	free(m);
}
END_TEST

START_TEST(test_big_header)		/* SECURITY.md #24 */
{
	size_t		 n = 10 * 1024 * 1024, len, i;
	char		*m = xmalloc(n + 100000 * 16 + 64);
	struct rendered	 out;
	struct render_opts o = { 1, 0, NULL };

	/* A 10 MB Subject line. */
	len = (size_t)sprintf(m, "Subject: ");
	memset(m + len, 's', n);
	len += n;
	len += (size_t)sprintf(m + len, "\n\nbody\n");
	render_message(m, len, NULL, &out);
	ck_assert(out.truncated);
	ck_assert(has_note(&out, "header"));
	rendered_free(&out);
	render_message(m, len, &o, &out);
	ck_assert(out.truncated);
	rendered_free(&out);
	/* 100,000 To: headers. */
	len = 0;
	for (i = 0; i < 100000; i++)
		len += (size_t)sprintf(m + len, "To: a%zu@x\n", i);
	len += (size_t)sprintf(m + len, "\nbody\n");
	render_message(m, len, &o, &out);
	ck_assert(out.truncated);
	ck_assert_uint_le(out.nlines, 10000 + 8);
	rendered_free(&out);
	free(m);
}
END_TEST

START_TEST(test_random)			/* no crash on junk */
{
	static const char *const bits[] = { "\n", "\r\n", "--b", "--b--",
	    "Content-Type: multipart/mixed; boundary=b\n",
	    "Content-Type: message/rfc822\n", "Content-Type: text/html\n",
	    "Content-Transfer-Encoding: base64\n",
	    "Content-Transfer-Encoding: quoted-printable\n", "=", "=\n",
	    "<a href=", "&#x", "\x1b[", "\0", "\xff", "> ", "-- \n", "x",
	    "filename*0*=", "'", "\"", ";", "\t", "<script>", "</pre>" };
	char		 m[4096];
	size_t		 len, k;
	struct rendered	 out;
	unsigned	 seed = 1;
	int		 iter;

	for (iter = 0; iter < 3000; iter++) {
		len = 0;
		while (len < sizeof m - 64) {
			seed = seed * 1103515245 + 12345;
			k = (seed >> 16) % (sizeof bits / sizeof bits[0]);
			if (k == 14)
				m[len++] = '\0';
			else {
				memcpy(m + len, bits[k], strlen(bits[k]));
				len += strlen(bits[k]);
			}
			if ((seed >> 8) % 50 == 0)
				break;
		}
		render_message(m, len, NULL, &out);
		for (k = 0; k < out.nlines; k++)
			ck_assert(!unsafe(out.lines[k].text));
		rendered_free(&out);
	}
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("render");
	TCase	*tc = tcase_create("render");
	TCase	*th = tcase_create("hostile");

	tcase_add_loop_test(tc, test_table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_full_headers);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_urls);
	suite_add_tcase(s, tc);

	tcase_set_timeout(th, 120);
	tcase_add_loop_test(th, test_hostile, 0,
	    sizeof payloads / sizeof payloads[0]);
	tcase_add_test(th, test_hostile_fixture);
	tcase_add_test(th, test_nested);
	tcase_add_test(th, test_siblings);
	tcase_add_test(th, test_big_body);
	tcase_add_test(th, test_many_lines);
	tcase_add_test(th, test_long_line_among_short);
	tcase_add_test(th, test_many_urls);
	tcase_add_test(th, test_big_body_lines);
	tcase_add_test(th, test_big_header);
	tcase_add_test(th, test_random);
	suite_add_tcase(s, th);
	return s;
}
