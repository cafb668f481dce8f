/*
 * store_list.c - what the message list shows: a folder's message ids
 * in display order, the rows of a visible window by id, and the fields
 * threading needs.  Run by the UI thread on its own connection.
 *
 * The list holds ids only (8 bytes a message); the rows themselves are
 * read a screenful at a time, so a 100,000-message folder costs the UI
 * under a megabyte and the first frame one indexed query.
 *
 * A filter (a limit or search, compiled by query.c) is answered in
 * one read transaction, its full-text terms as id sets (query_fts.c):
 * a filter whose drive term matches few messages is answered from
 * their ids, looked up and sorted; otherwise a screenful walks the
 * date index newest first and stops when full, and a whole list whose
 * filter reads row columns scans the table and sorts when the folder
 * is a good part of it (list_scan).  All give the same ids in the same
 * order (tests/query_paths.h).
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

/* ORDER BY per store_sort; id breaks ties so the order is stable. */
static const char *const sort_sql[] = {
	[STORE_SORT_DATE] = "m.internaldate %s, m.id %s",
	[STORE_SORT_FROM] = "m.from_addr COLLATE NOCASE %s, m.id %s",
	[STORE_SORT_SUBJECT] = "m.subject COLLATE NOCASE %s, m.id %s",
	[STORE_SORT_SIZE] = "m.size %s, m.id %s",
};

/*
 * Whether a whole list filtered by q is cheaper read in table order
 * and sorted (scan) than walked in its index order: when q tests a
 * column of every row (a LIKE, a flag), and the folder holds a good
 * part of the table.
 * The index walk seeks each row of the folder in the table, about
 * three times what reading it in a scan costs (a LIKE of the word
 * "invoice" on 100,000 messages: 60 ms walked, 25 ms scanned and
 * sorted); a small folder's rows are fewer than the table's.  The
 * table's size is estimated by its largest id.
 */
static int
list_scan(struct store *s, int64_t folder, const struct query *q)
{
	sqlite3_stmt	*st;
	int		 scan = 0;

	if (q == NULL || !q->scan)
		return 0;
	if (folder == 0)
		return 1;
	if ((st = store_prepare(s, "SELECT (SELECT COUNT(*) FROM messages "
	    "WHERE folder_id = ?1) * 2 >= (SELECT MAX(id) FROM messages)")) ==
	    NULL)
		return 0;
	sqlite3_bind_int64(st, 1, folder);
	if (sqlite3_step(st) == SQLITE_ROW)
		scan = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return scan;
}

/* "SELECT cols ... WHERE folder [AND filter] ORDER BY ..."; caller frees. */
static char *
list_sql(const char *cols, enum store_sort sort, int reverse,
    const struct query *filter, int all, int scan, const char *in)
{
	const char	*dir = reverse ? "DESC" : "ASC";
	char		*order, *sql;
	size_t		 n = filter != NULL ? filter->nparams : 0;

	if ((unsigned)sort >= sizeof sort_sql / sizeof sort_sql[0])
		sort = STORE_SORT_DATE;
	order = xasprintf(sort_sql[sort], dir, dir);
	/*
	 * Driven by a few ids (in), the folder is no index to walk: '+'
	 * keeps SQLite, which takes a folder for a few rows when it has
	 * no statistics, from walking it.
	 *
	 * The folder is the last parameter and comes last in the text: the
	 * filter's anonymous '?'s are numbered from 1 in order of
	 * appearance, but after the largest ?N seen before them.
	 */
	sql = xasprintf("SELECT %s FROM messages m%s JOIN folders f ON "
	    "f.id = m.folder_id WHERE %s%s%s%s%zu%s%s ORDER BY %s",
	    cols, scan ? " NOT INDEXED" : "", filter != NULL ? "(" : "",
	    filter != NULL ? filter->where : "", filter != NULL ? ") AND " :
	    "", all ? "0 = ?" : in != NULL ? "+m.folder_id = ?" :
	    "m.folder_id = ?", n + 1, in != NULL ?
	    " AND " : "", in != NULL ? in : "", order);
	free(order);
	return sql;
}

static sqlite3_stmt *
list_prepare(struct store *s, const char *cols, int64_t folder,
    enum store_sort sort, int reverse, const struct query *filter, int scan)
{
	sqlite3_stmt	*st;
	char		*sql, *err = NULL, *in;
	size_t		 n = filter != NULL ? filter->nparams : 0;

	/*
	 * Folder 0: every folder of the account (search results).  A few
	 * matches: looked up by id and sorted, never scanned.
	 */
	in = query_drive(s, filter);
	sql = list_sql(cols, sort, reverse, filter, folder == 0,
	    scan && in == NULL, in);
	st = store_prepare(s, sql);
	free(sql);
	if (st == NULL) {
		free(in);
		return NULL;
	}
	if (filter != NULL && query_bind(s, st, filter, in != NULL, &err) ==
	    -1) {
		free(in);
		free(err);
		store_sqlerr(s, "searching");
		sqlite3_finalize(st);
		return NULL;
	}
	sqlite3_bind_int64(st, (int)n + 1, folder);
	free(in);
	return st;
}

int
store_list_ids(struct store *s, int64_t folder, enum store_sort sort,
    int reverse, const struct query *filter, size_t limit, int64_t **idsp,
    size_t *np)
{
	sqlite3_stmt	*st;
	int64_t		*ids = NULL;
	size_t		 n = 0, cap = 0;
	int		 rc = SQLITE_DONE, began = 0;

	*idsp = NULL;
	*np = 0;
	if (filter != NULL && (began = query_begin(s, filter)) == -1) {
		store_sqlerr(s, "listing a folder");
		return -1;
	}
	/* A screenful walks the index newest first and stops early. */
	if ((st = list_prepare(s, "m.id", folder, sort, reverse, filter,
	    limit == 0 && list_scan(s, folder, filter))) == NULL) {
		query_end(s, began);
		return -1;
	}
	while ((limit == 0 || n < limit) &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (limit != 0 && n == limit)
		rc = SQLITE_DONE;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "listing a folder");
		query_end(s, began);
		free(ids);
		return -1;
	}
	query_end(s, began);
	*idsp = ids;
	*np = n;
	return 0;
}

/* Appends column i's text (its last max bytes, from a word start) to the
 * arena; returns its offset. */
static size_t
keys_put(char **arena, size_t *len, size_t *cap, sqlite3_stmt *st, int i,
    size_t max)
{
	const char	*t = (const char *)sqlite3_column_text(st, i);
	size_t		 n = t != NULL ? strlen(t) : 0, off = *len;

	if (n > max) {
		/* References: the nearest ancestors are at the end. */
		t += n - max;
		n = max;
		while (n > 0 && *t != ' ') {
			t++;
			n--;
		}
	}
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 1 << 16;
		*arena = xrealloc(*arena, *cap);
	}
	if (n > 0)
		memcpy(*arena + *len, t, n);
	(*arena)[*len + n] = '\0';
	*len += n + 1;
	return off;
}

/*
 * The strings of all keys live in one arena (keys[0].message_id points
 * at its start), so a 100,000-message folder costs one allocation for
 * them, not 400,000: threading reads every message, and both its time
 * and its memory are mostly malloc's otherwise.
 */
int
store_list_keys(struct store *s, int64_t folder, const struct query *filter,
    struct store_key **keysp, size_t *np)
{
	sqlite3_stmt		*st;
	struct store_key	*k = NULL;
	size_t			 n = 0, cap = 0, alen = 0, acap = 0, i;
	size_t			(*off)[4] = NULL;
	char			*arena = NULL;
	int			 rc, began = 0;

	*keysp = NULL;
	*np = 0;
	if (filter != NULL && (began = query_begin(s, filter)) == -1) {
		store_sqlerr(s, "reading thread keys");
		return -1;
	}
	if ((st = list_prepare(s, "m.id, m.message_id, m.in_reply_to, m.refs, "
	    "m.subject, m.internaldate", folder, STORE_SORT_DATE, 0,
	    filter, list_scan(s, folder, filter))) == NULL) {
		query_end(s, began);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			k = xrealloc(k, cap * sizeof *k);
			off = xrealloc(off, cap * sizeof *off);
		}
		k[n].id = sqlite3_column_int64(st, 0);
		off[n][0] = keys_put(&arena, &alen, &acap, st, 1, 998);
		off[n][1] = keys_put(&arena, &alen, &acap, st, 2, 998);
		off[n][2] = keys_put(&arena, &alen, &acap, st, 3, 1024);
		off[n][3] = keys_put(&arena, &alen, &acap, st, 4, 512);
		k[n].date = sqlite3_column_int64(st, 5);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		store_sqlerr(s, "reading thread keys");
	query_end(s, began);
	if (rc != SQLITE_DONE) {
		free(k);
		free(off);
		free(arena);
		return -1;
	}
	/* The arena has stopped moving: point into it. */
	for (i = 0; i < n; i++) {
		k[i].message_id = arena + off[i][0];
		k[i].in_reply_to = arena + off[i][1];
		k[i].references = arena + off[i][2];
		k[i].subject = arena + off[i][3];
	}
	free(off);
	if (n == 0)
		free(arena);
	*keysp = k;
	*np = n;
	return 0;
}

void
store_keys_free(struct store_key *k, size_t n)
{
	/* keys[0].message_id is the start of the one arena. */
	if (n > 0)
		free(k[0].message_id);
	free(k);
}

int
store_msg_by_id(struct store *s, int64_t id, struct store_msg *out)
{
	sqlite3_stmt	*st;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, ST_MSG_BY_ID)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_msg_row(s, st, out);
}

int
store_msg_tag(struct store *s, const int64_t *ids, size_t n, int on)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc = 0, own;

	if (n == 0)
		return 0;
	if ((st = store_prepare(s, "UPDATE messages SET tagged = ?1 WHERE "
	    "id = ?2")) == NULL)
		return -1;
	own = sqlite3_get_autocommit(store_db(s));
	if (own && store_begin(s) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int(st, 1, on != 0);
		sqlite3_bind_int64(st, 2, ids[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_sqlerr(s, "tagging a message");
			rc = -1;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (own) {
		if (rc == 0)
			return store_commit(s);
		store_rollback(s);
	}
	return rc;
}

int
store_untag_all(struct store *s)
{
	sqlite3_stmt	*st;

	int		 rc;

	if ((st = store_prepare(s, "UPDATE messages SET tagged = 0 WHERE "
	    "tagged <> 0")) == NULL)
		return -1;
	rc = store_stmt_run(s, st, "clearing tags");
	sqlite3_finalize(st);
	return rc;
}

int
store_msg_find(struct store *s, const char *folder, const char *msgid,
    struct store_msg *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof *out);
	if (msgid == NULL || *msgid == '\0')
		return 1;
	/*
	 * "+m.uid": SQLite would rather walk the folder in UID order, the
	 * ORDER BY for free, than look the id up in messages_by_msgid.
	 */
	if ((st = store_prepare(s, "SELECT " MSG_COLS " FROM messages m JOIN "
	    "folders f ON f.id = m.folder_id WHERE f.name = ?1 AND "
	    "m.message_id = ?2 ORDER BY +m.uid DESC LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_msg_fill(st, out, store_col_str);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, "finding a message");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

char *
store_msg_path(struct store *s, const struct store_msg *m)
{
	struct store_folder	 f;
	struct stat		 sb;
	char			*dir, *name, *path = NULL;

	if (!m->cached || m->file == NULL || *m->file == '\0' ||
	    store_folder_get_id(s, m->folder_id, &f) != 0)
		return NULL;
	/* Reading only: a local folder's directory (the user's) is fine. */
	dir = store_folder_dir(s, &f);
	store_folder_clear(&f);
	if (dir == NULL)
		return NULL;
	/* Another MUA may have renamed it (flags): find it by its base. */
	if ((name = store_file_find(dir, m->file)) != NULL) {
		path = xasprintf("%s/%s", dir, name);
		free(name);
	}
	free(dir);
	/*
	 * Not a regular file (a directory put in its place, #45): as if
	 * not cached, so the body is fetched again instead of every
	 * reader failing on it.
	 */
	if (path != NULL && (lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))) {
		log_msg(LOG_WARN, "store %s: %s is not a regular file",
		    s->account, path);
		free(path);
		path = NULL;
	}
	return path;
}
