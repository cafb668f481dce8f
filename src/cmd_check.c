/*
 * cmd_check.c - `tern check` (connect, authenticate and report on every
 * server of the accounts) and `tern password` (the Secret Service).
 * The main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"

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
	    ti->pinned ? ", pinned" : "",
	    ti->trusted ? " (trusted for this account in tern)" : "");
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
	struct tls_refusal	 ref;
	char			*line, *mechs;
	size_t			 i;

	out("  imap %s (%s:%d, %s)", a->imap.url, a->imap.host, a->imap.port,
	    tls_mode_name(a->imap.tls));
	memset(&ref, 0, sizeof ref);
	if ((c = imap_connect_cert(a, &ref, errp)) == NULL) {
		/* Never asked here: say where it can be. */
		if (ref.askable && errp != NULL && *errp != NULL) {
			line = xasprintf("%s; trust it in tern (the UI) or set "
			    "tls_pin", *errp);
			free(*errp);
			*errp = line;
		}
		tls_refusal_clear(&ref);
		return -1;
	}
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

int
cmd_check(struct config *cfg, int argc, char **argv)
{
	struct account	*a;
	char		*secret, *err;
	size_t		 i;
	int		 failed = 0, *selected;

	selected = xcalloc(cfg->naccounts + 1, sizeof *selected);
	if (cmd_accounts(cfg, argc, argv, selected) == -1) {
		free(selected);
		return 2;
	}
	for (i = 0; i < cfg->naccounts; i++) {
		a = &cfg->accounts[i];
		if (!selected[i])
			continue;
		out("account %s", a->name);
		secret = err = NULL;
		if (a->type == ACCOUNT_MAILDIR) {
			/* No server: the tree must be there to be read. */
			if (access(a->path, R_OK | X_OK) == 0)
				out("  maildir %s: readable (a local account: "
				    "no server to check)", a->path);
			else {
				out("    FAILED: %s: %s", a->path,
				    strerror(errno));
				say("%s: maildir %s: %s", a->name, a->path,
				    strerror(errno));
				failed++;
			}
			continue;
		}
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
	free(selected);
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

int
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

