/*
 * imap_fetch.c - a lean reader for the one command that moves the most
 * bytes: the header sync's UID FETCH (UID FLAGS MODSEQ INTERNALDATE
 * RFC822.SIZE BODY.PEEK[HEADER.FIELDS (...)]).  libetpan's generic
 * response parser allocates a tree per message (dozens of mallocs) and
 * tries every grammar rule in turn; this reads the replies straight
 * from the mailstream's bytes with a small, bounded parser and hands
 * each message to the callback without copying.  Run by the engine
 * thread that owns the session, like imap_cmd.c.  Its reader (reader_*,
 * lean_*) is shared with the pipelined first sync, imap_pipe.c,
 * through imap_lean.h.
 *
 * imap_fetch_parse() is a pure function over a byte buffer (tested on
 * its own in tests/check_fetch.c): it never reads past len, and says
 * MORE when a response is cut short.  Every length from the server is
 * bounded before use: a literal is at most IMAP_FETCH_LITERAL_MAX (a
 * longer or overflowing length is an error, nothing is allocated for
 * it), and a response's bytes in all are bounded by the reader.  Any
 * malformed reply is an error after which the session is dropped, as
 * after libetpan's MAILIMAP_ERROR_PARSE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_lean.h"

#define IMAP_FETCH_DEPTH_MAX	16	/* nesting of an unknown item's lists */
#define IMAP_FETCH_LINE_MAX	(1u << 20)	/* a response's bytes outside literals */
#define IMAP_FETCH_READ		65536	/* bytes asked of the stream at once */
#define IMAP_FETCH_RANGES	500	/* ranges per command line */

/* A cursor over the bytes of one response. */
struct cur {
	const char	*p;
	const char	*end;
	size_t		 lit;		/* literal bytes so far */
	int		 more;		/* ran out of input (not an error) */
};

struct imap_fetch_scratch {
	char		*kw;		/* keywords, space-separated */
	size_t		 kwlen;
	size_t		 kwcap;
	char		*q;		/* an unescaped quoted header value */
	size_t		 qcap;
};

static int
cur_need(struct cur *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->more = 1;
		return -1;
	}
	return 0;
}

static int
cur_char(struct cur *c, char ch)
{
	if (cur_need(c, 1) == -1 || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* The case-insensitive word w. */
static int
cur_word(struct cur *c, const char *w)
{
	size_t	n = strlen(w);

	if (cur_need(c, n) == -1 || strncasecmp(c->p, w, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

static int
cur_crlf(struct cur *c)
{
	if (cur_char(c, '\r') == -1 || cur_char(c, '\n') == -1)
		return -1;
	return 0;
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* A number of at most max; more than 20 digits is an error at once. */
static int
cur_number(struct cur *c, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	unsigned	d;
	int		n = 0;

	while (c->p < c->end && is_digit((unsigned char)*c->p)) {
		d = (unsigned)(*c->p - '0');
		if (++n > 20 || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		c->p++;
	}
	if (c->p == c->end) {
		c->more = 1;
		return -1;
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

static int
cur_u32(struct cur *c, uint32_t *out)
{
	uint64_t	v;

	if (cur_number(c, UINT32_MAX, &v) == -1)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * A quoted string: *s and *n span its raw bytes (escapes included),
 * *esc says whether there are any.  No CR, LF or NUL inside.
 */
static int
cur_quoted(struct cur *c, const char **s, size_t *n, int *esc)
{
	const char	*start;

	if (cur_char(c, '"') == -1)
		return -1;
	start = c->p;
	*esc = 0;
	for (;;) {
		if (cur_need(c, 1) == -1)
			return -1;
		if (*c->p == '"')
			break;
		if (*c->p == '\r' || *c->p == '\n' || *c->p == '\0')
			return -1;
		if (*c->p == '\\') {
			if (cur_need(c, 2) == -1)
				return -1;
			if (c->p[1] != '\\' && c->p[1] != '"')
				return -1;
			*esc = 1;
			c->p++;
		}
		c->p++;
	}
	*s = start;
	*n = (size_t)(c->p - start);
	c->p++;
	return 0;
}

/* {n} CRLF and n bytes, bounded by IMAP_FETCH_LITERAL_MAX in all. */
static int
cur_literal(struct cur *c, const char **s, size_t *n)
{
	uint32_t	len;

	if (cur_char(c, '{') == -1 || cur_u32(c, &len) == -1 ||
	    cur_char(c, '}') == -1 || cur_crlf(c) == -1)
		return -1;
	if (len > IMAP_FETCH_LITERAL_MAX ||
	    c->lit + len > IMAP_FETCH_LITERAL_MAX)
		return -1;
	if (cur_need(c, len) == -1)
		return -1;
	*s = c->p;
	*n = len;
	c->p += len;
	c->lit += len;
	return 0;
}

/* An atom-like run (flag, item name, NIL): at least one byte. */
static int
cur_atom(struct cur *c, const char **s, size_t *n)
{
	const char	*start = c->p;
	unsigned char	 ch;

	for (;;) {
		if (cur_need(c, 1) == -1)
			return -1;
		ch = (unsigned char)*c->p;
		if (ch <= ' ' || ch >= 0x7f || ch == '(' || ch == ')' ||
		    ch == '{' || ch == '"' || ch == '[' || ch == ']' ||
		    ch == '<')
			break;
		c->p++;
	}
	if (c->p == start)
		return -1;
	*s = start;
	*n = (size_t)(c->p - start);
	return 0;
}

static int
span_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Skips any value: atom, number, NIL, quoted, literal or a list. */
static int
cur_skip_value(struct cur *c, int depth)
{
	const char	*s;
	size_t		 n;
	int		 esc;

	if (depth > IMAP_FETCH_DEPTH_MAX || cur_need(c, 1) == -1)
		return -1;
	switch (*c->p) {
	case '"':
		return cur_quoted(c, &s, &n, &esc);
	case '~':		/* literal8 */
		c->p++;
		/* FALLTHROUGH */
	case '{':
		return cur_literal(c, &s, &n);
	case '(':
		c->p++;
		if (cur_need(c, 1) == -1)
			return -1;
		if (*c->p == ')') {
			c->p++;
			return 0;
		}
		for (;;) {
			if (cur_skip_value(c, depth + 1) == -1)
				return -1;
			if (cur_need(c, 1) == -1)
				return -1;
			if (*c->p == ')') {
				c->p++;
				return 0;
			}
			if (cur_char(c, ' ') == -1)
				return -1;
		}
	default:
		if (cur_atom(c, &s, &n) == -1)
			return -1;
		/* An atom may carry a section: BODY[1.2]<0> inside a list. */
		if (cur_need(c, 1) == 0 && *c->p == '[') {
			while (cur_need(c, 1) == 0 && *c->p != ']') {
				if (*c->p == '\r' || *c->p == '\n')
					return -1;
				c->p++;
			}
			if (cur_char(c, ']') == -1)
				return -1;
		}
		return 0;
	}
}

static void
kw_add(struct imap_fetch_scratch *sc, const char *s, size_t n)
{
	size_t	need = sc->kwlen + n + 2;

	if (need > sc->kwcap) {
		sc->kwcap = need > 2 * sc->kwcap ? need : 2 * sc->kwcap;
		sc->kw = xrealloc(sc->kw, sc->kwcap);
	}
	if (sc->kwlen > 0)
		sc->kw[sc->kwlen++] = ' ';
	memcpy(sc->kw + sc->kwlen, s, n);
	sc->kwlen += n;
	sc->kw[sc->kwlen] = '\0';
}

/* FLAGS (...): the five system flags as bits, other atoms as keywords. */
static int
cur_flags(struct cur *c, struct imap_msg *m, struct imap_fetch_scratch *sc)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} sys[] = {
		{ "\\Seen", FLAG_SEEN }, { "\\Answered", FLAG_ANSWERED },
		{ "\\Flagged", FLAG_FLAGGED }, { "\\Deleted", FLAG_DELETED },
		{ "\\Draft", FLAG_DRAFT },
	};
	const char	*s;
	size_t		 n, i;

	if (cur_char(c, '(') == -1)
		return -1;
	m->flags = 0;
	m->has_flags = 1;
	sc->kwlen = 0;
	if (sc->kw != NULL)
		sc->kw[0] = '\0';
	if (cur_need(c, 1) == -1)
		return -1;
	if (*c->p == ')') {
		c->p++;
		return 0;
	}
	for (;;) {
		if (cur_need(c, 1) == -1)
			return -1;
		if (*c->p == '\\') {
			c->p++;
			if (cur_need(c, 1) == -1)
				return -1;
			if (*c->p == '*')	/* \* (PERMANENTFLAGS only) */
				c->p++;
			else if (cur_atom(c, &s, &n) == -1)
				return -1;
			else {
				s--;
				n++;
				for (i = 0; i < sizeof sys / sizeof sys[0]; i++)
					if (span_is(s, n, sys[i].name))
						m->flags |= sys[i].bit;
				/* \Recent and unknown \flags are not kept. */
			}
		} else {
			if (cur_atom(c, &s, &n) == -1)
				return -1;
			kw_add(sc, s, n);
		}
		if (cur_need(c, 1) == -1)
			return -1;
		if (*c->p == ')') {
			c->p++;
			return 0;
		}
		if (cur_char(c, ' ') == -1)
			return -1;
	}
}

static const char *const imap_fetch_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	"Oct", "Nov", "Dec"
};

static int
two_digits(const char *s, int *out)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/* "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be " d") as UTC seconds. */
static int
internaldate(const char *s, size_t n, int64_t *out)
{
	int	d, mo = -1, y1, y2, h, mi, sec, zh, zm, i, off;

	if (n != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' ' ||
	    s[14] != ':' || s[17] != ':' || s[20] != ' ' ||
	    (s[21] != '+' && s[21] != '-'))
		return -1;
	if (s[0] == ' ') {
		if (!is_digit((unsigned char)s[1]))
			return -1;
		d = s[1] - '0';
	} else if (two_digits(s, &d) == -1)
		return -1;
	for (i = 0; i < 12; i++)
		if (strncasecmp(s + 3, imap_fetch_months[i], 3) == 0)
			mo = i + 1;
	if (mo == -1 || two_digits(s + 7, &y1) == -1 ||
	    two_digits(s + 9, &y2) == -1 || two_digits(s + 12, &h) == -1 ||
	    two_digits(s + 15, &mi) == -1 || two_digits(s + 18, &sec) == -1 ||
	    two_digits(s + 22, &zh) == -1 || two_digits(s + 24, &zm) == -1)
		return -1;
	if (d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || zm > 59)
		return -1;
	off = (zh * 3600 + zm * 60) * (s[21] == '-' ? -1 : 1);
	*out = epoch_utc(y1 * 100 + y2, mo, d, h, mi, sec) - off;
	return 0;
}

/*
 * BODY[section]<origin> SP nstring.  A section starting with HEADER is
 * the header block, an empty one the whole message; others are skipped.
 */
static int
cur_body(struct cur *c, struct imap_msg *m, struct imap_fetch_scratch *sc,
    int *is_header)
{
	const char	*sec, *s = NULL;
	size_t		 secn, n = 0, i, k;
	uint64_t	 origin;
	int		 esc = 0;

	if (cur_char(c, '[') == -1)
		return -1;
	sec = c->p;
	for (;;) {
		if (cur_need(c, 1) == -1)
			return -1;
		if (*c->p == ']')
			break;
		if (*c->p == '"') {
			if (cur_quoted(c, &s, &n, &esc) == -1)
				return -1;
			continue;
		}
		if (*c->p == '\r' || *c->p == '\n' || *c->p == '{')
			return -1;
		c->p++;
	}
	secn = (size_t)(c->p - sec);
	c->p++;
	if (cur_need(c, 1) == -1)
		return -1;
	if (*c->p == '<') {
		c->p++;
		if (cur_number(c, UINT32_MAX, &origin) == -1 ||
		    cur_char(c, '>') == -1)
			return -1;
	}
	if (cur_char(c, ' ') == -1 || cur_need(c, 1) == -1)
		return -1;
	s = NULL;
	n = 0;
	esc = 0;
	if (*c->p == '{') {
		if (cur_literal(c, &s, &n) == -1)
			return -1;
	} else if (*c->p == '"') {
		if (cur_quoted(c, &s, &n, &esc) == -1)
			return -1;
	} else if (cur_word(c, "NIL") == -1)
		return -1;
	if (esc) {
		/* Rare: unescape into the scratch buffer. */
		if (n + 1 > sc->qcap) {
			sc->qcap = n + 1;
			sc->q = xrealloc(sc->q, sc->qcap);
		}
		for (i = k = 0; i < n; i++) {
			if (s[i] == '\\')
				i++;
			sc->q[k++] = s[i];
		}
		sc->q[k] = '\0';
		s = sc->q;
		n = k;
	}
	if (secn == 0) {
		m->body = s;
		m->body_len = n;
	} else if (secn >= 6 && strncasecmp(sec, "HEADER", 6) == 0) {
		m->header = s;
		m->header_len = n;
		*is_header = 1;
	}
	return 0;
}

/* The items of a FETCH, after "* n FETCH (". */
static int
cur_fetch_items(struct cur *c, struct imap_msg *m,
    struct imap_fetch_scratch *sc, int *has_header)
{
	const char	*name, *s;
	size_t		 n, sn;
	uint64_t	 v;
	uint32_t	 u;
	int		 esc;

	if (cur_need(c, 1) == -1)
		return -1;
	if (*c->p == ')') {
		c->p++;
		return 0;
	}
	for (;;) {
		if (cur_atom(c, &name, &n) == -1)
			return -1;
		if (span_is(name, n, "BODY") && cur_need(c, 1) == 0 &&
		    *c->p == '[') {
			if (cur_body(c, m, sc, has_header) == -1)
				return -1;
		} else {
			if (cur_char(c, ' ') == -1)
				return -1;
			if (span_is(name, n, "UID")) {
				if (cur_u32(c, &u) == -1)
					return -1;
				m->uid = u;
			} else if (span_is(name, n, "FLAGS")) {
				if (cur_flags(c, m, sc) == -1)
					return -1;
			} else if (span_is(name, n, "INTERNALDATE")) {
				if (cur_quoted(c, &s, &sn, &esc) == -1 ||
				    internaldate(s, sn, &m->internaldate) == -1)
					return -1;
			} else if (span_is(name, n, "RFC822.SIZE")) {
				if (cur_u32(c, &u) == -1)
					return -1;
				m->size = u;
			} else if (span_is(name, n, "MODSEQ")) {
				if (cur_char(c, '(') == -1 ||
				    cur_number(c, UINT64_MAX, &v) == -1 ||
				    cur_char(c, ')') == -1)
					return -1;
				m->modseq = v;
			} else if (cur_skip_value(c, 0) == -1)
				return -1;
		}
		if (cur_need(c, 1) == -1)
			return -1;
		if (*c->p == ')') {
			c->p++;
			return 0;
		}
		if (cur_char(c, ' ') == -1)
			return -1;
	}
}

/* Skips to the end of the line, and through the literals it announces. */
static int
cur_skip_line(struct cur *c)
{
	const char	*s, *q;
	size_t		 n;

	for (;;) {
		s = memchr(c->p, '\n', (size_t)(c->end - c->p));
		if (s == NULL) {
			/* No line is longer than this, also unseen. */
			if ((size_t)(c->end - c->p) > IMAP_FETCH_LINE_MAX)
				return -1;
			c->more = 1;
			return -1;
		}
		if (s == c->p || s[-1] != '\r')
			return -1;
		/* "... {123}\r\n": a literal follows. */
		q = s - 1;
		if (q > c->p && q[-1] == '}') {
			q -= 2;
			while (q >= c->p && is_digit((unsigned char)*q))
				q--;
			if (q >= c->p && *q == '{' && q + 1 < s - 2) {
				c->p = q;
				if (cur_literal(c, &s, &n) == -1)
					return -1;
				continue;
			}
		}
		c->p = s + 1;
		return 0;
	}
}

void
imap_fetch_scratch_free(struct imap_fetch_scratch *sc)
{
	if (sc == NULL)
		return;
	free(sc->kw);
	free(sc->q);
	free(sc);
}

struct imap_fetch_scratch *
imap_fetch_scratch_new(void)
{
	return xcalloc(1, sizeof(struct imap_fetch_scratch));
}

/*
 * After "* OK": a response code a SELECT reports into r (the codes
 * tern does not use are left for cur_skip_line); -1 if it is cut
 * short or a known code's number is malformed.
 */
static int
cur_code(struct cur *c, struct imap_fetch_result *r)
{
	static const struct {
		const char		*name;
		enum imap_fetch_code	 code;
		uint64_t		 max;
	} codes[] = {
		{ "UIDVALIDITY", IMAP_CODE_UIDVALIDITY, UINT32_MAX },
		{ "UIDNEXT", IMAP_CODE_UIDNEXT, UINT32_MAX },
		{ "HIGHESTMODSEQ", IMAP_CODE_HIGHESTMODSEQ, UINT64_MAX },
		{ "NOMODSEQ", IMAP_CODE_NOMODSEQ, 0 },
	};
	const char	*s;
	size_t		 n, i;

	if (cur_need(c, 2) == -1)
		return -1;
	if (c->p[0] != ' ' || c->p[1] != '[')
		return 0;
	c->p += 2;
	if (cur_atom(c, &s, &n) == -1)
		return c->more ? -1 : 0;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (!span_is(s, n, codes[i].name))
			continue;
		if (codes[i].max == 0) {
			if (cur_char(c, ']') == -1)
				return -1;
		} else if (cur_char(c, ' ') == -1 ||
		    cur_number(c, codes[i].max, &r->num) == -1 ||
		    cur_char(c, ']') == -1)
			return -1;
		r->code = codes[i].code;
		break;
	}
	return 0;
}

/* The status word of a tagged reply: OK, NO, BAD, or -1. */
static enum imap_fetch_resp
tagged_status(const char *s, size_t n)
{
	if (span_is(s, n, "OK"))
		return IMAP_FETCH_OK;
	if (span_is(s, n, "NO") || span_is(s, n, "BAD"))
		return IMAP_FETCH_NO;
	return IMAP_FETCH_ERROR;
}

enum imap_fetch_resp
imap_fetch_parse(const char *buf, size_t len, const char *tag,
    struct imap_fetch_scratch *sc, struct imap_fetch_result *r)
{
	struct cur		 c;
	const char		*s, *w, *text;
	size_t			 n, wn, i, taglen = strlen(tag);
	enum imap_fetch_resp	 rc;

	memset(r, 0, sizeof *r);
	memset(&c, 0, sizeof c);
	c.p = buf;
	c.end = buf + len;
	if (cur_need(&c, 2) == -1)
		return IMAP_FETCH_MORE;
	if (c.p[0] == '*' && c.p[1] == ' ') {
		c.p += 2;
		if (cur_atom(&c, &s, &n) == -1)
			goto bad;
		if (is_digit((unsigned char)s[0])) {
			for (i = 0; i < n; i++)
				if (!is_digit((unsigned char)s[i]))
					goto bad;
			if (cur_char(&c, ' ') == -1 ||
			    cur_atom(&c, &w, &wn) == -1)
				goto bad;
			if (span_is(w, wn, "FETCH")) {
				if (n > 10 || cur_char(&c, ' ') == -1 ||
				    cur_char(&c, '(') == -1 ||
				    cur_fetch_items(&c, &r->msg, sc,
				    &r->has_header) == -1 || cur_crlf(&c) == -1)
					goto bad;
				r->msg.keywords = sc->kw != NULL &&
				    r->msg.has_flags ? sc->kw : "";
				rc = IMAP_FETCH_MSG;
				goto done;
			}
			/* A SELECT's count; EXPUNGE, RECENT: nothing. */
			if (span_is(w, wn, "EXISTS")) {
				c.p = s;
				if (cur_number(&c, UINT32_MAX, &r->num) == -1)
					goto bad;
				r->code = IMAP_CODE_EXISTS;
			}
		} else if (span_is(s, n, "OK")) {
			/* A SELECT's codes: "* OK [UIDNEXT 12] text". */
			if (cur_code(&c, r) == -1)
				goto bad;
		} else if (span_is(s, n, "BYE")) {
			text = c.p;
			if (cur_skip_line(&c) == -1)
				goto bad;
			r->text = text;
			r->textlen = (size_t)(c.p - text);
			rc = IMAP_FETCH_BYE;
			goto done;
		}
		/* Any other untagged response (VANISHED, OK, FLAGS...). */
		if (cur_skip_line(&c) == -1)
			goto bad;
		rc = IMAP_FETCH_OTHER;
		goto done;
	}
	if (cur_need(&c, taglen + 1) == -1)
		return IMAP_FETCH_MORE;
	if (strncmp(c.p, tag, taglen) != 0 || c.p[taglen] != ' ')
		return IMAP_FETCH_ERROR;	/* "+", another tag, garbage */
	c.p += taglen + 1;
	if (cur_atom(&c, &s, &n) == -1)
		goto bad;
	if ((rc = tagged_status(s, n)) == IMAP_FETCH_ERROR)
		return rc;
	text = c.p;
	/* A tagged reply announces no literal: one line. */
	w = memchr(text, '\n', (size_t)(c.end - text));
	if (w == NULL)
		return (size_t)(c.end - text) > IMAP_FETCH_LINE_MAX ?
		    IMAP_FETCH_ERROR : IMAP_FETCH_MORE;
	if (w == text || w[-1] != '\r')
		return IMAP_FETCH_ERROR;
	r->text = text;
	r->textlen = (size_t)(w - 1 - text);
	c.p = w + 1;
done:
	r->used = (size_t)(c.p - buf);
	return rc;
bad:
	return c.more ? IMAP_FETCH_MORE : IMAP_FETCH_ERROR;
}

/* ---- the reader ---- */

void
reader_init(struct reader *rd, struct imap_conn *c)
{
	memset(rd, 0, sizeof *rd);
	rd->c = c;
	/* Allocated now: rd->b + rd->start on a NULL rd->b is undefined. */
	rd->cap = IMAP_FETCH_READ;
	rd->b = xmalloc(rd->cap);
}

void
reader_free(struct reader *rd)
{
	free(rd->b);
	rd->b = NULL;
}

int
reader_fill(struct reader *rd)
{
	mailstream	*s = rd->c->imap->imap_stream;
	size_t		 want;
	ssize_t		 got;

	if (rd->start > 0) {
		memmove(rd->b, rd->b + rd->start, rd->end - rd->start);
		rd->end -= rd->start;
		rd->start = 0;
	}
	if (rd->cap - rd->end < IMAP_FETCH_READ) {
		/* One response is bounded: literals plus a line's worth. */
		if (rd->end >= IMAP_FETCH_LITERAL_MAX + IMAP_FETCH_LINE_MAX)
			return -1;
		rd->cap = rd->cap * 2 > rd->end + IMAP_FETCH_READ ?
		    rd->cap * 2 : rd->end + IMAP_FETCH_READ;
		rd->b = xrealloc(rd->b, rd->cap);
	}
	want = rd->cap - rd->end;
	if (s->read_buffer_len > 0) {
		got = (ssize_t)(s->read_buffer_len < want ?
		    s->read_buffer_len : want);
		memcpy(rd->b + rd->end, s->read_buffer, (size_t)got);
		memmove(s->read_buffer, s->read_buffer + got,
		    s->read_buffer_len - (size_t)got);
		s->read_buffer_len -= (size_t)got;
	} else {
		if ((got = mailstream_low_read(s->low, rd->b + rd->end,
		    want)) <= 0)
			return -1;
		/* The protocol trace, as mailstream_read() would write it. */
		if (s->logger != NULL)
			s->logger(s, MAILSTREAM_LOG_TYPE_DATA_RECEIVED,
			    rd->b + rd->end, (size_t)got, s->logger_context);
	}
	rd->end += (size_t)got;
	return 0;
}

int
reader_unread(struct reader *rd)
{
	mailstream	*s = rd->c->imap->imap_stream;
	size_t		 n = rd->end - rd->start;

	if (n == 0)
		return 0;
	if (n + s->read_buffer_len > s->buffer_max_size)
		return -1;
	memmove(s->read_buffer + n, s->read_buffer, s->read_buffer_len);
	memcpy(s->read_buffer, rd->b + rd->start, n);
	s->read_buffer_len += n;
	rd->start = rd->end;
	return 0;
}

enum imap_fetch_resp
lean_next(struct reader *rd, const char *cmd, const char *tag,
    struct imap_fetch_scratch *sc, struct imap_fetch_result *res,
    char **errp)
{
	enum imap_fetch_resp	 rc;

	for (;;) {
		rc = imap_fetch_parse(rd->b + rd->start, rd->end - rd->start,
		    tag, sc, res);
		switch (rc) {
		case IMAP_FETCH_MORE:
			if (reader_fill(rd) == -1) {
				lean_fail(rd->c, cmd, "connection "
				    "lost, timed out or a reply over the size "
				    "limit", errp);
				return IMAP_FETCH_ERROR;
			}
			continue;
		case IMAP_FETCH_BYE:
			lean_fail(rd->c, cmd, "the server closed the "
			    "connection", errp);
			return IMAP_FETCH_ERROR;
		case IMAP_FETCH_ERROR:
			lean_fail(rd->c, cmd, "unparseable server "
			    "response; reconnecting", errp);
			return IMAP_FETCH_ERROR;
		default:
			rd->start += res->used;
			return rc;
		}
	}
}

/* "1:5,7,9:12" of at most IMAP_FETCH_RANGES ranges; *used uids taken. */
static char *
set_text(const uint32_t *uids, size_t n, size_t *used)
{
	char	*out;
	size_t	 i = 0, j, ranges = 0, len = 0, cap = 64;

	out = xmalloc(cap);
	out[0] = '\0';
	while (i < n && ranges < IMAP_FETCH_RANGES) {
		j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (len + 24 > cap) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
		len += (size_t)(j > i ? snprintf(out + len, cap - len,
		    "%s%u:%u", len ? "," : "", uids[i], uids[j]) :
		    snprintf(out + len, cap - len, "%s%u", len ? "," : "",
		    uids[i]));
		ranges++;
		i = j + 1;
	}
	*used = i;
	return out;
}

char *
lean_items(struct imap_conn *c, const char *const *fields)
{
	char		*out, *t;
	const char	*f;
	size_t		 i;

	out = xasprintf("(UID FLAGS%s INTERNALDATE RFC822.SIZE "
	    "BODY.PEEK[HEADER.FIELDS (", imap_has(c, "CONDSTORE") ?
	    " MODSEQ" : "");
	for (i = 0; fields[i] != NULL; i++) {
		for (f = fields[i]; *f != '\0'; f++)
			if (!((*f >= 'A' && *f <= 'Z') ||
			    (*f >= 'a' && *f <= 'z') ||
			    (*f >= '0' && *f <= '9') || *f == '-'))
				break;
		if (*f != '\0' || fields[i][0] == '\0') {
			free(out);
			return NULL;
		}
		t = xasprintf("%s%s%s", out, i ? " " : "", fields[i]);
		free(out);
		out = t;
	}
	t = xasprintf("%s)])", out);
	free(out);
	return t;
}

int
lean_fail(struct imap_conn *c, const char *cmd, const char *why, char **errp)
{
	c->dead = 1;
	/* The stream driver's guard (imap_guard.c) may know better. */
	if (imap_guard_reason(c) != NULL)
		seterr(errp, "%s: %s; connection dropped", cmd,
		    imap_guard_reason(c));
	else
		seterr(errp, "%s: %s", cmd, why);
	return -1;
}

/* uids NULL: every message (1:*), in one command. */
int
imap_fetch_headers(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *const *fields, imap_msg_cb cb, void *ctx, char **errp)
{
	struct imap_fetch_scratch *sc;
	struct imap_fetch_result res;
	struct reader		 rd;
	mailstream		*s = c->imap->imap_stream;
	char			*items, *set, *line, tag[24];
	size_t			 done = 0, used;
	int			 stop = 0, r = 0, fin;

	if ((items = lean_items(c, fields)) == NULL) {
		seterr(errp, "UID FETCH: a header field name is not an atom");
		return -1;
	}
	reader_init(&rd, c);
	sc = imap_fetch_scratch_new();
	if (uids == NULL)
		n = 1;
	while (done < n && !stop && r == 0) {
		if (uids == NULL) {
			set = xstrdup("1:*");
			used = 1;
		} else
			set = set_text(uids + done, n - done, &used);
		/* Numbered like libetpan's own tags, from the same counter. */
		snprintf(tag, sizeof tag, "%d", ++c->imap->imap_tag);
		line = xasprintf("%s UID FETCH %s %s\r\n", tag, set, items);
		free(set);
		if (mailstream_write(s, line, strlen(line)) == -1 ||
		    mailstream_flush(s) == -1) {
			free(line);
			r = lean_fail(c, "UID FETCH", "connection lost or "
			    "timed out", errp);
			break;
		}
		free(line);
		for (fin = 0; !fin && r == 0; ) {
			switch (lean_next(&rd, "UID FETCH", tag, sc, &res,
			    errp)) {
			case IMAP_FETCH_MSG:
				/*
				 * Only what was asked: an unsolicited FETCH
				 * (flags of another message) has no header
				 * and must not blank a row, and a UID not
				 * asked for would be a phantom message.
				 */
				if (!stop && res.msg.uid != 0 && res.has_header &&
				    (uids == NULL || bsearch(&res.msg.uid,
				    uids + done, used, sizeof *uids,
				    imap_uid_cmp) != NULL) &&
				    cb(&res.msg, ctx) != 0)
					stop = 1;
				break;
			case IMAP_FETCH_OK:
				fin = 1;
				break;
			case IMAP_FETCH_NO:
				seterr(errp, "UID FETCH failed: %.*s",
				    (int)(res.textlen > 200 ? 200 : res.textlen),
				    res.text);
				r = -1;
				fin = 1;
				break;
			case IMAP_FETCH_ERROR:
				r = -1;
				break;
			default:
				break;
			}
		}
		done += used;
	}
	if (!c->dead && reader_unread(&rd) == -1)
		r = lean_fail(c, "UID FETCH", "too much unsolicited data",
		    errp);
	reader_free(&rd);
	free(items);
	imap_fetch_scratch_free(sc);
	return r;
}
