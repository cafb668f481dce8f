/*
 * ui_int.h - private to src/ui/: the state of the terminal UI that the
 * panes share, and the functions they call on each other.  Everything
 * here runs on the UI thread (the main thread); nothing else touches
 * it.
 *
 * The shape (tmux's): key handlers and engine events change this model
 * and set dirty; ui_draw() redraws the whole screen once per loop turn
 * from the model and the store.  Only tty.c calls curses for output.
 */
#ifndef TERN_UI_INT_H
#define TERN_UI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "mail.h"
#include "store.h"
#include "ui.h"

struct engine;

enum ui_pane { PANE_FOLDERS, PANE_LIST, PANE_PAGER, PANE_NPANES };

/* One account: its engine (if any) and the UI's own store connection. */
struct ui_acct {
	const struct account	*acct;		/* borrowed from the config */
	struct engine		*engine;	/* borrowed; NULL: not started */
	struct store		*store;		/* NULL: could not be opened */
	struct store_folder	*folders;	/* display order */
	size_t			 nfolders;
	char			 state[160];	/* "online", "syncing INBOX 3/9" */
	int			 error;		/* the state is an error */
	int64_t			 pending;	/* queued operations */
	int			 fts_done;	/* nothing left to index */
};

/*
 * A line of the folder pane: the unified INBOX, an account heading or
 * one of its folders.
 */
#define UI_FROW_HEADING	(-1)
#define UI_FROW_UNIFIED	(-2)
struct ui_frow {
	size_t		 acct;
	ssize_t		 folder;	/* index in accts[acct].folders, or
					   UI_FROW_HEADING, UI_FROW_UNIFIED */
	int		 depth;		/* nesting by delimiter */
	const char	*label;		/* borrowed: last path component */
};

/* The open message in the pager. */
struct ui_pager {
	int		 open;
	size_t		 acct;		/* whose message (index in accts) */
	int64_t		 id;		/* messages row id */
	int64_t		 folder;
	uint32_t	 uid;
	int		 have;		/* r holds a rendering */
	struct rendered	 r;
	size_t		 top;		/* first visual line shown */
	int		 full_headers;
	int		 raw;
	int		 waiting;	/* asked the engine for the body */
	char		 note[256];	/* "fetching...", "offline: ..." */
	char		*find;		/* the last / text, or NULL */
	char		*file;		/* the cached message file, or NULL */
};

/* The prompt line: a question whose answer runs a callback. */
struct ui;
typedef void (*ui_prompt_fn)(struct ui *, const char *answer, void *arg);

struct ui_prompt {
	int		 active;
	char		 label[64];
	char		 buf[1024];
	size_t		 len;		/* bytes in buf */
	size_t		 cur;		/* cursor, a byte offset */
	int		 secret;	/* a password: shown as '*', wiped */
	int		 folders;	/* Tab completes folder names */
	char		 stem[1024];	/* what Tab completes, "" before Tab */
	size_t		 next;		/* the next folder Tab tries */
	ui_prompt_fn	 changed;	/* called after each edit, or NULL */
	/* Tab completes with this when set (after ui_prompt_open()):
	 * the next candidate after *next for stem into out; 0, or -1 if
	 * there is none. */
	int		(*complete)(struct ui *, const char *stem,
			    size_t *next, char *out, size_t outsz);
	ui_prompt_fn	 fn;
	void		*arg;
};

/* An engine's question waiting for the user (EV_ASK). */
struct ui_ask {
	size_t		 acct;
	uint32_t	 id;
	int		 kind;		/* enum engine_ask */
	char		 text[512];	/* sanitized */
};

/* What undo needs of the last action (one message or a batch). */
struct ui_undo_item {
	size_t		 acct;		/* whose message (index in accts) */
	struct store_msg saved;		/* the row before the action */
	int64_t		 pending;	/* the queued operation's id */
	char		*target;	/* its own target (archive by year), or
					   NULL: ui_undo.target */
	int		 done;		/* undone already */
};

struct ui_undo {
	enum pending_op	 op;
	unsigned	 mask;		/* FLAGS: the flags it changed */
	char		*target;	/* MOVE/COPY: the folder's server name */
	struct ui_undo_item *items;
	size_t		 n;
};

/* A key binding: (pane or all) key -> action with an argument. */
struct ui_bind {
	int		 pane;		/* enum ui_pane, or -1 for every pane */
	int		 key;		/* TKEY code */
	int		 action;	/* index in ui_actions */
	char		*arg;		/* owned; NULL if none */
};

struct ui {
	struct config		*cfg;		/* borrowed */
	struct theme		 theme;
	struct ui_acct		*accts;
	size_t			 naccts;

	struct ui_frow		*frows;
	size_t			 nfrows;
	size_t			 fsel, ftop;

	/*
	 * The open folder and its list (ids in display order).  In the
	 * unified INBOX (unified set) the list holds every account's
	 * INBOX: ids and tags are then ui_xid()s, and cur_acct and
	 * cur_folder follow the message in focus (ui_unified_focus()).
	 */
	ssize_t			 cur_acct;	/* -1: none */
	int64_t			 cur_folder;
	int			 unified;
	int			 fanning;	/* ui_unified_run() is at work */
	int			 undo_append;	/* the action adds to the undo batch */
	int64_t			*ids;
	struct thread_row	*trows;		/* NULL when flat */
	size_t			 nids;
	size_t			 lsel, ltop;
	int			 threads;
	enum store_sort		 sort;
	int			 reverse;
	struct query		*filter;
	char			*filter_text;
	char			*find;		/* the last / text in the list */
	int			 starting;	/* the first frame is not drawn yet */
	int			 partial;	/* ids holds the first screenful only */
	int64_t			*collapsed;	/* thread roots folded */
	size_t			 ncollapsed;

	int64_t			*tags;		/* tagged ids, sorted */
	size_t			 ntags;
	int			 tag_prefix;	/* ';': the next action is on them */
	struct ui_undo		 undo;

	struct ui_pager		 pager;
	struct ui_prompt	 prompt;

	enum ui_pane		 focus;
	int			 rows, cols;
	int			 wide;		/* all three panes side by side */
	int			 show_folders;	/* folder pane visible */
	int			 list_h;	/* rows of the list at the last draw */
	int			 pager_h, pager_w;
	int			 help;		/* the help overlay is shown */
	size_t			 help_top;
	int			 urls;		/* the URL overlay is shown */

	struct ui_ask		*asks;		/* questions, oldest first */
	size_t			 nasks;
	int			 asking;	/* the prompt answers asks[0] */

	char			 msg[256];	/* the last status message */
	int			 msg_err;

	struct ui_bind		*binds;
	size_t			 nbinds;

	struct ui_compose	*compose;	/* the composer, or NULL */
	int64_t			 compose_fwd;	/* f asked "i/a" for this id */
	struct {			/* r/g/f/E waiting for the body */
		int64_t		 id, folder;
		uint32_t	 uid;
		int		 kind;
		size_t		 acct;
	}			 compose_wait;
	struct ui_sent		*sent;		/* replies waiting to be sent */
	size_t			 nsent;
	char			**addrbook;	/* completion, most used first */
	size_t			 naddrbook;
	size_t			 addrbook_acct;	/* whose addresses + 1; 0 none */

	int			 dirty;
	int			 quit;
};

/* ---- ui.c ---- */
/* Sets the status message (printf-like); err makes it an error. */
void	 ui_status(struct ui *, int err, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Recomputes the pane geometry for rows x cols. */
void	 ui_layout(struct ui *);
/* Redraws everything. */
void	 ui_draw(struct ui *);
/* The account of the open folder (NULL if none). */
struct ui_acct *ui_cur(struct ui *);

/* ---- ui_unified.c: the unified INBOX (every account's INBOX). ---- */
/* The list id of account acct's row id: acct in the high bits when
 * the unified INBOX is open, else id itself. */
int64_t	 ui_xid(struct ui *, size_t acct, int64_t id);
/* The account of list id xid and its row id there (*idp). */
struct ui_acct *ui_xacct(struct ui *, int64_t xid, int64_t *idp);
/* Account acct's INBOX folder id, or 0. */
int64_t	 ui_unified_inbox(struct ui *, size_t acct);
/* Opens the unified INBOX in the list. */
void	 ui_unified_open(struct ui *);
/* Makes the account (and INBOX) of the message in focus current. */
void	 ui_unified_focus(struct ui *);
/* Loads the unified list: every INBOX's messages, by date or threaded. */
int	 ui_unified_load(struct ui *);
/* The list ids of the open list's messages matching q (any order). */
int	 ui_list_match(struct ui *, struct query *q, int64_t **idsp,
	    size_t *np);
/* 1 if the list shows folder of account a (an event's reload test). */
int	 ui_list_shows(struct ui *, struct ui_acct *a, int64_t folder);
/*
 * Runs action act: in the unified INBOX with ';' and tags in several
 * accounts, once per account on its own tagged messages (one undo
 * batch in all).
 */
void	 ui_unified_run(struct ui *, int act, const char *arg);

/* ---- ui_folders.c ---- */
/* Re-reads every account's folders and rebuilds the pane's rows. */
void	 ui_folders_reload(struct ui *);
/* Opens the folder on row fsel in the list. */
void	 ui_folders_open(struct ui *, size_t row);
void	 ui_folders_draw(struct ui *, int y, int x, int h, int w);
/* Moves the folder selection by n rows (skipping nothing). */
void	 ui_folders_move(struct ui *, long n);
/* Finds a folder by display or server name in the open account; -1. */
ssize_t	 ui_folders_find(struct ui *, size_t acct, const char *name);

/* ---- ui_list.c ---- */
/*
 * Re-reads the open folder's ids, keeping the selection on its message.
 * Before the first frame, a flat list reads the first screenful only:
 * the first frame must not wait for the ids of a whole large folder;
 * ui_loop() reads the rest right after drawing it.
 */
void	 ui_list_reload(struct ui *);
/* A newly opened list: no filter, the selection at the top. */
void	 ui_list_reset(struct ui *);
/* Orders keys k[0..n) (ids: list ids) as threads in ui->ids and
 * ui->trows; folded threads show their root only. */
int	 ui_list_thread_keys(struct ui *, const struct store_key *k,
	    size_t n);
/*
 * Asks the current account's engine for the filter's server: texts;
 * the list shows their last stored result meanwhile (EV_SEARCH_DONE
 * reloads it).
 */
void	 ui_list_ask_server(struct ui *);

void	 ui_list_draw(struct ui *, int y, int x, int h, int w);
void	 ui_list_move(struct ui *, long n, int h);
/* The selected message's id, or 0. */
int64_t	 ui_list_selected(struct ui *);
/* Toggles the fold of the selected message's thread. */
void	 ui_list_fold(struct ui *);
/* Frees the list. */
void	 ui_list_clear(struct ui *);

/* ---- ui_pager.c ---- */
/* Shows message id in the pager (rendering it, or asking for the body). */
void	 ui_pager_show(struct ui *, int64_t id);
/* Re-renders if the event is about the message waiting for its body. */
void	 ui_pager_body_ready(struct ui *, int64_t folder, uint32_t uid,
	    int ok, const char *why);
void	 ui_pager_draw(struct ui *, int y, int x, int h, int w);
void	 ui_pager_scroll(struct ui *, long n, int h);
void	 ui_pager_close(struct ui *);
/* The number of visual lines at width w (wrapped). */
size_t	 ui_pager_height(struct ui *, int w);
/* Finds text from the line after top; 0 found. */
int	 ui_pager_find(struct ui *, const char *text, int w);

/* ---- ui_ask.c: engine questions on the prompt line. ---- */
/* Queues an engine's question; the prompt asks it when it is free. */
void	 ui_ask_add(struct ui *, size_t acct, uint32_t id, int kind,
	    const char *text);
/* Opens the prompt for the oldest question, if the prompt is free. */
void	 ui_ask_next(struct ui *);
/* Draws the open question's text above the prompt line. */
void	 ui_ask_draw(struct ui *, int bottom, int w);
/* Dismisses every question (quitting). */
void	 ui_ask_clear(struct ui *);

/* ---- ui_prompt.c ---- */
/* Opens the prompt line with label and initial text. */
void	 ui_prompt_open(struct ui *, const char *label, const char *init,
	    ui_prompt_fn, void *arg);
/* Feeds a key to the open prompt. */
void	 ui_prompt_key(struct ui *, int key);
void	 ui_prompt_draw(struct ui *, int y, int w);

/* ---- ui_actions.c: the actions (keys and : commands share them). ---- */
struct ui_action {
	const char	*name;
	const char	*help;
	void		(*fn)(struct ui *, const char *arg);
	int		 needs_arg;	/* prompts for one if not given */
};
/* 1 if action act works on the tagged messages after ';'. */
int	 ui_action_on_tags(int act);
extern const struct ui_action ui_actions[];
extern const size_t ui_nactions;
/* The prompt of '/' in the list: the selection follows the text. */
void	 ui_search_typed(struct ui *, const char *text, void *arg);

/* ---- ui_keys.c: bindings, dispatch, the : line, help. ---- */
/* The action called name; -1 if none. */
int	 ui_action_find(const char *name);
/* Builds the default bindings and applies the config's [keys]. */
int	 ui_keys_init(struct ui *, char **errp);
void	 ui_keys_free(struct ui *);
/* Runs the action bound to key in the focused pane; 0 if none. */
int	 ui_keys_dispatch(struct ui *, int key);
/* Runs a ":" command line ("move Archive"). */
void	 ui_command(struct ui *, const char *line);
/* Draws the help overlay for the focused pane. */
void	 ui_help_draw(struct ui *, int y, int x, int h, int w);
/* Draws the numbered URLs of the open message. */
void	 ui_urls_draw(struct ui *, int y, int x, int h, int w);

/* ---- ui_act.c: the user actions on messages. ---- */
/* Queues a flag change (set, clear) for the selected message. */
void	 ui_act_flags(struct ui *, int64_t id, unsigned set, unsigned clear);
/*
 * Moves the message to folder name (of the open account, or
 * "ACCOUNT/FOLDER" of another); delete when name is NULL.
 */
void	 ui_act_move(struct ui *, int64_t id, const char *name, int copy);
/* The folder of the open account with role (e.g. "trash"); or NULL. */
const struct store_folder *ui_act_role(struct ui *, const char *role);
/*
 * Moves (or copies) to the folder with server name target, which need
 * not be in the store yet (the server creates it: TRYCREATE), or to
 * targets[i] for the i-th message (then target is only a default);
 * target and targets NULL: expunge.  display names it in the status.
 */
void	 ui_act_to(struct ui *, int64_t id, const char *target,
	    char **targets, const char *display, int copy);
/*
 * Finds folder name of the open account, or "ACCOUNT/FOLDER" of any:
 * 0 and *acctp, *fip set, or -1.
 */
int	 ui_act_resolve(struct ui *, const char *name, size_t *acctp,
	    ssize_t *fip);
/* Saves part "N [DIR]" of the open message under DIR or save_dir. */
void	 ui_act_save_part(struct ui *, const char *arg);
/* Shows part N with its mailcap viewer on the terminal. */
void	 ui_act_view_part(struct ui *, const char *arg);
/* Opens URL N of the open message with the opener. */
void	 ui_act_open_url(struct ui *, const char *arg);
/* Undoes the last action (or batch); forgets it. */
void	 ui_act_undo(struct ui *);
void	 ui_undo_clear(struct ui *);

/* ---- ui_archive.c ---- */
/* Moves the message to the account's archive folder (config archive,
 * archive_by_year). */
void	 ui_archive(struct ui *, int64_t id);

/* ---- ui_tag.c: tagged messages. ---- */
/* 1 if id is tagged. */
int	 ui_tags_has(struct ui *, int64_t id);
/* qsort/bsearch order of ids. */
int	 ui_id_cmp(const void *, const void *);
/* Tags (on 1), untags (0) or toggles (-1) id. */
void	 ui_tags_set(struct ui *, int64_t id, int on);
/* Tags (or untags) every message of the open folder matching query. */
int	 ui_tags_query(struct ui *, const char *query, int on);
/* Tags every message of the selected message's thread. */
void	 ui_tags_thread(struct ui *, int on);
/* Drops tags of messages no longer in the open folder. */
void	 ui_tags_forget_gone(struct ui *);
void	 ui_tags_clear(struct ui *);

/* ---- ui_compose*.c: writing mail. ---- */
/* The composer: the draft, its files, what to do once it is sent. */
struct ui_compose {
	size_t		 acct;		/* index in ui->accts */
	struct draft	 d;
	char		*dir;		/* private directory (0700) */
	char		*file;		/* the draft file the editor gets */
	char		**idents;	/* from, then alternates */
	size_t		 nidents;
	char		*signature;	/* NULL if none */
	int64_t		 orig_folder;	/* the answered message, or 0 */
	uint32_t	 orig_uid;
	int64_t		 draft_folder;	/* a Drafts message edited again: */
	uint32_t	 draft_uid;	/* removed once sent or postponed */
	int		 reviewing;	/* the review screen is up */
	int		 confirm;	/* q asked "discard?" */
	size_t		 sel;		/* the selected attachment */
	char		 problem[512];	/* why it cannot be sent as is */
};
/* A reply in the outbox: its original gets \Answered once it is sent. */
struct ui_sent {
	size_t		 acct;
	char		*outbox_id;
	int64_t		 folder;
	uint32_t	 uid;
};
/* m: a new message (arg: the To address, optional). */
void	 ui_compose_new(struct ui *, const char *to);
/* r, g, f (kind: enum compose_kind), edit-draft: from message id. */
void	 ui_compose_from(struct ui *, int64_t id, int kind);
/* f: asks inline or as an attachment, then ui_compose_from(). */
void	 ui_compose_forward(struct ui *, int64_t id);
/* Opens the composer for tern 'mailto:...' once the UI is up. */
void	 ui_compose_startup(struct ui *);
/* Opens the composer for a mailto: URL (tern 'mailto:...'). */
void	 ui_compose_mailto(struct ui *, const char *url);
/* The review screen's keys; 1 if the composer took the key. */
int	 ui_compose_key(struct ui *, int key);
void	 ui_compose_draw(struct ui *, int y, int x, int h, int w);
/* EV_BODY_READY: a reply waiting for this body starts now. */
void	 ui_compose_body_ready(struct ui *, size_t acct, int64_t folder,
	    uint32_t uid, int ok);
/* EV_SENT / EV_OUTBOX of account a: marks answered what was sent. */
void	 ui_compose_sent(struct ui *, size_t acct);
void	 ui_compose_free(struct ui *);
/* ---- ui_compose_aux.c ---- */
/* Runs the editor on the draft; 0 when it was read back. */
int	 ui_compose_edit(struct ui *, struct ui_compose *);
/* Tab completion: addresses from the store, file paths. */
int	 ui_complete_addr(struct ui *, const char *stem, size_t *next,
	    char *out, size_t outsz);
int	 ui_complete_path(struct ui *, const char *stem, size_t *next,
	    char *out, size_t outsz);
/* Adds every file matching the words of spec (blanks, globs, ~/). */
int	 ui_compose_attach(struct ui *, struct ui_compose *,
	    const char *spec);
/* Postpones the draft to the Drafts folder (a pending APPEND). */
int	 ui_compose_postpone(struct ui *, struct ui_compose *);
/* Builds the message and puts it in the outbox; wakes the engine. */
int	 ui_compose_send(struct ui *, struct ui_compose *);
/* The attachments of a message edited again, into the draft. */
void	 ui_compose_take_parts(struct ui_compose *, const char *msg,
	    size_t len);
/* Removes the Drafts message the draft was made from (if any). */
void	 ui_compose_drop_draft(struct ui *, struct ui_compose *);
/* Frees the composer's directory and state. */
void	 ui_compose_close(struct ui *);
void	 ui_addrbook_free(struct ui *);

/* ---- tty.c: the only code that draws with curses. ---- */
int	 tty_init(struct ui *, char **errp);
/* Colours the terminal has (0: none), once tty_init() ran. */
int	 tty_max_colors(void);
/* Maps the theme's styles to colour pairs and attributes. */
void	 tty_set_theme(const struct theme *);
void	 tty_end(void);
/* Suspends curses to run a program on the terminal, and back. */
void	 tty_suspend(void);
void	 tty_resume(void);
/* The next key (TKEY code), or -1 if none is waiting. */
int	 tty_key(struct ui *);
/* The mouse event that tty_key() reported as TKEY_MOUSE. */
int	 tty_mouse(int *y, int *x, int *button);
/* Fills a rectangle with spaces in obj's style. */
void	 tty_fill(int y, int x, int h, int w, enum theme_obj);
/*
 * Draws text (UTF-8, already sanitized) at y, x in at most w columns,
 * padded with spaces to w when pad; wide and combining characters are
 * measured.  Returns the columns used.
 */
int	 tty_text(int y, int x, int w, const char *s, enum theme_obj, int pad);
/* The same with an extra attribute (bold for unread, reverse for the
 * selection) on top of obj. */
int	 tty_text_attr(int y, int x, int w, const char *s, enum theme_obj,
	    unsigned extra, int pad);
/* Display columns of s (UTF-8). */
int	 tty_width(const char *s);
/* Bytes of s that fit in w columns. */
size_t	 tty_fit(const char *s, int w);
void	 tty_cursor(int y, int x, int visible);
void	 tty_refresh(void);
/* Rings the terminal's bell (new mail, with bell = yes). */
void	 tty_bell(void);
void	 tty_size(int *rows, int *cols);
void	 tty_clear(void);

#endif
