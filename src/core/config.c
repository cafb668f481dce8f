/*
 * config.c - the configuration file, tern.conf(5): a [general] section
 * and one [account NAME] section per account, made of "key = value"
 * lines, and the [keys...] sections of key bindings (config_keys.c);
 * server URLs are checked in config_url.c.  Main thread, once at
 * startup; the struct it returns is only read afterwards, so every
 * thread may look at it.
 *
 * Every value is checked here, at the line that set it, so a mistake
 * is reported as "FILE:LINE: reason" before anything connects.  Error
 * texts never quote a value that could be a secret (a mistyped
 * "password = hunter2" is reported without the "hunter2").
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

#define CONFIG_LINE_MAX	4096		/* bytes, without the newline */
#define CONFIG_FILE_MAX	(1024 * 1024)	/* no real configuration is near */

/*
 * Every accepted key, in the order tern.conf(5) documents them.  Adding
 * a key is adding a line here, a key_NAME() handler and a ".It Cm NAME"
 * entry in the manual (tests/check_config.c checks the last part).
 */
#define CONFIG_KEYS(X)				\
	X(general, theme)			\
	X(general, log_file)			\
	X(general, html_filter)			\
	X(general, opener)			\
	X(general, layout)			\
	X(general, mouse)			\
	X(general, threads)			\
	X(general, sort)			\
	X(general, folder_width)		\
	X(general, save_dir)			\
	X(general, date_format)			\
	X(general, bell)			\
	X(general, unified_inbox)		\
	X(general, editor)			\
	X(general, attribution)			\
	X(account, type)			\
	X(account, path)			\
	X(account, from)			\
	X(account, alternates)			\
	X(account, signature_file)		\
	X(account, imap)			\
	X(account, smtp)			\
	X(account, user)			\
	X(account, password)			\
	X(account, password_command)		\
	X(account, auth)			\
	X(account, token_command)		\
	X(account, sync_days)			\
	X(account, body_days)			\
	X(account, delete)			\
	X(account, archive)			\
	X(account, archive_by_year)		\
	X(account, ca_file)			\
	X(account, tls_pin)			\
	X(account, tls)				\
	X(account, timeout)			\
	X(account, new_mail_command)		\
	X(account, save_sent)

enum config_key_id {
#define X(sec, name) K_##name,
	CONFIG_KEYS(X)
#undef X
	K_COUNT
};

const struct config_key config_keys[] = {
#define X(sec, name) { #sec, #name },
	CONFIG_KEYS(X)
#undef X
};
const size_t config_nkeys = K_COUNT;

enum config_section { SEC_NONE, SEC_GENERAL, SEC_ACCOUNT, SEC_KEYS };

static const char *const section_names[] = { "", "general", "account",
    "keys" };

/* The state of one parse; nothing in it outlives config_parse(). */
struct parser {
	struct config	*cfg;
	enum config_section sec;
	int		 line;		/* the line being parsed */
	int		 general_line;	/* where [general] was, 0 if not yet */
	const char	*keyctx;	/* SEC_KEYS: its context (static) */
	int		 keys_line[4];	/* where each [keys...] section was */
	int		 keyline[K_COUNT]; /* where the current section set each */
	struct account	*acct;		/* the current account (in cfg) */
	char		*from_addr;	/* the address part of its from */
	char		*user;		/* its user */
	int		 tls_none;	/* its tls = none */
	int		 errline;	/* on error: where, and why */
	char		*why;
};

typedef int (*config_key_fn)(struct parser *, const char *);

#define X(sec, name) static int key_##name(struct parser *, const char *);
CONFIG_KEYS(X)
#undef X

static const config_key_fn key_fns[] = {
#define X(sec, name) key_##name,
	CONFIG_KEYS(X)
#undef X
};

/* Records the reason for the first error; returns -1 to pass along. */
static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list	 ap;

	if (p->why == NULL) {
		p->errline = line;
		va_start(ap, fmt);
		p->why = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

/* Trims spaces and tabs from both ends, in place. */
static char *
trim(char *s)
{
	size_t	 n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* The user's home directory: $HOME, else the password database. */
static char *
home_dir(void)
{
	const char	*h = getenv("HOME");
	struct passwd	 pw, *res = NULL;
	char		 buf[4096];

	if (h != NULL && *h != '\0')
		return xstrdup(h);
	if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) != 0 ||
	    res == NULL || pw.pw_dir == NULL || *pw.pw_dir == '\0')
		return NULL;
	return xstrdup(pw.pw_dir);
}

/* $VAR/rest if VAR is an absolute path, else ~/fallback/rest. */
static char *
xdg_path(const char *var, const char *fallback, const char *rest)
{
	const char	*x = getenv(var);
	char		*home, *path;

	/* The XDG spec says relative values are to be ignored. */
	if (x != NULL && x[0] == '/')
		return xasprintf("%s/%s", x, rest);
	if ((home = home_dir()) == NULL)
		return NULL;
	path = xasprintf("%s/%s/%s", home, fallback, rest);
	free(home);
	return path;
}

char *
config_default_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "tern/config");
}

char *
config_data_dir(const char *account)
{
	char	*rest, *path;

	rest = xasprintf("tern/%s", account);
	path = xdg_path("XDG_DATA_HOME", ".local/share", rest);
	free(rest);
	return path;
}

struct account *
config_account(struct config *cfg, const char *name)
{
	size_t	 i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

static void
server_free(struct server *sv)
{
	free(sv->url);
	free(sv->user);
	free(sv->host);
}

void
config_free(struct config *cfg)
{
	struct account	*a;
	size_t		 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++) {
		a = &cfg->accounts[i];
		free(a->name);
		free(a->path);
		free(a->from);
		free(a->alternates);
		free(a->signature_file);
		server_free(&a->imap);
		server_free(&a->smtp);
		free(a->password_command);
		free(a->token_command);
		free(a->ca_file);
		free(a->tls_pin);
		free(a->new_mail_command);
		free(a->archive);
	}
	free(cfg->accounts);
	free(cfg->path);
	free(cfg->theme);
	free(cfg->log_file);
	free(cfg->html_filter);
	free(cfg->opener);
	free(cfg->save_dir);
	free(cfg->date_format);
	free(cfg->editor);
	free(cfg->attribution);
	config_keys_free(cfg);
	free(cfg);
}

/* ---- values ---- */

/*
 * Expands a leading "~/" and insists on an absolute path: tern may be
 * started from any directory, so a relative one would mean nothing.
 */
static int
expand_path(struct parser *p, const char *key, const char *v, char **out)
{
	char	*home;

	if (v[0] == '~' && v[1] == '/') {
		if ((home = home_dir()) == NULL)
			return fail(p, p->line, "cannot expand '~/' in %s: "
			    "$HOME is not set", key);
		*out = xasprintf("%s/%s", home, v + 2);
		free(home);
		return 0;
	}
	if (v[0] != '/')
		return fail(p, p->line, "%s must be an absolute path or "
		    "start with ~/", key);
	*out = xstrdup(v);
	return 0;
}

/* A whole number in [min, max], digits only. */
static int
parse_number(struct parser *p, const char *key, const char *v, int min,
    int max, int *out)
{
	long	 n = 0;
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 9)
			break;
		n = n * 10 + (v[i] - '0');
	}
	if (i == 0 || v[i] != '\0' || n < min || n > max)
		return fail(p, p->line, "%s must be a whole number from %d "
		    "to %d", key, min, max);
	*out = (int)n;
	return 0;
}

/* Which of the words (NULL-terminated) v is, or -1. */
static int
parse_word(const char *v, const char *const *words)
{
	int	 i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	return -1;
}

/* local@domain: no spaces, controls or specials, one '@'. */
static int
addr_plausible(const char *s, size_t len)
{
	const char	*at = NULL, *d;
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '@') {
			if (at != NULL)
				return 0;
			at = s + i;
		} else if (is_control(c) || c == ' ' ||
		    strchr("<>()[],;:\\\"", c) != NULL)
			return 0;
	}
	if (at == NULL || at == s || at == s + len - 1)
		return 0;
	/* The domain: non-empty labels of letters, digits, '-' or UTF-8. */
	for (d = at + 1; d < s + len; d++)
		if (*d == '.' ? d == at + 1 || d == s + len - 1 || d[1] == '.' :
		    !((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') ||
		    (*d >= '0' && *d <= '9') || *d == '-' ||
		    (unsigned char)*d >= 0x80))
			return 0;
	return 1;
}

static int
key_from(struct parser *p, const char *v)
{
	const char	*lt, *gt, *addr = v, *c;
	size_t		 alen = strlen(v);

	if ((lt = strchr(v, '<')) != NULL) {
		gt = strchr(lt, '>');
		if (gt == NULL || gt[1] != '\0' || strchr(lt + 1, '<') != NULL)
			goto bad;
		for (c = v; c < lt; c++)
			if (*c == '@' || *c == '>')
				return fail(p, p->line, "the name in from "
				    "must not contain '%c': from needs exactly "
				    "one address", *c);
		addr = lt + 1;
		alen = (size_t)(gt - addr);
	}
	if (!addr_plausible(addr, alen))
		goto bad;
	free(p->acct->from);
	p->acct->from = xstrdup(v);
	free(p->from_addr);
	p->from_addr = xstrndup(addr, alen);
	return 0;
bad:
	return fail(p, p->line, "from must be one address, as 'Name "
	    "<user@example.com>' or 'user@example.com'");
}

/* An imap or smtp URL (config_url.c). */
static int
parse_url(struct parser *p, const char *key, const char *v,
    struct server *sv)
{
	char	*why = NULL;

	if (config_url_parse(key, v, sv, &why) == 0)
		return 0;
	fail(p, p->line, "%s", why);
	free(why);
	return -1;
}

static int
key_imap(struct parser *p, const char *v)
{
	return parse_url(p, "imap", v, &p->acct->imap);
}

static int
key_smtp(struct parser *p, const char *v)
{
	return parse_url(p, "smtp", v, &p->acct->smtp);
}

static int
key_user(struct parser *p, const char *v)
{
	free(p->user);
	p->user = xstrdup(v);
	return 0;
}

static const char *const pass_names[] = {
	"keyring", "prompt", "command", NULL
};

static int
key_password(struct parser *p, const char *v)
{
	int	 i;

	/* Never echo v: it is probably the password. */
	if ((i = parse_word(v, pass_names)) == -1)
		return fail(p, p->line, "password: tern never reads a "
		    "plain-text password from the configuration; use "
		    "password = keyring (then 'tern password %s'), prompt "
		    "or command (with password_command)", p->acct->name);
	p->acct->pass = (enum pass_source)i;
	return 0;
}

static int
key_password_command(struct parser *p, const char *v)
{
	p->acct->password_command = xstrdup(v);
	return 0;
}

/* Split into words when run (push.c), never by a shell. */
static int
key_new_mail_command(struct parser *p, const char *v)
{
	if (strspn(v, " \t") == strlen(v))
		return fail(p, p->line, "new_mail_command is empty");
	free(p->acct->new_mail_command);
	p->acct->new_mail_command = xstrdup(v);
	return 0;
}

static const char *const auth_names[] = {
	"auto", "plain", "login", "xoauth2", "oauthbearer", NULL
};

static int
key_auth(struct parser *p, const char *v)
{
	int	 i;

	if ((i = parse_word(v, auth_names)) == -1)
		return fail(p, p->line, "auth must be auto, plain, login, "
		    "xoauth2 or oauthbearer");
	p->acct->auth = (enum auth_mech)i;
	return 0;
}

static int
key_token_command(struct parser *p, const char *v)
{
	p->acct->token_command = xstrdup(v);
	return 0;
}

static int
key_sync_days(struct parser *p, const char *v)
{
	return parse_number(p, "sync_days", v, 0, 36500, &p->acct->sync_days);
}

static int
key_body_days(struct parser *p, const char *v)
{
	return parse_number(p, "body_days", v, 0, 36500, &p->acct->body_days);
}

static const char *const delete_names[] = { "trash", "expunge", NULL };

static int
key_delete(struct parser *p, const char *v)
{
	int	 i;

	if ((i = parse_word(v, delete_names)) == -1)
		return fail(p, p->line, "delete must be trash or expunge");
	p->acct->delete_expunges = i == 1;
	return 0;
}

/* The folder's name as the folder pane shows it (UTF-8). */
static int
key_archive(struct parser *p, const char *v)
{
	/* Empty values and control characters never get here. */
	free(p->acct->archive);
	p->acct->archive = xstrdup(v);
	return 0;
}

static int	parse_yes_no(struct parser *, const char *, const char *, int *);

static int
key_archive_by_year(struct parser *p, const char *v)
{
	return parse_yes_no(p, "archive_by_year", v,
	    &p->acct->archive_by_year);
}

static int
key_timeout(struct parser *p, const char *v)
{
	return parse_number(p, "timeout", v, 1, 3600, &p->acct->timeout);
}

static int parse_yes_no(struct parser *, const char *, const char *, int *);

static int
key_save_sent(struct parser *p, const char *v)
{
	return parse_yes_no(p, "save_sent", v, &p->acct->save_sent);
}

static int
key_ca_file(struct parser *p, const char *v)
{
	struct stat	 st;
	char		*path;

	if (expand_path(p, "ca_file", v, &path) == -1)
		return -1;
	/* Checked now so a typo shows here, not as a failed handshake. */
	if (access(path, R_OK) == -1 || stat(path, &st) == -1) {
		fail(p, p->line, "cannot read ca_file %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(p, p->line, "ca_file %s is not a regular file", path);
		free(path);
		return -1;
	}
	p->acct->ca_file = path;
	return 0;
}

/* "sha256:" and the canonical base64 of 32 bytes (43 chars and '='). */
static int
key_tls_pin(struct parser *p, const char *v)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*b = v + 7;
	size_t			 i;

	if (strncmp(v, "sha256:", 7) != 0 || strlen(b) != 44 || b[43] != '=')
		goto bad;
	for (i = 0; i < 43; i++)
		if (strchr(b64, b[i]) == NULL)
			goto bad;
	/* The last character carries 4 bits of data and 2 zero bits. */
	if ((strchr(b64, b[42]) - b64) % 4 != 0)
		goto bad;
	p->acct->tls_pin = xstrdup(v);
	return 0;
bad:
	return fail(p, p->line, "tls_pin must be 'sha256:' followed by the "
	    "base64 SHA-256 of the server's public key (44 characters "
	    "ending in '=')");
}

static int
key_tls(struct parser *p, const char *v)
{
	static const char *const words[] = { "auto", "none", NULL };
	int	 i;

	if ((i = parse_word(v, words)) == -1)
		return fail(p, p->line, "tls must be auto or none");
	p->tls_none = i == 1;
	return 0;
}

static int
key_theme(struct parser *p, const char *v)
{
	char		*path;
	const char	*c;

	if (strchr(v, '/') != NULL) {
		if (expand_path(p, "theme", v, &path) == -1)
			return -1;
	} else {
		for (c = v; *c != '\0'; c++)
			if (!((*c >= 'a' && *c <= 'z') ||
			    (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || strchr("-_.", *c)))
				break;
		if (*c != '\0' || *v == '.')
			return fail(p, p->line, "theme must be a name (letters, "
			    "digits, '-', '_', '.', not starting with '.') or "
			    "a path");
		path = xstrdup(v);
	}
	free(p->cfg->theme);
	p->cfg->theme = path;
	return 0;
}

static int
key_log_file(struct parser *p, const char *v)
{
	return expand_path(p, "log_file", v, &p->cfg->log_file);
}

static int
key_html_filter(struct parser *p, const char *v)
{
	p->cfg->html_filter = xstrdup(v);
	return 0;
}

static int
key_opener(struct parser *p, const char *v)
{
	p->cfg->opener = xstrdup(v);
	return 0;
}

static int
key_layout(struct parser *p, const char *v)
{
	static const char *const words[] = { "auto", "wide", "narrow", NULL };
	int	 i;

	if ((i = parse_word(v, words)) == -1)
		return fail(p, p->line, "layout must be auto, wide or narrow");
	p->cfg->layout = i;
	return 0;
}

/* yes or no, nothing else: a typo must not silently mean "no". */
static int
parse_yes_no(struct parser *p, const char *key, const char *v, int *out)
{
	static const char *const words[] = { "no", "yes", NULL };
	int	 i;

	if ((i = parse_word(v, words)) == -1)
		return fail(p, p->line, "%s must be yes or no", key);
	*out = i;
	return 0;
}

static int
key_mouse(struct parser *p, const char *v)
{
	return parse_yes_no(p, "mouse", v, &p->cfg->mouse);
}

static int
key_threads(struct parser *p, const char *v)
{
	return parse_yes_no(p, "threads", v, &p->cfg->threads);
}

static int
key_bell(struct parser *p, const char *v)
{
	return parse_yes_no(p, "bell", v, &p->cfg->bell);
}

static int
key_unified_inbox(struct parser *p, const char *v)
{
	return parse_yes_no(p, "unified_inbox", v, &p->cfg->unified_inbox);
}

/* In the order of enum sort_order. */
static const char *const sort_names[] = {
	"date", "reverse-date", "from", "reverse-from", "subject",
	"reverse-subject", "size", "reverse-size", NULL
};

static int
key_sort(struct parser *p, const char *v)
{
	int	 i;

	if ((i = parse_word(v, sort_names)) == -1)
		return fail(p, p->line, "sort must be date, from, subject or "
		    "size, each optionally with 'reverse-' before it");
	p->cfg->sort = (enum sort_order)i;
	return 0;
}

static int
key_folder_width(struct parser *p, const char *v)
{
	return parse_number(p, "folder_width", v, 10, 80,
	    &p->cfg->folder_width);
}

static int
key_save_dir(struct parser *p, const char *v)
{
	return expand_path(p, "save_dir", v, &p->cfg->save_dir);
}

static int
key_date_format(struct parser *p, const char *v)
{
	/* strftime() of a format this long could not fit a list column. */
	if (strlen(v) > 64)
		return fail(p, p->line, "date_format is longer than 64 bytes");
	p->cfg->date_format = xstrdup(v);
	return 0;
}

/* Split into words when run (ui_compose.c), never by a shell. */
static int
key_editor(struct parser *p, const char *v)
{
	if (strspn(v, " \t") == strlen(v))
		return fail(p, p->line, "editor is empty");
	free(p->cfg->editor);
	p->cfg->editor = xstrdup(v);
	return 0;
}

static int
key_attribution(struct parser *p, const char *v)
{
	if (strlen(v) > 200)
		return fail(p, p->line, "attribution is longer than 200 "
		    "bytes");
	free(p->cfg->attribution);
	p->cfg->attribution = xstrdup(v);
	return 0;
}

/*
 * More addresses of the account: "Name <a@b>, c@d" (ui_compose.c
 * offers them as From, and a reply to any of them answers from it).
 */
static int
key_alternates(struct parser *p, const char *v)
{
	const char	*s = v, *e, *lt, *gt;
	size_t		 n;

	while (*(s += strspn(s, " \t,")) != '\0') {
		e = s;
		while (*e != '\0' && *e != ',') {
			if (*e == '"' && strchr(e + 1, '"') != NULL)
				e = strchr(e + 1, '"');
			e++;
		}
		n = (size_t)(e - s);
		lt = memchr(s, '<', n);
		gt = lt != NULL ? memchr(lt, '>', n - (size_t)(lt - s)) : NULL;
		if (lt != NULL ? gt == NULL || !addr_plausible(lt + 1,
		    (size_t)(gt - lt - 1)) : !addr_plausible(s,
		    strcspn(s, " \t,")))
			return fail(p, p->line, "alternates: \"%.*s\" is not "
			    "an address (Name <user@host>, comma-separated)",
			    (int)n, s);
		s = e;
	}
	free(p->acct->alternates);
	p->acct->alternates = xstrdup(v);
	return 0;
}

static int
key_signature_file(struct parser *p, const char *v)
{
	free(p->acct->signature_file);
	p->acct->signature_file = NULL;
	return expand_path(p, "signature_file", v, &p->acct->signature_file);
}

static int
key_type(struct parser *p, const char *v)
{
	static const char *const words[] = { "imap", "maildir", NULL };
	int	 i;

	if ((i = parse_word(v, words)) == -1)
		return fail(p, p->line, "type must be imap or maildir");
	p->acct->type = (enum account_type)i;
	return 0;
}

static int
key_path(struct parser *p, const char *v)
{
	struct stat	 st;
	char		*path;

	if (expand_path(p, "path", v, &path) == -1)
		return -1;
	/* Checked now so a typo shows here, not as an empty account. */
	if (stat(path, &st) == -1) {
		fail(p, p->line, "cannot use path %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail(p, p->line, "path %s is not a directory", path);
		free(path);
		return -1;
	}
	p->acct->path = path;
	return 0;
}

/* ---- sections ---- */

/* The checks of account_finish() for a local Maildir account. */
static int
account_finish_maildir(struct parser *p)
{
	const struct account *a = p->acct;
	const int	*kl = p->keyline;

	if (kl[K_imap] != 0)
		return fail(p, kl[K_imap], "imap is not used by an account "
		    "with type = maildir (line %d)", kl[K_type]);
	if (kl[K_path] == 0)
		return fail(p, a->line, "account '%s' has type = maildir but "
		    "no 'path'", a->name);
	return 0;
}

/* Checks that need the whole [account] section, then fills defaults. */
static int
account_finish(struct parser *p)
{
	struct account	*a = p->acct;
	int		*kl = p->keyline;
	const char	*user;

	if (kl[K_from] == 0)
		return fail(p, a->line, "account '%s' has no 'from'", a->name);
	if (a->type == ACCOUNT_MAILDIR) {
		if (account_finish_maildir(p) == -1)
			return -1;
	} else if (kl[K_path] != 0)
		return fail(p, kl[K_path], "path is only used by an account "
		    "with type = maildir");
	else if (kl[K_imap] == 0)
		return fail(p, a->line, "account '%s' has no 'imap'", a->name);
	if (a->password_command != NULL) {
		if (kl[K_password] != 0 && a->pass != PASS_COMMAND)
			return fail(p, kl[K_password], "password = %s conflicts "
			    "with password_command (line %d): use one of them",
			    pass_names[a->pass], kl[K_password_command]);
		a->pass = PASS_COMMAND;
	} else if (a->pass == PASS_COMMAND)
		return fail(p, kl[K_password],
		    "password = command needs password_command");
	if ((a->auth == AUTH_XOAUTH2 || a->auth == AUTH_OAUTHBEARER) &&
	    a->token_command == NULL)
		return fail(p, kl[K_auth], "auth = %s needs token_command",
		    auth_names[a->auth]);
	if (a->token_command != NULL && a->auth != AUTH_XOAUTH2 &&
	    a->auth != AUTH_OAUTHBEARER)
		return fail(p, kl[K_token_command], "token_command is only "
		    "used with auth = xoauth2 or oauthbearer");
	if (p->tls_none) {
		/* Every host, so no plaintext ever leaves the machine. */
		if (a->type == ACCOUNT_IMAP && !host_is_loopback(a->imap.host))
			return fail(p, kl[K_tls], "tls = none is only allowed "
			    "for a loopback host, not '%s'", a->imap.host);
		if (a->smtp.host != NULL && !host_is_loopback(a->smtp.host))
			return fail(p, kl[K_tls], "tls = none is only allowed "
			    "for a loopback host, not '%s'", a->smtp.host);
		if (a->type == ACCOUNT_IMAP && a->imap.tls == TLS_STARTTLS)
			a->imap.tls = TLS_PLAIN;
		if (a->smtp.host != NULL && a->smtp.tls == TLS_STARTTLS)
			a->smtp.tls = TLS_PLAIN;
	}
	user = p->user != NULL ? p->user : p->from_addr;
	if (a->type == ACCOUNT_IMAP && a->imap.user == NULL)
		a->imap.user = xstrdup(user);
	if (a->smtp.host != NULL && a->smtp.user == NULL)
		a->smtp.user = xstrdup(user);
	return 0;
}

/* Forgets the current section. */
static void
section_clear(struct parser *p)
{
	memset(p->keyline, 0, sizeof p->keyline);
	free(p->from_addr);
	free(p->user);
	p->from_addr = p->user = NULL;
	p->tls_none = 0;
	p->acct = NULL;
	p->keyctx = NULL;
	p->sec = SEC_NONE;
}

static int
section_end(struct parser *p)
{
	if (p->sec == SEC_ACCOUNT && account_finish(p) == -1)
		return -1;
	section_clear(p);
	return 0;
}

static int
account_begin(struct parser *p, const char *name)
{
	struct config	*cfg = p->cfg;
	struct account	*a;
	const char	*c;

	if (*name == '\0')
		return fail(p, p->line, "empty account name: write "
		    "[account NAME]");
	for (c = name; *c != '\0'; c++)
		if (*c == '/' || is_space(*c) || is_control((unsigned char)*c))
			break;
	/* The name is a directory under the data directory. */
	if (*c != '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail(p, p->line, "bad account name '%s': no '/', "
		    "whitespace or control characters, not '.' or '..'", name);
	if ((a = config_account(cfg, name)) != NULL)
		return fail(p, p->line, "duplicate account '%s' (first on "
		    "line %d)", name, a->line);
	cfg->accounts = xrealloc(cfg->accounts,
	    (cfg->naccounts + 1) * sizeof *cfg->accounts);
	a = &cfg->accounts[cfg->naccounts++];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(name);
	a->line = p->line;
	a->pass = PASS_KEYRING;
	a->auth = AUTH_AUTO;
	a->sync_days = 90;
	a->timeout = 60;
	a->save_sent = 1;
	p->acct = a;
	p->sec = SEC_ACCOUNT;
	return 0;
}

/* "[keys]" or "[keys.CONTEXT]": each at most once. */
static int
keys_begin(struct parser *p, const char *word, const char *ctx,
    const char *arg)
{
	static const char *const order[] = { "", "folders", "list", "pager" };
	size_t	 i;

	if (*arg != '\0')
		return fail(p, p->line, "[%s] takes no name", word);
	for (i = 0; i < 4 && strcmp(order[i], ctx) != 0; i++)
		;
	if (p->keys_line[i] != 0)
		return fail(p, p->line, "duplicate [%s] section (first on line "
		    "%d)", word, p->keys_line[i]);
	p->keys_line[i] = p->line;
	p->keyctx = ctx;
	p->sec = SEC_KEYS;
	return 0;
}

/*
 * "[general]", "[account NAME]" or "[keys...]", optionally followed by a
 * comment.
 */
static int
parse_section(struct parser *p, char *s)
{
	char		*close, *rest, *word, *arg;
	const char	*ctx, *hint;

	if ((close = strchr(s, ']')) == NULL)
		return fail(p, p->line, "syntax error: missing ']'");
	rest = close + 1;
	while (is_space(*rest))
		rest++;
	if (*rest != '\0' && *rest != '#')
		return fail(p, p->line, "syntax error: text after ']'");
	*close = '\0';
	word = trim(s + 1);
	arg = word + strcspn(word, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg = trim(arg);
	if (section_end(p) == -1)
		return -1;

	if (strcmp(word, "general") == 0) {
		if (*arg != '\0')
			return fail(p, p->line, "[general] takes no name");
		if (p->general_line != 0)
			return fail(p, p->line, "duplicate [general] section "
			    "(first on line %d)", p->general_line);
		p->general_line = p->line;
		p->sec = SEC_GENERAL;
		return 0;
	}
	if (strcmp(word, "account") == 0)
		return account_begin(p, arg);
	if ((ctx = config_keys_context(word)) != NULL)
		return keys_begin(p, word, ctx, arg);
	if ((hint = config_keys_suggest(word)) != NULL)
		return fail(p, p->line, "unknown section '%s' (did you mean "
		    "'%s'?)", word, hint);
	if (edit_distance(word, "account") <= 2)
		return fail(p, p->line, "unknown section '%s' (did you mean "
		    "'account'?)", word);
	if (edit_distance(word, "general") <= 2)
		return fail(p, p->line, "unknown section '%s' (did you mean "
		    "'general'?)", word);
	return fail(p, p->line, "unknown section '%s': use [general], "
	    "[account NAME], [keys], [keys.folders], [keys.list] or "
	    "[keys.pager]", word);
}

static int
find_key(const char *section, const char *name)
{
	size_t	 i;

	for (i = 0; i < config_nkeys; i++)
		if ((section == NULL ||
		    strcmp(config_keys[i].section, section) == 0) &&
		    strcmp(config_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
unknown_key(struct parser *p, const char *section, const char *key)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = (size_t)-1;
	int		 k;

	if ((k = find_key(NULL, key)) != -1) {
		if (strcmp(config_keys[k].section, "general") == 0)
			return fail(p, p->line, "'%s' belongs in [general]",
			    key);
		return fail(p, p->line, "'%s' belongs in an [account NAME] "
		    "section", key);
	}
	for (i = 0; i < config_nkeys; i++) {
		if (strcmp(config_keys[i].section, section) != 0)
			continue;
		d = edit_distance(key, config_keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = config_keys[i].name;
		}
	}
	if (best != NULL && bestd <= 2 && bestd < strlen(key))
		return fail(p, p->line, "unknown key '%s' (did you mean "
		    "'%s'?)", key, best);
	return fail(p, p->line, "unknown key '%s' in [%s]", key,
	    p->sec == SEC_GENERAL ? "general" : "account NAME");
}

/*
 * The value after '=': either "quoted" (with \" and \\), or bare text
 * up to a '#' that follows whitespace.  Returns it (inside s) or NULL.
 */
static char *
parse_value(struct parser *p, char *s)
{
	char	*v = s, *o, *c;

	while (is_space(*v))
		v++;
	if (*v == '"') {
		for (o = v, c = v + 1; *c != '"'; c++) {
			if (*c == '\0') {
				fail(p, p->line, "unterminated quoted value");
				return NULL;
			}
			if (*c == '\\') {
				c++;
				if (*c != '"' && *c != '\\') {
					fail(p, p->line, "bad escape in quoted "
					    "value (only \\\" and \\\\)");
					return NULL;
				}
			}
			*o++ = *c;
		}
		*o = '\0';
		for (c++; is_space(*c); c++)
			;
		if (*c != '\0' && *c != '#') {
			fail(p, p->line, "text after the closing quote (quote "
			    "the whole value, writing inner quotes as \\\")");
			return NULL;
		}
		return v;
	}
	for (c = v; *c != '\0'; c++)
		if (*c == '#' && c > s && is_space(c[-1])) {
			*c = '\0';
			break;
		}
	return trim(v);
}

static int
parse_assignment(struct parser *p, char *s)
{
	char	*eq, *key, *value, *c;
	int	 k;

	if ((eq = strchr(s, '=')) == NULL)
		return fail(p, p->line, "syntax error: expected '[section]' "
		    "or 'key = value'");
	*eq = '\0';
	key = trim(s);
	for (c = key; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			break;
	if (*key == '\0' || *c != '\0')
		return fail(p, p->line, "syntax error: expected '[section]' "
		    "or 'key = value'");
	if (p->sec == SEC_NONE)
		return fail(p, p->line, "'%s' is outside a section: put it "
		    "under [general] or [account NAME]", key);
	if (p->sec == SEC_KEYS)
		return fail(p, p->line, "syntax error");	/* not reached */
	if ((k = find_key(section_names[p->sec], key)) == -1)
		return unknown_key(p, section_names[p->sec], key);
	if (p->keyline[k] != 0)
		return fail(p, p->line, "duplicate key '%s' (first on line %d)",
		    key, p->keyline[k]);
	if ((value = parse_value(p, eq + 1)) == NULL)
		return -1;
	if (*value == '\0')
		return fail(p, p->line, "%s needs a value", key);
	p->keyline[k] = p->line;
	return key_fns[k](p, value);
}

/* One line, s[0..len) without its newline. */
static int
parse_line(struct parser *p, const char *raw, size_t len)
{
	char	 buf[CONFIG_LINE_MAX + 1], *s, *why = NULL;
	size_t	 i;

	if (len > 0 && raw[len - 1] == '\r')
		len--;		/* written on Windows */
	if (len > CONFIG_LINE_MAX)
		return fail(p, p->line, "line longer than %d bytes",
		    CONFIG_LINE_MAX);
	if (memchr(raw, '\0', len) != NULL)
		return fail(p, p->line, "NUL byte: this is not a text file");
	for (i = 0; i < len; i++)
		if (raw[i] != '\t' && is_control((unsigned char)raw[i]))
			return fail(p, p->line, "control character 0x%02x",
			    (unsigned char)raw[i]);
	/*
	 * A configuration in another encoding would put mojibake into
	 * From lines, so it is refused rather than guessed.
	 */
	if (!utf8_valid((const unsigned char *)raw, len))
		return fail(p, p->line, "invalid UTF-8");
	memcpy(buf, raw, len);
	buf[len] = '\0';
	s = trim(buf);
	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	if (p->sec == SEC_KEYS) {
		if (config_keys_bind(p->cfg, p->keyctx, p->line, s, &why) == 0)
			return 0;
		fail(p, p->line, "%s", why);
		free(why);
		return -1;
	}
	return parse_assignment(p, s);
}

struct config *
config_parse(const char *buf, size_t len, const char *name, char **errp)
{
	struct parser	 p;
	const char	*nl;
	size_t		 pos = 0, n;

	memset(&p, 0, sizeof p);
	p.cfg = xcalloc(1, sizeof *p.cfg);
	p.cfg->path = xstrdup(name);
	p.cfg->theme = xstrdup("default");
	p.cfg->layout = LAYOUT_AUTO;
	p.cfg->sort = SORT_REVERSE_DATE;
	p.cfg->folder_width = 24;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;	/* a byte order mark some editors add */
	while (pos < len) {
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		p.line++;
		if (parse_line(&p, buf + pos, n) == -1)
			goto fail;
		pos += n + (nl != NULL);
	}
	if (section_end(&p) == -1)
		goto fail;
	return p.cfg;
fail:
	seterr(errp, "%s:%d: %s", name, p.errline, p.why);
	free(p.why);
	section_clear(&p);
	config_free(p.cfg);
	return NULL;
}

struct config *
config_load(const char *path, char **errp)
{
	struct config	*cfg;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(errp, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(CONFIG_FILE_MAX + 1);
	for (;;) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(errp, "%s: cannot read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			seterr(errp, "%s: larger than %d bytes", path,
			    CONFIG_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	cfg = config_parse(buf, len, path, errp);
	free(buf);
	return cfg;
fail:
	close(fd);
	free(buf);
	return NULL;
}
