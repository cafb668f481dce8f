/*
 * outbox.c - the account's outbox: ready messages waiting to be
 * submitted, a Maildir under the store directory (<store>/outbox), and
 * beside it one small state file per message (<store>/outbox/state/ID)
 * saying where its submission stands and why it failed.  Run by the
 * UI thread (add, list, retry, delete), the engine thread (send.c:
 * claim, result, remove) and `tern send`; one mutex orders the state
 * changes of one process, and the account lock keeps other tern
 * processes out (except outbox_put(), which only adds a new file).
 *
 * Order is important: a message file is written tmp -> fsync -> rename
 * before its state file exists (a message without a state file is
 * queued), and every state file is replaced the same way, so a crash
 * at any point leaves the message and a state that is safe to act on.
 * The state "data" is written (and synced) before the final "." of
 * DATA: found after a crash, it means "possibly sent", never resent
 * without the user.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define OUTBOX_MSG_MAX	(64 * 1024 * 1024)

static pthread_mutex_t	outbox_mtx = PTHREAD_MUTEX_INITIALIZER;
static unsigned		outbox_seq;

static const char *const outbox_state_names[] = {
	"queued", "sending", "failed", "unsure", "sent", "data"
};

const char *
outbox_state_name(enum outbox_state s)
{
	switch (s) {
	case OUTBOX_QUEUED:
		return "queued";
	case OUTBOX_SENDING:
		return "sending";
	case OUTBOX_FAILED:
		return "failed";
	case OUTBOX_UNSURE:
		return "possibly sent";
	case OUTBOX_SENT:
		return "sent";
	}
	return "?";
}

char *
outbox_dir(const char *storedir)
{
	return xasprintf("%s/outbox", storedir);
}

static int
outbox_ensure(const char *storedir, char **errp)
{
	char	*dir = outbox_dir(storedir), *sd;
	int	 r;

	r = maildir_ensure(dir, errp);
	if (r == 0) {
		sd = xasprintf("%s/state", dir);
		if (mkdir(sd, 0700) == -1 && errno != EEXIST) {
			seterr(errp, "cannot create %s: %s", sd,
			    strerror(errno));
			r = -1;
		}
		free(sd);
	}
	free(dir);
	return r;
}

/* A fresh unique name: time, pid, sequence and random bits. */
static char *
outbox_new_id(void)
{
	struct timespec	ts;
	unsigned	seq;
	unsigned	rnd = 0;
	int		fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&outbox_mtx);
	seq = ++outbox_seq;
	pthread_mutex_unlock(&outbox_mtx);
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		(void)!read(fd, &rnd, sizeof rnd);
		close(fd);
	}
	return xasprintf("%lld.%06ld.P%ldQ%u.%08x", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (long)getpid(), seq, rnd);
}

/* ---- state files ---- */

static char *
outbox_state_path(const char *storedir, const char *id)
{
	return xasprintf("%s/outbox/state/%s", storedir, id);
}

/* The message file of id (absolute), or NULL if it is gone. */
char *
outbox_file(const char *storedir, const char *id)
{
	char		*dir = xasprintf("%s/outbox/cur", storedir), *p = NULL;
	DIR		*d;
	struct dirent	*de;
	size_t		 n = strlen(id);

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, id, n) == 0 &&
			    (de->d_name[n] == '\0' || de->d_name[n] == ':')) {
				p = xasprintf("%s/%s", dir, de->d_name);
				break;
			}
		closedir(d);
	}
	free(dir);
	return p;
}

struct outbox_st {
	int	 state;		/* index into outbox_state_names */
	int	 attempts;
	int	 saves;		/* APPENDs to Sent tried */
	int64_t	 queued;
	int64_t	 next;
	char	 reason[512];
	char	*rcpt;		/* owned: the envelope's recipients, comma-
				   separated; NULL: from the header */
};

static void
outbox_st_read(const char *storedir, const char *id, struct outbox_st *s)
{
	char	*path = outbox_state_path(storedir, id), *line = NULL;
	FILE	*fp;
	size_t	 i, n, cap = 0;

	memset(s, 0, sizeof *s);
	if ((fp = fopen(path, "r")) == NULL) {
		free(path);
		return;		/* no state yet: queued */
	}
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "state ", 6) == 0) {
			for (i = 0; i < sizeof outbox_state_names /
			    sizeof *outbox_state_names; i++)
				if (strcmp(line + 6, outbox_state_names[i]) == 0)
					s->state = (int)i;
		} else if (strncmp(line, "attempts ", 9) == 0)
			s->attempts = atoi(line + 9);
		else if (strncmp(line, "saves ", 6) == 0)
			s->saves = atoi(line + 6);
		else if (strncmp(line, "queued ", 7) == 0)
			s->queued = strtoll(line + 7, NULL, 10);
		else if (strncmp(line, "next ", 5) == 0)
			s->next = strtoll(line + 5, NULL, 10);
		else if (strncmp(line, "reason ", 7) == 0) {
			n = strlen(line + 7);
			if (n >= sizeof s->reason)
				n = sizeof s->reason - 1;
			memcpy(s->reason, line + 7, n);
			s->reason[n] = '\0';
		} else if (strncmp(line, "rcpt ", 5) == 0) {
			free(s->rcpt);
			s->rcpt = xstrdup(line + 5);
		}
	}
	free(line);
	fclose(fp);
	free(path);
}

/* Replaces the state file: tmp -> fsync -> rename -> fsync dir. */
static int
outbox_st_write(const char *storedir, const char *id,
    const struct outbox_st *s, char **errp)
{
	char	*path = outbox_state_path(storedir, id), *tmp, *dir;
	char	*text, reason[512];
	size_t	 i, len;
	int	 fd, r = -1;

	snprintf(reason, sizeof reason, "%s", s->reason);
	for (i = 0; reason[i] != '\0'; i++)
		if (reason[i] == '\r' || reason[i] == '\n')
			reason[i] = ' ';
	text = xasprintf("state %s\nattempts %d\nsaves %d\nqueued %lld\n"
	    "next %lld\nreason %s\n%s%s%s", outbox_state_names[s->state],
	    s->attempts, s->saves, (long long)s->queued, (long long)s->next,
	    reason, s->rcpt != NULL ? "rcpt " : "",
	    s->rcpt != NULL ? s->rcpt : "", s->rcpt != NULL ? "\n" : "");
	len = strlen(text);
	tmp = xasprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) == -1) {
		seterr(errp, "cannot write %s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		seterr(errp, "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	dir = xasprintf("%s/outbox/state", storedir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
	r = 0;
out:
	free(text);
	free(tmp);
	free(path);
	return r;
}

/* ---- adding ---- */

char *
outbox_put(const char *storedir, const char *msg, size_t len, char **errp)
{
	return outbox_put_rcpts(storedir, msg, len, NULL, 0, errp);
}

char *
outbox_put_rcpts(const char *storedir, const char *msg, size_t len,
    char *const *rcpts, size_t nrcpts, char **errp)
{
	struct outbox_st	 s;
	char			*id, *data, *dir, *file, *t, *sp;
	size_t			 i;

	if (len > OUTBOX_MSG_MAX) {
		seterr(errp, "the message is larger than %d MiB",
		    OUTBOX_MSG_MAX / 1024 / 1024);
		return NULL;
	}
	if (outbox_ensure(storedir, errp) == -1)
		return NULL;
	id = outbox_new_id();
	if ((data = outbox_prepare(msg, len, id, errp)) == NULL) {
		free(id);
		return NULL;
	}
	memset(&s, 0, sizeof s);
	s.queued = time(NULL);
	for (i = 0; i < nrcpts; i++) {
		if (strpbrk(rcpts[i], "\r\n,") != NULL) {
			seterr(errp, "unusable recipient address \"%s\"",
			    rcpts[i]);
			goto fail;
		}
		t = xasprintf("%s%s%s", s.rcpt ? s.rcpt : "", s.rcpt ? "," : "",
		    rcpts[i]);
		free(s.rcpt);
		s.rcpt = t;
	}
	/*
	 * Order is important: the state first, then the message, so that
	 * an engine listing the outbox meanwhile never sees the message
	 * without its recipients (a state file alone is ignored).
	 */
	if (outbox_st_write(storedir, id, &s, errp) == -1)
		goto fail;
	dir = outbox_dir(storedir);
	file = maildir_write(dir, id, 0, data, strlen(data), errp);
	free(dir);
	if (file == NULL) {
		sp = outbox_state_path(storedir, id);
		(void)unlink(sp);
		free(sp);
		goto fail;
	}
	free(file);
	free(data);
	free(s.rcpt);
	return id;
fail:
	free(data);
	free(s.rcpt);
	free(id);
	return NULL;
}

int
outbox_add(struct store *st, const char *msg, size_t len, char **errp)
{
	char	*id = outbox_put(store_dir(st), msg, len, errp);

	if (id == NULL)
		return -1;
	free(id);
	return 0;
}

/* ---- listing ---- */

static void
outbox_fill(const char *storedir, const char *id, const char *path,
    struct outbox_entry *e)
{
	struct outbox_st	 s;
	char			 buf[65536], *to, *cc, *bcc;
	FILE			*fp;
	size_t			 n = 0;

	memset(e, 0, sizeof *e);
	e->id = xstrdup(id);
	e->path = xstrdup(path);
	if ((fp = fopen(path, "rb")) != NULL) {
		n = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	e->subject = outbox_header(buf, n, "Subject");
	if (e->subject == NULL)
		e->subject = xstrdup("");
	to = outbox_header(buf, n, "To");
	cc = outbox_header(buf, n, "Cc");
	bcc = outbox_header(buf, n, "Bcc");
	e->recipients = xasprintf("%s%s%s%s%s", to ? to : "",
	    to && (cc || bcc) ? ", " : "", cc ? cc : "",
	    cc && bcc ? ", " : "", bcc ? bcc : "");
	free(to);
	free(cc);
	free(bcc);
	outbox_st_read(storedir, id, &s);
	switch (s.state) {
	case 1:
	case 5:
		e->state = OUTBOX_SENDING;
		break;
	case 2:
		e->state = OUTBOX_FAILED;
		break;
	case 3:
		e->state = OUTBOX_UNSURE;
		break;
	case 4:
		e->state = OUTBOX_SENT;
		break;
	default:
		e->state = OUTBOX_QUEUED;
	}
	e->reason = xstrdup(s.reason);
	e->envelope = s.rcpt;
	e->attempts = s.attempts;
	e->saves = s.saves;
	e->queued = s.queued;
	e->next_try = s.next;
}

static int
outbox_cmp(const void *a, const void *b)
{
	const struct outbox_entry *x = a, *y = b;

	if (x->queued != y->queued)
		return x->queued < y->queued ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
outbox_list_dir(const char *storedir, struct outbox_entry **ep, size_t *np,
    char **errp)
{
	char			*dir = xasprintf("%s/outbox/cur", storedir);
	char			*id, *path;
	DIR			*d;
	struct dirent		*de;
	struct outbox_entry	*e = NULL;
	size_t			 n = 0;

	*ep = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT) {
			free(dir);
			return 0;
		}
		seterr(errp, "cannot read %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	pthread_mutex_lock(&outbox_mtx);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		id = xstrndup(de->d_name, strcspn(de->d_name, ":"));
		path = xasprintf("%s/%s", dir, de->d_name);
		e = xrealloc(e, (n + 1) * sizeof *e);
		outbox_fill(storedir, id, path, &e[n++]);
		free(id);
		free(path);
	}
	pthread_mutex_unlock(&outbox_mtx);
	closedir(d);
	free(dir);
	if (n > 1)
		qsort(e, n, sizeof *e, outbox_cmp);
	*ep = e;
	*np = n;
	return 0;
}

int
outbox_list(struct store *st, struct outbox_entry **ep, size_t *np,
    char **errp)
{
	return outbox_list_dir(store_dir(st), ep, np, errp);
}

void
outbox_free(struct outbox_entry *e, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(e[i].id);
		free(e[i].path);
		free(e[i].subject);
		free(e[i].recipients);
		free(e[i].reason);
		free(e[i].envelope);
	}
	free(e);
}

/* ---- user actions ---- */

int
outbox_retry_dir(const char *storedir, const char *id, char **errp)
{
	struct outbox_st	 s = { 0 };
	char			*file;
	int			 r = -1;

	pthread_mutex_lock(&outbox_mtx);
	if ((file = outbox_file(storedir, id)) == NULL) {
		seterr(errp, "no message %s in the outbox", id);
		goto out;
	}
	outbox_st_read(storedir, id, &s);
	if (s.state == 1 || s.state == 5) {
		seterr(errp, "the message is being sent now");
		goto out;
	}
	if (s.state == 4) {
		r = 0;		/* submitted: only its copy to Sent waits */
		goto out;
	}
	s.state = 0;
	s.next = 0;
	s.reason[0] = '\0';
	r = outbox_st_write(storedir, id, &s, errp);
out:
	free(s.rcpt);
	pthread_mutex_unlock(&outbox_mtx);
	free(file);
	return r;
}

int
outbox_retry(struct store *st, const char *id, char **errp)
{
	return outbox_retry_dir(store_dir(st), id, errp);
}

int
outbox_delete_dir(const char *storedir, const char *id, char **errp)
{
	struct outbox_st	 s = { 0 };
	char			*file, *sp;
	int			 r = -1;

	pthread_mutex_lock(&outbox_mtx);
	if ((file = outbox_file(storedir, id)) == NULL) {
		seterr(errp, "no message %s in the outbox", id);
		goto out;
	}
	outbox_st_read(storedir, id, &s);
	if (s.state == 1 || s.state == 5) {
		seterr(errp, "the message is being sent now");
		goto out;
	}
	if (unlink(file) == -1) {
		seterr(errp, "cannot remove %s: %s", file, strerror(errno));
		goto out;
	}
	sp = outbox_state_path(storedir, id);
	(void)unlink(sp);
	free(sp);
	r = 0;
out:
	free(s.rcpt);
	pthread_mutex_unlock(&outbox_mtx);
	free(file);
	return r;
}

int
outbox_delete(struct store *st, const char *id, char **errp)
{
	return outbox_delete_dir(store_dir(st), id, errp);
}

/* ---- the engine's side (send.c) ---- */

int
outbox_claim(const char *storedir, const char *id, int force, int64_t now)
{
	struct outbox_st	s = { 0 };
	int			r = 0;
	char			*file;

	pthread_mutex_lock(&outbox_mtx);
	if ((file = outbox_file(storedir, id)) == NULL)
		goto out;
	outbox_st_read(storedir, id, &s);
	if (s.state != 0 || (!force && s.next > now))
		goto out;
	s.state = 1;
	s.attempts++;
	if (outbox_st_write(storedir, id, &s, NULL) == 0)
		r = 1;
out:
	free(s.rcpt);
	pthread_mutex_unlock(&outbox_mtx);
	free(file);
	return r;
}

int
outbox_result(const char *storedir, const char *id, enum outbox_result res,
    const char *reason, int64_t next, char **errp)
{
	struct outbox_st	s;
	int			r;

	pthread_mutex_lock(&outbox_mtx);
	outbox_st_read(storedir, id, &s);
	switch (res) {
	case OUTBOX_R_DATA:
		s.state = 5;
		break;
	case OUTBOX_R_TEMP:
		s.state = 0;
		s.next = next;
		break;
	case OUTBOX_R_PERM:
		s.state = 2;
		break;
	case OUTBOX_R_UNSURE:
		s.state = 3;
		break;
	case OUTBOX_R_SENT:
		s.state = 4;
		s.next = 0;
		break;
	case OUTBOX_R_SAVING:
		s.saves++;
		break;
	case OUTBOX_R_UNCLAIM:
		s.state = 0;
		if (s.attempts > 0)
			s.attempts--;
		break;
	}
	if (reason != NULL)
		snprintf(s.reason, sizeof s.reason, "%s", reason);
	r = outbox_st_write(storedir, id, &s, errp);
	free(s.rcpt);
	pthread_mutex_unlock(&outbox_mtx);
	return r;
}

int
outbox_remove(const char *storedir, const char *id, char **errp)
{
	char	*file, *sp, *dir;
	int	 r = 0, fd;

	pthread_mutex_lock(&outbox_mtx);
	if ((file = outbox_file(storedir, id)) != NULL &&
	    unlink(file) == -1 && errno != ENOENT) {
		seterr(errp, "cannot remove %s: %s", file, strerror(errno));
		r = -1;
	}
	if (r == 0) {
		dir = xasprintf("%s/outbox/cur", storedir);
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
			(void)fsync(fd);
			close(fd);
		}
		free(dir);
		sp = outbox_state_path(storedir, id);
		(void)unlink(sp);
		free(sp);
	}
	pthread_mutex_unlock(&outbox_mtx);
	free(file);
	return r;
}

int
outbox_recover(const char *storedir)
{
	struct outbox_entry	*e;
	struct outbox_st	 s;
	size_t			 n, i;
	int			 fixed = 0;

	if (outbox_list_dir(storedir, &e, &n, NULL) == -1)
		return -1;
	pthread_mutex_lock(&outbox_mtx);
	for (i = 0; i < n; i++) {
		outbox_st_read(storedir, e[i].id, &s);
		if (s.state != 1 && s.state != 5)
			free(s.rcpt);
		if (s.state == 1) {
			/* Stopped before the final ".": not sent. */
			s.state = 0;
		} else if (s.state == 5) {
			s.state = 3;
			snprintf(s.reason, sizeof s.reason, "tern stopped "
			    "after the end of the message was sent, before "
			    "the server's answer");
		} else
			continue;
		if (outbox_st_write(storedir, e[i].id, &s, NULL) == 0)
			fixed++;
		free(s.rcpt);
	}
	pthread_mutex_unlock(&outbox_mtx);
	outbox_free(e, n);
	return fixed;
}

int
outbox_read(const char *path, char **datap, size_t *lenp, char **errp)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	long	 n;

	*datap = NULL;
	if (fp == NULL || fseek(fp, 0, SEEK_END) == -1 ||
	    (n = ftell(fp)) < 0 || n > OUTBOX_MSG_MAX ||
	    fseek(fp, 0, SEEK_SET) == -1) {
		seterr(errp, "cannot read %s: %s", path, fp == NULL ?
		    strerror(errno) : "too large");
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		seterr(errp, "cannot read %s", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	buf[n] = '\0';
	*datap = buf;
	*lenp = (size_t)n;
	return 0;
}
