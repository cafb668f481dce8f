/*
 * store.c - the SQLite index of one account: opening (WAL, pragmas,
 * schema versions), transactions, folders, and the removal of the
 * Maildir files that belong to message rows; the message rows
 * themselves are in store_msg.c, and what both share in store_int.h.
 * One struct store is one connection, used by the one thread that
 * opened it (the engine, the UI or main).
 *
 * Order is important wherever a row names a file: a file is written
 * (tmp, fsync, rename) before the row that names it is committed, and a
 * file is unlinked only after the row that named it is gone for good.
 * So a crash leaves an orphan file at worst, never a row that points to
 * nothing.  Unlinks requested inside a transaction are deferred until
 * store_commit() (and dropped by store_rollback()); before unlinking,
 * the index is asked again whether a row still names the file.
 *
 * A file renamed under us (another MUA changed its flags) is found
 * again by its base name: everything before ":2,", which tern never
 * changes for a given row.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

/*
 * Schema version 1: the text of src/store/schema.sql (the readable
 * copy; keep both identical, check_store.c compares them).
 */
static const char store_schema_v1[] =
	"-- schema.sql - tern's index, version 1 (PRAGMA user_version).  The text\n"
	"-- of this file is compiled into src/store/store.c; keep them in sync.\n"
	"CREATE TABLE folders(\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tname TEXT NOT NULL UNIQUE,\t\t-- server name, modified UTF-7\n"
	"\tdisplay TEXT NOT NULL,\t\t\t-- decoded UTF-8\n"
	"\tpath TEXT NOT NULL UNIQUE COLLATE NOCASE,\t"
	    "-- cache dir, unique ignoring case\n"
	"\tdelim INTEGER NOT NULL DEFAULT 0,\n"
	"\trole TEXT NOT NULL DEFAULT '',\t\t-- inbox sent drafts trash archive junk\n"
	"\tsubscribed INTEGER NOT NULL DEFAULT 0,\n"
	"\tnoselect INTEGER NOT NULL DEFAULT 0,\n"
	"\tuidvalidity INTEGER NOT NULL DEFAULT 0,\n"
	"\tuidnext INTEGER NOT NULL DEFAULT 0,\n"
	"\thighestmodseq INTEGER NOT NULL DEFAULT 0,\n"
	"\tmessages INTEGER NOT NULL DEFAULT 0,\n"
	"\twindow INTEGER NOT NULL DEFAULT 0\t-- oldest INTERNALDATE synced, 0 = all\n"
	");\n"
	"CREATE TABLE messages(\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tfolder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,\n"
	"\tuid INTEGER NOT NULL,\n"
	"\tmodseq INTEGER NOT NULL DEFAULT 0,\n"
	"\tflags INTEGER NOT NULL DEFAULT 0,\t-- FLAG_* bits\n"
	"\tkeywords TEXT NOT NULL DEFAULT '',\t-- space-separated\n"
	"\tinternaldate INTEGER NOT NULL DEFAULT 0,\n"
	"\tsize INTEGER NOT NULL DEFAULT 0,\n"
	"\tdate INTEGER NOT NULL DEFAULT 0,\t-- Date: header, UTC, 0 = none\n"
	"\tfrom_addr TEXT NOT NULL DEFAULT '',\n"
	"\tto_addr TEXT NOT NULL DEFAULT '',\n"
	"\tcc_addr TEXT NOT NULL DEFAULT '',\n"
	"\tsubject TEXT NOT NULL DEFAULT '',\n"
	"\tmessage_id TEXT NOT NULL DEFAULT '',\n"
	"\tin_reply_to TEXT NOT NULL DEFAULT '',\n"
	"\trefs TEXT NOT NULL DEFAULT '',\n"
	"\tcached INTEGER NOT NULL DEFAULT 0,\n"
	"\tfile TEXT NOT NULL DEFAULT '',\t\t"
	    "-- Maildir file, relative to the folder dir\n"
	"\tUNIQUE(folder_id, uid)\n"
	");\n"
	"CREATE INDEX messages_by_date ON messages(folder_id, internaldate);\n"
	"CREATE INDEX messages_by_msgid ON messages(message_id);\n"
	"CREATE TABLE pending(\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tfolder_id INTEGER NOT NULL,\t\t-- no cascade: never dropped silently\n"
	"\tuid INTEGER NOT NULL,\n"
	"\tuidvalidity INTEGER NOT NULL DEFAULT 0,\n"
	"\tmessage_id TEXT NOT NULL DEFAULT '',\n"
	"\top INTEGER NOT NULL,\t\t\t-- enum pending_op\n"
	"\tset_flags INTEGER NOT NULL DEFAULT 0,\n"
	"\tclear_flags INTEGER NOT NULL DEFAULT 0,\n"
	"\ttarget TEXT NOT NULL DEFAULT '',\n"
	"\tfile TEXT NOT NULL DEFAULT '',\n"
	"\tfailures INTEGER NOT NULL DEFAULT 0,\n"
	"\terror TEXT NOT NULL DEFAULT '',\n"
	"\tcreated INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX pending_by_folder ON pending(folder_id, uid);\n"
	;

/*
 * The upgrade steps, oldest first: each brings the index from the
 * version before it to .to, in the one transaction that also sets
 * PRAGMA user_version.  Version 2 is a new row here (an ALTER TABLE or
 * a CREATE) and a new STORE_VERSION; a fresh index runs every step.
 */
/* Version 4's tables, also in schema.sql (store_fts.c says why). */
#define STORE_SCHEMA_V4							\
	"ALTER TABLE messages ADD COLUMN tagged INTEGER NOT NULL "	\
	"DEFAULT 0;\n"							\
	"ALTER TABLE messages ADD COLUMN attach INTEGER;\n"		\
	"ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL "	\
	"DEFAULT 0;\n"							\
	"CREATE VIRTUAL TABLE msg_fts USING fts5(from_addr, to_addr, "	\
	"cc_addr, subject, body, "					\
	"tokenize = 'unicode61 remove_diacritics 2', columnsize = 0);\n"		\
	"CREATE INDEX messages_unindexed ON messages(id) "		\
	"WHERE cached <> 0 AND (indexed & 2) = 0;\n"

/* Version 5's table, also in schema.sql. */
#define STORE_SCHEMA_V5							\
	"CREATE TABLE server_hits(term TEXT NOT NULL, folder_id INTEGER "	\
	"NOT NULL REFERENCES folders(id) ON DELETE CASCADE, uid INTEGER "	\
	"NOT NULL, PRIMARY KEY(term, folder_id, uid)) WITHOUT ROWID;\n"

static const struct store_step {
	int		 to;
	const char	*sql;
} store_steps[] = {
	{ 1, store_schema_v1 },
	/* The folder counts (total, unread) from the index alone. */
	{ 2, "CREATE INDEX messages_by_flags ON messages(folder_id, flags);\n" },
	/* The folder pane's unread counts: only the unread are read. */
	{ 3, "CREATE INDEX messages_unread ON messages(folder_id) "
	    "WHERE (flags & 1) = 0;\n" },
	/*
	 * Search (store_fts.c): the tag, attachments, and the full-text
	 * index.  The headers of existing rows are indexed here, in the
	 * upgrade (a few seconds for 100,000 rows, once); the bodies
	 * already cached lazily, by store_fts_catch_up().
	 */
	{ 4, STORE_SCHEMA_V4
	    "INSERT INTO msg_fts(rowid, from_addr, to_addr, cc_addr, subject, "
	    "body) SELECT id, from_addr, to_addr, cc_addr, subject, '' "
	    "FROM messages;\n"
	    "UPDATE messages SET indexed = 1;\n" },
	/* What the server's SEARCH found for server: queries (store_hits.c). */
	{ 5, STORE_SCHEMA_V5 },
	/*
	 * Whether a folder has any cached body (store_msg_any_cached(),
	 * asked of every folder whose cache directory is missing at each
	 * resync): only cached rows are in it.
	 */
	{ 6, "CREATE INDEX messages_cached ON messages(folder_id) "
	    "WHERE cached <> 0;\n" },
	/*
	 * Every Message-ID lookup names its folder (replay, adoption, the
	 * re-match after a UIDVALIDITY change), so that index is per
	 * folder: a first sync adds each folder's ids to a small range of
	 * it, not all over an index of the whole account, which rewrote
	 * most of that index's pages at every commit.  And the folder
	 * counts need no index of their own: the total is read from the
	 * (folder_id, uid) one, the unread from messages_unread.  With
	 * both, the store's CPU for 100,000 new rows went from 1.22 s to
	 * 0.71 s (50 folders of 2,000).
	 */
	{ 7, "DROP INDEX IF EXISTS messages_by_msgid;\n"
	    "CREATE INDEX messages_by_msgid ON messages(folder_id, "
	    "message_id);\n"
	    "DROP INDEX IF EXISTS messages_by_flags;\n" },
};
#define STORE_VERSION	7
#define STORE_NSTEPS	(sizeof store_steps / sizeof store_steps[0])

/* The SQL below names operations by number. */
_Static_assert(PENDING_FLAGS == 1 && PENDING_MOVE == 2 &&
    PENDING_EXPUNGE == 4, "enum pending_op changed: update the SQL");

/*
 * A queued operation applies to a message row only if it was queued
 * for the folder's current UIDVALIDITY (or either is unknown): after a
 * UIDVALIDITY change the same UID names another message, until the
 * replay re-matches the operation by Message-ID (pending_rematch).
 * pending.c uses the same condition.
 */
#define SAME_GEN \
	"(p.uidvalidity = 0 OR f.uidvalidity IS NULL OR f.uidvalidity = 0 " \
	"OR p.uidvalidity = f.uidvalidity)"


/* total and unread (flags & FLAG_SEEN = 0) are counted, not stored. */
#define FOLDER_COLS \
	"f.id, f.name, f.display, f.path, f.delim, f.role, f.subscribed, " \
	"f.noselect, f.uidvalidity, f.uidnext, f.highestmodseq, f.messages, " \
	"f.\"window\", " \
	"(SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id), " \
	"(SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id " \
	"AND (m.flags & 1) = 0)"

/* The same with total = -1 (not counted). */
#define FOLDER_COLS_UNREAD \
	"f.id, f.name, f.display, f.path, f.delim, f.role, f.subscribed, " \
	"f.noselect, f.uidvalidity, f.uidnext, f.highestmodseq, f.messages, " \
	"f.\"window\", -1, " \
	"(SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id " \
	"AND (m.flags & 1) = 0)"

/* A message row's columns and values, for ST_MSG_ADD and ST_MSG_PUT. */
#define MSG_COLUMNS \
	"INTO messages(folder_id, uid, modseq, flags, keywords, " \
	"internaldate, size, date, from_addr, to_addr, cc_addr, subject, " \
	"message_id, in_reply_to, refs, indexed) VALUES"
#define MSG_INSERT MSG_COLUMNS "(?1, ?2, ?3, ?4, " \
	"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
/* STORE_ADD_ROWS rows' values, numbered in order (?1 to ?256). */
#define MSG_ROW		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define MSG_ROWS4	MSG_ROW "," MSG_ROW "," MSG_ROW "," MSG_ROW
#define MSG_ROWS16	MSG_ROWS4 "," MSG_ROWS4 "," MSG_ROWS4 "," MSG_ROWS4
_Static_assert(STORE_ADD_ROWS == 16 && STORE_MSG_COLS == 16,
    "MSG_ROWS16 has 16 rows of 16 parameters");

static const char *const store_sql[ST_COUNT] = {
	[ST_MSG_ADD] = "INSERT OR IGNORE " MSG_INSERT,
	[ST_MSG_ADD_MANY] = "INSERT OR IGNORE " MSG_COLUMNS MSG_ROWS16,
	[ST_MSG_PUT] = "INSERT " MSG_INSERT
	    "ON CONFLICT(folder_id, uid) DO UPDATE SET "
	    "modseq = excluded.modseq, flags = excluded.flags, "
	    "keywords = excluded.keywords, "
	    "internaldate = excluded.internaldate, size = excluded.size, "
	    "date = excluded.date, from_addr = excluded.from_addr, "
	    "to_addr = excluded.to_addr, cc_addr = excluded.cc_addr, "
	    "subject = excluded.subject, message_id = excluded.message_id, "
	    "in_reply_to = excluded.in_reply_to, refs = excluded.refs, "
	    /* A new row comes back with STORE_FTS_NEW; see store_fts.c. */
	    "indexed = CASE WHEN from_addr IS excluded.from_addr AND "
	    "to_addr IS excluded.to_addr AND cc_addr IS excluded.cc_addr "
	    "AND subject IS excluded.subject THEN indexed & 3 "
	    "ELSE indexed & 2 END "
	    "RETURNING id, cached, file, indexed",
	[ST_MSG_GET] =
	    "SELECT " MSG_COLS " FROM messages m "
	    "WHERE m.folder_id = ?1 AND m.uid = ?2",
	[ST_MSG_FLAGS] =
	    "UPDATE messages SET flags = ?3, keywords = ?4, modseq = ?5 "
	    "WHERE folder_id = ?1 AND uid = ?2 RETURNING id, cached, file",
	[ST_MSG_SET_FILE] =
	    "UPDATE messages SET cached = ?2, file = ?3 WHERE id = ?1",
	[ST_MSG_FILE_OF] =
	    "SELECT cached, file FROM messages "
	    "WHERE folder_id = ?1 AND uid = ?2",
	[ST_MSG_DEL] =
	    "DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2 "
	    "RETURNING cached, file, id",
	[ST_MSG_UIDS] =
	    "SELECT uid, flags, keywords, internaldate FROM messages "
	    "WHERE folder_id = ?1 ORDER BY uid",
	/* From the (folder_id, uid) index alone: no row is read. */
	[ST_MSG_UID_SET] =
	    "SELECT uid FROM messages WHERE folder_id = ?1 ORDER BY uid",
	[ST_MSG_UNCACHED] =
	    "SELECT uid FROM messages WHERE folder_id = ?1 AND "
	    "internaldate >= ?2 AND cached = 0 ORDER BY uid",
	[ST_PENDING_OF] =
	    "SELECT p.op, p.set_flags, p.clear_flags FROM pending p "
	    "LEFT JOIN folders f ON f.id = p.folder_id "
	    "WHERE p.folder_id = ?1 AND p.uid = ?2 AND p.op IN (1, 2, 4) "
	    "AND " SAME_GEN " ORDER BY p.id",
	[ST_PENDING_ANY] =
	    "SELECT 1 FROM pending WHERE folder_id = ?1 LIMIT 1",
	[ST_FOLDER_PATH] =
	    "SELECT path, uidvalidity FROM folders WHERE id = ?1",
	[ST_FOLDER_BY_PATH] =
	    "SELECT 1 FROM folders WHERE path = ?1",	/* COLLATE NOCASE */
	/* Nested writes inside a caller's transaction (once per message). */
	[ST_SAVEPOINT] = "SAVEPOINT store",
	[ST_RELEASE] = "RELEASE store",
	[ST_ROLLBACK_TO] = "ROLLBACK TO store",
	/* The full-text index (store_fts.c). */
	[ST_FTS_HEADERS] =
	    "INSERT OR REPLACE INTO msg_fts(rowid, from_addr, to_addr, "
	    "cc_addr, subject, body) SELECT id, from_addr, to_addr, cc_addr, "
	    "subject, COALESCE((SELECT body FROM msg_fts WHERE rowid = ?1), "
	    "'') FROM messages WHERE id = ?1",
	[ST_FTS_NEW] =
	    "INSERT OR REPLACE INTO msg_fts(rowid, from_addr, to_addr, "
	    "cc_addr, subject, body) SELECT id, from_addr, to_addr, cc_addr, "
	    "subject, '' FROM messages WHERE id IN (SELECT value FROM "
	    "json_each(?1)) AND (indexed & 2) = 0",
	[ST_FTS_BODY] =
	    "INSERT OR REPLACE INTO msg_fts(rowid, from_addr, to_addr, "
	    "cc_addr, subject, body) SELECT id, from_addr, to_addr, cc_addr, "
	    "subject, ?2 FROM messages WHERE id = ?1",
	[ST_FTS_DONE] =
	    "UPDATE messages SET indexed = (indexed | ?2) & 3, "
	    "attach = COALESCE(?3, attach) WHERE id = ?1",
	[ST_FTS_DEL] =
	    "DELETE FROM msg_fts WHERE rowid = ?1",
	/* The list draws a screenful of these per key (store_list.c). */
	[ST_MSG_BY_ID] =
	    "SELECT " MSG_COLS " FROM messages m WHERE m.id = ?1",
};

static const char *const store_roles[] = {
	"", "inbox", "sent", "drafts", "trash", "archive", "junk"
};

/* ---- small helpers ---- */

/* Keeps the connection's error text for store_error(). */
static void
store_keep_error(struct store *s)
{
	if (sqlite3_errcode(s->db) != SQLITE_OK)
		snprintf(s->lasterr, sizeof s->lasterr, "%s",
		    sqlite3_errmsg(s->db));
}

void
store_sqlerr(struct store *s, const char *what)
{
	store_keep_error(s);
	log_msg(LOG_ERROR, "store %s: %s: %s", s->account, what,
	    sqlite3_errmsg(s->db));
}

static int
store_exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		store_sqlerr(s, sql);
		return -1;
	}
	return 0;
}

/* A cached statement, ready to bind; NULL on error.  store_stmt_done() it. */
sqlite3_stmt *
store_stmt(struct store *s, enum store_st which)
{
	if (s->st[which] == NULL && sqlite3_prepare_v3(s->db,
	    store_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->st[which],
	    NULL) != SQLITE_OK) {
		store_sqlerr(s, "prepare");
		s->st[which] = NULL;
	}
	return s->st[which];
}

/* Runs a cached statement without parameters or rows; 0 on success. */
static int
store_run(struct store *s, enum store_st which)
{
	sqlite3_stmt	*st = store_stmt(s, which);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, store_sql[which]);
		return -1;
	}
	return 0;
}

/* A one-off statement; NULL on error.  Caller finalizes. */
sqlite3_stmt *
store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_sqlerr(s, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/*
 * Resets a cached statement at once: a statement left mid-step keeps a
 * read transaction open, which would pin an old snapshot of the index.
 */
void
store_stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Binds s (NULL: "").  The text must outlive the statement's use. */
void
store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

char *
store_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

/* Steps a statement that returns no row. */
int
store_stmt_run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, what);
		return -1;
	}
	return 0;
}

/* One integer from a query without parameters. */
static int
store_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;		/* the caller reports; errmsg is set */
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);	/* keeps a failed step's message */
	return rc == SQLITE_ROW ? 0 : -1;
}

/* 1 if path can be a folder's cache directory name (one component). */
static int
store_path_ok(const char *path)
{
	return path != NULL && *path != '\0' && strcmp(path, ".") != 0 &&
	    strcmp(path, "..") != 0 && strchr(path, '/') == NULL;
}

/* 1 if file is "cur/NAME" or "new/NAME": the index names nothing else. */
static int
store_file_ok(const char *file)
{
	return file != NULL && (strncmp(file, "cur/", 4) == 0 ||
	    strncmp(file, "new/", 4) == 0) && store_path_ok(file + 4);
}

/* ---- transactions ---- */

int
store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int
store_set_durable(struct store *s, int durable)
{
	return store_exec(s, durable ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
}

int
store_set_bulk(struct store *s, int bulk)
{
	/*
	 * A sync's rows wait for store_fts_catch_up() to index their
	 * headers: FTS5 writes were a quarter of a first sync's time, and
	 * the header fields are searched as text meanwhile anyway.
	 */
	s->fts_defer = bulk;
	/*
	 * 8 MiB holds the pages one folder's batch dirties in a large
	 * index.  A statement that writes several rows (store_msg_put_many)
	 * keeps a journal of the pages it changes, to undo itself: in
	 * memory, not in a file under /var/tmp.
	 */
	return store_exec(s, bulk ? "PRAGMA cache_size = -8192; "
	    "PRAGMA wal_autocheckpoint = 10000; PRAGMA temp_store = MEMORY" :
	    "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000; "
	    "PRAGMA temp_store = DEFAULT");
}

int
store_checkpoint(struct store *s)
{
	int	rc;

	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : -1;
}

static void	store_defer_drop(struct store *);

int
store_commit(struct store *s)
{
	/* The search index of the new rows, in the same transaction. */
	if (store_fts_flush(s) == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_exec(s, "COMMIT") == -1)
		return -1;
	store_defer_run(s);
	return 0;
}

void
store_rollback(struct store *s)
{
	store_keep_error(s);
	/* SQLite may have rolled back already (SQLITE_FULL, IOERR). */
	if (!sqlite3_get_autocommit(s->db))
		(void)store_exec(s, "ROLLBACK");
	store_defer_drop(s);
	store_fts_drop(s);
}

/*
 * Starts one unit of work: a BEGIN IMMEDIATE of its own when the caller
 * is in no transaction (so no other connection writes between our read
 * and our write), else a savepoint inside the caller's transaction.
 * Returns 1 (own transaction), 0 (savepoint) or -1.
 */
int
store_tx_begin(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return store_begin(s) == 0 ? 1 : -1;
	return store_run(s, ST_SAVEPOINT) == 0 ? 0 : -1;
}

/* Ends what store_tx_begin() started: commits if ok, else undoes it. */
int
store_tx_end(struct store *s, int own, int ok)
{
	if (own) {
		if (ok && store_commit(s) == 0)
			return 0;
		store_rollback(s);
		return -1;
	}
	if (ok && store_run(s, ST_RELEASE) == 0)
		return 0;
	store_keep_error(s);
	(void)store_run(s, ST_ROLLBACK_TO);
	(void)store_run(s, ST_RELEASE);
	return -1;
}

/* ---- files named by rows ---- */

/*
 * The current name of the message file recorded as file (relative to
 * dir): file itself if it exists, else the file in cur/ or new/ with
 * the same base name (before ":2,"), which another MUA may have
 * renamed; NULL if there is none.
 */
char *
store_file_find(const char *dir, const char *file)
{
	struct stat	 sb;
	const char	*name, *colon;
	char		*p;
	size_t		 blen;
	int		 r;

	if (!store_file_ok(file)) {
		log_msg(LOG_WARN, "store: refusing message file name \"%s\"",
		    file != NULL ? file : "");
		return NULL;
	}
	p = xasprintf("%s/%s", dir, file);
	r = lstat(p, &sb);
	free(p);
	if (r == 0)
		return xstrdup(file);
	name = file + 4;
	colon = strchr(name, ':');
	blen = colon != NULL ? (size_t)(colon - name) : strlen(name);
	return maildir_find_base(dir, name, blen);
}

void
store_defer_add(struct store *s, int64_t folder_id, uint32_t uid,
    const char *dir, const char *file, const char *path)
{
	struct store_defer	*d;

	if (s->ndefer == s->defercap) {
		s->defercap = s->defercap ? s->defercap * 2 : 16;
		s->defer = xrealloc(s->defer, s->defercap * sizeof *s->defer);
	}
	d = &s->defer[s->ndefer++];
	d->folder_id = folder_id;
	d->uid = uid;
	d->dir = dir != NULL ? xstrdup(dir) : NULL;
	d->file = file != NULL ? xstrdup(file) : NULL;
	d->path = path != NULL ? xstrdup(path) : NULL;
}

static void
store_defer_drop(struct store *s)
{
	size_t	 i;

	for (i = 0; i < s->ndefer; i++) {
		free(s->defer[i].dir);
		free(s->defer[i].file);
		free(s->defer[i].path);
	}
	s->ndefer = 0;
}

static int
store_rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((type == FTW_DP || type == FTW_DNR ? rmdir(p) : unlink(p)) == -1 &&
	    errno != ENOENT)
		log_msg(LOG_WARN, "store: %s: %s", p, strerror(errno));
	return 0;
}

/*
 * 1 if a row still names the deferred file (found as file now, or by
 * its recorded name) or folder; -1 on error.
 */
static int
store_defer_needed(struct store *s, const struct store_defer *d,
    const char *file)
{
	sqlite3_stmt	*st;
	const char	*t;
	int		 rc, keep = 0;

	if (d->file == NULL) {
		if ((st = store_stmt(s, ST_FOLDER_BY_PATH)) == NULL)
			return -1;
		store_bind_text(st, 1, d->path);
		rc = sqlite3_step(st);
		keep = rc == SQLITE_ROW;
	} else {
		if ((st = store_stmt(s, ST_MSG_FILE_OF)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, d->folder_id);
		sqlite3_bind_int64(st, 2, d->uid);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_int(st, 0) &&
		    (t = (const char *)sqlite3_column_text(st, 1)) != NULL)
			keep = strcmp(t, file) == 0 || strcmp(t, d->file) == 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sqlerr(s, "checking a file to remove");
		keep = -1;
	}
	store_stmt_done(st);
	return keep;
}

/*
 * Removes the deferred files once no transaction is open, that is once
 * their rows are gone for good.  A file a row names again (a rolled
 * back savepoint, a body written anew under the same name) is kept;
 * so is everything when the index cannot be asked: nothing is deleted
 * because tern's own state was unreadable.
 */
void
store_defer_run(struct store *s)
{
	struct store_defer	*d;
	char			*cur, *p;
	size_t			 i;

	if (s->ndefer == 0 || !sqlite3_get_autocommit(s->db))
		return;
	for (i = 0; i < s->ndefer; i++) {
		d = &s->defer[i];
		if (d->file == NULL) {
			if (store_defer_needed(s, d, NULL) != 0)
				continue;
			p = xasprintf("%s/mail/%s", s->dir, d->path);
			/* Depth first, never following a link or a mount. */
			(void)nftw(p, store_rm_cb, 16,
			    FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
			free(p);
			continue;
		}
		if ((cur = store_file_find(d->dir, d->file)) == NULL)
			continue;
		if (store_defer_needed(s, d, cur) == 0) {
			p = xasprintf("%s/%s", d->dir, cur);
			if (unlink(p) == -1 && errno != ENOENT)
				log_msg(LOG_WARN, "store %s: %s: %s",
				    s->account, p, strerror(errno));
			free(p);
		}
		free(cur);
	}
	store_defer_drop(s);
}

/* ---- opening ---- */

/*
 * The error for an index SQLite cannot read.  The locking opener moves
 * such a file aside and builds a new index (store_open()); any other
 * leaves it alone.
 */
static int
store_bad(struct store *s, char **errp)
{
	int	 code = sqlite3_errcode(s->db) & 0xff;

	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
		s->bad = 1;
		seterr(errp, "%s: not a valid tern index (%s); the next tern "
		    "sync or terminal UI moves it aside and builds a new one "
		    "from the server", s->path, sqlite3_errmsg(s->db));
	} else
		seterr(errp, "%s: %s", s->path, sqlite3_errmsg(s->db));
	return -1;
}

static int
store_version(struct store *s, int64_t *v, char **errp)
{
	if (store_int(s, "PRAGMA user_version", v) == -1)
		return store_bad(s, errp);
	if (*v < 0) {
		seterr(errp, "%s: schema version %lld is not one tern knows; "
		    "it was left as it is", s->path, (long long)*v);
		return -1;
	}
	if (*v > STORE_VERSION) {
		seterr(errp, "%s: schema version %lld is newer than this tern "
		    "understands (%d); upgrade tern", s->path, (long long)*v,
		    STORE_VERSION);
		return -1;
	}
	return 0;
}

/* -1 if a file without a schema version has tables: not ours. */
static int
store_foreign(struct store *s, char **errp)
{
	int64_t	 n;

	if (store_int(s, "SELECT COUNT(*) FROM sqlite_master", &n) == -1)
		return store_bad(s, errp);
	if (n > 0) {
		s->bad = 2;
		seterr(errp, "%s: not a tern index (it has tables but no "
		    "schema version); it was left as it is", s->path);
		return -1;
	}
	return 0;
}

/* Creates or upgrades the schema to STORE_VERSION, all or nothing. */
static int
store_upgrade(struct store *s, int64_t v, char **errp)
{
	int64_t	 n;
	size_t	 i;
	char	*sql;

	if (v == STORE_VERSION)
		goto check;
	if (store_begin(s) == -1)
		return store_bad(s, errp);
	/* Another connection may have done it while we looked. */
	if (store_version(s, &v, errp) == -1 ||
	    (v == 0 && store_foreign(s, errp) == -1))
		goto fail;
	for (i = 0; i < STORE_NSTEPS; i++) {
		if (store_steps[i].to <= v)
			continue;
		sql = xasprintf("PRAGMA user_version = %d", store_steps[i].to);
		if (sqlite3_exec(s->db, store_steps[i].sql, NULL, NULL,
		    NULL) != SQLITE_OK || sqlite3_exec(s->db, sql, NULL,
		    NULL, NULL) != SQLITE_OK) {
			free(sql);
			seterr(errp, "%s: upgrading to schema version %d: %s",
			    s->path, store_steps[i].to, sqlite3_errmsg(s->db));
			goto fail;
		}
		free(sql);
		log_msg(LOG_INFO, "store %s: index at schema version %d",
		    s->account, store_steps[i].to);
	}
	if (store_commit(s) == -1)
		return store_bad(s, errp);
check:
	/* A version number alone does not prove the tables are there. */
	if (store_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('folders', 'messages', 'pending')",
	    &n) == -1)
		return store_bad(s, errp);
	if (n != 3) {
		s->bad = 2;
		seterr(errp, "%s: damaged tern index (tables are missing); "
		    "the next tern sync or terminal UI moves it aside and "
		    "builds a new one from the server", s->path);
		return -1;
	}
	return 0;
fail:
	store_rollback(s);
	return -1;
}

static int
store_setup(struct store *s, char **errp)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int64_t		 v;
	int		 rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#endif
	/*
	 * Only read before deciding the file is ours: garbage or a
	 * truncated file fails here, and a newer tern's index or another
	 * program's database is refused before WAL mode changes its header.
	 */
	if (store_version(s, &v, errp) == -1 ||
	    (v == 0 && store_foreign(s, errp) == -1))
		return -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return store_bad(s, errp);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		sqlite3_finalize(st);
		return store_bad(s, errp);
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0)
		log_msg(LOG_WARN, "store %s: %s: journal mode %s, not wal",
		    s->account, s->path, mode != NULL ? mode : "unknown");
	sqlite3_finalize(st);
	/*
	 * FULL: the index is the crash journal of every user action, so a
	 * commit must survive a power loss, not only a kill -9.
	 */
	if (sqlite3_exec(s->db, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF", NULL,
	    NULL, NULL) != SQLITE_OK)
		return store_bad(s, errp);
	return store_upgrade(s, v, errp);
}

/*
 * Before SQLite's first use in the process: no memory statistics, which
 * otherwise take a global mutex on every allocation of every thread.
 */
static pthread_once_t	store_once = PTHREAD_ONCE_INIT;

static void
store_sqlite_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *
store_open(const char *account, const char *dir, int lock, char **errp)
{
	struct store	*s;
	struct stat	 sb;
	char		*mail, *why;
	int		 fd, rc, retried = 0;

	if (account == NULL || dir == NULL || *dir == '\0') {
		seterr(errp, "store: no account or directory");
		return NULL;
	}
	pthread_once(&store_once, store_sqlite_init);
	s = xcalloc(1, sizeof *s);
	s->lockfd = -1;
	s->account = xstrdup(account);
	s->dir = xstrdup(dir);
	s->path = xasprintf("%s/index.sqlite", dir);
	if (mkdir_p(dir, 0700, errp) == -1)
		goto fail;
	if (lock && (s->lockfd = lock_acquire(dir, account, errp)) == -1)
		goto fail;
	mail = xasprintf("%s/mail", dir);
	if (mkdir(mail, 0700) == -1 && errno != EEXIST) {
		seterr(errp, "%s: %s", mail, strerror(errno));
		free(mail);
		goto fail;
	}
	free(mail);
	/*
	 * SQLite creates files 0644 and gives its -wal and -shm the mode
	 * of the main file: create that one private first.  Only when it
	 * does not exist yet: closing any descriptor of the file drops
	 * every POSIX lock this process holds on it, so an open() and
	 * close() beside another connection of ours (the engine opening
	 * while the main thread has it open) would let a third process
	 * think it was the last one and delete the WAL under us.
	 */
	/*
	 * Only the locking opener (the one tern process of the account,
	 * before its threads open the index) repairs: it moves a damaged
	 * index aside and starts a new one (SECURITY.md #39).
	 */
	if (lock && store_truncated(s->path) &&
	    store_quarantine(s, "truncated", errp) == -1)
		goto fail;
again:
	if (lstat(s->path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size == 0 && lock)
		log_msg(LOG_WARN, "store %s: the index %s is empty; building "
		    "a new one from the server and the cached mail",
		    s->account, s->path);
	if (lstat(s->path, &sb) == -1) {
		fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST) {
			seterr(errp, "%s: %s", s->path, strerror(errno));
			goto fail;
		}
		if (fd != -1)
			close(fd);
	}
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		seterr(errp, "%s: %s", s->path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (store_setup(s, errp) == -1) {
		if (!lock || !s->bad || retried)
			goto fail;
		why = xstrdup(s->bad == 2 ? "tables missing or not tern's" :
		    sqlite3_errmsg(s->db));
		sqlite3_close_v2(s->db);
		s->db = NULL;
		s->bad = 0;
		retried = 1;
		if (errp != NULL) {
			free(*errp);
			*errp = NULL;
		}
		rc = store_quarantine(s, why, errp);
		free(why);
		if (rc == -1)
			goto fail;
		goto again;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	if (s->db != NULL) {
		/* Rows a caller committed without store_commit(). */
		if (s->fts_nq > 0 && sqlite3_get_autocommit(s->db) &&
		    store_begin(s) == 0)
			(void)store_commit(s);
		store_defer_run(s);	/* a no-op inside a transaction */
		for (i = 0; i < ST_COUNT; i++)
			sqlite3_finalize(s->st[i]);
		/* _v2: a statement query.c forgot cannot keep it open. */
		if (sqlite3_close_v2(s->db) != SQLITE_OK)
			log_msg(LOG_ERROR, "store %s: closing: %s", s->account,
			    sqlite3_errmsg(s->db));
	}
	store_defer_drop(s);
	free(s->defer);
	free(s->fts_q);
	if (s->lockfd != -1)
		lock_release(s->lockfd);
	free(s->account);
	free(s->dir);
	free(s->path);
	free(s->notice);
	free(s);
}

const char *
store_dir(struct store *s)
{
	return s->dir;
}

const char *
store_account(struct store *s)
{
	return s->account;
}

struct sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

/*
 * The rollback after a failure succeeds and so resets SQLite's error
 * text: then the text kept at the failure is the one that explains it.
 */
/*
 * What opening the store did that its user must hear of even without a
 * log file (the index was damaged and moved aside), or NULL.
 */
const char *
store_notice(const struct store *s)
{
	return s != NULL ? s->notice : NULL;
}

const char *
store_error(struct store *s)
{
	if (sqlite3_errcode(s->db) == SQLITE_OK && s->lasterr[0] != '\0')
		return s->lasterr;
	return sqlite3_errmsg(s->db);
}

/* ---- folders ---- */

static void
store_folder_fill(sqlite3_stmt *st, struct store_folder *f)
{
	f->id = sqlite3_column_int64(st, 0);
	f->name = store_col_str(st, 1);
	f->display = store_col_str(st, 2);
	f->path = store_col_str(st, 3);
	f->delim = sqlite3_column_int(st, 4);
	f->role = store_col_str(st, 5);
	f->subscribed = sqlite3_column_int(st, 6);
	f->noselect = sqlite3_column_int(st, 7);
	f->uidvalidity = (uint32_t)sqlite3_column_int64(st, 8);
	f->uidnext = (uint32_t)sqlite3_column_int64(st, 9);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(st, 10);
	f->messages = (uint32_t)sqlite3_column_int64(st, 11);
	f->window = sqlite3_column_int64(st, 12);
	f->total = sqlite3_column_int64(st, 13);
	f->unread = sqlite3_column_int64(st, 14);
}

void
store_folder_clear(struct store_folder *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->display);
	free(f->path);
	free(f->role);
	memset(f, 0, sizeof *f);
}

void
store_folders_free(struct store_folder *fs, size_t n)
{
	size_t	 i;

	if (fs == NULL)
		return;
	for (i = 0; i < n; i++)
		store_folder_clear(&fs[i]);
	free(fs);
}

/* INBOX first, then by server name (the UI builds the tree). */
static int
store_folders_sql(struct store *s, const char *cols,
    struct store_folder **out, size_t *np)
{
	sqlite3_stmt		*st;
	struct store_folder	*fs = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;
	char			*sql;

	*out = NULL;
	*np = 0;
	sql = xasprintf("SELECT %s FROM folders f ORDER BY f.role <> 'inbox' "
	    "AND f.name <> 'INBOX', f.name", cols);
	st = store_prepare(s, sql);
	free(sql);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			fs = xrealloc(fs, cap * sizeof *fs);
		}
		store_folder_fill(st, &fs[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "listing folders");
		sqlite3_finalize(st);
		store_folders_free(fs, n);
		return -1;
	}
	sqlite3_finalize(st);
	*out = fs;
	*np = n;
	return 0;
}

int
store_folders(struct store *s, struct store_folder **out, size_t *np)
{
	return store_folders_sql(s, FOLDER_COLS, out, np);
}

/*
 * The same without total: counting every message of a 100,000-message
 * folder is most of the UI's first frame, and the folder pane shows
 * unread counts only (messages_unread makes those cheap).
 */
int
store_folders_unread(struct store *s, struct store_folder **out, size_t *np)
{
	return store_folders_sql(s, FOLDER_COLS_UNREAD, out, np);
}

/* One folder by name (name != NULL) or id. */
static int
store_folder_get1(struct store *s, const char *name, int64_t id,
    struct store_folder *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof *out);
	st = store_prepare(s, name != NULL ?
	    "SELECT " FOLDER_COLS " FROM folders f WHERE f.name = ?1" :
	    "SELECT " FOLDER_COLS " FROM folders f WHERE f.id = ?1");
	if (st == NULL)
		return -1;
	if (name != NULL)
		store_bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_folder_fill(st, out);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, "reading a folder");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_folder_get(struct store *s, const char *name, struct store_folder *out)
{
	if (name == NULL) {
		memset(out, 0, sizeof *out);
		return 1;
	}
	return store_folder_get1(s, name, 0, out);
}

int
store_folder_get_id(struct store *s, int64_t id, struct store_folder *out)
{
	return store_folder_get1(s, NULL, id, out);
}

/*
 * A local account's folder (src/sync/local.c) records the absolute path
 * of the user's own Maildir folder instead of a cache path.
 */
char *
store_folder_dir(struct store *s, const struct store_folder *f)
{
	if (f != NULL && f->path != NULL && f->path[0] == '/')
		return xstrdup(f->path);
	if (f == NULL || !store_path_ok(f->path)) {
		log_msg(LOG_ERROR, "store %s: unsafe folder path \"%s\"",
		    s->account, f != NULL && f->path != NULL ? f->path : "");
		return NULL;
	}
	return xasprintf("%s/mail/%s", s->dir, f->path);
}

/*
 * The Maildir of folder id, its cache path and UIDVALIDITY: 0 (with
 * *dirp NULL if the recorded path is unsafe: logged, and no file of
 * the folder is touched), 1 if there is no such folder, -1 on error.
 * The files of a local folder (an absolute path) are the user's mail,
 * not a cache: *dirp is NULL for it too, so removing or re-flagging a
 * row never unlinks or renames them; only local.c does, for the user's
 * own pending operations.
 */
int
store_folder_dir_id(struct store *s, int64_t id, char **dirp, char **pathp,
    uint32_t *uidvp)
{
	sqlite3_stmt	*st;
	const char	*path;
	int		 rc, ret = -1;

	*dirp = NULL;
	if ((st = store_stmt(s, ST_FOLDER_PATH)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		path = (const char *)sqlite3_column_text(st, 0);
		if (path != NULL && path[0] == '/')
			;	/* local: not ours to touch */
		else if (!store_path_ok(path))
			log_msg(LOG_ERROR, "store %s: unsafe folder path "
			    "\"%s\"", s->account, path != NULL ? path : "");
		else {
			*dirp = xasprintf("%s/mail/%s", s->dir, path);
			if (pathp != NULL)
				*pathp = xstrdup(path);
		}
		if (uidvp != NULL)
			*uidvp = (uint32_t)sqlite3_column_int64(st, 1);
		ret = 0;
	} else if (rc == SQLITE_DONE)
		ret = 1;
	else
		store_sqlerr(s, "reading a folder");
	store_stmt_done(st);
	return ret;
}

/*
 * A cache path for a new folder, unique ignoring case: folder_path()
 * is injective, but INBOX and inbox would share one directory on a
 * file system that folds case, so the second gets "~2" (then "~3"...).
 * The result is stored, so a folder keeps its path.  (NOCASE folds
 * ASCII only; non-ASCII case pairs are not merged by the index.)
 */
static char *
store_path_unique(struct store *s, const char *name)
{
	sqlite3_stmt	*st;
	char		*base, *path;
	int		 i, rc;

	if ((base = folder_path(name)) == NULL)
		return NULL;
	if ((st = store_stmt(s, ST_FOLDER_BY_PATH)) == NULL) {
		free(base);
		return NULL;
	}
	path = xstrdup(base);
	for (i = 2; i < 100000; i++) {
		store_bind_text(st, 1, path);
		rc = sqlite3_step(st);
		store_stmt_done(st);
		if (rc == SQLITE_DONE) {
			free(base);
			return path;
		}
		free(path);
		path = NULL;
		if (rc != SQLITE_ROW) {
			store_sqlerr(s, "choosing a folder path");
			break;
		}
		path = xasprintf("%s~%d", base, i);
	}
	free(path);
	free(base);
	return NULL;
}

int
store_folder_put(struct store *s, const char *name, int delim,
    const char *role, int subscribed, int noselect, int64_t *idp)
{
	sqlite3_stmt	*st = NULL;
	char		*path = NULL, *display = NULL;
	size_t		 i;
	int		 own, ok = 0, rc;
	int64_t		 id = 0;

	if (name == NULL) {
		log_msg(LOG_ERROR, "store %s: folder without a name",
		    s->account);
		return -1;
	}
	if (role == NULL)
		role = "";
	for (i = 0; i < sizeof store_roles / sizeof store_roles[0]; i++)
		if (strcmp(role, store_roles[i]) == 0)
			break;
	if (i == sizeof store_roles / sizeof store_roles[0]) {
		log_msg(LOG_WARN, "store %s: folder role \"%s\" ignored",
		    s->account, role);
		role = "";
	}
	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if ((st = store_prepare(s, "SELECT id FROM folders WHERE name = ?1"))
	    == NULL)
		goto done;
	store_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		store_sqlerr(s, "reading a folder");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (id != 0) {
		/* Known: the LIST attributes change, the path never does. */
		st = store_prepare(s, "UPDATE folders SET delim = ?2, "
		    "role = ?3, subscribed = ?4, noselect = ?5 WHERE id = ?1");
		if (st == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, id);
	} else {
		if ((path = store_path_unique(s, name)) == NULL)
			goto done;
		display = folder_display(name);
		st = store_prepare(s, "INSERT INTO folders(delim, role, "
		    "subscribed, noselect, name, display, path) "
		    "VALUES(?2, ?3, ?4, ?5, ?6, ?7, ?8)");
		if (st == NULL)
			goto done;
		store_bind_text(st, 6, name);
		store_bind_text(st, 7, display);
		store_bind_text(st, 8, path);
	}
	sqlite3_bind_int(st, 2, delim);
	store_bind_text(st, 3, role);
	sqlite3_bind_int(st, 4, subscribed != 0);
	sqlite3_bind_int(st, 5, noselect != 0);
	if (store_stmt_run(s, st, "writing a folder") == -1)
		goto done;
	if (id == 0)
		id = sqlite3_last_insert_rowid(s->db);
	ok = 1;
done:
	sqlite3_finalize(st);
	free(path);
	free(display);
	if (store_tx_end(s, own, ok) == -1)
		return -1;
	if (idp != NULL)
		*idp = id;
	return 0;
}

int
store_folder_synced(struct store *s, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t hms, uint32_t messages, int64_t window)
{
	sqlite3_stmt	*st;
	int		 r;

	st = store_prepare(s, "UPDATE folders SET uidvalidity = ?2, "
	    "uidnext = ?3, highestmodseq = ?4, messages = ?5, "
	    "\"window\" = ?6 WHERE id = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uidnext);
	sqlite3_bind_int64(st, 4, (int64_t)hms);
	sqlite3_bind_int64(st, 5, messages);
	sqlite3_bind_int64(st, 6, window);
	r = store_stmt_run(s, st, "recording a folder's sync");
	sqlite3_finalize(st);
	if (r == 0 && sqlite3_changes(s->db) == 0) {
		log_msg(LOG_ERROR, "store %s: no folder %lld", s->account,
		    (long long)id);
		return -1;
	}
	return r;
}

/*
 * The rows go first; the folder's directory (checked to be one
 * component under dir/mail/) once they are committed.  Pending
 * operations stay: the server still has to hear about them.
 */
int
store_folder_forget(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = NULL;
	char		*dir = NULL, *path = NULL;
	int		 own, ok = 0, rc;

	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if ((rc = store_folder_dir_id(s, id, &dir, &path, NULL)) != 0) {
		ok = rc == 1;		/* no such folder: nothing to do */
		goto done;
	}
	/* The index rows first: the subquery needs the message rows. */
	st = store_prepare(s, "DELETE FROM msg_fts WHERE rowid IN "
	    "(SELECT id FROM messages WHERE folder_id = ?1)");
	if (st == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	if (store_stmt_run(s, st, "forgetting a folder") == -1)
		goto done;
	sqlite3_finalize(st);
	st = store_prepare(s, "DELETE FROM messages WHERE folder_id = ?1");
	if (st == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	if (store_stmt_run(s, st, "forgetting a folder") == -1)
		goto done;
	sqlite3_finalize(st);
	st = store_prepare(s, "DELETE FROM folders WHERE id = ?1");
	if (st == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	if (store_stmt_run(s, st, "forgetting a folder") == -1)
		goto done;
	if (dir != NULL)
		store_defer_add(s, 0, 0, dir, NULL, path);
	ok = 1;
done:
	sqlite3_finalize(st);
	free(dir);
	free(path);
	return store_tx_end(s, own, ok);
}
