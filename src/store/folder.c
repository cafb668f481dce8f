/*
 * folder.c - server folder names: IMAP modified UTF-7 (RFC 3501 5.1.3)
 * to and from UTF-8, the name shown to the user, and the one path
 * component a folder's cache lives under.  Any thread (no state).
 *
 * A folder name is chosen by the server, so it is hostile input: the
 * cache path must be injective and must never leave the cache root
 * (SECURITY.md "Files", test 17; mutt CVE-2018-14355).  folder_path()
 * builds it as follows.
 *
 *  1. A name that is canonical modified UTF-7 (it decodes, and encoding
 *     the result gives back the same bytes) is represented by its
 *     decoded UTF-8, so the cache shows "Entwürfe", not "Entw&APw-rfe".
 *     Any other name (invalid, or valid but not canonical, such as
 *     "&AGE-" for "a" or "&AOQ-&AOQ-" for "ää", which decode to the same
 *     text as another raw name) is represented by its raw bytes behind
 *     the marker "%!".
 *  2. The bytes are escaped: ASCII letters, digits and "-_+,@= " stay
 *     (space included, as in "Sent Items"), and so does a complete,
 *     valid non-ASCII UTF-8 character that sanitize_for_display() leaves
 *     unchanged (so no C1 control, bidi or zero-width character).  Every
 *     other byte becomes %XX (upper-case hex): '%', '/', '\\', '.', ':',
 *     '&', '~', '!', control bytes, DEL and invalid UTF-8 included.  The
 *     output reads back unambiguously (a '%' always starts a 3-byte
 *     token), so the escaping is injective; a valid name's output never
 *     contains "%!" (after '%' come two hex digits), so the two kinds
 *     of name never meet.  '.' is always escaped: ".", ".." and hidden
 *     names cannot be produced.
 *  3. The empty name (valid, canonical) becomes "%": no other name's
 *     output is a lone '%'.
 *  4. An output longer than FOLDER_PATH_MAX (200) bytes keeps its first
 *     tokens up to 135 bytes and ends in '~' and the SHA-256 of the raw
 *     name in hex (64 digits).  Unhashed outputs never contain '~', so
 *     only two long names whose SHA-256 collide could share a path: the
 *     mapping is injective up to that cryptographic probability.
 *
 * Hosts whose file system folds case (INBOX vs inbox) or normalizes
 * Unicode (macOS NFD) may still merge two outputs; store.h leaves that
 * to the index (folder_path_unique).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store.h"

#define FOLDER_PATH_MAX		200	/* bytes; NAME_MAX is 255 */
#define FOLDER_HASH_HEX		64	/* SHA-256 in hex */
#define FOLDER_RAW_MARK		"%!"	/* not a valid %XX token */
#define FOLDER_EMPTY		"%"	/* the empty name */

/* A growing byte buffer, always NUL-terminated once used. */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

/* Hands the contents to the caller (an empty string if nothing added). */
static char *
buf_take(struct buf *b)
{
	if (b->p == NULL)
		return xstrdup("");
	return b->p;
}

/* Appends the code point c as UTF-8. */
static void
buf_add_cp(struct buf *b, unsigned int c)
{
	char	 o[UTF8_CHAR_MAX];

	buf_add(b, o, utf8_encode(c, o));
}

/* Modified BASE64 (RFC 3501): ',' stands in for '/', no '=' padding. */
static const char mb64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
mb64_value(unsigned char c)
{
	return c == ',' ? 63 : c == '/' ? -1 : base64_value(c);
}

/*
 * Decodes the base64 run that starts at *pp (just after '&') up to and
 * including its '-'.  Returns 0 and advances *pp, or -1 if the run is
 * unterminated, holds a character outside the alphabet, ends with bits
 * that are not zero padding of less than one character, contains a
 * lone or unpaired surrogate, or encodes U+0000.  Encoded printable
 * ASCII, which RFC 3501 says must have been literal, is accepted.
 */
static int
mutf7_run(const unsigned char **pp, struct buf *out)
{
	const unsigned char	*p = *pp;
	unsigned long		 bits = 0;
	unsigned int		 nbits = 0, u, high = 0;
	int			 v;

	for (; *p != '-'; p++) {
		if ((v = mb64_value(*p)) == -1)
			return -1;	/* includes the NUL of "&AOQ" */
		bits = bits << 6 | (unsigned long)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		u = (unsigned int)(bits >> nbits) & 0xFFFF;
		bits &= (1UL << nbits) - 1;
		if (high != 0) {
			if (u < 0xDC00 || u > 0xDFFF)
				return -1;
			buf_add_cp(out, 0x10000 + ((high - 0xD800) << 10) +
			    (u - 0xDC00));
			high = 0;
		} else if (u >= 0xD800 && u <= 0xDBFF)
			high = u;
		else if ((u >= 0xDC00 && u <= 0xDFFF) || u == 0)
			return -1;
		else
			buf_add_cp(out, u);
	}
	/* Leftover: fewer than 6 bits, all zero; no half of a pair. */
	if (high != 0 || nbits >= 6 || bits != 0)
		return -1;
	*pp = p + 1;
	return 0;
}

char *
folder_mutf7_decode(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 out = { NULL, 0, 0 };

	if (s == NULL)
		return NULL;
	while (*p != '\0') {
		if (*p < 0x20 || *p > 0x7E)
			goto bad;	/* raw control or 8-bit byte */
		if (*p != '&') {
			buf_addc(&out, (char)*p++);
			continue;
		}
		p++;
		if (*p == '-') {
			buf_addc(&out, '&');
			p++;
			continue;
		}
		if (mutf7_run(&p, &out) == -1)
			goto bad;
	}
	return buf_take(&out);
bad:
	free(out.p);
	return NULL;
}

/* Appends the 16-bit unit u to an open base64 run. */
static void
mutf7_unit(struct buf *out, unsigned long *bits, unsigned int *nbits,
    unsigned int u)
{
	*bits = *bits << 16 | u;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		buf_addc(out, mb64[*bits >> *nbits & 63]);
	}
	*bits &= (1UL << *nbits) - 1;
}

char *
folder_mutf7_encode(const char *utf8)
{
	const unsigned char	*p = (const unsigned char *)utf8;
	struct buf		 out = { NULL, 0, 0 };
	unsigned long		 bits = 0;
	unsigned int		 nbits = 0, c;
	size_t			 len, n;
	int			 inrun = 0;

	if (utf8 == NULL)
		return NULL;
	len = strlen(utf8);
	while (len > 0) {
		if ((n = utf8_decode(p, len, &c)) == 0) {
			free(out.p);
			return NULL;
		}
		p += n;
		len -= n;
		if (c >= 0x20 && c <= 0x7E) {
			if (inrun) {
				if (nbits > 0)
					buf_addc(&out, mb64[bits <<
					    (6 - nbits) & 63]);
				buf_addc(&out, '-');
				bits = 0;
				nbits = 0;
				inrun = 0;
			}
			if (c == '&')
				buf_add(&out, "&-", 2);
			else
				buf_addc(&out, (char)c);
			continue;
		}
		if (!inrun) {
			buf_addc(&out, '&');
			inrun = 1;
		}
		if (c >= 0x10000) {
			c -= 0x10000;
			mutf7_unit(&out, &bits, &nbits, 0xD800 | c >> 10);
			mutf7_unit(&out, &bits, &nbits, 0xDC00 | (c & 0x3FF));
		} else
			mutf7_unit(&out, &bits, &nbits, c);
	}
	if (inrun) {
		if (nbits > 0)
			buf_addc(&out, mb64[bits << (6 - nbits) & 63]);
		buf_addc(&out, '-');
	}
	return buf_take(&out);
}

char *
folder_display(const char *name)
{
	char	*s;

	if (name == NULL)
		return NULL;
	if ((s = folder_mutf7_decode(name)) != NULL)
		return s;
	return xstrdup(name);
}

/* 1 if the ASCII byte c stands for itself in a cache path. */
static int
path_safe_ascii(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-_+,@= ", c));
}

/*
 * 1 if the valid UTF-8 character s[0..n) (not ASCII) may appear as is:
 * the display sanitizer would leave it alone.  Asking the sanitizer
 * keeps one list of dangerous code points in the tree.
 */
static int
path_safe_char(const unsigned char *s, size_t n)
{
	char	*d;
	int	 same;

	d = sanitize_for_display((const char *)s, n, 0);
	same = strlen(d) == n && memcmp(d, s, n) == 0;
	free(d);
	return same;
}

static void
path_escape_byte(struct buf *out, unsigned char c)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3] = { '%', hex[c >> 4], hex[c & 15] };

	buf_add(out, e, 3);
}

/* Appends s[0..len) escaped as described at the top of this file. */
static void
path_escape(struct buf *out, const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;

	while (i < len) {
		if (s[i] < 0x80) {
			if (path_safe_ascii(s[i]))
				buf_addc(out, (char)s[i]);
			else
				path_escape_byte(out, s[i]);
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, NULL);
		if (n == 0) {
			path_escape_byte(out, s[i++]);
			continue;
		}
		if (path_safe_char(s + i, n))
			buf_add(out, s + i, n);
		else
			for (k = 0; k < n; k++)
				path_escape_byte(out, s[i + k]);
		i += n;
	}
}

/* The length of the output token at s (see path_escape). */
static size_t
path_token_len(const char *s, int first)
{
	unsigned char	 c = (unsigned char)s[0];

	if (first && strncmp(s, FOLDER_RAW_MARK, 2) == 0)
		return 2;
	if (c == '%')
		return 3;
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

/*
 * Cuts out (longer than FOLDER_PATH_MAX) at a token boundary and ends it
 * with '~' and the hex SHA-256 of the raw name.
 */
static void
path_shorten(struct buf *out, const char *name)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	size_t			 keep = 0, t;
	char			 h[2];

	while (keep < out->len) {
		t = path_token_len(out->p + keep, keep == 0);
		if (keep + t > FOLDER_PATH_MAX - 1 - FOLDER_HASH_HEX)
			break;
		keep += t;
	}
	out->len = keep;
	buf_addc(out, '~');
	if (EVP_Digest(name, strlen(name), md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen * 2 != FOLDER_HASH_HEX) {
		/* Only a broken libcrypto fails here; never guess a path. */
		log_msg(LOG_ERROR, "folder_path: SHA-256 failed");
		abort();
	}
	for (i = 0; i < mdlen; i++) {
		h[0] = hex[md[i] >> 4];
		h[1] = hex[md[i] & 15];
		buf_add(out, h, 2);
	}
}

char *
folder_path(const char *name)
{
	struct buf	 out = { NULL, 0, 0 };
	char		*dec, *enc = NULL;
	int		 canonical = 0;

	if (name == NULL)
		return NULL;
	if ((dec = folder_mutf7_decode(name)) != NULL) {
		enc = folder_mutf7_encode(dec);
		canonical = enc != NULL && strcmp(enc, name) == 0;
	}
	if (canonical)
		path_escape(&out, (const unsigned char *)dec, strlen(dec));
	else {
		buf_add(&out, FOLDER_RAW_MARK, 2);
		path_escape(&out, (const unsigned char *)name, strlen(name));
	}
	free(dec);
	free(enc);
	if (out.len == 0)
		buf_add(&out, FOLDER_EMPTY, strlen(FOLDER_EMPTY));
	if (out.len > FOLDER_PATH_MAX)
		path_shorten(&out, name);
	return buf_take(&out);
}
