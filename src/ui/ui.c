/*
 * ui.c - the terminal UI's loop: one poll() over the keyboard, the
 * signal pipe and every engine's event pipe; keys and events change
 * the model (ui_int.h) and mark it dirty; the screen is redrawn once
 * per turn from the model and the store.  The UI thread (the main
 * thread), which owns the terminal; it never waits on the network:
 * everything it shows comes from its own store connections.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sync.h"
#include "ui_int.h"

static int	ui_sigpipe[2] = { -1, -1 };

static void
ui_on_signal(int sig)
{
	int	 saved = errno;
	char	 c = (char)sig;

	(void)write(ui_sigpipe[1], &c, 1);
	errno = saved;
}

void
ui_status(struct ui *ui, int err, const char *fmt, ...)
{
	va_list	 ap;
	char	*s, *clean;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	clean = sanitize_for_display(s, strlen(s), 0);
	snprintf(ui->msg, sizeof ui->msg, "%s", clean);
	ui->msg_err = err;
	free(clean);
	free(s);
	ui->dirty = 1;
}

struct ui_acct *
ui_cur(struct ui *ui)
{
	return ui->cur_acct >= 0 ? &ui->accts[ui->cur_acct] : NULL;
}

void
ui_layout(struct ui *ui)
{
	tty_size(&ui->rows, &ui->cols);
	switch (ui->cfg->layout) {
	case LAYOUT_WIDE:
		ui->wide = 1;
		break;
	case LAYOUT_NARROW:
		ui->wide = 0;
		break;
	default:
		ui->wide = ui->cols >= 120;
		break;
	}
	/* Wide: everything at once.  Narrow: one pane, folders on request. */
	ui->show_folders = ui->wide || ui->focus == PANE_FOLDERS;
	ui->dirty = 1;
}

/* The folder pane's width, or 0 when it is hidden. */
static int
ui_folder_width(struct ui *ui)
{
	int	 w = ui->cfg->folder_width > 0 ? ui->cfg->folder_width : 24;

	if (!ui->show_folders)
		return 0;
	if (!ui->wide && ui->focus != PANE_FOLDERS && ui->cols < 60)
		return 0;
	if (w > ui->cols / 2)
		w = ui->cols / 2;
	return w;
}

/* "account/folder  n messages, u unread  [pending]  state" */
static void
ui_status_draw(struct ui *ui, int y)
{
	struct ui_acct	*a = ui_cur(ui);
	char		 buf[512], sel[32] = "";
	const char	*fname = "";
	size_t		 i, k;
	int64_t		 unread = 0, pending = 0;

	if (ui->unified) {	/* "All inboxes", every INBOX's unread */
		for (i = 0; i < ui->nfrows; i++)
			if (ui->frows[i].folder == UI_FROW_UNIFIED)
				fname = ui->frows[i].label;
		for (k = 0; k < ui->naccts; k++)
			for (i = 0; i < ui->accts[k].nfolders; i++)
				if (ui->accts[k].folders[i].id ==
				    ui_unified_inbox(ui, k))
					unread += ui->accts[k].folders[i].unread;
		a = NULL;
	} else if (a != NULL)
		for (i = 0; i < a->nfolders; i++)
			if (a->folders[i].id == ui->cur_folder) {
				fname = a->folders[i].display;
				unread = a->folders[i].unread;
			}
	for (i = 0; i < ui->naccts; i++)
		pending += ui->accts[i].pending;
	if (ui->nids > 0)
		snprintf(sel, sizeof sel, "%zu/%zu", ui->lsel + 1, ui->nids);
	{
		char	 tags[32] = "", queued[48] = "";

		if (ui->ntags > 0)
			snprintf(tags, sizeof tags, "  %zu tagged%s",
			    ui->ntags, ui->tag_prefix ? " ;" : "");
		if (pending > 0)
			snprintf(queued, sizeof queued, "  %lld to send",
			    (long long)pending);
		snprintf(buf, sizeof buf, " %s%s%s  %s  %lld unread%s%s%s%s%s",
		    a != NULL ? a->acct->name : ui->unified ? "" : "tern",
		    a != NULL ? "/" : "",
		    fname, ui->nids > 0 ? sel : "empty", (long long)unread,
		    tags, ui->threads ? "  threads" : "",
		    ui->filter_text != NULL ? "  filter: " : "",
		    ui->filter_text != NULL ? ui->filter_text : "", queued);
	}
	tty_fill(y, 0, 1, ui->cols, THEME_STATUS);
	tty_text(y, 0, ui->cols, buf, THEME_STATUS, 1);
	/* The account states, right-aligned: "work: syncing INBOX 3/9". */
	{
		char	 st[256] = "";
		size_t	 off = 0;
		int	 err = 0, sw;

		for (i = 0; i < ui->naccts && off < sizeof st - 1; i++) {
			off += (size_t)snprintf(st + off, sizeof st - off,
			    "%s%s: %s", i ? "  " : "", ui->accts[i].acct->name,
			    ui->accts[i].state);
			err |= ui->accts[i].error;
			if (off >= sizeof st)
				off = sizeof st - 1;
		}
		sw = tty_width(st);
		if (sw + 2 < ui->cols - tty_width(buf))
			tty_text(y, ui->cols - sw - 1, sw, st,
			    err ? THEME_STATUS_ERROR : THEME_STATUS_PROGRESS, 0);
	}
}

void
ui_draw(struct ui *ui)
{
	int	 fw, lx, lw, body = ui->rows - 2, lh, py, ph;

	if (ui->rows < 3 || ui->cols < 10) {
		tty_fill(0, 0, ui->rows, ui->cols, THEME_DEFAULT);
		tty_text(0, 0, ui->cols, "terminal too small", THEME_DEFAULT,
		    1);
		tty_refresh();
		return;
	}
	if (ui->compose != NULL && ui->compose->reviewing) {
		ui_compose_draw(ui, 0, 0, body, ui->cols);
		fw = -1;
	} else
		fw = ui_folder_width(ui);
	if (fw > 0) {
		ui_folders_draw(ui, 0, 0, body, fw - 1);
		tty_fill(0, fw - 1, body, 1, THEME_BORDER);
		{
			int	 i;

			for (i = 0; i < body; i++)
				tty_text(i, fw - 1, 1, "\xe2\x94\x82",
				    THEME_BORDER, 0);
		}
	}
	lx = fw;
	lw = ui->cols - fw;
	if (fw < 0)
		;			/* the composer has the screen */
	else if (ui->pager.open && ui->wide) {
		/* List on top, pager below, as mutt's pager_index_lines. */
		lh = body / 3 < 5 ? 5 : body / 3;
		if (lh > body - 3)
			lh = body - 3;
		ui_list_draw(ui, 0, lx, lh, lw);
		ui->list_h = lh;
		tty_fill(lh, lx, 1, lw, THEME_BORDER);
		{
			int	 i;

			for (i = 0; i < lw; i++)
				tty_text(lh, lx + i, 1, "\xe2\x94\x80",
				    THEME_BORDER, 0);
		}
		py = lh + 1;
		ph = body - py;
		ui->pager_h = ph;
		ui->pager_w = lw;
		ui_pager_draw(ui, py, lx, ph, lw);
	} else if (ui->pager.open) {
		ui->pager_h = body;
		ui->pager_w = lw;
		ui_pager_draw(ui, 0, lx, body, lw);
	} else {
		ui->list_h = body;
		ui_list_draw(ui, 0, lx, body, lw);
	}
	if (ui->help)
		ui_help_draw(ui, 1, 2, body - 2, ui->cols - 4);
	else if (ui->urls)
		ui_urls_draw(ui, 1, 2, body - 2, ui->cols - 4);
	ui_status_draw(ui, body);
	if (ui->prompt.active) {
		ui_ask_draw(ui, body, ui->cols);
		ui_prompt_draw(ui, ui->rows - 1, ui->cols);
	}
	else {
		tty_fill(ui->rows - 1, 0, 1, ui->cols, THEME_DEFAULT);
		tty_text(ui->rows - 1, 0, ui->cols, ui->msg,
		    ui->msg_err ? THEME_STATUS_ERROR : THEME_DEFAULT, 1);
		tty_cursor(0, 0, 0);
	}
	tty_refresh();
	ui->dirty = 0;
}

static void ui_open_first(struct ui *);

/* One engine event: state, progress, changed folders, bodies, errors. */
static void
ui_event(struct ui *ui, struct ui_acct *a, const struct engine_event *ev)
{
	char	*t;

	switch (ev->type) {
	case EV_STATE:
		t = sanitize_for_display(ev->text, strlen(ev->text), 0);
		/* Waiting in IDLE is what a user calls online. */
		snprintf(a->state, sizeof a->state, "%s",
		    strcmp(t, "idle") == 0 ? "online" : t);
		a->error = 0;
		free(t);
		break;
	case EV_PROGRESS:
		t = sanitize_for_display(ev->folder, strlen(ev->folder), 0);
		snprintf(a->state, sizeof a->state, "syncing %s %llu/%llu", t,
		    (unsigned long long)ev->done,
		    (unsigned long long)ev->total);
		free(t);
		break;
	case EV_CHANGED:
		a->fts_done = 0;	/* new rows may wait to be indexed */
		ui_folders_reload(ui);
		/* The first sync of a new account: open its INBOX now. */
		if (ui->cur_acct < 0) {
			ui_open_first(ui);
			break;
		}
		if (ui_list_shows(ui, a, ev->folder_id))
			ui_list_reload(ui);
		break;
	case EV_ERROR:
		t = sanitize_for_display(ev->text, strlen(ev->text), 0);
		snprintf(a->state, sizeof a->state, "error");
		a->error = 1;
		ui_status(ui, 1, "%s: %s", a->acct->name, t);
		free(t);
		break;
	case EV_LOG:
		break;
	case EV_NEW_MAIL:
		t = sanitize_for_display(ev->folder, strlen(ev->folder), 0);
		ui_status(ui, 0, "%s: %llu new in %s", a->acct->name,
		    (unsigned long long)ev->done, *t != '\0' ? t : "INBOX");
		free(t);
		if (ui->cfg->bell)
			tty_bell();
		break;
	case EV_BODY_READY:
		ui_compose_body_ready(ui, (size_t)(a - ui->accts),
		    ev->folder_id, ev->uid, ev->ok);
		if (ui->pager.open && ui->pager.acct == (size_t)(a - ui->accts))
			ui_pager_body_ready(ui, ev->folder_id, ev->uid, ev->ok,
			    ev->text);
		break;
	case EV_ASK:
		ui_ask_add(ui, (size_t)(a - ui->accts), ev->uid, ev->ok,
		    ev->text);
		break;
	case EV_SEARCH_DONE:
		/* The filter's server: hits are in the store: show them. */
		if ((ui->unified || ui_cur(ui) == a) && ui->filter != NULL &&
		    ui->filter->nserver > 0) {
			ui_list_reload(ui);
			if (ev->ok)
				ui_status(ui, 0, "server search: %llu found "
				    "on the server, %zu shown",
				    (unsigned long long)ev->done, ui->nids);
		}
		break;
	case EV_SENT:
		t = sanitize_for_display(ev->text, strlen(ev->text), 0);
		ui_status(ui, 0, "%s: %s", a->acct->name, t);
		free(t);
		ui_compose_sent(ui, (size_t)(a - ui->accts));
		break;
	case EV_OUTBOX:
		ui_compose_sent(ui, (size_t)(a - ui->accts));
		break;
	case EV_DONE:
		snprintf(a->state, sizeof a->state, "%s",
		    ev->ok ? "stopped" : "offline");
		break;
	}
	ui->dirty = 1;
}

/* A mouse click or wheel: select the row under it, or scroll. */
static void
ui_mouse(struct ui *ui)
{
	int	 y, x, b, fw = ui_folder_width(ui);

	if (tty_mouse(&y, &x, &b) != 0)
		return;
	if (b == 4 || b == 5) {
		long	 n = b == 4 ? -3 : 3;

		if (ui->pager.open && (!ui->wide || y > (ui->rows - 2) / 3))
			ui_pager_scroll(ui, n, ui->rows - 2);
		else if (x < fw)
			ui_folders_move(ui, n);
		else
			ui_list_move(ui, n, ui->rows - 2);
		return;
	}
	if (x < fw) {
		ui->focus = PANE_FOLDERS;
		if ((size_t)y + ui->ftop < ui->nfrows) {
			ui->fsel = (size_t)y + ui->ftop;
			ui_folders_open(ui, ui->fsel);
		}
	} else if (!ui->pager.open || (ui->wide && y < (ui->rows - 2) / 3)) {
		ui->focus = PANE_LIST;
		if ((size_t)y + ui->ltop < ui->nids)
			ui->lsel = (size_t)y + ui->ltop;
	}
	ui->dirty = 1;
}

static void
ui_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Opens the first account's INBOX (or its first folder). */
static void
ui_open_first(struct ui *ui)
{
	size_t	 i;

	for (i = 0; i < ui->nfrows; i++)
		if (ui->frows[i].folder >= 0 ||
		    ui->frows[i].folder == UI_FROW_UNIFIED) {
			ui->fsel = i;
			ui_folders_open(ui, i);
			ui->focus = PANE_LIST;
			return;
		}
}

static int
ui_loop(struct ui *ui)
{
	struct pollfd		*pfd;
	struct engine_event	 ev;
	size_t			 i, n;
	int			 key, first = 1, rc;
	int64_t			 t_key = 0;

	pfd = xcalloc(ui->naccts + 2, sizeof *pfd);
	while (!ui->quit) {
		if (ui->dirty) {
			ui_draw(ui);
			/* For make bench: what a user waits for, measured here. */
			if (first)
				log_msg(LOG_INFO, "ui: first frame %.1f ms after "
				    "start", clock_since_start_us() / 1000.0);
			else if (t_key != 0)
				log_msg(LOG_DEBUG, "ui: key answered in %.2f ms",
				    (clock_us() - t_key) / 1000.0);
			/* Tags last a session: forget a crashed one's. */
			for (i = 0; first && i < ui->naccts; i++)
				if (ui->accts[i].store != NULL)
					(void)store_untag_all(
					    ui->accts[i].store);
			first = 0;
			ui->starting = 0;
			if (ui->partial) {
				ui_list_reload(ui);
				continue;
			}
		}
		t_key = 0;
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = ui_sigpipe[0];
		pfd[1].events = POLLIN;
		n = 2;
		for (i = 0; i < ui->naccts; i++) {
			pfd[n].fd = ui->accts[i].engine != NULL ?
			    engine_event_fd(ui->accts[i].engine) : -1;
			pfd[n].events = POLLIN;
			n++;
		}
		if ((rc = poll(pfd, n, 1000)) == -1 && errno != EINTR)
			break;
		/*
		 * A second without keys or events: index a few cached
		 * bodies the full-text index lacks (a local Maildir's, say),
		 * a slice small enough never to be felt.
		 */
		if (rc == 0)
			for (i = 0; i < ui->naccts; i++)
				if (ui->accts[i].store != NULL &&
				    !ui->accts[i].fts_done)
					ui->accts[i].fts_done =
					    store_fts_catch_up(
					    ui->accts[i].store, 20) == 0;
		if (pfd[1].revents & POLLIN) {
			char	 buf[16];
			ssize_t	 r = read(ui_sigpipe[0], buf, sizeof buf);

			for (ssize_t j = 0; j < r; j++)
				if (buf[j] == SIGTERM || buf[j] == SIGHUP)
					ui->quit = 1;
				else if (buf[j] == SIGCHLD)
					ui_reap();
		}
		for (i = 0; i < ui->naccts; i++)
			while (ui->accts[i].engine != NULL &&
			    engine_next_event(ui->accts[i].engine, &ev))
				ui_event(ui, &ui->accts[i], &ev);
		while (!ui->quit && (key = tty_key(ui)) != -1) {
			if (t_key == 0)
				t_key = clock_us();
			if (key == TKEY_RESIZE) {
				ui_layout(ui);
				tty_clear();
			} else if (key == TKEY_MOUSE)
				ui_mouse(ui);
			else if (ui->prompt.active)
				ui_prompt_key(ui, key);
			else if (ui_compose_key(ui, key))
				;
			else if (ui->help && (key == 'q' || key == TKEY_ESC ||
			    key == '?')) {
				ui->help = 0;
				ui->dirty = 1;
			} else if (!ui_keys_dispatch(ui, key)) {
				char	 kb[32];

				ui_status(ui, 0, "%s: no binding here (? for "
				    "help)", keyname_format(key, kb,
				    sizeof kb));
			}
		}
	}
	free(pfd);
	{
		struct rusage	 ru;

		if (getrusage(RUSAGE_SELF, &ru) == 0)
			log_msg(LOG_INFO, "ui: peak RSS %ld KB", ru.ru_maxrss);
	}
	return 0;
}

static void
ui_free(struct ui *ui)
{
	size_t	 i;

	ui_ask_clear(ui);
	ui_compose_free(ui);
	ui_undo_clear(ui);
	ui_tags_clear(ui);
	ui_pager_close(ui);
	ui_list_clear(ui);
	for (i = 0; i < ui->naccts; i++) {
		store_folders_free(ui->accts[i].folders,
		    ui->accts[i].nfolders);
		store_close(ui->accts[i].store);
	}
	free(ui->accts);
	free(ui->frows);
	free(ui->collapsed);
	free(ui->filter_text);
	free(ui->find);
	if (ui->filter != NULL) {
		query_free(ui->filter);
		free(ui->filter);
	}
	ui_keys_free(ui);
}

/*
 * Picks the theme: the configured one (or "default"); on a terminal
 * with fewer colours than it uses, the "16color" theme; attributes only
 * when NO_COLOR is set or the terminal has no colour at all.
 */
static void
ui_theme(struct ui *ui, char ***warn, size_t *nwarn)
{
	const char	*name = ui->cfg->theme != NULL ? ui->cfg->theme :
			    "default", *nc = getenv("NO_COLOR");
	char		*path, *err = NULL;
	int		 max = tty_max_colors();

	theme_default(&ui->theme);
	if ((path = theme_find(name)) == NULL) {
		/* The built-in default is themes/default; only a theme the
		 * user named is worth a word when it is missing. */
		if (ui->cfg->theme != NULL)
			ui_status(ui, 1, "theme \"%s\" not found; using the "
			    "built-in default", name);
	}
	else if (theme_load(path, &ui->theme, warn, nwarn, &err) == -1) {
		ui_status(ui, 1, "%s", err);
		free(err);
	}
	free(path);
	if (max > 0 && max < ui->theme.colors && max >= 16 &&
	    (path = theme_find("16color")) != NULL) {
		theme_default(&ui->theme);
		theme_warnings_free(*warn, *nwarn);
		*warn = NULL;
		*nwarn = 0;
		theme_load(path, &ui->theme, warn, nwarn, NULL);
		free(path);
	}
	if (max < 16 || (nc != NULL && *nc != '\0'))
		theme_monochrome(&ui->theme);
	tty_set_theme(&ui->theme);
}

int
ui_run(struct config *cfg, struct engine **engines, char **notes,
    char **errp)
{
	struct ui		 ui;
	struct sigaction	 sa;
	char			*err = NULL, **warn = NULL;
	size_t			 i, nwarn = 0;
	int			 rc;

	memset(&ui, 0, sizeof ui);
	ui.cfg = cfg;
	ui.cur_acct = -1;
	ui.starting = 1;
	ui.threads = cfg->threads;
	switch (cfg->sort) {
	case SORT_DATE:		ui.sort = STORE_SORT_DATE; break;
	case SORT_FROM:		ui.sort = STORE_SORT_FROM; break;
	case SORT_REVERSE_FROM:	ui.sort = STORE_SORT_FROM; ui.reverse = 1; break;
	case SORT_SUBJECT:	ui.sort = STORE_SORT_SUBJECT; break;
	case SORT_REVERSE_SUBJECT:
		ui.sort = STORE_SORT_SUBJECT; ui.reverse = 1; break;
	case SORT_SIZE:		ui.sort = STORE_SORT_SIZE; break;
	case SORT_REVERSE_SIZE:	ui.sort = STORE_SORT_SIZE; ui.reverse = 1; break;
	default:		ui.sort = STORE_SORT_DATE; ui.reverse = 1; break;
	}
	log_msg(LOG_DEBUG, "ui: starting at %.1f ms",
	    clock_since_start_us() / 1000.0);
	if (ui_keys_init(&ui, errp) == -1) {
		ui_keys_free(&ui);
		return 2;
	}
	ui.naccts = cfg->naccounts;
	ui.accts = xcalloc(ui.naccts ? ui.naccts : 1, sizeof *ui.accts);
	for (i = 0; i < ui.naccts; i++) {
		struct ui_acct	*a = &ui.accts[i];
		char		*dir = config_data_dir(cfg->accounts[i].name);

		a->acct = &cfg->accounts[i];
		a->engine = engines != NULL ? engines[i] : NULL;
		/* The engine holds the account lock; this is a reader. */
		a->store = store_open(a->acct->name, dir, 0, &err);
		free(dir);
		snprintf(a->state, sizeof a->state, "%s",
		    a->engine != NULL ? "connecting" : "offline");
		if (notes != NULL && notes[i] != NULL) {
			a->error = 1;
			ui_status(&ui, 1, "%s: %s", a->acct->name, notes[i]);
		}
		if (a->store == NULL) {
			snprintf(a->state, sizeof a->state, "error");
			a->error = 1;
			ui_status(&ui, 1, "%s", err);
			free(err);
			err = NULL;
		}
	}

	if (pipe_nonblock(ui_sigpipe) == -1) {
		seterr(errp, "pipe: %s", strerror(errno));
		ui_free(&ui);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ui_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (tty_init(&ui, errp) == -1) {
		ui_free(&ui);
		return 1;
	}
	log_msg(LOG_DEBUG, "ui: terminal ready at %.1f ms",
	    clock_since_start_us() / 1000.0);
	ui_theme(&ui, &warn, &nwarn);
	ui_layout(&ui);
	ui_folders_reload(&ui);
	log_msg(LOG_DEBUG, "ui: folders read at %.1f ms",
	    clock_since_start_us() / 1000.0);
	ui_open_first(&ui);
	log_msg(LOG_DEBUG, "ui: list read at %.1f ms",
	    clock_since_start_us() / 1000.0);
	ui_compose_startup(&ui);
	if (nwarn > 0)
		ui_status(&ui, 1, "%s%s", warn[0],
		    nwarn > 1 ? " (and more)" : "");
	theme_warnings_free(warn, nwarn);
	ui.dirty = 1;
	rc = ui_loop(&ui);
	tty_end();
	ui_free(&ui);
	close(ui_sigpipe[0]);
	close(ui_sigpipe[1]);
	return rc;
}
