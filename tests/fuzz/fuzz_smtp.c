/*
 * fuzz_smtp.c - libFuzzer target (make fuzz): SMTP replies through
 * tern's submission session (src/net/smtp.c over libetpan's reply
 * reader): the greeting, the injection check, EHLO and its keywords
 * (AUTH, SMTPUTF8, STARTTLS), the STARTTLS reply, EHLO again, and
 * every AUTH exchange (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER, their 334
 * challenges), answered by the fuzz input as the server's bytes
 * (fuzz.h: short reads, EOF at the end).  smtp.c is compiled into this
 * file so its static steps can be driven without a TLS socket; the
 * TLS handshake itself is not fuzzed here.  Byte 0 picks the
 * account's TLS mode and AUTH mechanism.  Properties: no crash or
 * sanitizer report; an error message is safe to print once passed
 * through the sanitizer, as the UI does.  Single-threaded.
 */
#include "../../src/net/smtp.c"

#include "fuzz.h"

static void
check_err(char **err)
{
	char	*s;

	if (*err == NULL)
		return;
	s = sanitize_for_display(*err, strlen(*err), 0);
	FUZZ_ASSERT(fuzz_printable(s, strlen(s), 0, 0), "unsafe error");
	free(s);
	free(*err);
	*err = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account		 a;
	struct smtp_conn	*c;
	char			*err = NULL, *m;
	int			 r;

	if (size < 1)
		return 0;
	memset(&a, 0, sizeof a);
	a.name = "fuzz";
	a.smtp.host = "127.0.0.1";
	a.smtp.port = 587;
	a.smtp.user = "alice";
	a.smtp.tls = data[0] & 1 ? TLS_STARTTLS : TLS_PLAIN;
	a.auth = (enum auth_mech)(data[0] / 2 % 5);
	a.timeout = 5;

	/* smtp_connect() after tls_connect(), as it is written there. */
	c = xcalloc(1, sizeof *c);
	c->acct = &a;
	c->label = xstrdup("fuzz smtp");
	c->smtp = mailsmtp_new(0, NULL);
	r = mailsmtp_connect(c->smtp, fuzz_peer_stream(data + 1, size - 1));
	if (r != MAILSMTP_NO_ERROR) {
		err = xasprintf("refused the connection: %d %s",
		    c->smtp->response_code, smtp_reply(c));
		c->smtp->stream = NULL;
		goto fail;
	}
	if (tls_buffered(c->smtp->stream))
		goto fail;	/* injection: what smtp_connect() refuses */
	if (smtp_ehlo(c, &err) == -1)
		goto fail;
	if (a.smtp.tls == TLS_STARTTLS) {
		if (!(c->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS))
			goto fail;
		r = mailesmtp_starttls(c->smtp);
		if (c->smtp->stream == NULL || tls_buffered(c->smtp->stream) ||
		    r != MAILSMTP_NO_ERROR)
			goto fail;
		/* No handshake with a fuzz input: EHLO again in the clear. */
		if (smtp_ehlo(c, &err) == -1)
			goto fail;
		a.smtp.tls = TLS_PLAIN;	/* smtp_login() insists on TLS */
	}
	(void)smtp_ehlo_has(c, "SMTPUTF8");
	m = smtp_auth_mechs(c);
	FUZZ_ASSERT(strchr(m, '\r') == NULL && strchr(m, '\n') == NULL,
	    "mechanism list spans lines");
	free(m);
	(void)smtp_login(c, "pw", &err);
	check_err(&err);
	smtp_close(c);
	return 0;
fail:
	check_err(&err);
	smtp_abort(c);
	smtp_close(c);
	return 0;
}
