/*
 * ui_prompt.c - the prompt line at the bottom: ":" commands, "/"
 * searches and the arguments actions ask for.  A small line editor
 * (UTF-8 aware: the cursor moves by characters).  While it is open the
 * rest of the UI keeps running: engine events still arrive and redraw.
 * The UI thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui_int.h"

void
ui_prompt_open(struct ui *ui, const char *label, const char *init,
    ui_prompt_fn fn, void *arg)
{
	struct ui_prompt *p = &ui->prompt;

	memset(p, 0, sizeof *p);
	p->active = 1;
	snprintf(p->label, sizeof p->label, "%s", label);
	snprintf(p->buf, sizeof p->buf, "%s", init);
	p->len = p->cur = strlen(p->buf);
	p->fn = fn;
	p->arg = arg;
	ui->dirty = 1;
}

/* The start of the character before off. */
static size_t
prev_char(const char *s, size_t off)
{
	while (off > 0 && ((unsigned char)s[--off] & 0xc0) == 0x80)
		;
	return off;
}

static size_t
next_char(const char *s, size_t len, size_t off)
{
	if (off < len)
		off++;
	while (off < len && ((unsigned char)s[off] & 0xc0) == 0x80)
		off++;
	return off;
}

/* Overwrites memory the compiler must not skip (a typed password). */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static void
finish(struct ui *ui, int ok)
{
	struct ui_prompt *p = &ui->prompt;
	ui_prompt_fn	 fn = p->fn;
	void		*arg = p->arg;
	char		 answer[sizeof p->buf];

	snprintf(answer, sizeof answer, "%s", p->buf);
	wipe(p->buf, sizeof p->buf);
	p->active = 0;
	ui->urls = 0;
	ui->dirty = 1;
	if (fn != NULL)
		fn(ui, ok ? answer : NULL, arg);
	wipe(answer, sizeof answer);
	/* An engine question waits for the prompt to be free. */
	if (!ui->prompt.active)
		ui_ask_next(ui);
}

static int	ui_prompt_edit(struct ui *, int);

/*
 * Candidate k of the folder completion, in order: the open account's
 * folders by their plain names, then every other account's as
 * "ACCOUNT/FOLDER" (the syntax move, copy and folder accept).  Writes
 * it to buf; 0, or -1 past the end, 1 for one that is not a candidate
 * (a folder that only holds folders).
 */
static int
candidate(struct ui *ui, size_t k, char *buf, size_t len)
{
	size_t	 i, cur = ui->cur_acct >= 0 ? (size_t)ui->cur_acct : 0;
	size_t	 order;

	for (order = 0; order < ui->naccts; order++) {
		/* The open account first, then the others in config order. */
		i = order == 0 ? cur : order <= cur ? order - 1 : order;
		if (k >= ui->accts[i].nfolders) {
			k -= ui->accts[i].nfolders;
			continue;
		}
		if (ui->accts[i].folders[k].noselect)
			return 1;
		if (i == cur)
			snprintf(buf, len, "%s", ui->accts[i].folders[k].display);
		else
			snprintf(buf, len, "%s/%s", ui->accts[i].acct->name,
			    ui->accts[i].folders[k].display);
		return 0;
	}
	return -1;
}

/*
 * Tab in a prompt for a folder: the next folder whose name starts with
 * what was typed before the first Tab, the open account's first, then
 * the other accounts' ("work/Lists").
 */
static void
complete(struct ui *ui)
{
	struct ui_prompt *p = &ui->prompt;
	char		 name[sizeof p->buf];
	size_t		 i, k, n = 0, len;

	for (i = 0; i < ui->naccts; i++)
		n += ui->accts[i].nfolders;
	if (n == 0)
		return;
	if (p->stem[0] == '\0' && p->next == 0)
		snprintf(p->stem, sizeof p->stem, "%.255s", p->buf);
	len = strlen(p->stem);
	for (k = 0; k < n; k++) {
		i = (p->next + k) % n;
		if (candidate(ui, i, name, sizeof name) != 0 ||
		    strncasecmp(name, p->stem, len) != 0)
			continue;
		snprintf(p->buf, sizeof p->buf, "%s", name);
		p->len = p->cur = strlen(p->buf);
		p->next = i + 1;
		return;
	}
	ui_status(ui, 0, "no folder starts with \"%s\"", p->stem);
}

static void
edited(struct ui *ui)
{
	struct ui_prompt *p = &ui->prompt;

	p->stem[0] = '\0';
	p->next = 0;
	if (p->changed != NULL)
		p->changed(ui, p->buf, p->arg);
}

void
ui_prompt_key(struct ui *ui, int key)
{
	struct ui_prompt *p = &ui->prompt;

	ui->dirty = 1;
	if (key == TKEY_TAB && p->folders) {
		complete(ui);
		return;
	}
	if (key == TKEY_TAB && p->complete != NULL) {
		char	 out[sizeof p->buf];

		if (p->stem[0] == '\0' && p->next == 0)
			snprintf(p->stem, sizeof p->stem, "%s", p->buf);
		if (p->complete(ui, p->stem, &p->next, out, sizeof out) == 0) {
			snprintf(p->buf, sizeof p->buf, "%s", out);
			p->len = p->cur = strlen(p->buf);
		} else
			ui_status(ui, 0, "nothing completes \"%s\"", p->stem);
		return;
	}
	if (ui_prompt_edit(ui, key) && p->active)
		edited(ui);
}

/* One key of line editing; 1 if the text changed. */
static int
ui_prompt_edit(struct ui *ui, int key)
{
	struct ui_prompt *p = &ui->prompt;
	char		 enc[UTF8_CHAR_MAX];
	size_t		 n, at;

	switch (key) {
	case TKEY_ENTER:
		finish(ui, 1);
		return 0;
	case TKEY_ESC:
	case TKEY_CTRL('g'):
		finish(ui, 0);
		return 0;
	case TKEY_BACKSPACE:
		if (p->cur == 0) {
			if (p->len == 0)
				finish(ui, 0);
			return 0;
		}
		at = prev_char(p->buf, p->cur);
		memmove(p->buf + at, p->buf + p->cur, p->len - p->cur + 1);
		p->len -= p->cur - at;
		p->cur = at;
		return 1;
	case TKEY_DELETE:
	case TKEY_CTRL('d'):
		at = next_char(p->buf, p->len, p->cur);
		memmove(p->buf + p->cur, p->buf + at, p->len - at + 1);
		p->len -= at - p->cur;
		return 1;
	case TKEY_LEFT:
	case TKEY_CTRL('b'):
		p->cur = prev_char(p->buf, p->cur);
		return 0;
	case TKEY_RIGHT:
	case TKEY_CTRL('f'):
		p->cur = next_char(p->buf, p->len, p->cur);
		return 0;
	case TKEY_HOME:
	case TKEY_CTRL('a'):
		p->cur = 0;
		return 0;
	case TKEY_END:
	case TKEY_CTRL('e'):
		p->cur = p->len;
		return 0;
	case TKEY_CTRL('u'):
		memmove(p->buf, p->buf + p->cur, p->len - p->cur + 1);
		p->len -= p->cur;
		p->cur = 0;
		return 1;
	case TKEY_CTRL('k'):
		p->buf[p->cur] = '\0';
		p->len = p->cur;
		return 1;
	case TKEY_SPACE:
		key = ' ';
		break;
	default:
		break;
	}
	/* Printable characters only: no control reaches the buffer. */
	if (key < 0x20 || key >= 0x110000 || (key >= 0x7f && key < 0xa0))
		return 0;
	n = utf8_encode((unsigned)key, enc);
	if (p->len + n >= sizeof p->buf)
		return 0;
	memmove(p->buf + p->cur + n, p->buf + p->cur, p->len - p->cur + 1);
	memcpy(p->buf + p->cur, enc, n);
	p->len += n;
	p->cur += n;
	return 1;
}



void
ui_prompt_draw(struct ui *ui, int y, int w)
{
	struct ui_prompt *p = &ui->prompt;
	char		*clean, before[sizeof p->buf];
	int		 lw, cx, skip = 0;

	tty_fill(y, 0, 1, w, THEME_PROMPT);
	lw = tty_text(y, 0, w, p->label, THEME_PROMPT, 0);
	memcpy(before, p->buf, p->cur);
	before[p->cur] = '\0';
	if (p->secret) {
		/* One '*' per character, never the text. */
		size_t	 i, n = 0;
		char	 stars[sizeof p->buf];

		for (i = 0; i < p->len; i++)
			if (((unsigned char)p->buf[i] & 0xc0) != 0x80)
				stars[n++] = '*';
		stars[n] = '\0';
		tty_text(y, lw, w - lw, stars, THEME_PROMPT, 1);
		for (i = 0, n = 0; i < p->cur; i++)
			if (((unsigned char)p->buf[i] & 0xc0) != 0x80)
				n++;
		wipe(before, sizeof before);
		tty_cursor(y, lw + (int)n < w ? lw + (int)n : w - 1, 1);
		return;
	}
	cx = tty_width(before);
	/* Keep the cursor on screen: scroll the text left if needed. */
	if (lw + cx >= w)
		skip = lw + cx - w + 1;
	clean = sanitize_for_display(p->buf, p->len, 0);
	{
		const char	*s = clean;
		size_t		 k = tty_fit(s, skip);

		tty_text(y, lw, w - lw, s + k, THEME_PROMPT, 1);
	}
	free(clean);
	tty_cursor(y, lw + cx - skip, 1);
}
