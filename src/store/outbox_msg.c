/*
 * outbox_msg.c - the message side of the outbox: finding a header
 * field in a ready message, and adding the Date and Message-ID it
 * lacks before it is queued (so that every retry sends the same
 * message).  Pure functions on a buffer; run by whichever thread adds
 * to the outbox (the UI, tern send) and by the engine (send.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "store.h"

/* ---- the header block, just enough to add Date and Message-ID. ---- */

/* The length of the header block of msg (up to the empty line). */
static size_t
outbox_header_len(const char *msg, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (i == 0 || msg[i - 1] == '\n') {
			if (msg[i] == '\n')
				return i;
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
				return i;
		}
	}
	return len;
}

/*
 * The raw value of the first field name in the header block (unfolded:
 * CR and LF become spaces), or NULL.  Caller frees.
 */
char *
outbox_header(const char *msg, size_t len, const char *name)
{
	size_t	 hlen = outbox_header_len(msg, len), n = strlen(name), i, j;
	char	*v;

	for (i = 0; i < hlen; ) {
		if ((i == 0 || msg[i - 1] == '\n') && i + n < hlen &&
		    strncasecmp(msg + i, name, n) == 0 && msg[i + n] == ':') {
			i += n + 1;
			for (j = i; j < hlen; j++)
				if (msg[j] == '\n' && (j + 1 >= hlen ||
				    (msg[j + 1] != ' ' && msg[j + 1] != '\t')))
					break;
			v = xstrndup(msg + i, j - i);
			for (i = 0; v[i] != '\0'; i++)
				if (v[i] == '\r' || v[i] == '\n')
					v[i] = ' ';
			/* Trim. */
			for (i = strlen(v); i > 0 && (v[i - 1] == ' ' ||
			    v[i - 1] == '\t'); i--)
				v[i - 1] = '\0';
			for (i = 0; v[i] == ' ' || v[i] == '\t'; i++)
				;
			memmove(v, v + i, strlen(v + i) + 1);
			return v;
		}
		while (i < hlen && msg[i] != '\n')
			i++;
		i++;
	}
	return NULL;
}

/*
 * The domain of the first address in a From value: after the last '@'
 * of the <addr-spec> (or of the bare address), up to '>' or a space.
 */
static char *
outbox_domain(const char *from)
{
	const char	*lt, *at, *end;

	if (from == NULL)
		return NULL;
	if ((lt = strchr(from, '<')) != NULL) {
		end = strchr(lt, '>');
		if (end == NULL)
			end = lt + strlen(lt);
	} else {
		lt = from;
		end = from + strcspn(from, " ,\t");
	}
	for (at = NULL; lt < end; lt++)
		if (*lt == '@')
			at = lt;
	if (at == NULL || at + 1 >= end)
		return NULL;
	return xstrndup(at + 1, (size_t)(end - at - 1));
}

static int
outbox_domain_ok(const char *d)
{
	const char	*p;

	if (d == NULL || *d == '\0')
		return 0;
	for (p = d; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == '[' || *p == ']' || *p == ':' ||
		    (unsigned char)*p >= 0x80))
			return 0;
	return 1;
}

char *
outbox_prepare(const char *msg, size_t len, const char *id, char **errp)
{
	char		*from, *dom = NULL, *date = NULL, *mid = NULL, *out;
	char		*v, buf[64];
	const char	*nl;
	struct tm	 tm;
	time_t		 now = time(NULL);
	size_t		 hlen;

	hlen = outbox_header_len(msg, len);
	if (hlen == 0 || memchr(msg, '\0', len) != NULL) {
		seterr(errp, "not a message: %s", hlen == 0 ?
		    "no header" : "it contains NUL bytes");
		return NULL;
	}
	from = outbox_header(msg, len, "From");
	if (from == NULL || *from == '\0') {
		free(from);
		seterr(errp, "the message has no From header");
		return NULL;
	}
	if ((v = outbox_header(msg, len, "Date")) == NULL) {
		localtime_r(&now, &tm);
		strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm);
		date = xasprintf("Date: %s", buf);
	}
	free(v);
	if ((v = outbox_header(msg, len, "Message-ID")) == NULL) {
		dom = outbox_domain(from);
		if (!outbox_domain_ok(dom)) {
			free(dom);
			dom = xstrdup("localhost");
		}
		mid = xasprintf("Message-ID: <%s@%s>", id, dom);
		for (char *p = mid + 13; *p != '\0'; p++)
			if (*p == ':' && p[1] != '\0')
				*p = '.';
		free(dom);
	}
	free(v);
	free(from);
	/* Keep the source's line ends: the added fields use its first. */
	nl = "\n";
	{
		const char *lf = memchr(msg, '\n', len);
		if (lf != NULL && lf > msg && lf[-1] == '\r')
			nl = "\r\n";
	}
	out = xasprintf("%s%s%s%s", date ? date : "", date ? nl : "",
	    mid ? mid : "", mid ? nl : "");
	{
		size_t	olen = strlen(out);
		char	*all = xmalloc(olen + len + 1);

		memcpy(all, out, olen);
		memcpy(all + olen, msg, len);
		all[olen + len] = '\0';
		free(out);
		out = all;
	}
	free(date);
	free(mid);
	return out;
}
