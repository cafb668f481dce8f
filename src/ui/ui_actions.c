/*
 * ui_actions.c - what the UI can do: one function per action and the
 * table that names them (ui_actions[]).  Keys (ui_keys.c) and ":"
 * commands run the same actions by name; tern(1) lists them all (a test
 * keeps the man page and this table in sync).  The UI thread.
 *
 * Adding an action is adding a function and a line to ui_actions[];
 * binding it by default is a line in ui_keys.c's default_binds[].
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sync.h"
#include "ui_int.h"

/* Rows a page moves: the pane's height less one line of context. */
static long
page(struct ui *ui)
{
	int	 h = ui->focus == PANE_PAGER ? ui->pager_h : ui->list_h;

	return h > 2 ? h - 1 : 1;
}

static void
a_quit(struct ui *ui, const char *arg)
{
	(void)arg;
	ui->quit = 1;
}

static void
a_close(struct ui *ui, const char *arg)
{
	(void)arg;
	if (ui->focus == PANE_PAGER && ui->pager.open)
		ui_pager_close(ui);
	else
		ui->quit = 1;
}

static void
a_help(struct ui *ui, const char *arg)
{
	(void)arg;
	ui->help = !ui->help;
	ui->help_top = 0;
	ui->dirty = 1;
}

/* Moves in the focused pane by n rows (pager: lines). */
static void
move_by(struct ui *ui, long n)
{
	switch (ui->focus) {
	case PANE_FOLDERS:
		ui_folders_move(ui, n);
		break;
	case PANE_LIST:
		ui_list_move(ui, n, ui->list_h);
		break;
	case PANE_PAGER:
		ui_pager_scroll(ui, n, ui->pager_h);
		break;
	default:
		break;
	}
}

static void a_next(struct ui *ui, const char *a) { (void)a; move_by(ui, 1); }
static void a_prev(struct ui *ui, const char *a) { (void)a; move_by(ui, -1); }
static void
a_page_down(struct ui *ui, const char *a)
{
	(void)a;
	move_by(ui, page(ui));
}
static void
a_page_up(struct ui *ui, const char *a)
{
	(void)a;
	move_by(ui, -page(ui));
}
static void
a_half_down(struct ui *ui, const char *a)
{
	(void)a;
	move_by(ui, page(ui) / 2 + 1);
}
static void
a_half_up(struct ui *ui, const char *a)
{
	(void)a;
	move_by(ui, -(page(ui) / 2 + 1));
}
static void
a_top(struct ui *ui, const char *a)
{
	(void)a;
	move_by(ui, -(1L << 40));
}
static void
a_bottom(struct ui *ui, const char *a)
{
	(void)a;
	move_by(ui, 1L << 40);
}

static void
a_open(struct ui *ui, const char *arg)
{
	(void)arg;
	switch (ui->focus) {
	case PANE_FOLDERS:
		ui_folders_open(ui, ui->fsel);
		ui->focus = PANE_LIST;
		if (!ui->wide && ui->cols < 80)
			ui->show_folders = 0;
		break;
	case PANE_LIST:
		ui_pager_show(ui, ui_list_selected(ui));
		break;
	case PANE_PAGER:
		ui_pager_scroll(ui, 1, ui->pager_h);
		break;
	default:
		break;
	}
	ui->dirty = 1;
}

/* The panes Tab cycles through: the visible ones. */
static int
pane_visible(struct ui *ui, enum ui_pane p)
{
	switch (p) {
	case PANE_FOLDERS:
		return ui->show_folders;
	case PANE_LIST:
		return ui->wide || !ui->pager.open;
	case PANE_PAGER:
		return ui->pager.open;
	default:
		return 0;
	}
}

static void
focus_step(struct ui *ui, int step)
{
	int	 i, p = (int)ui->focus;

	for (i = 0; i < PANE_NPANES; i++) {
		p = (p + step + PANE_NPANES) % PANE_NPANES;
		if (pane_visible(ui, (enum ui_pane)p)) {
			ui->focus = (enum ui_pane)p;
			break;
		}
	}
	ui->dirty = 1;
}

static void a_focus_next(struct ui *ui, const char *a) { (void)a; focus_step(ui, 1); }
static void a_focus_prev(struct ui *ui, const char *a) { (void)a; focus_step(ui, -1); }

static void
a_focus_folders(struct ui *ui, const char *arg)
{
	(void)arg;
	ui->show_folders = 1;
	ui->focus = PANE_FOLDERS;
	ui->dirty = 1;
}

static void
a_toggle_folders(struct ui *ui, const char *arg)
{
	(void)arg;
	ui->show_folders = !ui->show_folders;
	if (ui->show_folders)
		ui->focus = PANE_FOLDERS;
	else if (ui->focus == PANE_FOLDERS)
		ui->focus = ui->pager.open ? PANE_PAGER : PANE_LIST;
	ui->dirty = 1;
}

/* Opens the next (n = 1) or previous folder row that is a folder. */
static void
folder_step(struct ui *ui, int n)
{
	long	 r = (long)ui->fsel;

	for (;;) {
		r += n;
		if (r < 0 || r >= (long)ui->nfrows)
			return;
		if (ui->frows[r].folder >= 0 ||
		    ui->frows[r].folder == UI_FROW_UNIFIED)
			break;
	}
	ui->fsel = (size_t)r;
	ui_folders_open(ui, ui->fsel);
	ui->focus = PANE_LIST;
}

static void a_next_folder(struct ui *ui, const char *a) { (void)a; folder_step(ui, 1); }
static void a_prev_folder(struct ui *ui, const char *a) { (void)a; folder_step(ui, -1); }

static void
a_folder(struct ui *ui, const char *arg)
{
	size_t	 i, acct = ui->cur_acct >= 0 ? (size_t)ui->cur_acct : 0;
	ssize_t	 f;

	if (ui->naccts == 0)
		return;
	if (ui->cfg->unified_inbox && strcasecmp(arg, "All inboxes") == 0) {
		for (i = 0; i < ui->nfrows; i++)
			if (ui->frows[i].folder == UI_FROW_UNIFIED)
				ui->fsel = i;
		ui_unified_open(ui);
		ui->focus = PANE_LIST;
		return;
	}
	/* Another account's as ACCOUNT/FOLDER (as Tab completes it). */
	if (ui_act_resolve(ui, arg, &acct, &f) == -1 &&
	    (f = ui_folders_find(ui, acct, arg)) == -1) {
		ui_status(ui, 1, "no folder \"%s\"", arg);
		return;
	}
	for (i = 0; i < ui->nfrows; i++)
		if (ui->frows[i].acct == acct && ui->frows[i].folder == f) {
			ui->fsel = i;
			ui_folders_open(ui, i);
			ui->focus = PANE_LIST;
		}
}

/* The message actions work on the pager's message, else the selection. */
static int64_t
target(struct ui *ui)
{
	if (ui->focus == PANE_PAGER && ui->pager.open)
		return ui->pager.id;
	return ui->focus == PANE_FOLDERS ? 0 : ui_list_selected(ui);
}

static void
toggle_flag(struct ui *ui, unsigned flag)
{
	struct ui_acct		*a = ui_cur(ui);
	struct store_msg	 m;
	int64_t			 id = target(ui);

	if (a == NULL || a->store == NULL || id == 0 ||
	    store_msg_by_id(a->store, id, &m) != 0)
		return;
	if (m.flags & flag)
		ui_act_flags(ui, id, 0, flag);
	else
		ui_act_flags(ui, id, flag, 0);
	store_msg_clear(&m);
}

static void a_toggle_read(struct ui *ui, const char *a) { (void)a; toggle_flag(ui, FLAG_SEEN); }
static void a_toggle_flag(struct ui *ui, const char *a) { (void)a; toggle_flag(ui, FLAG_FLAGGED); }

static void
a_delete(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_act_move(ui, target(ui), NULL, 0);
}

static void
a_move(struct ui *ui, const char *arg)
{
	ui_act_move(ui, target(ui), arg, 0);
}

static void
a_copy(struct ui *ui, const char *arg)
{
	ui_act_move(ui, target(ui), arg, 1);
}

static void
a_archive(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_archive(ui, target(ui));
}

static void
a_sync(struct ui *ui, const char *arg)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < ui->naccts; i++)
		if (ui->accts[i].engine != NULL)
			engine_wake(ui->accts[i].engine);
	ui_status(ui, 0, "syncing");
}

/* Shows only the messages matching a query (empty: all again). */
static void
a_limit(struct ui *ui, const char *arg)
{
	struct query	*q;
	char		*err = NULL;

	if (ui->filter != NULL) {
		query_free(ui->filter);
		free(ui->filter);
		ui->filter = NULL;
	}
	free(ui->filter_text);
	ui->filter_text = NULL;
	if (arg != NULL && *arg != '\0') {
		q = xcalloc(1, sizeof *q);
		if (query_compile(arg, time(NULL), q, &err) == -1) {
			ui_status(ui, 1, "%s", err);
			free(err);
			free(q);
		} else {
			ui->filter = q;
			ui->filter_text = xstrdup(arg);
		}
	}
	ui->lsel = 0;
	ui_list_reload(ui);
	ui_list_ask_server(ui);
}

/*
 * The next message (after the selection, wrapping) whose sender or
 * subject holds text: the ids matching are read once from the store,
 * then the list is walked in display order.
 */
static int
list_find(struct ui *ui, const char *text, int from_next)
{
	struct query	 q;
	int64_t		*hits;
	size_t		 n, i, k, start;
	char		*pat;
	int		 found = -1;

	if (ui->nids == 0 || *text == '\0')
		return -1;
	pat = xasprintf("%%%s%%", text);
	memset(&q, 0, sizeof q);
	q.where = "(m.subject LIKE ?1 OR m.from_addr LIKE ?1)";
	q.params = xcalloc(1, sizeof *q.params);
	q.nparams = 1;
	q.params[0].s = pat;
	if (ui_list_match(ui, &q, &hits, &n) == 0) {
		qsort(hits, n, sizeof *hits, ui_id_cmp);
		start = ui->lsel + (from_next ? 1 : 0);
		for (k = 0; k < ui->nids && n > 0; k++) {
			i = (start + k) % ui->nids;
			if (bsearch(&ui->ids[i], hits, n, sizeof *hits,
			    ui_id_cmp) != NULL) {
				ui->lsel = i;
				found = 0;
				break;
			}
		}
		free(hits);
	}
	free(q.params);
	free(pat);
	ui->dirty = 1;
	return found;
}

/* As the user types after '/': the selection follows the text. */
void
ui_search_typed(struct ui *ui, const char *text, void *arg)
{
	(void)arg;
	if (text != NULL && *text != '\0' && list_find(ui, text, 0) == -1)
		ui_status(ui, 1, "not found: %s", text);
	else
		ui->msg[0] = '\0';
}

/* '/': in the list an incremental search, in the pager a text search. */
static void
a_search(struct ui *ui, const char *arg)
{
	if (ui->focus == PANE_PAGER) {
		free(ui->pager.find);
		ui->pager.find = xstrdup(arg);
		if (ui_pager_find(ui, arg, ui->pager_w) == -1)
			ui_status(ui, 1, "not found: %s", arg);
		return;
	}
	free(ui->find);
	ui->find = xstrdup(arg);
	if (list_find(ui, arg, 0) == -1)
		ui_status(ui, 1, "not found: %s", arg);
}

/* Every folder of the account: the results of a query, as a list. */
static void
a_search_all(struct ui *ui, const char *arg)
{
	if (ui->cur_acct < 0)
		return;
	ui_pager_close(ui);
	ui_tags_clear(ui);
	ui->unified = 0;	/* the account in focus, every folder */
	ui->cur_folder = 0;
	ui->lsel = 0;
	a_limit(ui, arg);
	ui->focus = PANE_LIST;
	ui_status(ui, 0, "%zu message%s in all folders of %s", ui->nids,
	    ui->nids == 1 ? "" : "s", ui->accts[ui->cur_acct].acct->name);
}

static void
a_find_next(struct ui *ui, const char *arg)
{
	(void)arg;
	if (ui->focus != PANE_PAGER) {
		if (ui->find == NULL)
			ui_status(ui, 0, "nothing to find yet: /");
		else if (list_find(ui, ui->find, 1) == -1)
			ui_status(ui, 1, "not found: %s", ui->find);
		return;
	}
	if (ui->pager.find == NULL)
		ui_status(ui, 0, "nothing to find yet: /");
	else if (ui_pager_find(ui, ui->pager.find, ui->pager_w) == -1)
		ui_status(ui, 1, "no more: %s", ui->pager.find);
}

static void
a_threads(struct ui *ui, const char *arg)
{
	(void)arg;
	ui->threads = !ui->threads;
	ui_list_reload(ui);
	ui_status(ui, 0, "%s", ui->threads ? "threaded" : "flat");
}

static void
a_fold(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_list_fold(ui);
}

static void
a_sort(struct ui *ui, const char *arg)
{
	static const struct { const char *name; enum store_sort s; } v[] = {
		{ "date", STORE_SORT_DATE }, { "from", STORE_SORT_FROM },
		{ "subject", STORE_SORT_SUBJECT }, { "size", STORE_SORT_SIZE },
	};
	const char	*name = arg;
	size_t		 i;
	int		 rev = 0;

	if (strncmp(name, "reverse-", 8) == 0) {
		rev = 1;
		name += 8;
	}
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strcmp(name, v[i].name) == 0) {
			ui->sort = v[i].s;
			ui->reverse = rev;
			ui->threads = 0;
			ui_list_reload(ui);
			ui_status(ui, 0, "sorted by %s", arg);
			return;
		}
	ui_status(ui, 1, "sort by date, from, subject or size (reverse-date "
	    "for newest first)");
}

static void
a_headers(struct ui *ui, const char *arg)
{
	(void)arg;
	if (!ui->pager.open)
		return;
	ui->pager.full_headers = !ui->pager.full_headers;
	ui_pager_show(ui, ui->pager.id);
}

static void
a_raw(struct ui *ui, const char *arg)
{
	int	 full = ui->pager.full_headers, raw = !ui->pager.raw;

	(void)arg;
	if (!ui->pager.open)
		return;
	ui_pager_show(ui, ui->pager.id);
	ui->pager.full_headers = full;
	ui->pager.raw = raw;
	ui_pager_show(ui, ui->pager.id);
	ui->pager.raw = raw;
}

static void
msg_step(struct ui *ui, long n)
{
	ui_list_move(ui, n, ui->list_h);
	if (ui->pager.open)
		ui_pager_show(ui, ui_list_selected(ui));
}

static void a_next_msg(struct ui *ui, const char *a) { (void)a; msg_step(ui, 1); }
static void a_prev_msg(struct ui *ui, const char *a) { (void)a; msg_step(ui, -1); }

static void
a_next_unread(struct ui *ui, const char *arg)
{
	struct ui_acct		*a;
	struct store_msg	 m;
	int64_t			 id;
	size_t			 i;

	(void)arg;
	for (i = ui->lsel + 1; i < ui->nids; i++) {
		if ((a = ui_xacct(ui, ui->ids[i], &id)) == NULL ||
		    a->store == NULL || store_msg_by_id(a->store, id, &m) != 0)
			continue;
		if (!(m.flags & FLAG_SEEN)) {
			store_msg_clear(&m);
			ui->lsel = i;
			if (ui->pager.open)
				ui_pager_show(ui, ui_list_selected(ui));
			ui->dirty = 1;
			return;
		}
		store_msg_clear(&m);
	}
	ui_status(ui, 0, "no more unread messages here");
}

static void
a_tag(struct ui *ui, const char *arg)
{
	int64_t	 id = ui->lsel < ui->nids ? ui->ids[ui->lsel] : 0;

	(void)arg;
	if (id == 0)
		return;
	ui_tags_set(ui, id, -1);	/* a list id */
	ui_list_move(ui, 1, ui->list_h);
}

static void
a_tag_pattern(struct ui *ui, const char *arg)
{
	ui_tags_query(ui, arg, 1);
}

static void
a_untag_pattern(struct ui *ui, const char *arg)
{
	ui_tags_query(ui, arg, 0);
}

static void
a_tag_prefix(struct ui *ui, const char *arg)
{
	(void)arg;
	if (ui->ntags == 0) {
		ui_status(ui, 0, "no message is tagged (t tags one, T by "
		    "query)");
		return;
	}
	ui->tag_prefix = 1;
	ui_status(ui, 0, "; the next action works on the %zu tagged",
	    ui->ntags);
}

static void
a_tag_thread(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_tags_thread(ui, 1);
	ui_status(ui, 0, "%zu tagged", ui->ntags);
}

/* Marks the selected message's whole thread read, as one batch. */
static void
a_read_thread(struct ui *ui, const char *arg)
{
	int64_t	*saved = ui->tags;
	size_t	 nsaved = ui->ntags;

	(void)arg;
	ui->tags = NULL;
	ui->ntags = 0;
	ui_tags_thread(ui, 1);
	ui->tag_prefix = 1;
	ui_act_flags(ui, 0, FLAG_SEEN, 0);
	free(ui->tags);
	ui->tags = saved;
	ui->ntags = nsaved;
}

static void
a_undo(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_act_undo(ui);
}

static void a_view(struct ui *ui, const char *a) { ui_act_view_part(ui, a); }
static void a_save(struct ui *ui, const char *a) { ui_act_save_part(ui, a); }
static void
a_open_url(struct ui *ui, const char *arg)
{
	ui->urls = 0;
	ui_act_open_url(ui, arg);
	ui->dirty = 1;
}

static void
url_answer(struct ui *ui, const char *answer, void *arg)
{
	(void)arg;
	ui->urls = 0;
	if (answer != NULL && *answer != '\0')
		ui_act_open_url(ui, answer);
	ui->dirty = 1;
}

static void
a_urls(struct ui *ui, const char *arg)
{
	(void)arg;
	if (!ui->pager.open || !ui->pager.have || ui->pager.r.nurls == 0) {
		ui_status(ui, 0, "no URLs in this message");
		return;
	}
	ui->urls = 1;
	ui_prompt_open(ui, "open URL number: ", "", url_answer, NULL);
}

static void
command_answer(struct ui *ui, const char *answer, void *arg)
{
	(void)arg;
	if (answer != NULL && *answer != '\0')
		ui_command(ui, answer);
}

static void
a_command(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_prompt_open(ui, ":", "", command_answer, NULL);
}

static void
a_compose(struct ui *ui, const char *arg)
{
	ui_compose_new(ui, arg);
}

static void
a_reply(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_compose_from(ui, target(ui), COMPOSE_REPLY);
}

static void
a_reply_all(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_compose_from(ui, target(ui), COMPOSE_REPLY_ALL);
}

static void
a_forward(struct ui *ui, const char *arg)
{
	int64_t	 id = target(ui);

	if (arg != NULL && (arg[0] == 'i' || arg[0] == 'a'))
		ui_compose_from(ui, id, arg[0] == 'i' ? COMPOSE_FORWARD :
		    COMPOSE_FORWARD_ATTACH);
	else
		ui_compose_forward(ui, id);
}

static void
a_edit_draft(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_compose_from(ui, target(ui), COMPOSE_EDIT);
}

static void
a_redraw(struct ui *ui, const char *arg)
{
	(void)arg;
	ui_layout(ui);
	tty_clear();
}

static void
a_suspend(struct ui *ui, const char *arg)
{
	(void)arg;
	tty_suspend();
	raise(SIGSTOP);
	tty_resume();
	ui_layout(ui);
}

const struct ui_action ui_actions[] = {
	{ "quit", "leave tern", a_quit, 0 },
	{ "close", "close the pager; in the list, leave tern", a_close, 0 },
	{ "help", "show the keys of this pane", a_help, 0 },
	{ "next", "next line", a_next, 0 },
	{ "prev", "previous line", a_prev, 0 },
	{ "page-down", "one page down", a_page_down, 0 },
	{ "page-up", "one page up", a_page_up, 0 },
	{ "half-down", "half a page down", a_half_down, 0 },
	{ "half-up", "half a page up", a_half_up, 0 },
	{ "top", "first line", a_top, 0 },
	{ "bottom", "last line", a_bottom, 0 },
	{ "open", "open the folder or message", a_open, 0 },
	{ "focus-next", "next pane", a_focus_next, 0 },
	{ "focus-prev", "previous pane", a_focus_prev, 0 },
	{ "focus-folders", "go to the folder pane", a_focus_folders, 0 },
	{ "toggle-folders", "show or hide the folder pane", a_toggle_folders,
	    0 },
	{ "next-folder", "open the next folder", a_next_folder, 0 },
	{ "prev-folder", "open the previous folder", a_prev_folder, 0 },
	{ "folder", "open the folder NAME", a_folder, 1 },
	{ "toggle-read", "mark read or unread", a_toggle_read, 0 },
	{ "toggle-flag", "flag or unflag", a_toggle_flag, 0 },
	{ "delete", "move to Trash (or expunge: delete = expunge)", a_delete,
	    0 },
	{ "move", "move to the folder NAME (another account's: "
	    "ACCOUNT/FOLDER)", a_move, 1 },
	{ "copy", "copy to the folder NAME (another account's: "
	    "ACCOUNT/FOLDER)", a_copy, 1 },
	{ "archive", "move to the Archive folder (archive, "
	    "archive_by_year)", a_archive, 0 },
	{ "sync", "sync every account now", a_sync, 0 },
	{ "search", "find TEXT: in the list the next sender or subject "
	    "holding it, as you type; in the pager the text", a_search, 1 },
	{ "limit", "show only the messages matching QUERY (empty: all)",
	    a_limit, 1 },
	{ "search-all", "list the messages matching QUERY in every folder "
	    "of the account", a_search_all, 1 },
	{ "find-next", "find the text of / again", a_find_next, 0 },
	{ "toggle-threads", "threaded or flat list", a_threads, 0 },
	{ "fold", "fold or unfold the thread", a_fold, 0 },
	{ "sort", "sort by date, from, subject or size (reverse-...)",
	    a_sort, 1 },
	{ "toggle-headers", "all header fields or the usual few", a_headers,
	    0 },
	{ "toggle-raw", "the message source or its rendering", a_raw, 0 },
	{ "next-message", "next message", a_next_msg, 0 },
	{ "prev-message", "previous message", a_prev_msg, 0 },
	{ "next-unread", "next unread message", a_next_unread, 0 },
	{ "tag", "tag or untag the message (and go to the next)", a_tag, 0 },
	{ "tag-pattern", "tag the messages matching QUERY", a_tag_pattern,
	    1 },
	{ "untag-pattern", "untag the messages matching QUERY (empty: all)",
	    a_untag_pattern, 1 },
	{ "tag-prefix", "apply the next action to every tagged message",
	    a_tag_prefix, 0 },
	{ "tag-thread", "tag the message's whole thread", a_tag_thread, 0 },
	{ "read-thread", "mark the message's whole thread read",
	    a_read_thread, 0 },
	{ "undo", "undo the last action (or batch), also on the server",
	    a_undo, 0 },
	{ "view-part", "open part N with its mailcap viewer", a_view, 1 },
	{ "save-part", "save part N (to save_dir, or N DIR)", a_save, 1 },
	{ "urls", "list the URLs and open one", a_urls, 0 },
	{ "open-url", "open URL N with the opener", a_open_url, 1 },
	{ "compose", "write a new message (to ADDRESS, optional)", a_compose,
	    0 },
	{ "reply", "reply to the sender", a_reply, 0 },
	{ "reply-all", "reply to the sender and every recipient",
	    a_reply_all, 0 },
	{ "forward", "forward the message (inline or attachment; asks "
	    "unless given i or a)", a_forward, 0 },
	{ "edit-draft", "write the message again: a postponed draft, or "
	    "resend", a_edit_draft, 0 },
	{ "command", "type a command (an action and its argument)",
	    a_command, 0 },
	{ "redraw", "redraw the screen", a_redraw, 0 },
	{ "suspend", "suspend tern (fg to come back)", a_suspend, 0 },
};
const size_t ui_nactions = sizeof ui_actions / sizeof ui_actions[0];

int
ui_action_on_tags(int act)
{
	static const char *const names[] = {
		"delete", "move", "copy", "archive"
	};
	size_t	 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (act >= 0 && (size_t)act < ui_nactions &&
		    strcmp(ui_actions[act].name, names[i]) == 0)
			return 1;
	return 0;
}
