/*
 * query_run.c - runs a query compiled by query.c on a store: the
 * matching messages with their folders, newest first (by Date:, or
 * arrival without one), for tern search and the composer's address
 * book.  Its full-text terms are read once as id sets and the rows and
 * the sets come from one read transaction (query_fts.c).  Runs on the
 * thread that owns the store connection (the UI thread, or the
 * command line).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core.h"
#include "store.h"
#include "store_int.h"

#define MSG_DATE	"COALESCE(NULLIF(m.date, 0), m.internaldate)"

#define FOLDER_COLS							\
	"f.id, f.name, f.display, f.path, f.delim, f.role, "		\
	"f.subscribed, f.noselect, f.uidvalidity, f.uidnext, "		\
	"f.highestmodseq, f.messages, f.\"window\""

/* Column i as text, borrowed from the row ("" rather than NULL). */
static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? (char *)s : (char *)"";
}

static void
row_folder(sqlite3_stmt *st, struct store_folder *f)
{
	int	 c = MSG_NCOLS;

	f->id = sqlite3_column_int64(st, c + 0);
	f->name = col_text(st, c + 1);
	f->display = col_text(st, c + 2);
	f->path = col_text(st, c + 3);
	f->delim = sqlite3_column_int(st, c + 4);
	f->role = col_text(st, c + 5);
	f->subscribed = sqlite3_column_int(st, c + 6) != 0;
	f->noselect = sqlite3_column_int(st, c + 7) != 0;
	f->uidvalidity = (uint32_t)sqlite3_column_int64(st, c + 8);
	f->uidnext = (uint32_t)sqlite3_column_int64(st, c + 9);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(st, c + 10);
	f->messages = (uint32_t)sqlite3_column_int64(st, c + 11);
	f->window = sqlite3_column_int64(st, c + 12);
}

/* The computed counts of the folders met so far by one query_run(). */
struct counts {
	sqlite3_stmt	*st;
	struct {
		int64_t	 id, total, unread;
	}		*f;
	size_t		 n;
};

/*
 * Fills f->total and f->unread as store_folders() counts them.  Once
 * per folder, not per row: counting in the SELECT would scan the whole
 * folder for every match.
 */
static int
row_counts(sqlite3 *db, struct counts *c, struct store_folder *f)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < c->n; i++)
		if (c->f[i].id == f->id)
			goto found;
	/* Each count from an index alone: (folder_id, uid), messages_unread. */
	if (c->st == NULL && sqlite3_prepare_v2(db, "SELECT (SELECT COUNT(*) "
	    "FROM messages WHERE folder_id = ?1), (SELECT COUNT(*) FROM "
	    "messages WHERE folder_id = ?1 AND (flags & 1) = 0)", -1, &c->st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(c->st, 1, f->id);
	if ((rc = sqlite3_step(c->st)) != SQLITE_ROW) {
		sqlite3_reset(c->st);
		return -1;
	}
	c->f = xrealloc(c->f, (c->n + 1) * sizeof *c->f);
	c->f[c->n].id = f->id;
	c->f[c->n].total = sqlite3_column_int64(c->st, 0);
	c->f[c->n].unread = sqlite3_column_int64(c->st, 1);
	i = c->n++;
	sqlite3_reset(c->st);
found:
	f->total = c->f[i].total;
	f->unread = c->f[i].unread;
	return 0;
}

/*
 * The msg and folder given to cb are borrowed from the current SQLite
 * row: their strings are valid only until cb returns (copy what you
 * keep).  cb should not write to the store while the SELECT is open
 * (SQLite leaves it undefined whether changed rows show up): collect
 * the matches, then act on them, as tern mark does.
 */
int
query_run(struct store *store, const struct query *q,
    int (*cb)(const struct store_msg *, const struct store_folder *, void *),
    void *ctx, char **errp)
{
	sqlite3		*db = store_db(store);
	sqlite3_stmt	*st = NULL;
	struct counts	 c;
	struct store_msg m;
	struct store_folder f;
	char		*sql, *in = NULL;
	int		 rc, n = 0, began = 0;

	if (q == NULL || q->where == NULL) {
		seterr(errp, "search: no compiled query");
		return -1;
	}
	memset(&c, 0, sizeof c);
	if ((began = query_begin(store, q)) == -1)
		goto fail;
	/* A few matches: looked up by id, then sorted (query_fts.c). */
	in = query_drive(store, q);
	sql = xasprintf("SELECT " MSG_COLS ", " FOLDER_COLS " FROM messages m "
	    "JOIN folders f ON f.id = m.folder_id WHERE (%s)%s%s ORDER BY "
	    MSG_DATE " DESC, m.id DESC", q->where, in != NULL ? " AND " : "",
	    in != NULL ? in : "");
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		goto fail;
	if (query_bind(store, st, q, in != NULL, errp) == -1)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_msg_fill(st, &m, col_text);
		row_folder(st, &f);
		if (row_counts(db, &c, &f) == -1)
			goto fail;
		n++;
		if (cb(&m, &f, ctx) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	sqlite3_finalize(c.st);
	free(c.f);
	free(in);
	query_end(store, began);
	return n;

fail:
	seterr(errp, "search failed: %s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_finalize(c.st);
	free(c.f);
	free(in);
	query_end(store, began);
	return -1;
}
