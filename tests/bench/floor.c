/*
 * floor.c - the wire floor of tern's sync benchmark (tests/bench/run).
 *
 * A minimal IMAP client, OpenSSL and POSIX only: one TLS connection,
 * LOGIN, LIST, then for every selectable folder SELECT and one
 * `UID FETCH 1:* ITEMS` with the items tern sends (the runner passes
 * them, taken from a `tern -vvv` trace), reading and discarding the
 * responses (literals {n} are skipped by count, so the tagged OK is
 * found exactly), then LOGOUT.  What it costs is what any client must
 * pay to get the same headers over the same connection: tern's initial
 * sync is compared with it.
 *
 *   floor -p PORT -c CAFILE -u USER -P PASSWORD_ENV_VAR [-h 127.0.0.1]
 *         [-n localhost] [-f '(UID FLAGS ...)'] [-v]
 *
 * Prints one line: folders=F messages=M bytes=B literal_bytes=L seconds=S
 * (S from before connect() to after the LOGOUT response).  Exit 0 on
 * success, 1 on any protocol, TLS or I/O failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define DEFAULT_ITEMS	"(UID FLAGS INTERNALDATE RFC822.SIZE " \
	"BODY.PEEK[HEADER.FIELDS (Date From To Cc Subject Message-ID " \
	"In-Reply-To References Content-Type)])"
#define RDBUF		(64 * 1024)

struct conn {
	SSL		*ssl;
	unsigned char	 buf[RDBUF];
	size_t		 start, end;
	unsigned long	 tag;
	int		 verbose;
	double		 t0;		/* for the verbose trace */
	/* statistics */
	unsigned long long bytes, literal_bytes;
};

/* A growable byte string: one logical response (literals inlined or not). */
struct dbuf {
	char	*p;
	size_t	 len, cap;
	/* the last literal captured into p, if any */
	size_t	 lit_off, lit_len;
	int	 has_lit;
};

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("floor: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void
db_add(struct dbuf *d, const void *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		while (d->len + n + 1 > d->cap)
			d->cap = d->cap ? d->cap * 2 : 256;
		if ((d->p = realloc(d->p, d->cap)) == NULL)
			die("out of memory");
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
	d->p[d->len] = '\0';
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads more into c->buf; dies on EOF or error. */
static void
fill(struct conn *c)
{
	int	n, e;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == sizeof c->buf)
		die("internal: read buffer full");
	n = SSL_read(c->ssl, c->buf + c->end, (int)(sizeof c->buf - c->end));
	if (n <= 0) {
		e = SSL_get_error(c->ssl, n);
		die("connection closed or failed while reading (SSL error %d)", e);
	}
	c->end += (size_t)n;
	c->bytes += (unsigned long long)n;
}

/*
 * Appends one line (up to and without CRLF) to d; returns the length of
 * the segment appended.
 */
static size_t
read_line(struct conn *c, struct dbuf *d)
{
	unsigned char	*nl;
	size_t		 before = d->len, n;

	for (;;) {
		nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		if (nl != NULL) {
			n = (size_t)(nl - (c->buf + c->start));
			db_add(d, c->buf + c->start, n);
			c->start += n + 1;
			break;
		}
		db_add(d, c->buf + c->start, c->end - c->start);
		c->start = c->end;
		fill(c);
	}
	if (d->len > before && d->p[d->len - 1] == '\r')
		d->p[--d->len] = '\0';
	return d->len - before;
}

/* If the segment [seg, seg+n) ends with {N} or {N+}, returns N, else -1. */
static long long
literal_size(const char *seg, size_t n)
{
	size_t		 i;
	long long	 v = 0;

	if (n < 3 || seg[n - 1] != '}')
		return -1;
	i = n - 2;
	if (seg[i] == '+')
		i--;
	if (i == 0 || seg[i] < '0' || seg[i] > '9')
		return -1;
	while (i > 0 && seg[i] >= '0' && seg[i] <= '9')
		i--;
	if (seg[i] != '{')
		return -1;
	for (i++; seg[i] != '}' && seg[i] != '+'; i++)
		v = v * 10 + (seg[i] - '0');
	return v;
}

/*
 * Reads one logical response into d (cleared first): its lines joined,
 * each literal either copied in (capture) or skipped by count.
 */
static void
read_resp(struct conn *c, struct dbuf *d, int capture)
{
	size_t		 seglen, take;
	long long	 lit;

	d->len = 0;
	d->has_lit = 0;
	if (d->p != NULL)
		d->p[0] = '\0';
	for (;;) {
		size_t	off = d->len;

		seglen = read_line(c, d);
		lit = literal_size(d->p + off, seglen);
		if (lit < 0)
			return;
		c->literal_bytes += (unsigned long long)lit;
		if (capture) {
			d->lit_off = d->len;
			d->lit_len = (size_t)lit;
			d->has_lit = 1;
		}
		while (lit > 0) {
			if (c->start == c->end)
				fill(c);
			take = c->end - c->start;
			if ((long long)take > lit)
				take = (size_t)lit;
			if (capture)
				db_add(d, c->buf + c->start, take);
			c->start += take;
			lit -= (long long)take;
		}
	}
}

static void
send_cmd(struct conn *c, const char *fmt, ...)
{
	char	line[8192];
	int	n, m;
	va_list	ap;

	n = snprintf(line, sizeof line, "%lu ", ++c->tag);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= sizeof line - (size_t)n - 2)
		die("command too long");
	n += m;
	if (c->verbose)		/* no password in the trace */
		fprintf(stderr, "%8.3f C: %.*s\n", now() - c->t0,
		    strncmp(line + n - m, "LOGIN", 5) ? n : n - m + 5, line);
	line[n++] = '\r';
	line[n++] = '\n';
	if (SSL_write(c->ssl, line, n) != n)
		die("write failed");
}

/*
 * Reads responses until the tagged one; calls each(untagged) for the
 * others.  Dies unless the tagged status is OK.
 */
static void
wait_tagged(struct conn *c, struct dbuf *d, int capture,
    void (*each)(struct dbuf *, void *), void *arg)
{
	char	tag[32];
	size_t	tl;

	tl = (size_t)snprintf(tag, sizeof tag, "%lu ", c->tag);
	for (;;) {
		read_resp(c, d, capture);
		if (d->len >= tl && memcmp(d->p, tag, tl) == 0) {
			if (c->verbose)
				fprintf(stderr, "%8.3f S: %.200s\n",
				    now() - c->t0, d->p);
			if (strncasecmp(d->p + tl, "OK", 2) != 0)
				die("command %lu failed: %s", c->tag, d->p);
			return;
		}
		if (d->len >= 5 && strncasecmp(d->p, "* BYE", 5) == 0 &&
		    each == NULL)
			continue;
		if (each != NULL)
			each(d, arg);
	}
}

/* ---- LIST ---- */

struct folders {
	char	**v;
	size_t	 n;
};

static char *
unquote(const char *s, size_t n)
{
	char	*out = malloc(n + 1), *o = out;
	size_t	 i;

	if (out == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static void
on_list(struct dbuf *d, void *arg)
{
	struct folders	*f = arg;
	char		*p, *close, *name;
	size_t		 flen;

	if (strncasecmp(d->p, "* LIST (", 8) != 0)
		return;
	p = d->p + 8;
	if ((close = strchr(p, ')')) == NULL)
		die("bad LIST response: %s", d->p);
	flen = (size_t)(close - p);
	/* \Noselect and \NonExistent folders cannot be selected. */
	{
		char	fl[512];

		snprintf(fl, sizeof fl, "%.*s", (int)(flen < 511 ? flen : 511), p);
		for (char *q = fl; *q; q++)
			if (*q >= 'a' && *q <= 'z')
				*q -= 32;
		if (strstr(fl, "\\NOSELECT") || strstr(fl, "\\NONEXISTENT"))
			return;
	}
	p = close + 1;
	while (*p == ' ')
		p++;
	/* delimiter: NIL or "c" */
	if (strncasecmp(p, "NIL", 3) == 0)
		p += 3;
	else if (*p == '"') {
		p++;
		if (*p == '\\')
			p++;
		p += 2;
	} else
		die("bad LIST delimiter: %s", d->p);
	while (*p == ' ')
		p++;
	if (d->has_lit && (size_t)(p - d->p) <= d->lit_off)
		name = strndup(d->p + d->lit_off, d->lit_len);
	else if (*p == '"') {
		char	*e = p + 1;

		while (*e && *e != '"') {
			if (*e == '\\' && e[1])
				e++;
			e++;
		}
		name = unquote(p + 1, (size_t)(e - p - 1));
	} else
		name = strdup(p);
	if (name == NULL)
		die("out of memory");
	if ((f->v = realloc(f->v, (f->n + 1) * sizeof *f->v)) == NULL)
		die("out of memory");
	f->v[f->n++] = name;
}

/* ---- SELECT and FETCH ---- */

static void
on_select(struct dbuf *d, void *arg)
{
	unsigned long	*exists = arg;
	unsigned long	 n;
	char		 word[16];

	if (sscanf(d->p, "* %lu %15s", &n, word) == 2 &&
	    strcasecmp(word, "EXISTS") == 0)
		*exists = n;
}

static void
on_fetch(struct dbuf *d, void *arg)
{
	unsigned long	*count = arg;
	unsigned long	 n;
	char		 word[16];

	if (sscanf(d->p, "* %lu %15s", &n, word) == 2 &&
	    strcasecmp(word, "FETCH") == 0)
		(*count)++;
}

/* s as an IMAP quoted string (no CR, LF or NUL allowed). */
static char *
quoted(const char *s)
{
	size_t	 n = strlen(s), i;
	char	*out = malloc(2 * n + 3), *o = out;

	if (out == NULL)
		die("out of memory");
	*o++ = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			die("CR or LF in a quoted string");
		if (s[i] == '"' || s[i] == '\\')
			*o++ = '\\';
		*o++ = s[i];
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static int
tcp_connect(const char *host, int port)
{
	struct sockaddr_in	sa;
	int			fd;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("%s: not an IPv4 address", host);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1)
		die("connect %s:%d: %s", host, port, strerror(errno));
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor -p port -c cafile -u user "
	    "-P password-env-var [-h host] [-n tls-name] [-f fetch-items] "
	    "[-v]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*host = "127.0.0.1", *name = "localhost";
	const char	*ca = NULL, *user = NULL, *pwenv = NULL;
	const char	*items = DEFAULT_ITEMS, *pw;
	char		*qu, *qp, *qf;
	int		 port = 0, ch, fd, verbose = 0;
	SSL_CTX		*ctx;
	struct conn	*c;
	struct dbuf	 d;
	struct folders	 f;
	unsigned long	 exists, count, total = 0;
	size_t		 i;
	double		 t0, t1;

	while ((ch = getopt(argc, argv, "c:f:h:n:p:P:u:v")) != -1) {
		switch (ch) {
		case 'c': ca = optarg; break;
		case 'f': items = optarg; break;
		case 'h': host = optarg; break;
		case 'n': name = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'P': pwenv = optarg; break;
		case 'u': user = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (port <= 0 || ca == NULL || user == NULL || pwenv == NULL)
		usage();
	if ((pw = getenv(pwenv)) == NULL)
		die("%s is not set", pwenv);
	if ((c = calloc(1, sizeof *c)) == NULL)
		die("out of memory");
	c->verbose = verbose;
	memset(&d, 0, sizeof d);
	memset(&f, 0, sizeof f);

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		die("cannot load CA file %s", ca);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	t0 = c->t0 = now();
	fd = tcp_connect(host, port);
	if ((c->ssl = SSL_new(ctx)) == NULL)
		die("SSL_new");
	SSL_set_tlsext_host_name(c->ssl, name);
	if (SSL_set1_host(c->ssl, name) != 1)
		die("SSL_set1_host");
	SSL_set_fd(c->ssl, fd);
	if (SSL_connect(c->ssl) != 1)
		die("TLS handshake with %s:%d failed", host, port);
	if (SSL_get_verify_result(c->ssl) != X509_V_OK)
		die("certificate not verified");

	if (c->verbose)
		fprintf(stderr, "%8.3f TLS established\n", now() - t0);
	read_resp(c, &d, 1);			/* greeting */
	if (c->verbose)
		fprintf(stderr, "%8.3f greeting\n", now() - t0);
	if (strncasecmp(d.p, "* OK", 4) != 0)
		die("bad greeting: %s", d.p);
	qu = quoted(user);
	qp = quoted(pw);
	send_cmd(c, "LOGIN %s %s", qu, qp);
	free(qu);
	free(qp);
	wait_tagged(c, &d, 1, NULL, NULL);

	send_cmd(c, "LIST \"\" \"*\"");
	wait_tagged(c, &d, 1, on_list, &f);

	for (i = 0; i < f.n; i++) {
		qf = quoted(f.v[i]);
		exists = 0;
		send_cmd(c, "SELECT %s", qf);
		free(qf);
		wait_tagged(c, &d, 1, on_select, &exists);
		if (exists == 0)
			continue;
		count = 0;
		send_cmd(c, "UID FETCH 1:* %s", items);
		wait_tagged(c, &d, 0, on_fetch, &count);
		if (count != exists)
			fprintf(stderr, "floor: %s: %lu EXISTS but %lu FETCH "
			    "responses\n", f.v[i], exists, count);
		total += count;
	}
	send_cmd(c, "LOGOUT");
	wait_tagged(c, &d, 1, NULL, NULL);
	t1 = now();

	printf("folders=%zu messages=%lu bytes=%llu literal_bytes=%llu "
	    "seconds=%.3f\n", f.n, total, c->bytes, c->literal_bytes, t1 - t0);
	SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	close(fd);
	SSL_CTX_free(ctx);
	for (i = 0; i < f.n; i++)
		free(f.v[i]);
	free(f.v);
	free(d.p);
	free(c);
	return 0;
}
