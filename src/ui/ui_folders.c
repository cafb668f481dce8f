/*
 * ui_folders.c - the folder pane: every account as a heading with its
 * state, its folders below in a sensible order (INBOX, the special-use
 * folders, then the rest by name, nested by the delimiter) with unread
 * counts.  The UI thread; reads the store only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sync.h"
#include "ui_int.h"

/* Special-use folders after INBOX, in this order. */
static const char *const role_order[] = {
	"inbox", "drafts", "sent", "archive", "junk", "trash"
};

static int
role_rank(const char *role)
{
	size_t	 i;

	for (i = 0; i < sizeof role_order / sizeof role_order[0]; i++)
		if (strcmp(role, role_order[i]) == 0)
			return (int)i;
	return (int)i;
}

/* Compares names so that a parent sorts right before its children. */
static int
name_cmp(const char *a, const char *b, int delim)
{
	for (; *a != '\0' && *a == *b; a++, b++)
		;
	if (*a == *b)
		return 0;
	if (*a == delim && delim != 0)
		return -1;
	if (*b == delim && delim != 0)
		return 1;
	return strcasecmp(a, b) != 0 ? strcasecmp(a, b) :
	    (unsigned char)*a - (unsigned char)*b;
}

static int
folder_cmp(const void *pa, const void *pb)
{
	const struct store_folder *a = pa, *b = pb;
	int	 ra = role_rank(a->role), rb = role_rank(b->role);

	if (ra != rb)
		return ra - rb;
	return name_cmp(a->display, b->display, a->delim);
}

/*
 * Depth and label of folder j: nested under each ancestor that is
 * itself listed, labelled by what follows the nearest one; a folder
 * whose parents are not listed shows its whole name.
 */
static int
folder_depth(const struct store_folder *all, size_t n, size_t j,
    const char **label)
{
	const struct store_folder *f = &all[j];
	const char	*p;
	size_t		 i, plen;
	int		 d = 0;

	*label = f->display;
	if (f->delim == 0 || role_rank(f->role) <
	    (int)(sizeof role_order / sizeof role_order[0]))
		return 0;
	for (p = f->display; *p != '\0'; p++) {
		if (*p != f->delim || p[1] == '\0')
			continue;
		plen = (size_t)(p - f->display);
		for (i = 0; i < n; i++)
			if (i != j && strlen(all[i].display) == plen &&
			    strncmp(all[i].display, f->display, plen) == 0) {
				d++;
				*label = p + 1;
				break;
			}
	}
	return d > 8 ? 8 : d;
}

void
ui_folders_reload(struct ui *ui)
{
	size_t	 i, j, n = 0, cap = 1, keep_acct = 0;
	int64_t	 keep_id = -1;
	int	 keep_unified = ui->fsel < ui->nfrows &&
		    ui->frows[ui->fsel].folder == UI_FROW_UNIFIED;

	if (ui->fsel < ui->nfrows && !keep_unified) {
		keep_acct = ui->frows[ui->fsel].acct;
		if (ui->frows[ui->fsel].folder >= 0)
			keep_id = ui->accts[keep_acct].folders[
			    ui->frows[ui->fsel].folder].id;
	}
	free(ui->frows);
	ui->frows = NULL;
	for (i = 0; i < ui->naccts; i++) {
		struct ui_acct	*a = &ui->accts[i];

		store_folders_free(a->folders, a->nfolders);
		a->folders = NULL;
		a->nfolders = 0;
		if (a->store != NULL) {
			if (store_folders_unread(a->store, &a->folders,
			    &a->nfolders) == -1)
				ui_status(ui, 1, "%s: %s", a->acct->name,
				    store_error(a->store));
			a->pending = pending_count(a->store);
		}
		if (a->nfolders > 1)
			qsort(a->folders, a->nfolders, sizeof *a->folders,
			    folder_cmp);
		cap += a->nfolders + 1;
	}
	ui->frows = xcalloc(cap, sizeof *ui->frows);
	if (ui->cfg->unified_inbox) {
		ui->frows[n].folder = UI_FROW_UNIFIED;
		ui->frows[n].label = "All inboxes";
		if (keep_unified)
			ui->fsel = n;
		n++;
	}
	for (i = 0; i < ui->naccts; i++) {
		struct ui_acct	*a = &ui->accts[i];

		ui->frows[n].acct = i;
		ui->frows[n].folder = UI_FROW_HEADING;
		ui->frows[n].label = a->acct->name;
		n++;
		for (j = 0; j < a->nfolders; j++) {
			ui->frows[n].acct = i;
			ui->frows[n].folder = (ssize_t)j;
			ui->frows[n].depth = folder_depth(a->folders,
			    a->nfolders, j, &ui->frows[n].label);
			if (i == keep_acct && a->folders[j].id == keep_id)
				ui->fsel = n;
			n++;
		}
	}
	ui->nfrows = n;
	if (ui->fsel >= n)
		ui->fsel = n ? n - 1 : 0;
	ui->dirty = 1;
}

ssize_t
ui_folders_find(struct ui *ui, size_t acct, const char *name)
{
	struct ui_acct	*a = &ui->accts[acct];
	size_t		 i;

	for (i = 0; i < a->nfolders; i++)
		if (strcmp(a->folders[i].display, name) == 0 ||
		    strcmp(a->folders[i].name, name) == 0)
			return (ssize_t)i;
	for (i = 0; i < a->nfolders; i++)
		if (strcasecmp(a->folders[i].display, name) == 0 ||
		    strcasecmp(a->folders[i].role, name) == 0)
			return (ssize_t)i;
	return -1;
}

void
ui_folders_open(struct ui *ui, size_t row)
{
	struct ui_frow		*r;
	struct store_folder	*f;

	if (row >= ui->nfrows)
		return;
	r = &ui->frows[row];
	if (r->folder == UI_FROW_UNIFIED) {
		ui_unified_open(ui);
		return;
	}
	if (r->folder < 0)
		return;
	f = &ui->accts[r->acct].folders[r->folder];
	if (f->noselect) {
		ui_status(ui, 0, "%s holds folders only", f->display);
		return;
	}
	ui_pager_close(ui);
	if (ui->unified || (ssize_t)r->acct != ui->cur_acct ||
	    f->id != ui->cur_folder)
		ui_tags_clear(ui);	/* tags belong to one folder */
	ui->unified = 0;
	ui->cur_acct = (ssize_t)r->acct;
	ui->cur_folder = f->id;
	ui_list_reset(ui);
	/* The user looks here: sync it now and keep it fresh. */
	if (ui->accts[r->acct].engine != NULL)
		engine_open_folder(ui->accts[r->acct].engine, f->id);
	ui->dirty = 1;
}

void
ui_folders_move(struct ui *ui, long n)
{
	long	 s = (long)ui->fsel + n;

	if (ui->nfrows == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)ui->nfrows)
		s = (long)ui->nfrows - 1;
	ui->fsel = (size_t)s;
	ui->dirty = 1;
}

/* A folder's line: its text, its unread count at the right edge. */
static void
ui_folders_line(struct ui *ui, int y, int x, int w, const char *text,
    int64_t unread, int sel, int cur)
{
	enum theme_obj	 obj;
	unsigned	 extra = 0;
	char		 count[32];
	int		 cw = 0;

	obj = unread > 0 ? THEME_FOLDER_UNREAD : THEME_FOLDER;
	if (sel && ui->focus == PANE_FOLDERS)
		obj = THEME_FOLDER_SELECTED;
	else if (cur)
		extra = THEME_ATTR_REVERSE;
	if (unread > 0) {
		snprintf(count, sizeof count, " %lld", (long long)unread);
		cw = tty_width(count);
	}
	if (cw >= w)
		cw = 0;
	tty_text_attr(y, x, w - cw, text, obj, extra, 1);
	if (cw > 0)
		tty_text_attr(y, x + w - cw, cw, count, obj, extra, 0);
}

void
ui_folders_draw(struct ui *ui, int y, int x, int h, int w)
{
	size_t	 i;
	int	 row;
	char	 buf[512];

	if (ui->fsel < ui->ftop)
		ui->ftop = ui->fsel;
	if (h > 0 && ui->fsel >= ui->ftop + (size_t)h)
		ui->ftop = ui->fsel - (size_t)h + 1;
	tty_fill(y, x, h, w, THEME_FOLDER);
	for (row = 0, i = ui->ftop; row < h && i < ui->nfrows; row++, i++) {
		struct ui_frow	*r = &ui->frows[i];
		struct ui_acct	*a = &ui->accts[r->acct];
		enum theme_obj	 obj;
		char		*label;
		int		 sel = i == ui->fsel;

		if (r->folder == UI_FROW_UNIFIED) {
			int64_t	 unread = 0;
			size_t	 k, j;

			for (k = 0; k < ui->naccts; k++)
				for (j = 0; j < ui->accts[k].nfolders; j++)
					if (ui->accts[k].folders[j].id ==
					    ui_unified_inbox(ui, k))
						unread +=
						    ui->accts[k].folders[j].unread;
			snprintf(buf, sizeof buf, " %s", r->label);
			ui_folders_line(ui, y + row, x, w, buf, unread, sel,
			    ui->unified);
			continue;
		}
		if (r->folder < 0) {
			label = sanitize_for_display(r->label,
			    strlen(r->label), 0);
			snprintf(buf, sizeof buf, "%s (%s)", label, a->state);
			obj = a->error ? THEME_FOLDER_ERROR :
			    THEME_FOLDER_ACCOUNT;
			if (sel && ui->focus == PANE_FOLDERS)
				obj = THEME_FOLDER_SELECTED;
			tty_text(y + row, x, w, buf, obj, 1);
			free(label);
			continue;
		}
		{
			struct store_folder *f = &a->folders[r->folder];

			label = sanitize_for_display(r->label,
			    strlen(r->label), 0);
			snprintf(buf, sizeof buf, "%*s%s", 1 + 2 * r->depth,
			    "", label);
			free(label);
			ui_folders_line(ui, y + row, x, w, buf, f->unread, sel,
			    !ui->unified && (ssize_t)r->acct == ui->cur_acct &&
			    f->id == ui->cur_folder);
		}
	}
}
