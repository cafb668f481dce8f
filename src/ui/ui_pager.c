/*
 * ui_pager.c - the pager: the open message rendered by src/mail
 * (decoded, sanitized lines), wrapped to the pane, quotes coloured by
 * level, the signature dimmed, the parts list at the end.  A message
 * whose body is not cached shows its headers from the index at once
 * and "fetching..." until the engine's BODY_READY.  The UI thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync.h"
#include "ui_int.h"

/* Messages larger than this are not read whole (SECURITY.md). */
#define PAGER_FILE_MAX	(64 * 1024 * 1024)

void
ui_pager_close(struct ui *ui)
{
	struct ui_pager	*p = &ui->pager;

	if (p->have)
		rendered_free(&p->r);
	free(p->find);
	free(p->file);
	memset(p, 0, sizeof *p);
	if (ui->focus == PANE_PAGER)
		ui->focus = PANE_LIST;
	ui->dirty = 1;
}

/* Reads a whole file of at most PAGER_FILE_MAX bytes; caller frees. */
static char *
ui_pager_read(const char *path, size_t *lenp, char **errp)
{
	struct stat	 sb;
	char		*buf;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		seterr(errp, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (sb.st_size > PAGER_FILE_MAX) {
		seterr(errp, "the message is over %d MiB",
		    PAGER_FILE_MAX / (1024 * 1024));
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size &&
	    (r = read(fd, buf + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)r;
	close(fd);
	buf[off] = '\0';
	*lenp = off;
	return buf;
}

/* A rendering of the index's header fields while the body is away. */
static void
ui_pager_headers_only(struct ui *ui, const struct store_msg *m)
{
	struct ui_pager	*p = &ui->pager;
	char		*src;

	src = xasprintf("From: %s\nTo: %s\nCc: %s\nSubject: %s\n"
	    "Message-ID: <%s>\n\n", m->from, m->to, m->cc, m->subject,
	    m->message_id);
	/* The stored fields are decoded already; render them as text. */
	{
		struct render_opts o = { 0, 0, NULL };

		o.html_filter = ui->cfg->html_filter;
		render_message(src, strlen(src), &o, &p->r);
		p->have = 1;
	}
	free(src);
}

static void
ui_pager_render(struct ui *ui, const char *buf, size_t len)
{
	struct ui_pager		*p = &ui->pager;
	struct render_opts	 o;

	memset(&o, 0, sizeof o);
	o.full_headers = p->full_headers;
	o.raw = p->raw;
	o.html_filter = ui->cfg->html_filter;
	if (p->have)
		rendered_free(&p->r);
	render_message(buf, len, &o, &p->r);
	p->have = 1;
}

/* (Re)loads the open message from the store and its cached file. */
static void
ui_pager_load(struct ui *ui)
{
	struct ui_pager		*p = &ui->pager;
	struct ui_acct		*a = &ui->accts[p->acct];
	struct store_msg	 m;
	char			*path, *buf, *err = NULL;
	size_t			 len;

	if (a == NULL || a->store == NULL ||
	    store_msg_by_id(a->store, p->id, &m) != 0) {
		ui_pager_close(ui);
		return;
	}
	p->folder = m.folder_id;
	p->uid = m.uid;
	p->note[0] = '\0';
	if ((path = store_msg_path(a->store, &m)) != NULL &&
	    (buf = ui_pager_read(path, &len, &err)) != NULL) {
		ui_pager_render(ui, buf, len);
		free(buf);
		free(p->file);
		p->file = path;
		p->waiting = 0;
	} else {
		if (p->have)
			rendered_free(&p->r);
		p->have = 0;
		ui_pager_headers_only(ui, &m);
		if (err != NULL) {
			snprintf(p->note, sizeof p->note, "cannot read the "
			    "cached message: %s", err);
			free(err);
		} else if (a->engine != NULL) {
			snprintf(p->note, sizeof p->note, "fetching...");
			if (!p->waiting)
				engine_fetch_body(a->engine, m.folder_id,
				    m.uid);
			p->waiting = 1;
		} else
			snprintf(p->note, sizeof p->note, "offline: the body "
			    "of this message is not cached");
		free(path);
	}
	store_msg_clear(&m);
	ui->dirty = 1;
}

void
ui_pager_show(struct ui *ui, int64_t id)
{
	struct ui_acct		*a = ui_cur(ui);
	struct store_msg	 m;
	int			 full = ui->pager.full_headers;

	if (id == 0 || ui->fanning || a == NULL)
		return;
	ui_pager_close(ui);
	ui->pager.open = 1;
	ui->pager.acct = (size_t)(a - ui->accts);
	ui->pager.id = id;
	ui->pager.full_headers = full;
	ui->focus = PANE_PAGER;
	ui_pager_load(ui);
	/* Reading a message marks it read, as in every mail client. */
	if (ui->pager.open && a->store != NULL &&
	    store_msg_by_id(a->store, id, &m) == 0) {
		if (!(m.flags & FLAG_SEEN))
			ui_act_flags(ui, id, FLAG_SEEN, 0);
		store_msg_clear(&m);
	}
}

void
ui_pager_body_ready(struct ui *ui, int64_t folder, uint32_t uid, int ok,
    const char *why)
{
	struct ui_pager	*p = &ui->pager;

	if (!p->open || !p->waiting || p->folder != folder || p->uid != uid)
		return;
	p->waiting = 0;
	if (ok) {
		ui_pager_load(ui);
		/* Cached, says the engine, yet not readable: don't ask again. */
		if (p->waiting) {
			p->waiting = 0;
			snprintf(p->note, sizeof p->note, "the cached body of "
			    "this message cannot be found");
		}
	} else {
		char	*t = sanitize_for_display(why, strlen(why), 0);

		snprintf(p->note, sizeof p->note, "cannot fetch the body: %s",
		    t);
		free(t);
	}
	ui->dirty = 1;
}

/* The style of a rendered line. */
static enum theme_obj
ui_pager_obj(const struct render_line *l)
{
	static const enum theme_obj quote[] = {
		THEME_PAGER_QUOTE_1, THEME_PAGER_QUOTE_2,
		THEME_PAGER_QUOTE_3, THEME_PAGER_QUOTE_4
	};

	switch (l->kind) {
	case RENDER_HEADER:	return THEME_PAGER_HEADER;
	case RENDER_QUOTE:
		return quote[(l->level > 0 ? l->level - 1 : 0) % 4];
	case RENDER_SIGNATURE:	return THEME_PAGER_SIGNATURE;
	case RENDER_PART:	return THEME_PAGER_PART;
	case RENDER_NOTE:	return THEME_PAGER_NOTE;
	default:		return THEME_PAGER;
	}
}

/* Visual lines of one rendered line at width w (at least 1). */
static size_t
ui_pager_rows(const char *s, int w)
{
	size_t	 n = 0, len = strlen(s), off = 0, k;

	if (w <= 0)
		return 1;
	while (off < len) {
		k = tty_fit(s + off, w);
		if (k == 0)
			k = 1;
		off += k;
		n++;
	}
	return n ? n : 1;
}

size_t
ui_pager_height(struct ui *ui, int w)
{
	size_t	 i, n = 0;

	if (!ui->pager.have)
		return 0;
	for (i = 0; i < ui->pager.r.nlines; i++)
		n += ui_pager_rows(ui->pager.r.lines[i].text, w);
	return n + (ui->pager.note[0] != '\0');
}

void
ui_pager_scroll(struct ui *ui, long n, int h)
{
	struct ui_pager	*p = &ui->pager;
	long		 total = (long)ui_pager_height(ui, ui->cols), t;

	(void)h;
	t = (long)p->top + n;
	if (t > total - 1)
		t = total - 1;
	if (t < 0)
		t = 0;
	p->top = (size_t)t;
	ui->dirty = 1;
}

int
ui_pager_find(struct ui *ui, const char *text, int w)
{
	struct ui_pager	*p = &ui->pager;
	size_t		 i, vis = 0, tl = strlen(text);

	if (!p->have || tl == 0)
		return -1;
	for (i = 0; i < p->r.nlines; i++) {
		const char	*s = p->r.lines[i].text, *q;

		if (vis > p->top)
			for (q = s; *q != '\0'; q++)
				if (strncasecmp(q, text, tl) == 0) {
					p->top = vis;
					ui->dirty = 1;
					return 0;
				}
		vis += ui_pager_rows(s, w);
	}
	return -1;
}

void
ui_pager_draw(struct ui *ui, int y, int x, int h, int w)
{
	struct ui_pager	*p = &ui->pager;
	size_t		 i, vis = 0, off, len, k;
	int		 row = 0;

	tty_fill(y, x, h, w, THEME_PAGER);
	if (!p->have) {
		tty_text(y, x + 1, w - 1, "no message", THEME_PAGER, 0);
		return;
	}
	if (p->note[0] != '\0' && row < h) {
		if (vis >= p->top)
			tty_text(y + row++, x, w, p->note, THEME_PAGER_NOTE, 1);
		vis++;
	}
	for (i = 0; i < p->r.nlines && row < h; i++) {
		const struct render_line *l = &p->r.lines[i];
		enum theme_obj	 obj = ui_pager_obj(l);

		len = strlen(l->text);
		off = 0;
		do {
			k = tty_fit(l->text + off, w);
			if (k == 0 && off < len)
				k = 1;
			if (vis >= p->top && row < h) {
				char	*seg = xstrndup(l->text + off, k);

				if (l->kind == RENDER_HEADER && off == 0 &&
				    l->level > 0 && (size_t)l->level <= k) {
					int	 used;
					char	*name = xstrndup(seg,
					    (size_t)l->level);

					used = tty_text(y + row, x, w, name,
					    THEME_PAGER_HEADER_NAME, 0);
					tty_text(y + row, x + used, w - used,
					    seg + l->level, obj, 0);
					free(name);
				} else
					tty_text(y + row, x, w, seg, obj, 0);
				free(seg);
				row++;
			}
			vis++;
			off += k;
		} while (off < len);
	}
}
