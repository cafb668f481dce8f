/*
 * replay.c - pushes the queued operations of one selected folder to
 * the server, oldest first, each removed from the queue only once the
 * server confirmed it.  Run by the engine thread.
 *
 * Consecutive operations of the same kind (same flags, same target)
 * go out as one command on a UID set, so an action on 1,000 messages
 * is one or two commands.  Everything here is idempotent: STORE of
 * +FLAGS/-FLAGS, and MOVE/COPY/EXPUNGE of a UID the server no longer
 * has are no-ops, so replaying after a crash does no harm.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "store.h"
#include "sync.h"

#define REPLAY_MSG_MAX	(64 * 1024 * 1024)	/* largest APPEND */

/* The uid of the message with msgid in folder now, or 0. */
static uint32_t
find_by_msgid(struct store *st, int64_t folder, const char *msgid)
{
	sqlite3_stmt	*stmt;
	uint32_t	 uid = 0;

	if (msgid == NULL || *msgid == '\0')
		return 0;
	/* "+uid": found by messages_by_msgid, not a walk of the folder. */
	if (sqlite3_prepare_v2(store_db(st), "SELECT uid FROM messages WHERE "
	    "folder_id = ?1 AND message_id = ?2 ORDER BY +uid DESC LIMIT 1",
	    -1, &stmt, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(stmt, 1, folder);
	sqlite3_bind_text(stmt, 2, msgid, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		uid = (uint32_t)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return uid;
}

static int
same_kind(const struct pending *a, const struct pending *b)
{
	if (a->op != b->op)
		return 0;
	switch (a->op) {
	case PENDING_FLAGS:
		return a->set == b->set && a->clear == b->clear;
	case PENDING_MOVE:
	case PENDING_COPY:
		return strcmp(a->target, b->target) == 0;
	case PENDING_EXPUNGE:
	case PENDING_XMOVE:	/* each its own target: xfer.c sorts them */
	case PENDING_XCOPY:
		return 1;
	default:
		return 0;
	}
}

/*
 * A folder the server just created for a MOVE or COPY (TRYCREATE: an
 * archive folder of a new year, say) is not in the store yet: it goes
 * in now, so that the sync after the replay can fill it and the folder
 * list shows it before the next LIST.
 */
static void
ensure_folder(struct sync_ctx *s, const char *name)
{
	struct store_folder	 f, *fl = NULL;
	size_t			 nf = 0, i;
	int64_t			 id;
	int			 delim = 0;

	memset(&f, 0, sizeof f);
	if (store_folder_get(s->store, name, &f) != 1) {
		store_folder_clear(&f);
		return;
	}
	if (store_folders(s->store, &fl, &nf) == 0)
		for (i = 0; i < nf && delim == 0; i++)
			delim = fl[i].delim;
	store_folders_free(fl, nf);
	(void)store_folder_put(s->store, name, delim, "", 1, 0, &id);
}

void
sync_mark_dirty(struct sync_ctx *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->ndirty; i++)
		if (strcmp(s->dirty[i], name) == 0)
			return;
	ensure_folder(s, name);
	s->dirty = xrealloc(s->dirty, (s->ndirty + 1) * sizeof *s->dirty);
	s->dirty[s->ndirty++] = xstrdup(name);
}

/* Sends one run of same-kind operations; marks them done or failed. */
static int
flush_run(struct sync_ctx *s, struct pending *run, size_t n,
    const char *folder, char **errp)
{
	uint32_t	*uids = xcalloc(n + 1, sizeof *uids), uid;
	struct store_msg m;
	char		*err = NULL, *data;
	size_t		 i, j, nu = 0, len;
	int		 r = 0;

	/* Moves and copies to another account go their own way. */
	if (xfer_handles(&run[0])) {
		free(uids);
		return xfer_replay(s, run, n, folder, errp);
	}
	for (i = 0; i < n; i++)
		uids[nu++] = run[i].uid;
	qsort(uids, nu, sizeof *uids, imap_uid_cmp);
	for (i = j = 0; i < nu; i++)	/* unique */
		if (j == 0 || uids[j - 1] != uids[i])
			uids[j++] = uids[i];
	nu = j;

	switch (run[0].op) {
	case PENDING_FLAGS:
		r = imap_store(s->imap, uids, nu, 1, run[0].set, &err);
		if (r == 0)
			r = imap_store(s->imap, uids, nu, 0, run[0].clear, &err);
		break;
	case PENDING_MOVE:
	case PENDING_COPY:
		r = imap_copy(s->imap, uids, nu, run[0].target,
		    run[0].op == PENDING_MOVE, &err);
		break;
	case PENDING_EXPUNGE:
		r = imap_expunge(s->imap, uids, nu, &err);
		break;
	case PENDING_APPEND:
		for (i = 0; i < n && r == 0; i++) {
			if ((data = read_file_max(run[i].file, REPLAY_MSG_MAX,
			    &len, &err)) == NULL) {
				r = -1;
				break;
			}
			/*
			 * An earlier run's APPEND may have landed (no UIDPLUS
			 * or not, the reply can be lost): the same draft is
			 * there already (SECURITY.md #42).
			 */
			r = *run[i].message_id == '\0' ? 0 : imap_has_copy(
			    s->imap, run[i].message_id, data, len, &err);
			if (r == 0)
				r = imap_append(s->imap, folder, run[i].set,
				    data, len, &uid, &err);
			else if (r == 1)
				r = 0;
			free(data);
		}
		break;
	case PENDING_XMOVE:	/* xfer.c's, above */
	case PENDING_XCOPY:
		break;
	}
	free(uids);
	if (r == -1) {
		for (i = 0; i < n && !s->imap->dead; i++)
			pending_failed(s->store, run[i].id, err);
		seterr(errp, "%s", err);
		free(err);
		return -1;
	}
	/*
	 * Confirmed by the server: only now does each leave the queue.  A
	 * flag change is also what the server holds now, so the row gets
	 * it as the server's value (it may have been fetched after the
	 * change was queued, e.g. when a renumbered folder was rebuilt).
	 */
	if ((run[0].op == PENDING_MOVE || run[0].op == PENDING_COPY) &&
	    !s->imap->dead)
		sync_mark_dirty(s, run[0].target);
	if (store_begin(s->store) == -1)
		goto store_err;
	for (i = 0; i < n; i++) {
		/* Gone from this folder on the server: gone here too. */
		if ((run[i].op == PENDING_MOVE || run[i].op == PENDING_EXPUNGE) &&
		    store_msg_remove(s->store, run[i].folder_id, run[i].uid) ==
		    -1) {
			store_rollback(s->store);
			goto store_err;
		}
		if (run[i].op == PENDING_FLAGS &&
		    store_msg_get(s->store, run[i].folder_id, run[i].uid,
		    &m) == 0) {
			r = store_msg_server_flags(s->store, run[i].folder_id,
			    run[i].uid, (m.flags & ~run[i].clear) | run[i].set,
			    m.keywords, m.modseq);
			store_msg_clear(&m);
			if (r == -1) {
				store_rollback(s->store);
				goto store_err;
			}
		}
		if (pending_done(s->store, run[i].id) == -1) {
			store_rollback(s->store);
			goto store_err;
		}
	}
	if (store_commit(s->store) == -1)
		goto store_err;
	return 0;
store_err:
	seterr(errp, "store: %s", store_error(s->store));
	return -1;
}

int
sync_replay(struct sync_ctx *s, int64_t folder_id, uint32_t uidvalidity,
    char **errp)
{
	struct store_folder	 f;
	struct pending		*p = NULL, *ok;
	size_t			 n = 0, i, start, nok = 0;
	uint32_t		 uid;
	int			 failed = 0;

	if (pending_list(s->store, folder_id, &p, &n) == -1) {
		seterr(errp, "store: %s", store_error(s->store));
		return -1;
	}
	if (n == 0)
		return 0;
	memset(&f, 0, sizeof f);
	if (store_folder_get_id(s->store, folder_id, &f) != 0) {
		pending_free(p, n);
		seterr(errp, "folder %lld is not in the store",
		    (long long)folder_id);
		return -1;
	}
	ok = xcalloc(n, sizeof *ok);
	for (i = 0; i < n; i++) {
		/*
		 * Queued for another generation of the folder (or for an
		 * unknown one, by an older tern): find the message again.
		 */
		if (p[i].op != PENDING_APPEND && p[i].uidvalidity != uidvalidity &&
		    (p[i].uidvalidity != 0 || *p[i].message_id != '\0')) {
			/* Renumbered folder: find the message again. */
			uid = find_by_msgid(s->store, folder_id,
			    p[i].message_id);
			if (uid == 0) {
				pending_failed(s->store, p[i].id, "the message "
				    "was not found after the folder's "
				    "UIDVALIDITY changed; kept queued");
				continue;
			}
			pending_rematch(s->store, p[i].id, uid, uidvalidity);
			p[i].uid = uid;
			p[i].uidvalidity = uidvalidity;
		}
		ok[nok++] = p[i];
	}
	for (start = 0; start < nok && !s->imap->dead; start = i) {
		for (i = start + 1; i < nok && same_kind(&ok[start], &ok[i]) &&
		    xfer_handles(&ok[start]) == xfer_handles(&ok[i]);
		    i++)
			;
		if (flush_run(s, ok + start, i - start, f.name, errp) == -1)
			failed = 1;
	}
	free(ok);
	pending_free(p, n);
	store_folder_clear(&f);
	return failed ? -1 : 0;
}
