/*
 * ui_compose.c - the composer: starting a new message, a reply, a
 * forward or an edit of a message from the list or the pager (or a
 * mailto: URL), the prompts for To and Subject, the editor run, and the
 * review screen where the message is sent, edited again, given files,
 * another sender, postponed or dropped.  The editor, completion, and
 * the outbox and Drafts work are in ui_compose_aux.c.  The UI thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sync.h"
#include "ui_int.h"

/* A mailto: URL given on the command line, opened at start. */
static char	*start_mailto;

void
ui_set_mailto(const char *url)
{
	free(start_mailto);
	start_mailto = url != NULL ? xstrdup(url) : NULL;
}

void
ui_compose_startup(struct ui *ui)
{
	if (start_mailto == NULL)
		return;
	ui_compose_mailto(ui, start_mailto);
	free(start_mailto);
	start_mailto = NULL;
}

/* The account to write from: the open one, else the first. */
static ssize_t
compose_acct(struct ui *ui)
{
	size_t	 i;

	if (ui->cur_acct >= 0 && ui->accts[ui->cur_acct].store != NULL)
		return ui->cur_acct;
	for (i = 0; i < ui->naccts; i++)
		if (ui->accts[i].store != NULL)
			return (ssize_t)i;
	return -1;
}

/* Reads the signature file (trailing blank lines dropped); NULL. */
static char *
read_signature(const char *path)
{
	char	*s, *err = NULL;
	size_t	 len;

	if (path == NULL || (s = compose_file_read(path, &len, &err)) ==
	    NULL) {
		free(err);
		return NULL;
	}
	if (len > 64 * 1024 || !utf8_valid((const unsigned char *)s, len)) {
		free(s);
		return NULL;
	}
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == ' '))
		s[--len] = '\0';
	return s;
}

/* A composer for account ai: its private directory and identities. */
static struct ui_compose *
compose_open(struct ui *ui, size_t ai)
{
	const struct account	*acct = ui->accts[ai].acct;
	struct ui_compose	*c;
	struct addr		*v;
	const char		*tmp = getenv("TMPDIR");
	size_t			 n, i;

	if (ui->compose != NULL) {
		ui_status(ui, 1, "a message is being written already");
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->acct = ai;
	draft_init(&c->d);
	c->dir = xasprintf("%s/tern-compose-XXXXXX", tmp != NULL &&
	    *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(c->dir) == NULL) {
		ui_status(ui, 1, "cannot make a private directory in %s",
		    tmp != NULL ? tmp : "/tmp");
		free(c->dir);
		draft_free(&c->d);
		free(c);
		return NULL;
	}
	c->file = xasprintf("%s/message.txt", c->dir);
	c->idents = xcalloc(1, sizeof *c->idents);
	c->idents[c->nidents++] = xstrdup(acct->from != NULL ? acct->from :
	    "");
	v = addr_list(acct->alternates, &n);
	for (i = 0; i < n; i++) {
		c->idents = xrealloc(c->idents, (c->nidents + 1) *
		    sizeof *c->idents);
		c->idents[c->nidents++] = addr_format(&v[i]);
	}
	addr_list_free(v, n);
	c->signature = read_signature(acct->signature_file);
	ui->compose = c;
	return c;
}

static void
compose_ctx(struct ui *ui, struct ui_compose *c, struct compose_ctx *ctx)
{
	ctx->idents = (const char *const *)c->idents;
	ctx->nidents = c->nidents;
	ctx->signature = c->signature;
	ctx->attribution = ui->cfg->attribution;
}

/* The editor, then the review screen. */
static void
compose_edit(struct ui *ui)
{
	struct ui_compose	*c = ui->compose;

	if (c == NULL)
		return;
	ui_compose_edit(ui, c);
	c->reviewing = 1;
	ui_layout(ui);
	tty_clear();
	ui->dirty = 1;
}

static void
subject_answer(struct ui *ui, const char *answer, void *arg)
{
	(void)arg;
	if (ui->compose == NULL)
		return;
	if (answer == NULL) {
		ui_compose_close(ui);
		ui_status(ui, 0, "not sent");
		return;
	}
	draft_set(&ui->compose->d.subject, answer);
	compose_edit(ui);
}

static void
to_answer(struct ui *ui, const char *answer, void *arg)
{
	(void)arg;
	if (ui->compose == NULL)
		return;
	if (answer == NULL) {
		ui_compose_close(ui);
		ui_status(ui, 0, "not sent");
		return;
	}
	draft_set(&ui->compose->d.to, answer);
	ui_prompt_open(ui, "Subject: ", ui->compose->d.subject,
	    subject_answer, NULL);
}

/* A forward's recipients: the subject is set, on to the editor. */
static void
to_answer_fwd(struct ui *ui, const char *answer, void *arg)
{
	(void)arg;
	if (ui->compose == NULL)
		return;
	if (answer == NULL) {
		ui_compose_close(ui);
		ui_status(ui, 0, "not sent");
		return;
	}
	draft_set(&ui->compose->d.to, answer);
	compose_edit(ui);
}

/* A prompt for addresses, with Tab completing from the store. */
static void
addr_prompt(struct ui *ui, const char *label, const char *init,
    ui_prompt_fn fn, void *arg)
{
	ui_prompt_open(ui, label, init, fn, arg);
	ui->prompt.complete = ui_complete_addr;
}

void
ui_compose_new(struct ui *ui, const char *to)
{
	struct ui_compose	*c;
	struct compose_ctx	 ctx;
	ssize_t			 ai = compose_acct(ui);

	if (ai < 0) {
		ui_status(ui, 1, "no account to write from");
		return;
	}
	if ((c = compose_open(ui, (size_t)ai)) == NULL)
		return;
	compose_ctx(ui, c, &ctx);
	compose_new(&ctx, &c->d);
	addr_prompt(ui, "To: ", to != NULL ? to : "", to_answer, NULL);
}

void
ui_compose_mailto(struct ui *ui, const char *url)
{
	struct ui_compose	*c;
	struct compose_ctx	 ctx;
	char			*err = NULL, *body;
	ssize_t			 ai = compose_acct(ui);

	if (ai < 0) {
		ui_status(ui, 1, "no account to write from");
		return;
	}
	if ((c = compose_open(ui, (size_t)ai)) == NULL)
		return;
	compose_ctx(ui, c, &ctx);
	compose_new(&ctx, &c->d);
	body = c->d.body;		/* the signature */
	c->d.body = xstrdup("");
	if (compose_mailto(url, &c->d, &err) == -1) {
		ui_status(ui, 1, "%s", err);
		free(err);
		free(body);
		ui_compose_close(ui);
		return;
	}
	if (*body != '\0') {
		size_t	 bl = strlen(c->d.body);
		char	*t = xasprintf("%s%s%s", c->d.body, bl > 0 &&
			    c->d.body[bl - 1] != '\n' ? "\n" : "", body);

		free(c->d.body);
		c->d.body = t;
	}
	free(body);
	if (*c->d.to == '\0')
		addr_prompt(ui, "To: ", "", to_answer, NULL);
	else if (*c->d.subject == '\0')
		ui_prompt_open(ui, "Subject: ", "", subject_answer, NULL);
	else
		compose_edit(ui);
}

void
ui_compose_from(struct ui *ui, int64_t id, int kind)
{
	struct ui_acct		*a = ui_cur(ui);
	struct ui_compose	*c;
	struct compose_ctx	 ctx;
	struct store_msg	 m;
	char			*path, *msg, *err = NULL;
	size_t			 len;

	if (a == NULL || a->store == NULL || id == 0 ||
	    store_msg_by_id(a->store, id, &m) != 0) {
		ui_status(ui, 0, "no message selected");
		return;
	}
	if ((path = store_msg_path(a->store, &m)) == NULL) {
		if (a->engine == NULL) {
			ui_status(ui, 1, "the message is not here and the "
			    "account is offline");
			store_msg_clear(&m);
			return;
		}
		/* Fetched first; EV_BODY_READY starts the composer. */
		engine_fetch_body(a->engine, m.folder_id, m.uid);
		ui->compose_wait.id = id;
		ui->compose_wait.folder = m.folder_id;
		ui->compose_wait.uid = m.uid;
		ui->compose_wait.kind = kind;
		ui->compose_wait.acct = (size_t)(a - ui->accts);
		ui_status(ui, 0, "fetching the message...");
		store_msg_clear(&m);
		return;
	}
	if ((msg = compose_file_read(path, &len, &err)) == NULL) {
		ui_status(ui, 1, "%s", err);
		free(err);
		free(path);
		store_msg_clear(&m);
		return;
	}
	free(path);
	if ((c = compose_open(ui, (size_t)(a - ui->accts))) == NULL) {
		free(msg);
		store_msg_clear(&m);
		return;
	}
	compose_ctx(ui, c, &ctx);
	if (compose_from(&ctx, (enum compose_kind)kind, msg, len, &c->d,
	    &err) == -1) {
		ui_status(ui, 1, "%s", err);
		free(err);
		ui_compose_close(ui);
	} else {
		if (kind == COMPOSE_REPLY || kind == COMPOSE_REPLY_ALL) {
			c->orig_folder = m.folder_id;
			c->orig_uid = m.uid;
		}
		if (kind == COMPOSE_EDIT) {
			size_t	 i;

			ui_compose_take_parts(c, msg, len);
			for (i = 0; i < a->nfolders; i++) {
				const struct store_folder *f = &a->folders[i];

				if (f->id == m.folder_id &&
				    (strcmp(f->role, "drafts") == 0 ||
				    strcasecmp(f->display, "Drafts") == 0)) {
					c->draft_folder = m.folder_id;
					c->draft_uid = m.uid;
				}
			}
		}
		if (kind == COMPOSE_FORWARD || kind == COMPOSE_FORWARD_ATTACH)
			addr_prompt(ui, "Forward to: ", "", to_answer_fwd,
			    NULL);
		else
			compose_edit(ui);
	}
	free(msg);
	store_msg_clear(&m);
}

void
ui_compose_forward(struct ui *ui, int64_t id)
{
	if (id == 0) {
		ui_status(ui, 0, "no message selected");
		return;
	}
	ui->compose_fwd = id;
	ui_status(ui, 0, "forward inline or as an attachment? (i/a)");
}

void
ui_compose_body_ready(struct ui *ui, size_t acct, int64_t folder,
    uint32_t uid, int ok)
{
	int64_t	 id = ui->compose_wait.id;

	if (id == 0 || ui->compose_wait.acct != acct ||
	    ui->compose_wait.folder != folder || ui->compose_wait.uid != uid)
		return;
	ui->compose_wait.id = 0;
	if (!ok) {
		ui_status(ui, 1, "the message could not be fetched");
		return;
	}
	if (ui->cur_acct >= 0 && (size_t)ui->cur_acct == acct &&
	    ui->compose == NULL && !ui->prompt.active)
		ui_compose_from(ui, id, ui->compose_wait.kind);
}

/* ---- the review screen ---- */

static void
field_answer(struct ui *ui, const char *answer, void *arg)
{
	char	**field = arg;

	if (ui->compose == NULL || answer == NULL)
		return;
	draft_set(field, answer);
	ui->compose->problem[0] = '\0';
}

static void
attach_answer(struct ui *ui, const char *answer, void *arg)
{
	(void)arg;
	if (ui->compose == NULL || answer == NULL || *answer == '\0')
		return;
	ui_compose_attach(ui, ui->compose, answer);
}

/* F: the next identity of the account as the sender. */
static void
next_identity(struct ui *ui, struct ui_compose *c)
{
	size_t	 i, cur = c->nidents;
	char	*a, *b;

	if (c->nidents < 2) {
		ui_status(ui, 0, "no other address for this account (see "
		    "alternates in tern.conf(5))");
		return;
	}
	a = addr_first(c->d.from);
	for (i = 0; i < c->nidents && cur == c->nidents; i++) {
		b = addr_first(c->idents[i]);
		if (strcmp(a, b) == 0)
			cur = i;
		free(b);
	}
	free(a);
	cur = cur == c->nidents ? 0 : (cur + 1) % c->nidents;
	draft_set(&c->d.from, c->idents[cur]);
	ui_status(ui, 0, "From: %s", c->d.from);
}

int
ui_compose_key(struct ui *ui, int key)
{
	struct ui_compose	*c = ui->compose;
	int64_t			 id;

	if (ui->compose_fwd != 0 && key != TKEY_RESIZE) {
		id = ui->compose_fwd;
		ui->compose_fwd = 0;
		ui->msg[0] = '\0';
		if (key == 'i' || key == 'a')
			ui_compose_from(ui, id, key == 'i' ? COMPOSE_FORWARD :
			    COMPOSE_FORWARD_ATTACH);
		else
			ui_status(ui, 0, "not forwarded");
		ui->dirty = 1;
		return 1;
	}
	if (c == NULL || !c->reviewing)
		return 0;
	ui->dirty = 1;
	if (c->confirm && key != TKEY_RESIZE) {
		c->confirm = 0;
		if (key == 'y' || key == 'Y') {
			ui_compose_close(ui);
			ui_status(ui, 0, "message discarded");
		} else
			ui_status(ui, 0, "not discarded");
		return 1;
	}
	switch (key) {
	case 'y':
		if (ui_compose_send(ui, c) == 0)
			ui_compose_close(ui);
		break;
	case 'e':
		compose_edit(ui);
		break;
	case 'a':
		ui_prompt_open(ui, "attach (files, globs; Tab completes): ",
		    "", attach_answer, NULL);
		ui->prompt.complete = ui_complete_path;
		break;
	case 'D':
		if (c->sel < c->d.nattach) {
			draft_detach(&c->d, c->sel);
			if (c->sel > 0 && c->sel >= c->d.nattach)
				c->sel--;
		} else if (c->d.fwd != NULL && c->sel == c->d.nattach) {
			free(c->d.fwd);
			c->d.fwd = NULL;
			c->d.fwdlen = 0;
		} else
			ui_status(ui, 0, "no attachment to remove");
		break;
	case 'j':
	case TKEY_DOWN:
		if (c->sel + 1 < c->d.nattach + (c->d.fwd != NULL))
			c->sel++;
		break;
	case 'k':
	case TKEY_UP:
		if (c->sel > 0)
			c->sel--;
		break;
	case 'F':
		next_identity(ui, c);
		break;
	case 't':
		addr_prompt(ui, "To: ", c->d.to, field_answer, &c->d.to);
		break;
	case 'c':
		addr_prompt(ui, "Cc: ", c->d.cc, field_answer, &c->d.cc);
		break;
	case 'b':
		addr_prompt(ui, "Bcc: ", c->d.bcc, field_answer, &c->d.bcc);
		break;
	case 's':
		ui_prompt_open(ui, "Subject: ", c->d.subject, field_answer,
		    &c->d.subject);
		break;
	case 'P':
		if (ui_compose_postpone(ui, c) == 0)
			ui_compose_close(ui);
		break;
	case 'q':
		c->confirm = 1;
		ui_status(ui, 0, "discard this message? (y/n)");
		break;
	case TKEY_RESIZE:
		return 0;
	default:
		ui_status(ui, 0, "y send, e edit, a attach, q abort (the "
		    "keys are listed below)");
		break;
	}
	return 1;
}

/* One "Name: value" line of the review, sanitized. */
static void
line(int y, int x, int w, const char *name, const char *value,
    enum theme_obj obj)
{
	char	*t = sanitize_for_display(value, strlen(value), 0);
	int	 used;

	used = tty_text(y, x, w, name, THEME_PAGER_HEADER_NAME, 0);
	tty_text(y, x + used, w - used, t, obj, 1);
	free(t);
}

void
ui_compose_draw(struct ui *ui, int y, int x, int h, int w)
{
	struct ui_compose	*c = ui->compose;
	char			 buf[1200], *name;
	int			 row = y, end = y + h;
	size_t			 i;

	tty_fill(y, x, h, w, THEME_PAGER);
	if (c == NULL)
		return;
	snprintf(buf, sizeof buf, "Compose: review (account %s)",
	    ui->accts[c->acct].acct->name);
	name = sanitize_for_display(buf, strlen(buf), 0);
	tty_text(row++, x, w, name, THEME_TITLE, 1);
	free(name);
	row++;
	line(row++, x, w, "From:     ", c->d.from, THEME_PAGER_HEADER);
	line(row++, x, w, "To:       ", c->d.to, THEME_PAGER_HEADER);
	line(row++, x, w, "Cc:       ", c->d.cc, THEME_PAGER_HEADER);
	line(row++, x, w, "Bcc:      ", c->d.bcc, THEME_PAGER_HEADER);
	line(row++, x, w, "Subject:  ", c->d.subject, THEME_PAGER_HEADER);
	if (*c->d.reply_to != '\0')
		line(row++, x, w, "Reply-To: ", c->d.reply_to,
		    THEME_PAGER_HEADER);
	row++;
	snprintf(buf, sizeof buf, "Attachments: %zu", c->d.nattach +
	    (c->d.fwd != NULL));
	tty_text(row++, x, w, buf, THEME_PAGER, 1);
	for (i = 0; i < c->d.nattach && row < end - 4; i++) {
		const char	*base = strrchr(c->d.attach[i], '/');

		snprintf(buf, sizeof buf, "%s %zu  %s", i == c->sel ? ">" :
		    " ", i + 1, base != NULL ? base + 1 : c->d.attach[i]);
		name = sanitize_for_display(buf, strlen(buf), 0);
		tty_text(row++, x, w, name, THEME_PAGER_PART, 1);
		free(name);
	}
	if (c->d.fwd != NULL && row < end - 4) {
		snprintf(buf, sizeof buf, "%s %zu  the forwarded message "
		    "(message/rfc822, %zu bytes)", c->sel == c->d.nattach ?
		    ">" : " ", c->d.nattach + 1, c->d.fwdlen);
		tty_text(row++, x, w, buf, THEME_PAGER_PART, 1);
	}
	row++;
	if (c->problem[0] != '\0' && row < end - 2) {
		name = sanitize_for_display(c->problem, strlen(c->problem), 0);
		tty_text(row++, x, w, name, THEME_STATUS_ERROR, 1);
		free(name);
	}
	if (end - 2 > y)
		tty_text(end - 2, x, w, "y send  e edit  a attach  D remove "
		    " j/k select  F from  t To  c Cc  b Bcc  s Subject  "
		    "P postpone  q abort", THEME_HELP, 1);
}

/* ---- after sending ---- */

void
ui_compose_sent(struct ui *ui, size_t acct)
{
	struct ui_acct		*a = &ui->accts[acct];
	struct outbox_entry	*e = NULL;
	struct pending		 p;
	size_t			 n = 0, i, k;
	int			 sent, marked = 0;

	if (ui->nsent == 0 || a->store == NULL ||
	    outbox_list(a->store, &e, &n, NULL) == -1)
		return;
	for (i = 0; i < ui->nsent; ) {
		struct ui_sent	*s = &ui->sent[i];

		if (s->acct != acct) {
			i++;
			continue;
		}
		sent = 1;
		for (k = 0; k < n; k++)
			if (strcmp(e[k].id, s->outbox_id) == 0)
				sent = e[k].state == OUTBOX_SENT;
		if (!sent) {
			i++;
			continue;
		}
		memset(&p, 0, sizeof p);
		p.op = PENDING_FLAGS;
		p.folder_id = s->folder;
		p.uid = s->uid;
		p.set = FLAG_ANSWERED;
		if (pending_add(a->store, &p) == 0)
			marked++;
		free(s->outbox_id);
		memmove(s, s + 1, (ui->nsent - i - 1) * sizeof *s);
		ui->nsent--;
	}
	outbox_free(e, n);
	if (marked > 0) {
		if (a->engine != NULL)
			engine_wake(a->engine);
		a->pending = pending_count(a->store);
		if (ui_cur(ui) == a)
			ui_list_reload(ui);
	}
}

void
ui_compose_free(struct ui *ui)
{
	size_t	 i;

	ui_compose_close(ui);
	for (i = 0; i < ui->nsent; i++)
		free(ui->sent[i].outbox_id);
	free(ui->sent);
	ui->sent = NULL;
	ui->nsent = 0;
	ui_addrbook_free(ui);
	free(start_mailto);
	start_mailto = NULL;
}
