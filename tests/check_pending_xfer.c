/*
 * check_pending_xfer.c - unit tests for src/store/pending_xfer.c and
 * the XMOVE/XCOPY operations of pending.c: a move to another account
 * stages the cached body before the row and its file go, an operation
 * handed over to the other account can no longer be withdrawn, the
 * target's APPEND is found and withdrawn by its staged file, and the
 * sweep removes only staged files no operation names.  Every test
 * works in a fresh mkdtemp directory with two stores (two accounts).
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "store.h"
#include "check_main.h"

static char	 tdir[64];

static int
rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void
setup(void)
{
	strcpy(tdir, "/tmp/tern-xfer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
}

static void
teardown(void)
{
	nftw(tdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store *
open_store(const char *name)
{
	struct store	*s;
	char		*err = NULL, *dir = xasprintf("%s/%s", tdir, name);

	s = store_open(name, dir, 0, &err);
	if (s == NULL)
		ck_abort_msg("store_open: %s", err);
	free(dir);
	return s;
}

static int64_t
add_folder(struct store *s, const char *name)
{
	int64_t	 id = 0;

	ck_assert_int_eq(store_folder_put(s, name, '/', "", 1, 0, &id), 0);
	ck_assert_int_eq(store_folder_synced(s, id, 7, 10, 0, 3, 0), 0);
	return id;
}

static void
add_msg(struct store *s, int64_t folder, uint32_t uid, const char *body)
{
	struct store_msg m;
	char		*err = NULL;

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.uid = uid;
	m.flags = FLAG_FLAGGED;
	m.message_id = "<x@example.com>";
	m.subject = "moving";
	ck_assert_int_eq(store_msg_put(s, &m), 0);
	if (body != NULL && store_msg_body(s, folder, uid, body, strlen(body),
	    &err) != 0)
		ck_abort_msg("store_msg_body: %s", err);
}

static char *
slurp(const char *path)
{
	FILE	*fp = fopen(path, "rb");
	char	 buf[256];
	size_t	 n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The only queued operation of s (asserts there is exactly one). */
static struct pending *
only(struct store *s)
{
	struct pending	*ps;
	size_t		 n;

	ck_assert_int_eq(pending_list(s, -1, &ps, &n), 0);
	ck_assert_uint_eq(n, 1);
	return ps;
}

static int64_t
queue(struct store *s, int64_t folder, uint32_t uid, enum pending_op op,
    const char *target)
{
	struct pending	 p;

	memset(&p, 0, sizeof p);
	p.folder_id = folder;
	p.uid = uid;
	p.op = op;
	p.set = FLAG_FLAGGED;
	p.target = (char *)target;
	ck_assert_int_eq(pending_add(s, &p), 0);
	return pending_last_id(s);
}

START_TEST(test_xmove_stages_cached_body)
{
	struct store		*s = open_store("home");
	struct store_msg	 m;
	struct pending		*p;
	int64_t			 fid = add_folder(s, "INBOX"), id;
	char			*path, *text;

	add_msg(s, fid, 3, "Subject: moving\r\n\r\nbody\r\n");
	id = queue(s, fid, 3, PENDING_XMOVE, "work/Lists");

	/* Gone from the list at once, kept hidden from a sync. */
	ck_assert_int_eq(store_msg_get(s, fid, 3, &m), 1);
	ck_assert_int_eq(pending_hides(s, fid, 3), 1);

	/* The body is staged under xfer/, named after the operation. */
	p = only(s);
	path = pending_xfer_path(s, id);
	ck_assert_str_eq(p->file, path);
	ck_assert_int_eq(p->step, 0);
	ck_assert_uint_eq(p->set, FLAG_FLAGGED);
	ck_assert_str_eq(p->target, "work/Lists");
	ck_assert_str_eq(p->message_id, "<x@example.com>");
	text = slurp(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "Subject: moving\r\n\r\nbody\r\n");
	free(text);
	pending_free(p, 1);
	free(path);
	store_close(s);
}
END_TEST

START_TEST(test_xmove_without_body_and_xcopy)
{
	struct store		*s = open_store("home");
	struct store_msg	 m;
	struct pending		*p;
	int64_t			 fid = add_folder(s, "INBOX");

	/* Not cached: nothing staged yet (the engine fetches it). */
	add_msg(s, fid, 4, NULL);
	queue(s, fid, 4, PENDING_XMOVE, "work/INBOX");
	p = only(s);
	ck_assert_str_eq(p->file, "");
	ck_assert_int_eq(pending_done(s, p->id), 0);
	pending_free(p, 1);

	/* A copy leaves the message where it is, and stages its body. */
	ck_assert_int_eq(pending_count(s), 0);
	add_msg(s, fid, 5, "copy me\n");
	queue(s, fid, 5, PENDING_XCOPY, "work/INBOX");
	ck_assert_int_eq(store_msg_get(s, fid, 5, &m), 0);
	store_msg_clear(&m);
	ck_assert_int_eq(pending_hides(s, fid, 5), 0);
	p = only(s);
	ck_assert_str_ne(p->file, "");
	ck_assert_int_eq(access(p->file, R_OK), 0);
	pending_free(p, 1);
	store_close(s);
}
END_TEST

START_TEST(test_xfer_target_refused)
{
	struct store	*s = open_store("home");
	struct pending	 p;
	int64_t		 fid = add_folder(s, "INBOX");
	static const char *const bad[] = { NULL, "", "Lists", "work/", "/x" };
	size_t		 i;

	add_msg(s, fid, 1, NULL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&p, 0, sizeof p);
		p.folder_id = fid;
		p.uid = 1;
		p.op = PENDING_XMOVE;
		p.target = (char *)bad[i];
		ck_assert_int_eq(pending_add(s, &p), -1);
	}
	ck_assert_int_eq(pending_count(s), 0);
	store_close(s);
}
END_TEST

/* Undo withdraws a move only until it is handed to the other account. */
START_TEST(test_cancel_until_handed_over)
{
	struct store	*s = open_store("home");
	int64_t		 fid = add_folder(s, "INBOX"), a, b;

	add_msg(s, fid, 1, NULL);
	add_msg(s, fid, 2, NULL);
	a = queue(s, fid, 1, PENDING_XMOVE, "work/INBOX");
	b = queue(s, fid, 2, PENDING_XMOVE, "work/INBOX");
	ck_assert_int_eq(pending_xfer_step(s, a), 0);
	ck_assert_int_eq(pending_xfer_set_step(s, b, 1), 0);
	ck_assert_int_eq(pending_xfer_step(s, b), 1);
	ck_assert_int_eq(pending_cancel(s, a), 1);
	ck_assert_int_eq(pending_cancel(s, b), 0);
	ck_assert_int_eq(pending_xfer_step(s, a), -1);	/* gone */
	ck_assert_int_eq(pending_count(s), 1);
	store_close(s);
}
END_TEST

/* The target's side: its APPEND is found and withdrawn by the file. */
START_TEST(test_target_append_by_file)
{
	struct store	*t = open_store("work");
	struct pending	 p, *ps;
	int64_t		 fid = add_folder(t, "Lists"), id;

	memset(&p, 0, sizeof p);
	p.folder_id = fid;
	p.op = PENDING_APPEND;
	p.file = "/data/home/xfer/12.eml";
	p.target = "home";
	p.set = FLAG_SEEN | FLAG_FLAGGED;
	ck_assert_int_eq(pending_add(t, &p), 0);
	id = pending_last_id(t);
	ck_assert_int_eq(pending_xfer_find(t, "/data/home/xfer/12.eml"), id);
	ck_assert_int_eq(pending_xfer_find(t, "/data/home/xfer/13.eml"), 0);

	/* The flags go with the APPEND; the step starts at 0. */
	ps = only(t);
	ck_assert_uint_eq(ps->set, FLAG_SEEN | FLAG_FLAGGED);
	ck_assert_int_eq(ps->step, 0);
	ck_assert_str_eq(ps->target, "home");
	pending_free(ps, 1);
	ck_assert_int_eq(pending_xfer_set_step(t, id, 1), 0);
	ps = only(t);
	ck_assert_int_eq(ps->step, 1);
	ck_assert_uint_eq(ps->clear, 0);
	pending_free(ps, 1);

	ck_assert_int_eq(pending_xfer_cancel(t, "/data/home/xfer/12.eml"), 1);
	ck_assert_int_eq(pending_xfer_cancel(t, "/data/home/xfer/12.eml"), 0);
	ck_assert_int_eq(pending_count(t), 0);
	store_close(t);
}
END_TEST

START_TEST(test_write_and_sweep)
{
	struct store	*s = open_store("home");
	struct utimbuf	 old = { 1000, 1000 };
	int64_t		 fid = add_folder(s, "INBOX"), id;
	char		*path, *orphan, *err = NULL, *text;

	add_msg(s, fid, 1, NULL);
	id = queue(s, fid, 1, PENDING_XMOVE, "work/INBOX");
	path = pending_xfer_write(s, id, "fetched\n", 8, &err);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(pending_xfer_set_file(s, id, path), 0);
	text = slurp(path);
	ck_assert_str_eq(text, "fetched\n");
	free(text);

	/* An orphan of a crash (no operation names it) goes once old. */
	orphan = pending_xfer_write(s, id + 100, "orphan\n", 7, &err);
	ck_assert_ptr_nonnull(orphan);
	ck_assert_int_eq(pending_xfer_sweep(s, 3600), 0);	/* too young */
	ck_assert_int_eq(utime(orphan, &old), 0);
	ck_assert_int_eq(utime(path, &old), 0);
	ck_assert_int_eq(pending_xfer_sweep(s, 3600), 1);
	ck_assert_int_eq(access(orphan, F_OK), -1);
	ck_assert_int_eq(access(path, R_OK), 0);	/* still named */
	free(orphan);
	free(path);
	store_close(s);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("pending_xfer");
	TCase	*tc = tcase_create("xfer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_xmove_stages_cached_body);
	tcase_add_test(tc, test_xmove_without_body_and_xcopy);
	tcase_add_test(tc, test_xfer_target_refused);
	tcase_add_test(tc, test_cancel_until_handed_over);
	tcase_add_test(tc, test_target_append_by_file);
	tcase_add_test(tc, test_write_and_sweep);
	suite_add_tcase(s, tc);
	return s;
}
