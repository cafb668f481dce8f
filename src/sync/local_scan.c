/*
 * local_scan.c - the message files of one local Maildir folder and the
 * store rows that index them: the scan that brings the rows in line
 * with cur/ and new/, and finding the file of a UID again.  Run by the
 * engine thread of a type = maildir account (local.c).
 *
 * A file's UID is kept by its base name (the part before ":2,"), which
 * other MUAs never change, so a file renamed by a flag change keeps its
 * UID.  The map base -> UID is in memory and starts from the rows; a
 * file no row names gets the folder's next UID.  Files in new/ are
 * indexed where they are: only a user's flag change moves them to cur/.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "local_int.h"
#include "mail.h"

#define LOCAL_TXN_BATCH		2000	/* writes per store transaction */
#define LOCAL_READ_CHUNK	16384
#define LOCAL_PROGRESS		1000	/* new messages between EV_PROGRESS */

void
local_post(struct local *l, enum engine_event_type type, int64_t folder,
    const char *fmt, ...)
{
	struct engine_event	ev;
	va_list			ap;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.folder_id = folder;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	engine_post(l->e, &ev);
}

/* How far the first indexing of a large folder is. */
static void
local_progress(struct local *l, struct local_folder *f, size_t done,
    size_t total)
{
	engine_post_progress(l->e, f->id, f->name, done, total);
}

int
local_is_maildir(const char *dir)
{
	struct stat	 st;
	char		*p;
	int		 ok;

	p = xasprintf("%s/cur", dir);
	ok = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	if (!ok)
		return 0;
	p = xasprintf("%s/new", dir);
	ok = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return ok;
}

/* The base of a file name: everything before the first ':'. */
static char *
local_base(const char *name)
{
	return xstrndup(name, strcspn(name, ":"));
}

static int
local_file_cmp(const void *a, const void *b)
{
	const struct local_file	*x = a, *y = b;
	int			 c = strcmp(x->base, y->base);

	return c != 0 ? c : strcmp(x->rel, y->rel);
}

static void
local_files_free(struct local_file *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].base);
		free(v[i].rel);
	}
	free(v);
}

void
local_map_free(struct local_folder *f)
{
	local_files_free(f->map, f->nmap);
	f->map = NULL;
	f->nmap = 0;
}

/* The map entry of base (the map is sorted by base), or NULL. */
static struct local_file *
local_map_find(struct local_folder *f, const char *base)
{
	size_t	 lo = 0, hi = f->nmap, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(f->map[mid].base, base);
		if (c == 0)
			return &f->map[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
local_map_load(struct local *l, struct local_folder *f)
{
	sqlite3_stmt	*st;
	const char	*file;
	size_t		 cap = 0;
	int		 rc;

	local_map_free(f);
	if (sqlite3_prepare_v2(store_db(l->st), "SELECT uid, file FROM "
	    "messages WHERE folder_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, f->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		file = (const char *)sqlite3_column_text(st, 1);
		if (file == NULL || strlen(file) < 5)
			continue;
		if (f->nmap == cap) {
			cap = cap ? cap * 2 : 256;
			f->map = xrealloc(f->map, cap * sizeof *f->map);
		}
		f->map[f->nmap].uid = (uint32_t)sqlite3_column_int64(st, 0);
		f->map[f->nmap].rel = xstrdup(file);
		f->map[f->nmap].base = local_base(file + 4);
		f->nmap++;
	}
	sqlite3_finalize(st);
	if (f->nmap > 1)	/* f->map is NULL for an empty folder */
		qsort(f->map, f->nmap, sizeof *f->map, local_file_cmp);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The names of the message files in cur/ then new/ of dir: regular
 * files (no symlinks, no dot files), at most LOCAL_FILES_MAX.  *okp
 * (if not NULL) is 0 when cur/ or new/ could not be read, so that an
 * unreadable directory is never taken for an empty one.
 */
static struct local_file *
local_list(const char *dir, size_t *np, int *okp)
{
	static const char *const subs[] = { "cur", "new" };
	struct local_file	*v = NULL;
	struct dirent		*de;
	struct stat		 sb;
	DIR			*d;
	char			*p;
	size_t			 n = 0, cap = 0, s;

	for (s = 0; s < 2; s++) {
		p = xasprintf("%s/%s", dir, subs[s]);
		d = opendir(p);
		free(p);
		if (d == NULL) {
			if (okp != NULL)
				*okp = 0;
			continue;
		}
		while ((de = readdir(d)) != NULL && n < LOCAL_FILES_MAX) {
			if (de->d_name[0] == '.')
				continue;
			if (de->d_type != DT_REG && (de->d_type != DT_UNKNOWN ||
			    fstatat(dirfd(d), de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(sb.st_mode)))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[n].rel = xasprintf("%s/%s", subs[s], de->d_name);
			v[n].base = local_base(de->d_name);
			v[n].uid = 0;
			n++;
		}
		closedir(d);
	}
	if (n > 1)	/* v is NULL when both are empty */
		qsort(v, n, sizeof *v, local_file_cmp);
	*np = n;
	return v;
}

/* Opens dir/rel for reading if it is a regular file; -1 otherwise. */
static int
local_open(const char *dir, const char *rel, struct stat *sb)
{
	char	*p = xasprintf("%s/%s", dir, rel);
	int	 fd;

	/* O_NONBLOCK: a FIFO planted in cur/ must not hang the engine. */
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(p);
	if (fd == -1)
		return -1;
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* 1 if s[0..n) holds the empty line that ends a header. */
static int
local_has_end(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '\n' && (s[i + 1] == '\n' ||
		    (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n')))
			return 1;
	return 0;
}

/*
 * Reads from fd up to max bytes; with header set, stops after the
 * empty line that ends the header.
 */
static char *
local_read_fd(int fd, size_t max, int header, size_t *lenp)
{
	char	*buf = xmalloc(1);
	size_t	 len = 0, cap = 0, from;
	ssize_t	 r;

	while (len < max) {
		if (len == cap) {
			cap = cap ? cap * 2 : LOCAL_READ_CHUNK;
			if (cap > max)
				cap = max;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		from = len > 3 ? len - 3 : 0;
		len += (size_t)r;
		buf[len] = '\0';
		/* Only the header is needed: stop at its end. */
		if (header && local_has_end(buf + from, len - from))
			break;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

char *
local_read(const char *dir, const char *rel, size_t max, size_t *lenp,
    char **errp)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	if ((fd = local_open(dir, rel, &sb)) == -1) {
		seterr(errp, "%s/%s: %s", dir, rel, strerror(errno));
		return NULL;
	}
	if ((uint64_t)sb.st_size > max) {
		seterr(errp, "%s/%s: larger than %zu bytes", dir, rel, max);
		close(fd);
		return NULL;
	}
	buf = local_read_fd(fd, max, 0, lenp);
	close(fd);
	return buf;
}

/*
 * Indexes file d of folder f as message d->uid.  1 if a row was written,
 * 0 if not (a queued move or expunge hides it, or the file is gone),
 * -1 on a store error.
 */
static int
local_put(struct local *l, struct local_folder *f, struct local_file *d)
{
	struct header_fields	 h;
	struct store_msg	 m;
	struct stat		 sb;
	sqlite3_stmt		*st;
	char			*hdr;
	size_t			 len;
	int			 fd, r;

	if ((fd = local_open(f->dir, d->rel, &sb)) == -1)
		return 0;
	hdr = local_read_fd(fd, MAIL_HEADER_BLOCK_MAX, 1, &len);
	close(fd);
	memset(&h, 0, sizeof h);
	header_parse(hdr, len, &h);
	free(hdr);
	memset(&m, 0, sizeof m);
	m.folder_id = f->id;
	m.uid = d->uid;
	m.flags = maildir_flags(d->rel);
	m.keywords = (char *)"";
	m.internaldate = (int64_t)sb.st_mtime;
	m.size = (int64_t)sb.st_size;
	m.date = (int64_t)h.date;
	m.from = h.from;
	m.to = h.to;
	m.cc = h.cc;
	m.subject = h.subject;
	m.message_id = h.message_id;
	m.in_reply_to = h.in_reply_to;
	m.references = h.references;
	r = store_msg_put(l->st, &m);
	header_fields_free(&h);
	if (r == -1)
		return -1;
	/* The body is the file itself. */
	if (sqlite3_prepare_v2(store_db(l->st), "UPDATE messages SET "
	    "cached = 1, file = ?3 WHERE folder_id = ?1 AND uid = ?2", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, d->uid);
	sqlite3_bind_text(st, 3, d->rel, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ?
	    sqlite3_changes(store_db(l->st)) > 0 : -1;
	sqlite3_finalize(st);
	return r;
}

/* Another MUA renamed the file of uid (flags, or new/ to cur/). */
static int
local_renamed(struct local *l, struct local_folder *f, uint32_t uid,
    const char *rel)
{
	sqlite3_stmt	*st;
	int		 r;

	if (store_msg_server_flags(l->st, f->id, uid, maildir_flags(rel), "",
	    0) == -1)
		return -1;
	if (sqlite3_prepare_v2(store_db(l->st), "UPDATE messages SET file = ?3 "
	    "WHERE folder_id = ?1 AND uid = ?2", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, rel, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return r;
}

/* The rows of a folder: uid and file, by uid. */
struct local_row {
	uint32_t	 uid;
	char		*file;
	int		 used;
};

static int
local_row_cmp(const void *a, const void *b)
{
	const struct local_row	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static struct local_row *
local_rows(struct local *l, struct local_folder *f, size_t *np)
{
	sqlite3_stmt		*st;
	struct local_row	*v = NULL;
	size_t			 n = 0, cap = 0;

	*np = 0;
	if (sqlite3_prepare_v2(store_db(l->st), "SELECT uid, file FROM "
	    "messages WHERE folder_id = ?1 ORDER BY uid", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, f->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n].uid = (uint32_t)sqlite3_column_int64(st, 0);
		v[n].file = xstrdup(sqlite3_column_text(st, 1) != NULL ?
		    (const char *)sqlite3_column_text(st, 1) : "");
		v[n].used = 0;
		n++;
	}
	sqlite3_finalize(st);
	*np = n;
	return v;
}

static void
local_rows_free(struct local_row *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].file);
	free(v);
}

/* Ends a batch: commit, and begin the next one unless last. */
static int
local_batch(struct local *l, int last)
{
	if (store_commit(l->st) == -1) {
		store_rollback(l->st);
		return -1;
	}
	return last ? 0 : store_begin(l->st);
}

/* 1 if cur/ or new/ changed since the last scan; records the times. */
static int
local_changed(struct local_folder *f)
{
	struct stat	 a, b;
	char		*p;
	int		 changed;
	time_t		 now = time(NULL);

	p = xasprintf("%s/cur", f->dir);
	if (stat(p, &a) == -1)
		memset(&a, 0, sizeof a);
	free(p);
	p = xasprintf("%s/new", f->dir);
	if (stat(p, &b) == -1)
		memset(&b, 0, sizeof b);
	free(p);
	changed = a.st_mtim.tv_sec != f->mt_cur.tv_sec ||
	    a.st_mtim.tv_nsec != f->mt_cur.tv_nsec ||
	    b.st_mtim.tv_sec != f->mt_new.tv_sec ||
	    b.st_mtim.tv_nsec != f->mt_new.tv_nsec;
	f->mt_cur = a.st_mtim;
	f->mt_new = b.st_mtim;
	/*
	 * A change within the same clock tick as our read would leave the
	 * time unchanged: look again next time while the times are fresh.
	 */
	if (a.st_mtim.tv_sec >= now - 1 || b.st_mtim.tv_sec >= now - 1)
		f->dirty = 1;
	return changed;
}

int
local_scan(struct local *l, struct local_folder *f, int force)
{
	struct local_file	*disk, *old, *d;
	struct local_row	*rows, *row, key;
	size_t			 ndisk, nrows, i, writes = 0, kept = 0, put = 0;
	int			 changed = 0, r, dirty = f->dirty, ok = 1;

	f->dirty = 0;
	if (!local_changed(f) && !force && !dirty)
		return 0;
	disk = local_list(f->dir, &ndisk, &ok);
	if (!ok) {
		/* Gone or unreadable for now: the walk decides, not this. */
		local_files_free(disk, ndisk);
		f->dirty = 1;
		return 0;
	}
	/* The same base twice (in cur/ and new/): the first one counts. */
	for (i = 0; i < ndisk; i++)
		if (kept > 0 && strcmp(disk[kept - 1].base, disk[i].base) == 0) {
			free(disk[i].base);
			free(disk[i].rel);
		} else
			disk[kept++] = disk[i];
	ndisk = kept;
	rows = local_rows(l, f, &nrows);
	if (store_begin(l->st) == -1) {
		local_files_free(disk, ndisk);
		local_rows_free(rows, nrows);
		return -1;
	}
	for (i = 0; i < ndisk; i++) {
		d = &disk[i];
		if ((old = local_map_find(f, d->base)) != NULL)
			d->uid = old->uid;
		else {
			d->uid = f->uidnext++;
			if (f->uidnext == 0)
				f->uidnext = 1;
		}
		key.uid = d->uid;
		row = nrows > 0 ? bsearch(&key, rows, nrows, sizeof *rows,
		    local_row_cmp) : NULL;
		r = 0;
		if (row != NULL) {
			row->used = 1;
			if (strcmp(row->file, d->rel) != 0) {
				r = local_renamed(l, f, d->uid, d->rel);
				changed = 1;
			}
		} else {
			if ((r = local_put(l, f, d)) == 1)
				changed = 1;
			if (++put % LOCAL_PROGRESS == 0)
				local_progress(l, f, i, ndisk);
		}
		if (r == -1)
			goto fail;
		if (r != 0 || row == NULL)
			writes++;
		if (writes >= LOCAL_TXN_BATCH) {
			writes = 0;
			if (local_batch(l, 0) == -1)
				goto fail_nobegin;
		}
	}
	for (i = 0; i < nrows; i++)
		if (!rows[i].used) {
			if (store_msg_remove(l->st, f->id, rows[i].uid) == -1)
				goto fail;
			changed = 1;
		}
	if (store_folder_synced(l->st, f->id, 1, f->uidnext, 0,
	    (uint32_t)ndisk, 0) == -1 || local_batch(l, 1) == -1)
		goto fail_nobegin;
	/* The files seen are the map now (sorted by base already). */
	local_map_free(f);
	f->map = disk;
	f->nmap = ndisk;
	local_rows_free(rows, nrows);
	if (changed)
		local_post(l, EV_CHANGED, f->id, "%s", "");
	return 0;
fail:
	store_rollback(l->st);
fail_nobegin:
	local_post(l, EV_ERROR, f->id, "%s: %s", f->name, store_error(l->st));
	local_files_free(disk, ndisk);
	local_rows_free(rows, nrows);
	f->dirty = 1;
	return -1;
}

/* The file among dir's files no map entry claims with Message-ID id. */
static char *
local_by_msgid(struct local_folder *f, const char *msgid)
{
	struct header_fields	 h;
	struct local_file	*v;
	struct stat		 sb;
	char			*hdr, *found = NULL;
	size_t			 n, i, len;
	int			 fd;

	v = local_list(f->dir, &n, NULL);
	for (i = 0; i < n && found == NULL; i++) {
		if (local_map_find(f, v[i].base) != NULL)
			continue;
		if ((fd = local_open(f->dir, v[i].rel, &sb)) == -1)
			continue;
		hdr = local_read_fd(fd, MAIL_HEADER_BLOCK_MAX, 1, &len);
		close(fd);
		memset(&h, 0, sizeof h);
		header_parse(hdr, len, &h);
		if (h.message_id != NULL && strcmp(h.message_id, msgid) == 0)
			found = xstrdup(v[i].rel);
		header_fields_free(&h);
		free(hdr);
	}
	local_files_free(v, n);
	return found;
}

/* The current name of a file recorded as rel: itself, or by its base. */
static char *
local_current(struct local_folder *f, const char *rel)
{
	struct local_file	*v;
	struct stat		 sb;
	char			*p, *base, *found = NULL;
	size_t			 n, i;

	p = xasprintf("%s/%s", f->dir, rel);
	i = lstat(p, &sb) == 0 && S_ISREG(sb.st_mode);
	free(p);
	if (i)
		return xstrdup(rel);
	base = local_base(rel + 4);
	v = local_list(f->dir, &n, NULL);
	for (i = 0; i < n && found == NULL; i++)
		if (strcmp(v[i].base, base) == 0)
			found = xstrdup(v[i].rel);
	local_files_free(v, n);
	free(base);
	return found;
}

char *
local_locate(struct local *l, struct local_folder *f, uint32_t uid,
    const char *msgid)
{
	struct store_msg	 m;
	char			*rel = NULL;
	size_t			 i;

	if (store_msg_get(l->st, f->id, uid, &m) == 0 && strlen(m.file) > 4)
		rel = local_current(f, m.file);
	store_msg_clear(&m);
	for (i = 0; rel == NULL && i < f->nmap; i++)
		if (f->map[i].uid == uid)
			rel = local_current(f, f->map[i].rel);
	if (rel == NULL && msgid != NULL && *msgid != '\0')
		rel = local_by_msgid(f, msgid);
	return rel;
}
