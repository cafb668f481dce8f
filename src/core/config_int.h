/*
 * config_int.h - private to src/core/config*.c: what config.c (the file,
 * its sections and keys), config_keys.c (the [keys] sections) and
 * config_url.c (server URLs) share.
 * Main thread, during config_parse().
 */
#ifndef TERN_CONFIG_INT_H
#define TERN_CONFIG_INT_H

#include "core.h"

/*
 * The key context of a section name ("keys" -> "", "keys.list" ->
 * "list"); NULL if name is not a [keys] section.  Borrowed, static.
 */
const char	*config_keys_context(const char *name);
/* The [keys...] section name closest to a mistyped name, or NULL. */
const char	*config_keys_suggest(const char *name);
/*
 * One "KEY = ACTION [ARGUMENT...]" line (s, trimmed, not a comment) of
 * the section of context: appended to cfg->keys.  -1 with *why (caller
 * frees) on a bad line.
 */
int		 config_keys_bind(struct config *cfg, const char *context,
		    int line, char *s, char **why);
/* Frees cfg->keys. */
void		 config_keys_free(struct config *cfg);

/*
 * Parses an imap or smtp (key) URL into sv; -1 with *why (caller frees)
 * if it is malformed.
 */
int		 config_url_parse(const char *key, const char *v,
		    struct server *sv, char **why);

#endif
