/*
 * mail.h - message handling: header parsing and decoding to UTF-8.
 * Pure functions, any thread.  Mail is hostile: every input is bounded
 * before libetpan sees it (SECURITY.md, "Parsing budget").
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

#endif
