/*
 * check_mime.c - unit tests for mime.c, charset.c, html.c and attach.c:
 * the MIME structure of real-world message shapes, transfer decodings
 * (broken ones too, SECURITY.md #25), charsets to UTF-8 with U+FFFD for
 * what cannot be converted (#26), RFC 2231/2047 file names, HTML to text
 * without running anything (#47), boundary="\"" (#20) and safe
 * attachment names and saving (#16).  Single-threaded test binary.
 */
#include "check_main.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail.h"

#define FFFD	"\xEF\xBF\xBD"
#define L(s)	s, sizeof(s) - 1

/* "depth:type" of every part, space-separated. */
static char *
shape(const struct mime *m)
{
	char	*s = xstrdup(""), *t;
	size_t	 i;

	for (i = 0; i < m->nparts; i++) {
		t = xasprintf("%s%s%d:%s", s, i ? " " : "", m->parts[i].depth,
		    m->parts[i].type);
		free(s);
		s = t;
	}
	return s;
}

static const struct srow {
	const char	*name;
	const char	*msg;
	const char	*shape;
	int		 part;		/* whose decoded body is checked */
	const char	*body;		/* NULL: not checked */
} srows[] = {
	{ "no_mime_version", "Subject: x\n\nhello\n", "0:text/plain", 0,
	    "hello\n" },
	{ "no_header", "\nhello", "0:text/plain", 0, "hello" },
	{ "alternative",
	    "MIME-Version: 1.0\nContent-Type: multipart/alternative; "
	    "boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nplain\n"
	    "--b1\nContent-Type: text/html\n\n<p>html</p>\n--b1--\n",
	    "0:multipart/alternative 1:text/plain 1:text/html", 1, "plain" },
	{ "crlf",
	    "Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n"
	    "Content-Type: text/plain\r\n\r\nplain\r\nline 2\r\n--b1\r\n"
	    "Content-Type: text/html\r\n\r\nx\r\n--b1--\r\n",
	    "0:multipart/alternative 1:text/plain 1:text/html", 1,
	    "plain\r\nline 2" },
	{ "mixed_attachments",
	    "Content-Type: multipart/mixed; boundary=\"=_x\"\n\n--=_x\n\nbody\n"
	    "--=_x\nContent-Type: application/pdf; name=a.pdf\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERg==\n--=_x\n"
	    "Content-Type: image/png\nContent-Disposition: attachment\n\n"
	    "PNG\n--=_x--\n",
	    "0:multipart/mixed 1:text/plain 1:application/pdf 1:image/png", 2,
	    "%PDF" },
	{ "nested",
	    "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
	    "Content-Type: multipart/alternative; boundary=a\n\n--a\n\n"
	    "text\n--a\nContent-Type: multipart/related; boundary=r\n\n--r\n"
	    "Content-Type: text/html\n\n<img src=cid:i>\n--r\n"
	    "Content-Type: image/gif\n\nGIF\n--r--\n--a--\n--o\n"
	    "Content-Type: application/zip\n\nPK\n--o--\n",
	    "0:multipart/mixed 1:multipart/alternative 2:text/plain "
	    "2:multipart/related 3:text/html 3:image/gif 1:application/zip",
	    5, "GIF" },
	{ "rfc822",
	    "Content-Type: multipart/mixed; boundary=o\n\n--o\n\nsee below\n"
	    "--o\nContent-Type: message/rfc822\n\nFrom: a@b\nSubject: old\n"
	    "Content-Type: text/plain; charset=utf-8\n\ninner body\n--o--\n",
	    "0:multipart/mixed 1:text/plain 1:message/rfc822 2:text/plain", 3,
	    "inner body" },
	{ "digest",
	    "Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	    "Subject: one\n\n1\n--d\n\nSubject: two\n\n2\n--d--\n",
	    "0:multipart/digest 1:message/rfc822 2:text/plain "
	    "1:message/rfc822 2:text/plain", 4, "2" },
	{ "missing_boundary",
	    "Content-Type: multipart/mixed\n\n--x\nhello\n",
	    "0:multipart/mixed", 0, "--x\nhello\n" },
	{ "boundary_never_used",
	    "Content-Type: multipart/mixed; boundary=zz\n\n--x\nhello\n",
	    "0:multipart/mixed", 0, "--x\nhello\n" },
	{ "boundary_quoted_specials",
	    "Content-Type: multipart/mixed;\n boundary=\"a b:c=d\"\n\n"
	    "--a b:c=d\n\none\n--a b:c=d--\n",
	    "0:multipart/mixed 1:text/plain", 1, "one" },
	{ "boundary_lone_quote",	/* SECURITY.md #20 */
	    "Content-Type: multipart/mixed; boundary=\"\\\"\"\n\n--\"\n\n"
	    "one\n--\"--\n",
	    "0:multipart/mixed 1:text/plain", 1, "one" },
	{ "boundary_empty",
	    "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\none\n",
	    "0:multipart/mixed", -1, NULL },
	{ "preamble_epilogue",
	    "Content-Type: multipart/mixed; boundary=b\n\nThis is a "
	    "multi-part message.\n--b\n\nfirst\n\n--b\n\nsecond\n--b--\n"
	    "epilogue\n--b\n\nnot a part\n",
	    "0:multipart/mixed 1:text/plain 1:text/plain", 2, "second" },
	{ "no_close_delimiter",
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\n"
	    "\nlast, unterminated\n",
	    "0:multipart/mixed 1:text/plain 1:text/plain", 2,
	    "last, unterminated\n" },
	{ "prefix_boundary_not_delimiter",
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--bb\n--b--\n",
	    "0:multipart/mixed 1:text/plain", 1, "--bb" },
	{ "type_case_comment_params",
	    "Content-Type: Text/HTML (comment); Charset=\"ISO-8859-1\"\n\nx",
	    "0:text/html", 0, "x" },
	{ "bad_type_default",
	    "Content-Type: garbage\n\nx", "0:text/plain", 0, "x" },
	{ "part_without_headers",
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\nno headers "
	    "here\n--b--\n", "0:multipart/mixed 1:text/plain", 1,
	    "no headers here" },
};

START_TEST(test_structure)
{
	const struct srow	*r = &srows[_i];
	struct mime		 m;
	char			*s, *body;
	size_t			 n;

	mime_parse(r->msg, strlen(r->msg), &m);
	s = shape(&m);
	ck_assert_msg(strcmp(s, r->shape) == 0, "%s: got '%s'", r->name, s);
	free(s);
	ck_assert_int_eq(m.truncated, 0);
	if (r->body != NULL) {
		body = mime_decode(r->msg, &m.parts[r->part], &n);
		ck_assert_msg(n == strlen(r->body) &&
		    memcmp(body, r->body, n) == 0, "%s: body '%s'", r->name,
		    body);
		free(body);
	}
	mime_free(&m);
}
END_TEST

START_TEST(test_fields)
{
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: TEXT/Plain; charset=\"UTF-8\"; format=flowed\n"
	    "Content-Transfer-Encoding: Quoted-Printable\n"
	    "Content-Disposition: INLINE\n\nx\n--b\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: weird-thing; filename=a.bin\n\ny\n--b--\n";
	struct mime	 m;

	mime_parse(msg, strlen(msg), &m);
	ck_assert_uint_eq(m.nparts, 3);
	ck_assert_int_eq(m.parts[0].multipart, 1);
	ck_assert_str_eq(m.parts[1].type, "text/plain");
	ck_assert_str_eq(m.parts[1].charset, "utf-8");
	ck_assert_str_eq(m.parts[1].encoding, "quoted-printable");
	ck_assert_str_eq(m.parts[1].disposition, "inline");
	ck_assert_str_eq(m.parts[2].disposition, "attachment");
	ck_assert_str_eq(m.parts[2].filename, "a.bin");
	ck_assert_int_eq(m.parts[2].multipart, 0);
	ck_assert(strncmp(msg + m.parts[2].hdr_off, "Content-Type: app", 17)
	    == 0);
	mime_free(&m);
	mime_free(NULL);
}
END_TEST

static const struct frow {
	const char	*name;
	const char	*fields;	/* header fields of a part */
	const char	*want;
} frows[] = {
	{ "plain", "Content-Disposition: attachment; filename=\"a b.pdf\"",
	    "a b.pdf" },
	{ "token", "Content-Disposition: attachment; filename=a.pdf", "a.pdf" },
	{ "name_fallback", "Content-Type: application/pdf; name=\"n.pdf\"",
	    "n.pdf" },
	{ "filename_wins", "Content-Type: application/pdf; name=n.pdf\n"
	    "Content-Disposition: attachment; filename=f.pdf", "f.pdf" },
	{ "rfc2231_single", "Content-Disposition: attachment;\n"
	    " filename*=utf-8''%E2%82%AC%20rates.pdf", "€ rates.pdf" },
	{ "rfc2231_continuations", "Content-Disposition: attachment;\n"
	    " filename*0*=iso-8859-1'de'caf%E9;\n filename*1*=%20cr%E8me;\n"
	    " filename*2=\".txt\"", "café crème.txt" },
	{ "rfc2231_out_of_order", "Content-Disposition: attachment;\n"
	    " filename*1=\"b\"; filename*0=\"a\"", "ab" },
	{ "rfc2231_gap", "Content-Disposition: attachment;\n"
	    " filename*0=\"a\"; filename*2=\"c\"", "a" },
	{ "rfc2231_over_plain", "Content-Disposition: attachment; "
	    "filename=\"old.txt\"; filename*=utf-8''new.txt", "new.txt" },
	{ "rfc2231_unknown_charset", "Content-Disposition: attachment; "
	    "filename*=x-nonsense''caf%E9", "caf" FFFD },
	{ "rfc2231_no_charset", "Content-Disposition: attachment; "
	    "filename*=''plain%2Etxt", "plain.txt" },
	{ "rfc2231_nul", "Content-Disposition: attachment; "
	    "filename*=utf-8''a%00b", "a" FFFD "b" },
	{ "rfc2231_traversal", "Content-Disposition: attachment; "
	    "filename*=utf-8''..%2F..%2F.bashrc", "../../.bashrc" },
	{ "rfc2047_b", "Content-Disposition: attachment;\n"
	    " filename=\"=?utf-8?B?w6kuZG9j?=\"", "é.doc" },
	{ "rfc2047_q_name", "Content-Type: text/plain; name=\"=?iso-8859-1?Q?"
	    "r=E9sum=E9.txt?=\"", "résumé.txt" },
	{ "rfc2047_traversal", "Content-Disposition: attachment; filename="
	    "\"=?utf-8?q?=2E=2E=2F=2E=2E=2Fetc=2Fpasswd?=\"",
	    "../../etc/passwd" },
	{ "quoted_escapes", "Content-Disposition: attachment; "
	    "filename=\"a\\\"b\\\\c\"", "a\"b\\c" },
	{ "none", "Content-Type: text/plain", "" },
	{ "rfc2231_empty", "Content-Disposition: attachment; "
	    "filename*=iso-8859-1''", "" },
};

START_TEST(test_filenames)
{
	const struct frow	*r = &frows[_i];
	struct mime		 m;
	char			*msg;

	msg = xasprintf("%s\n\nbody\n", r->fields);
	mime_parse(msg, strlen(msg), &m);
	ck_assert_msg(strcmp(m.parts[0].filename, r->want) == 0,
	    "%s: got '%s'", r->name, m.parts[0].filename);
	mime_free(&m);
	free(msg);
}
END_TEST

static const struct drow {
	const char	*enc;
	const char	*in;
	const char	*want;
	size_t		 wantlen;
} drows[] = {
	{ "base64", "SGVsbG8=", L("Hello") },
	{ "base64", "SGVs\r\nbG8h\n", L("Hello!") },
	{ "base64", "SGVsbG8", L("Hello") },		/* no padding */
	{ "base64", "SG", L("H") },
	{ "base64", "S", L("") },			/* dangling */
	{ "base64", "====", L("") },
	{ "base64", "SGk=SGk=", L("HiHi") },		/* concatenated */
	{ "base64", "S*G!V\x01s\xff" "bG8=", L("Hello") },	/* junk */
	{ "base64", "AAE=", L("\0\1") },
	{ "quoted-printable", "caf=E9", L("caf\xE9") },
	{ "quoted-printable", "a=\nb", L("ab") },
	{ "quoted-printable", "a=\r\nb", L("ab") },
	{ "quoted-printable", "a= \t\nb", L("ab") },
	{ "quoted-printable", "=3d=3D", L("==") },
	{ "quoted-printable", "=G1", L("=G1") },	/* SECURITY #25 */
	{ "quoted-printable", "end=", L("end") },	/* = at EOF */
	{ "quoted-printable", "x=4", L("x=4") },
	{ "quoted-printable", "=00", L("\0") },
	{ "7bit", "as =3D is", L("as =3D is") },
	{ "", "SGVsbG8=", L("SGVsbG8=") },
	{ "x-uuencode", "begin 644 x", L("begin 644 x") },
};

START_TEST(test_decode)
{
	const struct drow	*r = &drows[_i];
	struct mime_part	 pt;
	char			*out;
	size_t			 n;

	memset(&pt, 0, sizeof pt);
	pt.encoding = (char *)r->enc;
	pt.body_off = 0;
	pt.body_len = strlen(r->in);
	out = mime_decode(r->in, &pt, &n);
	ck_assert_msg(n == r->wantlen && memcmp(out, r->want, n) == 0,
	    "%s '%s': got %zu bytes '%s'", r->enc, r->in, n, out);
	ck_assert_int_eq(out[n], '\0');
	free(out);
}
END_TEST

static const struct crow {
	const char	*cs;
	const char	*in;
	size_t		 len;
	const char	*want;		/* NULL: valid UTF-8 with U+FFFD */
} crows[] = {
	{ "iso-8859-1", L("caf\xE9"), "café" },
	{ "ISO-8859-1", L("\x80 5"), "€ 5" },	/* read as Windows-1252 */
	{ "latin1", L("\xFC"), "ü" },
	{ "windows-1252", L("\x93x\x94"), "“x”" },
	{ "iso-8859-15", L("\xA4"), "€" },
	{ "koi8-r", L("\xF0\xD2\xC9\xD7\xC5\xD4"), "Привет" },
	{ "utf-8", L("Grüße 日本"), "Grüße 日本" },
	{ "utf-8", L("a\xFF" "b"), "a" FFFD "b" },
	{ "UTF8", L("a\0b"), "a" FFFD "b" },			/* NUL */
	{ "utf-8", L("\xC0\xAF"), FFFD FFFD },			/* overlong */
	{ "utf-8", L("\xED\xA0\x80"), NULL },			/* surrogate */
	{ "utf-8", L("a\xE2\x82"), "a" FFFD },			/* cut */
	{ "", L("plain"), "plain" },
	{ "us-ascii", L("x\xE9"), "x" FFFD },
	{ "x-unknown", L("caf\xE9"), "caf" FFFD },		/* #26 */
	{ "utf-8//TRANSLIT", L("caf\xE9"), "caf" FFFD },	/* not iconv's */
	{ "../../etc/x", L("ok"), "ok" },
	{ "utf-16be", L("\0a\0"), "a" FFFD },			/* odd length */
	{ "iso-8859-5", L("\xBF"), "П" },
	{ "iso-2022-jp", L("\x1b$B%F%9%H\x1b(B"), "テスト" },
	{ "shift_jis", L("\x83\x65\x83\x58\x83\x67"), "テスト" },
	{ "windows-1252", L("a\0b"), "a" FFFD "b" },
	{ "iso-8859-1", L(""), "" },		/* found by fuzzing */
	{ "utf-8", L(""), "" },
	{ "x-unknown", L(""), "" },
};

START_TEST(test_charset)
{
	const struct crow	*r = &crows[_i];
	char			*out;
	size_t			 n;

	out = charset_to_utf8(r->cs, r->in, r->len, &n);
	ck_assert_uint_eq(n, strlen(out));
	ck_assert(utf8_valid((const unsigned char *)out, n));
	if (r->want != NULL)
		ck_assert_msg(strcmp(out, r->want) == 0, "%s: got '%s'",
		    r->cs, out);
	else
		ck_assert(strstr(out, FFFD) != NULL);
	free(out);
}
END_TEST

START_TEST(test_charset_big)
{
	/* Output many times the input (E2BIG path) and no truncation. */
	size_t	 n = 100000, outn, i;
	char	*in = xmalloc(n), *out;

	for (i = 0; i < n; i++)
		in[i] = (char)0xE9;
	out = charset_to_utf8("iso-8859-1", in, n, &outn);
	ck_assert_uint_eq(outn, 2 * n);
	free(out);
	out = charset_to_utf8("x-bad", in, n, &outn);
	ck_assert_uint_eq(outn, 3 * n);
	free(out);
	free(in);
}
END_TEST

static const struct hrow {
	const char	*name;
	const char	*html;
	const char	*want;
} hrows[] = {
	{ "entities", "a &amp; b &lt;c&gt; &quot;q&quot; &#x263a; &#9731;"
	    "&nbsp;x", "a & b <c> \"q\" ☺ ☃ x\n" },
	{ "bad_numeric", "&#0;&#xD800;&#99999999;", FFFD FFFD FFFD "\n" },
	{ "unknown_entity", "&bogus; &amp", "&bogus; &amp\n" },
	{ "script_style", "<script>alert(1)</script>hi<style>p{x}</style>"
	    "<SCRIPT type=x>evil()</SCRIPT>!", "hi!\n" },
	{ "head_dropped", "<html><head><title>T</title></head><body>b</body>"
	    "</html>", "b\n" },
	{ "br_p", "a<br>b<p>c</p>d<br/><br/>e", "a\nb\n\nc\n\nd\n\ne\n" },
	{ "div_li", "<div>x</div><ul><li>one<li>two</ul>",
	    "x\n\n* one\n* two\n" },
	{ "whitespace", "  a \n\t b  ", "a b\n" },
	{ "pre", "<pre>a\n  b</pre>c", "a\n  b\n\nc\n" },
	{ "link", "<a href=\"https://x.example/?a=1&amp;b=2\">click</a>",
	    "click <https://x.example/?a=1&b=2>\n" },
	{ "link_same_text", "<a href='https://x.y/'>https://x.y/</a>",
	    "https://x.y/\n" },
	{ "link_anchor", "<a href=\"#top\">top</a>", "top\n" },
	{ "img_alt", "<img src=\"cid:x\" alt=\"logo\">", "[logo]\n" },
	{ "comment", "<!-- <b>x</b> -->y", "y\n" },
	{ "cut_tag", "a<b", "a\n" },
	{ "lt_text", "1 < 2", "1 < 2\n" },
	{ "unclosed_script", "<script>x", "x\n" },
	{ "empty", "", "" },
};

START_TEST(test_html_strip)
{
	const struct hrow	*r = &hrows[_i];
	char			*out;
	size_t			 n;

	out = html_strip(r->html, strlen(r->html), &n);
	ck_assert_msg(strcmp(out, r->want) == 0, "%s: got '%s'", r->name,
	    out);
	ck_assert_uint_eq(n, strlen(out));
	free(out);
}
END_TEST

START_TEST(test_html_unclosed_many)	/* linear, however hostile */
{
	static const char *const tags[] = { "<script>", "<style>", "<head>",
	    "<!--", "<a href=\"x\">", "<b", "&#x", "<pre>" };
	size_t	 n = 200000, i, k, tl;
	char	*h, *out;
	size_t	 outn;

	for (k = 0; k < sizeof tags / sizeof tags[0]; k++) {
		tl = strlen(tags[k]);
		h = xmalloc(n * tl + 1);
		for (i = 0; i < n; i++)
			memcpy(h + i * tl, tags[k], tl);
		h[n * tl] = '\0';
		out = html_strip(h, n * tl, &outn);
		ck_assert(utf8_valid((const unsigned char *)out, outn));
		free(out);
		free(h);
	}
}
END_TEST

static const struct filt {
	const char	*filter;
	const char	*want;
	const char	*how;
} filts[] = {
	{ "", "a & b\n", "built-in" },
	{ "false", "a & b\n", "built-in" },		/* fails */
	{ "/nonexistent/filter -x", "a & b\n", "built-in" },
	{ "sh -c 'exit 3'", "a & b\n", "built-in" },
	{ "cat", "<b>a &amp; b</b>", "html_filter" },
	{ "sed 's/<[^>]*>//g'", "a &amp; b", "html_filter" },
	{ "tr 'a b' \"x y\"", "<y>x &xmp; y</y>", "html_filter" },
	{ "'unterminated", "a & b\n", "built-in" },
};

START_TEST(test_html_filter)
{
	static const char html[] = "<b>a &amp; b</b>";
	const struct filt	*f = &filts[_i];
	const char		*how;
	char			*out;
	size_t			 n;

	out = html_convert(html, strlen(html), f->filter, &n, &how);
	ck_assert_msg(strcmp(out, f->want) == 0, "%s: got '%s'", f->filter,
	    out);
	ck_assert_str_eq(how, f->how);
	free(out);
	out = html_to_text(html, strlen(html), f->filter, &n);
	ck_assert_str_eq(out, f->want);
	free(out);
}
END_TEST

START_TEST(test_html_filter_timeout)
{
	const char	*how;
	char		*out;
	size_t		 n;
	time_t		 t0 = time(NULL);

	/* Writes, then hangs past the deadline: killed, stripper used. */
	out = html_convert("<i>x</i>", 8, "sh -c 'echo partial; sleep 30'",
	    &n, &how);
	ck_assert_str_eq(out, "x\n");
	ck_assert_str_eq(how, "built-in");
	ck_assert(time(NULL) - t0 < 15);
	free(out);
}
END_TEST

/* Writes an executable script dir/name. */
static void
script(const char *dir, const char *name, const char *body)
{
	char	*p = xasprintf("%s/%s", dir, name);
	FILE	*fp = fopen(p, "w");

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	fclose(fp);
	ck_assert_int_eq(chmod(p, 0700), 0);
	free(p);
}

START_TEST(test_html_auto_programs)
{
	char		 dir[] = "/tmp/tern-check-XXXXXX", *path, *cmd;
	const char	*how;
	char		*out;
	size_t		 n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s:/usr/bin:/bin", dir);
	setenv("PATH", path, 1);
	/* lynx alone: lynx is used, with its arguments. */
	script(dir, "lynx", "cat >/dev/null; echo \"lynx $*\"");
	out = html_convert("<p>x</p>", 8, NULL, &n, &how);
	ck_assert_str_eq(how, "lynx");
	ck_assert_str_eq(out, "lynx -dump -stdin -assume_charset=UTF-8 "
	    "-display_charset=UTF-8\n");
	free(out);
	/* w3m is preferred; its output is made valid UTF-8. */
	script(dir, "w3m", "cat >/dev/null; printf 'w3m %s \\377\\n' \"$*\"");
	out = html_convert("<p>x</p>", 8, NULL, &n, &how);
	ck_assert_str_eq(how, "w3m");
	ck_assert_str_eq(out, "w3m -dump -T text/html -I UTF-8 -O UTF-8 "
	    FFFD "\n");
	free(out);
	/* A w3m that fails: the built-in stripper. */
	script(dir, "w3m", "exit 1");
	out = html_convert("<p>x</p>", 8, NULL, &n, &how);
	ck_assert_str_eq(how, "built-in");
	ck_assert_str_eq(out, "x\n");
	free(out);
	cmd = xasprintf("rm -rf '%s'", dir);
	setenv("PATH", "/usr/bin:/bin", 1);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(path);
}
END_TEST

START_TEST(test_html_auto_without_programs)
{
	char	 dir[] = "/tmp/tern-check-XXXXXX";
	char	*out;
	size_t	 n;

	char	*path = xstrdup(getenv("PATH") ? getenv("PATH") : "/bin");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("PATH", dir, 1);		/* no w3m, no lynx */
	out = html_to_text("<p>x</p>", 8, NULL, &n);
	ck_assert_str_eq(out, "x\n");
	free(out);
	rmdir(dir);
	setenv("PATH", path, 1);
	free(path);
}
END_TEST

static const struct nrow {
	const char	*in;
	const char	*want;		/* NULL: checked by rules only */
} nrows[] = {
	{ "report.pdf", "report.pdf" },
	{ "../../.bashrc", "bashrc" },			/* SECURITY #16 */
	{ "/etc/passwd", "passwd" },
	{ "..", "attachment" },
	{ ".", "attachment" },
	{ ".profile", "profile" },
	{ "", "attachment" },
	{ "dir/", "attachment" },
	{ "a\\b\\c.txt", "c.txt" },
	{ "C:\\Windows\\x.dll", "x.dll" },
	{ "a" FFFD "b", "a" FFFD "b" },			/* a NUL, decoded */
	{ "rep\x1b[2Jort.pdf", "rep[2Jort.pdf" },
	{ "evil\xe2\x80\xae" "fdp.exe", "evilfdp.exe" },	/* U+202E */
	{ "a\tb\nc\rd", "a b c d" },
	{ "caf\xe9.txt", "caf" FFFD ".txt" },		/* not UTF-8 */
	{ "-rf", "rf" },
	{ "name. . .", "name" },
	{ "x\xc2\x9b" "1m", "x1m" },			/* C1 CSI */
	{ "a:b", "a_b" },
};

static void
check_safe(const char *got)
{
	size_t	 n = strlen(got), i;

	ck_assert(n > 0 && n <= 255);
	ck_assert(utf8_valid((const unsigned char *)got, n));
	ck_assert(got[0] != '.');
	ck_assert(strcmp(got, ".") != 0 && strcmp(got, "..") != 0);
	for (i = 0; i < n; i++)
		ck_assert((unsigned char)got[i] >= 0x20 && got[i] != '/' &&
		    got[i] != '\\' && got[i] != 0x7F);
}

START_TEST(test_safe_name)
{
	const struct nrow	*r = &nrows[_i];
	char			*got = attach_safe_name(r->in);

	check_safe(got);
	if (r->want != NULL)
		ck_assert_msg(strcmp(got, r->want) == 0, "'%s' -> '%s'", r->in,
		    got);
	free(got);
}
END_TEST

START_TEST(test_safe_name_long)
{
	char	*in = xmalloc(10 * 1024 + 8), *got;
	size_t	 i;

	/* A 10 KB name: cut to 255 bytes, extension kept. */
	for (i = 0; i < 10 * 1024; i++)
		in[i] = 'a';
	strcpy(in + i, ".pdf");
	got = attach_safe_name(in);
	check_safe(got);
	ck_assert_uint_eq(strlen(got), 255);
	ck_assert_str_eq(got + 251, ".pdf");
	free(got);
	/* Multi-byte characters are never cut in half. */
	for (i = 0; i + 2 <= 10 * 1024; i += 2)
		memcpy(in + i, "é", 2);
	in[i] = '\0';
	got = attach_safe_name(in);
	check_safe(got);
	free(got);
	free(in);
}
END_TEST

START_TEST(test_safe_name_decoded)	/* SECURITY #16: encoded forms */
{
	static const char *const fields[] = {
	    "filename*=utf-8''..%2F..%2F.bashrc",
	    "filename=\"=?utf-8?q?=2E=2E=2F=2E=2E=2F=2Ebashrc?=\"",
	    "filename*0*=utf-8''..%2F; filename*1=\"../.bashrc\"",
	    "filename=\"=?utf-8?b?Li4vLi4vLmJhc2hyYw==?=\"",
	};
	struct mime	 m;
	char		*msg, *got;
	size_t		 i;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		msg = xasprintf("Content-Disposition: attachment; %s\n\nx",
		    fields[i]);
		mime_parse(msg, strlen(msg), &m);
		got = attach_safe_name(m.parts[0].filename);
		ck_assert_msg(strcmp(got, "bashrc") == 0, "%s -> %s", fields[i],
		    got);
		free(got);
		mime_free(&m);
		free(msg);
	}
}
END_TEST

static char *
slurp(const char *path, size_t *n)
{
	FILE	*fp = fopen(path, "r");
	char	*b = xmalloc(4096);

	ck_assert_ptr_nonnull(fp);
	*n = fread(b, 1, 4095, fp);
	b[*n] = '\0';
	fclose(fp);
	return b;
}

START_TEST(test_attach_save)		/* SECURITY #16 */
{
	static const char *const names[] = { "../../.bashrc", "/etc/passwd",
	    "..", ".profile", "a" FFFD "b", "../../.bashrc", "bashrc" };
	char		 dir[] = "/tmp/tern-attach-XXXXXX", *real, *path;
	char		*err = NULL, *p2, *data, *link;
	size_t		 i, n, rl;
	struct stat	 st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	real = realpath(dir, NULL);
	rl = strlen(real);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_int_eq(attach_save(dir, names[i], "data", 4, &path,
		    &err), 0);
		/* Inside dir, directly. */
		ck_assert(strncmp(path, real, rl) == 0 && path[rl] == '/');
		ck_assert(strchr(path + rl + 1, '/') == NULL);
		ck_assert_int_eq(lstat(path, &st), 0);
		ck_assert(S_ISREG(st.st_mode));
		ck_assert_int_eq(st.st_mode & 0777, 0600);
		free(path);
	}
	/* Three saves of a "bashrc": three files, none overwritten. */
	p2 = xasprintf("%s/bashrc-2", dir);
	ck_assert_int_eq(access(p2, F_OK), 0);
	free(p2);
	/* An existing file keeps its content. */
	p2 = xasprintf("%s/keep.txt", dir);
	fclose(fopen(p2, "w"));
	ck_assert_int_eq(attach_save(dir, "keep.txt", "new", 3, &path, &err),
	    0);
	ck_assert(strstr(path, "/keep-1.txt") != NULL);
	data = slurp(p2, &n);
	ck_assert_uint_eq(n, 0);
	free(data);
	data = slurp(path, &n);
	ck_assert_str_eq(data, "new");
	free(data);
	free(path);
	free(p2);
	/* A symlink is never followed. */
	link = xasprintf("%s/l.txt", dir);
	ck_assert_int_eq(symlink("/tmp/tern-attach-target-never", link), 0);
	ck_assert_int_eq(attach_save(dir, "l.txt", "x", 1, &path, &err), 0);
	ck_assert(strstr(path, "/l-1.txt") != NULL);
	ck_assert_int_ne(access("/tmp/tern-attach-target-never", F_OK), 0);
	free(path);
	free(link);
	/* A missing directory: an error, no file. */
	ck_assert_int_eq(attach_save("/nonexistent/dir", "x", "x", 1, &path,
	    &err), -1);
	ck_assert_ptr_null(path);
	ck_assert_ptr_nonnull(err);
	free(err);
	free(real);
	p2 = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(p2), 0);
	free(p2);
}
END_TEST

/*
 * A part whose header block ends in a lone CR right before the next
 * delimiter: its (empty) body starts at the part's end, not at a
 * pointer computed from a failed memchr() (found by fuzz_message).
 */
START_TEST(test_header_ends_in_cr)
{
	static const char	 msg[] = "Content-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\r\n"
	    "--b--\r\n";
	struct mime		 m;
	size_t			 i, len = sizeof msg - 1;

	mime_parse(msg, len, &m);
	ck_assert_uint_eq(m.nparts, 2);
	for (i = 0; i < m.nparts; i++) {
		ck_assert_uint_le(m.parts[i].body_off, len);
		ck_assert_uint_le(m.parts[i].body_len,
		    len - m.parts[i].body_off);
	}
	ck_assert_str_eq(m.parts[1].type, "text/plain");
	ck_assert_uint_eq(m.parts[1].body_len, 0);
	mime_free(&m);
}
END_TEST

START_TEST(test_header_next)
{
	static const char h[] = "A: 1\nB : two\n  folded\nnot a field\n"
	    " stray\nC:\n\nBody: no\n";
	const char	*name, *val;
	size_t		 nl, vl, pos = 0;
	int		 tl, count = 0;

	while (mime_header_next(h, strlen(h), &pos, &name, &nl, &val, &vl,
	    &tl)) {
		count++;
		ck_assert_int_eq(tl, 0);
		if (count == 2) {
			ck_assert(nl == 1 && name[0] == 'B');
			ck_assert(vl == 13 && memcmp(val, " two\n  folded", 13)
			    == 0);
		}
	}
	ck_assert_int_eq(count, 3);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("mime");
	TCase	*tc = tcase_create("mime");
	TCase	*th = tcase_create("html");
	TCase	*ta = tcase_create("attach");

	tcase_add_loop_test(tc, test_structure, 0, sizeof srows / sizeof srows[0]);
	tcase_add_test(tc, test_fields);
	tcase_add_loop_test(tc, test_filenames, 0, sizeof frows / sizeof frows[0]);
	tcase_add_loop_test(tc, test_decode, 0, sizeof drows / sizeof drows[0]);
	tcase_add_loop_test(tc, test_charset, 0, sizeof crows / sizeof crows[0]);
	tcase_add_test(tc, test_charset_big);
	tcase_add_test(tc, test_header_next);
	tcase_add_test(tc, test_header_ends_in_cr);
	suite_add_tcase(s, tc);

	tcase_set_timeout(th, 30);
	tcase_add_loop_test(th, test_html_strip, 0, sizeof hrows / sizeof hrows[0]);
	tcase_add_loop_test(th, test_html_filter, 0, sizeof filts / sizeof filts[0]);
	tcase_add_test(th, test_html_filter_timeout);
	tcase_add_test(th, test_html_unclosed_many);
	tcase_add_test(th, test_html_auto_without_programs);
	tcase_add_test(th, test_html_auto_programs);
	suite_add_tcase(s, th);

	tcase_add_loop_test(ta, test_safe_name, 0, sizeof nrows / sizeof nrows[0]);
	tcase_add_test(ta, test_safe_name_long);
	tcase_add_test(ta, test_safe_name_decoded);
	tcase_add_test(ta, test_attach_save);
	suite_add_tcase(s, ta);
	return s;
}
