/*
 * fuzz_folder_path.c - libFuzzer target (make fuzz): folder name (as a
 * server sends it in LIST) to cache path (folder.c, SECURITY.md test
 * 17).  The input holds names separated by NUL bytes.  Properties: the
 * path is one component inside the cache root (not empty, "." or
 * "..", no '/' or control character, valid UTF-8, bounded length), and
 * the mapping is injective: every name seen in this process is
 * remembered, and two different names with one path is a crash.
 * folder_display() of each name must be valid UTF-8.  Single-threaded.
 */
#include "store.h"
#include "fuzz.h"

#define SEEN_MAX	(1u << 16)	/* remembered names; then start over */

struct seen {
	char	*path;
	char	*name;
};
static struct seen	*seen;
static size_t		 nseen;

static uint64_t
hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Remembers name -> path; aborts if another name had this path. */
static void
remember(const char *name, const char *path)
{
	size_t	 i;

	if (seen == NULL)
		seen = xcalloc(2 * SEEN_MAX, sizeof *seen);
	if (nseen >= SEEN_MAX) {
		for (i = 0; i < 2 * SEEN_MAX; i++) {
			free(seen[i].path);
			free(seen[i].name);
		}
		memset(seen, 0, 2 * SEEN_MAX * sizeof *seen);
		nseen = 0;
	}
	for (i = hash(path) % (2 * SEEN_MAX); seen[i].path != NULL;
	    i = (i + 1) % (2 * SEEN_MAX)) {
		if (strcmp(seen[i].path, path) == 0) {
			FUZZ_ASSERT(strcmp(seen[i].name, name) == 0,
			    "names \"%s\" and \"%s\" share the path \"%s\"",
			    seen[i].name, name, path);
			return;
		}
	}
	seen[i].path = xstrdup(path);
	seen[i].name = xstrdup(name);
	nseen++;
}

static void
check(const char *name)
{
	char	*p, *d;
	size_t	 n;

	p = folder_path(name);
	FUZZ_ASSERT(p != NULL, "no path");
	n = strlen(p);
	FUZZ_ASSERT(n > 0 && n <= 255, "path length %zu", n);
	FUZZ_ASSERT(strcmp(p, ".") != 0 && strcmp(p, "..") != 0,
	    "path %s", p);
	FUZZ_ASSERT(strchr(p, '/') == NULL, "'/' in %s", p);
	FUZZ_ASSERT(fuzz_printable(p, n, 0, 0), "unsafe path");
	remember(name, p);
	free(p);
	d = folder_display(name);
	FUZZ_ASSERT(d != NULL, "no display name");
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, *s, *end;

	buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	for (s = buf; s <= end; s += strlen(s) + 1)
		check(s);
	free(buf);
	return 0;
}
