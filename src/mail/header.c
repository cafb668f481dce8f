/*
 * header.c - turns a raw, possibly hostile header block into the decoded
 * UTF-8 fields tern indexes (struct header_fields).
 *
 * Runs on whichever thread calls it (normally an account's sync worker
 * right after a FETCH); it keeps no state between calls, and the libetpan
 * parsers and charconv() it uses are reentrant (LIBETPAN.md section 6).
 *
 * The block is split into fields here, not by libetpan: the budget of
 * SECURITY.md ("Parsing budget") is applied first, and libetpan only ever
 * sees the value of one wanted field, already valid UTF-8 without NUL and
 * with its comment nesting bounded (mailimf's comment parser recurses once
 * per '(' and overflows the stack near 130,000 of them).
 *
 * Every string produced is valid UTF-8 on one line (no CR, LF or NUL);
 * other control characters are left for sanitize_for_display().
 *
 * Tolerated breakage, best effort rather than failure: LF or CRLF line
 * ends, space before the colon, raw 8-bit text (UTF-8, else Windows-1252),
 * encoded words glued to text, inside quotes, or splitting one character
 * across two words, addresses libetpan cannot parse (shown as decoded
 * text), msg-ids without brackets or among junk, obsolete date zones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/charconv.h>
#include <libetpan/mailimf.h>
#include <libetpan/mailmime_decode.h>

#include "mail.h"

/* More header lines than this is not mail but an attack (SECURITY #24). */
#define HEADER_LINES_MAX	10000
/* Pre-scan limits for structured fields (SECURITY #23). */
#define HEADER_PAREN_DEPTH_MAX	50
#define HEADER_SPECIALS_MAX	1000	/* '(' or ':' or ';' per field */
#define HEADER_ADDRESSES_MAX	2000
/* Longest charset name accepted in an encoded word (RFC 2978 says 40). */
#define HEADER_CHARSET_MAX	64

#define UTF8_REPLACEMENT	"\xEF\xBF\xBD"

const char *const header_field_names[] = {
	"Date", "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To",
	"References", "Content-Type", NULL
};

/* The fields header_parse() decodes; the index into a struct hraw[]. */
enum hfield {
	HF_DATE, HF_FROM, HF_TO, HF_CC, HF_SUBJECT, HF_MESSAGE_ID,
	HF_IN_REPLY_TO, HF_REFERENCES, HF_COUNT
};

#define HF(name)	{ name, sizeof name - 1 }
static const struct {
	const char	*name;
	size_t		 len;
} hfields[HF_COUNT] = {
	HF("Date"), HF("From"), HF("To"), HF("Cc"), HF("Subject"),
	HF("Message-ID"), HF("In-Reply-To"), HF("References")
};
#undef HF

/* The first occurrence of a wanted field, pointing into the input. */
struct hraw {
	const char	*val;		/* borrowed: after the colon */
	size_t		 len;		/* to the end of its last line */
	int		 seen;		/* later occurrences are ignored */
};

/* ---- a growable string ---- */

struct buf {
	char	*p;
	size_t	 len, cap;
};

/* Makes room for n more bytes and the NUL: buf_add()'s rare path. */
static void
buf_grow(struct buf *b, size_t n)
{
	size_t	 cap = b->cap ? b->cap : 64;

	while (b->len + n + 1 > cap)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static inline void
buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Empties b, keeping its memory. */
static void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Hands the string over to the caller (never NULL). */
static char *
buf_take(struct buf *b)
{
	char	*s = b->p != NULL ? b->p : xstrdup("");

	b->p = NULL;
	b->len = b->cap = 0;
	return s;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- UTF-8 ---- */

/* Windows-1252 0x80-0x9F; 0 marks the five unassigned bytes. */
static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178
};

/* Appends the code point cp as UTF-8. */
static void
buf_add_cp(struct buf *b, unsigned cp)
{
	char	 u[UTF8_CHAR_MAX];

	buf_add(b, u, utf8_encode(cp, u));
}

/*
 * Appends s as valid UTF-8 without NUL.  A byte that starts no valid
 * sequence becomes U+FFFD, or with latin1 its Windows-1252 character.
 * NUL and SUB (which stands in for a NUL decoded from an encoded word,
 * see ew_normalize) become U+FFFD: marked, never silently cut.
 */
static void
utf8_append(struct buf *b, const char *s, size_t n, int latin1)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k, run;

	while (i < n) {
		for (run = i; run < n && u[run] >= 0x20 && u[run] < 0x80; run++)
			;
		if (run > i) {
			buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (u[i] == 0 || u[i] == 0x1A) {
			buf_adds(b, UTF8_REPLACEMENT);
			i++;
		} else if ((k = utf8_decode(u + i, n - i, NULL)) > 0) {
			buf_add(b, s + i, k);
			i += k;
		} else {
			if (!latin1 || (u[i] < 0xA0 && cp1252[u[i] - 0x80] == 0))
				buf_adds(b, UTF8_REPLACEMENT);
			else if (u[i] < 0xA0)
				buf_add_cp(b, cp1252[u[i] - 0x80]);
			else
				buf_add_cp(b, u[i]);
			i++;
		}
	}
}

/*
 * Raw header bytes to UTF-8.  Valid UTF-8 stays; text that looks like
 * broken UTF-8 (a lead byte followed by a continuation byte somewhere)
 * gets U+FFFD for its bad bytes (SECURITY #26); anything else is taken as
 * Windows-1252, the de facto meaning of undeclared 8-bit mail.
 */
static char *
raw_to_utf8(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	struct buf		 b = { 0 };
	size_t			 i, k;
	int			 valid = 1, utf8ish = 0;

	for (i = 0; i < n; i += k) {
		if ((k = utf8_decode(u + i, n - i, NULL)) == 0) {
			valid = 0;
			k = 1;
		} else if (k > 1)
			utf8ish = 1;
		if (u[i] >= 0xC0 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] < 0xC0)
			utf8ish = 1;
	}
	utf8_append(&b, s, n, !valid && !utf8ish);
	return buf_take(&b);
}

/*
 * Makes a result valid UTF-8 (it should be; this is the guard), taking
 * s over: s itself when it is ASCII without SUB (the usual case), which
 * utf8_append() would copy unchanged; else a fixed copy, and s is freed.
 */
static char *
utf8_own(char *s)
{
	struct buf		 b = { 0 };
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n = strlen(s);
	unsigned char		 hi = 0;

	/* ASCII without SUB is kept as it is. */
	for (i = 0; i < n; i++)
		hi |= u[i];
	if (hi < 0x80 && memchr(s, 0x1A, n) == NULL)
		return s;
	utf8_append(&b, s, n, 0);
	free(s);
	return buf_take(&b);
}

/*
 * Turns CR and LF into spaces, so that no decoded value can carry a line
 * break (=0D=0A in an encoded word) into a reply or an index.
 */
static char *
one_line(char *s)
{
	char	*p;

	for (p = s; (p = strpbrk(p, "\r\n")) != NULL; p++)
		*p = ' ';
	return s;
}

/* Trims leading and trailing white space in place. */
static char *
trim(char *s)
{
	size_t	 n = strlen(s), i = 0;

	while (n > 0 && is_wsp((unsigned char)s[n - 1]))
		n--;
	while (i < n && is_wsp((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i);
	s[n - i] = '\0';
	return s;
}

/* ---- RFC 2047 ---- */

struct ew {
	size_t		 start, end;	/* the word is s[start, end) */
	char		 cs[HEADER_CHARSET_MAX + 1];
	int		 b64;
	const char	*text;		/* borrowed: the encoded text */
	size_t		 textlen;
};

/* 1 if c is one of ()<>@,;:"/[]= (a charset token cannot hold it). */
static inline int
ew_special(char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '"': case '/': case '[': case ']': case '=':
		return 1;
	default:
		return 0;
	}
}

/* Matches "=?charset?B|Q?text?=" at s[pos], no white space inside. */
static int
ew_match(const char *s, size_t n, size_t pos, struct ew *w)
{
	size_t	 i = pos + 2, cs;

	if (pos + 2 > n || s[pos] != '=' || s[pos + 1] != '?')
		return 0;
	/* A token, as libetpan reads it (and no "//" suffixes for iconv). */
	for (cs = i; i < n && s[i] != '?'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7F ||
		    ew_special(s[i]) || i - cs >= HEADER_CHARSET_MAX)
			return 0;
	if (i == cs || i + 3 > n || s[i + 2] != '?' ||
	    strchr("BbQq", s[i + 1]) == NULL || s[i + 1] == '\0')
		return 0;
	memcpy(w->cs, s + cs, i - cs);
	w->cs[i - cs] = '\0';
	w->cs[strcspn(w->cs, "*")] = '\0';	/* RFC 2231 language */
	if (w->cs[0] == '\0')
		return 0;
	w->b64 = s[i + 1] == 'B' || s[i + 1] == 'b';
	w->text = s + i + 3;
	for (i += 3; i < n && s[i] != '?'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7F)
			return 0;
	if (i + 1 >= n || s[i + 1] != '=')
		return 0;
	w->textlen = (size_t)(s + i - w->text);
	w->start = pos;
	w->end = i + 2;
	return 1;
}

/* Appends the decoded bytes of w; lenient, as libetpan is. */
static void
ew_decode(const struct ew *w, struct buf *out)
{
	const char		*t = w->text;
	unsigned		 acc = 0;
	size_t			 i, bits = 0;
	int			 h, l, v;

	for (i = 0; i < w->textlen; i++) {
		if (w->b64) {
			if (t[i] == '=')
				break;
			if ((v = base64_value((unsigned char)t[i])) < 0)
				continue;
			acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
			if ((bits += 6) >= 8) {
				bits -= 8;
				buf_addc(out, (char)(acc >> bits & 0xFF));
			}
		} else if (t[i] == '_')
			buf_addc(out, ' ');
		else if (t[i] == '=' && i + 2 < w->textlen &&
		    (h = hexval(t[i + 1])) >= 0 && (l = hexval(t[i + 2])) >= 0) {
			buf_addc(out, (char)(h << 4 | l));
			i += 2;
		} else
			buf_addc(out, t[i]);
	}
}

/* Charsets whose text is full of NUL bytes, which libetpan cuts at. */
static int
cs_is_wide(const char *cs)
{
	static const char *const wide[] = {
		"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2",
		"ucs-4", "ucs4", "unicode", NULL
	};
	size_t	 i;

	for (i = 0; wide[i] != NULL; i++)
		if (strncasecmp(cs, wide[i], strlen(wide[i])) == 0)
			return 1;
	return 0;
}

/*
 * Rewrites every run of adjacent encoded words of one charset as a single
 * B word, so that libetpan converts a character split across two words
 * as one (it converts word by word and turns the halves into '?'), and
 * replaces NUL in the decoded text by SUB (libetpan strlen()s the decoded
 * text, silently dropping the rest of the word; utf8_append() shows SUB
 * as U+FFFD).  UTF-8 text is repaired here (iconv would turn bad bytes
 * into '?' and drop a truncated last character); UTF-16 and UTF-32
 * words, all NULs, are converted here.
 * Anything that is not a well-formed encoded word is left for libetpan.
 */
static char *
ew_normalize(const char *s, size_t n)
{
	struct buf	 out = { 0 }, raw = { 0 }, fixed = { 0 };
	struct ew	 w, next;
	const char	*p;
	char		*conv, *b64;
	size_t		 pos = 0, q, convlen, i;

	while (pos < n) {
		p = memchr(s + pos, '=', n - pos);
		if (p == NULL) {
			buf_add(&out, s + pos, n - pos);
			break;
		}
		if (!ew_match(s, n, (size_t)(p - s), &w)) {
			buf_add(&out, s + pos, (size_t)(p - s) + 1 - pos);
			pos = (size_t)(p - s) + 1;
			continue;
		}
		buf_add(&out, s + pos, w.start - pos);
		buf_reset(&raw);
		ew_decode(&w, &raw);
		pos = w.end;
		for (;;) {
			for (q = pos; q < n && (s[q] == ' ' || s[q] == '\t'); q++)
				;
			if (!ew_match(s, n, q, &next) ||
			    strcasecmp(next.cs, w.cs) != 0)
				break;
			ew_decode(&next, &raw);
			pos = next.end;
		}
		if (cs_is_wide(w.cs)) {
			if (charconv_buffer("utf-8", w.cs, raw.p ? raw.p : "",
			    raw.len, &conv, &convlen) == MAIL_CHARCONV_NO_ERROR) {
				buf_reset(&raw);
				buf_add(&raw, conv, convlen);
				charconv_buffer_free(conv);
			} else {
				buf_reset(&raw);
				buf_adds(&raw, UTF8_REPLACEMENT);
			}
			strcpy(w.cs, "utf-8");
		}
		if (strcasecmp(w.cs, "utf-8") == 0 ||
		    strcasecmp(w.cs, "utf8") == 0) {
			/* Bad bytes become U+FFFD here, not '?' or nothing. */
			buf_reset(&fixed);
			utf8_append(&fixed, raw.p ? raw.p : "", raw.len, 0);
			buf_reset(&raw);
			buf_add(&raw, fixed.p ? fixed.p : "", fixed.len);
		}
		for (i = 0; i < raw.len; i++)
			if (raw.p[i] == '\0')
				raw.p[i] = 0x1A;
		b64 = base64_encode(raw.p ? raw.p : "", raw.len);
		buf_adds(&out, "=?");
		buf_adds(&out, w.cs);
		buf_adds(&out, "?B?");
		buf_adds(&out, b64);
		buf_adds(&out, "?=");
		free(b64);
	}
	free(raw.p);
	free(fixed.p);
	return buf_take(&out);
}

/* The next "=?" at or after pos that does not start an encoded word. */
static size_t
next_bad_ew(const char *s, size_t n, size_t pos)
{
	struct ew	 w;
	const char	*p;

	while (pos < n && (p = memchr(s + pos, '=', n - pos)) != NULL) {
		pos = (size_t)(p - s);
		if (pos + 1 >= n || s[pos + 1] != '?')
			pos++;
		else if (ew_match(s, n, pos, &w))
			pos = w.end;
		else
			return pos;
	}
	return n;
}

/* An encoded word's charset that rfc2047_fast() converts itself. */
static int
ew_fast_cs(const char *cs)
{
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ?
	    1 : strcasecmp(cs, "iso-8859-1") == 0 ? 2 : 0;
}

/* Appends the decoded bytes of a run of encoded words of class cs. */
static void
ew_fast_flush(struct buf *b, struct buf *run, int cs)
{
	size_t	 i;

	if (cs == 1)
		utf8_append(b, run->p ? run->p : "", run->len, 0);
	else
		for (i = 0; i < run->len; i++) {
			if (run->p[i] == '\0' || run->p[i] == 0x1A)
				buf_adds(b, UTF8_REPLACEMENT);
			else
				buf_add_cp(b, (unsigned char)run->p[i]);
		}
	buf_reset(run);
}

/*
 * The fast path of rfc2047_decode() for the usual mixed text: words
 * separated by spaces or tabs, each either plain printable ASCII
 * (without '"' or "=?") or one whole encoded word in UTF-8 or
 * ISO-8859-1.  It gives what the slow path gives (ew_normalize(), then
 * libetpan, then utf8_own()): adjacent words of one charset decoded as
 * one, no space between encoded words, one space elsewhere; without
 * an iconv_open() per word.  0 (and b untouched) for anything else.
 */
static int
rfc2047_fast(const char *s, size_t n, struct buf *b)
{
	struct buf	 out = { 0 }, run = { 0 };
	struct ew	 w;
	char		 runcs[HEADER_CHARSET_MAX + 1] = "";
	size_t		 pos = 0, end, i;
	int		 first = 1, prev_ew = 0, cls = 0, k;

	while (pos < n) {
		if (s[pos] == ' ' || s[pos] == '\t') {
			pos++;
			continue;
		}
		for (end = pos; end < n && s[end] != ' ' && s[end] != '\t';
		    end++)
			;
		if (s[pos] == '=' && pos + 1 < n && s[pos + 1] == '?') {
			if (!ew_match(s, n, pos, &w) || w.end != end ||
			    w.textlen == 0 || (k = ew_fast_cs(w.cs)) == 0)
				goto slow;
			if (!prev_ew || strcasecmp(w.cs, runcs) != 0) {
				if (prev_ew)
					ew_fast_flush(&out, &run, cls);
				else if (!first)
					buf_addc(&out, ' ');
				memcpy(runcs, w.cs, sizeof runcs);
				cls = k;
			}
			ew_decode(&w, &run);
			prev_ew = 1;
		} else {
			for (i = pos; i < end; i++)
				if ((unsigned char)s[i] <= ' ' ||
				    (unsigned char)s[i] >= 0x7f || s[i] == '"' ||
				    (s[i] == '=' && i + 1 < end &&
				    s[i + 1] == '?'))
					goto slow;
			if (prev_ew)
				ew_fast_flush(&out, &run, cls);
			if (!first)
				buf_addc(&out, ' ');
			buf_add(&out, s + pos, end - pos);
			prev_ew = 0;
		}
		first = 0;
		pos = end;
	}
	if (prev_ew)
		ew_fast_flush(&out, &run, cls);
	free(run.p);
	*b = out;
	return 1;
slow:
	free(run.p);
	free(out.p);
	return 0;
}

/*
 * Decodes RFC 2047 text (s is valid UTF-8 without NUL) to trimmed,
 * valid UTF-8.  libetpan is only shown stretches free of malformed "=?"
 * tokens, which are copied as they are: given one, it fails the whole
 * call (MAILIMF_ERROR_INVAL for "=?utf-8?x?...") or drops the rest of
 * the text, and retrying token by token after each failure would be
 * quadratic ("a a a ... =?x?x?" took 38 s for 16,000 words).
 */
static char *
rfc2047_decode(const char *s, size_t n)
{
	struct buf	 b = { 0 };
	char		*norm, *o;
	size_t		 len, pos = 0, lim = 0, i, end;
	int		 r, have_lim = 0;

	/*
	 * Plain printable ASCII without "=?" (most names and subjects):
	 * nothing to decode or convert, only white space to fold, which
	 * is what the slow path below makes of it too.
	 */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x7f || ((unsigned char)s[i] < 0x20 &&
		    !is_wsp((unsigned char)s[i])) || (s[i] == '=' &&
		    i + 1 < n && s[i + 1] == '?'))
			break;
	if (i == n) {
		o = xmalloc(n + 1);
		for (i = 0, len = 0; i < n; i++) {
			if (!is_wsp((unsigned char)s[i]))
				o[len++] = s[i];
			else if (len > 0 && o[len - 1] != ' ')
				o[len++] = ' ';
		}
		o[len] = '\0';
		return trim(o);
	}
	if (rfc2047_fast(s, n, &b))
		return trim(buf_take(&b));

	norm = ew_normalize(s, n);
	len = strlen(norm);
	while (pos < len) {
		if (is_wsp((unsigned char)norm[pos])) {
			while (pos < len && is_wsp((unsigned char)norm[pos]))
				pos++;
			if (b.len > 0 && b.p[b.len - 1] != ' ')
				buf_addc(&b, ' ');
			continue;
		}
		if (!have_lim || lim < pos) {
			lim = next_bad_ew(norm, len, pos);
			have_lim = 1;
		}
		if (lim == pos) {
			/* A malformed "=?" token: shown as it is. */
			for (end = pos; end < len &&
			    !is_wsp((unsigned char)norm[end]); end++)
				;
			buf_add(&b, norm + pos, end - pos);
			pos = end;
			continue;
		}
		i = pos;
		o = NULL;
		r = mailmime_encoded_phrase_parse("utf-8", norm, lim, &i,
		    "utf-8", &o);
		if (r == MAILIMF_NO_ERROR && i > pos && o != NULL) {
			buf_adds(&b, o);
			free(o);
			pos = i;
			continue;
		}
		if (r == MAILIMF_NO_ERROR)
			free(o);
		buf_add(&b, norm + pos, lim - pos);	/* not expected */
		pos = lim;
	}
	free(norm);
	return trim(utf8_own(buf_take(&b)));
}

/* ---- structured fields ---- */

/*
 * The pre-scan that keeps hostile nesting away from mailimf (SECURITY
 * #23).  It counts parentheses even inside quotes: no honest field comes
 * near these limits, so erring on the strict side costs nothing.
 */
static int
structured_ok(const char *s, size_t n)
{
	static const unsigned char	 special[256] = {
		['('] = 1, [')'] = 1, [':'] = 1, [';'] = 1, [','] = 1
	};
	size_t				 i, depth = 0, paren = 0, colon = 0,
					 semi = 0, comma = 0;

	for (i = 0; i < n; i++) {
		if (!special[(unsigned char)s[i]])
			continue;	/* most bytes: one load */
		switch (s[i]) {
		case '(':
			if (++depth > HEADER_PAREN_DEPTH_MAX ||
			    ++paren > HEADER_SPECIALS_MAX)
				return 0;
			break;
		case ')':
			if (depth > 0)
				depth--;
			break;
		case ':':
			if (++colon > HEADER_SPECIALS_MAX)
				return 0;
			break;
		case ';':
			if (++semi > HEADER_SPECIALS_MAX)
				return 0;
			break;
		case ',':
			if (++comma >= HEADER_ADDRESSES_MAX)
				return 0;
			break;
		}
	}
	return 1;
}

/*
 * 1 if s[i, n) holds only white space, commas and comments: what mailimf
 * leaves unparsed after a good value ("a@b (Name)", "a@b,").
 */
static int
rest_is_cfws(const char *s, size_t i, size_t n)
{
	size_t	 depth = 0;

	for (; i < n; i++) {
		if (depth > 0) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')')
				depth--;
		} else if (s[i] == '(')
			depth++;
		else if (!is_wsp((unsigned char)s[i]) && s[i] != ',')
			return 0;
	}
	return depth == 0;
}

/* A display name that could be read as address syntax is quoted. */
static void
add_display_name(struct buf *b, const char *name)
{
	const char	*p;

	if (strpbrk(name, "()<>[]:;@\\,\"") == NULL) {
		buf_adds(b, name);
		return;
	}
	buf_addc(b, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* Appends ", " (unless first) and "name <addr>", or addr alone. */
static void
add_name_addr(struct buf *b, const char *name, const char *addr)
{
	if (b->len > 0)
		buf_adds(b, ", ");
	if (name[0] != '\0') {
		add_display_name(b, name);
		buf_adds(b, " <");
		buf_adds(b, addr);
		buf_addc(b, '>');
	} else
		buf_adds(b, addr);
}

static void
add_mailbox(struct buf *b, const struct mailimf_mailbox *mb)
{
	const char	*addr = mb->mb_addr_spec ? mb->mb_addr_spec : "";
	char		*name;

	name = mb->mb_display_name != NULL ? rfc2047_decode(mb->mb_display_name,
	    strlen(mb->mb_display_name)) : xstrdup("");
	add_name_addr(b, name, addr);
	free(name);
}

static void
add_mailbox_list(struct buf *b, const struct mailimf_mailbox_list *l)
{
	clistiter	*it;

	if (l == NULL || l->mb_list == NULL)
		return;
	for (it = clist_begin(l->mb_list); it != NULL; it = clist_next(it))
		if (clist_content(it) != NULL)
			add_mailbox(b, clist_content(it));
}

/*
 * The fast path for the usual address fields: a comma-separated list of
 * "local@domain" or "Words <local@domain>" made of letters, digits and
 * "-_.+=?/" only (encoded words included), or "\"Quoted Words\"
 * <local@domain>" of plain printable ASCII, which mailimf would read the
 * same way.  0 if v is anything else; then mailimf parses it.
 */
static inline int
simple_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '+' ||
	    c == '=' || c == '?' || c == '/';
}

/* 1 if a[0, n) is local@domain of simple dot-atoms. */
static int
simple_addr(const char *a, size_t n)
{
	size_t	i, at = n, ats = 0;

	for (i = 0; i < n; i++) {
		if (a[i] == '@') {
			at = i;
			ats++;
		} else if (a[i] == '.') {
			if (i == 0 || i + 1 == n || a[i - 1] == '.' ||
			    a[i - 1] == '@' || a[i + 1] == '@')
				return 0;
		} else if (!simple_char((unsigned char)a[i]))
			return 0;
	}
	return ats == 1 && at > 0 && at + 1 < n;
}

/*
 * 1 if every word of the phrase p[0, n) that looks like an encoded word
 * is one whole "=?charset?e?text?=" (mailimf splits one glued to text).
 */
static int
simple_phrase(const char *p, size_t n)
{
	size_t	i = 0, w, q, k;
	int	ew;

	while (i < n) {
		while (i < n && is_wsp((unsigned char)p[i]))
			i++;
		for (w = i, q = 0, ew = 0; i < n && !is_wsp((unsigned char)p[i]);
		    i++) {
			q += p[i] == '?';
			if (i > w && ((p[i - 1] == '=' && p[i] == '?') ||
			    (p[i - 1] == '?' && p[i] == '=')))
				ew = 1;
		}
		k = i - w;
		if (ew && (k < 8 || p[w] != '=' || p[w + 1] != '?' ||
		    p[i - 2] != '?' || p[i - 1] != '=' || q != 4))
			return 0;
	}
	return 1;
}

static int
simple_addresses(struct buf *b, const char *v, size_t n)
{
	size_t	 i = 0, start, end, lt, q;
	char	*name, *addr;

	while (i < n) {
		while (i < n && is_wsp((unsigned char)v[i]))
			i++;
		start = i;
		while (i < n && v[i] != ',')
			i++;
		end = i;
		if (i < n)
			i++;			/* the comma */
		while (end > start && is_wsp((unsigned char)v[end - 1]))
			end--;
		if (end == start)
			return 0;
		if (v[end - 1] != '>') {
			if (!simple_addr(v + start, end - start))
				return 0;
			if (b->len > 0)
				buf_adds(b, ", ");
			buf_add(b, v + start, end - start);
			continue;
		}
		if (v[start] == '"') {
			/*
			 * "Quoted Name" <addr>: printable ASCII without
			 * escapes or encoded words (mailimf reads those
			 * its own way).
			 */
			for (q = start + 1; q < end && v[q] != '"'; q++)
				if ((unsigned char)v[q] < 0x20 ||
				    (unsigned char)v[q] >= 0x7f ||
				    v[q] == '\\' || v[q] == '=')
					return 0;
			if (q == end)
				return 0;
			for (lt = q + 1; lt < end && is_wsp((unsigned char)v[lt]);
			    lt++)
				;
			if (lt == end || v[lt] != '<' || lt == q + 1 ||
			    !simple_addr(v + lt + 1, end - lt - 2))
				return 0;
			name = rfc2047_decode(v + start + 1, q - start - 1);
			goto add;
		}
		for (lt = start; lt < end && v[lt] != '<'; lt++)
			if (!simple_char((unsigned char)v[lt]) &&
			    !is_wsp((unsigned char)v[lt]))
				return 0;
		if (lt == end || lt == start ||
		    !is_wsp((unsigned char)v[lt - 1]) ||
		    !simple_addr(v + lt + 1, end - lt - 2) ||
		    !simple_phrase(v + start, lt - start))
			return 0;
		name = rfc2047_decode(v + start, lt - start);
add:
		addr = xstrndup(v + lt + 1, end - lt - 2);
		add_name_addr(b, name, addr);
		free(name);
		free(addr);
	}
	return b->len > 0;
}

/*
 * From, To, Cc: "Name <addr>, addr, ..." with groups flattened (an empty
 * group keeps its name, "undisclosed-recipients:;", so the field does not
 * look blank).  What mailimf cannot parse entirely is shown as decoded text.
 */
static char *
parse_addresses(const char *v, size_t n, int *truncated)
{
	struct mailimf_address_list	*al = NULL;
	struct mailimf_address		*a;
	struct mailimf_group		*g;
	struct buf			 b = { 0 };
	clistiter			*it;
	char				*name;
	size_t				 i = 0, before;

	/* An absent field (most Cc) is "" whichever way below it goes. */
	if (n == 0)
		return xstrdup("");
	if (!structured_ok(v, n)) {
		*truncated = 1;
		return xstrdup("");
	}
	if (simple_addresses(&b, v, n))
		return utf8_own(buf_take(&b));
	buf_reset(&b);
	if (mailimf_address_list_parse(v, n, &i, &al) != MAILIMF_NO_ERROR ||
	    !rest_is_cfws(v, i, n)) {
		if (al != NULL)
			mailimf_address_list_free(al);
		free(b.p);	/* what the fast path began */
		return rfc2047_decode(v, n);
	}
	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		if ((a = clist_content(it)) == NULL)
			continue;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX &&
		    a->ad_data.ad_mailbox != NULL)
			add_mailbox(&b, a->ad_data.ad_mailbox);
		else if (a->ad_type == MAILIMF_ADDRESS_GROUP &&
		    (g = a->ad_data.ad_group) != NULL) {
			before = b.len;
			add_mailbox_list(&b, g->grp_mb_list);
			if (b.len == before && g->grp_display_name != NULL) {
				name = rfc2047_decode(g->grp_display_name,
				    strlen(g->grp_display_name));
				if (b.len > 0)
					buf_adds(&b, ", ");
				buf_adds(&b, name);
				buf_adds(&b, ":;");
				free(name);
			}
		}
	}
	mailimf_address_list_free(al);
	return utf8_own(buf_take(&b));
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long	 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* 1 if the zone is written "UT" or "UTC", which mailimf reads as +0001. */
static int
zone_is_ut(const char *v, size_t n)
{
	size_t	 end, start;

	for (end = 0; end < n && v[end] != '('; end++)
		;
	while (end > 0 && is_wsp((unsigned char)v[end - 1]))
		end--;
	for (start = end; start > 0 && !is_wsp((unsigned char)v[start - 1]);
	    start--)
		;
	return (end - start == 2 && strncasecmp(v + start, "UT", 2) == 0) ||
	    (end - start == 3 && strncasecmp(v + start, "UTC", 3) == 0);
}

/* d[0, n) as a number of exactly n digits, or -1. */
static int
date_digits(const char *d, size_t n)
{
	size_t	 i;
	int	 v = 0;

	for (i = 0; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -1;
		v = v * 10 + (d[i] - '0');
	}
	return v;
}

/*
 * The fast path of parse_date() for the form nearly all mail uses,
 * "[Ddd, ]D Mon YYYY HH:MM:SS +ZZZZ" and nothing after it, read into
 * dt as mailimf would read it.  0 for anything else (mailimf then).
 */
static int
simple_date(const char *v, size_t n, struct mailimf_date_time *dt)
{
	static const char	 days[] = "MonTueWedThuFriSatSun";
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char		*m;
	size_t			 i = 0, dl;
	int			 z;

	if (n >= 5 && v[3] == ',' && v[4] == ' ') {
		for (m = days; *m != '\0'; m += 3)
			if (strncmp(v, m, 3) == 0)
				break;
		if (*m == '\0')
			return 0;
		i = 5;
	}
	dl = i + 1 < n && v[i + 1] != ' ' ? 2 : 1;
	/* D Mon YYYY HH:MM:SS +ZZZZ */
	if (n - i != dl + 24 || v[i + dl] != ' ' || v[i + dl + 4] != ' ' ||
	    v[i + dl + 9] != ' ' || v[i + dl + 12] != ':' ||
	    v[i + dl + 15] != ':' || v[i + dl + 18] != ' ' ||
	    (v[i + dl + 19] != '+' && v[i + dl + 19] != '-'))
		return 0;
	for (m = months; *m != '\0'; m += 3)
		if (strncmp(v + i + dl + 1, m, 3) == 0)
			break;
	if (*m == '\0')
		return 0;
	dt->dt_day = date_digits(v + i, dl);
	dt->dt_month = (int)(m - months) / 3 + 1;
	dt->dt_year = date_digits(v + i + dl + 5, 4);
	dt->dt_hour = date_digits(v + i + dl + 10, 2);
	dt->dt_min = date_digits(v + i + dl + 13, 2);
	dt->dt_sec = date_digits(v + i + dl + 16, 2);
	z = date_digits(v + i + dl + 20, 4);
	if (dt->dt_day < 0 || dt->dt_year < 0 || dt->dt_hour < 0 ||
	    dt->dt_min < 0 || dt->dt_sec < 0 || z < 0)
		return 0;
	dt->dt_zone = v[i + dl + 19] == '-' ? -z : z;
	return 1;
}

/* Date: to UTC seconds; 0 when absent or unusable. */
static time_t
parse_date(const char *v, size_t n, int *truncated)
{
	struct mailimf_date_time	*dt = NULL, fast;
	long long			 y, t;
	int				 zone, zh, zm;
	size_t				 i = 0;

	if (!structured_ok(v, n)) {
		*truncated = 1;
		return 0;
	}
	memset(&fast, 0, sizeof fast);
	if (simple_date(v, n, &fast)) {
		/* Not allocated: mailimf_date_time_free() must not see it. */
		dt = &fast;
	} else if (mailimf_date_time_parse(v, n, &i, &dt) != MAILIMF_NO_ERROR ||
	    dt == NULL)
		return 0;
	y = dt->dt_year;
	if (y >= 0 && y < 50)			/* RFC 5322 4.3 obs-year */
		y += 2000;
	else if (y >= 50 && y < 1000)
		y += 1900;
	zone = dt->dt_zone;
	if (zone < -9999 || zone > 9999 || zone_is_ut(v, n))
		zone = 0;
	zh = (zone < 0 ? -zone : zone) / 100;
	zm = (zone < 0 ? -zone : zone) % 100;
	if (zh > 23 || zm > 59)
		zh = zm = 0;			/* nonsense zone: take UTC */
	if (y < 1 || y > 9999 || dt->dt_month < 1 || dt->dt_month > 12 ||
	    dt->dt_day < 1 || dt->dt_day > 31 || dt->dt_hour < 0 ||
	    dt->dt_hour > 23 || dt->dt_min < 0 || dt->dt_min > 59 ||
	    dt->dt_sec < 0 || dt->dt_sec > 60) {
		if (dt != &fast)
			mailimf_date_time_free(dt);
		return 0;
	}
	t = days_from_civil(y, (unsigned)dt->dt_month, (unsigned)dt->dt_day) *
	    86400 + dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec;
	t -= (zone < 0 ? -1 : 1) * (zh * 3600 + zm * 60);
	if (dt != &fast)
		mailimf_date_time_free(dt);
	if ((long long)(time_t)t != t)
		return 0;
	return (time_t)t;
}

/*
 * Appends one msg-id to a space-separated list, dropping what cannot be
 * part of one (white space from folding, controls, brackets) so that the
 * list splits unambiguously.  Returns 1 if anything was appended.
 */
static int
add_msg_id(struct buf *b, const char *id, size_t n)
{
	size_t	 i, j, start = b->len;

	if (b->len > 0)
		buf_addc(b, ' ');
	/* Runs of kept bytes at once: ids are long and mostly clean. */
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && (unsigned char)id[j] > ' ' &&
		    id[j] != 0x7F && id[j] != '<' && id[j] != '>'; j++)
			;
		if (j > i)
			buf_add(b, id + i, j - i);
	}
	if (b->len == start + (start > 0)) {
		b->len = start;
		if (b->p != NULL)
			b->p[start] = '\0';
		return 0;
	}
	return 1;
}

/* The lenient fallback: every "<...>" in v, at most max of them. */
static size_t
extract_msg_ids(struct buf *b, const char *v, size_t n, size_t max)
{
	const char	*lt, *gt, *inner;
	size_t		 pos = 0, found = 0;

	while (found < max && pos < n &&
	    (lt = memchr(v + pos, '<', n - pos)) != NULL) {
		gt = memchr(lt, '>', n - (size_t)(lt - v));
		if (gt == NULL)
			break;
		/* "<a <b@c>": the id starts at the last '<'. */
		while ((inner = memchr(lt + 1, '<', (size_t)(gt - lt - 1))) !=
		    NULL)
			lt = inner;
		found += add_msg_id(b, lt + 1, (size_t)(gt - lt - 1));
		pos = (size_t)(gt - v) + 1;
	}
	return found;
}

/*
 * 1 if v is only white space and "<...>" tokens with no white space,
 * '<', '(', '"' or '\\' inside: what mailimf would read the same way.
 */
static int
simple_ids(const char *v, size_t n)
{
	size_t	i = 0, ids = 0;

	for (;;) {
		while (i < n && is_wsp((unsigned char)v[i]))
			i++;
		if (i == n)
			return ids > 0;
		if (v[i++] != '<')
			return 0;
		for (; i < n && v[i] != '>'; i++)
			if (is_wsp((unsigned char)v[i]) || v[i] == '<' ||
			    v[i] == '(' || v[i] == '"' || v[i] == '\\' ||
			    (unsigned char)v[i] < 0x20)
				return 0;
		if (i == n)
			return 0;
		i++;
		ids++;
	}
}

static void
free_id_list(clist *l)
{
	clistiter	*it;

	for (it = clist_begin(l); it != NULL; it = clist_next(it))
		free(clist_content(it));
	clist_free(l);
}

/*
 * Message-ID, In-Reply-To (first), References (all): ids without
 * brackets, space-separated.  mailimf first; if it fails or leaves junk,
 * the "<...>" tokens; for a single id, a bracketless one as mailimf read it.
 */
static char *
parse_msg_ids(const char *v, size_t n, int list, int *truncated)
{
	struct buf	 b = { 0 };
	clist		*l = NULL;
	clistiter	*it;
	char		*id = NULL;
	size_t		 i = 0, max = list ? SIZE_MAX : 1;
	int		 ok;

	/* Absent (In-Reply-To, References of a first message): "". */
	if (n == 0)
		return xstrdup("");
	if (!structured_ok(v, n)) {
		*truncated = 1;
		extract_msg_ids(&b, v, n, max);
		goto done;
	}
	/* The usual "<a@b> <c@d>" needs no parser (and is 5x faster). */
	if (simple_ids(v, n)) {
		extract_msg_ids(&b, v, n, max);
		goto done;
	}
	if (mailimf_msg_id_list_parse(v, n, &i, &l) == MAILIMF_NO_ERROR) {
		ok = !list || rest_is_cfws(v, i, n);
		for (it = l ? clist_begin(l) : NULL; ok && it != NULL &&
		    max > 0; it = clist_next(it))
			if ((id = clist_content(it)) != NULL &&
			    add_msg_id(&b, id, strlen(id)))
				max--;
		id = NULL;
		if (l != NULL)
			free_id_list(l);
		if (ok && b.len > 0)
			goto done;
		buf_reset(&b);
		max = list ? SIZE_MAX : 1;
	}
	if (extract_msg_ids(&b, v, n, max) > 0 || list)
		goto done;
	i = 0;
	if (mailimf_msg_id_parse(v, n, &i, &id) == MAILIMF_NO_ERROR &&
	    id != NULL) {
		/* Without brackets only something like an address will do. */
		if (rest_is_cfws(v, i, n) && strchr(id, '@') != NULL &&
		    strpbrk(id, "()") == NULL)
			add_msg_id(&b, id, strlen(id));
		free(id);
	}
done:
	return utf8_own(buf_take(&b));
}

/* ---- the block ---- */

static int
field_index(const char *name, size_t len)
{
	int	 i;

	for (i = 0; i < HF_COUNT; i++)
		if (hfields[i].len == len &&
		    strncasecmp(hfields[i].name, name, len) == 0)
			return i;
	return -1;
}

/*
 * Records the field starting at s (one whole field, folded lines
 * included, without the final line end) if it is the first wanted one.
 */
static void
take_field(struct hraw *raw, const char *s, size_t len, int *truncated)
{
	size_t	 i, namelen;
	int	 f;

	for (i = 0; i < len && s[i] > ' ' && s[i] < 0x7F && s[i] != ':'; i++)
		;
	namelen = i;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (namelen == 0 || i >= len || s[i] != ':')
		return;				/* not a header field */
	if (len > MAIL_HEADER_FIELD_MAX)
		*truncated = 1;
	if ((f = field_index(s, namelen)) < 0 || raw[f].seen)
		return;
	raw[f].seen = 1;
	if (len > MAIL_HEADER_FIELD_MAX)
		return;
	raw[f].val = s + i + 1;
	raw[f].len = len - i - 1;
}

/*
 * Splits the block into fields, stopping at the first empty line and
 * within MAIL_HEADER_BLOCK_MAX bytes and HEADER_LINES_MAX lines.
 */
static void
split_fields(const char *buf, size_t len, struct hraw *raw, int *truncated)
{
	const char	*p = buf, *nl, *field = NULL;
	size_t		 lim = len, linelen, lines = 0, fieldlen = 0;

	if (len > MAIL_HEADER_BLOCK_MAX)
		lim = MAIL_HEADER_BLOCK_MAX;
	while (p < buf + lim) {
		nl = memchr(p, '\n', (size_t)(buf + lim - p));
		if (nl == NULL && len > lim) {
			*truncated = 1;		/* cut at the last line end */
			break;
		}
		linelen = (size_t)((nl ? nl : buf + lim) - p);
		if (linelen > 0 && p[linelen - 1] == '\r')
			linelen--;
		if (linelen == 0)
			break;			/* end of the header */
		if (++lines > HEADER_LINES_MAX) {
			*truncated = 1;
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (field != NULL)	/* a folded line */
				fieldlen = (size_t)(p + linelen - field);
		} else {
			if (field != NULL)
				take_field(raw, field, fieldlen, truncated);
			field = p;
			fieldlen = linelen;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (field != NULL)
		take_field(raw, field, fieldlen, truncated);
}

/*
 * The value unfolded (line ends removed), trimmed, as valid UTF-8: in
 * out, which has room for r->len + 1 bytes, unless it is 8-bit text,
 * which raw_to_utf8() makes a new string of (*own, the caller's to
 * free; else NULL).
 */
static char *
unfold(const struct hraw *r, char *out, char **own)
{
	const char	*p, *end, *nl;
	size_t		 i, k, n = 0;
	unsigned char	 hi = 0;

	*own = NULL;
	if (r->len == 0) {		/* absent: r->val is NULL */
		out[0] = '\0';
		return out;
	}
	/* A line at a time, without its LF and a CR before it. */
	for (p = r->val, end = r->val + r->len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		k = (size_t)(nl - p);
		if (nl < end && k > 0 && p[k - 1] == '\r')
			k--;
		memcpy(out + n, p, k);
		n += k;
	}
	/* What raw_to_utf8() would change: 8-bit, NUL and SUB. */
	for (i = 0; i < n; i++)
		hi |= (unsigned char)out[i];
	if (hi < 0x80 && memchr(out, '\0', n) == NULL &&
	    memchr(out, 0x1A, n) == NULL) {
		/* ASCII (the usual case) is already what it would return. */
		out[n] = '\0';
		return trim(out);
	}
	*own = raw_to_utf8(out, n);
	return trim(*own);
}

int
header_parse(const char *buf, size_t len, struct header_fields *hf)
{
	struct hraw	 raw[HF_COUNT];
	char		*v[HF_COUNT], *own[HF_COUNT], stack[4096], *scratch, *p;
	size_t		 need = 0;
	int		 i, tr = 0;

	memset(hf, 0, sizeof *hf);
	memset(raw, 0, sizeof raw);
	if (buf != NULL)
		split_fields(buf, len, raw, &tr);
	/* Every value unfolded into one scratch buffer, most on the stack. */
	for (i = 0; i < HF_COUNT; i++)
		need += raw[i].len + 1;
	scratch = need <= sizeof stack ? stack : xmalloc(need);
	for (i = 0, p = scratch; i < HF_COUNT; p += raw[i].len + 1, i++)
		v[i] = unfold(&raw[i], p, &own[i]);

	hf->date = parse_date(v[HF_DATE], strlen(v[HF_DATE]), &tr);
	hf->from = one_line(parse_addresses(v[HF_FROM], strlen(v[HF_FROM]),
	    &tr));
	hf->to = one_line(parse_addresses(v[HF_TO], strlen(v[HF_TO]), &tr));
	hf->cc = one_line(parse_addresses(v[HF_CC], strlen(v[HF_CC]), &tr));
	hf->subject = one_line(rfc2047_decode(v[HF_SUBJECT],
	    strlen(v[HF_SUBJECT])));
	hf->message_id = parse_msg_ids(v[HF_MESSAGE_ID],
	    strlen(v[HF_MESSAGE_ID]), 0, &tr);
	hf->in_reply_to = parse_msg_ids(v[HF_IN_REPLY_TO],
	    strlen(v[HF_IN_REPLY_TO]), 0, &tr);
	hf->references = parse_msg_ids(v[HF_REFERENCES],
	    strlen(v[HF_REFERENCES]), 1, &tr);
	hf->truncated = tr;

	for (i = 0; i < HF_COUNT; i++)
		free(own[i]);
	if (scratch != stack)
		free(scratch);
	return 0;
}

void
header_fields_free(struct header_fields *hf)
{
	if (hf == NULL)
		return;
	free(hf->from);
	free(hf->to);
	free(hf->cc);
	free(hf->subject);
	free(hf->message_id);
	free(hf->in_reply_to);
	free(hf->references);
	memset(hf, 0, sizeof *hf);
}

/*
 * For the pager and MIME parameters (render.c, mime.c): any header text,
 * raw 8-bit or RFC 2047 encoded, as one line of UTF-8.
 */
char *
header_decode_text(const char *s, size_t n)
{
	char	*raw, *dec;

	raw = raw_to_utf8(s, n);
	dec = rfc2047_decode(raw, strlen(raw));
	free(raw);
	return one_line(dec);
}
