/*
 * query_paths.h - for check_query.c and check_fts.c (included by both;
 * single-threaded): asserts that every way a compiled query is answered
 * gives the same messages in the same order as the plain SQL that
 * query.c wrote before full-text terms became id sets, with each
 * tern_fts(?, m.id) put back as "m.id IN (SELECT rowid FROM msg_fts
 * WHERE msg_fts MATCH ?)":
 *
 *	store_list_ids, whole (a filter reading row columns scans the
 *	table and sorts when the folder is big), newest and oldest first
 *	store_list_ids with a limit (walks the date index, stops early)
 *	store_list_keys (oldest first)
 *	query_run (the same set; its order is by Date:, tested elsewhere)
 *
 * for every folder given and for all folders (0), each both with a
 * small full-text set driving (looked up by id, sorted) and without
 * (query_drive_max -1: every set tested per row).
 */
#define PATHS_MAX	256

/* The reference: q's SQL with the old full-text test, run directly. */
static size_t
paths_ref(struct store *s, const struct query *q, int64_t folder, int desc,
    int64_t *ids)
{
	static const char tern[] = "tern_fts(?, m.id)";
	static const char old[] = "m.id IN (SELECT rowid FROM msg_fts WHERE "
	    "msg_fts MATCH ?)";
	sqlite3_stmt	*st;
	char		*w = xstrdup(q->where), *at, *t, *sql;
	size_t		 i, n = 0;
	int		 rc;

	while ((at = strstr(w, tern)) != NULL) {
		t = xasprintf("%.*s%s%s", (int)(at - w), w, old,
		    at + strlen(tern));
		free(w);
		w = t;
	}
	sql = xasprintf("SELECT m.id FROM messages m JOIN folders f ON f.id = "
	    "m.folder_id WHERE (%s) AND (?%zu = 0 OR m.folder_id = ?%zu) "
	    "ORDER BY m.internaldate %s, m.id %s", w, q->nparams + 1,
	    q->nparams + 1, desc ? "DESC" : "ASC", desc ? "DESC" : "ASC");
	ck_assert_msg(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(store_db(s)));
	for (i = 0; i < q->nparams; i++) {
		if (q->params[i].is_int)
			sqlite3_bind_int64(st, (int)i + 1, q->params[i].i);
		else
			sqlite3_bind_text(st, (int)i + 1, q->params[i].s, -1,
			    SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, (int)q->nparams + 1, folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ck_assert_uint_lt(n, PATHS_MAX);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	ck_assert_int_eq(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	free(sql);
	free(w);
	return n;
}

static void
paths_same(const char *text, const char *how, int64_t folder,
    const int64_t *want, size_t nwant, const int64_t *got, size_t ngot)
{
	size_t	 i;

	ck_assert_msg(ngot == nwant, "'%s' %s (folder %lld): %zu ids, want "
	    "%zu", text, how, (long long)folder, ngot, nwant);
	for (i = 0; i < ngot; i++)
		ck_assert_msg(got[i] == want[i], "'%s' %s (folder %lld): id "
		    "#%zu is %lld, want %lld", text, how, (long long)folder, i,
		    (long long)got[i], (long long)want[i]);
}

static int
paths_collect(const struct store_msg *m, const struct store_folder *f,
    void *arg)
{
	int64_t	*ids = arg;

	(void)f;
	ck_assert_int_lt(ids[0], PATHS_MAX - 1);
	ids[++ids[0]] = m->id;
	return 0;
}

static int
paths_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Returns how many messages text finds in all folders. */
static size_t
paths_agree1(struct store *s, const char *text, time_t now,
    const int64_t *folders, size_t nfolders)
{
	struct query	 q;
	struct store_key *k;
	int64_t		 want[PATHS_MAX], asc[PATHS_MAX], *got, run[PATHS_MAX];
	int64_t		 folder;
	char		*err = NULL;
	size_t		 nwant, nasc, n, i, f, all = 0;

	ck_assert_msg(query_compile(text, now, &q, &err) == 0, "'%s': %s",
	    text, err);
	for (f = 0; f <= nfolders; f++) {
		folder = f < nfolders ? folders[f] : 0;
		nwant = paths_ref(s, &q, folder, 1, want);
		nasc = paths_ref(s, &q, folder, 0, asc);
		ck_assert_uint_eq(nwant, nasc);
		if (folder == 0)
			all = nwant;

		ck_assert_int_eq(store_list_ids(s, folder, STORE_SORT_DATE, 1,
		    &q, 0, &got, &n), 0);
		paths_same(text, "whole, newest first", folder, want, nwant,
		    got, n);
		free(got);
		ck_assert_int_eq(store_list_ids(s, folder, STORE_SORT_DATE, 0,
		    &q, 0, &got, &n), 0);
		paths_same(text, "whole, oldest first", folder, asc, nasc,
		    got, n);
		free(got);
		ck_assert_int_eq(store_list_ids(s, folder, STORE_SORT_DATE, 1,
		    &q, PATHS_MAX, &got, &n), 0);
		paths_same(text, "walked", folder, want, nwant, got, n);
		free(got);
		ck_assert_int_eq(store_list_ids(s, folder, STORE_SORT_DATE, 1,
		    &q, 2, &got, &n), 0);
		paths_same(text, "first two", folder, want,
		    nwant < 2 ? nwant : 2, got, n);
		free(got);

		ck_assert_int_eq(store_list_keys(s, folder, &q, &k, &n), 0);
		got = xcalloc(n + 1, sizeof *got);
		for (i = 0; i < n; i++)
			got[i] = k[i].id;
		paths_same(text, "thread keys", folder, asc, nasc, got, n);
		free(got);
		store_keys_free(k, n);
	}

	/* query_run: every folder, the same set. */
	run[0] = 0;
	ck_assert_msg(query_run(s, &q, paths_collect, run, &err) ==
	    (int)all, "'%s': query_run: %s", text, err ? err : "count");
	nwant = paths_ref(s, &q, 0, 1, want);
	qsort(want, nwant, sizeof *want, paths_cmp);
	qsort(run + 1, (size_t)run[0], sizeof *run, paths_cmp);
	paths_same(text, "query_run", 0, want, nwant, run + 1, (size_t)run[0]);
	query_free(&q);
	return all;
}

static size_t
paths_agree(struct store *s, const char *text, time_t now,
    const int64_t *folders, size_t nfolders)
{
	int	 keep = query_drive_max;
	size_t	 n;

	n = paths_agree1(s, text, now, folders, nfolders);
	query_drive_max = -1;
	ck_assert_uint_eq(paths_agree1(s, text, now, folders, nfolders), n);
	query_drive_max = keep;
	return n;
}
