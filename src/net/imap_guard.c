/*
 * imap_guard.c - an incremental lexer over every byte an IMAP server
 * sends, run by the stream driver (tls.c) on each chunk it reads,
 * before libetpan's response parser sees the chunk.  Run by the thread
 * that owns the session, like the driver.
 *
 * libetpan 1.9.4 parses a response with unbounded recursion and trusts
 * what the server announces (LIBETPAN.md 3.9); the guard refuses, and
 * the driver then reports a stream error so the session is dropped:
 *
 *   - a response nested deeper than IMAP_GUARD_DEPTH_MAX parentheses
 *     (100,000 levels of BODYSTRUCTURE overflow the stack; SECURITY.md
 *     #22);
 *   - a literal announced with more than 10 digits or over
 *     IMAP_GUARD_LITERAL_MAX bytes, or literals over that in one
 *     response (libetpan wraps {4294967296} to 0 and allocates what
 *     {4294967295} says; SECURITY.md #27);
 *   - more than IMAP_GUARD_LINE_MAX bytes of one response outside its
 *     literals (libetpan keeps a response in memory whole);
 *   - an [ALERT] or [PARSE] code with no text after it in a status
 *     response (OK, NO, BAD, BYE, PREAUTH): libetpan strdup()s the
 *     missing text (NULL) and crashes (SECURITY.md #7, #13);
 *   - response text ending like a literal header ("{N}" CRLF) where
 *     tern's readers disagree on it: inside a [BADCHARSET ...] code
 *     (the one place in text where libetpan reads a literal, and only
 *     when the whole code parses) and in an untagged status response
 *     (libetpan reads text, imap_fetch.c's reader skips a literal).
 *     Either way a literal's bytes could be lines to one reader and
 *     skipped by the other, hiding the rest from the guard.
 *
 * To be right, the guard must agree with libetpan on which bytes are
 * literal data: bytes it skips as a literal that libetpan parses as
 * lines would hide a nested bomb.  So it follows libetpan's lexical
 * rules: a line ends at LF (libetpan's read_line); a literal is "{",
 * digits, "}", an optional CR and LF, anywhere outside a quoted string
 * in a line libetpan parses as data ("* 1 FETCH", "* LIST"...).  In a
 * status response (a tag or "*", then OK, NO, BAD, BYE or PREAUTH) and
 * in a continuation ("+"), the rest of the line is response text for
 * libetpan: no literal, no nesting, no quoted string.  Separators are
 * SP or TAB, words are case-insensitive, as libetpan accepts them.
 * Nothing is ever changed: the driver hands libetpan the same bytes or
 * an error.
 *
 * Cheap: one table lookup per byte outside literals; a literal's bytes
 * are skipped by count, never looked at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net.h"

enum guard_state {
	G_HEAD,		/* line start: blanks before the first word */
	G_TAG,		/* the first word (a tag or "*") */
	G_GAP,		/* blanks after it */
	G_WORD,		/* the second word: a status word? */
	G_DATA,		/* a data line: nesting, quotes, literals */
	G_QUOTED,	/* inside "..." */
	G_QUOTED_ESC,	/* after a backslash in "..." */
	G_LIT_LEN,	/* after "{": digits */
	G_LIT_CLOSE,	/* after "}": CR or LF */
	G_LIT_CR,	/* after "}" CR: LF */
	G_LITERAL,	/* skipping a literal's bytes */
	G_TEXT,		/* response text: blanks before a "[" */
	G_CODE_OPEN,	/* after "[": blanks */
	G_CODE_WORD,	/* the code's name */
	G_CODE_AFTER,	/* blanks after the name, before "]" */
	G_CODE_EMPTY,	/* after [ALERT] or [PARSE]: is there text? */
	G_TEXT_BODY,	/* the rest of the text, up to LF */
	G_REFUSED
};

/* Byte classes outside literals. */
#define C_PLAIN		0
#define C_BLANK		1	/* SP, TAB */
#define C_LF		2
#define C_CR		3
#define C_NUL		4
#define C_OPEN		5	/* ( */
#define C_CLOSE		6	/* ) */
#define C_QUOTE		7	/* " */
#define C_BRACE		8	/* { */

#define GUARD_WORD	12	/* bytes kept of a status or code word */

struct imap_guard {
	enum guard_state state;
	unsigned	 depth;
	uint64_t	 line;		/* bytes of this response, not literal */
	uint64_t	 lit_total;	/* literal bytes of this response */
	uint64_t	 lit_len;	/* announced, or left to skip */
	unsigned	 lit_digits;
	int		 badcharset;	/* this line has [BADCHARSET */
	int		 untagged;	/* this line's first word is "*" */
	int		 text_lit;	/* text: "{digits}" (CR) seen last */
	int		 text_brace;	/* text: 0 none, 1 "{", 2 digits, 3 "}" */
	char		 word[GUARD_WORD + 1];
	size_t		 wlen;
	char		 reason[160];
};

static unsigned char	guard_class[256];
static int		guard_class_ready;

static void
guard_class_init(void)
{
	if (guard_class_ready)
		return;
	/* Benign race: every thread writes the same values. */
	guard_class[' '] = C_BLANK;
	guard_class['\t'] = C_BLANK;
	guard_class['\n'] = C_LF;
	guard_class['\r'] = C_CR;
	guard_class['\0'] = C_NUL;
	guard_class['('] = C_OPEN;
	guard_class[')'] = C_CLOSE;
	guard_class['"'] = C_QUOTE;
	guard_class['{'] = C_BRACE;
	guard_class_ready = 1;
}

struct imap_guard *
imap_guard_new(void)
{
	struct imap_guard	*g = xcalloc(1, sizeof *g);

	guard_class_init();
	g->state = G_HEAD;
	return g;
}

void
imap_guard_free(struct imap_guard *g)
{
	free(g);
}

const char *
imap_guard_error(const struct imap_guard *g)
{
	return g != NULL && g->state == G_REFUSED ? g->reason : NULL;
}

static int
refuse(struct imap_guard *g, const char *why)
{
	snprintf(g->reason, sizeof g->reason, "%s", why);
	g->state = G_REFUSED;
	return -1;
}

/* why has one %llu. */
static int
refuse_n(struct imap_guard *g, const char *why, unsigned long long n)
{
	char	buf[sizeof g->reason];

	snprintf(buf, sizeof buf, why, n);
	return refuse(g, buf);
}

static int
line_too_long(struct imap_guard *g)
{
	return refuse_n(g, "the server sent a response of over %llu bytes "
	    "outside literals", (unsigned long long)IMAP_GUARD_LINE_MAX);
}

/* The end of a response: everything per response starts afresh. */
static void
response_end(struct imap_guard *g)
{
	g->state = G_HEAD;
	g->depth = 0;
	g->line = 0;
	g->lit_total = 0;
	g->badcharset = 0;
	g->untagged = 0;
	g->wlen = 0;
}

static int
word_is(const struct imap_guard *g, const char *w)
{
	return g->wlen == strlen(w) && strncasecmp(g->word, w, g->wlen) == 0;
}

static void
word_add(struct imap_guard *g, unsigned char ch)
{
	if (g->wlen < GUARD_WORD)
		g->word[g->wlen] = (char)ch;
	g->wlen++;
}

/* The second word is done: a status word makes the rest text. */
static int
status_word(const struct imap_guard *g)
{
	return word_is(g, "OK") || word_is(g, "NO") || word_is(g, "BAD") ||
	    word_is(g, "BYE") || word_is(g, "PREAUTH");
}

/* The code's name is done (at a blank or "]"). */
static void
code_word_done(struct imap_guard *g)
{
	if (g->wlen >= 10 && strncasecmp(g->word, "BADCHARSET", 10) == 0)
		g->badcharset = 1;
}

/* A byte of response text after the code (or of a code that is none). */
static int
text_byte(struct imap_guard *g, unsigned char ch)
{
	if (ch == '\n') {
		if ((g->text_brace == 3 || g->text_lit) && g->badcharset)
			return refuse(g, "the server sent a literal inside a "
			    "BADCHARSET response code");
		if ((g->text_brace == 3 || g->text_lit) && g->untagged)
			return refuse(g, "the server sent an untagged status "
			    "response whose text ends like a literal");
		response_end(g);
		return 0;
	}
	if (ch == '\r' && g->text_brace == 3) {
		g->text_lit = 1;
		g->text_brace = 0;
		return 0;
	}
	g->text_lit = 0;
	if (ch == '{')
		g->text_brace = 1;
	else if (ch >= '0' && ch <= '9' && (g->text_brace == 1 ||
	    g->text_brace == 2))
		g->text_brace = 2;
	else if (ch == '}' && g->text_brace == 2)
		g->text_brace = 3;
	else
		g->text_brace = 0;
	g->state = G_TEXT_BODY;
	return 0;
}

static void
text_start(struct imap_guard *g)
{
	g->state = G_TEXT;
	g->text_lit = 0;
	g->text_brace = 0;
	g->wlen = 0;
}

/* A byte of a data line (G_DATA), outside quotes and literals. */
static int
data_byte(struct imap_guard *g, unsigned char ch)
{
	switch (guard_class[ch]) {
	case C_OPEN:
		if (++g->depth > IMAP_GUARD_DEPTH_MAX)
			return refuse_n(g, "the server sent a response nested "
			    "over %llu levels deep",
			    (unsigned long long)IMAP_GUARD_DEPTH_MAX);
		break;
	case C_CLOSE:
		if (g->depth > 0)
			g->depth--;
		break;
	case C_QUOTE:
		g->state = G_QUOTED;
		break;
	case C_BRACE:
		g->state = G_LIT_LEN;
		g->lit_len = 0;
		g->lit_digits = 0;
		break;
	case C_LF:
		response_end(g);
		return 0;
	default:
		break;
	}
	if (g->state != G_QUOTED && g->state != G_LIT_LEN)
		g->state = G_DATA;
	return 0;
}

/* "{N}" CRLF seen: N bytes of literal follow. */
static int
literal_start(struct imap_guard *g)
{
	g->lit_total += g->lit_len;
	if (g->lit_total > IMAP_GUARD_LITERAL_MAX)
		return refuse_n(g, "the server sent a response with over %llu "
		    "bytes of literals", (unsigned long long)
		    IMAP_GUARD_LITERAL_MAX);
	g->state = g->lit_len > 0 ? G_LITERAL : G_DATA;
	return 0;
}

int
imap_guard_feed(struct imap_guard *g, const void *buf, size_t len)
{
	const unsigned char	*p = buf, *end = p + len;
	unsigned char		 ch;
	unsigned		 cl;
	size_t			 n;

	while (p < end) {
		if (g->state == G_REFUSED)
			return -1;
		if (g->state == G_LITERAL) {
			n = (size_t)(end - p);
			if (n > g->lit_len)
				n = (size_t)g->lit_len;
			p += n;
			g->lit_len -= n;
			if (g->lit_len == 0)
				g->state = G_DATA;
			continue;
		}
		if (g->state == G_DATA) {
			/* The hot loop: plain bytes of a data line. */
			while (p < end && guard_class[*p] == C_PLAIN) {
				p++;
				g->line++;
			}
			if (g->line > IMAP_GUARD_LINE_MAX)
				return line_too_long(g);
			if (p == end)
				break;
		}
		ch = *p++;
		cl = guard_class[ch];
		if (++g->line > IMAP_GUARD_LINE_MAX)
			return line_too_long(g);
	again:
		switch (g->state) {
		case G_HEAD:
			if (cl == C_BLANK)
				break;
			if (ch == '+') {
				/* A continuation: "+" resp-text. */
				text_start(g);
				break;
			}
			if (cl != C_PLAIN) {
				g->state = G_DATA;
				goto again;
			}
			g->state = G_TAG;
			g->untagged = ch == '*';
			break;
		case G_TAG:
			if (cl == C_BLANK)
				g->state = G_GAP;
			else if (cl == C_PLAIN)
				g->untagged = 0;
			else {
				g->state = G_DATA;
				goto again;
			}
			break;
		case G_GAP:
			if (cl == C_BLANK)
				break;
			if (cl != C_PLAIN) {
				g->state = G_DATA;
				goto again;
			}
			g->wlen = 0;
			word_add(g, ch);
			g->state = G_WORD;
			break;
		case G_WORD:
			if (cl == C_PLAIN) {
				word_add(g, ch);
				break;
			}
			if (cl == C_BLANK && status_word(g)) {
				text_start(g);
				break;
			}
			g->state = G_DATA;
			goto again;
		case G_DATA:
			if (data_byte(g, ch) == -1)
				return -1;
			break;
		case G_QUOTED:
			if (ch == '\\')
				g->state = G_QUOTED_ESC;
			else if (ch == '"')
				g->state = G_DATA;
			else if (ch == '\n')
				response_end(g);
			break;
		case G_QUOTED_ESC:
			if (ch == '\n')
				response_end(g);
			else
				g->state = G_QUOTED;
			break;
		case G_LIT_LEN:
			if (ch >= '0' && ch <= '9') {
				if (++g->lit_digits > 10)
					return refuse(g, "the server announced a "
					    "literal with a length of over 10 "
					    "digits");
				g->lit_len = g->lit_len * 10 + (ch - '0');
				break;
			}
			if (ch == '}' && g->lit_digits > 0) {
				if (g->lit_len > IMAP_GUARD_LITERAL_MAX)
					return refuse_n(g, "the server announced "
					    "a literal of %llu bytes", (unsigned
					    long long)g->lit_len);
				g->state = G_LIT_CLOSE;
				break;
			}
			/* Not a literal after all. */
			g->state = G_DATA;
			goto again;
		case G_LIT_CLOSE:
			if (ch == '\r') {
				g->state = G_LIT_CR;
				break;
			}
			if (ch == '\n') {
				if (literal_start(g) == -1)
					return -1;
				break;
			}
			g->state = G_DATA;
			goto again;
		case G_LIT_CR:
			if (ch == '\n') {
				if (literal_start(g) == -1)
					return -1;
				break;
			}
			g->state = G_DATA;
			goto again;
		case G_TEXT:
			if (cl == C_BLANK)
				break;
			if (ch == '[') {
				g->state = G_CODE_OPEN;
				break;
			}
			if (text_byte(g, ch) == -1)
				return -1;
			break;
		case G_CODE_OPEN:
			if (cl == C_BLANK)
				break;
			g->wlen = 0;
			g->state = G_CODE_WORD;
			goto again;
		case G_CODE_WORD:
			if (cl == C_BLANK) {
				code_word_done(g);
				g->state = G_CODE_AFTER;
				break;
			}
			if (ch == ']') {
				code_word_done(g);
				g->state = word_is(g, "ALERT") ||
				    word_is(g, "PARSE") ? G_CODE_EMPTY :
				    G_TEXT_BODY;
				break;
			}
			if (cl == C_PLAIN && ch != '[') {
				word_add(g, ch);
				break;
			}
			code_word_done(g);
			if (text_byte(g, ch) == -1)
				return -1;
			break;
		case G_CODE_AFTER:
			if (cl == C_BLANK)
				break;
			if (ch == ']') {
				g->state = word_is(g, "ALERT") ||
				    word_is(g, "PARSE") ? G_CODE_EMPTY :
				    G_TEXT_BODY;
				break;
			}
			if (text_byte(g, ch) == -1)
				return -1;
			break;
		case G_CODE_EMPTY:
			if (cl == C_BLANK)
				break;
			if (cl == C_LF || cl == C_CR || cl == C_NUL)
				return refuse(g, word_is(g, "ALERT") ?
				    "the server sent an [ALERT] with no text" :
				    "the server sent a [PARSE] code with no "
				    "text");
			if (text_byte(g, ch) == -1)
				return -1;
			break;
		case G_TEXT_BODY:
			if (text_byte(g, ch) == -1)
				return -1;
			break;
		case G_LITERAL:
		case G_REFUSED:
			/* Handled above. */
			break;
		}
	}
	return g->state == G_REFUSED ? -1 : 0;
}
