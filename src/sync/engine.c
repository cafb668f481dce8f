/*
 * engine.c - the account engine: a thread that owns the account's IMAP
 * session and its own store connection, runs sync passes, IDLEs on
 * INBOX in watch mode, reconnects with backoff, and reports everything
 * as events through a queue whose pipe the main thread polls.  Signals
 * are blocked in the thread; only engine_stop()/engine_wake() and the
 * event queue cross threads.  A type = maildir account runs the local
 * driver (local.c) in the same thread instead, through the small
 * driver interface at the end of this file.
 *
 * The engine never prompts: a question (a password it was not given,
 * an untrusted certificate) is an EV_ASK event that the UI answers
 * with engine_answer() from its own thread, while the engine waits in
 * its poll loop.  A dismissed question leaves the account offline
 * until engine_wake(): asking again is always the user's doing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "store.h"
#include "sync.h"

#define ENGINE_IDLE_MAX		(25 * 60)	/* re-IDLE before 29 minutes */
#define ENGINE_RESYNC		300		/* seconds between full passes */
#define ENGINE_BACKOFF_MAX	300

struct event_node {
	struct engine_event	 ev;
	struct event_node	*next;
};

struct body_req {
	int64_t		 folder_id;
	uint32_t	 uid;
	struct body_req	*next;
};

struct engine {
	const struct account	*acct;		/* borrowed */
	char			*secret;	/* NULL: ask for it (engine thread) */
	enum engine_mode	 mode;		/* ENGINE_ONCE or ENGINE_WATCH */
	int			 interactive;	/* ENGINE_INTERACTIVE: may ask */
	int			 pw_askable;	/* a missing or refused password
						   is asked for */
	uint32_t		 ask_id;	/* the open question; 0: none */
	uint32_t		 ask_last;	/* the last id given out */
	int			 ask_answered;	/* guarded by lock, as are */
	char			*ask_answer;	/* ask_id and this (NULL: dismissed) */
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	struct event_node	*head, *tail;
	struct body_req		*bodies;	/* guarded by lock */
	int			 evpipe[2];	/* engine -> main */
	int			 wakepipe[2];	/* main -> engine */
	volatile int		 stop;
	volatile int		 wake;
	int			 ok;		/* the last pass succeeded */
	struct imap_conn	*imap;		/* engine thread only */
	pthread_mutex_t		 imap_lock;	/* guards the pointer for stop */
};

void
engine_post(struct engine *e, const struct engine_event *ev)
{
	struct event_node	*n = xcalloc(1, sizeof *n);
	char			 c = 'e';

	n->ev = *ev;
	pthread_mutex_lock(&e->lock);
	if (e->tail != NULL)
		e->tail->next = n;
	else
		e->head = n;
	e->tail = n;
	pthread_mutex_unlock(&e->lock);
	(void)!write(e->evpipe[1], &c, 1);
}

static void
post_text(struct engine *e, enum engine_event_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
post_text(struct engine *e, enum engine_event_type type, const char *fmt, ...)
{
	struct engine_event	ev;
	va_list			ap;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	engine_post(e, &ev);
}

int
engine_event_fd(struct engine *e)
{
	return e->evpipe[0];
}

int
engine_next_event(struct engine *e, struct engine_event *ev)
{
	struct event_node	*n;
	char			 buf[64];

	(void)!read(e->evpipe[0], buf, sizeof buf);
	pthread_mutex_lock(&e->lock);
	n = e->head;
	if (n != NULL) {
		e->head = n->next;
		if (e->head == NULL)
			e->tail = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	if (n == NULL)
		return 0;
	*ev = n->ev;
	free(n);
	return 1;
}

/* Wakes the engine's waits: its own pipe and a running IDLE. */
static void
engine_kick(struct engine *e)
{
	char	c = 'w';

	(void)!write(e->wakepipe[1], &c, 1);
	pthread_mutex_lock(&e->imap_lock);
	if (e->imap != NULL && e->imap->imap->imap_stream != NULL)
		mailstream_low_interrupt_idle(mailstream_get_low(
		    e->imap->imap->imap_stream));
	pthread_mutex_unlock(&e->imap_lock);
}

void
engine_stop(struct engine *e)
{
	e->stop = 1;
	engine_kick(e);
}

void
engine_wake(struct engine *e)
{
	e->wake = 1;
	engine_kick(e);
}

void
engine_answer(struct engine *e, uint32_t id, const char *answer)
{
	pthread_mutex_lock(&e->lock);
	if (id != 0 && id == e->ask_id && !e->ask_answered) {
		e->ask_answer = answer != NULL ? xstrdup(answer) : NULL;
		e->ask_answered = 1;
	}
	pthread_mutex_unlock(&e->lock);
	engine_kick(e);
}

/*
 * Posts a question and waits for its answer (engine thread).  Nothing
 * else is served meanwhile: body requests and wakes wait.  1 with
 * *answerp (owned, secret_free() it; NULL: dismissed), 0 on a stop.
 */
static int
engine_ask(struct engine *e, enum engine_ask kind, const char *text,
    char **answerp)
{
	struct engine_event	ev;
	struct pollfd		pfd;
	char			buf[64];
	int			answered;

	*answerp = NULL;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_ASK;
	ev.ok = kind;
	snprintf(ev.text, sizeof ev.text, "%s", text);
	pthread_mutex_lock(&e->lock);
	if (++e->ask_last == 0)
		e->ask_last = 1;
	ev.uid = e->ask_id = e->ask_last;
	e->ask_answered = 0;
	e->ask_answer = NULL;
	pthread_mutex_unlock(&e->lock);
	post_text(e, EV_STATE, "waiting for an answer");
	engine_post(e, &ev);

	pfd.fd = e->wakepipe[0];
	pfd.events = POLLIN;
	for (;;) {
		pthread_mutex_lock(&e->lock);
		if ((answered = e->ask_answered)) {
			*answerp = e->ask_answer;
			e->ask_answer = NULL;
		}
		if (answered || e->stop)
			e->ask_id = 0;
		pthread_mutex_unlock(&e->lock);
		if (answered)
			break;
		if (e->stop)
			return 0;
		if (poll(&pfd, 1, -1) > 0)
			(void)!read(e->wakepipe[0], buf, sizeof buf);
	}
	/* A wake made while the question was open does not ask it again. */
	e->wake = 0;
	return 1;
}

/*
 * Offline after a dismissed question: waits for engine_wake() or
 * engine_stop(), so that only a user action asks again.
 */
static void
engine_wait_wake(struct engine *e)
{
	struct pollfd	pfd;
	char		buf[64];

	pfd.fd = e->wakepipe[0];
	pfd.events = POLLIN;
	while (!e->stop && !e->wake)
		if (poll(&pfd, 1, -1) > 0)
			(void)!read(e->wakepipe[0], buf, sizeof buf);
}

void
engine_fetch_body(struct engine *e, int64_t folder_id, uint32_t uid)
{
	struct body_req	*r = xcalloc(1, sizeof *r), **p;

	r->folder_id = folder_id;
	r->uid = uid;
	pthread_mutex_lock(&e->lock);
	for (p = &e->bodies; *p != NULL; p = &(*p)->next)
		;
	*p = r;
	pthread_mutex_unlock(&e->lock);
	engine_kick(e);
}

/* Answers every queued body request (engine thread, connected). */
static void
serve_bodies(struct engine *e, struct sync_ctx *s)
{
	struct body_req		*r;
	struct engine_event	 ev;
	char			*err = NULL;

	for (;;) {
		pthread_mutex_lock(&e->lock);
		r = e->bodies;
		if (r != NULL)
			e->bodies = r->next;
		pthread_mutex_unlock(&e->lock);
		if (r == NULL || s->imap->dead)
			break;
		memset(&ev, 0, sizeof ev);
		ev.type = EV_BODY_READY;
		ev.folder_id = r->folder_id;
		ev.uid = r->uid;
		ev.ok = sync_fetch_body(s, r->folder_id, r->uid, &err) == 0;
		if (!ev.ok)
			snprintf(ev.text, sizeof ev.text, "%s", err);
		free(err);
		err = NULL;
		engine_post(e, &ev);
		free(r);
	}
	if (r != NULL) {
		/* Connection lost: put it back for the next connection. */
		pthread_mutex_lock(&e->lock);
		r->next = e->bodies;
		e->bodies = r;
		pthread_mutex_unlock(&e->lock);
	}
}

static void
set_imap(struct engine *e, struct imap_conn *c)
{
	pthread_mutex_lock(&e->imap_lock);
	e->imap = c;
	pthread_mutex_unlock(&e->imap_lock);
}

static void
drop_imap(struct engine *e)
{
	struct imap_conn	*c = e->imap;

	set_imap(e, NULL);
	if (c != NULL && c->dead) {
		/* A desynchronised stream gets no LOGOUT. */
		mailstream_close(c->imap->imap_stream);
		c->imap->imap_stream = NULL;
		c->imap->imap_state = MAILIMAP_STATE_DISCONNECTED;
	}
	imap_close(c);
}

/* What engine_connect() did. */
enum engine_conn {
	ENGINE_CONN_OK,		/* logged in */
	ENGINE_CONN_FAIL,	/* *errp: report, back off, retry */
	ENGINE_CONN_RETRY,	/* the user answered: connect again now */
	ENGINE_CONN_OFFLINE,	/* a question was dismissed (reported) */
	ENGINE_CONN_STOP	/* engine_stop() during a question */
};

/*
 * A certificate was refused and the user may overrule that: ask (or,
 * with nobody to ask, say how), and record a "yes" for this account.
 */
static enum engine_conn
engine_ask_trust(struct engine *e, const struct tls_refusal *ref,
    char **errp)
{
	const struct account	*a = e->acct;
	char			 text[512], *answer, *file, *t;

	if (!e->interactive) {
		t = xasprintf("%s; trust it in tern (the UI) or set tls_pin",
		    *errp);
		free(*errp);
		*errp = t;
		return ENGINE_CONN_FAIL;
	}
	/* The key first: whatever is cut short, it is not. */
	snprintf(text, sizeof text, "Trust %.64s:%d for account %.32s? Its "
	    "certificate is not trusted (%.60s). Key %s; subject %.80s; "
	    "issuer %.80s; valid %s to %s.", a->imap.host, a->imap.port,
	    a->name, ref->error, ref->spki_pin, ref->subject, ref->issuer,
	    ref->not_before, ref->not_after);
	if (!engine_ask(e, ASK_TRUST, text, &answer))
		return ENGINE_CONN_STOP;
	if (answer == NULL || strcmp(answer, "yes") != 0) {
		secret_free(answer);
		post_text(e, EV_ERROR, "%s", *errp);
		free(*errp);
		*errp = NULL;
		return ENGINE_CONN_OFFLINE;
	}
	secret_free(answer);
	free(*errp);
	*errp = NULL;
	if ((file = trust_file(a->name)) == NULL) {
		seterr(errp, "no data directory to record the trust in");
		return ENGINE_CONN_FAIL;
	}
	if (trust_add(file, a->imap.host, a->imap.port, ref->spki_pin,
	    errp) == -1) {
		free(file);
		return ENGINE_CONN_FAIL;
	}
	free(file);
	post_text(e, EV_LOG, "trusting %s:%d (key %s) for this account",
	    a->imap.host, a->imap.port, ref->spki_pin);
	return ENGINE_CONN_RETRY;
}

/*
 * Connects and logs in, asking what it must: the certificate is
 * settled before the password is asked for or sent.
 */
static enum engine_conn
engine_connect(struct engine *e, struct imap_conn **cp, char **errp)
{
	const struct account	*a = e->acct;
	struct imap_conn	*c;
	struct tls_refusal	 ref;
	enum engine_conn	 r;
	char			*answer, *text;
	int			 asked = 0;

	*cp = NULL;
	memset(&ref, 0, sizeof ref);
	post_text(e, EV_STATE, "connecting");
	if ((c = imap_connect_cert(a, &ref, errp)) == NULL) {
		r = ref.askable ? engine_ask_trust(e, &ref, errp) :
		    ENGINE_CONN_FAIL;
		tls_refusal_clear(&ref);
		return r;
	}
	if (e->secret == NULL && !c->preauth) {
		text = xasprintf("password for %s (%s@%s)", a->name,
		    a->imap.user, a->imap.host);
		r = engine_ask(e, ASK_PASSWORD, text, &answer);
		free(text);
		if (!r) {
			imap_close(c);
			return ENGINE_CONN_STOP;
		}
		if (answer == NULL) {
			imap_close(c);
			post_text(e, EV_ERROR, "no password given");
			return ENGINE_CONN_OFFLINE;
		}
		e->secret = answer;	/* memory only; wiped at the end */
		asked = 1;
	}
	if (imap_login(c, e->secret != NULL ? e->secret : "", errp) == 0) {
		set_imap(e, c);
		*cp = c;
		return ENGINE_CONN_OK;
	}
	r = ENGINE_CONN_FAIL;
	if (c->imap->imap_stream == NULL) {
		/* Lost while the user was typing: try once more at once. */
		if (asked) {
			free(*errp);
			*errp = NULL;
			r = ENGINE_CONN_RETRY;
		}
	} else if (e->pw_askable) {
		/* Refused: ask again, the user's answer being the action. */
		post_text(e, EV_ERROR, "%s", *errp);
		free(*errp);
		*errp = NULL;
		secret_free(e->secret);
		e->secret = NULL;
		r = ENGINE_CONN_RETRY;
	}
	imap_close(c);
	return r;
}

/* Sleeps up to secs, returning early on stop or wake. */
static void
engine_sleep(struct engine *e, int secs)
{
	struct pollfd	pfd;
	char		buf[64];

	pfd.fd = e->wakepipe[0];
	pfd.events = POLLIN;
	if (!e->stop && poll(&pfd, 1, secs * 1000) > 0)
		(void)!read(e->wakepipe[0], buf, sizeof buf);
}

/*
 * IDLE on the selected folder until the server says something, the
 * engine is woken, or max seconds pass.  libetpan's mailimap_idle
 * hangs or crashes in 1.9.4 (LIBETPAN.md 3.7), so it is done here:
 * 1 if the server reported a change, 0 if not, -1 on error.
 */
static int
engine_idle(struct engine *e, struct imap_conn *c, int max)
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
		if (line[0] == '*') {
			changed = 1;	/* data before "+ idling" */
			continue;
		}
		goto dead;		/* tagged NO/BAD: no IDLE */
	}
	if (!changed && !e->stop && !e->wake) {
		w = tls_wait(imap->imap_stream, max * 1000);
		if (w == TLS_WAIT_DATA)
			changed = 1;
		else if (w == TLS_WAIT_ERROR || w == TLS_WAIT_CANCELLED)
			goto dead;
	}
	if (mailstream_write(imap->imap_stream, "DONE\r\n", 6) == -1 ||
	    mailstream_flush(imap->imap_stream) == -1)
		goto dead;
	/* Read untagged data (EXISTS, EXPUNGE, FETCH) up to the tagged OK. */
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

static int
run_pass(struct engine *e, struct sync_ctx *s)
{
	char	*err = NULL;
	int	 r;

	post_text(e, EV_STATE, "syncing");
	s->now = time(NULL);
	r = sync_pass(s, &err);
	if (r == -1) {
		post_text(e, EV_ERROR, "%s", err != NULL ? err : "sync failed");
		free(err);
	}
	e->ok = r == 0;
	return r;
}

static void *
engine_main(void *arg)
{
	struct engine		*e = arg;
	struct sync_ctx		 s;
	struct store		*st;
	struct engine_event	 ev;
	char			*dir, *err = NULL;
	int			 backoff = 1, r;
	enum engine_conn	 conn;
	time_t			 last_pass;

	memset(&s, 0, sizeof s);
	dir = config_data_dir(e->acct->name);
	st = dir != NULL ? store_open(e->acct->name, dir, 0, &err) : NULL;
	free(dir);
	if (st == NULL) {
		post_text(e, EV_ERROR, "%s", err != NULL ? err :
		    "no data directory");
		free(err);
		goto done;
	}
	if (e->acct->type == ACCOUNT_MAILDIR) {
		e->ok = local_run(e, st, e->acct, e->mode) == 0;
		store_close(st);
		goto done;
	}
	s.acct = e->acct;
	s.store = st;
	s.engine = e;
	s.stop = &e->stop;

	while (!e->stop) {
		conn = engine_connect(e, &s.imap, &err);
		if (conn == ENGINE_CONN_RETRY || conn == ENGINE_CONN_STOP)
			continue;
		if (conn == ENGINE_CONN_OFFLINE) {
			e->ok = 0;
			if (e->mode == ENGINE_ONCE)
				break;
			post_text(e, EV_STATE, "offline");
			engine_wait_wake(e);
			continue;
		}
		if (conn == ENGINE_CONN_FAIL) {
			post_text(e, EV_ERROR, "%s", err != NULL ? err :
			    "cannot connect");
			free(err);
			err = NULL;
			if (e->mode == ENGINE_ONCE)
				break;
			post_text(e, EV_STATE, "offline (retry in %d s)",
			    backoff);
			engine_sleep(e, backoff);
			backoff = backoff * 2 > ENGINE_BACKOFF_MAX ?
			    ENGINE_BACKOFF_MAX : backoff * 2;
			continue;
		}
		backoff = 1;
		r = run_pass(e, &s);
		last_pass = time(NULL);
		serve_bodies(e, &s);
		if (e->mode == ENGINE_ONCE)
			break;
		while (!e->stop && !s.imap->dead) {
			e->wake = 0;
			serve_bodies(e, &s);
			if (sync_folder(&s, "INBOX", &err) == -1) {
				post_text(e, EV_ERROR, "INBOX: %s", err);
				free(err);
				err = NULL;
				if (s.imap->dead)
					break;
			}
			post_text(e, EV_STATE, "idle");
			r = engine_idle(e, s.imap, ENGINE_IDLE_MAX);
			if (r == -1 || e->stop)
				break;
			if (e->wake || time(NULL) - last_pass >= ENGINE_RESYNC) {
				run_pass(e, &s);
				last_pass = time(NULL);
			}
		}
		drop_imap(e);
		s.imap = NULL;
		if (!e->stop)
			post_text(e, EV_STATE, "reconnecting");
	}
	/* In watch mode a requested stop is a clean end. */
	if (e->mode == ENGINE_WATCH && e->stop)
		e->ok = 1;
	drop_imap(e);
	store_close(st);
done:
	memset(&ev, 0, sizeof ev);
	ev.type = EV_DONE;
	ev.ok = e->ok;
	engine_post(e, &ev);
	return NULL;
}

struct engine *
engine_start(const struct account *a, const char *secret,
    enum engine_mode mode, char **errp)
{
	struct engine	*e = xcalloc(1, sizeof *e);
	sigset_t	 all, old;
	int		 r;

	e->acct = a;
	e->interactive = mode == ENGINE_INTERACTIVE;
	e->mode = mode == ENGINE_ONCE ? ENGINE_ONCE : ENGINE_WATCH;
	e->pw_askable = auth_can_ask(a) && (secret == NULL || e->interactive);
	/* Without a secret, one is asked for only where that makes sense. */
	if (secret != NULL || !e->pw_askable)
		e->secret = xstrdup(secret != NULL ? secret : "");
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->imap_lock, NULL);
	if (pipe_nonblock(e->evpipe) == -1 ||
	    pipe_nonblock(e->wakepipe) == -1) {
		seterr(errp, "pipe: %s", strerror(errno));
		secret_free(e->secret);
		free(e);
		return NULL;
	}
	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&e->thread, NULL, engine_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		seterr(errp, "cannot start a thread: %s", strerror(r));
		secret_free(e->secret);
		free(e);
		return NULL;
	}
	return e;
}

int
engine_join(struct engine *e)
{
	struct engine_event	ev;
	int			ok;

	pthread_join(e->thread, NULL);
	while (engine_next_event(e, &ev))
		;
	while (e->bodies != NULL) {
		struct body_req	*r = e->bodies;

		e->bodies = r->next;
		free(r);
	}
	ok = e->ok;
	secret_free(e->ask_answer);
	close(e->evpipe[0]);
	close(e->evpipe[1]);
	close(e->wakepipe[0]);
	close(e->wakepipe[1]);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->imap_lock);
	secret_free(e->secret);
	free(e);
	return ok ? 0 : -1;
}

/* ---- the driver interface (engine thread) ---- */

int
engine_stopping(struct engine *e)
{
	return e->stop;
}

int
engine_woken(struct engine *e)
{
	int	 w = e->wake;

	e->wake = 0;
	return w;
}

void
engine_wait(struct engine *e, int ms)
{
	struct pollfd	pfd;
	char		buf[64];
	int		busy;

	pthread_mutex_lock(&e->lock);
	busy = e->bodies != NULL;
	pthread_mutex_unlock(&e->lock);
	pfd.fd = e->wakepipe[0];
	pfd.events = POLLIN;
	if (!busy && !e->stop && !e->wake && poll(&pfd, 1, ms) > 0)
		(void)!read(e->wakepipe[0], buf, sizeof buf);
}

int
engine_take_body(struct engine *e, int64_t *folder_id, uint32_t *uid)
{
	struct body_req	*r;

	pthread_mutex_lock(&e->lock);
	r = e->bodies;
	if (r != NULL)
		e->bodies = r->next;
	pthread_mutex_unlock(&e->lock);
	if (r == NULL)
		return 0;
	*folder_id = r->folder_id;
	*uid = r->uid;
	free(r);
	return 1;
}
