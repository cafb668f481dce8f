/*
 * trust.c - the certificates a user chose to trust for one account: the
 * file config_data_dir(ACCOUNT)/trusted, one "host:port sha256:BASE64"
 * line per server (SECURITY.md: "an exception pins that certificate's
 * SPKI hash for that one account only, after the user explicitly
 * confirms").  Read by whichever thread connects (an engine, or main for
 * `tern check`); written only by the account's engine after the user
 * answered "yes", and the account lock means one writer at a time.
 *
 * The file is data from disk, so every line is bounded and checked; a
 * file that others could have written is ignored rather than believed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net.h"

#define TRUST_FILE_MAX	(64 * 1024)	/* far more than any account needs */
#define TRUST_HOST_MAX	255

char *
trust_file(const char *account)
{
	char	*dir, *path;

	if ((dir = config_data_dir(account)) == NULL)
		return NULL;
	path = xasprintf("%s/trusted", dir);
	free(dir);
	return path;
}

int
trust_pin_valid(const char *pin)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*b;
	size_t			 i;

	if (pin == NULL || strncmp(pin, "sha256:", 7) != 0)
		return 0;
	b = pin + 7;
	if (strlen(b) != 44 || b[43] != '=')
		return 0;
	for (i = 0; i < 43; i++)
		if (b[i] == '\0' || strchr(b64, b[i]) == NULL)
			return 0;
	/* The last character carries 4 bits of data and 2 zero bits. */
	return (strchr(b64, b[42]) - b64) % 4 == 0;
}

/* A host name as it may appear in the file: no space, no control. */
static int
trust_host_valid(const char *host)
{
	const unsigned char	*s = (const unsigned char *)host;

	if (*s == '\0' || strlen(host) > TRUST_HOST_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Splits one line into its "host:port" key and pin (pointers into
 * line, which is modified); 0, or -1 for a blank, comment or bad line.
 */
static int
trust_split(char *line, char **key, char **pin)
{
	char	*sp, *colon, *end;
	long	 port;

	line[strcspn(line, "\r\n")] = '\0';
	if (*line == '\0' || *line == '#' || (sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp = '\0';
	*key = line;
	*pin = sp + 1;
	/* host:port, the port after the last colon (an IPv6 host has more). */
	if ((colon = strrchr(line, ':')) == NULL || colon == line)
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 1 ||
	    port > 65535)
		return -1;
	return trust_pin_valid(*pin) ? 0 : -1;
}

/*
 * Reads the file into a new buffer (NULL: none or unusable).  A file
 * that is not ours alone is ignored with a warning: a pin in it would
 * trust a server without the user having said so.
 */
static char *
trust_read(const char *path)
{
	struct stat	 st;
	char		*buf;
	size_t		 len;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TRUST_FILE_MAX) {
		log_msg(LOG_WARN, "%s: not a regular file of at most %d bytes; "
		    "ignored", path, TRUST_FILE_MAX);
		close(fd);
		return NULL;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		log_msg(LOG_WARN, "%s: writable by others; ignored", path);
		close(fd);
		return NULL;
	}
	buf = read_fd(fd, (size_t)st.st_size, &len);
	close(fd);
	return buf;
}

char *
trust_lookup(const char *path, const char *host, int port)
{
	char	*buf, *line, *next, *key, *pin, *want, *found = NULL;

	if (path == NULL || !trust_host_valid(host))
		return NULL;
	if ((buf = trust_read(path)) == NULL)
		return NULL;
	want = xasprintf("%s:%d", host, port);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (trust_split(line, &key, &pin) == 0 &&
		    strcasecmp(key, want) == 0) {
			free(found);	/* the last line wins */
			found = xstrdup(pin);
		}
	}
	free(want);
	free(buf);
	return found;
}

int
trust_add(const char *path, const char *host, int port, const char *pin,
    char **errp)
{
	char	*buf, *line, *next, *key, *p, *copy, *dir, *slash, *tmp, *want;
	char	*out;
	size_t	 len;
	int	 fd, r;

	if (!trust_host_valid(host) || port < 1 || port > 65535 ||
	    !trust_pin_valid(pin)) {
		seterr(errp, "cannot trust %s port %d: invalid host or pin",
		    host, port);
		return -1;
	}
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0700, errp) == -1) {
			free(dir);
			return -1;
		}
	}

	/* Every valid line for another server, then the new one. */
	want = xasprintf("%s:%d", host, port);
	out = xstrdup("");
	buf = trust_read(path);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		copy = xstrdup(line);
		if (trust_split(copy, &key, &p) == 0 &&
		    strcasecmp(key, want) != 0) {
			char	*t = xasprintf("%s%s %s\n", out, key, p);

			free(out);
			out = t;
		}
		free(copy);
	}
	free(buf);
	p = xasprintf("%s%s %s\n", out, want, pin);
	free(out);
	out = p;
	free(want);

	/* Order is important: write new -> fsync -> rename -> fsync dir. */
	tmp = xasprintf("%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		seterr(errp, "cannot create %s: %s", tmp, strerror(errno));
		goto fail;
	}
	len = strlen(out);
	r = fchmod(fd, 0600) == 0 && write(fd, out, len) == (ssize_t)len &&
	    fsync(fd) == 0;
	if (close(fd) != 0 || !r) {
		seterr(errp, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		seterr(errp, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		unlink(tmp);
		goto fail;
	}
	if ((fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(tmp);
	free(out);
	free(dir);
	return 0;
fail:
	free(tmp);
	free(out);
	free(dir);
	return -1;
}
