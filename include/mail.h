/*
 * mail.h - message handling: header parsing and decoding to UTF-8,
 * threading, MIME structure, charsets, HTML to text, the pager's
 * rendering, mailcap viewers and safe attachment saving.  Pure
 * functions, any thread.  Mail is hostile: every input is bounded
 * before it is parsed (SECURITY.md, "Parsing budget").
 */
#ifndef TERN_MAIL_H
#define TERN_MAIL_H

#include <stddef.h>
#include <time.h>

#include "core.h"

/* ---- thread.c: JWZ threading (jwz.org/doc/threading.html). ---- */

/* One message to thread; every string is borrowed for the call. */
struct thread_in {
	const char	*message_id;	/* without <>, "" if none (borrowed) */
	const char	*in_reply_to;	/* without <>, "" */
	const char	*references;	/* ids without <>, space-separated, "" */
	const char	*subject;	/* decoded */
	int64_t		 date;		/* for ordering */
};

/* One line of the threaded list. */
struct thread_row {
	size_t		 idx;		/* index into the input */
	int		 depth;		/* 0 for a thread root */
	size_t		 thread_size;	/* messages in this row's thread (same for all rows of a thread) */
	char		 prefix[64];	/* tree drawing for the list, UTF-8, e.g. "", "├─>", "│ └─>"; capped */
};

/*
 * Orders n messages as threads: threads sorted by their newest message
 * (newest first when newest_first, else oldest first), messages inside a
 * thread by date, oldest first, in tree order.  out has n rows, each
 * input exactly once.  Returns 0, -1 on allocation trouble (never for
 * bad input).  depth is exact; prefix draws the 12 nearest ancestor
 * columns, with "…" in front when there are more.  Only the 128 nearest
 * References of a message are used.  A thread root whose subject is a
 * reply's ("Re: x", also Fwd:, AW:) joins the thread of a root called
 * "x"; roots with the same plain subject stay apart.
 */
int	 thread_build(const struct thread_in *in, size_t n, int newest_first,
	    struct thread_row *out);

/* ---- mailcap.c: viewers from mailcap files (RFC 1524), no shell. ---- */

/*
 * The viewer command for a MIME type from the mailcap files (RFC 1524):
 * $MAILCAPS (colon-separated) or
 * ~/.mailcap:/etc/mailcap:/usr/share/etc/mailcap:/usr/local/etc/mailcap.
 * Returns the argv (NULL-terminated, caller frees with
 * mailcap_argv_free) for viewing the file at path, with %s replaced by
 * path as ONE argv word (never through a shell: the command is split
 * into words here, honouring simple '...' and "..." quoting; a command
 * that needs a shell (pipes, ;, &&, $(), no %s so the file goes to
 * standard input) runs as /bin/sh -c 'CMD' sh PATH [TYPE], with %s
 * written as "$1" and %t as "$2" in CMD).  %t is the type, %{name} is
 * empty.  Entries with test= are skipped; needsterminal is reported in
 * *needs_term (unless NULL); copiousoutput is fine.  NULL if no entry.
 * type is matched case-insensitively; a subtype "*" in a mailcap entry
 * matches every subtype.
 */
char	**mailcap_viewer(const char *type, const char *path, int *needs_term);
/* Frees an argv of mailcap_viewer*(); NULL is a no-op. */
void	  mailcap_argv_free(char **);
/* The same lookup from the given file list (colon-separated), for tests. */
char	**mailcap_viewer_in(const char *files, const char *type,
	    const char *path, int *needs_term);

/* Limits checked before parsing (SECURITY.md). */
#define MAIL_HEADER_BLOCK_MAX	(1024 * 1024)
#define MAIL_HEADER_FIELD_MAX	(256 * 1024)

/* The header fields tern indexes, decoded; every string is owned. */
struct header_fields {
	char	*from;		/* "Name <addr>, ..." UTF-8, or "" */
	char	*to;
	char	*cc;
	char	*subject;	/* RFC 2047 decoded, UTF-8, unfolded */
	time_t	 date;		/* Date: as UTC seconds, 0 if absent/bad */
	char	*message_id;	/* without <>, or "" */
	char	*in_reply_to;	/* first msg-id without <>, or "" */
	char	*references;	/* msg-ids without <>, space-separated */
	int	 truncated;	/* over a limit: parsed what was safe */
};

/* The header field names tern fetches (for HEADER.FIELDS). */
extern const char *const header_field_names[];

/*
 * Parses a header block (or a whole message: parsing stops at the
 * first empty line).  Never fails on hostile input: fields it cannot
 * parse are left empty and the result is marked truncated if a limit
 * was hit.  Returns 0.
 */
int	 header_parse(const char *buf, size_t len, struct header_fields *);
void	 header_fields_free(struct header_fields *);

/* ---- header.c, for the pager: any header text as one line of UTF-8. ---- */

/* Raw 8-bit or RFC 2047 encoded text (n bytes) decoded; caller frees. */
char	*header_decode_text(const char *s, size_t n);

/* ---- mime.c: the MIME structure of a message, bounded. ---- */
#define MIME_DEPTH_MAX	50
#define MIME_PARTS_MAX	500
struct mime_part {
	int	 depth;		/* 0 for the message itself */
	char	*type;		/* lower-case "text/plain"; default per RFC 2045 */
	char	*charset;	/* lower-case, "" if none */
	char	*encoding;	/* lower-case Content-Transfer-Encoding, "" */
	char	*disposition;	/* "inline", "attachment" or "" */
	char	*filename;	/* RFC 2231/2047 decoded UTF-8, NOT sanitized, "" */
	size_t	 hdr_off;	/* the part's header block in the buffer */
	size_t	 body_off, body_len;	/* its raw (encoded) body */
	int	 multipart;	/* 1 for multipart/ containers */
};
struct mime {
	struct mime_part *parts;	/* depth-first order */
	size_t		  nparts;
	int		  truncated;	/* a limit was hit: marked, best effort */
};
/*
 * Fills out with the parts of the message buf (never fails on hostile
 * input; out->truncated says a limit was hit).  Strings are owned by out;
 * offsets point into buf.  Returns 0.
 */
int	 mime_parse(const char *buf, size_t len, struct mime *out);
void	 mime_free(struct mime *);
/*
 * The body of part with its transfer encoding removed (base64, QP,
 * 7bit...), best effort on broken input; caller frees; *outlen set.
 */
char	*mime_decode(const char *buf, const struct mime_part *, size_t *outlen);
/*
 * Iterates over the header fields of the block buf[*pos..len) (start
 * with *pos 0), stopping at the empty line or MAIL_HEADER_BLOCK_MAX
 * bytes: 1 with the field's name and raw (folded) value borrowed from
 * buf, 0 at the end.  A field longer than MAIL_HEADER_FIELD_MAX comes
 * back with *vlen 0 and *toolong set.
 */
int	 mime_header_next(const char *buf, size_t len, size_t *pos,
	    const char **name, size_t *nlen, const char **val, size_t *vlen,
	    int *toolong);
/*
 * s converted from charset to UTF-8 (iconv); unknown charset or invalid
 * bytes -> U+FFFD, never silently truncated.  Caller frees.
 */
char	*charset_to_utf8(const char *charset, const char *s, size_t len,
	    size_t *outlen);

/* ---- html.c: HTML to text. ---- */
/*
 * filter: a command reading HTML on stdin and writing text, split into
 * argv words here (simple quotes understood), run without a shell; NULL =
 * auto: `w3m -dump -T text/html -I UTF-8 -O UTF-8` or `lynx -dump -stdin
 * -assume_charset=UTF-8 -display_charset=UTF-8` if installed in PATH (the
 * HTML given is UTF-8), else the built-in tag
 * stripper; "" = the built-in stripper.  A filter that fails or runs
 * longer than 5 s falls back to the built-in stripper.  Caller frees.
 */
char	*html_to_text(const char *html, size_t len, const char *filter,
	    size_t *outlen);
/* Like html_to_text(); *how: the program used, or "built-in" (static). */
char	*html_convert(const char *html, size_t len, const char *filter,
	    size_t *outlen, const char **how);
/* The built-in stripper alone: entities decoded, scripts dropped, links kept. */
char	*html_strip(const char *html, size_t len, size_t *outlen);

/* ---- render.c: a message as pager lines. ---- */
enum render_kind {
	RENDER_HEADER,		/* "Name: value" */
	RENDER_BODY,
	RENDER_QUOTE,		/* level 1.. in level */
	RENDER_SIGNATURE,	/* after "-- " */
	RENDER_PART,		/* a line of the parts list; level: index in mime.parts */
	RENDER_NOTE,		/* tern's own remark: truncated, html filtered, ... */
	RENDER_BLANK
};
struct render_line {
	enum render_kind kind;
	int		 level;		/* quote level, or header name length for RENDER_HEADER */
	char		*text;		/* sanitized UTF-8, one line, tabs expanded to spaces */
};
struct render_opts {
	int		 full_headers;	/* every header field, decoded */
	int		 raw;		/* the message source, sanitized, no decoding */
	const char	*html_filter;	/* NULL: auto (see html_to_text) */
};
struct rendered {
	struct render_line *lines;
	size_t		    nlines;
	struct mime	    mime;	/* the parts, for v/s in the pager */
	/* http(s)/mailto/ftp URLs found in the text, in order, unique, sanitized */
	char		  **urls;
	size_t		    nurls;
	int		    truncated;
};
/*
 * Renders the message buf (len bytes) into out; everything in out is
 * owned by out until rendered_free().  Never fails on hostile input
 * (over a limit: out->truncated and a RENDER_NOTE).  Returns 0.
 */
int	 render_message(const char *buf, size_t len, const struct render_opts *,
	    struct rendered *out);
void	 rendered_free(struct rendered *);

/* ---- attach.c: saving attachments safely (SECURITY.md "Files"). ---- */
/*
 * A safe file name for a decoded attachment name: its basename without
 * '/', '\\', NUL, control characters or leading dots, not "." or "..",
 * at most 255 bytes of valid UTF-8, "attachment" if nothing is left.
 * Caller frees.
 */
char	*attach_safe_name(const char *decoded);
/*
 * Saves data in a new file (mode 0600) under dir named after
 * attach_safe_name(name), adding "-1", "-2"... before the extension
 * rather than overwriting anything.  0 and *path_out (absolute, caller
 * frees), or -1 and *errp.
 */
int	 attach_save(const char *dir, const char *name, const void *data,
	    size_t len, char **path_out, char **errp);

/* ---- compose*.c: outgoing mail (pure, any thread). ---- */

/* Largest attachment compose_file_read() reads, and body tern builds. */
#define COMPOSE_FILE_MAX	(64 * 1024 * 1024)

/*
 * A message being written.  Every string is owned UTF-8, "" when
 * empty, never NULL once draft_init() ran.  The editable block shows
 * from..reply_to (reply_to only when set) and the body; in_reply_to,
 * references and message_id are carried along, not edited.
 */
struct draft {
	char	*from, *to, *cc, *bcc, *subject, *reply_to;
	char	*in_reply_to;	/* "<id>" or "" */
	char	*references;	/* "<id1> <id2>" or "" */
	char	*message_id;	/* "<id>", "" until compose_build() */
	char	*body;		/* LF line ends */
	char	**attach;	/* file paths, in order */
	size_t	 nattach;
	char	*fwd;		/* a message forwarded as message/rfc822 */
	size_t	 fwdlen;	/* (its bytes; fwd NULL if none) */
};
void	 draft_init(struct draft *);
void	 draft_free(struct draft *);
/* Adds (copies) path to the attachments; removes attachment i. */
void	 draft_attach(struct draft *, const char *path);
void	 draft_detach(struct draft *, size_t i);
/* Replaces *field with a copy of value (NULL: ""). */
void	 draft_set(char **field, const char *value);
/* The text the editor gets: the header block, a blank line, the body. */
char	*draft_text(const struct draft *);
/*
 * Reads an edited text back: header lines (folded lines joined) up to
 * the first blank line, then the body.  Only From, To, Cc, Bcc, Subject
 * and Reply-To are accepted (any case); anything else is an error
 * "line N: ..." and d is left unchanged.  0 or -1.
 */
int	 draft_parse(struct draft *, const char *text, size_t len,
	    char **errp);

/* One address of a list: both owned; name "" when none. */
struct addr {
	char	*name;
	char	*addr;
};
/*
 * Parses an address list as people type and mail carries it ("Name
 * <a@b>", a@b, "Last, First" <a@b>, groups, comments): the addresses,
 * in order.  Never fails; what is not an address is skipped.
 */
struct addr	*addr_list(const char *s, size_t *np);
void		 addr_list_free(struct addr *, size_t);
/* "Name <addr>", or "addr" without a name; caller frees. */
char		*addr_format(const struct addr *);
/* The address part of the first address in s, lower-cased; "" if none. */
char		*addr_first(const char *s);

/* A file to attach: name shown to the recipient, bytes. */
struct compose_file {
	const char	*name;		/* UTF-8, no directory */
	const char	*type;		/* NULL: guessed */
	const char	*data;
	size_t		 len;
};
/*
 * The MIME type of a file from its name's extension, else from its
 * first bytes (magic numbers; text/plain for NUL-free UTF-8), else
 * application/octet-stream.  Static string.
 */
const char	*compose_guess_type(const char *name, const char *data,
		    size_t len);
/* Reads an attachment (at most COMPOSE_FILE_MAX); caller frees. */
char		*compose_file_read(const char *path, size_t *lenp,
		    char **errp);
/* A new Message-ID "<random@domain>", domain from the from address. */
char		*compose_message_id(const char *from);
/* An RFC 5322 date for t in the local time zone. */
char		*compose_date(time_t t);
/* Header value text, RFC 2047 encoded where needed and folded. */
char		*compose_encode_text(const char *name, const char *value);
/* Quoted-printable of text (LF or CRLF line ends), CRLF out. */
char		*compose_qp(const char *s, size_t len, size_t *outlen);

/*
 * The RFC 5322 message of a draft (CRLF line ends): Date, From, To, Cc,
 * Bcc (only with COMPOSE_BCC: the outbox keeps it for the envelope and
 * the submission strips it), Reply-To, Subject, Message-ID (made when the
 * draft has none, and kept in d->message_id), In-Reply-To, References,
 * User-Agent, MIME-Version; a text/plain body (7bit when ASCII with
 * short lines, else quoted-printable), or multipart/mixed with the
 * files (base64, RFC 2231 names) and d->fwd as message/rfc822.  A
 * header value holding CR or LF, an address without '@', or no
 * recipient at all (unless COMPOSE_DRAFT) is refused: NULL and *errp.
 * Caller frees.
 */
#define COMPOSE_BCC	0x01	/* keep Bcc in the message */
#define COMPOSE_DRAFT	0x02	/* a postponed draft: recipients optional */
char	*compose_build(struct draft *d, const struct compose_file *files,
	    size_t nfiles, time_t now, int flags, size_t *lenp,
	    char **errp);

/* What replies and new messages need of the account. */
struct compose_ctx {
	const char	*const *idents;	/* "Name <addr>": [0] from, then alternates */
	size_t		 nidents;
	const char	*signature;	/* appended after "-- ", or NULL */
	const char	*attribution;	/* %n name, %a address, %d date, %s
					   subject; NULL: "On %d, %n wrote:" */
};
enum compose_kind {
	COMPOSE_REPLY,
	COMPOSE_REPLY_ALL,
	COMPOSE_FORWARD,		/* the text inline */
	COMPOSE_FORWARD_ATTACH,		/* the message as message/rfc822 */
	COMPOSE_EDIT			/* a draft or sent message, again */
};
/* A new message: the first identity, the signature. */
void	 compose_new(const struct compose_ctx *, struct draft *out);
/*
 * A draft answering (or forwarding, or editing) the message msg: see
 * tern(1), COMPOSING.  out must be draft_init()ed.  0, or -1 and *errp.
 */
int	 compose_from(const struct compose_ctx *, enum compose_kind,
	    const char *msg, size_t len, struct draft *out, char **errp);
/* The decoded text of msg's first text part (HTML stripped), UTF-8. */
char	*compose_text_of(const char *msg, size_t len);
/* 1 if addr (any case) is one of ctx's identities. */
int	 compose_is_me(const struct compose_ctx *, const char *addr);
/*
 * Fills out from a mailto: URL (RFC 6068): addresses, and only the to,
 * cc, subject, body, in-reply-to and references fields (others, attach=
 * and bcc= among them, are ignored); CR and LF never reach a header.
 * 0, or -1 and *errp when it is not a mailto: URL.
 */
int	 compose_mailto(const char *url, struct draft *out, char **errp);

#endif
