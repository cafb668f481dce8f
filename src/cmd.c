/*
 * cmd.c - what every subcommand shares: sanitized output to the
 * terminal and account selection.  The main thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* Formats a message, sanitizes it to one line and prints it to fp. */
static __attribute__((format(printf, 3, 0))) void
print_line(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
	char	*text, *clean;

	text = xvasprintf(fmt, ap);
	clean = sanitize_for_display(text, strlen(text), 0);
	fprintf(fp, "%s%s\n", prefix, clean);
	free(clean);
	free(text);
}

/* Prints "tern: " and a message, sanitized, to stderr. */
void
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	print_line(stderr, "tern: ", fmt, ap);
	va_end(ap);
}

/* Prints a line to stdout, sanitized. */
void
out(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	print_line(stdout, "", fmt, ap);
	va_end(ap);
}

int
cmd_accounts(struct config *cfg, int argc, char **argv, int *selected)
{
	size_t	i;
	int	j;

	if (cfg->naccounts == 0) {
		say("%s: no accounts configured", cfg->path);
		return -1;
	}
	for (j = 0; j < argc; j++) {
		if (config_account(cfg, argv[j]) == NULL) {
			say("no account called '%s' in %s", argv[j], cfg->path);
			return -1;
		}
	}
	for (i = 0; i < cfg->naccounts; i++) {
		selected[i] = argc == 0;
		for (j = 0; j < argc && !selected[i]; j++)
			selected[i] = strcmp(argv[j], cfg->accounts[i].name) == 0;
	}
	return 0;
}
