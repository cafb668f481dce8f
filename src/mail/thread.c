/*
 * thread.c - JWZ message threading (https://www.jwz.org/doc/threading.html)
 * for the message list.  Pure: no I/O, no globals; any thread may call it.
 *
 * Headers are hostile, so nothing here trusts them: duplicate
 * Message-IDs, reference loops and absurd reference lists end in a
 * sensible tree, never a loop or a crash.  Nothing recurses, so a chain
 * of any depth is fine; the loop check walks up parent links and is
 * skipped for the common case (a new message has no children yet).
 *
 * Differences from JWZ: a missing root (a dummy container at the top
 * with several children) is replaced by its oldest child, which adopts
 * its siblings, since the list shows no row for a message we do not
 * have.  Step 5 (subjects) is the cautious half: a root whose subject
 * says it is a reply ("Re: x", "Fwd: x", "AW: x") joins the thread whose
 * root has the subject "x" (or the oldest reply root of that subject);
 * two roots both called "x" stay apart, since they are often unrelated
 * ("Hello", "Question").
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

/* Container indexes: 32 bits halve the memory the hash walk touches. */
typedef uint32_t tidx;
#define NONE		UINT32_MAX
/* References used per message: the nearest ones (the last is the parent). */
#define THREAD_REFS_MAX	128
/* Ancestor columns drawn in a prefix; deeper rows start with "…". */
#define THREAD_COLS_MAX	12

struct cont {
	const char	*id;		/* borrowed from the input, or NULL */
	uint32_t	 idlen;
	uint32_t	 hash;
	tidx		 msg;		/* input index, NONE for a dummy */
	tidx		 parent, first, last, next, prev;
};

struct thread_ctx {
	const struct thread_in *in;
	struct cont	*c;
	tidx		 nc;
	tidx		*tab;		/* hash: container indexes, NONE empty */
	size_t		 tabmask;
	size_t		 nids;		/* containers in tab */
};

/* A message for the date sort (qsort has no context argument). */
struct thread_key {
	int64_t		 date;
	tidx		 msg, k;
};

struct thread_span {
	tidx		 root, count;
	int64_t		 newest;
	size_t		 order;		/* the root's place by date */
};

/* Bytes that separate ids: 1; the end of the string: 2. */
static const unsigned char thread_septab[256] = {
	['\0'] = 2, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1,
	['<'] = 1, ['>'] = 1, [','] = 1,
};

/*
 * The next id in s (NULL if none), its length, its hash (FNV-1a) and
 * where to go on.
 */
static const char *
thread_token(const char *s, size_t *len, uint32_t *hash, const char **next)
{
	const unsigned char *p = (const unsigned char *)s, *e;
	uint64_t	 h = 1469598103934665603ULL;

	while (thread_septab[*p] == 1)
		p++;
	for (e = p; thread_septab[*e] == 0; e++) {
		h ^= *e;
		h *= 1099511628211ULL;
	}
	*len = (size_t)(e - p);
	*hash = (uint32_t)(h ^ (h >> 32));
	*next = (const char *)e;
	return *len > 0 ? (const char *)p : NULL;
}

/* FNV-1a, for subjects. */
static uint32_t
thread_hash(const char *s, size_t len)
{
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* How many ids s holds. */
static size_t
thread_nrefs(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 n = 0;

	if (p == NULL)
		return 0;
	for (;;) {
		while (thread_septab[*p] == 1)
			p++;
		if (*p == '\0')
			return n;
		n++;
		while (thread_septab[*p] == 0)
			p++;
	}
}

/* A new container; the array never outgrows the size counted up front. */
static tidx
thread_new(struct thread_ctx *t, const char *id, size_t idlen, uint32_t hash)
{
	struct cont	*c = &t->c[t->nc];

	c->id = id;
	c->idlen = (uint32_t)idlen;
	c->hash = hash;
	c->msg = NONE;
	c->parent = c->first = c->last = c->next = c->prev = NONE;
	return t->nc++;
}

/* The container for an id, created (as a dummy) if it does not exist. */
static tidx
thread_lookup(struct thread_ctx *t, const char *id, size_t len, uint32_t hash)
{
	size_t		 h;
	tidx		 k;

	if (len > UINT32_MAX)
		len = UINT32_MAX;	/* a 4 GB id: its prefix will do */
	for (h = hash & t->tabmask; t->tab[h] != NONE;
	    h = (h + 1) & t->tabmask) {
		k = t->tab[h];
		if (t->c[k].hash == hash && t->c[k].idlen == len &&
		    memcmp(t->c[k].id, id, len) == 0)
			return k;
	}
	t->nids++;
	return t->tab[h] = thread_new(t, id, len, hash);
}

/*
 * Makes room for more ids (the table stays at most half full); the
 * table starts small so that it stays in the cache for most folders.
 */
static int
thread_reserve(struct thread_ctx *t, size_t more)
{
	tidx		*tab;
	size_t		 size = t->tabmask + 1, h, k;

	if (t->tab != NULL && 2 * (t->nids + more) <= size)
		return 0;
	while (2 * (t->nids + more) > size)
		size *= 2;
	if (size > SIZE_MAX / sizeof *tab ||
	    (tab = malloc(size * sizeof *tab)) == NULL)
		return -1;
	memset(tab, 0xff, size * sizeof *tab);	/* all NONE */
	for (k = 0; k < t->nc; k++) {
		if (t->c[k].id == NULL)
			continue;
		for (h = t->c[k].hash & (size - 1); tab[h] != NONE;
		    h = (h + 1) & (size - 1))
			;
		tab[h] = (tidx)k;
	}
	free(t->tab);
	t->tab = tab;
	t->tabmask = size - 1;
	return 0;
}

static void
thread_unlink(struct thread_ctx *t, tidx k)
{
	struct cont	*c = &t->c[k], *p;

	if (c->parent == NONE)
		return;
	p = &t->c[c->parent];
	if (c->prev != NONE)
		t->c[c->prev].next = c->next;
	else
		p->first = c->next;
	if (c->next != NONE)
		t->c[c->next].prev = c->prev;
	else
		p->last = c->prev;
	c->parent = c->prev = c->next = NONE;
}

static void
thread_append(struct thread_ctx *t, tidx parent, tidx k)
{
	struct cont	*c = &t->c[k], *p = &t->c[parent];

	c->parent = parent;
	c->next = NONE;
	c->prev = p->last;
	if (p->last != NONE)
		t->c[p->last].next = k;
	else
		p->first = k;
	p->last = k;
}

/* 1 if making child a child of parent would close a loop. */
static int
thread_loops(const struct thread_ctx *t, tidx parent, tidx child)
{
	tidx	 k;

	if (parent == child)
		return 1;
	if (t->c[child].first == NONE)
		return 0;		/* no descendants: nothing to loop */
	for (k = parent; k != NONE; k = t->c[k].parent)
		if (k == child)
			return 1;
	return 0;
}

/*
 * Step 1 of JWZ for message i: its container and its references (nrefs
 * ids in References, or 0: then In-Reply-To).
 */
static int
thread_add(struct thread_ctx *t, tidx i, size_t nrefs)
{
	const struct thread_in *m = &t->in[i];
	const char	*refs, *tok, *next;
	size_t		 len, skip;
	uint32_t	 hash;
	tidx		 self, prev = NONE, k;

	if (thread_reserve(t, 2 + (nrefs < THREAD_REFS_MAX ? nrefs :
	    THREAD_REFS_MAX)) == -1)
		return -1;
	tok = m->message_id != NULL ?
	    thread_token(m->message_id, &len, &hash, &next) : NULL;
	self = tok != NULL ? thread_lookup(t, tok, len, hash) : NONE;
	if (self == NONE || t->c[self].msg != NONE)	/* none, or a duplicate */
		self = thread_new(t, NULL, 0, 0);
	t->c[self].msg = i;

	refs = m->references;
	if (nrefs == 0) {
		refs = m->in_reply_to;
		nrefs = refs != NULL && thread_token(refs, &len, &hash,
		    &next) != NULL ? 1 : 0;
	}
	skip = nrefs > THREAD_REFS_MAX ? nrefs - THREAD_REFS_MAX : 0;
	for (; nrefs > 0; nrefs--, refs = next) {
		tok = thread_token(refs, &len, &hash, &next);
		if (skip > 0) {
			skip--;
			continue;
		}
		k = thread_lookup(t, tok, len, hash);
		/* Each reference is the parent of the next, unless linked. */
		if (prev != NONE && t->c[k].parent == NONE &&
		    !thread_loops(t, prev, k))
			thread_append(t, prev, k);
		prev = k;
	}
	/* The message's own last reference is its parent: it wins. */
	if (prev != NONE && t->c[self].parent != prev &&
	    !thread_loops(t, prev, self)) {
		thread_unlink(t, self);
		thread_append(t, prev, self);
	}
	return 0;
}

static int
thread_cmp_date(const struct thread_ctx *t, tidx a, tidx b)
{
	tidx	 ma = t->c[a].msg, mb = t->c[b].msg;

	if (t->in[ma].date != t->in[mb].date)
		return t->in[ma].date < t->in[mb].date ? -1 : 1;
	return ma < mb ? -1 : ma > mb;
}

/*
 * Steps 3 and 4: no dummy stays in the tree.  A dummy inside a thread
 * hands its children to its parent; a dummy at the top hands them to
 * its oldest child.  Only parent links are kept right: the child lists
 * are rebuilt in date order afterwards.  (A dummy's parent is never a
 * dummy already handled: that one gave its children, this dummy among
 * them, to its own parent.)
 */
static void
thread_prune(struct thread_ctx *t)
{
	tidx	 k, c, next, oldest;

	for (k = 0; k < t->nc; k++) {
		if (t->c[k].msg != NONE || t->c[k].parent == NONE)
			continue;
		for (c = t->c[k].first; c != NONE; c = next) {
			next = t->c[c].next;
			thread_append(t, t->c[k].parent, c);
		}
		t->c[k].first = t->c[k].last = NONE;
		thread_unlink(t, k);
	}
	for (k = 0; k < t->nc; k++) {
		if (t->c[k].msg != NONE || t->c[k].first == NONE)
			continue;
		oldest = t->c[k].first;
		for (c = t->c[oldest].next; c != NONE; c = t->c[c].next)
			if (thread_cmp_date(t, c, oldest) < 0)
				oldest = c;
		for (c = t->c[k].first; c != NONE; c = t->c[c].next)
			t->c[c].parent = c == oldest ? NONE : oldest;
		t->c[k].first = t->c[k].last = NONE;
	}
}

/*
 * The subject without reply prefixes ("Re:", "RE[2]:", "Fwd:", "Fw:",
 * "AW:", repeated); *reply says whether there was one.
 */
static const char *
thread_subject(const char *s, size_t *len, int *reply)
{
	static const char *const pre[] = { "re", "fwd", "fw", "aw" };
	const char	*p;
	size_t		 i, n;

	*reply = 0;
	if (s == NULL)
		s = "";
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
			n = strlen(pre[i]);
			if (strncasecmp(s, pre[i], n) != 0)
				continue;
			p = s + n;
			if (*p == '[') {
				p += 1 + strspn(p + 1, "0123456789");
				if (*p++ != ']')
					continue;
			}
			if (*p == ':')
				break;
		}
		if (i == sizeof pre / sizeof pre[0])
			break;
		s = p + 1;
		*reply = 1;
	}
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

/*
 * Step 5, the cautious half: a root whose subject is a reply's joins
 * the thread of the root with the same plain subject, or else of the
 * oldest reply root with it.  Only parent links change.
 */
static int
thread_subjects(struct thread_ctx *t)
{
	struct { const char *s; size_t len; uint32_t hash; tidx k; int reply; }
			*tab, *e;
	const char	*subj;
	size_t		 size = 16, nroots = 0, h, len;
	tidx		 k;
	int		 reply;

	for (k = 0; k < t->nc; k++)
		if (t->c[k].msg != NONE && t->c[k].parent == NONE)
			nroots++;
	while (size < 2 * nroots)
		size *= 2;
	if ((tab = calloc(size, sizeof *tab)) == NULL)
		return -1;
	for (h = 0; h < size; h++)
		tab[h].k = NONE;
	/* The thread each subject joins: plain beats reply, then oldest. */
	for (k = 0; k < t->nc; k++) {
		if (t->c[k].msg == NONE || t->c[k].parent != NONE)
			continue;
		subj = thread_subject(t->in[t->c[k].msg].subject, &len, &reply);
		if (len == 0)
			continue;
		for (h = thread_hash(subj, len) & (size - 1); tab[h].k != NONE;
		    h = (h + 1) & (size - 1))
			if (tab[h].len == len && memcmp(tab[h].s, subj, len) == 0)
				break;
		e = &tab[h];
		if (e->k == NONE || (e->reply && !reply) ||
		    (e->reply == reply && thread_cmp_date(t, k, e->k) < 0)) {
			e->s = subj;
			e->len = len;
			e->k = k;
			e->reply = reply;
		}
	}
	/* Replies that lost their references join that thread. */
	for (k = 0; k < t->nc; k++) {
		if (t->c[k].msg == NONE || t->c[k].parent != NONE)
			continue;
		subj = thread_subject(t->in[t->c[k].msg].subject, &len, &reply);
		if (len == 0 || !reply)
			continue;
		for (h = thread_hash(subj, len) & (size - 1); tab[h].k != NONE;
		    h = (h + 1) & (size - 1))
			if (tab[h].len == len && memcmp(tab[h].s, subj, len) == 0)
				break;
		/* Never the entry itself; entries never move, so no loop. */
		if (tab[h].k != NONE && tab[h].k != k)
			t->c[k].parent = tab[h].k;
	}
	free(tab);
	return 0;
}

static int
thread_cmp_key(const void *a, const void *b)
{
	const struct thread_key *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->msg < y->msg ? -1 : x->msg > y->msg;
}

static int
thread_cmp_span(const void *a, const void *b)
{
	const struct thread_span *x = a, *y = b;

	if (x->newest != y->newest)
		return x->newest < y->newest ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The tree drawing for container k at depth d (>= 1). */
static void
thread_prefix(const struct thread_ctx *t, tidx k, int d, char *buf,
    size_t size)
{
	const char	*col[THREAD_COLS_MAX];
	size_t		 ncol = 0, i;
	tidx		 a;
	int		 lvl;

	/* The columns of the ancestors at levels d-1 .. 1, nearest first. */
	a = t->c[k].parent;
	for (lvl = d - 1; lvl >= 1 && ncol < THREAD_COLS_MAX; lvl--) {
		col[ncol++] = t->c[a].next != NONE ? "│ " : "  ";
		a = t->c[a].parent;
	}
	buf[0] = '\0';
	if (lvl >= 1)
		strncat(buf, "…", size - 1);
	for (i = ncol; i > 0; i--)
		strncat(buf, col[i - 1], size - strlen(buf) - 1);
	strncat(buf, t->c[k].next != NONE ? "├─>" : "└─>",
	    size - strlen(buf) - 1);
}

/*
 * Walks the thread under root in tree order (a message, then its
 * replies, oldest first) without recursion.  Writes the rows to rows
 * unless NULL; returns the message count and the newest date.
 */
static tidx
thread_walk(const struct thread_ctx *t, tidx root, struct thread_row *rows,
    int64_t *newest)
{
	struct thread_row *r;
	tidx		 k = root, n = 0;
	int		 depth = 0;

	*newest = t->in[t->c[root].msg].date;
	for (;;) {
		if (t->in[t->c[k].msg].date > *newest)
			*newest = t->in[t->c[k].msg].date;
		if (rows != NULL) {
			r = &rows[n];
			r->idx = t->c[k].msg;
			r->depth = depth;
			if (depth == 0)
				r->prefix[0] = '\0';
			else
				thread_prefix(t, k, depth, r->prefix,
				    sizeof r->prefix);
		}
		n++;
		if (t->c[k].first != NONE) {
			k = t->c[k].first;
			depth++;	/* at most n - 1: no overflow */
			continue;
		}
		while (k != root && t->c[k].next == NONE) {
			k = t->c[k].parent;
			depth--;
		}
		if (k == root)
			break;
		k = t->c[k].next;
	}
	if (rows != NULL)
		for (k = 0; k < n; k++)
			rows[k].thread_size = n;
	return n;
}

int
thread_build(const struct thread_in *in, size_t n, int newest_first,
    struct thread_row *out)
{
	struct thread_ctx t = { .in = in };
	struct thread_span *spans = NULL;
	struct thread_key *sorted = NULL;
	uint32_t	*nrefs = NULL;
	size_t		 i, max, nspans = 0, pos, s;
	tidx		 k;
	int64_t		 newest;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if (n > INT_MAX || (nrefs = malloc(n * sizeof *nrefs)) == NULL)
		return -1;	/* indexes fit a tidx, depths (< n) an int */
	/* Every message and each reference it uses may need a container. */
	max = n;
	for (i = 0; i < n && max < NONE; i++) {
		s = thread_nrefs(in[i].references);
		nrefs[i] = s < UINT32_MAX ? (uint32_t)s : UINT32_MAX;
		if (s == 0 && thread_nrefs(in[i].in_reply_to) > 0)
			s = 1;
		max += s < THREAD_REFS_MAX ? s : THREAD_REFS_MAX;
	}
	if (max >= NONE || max > SIZE_MAX / sizeof *t.c ||
	    n > SIZE_MAX / sizeof *spans) {
		free(nrefs);
		return -1;
	}
	t.c = malloc(max * sizeof *t.c);
	sorted = malloc(n * sizeof *sorted);
	spans = malloc(n * sizeof *spans);
	t.tabmask = 15;
	if (t.c == NULL || sorted == NULL || spans == NULL ||
	    thread_reserve(&t, n + n / 4) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (thread_add(&t, (tidx)i, nrefs[i]) == -1)
			goto out;
	thread_prune(&t);
	if (thread_subjects(&t) == -1)
		goto out;

	/* Child lists again, in date order: append in sorted order. */
	for (k = 0, i = 0; k < t.nc; k++) {
		t.c[k].first = t.c[k].last = t.c[k].next = t.c[k].prev = NONE;
		if (t.c[k].msg != NONE) {
			sorted[i].date = in[t.c[k].msg].date;
			sorted[i].msg = t.c[k].msg;
			sorted[i++].k = k;
		}
	}
	qsort(sorted, n, sizeof *sorted, thread_cmp_key);
	for (i = 0; i < n; i++) {
		k = sorted[i].k;
		if (t.c[k].parent != NONE)
			thread_append(&t, t.c[k].parent, k);
	}

	/* Each root (in date order) is a thread: its size and newest date. */
	for (i = 0; i < n; i++) {
		k = sorted[i].k;
		if (t.c[k].parent != NONE)
			continue;
		spans[nspans].root = k;
		spans[nspans].order = nspans;
		spans[nspans].count = thread_walk(&t, k, NULL,
		    &spans[nspans].newest);
		nspans++;
	}
	qsort(spans, nspans, sizeof *spans, thread_cmp_span);
	for (i = 0, pos = 0; i < nspans; i++) {
		s = newest_first ? nspans - 1 - i : i;
		pos += thread_walk(&t, spans[s].root, out + pos, &newest);
	}
	rc = 0;
out:
	free(nrefs);
	free(t.c);
	free(t.tab);
	free(sorted);
	free(spans);
	return rc;
}
