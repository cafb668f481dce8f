/*
 * charset.c - message text in a declared charset to valid UTF-8, for
 * the pager.  Pure functions, any thread (iconv descriptors are opened
 * and closed per call, never shared).
 *
 * Nothing is ever dropped silently (SECURITY.md test 26): bytes the
 * charset does not define, an incomplete sequence at the end, NUL bytes
 * and, for an unknown charset, every byte that is not valid UTF-8
 * become U+FFFD.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"

#define CHARSET_NAME_MAX	64
#define FFFD			"\xEF\xBF\xBD"

struct cbuf {
	char	*p;
	size_t	 len, cap;
};

static void
cbuf_grow(struct cbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 256;
	b->p = xrealloc(b->p, b->cap);
	b->p[b->len] = '\0';	/* a string even when nothing is added */
}

static void
cbuf_add(struct cbuf *b, const char *s, size_t n)
{
	cbuf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Valid UTF-8 kept; invalid bytes (maximal subparts) and NUL -> U+FFFD. */
static void
charset_utf8_clean(struct cbuf *b, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, run, k;

	cbuf_grow(b, len);
	while (i < len) {
		for (run = i; run < len && u[run] > 0 && u[run] < 0x80; run++)
			;
		if (run > i) {
			cbuf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (u[i] == 0) {
			cbuf_add(b, FFFD, 3);
			i++;
		} else if ((k = utf8_decode(u + i, len - i, NULL)) > 0) {
			cbuf_add(b, s + i, k);
			i += k;
		} else {
			cbuf_add(b, FFFD, 3);
			i += utf8_span(u + i, len - i);
		}
	}
}

/*
 * The name to give iconv, or NULL for "treat as UTF-8".  Names are
 * checked, so a sender cannot append "//TRANSLIT" or a path.
 */
static int
charset_name(const char *charset, char *out)
{
	size_t	 i, n;

	while (*charset == ' ' || *charset == '\t')
		charset++;
	n = strlen(charset);
	while (n > 0 && (charset[n - 1] == ' ' || charset[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= CHARSET_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		char c = charset[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == ':'))
			return -1;
		out[i] = c;
	}
	out[n] = '\0';
	if (strcmp(out, "utf-8") == 0 || strcmp(out, "utf8") == 0 ||
	    strcmp(out, "us-ascii") == 0 || strcmp(out, "ascii") == 0)
		return -1;
	/* What every mail reader does: Latin-1 mail is written on Windows. */
	if (strcmp(out, "iso-8859-1") == 0 || strcmp(out, "iso8859-1") == 0 ||
	    strcmp(out, "iso_8859-1") == 0 || strcmp(out, "latin1") == 0)
		strcpy(out, "windows-1252");
	return 0;
}

char *
charset_to_utf8(const char *charset, const char *s, size_t len,
    size_t *outlen)
{
	struct cbuf	 b = { 0 }, conv = { 0 };
	char		 name[CHARSET_NAME_MAX];
	iconv_t		 cd = (iconv_t)-1;
	char		*in, *o;
	size_t		 inleft, oleft, r;

	if (charset != NULL && charset_name(charset, name) == 0)
		cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) {
		charset_utf8_clean(&b, s, len);
		goto done;
	}
	in = (char *)s;
	inleft = len;
	cbuf_grow(&conv, len * 2 + 16);
	for (;;) {
		o = conv.p + conv.len;
		oleft = conv.cap - conv.len - 1;
		r = iconv(cd, inleft > 0 ? &in : NULL, &inleft, &o, &oleft);
		conv.len = (size_t)(o - conv.p);
		if (r != (size_t)-1) {
			if (inleft == 0)
				break;
			continue;
		}
		if (errno == E2BIG) {
			cbuf_grow(&conv, conv.cap);
		} else if (errno == EILSEQ && inleft > 0) {
			cbuf_add(&conv, FFFD, 3);
			in++;
			inleft--;
		} else {
			/* EINVAL: cut short at the end. */
			cbuf_add(&conv, FFFD, 3);
			break;
		}
	}
	iconv_close(cd);
	charset_utf8_clean(&b, conv.p ? conv.p : "", conv.len);
	free(conv.p);
done:
	if (b.p == NULL)
		cbuf_grow(&b, 0);
	if (outlen != NULL)
		*outlen = b.len;
	return b.p;
}
