/*
 * store_hits.c - the results of server: searches (tern(1), SEARCH
 * QUERIES): for each searched text, the (folder, UID) pairs the
 * server's IMAP SEARCH found, which the query language's server:X
 * matches (query.c).  Written by whoever asked the server (the
 * account's engine thread, or tern search), read by any connection;
 * runs on the thread that owns the connection.
 *
 * A result is kept until the same text is searched again, so a
 * server: query still answers offline, from what the server said last.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store_int.h"

int
store_hits_set(struct store *s, const char *term,
    const struct store_hit *hits, size_t n)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 own, ok = 0;

	if ((own = store_tx_begin(s)) == -1)
		return -1;
	if ((st = store_prepare(s, "DELETE FROM server_hits WHERE term = ?"))
	    == NULL)
		return store_tx_end(s, own, 0);
	store_bind_text(st, 1, term);
	ok = store_stmt_run(s, st, "clearing a server: result") == 0;
	sqlite3_finalize(st);
	st = NULL;
	if (ok && (st = store_prepare(s, "INSERT OR IGNORE INTO "
	    "server_hits(term, folder_id, uid) VALUES (?, ?, ?)")) == NULL)
		ok = 0;
	for (i = 0; ok && i < n; i++) {
		store_bind_text(st, 1, term);
		sqlite3_bind_int64(st, 2, hits[i].folder_id);
		sqlite3_bind_int64(st, 3, hits[i].uid);
		ok = store_stmt_run(s, st, "saving a server: result") == 0;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return store_tx_end(s, own, ok);
}
