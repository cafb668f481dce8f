/*
 * cmd.h - the subcommands of the command line (src/cmd*.c), called by
 * main.c.  The main thread.  Each returns an exit status: 0 success,
 * 1 failure, 2 bad usage.
 */
#ifndef TERN_CMD_H
#define TERN_CMD_H

#include "core.h"

/* Prints "tern: " and a message, sanitized, to stderr. */
void	say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a line to stdout, sanitized. */
void	out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Marks in selected[] (one per configured account) the accounts named
 * in argv, or all when argc is 0.  -1 (after saying why) on an unknown
 * name or when no account is configured.
 */
int	cmd_accounts(struct config *, int argc, char **argv, int *selected);

int	cmd_check(struct config *, int argc, char **argv);
int	cmd_password(struct config *, int argc, char **argv);
int	cmd_sync(struct config *, int argc, char **argv);
int	cmd_search(struct config *, int argc, char **argv);
int	cmd_mark(struct config *, int argc, char **argv);
/* Prints one message file as the pager shows it; cfg may be NULL. */
int	cmd_show(struct config *, int argc, char **argv);

#endif
