/*
 * util.c - allocation, small string helpers, secrets hygiene, and the
 * directory and pipe set-up several layers share.  Any thread.
 * Allocation failure is fatal here and nowhere else.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

static void
oom(void)
{
	fputs("tern: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t	 len = strnlen(s, n);
	char	*p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;
	char	*p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		oom();
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->size);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

char *
read_file_max(const char *path, size_t max, size_t *lenp, char **errp)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	long	 n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) == -1 || (n = ftell(fp)) < 0 ||
	    (size_t)n > max || fseek(fp, 0, SEEK_SET) == -1) {
		seterr(errp, "cannot read %s", path);
		if (fp != NULL)
			fclose(fp);
		return NULL;
	}
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		seterr(errp, "cannot read %s", path);
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*lenp = (size_t)n;
	return buf;
}

char *
read_file_head(const char *path, size_t max, size_t *lenp, int64_t *sizep)
{
	struct stat	 sb;
	char		*buf;
	size_t		 want;
	int		 fd;

	/* O_NONBLOCK: a FIFO put in the file's place cannot block open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return NULL;
	}
	if (sizep != NULL)
		*sizep = (int64_t)sb.st_size;
	want = (uintmax_t)sb.st_size < max ? (size_t)sb.st_size : max;
	buf = read_fd(fd, want, lenp);
	close(fd);
	return buf;
}

char *
read_fd(int fd, size_t want, size_t *lenp)
{
	char	*buf = xmalloc(want + 1);
	size_t	 n = 0;
	ssize_t	 got;

	while (n < want) {
		got = read(fd, buf + n, want - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

void
seterr(char **errp, const char *fmt, ...)
{
	va_list	 ap;

	if (errp == NULL)
		return;
	free(*errp);
	va_start(ap, fmt);
	*errp = xvasprintf(fmt, ap);
	va_end(ap);
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int
base64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

char *
base64_encode(const void *data, size_t len)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*in = data;
	char			*out, *o;
	size_t			 i;
	unsigned		 v;

	out = o = xmalloc((len + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	if (i < len) {
		v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

int
host_is_loopback(const char *host)
{
	if (host == NULL)
		return 0;
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0 || strcmp(host, "::1") == 0)
		return 1;
	/* 127.0.0.0/8, written as a dotted quad. */
	if (strncmp(host, "127.", 4) == 0) {
		const char	*p = host + 4;
		int		 dots = 0;

		for (; *p != '\0'; p++) {
			if (*p == '.')
				dots++;
			else if (!isdigit((unsigned char)*p))
				return 0;
		}
		return dots == 2;
	}
	return 0;
}

size_t
edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

int64_t
epoch_utc(int y, int mo, int d, int h, int mi, int s)
{
	int64_t		 era, yoe, doy, doe, days;

	/* days_from_civil (H. Hinnant): timegm() is not POSIX. */
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + s;
}

int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Existing directories are left as they are (mode included); an
 * existing non-directory anywhere on the path is an error (ENOTDIR).
 * errno is kept for the caller.
 */
int
mkdir_p(const char *path, mode_t mode, char **errp)
{
	struct stat	 st;
	char		*p, *s;
	int		 saved;

	if (path == NULL || *path == '\0') {
		seterr(errp, "empty directory name");
		errno = EINVAL;
		return -1;
	}
	p = xstrdup(path);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, mode) == -1 && errno != EEXIST)
		goto fail;
	if (stat(p, &st) == -1)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	free(p);
	return 0;
fail:
	saved = errno;
	seterr(errp, "cannot create directory %s: %s", p, strerror(saved));
	free(p);
	errno = saved;
	return -1;
}

/*
 * For self-pipes that wake a poll() loop: a full pipe must not block
 * the writer, and no child may inherit either end.
 */
int
pipe_nonblock(int fds[2])
{
	if (pipe(fds) == -1)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

int64_t
clock_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Set once by main() before any thread starts; read-only afterwards. */
static int64_t	clock_t0;

void
clock_start(void)
{
	if (clock_t0 == 0)
		clock_t0 = clock_us();
}

int64_t
clock_since_start_us(void)
{
	return clock_us() - clock_t0;
}
