/*
 * auth.c - where credentials come from: the Secret Service (libsecret),
 * a user's password_command / token_command, or a prompt on the
 * terminal.  Run by the thread that is about to log in (and by
 * `tern password` on the main thread).  A secret is never written to
 * disk, to the log or to a command line; callers wipe it with
 * secret_free() as soon as it has been sent.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <libsecret/secret.h>

#include "net.h"

#define AUTH_MAX_SECRET	8192

/* Attributes service=tern account=NAME, as secret-tool(1) can also use. */
static const SecretSchema auth_schema = {
	"org.tern.Password", SECRET_SCHEMA_DONT_MATCH_NAME,
	{
		{ "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
	0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static void
auth_gerror(char **errp, const char *what, GError *error)
{
	seterr(errp, "%s: %s", what, error != NULL ? error->message :
	    "unknown error");
	if (error != NULL)
		g_error_free(error);
}

char *
auth_keyring_lookup(const char *account, char **errp)
{
	GError	*error = NULL;
	gchar	*pw;
	char	*copy;

	pw = secret_password_lookup_sync(&auth_schema, NULL, &error,
	    "service", "tern", "account", account, NULL);
	if (error != NULL) {
		auth_gerror(errp, "Secret Service", error);
		return NULL;
	}
	if (pw == NULL)
		return NULL;
	copy = xstrdup(pw);
	secret_password_free(pw);	/* wipes */
	return copy;
}

int
auth_keyring_store(const char *account, const char *password, char **errp)
{
	GError	*error = NULL;
	char	*label;
	int	 ok;

	label = xasprintf("tern password for account %s", account);
	ok = secret_password_store_sync(&auth_schema, SECRET_COLLECTION_DEFAULT,
	    label, password, NULL, &error, "service", "tern", "account",
	    account, NULL);
	free(label);
	if (!ok || error != NULL) {
		auth_gerror(errp, "Secret Service", error);
		return -1;
	}
	return 0;
}

int
auth_keyring_delete(const char *account, char **errp)
{
	GError	*error = NULL;
	int	 found;

	found = secret_password_clear_sync(&auth_schema, NULL, &error,
	    "service", "tern", "account", account, NULL);
	if (error != NULL) {
		auth_gerror(errp, "Secret Service", error);
		return -1;
	}
	if (!found) {
		seterr(errp, "no password stored for account %s", account);
		return -1;
	}
	return 0;
}

/* Reads one line from fd into a new buffer, without its line ending. */
static char *
read_secret_line(int fd, char **errp)
{
	char	*buf = xmalloc(AUTH_MAX_SECRET + 1);
	size_t	 len = 0;
	ssize_t	 n;
	char	 c;

	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		if (len == AUTH_MAX_SECRET) {
			explicit_bzero(buf, len);
			free(buf);
			seterr(errp, "secret longer than %d bytes",
			    AUTH_MAX_SECRET);
			return NULL;
		}
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (n <= 0 && len == 0) {
		free(buf);
		seterr(errp, "no input");
		return NULL;
	}
	return buf;
}

char *
auth_prompt(const char *prompt, char **errp)
{
	struct termios	 old, raw;
	char		*pw;
	int		 fd;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd == -1) {
		seterr(errp, "no terminal to ask for a password on");
		return NULL;
	}
	if (tcgetattr(fd, &old) == -1) {
		seterr(errp, "cannot set up the terminal: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	raw = old;
	raw.c_lflag &= ~(tcflag_t)ECHO;
	raw.c_lflag |= ECHONL;
	(void)!write(fd, prompt, strlen(prompt));
	tcsetattr(fd, TCSAFLUSH, &raw);
	pw = read_secret_line(fd, errp);
	tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	return pw;
}

char *
auth_command(const char *cmd, const char *what, char **errp)
{
	char	*line, buf[512];
	pid_t	 pid;
	int	 p[2], status;

	if (pipe(p) == -1) {
		seterr(errp, "%s: pipe: %s", what, strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid == -1) {
		seterr(errp, "%s: fork: %s", what, strerror(errno));
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		close(p[0]);
		if (p[1] != STDOUT_FILENO) {
			dup2(p[1], STDOUT_FILENO);
			close(p[1]);
		}
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	line = read_secret_line(p[0], NULL);
	/* Drain the rest so the command never blocks writing. */
	while (read(p[0], buf, sizeof buf) > 0)
		;
	explicit_bzero(buf, sizeof buf);
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		secret_free(line);
		if (WIFEXITED(status))
			seterr(errp, "%s exited with status %d", what,
			    WEXITSTATUS(status));
		else
			seterr(errp, "%s was killed by signal %d", what,
			    WTERMSIG(status));
		return NULL;
	}
	if (line == NULL || *line == '\0') {
		secret_free(line);
		seterr(errp, "%s printed nothing", what);
		return NULL;
	}
	return line;
}

char *
auth_secret(const struct account *a, int interactive, char **errp)
{
	char	*pw, *prompt, *kerr = NULL;

	if (a->auth == AUTH_XOAUTH2 || a->auth == AUTH_OAUTHBEARER)
		return auth_command(a->token_command, "token_command", errp);
	switch (a->pass) {
	case PASS_COMMAND:
		return auth_command(a->password_command, "password_command",
		    errp);
	case PASS_KEYRING:
		pw = auth_keyring_lookup(a->name, &kerr);
		if (pw != NULL)
			return pw;
		if (!interactive) {
			if (kerr != NULL)
				seterr(errp, "%s", kerr);
			else
				seterr(errp, "no password in the keyring for "
				    "account %s (store one with 'tern password "
				    "%s')", a->name, a->name);
			free(kerr);
			return NULL;
		}
		if (kerr != NULL)
			log_msg(LOG_WARN, "%s; asking instead", kerr);
		free(kerr);
		/* FALLTHROUGH */
	case PASS_PROMPT:
		if (!interactive) {
			seterr(errp, "account %s needs a password typed in, "
			    "and there is no terminal", a->name);
			return NULL;
		}
		prompt = xasprintf("Password for %s: ", a->name);
		pw = auth_prompt(prompt, errp);
		free(prompt);
		return pw;
	}
	seterr(errp, "no password source");
	return NULL;
}

int
auth_can_ask(const struct account *a)
{
	return a->type == ACCOUNT_IMAP && a->auth != AUTH_XOAUTH2 &&
	    a->auth != AUTH_OAUTHBEARER && a->pass != PASS_COMMAND;
}

char *
auth_secret_or_ask(const struct account *a, char **errp)
{
	char	*pw, *err = NULL;

	if (!auth_can_ask(a))
		return auth_secret(a, 0, errp);
	if (a->pass == PASS_PROMPT)
		return NULL;
	/* Empty, missing or locked: the user is asked instead (#46). */
	if ((pw = auth_keyring_lookup(a->name, &err)) == NULL && err != NULL)
		log_msg(LOG_INFO, "%s: %s; the password will be asked for",
		    a->name, err);
	free(err);
	return pw;
}
