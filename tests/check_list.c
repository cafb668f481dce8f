/*
 * check_list.c - the message list's queries (src/store/store_list.c):
 * the order of every sort both ways, a search filter combined with the
 * folder (its anonymous parameters and the folder's numbered one), the
 * threading keys, rows by id and the path of a cached file.  Every test
 * works in a fresh mkdtemp directory.
 */
#include "check_main.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static char		 tdir[] = "/tmp/tern-check-list-XXXXXX";
static struct store	*s;
static int64_t		 inbox, other;

struct row { const char *from, *subject; int64_t date, size; unsigned flags; };

static const struct row rows[] = {
	{ "Bob <b@x>", "beta release", 300, 5000, 0 },
	{ "alice <a@x>", "Alpha notes", 100, 100, FLAG_SEEN },
	{ "Carol <c@x>", "gamma digest", 200, 90000, FLAG_SEEN },
	{ "Dave <d@x>", "delta digest", 400, 10, 0 },
};

static void
setup(void)
{
	struct store_msg m;
	char		*err = NULL, *dir;
	size_t		 i;

	ck_assert_ptr_nonnull(mkdtemp(tdir));
	dir = xasprintf("%s/store", tdir);
	s = store_open("acct", dir, 0, &err);
	free(dir);
	ck_assert_msg(s != NULL, "store_open: %s", err);
	ck_assert_int_eq(store_folder_put(s, "INBOX", '/', "inbox", 1, 0,
	    &inbox), 0);
	ck_assert_int_eq(store_folder_put(s, "Other", '/', "", 1, 0, &other),
	    0);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = inbox;
		m.uid = (uint32_t)(i + 1);
		m.flags = rows[i].flags;
		m.keywords = "";
		m.internaldate = rows[i].date;
		m.date = rows[i].date;
		m.size = rows[i].size;
		m.from = (char *)rows[i].from;
		m.to = m.cc = "";
		m.subject = (char *)rows[i].subject;
		m.message_id = xasprintf("id%zu@x", i);
		m.in_reply_to = i == 3 ? "id0@x" : "";
		m.references = i == 3 ? "id0@x" : "";
		ck_assert_int_eq(store_msg_put(s, &m), 0);
		/* The same message in another folder must never show here. */
		m.folder_id = other;
		ck_assert_int_eq(store_msg_put(s, &m), 0);
		free(m.message_id);
	}
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", tdir);

	store_close(s);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(tdir, "/tmp/tern-check-list-XXXXXX");
}

/* The subjects of the listed ids, joined by ','. */
static char *
subjects(int64_t *ids, size_t n)
{
	struct store_msg m;
	char		*out = xstrdup(""), *t;
	size_t		 i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(store_msg_by_id(s, ids[i], &m), 0);
		ck_assert_int_eq(m.folder_id, inbox);
		t = xasprintf("%s%s%s", out, i ? "," : "", m.subject);
		free(out);
		out = t;
		store_msg_clear(&m);
	}
	return out;
}

START_TEST(sorts)
{
	static const struct {
		enum store_sort	 sort;
		int		 reverse;
		const char	*want;
	} t[] = {
		{ STORE_SORT_DATE, 0, "Alpha notes,gamma digest,beta release,"
		    "delta digest" },
		{ STORE_SORT_DATE, 1, "delta digest,beta release,gamma digest,"
		    "Alpha notes" },
		{ STORE_SORT_FROM, 0, "Alpha notes,beta release,gamma digest,"
		    "delta digest" },
		{ STORE_SORT_SUBJECT, 0, "Alpha notes,beta release,"
		    "delta digest,gamma digest" },
		{ STORE_SORT_SIZE, 1, "gamma digest,beta release,Alpha notes,"
		    "delta digest" },
	};
	int64_t	*ids;
	size_t	 n, i;
	char	*got;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(store_list_ids(s, inbox, t[i].sort,
		    t[i].reverse, NULL, 0, &ids, &n), 0);
		got = subjects(ids, n);
		ck_assert_msg(strcmp(got, t[i].want) == 0, "sort %d/%d: %s",
		    t[i].sort, t[i].reverse, got);
		free(got);
		free(ids);
	}
	/* Folder 0: every folder (the same four are in Other too). */
	ck_assert_int_eq(store_list_ids(s, 0, STORE_SORT_DATE, 1, NULL, 0,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 8);
	free(ids);
	/* The first screenful only: the same order, cut. */
	ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1, NULL, 2,
	    &ids, &n), 0);
	got = subjects(ids, n);
	ck_assert_str_eq(got, "delta digest,beta release");
	free(got);
	free(ids);
}
END_TEST

START_TEST(filter)
{
	static const struct { const char *q, *want; } t[] = {
		{ "subject:digest", "delta digest,gamma digest" },
		{ "is:unread", "delta digest,beta release" },
		{ "digest is:read", "gamma digest" },
		{ "from:alice OR subject:beta", "beta release,Alpha notes" },
		{ "subject:nothing", "" },
	};
	struct query	 q;
	int64_t		*ids;
	size_t		 n, i;
	char		*got, *err = NULL;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(query_compile(t[i].q, time(NULL), &q, &err),
		    0);
		ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1,
		    &q, 0, &ids, &n), 0);
		got = subjects(ids, n);
		ck_assert_msg(strcmp(got, t[i].want) == 0, "%s: %s", t[i].q,
		    got);
		free(got);
		free(ids);
		query_free(&q);
	}
}
END_TEST

/* Tags are local marks a query can name (is:tagged). */
START_TEST(tags)
{
	struct query	 q;
	int64_t		*ids, *all;
	size_t		 n, nall;
	char		*err = NULL, *got;

	ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1, NULL, 0,
	    &all, &nall), 0);
	ck_assert_int_eq(store_msg_tag(s, all, 2, 1), 0);
	ck_assert_int_eq(query_compile("is:tagged", time(NULL), &q, &err), 0);
	ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1, &q, 0,
	    &ids, &n), 0);
	got = subjects(ids, n);
	ck_assert_str_eq(got, "delta digest,beta release");
	free(got);
	free(ids);
	ck_assert_int_eq(store_untag_all(s), 0);
	ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1, &q, 0,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	free(all);
	query_free(&q);
}
END_TEST

/* A sync (bulk mode) leaves the headers' full-text rows to catch-up. */
START_TEST(fts_deferred)
{
	struct store_msg m;
	struct query	 q;
	int64_t		*ids;
	size_t		 n;
	char		*err = NULL;

	memset(&m, 0, sizeof m);
	m.folder_id = inbox;
	m.uid = 99;
	m.keywords = m.to = m.cc = m.in_reply_to = m.references = "";
	m.from = "Jörg Müller <jm@x>";
	m.subject = "Quartalszahlen";
	m.message_id = "mueller@x";
	ck_assert_int_eq(store_set_bulk(s, 1), 0);
	ck_assert_int_eq(store_begin(s), 0);
	ck_assert_int_eq(store_msg_put(s, &m), 0);
	ck_assert_int_eq(store_commit(s), 0);
	ck_assert_int_eq(store_set_bulk(s, 0), 0);
	/* "muller" matches Müller through the index only (accents). */
	ck_assert_int_eq(query_compile("muller", time(NULL), &q, &err), 0);
	ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1, &q, 0,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	ck_assert_int_eq(store_fts_catch_up(s, 1), 0);
	ck_assert_int_eq(store_list_ids(s, inbox, STORE_SORT_DATE, 1, &q, 0,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	free(ids);
	query_free(&q);
}
END_TEST

/* The folder pane's counts: unread from the index, total not counted. */
START_TEST(unread_counts)
{
	struct store_folder	*f;
	size_t			 n, i;

	ck_assert_int_eq(store_folders_unread(s, &f, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(f[i].unread, 2);
		ck_assert_int_eq(f[i].total, -1);
	}
	store_folders_free(f, n);
	ck_assert_int_eq(store_folders(s, &f, &n), 0);
	ck_assert_int_eq(f[0].total, 4);
	ck_assert_int_eq(f[0].unread, 2);
	store_folders_free(f, n);
}
END_TEST

START_TEST(keys_and_paths)
{
	struct store_key *k;
	struct store_msg  m;
	size_t		  n;
	char		 *path, *err = NULL;

	ck_assert_int_eq(store_list_keys(s, inbox, NULL, &k, &n), 0);
	ck_assert_uint_eq(n, 4);
	/* Oldest first, with the threading fields. */
	ck_assert_str_eq(k[0].subject, "Alpha notes");
	ck_assert_str_eq(k[3].subject, "delta digest");
	ck_assert_str_eq(k[3].in_reply_to, "id0@x");
	ck_assert_str_eq(k[3].references, "id0@x");
	ck_assert_str_eq(k[1].message_id, "id2@x");
	store_keys_free(k, n);

	ck_assert_int_eq(store_msg_get(s, inbox, 1, &m), 0);
	ck_assert_ptr_null(store_msg_path(s, &m));	/* not cached */
	ck_assert_int_eq(store_msg_body(s, inbox, 1, "Subject: x\n\nhi\n", 15,
	    &err), 0);
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_get(s, inbox, 1, &m), 0);
	path = store_msg_path(s, &m);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_ptr_nonnull(strstr(path, tdir));
	free(path);
	n = (size_t)m.id;
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_by_id(s, (int64_t)n + 1000, &m), 1);
}
END_TEST

Suite *
suite(void)
{
	Suite	*su = suite_create("list");
	TCase	*tc = tcase_create("list");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sorts);
	tcase_add_test(tc, filter);
	tcase_add_test(tc, keys_and_paths);
	tcase_add_test(tc, unread_counts);
	tcase_add_test(tc, tags);
	tcase_add_test(tc, fts_deferred);
	suite_add_tcase(su, tc);
	return su;
}
