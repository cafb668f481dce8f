/*
 * config_url.c - the imap and smtp URLs of tern.conf(5):
 * scheme://[user@]host[:port][/], checked strictly (no password, no
 * path, a valid host and port, a user without control characters).
 * Main thread, during config_parse().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

/* Sets *why (the first reason only); returns -1 to pass along. */
static int __attribute__((format(printf, 2, 3)))
config_fail(char **why, const char *fmt, ...)
{
	va_list	 ap;

	if (*why == NULL) {
		va_start(ap, fmt);
		*why = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

/* Percent-decodes the user part of a URL; NULL if it is malformed. */
static char *
url_user(const char *s, size_t len)
{
	char	*out = xmalloc(len + 1);
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		if ((hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
			goto bad;
		out[o] = (char)(hi << 4 | lo);
		if (is_control((unsigned char)out[o]))
			goto bad;	/* %00, %0D%0A: never into a LOGIN */
		o++;
		i += 2;
	}
	out[o] = '\0';
	if (o == 0 || !utf8_valid((unsigned char *)out, o))
		goto bad;
	return out;
bad:
	free(out);
	return NULL;
}

/* A DNS name (letters, digits, '-', dots between labels) or IPv4. */
static int
host_valid(const char *h)
{
	const char	*c;
	struct in_addr	 a4;
	int		 alldigits = 1;

	if (*h == '.' || *h == '-')
		return 0;
	for (c = h; *c != '\0'; c++) {
		if (*c == '.') {
			if (c[1] == '.')
				return 0;
			continue;
		}
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-'))
			return 0;
		if (*c < '0' || *c > '9')
			alldigits = 0;
	}
	/* All digits and dots: it must be an IPv4 address then. */
	return !alldigits || inet_pton(AF_INET, h, &a4) == 1;
}

static const struct {
	const char	*key;
	const char	*scheme;
	enum tls_mode	 tls;
	int		 port;
} url_schemes[] = {
	{ "imap", "imaps", TLS_IMPLICIT, 993 },
	{ "imap", "imap", TLS_STARTTLS, 143 },
	{ "smtp", "smtps", TLS_IMPLICIT, 465 },
	{ "smtp", "smtp", TLS_STARTTLS, 587 },
};

/*
 * scheme://[user@]host[:port][/].  The user is everything before the
 * last '@', since login names are often addresses themselves.
 */
int
config_url_parse(const char *key, const char *v, struct server *sv,
    char **why)
{
	const char	*sep, *auth, *at, *hp, *portp = NULL, *c;
	char		*authority = NULL, *user = NULL, *host = NULL, *e;
	struct in6_addr	 a6;
	size_t		 i, alen;
	int		 s = -1, port, rc = -1;
	long		 n;

	if ((sep = strstr(v, "://")) != NULL)
		for (i = 0; i < sizeof url_schemes / sizeof url_schemes[0]; i++)
			if (strcmp(url_schemes[i].key, key) == 0 &&
			    strlen(url_schemes[i].scheme) == (size_t)(sep - v) &&
			    strncasecmp(v, url_schemes[i].scheme,
			    (size_t)(sep - v)) == 0)
				s = (int)i;
	if (s == -1)
		return config_fail(why, "%s must be a URL starting with %ss:// "
		    "(TLS) or %s:// (STARTTLS)", key, key, key);
	for (c = v; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7F)
			return config_fail(why, "%s URL must not contain "
			    "spaces, control or non-ASCII characters", key);
	auth = sep + 3;
	alen = strcspn(auth, "/?#");
	if (auth[alen] != '\0' && strcmp(auth + alen, "/") != 0)
		return config_fail(why, "%s URL must not have a path, query "
		    "or fragment (only a trailing '/')", key);
	authority = xstrndup(auth, alen);

	hp = authority;
	if ((at = strrchr(authority, '@')) != NULL) {
		hp = at + 1;
		if (memchr(authority, ':', (size_t)(at - authority)) != NULL) {
			config_fail(why, "%s URL must not contain a password: "
			    "tern reads passwords from the keyring, a prompt "
			    "or password_command", key);
			goto out;
		}
		if ((user = url_user(authority,
		    (size_t)(at - authority))) == NULL) {
			config_fail(why, "bad user name in %s URL (empty, bad "
			    "%%-escape or control character)", key);
			goto out;
		}
	}
	if (*hp == '[') {
		if ((c = strchr(hp, ']')) == NULL) {
			config_fail(why, "%s URL: missing ']' after IPv6 "
			    "address", key);
			goto out;
		}
		host = xstrndup(hp + 1, (size_t)(c - hp - 1));
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			config_fail(why, "%s URL: bad IPv6 address", key);
			goto out;
		}
		if (c[1] == ':')
			portp = c + 2;
		else if (c[1] != '\0') {
			config_fail(why, "%s URL: unexpected text after the "
			    "IPv6 address", key);
			goto out;
		}
	} else {
		i = strcspn(hp, ":");
		host = xstrndup(hp, i);
		if (hp[i] == ':')
			portp = hp + i + 1;
		if (*host == '\0') {
			config_fail(why, "%s URL has no host", key);
			goto out;
		}
		if (!host_valid(host)) {
			config_fail(why, "%s URL: bad host name '%s'", key,
			    host);
			goto out;
		}
	}
	port = url_schemes[s].port;
	if (portp != NULL) {
		errno = 0;
		n = strtol(portp, &e, 10);
		if (*portp < '0' || *portp > '9' || *e != '\0' ||
		    errno != 0 || n < 1 || n > 65535) {
			config_fail(why, "%s URL: bad port (1-65535)", key);
			goto out;
		}
		port = (int)n;
	}
	sv->url = xstrdup(v);
	sv->user = user;
	sv->host = host;
	sv->port = port;
	sv->tls = url_schemes[s].tls;
	user = host = NULL;
	rc = 0;
out:
	free(authority);
	free(user);
	free(host);
	return rc;
}

