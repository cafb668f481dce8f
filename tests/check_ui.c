/*
 * check_ui.c - the terminal UI's parts that need no terminal: the
 * action table against tern(1)'s KEYS section (every action documented,
 * nothing documented that does not exist), the default bindings and the
 * [keys] sections on top of them, and the prompt line editor.
 */
#include "check_main.h"

#include <locale.h>
#include <string.h>

#include "../src/ui/ui_int.h"

/* The ".It Ic NAME" words of the action list in tern(1)'s KEYS. */
static char **
man_actions(size_t *np)
{
	const char	*srcdir = getenv("TERN_SRCDIR");
	char		*path, line[512], **v = NULL;
	size_t		 n = 0;
	int		 in_keys = 0, in_list = 0;
	FILE		*fp;

	path = srcdir != NULL ? xasprintf("%s/man/tern.1", srcdir) :
	    xstrdup("man/tern.1");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	free(path);
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0)
			in_keys = strcmp(line, ".Sh KEYS") == 0;
		if (!in_keys)
			continue;
		if (strcmp(line, "The actions:") == 0)
			in_list = 1;
		else if (in_list && strcmp(line, ".El") == 0)
			in_list = 0;
		else if (in_list && strncmp(line, ".It Ic ", 7) == 0) {
			v = xrealloc(v, (n + 1) * sizeof *v);
			v[n++] = xstrndup(line + 7, strcspn(line + 7, " "));
		}
	}
	fclose(fp);
	*np = n;
	return v;
}

START_TEST(every_action_is_documented)
{
	char	**doc;
	size_t	  n, i, j;
	int	  found;

	doc = man_actions(&n);
	ck_assert_msg(n > 10, "tern(1) KEYS lists %zu actions", n);
	for (i = 0; i < ui_nactions; i++) {
		for (found = 0, j = 0; j < n; j++)
			found |= strcmp(doc[j], ui_actions[i].name) == 0;
		ck_assert_msg(found, "action %s is not in tern(1) KEYS",
		    ui_actions[i].name);
	}
	for (j = 0; j < n; j++) {
		ck_assert_msg(ui_action_find(doc[j]) != -1,
		    "tern(1) documents an action %s that does not exist",
		    doc[j]);
		free(doc[j]);
	}
	free(doc);
}
END_TEST

/* A UI model with a configuration holding the given [keys] lines. */
static void
ui_with_keys(struct ui *ui, struct config *cfg, struct keybind *kb, size_t n)
{
	memset(ui, 0, sizeof *ui);
	memset(cfg, 0, sizeof *cfg);
	cfg->path = "test.conf";
	cfg->keys = kb;
	cfg->nkeys = n;
	ui->cfg = cfg;
}

/* The action (and argument) pane's key runs, as dispatch picks it. */
static const char *
bound(struct ui *ui, int pane, const char *keyname, const char **arg)
{
	size_t	 i;
	int	 key, any = -1;

	ck_assert_int_eq(keyname_parse(keyname, &key), 0);
	for (i = 0; i < ui->nbinds; i++) {
		if (ui->binds[i].key != key)
			continue;
		if (ui->binds[i].pane == pane) {
			if (arg != NULL)
				*arg = ui->binds[i].arg;
			return ui_actions[ui->binds[i].action].name;
		}
		if (ui->binds[i].pane == -1)
			any = (int)i;
	}
	if (any == -1)
		return NULL;
	if (arg != NULL)
		*arg = ui->binds[any].arg;
	return ui_actions[ui->binds[any].action].name;
}

START_TEST(default_bindings)
{
	static const struct { int pane; const char *key, *action; } t[] = {
		{ PANE_LIST, "j", "next" }, { PANE_LIST, "<Down>", "next" },
		{ PANE_LIST, "k", "prev" }, { PANE_PAGER, "<PgDn>", "page-down" },
		{ PANE_FOLDERS, "g", "top" }, { PANE_LIST, "<Home>", "top" },
		{ PANE_LIST, "G", "bottom" },
		{ PANE_LIST, "m", "compose" }, { PANE_PAGER, "m", "compose" },
		{ PANE_LIST, "r", "reply" }, { PANE_PAGER, "g", "reply-all" },
		{ PANE_LIST, "g", "reply-all" }, { PANE_PAGER, "f", "forward" },
		{ PANE_LIST, "M", "move" }, { PANE_PAGER, "E", "edit-draft" },
		{ PANE_LIST, "<Enter>", "open" }, { PANE_LIST, "q", "close" },
		{ PANE_PAGER, "q", "close" }, { PANE_FOLDERS, "<Tab>",
		    "focus-next" },
		{ PANE_LIST, "?", "help" }, { PANE_PAGER, "h",
		    "toggle-headers" },
		{ PANE_PAGER, "v", "view-part" }, { PANE_PAGER, "s",
		    "save-part" },
		{ PANE_LIST, "d", "delete" }, { PANE_PAGER, "<Space>",
		    "page-down" },
		{ PANE_LIST, ":", "command" }, { PANE_LIST, "/", "search" },
	};
	struct ui	 ui;
	struct config	 cfg;
	char		*err = NULL;
	size_t		 i;

	ui_with_keys(&ui, &cfg, NULL, 0);
	ck_assert_int_eq(ui_keys_init(&ui, &err), 0);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *a = bound(&ui, t[i].pane, t[i].key, NULL);

		ck_assert_msg(a != NULL && strcmp(a, t[i].action) == 0,
		    "%s in pane %d runs %s, not %s", t[i].key, t[i].pane,
		    a ? a : "nothing", t[i].action);
	}
	ui_keys_free(&ui);
}
END_TEST

START_TEST(config_rebinds)
{
	struct keybind	 kb[3];
	struct ui	 ui;
	struct config	 cfg;
	char		*err = NULL;
	const char	*arg = NULL;

	memset(kb, 0, sizeof kb);
	kb[0].context = "";
	keyname_parse("x", &kb[0].key);
	kb[0].action = "delete";
	kb[0].line = 4;
	kb[1].context = "list";
	keyname_parse("j", &kb[1].key);
	kb[1].action = "move Archive/2026";
	kb[1].line = 7;
	kb[2].context = "pager";
	keyname_parse("C-n", &kb[2].key);
	kb[2].action = "next-message";
	kb[2].line = 9;
	ui_with_keys(&ui, &cfg, kb, 3);
	ck_assert_int_eq(ui_keys_init(&ui, &err), 0);
	ck_assert_str_eq(bound(&ui, PANE_LIST, "x", NULL), "delete");
	ck_assert_str_eq(bound(&ui, PANE_PAGER, "x", NULL), "delete");
	ck_assert_str_eq(bound(&ui, PANE_LIST, "j", &arg), "move");
	ck_assert_str_eq(arg, "Archive/2026");
	/* The list's j changed; the pager's j is still the default. */
	ck_assert_str_eq(bound(&ui, PANE_PAGER, "j", NULL), "next");
	ck_assert_str_eq(bound(&ui, PANE_PAGER, "C-n", NULL), "next-message");
	ck_assert_ptr_null(bound(&ui, PANE_LIST, "C-n", NULL));
	ui_keys_free(&ui);
}
END_TEST

START_TEST(config_unknown_action)
{
	struct keybind	 kb;
	struct ui	 ui;
	struct config	 cfg;
	char		*err = NULL;

	memset(&kb, 0, sizeof kb);
	kb.context = "list";
	keyname_parse("x", &kb.key);
	kb.action = "delete-everything now";
	kb.line = 12;
	ui_with_keys(&ui, &cfg, &kb, 1);
	ck_assert_int_eq(ui_keys_init(&ui, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "test.conf:12: unknown action "
	    "\"delete-everything\"") != NULL, "error: %s", err);
	free(err);
	ui_keys_free(&ui);
}
END_TEST

static char	answer[1024];
static int	answered, cancelled;

static void
on_answer(struct ui *ui, const char *a, void *arg)
{
	(void)ui;
	(void)arg;
	if (a == NULL) {
		cancelled++;
		return;
	}
	snprintf(answer, sizeof answer, "%s", a);
	answered++;
}

static void
type(struct ui *ui, const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t		 len = strlen(utf8), n;
	unsigned	 cp;

	while (len > 0) {
		n = utf8_decode(p, len, &cp);
		ck_assert_uint_gt(n, 0);
		ui_prompt_key(ui, (int)cp);
		p += n;
		len -= n;
	}
}

START_TEST(prompt_edits_characters)
{
	struct ui	 ui;
	struct config	 cfg;

	ui_with_keys(&ui, &cfg, NULL, 0);
	answered = 0;
	ui_prompt_open(&ui, "move: ", "", on_answer, NULL);
	type(&ui, "Entwürfe");
	ui_prompt_key(&ui, TKEY_LEFT);
	ui_prompt_key(&ui, TKEY_LEFT);
	ui_prompt_key(&ui, TKEY_LEFT);
	ui_prompt_key(&ui, TKEY_BACKSPACE);	/* the ü, all of it */
	type(&ui, "u");
	ui_prompt_key(&ui, TKEY_HOME);
	type(&ui, "X");
	ui_prompt_key(&ui, TKEY_DELETE);
	/* Control characters never enter the line. */
	ui_prompt_key(&ui, 0x1b);
	ui_prompt_key(&ui, 0x9b);
	ui_prompt_key(&ui, TKEY_CTRL('a'));
	ui_prompt_key(&ui, TKEY_ENTER);
	ck_assert_int_eq(answered, 1);
	ck_assert_str_eq(answer, "Xntwurfe");
	ck_assert_int_eq(ui.prompt.active, 0);
}
END_TEST

START_TEST(prompt_cancel)
{
	struct ui	 ui;
	struct config	 cfg;

	ui_with_keys(&ui, &cfg, NULL, 0);
	answered = cancelled = 0;
	ui_prompt_open(&ui, ":", "sync", on_answer, NULL);
	ui_prompt_key(&ui, TKEY_CTRL('u'));
	type(&ui, "quit");
	ui_prompt_key(&ui, TKEY_ESC);
	ck_assert_int_eq(answered, 0);
	ck_assert_int_eq(cancelled, 1);
	/* What was typed is gone from memory once the prompt closes. */
	for (size_t i = 0; i < sizeof ui.prompt.buf; i++)
		ck_assert_int_eq(ui.prompt.buf[i], 0);
	ck_assert_int_eq(ui.prompt.active, 0);
	ui_prompt_open(&ui, ":", "sync", on_answer, NULL);
	ui_prompt_key(&ui, TKEY_ENTER);
	ck_assert_str_eq(answer, "sync");
}
END_TEST

/* Display columns, as the list and pager line text up with them. */
START_TEST(widths)
{
	static const struct { const char *s; int w; size_t fit5; } t[] = {
		{ "abc", 3, 3 },
		{ "日本語の件名", 12, 6 },		/* wide: 2 columns each */
		{ "Zoe\xcc\x88 Angstro\xcc\x88m", 12, 7 },	/* combining */
		{ "Grüße", 5, 7 },
		{ "a日b", 4, 5 },
		{ "", 0, 0 },
	};
	size_t	 i;

	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(tty_width(t[i].s) == t[i].w, "width of %s: %d",
		    t[i].s, tty_width(t[i].s));
		ck_assert_msg(tty_fit(t[i].s, 5) == t[i].fit5,
		    "bytes of %s in 5 columns: %zu", t[i].s,
		    tty_fit(t[i].s, 5));
	}
	/* A wide character never straddles the edge. */
	ck_assert_uint_eq(tty_fit("日本", 3), 3);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("ui");
	TCase	*tc = tcase_create("ui");

	tcase_add_test(tc, every_action_is_documented);
	tcase_add_test(tc, default_bindings);
	tcase_add_test(tc, config_rebinds);
	tcase_add_test(tc, config_unknown_action);
	tcase_add_test(tc, prompt_edits_characters);
	tcase_add_test(tc, prompt_cancel);
	tcase_add_test(tc, widths);
	suite_add_tcase(s, tc);
	return s;
}
