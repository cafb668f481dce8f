/*
 * engine_int.h - private to src/sync/engine.c, push.c and send.c: the
 * engine's shared state.  The account's main engine thread (engine.c)
 * and its push thread (push.c) both read it; what either changes is
 * guarded as marked, and everything else is set before the push thread
 * starts.
 */
#ifndef TERN_ENGINE_INT_H
#define TERN_ENGINE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "net.h"
#include "sync.h"

#define ENGINE_IDLE_MAX		(25 * 60)	/* re-IDLE before 29 minutes */
#define ENGINE_BACKOFF_MAX	300

struct event_node {
	struct engine_event	 ev;
	struct event_node	*next;
};

struct body_req {
	int64_t		 folder_id;
	uint32_t	 uid;
	struct body_req	*next;
};

struct engine {
	const struct account	*acct;		/* borrowed */
	char			*secret;	/* NULL: ask for it; guarded by
						   lock once the push thread
						   runs (it copies it) */
	enum engine_mode	 mode;		/* ENGINE_ONCE or ENGINE_WATCH */
	int			 interactive;	/* ENGINE_INTERACTIVE: may ask */
	int			 pw_askable;	/* a missing or refused password
						   is asked for */
	uint32_t		 ask_id;	/* the open question; 0: none */
	uint32_t		 ask_last;	/* the last id given out */
	int			 ask_answered;	/* guarded by lock, as are */
	char			*ask_answer;	/* ask_id and this (NULL: dismissed) */
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	struct event_node	*head, *tail;
	struct body_req		*bodies;	/* guarded by lock */
	struct search_req	*searches;	/* guarded by lock:
						   engine_search.c */
	int64_t			 open_folder;	/* guarded by lock: the folder
						   the user looks at (0: none) */
	volatile int		 open_new;	/* open_folder changed */
	int			 evpipe[2];	/* engine -> main */
	int			 wakepipe[2];	/* main -> engine */
	volatile int		 stop;
	volatile int		 wake;
	volatile int		 send_req;	/* engine_send(): submit the
						   outbox now, backoff or not */
	int64_t			 send_next;	/* engine thread: when the
						   outbox next needs a look
						   (a retry is due); 0: none */
	int			 ok;		/* the last pass succeeded */
	struct imap_conn	*imap;		/* engine thread only */
	pthread_mutex_t		 imap_lock;	/* guards the pointers for stop */

	/* The push thread (push.c): INBOX under IDLE on its own session. */
	pthread_t		 push_thread;
	int			 push_started;	/* engine thread only */
	int			 pushpipe[2];	/* wakes the push thread */
	struct imap_conn	*push_imap;	/* push thread; imap_lock */
	pthread_mutex_t		 inbox_lock;	/* sync_ctx.inbox_lock */
	volatile int		 push_writing;	/* sync_ctx.defer */
};

/*
 * Closes c (NULL is a no-op): a dead one without LOGOUT, its stream
 * being desynchronised (engine.c; the thread that owned c).
 */
void	 engine_imap_close(struct imap_conn *);
/* Wakes the engine's waits, and a running IDLE (engine.c; any thread). */
void	 engine_kick(struct engine *);
/*
 * Answers the queued server: searches on s's session (engine thread,
 * connected); how many were served (each SELECTs folders).
 */
int	 engine_serve_searches(struct engine *, struct sync_ctx *);
/* 1 if a server: search is queued (any thread). */
int	 engine_searches_pending(struct engine *);
/* Frees the queue (after the engine thread ended). */
void	 engine_searches_free(struct engine *);
/* 1 if the main thread has a request to serve (engine.c). */
int	 engine_busy(struct engine *);

/*
 * IDLE on c's selected folder until the server says something, busy(e)
 * turns true, or max seconds pass: 1 if the server reported a change,
 * 0 if not, -1 if the connection is lost (c->dead is set).  The thread
 * that owns c.
 */
int	 push_idle(struct engine *, struct imap_conn *, int max,
	    int (*busy)(struct engine *));
/*
 * Waits on c without a selected folder (so without IDLE) up to max
 * seconds or until busy(e); a NOOP then checks the connection is
 * alive: 0, or -1 if it is lost.
 */
int	 push_wait(struct engine *, struct imap_conn *, int max,
	    int (*busy)(struct engine *));
/* Turns on TCP keepalive for c's socket: a dead peer is noticed. */
void	 push_keepalive(struct imap_conn *);
/* Starts the push thread (engine thread, once, after a login). */
void	 push_start(struct engine *);
/* Wakes the push thread for engine_stop() (any thread). */
void	 push_kick(struct engine *);
/* Waits for the push thread to end (engine thread, after stop). */
void	 push_join(struct engine *);
/*
 * Reports the new mail s counted (s->nnew): EV_NEW_MAIL, and the
 * account's new_mail_command run in the background.  Engine threads.
 */
void	 push_new_mail(struct engine *, struct sync_ctx *);

/*
 * Offline (IMAP unreachable) in watch mode: submits the outbox when
 * engine_send() asked or a retry is due; Sent waits for IMAP (send.c).
 */
void	 engine_send_offline(struct engine *, struct sync_ctx *);
/* ENGINE_SEND: 1 if a sent message waits to be saved to Sent (send.c). */
int	 engine_send_needs_imap(struct engine *, struct store *);

#endif
