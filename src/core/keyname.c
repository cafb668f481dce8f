/*
 * keyname.c - the names of keys in the [keys] sections of tern.conf(5)
 * and in the help the UI shows: "j", "C-x", "<PgDn>", "<F5>" to a TKEY
 * code and back.  Pure functions, any thread; no curses here (the UI
 * maps the terminal's codes to TKEY codes itself).
 *
 * A control character the UI reports as a named key is parsed as that
 * key (C-i is <Tab>, C-m and C-j are <Enter>, C-h is <Backspace>, C-[
 * is <Esc>), so a binding never names a code the UI cannot produce.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core.h"

static const struct {
	const char	*name;		/* canonical */
	int		 key;
} keyname_names[] = {
	{ "<Up>", TKEY_UP },
	{ "<Down>", TKEY_DOWN },
	{ "<Left>", TKEY_LEFT },
	{ "<Right>", TKEY_RIGHT },
	{ "<PgUp>", TKEY_PGUP },
	{ "<PgDn>", TKEY_PGDN },
	{ "<Home>", TKEY_HOME },
	{ "<End>", TKEY_END },
	{ "<Enter>", TKEY_ENTER },
	{ "<Tab>", TKEY_TAB },
	{ "<BTab>", TKEY_BTAB },
	{ "<Backspace>", TKEY_BACKSPACE },
	{ "<Del>", TKEY_DELETE },
	{ "<Insert>", TKEY_INSERT },
	{ "<Esc>", TKEY_ESC },
	{ "<Space>", TKEY_SPACE },
};
#define KEYNAME_N	(sizeof keyname_names / sizeof keyname_names[0])

/* Names people write for keys that have another name here. */
static const struct {
	const char	*alias;
	const char	*name;
} keyname_aliases[] = {
	{ "PageUp", "<PgUp>" }, { "PageDown", "<PgDn>" },
	{ "PgDown", "<PgDn>" }, { "Return", "<Enter>" }, { "CR", "<Enter>" },
	{ "Delete", "<Del>" }, { "Escape", "<Esc>" }, { "Ins", "<Insert>" },
	{ "BackTab", "<BTab>" }, { "S-Tab", "<BTab>" }, { "BS", "<Backspace>" },
	{ "Spc", "<Space>" },
};

/* The key a control code stands for: C-i is what the UI calls <Tab>. */
static int
keyname_ctrl(int c)
{
	switch (c) {
	case '\t':
		return TKEY_TAB;
	case '\n':
	case '\r':
		return TKEY_ENTER;
	case '\b':
		return TKEY_BACKSPACE;
	case 27:
		return TKEY_ESC;
	default:
		return c;
	}
}

/* 1 if c is a character a key name may be (visible, not a control). */
static int
keyname_printable(unsigned int c)
{
	if (c <= 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xAD)
		return 0;
	/* Zero-width and bidi controls: invisible in a binding. */
	if ((c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
	    (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF)
		return 0;
	return c <= 0x10FFFF;
}

int
keyname_parse(const char *s, int *key)
{
	unsigned int	 cp;
	size_t		 len, n, i;
	char		 c;

	if (s == NULL || (len = strlen(s)) == 0)
		return -1;
	if (s[0] == '<' && len > 2 && s[len - 1] == '>') {
		n = len - 2;
		for (i = 0; i < KEYNAME_N; i++)
			if (strcasecmp(s, keyname_names[i].name) == 0) {
				*key = keyname_names[i].key;
				return 0;
			}
		if ((s[1] == 'F' || s[1] == 'f') && n >= 2 && n <= 3 &&
		    s[2] >= '1' && s[2] <= '9') {
			i = (size_t)(s[2] - '0');
			if (n == 3) {
				if (s[3] < '0' || s[3] > '9')
					return -1;
				i = i * 10 + (size_t)(s[3] - '0');
			}
			if (i >= 1 && i <= 12) {
				*key = TKEY_F1 + (int)i - 1;
				return 0;
			}
		}
		return -1;
	}
	/* "C-x" and "^X": control and a letter (or one of @[\]^_). */
	if (len == 3 && s[0] == 'C' && s[1] == '-')
		c = s[2];
	else if (len == 2 && s[0] == '^')
		c = s[1];
	else
		c = 0;
	if (c != 0) {
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < '@' || c > '_')
			return -1;
		if (TKEY_CTRL(c) == 0)
			return -1;	/* C-@ is NUL: no key */
		*key = keyname_ctrl(TKEY_CTRL(c));
		return 0;
	}
	n = utf8_decode((const unsigned char *)s, len, &cp);
	if (n == 0 || n != len || !keyname_printable(cp))
		return -1;
	*key = (int)cp;
	return 0;
}

const char *
keyname_format(int key, char *buf, size_t size)
{
	char	 u[UTF8_CHAR_MAX + 1];
	size_t	 i, n;

	if (size == 0)
		return buf;
	for (i = 0; i < KEYNAME_N; i++)
		if (keyname_names[i].key == key) {
			snprintf(buf, size, "%s", keyname_names[i].name);
			return buf;
		}
	if (key >= TKEY_F1 && key < TKEY_F1 + 12)
		snprintf(buf, size, "<F%d>", key - TKEY_F1 + 1);
	else if (key == TKEY_RESIZE)
		snprintf(buf, size, "<Resize>");
	else if (key == TKEY_MOUSE)
		snprintf(buf, size, "<Mouse>");
	else if (key >= 1 && key <= 31 && keyname_ctrl(key) != key) {
		/* Reported as a named key by the UI; name what it means. */
		return keyname_format(keyname_ctrl(key), buf, size);
	} else if (key >= 1 && key <= 31)
		snprintf(buf, size, "C-%c", key <= 26 ? (char)(key - 1 + 'a') :
		    (char)(key + '@'));
	else if (key == ' ')
		snprintf(buf, size, "<Space>");
	else if (key == 127)
		snprintf(buf, size, "<Backspace>");
	else if (key > 0 && keyname_printable((unsigned int)key)) {
		n = utf8_encode((unsigned int)key, u);
		u[n] = '\0';
		snprintf(buf, size, "%s", u);
	} else
		snprintf(buf, size, "<U+%04X>", (unsigned int)key);
	return buf;
}

const char *
keyname_suggest(const char *s)
{
	const char	*best = NULL;
	char		 want[64], have[16];
	size_t		 i, j, d, bestd = 3, len;

	if (s == NULL || s[0] != '<' || (len = strlen(s)) < 3 ||
	    s[len - 1] != '>' || len >= sizeof want)
		return NULL;
	for (i = 0; i < sizeof keyname_aliases / sizeof keyname_aliases[0];
	    i++)
		if (strlen(keyname_aliases[i].alias) == len - 2 &&
		    strncasecmp(s + 1, keyname_aliases[i].alias, len - 2) == 0)
			return keyname_aliases[i].name;
	for (j = 0; j <= len; j++)
		want[j] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] - 'A' + 'a' :
		    s[j]);
	for (i = 0; i < KEYNAME_N; i++) {
		for (j = 0; keyname_names[i].name[j] != '\0'; j++) {
			char	 c = keyname_names[i].name[j];

			have[j] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' :
			    c);
		}
		have[j] = '\0';
		d = edit_distance(want, have);
		if (d < bestd) {
			bestd = d;
			best = keyname_names[i].name;
		}
	}
	return best;
}
