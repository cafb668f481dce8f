/*
 * demo.c - `tern --demo`: a sample mailbox to try tern without an
 * account or a configuration file.  demo_setup() writes the mail of
 * demo_data.c into a private temporary Maildir, points the store there
 * too, and returns the configuration of one local account; the normal
 * local Maildir engine (src/sync/local.c) does the rest.  Main thread,
 * before any engine starts (demo_setup) and after every engine stopped
 * (demo_cleanup).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "demo.h"
#include "store.h"

#define DEMO_PREFIX	"tern-demo-"

/* An RFC 5322 date in UTC, in English whatever the locale is. */
static void
demo_date(time_t t, char *buf, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	struct tm	 tm;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%s, %d %s %d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* text with "@DATE@" replaced by date; caller frees. */
static char *
demo_text(const char *text, const char *date)
{
	const char	*at = strstr(text, "@DATE@");

	if (at == NULL)
		return xstrdup(text);
	return xasprintf("%.*s%s%s", (int)(at - text), text, date, at + 6);
}

static int
demo_write(const char *path, const char *data, time_t t, char **errp)
{
	struct timespec	 ts[2];
	size_t		 len = strlen(data), off = 0;
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		seterr(errp, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			seterr(errp, "%s: %s", path, n == 0 ? "short write" :
			    strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	/* The arrival time is the file's mtime: as old as the mail. */
	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	(void)futimens(fd, ts);
	if (close(fd) == -1) {
		seterr(errp, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes the folders and messages of demo_data.c under mail. */
static int
demo_fill(const char *mail, char **errp)
{
	const struct demo_msg	*m;
	char			*dir, *path, *text, date[64];
	time_t			 now = time(NULL), t;
	size_t			 i;
	int			 r;

	for (i = 0; demo_folders[i] != NULL; i++) {
		dir = xasprintf("%s/%s", mail, demo_folders[i]);
		r = maildir_ensure(dir, errp);
		free(dir);
		if (r == -1)
			return -1;
	}
	for (i = 0; i < demo_nmsgs; i++) {
		m = &demo_msgs[i];
		t = now - (time_t)m->age * 60;
		demo_date(t, date, sizeof date);
		text = demo_text(m->text, date);
		/* Unread mail waits in new/, as a delivery agent leaves it. */
		if (*m->flags == '\0')
			path = xasprintf("%s/%s/new/%lld.demo%02zu.tern", mail,
			    m->folder, (long long)t, i);
		else
			path = xasprintf("%s/%s/cur/%lld.demo%02zu.tern:2,%s",
			    mail, m->folder, (long long)t, i, m->flags);
		r = demo_write(path, text, t, errp);
		free(path);
		free(text);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* s quoted for a tern.conf(5) value: \" and \\ escaped. */
static char *
demo_quote(const char *s)
{
	char	*q = xmalloc(strlen(s) * 2 + 3), *o = q;

	*o++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

int
demo_setup(struct config **cfgp, char **dirp, char **errp)
{
	const char	*tmp = getenv("TMPDIR");
	char		*dir, *mail = NULL, *data = NULL, *text = NULL, *q;

	*cfgp = NULL;
	*dirp = NULL;
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	dir = xasprintf("%s/" DEMO_PREFIX "XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		seterr(errp, "cannot create a directory in %s: %s", tmp,
		    strerror(errno));
		free(dir);
		return -1;
	}
	(void)chmod(dir, 0700);
	mail = xasprintf("%s/Mail", dir);
	data = xasprintf("%s/data", dir);
	if (demo_fill(mail, errp) == -1 || mkdir_p(data, 0700, errp) == -1)
		goto fail;
	/* The store of account "demo" goes to data/tern/demo. */
	if (setenv("XDG_DATA_HOME", data, 1) == -1) {
		seterr(errp, "setenv: %s", strerror(errno));
		goto fail;
	}
	q = demo_quote(mail);
	text = xasprintf("[general]\ntheme = default\n\n"
	    "[account demo]\ntype = maildir\n"
	    "from = Demo User <demo@example.org>\npath = %s\n", q);
	free(q);
	if ((*cfgp = config_parse(text, strlen(text), "(demo)", errp)) ==
	    NULL)
		goto fail;
	free(text);
	free(mail);
	free(data);
	*dirp = dir;
	return 0;
fail:
	demo_cleanup(dir);
	free(text);
	free(mail);
	free(data);
	free(dir);
	return -1;
}

static int
demo_rm(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	/* A symlink (FTW_SL) is removed itself, never what it points to. */
	if ((type == FTW_DP || type == FTW_DNR ? rmdir(path) : unlink(path)) ==
	    -1 &&
	    errno != ENOENT)
		log_msg(LOG_WARN, "demo: cannot remove %s: %s", path,
		    strerror(errno));
	return 0;
}

void
demo_cleanup(const char *dir)
{
	const char	*base;
	struct stat	 sb;

	if (dir == NULL || dir[0] != '/')
		return;
	base = strrchr(dir, '/') + 1;
	/* Only a directory demo_setup() made: never anything else. */
	if (strncmp(base, DEMO_PREFIX, strlen(DEMO_PREFIX)) != 0 ||
	    lstat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != getuid())
		return;
	(void)nftw(dir, demo_rm, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
