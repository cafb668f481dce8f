/*
 * ui.h - the interface of the UI layer (src/ui): themes, and the
 * terminal UI built on them.  Only src/ui and main.c include it; every
 * function here runs on the UI thread unless its comment says otherwise.
 * Nothing in this header needs curses: the tty code maps the plain
 * styles below to curses attributes.
 */
#ifndef TERN_UI_H
#define TERN_UI_H

#include <stddef.h>

/* ---- theme.c: colour themes, parsed without curses (any thread). ---- */

/* What the screen draws; each has one style in a theme. */
enum theme_obj {
	THEME_DEFAULT, THEME_BORDER, THEME_TITLE,
	THEME_FOLDER, THEME_FOLDER_UNREAD, THEME_FOLDER_SELECTED, THEME_FOLDER_ACCOUNT, THEME_FOLDER_ERROR,
	THEME_LIST, THEME_LIST_UNREAD, THEME_LIST_FLAGGED, THEME_LIST_DELETED, THEME_LIST_SELECTED, THEME_LIST_THREAD, THEME_LIST_MARKED, THEME_LIST_ACCOUNT,
	THEME_PAGER, THEME_PAGER_HEADER, THEME_PAGER_HEADER_NAME, THEME_PAGER_QUOTE_1, THEME_PAGER_QUOTE_2, THEME_PAGER_QUOTE_3, THEME_PAGER_QUOTE_4,
	THEME_PAGER_SIGNATURE, THEME_PAGER_URL, THEME_PAGER_PART, THEME_PAGER_NOTE,
	THEME_STATUS, THEME_STATUS_ERROR, THEME_STATUS_PROGRESS, THEME_PROMPT, THEME_HELP,
	THEME_NOBJ
};
#define THEME_ATTR_BOLD 0x01
#define THEME_ATTR_UNDERLINE 0x02
#define THEME_ATTR_REVERSE 0x04
#define THEME_ATTR_DIM 0x08
#define THEME_ATTR_ITALIC 0x10
#define THEME_ATTR_BLINK 0x20
#define THEME_COLOR_DEFAULT (-1)
struct theme_style { int fg, bg; /* THEME_COLOR_DEFAULT or 0..255 */ unsigned attrs; };
struct theme { struct theme_style style[THEME_NOBJ]; int colors; /* 0, 16 or 256: the most the theme uses */ };
/* The object's file name, e.g. "list_unread"; NULL past the end. */
const char	*theme_obj_name(enum theme_obj);
/* The built-in default (what themes/default says; used when no file). */
void		 theme_default(struct theme *);
/* Loads path over the built-in default. Bad lines are skipped and reported as "FILE:LINE: reason" strings in *warnings (caller frees with theme_warnings_free); returns -1 only if the file can't be read (errp). */
int		 theme_load(const char *path, struct theme *, char ***warnings, size_t *nwarnings, char **errp);
/* Frees the warnings of theme_load(); NULL is a no-op. */
void		 theme_warnings_free(char **, size_t);
/* Attributes only (for NO_COLOR or a terminal without colour): drops every fg/bg, keeps attrs; the selected/unread objects keep a visible attribute (reverse/bold). */
void		 theme_monochrome(struct theme *);
/* Finds a theme by name: an absolute/relative path if it contains '/', else $XDG_CONFIG_HOME/tern/themes/NAME, then DATADIR "/themes/" NAME (DATADIR is a -D macro from config.mk), then ./themes/NAME (for running from the source tree). Caller frees; NULL if none. */
char		*theme_find(const char *name);

/* ---- ui.c: the loop. ---- */

struct config;
struct engine;

/*
 * Runs the terminal UI over cfg's accounts until the user quits.
 * engines[i] is account i's engine (borrowed; NULL entries or a NULL
 * array: offline) and notes[i] why it is missing (or NULL), shown in
 * the status line.  Returns the exit status: 0, or 1 (2 for a bad
 * [keys] line) with *errp saying why.
 */
int	 ui_run(struct config *cfg, struct engine **engines, char **notes,
	    char **errp);
/* ---- ui_compose.c ---- */
/* ui_run() opens the composer for this mailto: URL (RFC 6068) first. */
void	 ui_set_mailto(const char *url);

#endif
