/*
 * ui_act.c - what the user does to messages and parts: flag changes,
 * moves and deletes (applied to the store at once as pending
 * operations, then the engine is woken to replay them), viewing and
 * saving parts, opening URLs.  The UI thread.
 *
 * Nothing runs without a keypress (SECURITY.md): viewers and the URL
 * opener are started here only, with an argv (no shell), on a mkstemp
 * file in a 0700 directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sync.h"
#include "ui_int.h"

const struct store_folder *
ui_act_role(struct ui *ui, const char *role)
{
	struct ui_acct	*a = ui_cur(ui);
	size_t		 i;

	for (i = 0; a != NULL && i < a->nfolders; i++)
		if (strcmp(a->folders[i].role, role) == 0)
			return &a->folders[i];
	return NULL;
}

/* Forgets the last action's undo record. */
void
ui_undo_clear(struct ui *ui)
{
	size_t	 i;

	for (i = 0; i < ui->undo.n; i++) {
		store_msg_clear(&ui->undo.items[i].saved);
		free(ui->undo.items[i].target);
	}
	free(ui->undo.items);
	free(ui->undo.target);
	memset(&ui->undo, 0, sizeof ui->undo);
}

/* The server name of folder id in the open account's list, or NULL. */
static const char *
ui_act_folder_name(struct ui_acct *a, int64_t id)
{
	size_t	 i;

	for (i = 0; i < a->nfolders; i++)
		if (a->folders[i].id == id)
			return a->folders[i].name;
	return NULL;
}

/*
 * Applies one operation to ids[0..n) of account k (store row ids), in
 * one transaction: the screen changes at once, the server follows
 * through the pending operations.  targets, if not NULL, gives each
 * message its own target folder (archive by year).  Adds what undo
 * needs to ui->undo.  Returns how many messages it changed, or -1.
 */
static ssize_t
ui_act_batch_acct(struct ui *ui, size_t k, const int64_t *ids, size_t n,
    struct pending *tmpl, char *const *targets)
{
	struct ui_acct		*a = &ui->accts[k];
	struct ui_undo_item	*it;
	struct store_msg	 m;
	struct pending		 p;
	const char		*here;
	size_t			 i, done = 0;

	if (a->store == NULL || n == 0)
		return 0;
	if (store_begin(a->store) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (store_msg_by_id(a->store, ids[i], &m) != 0)
			continue;
		p = *tmpl;
		p.folder_id = m.folder_id;
		p.uid = m.uid;
		if (targets != NULL)
			p.target = targets[i];
		if (p.op == PENDING_FLAGS && ((m.flags & ~p.clear) | p.set) ==
		    m.flags) {
			store_msg_clear(&m);
			continue;	/* nothing would change */
		}
		/* Already where it would go (archiving the archive). */
		here = ui_act_folder_name(a, m.folder_id);
		if (p.op == PENDING_MOVE && here != NULL && p.target != NULL &&
		    strcmp(here, p.target) == 0) {
			store_msg_clear(&m);
			continue;
		}
		/* The copy in the other account keeps the flags. */
		if (p.op == PENDING_XMOVE || p.op == PENDING_XCOPY)
			p.set = m.flags & FLAG_ALL;
		if (pending_add(a->store, &p) == -1) {
			store_msg_clear(&m);
			store_rollback(a->store);
			goto fail;
		}
		ui->undo.items = xrealloc(ui->undo.items, (ui->undo.n + 1) *
		    sizeof *ui->undo.items);
		it = &ui->undo.items[ui->undo.n++];
		memset(it, 0, sizeof *it);
		it->acct = k;
		it->pending = pending_last_id(a->store);
		it->saved = m;		/* owns m's strings now */
		if (targets != NULL)
			it->target = xstrdup(targets[i]);
		else if (ui->undo_append && p.target != NULL)
			it->target = xstrdup(p.target);	/* per account */
		done++;
	}
	if (store_commit(a->store) == -1)
		goto fail;
	a->pending = pending_count(a->store);
	if (a->engine != NULL && done > 0)
		engine_wake(a->engine);
	return (ssize_t)done;
fail:
	ui_status(ui, 1, "%s: %s", a->acct->name, store_error(a->store));
	return -1;
}

/*
 * Applies one operation to ids[0..n) of the open list (list ids: in
 * the unified INBOX, of several accounts, each done on its own store)
 * and remembers what undo needs, unless ui->undo_append adds to the
 * batch already remembered.  Returns how many messages it changed.
 */
static size_t
ui_act_batch(struct ui *ui, const int64_t *ids, size_t n, struct pending *tmpl,
    unsigned mask, char *const *targets)
{
	int64_t		*mine, id;
	char		**their = NULL;
	size_t		 k, i, m, done = 0;
	ssize_t		 r;

	if (ui->cur_acct < 0 || n == 0)
		return 0;
	if (!ui->undo_append) {
		ui_undo_clear(ui);
		ui->undo.op = tmpl->op;
		ui->undo.mask = mask;
		ui->undo.target = tmpl->target != NULL ?
		    xstrdup(tmpl->target) : NULL;
	}
	if (!ui->unified) {
		r = ui_act_batch_acct(ui, (size_t)ui->cur_acct, ids, n, tmpl,
		    targets);
		if (r == -1 && !ui->undo_append)
			ui_undo_clear(ui);
		return r > 0 ? (size_t)r : 0;
	}
	mine = xcalloc(n, sizeof *mine);
	if (targets != NULL)
		their = xcalloc(n, sizeof *their);
	for (k = 0; k < ui->naccts; k++) {
		for (i = 0, m = 0; i < n; i++)
			if (ui_xacct(ui, ids[i], &id) == &ui->accts[k]) {
				if (their != NULL)
					their[m] = targets[i];
				mine[m++] = id;
			}
		if (m > 0 && (r = ui_act_batch_acct(ui, k, mine, m, tmpl,
		    their)) > 0)
			done += (size_t)r;
	}
	free(mine);
	free(their);
	return done;
}

/* The messages an action works on: the tagged ones after ';'. */
static int64_t *
ui_act_ids(struct ui *ui, int64_t id, size_t *np)
{
	int64_t	*v;

	if (ui->tag_prefix) {
		ui->tag_prefix = 0;
		*np = ui->ntags;
		v = xcalloc(ui->ntags ? ui->ntags : 1, sizeof *v);
		memcpy(v, ui->tags, ui->ntags * sizeof *v);
		return v;
	}
	*np = id != 0;
	v = xcalloc(1, sizeof *v);
	/* A row id of the current account; the batch takes list ids. */
	v[0] = ui->cur_acct >= 0 ? ui_xid(ui, (size_t)ui->cur_acct, id) : id;
	return v;
}

void
ui_act_flags(struct ui *ui, int64_t id, unsigned set, unsigned clear)
{
	struct pending	 p;
	int64_t		*ids;
	size_t		 n, done;

	memset(&p, 0, sizeof p);
	p.op = PENDING_FLAGS;
	p.set = set;
	p.clear = clear;
	ids = ui_act_ids(ui, id, &n);
	done = ui_act_batch(ui, ids, n, &p, set | clear, NULL);
	free(ids);
	if (n > 1)
		ui_status(ui, 0, "%zu message%s changed", done,
		    done == 1 ? "" : "s");
	ui_folders_reload(ui);
	ui->dirty = 1;
}

int
ui_act_resolve(struct ui *ui, const char *name, size_t *acctp, ssize_t *fip)
{
	const char	*slash;
	size_t		 k, cur;

	if (ui->cur_acct < 0 || name == NULL)
		return -1;
	cur = (size_t)ui->cur_acct;
	if ((*fip = ui_folders_find(ui, cur, name)) != -1) {
		*acctp = cur;
		return 0;
	}
	/* "ACCOUNT/FOLDER": account names never hold a '/'. */
	if ((slash = strchr(name, '/')) == NULL)
		return -1;
	for (k = 0; k < ui->naccts; k++) {
		if (strlen(ui->accts[k].acct->name) != (size_t)(slash - name) ||
		    strncmp(ui->accts[k].acct->name, name,
		    (size_t)(slash - name)) != 0)
			continue;
		if ((*fip = ui_folders_find(ui, k, slash + 1)) == -1)
			return -1;
		*acctp = k;
		return 0;
	}
	return -1;
}

/* Moves or copies to folder fi of account k, another account. */
static void
ui_act_other(struct ui *ui, int64_t id, size_t k, ssize_t fi, int copy)
{
	struct ui_acct			*a = ui_cur(ui), *t = &ui->accts[k];
	const struct store_folder	*f = &t->folders[fi];
	struct pending			 p;
	int64_t				*ids;
	size_t				 n, done;
	int				 in_pager = ui->pager.open;

	if (a->acct->type != ACCOUNT_IMAP || t->acct->type != ACCOUNT_IMAP) {
		ui_status(ui, 1, "moving and copying between accounts needs "
		    "two IMAP accounts");
		return;
	}
	if (f->noselect) {
		ui_status(ui, 1, "%s holds folders only", f->display);
		return;
	}
	memset(&p, 0, sizeof p);
	p.op = copy ? PENDING_XCOPY : PENDING_XMOVE;
	p.target = xasprintf("%s/%s", t->acct->name, f->name);
	ids = ui_act_ids(ui, id, &n);
	done = ui_act_batch(ui, ids, n, &p, 0, NULL);
	free(ids);
	free(p.target);
	if (done == 0)
		return;
	if (!copy)
		ui_tags_forget_gone(ui);
	ui_status(ui, 0, "%zu message%s %s to %s/%s (u undoes)", done,
	    done == 1 ? "" : "s", copy ? "copying" : "moving",
	    t->acct->name, f->display);
	ui_folders_reload(ui);
	ui_list_reload(ui);
	if (in_pager && !copy) {
		if (ui->nids > 0)
			ui_pager_show(ui, ui_list_selected(ui));
		else
			ui_pager_close(ui);
	}
}

void
ui_act_to(struct ui *ui, int64_t id, const char *target, char **targets,
    const char *display, int copy)
{
	struct pending	 p;
	int64_t		*ids;
	size_t		 n, done;
	int		 in_pager = ui->pager.open;

	memset(&p, 0, sizeof p);
	p.op = target == NULL && targets == NULL ? PENDING_EXPUNGE :
	    copy ? PENDING_COPY : PENDING_MOVE;
	p.target = (char *)target;
	ids = ui_act_ids(ui, id, &n);
	done = ui_act_batch(ui, ids, n, &p, 0, targets);
	free(ids);
	if (done == 0)
		return;
	if (!copy)
		ui_tags_forget_gone(ui);
	ui_status(ui, 0, "%zu message%s %s%s (u undoes)", done,
	    done == 1 ? "" : "s", copy ? "copied to " : p.op ==
	    PENDING_EXPUNGE ? "deleted" : "moved to ",
	    p.op == PENDING_EXPUNGE ? "" : display);
	ui_folders_reload(ui);
	ui_list_reload(ui);
	/* In the pager, go on to the message that took its place. */
	if (in_pager && !copy) {
		if (ui->nids > 0)
			ui_pager_show(ui, ui_list_selected(ui));
		else
			ui_pager_close(ui);
	}
}

void
ui_act_move(struct ui *ui, int64_t id, const char *name, int copy)
{
	struct ui_acct			*a = ui_cur(ui);
	const struct store_folder	*t = NULL;
	ssize_t				 fi;
	size_t				 k;

	if (a == NULL)
		return;
	if (name == NULL) {			/* delete */
		t = ui_act_role(ui, "trash");
		if (a->acct->delete_expunges || (t != NULL &&
		    t->id == ui->cur_folder))
			ui_act_to(ui, id, NULL, NULL, "", 0);
		else if (t == NULL)
			ui_status(ui, 1, "%s: no Trash folder; set 'delete = "
			    "expunge' to delete for good", a->acct->name);
		else
			ui_act_to(ui, id, t->name, NULL, t->display, 0);
		return;
	}
	if (ui_act_resolve(ui, name, &k, &fi) == -1) {
		ui_status(ui, 1, "no folder \"%s\" in %s (another account's: "
		    "ACCOUNT/FOLDER)", name, a->acct->name);
		return;
	}
	if (k != (size_t)ui->cur_acct) {
		ui_act_other(ui, id, k, fi, copy);
		return;
	}
	t = &a->folders[fi];
	if (t->id == ui->cur_folder && !copy) {
		ui_status(ui, 0, "already in %s", t->display);
		return;
	}
	ui_act_to(ui, id, t->name, NULL, t->display, copy);
}

/*
 * Undoes item it of a move or copy to another account: withdrawn with
 * its staged file while the source engine has not handed it over (and
 * the target's APPEND, which a crash can leave queued at that point).
 * 1 undone, 0 already on its way, -1 error.
 */
static int
ui_act_undo_other(struct ui *ui, struct ui_acct *a, struct ui_undo_item *it)
{
	struct store_msg	*m = &it->saved;
	const char		*to;
	char			*path, *slash;
	size_t			 k;
	int			 r;

	if ((r = pending_cancel(a->store, it->pending)) != 1)
		return r;
	path = pending_xfer_path(a->store, it->pending);
	to = it->target != NULL ? it->target : ui->undo.target;
	slash = strchr(to, '/');
	for (k = 0; slash != NULL && k < ui->naccts; k++)
		if (ui->accts[k].store != NULL &&
		    strlen(ui->accts[k].acct->name) ==
		    (size_t)(slash - to) &&
		    strncmp(ui->accts[k].acct->name, to,
		    (size_t)(slash - to)) == 0)
			(void)pending_xfer_cancel(ui->accts[k].store, path);
	(void)unlink(path);
	free(path);
	if (ui->undo.op == PENDING_XCOPY)
		return 1;
	/* Never sent: put the row back as it was. */
	m->cached = 0;
	free(m->file);
	m->file = xstrdup("");
	return store_msg_put(a->store, m) == 0 ? 1 : -1;
}

/*
 * Undoes the items of account k: counts in c[] what was put back, what
 * waits for a sync, what cannot be undone and what is already on its
 * way to another account.
 */
static void
ui_act_undo_acct(struct ui *ui, size_t k, size_t c[4])
{
	struct ui_undo		*u = &ui->undo;
	struct ui_acct		*a = &ui->accts[k];
	struct store_folder	 src;
	struct store_msg	*m, there;
	struct pending		 p;
	const char		*target;
	size_t			 i;
	int			 r;

	for (i = 0; i < u->n && u->items[i].acct != k; i++)
		;
	if (i == u->n || a->store == NULL || store_begin(a->store) == -1)
		return;
	for (i = 0; i < u->n; i++) {
		if (u->items[i].done || u->items[i].acct != k)
			continue;
		m = &u->items[i].saved;
		memset(&p, 0, sizeof p);
		u->items[i].done = 1;
		target = u->items[i].target != NULL ? u->items[i].target :
		    u->target;
		if (u->op == PENDING_FLAGS) {
			p.op = PENDING_FLAGS;
			p.folder_id = m->folder_id;
			p.uid = m->uid;
			p.set = m->flags & u->mask;
			p.clear = ~m->flags & u->mask;
			if (pending_add(a->store, &p) == 0)
				c[0]++;
			continue;
		}
		if (u->op == PENDING_XMOVE || u->op == PENDING_XCOPY) {
			if ((r = ui_act_undo_other(ui, a, &u->items[i])) == 1)
				c[0]++;
			else if (r == 0)
				c[3]++;
			continue;
		}
		if (u->op == PENDING_COPY)
			continue;	/* a copy is undone by deleting it */
		if (pending_cancel(a->store, u->items[i].pending) == 1) {
			/* Never sent: put the row back as it was. */
			m->cached = 0;
			free(m->file);
			m->file = xstrdup("");
			if (store_msg_put(a->store, m) == 0)
				c[0]++;
			continue;
		}
		if (u->op == PENDING_EXPUNGE || target == NULL ||
		    store_folder_get_id(a->store, m->folder_id, &src) != 0) {
			c[2]++;
			continue;
		}
		if (store_msg_find(a->store, target, m->message_id,
		    &there) == 0) {
			p.op = PENDING_MOVE;
			p.folder_id = there.folder_id;
			p.uid = there.uid;
			p.target = src.name;
			if (pending_add(a->store, &p) == 0)
				c[0]++;
			store_msg_clear(&there);
		} else {
			c[1]++;
			u->items[i].done = 0;	/* u again, after the sync */
		}
		store_folder_clear(&src);
	}
	if (store_commit(a->store) == -1) {
		ui_status(ui, 1, "%s: %s", a->acct->name,
		    store_error(a->store));
		return;
	}
	if (a->engine != NULL)
		engine_wake(a->engine);
	a->pending = pending_count(a->store);
}

/*
 * Undoes the last action through the same pending path: flags are set
 * back; a move or delete not yet sent is withdrawn and the message put
 * back in the list; one already done on the server is moved back from
 * where it went (found there by its Message-ID once that folder has
 * synced).  A move to another account can be withdrawn only until its
 * engine has handed the message over.
 */
void
ui_act_undo(struct ui *ui)
{
	struct ui_undo		*u = &ui->undo;
	size_t			 k, back, later, lost, gone, c[4] = { 0 };

	if (u->n == 0) {
		ui_status(ui, 0, "nothing to undo");
		return;
	}
	for (k = 0; k < ui->naccts; k++)
		ui_act_undo_acct(ui, k, c);
	back = c[0];
	later = c[1];
	lost = c[2];
	gone = c[3];
	if (gone > 0)
		ui_status(ui, 1, "undone %zu; %zu already on the way to %s "
		    "(move %s back from there)", back, gone, u->target,
		    gone == 1 ? "it" : "them");
	else if (later == 0 && lost == 0)
		ui_status(ui, 0, "undone (%zu message%s)", back,
		    back == 1 ? "" : "s");
	else
		ui_status(ui, later ? 0 : 1, "undone %zu; %zu not yet seen in "
		    "%s (u again after the sync)%s", back, later,
		    u->target != NULL ? u->target : "", lost ?
		    "; an expunge cannot be undone" : "");
	if (later == 0)
		ui_undo_clear(ui);
	ui_folders_reload(ui);
	ui_list_reload(ui);
}

/* Runs argv; on the terminal (curses suspended) when fg, else detached. */
static int
ui_act_spawn(char **argv, int fg)
{
	pid_t	 pid;
	int	 status = 0, fd;

	if (fg)
		tty_suspend();
	if ((pid = fork()) == -1) {
		if (fg)
			tty_resume();
		return -1;
	}
	if (pid == 0) {
		if (!fg && (fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			setsid();
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (fg) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		tty_resume();
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
	}
	return 0;
}

/* The argv of a command line: words split on blanks, then arg. */
static char **
ui_act_argv(const char *cmd, const char *arg)
{
	char	**v = NULL, *copy = xstrdup(cmd), *w, *save = NULL;
	size_t	  n = 0;

	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		v = xrealloc(v, (n + 3) * sizeof *v);
		v[n++] = xstrdup(w);
	}
	v = xrealloc(v, (n + 2) * sizeof *v);
	v[n++] = xstrdup(arg);
	v[n] = NULL;
	free(copy);
	return v;
}

static void
ui_act_argv_free(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Part n (1-based, as in the parts list) of the open message. */
static const struct mime_part *
ui_act_part(struct ui *ui, const char *arg)
{
	struct ui_pager	*p = &ui->pager;
	long		 n;
	size_t		 i;
	char		*end;

	if (!p->open || !p->have || p->file == NULL) {
		ui_status(ui, 1, "no message with parts is open");
		return NULL;
	}
	n = strtol(arg != NULL ? arg : "", &end, 10);
	/* The list numbers the leaf parts; containers have no number. */
	for (i = 0; end != arg && n >= 1 && i < p->r.mime.nparts; i++)
		if (!p->r.mime.parts[i].multipart && --n == 0)
			return &p->r.mime.parts[i];
	ui_status(ui, 1, "no part %s (the parts list is at the end of the "
	    "message)", arg != NULL ? arg : "");
	return NULL;
}

/* The decoded bytes of a part of the open message; caller frees. */
static char *
ui_act_part_data(struct ui *ui, const struct mime_part *part, size_t *lenp)
{
	char	*buf, *data;
	size_t	 len;
	int	 fd;
	struct stat sb;

	if ((fd = open(ui->pager.file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		if (fd != -1)
			close(fd);
		ui_status(ui, 1, "cannot read the message: %s",
		    strerror(errno));
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	len = 0;
	while (len < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)sb.st_size - len);

		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (part->body_off + part->body_len > len) {
		free(buf);
		ui_status(ui, 1, "the message changed on disk");
		return NULL;
	}
	data = mime_decode(buf, part, lenp);
	free(buf);
	return data;
}

void
ui_act_save_part(struct ui *ui, const char *arg)
{
	const struct mime_part	*part;
	char			*data, *path = NULL, *err = NULL, *dir, *clean;
	char			*num = NULL;
	const char		*sp;
	size_t			 len;

	if (arg == NULL)
		return;
	/* "N" or "N DIR" */
	sp = strchr(arg, ' ');
	num = sp != NULL ? xstrndup(arg, (size_t)(sp - arg)) : xstrdup(arg);
	if ((part = ui_act_part(ui, num)) == NULL) {
		free(num);
		return;
	}
	free(num);
	if (sp != NULL && sp[1] != '\0')
		dir = xstrdup(sp + 1);
	else
		dir = xstrdup(ui->cfg->save_dir != NULL ? ui->cfg->save_dir :
		    ".");
	if ((data = ui_act_part_data(ui, part, &len)) != NULL) {
		if (attach_save(dir, part->filename, data, len, &path,
		    &err) == -1) {
			ui_status(ui, 1, "%s", err);
			free(err);
		} else {
			clean = sanitize_for_display(path, strlen(path), 0);
			ui_status(ui, 0, "saved %s (%zu bytes)", clean, len);
			free(clean);
		}
	}
	free(path);
	free(data);
	free(dir);
}

void
ui_act_view_part(struct ui *ui, const char *arg)
{
	const struct mime_part	*part;
	char			*dir, *data, *file;
	char			**argv;
	const char		*tmp = getenv("TMPDIR");
	size_t			 len;
	int			 fd, needs_term = 0;

	if ((part = ui_act_part(ui, arg)) == NULL)
		return;
	argv = mailcap_viewer(part->type, "/dev/null", &needs_term);
	if (argv == NULL) {
		ui_status(ui, 1, "no viewer for %s in mailcap; save it with s",
		    part->type);
		return;
	}
	mailcap_argv_free(argv);
	if ((data = ui_act_part_data(ui, part, &len)) == NULL)
		return;
	/* Never named after the part: a mkstemp file in a 0700 dir. */
	dir = xasprintf("%s/tern-view.XXXXXX", tmp != NULL && *tmp == '/' ?
	    tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		ui_status(ui, 1, "mkdtemp: %s", strerror(errno));
		free(data);
		free(dir);
		return;
	}
	file = xasprintf("%s/part.XXXXXX", dir);
	if ((fd = mkstemp(file)) == -1 || write(fd, data, len) !=
	    (ssize_t)len) {
		ui_status(ui, 1, "cannot write a temporary file: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(file);
		rmdir(dir);
		free(file);
		free(dir);
		free(data);
		return;
	}
	close(fd);
	free(data);
	argv = mailcap_viewer(part->type, file, &needs_term);
	if (argv != NULL && ui_act_spawn(argv, 1) == -1)
		ui_status(ui, 1, "the viewer %s failed", argv[0]);
	else
		ui_status(ui, 0, "viewed part %s", arg);
	mailcap_argv_free(argv);
	/* The viewer has returned: the file is not needed any more. */
	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
	ui->dirty = 1;
	tty_clear();
}

void
ui_act_open_url(struct ui *ui, const char *arg)
{
	struct ui_pager	*p = &ui->pager;
	char		**argv, *end;
	long		 n;

	if (!p->open || !p->have || p->r.nurls == 0) {
		ui_status(ui, 1, "no URLs in this message");
		return;
	}
	n = strtol(arg != NULL ? arg : "", &end, 10);
	if (arg == NULL || end == arg || n < 1 || (size_t)n > p->r.nurls) {
		ui_status(ui, 1, "no URL %s (1 to %zu)", arg ? arg : "",
		    p->r.nurls);
		return;
	}
	argv = ui_act_argv(ui->cfg->opener != NULL ? ui->cfg->opener :
	    "xdg-open", p->r.urls[n - 1]);
	if (ui_act_spawn(argv, 0) == -1)
		ui_status(ui, 1, "cannot run %s", argv[0]);
	else
		ui_status(ui, 0, "opening %s", p->r.urls[n - 1]);
	ui_act_argv_free(argv);
}
