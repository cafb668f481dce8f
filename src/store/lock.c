/*
 * lock.c - one tern process per account store (SECURITY.md test 40).
 * Called by the main thread at startup, before any engine thread runs,
 * and at exit.
 *
 * The lock is a POSIX record lock (fcntl F_SETLK) on <dir>/lock: the
 * kernel drops it when the process dies, so a crash or kill -9 never
 * leaves a stale lock behind, and the pid written into the file is only
 * a hint for the message.  Record locks belong to the process, not to
 * the descriptor: a second lock_acquire() in the same process succeeds
 * (it just takes the lock again), and closing *any* descriptor of the
 * lock file in this process releases it.  Each process therefore calls
 * lock_acquire() once per account and keeps the descriptor until exit.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

/* The holder may let go between our F_SETLK and F_GETLK. */
#define LOCK_TRIES	3

/* The pid the holder wrote into the lock file, or 0 if unreadable. */
static long
lock_file_pid(int fd)
{
	char	 buf[32];
	ssize_t	 n;
	long	 pid = 0;
	int	 i;

	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (i = 0; buf[i] >= '0' && buf[i] <= '9' && pid < 100000000; i++)
		pid = pid * 10 + (buf[i] - '0');
	return pid;
}

int
lock_acquire(const char *dir, const char *account, char **errp)
{
	struct flock	 fl;
	struct stat	 st;
	char		*path, pidbuf[32];
	int		 fd, tries, n;
	long		 holder;

	if (account == NULL)
		account = "?";
	if (dir == NULL || *dir == '\0') {
		seterr(errp, "no store directory for account %s", account);
		return -1;
	}
	if (mkdir_p(dir, 0700, errp) == -1)
		return -1;
	path = xasprintf("%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		seterr(errp, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		seterr(errp, "%s is not a regular file", path);
		goto fail;
	}
	for (tries = 0; tries < LOCK_TRIES; tries++) {
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;	/* start 0, len 0: all of it */
		if (fcntl(fd, F_SETLK, &fl) == 0)
			break;
		if (errno != EACCES && errno != EAGAIN) {
			seterr(errp, "cannot lock %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		/* The kernel knows the holder; the file is only a hint. */
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_GETLK, &fl) == -1) {
			fl.l_type = F_WRLCK;
			fl.l_pid = 0;
		}
		if (fl.l_type == F_UNLCK)
			continue;	/* released meanwhile: try again */
		holder = fl.l_pid > 0 ? (long)fl.l_pid : lock_file_pid(fd);
		if (holder > 0)
			seterr(errp, "account %s is in use by process %ld",
			    account, holder);
		else
			seterr(errp, "account %s is in use by another process",
			    account);
		goto fail;
	}
	if (tries == LOCK_TRIES) {
		seterr(errp, "cannot lock %s: the lock keeps changing hands",
		    path);
		goto fail;
	}
	n = snprintf(pidbuf, sizeof pidbuf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pidbuf, (size_t)n, 0) != n)
		log_msg(LOG_WARN, "cannot write pid to %s: %s", path,
		    strerror(errno));
	free(path);
	return fd;
fail:
	close(fd);
	free(path);
	return -1;
}

void
lock_release(int fd)
{
	if (fd < 0)
		return;
	/* Clear the hint while still holding the lock; close releases it. */
	(void)!ftruncate(fd, 0);
	close(fd);
}
