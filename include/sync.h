/*
 * sync.h - the engine: one thread per account that is the only code
 * talking to the network.  It pulls server changes into the store,
 * replays pending operations, and reports progress and errors as
 * events; it never prompts and never touches the terminal.  The UI (or
 * `tern sync`) starts engines and reads their events from the main
 * thread.
 */
#ifndef TERN_SYNC_H
#define TERN_SYNC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

enum engine_mode {
	ENGINE_ONCE,		/* one pass over every folder, then exit */
	ENGINE_WATCH,		/* keep going: IDLE on INBOX, periodic resync */
	ENGINE_SEND,		/* submit the outbox (every queued message,
				   backoff or not), save what was sent to
				   Sent, then exit: no sync (tern send) */
	ENGINE_INTERACTIVE	/* ENGINE_WATCH for a UI that answers
				   questions (EV_ASK): an untrusted
				   certificate or a wrong password is asked
				   about rather than only reported */
};

enum engine_event_type {
	EV_STATE,		/* text: connecting, syncing, idle, offline */
	EV_PROGRESS,		/* folder, done of total messages */
	EV_CHANGED,		/* folder_id changed in the store: re-query
				   (0: the folder list changed) */
	EV_ERROR,		/* text: what failed (sanitize before showing) */
	EV_LOG,			/* text: something worth telling */
	EV_BODY_READY,		/* folder_id, uid: the body is cached (ok), or
				   text says why not */
	EV_ASK,			/* a question for the user: uid is its id, ok its
				   enum engine_ask, text the question (sanitize before
				   showing); answer with engine_answer() */
	EV_NEW_MAIL,		/* new unseen mail arrived in folder_id
				   (INBOX): done is how many messages; the
				   UI may ring the bell (config bell) */
	EV_SEARCH_DONE,		/* a server: search finished: ok, done hits
				   stored (store_hits_set) for text (cut to
				   fit), or an EV_ERROR came first */
	EV_DONE,		/* the engine stopped; ok says how */
	EV_SENT,		/* one outbox message was submitted: text
				   says which ('sent "SUBJECT" to N
				   recipients'; sanitize before showing);
				   after EV_DONE, as tables of the older
				   events are indexed by them */
	EV_OUTBOX,		/* the outbox changed (a state or reason, a
				   message gone): re-list it; a failure also
				   comes as EV_ERROR with the reason */
};

enum engine_ask {
	ASK_PASSWORD = 1,	/* the account's password (text: "password for work (alice@imap.example.com)") */
	ASK_TRUST		/* trust this certificate for this account? answer "yes" or anything else */
};

struct engine_event {
	enum engine_event_type	 type;
	int64_t			 folder_id;
	uint32_t		 uid;
	uint64_t		 done;
	uint64_t		 total;
	int			 ok;
	char			 folder[128];	/* display name */
	char			 text[512];
};

struct engine;

/*
 * Starts the engine thread for acct (borrowed; must outlive the
 * engine).  secret (password or token) is copied and wiped on exit.
 * secret NULL for an account whose password may be asked for
 * (auth_can_ask()): the engine asks with EV_ASK(ASK_PASSWORD) once the
 * server's certificate is trusted, and keeps the answer in memory only.
 */
struct engine	*engine_start(const struct account *, const char *secret,
		    enum engine_mode, char **errp);
/* A descriptor that is readable when events are waiting. */
int		 engine_event_fd(struct engine *);
/* Takes the next event; 1 if one was returned, 0 if none. */
int		 engine_next_event(struct engine *, struct engine_event *);
/* Asks the engine to stop soon (any thread). */
void		 engine_stop(struct engine *);
/*
 * Asks for a sync pass now (new pending operations, say).  After a
 * dismissed question the engine waits offline for this to ask again.
 */
void		 engine_wake(struct engine *);
/* Answers question id (any thread); answer NULL means dismissed. The engine copies the answer and wipes its copy after use. */
void	engine_answer(struct engine *, uint32_t id, const char *answer);
/*
 * Asks the engine to fetch and cache the body of (folder, uid) as soon
 * as it is connected; EV_BODY_READY answers, once per request.
 */
void		 engine_fetch_body(struct engine *, int64_t folder_id,
		    uint32_t uid);
/*
 * Asks the engine to run a server: search for term (tern(1), SEARCH
 * QUERIES) as soon as it is connected and free; EV_SEARCH_DONE answers
 * once its hits are in the store.  Any thread.
 */
void		 engine_server_search(struct engine *, const char *term);
/*
 * The user is looking at folder_id (any thread): the engine syncs it
 * first (a running pass yields to it between folders) and keeps it
 * fresh while it stays open, by IDLE on the main connection (INBOX is
 * always watched by the account's second, IDLE-only connection).
 * 0 means no folder is open.
 */
void		 engine_open_folder(struct engine *, int64_t folder_id);
/*
 * SEND_OUTBOX: the engine submits the outbox now (any thread): every
 * queued message, even one waiting for its retry time; EV_SENT for
 * each one submitted, EV_OUTBOX when anything changed.
 */
void		 engine_send(struct engine *);
/* Waits for the thread and frees; returns 0 if its last pass was ok. */
int		 engine_join(struct engine *);

/* ---- sync.c: one pass, run by the engine thread. ---- */

struct store;
struct imap_conn;

struct sync_ctx {
	const struct account	*acct;		/* borrowed */
	struct store		*store;		/* the engine's connection */
	struct imap_conn	*imap;
	struct engine		*engine;	/* for events; may be NULL */
	int64_t			 now;
	volatile int		*stop;		/* set to stop early */
	char			**dirty;	/* folders a replay changed */
	size_t			 ndirty;
	pthread_mutex_t		*inbox_lock;	/* borrowed; may be NULL: held
						   while INBOX is synced or
						   replayed, as two threads
						   (two connections) sync it */
	volatile int		*yield;		/* borrowed; may be NULL: when
						   set, sync_pass() stops
						   between folders */
	int			 yielded;	/* ... and sets this */
	volatile int		*defer;		/* borrowed; may be NULL: while
						   set, a long fetch pauses
						   between its store batches
						   (the push thread is writing:
						   SQLite would starve it) */
	uint64_t		 nnew;		/* unseen messages that arrived
						   in INBOX (not counting a
						   first sync); the caller
						   reports and clears it */
};

/*
 * server_search.c: the server's UID SEARCH TEXT term in every synced
 * folder, its hits stored for server:term (store_hits_set); *nhits
 * says how many.  On the thread that owns c and st.
 */
int	 server_search(struct imap_conn *c, struct store *st,
	    const char *term, size_t *nhits, char **errp);
/* Syncs the folder list and every folder that changed; -1 on error. */
int	 sync_pass(struct sync_ctx *, char **errp);
/* Fetches and caches the body of (folder, uid). */
int	 sync_fetch_body(struct sync_ctx *, int64_t folder_id, uint32_t uid,
	    char **errp);
/* 1 if name is INBOX, in any case. */
int	 sync_is_inbox(const char *name);
/* Syncs one folder by name. */
int	 sync_folder(struct sync_ctx *, const char *name, char **errp);
/* Replays the pending operations of the selected folder. */
int	 sync_replay(struct sync_ctx *, int64_t folder_id, uint32_t uidvalidity,
	    char **errp);
/* Notes a folder a replay changed, for sync_pass() to sync again. */
void	 sync_mark_dirty(struct sync_ctx *, const char *name);

/* ---- xfer.c: moves and copies to another account. ---- */

struct pending;
/* 1 if p is a step of a transfer between accounts (xfer.c replays it). */
int	 xfer_handles(const struct pending *);
/* Replays a run of transfer operations of the selected folder. */
int	 xfer_replay(struct sync_ctx *, struct pending *run, size_t n,
	    const char *folder, char **errp);
/* The engines of this process by account (engine.c; any thread). */
void	 xfer_register(struct engine *, const char *account);
void	 xfer_unregister(struct engine *);
/* Wakes the engine of account, if this process runs one (any thread). */
void	 xfer_wake(const char *account);

/* Posts an event (engine thread). */
void	 engine_post(struct engine *, const struct engine_event *);
/* Posts EV_PROGRESS for a folder (engine NULL: nothing). */
void	 engine_post_progress(struct engine *, int64_t folder_id,
	    const char *name, uint64_t done, uint64_t total);

/* ---- engine.c: what a driver running in the engine thread uses. ---- */

/* 1 once engine_stop() was called. */
int	 engine_stopping(struct engine *);
/* 1 if engine_wake() was called since the last call (and clears it). */
int	 engine_woken(struct engine *);
/* Sleeps up to ms, returning early on a stop, wake or body request. */
void	 engine_wait(struct engine *, int ms);
/* Takes the next engine_fetch_body() request: 1, or 0 if none. */
int	 engine_take_body(struct engine *, int64_t *folder_id, uint32_t *uid);

/* ---- local.c: the driver of a type = maildir account. ---- */

/*
 * Indexes the account's Maildir tree into st and applies its pending
 * operations to the files: once (ENGINE_ONCE) or until stopped, with
 * the same events as the IMAP engine.  Engine thread; 0 if the last
 * pass was ok.
 */
int	 local_run(struct engine *, struct store *st, const struct account *,
	    enum engine_mode);

/* ---- send.c: the outbox, submitted by the engine thread. ---- */

/*
 * Submits the queued messages of the outbox (all of them with force,
 * else those whose retry time has come) over one SMTP session, then
 * saves the sent ones to Sent over s->imap (NULL: later; save_sent =
 * no: never) and removes them from the outbox.  Posts EV_SENT,
 * EV_ERROR and EV_OUTBOX.  *nextp (may be NULL): when a queued message
 * is due next, 0 if none.  0, or -1 if anything failed.
 */
int	 send_outbox(struct engine *, struct sync_ctx *, int force,
	    int64_t *nextp);

/* ---- envelope.c: what SMTP needs of a ready message. ---- */

/* Appends the addr-specs of an address list (a header value) to
 * *list, skipping ones already there (case-insensitive). */
void	 envelope_addrs(const char *value, char ***list, size_t *n);
/* The address of Sender, else of the first From; caller frees. */
char	*envelope_sender(const char *msg, size_t len);
/* The addresses of every To, Cc and Bcc field, each once. */
void	 envelope_rcpts(const char *msg, size_t len, char ***list,
	    size_t *n);
void	 envelope_free(char **list, size_t n);
/* msg without its Bcc fields (what is transmitted); caller frees. */
char	*envelope_strip_bcc(const char *msg, size_t len, size_t *outlen);
/*
 * A message with a body line over 998 octets (RFC 5322 2.1.1; Postfix
 * would fold it) whose body is one text part in 7bit or 8bit: the
 * same message with that body in quoted-printable, so that it arrives
 * unchanged once decoded.  NULL when nothing needs or may be changed
 * (multipart and signed messages are sent as they are).  Caller frees.
 */
char	*envelope_long_lines(const char *msg, size_t len, size_t *outlen);
/* msg with every line end CRLF, ending in one (for APPEND). */
char	*envelope_crlf(const char *msg, size_t len, size_t *outlen);

#endif
