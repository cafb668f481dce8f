/*
 * config_keys.c - the key binding sections of tern.conf(5): [keys]
 * (every pane), [keys.folders], [keys.list] and [keys.pager], made of
 * "KEY = ACTION [ARGUMENT...]" lines.  Main thread, during
 * config_parse().
 *
 * Only the key is checked here (keyname.c); the action is the UI's
 * business, which reports an unknown one with the line kept in struct
 * keybind, so this layer needs to know nothing about the UI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define CONFIG_KEY_TEXT_MAX	64	/* of a key name, quoted or not */

static const struct {
	const char	*section;
	const char	*context;
} config_key_sections[] = {
	{ "keys", "" },
	{ "keys.folders", "folders" },
	{ "keys.list", "list" },
	{ "keys.pager", "pager" },
};
#define CONFIG_NKEYSEC \
	(sizeof config_key_sections / sizeof config_key_sections[0])

const char *
config_keys_context(const char *name)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYSEC; i++)
		if (strcmp(name, config_key_sections[i].section) == 0)
			return config_key_sections[i].context;
	return NULL;
}

const char *
config_keys_suggest(const char *name)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = 3;

	for (i = 0; i < CONFIG_NKEYSEC; i++)
		if ((d = edit_distance(name, config_key_sections[i].section)) <
		    bestd) {
			bestd = d;
			best = config_key_sections[i].section;
		}
	return best;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * The key at the start of s into key[] (size CONFIG_KEY_TEXT_MAX):
 * "quoted" (with \" and \\, for '#', '[' and '"', which start comments,
 * sections and quotes), a lone '=', or the text up to a space or '='.
 * Returns what follows it, or NULL.
 */
static char *
config_key_text(char *s, char *key, char **why)
{
	size_t	 n = 0;

	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0') {
				seterr(why, "unterminated quoted key");
				return NULL;
			}
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			if (n + 1 >= CONFIG_KEY_TEXT_MAX) {
				seterr(why, "key name too long");
				return NULL;
			}
			key[n++] = *s;
		}
		key[n] = '\0';
		return s + 1;
	}
	if (*s == '=') {
		strcpy(key, "=");
		return s + 1;
	}
	while (*s != '\0' && !is_space(*s) && *s != '=') {
		if (n + 1 >= CONFIG_KEY_TEXT_MAX) {
			seterr(why, "key name too long");
			return NULL;
		}
		key[n++] = *s++;
	}
	key[n] = '\0';
	return s;
}

/*
 * Cuts a comment off an action: '#' after a space or tab, outside
 * single or double quotes (an argument may hold a '#').
 */
static void
config_action_comment(char *s)
{
	char	 q = 0, *c;

	for (c = s; *c != '\0'; c++) {
		if (q != 0) {
			if (*c == q)
				q = 0;
			else if (*c == '\\' && q == '"' && c[1] != '\0')
				c++;
		} else if (*c == '"' || *c == '\'')
			q = *c;
		else if (*c == '#' && c > s && is_space(c[-1])) {
			*c = '\0';
			return;
		}
	}
}

int
config_keys_bind(struct config *cfg, const char *context, int line, char *s,
    char **why)
{
	struct keybind	*kb;
	const char	*hint;
	char		 keytext[CONFIG_KEY_TEXT_MAX], name[32], *rest, *end;
	size_t		 i, n;
	int		 key;

	if ((rest = config_key_text(s, keytext, why)) == NULL)
		return -1;
	while (is_space(*rest))
		rest++;
	if (*keytext == '\0' || *rest != '=') {
		seterr(why, "syntax error: expected 'KEY = ACTION'");
		return -1;
	}
	if (keyname_parse(keytext, &key) == -1) {
		if ((hint = keyname_suggest(keytext)) != NULL)
			seterr(why, "unknown key \"%s\" (did you mean \"%s\"?)",
			    keytext, hint);
		else
			seterr(why, "unknown key \"%s\"", keytext);
		return -1;
	}
	rest++;
	config_action_comment(rest);
	while (is_space(*rest))
		rest++;
	n = strlen(rest);
	for (end = rest + n; end > rest && is_space(end[-1]); end--)
		;
	*end = '\0';
	keyname_format(key, name, sizeof name);
	if (*rest == '\0') {
		seterr(why, "\"%s\" needs an action", keytext);
		return -1;
	}
	for (i = 0; i < cfg->nkeys; i++)
		if (cfg->keys[i].key == key &&
		    strcmp(cfg->keys[i].context, context) == 0) {
			seterr(why, "duplicate binding of %s in [keys%s%s] "
			    "(first on line %d)", name, *context ? "." : "",
			    context, cfg->keys[i].line);
			return -1;
		}
	cfg->keys = xrealloc(cfg->keys, (cfg->nkeys + 1) * sizeof *cfg->keys);
	kb = &cfg->keys[cfg->nkeys++];
	kb->context = xstrdup(context);
	kb->key = key;
	kb->action = xstrdup(rest);
	kb->line = line;
	return 0;
}

void
config_keys_free(struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].context);
		free(cfg->keys[i].action);
	}
	free(cfg->keys);
	cfg->keys = NULL;
	cfg->nkeys = 0;
}
