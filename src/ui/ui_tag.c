/*
 * ui_tag.c - tagged messages (mutt's tags): one at a time, by a search
 * query, or a whole thread; ';' then applies the next action to all of
 * them.  Tags live in the UI for the session (a sorted array of ids,
 * so drawing a row asks a binary search), mirrored in the store's
 * tagged mark so that a query can say is:tagged.  The UI thread.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"

int
ui_id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The store's copy of the tags (for is:tagged in queries). */
static void
ui_tags_store(struct ui *ui, const int64_t *ids, size_t n, int on)
{
	struct ui_acct	*a;
	int64_t		 id;
	size_t		 i;

	if (!ui->unified) {
		a = ui_cur(ui);
		if (a != NULL && a->store != NULL &&
		    store_msg_tag(a->store, ids, n, on) == -1)
			ui_status(ui, 1, "%s", store_error(a->store));
		return;
	}
	for (i = 0; i < n; i++)		/* list ids of several stores */
		if ((a = ui_xacct(ui, ids[i], &id)) != NULL &&
		    a->store != NULL && store_msg_tag(a->store, &id, 1, on) == -1)
			ui_status(ui, 1, "%s", store_error(a->store));
}

/* Store ids of the current account as list ids. */
static void
ui_tags_xids(struct ui *ui, int64_t *ids, size_t n)
{
	size_t	 i;

	for (i = 0; ui->unified && ui->cur_acct >= 0 && i < n; i++)
		ids[i] = ui_xid(ui, (size_t)ui->cur_acct, ids[i]);
}

int
ui_tags_has(struct ui *ui, int64_t id)
{
	return ui->ntags > 0 && bsearch(&id, ui->tags, ui->ntags,
	    sizeof *ui->tags, ui_id_cmp) != NULL;
}

void
ui_tags_set(struct ui *ui, int64_t id, int on)
{
	int64_t	*at;
	size_t	 i;

	at = ui->ntags > 0 ? bsearch(&id, ui->tags, ui->ntags,
	    sizeof *ui->tags, ui_id_cmp) : NULL;
	if (on == -1)
		on = at == NULL;
	if ((on != 0) != (at != NULL))
		ui_tags_store(ui, &id, 1, on);
	if (on && at == NULL) {
		ui->tags = xrealloc(ui->tags, (ui->ntags + 1) *
		    sizeof *ui->tags);
		for (i = ui->ntags; i > 0 && ui->tags[i - 1] > id; i--)
			ui->tags[i] = ui->tags[i - 1];
		ui->tags[i] = id;
		ui->ntags++;
	} else if (!on && at != NULL) {
		i = (size_t)(at - ui->tags);
		memmove(at, at + 1, (ui->ntags - i - 1) * sizeof *ui->tags);
		ui->ntags--;
	}
	ui->dirty = 1;
}

/* Tags or untags every id of ids[0..n). */
static void
ui_tags_many(struct ui *ui, const int64_t *ids, size_t n, int on)
{
	size_t	 i, j, k;
	int64_t	*v;

	if (!on) {
		for (i = 0; i < n; i++)
			ui_tags_set(ui, ids[i], 0);
		return;
	}
	ui_tags_store(ui, ids, n, 1);
	/* Merge: sort the new ids in, dropping duplicates. */
	v = xcalloc(ui->ntags + n + 1, sizeof *v);
	memcpy(v, ui->tags, ui->ntags * sizeof *v);
	memcpy(v + ui->ntags, ids, n * sizeof *v);
	qsort(v, ui->ntags + n, sizeof *v, ui_id_cmp);
	for (i = 0, k = 0; i < ui->ntags + n; i = j) {
		v[k++] = v[i];
		for (j = i + 1; j < ui->ntags + n && v[j] == v[i]; j++)
			;
	}
	free(ui->tags);
	ui->tags = v;
	ui->ntags = k;
	ui->dirty = 1;
}

int
ui_tags_query(struct ui *ui, const char *text, int on)
{
	struct query	 q;
	int64_t		*ids;
	size_t		 n, total = 0;
	char		*err = NULL;

	if (ui->cur_acct < 0 || ui_cur(ui)->store == NULL)
		return -1;
	if (!on && (text == NULL || *text == '\0')) {
		ui_tags_clear(ui);
		ui_status(ui, 0, "no message tagged");
		return 0;
	}
	if (query_compile(text, time(NULL), &q, &err) == -1) {
		ui_status(ui, 1, "%s", err);
		free(err);
		return -1;
	}
	if (ui_list_match(ui, &q, &ids, &n) == -1) {
		query_free(&q);
		return -1;
	}
	ui_tags_many(ui, ids, n, on);
	free(ids);
	total = n;
	query_free(&q);
	ui_status(ui, 0, "%zu %stagged; %zu tagged in all (; then a key "
	    "acts on them)", total, on ? "" : "un", ui->ntags);
	return 0;
}

void
ui_tags_thread(struct ui *ui, int on)
{
	struct ui_acct		*a = ui_cur(ui);
	struct store_msg	 m;
	struct query		 q;
	int64_t			*ids, id;
	size_t			 n, r, e;
	char			*root, *sp;

	if (a == NULL || a->store == NULL || ui->nids == 0)
		return;
	if (ui->trows != NULL) {
		/* The threaded view knows the thread: its rows. */
		for (r = ui->lsel; r > 0 && ui->trows[r].depth > 0; r--)
			;
		for (e = r + 1; e < ui->nids && ui->trows[e].depth > 0; e++)
			;
		ui_tags_many(ui, ui->ids + r, e - r, on);
		if (!on)
			for (; r < e; r++)
				ui_tags_set(ui, ui->ids[r], 0);
		return;
	}
	/*
	 * Flat: the thread's first message is the first Reference (in the
	 * unified INBOX, within the selection's account).
	 */
	id = ui_list_selected(ui);
	a = ui_cur(ui);
	if (a == NULL || a->store == NULL ||
	    store_msg_by_id(a->store, id, &m) != 0)
		return;
	root = xstrdup(m.references[0] != '\0' ? m.references :
	    m.in_reply_to[0] != '\0' ? m.in_reply_to : m.message_id);
	if ((sp = strchr(root, ' ')) != NULL)
		*sp = '\0';
	store_msg_clear(&m);
	if (*root == '\0' || strchr(root, '"') != NULL) {
		free(root);
		return;
	}
	memset(&q, 0, sizeof q);
	q.where = "(m.message_id = ?1 OR m.in_reply_to = ?1 OR "
	    "instr(' ' || m.refs || ' ', ' ' || ?1 || ' ') > 0)";
	q.params = xcalloc(1, sizeof *q.params);
	q.nparams = 1;
	q.params[0].s = root;
	if (store_list_ids(a->store, ui->cur_folder, STORE_SORT_DATE, 0, &q,
	    0, &ids, &n) == 0) {
		ui_tags_xids(ui, ids, n);
		ui_tags_many(ui, ids, n, on);
		free(ids);
	}
	free(q.params);
	free(root);
}

void
ui_tags_forget_gone(struct ui *ui)
{
	struct ui_acct		*a;
	struct store_msg	 m;
	int64_t			 id;
	size_t			 i, k = 0;

	for (i = 0; i < ui->ntags; i++) {
		a = ui_xacct(ui, ui->tags[i], &id);
		if (a != NULL && a->store != NULL &&
		    store_msg_by_id(a->store, id, &m) == 0) {
			if (m.folder_id == (ui->unified ? ui_unified_inbox(ui,
			    (size_t)(a - ui->accts)) : ui->cur_folder))
				ui->tags[k++] = ui->tags[i];
			store_msg_clear(&m);
		}
	}
	ui->ntags = k;
}

void
ui_tags_clear(struct ui *ui)
{
	ui_tags_store(ui, ui->tags, ui->ntags, 0);
	free(ui->tags);
	ui->tags = NULL;
	ui->ntags = 0;
	ui->tag_prefix = 0;
	ui->dirty = 1;
}
