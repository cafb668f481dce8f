/*
 * fetch_pipe.h - private to src/sync: a header fetch split over two
 * threads (fetch_pipe.c).
 */
#ifndef TERN_FETCH_PIPE_H
#define TERN_FETCH_PIPE_H

#include "mail.h"
#include "net.h"

/* One message as the reader thread parsed it, or a marker. */
struct fetched {
	int			 mark;	/* 0: a message; else fetch_pipe_mark()'s */
	void			*data;	/* the marker's, borrowed */
	struct imap_msg		 msg;	/* header, body NULL; keywords owned */
	struct header_fields	 h;
};

/* Runs on the reader thread: the UID FETCH, cb called per message. */
typedef int	(*fetch_pipe_fetch)(void *arg, imap_msg_cb cb, void *cbarg,
		    char **errp);
/*
 * Runs on the calling thread, in order, on rows[0..n): one marker (n is
 * 1), or messages (a run of the reader's batch); non-zero stops.
 */
typedef int	(*fetch_pipe_put)(const struct fetched *rows, size_t n,
		    void *arg);

/*
 * Runs fetch on a reader thread, which owns the IMAP connection until
 * it returns, while put writes what it parsed on the calling thread.
 * Returns fetch's result (its error in *errp); a put that stopped the
 * fetch is the caller's to report.
 */
int	fetch_pipe_run(fetch_pipe_fetch fetch, void *farg, fetch_pipe_put put,
	    void *parg, char **errp);
/*
 * For fetch, on the reader thread (cbarg is what it was given): puts a
 * marker in the stream, which put receives in order (mark non-zero,
 * data borrowed: it must outlive fetch_pipe_run); and 1 if put stopped.
 */
void	fetch_pipe_mark(void *cbarg, int mark, void *data);
int	fetch_pipe_stopped(void *cbarg);

#endif
