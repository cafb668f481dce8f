/*
 * imap.c - an IMAP session up to the AUTHENTICATED state: connect, TLS
 * (implicit, or STARTTLS that must succeed), a fresh CAPABILITY after
 * TLS, then LOGIN or AUTHENTICATE done by tern itself.  Run by the
 * thread that owns the session (an engine, or main for `tern check`).
 *
 * Order is important: no credential leaves before a verified TLS
 * session exists (or tls = none was chosen for a loopback host), and
 * nothing the server said before TLS is believed after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

static void
imap_logger(mailimap *imap, int type, const char *str, size_t size, void *ctx)
{
	(void)imap;
	tls_trace(((struct imap_conn *)ctx)->label, type, str, size);
}

static mailstream_low *
imap_low(struct imap_conn *c)
{
	return mailstream_get_low(c->imap->imap_stream);
}

const struct tls_info *
imap_tls_info(struct imap_conn *c)
{
	return tls_get_info(imap_low(c));
}

const char *
imap_guard_reason(struct imap_conn *c)
{
	if (c == NULL || c->imap == NULL || c->imap->imap_stream == NULL)
		return NULL;
	return tls_guard_error(imap_low(c));
}

/* Drops the connection at once, without a LOGOUT. */
static void
imap_abort(struct imap_conn *c)
{
	if (c->imap->imap_stream != NULL) {
		mailstream_close(c->imap->imap_stream);
		c->imap->imap_stream = NULL;
	}
	c->imap->imap_state = MAILIMAP_STATE_DISCONNECTED;
}

void
imap_close(struct imap_conn *c)
{
	if (c == NULL)
		return;
	if (c->imap->imap_stream != NULL &&
	    c->imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
		mailimap_logout(c->imap);
	imap_abort(c);
	mailimap_free(c->imap);
	free(c->label);
	free(c);
}

/* "[CAPABILITY]" with no name leaves libetpan's cap_list NULL. */
int
imap_has(struct imap_conn *c, const char *name)
{
	struct mailimap_connection_info	*ci = c->imap->imap_connection_info;
	clistiter			*it;
	struct mailimap_capability	*cap;

	if (ci == NULL || ci->imap_capability == NULL ||
	    ci->imap_capability->cap_list == NULL)
		return 0;
	for (it = clist_begin(ci->imap_capability->cap_list); it != NULL;
	    it = clist_next(it)) {
		cap = clist_content(it);
		if (cap->cap_type == MAILIMAP_CAPABILITY_NAME &&
		    strcasecmp(cap->cap_data.cap_name, name) == 0)
			return 1;
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE &&
		    strncasecmp(name, "AUTH=", 5) == 0 &&
		    strcasecmp(cap->cap_data.cap_auth_type, name + 5) == 0)
			return 1;
	}
	return 0;
}

char *
imap_auth_mechs(struct imap_conn *c)
{
	struct mailimap_connection_info	*ci = c->imap->imap_connection_info;
	clistiter			*it;
	struct mailimap_capability	*cap;
	char				*s = xstrdup(""), *t;

	if (ci == NULL || ci->imap_capability == NULL ||
	    ci->imap_capability->cap_list == NULL)
		return s;
	for (it = clist_begin(ci->imap_capability->cap_list); it != NULL;
	    it = clist_next(it)) {
		cap = clist_content(it);
		if (cap->cap_type != MAILIMAP_CAPABILITY_AUTH_TYPE)
			continue;
		t = xasprintf("%s%s%s", s, *s ? " " : "",
		    cap->cap_data.cap_auth_type);
		free(s);
		s = t;
	}
	return s;
}

/* Forgets every capability heard so far (e.g. before TLS). */
static void
imap_forget_caps(struct imap_conn *c)
{
	struct mailimap_connection_info	*ci = c->imap->imap_connection_info;

	if (ci != NULL && ci->imap_capability != NULL) {
		mailimap_capability_data_free(ci->imap_capability);
		ci->imap_capability = NULL;
	}
}

static int	imap_command(struct imap_conn *, const char *, int,
		    const char *, char **);

/*
 * CAPABILITY, through imap_command(): libetpan's mailimap_capability()
 * dereferences NULL when the tagged OK comes without a "* CAPABILITY"
 * line.  Whatever the server announced is in imap_connection_info.
 */
static int
imap_fetch_caps(struct imap_conn *c, char **errp)
{
	char	*err = NULL;

	if (imap_command(c, "CAPABILITY", 0, NULL, &err) == -1) {
		seterr(errp, "CAPABILITY failed: %s", err ? err : "?");
		free(err);
		return -1;
	}
	return 0;
}

/* The text of the last tagged response, with any [ALERT], unsanitized. */
static char *
imap_response_text(struct imap_conn *c)
{
	struct mailimap_response_info	*ri = c->imap->imap_response_info;
	const char			*text = c->imap->imap_response;

	if (ri != NULL && ri->rsp_alert != NULL)
		return xasprintf("[ALERT] %s", ri->rsp_alert);
	return xstrdup(text != NULL ? text : "");
}

struct imap_conn *
imap_connect(const struct account *a, char **errp)
{
	return imap_connect_cert(a, NULL, errp);
}

struct imap_conn *
imap_connect_cert(const struct account *a, struct tls_refusal *refusal,
    char **errp)
{
	struct imap_conn	*c;
	struct tls_params	 p;
	mailstream_low		*low;
	mailstream		*stream;
	char			*text, *file, *trusted = NULL;
	int			 r;

	memset(&p, 0, sizeof p);
	p.host = a->imap.host;
	p.port = a->imap.port;
	p.timeout = a->timeout;
	p.ca_file = a->ca_file;
	p.pin = a->tls_pin;
	p.refusal = refusal;
	tls_refusal_clear(refusal);
	/* A tls_pin is authoritative; else what the user trusted here. */
	if (a->tls_pin == NULL && a->imap.tls != TLS_PLAIN &&
	    (file = trust_file(a->name)) != NULL) {
		trusted = trust_lookup(file, a->imap.host, a->imap.port);
		free(file);
	}
	p.trusted = trusted;
	low = tls_connect(&p, errp);
	free(trusted);		/* tls_connect() keeps its own copy */
	if (low == NULL)
		return NULL;
	/* From the greeting on, libetpan's parser only gets what passes. */
	tls_set_imap_guard(low);
	if (a->imap.tls == TLS_IMPLICIT && tls_start(low, errp) == -1) {
		mailstream_low_close(low);
		mailstream_low_free(low);
		return NULL;
	}
	if ((stream = mailstream_new(low, 8192)) == NULL) {
		seterr(errp, "out of memory");
		mailstream_low_close(low);
		mailstream_low_free(low);
		return NULL;
	}

	c = xcalloc(1, sizeof *c);
	c->acct = a;
	c->label = xasprintf("%s imap", a->name);
	c->imap = mailimap_new(0, NULL);
	mailimap_set_logger(c->imap, imap_logger, c);
	/* From here on the session owns the stream, even on failure. */
	r = mailimap_connect(c->imap, stream);
	if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		if (a->imap.tls == TLS_STARTTLS) {
			/* A plaintext PREAUTH would skip STARTTLS entirely. */
			seterr(errp, "%s:%d greeted with PREAUTH before TLS; "
			    "refusing the connection", a->imap.host,
			    a->imap.port);
			goto fail;
		}
		c->preauth = 1;
	} else if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION) {
			text = imap_response_text(c);
			seterr(errp, "%s:%d refused the connection: %s",
			    a->imap.host, a->imap.port, text);
			free(text);
		} else if (imap_guard_reason(c) != NULL)
			seterr(errp, "%s:%d: %s; connection dropped",
			    a->imap.host, a->imap.port, imap_guard_reason(c));
		else if (r == MAILIMAP_ERROR_STREAM)
			seterr(errp, "%s:%d closed the connection or timed out "
			    "before its greeting", a->imap.host, a->imap.port);
		else
			seterr(errp, "%s:%d sent an invalid IMAP greeting",
			    a->imap.host, a->imap.port);
		goto fail;
	}

	if (a->imap.tls == TLS_STARTTLS) {
		if (c->imap->imap_connection_info == NULL ||
		    c->imap->imap_connection_info->imap_capability == NULL) {
			if (imap_fetch_caps(c, errp) == -1)
				goto fail;
		}
		if (!imap_has(c, "STARTTLS")) {
			seterr(errp, "%s:%d does not offer STARTTLS; refusing "
			    "to continue without TLS", a->imap.host,
			    a->imap.port);
			goto fail;
		}
		r = mailimap_starttls(c->imap);
		if (tls_buffered(c->imap->imap_stream)) {
			/* The STARTTLS injection class (CVE-2020-15953). */
			seterr(errp, "%s:%d sent data after its STARTTLS reply "
			    "(possible injection attack); connection closed",
			    a->imap.host, a->imap.port);
			goto fail;
		}
		if (r != MAILIMAP_NO_ERROR) {
			text = imap_response_text(c);
			seterr(errp, "%s:%d refused STARTTLS: %s", a->imap.host,
			    a->imap.port, imap_guard_reason(c) != NULL ?
			    imap_guard_reason(c) : r == MAILIMAP_ERROR_STREAM ?
			    "connection lost" : text);
			free(text);
			goto fail;
		}
		if (tls_start(imap_low(c), errp) == -1)
			goto fail;
		/* Nothing said before TLS counts. */
		imap_forget_caps(c);
		if (imap_fetch_caps(c, errp) == -1)
			goto fail;
	} else if (c->imap->imap_connection_info == NULL ||
	    c->imap->imap_connection_info->imap_capability == NULL) {
		if (imap_fetch_caps(c, errp) == -1)
			goto fail;
	}
	return c;
fail:
	imap_abort(c);
	imap_close(c);
	return NULL;
}

/*
 * Sends one command line (without CRLF) and reads its tagged answer.
 * private marks the line as a secret for the logger.  cont answers the
 * first "+" continuation; later ones get "*" (cancel).  Returns 0 on OK.
 */
static int
imap_command(struct imap_conn *c, const char *line, int private,
    const char *cont, char **errp)
{
	mailimap			*imap = c->imap;
	struct mailimap_response	*resp = NULL;
	struct mailimap_response_done	*done;
	char				*l, *text;
	int				 r, state, conts = 0;

	mailstream_set_privacy(imap->imap_stream, !private);
	r = mailimap_send_current_tag(imap);
	if (r == MAILIMAP_NO_ERROR &&
	    (mailstream_write(imap->imap_stream, line, strlen(line)) == -1 ||
	    mailstream_write(imap->imap_stream, "\r\n", 2) == -1 ||
	    mailstream_flush(imap->imap_stream) == -1))
		r = MAILIMAP_ERROR_STREAM;
	mailstream_set_privacy(imap->imap_stream, 1);
	if (r != MAILIMAP_NO_ERROR)
		goto lost;

	for (;;) {
		if ((l = mailimap_read_line(imap)) == NULL)
			goto lost;
		if (l[0] != '+')
			break;
		/* A continuation: the SASL response, or a cancel. */
		l = conts++ == 0 && cont != NULL ? (char *)cont : "*";
		mailstream_set_privacy(imap->imap_stream, 0);
		r = mailstream_write(imap->imap_stream, l, strlen(l)) == -1 ||
		    mailstream_write(imap->imap_stream, "\r\n", 2) == -1 ||
		    mailstream_flush(imap->imap_stream) == -1;
		mailstream_set_privacy(imap->imap_stream, 1);
		if (r)
			goto lost;
	}
	r = mailimap_parse_response(imap, &resp);
	if (r != MAILIMAP_NO_ERROR) {
		if (imap_guard_reason(c) != NULL)
			goto lost;
		seterr(errp, "%s: unparseable response from server",
		    c->label);
		imap_abort(c);
		return -1;
	}
	done = resp->rsp_resp_done;
	if (done->rsp_type != MAILIMAP_RESP_DONE_TYPE_TAGGED) {
		text = imap_response_text(c);
		seterr(errp, "server closed the session: %s", text);
		free(text);
		mailimap_response_free(resp);
		imap_abort(c);
		return -1;
	}
	state = done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(resp);
	if (state != MAILIMAP_RESP_COND_STATE_OK) {
		text = imap_response_text(c);
		seterr(errp, "%s", text);
		free(text);
		return -1;
	}
	return 0;
lost:
	if (imap_guard_reason(c) != NULL)
		seterr(errp, "%s: %s; connection dropped", c->label,
		    imap_guard_reason(c));
	else
		seterr(errp, "%s: connection lost or timed out", c->label);
	imap_abort(c);
	return -1;
}

/*
 * A quoted string cannot carry CR or LF: user names and secrets with
 * them were refused before, and the mailbox names imap_cmd.c quotes
 * are 7-bit modified UTF-7.
 */
/*
 * Marks the session unusable after a stream or parse error; a refusal
 * by the guard in front of libetpan (imap_guard.c) says what it was.
 */
int
imap_fail(struct imap_conn *c, int r, const char *what, char **errp)
{
	const char	*text = c->imap->imap_response;

	if (imap_guard_reason(c) != NULL) {
		c->dead = 1;
		seterr(errp, "%s: %s; connection dropped", what,
		    imap_guard_reason(c));
	} else if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    r == MAILIMAP_ERROR_PROTOCOL) {
		c->dead = 1;
		seterr(errp, "%s: %s", what, r == MAILIMAP_ERROR_PARSE ?
		    "unparseable server response; reconnecting" :
		    r == MAILIMAP_ERROR_STREAM ? "connection lost or timed out" :
		    "protocol error");
	} else
		seterr(errp, "%s failed: %s", what, text ? text : "");
	return -1;
}

char *
imap_quote(const char *s)
{
	char	*q = xmalloc(2 * strlen(s) + 3), *o = q;

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
imap_login(struct imap_conn *c, const char *secret, char **errp)
{
	const struct account	*a = c->acct;
	const char		*user = a->imap.user, *mech = NULL;
	char			*ir = NULL, *line, *qu, *qp, *err = NULL, *m;
	char			 capname[32];
	int			 r;

	if (c->preauth)
		return 0;
	if (!imap_tls_info(c)->active && a->imap.tls != TLS_PLAIN) {
		seterr(errp, "refusing to send credentials without TLS");
		return -1;
	}
	if (sasl_check(user, "the user name", errp) == -1 ||
	    sasl_check(secret, "the password", errp) == -1)
		return -1;

	switch (a->auth) {
	case AUTH_XOAUTH2:
		mech = "XOAUTH2";
		break;
	case AUTH_OAUTHBEARER:
		mech = "OAUTHBEARER";
		break;
	case AUTH_PLAIN:
		mech = "PLAIN";
		break;
	case AUTH_LOGIN:
		break;
	case AUTH_AUTO:
		/* PLAIN carries any bytes; LOGIN is the universal fallback. */
		if (imap_has(c, "AUTH=PLAIN"))
			mech = "PLAIN";
		break;
	}

	if (mech != NULL) {
		snprintf(capname, sizeof capname, "AUTH=%s", mech);
		if (!imap_has(c, capname)) {
			m = imap_auth_mechs(c);
			seterr(errp, "the server does not offer AUTHENTICATE %s "
			    "(it offers: %s)", mech, *m ? m : "none");
			free(m);
			return -1;
		}
		if (strcmp(mech, "XOAUTH2") == 0)
			ir = sasl_xoauth2(user, secret);
		else if (strcmp(mech, "OAUTHBEARER") == 0)
			ir = sasl_oauthbearer(user, a->imap.host, a->imap.port,
			    secret);
		else
			ir = sasl_plain(user, secret);
		if (imap_has(c, "SASL-IR")) {
			line = xasprintf("AUTHENTICATE %s %s", mech, ir);
			/* An OAuth error challenge wants an empty answer. */
			secret_free(ir);
			ir = xstrdup("");
		} else
			line = xasprintf("AUTHENTICATE %s", mech);
	} else {
		if (imap_has(c, "LOGINDISABLED")) {
			seterr(errp, "the server disables LOGIN and offers no "
			    "AUTH=PLAIN");
			return -1;
		}
		qu = imap_quote(user);
		qp = imap_quote(secret);
		line = xasprintf("LOGIN %s %s", qu, qp);
		free(qu);
		secret_free(qp);
	}

	imap_forget_caps(c);
	r = imap_command(c, line, 1, ir, &err);
	secret_free(line);
	secret_free(ir);
	if (r == -1) {
		seterr(errp, "authentication as %s failed: %s", user, err);
		free(err);
		return -1;
	}
	c->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	/* Capabilities often change after login; [CAPABILITY] may say so. */
	if (c->imap->imap_connection_info->imap_capability == NULL &&
	    imap_fetch_caps(c, errp) == -1)
		return -1;
	return 0;
}
