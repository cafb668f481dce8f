/*
 * check_trust.c - unit tests for src/net/trust.c, the file of
 * certificates a user trusted for one account: its path, the pin
 * syntax, writing (0600, one line per server, replacing an older pin)
 * and reading (bounded, tolerant of garbage, and ignoring a file that
 * others could have written).  Runs on the test's own thread.
 * Covers SECURITY.md #10 in part: a pin is found only for its own
 * account's file and its own host:port (tests/integration/ask.sh
 * covers the engine side).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "check_main.h"

#define PIN_A	"sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define PIN_B	"sha256:LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="

static char	tmpdir[64];
static char	path[128];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_trust.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof path, "%s/acct/trusted", tmpdir);
}

static void
teardown(void)
{
	char	cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

static char *
slurp(const char *p)
{
	FILE	*f = fopen(p, "r");
	char	*buf = calloc(1, 4096);
	size_t	 n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
spew(const char *p, const char *text, mode_t mode)
{
	FILE	*f;
	char	 dir[128];

	snprintf(dir, sizeof dir, "%s/acct", tmpdir);
	mkdir(dir, 0700);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static const struct { const char *pin; int ok; } pin_tab[] = {
	{ PIN_A, 1 }, { PIN_B, 1 },
	{ "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", 0 },
	{ "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", 0 },
	{ "sha1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", 0 },
	{ "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu U=", 0 },
	{ "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==", 0 },
	{ "", 0 }, { "sha256:", 0 },
};

START_TEST(test_pin_valid)
{
	ck_assert_int_eq(trust_pin_valid(pin_tab[_i].pin), pin_tab[_i].ok);
}
END_TEST

START_TEST(test_file_path)
{
	char	*p;

	setenv("XDG_DATA_HOME", "/x/data", 1);
	p = trust_file("work");
	ck_assert_str_eq(p, "/x/data/tern/work/trusted");
	free(p);
}
END_TEST

START_TEST(test_missing)
{
	ck_assert_ptr_null(trust_lookup(path, "localhost", 993));
}
END_TEST

START_TEST(test_add_lookup)
{
	struct stat	 st;
	char		*err = NULL, *pin, *text;

	ck_assert_int_eq(trust_add(path, "localhost", 993, PIN_A, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	text = slurp(path);
	ck_assert_str_eq(text, "localhost:993 " PIN_A "\n");
	free(text);
	pin = trust_lookup(path, "localhost", 993);
	ck_assert_str_eq(pin, PIN_A);
	free(pin);
	/* The pin is for that host and port only. */
	ck_assert_ptr_null(trust_lookup(path, "localhost", 143));
	ck_assert_ptr_null(trust_lookup(path, "127.0.0.1", 993));
	ck_assert_ptr_null(trust_lookup(path, "localhost.evil", 993));
	/* Another server is added; the same one is replaced. */
	ck_assert_int_eq(trust_add(path, "imap.example.com", 143, PIN_B,
	    &err), 0);
	ck_assert_int_eq(trust_add(path, "localhost", 993, PIN_B, &err), 0);
	text = slurp(path);
	ck_assert_str_eq(text, "imap.example.com:143 " PIN_B "\n"
	    "localhost:993 " PIN_B "\n");
	free(text);
	pin = trust_lookup(path, "LOCALHOST", 993);
	ck_assert_str_eq(pin, PIN_B);
	free(pin);
	/* No temporary file is left behind. */
	text = xasprintf("ls -A '%s/acct' | grep -vx trusted", tmpdir);
	ck_assert_int_ne(system(text), 0);
	free(text);
}
END_TEST

START_TEST(test_add_refuses)
{
	char	*err = NULL;

	ck_assert_int_eq(trust_add(path, "localhost", 993, "sha256:nope",
	    &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	err = NULL;
	ck_assert_int_eq(trust_add(path, "local host", 993, PIN_A, &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(trust_add(path, "localhost", 0, PIN_A, &err), -1);
	free(err);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* Lines that mean nothing: each alone finds no pin. */
static const char *const garbage_tab[] = {
	"", "\n", "# localhost:993 " PIN_A "\n",
	"localhost " PIN_A "\n",			/* no port */
	"localhost:0 " PIN_A "\n", "localhost:65536 " PIN_A "\n",
	"localhost:99x3 " PIN_A "\n", ":993 " PIN_A "\n",
	"localhost:993 sha256:short=\n", "localhost:993\n",
	"localhost:993  " PIN_A "\n",			/* two spaces */
	"localhost:993 " PIN_A " trailing\n",
	"\x01\xff\xfe garbage \x1b[2J\n",
};

START_TEST(test_garbage)
{
	char	*pin, *text;

	spew(path, garbage_tab[_i], 0600);
	ck_assert_ptr_null(trust_lookup(path, "localhost", 993));
	/* A good line after it still counts. */
	text = xasprintf("%s\nlocalhost:993 %s\n", garbage_tab[_i], PIN_A);
	spew(path, text, 0600);
	free(text);
	pin = trust_lookup(path, "localhost", 993);
	ck_assert_ptr_nonnull(pin);
	ck_assert_str_eq(pin, PIN_A);
	free(pin);
}
END_TEST

START_TEST(test_others_writable)
{
	char	*pin;

	spew(path, "localhost:993 " PIN_A "\n", 0620);
	ck_assert_ptr_null(trust_lookup(path, "localhost", 993));
	chmod(path, 0602);
	ck_assert_ptr_null(trust_lookup(path, "localhost", 993));
	chmod(path, 0644);	/* readable by others is fine */
	pin = trust_lookup(path, "localhost", 993);
	ck_assert_ptr_nonnull(pin);
	free(pin);
}
END_TEST

START_TEST(test_ipv6)
{
	char	*err = NULL, *pin;

	ck_assert_int_eq(trust_add(path, "::1", 993, PIN_A, &err), 0);
	pin = trust_lookup(path, "::1", 993);
	ck_assert_str_eq(pin, PIN_A);
	free(pin);
	ck_assert_ptr_null(trust_lookup(path, "::1", 143));
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("trust");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_pin_valid, 0,
	    sizeof pin_tab / sizeof pin_tab[0]);
	tcase_add_test(tc, test_file_path);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_add_lookup);
	tcase_add_test(tc, test_add_refuses);
	tcase_add_loop_test(tc, test_garbage, 0,
	    sizeof garbage_tab / sizeof garbage_tab[0]);
	tcase_add_test(tc, test_others_writable);
	tcase_add_test(tc, test_ipv6);
	suite_add_tcase(s, tc);
	return s;
}
