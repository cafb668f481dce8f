/*
 * imap_copy.c - whether the selected folder already holds a message:
 * the check before a replayed APPEND (a postponed draft), whose earlier
 * run may have landed although tern never saw the server's OK; without
 * UIDPLUS nothing else tells (SECURITY.md #42).  Run by the engine
 * thread that owns the session, like imap_cmd.c.
 */
#include <stdlib.h>
#include <string.h>

#include "net.h"

struct copy_ctx {
	const char	*data;
	size_t		 len;
	int		 found;
};

/* Same bytes, a CR anywhere aside (CRLF and LF copies are the same). */
static int
same_bytes(const struct imap_msg *m, void *arg)
{
	struct copy_ctx	*cc = arg;
	size_t		 i = 0, j = 0;

	if (m->body == NULL)
		return 0;
	for (;;) {
		while (i < m->body_len && m->body[i] == '\r')
			i++;
		while (j < cc->len && cc->data[j] == '\r')
			j++;
		if (i == m->body_len || j == cc->len)
			break;
		if (m->body[i++] != cc->data[j++])
			return 0;
	}
	if (i == m->body_len && j == cc->len) {
		cc->found = 1;
		return 1;
	}
	return 0;
}

int
imap_has_copy(struct imap_conn *c, const char *msgid, const char *data,
    size_t len, char **errp)
{
	struct copy_ctx	 cc;
	uint32_t	*uids = NULL;
	size_t		 n = 0;
	int		 r;

	if (imap_search_header(c, "Message-ID", msgid, &uids, &n, errp) == -1)
		return -1;
	memset(&cc, 0, sizeof cc);
	cc.data = data;
	cc.len = len;
	r = n == 0 ? 0 : imap_fetch(c, uids, n, IMAP_FETCH_BODY, NULL, 0,
	    same_bytes, &cc, errp);
	free(uids);
	return r == -1 ? -1 : cc.found;
}
