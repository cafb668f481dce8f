/*
 * attach.c - saving an attachment under a directory the user chose,
 * under a name a stranger chose (SECURITY.md "Files", test 16).  Pure
 * functions apart from the file written; any thread.
 *
 * The name is decoded (RFC 2231/2047, by mime.c) before it comes here;
 * here it is reduced to a safe basename, and the file is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW relative to the opened directory, so no
 * name, symlink or race can put it elsewhere or overwrite anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail.h"

#define ATTACH_NAME_MAX		255	/* bytes, as most file systems */
#define ATTACH_EXT_MAX		32
#define ATTACH_TRIES		10000

char *
attach_safe_name(const char *decoded)
{
	char	*clean, *base, *s, *dot, *res;
	size_t	 n, ext, i;

	if (decoded == NULL)
		decoded = "";
	/* Valid UTF-8, no controls, bidi or invisible characters. */
	clean = sanitize_for_display(decoded, strlen(decoded), 0);
	base = clean;
	for (s = clean; *s != '\0'; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	while (*base == '.' || *base == ' ' || *base == '~' || *base == '-')
		base++;
	n = strlen(base);
	while (n > 0 && (base[n - 1] == ' ' || base[n - 1] == '.'))
		n--;
	base[n] = '\0';
	for (i = 0; i < n; i++)
		if (base[i] == ':' || base[i] == '\t')
			base[i] = '_';
	if (n > ATTACH_NAME_MAX) {
		dot = strrchr(base, '.');
		ext = dot ? strlen(dot) : 0;
		if (ext > ATTACH_EXT_MAX)
			ext = 0;
		i = ATTACH_NAME_MAX - ext;
		while (i > 0 && ((unsigned char)base[i] & 0xC0) == 0x80)
			i--;
		if (ext > 0)
			memmove(base + i, dot, ext + 1);
		else
			base[i] = '\0';
	}
	res = xstrdup(base[0] != '\0' ? base : "attachment");
	free(clean);
	return res;
}

/* name with "-k" before its extension, within ATTACH_NAME_MAX bytes. */
static char *
attach_numbered(const char *name, unsigned k)
{
	const char	*dot = strrchr(name, '.');
	size_t		 stem = dot && dot != name ? (size_t)(dot - name) :
	    strlen(name);
	char		 num[16];
	size_t		 nl;

	nl = (size_t)snprintf(num, sizeof num, "-%u", k);
	while (stem + nl + strlen(name + stem) > ATTACH_NAME_MAX && stem > 1) {
		stem--;
		while (stem > 1 && ((unsigned char)name[stem] & 0xC0) == 0x80)
			stem--;
	}
	return xasprintf("%.*s%s%s", (int)stem, name, num,
	    dot && dot != name ? dot : "");
}

int
attach_save(const char *dir, const char *name, const void *data, size_t len,
    char **path_out, char **errp)
{
	char		*safe, *cand, *abs;
	const char	*p = data;
	unsigned	 k;
	int		 dfd, fd = -1;
	ssize_t		 w;

	*path_out = NULL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		seterr(errp, "%s: %s", dir, strerror(errno));
		return -1;
	}
	safe = attach_safe_name(name);
	cand = xstrdup(safe);
	for (k = 1; k <= ATTACH_TRIES; k++) {
		fd = openat(dfd, cand, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
		free(cand);
		cand = attach_numbered(safe, k);
	}
	free(safe);
	if (fd == -1) {
		seterr(errp, "%s/%s: %s", dir, cand, strerror(errno));
		free(cand);
		close(dfd);
		return -1;
	}
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			seterr(errp, "%s/%s: %s", dir, cand, strerror(errno));
			close(fd);
			unlinkat(dfd, cand, 0);
			free(cand);
			close(dfd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		seterr(errp, "%s/%s: %s", dir, cand, strerror(errno));
		unlinkat(dfd, cand, 0);
		free(cand);
		close(dfd);
		return -1;
	}
	close(dfd);
	if ((abs = realpath(dir, NULL)) == NULL)
		abs = xstrdup(dir);
	*path_out = xasprintf("%s/%s", abs, cand);
	free(abs);
	free(cand);
	return 0;
}
