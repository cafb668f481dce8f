/*
 * ui_keys.c - the key bindings: the defaults (NeoMutt's and vim's
 * habits), the configuration's [keys] sections on top of them, the
 * dispatch of a key to the focused pane's action, the ":" command line
 * (which runs the same actions by name) and the help overlay.  The UI
 * thread.
 *
 * Binding a new action by default is a line in default_binds[]; the
 * actions themselves are in ui_actions.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

/* The defaults: NeoMutt's and vim's habits.  Pane -1 is every pane. */
static const struct {
	int		 pane;
	const char	*key;
	const char	*action;
} default_binds[] = {
	{ -1, "q", "close" }, { -1, "Q", "quit" }, { -1, "?", "help" },
	{ -1, ":", "command" }, { -1, "<Tab>", "focus-next" },
	{ -1, "<BTab>", "focus-prev" }, { -1, "B", "toggle-folders" },
	{ -1, "C-l", "redraw" }, { -1, "C-z", "suspend" }, { -1, "$", "sync" },
	{ -1, "j", "next" }, { -1, "<Down>", "next" }, { -1, "k", "prev" },
	{ -1, "<Up>", "prev" }, { -1, "<PgDn>", "page-down" },
	{ -1, "<PgUp>", "page-up" }, { -1, "C-f", "page-down" },
	{ -1, "C-b", "page-up" }, { -1, "C-d", "half-down" },
	{ -1, "C-u", "half-up" }, { -1, "g", "top" }, { -1, "<Home>", "top" },
	{ -1, "G", "bottom" }, { -1, "<End>", "bottom" },
	{ -1, "<Enter>", "open" }, { -1, "/", "search" },

	{ PANE_FOLDERS, "l", "open" }, { PANE_FOLDERS, "<Right>", "open" },
	{ PANE_FOLDERS, "<Space>", "open" },

	{ PANE_LIST, "l", "limit" }, { PANE_LIST, "<Right>", "open" },
	{ PANE_LIST, "n", "find-next" }, { PANE_LIST, "S", "search-all" },
	{ PANE_LIST, "<Space>", "open" },
	{ PANE_LIST, "h", "focus-folders" }, { PANE_LIST, "<Left>",
	    "focus-folders" },
	{ PANE_LIST, "J", "next-folder" }, { PANE_LIST, "K", "prev-folder" },
	{ PANE_LIST, "c", "folder" },
	{ PANE_LIST, "N", "toggle-read" }, { PANE_LIST, "F", "toggle-flag" },
	{ PANE_LIST, "d", "delete" }, { PANE_LIST, "M", "move" },
	{ PANE_LIST, "C", "copy" }, { PANE_LIST, "a", "archive" },
	{ PANE_LIST, "V", "toggle-threads" }, { PANE_LIST, "z", "fold" },
	{ PANE_LIST, "t", "tag" }, { PANE_LIST, "T", "tag-pattern" },
	{ PANE_LIST, "C-t", "untag-pattern" }, { -1, ";", "tag-prefix" },
	{ PANE_LIST, "*", "tag-thread" }, { -1, "C-r", "read-thread" },
	{ -1, "u", "undo" },
	{ PANE_LIST, "o", "sort" }, { PANE_LIST, "<F1>", "help" },
	{ PANE_LIST, "<Tab>", "next-unread" },

	{ PANE_PAGER, "<Space>", "page-down" }, { PANE_PAGER, "-", "page-up" },
	{ PANE_PAGER, "i", "close" }, { PANE_PAGER, "<Left>", "close" },
	{ PANE_PAGER, "J", "next-message" }, { PANE_PAGER, "K",
	    "prev-message" },
	{ PANE_PAGER, "N", "toggle-read" }, { PANE_PAGER, "F", "toggle-flag" },
	{ PANE_PAGER, "d", "delete" }, { PANE_PAGER, "M", "move" },
	{ PANE_PAGER, "a", "archive" }, { PANE_PAGER, "h", "toggle-headers" },
	{ PANE_PAGER, "R", "toggle-raw" }, { PANE_PAGER, "v", "view-part" },
	{ PANE_PAGER, "s", "save-part" }, { PANE_PAGER, "U", "urls" },
	{ PANE_PAGER, "n", "find-next" }, { PANE_PAGER, "<Tab>",
	    "next-unread" },

	/* Writing mail (mutt's keys); move is M, top <Home> there. */
	{ -1, "m", "compose" },
	{ PANE_LIST, "r", "reply" }, { PANE_PAGER, "r", "reply" },
	{ PANE_LIST, "g", "reply-all" }, { PANE_PAGER, "g", "reply-all" },
	{ PANE_LIST, "f", "forward" }, { PANE_PAGER, "f", "forward" },
	{ PANE_LIST, "E", "edit-draft" }, { PANE_PAGER, "E", "edit-draft" },
};

static const char *const pane_names[] = { "folders", "list", "pager" };

int
ui_action_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < ui_nactions; i++)
		if (strcmp(ui_actions[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Adds or replaces the binding of (pane, key). */
static void
bind(struct ui *ui, int pane, int key, int action, const char *arg)
{
	size_t	 i;

	for (i = 0; i < ui->nbinds; i++)
		if (ui->binds[i].pane == pane && ui->binds[i].key == key)
			break;
	if (i == ui->nbinds) {
		ui->binds = xrealloc(ui->binds, (i + 1) * sizeof *ui->binds);
		ui->nbinds++;
	} else
		free(ui->binds[i].arg);
	ui->binds[i].pane = pane;
	ui->binds[i].key = key;
	ui->binds[i].action = action;
	ui->binds[i].arg = arg != NULL && *arg != '\0' ? xstrdup(arg) : NULL;
}

int
ui_keys_init(struct ui *ui, char **errp)
{
	size_t	 i, j;
	int	 key, act, pane;
	char	*name, *sp;

	for (i = 0; i < sizeof default_binds / sizeof default_binds[0]; i++) {
		if (keyname_parse(default_binds[i].key, &key) == -1 ||
		    (act = ui_action_find(default_binds[i].action)) == -1) {
			seterr(errp, "internal: bad default binding %s",
			    default_binds[i].key);
			return -1;
		}
		bind(ui, default_binds[i].pane, key, act, NULL);
	}
	for (i = 0; i < ui->cfg->nkeys; i++) {
		const struct keybind *kb = &ui->cfg->keys[i];

		pane = -1;
		for (j = 0; j < PANE_NPANES; j++)
			if (strcmp(kb->context, pane_names[j]) == 0)
				pane = (int)j;
		name = xstrdup(kb->action);
		if ((sp = strchr(name, ' ')) != NULL)
			*sp++ = '\0';
		if ((act = ui_action_find(name)) == -1) {
			seterr(errp, "%s:%d: unknown action \"%s\" (see KEYS "
			    "in tern(1))", ui->cfg->path, kb->line, name);
			free(name);
			return -1;
		}
		bind(ui, pane, kb->key, act, sp);
		free(name);
	}
	return 0;
}

void
ui_keys_free(struct ui *ui)
{
	size_t	 i;

	for (i = 0; i < ui->nbinds; i++)
		free(ui->binds[i].arg);
	free(ui->binds);
	ui->binds = NULL;
	ui->nbinds = 0;
}

static void
run_answer(struct ui *ui, const char *answer, void *arg)
{
	int	 act = (int)(intptr_t)arg;

	if (answer == NULL)
		return;
	ui_unified_run(ui, act, answer);
	ui->dirty = 1;
}

/* Runs action act with arg, prompting for the argument it needs. */
static void
run(struct ui *ui, int act, const char *arg)
{
	const struct ui_action *a = &ui_actions[act];
	char	 label[64];

	if (a->needs_arg && (arg == NULL || *arg == '\0')) {
		if (strcmp(a->name, "search") == 0)
			snprintf(label, sizeof label, "/");
		else
			snprintf(label, sizeof label, "%s: ", a->name);
		ui_prompt_open(ui, label, "", run_answer,
		    (void *)(intptr_t)act);
		if (strcmp(a->name, "search") == 0 && ui->focus == PANE_LIST)
			ui->prompt.changed = ui_search_typed;
		ui->prompt.folders = strcmp(a->name, "move") == 0 ||
		    strcmp(a->name, "copy") == 0 ||
		    strcmp(a->name, "folder") == 0;
		return;
	}
	ui_unified_run(ui, act, arg);
	ui->dirty = 1;
}

int
ui_keys_dispatch(struct ui *ui, int key)
{
	size_t	 i;
	ssize_t	 any = -1;

	if (ui->help) {
		if (key == 'j' || key == TKEY_DOWN)
			ui->help_top++;
		else if ((key == 'k' || key == TKEY_UP) && ui->help_top > 0)
			ui->help_top--;
		ui->dirty = 1;
		return 1;
	}
	for (i = 0; i < ui->nbinds; i++) {
		if (ui->binds[i].key != key)
			continue;
		if (ui->binds[i].pane == (int)ui->focus) {
			run(ui, ui->binds[i].action, ui->binds[i].arg);
			return 1;
		}
		if (ui->binds[i].pane == -1)
			any = (ssize_t)i;
	}
	if (any == -1)
		return 0;
	run(ui, ui->binds[any].action, ui->binds[any].arg);
	return 1;
}

void
ui_command(struct ui *ui, const char *line)
{
	char	*name = xstrdup(line), *arg, *p;
	int	 act;

	for (p = name; *p == ' '; p++)
		;
	if ((arg = strchr(p, ' ')) != NULL) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	}
	if (strcmp(p, "q") == 0)
		p = "quit";
	if ((act = ui_action_find(p)) == -1)
		ui_status(ui, 1, "unknown command \"%s\" (? lists them)", p);
	else
		run(ui, act, arg);
	free(name);
}

void
ui_help_draw(struct ui *ui, int y, int x, int h, int w)
{
	size_t	 i, j, row = 0;
	char	 line[512], kb[32];
	int	 pane = (int)ui->focus, r = 0;

	tty_fill(y, x, h, w, THEME_HELP);
	snprintf(line, sizeof line, " keys of the %s pane (q to close, "
	    "j/k to scroll)", pane_names[pane]);
	tty_text(y + r++, x, w, line, THEME_TITLE, 1);
	for (j = 0; j < 2; j++) {
		for (i = 0; i < ui->nbinds && r < h; i++) {
			const struct ui_bind *b = &ui->binds[i];

			if (j == 0 ? b->pane != pane : b->pane != -1)
				continue;
			if (j == 1) {	/* hidden by a pane binding? */
				size_t	 k;
				int	 shadow = 0;

				for (k = 0; k < ui->nbinds; k++)
					if (ui->binds[k].pane == pane &&
					    ui->binds[k].key == b->key)
						shadow = 1;
				if (shadow)
					continue;
			}
			if (row++ < ui->help_top)
				continue;
			snprintf(line, sizeof line, " %-12s %-16s %s%s%s",
			    keyname_format(b->key, kb, sizeof kb),
			    ui_actions[b->action].name,
			    b->arg != NULL ? b->arg : "",
			    b->arg != NULL ? "  " : "",
			    ui_actions[b->action].help);
			tty_text(y + r++, x, w, line, THEME_HELP, 1);
		}
	}
}

void
ui_urls_draw(struct ui *ui, int y, int x, int h, int w)
{
	size_t	 i;
	char	 line[1024];
	int	 r = 0;

	tty_fill(y, x, h, w, THEME_HELP);
	tty_text(y + r++, x, w, " URLs in this message", THEME_TITLE, 1);
	for (i = 0; i < ui->pager.r.nurls && r < h; i++) {
		snprintf(line, sizeof line, " %3zu  %s", i + 1,
		    ui->pager.r.urls[i]);
		tty_text(y + r++, x, w, line, THEME_PAGER_URL, 1);
	}
}
