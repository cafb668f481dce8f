/*
 * main.c - tern's command line: options and the table of subcommands.
 * The main thread.  This is the only place that exits; everything below
 * returns errors for it to print (through the sanitizer) and decide.
 *
 * Exit status: 0 success, 1 a check or operation failed, 2 bad usage
 * or a bad configuration file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "net.h"
#include "ui.h"

static const char usage_text[] =
"usage: tern [-v] [-c file] [--demo] [command [args]]\n"
"       tern [-v] [-c file] mailto:URL   (the UI, writing to URL)\n"
"\n"
"tern is a terminal mail client.  Without a command it opens the\n"
"terminal UI over every account (--demo: over a built-in demo\n"
"mailbox, offline, no configuration needed).  Commands:\n"
"  check [account ...]        connect, authenticate and report on the\n"
"                             IMAP and SMTP servers of each account\n"
"  password account           ask for a password and store it in the\n"
"                             Secret Service (libsecret)\n"
"  password --delete account  remove the stored password\n"
"  sync [--watch] [account ...]\n"
"                             bring the local store of each account in\n"
"                             line with its server (--watch: keep going)\n"
"  search [-a account] [--json] query\n"
"                             list cached messages matching query\n"
"  mark -a account action query\n"
"                             queue a change (--read, --unread, --flag,\n"
"                             --unflag, --delete, --move folder) for every\n"
"                             matching message\n"
"  show [--raw] [--headers] file|-\n"
"                             print a message file as the pager shows it\n"
"  send [-a account] [-t] [--queue-ok] [recipient ...] < message\n"
"                             submit a message over SMTP (also as sendmail)\n"
"  send [-a account] --flush | --list | --retry ID | --delete ID\n"
"                             the outbox: submit, list, resend, drop\n"
"\n"
"options:\n"
"  -c file      configuration file (default $XDG_CONFIG_HOME/tern/config)\n"
"  -v           log more (repeat for debug and protocol traces)\n"
"  -h, --help   this help\n"
"  -V, --version\n"
"\n"
"See tern(1) and tern.conf(5).\n";

static struct config *
load_config(const char *path)
{
	struct config	*cfg;
	char		*def = NULL, *err = NULL;

	if (path == NULL)
		path = def = config_default_path();
	cfg = config_load(path, &err);
	if (cfg == NULL) {
		say("%s", err);
		free(err);
		free(def);
		exit(2);
	}
	free(def);
	return cfg;
}

/* Commands that work on files alone and run without a configuration. */
static int
needs_config(const char *name)
{
	return strcmp(name, "show") != 0;
}

/* The subcommands: adding one is adding a line here and a cmd_*.c. */
static const struct command {
	const char	*name;
	int		(*exec)(struct config *, int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "password", cmd_password },
	{ "sync", cmd_sync },
	{ "search", cmd_search },
	{ "mark", cmd_mark },
	{ "show", cmd_show },
	{ "send", cmd_send },
	{ NULL, NULL }
};

/* tern without a command: the terminal UI. */
static int
run_ui(const char *cfgpath, int verbose)
{
	struct config	*cfg = load_config(cfgpath);
	char		*err = NULL;
	int		 rc;

	/* The screen is the UI's: the log goes to log_file or nowhere. */
	if (log_open(cfg->log_file != NULL ? cfg->log_file : "/dev/null",
	    verbose >= 3 ? LOG_TRACE : verbose == 2 ? LOG_DEBUG :
	    verbose == 1 ? LOG_INFO : LOG_WARN, &err) == -1) {
		say("cannot open log_file: %s", err);
		free(err);
		config_free(cfg);
		return 2;
	}
	rc = cmd_ui(cfg);
	log_close();
	config_free(cfg);
	return rc;
}

/*
 * Called as sendmail (a link named sendmail, or git send-email's
 * --smtp-server=/path/to/tern, which passes -i and the recipients):
 * "tern send" with the same arguments.
 */
static char	**sendmail_nv;	/* the new argv; freed at exit */

static void
sendmail_argv_free(void)
{
	free(sendmail_nv);
}

static char **
sendmail_argv(int *argcp, char **argv)
{
	static const char *const opts[] = { "-i", "-oi", "-t", "-f", NULL };
	const char	*base = strrchr(argv[0], '/');
	char		**nv;
	int		 i, yes = 0;

	base = base != NULL ? base + 1 : argv[0];
	if (strcmp(base, "sendmail") == 0)
		yes = 1;
	for (i = 0; *argcp > 1 && opts[i] != NULL; i++)
		if (strcmp(argv[1], opts[i]) == 0)
			yes = 1;
	if (!yes)
		return argv;
	nv = xcalloc((size_t)*argcp + 2, sizeof *nv);
	nv[0] = argv[0];
	nv[1] = (char *)"send";
	for (i = 1; i < *argcp; i++)
		nv[i + 1] = argv[i];
	(*argcp)++;
	sendmail_nv = nv;
	atexit(sendmail_argv_free);
	return nv;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "demo", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *c;
	struct config	*cfg;
	const char	*cfgpath = NULL, *cmd;
	char		*err = NULL;
	int		 ch, verbose = 0, rc, demo = 0;
	enum log_level	 level;

	clock_start();
	argv = sendmail_argv(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+c:hvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("tern %s\n", VERSION);
			return 0;
		case 'D':
			demo = 1;
			break;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (demo) {
		/* The engines must not write on the screen: no log unless -v. */
		if (log_open(verbose ? "tern-demo.log" : "/dev/null", verbose ?
		    LOG_DEBUG : LOG_ERROR, &err) == -1) {
			say("%s", err);
			free(err);
			return 1;
		}
		rc = cmd_demo();
		log_close();
		return rc;
	}
	if (argc == 0)
		return run_ui(cfgpath, verbose);
	/* tern 'mailto:...': the UI, with the composer open (RFC 6068). */
	if (argc == 1 && strncasecmp(argv[0], "mailto:", 7) == 0) {
		ui_set_mailto(argv[0]);
		return run_ui(cfgpath, verbose);
	}
	cmd = argv[0];
	argc--;
	argv++;
	if (strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(cmd, c->name) == 0)
			break;
	if (c->name == NULL) {
		say("unknown command '%s' (try tern --help)", cmd);
		return 2;
	}

	level = verbose >= 3 ? LOG_TRACE : verbose == 2 ? LOG_DEBUG :
	    verbose == 1 ? LOG_INFO : LOG_WARN;
	if (!needs_config(cmd)) {
		if (log_open(NULL, level, &err) == -1) {
			say("cannot open the log: %s", err);
			free(err);
			return 2;
		}
		rc = c->exec(NULL, argc, argv);
		log_close();
		return rc;
	}
	cfg = load_config(cfgpath);
	if (log_open(cfg->log_file, level, &err) == -1) {
		say("cannot open log_file: %s", err);
		free(err);
		config_free(cfg);
		return 2;
	}
	tls_init();
	rc = c->exec(cfg, argc, argv);
	log_close();
	config_free(cfg);
	return rc;
}
