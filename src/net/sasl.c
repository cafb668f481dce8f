/*
 * sasl.c - the SASL initial responses tern sends itself (PLAIN,
 * XOAUTH2, OAUTHBEARER), shared by IMAP and SMTP.  libetpan's own SASL
 * path needs Cyrus plugins and fails like a wrong password without
 * them (LIBETPAN.md section 3.2), so tern does not use it.  Any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "net.h"

int
sasl_check(const char *s, const char *what, char **errp)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			seterr(errp, "%s contains a control character "
			    "(CR, LF or similar); refusing to send it", what);
			return -1;
		}
	}
	return 0;
}

/* base64 of the n bytes at raw, then wipes raw. */
static char *
encode_wipe(char *raw, size_t n)
{
	char	*b64 = base64_encode(raw, n);

	explicit_bzero(raw, n);
	free(raw);
	return b64;
}

char *
sasl_plain(const char *user, const char *pass)
{
	size_t	 ul = strlen(user), pl = strlen(pass), n = 1 + ul + 1 + pl;
	char	*raw = xmalloc(n);

	/* authzid (empty) NUL authcid NUL password (RFC 4616) */
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, pass, pl);
	return encode_wipe(raw, n);
}

char *
sasl_xoauth2(const char *user, const char *token)
{
	char	*raw = xasprintf("user=%s\001auth=Bearer %s\001\001", user,
	    token);

	return encode_wipe(raw, strlen(raw));
}

char *
sasl_oauthbearer(const char *user, const char *host, int port,
    const char *token)
{
	char	*raw = xasprintf("n,a=%s,\001host=%s\001port=%d\001"
	    "auth=Bearer %s\001\001", user, host, port, token);

	return encode_wipe(raw, strlen(raw));
}
