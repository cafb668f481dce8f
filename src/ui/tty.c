/*
 * tty.c - the terminal: the only code in tern that calls curses
 * (ncursesw) to draw or read keys.  Maps the theme to colour pairs,
 * curses key codes to tern's TKEY codes, and measures UTF-8 text in
 * display columns so wide and combining characters line up.  The UI
 * thread only.
 *
 * Every string drawn here has already passed sanitize_for_display();
 * tty_text() still refuses to pass a control character through, so a
 * caller that forgot cannot make the terminal obey message data.
 */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui_int.h"

static attr_t	tty_attrs[THEME_NOBJ];
static int	tty_colors;

static attr_t
tty_attr_bits(unsigned a)
{
	attr_t	 r = 0;

	if (a & THEME_ATTR_BOLD)
		r |= A_BOLD;
	if (a & THEME_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_ATTR_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_ATTR_DIM)
		r |= A_DIM;
#ifdef A_ITALIC
	if (a & THEME_ATTR_ITALIC)
		r |= A_ITALIC;
#endif
	if (a & THEME_ATTR_BLINK)
		r |= A_BLINK;
	return r;
}

/* A theme colour the terminal can show, else the default colour. */
static short
tty_color(int c)
{
	if (c < 0 || c >= COLORS)
		return -1;
	return (short)c;
}

int
tty_max_colors(void)
{
	if (!has_colors())
		return 0;
	start_color();		/* COLORS is known only after this */
	use_default_colors();	/* pair 0 is the terminal's own colours */
	return COLORS;
}

void
tty_set_theme(const struct theme *t)
{
	int	 i;

	tty_colors = has_colors() && t->colors > 0;
	if (tty_colors) {
		start_color();
		use_default_colors();
	}
	for (i = 0; i < THEME_NOBJ; i++) {
		const struct theme_style *s = &t->style[i];

		tty_attrs[i] = tty_attr_bits(s->attrs);
		if (tty_colors && i + 1 < COLOR_PAIRS) {
			init_pair((short)(i + 1), tty_color(s->fg),
			    tty_color(s->bg));
			tty_attrs[i] |= COLOR_PAIR(i + 1);
		}
	}
}

int
tty_init(struct ui *ui, char **errp)
{
	/*
	 * Character classes only (never LC_NUMERIC: engines format
	 * numbers).  Mail is decoded to UTF-8, so the terminal is driven
	 * in UTF-8; a C locale gets C.UTF-8, which Debian always has.
	 */
	setlocale(LC_CTYPE, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	if (initscr() == NULL) {
		seterr(errp, "cannot initialise the terminal");
		return -1;
	}
	raw();			/* ^C, ^Z and ^\ are keys; SIGINT comes by pipe */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (ui->cfg->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED |
		    BUTTON5_PRESSED, NULL);
	getmaxyx(stdscr, ui->rows, ui->cols);
	return 0;
}

void
tty_end(void)
{
	if (!isendwin()) {
		curs_set(1);
		endwin();
	}
}

void
tty_suspend(void)
{
	def_prog_mode();
	endwin();
}

void
tty_resume(void)
{
	reset_prog_mode();
	clearok(stdscr, TRUE);
	refresh();
}

int
tty_key(struct ui *ui)
{
	wint_t	 c;
	int	 rc;

	(void)ui;
	rc = get_wch(&c);
	if (rc == ERR)
		return -1;
	if (rc == KEY_CODE_YES) {
		switch (c) {
		case KEY_UP:		return TKEY_UP;
		case KEY_DOWN:		return TKEY_DOWN;
		case KEY_LEFT:		return TKEY_LEFT;
		case KEY_RIGHT:		return TKEY_RIGHT;
		case KEY_PPAGE:		return TKEY_PGUP;
		case KEY_NPAGE:		return TKEY_PGDN;
		case KEY_HOME:		return TKEY_HOME;
		case KEY_END:		return TKEY_END;
		case KEY_ENTER:		return TKEY_ENTER;
		case KEY_BTAB:		return TKEY_BTAB;
		case KEY_BACKSPACE:	return TKEY_BACKSPACE;
		case KEY_DC:		return TKEY_DELETE;
		case KEY_IC:		return TKEY_INSERT;
		case KEY_RESIZE:	return TKEY_RESIZE;
		case KEY_MOUSE:		return TKEY_MOUSE;
		default:
			if (c >= KEY_F(1) && c <= KEY_F(12))
				return TKEY_F1 + (int)(c - KEY_F(1));
			return -1;
		}
	}
	switch (c) {
	case '\r':
	case '\n':	return TKEY_ENTER;
	case '\t':	return TKEY_TAB;
	case ' ':	return TKEY_SPACE;
	case 27:	return TKEY_ESC;
	case 127:
	case 8:		return TKEY_BACKSPACE;
	default:	return (int)c;
	}
}

int
tty_mouse(int *y, int *x, int *button)
{
	MEVENT	 ev;

	if (getmouse(&ev) != OK)
		return -1;
	*y = ev.y;
	*x = ev.x;
	if (ev.bstate & BUTTON4_PRESSED)
		*button = 4;
	else if (ev.bstate & BUTTON5_PRESSED)
		*button = 5;
	else
		*button = 1;
	return 0;
}

/* The display width of code point cp: 0 for combining, 2 for wide. */
static int
tty_cpwidth(unsigned cp)
{
	int	 w = wcwidth((wchar_t)cp);

	return w < 0 ? 1 : w;
}

int
tty_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 len = strlen(s), n;
	unsigned	 cp;
	int		 w = 0;

	while (len > 0) {
		if ((n = utf8_decode(p, len, &cp)) == 0) {
			n = utf8_span(p, len);
			cp = 0xfffd;
		}
		w += tty_cpwidth(cp);
		p += n;
		len -= n;
	}
	return w;
}

size_t
tty_fit(const char *s, int w)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 len = strlen(s), n, off = 0;
	unsigned	 cp;
	int		 cw, used = 0;

	while (off < len) {
		if ((n = utf8_decode(p + off, len - off, &cp)) == 0)
			break;	/* sanitized text is valid; stop if not */
		cw = tty_cpwidth(cp);
		if (used + cw > w)
			break;
		used += cw;
		off += n;
	}
	return off;
}

void
tty_fill(int y, int x, int h, int w, enum theme_obj obj)
{
	int	 i;

	if (w <= 0)
		return;
	attrset(tty_attrs[obj]);
	for (i = 0; i < h; i++)
		mvhline(y + i, x, ' ', w);
}

int
tty_text_attr(int y, int x, int w, const char *s, enum theme_obj obj,
    unsigned extra, int pad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 n, off = 0, len = strlen(s);
	unsigned	 cp;
	int		 used = 0, cw;

	if (w <= 0)
		return 0;
	attrset(tty_attrs[obj] | tty_attr_bits(extra));
	move(y, x);
	while (off < len) {
		if ((n = utf8_decode(p + off, len - off, &cp)) == 0 ||
		    cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			/* Never reached with sanitized text; never a control. */
			n = n ? n : utf8_span(p + off, len - off);
			if (used + 1 > w)
				break;
			addstr("\xef\xbf\xbd");
			used++;
			off += n;
			continue;
		}
		cw = tty_cpwidth(cp);
		if (used + cw > w)
			break;
		addnstr((const char *)p + off, (int)n);
		used += cw;
		off += n;
	}
	if (pad && used < w) {
		hline(' ', w - used);
		used = w;
	}
	return used;
}

int
tty_text(int y, int x, int w, const char *s, enum theme_obj obj, int pad)
{
	return tty_text_attr(y, x, w, s, obj, 0, pad);
}

void
tty_cursor(int y, int x, int visible)
{
	curs_set(visible);
	if (visible)
		move(y, x);
}

void
tty_bell(void)
{
	beep();
}

void
tty_refresh(void)
{
	refresh();
}

void
tty_size(int *rows, int *cols)
{
	getmaxyx(stdscr, *rows, *cols);
}

void
tty_clear(void)
{
	clearok(stdscr, TRUE);
}
