/*
 * xfer.c - the engine's part of a move or copy to another account
 * (PENDING_XMOVE, PENDING_XCOPY; the steps are described in store.h,
 * pending_xfer.c).  Run by the engine threads: the source account's
 * engine stages the message and hands it to the target account's
 * pending operations, then waits; the target account's engine APPENDs
 * it; once the target's operation is gone (the server confirmed the
 * APPEND) the source's engine expunges the original.  Never the other
 * way round: until the target's server holds the copy, the source's
 * server keeps the original.
 *
 * Engines of one process find each other through a small registry
 * (any thread), so each step wakes the account that takes the next one
 * at once; without it (two processes) the next periodic pass does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "store.h"
#include "sync.h"

#define XFER_MSG_MAX	(64 * 1024 * 1024)	/* largest message moved */
#define XFER_SWEEP_AGE	(24 * 3600)		/* orphaned staged files */

/* ---- the registry of running engines (any thread) ---- */

struct xfer_reg {
	char		*account;
	struct engine	*engine;
};

static pthread_mutex_t	 xfer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xfer_reg	*xfer_regs;
static size_t		 xfer_nregs;

void
xfer_register(struct engine *e, const char *account)
{
	pthread_mutex_lock(&xfer_lock);
	xfer_regs = xrealloc(xfer_regs, (xfer_nregs + 1) * sizeof *xfer_regs);
	xfer_regs[xfer_nregs].account = xstrdup(account);
	xfer_regs[xfer_nregs].engine = e;
	xfer_nregs++;
	pthread_mutex_unlock(&xfer_lock);
}

void
xfer_unregister(struct engine *e)
{
	size_t	 i;

	pthread_mutex_lock(&xfer_lock);
	for (i = 0; i < xfer_nregs; i++)
		if (xfer_regs[i].engine == e) {
			free(xfer_regs[i].account);
			xfer_regs[i] = xfer_regs[--xfer_nregs];
			break;
		}
	if (xfer_nregs == 0) {
		free(xfer_regs);
		xfer_regs = NULL;
	}
	pthread_mutex_unlock(&xfer_lock);
}

void
xfer_wake(const char *account)
{
	size_t	 i;

	pthread_mutex_lock(&xfer_lock);
	for (i = 0; i < xfer_nregs; i++)
		if (strcmp(xfer_regs[i].account, account) == 0)
			engine_wake(xfer_regs[i].engine);
	pthread_mutex_unlock(&xfer_lock);
}

/* ---- the steps (engine thread) ---- */

int
xfer_handles(const struct pending *p)
{
	return p->op == PENDING_XMOVE || p->op == PENDING_XCOPY ||
	    (p->op == PENDING_APPEND && p->target != NULL &&
	    *p->target != '\0');
}

/* The target account's store, opened once per run; NULL on failure. */
struct xfer_target {
	char		*account;
	struct store	*store;
};

static struct store *
xfer_target(struct xfer_target *t, const char *account, char **errp)
{
	char	*dir;

	if (t->store != NULL && strcmp(t->account, account) == 0)
		return t->store;
	store_close(t->store);
	free(t->account);
	t->store = NULL;
	t->account = xstrdup(account);
	if ((dir = config_data_dir(account)) == NULL) {
		seterr(errp, "no data directory for account %s", account);
		return NULL;
	}
	/* A reader and writer of its pending table: no account lock. */
	t->store = store_open(account, dir, 0, errp);
	free(dir);
	return t->store;
}

static void
xfer_target_close(struct xfer_target *t)
{
	store_close(t->store);
	free(t->account);
}

struct xfer_body {
	char	*data;
	size_t	 len;
};

static int
xfer_body_cb(const struct imap_msg *m, void *arg)
{
	struct xfer_body *b = arg;

	if (m->body == NULL || b->data != NULL || m->body_len > XFER_MSG_MAX)
		return 0;
	b->data = xmalloc(m->body_len + 1);
	memcpy(b->data, m->body, m->body_len);
	b->len = m->body_len;
	return 0;
}

/*
 * Step 0: the message is staged (fetched from the selected folder if
 * its body was not cached) and an APPEND of it queued in the target
 * account.  1 handed over, 0 nothing to do (the message is gone from
 * the server: nothing is left to move), -1 failed (*errp).
 */
static int
xfer_hand_over(struct sync_ctx *s, struct pending *p, char **filep,
    struct store *t, const char *tfolder, char **errp)
{
	struct store_folder	 tf;
	struct pending		 ap;
	struct xfer_body	 b;
	char			*path;
	int			 step, r = -1;

	if (**filep == '\0' || access(*filep, R_OK) == -1) {
		memset(&b, 0, sizeof b);
		if (imap_fetch(s->imap, &p->uid, 1, IMAP_FETCH_BODY, NULL, 0,
		    xfer_body_cb, &b, errp) == -1)
			return -1;
		if (b.data == NULL) {
			log_msg(LOG_WARN, "%s: message %u is gone from the "
			    "server before it could go to %s", s->acct->name,
			    p->uid, p->target);
			return 0;
		}
		path = pending_xfer_write(s->store, p->id, b.data, b.len, errp);
		free(b.data);
		if (path == NULL)
			return -1;
		if (pending_xfer_set_file(s->store, p->id, path) == -1) {
			free(path);
			seterr(errp, "store: %s", store_error(s->store));
			return -1;
		}
		/* p's strings belong to the caller's list: not p->file. */
		free(*filep);
		*filep = path;
	}

	/*
	 * Order is important: this store's write lock is held while the
	 * target's APPEND is queued, so an undo (the UI withdrawing this
	 * operation) either happens before, and nothing is queued, or
	 * after, and finds it handed over.  A crash between the two
	 * commits leaves the APPEND queued and this operation at step 0:
	 * the next run finds that APPEND by its file and queues no other.
	 */
	memset(&tf, 0, sizeof tf);
	if (store_begin(s->store) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		return -1;
	}
	if ((step = pending_xfer_step(s->store, p->id)) != 0) {
		store_rollback(s->store);
		return step > 0 ? 1 : 0;	/* withdrawn meanwhile: 0 */
	}
	if (store_folder_get(t, tfolder, &tf) != 0) {
		seterr(errp, "no folder %s in account %s (yet)", tfolder,
		    store_account(t));
		goto out;
	}
	if (pending_xfer_find(t, *filep) == 0) {
		memset(&ap, 0, sizeof ap);
		ap.op = PENDING_APPEND;
		ap.folder_id = tf.id;
		ap.set = p->set;
		ap.message_id = p->message_id;
		ap.file = *filep;
		ap.target = (char *)s->acct->name;
		if (pending_add(t, &ap) == -1) {
			seterr(errp, "store %s: %s", store_account(t),
			    store_error(t));
			goto out;
		}
	}
	if (pending_xfer_set_step(s->store, p->id, 1) == -1 ||
	    store_commit(s->store) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		goto out;
	}
	store_folder_clear(&tf);
	p->step = 1;
	log_msg(LOG_INFO, "%s: message %u handed to %s", s->acct->name,
	    p->uid, p->target);
	xfer_wake(store_account(t));
	return 1;
out:
	store_rollback(s->store);
	store_folder_clear(&tf);
	return r;
}

/* Drops operation p (done): its staged file, then its row. */
static int
xfer_done(struct sync_ctx *s, const struct pending *p, const char *file)
{
	if (*file != '\0' && unlink(file) == -1 && errno != ENOENT)
		log_msg(LOG_WARN, "cannot remove %s: %s", file,
		    strerror(errno));
	return pending_done(s->store, p->id);
}

/*
 * A run of XMOVE or XCOPY operations of the selected folder: each is
 * handed over, or checked for the target's confirmation; the confirmed
 * moves are expunged here in one command.
 */
static int
xfer_source(struct sync_ctx *s, struct pending *run, size_t n, char **errp)
{
	struct xfer_target	 tgt;
	struct store		*t;
	uint32_t		*uids = xcalloc(n + 1, sizeof *uids);
	size_t			*ready = xcalloc(n + 1, sizeof *ready);
	char			**files = xcalloc(n + 1, sizeof *files);
	size_t			 i, nu = 0, nready = 0;
	char			*acct, *slash, *err = NULL;
	int64_t			 left;
	int			 r, failed = 0;

	memset(&tgt, 0, sizeof tgt);
	for (i = 0; i < n && !s->imap->dead; i++) {
		struct pending	*p = &run[i];

		files[i] = xstrdup(p->file);
		acct = xstrdup(p->target);
		slash = strchr(acct, '/');
		*slash = '\0';
		if (strcmp(acct, s->acct->name) == 0 ||
		    (t = xfer_target(&tgt, acct, &err)) == NULL) {
			if (err == NULL)
				err = xstrdup("a transfer to its own account");
			pending_failed(s->store, p->id, err);
			seterr(errp, "%s", err);
			free(err);
			err = NULL;
			free(acct);
			failed = 1;
			continue;
		}
		if (p->step == 0) {
			r = xfer_hand_over(s, p, &files[i], t, slash + 1, &err);
			if (r == 0)
				xfer_done(s, p, files[i]);
			if (r <= 0) {
				if (r == -1 && !s->imap->dead)
					pending_failed(s->store, p->id, err);
				if (r == -1) {
					seterr(errp, "%s", err);
					failed = 1;
				}
				free(err);
				err = NULL;
				free(acct);
				continue;
			}
		}
		free(acct);
		/* Step 1: the target's APPEND still queued means not yet. */
		if ((left = pending_xfer_find(t, files[i])) != 0)
			continue;
		ready[nready++] = i;
		if (p->op == PENDING_XMOVE)
			uids[nu++] = p->uid;
	}
	xfer_target_close(&tgt);

	/* Confirmed by the target's server: only now the source goes. */
	if (nu > 0) {
		qsort(uids, nu, sizeof *uids, imap_uid_cmp);
		if (imap_expunge(s->imap, uids, nu, &err) == -1) {
			for (i = 0; i < nready && !s->imap->dead; i++)
				pending_failed(s->store, run[ready[i]].id, err);
			seterr(errp, "%s", err);
			free(err);
			nready = 0;
			failed = 1;
		}
	}
	for (i = 0; i < nready; i++) {
		if (run[ready[i]].op == PENDING_XMOVE)
			(void)store_msg_remove(s->store, run[ready[i]].folder_id,
			    run[ready[i]].uid);
		if (xfer_done(s, &run[ready[i]], files[ready[i]]) == -1)
			failed = 1;
	}
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (nready > 0)
		(void)pending_xfer_sweep(s->store, XFER_SWEEP_AGE);
	free(uids);
	free(ready);
	return failed ? -1 : 0;
}

/*
 * The target's side: APPENDs a staged message to the selected folder.
 * An APPEND sent before (step 1) may have reached the server with its
 * reply lost in a crash: the folder is searched for the Message-ID
 * first, so the copy is never made twice.
 */
static int
xfer_append(struct sync_ctx *s, struct pending *p, const char *folder,
    char **errp)
{
	uint32_t	*found = NULL, uid;
	size_t		 nfound = 0, len;
	char		*data;
	int		 r;

	if (p->step > 0 && *p->message_id != '\0') {
		if (imap_search_header(s->imap, "Message-ID", p->message_id,
		    &found, &nfound, errp) == -1)
			return -1;
		free(found);
		if (nfound > 0) {
			log_msg(LOG_INFO, "%s: %s: %s was appended before",
			    s->acct->name, folder, p->message_id);
			goto done;
		}
	}
	if ((data = read_file_max(p->file, XFER_MSG_MAX, &len,
	    errp)) == NULL)
		return -1;
	if (p->step == 0 && pending_xfer_set_step(s->store, p->id, 1) == -1) {
		free(data);
		seterr(errp, "store: %s", store_error(s->store));
		return -1;
	}
	r = imap_append(s->imap, folder, p->set, data, len, &uid, errp);
	free(data);
	if (r == -1)
		return -1;
done:
	sync_mark_dirty(s, folder);
	if (pending_done(s->store, p->id) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		return -1;
	}
	/* The source account may expunge its original now. */
	xfer_wake(p->target);
	return 0;
}

int
xfer_replay(struct sync_ctx *s, struct pending *run, size_t n,
    const char *folder, char **errp)
{
	size_t	 i;
	char	*err = NULL;
	int	 failed = 0;

	if (run[0].op != PENDING_APPEND)
		return xfer_source(s, run, n, errp);
	for (i = 0; i < n && !s->imap->dead; i++) {
		if (xfer_append(s, &run[i], folder, &err) == 0)
			continue;
		if (!s->imap->dead)
			pending_failed(s->store, run[i].id, err);
		seterr(errp, "%s", err);
		free(err);
		err = NULL;
		failed = 1;
	}
	return failed ? -1 : 0;
}
