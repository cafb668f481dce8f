/*
 * compose_addr.c - address lists as people type them and as mail
 * carries them (RFC 5322 3.4, leniently): "Name <a@b>", a@b, quoted
 * names with commas, comments, groups.  Used to build outgoing headers
 * and to pick recipients of replies.  Pure; any thread.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"

/* Trims blanks (and stray quotes around an address) in place. */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Adds one address made of name and addr text (either may be empty). */
static void
push(struct addr **v, size_t *n, const char *name, const char *addr)
{
	char	*a = xstrdup(addr), *t = trim(a), *nm = xstrdup(name);
	char	*tn = trim(nm);
	size_t	 l;

	l = strlen(t);
	if (l >= 2 && t[0] == '<' && t[l - 1] == '>') {
		t[l - 1] = '\0';
		t++;
	}
	if (*t == '\0' || strpbrk(t, " \t\r\n<>,\"") != NULL) {
		free(a);
		free(nm);
		return;
	}
	l = strlen(tn);
	if (l >= 2 && tn[0] == '"' && tn[l - 1] == '"') {
		tn[l - 1] = '\0';
		tn++;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[*n].name = xstrdup(tn);
	(*v)[*n].addr = xstrdup(t);
	(*n)++;
	free(a);
	free(nm);
}

/*
 * One element (between top-level commas): "name <addr>" or "addr".  A
 * group's "name:" prefix and ";" are dropped; quoted text and comments
 * are kept in the name (comments only when there is no other name).
 */
static void
element(struct addr **v, size_t *n, const char *s, size_t len)
{
	char	*name = xcalloc(1, len + 1), *addr = xcalloc(1, len + 1);
	char	*comment = xcalloc(1, len + 1);
	size_t	 i, nn = 0, na = 0, nc = 0;
	int	 in_angle = 0, depth = 0, quoted = 0, had_angle = 0;

	for (i = 0; i < len; i++) {
		char	 c = s[i];

		if (quoted) {
			if (c == '\\' && i + 1 < len)
				name[nn++] = s[++i];
			else if (c == '"')
				quoted = 0;
			else
				name[nn++] = c;
			continue;
		}
		if (depth > 0) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			if (depth > 0)
				comment[nc++] = c;
			continue;
		}
		if (c == '"' && !in_angle)
			quoted = 1;
		else if (c == '(')
			depth = 1;
		else if (c == '<') {
			in_angle = 1;
			had_angle = 1;
			na = 0;
		} else if (c == '>')
			in_angle = 0;
		else if (in_angle)
			addr[na++] = c;
		else if (c == ':' && !had_angle) {
			nn = 0;		/* a group's name */
			na = 0;
		} else if (c == ';')
			continue;
		else
			name[nn++] = c;
	}
	name[nn] = addr[na] = comment[nc] = '\0';
	if (!had_angle) {
		/* A bare address: what is outside comments is the address. */
		if (nc > 0 && *trim(name) != '\0')
			push(v, n, comment, name);
		else
			push(v, n, "", name);
	} else
		push(v, n, *trim(name) != '\0' ? name : comment, addr);
	free(name);
	free(addr);
	free(comment);
}

struct addr *
addr_list(const char *s, size_t *np)
{
	struct addr	*v = NULL;
	size_t		 n = 0, i, start = 0, len;
	int		 quoted = 0, depth = 0, angle = 0;

	*np = 0;
	if (s == NULL)
		return NULL;
	len = strlen(s);
	for (i = 0; i <= len; i++) {
		char	 c = i < len ? s[i] : ',';

		if (quoted) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"')
				quoted = 0;
			continue;
		}
		if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if ((c == ',' || c == ';' || c == '\n' || c == '\r') &&
		    depth == 0 && !angle) {
			if (i > start)
				element(&v, &n, s + start, i - start);
			start = i + 1;
		}
		if (i == len && (quoted || depth || angle) && i > start) {
			element(&v, &n, s + start, i - start);
			start = i + 1;
		}
	}
	*np = n;
	return v;
}

void
addr_list_free(struct addr *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].addr);
	}
	free(v);
}

char *
addr_format(const struct addr *a)
{
	const char	*p;
	int		 special = 0;

	if (*a->name == '\0')
		return xstrdup(a->addr);
	for (p = a->name; *p != '\0'; p++)
		if (strchr("()<>[]:;@\\,.\"", *p) != NULL)
			special = 1;
	if (!special)
		return xasprintf("%s <%s>", a->name, a->addr);
	{
		char	*q = xmalloc(strlen(a->name) * 2 + 3), *o = q, *r;

		*o++ = '"';
		for (p = a->name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o++ = '"';
		*o = '\0';
		r = xasprintf("%s <%s>", q, a->addr);
		free(q);
		return r;
	}
}

char *
addr_first(const char *s)
{
	struct addr	*v;
	size_t		 n;
	char		*r, *p;

	v = addr_list(s, &n);
	r = xstrdup(n > 0 ? v[0].addr : "");
	addr_list_free(v, n);
	for (p = r; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}
