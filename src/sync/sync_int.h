/*
 * sync_int.h - private to src/sync's folder sync (sync.c and
 * sync_bulk.c): the header fetch's state and the helpers both use.
 * The engine thread that runs the sync.
 */
#ifndef TERN_SYNC_INT_H
#define TERN_SYNC_INT_H

#include <stdint.h>

#include "fetch_pipe.h"
#include "store.h"
#include "sync.h"

/* A header fetch being written to the store (sync_put_messages). */
struct fetch_state {
	struct sync_ctx		*s;
	struct store_folder	*f;
	uint64_t		 done;
	uint64_t		 total;
	int			 in_txn;
	int			 failed;
	uint64_t		 maxmodseq;
	uint64_t		 unseen;	/* fetched without \Seen */
	int			 skip_bad;	/* a body that cannot be cached: next */
};

/*
 * Writes fetched messages r[0..n) into fs->f, in batched transactions
 * (a fetch_pipe_put).
 */
int	 sync_put_messages(const struct fetched *r, size_t n, void *fs);
/* EV_PROGRESS and EV_CHANGED for the engine, if any. */
void	 sync_progress(struct sync_ctx *, const struct store_folder *,
	    uint64_t done, uint64_t total);
void	 sync_post_changed(struct sync_ctx *, int64_t folder_id);
/* Caches the bodies of the last body_days days not cached yet. */
int	 sync_prefetch_bodies(struct sync_ctx *, struct store_folder *,
	    char **errp);
/* After a rebuild: cached bodies and tags back to the new rows. */
int	 sync_reuse(struct sync_ctx *, struct store_folder *,
	    char *const *tags, size_t ntags);
/* The start of the day window (midnight UTC); 0: everything. */
int64_t	 sync_window_start(int64_t now, int days);

/*
 * sync_bulk.c: the first sync of folders never synced (no row, no
 * queued operation, not INBOX): one reader thread SELECTs and fetches
 * them back to back while the engine thread writes.  n folders of
 * names; done[i] is set for each one brought to the server's state.
 * Returns -1 only when the connection is lost.
 */
int	 sync_bulk(struct sync_ctx *, char *const *names, size_t n,
	    int64_t win, int *done, char **errp);

#endif
