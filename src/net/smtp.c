/*
 * smtp.c - an SMTP submission session: connect, TLS (implicit on 465,
 * or STARTTLS that must succeed on 587), EHLO again after TLS, AUTH
 * PLAIN / LOGIN / XOAUTH2 / OAUTHBEARER done by tern itself, then
 * messages (MAIL, RCPT, DATA written by hand).  Run by the thread that
 * owns the session (the engine, or `tern check`).
 *
 * libetpan's EHLO leaks the host name and its AUTH needs Cyrus plugins
 * (LIBETPAN.md section 4), so both are sent by hand here.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net.h"

/* Exported by libetpan 1.9.4 but missing from its headers. */
int	mailsmtp_send_command(mailsmtp *, char *);
int	mailsmtp_send_command_private(mailsmtp *, char *);
int	mailsmtp_read_response(mailsmtp *);

static const char *smtp_ehlo_line(struct smtp_conn *, const char *);

static void
smtp_logger(mailsmtp *s, int type, const char *str, size_t size, void *ctx)
{
	(void)s;
	tls_trace(((struct smtp_conn *)ctx)->label, type, str, size);
}

static mailstream_low *
smtp_low(struct smtp_conn *c)
{
	return mailstream_get_low(c->smtp->stream);
}

const struct tls_info *
smtp_tls_info(struct smtp_conn *c)
{
	return tls_get_info(smtp_low(c));
}

static void
smtp_abort(struct smtp_conn *c)
{
	if (c->smtp->stream != NULL) {
		mailstream_close(c->smtp->stream);
		c->smtp->stream = NULL;
	}
}

void
smtp_close(struct smtp_conn *c)
{
	if (c == NULL)
		return;
	if (c->smtp->stream != NULL && !c->dead)
		mailsmtp_quit(c->smtp);
	smtp_abort(c);
	mailsmtp_free(c->smtp);
	free(c->ehlo);
	free(c->label);
	free(c);
}

/* The last reply's text, one line (unsanitized). */
static const char *
smtp_reply(struct smtp_conn *c)
{
	return c->smtp->response != NULL ? c->smtp->response : "";
}

/*
 * What libetpan's mailesmtp_parse_ehlo() would record, read from the
 * EHLO reply by tern: libetpan 1.9.4's own parser never returns when
 * an AUTH line holds a tab ("AUTH\tPLAIN" or "AUTH PLAIN\tLOGIN"), so
 * a hostile server could hang the send (check_net pins it).  Only the
 * flags libetpan's own calls consult are kept: STARTTLS for
 * mailesmtp_starttls(), SIZE's limit for smtp_send().
 */
static void
smtp_parse_ehlo(struct smtp_conn *c)
{
	static const struct {
		const char	*kw;
		int		 flag;
	} kws[] = {
		{ "EXPN", MAILSMTP_ESMTP_EXPN },
		{ "8BITMIME", MAILSMTP_ESMTP_8BITMIME },
		{ "SIZE", MAILSMTP_ESMTP_SIZE },
		{ "ETRN", MAILSMTP_ESMTP_ETRN },
		{ "STARTTLS", MAILSMTP_ESMTP_STARTTLS },
		{ "DSN", MAILSMTP_ESMTP_DSN },
		{ "PIPELINING", MAILSMTP_ESMTP_PIPELINING },
	};
	const char	*p;
	char		*end;
	unsigned long	 n;
	size_t		 i;

	c->smtp->esmtp = MAILSMTP_ESMTP;
	c->smtp->auth = MAILSMTP_AUTH_CHECKED;
	c->smtp->smtp_max_msg_size = 0;
	for (i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (smtp_ehlo_line(c, kws[i].kw) != NULL)
			c->smtp->esmtp |= kws[i].flag;
	if ((p = smtp_ehlo_line(c, "SIZE")) != NULL) {
		p += 4;
		p += strspn(p, " ");
		if (*p >= '0' && *p <= '9') {
			n = strtoul(p, &end, 10);
			if (end != p && n < (unsigned long)SIZE_MAX)
				c->smtp->smtp_max_msg_size = (size_t)n;
		}
	}
}

/* EHLO with an address literal of our end: it names no host. */
static int
smtp_ehlo(struct smtp_conn *c, char **errp)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	char			 addr[INET6_ADDRSTRLEN], cmd[INET6_ADDRSTRLEN + 16];
	int			 fd = mailstream_low_get_fd(smtp_low(c)), code;

	snprintf(cmd, sizeof cmd, "EHLO [127.0.0.1]\r\n");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET && inet_ntop(AF_INET,
		    &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof addr))
			snprintf(cmd, sizeof cmd, "EHLO [%s]\r\n", addr);
		else if (ss.ss_family == AF_INET6 && inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
		    sizeof addr))
			snprintf(cmd, sizeof cmd, "EHLO [IPv6:%s]\r\n", addr);
	}
	c->smtp->esmtp = 0;
	c->smtp->auth = MAILSMTP_AUTH_NOT_CHECKED;
	if (mailsmtp_send_command(c->smtp, cmd) != MAILSMTP_NO_ERROR) {
		seterr(errp, "%s: connection lost", c->label);
		return -1;
	}
	code = mailsmtp_read_response(c->smtp);
	if (code != 250) {
		seterr(errp, "EHLO refused: %d %s", code, smtp_reply(c));
		return -1;
	}
	free(c->ehlo);
	c->ehlo = xstrdup(smtp_reply(c));
	smtp_parse_ehlo(c);
	c->smtputf8 = smtp_ehlo_has(c, "SMTPUTF8");
	return 0;
}

/* The EHLO line for keyword kw ("AUTH", "SIZE", ...), or NULL. */
static const char *
smtp_ehlo_line(struct smtp_conn *c, const char *kw)
{
	const char	*p = c->ehlo;
	size_t		 n = strlen(kw);

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, kw, n) == 0 &&
		    (p[n] == '\0' || p[n] == '\n' || p[n] == ' ' ||
		    p[n] == '\r' || p[n] == '='))
			return p;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

int
smtp_ehlo_has(struct smtp_conn *c, const char *kw)
{
	return smtp_ehlo_line(c, kw) != NULL;
}

char *
smtp_auth_mechs(struct smtp_conn *c)
{
	const char	*p = smtp_ehlo_line(c, "AUTH");
	size_t		 n;

	if (p == NULL)
		return xstrdup("");
	p += 4;
	p += strspn(p, " =");
	n = strcspn(p, "\r\n");
	return xstrndup(p, n);
}

static int
smtp_offers(struct smtp_conn *c, const char *mech)
{
	char	*m = smtp_auth_mechs(c), *w, *save = NULL;
	int	 found = 0;

	for (w = strtok_r(m, " \t", &save); w != NULL && !found;
	    w = strtok_r(NULL, " \t", &save))
		found = strcasecmp(w, mech) == 0;
	free(m);
	return found;
}

struct smtp_conn *
smtp_connect(const struct account *a, char **errp)
{
	struct smtp_conn	*c;
	struct tls_params	 p;
	mailstream_low		*low;
	mailstream		*stream;
	int			 r;

	memset(&p, 0, sizeof p);
	p.host = a->smtp.host;
	p.port = a->smtp.port;
	p.timeout = a->timeout;
	p.ca_file = a->ca_file;
	p.pin = a->tls_pin;
	if ((low = tls_connect(&p, errp)) == NULL)
		return NULL;
	if (a->smtp.tls == TLS_IMPLICIT && tls_start(low, errp) == -1) {
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
	c->label = xasprintf("%s smtp", a->name);
	c->smtp = mailsmtp_new(0, NULL);
	mailsmtp_set_timeout(c->smtp, (time_t)a->timeout);
	mailsmtp_set_logger(c->smtp, smtp_logger, c);
	r = mailsmtp_connect(c->smtp, stream);	/* closes stream on failure */
	if (r != MAILSMTP_NO_ERROR) {
		if (r == MAILSMTP_ERROR_STREAM)
			seterr(errp, "%s:%d closed the connection or timed out "
			    "before its greeting", a->smtp.host, a->smtp.port);
		else
			seterr(errp, "%s:%d refused the connection: %d %s",
			    a->smtp.host, a->smtp.port,
			    c->smtp->response_code, smtp_reply(c));
		c->smtp->stream = NULL;
		goto fail;
	}
	if (tls_buffered(c->smtp->stream)) {
		seterr(errp, "%s:%d sent data before it was asked (possible "
		    "injection attack); connection closed", a->smtp.host,
		    a->smtp.port);
		goto fail;
	}
	if (smtp_ehlo(c, errp) == -1)
		goto fail;

	if (a->smtp.tls == TLS_STARTTLS) {
		if (!(c->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
			seterr(errp, "%s:%d does not offer STARTTLS; refusing "
			    "to continue without TLS", a->smtp.host,
			    a->smtp.port);
			goto fail;
		}
		r = mailesmtp_starttls(c->smtp);
		if (c->smtp->stream != NULL && tls_buffered(c->smtp->stream)) {
			seterr(errp, "%s:%d sent data after its STARTTLS reply "
			    "(possible injection attack); connection closed",
			    a->smtp.host, a->smtp.port);
			goto fail;
		}
		if (r != MAILSMTP_NO_ERROR) {
			seterr(errp, "%s:%d refused STARTTLS: %d %s",
			    a->smtp.host, a->smtp.port,
			    c->smtp->response_code, smtp_reply(c));
			goto fail;
		}
		if (tls_start(smtp_low(c), errp) == -1)
			goto fail;
		/* Forget what was said in plaintext; ask again. */
		if (smtp_ehlo(c, errp) == -1)
			goto fail;
	}
	return c;
fail:
	smtp_abort(c);
	smtp_close(c);
	return NULL;
}

/* Sends one AUTH step (a secret) and returns the reply code. */
static int
smtp_step(struct smtp_conn *c, const char *line)
{
	char	*cmd = xasprintf("%s\r\n", line);
	int	 r;

	r = mailsmtp_send_command_private(c->smtp, cmd);
	secret_free(cmd);
	if (r != MAILSMTP_NO_ERROR)
		return -1;
	return mailsmtp_read_response(c->smtp);
}

int
smtp_login(struct smtp_conn *c, const char *secret, char **errp)
{
	const struct account	*a = c->acct;
	const char		*user = a->smtp.user, *mech = NULL;
	char			*ir = NULL, *line, *m;
	int			 code;

	if (!smtp_tls_info(c)->active && a->smtp.tls != TLS_PLAIN) {
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
		mech = "LOGIN";
		break;
	case AUTH_AUTO:
		mech = smtp_offers(c, "PLAIN") ? "PLAIN" : "LOGIN";
		break;
	}
	if (!smtp_offers(c, mech)) {
		m = smtp_auth_mechs(c);
		seterr(errp, "the server does not offer AUTH %s (it offers: %s)",
		    mech, *m ? m : "none");
		free(m);
		return -1;
	}

	if (strcmp(mech, "LOGIN") == 0) {
		code = smtp_step(c, "AUTH LOGIN");
		if (code == 334) {
			ir = base64_encode(user, strlen(user));
			code = smtp_step(c, ir);
			secret_free(ir);
		}
		if (code == 334) {
			ir = base64_encode(secret, strlen(secret));
			code = smtp_step(c, ir);
			secret_free(ir);
		}
	} else {
		if (strcmp(mech, "XOAUTH2") == 0)
			ir = sasl_xoauth2(user, secret);
		else if (strcmp(mech, "OAUTHBEARER") == 0)
			ir = sasl_oauthbearer(user, a->smtp.host, a->smtp.port,
			    secret);
		else
			ir = sasl_plain(user, secret);
		line = xasprintf("AUTH %s %s", mech, ir);
		secret_free(ir);
		code = smtp_step(c, line);
		secret_free(line);
		/* An OAuth error challenge (334) wants an empty answer. */
		if (code == 334)
			code = smtp_step(c, "");
	}
	if (code == 235)
		return 0;
	if (code == -1 || code == 0)
		seterr(errp, "authentication as %s failed: connection lost",
		    user);
	else
		seterr(errp, "authentication as %s failed: %d %s", user, code,
		    smtp_reply(c));
	return -1;
}

/* ---- the transaction: MAIL, RCPT, DATA ---- */

char *
smtp_wire(const char *msg, size_t len, size_t *outlen)
{
	size_t	 i, o = 0, cap = len + len / 8 + 8;
	char	*w = xmalloc(cap);
	int	 bol = 1;

	for (i = 0; i < len; i++) {
		if (o + 4 > cap) {
			cap = cap * 2 + 8;
			w = xrealloc(w, cap);
		}
		if (msg[i] == '\r' || msg[i] == '\n') {
			/* CRLF, a lone CR or a lone LF: one line end. */
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
				i++;
			w[o++] = '\r';
			w[o++] = '\n';
			bol = 1;
			continue;
		}
		if (bol && msg[i] == '.')
			w[o++] = '.';
		w[o++] = msg[i];
		bol = 0;
	}
	if (!bol) {
		w[o++] = '\r';
		w[o++] = '\n';
	}
	*outlen = o;
	return w;
}

int
smtp_addr_ok(const char *addr)
{
	const unsigned char	*p;
	size_t			 n = strlen(addr);

	if (n == 0 || n > 320 || strchr(addr, '@') == NULL)
		return 0;
	for (p = (const unsigned char *)addr; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' ||
		    *p == ',' || *p == ';')
			return 0;
	return 1;
}

static int
smtp_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Sends one command line and reads the reply; the code or 0. */
static int
smtp_cmd(struct smtp_conn *c, const char *line)
{
	char	*cmd = xasprintf("%s\r\n", line);
	int	 r;

	r = mailsmtp_send_command(c->smtp, cmd);
	free(cmd);
	if (r != MAILSMTP_NO_ERROR)
		return 0;
	return mailsmtp_read_response(c->smtp);
}

/* What a reply code means for the message. */
static enum smtp_result
smtp_classify(int code)
{
	if (code >= 200 && code < 400)
		return SMTP_OK;
	if (code >= 500)
		return SMTP_PERM;
	return SMTP_TEMP;	/* 4xx, or 0: the connection is gone */
}

enum smtp_result
smtp_send(struct smtp_conn *c, const char *from, char *const *rcpts,
    size_t nrcpts, const char *msg, size_t len,
    int (*before_dot)(void *), void *ctx, char **errp)
{
	char			*wire, *line, size[32];
	const char		*what;
	size_t			 wlen, i;
	int			 code, utf8 = !smtp_ascii(from);
	enum smtp_result	 r;

	if (!smtp_addr_ok(from)) {
		seterr(errp, "unusable sender address \"%s\"", from);
		return SMTP_PERM;
	}
	if (nrcpts == 0) {
		seterr(errp, "no recipients");
		return SMTP_PERM;
	}
	for (i = 0; i < nrcpts; i++) {
		if (!smtp_addr_ok(rcpts[i])) {
			seterr(errp, "unusable recipient address \"%s\"",
			    rcpts[i]);
			return SMTP_PERM;
		}
		if (!smtp_ascii(rcpts[i]))
			utf8 = 1;
	}
	if (utf8 && !c->smtputf8) {
		seterr(errp, "an address is not ASCII and the server does "
		    "not offer SMTPUTF8");
		return SMTP_PERM;
	}
	wire = smtp_wire(msg, len, &wlen);
	if (smtp_ehlo_has(c, "SIZE") && c->smtp->smtp_max_msg_size > 0 &&
	    wlen > c->smtp->smtp_max_msg_size) {
		seterr(errp, "the message (%zu bytes) is larger than the "
		    "server accepts (%zu)", wlen, c->smtp->smtp_max_msg_size);
		free(wire);
		return SMTP_PERM;
	}

	if (smtp_ehlo_has(c, "SIZE"))
		snprintf(size, sizeof size, " SIZE=%zu", wlen);
	else
		size[0] = '\0';
	line = xasprintf("MAIL FROM:<%s>%s%s%s", from, size,
	    smtp_ehlo_has(c, "8BITMIME") ? " BODY=8BITMIME" : "",
	    utf8 ? " SMTPUTF8" : "");
	code = smtp_cmd(c, line);
	free(line);
	what = "MAIL FROM";
	if (code != 250)
		goto refused;
	for (i = 0; i < nrcpts; i++) {
		line = xasprintf("RCPT TO:<%s>", rcpts[i]);
		code = smtp_cmd(c, line);
		free(line);
		if (code != 250 && code != 251) {
			what = "RCPT TO";
			seterr(errp, "%s refused <%s>: %d %s", c->acct->smtp.host,
			    rcpts[i], code, code ? smtp_reply(c) :
			    "connection lost");
			goto reset;
		}
	}
	code = smtp_cmd(c, "DATA");
	what = "DATA";
	if (code != 354)
		goto refused;
	/*
	 * The message goes out as is: CRLF and dot-stuffed once by
	 * smtp_wire(), never through mailsmtp_data_message() (which adds
	 * a CRLF of its own, LIBETPAN.md section 4).
	 */
	if (mailstream_write(c->smtp->stream, wire, wlen) != (ssize_t)wlen ||
	    mailstream_flush(c->smtp->stream) == -1) {
		seterr(errp, "%s: connection lost while sending the message",
		    c->acct->smtp.host);
		free(wire);
		c->dead = 1;
		return SMTP_TEMP;
	}
	free(wire);
	wire = NULL;
	if (before_dot != NULL && before_dot(ctx) == -1) {
		seterr(errp, "cannot record the sending state; not sent");
		c->dead = 1;
		return SMTP_TEMP;	/* the connection is dropped unfinished */
	}
	if (mailstream_write(c->smtp->stream, ".\r\n", 3) != 3 ||
	    mailstream_flush(c->smtp->stream) == -1) {
		seterr(errp, "%s: the connection dropped after the end of "
		    "the message, before the server's answer: possibly sent",
		    c->acct->smtp.host);
		c->dead = 1;
		return SMTP_UNSURE;
	}
	code = mailsmtp_read_response(c->smtp);
	if (code == 0) {
		c->dead = 1;
		seterr(errp, "%s: the connection dropped after the end of "
		    "the message, before the server's answer: possibly sent",
		    c->acct->smtp.host);
		c->dead = 1;
		return SMTP_UNSURE;
	}
	if (code == 250)
		return SMTP_OK;
	seterr(errp, "%s refused the message: %d %s", c->acct->smtp.host,
	    code, smtp_reply(c));
	return smtp_classify(code) == SMTP_PERM ? SMTP_PERM : SMTP_TEMP;

refused:
	free(wire);
	if (code == 0) {
		c->dead = 1;
		seterr(errp, "%s: connection lost at %s", c->acct->smtp.host,
		    what);
		return SMTP_TEMP;
	}
	seterr(errp, "%s refused %s: %d %s", c->acct->smtp.host, what, code,
	    smtp_reply(c));
	r = smtp_classify(code) == SMTP_PERM ? SMTP_PERM : SMTP_TEMP;
	if (smtp_cmd(c, "RSET") == 0)
		c->dead = 1;
	return r;
reset:
	free(wire);
	r = code == 0 || smtp_classify(code) != SMTP_PERM ? SMTP_TEMP :
	    SMTP_PERM;
	if (code == 0 || smtp_cmd(c, "RSET") == 0)
		c->dead = 1;
	return r;
}
