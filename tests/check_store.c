/*
 * check_store.c - unit tests for src/store/store.c and pending.c: the
 * index (schema versions, refusing a damaged or newer file, the account
 * lock across processes), folders and their cache paths, messages and
 * their Maildir files, and the pending operations that are the offline
 * queue and the crash journal (SECURITY.md tests 30, 32, 34, 36, 38-40).
 * Every test works in a fresh mkdtemp directory.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "check_main.h"

/* ---- fixtures ---- */

static char	 tdir[64];		/* the test's directory */
static char	*sdir;			/* tdir/acct: the store */

static int
rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void
setup(void)
{
	strcpy(tdir, "/tmp/tern-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	sdir = xasprintf("%s/acct", tdir);
}

static void
teardown(void)
{
	nftw(tdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(sdir);
	sdir = NULL;
}

static struct store *
open_store(void)
{
	struct store	*s;
	char		*err = NULL;

	s = store_open("acct", sdir, 0, &err);
	if (s == NULL)
		ck_abort_msg("store_open: %s", err);
	return s;
}

static char *
index_path(void)
{
	return xasprintf("%s/index.sqlite", sdir);
}

static int64_t
sql_int(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The whole content of path (NUL added), or NULL. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return buf;
}

static void
spew(const char *path, const void *data, size_t len)
{
	FILE	*fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static int
exists(const char *path)
{
	struct stat	 sb;

	return lstat(path, &sb) == 0;
}

/*
 * A forked child reports status through fd, then waits for the parent
 * to kill -9 it (wait_hard): no exit handler runs, nothing is closed or
 * flushed, as in a crash.  (Killed from outside, a child under
 * valgrind also makes no leak report about memory it inherited.)
 */
static void
die_hard(int fd, char status)
{
	(void)!write(fd, &status, 1);
	for (;;)
		pause();
}

/* Reads a die_hard() child's status, kills it and reaps it. */
static char
wait_hard(pid_t pid, int fd)
{
	char	 c = 'x';
	int	 status;

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	return c;
}

static int64_t
add_folder(struct store *s, const char *name)
{
	int64_t	 id = 0;

	ck_assert_int_eq(store_folder_put(s, name, '/', "", 1, 0, &id), 0);
	ck_assert_int_gt(id, 0);
	return id;
}

static void
add_msg(struct store *s, int64_t folder, uint32_t uid, unsigned flags,
    int64_t internaldate, const char *msgid)
{
	struct store_msg m;

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.uid = uid;
	m.flags = flags;
	m.internaldate = internaldate;
	m.message_id = (char *)msgid;
	m.subject = "hello";
	ck_assert_int_eq(store_msg_put(s, &m), 0);
}

static unsigned
msg_flags(struct store *s, int64_t folder, uint32_t uid)
{
	struct store_msg m;
	unsigned	 flags;

	ck_assert_int_eq(store_msg_get(s, folder, uid, &m), 0);
	flags = m.flags;
	store_msg_clear(&m);
	return flags;
}

/* The absolute path of (folder, uid)'s cached file; NULL if none. */
static char *
msg_file(struct store *s, int64_t folder, uint32_t uid)
{
	struct store_folder	 f;
	struct store_msg	 m;
	char			*dir, *p = NULL;

	ck_assert_int_eq(store_folder_get_id(s, folder, &f), 0);
	dir = store_folder_dir(s, &f);
	if (store_msg_get(s, folder, uid, &m) == 0 && m.cached)
		p = xasprintf("%s/%s", dir, m.file);
	store_msg_clear(&m);
	store_folder_clear(&f);
	free(dir);
	return p;
}

static char *
folder_dir_of(struct store *s, int64_t folder)
{
	struct store_folder	 f;
	char			*dir;

	ck_assert_int_eq(store_folder_get_id(s, folder, &f), 0);
	dir = store_folder_dir(s, &f);
	store_folder_clear(&f);
	return dir;
}

static void
add_body(struct store *s, int64_t folder, uint32_t uid, const char *body)
{
	char	*err = NULL;

	if (store_msg_body(s, folder, uid, body, strlen(body), &err) != 0)
		ck_abort_msg("store_msg_body: %s", err);
}

static int64_t
queue(struct store *s, int64_t folder, uint32_t uid, enum pending_op op,
    unsigned set, unsigned clear, const char *target)
{
	struct pending	 p;
	struct pending	*ps;
	size_t		 n;
	int64_t		 id;

	memset(&p, 0, sizeof p);
	p.folder_id = folder;
	p.uid = uid;
	p.op = op;
	p.set = set;
	p.clear = clear;
	p.target = (char *)target;
	p.file = op == PENDING_APPEND ? "/outbox/cur/1:2,S" : NULL;
	ck_assert_int_eq(pending_add(s, &p), 0);
	ck_assert_int_eq(pending_list(s, -1, &ps, &n), 0);
	ck_assert_uint_gt(n, 0);
	id = ps[n - 1].id;
	pending_free(ps, n);
	return id;
}

/* ---- opening ---- */

START_TEST(test_open_creates_schema)
{
	struct store	*s;
	struct stat	 sb;
	char		*path, *err = NULL;

	s = open_store();
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 7);
	/* folders, messages, pending; msg_fts and its 4 shadow tables;
	 * server_hits */
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM sqlite_master "
	    "WHERE type = 'table'"), 9);
	ck_assert_int_eq(sql_int(s, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(sql_int(s, "PRAGMA synchronous"), 2);	/* FULL */
	ck_assert_str_eq(store_account(s), "acct");
	ck_assert_str_eq(store_dir(s), sdir);
	store_close(s);

	/* Private: the directory and the index (its WAL copies the mode). */
	ck_assert_int_eq(stat(sdir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	path = index_path();
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	free(path);

	/* Reopening finds version 2 and changes nothing. */
	s = store_open("acct", sdir, 0, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 7);
	{
		sqlite3_stmt	*st;

		ck_assert_int_eq(sqlite3_prepare_v2(store_db(s),
		    "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
		    "wal");
		sqlite3_finalize(st);
	}
	store_close(s);
	store_close(NULL);
}
END_TEST

/* Column col of every row sql returns, joined by sep. */
static char *
sql_lines(sqlite3 *db, const char *sql, int col, const char *sep)
{
	sqlite3_stmt	*st;
	char		*out = xstrdup(""), *t;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = xasprintf("%s%s%s", out, *out ? sep : "",
		    (const char *)sqlite3_column_text(st, col));
		free(out);
		out = t;
	}
	sqlite3_finalize(st);
	return out;
}

/* Lists a database's schema as one string, for comparison. */
static char *
schema_dump(sqlite3 *db)
{
	return sql_lines(db, "SELECT type || ' ' || name || ': ' || "
	    "COALESCE(sql, '') FROM sqlite_master ORDER BY name", 0, "\n");
}

/* The schema compiled into store.c is the text of schema.sql. */
START_TEST(test_schema_matches_sql_file)
{
	struct store	*s;
	sqlite3		*mem;
	char		*sql, *a, *b;

	sql = slurp("src/store/schema.sql", NULL);
	if (sql == NULL)
		sql = slurp("../src/store/schema.sql", NULL);
	ck_assert_msg(sql != NULL, "run from the source tree");
	ck_assert_int_eq(sqlite3_open(":memory:", &mem), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(mem, sql, NULL, NULL, NULL), SQLITE_OK);
	s = open_store();
	a = schema_dump(mem);
	b = schema_dump(store_db(s));
	if (strcmp(a, b) != 0) {
		/* The first line that differs (the whole is too long for Check). */
		size_t	 i, line = 0;

		for (i = 0; a[i] == b[i]; i++)
			if (a[i] == '\n')
				line = i + 1;
		ck_abort_msg("schema.sql and store.c differ:\n  %.300s\n  %.300s",
		    a + line, b + line);
	}
	free(a);
	free(b);
	free(sql);
	sqlite3_close(mem);
	store_close(s);
}
END_TEST

/* An index of an older version is upgraded in place, data kept. */
START_TEST(test_upgrade_from_v1)
{
	struct store	*s;
	int64_t		 fid;

	s = open_store();
	fid = add_folder(s, "INBOX");
	/* Make it a version 1 index again: without the v2-v7 changes. */
	ck_assert_int_eq(sqlite3_exec(store_db(s), "DROP TABLE server_hits;"
	    " DROP INDEX messages_cached;"
	    " DROP INDEX messages_by_msgid;"
	    " CREATE INDEX messages_by_msgid ON messages(message_id);"
	    " DROP INDEX messages_unread; DROP INDEX messages_unindexed;"
	    " DROP TABLE msg_fts; ALTER TABLE messages DROP COLUMN tagged;"
	    " ALTER TABLE messages DROP COLUMN attach;"
	    " ALTER TABLE messages DROP COLUMN indexed;"
	    " PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	s = open_store();
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 7);
	/* Version 2 made it, version 7 dropped it again. */
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "name = 'messages_by_flags'"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "name = 'messages_unread'"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "name = 'messages_cached'"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "name = 'server_hits'"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM folders"), 1);
	ck_assert_int_gt(fid, 0);
	store_close(s);
}
END_TEST

/* The plan SQLite makes for sql, its detail lines joined by "; ". */
static char *
query_plan(struct store *s, const char *sql)
{
	char	*t = xasprintf("EXPLAIN QUERY PLAN %s", sql), *plan;

	plan = sql_lines(store_db(s), t, 3, "; ");
	free(t);
	return plan;
}

/*
 * Version 7: a version 6 index keeps its rows; Message-IDs are found
 * through the per-folder index, and the folder counts are read from
 * indexes alone, without messages_by_flags.
 */
START_TEST(test_upgrade_to_v7)
{
	static const char *const by_msgid[] = {
		"SELECT uid FROM messages WHERE folder_id = 1 AND "
		"message_id = 'x' ORDER BY +uid DESC LIMIT 1",
		"SELECT uid FROM messages WHERE folder_id = 1 AND "
		"message_id = 'x' AND size = 3 AND cached = 0 "
		"ORDER BY +uid LIMIT 1",
		"SELECT m.uid FROM messages m JOIN folders f ON "
		"f.id = m.folder_id WHERE f.name = 'INBOX' AND "
		"m.message_id = 'x' ORDER BY +m.uid DESC LIMIT 1",
	};
	struct store		*s;
	struct store_msg	 m;
	int64_t			 a, b;
	size_t			 i;
	char			*plan;

	s = open_store();
	a = add_folder(s, "INBOX");
	b = add_folder(s, "Archive");
	add_msg(s, a, 1, FLAG_SEEN, 100, "one@example.com");
	add_msg(s, a, 2, 0, 200, "two@example.com");
	add_msg(s, b, 7, 0, 300, "two@example.com");
	/* Version 6 again: the account-wide Message-ID index, by_flags. */
	ck_assert_int_eq(sqlite3_exec(store_db(s),
	    "DROP INDEX messages_by_msgid;"
	    " CREATE INDEX messages_by_msgid ON messages(message_id);"
	    " CREATE INDEX messages_by_flags ON messages(folder_id, flags);"
	    " PRAGMA user_version = 6", NULL, NULL, NULL), SQLITE_OK);
	store_close(s);

	s = open_store();
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 7);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM messages"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "name = 'messages_by_flags'"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM pragma_index_info("
	    "'messages_by_msgid')"), 2);
	/* The same id in two folders: each folder finds its own. */
	ck_assert_int_eq(store_msg_find(s, "INBOX", "two@example.com", &m), 0);
	ck_assert_uint_eq(m.uid, 2);
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_find(s, "Archive", "two@example.com", &m),
	    0);
	ck_assert_uint_eq(m.uid, 7);
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_find(s, "Archive", "one@example.com", &m),
	    1);

	/* The lookups of replay.c, store_adopt.c and store_msg_find(). */
	for (i = 0; i < sizeof by_msgid / sizeof by_msgid[0]; i++) {
		plan = query_plan(s, by_msgid[i]);
		ck_assert_msg(strstr(plan, "messages_by_msgid (folder_id=? AND "
		    "message_id=?)") != NULL, "%s: %s", by_msgid[i], plan);
		free(plan);
	}
	/* The folder pane's counts scan no table rows. */
	plan = query_plan(s, "SELECT (SELECT COUNT(*) FROM messages m WHERE "
	    "m.folder_id = 1), (SELECT COUNT(*) FROM messages m WHERE "
	    "m.folder_id = 1 AND (m.flags & 1) = 0)");
	ck_assert_msg(strstr(plan, "COVERING INDEX") != NULL &&
	    strstr(plan, "messages_unread") != NULL, "%s", plan);
	free(plan);
	{
		struct store_folder	*fs;
		size_t			 n;

		ck_assert_int_eq(store_folders(s, &fs, &n), 0);
		for (i = 0; i < n; i++) {
			if (fs[i].id == a) {
				ck_assert_int_eq(fs[i].total, 2);
				ck_assert_int_eq(fs[i].unread, 1);
			}
		}
		store_folders_free(fs, n);
	}
	store_close(s);
}
END_TEST

START_TEST(test_newer_version_refused)
{
	struct store	*s;
	sqlite3		*db;
	char		*path, *err = NULL, *want;

	s = open_store();
	ck_assert_int_eq(sqlite3_exec(store_db(s), "PRAGMA user_version = 99",
	    NULL, NULL, NULL), SQLITE_OK);
	store_close(s);

	ck_assert_ptr_null(store_open("acct", sdir, 0, &err));
	path = index_path();
	want = xasprintf("%s: schema version 99 is newer than this tern "
	    "understands (7); upgrade tern", path);
	ck_assert_str_eq(err, want);
	free(err);
	free(want);

	/* Refused, not touched. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt	*st;

		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version",
		    -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), 99);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	free(path);
}
END_TEST

/*
 * SECURITY.md test 39: a damaged index is detected and reported, and
 * left where it is (the user may want it; nothing is deleted because
 * tern's own state is unreadable).
 */
enum damage { GARBAGE, TRUNCATED, FOREIGN, NO_TABLES };

static const struct {
	enum damage	 how;
	const char	*want;
} damage_tab[] = {
	{ GARBAGE, "not a valid tern index" },
	{ TRUNCATED, "not a valid tern index" },
	{ FOREIGN, "not a tern index" },
	{ NO_TABLES, "damaged tern index" },
};

START_TEST(test_damaged_index_refused)
{
	struct store	*s;
	sqlite3		*db;
	char		*path, *err = NULL, *before, *after, junk[8192];
	size_t		 i, blen, alen;
	int64_t		 f;

	path = index_path();
	switch (damage_tab[_i].how) {
	case GARBAGE:
		ck_assert_int_eq(mkdir(sdir, 0700), 0);
		for (i = 0; i < sizeof junk; i++)
			junk[i] = (char)(i * 7 + 3);
		spew(path, junk, sizeof junk);
		break;
	case TRUNCATED:
		s = open_store();
		f = add_folder(s, "INBOX");
		for (i = 1; i <= 200; i++)
			add_msg(s, f, (uint32_t)i, 0, (int64_t)i,
			    "<m@example.com>");
		store_close(s);
		ck_assert_int_eq(truncate(path, 100), 0);
		break;
	case FOREIGN:
		ck_assert_int_eq(mkdir(sdir, 0700), 0);
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL,
		    NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		break;
	case NO_TABLES:
		s = open_store();
		ck_assert_int_eq(sqlite3_exec(store_db(s), "DROP TABLE pending",
		    NULL, NULL, NULL), SQLITE_OK);
		store_close(s);
		break;
	}
	before = slurp(path, &blen);
	ck_assert_ptr_nonnull(before);

	ck_assert_ptr_null(store_open("acct", sdir, 0, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);
	ck_assert_msg(strstr(err, damage_tab[_i].want) != NULL, "%s", err);

	after = slurp(path, &alen);
	ck_assert_ptr_nonnull(after);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(after, before, blen);
	free(before);
	free(after);
	free(err);
	free(path);
}
END_TEST

/*
 * SECURITY.md #39: the locking opener (tern sync, the terminal UI) moves
 * a damaged index aside to index.sqlite.corrupt-TIME, byte for byte, and
 * starts a new one; a truncation SQLite itself would not notice until a
 * missing page is read (cut at a page boundary) is caught too.
 */
enum damage2 { D2_GARBAGE, D2_TRUNC_100, D2_TRUNC_PAGES, D2_FOREIGN,
    D2_NO_TABLES };

/* The name of the moved-aside index in sdir, or NULL. */
static char *
corrupt_copy(void)
{
	struct dirent	*de;
	DIR		*d = opendir(sdir);
	char		*found = NULL;
	size_t		 n;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (strncmp(de->d_name, "index.sqlite.corrupt-", 21) == 0 &&
		    strcmp(de->d_name + n - 4, "-wal") != 0 &&
		    strcmp(de->d_name + n - 4, "-shm") != 0 && found == NULL)
			found = xasprintf("%s/%s", sdir, de->d_name);
	}
	closedir(d);
	return found;
}

START_TEST(test_damaged_index_moved_aside)
{
	struct store	*s;
	sqlite3		*db;
	char		*path, *err = NULL, *before, *after, *aside, junk[8192];
	size_t		 i, blen, alen;
	int64_t		 f;
	struct stat	 sb;

	path = index_path();
	if (_i == D2_GARBAGE) {
		ck_assert_int_eq(mkdir(sdir, 0700), 0);
		for (i = 0; i < sizeof junk; i++)
			junk[i] = (char)(i * 7 + 3);
		spew(path, junk, sizeof junk);
	} else if (_i == D2_FOREIGN) {
		ck_assert_int_eq(mkdir(sdir, 0700), 0);
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL,
		    NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	} else {
		s = open_store();
		f = add_folder(s, "INBOX");
		for (i = 1; i <= 300; i++)
			add_msg(s, f, (uint32_t)i, 0, (int64_t)i,
			    "<m@example.com>");
		if (_i == D2_NO_TABLES)
			ck_assert_int_eq(sqlite3_exec(store_db(s), "DROP TABLE "
			    "pending", NULL, NULL, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(store_db(s), "PRAGMA "
		    "wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
		store_close(s);
		ck_assert_int_eq(stat(path, &sb), 0);
		if (_i == D2_TRUNC_100)
			ck_assert_int_eq(truncate(path, 100), 0);
		else if (_i == D2_TRUNC_PAGES) {
			ck_assert_int_gt(sb.st_size, 3 * 4096);
			ck_assert_int_eq(truncate(path, sb.st_size / 2 -
			    sb.st_size / 2 % 4096), 0);
		}
	}
	before = slurp(path, &blen);
	ck_assert_ptr_nonnull(before);

	s = store_open("acct", sdir, 1, &err);
	ck_assert_msg(s != NULL, "%s", err != NULL ? err : "");
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 7);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM messages"), 0);
	/* The new index works. */
	add_folder(s, "INBOX");
	store_close(s);

	aside = corrupt_copy();
	ck_assert_msg(aside != NULL, "the damaged index was not kept");
	after = slurp(aside, &alen);
	ck_assert_ptr_nonnull(after);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(after, before, blen);
	free(before);
	free(after);
	free(aside);
	free(path);
}
END_TEST

/*
 * SECURITY.md #33 #36: rows rebuilt under a new UIDVALIDITY get their
 * bodies back from the cache (by Message-ID and size), renamed to the
 * new UID; a file matching no row stays; tags follow the Message-ID.
 */
START_TEST(test_rebuild_adopts_files)
{
	struct store	*s;
	struct store_msg m;
	char		*dir, *file, *err = NULL, **tags = NULL, *stray;
	const char	*body1 = "Message-ID: <a@x>\n\none\n";
	const char	*body2 = "Message-ID: <b@x>\n\ntwo\n";
	struct stat	 sb1, sb2;
	size_t		 ntags = 0;
	int64_t		 f;
	int		 adopted, left;

	s = open_store();
	f = add_folder(s, "INBOX");
	ck_assert_int_eq(store_folder_synced(s, f, 100, 3, 0, 2, 0), 0);
	add_msg(s, f, 1, 0, 10, "a@x");
	add_msg(s, f, 2, 0, 20, "b@x");
	/* Both bodies are 23 bytes: RFC822.SIZE is the file's size. */
	ck_assert_uint_eq(strlen(body1), 23);
	ck_assert_int_eq(sqlite3_exec(store_db(s), "UPDATE messages SET "
	    "size = 23 WHERE uid IN (1, 2); UPDATE messages SET tagged = 1 "
	    "WHERE uid = 2", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_msg_body(s, f, 1, body1, strlen(body1), &err),
	    0);
	ck_assert_int_eq(store_msg_body(s, f, 2, body2, strlen(body2), &err),
	    0);
	dir = xasprintf("%s/mail/INBOX", sdir);
	file = msg_file(s, f, 1);
	ck_assert_int_eq(stat(file, &sb1), 0);
	free(file);
	stray = xasprintf("%s/cur/stray:2,", dir);
	spew(stray, "Message-ID: <zzz@x>\n\nx\n", 23);

	/* The server renumbered the folder: same mail, new UIDs. */
	ck_assert_int_eq(store_msg_tagged(s, f, &tags, &ntags), 0);
	ck_assert_uint_eq(ntags, 1);
	ck_assert_int_eq(store_msg_forget_rows(s, f), 0);
	ck_assert_int_eq(store_folder_synced(s, f, 200, 0, 0, 0, 0), 0);
	add_msg(s, f, 7, 0, 10, "a@x");
	add_msg(s, f, 8, 0, 20, "b@x");
	ck_assert_int_eq(sqlite3_exec(store_db(s), "UPDATE messages SET "
	    "size = 23", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_adopt_files(s, f, &adopted, &left), 0);
	ck_assert_int_eq(adopted, 2);
	ck_assert_int_eq(left, 1);
	ck_assert_int_eq(store_msg_retag(s, f, tags, ntags), 0);

	ck_assert_int_eq(store_msg_get(s, f, 7, &m), 0);
	ck_assert(m.cached);
	ck_assert_str_eq(m.file, "cur/10.200_7.tern,U=7:2,");
	store_msg_clear(&m);
	file = msg_file(s, f, 7);
	ck_assert_int_eq(stat(file, &sb2), 0);
	ck_assert_uint_eq(sb1.st_ino, sb2.st_ino);	/* not written again */
	free(file);
	ck_assert_int_eq(sql_int(s, "SELECT tagged FROM messages WHERE "
	    "uid = 8"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM messages"), 2);
	ck_assert_int_eq(stat(stray, &sb2), 0);		/* never deleted */
	/* Nothing left to adopt: a second run changes nothing. */
	ck_assert_int_eq(store_adopt_files(s, f, &adopted, &left), 0);
	ck_assert_int_eq(adopted, 0);
	free(tags[0]);
	free(tags);
	free(stray);
	free(dir);
	store_close(s);
}
END_TEST

/* An empty index file (0 bytes) is a new index, not an error. */
START_TEST(test_empty_index_created)
{
	struct store	*s;
	char		*path = index_path();

	ck_assert_int_eq(mkdir(sdir, 0700), 0);
	spew(path, "", 0);
	s = open_store();
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 7);
	store_close(s);
	free(path);
}
END_TEST

/*
 * SECURITY.md test 40: fcntl locks belong to a process, so the second
 * tern is a child process: it must refuse while the parent holds it.
 */
START_TEST(test_lock_other_process)
{
	struct store	*s, *s2;
	char		*err = NULL, *want;
	pid_t		 pid;
	int		 status, fds[2];
	char		 buf[256];
	ssize_t		 n;

	s = store_open("acct", sdir, 1, &err);
	ck_assert_ptr_nonnull(s);
	/* The same process opens more connections without the lock. */
	s2 = open_store();
	store_close(s2);

	ck_assert_int_eq(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		s2 = store_open("acct", sdir, 1, &err);
		if (s2 == NULL && err != NULL)
			(void)!write(fds[1], err, strlen(err));
		die_hard(fds[1], 0);
	}
	ck_assert_int_gt(pid, 0);
	close(fds[1]);
	/* The child's error text, then its one status byte (0). */
	n = read(fds[0], buf, sizeof buf - 1);
	close(fds[0]);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	want = xasprintf("in use by process %ld", (long)getpid());
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	free(want);
	store_close(s);

	/* Released by store_close: a child gets it now. */
	ck_assert_int_eq(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		s2 = store_open("acct", sdir, 1, &err);
		die_hard(fds[1], s2 != NULL ? 'y' : 'n');
	}
	close(fds[1]);
	ck_assert_int_eq(wait_hard(pid, fds[0]), 'y');
}
END_TEST

/* ---- folders ---- */

START_TEST(test_folders)
{
	struct store		*s;
	struct store_folder	 f, *fs;
	size_t			 n;
	int64_t			 inbox, sent, id;

	s = open_store();
	ck_assert_int_eq(store_folder_put(s, "Sent", '/', "sent", 1, 0, &sent),
	    0);
	ck_assert_int_eq(store_folder_put(s, "Entw&APw-rfe", '.', "drafts", 0,
	    0, &id), 0);
	ck_assert_int_eq(store_folder_put(s, "INBOX", '/', "inbox", 1, 0,
	    &inbox), 0);

	ck_assert_int_eq(store_folder_get(s, "Entw&APw-rfe", &f), 0);
	ck_assert_int_eq(f.id, id);
	ck_assert_str_eq(f.name, "Entw&APw-rfe");
	ck_assert_str_eq(f.display, "Entw\xc3\xbcrfe");
	ck_assert_int_eq(f.delim, '.');
	ck_assert_str_eq(f.role, "drafts");
	ck_assert_int_eq(f.subscribed, 0);
	ck_assert_int_eq(f.uidvalidity, 0);
	ck_assert_int_eq(f.total, 0);
	store_folder_clear(&f);
	store_folder_clear(&f);		/* cleared twice: harmless */
	ck_assert_int_eq(store_folder_get(s, "Nope", &f), 1);
	ck_assert_int_eq(store_folder_get_id(s, 9999, &f), 1);

	/* An existing folder: attributes change, the path never does. */
	ck_assert_int_eq(store_folder_get_id(s, sent, &f), 0);
	ck_assert_str_eq(f.path, "Sent");
	store_folder_clear(&f);
	ck_assert_int_eq(store_folder_put(s, "Sent", '.', "trash", 0, 1, &id),
	    0);
	ck_assert_int_eq(id, sent);
	ck_assert_int_eq(store_folder_get_id(s, sent, &f), 0);
	ck_assert_str_eq(f.path, "Sent");
	ck_assert_str_eq(f.role, "trash");
	ck_assert_int_eq(f.delim, '.');
	ck_assert_int_eq(f.subscribed, 0);
	ck_assert_int_eq(f.noselect, 1);
	store_folder_clear(&f);

	/* A role tern does not know is not stored. */
	ck_assert_int_eq(store_folder_put(s, "All", '/', "all", 1, 0, &id), 0);
	ck_assert_int_eq(store_folder_get_id(s, id, &f), 0);
	ck_assert_str_eq(f.role, "");
	store_folder_clear(&f);

	/* The server state after a sync, and the counts. */
	ck_assert_int_eq(store_folder_synced(s, inbox, 1234, 10,
	    UINT64_C(9007199254740993), 3, 1700000000), 0);
	ck_assert_int_eq(store_folder_synced(s, 9999, 1, 1, 1, 1, 0), -1);
	add_msg(s, inbox, 1, FLAG_SEEN, 1, "");
	add_msg(s, inbox, 2, 0, 2, "");
	add_msg(s, inbox, 3, FLAG_FLAGGED, 3, "");

	ck_assert_int_eq(store_folders(s, &fs, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(fs[0].name, "INBOX");		/* INBOX first */
	ck_assert_str_eq(fs[1].name, "All");
	ck_assert_str_eq(fs[2].name, "Entw&APw-rfe");
	ck_assert_str_eq(fs[3].name, "Sent");
	ck_assert_uint_eq(fs[0].uidvalidity, 1234);
	ck_assert_uint_eq(fs[0].uidnext, 10);
	ck_assert(fs[0].highestmodseq == UINT64_C(9007199254740993));
	ck_assert_uint_eq(fs[0].messages, 3);
	ck_assert_int_eq(fs[0].window, 1700000000);
	ck_assert_int_eq(fs[0].total, 3);
	ck_assert_int_eq(fs[0].unread, 2);
	ck_assert_int_eq(fs[3].total, 0);
	store_folders_free(fs, n);
	store_folders_free(NULL, 0);
	store_close(s);
}
END_TEST

/* SECURITY.md test 17: INBOX and inbox never share a directory. */
START_TEST(test_folder_paths_case_unique)
{
	struct store		*s;
	struct store_folder	 a, b, c;
	int64_t			 ia, ib, ic;
	char			*da, *db;

	s = open_store();
	ia = add_folder(s, "INBOX");
	ib = add_folder(s, "inbox");
	ic = add_folder(s, "Inbox");
	ck_assert_int_eq(store_folder_get_id(s, ia, &a), 0);
	ck_assert_int_eq(store_folder_get_id(s, ib, &b), 0);
	ck_assert_int_eq(store_folder_get_id(s, ic, &c), 0);
	ck_assert_str_eq(a.path, "INBOX");
	ck_assert_str_eq(b.path, "inbox~2");
	ck_assert_str_eq(c.path, "Inbox~3");
	ck_assert_int_ne(strcasecmp(a.path, b.path), 0);
	ck_assert_int_ne(strcasecmp(b.path, c.path), 0);
	ck_assert_int_ne(strcasecmp(a.path, c.path), 0);
	da = store_folder_dir(s, &a);
	db = xasprintf("%s/mail/INBOX", sdir);
	ck_assert_str_eq(da, db);
	free(da);
	free(db);
	store_folder_clear(&a);
	store_folder_clear(&b);
	store_folder_clear(&c);

	/* Hostile names stay one component under mail/. */
	ia = add_folder(s, "../../x");
	ck_assert_int_eq(store_folder_get_id(s, ia, &a), 0);
	ck_assert_ptr_null(strchr(a.path, '/'));
	ck_assert_str_ne(a.path, "..");
	store_folder_clear(&a);
	store_close(s);

	/* The mapping is stored: stable across a restart. */
	s = open_store();
	ck_assert_int_eq(store_folder_get(s, "inbox", &b), 0);
	ck_assert_str_eq(b.path, "inbox~2");
	store_folder_clear(&b);
	store_close(s);
}
END_TEST

START_TEST(test_folder_dir_refuses_unsafe_path)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "../x" };
	struct store		*s;
	struct store_folder	 f;
	size_t			 i;

	s = open_store();
	memset(&f, 0, sizeof f);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f.path = (char *)bad[i];
		ck_assert_ptr_null(store_folder_dir(s, &f));
	}
	ck_assert_ptr_null(store_folder_dir(s, NULL));
	store_close(s);
}
END_TEST

/*
 * Forgetting a folder drops its rows and cached files, only under
 * dir/mail/<its path>, and never its pending operations (the server
 * still has to hear about them).
 */
START_TEST(test_folder_forget)
{
	struct store		*s;
	struct store_folder	 f;
	struct store_msg	 m;
	int64_t			 a, b;
	char			*adir, *bfile, *other;

	s = open_store();
	a = add_folder(s, "A");
	b = add_folder(s, "B");
	add_msg(s, a, 1, 0, 1, "<1@x>");
	add_msg(s, a, 2, 0, 2, "<2@x>");
	add_msg(s, b, 1, 0, 1, "<3@x>");
	add_body(s, a, 1, "body a1\n");
	add_body(s, b, 1, "body b1\n");
	queue(s, a, 2, PENDING_FLAGS, FLAG_FLAGGED, 0, NULL);
	adir = folder_dir_of(s, a);
	bfile = msg_file(s, b, 1);
	other = xasprintf("%s/mail/notes.txt", sdir);
	spew(other, "mine", 4);
	ck_assert(exists(adir));

	/* Inside a transaction that is rolled back: nothing is lost. */
	ck_assert_int_eq(store_begin(s), 0);
	ck_assert_int_eq(store_folder_forget(s, a), 0);
	store_rollback(s);
	ck_assert(exists(adir));
	ck_assert_int_eq(store_folder_get_id(s, a, &f), 0);
	store_folder_clear(&f);

	ck_assert_int_eq(store_folder_forget(s, a), 0);
	ck_assert_int_eq(store_folder_get_id(s, a, &f), 1);
	ck_assert_int_eq(store_msg_get(s, a, 1, &m), 1);
	ck_assert_int_eq(store_msg_get(s, a, 2, &m), 1);
	ck_assert(!exists(adir));
	ck_assert(exists(bfile));
	ck_assert(exists(other));
	ck_assert_int_eq(store_msg_get(s, b, 1, &m), 0);
	store_msg_clear(&m);
	ck_assert_int_eq(pending_count(s), 1);
	ck_assert_int_eq(store_folder_forget(s, a), 0);	/* idempotent */

	/* The name comes back with a fresh, empty folder. */
	a = add_folder(s, "A");
	ck_assert_int_eq(store_folder_get_id(s, a, &f), 0);
	ck_assert_int_eq(f.total, 0);
	store_folder_clear(&f);
	free(adir);
	free(bfile);
	free(other);
	store_close(s);
}
END_TEST

/* ---- messages ---- */

/*
 * Two connections in one process (the main thread's, which holds the
 * lock, and the engine's) while other processes open and close the
 * store: what the engine's connection commits is visible to them.
 * (The bug this guards, an open()+close() of index.sqlite dropping the
 * process's POSIX locks so another process deleted the WAL, shows
 * reliably only with many processes; tests/integration/watch.sh runs
 * that scenario.)
 */
START_TEST(test_second_connection_keeps_wal_visible)
{
	struct store		*s1, *s2, *s3;
	struct store_msg	 m;
	int64_t			 fid;
	pid_t			 pid;
	int			 status;
	char			*err = NULL;

	s1 = store_open("acct", sdir, 1, &err);
	ck_assert_msg(s1 != NULL, "%s", err ? err : "");
	s2 = open_store();
	/* Another process opens and closes the store. */
	if ((pid = fork()) == 0) {
		s3 = store_open("acct", sdir, 0, NULL);
		store_close(s3);
		_exit(s3 != NULL ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fid = add_folder(s2, "INBOX");
	memset(&m, 0, sizeof m);
	m.folder_id = fid;
	m.uid = 7;
	m.internaldate = 1700000000;
	ck_assert_int_eq(store_msg_put(s2, &m), 0);
	/* A third process must see what the second connection committed. */
	if ((pid = fork()) == 0) {
		s3 = store_open("acct", sdir, 0, NULL);
		_exit(s3 != NULL && sql_int(s3,
		    "SELECT COUNT(*) FROM messages WHERE uid = 7") == 1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "another process cannot see the committed message");
	store_close(s2);
	store_close(s1);
}
END_TEST

/*
 * store_checkpoint() from the connection that holds the lock (tern
 * sync's main thread) copies what another connection (the engine)
 * committed into the index file while that one keeps writing.
 */
START_TEST(test_checkpoint_from_idle_connection)
{
	struct store	*main_s, *eng;
	struct stat	 sb;
	char		*path = index_path(), *err = NULL;
	off_t		 before;
	int64_t		 fid;
	uint32_t	 uid;

	main_s = store_open("acct", sdir, 1, &err);
	ck_assert_msg(main_s != NULL, "%s", err ? err : "");
	eng = open_store();
	ck_assert_int_eq(store_set_bulk(eng, 1), 0);
	fid = add_folder(eng, "INBOX");
	ck_assert_int_eq(store_checkpoint(main_s), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	before = sb.st_size;
	/* The engine's rows sit in the WAL: bulk, no checkpoint of its own. */
	ck_assert_int_eq(store_begin(eng), 0);
	for (uid = 1; uid <= 2000; uid++)
		add_msg(eng, fid, uid, 0, 1700000000 + uid, "m@example.com");
	ck_assert_int_eq(store_commit(eng), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, before);
	/* The engine has a transaction open again: the copy does not wait. */
	ck_assert_int_eq(store_begin(eng), 0);
	add_msg(eng, fid, 5000, 0, 1700000000, "n@example.com");
	ck_assert_int_eq(store_checkpoint(main_s), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_size, before + 2000 * 20);
	ck_assert_int_eq(store_commit(eng), 0);
	ck_assert_int_eq(sql_int(main_s, "SELECT COUNT(*) FROM messages"),
	    2001);
	store_close(eng);
	store_close(main_s);
	free(path);
}
END_TEST

START_TEST(test_msg_roundtrip)
{
	struct store		*s;
	struct store_msg	 m, g;
	struct store_folder	 f;
	int64_t			 fid, id;
	char			*file;

	s = open_store();
	fid = add_folder(s, "INBOX");
	memset(&m, 0, sizeof m);
	m.folder_id = fid;
	m.uid = 42;
	m.modseq = UINT64_C(123456789012);
	m.flags = FLAG_SEEN | FLAG_ANSWERED | 0x100;	/* unknown bit dropped */
	m.keywords = "$Forwarded Work";
	m.internaldate = 1700000000;
	m.size = 12345;
	m.date = 1699999999;
	m.from = "J\xc3\xbcrgen <j@example.de>";
	m.to = "a@example.com";
	m.cc = "b@example.com, c@example.com";
	m.subject = "Gr\xc3\xbc\xc3\x9f""e \xe2\x80\x94 \xf0\x9f\x93\xa7";
	m.message_id = "<id@example.de>";
	m.in_reply_to = "<parent@example.de>";
	m.references = "<root@example.de> <parent@example.de>";
	ck_assert_int_eq(store_msg_put(s, &m), 0);

	ck_assert_int_eq(store_msg_get(s, fid, 42, &g), 0);
	ck_assert_int_gt(g.id, 0);
	id = g.id;
	ck_assert_int_eq(g.folder_id, fid);
	ck_assert_uint_eq(g.uid, 42);
	ck_assert(g.modseq == UINT64_C(123456789012));
	ck_assert_uint_eq(g.flags, FLAG_SEEN | FLAG_ANSWERED);
	ck_assert_str_eq(g.keywords, m.keywords);
	ck_assert_int_eq(g.internaldate, m.internaldate);
	ck_assert_int_eq(g.size, m.size);
	ck_assert_int_eq(g.date, m.date);
	ck_assert_str_eq(g.from, m.from);
	ck_assert_str_eq(g.to, m.to);
	ck_assert_str_eq(g.cc, m.cc);
	ck_assert_str_eq(g.subject, m.subject);
	ck_assert_str_eq(g.message_id, m.message_id);
	ck_assert_str_eq(g.in_reply_to, m.in_reply_to);
	ck_assert_str_eq(g.references, m.references);
	ck_assert_int_eq(g.cached, 0);
	ck_assert_str_eq(g.file, "");
	store_msg_clear(&g);
	store_msg_clear(&g);
	store_msg_clear(NULL);

	/* Again from the server: headers change, the cached body stays. */
	add_body(s, fid, 42, "Subject: x\r\n\r\nbody\r\n");
	file = msg_file(s, fid, 42);
	memset(&m, 0, sizeof m);		/* NULL strings are "" */
	m.folder_id = fid;
	m.uid = 42;
	m.flags = FLAG_SEEN | FLAG_ANSWERED;
	m.internaldate = 1700000000;
	m.subject = "changed";
	ck_assert_int_eq(store_msg_put(s, &m), 0);
	ck_assert_int_eq(store_msg_get(s, fid, 42, &g), 0);
	ck_assert_int_eq(g.id, id);		/* the same row, updated */
	ck_assert_str_eq(g.subject, "changed");
	ck_assert_str_eq(g.from, "");
	ck_assert_str_eq(g.keywords, "");
	ck_assert_int_eq(g.cached, 1);
	store_msg_clear(&g);
	ck_assert(exists(file));
	free(file);

	/* One row per (folder, uid). */
	ck_assert_int_eq(store_folder_get_id(s, fid, &f), 0);
	ck_assert_int_eq(f.total, 1);
	store_folder_clear(&f);

	/* UID 0 and an unknown folder are refused. */
	m.uid = 0;
	ck_assert_int_eq(store_msg_put(s, &m), -1);
	m.uid = 1;
	m.folder_id = 9999;
	ck_assert_int_eq(store_msg_put(s, &m), -1);
	ck_assert_msg(strstr(store_error(s), "FOREIGN KEY") != NULL, "%s",
	    store_error(s));
	ck_assert_int_eq(store_msg_put(s, NULL), -1);
	ck_assert_int_eq(store_msg_get(s, fid, 7, &g), 1);
	store_close(s);
}
END_TEST

/*
 * DESIGN.md "Flags": a pending local change wins over an older server
 * value, the server's newer value wins once the pending op is gone.
 */
/*
 * store_msg_put() inside a transaction, as a sync's batch calls it: a
 * new row, the same row again (updated), a row a queued move hides (not
 * written), and a failed put that leaves the batch's other rows alone.
 */
START_TEST(test_msg_put_in_batch)
{
	struct store		*s;
	struct store_msg	 m, g;
	int64_t			 fid;

	s = open_store();
	fid = add_folder(s, "INBOX");
	add_msg(s, fid, 9, 0, 100, "nine@example.com");
	queue(s, fid, 9, PENDING_MOVE, 0, 0, "Archive");
	ck_assert_int_eq(store_msg_remove(s, fid, 9), 0);
	queue(s, fid, 5, PENDING_FLAGS, FLAG_FLAGGED, 0, NULL);

	ck_assert_int_eq(store_begin(s), 0);
	add_msg(s, fid, 1, FLAG_SEEN, 100, "one@example.com");
	memset(&m, 0, sizeof m);
	m.folder_id = fid;
	m.uid = 1;
	m.flags = 0;
	m.subject = "changed";
	m.message_id = "one@example.com";
	ck_assert_int_eq(store_msg_put(s, &m), 0);	/* there: updated */
	m.uid = 9;					/* moved away: hidden */
	ck_assert_int_eq(store_msg_put(s, &m), 0);
	m.uid = 5;					/* flagged offline */
	ck_assert_int_eq(store_msg_put(s, &m), 0);
	m.folder_id = 4242;				/* no such folder */
	m.uid = 6;
	ck_assert_int_eq(store_msg_put(s, &m), -1);
	ck_assert_ptr_nonnull(strstr(store_error(s), "FOREIGN KEY"));
	ck_assert_int_eq(store_commit(s), 0);

	ck_assert_int_eq(store_msg_get(s, fid, 1, &g), 0);
	ck_assert_str_eq(g.subject, "changed");
	ck_assert_uint_eq(g.flags, 0);
	store_msg_clear(&g);
	ck_assert_int_eq(store_msg_get(s, fid, 9, &g), 1);
	ck_assert_int_eq(store_msg_get(s, fid, 5, &g), 0);
	ck_assert_uint_eq(g.flags, FLAG_FLAGGED);	/* the overlay */
	store_msg_clear(&g);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM messages"), 2);
	store_close(s);
}
END_TEST

/* Counts the statements that insert several rows (SQLITE_TRACE_STMT). */
static int
count_many(unsigned type, void *arg, void *p, void *x)
{
	(void)type;
	(void)x;
	if (strstr(sqlite3_sql(p), "),(") != NULL &&
	    strncmp(sqlite3_sql(p), "INSERT", 6) == 0)
		(*(int *)arg)++;
	return 0;
}

/* n rows of folder: uids 1..n, except row dup, which repeats uid 3. */
static struct store_msg *
many_rows(int64_t folder, size_t n, size_t dup, char subj[][16])
{
	struct store_msg	*m = xcalloc(n, sizeof *m);
	size_t			 i;

	for (i = 0; i < n; i++) {
		snprintf(subj[i], 16, "s%zu", i);
		m[i].folder_id = folder;
		m[i].uid = i == dup ? 3 : (uint32_t)i + 1;
		/* Bits past FLAG_ALL are not stored. */
		m[i].flags = (i % 3 ? FLAG_SEEN : 0) | (i == 7 ? 1u << 20 : 0);
		m[i].keywords = i % 5 ? "" : "$Label1";
		m[i].modseq = 100 + i;
		m[i].internaldate = 1700000000 + (int64_t)i;
		m[i].size = 1000 + (uint32_t)i;
		m[i].date = 1690000000 + (int64_t)i;
		m[i].from = "A <a@example.com>";
		m[i].to = i % 2 ? "b@example.com" : "";
		m[i].subject = subj[i];
		m[i].message_id = subj[i];
		m[i].references = "r@example.com";
	}
	return m;
}

/* The rows of folder as text, one per line, in UID order. */
static char *
rows_text(struct store *s, int64_t folder)
{
	sqlite3_stmt	*st;
	char		*out = xstrdup(""), *t;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), "SELECT uid || '|' || "
	    "modseq || '|' || flags || '|' || keywords || '|' || internaldate "
	    "|| '|' || size || '|' || date || '|' || from_addr || '|' || "
	    "to_addr || '|' || cc_addr || '|' || subject || '|' || message_id "
	    "|| '|' || in_reply_to || '|' || refs || '|' || indexed || '|' || "
	    "cached FROM messages WHERE folder_id = ?1 ORDER BY uid", -1, &st,
	    NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, folder);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = xasprintf("%s%s\n", out, sqlite3_column_text(st, 0));
		free(out);
		out = t;
	}
	sqlite3_finalize(st);
	return out;
}

/* m[0..n) moved to folder, put at once in a transaction of their own. */
static void
put_many_in(struct store *s, struct store_msg *m, size_t n, int64_t folder)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		m[i].folder_id = folder;
	ck_assert_int_eq(store_begin(s), 0);
	ck_assert_int_eq(store_msg_put_many(s, m, n), 0);
	ck_assert_int_eq(store_commit(s), 0);
}

/*
 * store_msg_put_many() is store_msg_put() on each row in turn: with
 * nothing queued, 16 rows a statement (a repeated UID in a chunk makes
 * it go one by one: the last one wins, as with puts); with something
 * queued for the folder, the overlay; outside a transaction, too.
 */
START_TEST(test_msg_put_many)
{
	struct store		*s;
	struct store_msg	*m, g;
	char			 subj[40][16], *want, *got;
	int64_t			 one, many, queued, plain;
	size_t			 i;
	int			 nmany = 0;

	s = open_store();
	one = add_folder(s, "One");
	many = add_folder(s, "Many");
	queued = add_folder(s, "Queued");
	plain = add_folder(s, "Plain");
	ck_assert_int_eq(store_set_bulk(s, 1), 0);
	sqlite3_trace_v2(store_db(s), SQLITE_TRACE_STMT, count_many, &nmany);

	/* 40 rows: chunks 0-15 and 16-31 (row 20 repeats UID 3), 8 more. */
	m = many_rows(one, 40, 20, subj);
	ck_assert_int_eq(store_begin(s), 0);
	for (i = 0; i < 40; i++)
		ck_assert_int_eq(store_msg_put(s, &m[i]), 0);
	ck_assert_int_eq(store_commit(s), 0);
	ck_assert_int_eq(nmany, 0);
	want = rows_text(s, one);
	put_many_in(s, m, 40, many);
	ck_assert_int_eq(nmany, 2);
	got = rows_text(s, many);
	ck_assert_str_eq(got, want);
	ck_assert_ptr_nonnull(strstr(got, "\n3|120|"));	/* the last UID 3 */
	free(got);

	/* Queued for the folder: flagged offline, moved away (hidden). */
	queue(s, queued, 5, PENDING_FLAGS, FLAG_FLAGGED, 0, NULL);
	queue(s, queued, 9, PENDING_MOVE, 0, 0, "Archive");
	put_many_in(s, m, 40, queued);
	ck_assert_int_eq(nmany, 2);
	ck_assert_uint_eq(msg_flags(s, queued, 5), FLAG_SEEN | FLAG_FLAGGED);
	ck_assert_int_eq(store_msg_get(s, queued, 9, &g), 1);
	ck_assert_int_eq(sql_int(s, "SELECT COUNT(*) FROM messages m JOIN "
	    "folders f ON f.id = m.folder_id WHERE f.name = 'Queued'"), 38);

	/* Outside a transaction: one by one, each its own. */
	for (i = 0; i < 40; i++)
		m[i].folder_id = plain;
	ck_assert_int_eq(store_msg_put_many(s, m, 40), 0);
	ck_assert_int_eq(nmany, 2);
	got = rows_text(s, plain);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);

	/* A row without a UID fails the call, as store_msg_put() does. */
	m[17].uid = 0;
	for (i = 0; i < 40; i++)
		m[i].folder_id = many;
	ck_assert_int_eq(store_begin(s), 0);
	ck_assert_int_eq(store_msg_put_many(s, m, 40), -1);
	store_rollback(s);
	free(m);
	store_close(s);
}
END_TEST

START_TEST(test_server_flags_overlay)
{
	struct store		*s;
	struct store_msg	 g;
	int64_t			 fid, op1, op2;

	s = open_store();
	fid = add_folder(s, "INBOX");
	add_msg(s, fid, 7, 0, 1, "<7@x>");

	/* No pending op: the server's value is taken as it is. */
	ck_assert_int_eq(store_msg_server_flags(s, fid, 7, FLAG_FLAGGED,
	    "$Label1", 11), 0);
	ck_assert_int_eq(store_msg_get(s, fid, 7, &g), 0);
	ck_assert_uint_eq(g.flags, FLAG_FLAGGED);
	ck_assert_str_eq(g.keywords, "$Label1");
	ck_assert(g.modseq == 11);
	store_msg_clear(&g);

	/* The user reads it: +\Seen queued, shown at once. */
	op1 = queue(s, fid, 7, PENDING_FLAGS, FLAG_SEEN, 0, NULL);
	ck_assert_uint_eq(msg_flags(s, fid, 7), FLAG_SEEN | FLAG_FLAGGED);

	/* An older server value (unseen) does not undo it... */
	ck_assert_int_eq(store_msg_server_flags(s, fid, 7, 0, "", 12), 0);
	ck_assert_uint_eq(msg_flags(s, fid, 7), FLAG_SEEN);
	ck_assert_int_eq(store_msg_server_flags(s, fid, 7, FLAG_ANSWERED, "",
	    13), 0);
	ck_assert_uint_eq(msg_flags(s, fid, 7), FLAG_SEEN | FLAG_ANSWERED);

	/* ...and a later op wins over an earlier one for the same flag. */
	op2 = queue(s, fid, 7, PENDING_FLAGS, FLAG_DELETED, FLAG_SEEN, NULL);
	ck_assert_uint_eq(msg_flags(s, fid, 7), FLAG_ANSWERED | FLAG_DELETED);
	ck_assert_int_eq(store_msg_server_flags(s, fid, 7, FLAG_SEEN, "", 14),
	    0);
	ck_assert_uint_eq(msg_flags(s, fid, 7), FLAG_DELETED);

	/* A message header sync applies the same overlay. */
	add_msg(s, fid, 7, FLAG_SEEN | FLAG_DRAFT, 1, "<7@x>");
	ck_assert_uint_eq(msg_flags(s, fid, 7), FLAG_DELETED | FLAG_DRAFT);

	/* Replayed: the server's next value wins. */
	ck_assert_int_eq(pending_done(s, op1), 0);
	ck_assert_int_eq(pending_done(s, op2), 0);
	ck_assert_int_eq(store_msg_server_flags(s, fid, 7, 0, "", 15), 0);
	ck_assert_uint_eq(msg_flags(s, fid, 7), 0);

	/* Flags for a message not in the index: nothing is created. */
	ck_assert_int_eq(store_msg_server_flags(s, fid, 99, FLAG_SEEN, "", 1),
	    0);
	ck_assert_int_eq(store_msg_get(s, fid, 99, &g), 1);
	store_close(s);
}
END_TEST

START_TEST(test_msg_remove)
{
	struct store		*s;
	struct store_msg	 g;
	int64_t			 fid;
	char			*file;

	s = open_store();
	fid = add_folder(s, "INBOX");
	add_msg(s, fid, 1, 0, 1, "");
	add_msg(s, fid, 2, 0, 2, "");
	add_body(s, fid, 1, "one\n");
	file = msg_file(s, fid, 1);
	ck_assert(exists(file));

	ck_assert_int_eq(store_msg_remove(s, fid, 1), 0);
	ck_assert_int_eq(store_msg_get(s, fid, 1, &g), 1);
	ck_assert(!exists(file));
	ck_assert_int_eq(store_msg_remove(s, fid, 1), 0);	/* gone: fine */
	ck_assert_int_eq(store_msg_remove(s, fid, 2), 0);	/* not cached */
	ck_assert_int_eq(store_msg_get(s, fid, 2, &g), 1);

	/* Inside a rolled back transaction the file stays with its row. */
	add_msg(s, fid, 3, 0, 3, "");
	add_body(s, fid, 3, "three\n");
	free(file);
	file = msg_file(s, fid, 3);
	ck_assert_int_eq(store_begin(s), 0);
	ck_assert_int_eq(store_msg_remove(s, fid, 3), 0);
	ck_assert(exists(file));		/* not before the commit */
	store_rollback(s);
	ck_assert(exists(file));
	ck_assert_int_eq(store_msg_get(s, fid, 3, &g), 0);
	store_msg_clear(&g);
	ck_assert_int_eq(store_begin(s), 0);
	ck_assert_int_eq(store_msg_remove(s, fid, 3), 0);
	ck_assert_int_eq(store_commit(s), 0);
	ck_assert(!exists(file));
	free(file);
	store_close(s);
}
END_TEST

/* The window narrowed: local rows and files go, nothing else. */
START_TEST(test_msg_prune)
{
	struct store		*s;
	struct store_uid	*u;
	size_t			 n;
	int64_t			 fid, other;
	char			*f1, *f3;

	s = open_store();
	fid = add_folder(s, "INBOX");
	other = add_folder(s, "Other");
	add_msg(s, fid, 1, 0, 100, "");
	add_msg(s, fid, 2, 0, 200, "");
	add_msg(s, fid, 3, 0, 300, "");
	add_msg(s, other, 1, 0, 100, "");
	add_body(s, fid, 1, "one\n");
	add_body(s, fid, 3, "three\n");
	f1 = msg_file(s, fid, 1);
	f3 = msg_file(s, fid, 3);
	queue(s, fid, 2, PENDING_FLAGS, FLAG_SEEN, 0, NULL);

	ck_assert_int_eq(store_msg_prune(s, fid, 250), 0);
	ck_assert_int_eq(store_msg_uids(s, fid, &u, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(u[0].uid, 3);
	store_uids_free(u, n);
	ck_assert(!exists(f1));
	ck_assert(exists(f3));
	ck_assert_int_eq(store_msg_uids(s, other, &u, &n), 0);
	ck_assert_uint_eq(n, 1);
	store_uids_free(u, n);
	ck_assert_int_eq(pending_count(s), 1);	/* the server still hears */
	free(f1);
	free(f3);
	store_close(s);
}
END_TEST

START_TEST(test_msg_uids)
{
	static const uint32_t	 uids[] = { 500, 3, 4000000000U, 17, 1 };
	struct store		*s;
	struct store_uid	*u;
	struct store_msg	 m;
	size_t			 n, i;
	int64_t			 fid;

	s = open_store();
	fid = add_folder(s, "INBOX");
	for (i = 0; i < sizeof uids / sizeof uids[0]; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = fid;
		m.uid = uids[i];
		m.flags = (unsigned)i & FLAG_ALL;
		m.keywords = i == 1 ? "$Junk" : NULL;
		m.internaldate = 1000 + (int64_t)i;
		ck_assert_int_eq(store_msg_put(s, &m), 0);
	}
	ck_assert_int_eq(store_msg_uids(s, fid, &u, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(u[0].uid, 1);
	ck_assert_uint_eq(u[1].uid, 3);
	ck_assert_uint_eq(u[2].uid, 17);
	ck_assert_uint_eq(u[3].uid, 500);
	ck_assert_uint_eq(u[4].uid, 4000000000U);
	ck_assert_uint_eq(u[1].flags, 1);
	ck_assert_str_eq(u[1].keywords, "$Junk");
	ck_assert_int_eq(u[1].internaldate, 1001);
	ck_assert_str_eq(u[0].keywords, "");
	store_uids_free(u, n);
	ck_assert_int_eq(store_msg_uids(s, 9999, &u, &n), 0);
	ck_assert_uint_eq(n, 0);
	store_uids_free(u, n);
	store_uids_free(NULL, 0);
	store_close(s);
}
END_TEST

/*
 * The body lands in cur/ with the UID and the flags in its name and
 * exactly the bytes given; flag changes are renames.
 */
START_TEST(test_msg_body)
{
	static const char	 body[] = "From: a@b\r\nSubject: x\r\n\r\n"
	    "line\r\n\0binary\xff\r\n.\r\n";
	struct store		*s;
	struct store_msg	 g;
	int64_t			 fid;
	char			*dir, *path, *data, *err = NULL;
	char			*moved;
	size_t			 len;

	s = open_store();
	fid = add_folder(s, "INBOX");
	ck_assert_int_eq(store_folder_synced(s, fid, 777, 10, 0, 1, 0), 0);
	add_msg(s, fid, 9, FLAG_SEEN, 1700000000, "<9@x>");
	ck_assert_int_eq(store_msg_body(s, fid, 9, body, sizeof body - 1,
	    &err), 0);
	ck_assert_ptr_null(err);

	ck_assert_int_eq(store_msg_get(s, fid, 9, &g), 0);
	ck_assert_int_eq(g.cached, 1);
	ck_assert_str_eq(g.file, "cur/1700000000.777_9.tern,U=9:2,S");
	store_msg_clear(&g);
	dir = folder_dir_of(s, fid);
	path = xasprintf("%s/cur/1700000000.777_9.tern,U=9:2,S", dir);
	data = slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(len, sizeof body - 1);
	ck_assert_mem_eq(data, body, len);
	free(data);

	/* A flag change renames the file; nothing else is left behind. */
	ck_assert_int_eq(store_msg_server_flags(s, fid, 9,
	    FLAG_SEEN | FLAG_FLAGGED, "", 2), 0);
	ck_assert(!exists(path));
	free(path);
	path = xasprintf("%s/cur/1700000000.777_9.tern,U=9:2,FS", dir);
	ck_assert(exists(path));
	ck_assert_int_eq(store_msg_get(s, fid, 9, &g), 0);
	ck_assert_str_eq(g.file, "cur/1700000000.777_9.tern,U=9:2,FS");
	store_msg_clear(&g);

	/* Written again (a re-fetch): still one file. */
	add_body(s, fid, 9, "new body\n");
	ck_assert(exists(path));
	data = slurp(path, NULL);
	ck_assert_str_eq(data, "new body\n");
	free(data);

	/* Another MUA renamed it: found by its base name. */
	moved = xasprintf("%s/cur/1700000000.777_9.tern,U=9:2,FRS", dir);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(store_msg_server_flags(s, fid, 9, FLAG_SEEN, "", 3),
	    0);
	free(path);
	path = xasprintf("%s/cur/1700000000.777_9.tern,U=9:2,S", dir);
	ck_assert(exists(path));
	ck_assert(!exists(moved));

	/* Deleted by hand: the row stops claiming a cached body. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(store_msg_server_flags(s, fid, 9, 0, "", 4), 0);
	ck_assert_int_eq(store_msg_get(s, fid, 9, &g), 0);
	ck_assert_int_eq(g.cached, 0);
	ck_assert_str_eq(g.file, "");
	store_msg_clear(&g);

	/* No such message. */
	ck_assert_int_eq(store_msg_body(s, fid, 10, "x", 1, &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	free(moved);
	free(path);
	free(dir);
	store_close(s);
}
END_TEST

/* ---- pending operations ---- */

START_TEST(test_pending_add_effects)
{
	struct store		*s;
	struct store_msg	 g, m;
	struct pending		*ps;
	size_t			 n;
	int64_t			 fid;
	char			*f1, *f2, *f4, *dir, *renamed;

	s = open_store();
	fid = add_folder(s, "INBOX");
	ck_assert_int_eq(store_folder_synced(s, fid, 55, 10, 0, 5, 0), 0);
	for (n = 1; n <= 5; n++)
		add_msg(s, fid, (uint32_t)n, 0, (int64_t)n, "<m@x>");
	add_body(s, fid, 1, "one\n");
	add_body(s, fid, 2, "two\n");
	add_body(s, fid, 4, "four\n");
	f1 = msg_file(s, fid, 1);
	f2 = msg_file(s, fid, 2);
	f4 = msg_file(s, fid, 4);
	dir = folder_dir_of(s, fid);

	/* FLAGS: the row and its file change at once. */
	queue(s, fid, 1, PENDING_FLAGS, FLAG_SEEN | FLAG_FLAGGED, 0, NULL);
	ck_assert_uint_eq(msg_flags(s, fid, 1), FLAG_SEEN | FLAG_FLAGGED);
	renamed = xasprintf("%s/cur/1.55_1.tern,U=1:2,FS", dir);
	ck_assert(!exists(f1));
	ck_assert(exists(renamed));

	/* MOVE: gone from the list (and the cache) at once, kept hidden. */
	queue(s, fid, 2, PENDING_MOVE, 0, 0, "Archive");
	ck_assert_int_eq(store_msg_get(s, fid, 2, &g), 1);
	ck_assert(!exists(f2));
	ck_assert_int_eq(pending_hides(s, fid, 2), 1);

	/* EXPUNGE: the same. */
	queue(s, fid, 3, PENDING_EXPUNGE, 0, 0, NULL);
	ck_assert_int_eq(store_msg_get(s, fid, 3, &g), 1);
	ck_assert_int_eq(pending_hides(s, fid, 3), 1);

	/* Sync must not bring them back (test 34: no resurrection). */
	memset(&m, 0, sizeof m);
	m.folder_id = fid;
	m.uid = 2;
	ck_assert_int_eq(store_msg_put(s, &m), 0);
	ck_assert_int_eq(store_msg_get(s, fid, 2, &g), 1);

	/* COPY: nothing changes here. */
	queue(s, fid, 4, PENDING_COPY, 0, 0, "Archive");
	ck_assert_int_eq(store_msg_get(s, fid, 4, &g), 0);
	store_msg_clear(&g);
	ck_assert(exists(f4));
	ck_assert_int_eq(pending_hides(s, fid, 4), 0);

	/* APPEND: nothing changes here; no UID needed. */
	queue(s, fid, 0, PENDING_APPEND, 0, 0, NULL);
	ck_assert_int_eq(pending_hides(s, fid, 5), 0);

	ck_assert_int_eq(pending_list(s, fid, &ps, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(ps[0].op, PENDING_FLAGS);
	ck_assert_uint_eq(ps[0].set, FLAG_SEEN | FLAG_FLAGGED);
	ck_assert_uint_eq(ps[0].clear, 0);
	ck_assert_uint_eq(ps[0].uidvalidity, 55);
	ck_assert_str_eq(ps[0].message_id, "<m@x>");	/* from the row */
	ck_assert_int_eq(ps[1].op, PENDING_MOVE);
	ck_assert_str_eq(ps[1].target, "Archive");
	ck_assert_str_eq(ps[1].message_id, "<m@x>");
	ck_assert_int_eq(ps[2].op, PENDING_EXPUNGE);
	ck_assert_int_eq(ps[3].op, PENDING_COPY);
	ck_assert_int_eq(ps[4].op, PENDING_APPEND);
	ck_assert_str_eq(ps[4].file, "/outbox/cur/1:2,S");
	ck_assert_uint_eq(ps[4].uid, 0);
	ck_assert_int_eq(ps[4].failures, 0);
	ck_assert_str_eq(ps[4].error, "");
	pending_free(ps, n);

	/* Nonsense is refused and queues nothing. */
	{
		struct pending	 p;

		memset(&p, 0, sizeof p);
		p.folder_id = fid;
		p.uid = 5;
		p.op = PENDING_MOVE;		/* no target */
		ck_assert_int_eq(pending_add(s, &p), -1);
		p.op = (enum pending_op)99;
		ck_assert_int_eq(pending_add(s, &p), -1);
		p.op = PENDING_FLAGS;
		p.uid = 0;
		ck_assert_int_eq(pending_add(s, &p), -1);
		ck_assert_int_eq(pending_add(s, NULL), -1);
	}
	ck_assert_int_eq(pending_count(s), 5);
	free(f1);
	free(f2);
	free(f4);
	free(renamed);
	free(dir);
	store_close(s);
}
END_TEST

START_TEST(test_pending_list_done_failed)
{
	struct store	*s;
	struct pending	*ps;
	size_t		 n;
	int64_t		 a, b, id1, id2, id3;
	char		 big[3000];

	s = open_store();
	a = add_folder(s, "A");
	b = add_folder(s, "B");
	add_msg(s, a, 1, 0, 1, "");
	add_msg(s, b, 1, 0, 1, "");
	id1 = queue(s, a, 1, PENDING_FLAGS, FLAG_SEEN, 0, NULL);
	id2 = queue(s, b, 1, PENDING_FLAGS, FLAG_SEEN, 0, NULL);
	id3 = queue(s, a, 1, PENDING_FLAGS, 0, FLAG_SEEN, NULL);
	ck_assert_int_lt(id1, id2);
	ck_assert_int_lt(id2, id3);
	ck_assert_int_eq(pending_count(s), 3);

	/* Oldest first, all or one folder's. */
	ck_assert_int_eq(pending_list(s, -1, &ps, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ps[0].id, id1);
	ck_assert_int_eq(ps[1].id, id2);
	ck_assert_int_eq(ps[2].id, id3);
	pending_free(ps, n);
	ck_assert_int_eq(pending_list(s, a, &ps, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ps[0].id, id1);
	ck_assert_int_eq(ps[1].id, id3);
	ck_assert_int_eq(ps[1].clear, FLAG_SEEN);
	pending_free(ps, n);
	ck_assert_int_eq(pending_list(s, 9999, &ps, &n), 0);
	ck_assert_uint_eq(n, 0);
	pending_free(ps, n);
	pending_free(NULL, 0);

	/* Failures are counted and the last reason kept, bounded. */
	ck_assert_int_eq(pending_failed(s, id2, "NO [TRYCREATE] x"), 0);
	memset(big, 'e', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[999] = (char)0xc3;		/* a character across the limit */
	big[1000] = (char)0xa9;
	ck_assert_int_eq(pending_failed(s, id2, big), 0);
	ck_assert_int_eq(pending_list(s, b, &ps, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ps[0].failures, 2);
	ck_assert_uint_eq(strlen(ps[0].error), 999);
	pending_free(ps, n);

	/* Re-matched after a UIDVALIDITY change. */
	ck_assert_int_eq(pending_rematch(s, id1, 77, 5150), 0);
	ck_assert_int_eq(pending_list(s, a, &ps, &n), 0);
	ck_assert_uint_eq(ps[0].uid, 77);
	ck_assert_uint_eq(ps[0].uidvalidity, 5150);
	pending_free(ps, n);

	/* Done, twice. */
	ck_assert_int_eq(pending_done(s, id2), 0);
	ck_assert_int_eq(pending_done(s, id2), 0);
	ck_assert_int_eq(pending_count(s), 2);
	ck_assert_int_eq(pending_done(s, id1), 0);
	ck_assert_int_eq(pending_done(s, id3), 0);
	ck_assert_int_eq(pending_count(s), 0);
	store_close(s);
}
END_TEST

/*
 * SECURITY.md test 32: after a UIDVALIDITY change the old UIDs name
 * other messages; a queued operation touches none of them until it is
 * re-matched (by Message-ID, in sync), and is never dropped.
 */
START_TEST(test_pending_uidvalidity)
{
	struct store	*s;
	int64_t		 fid, op;

	s = open_store();
	fid = add_folder(s, "INBOX");
	ck_assert_int_eq(store_folder_synced(s, fid, 100, 10, 0, 2, 0), 0);
	add_msg(s, fid, 5, 0, 1, "<five@x>");
	add_msg(s, fid, 6, 0, 1, "<six@x>");
	op = queue(s, fid, 5, PENDING_FLAGS, FLAG_FLAGGED, 0, NULL);
	queue(s, fid, 6, PENDING_EXPUNGE, 0, 0, NULL);

	/* The server reset UIDVALIDITY: sync drops the folder's rows. */
	ck_assert_int_eq(store_folder_synced(s, fid, 200, 10, 0, 2, 0), 0);
	ck_assert_int_eq(store_msg_remove(s, fid, 5), 0);
	add_msg(s, fid, 5, 0, 1, "<other@x>");
	add_msg(s, fid, 6, 0, 1, "<another@x>");
	add_msg(s, fid, 8, 0, 1, "<five@x>");
	ck_assert_uint_eq(msg_flags(s, fid, 5), 0);
	ck_assert_int_eq(pending_hides(s, fid, 6), 0);

	/* An op queued now for the old generation changes nothing. */
	{
		struct pending	 p;

		memset(&p, 0, sizeof p);
		p.folder_id = fid;
		p.uid = 5;
		p.uidvalidity = 100;
		p.op = PENDING_EXPUNGE;
		ck_assert_int_eq(pending_add(s, &p), 0);
		ck_assert_uint_eq(msg_flags(s, fid, 5), 0);
	}

	/* Re-matched to the message's new UID: the overlay applies. */
	ck_assert_int_eq(pending_rematch(s, op, 8, 200), 0);
	ck_assert_int_eq(store_msg_server_flags(s, fid, 8, 0, "", 1), 0);
	ck_assert_uint_eq(msg_flags(s, fid, 8), FLAG_FLAGGED);
	ck_assert_int_eq(pending_count(s), 3);
	store_close(s);
}
END_TEST

/* Inside the caller's transaction pending_add is a savepoint. */
START_TEST(test_pending_in_transaction)
{
	struct store		*s;
	struct store_msg	 g;
	int64_t			 fid;
	char			*file;

	s = open_store();
	fid = add_folder(s, "INBOX");
	add_msg(s, fid, 1, 0, 1, "");
	add_body(s, fid, 1, "one\n");
	file = msg_file(s, fid, 1);

	ck_assert_int_eq(store_begin(s), 0);
	queue(s, fid, 1, PENDING_MOVE, 0, 0, "Trash");
	ck_assert_int_eq(store_msg_get(s, fid, 1, &g), 1);
	store_rollback(s);
	ck_assert_int_eq(pending_count(s), 0);
	ck_assert_int_eq(store_msg_get(s, fid, 1, &g), 0);
	store_msg_clear(&g);
	ck_assert(exists(file));

	ck_assert_int_eq(store_begin(s), 0);
	queue(s, fid, 1, PENDING_MOVE, 0, 0, "Trash");
	ck_assert(exists(file));
	ck_assert_int_eq(store_commit(s), 0);
	ck_assert_int_eq(pending_count(s), 1);
	ck_assert(!exists(file));
	free(file);
	store_close(s);
}
END_TEST

/* Close and reopen: the queue is on disk. */
START_TEST(test_pending_durable)
{
	struct store	*s;
	struct pending	*ps;
	size_t		 n;
	int64_t		 fid;

	s = open_store();
	fid = add_folder(s, "INBOX");
	add_msg(s, fid, 1, 0, 1, "<1@x>");
	add_msg(s, fid, 2, 0, 2, "<2@x>");
	queue(s, fid, 1, PENDING_FLAGS, FLAG_SEEN, 0, NULL);
	queue(s, fid, 2, PENDING_MOVE, 0, 0, "Archive");
	store_close(s);

	s = open_store();
	ck_assert_int_eq(pending_list(s, -1, &ps, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ps[0].op, PENDING_FLAGS);
	ck_assert_str_eq(ps[0].message_id, "<1@x>");
	ck_assert_int_eq(ps[1].op, PENDING_MOVE);
	ck_assert_str_eq(ps[1].target, "Archive");
	ck_assert_str_eq(ps[1].message_id, "<2@x>");
	pending_free(ps, n);
	ck_assert_uint_eq(msg_flags(s, fid, 1), FLAG_SEEN);
	ck_assert_int_eq(pending_hides(s, fid, 2), 1);
	store_close(s);
}
END_TEST

/*
 * SECURITY.md test 30, the simplest instant: a process that queued an
 * action is killed (-9) without closing anything.
 */
START_TEST(test_pending_survives_crash)
{
	struct store	*s;
	struct pending	*ps;
	size_t		 n;
	int64_t		 fid;
	pid_t		 pid;
	int		 fds[2];

	s = open_store();
	fid = add_folder(s, "INBOX");
	add_msg(s, fid, 1, 0, 1, "<1@x>");
	store_close(s);

	ck_assert_int_eq(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct pending	 p;

		close(fds[0]);
		if ((s = store_open("acct", sdir, 1, NULL)) == NULL)
			die_hard(fds[1], 'o');
		memset(&p, 0, sizeof p);
		p.folder_id = fid;
		p.uid = 1;
		p.op = PENDING_FLAGS;
		p.set = FLAG_FLAGGED;
		die_hard(fds[1], pending_add(s, &p) == 0 ? 'y' : 'n');
	}
	close(fds[1]);
	ck_assert_int_eq(wait_hard(pid, fds[0]), 'y');

	s = store_open("acct", sdir, 1, NULL);		/* lock released */
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(pending_list(s, -1, &ps, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ps[0].op, PENDING_FLAGS);
	ck_assert_uint_eq(ps[0].set, FLAG_FLAGGED);
	ck_assert_str_eq(ps[0].message_id, "<1@x>");
	pending_free(ps, n);
	ck_assert_uint_eq(msg_flags(s, fid, 1), FLAG_FLAGGED);
	store_close(s);
}
END_TEST

/*
 * store_msg_any_cached() runs for every folder without a cache
 * directory at every resync: it answers from messages_cached, the
 * index of cached rows only, never by reading the folder's rows.
 */
START_TEST(test_any_cached)
{
	struct store	*s;
	sqlite3_stmt	*st;
	int64_t		 a, b;
	uint32_t	 n;
	char		 plan[256] = "";

	s = open_store();
	a = add_folder(s, "INBOX");
	b = add_folder(s, "Other");
	for (n = 1; n <= 50; n++) {
		add_msg(s, a, n, 0, (int64_t)n, "<m@x>");
		add_msg(s, b, n, 0, (int64_t)n, "<m@x>");
	}
	ck_assert_int_eq(store_msg_any_cached(s, a), 0);
	ck_assert_int_eq(store_msg_any_cached(s, b), 0);
	add_body(s, a, 50, "fifty\n");
	ck_assert_int_eq(store_msg_any_cached(s, a), 1);
	ck_assert_int_eq(store_msg_any_cached(s, b), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), "EXPLAIN QUERY PLAN "
	    "SELECT 1 FROM messages WHERE folder_id = ?1 AND cached <> 0 "
	    "LIMIT 1", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(plan + strlen(plan), sizeof plan - strlen(plan),
		    "%s;", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	ck_assert_msg(strstr(plan, "INDEX messages_cached") !=
	    NULL, "plan: %s", plan);
	store_close(s);
}
END_TEST

/* What a resync and the body prefetch read: UIDs only, in order. */
START_TEST(test_uid_set_and_uncached)
{
	struct store	*s;
	int64_t		 a, b;
	uint32_t	*u;
	size_t		 n;

	s = open_store();
	a = add_folder(s, "INBOX");
	b = add_folder(s, "Other");
	add_msg(s, a, 30, 0, 300, "<c@x>");
	add_msg(s, a, 10, 0, 100, "<a@x>");
	add_msg(s, a, 20, 0, 200, "<b@x>");
	add_msg(s, b, 5, 0, 500, "<d@x>");
	ck_assert_int_eq(store_msg_uid_set(s, a, &u, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(u[0], 10);
	ck_assert_uint_eq(u[1], 20);
	ck_assert_uint_eq(u[2], 30);
	free(u);
	add_body(s, a, 30, "thirty\n");
	/* Without a body and internal date >= 200: only 20. */
	ck_assert_int_eq(store_msg_uncached(s, a, 200, &u, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(u[0], 20);
	free(u);
	ck_assert_int_eq(store_msg_uncached(s, a, 0, &u, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(u[0], 10);
	ck_assert_uint_eq(u[1], 20);
	free(u);
	/* An empty folder: an empty list, not NULL. */
	ck_assert_int_eq(store_msg_uid_set(s, 9999, &u, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(u);
	free(u);
	store_close(s);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_creates_schema);
	tcase_add_test(tc, test_schema_matches_sql_file);
	tcase_add_test(tc, test_newer_version_refused);
	tcase_add_test(tc, test_upgrade_from_v1);
	tcase_add_test(tc, test_upgrade_to_v7);
	tcase_add_loop_test(tc, test_damaged_index_refused, 0,
	    sizeof damage_tab / sizeof damage_tab[0]);
	tcase_add_loop_test(tc, test_damaged_index_moved_aside, D2_GARBAGE,
	    D2_NO_TABLES + 1);
	tcase_add_test(tc, test_rebuild_adopts_files);
	tcase_add_test(tc, test_empty_index_created);
	tcase_add_test(tc, test_lock_other_process);
	tcase_add_test(tc, test_second_connection_keeps_wal_visible);
	suite_add_tcase(s, tc);

	tc = tcase_create("folders");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_folders);
	tcase_add_test(tc, test_folder_paths_case_unique);
	tcase_add_test(tc, test_folder_dir_refuses_unsafe_path);
	tcase_add_test(tc, test_folder_forget);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_msg_roundtrip);
	tcase_add_test(tc, test_checkpoint_from_idle_connection);
	tcase_add_test(tc, test_msg_put_in_batch);
	tcase_add_test(tc, test_msg_put_many);
	tcase_add_test(tc, test_server_flags_overlay);
	tcase_add_test(tc, test_msg_remove);
	tcase_add_test(tc, test_msg_prune);
	tcase_add_test(tc, test_msg_uids);
	tcase_add_test(tc, test_msg_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("pending");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pending_add_effects);
	tcase_add_test(tc, test_pending_list_done_failed);
	tcase_add_test(tc, test_pending_uidvalidity);
	tcase_add_test(tc, test_pending_in_transaction);
	tcase_add_test(tc, test_pending_durable);
	tcase_add_test(tc, test_pending_survives_crash);
	tcase_add_test(tc, test_any_cached);
	tcase_add_test(tc, test_uid_set_and_uncached);
	suite_add_tcase(s, tc);
	return s;
}
