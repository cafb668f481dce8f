/*
 * render.c - a message as the lines the pager shows (struct rendered):
 * the usual headers, the readable body (text/plain preferred in
 * multipart/alternative, HTML through html.c), quotes and signature
 * marked, a parts list, and the URLs found.  Pure functions, any thread.
 *
 * Every line is passed through sanitize_for_display() here, once, after
 * all decoding (SECURITY.md "Display", tests 12-15, 26): the UI draws
 * the text as it is.  Output is bounded whatever the input: lines are
 * cut at RENDER_LINE_MAX bytes, the text of a message at RENDER_TEXT_MAX
 * and RENDER_LINES_MAX lines, and each cut is said in a RENDER_NOTE
 * (tests 21, 24).  Attachments are never opened or parsed (test 47).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail.h"

#define RENDER_LINE_MAX		(64 * 1024)
#define RENDER_TEXT_MAX		(16 * 1024 * 1024)
#define RENDER_LINES_MAX	200000
#define RENDER_READ_MAX		(RENDER_TEXT_MAX / 3 * 4 + 4)
#define RENDER_HEADERS_MAX	10000	/* lines of full headers */
#define RENDER_URLS_MAX		1000
#define RENDER_URL_MAX		2048
#define RENDER_FILTER_RUNS	4	/* external HTML filters per message */
#define RENDER_TAB		8

struct render_ctx {
	struct rendered		*r;
	const struct render_opts *o;
	const char		*buf;
	size_t			 len;
	size_t			 cap, ucap, text;
	int			 cut_line, cut_text, cut_hdr, cut_body;
	int			 filters;
	int			 shown;		/* body parts shown */
};

/* Appends a URL unless it is there already (or there are too many). */
static void
render_url(struct render_ctx *c, const char *s, size_t n)
{
	struct rendered	*r = c->r;
	size_t		 i;

	if (r->nurls >= RENDER_URLS_MAX)
		return;			/* enough to choose from */
	for (i = 0; i < r->nurls; i++)
		if (strlen(r->urls[i]) == n && memcmp(r->urls[i], s, n) == 0)
			return;
	if (r->nurls == c->ucap) {
		c->ucap = c->ucap ? c->ucap * 2 : 16;
		r->urls = xrealloc(r->urls, c->ucap * sizeof *r->urls);
	}
	r->urls[r->nurls++] = xstrndup(s, n);
}

/* The URLs in a sanitized line, in order. */
static void
render_find_urls(struct render_ctx *c, const char *t)
{
	static const char *const schemes[] = { "http://", "https://",
	    "ftp://", "mailto:", NULL };
	const char	*const *sc;
	size_t		 i, k, n = strlen(t), pl;
	int		 paren;

	for (i = 0; i < n; i++) {
		if (strchr("hHfFmM", t[i]) == NULL || t[i] == '\0' ||
		    (i > 0 && ((t[i - 1] | 0x20) >= 'a' &&
		    (t[i - 1] | 0x20) <= 'z')))
			continue;
		for (sc = schemes; *sc != NULL; sc++)
			if (strncasecmp(t + i, *sc, strlen(*sc)) == 0)
				break;
		if (*sc == NULL)
			continue;
		pl = strlen(*sc);
		paren = 0;
		for (k = i + pl; k < n && t[k] != ' ' && t[k] != '<' &&
		    t[k] != '>' && t[k] != '"' && t[k] != '\'' && t[k] != '`';
		    k++)
			paren += (t[k] == '(') - (t[k] == ')');
		/* Trailing punctuation, and ')' that closes no '(' in it. */
		while (k > i + pl && (strchr(".,;:!?]}*", t[k - 1]) != NULL ||
		    (t[k - 1] == ')' && paren < 0))) {
			paren += t[k - 1] == ')';
			k--;
		}
		if (k > i + pl && k - i <= RENDER_URL_MAX)
			render_url(c, t + i, k - i);
		i = k > i ? k - 1 : i;
	}
}

/*
 * Adds one line: cut at RENDER_LINE_MAX, tabs expanded, sanitized.
 * s is one line of UTF-8 (or anything: the sanitizer makes it so).
 */
static void
render_push(struct render_ctx *c, enum render_kind kind, int level,
    const char *s, size_t n)
{
	struct rendered	*r = c->r;
	char		*x, *t;
	size_t		 i, k = 0, col = 0, sp;

	if (n > RENDER_LINE_MAX) {
		n = RENDER_LINE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		c->cut_line = 1;
	}
	x = xmalloc(n * RENDER_TAB + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '\t') {
			sp = RENDER_TAB - col % RENDER_TAB;
			memset(x + k, ' ', sp);
			k += sp;
			col += sp;
			continue;
		}
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
		x[k++] = s[i];
	}
	t = sanitize_for_display(x, k, 0);
	free(x);
	c->text += strlen(t);
	if (r->nlines == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		r->lines = xrealloc(r->lines, c->cap * sizeof *r->lines);
	}
	r->lines[r->nlines].kind = kind;
	r->lines[r->nlines].level = level;
	r->lines[r->nlines].text = t;
	r->nlines++;
	if (kind == RENDER_BODY || kind == RENDER_QUOTE ||
	    kind == RENDER_SIGNATURE)
		render_find_urls(c, t);
}

/* render_push() within the limits of the message. */
static void
render_add(struct render_ctx *c, enum render_kind kind, int level,
    const char *s, size_t n)
{
	if (c->r->nlines >= RENDER_LINES_MAX || c->text >= RENDER_TEXT_MAX) {
		c->cut_text = 1;
		return;
	}
	render_push(c, kind, level, s, n);
}

static void
render_note(struct render_ctx *c, const char *s)
{
	render_add(c, RENDER_NOTE, 0, s, strlen(s));
}

static void
render_blank(struct render_ctx *c)
{
	render_add(c, RENDER_BLANK, 0, "", 0);
}

/* Text lines of one body part: quotes, signature, blank lines. */
static void
render_text(struct render_ctx *c, const char *s, size_t n)
{
	const char	*nl;
	size_t		 p = 0, ll, i, end;
	int		 sig = 0, lvl;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;			/* no trailing empty lines */
	while (p < n) {
		nl = memchr(s + p, '\n', n - p);
		end = nl ? (size_t)(nl - s) : n;
		ll = end - p;
		if (ll > 0 && s[p + ll - 1] == '\r')
			ll--;
		if (ll == 3 && memcmp(s + p, "-- ", 3) == 0)
			sig = 1;
		for (lvl = 0, i = 0; i < ll; i++) {
			if (s[p + i] == '>')
				lvl++;
			else if (s[p + i] != ' ' || lvl == 0)
				break;
		}
		if (ll == 0)
			render_blank(c);
		else if (sig)
			render_add(c, RENDER_SIGNATURE, 0, s + p, ll);
		else if (lvl > 0)
			render_add(c, RENDER_QUOTE, lvl, s + p, ll);
		else
			render_add(c, RENDER_BODY, 0, s + p, ll);
		if (c->cut_text)
			return;
		p = nl ? end + 1 : n;
	}
}

static void
render_header(struct render_ctx *c, const char *name, const char *val)
{
	char	*s;

	if (val == NULL || val[0] == '\0')
		return;
	s = xasprintf("%s: %s", name, val);
	render_add(c, RENDER_HEADER, (int)strlen(name), s, strlen(s));
	free(s);
}

/* 1 if a display name in the decoded address list holds an '@'. */
static int
render_name_has_at(const char *s)
{
	int	 at;

	while ((s = strchr(s, '"')) != NULL) {
		for (at = 0, s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			at |= *s == '@';
		}
		if (*s == '\0')
			return 0;
		s++;
		if (at && strncmp(s, " <", 2) == 0)
			return 1;
	}
	return 0;
}

/* Every field of the header block, decoded (render_opts.full_headers). */
static void
render_full_headers(struct render_ctx *c, const char *h, size_t n)
{
	const char	*name, *val;
	size_t		 nlen, vlen, pos = 0, count = 0;
	int		 toolong;
	char		*v, *nm;

	while (mime_header_next(h, n, &pos, &name, &nlen, &val, &vlen,
	    &toolong)) {
		if (++count > RENDER_HEADERS_MAX) {
			c->cut_hdr = 1;
			break;
		}
		nm = xstrndup(name, nlen);
		if (toolong) {
			c->cut_hdr = 1;
			v = xstrdup("[over 256 KiB, not shown]");
		} else
			v = header_decode_text(val, vlen);
		render_header(c, nm, v[0] ? v : " ");
		free(nm);
		free(v);
	}
	if (n > MAIL_HEADER_BLOCK_MAX)
		c->cut_hdr = 1;
}

/* The first field called name in the block, decoded, or NULL. */
static char *
render_field(const char *h, size_t n, const char *want)
{
	const char	*name, *val;
	size_t		 nlen, vlen, pos = 0;
	int		 toolong;

	while (mime_header_next(h, n, &pos, &name, &nlen, &val, &vlen,
	    &toolong))
		if (nlen == strlen(want) && strncasecmp(name, want, nlen) == 0)
			return toolong ? NULL : header_decode_text(val, vlen);
	return NULL;
}

/* The headers of the message (or an attached one) at buf[off..end). */
static void
render_headers(struct render_ctx *c, size_t off, size_t end)
{
	static const char	 warn[] = "[warning: the sender's name "
	    "contains an address; the real address is the one in <>]";
	struct header_fields	 hf;
	struct tm		 tm;
	char			 date[64], *raw;

	header_parse(c->buf + off, end - off, &hf);
	if (c->o->full_headers) {
		render_full_headers(c, c->buf + off, end - off);
		if (render_name_has_at(hf.from))
			render_note(c, warn);
		header_fields_free(&hf);
		return;
	}
	if (hf.truncated)
		c->cut_hdr = 1;
	render_header(c, "From", hf.from);
	if (render_name_has_at(hf.from))
		render_note(c, warn);
	render_header(c, "To", hf.to);
	render_header(c, "Cc", hf.cc);
	if (hf.date != 0 && localtime_r(&hf.date, &tm) != NULL &&
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M", &tm) > 0)
		render_header(c, "Date", date);
	else if ((raw = render_field(c->buf + off, end - off, "Date")) != NULL) {
		render_header(c, "Date", raw);	/* as written */
		free(raw);
	}
	render_header(c, "Subject", hf.subject);
	header_fields_free(&hf);
}

/* The index after the subtree of part i. */
static size_t
render_subtree_end(const struct mime *m, size_t i)
{
	size_t	 j;

	for (j = i + 1; j < m->nparts && m->parts[j].depth >
	    m->parts[i].depth; j++)
		;
	return j;
}

static int
render_is_text(const struct mime_part *pt)
{
	if (strcmp(pt->disposition, "attachment") == 0)
		return 0;
	if (strncmp(pt->type, "multipart/", 10) == 0)
		return !pt->multipart;	/* a broken multipart: its text */
	return strncmp(pt->type, "text/", 5) == 0 &&
	    strcmp(pt->type, "text/calendar") != 0 &&
	    strcmp(pt->type, "text/vcard") != 0 &&
	    strcmp(pt->type, "text/x-vcard") != 0 &&
	    strcmp(pt->type, "text/directory") != 0;
}

/*
 * Copies src[0..n) to dst (which may be src: in place) keeping at most
 * RENDER_LINE_MAX + 4 bytes of each line, cut at a UTF-8 boundary, and
 * returns the length copied: render_push() cuts each line there anyway
 * (and says so), while a 100 MB line would otherwise be copied,
 * checked, converted and scanned whole.  Only for charsets where a
 * byte '\n' ends a line.
 */
static size_t
render_cap_lines(char *dst, const char *src, size_t n)
{
	const char	*nl;
	size_t		 r = 0, w = 0, len, keep;

	while (r < n) {
		nl = memchr(src + r, '\n', n - r);
		len = nl != NULL ? (size_t)(nl - (src + r)) + 1 : n - r;
		keep = len;
		if (len > RENDER_LINE_MAX + 8) {
			keep = RENDER_LINE_MAX + 4;
			while (((unsigned char)src[r + keep] & 0xC0) == 0x80)
				keep--;
		}
		if (dst + w != src + r)
			memmove(dst + w, src + r, keep);
		w += keep;
		if (keep < len && nl != NULL)
			dst[w++] = '\n';
		r += len;
	}
	return w;
}

/* 1 if a byte '\n' ends a line in charset cs (not UTF-16 and the like). */
static int
render_lf_charset(const char *cs)
{
	return strncasecmp(cs, "utf-16", 6) != 0 &&
	    strncasecmp(cs, "utf-32", 6) != 0 &&
	    strncasecmp(cs, "ucs-", 4) != 0 && strncasecmp(cs, "utf-7", 5) != 0;
}

/* Decodes, converts and shows one text part. */
static void
render_text_part(struct render_ctx *c, const struct mime_part *part)
{
	struct mime_part pt = *part;
	const char	*cs = pt.charset, *how, *filter;
	char		*raw, *u, *h, *note;
	size_t		 rlen, ulen, hlen;

	/* No more is read than could be shown (base64 is 4/3 the text). */
	if (pt.body_len > RENDER_READ_MAX) {
		pt.body_len = RENDER_READ_MAX;
		c->cut_body = 1;
	}
	if (!render_lf_charset(cs))
		raw = mime_decode(c->buf, &pt, &rlen);
	else if (strcmp(pt.encoding, "base64") == 0 ||
	    strcmp(pt.encoding, "quoted-printable") == 0) {
		raw = mime_decode(c->buf, &pt, &rlen);
		rlen = render_cap_lines(raw, raw, rlen);
		raw[rlen] = '\0';
	} else {		/* no decoding: the lines copied cut */
		raw = xmalloc(pt.body_len + 1);
		rlen = render_cap_lines(raw, c->buf + pt.body_off,
		    pt.body_len);
		raw[rlen] = '\0';
	}
	/* Undeclared 8-bit text that is not UTF-8 is Windows-1252. */
	if ((cs[0] == '\0' || strcmp(cs, "us-ascii") == 0) &&
	    !utf8_valid((const unsigned char *)raw, rlen))
		cs = "windows-1252";
	u = charset_to_utf8(cs, raw, rlen, &ulen);
	free(raw);
	if (c->shown++ > 0)
		render_blank(c);
	if (strcmp(pt.type, "text/html") == 0) {
		/* A few filter runs, then the stripper: a bounded time. */
		filter = c->o->html_filter;
		if (c->filters >= RENDER_FILTER_RUNS)
			filter = "";
		else if (filter == NULL || filter[0] != '\0')
			c->filters++;
		h = html_convert(u, ulen, filter, &hlen, &how);
		note = strcmp(how, "built-in") == 0 ?
		    xstrdup("[html shown as text by tern's tag stripper]") :
		    xasprintf("[html rendered by %s]", how);
		render_note(c, note);
		free(note);
		render_text(c, h, hlen);
		free(h);
	} else
		render_text(c, u, ulen);
	free(u);
}

static void	render_entity(struct render_ctx *, size_t);

/* The part of a multipart/alternative to show; (size_t)-1 if none. */
static size_t
render_alternative(const struct mime *m, size_t i)
{
	size_t	 j, end = render_subtree_end(m, i), html = (size_t)-1;
	size_t	 multi = (size_t)-1, last = (size_t)-1;
	int	 d = m->parts[i].depth + 1;

	for (j = i + 1; j < end; j++) {
		if (m->parts[j].depth != d)
			continue;
		last = j;
		if (strcmp(m->parts[j].type, "text/plain") == 0 &&
		    strcmp(m->parts[j].disposition, "attachment") != 0)
			return j;
		if (strcmp(m->parts[j].type, "text/html") == 0 &&
		    html == (size_t)-1)
			html = j;
		if (m->parts[j].multipart && multi == (size_t)-1)
			multi = j;
	}
	return html != (size_t)-1 ? html : multi != (size_t)-1 ? multi :
	    last;
}

static void
render_entity(struct render_ctx *c, size_t i)
{
	const struct mime	*m = &c->r->mime;
	const struct mime_part	*pt = &m->parts[i];
	size_t			 j, end = render_subtree_end(m, i);

	if (c->cut_text)
		return;
	if (pt->multipart) {
		if (strcmp(pt->type, "multipart/alternative") == 0) {
			if ((j = render_alternative(m, i)) != (size_t)-1)
				render_entity(c, j);
			return;
		}
		for (j = i + 1; j < end; j++) {
			if (m->parts[j].depth != pt->depth + 1)
				continue;
			render_entity(c, j);
			if (strcmp(pt->type, "multipart/related") == 0)
				break;		/* the root; the rest it uses */
		}
		return;
	}
	if (i + 1 < end && m->parts[i + 1].depth == pt->depth + 1 &&
	    strncmp(pt->type, "message/", 8) == 0 &&
	    strcmp(pt->disposition, "attachment") != 0) {
		if (c->shown++ > 0)
			render_blank(c);
		render_note(c, "[-- attached message --]");
		render_headers(c, m->parts[i + 1].hdr_off,
		    m->parts[i + 1].body_off);
		render_blank(c);
		c->shown = 0;
		render_entity(c, i + 1);
		c->shown = 1;
		return;
	}
	if (render_is_text(pt))
		render_text_part(c, pt);
}

/* "1.2 KB" for the decoded size of a part (base64 estimated). */
static void
render_size(const struct mime_part *pt, char *out, size_t outsz)
{
	double	 n = (double)pt->body_len;

	if (strcmp(pt->encoding, "base64") == 0)
		n = n * 3 / 4;
	if (n < 1024)
		snprintf(out, outsz, "%.0f B", n);
	else if (n < 1024 * 1024)
		snprintf(out, outsz, n < 10 * 1024 ? "%.1f KB" : "%.0f KB",
		    n / 1024);
	else
		snprintf(out, outsz, n < 10 * 1024 * 1024 ? "%.1f MB" :
		    "%.0f MB", n / (1024 * 1024));
}

/* The parts list: every leaf, numbered; level holds its index. */
static void
render_parts(struct render_ctx *c)
{
	const struct mime	*m = &c->r->mime;
	const struct mime_part	*pt;
	size_t			 i, leaves = 0, k = 0;
	int			 attach = 0, d;
	char			 size[32], *s, indent[2 * 8 + 1];

	for (i = 0; i < m->nparts; i++) {
		pt = &m->parts[i];
		if (pt->multipart)
			continue;
		leaves++;
		attach |= !render_is_text(pt) ||
		    strcmp(pt->disposition, "attachment") == 0;
	}
	if (leaves <= 1 && !attach)
		return;
	render_blank(c);
	for (i = 0; i < m->nparts; i++) {
		pt = &m->parts[i];
		if (pt->multipart)
			continue;
		d = pt->depth > 1 ? pt->depth - 1 : 0;
		d = d > 8 ? 8 : d;
		memset(indent, ' ', (size_t)d * 2);
		indent[d * 2] = '\0';
		render_size(pt, size, sizeof size);
		s = xasprintf("[%zu] %s%s  %s  %s", ++k, indent, pt->type,
		    pt->filename[0] ? pt->filename : pt->charset[0] ?
		    pt->charset : "-", size);
		render_add(c, RENDER_PART, (int)i, s, strlen(s));
		free(s);
	}
}

/* The message source, line by line (render_opts.raw). */
static void
render_raw(struct render_ctx *c)
{
	const char	*nl;
	size_t		 p = 0, end, ll;

	while (p < c->len && !c->cut_text) {
		nl = memchr(c->buf + p, '\n', c->len - p);
		end = nl ? (size_t)(nl - c->buf) : c->len;
		ll = end - p;
		if (ll > 0 && c->buf[p + ll - 1] == '\r')
			ll--;
		render_add(c, RENDER_BODY, 0, c->buf + p, ll);
		p = nl ? end + 1 : c->len;
	}
}

int
render_message(const char *buf, size_t len, const struct render_opts *o,
    struct rendered *out)
{
	static const struct render_opts	 defaults = { 0, 0, NULL };
	static const char		 mime_cut[] = "[the MIME structure "
	    "is over tern's limits (50 levels, 500 parts): shown in part]";
	static const char		 line_cut[] = "[lines over 64 KiB "
	    "were cut]";
	static const char		 text_cut[] = "[the message is over "
	    "tern's limits (16 MiB of text, 200,000 lines): cut]";
	struct render_ctx		 c;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.r = out;
	c.o = o ? o : &defaults;
	c.buf = buf ? buf : "";
	c.len = buf ? len : 0;
	mime_parse(c.buf, c.len, &out->mime);
	if (c.o->raw) {
		render_raw(&c);
	} else {
		render_headers(&c, 0, out->mime.parts[0].body_off);
		if (c.cut_hdr)
			render_note(&c, "[the header is over tern's limits: "
			    "shown in part]");
		render_blank(&c);
		render_entity(&c, 0);
		render_parts(&c);
	}
	out->truncated = c.cut_line || c.cut_text || c.cut_hdr ||
	    c.cut_body || out->mime.truncated;
	/* The notes go last and past the limits, so they are never lost. */
	if (out->mime.truncated)
		render_push(&c, RENDER_NOTE, 0, mime_cut, strlen(mime_cut));
	if (c.cut_line)
		render_push(&c, RENDER_NOTE, 0, line_cut, strlen(line_cut));
	if (c.cut_text || c.cut_body)
		render_push(&c, RENDER_NOTE, 0, text_cut, strlen(text_cut));
	return 0;
}

void
rendered_free(struct rendered *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i].text);
	free(r->lines);
	for (i = 0; i < r->nurls; i++)
		free(r->urls[i]);
	free(r->urls);
	mime_free(&r->mime);
	memset(r, 0, sizeof *r);
}
