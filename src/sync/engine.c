/*
 * engine.c - the account engine: a thread that owns the account's main
 * IMAP session and its own store connection, runs sync passes (one a
 * minute in watch mode: LIST, pipelined STATUS, then what changed),
 * keeps the folder the user has open fresh by IDLE on it, reconnects
 * with backoff, and reports everything as events through a queue whose
 * pipe the main thread polls.  In watch mode it also starts the push
 * thread (push.c), which keeps INBOX under IDLE on a second session.
 * Signals are blocked in both threads; only the engine_*() requests
 * and the event queue cross threads.  A type = maildir account runs the local
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

#include "engine_int.h"
#include "store.h"

#define ENGINE_RESYNC		60	/* seconds between passes */

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

void
engine_post_progress(struct engine *e, int64_t folder_id, const char *name,
    uint64_t done, uint64_t total)
{
	struct engine_event	ev;

	if (e == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_PROGRESS;
	ev.folder_id = folder_id;
	ev.done = done;
	ev.total = total;
	snprintf(ev.folder, sizeof ev.folder, "%s", name);
	engine_post(e, &ev);
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
	/*
	 * A watch asked to stop ends cleanly: what the stop cuts short (a
	 * pass "interrupted", a read given up) is logged, not a failure.
	 */
	if (type == EV_ERROR && e->mode == ENGINE_WATCH && e->stop)
		ev.type = EV_LOG;
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
void
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
	push_kick(e);
}

void
engine_open_folder(struct engine *e, int64_t folder_id)
{
	pthread_mutex_lock(&e->lock);
	e->open_folder = folder_id;
	e->open_new = 1;
	pthread_mutex_unlock(&e->lock);
	engine_kick(e);
}

int
engine_busy(struct engine *e)
{
	int	busy;

	pthread_mutex_lock(&e->lock);
	busy = e->bodies != NULL || e->open_new;
	pthread_mutex_unlock(&e->lock);
	return busy || engine_searches_pending(e) || e->stop || e->wake ||
	    e->send_req;
}

void
engine_send(struct engine *e)
{
	e->send_req = 1;
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

/*
 * Answers every queued body request (engine thread, connected); the
 * number served (each SELECTs its folder).
 */
static int
serve_bodies(struct engine *e, struct sync_ctx *s)
{
	struct body_req		*r;
	struct engine_event	 ev;
	char			*err = NULL;
	int			 n = 0;

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
		n++;
	}
	if (r != NULL) {
		/* Connection lost: put it back for the next connection. */
		pthread_mutex_lock(&e->lock);
		r->next = e->bodies;
		e->bodies = r;
		pthread_mutex_unlock(&e->lock);
	}
	return n;
}

static void
set_imap(struct engine *e, struct imap_conn *c)
{
	pthread_mutex_lock(&e->imap_lock);
	e->imap = c;
	pthread_mutex_unlock(&e->imap_lock);
}

void
engine_imap_close(struct imap_conn *c)
{
	if (c != NULL && c->dead) {
		/* A desynchronised stream gets no LOGOUT. */
		mailstream_close(c->imap->imap_stream);
		c->imap->imap_stream = NULL;
		c->imap->imap_state = MAILIMAP_STATE_DISCONNECTED;
	}
	imap_close(c);
}

static void
drop_imap(struct engine *e)
{
	struct imap_conn	*c = e->imap;

	set_imap(e, NULL);
	engine_imap_close(c);
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
		pthread_mutex_lock(&e->lock);
		e->secret = answer;	/* memory only; wiped at the end */
		pthread_mutex_unlock(&e->lock);
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
		pthread_mutex_lock(&e->lock);
		secret_free(e->secret);
		e->secret = NULL;
		pthread_mutex_unlock(&e->lock);
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
	/* The pass may have fetched INBOX's new mail before the push thread. */
	push_new_mail(e, s);
	/*
	 * A watching engine indexes for search what the pass left (the
	 * headers of new rows, cached bodies), a slice per pass; a one-off
	 * `tern sync` leaves it to `tern search` and the UI.
	 */
	if (e->mode != ENGINE_ONCE)
		(void)store_fts_catch_up(s->store, 200);
	e->ok = r == 0;
	return r;
}

/* Takes an engine_open_folder() request: the open folder's id. */
static int64_t
engine_take_open(struct engine *e, int *changed)
{
	int64_t	id;

	pthread_mutex_lock(&e->lock);
	id = e->open_folder;
	*changed = e->open_new;
	e->open_new = 0;
	pthread_mutex_unlock(&e->lock);
	return id;
}

/*
 * The open folder's server name when the main connection must watch it
 * (caller frees): NULL when none is open or it is INBOX, which the
 * push thread watches.
 */
static char *
engine_open_name(struct sync_ctx *s, int64_t id)
{
	struct store_folder	f;
	char			*name = NULL;

	if (id == 0)
		return NULL;
	memset(&f, 0, sizeof f);
	if (store_folder_get_id(s->store, id, &f) != 0)
		return NULL;
	if (!f.noselect && !sync_is_inbox(f.name))
		name = xstrdup(f.name);
	store_folder_clear(&f);
	return name;
}

/*
 * Watch mode, connected: passes every ENGINE_RESYNC seconds or on
 * engine_wake(), body requests, and the open folder synced first and
 * then kept under IDLE (NOOP every second on a server without IDLE).
 * With no folder open (or INBOX, the push thread's) the connection
 * waits, a NOOP checking it now and then.  Returns when the connection
 * is lost or the engine stops.
 */
static void
engine_watch(struct engine *e, struct sync_ctx *s)
{
	char	*name = NULL, *err = NULL;
	int64_t	 open = 0;
	time_t	 next_pass = 0, now;
	int	 changed, selected = 0, dirty = 1, r, secs, force;

	s->yield = &e->open_new;
	open = engine_take_open(e, &changed);
	name = engine_open_name(s, open);
	while (!e->stop && !s->imap->dead) {
		open = engine_take_open(e, &changed);
		if (changed) {
			free(name);
			name = engine_open_name(s, open);
			dirty = 1;
		}
		if (name != NULL && (dirty || !selected)) {
			/* The folder the user looks at comes first. */
			s->now = time(NULL);
			if (sync_folder(s, name, &err) == -1) {
				post_text(e, EV_ERROR, "%s", err);
				free(err);
				err = NULL;
				if (s->imap->dead)
					break;
				free(name);	/* gone: stop watching it */
				name = NULL;
			}
			selected = 1;
			dirty = 0;
		}
		if (serve_bodies(e, s) > 0)
			selected = 0;
		if (engine_serve_searches(e, s) > 0)
			selected = 0;
		if (e->open_new)
			continue;
		now = time(NULL);
		if (e->send_req || (e->send_next != 0 && now >= e->send_next)) {
			/* SEND_OUTBOX, or a retry's time has come. */
			force = e->send_req;
			e->send_req = 0;
			(void)send_outbox(e, s, force, &e->send_next);
			selected = 0;
			continue;
		}
		if (e->wake || now >= next_pass) {
			e->wake = 0;
			run_pass(e, s);
			/* New files (another tern's), then what is due;
			 * the first pass after a start sends everything. */
			(void)send_outbox(e, s, next_pass == 0,
			    &e->send_next);
			selected = 0;
			/* A pass that yielded to the open folder resumes soon. */
			next_pass = time(NULL) + (s->yielded ? 1 : ENGINE_RESYNC);
			continue;
		}
		if (name != NULL && !selected)
			continue;
		post_text(e, EV_STATE, "idle");
		secs = (int)(next_pass - now);
		if (secs > ENGINE_IDLE_MAX)
			secs = ENGINE_IDLE_MAX;
		if (e->send_next != 0 && secs > e->send_next - now)
			secs = (int)(e->send_next - now);
		if (secs < 1)
			secs = 1;
		if (name != NULL && imap_has(s->imap, "IDLE")) {
			r = push_idle(e, s->imap, secs, engine_busy);
			if (r == 1)
				dirty = 1;
		} else if (name != NULL) {
			r = push_wait(e, s->imap, 1, engine_busy);
			dirty = 1;
		} else
			r = push_wait(e, s->imap, secs, engine_busy);
		if (r == -1)
			break;
	}
	s->yield = NULL;
	free(name);
}

static void *
engine_main(void *arg)
{
	struct engine		*e = arg;
	struct sync_ctx		 s;
	struct store		*st;
	struct engine_event	 ev;
	char			*dir, *err = NULL;
	int			 backoff = 1;
	enum engine_conn	 conn;

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
	/* A one-off pass starts no push thread: INBOX is this thread's. */
	s.inbox_lock = e->mode == ENGINE_ONCE ? NULL : &e->inbox_lock;
	s.defer = &e->push_writing;
	/* A crash mid-send: "sending" is queued, "data" possibly sent. */
	if (outbox_recover(store_dir(st)) > 0)
		post_text(e, EV_OUTBOX, "outbox recovered");
	if (e->mode == ENGINE_SEND) {
		/* Submit first: saving to Sent needs IMAP, sending not. */
		e->ok = send_outbox(e, &s, 1, NULL) == 0;
		if (!engine_send_needs_imap(e, st)) {
			store_close(st);
			goto done;
		}
	}

	while (!e->stop) {
		conn = engine_connect(e, &s.imap, &err);
		if (conn == ENGINE_CONN_RETRY || conn == ENGINE_CONN_STOP)
			continue;
		if (conn == ENGINE_CONN_OFFLINE) {
			e->ok = 0;
			if (e->mode != ENGINE_WATCH)
				break;
			post_text(e, EV_STATE, "offline");
			engine_wait_wake(e);
			continue;
		}
		if (conn == ENGINE_CONN_FAIL) {
			/*
			 * Losing a server that worked is a state (shown, and
			 * retried), not a failure of the watch.
			 */
			if (!e->push_started || e->mode != ENGINE_WATCH)
				post_text(e, EV_ERROR, "%s", err != NULL ? err :
				    "cannot connect");
			if (e->mode != ENGINE_WATCH) {
				free(err);
				break;
			}
			post_text(e, EV_STATE, "offline (retry in %d s)%s%s",
			    backoff, e->push_started ? ": " : "",
			    e->push_started && err != NULL ? err : "");
			free(err);
			err = NULL;
			/* SMTP may work while IMAP does not. */
			engine_send_offline(e, &s);
			engine_sleep(e, backoff);
			backoff = backoff * 2 > ENGINE_BACKOFF_MAX ?
			    ENGINE_BACKOFF_MAX : backoff * 2;
			continue;
		}
		backoff = 1;
		if (e->mode == ENGINE_ONCE) {
			run_pass(e, &s);
			if (send_outbox(e, &s, 1, NULL) == -1)
				e->ok = 0;
			serve_bodies(e, &s);
			break;
		}
		if (e->mode == ENGINE_SEND) {
			/* Submitted before connecting; now save to Sent. */
			e->ok = send_outbox(e, &s, 0, NULL) == 0 && e->ok;
			break;
		}
		push_keepalive(s.imap);
		push_start(e);
		engine_watch(e, &s);
		drop_imap(e);
		s.imap = NULL;
		if (!e->stop)
			post_text(e, EV_STATE, "reconnecting");
	}
	/* In watch mode a requested stop is a clean end. */
	if (e->mode == ENGINE_WATCH && e->stop)
		e->ok = 1;
	drop_imap(e);
	push_kick(e);
	push_join(e);
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
	e->mode = mode == ENGINE_INTERACTIVE ? ENGINE_WATCH : mode;
	e->pw_askable = auth_can_ask(a) && (secret == NULL || e->interactive);
	/* Without a secret, one is asked for only where that makes sense. */
	if (secret != NULL || !e->pw_askable)
		e->secret = xstrdup(secret != NULL ? secret : "");
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->imap_lock, NULL);
	pthread_mutex_init(&e->inbox_lock, NULL);
	if (pipe_nonblock(e->evpipe) == -1 ||
	    pipe_nonblock(e->wakepipe) == -1 ||
	    pipe_nonblock(e->pushpipe) == -1) {
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
	xfer_register(e, a->name);	/* a transfer's other side wakes it */
	return e;
}

int
engine_join(struct engine *e)
{
	struct engine_event	ev;
	int			ok;

	xfer_unregister(e);
	pthread_join(e->thread, NULL);
	while (engine_next_event(e, &ev))
		;
	while (e->bodies != NULL) {
		struct body_req	*r = e->bodies;

		e->bodies = r->next;
		free(r);
	}
	engine_searches_free(e);
	ok = e->ok;
	secret_free(e->ask_answer);
	close(e->evpipe[0]);
	close(e->evpipe[1]);
	close(e->wakepipe[0]);
	close(e->wakepipe[1]);
	close(e->pushpipe[0]);
	close(e->pushpipe[1]);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->imap_lock);
	pthread_mutex_destroy(&e->inbox_lock);
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
