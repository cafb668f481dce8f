/*
 * fuzz_query.c - libFuzzer target (make fuzz): the search query parser
 * (query.c, tern(1) SEARCH QUERIES).  Properties: no crash or sanitizer
 * report; a rejected query comes with an error, safe to print once
 * sanitized (as its callers print it);
 * an accepted one is valid SQL whose FTS5 strings are valid too: it
 * runs on an empty store (opened once, in /dev/shm when there is one)
 * without an error, so no query text reaches SQL or FTS5 syntax.
 * Single-threaded.
 */
#include <unistd.h>

#include "store.h"
#include "fuzz.h"

static struct store	*st;

static int
on_match(const struct store_msg *m, const struct store_folder *f, void *c)
{
	(void)m;
	(void)f;
	(void)c;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query	 q;
	char		*s, *e, *err = NULL;

	if (st == NULL) {
		char	 t[64];

		snprintf(t, sizeof t, "%s/tern-fuzz-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(t) == NULL ||
		    (st = store_open("fuzz", t, 0, &err)) == NULL) {
			fprintf(stderr, "store_open: %s\n", err ? err : "?");
			abort();
		}
	}
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (query_compile(s, 1700000000, &q, &err) == -1) {
		/* Callers print it through the sanitizer (say, ui_status). */
		FUZZ_ASSERT(err != NULL && *err != '\0',
		    "rejected without a reason");
		e = sanitize_for_display(err, strlen(err), 0);
		FUZZ_ASSERT(fuzz_printable(e, strlen(e), 0, 0),
		    "error not printable once sanitized");
		free(e);
		free(err);
	} else {
		FUZZ_ASSERT(q.where != NULL, "no SQL");
		FUZZ_ASSERT(query_run(st, &q, on_match, NULL, &err) >= 0,
		    "query \"%s\" -> SQL \"%s\" fails: %s", s, q.where,
		    err ? err : "?");
		query_free(&q);
	}
	free(s);
	return 0;
}
