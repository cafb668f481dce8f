/*
 * send.c - the engine's side of the outbox (SEND_OUTBOX): submits each
 * queued message over the account's SMTP session, then saves what was
 * sent to the Sent folder over the engine's IMAP session (\Seen;
 * skipped with save_sent = no) and only then removes it from the
 * outbox.  Run by the engine thread (engine.c), in every mode.
 *
 * Order is important, so that a message is never lost and never sent
 * twice by tern's own doing: the state "sending" is recorded before
 * MAIL FROM; "data" (synced) before the final "."; "sent" once the
 * server said 250; the outbox copy goes only after Sent has it.  A
 * temporary failure (4xx, the network, TLS) queues the message again
 * with a backoff; a permanent one (5xx, a message that cannot be
 * sent) waits for the user; a connection lost after the final "."
 * marks it "possibly sent", which only the user can resend.  A repeated
 * APPEND to Sent first looks for the Message-ID there (no duplicate
 * without UIDPLUS, SECURITY.md test 42).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "mail.h"
#include "store.h"

#define SEND_BACKOFF_MIN	30	/* seconds after the first failure */
#define SEND_BACKOFF_MAX	3600

static void
send_post(struct engine *e, enum engine_event_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
send_post(struct engine *e, enum engine_event_type type, const char *fmt, ...)
{
	struct engine_event	ev;
	va_list			ap;

	if (e == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	engine_post(e, &ev);
}

static int64_t
send_backoff(int attempts, int64_t now)
{
	int64_t	d = SEND_BACKOFF_MIN;

	while (--attempts > 0 && d < SEND_BACKOFF_MAX)
		d *= 2;
	return now + (d > SEND_BACKOFF_MAX ? SEND_BACKOFF_MAX : d);
}

struct dot_ctx {
	const char	*dir;
	const char	*id;
};

static int
send_before_dot(void *arg)
{
	struct dot_ctx	*d = arg;

	return outbox_result(d->dir, d->id, OUTBOX_R_DATA, NULL, 0, NULL);
}

/* The subject for EV_SENT: decoded, one line, short. */
static char *
send_subject(const struct outbox_entry *o)
{
	char	*s = header_decode_text(o->subject, strlen(o->subject));

	if (strlen(s) > 200)
		s[200] = '\0';
	return s;
}

/*
 * Submits one claimed message over c.  The result is recorded in its
 * state; returns the smtp_result.
 */
static enum smtp_result
send_one(struct engine *e, struct smtp_conn *c, const char *dir,
    const struct outbox_entry *o)
{
	struct dot_ctx		 d = { dir, o->id };
	char			*data = NULL, *from = NULL, **rcpts = NULL;
	char			*wire = NULL, *err = NULL, *subj, *t;
	size_t			 len, n = 0, wlen, tlen;
	enum smtp_result	 r;
	int64_t			 now = time(NULL);

	if (outbox_read(o->path, &data, &len, &err) == -1) {
		r = SMTP_TEMP;
		goto done;
	}
	from = envelope_sender(data, len);
	if (o->envelope != NULL)
		envelope_addrs(o->envelope, &rcpts, &n);
	else
		envelope_rcpts(data, len, &rcpts, &n);
	if (from == NULL) {
		seterr(&err, "the message has no usable From address");
		r = SMTP_PERM;
		goto done;
	}
	if (n == 0) {
		seterr(&err, "the message has no recipients (To, Cc or Bcc)");
		r = SMTP_PERM;
		goto done;
	}
	if ((t = envelope_long_lines(data, len, &tlen)) != NULL) {
		free(data);
		data = t;
		len = tlen;
	}
	wire = envelope_strip_bcc(data, len, &wlen);
	r = smtp_send(c, from, rcpts, n, wire, wlen, send_before_dot, &d,
	    &err);
done:
	switch (r) {
	case SMTP_OK:
		outbox_result(dir, o->id, OUTBOX_R_SENT, "", 0, NULL);
		subj = send_subject(o);
		send_post(e, EV_SENT, "sent \"%s\" to %zu recipient%s", subj,
		    n, n == 1 ? "" : "s");
		log_msg(LOG_INFO, "%s: sent %s to %zu recipients",
		    c->acct->name, o->id, n);
		free(subj);
		break;
	case SMTP_TEMP:
		outbox_result(dir, o->id, OUTBOX_R_TEMP, err,
		    send_backoff(o->attempts + 1, now), NULL);
		send_post(e, EV_ERROR, "not sent (will retry): %s", err);
		break;
	case SMTP_PERM:
		outbox_result(dir, o->id, OUTBOX_R_PERM, err, 0, NULL);
		send_post(e, EV_ERROR, "not sent: %s", err);
		break;
	case SMTP_UNSURE:
		outbox_result(dir, o->id, OUTBOX_R_UNSURE, err, 0, NULL);
		send_post(e, EV_ERROR, "%s", err);
		break;
	}
	free(err);
	free(wire);
	free(from);
	envelope_free(rcpts, n);
	free(data);
	return r;
}

/* Connects and logs in to the account's SMTP server. */
static struct smtp_conn *
send_connect(struct engine *e, char **errp)
{
	struct smtp_conn	*c;
	char			*secret;

	if (e->acct->smtp.host == NULL) {
		seterr(errp, "account %s has no smtp server", e->acct->name);
		return NULL;
	}
	if ((c = smtp_connect(e->acct, errp)) == NULL)
		return NULL;
	pthread_mutex_lock(&e->lock);
	secret = xstrdup(e->secret != NULL ? e->secret : "");
	pthread_mutex_unlock(&e->lock);
	if (smtp_login(c, secret, errp) == -1) {
		secret_free(secret);
		smtp_close(c);
		return NULL;
	}
	secret_free(secret);
	return c;
}

/* The Sent folder's server name: special-use \Sent, else "Sent". */
static char *
send_sent_folder(struct sync_ctx *s)
{
	struct store_folder	*f = NULL;
	struct imap_mailbox	*mb = NULL;
	size_t			 n = 0, i;
	char			*name = NULL;

	if (store_folders(s->store, &f, &n) == 0) {
		for (i = 0; i < n && name == NULL; i++)
			if (strcmp(f[i].role, "sent") == 0)
				name = xstrdup(f[i].name);
		store_folders_free(f, n);
	}
	/* Never synced (tern send): ask the server. */
	if (name == NULL && n == 0 && imap_list(s->imap, &mb, &n, NULL) == 0) {
		for (i = 0; i < n && name == NULL; i++)
			if (strcmp(mb[i].role, "sent") == 0)
				name = xstrdup(mb[i].name);
		imap_mailboxes_free(mb, n);
	}
	return name != NULL ? name : xstrdup("Sent");
}

/* Saves one sent message to Sent and drops it from the outbox. */
static int
send_save(struct engine *e, struct sync_ctx *s, const char *dir,
    const char *sent, const struct outbox_entry *o)
{
	char	*data = NULL, *crlf, *msgid, *err = NULL, *t;
	size_t	 len, clen, tlen;
	int	 r;

	if (outbox_read(o->path, &data, &len, &err) == -1)
		goto fail;
	/* The same message as was sent. */
	if ((t = envelope_long_lines(data, len, &tlen)) != NULL) {
		free(data);
		data = t;
		len = tlen;
	}
	if (o->saves > 0 && (msgid = outbox_header(data, len,
	    "Message-ID")) != NULL) {
		/* An earlier APPEND may have landed: look first. */
		r = imap_has_msgid(s->imap, sent, msgid, &err);
		free(msgid);
		if (r == -1)
			goto fail;
		if (r == 1)
			goto saved;
	}
	outbox_result(dir, o->id, OUTBOX_R_SAVING, NULL, 0, NULL);
	crlf = envelope_crlf(data, len, &clen);
	r = imap_append(s->imap, sent, FLAG_SEEN, crlf, clen, NULL, &err);
	free(crlf);
	if (r == -1)
		goto fail;
saved:
	free(data);
	if (outbox_remove(dir, o->id, &err) == -1)
		goto fail;
	return 0;
fail:
	send_post(e, EV_ERROR, "sent, but not saved to %s yet: %s", sent,
	    err != NULL ? err : "?");
	outbox_result(dir, o->id, OUTBOX_R_SENT, err, 0, NULL);
	free(err);
	free(data);
	return -1;
}

int
send_outbox(struct engine *e, struct sync_ctx *s, int force,
    int64_t *nextp)
{
	const char		*dir = store_dir(s->store);
	struct outbox_entry	*o = NULL;
	struct smtp_conn	*c = NULL;
	char			*err = NULL, *sent = NULL;
	size_t			 n = 0, i;
	int64_t			 now = time(NULL), next = 0;
	int			 changed = 0, failed = 0, due = 0;

	if (outbox_list_dir(dir, &o, &n, &err) == -1) {
		send_post(e, EV_ERROR, "outbox: %s", err);
		free(err);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (o[i].state == OUTBOX_QUEUED && (force ||
		    o[i].next_try <= now))
			due++;
	for (i = 0; i < n && due > 0 && !e->stop; i++) {
		if (o[i].state != OUTBOX_QUEUED || (!force &&
		    o[i].next_try > now))
			continue;
		if (c != NULL && c->dead) {
			smtp_close(c);
			c = NULL;
		}
		if (c == NULL && err == NULL) {
			send_post(e, EV_STATE, "sending");
			c = send_connect(e, &err);
		}
		if (!outbox_claim(dir, o[i].id, force, now))
			continue;
		changed = 1;
		if (c == NULL) {
			/* Not connected: not sent, retried later. */
			outbox_result(dir, o[i].id, OUTBOX_R_TEMP, err,
			    send_backoff(o[i].attempts + 1, now), NULL);
			failed = 1;
			continue;
		}
		switch (send_one(e, c, dir, &o[i])) {
		case SMTP_OK:
			o[i].state = OUTBOX_SENT;
			o[i].saves = 0;
			break;
		default:
			failed = 1;
		}
	}
	if (err != NULL) {
		send_post(e, EV_ERROR, "not sent (will retry): %s", err);
		free(err);
		err = NULL;
	}
	smtp_close(c);

	/* Sent: into the Sent folder, then out of the outbox. */
	for (i = 0; i < n && !e->stop; i++) {
		if (o[i].state != OUTBOX_SENT)
			continue;
		if (!s->acct->save_sent) {
			if (outbox_remove(dir, o[i].id, NULL) == 0)
				changed = 1;
			continue;
		}
		if (s->imap == NULL || s->imap->dead)
			continue;	/* saved once connected */
		if (sent == NULL)
			sent = send_sent_folder(s);
		if (send_save(e, s, dir, sent, &o[i]) == -1)
			failed = 1;
		changed = 1;
	}
	free(sent);
	outbox_free(o, n);

	/* When a queued message is due next (the engine's timer). */
	if (outbox_list_dir(dir, &o, &n, NULL) == 0) {
		for (i = 0; i < n; i++)
			if (o[i].state == OUTBOX_QUEUED && o[i].next_try > 0 &&
			    (next == 0 || o[i].next_try < next))
				next = o[i].next_try;
		outbox_free(o, n);
	}
	if (nextp != NULL)
		*nextp = next;
	if (changed)
		send_post(e, EV_OUTBOX, "outbox changed");
	return failed ? -1 : 0;
}

/* ---- for engine.c ---- */

/*
 * Offline (IMAP unreachable) in watch mode: the outbox is still
 * submitted when asked or due, its Sent copies wait for IMAP.
 */
void
engine_send_offline(struct engine *e, struct sync_ctx *s)
{
	int	force = e->send_req;

	if (e->mode != ENGINE_WATCH || (!force && (e->send_next == 0 ||
	    time(NULL) < e->send_next)))
		return;
	e->send_req = 0;
	(void)send_outbox(e, s, force, &e->send_next);
}

/* ENGINE_SEND: 1 if a sent message waits to be saved to Sent. */
int
engine_send_needs_imap(struct engine *e, struct store *st)
{
	struct outbox_entry	*o;
	size_t			 n, i;
	int			 need = 0;

	if (!e->acct->save_sent || outbox_list(st, &o, &n, NULL) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (o[i].state == OUTBOX_SENT)
			need = 1;
	outbox_free(o, n);
	return need;
}
