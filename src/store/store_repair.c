/*
 * store_repair.c - a damaged index: store_open() asks store_truncated()
 * whether the file is shorter than its own header says, and moves an
 * index SQLite cannot use aside with store_quarantine() before it
 * builds a new one (SECURITY.md #39).  Only the locking opener repairs,
 * on the thread that calls store_open() (main, before the engines).
 */
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
#include "store_int.h"

/*
 * 1 if the index file at path is shorter than its own header says (a
 * truncated copy or a torn restore): SQLite would open it and fail
 * only on the first read of a missing page, in the middle of a sync.
 */
int
store_truncated(const char *path)
{
	unsigned char	 h[100];
	struct stat	 sb;
	uint32_t	 pagesize, npages, counter, valid;
	char		*wal;
	int		 fd, r = 0;

	/*
	 * With frames in the -wal, a checkpoint cut short by a crash can
	 * leave the file shorter than its new header says, and SQLite's
	 * recovery completes it: only a file without a WAL is judged.
	 */
	wal = xasprintf("%s-wal", path);
	r = stat(wal, &sb) == 0 && sb.st_size > 0;
	free(wal);
	if (r)
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size >= (off_t)sizeof h &&
	    pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h &&
	    memcmp(h, "SQLite format 3", 16) == 0) {
		pagesize = (uint32_t)h[16] << 8 | h[17];
		if (pagesize == 1)
			pagesize = 65536;
		counter = (uint32_t)h[24] << 24 | (uint32_t)h[25] << 16 |
		    (uint32_t)h[26] << 8 | h[27];
		npages = (uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 |
		    (uint32_t)h[30] << 8 | h[31];
		valid = (uint32_t)h[92] << 24 | (uint32_t)h[93] << 16 |
		    (uint32_t)h[94] << 8 | h[95];
		if (pagesize >= 512 && (sb.st_size % pagesize != 0 ||
		    (npages > 0 && counter == valid &&
		    (uint64_t)sb.st_size < (uint64_t)npages * pagesize)))
			r = 1;
	}
	close(fd);
	return r;
}

/*
 * Moves a damaged index (and its -wal, -shm, -journal) aside to
 * <path>.corrupt-<UTC time>, never deleting it, and says so: the new
 * index is built from the server and the Maildir cache.  Queued
 * changes lived in the old one; how many is read from it if it can be.
 */
int
store_quarantine(struct store *s, const char *why, char **errp)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 stamp[32], *aside, *from, *to, *lost;
	int64_t		 npend = -1;
	size_t		 i;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	aside = xasprintf("%s.corrupt-%s", s->path, stamp);
	if (rename(s->path, aside) == -1) {
		seterr(errp, "%s: %s; cannot move it to %s: %s", s->path, why,
		    aside, strerror(errno));
		free(aside);
		return -1;
	}
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		from = xasprintf("%s%s", s->path, sfx[i]);
		to = xasprintf("%s%s", aside, sfx[i]);
		if (rename(from, to) == -1 && errno != ENOENT)
			log_msg(LOG_WARN, "store %s: cannot move %s to %s: %s",
			    s->account, from, to, strerror(errno));
		free(from);
		free(to);
	}
	/* Read only, on the moved copy: it is never written again. */
	if (sqlite3_open_v2(aside, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM pending", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		npend = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (npend == 0)
		lost = xstrdup("it held no queued changes");
	else if (npend > 0)
		lost = xasprintf("%lld changes queued offline could not be "
		    "carried over (they are in the moved file)",
		    (long long)npend);
	else
		lost = xstrdup("changes queued offline, if any, could not be "
		    "recovered");
	log_msg(LOG_ERROR, "store %s: the index %s was damaged (%s); moved it "
	    "to %s and building a new one from the server and the cached "
	    "mail; nothing is deleted on the server; %s", s->account, s->path,
	    why, aside, lost);
	free(s->notice);
	s->notice = xasprintf("the index was damaged (%s) and is rebuilt from "
	    "the server; nothing is deleted there; the old one is %s; %s", why,
	    aside, lost);
	free(lost);
	free(aside);
	return 0;
}
