/*
 * check_query.c - unit tests for src/store/query.c, the search
 * language: which queries are refused and why (table-driven), that
 * user text never becomes SQL, and which messages each query finds in
 * a real store (store_open in a temporary directory) filled with
 * messages of chosen flags, dates, addresses and subjects.  The
 * limits (length, nesting, size of the SQL) are pushed to their ends
 * and fuzzed.  Every query of the run table is also answered every
 * way the store can (whole lists scanned or walked, a screenful, thread
 * keys, query_run) and must find the same messages in the same order
 * as the SQL of before (tests/query_paths.h).  Which columns a query
 * reads (struct query's scan) is checked per key.  Single-threaded,
 * like every caller of query_run.
 */
#include <check.h>
#include <limits.h>
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

/* 2024-06-15 12:00:00 UTC, the "now" of every test. */
#define NOW	((time_t)1718452800)
#define DAY	86400

/*
 * UTC seconds of y-m-d 00:00 as a constant expression, for the tables
 * (H. Hinnant's days_from_civil; test_dates checks it against timegm).
 */
#define Y_(y, m)	((y) - ((m) <= 2))
#define ERA_(y, m)	((Y_(y, m) >= 0 ? Y_(y, m) : Y_(y, m) - 399) / 400)
#define YOE_(y, m)	(Y_(y, m) - ERA_(y, m) * 400)
#define DOY_(m, d)	((153 * ((m) + ((m) > 2 ? -3 : 9)) + 2) / 5 + (d) - 1)
#define DOE_(y, m, d)	(YOE_(y, m) * 365 + YOE_(y, m) / 4 - \
			    YOE_(y, m) / 100 + DOY_(m, d))
#define D(y, m, d)	((int64_t)(ERA_(y, m) * 146097 + DOE_(y, m, d) - \
			    719468) * DAY)
#define DT(y, m, d, H, M, S) (D(y, m, d) + (H) * 3600 + (M) * 60 + (S))

START_TEST(test_dates)
{
	static const int days[][3] = {
		{ 1970, 1, 1 }, { 1900, 3, 1 }, { 2000, 2, 29 },
		{ 2023, 12, 31 }, { 2024, 2, 29 }, { 2024, 6, 15 },
	};
	struct tm	 tm;
	size_t		 i;

	ck_assert_int_eq(DT(2024, 6, 15, 12, 0, 0), (int64_t)NOW);
	for (i = 0; i < sizeof days / sizeof days[0]; i++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = days[i][0] - 1900;
		tm.tm_mon = days[i][1] - 1;
		tm.tm_mday = days[i][2];
		ck_assert_int_eq(D(days[i][0], days[i][1], days[i][2]),
		    (int64_t)timegm(&tm));
	}
}
END_TEST

/* ---- what query_compile refuses, and why ---- */

static const struct {
	const char	*q;
	const char	*err;		/* substring of the error; NULL: ok */
} compile_tab[] = {
	{ "*", NULL },
	{ "* -is:deleted", NULL },
	{ "hello", NULL },
	{ "two words", NULL },
	{ "\"two words\"", NULL },
	{ "subject:\"two words\"", NULL },
	{ "subject:\"say \\\"hi\\\"\"", NULL },
	{ "a OR b", NULL },
	{ "a AND b", NULL },
	{ "NOT a", NULL },
	{ "-a", NULL },
	{ "-(a OR b) c", NULL },
	{ "((a))", NULL },
	{ "a (b OR c) -(d e)", NULL },
	{ "foo-bar", NULL },
	{ "12:30", NULL },
	{ "\"re:hello\"", NULL },
	{ "\"OR\"", NULL },
	{ "or and not", NULL },
	{ "From:alice SUBJECT:x Is:Unread", NULL },
	{ "folder:INBOX", NULL },
	{ "folder:\"My Folder\"", NULL },
	{ "is:unread is:read is:flagged is:unflagged", NULL },
	{ "is:answered is:draft is:deleted has:cached", NULL },
	{ "after:2024-02-29 before:2025-01-01", NULL },
	{ "after:7d before:2w after:3m after:1y after:0d", NULL },
	{ "larger:10 smaller:10k larger:2M", NULL },
	{ "100% under_score back\\slash", NULL },
	{ "body:word body:\"a phrase\" -body:x", NULL },
	{ "has:attachment has:ATTACHMENT is:tagged is:untagged", NULL },
	{ "date:2024-02-29 date:7d DATE:1w", NULL },
	{ "body:\"NEAR(a b)\" body:a* body:^x body:x:y \"a\\\"b\"", NULL },
	{ "\t a \n", NULL },

	{ "", "empty query (use * for everything)" },
	{ "   \t ", "empty query (use * for everything)" },
	{ "()", "empty parentheses at position 1" },
	{ "a ( )", "empty parentheses at position 3" },
	{ "(a", "unbalanced '(' at position 1" },
	{ "a (b (c)", "unbalanced '(' at position 3" },
	{ "a)", "unbalanced ')' at position 2" },
	{ ") a", "unbalanced ')' at position 1" },
	{ "(a) b)", "unbalanced ')' at position 6" },
	{ "\"abc", "unbalanced '\"' at position 1" },
	{ "subject:\"abc", "unbalanced '\"' at position 9" },
	{ "ab\"c\"", "'\"' inside a word at position 3" },
	{ "\"a\"b", "after a closing quote at position 4" },
	{ "\"\"", "empty quotes at position 1" },
	{ "OR a", "'OR' at position 1 must follow a term" },
	{ "a OR", "'OR' at position 3 must be followed by a term" },
	{ "a OR OR b", "'OR' at position 3 must be followed by a term" },
	{ "(a OR) b", "'OR' at position 4 must be followed by a term" },
	{ "AND a", "'AND' at position 1 must follow a term" },
	{ "a AND", "'AND' at position 3 must be followed by a term" },
	{ "NOT", "'NOT' at position 1 must be followed by a term" },
	{ "a NOT OR b", "'NOT' at position 3 must be followed by a term" },
	{ "a -", "'-' at position 3 must be followed by a term" },
	{ "- a", "'-' at position 1 must be followed by a term" },
	{ "(-)", "'-' at position 2 must be followed by a term" },
	{ "éé )", "unbalanced ')' at position 4" },	/* characters */
	{ "foo:bar", "unknown search key 'foo:' (known: folder: from: to: "
	    "cc: subject: body: is: has: after: before: date: larger: "
	    "smaller: server:)" },
	{ "re:hello", "unknown search key 're:'" },
	{ "http://x", "unknown search key 'http:'" },
	{ "from:", "empty value for from: at position 1" },
	{ "a from:\"\"", "empty value for from: at position 3" },
	{ "subject:", "empty value for subject:" },
	{ "folder:", "empty value for folder:" },
	{ "is:", "empty value for is:" },
	{ "is:unseen", "unknown value 'is:unseen' (known: is:unread" },
	{ "has:attachments", "unknown value 'has:attachments' (known: "
	    "has:cached has:attachment)" },
	{ "is:tag", "unknown value 'is:tag'" },
	{ "body:", "empty value for body:" },
	{ "body:\"\"", "empty value for body:" },
	{ "date:yesterday", "bad date 'yesterday' for date:" },
	{ "date:2024-02-30", "bad date '2024-02-30' for date:" },
	{ "server:", "empty value for server: at position 1" },
	{ "after:yesterday", "bad date 'yesterday' for after: at position 1" },
	{ "before:2024-13-01", "bad date '2024-13-01' for before:" },
	{ "after:2023-02-29", "bad date '2023-02-29'" },
	{ "after:2024-04-31", "bad date '2024-04-31'" },
	{ "after:2024-1-5", "bad date '2024-1-5'" },
	{ "after:2024-01-00", "bad date" },
	{ "after:7", "bad date '7'" },
	{ "after:d", "bad date 'd'" },
	{ "after:7h", "bad date '7h'" },
	{ "after:-7d", "bad date '-7d'" },
	{ "after:99999999d", "bad date" },
	{ "larger:", "empty value for larger:" },
	{ "larger:big", "bad size 'big' for larger:" },
	{ "smaller:10G", "bad size '10G' for smaller:" },
	{ "larger:k", "bad size 'k'" },
	{ "larger:9999999999999M", "bad size" },
};

START_TEST(test_compile)
{
	struct query	 q;
	char		*err = NULL;
	int		 rc;

	rc = query_compile(compile_tab[_i].q, NOW, &q, &err);
	if (compile_tab[_i].err == NULL) {
		ck_assert_msg(rc == 0, "'%s': %s", compile_tab[_i].q, err);
		ck_assert_ptr_nonnull(q.where);
		ck_assert_ptr_null(err);
	} else {
		ck_assert_msg(rc == -1, "'%s' compiled", compile_tab[_i].q);
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err, compile_tab[_i].err) != NULL,
		    "'%s': got \"%s\", want \"%s\"", compile_tab[_i].q, err,
		    compile_tab[_i].err);
		ck_assert_ptr_null(q.where);
		ck_assert_uint_eq(q.nparams, 0);
	}
	query_free(&q);
	free(err);
}
END_TEST

/* User text only ever reaches SQLite as a bound parameter. */
static const char *const hostile[] = {
	"subject:\"'; DROP TABLE messages; --\"",
	"\"') OR 1=1 OR ('\"",
	"from:x'y folder:\"a' OR '1\"",
	"?1 ?2 ? :name @x $y",
	"folder:\"\\\"\" subject:\\",
};

START_TEST(test_no_user_text_in_sql)
{
	struct query	 q;
	char		*err = NULL;
	const char	*s;
	size_t		 marks = 0;

	ck_assert_int_eq(query_compile(hostile[_i], NOW, &q, &err), 0);
	ck_assert_ptr_null(strstr(q.where, "DROP"));
	ck_assert_ptr_null(strstr(q.where, "1=1"));
	ck_assert_ptr_null(strstr(q.where, ":name"));
	/* The only quoted SQL text is ESCAPE '\'. */
	for (s = q.where; (s = strchr(s, '\'')) != NULL; s += 3)
		ck_assert_msg(strncmp(s, "'\\'", 3) == 0, "%s", q.where);
	for (s = q.where; *s != '\0'; s++)
		marks += *s == '?';
	ck_assert_uint_eq(marks, q.nparams);
	query_free(&q);
}
END_TEST

START_TEST(test_params)
{
	struct query	 q;
	char		*err = NULL;
	size_t		 i;
	int		 found = 0;

	/* LIKE patterns escape % _ and \ and carry the text unchanged. */
	ck_assert_int_eq(query_compile("subject:\"50%_a\\\\b\"", NOW, &q,
	    &err), 0);
	ck_assert_uint_eq(q.nparams, 1);
	ck_assert_int_eq(q.params[0].is_int, 0);
	ck_assert_str_eq(q.params[0].s, "%50\\%\\_a\\\\b%");
	query_free(&q);

	/* Relative dates count back from the given now. */
	ck_assert_int_eq(query_compile("after:2w", NOW, &q, &err), 0);
	ck_assert_uint_eq(q.nparams, 1);
	ck_assert_int_eq(q.params[0].is_int, 1);
	ck_assert_int_eq(q.params[0].i, (int64_t)NOW - 14 * DAY);
	query_free(&q);

	ck_assert_int_eq(query_compile("before:1900-03-01 larger:3k", NOW,
	    &q, &err), 0);
	for (i = 0; i < q.nparams; i++) {
		ck_assert_int_eq(q.params[i].is_int, 1);
		found += q.params[i].i == D(1900, 3, 1);
		found += q.params[i].i == 3 * 1024;
	}
	ck_assert_int_eq(found, 2);
	query_free(&q);

	/* query_free on a zeroed or freed query is a no-op. */
	query_free(&q);
	query_free(NULL);
	ck_assert_ptr_null(err);
}
END_TEST

/*
 * The FTS string is NUL-terminated before it is scanned for CJK (found
 * by the AddressSanitizer pass of make check: has_cjk() read the
 * unwritten rest of the buffer).  A freed block of the same size full
 * of CJK bytes is what malloc hands back next, so a scan past the end
 * adds a prefix '*' that the text does not ask for.
 */
START_TEST(test_fts_string_terminated)
{
	struct query	 q;
	char		*err = NULL, *junk;
	size_t		 i, n = strlen("body : ") + 2 * 12 + 8;

	junk = malloc(n);
	for (i = 0; i + 3 <= n; i += 3)
		memcpy(junk + i, "\xe4\xb8\x80", 3);
	while (i < n)
		junk[i++] = '\xe4';
	free(junk);
	ck_assert_int_eq(query_compile("body:abcdefghijkl", NOW, &q, &err), 0);
	ck_assert_uint_eq(q.nparams, 1);
	ck_assert_str_eq(q.params[0].s, "body : \"abcdefghijkl\"");
	query_free(&q);
	ck_assert_int_eq(query_compile("body:\xe4\xb8\x80", NOW, &q, &err), 0);
	ck_assert_str_eq(q.params[0].s, "body : \"\xe4\xb8\x80\"*");
	query_free(&q);
}
END_TEST

/* Builds nested ( or NOT, n levels deep around a term. */
static char *
nest(const char *open, const char *close, int n, const char *mid)
{
	size_t	 lo = strlen(open), lc = strlen(close), lm = strlen(mid);
	char	*s = malloc(n * (lo + lc) + lm + 1), *p = s;
	int	 i;

	for (i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

START_TEST(test_limits)
{
	struct query	 q;
	char		*err = NULL, *s;

	/* Exactly 4096 bytes compile; one more is refused. */
	s = malloc(4098);
	memset(s, 'a', 4097);
	s[4096] = '\0';
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), 0);
	query_free(&q);
	s[4096] = 'a';
	s[4097] = '\0';
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	ck_assert_str_eq(err, "query too long (4097 bytes, at most 4096)");
	free(s);
	free(err);
	err = NULL;

	/* 32 levels are fine, the 33rd is refused, 2000 are no crash. */
	s = nest("(", ")", 32, "a");
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), 0);
	query_free(&q);
	free(s);
	s = nest("(", ")", 33, "a");
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply at position 33"));
	free(s);
	s = nest("-", "", 33, "a");
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	free(s);
	s = nest("NOT (", ")", 17, "a");
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	free(s);
	s = nest("(", ")", 2000, "a");
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	free(s);
	s = nest("(", "", 2000, "a");
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	free(s);
	free(err);

	/* An error quotes at most a short piece of a long value. */
	err = NULL;
	s = malloc(2100);
	strcpy(s, "after:");
	memset(s + 6, '9', 2000);
	s[2006] = '\0';
	ck_assert_int_eq(query_compile(s, NOW, &q, &err), -1);
	ck_assert_uint_lt(strlen(err), 200);
	free(s);
	free(err);
}
END_TEST

/* ---- what each query finds in a store ---- */

static char		 tmpdir[] = "/tmp/check_query.XXXXXX";
static struct store	*store;
static int64_t		 inbox, archive, drafts;

struct fixture {
	int64_t		*folder;
	uint32_t	 uid;
	unsigned	 flags;
	int64_t		 date;
	int64_t		 internaldate;
	int64_t		 size;
	const char	*from, *to, *cc, *subject;
	int		 cached;
};

/*
 * UIDs are unique across folders so that a UID names one message:
 * INBOX 1-10, Archive 101-103, Entwürfe 201.
 */
static const struct fixture msgs[] = {
	{ &inbox, 1, FLAG_SEEN, DT(2024, 6, 14, 9, 0, 0), 0, 2000,
	    "Alice Example <alice@example.com>", "bob@example.org", "",
	    "Quarterly report", 1 },
	{ &inbox, 2, 0, DT(2024, 6, 13, 8, 0, 0), 0, 50000,
	    "bob@example.org", "alice@example.com", "carol@example.net",
	    "Re: Quarterly report", 0 },
	{ &inbox, 3, FLAG_SEEN | FLAG_FLAGGED, D(2024, 6, 1), 0, 3000,
	    "carol@example.net", "team@example.com", "", "100% done", 0 },
	{ &inbox, 4, FLAG_SEEN | FLAG_ANSWERED, D(2024, 5, 1), 0,
	    2 * 1024 * 1024 + 1, "dave@example.com", "alice@example.com", "",
	    "file_name.txt attached", 1 },
	{ &inbox, 5, 0, 0, DT(2024, 6, 10, 7, 0, 0), 1024,
	    "eve@evil.example", "alice@example.com", "", "100 percent free",
	    0 },
	{ &inbox, 6, FLAG_SEEN | FLAG_DELETED, DT(2023, 12, 31, 23, 59, 59),
	    DT(2024, 6, 14, 10, 0, 0), 512, "Frank <frank@example.com>",
	    "alice@example.com", "bob@example.org", "Lunch on Friday?", 0 },
	{ &inbox, 7, FLAG_SEEN, D(2024, 1, 1), 0, 700, "alice@example.com",
	    "frank@example.com", "", "C:\\path\\file", 0 },
	{ &inbox, 8, 0, DT(2024, 6, 15, 11, 0, 0), 0, 100,
	    "gina@example.com", "alice@example.com", "", "two words here", 0 },
	{ &inbox, 9, FLAG_FLAGGED, D(2024, 3, 1), 0, 4096, "hal@example.com",
	    "list@example.com", "", "words two", 0 },
	{ &inbox, 10, FLAG_SEEN, D(2022, 6, 15), 0, 10, "ivan@example.com",
	    "list@example.com", "", "OR and NOT file-name", 0 },
	{ &archive, 101, FLAG_SEEN, D(2024, 4, 1), 0, 1500,
	    "alice@example.com", "team@example.com", "",
	    "Quarterly report Q1", 0 },
	{ &archive, 102, FLAG_SEEN, D(2020, 1, 1), 0, 200, "bob@example.org",
	    "team@example.com", "", "Old stuff", 0 },
	{ &archive, 103, 0, D(2024, 6, 12), 0, 300, "zed@example.com",
	    "team@example.com", "", "Unread in archive", 0 },
	{ &drafts, 201, FLAG_SEEN | FLAG_DRAFT, DT(2024, 6, 15, 10, 0, 0), 0,
	    1200, "alice@example.com", "bob@example.org", "", "Draft reply",
	    0 },
};
#define NMSGS	(sizeof msgs / sizeof msgs[0])

static void
store_setup(void)
{
	struct store_msg m;
	char		*err = NULL;
	size_t		 i;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	store = store_open("test", tmpdir, 0, &err);
	ck_assert_msg(store != NULL, "store_open: %s", err);
	/* A fresh store per test: durability would only cost time. */
	ck_assert_int_eq(sqlite3_exec(store_db(store),
	    "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_folder_put(store, "INBOX", '/', "inbox", 1, 0,
	    &inbox), 0);
	ck_assert_int_eq(store_folder_put(store, "Archive", '/', "archive", 1,
	    0, &archive), 0);
	ck_assert_int_eq(store_folder_put(store, "Entw&APw-rfe", '/',
	    "drafts", 1, 0, &drafts), 0);
	for (i = 0; i < NMSGS; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = *msgs[i].folder;
		m.uid = msgs[i].uid;
		m.flags = msgs[i].flags;
		m.keywords = "";
		m.date = msgs[i].date;
		m.internaldate = msgs[i].internaldate ? msgs[i].internaldate :
		    msgs[i].date + 60;
		m.size = msgs[i].size;
		m.from = (char *)msgs[i].from;
		m.to = (char *)msgs[i].to;
		m.cc = (char *)msgs[i].cc;
		m.subject = (char *)msgs[i].subject;
		m.message_id = "";
		m.in_reply_to = "";
		m.references = "";
		ck_assert_int_eq(store_msg_put(store, &m), 0);
		if (msgs[i].cached)
			ck_assert_msg(store_msg_body(store, m.folder_id, m.uid,
			    "Subject: x\r\n\r\nbody\r\n", 20, &err) == 0,
			    "store_msg_body: %s", err);
	}
	/* What server: searches found (the server's answer, stored). */
	{
		struct store_hit inv[] = { { 0, 3 }, { 0, 101 }, { 0, 999 } };
		struct store_hit gr[] = { { 0, 201 } };

		inv[0].folder_id = inbox;
		inv[1].folder_id = archive;
		inv[2].folder_id = inbox;	/* outside the window: no row */
		gr[0].folder_id = drafts;
		ck_assert_int_eq(store_hits_set(store, "invoice", inv, 3), 0);
		ck_assert_int_eq(store_hits_set(store, "Grüße", gr, 1), 0);
		ck_assert_int_eq(store_hits_set(store, "nothing", NULL, 0), 0);
	}
}

static void
store_teardown(void)
{
	char	*cmd;

	store_close(store);
	store = NULL;
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(tmpdir, "/tmp/check_query.XXXXXX");
}

struct found {
	uint32_t	 uid[64];
	size_t		 n;
	size_t		 stop;		/* cb returns 1 at this match; 0: never */
	int		 folders_ok;
};

static int
collect(const struct store_msg *m, const struct store_folder *f, void *arg)
{
	struct found	*fd = arg;

	if (fd->n < 64)
		fd->uid[fd->n] = m->uid;
	fd->n++;
	/* The folder row comes with the message, counted like store_folders(). */
	if (f->id != m->folder_id || f->total < 1 || f->unread < 0 ||
	    f->unread > f->total)
		fd->folders_ok = 0;
	return fd->stop != 0 && fd->n == fd->stop;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The sorted UIDs a query finds, as "1 2 3" ("" for none). */
static char *
run(const char *text)
{
	struct query	 q;
	struct found	 fd;
	char		*err = NULL, *s, *t;
	size_t		 i;
	int		 n;

	ck_assert_msg(query_compile(text, NOW, &q, &err) == 0, "'%s': %s",
	    text, err);
	memset(&fd, 0, sizeof fd);
	fd.folders_ok = 1;
	n = query_run(store, &q, collect, &fd, &err);
	ck_assert_msg(n >= 0, "'%s': %s", text, err);
	ck_assert_int_eq((size_t)n, fd.n);
	ck_assert(fd.folders_ok);
	query_free(&q);
	qsort(fd.uid, fd.n, sizeof fd.uid[0], uid_cmp);
	s = xstrdup("");
	for (i = 0; i < fd.n; i++) {
		t = xasprintf("%s%s%u", s, i ? " " : "", fd.uid[i]);
		free(s);
		s = t;
	}
	return s;
}

static const struct {
	const char	*q;
	const char	*uids;
} run_tab[] = {
	{ "*", "1 2 3 4 5 6 7 8 9 10 101 102 103 201" },
	{ "* -is:deleted", "1 2 3 4 5 7 8 9 10 101 102 103 201" },

	/* folders: INBOX in any case, other names exact, raw names too */
	{ "folder:INBOX", "1 2 3 4 5 6 7 8 9 10" },
	{ "folder:inbox", "1 2 3 4 5 6 7 8 9 10" },
	{ "folder:Archive", "101 102 103" },
	{ "folder:archive", "" },
	{ "folder:Archiv", "" },
	{ "folder:Entwürfe", "201" },
	{ "folder:Entw&APw-rfe", "201" },
	{ "NOT folder:INBOX", "101 102 103 201" },
	{ "folder:INBOX OR folder:Archive is:unread", "1 2 3 4 5 6 7 8 9 10 "
	    "103" },

	/* flags */
	{ "is:unread", "2 5 8 9 103" },
	{ "is:UNREAD", "2 5 8 9 103" },
	{ "is:read", "1 3 4 6 7 10 101 102 201" },
	{ "is:flagged", "3 9" },
	{ "is:unflagged", "1 2 4 5 6 7 8 10 101 102 103 201" },
	{ "is:answered", "4" },
	{ "is:draft", "201" },
	{ "is:deleted", "6" },
	{ "has:cached", "1 4" },
	{ "-has:cached is:flagged", "3 9" },

	/* addresses and subjects: substrings, ASCII case ignored */
	{ "from:alice", "1 7 101 201" },
	{ "FROM:ALICE", "1 7 101 201" },
	{ "from:example.org", "2 102" },
	{ "to:bob", "1 6 201" },		/* To or Cc */
	{ "cc:bob", "6" },
	{ "cc:carol", "2" },
	{ "to:alice cc:bob", "6" },
	{ "subject:report", "1 2 101" },
	{ "Subject:REPORT", "1 2 101" },
	{ "subject:Re:", "2" },
	{ "report -subject:Re:", "1 101" },
	{ "subject:friday?", "6" },
	{ "alice", "1 2 4 5 6 7 8 101 201" },	/* Subject, From or To */
	{ "carol", "3" },			/* not Cc */

	/* quoted phrases, and words that look like operators */
	{ "\"two words\"", "8" },
	{ "two words", "8 9" },
	{ "subject:\"two words\"", "8" },
	{ "subject:\"words two\"", "9" },
	{ "\"NOT\"", "10" },
	{ "\"OR and NOT\"", "10" },

	/* LIKE wildcards in the user's text are plain characters */
	{ "%", "3" },
	{ "subject:\"100%\"", "3" },
	{ "100", "3 5" },
	{ "_", "4" },
	{ "subject:file_name", "4" },
	{ "subject:file-name", "10" },
	{ "subject:C:\\path\\file", "7" },
	{ "\\", "7" },

	/* OR, NOT, parentheses, precedence NOT > AND > OR */
	{ "report OR lunch", "1 2 6 101" },
	{ "(from:alice OR from:bob) is:unread", "2" },
	{ "from:alice OR from:bob is:unread", "1 2 7 101 201" },
	{ "from:alice OR from:bob AND is:unread", "1 2 7 101 201" },
	{ "is:flagged OR is:answered OR is:draft", "3 4 9 201" },
	{ "NOT (is:read OR is:flagged)", "2 5 8 103" },
	{ "-is:read -is:flagged", "2 5 8 103" },
	{ "-(-is:flagged)", "3 9" },
	{ "NOT NOT NOT is:read", "2 5 8 9 103" },
	{ "(is:unread OR is:flagged) (folder:Archive OR after:2024-06-13)",
	    "2 8 103" },
	{ "-(folder:INBOX OR folder:Archive) OR is:answered", "4 201" },
	{ "((((((report))))))", "1 2 101" },

	/* absolute dates: 00:00 UTC, after inclusive, before exclusive */
	{ "after:2024-06-01", "1 2 3 5 8 103 201" },
	{ "before:2024-01-01", "6 10 102" },
	{ "after:2024-01-01 before:2024-06-01", "4 7 9 101" },
	{ "after:2024-06-10 before:2024-06-11", "5" },	/* no Date: */
	{ "after:2024-06-14 before:2024-06-15", "1" },	/* Date: wins */
	{ "after:2024-02-29 before:2024-03-02", "9" },
	{ "before:1970-01-01", "" },

	/* relative dates, from now = 2024-06-15 12:00 UTC */
	{ "after:1d", "8 201" },
	{ "after:1w", "1 2 5 8 103 201" },
	{ "after:1m", "1 2 3 5 8 103 201" },
	{ "before:2w", "3 4 6 7 9 10 101 102" },
	{ "before:1y", "10 102" },
	{ "after:0d", "" },

	/* server: the stored answer of the server's SEARCH for the text */
	{ "server:invoice", "3 101" },
	{ "server:\"invoice\"", "3 101" },
	{ "server:invoice is:flagged", "3" },
	{ "server:invoice folder:Archive", "101" },
	{ "folder:Archive server:invoice", "101" },
	{ "server:invoice OR is:draft", "3 101 201" },
	{ "-server:invoice folder:Archive", "102 103" },
	{ "server:Grüße", "201" },
	{ "server:nothing", "" },
	{ "server:never-asked", "" },
	{ "server:INVOICE", "" },	/* another text, never asked */

	/* sizes: strictly larger / smaller */
	{ "larger:1M", "4" },
	{ "larger:2048k", "4" },
	{ "smaller:1k", "6 7 8 10 102 103" },
	{ "smaller:1024", "6 7 8 10 102 103" },
	{ "larger:1023 smaller:1025", "5" },
	{ "larger:1k smaller:2k", "1 101 201" },
};

START_TEST(test_run)
{
	char	*got = run(run_tab[_i].q);

	ck_assert_msg(strcmp(got, run_tab[_i].uids) == 0,
	    "'%s': got {%s}, want {%s}", run_tab[_i].q, got, run_tab[_i].uids);
	free(got);
}
END_TEST

START_TEST(test_run_paths)
{
	int64_t	 f[] = { inbox, archive, drafts };

	paths_agree(store, run_tab[_i].q, NOW, f, 3);
}
END_TEST

/*
 * Only body: and folder: (and *) read no column of the message row:
 * a whole list filtered by them walks the date index; any other key
 * makes it scan the table (store_list.c).  A body: term the query is,
 * or ANDs, can drive it when its set is small (query_fts.c).
 */
static const struct {
	const char	*q;
	int		 scan;
	size_t		 sets;		/* full-text id sets */
	int		 drive;		/* a set every match is in */
} scan_tab[] = {
	{ "*", 0, 0, 0 },
	{ "body:x", 0, 1, 1 },
	{ "folder:INBOX body:x", 0, 1, 1 },
	{ "-(body:x OR folder:Archive) body:y", 0, 2, 1 },
	{ "x", 1, 1, 0 },
	{ "body:x from:a", 1, 1, 1 },
	{ "is:unread", 1, 0, 0 },
	{ "has:cached", 1, 0, 0 },
	{ "date:1d", 1, 0, 0 },
	{ "larger:1k", 1, 0, 0 },
	{ "server:x", 1, 0, 0 },
	{ "subject:x OR body:y OR z", 1, 2, 0 },
	/* body: terms side by side: one FTS5 query, one set */
	{ "body:x body:y -body:z", 0, 1, 1 },
	{ "body:x OR body:y OR z", 1, 2, 0 },
	{ "-body:x -body:y", 0, 2, 0 },
	{ "(body:x OR body:y) (body:z OR body:w)", 0, 1, 1 },
	{ "body:x (body:y OR from:a)", 1, 2, 1 },
};

START_TEST(test_scan)
{
	struct query	 q;
	char		*err = NULL;
	size_t		 i, sets = 0;

	ck_assert_int_eq(query_compile(scan_tab[_i].q, NOW, &q, &err), 0);
	ck_assert_msg(q.scan == scan_tab[_i].scan, "'%s': scan %d",
	    scan_tab[_i].q, q.scan);
	/* One id set per body: or text term, never for other keys. */
	for (i = 0; i < q.nparams; i++)
		sets += q.params[i].fts != 0;
	ck_assert_msg(sets == scan_tab[_i].sets, "'%s': %zu sets",
	    scan_tab[_i].q, sets);
	ck_assert_msg((q.drive != 0) == scan_tab[_i].drive, "'%s': drive %zu",
	    scan_tab[_i].q, q.drive);
	if (q.drive != 0)
		ck_assert(q.params[q.drive - 1].fts);
	query_free(&q);
}
END_TEST

/*
 * A query names its server: texts once each, for the caller to ask the
 * server; a new answer replaces the old one.
 */
START_TEST(test_run_server)
{
	struct query	 q;
	struct store_hit h = { 0, 102 };
	char		*err = NULL, *got;

	ck_assert_int_eq(query_compile("server:invoice (server:b OR "
	    "server:invoice) -server:\"c d\"", NOW, &q, &err), 0);
	ck_assert_uint_eq(q.nserver, 3);
	ck_assert_str_eq(q.server[0], "invoice");
	ck_assert_str_eq(q.server[1], "b");
	ck_assert_str_eq(q.server[2], "c d");
	query_free(&q);
	ck_assert_int_eq(query_compile("from:alice body:x", NOW, &q, &err), 0);
	ck_assert_uint_eq(q.nserver, 0);
	query_free(&q);
	h.folder_id = archive;
	ck_assert_int_eq(store_hits_set(store, "invoice", &h, 1), 0);
	got = run("server:invoice");
	ck_assert_str_eq(got, "102");
	free(got);
	ck_assert_int_eq(store_hits_set(store, "invoice", NULL, 0), 0);
	got = run("server:invoice");
	ck_assert_str_eq(got, "");
	free(got);
	/* The other texts' answers stay. */
	got = run("server:Grüße");
	ck_assert_str_eq(got, "201");
	free(got);
}
END_TEST

/* Newest first (Date:, else arrival), and cb can stop the search. */
START_TEST(test_run_order_stop)
{
	struct query	 q;
	struct found	 fd;
	char		*err = NULL;
	size_t		 i;

	ck_assert_int_eq(query_compile("folder:INBOX", NOW, &q, &err), 0);
	memset(&fd, 0, sizeof fd);
	fd.folders_ok = 1;
	ck_assert_int_eq(query_run(store, &q, collect, &fd, &err), 10);
	{
		static const uint32_t want[] = { 8, 1, 2, 5, 3, 4, 9, 7, 6,
		    10 };

		for (i = 0; i < 10; i++)
			ck_assert_uint_eq(fd.uid[i], want[i]);
	}
	memset(&fd, 0, sizeof fd);
	fd.folders_ok = 1;
	fd.stop = 3;
	ck_assert_int_eq(query_run(store, &q, collect, &fd, &err), 3);
	ck_assert_uint_eq(fd.n, 3);
	ck_assert_uint_eq(fd.uid[2], 2);
	query_free(&q);
	ck_assert_ptr_null(err);
}
END_TEST

struct folder_seen {
	char	 display[64];
	char	 name[64];
	int64_t	 total, unread;
};

static int
see_folder(const struct store_msg *m, const struct store_folder *f,
    void *arg)
{
	struct folder_seen *fs = arg;

	(void)m;
	snprintf(fs->display, sizeof fs->display, "%s", f->display);
	snprintf(fs->name, sizeof fs->name, "%s", f->name);
	fs->total = f->total;
	fs->unread = f->unread;
	return 0;
}

/* The folder handed to cb is the message's, with its counts. */
START_TEST(test_run_folder)
{
	struct query	 q;
	struct folder_seen fs;
	char		*err = NULL;

	ck_assert_int_eq(query_compile("is:draft", NOW, &q, &err), 0);
	ck_assert_int_eq(query_run(store, &q, see_folder, &fs, &err), 1);
	ck_assert_str_eq(fs.display, "Entwürfe");
	ck_assert_str_eq(fs.name, "Entw&APw-rfe");
	ck_assert_int_eq(fs.total, 1);
	ck_assert_int_eq(fs.unread, 0);
	query_free(&q);
	ck_assert_int_eq(query_compile("folder:Archive", NOW, &q, &err), 0);
	ck_assert_int_eq(query_run(store, &q, see_folder, &fs, &err), 3);
	ck_assert_int_eq(fs.total, 3);
	ck_assert_int_eq(fs.unread, 1);
	query_free(&q);
}
END_TEST

/* Hostile text is searched for, not executed. */
START_TEST(test_run_hostile)
{
	char	*got;
	size_t	 i;

	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		got = run(hostile[i]);
		ck_assert_str_eq(got, "");
		free(got);
	}
	got = run("*");
	ck_assert_str_eq(got, "1 2 3 4 5 6 7 8 9 10 101 102 103 201");
	free(got);
}
END_TEST

START_TEST(test_run_errors)
{
	struct query	 q;
	struct found	 fd;
	char		*err = NULL;

	memset(&q, 0, sizeof q);
	memset(&fd, 0, sizeof fd);
	ck_assert_int_eq(query_run(store, &q, collect, &fd, &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	err = NULL;
	ck_assert_int_eq(query_run(store, NULL, collect, &fd, &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

/*
 * Every query that compiles also runs: the SQL stays inside SQLite's
 * limits (expression depth 1000, a parser stack of ~100) at the
 * extremes the language allows.
 */
static void
assert_runs(const char *text)
{
	struct query	 q;
	struct found	 fd;
	char		*err = NULL;

	ck_assert_msg(query_compile(text, NOW, &q, &err) == 0, "%.60s...: %s",
	    text, err);
	memset(&fd, 0, sizeof fd);
	fd.folders_ok = 1;
	ck_assert_msg(query_run(store, &q, collect, &fd, &err) >= 0,
	    "%.80s... (%zu bytes): %s", text, strlen(text), err);
	query_free(&q);
}

/* Appends s to buf (of QUERY_MAX + 1) if it fits. */
static int
add(char *buf, const char *s)
{
	size_t	 n = strlen(buf), m = strlen(s);

	if (n + m > 4096)
		return 0;
	memcpy(buf + n, s, m + 1);
	return 1;
}

START_TEST(test_run_extremes)
{
	char	 buf[4097];
	char	*s;
	int	 i;

	/* 2048 words, 4095 bytes: a long flat AND. */
	buf[0] = '\0';
	while (add(buf, "a "))
		continue;
	assert_runs(buf);
	/* The same as ORs and as NOTs. */
	buf[0] = '\0';
	add(buf, "a");
	while (add(buf, " OR a"))
		continue;
	assert_runs(buf);
	buf[0] = '\0';
	while (add(buf, "-a "))
		continue;
	assert_runs(buf);
	buf[0] = '\0';
	while (add(buf, "from:a OR -to:b "))
		continue;
	assert_runs(buf);

	/* 32 levels of every shape. */
	s = nest("(", ")", 32, "a");
	assert_runs(s);
	free(s);
	s = nest("-(", ")", 16, "a b");
	assert_runs(s);
	free(s);
	s = nest("NOT (a ", ")", 16, "b");
	assert_runs(s);
	free(s);
	s = nest("a OR (b ", ")", 32, "c");
	assert_runs(s);
	free(s);
	s = nest("a b OR c (", ")", 32, "d");
	assert_runs(s);
	free(s);
	s = nest("(a OR b) -(c OR ", ")", 16, "d");
	assert_runs(s);
	free(s);
	s = nest("x (", " OR y)", 32, "z");
	assert_runs(s);
	free(s);

	/* Deep and long: 32 levels, each with a long flat list. */
	buf[0] = '\0';
	for (i = 0; i < 32; i++)
		add(buf, "(a b c d e f g h i j k l m n o p q r s t u v w x "
		    "y z OR ");
	add(buf, "z");
	for (i = 0; i < 32; i++)
		add(buf, ")");
	assert_runs(buf);

	/* Two equally deep halves, again and again (the worst order). */
	s = xstrdup("a");
	for (i = 0; i < 10; i++) {
		char *t = xasprintf(i % 2 ? "(%s) OR (%s)" : "-(%s) (%s)", s,
		    s);

		free(s);
		s = t;
		if (strlen(s) > 4096)
			break;
		assert_runs(s);
	}
	free(s);
}
END_TEST

/* Random token soup: compiles or says why, and what compiles runs. */
START_TEST(test_run_fuzz)
{
	static const char *const words[] = {
		"a", "b", "OR", "AND", "NOT", "-", "(", ")", "(", ")", "*",
		"\"x y\"", "\"", "from:a", "to:", "is:unread", "is:x",
		"after:7d", "before:2024-01-01", "larger:1k", "folder:INBOX",
		"bad:key", "%", "_", "\\", "-(", "NOT (", "subject:\"q",
	};
	char		 buf[4097];
	struct query	 q;
	char		*err;
	uint32_t	 seed = 12345;
	int		 iter, len, i, ok = 0;

	for (iter = 0; iter < 3000; iter++) {
		buf[0] = '\0';
		seed = seed * 1103515245 + 12345;
		len = 1 + (int)(seed >> 16) % (iter < 2500 ? 30 : 1500);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			if (!add(buf, words[(seed >> 16) % (sizeof words /
			    sizeof words[0])]) || !add(buf, (seed >> 8) & 1 ?
			    " " : ""))
				break;
		}
		err = NULL;
		if (query_compile(buf, NOW, &q, &err) == 0) {
			ok++;
			query_free(&q);
			assert_runs(buf);
		} else {
			ck_assert_ptr_nonnull(err);
			ck_assert_ptr_null(q.where);
			free(err);
		}
	}
	ck_assert_int_gt(ok, 100);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("query");
	TCase	*tc;

	tc = tcase_create("compile");
	tcase_add_test(tc, test_dates);
	tcase_add_loop_test(tc, test_compile, 0,
	    sizeof compile_tab / sizeof compile_tab[0]);
	tcase_add_loop_test(tc, test_no_user_text_in_sql, 0,
	    sizeof hostile / sizeof hostile[0]);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_fts_string_terminated);
	tcase_add_test(tc, test_limits);
	tcase_add_loop_test(tc, test_scan, 0,
	    sizeof scan_tab / sizeof scan_tab[0]);
	suite_add_tcase(s, tc);

	tc = tcase_create("run");
	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_run, 0, sizeof run_tab / sizeof run_tab[0]);
	tcase_add_loop_test(tc, test_run_paths, 0,
	    sizeof run_tab / sizeof run_tab[0]);
	tcase_add_test(tc, test_run_order_stop);
	tcase_add_test(tc, test_run_server);
	tcase_add_test(tc, test_run_folder);
	tcase_add_test(tc, test_run_hostile);
	tcase_add_test(tc, test_run_errors);
	tcase_add_test(tc, test_run_extremes);
	tcase_add_test(tc, test_run_fuzz);
	suite_add_tcase(s, tc);
	return s;
}
