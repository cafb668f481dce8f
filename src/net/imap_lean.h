/*
 * imap_lean.h - private to src/net: the lean reader of imap_fetch.c,
 * shared with the pipeline of imap_pipe.c.  A reader holds the bytes
 * read from the session's stream past libetpan; reader_unread() gives
 * back what is left when the lean commands are over.  Run by the
 * thread that owns the session.
 */
#ifndef TERN_IMAP_LEAN_H
#define TERN_IMAP_LEAN_H

#include "net.h"

struct reader {
	struct imap_conn	*c;
	char			*b;
	size_t			 start;		/* first unparsed byte */
	size_t			 end;		/* bytes in b */
	size_t			 cap;
};

/* An empty reader of c's stream; reader_free() frees its buffer. */
void	 reader_init(struct reader *, struct imap_conn *);
void	 reader_free(struct reader *);
/* Reads more bytes from the stream (libetpan's buffer first); -1 if lost. */
int	 reader_fill(struct reader *);
/* Gives the bytes read past the last reply back to libetpan's buffer. */
int	 reader_unread(struct reader *);
/*
 * The next whole response to command cmd (tag) into *res (never MORE:
 * it reads on); IMAP_FETCH_ERROR after marking c dead, why in *errp.
 */
enum imap_fetch_resp lean_next(struct reader *, const char *cmd,
	    const char *tag,
	    struct imap_fetch_scratch *, struct imap_fetch_result *res,
	    char **errp);
/* "(UID FLAGS MODSEQ ... BODY.PEEK[HEADER.FIELDS (...)])", or NULL. */
char	*lean_items(struct imap_conn *, const char *const *fields);
/* c is dead: why in *errp (the guard's reason first); returns -1. */
int	 lean_fail(struct imap_conn *, const char *cmd, const char *why,
	    char **errp);

#endif
