/*
 * query_keys.c - the terms of the search language (tern(1), SEARCH
 * QUERIES; the grammar is in query.c): each KEY:value, and text without
 * a key, becomes one SQL leaf with its values bound as parameters,
 * never spliced into the SQL or into FTS5's query syntax.  Called by
 * query.c's parser; any thread.
 *
 *	folder:NAME	the folder's display name is NAME, or its server
 *			name is; INBOX in any case means the inbox,
 *			other names are exact
 *	from:X  cc:X  subject:X
 *			the header contains X (ignoring ASCII case)
 *	to:X		To or Cc contains X
 *	body:X		the cached body has the word or phrase X (FTS)
 *	text		Subject, From or To contains text, or the word
 *			or phrase text is in Subject, From, To or the
 *			cached body (FTS)
 *	is:unread is:read is:flagged is:unflagged is:answered
 *	is:draft is:deleted is:tagged is:untagged
 *			flags, and tern's own tag
 *	has:cached	the body is in the local cache
 *	has:attachment	the cached body has an attachment (a part with
 *			Content-Disposition: attachment or a file name);
 *			unknown, so not matched, for uncached bodies
 *	date:DATE	dated that day (YYYY-MM-DD, UTC), or within the
 *			last Nd/Nw/Nm/Ny
 *	server:X	the server's IMAP SEARCH TEXT X (headers and
 *			body, cached or not) found it, in the result
 *			last stored for X (store_hits.c); the caller
 *			asks the server again while online
 *	after:DATE	dated at or after DATE
 *	before:DATE	dated before DATE
 *			DATE is YYYY-MM-DD (00:00 UTC) or Nd, Nw, Nm,
 *			Ny: N days, weeks, months (30 days) or years
 *			(365 days) before now.  A message's date is its
 *			Date: header, or its arrival time if it has none
 *	larger:N  smaller:N
 *			size above / below N bytes; N may end in k
 *			(1024) or M (1048576)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "store.h"
#include "query_int.h"

#define DAY		86400

/* One KEY: of the language (see keys[] below). */
struct key {
	const char	*name;
	int		(*compile)(struct parser *, const struct key *,
			    const struct token *, struct node *);
	const char	*sql;		/* the template, if one fits all */
	int		 arg;		/* LIKE: columns (parameters) */
};

#define LIKE		" LIKE ? ESCAPE '\\'"
#define MSG_DATE	"COALESCE(NULLIF(m.date, 0), m.internaldate)"

/* "%text%" with the LIKE wildcards of text escaped by '\'. */
static void
leaf_like(struct node *n, const char *text, size_t times)
{
	char	*pat = xmalloc(2 * strlen(text) + 3), *o = pat;

	*o++ = '%';
	for (; *text != '\0'; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*o++ = '\\';
		*o++ = *text;
	}
	*o++ = '%';
	*o = '\0';
	while (times-- > 0)
		query_leaf_str(n, pat);
	free(pat);
}

/* ---- keys ---- */

static int
key_folder(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	(void)p;
	(void)k;
	/* RFC 3501 5.1: INBOX is the one case-insensitive name. */
	if (strcasecmp(t->value, "INBOX") == 0)
		n->sql = "(f.display = ? COLLATE NOCASE OR "
		    "f.name = ? COLLATE NOCASE)";
	else
		n->sql = "(f.display = ? OR f.name = ?)";
	query_leaf_str(n, t->value);
	query_leaf_str(n, t->value);
	return 0;
}

static int
key_like(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	(void)p;
	n->sql = k->sql;
	leaf_like(n, t->value, (size_t)k->arg);
	return 0;
}

static const struct {
	const char	*name;
	unsigned	 flag;
	int		 set;
} is_values[] = {
	{ "unread",	FLAG_SEEN,	0 },
	{ "read",	FLAG_SEEN,	1 },
	{ "flagged",	FLAG_FLAGGED,	1 },
	{ "unflagged",	FLAG_FLAGGED,	0 },
	{ "answered",	FLAG_ANSWERED,	1 },
	{ "draft",	FLAG_DRAFT,	1 },
	{ "deleted",	FLAG_DELETED,	1 },
	{ "tagged",	0,		1 },	/* flag 0: m.tagged */
	{ "untagged",	0,		0 },
};

static int
key_is(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	size_t	 i;
	char	*e;

	(void)k;
	for (i = 0; i < sizeof is_values / sizeof is_values[0]; i++) {
		if (strcasecmp(t->value, is_values[i].name) != 0)
			continue;
		if (is_values[i].flag == 0) {
			n->sql = is_values[i].set ? "m.tagged <> 0" :
			    "m.tagged = 0";
			return 0;
		}
		n->sql = is_values[i].set ? "(m.flags & ?) <> 0" :
		    "(m.flags & ?) = 0";
		query_leaf_int(n, is_values[i].flag);
		return 0;
	}
	e = query_echo(t->value);
	seterr(p->errp, "unknown value 'is:%s' (known: is:unread is:read "
	    "is:flagged is:unflagged is:answered is:draft is:deleted "
	    "is:tagged is:untagged)", e);
	free(e);
	return -1;
}

static int
key_has(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	char	*e;

	(void)k;
	if (strcasecmp(t->value, "cached") == 0) {
		n->sql = "m.cached <> 0";
		return 0;
	}
	if (strcasecmp(t->value, "attachment") == 0) {
		/* NULL (not cached: unknown) counts as none. */
		n->sql = "COALESCE(m.attach, 0) = 1";
		return 0;
	}
	e = query_echo(t->value);
	seterr(p->errp, "unknown value 'has:%s' (known: has:cached "
	    "has:attachment)", e);
	free(e);
	return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses exactly n ASCII digits at s; -1 if they are not all digits. */
static int64_t
digits(const char *s, size_t n)
{
	int64_t	 v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* A date value as UTC seconds: YYYY-MM-DD, or Nd Nw Nm Ny before now. */
static int
parse_date(const char *s, time_t now, int64_t *out)
{
	static const int mdays[] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t	 y, m, d, n, unit;
	size_t	 len = strlen(s);

	if (len == 10 && s[4] == '-' && s[7] == '-') {
		y = digits(s, 4);
		m = digits(s + 5, 2);
		d = digits(s + 8, 2);
		if (y < 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
			return -1;
		if (m == 2 && d == 29 &&
		    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
			return -1;
		*out = days_from_civil(y, m, d) * DAY;
		return 0;
	}
	/* At most 7 digits: 9999999y is far beyond any date, and fits. */
	if (len < 2 || len > 8)
		return -1;
	switch (s[len - 1]) {
	case 'd': case 'D': unit = 1; break;
	case 'w': case 'W': unit = 7; break;
	case 'm': case 'M': unit = 30; break;
	case 'y': case 'Y': unit = 365; break;
	default: return -1;
	}
	if ((n = digits(s, len - 1)) < 0)
		return -1;
	*out = (int64_t)now - n * unit * DAY;
	return 0;
}

static int
key_date(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	int64_t	 when;
	char	*e;

	if (parse_date(t->value, p->now, &when) == -1) {
		e = query_echo(t->value);
		seterr(p->errp, "bad date '%s' for %s: at position %zu (use "
		    "YYYY-MM-DD, or Nd, Nw, Nm or Ny for N days, weeks, "
		    "months or years ago)", e, k->name, query_column(p, t->pos));
		free(e);
		return -1;
	}
	n->sql = k->sql;
	query_leaf_int(n, when);
	return 0;
}

/* date:YYYY-MM-DD is that day (UTC); date:7d the last 7 days. */
static int
key_day(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	int64_t	 when;

	if (key_date(p, k, t, n) == -1)
		return -1;
	if (strlen(t->value) != 10)		/* Nd Nw Nm Ny: since then */
		return 0;
	when = n->p[0].i;
	n->sql = "(" MSG_DATE " >= ? AND " MSG_DATE " < ?)";
	query_leaf_int(n, when + DAY);
	return 0;
}

/* 1 if s has a Chinese, Japanese or Korean character (see above). */
static int
has_cjk(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;

	for (; *u != '\0'; u++) {
		if (u[0] >= 0xe0 && u[0] < 0xf0 && u[1] != '\0' &&
		    u[2] != '\0') {
			c = (uint32_t)(u[0] & 0x0f) << 12 |
			    (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
			if ((c >= 0x2e80 && c <= 0x9fff) ||	/* CJK, kana */
			    (c >= 0xac00 && c <= 0xd7af) ||	/* Hangul */
			    (c >= 0xf900 && c <= 0xfaff) ||
			    (c >= 0xff66 && c <= 0xff9f))	/* half kana */
				return 1;
		} else if (u[0] >= 0xf0 && u[1] >= 0xa0 && u[1] < 0xb0 &&
		    u[0] == 0xf0)
			return 1;			/* U+20000.. */
	}
	return 0;
}

/*
 * The FTS5 query for text in columns cols: cols, then text as one
 * FTS5 string (every '"' doubled), so no FTS5 syntax comes from the
 * user; a prefix query if text has CJK.
 */
static char *
fts_string(const char *cols, const char *text)
{
	char	*q = xmalloc(strlen(cols) + 2 * strlen(text) + 8), *o = q;
	size_t	 n = strlen(cols);

	memcpy(o, cols, n);
	o += n;
	*o++ = '"';
	for (; *text != '\0'; text++) {
		if (*text == '"')
			*o++ = '"';
		*o++ = *text;
	}
	*o++ = '"';
	*o = '\0';		/* has_cjk() reads up to the NUL */
	if (has_cjk(q + n)) {
		*o++ = '*';
		*o = '\0';
	}
	return q;
}

static void
leaf_fts(struct node *n, const char *cols, const char *text)
{
	n->p[n->np].fts = 1;
	n->p[n->np++].s = fts_string(cols, text);
}

static int
key_body(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	(void)p;
	(void)k;
	n->sql = FTS_IN;
	leaf_fts(n, "body : ", t->value);
	return 0;
}

/* A word or phrase alone: the header fields as before, and FTS. */
static int
key_text(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	(void)p;
	/* The set first: a row it has needs no LIKE (nor its columns). */
	n->sql = k->sql;
	leaf_fts(n, "{subject from_addr to_addr body} : ", t->value);
	leaf_like(n, t->value, (size_t)k->arg);
	return 0;
}

static int
key_server(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	size_t	 i;

	(void)k;
	/* The term's last server result (store_hits.c); refreshed by
	 * whoever runs the query while online. */
	n->sql = "(m.folder_id, m.uid) IN (SELECT folder_id, uid FROM "
	    "server_hits WHERE term = ?)";
	query_leaf_str(n, t->value);
	for (i = 0; i < p->nserver; i++)
		if (strcmp(p->server[i], t->value) == 0)
			return 0;
	p->server = xrealloc(p->server, (p->nserver + 1) *
	    sizeof *p->server);
	p->server[p->nserver++] = xstrdup(t->value);
	return 0;
}

static int
key_size(struct parser *p, const struct key *k, const struct token *t,
    struct node *n)
{
	size_t	 len = strlen(t->value);
	int64_t	 v, unit = 1;
	char	*e;

	switch (len > 0 ? t->value[len - 1] : '\0') {
	case 'k': case 'K': unit = 1024; len--; break;
	case 'm': case 'M': unit = 1024 * 1024; len--; break;
	}
	/* 12 digits times 1 MiB stays far inside int64_t. */
	if (len == 0 || len > 12 || (v = digits(t->value, len)) < 0) {
		e = query_echo(t->value);
		seterr(p->errp, "bad size '%s' for %s: at position %zu (use "
		    "a number of bytes, with k or M for KiB or MiB)", e,
		    k->name, query_column(p, t->pos));
		free(e);
		return -1;
	}
	n->sql = k->sql;
	query_leaf_int(n, v * unit);
	return 0;
}

/*
 * Every KEY: of the language, in the order the "known:" list of the
 * error shows them.  Adding a key is adding a line here (and an entry
 * in tern(1), SEARCH QUERIES).
 */
static const struct key keys[] = {
	{ "folder",	key_folder,	NULL, 0 },
	{ "from",	key_like,	"m.from_addr" LIKE, 1 },
	{ "to",		key_like,	"(m.to_addr" LIKE " OR m.cc_addr" LIKE
					    ")", 2 },
	{ "cc",		key_like,	"m.cc_addr" LIKE, 1 },
	{ "subject",	key_like,	"m.subject" LIKE, 1 },
	{ "body",	key_body,	NULL, 0 },
	{ "is",		key_is,		NULL, 0 },
	{ "has",	key_has,	NULL, 0 },
	{ "after",	key_date,	MSG_DATE " >= ?", 0 },
	{ "before",	key_date,	MSG_DATE " < ?", 0 },
	{ "date",	key_day,	MSG_DATE " >= ?", 0 },
	{ "larger",	key_size,	"m.size > ?", 0 },
	{ "smaller",	key_size,	"m.size < ?", 0 },
	{ "server",	key_server,	NULL, 0 },
};
#define NKEYS	(sizeof keys / sizeof keys[0])

/* A word or phrase without a key. */
static const struct key text_key = {
	"", key_text, "(" FTS_IN " OR m.subject" LIKE " OR m.from_addr" LIKE
	    " OR m.to_addr" LIKE ")", 3
};

static void
unknown_key(struct parser *p, const struct token *t)
{
	char	*known = xstrdup(""), *s, *e;
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		s = xasprintf("%s%s%s:", known, i ? " " : "", keys[i].name);
		free(known);
		known = s;
	}
	e = query_echo(t->key);
	seterr(p->errp, "unknown search key '%s:' (known: %s)", e, known);
	free(e);
	free(known);
}

struct node *
query_term(struct parser *p, const struct token *t)
{
	struct node	*n;
	const struct key *k = &text_key;
	size_t		 i;

	if (t->key != NULL) {
		for (i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].name, t->key) == 0)
				break;
		if (i == NKEYS) {
			unknown_key(p, t);
			return NULL;
		}
		k = &keys[i];
	}
	if (t->value[0] == '\0') {
		if (k != &text_key)
			seterr(p->errp, "empty value for %s: at position %zu",
			    k->name, query_column(p, t->pos));
		else
			seterr(p->errp, "empty quotes at position %zu",
			    query_column(p, t->pos));
		return NULL;
	}
	n = query_leaf(NULL);
	if (k->compile(p, k, t, n) == -1) {
		query_node_free(n);
		return NULL;
	}
	/* Only body: and folder: read no column of the message row. */
	if (k->compile != key_body && k->compile != key_folder)
		p->scan = 1;
	return n;
}
