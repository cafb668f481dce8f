/*
 * sync_bulk.c - the first sync of folders never synced before, back to
 * back: a reader thread (fetch_pipe.c) SELECTs each folder, asks for
 * its window (UID SEARCH SINCE) and fetches its headers, then goes on
 * to the next folder at once, while the engine thread writes the rows.
 * One folder at a time (sync.c) would leave the server idle while tern
 * writes a folder's last rows and tern idle while the server opens the
 * next folder: on a first sync of many folders that was a third of
 * the time.  Without a day window (no UID SEARCH) the reader also
 * sends the next folder's SELECT and UID FETCH before it reads the
 * current folder's reply (imap_pipe.c), so the server never waits a
 * round trip for it either (100,000 messages in 50 folders: 5% less
 * time).  Run by the account's engine thread, which owns the store
 * connection and lends the IMAP session to the reader for the run.
 *
 * Only folders with nothing to reconcile come here: never synced, no
 * row, no queued operation, and not INBOX while the push thread also
 * syncs it (a one-off `tern sync` has no push thread: there INBOX
 * comes first).  The order of writes is sync.c's: the folder's UIDVALIDITY
 * is recorded before its first row, rows are committed in batches, and
 * its UIDNEXT and HIGHESTMODSEQ only once every row is in, so a sync
 * killed part-way leaves a folder the next pass completes the usual
 * way.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "sync_int.h"

enum bulk_mark {
	MARK_FOLDER = 1,	/* rows of this folder follow */
	MARK_DONE,		/* all of them came */
	MARK_CUT		/* the fetch failed part-way */
};

struct bulk_slot {
	struct store_folder	 f;	/* the store's row */
	struct imap_sel		 sel;	/* the reader's, before its mark */
	uint32_t		 total;	/* messages to fetch */
	uint64_t		 hms;	/* HIGHESTMODSEQ once fetched */
	int			 ok;	/* every row is in */
};

struct bulk {
	struct sync_ctx		*s;
	struct bulk_slot	*slots;
	size_t			 n;
	int64_t			 win;
	struct fetch_state	 fs;	/* engine thread: the current folder */
	struct bulk_slot	*cur;
};

/*
 * Reader thread: a folder's command failed with *why: -1 (said in
 * *errp) if the connection is lost, else 0 (logged: the usual sync of
 * the folder tries again and says so).
 */
static int
bulk_fail(struct sync_ctx *s, struct bulk_slot *sl, char **why,
    char **errp)
{
	int	 dead = s->imap->dead;

	if (dead)
		seterr(errp, "%s: %s", sl->f.display, *why);
	else
		log_msg(LOG_WARN, "%s: %s: %s", s->acct->name, sl->f.display,
		    *why);
	free(*why);
	*why = NULL;
	return dead ? -1 : 0;
}

/* Reader thread: 1 if the run is to end before the next folder. */
static int
bulk_stopping(struct sync_ctx *s, void *cbarg)
{
	return fetch_pipe_stopped(cbarg) || (s->stop != NULL && *s->stop) ||
	    (s->yield != NULL && *s->yield);
}

/*
 * Reader thread: every folder of the whole window (no UID SEARCH), its
 * rows to cb, with the next folder's commands sent before the current
 * folder's reply is read (imap_pipe.c).
 */
static int
bulk_fetch_piped(struct bulk *b, imap_msg_cb cb, void *cbarg, char **errp)
{
	struct sync_ctx		*s = b->s;
	struct imap_pipe	*p;
	struct bulk_slot	*sl;
	size_t			 i, sent = 0;
	char			*err = NULL;
	int			 r = 0, rs, rf;

	if ((p = imap_pipe_open(s->imap, header_field_names, errp)) == NULL)
		return -1;
	for (i = 0; i < b->n && r == 0; i++) {
		/* This folder and the next are in flight, unless stopping. */
		while (sent < b->n && sent < i + 2 && !bulk_stopping(s, cbarg))
			if (imap_pipe_send_folder(p, b->slots[sent++].f.name,
			    &err) == -1) {
				seterr(errp, "%s: %s",
				    b->slots[sent - 1].f.display, err);
				free(err);
				err = NULL;
				r = -1;
				break;
			}
		if (r != 0 || i >= sent)
			break;
		sl = &b->slots[i];
		if ((rs = imap_pipe_read_select(p, &sl->sel, &err)) == -1) {
			r = bulk_fail(s, sl, &err, errp);
			break;
		}
		if (rs == 1)
			(void)bulk_fail(s, sl, &err, errp);
		else {
			sl->total = sl->sel.exists;
			fetch_pipe_mark(cbarg, MARK_FOLDER, sl);
		}
		rf = imap_pipe_read_fetch(p, rs == 0 ? cb : NULL, cbarg, &err);
		/* An empty folder's 1:* may be refused: nothing is missing. */
		if (rf == 1 && rs == 0 && sl->total == 0)
			rf = 0;
		if (rs == 0)
			fetch_pipe_mark(cbarg, rf == 0 ? MARK_DONE : MARK_CUT,
			    sl);
		if (rf == -1 || (rf == 1 && rs == 0))
			r = bulk_fail(s, sl, &err, errp);
		free(err);
		err = NULL;
	}
	if (imap_pipe_close(p, r == 0 ? errp : NULL) == -1)
		r = -1;
	return r;
}

/* Reader thread: every folder in turn, its rows to cb. */
static int
bulk_fetch(void *arg, imap_msg_cb cb, void *cbarg, char **errp)
{
	struct bulk		*b = arg;
	struct sync_ctx		*s = b->s;
	struct imap_conn	*c = s->imap;
	struct bulk_slot	*sl;
	uint32_t		*uids;
	size_t			 i, nu;
	char			*err = NULL;
	int			 r;

	if (b->win == 0) {
		for (i = 0; i < b->n; i++)
			if (!imap_pipe_name_ok(b->slots[i].f.name))
				break;
		if (i == b->n)
			return bulk_fetch_piped(b, cb, cbarg, errp);
	}
	for (i = 0; i < b->n; i++) {
		sl = &b->slots[i];
		if (bulk_stopping(s, cbarg))
			break;
		uids = NULL;
		nu = 0;
		if (imap_select(c, sl->f.name, 0, 0, &sl->sel, NULL, NULL,
		    &err) == -1 || (b->win > 0 && imap_search_since(c, b->win,
		    0, &uids, &nu, &err) == -1)) {
			if (bulk_fail(s, sl, &err, errp) == -1)
				return -1;
			continue;
		}
		sl->total = b->win > 0 ? (uint32_t)nu : sl->sel.exists;
		fetch_pipe_mark(cbarg, MARK_FOLDER, sl);
		r = 0;
		if (sl->total > 0)
			r = b->win > 0 ? imap_fetch(c, uids, nu,
			    IMAP_FETCH_HEADERS, header_field_names, 0, cb,
			    cbarg, &err) : imap_fetch_headers(c, NULL, 0,
			    header_field_names, cb, cbarg, &err);
		free(uids);
		fetch_pipe_mark(cbarg, r == 0 ? MARK_DONE : MARK_CUT, sl);
		if (r == -1 && bulk_fail(s, sl, &err, errp) == -1)
			return -1;
	}
	return 0;
}

/* Engine thread: the rows of sl follow. */
static int
bulk_begin(struct bulk *b, struct bulk_slot *sl)
{
	struct sync_ctx	*s = b->s;

	/* The generation first: rows are known to belong to it. */
	if (store_folder_synced(s->store, sl->f.id, sl->sel.uidvalidity, 0,
	    0, 0, 0) == -1)
		return 1;
	sl->f.uidvalidity = sl->sel.uidvalidity;
	memset(&b->fs, 0, sizeof b->fs);
	b->fs.s = s;
	b->fs.f = &sl->f;
	b->fs.total = sl->total;
	b->cur = sl;
	if (sl->total > 0)
		sync_progress(s, &sl->f, 0, sl->total);
	return 0;
}

/*
 * Engine thread: sl agrees with the server as its SELECT saw it.  Its
 * UIDNEXT and HIGHESTMODSEQ are what tell the next pass so.
 */
static int
bulk_record(struct bulk *b, struct bulk_slot *sl)
{
	if (store_folder_synced(b->s->store, sl->f.id, sl->sel.uidvalidity,
	    sl->sel.uidnext, sl->hms, sl->sel.exists, b->win) == -1)
		return 1;
	sync_post_changed(b->s, sl->f.id);
	return 0;
}

/* Engine thread: the rows of the current folder are written; all if ok. */
static int
bulk_end(struct bulk *b, int ok)
{
	struct sync_ctx		*s = b->s;
	struct bulk_slot	*sl = b->cur;

	if (sl == NULL)
		return 0;
	b->cur = NULL;
	if (b->fs.in_txn && store_commit(s->store) == -1)
		b->fs.failed = 1;
	b->fs.in_txn = 0;
	if (b->fs.failed)
		return 1;
	if (!ok)
		return 0;
	sl->hms = sl->sel.hms > b->fs.maxmodseq ? sl->sel.hms :
	    b->fs.maxmodseq;
	if (sl->total > 0)
		sync_progress(s, &sl->f, b->fs.done, b->fs.done);
	/* A lost index or folder state: the cache's bodies are reused. */
	if (sync_reuse(s, &sl->f, NULL, 0) == -1)
		return 1;
	sl->ok = 1;
	/* With bodies to cache, the folder is complete after them. */
	return s->acct->body_days > 0 ? 0 : bulk_record(b, sl);
}

/* Engine thread: what the reader sent, in order. */
static int
bulk_put(const struct fetched *r, size_t n, void *arg)
{
	struct bulk	*b = arg;

	switch (r->mark) {
	case MARK_FOLDER:
		return bulk_begin(b, r->data);
	case MARK_DONE:
		return bulk_end(b, 1);
	case MARK_CUT:
		return bulk_end(b, 0);
	default:
		return b->cur != NULL ? sync_put_messages(r, n, &b->fs) : 0;
	}
}

/*
 * Engine thread, after the run: body_days' bodies of a folder synced
 * here, on the folder SELECTed again (the reader left another one
 * selected), if it is still the same generation.
 */
static int
bulk_bodies(struct sync_ctx *s, struct bulk_slot *sl, char **errp)
{
	struct imap_sel	 sel;
	int		 r = 0;

	if (s->acct->body_days <= 0)
		return 0;
	if (imap_select(s->imap, sl->f.name, 0, 0, &sel, NULL, NULL,
	    errp) == -1)
		return -1;
	if (sel.uidvalidity == sl->sel.uidvalidity)
		r = sync_prefetch_bodies(s, &sl->f, errp);
	imap_sel_clear(&sel);
	return r;
}

int
sync_bulk(struct sync_ctx *s, char *const *names, size_t n, int64_t win,
    int *done, char **errp)
{
	struct bulk	 b;
	size_t		 i, k;
	char		*err = NULL;
	int		 r;

	if (n == 0)
		return 0;
	memset(&b, 0, sizeof b);
	b.s = s;
	b.win = win;
	b.slots = xcalloc(n, sizeof *b.slots);
	for (i = 0; i < n; i++)
		if (store_folder_get(s->store, names[i], &b.slots[b.n].f) == 0)
			b.n++;
	/* Copies of the server's state, as in sync.c: no fsync per batch. */
	(void)store_set_durable(s->store, 0);
	r = fetch_pipe_run(bulk_fetch, &b, bulk_put, &b, errp);
	/* Stopped part-way: keep the rows; the folder is completed later. */
	(void)bulk_end(&b, 0);
	for (k = 0; k < b.n; k++) {
		if (b.slots[k].ok && s->acct->body_days > 0) {
			if (s->imap->dead || bulk_bodies(s, &b.slots[k],
			    &err) == -1 || bulk_record(&b, &b.slots[k]) != 0) {
				/* The next pass syncs the folder the usual way. */
				b.slots[k].ok = 0;
				if (err != NULL)
					log_msg(LOG_WARN, "%s: %s: %s",
					    s->acct->name, b.slots[k].f.display,
					    err);
				if (s->imap->dead && r == 0) {
					seterr(errp, "%s: %s",
					    b.slots[k].f.display, err != NULL ?
					    err : "connection lost");
					r = -1;
				}
				free(err);
				err = NULL;
			}
		}
		if (b.slots[k].ok) {
			for (i = 0; i < n; i++)
				if (strcmp(names[i], b.slots[k].f.name) == 0)
					done[i] = 1;
		}
		imap_sel_clear(&b.slots[k].sel);
		store_folder_clear(&b.slots[k].f);
	}
	(void)store_set_durable(s->store, 1);
	free(b.slots);
	return r;
}
