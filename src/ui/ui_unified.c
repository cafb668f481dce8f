/*
 * ui_unified.c - the unified INBOX (unified_inbox = yes): every
 * account's INBOX in one list, newest first or threaded, each line
 * marked with its account.  The UI thread.
 *
 * Each account keeps its own store, whose row ids overlap, so the
 * list holds ui_xid()s: the account's index in the high bits above the
 * row id.  Everything else is done by the code that serves one
 * account's folder: before an action, the account and INBOX of the
 * message in focus become the current ones (ui_unified_focus()), so a
 * keypress on one message acts exactly as it would in that account's
 * INBOX.  After ';', tagged messages of several accounts are handed to
 * the same action once per account (ui_unified_run()), each on its own
 * store and server, and one undo takes the whole batch back.
 */
#include <stdlib.h>
#include <string.h>

#include "sync.h"
#include "ui_int.h"

#define XSHIFT	44		/* row ids stay below 2^44 */
#define XMASK	((INT64_C(1) << XSHIFT) - 1)

int64_t
ui_xid(struct ui *ui, size_t acct, int64_t id)
{
	if (!ui->unified || id == 0)
		return id;
	return ((int64_t)acct << XSHIFT) | (id & XMASK);
}

struct ui_acct *
ui_xacct(struct ui *ui, int64_t xid, int64_t *idp)
{
	size_t	 k;

	if (!ui->unified) {
		*idp = xid;
		return ui_cur(ui);
	}
	k = (size_t)(xid >> XSHIFT);
	*idp = xid & XMASK;
	return k < ui->naccts ? &ui->accts[k] : NULL;
}

int64_t
ui_unified_inbox(struct ui *ui, size_t acct)
{
	struct ui_acct	*a = &ui->accts[acct];
	size_t		 i;

	for (i = 0; i < a->nfolders; i++)
		if (strcmp(a->folders[i].role, "inbox") == 0 ||
		    strcmp(a->folders[i].name, "INBOX") == 0)
			return a->folders[i].id;
	return 0;
}

int
ui_list_shows(struct ui *ui, struct ui_acct *a, int64_t folder)
{
	if (ui->unified)
		return folder == 0 ||
		    folder == ui_unified_inbox(ui, (size_t)(a - ui->accts));
	return ui_cur(ui) == a && (folder == 0 || ui->cur_folder == 0 ||
	    folder == ui->cur_folder);
}

void
ui_unified_focus(struct ui *ui)
{
	struct ui_acct	*a;
	int64_t		 id;
	size_t		 k;

	if (!ui->unified || ui->fanning)
		return;
	if (ui->pager.open && ui->focus == PANE_PAGER)
		k = ui->pager.acct;
	else if (ui->lsel < ui->nids &&
	    (a = ui_xacct(ui, ui->ids[ui->lsel], &id)) != NULL)
		k = (size_t)(a - ui->accts);
	else
		return;
	ui->cur_acct = (ssize_t)k;
	ui->cur_folder = ui_unified_inbox(ui, k);
}

void
ui_unified_open(struct ui *ui)
{
	size_t	 k;

	ui_pager_close(ui);
	if (!ui->unified)
		ui_tags_clear(ui);	/* tags belong to one list */
	ui->unified = 1;
	ui->cur_acct = -1;
	ui->cur_folder = 0;
	for (k = 0; k < ui->naccts && ui->cur_acct < 0; k++)
		if (ui->accts[k].store != NULL) {
			ui->cur_acct = (ssize_t)k;
			ui->cur_folder = ui_unified_inbox(ui, k);
		}
	ui_list_reset(ui);
	/* The user looks at every INBOX: keep each fresh. */
	for (k = 0; k < ui->naccts; k++)
		if (ui->accts[k].engine != NULL &&
		    ui_unified_inbox(ui, k) != 0)
			engine_open_folder(ui->accts[k].engine,
			    ui_unified_inbox(ui, k));
	ui->dirty = 1;
}

int
ui_list_match(struct ui *ui, struct query *q, int64_t **idsp, size_t *np)
{
	int64_t	*v = NULL, *ids, folder;
	size_t	 n = 0, nk, k, i;

	for (k = 0; k < ui->naccts; k++) {
		struct ui_acct	*a = &ui->accts[k];

		if (!ui->unified && (ssize_t)k != ui->cur_acct)
			continue;
		folder = ui->unified ? ui_unified_inbox(ui, k) :
		    ui->cur_folder;
		if (a->store == NULL || (ui->unified && folder == 0))
			continue;
		if (store_list_ids(a->store, folder, STORE_SORT_DATE, 0, q, 0,
		    &ids, &nk) == -1) {
			ui_status(ui, 1, "%s: %s", a->acct->name,
			    store_error(a->store));
			free(v);
			return -1;
		}
		v = xrealloc(v, (n + nk + 1) * sizeof *v);
		for (i = 0; i < nk; i++)
			v[n + i] = ui_xid(ui, k, ids[i]);
		free(ids);
		n += nk;
	}
	*idsp = v != NULL ? v : xcalloc(1, sizeof *v);
	*np = n;
	return 0;
}

/* Sorting the merged keys: by date, then by list id (stable). */
static int	 key_reverse;

static int
key_cmp(const void *pa, const void *pb)
{
	const struct store_key *a = pa, *b = pb;
	int	 c;

	c = a->date < b->date ? -1 : a->date > b->date;
	if (c == 0)
		c = a->id < b->id ? -1 : a->id > b->id;
	return key_reverse ? -c : c;
}

int
ui_unified_load(struct ui *ui)
{
	struct store_key	*all = NULL, **keys;
	size_t			 n = 0, *nkeys, i, j;
	int64_t			 inbox;
	int			 rc = 0;

	/* Each account's keys (one arena each), copied into all. */
	keys = xcalloc(ui->naccts + 1, sizeof *keys);
	nkeys = xcalloc(ui->naccts + 1, sizeof *nkeys);

	for (i = 0; i < ui->naccts; i++) {
		struct ui_acct	*a = &ui->accts[i];

		if (a->store == NULL || (inbox = ui_unified_inbox(ui, i)) == 0)
			continue;
		if (store_list_keys(a->store, inbox, ui->filter, &keys[i],
		    &nkeys[i]) == -1) {
			ui_status(ui, 1, "%s: %s", a->acct->name,
			    store_error(a->store));
			continue;
		}
		all = xrealloc(all, (n + nkeys[i] + 1) * sizeof *all);
		for (j = 0; j < nkeys[i]; j++) {
			all[n + j] = keys[i][j];
			all[n + j].id = ui_xid(ui, i, keys[i][j].id);
		}
		n += nkeys[i];
	}
	/* By date across the accounts (oldest first for threading). */
	key_reverse = ui->threads ? 0 : ui->reverse;
	if (n > 1)
		qsort(all, n, sizeof *all, key_cmp);
	if (!ui->threads) {
		ui->ids = xcalloc(n ? n : 1, sizeof *ui->ids);
		for (i = 0; i < n; i++)
			ui->ids[i] = all[i].id;
		ui->nids = n;
		goto out;
	}
	rc = ui_list_thread_keys(ui, all, n);
out:
	for (i = 0; i < ui->naccts; i++)
		if (keys[i] != NULL)
			store_keys_free(keys[i], nkeys[i]);
	free(keys);
	free(nkeys);
	free(all);
	return rc;
}

void
ui_unified_run(struct ui *ui, int act, const char *arg)
{
	struct ui_acct	*a;
	int64_t		*xtags, *mine, id, sel;
	size_t		 nx, k, i, n, kept = 0;
	int		 first = 1, pager = ui->pager.open;

	ui_unified_focus(ui);
	if (!ui->unified || !ui->tag_prefix || !ui_action_on_tags(act)) {
		ui_actions[act].fn(ui, arg);
		return;
	}
	/*
	 * Each account in turn, on its own tagged messages, where a folder
	 * name (Trash, Archive, "move Lists") means that account's own.
	 */
	sel = ui->lsel < ui->nids ? ui->ids[ui->lsel] : 0;
	xtags = ui->tags;
	nx = ui->ntags;
	ui->tags = NULL;
	ui->ntags = 0;
	mine = xcalloc(nx ? nx : 1, sizeof *mine);
	ui->fanning = 1;
	for (k = 0; k < ui->naccts; k++) {
		for (i = 0, n = 0; i < nx; i++)
			if (ui_xacct(ui, xtags[i], &id) == &ui->accts[k])
				mine[n++] = id;
		if (n == 0)
			continue;
		ui->cur_acct = (ssize_t)k;
		ui->cur_folder = ui_unified_inbox(ui, k);
		ui->unified = 0;	/* the account's own view of its ids */
		ui->tags = xcalloc(n, sizeof *ui->tags);
		memcpy(ui->tags, mine, n * sizeof *mine);
		ui->ntags = n;
		ui->tag_prefix = 1;
		ui->undo_append = !first;
		ui_actions[act].fn(ui, arg);
		first = 0;
		ui->unified = 1;
		/* What is still tagged (a move forgets what left). */
		for (i = 0; i < ui->ntags; i++)
			xtags[kept++] = ui_xid(ui, k, ui->tags[i]);
		free(ui->tags);
	}
	ui->fanning = 0;
	ui->undo_append = 0;
	ui->unified = 1;
	ui->tag_prefix = 0;
	free(mine);
	qsort(xtags, kept, sizeof *xtags, ui_id_cmp);
	ui->tags = xtags;
	ui->ntags = kept;
	ui_folders_reload(ui);
	ui_list_reload(ui);
	for (i = 0; i < ui->nids; i++)
		if (ui->ids[i] == sel)
			ui->lsel = i;
	/* In the pager, go on to the message that took the moved one's
	 * place, as in one account. */
	if (pager && ui->pager.open) {
		struct store_msg	 m;

		a = &ui->accts[ui->pager.acct];
		if (a->store != NULL &&
		    store_msg_by_id(a->store, ui->pager.id, &m) == 0) {
			if (m.folder_id != ui_unified_inbox(ui,
			    ui->pager.acct)) {
				if (ui->nids > 0)
					ui_pager_show(ui, ui_list_selected(ui));
				else
					ui_pager_close(ui);
			}
			store_msg_clear(&m);
		} else if (ui->nids > 0)
			ui_pager_show(ui, ui_list_selected(ui));
		else
			ui_pager_close(ui);
	}
	ui_unified_focus(ui);
	ui->dirty = 1;
}
