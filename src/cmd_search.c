/*
 * cmd_search.c - `tern search` (list cached messages matching a query,
 * as text or JSON lines) and `tern mark` (queue a change for every
 * match through the pending-operation path, exactly as the TUI will).
 * Both read the local store and work offline; a server: term in the
 * query asks the account's server too (search_server).  The main thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"
#include "store.h"
#include "sync.h"

/*
 * Joins argv into one query string.  An argument with white space was
 * quoted on the shell's command line (subject:"two words"), so it is
 * quoted again here: the value part after a key, or the whole word.
 */
static char *
join_args(int argc, char **argv)
{
	char		*q = xstrdup(""), *t, *arg;
	const char	*p, *colon;
	size_t		 n;
	int		 i;

	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (strpbrk(arg, " \t") != NULL && strchr(arg, '"') == NULL) {
			colon = strchr(arg, ':');
			for (p = arg; colon != NULL && p < colon; p++)
				if (!((*p >= 'a' && *p <= 'z') ||
				    (*p >= 'A' && *p <= 'Z')))
					colon = NULL;
			n = colon != NULL ? (size_t)(colon - arg) + 1 : 0;
			t = xasprintf("%.*s\"%s\"", (int)n, arg, arg + n);
		} else
			t = xstrdup(arg);
		arg = xasprintf("%s%s%s", q, i ? " " : "", t);
		free(t);
		free(q);
		q = arg;
	}
	return q;
}

static void
flag_names(unsigned flags, const char *kw, char *buf, size_t len, int json)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} names[] = {
		{ FLAG_SEEN, "\\Seen" }, { FLAG_ANSWERED, "\\Answered" },
		{ FLAG_FLAGGED, "\\Flagged" }, { FLAG_DELETED, "\\Deleted" },
		{ FLAG_DRAFT, "\\Draft" },
	};
	size_t	i, o = 0;

	(void)kw;
	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(flags & names[i].bit))
			continue;
		/* JSON escapes the backslash of \Seen. */
		o += snprintf(buf + o, len - o, json ? "%s\"\\\\%s\"" :
		    "%s%s", o ? (json ? "," : " ") : "", json ?
		    names[i].name + 1 : names[i].name);
		if (o >= len)
			break;
	}
}

/* Appends s as a JSON string (UTF-8 kept, controls escaped). */
static void
json_str(FILE *fp, const char *s)
{
	char	*clean = sanitize_for_display(s, strlen(s), 0);
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)clean; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
	free(clean);
}

/* Prints s sanitized, then a tab (sep) or a newline. */
static void
field(const char *s, int sep)
{
	char	*clean = sanitize_for_display(s, strlen(s), 0);

	printf("%s%c", clean, sep ? '\t' : '\n');
	free(clean);
}

struct search_ctx {
	const char	*account;
	int		 json;
};

static int
print_match(const struct store_msg *m, const struct store_folder *f,
    void *arg)
{
	struct search_ctx	*sc = arg;
	char			 flags[128], date[32];
	time_t			 t = (time_t)(m->date ? m->date :
				    m->internaldate);
	struct tm		 tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sc->json) {
		flag_names(m->flags, m->keywords, flags, sizeof flags, 1);
		fputs("{\"account\":", stdout);
		json_str(stdout, sc->account);
		fputs(",\"folder\":", stdout);
		json_str(stdout, f->display);
		printf(",\"uid\":%u,\"flags\":[%s],\"date\":\"%s\",\"from\":",
		    m->uid, flags, date);
		json_str(stdout, m->from);
		fputs(",\"subject\":", stdout);
		json_str(stdout, m->subject);
		fputs(",\"message_id\":", stdout);
		json_str(stdout, m->message_id);
		printf(",\"size\":%lld,\"cached\":%s}\n", (long long)m->size,
		    m->cached ? "true" : "false");
	} else {
		/* Fields are sanitized one by one so the tabs between stay. */
		flag_names(m->flags, m->keywords, flags, sizeof flags, 0);
		field(sc->account, 1);
		field(f->display, 1);
		printf("%u\t%s\t%s\t", m->uid, *flags ? flags : "-", date);
		field(m->from, 1);
		field(m->subject, 0);
	}
	return 0;
}

/* Opens an account's store without the lock (readers never block). */
static struct store *
open_store(const struct account *a, int lock)
{
	struct store	*st;
	char		*dir = config_data_dir(a->name), *err = NULL;

	st = dir != NULL ? store_open(a->name, dir, lock, &err) : NULL;
	if (st == NULL) {
		say("%s: %s", a->name, err ? err : "no data directory");
		free(err);
	}
	free(dir);
	return st;
}

/*
 * Indexes what the full-text index lacks before the first search that
 * needs it: the headers of rows a `tern sync` wrote (it leaves them to
 * this), cached bodies (a maildir account's files, an index upgraded
 * from version 3).  A failure (another process holding the index for
 * long) only means those messages are not found this time.
 */
static void
search_catch_up(struct store *st, const char *account)
{
	int64_t	 left;

	if ((left = store_fts_catch_up(st, 0)) <= 0)
		return;
	if (left >= 1000)
		say("%s: indexing %lld messages for search...", account,
		    (long long)left);
	if (store_fts_catch_up(st, INT64_MAX) != 0)
		say("%s: not every message could be indexed; search "
		    "finds the rest once they are", account);
}

/*
 * The query's server: texts asked of the account's IMAP server now, on
 * a session of its own: 0, or -1 (said why) when the server could not
 * be asked, and server: then matches what it found last time.
 */
static int
search_server(const struct account *a, struct store *st,
    const struct query *q)
{
	struct imap_conn	*c = NULL;
	char			*secret = NULL, *err = NULL;
	size_t			 i, n;
	int			 ret = -1;

	if (q->nserver == 0)
		return 0;
	if (a->type == ACCOUNT_MAILDIR) {
		say("%s: server: a local maildir account has no server", a->name);
		return -1;
	}
	if ((c = imap_connect(a, &err)) == NULL)
		goto out;
	if (!c->preauth && ((secret = auth_secret(a, isatty(STDIN_FILENO),
	    &err)) == NULL || imap_login(c, secret, &err) == -1))
		goto out;
	for (i = 0; i < q->nserver; i++)
		if (server_search(c, st, q->server[i], &n, &err) == -1)
			goto out;
	ret = 0;
out:
	if (ret == -1)
		say("%s: server: %s; server: matches what the server found "
		    "last time", a->name, err != NULL ? err : "failed");
	free(err);
	secret_free(secret);
	imap_close(c);
	return ret;
}

int
cmd_search(struct config *cfg, int argc, char **argv)
{
	struct search_ctx	 sc;
	struct query		 q;
	struct store		*st;
	const char		*only = NULL;
	char			*text, *err = NULL;
	size_t			 i;
	int			 failed = 0;

	memset(&sc, 0, sizeof sc);
	while (argc > 0 && argv[0][0] == '-' && argv[0][1] != '\0') {
		if (strcmp(argv[0], "--json") == 0)
			sc.json = 1;
		else if (strcmp(argv[0], "-a") == 0 && argc > 1) {
			only = argv[1];
			argc--;
			argv++;
		} else if (strcmp(argv[0], "--") == 0) {
			argc--;
			argv++;
			break;
		} else
			break;
		argc--;
		argv++;
	}
	if (argc == 0) {
		fputs("usage: tern search [-a account] [--json] query\n", stderr);
		return 2;
	}
	if (only != NULL && config_account(cfg, only) == NULL) {
		say("no account called '%s' in %s", only, cfg->path);
		return 2;
	}
	text = join_args(argc, argv);
	if (query_compile(text, time(NULL), &q, &err) == -1) {
		say("search: %s", err);
		free(err);
		free(text);
		return 2;
	}
	free(text);
	for (i = 0; i < cfg->naccounts; i++) {
		if (only != NULL && strcmp(only, cfg->accounts[i].name) != 0)
			continue;
		if ((st = open_store(&cfg->accounts[i], 0)) == NULL) {
			failed = 1;
			continue;
		}
		sc.account = cfg->accounts[i].name;
		if (search_server(&cfg->accounts[i], st, &q) == -1)
			failed = 1;
		search_catch_up(st, sc.account);
		if (query_run(st, &q, print_match, &sc, &err) == -1) {
			say("%s: %s", sc.account, err);
			free(err);
			err = NULL;
			failed = 1;
		}
		store_close(st);
	}
	query_free(&q);
	return failed ? 1 : 0;
}

/* ---- mark ---- */

struct match {
	int64_t		 folder_id;
	uint32_t	 uid;
	int		 in_trash;
};

struct mark_ctx {
	struct match	*v;
	size_t		 n;
	int64_t		 trash_id;
};

static int
collect(const struct store_msg *m, const struct store_folder *f, void *arg)
{
	struct mark_ctx	*mc = arg;

	mc->v = xrealloc(mc->v, (mc->n + 1) * sizeof *mc->v);
	mc->v[mc->n].folder_id = m->folder_id;
	mc->v[mc->n].uid = m->uid;
	mc->v[mc->n].in_trash = f->id == mc->trash_id;
	mc->n++;
	return 0;
}

/* The folder with role, or called name; 0 found (into *out). */
static int
find_folder(struct store *st, const char *role, const char *name,
    struct store_folder *out)
{
	struct store_folder	*fl = NULL;
	size_t			 n = 0, i, pick = (size_t)-1;

	if (store_folders(st, &fl, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (role != NULL && strcmp(fl[i].role, role) == 0) {
			pick = i;
			break;
		}
		if (name != NULL && (strcmp(fl[i].name, name) == 0 ||
		    strcmp(fl[i].display, name) == 0) && pick == (size_t)-1)
			pick = i;
	}
	if (pick != (size_t)-1) {
		*out = fl[pick];
		memset(&fl[pick], 0, sizeof fl[pick]);
	}
	store_folders_free(fl, n);
	return pick == (size_t)-1 ? 1 : 0;
}

int
cmd_mark(struct config *cfg, int argc, char **argv)
{
	struct mark_ctx		 mc;
	struct query		 q;
	struct pending		 p;
	struct store		*st;
	struct store_folder	 target, trash;
	struct account		*a = NULL;
	const char		*action = NULL, *dest = NULL;
	char			*text, *err = NULL;
	size_t			 i;
	int			 rc = 1, have_target = 0, have_trash = 0;

	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "-a") == 0 && argc > 1) {
			a = config_account(cfg, argv[1]);
			if (a == NULL) {
				say("no account called '%s' in %s", argv[1],
				    cfg->path);
				return 2;
			}
			argc--;
			argv++;
		} else if (strcmp(argv[0], "--move") == 0 && argc > 1) {
			action = argv[0];
			dest = argv[1];
			argc--;
			argv++;
		} else if (strcmp(argv[0], "--read") == 0 ||
		    strcmp(argv[0], "--unread") == 0 ||
		    strcmp(argv[0], "--flag") == 0 ||
		    strcmp(argv[0], "--unflag") == 0 ||
		    strcmp(argv[0], "--delete") == 0)
			action = argv[0];
		else
			break;
		argc--;
		argv++;
	}
	if (a == NULL || action == NULL || argc == 0) {
		fputs("usage: tern mark -a account (--read | --unread | --flag |"
		    " --unflag | --delete | --move folder) query\n", stderr);
		return 2;
	}
	text = join_args(argc, argv);
	if (query_compile(text, time(NULL), &q, &err) == -1) {
		say("mark: %s", err);
		free(err);
		free(text);
		return 2;
	}
	free(text);
	if ((st = open_store(a, 1)) == NULL) {
		query_free(&q);
		return 1;
	}
	memset(&mc, 0, sizeof mc);
	memset(&target, 0, sizeof target);
	memset(&trash, 0, sizeof trash);
	if (dest != NULL) {
		if (find_folder(st, NULL, dest, &target) != 0) {
			say("%s: no folder '%s' (run tern sync first?)", a->name,
			    dest);
			goto out;
		}
		have_target = 1;
	}
	if (strcmp(action, "--delete") == 0 && !a->delete_expunges) {
		if (find_folder(st, "trash", "Trash", &trash) != 0) {
			say("%s: no Trash folder; set 'delete = expunge' to "
			    "delete for good", a->name);
			goto out;
		}
		have_trash = 1;
		mc.trash_id = trash.id;
	}
	search_catch_up(st, a->name);
	if (query_run(st, &q, collect, &mc, &err) == -1) {
		say("%s: %s", a->name, err);
		free(err);
		goto out;
	}
	if (store_begin(st) == -1)
		goto store_err;
	for (i = 0; i < mc.n; i++) {
		memset(&p, 0, sizeof p);
		p.folder_id = mc.v[i].folder_id;
		p.uid = mc.v[i].uid;
		if (strcmp(action, "--read") == 0) {
			p.op = PENDING_FLAGS;
			p.set = FLAG_SEEN;
		} else if (strcmp(action, "--unread") == 0) {
			p.op = PENDING_FLAGS;
			p.clear = FLAG_SEEN;
		} else if (strcmp(action, "--flag") == 0) {
			p.op = PENDING_FLAGS;
			p.set = FLAG_FLAGGED;
		} else if (strcmp(action, "--unflag") == 0) {
			p.op = PENDING_FLAGS;
			p.clear = FLAG_FLAGGED;
		} else if (strcmp(action, "--move") == 0) {
			if (mc.v[i].folder_id == target.id)
				continue;
			p.op = PENDING_MOVE;
			p.target = target.name;
		} else if (have_trash && !mc.v[i].in_trash) {
			p.op = PENDING_MOVE;	/* delete = to Trash */
			p.target = trash.name;
		} else
			p.op = PENDING_EXPUNGE;
		if (pending_add(st, &p) == -1) {
			store_rollback(st);
			goto store_err;
		}
	}
	if (store_commit(st) == -1)
		goto store_err;
	out("%zu message%s marked; %lld change%s waiting for tern sync", mc.n,
	    mc.n == 1 ? "" : "s", (long long)pending_count(st),
	    pending_count(st) == 1 ? "" : "s");
	rc = 0;
	goto out;
store_err:
	say("%s: store: %s", a->name, store_error(st));
out:
	if (have_target)
		store_folder_clear(&target);
	if (have_trash)
		store_folder_clear(&trash);
	free(mc.v);
	query_free(&q);
	store_close(st);
	return rc;
}
