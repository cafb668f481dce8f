/*
 * push.c - new mail without waiting: the account's push thread keeps
 * INBOX under IDLE on a second IMAP session of its own (with its own
 * store connection), so a long sync on the main connection never
 * delays it.  On any untagged EXISTS, EXPUNGE or FETCH it ends IDLE,
 * syncs INBOX (QRESYNC delta), posts EV_CHANGED, and reports new
 * mail (EV_NEW_MAIL and new_mail_command).  It reconnects by itself
 * with backoff; the main thread reports the account's state.
 *
 * Also here, for both engine threads: the IDLE itself (libetpan's
 * mailimap_idle hangs or crashes in 1.9.4, LIBETPAN.md 3.7), the wait
 * on a connection with nothing selected, and TCP keepalive.
 *
 * Threads: push_thread() runs in the push thread; push_idle(),
 * push_wait() and push_new_mail() in whichever engine thread owns the
 * session; push_kick() in any thread.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"
#include "store.h"

#define PUSH_KEEPALIVE		(5 * 60)	/* IDLE restarted: a dead peer
						   is noticed by its DONE */
#define PUSH_POLL		5		/* seconds, a server without IDLE */
#define PUSH_BACKOFF_MAX	60
#define PUSH_SYNC_GAP		1000	/* ms at least between INBOX syncs */
#define PUSH_RETRY_MS		300		/* a store busy with a big pass */
#define PUSH_RETRIES		20
#define PUSH_ARGV_MAX		64

/* 1 if line (CRLF included or not) ends with a literal's "{N}". */
static int
push_literal_line(const char *line)
{
	size_t	 n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	return n > 0 && line[n - 1] == '}';
}

int
push_idle(struct engine *e, struct imap_conn *c, int max,
    int (*busy)(struct engine *))
{
	mailimap			*imap = c->imap;
	struct mailimap_response	*resp = NULL;
	char				*line;
	int				 changed = 0, r;
	enum tls_wait_result		 w;

	mailstream_setup_idle(imap->imap_stream);
	if (mailimap_send_current_tag(imap) != MAILIMAP_NO_ERROR ||
	    mailstream_write(imap->imap_stream, "IDLE\r\n", 6) == -1 ||
	    mailstream_flush(imap->imap_stream) == -1)
		goto dead;
	for (;;) {
		if ((line = mailimap_read_line(imap)) == NULL)
			goto dead;
		if (line[0] == '+')
			break;
		/*
		 * Data before "+ idling", read as lines: one announcing a
		 * literal would have the IMAP guard (imap_guard.c) skip
		 * bytes that are read here as lines, and libetpan parse
		 * later what the guard never saw.  No server needs it.
		 */
		if (line[0] == '*' && !push_literal_line(line)) {
			changed = 1;
			continue;
		}
		goto dead;		/* tagged NO/BAD: no IDLE */
	}
	/* After setup_idle: a request made before it is seen here. */
	if (!changed && !busy(e)) {
		w = tls_wait(imap->imap_stream, max * 1000);
		if (w == TLS_WAIT_DATA)
			changed = 1;
		else if (w == TLS_WAIT_ERROR || w == TLS_WAIT_CANCELLED)
			goto dead;
	}
	if (mailstream_write(imap->imap_stream, "DONE\r\n", 6) == -1 ||
	    mailstream_flush(imap->imap_stream) == -1)
		goto dead;
	/* Untagged data (EXISTS, EXPUNGE, FETCH, BYE) up to the tagged OK. */
	if (mailimap_read_line(imap) == NULL)
		goto dead;
	r = mailimap_parse_response(imap, &resp);
	if (r != MAILIMAP_NO_ERROR)
		goto dead;
	if (resp->rsp_cont_req_or_resp_data_list != NULL &&
	    clist_count(resp->rsp_cont_req_or_resp_data_list) > 0)
		changed = 1;
	mailimap_response_free(resp);
	mailstream_unsetup_idle(imap->imap_stream);
	return changed;
dead:
	mailstream_unsetup_idle(imap->imap_stream);
	c->dead = 1;
	return -1;
}

int
push_wait(struct engine *e, struct imap_conn *c, int max,
    int (*busy)(struct engine *))
{
	mailimap		*imap = c->imap;
	enum tls_wait_result	 w = TLS_WAIT_TIMEOUT;

	mailstream_setup_idle(imap->imap_stream);
	if (!busy(e))
		w = tls_wait(imap->imap_stream, max * 1000);
	mailstream_unsetup_idle(imap->imap_stream);
	if (w == TLS_WAIT_ERROR || w == TLS_WAIT_CANCELLED) {
		c->dead = 1;
		return -1;
	}
	if (w == TLS_WAIT_INTERRUPTED)
		return 0;
	/* Data (a BYE, an alert) or a quiet while: is it still there? */
	if (mailimap_noop(imap) != MAILIMAP_NO_ERROR) {
		c->dead = 1;
		return -1;
	}
	return 0;
}

void
push_keepalive(struct imap_conn *c)
{
	int	fd, on = 1, idle = 60, intvl = 10, cnt = 3;

	if (c == NULL || c->imap->imap_stream == NULL)
		return;
	fd = mailstream_low_get_fd(mailstream_get_low(c->imap->imap_stream));
	if (fd < 0)
		return;
	/* Best effort: a failure leaves the IDLE refresh to notice. */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

/*
 * cmd split into words: blanks separate, '...' and "..." quote (no
 * escapes, no shell).  At most max-1 words; NULL-terminated; caller
 * frees each word and the array.
 */
static char **
push_split(const char *cmd, int max)
{
	char	**argv = xcalloc((size_t)max, sizeof *argv);
	char	 *w = xmalloc(strlen(cmd) + 1);
	int	  n = 0, inword = 0;
	size_t	  k = 0;
	char	  q = 0;

	for (;; cmd++) {
		if (*cmd == '\0' || (!q && (*cmd == ' ' || *cmd == '\t'))) {
			if (inword && n < max - 1) {
				w[k] = '\0';
				argv[n++] = xstrdup(w);
			}
			inword = 0;
			k = 0;
			if (*cmd == '\0')
				break;
			continue;
		}
		inword = 1;
		if (q && *cmd == q)
			q = 0;
		else if (!q && (*cmd == '\'' || *cmd == '"'))
			q = *cmd;
		else
			w[k++] = *cmd;
	}
	free(w);
	return argv;
}

static void
push_argv_free(char **argv)
{
	int	i;

	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/*
 * Runs cmd with the account name and the count as two more words, in
 * the background: a child forks the command and exits at once, so the
 * engine reaps it without waiting for the command (which init reaps).
 * stdin, stdout and stderr are /dev/null: the terminal is the UI's.
 */
static void
push_run_command(const struct account *a, const char *cmd, uint64_t count)
{
	char	**argv = push_split(cmd, PUSH_ARGV_MAX);
	char	  num[32];
	pid_t	  pid;
	int	  n, fd, st;

	for (n = 0; argv[n] != NULL; n++)
		;
	if (n == 0) {
		push_argv_free(argv);
		return;
	}
	snprintf(num, sizeof num, "%llu", (unsigned long long)count);
	argv[n] = xstrdup(a->name);
	argv[n + 1] = xstrdup(num);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		push_argv_free(argv);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here on. */
		sigset_t	none;

		if (fork() != 0)
			_exit(0);
		sigemptyset(&none);
		pthread_sigmask(SIG_SETMASK, &none, NULL);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setsid();
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid == -1)
		log_msg(LOG_WARN, "%s: new_mail_command: fork: %s", a->name,
		    strerror(errno));
	else
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
	close(fd);
	push_argv_free(argv);
}

void
push_new_mail(struct engine *e, struct sync_ctx *s)
{
	struct engine_event	ev;
	struct store_folder	f;

	if (s->nnew == 0)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_NEW_MAIL;
	memset(&f, 0, sizeof f);
	if (store_folder_get(s->store, "INBOX", &f) == 0) {
		ev.folder_id = f.id;
		store_folder_clear(&f);
	}
	ev.done = s->nnew;
	engine_post(e, &ev);
	log_msg(LOG_INFO, "%s: %llu new messages", e->acct->name,
	    (unsigned long long)s->nnew);
	if (e->acct->new_mail_command != NULL)
		push_run_command(e->acct, e->acct->new_mail_command, s->nnew);
	s->nnew = 0;
}

/* ---- the push thread ---- */

static int
push_stopping(struct engine *e)
{
	return e->stop;
}

/* Sleeps up to ms on the push pipe; returns early on engine_stop(). */
static void
push_sleep(struct engine *e, int ms)
{
	struct pollfd	pfd;
	char		buf[64];

	pfd.fd = e->pushpipe[0];
	pfd.events = POLLIN;
	if (!e->stop && poll(&pfd, 1, ms) > 0)
		(void)!read(e->pushpipe[0], buf, sizeof buf);
}

static void
push_set_imap(struct engine *e, struct imap_conn *c)
{
	pthread_mutex_lock(&e->imap_lock);
	e->push_imap = c;
	pthread_mutex_unlock(&e->imap_lock);
}

/* Connects and logs in with the secret the main thread settled. */
static struct imap_conn *
push_connect(struct engine *e, char **errp)
{
	struct imap_conn	*c;
	char			*secret;
	int			 r;

	if ((c = imap_connect(e->acct, errp)) == NULL)
		return NULL;
	pthread_mutex_lock(&e->lock);
	secret = xstrdup(e->secret != NULL ? e->secret : "");
	pthread_mutex_unlock(&e->lock);
	r = c->preauth ? 0 : imap_login(c, secret, errp);
	secret_free(secret);
	if (r == -1 || imap_enable_qresync(c, errp) == -1) {
		imap_close(c);
		return NULL;
	}
	push_keepalive(c);
	return c;
}

/* Syncs INBOX, retrying a store busy with the main thread's pass. */
static int
push_sync_inbox(struct engine *e, struct sync_ctx *s)
{
	char			*err = NULL;
	int			 i, r = -1;

	for (i = 0; i < PUSH_RETRIES && !e->stop; i++) {
		s->now = time(NULL);
		e->push_writing = 1;
		r = sync_folder(s, "INBOX", &err);
		e->push_writing = 0;
		if (r == 0)
			break;
		log_msg(LOG_WARN, "%s: push: INBOX: %s", e->acct->name, err);
		free(err);
		err = NULL;
		if (s->imap->dead)
			return -1;
		push_sleep(e, PUSH_RETRY_MS);
	}
	push_new_mail(e, s);
	return r;
}

/*
 * A server without IDLE: a NOOP every PUSH_POLL seconds on the
 * selected INBOX.  1 if it reported a change (EXISTS, EXPUNGE,
 * VANISHED, FETCH), 0 if not, -1 if the connection is lost.
 */
static int
push_poll(struct engine *e, struct imap_conn *c)
{
	mailimap			*imap = c->imap;
	struct mailimap_response_info	*ri;
	uint32_t			 before;

	push_sleep(e, PUSH_POLL * 1000);
	if (e->stop)
		return 0;
	if (imap->imap_selection_info == NULL)
		return 1;
	before = imap->imap_selection_info->sel_exists;
	if (mailimap_noop(imap) != MAILIMAP_NO_ERROR) {
		c->dead = 1;
		return -1;
	}
	if (imap->imap_selection_info == NULL ||
	    imap->imap_selection_info->sel_exists != before)
		return 1;
	ri = imap->imap_response_info;
	return ri != NULL && ((ri->rsp_expunged != NULL &&
	    clist_count(ri->rsp_expunged) > 0) ||
	    (ri->rsp_fetch_list != NULL && clist_count(ri->rsp_fetch_list) > 0) ||
	    (ri->rsp_extension_list != NULL &&
	    clist_count(ri->rsp_extension_list) > 0));
}

/* Waits until the main thread has put INBOX in the store: 0, or -1. */
static int
push_wait_inbox(struct engine *e, struct store *st)
{
	struct store_folder	f;

	for (;;) {
		if (e->stop)
			return -1;
		memset(&f, 0, sizeof f);
		if (store_folder_get(st, "INBOX", &f) == 0) {
			store_folder_clear(&f);
			return 0;
		}
		push_sleep(e, 200);
	}
}

static void *
push_thread(void *arg)
{
	struct engine		*e = arg;
	struct sync_ctx		 s;
	struct store		*st;
	struct imap_conn	*c;
	char			*dir, *err = NULL;
	int64_t			 last = 0, gap;
	int			 backoff = 1, idle, need, r;

	dir = config_data_dir(e->acct->name);
	st = dir != NULL ? store_open(e->acct->name, dir, 0, &err) : NULL;
	free(dir);
	if (st == NULL) {
		log_msg(LOG_ERROR, "%s: push: %s", e->acct->name,
		    err != NULL ? err : "no data directory");
		free(err);
		return NULL;
	}
	memset(&s, 0, sizeof s);
	s.acct = e->acct;
	s.store = st;
	s.engine = e;
	s.stop = &e->stop;
	s.inbox_lock = &e->inbox_lock;
	while (!e->stop && push_wait_inbox(e, st) == 0) {
		if ((c = push_connect(e, &err)) == NULL) {
			log_msg(LOG_WARN, "%s: push: %s (retry in %d s)",
			    e->acct->name, err != NULL ? err : "cannot connect",
			    backoff);
			free(err);
			err = NULL;
			push_sleep(e, backoff * 1000);
			backoff = backoff * 2 > PUSH_BACKOFF_MAX ?
			    PUSH_BACKOFF_MAX : backoff * 2;
			continue;
		}
		backoff = 1;
		push_set_imap(e, c);
		s.imap = c;
		idle = imap_has(c, "IDLE");
		log_msg(LOG_INFO, "%s: push: watching INBOX (%s)",
		    e->acct->name, idle ? "IDLE" : "polling");
		need = 1;
		while (!e->stop) {
			/*
			 * A server that reports a change at every IDLE (an
			 * EXPUNGE of nothing, say: SECURITY.md #29) gets one
			 * INBOX sync a second, not a busy loop.
			 */
			gap = PUSH_SYNC_GAP - (clock_us() - last) / 1000;
			if (need && last != 0 && gap > 0) {
				push_sleep(e, (int)gap);
				if (e->stop)
					break;
			}
			if (need)
				last = clock_us();
			if (need && push_sync_inbox(e, &s) == -1 && c->dead)
				break;
			if (idle) {
				r = push_idle(e, c, PUSH_KEEPALIVE,
				    push_stopping);
				log_msg(LOG_DEBUG, "%s: push: IDLE ended (%d)",
				    e->acct->name, r);
			} else
				r = push_poll(e, c);
			if (r == -1)
				break;
			/* After an IDLE keepalive too: a cheap QRESYNC check. */
			need = idle || r == 1;
		}
		push_set_imap(e, NULL);
		s.imap = NULL;
		if (c->dead)
			log_msg(LOG_INFO, "%s: push: connection lost",
			    e->acct->name);
		engine_imap_close(c);
		if (!e->stop)
			push_sleep(e, 1000);	/* not a tight reconnect loop */
	}
	store_close(st);
	return NULL;
}

void
push_start(struct engine *e)
{
	sigset_t	all, old;
	int		r;

	if (e->push_started || e->mode == ENGINE_ONCE)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&e->push_thread, NULL, push_thread, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		log_msg(LOG_ERROR, "%s: cannot start the push thread: %s",
		    e->acct->name, strerror(r));
		return;
	}
	e->push_started = 1;
}

void
push_kick(struct engine *e)
{
	char	c = 'w';

	(void)!write(e->pushpipe[1], &c, 1);
	pthread_mutex_lock(&e->imap_lock);
	if (e->push_imap != NULL && e->push_imap->imap->imap_stream != NULL)
		mailstream_low_interrupt_idle(mailstream_get_low(
		    e->push_imap->imap->imap_stream));
	pthread_mutex_unlock(&e->imap_lock);
}

void
push_join(struct engine *e)
{
	if (!e->push_started)
		return;
	pthread_join(e->push_thread, NULL);
	e->push_started = 0;
}
