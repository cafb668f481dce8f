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

	while (len > 0 && (*addr == ' ' || *addr == '\t')) {
		addr++;
		len--;
	}
	while (len > 0 && (addr[len - 1] == ' ' || addr[len - 1] == '\t'))
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
		else if (s[i] != ' ' && s[i] != '\t')
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
