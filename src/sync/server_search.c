/*
 * server_search.c - server: searches (tern(1), SEARCH QUERIES): the
 * server's UID SEARCH TEXT in every folder the store has synced, its
 * hits kept in the store (store_hits_set) where the query language's
 * server:X finds them.  This finds what the local index cannot: words
 * in bodies that are not cached.  Run by the account's engine thread
 * on its session (engine_server_search), or by tern search on a
 * session of its own.
 *
 * A folder whose UIDVALIDITY changed since its last sync is skipped:
 * its UIDs would name other messages until the next sync.  Hits
 * outside the sync window have no row to show, so they match nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "store.h"
#include "sync.h"

int
server_search(struct imap_conn *c, struct store *st, const char *term,
    size_t *nhitsp, char **errp)
{
	struct store_folder	*fs = NULL;
	struct store_hit	*hits = NULL;
	struct imap_sel		 sel;
	uint32_t		*uids;
	size_t			 nf = 0, nhits = 0, cap = 0, nu, i, j;
	int			 ret = -1;

	if (store_folders(st, &fs, &nf) == -1) {
		seterr(errp, "store: %s", store_error(st));
		return -1;
	}
	for (i = 0; i < nf; i++) {
		if (fs[i].noselect || fs[i].uidvalidity == 0)
			continue;
		memset(&sel, 0, sizeof sel);
		if (imap_select(c, fs[i].name, 0, 0, &sel, NULL, NULL,
		    errp) == -1) {
			if (c->dead)
				goto out;
			/* Gone since the last sync: the next one says so. */
			if (errp != NULL) {
				free(*errp);
				*errp = NULL;
			}
			continue;
		}
		if (sel.uidvalidity != fs[i].uidvalidity) {
			imap_sel_clear(&sel);
			continue;
		}
		imap_sel_clear(&sel);
		if (imap_search_text(c, term, &uids, &nu, errp) == -1)
			goto out;
		for (j = 0; j < nu; j++) {
			if (nhits == cap) {
				cap = cap ? cap * 2 : 64;
				hits = xrealloc(hits, cap * sizeof *hits);
			}
			hits[nhits].folder_id = fs[i].id;
			hits[nhits++].uid = uids[j];
		}
		free(uids);
	}
	if (store_hits_set(st, term, hits, nhits) == -1) {
		seterr(errp, "store: %s", store_error(st));
		goto out;
	}
	*nhitsp = nhits;
	ret = 0;
out:
	free(hits);
	store_folders_free(fs, nf);
	return ret;
}
