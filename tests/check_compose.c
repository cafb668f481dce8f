/*
 * check_compose.c - unit tests for compose*.c: the message builder
 * (7bit and quoted-printable bodies, 998-octet lines, RFC 2047 headers,
 * RFC 2231 file names, base64 attachments, CR/LF injection refused),
 * drafts as the editor sees them, replies and forwards, address lists
 * and mailto: URLs.  Every built message is read back with tern's own
 * parser (mime.c, header.c), as a recipient's client would.
 * Single-threaded test binary.
 */
#include "check_main.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"

#define L(s)	s, sizeof(s) - 1

static const char *const ids[] = { "Alice Example <alice@example.org>",
    "alice@work.example.com", "Alice Alt <ali@alt.example>" };
static const struct compose_ctx ctx = { ids, 3, "Alice\nexample.org",
    NULL };

static void
draft_basic(struct draft *d, const char *body)
{
	draft_init(d);
	draft_set(&d->from, "Alice Example <alice@example.org>");
	draft_set(&d->to, "Bob <bob@example.net>");
	draft_set(&d->subject, "hello");
	draft_set(&d->body, body);
}

/* Every line ends in CRLF, none is longer than max, no lone CR/LF. */
static void
check_lines(const char *m, size_t len, size_t max)
{
	size_t	 i, ll = 0;

	for (i = 0; i < len; i++) {
		if (m[i] == '\r') {
			ck_assert_msg(i + 1 < len && m[i + 1] == '\n',
			    "lone CR at %zu", i);
			ll = 0;
			i++;
			continue;
		}
		ck_assert_msg(m[i] != '\n', "bare LF at %zu", i);
		ll++;
		ck_assert_msg(ll <= max, "line over %zu octets at %zu", max,
		    i);
	}
	ck_assert(len >= 2 && m[len - 2] == '\r' && m[len - 1] == '\n');
}

/* The decoded body of part i of m. */
static char *
part_body(const char *m, size_t len, size_t i, size_t *outlen)
{
	struct mime	 mm;
	char		*r;

	mime_parse(m, len, &mm);
	ck_assert_uint_gt(mm.nparts, i);
	r = mime_decode(m, &mm.parts[i], outlen);
	mime_free(&mm);
	return r;
}

/* The built message's header block's value of name (raw), or NULL. */
static char *
raw_header(const char *m, size_t len, const char *name)
{
	const char	*n, *v;
	size_t		 pos = 0, nl, vl;
	int		 tl;

	while (mime_header_next(m, len, &pos, &n, &nl, &v, &vl, &tl))
		if (nl == strlen(name) && strncasecmp(n, name, nl) == 0)
			return xstrndup(v, vl);
	return NULL;
}

START_TEST(ascii_body_7bit)
{
	struct draft	 d;
	size_t		 len, bl;
	char		*m, *b;

	draft_basic(&d, "Hi Bob,\n.\nFrom here\n");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 998);
	ck_assert_ptr_nonnull(strstr(m, "Content-Transfer-Encoding: 7bit"));
	ck_assert_ptr_nonnull(strstr(m, "MIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "User-Agent: tern/"));
	ck_assert_ptr_nonnull(strstr(m, "\r\n\r\nHi Bob,\r\n.\r\nFrom here"
	    "\r\n"));
	b = part_body(m, len, 0, &bl);
	ck_assert_str_eq(b, "Hi Bob,\r\n.\r\nFrom here\r\n");
	free(b);
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(utf8_body_qp_roundtrip)
{
	static const char *const bodies[] = {
		"Grüße aus Köln\n",
		"trailing space \nand tab\t\n",
		"a = b\n=3D is not decoded twice\n",
		".leading dot\nFrom the start\n",
		/* exactly around the 76-column soft-break boundary */
		"ééééééééééééééééééééééééé\n",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\n",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \n",
		"no final newline é",
		"control \x01 char\n",
	};
	struct draft	 d;
	size_t		 len, bl, i, k;
	char		*m, *b, *want;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		/* A non-ASCII first line makes every body quoted-printable. */
		b = xasprintf("é\n%s", bodies[i]);
		draft_basic(&d, b);
		free(b);
		m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
		ck_assert_ptr_nonnull(m);
		check_lines(m, len, 78);
		ck_assert_ptr_nonnull(strstr(m, "quoted-printable"));
		ck_assert_ptr_nonnull(strstr(m, "charset=utf-8"));
		b = part_body(m, len, 0, &bl);
		/* The original with CRLF line ends and a final line end. */
		want = xmalloc(strlen(bodies[i]) * 2 + 6);
		memcpy(want, "\xc3\xa9\r\n", 4);
		for (k = 0, len = 4; bodies[i][k] != '\0'; k++) {
			if (bodies[i][k] == '\n')
				want[len++] = '\r';
			want[len++] = bodies[i][k];
		}
		if (len == 0 || want[len - 1] != '\n') {
			want[len++] = '\r';
			want[len++] = '\n';
		}
		want[len] = '\0';
		ck_assert_msg(bl == len && memcmp(b, want, len) == 0,
		    "body %zu: got [%.*s]", i, (int)bl, b);
		free(want);
		free(b);
		free(m);
		draft_free(&d);
	}
}
END_TEST

/* Random text through QP and back: lines <= 76, only safe bytes, equal. */
START_TEST(qp_random_roundtrip)
{
	static const char alphabet[] = "ab =.\t\xc3\xa9\xff\x01F";
	unsigned	 seed = 12345;
	int		 round;

	for (round = 0; round < 300; round++) {
		char	 in[400], *q, *msg, *dec;
		size_t	 n = (size_t)(round % 350) + 1, i, qlen, dl, ll = 0;
		struct mime	 mm;

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = (seed >> 16) % 13 == 0 ? '\n' :
			    alphabet[(seed >> 8) % (sizeof alphabet - 1)];
		}
		in[n] = '\0';
		q = compose_qp(in, n, &qlen);
		for (i = 0; i < qlen; i++) {
			if (q[i] == '\r') {
				ck_assert(q[i + 1] == '\n');
				/* Trailing blanks would be lost in transit. */
				ck_assert(i == 0 || (q[i - 1] != ' ' &&
				    q[i - 1] != '\t'));
				ll = 0;
				i++;
				continue;
			}
			ck_assert_msg(((unsigned char)q[i] >= 32 &&
			    (unsigned char)q[i] < 127) || q[i] == '\t',
			    "raw byte %02x",
			    (unsigned char)q[i]);
			ck_assert_int_le(++ll, 76);
		}
		msg = xasprintf("Content-Transfer-Encoding: quoted-printable"
		    "\r\n\r\n%s", q);
		mime_parse(msg, strlen(msg), &mm);
		dec = mime_decode(msg, &mm.parts[0], &dl);
		/* LF became CRLF; nothing else changed. */
		{
			char	*want = xmalloc(2 * n + 1);
			size_t	 k, w = 0;

			for (k = 0; k < n; k++) {
				if (in[k] == '\n')
					want[w++] = '\r';
				want[w++] = in[k];
			}
			ck_assert_msg(dl == w && memcmp(dec, want, w) == 0,
			    "round %d: [%s] -> [%s]", round, in, q);
			free(want);
		}
		mime_free(&mm);
		free(dec);
		free(msg);
		free(q);
	}
}
END_TEST

START_TEST(long_line_998)
{
	struct draft	 d;
	char		*body, *m, *b;
	size_t		 len, bl;

	body = xmalloc(10002);
	memset(body, 'a', 10000);
	body[10000] = '\n';
	body[10001] = '\0';
	draft_basic(&d, body);
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 998);
	ck_assert_ptr_nonnull(strstr(m, "quoted-printable"));
	b = part_body(m, len, 0, &bl);
	ck_assert_uint_eq(bl, 10002);
	ck_assert(memcmp(b, body, 10000) == 0);
	free(b);
	free(m);
	draft_free(&d);
	free(body);
}
END_TEST

START_TEST(empty_body_and_lone_cr)
{
	struct draft	 d;
	char		*m;
	size_t		 len;

	draft_basic(&d, "");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 998);
	free(m);
	draft_free(&d);
	/* A lone CR never makes a line end (SMTP smuggling class). */
	draft_basic(&d, "a\r.\rb\n");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 998);
	ck_assert_ptr_null(strstr(m, "\r.\r"));
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(rfc2047_subject_and_names)
{
	struct draft		 d;
	struct header_fields	 h;
	char			*m, *raw, *subj;
	const char		*p;
	size_t			 len;

	draft_basic(&d, "x\n");
	subj = xstrdup("Ünïcödé Grüße — a rather long subject line that "
	    "needs more than one encoded word to carry, 日本語も");
	draft_set(&d.subject, subj);
	draft_set(&d.from, "Zoë Ærø <zoe@example.org>");
	draft_set(&d.to, "\"Doe, John\" <john@example.net>, "
	    "Ünal <unal@example.net>, plain@example.net");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 78);
	raw = raw_header(m, len, "Subject");
	ck_assert_ptr_nonnull(raw);
	ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?B?"));
	/* Each encoded word is at most 75 characters. */
	for (p = raw; (p = strstr(p, "=?")) != NULL; p += 2)
		ck_assert_int_le(strstr(p, "?=") + 2 - p, 75);
	for (p = raw; *p != '\0'; p++)
		ck_assert((unsigned char)*p < 128);
	free(raw);
	memset(&h, 0, sizeof h);
	header_parse(m, len, &h);
	ck_assert_str_eq(h.subject, subj);
	ck_assert_ptr_nonnull(strstr(h.from, "Zoë Ærø"));
	ck_assert_ptr_nonnull(strstr(h.from, "zoe@example.org"));
	ck_assert_ptr_nonnull(strstr(h.to, "Doe, John"));
	ck_assert_ptr_nonnull(strstr(h.to, "Ünal"));
	ck_assert_ptr_nonnull(strstr(h.to, "plain@example.net"));
	ck_assert_str_eq(h.message_id + strlen(h.message_id) - 12,
	    "@example.org");
	header_fields_free(&h);
	free(m);
	draft_free(&d);
	free(subj);
}
END_TEST

START_TEST(ascii_subject_kept_and_folded)
{
	struct draft	 d;
	char		*m, *raw;
	size_t		 len;

	draft_basic(&d, "x\n");
	draft_set(&d.subject, "a plain subject =? that must be encoded");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	raw = raw_header(m, len, "Subject");
	ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?B?"));
	free(raw);
	free(m);
	draft_set(&d.subject, "word word word word word word word word "
	    "word word word word word word word word word word word");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	check_lines(m, len, 78);
	ck_assert_ptr_nonnull(strstr(m, "Subject: word word"));
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(crlf_injection_refused)
{
	static const char *const evil[] = { "hi\r\nBcc: eve@evil.example",
	    "hi\nX: y", "hi\rX: y", "hi\x01" };
	struct draft	 d;
	char		*m, *err;
	size_t		 len, i;

	for (i = 0; i < sizeof evil / sizeof evil[0]; i++) {
		draft_basic(&d, "x\n");
		draft_set(&d.subject, evil[i]);
		err = NULL;
		m = compose_build(&d, NULL, 0, 1700000000, 0, &len, &err);
		ck_assert_ptr_null(m);
		ck_assert_ptr_nonnull(strstr(err, "Subject"));
		free(err);
		draft_set(&d.subject, "ok");
		draft_set(&d.to, "bob@example.net\r\nBcc: eve@evil.example");
		err = NULL;
		m = compose_build(&d, NULL, 0, 1700000000, 0, &len, &err);
		ck_assert_ptr_null(m);
		free(err);
		draft_set(&d.to, "bob@example.net");
		draft_set(&d.in_reply_to, "<a@b>\nX-Evil: 1");
		err = NULL;
		m = compose_build(&d, NULL, 0, 1700000000, 0, &len, &err);
		ck_assert_ptr_null(m);
		free(err);
		draft_free(&d);
	}
}
END_TEST

START_TEST(recipients_required)
{
	struct draft	 d;
	char		*m, *err = NULL;
	size_t		 len;

	draft_basic(&d, "x\n");
	draft_set(&d.to, "");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, &err);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err, "no recipient"));
	free(err);
	err = NULL;
	/* A postponed draft may have no recipient yet. */
	m = compose_build(&d, NULL, 0, 1700000000, COMPOSE_DRAFT, &len, NULL);
	ck_assert_ptr_nonnull(m);
	free(m);
	draft_set(&d.to, "bob");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, &err);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err, "not an address"));
	free(err);
	/* Bcc alone is a recipient; it is in the message only on demand. */
	draft_set(&d.to, "");
	draft_set(&d.bcc, "hidden@example.net");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(strstr(m, "hidden@"));
	free(m);
	m = compose_build(&d, NULL, 0, 1700000000, COMPOSE_BCC, &len,
	    NULL);
	ck_assert_ptr_nonnull(strstr(m, "Bcc: hidden@example.net\r\n"));
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(date_and_message_id)
{
	struct draft	 d;
	regex_t		 re;
	char		*m, *date, *id;
	size_t		 len;

	draft_basic(&d, "x\n");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	date = raw_header(m, len, "Date");
	ck_assert_int_eq(regcomp(&re, "^ ?(Mon|Tue|Wed|Thu|Fri|Sat|Sun), "
	    "[0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
	    "20[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$",
	    REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, date, 0, NULL, 0) == 0, "Date: %s", date);
	regfree(&re);
	id = raw_header(m, len, "Message-ID");
	ck_assert_ptr_nonnull(strstr(id, "@example.org>"));
	ck_assert_str_eq(d.message_id, id + (id[0] == ' '));
	free(date);
	free(id);
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(attachments_multipart)
{
	struct draft		 d;
	struct compose_file	 f[2];
	struct mime		 mm;
	unsigned char		 bin[3000];
	const char		*longname = "Überweisungsbestätigung für "
				    "das Jahr 2026 — sehr langer Dateiname "
				    "mit Umlauten äöü.pdf";
	char			*m, *dec;
	size_t			 len, dl, i;

	for (i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	memcpy(bin, "%PDF-1.4", 8);
	draft_basic(&d, "see attached\n");
	f[0].name = longname;
	f[0].type = NULL;
	f[0].data = (const char *)bin;
	f[0].len = sizeof bin;
	f[1].name = "notes \"q\".txt";
	f[1].type = NULL;
	f[1].data = "plain text\nsecond line\n";
	f[1].len = strlen(f[1].data);
	m = compose_build(&d, f, 2, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 78);
	mime_parse(m, len, &mm);
	ck_assert_uint_eq(mm.nparts, 4);
	ck_assert_str_eq(mm.parts[0].type, "multipart/mixed");
	ck_assert_str_eq(mm.parts[1].type, "text/plain");
	ck_assert_str_eq(mm.parts[2].type, "application/pdf");
	ck_assert_str_eq(mm.parts[2].filename, longname);
	ck_assert_str_eq(mm.parts[2].disposition, "attachment");
	ck_assert_str_eq(mm.parts[2].encoding, "base64");
	dec = mime_decode(m, &mm.parts[2], &dl);
	ck_assert_uint_eq(dl, sizeof bin);
	ck_assert(memcmp(dec, bin, dl) == 0);
	free(dec);
	ck_assert_str_eq(mm.parts[3].type, "text/plain");
	ck_assert_str_eq(mm.parts[3].filename, "notes \"q\".txt");
	dec = mime_decode(m, &mm.parts[3], &dl);
	ck_assert_str_eq(dec, "plain text\nsecond line\n");
	free(dec);
	dec = mime_decode(m, &mm.parts[1], &dl);
	ck_assert_str_eq(dec, "see attached\r\n");
	free(dec);
	/* RFC 2231 continuations and charset, no raw 8-bit in headers. */
	ck_assert_ptr_nonnull(strstr(m, "filename*0*=utf-8''"));
	ck_assert_ptr_nonnull(strstr(m, "filename*1*="));
	for (i = 0; i < mm.parts[1].body_off; i++)
		ck_assert((unsigned char)m[i] < 128);
	mime_free(&mm);
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(guess_type)
{
	ck_assert_str_eq(compose_guess_type("a.PDF", "", 0),
	    "application/pdf");
	ck_assert_str_eq(compose_guess_type("photo.jpeg", "", 0),
	    "image/jpeg");
	ck_assert_str_eq(compose_guess_type("noext", "\x89PNG\r\n\x1a\nxx",
	    10), "image/png");
	ck_assert_str_eq(compose_guess_type("README", L("héllo\n")),
	    "text/plain");
	ck_assert_str_eq(compose_guess_type("blob", L("a\0b")),
	    "application/octet-stream");
	ck_assert_str_eq(compose_guess_type("blob", L("\xff\xfe\xfd")),
	    "application/octet-stream");
}
END_TEST

START_TEST(draft_text_roundtrip)
{
	struct draft	 d, e;
	char		*t, *err = NULL;
	static const char edited[] = "from: Alice <alice@example.org>\n"
	    "To: bob@example.net,\n  carol@example.net\nCc:\nBcc: \n"
	    "Subject: edited  \n\nbody line\n\nmore\n";

	draft_basic(&d, "the body\n");
	draft_set(&d.reply_to, "r@example.org");
	t = draft_text(&d);
	ck_assert_str_eq(t, "From: Alice Example <alice@example.org>\n"
	    "To: Bob <bob@example.net>\nCc: \nBcc: \nSubject: hello\n"
	    "Reply-To: r@example.org\n\nthe body\n");
	draft_init(&e);
	ck_assert_int_eq(draft_parse(&e, t, strlen(t), NULL), 0);
	ck_assert_str_eq(e.to, d.to);
	ck_assert_str_eq(e.reply_to, "r@example.org");
	ck_assert_str_eq(e.body, "the body\n");
	free(t);
	ck_assert_int_eq(draft_parse(&e, L(edited), NULL), 0);
	ck_assert_str_eq(e.to, "bob@example.net, carol@example.net");
	ck_assert_str_eq(e.subject, "edited");
	ck_assert_str_eq(e.reply_to, "");
	ck_assert_str_eq(e.body, "body line\n\nmore\n");
	/* Only the editable fields: no smuggled header. */
	ck_assert_int_eq(draft_parse(&e, L("To: a@b\nX-Evil: 1\n\nx"),
	    &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 2"));
	ck_assert_str_eq(e.subject, "edited");
	free(err);
	draft_free(&d);
	draft_free(&e);
}
END_TEST

START_TEST(addresses)
{
	struct addr	*v;
	size_t		 n;
	char		*f;

	v = addr_list("\"Doe, John\" <john@x.org>, plain@y.org, "
	    "Name With Space <n@z.org>; undisclosed:;, (Comment) c@w.org, "
	    "d@w.org (Dee)", &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].name, "Doe, John");
	ck_assert_str_eq(v[0].addr, "john@x.org");
	ck_assert_str_eq(v[1].name, "");
	ck_assert_str_eq(v[1].addr, "plain@y.org");
	ck_assert_str_eq(v[2].name, "Name With Space");
	ck_assert_str_eq(v[3].addr, "c@w.org");
	ck_assert_str_eq(v[4].addr, "d@w.org");
	ck_assert_str_eq(v[4].name, "Dee");
	f = addr_format(&v[0]);
	ck_assert_str_eq(f, "\"Doe, John\" <john@x.org>");
	free(f);
	addr_list_free(v, n);
	f = addr_first("Bob <Bob@Example.NET>");
	ck_assert_str_eq(f, "bob@example.net");
	free(f);
}
END_TEST

static const char orig[] =
    "From: Bob Sender <bob@example.net>\r\n"
    "To: Alice <alice@work.example.com>, Carol <carol@example.net>\r\n"
    "Cc: alice@example.org, Dave <dave@example.net>\r\n"
    "Subject: Re: RE: Fwd: planning\r\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
    "Message-ID: <m2@example.net>\r\n"
    "References: <m0@example.net> <m1@example.net>\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Hello Alice,\r\n"
    "Gr=FC=DFe.\r\n"
    "> older quote\r\n"
    "-- \r\n"
    "Bob's signature\r\n";

START_TEST(reply_draft)
{
	struct draft	 d;

	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_REPLY, L(orig), &d,
	    NULL), 0);
	ck_assert_str_eq(d.to, "Bob Sender <bob@example.net>");
	ck_assert_str_eq(d.cc, "");
	/* It was sent to the work address: that identity answers. */
	ck_assert_str_eq(d.from, "alice@work.example.com");
	ck_assert_str_eq(d.subject, "Re: Fwd: planning");
	ck_assert_str_eq(d.in_reply_to, "<m2@example.net>");
	ck_assert_str_eq(d.references, "<m0@example.net> <m1@example.net> "
	    "<m2@example.net>");
	ck_assert_ptr_nonnull(strstr(d.body, "On Mon, 2 Mar 2026 10:00:00 "
	    "+0000, Bob Sender wrote:\n> Hello Alice,\n> Grüße.\n"
	    ">> older quote\n"));
	/* The original's signature is not quoted; ours is added. */
	ck_assert_ptr_null(strstr(d.body, "Bob's signature"));
	ck_assert_ptr_nonnull(strstr(d.body, "\n-- \nAlice\nexample.org\n"));
	draft_free(&d);
}
END_TEST

START_TEST(reply_all_drops_me)
{
	struct draft	 d;
	static const char rt[] = "From: bob@example.net\r\n"
	    "Reply-To: list@example.net\r\n"
	    "To: list@example.net, ALI@alt.example\r\n"
	    "Subject: Re: Re: x\r\nMessage-ID: <q@x>\r\n\r\nhi\r\n";

	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_REPLY_ALL, L(orig), &d,
	    NULL), 0);
	ck_assert_str_eq(d.to, "Bob Sender <bob@example.net>, "
	    "Carol <carol@example.net>");
	ck_assert_str_eq(d.cc, "Dave <dave@example.net>");
	draft_free(&d);
	/* Reply-To wins; duplicates once; "Re: Re:" collapses. */
	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_REPLY_ALL, L(rt), &d,
	    NULL), 0);
	ck_assert_str_eq(d.to, "list@example.net");
	ck_assert_str_eq(d.from, "Alice Alt <ali@alt.example>");
	ck_assert_str_eq(d.subject, "Re: x");
	ck_assert_str_eq(d.references, "<q@x>");
	draft_free(&d);
}
END_TEST

START_TEST(forward_drafts)
{
	struct draft	 d;
	struct mime	 mm;
	char		*m;
	size_t		 len;

	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_FORWARD, L(orig), &d,
	    NULL), 0);
	ck_assert_str_eq(d.subject, "Fwd: Re: RE: Fwd: planning");
	ck_assert_str_eq(d.to, "");
	ck_assert_str_eq(d.in_reply_to, "");
	ck_assert_ptr_nonnull(strstr(d.body, "Forwarded message"));
	ck_assert_ptr_nonnull(strstr(d.body, "\nHello Alice,\nGrüße.\n"));
	draft_free(&d);

	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_FORWARD_ATTACH, L(orig),
	    &d, NULL), 0);
	ck_assert_ptr_nonnull(d.fwd);
	draft_set(&d.to, "eve@example.net");
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, NULL);
	ck_assert_ptr_nonnull(m);
	check_lines(m, len, 998);
	mime_parse(m, len, &mm);
	ck_assert_uint_ge(mm.nparts, 3);
	ck_assert_str_eq(mm.parts[2].type, "message/rfc822");
	mime_free(&mm);
	free(m);
	draft_free(&d);
}
END_TEST

START_TEST(reply_html_only)
{
	struct draft	 d;
	static const char html[] = "From: x@example.net\r\nSubject: s\r\n"
	    "Content-Type: text/html\r\n\r\n<p>Hello <b>there</b></p>"
	    "<script>evil()</script>\r\n";

	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_REPLY, L(html), &d,
	    NULL), 0);
	ck_assert_ptr_nonnull(strstr(d.body, "> Hello there"));
	ck_assert_ptr_null(strstr(d.body, "evil"));
	ck_assert_str_eq(d.from, ids[0]);
	draft_free(&d);
}
END_TEST

/* A hostile original: nothing in it reaches a header as a line break. */
START_TEST(reply_hostile)
{
	struct draft	 d;
	char		*m, *err = NULL;
	size_t		 len;
	static const char evil[] = "From: =?utf-8?q?Eve=0D=0ABcc:_x@evil?= "
	    "<eve@evil.example>\r\n"
	    "Subject: =?utf-8?q?hi=0D=0AX-Evil:_1?=\r\n"
	    "Message-ID: <a b\x01c@evil>\r\n"
	    "References: <ok@x> <bad\x1b[31m@x>\r\n\r\n"
	    "text \x1b]52;c;cHduZWQ=\x07 here\r\n";

	draft_init(&d);
	ck_assert_int_eq(compose_from(&ctx, COMPOSE_REPLY, L(evil), &d,
	    NULL), 0);
	ck_assert_ptr_null(strpbrk(d.subject, "\r\n"));
	ck_assert_ptr_null(strpbrk(d.to, "\r\n"));
	ck_assert_ptr_null(strchr(d.body, '\x1b'));
	ck_assert_ptr_null(strchr(d.body, '\x07'));
	{
		const char	*p;

		for (p = d.in_reply_to; *p != '\0'; p++)
			ck_assert((unsigned char)*p > 32 && *p != 127);
		for (p = d.references; *p != '\0'; p++)
			ck_assert((unsigned char)*p >= 32 && *p != 127);
	}
	m = compose_build(&d, NULL, 0, 1700000000, 0, &len, &err);
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_ptr_null(strstr(m, "\nX-Evil"));
	ck_assert_ptr_null(strstr(m, "\nBcc"));
	free(m);
	draft_free(&d);
}
END_TEST

/*
 * SECURITY.md #18 (attach=, attachment= and unknown headers give no
 * attachment and no header) and #19 (an encoded CRLF in subject= adds
 * no Bcc: the Subject stays one line).
 */
START_TEST(mailto)
{
	struct draft	 d;
	char		*err = NULL;

	draft_init(&d);
	ck_assert_int_eq(compose_mailto("mailto:bob@example.net,carol@"
	    "example.net?cc=dave@example.net&subject=Hi%20there%0D%0ABcc:%20"
	    "eve@evil&body=line1%0D%0Aline2&attach=/etc/passwd&bcc=eve@evil"
	    "&attachment=~/.ssh/id_ed25519&X-Evil=1&in-reply-to=%3Cm@x%3E", &d,
	    NULL), 0);
	ck_assert_str_eq(d.to, "bob@example.net,carol@example.net");
	ck_assert_str_eq(d.cc, "dave@example.net");
	ck_assert_ptr_null(strchr(d.subject, '\r'));
	ck_assert_ptr_null(strchr(d.subject, '\n'));
	ck_assert_str_eq(d.body, "line1\nline2");
	ck_assert_str_eq(d.bcc, "");
	ck_assert_uint_eq(d.nattach, 0);
	ck_assert_str_eq(d.in_reply_to, "<m@x>");
	draft_free(&d);
	draft_init(&d);
	ck_assert_int_eq(compose_mailto("MAILTO:?to=a@b&to=c@d", &d, NULL),
	    0);
	ck_assert_str_eq(d.to, "a@b, c@d");
	draft_free(&d);
	draft_init(&d);
	ck_assert_int_eq(compose_mailto("http://x", &d, &err), -1);
	free(err);
	draft_free(&d);
}
END_TEST

START_TEST(config_compose_keys)
{
	static const char good[] = "[general]\neditor = vim -u NONE\n"
	    "attribution = %n wrote:\n[account a]\nfrom = A <a@x.org>\n"
	    "alternates = B Sr <b@x.org>, c@y.org\n"
	    "signature_file = /tmp/sig\nimap = imaps://h.example\n";
	static const char bad[] = "[account a]\nfrom = a@x.org\n"
	    "imap = imaps://h.example\nalternates = b@x.org, not an address\n";
	struct config	*c;
	char		*err = NULL;

	c = config_parse(L(good), "t", &err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->editor, "vim -u NONE");
	ck_assert_str_eq(c->attribution, "%n wrote:");
	ck_assert_str_eq(c->accounts[0].alternates,
	    "B Sr <b@x.org>, c@y.org");
	ck_assert_str_eq(c->accounts[0].signature_file, "/tmp/sig");
	config_free(c);
	c = config_parse(L(bad), "t", &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "t:4: alternates"));
	free(err);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("compose");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, ascii_body_7bit);
	tcase_add_test(tc, utf8_body_qp_roundtrip);
	tcase_add_test(tc, qp_random_roundtrip);
	tcase_add_test(tc, long_line_998);
	tcase_add_test(tc, empty_body_and_lone_cr);
	tcase_add_test(tc, rfc2047_subject_and_names);
	tcase_add_test(tc, ascii_subject_kept_and_folded);
	tcase_add_test(tc, crlf_injection_refused);
	tcase_add_test(tc, recipients_required);
	tcase_add_test(tc, date_and_message_id);
	tcase_add_test(tc, attachments_multipart);
	tcase_add_test(tc, guess_type);
	tcase_add_test(tc, draft_text_roundtrip);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, reply_draft);
	tcase_add_test(tc, reply_all_drops_me);
	tcase_add_test(tc, forward_drafts);
	tcase_add_test(tc, reply_html_only);
	tcase_add_test(tc, reply_hostile);
	tcase_add_test(tc, mailto);
	tcase_add_test(tc, config_compose_keys);
	suite_add_tcase(s, tc);
	return s;
}
