/*
 * mailcap.c - the viewer for a MIME type from the mailcap files (RFC
 * 1524), as an argv that is executed directly.  Pure apart from reading
 * the files; any thread (the UI thread, when the user asks to view a
 * part: nothing here runs anything, SECURITY.md test 47).
 *
 * The file name never becomes shell text.  A simple command is split
 * into words here and %s becomes (part of) one word.  A command that
 * needs a shell (a pipe, ';', '&&', '$(...)', a redirection, no %s at
 * all so the file goes to standard input) runs as
 *
 *	/bin/sh -c 'CMD' sh PATH [TYPE]
 *
 * with %s written as "$1" (and %t as "$2") in CMD, quoted for wherever
 * it stands, so the path reaches the shell as a parameter, not as text.
 * Entries with a test= field are skipped: running the test would run a
 * command nobody asked for.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

#define MAILCAP_DEFAULT	"~/.mailcap:/etc/mailcap:/usr/share/etc/mailcap:" \
			"/usr/local/etc/mailcap"
/* Bytes of one mailcap file read, and of one (joined) entry. */
#define MAILCAP_FILE_MAX	(1024 * 1024)
#define MAILCAP_ENTRY_MAX	8192
#define MAILCAP_TYPE_MAX	256
#define MAILCAP_SHELL		"/bin/sh"

/* A growing string. */
struct mc_str {
	char	*s;
	size_t	 len, cap;
};

static void
mc_putc(struct mc_str *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
mc_puts(struct mc_str *b, const char *s)
{
	while (*s != '\0')
		mc_putc(b, *s++);
}

void
mailcap_argv_free(char **argv)
{
	size_t	 i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* 1 if the entry's type (typelen bytes) covers the wanted type. */
static int
mailcap_type_match(const char *entry, size_t typelen, const char *want)
{
	const char	*slash = memchr(entry, '/', typelen);
	size_t		 major, wmajor = strcspn(want, "/");

	if (want[wmajor] != '/')
		return 0;
	major = slash != NULL ? (size_t)(slash - entry) : typelen;
	if (major != wmajor || strncasecmp(entry, want, major) != 0)
		return 0;
	/* A bare major type, or a subtype of "*", covers every subtype. */
	if (slash == NULL || (typelen - major == 2 && slash[1] == '*'))
		return 1;
	return strlen(want + wmajor) == typelen - major &&
	    strncasecmp(slash, want + wmajor, typelen - major) == 0;
}

/* The '}' of "%{name}" at p (a '%'), or NULL if p holds none. */
static const char *
mailcap_param_end(const char *p)
{
	size_t	 n;

	if (p[0] != '%' || p[1] != '{')
		return NULL;
	n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
	return n > 0 && p[2 + n] == '}' ? p + 2 + n : NULL;
}

/*
 * Whether the command needs a shell: 1 yes, 0 no, -1 if its quotes are
 * unbalanced (a broken entry).  "\;" and "\%" are mailcap escapes.
 */
static int
mailcap_needs_shell(const char *cmd)
{
	const char	*p, *end;
	char		 q = 0;
	int		 shell = 0, wordstart = 1, first = 1, has_s = 0;

	for (p = cmd; *p != '\0'; p++) {
		if (*p == '%' && (p[1] == 's' || p[1] == '%')) {
			has_s |= p[1] == 's';
			p++;
			wordstart = 0;
			continue;
		}
		if ((end = mailcap_param_end(p)) != NULL) {
			p = end;		/* %{name}: replaced, not shell */
			wordstart = 0;
			continue;
		}
		if (*p == '\\' && (p[1] == ';' || p[1] == '%')) {
			/* A mailcap escape: a plain ';' or '%'. */
			if (p[1] == ';' && q == 0)
				shell = 1;
			p++;
			wordstart = 0;
			continue;
		}
		if (*p == '\\' && q != '\'') {
			shell = 1;		/* the shell's own escape */
			if (p[1] != '\0')
				p++;
			wordstart = 0;
			continue;
		}
		if (q == '\'') {
			if (*p == '\'')
				q = 0;
			continue;
		}
		if (q == '"') {
			if (*p == '"')
				q = 0;
			else if (*p == '$' || *p == '`')
				shell = 1;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			q = *p;
			wordstart = 0;
		} else if (*p == ' ' || *p == '\t') {
			if (!wordstart)
				first = 0;
			wordstart = 1;
		} else {
			if (strchr("|&;<>()$`*?[]~{}!\n\r", *p) != NULL ||
			    (*p == '#' && wordstart) || (*p == '=' && first))
				shell = 1;
			wordstart = 0;
		}
	}
	if (q != 0)
		return -1;
	return shell || !has_s;
}

/*
 * %s, %t, %{name} and %% at p (which points at '%'): what they stand for
 * in *out (NULL for a plain '%'), and how many bytes they take.
 */
static size_t
mailcap_percent(const char *p, const char **out, int *which)
{
	const char	*end;

	*which = 0;
	*out = NULL;
	if (p[1] == 's' || p[1] == 't') {
		*which = p[1];
		return 2;
	}
	if (p[1] == '%') {
		*out = "%";
		return 2;
	}
	if ((end = mailcap_param_end(p)) != NULL) {
		*out = "";	/* no parameters here: empty */
		return (size_t)(end - p) + 1;
	}
	return 1;
}

/* The argv of a command that needs no shell. */
static char **
mailcap_split(const char *cmd, const char *type, const char *path)
{
	struct mc_str	 w = { NULL, 0, 0 };
	const char	*p, *sub;
	char		**argv = NULL;
	size_t		 n = 0, skip;
	char		 q = 0;
	int		 inword = 0, which;

	for (p = cmd;; p++) {
		if (*p == '\0' || (q == 0 && (*p == ' ' || *p == '\t'))) {
			if (inword) {
				argv = xrealloc(argv, (n + 2) * sizeof *argv);
				argv[n++] = w.s != NULL ? w.s : xstrdup("");
				w.s = NULL;
				w.len = w.cap = 0;
				inword = 0;
			}
			if (*p == '\0')
				break;
			continue;
		}
		inword = 1;
		if (*p == '\\' && (p[1] == ';' || p[1] == '%')) {
			mc_putc(&w, *++p);	/* mailcap escapes */
		} else if (q == 0 && (*p == '\'' || *p == '"')) {
			q = *p;
		} else if (q != 0 && *p == q) {
			q = 0;
		} else if (*p == '%') {
			skip = mailcap_percent(p, &sub, &which);
			if (which != 0)
				mc_puts(&w, which == 's' ? path : type);
			else
				mc_puts(&w, sub != NULL ? sub : "%");
			p += skip - 1;
		} else
			mc_putc(&w, *p);
	}
	free(w.s);
	if (n == 0)
		return NULL;
	argv[n] = NULL;
	return argv;
}

/* The argv of a command that needs a shell. */
static char **
mailcap_shell(const char *cmd, const char *type, const char *path)
{
	/* "$1" written where the shell is in quote state q. */
	static const char *const param[3][2] = {
		{ "\"$1\"", "\"$2\"" },		/* unquoted */
		{ "'\"$1\"'", "'\"$2\"'" },	/* inside '...' */
		{ "$1", "$2" },			/* inside "..." */
	};
	struct mc_str	 s = { NULL, 0, 0 };
	const char	*p, *sub;
	char		**argv, *body;
	size_t		 skip;
	char		 q = 0;
	int		 which, has_s = 0, has_t = 0, n = 0;

	for (p = cmd; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0' && (p[1] == ';' ||
		    p[1] == '%')) {
			mc_putc(&s, *++p);	/* mailcap escapes */
			continue;
		}
		if (*p == '\\' && q != '\'' && p[1] != '\0') {
			mc_putc(&s, *p++);	/* the shell's: keep both */
			mc_putc(&s, *p);
			continue;
		}
		if (q == 0 && (*p == '\'' || *p == '"'))
			q = *p;
		else if (q != 0 && *p == q)
			q = 0;
		if (*p != '%') {
			mc_putc(&s, *p);
			continue;
		}
		skip = mailcap_percent(p, &sub, &which);
		if (which != 0) {
			mc_puts(&s, param[q == 0 ? 0 : q == '\'' ? 1 : 2]
			    [which == 't']);
			has_s |= which == 's';
			has_t |= which == 't';
		} else
			mc_puts(&s, sub != NULL ? sub : "%");
		p += skip - 1;
	}
	if (!has_s) {
		/* RFC 1524: without %s the data comes on standard input. */
		body = s.s;
		s.s = xasprintf("exec <\"$1\"; %s", body != NULL ? body : "");
		free(body);
	}
	argv = xcalloc(7, sizeof *argv);
	argv[n++] = xstrdup(MAILCAP_SHELL);
	argv[n++] = xstrdup("-c");
	argv[n++] = s.s;
	argv[n++] = xstrdup("sh");
	argv[n++] = xstrdup(path);
	if (has_t)
		argv[n++] = xstrdup(type);
	return argv;
}

/*
 * One entry (a joined line): its argv if it is for type and usable,
 * else NULL.
 */
static char **
mailcap_entry(char *line, const char *type, const char *path, int *term)
{
	char		*fields[64], *p, *f, *key, **argv;
	size_t		 nf = 0, typelen, i;
	int		 needs_term = 0, shell;

	/* Split at the ';' that are not escaped; trim each field. */
	for (p = f = line;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != ';' && *p != '\0')
			continue;
		if (nf == sizeof fields / sizeof fields[0])
			return NULL;	/* fields unseen could say test= */
		fields[nf++] = f;
		if (*p == '\0')
			break;
		*p = '\0';
		f = p + 1;
	}
	for (i = 0; i < nf; i++) {
		fields[i] += strspn(fields[i], " \t");
		p = fields[i] + strlen(fields[i]);
		while (p > fields[i] && (p[-1] == ' ' || p[-1] == '\t'))
			*--p = '\0';
	}
	if (nf < 2 || *fields[1] == '\0')
		return NULL;
	typelen = strlen(fields[0]);
	if (!mailcap_type_match(fields[0], typelen, type))
		return NULL;
	for (i = 2; i < nf; i++) {
		key = fields[i];
		p = key + strcspn(key, "= \t");
		if ((size_t)(p - key) == 4 && strncasecmp(key, "test", 4) == 0 &&
		    *(p + strspn(p, " \t")) == '=')
			return NULL;	/* would run a command: skip */
		if (strcasecmp(key, "needsterminal") == 0)
			needs_term = 1;
	}
	if ((shell = mailcap_needs_shell(fields[1])) == -1)
		return NULL;
	argv = shell ? mailcap_shell(fields[1], type, path) :
	    mailcap_split(fields[1], type, path);
	if (argv != NULL && term != NULL)
		*term = needs_term;
	return argv;
}

/* The first usable entry for type in the file at fpath, or NULL. */
static char **
mailcap_file(const char *fpath, const char *type, const char *path,
    int *term)
{
	struct mc_str	 entry = { NULL, 0, 0 };
	char		*line = NULL, **argv = NULL;
	size_t		 size = 0, total = 0, len;
	int		 toolong = 0;
	ssize_t		 got;
	FILE		*fp;

	if ((fp = fopen(fpath, "re")) == NULL)
		return NULL;
	while (argv == NULL && total < MAILCAP_FILE_MAX &&
	    (got = getline(&line, &size, fp)) != -1) {
		total += (size_t)got;
		len = strlen(line);	/* a NUL ends the line */
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (entry.len == 0 && (line[strspn(line, " \t")] == '#' ||
		    line[strspn(line, " \t")] == '\0'))
			continue;
		/* A backslash at the end continues the entry. */
		/*
		 * A backslash at the end continues the entry.  An entry too
		 * long to keep is dropped whole: a part of it could be the
		 * test= that makes it unusable.
		 */
		if (len > 0 && line[len - 1] == '\\' &&
		    (len < 2 || line[len - 2] != '\\')) {
			line[--len] = '\0';
			if (entry.len + len < MAILCAP_ENTRY_MAX)
				mc_puts(&entry, line);
			else
				toolong = 1;
			continue;
		}
		if (entry.len + len < MAILCAP_ENTRY_MAX)
			mc_puts(&entry, line);
		else
			toolong = 1;
		if (entry.s != NULL && !toolong)
			argv = mailcap_entry(entry.s, type, path, term);
		entry.len = 0;
		if (entry.s != NULL)
			entry.s[0] = '\0';
		toolong = 0;
	}
	if (argv == NULL && entry.len > 0 && !toolong)	/* continued at EOF */
		argv = mailcap_entry(entry.s, type, path, term);
	free(entry.s);
	free(line);
	fclose(fp);
	return argv;
}

char **
mailcap_viewer_in(const char *files, const char *type, const char *path,
    int *needs_term)
{
	const char	*home = getenv("HOME"), *p, *end;
	char		*want, *fpath, **argv = NULL;
	size_t		 n;

	if (needs_term != NULL)
		*needs_term = 0;
	if (files == NULL || type == NULL || path == NULL)
		return NULL;
	/* The type without parameters ("text/plain; charset=..."). */
	n = strcspn(type, "; \t");
	if (n == 0 || n > MAILCAP_TYPE_MAX)
		return NULL;
	want = xstrndup(type, n);
	for (p = files; argv == NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ":");
		if (end == p)
			continue;
		if (p[0] == '~' && p[1] == '/') {
			if (home == NULL || *home == '\0')
				continue;
			fpath = xasprintf("%s%.*s", home, (int)(end - p - 1),
			    p + 1);
		} else
			fpath = xstrndup(p, (size_t)(end - p));
		argv = mailcap_file(fpath, want, path, needs_term);
		free(fpath);
	}
	free(want);
	return argv;
}

char **
mailcap_viewer(const char *type, const char *path, int *needs_term)
{
	const char	*files = getenv("MAILCAPS");

	if (files == NULL || *files == '\0')
		files = MAILCAP_DEFAULT;
	return mailcap_viewer_in(files, type, path, needs_term);
}
