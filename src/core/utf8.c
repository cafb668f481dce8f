/*
 * utf8.c - strict UTF-8 (RFC 3629): the one decoder and encoder that the
 * sanitizer, the configuration, folder names and header decoding share,
 * so that all of them agree on which bytes are a character.  Any thread
 * (no state).
 *
 * Strict means well-formed in the sense of Unicode 15, section 3.9
 * (table 3-7): no overlong forms, no surrogates (U+D800-DFFF), nothing
 * above U+10FFFF and no truncated sequence.  The second-byte ranges
 * below exclude the first three, so comparing every byte with its
 * [lo, hi] range is the whole test.
 */
#include <stddef.h>

#include "core.h"

/*
 * Scans the sequence at s[0..len), len >= 1.  Returns the number of
 * bytes it covers and sets *ok.  A valid character covers its length
 * and stores its code point in *cp.  An invalid sequence covers its
 * "maximal subpart": the longest prefix that could still have begun a
 * valid character, or one byte if there is none.  Replacing each such
 * subpart by one U+FFFD covers every bad byte exactly once and never
 * swallows the next valid character.
 */
static size_t
utf8_scan(const unsigned char *s, size_t len, unsigned int *cp, int *ok)
{
	unsigned int	 c = s[0], lo = 0x80, hi = 0xBF;
	size_t		 need, i;

	*ok = 0;
	if (c < 0x80) {
		*cp = c;
		*ok = 1;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates D800-DFFF */
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
		c &= 0x07;
	} else
		return 1;	/* continuation, C0/C1 (overlong), F5-FF */
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi)
			return i;
		c = c << 6 | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	*ok = 1;
	return need + 1;
}

size_t
utf8_decode(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned int	 c;
	size_t		 n;
	int		 ok;

	if (len == 0)
		return 0;
	n = utf8_scan(s, len, &c, &ok);
	if (!ok)
		return 0;
	if (cp != NULL)
		*cp = c;
	return n;
}

size_t
utf8_span(const unsigned char *s, size_t len)
{
	unsigned int	 c;
	int		 ok;

	if (len == 0)
		return 0;
	return utf8_scan(s, len, &c, &ok);
}

int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, NULL)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

size_t
utf8_encode(unsigned int c, char *out)
{
	unsigned char	 b[UTF8_CHAR_MAX];
	size_t		 n, i;

	if (c < 0x80) {
		b[0] = c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = 0xC0 | c >> 6;
		b[1] = 0x80 | (c & 0x3F);
		n = 2;
	} else if (c < 0x10000) {
		b[0] = 0xE0 | c >> 12;
		b[1] = 0x80 | (c >> 6 & 0x3F);
		b[2] = 0x80 | (c & 0x3F);
		n = 3;
	} else {
		b[0] = 0xF0 | c >> 18;
		b[1] = 0x80 | (c >> 12 & 0x3F);
		b[2] = 0x80 | (c >> 6 & 0x3F);
		b[3] = 0x80 | (c & 0x3F);
		n = 4;
	}
	if (out != NULL)
		for (i = 0; i < n; i++)
			out[i] = (char)b[i];
	return n;
}
