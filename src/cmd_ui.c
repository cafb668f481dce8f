/*
 * cmd_ui.c - `tern` without a command: the wiring of the terminal UI.
 * Takes each account's lock, gets its secret (a keyring lookup or a
 * command, never a terminal prompt), starts one engine per account in
 * interactive watch mode, runs the UI loop (src/ui/), then stops the
 * engines.  A password that is not stored, and a certificate the user
 * may trust, are asked by the engine through the UI (EV_ASK), so the
 * screen opens at once and a question never blocks other accounts.
 * Also `tern --demo`.  The main thread.
 *
 * This is the one place where the UI meets net/: the UI itself never
 * includes it (DESIGN.md, "Layout").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"
#include "store.h"
#include "sync.h"
#include "ui.h"

int
cmd_ui(struct config *cfg)
{
	struct engine	**engines;
	struct store	**locks;
	char		**notes, *err = NULL, *dir, *secret;
	size_t		  i, n = cfg->naccounts;
	int		  rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		say("the terminal UI needs a terminal (see tern --help for the "
		    "commands)");
		return 2;
	}
	engines = xcalloc(n + 1, sizeof *engines);
	locks = xcalloc(n + 1, sizeof *locks);
	notes = xcalloc(n + 1, sizeof *notes);
	for (i = 0; i < n; i++) {
		struct account	*a = &cfg->accounts[i];

		/* One tern per account: a second one reads, offline. */
		dir = config_data_dir(a->name);
		locks[i] = store_open(a->name, dir, 1, &err);
		free(dir);
		if (locks[i] == NULL) {
			notes[i] = err;
			err = NULL;
			continue;
		}
		/* A damaged index was moved aside: said until a worse note. */
		if (store_notice(locks[i]) != NULL)
			notes[i] = xstrdup(store_notice(locks[i]));
		/*
		 * NULL without an error: no stored password, so the engine
		 * asks through the UI.  A failing password_command or
		 * token_command stays a note, as there is nothing to ask.
		 */
		secret = NULL;
		if (a->type == ACCOUNT_IMAP &&
		    (secret = auth_secret_or_ask(a, &err)) == NULL &&
		    err != NULL) {
			free(notes[i]);
			notes[i] = err;
			err = NULL;
			continue;
		}
		engines[i] = engine_start(a, secret, ENGINE_INTERACTIVE, &err);
		secret_free(secret);
		if (engines[i] == NULL) {
			free(notes[i]);
			notes[i] = err;
			err = NULL;
		}
	}
	rc = ui_run(cfg, engines, notes, &err);
	for (i = 0; i < n; i++)
		if (engines[i] != NULL)
			engine_stop(engines[i]);
	for (i = 0; i < n; i++) {
		if (engines[i] != NULL)
			engine_join(engines[i]);
		store_close(locks[i]);
		free(notes[i]);
	}
	if (err != NULL) {
		say("%s", err);
		free(err);
	}
	free(engines);
	free(locks);
	free(notes);
	return rc;
}

int
cmd_demo(void)
{
	struct config	*cfg = NULL;
	char		*dir = NULL, *err = NULL;
	int		 rc;

	if (demo_setup(&cfg, &dir, &err) == -1) {
		say("demo: %s", err);
		free(err);
		return 1;
	}
	rc = cmd_ui(cfg);
	demo_cleanup(dir);
	free(dir);
	config_free(cfg);
	return rc;
}
