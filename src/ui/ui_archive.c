/*
 * ui_archive.c - the archive action: where the account's archive is
 * (the archive setting, else the \Archive special-use folder) and, with
 * archive_by_year, the folder of each message's year under it, created
 * by the server on the first move into it (TRYCREATE).  The moves
 * themselves go the usual way (ui_act.c: pending operations, undo).
 * The UI thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"

/* The hierarchy delimiter of the open account's folders ('/' if none). */
static int
ui_archive_delim(struct ui_acct *a)
{
	size_t	 i;

	for (i = 0; i < a->nfolders; i++)
		if (a->folders[i].delim != 0)
			return a->folders[i].delim;
	return '/';
}

void
ui_archive(struct ui *ui, int64_t id)
{
	struct ui_acct			*a = ui_cur(ui);
	const struct store_folder	*f = NULL;
	struct store_msg		 m;
	struct tm			 tm;
	char				*base = NULL, **targets, *shown;
	int64_t				*ids;
	time_t				 when;
	ssize_t				 fi;
	size_t				 i, n;
	int				 delim;

	if (a == NULL)
		return;
	if (a->acct->archive != NULL) {
		if ((fi = ui_folders_find(ui, (size_t)ui->cur_acct,
		    a->acct->archive)) != -1)
			f = &a->folders[fi];
		else if ((base = folder_mutf7_encode(a->acct->archive)) ==
		    NULL) {
			ui_status(ui, 1, "%s: archive = %s is not a folder name",
			    a->acct->name, a->acct->archive);
			return;
		}
	} else if ((f = ui_act_role(ui, "archive")) == NULL) {
		ui_status(ui, 1, "no Archive folder in %s (set archive = "
		    "FOLDER)", a->acct->name);
		return;
	}
	if (f != NULL)
		base = xstrdup(f->name);
	delim = f != NULL && f->delim != 0 ? f->delim : ui_archive_delim(a);
	shown = xstrdup(f != NULL ? f->display : a->acct->archive);
	if (!a->acct->archive_by_year) {
		ui_act_to(ui, id, base, NULL, shown, 0);
		free(base);
		free(shown);
		return;
	}
	/* Each message to the folder of its year: ARCHIVE<delim>YYYY. */
	n = 0;
	if (ui->tag_prefix)
		n = ui->ntags;
	else if (id != 0)
		n = 1;
	ids = ui->tag_prefix ? ui->tags : &id;
	targets = xcalloc(n + 1, sizeof *targets);
	for (i = 0; i < n; i++) {
		memset(&tm, 0, sizeof tm);
		if (a->store != NULL && store_msg_by_id(a->store, ids[i],
		    &m) == 0) {
			when = (time_t)(m.date != 0 ? m.date : m.internaldate);
			store_msg_clear(&m);
			localtime_r(&when, &tm);
		}
		targets[i] = xasprintf("%s%c%04d", base, delim,
		    tm.tm_year + 1900);
	}
	free(shown);
	shown = xasprintf("%s%c<year>", f != NULL ? f->display :
	    a->acct->archive, delim);
	ui_act_to(ui, id, base, targets, shown, 0);
	for (i = 0; i < n; i++)
		free(targets[i]);
	free(targets);
	free(base);
	free(shown);
}

