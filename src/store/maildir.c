/*
 * maildir.c - message files in a Maildir (cur/ new/ tmp/): the engine
 * thread writes cached messages and applies server flags; the UI thread
 * renames files when the user changes flags.  No state is shared but an
 * atomic counter, so any thread may call any function here.
 *
 * A message reaches cur/ only complete: it is written to tmp/, fsynced,
 * renamed into cur/, and cur/ itself is fsynced, so neither a crash nor
 * ENOSPC/EIO can leave a partial file where a reader would find it
 * (SECURITY.md tests 28, 30, 38).  A flag change is one rename(), and a
 * file another MUA renamed meanwhile is found again by its base name
 * (test 41).  File names are "<base>:2,<letters>"; letters tern does not
 * manage (P, Dovecot keyword letters a-z) are kept across flag changes,
 * as mutt does.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

/* With ":2,DFPRST..." or the tmp tag it stays below NAME_MAX. */
#define MAILDIR_BASE_MAX	200
/* O_EXCL may meet a stale tmp file of an earlier process with our pid. */
#define MAILDIR_TMP_TRIES	100

/* The system flags with their letters, in the ASCII order names use. */
static const struct {
	unsigned	 flag;
	char		 letter;
} maildir_letters[] = {
	{ FLAG_DRAFT, 'D' },
	{ FLAG_FLAGGED, 'F' },
	{ FLAG_ANSWERED, 'R' },
	{ FLAG_SEEN, 'S' },
	{ FLAG_DELETED, 'T' },
};
#define MAILDIR_NLETTERS (sizeof maildir_letters / sizeof maildir_letters[0])

/* Makes tmp names unique within this process (pid makes them global). */
static atomic_ulong maildir_counter;

/* fsync()s the directory dir/sub so that renames in it are durable. */
static int
sync_dir(const char *dir, const char *sub, char **errp)
{
	char	*path = xasprintf("%s/%s", dir, sub);
	int	 fd, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fsync(fd) == -1) {
		saved = errno;
		seterr(errp, "cannot sync directory %s: %s", path,
		    strerror(saved));
		if (fd != -1)
			close(fd);
		free(path);
		errno = saved;
		return -1;
	}
	close(fd);
	free(path);
	return 0;
}

int
maildir_ensure(const char *dir, char **errp)
{
	static const char	*const subs[] = { "cur", "new", "tmp" };
	struct stat		 st;
	char			*path;
	size_t			 i;
	int			 created = 0;

	if (mkdir_p(dir, 0700, errp) == -1)
		return -1;
	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		path = xasprintf("%s/%s", dir, subs[i]);
		if (mkdir(path, 0700) == 0)
			created = 1;
		else if (errno != EEXIST || stat(path, &st) == -1 ||
		    !S_ISDIR(st.st_mode)) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			seterr(errp, "cannot create directory %s: %s", path,
			    strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	/* New subdirectories must survive a crash like the files in them. */
	if (created && sync_dir(dir, ".", errp) == -1)
		return -1;
	return 0;
}

char *
maildir_suffix(unsigned flags)
{
	char	 s[3 + MAILDIR_NLETTERS + 1] = ":2,";
	size_t	 i, n = 3;

	for (i = 0; i < MAILDIR_NLETTERS; i++)
		if (flags & maildir_letters[i].flag)
			s[n++] = maildir_letters[i].letter;
	s[n] = '\0';
	return xstrdup(s);
}

/* The info part of name ("2,..." after the first ':'), or NULL. */
static const char *
maildir_info(const char *name)
{
	const char	*colon = strchr(name, ':');

	if (colon == NULL || strncmp(colon + 1, "2,", 2) != 0)
		return NULL;
	return colon + 3;
}

unsigned
maildir_flags(const char *file)
{
	const char	*name, *info;
	unsigned	 flags = 0;
	size_t		 i;

	if (file == NULL)
		return 0;
	name = strrchr(file, '/');
	name = name != NULL ? name + 1 : file;
	if ((info = maildir_info(name)) == NULL)
		return 0;
	for (; *info != '\0'; info++)
		for (i = 0; i < MAILDIR_NLETTERS; i++)
			if (*info == maildir_letters[i].letter)
				flags |= maildir_letters[i].flag;
	return flags;
}

static int
is_system_letter(char c)
{
	size_t	 i;

	for (i = 0; i < MAILDIR_NLETTERS; i++)
		if (c == maildir_letters[i].letter)
			return 1;
	return 0;
}

/*
 * The file name for base carrying flags, keeping the letters of the old
 * name's info that are not system flags (other MUAs' P and keywords).
 * Letters come out in ASCII order, each once.
 */
static char *
maildir_name(const char *base, size_t baselen, unsigned flags,
    const char *oldname)
{
	char		 have[128] = { 0 }, letters[128];
	const char	*info;
	size_t		 i, n = 0;

	for (i = 0; i < MAILDIR_NLETTERS; i++)
		if (flags & maildir_letters[i].flag)
			have[(unsigned char)maildir_letters[i].letter] = 1;
	if (oldname != NULL && (info = maildir_info(oldname)) != NULL)
		for (; *info != '\0'; info++) {
			unsigned char	 c = (unsigned char)*info;

			if (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			    && !is_system_letter((char)c))
				have[c] = 1;
		}
	for (i = 0; i < sizeof have; i++)
		if (have[i])
			letters[n++] = (char)i;
	letters[n] = '\0';
	return xasprintf("%.*s:2,%s", (int)baselen, base, letters);
}

/*
 * A base tern writes under: one file name component that no reader can
 * mistake for something else.  ':' would start the info part.
 */
static int
valid_base(const char *base)
{
	const unsigned char	*p;
	size_t			 len;

	if (base == NULL || (len = strlen(base)) == 0 ||
	    len > MAILDIR_BASE_MAX || base[0] == '.')
		return 0;
	for (p = (const unsigned char *)base; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7F || *p == '/' || *p == ':')
			return 0;
	return 1;
}

/* Writes all of data to fd, across EINTR and short writes. */
static int
write_all(int fd, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Creates dir/tmp/<base>.<pid>.<counter> holding data, fsynced.  Returns
 * its path (caller frees) or NULL with nothing left behind.
 */
static char *
write_tmp(const char *dir, const char *base, const void *data, size_t len,
    char **errp)
{
	char		*tmp = NULL;
	int		 fd = -1, tries, saved;
	const char	*what;

	for (tries = 0; tries < MAILDIR_TMP_TRIES; tries++) {
		free(tmp);
		tmp = xasprintf("%s/tmp/%s.%ld.%lu", dir, base, (long)getpid(),
		    atomic_fetch_add(&maildir_counter, 1));
		fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		seterr(errp, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	what = "write";
	if (write_all(fd, data, len) == -1)
		goto fail;
	what = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	what = "close";
	saved = close(fd);
	fd = -1;
	if (saved == -1)
		goto fail;
	return tmp;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	seterr(errp, "cannot %s %s: %s", what, tmp, strerror(saved));
	free(tmp);
	errno = saved;
	return NULL;
}

static int	set_aside(const char *, const char *);

/*
 * Existing files of base in cur/ and new/ (names relative to dir, NULL
 * terminated; caller frees).  Probing every combination of the letters
 * tern and common MUAs use (D F P R S T) costs a constant number of
 * lookups, where reading cur/ would make filling a large folder
 * quadratic.  A copy whose name also carries keyword letters is not
 * seen here; maildir_set_flags() still finds such a file by scanning.
 */
static char **
find_copies(const char *dir, const char *base)
{
	static const char	 probe[] = "DFPRST";
	static const char	*const subs[] = { "cur", "new" };
	struct stat		 st;
	char			**found = NULL, letters[sizeof probe];
	char			*rel, *path;
	size_t			 nfound = 0, s, n, i;
	unsigned		 mask;

	for (s = 0; s < 2; s++)
		for (mask = 0; mask <= 1U << (sizeof probe - 1); mask++) {
			/* The last value of mask stands for no info at all. */
			if (mask == 1U << (sizeof probe - 1))
				rel = xasprintf("%s/%s", subs[s], base);
			else {
				for (i = n = 0; i < sizeof probe - 1; i++)
					if (mask & 1U << i)
						letters[n++] = probe[i];
				letters[n] = '\0';
				rel = xasprintf("%s/%s:2,%s", subs[s], base,
				    letters);
			}
			path = xasprintf("%s/%s", dir, rel);
			if (lstat(path, &st) == -1)
				free(rel);
			else if (S_ISDIR(st.st_mode)) {
				(void)set_aside(dir, path);
				free(rel);
			} else if (S_ISREG(st.st_mode)) {
				found = xrealloc(found, (nfound + 2) *
				    sizeof *found);
				found[nfound++] = rel;
				found[nfound] = NULL;
			} else
				free(rel);
			free(path);
		}
	return found;
}

static void
free_list(char **list)
{
	size_t	 i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/*
 * A directory where a message file goes (a hostile or broken cache,
 * SECURITY.md #45) would keep that message out of the cache for good:
 * it is moved to tmp/ (never deleted) and the write goes on.
 */
static int
set_aside(const char *dir, const char *target)
{
	const char	*name = strrchr(target, '/');
	char		*to;
	int		 r;

	to = xasprintf("%s/tmp/%s.not-a-message.%ld", dir,
	    name != NULL ? name + 1 : target, (long)time(NULL));
	if ((r = rename(target, to)) == 0)
		log_msg(LOG_WARN, "%s is a directory, not a message: moved "
		    "to %s", target, to);
	else
		errno = EISDIR;
	free(to);
	return r;
}

/*
 * Order is important: the new copy is complete and durable in tmp/
 * before anything in cur/ changes.  An older copy of the same message is
 * first renamed to the new name, then the new file is renamed over it,
 * so at every instant cur/ holds exactly one copy: the old or the new.
 */
char *
maildir_write(const char *dir, const char *base, unsigned flags,
    const void *data, size_t len, char **errp)
{
	char	*suffix, *target, *tmp, *old, **copies, *moved = NULL;
	char	*result = NULL;
	size_t	 i;
	int	 saved = 0, touched_new = 0;

	if (!valid_base(base)) {
		seterr(errp, "invalid message file name \"%s\"",
		    base != NULL ? base : "(null)");
		errno = EINVAL;
		return NULL;
	}
	if ((tmp = write_tmp(dir, base, data, len, errp)) == NULL)
		return NULL;
	suffix = maildir_suffix(flags & FLAG_ALL);
	target = xasprintf("%s/cur/%s%s", dir, base, suffix);
	copies = find_copies(dir, base);

	/* Step 1: an old copy under another name takes the new name. */
	for (i = 0; copies != NULL && copies[i] != NULL && moved == NULL;
	    i++) {
		old = xasprintf("%s/%s", dir, copies[i]);
		if (strcmp(old, target) == 0) {
			free(old);
			break;		/* step 2 replaces it directly */
		}
		if (rename(old, target) == 0)
			moved = old;
		else if (errno == ENOENT)
			free(old);	/* gone meanwhile: try the next */
		else {
			saved = errno;
			seterr(errp, "cannot rename %s to %s: %s", old, target,
			    strerror(saved));
			free(old);
			goto fail;
		}
	}

	/* Step 2: the new content replaces it atomically. */
	if (rename(tmp, target) == -1 && (errno != EISDIR ||
	    set_aside(dir, target) == -1 || rename(tmp, target) == -1)) {
		saved = errno;
		seterr(errp, "cannot rename %s to %s: %s", tmp, target,
		    strerror(saved));
		if (moved != NULL)
			(void)rename(target, moved);	/* undo */
		goto fail;
	}

	/* Step 3: any further copies (there should be none) go. */
	for (i = 0; copies != NULL && copies[i] != NULL; i++) {
		old = xasprintf("%s/%s", dir, copies[i]);
		if (strcmp(old, target) != 0 &&
		    (moved == NULL || strcmp(old, moved) != 0)) {
			if (unlink(old) == -1 && errno != ENOENT)
				log_msg(LOG_WARN, "cannot remove duplicate %s: "
				    "%s", old, strerror(errno));
			if (strncmp(copies[i], "new/", 4) == 0)
				touched_new = 1;
		}
		free(old);
	}
	if (moved != NULL && strncmp(moved + strlen(dir) + 1, "new/", 4) == 0)
		touched_new = 1;

	/*
	 * Step 4: make the rename durable.  If this fails the file in cur/
	 * is still complete; the error makes the caller retry, and the
	 * retry replaces it rather than adding a copy.
	 */
	if (sync_dir(dir, "cur", errp) == -1 ||
	    (touched_new && sync_dir(dir, "new", errp) == -1)) {
		saved = errno;
		goto out;
	}
	result = xasprintf("cur/%s%s", base, suffix);
	goto out;
fail:
	unlink(tmp);
out:
	free(moved);
	free_list(copies);
	free(suffix);
	free(target);
	free(tmp);
	if (result == NULL)
		errno = saved;
	return result;
}

char *
maildir_find_base(const char *dir, const char *base, size_t baselen)
{
	static const char	*const subs[] = { "cur", "new" };
	struct dirent		*de;
	DIR			*d;
	char			*path, *found = NULL;
	size_t			 s;

	for (s = 0; s < 2 && found == NULL; s++) {
		path = xasprintf("%s/%s", dir, subs[s]);
		d = opendir(path);
		free(path);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, base, baselen) == 0 &&
			    (de->d_name[baselen] == '\0' ||
			    de->d_name[baselen] == ':')) {
				found = xasprintf("%s/%s", subs[s], de->d_name);
				break;
			}
		}
		closedir(d);
	}
	return found;
}

/* 1 if file is "cur/NAME" or "new/NAME" with NAME one plain component. */
static int
valid_file(const char *file)
{
	const char	*name;

	if (file == NULL || (strncmp(file, "cur/", 4) != 0 &&
	    strncmp(file, "new/", 4) != 0))
		return 0;
	name = file + 4;
	return *name != '\0' && *name != '.' && strchr(name, '/') == NULL;
}

char *
maildir_set_flags(const char *dir, const char *file, unsigned flags,
    char **errp)
{
	char		*cur, *next, *newname, *from, *to, *result = NULL;
	char		*err = NULL;
	const char	*name, *colon;
	struct stat	 st;
	size_t		 baselen;
	int		 tries, saved, was_new, renamed;

	name = valid_file(file) ? file + 4 : NULL;
	colon = name != NULL ? strchr(name, ':') : NULL;
	baselen = colon != NULL ? (size_t)(colon - name) :
	    name != NULL ? strlen(name) : 0;
	if (baselen == 0) {
		seterr(errp, "invalid message file name \"%s\"",
		    file != NULL ? file : "(null)");
		errno = EINVAL;
		return NULL;
	}
	cur = xstrdup(file);
	/* Another MUA may rename it between our look and our rename. */
	for (tries = 0; tries < 3; tries++) {
		newname = maildir_name(name, baselen, flags & FLAG_ALL,
		    cur + 4);
		from = xasprintf("%s/%s", dir, cur);
		to = xasprintf("%s/cur/%s", dir, newname);
		was_new = strncmp(cur, "new/", 4) == 0;
		renamed = was_new || strcmp(cur + 4, newname) != 0;
		if (renamed)
			saved = rename(from, to) == 0 ? 0 : errno;
		else	/* nothing to rename, if it is still there */
			saved = lstat(from, &st) == 0 ? 0 : errno;
		next = NULL;
		if (saved == 0) {
			/* A lost rename is found again by its base: warn. */
			if (renamed && (sync_dir(dir, "cur", &err) == -1 ||
			    (was_new && sync_dir(dir, "new", &err) == -1)))
				log_msg(LOG_WARN, "%s", err);
			free(err);
			result = xasprintf("cur/%s", newname);
		} else if (saved != ENOENT)
			seterr(errp, "cannot rename %s to %s: %s", from, to,
			    strerror(saved));
		else if ((next = maildir_find_base(dir, name, baselen)) == NULL)
			seterr(errp, "%s: %s", from, strerror(saved));
		free(from);
		free(to);
		free(newname);
		if (next == NULL)
			break;
		free(cur);
		cur = next;
	}
	if (tries == 3) {
		seterr(errp, "%s/%s: the message file keeps moving", dir, file);
		saved = ENOENT;
	}
	free(cur);
	if (result == NULL)
		errno = saved;
	return result;
}

int
maildir_clean_tmp(const char *dir, int max_age)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		*path;
	time_t		 now = time(NULL);
	int		 fd, count = 0;

	path = xasprintf("%s/tmp", dir);
	d = opendir(path);
	free(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	if (max_age < 0)
		max_age = 0;
	fd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (now - st.st_mtime <= (time_t)max_age)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0)
			count++;
		else
			log_msg(LOG_WARN, "cannot remove %s/tmp/%s: %s", dir,
			    de->d_name, strerror(errno));
	}
	closedir(d);
	return count;
}

/*
 * Renames dir/file (under cur/ or new/) to cur/<base> carrying flags
 * (other MUAs' letters kept).  Not durable until maildir_sync().
 */
char *
maildir_rename(const char *dir, const char *file, const char *base,
    unsigned flags, char **errp)
{
	char	*name, *from, *to, *rel;

	if (!valid_file(file) || !valid_base(base)) {
		seterr(errp, "invalid message file name");
		return NULL;
	}
	name = maildir_name(base, strlen(base), flags & FLAG_ALL, file + 4);
	from = xasprintf("%s/%s", dir, file);
	to = xasprintf("%s/cur/%s", dir, name);
	rel = xasprintf("cur/%s", name);
	free(name);
	if (strcmp(from, to) != 0 && rename(from, to) == -1) {
		seterr(errp, "cannot rename %s to %s: %s", from, to,
		    strerror(errno));
		free(rel);
		rel = NULL;
	}
	free(from);
	free(to);
	return rel;
}

/* Makes renames in dir's cur/ and new/ durable. */
int
maildir_sync(const char *dir, char **errp)
{
	if (sync_dir(dir, "cur", errp) == -1 ||
	    sync_dir(dir, "new", errp) == -1)
		return -1;
	return 0;
}
