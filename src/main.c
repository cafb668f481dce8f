/*
 * main.c - tern's command line: options, subcommands and wiring.  The
 * main thread.  This is the only place that exits; everything below
 * returns errors for it to print (through the sanitizer) and decide.
 *
 * Exit status: 0 success, 1 a check or operation failed, 2 bad usage
 * or a bad configuration file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "net.h"

static const char usage_text[] =
"usage: tern [-v] [-c file] [command [args]]\n"
"\n"
"tern is a terminal mail client.  Commands:\n"
"  check [account ...]        connect, authenticate and report on the\n"
"                             IMAP and SMTP servers of each account\n"
"  password account           ask for a password and store it in the\n"
"                             Secret Service (libsecret)\n"
"  password --delete account  remove the stored password\n"
"\n"
"options:\n"
"  -c file      configuration file (default $XDG_CONFIG_HOME/tern/config)\n"
"  -v           log more (repeat for debug and protocol traces)\n"
"  -h, --help   this help\n"
"  -V, --version\n"
"\n"
"See tern(1) and tern.conf(5).\n";

/* Prints "tern: " and a message, sanitized, to stderr. */
static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
say(const char *fmt, ...)
{
	va_list	 ap;
	char	*text, *clean;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	clean = sanitize_for_display(text, strlen(text), 0);
	fprintf(stderr, "tern: %s\n", clean);
	free(clean);
	free(text);
}

/* Prints a line to stdout, sanitized. */
static void
out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
out(const char *fmt, ...)
{
	va_list	 ap;
	char	*text, *clean;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	clean = sanitize_for_display(text, strlen(text), 0);
	printf("%s\n", clean);
	free(clean);
	free(text);
}

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

static const char *
tls_mode_name(enum tls_mode m)
{
	switch (m) {
	case TLS_IMPLICIT:
		return "implicit TLS";
	case TLS_STARTTLS:
		return "STARTTLS";
	default:
		return "no TLS";
	}
}

static void
print_tls(const struct tls_info *ti)
{
	if (!ti->active) {
		out("    tls: none (tls = none, loopback)");
		return;
	}
	out("    tls: %s, %s", ti->version, ti->cipher);
	out("    certificate: %s (issuer: %s), %s%s%s", ti->subject,
	    ti->issuer, ti->verified ? "verified" : "not verified by a CA",
	    ti->pinned ? ", pinned" : "", ti->pinned ? "" : "");
	out("    key: %s", ti->spki_pin ? ti->spki_pin : "?");
}

/* Appends name, or "no-name" when absent, to a capability line. */
static char *
cap_add(char *line, const char *name, int present)
{
	char	*t = xasprintf("%s%s%s%s", line, *line ? " " : "",
	    present ? "" : "no-", name);

	free(line);
	return t;
}

static int
check_imap(const struct account *a, char **secretp, char **errp)
{
	static const char *const caps[] = {
		"IDLE", "CONDSTORE", "QRESYNC", "MOVE", "UIDPLUS",
		"SPECIAL-USE", "NAMESPACE", "COMPRESS=DEFLATE"
	};
	struct imap_conn	*c;
	char			*line, *mechs;
	size_t			 i;

	out("  imap %s (%s:%d, %s)", a->imap.url, a->imap.host, a->imap.port,
	    tls_mode_name(a->imap.tls));
	if ((c = imap_connect(a, errp)) == NULL)
		return -1;
	print_tls(imap_tls_info(c));
	if (*secretp == NULL && !c->preauth &&
	    (*secretp = auth_secret(a, isatty(STDIN_FILENO), errp)) == NULL) {
		imap_close(c);
		return -1;
	}
	mechs = imap_auth_mechs(c);
	if (imap_login(c, *secretp, errp) == -1) {
		free(mechs);
		imap_close(c);
		return -1;
	}
	out("    login: ok as %s (server offers: %s)", a->imap.user,
	    *mechs ? mechs : "LOGIN");
	free(mechs);
	line = xstrdup("");
	for (i = 0; i < sizeof caps / sizeof caps[0]; i++)
		line = cap_add(line, strncmp(caps[i], "COMPRESS", 8) == 0 ?
		    "COMPRESS" : caps[i], imap_has(c, caps[i]));
	out("    capabilities: %s", line);
	free(line);
	imap_close(c);
	return 0;
}

static int
check_smtp(const struct account *a, char **secretp, char **errp)
{
	struct smtp_conn	*c;
	char			*line, *mechs, *t;

	out("  smtp %s (%s:%d, %s)", a->smtp.url, a->smtp.host, a->smtp.port,
	    tls_mode_name(a->smtp.tls));
	if ((c = smtp_connect(a, errp)) == NULL)
		return -1;
	print_tls(smtp_tls_info(c));
	if (*secretp == NULL &&
	    (*secretp = auth_secret(a, isatty(STDIN_FILENO), errp)) == NULL) {
		smtp_close(c);
		return -1;
	}
	if (smtp_login(c, *secretp, errp) == -1) {
		smtp_close(c);
		return -1;
	}
	out("    login: ok as %s", a->smtp.user);
	mechs = smtp_auth_mechs(c);
	line = xstrdup("");
	if (a->smtp.tls == TLS_STARTTLS)
		line = cap_add(line, "STARTTLS", 1);
	t = xasprintf("%s AUTH(%s)", line, mechs);
	free(line);
	free(mechs);
	line = t;
	if (c->smtp->esmtp & MAILSMTP_ESMTP_SIZE) {
		t = xasprintf("%s SIZE(%zu)", line, c->smtp->smtp_max_msg_size);
		free(line);
		line = t;
	} else
		line = cap_add(line, "SIZE", 0);
	line = cap_add(line, "8BITMIME", smtp_ehlo_has(c, "8BITMIME"));
	line = cap_add(line, "SMTPUTF8", c->smtputf8);
	line = cap_add(line, "PIPELINING", smtp_ehlo_has(c, "PIPELINING"));
	out("    capabilities: %s", line);
	free(line);
	smtp_close(c);
	return 0;
}

static int
cmd_check(struct config *cfg, int argc, char **argv)
{
	struct account	*a;
	char		*secret, *err;
	size_t		 i;
	int		 failed = 0, j, selected;

	if (cfg->naccounts == 0) {
		say("%s: no accounts configured", cfg->path);
		return 2;
	}
	for (j = 0; j < argc; j++) {
		if (config_account(cfg, argv[j]) == NULL) {
			say("no account called '%s' in %s", argv[j], cfg->path);
			return 2;
		}
	}
	for (i = 0; i < cfg->naccounts; i++) {
		a = &cfg->accounts[i];
		selected = argc == 0;
		for (j = 0; j < argc && !selected; j++)
			selected = strcmp(argv[j], a->name) == 0;
		if (!selected)
			continue;
		out("account %s", a->name);
		secret = err = NULL;
		if (check_imap(a, &secret, &err) == -1) {
			out("    FAILED: %s", err);
			say("%s: imap: %s", a->name, err);
			failed++;
			free(err);
			err = NULL;
		}
		if (a->smtp.host == NULL)
			out("  smtp: not configured");
		else if (check_smtp(a, &secret, &err) == -1) {
			out("    FAILED: %s", err);
			say("%s: smtp: %s", a->name, err);
			failed++;
			free(err);
		}
		secret_free(secret);
	}
	if (failed == 0)
		out("all checks passed");
	return failed ? 1 : 0;
}

/* Reads the new password: twice without echo on a terminal, else a line. */
static char *
read_new_password(const char *account, char **errp)
{
	char	*p1, *p2, *prompt;

	if (!isatty(STDIN_FILENO)) {
		char	*line = NULL;
		size_t	 cap = 0;
		ssize_t	 n = getline(&line, &cap, stdin);

		if (n <= 0) {
			free(line);
			seterr(errp, "no password on standard input");
			return NULL;
		}
		line[strcspn(line, "\r\n")] = '\0';
		return line;
	}
	prompt = xasprintf("New password for %s: ", account);
	p1 = auth_prompt(prompt, errp);
	free(prompt);
	if (p1 == NULL)
		return NULL;
	p2 = auth_prompt("Again: ", errp);
	if (p2 == NULL || strcmp(p1, p2) != 0) {
		if (p2 != NULL)
			seterr(errp, "the passwords differ; nothing stored");
		secret_free(p1);
		secret_free(p2);
		return NULL;
	}
	secret_free(p2);
	return p1;
}

static int
cmd_password(struct config *cfg, int argc, char **argv)
{
	char	*pw, *err = NULL;
	int	 del = 0;

	if (argc >= 1 && strcmp(argv[0], "--delete") == 0) {
		del = 1;
		argc--;
		argv++;
	}
	if (argc != 1) {
		fputs("usage: tern password [--delete] account\n", stderr);
		return 2;
	}
	if (config_account(cfg, argv[0]) == NULL) {
		say("no account called '%s' in %s", argv[0], cfg->path);
		return 2;
	}
	if (del) {
		if (auth_keyring_delete(argv[0], &err) == -1) {
			say("%s", err);
			free(err);
			return 1;
		}
		out("password for %s deleted", argv[0]);
		return 0;
	}
	if ((pw = read_new_password(argv[0], &err)) == NULL) {
		say("%s", err);
		free(err);
		return 1;
	}
	if (sasl_check(pw, "the password", &err) == -1 || *pw == '\0') {
		say("%s", err ? err : "empty password; nothing stored");
		free(err);
		secret_free(pw);
		return 1;
	}
	if (auth_keyring_store(argv[0], pw, &err) == -1) {
		say("%s", err);
		free(err);
		secret_free(pw);
		return 1;
	}
	secret_free(pw);
	out("password for %s stored in the Secret Service", argv[0]);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg;
	const char	*cfgpath = NULL, *cmd;
	char		*err = NULL;
	int		 ch, verbose = 0, rc;
	enum log_level	 level;

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
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		/* Until the TUI exists, tern without a command explains itself. */
		fputs(usage_text, stdout);
		return 0;
	}
	cmd = argv[0];
	argc--;
	argv++;
	if (strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "password") != 0) {
		say("unknown command '%s' (try tern --help)", cmd);
		return 2;
	}

	cfg = load_config(cfgpath);
	level = verbose >= 3 ? LOG_TRACE : verbose == 2 ? LOG_DEBUG :
	    verbose == 1 ? LOG_INFO : LOG_WARN;
	if (log_open(cfg->log_file, level, &err) == -1) {
		say("cannot open log_file: %s", err);
		free(err);
		config_free(cfg);
		return 2;
	}
	tls_init();
	if (strcmp(cmd, "check") == 0)
		rc = cmd_check(cfg, argc, argv);
	else
		rc = cmd_password(cfg, argc, argv);
	log_close();
	config_free(cfg);
	return rc;
}
