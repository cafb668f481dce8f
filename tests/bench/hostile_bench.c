/*
 * hostile_bench.c - how long tern takes, and how much memory, to show
 * each pathological message of issue 7 and SECURITY.md #21-#26 (a
 * report for make bench, not a test: check_render, check_mime and
 * check_header assert what is shown).  Each message is generated here,
 * never committed, and rendered the way the pager and `tern show` do
 * (render_message(), then again with all header fields) in a child
 * process of its own, so that its peak RSS is its own; prints a
 * Markdown table row per message against the targets of issue 7:
 * under one second, and memory bounded (the generated message itself,
 * plus at most 64 MB).  Single-threaded.
 *
 *	tests/bench/hostile_bench
 *
 * Exits 0 when every message was rendered, even if a target was
 * missed; 1 if a child crashed or failed.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "mail.h"

#define TARGET_S	1.0
#define TARGET_MB	64.0		/* beyond the message itself */

struct gen {
	char	*m;
	size_t	 len, cap;
};

static void
put(struct gen *g, const char *s, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		g->cap = (g->len + n + 1) * 2;
		g->m = xrealloc(g->m, g->cap);
	}
	memcpy(g->m + g->len, s, n);
	g->len += n;
}

static void
puts_(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static void
fill(struct gen *g, int ch, size_t n)
{
	char	 buf[4096];

	memset(buf, ch, sizeof buf);
	while (n > 0) {
		put(g, buf, n < sizeof buf ? n : sizeof buf);
		n -= n < sizeof buf ? n : sizeof buf;
	}
}

static void
nested(struct gen *g)
{
	char	 line[128];
	size_t	 i;

	for (i = 0; i < 20000; i++) {
		snprintf(line, sizeof line, "Content-Type: multipart/mixed; "
		    "boundary=b%zu\n\n--b%zu\n", i, i);
		puts_(g, line);
	}
	puts_(g, "\ninnermost\n");
	for (i = 20000; i-- > 0;) {
		snprintf(line, sizeof line, "--b%zu--\n", i);
		puts_(g, line);
	}
}

static void
siblings(struct gen *g)
{
	char	 line[64];
	size_t	 i;

	puts_(g, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < 100000; i++) {
		snprintf(line, sizeof line, "--b\n\npart %zu\n", i);
		puts_(g, line);
	}
	puts_(g, "--b--\n");
}

static void
parens(struct gen *g)
{
	puts_(g, "From: ");
	fill(g, '(', 200000);
	puts_(g, "a@b\nSubject: parens\n\nbody\n");
}

static void
colons(struct gen *g)
{
	puts_(g, "To: ");
	fill(g, ':', 99999);
	puts_(g, "\nCc: ");
	fill(g, ';', 100000);
	puts_(g, "\nSubject: separators\n\nbody\n");
}

static void
header_line(struct gen *g)
{
	puts_(g, "Subject: ");
	fill(g, 's', 10 * 1024 * 1024);
	puts_(g, "\n\nbody\n");
}

static void
body_line(struct gen *g)
{
	puts_(g, "Subject: big\n\n");
	fill(g, 'a', 100 * 1024 * 1024);
}

static void
to_headers(struct gen *g)
{
	char	 line[32];
	size_t	 i;

	for (i = 0; i < 100000; i++) {
		snprintf(line, sizeof line, "To: a%zu@x\n", i);
		puts_(g, line);
	}
	puts_(g, "Subject: many\n\nbody\n");
}

static void
bad_text(struct gen *g)
{
	static const char junk[] = "caf\xe9 \xc0\xaf \xed\xa0\x80 \xff\xfe "
	    "\0\0 ok\n";
	size_t	 i;

	puts_(g, "Subject: =?x-unknown?Q?caf=E9?= =?utf-8?B?Y2Fm\n"
	    "Content-Type: text/plain; charset=x-unknown\n\n");
	for (i = 0; i < 100000; i++)
		put(g, junk, sizeof junk - 1);
}

static void
broken_encodings(struct gen *g)
{
	size_t	 i;

	puts_(g, "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Transfer-Encoding: base64\n\n");
	for (i = 0; i < 200000; i++)
		puts_(g, "QUJD!@#$RE=VG=");
	puts_(g, "\n--b\nContent-Transfer-Encoding: quoted-printable\n\n");
	for (i = 0; i < 200000; i++)
		puts_(g, "=G1=\n=4");
	puts_(g, "\n--b\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n");
	fill(g, 'M', 1024 * 1024);
	puts_(g, "\n--b\nContent-Transfer-Encoding: base64\n\nQUJD=");
}

static const struct {
	const char	*what;
	void		(*make)(struct gen *);
} cases[] = {
	{ "20,000 nested multiparts (#21)", nested },
	{ "100,000 sibling parts (#21)", siblings },
	{ "From: with 200,000 `(` (#23)", parens },
	{ "99,999 `:` and 100,000 `;` (#23)", colons },
	{ "a 10 MB header line (#24)", header_line },
	{ "a 100 MB body with no newline (#24)", body_line },
	{ "100,000 To: headers (#24)", to_headers },
	{ "invalid UTF-8, NULs, an unknown charset (#26)", bad_text },
	{ "truncated and broken base64, QP, uuencode (#25)", broken_encodings },
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In a child: renders the message twice, writes the render time. */
static void
child(size_t i, int fd)
{
	struct gen		 g = { NULL, 0, 0 };
	struct rendered		 r;
	struct render_opts	 all = { 1, 0, NULL };
	double			 t0, t;

	cases[i].make(&g);
	t0 = now_s();
	render_message(g.m, g.len, NULL, &r);
	rendered_free(&r);
	render_message(g.m, g.len, &all, &r);
	rendered_free(&r);
	t = now_s() - t0;
	dprintf(fd, "%zu %.6f\n", g.len, t);
	_exit(0);
}

int
main(void)
{
	struct rusage	 ru;
	size_t		 i, len;
	double		 secs, mb, extra;
	char		 buf[64];
	int		 p[2], st, bad = 0;
	ssize_t		 n;
	pid_t		 pid;

	printf("| hostile message (rendered as the pager and tern show do, "
	    "then with all header fields) | size | time | peak RSS beyond "
	    "the message | target | ok |\n|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (pipe(p) == -1 || (pid = fork()) == -1) {
			perror("hostile_bench");
			return 1;
		}
		if (pid == 0) {
			close(p[0]);
			child(i, p[1]);
		}
		close(p[1]);
		n = read(p[0], buf, sizeof buf - 1);
		close(p[0]);
		if (wait4(pid, &st, 0, &ru) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0 || n <= 0) {
			printf("| %s | - | **crashed or failed** | - | - | "
			    "**NO** |\n", cases[i].what);
			bad = 1;
			continue;
		}
		buf[n] = '\0';
		if (sscanf(buf, "%zu %lf", &len, &secs) != 2)
			return 1;
		mb = ru.ru_maxrss / 1024.0;
		extra = mb - len / (1024.0 * 1024.0);
		printf("| %s | %.1f MB | %.3f s | %.1f MB (peak %.1f MB) | "
		    "< %.0f s, < %.0f MB | %s |\n", cases[i].what,
		    len / (1024.0 * 1024.0), secs, extra, mb, TARGET_S,
		    TARGET_MB, secs < TARGET_S && extra < TARGET_MB ? "yes" :
		    "**NO**");
	}
	return bad;
}
