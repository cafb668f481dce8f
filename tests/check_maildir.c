/*
 * check_maildir.c - unit tests for src/store/maildir.c and
 * src/store/lock.c: a message reaches cur/ whole or not at all, also
 * when the write, the tmp file or the rename fails (SECURITY.md tests
 * 28, 30, 38); flag changes are one rename that survives another MUA
 * moving the file, and old tmp files are cleaned (test 41); a second
 * process cannot take an account's lock (test 40).  Single-threaded
 * test binary; the lock tests fork.  The tests run as root, where
 * chmod stops nothing, so failures are made with files standing where
 * directories should be and with RLIMIT_FSIZE.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "check_main.h"

static char	*root;		/* a fresh directory per test */
static char	*md;		/* root/Mail/INBOX, a Maildir */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	char	*err = NULL;

	root = strdup("/tmp/tern-check-maildir-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	md = xasprintf("%s/Mail/INBOX", root);
	ck_assert_msg(maildir_ensure(md, &err) == 0, "%s", err);
}

static void
teardown(void)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(md);
	free(root);
}

/* Number of entries in md/sub (-1 if it cannot be read). */
static int
count(const char *sub)
{
	char		*path = xasprintf("%s/%s", md, sub);
	DIR		*d = opendir(path);
	struct dirent	*de;
	int		 n = 0;

	free(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The contents of md/rel, or NULL; *len gets its size. */
static char *
slurp(const char *rel, size_t *len)
{
	char		*path = xasprintf("%s/%s", md, rel), *buf;
	struct stat	 st;
	FILE		*f = fopen(path, "rb");

	free(path);
	if (f == NULL)
		return NULL;
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	buf = xmalloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

static int
exists(const char *rel)
{
	char		*path = xasprintf("%s/%s", md, rel);
	struct stat	 st;
	int		 r = lstat(path, &st) == 0;

	free(path);
	return r;
}

static int
is_file(const char *rel)
{
	char		*path = xasprintf("%s/%s", md, rel);
	struct stat	 st;
	int		 r = lstat(path, &st) == 0 && S_ISREG(st.st_mode);

	free(path);
	return r;
}

/* Creates md/rel holding text. */
static void
put(const char *rel, const char *text)
{
	char	*path = xasprintf("%s/%s", md, rel);
	FILE	*f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(path);
}

static int
mkdir2(const char *rel)
{
	char	*path = xasprintf("%s/%s", md, rel);
	int	 r = mkdir(path, 0700);

	free(path);
	return r;
}

static void
move(const char *from, const char *to)
{
	char	*a = xasprintf("%s/%s", md, from);
	char	*b = xasprintf("%s/%s", md, to);

	ck_assert_int_eq(rename(a, b), 0);
	free(a);
	free(b);
}

START_TEST(test_ensure)
{
	char		*dir = xasprintf("%s/a/b//c/", root);
	char		*p, *err = NULL;
	struct stat	 st;
	static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
	size_t		 i;

	ck_assert_int_eq(maildir_ensure(dir, &err), 0);
	ck_assert_ptr_null(err);
	for (i = 0; i < 4; i++) {
		p = xasprintf("%s/a/b/c%s", root, subs[i]);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		ck_assert_int_eq(st.st_mode & 07777, 0700);
		free(p);
	}
	/* Again: nothing to do. */
	ck_assert_int_eq(maildir_ensure(dir, &err), 0);
	free(dir);

	/* A file where a directory should be. */
	dir = xasprintf("%s/file", root);
	ck_assert_int_eq(close(open(dir, O_CREAT | O_WRONLY, 0600)), 0);
	ck_assert_int_eq(maildir_ensure(dir, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	free(err);
	err = NULL;
	p = xasprintf("%s/sub", dir);
	ck_assert_int_eq(maildir_ensure(p, &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	free(p);
	free(dir);
}
END_TEST

static const struct {
	unsigned	 flags;
	const char	*suffix;
} suffix_rows[] = {
	{ 0, ":2," },
	{ FLAG_SEEN, ":2,S" },
	{ FLAG_ANSWERED, ":2,R" },
	{ FLAG_FLAGGED, ":2,F" },
	{ FLAG_DELETED, ":2,T" },
	{ FLAG_DRAFT, ":2,D" },
	{ FLAG_SEEN | FLAG_FLAGGED, ":2,FS" },
	{ FLAG_DRAFT | FLAG_ANSWERED, ":2,DR" },
	{ FLAG_SEEN | FLAG_DELETED | FLAG_ANSWERED, ":2,RST" },
	{ FLAG_ALL, ":2,DFRST" },
	{ 0x100 | FLAG_SEEN, ":2,S" },		/* unknown bits ignored */
};

START_TEST(test_suffix)
{
	char	*s = maildir_suffix(suffix_rows[_i].flags);

	ck_assert_str_eq(s, suffix_rows[_i].suffix);
	/* And back. */
	ck_assert_uint_eq(maildir_flags(s), suffix_rows[_i].flags & FLAG_ALL);
	free(s);
}
END_TEST

static const struct {
	const char	*file;
	unsigned	 flags;
} flags_rows[] = {
	{ "cur/1:2,S", FLAG_SEEN },
	{ "cur/1:2,", 0 },
	{ "cur/1", 0 },
	{ "new/1", 0 },
	{ "1:2,DFPRSTabz", FLAG_ALL },		/* P, keywords ignored */
	{ "cur/1:2,FaS", FLAG_FLAGGED | FLAG_SEEN },
	{ "cur/1:2,s", 0 },			/* lower case is a keyword */
	{ "cur/1:1,S", 0 },			/* experimental info */
	{ "a:2,S/1", 0 },			/* a directory's suffix */
	{ "a:2,S/1:2,T", FLAG_DELETED },
	{ "", 0 },
	{ NULL, 0 },
};

START_TEST(test_flags)
{
	ck_assert_uint_eq(maildir_flags(flags_rows[_i].file),
	    flags_rows[_i].flags);
}
END_TEST

START_TEST(test_write_read)
{
	char		*rel, *err = NULL, *back, *data, *path;
	size_t		 len = 100000, i, n;
	struct stat	 st;

	data = xmalloc(len);
	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 251);	/* NULs included */
	rel = maildir_write(md, "1700000000.1_2.host,U=42", FLAG_SEEN |
	    FLAG_FLAGGED, data, len, &err);
	ck_assert_msg(rel != NULL, "%s", err);
	ck_assert_str_eq(rel, "cur/1700000000.1_2.host,U=42:2,FS");
	back = slurp(rel, &n);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(back, data, len) == 0);
	path = xasprintf("%s/%s", md, rel);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(count("tmp"), 0);
	ck_assert_int_eq(count("new"), 0);
	ck_assert_int_eq(count("cur"), 1);
	free(path);
	free(back);
	free(rel);

	/* An empty message is a message too. */
	rel = maildir_write(md, "empty", 0, "", 0, &err);
	ck_assert_str_eq(rel, "cur/empty:2,");
	back = slurp(rel, &n);
	ck_assert_uint_eq(n, 0);
	free(back);
	free(rel);
	free(data);
}
END_TEST

/* A rewrite of the same message never leaves two copies. */
START_TEST(test_write_replace)
{
	char	*rel, *err = NULL, *back;
	size_t	 n;

	rel = maildir_write(md, "m,U=1", FLAG_SEEN, "one", 3, &err);
	ck_assert_str_eq(rel, "cur/m,U=1:2,S");
	free(rel);
	/* Same name: replaced in place. */
	rel = maildir_write(md, "m,U=1", FLAG_SEEN, "two", 3, &err);
	ck_assert_str_eq(rel, "cur/m,U=1:2,S");
	ck_assert_int_eq(count("cur"), 1);
	free(rel);
	/* Other flags: the old name goes. */
	rel = maildir_write(md, "m,U=1", FLAG_FLAGGED, "three", 5, &err);
	ck_assert_str_eq(rel, "cur/m,U=1:2,F");
	ck_assert_int_eq(count("cur"), 1);
	ck_assert(!exists("cur/m,U=1:2,S"));
	back = slurp(rel, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(back, "three", 5) == 0);
	free(back);
	free(rel);
	/* Another MUA's P flag, or a copy in new/: still one copy. */
	move("cur/m,U=1:2,F", "cur/m,U=1:2,FPS");
	put("new/m,U=1", "stray");
	put("cur/m,U=10:2,S", "another message");
	rel = maildir_write(md, "m,U=1", FLAG_SEEN, "four", 4, &err);
	ck_assert_str_eq(rel, "cur/m,U=1:2,S");
	ck_assert_int_eq(count("cur"), 2);
	ck_assert_int_eq(count("new"), 0);
	ck_assert_int_eq(count("tmp"), 0);
	ck_assert(exists("cur/m,U=10:2,S"));
	free(rel);
}
END_TEST

static const char *const bad_bases[] = {
	"../x", ".x", ".", "..", "a/b", "/abs", "", "a:2,S", "a\x01",
	"a\x7f", "a\nb", NULL, "long",
};

START_TEST(test_bad_base)
{
	const char	*base = bad_bases[_i];
	char		 big[400], *err = NULL;

	if (base != NULL && strcmp(base, "long") == 0) {
		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		base = big;
	}
	ck_assert_ptr_null(maildir_write(md, base, 0, "x", 1, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(count("tmp"), 0);
	ck_assert_int_eq(count("cur"), 0);
	ck_assert_int_eq(count("new"), 0);
	ck_assert_int_eq(count("."), 3);
	free(err);
}
END_TEST

/*
 * A failed write leaves no file in cur/ or new/, nothing in tmp/, and an
 * older copy of the message untouched (SECURITY.md test 38).
 */
static void
check_failed(char *rel, char *err, const char *reason)
{
	size_t	 n;
	char	*back;

	ck_assert_ptr_null(rel);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, reason) != NULL, "error \"%s\"", err);
	ck_assert_int_le(count("tmp"), 0);	/* -1: not a directory */
	ck_assert_int_eq(count("new"), 0);
	back = slurp("cur/old:2,S", &n);
	if (back != NULL) {
		ck_assert_uint_eq(n, 3);
		ck_assert(memcmp(back, "old", 3) == 0);
		ck_assert(!is_file("cur/old:2,F"));
		free(back);
	}
}

START_TEST(test_fail_tmp_is_file)
{
	char	*tmp = xasprintf("%s/tmp", md), *err = NULL, *rel;

	put("cur/old:2,S", "old");
	ck_assert_int_eq(rmdir(tmp), 0);
	put("tmp", "");
	rel = maildir_write(md, "old", FLAG_FLAGGED, "new", 3, &err);
	check_failed(rel, err, "Not a directory");
	ck_assert_int_eq(count("cur"), 1);
	free(err);
	free(tmp);
}
END_TEST

START_TEST(test_fail_tmp_dangling)
{
	char	*tmp = xasprintf("%s/tmp", md), *err = NULL, *rel;

	ck_assert_int_eq(rmdir(tmp), 0);
	ck_assert_int_eq(symlink("/nonexistent/tern-tmp", tmp), 0);
	rel = maildir_write(md, "m", 0, "new", 3, &err);
	check_failed(rel, err, "No such file or directory");
	ck_assert_int_eq(count("cur"), 0);
	free(err);
	free(tmp);
}
END_TEST

START_TEST(test_fail_rename)
{
	char	*cur = xasprintf("%s/cur", md), *err = NULL, *rel;

	ck_assert_int_eq(rmdir(cur), 0);
	put("cur", "");
	rel = maildir_write(md, "m", FLAG_SEEN, "new", 3, &err);
	check_failed(rel, err, "Not a directory");
	/* Step 2's rename into cur/ is what failed: nothing is left. */
	ck_assert_ptr_nonnull(strstr(err, "cannot rename"));
	ck_assert_int_eq(count("tmp"), 0);
	free(err);
	free(cur);
}
END_TEST

/*
 * A directory where the message goes (a hostile or broken cache,
 * SECURITY.md #45) no longer blocks the write: it is moved to tmp/ with
 * what it holds (never deleted) and the message is written.
 */
START_TEST(test_target_dir_set_aside)
{
	char	*err = NULL, *rel, *back;
	size_t	 n;

	put("cur/old:2,S", "old");
	put("cur/other:2,S", "other");
	ck_assert_int_eq(mkdir2("cur/old:2,F"), 0);
	put("cur/old:2,F/x", "x");
	rel = maildir_write(md, "old", FLAG_FLAGGED, "new", 3, &err);
	ck_assert_msg(rel != NULL, "%s", err != NULL ? err : "");
	ck_assert_str_eq(rel, "cur/old:2,F");
	back = slurp("cur/old:2,F", &n);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(back, "new", 3) == 0);
	free(back);
	ck_assert(!is_file("cur/old:2,S"));
	ck_assert_int_eq(count("cur"), 2);
	ck_assert_int_eq(count("tmp"), 1);	/* the directory, kept */
	free(rel);
}
END_TEST

/*
 * A write that fails half-way (as ENOSPC or EIO would): RLIMIT_FSIZE
 * lets the first 4 KiB through, then write() fails with EFBIG.
 */
START_TEST(test_fail_mid_write)
{
	struct rlimit	 old, lim;
	void		(*oldsig)(int);
	char		*err = NULL, *rel, *data;
	size_t		 len = 100000;

	put("cur/old:2,S", "old");
	data = xcalloc(1, len);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rel = maildir_write(md, "old", FLAG_FLAGGED, data, len, &err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	check_failed(rel, err, strerror(EFBIG));
	ck_assert_ptr_nonnull(strstr(err, "cannot write"));
	ck_assert_int_eq(count("tmp"), 0);
	ck_assert_int_eq(count("cur"), 1);
	free(err);
	free(data);
}
END_TEST

START_TEST(test_set_flags)
{
	char	*rel, *err = NULL, *back;
	size_t	 n;

	rel = maildir_write(md, "b,U=7", FLAG_SEEN, "body", 4, &err);
	free(rel);
	rel = maildir_set_flags(md, "cur/b,U=7:2,S", FLAG_SEEN |
	    FLAG_ANSWERED, &err);
	ck_assert_msg(rel != NULL, "%s", err);
	ck_assert_str_eq(rel, "cur/b,U=7:2,RS");
	ck_assert(!exists("cur/b,U=7:2,S"));
	back = slurp(rel, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert(memcmp(back, "body", 4) == 0);
	free(back);
	free(rel);

	/* Unchanged: the same name, nothing renamed. */
	rel = maildir_set_flags(md, "cur/b,U=7:2,RS", FLAG_ANSWERED |
	    FLAG_SEEN, &err);
	ck_assert_str_eq(rel, "cur/b,U=7:2,RS");
	ck_assert_int_eq(count("cur"), 1);
	free(rel);

	/* From new/, without any info: moves to cur/ with a suffix. */
	put("new/fresh", "x");
	rel = maildir_set_flags(md, "new/fresh", FLAG_SEEN, &err);
	ck_assert_str_eq(rel, "cur/fresh:2,S");
	ck_assert_int_eq(count("new"), 0);
	free(rel);
	put("new/fresh2:2,", "x");
	rel = maildir_set_flags(md, "new/fresh2:2,", 0, &err);
	ck_assert_str_eq(rel, "cur/fresh2:2,");
	free(rel);

	/* Letters tern does not manage are kept. */
	put("cur/kw:2,PSab", "x");
	rel = maildir_set_flags(md, "cur/kw:2,PSab", FLAG_FLAGGED, &err);
	ck_assert_str_eq(rel, "cur/kw:2,FPab");
	ck_assert_uint_eq(maildir_flags(rel), FLAG_FLAGGED);
	free(rel);
	ck_assert_ptr_null(err);
}
END_TEST

/* Another MUA renamed the file meanwhile (SECURITY.md test 41). */
START_TEST(test_set_flags_moved)
{
	char	*rel, *err = NULL;

	put("cur/m:2,S", "x");
	put("cur/m2:2,S", "not this one");
	put("cur/xm:2,S", "nor this one");
	move("cur/m:2,S", "cur/m:2,RS");
	rel = maildir_set_flags(md, "cur/m:2,S", FLAG_SEEN | FLAG_FLAGGED,
	    &err);
	ck_assert_msg(rel != NULL, "%s", err);
	ck_assert_str_eq(rel, "cur/m:2,FS");
	ck_assert(!exists("cur/m:2,RS"));
	ck_assert_int_eq(count("cur"), 3);
	free(rel);

	/* ... or moved it back to new/ and dropped the info. */
	move("cur/m:2,FS", "new/m");
	rel = maildir_set_flags(md, "cur/m:2,FS", FLAG_SEEN, &err);
	ck_assert_str_eq(rel, "cur/m:2,S");
	ck_assert_int_eq(count("new"), 0);
	free(rel);

	/* ... or already set exactly these flags. */
	move("cur/m:2,S", "cur/m:2,T");
	rel = maildir_set_flags(md, "cur/m:2,S", FLAG_DELETED, &err);
	ck_assert_str_eq(rel, "cur/m:2,T");
	free(rel);
	ck_assert_int_eq(count("cur"), 3);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_set_flags_gone)
{
	char	*err = NULL;

	put("cur/m2:2,S", "a different base");
	errno = 0;
	ck_assert_ptr_null(maildir_set_flags(md, "cur/m:2,S", FLAG_SEEN,
	    &err));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	ck_assert(exists("cur/m2:2,S"));
	free(err);
}
END_TEST

static const char *const bad_files[] = {
	"../x", "cur/", "cur/.x", "cur/../x", "cur/a/b", "tmp/x", "x",
	"/etc/passwd", "cur/:2,S", "", NULL,
};

START_TEST(test_set_flags_bad)
{
	char	*err = NULL;

	errno = 0;
	ck_assert_ptr_null(maildir_set_flags(md, bad_files[_i], FLAG_SEEN,
	    &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

/* Sets the mtime of md/rel to age seconds ago. */
static void
age(const char *rel, time_t secs)
{
	char		*path = xasprintf("%s/%s", md, rel);
	struct timespec	 ts[2];

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - secs;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW),
	    0);
	free(path);
}

START_TEST(test_clean_tmp)
{
	const time_t	 h = 3600;
	char		*p;

	put("tmp/old1", "x");
	put("tmp/old2", "x");
	put("tmp/fresh", "x");
	put("tmp/recent", "x");
	put("cur/old:2,S", "x");
	p = xasprintf("%s/tmp/dir", md);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/tmp/link", md);
	ck_assert_int_eq(symlink("old1", p), 0);
	free(p);
	age("tmp/old1", 40 * h);
	age("tmp/old2", 37 * h);
	age("tmp/recent", 35 * h);
	age("tmp/dir", 40 * h);
	age("tmp/link", 40 * h);
	age("cur/old:2,S", 40 * h);

	ck_assert_int_eq(maildir_clean_tmp(md, 36 * h), 2);
	ck_assert(!exists("tmp/old1"));
	ck_assert(!exists("tmp/old2"));
	ck_assert(exists("tmp/fresh"));
	ck_assert(exists("tmp/recent"));
	ck_assert(exists("tmp/dir"));
	ck_assert(exists("tmp/link"));
	ck_assert(exists("cur/old:2,S"));
	ck_assert_int_eq(maildir_clean_tmp(md, 36 * h), 0);

	p = xasprintf("%s/none", root);
	ck_assert_int_eq(maildir_clean_tmp(p, 0), 0);
	free(p);
}
END_TEST

/* ---- lock.c ---- */

/*
 * Runs lock_acquire(dir, "work") in a child process; returns what it
 * reported: "OK" or the error message.  Caller frees.
 */
static char *
lock_in_child(const char *dir)
{
	char	 buf[256];
	int	 p[2], status, fd;
	ssize_t	 n;
	size_t	 got = 0;
	pid_t	 pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char	*err = NULL;

		close(p[0]);
		fd = lock_acquire(dir, "work", &err);
		if (fd != -1)
			(void)!write(p[1], "OK", 2);
		else
			(void)!write(p[1], err, strlen(err));
		free(err);
		lock_release(fd);
		_exit(0);
	}
	close(p[1]);
	while (got < sizeof buf - 1 &&
	    (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return xstrdup(buf);
}

START_TEST(test_lock)
{
	char		*dir = xasprintf("%s/data/work", root), *err = NULL;
	char		*msg, *want, *text, *path;
	int		 fd, fd2;
	size_t		 n;
	struct stat	 st;

	fd = lock_acquire(dir, "work", &err);
	ck_assert_msg(fd != -1, "%s", err);

	/*
	 * The pid is written as a hint for people and the message.  Read
	 * through fd: opening and closing the file again would drop this
	 * process's lock (see lock.c).
	 */
	path = xasprintf("%s/lock", dir);
	ck_assert(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	text = xcalloc(1, 64);
	n = (size_t)pread(fd, text, 63, 0);
	want = xasprintf("%ld\n", (long)getpid());
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_str_eq(text, want);
	free(want);
	free(text);

	/* Another process is refused and told who holds the lock. */
	msg = lock_in_child(dir);
	want = xasprintf("account work is in use by process %ld",
	    (long)getpid());
	ck_assert_msg(strstr(msg, want) != NULL, "child said \"%s\"", msg);
	free(want);
	free(msg);

	/* Record locks belong to the process: this one may lock again. */
	fd2 = lock_acquire(dir, "work", &err);
	ck_assert_int_ne(fd2, -1);
	close(fd2);	/* (and closing any fd of the file unlocks) */

	lock_release(fd);
	msg = lock_in_child(dir);
	ck_assert_str_eq(msg, "OK");
	free(msg);
	free(path);
	free(dir);
	ck_assert_ptr_null(err);
}
END_TEST

/* A pid left behind by a crash is no lock: the kernel dropped it. */
START_TEST(test_lock_stale)
{
	char	*dir = xasprintf("%s/work", root), *path, *err = NULL;
	FILE	*f;
	int	 fd;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	path = xasprintf("%s/lock", dir);
	f = fopen(path, "w");
	fputs("99999999\n", f);
	fclose(f);
	fd = lock_acquire(dir, "work", &err);
	ck_assert_msg(fd != -1, "%s", err);
	lock_release(fd);
	free(path);

	/* A symlink planted as the lock file is not followed. */
	path = xasprintf("%s/lock", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("/tmp/tern-elsewhere", path), 0);
	ck_assert_int_eq(lock_acquire(dir, "work", &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	free(path);
	free(dir);
	lock_release(-1);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("maildir");
	TCase	*tc = tcase_create("maildir");
	TCase	*tl = tcase_create("lock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ensure);
	tcase_add_loop_test(tc, test_suffix, 0,
	    sizeof suffix_rows / sizeof suffix_rows[0]);
	tcase_add_loop_test(tc, test_flags, 0,
	    sizeof flags_rows / sizeof flags_rows[0]);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_write_replace);
	tcase_add_loop_test(tc, test_bad_base, 0,
	    sizeof bad_bases / sizeof bad_bases[0]);
	tcase_add_test(tc, test_fail_tmp_is_file);
	tcase_add_test(tc, test_fail_tmp_dangling);
	tcase_add_test(tc, test_fail_rename);
	tcase_add_test(tc, test_target_dir_set_aside);
	tcase_add_test(tc, test_fail_mid_write);
	tcase_add_test(tc, test_set_flags);
	tcase_add_test(tc, test_set_flags_moved);
	tcase_add_test(tc, test_set_flags_gone);
	tcase_add_loop_test(tc, test_set_flags_bad, 0,
	    sizeof bad_files / sizeof bad_files[0]);
	tcase_add_test(tc, test_clean_tmp);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, test_lock);
	tcase_add_test(tl, test_lock_stale);
	suite_add_tcase(s, tl);
	return s;
}
