/*
 * store_adopt.c - what a folder's rebuild keeps: after a UIDVALIDITY
 * change, a lost or corrupt index or a folder whose rows were lost,
 * the new rows come from the server's headers, but the bodies already
 * in the folder's cache directory are given back to them instead of
 * being downloaded again (SECURITY.md #33 #36 #39), and the local tags
 * of the old rows are carried over by Message-ID.  Runs on the thread
 * that owns the struct store (the engine's, during a sync).
 *
 * A file no row names is matched to a row without a body: by its tern
 * name ("<date>.<uidvalidity>_<uid>.tern,...") when the UIDVALIDITY is
 * still the folder's (the same UID is the same message), else by its
 * Message-ID and its size (RFC822.SIZE is the size of the file).  It is
 * renamed to the row's name and the renames are made durable before
 * the rows name the files (store.c's order).  A file that matches no
 * row is left where it is, never deleted: it may be the only copy of
 * mail the server no longer has; the count is logged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mail.h"
#include "store.h"
#include "store_int.h"

#define ADOPT_HEADER_MAX	(256 * 1024)	/* read for the Message-ID */

/* The base of a Maildir name: everything before ":2,", without cur/. */
static char *
adopt_base(const char *file)
{
	const char	*p = strrchr(file, '/'), *colon;

	p = p != NULL ? p + 1 : file;
	colon = strchr(p, ':');
	return colon != NULL ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
}

static int
adopt_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted bases of the files the folder's rows name. */
static char **
adopt_named(struct store *s, int64_t folder, size_t *np)
{
	sqlite3_stmt	*st;
	char		**v = NULL;
	size_t		 n = 0;
	int		 rc;

	*np = 0;
	if ((st = store_prepare(s, "SELECT file FROM messages WHERE "
	    "folder_id = ?1 AND cached <> 0 AND file <> ''")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = adopt_base((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "listing cached files");
		while (n > 0)
			free(v[--n]);
		free(v);
		return NULL;
	}
	if (n > 1)
		qsort(v, n, sizeof *v, adopt_cmp);
	*np = n;
	return v != NULL ? v : xcalloc(1, sizeof *v);
}

/* "cur/NAME" and "new/NAME" of dir: regular files, not hidden. */
static char **
adopt_list(const char *dir, size_t *np)
{
	static const char	*const subs[] = { "cur", "new" };
	struct dirent		*de;
	DIR			*d;
	char			**v = NULL, *path;
	size_t			 n = 0, i;

	for (i = 0; i < 2; i++) {
		path = xasprintf("%s/%s", dir, subs[i]);
		d = opendir(path);
		free(path);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			v = xrealloc(v, (n + 1) * sizeof *v);
			v[n++] = xasprintf("%s/%s", subs[i], de->d_name);
		}
		closedir(d);
	}
	*np = n;
	return v;
}

/* The Message-ID of dir/rel (a regular file of size *sizep), or NULL. */
static char *
adopt_msgid(const char *dir, const char *rel, int64_t *sizep)
{
	struct header_fields	 h;
	char			*path = xasprintf("%s/%s", dir, rel), *buf;
	char			*id = NULL;
	size_t			 n;

	buf = read_file_head(path, ADOPT_HEADER_MAX, &n, sizep);
	free(path);
	if (buf == NULL)
		return NULL;
	memset(&h, 0, sizeof h);
	header_parse(buf, n, &h);
	if (h.message_id != NULL && *h.message_id != '\0')
		id = xstrdup(h.message_id);
	header_fields_free(&h);
	free(buf);
	return id;
}

/* The size of dir/rel if it is a regular file, else -1. */
static int64_t
adopt_size(const char *dir, const char *rel)
{
	struct stat	 sb;
	char		*path = xasprintf("%s/%s", dir, rel);
	int		 r;

	r = lstat(path, &sb);
	free(path);
	return r == 0 && S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
}

/* The row without a body that rel is a copy of: 1 and *m, 0, or -1. */
static int
adopt_match(struct store *s, int64_t folder, uint32_t uidv, const char *dir,
    const char *rel, const char *base, struct store_msg *m)
{
	sqlite3_stmt	*st;
	unsigned long	 fuidv, uid, uid2;
	long long	 date;
	int64_t		 size;
	char		*id, tail;
	int		 rc;

	memset(m, 0, sizeof *m);
	if ((size = adopt_size(dir, rel)) < 0)
		return 0;
	/* Same UIDVALIDITY, same UID: the same message. */
	if (sscanf(base, "%lld.%lu_%lu.tern,U=%lu%c", &date, &fuidv, &uid,
	    &uid2, &tail) == 4 && fuidv == uidv && uid == uid2 &&
	    uid > 0 && uid <= UINT32_MAX) {
		rc = store_msg_get(s, folder, (uint32_t)uid, m);
		if (rc == -1)
			return -1;
		if (rc == 0 && !m->cached && m->size == size)
			return 1;
		store_msg_clear(m);
	}
	if ((id = adopt_msgid(dir, rel, &size)) == NULL)
		return 0;
	/* "+uid": found by messages_by_msgid, not a walk of the folder. */
	st = store_prepare(s, "SELECT uid FROM messages WHERE folder_id = ?1 "
	    "AND message_id = ?2 AND size = ?3 AND cached = 0 "
	    "ORDER BY +uid LIMIT 1");
	if (st == NULL) {
		free(id);
		return -1;
	}
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, size);
	rc = sqlite3_step(st);
	uid = rc == SQLITE_ROW ? (unsigned long)sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_sqlerr(s, "matching a cached file");
	sqlite3_finalize(st);
	free(id);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	rc = store_msg_get(s, folder, (uint32_t)uid, m);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

static int
adopt_set_file(struct store *s, int64_t id, const char *file)
{
	sqlite3_stmt	*st;
	int		 r;

	if ((st = store_stmt(s, ST_MSG_SET_FILE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, 1);
	store_bind_text(st, 3, file);
	r = store_stmt_run(s, st, "recording a reused file");
	store_stmt_done(st);
	return r;
}

int
store_adopt_files(struct store *s, int64_t folder, int *adoptedp,
    int *leftp)
{
	struct store_msg m;
	char		**named = NULL, **files = NULL, *dir = NULL, *base;
	char		*newbase, *rel, *err = NULL;
	size_t		 nnamed = 0, nfiles = 0, i;
	uint32_t	 uidv = 0;
	int64_t		 uncached = 0;
	int		 own = 0, began = 0, ok = 1, rc, adopted = 0;
	int		 left = 0;

	*adoptedp = *leftp = 0;
	if (store_folder_dir_id(s, folder, &dir, NULL, &uidv) != 0 ||
	    dir == NULL)
		return 0;		/* a local folder: its files are mail */
	rc = 0;
	{
		sqlite3_stmt	*st = store_prepare(s, "SELECT COUNT(*) FROM "
		    "messages WHERE folder_id = ?1 AND cached = 0");

		if (st == NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, folder);
			if (sqlite3_step(st) == SQLITE_ROW)
				uncached = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	if (rc == -1 || uncached == 0) {
		free(dir);
		return rc;
	}
	if ((files = adopt_list(dir, &nfiles)) == NULL) {
		free(dir);
		return 0;
	}
	if ((named = adopt_named(s, folder, &nnamed)) == NULL) {
		ok = 0;
		goto done;
	}
	if ((own = store_tx_begin(s)) == -1) {
		ok = 0;
		goto done;
	}
	began = 1;
	for (i = 0; i < nfiles && ok; i++) {
		base = adopt_base(files[i]);
		if (bsearch(&base, named, nnamed, sizeof *named,
		    adopt_cmp) != NULL) {
			free(base);
			continue;
		}
		rc = adopt_match(s, folder, uidv, dir, files[i], base, &m);
		free(base);
		if (rc == -1) {
			ok = 0;
			break;
		}
		if (rc == 0) {
			left++;
			continue;
		}
		newbase = xasprintf("%lld.%lu_%lu.tern,U=%lu",
		    (long long)m.internaldate, (unsigned long)uidv,
		    (unsigned long)m.uid, (unsigned long)m.uid);
		rel = maildir_rename(dir, files[i], newbase, m.flags, &err);
		free(newbase);
		if (rel == NULL) {
			log_msg(LOG_WARN, "store %s: %s", s->account, err);
			free(err);
			err = NULL;
			left++;
		} else {
			/* Same transaction: the row is no longer uncached. */
			ok = adopt_set_file(s, m.id, rel) == 0;
			adopted++;
			free(rel);
		}
		store_msg_clear(&m);
	}
	/* The renames are durable before the rows naming them commit. */
	if (ok && adopted > 0 && maildir_sync(dir, &err) == -1) {
		log_msg(LOG_WARN, "store %s: %s", s->account, err);
		free(err);
		ok = 0;
	}
done:
	if (began && store_tx_end(s, own, ok) == -1)
		ok = 0;
	if (ok && (adopted > 0 || left > 0))
		log_msg(LOG_INFO, "store %s: %s: %d cached bodies reused, %d "
		    "files match no message (left in place)", s->account, dir,
		    adopted, left);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	for (i = 0; i < nnamed; i++)
		free(named[i]);
	free(named);
	free(dir);
	*adoptedp = ok ? adopted : 0;
	*leftp = left;
	return ok ? 0 : -1;
}

int
store_msg_forget_rows(struct store *s, int64_t folder)
{
	sqlite3_stmt	*st;
	int		 own, ok;

	if ((own = store_tx_begin(s)) == -1)
		return -1;
	/* The index rows first: the subquery needs the message rows. */
	st = store_prepare(s, "DELETE FROM msg_fts WHERE rowid IN (SELECT id "
	    "FROM messages WHERE folder_id = ?1)");
	ok = st != NULL;
	if (ok) {
		sqlite3_bind_int64(st, 1, folder);
		ok = store_stmt_run(s, st, "forgetting rows") == 0;
		sqlite3_finalize(st);
	}
	if (ok) {
		st = store_prepare(s, "DELETE FROM messages WHERE "
		    "folder_id = ?1");
		ok = st != NULL;
	}
	if (ok) {
		sqlite3_bind_int64(st, 1, folder);
		ok = store_stmt_run(s, st, "forgetting rows") == 0;
		sqlite3_finalize(st);
	}
	return store_tx_end(s, own, ok);
}

int
store_msg_tagged(struct store *s, int64_t folder, char ***idsp, size_t *np)
{
	sqlite3_stmt	*st;
	char		**v = NULL;
	size_t		 n = 0;
	int		 rc;

	*idsp = NULL;
	*np = 0;
	if ((st = store_prepare(s, "SELECT DISTINCT message_id FROM messages "
	    "WHERE folder_id = ?1 AND tagged <> 0 AND message_id <> ''")) ==
	    NULL)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = store_col_str(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "listing tags");
		while (n > 0)
			free(v[--n]);
		free(v);
		return -1;
	}
	*idsp = v;
	*np = n;
	return 0;
}

int
store_msg_retag(struct store *s, int64_t folder, char *const *ids, size_t n)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 own, ok = 1;

	if (n == 0)
		return 0;
	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if ((st = store_prepare(s, "UPDATE messages SET tagged = 1 WHERE "
	    "folder_id = ?1 AND message_id = ?2")) == NULL)
		return store_tx_end(s, own, 0);
	for (i = 0; i < n && ok; i++) {
		sqlite3_bind_int64(st, 1, folder);
		store_bind_text(st, 2, ids[i]);
		ok = store_stmt_run(s, st, "restoring tags") == 0;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return store_tx_end(s, own, ok);
}

/*
 * The folder's cache directory is gone (removed by hand, or a restore
 * without it): its rows no longer have bodies, which are fetched again.
 * 1 if rows said cached and were changed, 0 if not, -1 on error.
 */
int
store_msg_files_lost(struct store *s, int64_t folder)
{
	sqlite3_stmt	*st;
	struct stat	 sb;
	char		*dir = NULL;
	int		 r = 0;

	if (store_folder_dir_id(s, folder, &dir, NULL, NULL) != 0 ||
	    dir == NULL)
		return 0;
	if (stat(dir, &sb) == 0) {
		free(dir);
		return 0;
	}
	st = store_prepare(s, "UPDATE messages SET cached = 0, file = '' "
	    "WHERE folder_id = ?1 AND cached <> 0");
	if (st == NULL) {
		free(dir);
		return -1;
	}
	sqlite3_bind_int64(st, 1, folder);
	if (store_stmt_run(s, st, "forgetting lost files") == -1)
		r = -1;
	else if (sqlite3_changes(store_db(s)) > 0) {
		log_msg(LOG_WARN, "store %s: %s is gone; the bodies cached in "
		    "it are fetched again when needed", s->account, dir);
		r = 1;
	}
	sqlite3_finalize(st);
	free(dir);
	return r;
}

/* 1 if a row of folder has a cached body. */
int
store_msg_any_cached(struct store *s, int64_t folder)
{
	sqlite3_stmt	*st;
	int		 r = 0;

	if ((st = store_prepare(s, "SELECT 1 FROM messages WHERE "
	    "folder_id = ?1 AND cached <> 0 LIMIT 1")) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, folder);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}
