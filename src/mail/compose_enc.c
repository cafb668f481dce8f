/*
 * compose_enc.c - the encodings of outgoing mail: quoted-printable
 * (RFC 2045 6.7), RFC 2047 encoded words for header text, the Date and
 * Message-ID fields, the MIME type of an attachment, and reading an
 * attachment's file.  Pure but for reading files and /dev/urandom; any
 * thread.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mail.h"

/* A growing buffer. */
/* ---- quoted-printable ---- */

char *
compose_qp(const char *s, size_t len, size_t *outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf	 b = { NULL, 0, 0 };
	size_t		 i, col = 0;
	char		 enc[4];

	strbuf_add(&b, "", 0);
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];
		int		 eol, need;

		if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (c == '\n') {
			strbuf_add(&b, "\r\n", 2);
			col = 0;
			continue;
		}
		eol = i + 1 == len || s[i + 1] == '\n' ||
		    (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n');
		need = c == '=' || c >= 127 || (c < 32 && c != '\t') ||
		    ((c == ' ' || c == '\t') && eol) ||
		    /* "From " and a lone "." at a line's start, for safety */
		    (col == 0 && c == '.') ||
		    (col == 0 && c == 'F' && len - i >= 5 &&
		    memcmp(s + i, "From ", 5) == 0);
		if (need) {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			enc[3] = '\0';
		} else {
			enc[0] = (char)c;
			enc[1] = '\0';
		}
		/* 76 columns at most, a soft break "=" included. */
		if (col + strlen(enc) > (eol ? 76 : 75)) {
			strbuf_add(&b, "=\r\n", 3);
			col = 0;
			if (c == '.' && !need) {
				strcpy(enc, "=2E");
			}
		}
		strbuf_str(&b, enc);
		col += strlen(enc);
	}
	*outlen = b.len;
	return b.p;
}

/* ---- RFC 2047 ---- */

static int
is_ascii_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 127 || ((unsigned char)*s < 32 &&
		    *s != '\t'))
			return 0;
	return 1;
}

/*
 * Encoded words ("=?UTF-8?B?...?=", 75 characters at most, whole
 * characters in each) for s, separated by "\r\n " (a fold).  The first
 * line has used col columns already.
 */
static void
words_2047(struct strbuf *b, const char *s, size_t col)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, take, k;
	char			*b64;
	size_t			 max;
	int			 first = 1;

	while (i < len) {
		/*
		 * Lines of 76 at most: "=?UTF-8?B?" "?=" is 12, and every 3
		 * bytes take 4; at least one whole character per word.
		 */
		max = col + 12 < 76 - 8 ? (76 - col - 12) / 4 * 3 : 6;
		take = 0;
		while (i + take < len) {
			k = utf8_decode(u + i + take, len - i - take, NULL);
			if (k == 0)
				k = 1;
			if (take + k > max && take > 0)
				break;
			take += k;
		}
		b64 = base64_encode(s + i, take);
		if (!first)
			strbuf_str(b, "\r\n ");
		strbuf_str(b, "=?UTF-8?B?");
		strbuf_str(b, b64);
		strbuf_str(b, "?=");
		free(b64);
		i += take;
		first = 0;
		col = 1;
	}
}

/*
 * "Name: value" of unstructured text: kept as it is when it is ASCII
 * and looks like no encoded word, folded at blanks before 78 columns;
 * else encoded words.
 */
char *
compose_encode_text(const char *name, const char *value)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const char	*p, *w;
	size_t		 col, wl;
	int		 plain = is_ascii_text(value) &&
			    strstr(value, "=?") == NULL;

	for (p = value; plain && *p != '\0'; p += wl) {
		p += strspn(p, " \t");
		wl = strcspn(p, " \t");
		if (wl > 900)
			plain = 0;
	}
	strbuf_str(&b, name);
	strbuf_str(&b, ":");
	col = strlen(name) + 1;
	if (!plain) {
		strbuf_str(&b, " ");
		words_2047(&b, value, col + 1);
		return b.p;
	}
	p = value;
	strbuf_str(&b, " ");
	col++;
	while (*p != '\0') {
		w = p + strspn(p, " \t");
		wl = strcspn(w, " \t");
		if (w == p) {
			strbuf_add(&b, w, wl);
			col += wl;
		} else if (col + (size_t)(w - p) + wl > 78 && col > 1 &&
		    wl > 0) {
			/* Fold: the blank starts the next line. */
			strbuf_str(&b, "\r\n");
			strbuf_add(&b, p, (size_t)(w - p));
			strbuf_add(&b, w, wl);
			col = (size_t)(w - p) + wl;
		} else {
			strbuf_add(&b, p, (size_t)(w - p) + wl);
			col += (size_t)(w - p) + wl;
		}
		p = w + wl;
	}
	return b.p;
}

/* ---- Date, Message-ID ---- */

char *
compose_date(time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;
	int64_t		 off;
	long		 m;

	if (localtime_r(&t, &tm) == NULL)
		gmtime_r(&t, &tm);
	off = epoch_utc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec) - (int64_t)t;
	m = (long)(off / 60);
	return xasprintf("%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    m < 0 ? '-' : '+', (m < 0 ? -m : m) / 60, (m < 0 ? -m : m) % 60);
}

char *
compose_message_id(const char *from)
{
	static unsigned	 counter;
	unsigned char	 r[12];
	char		 hex[25], *addr, *at, *dom;
	const char	*domain = "localhost";
	size_t		 i;
	int		 fd, ok = 0;
	char		*id;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		ok = read(fd, r, sizeof r) == (ssize_t)sizeof r;
		close(fd);
	}
	if (!ok) {
		uint64_t	 x = (uint64_t)clock_us() ^
				    ((uint64_t)getpid() << 32) ^ ++counter;

		for (i = 0; i < sizeof r; i++, x = x * 6364136223846793005ULL +
		    1442695040888963407ULL)
			r[i] = (unsigned char)(x >> 56);
	}
	for (i = 0; i < sizeof r; i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	addr = addr_first(from);
	if ((at = strrchr(addr, '@')) != NULL && at[1] != '\0')
		domain = at + 1;
	/* Only dot-atom text, so the id is valid whatever the domain is. */
	dom = xstrdup(domain);
	for (i = 0; dom[i] != '\0'; i++)
		if (strchr("<>()[]\\\",;:@ \t\r\n", dom[i]) != NULL ||
		    (unsigned char)dom[i] < 33 || (unsigned char)dom[i] > 126)
			dom[i] = '-';
	id = xasprintf("<%lld.%s@%s>", (long long)time(NULL), hex, dom);
	free(dom);
	free(addr);
	return id;
}

/* ---- attachments ---- */

const char *
compose_guess_type(const char *name, const char *data, size_t len)
{
	static const struct { const char *ext, *type; } ext[] = {
		{ "txt", "text/plain" }, { "text", "text/plain" },
		{ "log", "text/plain" }, { "md", "text/markdown" },
		{ "csv", "text/csv" }, { "html", "text/html" },
		{ "htm", "text/html" }, { "ics", "text/calendar" },
		{ "vcf", "text/vcard" }, { "patch", "text/x-diff" },
		{ "diff", "text/x-diff" }, { "c", "text/x-c" },
		{ "h", "text/x-c" }, { "py", "text/x-python" },
		{ "sh", "text/x-shellscript" }, { "xml", "application/xml" },
		{ "json", "application/json" }, { "pdf", "application/pdf" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
		{ "webp", "image/webp" }, { "svg", "image/svg+xml" },
		{ "bmp", "image/bmp" }, { "tif", "image/tiff" },
		{ "tiff", "image/tiff" }, { "zip", "application/zip" },
		{ "gz", "application/gzip" }, { "tgz", "application/gzip" },
		{ "bz2", "application/x-bzip2" }, { "xz", "application/x-xz" },
		{ "7z", "application/x-7z-compressed" },
		{ "tar", "application/x-tar" },
		{ "doc", "application/msword" },
		{ "docx", "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document" },
		{ "xls", "application/vnd.ms-excel" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet" },
		{ "ppt", "application/vnd.ms-powerpoint" },
		{ "pptx", "application/vnd.openxmlformats-officedocument."
		    "presentationml.presentation" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ "odp", "application/vnd.oasis.opendocument.presentation" },
		{ "mp3", "audio/mpeg" }, { "ogg", "audio/ogg" },
		{ "wav", "audio/wav" }, { "flac", "audio/flac" },
		{ "mp4", "video/mp4" }, { "webm", "video/webm" },
		{ "mkv", "video/x-matroska" },
	};
	static const struct { const char *magic; size_t n; const char *type; }
	    magic[] = {
		{ "%PDF-", 5, "application/pdf" },
		{ "\x89PNG\r\n\x1a\n", 8, "image/png" },
		{ "\xff\xd8\xff", 3, "image/jpeg" },
		{ "GIF87a", 6, "image/gif" }, { "GIF89a", 6, "image/gif" },
		{ "PK\x03\x04", 4, "application/zip" },
		{ "\x1f\x8b", 2, "application/gzip" },
		{ "BZh", 3, "application/x-bzip2" },
		{ "\xfd" "7zXZ", 5, "application/x-xz" },
		{ "OggS", 4, "audio/ogg" },
	};
	const char	*dot = name != NULL ? strrchr(name, '.') : NULL;
	size_t		 i, check;

	if (dot != NULL && dot != name)
		for (i = 0; i < sizeof ext / sizeof ext[0]; i++)
			if (strcasecmp(dot + 1, ext[i].ext) == 0)
				return ext[i].type;
	for (i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if (len >= magic[i].n && memcmp(data, magic[i].magic,
		    magic[i].n) == 0)
			return magic[i].type;
	/* Text: no NUL and valid UTF-8 in the first 8 KB (whole chars). */
	check = len < 8192 ? len : 8192;
	if (memchr(data, '\0', check) != NULL)
		return "application/octet-stream";
	for (i = 0; i < 3 && check < len && check > 0 &&
	    ((unsigned char)data[check] & 0xc0) == 0x80; i++)
		check--;
	if (utf8_valid((const unsigned char *)data, check))
		return "text/plain";
	return "application/octet-stream";
}

char *
compose_file_read(const char *path, size_t *lenp, char **errp)
{
	struct stat	 sb;
	char		*buf;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(errp, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		seterr(errp, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (sb.st_size > COMPOSE_FILE_MAX) {
		seterr(errp, "%s: larger than %d MB", path,
		    COMPOSE_FILE_MAX / (1024 * 1024));
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			seterr(errp, "%s: %s", path, r == 0 ? "shorter than "
			    "expected" : strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*lenp = got;
	return buf;
}
