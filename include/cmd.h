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
int	cmd_send(struct config *, int argc, char **argv);
/* The terminal UI over every account (cmd_ui.c). */
int	cmd_ui(struct config *);
/* The terminal UI over the built-in demo account, offline. */
int	cmd_demo(void);

/* ---- demo.c: `tern --demo`, a sample mailbox and no config file. ---- */

/*
 * Writes a small sample Maildir into a new private (0700) directory
 * under $TMPDIR or /tmp, points XDG_DATA_HOME into it (so the store is
 * there too) and returns a configuration with one type = maildir
 * account, "demo".  *cfgp (config_free) and *dirp (demo_cleanup, then
 * free) are the caller's.  0, or -1 with *errp (caller frees).
 */
int	demo_setup(struct config **cfgp, char **dirp, char **errp);
/* Removes the demo directory dir and everything in it (no symlink is
 * followed); anything that is not a demo directory is left alone. */
void	demo_cleanup(const char *dir);

#endif
