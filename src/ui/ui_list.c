/*
 * ui_list.c - the message list: one line per message (flags, date,
 * sender, subject, size when wide), flat in the chosen sort order or
 * threaded (JWZ), with folded threads.  The UI thread.
 *
 * The list keeps only the ids in display order; the rows on screen are
 * read from the store at each redraw, so a folder of any size costs one
 * indexed query to open and a screenful of lookups to draw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync.h"
#include "ui_int.h"

void
ui_list_clear(struct ui *ui)
{
	free(ui->ids);
	free(ui->trows);
	ui->ids = NULL;
	ui->trows = NULL;
	ui->nids = 0;
}

static int
ui_list_folded(struct ui *ui, int64_t root)
{
	size_t	 i;

	for (i = 0; i < ui->ncollapsed; i++)
		if (ui->collapsed[i] == root)
			return 1;
	return 0;
}

int
ui_list_thread_keys(struct ui *ui, const struct store_key *k, size_t n)
{
	struct thread_in	*in;
	struct thread_row	*rows;
	size_t			 i, out = 0;
	int64_t			 root = 0;
	int			 folded = 0;

	in = xcalloc(n ? n : 1, sizeof *in);
	rows = xcalloc(n ? n : 1, sizeof *rows);
	for (i = 0; i < n; i++) {
		in[i].message_id = k[i].message_id;
		in[i].in_reply_to = k[i].in_reply_to;
		in[i].references = k[i].references;
		in[i].subject = k[i].subject;
		in[i].date = k[i].date;
	}
	if (thread_build(in, n, ui->reverse, rows) == -1) {
		free(in);
		free(rows);
		return -1;
	}
	ui->ids = xcalloc(n ? n : 1, sizeof *ui->ids);
	ui->trows = rows;
	for (i = 0; i < n; i++) {
		if (rows[i].depth == 0) {
			root = k[rows[i].idx].id;
			folded = ui_list_folded(ui, root);
		} else if (folded)
			continue;
		ui->ids[out] = k[rows[i].idx].id;
		rows[out] = rows[i];
		out++;
	}
	ui->nids = out;
	free(in);
	return 0;
}

/* Orders the folder as threads. */
static int
ui_list_threads(struct ui *ui, struct store *s)
{
	struct store_key	*k;
	size_t			 n;
	int			 rc;

	if (store_list_keys(s, ui->cur_folder, ui->filter, &k, &n) == -1)
		return -1;
	rc = ui_list_thread_keys(ui, k, n);
	store_keys_free(k, n);
	return rc;
}

static void
ui_list_load(struct ui *ui, size_t limit)
{
	struct ui_acct	*a = ui_cur(ui);
	int64_t		 keep = ui->lsel < ui->nids ? ui->ids[ui->lsel] : 0;
	size_t		 i;
	int		 rc;

	ui_list_clear(ui);
	ui->partial = 0;
	if (ui->unified)
		rc = ui_unified_load(ui);
	else if (a == NULL || a->store == NULL)
		return;
	else if (ui->threads)
		rc = ui_list_threads(ui, a->store);
	else {
		rc = store_list_ids(a->store, ui->cur_folder, ui->sort,
		    ui->reverse, ui->filter, limit, &ui->ids, &ui->nids);
		ui->partial = limit > 0 && ui->nids == limit;
	}
	if (rc == -1) {
		if (a != NULL)
			ui_status(ui, 1, "%s: %s", a->acct->name,
			    store_error(a->store));
		return;
	}
	/* Stay on the same message when the list changes under it. */
	if (keep != 0)
		for (i = 0; i < ui->nids; i++)
			if (ui->ids[i] == keep) {
				ui->lsel = i;
				break;
			}
	if (ui->lsel >= ui->nids)
		ui->lsel = ui->nids ? ui->nids - 1 : 0;
	ui->dirty = 1;
}

void
ui_list_reset(struct ui *ui)
{
	ui->lsel = ui->ltop = 0;
	free(ui->filter_text);
	ui->filter_text = NULL;
	if (ui->filter != NULL) {
		query_free(ui->filter);
		free(ui->filter);
		ui->filter = NULL;
	}
	ui_list_reload(ui);
	ui->lsel = 0;
}

void
ui_list_reload(struct ui *ui)
{
	if (ui->fanning)
		return;		/* ui_unified_run() reloads once at the end */
	ui_list_load(ui, ui->starting ? (ui->rows > 0 ? (size_t)ui->rows :
	    100) : 0);
}

int64_t
ui_list_selected(struct ui *ui)
{
	struct ui_acct	*a;
	int64_t		 id;

	if (ui->lsel >= ui->nids)
		return 0;
	if (!ui->unified)
		return ui->ids[ui->lsel];
	/* The unified INBOX: the selection's account becomes current. */
	if (ui->fanning || (a = ui_xacct(ui, ui->ids[ui->lsel], &id)) == NULL)
		return 0;
	ui->cur_acct = a - ui->accts;
	ui->cur_folder = ui_unified_inbox(ui, (size_t)ui->cur_acct);
	return id;
}

void
ui_list_move(struct ui *ui, long n, int h)
{
	long	 s = (long)ui->lsel + n;

	(void)h;
	if (ui->nids == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)ui->nids)
		s = (long)ui->nids - 1;
	ui->lsel = (size_t)s;
	ui->dirty = 1;
}

void
ui_list_fold(struct ui *ui)
{
	size_t	 i, r;
	int64_t	 root;

	if (ui->trows == NULL || ui->nids == 0) {
		ui_status(ui, 0, "folding needs the threaded view (T)");
		return;
	}
	for (r = ui->lsel; r > 0 && ui->trows[r].depth > 0; r--)
		;
	root = ui->ids[r];
	for (i = 0; i < ui->ncollapsed; i++)
		if (ui->collapsed[i] == root) {
			ui->collapsed[i] = ui->collapsed[--ui->ncollapsed];
			goto done;
		}
	ui->collapsed = xrealloc(ui->collapsed,
	    (ui->ncollapsed + 1) * sizeof *ui->collapsed);
	ui->collapsed[ui->ncollapsed++] = root;
done:
	ui->lsel = r;
	ui_list_reload(ui);
}

/* The date column: today's time, this year's day, or the full date. */
static void
ui_list_date(struct ui *ui, int64_t t, char *buf, size_t size)
{
	struct tm	 tm, now;
	time_t		 tt = (time_t)t, nt = time(NULL);
	const char	*fmt;

	localtime_r(&tt, &tm);
	localtime_r(&nt, &now);
	if (ui->cfg->date_format != NULL)
		fmt = ui->cfg->date_format;
	else if (tm.tm_year == now.tm_year && tm.tm_yday == now.tm_yday)
		fmt = "%H:%M";
	else if (tm.tm_year == now.tm_year)
		fmt = "%b %d";
	else
		fmt = "%Y-%m-%d";
	if (t <= 0 || strftime(buf, size, fmt, &tm) == 0)
		snprintf(buf, size, "-");
}

/*
 * The sender column: the display name of the first address, or its
 * address.  A display name holding an '@' could pass for an address
 * it is not (SECURITY.md #15), so then the real address is shown.
 */
static char *
ui_list_sender(const char *from)
{
	const char	*lt = strchr(from, '<'), *gt;
	char		*name, *p;
	size_t		 n;

	if (lt == NULL)
		return sanitize_for_display(from, strcspn(from, ","), 0);
	n = (size_t)(lt - from);
	name = xstrndup(from, n);
	for (p = name + strlen(name); p > name && (p[-1] == ' ' ||
	    p[-1] == '"'); )
		*--p = '\0';
	p = name;
	while (*p == ' ' || *p == '"')
		p++;
	if (*p == '\0' || strchr(p, '@') != NULL) {
		gt = strchr(lt, '>');
		free(name);
		return sanitize_for_display(lt + 1, gt != NULL ?
		    (size_t)(gt - lt - 1) : strlen(lt + 1), 0);
	}
	p = sanitize_for_display(p, strlen(p), 0);
	free(name);
	return p;
}

static void
ui_list_size(int64_t size, char *buf, size_t n)
{
	if (size < 1024)
		snprintf(buf, n, "%lld", (long long)size);
	else if (size < 1024 * 1024)
		snprintf(buf, n, "%lldK", (long long)(size + 1023) / 1024);
	else
		snprintf(buf, n, "%.1fM", (double)size / (1024 * 1024));
}

/* One message line. */
static void
ui_list_line(struct ui *ui, int y, int x, int w, size_t i,
    const struct store_msg *m, const struct ui_acct *a)
{
	enum theme_obj	 obj = THEME_LIST;
	unsigned	 extra = 0;
	char		 flags[8], date[64], size[32], *from, *subj;
	int		 tagged = ui_tags_has(ui, ui->ids[i]);
	char		 line[1024];
	int		 fw, sel = i == ui->lsel, used;
	const char	*prefix = ui->trows != NULL ? ui->trows[i].prefix : "";

	snprintf(flags, sizeof flags, "%c%c%c%c", tagged ? '*' : ' ',
	    (m->flags & FLAG_SEEN) ? ' ' : 'N',
	    (m->flags & FLAG_FLAGGED) ? '!' : ' ',
	    (m->flags & FLAG_DELETED) ? 'D' :
	    (m->flags & FLAG_ANSWERED) ? 'r' : ' ');
	ui_list_date(ui, m->date != 0 ? m->date : m->internaldate, date,
	    sizeof date);
	from = ui_list_sender(m->from);
	subj = sanitize_for_display(m->subject, strlen(m->subject), 0);
	if (tagged)
		obj = THEME_LIST_MARKED;
	else if (m->flags & FLAG_DELETED)
		obj = THEME_LIST_DELETED;
	else if (m->flags & FLAG_FLAGGED)
		obj = THEME_LIST_FLAGGED;
	else if (!(m->flags & FLAG_SEEN))
		obj = THEME_LIST_UNREAD;
	if (sel) {
		if (!(m->flags & FLAG_SEEN))
			extra = THEME_ATTR_BOLD;
		obj = THEME_LIST_SELECTED;
	}
	fw = w / 4 < 10 ? 10 : w / 4 > 28 ? 28 : w / 4;
	tty_fill(y, x, 1, w, obj);
	used = tty_text_attr(y, x, w, flags, obj, extra, 0);
	used += tty_text_attr(y, x + used, w - used, " ", obj, extra, 0);
	snprintf(line, sizeof line, "%-10s ", date);
	used += tty_text_attr(y, x + used, w - used, line, obj, extra, 0);
	if (ui->unified && w - used > fw) {	/* whose INBOX */
		char	*acct = sanitize_for_display(a->acct->name,
			    strlen(a->acct->name), 0);

		snprintf(line, sizeof line, "%-8.8s ", acct);
		free(acct);
		used += tty_text_attr(y, x + used, w - used, line,
		    sel ? obj : THEME_LIST_ACCOUNT, extra, 0);
	}
	if (w - used > fw) {
		tty_text_attr(y, x + used, fw - 1, from, obj, extra, 1);
		used += fw;
	}
	if (w >= 100) {
		ui_list_size(m->size, size, sizeof size);
		snprintf(line, sizeof line, "%6s", size);
		tty_text_attr(y, x + w - 6, 6, line, obj, extra, 0);
		w -= 7;
	}
	if (w > used && *prefix != '\0') {
		used += tty_text_attr(y, x + used, w - used, prefix,
		    sel ? obj : THEME_LIST_THREAD, extra, 0);
	}
	if (w > used) {
		if (ui->trows != NULL && ui->trows[i].depth == 0 &&
		    ui->trows[i].thread_size > 1 &&
		    ui_list_folded(ui, ui->ids[i])) {
			char	*t = xasprintf("(%zu) %s",
			    ui->trows[i].thread_size, subj);

			tty_text_attr(y, x + used, w - used, t, obj, extra, 0);
			free(t);
		} else
			tty_text_attr(y, x + used, w - used, subj, obj, extra,
			    0);
	}
	free(from);
	free(subj);
}

void
ui_list_draw(struct ui *ui, int y, int x, int h, int w)
{
	struct ui_acct		*a = ui_cur(ui), *ma;
	struct store_msg	 m;
	int64_t			 id;
	size_t			 i;
	int			 row;

	tty_fill(y, x, h, w, THEME_LIST);
	if (!ui->unified && (a == NULL || a->store == NULL)) {
		tty_text(y, x + 1, w - 1, "no folder open", THEME_LIST, 0);
		return;
	}
	if (ui->nids == 0) {
		tty_text(y, x + 1, w - 1, ui->filter != NULL ?
		    "no message matches" : "no messages (yet)", THEME_LIST, 0);
		return;
	}
	if (ui->lsel < ui->ltop)
		ui->ltop = ui->lsel;
	if (h > 0 && ui->lsel >= ui->ltop + (size_t)h)
		ui->ltop = ui->lsel - (size_t)h + 1;
	if (ui->ltop + (size_t)h > ui->nids && ui->nids > (size_t)h)
		ui->ltop = ui->nids - (size_t)h;
	for (row = 0, i = ui->ltop; row < h && i < ui->nids; row++, i++) {
		ma = ui_xacct(ui, ui->ids[i], &id);
		if (ma == NULL || ma->store == NULL ||
		    store_msg_by_id(ma->store, id, &m) != 0)
			continue;	/* gone since the reload: next event */
		ui_list_line(ui, y + row, x, w, i, &m, ma);
		store_msg_clear(&m);
	}
}

void
ui_list_ask_server(struct ui *ui)
{
	struct ui_acct	*a = ui_cur(ui);
	size_t		 i, k;

	if (ui->unified && ui->filter != NULL) {	/* every account's */
		for (k = 0; k < ui->naccts; k++)
			for (i = 0; ui->accts[k].engine != NULL &&
			    i < ui->filter->nserver; i++)
				engine_server_search(ui->accts[k].engine,
				    ui->filter->server[i]);
		if (ui->filter->nserver > 0)
			ui_status(ui, 0, "asking every account's server...");
		return;
	}
	if (a == NULL || ui->filter == NULL || ui->filter->nserver == 0)
		return;
	if (a->engine == NULL) {
		ui_status(ui, 1, "server: %s has no server connection here; "
		    "showing what the server found last time", a->acct->name);
		return;
	}
	for (i = 0; i < ui->filter->nserver; i++)
		engine_server_search(a->engine, ui->filter->server[i]);
	ui_status(ui, 0, "asking %s's server...", a->acct->name);
}
