/*
 * check_mailcap.c - unit tests for src/mail/mailcap.c: the viewer argv
 * for a MIME type from temporary mailcap files (wildcards, order,
 * test= skipped, needsterminal, quoting), and SECURITY.md test 47: the
 * file name is never shell text, whatever it contains.  Single-threaded
 * test binary; nothing is executed.
 */
#include "check_main.h"

#include <sys/wait.h>

#include <string.h>
#include <unistd.h>

#include "mail.h"

#define PATH	"/tmp/tern-view.Ab3dEf"
/* A file name that would do damage if it ever reached a shell as text. */
#define EVIL	"/tmp/a b'\"$(touch pwned)`id`;x|y&z\\"

static char	 tmpdir[] = "/tmp/check_mailcap.XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", tmpdir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
}

static char *
write_file(const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	FILE	*fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

#define SH	"/bin/sh", "-c"

static const struct row {
	const char	*name;
	const char	*mailcap;
	const char	*type;
	const char	*path;		/* NULL: PATH */
	int		 term;
	const char	*argv[8];	/* { NULL }: no viewer */
} rows[] = {
	{ "simple", "text/plain; less %s\n", "text/plain", NULL, 0,
	    { "less", PATH } },
	{ "needsterminal", "text/plain; less %s; needsterminal\n",
	    "text/plain", NULL, 1, { "less", PATH } },
	{ "copiousoutput", "text/html; w3m -dump -T text/html %s; "
	    "copiousoutput\n", "text/html", NULL, 0,
	    { "w3m", "-dump", "-T", "text/html", PATH } },
	{ "flags_case", "text/plain; less %s; NeedsTerminal; x-foo=1\n",
	    "text/plain", NULL, 1, { "less", PATH } },
	{ "type_case", "Text/HTML; lynx %s\n", "text/html", NULL, 0,
	    { "lynx", PATH } },
	{ "want_case", "text/html; lynx %s\n", "TEXT/Html", NULL, 0,
	    { "lynx", PATH } },
	{ "want_params", "text/plain; less %s\n",
	    "text/plain; charset=utf-8", NULL, 0, { "less", PATH } },
	{ "wildcard", "image/*; feh %s\n", "image/png", NULL, 0,
	    { "feh", PATH } },
	{ "bare_major", "image; sxiv %s\n", "image/jpeg", NULL, 0,
	    { "sxiv", PATH } },
	{ "wildcard_other_major", "image/*; feh %s\n", "imagex/png", NULL, 0,
	    { NULL } },
	{ "prefix_not_match", "text/plain; less %s\n", "text/plainx", NULL, 0,
	    { NULL } },
	{ "want_no_slash", "text/plain; less %s\n", "text", NULL, 0,
	    { NULL } },
	{ "order_first_wins", "image/*; feh %s\nimage/png; sxiv %s\n",
	    "image/png", NULL, 0, { "feh", PATH } },
	{ "order_exact_first", "image/png; sxiv %s\nimage/*; feh %s\n",
	    "image/png", NULL, 0, { "sxiv", PATH } },
	{ "test_skipped", "text/html; firefox %s; test=test -n \"$DISPLAY\"\n"
	    "text/html; w3m -dump %s; copiousoutput\n", "text/html", NULL, 0,
	    { "w3m", "-dump", PATH } },
	{ "test_spaces_skipped", "text/html; firefox %s; test = true\n",
	    "text/html", NULL, 0, { NULL } },
	{ "tests_all", "a/b; x %s; test=true\n", "a/b", NULL, 0, { NULL } },
	{ "quoting", "application/pdf; zathura --mode 'pres mode' \"a b\" %s\n",
	    "application/pdf", NULL, 0,
	    { "zathura", "--mode", "pres mode", "a b", PATH } },
	{ "quoted_metachars", "a/b; view '|\\;&$()' %s\n", "a/b", NULL, 0,
	    { "view", "|;&$()", PATH } },
	{ "unescaped_semicolon_in_quotes", "a/b; view ';' %s\n", "a/b", NULL,
	    0, { NULL } },
	{ "empty_word", "a/b; view '' %s\n", "a/b", NULL, 0,
	    { "view", "", PATH } },
	{ "s_in_single_quotes", "a/b; view '%s'\n", "a/b", EVIL, 0,
	    { "view", EVIL } },
	{ "s_in_double_quotes", "a/b; view \"%s\"\n", "a/b", EVIL, 0,
	    { "view", EVIL } },
	{ "s_bare_evil", "a/b; view %s\n", "a/b", EVIL, 0,
	    { "view", EVIL } },
	{ "s_in_word", "a/b; view --file=%s\n", "a/b", NULL, 0,
	    { "view", "--file=" PATH } },
	{ "s_twice", "a/b; diff %s %s\n", "a/b", NULL, 0,
	    { "diff", PATH, PATH } },
	{ "percent_t", "a/b; view -t %t %s\n", "a/b", NULL, 0,
	    { "view", "-t", "a/b", PATH } },
	{ "percent_param", "a/b; view -c x%{charset}y %s\n", "a/b", NULL, 0,
	    { "view", "-c", "xy", PATH } },
	{ "percent_literal", "a/b; view 50%% %s 100% \\%s\n", "a/b", NULL, 0,
	    { "view", "50%", PATH, "100%", "%s" } },
	{ "escaped_semicolon", "a/b; echo a\\; ls %s\n", "a/b", NULL, 0,
	    { SH, "echo a; ls \"$1\"", "sh", PATH } },
	{ "shell_pipe", "text/x-gz; gunzip -c %s | less; needsterminal\n",
	    "text/x-gz", EVIL, 1, { SH, "gunzip -c \"$1\" | less", "sh", EVIL } },
	{ "shell_and", "a/b; test -s %s && cat %s\n", "a/b", NULL, 0,
	    { SH, "test -s \"$1\" && cat \"$1\"", "sh", PATH } },
	{ "shell_backticks", "a/b; view `cat ~/.x` %s\n", "a/b", NULL, 0,
	    { SH, "view `cat ~/.x` \"$1\"", "sh", PATH } },
	{ "shell_dollar_paren", "a/b; view $(x) %s\n", "a/b", NULL, 0,
	    { SH, "view $(x) \"$1\"", "sh", PATH } },
	{ "shell_dollar_in_dq", "a/b; view \"$HOME\" %s\n", "a/b", NULL, 0,
	    { SH, "view \"$HOME\" \"$1\"", "sh", PATH } },
	{ "shell_redirect", "a/b; view %s >/dev/null\n", "a/b", NULL, 0,
	    { SH, "view \"$1\" >/dev/null", "sh", PATH } },
	{ "shell_env", "a/b; LANG=C view %s\n", "a/b", NULL, 0,
	    { SH, "LANG=C view \"$1\"", "sh", PATH } },
	{ "not_env", "a/b; view --x=y %s\n", "a/b", NULL, 0,
	    { "view", "--x=y", PATH } },
	{ "shell_s_single_quotes", "a/b; cat '%s' | less\n", "a/b", EVIL, 0,
	    { SH, "cat ''\"$1\"'' | less", "sh", EVIL } },
	{ "shell_s_double_quotes", "a/b; cat \"x%s\" | less\n", "a/b", EVIL, 0,
	    { SH, "cat \"x$1\" | less", "sh", EVIL } },
	{ "shell_t", "a/b; view %t %s | less\n", "a/b", NULL, 0,
	    { SH, "view \"$2\" \"$1\" | less", "sh", PATH, "a/b" } },
	{ "shell_backslash", "a/b; view \\$x %s\n", "a/b", NULL, 0,
	    { SH, "view \\$x \"$1\"", "sh", PATH } },
	{ "stdin", "text/plain; less\n", "text/plain", NULL, 0,
	    { SH, "exec <\"$1\"; less", "sh", PATH } },
	{ "stdin_pipe", "a/b; a | b; needsterminal\n", "a/b", EVIL, 1,
	    { SH, "exec <\"$1\"; a | b", "sh", EVIL } },
	{ "comments_blanks", "# a comment\n\n   # another\ntext/plain; less %s\n",
	    "text/plain", NULL, 0, { "less", PATH } },
	{ "continuation", "text/plain; \\\n  less \\\n %s; \\\n needsterminal\n",
	    "text/plain", NULL, 1, { "less", PATH } },
	{ "continuation_test", "a/b; x %s; \\\n test=false\na/b; y %s\n", "a/b",
	    NULL, 0, { "y", PATH } },
	{ "crlf", "a/b; x %s; needsterminal\r\n", "a/b", NULL, 1,
	    { "x", PATH } },
	{ "no_command", "a/b\na/b;\na/b; ; copiousoutput\na/b; y %s\n", "a/b",
	    NULL, 0, { "y", PATH } },
	{ "unbalanced_quote", "a/b; x '%s\na/b; y %s\n", "a/b", NULL, 0,
	    { "y", PATH } },
	{ "unbalanced_shell", "a/b; x \"%s | z\na/b; y %s\n", "a/b", NULL, 0,
	    { "y", PATH } },
	{ "tabs", "a/b;\tx\t%s\t;\tneedsterminal\n", "a/b", NULL, 1,
	    { "x", PATH } },
	{ "no_match", "text/plain; less %s\n", "image/png", NULL, 0,
	    { NULL } },
	{ "empty_file", "", "text/plain", NULL, 0, { NULL } },
};

static void
check_argv(const char *name, char **argv, const char *const *want)
{
	size_t	 i;

	if (want[0] == NULL) {
		ck_assert_msg(argv == NULL, "%s: got a viewer (%s)", name,
		    argv != NULL ? argv[0] : "");
		return;
	}
	ck_assert_msg(argv != NULL, "%s: no viewer", name);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(argv[i] != NULL, "%s: argv[%zu] missing", name, i);
		ck_assert_msg(strcmp(argv[i], want[i]) == 0, "%s: argv[%zu] "
		    "\"%s\", want \"%s\"", name, i, argv[i], want[i]);
	}
	ck_assert_msg(argv[i] == NULL, "%s: extra argv[%zu] \"%s\"", name, i,
	    argv[i]);
}

START_TEST(test_table)
{
	const struct row *r = &rows[_i];
	char	*file, **argv;
	int	 term = -1;

	file = write_file(r->name, r->mailcap);
	argv = mailcap_viewer_in(file, r->type, r->path ? r->path : PATH,
	    &term);
	check_argv(r->name, argv, r->argv);
	if (argv != NULL)
		ck_assert_msg(term == r->term, "%s: needs_term %d", r->name,
		    term);
	else
		ck_assert_int_eq(term, 0);
	mailcap_argv_free(argv);
	free(file);
}
END_TEST

/* Files in order; a missing file is skipped; ~/ is $HOME. */
START_TEST(test_files)
{
	static const char *const feh[] = { "feh", PATH, NULL };
	static const char *const sxiv[] = { "sxiv", PATH, NULL };
	static const char *const less[] = { "less", PATH, NULL };
	char	*a, *b, *list, **argv, *oldhome;
	int	 term;

	a = write_file("a", "image/png; feh %s\n");
	b = write_file("b", "image/*; sxiv %s\ntext/plain; less %s\n");
	list = xasprintf("%s/missing:%s::%s", tmpdir, a, b);
	argv = mailcap_viewer_in(list, "image/png", PATH, &term);
	check_argv("a_first", argv, feh);
	mailcap_argv_free(argv);
	argv = mailcap_viewer_in(list, "image/gif", PATH, &term);
	check_argv("b_wildcard", argv, sxiv);
	mailcap_argv_free(argv);
	argv = mailcap_viewer_in(list, "text/plain", PATH, NULL);
	check_argv("b_text", argv, less);
	mailcap_argv_free(argv);
	free(list);
	list = xasprintf("%s:%s", b, a);
	argv = mailcap_viewer_in(list, "image/png", PATH, &term);
	check_argv("b_first", argv, sxiv);
	mailcap_argv_free(argv);
	free(list);

	oldhome = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", tmpdir, 1);
	argv = mailcap_viewer_in("~/a", "image/png", PATH, &term);
	check_argv("home", argv, feh);
	mailcap_argv_free(argv);
	if (oldhome != NULL)
		setenv("HOME", oldhome, 1);
	free(oldhome);

	ck_assert_ptr_null(mailcap_viewer_in("", "image/png", PATH, &term));
	ck_assert_ptr_null(mailcap_viewer_in(a, "", PATH, &term));
	ck_assert_ptr_null(mailcap_viewer_in(a, NULL, PATH, &term));
	mailcap_argv_free(NULL);
	free(a);
	free(b);
}
END_TEST

/* mailcap_viewer() reads $MAILCAPS. */
START_TEST(test_env)
{
	static const char *const want[] = { "mpv", "--", PATH, NULL };
	char	*f, *old, **argv;
	int	 term = -1;

	f = write_file("env", "video/*; mpv -- %s; needsterminal\n");
	old = getenv("MAILCAPS") ? xstrdup(getenv("MAILCAPS")) : NULL;
	setenv("MAILCAPS", f, 1);
	argv = mailcap_viewer("video/mp4", PATH, &term);
	check_argv("env", argv, want);
	ck_assert_int_eq(term, 1);
	mailcap_argv_free(argv);
	ck_assert_ptr_null(mailcap_viewer("x-nothing/x-nothing", PATH, &term));
	if (old != NULL)
		setenv("MAILCAPS", old, 1);
	else
		unsetenv("MAILCAPS");
	free(old);
	free(f);
}
END_TEST

/*
 * SECURITY.md test 47: whatever the file name holds, it reaches the
 * viewer as exactly one argument (checked by running the shell form
 * through /bin/sh with printf as the viewer) and no command in it runs.
 */
START_TEST(test_shell_keeps_path_out)
{
	char	*f, **argv, *pwned, buf[512];
	FILE	*fp;
	size_t	 n;
	int	 fds[2], status;
	pid_t	 pid;

	f = write_file("sec", "a/b; printf '[%%s]' %s | cat\n");
	argv = mailcap_viewer_in(f, "a/b", EVIL, NULL);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[0], "/bin/sh");
	ck_assert_str_eq(argv[4], EVIL);
	/* Run it the way the UI would (argv, no shell of ours around it). */
	pwned = xasprintf("%s/pwned", tmpdir);
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "r");
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_str_eq(buf, "[" EVIL "]");
	ck_assert_int_ne(access(pwned, F_OK), 0);
	mailcap_argv_free(argv);
	free(pwned);
	free(f);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("mailcap");
	TCase	*tc = tcase_create("mailcap");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_shell_keeps_path_out);
	suite_add_tcase(s, tc);
	return s;
}
