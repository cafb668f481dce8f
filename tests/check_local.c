/*
 * check_local.c - unit tests for the local Maildir driver (src/sync/
 * local.c) through the engine API the UI uses: a temporary Maildir tree
 * (INBOX, Maildir++ .Sent, .Trash and .Lists.Debian, a nested plain
 * directory, files in new/ and cur/, a hostile header, a symlink out of
 * the tree) is indexed; changes by another MUA and the user's pending
 * operations reach the store and the files.  The test thread plays the
 * UI; the engine runs in its own thread.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmd.h"
#include "store.h"
#include "sync.h"

Suite	*suite(void);

static char		*root;		/* a fresh directory per test */
static char		*tree;		/* root/Mail: the account's path */
static struct config	*cfg;
static struct account	*the_acct;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
put(const char *rel, const char *text)
{
	char	*p = xasprintf("%s/%s", tree, rel);
	FILE	*fp = fopen(p, "w");

	ck_assert_msg(fp != NULL, "%s: %s", p, strerror(errno));
	fputs(text, fp);
	fclose(fp);
	free(p);
}

static void
mkmaildir(const char *rel)
{
	char	*p = rel[0] != '\0' ? xasprintf("%s/%s", tree, rel) :
	    xstrdup(tree);
	char	*err = NULL;

	ck_assert_msg(maildir_ensure(p, &err) == 0, "%s", err);
	free(p);
}

static int
exists(const char *rel)
{
	struct stat	 sb;
	char		*p = xasprintf("%s/%s", tree, rel);
	int		 r = lstat(p, &sb) == 0;

	free(p);
	return r;
}

static void
setup(void)
{
	char	*text, *data, *err = NULL, *big;

	root = xstrdup("/tmp/tern-check-local-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	tree = xasprintf("%s/Mail", root);
	data = xasprintf("%s/data", root);
	setenv("XDG_DATA_HOME", data, 1);
	free(data);
	mkmaildir("");
	mkmaildir(".Sent");
	mkmaildir(".Trash");
	mkmaildir(".Lists.Debian");
	mkmaildir("Archive/2024");
	put("cur/1000.a.host:2,S", "From: =?UTF-8?Q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= "
	    "<zoe@example.com>\nTo: me@example.com\n"
	    "Subject: =?UTF-8?B?5pel5pys6Kqe?=\nMessage-ID: <a@x>\n"
	    "Date: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody a\n");
	put("cur/1001.b.host:2,FS", "From: b@example.com\nSubject: flagged\n"
	    "Message-ID: <b@x>\n\nbody b\n");
	put("new/1002.c.host", "From: c@example.com\nSubject: unseen\n"
	    "Message-ID: <c@x>\nIn-Reply-To: <b@x>\nReferences: <b@x>\n\n"
	    "body c\n");
	/* Hostile: controls, a 300 KB field, deep comments, no body. */
	big = xmalloc(300 * 1024 + 1);
	memset(big, '(', 300 * 1024);
	big[300 * 1024] = '\0';
	text = xasprintf("From: %s\nSubject: \x1b[2J\x9b evil\r\n"
	    "Message-ID: <d@x>\n", big);
	put("cur/1003.d.host:2,", text);
	free(text);
	free(big);
	put(".Sent/cur/2000.s.host:2,S", "From: me@example.com\n"
	    "Subject: sent\n\nx\n");
	put(".Lists.Debian/new/3000.l.host", "From: list@debian.org\n"
	    "Subject: [debian] hi\n\nx\n");
	put("Archive/2024/cur/4000.n.host:2,S", "From: old@example.com\n"
	    "Subject: archived\n\nx\n");
	/* Not messages: a dot file, a directory, a symlink. */
	put("cur/.hidden", "From: x\n\n");
	text = xasprintf("%s/cur/subdir", tree);
	mkdir(text, 0700);
	free(text);
	text = xasprintf("%s/cur/link:2,S", tree);
	ck_assert_int_eq(symlink("/etc/passwd", text), 0);
	free(text);
	/* A symlink out of the tree is not followed. */
	text = xasprintf("%s/outside", root);
	ck_assert_msg(maildir_ensure(text, &err) == 0, "%s", err);
	data = xasprintf("%s/.Evil", tree);
	ck_assert_int_eq(symlink(text, data), 0);
	free(data);
	free(text);

	text = xasprintf("[account t]\ntype = maildir\nfrom = t@example.com\n"
	    "path = %s\n", tree);
	cfg = config_parse(text, strlen(text), "test", &err);
	ck_assert_msg(cfg != NULL, "%s", err);
	free(text);
	the_acct = &cfg->accounts[0];
}

static void
teardown(void)
{
	config_free(cfg);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(tree);
	free(root);
	unsetenv("XDG_DATA_HOME");
}

/* Runs one pass of the engine; counts its CHANGED events. */
static int
run_once(int *changed)
{
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd;
	char			*err = NULL;
	int			 done = 0, n = 0, errors = 0;

	e = engine_start(the_acct, NULL, ENGINE_ONCE, &err);
	ck_assert_msg(e != NULL, "%s", err);
	pfd.fd = engine_event_fd(e);
	pfd.events = POLLIN;
	while (!done) {
		ck_assert_int_gt(poll(&pfd, 1, 20000), 0);
		while (engine_next_event(e, &ev)) {
			if (ev.type == EV_CHANGED)
				n++;
			if (ev.type == EV_ERROR) {
				fprintf(stderr, "EV_ERROR %s\n", ev.text);
				errors++;
			}
			if (ev.type == EV_STATE)
				ck_assert_str_eq(ev.text, "local");
			if (ev.type == EV_DONE)
				done = 1;
		}
	}
	if (changed != NULL)
		*changed = n;
	ck_assert_int_eq(errors, 0);
	return engine_join(e);
}

static struct store *
open_store(void)
{
	struct store	*st;
	char		*dir = config_data_dir("t"), *err = NULL;

	st = store_open("t", dir, 0, &err);
	ck_assert_msg(st != NULL, "%s", err);
	free(dir);
	return st;
}

static int64_t
folder_id(struct store *st, const char *name)
{
	struct store_folder	 f;
	int64_t			 id;

	ck_assert_msg(store_folder_get(st, name, &f) == 0, "no folder %s",
	    name);
	id = f.id;
	store_folder_clear(&f);
	return id;
}

/* The number of messages matching an SQL condition on m. */
static int
query_count(struct store *st, const char *where)
{
	sqlite3_stmt	*q;
	char		*sql = xasprintf("SELECT COUNT(*) FROM messages m WHERE %s",
			    where);
	int		 n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	free(sql);
	return n;
}

/* The uid of the message of folder with subject, or 0. */
static uint32_t
uid_of(struct store *st, int64_t folder, const char *subject)
{
	struct store_uid	*u;
	struct store_msg	 m;
	size_t			 n, i;
	uint32_t		 uid = 0;

	ck_assert_int_eq(store_msg_uids(st, folder, &u, &n), 0);
	for (i = 0; i < n && uid == 0; i++) {
		ck_assert_int_eq(store_msg_get(st, folder, u[i].uid, &m), 0);
		if (strstr(m.subject, subject) != NULL)
			uid = u[i].uid;
		store_msg_clear(&m);
	}
	store_uids_free(u, n);
	return uid;
}

static size_t
count(struct store *st, int64_t folder)
{
	struct store_uid	*u;
	size_t			 n;

	ck_assert_int_eq(store_msg_uids(st, folder, &u, &n), 0);
	store_uids_free(u, n);
	return n;
}

START_TEST(test_index)
{
	struct store		*st;
	struct store_folder	*fs, f;
	struct store_msg	 m;
	size_t			 n, i;
	int64_t			 inbox;
	char			*dir;
	int			 changed;

	ck_assert_int_eq(run_once(&changed), 0);
	ck_assert_int_gt(changed, 0);
	st = open_store();
	ck_assert_int_eq(store_folders(st, &fs, &n), 0);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++) {
		ck_assert_str_ne(fs[i].name, "Evil");
		ck_assert_int_eq(fs[i].path[0], '/');
	}
	ck_assert_str_eq(fs[0].name, "INBOX");
	ck_assert_str_eq(fs[0].role, "inbox");
	store_folders_free(fs, n);
	ck_assert_int_eq(store_folder_get(st, "Sent", &f), 0);
	ck_assert_str_eq(f.role, "sent");
	ck_assert_int_eq(f.delim, '.');
	store_folder_clear(&f);
	ck_assert_int_eq(store_folder_get(st, "Trash", &f), 0);
	ck_assert_str_eq(f.role, "trash");
	store_folder_clear(&f);
	ck_assert_int_eq(store_folder_get(st, "Lists.Debian", &f), 0);
	ck_assert_int_eq(f.delim, '.');
	ck_assert_int_eq(f.total, 1);
	ck_assert_int_eq(f.unread, 1);
	store_folder_clear(&f);
	ck_assert_int_eq(store_folder_get(st, "Archive/2024", &f), 0);
	ck_assert_int_eq(f.delim, '/');
	ck_assert_int_eq(f.total, 1);
	store_folder_clear(&f);

	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	inbox = f.id;
	ck_assert_int_eq(f.total, 4);
	ck_assert_int_eq(f.unread, 2);
	dir = store_folder_dir(st, &f);
	ck_assert_str_eq(dir, tree);
	free(dir);
	store_folder_clear(&f);

	ck_assert_int_eq(store_msg_get(st, inbox, uid_of(st, inbox, "\xe6\x97\xa5"),
	    &m), 0);
	ck_assert_str_eq(m.subject, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	ck_assert_ptr_nonnull(strstr(m.from, "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m"));
	ck_assert_str_eq(m.message_id, "a@x");
	ck_assert_int_eq(m.flags, FLAG_SEEN);
	ck_assert_int_eq(m.cached, 1);
	ck_assert_str_eq(m.file, "cur/1000.a.host:2,S");
	ck_assert_int_gt(m.size, 0);
	ck_assert_int_gt(m.internaldate, 0);
	ck_assert_int_eq(m.date, 1672653600);
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_get(st, inbox, uid_of(st, inbox, "flagged"),
	    &m), 0);
	ck_assert_int_eq(m.flags, FLAG_SEEN | FLAG_FLAGGED);
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_get(st, inbox, uid_of(st, inbox, "unseen"),
	    &m), 0);
	ck_assert_int_eq(m.flags, 0);
	ck_assert_str_eq(m.file, "new/1002.c.host");
	ck_assert_str_eq(m.in_reply_to, "b@x");
	store_msg_clear(&m);
	/* The hostile one is indexed too, and the rest around it. */
	ck_assert_uint_ne(uid_of(st, inbox, "evil"), 0);
	/* Indexing moves nothing: the unseen file stays in new/. */
	ck_assert(exists("new/1002.c.host"));
	ck_assert(exists("cur/link:2,S"));
	store_close(st);

	/* A second pass with nothing new changes nothing. */
	ck_assert_int_eq(run_once(&changed), 0);
	ck_assert_int_eq(changed, 0);
}
END_TEST

START_TEST(test_other_mua)
{
	struct store		*st;
	struct store_msg	 m;
	struct store_folder	 f;
	int64_t			 inbox;
	uint32_t		 a, b;
	char			*from, *to;

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	inbox = folder_id(st, "INBOX");
	a = uid_of(st, inbox, "\xe6\x97\xa5");
	b = uid_of(st, inbox, "flagged");
	ck_assert_uint_ne(a, 0);
	store_close(st);

	/* mutt replies to a and deletes b; a new message arrives. */
	from = xasprintf("%s/cur/1000.a.host:2,S", tree);
	to = xasprintf("%s/cur/1000.a.host:2,RS", tree);
	ck_assert_int_eq(rename(from, to), 0);
	free(from);
	free(to);
	from = xasprintf("%s/cur/1001.b.host:2,FS", tree);
	ck_assert_int_eq(unlink(from), 0);
	free(from);
	put("new/1005.e.host", "Subject: fresh\n\nx\n");

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	ck_assert_int_eq(store_msg_get(st, inbox, a, &m), 0);
	ck_assert_int_eq(m.flags, FLAG_SEEN | FLAG_ANSWERED);
	ck_assert_str_eq(m.file, "cur/1000.a.host:2,RS");
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_get(st, inbox, b, &m), 1);
	ck_assert_uint_gt(uid_of(st, inbox, "fresh"), b);
	ck_assert_uint_eq(count(st, inbox), 4);
	store_close(st);

	/* A folder removed by another program leaves the store. */
	from = xasprintf("%s/.Lists.Debian", tree);
	nftw(from, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(from);
	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	ck_assert_int_eq(store_folder_get(st, "Lists.Debian", &f), 1);
	store_close(st);

	/* A folder that stops being a Maildir is forgotten, its files kept. */
	from = xasprintf("%s/.Sent/cur", tree);
	to = xasprintf("%s/.Sent/cur.off", tree);
	ck_assert_int_eq(rename(from, to), 0);
	free(from);
	free(to);
	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	ck_assert_int_eq(store_folder_get(st, "Sent", &f), 1);
	store_close(st);
	ck_assert(exists(".Sent/cur.off/2000.s.host:2,S"));
	ck_assert(exists(".Sent/new"));
}
END_TEST

START_TEST(test_pending)
{
	struct store		*st;
	struct store_msg	 m;
	struct pending		 p;
	int64_t			 inbox, trash, sent;
	uint32_t		 a, c, d, s;

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	inbox = folder_id(st, "INBOX");
	trash = folder_id(st, "Trash");
	sent = folder_id(st, "Sent");
	a = uid_of(st, inbox, "\xe6\x97\xa5");
	c = uid_of(st, inbox, "unseen");
	d = uid_of(st, inbox, "evil");
	s = uid_of(st, sent, "sent");

	memset(&p, 0, sizeof p);
	p.folder_id = inbox;
	p.op = PENDING_FLAGS;
	p.uid = c;
	p.set = FLAG_SEEN | FLAG_FLAGGED;
	ck_assert_int_eq(pending_add(st, &p), 0);
	p.op = PENDING_MOVE;
	p.uid = a;
	p.target = (char *)"Trash";
	ck_assert_int_eq(pending_add(st, &p), 0);
	p.op = PENDING_EXPUNGE;
	p.uid = d;
	p.target = NULL;
	ck_assert_int_eq(pending_add(st, &p), 0);
	p.folder_id = sent;
	p.op = PENDING_COPY;
	p.uid = s;
	p.target = (char *)"Trash";
	ck_assert_int_eq(pending_add(st, &p), 0);
	/* Queued, the store shows it at once but no file is touched. */
	ck_assert_int_eq(store_msg_get(st, inbox, a, &m), 1);
	ck_assert(exists("cur/1000.a.host:2,S"));
	ck_assert(exists("cur/1003.d.host:2,"));
	ck_assert(exists("new/1002.c.host"));
	store_close(st);

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	ck_assert_int_eq(pending_count(st), 0);
	/* FLAGS: renamed to carry them, out of new/ into cur/. */
	ck_assert(!exists("new/1002.c.host"));
	ck_assert(exists("cur/1002.c.host:2,FS"));
	ck_assert_int_eq(store_msg_get(st, inbox, c, &m), 0);
	ck_assert_int_eq(m.flags, FLAG_SEEN | FLAG_FLAGGED);
	ck_assert_str_eq(m.file, "cur/1002.c.host:2,FS");
	store_msg_clear(&m);
	/* MOVE: renamed into Trash's cur/, a new uid there. */
	ck_assert(!exists("cur/1000.a.host:2,S"));
	ck_assert(exists(".Trash/cur/1000.a.host:2,S"));
	ck_assert_int_eq(store_msg_get(st, inbox, a, &m), 1);
	ck_assert_uint_ne(uid_of(st, trash, "\xe6\x97\xa5"), 0);
	/* EXPUNGE: unlinked. */
	ck_assert(!exists("cur/1003.d.host:2,"));
	ck_assert_uint_eq(uid_of(st, inbox, "evil"), 0);
	/* COPY: both there. */
	ck_assert(exists(".Sent/cur/2000.s.host:2,S"));
	ck_assert_uint_eq(count(st, trash), 2);
	ck_assert_uint_ne(uid_of(st, trash, "sent"), 0);
	ck_assert_uint_eq(count(st, sent), 1);
	ck_assert_uint_eq(count(st, inbox), 2);
	store_close(st);
}
END_TEST

/*
 * A move queued while no engine ran, the row already gone: the file is
 * found again by its Message-ID at the next start.
 */
START_TEST(test_pending_restart)
{
	struct store		*st;
	struct pending		 p;
	int64_t			 inbox;
	char			*from, *to;

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	inbox = folder_id(st, "INBOX");
	memset(&p, 0, sizeof p);
	p.folder_id = inbox;
	p.op = PENDING_MOVE;
	p.uid = uid_of(st, inbox, "flagged");
	p.target = (char *)"Trash";
	ck_assert_int_eq(pending_add(st, &p), 0);
	/* Another MUA renames it meanwhile. */
	from = xasprintf("%s/cur/1001.b.host:2,FS", tree);
	to = xasprintf("%s/cur/1001.b.host:2,FRS", tree);
	ck_assert_int_eq(rename(from, to), 0);
	free(from);
	free(to);
	store_close(st);
	ck_assert_int_eq(run_once(NULL), 0);
	ck_assert(!exists("cur/1001.b.host:2,FRS"));
	ck_assert(exists(".Trash/cur/1001.b.host:2,FRS"));
	st = open_store();
	ck_assert_uint_eq(uid_of(st, inbox, "flagged"), 0);
	ck_assert_uint_ne(uid_of(st, folder_id(st, "Trash"), "flagged"), 0);
	ck_assert_int_eq(pending_count(st), 0);
	store_close(st);
}
END_TEST

/*
 * A move to a folder that does not exist is given up after a few
 * attempts, with an error, and the message shows again: nothing lost.
 */
START_TEST(test_pending_fails)
{
	struct store		*st;
	struct pending		 p;
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd;
	char			*err = NULL;
	int64_t			 inbox;
	int			 i, errors = 0, done;

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	inbox = folder_id(st, "INBOX");
	memset(&p, 0, sizeof p);
	p.folder_id = inbox;
	p.op = PENDING_MOVE;
	p.uid = uid_of(st, inbox, "flagged");
	p.target = (char *)"Nowhere";
	ck_assert_int_eq(pending_add(st, &p), 0);
	ck_assert_uint_eq(uid_of(st, inbox, "flagged"), 0);
	for (i = 0; i < 3; i++) {
		e = engine_start(the_acct, NULL, ENGINE_ONCE, &err);
		ck_assert_ptr_nonnull(e);
		pfd.fd = engine_event_fd(e);
		pfd.events = POLLIN;
		for (done = 0; !done;) {
			ck_assert_int_gt(poll(&pfd, 1, 20000), 0);
			while (engine_next_event(e, &ev)) {
				if (ev.type == EV_ERROR) {
					ck_assert_ptr_nonnull(strstr(ev.text,
					    "Nowhere"));
					errors++;
				}
				if (ev.type == EV_DONE)
					done = 1;
			}
		}
		ck_assert_int_eq(engine_join(e), -1);
	}
	ck_assert_int_eq(errors, 3);
	ck_assert_int_eq(pending_count(st), 0);
	ck_assert(exists("cur/1001.b.host:2,FS"));
	ck_assert_uint_ne(uid_of(st, inbox, "flagged"), 0);
	store_close(st);
}
END_TEST

/*
 * path may be a symlink; inside the tree, links, FIFOs and anything
 * deeper than 20 levels are left alone, and two folders whose names
 * differ only in case do not break the index.
 */
START_TEST(test_bounds)
{
	struct store		*st;
	struct store_folder	*fs;
	struct config		*c2;
	char			*link, *text, *err = NULL, *p;
	size_t			 n, i, depth;
	int			 deepest = 0;
	const char		*c;

	link = xasprintf("%s/link-to-mail", root);
	ck_assert_int_eq(symlink(tree, link), 0);
	text = xasprintf("[account t]\ntype = maildir\nfrom = t@example.com\n"
	    "path = %s\n", link);
	c2 = config_parse(text, strlen(text), "test", &err);
	ck_assert_msg(c2 != NULL, "%s", err);
	free(text);
	config_free(cfg);
	cfg = c2;
	the_acct = &cfg->accounts[0];
	p = xasprintf("%s/cur/fifo:2,S", tree);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	free(p);
	mkmaildir(".Foo");
	mkmaildir(".foo");
	p = xstrdup("deep");
	for (i = 0; i < 25; i++) {
		mkmaildir(p);
		text = xasprintf("%s/d", p);
		free(p);
		p = text;
	}
	free(p);
	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	ck_assert_int_eq(store_folders(st, &fs, &n), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(strncmp(fs[i].path, link, strlen(link)), 0);
		for (depth = 0, c = fs[i].name; *c != '\0'; c++)
			depth += *c == '/';
		if (strncmp(fs[i].name, "deep", 4) == 0 && (int)depth > deepest)
			deepest = (int)depth;
	}
	/* "deep" is level 1; levels 1 to 20 are read. */
	ck_assert_int_eq(deepest, 19);
	ck_assert_uint_eq(count(st, folder_id(st, "INBOX")), 4);
	store_folders_free(fs, n);
	store_close(st);
	free(link);
}
END_TEST

/*
 * The tree unreadable (an unmounted disk): an error, and the index is
 * kept as it is, never emptied.
 */
START_TEST(test_offline)
{
	struct store		*st;
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd;
	char			*err = NULL, *away;
	int			 errors = 0, done = 0;

	ck_assert_int_eq(run_once(NULL), 0);
	away = xasprintf("%s/away", root);
	ck_assert_int_eq(rename(tree, away), 0);
	e = engine_start(the_acct, NULL, ENGINE_ONCE, &err);
	ck_assert_ptr_nonnull(e);
	pfd.fd = engine_event_fd(e);
	pfd.events = POLLIN;
	while (!done) {
		ck_assert_int_gt(poll(&pfd, 1, 20000), 0);
		while (engine_next_event(e, &ev)) {
			errors += ev.type == EV_ERROR;
			if (ev.type == EV_DONE)
				done = 1;
		}
	}
	ck_assert_int_eq(engine_join(e), -1);
	ck_assert_int_eq(errors, 1);
	st = open_store();
	ck_assert_uint_eq(count(st, folder_id(st, "INBOX")), 4);
	ck_assert_uint_eq(count(st, folder_id(st, "Sent")), 1);
	store_close(st);
	ck_assert_int_eq(rename(away, tree), 0);
	free(away);
	ck_assert_int_eq(run_once(NULL), 0);
}
END_TEST

/* Watch mode: new mail shows within the tick; bodies answer at once. */
START_TEST(test_watch)
{
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd;
	struct store		*st;
	char			*err = NULL;
	int64_t			 inbox;
	int			 phase = 0, body = 0, n = 0;

	ck_assert_int_eq(run_once(NULL), 0);
	st = open_store();
	inbox = folder_id(st, "INBOX");
	e = engine_start(the_acct, NULL, ENGINE_WATCH, &err);
	ck_assert_msg(e != NULL, "%s", err);
	engine_fetch_body(e, inbox, uid_of(st, inbox, "flagged"));
	engine_fetch_body(e, inbox, 999999);
	pfd.fd = engine_event_fd(e);
	pfd.events = POLLIN;
	put("new/1006.f.host", "Subject: arrived\n\nx\n");
	while (phase < 2 && n++ < 100) {
		ck_assert_int_gt(poll(&pfd, 1, 8000), 0);
		while (engine_next_event(e, &ev)) {
			if (ev.type == EV_BODY_READY) {
				ck_assert_int_eq(ev.folder_id, inbox);
				ck_assert_int_eq(ev.ok, ev.uid != 999999);
				body++;
			}
			if (ev.type == EV_CHANGED && ev.folder_id == inbox &&
			    phase == 0)
				phase = 1;
		}
		if (phase == 1 && body == 2 && uid_of(st, inbox, "arrived"))
			phase = 2;
	}
	ck_assert_int_eq(phase, 2);
	engine_stop(e);
	ck_assert_int_eq(engine_join(e), 0);
	store_close(st);
}
END_TEST

/*
 * The demo lives with the command line (src/), outside libtern.a:
 * its two files are compiled into this test.
 */
#include "../src/demo.c"
#include "../src/demo_data.c"

/* The demo: a tree that indexes, and a cleanup that leaves nothing. */
START_TEST(test_demo)
{
	struct config	*dcfg = NULL;
	struct store	*st;
	struct store_folder *fs;
	struct engine	*e;
	struct engine_event ev;
	struct pollfd	 pfd;
	struct stat	 sb;
	char		*dir = NULL, *err = NULL, *data;
	struct store_msg m;
	int64_t		 inbox;
	size_t		 n, i, total = 0;
	int		 done = 0, inbox_unread = 0;

	ck_assert_msg(demo_setup(&dcfg, &dir, &err) == 0, "%s", err);
	ck_assert_int_eq(lstat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	ck_assert_uint_eq(dcfg->naccounts, 1);
	ck_assert_str_eq(dcfg->accounts[0].name, "demo");
	ck_assert_int_eq(dcfg->accounts[0].type, ACCOUNT_MAILDIR);
	data = config_data_dir("demo");
	ck_assert_int_eq(strncmp(data, dir, strlen(dir)), 0);
	e = engine_start(&dcfg->accounts[0], NULL, ENGINE_ONCE, &err);
	ck_assert_msg(e != NULL, "%s", err);
	pfd.fd = engine_event_fd(e);
	pfd.events = POLLIN;
	while (!done) {
		ck_assert_int_gt(poll(&pfd, 1, 20000), 0);
		while (engine_next_event(e, &ev)) {
			ck_assert_msg(ev.type != EV_ERROR, "%s", ev.text);
			done = ev.type == EV_DONE;
		}
	}
	ck_assert_int_eq(engine_join(e), 0);
	st = store_open("demo", data, 0, &err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_folders(st, &fs, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(fs[0].name, "INBOX");
	for (i = 0; i < n; i++) {
		total += (size_t)fs[i].total;
		if (strcmp(fs[i].name, "INBOX") == 0) {
			ck_assert_int_ge(fs[i].total, 12);
			inbox_unread = (int)fs[i].unread;
		}
		if (strcmp(fs[i].name, "Sent") == 0)
			ck_assert_str_eq(fs[i].role, "sent");
		if (strcmp(fs[i].name, "Archive") == 0)
			ck_assert_str_eq(fs[i].role, "archive");
	}
	ck_assert_int_gt(inbox_unread, 0);
	ck_assert_uint_ge(total, 18);
	store_folders_free(fs, n);
	/* Decoded names and subjects, and a thread four deep. */
	inbox = folder_id(st, "INBOX");
	ck_assert_uint_ne(uid_of(st, inbox, "\xe4\xbc\x9a\xe8\xad\xb0"), 0);
	ck_assert_int_eq(store_msg_get(st, inbox, uid_of(st, inbox,
	    "Photos"), &m), 0);
	ck_assert_str_eq(m.from, "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m "
	    "<zoe@example.org>");
	store_msg_clear(&m);
	ck_assert_int_eq(query_count(st, "m.refs = "
	    "'plan-1@example.org plan-2@example.com plan-3@example.org'"), 1);
	store_close(st);
	free(data);
	config_free(dcfg);
	/* A link to something outside: the link goes, its target stays. */
	data = xasprintf("%s/link", dir);
	ck_assert_int_eq(symlink(root, data), 0);
	free(data);
	demo_cleanup(dir);
	ck_assert_int_eq(lstat(dir, &sb), -1);
	ck_assert_int_eq(lstat(root, &sb), 0);
	/* Never anything but a demo directory. */
	demo_cleanup(root);
	demo_cleanup("relative");
	demo_cleanup(NULL);
	ck_assert_int_eq(lstat(root, &sb), 0);
	free(dir);
	unsetenv("XDG_DATA_HOME");
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("local");
	TCase	*tc = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_index);
	tcase_add_test(tc, test_other_mua);
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_pending_restart);
	tcase_add_test(tc, test_pending_fails);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_offline);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_demo);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
