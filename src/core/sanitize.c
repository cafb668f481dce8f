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
		/*
		 * An invalid sequence becomes one U+FFFD for its maximal
		 * subpart, so every bad byte is covered exactly once and the
		 * next valid character is never swallowed.
		 */
		if ((n = utf8_decode(s + i, len - i, &c)) == 0) {
			n = utf8_span(s + i, len - i);
			c = REPLACEMENT;
		}
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
