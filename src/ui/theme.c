/*
 * theme.c - colour themes: the built-in default and theme files of
 * "object.attr = value" lines (aerc's stylesets, tern-themes(5)).  Plain
 * data, no curses: the tty code maps a struct theme_style to curses
 * attributes.  Pure apart from reading the file; any thread (the UI
 * thread in practice).
 *
 * A theme file is the user's own, but a mistake in it must never stop
 * tern: a bad line is skipped and reported, the rest still applies.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "ui.h"

#ifndef DATADIR
#define DATADIR "/usr/local/share/tern"
#endif

#define THEME_LINE_MAX		4096
#define THEME_WARNINGS_MAX	100
/* Longest name echoed back in a warning. */
#define THEME_ECHO_MAX		40

static const char *const theme_names[THEME_NOBJ] = {
	[THEME_DEFAULT] = "default",
	[THEME_BORDER] = "border",
	[THEME_TITLE] = "title",
	[THEME_FOLDER] = "folder",
	[THEME_FOLDER_UNREAD] = "folder_unread",
	[THEME_FOLDER_SELECTED] = "folder_selected",
	[THEME_FOLDER_ACCOUNT] = "folder_account",
	[THEME_FOLDER_ERROR] = "folder_error",
	[THEME_LIST] = "list",
	[THEME_LIST_UNREAD] = "list_unread",
	[THEME_LIST_FLAGGED] = "list_flagged",
	[THEME_LIST_DELETED] = "list_deleted",
	[THEME_LIST_SELECTED] = "list_selected",
	[THEME_LIST_THREAD] = "list_thread",
	[THEME_LIST_MARKED] = "list_marked",
	[THEME_LIST_ACCOUNT] = "list_account",
	[THEME_PAGER] = "pager",
	[THEME_PAGER_HEADER] = "pager_header",
	[THEME_PAGER_HEADER_NAME] = "pager_header_name",
	[THEME_PAGER_QUOTE_1] = "pager_quote_1",
	[THEME_PAGER_QUOTE_2] = "pager_quote_2",
	[THEME_PAGER_QUOTE_3] = "pager_quote_3",
	[THEME_PAGER_QUOTE_4] = "pager_quote_4",
	[THEME_PAGER_SIGNATURE] = "pager_signature",
	[THEME_PAGER_URL] = "pager_url",
	[THEME_PAGER_PART] = "pager_part",
	[THEME_PAGER_NOTE] = "pager_note",
	[THEME_STATUS] = "status",
	[THEME_STATUS_ERROR] = "status_error",
	[THEME_STATUS_PROGRESS] = "status_progress",
	[THEME_PROMPT] = "prompt",
	[THEME_HELP] = "help",
};

#define D	THEME_COLOR_DEFAULT
#define B	THEME_ATTR_BOLD
#define U	THEME_ATTR_UNDERLINE
#define I	THEME_ATTR_ITALIC

/* The built-in default: keep in step with themes/default (a test checks). */
static const struct theme_style theme_builtin[THEME_NOBJ] = {
	[THEME_DEFAULT] =		{ D, D, 0 },
	[THEME_BORDER] =		{ 240, D, 0 },
	[THEME_TITLE] =			{ 252, 236, B },
	[THEME_FOLDER] =		{ 250, D, 0 },
	[THEME_FOLDER_UNREAD] =		{ 255, D, B },
	[THEME_FOLDER_SELECTED] =	{ 255, 24, B },
	[THEME_FOLDER_ACCOUNT] =	{ 110, D, B },
	[THEME_FOLDER_ERROR] =		{ 203, D, 0 },
	[THEME_LIST] =			{ 250, D, 0 },
	[THEME_LIST_UNREAD] =		{ 255, D, B },
	[THEME_LIST_FLAGGED] =		{ 214, D, 0 },
	[THEME_LIST_DELETED] =		{ 242, D, 0 },
	[THEME_LIST_SELECTED] =		{ 255, 24, 0 },
	[THEME_LIST_THREAD] =		{ 244, D, 0 },
	[THEME_LIST_MARKED] =		{ 229, 58, 0 },
	[THEME_LIST_ACCOUNT] =		{ 109, D, 0 },
	[THEME_PAGER] =			{ D, D, 0 },
	[THEME_PAGER_HEADER] =		{ 250, D, 0 },
	[THEME_PAGER_HEADER_NAME] =	{ 110, D, B },
	[THEME_PAGER_QUOTE_1] =		{ 108, D, 0 },
	[THEME_PAGER_QUOTE_2] =		{ 137, D, 0 },
	[THEME_PAGER_QUOTE_3] =		{ 104, D, 0 },
	[THEME_PAGER_QUOTE_4] =		{ 139, D, 0 },
	[THEME_PAGER_SIGNATURE] =	{ 244, D, 0 },
	[THEME_PAGER_URL] =		{ 74, D, U },
	[THEME_PAGER_PART] =		{ 179, D, B },
	[THEME_PAGER_NOTE] =		{ 244, D, I },
	[THEME_STATUS] =		{ 252, 236, 0 },
	[THEME_STATUS_ERROR] =		{ 231, 124, B },
	[THEME_STATUS_PROGRESS] =	{ 179, 236, 0 },
	[THEME_PROMPT] =		{ 255, D, B },
	[THEME_HELP] =			{ 250, 235, 0 },
};

#undef D
#undef B
#undef U
#undef I

enum theme_attr { THEME_FG, THEME_BG, THEME_FLAG };

static const struct theme_attr_name {
	const char	*name;
	enum theme_attr	 kind;
	unsigned	 flag;
} theme_attrs[] = {
	{ "fg", THEME_FG, 0 },
	{ "bg", THEME_BG, 0 },
	{ "bold", THEME_FLAG, THEME_ATTR_BOLD },
	{ "underline", THEME_FLAG, THEME_ATTR_UNDERLINE },
	{ "reverse", THEME_FLAG, THEME_ATTR_REVERSE },
	{ "dim", THEME_FLAG, THEME_ATTR_DIM },
	{ "italic", THEME_FLAG, THEME_ATTR_ITALIC },
	{ "blink", THEME_FLAG, THEME_ATTR_BLINK },
};
#define THEME_NATTRS	(sizeof theme_attrs / sizeof theme_attrs[0])

static const char *const theme_colour_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

/* The reader's state: where warnings go. */
struct theme_parse {
	const char	*path;
	size_t		 line;
	char		**warnings;
	size_t		 nwarnings;
};

const char *
theme_obj_name(enum theme_obj o)
{
	if ((int)o < 0 || o >= THEME_NOBJ)
		return NULL;
	return theme_names[o];
}

/* 16 if every colour is one of the 16 basic ones, 256 if not, 0 if none. */
static int
theme_count_colors(const struct theme *t)
{
	int	 most = 0, c, i, j;

	for (i = 0; i < THEME_NOBJ; i++) {
		for (j = 0; j < 2; j++) {
			c = j == 0 ? t->style[i].fg : t->style[i].bg;
			if (c == THEME_COLOR_DEFAULT)
				continue;
			if (c > 15)
				return 256;
			most = 16;
		}
	}
	return most;
}

void
theme_default(struct theme *t)
{
	memcpy(t->style, theme_builtin, sizeof t->style);
	t->colors = theme_count_colors(t);
}

void
theme_monochrome(struct theme *t)
{
	int	 i;

	for (i = 0; i < THEME_NOBJ; i++)
		t->style[i].fg = t->style[i].bg = THEME_COLOR_DEFAULT;
	/* Without colour, these would look like their neighbours. */
	t->style[THEME_FOLDER_SELECTED].attrs |= THEME_ATTR_REVERSE;
	t->style[THEME_LIST_SELECTED].attrs |= THEME_ATTR_REVERSE;
	t->style[THEME_FOLDER_UNREAD].attrs |= THEME_ATTR_BOLD;
	t->style[THEME_LIST_UNREAD].attrs |= THEME_ATTR_BOLD;
	t->colors = 0;
}

void
theme_warnings_free(char **w, size_t n)
{
	size_t	 i;

	if (w == NULL)
		return;
	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static void
theme_warn(struct theme_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds "FILE:LINE: reason" to the warnings (a bounded number of them). */
static void
theme_warn(struct theme_parse *p, const char *fmt, ...)
{
	va_list	 ap;
	char	*reason, *msg;

	if (p->nwarnings > THEME_WARNINGS_MAX)
		return;
	if (p->nwarnings == THEME_WARNINGS_MAX)
		reason = xstrdup("too many mistakes; not reporting more");
	else {
		va_start(ap, fmt);
		reason = xvasprintf(fmt, ap);
		va_end(ap);
	}
	msg = xasprintf("%s:%zu: %s", p->path, p->line, reason);
	free(reason);
	p->warnings = xrealloc(p->warnings, (p->nwarnings + 1) *
	    sizeof *p->warnings);
	p->warnings[p->nwarnings++] = msg;
}

/* Text from the file as it may appear in a warning: shortened, safe. */
static char *
theme_echo(const char *s)
{
	size_t	 len = strlen(s), n = len;
	char	*safe, *out;

	if (n > THEME_ECHO_MAX) {
		n = THEME_ECHO_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;		/* not inside a UTF-8 sequence */
	}
	safe = sanitize_for_display(s, n, 0);
	out = xasprintf("%s%s", safe, n < len ? "..." : "");
	free(safe);
	return out;
}

/* The candidate within a typo of word, or NULL. */
static const char *
theme_suggest(const char *word, const char *const *cand, size_t n)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = SIZE_MAX;

	if (strlen(word) > 64)
		return NULL;
	for (i = 0; i < n; i++) {
		if (cand[i] == NULL)
			continue;
		d = edit_distance(word, cand[i]);
		if (d < bestd) {
			bestd = d;
			best = cand[i];
		}
	}
	/* Two typos only in a longer word: "true" is not a misspelt "blue". */
	if (bestd == 1 ? strlen(word) > 1 : bestd == 2 && strlen(word) >= 6)
		return best;
	return NULL;
}

/* Glob with '*' only (no recursion, no backtracking blow-up). */
static int
theme_glob(const char *pat, const char *s)
{
	const char	*star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static int
theme_bool(const char *v, unsigned *on)
{
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
		*on = 1;
	else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0)
		*on = 0;
	else
		return -1;
	return 0;
}

/* The number 0..255 written in s (decimal digits only), or -1. */
static int
theme_number(const char *s)
{
	int	 n = 0;
	size_t	 i;

	if (*s == '\0' || strlen(s) > 3)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n <= 255 ? n : -1;
}

static int
theme_dist(int r1, int g1, int b1, int r2, int g2, int b2)
{
	return (r1 - r2) * (r1 - r2) + (g1 - g2) * (g1 - g2) +
	    (b1 - b2) * (b1 - b2);
}

/*
 * The nearest xterm-256 colour to r, g, b: the 6x6x6 cube (16-231) or
 * the grey ramp (232-255); never 0-15, whose look the terminal decides.
 */
static int
theme_rgb(int r, int g, int b)
{
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	int		 qr, qg, qb, avg, gi, grey;

#define Q(v)	((v) < 48 ? 0 : (v) < 115 ? 1 : ((v) - 35) / 40)
	qr = Q(r);
	qg = Q(g);
	qb = Q(b);
#undef Q
	avg = (r + g + b) / 3;
	gi = avg > 238 ? 23 : avg < 3 ? 0 : (avg - 3) / 10;
	grey = 8 + 10 * gi;
	if (theme_dist(grey, grey, grey, r, g, b) <
	    theme_dist(level[qr], level[qg], level[qb], r, g, b))
		return 232 + gi;
	return 16 + 36 * qr + 6 * qg + qb;
}

/* A colour value (tern-themes(5)); 0 and *c, or -1. */
static int
theme_colour(const char *v, int *c)
{
	const char	*name = v;
	int		 i, base = 0, hex[6];

	if (strcasecmp(v, "default") == 0) {
		*c = THEME_COLOR_DEFAULT;
		return 0;
	}
	if (v[0] == '#') {
		for (i = 0; i < 6; i++)
			if ((hex[i] = hexval((unsigned char)v[i + 1])) == -1)
				return -1;
		if (v[7] != '\0')
			return -1;
		*c = theme_rgb(hex[0] * 16 + hex[1], hex[2] * 16 + hex[3],
		    hex[4] * 16 + hex[5]);
		return 0;
	}
	if (strncasecmp(v, "color", 5) == 0)
		return (*c = theme_number(v + 5)) == -1 ? -1 : 0;
	if ((*c = theme_number(v)) != -1)
		return 0;
	if (strncasecmp(v, "bright-", 7) == 0) {
		name = v + 7;
		base = 8;
	}
	for (i = 0; i < 8; i++) {
		if (strcasecmp(name, theme_colour_names[i]) == 0) {
			*c = base + i;
			return 0;
		}
	}
	return -1;
}

static void
theme_bad_colour(struct theme_parse *p, const char *v)
{
	static const char *const all[] = { "default", "black", "red",
	    "green", "yellow", "blue", "magenta", "cyan", "white",
	    "bright-black", "bright-red", "bright-green", "bright-yellow",
	    "bright-blue", "bright-magenta", "bright-cyan", "bright-white" };
	const char	*best = theme_suggest(v, all, sizeof all / sizeof all[0]);
	char		*e = theme_echo(v);

	if (best != NULL)
		theme_warn(p, "unknown colour '%s' (did you mean '%s'?)", e,
		    best);
	else
		theme_warn(p, "bad colour '%s' (a name, 0-255, colorN or "
		    "#rrggbb)", e);
	free(e);
}

/* Sets *mask to the objects pat names; -1 (and a warning) if none. */
static int
theme_objects(struct theme_parse *p, const char *pat, int *match)
{
	const char	*best;
	char		*e;
	int		 i, any = 0;

	for (i = 0; i < THEME_NOBJ; i++) {
		match[i] = strchr(pat, '*') != NULL ?
		    theme_glob(pat, theme_names[i]) :
		    strcmp(pat, theme_names[i]) == 0;
		any |= match[i];
	}
	if (any)
		return 0;
	e = theme_echo(pat);
	if (strchr(pat, '*') != NULL)
		theme_warn(p, "'%s' matches no object", e);
	else if ((best = theme_suggest(pat, theme_names, THEME_NOBJ)) != NULL)
		theme_warn(p, "unknown object '%s' (did you mean '%s'?)", e,
		    best);
	else
		theme_warn(p, "unknown object '%s'", e);
	free(e);
	return -1;
}

static const struct theme_attr_name *
theme_attr(struct theme_parse *p, const char *name)
{
	const char	*cand[THEME_NATTRS], *best;
	char		*e;
	size_t		 i;

	for (i = 0; i < THEME_NATTRS; i++) {
		if (strcmp(name, theme_attrs[i].name) == 0)
			return &theme_attrs[i];
		cand[i] = theme_attrs[i].name;
	}
	e = theme_echo(name);
	if ((best = theme_suggest(name, cand, THEME_NATTRS)) != NULL)
		theme_warn(p, "unknown attribute '%s' (did you mean '%s'?)", e,
		    best);
	else
		theme_warn(p, "unknown attribute '%s' (fg, bg, bold, underline, "
		    "reverse, dim, italic or blink)", e);
	free(e);
	return NULL;
}

static char *
theme_trim(char *s, char *end)
{
	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* One line of a theme file: applied to t, or skipped with a warning. */
static void
theme_line(struct theme_parse *p, struct theme *t, char *line)
{
	const struct theme_attr_name *a;
	char		*key, *val, *end, *rest, *dot, *e;
	int		 match[THEME_NOBJ], colour = 0, i;
	unsigned	 on = 0;

	line += strspn(line, " \t");
	if (*line == '\0' || *line == '#')
		return;
	if ((val = strchr(line, '=')) == NULL || val == line) {
		theme_warn(p, "expected 'object.attribute = value'");
		return;
	}
	*val++ = '\0';
	key = theme_trim(line, val - 1);
	val += strspn(val, " \t");
	if (val[0] == '#' && (val[1] == '\0' || val[1] == ' ' ||
	    val[1] == '\t'))
		*val = '\0';		/* only a comment */
	end = val + strcspn(val, " \t");
	rest = end + strspn(end, " \t");
	if (*rest != '\0' && *rest != '#') {
		e = theme_echo(rest);
		theme_warn(p, "unexpected '%s' after the value", e);
		free(e);
		return;
	}
	*end = '\0';
	if ((dot = strrchr(key, '.')) == NULL) {
		e = theme_echo(key);
		theme_warn(p, "'%s' is not object.attribute", e);
		free(e);
		return;
	}
	*dot = '\0';
	if (theme_objects(p, key, match) == -1 ||
	    (a = theme_attr(p, dot + 1)) == NULL)
		return;
	if (*val == '\0') {
		theme_warn(p, "%s.%s needs a value", key, a->name);
		return;
	}
	if (a->kind == THEME_FLAG && theme_bool(val, &on) == -1) {
		e = theme_echo(val);
		theme_warn(p, "%s needs true or false, not '%s'", a->name, e);
		free(e);
		return;
	}
	if (a->kind != THEME_FLAG && theme_colour(val, &colour) == -1) {
		theme_bad_colour(p, val);
		return;
	}
	for (i = 0; i < THEME_NOBJ; i++) {
		if (!match[i])
			continue;
		if (a->kind == THEME_FG)
			t->style[i].fg = colour;
		else if (a->kind == THEME_BG)
			t->style[i].bg = colour;
		else if (on)
			t->style[i].attrs |= a->flag;
		else
			t->style[i].attrs &= ~a->flag;
	}
}

int
theme_load(const char *path, struct theme *t, char ***warnings,
    size_t *nwarnings, char **errp)
{
	struct theme_parse p = { .path = path };
	struct stat	 st;
	FILE		*fp;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 len;

	*warnings = NULL;
	*nwarnings = 0;
	theme_default(t);
	if ((fp = fopen(path, "re")) == NULL) {
		seterr(errp, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1) {
		seterr(errp, "%s: cannot open: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(errp, "%s: cannot open: %s", path, S_ISDIR(st.st_mode) ?
		    strerror(EISDIR) : "not a regular file");
		fclose(fp);
		return -1;
	}
	while ((len = getline(&line, &size, fp)) != -1) {
		p.line++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len > THEME_LINE_MAX)
			theme_warn(&p, "line longer than %d bytes",
			    THEME_LINE_MAX);
		else if (strlen(line) != (size_t)len)
			theme_warn(&p, "NUL byte in the line");
		else
			theme_line(&p, t, line);
	}
	if (ferror(fp)) {
		seterr(errp, "%s: cannot read: %s", path, strerror(errno));
		free(line);
		fclose(fp);
		theme_warnings_free(p.warnings, p.nwarnings);
		theme_default(t);
		return -1;
	}
	free(line);
	fclose(fp);
	t->colors = theme_count_colors(t);
	*warnings = p.warnings;
	*nwarnings = p.nwarnings;
	return 0;
}

static int
theme_is_file(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *
theme_find(const char *name)
{
	char	*path, *cfg, *slash;

	if (name == NULL || *name == '\0')
		return NULL;
	if (strchr(name, '/') != NULL)
		return theme_is_file(name) ? xstrdup(name) : NULL;
	/* Beside the configuration file: $XDG_CONFIG_HOME/tern/themes. */
	if ((cfg = config_default_path()) != NULL &&
	    (slash = strrchr(cfg, '/')) != NULL) {
		*slash = '\0';
		path = xasprintf("%s/themes/%s", cfg, name);
		free(cfg);
		if (theme_is_file(path))
			return path;
		free(path);
	} else
		free(cfg);
	path = xasprintf("%s/themes/%s", DATADIR, name);
	if (theme_is_file(path))
		return path;
	free(path);
	path = xasprintf("themes/%s", name);
	if (theme_is_file(path))
		return path;
	free(path);
	return NULL;
}
