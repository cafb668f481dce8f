/*
 * store_int.h - private to src/store/ (store.c, store_msg.c, query.c), never
 * included from outside src/store/: the connection struct, the cached
 * statements and the helpers both files use.  Like struct store itself,
 * everything here runs on the one thread that opened the connection.
 */
#ifndef TERN_STORE_INT_H
#define TERN_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* Rows ST_MSG_ADD_MANY inserts in one statement (store_msg_put_many). */
#define STORE_ADD_ROWS	16
/* Parameters of one message row (MSG_INSERT, store_bind_msg()). */
#define STORE_MSG_COLS	16

/* The statements of the hot paths, prepared once per connection. */
enum store_st {
	ST_MSG_ADD,
	ST_MSG_ADD_MANY,
	ST_MSG_PUT,
	ST_MSG_GET,
	ST_MSG_FLAGS,
	ST_MSG_SET_FILE,
	ST_MSG_FILE_OF,
	ST_MSG_DEL,
	ST_MSG_UIDS,
	ST_MSG_UID_SET,
	ST_MSG_UNCACHED,
	ST_PENDING_OF,
	ST_PENDING_ANY,
	ST_FOLDER_PATH,
	ST_FOLDER_BY_PATH,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_FTS_HEADERS,
	ST_FTS_NEW,
	ST_FTS_BODY,
	ST_FTS_DONE,
	ST_FTS_DEL,
	ST_MSG_BY_ID,
	ST_COUNT
};

/* A file (or a folder's directory) to remove once its row is gone. */
struct store_defer {
	int64_t		 folder_id;
	uint32_t	 uid;
	char		*dir;		/* the folder's Maildir, absolute */
	char		*file;		/* relative to dir; NULL: the folder */
	char		*path;		/* the folder's cache path (file NULL) */
};

struct store {
	sqlite3			*db;
	char			*account;
	char			*dir;
	char			*path;		/* dir/index.sqlite */
	int			 lockfd;	/* -1: not the locking one */
	sqlite3_stmt		*st[ST_COUNT];
	struct store_defer	*defer;
	size_t			 ndefer;
	size_t			 defercap;
	char			 lasterr[256];	/* see store_error() */
	int64_t			*fts_q;		/* rows whose headers msg_fts */
	size_t			 fts_nq;	/* still lacks: store_fts.c */
	size_t			 fts_qcap;
	int			 fts_defer;	/* bulk: headers by catch-up */
	int			 bad;		/* the file is not a usable index */
	char			*notice;	/* see store_notice() */
};

/* ---- store_repair.c: a damaged index ---- */

/* 1 if the index at path (without WAL frames) is shorter than it says. */
int		 store_truncated(const char *path);
/* Moves s->path and its -wal, -shm, -journal aside, logged; 0 or -1. */
int		 store_quarantine(struct store *, const char *why, char **errp);

/* ---- store.c: statements ---- */

/* Logs a failed SQL step (what: the statement or action) and keeps its text. */
void		 store_sqlerr(struct store *, const char *what);
/* A cached statement, ready to bind; NULL on error.  store_stmt_done() it. */
sqlite3_stmt	*store_stmt(struct store *, enum store_st);
/* A one-off statement; NULL on error.  Caller finalizes. */
sqlite3_stmt	*store_prepare(struct store *, const char *sql);
/* Resets a cached statement and its bindings at once. */
void		 store_stmt_done(sqlite3_stmt *);
/* Binds s (NULL: "").  The text must outlive the statement's use. */
void		 store_bind_text(sqlite3_stmt *, int, const char *s);
/* Column i as text, never NULL.  Caller frees. */
char		*store_col_str(sqlite3_stmt *, int i);
/* Steps a statement that returns no row; 0, or -1 logged as what. */
int		 store_stmt_run(struct store *, sqlite3_stmt *, const char *what);

/* ---- store.c: transactions and files ---- */

/* Starts a unit of work: 1 (own transaction), 0 (savepoint) or -1. */
int		 store_tx_begin(struct store *);
/* Ends what store_tx_begin() started: commits if ok, else undoes it. */
int		 store_tx_end(struct store *, int own, int ok);
/* The current name (relative to dir) of message file file; caller frees. */
char		*store_file_find(const char *dir, const char *file);
/* Queues a file (or, file NULL, a folder's directory) for removal. */
void		 store_defer_add(struct store *, int64_t folder_id,
		    uint32_t uid, const char *dir, const char *file,
		    const char *path);
/* Removes the queued files once no transaction is open. */
void		 store_defer_run(struct store *);

/* ---- store.c: folders ---- */

/* Folder id's Maildir, cache path and UIDVALIDITY: 0, 1 (none) or -1. */
int		 store_folder_dir_id(struct store *, int64_t id, char **dirp,
		    char **pathp, uint32_t *uidvp);

/* The columns store_msg_fill() reads, in its order (alias m). */
#define MSG_COLS							\
	"m.id, m.folder_id, m.uid, m.modseq, m.flags, m.keywords, "	\
	"m.internaldate, m.size, m.date, m.from_addr, m.to_addr, "	\
	"m.cc_addr, m.subject, m.message_id, m.in_reply_to, m.refs, "	\
	"m.cached, m.file"
#define MSG_NCOLS	18

/*
 * Fills m from the MSG_COLS of a row; text(st, i) gives each string
 * (store_col_str copies, query.c's borrows from the row).
 */
void	 store_msg_fill(sqlite3_stmt *, struct store_msg *,
	    char *(*text)(sqlite3_stmt *, int));
/* Steps a bound cached statement of MSG_COLS into out and resets it:
 * 0 a row, 1 none, -1 an error (logged). */
int	 store_msg_row(struct store *, sqlite3_stmt *, struct store_msg *out);

/* ---- store_fts.c: the full-text index ---- */

/* Bits of messages.indexed. */
#define STORE_FTS_HEADERS	1	/* From To Cc Subject are in msg_fts */
#define STORE_FTS_BODY		2	/* so is the body's text */
#define STORE_FTS_NEW		4	/* only in a row just written */

/*
 * After store_msg_put() wrote m as row id with indexed: puts the
 * headers into msg_fts if the row is new or they changed.  0 or -1.
 */
int	 store_fts_put(struct store *, int64_t id, int indexed,
	    const struct store_msg *m);
/* Removes row id from msg_fts (its message row is being deleted). */
int	 store_fts_del(struct store *, int64_t id);
/* Writes the queued new rows into msg_fts (store_commit, before COMMIT). */
int	 store_fts_flush(struct store *);
/* Forgets the queue (the transaction was rolled back). */
void	 store_fts_drop(struct store *);

#endif
