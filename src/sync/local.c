/*
 * local.c - the engine of a type = maildir account: instead of talking
 * to a server, it indexes the user's own Maildir tree into the
 * account's store and carries out the user's pending operations on the
 * files, with the events and requests of the IMAP engine, so the UI
 * needs no special case.  Runs in the account's engine thread (called
 * from engine.c), with its own store connection.
 *
 * The tree: path itself is INBOX if it has cur/ and new/; Maildir++
 * folders ".Name" and ".Parent.Child" (delimiter '.'), and plain nested
 * directories holding cur/ and new/ (delimiter '/'), at most
 * LOCAL_FOLDERS_MAX folders and LOCAL_DEPTH_MAX levels; symbolic links
 * are never followed.  Store folders record the absolute path of their
 * directory, which tells the store the files are not its cache to
 * remove (store_folder_dir_id).
 *
 * The files are the user's mail: nothing here renames, moves, writes or
 * unlinks one except to carry out a pending operation the user queued
 * (pending.c), and each operation leaves the queue only once done.
 * Rescans happen at start, on engine_wake(), and whenever the mtime of
 * a watched directory changed (looked at every LOCAL_TICK_MS).
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "local_int.h"

#define LOCAL_TICK_MS		2000
#define LOCAL_FAILURES_MAX	3	/* attempts of one pending operation */

static atomic_ulong local_counter;	/* unique names within the process */

/* A folder the walk found. */
struct local_cand {
	char		*name;
	char		*dir;
	int		 delim;
};

struct local_walk {
	struct local		*l;
	struct local_cand	*c;
	size_t			 n;
	int			 full;		/* LOCAL_FOLDERS_MAX reached */
};

/* The role of a folder by its name (any case), as special-use says. */
static const char *
local_role(const char *name)
{
	static const struct { const char *name, *role; } roles[] = {
		{ "INBOX", "inbox" }, { "Sent", "sent" }, { "Drafts", "drafts" },
		{ "Trash", "trash" }, { "Archive", "archive" },
		{ "Junk", "junk" }, { "Spam", "junk" },
	};
	size_t	 i;

	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcasecmp(name, roles[i].name) == 0)
			return roles[i].role;
	return "";
}

static void
local_add_dir(struct local *l, const char *path)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return;
	l->dirs = xrealloc(l->dirs, (l->ndirs + 1) * sizeof *l->dirs);
	l->dirs[l->ndirs].path = xstrdup(path);
	l->dirs[l->ndirs].mt = sb.st_mtim;
	l->ndirs++;
}

static void
local_dirs_free(struct local *l)
{
	size_t	 i;

	for (i = 0; i < l->ndirs; i++)
		free(l->dirs[i].path);
	free(l->dirs);
	l->dirs = NULL;
	l->ndirs = 0;
}

static void
local_cand_add(struct local_walk *w, const char *name, const char *dir,
    int delim)
{
	size_t	 i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->c[i].name, name) == 0) {
			log_msg(LOG_WARN, "%s: %s and %s are both folder '%s'; "
			    "only the first is shown", w->l->acct->name,
			    w->c[i].dir, dir, name);
			return;
		}
	if (w->n >= LOCAL_FOLDERS_MAX) {
		w->full = 1;
		return;
	}
	w->c = xrealloc(w->c, (w->n + 1) * sizeof *w->c);
	w->c[w->n].name = xstrdup(name);
	w->c[w->n].dir = xstrdup(dir);
	w->c[w->n].delim = delim;
	w->n++;
}

/* 1 if entry name of a directory is a subdirectory (not a link). */
static int
local_subdir(const char *dir, const char *name, char **pathp)
{
	struct stat	 sb;

	*pathp = xasprintf("%s/%s", dir, name);
	if (lstat(*pathp, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 1;
	free(*pathp);
	*pathp = NULL;
	return 0;
}

static int
local_special(const char *name)
{
	return strcmp(name, "cur") == 0 || strcmp(name, "new") == 0 ||
	    strcmp(name, "tmp") == 0;
}

/* A plain directory: a folder if it has cur/ and new/; then its children. */
static void
local_walk_plain(struct local_walk *w, const char *dir, const char *name,
    int depth)
{
	struct dirent	*de;
	DIR		*d;
	char		*child, *cname;

	if (depth > LOCAL_DEPTH_MAX || w->l->ndirs >= LOCAL_DIRS_MAX ||
	    w->full)
		return;
	local_add_dir(w->l, dir);
	if (local_is_maildir(dir))
		local_cand_add(w, name, dir, '/');
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && !w->full) {
		if (de->d_name[0] == '.' || local_special(de->d_name) ||
		    !local_subdir(dir, de->d_name, &child))
			continue;
		cname = xasprintf("%s/%s", name, de->d_name);
		local_walk_plain(w, child, cname, depth + 1);
		free(cname);
		free(child);
	}
	closedir(d);
}

/* Finds the folders of the tree; -1 if path itself is unusable. */
static int
local_walk(struct local *l, struct local_walk *w, char **errp)
{
	const char	*root = l->acct->path;
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*child;

	memset(w, 0, sizeof *w);
	w->l = l;
	local_dirs_free(l);
	l->walked = time(NULL);
	/* path itself may be a link the user made; nothing below it. */
	errno = 0;
	if (stat(root, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
	    (d = opendir(root)) == NULL) {
		seterr(errp, "%s: %s", root, errno != 0 ? strerror(errno) :
		    "not a directory");
		return -1;
	}
	local_add_dir(l, root);
	if (local_is_maildir(root))
		local_cand_add(w, "INBOX", root, '.');
	while ((de = readdir(d)) != NULL && !w->full) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || local_special(de->d_name) ||
		    !local_subdir(root, de->d_name, &child))
			continue;
		if (de->d_name[0] == '.') {
			/* Maildir++: ".Parent.Child", no empty parts. */
			if (de->d_name[1] != '.' &&
			    de->d_name[strlen(de->d_name) - 1] != '.' &&
			    strstr(de->d_name, "..") == NULL) {
				local_add_dir(l, child);
				if (local_is_maildir(child))
					local_cand_add(w, de->d_name + 1, child,
					    '.');
			}
		} else
			local_walk_plain(w, child, de->d_name, 1);
		free(child);
	}
	closedir(d);
	if (w->full)
		log_msg(LOG_WARN, "%s: more than %d folders under %s; the "
		    "rest are not shown", l->acct->name, LOCAL_FOLDERS_MAX,
		    root);
	return 0;
}

static void
local_walk_free(struct local_walk *w)
{
	size_t	 i;

	for (i = 0; i < w->n; i++) {
		free(w->c[i].name);
		free(w->c[i].dir);
	}
	free(w->c);
}

static void
local_folder_free(struct local_folder *f)
{
	local_map_free(f);
	free(f->name);
	free(f->dir);
}

/* Makes the store folder of c record the absolute directory. */
static int
local_set_dir(struct local *l, int64_t id, const char *dir)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(store_db(l->st), "UPDATE folders SET path = ?2 "
	    "WHERE id = ?1 AND path <> ?2", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, dir, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return r;
}

/* The highest UID of a folder's rows (so uidnext never reuses one). */
static uint32_t
local_max_uid(struct local *l, int64_t id)
{
	sqlite3_stmt	*st;
	uint32_t	 u = 0;

	if (sqlite3_prepare_v2(store_db(l->st), "SELECT MAX(uid) FROM messages "
	    "WHERE folder_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		u = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return u;
}

/*
 * A folder the walk found for the first time in this run: into the
 * store (or found there).  1 if the store had no such folder, 0 if it
 * had, -1 on error.
 */
static int
local_folder_new(struct local *l, const struct local_cand *c,
    struct local_folder *f)
{
	struct store_folder	 sf;
	uint32_t		 max;
	int			 known;

	memset(f, 0, sizeof *f);
	known = store_folder_get(l->st, c->name, &sf) == 0 &&
	    strcmp(sf.path, c->dir) == 0;
	store_folder_clear(&sf);
	if (store_folder_put(l->st, c->name, c->delim, local_role(c->name), 1,
	    0, &f->id) == -1)
		return -1;
	if (local_set_dir(l, f->id, c->dir) == -1) {
		/* Another folder has this path but for case: leave it out. */
		log_msg(LOG_WARN, "%s: cannot index %s: %s", l->acct->name,
		    c->dir, store_error(l->st));
		(void)store_folder_forget(l->st, f->id);
		return -1;
	}
	if (store_folder_get_id(l->st, f->id, &sf) != 0)
		return -1;
	f->uidnext = sf.uidnext;
	store_folder_clear(&sf);
	max = local_max_uid(l, f->id);
	if (f->uidnext <= max)
		f->uidnext = max + 1;
	if (f->uidnext == 0)
		f->uidnext = 1;
	f->name = xstrdup(c->name);
	f->dir = xstrdup(c->dir);
	f->dirty = 1;
	if (local_map_load(l, f) == -1) {
		local_folder_free(f);
		return -1;
	}
	return !known;
}

/*
 * Brings the folder list (memory and store) in line with a walk: new
 * folders are added, vanished ones forgotten (rows only: the store
 * never removes a local folder's files).  1 if the list changed.
 */
static int
local_reconcile(struct local *l, struct local_walk *w)
{
	struct local_folder	*nf = NULL;
	struct store_folder	*sfs = NULL;
	size_t			 nn = 0, nsf = 0, i, j;
	int			 changed = 0, r;

	nf = xcalloc(w->n + 1, sizeof *nf);
	for (i = 0; i < w->n; i++) {
		for (j = 0; j < l->nf; j++)
			if (l->f[j].name != NULL &&
			    strcmp(l->f[j].name, w->c[i].name) == 0 &&
			    strcmp(l->f[j].dir, w->c[i].dir) == 0)
				break;
		if (j < l->nf) {
			nf[nn++] = l->f[j];
			memset(&l->f[j], 0, sizeof l->f[j]);
		} else if ((r = local_folder_new(l, &w->c[i], &nf[nn])) >= 0) {
			nn++;
			changed |= r;
		}
	}
	for (j = 0; j < l->nf; j++)
		if (l->f[j].name != NULL) {
			(void)store_folder_forget(l->st, l->f[j].id);
			local_folder_free(&l->f[j]);
			changed = 1;
		}
	free(l->f);
	l->f = nf;
	l->nf = nn;
	/* Folders of an earlier run that are gone now. */
	if (store_folders(l->st, &sfs, &nsf) == 0) {
		for (i = 0; i < nsf; i++) {
			for (j = 0; j < l->nf; j++)
				if (l->f[j].id == sfs[i].id)
					break;
			if (j == l->nf) {
				(void)store_folder_forget(l->st, sfs[i].id);
				changed = 1;
			}
		}
		store_folders_free(sfs, nsf);
	}
	return changed;
}

/* 1 if a watched directory changed (a folder may have come or gone). */
static int
local_tree_changed(struct local *l)
{
	struct stat	 sb;
	size_t		 i;

	for (i = 0; i < l->ndirs; i++)
		if (stat(l->dirs[i].path, &sb) == -1 ||
		    sb.st_mtim.tv_sec != l->dirs[i].mt.tv_sec ||
		    sb.st_mtim.tv_nsec != l->dirs[i].mt.tv_nsec ||
		    /* changed within the tick of the walk: look again */
		    l->dirs[i].mt.tv_sec >= l->walked - 1)
			return 1;
	return 0;
}

static struct local_folder *
local_folder_by_id(struct local *l, int64_t id)
{
	size_t	 i;

	for (i = 0; i < l->nf; i++)
		if (l->f[i].id == id)
			return &l->f[i];
	return NULL;
}

static struct local_folder *
local_folder_by_name(struct local *l, const char *name)
{
	size_t	 i;

	for (i = 0; i < l->nf; i++)
		if (strcmp(l->f[i].name, name) == 0)
			return &l->f[i];
	return NULL;
}

/* fsync() of dir/sub, so a rename in it survives a crash. */
static void
local_sync_dir(const char *dir, const char *sub)
{
	char	*p = xasprintf("%s/%s", dir, sub);
	int	 fd;

	if ((fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(p);
}

/* A new base name no other file has: time, microseconds, pid, counter. */
static char *
local_unique_base(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return xasprintf("%lld.M%06ldP%ldQ%lu.tern", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(),
	    atomic_fetch_add(&local_counter, 1));
}

/* Writes a copy of data into folder t's cur/ (tmp, fsync, rename). */
static int
local_write(struct local_folder *t, unsigned flags, const char *data,
    size_t len, char **errp)
{
	char	*base, *name;

	if (maildir_ensure(t->dir, errp) == -1)
		return -1;
	base = local_unique_base();
	name = maildir_write(t->dir, base, flags, data, len, errp);
	free(base);
	free(name);
	return name != NULL ? 0 : -1;
}

/*
 * Moves f/rel into t's cur/ under its own name (a new base if that is
 * taken), with one rename; across file systems, a copy then an unlink.
 */
static int
local_move(struct local_folder *f, const char *rel, struct local_folder *t,
    char **errp)
{
	struct stat	 sb;
	const char	*name = rel + 4, *info = strchr(rel + 4, ':');
	char		*src, *dst, *base, *data;
	size_t		 len;
	int		 r = -1;

	src = xasprintf("%s/%s", f->dir, rel);
	dst = xasprintf("%s/cur/%s%s", t->dir, name, info ? "" : ":2,");
	if (lstat(dst, &sb) == 0) {
		base = local_unique_base();
		free(dst);
		dst = xasprintf("%s/cur/%s%s", t->dir, base, info ? info :
		    ":2,");
		free(base);
	}
	if (rename(src, dst) == 0) {
		local_sync_dir(t->dir, "cur");
		local_sync_dir(f->dir, rel[0] == 'c' ? "cur" : "new");
		r = 0;
	} else if (errno == EXDEV) {
		if ((data = local_read(f->dir, rel, LOCAL_MSG_MAX, &len,
		    errp)) != NULL &&
		    local_write(t, maildir_flags(rel), data, len, errp) == 0) {
			if (unlink(src) == -1)
				log_msg(LOG_WARN, "cannot remove %s after "
				    "copying it: %s", src, strerror(errno));
			r = 0;
		}
		free(data);
	} else
		seterr(errp, "cannot move %s to %s: %s", src, dst,
		    strerror(errno));
	free(src);
	free(dst);
	return r;
}

/* Sets the row's file name after a flag change renamed it. */
static void
local_row_file(struct local *l, int64_t folder, uint32_t uid,
    const char *rel)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(store_db(l->st), "UPDATE messages SET file = ?3 "
	    "WHERE folder_id = ?1 AND uid = ?2", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, rel, -1, SQLITE_STATIC);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

/*
 * Carries out one pending operation on the files: 0 done (also when
 * there is nothing left to do), -1 failed (*errp says why).
 */
static int
local_apply(struct local *l, const struct pending *p, char **errp)
{
	struct local_folder	*f, *t = NULL;
	char			*rel = NULL, *name, *path, *data;
	size_t			 len;
	int			 r = -1;

	if ((f = local_folder_by_id(l, p->folder_id)) == NULL) {
		log_msg(LOG_WARN, "%s: a queued operation's folder is gone",
		    l->acct->name);
		return 0;
	}
	if ((p->op == PENDING_MOVE || p->op == PENDING_COPY) &&
	    (t = local_folder_by_name(l, p->target)) == NULL) {
		seterr(errp, "no folder '%s' to move or copy to", p->target);
		return -1;
	}
	if (p->op == PENDING_APPEND) {
		if ((data = local_read("/", p->file + (p->file[0] == '/'),
		    LOCAL_MSG_MAX, &len, errp)) == NULL)
			return -1;
		r = local_write(f, p->set, data, len, errp);
		free(data);
		f->dirty = 1;
		return r;
	}
	if ((rel = local_locate(l, f, p->uid, p->message_id)) == NULL) {
		log_msg(LOG_INFO, "%s: %s: message %u is gone; nothing to do",
		    l->acct->name, f->name, p->uid);
		return 0;
	}
	switch (p->op) {
	case PENDING_FLAGS:
		name = maildir_set_flags(f->dir, rel, (maildir_flags(rel) &
		    ~p->clear) | p->set, errp);
		if (name != NULL) {
			local_row_file(l, f->id, p->uid, name);
			free(name);
			r = 0;
		}
		break;
	case PENDING_MOVE:
		r = local_move(f, rel, t, errp);
		t->dirty = 1;
		break;
	case PENDING_COPY:
		if ((data = local_read(f->dir, rel, LOCAL_MSG_MAX, &len,
		    errp)) != NULL)
			r = local_write(t, maildir_flags(rel), data, len, errp);
		free(data);
		t->dirty = 1;
		break;
	case PENDING_EXPUNGE:
		path = xasprintf("%s/%s", f->dir, rel);
		if (unlink(path) == 0 || errno == ENOENT) {
			local_sync_dir(f->dir, rel[0] == 'c' ? "cur" : "new");
			r = 0;
		} else
			seterr(errp, "cannot remove %s: %s", path,
			    strerror(errno));
		free(path);
		break;
	default:
		seterr(errp, "unknown operation %d", (int)p->op);
		break;
	}
	f->dirty = 1;
	free(rel);
	return r;
}

/*
 * Applies every queued operation, oldest first.  One that keeps
 * failing is given up after LOCAL_FAILURES_MAX attempts with an error:
 * the message then shows again where it is (nothing is lost).
 */
static void
local_replay(struct local *l)
{
	struct pending	*ps = NULL;
	size_t		 n = 0, i;
	char		*err = NULL;

	if (pending_list(l->st, -1, &ps, &n) == -1) {
		local_post(l, EV_ERROR, 0, "store: %s", store_error(l->st));
		return;
	}
	for (i = 0; i < n && !engine_stopping(l->e); i++) {
		if (local_apply(l, &ps[i], &err) == 0) {
			if (pending_done(l->st, ps[i].id) == -1)
				l->ok = 0;
			continue;
		}
		l->ok = 0;
		if (ps[i].failures + 1 >= LOCAL_FAILURES_MAX) {
			local_post(l, EV_ERROR, ps[i].folder_id, "gave up: %s",
			    err != NULL ? err : "failed");
			(void)pending_done(l->st, ps[i].id);
		} else {
			local_post(l, EV_ERROR, ps[i].folder_id, "%s",
			    err != NULL ? err : "failed");
			(void)pending_failed(l->st, ps[i].id, err);
		}
		free(err);
		err = NULL;
	}
	pending_free(ps, n);
}

/* The body is the file: a request is answered at once. */
static void
local_bodies(struct local *l)
{
	struct engine_event	 ev;
	struct store_msg	 m;
	int64_t			 folder;
	uint32_t		 uid;

	while (engine_take_body(l->e, &folder, &uid)) {
		memset(&ev, 0, sizeof ev);
		ev.type = EV_BODY_READY;
		ev.folder_id = folder;
		ev.uid = uid;
		ev.ok = store_msg_get(l->st, folder, uid, &m) == 0;
		if (!ev.ok)
			snprintf(ev.text, sizeof ev.text, "no message %u in "
			    "this folder", uid);
		store_msg_clear(&m);
		engine_post(l->e, &ev);
	}
}

/* Re-reads the tree's folder list; -1 if path is unusable. */
static int
local_refresh(struct local *l, int *offline)
{
	struct local_walk	 w;
	char			*err = NULL;

	if (local_walk(l, &w, &err) == -1) {
		if (!*offline) {
			local_post(l, EV_ERROR, 0, "%s", err);
			local_post(l, EV_STATE, 0, "offline: %s", err);
		}
		*offline = 1;
		free(err);
		local_walk_free(&w);
		l->ok = 0;
		return -1;
	}
	if (*offline)
		local_post(l, EV_STATE, 0, "local");
	*offline = 0;
	if (local_reconcile(l, &w))
		local_post(l, EV_CHANGED, 0, "%s", "");
	local_walk_free(&w);
	return 0;
}

int
local_run(struct engine *e, struct store *st, const struct account *acct,
    enum engine_mode mode)
{
	struct local	 l;
	size_t		 i;
	int		 offline = 0, force = 1, walk = 1;

	memset(&l, 0, sizeof l);
	l.e = e;
	l.st = st;
	l.acct = acct;
	local_post(&l, EV_STATE, 0, "local");
	while (!engine_stopping(e)) {
		l.ok = 1;
		if ((walk || local_tree_changed(&l)) &&
		    local_refresh(&l, &offline) == -1) {
			if (mode == ENGINE_ONCE)
				break;
			engine_wait(e, LOCAL_TICK_MS);
			continue;
		}
		local_replay(&l);
		for (i = 0; i < l.nf && !engine_stopping(e); i++)
			if (local_scan(&l, &l.f[i], force) == -1)
				l.ok = 0;
		local_bodies(&l);
		if (mode == ENGINE_ONCE)
			break;
		engine_wait(e, LOCAL_TICK_MS);
		/* A wake asks for everything to be looked at again. */
		walk = force = engine_woken(e);
	}
	if (mode == ENGINE_WATCH && engine_stopping(e))
		l.ok = 1;
	for (i = 0; i < l.nf; i++)
		local_folder_free(&l.f[i]);
	free(l.f);
	local_dirs_free(&l);
	return l.ok ? 0 : -1;
}
