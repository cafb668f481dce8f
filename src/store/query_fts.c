/*
 * query_fts.c - binds a compiled query's parameters to a statement,
 * answering each full-text term once: the term's FTS5 matches are read
 * into a set of message ids (a bitmap), bound as a pointer, and the SQL
 * query.c wrote tests it per row with tern_fts(?, m.id).  Runs on the
 * thread that owns the store connection (the UI thread, or the command
 * line), for query_run.c and store_list.c.
 *
 * Why not "m.id IN (SELECT rowid FROM msg_fts WHERE msg_fts MATCH ?)",
 * as before: SQLite answers that by copying every match into a
 * temporary b-tree before the first row and probing it per row, and a
 * broad term (half of 100,000 messages) cost 20-30 ms to build and as
 * much to probe, per term.  Reading the doclist into a bitmap costs a
 * few ms, a probe a few ns, so the list walks its date index newest
 * first and tests each row: the first screenful of a broad term comes
 * at once, and the whole folder costs one index scan whatever the
 * terms match.  The result is the same set: a bit is set exactly for
 * the rowids the MATCH returns, and msg_fts rowids are message ids.
 *
 * A set of a few ids is better used the other way round: when every
 * match must be in it (the query is that term, or ANDs it: query.c's
 * q->drive) and a LIMIT-ed read finds at most query_drive_max ids,
 * query_drive() hands them back as "m.id IN (ids)" for the SQL, so
 * SQLite looks the rows up by id and sorts them instead of walking a
 * folder (body:zanzibar, 4 of 100,000 messages: 0.2 ms, not 6).
 *
 * The caller prepares and runs the statement between query_begin(),
 * which registers tern_fts on the connection, lets its page cache grow
 * for a search (cache_grow) and opens a read transaction, and
 * query_end(), so that the terms and the rows are read from the same
 * snapshot.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core.h"
#include "store.h"
#include "store_int.h"

#define IDSET_TYPE	"tern_idset"
/* A bitmap up to this id (64 MiB); sets with larger ids are sorted
 * arrays, searched by bisection. */
#define IDSET_BITS	((int64_t)1 << 29)

struct idset {
	int		 all;		/* every id (a driving set) */
	uint64_t	*bits;		/* NULL: use ids */
	size_t		 nwords;
	int64_t		*ids;		/* ascending */
	size_t		 n;
};

static void
idset_free(void *p)
{
	struct idset	*set = p;

	if (set == NULL)
		return;
	free(set->bits);
	free(set->ids);
	free(set);
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
idset_has(const struct idset *set, int64_t id)
{
	size_t	 lo = 0, hi = set->n, mid;

	if (set->all)
		return 1;
	if (set->bits != NULL) {
		if (id < 0 || (uint64_t)id / 64 >= set->nwords)
			return 0;
		return (set->bits[(uint64_t)id / 64] >> (id % 64)) & 1;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (set->ids[mid] == id)
			return 1;
		if (set->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* tern_fts(set, id): 1 if id is in the bound set, else 0. */
static void
fts_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct idset *set;

	(void)argc;
	if ((set = sqlite3_value_pointer(argv[0], IDSET_TYPE)) == NULL) {
		sqlite3_result_error(ctx, "tern_fts: full-text term not "
		    "bound (use query_bind)", -1);
		return;
	}
	sqlite3_result_int(ctx, idset_has(set, sqlite3_value_int64(argv[1])));
}

/*
 * Registers tern_fts on the connection the first time: a statement
 * that uses it prepares once it is there.  Not at store_open, so that
 * connections that never search pay nothing.
 */
static int
fts_register(sqlite3 *db)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(db, "SELECT tern_fts(NULL, 0)", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	/* DIRECTONLY: never from a trigger or view of the file. */
	return sqlite3_create_function(db, "tern_fts", 2, SQLITE_UTF8 |
	    SQLITE_DIRECTONLY, NULL, fts_func, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

/* The ids the FTS5 query fts matches, or NULL on error. */
static struct idset *
idset_read(sqlite3 *db, const char *fts)
{
	sqlite3_stmt	*st;
	struct idset	*set;
	size_t		 cap = 0, i, w;
	int64_t		 id, max = -1;
	int		 rc, sorted = 1;

	if (sqlite3_prepare_v2(db, "SELECT rowid FROM msg_fts WHERE msg_fts "
	    "MATCH ?1", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	set = xcalloc(1, sizeof *set);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (set->n == cap) {
			cap = cap ? cap * 2 : 1024;
			set->ids = xrealloc(set->ids, cap *
			    sizeof *set->ids);
		}
		if (set->n > 0 && id <= set->ids[set->n - 1])
			sorted = 0;
		set->ids[set->n++] = id;
		if (id > max)
			max = id;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		idset_free(set);
		return NULL;
	}
	if (!sorted)
		qsort(set->ids, set->n, sizeof *set->ids, id_cmp);
	if (set->n > 0 && set->ids[0] < 0)
		return set;		/* never from SQLite's own rowids */
	if (max < IDSET_BITS) {
		set->nwords = (size_t)(max / 64 + 1);
		set->bits = xcalloc(set->nwords, sizeof *set->bits);
		for (i = 0; i < set->n; i++) {
			w = (size_t)((uint64_t)set->ids[i] / 64);
			set->bits[w] |= (uint64_t)1 << (set->ids[i] % 64);
		}
		free(set->ids);
		set->ids = NULL;
	}
	return set;
}

/*
 * A search reads every row of the table (or of a folder) and the
 * doclists of its terms: 10 MB and more for 100,000 messages, which
 * SQLite's default 2 MB cache re-reads from the kernel on each search
 * (a quarter of the CPU time of a whole-table one).  A searching
 * connection keeps up to SEARCH_CACHE_KB of pages instead; never
 * less than it had (store_set_bulk's choice stands if larger).
 */
#define SEARCH_CACHE_KB	16384

static void
cache_grow(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int64_t		 v = 0;
	char		 sql[64];

	if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* Negative: KiB; positive: pages, of 4 KiB in tern's files. */
	if ((v < 0 && -v >= SEARCH_CACHE_KB) || v * 4 >= SEARCH_CACHE_KB)
		return;
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", SEARCH_CACHE_KB);
	(void)sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/*
 * Driving: walking the date index (or the table) tests every row of
 * the folder; a set of a few ids is cheaper looked up row by row and
 * sorted.  The drive term's matches are read with a LIMIT of
 * query_drive_max + 1, so a broad term costs little to reject; a small
 * set comes back as "m.id IN (ids)" (integers from the index, never
 * user text), and its tern_fts test is then bound to the set of all
 * ids: the FTS5 query runs once.
 */
int	query_drive_max = 2000;

char *
query_drive(struct store *s, const struct query *q)
{
	sqlite3		*db = store_db(s);
	sqlite3_stmt	*st;
	char		*in;
	size_t		 len, cap = 256;
	int		 n = 0, rc;

	if (q == NULL || q->drive == 0 || q->drive > q->nparams ||
	    query_drive_max < 0 || !q->params[q->drive - 1].fts)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT rowid FROM msg_fts WHERE msg_fts "
	    "MATCH ?1 LIMIT ?2", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, q->params[q->drive - 1].s, -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 2, query_drive_max + 1);
	in = xmalloc(cap);
	len = (size_t)snprintf(in, cap, "m.id IN (");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len + 24 > cap) {		/* ",-9223372036854775808)" */
			cap *= 2;
			in = xrealloc(in, cap);
		}
		len += (size_t)snprintf(in + len, cap - len, "%s%lld",
		    n++ > 0 ? "," : "", (long long)sqlite3_column_int64(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || n > query_drive_max) {
		free(in);
		return NULL;	/* an error shows when the query runs */
	}
	snprintf(in + len, cap - len, ")");
	return in;
}

static struct idset	 every = { 1, NULL, 0, NULL, 0 };

int
query_bind(struct store *s, struct sqlite3_stmt *st, const struct query *q,
    int driven, char **errp)
{
	sqlite3		*db = store_db(s);
	struct idset	*set;
	size_t		 i;
	int		 rc;

	for (i = 0; i < q->nparams; i++) {
		/* The query outlives the statement: no copies needed. */
		if (q->params[i].is_int)
			rc = sqlite3_bind_int64(st, (int)i + 1, q->params[i].i);
		else if (q->params[i].fts && driven && i + 1 == q->drive)
			rc = sqlite3_bind_pointer(st, (int)i + 1, &every,
			    IDSET_TYPE, NULL);
		else if (q->params[i].fts) {
			if ((set = idset_read(db, q->params[i].s != NULL ?
			    q->params[i].s : "")) == NULL)
				goto fail;
			/* SQLite frees the set with the statement. */
			rc = sqlite3_bind_pointer(st, (int)i + 1, set,
			    IDSET_TYPE, idset_free);
		} else
			rc = sqlite3_bind_text(st, (int)i + 1,
			    q->params[i].s != NULL ? q->params[i].s : "", -1,
			    SQLITE_STATIC);
		if (rc != SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	seterr(errp, "search failed: %s", sqlite3_errmsg(db));
	return -1;
}

int
query_begin(struct store *s, const struct query *q)
{
	sqlite3	*db = store_db(s);
	size_t	 i;
	int	 fts = 0;

	for (i = 0; q != NULL && i < q->nparams; i++)
		fts |= q->params[i].fts;
	if (fts && fts_register(db) == -1)
		return -1;
	if (fts || (q != NULL && q->scan))
		cache_grow(db);
	if (!sqlite3_get_autocommit(db))
		return 0;		/* the caller's transaction */
	return sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ?
	    1 : -1;
}

void
query_end(struct store *s, int began)
{
	sqlite3	*db = store_db(s);

	if (began == 1 && !sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}
