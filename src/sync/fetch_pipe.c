/*
 * fetch_pipe.c - a folder's header fetch on two threads.  A reader
 * thread, started for one fetch, owns the IMAP connection until the
 * fetch ends: it reads the FETCH responses and parses each header
 * block (header_parse); meanwhile the engine thread, which owns the
 * store connection, writes the parsed rows.  Reading and decrypting,
 * parsing headers and SQLite's inserts were each a large part of a
 * first sync's time on one thread, while the server waited on a full
 * socket buffer.
 *
 * Rows travel in batches through a bounded queue, so memory stays
 * small however large the folder is.  If the writer stops (a store
 * error, a shutdown), the reader's callback stops too and the fetch
 * reads the rest of the reply without keeping it, as it does on one
 * thread.  pthread_create() and pthread_join() hand the IMAP
 * connection over and back.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "fetch_pipe.h"

#define PIPE_BATCH	256	/* rows per batch */
/*
 * Batches queued at most: 8,192 rows, about 4 MB.  A commit or a WAL
 * checkpoint stalls the writer for a while; with 8 batches the reader,
 * and so the server, stopped too (first sync of 100,000 messages:
 * 2.57 s with 8, 2.36 s with 32, the same with 64).
 */
#define PIPE_DEPTH	32

struct batch {
	struct fetched	 rows[PIPE_BATCH];
	size_t		 n;
	struct batch	*next;
};

struct fetch_pipe {
	fetch_pipe_fetch	 fetch;
	void			*farg;
	int			 direct;	/* no reader thread: put is
						   called from the callback */
	fetch_pipe_put		 put;
	void			*parg;
	pthread_mutex_t		 lock;
	pthread_cond_t		 more;	/* a batch is queued, or done */
	pthread_cond_t		 room;	/* a batch was taken */
	struct batch		*head, *tail;	/* guarded by lock */
	size_t			 queued;	/* guarded by lock */
	int			 done;	/* guarded by lock */
	atomic_int		 stop;	/* the writer gave up */
	struct batch		*cur;	/* reader thread only */
	int			 ret;	/* reader's; read after join */
	char			*err;
};

static void
batch_free(struct batch *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free((char *)b->rows[i].msg.keywords);
		header_fields_free(&b->rows[i].h);
	}
	free(b);
}

/* Reader thread: queues p->cur, waiting for room. */
static void
pipe_push(struct fetch_pipe *p)
{
	struct batch	*b = p->cur;

	p->cur = NULL;
	if (b == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	while (p->queued >= PIPE_DEPTH)
		pthread_cond_wait(&p->room, &p->lock);
	if (p->tail != NULL)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	p->queued++;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

/* Reader thread: a row from m, its header parsed. */
static void
row_fill(struct fetched *r, const struct imap_msg *m, int copy_keywords)
{
	r->msg = *m;		/* keywords borrowed, */
	if (copy_keywords && m->keywords != NULL)	/* or the batch's own */
		r->msg.keywords = xstrdup(m->keywords);
	r->msg.header = NULL;
	r->msg.header_len = 0;
	r->msg.body = NULL;
	r->msg.body_len = 0;
	header_parse(m->header != NULL ? m->header : "", m->header_len,
	    &r->h);
}

/* Reader thread: the next free row of the current batch. */
static struct fetched *
row_next(struct fetch_pipe *p)
{
	if (p->cur == NULL)
		p->cur = xcalloc(1, sizeof *p->cur);
	return &p->cur->rows[p->cur->n++];
}

/* Without a reader thread: put, now. */
static int
put_direct(struct fetch_pipe *p, struct fetched *r)
{
	if (atomic_load(&p->stop))
		return 1;
	if (p->put(r, 1, p->parg) != 0)
		atomic_store(&p->stop, 1);
	return atomic_load(&p->stop);
}

/* Reader thread: the fetch's callback. */
static int
pipe_take(const struct imap_msg *m, void *arg)
{
	struct fetch_pipe	*p = arg;
	struct fetched		 one;
	int			 stop;

	if (atomic_load(&p->stop))
		return 1;
	if (p->direct) {
		memset(&one, 0, sizeof one);
		row_fill(&one, m, 0);
		stop = put_direct(p, &one);
		header_fields_free(&one.h);
		return stop;
	}
	row_fill(row_next(p), m, 1);
	if (p->cur->n == PIPE_BATCH)
		pipe_push(p);
	return 0;
}

void
fetch_pipe_mark(void *cbarg, int mark, void *data)
{
	struct fetch_pipe	*p = cbarg;
	struct fetched		 one, *r;

	if (p->direct) {
		memset(&one, 0, sizeof one);
		one.mark = mark;
		one.data = data;
		(void)put_direct(p, &one);
		return;
	}
	r = row_next(p);
	r->mark = mark;
	r->data = data;
	/* The writer acts on it without waiting for a full batch. */
	pipe_push(p);
}

int
fetch_pipe_stopped(void *cbarg)
{
	return atomic_load(&((struct fetch_pipe *)cbarg)->stop);
}

static void *
pipe_reader(void *arg)
{
	struct fetch_pipe	*p = arg;

	p->ret = p->fetch(p->farg, pipe_take, p, &p->err);
	pipe_push(p);
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
fetch_pipe_run(fetch_pipe_fetch fetch, void *farg, fetch_pipe_put put,
    void *parg, char **errp)
{
	struct fetch_pipe	 p;
	struct batch		*b;
	pthread_t		 reader;
	size_t			 i, k;
	int			 stopped = 0;

	memset(&p, 0, sizeof p);
	p.fetch = fetch;
	p.farg = farg;
	p.put = put;
	p.parg = parg;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.more, NULL);
	pthread_cond_init(&p.room, NULL);
	atomic_init(&p.stop, 0);
	if (pthread_create(&reader, NULL, pipe_reader, &p) != 0) {
		/* No second thread: the same work on this one. */
		p.direct = 1;
		p.ret = fetch(farg, pipe_take, &p, errp);
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&p.lock);
		while (p.head == NULL && !p.done)
			pthread_cond_wait(&p.more, &p.lock);
		if ((b = p.head) == NULL) {
			pthread_mutex_unlock(&p.lock);
			break;
		}
		if ((p.head = b->next) == NULL)
			p.tail = NULL;
		p.queued--;
		pthread_cond_signal(&p.room);
		pthread_mutex_unlock(&p.lock);
		/*
		 * Each marker alone, the messages between them as one run.
		 * After a stop, batches already queued are only freed.
		 */
		for (i = 0; i < b->n && !stopped; i = k) {
			k = i + 1;
			if (!b->rows[i].mark)
				while (k < b->n && !b->rows[k].mark)
					k++;
			if (put(&b->rows[i], k - i, parg) != 0) {
				stopped = 1;
				atomic_store(&p.stop, 1);
			}
		}
		batch_free(b);
	}
	pthread_join(reader, NULL);
	if (p.err != NULL) {
		if (errp != NULL)
			*errp = p.err;
		else
			free(p.err);
	}
out:
	pthread_cond_destroy(&p.room);
	pthread_cond_destroy(&p.more);
	pthread_mutex_destroy(&p.lock);
	return p.ret;
}
