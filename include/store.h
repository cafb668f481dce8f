/*
 * store.h - the local store of one account: an SQLite index (folders,
 * messages, pending operations; WAL mode, one connection per thread)
 * and a Maildir tree holding cached message contents, under
 * $XDG_DATA_HOME/tern/<account>/.  Used by the engine thread (writes)
 * and by the UI and command line (reads and user edits).
 */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core.h"

/* ---- folder.c: server folder names and their cache paths. ---- */

/*
 * Decodes an IMAP modified UTF-7 mailbox name (RFC 3501 5.1.3) to
 * UTF-8.  Returns NULL if s is not valid modified UTF-7.  Caller frees.
 */
char	*folder_mutf7_decode(const char *s);
/* Encodes UTF-8 as modified UTF-7; NULL if utf8 is not valid UTF-8. */
char	*folder_mutf7_encode(const char *utf8);
/*
 * The cache directory name of a folder: one path component (never
 * empty, ".", ".." or containing '/' or a control character), made
 * from the decoded name, in which every byte outside a safe set is
 * %XX-escaped.  Injective: two different names never map to the same
 * component.  Caller frees.  Case collisions on case-insensitive file
 * systems are resolved by the index (folder_path_unique).
 */
char	*folder_path(const char *name);
/* The display (UTF-8, sanitized later) name: decoded, or raw if invalid. */
char	*folder_display(const char *name);

/* ---- maildir.c: message files, tmp -> fsync -> rename. ---- */

/* Creates dir and its cur/, new/ and tmp/ (mode 0700) as needed. */
int	 maildir_ensure(const char *dir, char **errp);
/* ":2,<letters>" for flags, letters in ASCII order (D F R S T). */
char	*maildir_suffix(unsigned flags);
/*
 * Writes data into dir/cur/<base>:2,<flags> through dir/tmp with fsync
 * of the file and of cur/; returns the file name (relative to dir,
 * e.g. "cur/...") or NULL.  Never leaves a partial file in cur/.
 */
char	*maildir_write(const char *dir, const char *base, unsigned flags,
	    const void *data, size_t len, char **errp);
/* Renames file (relative to dir) to carry flags; returns the new name. */
char	*maildir_set_flags(const char *dir, const char *file, unsigned flags,
	    char **errp);
/* The flags encoded in a file name's ":2," suffix. */
unsigned maildir_flags(const char *file);
/*
 * The file in cur/, then new/, whose base (before ":") is
 * base[0, baselen): its name relative to dir (caller frees), or NULL.
 */
char	*maildir_find_base(const char *dir, const char *base, size_t baselen);
/* Removes files in dir/tmp older than max_age seconds; count removed. */
int	 maildir_clean_tmp(const char *dir, int max_age);
/* Renames file to cur/<base> with flags; durable after maildir_sync(). */
char	*maildir_rename(const char *dir, const char *file, const char *base,
	    unsigned flags, char **errp);
/* fsync()s dir's cur/ and new/. */
int	 maildir_sync(const char *dir, char **errp);

/* ---- lock.c: one tern process per account. ---- */

/*
 * Takes the account lock (dir/lock, fcntl).  If another process holds
 * it, fails with "account NAME is in use by process N".  Returns an fd
 * to keep open while the store is in use, or -1.
 */
int	 lock_acquire(const char *dir, const char *account, char **errp);
void	 lock_release(int fd);

/* ---- store.c: the SQLite index (schema, folders, messages). ---- */

struct store;		/* one connection; use from one thread only */

struct store_folder {
	int64_t		 id;
	char		*name;		/* server name, modified UTF-7 */
	char		*display;	/* decoded UTF-8 */
	char		*path;		/* cache dir name, unique */
	int		 delim;		/* hierarchy delimiter, 0 if none */
	char		*role;		/* inbox sent drafts trash archive junk, or "" */
	int		 subscribed;
	int		 noselect;
	uint32_t	 uidvalidity;	/* 0: never synced */
	uint32_t	 uidnext;
	uint64_t	 highestmodseq;
	uint32_t	 messages;	/* server's count at the last sync */
	int64_t		 window;	/* oldest INTERNALDATE synced; 0: all */
	int64_t		 total;		/* cached messages (computed) */
	int64_t		 unread;	/* cached unseen messages (computed) */
};

struct store_msg {
	int64_t		 id;
	int64_t		 folder_id;
	uint32_t	 uid;
	uint64_t	 modseq;
	unsigned	 flags;		/* FLAG_* */
	char		*keywords;	/* space-separated, "" if none */
	int64_t		 internaldate;	/* UTC seconds */
	int64_t		 size;
	int64_t		 date;		/* Date: header, UTC seconds, 0 */
	char		*from;
	char		*to;
	char		*cc;
	char		*subject;
	char		*message_id;
	char		*in_reply_to;
	char		*references;
	int		 cached;	/* body in the Maildir */
	char		*file;		/* Maildir file relative to the folder dir */
};

/* What sync needs of each cached message of a folder. */
struct store_uid {
	uint32_t	 uid;
	unsigned	 flags;
	char		*keywords;
	int64_t		 internaldate;
};

/*
 * Opens (creating if needed) the store of account under dir, with WAL
 * and the schema upgraded in place.  With lock set, takes the account
 * lock first (one process per account); the other connections of the
 * same process pass lock = 0.  A newer schema than this tern knows is
 * refused with a clear error.
 */
struct store	*store_open(const char *account, const char *dir, int lock,
		    char **errp);
void		 store_close(struct store *);
const char	*store_dir(struct store *);
const char	*store_account(struct store *);
/* The SQLite connection, for query.c and pending.c (borrowed). */
struct sqlite3	*store_db(struct store *);
/* The last SQLite error text of this connection (borrowed). */
const char	*store_error(struct store *);
const char	*store_notice(const struct store *);
int		 store_begin(struct store *);	/* BEGIN IMMEDIATE */
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
/*
 * durable 1 (the default): a commit survives a power loss (synchronous
 * FULL).  durable 0: it survives a crash of tern but maybe not of the
 * machine (NORMAL in WAL mode; the last commits may roll back, never
 * corrupt).  Only for writes that can be redone from the server, such
 * as the headers sync fetches; never around pending operations.
 */
int		 store_set_durable(struct store *, int durable);
/*
 * bulk 1: the connection is about to write a large copy of the server's
 * state (a first sync): a bigger page cache and fewer WAL checkpoints,
 * so that index pages dirtied by every batch are read and written less
 * often.  bulk 0: back to SQLite's defaults (an idle engine stays small).
 */
int		 store_set_bulk(struct store *, int bulk);
/*
 * Copies what the WAL holds into the index file, waiting for no one
 * (a PASSIVE checkpoint), from a connection that is not writing: while
 * an engine writes a large sync, `tern sync`'s idle main thread does
 * this, so neither the writer nor the exit stops to.  0, or -1.
 */
int		 store_checkpoint(struct store *);

/* Folders; returned structs are filled with owned strings. */
int		 store_folders(struct store *, struct store_folder **, size_t *);
/* The same with unread counted but total -1 (the UI's folder pane). */
int		 store_folders_unread(struct store *, struct store_folder **,
		    size_t *);
void		 store_folders_free(struct store_folder *, size_t);
/* 0 and *out filled if found, 1 if not found, -1 on error. */
int		 store_folder_get(struct store *, const char *name,
		    struct store_folder *out);
int		 store_folder_get_id(struct store *, int64_t id,
		    struct store_folder *out);
void		 store_folder_clear(struct store_folder *);
/* Adds or updates name's LIST attributes; sets *idp.  New folders get
 * a unique cache path (case-insensitively unique). */
int		 store_folder_put(struct store *, const char *name, int delim,
		    const char *role, int subscribed, int noselect,
		    int64_t *idp);
/* Records the server state after a successful sync of the folder. */
int		 store_folder_synced(struct store *, int64_t id,
		    uint32_t uidvalidity, uint32_t uidnext, uint64_t hms,
		    uint32_t messages, int64_t window);
/* Forgets a folder locally (rows and cached files); never the server. */
int		 store_folder_forget(struct store *, int64_t id);
/* The absolute Maildir directory of a folder; caller frees. */
char		*store_folder_dir(struct store *, const struct store_folder *);

/* Messages. */
/* Inserts or replaces header data and flags of (folder, uid). */
int		 store_msg_put(struct store *, const struct store_msg *);
/*
 * store_msg_put() of m[0..n) in turn, in one go: a first sync's rows,
 * inside the caller's transaction.  New rows of a folder with nothing
 * queued go in STORE_ADD_ROWS at a time (a third less of SQLite's CPU
 * than one statement per row); anything else takes store_msg_put().
 */
int		 store_msg_put_many(struct store *, const struct store_msg *,
		    size_t n);
/*
 * Records the server's flags for (folder, uid); pending local flag
 * changes are applied on top, so a queued change wins until replayed.
 * A cached body's file is renamed to carry the flags.
 */
int		 store_msg_server_flags(struct store *, int64_t folder,
		    uint32_t uid, unsigned flags, const char *keywords,
		    uint64_t modseq);
/* Removes (folder, uid) locally: the server expunged it. */
int		 store_msg_remove(struct store *, int64_t folder, uint32_t uid);
/* Removes every message of folder with internaldate < before. */
int		 store_msg_prune(struct store *, int64_t folder, int64_t before);
/*
 * store_adopt.c: a folder's rebuild (UIDVALIDITY change, lost state or
 * index) reuses the bodies already in its cache.  store_msg_forget_rows
 * drops the folder's rows but leaves their files, for
 * store_adopt_files to give back to the new rows (by tern name within
 * the same UIDVALIDITY, else by Message-ID and size); files matching
 * no row are left in place, never deleted.  The tags of the old rows
 * are carried over by Message-ID with store_msg_tagged/store_msg_retag.
 */
int		 store_msg_forget_rows(struct store *, int64_t folder);
int		 store_adopt_files(struct store *, int64_t folder,
		    int *adopted, int *left);
int		 store_msg_tagged(struct store *, int64_t folder, char ***ids,
		    size_t *n);
int		 store_msg_retag(struct store *, int64_t folder,
		    char *const *ids, size_t n);
/* 1 if folder's cache directory is gone: its rows are marked uncached. */
int		 store_msg_files_lost(struct store *, int64_t folder);
int		 store_msg_any_cached(struct store *, int64_t folder);
/* The cached UIDs of folder in ascending order. */
int		 store_msg_uids(struct store *, int64_t folder,
		    struct store_uid **, size_t *);
void		 store_uids_free(struct store_uid *, size_t);
/* Only the UIDs: folder's, and those without a body since a date. */
int		 store_msg_uid_set(struct store *, int64_t folder, uint32_t **,
		    size_t *);
int		 store_msg_uncached(struct store *, int64_t folder,
		    int64_t since, uint32_t **, size_t *);
/* One message; 0 found, 1 not found, -1 error. */
int		 store_msg_get(struct store *, int64_t folder, uint32_t uid,
		    struct store_msg *out);
void		 store_msg_clear(struct store_msg *);
/* Writes the body of (folder, uid) into the Maildir and marks it cached. */
int		 store_msg_body(struct store *, int64_t folder, uint32_t uid,
		    const char *data, size_t len, char **errp);

/* ---- store_fts.c: the full-text index of headers and cached bodies. ---- */

/* Text of a message body indexed at most (bytes of decoded UTF-8). */
#define STORE_FTS_TEXT_MAX	(1024 * 1024)
/*
 * Indexes the text of message row id, whose whole message (headers and
 * body) is msg: its text parts decoded to UTF-8, HTML through the
 * built-in stripper (never a program), the first STORE_FTS_TEXT_MAX
 * bytes; and records whether it has attachments.  store_msg_body()
 * calls it; 0 or -1.
 */
int		 store_fts_index(struct store *, int64_t id, const char *msg,
		    size_t len);
/*
 * Indexes up to max cached bodies not yet indexed (an index upgraded
 * from version 3, a maildir account's files), reading their files, in
 * transactions of a few hundred, after the headers of up to 250 * max
 * rows a sync left for later (a sync in bulk mode does not index
 * headers: that would be a quarter of its time).  Returns how many
 * rows are left (0: all done) or -1.
 */
int64_t		 store_fts_catch_up(struct store *, int64_t max);

/* ---- store_hits.c: what server: searches found. ---- */

struct store_hit {
	int64_t		 folder_id;
	uint32_t	 uid;
};

/* Replaces the stored server result of term with hits.  0 or -1. */
int		 store_hits_set(struct store *, const char *term,
		    const struct store_hit *hits, size_t n);

/* ---- query.c: the search language, compiled to SQL. ---- */

struct query_param {
	int		 is_int;
	int64_t		 i;
	char		*s;
	int		 fts;		/* s is an FTS5 query: bound as the
					   set of ids it matches (query_bind) */
};

struct query {
	char			*where;		/* over "messages m JOIN folders f" */
	struct query_param	*params;	/* bound to ?1, ?2, ... in order */
	size_t			 nparams;
	char			**server;	/* the server: values, each once:
						   refresh them with
						   store_hits_set() */
	size_t			 nserver;
	size_t			 drive;		/* 1 + the index of a full-text
						   parameter every match is in
						   (0: none): a small set
						   drives the query */
	int			 scan;		/* tests a column of every row
						   (not only id, date, folder):
						   a whole list is cheaper
						   read in table order */
};

/*
 * Compiles a query (see tern(1), SEARCH QUERIES) into an SQL condition
 * on the aliases m (messages) and f (folders).  On error returns -1
 * with *errp saying where and why.
 */
int	 query_compile(const char *q, time_t now, struct query *out,
	    char **errp);
void	 query_free(struct query *);
/*
 * Runs a compiled query on a store, newest first, calling cb for each
 * match (msg and folder are borrowed for the call).  cb returning
 * non-zero stops.  Returns the number of matches or -1.
 */
int	 query_run(struct store *, const struct query *,
	    int (*cb)(const struct store_msg *, const struct store_folder *,
	    void *), void *ctx, char **errp);
/*
 * query_fts.c: what runs a compiled query q.  query_begin() readies
 * the connection for q's SQL (before preparing it) and opens a read
 * transaction: 1 if it began one, 0 if the caller is in one, -1 on
 * error.  query_bind() binds q's parameters to ?1.. of st, each
 * full-text one as the set of ids its FTS5 query matches (read now;
 * driven: the drive term's as every id, its IN list doing the work):
 * 0, or -1 with *errp set.  query_end(began) after the last step.
 */
struct sqlite3_stmt;
int	 query_begin(struct store *, const struct query *);
/*
 * If q's rows are best found from its drive set (it has few ids):
 * "m.id IN (ids)" to AND to q's SQL, and pass driven = 1 to
 * query_bind; else NULL.  Caller frees.  After query_begin().
 */
char	*query_drive(struct store *, const struct query *);
/* At most this many matches drive (2000; tests set -1: never). */
extern int query_drive_max;
int	 query_bind(struct store *, struct sqlite3_stmt *,
	    const struct query *, int driven, char **errp);
void	 query_end(struct store *, int began);

/* ---- store_list.c: the message list, windowed. ---- */

enum store_sort {
	STORE_SORT_DATE,	/* arrival (INTERNALDATE), the index's order */
	STORE_SORT_FROM,
	STORE_SORT_SUBJECT,
	STORE_SORT_SIZE
};

/* What threading needs of one message; the strings are borrowed from
 * one arena that store_keys_free() frees. */
struct store_key {
	int64_t		 id;
	char		*message_id;
	char		*in_reply_to;
	char		*references;
	char		*subject;
	int64_t		 date;
};

/*
 * The ids of folder's messages (every folder's when folder is 0)
 * matching filter, if not NULL, in sort order, ascending or reversed:
 * all, or the first limit (> 0); *idsp is owned by the caller.
 */
int	 store_list_ids(struct store *, int64_t folder, enum store_sort,
	    int reverse, const struct query *filter, size_t limit,
	    int64_t **idsp, size_t *np);
/* The threading fields of the same messages, oldest first. */
int	 store_list_keys(struct store *, int64_t folder,
	    const struct query *filter, struct store_key **, size_t *);
void	 store_keys_free(struct store_key *, size_t);
/* The message with row id; 0 found, 1 gone, -1 error. */
int	 store_msg_by_id(struct store *, int64_t id, struct store_msg *out);
/* Sets (on) or clears the tagged mark of ids[0..n) (is:tagged); local
 * only, never sent to a server. */
int	 store_msg_tag(struct store *, const int64_t *ids, size_t n, int on);
/* Clears every tagged mark (tags last one session). */
int	 store_untag_all(struct store *);
/* The message with Message-ID msgid in the folder with server name
 * folder: 0 found, 1 not (yet) there, -1 error. */
int	 store_msg_find(struct store *, const char *folder, const char *msgid,
	    struct store_msg *out);
/* The absolute path of m's cached file; NULL if it has none.  Caller
 * frees. */
char	*store_msg_path(struct store *, const struct store_msg *m);

/* ---- pending.c: the offline queue and crash journal. ---- */

enum pending_op {
	PENDING_FLAGS = 1,	/* +FLAGS set, -FLAGS clear */
	PENDING_MOVE,		/* to target */
	PENDING_COPY,		/* to target */
	PENDING_EXPUNGE,	/* \Deleted + UID EXPUNGE */
	PENDING_APPEND,		/* the file (in the outbox) to folder */
	PENDING_XMOVE,		/* to another account: target "ACCOUNT/FOLDER" */
	PENDING_XCOPY		/* the same, leaving the source in place */
};

struct pending {
	int64_t		 id;
	int64_t		 folder_id;
	uint32_t	 uid;
	uint32_t	 uidvalidity;	/* the folder's when queued */
	char		*message_id;	/* to re-match after UIDVALIDITY change */
	enum pending_op	 op;
	unsigned	 set;		/* FLAGS: flags to add */
	unsigned	 clear;		/* FLAGS: flags to remove */
	char		*target;	/* MOVE/COPY: target folder name; XMOVE/
					   XCOPY: "ACCOUNT/FOLDER" (an account
					   name has no '/'); APPEND: the source
					   account of a transfer, or "" */
	char		*file;		/* APPEND: absolute path of the message;
					   XMOVE/XCOPY: its staged copy, or "" */
	int		 step;		/* XMOVE/XCOPY: 1 once handed to the
					   target account; transferred APPEND:
					   1 once sent (the reply may be lost) */
	int		 failures;	/* replay attempts that failed */
	char		*error;		/* last failure, or "" */
};

/*
 * A user action on (folder, uid): changes the local state and queues
 * the server operation in one transaction.  FLAGS updates the cached
 * flags at once; MOVE and EXPUNGE remove the message from the folder's
 * list at once (MOVE to the target shows after the replay's sync).
 */
int		 pending_add(struct store *, const struct pending *);
/* The queued operations of folder (all folders if folder < 0), oldest
 * first. */
int		 pending_list(struct store *, int64_t folder, struct pending **,
		    size_t *);
void		 pending_free(struct pending *, size_t);
/* The id of the operation pending_add() just queued on this
 * connection. */
int64_t		 pending_last_id(struct store *);
/*
 * Withdraws an operation not yet replayed (undo): 1 if it was still
 * queued and is gone now, 0 if the engine had already done it (or, for
 * an XMOVE/XCOPY, handed it to the target account), -1.
 */
int		 pending_cancel(struct store *, int64_t id);
/* Removes a replayed operation (the server confirmed it). */
int		 pending_done(struct store *, int64_t id);
/* Records a failed attempt (kept for retry, shown to the user). */
int		 pending_failed(struct store *, int64_t id, const char *error);
/* Moves the operations of folder to a new uid (re-match). */
int		 pending_rematch(struct store *, int64_t id, uint32_t uid,
		    uint32_t uidvalidity);
/* Count of queued operations. */
int64_t		 pending_count(struct store *);
/* 1 if (folder, uid) has a queued MOVE or EXPUNGE (sync must not bring
 * it back), else 0. */
int		 pending_hides(struct store *, int64_t folder, uint32_t uid);
/* 1 if an operation of kind op takes the message out of its folder. */
int		 pending_op_hides(enum pending_op op);

/* ---- pending_xfer.c: messages on their way to another account. ---- */

/*
 * A move or copy to another account (XMOVE/XCOPY) goes in steps, each
 * journaled before the next starts (order is important): the message
 * is staged as a file under the source store's xfer/ directory (linked
 * from the cache when the body is there, else fetched by the source
 * engine); the source engine queues an APPEND of that file in the
 * target account's store and marks its own operation handed over
 * (step 1); the target engine APPENDs it and drops its operation once
 * the server confirmed; only then does the source engine see the
 * target's operation gone and expunge the original.  A crash anywhere
 * leaves each account's part queued or done, never both undone.
 */

/* The staging file of operation id (caller frees). */
char		*pending_xfer_path(struct store *, int64_t id);
/* Stages data as operation id's file (tmp, fsync, rename); its path. */
char		*pending_xfer_write(struct store *, int64_t id, const char *data,
		    size_t len, char **errp);
/* Stages the cached file src as operation id's file (a hard link, or
 * a copy); its path, or NULL.  Caller frees. */
char		*pending_xfer_link(struct store *, int64_t id, const char *src);
/* Records the staging file (or "") of operation id. */
int		 pending_xfer_set_file(struct store *, int64_t id,
		    const char *path);
/* Records the step operation id reached. */
int		 pending_xfer_set_step(struct store *, int64_t id, int step);
/* The step of operation id: 0 or more, or -1 if it is not queued (or
 * on error). */
int		 pending_xfer_step(struct store *, int64_t id);
/* The id of the queued APPEND of file path, 0 if none, -1 on error. */
int64_t		 pending_xfer_find(struct store *, const char *path);
/* Withdraws the queued APPEND of file path: 1 done, 0 none, -1. */
int		 pending_xfer_cancel(struct store *, const char *path);
/* Removes files in xfer/ older than max_age seconds that no operation
 * names (left by a crash before a commit); the count removed. */
int		 pending_xfer_sweep(struct store *, int max_age);

/* ---- outbox.c: ready messages waiting to be submitted. ---- */

/*
 * The outbox of an account is a Maildir under its store directory
 * (<store>/outbox) with one state file per message beside it
 * (<store>/outbox/state/ID).  The engine (send.c) submits what is
 * queued; the UI lists, retries and deletes.  Every function is safe
 * from any thread of the process holding the account lock.
 */
enum outbox_state {
	OUTBOX_QUEUED,		/* waiting; a temporary failure (reason set)
				   is retried at next_try */
	OUTBOX_SENDING,		/* being submitted now */
	OUTBOX_FAILED,		/* permanent failure (5xx, a bad message):
				   waits for the user (retry or delete) */
	OUTBOX_UNSURE,		/* possibly sent: the connection dropped after
				   the final "." before the server answered;
				   never resent without the user */
	OUTBOX_SENT		/* submitted; waiting to be saved to Sent */
};

struct outbox_entry {
	char		*id;		/* the message's name in the outbox */
	char		*path;		/* its file, absolute */
	char		*subject;	/* raw header text (unfolded, not
					   decoded: header_decode_text(), then
					   sanitize), "" if none */
	char		*recipients;	/* raw To, Cc and Bcc, ", "-joined */
	char		*envelope;	/* the envelope's recipients when given
					   apart from the header (tern send
					   RCPT...), comma-separated; NULL:
					   To, Cc and Bcc */
	enum outbox_state state;
	char		*reason;	/* the last failure, "" if none */
	int		 attempts;	/* submissions tried */
	int		 saves;		/* copies to Sent tried */
	int64_t		 queued;	/* when it was added (UTC seconds) */
	int64_t		 next_try;	/* QUEUED after a temporary failure:
					   not before this; 0: now */
};

/*
 * Stores one ready RFC 5322 message (LF or CRLF line ends) in the
 * account's outbox, written tmp -> fsync -> rename.  A missing Date or
 * Message-ID (<ID@the From address's domain>) is added first, so that
 * every retry sends the same message.  0, or -1 with *errp.
 */
int	 outbox_add(struct store *, const char *msg, size_t len, char **errp);
/* The same by store directory; returns the new message's id (caller
 * frees) or NULL.  Needs no store connection (tern send). */
char	*outbox_put(const char *storedir, const char *msg, size_t len,
	    char **errp);
/* The same with the envelope's recipients given apart (tern send). */
char	*outbox_put_rcpts(const char *storedir, const char *msg, size_t len,
	    char *const *rcpts, size_t n, char **errp);
/* The messages in the outbox, oldest first; free with outbox_free(). */
int	 outbox_list(struct store *, struct outbox_entry **, size_t *,
	    char **errp);
int	 outbox_list_dir(const char *storedir, struct outbox_entry **,
	    size_t *, char **errp);
void	 outbox_free(struct outbox_entry *, size_t);
/*
 * The user's retry: a failed, possibly sent or waiting message is
 * queued for now (a possibly sent one may then arrive twice: that is
 * the user's call).  Refused while it is being sent.
 */
int	 outbox_retry(struct store *, const char *id, char **errp);
int	 outbox_retry_dir(const char *storedir, const char *id, char **errp);
/* The user's delete (the message is not sent); refused while sending. */
int	 outbox_delete(struct store *, const char *id, char **errp);
int	 outbox_delete_dir(const char *storedir, const char *id, char **errp);
/* "queued", "sending", "failed", "possibly sent", "sent". */
const char *outbox_state_name(enum outbox_state);

/* For the engine (send.c) and tests. */
enum outbox_result {
	OUTBOX_R_DATA,		/* about to send the final ".": synced, so
				   that a crash means "possibly sent" */
	OUTBOX_R_TEMP,		/* temporary failure: queued for next */
	OUTBOX_R_PERM,		/* permanent failure */
	OUTBOX_R_UNSURE,	/* possibly sent */
	OUTBOX_R_SENT,		/* the server accepted it */
	OUTBOX_R_SAVING,	/* an APPEND to Sent is being tried */
	OUTBOX_R_UNCLAIM	/* not tried after all (stopped) */
};
/* <storedir>/outbox; caller frees. */
char	*outbox_dir(const char *storedir);
/* The absolute file of id, or NULL if it is gone; caller frees. */
char	*outbox_file(const char *storedir, const char *id);
/*
 * Marks a queued message as being sent: 1 if this caller may send it
 * now (queued, and due at now unless force), else 0.
 */
int	 outbox_claim(const char *storedir, const char *id, int force,
	    int64_t now);
/* Records what became of a claimed message (reason may be NULL). */
int	 outbox_result(const char *storedir, const char *id,
	    enum outbox_result, const char *reason, int64_t next, char **errp);
/* Removes a message and its state (saved to Sent, or not to be). */
int	 outbox_remove(const char *storedir, const char *id, char **errp);
/*
 * After a crash (engine start): "sending" -> queued (stopped before
 * the final "."), "about to end DATA" -> possibly sent.  The count.
 */
int	 outbox_recover(const char *storedir);
/* Reads a message file whole (NUL-terminated); 0 or -1. */
int	 outbox_read(const char *path, char **datap, size_t *lenp,
	    char **errp);
/* The raw unfolded value of the first header field name, or NULL. */
char	*outbox_header(const char *msg, size_t len, const char *name);
/* msg with Date and Message-ID (made from id) added when missing;
 * caller frees; NULL if msg is not a message (no header, NUL bytes,
 * no From). */
char	*outbox_prepare(const char *msg, size_t len, const char *id,
	    char **errp);

#endif
