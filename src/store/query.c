/*
 * query.c - the search language of tern(1) (SEARCH QUERIES), compiled
 * to an SQL condition with bound parameters, and run on a store.
 * query_compile() touches no shared state and runs on any thread; the
 * compiled query is run (query_run.c, store_list.c, with query_fts.c)
 * on the thread that owns the store connection (the UI thread, or the
 * command line).
 *
 * The language:
 *
 *	query	= or
 *	or	= and { "OR" and }
 *	and	= unary { ["AND"] unary }	terms side by side are ANDed
 *	unary	= ("NOT" | "-") unary | "(" or ")" | "*" | term
 *	term	= KEY ":" value | value
 *	value	= word | '"' chars '"'
 *
 * Precedence: NOT > AND > OR.  OR, AND and NOT are operators only as
 * unquoted upper-case words ("or" and "OR" in quotes are text).  A
 * leading '-' negates: -is:read, -(a OR b).  A '-' inside a word is
 * text.  '*' alone matches every message; inside a word it is text,
 * not a wildcard.
 *
 * A word is a run of characters up to white space, a parenthesis or
 * a double quote.  A word whose part before its first ':' is made of
 * letters is a KEY:value term (keys and is:/has: values ignore case);
 * any other word is text (12:30 is text, re:x is an unknown key, so
 * "re:x" must be quoted).  In double quotes, \" is a quote and \\ a
 * backslash; a quoted string ends at white space or a parenthesis.
 * Values are never empty.
 *
 * The keys and what each matches are in query_keys.c.
 *
 * Bounds, because the text is typed or pasted by a user: at most
 * QUERY_MAX bytes and QUERY_DEPTH nested parentheses and NOTs, both
 * checked before any recursion goes deeper, so the worst input gets an
 * error, never a deep stack.
 *
 * User text never reaches the SQL: every value becomes a '?' bound to
 * a query_param, and LIKE patterns escape % _ and \ with ESCAPE '\'.
 * Nor does it reach FTS5's query syntax: a full-text value is bound
 * as one FTS5 string written here ("..." with " doubled), so * ^ : (
 * NEAR AND OR in it are text.  FTS5 matches tokens (unicode61: case
 * and diacritics ignored), a phrase as consecutive tokens.  A value
 * with Chinese, Japanese or Korean characters is a prefix query
 * ("東京"*): unicode61 keeps a run of them as one token, so a word
 * is found at the start of such a run (東京 in 東京に行きます), not
 * in its middle.
 *
 * A full-text term is "tern_fts(?, m.id)" with its parameter marked
 * fts: query_fts.c reads the FTS5 query's matches once, into a set of
 * ids, and the SQL tests each row against it (a broad term no longer
 * builds a b-tree of its matches per run).  The body: terms of one AND
 * or OR are written as one FTS5 query (merge_fts), so a run reads one
 * set for them; a body: term the whole query ANDs is its drive term
 * (q->drive), which query_fts.c may turn into a list of ids to look
 * up when it matches few messages.  struct query's scan says whether
 * the SQL reads any column of the message row beyond its id, date and
 * folder (every key but body: and folder:): store_list.c then reads a
 * whole list in table order and sorts it rather than walking its
 * index.
 *
 * The SQL is shaped for SQLite's limits, which a 4 KB query can hit:
 * an expression tree at most 1000 deep (a chain a AND b AND c ... is
 * as deep as it is long, so chains are cut into nested groups of
 * CHAIN) and a parser stack of about 100 entries, which every pending
 * "x AND (" uses three of (so the most deeply nested operand of each
 * AND and OR is written first, where it costs one).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "core.h"
#include "store.h"
#include "store_int.h"
#include "query_int.h"

#define QUERY_MAX	4096	/* bytes of query text */
#define QUERY_DEPTH	32	/* nested parentheses and NOTs */
#define QUERY_ECHO	40	/* bytes of user text quoted in an error */
#define CHAIN		8	/* operands of one SQL AND/OR chain */

/* The SQL being written. */
struct out {
	char		*s;
	size_t		 len, cap;
	struct query_param *params;
	size_t		 np, pcap;
	const struct node *drive;	/* its parameter becomes q->drive */
	size_t		 drive_param;
};

/* ---- errors ---- */

/* The 1-based character (not byte) position of byte off. */
size_t
query_column(const struct parser *p, size_t off)
{
	size_t	 i, col = 1;

	for (i = 0; i < off && p->q[i] != '\0'; i++)
		if (((unsigned char)p->q[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/* User text shortened for an error message (cut at a character). */
char *
query_echo(const char *s)
{
	size_t	 n = strlen(s);

	if (n <= QUERY_ECHO)
		return xstrdup(s);
	n = QUERY_ECHO;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("%.*s...", (int)n, s);
}

/* ---- lexer ---- */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

/* ASCII only, whatever the locale the UI has set. */
static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Ends a word or a quoted string. */
static int
is_stop(int c)
{
	return c == '\0' || is_space(c) || c == '(' || c == ')';
}

static struct token *
tok_push(struct parser *p, enum tok_type type, size_t pos)
{
	struct token	*t;

	/* Every token but END uses a byte of a bounded query. */
	if (p->ntoks == p->tcap) {
		p->tcap = p->tcap ? p->tcap * 2 : 16;
		p->toks = xrealloc(p->toks, p->tcap * sizeof *p->toks);
	}
	t = &p->toks[p->ntoks++];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->pos = pos;
	return t;
}

/* Reads the quoted string at q[*ip] == '"'; advances *ip past it. */
static char *
lex_quoted(struct parser *p, size_t *ip)
{
	const char	*q = p->q;
	size_t		 open = *ip, i = *ip + 1;
	char		*v = xmalloc(strlen(q + i) + 1);
	size_t		 n = 0;

	for (;;) {
		if (q[i] == '\0') {
			seterr(p->errp, "unbalanced '\"' at position %zu "
			    "(no closing quote)", query_column(p, open));
			free(v);
			return NULL;
		}
		if (q[i] == '"')
			break;
		if (q[i] == '\\' && (q[i + 1] == '"' || q[i + 1] == '\\'))
			i++;
		v[n++] = q[i++];
	}
	v[n] = '\0';
	i++;
	if (!is_stop(q[i])) {
		seterr(p->errp, "text right after a closing quote at "
		    "position %zu (put a space before it)", query_column(p, i));
		free(v);
		return NULL;
	}
	*ip = i;
	return v;
}

/* Splits the query into tokens, ending with one TOK_END. */
static int
lex(struct parser *p)
{
	const char	*q = p->q;
	struct token	*t;
	size_t		 i = 0, start, k;
	char		*c;

	for (;;) {
		while (is_space(q[i]))
			i++;
		start = i;
		switch (q[i]) {
		case '\0':
			tok_push(p, TOK_END, i);
			return 0;
		case '(':
			tok_push(p, TOK_LP, i++);
			continue;
		case ')':
			tok_push(p, TOK_RP, i++);
			continue;
		case '-':
			if (is_stop(q[i + 1]) && q[i + 1] != '(') {
				seterr(p->errp, "'-' at position %zu must be "
				    "followed by a term", query_column(p, i));
				return -1;
			}
			tok_push(p, TOK_NOT, i++);
			continue;
		case '"':
			t = tok_push(p, TOK_TERM, i);
			if ((t->value = lex_quoted(p, &i)) == NULL)
				return -1;
			continue;
		}

		while (!is_stop(q[i]) && q[i] != '"')
			i++;
		for (k = start; k < i && is_alpha(q[k]); k++)
			continue;
		if (k == start || k == i || q[k] != ':')
			k = 0;			/* text, not KEY: */
		if (q[i] == '"' && (k == 0 || k + 1 != i)) {
			seterr(p->errp, "'\"' inside a word at position %zu "
			    "(quote the whole word or value)", query_column(p, i));
			return -1;
		}
		if (i - start == 2 && strncmp(q + start, "OR", 2) == 0)
			tok_push(p, TOK_OR, start);
		else if (i - start == 3 && strncmp(q + start, "AND", 3) == 0)
			tok_push(p, TOK_AND, start);
		else if (i - start == 3 && strncmp(q + start, "NOT", 3) == 0)
			tok_push(p, TOK_NOT, start);
		else if (i - start == 1 && q[start] == '*')
			tok_push(p, TOK_STAR, start);
		else {
			t = tok_push(p, TOK_TERM, start);
			if (k != 0) {
				t->key = xstrndup(q + start, k - start);
				for (c = t->key; *c != '\0'; c++)
					*c |= 0x20;	/* ASCII lower case */
				start = k + 1;
			}
			if (q[i] == '"') {
				if ((t->value = lex_quoted(p, &i)) == NULL)
					return -1;
			} else
				t->value = xstrndup(q + start, i - start);
		}
	}
}

/* ---- syntax tree ---- */

static struct node *
node_new(enum node_type type)
{
	struct node	*n = xcalloc(1, sizeof *n);

	n->type = type;
	return n;
}

void
query_node_free(struct node *n)
{
	size_t	 i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		query_node_free(n->kids[i]);
	for (i = 0; i < n->np; i++)
		free(n->p[i].s);
	free(n->kids);
	free(n);
}

static void
node_add(struct node *n, struct node *kid)
{
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

/* a AND b (or OR), flattening a AND (b AND c) into one list. */
static struct node *
node_join(struct node *a, struct node *b, enum node_type type)
{
	struct node	*n;
	size_t		 i;

	if (a == NULL)
		return b;
	if (a->type != type) {
		n = node_new(type);
		node_add(n, a);
		a = n;
	}
	if (b->type == type) {
		for (i = 0; i < b->nkids; i++)
			node_add(a, b->kids[i]);
		b->nkids = 0;
		query_node_free(b);
	} else
		node_add(a, b);
	return a;
}

static struct node *
node_not(struct node *a)
{
	struct node	*n;

	if (a->type == NODE_NOT) {	/* no NULLs here: NOT NOT x is x */
		n = a->kids[0];
		a->nkids = 0;
		query_node_free(a);
		return n;
	}
	n = node_new(NODE_NOT);
	node_add(n, a);
	return n;
}

struct node *
query_leaf(const char *sql)
{
	struct node	*n = node_new(NODE_LEAF);

	n->sql = sql;
	return n;
}

void
query_leaf_int(struct node *n, int64_t i)
{
	n->p[n->np].is_int = 1;
	n->p[n->np++].i = i;
}

void
query_leaf_str(struct node *n, const char *s)
{
	n->p[n->np++].s = xstrdup(s);
}

/* ---- parser: recursive descent, depth bounded by QUERY_DEPTH ---- */

static struct node *parse_or(struct parser *, int);

static const struct token *
peek(const struct parser *p)
{
	return &p->toks[p->cur];
}

static int
starts_unary(const struct token *t)
{
	return t->type == TOK_NOT || t->type == TOK_LP ||
	    t->type == TOK_STAR || t->type == TOK_TERM;
}

/* The operator at t must have a term after it; says so if not. */
static int
need_term(struct parser *p, const struct token *t)
{
	const struct token *next = peek(p);
	const char	*name;

	if (starts_unary(next))
		return 0;
	switch (t->type) {
	case TOK_LP:
		if (next->type == TOK_RP)
			seterr(p->errp, "empty parentheses at position %zu",
			    query_column(p, t->pos));
		else
			seterr(p->errp, "'(' at position %zu must be "
			    "followed by a term", query_column(p, t->pos));
		return -1;
	case TOK_OR:
		name = "OR";
		break;
	case TOK_AND:
		name = "AND";
		break;
	default:
		name = p->q[t->pos] == '-' ? "-" : "NOT";
		break;
	}
	seterr(p->errp, "'%s' at position %zu must be followed by a term",
	    name, query_column(p, t->pos));
	return -1;
}

static int
too_deep(struct parser *p, const struct token *t, int depth)
{
	if (depth < QUERY_DEPTH)
		return 0;
	seterr(p->errp, "query nested too deeply at position %zu (at most "
	    "%d parentheses and NOTs inside each other)", query_column(p, t->pos),
	    QUERY_DEPTH);
	return 1;
}

static struct node *
parse_unary(struct parser *p, int depth)
{
	const struct token *t = &p->toks[p->cur++];
	struct node	*n;

	switch (t->type) {
	case TOK_NOT:
		if (too_deep(p, t, depth) || need_term(p, t) == -1)
			return NULL;
		if ((n = parse_unary(p, depth + 1)) == NULL)
			return NULL;
		return node_not(n);
	case TOK_LP:
		if (too_deep(p, t, depth) || need_term(p, t) == -1)
			return NULL;
		if ((n = parse_or(p, depth + 1)) == NULL)
			return NULL;
		if (peek(p)->type != TOK_RP) {
			seterr(p->errp, "unbalanced '(' at position %zu (no "
			    "matching ')')", query_column(p, t->pos));
			query_node_free(n);
			return NULL;
		}
		p->cur++;
		return n;
	case TOK_STAR:
		return query_leaf("1");
	case TOK_TERM:
		return query_term(p, t);
	default:
		abort();	/* callers check starts_unary() */
	}
}

static struct node *
parse_and(struct parser *p, int depth)
{
	const struct token *t;
	struct node	*and = NULL, *n;

	for (;;) {
		t = peek(p);
		if (t->type == TOK_AND && and != NULL) {
			p->cur++;
			if (need_term(p, t) == -1)
				goto fail;
			continue;
		}
		if (!starts_unary(t))
			break;
		if ((n = parse_unary(p, depth)) == NULL)
			goto fail;
		and = node_join(and, n, NODE_AND);
	}
	if (and != NULL)
		return and;
	if (t->type == TOK_RP)
		seterr(p->errp, "unbalanced ')' at position %zu (no matching "
		    "'(')", query_column(p, t->pos));
	else if (t->type == TOK_END)
		seterr(p->errp, "empty query (use * for everything)");
	else
		seterr(p->errp, "'%s' at position %zu must follow a term",
		    t->type == TOK_OR ? "OR" : "AND", query_column(p, t->pos));
fail:
	query_node_free(and);
	return NULL;
}

static struct node *
parse_or(struct parser *p, int depth)
{
	const struct token *t;
	struct node	*or, *n;

	if ((or = parse_and(p, depth)) == NULL)
		return NULL;
	while ((t = peek(p))->type == TOK_OR) {
		p->cur++;
		if (need_term(p, t) == -1 ||
		    (n = parse_and(p, depth)) == NULL) {
			query_node_free(or);
			return NULL;
		}
		or = node_join(or, n, NODE_OR);
	}
	return or;
}

/* ---- full-text terms side by side: one FTS5 query ---- */

/* A body: term alone: one FTS5 query, tested as a set. */
static int
is_fts(const struct node *n)
{
	return n->type == NODE_LEAF && n->np == 1 && n->p[0].fts &&
	    strcmp(n->sql, FTS_IN) == 0;
}

/* Appends "(s)" to *acc, after op if *acc has something. */
static void
fts_add(char **acc, const char *op, const char *s)
{
	char	*t;

	t = xasprintf("%s%s(%s)", *acc != NULL ? *acc : "",
	    *acc != NULL ? op : "", s);
	free(*acc);
	*acc = t;
}

/*
 * The body: terms of one AND or OR become one FTS5 query ("(a) AND
 * (b)", and "(a) NOT (c OR d)" for the negated ones of an AND with a
 * positive one), so a run reads one set, not one per term: FTS5 finds
 * the same rowids as intersecting, joining or subtracting the sets
 * (body:budget body:schedule body:customer: 3 doclists into one set, not
 * three sets).  Bottom-up, so nested groups merge too; text terms (a
 * LIKE beside their FTS) are left alone.
 */
static void
merge_fts(struct node *n)
{
	struct node	*k, *m;
	char		*pos = NULL, *neg = NULL, *q;
	size_t		 i, j, npos = 0;
	int		 and = n->type == NODE_AND;

	if (n->type == NODE_LEAF)
		return;
	for (i = 0; i < n->nkids; i++)
		merge_fts(n->kids[i]);
	if (n->type == NODE_NOT)
		return;
	for (i = 0; i < n->nkids; i++)
		npos += is_fts(n->kids[i]);
	if (npos == 0 || (npos == 1 && !and))
		return;
	for (i = j = 0; i < n->nkids; i++) {
		k = n->kids[i];
		if (is_fts(k))
			fts_add(&pos, and ? " AND " : " OR ", k->p[0].s);
		else if (and && k->type == NODE_NOT && is_fts(k->kids[0]))
			fts_add(&neg, " OR ", k->kids[0]->p[0].s);
		else {
			n->kids[j++] = k;
			continue;
		}
		query_node_free(k);
	}
	if (npos == 1 && neg == NULL) {		/* nothing to merge with */
		q = pos;
		pos = NULL;
	} else if (neg != NULL)
		q = xasprintf("(%s) NOT (%s)", pos, neg);
	else
		q = xasprintf("%s", pos);
	free(pos);
	free(neg);
	m = query_leaf(FTS_IN);
	m->p[0].fts = 1;
	m->p[0].s = q;
	m->np = 1;
	/* The set first: it is the cheapest test. */
	memmove(n->kids + 1, n->kids, j * sizeof *n->kids);
	n->kids[0] = m;
	n->nkids = j + 1;
	if (n->nkids == 1) {			/* the group was all terms */
		free(n->kids);
		*n = *m;
		free(m);
	}
}

/* ---- SQL ---- */

/* Heaviest first, keeping the user's order among equals (stable). */
static void
sort_kids(struct node *n)
{
	struct node	*k;
	size_t		 i, j;

	for (i = 1; i < n->nkids; i++) {
		k = n->kids[i];
		for (j = i; j > 0 && n->kids[j - 1]->weight < k->weight; j--)
			n->kids[j] = n->kids[j - 1];
		n->kids[j] = k;
	}
}

/*
 * Puts the operand whose SQL needs the most parser stack first in each
 * AND and OR (order does not change the result: no operand has side
 * effects or can be NULL), and returns what n needs.  An operand
 * written first costs its "(" (1); a later one its "x AND (" (3), which
 * the heaviest-first order makes rare: for two operands to be equally
 * heavy, the query has to double in size.
 */
static int
weigh(struct node *n)
{
	size_t	 i;
	int	 w;

	switch (n->type) {
	case NODE_LEAF:
		return n->weight = 1;
	case NODE_NOT:
		return n->weight = weigh(n->kids[0]) + 2;
	default:
		break;
	}
	for (i = 0; i < n->nkids; i++)
		weigh(n->kids[i]);
	sort_kids(n);
	n->weight = 0;
	for (i = 0; i < n->nkids; i++) {
		w = n->kids[i]->weight + (i == 0 ? 1 : 3);
		if (w > n->weight)
			n->weight = w;
	}
	return n->weight;
}

static void
out_add(struct out *o, const char *s)
{
	size_t	 len = strlen(s);

	if (o->len + len + 1 > o->cap) {
		o->cap = (o->len + len + 1) * 2;
		o->s = xrealloc(o->s, o->cap);
	}
	memcpy(o->s + o->len, s, len + 1);
	o->len += len;
}

static void emit(struct out *, struct node *);

static void
emit_operand(struct out *o, struct node *n)
{
	if (n->type == NODE_AND || n->type == NODE_OR) {
		out_add(o, "(");
		emit(o, n);
		out_add(o, ")");
	} else
		emit(o, n);
}

/*
 * Writes kids joined by op as chains of at most CHAIN operands, longer
 * lists as nested groups, so that the SQL tree stays shallow.
 */
static void
emit_list(struct out *o, struct node **kids, size_t n, const char *op)
{
	size_t	 per, i, m;

	if (n <= CHAIN) {
		for (i = 0; i < n; i++) {
			if (i > 0)
				out_add(o, op);
			emit_operand(o, kids[i]);
		}
		return;
	}
	for (per = CHAIN; per * CHAIN < n; per *= CHAIN)
		continue;
	for (i = 0; i < n; i += per) {
		if (i > 0)
			out_add(o, op);
		m = n - i < per ? n - i : per;
		if (m == 1)
			emit_operand(o, kids[i]);
		else {
			out_add(o, "(");
			emit_list(o, kids + i, m, op);
			out_add(o, ")");
		}
	}
}

/* Appends n's SQL and moves its parameters to o, in '?' order. */
static void
emit(struct out *o, struct node *n)
{
	size_t	 i;

	switch (n->type) {
	case NODE_LEAF:
		out_add(o, n->sql);
		if (n == o->drive)
			o->drive_param = o->np + 1;
		for (i = 0; i < n->np; i++) {
			if (o->np == o->pcap) {
				o->pcap = o->pcap ? o->pcap * 2 : 16;
				o->params = xrealloc(o->params,
				    o->pcap * sizeof *o->params);
			}
			o->params[o->np++] = n->p[i];
		}
		n->np = 0;
		break;
	case NODE_NOT:
		out_add(o, "NOT (");
		emit(o, n->kids[0]);
		out_add(o, ")");
		break;
	case NODE_AND:
		emit_list(o, n->kids, n->nkids, " AND ");
		break;
	case NODE_OR:
		emit_list(o, n->kids, n->nkids, " OR ");
		break;
	}
}

/* ---- entry points ---- */

int
query_compile(const char *q, time_t now, struct query *out, char **errp)
{
	struct parser	 p;
	struct node	*root = NULL;
	struct out	 o;
	size_t		 i, len;
	int		 rc = -1;

	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	if (q == NULL)
		q = "";
	if ((len = strlen(q)) > QUERY_MAX) {
		seterr(errp, "query too long (%zu bytes, at most %d)", len,
		    QUERY_MAX);
		return -1;
	}
	p.q = q;
	p.now = now;
	p.errp = errp;
	if (lex(&p) == -1)
		goto done;
	if (p.toks[0].type == TOK_END) {
		seterr(errp, "empty query (use * for everything)");
		goto done;
	}
	if ((root = parse_or(&p, 0)) == NULL)
		goto done;
	if (peek(&p)->type != TOK_END) {	/* parse_and stops at ')' */
		seterr(errp, "unbalanced ')' at position %zu (no matching "
		    "'(')", query_column(&p, peek(&p)->pos));
		goto done;
	}
	merge_fts(root);
	weigh(root);
	/* A set every match is in: the query itself, or a term it ANDs. */
	if (is_fts(root))
		o.drive = root;
	else if (root->type == NODE_AND)
		for (i = 0; i < root->nkids && o.drive == NULL; i++)
			if (is_fts(root->kids[i]))
				o.drive = root->kids[i];
	emit(&o, root);
	out->drive = o.drive_param;
	out->where = o.s;
	out->params = o.params;
	out->nparams = o.np;
	out->server = p.server;
	out->nserver = p.nserver;
	out->scan = p.scan;
	p.server = NULL;
	p.nserver = 0;
	rc = 0;

done:
	query_node_free(root);
	for (i = 0; i < p.ntoks; i++) {
		free(p.toks[i].key);
		free(p.toks[i].value);
	}
	free(p.toks);
	for (i = 0; i < p.nserver; i++)
		free(p.server[i]);
	free(p.server);
	return rc;
}

void
query_free(struct query *q)
{
	size_t	 i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nparams; i++)
		free(q->params[i].s);
	free(q->params);
	free(q->where);
	for (i = 0; i < q->nserver; i++)
		free(q->server[i]);
	free(q->server);
	memset(q, 0, sizeof *q);
}
