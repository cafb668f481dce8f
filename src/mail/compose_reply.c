/*
 * compose_reply.c - drafts made from other messages: replies (to the
 * sender or to all, quoted with "> ", an attribution line, In-Reply-To
 * and References, the identity the message was sent to), forwards
 * (inline or as message/rfc822), editing a message again, new
 * messages, and mailto: URLs (RFC 6068).  Pure; any thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

/* One line of display-safe text: no control characters, no breaks. */
static char *
one_line(const char *s)
{
	return sanitize_for_display(s, strlen(s), 0);
}

/* Text for the editor: sanitized, LF line ends. */
static char *
clean_text(const char *s, size_t len)
{
	char	*t = xmalloc(len + 1), *r;
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			t[n++] = '\n';
			continue;
		}
		t[n++] = s[i];
	}
	r = sanitize_for_display(t, n, 1);
	free(t);
	return r;
}

char *
compose_text_of(const char *msg, size_t len)
{
	struct mime	 m;
	size_t		 i, dlen, clen;
	ssize_t		 plain = -1, html = -1;
	char		*dec, *conv, *r;

	mime_parse(msg, len, &m);
	for (i = 0; i < m.nparts; i++) {
		const struct mime_part *p = &m.parts[i];

		if (p->multipart || strcmp(p->disposition, "attachment") == 0)
			continue;
		if (plain == -1 && strcmp(p->type, "text/plain") == 0)
			plain = (ssize_t)i;
		if (html == -1 && strcmp(p->type, "text/html") == 0)
			html = (ssize_t)i;
		/* Not inside a forwarded message. */
		if (strcmp(p->type, "message/rfc822") == 0)
			break;
	}
	if (plain == -1 && html == -1) {
		mime_free(&m);
		return xstrdup("");
	}
	i = (size_t)(plain != -1 ? plain : html);
	dec = mime_decode(msg, &m.parts[i], &dlen);
	conv = charset_to_utf8(*m.parts[i].charset != '\0' ?
	    m.parts[i].charset : "us-ascii", dec, dlen, &clen);
	free(dec);
	if (plain == -1) {
		dec = html_strip(conv, clen, &dlen);
		free(conv);
		conv = dec;
		clen = dlen;
	}
	r = clean_text(conv, clen);
	free(conv);
	mime_free(&m);
	return r;
}

int
compose_is_me(const struct compose_ctx *ctx, const char *addr)
{
	size_t	 i;
	char	*a;
	int	 me = 0;

	for (i = 0; i < ctx->nidents && !me; i++) {
		a = addr_first(ctx->idents[i]);
		me = *a != '\0' && strcasecmp(a, addr) == 0;
		free(a);
	}
	return me;
}

/* The raw value of header name in msg, decoded to one line; "" if none. */
static char *
header_get(const char *msg, size_t len, const char *name)
{
	const char	*n, *v;
	size_t		 pos = 0, nl, vl;
	int		 toolong;
	char		*d, *r;

	while (mime_header_next(msg, len, &pos, &n, &nl, &v, &vl, &toolong))
		if (nl == strlen(name) && strncasecmp(n, name, nl) == 0 &&
		    !toolong) {
			d = header_decode_text(v, vl);
			r = one_line(d);
			free(d);
			return r;
		}
	return xstrdup("");
}

void
compose_new(const struct compose_ctx *ctx, struct draft *d)
{
	draft_set(&d->from, ctx->nidents > 0 ? ctx->idents[0] : "");
	if (ctx->signature != NULL && *ctx->signature != '\0') {
		free(d->body);
		d->body = xasprintf("\n\n-- \n%s%s", ctx->signature,
		    ctx->signature[strlen(ctx->signature) - 1] == '\n' ? "" :
		    "\n");
	}
}

/* The identity the message was sent to (To, Cc, Delivered-To...). */
static const char *
pick_ident(const struct compose_ctx *ctx, const char *msg, size_t len,
    const struct header_fields *h)
{
	const char	*fields[5];
	char		*extra[3];
	struct addr	*v;
	size_t		 n, i, j, k;
	const char	*found = NULL;

	extra[0] = header_get(msg, len, "Delivered-To");
	extra[1] = header_get(msg, len, "X-Original-To");
	extra[2] = header_get(msg, len, "Envelope-To");
	fields[0] = h->to;
	fields[1] = h->cc;
	fields[2] = extra[0];
	fields[3] = extra[1];
	fields[4] = extra[2];
	for (k = 0; k < 5 && found == NULL; k++) {
		v = addr_list(fields[k], &n);
		for (i = 0; i < n && found == NULL; i++)
			for (j = 0; j < ctx->nidents && found == NULL; j++) {
				char	*a = addr_first(ctx->idents[j]);

				if (*a != '\0' && strcasecmp(a, v[i].addr) == 0)
					found = ctx->idents[j];
				free(a);
			}
		addr_list_free(v, n);
	}
	for (k = 0; k < 3; k++)
		free(extra[k]);
	if (found == NULL)
		found = ctx->nidents > 0 ? ctx->idents[0] : "";
	return found;
}

/* "prefix subject" without stacking prefixes (Re: Re:, Fwd: Fw:). */
static char *
prefixed(const char *prefix, const char *subject)
{
	static const char *const re[] = { "re", "aw", "sv", "antw" };
	static const char *const fw[] = { "fwd", "fw" };
	const char	*s = subject;
	const char *const *list = strcmp(prefix, "Re:") == 0 ? re : fw;
	size_t		 nlist = strcmp(prefix, "Re:") == 0 ? 4 : 2, i, l;
	int		 again = 1;

	while (again) {
		again = 0;
		s += strspn(s, " \t");
		for (i = 0; i < nlist; i++) {
			l = strlen(list[i]);
			if (strncasecmp(s, list[i], l) != 0)
				continue;
			if (s[l] == ':') {
				s += l + 1;
				again = 1;
				break;
			}
			if (s[l] == '[' && strchr(s + l, ']') != NULL &&
			    strchr(s + l, ']')[1] == ':') {
				s = strchr(s + l, ']') + 2;
				again = 1;
				break;
			}
		}
	}
	s += strspn(s, " \t");
	return xasprintf("%s %s", prefix, s);
}

/* Adds the addresses of list to out (", "-joined), less me and dups. */
static void
add_addrs(const struct compose_ctx *ctx, struct strbuf *out, char ***seen,
    size_t *nseen, const char *list, int drop_me)
{
	struct addr	*v;
	size_t		 n, i, j;
	char		*f;
	int		 dup;

	v = addr_list(list, &n);
	for (i = 0; i < n; i++) {
		if (drop_me && compose_is_me(ctx, v[i].addr))
			continue;
		for (j = 0, dup = 0; j < *nseen && !dup; j++)
			dup = strcasecmp((*seen)[j], v[i].addr) == 0;
		if (dup)
			continue;
		*seen = xrealloc(*seen, (*nseen + 1) * sizeof **seen);
		(*seen)[(*nseen)++] = xstrdup(v[i].addr);
		f = addr_format(&v[i]);
		if (out->len > 0)
			strbuf_str(out, ", ");
		strbuf_str(out, f);
		free(f);
	}
	addr_list_free(v, n);
}

/* The attribution line: %n name, %a address, %d date, %s subject. */
static char *
attribution(const char *fmt, const char *from, const char *date,
    const char *subject)
{
	struct strbuf	 b = { NULL, 0, 0 };
	struct addr	*v;
	size_t		 n;
	const char	*p;

	v = addr_list(from, &n);
	strbuf_add(&b, "", 0);
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			strbuf_add(&b, p, 1);
			continue;
		}
		switch (*++p) {
		case 'n':
			strbuf_str(&b, n > 0 ? (*v[0].name != '\0' ? v[0].name :
			    v[0].addr) : from);
			break;
		case 'a':
			strbuf_str(&b, n > 0 ? v[0].addr : from);
			break;
		case 'd':
			strbuf_str(&b, date);
			break;
		case 's':
			strbuf_str(&b, subject);
			break;
		case '%':
			strbuf_str(&b, "%");
			break;
		default:
			strbuf_add(&b, p - 1, 2);
			break;
		}
	}
	addr_list_free(v, n);
	return b.p;
}

/* The text quoted with "> ", the original's signature left out. */
static void
quote(struct strbuf *b, const char *text)
{
	const char	*p = text, *nl;
	size_t		 ll;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		ll = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (ll == 3 && strncmp(p, "-- ", 3) == 0)
			break;
		strbuf_str(b, ll > 0 && p[0] == '>' ? ">" : "> ");
		strbuf_add(b, p, ll);
		strbuf_str(b, "\n");
		p += ll + (nl != NULL);
	}
}

static void
signature(const struct compose_ctx *ctx, struct strbuf *b)
{
	if (ctx->signature == NULL || *ctx->signature == '\0')
		return;
	strbuf_str(b, "\n-- \n");
	strbuf_str(b, ctx->signature);
	if (ctx->signature[strlen(ctx->signature) - 1] != '\n')
		strbuf_str(b, "\n");
}

/* 1 if id (n bytes) can go in a header as <id>: visible ASCII only. */
static int
id_ok(const char *id, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 32 || (unsigned char)id[i] >= 127 ||
		    id[i] == '<' || id[i] == '>')
			return 0;
	return n > 0 && n < 250;
}

/* References of a reply: the original's (the last 20) and its id. */
static char *
references(const struct header_fields *h)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const char	*p = h->references;
	size_t		 n = 0, skip, wl;

	strbuf_add(&b, "", 0);
	for (p = h->references; *(p += strspn(p, " ")) != '\0'; p += wl, n++)
		wl = strcspn(p, " ");
	skip = n > 19 ? n - 19 : 0;
	for (p = h->references, n = 0; *(p += strspn(p, " ")) != '\0';
	    p += wl, n++) {
		wl = strcspn(p, " ");
		if (n < skip || !id_ok(p, wl))
			continue;
		strbuf_str(&b, b.len > 0 ? " <" : "<");
		strbuf_add(&b, p, wl);
		strbuf_str(&b, ">");
	}
	if (id_ok(h->message_id, strlen(h->message_id))) {
		strbuf_str(&b, b.len > 0 ? " <" : "<");
		strbuf_str(&b, h->message_id);
		strbuf_str(&b, ">");
	}
	return b.p;
}

int
compose_from(const struct compose_ctx *ctx, enum compose_kind kind,
    const char *msg, size_t len, struct draft *d, char **errp)
{
	struct header_fields	 h;
	struct strbuf		 to = { NULL, 0, 0 }, cc = { NULL, 0, 0 };
	struct strbuf		 body = { NULL, 0, 0 };
	char			**seen = NULL, *text, *date, *rt, *t;
	const char		*target;
	size_t			 nseen = 0, i;

	if (msg == NULL || len == 0) {
		seterr(errp, "the message is not available (not fetched yet)");
		return -1;
	}
	memset(&h, 0, sizeof h);
	header_parse(msg, len, &h);
	date = header_get(msg, len, "Date");
	rt = header_get(msg, len, "Reply-To");
	text = compose_text_of(msg, len);
	strbuf_add(&to, "", 0);
	strbuf_add(&cc, "", 0);
	strbuf_add(&body, "", 0);

	switch (kind) {
	case COMPOSE_REPLY:
	case COMPOSE_REPLY_ALL:
		draft_set(&d->from, pick_ident(ctx, msg, len, &h));
		target = *rt != '\0' ? rt : h.from;
		add_addrs(ctx, &to, &seen, &nseen, target,
		    kind == COMPOSE_REPLY_ALL);
		if (kind == COMPOSE_REPLY_ALL) {
			add_addrs(ctx, &to, &seen, &nseen, h.to, 1);
			add_addrs(ctx, &cc, &seen, &nseen, h.cc, 1);
		}
		/* A reply to one's own message goes where it went. */
		if (to.len == 0 && *target != '\0') {
			add_addrs(ctx, &to, &seen, &nseen, h.to, 0);
			if (to.len == 0)
				add_addrs(ctx, &to, &seen, &nseen, target, 0);
		}
		draft_set(&d->to, to.p);
		draft_set(&d->cc, cc.p);
		t = prefixed("Re:", h.subject);
		draft_set(&d->subject, t);
		free(t);
		if (id_ok(h.message_id, strlen(h.message_id))) {
			t = xasprintf("<%s>", h.message_id);
			draft_set(&d->in_reply_to, t);
			free(t);
		}
		t = references(&h);
		draft_set(&d->references, t);
		free(t);
		t = attribution(ctx->attribution != NULL ?
		    ctx->attribution : "On %d, %n wrote:", h.from, date,
		    h.subject);
		strbuf_str(&body, t);
		strbuf_str(&body, "\n");
		free(t);
		quote(&body, text);
		strbuf_str(&body, "\n");
		signature(ctx, &body);
		break;
	case COMPOSE_FORWARD:
	case COMPOSE_FORWARD_ATTACH:
		draft_set(&d->from, pick_ident(ctx, msg, len, &h));
		t = prefixed("Fwd:", h.subject);
		draft_set(&d->subject, t);
		free(t);
		strbuf_str(&body, "\n");
		signature(ctx, &body);
		if (kind == COMPOSE_FORWARD_ATTACH) {
			free(d->fwd);
			d->fwd = xmalloc(len);
			memcpy(d->fwd, msg, len);
			d->fwdlen = len;
			break;
		}
		strbuf_str(&body, "\n---------- Forwarded message ----------\n");
		strbuf_str(&body, "From: ");
		strbuf_str(&body, h.from);
		strbuf_str(&body, "\nDate: ");
		strbuf_str(&body, date);
		strbuf_str(&body, "\nSubject: ");
		strbuf_str(&body, h.subject);
		strbuf_str(&body, "\nTo: ");
		strbuf_str(&body, h.to);
		if (*h.cc != '\0') {
			strbuf_str(&body, "\nCc: ");
			strbuf_str(&body, h.cc);
		}
		strbuf_str(&body, "\n\n");
		strbuf_str(&body, text);
		break;
	case COMPOSE_EDIT:
		t = one_line(h.from);
		draft_set(&d->from, *t != '\0' ? t : ctx->nidents > 0 ?
		    ctx->idents[0] : "");
		free(t);
		draft_set(&d->to, h.to);
		draft_set(&d->cc, h.cc);
		t = header_get(msg, len, "Bcc");
		draft_set(&d->bcc, t);
		free(t);
		draft_set(&d->subject, h.subject);
		draft_set(&d->reply_to, rt);
		if (id_ok(h.in_reply_to, strlen(h.in_reply_to))) {
			t = xasprintf("<%s>", h.in_reply_to);
			draft_set(&d->in_reply_to, t);
			free(t);
		}
		if (*h.references != '\0') {
			struct header_fields	 hr = h;

			hr.message_id = "";
			t = references(&hr);
			draft_set(&d->references, t);
			free(t);
		}
		strbuf_str(&body, text);
		break;
	}
	/* Header values from a hostile message: one line each. */
	{
		char	**f[] = { &d->from, &d->to, &d->cc, &d->bcc,
			    &d->subject, &d->reply_to };

		for (i = 0; i < sizeof f / sizeof f[0]; i++) {
			t = one_line(*f[i]);
			free(*f[i]);
			*f[i] = t;
		}
	}
	free(d->body);
	d->body = body.p;
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	free(to.p);
	free(cc.p);
	free(text);
	free(date);
	free(rt);
	header_fields_free(&h);
	return 0;
}

/* ---- mailto: (RFC 6068) ---- */

/* %XX-decoded s[0..n); NUL bytes are dropped. */
static char *
pct_decode(const char *s, size_t n)
{
	char	*r = xmalloc(n + 1);
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval(s[i + 1])) != -1 &&
		    (lo = hexval(s[i + 2])) != -1) {
			if (hi * 16 + lo != 0)
				r[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			r[o++] = s[i];
	}
	r[o] = '\0';
	return r;
}

/* Appends v to *field with ", " (addresses) or "\n" (body). */
static void
append(char **field, const char *v, const char *sep)
{
	char	*t;

	if (**field == '\0') {
		draft_set(field, v);
		return;
	}
	t = xasprintf("%s%s%s", *field, sep, v);
	free(*field);
	*field = t;
}

int
compose_mailto(const char *url, struct draft *d, char **errp)
{
	const char	*p, *q, *amp, *eq;
	char		*v, *clean, *name;

	if (strncasecmp(url, "mailto:", 7) != 0) {
		seterr(errp, "not a mailto: URL");
		return -1;
	}
	p = url + 7;
	q = strchr(p, '?');
	v = pct_decode(p, q != NULL ? (size_t)(q - p) : strlen(p));
	clean = one_line(v);
	append(&d->to, clean, ", ");
	free(v);
	free(clean);
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0';
	    p = amp != NULL ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) :
		    strlen(p));
		if (eq == NULL)
			continue;
		name = pct_decode(p, (size_t)(eq - p));
		v = pct_decode(eq + 1, amp != NULL ? (size_t)(amp - eq - 1) :
		    strlen(eq + 1));
		if (strcasecmp(name, "body") == 0) {
			/* Lines stay lines (CRLF or LF), nothing else. */
			clean = clean_text(v, strlen(v));
			append(&d->body, clean, "\n");
		} else {
			clean = one_line(v);
			if (strcasecmp(name, "to") == 0)
				append(&d->to, clean, ", ");
			else if (strcasecmp(name, "cc") == 0)
				append(&d->cc, clean, ", ");
			else if (strcasecmp(name, "subject") == 0)
				draft_set(&d->subject, clean);
			else if (strcasecmp(name, "in-reply-to") == 0)
				draft_set(&d->in_reply_to, clean);
			else if (strcasecmp(name, "references") == 0)
				draft_set(&d->references, clean);
			/* Everything else (bcc, attach, from...) ignored. */
		}
		free(clean);
		free(name);
		free(v);
	}
	/* "mailto:" leaves a to like ", b@x" when the path was empty. */
	if (strncmp(d->to, ", ", 2) == 0) {
		v = xstrdup(d->to + 2);
		free(d->to);
		d->to = v;
	}
	return 0;
}
