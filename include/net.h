/*
 * net.h - the network layer: TLS streams for libetpan, IMAP and SMTP
 * sessions up to an authenticated state, and the credential sources.
 * Run by engine threads (and by `tern check` on the main thread); never
 * by the UI.  Nothing here prompts except auth_prompt(), which only the
 * command line calls.
 */
#ifndef TERN_NET_H
#define TERN_NET_H

#include <libetpan/libetpan.h>

#include "core.h"

/* ---- tls.c: the OpenSSL mailstream_low_driver. ---- */

struct tls_params {
	const char	*host;		/* borrowed */
	int		 port;
	int		 timeout;	/* seconds, connect and each read */
	const char	*ca_file;	/* borrowed; NULL: system store only */
	const char	*pin;		/* borrowed; "sha256:BASE64" or NULL */
	const char	*trusted;	/* borrowed; a pin the user accepted
					   (trust.c): the key stands in for
					   the chain, the name is still checked */
	struct tls_refusal *refusal;	/* borrowed; NULL, or filled when a
					   certificate is refused */
};

/*
 * Why a certificate was refused.  askable is set when only its chain
 * failed (an unknown CA, self-signed, expired or not yet valid) while
 * its name matched and no tls_pin was configured: the one case a user
 * may be asked to trust it (SECURITY.md: a name mismatch never is).
 */
struct tls_refusal {
	int		 askable;
	char		*subject;	/* owned, one line, unsanitized */
	char		*issuer;	/* owned */
	char		*not_before;	/* owned, "YYYY-MM-DD" */
	char		*not_after;	/* owned */
	char		*error;		/* owned, the verification error */
	char		*spki_pin;	/* owned, "sha256:BASE64" */
};

struct tls_info {
	int		 active;	/* TLS is up */
	char		 version[16];
	char		 cipher[64];
	char		*subject;	/* owned; one line, unsanitized */
	char		*issuer;	/* owned */
	char		*spki_pin;	/* owned; "sha256:BASE64" of the key */
	int		 verified;	/* chain and host name verified */
	int		 pinned;	/* the key matched tls_pin or trusted */
	int		 trusted;	/* ... the user's pin (trust.c) */
};

enum tls_wait_result {
	TLS_WAIT_DATA,
	TLS_WAIT_TIMEOUT,
	TLS_WAIT_INTERRUPTED,
	TLS_WAIT_CANCELLED,
	TLS_WAIT_ERROR
};

/* Process-wide set-up (OpenSSL, SIGPIPE); call once from main(). */
void		 tls_init(void);
/* Connects over TCP; returns a plain-mode stream low, or NULL. */
mailstream_low	*tls_connect(const struct tls_params *, char **errp);
/*
 * Starts TLS on low: verifies the chain, the host name and the pin.
 * Nothing can be written before this succeeds.
 */
int		 tls_start(mailstream_low *, char **errp);
/* The TLS details of low (borrowed, valid while low lives). */
const struct tls_info *tls_get_info(mailstream_low *);
/* Waits for data on stream, honouring libetpan's and OpenSSL's buffers. */
enum tls_wait_result tls_wait(mailstream *, int timeout_ms);
/*
 * The protocol trace (log level trace) for a libetpan logger callback;
 * lines sent with privacy off (credentials) are never written.
 */
void		 tls_trace(const char *label, int type, const char *str,
		    size_t size);
/* 1 if bytes are already buffered above the socket (STARTTLS check). */
int		 tls_buffered(mailstream *);
/* Frees what a refusal holds and zeroes it; NULL is a no-op. */
void		 tls_refusal_clear(struct tls_refusal *);
/*
 * Runs an IMAP guard (imap_guard.c) over every byte read on low from
 * now on: a refused response makes every later read fail.  IMAP only.
 */
void		 tls_set_imap_guard(mailstream_low *);
/* Why the guard refused low's data (borrowed), or NULL. */
const char	*tls_guard_error(mailstream_low *);

/* ---- imap_guard.c: bounds on what reaches libetpan's IMAP parser. ---- */

#define IMAP_GUARD_DEPTH_MAX	64		/* nested parentheses (tern's
						   own commands need 3; it never
						   asks for BODYSTRUCTURE) */
#define IMAP_GUARD_LITERAL_MAX	(1ull << 30)	/* bytes of literals per
						   response (a message body) */
#define IMAP_GUARD_LINE_MAX	(64ull << 20)	/* bytes per response outside
						   literals (a UID SEARCH of
						   millions of messages) */

struct imap_guard;
struct imap_guard *imap_guard_new(void);
void		 imap_guard_free(struct imap_guard *);
/*
 * Lexes the next len bytes from the server (any split of the stream
 * gives the same result).  0, or -1 once the stream is refused (and
 * for every later call).  Never changes the bytes.
 */
int		 imap_guard_feed(struct imap_guard *, const void *, size_t);
/* The reason for a refusal ("the server sent ..."), or NULL. */
const char	*imap_guard_error(const struct imap_guard *);

/* ---- trust.c: certificates the user trusted, per account. ---- */

/* config_data_dir(account)/trusted (caller frees), or NULL. */
char	*trust_file(const char *account);
/* The pin trusted for host:port in file path (caller frees), or NULL. */
char	*trust_lookup(const char *path, const char *host, int port);
/*
 * Records pin for host:port in path (replacing an older one; mode
 * 0600, written to a temporary file, synced, then renamed).
 */
int	 trust_add(const char *path, const char *host, int port,
	    const char *pin, char **errp);
/* 1 if pin is "sha256:" and the canonical base64 of 32 bytes. */
int	 trust_pin_valid(const char *pin);

/* ---- auth.c: where credentials come from. ---- */

/*
 * The secret to log in to acct with: the OAuth2 token for xoauth2 and
 * oauthbearer, else the password (command, keyring, or a prompt when
 * interactive is set and the keyring has none).  Caller frees with
 * secret_free().
 */
char	*auth_secret(const struct account *, int interactive, char **errp);
/*
 * 1 if acct's password may be asked of the user by whoever runs it
 * (pass = keyring or prompt, not a password_command, not OAuth2).
 */
int	 auth_can_ask(const struct account *);
/*
 * auth_secret() for a program that asks through its own UI: never a
 * terminal prompt, and NULL with *errp NULL when there is no stored
 * password but auth_can_ask() (the keyring has none or is unusable,
 * or pass = prompt).  Caller frees with secret_free().
 */
char	*auth_secret_or_ask(const struct account *, char **errp);
/* Reads a line from the terminal without echo; caller secret_free()s. */
char	*auth_prompt(const char *prompt, char **errp);
/* Runs cmd with /bin/sh -c and returns its first output line. */
char	*auth_command(const char *cmd, const char *what, char **errp);
/* libsecret: lookup (NULL with *errp NULL: none stored), store, delete. */
char	*auth_keyring_lookup(const char *account, char **errp);
int	 auth_keyring_store(const char *account, const char *password,
	    char **errp);
int	 auth_keyring_delete(const char *account, char **errp);

/* SASL initial responses (base64), caller secret_free()s. */
char	*sasl_plain(const char *user, const char *pass);
char	*sasl_xoauth2(const char *user, const char *token);
char	*sasl_oauthbearer(const char *user, const char *host, int port,
	    const char *token);
/* 0 if s is usable as a credential (no CR, LF or other C0 control). */
int	 sasl_check(const char *s, const char *what, char **errp);

/* ---- imap.c: an IMAP session up to AUTHENTICATED. ---- */

struct imap_conn {
	mailimap		*imap;
	char			*label;		/* "ACCOUNT imap" for logs */
	const struct account	*acct;		/* borrowed */
	int			 preauth;
	int			 qresync;	/* ENABLE QRESYNC done */
	int			 dead;		/* stream or parse error: reconnect */
};

/*
 * Connects to acct's IMAP server: TCP, TLS (implicit or required
 * STARTTLS), greeting and fresh capabilities.  No credential is sent.
 */
struct imap_conn *imap_connect(const struct account *, char **errp);
/*
 * The same, and when the certificate is refused, refusal (may be NULL;
 * zeroed or cleared before) says why: tls_refusal_clear() it after.  Both use the pin the user trusted
 * for this account and server (trust.c) when there is no tls_pin.
 */
struct imap_conn *imap_connect_cert(const struct account *,
		    struct tls_refusal *refusal, char **errp);
/* Authenticates with secret (password or token). */
int		 imap_login(struct imap_conn *, const char *secret,
		    char **errp);
/* 1 if the server announced capability name (e.g. "IDLE"). */
int		 imap_has(struct imap_conn *, const char *name);
/* The announced AUTH= mechanisms, space-separated; caller frees. */
char		*imap_auth_mechs(struct imap_conn *);
const struct tls_info *imap_tls_info(struct imap_conn *);
/*
 * Why the guard in front of libetpan's parser refused what the server
 * sent (imap_guard.c; borrowed, while the stream lives), or NULL.
 */
const char	*imap_guard_reason(struct imap_conn *);
/* Logs out (politely when possible) and frees; NULL is a no-op. */
void		 imap_close(struct imap_conn *);
/* s as an IMAP quoted string (s holds no CR or LF); caller frees. */
char		*imap_quote(const char *s);
/*
 * For the imap_*.c files: the failed command what's error in *errp,
 * the session marked dead after a stream, parse or protocol error (r)
 * or a refusal by the guard; -1.
 */
int		 imap_fail(struct imap_conn *, int r, const char *what,
		    char **errp);

/* ---- imap_list.c and imap_cmd.c: the commands sync needs. ---- */

#define IMAP_FETCH_FLAGS	0x00	/* UID FLAGS (MODSEQ) are always fetched */
#define IMAP_FETCH_HEADERS	0x01	/* + INTERNALDATE RFC822.SIZE header fields */
#define IMAP_FETCH_BODY		0x02	/* + BODY.PEEK[] */
#define IMAP_VANISHED_MAX	1000000	/* uids taken from one VANISHED */

struct imap_mailbox {
	char		*name;		/* owned; server form (modified UTF-7) */
	int		 delim;
	char		 role[8];	/* inbox sent drafts trash archive junk */
	int		 noselect;
	int		 subscribed;
};

struct imap_status {
	int		 ok;		/* the server answered STATUS */
	uint32_t	 messages;
	uint32_t	 uidnext;
	uint32_t	 uidvalidity;
	uint32_t	 unseen;
	uint64_t	 hms;		/* 0 without CONDSTORE */
};

/* One FETCH result; every pointer is borrowed for the callback only. */
struct imap_msg {
	uint32_t	 uid;
	int		 has_flags;
	unsigned	 flags;		/* FLAG_* */
	const char	*keywords;	/* space-separated */
	int64_t		 internaldate;
	uint32_t	 size;
	uint64_t	 modseq;
	const char	*header;	/* HEADER.FIELDS bytes, or NULL */
	size_t		 header_len;
	const char	*body;		/* BODY[] bytes, or NULL */
	size_t		 body_len;
};
/* Returns non-zero to stop. */
typedef int	(*imap_msg_cb)(const struct imap_msg *, void *);

struct imap_sel {
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint32_t	 exists;
	uint64_t	 hms;
	int		 qresync;	/* changes came with the SELECT */
	uint32_t	*vanished;	/* owned; QRESYNC expunges */
	size_t		 nvanished;
};

int	 imap_list(struct imap_conn *, struct imap_mailbox **, size_t *,
	    char **errp);
void	 imap_mailboxes_free(struct imap_mailbox *, size_t);
/* STATUS of n folders in one round trip (pipelined); out[i].ok says. */
int	 imap_status_many(struct imap_conn *, char *const *names, size_t n,
	    struct imap_status *out, char **errp);
int	 imap_enable_qresync(struct imap_conn *, char **errp);
/*
 * SELECTs name.  With QRESYNC enabled and a known uidvalidity and hms,
 * the changes since hms arrive with it: flag changes through cb and
 * expunges in sel->vanished.
 */
int	 imap_select(struct imap_conn *, const char *name, uint32_t uidvalidity,
	    uint64_t hms, struct imap_sel *, imap_msg_cb, void *, char **errp);
void	 imap_sel_clear(struct imap_sel *);
/*
 * UIDs with INTERNALDATE on or after since (0: all) and UID >= min_uid
 * (0: any), ascending.
 */
/* UID SEARCH TEXT text (UTF-8) in the selected folder, sorted. */
int	 imap_search_text(struct imap_conn *, const char *text,
	    uint32_t **uids, size_t *n, char **errp);
int	 imap_search_since(struct imap_conn *, int64_t since, uint32_t min_uid,
	    uint32_t **, size_t *, char **errp);
/* UIDs whose header field contains value (UID SEARCH HEADER), ascending. */
int	 imap_search_header(struct imap_conn *, const char *field,
	    const char *value, uint32_t **, size_t *, char **errp);
/*
 * UID FETCH of ascending uids (in batches), streamed to cb.  fields
 * names the header fields for IMAP_FETCH_HEADERS; changedsince > 0
 * adds CHANGEDSINCE (CONDSTORE).
 */
int	 imap_fetch(struct imap_conn *, const uint32_t *uids, size_t n,
	    int what, const char *const *fields, uint64_t changedsince,
	    imap_msg_cb, void *, char **errp);
/* UID STORE +FLAGS.SILENT (add) or -FLAGS.SILENT of flags. */
int	 imap_store(struct imap_conn *, const uint32_t *, size_t, int add,
	    unsigned flags, char **errp);
/* \Deleted + UID EXPUNGE of exactly these uids. */
int	 imap_expunge(struct imap_conn *, const uint32_t *, size_t,
	    char **errp);
/* UID MOVE (or COPY + expunge without MOVE), or UID COPY; a target
 * the server says to create (TRYCREATE) is created and subscribed. */
int	 imap_copy(struct imap_conn *, const uint32_t *, size_t,
	    const char *target, int move, char **errp);
int	 imap_append(struct imap_conn *, const char *mailbox, unsigned flags,
	    const char *data, size_t len, uint32_t *uidp, char **errp);
/*
 * 1 if mailbox holds a message whose Message-ID contains msgid (EXAMINE
 * + UID SEARCH HEADER: the selected folder changes), 0 if not, -1.
 * The duplicate check before a repeated APPEND to Sent.
 */
/*
 * 1 if the selected folder holds a message with Message-ID msgid and
 * the same bytes as data (line endings aside), 0 if not, -1.  The check
 * before a replayed APPEND (a draft): an earlier run's may have landed.
 */
int	 imap_has_copy(struct imap_conn *, const char *msgid, const char *data,
	    size_t len, char **errp);
int	 imap_has_msgid(struct imap_conn *, const char *mailbox,
	    const char *msgid, char **errp);
/* qsort comparator for uint32_t. */
int	 imap_uid_cmp(const void *, const void *);

/* ---- imap_fetch.c: the lean reader of the header sync's UID FETCH. ---- */

#define IMAP_FETCH_LITERAL_MAX	(64u << 20)	/* bytes of literals per reply */

enum imap_fetch_resp {
	IMAP_FETCH_MORE,	/* cut short: read more bytes, parse again */
	IMAP_FETCH_MSG,		/* a FETCH: result->msg */
	IMAP_FETCH_OTHER,	/* another untagged response, skipped */
	IMAP_FETCH_OK,		/* the tagged OK */
	IMAP_FETCH_NO,		/* the tagged NO or BAD: result->text */
	IMAP_FETCH_BYE,		/* the server is closing the connection */
	IMAP_FETCH_ERROR	/* malformed or over a limit: drop the session */
};

/* What a SELECT's untagged reply said (IMAP_FETCH_OTHER). */
enum imap_fetch_code {
	IMAP_CODE_NONE,
	IMAP_CODE_EXISTS,	/* "* n EXISTS" */
	IMAP_CODE_UIDVALIDITY,	/* "* OK [UIDVALIDITY n]" */
	IMAP_CODE_UIDNEXT,
	IMAP_CODE_HIGHESTMODSEQ,
	IMAP_CODE_NOMODSEQ	/* "* OK [NOMODSEQ]" */
};

struct imap_fetch_result {
	struct imap_msg	 msg;		/* pointers borrowed from buf/scratch */
	enum imap_fetch_code code;	/* an untagged count or code, and */
	uint64_t	 num;		/* its number */
	int		 has_header;	/* a BODY[HEADER...] item was there */
	const char	*text;		/* tagged or BYE text, borrowed */
	size_t		 textlen;
	size_t		 used;		/* bytes of buf this response took */
};

/* Keyword and unescaping space reused from one response to the next. */
struct imap_fetch_scratch;
struct imap_fetch_scratch *imap_fetch_scratch_new(void);
void	 imap_fetch_scratch_free(struct imap_fetch_scratch *);
/*
 * Parses the one response at the start of buf[0..len) (tag: the tag of
 * the command being answered).  A pure function: never reads past len,
 * keeps nothing but what *scratch holds; r's pointers are valid while
 * buf and scratch are.
 */
enum imap_fetch_resp imap_fetch_parse(const char *buf, size_t len,
	    const char *tag, struct imap_fetch_scratch *,
	    struct imap_fetch_result *r);
/*
 * UID FETCH (UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE header fields) of
 * ascending uids (uids NULL: of every message, 1:*), read by
 * imap_fetch_parse() and streamed to cb; only replies that carry the
 * header block reach cb.
 */
int	 imap_fetch_headers(struct imap_conn *, const uint32_t *uids,
	    size_t n, const char *const *fields, imap_msg_cb, void *,
	    char **errp);

/*
 * ---- imap_pipe.c: a first header sync of many folders, pipelined. ----
 * Each folder sent is a SELECT (CONDSTORE where offered) and a UID
 * FETCH 1:* of the header fields, as imap_fetch_headers(); up to two
 * folders are in flight.  Their replies are read in the order sent:
 * imap_pipe_read_select(), then imap_pipe_read_fetch().  Nothing else
 * may use the session until imap_pipe_close(), which reads and drops
 * the replies still in flight.  All return -1 when the connection is
 * lost (c->dead; why in *errp); the reads return 1 when the server
 * refused the command (why in *errp).
 */
struct imap_pipe;
/* 1 if name can be sent ahead (a quoted string: printable ASCII). */
int	 imap_pipe_name_ok(const char *name);
struct imap_pipe *imap_pipe_open(struct imap_conn *,
	    const char *const *fields, char **errp);
int	 imap_pipe_send_folder(struct imap_pipe *, const char *name,
	    char **errp);
/* The oldest folder's SELECT: what it said in *sel. */
int	 imap_pipe_read_select(struct imap_pipe *, struct imap_sel *,
	    char **errp);
/*
 * Its FETCH: each message with its header to cb (NULL: dropped) until
 * cb returns non-zero; none if the SELECT before it failed.
 */
int	 imap_pipe_read_fetch(struct imap_pipe *, imap_msg_cb, void *,
	    char **errp);
int	 imap_pipe_close(struct imap_pipe *, char **errp);

/* ---- smtp.c: an SMTP submission session: AUTH, then messages. ---- */

struct smtp_conn {
	mailsmtp		*smtp;
	char			*label;
	const struct account	*acct;		/* borrowed */
	char			*ehlo;		/* last EHLO reply text */
	int			 smtputf8;
	int			 dead;		/* the session is unusable */
};

/* Connects to acct's SMTP server: TCP, TLS, EHLO.  No credential. */
struct smtp_conn *smtp_connect(const struct account *, char **errp);
int		 smtp_login(struct smtp_conn *, const char *secret,
		    char **errp);
const struct tls_info *smtp_tls_info(struct smtp_conn *);
/* The AUTH mechanisms offered, space-separated; caller frees. */
char		*smtp_auth_mechs(struct smtp_conn *);
/* 1 if the EHLO reply has keyword kw (e.g. "SMTPUTF8"). */
int		 smtp_ehlo_has(struct smtp_conn *, const char *kw);
void		 smtp_close(struct smtp_conn *);

/* What became of one message (smtp_send()). */
enum smtp_result {
	SMTP_OK,		/* accepted (250 after the final ".") */
	SMTP_TEMP,		/* not sent: 4xx, or the connection failed
				   before the end of the message */
	SMTP_PERM,		/* not sent: 5xx, or the message or an address
				   cannot be sent as is */
	SMTP_UNSURE		/* possibly sent: the connection dropped after
				   the final "." before the server's answer */
};
/*
 * Submits msg (LF, CRLF or CR line ends) to rcpts[0..n) from from:
 * MAIL FROM:<from> with SIZE (when offered), BODY=8BITMIME (when
 * offered) and SMTPUTF8 (when an address needs it; refused if not
 * offered), RCPT TO each (any refusal fails the message, RSET), and
 * DATA written by hand: CRLF-normalised and dot-stuffed once.
 * before_dot(ctx) runs just before the final "." (the caller records
 * "possibly sent" durably); -1 from it abandons the message.  Sets
 * c->dead when the session cannot take another message.
 */
enum smtp_result smtp_send(struct smtp_conn *, const char *from,
		    char *const *rcpts, size_t n, const char *msg, size_t len,
		    int (*before_dot)(void *), void *ctx, char **errp);
/*
 * The DATA form of msg: every CR, LF or CRLF becomes CRLF, a line
 * starting with "." gets another, and it ends with CRLF (the final
 * "." not included).  Caller frees.
 */
char		*smtp_wire(const char *msg, size_t len, size_t *outlen);
/* 1 if addr can go into MAIL FROM/RCPT TO (no space, control, <>). */
int		 smtp_addr_ok(const char *addr);

#endif
