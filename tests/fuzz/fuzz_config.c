/*
 * fuzz_config.c - libFuzzer target (make fuzz): the configuration file
 * parser (config_parse, tern.conf(5)) when byte 0 is even, the theme
 * parser (theme_load, from a file) when it is odd.  Properties: no
 * crash or sanitizer report; a rejected configuration comes with one
 * "FILE:LINE: reason" (or "FILE: reason") message, safe to print once
 * sanitized (as say() prints it); a theme's warnings are "FILE:LINE:
 * reason" and the same.  Single-threaded.
 */
#include <fcntl.h>
#include <unistd.h>

#include "ui.h"
#include "fuzz.h"

static char	*theme_path;

/* "NAME:LINE: reason" or "NAME: reason", printable. */
static void
check_msg(const char *msg, const char *name)
{
	size_t	 n = strlen(name);
	const char *p;
	char	*s;

	FUZZ_ASSERT(strncmp(msg, name, n) == 0 && msg[n] == ':',
	    "message does not name the file: %s", msg);
	p = msg + n + 1;
	if (*p >= '0' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
		FUZZ_ASSERT(*p == ':', "bad line number: %s", msg);
		p++;
	}
	FUZZ_ASSERT(*p == ' ' && p[1] != '\0', "no reason: %s", msg);
	/*
	 * It may quote the user's bytes (a section name with U+FEFF);
	 * tern prints it through the sanitizer (say()), as here.
	 */
	s = sanitize_for_display(msg, strlen(msg), 0);
	FUZZ_ASSERT(fuzz_printable(s, strlen(s), 0, 0),
	    "message not printable once sanitized");
	free(s);
}

static void
fuzz_theme(const uint8_t *data, size_t size)
{
	struct theme	 t;
	char		**w = NULL, *err = NULL;
	size_t		 nw = 0, i;
	int		 fd, s;

	if (theme_path == NULL) {
		theme_path = xasprintf("%s/tern-fuzz-theme-%ld",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
		    (long)getpid());
	}
	fd = open(theme_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	theme_default(&t);
	if (theme_load(theme_path, &t, &w, &nw, &err) == -1) {
		FUZZ_ASSERT(err != NULL, "no error");
		free(err);
		return;
	}
	for (i = 0; i < nw; i++)
		check_msg(w[i], theme_path);
	for (s = 0; s < THEME_NOBJ; s++) {
		FUZZ_ASSERT(t.style[s].fg >= -1 && t.style[s].fg <= 255, "fg");
		FUZZ_ASSERT(t.style[s].bg >= -1 && t.style[s].bg <= 255, "bg");
	}
	FUZZ_ASSERT(t.colors == 0 || t.colors == 16 || t.colors == 256,
	    "colors %d", t.colors);
	theme_warnings_free(w, nw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	char		*err = NULL;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		fuzz_theme(data + 1, size - 1);
		return 0;
	}
	cfg = config_parse((const char *)data + 1, size - 1, "fuzz.conf",
	    &err);
	if (cfg == NULL) {
		FUZZ_ASSERT(err != NULL, "rejected without a reason");
		check_msg(err, "fuzz.conf");
		free(err);
	} else {
		FUZZ_ASSERT(err == NULL, "accepted with an error");
		config_free(cfg);
	}
	return 0;
}
