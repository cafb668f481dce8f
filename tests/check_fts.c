/*
 * check_fts.c - unit tests for the full-text side of search
 * (src/store/store_fts.c and the FTS keys of src/store/query.c): which
 * messages a query finds over a store whose cached bodies are real MIME
 * messages in German, French and Japanese, HTML, with attachments
 * (table-driven: query -> expected UIDs); that FTS5 syntax typed by a
 * user is only ever text; and that the index follows the messages
 * (removed, pruned, forgotten, headers changed, bodies cached later,
 * an index upgraded from version 3); that every way of answering a
 * query (whole lists scanned or walked, a screenful, thread keys,
 * query_run; src/store/query_fts.c's id sets, bitmaps or sorted for
 * huge ids) finds the same messages in the same order as the SQL of
 * before (tests/query_paths.h).  Single-threaded.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "check_main.h"
#include "query_paths.h"

/* 2024-06-15 12:00:00 UTC, the "now" of every query. */
#define NOW	((time_t)1718452800)
#define DAY	86400

static char		 tmpdir[] = "/tmp/check_fts.XXXXXX";
static struct store	*store;
static int64_t		 inbox, archive;

struct fixture {
	int64_t		*folder;
	uint32_t	 uid;
	int64_t		 date;
	const char	*from, *subject;
	const char	*body;		/* the whole message; NULL: not cached */
};

#define HDR(ct)	"From: x@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n" \
		"Content-Type: " ct "\r\n"

static const struct fixture msgs[] = {
	{ &inbox, 1, NOW - DAY, "Jürgen Müller <jm@example.de>",
	    "Grüße aus Köln",
	    HDR("text/plain; charset=utf-8")
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "Viele Gr=C3=BC=C3=9Fe aus K=C3=B6ln, wir treffen uns am "
	    "Stra=C3=9Fenbahnhof.\r\n" },
	{ &inbox, 2, NOW - 2 * DAY, "Zoé <zoe@example.fr>", "Réunion",
	    HDR("text/plain; charset=iso-8859-1")
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "\xc7" "a sera \xe0 l'\xe9" "cole demain, caf\xe9 offert.\r\n" },
	{ &inbox, 3, NOW - 3 * DAY, "taro@example.jp", "会議",
	    HDR("text/plain; charset=utf-8")
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    /* 東京に行きます。明日の会議は十時からです。 */
	    "5p2x5Lqs44Gr6KGM44GN44G+44GZ44CC5piO5pel44Gu5Lya6K2w44Gv5Y2B5pmC"
	    "44GL44KJ44Gn44GZ44CC\r\n" },
	{ &inbox, 4, NOW - 4 * DAY, "shop@example.com", "Your order",
	    HDR("text/html; charset=utf-8") "\r\n"
	    "<html><body><p>The <b>invoice</b> &amp; receipt for your "
	    "<i>order</i> 42</p><script>secretscript()</script>"
	    "</body></html>\r\n" },
	{ &inbox, 5, NOW - 5 * DAY, "boss@example.com", "Quarterly numbers",
	    HDR("multipart/mixed; boundary=\"b1\"") "\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
	    "--b1\r\nContent-Type: application/pdf\r\n"
	    "Content-Disposition: attachment; filename=\"rechnung.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
	    "--b1--\r\n" },
	{ &inbox, 6, NOW - 6 * DAY, "fox@example.com", "Typing test",
	    HDR("text/plain") "\r\n"
	    "the quick brown fox jumps over the lazy dog\r\n"
	    "He said \"NEAR\" and x^y * z: (paren) OR maybe\r\n" },
	{ &archive, 101, NOW - 30 * DAY, "carol@example.net",
	    "Quarterly report", NULL },
	{ &archive, 102, NOW - 40 * DAY, "dave@example.net", "Lunch",
	    HDR("text/plain") "\r\n> quoted fox line\r\nmy answer\r\n-- \r\n"
	    "Dave Signature\r\n" },
};
#define NMSGS	(sizeof msgs / sizeof msgs[0])

static void
put(int64_t folder, uint32_t uid, int64_t date, const char *from,
    const char *subject)
{
	struct store_msg m;

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.uid = uid;
	m.keywords = "";
	m.date = date;
	m.internaldate = date + 60;
	m.size = 1000;
	m.from = (char *)from;
	m.to = "me@example.com";
	m.cc = "";
	m.subject = (char *)subject;
	m.message_id = "";
	m.in_reply_to = "";
	m.references = "";
	ck_assert_int_eq(store_msg_put(store, &m), 0);
}

static void
body(int64_t folder, uint32_t uid, const char *text)
{
	char	*err = NULL;

	ck_assert_msg(store_msg_body(store, folder, uid, text, strlen(text),
	    &err) == 0, "store_msg_body: %s", err);
}

static int64_t
sql_int(const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(store), sql, -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
open_store(void)
{
	char	*err = NULL;

	store = store_open("test", tmpdir, 0, &err);
	ck_assert_msg(store != NULL, "store_open: %s", err);
	ck_assert_int_eq(sqlite3_exec(store_db(store),
	    "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
}

static void
fts_setup(void)
{
	size_t	 i;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	open_store();
	ck_assert_int_eq(store_folder_put(store, "INBOX", '/', "inbox", 1, 0,
	    &inbox), 0);
	ck_assert_int_eq(store_folder_put(store, "Archive", '/', "archive", 1,
	    0, &archive), 0);
	for (i = 0; i < NMSGS; i++) {
		put(*msgs[i].folder, msgs[i].uid, msgs[i].date, msgs[i].from,
		    msgs[i].subject);
		if (msgs[i].body != NULL)
			body(*msgs[i].folder, msgs[i].uid, msgs[i].body);
	}
	/* The UI sets the tag; here, by hand. */
	ck_assert_int_eq(sqlite3_exec(store_db(store), "UPDATE messages SET "
	    "tagged = 1 WHERE uid IN (2, 101)", NULL, NULL, NULL), SQLITE_OK);
}

static void
fts_teardown(void)
{
	char	*cmd;

	store_close(store);
	store = NULL;
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(tmpdir, "/tmp/check_fts.XXXXXX");
}

static int
collect(const struct store_msg *m, const struct store_folder *f, void *arg)
{
	char	**s = arg, *t;

	(void)f;
	t = xasprintf("%s%s%u", *s, **s ? " " : "", m->uid);
	free(*s);
	*s = t;
	return 0;
}

/* The UIDs a query finds, sorted, as "1 2 3" ("" for none). */
static char *
run(const char *text)
{
	struct query	 q;
	char		*err = NULL, *s = xstrdup(""), *w, *out;
	unsigned	 u[64];
	size_t		 n = 0, i;
	int		 r;

	ck_assert_msg(query_compile(text, NOW, &q, &err) == 0, "'%s': %s",
	    text, err);
	r = query_run(store, &q, collect, &s, &err);
	ck_assert_msg(r >= 0, "'%s': %s", text, err);
	query_free(&q);
	for (w = strtok(s, " "); w != NULL && n < 64; w = strtok(NULL, " "))
		u[n++] = (unsigned)strtoul(w, NULL, 10);
	for (i = 1; i < n; i++) {		/* insertion sort */
		unsigned v = u[i];
		size_t	 j;

		for (j = i; j > 0 && u[j - 1] > v; j--)
			u[j] = u[j - 1];
		u[j] = v;
	}
	out = xstrdup("");
	for (i = 0; i < n; i++) {
		w = xasprintf("%s%s%u", out, i ? " " : "", u[i]);
		free(out);
		out = w;
	}
	free(s);
	return out;
}

static const struct {
	const char	*q;
	const char	*uids;
} run_tab[] = {
	/* German: case and umlauts folded; ß is its own letter */
	{ "body:grüße", "1" },
	{ "body:GRÜSSE", "" },
	{ "body:gruße", "1" },
	{ "body:grusse", "" },
	{ "body:koln", "1" },
	{ "body:KÖLN", "1" },
	{ "body:\"viele grüße\"", "1" },
	{ "body:\"grüße viele\"", "" },
	{ "body:straßenbahnhof", "1" },
	{ "body:strassenbahnhof", "" },
	{ "muller", "1" },			/* From, through FTS */
	{ "Müller", "1" },			/* From, LIKE as before */
	{ "koln", "1" },			/* subject and body */

	/* French, from ISO-8859-1: accents folded */
	{ "body:école", "2" },
	{ "body:ecole", "2" },
	{ "body:cafe", "2" },
	{ "body:ça", "2" },
	{ "body:\"ça sera à l'école\"", "2" },
	{ "body:\"a sera a\"", "" },
	{ "reunion", "2" },
	{ "body:réunion", "" },			/* only the subject has it */

	/* Japanese (base64 UTF-8): a word at the start of a run */
	{ "body:東京", "3" },
	{ "body:東京に行きます", "3" },
	{ "body:明日", "3" },
	{ "body:会議", "" },			/* inside a run: not found */
	{ "会議", "3" },			/* the subject, by LIKE */
	{ "body:大阪", "" },

	/* HTML through the built-in stripper; scripts are not text */
	{ "body:invoice", "4" },
	{ "body:\"invoice receipt\"", "4" },
	{ "body:secretscript", "" },
	{ "body:html", "" },
	{ "invoice", "4" },			/* a bare word finds bodies */

	/* attachments: the flag, and the file name is text */
	{ "has:attachment", "5" },
	{ "-has:attachment", "1 2 3 4 6 101 102" },	/* 101: unknown */
	{ "body:rechnung", "5" },
	{ "body:\"rechnung pdf\"", "5" },

	/* phrases, quotes, signature and AND OR NOT ( ) with body: */
	{ "body:\"quick brown\"", "6" },
	{ "body:\"brown quick\"", "" },
	{ "body:quick body:dog", "6" },
	{ "body:quick body:cat", "" },
	{ "body:quick OR body:invoice", "4 6" },
	{ "body:fox", "6 102" },		/* a quoted line counts */
	{ "body:fox -folder:Archive", "6" },
	{ "NOT body:fox", "1 2 3 4 5 101" },
	{ "(body:fox OR subject:Réunion) -body:lazy", "2 102" },
	{ "body:signature", "102" },
	{ "fox", "6 102" },

	/* FTS5 syntax typed by the user is text, never syntax */
	{ "body:NEAR", "6" },
	{ "body:\"\\\"NEAR\\\"\"", "6" },
	{ "body:\"NEAR(quick dog)\"", "" },
	{ "body:\"x^y\"", "6" },
	{ "body:^x", "6" },
	{ "body:qui*", "" },			/* no wildcard: a word */
	{ "body:*", "" },
	{ "body:\"*\"", "" },
	{ "body:z:", "6" },
	{ "body:\"(paren) OR\"", "6" },
	{ "body:\"quick) OR (dog\"", "" },
	{ "body:\"a\\\"b\"", "" },
	{ "body:\"body:fox\"", "" },
	{ "body:\"{subject} : fox\"", "" },
	{ "body:-quick", "6" },
	{ "\"\\\"\"", "" },			/* punctuation is no token */

	/* tags and dates */
	{ "is:tagged", "2 101" },
	{ "is:untagged body:fox", "6 102" },
	{ "date:2024-06-14", "1" },
	{ "date:2024-06-12", "3" },
	{ "date:2024-06-16", "" },
	{ "date:3d", "1 2 3" },
	{ "date:1w", "1 2 3 4 5 6" },
};
#define NRUN	(sizeof run_tab / sizeof run_tab[0])

START_TEST(test_run)
{
	char	*got = run(run_tab[_i].q);

	ck_assert_msg(strcmp(got, run_tab[_i].uids) == 0,
	    "'%s': got \"%s\", want \"%s\"", run_tab[_i].q, got,
	    run_tab[_i].uids);
	free(got);
}
END_TEST

/* More shapes for the paths: NOT, OR, parentheses, keys, dates. */
static const char *const paths_tab[] = {
	"*",
	"body:fox OR body:grüße OR body:東京",
	"-(body:fox OR body:invoice) folder:INBOX",
	"(body:quick OR body:signature) (folder:Archive OR is:tagged)",
	"NOT (body:fox body:quick) -is:tagged",
	"body:fox after:2024-05-01 before:2024-06-15",
	"date:1w OR body:fox",
	"is:read OR body:école",
	"larger:10 body:cafe OR muller",
	"koln OR report OR \"quick brown\"",
	"Grüße OR 会議 OR Zoé",
	"has:cached -body:fox",
	"body:fox body:fox OR body:fox",
	/* body: terms side by side are one FTS5 query (query.c) */
	"body:fox -body:quick",
	"body:quick -body:fox -body:invoice",
	"-body:fox -body:quick",
	"(body:fox OR body:東京) -body:lazy body:quick",
	"body:\"quick brown\" OR body:ça OR body:明日 OR body:grüße",
	"(body:fox body:dog) OR (body:invoice -body:order) OR body:nothing",
	"body:fox (body:quick OR fox) -(body:lazy body:dog)",
};

START_TEST(test_paths_run_tab)
{
	int64_t	 f[] = { inbox, archive };

	paths_agree(store, run_tab[_i].q, NOW, f, 2);
}
END_TEST

START_TEST(test_paths)
{
	int64_t	 f[] = { inbox, archive };

	paths_agree(store, paths_tab[_i], NOW, f, 2);
}
END_TEST

/*
 * Ids too large for a bitmap are kept sorted (query_fts.c): a message
 * whose id is past 2^29 is found, with the small ones, in order.
 */
START_TEST(test_paths_huge_id)
{
	int64_t	 f[] = { inbox, archive }, *ids;
	size_t	 n;
	struct query q;
	char	*err = NULL, *got;

	ck_assert_int_eq(sqlite3_exec(store_db(store), "UPDATE msg_fts SET "
	    "rowid = 1099511627776 WHERE rowid = (SELECT id FROM messages "
	    "WHERE uid = 102); UPDATE messages SET id = 1099511627776 WHERE "
	    "uid = 102", NULL, NULL, NULL), SQLITE_OK);
	got = run("body:fox");
	ck_assert_str_eq(got, "6 102");
	free(got);
	ck_assert_uint_eq(paths_agree(store, "body:fox", NOW, f, 2), 2);
	ck_assert_uint_eq(paths_agree(store, "fox OR body:grüße", NOW, f, 2),
	    3);
	ck_assert_int_eq(query_compile("body:fox", NOW, &q, &err), 0);
	ck_assert_int_eq(store_list_ids(store, archive, STORE_SORT_DATE, 1, &q,
	    0, &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], (int64_t)1099511627776LL);
	free(ids);
	query_free(&q);
}
END_TEST

/* Inside the caller's transaction a query reads what it wrote. */
START_TEST(test_paths_in_transaction)
{
	struct query q;
	int64_t	*ids;
	size_t	 n;
	char	*err = NULL;

	ck_assert_int_eq(query_compile("body:zanzibar OR body:fox", NOW, &q,
	    &err), 0);
	ck_assert_int_eq(store_begin(store), 0);
	put(inbox, 7, NOW, "z@example.com", "zz");
	body(inbox, 7, HDR("text/plain") "\r\nzanzibar\r\n");
	ck_assert_int_eq(store_list_ids(store, inbox, STORE_SORT_DATE, 1, &q,
	    0, &ids, &n), 0);
	ck_assert_uint_eq(n, 2);		/* 7, then 6 */
	free(ids);
	ck_assert_int_eq(store_commit(store), 0);
	ck_assert_int_eq(store_list_ids(store, 0, STORE_SORT_DATE, 1, &q,
	    0, &ids, &n), 0);
	ck_assert_uint_eq(n, 3);
	free(ids);
	query_free(&q);
}
END_TEST

/*
 * A searching connection keeps 16 MB of pages, so a search does not
 * re-read the table from the kernel; a larger cache stays.
 */
START_TEST(test_search_cache)
{
	char	*got;

	ck_assert_int_eq(sql_int("PRAGMA cache_size"), -2000);
	got = run("body:fox");
	ck_assert_str_eq(got, "6 102");
	free(got);
	ck_assert_int_eq(sql_int("PRAGMA cache_size"), -16384);
	ck_assert_int_eq(sqlite3_exec(store_db(store), "PRAGMA cache_size = "
	    "-32768", NULL, NULL, NULL), SQLITE_OK);
	got = run("fox");
	ck_assert_str_eq(got, "6 102");
	free(got);
	ck_assert_int_eq(sql_int("PRAGMA cache_size"), -32768);
}
END_TEST

/* Every message has exactly one index row, and every row a message. */
static void
assert_in_step(void)
{
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM msg_fts"),
	    sql_int("SELECT COUNT(*) FROM messages"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM msg_fts WHERE rowid "
	    "NOT IN (SELECT id FROM messages)"), 0);
}

START_TEST(test_in_step)
{
	char	*got;

	assert_in_step();
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM messages WHERE "
	    "cached <> 0 AND indexed <> 3"), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM messages WHERE "
	    "(indexed & 3) NOT IN (1, 3)"), 0);

	/* Removed (expunged): its text goes with it. */
	ck_assert_int_eq(store_msg_remove(store, inbox, 6), 0);
	assert_in_step();
	got = run("body:fox");
	ck_assert_str_eq(got, "102");
	free(got);

	/* Pruned. */
	ck_assert_int_eq(store_msg_prune(store, archive, NOW), 0);
	assert_in_step();
	got = run("fox");
	ck_assert_str_eq(got, "");
	free(got);

	/* Headers changed: found by the new ones, the body kept. */
	put(inbox, 1, NOW - DAY, "Hans <hans@example.de>", "Neue Betreff");
	assert_in_step();
	got = run("hans");
	ck_assert_str_eq(got, "1");
	free(got);
	got = run("muller");
	ck_assert_str_eq(got, "");
	free(got);
	got = run("body:koln betreff");
	ck_assert_str_eq(got, "1");
	free(got);
	/* The same headers again (a resync): nothing rewritten. */
	put(inbox, 1, NOW - DAY, "Hans <hans@example.de>", "Neue Betreff");
	ck_assert_int_eq(sql_int("SELECT indexed FROM messages WHERE "
	    "uid = 1"), 3);

	/* A body cached again replaces the old text. */
	body(inbox, 1, "Subject: x\r\n\r\nganz anderer Text\r\n");
	got = run("body:koln");
	ck_assert_str_eq(got, "");
	free(got);
	got = run("body:anderer");
	ck_assert_str_eq(got, "1");
	free(got);
	assert_in_step();

	/* A folder forgotten. */
	ck_assert_int_eq(store_folder_forget(store, inbox), 0);
	assert_in_step();
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM msg_fts"), 0);

	/* A reused id gets a fresh row, not the old one's text. */
	put(archive, 500, NOW, "new@example.com", "Fresh");
	assert_in_step();
	got = run("body:anderer OR body:fox OR body:koln");
	ck_assert_str_eq(got, "");
	free(got);
}
END_TEST

/*
 * New rows reach msg_fts at the commit (store_fts.c says why): found
 * after it, gone with a rollback, and a put on its own commits too.
 */
START_TEST(test_commit_rollback)
{
	char	*got;

	ck_assert_int_eq(store_begin(store), 0);
	put(inbox, 50, NOW, "Šárka <s@example.cz>", "one");
	store_rollback(store);
	assert_in_step();
	got = run("sarka");
	ck_assert_str_eq(got, "");
	free(got);

	ck_assert_int_eq(store_begin(store), 0);
	put(inbox, 51, NOW, "Šárka <s@example.cz>", "two");
	put(inbox, 52, NOW, "Ondřej <o@example.cz>", "three");
	ck_assert_int_eq(store_msg_remove(store, inbox, 52), 0);
	ck_assert_int_eq(store_commit(store), 0);
	assert_in_step();
	got = run("sarka OR ondrej");
	ck_assert_str_eq(got, "51");
	free(got);

	put(inbox, 53, NOW, "Šárka <s2@example.cz>", "four");
	assert_in_step();
	got = run("sarka");
	ck_assert_str_eq(got, "51 53");
	free(got);
}
END_TEST

/* At most STORE_FTS_TEXT_MAX bytes of a body are indexed. */
START_TEST(test_bounded)
{
	size_t	 n = STORE_FTS_TEXT_MAX + STORE_FTS_TEXT_MAX / 4, len;
	char	*m = xmalloc(n + 200), *got;

	len = (size_t)sprintf(m, "Subject: big\r\n\r\nneedlestart ");
	while (len < n) {
		memcpy(m + len, "filler words here\r\n", 19);
		len += 19;
	}
	len += (size_t)sprintf(m + len, "needleatend\r\n");
	put(inbox, 7, NOW, "big@example.com", "big");
	ck_assert_int_eq(store_msg_body(store, inbox, 7, m, len, NULL), 0);
	got = run("body:needlestart");
	ck_assert_str_eq(got, "7");
	free(got);
	got = run("body:needleatend");
	ck_assert_str_eq(got, "");
	free(got);
	ck_assert_int_le(sql_int("SELECT MAX(LENGTH(CAST(body AS BLOB))) "
	    "FROM msg_fts"), STORE_FTS_TEXT_MAX);
	free(m);
}
END_TEST

/*
 * A maildir account's rows name files the store did not write; an
 * index from version 3 has cached bodies and no msg_fts.  Both are
 * caught up by store_fts_catch_up().
 */
START_TEST(test_upgrade_and_catch_up)
{
	char	*got, *path, *dir;
	FILE	*fp;

	/* Back to version 3: what versions 4 to 6 added, removed. */
	ck_assert_int_eq(sqlite3_exec(store_db(store),
	    "DROP INDEX messages_cached; DROP TABLE server_hits; "
	    "DROP INDEX messages_unindexed; DROP TABLE msg_fts; "
	    "ALTER TABLE messages DROP COLUMN tagged; "
	    "ALTER TABLE messages DROP COLUMN attach; "
	    "ALTER TABLE messages DROP COLUMN indexed; "
	    "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	store_close(store);
	open_store();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 7);
	assert_in_step();
	/* Headers at once (through FTS: diacritics folded), bodies not. */
	got = run("muller");
	ck_assert_str_eq(got, "1");
	free(got);
	got = run("body:fox");
	ck_assert_str_eq(got, "");
	free(got);
	got = run("has:attachment");
	ck_assert_str_eq(got, "");
	free(got);

	/* A file another program put there (a maildir account). */
	put(inbox, 9, NOW, "local@example.com", "local");
	dir = xasprintf("%s/mail/INBOX/cur", tmpdir);
	path = xasprintf("%s/local:2,S", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs("Subject: local\n\nfrom the local tree, a walrus\n", fp);
	fclose(fp);
	ck_assert_int_eq(sqlite3_exec(store_db(store), "UPDATE messages SET "
	    "cached = 1, file = 'cur/local:2,S' WHERE uid = 9", NULL, NULL,
	    NULL), SQLITE_OK);
	/* And one whose file is gone: done, not retried forever. */
	ck_assert_int_eq(sqlite3_exec(store_db(store), "UPDATE messages SET "
	    "file = 'cur/gone:2,' WHERE uid = 2", NULL, NULL, NULL), SQLITE_OK);

	ck_assert_int_eq(store_fts_catch_up(store, 2), 6);
	ck_assert_int_eq(store_fts_catch_up(store, 1000), 0);
	ck_assert_int_eq(store_fts_catch_up(store, 1000), 0);
	assert_in_step();
	got = run("body:fox");
	ck_assert_str_eq(got, "6 102");
	free(got);
	got = run("body:walrus");
	ck_assert_str_eq(got, "9");
	free(got);
	got = run("body:ecole");
	ck_assert_str_eq(got, "");
	free(got);
	got = run("has:attachment");
	ck_assert_str_eq(got, "5");
	free(got);
	free(path);
	free(dir);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("fts");
	TCase	*tc;

	tc = tcase_create("fts");
	tcase_add_checked_fixture(tc, fts_setup, fts_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_run, 0, NRUN);
	tcase_add_test(tc, test_in_step);
	tcase_add_test(tc, test_commit_rollback);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_upgrade_and_catch_up);
	tcase_add_loop_test(tc, test_paths_run_tab, 0, NRUN);
	tcase_add_loop_test(tc, test_paths, 0,
	    sizeof paths_tab / sizeof paths_tab[0]);
	tcase_add_test(tc, test_paths_huge_id);
	tcase_add_test(tc, test_paths_in_transaction);
	tcase_add_test(tc, test_search_cache);
	suite_add_tcase(s, tc);
	return s;
}
