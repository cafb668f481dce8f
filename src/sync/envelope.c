/*
 * envelope.c - what SMTP needs of a ready message: the sender and the
 * recipients (addr-specs out of From, To, Cc and Bcc), the message as
 * transmitted (without its Bcc field), and its CRLF form for APPEND.
 * Pure functions on a buffer; run by the engine thread (send.c) and
 * by `tern send` (cmd_send.c).
 *
 * Address lists are parsed leniently, as mail is written: "Name
 * <a@b>", bare a@b, quoted display names with commas, (comments),
 * and groups ("team: a@b, c@d;", "undisclosed-recipients:;").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"
#include "sync.h"

/* Adds addr (n bytes) unless it is already there (case-insensitive). */
static void
add_addr(char ***list, size_t *n, const char *addr, size_t len)
{
	size_t	i;

	while (len > 0 && memchr(" \t\r\n", *addr, 4) != NULL) {
		addr++;
		len--;
	}
	while (len > 0 && memchr(" \t\r\n", addr[len - 1], 4) != NULL)
		len--;
	if (len == 0 || memchr(addr, '@', len) == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strlen((*list)[i]) == len &&
		    strncasecmp((*list)[i], addr, len) == 0)
			return;
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = xstrndup(addr, len);
}

/* One mailbox: the <addr-spec> if any, else the bare address. */
static void
one_mailbox(char ***list, size_t *n, const char *s, size_t len)
{
	char	*buf = xmalloc(len + 1);
	size_t	 i, o = 0, start;
	int	 depth = 0, quoted = 0;

	/* <...> outside quotes and comments wins. */
	for (i = 0; i < len; i++) {
		if (quoted) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			else if (s[i] == '"')
				quoted = 0;
		} else if (depth > 0) {
			if (s[i] == '(')
				depth++;
			else if (s[i] == ')')
				depth--;
		} else if (s[i] == '"')
			quoted = 1;
		else if (s[i] == '(')
			depth = 1;
		else if (s[i] == '<') {
			start = ++i;
			while (i < len && s[i] != '>')
				i++;
			add_addr(list, n, s + start, i - start);
			free(buf);
			return;
		}
	}
	/* No brackets: the text without comments and spaces. */
	depth = 0;
	for (i = 0; i < len; i++) {
		if (depth > 0) {
			if (s[i] == '(')
				depth++;
			else if (s[i] == ')')
				depth--;
			continue;
		}
		if (s[i] == '(')
			depth = 1;
		else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			buf[o++] = s[i];
	}
	add_addr(list, n, buf, o);
	free(buf);
}

void
envelope_addrs(const char *v, char ***list, size_t *n)
{
	size_t	 i, start = 0, len = strlen(v);
	int	 depth = 0, quoted = 0, angle = 0;

	for (i = 0; i <= len; i++) {
		char	c = i < len ? v[i] : ',';

		if (quoted) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"')
				quoted = 0;
			continue;
		}
		if (depth > 0) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth = 1;
		else if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if (c == ':' && !angle)
			start = i + 1;		/* a group's name */
		else if ((c == ',' || c == ';') && !angle) {
			one_mailbox(list, n, v + start, i - start);
			start = i + 1;
		}
	}
}

char *
envelope_sender(const char *msg, size_t len)
{
	char	*from, **l = NULL, *r = NULL;
	size_t	 n = 0, i;

	if ((from = outbox_header(msg, len, "Sender")) == NULL &&
	    (from = outbox_header(msg, len, "From")) == NULL)
		return NULL;
	envelope_addrs(from, &l, &n);
	free(from);
	if (n > 0)
		r = l[0];
	for (i = 1; i < n; i++)
		free(l[i]);
	free(l);
	return r;
}

/* Every field called name in the header block, not just the first. */
static void
all_fields(const char *msg, size_t len, const char *name, char ***list,
    size_t *n)
{
	size_t	 nl = strlen(name), i, j;
	char	*v;

	for (i = 0; i < len; ) {
		if (msg[i] == '\n' || (msg[i] == '\r' && i + 1 < len &&
		    msg[i + 1] == '\n'))
			break;		/* the end of the header */
		if (i + nl < len && strncasecmp(msg + i, name, nl) == 0 &&
		    msg[i + nl] == ':') {
			for (j = i + nl + 1; j < len; j++)
				if (msg[j] == '\n' && (j + 1 >= len ||
				    (msg[j + 1] != ' ' && msg[j + 1] != '\t')))
					break;
			v = xstrndup(msg + i + nl + 1, j - i - nl - 1);
			envelope_addrs(v, list, n);
			free(v);
			i = j + 1;
			continue;
		}
		while (i < len && msg[i] != '\n')
			i++;
		i++;
	}
}

void
envelope_rcpts(const char *msg, size_t len, char ***list, size_t *n)
{
	all_fields(msg, len, "To", list, n);
	all_fields(msg, len, "Cc", list, n);
	all_fields(msg, len, "Bcc", list, n);
}

void
envelope_free(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

char *
envelope_strip_bcc(const char *msg, size_t len, size_t *outlen)
{
	char	*out = xmalloc(len + 1);
	size_t	 i = 0, o = 0, j;
	int	 inhdr = 1;

	while (i < len) {
		for (j = i; j < len && msg[j] != '\n'; j++)
			;
		if (j < len)
			j++;			/* the line with its LF */
		if (inhdr && (msg[i] == '\n' || (msg[i] == '\r' &&
		    i + 1 < len && msg[i + 1] == '\n')))
			inhdr = 0;
		if (inhdr && len - i >= 4 && strncasecmp(msg + i, "Bcc:", 4) ==
		    0) {
			/* Skip it and its continuation lines. */
			while (j < len && (msg[j] == ' ' || msg[j] == '\t')) {
				while (j < len && msg[j] != '\n')
					j++;
				if (j < len)
					j++;
			}
			i = j;
			continue;
		}
		memcpy(out + o, msg + i, j - i);
		o += j - i;
		i = j;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

char *
envelope_crlf(const char *msg, size_t len, size_t *outlen)
{
	size_t	 i, o = 0;
	char	*w = xmalloc(2 * len + 3);

	for (i = 0; i < len; i++) {
		if (msg[i] == '\r' || msg[i] == '\n') {
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
				i++;
			w[o++] = '\r';
			w[o++] = '\n';
		} else
			w[o++] = msg[i];
	}
	if (o < 2 || w[o - 1] != '\n') {
		w[o++] = '\r';
		w[o++] = '\n';
	}
	w[o] = '\0';
	*outlen = o;
	return w;
}

/* ---- lines over 998 octets (RFC 5322 2.1.1) ---- */

#define ENVELOPE_LINE_MAX	998
#define ENVELOPE_QP_MAX		76

static size_t
header_end(const char *msg, size_t len, size_t *body)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (i == 0 || msg[i - 1] == '\n') {
			if (msg[i] == '\n') {
				*body = i + 1;
				return i;
			}
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n') {
				*body = i + 2;
				return i;
			}
		}
	*body = len;
	return len;
}

/* 1 if a line of msg[from..len) is longer than ENVELOPE_LINE_MAX. */
static int
has_long_line(const char *msg, size_t from, size_t len)
{
	size_t	i, run = 0;

	for (i = from; i < len; i++) {
		if (msg[i] == '\r' || msg[i] == '\n')
			run = 0;
		else if (++run > ENVELOPE_LINE_MAX)
			return 1;
	}
	return 0;
}

/* Appends the quoted-printable form of one line (soft breaks at 76). */
static void
qp_line(char **o, size_t *olen, const unsigned char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, col = 0, w;
	char			 enc[4];

	for (i = 0; i < n; i++) {
		if ((s[i] >= 33 && s[i] <= 126 && s[i] != '=') ||
		    ((s[i] == ' ' || s[i] == '\t') && i + 1 < n)) {
			enc[0] = (char)s[i];
			w = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[s[i] >> 4];
			enc[2] = hex[s[i] & 15];
			w = 3;
		}
		if (col + w > ENVELOPE_QP_MAX - 1) {
			memcpy(*o + *olen, "=\n", 2);
			*olen += 2;
			col = 0;
		}
		memcpy(*o + *olen, enc, w);
		*olen += w;
		col += w;
	}
	(*o)[(*olen)++] = '\n';
}

char *
envelope_long_lines(const char *msg, size_t len, size_t *outlen)
{
	char		*ct, *cte, *mv, *out;
	size_t		 hlen, body, i, start, olen = 0, cap;
	int		 ok, ascii = 1;

	hlen = header_end(msg, len, &body);
	if (!has_long_line(msg, body, len))
		return NULL;
	ct = outbox_header(msg, len, "Content-Type");
	cte = outbox_header(msg, len, "Content-Transfer-Encoding");
	mv = outbox_header(msg, len, "MIME-Version");
	/* Only a single text part is re-encoded; anything else is left
	 * as it is (a signature, a multipart: not tern's to change). */
	ok = (ct == NULL || strncasecmp(ct, "text/", 5) == 0) &&
	    (cte == NULL || strcasecmp(cte, "7bit") == 0 ||
	    strcasecmp(cte, "8bit") == 0);
	for (i = body; i < len; i++)
		if ((unsigned char)msg[i] >= 0x80)
			ascii = 0;
	if (!ok) {
		free(ct);
		free(cte);
		free(mv);
		return NULL;
	}
	cap = hlen + 200 + (len - body) * 4 + 16;
	out = xmalloc(cap);
	/* The header without its transfer encoding (and type if absent). */
	for (i = 0; i < hlen; ) {
		start = i;
		while (i < hlen && msg[i] != '\n')
			i++;
		if (i < hlen)
			i++;
		while (i < hlen && (msg[i] == ' ' || msg[i] == '\t')) {
			while (i < hlen && msg[i] != '\n')
				i++;
			if (i < hlen)
				i++;
		}
		if (strncasecmp(msg + start, "Content-Transfer-Encoding:",
		    26) == 0)
			continue;
		memcpy(out + olen, msg + start, i - start);
		olen += i - start;
	}
	if (olen > 0 && out[olen - 1] != '\n')
		out[olen++] = '\n';
	olen += (size_t)sprintf(out + olen, "%s%s"
	    "Content-Transfer-Encoding: quoted-printable\n\n",
	    mv == NULL ? "MIME-Version: 1.0\n" : "", ct != NULL ? "" :
	    ascii ? "Content-Type: text/plain; charset=us-ascii\n" :
	    "Content-Type: text/plain; charset=utf-8\n");
	for (i = body; i < len; ) {
		start = i;
		while (i < len && msg[i] != '\r' && msg[i] != '\n')
			i++;
		qp_line(&out, &olen, (const unsigned char *)msg + start,
		    i - start);
		if (i < len && msg[i] == '\r' && i + 1 < len &&
		    msg[i + 1] == '\n')
			i++;
		if (i < len)
			i++;
	}
	free(ct);
	free(cte);
	free(mv);
	out[olen] = '\0';
	*outlen = olen;
	return out;
}
