/*
 * ui_compose_aux.c - what the composer does outside the screen: runs
 * the editor on the draft file (curses suspended), completes addresses
 * (from the store, most used first) and file paths, adds attachments,
 * puts the built message in the outbox (and wakes the engine to send
 * it), postpones a draft to the Drafts folder as a pending APPEND, and
 * removes the composer's private directory.  The UI thread.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sync.h"
#include "ui_int.h"

/* The newest messages whose addresses completion offers. */
#define ADDRBOOK_SCAN	5000

/* ---- the editor ---- */

/* Writes the whole buffer to a new private file; 0 or -1. */
static int
write_private(const char *path, const char *data, size_t len, int excl)
{
	size_t	 off = 0;
	ssize_t	 w;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    (excl ? O_EXCL : O_TRUNC), 0600)) == -1)
		return -1;
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The editor's argv: editor, $VISUAL, $EDITOR or vi, then the file. */
static char **
editor_argv(struct ui *ui, const char *file)
{
	const char	*ed = ui->cfg->editor;
	char		**v = NULL, *copy, *w, *save = NULL;
	size_t		  n = 0;

	if (ed == NULL || *ed == '\0')
		ed = getenv("VISUAL");
	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	copy = xstrdup(ed);
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		v = xrealloc(v, (n + 3) * sizeof *v);
		v[n++] = xstrdup(w);
	}
	free(copy);
	v = xrealloc(v, (n + 2) * sizeof *v);
	v[n++] = xstrdup(file);
	v[n] = NULL;
	return v;
}

int
ui_compose_edit(struct ui *ui, struct ui_compose *c)
{
	char	**argv, *text, *err = NULL;
	size_t	  len, i;
	pid_t	  pid;
	int	  status = 0;

	text = draft_text(&c->d);
	if (write_private(c->file, text, strlen(text), 0) == -1) {
		snprintf(c->problem, sizeof c->problem, "cannot write %s: %s",
		    c->file, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	argv = editor_argv(ui, c->file);
	tty_suspend();
	if ((pid = fork()) == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "tern: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	if (pid != -1)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	tty_resume();
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	if (pid == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(c->problem, sizeof c->problem, "the editor failed "
		    "(%s); the draft is as it was before", pid == -1 ?
		    strerror(errno) : "exit status not 0");
		return -1;
	}
	if ((text = compose_file_read(c->file, &len, &err)) == NULL) {
		snprintf(c->problem, sizeof c->problem, "%s", err);
		free(err);
		return -1;
	}
	if (draft_parse(&c->d, text, len, &err) == -1) {
		snprintf(c->problem, sizeof c->problem, "the draft: %s (e to "
		    "edit it again)", err);
		free(err);
		free(text);
		return -1;
	}
	free(text);
	c->problem[0] = '\0';
	return 0;
}

/* ---- completion ---- */

struct abentry {
	char	*key;		/* the address, lower-case */
	char	*shown;		/* "Name <addr>" */
	int	 count;
};

struct abctx {
	struct abentry	*v;
	size_t		 n;
	int		 seen;
};

static void
ab_add(struct abctx *ab, const char *list)
{
	struct addr	*v;
	size_t		 n, i;
	char		*p;

	v = addr_list(list, &n);
	for (i = 0; i < n; i++) {
		ab->v = xrealloc(ab->v, (ab->n + 1) * sizeof *ab->v);
		ab->v[ab->n].key = xstrdup(v[i].addr);
		for (p = ab->v[ab->n].key; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		ab->v[ab->n].shown = addr_format(&v[i]);
		ab->v[ab->n].count = 1;
		ab->n++;
	}
	addr_list_free(v, n);
}

static int
ab_row(const struct store_msg *m, const struct store_folder *f, void *arg)
{
	struct abctx	*ab = arg;

	(void)f;
	ab_add(ab, m->from);
	ab_add(ab, m->to);
	ab_add(ab, m->cc);
	return ++ab->seen >= ADDRBOOK_SCAN;
}

static int
ab_by_key(const void *a, const void *b)
{
	return strcmp(((const struct abentry *)a)->key,
	    ((const struct abentry *)b)->key);
}

static int
ab_by_count(const void *a, const void *b)
{
	const struct abentry *x = a, *y = b;

	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->key, y->key);
}

void
ui_addrbook_free(struct ui *ui)
{
	size_t	 i;

	for (i = 0; i < ui->naddrbook; i++)
		free(ui->addrbook[i]);
	free(ui->addrbook);
	ui->addrbook = NULL;
	ui->naddrbook = 0;
	ui->addrbook_acct = 0;
}

/* Every address of the account's newest messages, most used first. */
static void
addrbook_load(struct ui *ui, size_t acct)
{
	struct ui_acct	*a = &ui->accts[acct];
	struct abctx	 ab = { NULL, 0, 0 };
	struct query	 q;
	size_t		 i, k;

	ui_addrbook_free(ui);
	ui->addrbook_acct = acct + 1;
	if (a->store == NULL)
		return;
	memset(&q, 0, sizeof q);
	q.where = "1";
	query_run(a->store, &q, ab_row, &ab, NULL);
	qsort(ab.v, ab.n, sizeof *ab.v, ab_by_key);
	/* One entry per address; a shown form with a name wins. */
	for (i = 0, k = 0; i < ab.n; i++) {
		if (k > 0 && strcmp(ab.v[k - 1].key, ab.v[i].key) == 0) {
			ab.v[k - 1].count++;
			if (strchr(ab.v[k - 1].shown, '<') == NULL &&
			    strchr(ab.v[i].shown, '<') != NULL) {
				free(ab.v[k - 1].shown);
				ab.v[k - 1].shown = ab.v[i].shown;
				ab.v[i].shown = NULL;
			}
			free(ab.v[i].key);
			free(ab.v[i].shown);
			continue;
		}
		ab.v[k++] = ab.v[i];
	}
	qsort(ab.v, k, sizeof *ab.v, ab_by_count);
	ui->addrbook = xcalloc(k + 1, sizeof *ui->addrbook);
	for (i = 0; i < k; i++) {
		/* Shown on the prompt line: one clean line each. */
		ui->addrbook[i] = sanitize_for_display(ab.v[i].shown,
		    strlen(ab.v[i].shown), 0);
		free(ab.v[i].key);
		free(ab.v[i].shown);
	}
	ui->naddrbook = k;
	free(ab.v);
}

/* 1 if tok starts s or one of its words (case-insensitively). */
static int
ab_match(const char *s, const char *tok, size_t len)
{
	const char	*p = s;

	for (;;) {
		if (strncasecmp(p, tok, len) == 0)
			return 1;
		p += strcspn(p, " <\"'(.");
		if (*p == '\0')
			return 0;
		p++;
	}
}

int
ui_complete_addr(struct ui *ui, const char *stem, size_t *next, char *out,
    size_t outsz)
{
	const char	*tok = strrchr(stem, ',');
	size_t		 pre, len, i, k;

	if (ui->compose == NULL)
		return -1;
	if (ui->addrbook_acct != ui->compose->acct + 1)
		addrbook_load(ui, ui->compose->acct);
	tok = tok != NULL ? tok + 1 : stem;
	tok += strspn(tok, " \t");
	pre = (size_t)(tok - stem);
	len = strlen(tok);
	for (k = 0; k < ui->naddrbook; k++) {
		i = (*next + k) % ui->naddrbook;
		if (!ab_match(ui->addrbook[i], tok, len))
			continue;
		snprintf(out, outsz, "%.*s%s%s", (int)pre, stem,
		    pre > 0 && stem[pre - 1] == ',' ? " " : "",
		    ui->addrbook[i]);
		*next = i + 1;
		return 0;
	}
	return -1;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ui_complete_path(struct ui *ui, const char *stem, size_t *next, char *out,
    size_t outsz)
{
	const char	*tok = strrchr(stem, ' '), *home = getenv("HOME");
	char		*path, *slash, *dir, **names = NULL;
	const char	*base;
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	size_t		 n = 0, i, blen;
	int		 rc = -1;

	(void)ui;
	tok = tok != NULL ? tok + 1 : stem;
	if (tok[0] == '~' && tok[1] == '/' && home != NULL)
		path = xasprintf("%s/%s", home, tok + 2);
	else
		path = xstrdup(tok);
	if ((slash = strrchr(path, '/')) != NULL) {
		dir = xstrndup(path, (size_t)(slash - path) + 1);
		base = slash + 1;
	} else {
		dir = xstrdup("");
		base = path;
	}
	blen = strlen(base);
	if ((d = opendir(*dir != '\0' ? dir : ".")) != NULL) {
		while ((de = readdir(d)) != NULL && n < 10000) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0 ||
			    (de->d_name[0] == '.' && base[0] != '.') ||
			    strncmp(de->d_name, base, blen) != 0)
				continue;
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
		closedir(d);
	}
	if (n > 0) {
		char	*full;

		qsort(names, n, sizeof *names, str_cmp);
		i = *next % n;
		full = xasprintf("%s%s", dir, names[i]);
		snprintf(out, outsz, "%.*s%s%s", (int)(tok - stem), stem,
		    full, stat(full, &sb) == 0 && S_ISDIR(sb.st_mode) ? "/" :
		    "");
		free(full);
		*next = i + 1;
		rc = 0;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	free(path);
	return rc;
}

/* ---- attachments ---- */

int
ui_compose_attach(struct ui *ui, struct ui_compose *c, const char *spec)
{
	struct stat	 sb;
	glob_t		 g;
	char		*copy = xstrdup(spec), *w, *save = NULL, *abs;
	size_t		 i, added = 0, before = c->d.nattach;
	int		 bad = 0;

	/* A whole answer that names a file is one file (spaces and all). */
	if (stat(spec, &sb) == 0 && S_ISREG(sb.st_mode)) {
		abs = spec[0] == '/' ? xstrdup(spec) : NULL;
		if (abs == NULL) {
			char	 cwd[4096];

			abs = xasprintf("%s/%s", getcwd(cwd, sizeof cwd) !=
			    NULL ? cwd : ".", spec);
		}
		draft_attach(&c->d, abs);
		free(abs);
		free(copy);
		ui_status(ui, 0, "1 file attached");
		return 0;
	}
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		memset(&g, 0, sizeof g);
		if (glob(w, GLOB_TILDE | GLOB_NOCHECK, NULL, &g) != 0) {
			bad++;
			continue;
		}
		for (i = 0; i < g.gl_pathc; i++) {
			const char	*f = g.gl_pathv[i];

			if (stat(f, &sb) == -1 || !S_ISREG(sb.st_mode)) {
				ui_status(ui, 1, "%s: not a readable file", f);
				bad++;
				continue;
			}
			if (f[0] == '/')
				abs = xstrdup(f);
			else {
				char	 cwd[4096];

				abs = xasprintf("%s/%s", getcwd(cwd,
				    sizeof cwd) != NULL ? cwd : ".", f);
			}
			draft_attach(&c->d, abs);
			free(abs);
			added++;
		}
		globfree(&g);
	}
	free(copy);
	if (added > 0) {
		c->sel = before;
		if (!bad)
			ui_status(ui, 0, "%zu file%s attached", added,
			    added == 1 ? "" : "s");
	}
	return bad ? -1 : 0;
}

/* Reads the attachments; builds the message.  NULL and c->problem. */
static char *
build(struct ui_compose *c, int flags, size_t *lenp)
{
	struct compose_file	*f;
	char			**data, *msg = NULL, *err = NULL;
	size_t			 i, n = c->d.nattach;

	f = xcalloc(n + 1, sizeof *f);
	data = xcalloc(n + 1, sizeof *data);
	for (i = 0; i < n; i++) {
		const char	*base = strrchr(c->d.attach[i], '/');

		if ((data[i] = compose_file_read(c->d.attach[i], &f[i].len,
		    &err)) == NULL)
			goto done;
		f[i].name = base != NULL ? base + 1 : c->d.attach[i];
		f[i].data = data[i];
	}
	msg = compose_build(&c->d, f, n, time(NULL), flags, lenp, &err);
done:
	if (msg == NULL) {
		snprintf(c->problem, sizeof c->problem, "%s", err);
		free(err);
	}
	for (i = 0; i < n; i++)
		free(data[i]);
	free(data);
	free(f);
	return msg;
}

int
ui_compose_send(struct ui *ui, struct ui_compose *c)
{
	struct ui_acct	*a = &ui->accts[c->acct];
	char		*msg, *id, *err = NULL;
	size_t		 len;

	if (a->store == NULL) {
		snprintf(c->problem, sizeof c->problem, "the account's store "
		    "is not open");
		return -1;
	}
	/* Bcc stays for the envelope; the submission strips it. */
	if ((msg = build(c, COMPOSE_BCC, &len)) == NULL)
		return -1;
	/*
	 * The outbox takes LF or CRLF and the submission makes it CRLF;
	 * LF here, the form its header reader was first tested with (the
	 * builder writes no lone CR or LF, so nothing else changes).
	 */
	{
		size_t	 i, o = 0;

		for (i = 0; i < len; i++)
			if (!(msg[i] == '\r' && i + 1 < len &&
			    msg[i + 1] == '\n'))
				msg[o++] = msg[i];
		len = o;
	}
	id = outbox_put(store_dir(a->store), msg, len, &err);
	free(msg);
	if (id == NULL) {
		snprintf(c->problem, sizeof c->problem, "outbox: %s", err);
		free(err);
		return -1;
	}
	if (c->orig_folder != 0) {
		ui->sent = xrealloc(ui->sent, (ui->nsent + 1) *
		    sizeof *ui->sent);
		ui->sent[ui->nsent].acct = c->acct;
		ui->sent[ui->nsent].outbox_id = id;
		ui->sent[ui->nsent].folder = c->orig_folder;
		ui->sent[ui->nsent].uid = c->orig_uid;
		ui->nsent++;
	} else
		free(id);
	ui_compose_drop_draft(ui, c);
	if (a->engine != NULL) {
		engine_send(a->engine);
		ui_status(ui, 0, "%s: sending", a->acct->name);
	} else
		ui_status(ui, 0, "%s: offline; the message waits in the "
		    "outbox", a->acct->name);
	return 0;
}

/*
 * Removes the files of drafts already appended to Drafts: those no
 * queued APPEND names any more (the replay leaves its file behind).
 */
static void
drafts_tidy(struct store *st, const char *dir)
{
	struct pending	*ps = NULL;
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0, i;
	char		*path;
	int		 used;

	if (pending_list(st, -1, &ps, &n) == -1 || (d = opendir(dir)) ==
	    NULL) {
		pending_free(ps, n);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".eml") == NULL)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		for (i = 0, used = 0; i < n && !used; i++)
			used = ps[i].op == PENDING_APPEND &&
			    ps[i].file != NULL && strcmp(ps[i].file, path) == 0;
		if (!used)
			unlink(path);
		free(path);
	}
	closedir(d);
	pending_free(ps, n);
}

int
ui_compose_postpone(struct ui *ui, struct ui_compose *c)
{
	static unsigned	 counter;
	struct ui_acct	*a = &ui->accts[c->acct];
	struct pending	 p;
	const struct store_folder *drafts = NULL;
	char		*msg, *dir, *path, *err = NULL;
	size_t		 len, i;

	for (i = 0; i < a->nfolders && drafts == NULL; i++)
		if (strcmp(a->folders[i].role, "drafts") == 0)
			drafts = &a->folders[i];
	for (i = 0; i < a->nfolders && drafts == NULL; i++)
		if (strcasecmp(a->folders[i].display, "Drafts") == 0)
			drafts = &a->folders[i];
	if (drafts == NULL || a->store == NULL) {
		snprintf(c->problem, sizeof c->problem, "no Drafts folder in "
		    "account %s", a->acct->name);
		return -1;
	}
	if ((msg = build(c, COMPOSE_BCC | COMPOSE_DRAFT, &len)) == NULL)
		return -1;
	dir = xasprintf("%s/drafts", store_dir(a->store));
	if (mkdir_p(dir, 0700, &err) == -1) {
		snprintf(c->problem, sizeof c->problem, "%s", err);
		free(err);
		free(dir);
		free(msg);
		return -1;
	}
	drafts_tidy(a->store, dir);
	path = xasprintf("%s/%lld.%ld.%u.eml", dir, (long long)time(NULL),
	    (long)getpid(), ++counter);
	free(dir);
	if (write_private(path, msg, len, 1) == -1) {
		snprintf(c->problem, sizeof c->problem, "cannot write %s: %s",
		    path, strerror(errno));
		free(path);
		free(msg);
		return -1;
	}
	free(msg);
	memset(&p, 0, sizeof p);
	p.op = PENDING_APPEND;
	p.folder_id = drafts->id;
	p.set = FLAG_DRAFT | FLAG_SEEN;
	p.file = path;
	p.message_id = c->d.message_id;
	if (pending_add(a->store, &p) == -1) {
		snprintf(c->problem, sizeof c->problem, "cannot queue the "
		    "draft: %s", store_error(a->store));
		unlink(path);
		free(path);
		return -1;
	}
	free(path);
	ui_status(ui, 0, "postponed to %s", drafts->display);
	ui_compose_drop_draft(ui, c);
	if (a->engine != NULL)
		engine_wake(a->engine);
	a->pending = pending_count(a->store);
	return 0;
}

void
ui_compose_take_parts(struct ui_compose *c, const char *msg, size_t len)
{
	struct mime	 m;
	size_t		 i, dlen;
	char		*data, *path;
	int		 skip = -1;

	mime_parse(msg, len, &m);
	for (i = 0; i < m.nparts; i++) {
		const struct mime_part *p = &m.parts[i];

		if (skip >= 0 && p->depth > skip)
			continue;	/* inside a forwarded message */
		skip = -1;
		if (p->multipart)
			continue;
		if (strcmp(p->type, "message/rfc822") == 0) {
			skip = p->depth;
			if (c->d.fwd == NULL && (data = mime_decode(msg, p,
			    &dlen)) != NULL) {
				c->d.fwd = data;
				c->d.fwdlen = dlen;
			}
			continue;
		}
		/* Inline text without a name: the body (or its HTML). */
		if (strncmp(p->type, "text/", 5) == 0 &&
		    strcmp(p->disposition, "attachment") != 0 &&
		    *p->filename == '\0')
			continue;
		if ((data = mime_decode(msg, p, &dlen)) == NULL)
			continue;
		if (attach_save(c->dir, *p->filename != '\0' ? p->filename :
		    "attachment", data, dlen, &path, NULL) == 0) {
			draft_attach(&c->d, path);
			free(path);
		}
		free(data);
	}
	mime_free(&m);
}

void
ui_compose_drop_draft(struct ui *ui, struct ui_compose *c)
{
	struct ui_acct	*a = &ui->accts[c->acct];
	struct pending	 p;

	if (c->draft_folder == 0 || a->store == NULL)
		return;
	memset(&p, 0, sizeof p);
	p.op = PENDING_EXPUNGE;
	p.folder_id = c->draft_folder;
	p.uid = c->draft_uid;
	if (pending_add(a->store, &p) == 0 && a->engine != NULL)
		engine_wake(a->engine);
	c->draft_folder = 0;
	if (ui_cur(ui) == a)
		ui_list_reload(ui);
}

/* Removes the composer's directory (only the files it made). */
void
ui_compose_close(struct ui *ui)
{
	struct ui_compose	*c = ui->compose;
	char			*t;
	size_t			 i;

	if (c == NULL)
		return;
	if (c->file != NULL)
		unlink(c->file);
	/* Editors leave backups and swap files beside the draft. */
	if (c->dir != NULL) {
		DIR		*d = opendir(c->dir);
		struct dirent	*de;

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			t = xasprintf("%s/%s", c->dir, de->d_name);
			unlink(t);
			free(t);
		}
		if (d != NULL)
			closedir(d);
		rmdir(c->dir);
	}
	free(c->dir);
	free(c->file);
	for (i = 0; i < c->nidents; i++)
		free(c->idents[i]);
	free(c->idents);
	free(c->signature);
	draft_free(&c->d);
	free(c);
	ui->compose = NULL;
	ui_addrbook_free(ui);	/* the next composer reads it anew */
	ui_layout(ui);
	ui->dirty = 1;
}
