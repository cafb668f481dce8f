/*
 * mime.c - the MIME structure of a message (RFC 2045-2049, 2183, 2231),
 * found by a small bounded parser of tern's own, and the transfer
 * decodings.  Pure functions, any thread.
 *
 * libetpan's MIME parser is not used: it crashes on boundary="\"" and is
 * quadratic on nested multiparts (SECURITY.md).  Here every limit of the
 * "Parsing budget" is applied while scanning: depth MIME_DEPTH_MAX,
 * MIME_PARTS_MAX parts, MAIL_HEADER_BLOCK_MAX per header block,
 * MAIL_HEADER_FIELD_MAX per field.  Each nesting level scans its body
 * once, so the work is at most MIME_DEPTH_MAX passes over the message.
 *
 * Tolerated breakage: no MIME-Version, LF line ends, a multipart without
 * a boundary or whose boundary never appears (shown as text), a missing
 * close delimiter, a part that starts with body text instead of headers,
 * RFC 2047 words in quoted parameters, broken base64 and QP.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

#define MIME_PARAMS_MAX		100	/* parameters read per field */
#define MIME_SECTIONS_MAX	64	/* RFC 2231 continuations */
#define MIME_BOUNDARY_MAX	200	/* RFC 2046 says 70 */
#define MIME_VALUE_MAX		4096	/* a parameter value */

struct mime_ctx {
	const char	*buf;
	size_t		 len;
	struct mime	*m;
	size_t		 cap;
};

static int
mime_is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
mime_header_next(const char *buf, size_t len, size_t *pos, const char **name,
    size_t *nlen, const char **val, size_t *vlen, int *toolong)
{
	const char	*nl;
	size_t		 lim, p, start, end, next, i, ll;

	lim = len < MAIL_HEADER_BLOCK_MAX ? len : MAIL_HEADER_BLOCK_MAX;
	p = *pos;
	*toolong = 0;
	while (p < lim) {
		nl = memchr(buf + p, '\n', lim - p);
		end = nl ? (size_t)(nl - buf) : lim;
		next = nl ? end + 1 : lim;
		ll = end - p;
		if (ll > 0 && buf[end - 1] == '\r')
			ll--;
		if (ll == 0) {
			*pos = lim;		/* the empty line: the end */
			return 0;
		}
		start = p;
		p = next;
		if (buf[start] == ' ' || buf[start] == '\t')
			continue;		/* a stray continuation */
		/* Continuation lines belong to this field. */
		while (p < lim && (buf[p] == ' ' || buf[p] == '\t')) {
			nl = memchr(buf + p, '\n', lim - p);
			end = nl ? (size_t)(nl - buf) : lim;
			p = nl ? end + 1 : lim;
		}
		if (end > start && buf[end - 1] == '\r')
			end--;
		for (i = start; i < end && buf[i] > ' ' && buf[i] < 0x7F &&
		    buf[i] != ':'; i++)
			;
		*nlen = i - start;
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (*nlen == 0 || i >= end || buf[i] != ':')
			continue;		/* not a field */
		*name = buf + start;
		*val = buf + i + 1;
		*vlen = end - i - 1;
		if (end - start > MAIL_HEADER_FIELD_MAX) {
			*vlen = 0;
			*toolong = 1;
		}
		*pos = p;
		return 1;
	}
	*pos = lim;
	return 0;
}

/* The value without line ends, NUL-terminated; caller frees. */
static char *
mime_unfold(const char *v, size_t n)
{
	char	*s = xmalloc(n + 1);
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i] != '\r' && v[i] != '\n')
			s[k++] = v[i] == '\0' ? ' ' : v[i];
	s[k] = '\0';
	return s;
}

/* The first token of a field value, lower-case, up to ';'; owned. */
static char *
mime_token(const char *v)
{
	size_t	 i, n;
	char	*s;

	while (mime_is_wsp((unsigned char)*v))
		v++;
	for (n = 0; v[n] != '\0' && v[n] != ';' && !mime_is_wsp(
	    (unsigned char)v[n]) && v[n] != '(' && n < 128; n++)
		;
	s = xstrndup(v, n);
	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	return s;
}

/* Appends the %XX-decoded s to out (RFC 2231 extended values). */
static size_t
mime_pct(const char *s, char *out)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			out[n++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else
			out[n++] = *s;
	}
	return n;
}

/*
 * The parameter attr of a Content-Type or Content-Disposition value,
 * RFC 2231 sections and charsets decoded, else RFC 2047 decoded when
 * words is set; NULL if absent.  Caller frees.
 */
static char *
mime_param(const char *v, const char *attr, int words)
{
	char	*sect[MIME_SECTIONS_MAX] = { 0 }, *plain = NULL, *res = NULL;
	char	 aname[128], val[MIME_VALUE_MAX];
	int	 ext[MIME_SECTIONS_MAX] = { 0 }, nparams = 0, idx, isext, q;
	size_t	 alen = strlen(attr), an, vn, i = 0, total;
	char	*raw, *cs, *p, *tick;

	/* Skip the type. */
	while (v[i] != '\0' && v[i] != ';')
		i++;
	while (v[i] != '\0' && nparams++ < MIME_PARAMS_MAX) {
		while (v[i] == ';' || mime_is_wsp((unsigned char)v[i]))
			i++;
		for (an = 0; v[i] != '\0' && v[i] != '=' && v[i] != ';' &&
		    !mime_is_wsp((unsigned char)v[i]); i++)
			if (an < sizeof aname - 1)
				aname[an++] = v[i];
		aname[an] = '\0';
		while (mime_is_wsp((unsigned char)v[i]))
			i++;
		if (v[i] != '=')
			continue;
		i++;
		while (mime_is_wsp((unsigned char)v[i]))
			i++;
		vn = 0;
		q = v[i] == '"';
		if (q) {
			for (i++; v[i] != '\0' && v[i] != '"'; i++) {
				if (v[i] == '\\' && v[i + 1] != '\0')
					i++;
				if (vn < sizeof val - 1)
					val[vn++] = v[i];
			}
			if (v[i] == '"')
				i++;
		} else {
			for (; v[i] != '\0' && v[i] != ';' &&
			    !mime_is_wsp((unsigned char)v[i]); i++)
				if (vn < sizeof val - 1)
					val[vn++] = v[i];
		}
		val[vn] = '\0';
		if (an < alen || strncasecmp(aname, attr, alen) != 0)
			continue;
		if (an == alen) {
			if (plain == NULL)
				plain = xstrdup(val);
			continue;
		}
		if (aname[alen] != '*')
			continue;
		p = aname + alen + 1;
		if (*p == '\0') {
			idx = 0;
			isext = 1;
		} else {
			for (idx = 0; *p >= '0' && *p <= '9' && idx < 1000; p++)
				idx = idx * 10 + (*p - '0');
			isext = *p == '*';
			if ((*p != '\0' && strcmp(p, "*") != 0) ||
			    idx >= MIME_SECTIONS_MAX)
				continue;
		}
		if (sect[idx] == NULL) {
			sect[idx] = xstrdup(val);
			ext[idx] = isext;
		}
	}
	if (sect[0] != NULL) {
		for (total = 0, idx = 0; idx < MIME_SECTIONS_MAX &&
		    sect[idx] != NULL; idx++)
			total += strlen(sect[idx]);
		raw = xmalloc(total + 1);
		cs = xstrdup("");
		total = 0;
		for (idx = 0; idx < MIME_SECTIONS_MAX && sect[idx] != NULL;
		    idx++) {
			p = sect[idx];
			if (idx == 0 && ext[0] &&
			    (tick = strchr(p, '\'')) != NULL &&
			    strchr(tick + 1, '\'') != NULL) {
				free(cs);
				cs = xstrndup(p, (size_t)(tick - p));
				p = strchr(tick + 1, '\'') + 1;
			}
			if (ext[idx])
				total += mime_pct(p, raw + total);
			else {
				memcpy(raw + total, p, strlen(p));
				total += strlen(p);
			}
		}
		res = charset_to_utf8(cs, raw, total, NULL);
		free(raw);
		free(cs);
	} else if (plain != NULL)
		res = words ? header_decode_text(plain, strlen(plain)) :
		    xstrdup(plain);
	for (idx = 0; idx < MIME_SECTIONS_MAX; idx++)
		free(sect[idx]);
	free(plain);
	return res;
}

static char *
mime_lower(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/*
 * Where the body of the entity buf[off..end) starts: after the empty
 * line ending its header block, at off when the entity starts with
 * something that is not a header field, at end when there is no empty
 * line.
 */
static size_t
mime_body_start(const char *buf, size_t off, size_t end, int *truncated)
{
	const char	*nl;
	size_t		 p = off, i, ll, le;
	int		 mbox;

	for (i = off; i < end && buf[i] > ' ' && buf[i] < 0x7F &&
	    buf[i] != ':'; i++)
		;
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	/* (An mbox "From " line before the header is read as header.) */
	mbox = off == 0 && end >= 5 && memcmp(buf, "From ", 5) == 0;
	if (!mbox && (i == off || i >= end || buf[i] != ':')) {
		/* Not a header: an empty line, or text without headers. */
		if (off < end && buf[off] == '\n')
			return off + 1;
		if (off + 1 < end && buf[off] == '\r' && buf[off + 1] == '\n')
			return off + 2;
		return off;
	}
	while (p < end) {
		nl = memchr(buf + p, '\n', end - p);
		le = nl ? (size_t)(nl - buf) : end;
		ll = le - p;
		if (ll > 0 && buf[le - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		p = nl ? le + 1 : end;
	}
	if (p - off > MAIL_HEADER_BLOCK_MAX)
		*truncated = 1;
	if (p >= end)
		return end;
	/* The empty line may be a lone CR at the very end: no LF after. */
	if ((nl = memchr(buf + p, '\n', end - p)) == NULL)
		return end;
	return (size_t)(nl - buf) + 1;
}

static size_t	mime_entity(struct mime_ctx *, size_t, size_t, int, int);

/* 1 if buf[p..le) is "--bnd" (2) or "--bnd--" (2 | 1); 0 otherwise. */
static int
mime_delim(const char *buf, size_t p, size_t le, const char *bnd, size_t blen)
{
	size_t	 i;

	if (le - p < blen + 2 || buf[p] != '-' || buf[p + 1] != '-' ||
	    memcmp(buf + p + 2, bnd, blen) != 0)
		return 0;
	i = p + 2 + blen;
	if (le - i >= 2 && buf[i] == '-' && buf[i + 1] == '-')
		return 3;
	for (; i < le; i++)
		if (!mime_is_wsp((unsigned char)buf[i]))
			return 0;
	return 2;
}

/*
 * Parses the children of a multipart body buf[off..end).  Returns the
 * number of delimiters seen (0: the boundary never appears).
 */
static int
mime_children(struct mime_ctx *c, size_t off, size_t end, const char *bnd,
    int depth, int digest)
{
	const char	*nl;
	size_t		 p = off, le, next, cend, blen = strlen(bnd);
	size_t		 child = (size_t)-1;
	int		 d, seen = 0;

	while (p < end) {
		nl = memchr(c->buf + p, '\n', end - p);
		le = nl ? (size_t)(nl - c->buf) : end;
		next = nl ? le + 1 : end;
		if ((d = mime_delim(c->buf, p, le, bnd, blen)) != 0) {
			seen++;
			if (child != (size_t)-1) {
				cend = p;
				if (cend > child && c->buf[cend - 1] == '\n')
					cend--;
				if (cend > child && c->buf[cend - 1] == '\r')
					cend--;
				if (c->m->nparts >= MIME_PARTS_MAX) {
					c->m->truncated = 1;
					return seen;
				}
				mime_entity(c, child, cend, depth, digest);
			}
			if (d == 3)
				return seen;
			child = next;
		}
		p = next;
	}
	if (child != (size_t)-1 && child < end) {
		if (c->m->nparts >= MIME_PARTS_MAX)
			c->m->truncated = 1;
		else
			mime_entity(c, child, end, depth, digest);
	}
	return seen;
}

/* Parses the entity buf[off..end) at depth; returns its index. */
static size_t
mime_entity(struct mime_ctx *c, size_t off, size_t end, int depth,
    int digest)
{
	struct mime_part	*pt;
	const char		*name, *val;
	char			*ct = NULL, *cte = NULL, *cd = NULL, *bnd = NULL;
	char			*s;
	size_t			 nlen, vlen, pos = 0, idx, hlen;
	int			 toolong;

	if (c->m->nparts == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->m->parts = xrealloc(c->m->parts, c->cap * sizeof *pt);
	}
	idx = c->m->nparts++;
	pt = &c->m->parts[idx];
	memset(pt, 0, sizeof *pt);
	pt->depth = depth;
	pt->hdr_off = off;
	pt->body_off = mime_body_start(c->buf, off, end, &c->m->truncated);
	pt->body_len = end - pt->body_off;

	hlen = pt->body_off - off;
	while (mime_header_next(c->buf + off, hlen, &pos, &name, &nlen, &val,
	    &vlen, &toolong)) {
		if (toolong)
			c->m->truncated = 1;
		if (nlen == 12 && strncasecmp(name, "Content-Type", 12) == 0 &&
		    ct == NULL)
			ct = mime_unfold(val, vlen);
		else if (nlen == 25 && strncasecmp(name,
		    "Content-Transfer-Encoding", 25) == 0 && cte == NULL)
			cte = mime_unfold(val, vlen);
		else if (nlen == 19 && strncasecmp(name,
		    "Content-Disposition", 19) == 0 && cd == NULL)
			cd = mime_unfold(val, vlen);
	}
	if (hlen > MAIL_HEADER_BLOCK_MAX)
		c->m->truncated = 1;

	pt->type = ct ? mime_token(ct) : xstrdup("");
	if (strchr(pt->type, '/') == NULL || pt->type[0] == '/') {
		free(pt->type);
		pt->type = xstrdup(digest ? "message/rfc822" : "text/plain");
	}
	s = ct ? mime_param(ct, "charset", 0) : NULL;
	pt->charset = s ? mime_lower(s) : xstrdup("");
	if (strlen(pt->charset) > 64)
		pt->charset[64] = '\0';
	pt->encoding = cte ? mime_token(cte) : xstrdup("");
	s = cd ? mime_token(cd) : xstrdup("");
	if (s[0] != '\0' && strcmp(s, "inline") != 0) {
		free(s);
		s = xstrdup("attachment");	/* RFC 2183 2.8 */
	}
	pt->disposition = s;
	s = cd ? mime_param(cd, "filename", 1) : NULL;
	if (s == NULL && ct != NULL)
		s = mime_param(ct, "name", 1);
	pt->filename = s ? s : xstrdup("");

	if (strncmp(pt->type, "multipart/", 10) == 0 && ct != NULL &&
	    (bnd = mime_param(ct, "boundary", 0)) != NULL && bnd[0] != '\0' &&
	    strlen(bnd) <= MIME_BOUNDARY_MAX) {
		size_t	 bo = pt->body_off, bl = pt->body_len;
		int	 dig = strcmp(pt->type, "multipart/digest") == 0;

		pt->multipart = 1;
		if (depth >= MIME_DEPTH_MAX)
			c->m->truncated = 1;
		else if (mime_children(c, bo, bo + bl, bnd, depth + 1, dig) ==
		    0)
			c->m->parts[idx].multipart = 0;	/* shown as text */
	} else if ((strcmp(pt->type, "message/rfc822") == 0 ||
	    strcmp(pt->type, "message/global") == 0) &&
	    (pt->encoding[0] == '\0' || strcmp(pt->encoding, "7bit") == 0 ||
	    strcmp(pt->encoding, "8bit") == 0 ||
	    strcmp(pt->encoding, "binary") == 0)) {
		size_t	 bo = pt->body_off, bl = pt->body_len;

		if (depth >= MIME_DEPTH_MAX)
			c->m->truncated = 1;
		else if (c->m->nparts >= MIME_PARTS_MAX)
			c->m->truncated = 1;
		else
			mime_entity(c, bo, bo + bl, depth + 1, 0);
	}
	free(bnd);
	free(ct);
	free(cte);
	free(cd);
	return idx;
}

int
mime_parse(const char *buf, size_t len, struct mime *out)
{
	struct mime_ctx	 c;

	memset(out, 0, sizeof *out);
	c.buf = buf ? buf : "";
	c.len = buf ? len : 0;
	c.m = out;
	c.cap = 0;
	mime_entity(&c, 0, c.len, 0, 0);
	return 0;
}

void
mime_free(struct mime *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nparts; i++) {
		free(m->parts[i].type);
		free(m->parts[i].charset);
		free(m->parts[i].encoding);
		free(m->parts[i].disposition);
		free(m->parts[i].filename);
	}
	free(m->parts);
	memset(m, 0, sizeof *m);
}

/* Also the URL-safe alphabet's "-_". */
static int
mime_b64val(int c)
{
	return c == '-' ? 62 : c == '_' ? 63 : base64_value(c);
}

/*
 * Best effort for broken input (SECURITY #25): characters outside the
 * alphabet are skipped, '=' ends a group (so concatenated encodings
 * decode), a dangling partial group is dropped.
 */
static size_t
mime_unbase64(const char *s, size_t n, char *out)
{
	unsigned	 acc = 0;
	int		 bits = 0, v;
	size_t		 i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			acc = 0;
			bits = 0;
			continue;
		}
		if ((v = mime_b64val((unsigned char)s[i])) < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)((acc >> bits) & 0xFF);
		}
	}
	return k;
}

/* Soft line breaks and =XX; a '=' that is neither stays as it is. */
static size_t
mime_unqp(const char *s, size_t n, char *out)
{
	size_t	 i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			out[k++] = s[i];
			continue;
		}
		if (i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			out[k++] = (char)(hexval(s[i + 1]) * 16 +
			    hexval(s[i + 2]));
			i += 2;
			continue;
		}
		for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		if (j < n && s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
			j++;
		if (j >= n || s[j] == '\n') {
			i = j;			/* soft line break */
			continue;
		}
		out[k++] = '=';
	}
	return k;
}

char *
mime_decode(const char *buf, const struct mime_part *pt, size_t *outlen)
{
	const char	*s = buf + pt->body_off;
	size_t		 n = pt->body_len, k;
	char		*out = xmalloc(n + 1);

	if (strcmp(pt->encoding, "base64") == 0)
		k = mime_unbase64(s, n, out);
	else if (strcmp(pt->encoding, "quoted-printable") == 0)
		k = mime_unqp(s, n, out);
	else {
		memcpy(out, s, n);
		k = n;
	}
	out[k] = '\0';
	if (outlen != NULL)
		*outlen = k;
	return out;
}
