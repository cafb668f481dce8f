/*
 * compose.c - a draft (the header block and body the user edits) and
 * the RFC 5322 / MIME message built from it for the outbox: encoded
 * headers, a 7bit or quoted-printable text body, multipart/mixed with
 * base64 attachments (RFC 2231 names) and a forwarded message/rfc822.
 * Header values never carry CR or LF from the user (SECURITY.md,
 * "Outbound").  Pure but for /dev/urandom; any thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

/* ---- the draft ---- */

void
draft_init(struct draft *d)
{
	memset(d, 0, sizeof *d);
	d->from = xstrdup("");
	d->to = xstrdup("");
	d->cc = xstrdup("");
	d->bcc = xstrdup("");
	d->subject = xstrdup("");
	d->reply_to = xstrdup("");
	d->in_reply_to = xstrdup("");
	d->references = xstrdup("");
	d->message_id = xstrdup("");
	d->body = xstrdup("");
}

void
draft_free(struct draft *d)
{
	size_t	 i;

	free(d->from);
	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->subject);
	free(d->reply_to);
	free(d->in_reply_to);
	free(d->references);
	free(d->message_id);
	free(d->body);
	for (i = 0; i < d->nattach; i++)
		free(d->attach[i]);
	free(d->attach);
	free(d->fwd);
	memset(d, 0, sizeof *d);
}

void
draft_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value != NULL ? value : "");
}

void
draft_attach(struct draft *d, const char *path)
{
	d->attach = xrealloc(d->attach, (d->nattach + 1) * sizeof *d->attach);
	d->attach[d->nattach++] = xstrdup(path);
}

void
draft_detach(struct draft *d, size_t i)
{
	if (i >= d->nattach)
		return;
	free(d->attach[i]);
	memmove(d->attach + i, d->attach + i + 1,
	    (d->nattach - i - 1) * sizeof *d->attach);
	d->nattach--;
}

char *
draft_text(const struct draft *d)
{
	struct strbuf	 b = { NULL, 0, 0 };

	strbuf_str(&b, "From: ");
	strbuf_str(&b, d->from);
	strbuf_str(&b, "\nTo: ");
	strbuf_str(&b, d->to);
	strbuf_str(&b, "\nCc: ");
	strbuf_str(&b, d->cc);
	strbuf_str(&b, "\nBcc: ");
	strbuf_str(&b, d->bcc);
	strbuf_str(&b, "\nSubject: ");
	strbuf_str(&b, d->subject);
	if (*d->reply_to != '\0') {
		strbuf_str(&b, "\nReply-To: ");
		strbuf_str(&b, d->reply_to);
	}
	strbuf_str(&b, "\n\n");
	strbuf_str(&b, d->body);
	return b.p;
}

int
draft_parse(struct draft *d, const char *text, size_t len, char **errp)
{
	static const char *const names[] = { "From", "To", "Cc", "Bcc",
	    "Subject", "Reply-To" };
	char		*val[6] = { NULL };
	const char	*p = text, *end = text + len, *nl, *colon;
	size_t		 i, ll;
	int		 line = 0, last = -1, rc = -1;

	for (;;) {
		if (p >= end) {
			p = end;
			break;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll == 0) {			/* the blank line */
			p = nl != NULL ? nl + 1 : end;
			break;
		}
		if ((p[0] == ' ' || p[0] == '\t') && last >= 0) {
			char	*t = xasprintf("%s %.*s", val[last],
				    (int)(ll - strspn(p, " \t")),
				    p + strspn(p, " \t"));

			free(val[last]);
			val[last] = t;
		} else {
			colon = memchr(p, ':', ll);
			last = -1;
			for (i = 0; colon != NULL && i < 6; i++)
				if ((size_t)(colon - p) == strlen(names[i]) &&
				    strncasecmp(p, names[i], strlen(names[i]))
				    == 0)
					last = (int)i;
			if (last == -1) {
				seterr(errp, "line %d: %s", line,
				    colon == NULL ? "not a header line (the "
				    "headers end at the first blank line)" :
				    "only From, To, Cc, Bcc, Subject and "
				    "Reply-To can be set");
				goto done;
			}
			free(val[last]);
			colon++;
			colon += strspn(colon, " \t");
			val[last] = xstrndup(colon, ll - (size_t)(colon - p));
		}
		if (nl == NULL) {
			p = end;
			break;
		}
		p = nl + 1;
	}
	for (i = 0; i < 6; i++) {
		char	*v = val[i] != NULL ? val[i] : "";
		size_t	 n = strlen(v);

		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			v[--n] = '\0';
	}
	draft_set(&d->from, val[0]);
	draft_set(&d->to, val[1]);
	draft_set(&d->cc, val[2]);
	draft_set(&d->bcc, val[3]);
	draft_set(&d->subject, val[4]);
	draft_set(&d->reply_to, val[5]);
	free(d->body);
	d->body = xstrndup(p, (size_t)(end - p));
	rc = 0;
done:
	for (i = 0; i < 6; i++)
		free(val[i]);
	return rc;
}

/* ---- building ---- */

/* 1 if s holds a byte that must never reach a header line. */
static int
has_break(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n' || *s == '\0' ||
		    ((unsigned char)*s < 32 && *s != '\t') || *s == 127)
			return 1;
	return 0;
}

static int
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 128)
			return 0;
	return 1;
}

/* "Name: a, b" with each address's name encoded, folded at commas. */
static int
addr_header(struct strbuf *b, const char *name, const char *value,
    int required, size_t *count, char **errp)
{
	struct addr	*v;
	size_t		 n, i, col;
	char		*one, *dn;
	int		 rc = 0;

	v = addr_list(value, &n);
	if (count != NULL)
		*count += n;
	if (n == 0) {
		addr_list_free(v, n);
		if (required || strspn(value, " \t,") != strlen(value)) {
			seterr(errp, "%s: no address in \"%s\"", name, value);
			return -1;
		}
		return 0;
	}
	strbuf_str(b, name);
	strbuf_str(b, ": ");
	col = strlen(name) + 2;
	for (i = 0; i < n; i++) {
		if (strchr(v[i].addr, '@') == NULL || has_break(v[i].addr)) {
			seterr(errp, "%s: \"%s\" is not an address", name,
			    v[i].addr);
			rc = -1;
			break;
		}
		if (ascii(v[i].name)) {
			one = addr_format(&v[i]);
		} else {
			/* Encoded words for the name; folds are fine in it. */
			char	*enc = compose_encode_text("X", v[i].name);

			dn = enc + 3;
			one = xasprintf("%s <%s>", dn, v[i].addr);
			free(enc);
		}
		if (i > 0) {
			strbuf_str(b, ",");
			if (col + strlen(one) + 2 > 78) {
				strbuf_str(b, "\r\n ");
				col = 1;
			} else {
				strbuf_str(b, " ");
				col += 2;
			}
		}
		strbuf_str(b, one);
		col += strlen(one);
		if (strrchr(one, '\n') != NULL)
			col = strlen(strrchr(one, '\n'));
		free(one);
	}
	strbuf_str(b, "\r\n");
	addr_list_free(v, n);
	return rc;
}

/* The text body as lines: 7bit when ASCII and short, else QP. */
static void
text_part(struct strbuf *b, const char *body)
{
	const char	*p;
	size_t		 len = strlen(body), ll = 0, qlen, i;
	int		 plain = 1;
	char		*norm, *q;

	/* LF only, ending in one: a lone CR is no line end (smuggling). */
	norm = xmalloc(len + 2);
	for (i = 0, qlen = 0; i < len; i++) {
		if (body[i] == '\r')
			continue;
		norm[qlen++] = body[i];
	}
	if (qlen == 0 || norm[qlen - 1] != '\n')
		norm[qlen++] = '\n';
	norm[qlen] = '\0';
	len = qlen;
	for (p = norm; *p != '\0'; p++) {
		if (*p == '\n')
			ll = 0;
		else if (++ll > 998 || (unsigned char)*p >= 128 ||
		    ((unsigned char)*p < 32 && *p != '\t') || *p == 127)
			plain = 0;
	}
	strbuf_str(b, "Content-Type: text/plain; charset=");
	strbuf_str(b, plain ? "us-ascii" : "utf-8");
	strbuf_str(b, "\r\nContent-Transfer-Encoding: ");
	strbuf_str(b, plain ? "7bit" : "quoted-printable");
	strbuf_str(b, "\r\n\r\n");
	if (plain) {
		for (p = norm; *p != '\0'; p++)
			if (*p == '\n')
				strbuf_str(b, "\r\n");
			else
				strbuf_add(b, p, 1);
	} else {
		q = compose_qp(norm, len, &qlen);
		strbuf_add(b, q, qlen);
		free(q);
	}
	free(norm);
}

/* A parameter value: quoted ASCII, else RFC 2231 with continuations. */
static void
param(struct strbuf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const char	*p;
	char		 one[4];
	size_t		 col = 0;
	int		 sec = 0, plain = ascii(value) && strlen(value) < 60;

	if (plain) {
		strbuf_str(b, ";\r\n\t");
		strbuf_str(b, name);
		strbuf_str(b, "=\"");
		for (p = value; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_str(b, "\\");
			strbuf_add(b, p, 1);
		}
		strbuf_str(b, "\"");
		return;
	}
	for (p = value; *p != '\0'; p++) {
		unsigned char	 c = (unsigned char)*p;

		if (col == 0) {
			char	 head[64];

			snprintf(head, sizeof head, ";\r\n\t%s*%d*=%s", name,
			    sec, sec == 0 ? "utf-8''" : "");
			strbuf_str(b, head);
			sec++;
		}
		if (isalnum(c) || strchr("!#$&+-.^_`|~", c) != NULL) {
			one[0] = (char)c;
			one[1] = '\0';
		} else {
			one[0] = '%';
			one[1] = hex[c >> 4];
			one[2] = hex[c & 15];
			one[3] = '\0';
		}
		strbuf_str(b, one);
		col += strlen(one);
		/* Whole characters per section: break before a lead byte. */
		if (col >= 50 && ((unsigned char)p[1] & 0xc0) != 0x80)
			col = 0;
	}
}

/* Base64 in lines of 76. */
static void
base64_lines(struct strbuf *b, const char *data, size_t len)
{
	size_t	 i;
	char	*e;

	for (i = 0; i < len; i += 57) {
		e = base64_encode(data + i, len - i < 57 ? len - i : 57);
		strbuf_str(b, e);
		strbuf_str(b, "\r\n");
		free(e);
	}
}

static void
file_part(struct strbuf *b, const struct compose_file *f)
{
	const char	*type = f->type != NULL ? f->type :
			    compose_guess_type(f->name, f->data, f->len);

	strbuf_str(b, "Content-Type: ");
	strbuf_str(b, type);
	if (strncmp(type, "text/", 5) == 0 && utf8_valid((const unsigned
	    char *)f->data, f->len)) {
		const char	*p;
		int		 a = 1;

		for (p = f->data; p < f->data + f->len; p++)
			if ((unsigned char)*p >= 128)
				a = 0;
		if (!a)
			strbuf_str(b, "; charset=utf-8");
	}
	if (ascii(f->name) && strlen(f->name) < 60)
		param(b, "name", f->name);
	strbuf_str(b, "\r\nContent-Disposition: attachment");
	param(b, "filename", f->name);
	strbuf_str(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	base64_lines(b, f->data, f->len);
}

/* A forwarded message: CRLF lines, 8bit unless a line is too long. */
static void
message_part(struct strbuf *b, const char *msg, size_t len)
{
	size_t	 i, ll = 0;
	int	 long_line = 0, eight = 0;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' || msg[i] == '\r')
			ll = 0;
		else if (++ll > 990)
			long_line = 1;
		if ((unsigned char)msg[i] >= 128)
			eight = 1;
	}
	if (long_line) {
		/* Cannot go as 8bit: an opaque attachment then. */
		strbuf_str(b, "Content-Type: application/octet-stream;\r\n\t"
		    "name=\"forwarded.eml\"\r\nContent-Disposition: "
		    "attachment; filename=\"forwarded.eml\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		base64_lines(b, msg, len);
		return;
	}
	strbuf_str(b, "Content-Type: message/rfc822\r\nContent-Disposition: "
	    "inline\r\nContent-Transfer-Encoding: ");
	strbuf_str(b, eight ? "8bit" : "7bit");
	strbuf_str(b, "\r\n\r\n");
	for (i = 0; i < len; i++) {
		if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
			continue;
		if (msg[i] == '\r' || msg[i] == '\n')
			strbuf_str(b, "\r\n");
		else
			strbuf_add(b, msg + i, 1);
	}
	if (len > 0 && msg[len - 1] != '\n' && msg[len - 1] != '\r')
		strbuf_str(b, "\r\n");
}

/* 1 if needle occurs in data[0..len). */
static int
f_has(const char *data, size_t len, const char *needle)
{
	size_t	 n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (data[i] == needle[0] && memcmp(data + i, needle, n) == 0)
			return 1;
	return 0;
}

/* A boundary found in none of the parts. */
static char *
boundary(const struct draft *d, const struct compose_file *files,
    size_t nfiles)
{
	char	*bd = NULL, *id;
	size_t	 i;
	int	 clash, tries;

	for (tries = 0; tries < 20; tries++) {
		free(bd);
		id = compose_message_id("x@x");
		bd = xasprintf("=_tern_%.*s", 24, id + 1);
		free(id);
		clash = strstr(d->body, bd) != NULL;
		for (i = 0; i < nfiles && !clash; i++)
			clash = f_has(files[i].data, files[i].len, bd);
		if (!clash && d->fwd != NULL)
			clash = f_has(d->fwd, d->fwdlen, bd);
		if (!clash)
			break;
	}
	return bd;
}

char *
compose_build(struct draft *d, const struct compose_file *files,
    size_t nfiles, time_t now, int flags, size_t *lenp, char **errp)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const char	*checks[] = { d->from, d->to, d->cc, d->bcc,
			    d->subject, d->reply_to, d->in_reply_to,
			    d->references, d->message_id };
	static const char *const cnames[] = { "From", "To", "Cc", "Bcc",
			    "Subject", "Reply-To", "In-Reply-To",
			    "References", "Message-ID" };
	char		*t, *bd;
	size_t		 i, nrcpt = 0;
	int		 multi = nfiles > 0 || d->fwd != NULL;

	for (i = 0; i < sizeof checks / sizeof checks[0]; i++)
		if (has_break(checks[i])) {
			seterr(errp, "%s: a line break or control character "
			    "cannot be part of a header", cnames[i]);
			return NULL;
		}
	if (*d->message_id == '\0')
		draft_set(&d->message_id, t = compose_message_id(d->from));
	else
		t = NULL;
	free(t);

	strbuf_add(&b, "", 0);
	t = compose_date(now);
	strbuf_str(&b, "Date: ");
	strbuf_str(&b, t);
	strbuf_str(&b, "\r\n");
	free(t);
	if (addr_header(&b, "From", d->from, 1, NULL, errp) == -1 ||
	    addr_header(&b, "To", d->to, 0, &nrcpt, errp) == -1 ||
	    addr_header(&b, "Cc", d->cc, 0, &nrcpt, errp) == -1)
		goto fail;
	if (flags & COMPOSE_BCC) {
		if (addr_header(&b, "Bcc", d->bcc, 0, &nrcpt, errp) == -1)
			goto fail;
	} else {
		struct addr	*v = addr_list(d->bcc, &i);

		nrcpt += i;
		addr_list_free(v, i);
	}
	if (nrcpt == 0 && !(flags & COMPOSE_DRAFT)) {
		seterr(errp, "no recipient: To, Cc and Bcc are empty");
		goto fail;
	}
	if (addr_header(&b, "Reply-To", d->reply_to, 0, NULL, errp) == -1)
		goto fail;
	if (*d->subject != '\0') {
		t = compose_encode_text("Subject", d->subject);
		strbuf_str(&b, t);
		strbuf_str(&b, "\r\n");
		free(t);
	}
	strbuf_str(&b, "Message-ID: ");
	strbuf_str(&b, d->message_id);
	strbuf_str(&b, "\r\n");
	if (*d->in_reply_to != '\0') {
		strbuf_str(&b, "In-Reply-To: ");
		strbuf_str(&b, d->in_reply_to);
		strbuf_str(&b, "\r\n");
	}
	if (*d->references != '\0') {
		/* One id per line: never near 998 octets. */
		const char	*p = d->references;
		size_t		 wl;
		int		 first = 1;

		strbuf_str(&b, "References:");
		while (*(p += strspn(p, " \t")) != '\0') {
			wl = strcspn(p, " \t");
			strbuf_str(&b, first ? " " : "\r\n ");
			strbuf_add(&b, p, wl);
			p += wl;
			first = 0;
		}
		strbuf_str(&b, "\r\n");
	}
	strbuf_str(&b, "User-Agent: tern/" TERN_VERSION "\r\n");
	strbuf_str(&b, "MIME-Version: 1.0\r\n");
	if (!multi) {
		text_part(&b, d->body);
		*lenp = b.len;
		return b.p;
	}
	bd = boundary(d, files, nfiles);
	strbuf_str(&b, "Content-Type: multipart/mixed;\r\n\tboundary=\"");
	strbuf_str(&b, bd);
	strbuf_str(&b, "\"\r\n\r\nThis is a message in MIME format.\r\n");
	strbuf_str(&b, "\r\n--");
	strbuf_str(&b, bd);
	strbuf_str(&b, "\r\n");
	text_part(&b, d->body);
	for (i = 0; i < nfiles; i++) {
		strbuf_str(&b, "\r\n--");
		strbuf_str(&b, bd);
		strbuf_str(&b, "\r\n");
		file_part(&b, &files[i]);
	}
	if (d->fwd != NULL) {
		strbuf_str(&b, "\r\n--");
		strbuf_str(&b, bd);
		strbuf_str(&b, "\r\n");
		message_part(&b, d->fwd, d->fwdlen);
	}
	strbuf_str(&b, "\r\n--");
	strbuf_str(&b, bd);
	strbuf_str(&b, "--\r\n");
	free(bd);
	*lenp = b.len;
	return b.p;
fail:
	free(b.p);
	return NULL;
}
