/*
 * engine_search.c - server: searches asked of an account's engine: the
 * UI queues a text (engine_server_search, any thread), the engine
 * thread asks the server between its other work (engine_serve_searches,
 * on its session) and answers with EV_SEARCH_DONE once the hits are in
 * the store.  A request for a text already queued is not queued twice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "store.h"

struct search_req {
	char			*term;
	struct search_req	*next;
};

void
engine_server_search(struct engine *e, const char *term)
{
	struct search_req	*r, **p;

	pthread_mutex_lock(&e->lock);
	for (p = &e->searches; *p != NULL; p = &(*p)->next)
		if (strcmp((*p)->term, term) == 0)
			break;
	if (*p == NULL) {
		r = xcalloc(1, sizeof *r);
		r->term = xstrdup(term);
		*p = r;
	}
	pthread_mutex_unlock(&e->lock);
	engine_kick(e);
}

int
engine_serve_searches(struct engine *e, struct sync_ctx *s)
{
	struct search_req	*r;
	struct engine_event	 ev;
	char			*err = NULL;
	size_t			 nhits = 0;
	int			 n = 0;

	for (;;) {
		pthread_mutex_lock(&e->lock);
		r = e->searches;
		if (r != NULL && !s->imap->dead)
			e->searches = r->next;
		else
			r = NULL;
		pthread_mutex_unlock(&e->lock);
		if (r == NULL)
			break;
		memset(&ev, 0, sizeof ev);
		ev.type = EV_SEARCH_DONE;
		ev.ok = server_search(s->imap, s->store, r->term, &nhits,
		    &err) == 0;
		if (ev.ok)
			ev.done = nhits;
		else {
			memset(&ev, 0, sizeof ev);
			ev.type = EV_ERROR;
			snprintf(ev.text, sizeof ev.text, "server:%s: %s",
			    r->term, err != NULL ? err : "search failed");
			engine_post(e, &ev);
			memset(&ev, 0, sizeof ev);
			ev.type = EV_SEARCH_DONE;
		}
		snprintf(ev.text, sizeof ev.text, "%s", r->term);
		engine_post(e, &ev);
		free(err);
		err = NULL;
		free(r->term);
		free(r);
		n++;
	}
	return n;
}

int
engine_searches_pending(struct engine *e)
{
	int	 busy;

	pthread_mutex_lock(&e->lock);
	busy = e->searches != NULL;
	pthread_mutex_unlock(&e->lock);
	return busy;
}

void
engine_searches_free(struct engine *e)
{
	struct search_req	*r;

	while ((r = e->searches) != NULL) {
		e->searches = r->next;
		free(r->term);
		free(r);
	}
}
