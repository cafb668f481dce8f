/*
 * html.c - HTML parts as plain text for the pager: through an external
 * filter (w3m, lynx or the user's command, run without a shell and
 * killed after HTML_FILTER_TIMEOUT seconds) or the built-in tag
 * stripper.  Pure functions, any thread; the filter is a child process
 * whose stdin is an unlinked temporary file, so no SIGPIPE and no
 * deadlock, whatever the filter does.
 *
 * Nothing in the HTML runs or is fetched (SECURITY.md test 47): scripts
 * and styles are dropped, images become their alt text, links keep
 * their URL in the text.  The output is not sanitized here; render.c
 * does that for every line.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mail.h"

#define HTML_FILTER_TIMEOUT	5		/* seconds */
#define HTML_FILTER_OUT_MAX	(32 * 1024 * 1024)
#define HTML_ARGS_MAX		32
#define HTML_HREF_MAX		2048

struct hbuf {
	char	*p;
	size_t	 len, cap;
	int	 nl;		/* line ends at the end of p */
	int	 space;		/* a space is pending */
};

static void
hbuf_add(struct hbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1024;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Text: a pending space first, unless at the start of a line. */
static void
html_text(struct hbuf *b, const char *s, size_t n)
{
	if (b->space && b->len > 0 && b->nl == 0)
		hbuf_add(b, " ", 1);
	b->space = 0;
	hbuf_add(b, s, n);
	b->nl = 0;
}

/* Line ends until there are want of them (none at the very start). */
static void
html_newlines(struct hbuf *b, int want)
{
	b->space = 0;
	while (b->len > 0 && b->nl < want) {
		hbuf_add(b, "\n", 1);
		b->nl++;
	}
}

static const struct {
	const char	*name;
	unsigned	 cp;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xA0 }, { "copy", 0xA9 },
	{ "reg", 0xAE }, { "trade", 0x2122 }, { "hellip", 0x2026 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "laquo", 0xAB },
	{ "raquo", 0xBB }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "euro", 0x20AC },
	{ "pound", 0xA3 }, { "yen", 0xA5 }, { "cent", 0xA2 },
	{ "sect", 0xA7 }, { "deg", 0xB0 }, { "middot", 0xB7 },
	{ "bull", 0x2022 }, { "times", 0xD7 }, { "divide", 0xF7 },
	{ "auml", 0xE4 }, { "ouml", 0xF6 }, { "uuml", 0xFC },
	{ "Auml", 0xC4 }, { "Ouml", 0xD6 }, { "Uuml", 0xDC },
	{ "szlig", 0xDF }, { "eacute", 0xE9 }, { "egrave", 0xE8 },
	{ "agrave", 0xE0 }, { "aacute", 0xE1 }, { "ccedil", 0xE7 },
	{ "zwnj", 0x200C }, { "zwj", 0x200D }, { "shy", 0xAD },
};

/*
 * Decodes the entity at s[0] == '&' into *cp; its length, or 0 if it
 * is none (the '&' is then text).  Bad numbers become U+FFFD.
 */
static size_t
html_entity(const char *s, size_t n, unsigned *cp)
{
	size_t		 i, k;
	unsigned long	 v = 0;
	int		 hex, d, digits = 0;

	if (n >= 3 && s[1] == '#') {
		hex = s[2] == 'x' || s[2] == 'X';
		for (i = hex ? 3 : 2; i < n && i < 16; i++) {
			d = hex ? hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ?
			    s[i] - '0' : -1);
			if (d < 0)
				break;
			if (v < 0x110000)
				v = v * (hex ? 16 : 10) + (unsigned)d;
			digits++;
		}
		if (digits == 0)
			return 0;
		if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			v = 0xFFFD;
		*cp = (unsigned)v;
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	for (k = 0; k < sizeof html_entities / sizeof html_entities[0]; k++) {
		i = strlen(html_entities[k].name);
		if (i + 2 <= n && strncmp(s + 1, html_entities[k].name, i) == 0 &&
		    s[i + 1] == ';') {
			*cp = html_entities[k].cp;
			return i + 2;
		}
	}
	return 0;
}

/* Finds "</name" (any case) from s[i]; the index of '<', or n. */
static size_t
html_find_close(const char *s, size_t n, size_t i, const char *name)
{
	size_t	 nl = strlen(name);
	const char *p;

	while (i < n && (p = memchr(s + i, '<', n - i)) != NULL) {
		i = (size_t)(p - s);
		if (i + 2 + nl <= n && s[i + 1] == '/' &&
		    strncasecmp(s + i + 2, name, nl) == 0)
			return i;
		i++;
	}
	return n;
}

/* The value of attribute attr in the tag text s[0..n), or NULL. */
static char *
html_attr(const char *s, size_t n, const char *attr)
{
	size_t	 i = 0, an = strlen(attr), st;
	char	 q;

	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r'))
			i++;
		st = i;
		while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r')
			i++;
		if (i >= n || s[i] != '=') {
			i++;
			continue;
		}
		if (i - st == an && strncasecmp(s + st, attr, an) == 0) {
			i++;
			q = i < n && (s[i] == '"' || s[i] == '\'') ? s[i++] : 0;
			for (st = i; i < n && (q ? s[i] != q : s[i] != ' ' &&
			    s[i] != '\t' && s[i] != '\n'); i++)
				;
			return i - st > HTML_HREF_MAX ? NULL :
			    xstrndup(s + st, i - st);
		}
		i++;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			q = s[i++];
			while (i < n && s[i] != q)
				i++;
			i++;
		}
	}
	return NULL;
}

/* The href of a link with "&amp;" undone (the common entity in URLs). */
static void
html_unamp(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; r++) {
		*w++ = *r;
		if (strncmp(r, "&amp;", 5) == 0)
			r += 4;
	}
	*w = '\0';
}

static int
html_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 + the index of name in list, or 0. */
static int
html_is(const char *name, const char *const *list)
{
	int	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return i + 1;
	return 0;
}

char *
html_strip(const char *s, size_t n, size_t *outlen)
{
	static const char *const blank[] = { "p", "h1", "h2", "h3", "h4",
	    "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl",
	    NULL };
	static const char *const line[] = { "div", "tr", "dt", "dd",
	    "section", "article", "header", "footer", "address", NULL };
	static const char *const drop[] = { "script", "style", "head",
	    "title", "noscript", "template", NULL };
	struct hbuf	 b = { 0 };
	char		 name[16], u[UTF8_CHAR_MAX], *href = NULL, *alt;
	const char	*gt;
	size_t		 i = 0, k, nn, tagend, linkstart = 0;
	unsigned	 cp, noclose = 0;
	int		 pre = 0, close, d;

	while (i < n) {
		if (s[i] == '<' && i + 3 < n && strncmp(s + i, "<!--", 4) == 0) {
			for (k = i + 4; k + 2 < n && strncmp(s + k, "-->", 3);
			    k++)
				;
			i = k + 3;
			continue;
		}
		if (s[i] == '<' && i + 1 < n && (s[i + 1] == '/' ||
		    s[i + 1] == '!' || html_alpha(s[i + 1]))) {
			if ((gt = memchr(s + i, '>', n - i)) == NULL)
				break;		/* a cut-off tag: the end */
			tagend = (size_t)(gt - s);
			k = i + 1;
			close = s[k] == '/';
			k += close;
			for (nn = 0; k < tagend && nn < sizeof name - 1 &&
			    (html_alpha(s[k]) || (s[k] >= '0' && s[k] <= '9'));
			    k++)
				name[nn++] = (char)(s[k] | 0x20);
			name[nn] = '\0';
			i = tagend + 1;
			if (!close && (d = html_is(name, drop)) > 0) {
				/*
				 * Unclosed: the rest is shown, not lost, and
				 * not searched again (which would be
				 * quadratic in the number of such tags).
				 */
				k = noclose & (1u << d) ? n :
				    html_find_close(s, n, i, name);
				if (k >= n)
					noclose |= 1u << d;
				if (k < n && (gt = memchr(s + k, '>', n - k)) !=
				    NULL)
					i = (size_t)(gt - s) + 1;
			} else if (strcmp(name, "br") == 0) {
				if (b.len > 0 && b.nl < 2) {
					hbuf_add(&b, "\n", 1);
					b.nl++;
				}
				b.space = 0;
			} else if (html_is(name, blank)) {
				if (strcmp(name, "pre") == 0)
					pre = !close;
				html_newlines(&b, 2);
			} else if (html_is(name, line)) {
				html_newlines(&b, 1);
			} else if (strcmp(name, "li") == 0 && !close) {
				html_newlines(&b, 1);
				html_text(&b, "* ", 2);
			} else if (strcmp(name, "hr") == 0) {
				html_newlines(&b, 1);
				html_text(&b, "--------", 8);
				html_newlines(&b, 1);
			} else if ((strcmp(name, "td") == 0 ||
			    strcmp(name, "th") == 0) && !close) {
				b.space = 1;
			} else if (strcmp(name, "img") == 0 && (alt =
			    html_attr(s + k, tagend - k, "alt")) != NULL) {
				if (alt[0] != '\0') {
					html_text(&b, "[", 1);
					html_text(&b, alt, strlen(alt));
					html_text(&b, "]", 1);
				}
				free(alt);
			} else if (strcmp(name, "a") == 0 && !close) {
				free(href);
				href = html_attr(s + k, tagend - k, "href");
				linkstart = b.len;
			} else if (strcmp(name, "a") == 0 && href != NULL) {
				html_unamp(href);
				/* The URL is shown unless it is the text. */
				if (href[0] != '\0' && href[0] != '#' &&
				    (b.len - linkstart < strlen(href) ||
				    strstr(b.p + linkstart, href) == NULL)) {
					b.space = 1;
					html_text(&b, "<", 1);
					html_text(&b, href, strlen(href));
					html_text(&b, ">", 1);
				}
				free(href);
				href = NULL;
			}
			continue;
		}
		if (s[i] == '&' && (k = html_entity(s + i, n - i, &cp)) > 0) {
			if (cp == 0xA0)
				cp = ' ';
			html_text(&b, u, utf8_encode(cp, u));
			i += k;
			continue;
		}
		if (!pre && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n')) {
			b.space = 1;
			i++;
			continue;
		}
		if (pre && s[i] == '\n') {
			hbuf_add(&b, "\n", 1);
			b.nl = 1;
			b.space = 0;
			i++;
			continue;
		}
		/* At least one byte: a '<' or '&' that starts nothing. */
		for (k = i + 1; k < n && s[k] != '<' && s[k] != '&' &&
		    s[k] != ' ' && s[k] != '\t' && s[k] != '\r' && s[k] != '\n';
		    k++)
			;
		html_text(&b, s + i, k - i);
		i = k;
	}
	free(href);
	/* One line end at the end, whatever the markup left. */
	while (b.len > 0 && b.p[b.len - 1] == '\n')
		b.p[--b.len] = '\0';
	if (b.len > 0)
		hbuf_add(&b, "\n", 1);
	if (b.p == NULL)
		hbuf_add(&b, "", 0);
	*outlen = b.len;
	return b.p;
}

/* The program file for argv0, searched in PATH; caller frees; NULL. */
static char *
html_which(const char *argv0)
{
	const char	*path = getenv("PATH"), *p, *e;
	char		*f;

	if (strchr(argv0, '/') != NULL)
		return access(argv0, X_OK) == 0 ? xstrdup(argv0) : NULL;
	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path;; p = e + 1) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		f = xasprintf("%.*s/%s", (int)(e - p), e == p ? "." : p,
		    argv0);
		if (access(f, X_OK) == 0)
			return f;
		free(f);
		if (*e == '\0')
			return NULL;
	}
}

/* Splits cmd into words ('...' and "..." quote, \ escapes); count. */
static int
html_split(const char *cmd, char *store, char **argv)
{
	int	 argc = 0, inword = 0;
	char	 q = 0;

	for (; *cmd != '\0'; cmd++) {
		if (q == 0 && (*cmd == ' ' || *cmd == '\t')) {
			if (inword)
				*store++ = '\0';
			inword = 0;
			continue;
		}
		if (!inword) {
			if (argc == HTML_ARGS_MAX)
				return -1;
			argv[argc++] = store;
			inword = 1;
		}
		if (q == 0 && (*cmd == '\'' || *cmd == '"'))
			q = *cmd;
		else if (q != 0 && *cmd == q)
			q = 0;
		else if (*cmd == '\\' && q != '\'' && cmd[1] != '\0')
			*store++ = *++cmd;
		else
			*store++ = *cmd;
	}
	*store = '\0';
	argv[argc] = NULL;
	return q == 0 ? argc : -1;
}

static long long
html_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs argv with html on stdin; its output, or NULL on any failure. */
static char *
html_run(char **argv, const char *html, size_t len, size_t *outlen)
{
	FILE		*in;
	struct hbuf	 b = { 0 };
	struct pollfd	 pfd;
	char		*prog, chunk[65536];
	int		 fds[2], devnull, status, ok = 0, done = 0, infd;
	long long	 deadline = html_ms() + HTML_FILTER_TIMEOUT * 1000;
	pid_t		 pid;
	ssize_t		 r;

	if ((prog = html_which(argv[0])) == NULL)
		return NULL;
	if ((in = tmpfile()) == NULL) {
		free(prog);
		return NULL;
	}
	if ((len > 0 && fwrite(html, 1, len, in) != len) || fflush(in) != 0 ||
	    lseek(fileno(in), 0, SEEK_SET) != 0 || pipe(fds) == -1) {
		fclose(in);
		free(prog);
		return NULL;
	}
	infd = fileno(in);
	fcntl(infd, F_SETFD, FD_CLOEXEC);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		/* Only async-signal-safe calls until exec. */
		if (dup2(infd, 0) == -1 || dup2(fds[1], 1) == -1 ||
		    (devnull >= 0 && dup2(devnull, 2) == -1))
			_exit(127);
		execv(prog, argv);
		_exit(127);
	}
	close(fds[1]);
	fclose(in);
	free(prog);
	if (devnull >= 0)
		close(devnull);
	if (pid == -1) {
		close(fds[0]);
		return NULL;
	}
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (!done) {
		long long left = deadline - html_ms();

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			break;
		while ((r = read(fds[0], chunk, sizeof chunk)) > 0) {
			if (b.len + (size_t)r > HTML_FILTER_OUT_MAX)
				break;
			hbuf_add(&b, chunk, (size_t)r);
		}
		if (r == 0)
			done = 1;
		else if (r > 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	close(fds[0]);
	/* Wait for the exit status until the deadline, then kill. */
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			ok = done && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0;
			break;
		}
		if (w == -1 && errno != EINTR) {
			ok = done;		/* reaped by someone else */
			break;
		}
		if (html_ms() >= deadline || !done) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(5000);
	}
	if (!ok) {
		free(b.p);
		return NULL;
	}
	*outlen = b.len;
	if (b.p == NULL)
		hbuf_add(&b, "", 0);
	return b.p;
}

char *
html_convert(const char *html, size_t len, const char *filter,
    size_t *outlen, const char **how)
{
	static char	*w3m[] = { "w3m", "-dump", "-T", "text/html", "-I",
	    "UTF-8", "-O", "UTF-8", NULL };
	static char	*lynx[] = { "lynx", "-dump", "-stdin",
	    "-assume_charset=UTF-8", "-display_charset=UTF-8", NULL };
	char		*argv[HTML_ARGS_MAX + 1], *store, *out = NULL, *p;
	size_t		 n = 0;

	if (filter == NULL) {
		if ((p = html_which("w3m")) != NULL) {
			free(p);
			out = html_run(w3m, html, len, &n);
			*how = "w3m";
		} else if ((p = html_which("lynx")) != NULL) {
			free(p);
			out = html_run(lynx, html, len, &n);
			*how = "lynx";
		}
	} else if (filter[0] != '\0') {
		store = xmalloc(strlen(filter) + 1);
		if (html_split(filter, store, argv) > 0) {
			out = html_run(argv, html, len, &n);
			*how = "html_filter";
		}
		free(store);
	}
	if (out != NULL) {
		p = charset_to_utf8("utf-8", out, n, outlen);
		free(out);
		return p;
	}
	*how = "built-in";
	return html_strip(html, len, outlen);
}

char *
html_to_text(const char *html, size_t len, const char *filter,
    size_t *outlen)
{
	const char	*how;
	size_t		 n;
	char		*s = html_convert(html, len, filter, &n, &how);

	if (outlen != NULL)
		*outlen = n;
	return s;
}
