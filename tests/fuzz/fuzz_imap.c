/*
 * fuzz_imap.c - libFuzzer target (make fuzz): IMAP server responses
 * through tern's response handling (src/net/imap*.c over libetpan):
 * the greeting, CAPABILITY, LOGIN, LIST, pipelined STATUS, ENABLE,
 * SELECT with QRESYNC, SEARCH, the lean UID FETCH reader of
 * imap_fetch.c (headers), a BODY[] fetch, STORE, MOVE, APPEND and
 * EXPUNGE, in that order, all answered by the fuzz input as the
 * server's byte stream (fuzz.h: short reads at offsets the input
 * chooses, EOF at its end).  Byte 0 picks the step to start at, so a
 * late step does not need every earlier reply.  As in tern, every
 * chunk read passes through the IMAP guard (src/net/imap_guard.c)
 * before libetpan sees it: guarded_read() below does what tls.c's
 * read does.  Properties: no crash, no sanitizer report, every message
 * handed to the callback lies in readable memory, and a dead session
 * stays dead.  Single-threaded.
 */
#include "net.h"
#include "mail.h"
#include "fuzz.h"

static const char *const fields[] = { "From", "Subject", "Date",
    "Message-ID", NULL };

static volatile size_t sink;

/* What the engine's callback does with a message: read all of it. */
static int
on_msg(const struct imap_msg *m, void *ctx)
{
	struct header_fields	 h;
	size_t			*count = ctx, i;

	(*count)++;
	if (m->header != NULL) {
		header_parse(m->header, m->header_len, &h);
		header_fields_free(&h);
	}
	/* Every byte is read, so ASan checks the whole range. */
	for (i = 0; m->body != NULL && i < m->body_len; i++)
		sink += (unsigned char)m->body[i];
	if (m->keywords != NULL)
		sink += strlen(m->keywords);
	return *count > 1000;
}

/*
 * The guard in front of libetpan, as tls.c runs it: a chunk it refuses
 * never reaches the parser, and every later read fails.  It used to be
 * missing, and inputs with a literal over IMAP_FETCH_LITERAL_MAX
 * (libetpan allocates what {4294967295} says; SECURITY.md #27) or an
 * "[ALERT]" with no text (libetpan strdup()s NULL; SECURITY.md #7,
 * #13) were kept from the target.
 */
static struct imap_guard	*guard;

static ssize_t
guarded_read(mailstream_low *s, void *buf, size_t count)
{
	ssize_t	r;

	if (imap_guard_error(guard) != NULL)
		return -1;
	r = fuzz_peer_read(s, buf, count);
	if (r > 0 && imap_guard_feed(guard, buf, (size_t)r) == -1)
		return -1;
	return r;
}

static mailstream_low_driver	guarded_driver;

/* 1 while the session can still talk. */
static int
alive(struct imap_conn *c)
{
	return c->imap->imap_stream != NULL && !c->dead;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account		 a;
	struct imap_conn	*c;
	struct imap_mailbox	*mb = NULL;
	struct imap_status	 st[2];
	struct imap_sel		 sel;
	char			*err = NULL, *names[2] = { "INBOX", "Sent" };
	uint32_t		 uids[5] = { 1, 2, 3, 7, 9 }, *found = NULL, uid;
	size_t			 nmb = 0, nfound = 0, count = 0;
	mailstream		*stream;
	int			 r, start;

	if (size < 1)
		return 0;
	start = data[0] % 12;
	memset(&a, 0, sizeof a);
	a.name = "fuzz";
	a.imap.host = "127.0.0.1";
	a.imap.port = 143;
	a.imap.user = "alice";
	a.imap.tls = TLS_PLAIN;
	a.auth = (enum auth_mech)(data[0] / 12 % 5);
	a.timeout = 5;

	c = xcalloc(1, sizeof *c);
	c->acct = &a;
	c->label = xstrdup("fuzz imap");
	c->imap = mailimap_new(0, NULL);
	guard = imap_guard_new();
	guarded_driver = fuzz_peer_driver;
	guarded_driver.mailstream_read = guarded_read;
	stream = fuzz_peer_stream(data + 1, size - 1);
	mailstream_get_low(stream)->driver = &guarded_driver;
	r = mailimap_connect(c->imap, stream);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		/* As imap_connect(): the session is over. */
		if (c->imap->imap_stream != NULL) {
			mailstream_close(c->imap->imap_stream);
			c->imap->imap_stream = NULL;
		}
		goto out;
	}
	c->preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	(void)imap_has(c, "IDLE");
	free(imap_auth_mechs(c));
	/* A later start: the state the skipped steps would have left. */
	if (start > 1)
		c->imap->imap_state = start > 6 ? MAILIMAP_STATE_SELECTED :
		    MAILIMAP_STATE_AUTHENTICATED;

#define STEP(k, call) do {						\
	if (start <= (k) && alive(c)) {					\
		(void)(call);						\
		free(err);						\
		err = NULL;						\
	}								\
} while (0)
	STEP(0, imap_login(c, "pw\"{5}\\", &err));
	STEP(1, imap_list(c, &mb, &nmb, &err));
	imap_mailboxes_free(mb, nmb);
	STEP(2, imap_status_many(c, names, 2, st, &err));
	STEP(3, imap_enable_qresync(c, &err));
	memset(&sel, 0, sizeof sel);
	STEP(4, imap_select(c, "INBOX", 7, 100, &sel, on_msg, &count, &err));
	imap_sel_clear(&sel);
	STEP(5, imap_search_since(c, 86400 * 365, 2, &found, &nfound, &err));
	free(found);
	STEP(6, imap_fetch_headers(c, uids, 5, fields, on_msg, &count, &err));
	STEP(7, imap_fetch_headers(c, NULL, 0, fields, on_msg, &count, &err));
	STEP(8, imap_fetch(c, uids, 5, IMAP_FETCH_HEADERS | IMAP_FETCH_BODY,
	    fields, 5, on_msg, &count, &err));
	STEP(9, imap_store(c, uids, 5, 1, FLAG_SEEN | FLAG_FLAGGED, &err));
	STEP(10, imap_copy(c, uids, 5, "Archive", 1, &err));
	STEP(11, imap_append(c, "Sent", FLAG_SEEN, "Subject: x\r\n\r\nhi\r\n",
	    19, &uid, &err));
	STEP(11, imap_expunge(c, uids, 5, &err));
#undef STEP
out:
	imap_close(c);
	/* Whatever the guard refused, libetpan never saw. */
	imap_guard_free(guard);
	guard = NULL;
	return 0;
}
