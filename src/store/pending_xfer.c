/*
 * pending_xfer.c - the store's side of a move or copy to another
 * account (PENDING_XMOVE, PENDING_XCOPY): the staged copy of each
 * message under the source store's xfer/ directory, and the small
 * reads and writes the steps of the transfer need on the pending
 * table.  The UI thread stages a cached body when the user acts
 * (pending_add); the engine threads of both accounts do the rest (see
 * src/sync/xfer.c).  Each thread uses its own store connection.
 *
 * A staged file is named after its operation's id in the source
 * store, so it is found again after a crash, and written through tmp/
 * with an fsync before its rename: a path recorded in the pending
 * table always names a whole message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

#define PENDING_XFER_DIR	"xfer"

/* dir/xfer, created (0700) as needed; caller frees. */
static char *
pending_xfer_dir(struct store *s)
{
	char	*dir = xasprintf("%s/%s", store_dir(s), PENDING_XFER_DIR);

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_msg(LOG_ERROR, "store %s: cannot create %s: %s",
		    store_account(s), dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

char *
pending_xfer_path(struct store *s, int64_t id)
{
	return xasprintf("%s/%s/%lld.eml", store_dir(s), PENDING_XFER_DIR,
	    (long long)id);
}

/* fsync of a directory, so a rename in it survives a power loss. */
static void
pending_xfer_sync_dir(const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

char *
pending_xfer_write(struct store *s, int64_t id, const char *data, size_t len,
    char **errp)
{
	char	*dir, *tmp, *path;
	size_t	 off = 0;
	ssize_t	 w;
	int	 fd;

	if ((dir = pending_xfer_dir(s)) == NULL) {
		seterr(errp, "cannot create the staging directory");
		return NULL;
	}
	tmp = xasprintf("%s/.tmp.%lld.%ld", dir, (long long)id,
	    (long)getpid());
	path = pending_xfer_path(s, id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (fd != -1 && off < len) {
		if ((w = write(fd, data + off, len - off)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	/* Order is important: the whole file, fsync, then its name. */
	if (fd == -1 || off < len || fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		seterr(errp, "cannot stage %s: %s", path, strerror(errno));
		if (fd != -1)
			(void)close(fd);
		(void)unlink(tmp);
		free(path);
		path = NULL;
	} else
		pending_xfer_sync_dir(dir);
	free(tmp);
	free(dir);
	return path;
}

/*
 * Stages the cached file src as operation id's file: a hard link (the
 * cache and xfer/ share a file system), else a copy.  NULL on failure.
 */
char *
pending_xfer_link(struct store *s, int64_t id, const char *src)
{
	char	*dir, *path, *data = NULL, *err = NULL;
	FILE	*fp;
	long	 n;

	if ((dir = pending_xfer_dir(s)) == NULL)
		return NULL;
	path = pending_xfer_path(s, id);
	/* A file of the same name is an orphan of a crash: ids are new. */
	(void)unlink(path);
	/*
	 * No fsync of the directory (a batch of a thousand would wait on
	 * a thousand): a link lost to a power cut is a missing file, which
	 * the engine fetches again from the server.
	 */
	if (link(src, path) == 0) {
		free(dir);
		return path;
	}
	free(dir);
	free(path);
	if ((fp = fopen(src, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0) {
		data = xmalloc((size_t)n + 1);
		if (fread(data, 1, (size_t)n, fp) != (size_t)n) {
			free(data);
			data = NULL;
		}
	}
	fclose(fp);
	if (data == NULL)
		return NULL;
	path = pending_xfer_write(s, id, data, (size_t)n, &err);
	free(data);
	free(err);
	return path;
}

/* Runs sql (no rows) with ?1 id and ?2 the text or int given. */
static int
pending_xfer_update(struct store *s, const char *sql, int64_t id,
    const char *text, int num)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		log_msg(LOG_ERROR, "store %s: %s", store_account(s),
		    store_error(s));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(st, 2, num);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_msg(LOG_ERROR, "store %s: %s", store_account(s),
		    store_error(s));
		return -1;
	}
	return 0;
}

int
pending_xfer_set_file(struct store *s, int64_t id, const char *path)
{
	return pending_xfer_update(s, "UPDATE pending SET file = ?2 "
	    "WHERE id = ?1", id, path != NULL ? path : "", 0);
}

int
pending_xfer_set_step(struct store *s, int64_t id, int step)
{
	/* See pending.c: the step lives in clear_flags. */
	return pending_xfer_update(s, "UPDATE pending SET clear_flags = ?2 "
	    "WHERE id = ?1 AND op IN (5, 6, 7)", id, NULL, step);
}

int
pending_xfer_step(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = NULL;
	int		 step = -1;

	if (sqlite3_prepare_v2(store_db(s), "SELECT clear_flags FROM pending "
	    "WHERE id = ?1 AND op IN (5, 6, 7)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		step = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return step;
}

int64_t
pending_xfer_find(struct store *s, const char *path)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 id = 0;
	int		 rc;

	if (sqlite3_prepare_v2(store_db(s), "SELECT id FROM pending WHERE "
	    "op = 5 AND file = ?1 LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		id = -1;
	sqlite3_finalize(st);
	return id;
}

int
pending_xfer_cancel(struct store *s, const char *path)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(store_db(s), "DELETE FROM pending WHERE "
	    "op = 5 AND file = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 1 : 0;
}

/* 1 if some operation of this store names path. */
static int
pending_xfer_named(struct store *s, const char *path)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(store_db(s), "SELECT 1 FROM pending WHERE "
	    "file = ?1 LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return 1;		/* in doubt, keep it */
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc != SQLITE_DONE;
}

int
pending_xfer_sweep(struct store *s, int max_age)
{
	char		*dir, *path;
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	time_t		 now = time(NULL);
	int		 n = 0;

	dir = xasprintf("%s/%s", store_dir(s), PENDING_XFER_DIR);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    strcmp(de->d_name, "..") == 0))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    now - sb.st_mtime > max_age &&
		    !pending_xfer_named(s, path) && unlink(path) == 0)
			n++;
		free(path);
	}
	closedir(d);
	free(dir);
	return n;
}
