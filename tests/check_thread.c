/*
 * check_thread.c - unit tests for src/mail/thread.c: the threaded list a
 * user sees for ordinary conversations, and that hostile headers
 * (loops, duplicate or missing ids, a 10,000-deep chain, random garbage)
 * still give every message exactly one row.  Single-threaded test
 * binary; table-driven, the big inputs are generated here.
 */
#include "check_main.h"

#include <stdint.h>
#include <string.h>

#include "mail.h"

#define MSGS_MAX	8

struct tmsg {
	const char	*id, *irt, *refs;
	int64_t		 date;
};

static const struct row {
	const char	*name;
	int		 newest_first;
	struct tmsg	 m[MSGS_MAX];	/* ends at the first id == NULL */
	const char	*want;		/* "IDX/DEPTH ..." in output order */
	const char	*prefixes;	/* "|"-separated, or NULL: not checked */
} rows[] = {
	{ "one", 0, { { "a", "", "", 1 } }, "0/0", "" },
	{ "chain", 0, { { "a", "", "", 1 }, { "b", "", "a", 2 },
	    { "c", "", "a b", 3 } }, "0/0 1/1 2/2", "|└─>|  └─>" },
	{ "chain_reversed_input", 0, { { "c", "", "a b", 3 },
	    { "b", "", "a", 2 }, { "a", "", "", 1 } }, "2/0 1/1 0/2", NULL },
	{ "siblings_by_date", 0, { { "a", "", "", 1 }, { "b", "", "a", 3 },
	    { "c", "", "a", 2 } }, "0/0 2/1 1/1", "|├─>|└─>" },
	{ "tree_prefix", 0, { { "a", "", "", 1 }, { "b", "", "a", 2 },
	    { "c", "", "a b", 3 }, { "d", "", "a", 4 }, { "e", "", "a d", 5 } },
	    "0/0 1/1 2/2 3/1 4/2", "|├─>|│ └─>|└─>|  └─>" },
	{ "irt_only", 0, { { "a", "", "", 1 }, { "b", "a", "", 2 },
	    { "c", "b", "", 3 } }, "0/0 1/1 2/2", NULL },
	{ "refs_before_irt", 0, { { "a", "", "", 1 }, { "z", "", "", 2 },
	    { "b", "z", "a", 3 } }, "1/0 0/0 2/1", NULL },
	{ "brackets_tolerated", 0, { { "a", "", "", 1 },
	    { "b", "<a>", "", 2 } }, "0/0 1/1", NULL },
	{ "missing_parent_middle", 0, { { "a", "", "", 1 },
	    { "c", "", "a x", 3 } }, "0/0 1/1", NULL },
	{ "missing_root_one_child", 0, { { "b", "", "x", 2 } }, "0/0", "" },
	{ "missing_root_siblings", 0, { { "b", "", "x", 2 },
	    { "c", "", "x", 1 }, { "d", "", "x b", 3 } }, "1/0 0/1 2/2",
	    "|└─>|  └─>" },
	{ "missing_chain", 0, { { "c", "", "x y", 3 }, { "d", "", "x y z", 4 },
	    { "e", "", "x", 5 } }, "0/0 1/1 2/1", NULL },
	{ "own_refs_win", 0, { { "a", "", "", 1 }, { "c", "", "x b", 3 },
	    { "b", "", "a", 2 } }, "0/0 2/1 1/2", NULL },
	{ "self_reference", 0, { { "a", "a", "a", 1 }, { "b", "", "a", 2 } },
	    "0/0 1/1", NULL },
	{ "loop_two", 0, { { "a", "", "b", 1 }, { "b", "", "a", 2 } },
	    "1/0 0/1", NULL },
	{ "loop_three", 0, { { "a", "", "c", 1 }, { "b", "", "a", 2 },
	    { "c", "", "b", 3 } }, "2/0 0/1 1/2", NULL },
	{ "loop_in_refs", 0, { { "a", "", "b a c", 1 },
	    { "c", "", "a c b", 2 } }, "0/0 1/1", NULL },
	{ "duplicate_id", 0, { { "a", "", "", 1 }, { "a", "", "", 2 },
	    { "b", "", "a", 3 } }, "1/0 0/0 2/1", NULL },
	{ "duplicate_id_later", 0, { { "a", "", "", 5 }, { "b", "", "a", 6 },
	    { "a", "", "", 1 } }, "2/0 0/0 1/1", NULL },
	{ "empty_ids", 0, { { "", "", "", 1 }, { "", "", "", 2 },
	    { "c", "", "", 3 }, { "d", " ", "  ", 4 } },
	    "0/0 1/0 2/0 3/0", NULL },
	{ "threads_oldest_first", 0, { { "a", "", "", 1 }, { "b", "", "a", 5 },
	    { "c", "", "", 3 } }, "2/0 0/0 1/1", NULL },
	{ "threads_newest_first", 1, { { "a", "", "", 1 }, { "b", "", "a", 5 },
	    { "c", "", "", 3 } }, "0/0 1/1 2/0", NULL },
	{ "same_dates_input_order", 0, { { "a", "", "", 7 }, { "b", "", "", 7 },
	    { "c", "", "a", 7 } }, "0/0 2/1 1/0", NULL },
	{ "same_dates_newest_first", 1, { { "a", "", "", 7 },
	    { "b", "", "", 7 }, { "c", "", "a", 7 } }, "1/0 0/0 2/1", NULL },
	{ "negative_dates", 0, { { "a", "", "", -5 }, { "b", "", "a", -9 } },
	    "0/0 1/1", NULL },
};

static size_t
row_count(const struct row *r)
{
	size_t	 n = 0;

	while (n < MSGS_MAX && r->m[n].id != NULL)
		n++;
	return n;
}

/* Checks the invariants every output must keep, whatever the input. */
static void
check_rows(const struct thread_row *out, size_t n)
{
	unsigned char	*seen = calloc(n ? n : 1, 1);
	size_t		 i, start = 0;

	ck_assert_ptr_nonnull(seen);
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(out[i].idx, n);
		ck_assert_msg(!seen[out[i].idx], "row %zu repeats %zu", i,
		    out[i].idx);
		seen[out[i].idx] = 1;
		ck_assert_int_ge(out[i].depth, 0);
		if (i == 0 || out[i].depth == 0) {
			ck_assert_int_eq(out[i].depth, 0);
			ck_assert_str_eq(out[i].prefix, "");
			start = i;
			ck_assert_uint_ge(out[i].thread_size, 1);
			ck_assert_uint_le(start + out[i].thread_size, n);
		} else {
			ck_assert_int_le(out[i].depth, out[i - 1].depth + 1);
			ck_assert_uint_eq(out[i].thread_size,
			    out[start].thread_size);
			ck_assert_uint_lt(i, start + out[start].thread_size);
			ck_assert_uint_gt(strlen(out[i].prefix), 0);
		}
		ck_assert_uint_lt(strlen(out[i].prefix), sizeof out[i].prefix);
		ck_assert(utf8_valid((const unsigned char *)out[i].prefix,
		    strlen(out[i].prefix)));
		if (i + 1 == n || out[i + 1].depth == 0)
			ck_assert_uint_eq(i + 1 - start, out[start].thread_size);
	}
	free(seen);
}

START_TEST(test_table)
{
	const struct row *r = &rows[_i];
	struct thread_in in[MSGS_MAX] = { { 0 } };
	struct thread_row out[MSGS_MAX];
	size_t		 n = row_count(r), i;
	char		 got[256] = "", pre[512] = "", tmp[32];

	for (i = 0; i < n; i++) {
		in[i].message_id = r->m[i].id;
		in[i].in_reply_to = r->m[i].irt;
		in[i].references = r->m[i].refs;
		in[i].subject = "s";
		in[i].date = r->m[i].date;
	}
	memset(out, 0x5a, sizeof out);
	ck_assert_int_eq(thread_build(in, n, r->newest_first, out), 0);
	check_rows(out, n);
	for (i = 0; i < n; i++) {
		snprintf(tmp, sizeof tmp, "%s%zu/%d", i ? " " : "", out[i].idx,
		    out[i].depth);
		strcat(got, tmp);
		if (i > 0)
			strcat(pre, "|");
		strcat(pre, out[i].prefix);
	}
	ck_assert_msg(strcmp(got, r->want) == 0, "%s: got \"%s\", want "
	    "\"%s\"", r->name, got, r->want);
	if (r->prefixes != NULL)
		ck_assert_msg(strcmp(pre, r->prefixes) == 0, "%s: prefixes "
		    "\"%s\", want \"%s\"", r->name, pre, r->prefixes);
}
END_TEST

/* Subjects: a reply that lost its references joins its thread. */
static const struct srow {
	const char	*name;
	struct {
		const char	*id, *refs;
		int64_t		 date;
		const char	*subject;
	}		 m[MSGS_MAX];	/* ends at the first id == NULL */
	const char	*want;
} srows[] = {
	{ "subj_re", { { "a", "", 1, "Lunch" },
	    { "b", "", 2, "Re: Lunch" } }, "0/0 1/1" },
	{ "subj_re_older", { { "a", "", 5, "Lunch" },
	    { "b", "", 2, "RE: Lunch" } }, "0/0 1/1" },
	{ "subj_prefixes", { { "a", "", 1, " Lunch " },
	    { "b", "", 2, "Re: re:Lunch" }, { "c", "", 3, "Fwd: Lunch" },
	    { "d", "", 4, "AW: Lunch" }, { "e", "", 5, "Re[2]: Lunch" },
	    { "f", "", 6, "fw: RE: Lunch" } },
	    "0/0 1/1 2/1 3/1 4/1 5/1" },
	{ "subj_only_replies", { { "a", "", 2, "Re: Lunch" },
	    { "b", "", 1, "Re: Lunch" }, { "c", "", 3, "Re: Re: Lunch" } },
	    "1/0 0/1 2/1" },
	{ "subj_plain_apart", { { "a", "", 1, "Hello" },
	    { "b", "", 2, "Hello" } }, "0/0 1/0" },
	{ "subj_plain_oldest", { { "a", "", 3, "Hello" },
	    { "b", "", 1, "Hello" }, { "c", "", 4, "Re: Hello" } },
	    "0/0 1/0 2/1" },
	{ "subj_empty", { { "a", "", 1, "Re:" }, { "b", "", 2, "Re: " },
	    { "c", "", 3, "" }, { "d", "", 4, NULL } },
	    "0/0 1/0 2/0 3/0" },
	{ "subj_not_prefix", { { "a", "", 1, "Lunch" },
	    { "b", "", 2, "Reply: Lunch" }, { "c", "", 3, "Re Lunch" },
	    { "d", "", 4, "Re: lunch" } }, "0/0 1/0 2/0 3/0" },
	{ "subj_keeps_refs", { { "a", "", 1, "Lunch" },
	    { "x", "", 2, "Other" }, { "b", "x", 3, "Re: Lunch" } },
	    "0/0 1/0 2/1" },
	{ "subj_missing_parent", { { "a", "", 1, "Lunch" },
	    { "b", "gone", 2, "Re: Lunch" } }, "0/0 1/1" },
};

START_TEST(test_subjects)
{
	const struct srow *r = &srows[_i];
	struct thread_in in[MSGS_MAX] = { { 0 } };
	struct thread_row out[MSGS_MAX];
	size_t		 n = 0, i;
	char		 got[256] = "", tmp[32];

	while (n < MSGS_MAX && r->m[n].id != NULL)
		n++;
	for (i = 0; i < n; i++) {
		in[i].message_id = r->m[i].id;
		in[i].in_reply_to = "";
		in[i].references = r->m[i].refs;
		in[i].subject = r->m[i].subject;
		in[i].date = r->m[i].date;
	}
	ck_assert_int_eq(thread_build(in, n, 0, out), 0);
	check_rows(out, n);
	for (i = 0; i < n; i++) {
		snprintf(tmp, sizeof tmp, "%s%zu/%d", i ? " " : "", out[i].idx,
		    out[i].depth);
		strcat(got, tmp);
	}
	ck_assert_msg(strcmp(got, r->want) == 0, "%s: got \"%s\", want "
	    "\"%s\"", r->name, got, r->want);
}
END_TEST

START_TEST(test_empty)
{
	struct thread_row out[1];

	ck_assert_int_eq(thread_build(NULL, 0, 0, out), 0);
}
END_TEST

START_TEST(test_null_strings)
{
	struct thread_in in[2] = {
		{ NULL, NULL, NULL, NULL, 1 }, { "b", NULL, NULL, NULL, 2 } };
	struct thread_row out[2];

	ck_assert_int_eq(thread_build(in, 2, 0, out), 0);
	check_rows(out, 2);
}
END_TEST

#define DEEP	10000

/*
 * A 10,000-deep chain, linked by In-Reply-To (_i 0), by the last few
 * References (_i 1), and fed in reverse (_i 2): no stack overflow, the
 * depths are exact and the prefixes stay inside their 64 bytes.
 */
START_TEST(test_deep)
{
	struct thread_in *in = calloc(DEEP, sizeof *in);
	struct thread_row *out = calloc(DEEP, sizeof *out);
	char		(*ids)[16] = calloc(DEEP, sizeof *ids);
	char		(*refs)[64] = calloc(DEEP, sizeof *refs);
	size_t		 i, j;

	ck_assert(in != NULL && out != NULL && ids != NULL && refs != NULL);
	for (i = 0; i < DEEP; i++) {
		j = _i == 2 ? DEEP - 1 - i : i;
		snprintf(ids[j], sizeof ids[j], "m%zu", i);
		in[j].message_id = ids[j];
		in[j].subject = "deep";
		in[j].date = (int64_t)i;
		in[j].in_reply_to = i > 0 ? ids[_i == 2 ? j + 1 : j - 1] : "";
		if (_i == 1 && i >= 2)
			snprintf(refs[j], sizeof refs[j], "m%zu m%zu", i - 2,
			    i - 1);
		in[j].references = refs[j];
	}
	ck_assert_int_eq(thread_build(in, DEEP, 1, out), 0);
	check_rows(out, DEEP);
	for (i = 0; i < DEEP; i++) {
		ck_assert_int_eq(out[i].depth, (int)i);
		ck_assert_uint_eq(out[i].thread_size, DEEP);
		ck_assert_uint_eq(out[i].idx, _i == 2 ? DEEP - 1 - i : i);
	}
	ck_assert_str_eq(out[1].prefix, "└─>");
	ck_assert_str_eq(out[2].prefix, "  └─>");
	ck_assert_ptr_nonnull(strstr(out[DEEP - 1].prefix, "…"));
	free(in);
	free(out);
	free(ids);
	free(refs);
}
END_TEST

/* A wide thread: 10,000 replies to one message. */
START_TEST(test_wide)
{
	struct thread_in *in = calloc(DEEP, sizeof *in);
	struct thread_row *out = calloc(DEEP, sizeof *out);
	size_t		 i;

	ck_assert(in != NULL && out != NULL);
	for (i = 0; i < DEEP; i++) {
		in[i].message_id = i == 0 ? "root" : "";
		in[i].in_reply_to = i == 0 ? "" : "root";
		in[i].references = "";
		in[i].date = (int64_t)(DEEP - i);
	}
	in[0].date = -1;
	ck_assert_int_eq(thread_build(in, DEEP, 0, out), 0);
	check_rows(out, DEEP);
	ck_assert_uint_eq(out[0].idx, 0);
	for (i = 1; i < DEEP; i++) {
		ck_assert_uint_eq(out[i].idx, DEEP - i);
		ck_assert_int_eq(out[i].depth, 1);
		ck_assert_str_eq(out[i].prefix, i + 1 < DEEP ? "├─>" : "└─>");
	}
	free(in);
	free(out);
}
END_TEST

/*
 * A reply whose References names 1,000 ids: only the nearest count, and
 * the last one is still its parent.
 */
START_TEST(test_many_refs)
{
	struct thread_in in[2] = { { "p", "", "", "", 1 },
	    { "r", "", NULL, "", 2 } };
	struct thread_row out[2];
	char		*refs = malloc(1000 * 8 + 8);
	size_t		 i, len = 0;

	ck_assert_ptr_nonnull(refs);
	for (i = 0; i < 999; i++)
		len += (size_t)sprintf(refs + len, "x%zu ", i);
	strcpy(refs + len, "p");
	in[1].references = refs;
	ck_assert_int_eq(thread_build(in, 2, 0, out), 0);
	check_rows(out, 2);
	ck_assert_uint_eq(out[0].idx, 0);
	ck_assert_uint_eq(out[1].idx, 1);
	ck_assert_int_eq(out[1].depth, 1);
	free(refs);
}
END_TEST

static uint64_t rng_state;

static unsigned
rng(unsigned bound)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng_state >> 33) % bound;
}

#define RAND_N		3000
#define RAND_POOL	700

/*
 * Random ids from a small pool (so duplicates, loops and missing
 * parents are common), random references and dates: every message
 * appears exactly once and the tree invariants hold.
 */
START_TEST(test_random)
{
	struct thread_in *in = calloc(RAND_N, sizeof *in);
	struct thread_row *out = calloc(RAND_N, sizeof *out);
	char		(*ids)[16] = calloc(RAND_N, sizeof *ids);
	char		(*irt)[16] = calloc(RAND_N, sizeof *irt);
	char		(*refs)[160] = calloc(RAND_N, sizeof *refs);
	size_t		 i, k, nref, len;

	ck_assert(in && out && ids && irt && refs);
	rng_state = 0x9e3779b97f4a7c15ULL * (uint64_t)(_i + 1);
	for (i = 0; i < RAND_N; i++) {
		if (rng(10) > 0)
			snprintf(ids[i], sizeof ids[i], "%u", rng(RAND_POOL));
		if (rng(3) == 0)
			snprintf(irt[i], sizeof irt[i], "%u", rng(RAND_POOL));
		nref = rng(12);
		for (k = 0, len = 0; k < nref; k++)
			len += (size_t)snprintf(refs[i] + len,
			    sizeof refs[i] - len, " %u", rng(RAND_POOL));
		in[i].message_id = ids[i];
		in[i].in_reply_to = irt[i];
		in[i].references = refs[i];
		in[i].subject = "";
		in[i].date = (int64_t)rng(50);
	}
	ck_assert_int_eq(thread_build(in, RAND_N, _i & 1, out), 0);
	check_rows(out, RAND_N);
	free(in);
	free(out);
	free(ids);
	free(irt);
	free(refs);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("thread");
	TCase	*tc = tcase_create("thread");

	tcase_add_loop_test(tc, test_table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_loop_test(tc, test_subjects, 0,
	    sizeof srows / sizeof srows[0]);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_null_strings);
	tcase_add_loop_test(tc, test_deep, 0, 3);
	tcase_add_test(tc, test_wide);
	tcase_add_test(tc, test_many_refs);
	tcase_add_loop_test(tc, test_random, 0, 20);
	suite_add_tcase(s, tc);
	return s;
}
