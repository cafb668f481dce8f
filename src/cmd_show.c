/*
 * cmd_show.c - `tern show [--raw] [--headers] FILE|-`: one message file
 * printed exactly as the pager shows it (render.c), for scripts and
 * tests.  The main thread.  Needs no configuration file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "mail.h"

#define SHOW_FILE_MAX	((size_t)1024 * 1024 * 1024)

/* Reads all of fd; NULL and errno on failure. */
static char *
show_read(int fd, size_t *lenp)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 r;

	/* A file's size is known: one allocation, not a doubling series. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SHOW_FILE_MAX) {
		cap = (size_t)st.st_size + 65536 + 1;
		buf = xmalloc(cap);
	}
	for (;;) {
		if (cap - len < 65536) {
			if (cap >= SHOW_FILE_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap = cap ? cap * 2 : 65536 * 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		len += (size_t)r;
	}
	*lenp = len;
	return buf;
}

int
cmd_show(struct config *cfg, int argc, char **argv)
{
	struct render_opts	 o = { 0, 0, NULL };
	struct rendered		 r;
	const char		*file = NULL;
	char			*buf;
	size_t			 len, i;
	int			 fd, k, rc = 0, opts = 1, bad = 0;

	(void)cfg;
	for (k = 0; k < argc; k++) {
		if (opts && strcmp(argv[k], "--raw") == 0)
			o.raw = 1;
		else if (opts && strcmp(argv[k], "--headers") == 0)
			o.full_headers = 1;
		else if (opts && strcmp(argv[k], "--") == 0)
			opts = 0;
		else if (opts && argv[k][0] == '-' && argv[k][1] != '\0') {
			say("show: unknown option '%s'", argv[k]);
			bad = 1;
		} else if (file == NULL)
			file = argv[k];
		else
			bad = 1;
	}
	if (file == NULL || bad) {
		say("usage: tern show [--raw] [--headers] file|-");
		return 2;
	}
	if (strcmp(file, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		say("%s: %s", file, strerror(errno));
		return 1;
	}
	buf = show_read(fd, &len);
	if (buf == NULL) {
		say("%s: %s", file, strerror(errno));
		if (fd != STDIN_FILENO)
			close(fd);
		return 1;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	render_message(buf, len, &o, &r);
	for (i = 0; i < r.nlines; i++) {
		/* Already sanitized by render.c: printed as it is. */
		fputs(r.lines[i].text, stdout);
		putchar('\n');
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		say("show: cannot write: %s", strerror(errno));
		rc = 1;
	}
	rendered_free(&r);
	free(buf);
	return rc;
}
