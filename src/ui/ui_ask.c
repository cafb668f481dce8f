/*
 * ui_ask.c - an engine's questions (EV_ASK: a password it has not got,
 * a certificate it cannot verify) put to the user on the prompt line,
 * one at a time, while everything else keeps running: events still
 * arrive, the screen still redraws.  Esc dismisses (the engine then
 * waits offline until the next sync request).  The UI thread.
 *
 * A password is typed hidden, handed to the engine and wiped here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"
#include "ui_int.h"

void
ui_ask_add(struct ui *ui, size_t acct, uint32_t id, int kind,
    const char *text)
{
	struct ui_ask	*q;
	char		*clean;

	ui->asks = xrealloc(ui->asks, (ui->nasks + 1) * sizeof *ui->asks);
	q = &ui->asks[ui->nasks++];
	q->acct = acct;
	q->id = id;
	q->kind = kind;
	clean = sanitize_for_display(text, strlen(text), 1);
	snprintf(q->text, sizeof q->text, "%s", clean);
	free(clean);
	ui_ask_next(ui);
}

static void
ui_ask_answer(struct ui *ui, const char *answer, void *arg)
{
	struct ui_acct	*a;

	(void)arg;
	ui->asking = 0;
	if (ui->nasks == 0)
		return;
	a = &ui->accts[ui->asks[0].acct];
	if (a->engine != NULL)
		engine_answer(a->engine, ui->asks[0].id, answer);
	if (answer == NULL)
		ui_status(ui, 0, "%s: question dismissed; $ (sync) asks "
		    "again", a->acct->name);
	memmove(ui->asks, ui->asks + 1, (ui->nasks - 1) * sizeof *ui->asks);
	ui->nasks--;
	ui_ask_next(ui);
}

void
ui_ask_next(struct ui *ui)
{
	char	 label[64];

	if (ui->nasks == 0 || ui->prompt.active)
		return;
	snprintf(label, sizeof label, "%s: %s",
	    ui->accts[ui->asks[0].acct].acct->name,
	    ui->asks[0].kind == ASK_PASSWORD ? "password: " :
	    "trust it? (yes/no) ");
	ui_prompt_open(ui, label, "", ui_ask_answer, NULL);
	ui->prompt.secret = ui->asks[0].kind == ASK_PASSWORD;
	ui->asking = 1;
	ui->dirty = 1;
}

void
ui_ask_draw(struct ui *ui, int bottom, int w)
{
	const char	*t, *nl;
	int		 lines = 1, y;

	if (!ui->asking || ui->nasks == 0)
		return;
	/* The question's lines (certificate details), above the prompt. */
	for (t = ui->asks[0].text; (nl = strchr(t, '\n')) != NULL; t = nl + 1)
		if (nl[1] != '\0')
			lines++;
	if (lines > bottom)
		lines = bottom;
	y = bottom - lines;
	tty_fill(y, 0, lines, w, THEME_HELP);
	for (t = ui->asks[0].text; t != NULL && *t != '\0' && y < bottom;
	    y++) {
		char	*line;

		nl = strchr(t, '\n');
		line = nl != NULL ? xstrndup(t, (size_t)(nl - t)) : xstrdup(t);
		tty_text(y, 1, w - 1, line, THEME_HELP, 0);
		free(line);
		t = nl != NULL ? nl + 1 : NULL;
	}
}

void
ui_ask_clear(struct ui *ui)
{
	size_t	 i;

	for (i = 0; i < ui->nasks; i++)
		if (ui->accts[ui->asks[i].acct].engine != NULL)
			engine_answer(ui->accts[ui->asks[i].acct].engine,
			    ui->asks[i].id, NULL);
	free(ui->asks);
	ui->asks = NULL;
	ui->nasks = 0;
}
