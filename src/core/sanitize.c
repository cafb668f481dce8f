/*
 * sanitize.c - the one filter between outside text and the terminal.
 * Any thread (no state).  Headers, bodies, folder and file names,
 * server replies, certificate subjects and log lines all pass through
 * sanitize_for_display() before they are drawn, so that no byte a
 * stranger chose can move the cursor, retitle the window, write the
 * clipboard, query the terminal, or reorder and hide text
 * (SECURITY.md "Display", tests 12-15 and 26).
 *
 * Only the control characters themselves are removed: a stripped ESC
 * leaves "[2J" behind as plain text, which is harmless and shows the
 * reader that something odd was there.
 */
#include <stddef.h>
#include <stdlib.h>

#include "core.h"

#define REPLACEMENT	0xFFFDu

/*
 * Decodes the UTF-8 sequence at s[0..len), len >= 1.  Returns the number
 * of bytes consumed and stores the code point in *cp, or U+FFFD for an
 * invalid sequence.  An invalid sequence consumes its "maximal subpart"
 * (Unicode 15, section 3.9): the longest prefix that could still have
 * begun a valid character, or one byte if there is none.  So every bad
 * byte is covered by exactly one U+FFFD and the next valid character is
 * never swallowed.  Overlong forms, surrogates and values above U+10FFFF
 * are invalid because the second-byte ranges below exclude them.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned int	 c = s[0], lo = 0x80, hi = 0xBF;
	size_t		 need, i;

	if (c < 0x80) {
		*cp = c;
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
	} else {
		/* Continuation byte, C0/C1 (overlong), F5-FF. */
		*cp = REPLACEMENT;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*cp = REPLACEMENT;
			return i;
		}
		c = c << 6 | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	return need + 1;
}

/*
 * Code points that are removed although they are valid: they draw
 * nothing and exist to change how the text around them is shown, which
 * is exactly what lets a sender reorder or hide part of an address.
 * The first four groups are NeoMutt's "display corrupting" list.
 *   U+00AD         soft hyphen
 *   U+061C         Arabic letter mark
 *   U+200E-200F    left-to-right / right-to-left mark
 *   U+202A-202E    bidi embeddings and overrides (LRE RLE PDF LRO RLO)
 *   U+2066-2069    bidi isolates (LRI RLI FSI PDI)
 *   U+FEFF         zero width no-break space / BOM
 * and, because they are equally invisible:
 *   U+115F-1160    Hangul choseong/jungseong fillers
 *   U+180E         Mongolian vowel separator
 *   U+200B-200D    zero width space, non-joiner, joiner
 *   U+2060-2064    word joiner and invisible operators
 *   U+206A-206F    deprecated format characters
 *   U+3164, FFA0   Hangul fillers (used to make names look empty)
 *   U+FFF9-FFFB    interlinear annotation controls
 * Kept on purpose: variation selectors and tag characters, which emoji
 * need, and combining marks.  Dropping U+200D breaks some emoji
 * sequences into their parts; they stay readable, and ZWJ is also a
 * way to hide text, so it goes.
 */
static int
invisible(unsigned int c)
{
	return c == 0x00AD || c == 0x061C ||
	    c == 0x115F || c == 0x1160 || c == 0x180E ||
	    (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0x202A && c <= 0x202E) ||
	    (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x206F) ||
	    c == 0x3164 || c == 0xFEFF || c == 0xFFA0 ||
	    (c >= 0xFFF9 && c <= 0xFFFB);
}

/*
 * What a code point becomes: itself, another one (a space), or nothing
 * (returns 0, as no kept character is NUL).
 *   NUL              U+FFFD (it may hide the rest of a C string)
 *   TAB              kept, or a space on one line
 *   LF               kept, or a space on one line
 *   CR               removed (CRLF becomes LF), or a space on one line
 *   U+2028, U+2029   line/paragraph separators: LF, or a space
 *   other C0, DEL, C1 (U+0080-009F) and the invisible list: removed
 */
static unsigned int
display_map(unsigned int c, int multiline)
{
	if (c == 0)
		return REPLACEMENT;
	if (c == '\t' || c == '\n')
		return multiline ? c : ' ';
	if (c == '\r')
		return multiline ? 0 : ' ';
	if (c == 0x2028 || c == 0x2029)
		return multiline ? '\n' : ' ';
	if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
		return 0;
	if (invisible(c))
		return 0;
	return c;
}

/* Encodes c as UTF-8 into out (if not NULL); returns its length. */
static size_t
utf8_encode(unsigned int c, char *out)
{
	unsigned char	 b[4];
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

/*
 * One pass over the input; writes to out if it is not NULL.  Returns
 * the output length.  Run twice (measure, then write) so the result is
 * allocated exactly: bodies can be large, and a guessed 3x buffer
 * would triple their peak memory.
 */
static size_t
sanitize_pass(const unsigned char *s, size_t len, int multiline, char *out)
{
	size_t		 i = 0, o = 0, n;
	unsigned int	 c;

	while (i < len) {
		n = utf8_decode(s + i, len - i, &c);
		i += n;
		if ((c = display_map(c, multiline)) != 0)
			o += utf8_encode(c, out != NULL ? out + o : NULL);
	}
	return o;
}

char *
sanitize_for_display(const char *s, size_t len, int multiline)
{
	const unsigned char	*in = (const unsigned char *)s;
	size_t			 n;
	char			*out;

	if (s == NULL)
		len = 0;
	n = sanitize_pass(in, len, multiline, NULL);
	out = xmalloc(n + 1);
	sanitize_pass(in, len, multiline, out);
	out[n] = '\0';
	return out;
}
