/*
 * pending.c - the offline queue and the crash journal at once: every
 * user action on a message is one row here, added in the same
 * transaction as its local effect (so the screen shows it at once, and
 * a kill -9 at any instant leaves it either queued or not done at
 * all), and deleted only once the server confirmed it.  The UI thread
 * adds operations, the engine replays them; each on its own connection.
 *
 * An operation remembers the folder's UIDVALIDITY and the message's
 * Message-ID, so after a UIDVALIDITY change it is re-matched
 * (pending_rematch), never applied to whatever message now has its UID
 * and never silently dropped.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

/* The SQL below names operations by number. */
_Static_assert(PENDING_FLAGS == 1 && PENDING_MOVE == 2 &&
    PENDING_EXPUNGE == 4 && PENDING_APPEND == 5 && PENDING_XMOVE == 6 &&
    PENDING_XCOPY == 7, "enum pending_op changed: update the SQL");

/*
 * The step of an XMOVE, XCOPY or transferred APPEND (struct pending's
 * step) is kept in the clear_flags column, which only FLAGS uses: a
 * column of its own would be a new schema version for one small number.
 */
#define PENDING_HAS_STEP(op) \
	((op) == PENDING_APPEND || (op) == PENDING_XMOVE || \
	(op) == PENDING_XCOPY)

/* The bytes of a failure text kept (it may come from a server). */
#define PENDING_ERROR_MAX	1000

/* Keep equal to SAME_GEN in store.c (why: see there). */
#define PENDING_SAME_GEN \
	"(p.uidvalidity = 0 OR f.uidvalidity IS NULL OR f.uidvalidity = 0 " \
	"OR p.uidvalidity = f.uidvalidity)"

static void
pending_sqlerr(struct store *s, const char *what)
{
	log_msg(LOG_ERROR, "store %s: %s: %s", store_account(s), what,
	    store_error(s));
}

static sqlite3_stmt *
pending_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		pending_sqlerr(s, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Steps st (which returns no row) and finalizes it. */
static int
pending_run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		pending_sqlerr(s, what);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
pending_exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(store_db(s), sql, NULL, NULL, NULL) != SQLITE_OK) {
		pending_sqlerr(s, sql);
		return -1;
	}
	return 0;
}

static char *
pending_col(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

/* 1 if p is an operation the replay can carry out. */
static int
pending_valid(struct store *s, const struct pending *p)
{
	const char	*why = NULL;

	if (p == NULL)
		why = "no operation";
	else if (p->op < PENDING_FLAGS || p->op > PENDING_XCOPY)
		why = "unknown operation";
	else if (p->op != PENDING_APPEND && p->uid == 0)
		why = "operation without a UID";
	else if ((p->op == PENDING_MOVE || p->op == PENDING_COPY) &&
	    (p->target == NULL || *p->target == '\0'))
		why = "move or copy without a target folder";
	else if (p->op == PENDING_APPEND && (p->file == NULL ||
	    *p->file == '\0'))
		why = "append without a file";
	else if ((p->op == PENDING_XMOVE || p->op == PENDING_XCOPY) &&
	    (p->target == NULL || p->target[0] == '/' ||
	    strchr(p->target, '/') == NULL ||
	    strchr(p->target, '/')[1] == '\0'))
		why = "move or copy to another account without "
		    "ACCOUNT/FOLDER";
	if (why != NULL)
		log_msg(LOG_ERROR, "store %s: pending: %s", store_account(s),
		    why);
	return why == NULL;
}

/*
 * Links the cached file of m into the staging directory as the file of
 * the operation just inserted (unless the caller gave one) and records
 * it.  No cached body is not an error: the engine fetches it.
 */
static int
pending_stage(struct store *s, const struct store_msg *m, const char *given)
{
	int64_t	 id = sqlite3_last_insert_rowid(store_db(s));
	char	*src, *dst;
	int	 r = 0;

	if ((given != NULL && *given != '\0') ||
	    (src = store_msg_path(s, m)) == NULL)
		return 0;
	if ((dst = pending_xfer_link(s, id, src)) != NULL)
		r = pending_xfer_set_file(s, id, dst);
	/* The link failing is not fatal either: the engine fetches. */
	free(dst);
	free(src);
	return r;
}

/*
 * One transaction whether or not the caller is in one: our own BEGIN
 * IMMEDIATE (through store_begin, so store_commit runs the deferred
 * file removals) or a savepoint inside the caller's transaction.
 */
int
pending_add(struct store *s, const struct pending *p)
{
	sqlite3_stmt	*st = NULL;
	struct store_msg m;
	const char	*msgid;
	uint32_t	 fuidv = 0, uidv;
	unsigned	 set, clear;
	int		 own, ok = 0, found = 0, rc;

	if (!pending_valid(s, p))
		return -1;
	memset(&m, 0, sizeof m);
	own = sqlite3_get_autocommit(store_db(s));
	if ((own ? store_begin(s) : pending_exec(s, "SAVEPOINT pending_add"))
	    == -1)
		return -1;

	st = pending_prepare(s,
	    "SELECT uidvalidity FROM folders WHERE id = ?1");
	if (st == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, p->folder_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fuidv = (uint32_t)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		pending_sqlerr(s, "reading a folder");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;

	/*
	 * Queued for an older UIDVALIDITY, the UID names another message
	 * now: queue it (the replay re-matches it) but touch no row.
	 */
	uidv = p->uidvalidity != 0 ? p->uidvalidity : fuidv;
	if (p->op != PENDING_APPEND && (fuidv == 0 || uidv == fuidv)) {
		if ((rc = store_msg_get(s, p->folder_id, p->uid, &m)) == -1)
			goto done;
		found = rc == 0;
	}
	msgid = p->message_id != NULL && *p->message_id != '\0' ?
	    p->message_id : found ? m.message_id : "";
	/* An APPEND carries the new message's flags in set. */
	set = p->op == PENDING_FLAGS || p->op == PENDING_APPEND ||
	    PENDING_HAS_STEP(p->op) ? p->set & FLAG_ALL : 0;
	clear = p->op == PENDING_FLAGS ? p->clear & FLAG_ALL :
	    PENDING_HAS_STEP(p->op) ? (unsigned)p->step : 0;

	st = pending_prepare(s, "INSERT INTO pending(folder_id, uid, "
	    "uidvalidity, message_id, op, set_flags, clear_flags, target, "
	    "file, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (st == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, p->folder_id);
	sqlite3_bind_int64(st, 2, p->uid);
	sqlite3_bind_int64(st, 3, uidv);
	sqlite3_bind_text(st, 4, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)p->op);
	sqlite3_bind_int(st, 6, (int)set);
	sqlite3_bind_int(st, 7, (int)clear);
	sqlite3_bind_text(st, 8, p->target != NULL ? p->target : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 9, p->file != NULL ? p->file : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, (int64_t)time(NULL));
	rc = pending_run(s, st, "queueing an operation");
	st = NULL;
	if (rc == -1)
		goto done;

	/*
	 * The local effect comes last, so nothing after it can fail but
	 * the commit (and a removed message's file is unlinked only after
	 * that commit).  Writing the new flags as if the server had sent
	 * them folds every queued FLAGS operation, this one included, on
	 * top: the result is (flags & ~clear) | set, and the cached file
	 * is renamed to match.
	 */
	if (found) {
		switch (p->op) {
		case PENDING_FLAGS:
			rc = store_msg_server_flags(s, p->folder_id, p->uid,
			    (m.flags & ~clear) | set, m.keywords, m.modseq);
			break;
		case PENDING_XMOVE:
		case PENDING_XCOPY:
			/*
			 * The cached body is staged (a link) before the row
			 * and its file go: the engine then needs no fetch.
			 */
			rc = pending_stage(s, &m, p->file);
			if (rc == -1 || p->op == PENDING_XCOPY)
				break;
			/* FALLTHROUGH */
		case PENDING_MOVE:
		case PENDING_EXPUNGE:
			rc = store_msg_remove(s, p->folder_id, p->uid);
			break;
		default:		/* COPY, APPEND: seen after a sync */
			rc = 0;
			break;
		}
		if (rc == -1)
			goto done;
	}
	ok = 1;
done:
	sqlite3_finalize(st);
	store_msg_clear(&m);
	if (own) {
		if (ok && store_commit(s) == 0)
			return 0;
		store_rollback(s);
		return -1;
	}
	if (ok && pending_exec(s, "RELEASE pending_add") == 0)
		return 0;
	(void)pending_exec(s, "ROLLBACK TO pending_add");
	(void)pending_exec(s, "RELEASE pending_add");
	return -1;
}

void
pending_free(struct pending *ps, size_t n)
{
	size_t	 i;

	if (ps == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ps[i].message_id);
		free(ps[i].target);
		free(ps[i].file);
		free(ps[i].error);
	}
	free(ps);
}

int
pending_list(struct store *s, int64_t folder, struct pending **out,
    size_t *np)
{
	sqlite3_stmt	*st;
	struct pending	*ps = NULL, *p;
	size_t		 n = 0, cap = 0;
	int		 rc;

	*out = NULL;
	*np = 0;
	st = pending_prepare(s, "SELECT id, folder_id, uid, uidvalidity, "
	    "message_id, op, set_flags, clear_flags, target, file, failures, "
	    "error FROM pending WHERE ?1 < 0 OR folder_id = ?1 ORDER BY id");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ps = xrealloc(ps, cap * sizeof *ps);
		}
		p = &ps[n++];
		p->id = sqlite3_column_int64(st, 0);
		p->folder_id = sqlite3_column_int64(st, 1);
		p->uid = (uint32_t)sqlite3_column_int64(st, 2);
		p->uidvalidity = (uint32_t)sqlite3_column_int64(st, 3);
		p->message_id = pending_col(st, 4);
		/* An unknown op is listed as it is: the replay refuses it. */
		p->op = (enum pending_op)sqlite3_column_int(st, 5);
		p->set = (unsigned)sqlite3_column_int(st, 6) & FLAG_ALL;
		p->clear = (unsigned)sqlite3_column_int(st, 7) & FLAG_ALL;
		p->step = 0;
		if (PENDING_HAS_STEP(p->op)) {
			p->step = sqlite3_column_int(st, 7);
			p->clear = 0;
		}
		p->target = pending_col(st, 8);
		p->file = pending_col(st, 9);
		p->failures = sqlite3_column_int(st, 10);
		p->error = pending_col(st, 11);
	}
	if (rc != SQLITE_DONE) {
		pending_sqlerr(s, "listing pending operations");
		sqlite3_finalize(st);
		pending_free(ps, n);
		return -1;
	}
	sqlite3_finalize(st);
	*out = ps;
	*np = n;
	return 0;
}

/* Done twice is not an error: the operation is gone either way. */
int64_t
pending_last_id(struct store *s)
{
	return sqlite3_last_insert_rowid(store_db(s));
}

int
pending_cancel(struct store *s, int64_t id)
{
	sqlite3_stmt	*st;

	/* Handed to the other account: that one may have done it. */
	st = pending_prepare(s, "DELETE FROM pending WHERE id = ?1 AND "
	    "NOT (op IN (6, 7) AND clear_flags <> 0)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (pending_run(s, st, "withdrawing an operation") == -1)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 1 : 0;
}

int
pending_done(struct store *s, int64_t id)
{
	sqlite3_stmt	*st;

	st = pending_prepare(s, "DELETE FROM pending WHERE id = ?1");
	if (st != NULL)
		sqlite3_bind_int64(st, 1, id);
	return pending_run(s, st, "removing a replayed operation");
}

int
pending_failed(struct store *s, int64_t id, const char *error)
{
	sqlite3_stmt	*st;
	size_t		 len;

	if (error == NULL)
		error = "";
	/* Bounded, and cut at a UTF-8 character boundary. */
	len = strlen(error);
	if (len > PENDING_ERROR_MAX) {
		len = PENDING_ERROR_MAX;
		while (len > 0 && ((unsigned char)error[len] & 0xC0) == 0x80)
			len--;
	}
	st = pending_prepare(s, "UPDATE pending SET failures = failures + 1, "
	    "error = ?2 WHERE id = ?1");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, error, (int)len, SQLITE_STATIC);
	}
	return pending_run(s, st, "recording a failed operation");
}

int
pending_rematch(struct store *s, int64_t id, uint32_t uid,
    uint32_t uidvalidity)
{
	sqlite3_stmt	*st;

	st = pending_prepare(s, "UPDATE pending SET uid = ?2, "
	    "uidvalidity = ?3 WHERE id = ?1");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, uid);
		sqlite3_bind_int64(st, 3, uidvalidity);
	}
	return pending_run(s, st, "re-matching an operation");
}

/* -1 on error. */
int64_t
pending_count(struct store *s)
{
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	if ((st = pending_prepare(s, "SELECT COUNT(*) FROM pending")) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		pending_sqlerr(s, "counting pending operations");
	sqlite3_finalize(st);
	return n;
}

/*
 * -1 on error, which a caller testing for non-zero takes as hidden: in
 * doubt, a message is not brought back.
 */
int
pending_hides(struct store *s, int64_t folder, uint32_t uid)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = pending_prepare(s, "SELECT 1 FROM pending p "
	    "LEFT JOIN folders f ON f.id = p.folder_id "
	    "WHERE p.folder_id = ?1 AND p.uid = ?2 AND p.op IN (2, 4, 6) AND "
	    PENDING_SAME_GEN " LIMIT 1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, uid);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		pending_sqlerr(s, "reading pending operations");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
pending_op_hides(enum pending_op op)
{
	return op == PENDING_MOVE || op == PENDING_EXPUNGE ||
	    op == PENDING_XMOVE;
}
