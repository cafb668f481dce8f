/*
 * store_msg.c - the message rows of the index and the Maildir files
 * they name: reading and writing rows, server flags folded with the
 * queued operations, pruning, and writing a message body.  Runs on the
 * thread that opened the struct store (see store.c), like the rest of
 * the store.
 *
 * Order is important here as in store.c: a body file is durable before
 * the row that names it is committed, and an old file is unlinked only
 * after its row is gone for good (through store_defer_add()).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

/* ---- messages ---- */

void
store_msg_fill(sqlite3_stmt *st, struct store_msg *m,
    char *(*text)(sqlite3_stmt *, int))
{
	m->id = sqlite3_column_int64(st, 0);
	m->folder_id = sqlite3_column_int64(st, 1);
	m->uid = (uint32_t)sqlite3_column_int64(st, 2);
	m->modseq = (uint64_t)sqlite3_column_int64(st, 3);
	m->flags = (unsigned)sqlite3_column_int(st, 4) & FLAG_ALL;
	m->keywords = text(st, 5);
	m->internaldate = sqlite3_column_int64(st, 6);
	m->size = sqlite3_column_int64(st, 7);
	m->date = sqlite3_column_int64(st, 8);
	m->from = text(st, 9);
	m->to = text(st, 10);
	m->cc = text(st, 11);
	m->subject = text(st, 12);
	m->message_id = text(st, 13);
	m->in_reply_to = text(st, 14);
	m->references = text(st, 15);
	m->cached = sqlite3_column_int(st, 16) != 0;
	m->file = text(st, 17);
}

void
store_msg_clear(struct store_msg *m)
{
	if (m == NULL)
		return;
	free(m->keywords);
	free(m->from);
	free(m->to);
	free(m->cc);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->file);
	memset(m, 0, sizeof *m);
}

int
store_msg_row(struct store *s, sqlite3_stmt *st, struct store_msg *out)
{
	int	 rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		store_msg_fill(st, out, store_col_str);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, "reading a message");
	store_stmt_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_msg_get(struct store *s, int64_t folder, uint32_t uid,
    struct store_msg *out)
{
	sqlite3_stmt	*st;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, ST_MSG_GET)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, uid);
	return store_msg_row(s, st, out);
}

/*
 * The flags (folder, uid) shows: base with the queued FLAGS operations
 * folded on in the order they were queued, so the latest operation
 * wins for each flag it names.  *hidden is set if a MOVE or EXPUNGE is
 * queued: the message is gone from this folder as far as the user is
 * concerned, and sync must not bring it back.
 */
static int
store_overlay(struct store *s, int64_t folder, uint32_t uid, unsigned base,
    unsigned *out, int *hidden)
{
	sqlite3_stmt	*st;
	unsigned	 eff = base & FLAG_ALL;
	int		 rc;

	*hidden = 0;
	if ((st = store_stmt(s, ST_PENDING_OF)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, uid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) != PENDING_FLAGS) {
			*hidden = 1;
			continue;
		}
		eff &= ~(unsigned)sqlite3_column_int(st, 2);
		eff |= (unsigned)sqlite3_column_int(st, 1);
		eff &= FLAG_ALL;
	}
	if (rc != SQLITE_DONE)
		store_sqlerr(s, "reading pending operations");
	store_stmt_done(st);
	*out = eff;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_set_file(struct store *s, int64_t id, int cached, const char *file)
{
	sqlite3_stmt	*st;
	int		 r;

	if ((st = store_stmt(s, ST_MSG_SET_FILE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, cached);
	store_bind_text(st, 3, file);
	r = store_stmt_run(s, st, "recording a message file");
	store_stmt_done(st);
	return r;
}

/*
 * Makes the cached file of row id carry flags (one rename).  A file
 * that is gone altogether is recorded as not cached, so the body is
 * fetched again instead of the row pointing to nothing.  A failed
 * rename is only a warning: the index holds the flags that count.
 */
static int
store_file_flags(struct store *s, int64_t folder, int64_t id, int cached,
    const char *file, unsigned flags)
{
	char	*dir = NULL, *cur = NULL, *name, *err = NULL;
	int	 r = -1;

	if (!cached || *file == '\0' || maildir_flags(file) == flags)
		return 0;
	if (store_folder_dir_id(s, folder, &dir, NULL, NULL) != 0)
		return -1;
	if (dir == NULL)
		return 0;
	if ((cur = store_file_find(dir, file)) == NULL) {
		log_msg(LOG_WARN, "store %s: %s/%s is gone; its body will be "
		    "fetched again", s->account, dir, file);
		r = store_set_file(s, id, 0, "");
		goto done;
	}
	if ((name = maildir_set_flags(dir, cur, flags, &err)) == NULL) {
		log_msg(LOG_WARN, "store %s: %s/%s: %s", s->account, dir, cur,
		    err != NULL ? err : "cannot rename");
		name = cur;
		cur = NULL;
	}
	r = strcmp(name, file) == 0 ? 0 : store_set_file(s, id, 1, name);
	free(name);
done:
	free(err);
	free(cur);
	free(dir);
	return r;
}

/*
 * After a write whose row came back as RETURNING id, cached, file:
 * finishes the statement and makes the row's cached file carry flags.
 */
static int
store_returned_flags(struct store *s, sqlite3_stmt *st, int64_t folder,
    unsigned flags)
{
	int64_t	 id = sqlite3_column_int64(st, 0);
	int	 cached = sqlite3_column_int(st, 1), r;
	char	*file;

	if (!cached) {
		/* No file to rename (every row of a first sync). */
		store_stmt_done(st);
		return 0;
	}
	file = store_col_str(st, 2);
	store_stmt_done(st);
	r = store_file_flags(s, folder, id, cached, file, flags);
	free(file);
	return r;
}

/*
 * Binds m's columns to ST_MSG_ADD or ST_MSG_PUT (MSG_INSERT's order), or
 * to the row of ST_MSG_ADD_MANY whose first parameter is at + 1.
 */
static void
store_bind_msg(sqlite3_stmt *st, int at, const struct store_msg *m,
    unsigned flags, int indexed)
{
	sqlite3_bind_int64(st, at + 1, m->folder_id);
	sqlite3_bind_int64(st, at + 2, m->uid);
	sqlite3_bind_int64(st, at + 3, (int64_t)m->modseq);
	sqlite3_bind_int(st, at + 4, (int)flags);
	store_bind_text(st, at + 5, m->keywords);
	sqlite3_bind_int64(st, at + 6, m->internaldate);
	sqlite3_bind_int64(st, at + 7, m->size);
	sqlite3_bind_int64(st, at + 8, m->date);
	store_bind_text(st, at + 9, m->from);
	store_bind_text(st, at + 10, m->to);
	store_bind_text(st, at + 11, m->cc);
	store_bind_text(st, at + 12, m->subject);
	store_bind_text(st, at + 13, m->message_id);
	store_bind_text(st, at + 14, m->in_reply_to);
	store_bind_text(st, at + 15, m->references);
	sqlite3_bind_int(st, at + 16, indexed);
}

/*
 * The row of m if it is new: 1 if it was added (its headers queued for
 * the search index), 0 if a row is there already, -1 on an error.
 * Most rows are new (every row of a first sync): a plain INSERT costs
 * less than the upsert and its RETURNING.
 */
static int
store_msg_add(struct store *s, const struct store_msg *m, unsigned flags,
    int indexed)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, ST_MSG_ADD)) == NULL)
		return -1;
	store_bind_msg(st, 0, m, flags, indexed);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		store_sqlerr(s, "writing a message");
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return 0;
	/* No body yet, so no file to rename. */
	return store_fts_put(s, sqlite3_last_insert_rowid(s->db), indexed,
	    m) == 0 ? 1 : -1;
}

int
store_msg_put(struct store *s, const struct store_msg *m)
{
	sqlite3_stmt	*st;
	unsigned	 flags;
	int64_t		 id;
	int		 own, ok = 0, hidden, rc, indexed, in_txn;

	if (m == NULL || m->uid == 0) {
		log_msg(LOG_ERROR, "store %s: a message without a UID",
		    s->account);
		return -1;
	}
	/* A new row: headers queued for this commit, or for catch-up. */
	indexed = s->fts_defer ? 0 : STORE_FTS_HEADERS | STORE_FTS_NEW;
	/*
	 * Within a transaction (a sync's batch) a new row needs no
	 * savepoint: the overlay is only read, the INSERT is one statement
	 * that SQLite undoes itself if it fails, and queueing its headers
	 * writes nothing.  (100,000 new rows: 13% of the store's CPU.)
	 * A row that is there already is updated under the savepoint.
	 */
	if ((in_txn = !sqlite3_get_autocommit(s->db))) {
		if (store_overlay(s, m->folder_id, m->uid, m->flags, &flags,
		    &hidden) == -1)
			return -1;
		if (hidden)
			return 0;
		if ((rc = store_msg_add(s, m, flags, indexed)) != 0)
			return rc == 1 ? 0 : -1;
	}
	if ((own = store_tx_begin(s)) == -1)
		return -1;
	/* Outside a transaction: the same, in the one just begun. */
	if (!in_txn) {
		if (store_overlay(s, m->folder_id, m->uid, m->flags, &flags,
		    &hidden) == -1)
			goto done;
		if (hidden) {
			ok = 1;
			goto done;
		}
		if ((rc = store_msg_add(s, m, flags, indexed)) != 0) {
			ok = rc == 1;
			goto done;
		}
	}
	/* There already (or any other conflict): the upsert. */
	if ((st = store_stmt(s, ST_MSG_PUT)) == NULL)
		goto done;
	store_bind_msg(st, 0, m, flags, indexed);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_sqlerr(s, "writing a message");
		store_stmt_done(st);
		goto done;
	}
	id = sqlite3_column_int64(st, 0);
	indexed = sqlite3_column_int(st, 3);
	ok = store_returned_flags(s, st, m->folder_id, flags) == 0 &&
	    store_fts_put(s, id, indexed, m) == 0;
done:
	return store_tx_end(s, own, ok);
}

/* 1 if an operation is queued for a message of folder, 0 if none, -1. */
static int
store_folder_queued(struct store *s, int64_t folder)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, ST_PENDING_ANY)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sqlerr(s, "reading pending operations");
		return -1;
	}
	return rc == SQLITE_ROW;
}

/*
 * STORE_ADD_ROWS new rows of one folder with nothing queued, at once:
 * what store_msg_put() does for each (no overlay to apply, no savepoint
 * needed inside a transaction, headers left to the catch-up).  1 if a
 * row was there already: the caller puts them one by one instead.
 */
static int
store_msg_add_many(struct store *s, const struct store_msg *m)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	if ((st = store_stmt(s, ST_MSG_ADD_MANY)) == NULL)
		return -1;
	for (i = 0; i < STORE_ADD_ROWS; i++)
		store_bind_msg(st, (int)i * STORE_MSG_COLS, &m[i],
		    m[i].flags & FLAG_ALL, 0);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		store_sqlerr(s, "writing messages");
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(s->db) == STORE_ADD_ROWS ? 0 : 1;
}

int
store_msg_put_many(struct store *s, const struct store_msg *m, size_t n)
{
	size_t	 i = 0, k;
	int	 r = 0;

	/*
	 * In a transaction (BEGIN IMMEDIATE: no other connection writes
	 * meanwhile), with the search index deferred, and with nothing
	 * queued for the folder, a new row is exactly its columns.
	 */
	if (n >= STORE_ADD_ROWS && !sqlite3_get_autocommit(s->db) &&
	    s->fts_defer) {
		if ((r = store_folder_queued(s, m[0].folder_id)) == -1)
			return -1;
		while (r == 0 && i + STORE_ADD_ROWS <= n) {
			for (k = 0; k < STORE_ADD_ROWS; k++)
				if (m[i + k].folder_id != m[0].folder_id ||
				    m[i + k].uid == 0)
					break;
			if (k < STORE_ADD_ROWS)
				break;
			/* A row was there (r 1): from this chunk, one by one. */
			if ((r = store_msg_add_many(s, &m[i])) == -1)
				return -1;
			if (r == 0)
				i += STORE_ADD_ROWS;
		}
	}
	for (; i < n; i++)
		if (store_msg_put(s, &m[i]) == -1)
			return -1;
	return 0;
}

int
store_msg_server_flags(struct store *s, int64_t folder, uint32_t uid,
    unsigned flags, const char *keywords, uint64_t modseq)
{
	sqlite3_stmt	*st;
	unsigned	 eff;
	int		 own, ok = 0, hidden, rc;

	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if (store_overlay(s, folder, uid, flags, &eff, &hidden) == -1)
		goto done;
	if ((st = store_stmt(s, ST_MSG_FLAGS)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_int(st, 3, (int)eff);
	store_bind_text(st, 4, keywords);
	sqlite3_bind_int64(st, 5, (int64_t)modseq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {		/* not cached: nothing to do */
		store_stmt_done(st);
		ok = 1;
		goto done;
	}
	if (rc != SQLITE_ROW) {
		store_sqlerr(s, "writing flags");
		store_stmt_done(st);
		goto done;
	}
	ok = store_returned_flags(s, st, folder, eff) == 0;
done:
	return store_tx_end(s, own, ok);
}

int
store_msg_remove(struct store *s, int64_t folder, uint32_t uid)
{
	sqlite3_stmt	*st;
	char		*file = NULL, *dir = NULL;
	int64_t		 id = 0;
	int		 rc, cached = 0, own;

	/* The row and its index entry go together. */
	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if ((st = store_stmt(s, ST_MSG_DEL)) == NULL)
		return store_tx_end(s, own, 0);
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, uid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cached = sqlite3_column_int(st, 0);
		file = store_col_str(st, 1);
		id = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE)
		store_sqlerr(s, "removing a message");
	store_stmt_done(st);
	if (rc == SQLITE_ROW && store_fts_del(s, id) == -1)
		rc = SQLITE_ERROR;
	if (store_tx_end(s, own, rc == SQLITE_ROW || rc == SQLITE_DONE) == -1)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_ROW) {
		free(file);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	/* The file goes once the row's removal is committed. */
	if (cached && *file != '\0' &&
	    store_folder_dir_id(s, folder, &dir, NULL, NULL) == 0 &&
	    dir != NULL)
		store_defer_add(s, folder, uid, dir, file, NULL);
	store_defer_run(s);
	free(dir);
	free(file);
	return 0;
}

/* Local only (the sync window narrowed): the server is not asked. */
int
store_msg_prune(struct store *s, int64_t folder, int64_t before)
{
	sqlite3_stmt	*st;
	const char	*file;
	char		*dir = NULL;
	int		 own, rc;

	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if (store_folder_dir_id(s, folder, &dir, NULL, NULL) == -1)
		return store_tx_end(s, own, 0);
	/* The index rows first: the subquery needs the message rows. */
	st = store_prepare(s, "DELETE FROM msg_fts WHERE rowid IN (SELECT id "
	    "FROM messages WHERE folder_id = ?1 AND internaldate < ?2)");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, folder);
		sqlite3_bind_int64(st, 2, before);
		rc = store_stmt_run(s, st, "pruning the search index");
		sqlite3_finalize(st);
		st = rc == 0 ? store_prepare(s, "DELETE FROM messages WHERE "
		    "folder_id = ?1 AND internaldate < ?2 "
		    "RETURNING uid, cached, file") : NULL;
	}
	if (st == NULL) {
		free(dir);
		return store_tx_end(s, own, 0);
	}
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		file = (const char *)sqlite3_column_text(st, 2);
		if (dir != NULL && sqlite3_column_int(st, 1) && file != NULL &&
		    *file != '\0')
			store_defer_add(s, folder,
			    (uint32_t)sqlite3_column_int64(st, 0), dir, file,
			    NULL);
	}
	if (rc != SQLITE_DONE)
		store_sqlerr(s, "pruning messages");
	sqlite3_finalize(st);
	free(dir);
	return store_tx_end(s, own, rc == SQLITE_DONE);
}

void
store_uids_free(struct store_uid *u, size_t n)
{
	size_t	 i;

	if (u == NULL)
		return;
	for (i = 0; i < n; i++)
		free(u[i].keywords);
	free(u);
}

int
store_msg_uids(struct store *s, int64_t folder, struct store_uid **out,
    size_t *np)
{
	sqlite3_stmt	*st;
	struct store_uid *u = NULL;
	size_t		 n = 0, cap = 0;
	int		 rc;

	*out = NULL;
	*np = 0;
	if ((st = store_stmt(s, ST_MSG_UIDS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			u = xrealloc(u, cap * sizeof *u);
		}
		u[n].uid = (uint32_t)sqlite3_column_int64(st, 0);
		u[n].flags = (unsigned)sqlite3_column_int(st, 1) & FLAG_ALL;
		u[n].keywords = store_col_str(st, 2);
		u[n].internaldate = sqlite3_column_int64(st, 3);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "listing UIDs");
		store_stmt_done(st);
		store_uids_free(u, n);
		return -1;
	}
	store_stmt_done(st);
	*out = u;
	*np = n;
	return 0;
}

/* The first column of st's rows as UIDs, into *out (never NULL). */
static int
store_uid_rows(struct store *s, sqlite3_stmt *st, uint32_t **out,
    size_t *np)
{
	uint32_t	*u = NULL;
	size_t		 n = 0, cap = 0;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			u = xrealloc(u, cap * sizeof *u);
		}
		u[n++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "listing UIDs");
		free(u);
		return -1;
	}
	*out = u != NULL ? u : xcalloc(1, sizeof *u);
	*np = n;
	return 0;
}

/*
 * Folder's UIDs in ascending order, read from the (folder_id, uid)
 * index only: a resync compares them with the server's without
 * reading a single message row.
 */
int
store_msg_uid_set(struct store *s, int64_t folder, uint32_t **out,
    size_t *np)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*np = 0;
	if ((st = store_stmt(s, ST_MSG_UID_SET)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	return store_uid_rows(s, st, out, np);
}

/* The UIDs of folder's rows without a body, internal date >= since. */
int
store_msg_uncached(struct store *s, int64_t folder, int64_t since,
    uint32_t **out, size_t *np)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*np = 0;
	if ((st = store_stmt(s, ST_MSG_UNCACHED)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, since);
	return store_uid_rows(s, st, out, np);
}

/*
 * The file is named "<internaldate>.<uidvalidity>_<uid>.tern,U=<uid>"
 * plus the ":2," flags: unique in its folder, stable for the row (so
 * it can be found again after another MUA renamed it) and readable by
 * other Maildir tools.
 *
 * Order is important: maildir_write() makes the file complete and
 * durable in cur/ (tmp, fsync, rename, fsync of cur/) before the row
 * names it, and an older file of the row is unlinked only after that
 * row is committed.  A crash in between leaves an orphan file at
 * worst, never a row pointing to nothing.
 */
int
store_msg_body(struct store *s, int64_t folder, uint32_t uid,
    const char *data, size_t len, char **errp)
{
	struct store_msg m;
	char		*dir = NULL, *base = NULL, *name = NULL;
	uint32_t	 uidv = 0;
	int		 rc, r = -1, own;

	rc = store_msg_get(s, folder, uid, &m);
	if (rc != 0) {
		seterr(errp, rc == 1 ? "no message with UID %u in folder %lld"
		    : "reading message UID %u of folder %lld: %s", uid,
		    (long long)folder, store_error(s));
		return -1;
	}
	if (store_folder_dir_id(s, folder, &dir, NULL, &uidv) != 0 ||
	    dir == NULL) {
		seterr(errp, "folder %lld has no usable cache directory",
		    (long long)folder);
		goto done;
	}
	if (maildir_ensure(dir, errp) == -1)
		goto done;
	base = xasprintf("%lld.%lu_%lu.tern,U=%lu", (long long)m.internaldate,
	    (unsigned long)uidv, (unsigned long)uid, (unsigned long)uid);
	if ((name = maildir_write(dir, base, m.flags, data, len, errp)) ==
	    NULL)
		goto done;
	/* The file is durable: the row and its text in one transaction. */
	if ((own = store_tx_begin(s)) == -1 ||
	    store_tx_end(s, own, store_set_file(s, m.id, 1, name) == 0 &&
	    store_fts_index(s, m.id, data, len) == 0) == -1) {
		seterr(errp, "recording %s/%s: %s", dir, name, store_error(s));
		goto done;
	}
	if (m.cached && *m.file != '\0' && strcmp(m.file, name) != 0)
		store_defer_add(s, folder, uid, dir, m.file, NULL);
	store_defer_run(s);
	r = 0;
done:
	store_msg_clear(&m);
	free(dir);
	free(base);
	free(name);
	return r;
}
