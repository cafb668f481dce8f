/*
 * check_util.c - unit tests for src/core/util.c and src/net/sasl.c:
 * base64, loopback detection, suggestions, and the SASL payloads that
 * carry the user's credentials (table-driven where the inputs are data),
 * and read_file_head(), which reads only regular files.
 * Covers SECURITY.md #11 (CR or LF in a credential is refused).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "check_main.h"

static const struct { const char *in; const char *out; } b64_tab[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },			/* RFC 4648 section 10 */
	{ "\xff\xfe\xfd", "//79" },
};

START_TEST(test_base64)
{
	char	*s = base64_encode(b64_tab[_i].in, strlen(b64_tab[_i].in));

	ck_assert_str_eq(s, b64_tab[_i].out);
	free(s);
}
END_TEST

/* Each digit of the encoder's alphabet decodes to its place; no other. */
START_TEST(test_base64_value)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	int		 c, n = 0;

	for (c = 0; c < 256; c++) {
		const char *p = c != 0 ? strchr(digits, c) : NULL;

		ck_assert_int_eq(base64_value(c), p != NULL ?
		    (int)(p - digits) : -1);
		n += p != NULL;
	}
	ck_assert_int_eq(n, 64);
	ck_assert_int_eq(base64_value('='), -1);
	ck_assert_int_eq(base64_value('-'), -1);
	ck_assert_int_eq(base64_value(','), -1);
}
END_TEST

static const struct { const char *host; int loop; } loop_tab[] = {
	{ "localhost", 1 }, { "LOCALHOST", 1 }, { "127.0.0.1", 1 },
	{ "127.1.2.3", 1 }, { "::1", 1 }, { "127.0.0.1.evil.com", 0 },
	{ "127.example", 0 }, { "10.0.0.1", 0 }, { "imap.example.com", 0 },
	{ "localhost.evil.com", 0 }, { "", 0 }, { "127.0.0", 0 },
};

START_TEST(test_loopback)
{
	ck_assert_int_eq(host_is_loopback(loop_tab[_i].host), loop_tab[_i].loop);
}
END_TEST

START_TEST(test_edit_distance)
{
	ck_assert_uint_eq(edit_distance("password", "pasword"), 1);
	ck_assert_uint_eq(edit_distance("imap", "smtp"), 2);
	ck_assert_uint_eq(edit_distance("", "abc"), 3);
	ck_assert_uint_eq(edit_distance("same", "same"), 0);
}
END_TEST

START_TEST(test_sasl_plain)
{
	/* RFC 4616: authzid NUL authcid NUL passwd, base64. */
	char	*s = sasl_plain("alice", "c\"a\\{5} pw");
	char	*want = base64_encode("\0alice\0c\"a\\{5} pw", 17);

	ck_assert_str_eq(s, want);
	free(s);
	free(want);
}
END_TEST

START_TEST(test_sasl_oauth)
{
	const char rawx[] = "user=a@b\001auth=Bearer tok\001\001";
	char	*x = sasl_xoauth2("a@b", "tok");
	char	*wx = base64_encode(rawx, sizeof rawx - 1);
	char	*o = sasl_oauthbearer("a@b", "imap.b", 993, "tok");
	const char raw[] = "n,a=a@b,\001host=imap.b\001port=993\001auth=Bearer tok\001\001";
	char	*wo = base64_encode(raw, sizeof raw - 1);

	ck_assert_str_eq(x, wx);
	ck_assert_str_eq(o, wo);
	free(x);
	free(wx);
	free(o);
	free(wo);
}
END_TEST

static const struct { const char *s; int ok; } check_tab[] = {
	{ "plain", 0 }, { "with space \"q\" \\ {5}", 0 }, { "caf\xc3\xa9", 0 },
	{ "a\rb", -1 }, { "a\nb", -1 }, { "a\r\nA1 DELETE INBOX", -1 },
	{ "tab\there", -1 }, { "del\x7f", -1 }, { "esc\x1b[2J", -1 },
};

START_TEST(test_sasl_check)
{
	char	*err = NULL;

	ck_assert_int_eq(sasl_check(check_tab[_i].s, "the password", &err),
	    check_tab[_i].ok);
	if (check_tab[_i].ok == -1)
		ck_assert_ptr_nonnull(strstr(err, "control character"));
	free(err);
}
END_TEST

START_TEST(test_secret_free_null)
{
	secret_free(NULL);
	secret_free(xstrdup("x"));
}
END_TEST

/*
 * A cache file someone replaced: only a regular file is read, at most
 * max bytes of it, and a FIFO does not block the open.
 */
START_TEST(test_read_file_head)
{
	char	 dir[] = "/tmp/check_util.XXXXXX", *p, *q, *buf;
	size_t	 n;
	int64_t	 size = -1;
	FILE	*fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	p = xasprintf("%s/file", dir);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("Message-ID: <a@b>\n\nbody\n", fp);
	fclose(fp);
	buf = read_file_head(p, 11, &n, &size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(n, 11);
	ck_assert_str_eq(buf, "Message-ID:");
	ck_assert_int_eq(size, 24);
	free(buf);
	buf = read_file_head(p, 1000, &n, NULL);
	ck_assert_uint_eq(n, 24);
	free(buf);

	q = xasprintf("%s/link", dir);
	ck_assert_int_eq(symlink(p, q), 0);
	ck_assert_ptr_null(read_file_head(q, 100, &n, NULL));
	unlink(q);
	free(q);
	q = xasprintf("%s/fifo", dir);
	ck_assert_int_eq(mkfifo(q, 0600), 0);
	ck_assert_ptr_null(read_file_head(q, 100, &n, NULL));
	unlink(q);
	free(q);
	ck_assert_ptr_null(read_file_head(dir, 100, &n, NULL));
	q = xasprintf("%s/none", dir);
	ck_assert_ptr_null(read_file_head(q, 100, &n, NULL));
	free(q);
	unlink(p);
	free(p);
	rmdir(dir);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_base64, 0,
	    sizeof b64_tab / sizeof b64_tab[0]);
	tcase_add_test(tc, test_base64_value);
	tcase_add_loop_test(tc, test_loopback, 0,
	    sizeof loop_tab / sizeof loop_tab[0]);
	tcase_add_test(tc, test_edit_distance);
	tcase_add_test(tc, test_sasl_plain);
	tcase_add_test(tc, test_sasl_oauth);
	tcase_add_loop_test(tc, test_sasl_check, 0,
	    sizeof check_tab / sizeof check_tab[0]);
	tcase_add_test(tc, test_secret_free_null);
	tcase_add_test(tc, test_read_file_head);
	suite_add_tcase(s, tc);
	return s;
}


