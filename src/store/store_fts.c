/*
 * store_fts.c - the full-text index of an account (SQLite FTS5, table
 * msg_fts, schema version 4): From, To, Cc, Subject and the decoded
 * text of cached bodies, searched by query.c (each term's matches read
 * once as a set of ids, by query_fts.c).  Runs on the thread that
 * opened the struct store, like the rest of the store.
 *
 * The index is kept in step by explicit code, not by triggers: the
 * store's connections run with PRAGMA trusted_schema = OFF, under
 * which SQLite refuses a virtual table inside a trigger.  So every
 * statement that adds or deletes message rows is in src/store/ and
 * does the same to msg_fts, in the same transaction:
 *
 *	new row (store_msg_put)		headers indexed (store_fts_put)
 *	headers changed (put)		headers indexed again, body kept
 *	body cached (store_msg_body)	its text indexed (store_fts_index)
 *	row removed, pruned, expunged,	its msg_fts row deleted
 *	or its folder forgotten
 *
 * The msg_fts rowid is the message's id.  messages.indexed says what
 * of a row is in msg_fts (STORE_FTS_* bits), so the cost on the header
 * sync's hot path is one FTS5 insert per new message, made at commit
 * (see store_fts_flush), and no extra UPDATE: store_msg_put() writes a
 * new row with indexed = 5 (ST_MSG_ADD, or ST_MSG_PUT, which returns
 * it), 5 & STORE_FTS_NEW says "insert
 * it", and the bit is dropped by the next write of the row (it means
 * nothing anywhere else).  A body
 * whose file came from elsewhere (a maildir account's tree, an index
 * upgraded from version 3) is indexed later by store_fts_catch_up().
 *
 * Tokenizer: unicode61 with remove_diacritics 2, so case and accents
 * are ignored: "muller" finds "Müller", "ecole" finds "École".  ß is a
 * letter of its own, not "ss": "grüße" and "gruße" find "Grüße",
 * "grusse" does not.
 * unicode61 does not segment Chinese or Japanese: a run of CJK
 * characters between spaces or punctuation is one token, so query.c
 * searches CJK words as prefixes of such runs (see there).
 *
 * The one use of src/mail/ in the store: the body's text is what the
 * pager would show (render_message, with the built-in HTML stripper),
 * so search finds what the user reads.  mail depends on core only, so
 * this adds no cycle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mail.h"
#include "store.h"
#include "store_int.h"

/* A cached file bigger than this is indexed from its first bytes. */
#define FTS_FILE_MAX	(32 * 1024 * 1024)
/* Bodies indexed per transaction by store_fts_catch_up(). */
#define FTS_BATCH	200

int
store_fts_put(struct store *s, int64_t id, int indexed,
    const struct store_msg *m)
{
	sqlite3_stmt	*st;
	int		 r;

	(void)m;
	if (s->fts_defer && !(indexed & STORE_FTS_HEADERS))
		return 0;	/* store_fts_catch_up() indexes them */
	if (indexed & STORE_FTS_NEW) {
		/* The common case: queued, the row says so already. */
		if (s->fts_nq == s->fts_qcap) {
			s->fts_qcap = s->fts_qcap ? s->fts_qcap * 2 : 256;
			s->fts_q = xrealloc(s->fts_q,
			    s->fts_qcap * sizeof *s->fts_q);
		}
		s->fts_q[s->fts_nq++] = id;
		return 0;
	}
	if (indexed & STORE_FTS_HEADERS)
		return 0;
	if (store_fts_flush(s) == -1)
		return -1;
	if ((st = store_stmt(s, ST_FTS_HEADERS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	r = store_stmt_run(s, st, "indexing a message");
	store_stmt_done(st);
	if (r == -1 || (st = store_stmt(s, ST_FTS_DONE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, STORE_FTS_HEADERS);
	sqlite3_bind_null(st, 3);
	r = store_stmt_run(s, st, "indexing a message");
	store_stmt_done(st);
	return r;
}

/*
 * Why new rows wait for the commit: FTS5 writes what it holds in memory
 * to a new segment of the index at every SAVEPOINT, and store_msg_put()
 * opens one per message; inserted there, the header sync would build
 * one segment per message and spend its time merging them (measured:
 * 20,000 puts went from 0.5 s to 6 s).  Written at once, before COMMIT,
 * they make one segment per transaction (now 20,000 puts: 0.5 s to
 * about 0.6 s).  A queued row that a savepoint
 * rolled back is simply not found; one whose body got indexed meanwhile
 * is complete already (the flush comes first in every other write).
 */
int
store_fts_flush(struct store *s)
{
	sqlite3_stmt	*st;
	size_t		 i, n = s->fts_nq, len = 0;
	char		*ids;
	int		 r;

	if (n == 0)
		return 0;
	s->fts_nq = 0;
	/*
	 * One statement for them all, the ids as a JSON array: FTS5 also
	 * writes a segment at the end of every statement that changed it.
	 */
	ids = xmalloc(n * 21 + 3);
	ids[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(ids + len, "%s%lld", i ? "," : "",
		    (long long)s->fts_q[i]);
	ids[len++] = ']';
	ids[len] = '\0';
	if ((st = store_stmt(s, ST_FTS_NEW)) == NULL) {
		free(ids);
		return -1;
	}
	store_bind_text(st, 1, ids);
	r = store_stmt_run(s, st, "indexing messages");
	store_stmt_done(st);
	free(ids);
	return r;
}

void
store_fts_drop(struct store *s)
{
	s->fts_nq = 0;
}

int
store_fts_del(struct store *s, int64_t id)
{
	sqlite3_stmt	*st;
	int		 r;

	if (store_fts_flush(s) == -1 ||
	    (st = store_stmt(s, ST_FTS_DEL)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	r = store_stmt_run(s, st, "removing a message from the index");
	store_stmt_done(st);
	return r;
}

/* Appends n bytes of s to the text, cut at a character at the bound. */
static void
fts_add(char *text, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > STORE_FTS_TEXT_MAX) {
		n = *len + 1 < STORE_FTS_TEXT_MAX ?
		    STORE_FTS_TEXT_MAX - *len - 1 : 0;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(text + *len, s, n);
	*len += n;
	text[*len] = '\0';
}

/*
 * A part is an attachment if it says so, or has a file name (an
 * inline image with a name counts: the user sees it in the parts list).
 */
static int
fts_attachment(const struct mime *m)
{
	size_t	 i;

	for (i = 0; i < m->nparts; i++) {
		if (m->parts[i].multipart)
			continue;
		if (strcmp(m->parts[i].disposition, "attachment") == 0 ||
		    m->parts[i].filename[0] != '\0')
			return 1;
	}
	return 0;
}

/*
 * The text of msg: the lines the pager shows of its body (quotes and
 * signature included, headers and tern's notes not), then the names of
 * its attachments.  At most STORE_FTS_TEXT_MAX bytes; caller frees.
 */
static char *
fts_text(const char *msg, size_t len, int *attach)
{
	struct render_opts o;
	struct rendered	 r;
	char		*text;
	size_t		 i, n = 0;

	memset(&o, 0, sizeof o);
	o.html_filter = "";		/* never run a program to index */
	render_message(msg, len, &o, &r);
	text = xmalloc(STORE_FTS_TEXT_MAX);
	text[0] = '\0';
	for (i = 0; i < r.nlines && n + 1 < STORE_FTS_TEXT_MAX; i++) {
		switch (r.lines[i].kind) {
		case RENDER_BODY:
		case RENDER_QUOTE:
		case RENDER_SIGNATURE:
			fts_add(text, &n, r.lines[i].text,
			    strlen(r.lines[i].text));
			fts_add(text, &n, "\n", 1);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < r.mime.nparts; i++)
		if (r.mime.parts[i].filename[0] != '\0') {
			fts_add(text, &n, r.mime.parts[i].filename,
			    strlen(r.mime.parts[i].filename));
			fts_add(text, &n, "\n", 1);
		}
	*attach = fts_attachment(&r.mime);
	rendered_free(&r);
	return text;
}

/* Records the body text (NULL: none to be had) of row id. */
static int
fts_set_body(struct store *s, int64_t id, const char *text, int attach)
{
	sqlite3_stmt	*st;
	int		 r;

	if (store_fts_flush(s) == -1 ||
	    (st = store_stmt(s, ST_FTS_BODY)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, text);
	r = store_stmt_run(s, st, "indexing a message body");
	store_stmt_done(st);
	if (r == -1 || (st = store_stmt(s, ST_FTS_DONE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, STORE_FTS_HEADERS | STORE_FTS_BODY);
	if (attach >= 0)
		sqlite3_bind_int(st, 3, attach);
	else
		sqlite3_bind_null(st, 3);
	r = store_stmt_run(s, st, "indexing a message body");
	store_stmt_done(st);
	return r;
}

int
store_fts_index(struct store *s, int64_t id, const char *msg, size_t len)
{
	char	*text;
	int	 attach, r;

	text = fts_text(msg, len, &attach);
	r = fts_set_body(s, id, text, attach);
	free(text);
	return r;
}

/* Indexes the cached body of row id from its file. */
static int
fts_catch_one(struct store *s, int64_t id)
{
	struct store_msg m;
	char		*path, *buf = NULL, *text;
	size_t		 len = 0;
	int		 attach, r;

	if (store_msg_by_id(s, id, &m) != 0)
		return 0;		/* gone meanwhile */
	path = store_msg_path(s, &m);
	if (path != NULL)
		buf = read_file_head(path, FTS_FILE_MAX, &len, NULL);
	if (buf == NULL) {
		/* Marked done anyway: a missing file is not retried forever. */
		log_msg(LOG_WARN, "store %s: cannot index the body of UID %u: "
		    "%s", s->account, m.uid, path != NULL ? path :
		    "no cached file");
		r = fts_set_body(s, id, "", -1);
	} else {
		text = fts_text(buf, len, &attach);
		r = fts_set_body(s, id, text, attach);
		free(text);
	}
	free(buf);
	free(path);
	store_msg_clear(&m);
	return r;
}

/*
 * Indexes the headers of up to max rows a sync left without (bulk mode
 * defers them), in one transaction and one statement per batch.
 * Returns how many it indexed, or -1.
 */
static int64_t
fts_catch_headers(struct store *s, int64_t max)
{
	sqlite3_stmt	*st;
	int64_t		*ids, done = 0;
	size_t		 n, i, len;
	char		*list;
	int		 rc, own, ok;

	while (done < max) {
		st = store_prepare(s, "SELECT id FROM messages WHERE "
		    "(indexed & 1) = 0 LIMIT ?1");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, max - done < 5000 ? max - done :
		    5000);
		ids = NULL;
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ids = xrealloc(ids, (n + 1) * sizeof *ids);
			ids[n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			free(ids);
			return -1;
		}
		if (n == 0)
			break;
		list = xmalloc(n * 21 + 3);
		len = 0;
		list[len++] = '[';
		for (i = 0; i < n; i++)
			len += (size_t)sprintf(list + len, "%s%lld",
			    i ? "," : "", (long long)ids[i]);
		list[len++] = ']';
		list[len] = '\0';
		free(ids);
		if ((own = store_tx_begin(s)) == -1) {
			free(list);
			return -1;
		}
		/* The rows' headers (ST_FTS_NEW keeps an indexed body). */
		ok = (st = store_stmt(s, ST_FTS_NEW)) != NULL;
		if (ok) {
			store_bind_text(st, 1, list);
			ok = store_stmt_run(s, st, "indexing headers") == 0;
			store_stmt_done(st);
		}
		if (ok && (st = store_prepare(s, "UPDATE messages SET "
		    "indexed = indexed | 1 WHERE id IN (SELECT value FROM "
		    "json_each(?1))")) != NULL) {
			store_bind_text(st, 1, list);
			ok = store_stmt_run(s, st, "indexing headers") == 0;
			sqlite3_finalize(st);
		} else
			ok = 0;
		free(list);
		if (store_tx_end(s, own, ok) == -1 || !ok)
			return -1;
		done += (int64_t)n;
	}
	return done;
}

int64_t
store_fts_catch_up(struct store *s, int64_t max)
{
	/* Headers are cheap: many of them for each body asked for. */
	if (max > 0 && fts_catch_headers(s, max > INT64_MAX / 250 ?
	    INT64_MAX : max * 250) == -1)
		return -1;

	sqlite3_stmt	*st;
	int64_t		 ids[FTS_BATCH], left = -1;
	size_t		 n, i;
	int		 rc, own, ok;

	for (;;) {
		/* Collect, then write: no write while the SELECT is open. */
		st = store_prepare(s, "SELECT id FROM messages WHERE "
		    "cached <> 0 AND (indexed & 2) = 0 ORDER BY id LIMIT ?1");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, max < FTS_BATCH ? max : FTS_BATCH);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < FTS_BATCH)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return -1;
		if (n == 0 || max <= 0)
			break;
		if ((own = store_tx_begin(s)) == -1)
			return -1;
		ok = 1;
		for (i = 0; i < n && ok; i++)
			ok = fts_catch_one(s, ids[i]) == 0;
		if (store_tx_end(s, own, ok) == -1 || !ok)
			return -1;
		max -= (int64_t)n;
	}
	st = store_prepare(s, "SELECT COUNT(*) FROM messages WHERE "
	    "(cached <> 0 AND (indexed & 2) = 0) OR (indexed & 1) = 0");
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		left = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return left;
}
