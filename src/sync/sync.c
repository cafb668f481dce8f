/*
 * sync.c - one sync pass of an account: the folder list, then every
 * folder whose server state differs from the store's (one pipelined
 * STATUS round trip tells which), each brought to agree with the
 * server.  Run by the account's engine thread, which owns the IMAP
 * session and its own store connection.
 *
 * The server is the authority, and nothing is deleted because of
 * tern's own state: a message leaves the store only when the server's
 * UID SEARCH of the window (or a VANISHED) no longer has it, and the
 * day window is a fetch filter, never a deletion on the server.
 * When a folder's rows are rebuilt (a UIDVALIDITY change, rows or a
 * whole index lost), the bodies already in its cache are given back to
 * the new rows (store_adopt.c), never downloaded again.
 * Order is important in sync_folder(): SELECT, then replay the queued
 * operations, then read the server's state, so that a queued change
 * wins over an older server value and is never undone by the pull.
 *
 * INBOX is synced by two threads of the engine (the main one in its
 * passes, the push thread on its IDLE connection), each with its own
 * session and store connection: sync_ctx.inbox_lock keeps them from
 * syncing or replaying it at the same time.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail.h"
#include "net.h"
#include "store.h"
#include "sync.h"
#include "fetch_pipe.h"
#include "sync_int.h"

#define SYNC_TXN_BATCH	2000	/* messages per store transaction */
#define SYNC_TMP_MAX_AGE (36 * 3600)	/* tmp/ files older are leftovers */
#define SYNC_DEFER_MAX	400		/* 5 ms pauses for the push thread */

/* Flag changes reported during a QRESYNC SELECT, applied afterwards. */
struct flag_change {
	uint32_t	 uid;
	unsigned	 flags;
	char		*keywords;
	uint64_t	 modseq;
};

struct changes {
	struct flag_change	*v;
	size_t			 n;
	uint64_t		 maxmodseq;
};

void
sync_progress(struct sync_ctx *s, const struct store_folder *f, uint64_t done,
    uint64_t total)
{
	engine_post_progress(s->engine, f->id, f->display, done, total);
}

void
sync_post_changed(struct sync_ctx *s, int64_t folder_id)
{
	struct engine_event	ev;

	if (s->engine == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_CHANGED;
	ev.folder_id = folder_id;
	engine_post(s->engine, &ev);
}

static int
collect_change(const struct imap_msg *m, void *arg)
{
	struct changes	*c = arg;

	if (!m->has_flags)
		return 0;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n].uid = m->uid;
	c->v[c->n].flags = m->flags;
	c->v[c->n].keywords = xstrdup(m->keywords);
	c->v[c->n].modseq = m->modseq;
	c->n++;
	if (m->modseq > c->maxmodseq)
		c->maxmodseq = m->modseq;
	return 0;
}

static void
changes_free(struct changes *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].keywords);
	free(c->v);
	memset(c, 0, sizeof *c);
}

/* The start of the day window (midnight UTC, as SEARCH SINCE counts). */
int64_t
sync_window_start(int64_t now, int days)
{
	int64_t	t;

	if (days <= 0)
		return 0;
	t = now - (int64_t)days * 86400;
	return t - t % 86400;
}

/* 1 if name is INBOX (its name is case-insensitive, RFC 3501 5.1). */
int
sync_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

/*
 * Between two batches of a long fetch, lets the push thread write
 * INBOX first: SQLite's busy wait would lose to our next BEGIN every
 * time.  Bounded, and never while INBOX itself is being synced.
 */
static void
sync_defer(struct sync_ctx *s, const struct store_folder *f)
{
	struct timespec	ts = { 0, 5 * 1000 * 1000 };
	int		i;

	if (s->defer == NULL || sync_is_inbox(f->name))
		return;
	for (i = 0; *s->defer && i < SYNC_DEFER_MAX; i++)
		nanosleep(&ts, NULL);
}

/* ---- new messages ---- */

/* Rows given to the store at once (store_msg_put_many()). */
#define SYNC_PUT_RUN	64

int
sync_put_messages(const struct fetched *r, size_t n, void *arg)
{
	struct fetch_state	*fs = arg;
	struct store_msg	 sm[SYNC_PUT_RUN];
	const struct imap_msg	*m;
	size_t			 i, k;

	while (n > 0 && !fs->failed) {
		if (fs->s->stop != NULL && *fs->s->stop)
			return 1;
		if (!fs->in_txn) {
			if (store_begin(fs->s->store) == -1) {
				fs->failed = 1;
				return 1;
			}
			fs->in_txn = 1;
		}
		/* Up to the next commit, at most SYNC_PUT_RUN. */
		k = SYNC_TXN_BATCH - fs->done % SYNC_TXN_BATCH;
		k = k < n ? k : n;
		k = k < SYNC_PUT_RUN ? k : SYNC_PUT_RUN;
		memset(sm, 0, k * sizeof sm[0]);
		for (i = 0; i < k; i++) {
			m = &r[i].msg;
			sm[i].folder_id = fs->f->id;
			sm[i].uid = m->uid;
			sm[i].modseq = m->modseq;
			sm[i].flags = m->flags;
			sm[i].keywords = (char *)m->keywords;
			sm[i].internaldate = m->internaldate;
			sm[i].size = m->size;
			sm[i].date = r[i].h.date;
			sm[i].from = r[i].h.from;
			sm[i].to = r[i].h.to;
			sm[i].cc = r[i].h.cc;
			sm[i].subject = r[i].h.subject;
			sm[i].message_id = r[i].h.message_id;
			sm[i].in_reply_to = r[i].h.in_reply_to;
			sm[i].references = r[i].h.references;
			if (m->modseq > fs->maxmodseq)
				fs->maxmodseq = m->modseq;
			if (!(m->flags & FLAG_SEEN))
				fs->unseen++;
		}
		if (store_msg_put_many(fs->s->store, sm, k) == -1)
			fs->failed = 1;
		fs->done += k;
		r += k;
		n -= k;
		if (fs->done % SYNC_TXN_BATCH == 0) {
			/* Commit in batches: a crash keeps what was fetched. */
			if (store_commit(fs->s->store) == -1)
				fs->failed = 1;
			fs->in_txn = 0;
			sync_defer(fs->s, fs->f);
			if (fs->done < fs->total)
				sync_progress(fs->s, fs->f, fs->done, fs->total);
		}
	}
	return fs->failed;
}

/* What the reader thread fetches: every message, or these UIDs. */
struct header_fetch {
	struct imap_conn	*imap;
	const uint32_t		*uids;	/* NULL: 1:* */
	size_t			 n;
};

static int
fetch_headers(void *arg, imap_msg_cb cb, void *cbarg, char **errp)
{
	struct header_fetch	*hf = arg;

	if (hf->uids == NULL)
		return imap_fetch_headers(hf->imap, NULL, 0,
		    header_field_names, cb, cbarg, errp);
	return imap_fetch(hf->imap, hf->uids, hf->n, IMAP_FETCH_HEADERS,
	    header_field_names, 0, cb, cbarg, errp);
}

static int
put_body(const struct imap_msg *m, void *arg)
{
	struct fetch_state	*fs = arg;
	char			*err = NULL;

	if (fs->s->stop != NULL && *fs->s->stop)
		return 1;
	if (m->body == NULL)
		return 0;
	if (store_msg_body(fs->s->store, fs->f->id, m->uid, m->body,
	    m->body_len, &err) == -1) {
		log_msg(LOG_WARN, "%s: %s: cannot cache message %u: %s",
		    fs->s->acct->name, fs->f->display, m->uid, err);
		free(err);
		fs->failed = 1;
		/*
		 * One bad entry in the cache (a directory where the file
		 * goes, #45) must not keep the folder's other bodies out:
		 * the prefetch goes on, and the row stays uncached.
		 */
		return fs->skip_bad ? 0 : 1;
	}
	return 0;
}

/* Removes what a crash left in the folder's tmp/ long ago. */
static void
clean_tmp(struct sync_ctx *s, const struct store_folder *f)
{
	char	*dir = store_folder_dir(s->store, f);
	int	 n;

	if (dir == NULL)
		return;
	if ((n = maildir_clean_tmp(dir, SYNC_TMP_MAX_AGE)) > 0)
		log_msg(LOG_INFO, "%s: %s: removed %d stale files from tmp/",
		    s->acct->name, f->display, n);
	free(dir);
}

/*
 * After a rebuild or lost rows: the bodies still in the folder's cache
 * go back to the new rows (no download), and so do the tags.
 */
int
sync_reuse(struct sync_ctx *s, struct store_folder *f, char *const *tags,
    size_t ntags)
{
	int	 adopted, left;

	if (store_adopt_files(s->store, f->id, &adopted, &left) == -1 ||
	    store_msg_retag(s->store, f->id, tags, ntags) == -1)
		return -1;
	if (adopted > 0 || left > 0)
		log_msg(LOG_INFO, "%s: %s: %d cached bodies reused, %d cached "
		    "files match no message on the server", s->acct->name,
		    f->display, adopted, left);
	return 0;
}

/* uids in a (sorted) that are not in b (sorted). */
static uint32_t *
uid_minus(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    size_t *nout)
{
	uint32_t	*out = xcalloc(na + 1, sizeof *out);
	size_t		 i = 0, j = 0, n = 0;

	for (i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j < nb && b[j] == a[i])
			continue;
		out[n++] = a[i];
	}
	*nout = n;
	return out;
}

/* Fetches bodies of uncached messages inside the body window. */
int
sync_prefetch_bodies(struct sync_ctx *s, struct store_folder *f, char **errp)
{
	struct fetch_state	 fs;
	uint32_t		*want;
	size_t			 nwant = 0;
	int			 r;

	if (s->acct->body_days <= 0)
		return 0;
	if (store_msg_uncached(s->store, f->id, sync_window_start(s->now,
	    s->acct->body_days), &want, &nwant) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		return -1;
	}
	memset(&fs, 0, sizeof fs);
	fs.s = s;
	fs.f = f;
	fs.skip_bad = 1;
	r = nwant == 0 ? 0 : imap_fetch(s->imap, want, nwant, IMAP_FETCH_BODY,
	    NULL, 0, put_body, &fs, errp);
	free(want);
	return r;
}

/* The sorted union of two sorted uid arrays. */
static uint32_t *
uid_union(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    size_t *nout)
{
	uint32_t	*out = xcalloc(na + nb + 1, sizeof *out);
	size_t		 i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i] < b[j]))
			out[n++] = a[i++];
		else if (i == na || b[j] < a[i])
			out[n++] = b[j++];
		else {
			out[n++] = a[i++];
			j++;
		}
	}
	*nout = n;
	return out;
}

/* The sorted uids of f that a queued MOVE or EXPUNGE has taken away. */
static int
hidden_uids(struct sync_ctx *s, const struct store_folder *f,
    uint32_t uidvalidity, uint32_t **out, size_t *nout)
{
	struct pending	*p = NULL;
	size_t		 n = 0, i, k = 0;

	if (pending_list(s->store, f->id, &p, &n) == -1)
		return -1;
	*out = xcalloc(n + 1, sizeof **out);
	for (i = 0; i < n; i++)
		if (pending_op_hides(p[i].op) &&
		    (p[i].uidvalidity == 0 || p[i].uidvalidity == uidvalidity))
			(*out)[k++] = p[i].uid;
	pending_free(p, n);
	qsort(*out, k, sizeof **out, imap_uid_cmp);
	*nout = k;
	return 0;
}

/*
 * Replays f's queued operations.  A failed operation stays queued (and
 * is shown); only a lost connection stops the folder's sync.
 */
static int
replay(struct sync_ctx *s, struct store_folder *f, uint32_t uidvalidity,
    char **errp)
{
	char	*err = NULL;

	if (sync_replay(s, f->id, uidvalidity, &err) == 0)
		return 0;
	log_msg(LOG_WARN, "%s: %s: %s", s->acct->name, f->display, err);
	if (s->imap->dead) {
		seterr(errp, "%s", err);
		free(err);
		return -1;
	}
	free(err);
	return 0;
}

static int
apply_changes(struct sync_ctx *s, struct store_folder *f,
    const struct changes *c)
{
	size_t	i;
	int	r = 0;

	if (c->n == 0)
		return 0;
	if (store_begin(s->store) == -1)
		return -1;
	for (i = 0; i < c->n && r == 0; i++)
		r = store_msg_server_flags(s->store, f->id, c->v[i].uid,
		    c->v[i].flags, c->v[i].keywords, c->v[i].modseq);
	if (r == 0)
		r = store_commit(s->store);
	else
		store_rollback(s->store);
	return r;
}

/*
 * Makes folder f agree with the server.  f->uidvalidity etc. are the
 * store's state from the last sync.
 */
static int
sync_one_locked(struct sync_ctx *s, struct store_folder *f, char **errp)
{
	struct imap_sel		 sel;
	struct changes		 ch;
	struct fetch_state	 fs;
	struct header_fetch	 hf;
	uint32_t		*server = NULL, *localu = NULL, *gone = NULL;
	uint32_t		*fresh = NULL, *keep = NULL, *hidden = NULL;
	uint32_t		*free_fresh;
	size_t			 nserver = 0, nlocal = 0, ngone = 0, nfresh = 0;
	size_t			 nkeep = 0, nhidden = 0, i, n;
	int64_t			 win = sync_window_start(s->now,
				    s->acct->sync_days);
	uint64_t		 hms;
	int			 ret = -1, rebuilt = 0, fetch_all = 0;
	int			 lost = 0;
	char			**tags = NULL;
	size_t			 ntags = 0;

	memset(&ch, 0, sizeof ch);
	memset(&sel, 0, sizeof sel);
	if (imap_select(s->imap, f->name, f->uidvalidity, f->highestmodseq,
	    &sel, collect_change, &ch, errp) == -1)
		goto out;

	if (sel.uidvalidity != f->uidvalidity) {
		/*
		 * A first sync, or the server renumbered the folder: the
		 * cache is (re)built.  Queued operations keep their
		 * Message-IDs and are matched again after the headers are
		 * fetched; nothing is deleted on the server.  Rows left by
		 * an interrupted first sync of an unknown generation go too.
		 */
		if (f->uidvalidity != 0)
			log_msg(LOG_WARN, "%s: %s: UIDVALIDITY changed (%u -> "
			    "%u); rebuilding its cache", s->acct->name,
			    f->display, f->uidvalidity, sel.uidvalidity);
		/*
		 * The rows go, their files stay: a body the new rows have
		 * by Message-ID is reused, not downloaded again (#33), and
		 * the local tags follow their Message-IDs.
		 */
		if (store_msg_tagged(s->store, f->id, &tags, &ntags) == -1 ||
		    store_msg_forget_rows(s->store, f->id) == -1)
			goto store_err;
		changes_free(&ch);
		f->highestmodseq = 0;
		f->uidnext = 0;
		f->messages = 0;
		f->uidvalidity = sel.uidvalidity;
		/*
		 * Order is important: the generation is recorded before any
		 * row of it is committed, so a sync killed part-way leaves
		 * rows whose UIDs are known to belong to this UIDVALIDITY.
		 */
		if (store_folder_synced(s->store, f->id, sel.uidvalidity, 0, 0,
		    0, 0) == -1)
			goto store_err;
		rebuilt = 1;
	}

	/* Queued operations first: they must win over older server state. */
	if (replay(s, f, sel.uidvalidity, errp) == -1)
		goto out;

	/*
	 * From here until the replay below, every write is a copy of the
	 * server's state, redone by the next sync if a power loss rolls it
	 * back: no fsync per batch.  Queued operations stay durable.
	 */
	if (store_set_durable(s->store, 0) == -1)
		goto store_err;
	if (store_msg_uid_set(s->store, f->id, &localu, &nlocal) == -1)
		goto store_err;
	if (hidden_uids(s, f, sel.uidvalidity, &hidden, &nhidden) == -1)
		goto store_err;
	/*
	 * Fewer rows than the server had at the last sync (of the whole
	 * folder), or none at all: the folder's rows were lost (#36).
	 * Every UID is compared, not only those from UIDNEXT on, and the
	 * bodies still in the cache are reused.
	 */
	lost = !rebuilt && f->messages > 0 && (nlocal == 0 ||
	    (f->window == 0 && nlocal + nhidden < f->messages));
	if (lost)
		log_msg(LOG_WARN, "%s: %s: %zu messages in the index, %u on "
		    "the server at the last sync; comparing every UID",
		    s->acct->name, f->display, nlocal, f->messages);
	if (rebuilt && nlocal == 0 && win == 0 && nhidden == 0) {
		/*
		 * A first sync of the whole folder: UID FETCH 1:* below
		 * needs no UID list, so no SEARCH round trip and no reply
		 * of one number per message.
		 */
		fetch_all = 1;
	} else if (sel.qresync && !rebuilt && f->uidnext > 0 &&
	    f->window == win && !lost) {
		/*
		 * QRESYNC said what vanished; only UIDs from the last
		 * UIDNEXT on can be new.  No full UID list is needed.
		 */
		if (imap_search_since(s->imap, win, f->uidnext, &fresh, &nfresh,
		    errp) == -1)
			goto out;
		if (sel.nvanished > 1)	/* NULL when nothing vanished */
			qsort(sel.vanished, sel.nvanished,
			    sizeof *sel.vanished, imap_uid_cmp);
		keep = uid_minus(localu, nlocal, sel.vanished, sel.nvanished,
		    &nkeep);
		server = uid_union(keep, nkeep, fresh, nfresh, &nserver);
		free(keep);
		free(fresh);
		keep = fresh = NULL;
	} else if (imap_search_since(s->imap, win, 0, &server, &nserver,
	    errp) == -1)
		goto out;

	/* Gone from the server's window: mirror that locally. */
	gone = uid_minus(localu, nlocal, server, nserver, &ngone);
	if (ngone > 0) {
		if (store_begin(s->store) == -1)
			goto store_err;
		for (i = 0; i < ngone; i++)
			if (store_msg_remove(s->store, f->id, gone[i]) == -1) {
				store_rollback(s->store);
				goto store_err;
			}
		if (store_commit(s->store) == -1)
			goto store_err;
	}

	/* Flags of the messages both sides have. */
	keep = uid_minus(localu, nlocal, gone, ngone, &nkeep);
	if (sel.qresync && !rebuilt) {
		if (apply_changes(s, f, &ch) == -1)
			goto store_err;
	} else if (nkeep > 0) {
		changes_free(&ch);
		/* CONDSTORE: only what changed; otherwise every flag. */
		if (imap_fetch(s->imap, keep, nkeep, IMAP_FETCH_FLAGS, NULL,
		    f->highestmodseq > 0 && sel.hms > 0 ? f->highestmodseq : 0,
		    collect_change, &ch, errp) == -1)
			goto out;
		if (apply_changes(s, f, &ch) == -1)
			goto store_err;
	}

	/* New in the window (or backfilled by a wider one). */
	fresh = uid_minus(server, nserver, localu, nlocal, &nfresh);
	/* Not what a queued MOVE or EXPUNGE took away (no resurrection). */
	n = nfresh;
	free_fresh = fresh;
	fresh = uid_minus(free_fresh, n, hidden, nhidden, &nfresh);
	free(free_fresh);
	memset(&fs, 0, sizeof fs);
	fs.s = s;
	fs.f = f;
	fs.total = fetch_all ? sel.exists : nfresh;
	if (fs.total > 0) {
		sync_progress(s, f, 0, fs.total);
		hf.imap = s->imap;
		hf.uids = fetch_all ? NULL : fresh;
		hf.n = nfresh;
		if (fetch_pipe_run(fetch_headers, &hf, sync_put_messages, &fs,
		    errp) == -1) {
			if (fs.in_txn)
				store_commit(s->store);
			goto out;
		}
		if (fs.in_txn && store_commit(s->store) == -1)
			goto store_err;
		if (fs.failed)
			goto store_err;
		sync_progress(s, f, fs.done, fetch_all ? fs.done : nfresh);
		/* New mail is what arrives after the folder's first sync. */
		if (!rebuilt && !lost && sync_is_inbox(f->name))
			s->nnew += fs.unseen;
		/* Also after a rebuild that was interrupted (no UIDNEXT). */
		if ((rebuilt || lost || f->uidnext == 0) &&
		    sync_reuse(s, f, tags, ntags) == -1)
			goto store_err;
	}

	/* Narrowed window: forget what is older, locally only. */
	if (win > f->window || (f->window == 0 && win > 0))
		if (store_msg_prune(s->store, f->id, win) == -1)
			goto store_err;

	if (store_set_durable(s->store, 1) == -1)
		goto store_err;
	/* After a rebuild, operations matched by Message-ID can go now. */
	if (rebuilt && replay(s, f, sel.uidvalidity, errp) == -1)
		goto out;

	/* The cache directory was removed: bodies are fetched again. */
	if (store_msg_files_lost(s->store, f->id) == -1)
		goto store_err;
	if (sync_prefetch_bodies(s, f, errp) == -1)
		goto out;
	clean_tmp(s, f);

	hms = sel.hms;
	if (ch.maxmodseq > hms)
		hms = ch.maxmodseq;
	if (fs.maxmodseq > hms)
		hms = fs.maxmodseq;
	/*
	 * The folder's state is a copy of the server's too: written
	 * without an fsync of its own.  WAL keeps commits in order, so a
	 * power loss can only roll it back to an older state, which the
	 * next sync redoes (an fsync per folder was most of the fsyncs of
	 * a first sync).
	 */
	if (store_set_durable(s->store, 0) == -1 ||
	    store_folder_synced(s->store, f->id, sel.uidvalidity, sel.uidnext,
	    hms, sel.exists, win) == -1)
		goto store_err;
	sync_post_changed(s, f->id);
	ret = 0;
	goto out;
store_err:
	seterr(errp, "store: %s", store_error(s->store));
out:
	(void)store_set_durable(s->store, 1);
	changes_free(&ch);
	imap_sel_clear(&sel);
	free(server);
	free(localu);
	free(gone);
	free(fresh);
	free(keep);
	free(hidden);
	for (i = 0; i < ntags; i++)
		free(tags[i]);
	free(tags);
	return ret;
}

static int
sync_one(struct sync_ctx *s, struct store_folder *f, char **errp)
{
	int	locked = s->inbox_lock != NULL && sync_is_inbox(f->name);
	int	r;

	if (locked)
		pthread_mutex_lock(s->inbox_lock);
	r = sync_one_locked(s, f, errp);
	if (locked)
		pthread_mutex_unlock(s->inbox_lock);
	return r;
}

int
sync_fetch_body(struct sync_ctx *s, int64_t folder_id, uint32_t uid,
    char **errp)
{
	struct store_folder	f;
	struct store_msg	m;
	struct imap_sel		sel;
	struct fetch_state	fs;
	int			r = -1;

	memset(&f, 0, sizeof f);
	if (store_folder_get_id(s->store, folder_id, &f) != 0) {
		seterr(errp, "folder %lld is not in the store",
		    (long long)folder_id);
		return -1;
	}
	if (imap_select(s->imap, f.name, 0, 0, &sel, NULL, NULL, errp) == -1)
		goto out;
	if (sel.uidvalidity != f.uidvalidity) {
		/* Renumbered since the last sync: that UID means nothing. */
		seterr(errp, "%s changed on the server; sync it first",
		    f.display);
		imap_sel_clear(&sel);
		goto out;
	}
	imap_sel_clear(&sel);
	memset(&fs, 0, sizeof fs);
	fs.s = s;
	fs.f = &f;
	if (imap_fetch(s->imap, &uid, 1, IMAP_FETCH_BODY, NULL, 0, put_body,
	    &fs, errp) == -1)
		goto out;
	if (fs.failed) {
		seterr(errp, "%s: cannot cache message %u", f.display, uid);
		goto out;
	}
	memset(&m, 0, sizeof m);
	if (store_msg_get(s->store, folder_id, uid, &m) != 0 || !m.cached) {
		seterr(errp, "%s: message %u is not on the server (any more)",
		    f.display, uid);
		store_msg_clear(&m);
		goto out;
	}
	store_msg_clear(&m);
	r = 0;
out:
	store_folder_clear(&f);
	return r;
}

int
sync_folder(struct sync_ctx *s, const char *name, char **errp)
{
	struct store_folder	f;
	int			r;

	memset(&f, 0, sizeof f);
	r = store_folder_get(s->store, name, &f);
	if (r != 0) {
		seterr(errp, "no folder %s in the store", name);
		return -1;
	}
	r = sync_one(s, &f, errp);
	store_folder_clear(&f);
	return r;
}

/* Updates the store's folder list from LIST/LSUB; forgets vanished ones. */
static int
sync_folder_list(struct sync_ctx *s, struct imap_mailbox **mbp, size_t *np,
    char **errp)
{
	struct imap_mailbox	*mb = NULL;
	struct store_folder	*fl = NULL;
	size_t			 n = 0, nf = 0, i, j;
	int64_t			 id;
	int			 found;

	if (imap_list(s->imap, &mb, &n, errp) == -1)
		return -1;
	if (store_begin(s->store) == -1)
		goto store_err;
	for (i = 0; i < n; i++)
		if (store_folder_put(s->store, mb[i].name, mb[i].delim,
		    mb[i].role, mb[i].subscribed, mb[i].noselect, &id) == -1) {
			store_rollback(s->store);
			goto store_err;
		}
	if (store_commit(s->store) == -1)
		goto store_err;
	/* Only the names are needed: no folder's messages are counted. */
	if (store_folders_unread(s->store, &fl, &nf) == -1)
		goto store_err;
	for (i = 0; i < nf; i++) {
		found = 0;
		for (j = 0; j < n && !found; j++)
			found = strcmp(fl[i].name, mb[j].name) == 0;
		if (!found) {
			/* Deleted or renamed on the server: local copy only. */
			log_msg(LOG_INFO, "%s: folder %s is gone from the "
			    "server; forgetting its cache", s->acct->name,
			    fl[i].display);
			if (store_folder_forget(s->store, fl[i].id) == -1) {
				store_folders_free(fl, nf);
				goto store_err;
			}
		}
	}
	store_folders_free(fl, nf);
	*mbp = mb;
	*np = n;
	return 0;
store_err:
	imap_mailboxes_free(mb, n);
	seterr(errp, "store: %s", store_error(s->store));
	return -1;
}

/*
 * Replays every folder's queued operations.  A folder the server has
 * renumbered is left to sync_one(), which rebuilds it and matches the
 * operations again by Message-ID first.
 */
static int
replay_all(struct sync_ctx *s, char **errp)
{
	struct pending		*p = NULL;
	struct store_folder	 f;
	struct imap_sel		 sel;
	char			*err = NULL;
	size_t			 n = 0, i, j;
	int			 seen, locked, r = 0;

	if (pending_list(s->store, -1, &p, &n) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		return -1;
	}
	for (i = 0; i < n && r == 0; i++) {
		seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = p[j].folder_id == p[i].folder_id;
		memset(&f, 0, sizeof f);
		if (seen || store_folder_get_id(s->store, p[i].folder_id,
		    &f) != 0)
			continue;
		if (!f.noselect && imap_select(s->imap, f.name, 0, 0, &sel,
		    NULL, NULL, &err) == 0) {
			locked = s->inbox_lock != NULL &&
			    sync_is_inbox(f.name);
			if (locked)
				pthread_mutex_lock(s->inbox_lock);
			if (sel.uidvalidity == f.uidvalidity)
				r = replay(s, &f, sel.uidvalidity, errp);
			if (locked)
				pthread_mutex_unlock(s->inbox_lock);
			imap_sel_clear(&sel);
		} else if (s->imap->dead) {
			seterr(errp, "%s", err);
			r = -1;
		}
		free(err);
		err = NULL;
		store_folder_clear(&f);
	}
	pending_free(p, n);
	return r;
}

/* 1 if f's cache directory is missing while some row has a body. */
static int
cache_dir_gone(struct sync_ctx *s, const struct store_folder *f)
{
	struct stat	 sb;
	char		*dir = store_folder_dir(s->store, f);
	int		 gone;

	if (dir == NULL || f->path == NULL || f->path[0] == '/') {
		free(dir);
		return 0;
	}
	gone = stat(dir, &sb) == -1 && store_msg_any_cached(s->store, f->id);
	free(dir);
	return gone;
}

/* 1 if the folder's server state says there is nothing to do. */
static int
unchanged(struct sync_ctx *s, const struct store_folder *f,
    const struct imap_status *st, int64_t win, int has_pending)
{
	if (!st->ok || has_pending || f->uidvalidity == 0)
		return 0;
	if (f->uidvalidity != st->uidvalidity || f->uidnext != st->uidnext ||
	    f->messages != st->messages || f->window != win)
		return 0;
	/* Its cache directory was removed while rows have bodies in it. */
	if (f->total > 0 && cache_dir_gone(s, f))
		return 0;
	/* The folder's rows were lost: the server's state did not say so. */
	if (f->messages > 0 && f->total >= 0 && (f->total == 0 ||
	    (f->window == 0 && f->total < f->messages)))
		return 0;
	/* Without CONDSTORE a flag change is invisible to STATUS. */
	if (!imap_has(s->imap, "CONDSTORE"))
		return 0;
	return f->highestmodseq == st->hms;
}

/* Forgets the folders a replay changed: a failed pass's next one syncs them. */
static void
dirty_clear(struct sync_ctx *s)
{
	size_t	 i;

	for (i = 0; i < s->ndirty; i++)
		free(s->dirty[i]);
	free(s->dirty);
	s->dirty = NULL;
	s->ndirty = 0;
}

/*
 * The STATUS of every folder in names not marked in isnew (one
 * pipelined round trip), into st, which parallels names; a new
 * folder's stays zero, "changed".  A folder never synced is SELECTed by
 * sync_bulk() anyway: on a first sync, asking the server about every
 * folder first only kept it from sending headers (Dovecot: about 1 ms
 * of its time per folder).
 */
static int
status_of_synced(struct sync_ctx *s, char *const *names, size_t n,
    const int *isnew, struct imap_status *st, char **errp)
{
	struct imap_status	*got;
	char			**ask;
	size_t			*at, nask = 0, i;
	int			 r = 0;

	ask = xcalloc(n + 1, sizeof *ask);
	at = xcalloc(n + 1, sizeof *at);
	for (i = 0; i < n; i++)
		if (!isnew[i]) {
			at[nask] = i;
			ask[nask++] = names[i];
		}
	got = xcalloc(nask + 1, sizeof *got);
	if (nask > 0 && (r = imap_status_many(s->imap, ask, nask, got,
	    errp)) == 0)
		for (i = 0; i < nask; i++)
			st[at[i]] = got[i];
	free(got);
	free(at);
	free(ask);
	return r;
}

int
sync_pass(struct sync_ctx *s, char **errp)
{
	struct imap_mailbox	*mb = NULL;
	struct imap_status	*st = NULL;
	struct store_folder	 f;
	struct pending		*pend = NULL;
	char			**names = NULL, **fresh = NULL, *err = NULL;
	size_t			 n = 0, nsel = 0, npend = 0, nfresh = 0, i, j;
	size_t			*at = NULL;	/* fresh[j] is names[at[j]] */
	int			*isnew = NULL, *done = NULL, *skip = NULL;
	int64_t			 win = sync_window_start(s->now,
				    s->acct->sync_days);
	int			 failed = 0, has_pending;

	s->yielded = 0;
	if (imap_enable_qresync(s->imap, errp) == -1)
		return -1;
	if (sync_folder_list(s, &mb, &n, errp) == -1)
		return -1;
	/* Before STATUS: a replayed MOVE changes its target folder too. */
	if (replay_all(s, errp) == -1) {
		dirty_clear(s);
		imap_mailboxes_free(mb, n);
		return -1;
	}
	(void)store_set_bulk(s->store, 1);
	names = xcalloc(n + 1, sizeof *names);
	for (i = 0; i < n; i++)
		if (!mb[i].noselect)
			names[nsel++] = mb[i].name;
	st = xcalloc(nsel + 1, sizeof *st);
	if (pending_list(s->store, -1, &pend, &npend) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		goto fail;
	}
	/*
	 * Folders never synced, back to back first (sync_bulk.c), INBOX
	 * first of them; but not INBOX while a push thread syncs it too
	 * (sync_ctx.inbox_lock): a one-off `tern sync` has none.
	 */
	fresh = xcalloc(nsel + 1, sizeof *fresh);
	at = xcalloc(nsel + 1, sizeof *at);
	isnew = xcalloc(nsel + 1, sizeof *isnew);
	done = xcalloc(nsel + 1, sizeof *done);
	skip = xcalloc(nsel + 1, sizeof *skip);
	for (i = 0; i < nsel; i++) {
		memset(&f, 0, sizeof f);
		if ((sync_is_inbox(names[i]) && s->inbox_lock != NULL) ||
		    store_folder_get(s->store, names[i], &f) != 0)
			continue;
		has_pending = 0;
		for (j = 0; j < npend && !has_pending; j++)
			has_pending = pend[j].folder_id == f.id;
		if (f.uidvalidity == 0 && f.total == 0 && !has_pending) {
			j = 0;
			if (sync_is_inbox(names[i])) {
				memmove(fresh + 1, fresh, nfresh * sizeof *fresh);
				memmove(at + 1, at, nfresh * sizeof *at);
			} else
				j = nfresh;
			fresh[j] = names[i];
			at[j] = i;
			nfresh++;
			isnew[i] = 1;
		}
		store_folder_clear(&f);
	}
	if (status_of_synced(s, names, nsel, isnew, st, errp) == -1)
		goto fail;
	if (sync_bulk(s, fresh, nfresh, win, done, &err) == -1) {
		log_msg(LOG_ERROR, "%s: %s", s->acct->name, err);
		seterr(errp, "%s", err);
		free(err);
		err = NULL;
		failed = 1;
	}
	for (j = 0; j < nfresh; j++)
		skip[at[j]] = done[j];
	for (i = 0; i < nsel && !s->imap->dead; i++) {
		if (skip[i])
			continue;
		if (s->stop != NULL && *s->stop) {
			if (!failed)
				seterr(errp, "interrupted");
			failed = 1;
			break;
		}
		if (s->yield != NULL && *s->yield) {
			/* The user opened a folder: it goes first. */
			s->yielded = 1;
			break;
		}
		memset(&f, 0, sizeof f);
		if (store_folder_get(s->store, names[i], &f) != 0)
			continue;
		has_pending = 0;
		for (j = 0; j < npend && !has_pending; j++)
			has_pending = pend[j].folder_id == f.id;
		if (!unchanged(s, &f, &st[i], win, has_pending)) {
			if (sync_one(s, &f, &err) == -1) {
				log_msg(LOG_ERROR, "%s: %s: %s", s->acct->name,
				    f.display, err);
				if (!failed)
					seterr(errp, "%s: %s", f.display, err);
				free(err);
				err = NULL;
				failed = 1;
				if (s->imap->dead) {
					store_folder_clear(&f);
					break;
				}
			}
		}
		store_folder_clear(&f);
	}
	/* Targets of moves and copies replayed after their STATUS. */
	for (i = 0; i < s->ndirty; i++) {
		if (!failed && !s->imap->dead &&
		    sync_folder(s, s->dirty[i], &err) == -1) {
			seterr(errp, "%s: %s", s->dirty[i], err);
			free(err);
			err = NULL;
			failed = 1;
		}
		free(s->dirty[i]);
	}
	free(s->dirty);
	s->dirty = NULL;
	s->ndirty = 0;
	goto out;
fail:
	dirty_clear(s);
	failed = 1;
out:
	(void)store_set_bulk(s->store, 0);
	pending_free(pend, npend);
	free(fresh);
	free(at);
	free(isnew);
	free(done);
	free(skip);
	free(names);
	free(st);
	imap_mailboxes_free(mb, n);
	return failed ? -1 : 0;
}
