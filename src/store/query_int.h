/*
 * query_int.h - what the two halves of the search language share:
 * query.c (the lexer, the parser and the SQL it writes) and
 * query_keys.c (every KEY: term, and text).  Internal to src/store/;
 * like query_compile(), any thread.
 */
#ifndef TERN_QUERY_INT_H
#define TERN_QUERY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

enum tok_type {
	TOK_END, TOK_LP, TOK_RP, TOK_OR, TOK_AND, TOK_NOT, TOK_STAR, TOK_TERM
};

struct token {
	enum tok_type	 type;
	size_t		 pos;		/* byte offset in the query */
	char		*key;		/* TERM: lower case; NULL for text */
	char		*value;		/* TERM: unquoted, owned */
};

enum node_type { NODE_LEAF, NODE_AND, NODE_OR, NODE_NOT };

struct node {
	enum node_type	 type;
	const char	*sql;		/* LEAF: template, one '?' per param */
	struct query_param p[4];	/* LEAF: owned until emitted */
	size_t		 np;
	struct node	**kids;		/* AND, OR: two or more; NOT: one */
	size_t		 nkids;
	int		 weight;	/* parser stack the SQL needs */
};

/* One query_compile(); nothing in it outlives the call. */
struct parser {
	const char	*q;
	time_t		 now;
	struct token	*toks;
	size_t		 ntoks, tcap;
	size_t		 cur;
	char		**errp;
	char		**server;	/* server: values, once each */
	size_t		 nserver;
	int		 scan;		/* see struct query */
};

/* The set of ids the FTS5 query matches, read once (query_fts.c). */
#define FTS_IN	"tern_fts(?, m.id)"

/* query.c: errors and leaves. */
/* The 1-based character (not byte) position of byte off. */
size_t		 query_column(const struct parser *, size_t off);
/* User text shortened for an error message (cut at a character). */
char		*query_echo(const char *);
struct node	*query_leaf(const char *sql);
void		 query_node_free(struct node *);
void		 query_leaf_int(struct node *, int64_t);
void		 query_leaf_str(struct node *, const char *);

/* query_keys.c: a term (KEY:value or text) as a leaf; NULL and *errp. */
struct node	*query_term(struct parser *, const struct token *);

#endif
