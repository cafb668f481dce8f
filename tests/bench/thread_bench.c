/*
 * thread_bench.c - how long thread_build() takes for a big folder:
 * 100,000 messages (or argv[1]) in threads of 1 to 60 messages, each
 * reply naming up to its 10 nearest ancestors in References, fed in
 * date order (as the store lists them) and then in random order, with
 * a few missing ids.  Prints the best of 5 runs of each, wall clock and
 * CPU time.  A report, not
 * a test; single-threaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"

static uint64_t rng_state = 42;

static unsigned
bench_rng(unsigned bound)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng_state >> 33) % bound;
}

static double
bench_now(clockid_t clock)
{
	struct timespec	 ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
bench_run(const struct thread_in *in, size_t n, struct thread_row *out,
    const char *what)
{
	double		 t0, c0, best = 1e9, cpu = 1e9, ms;
	int		 run;

	for (run = 0; run < 5; run++) {
		t0 = bench_now(CLOCK_MONOTONIC);
		c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
		if (thread_build(in, n, 1, out) != 0)
			return -1;
		ms = bench_now(CLOCK_MONOTONIC) - t0;
		if (ms < best)
			best = ms;
		ms = bench_now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (ms < cpu)
			cpu = ms;
	}
	/* CPU time too: the wall clock suffers on a busy machine. */
	printf("thread_build: %zu messages, %s: %.1f ms (%.1f ms CPU; best "
	    "of 5)\n", n, what, best, cpu);
	return 0;
}

int
main(int argc, char *argv[])
{
	size_t		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	struct thread_in *in = calloc(n, sizeof *in), tmp;
	struct thread_row *out = calloc(n, sizeof *out);
	char		(*ids)[24] = calloc(n, sizeof *ids);
	char		**refs = calloc(n, sizeof *refs);
	size_t		*par = calloc(n, sizeof *par), chain[10];
	size_t		 i, j, k, start, size, len, p;
	int		 order;

	if (in == NULL || out == NULL || ids == NULL || refs == NULL ||
	    par == NULL)
		return 1;
	for (start = 0; start < n; start += size) {
		size = 1 + bench_rng(60);
		if (size > n - start)
			size = n - start;
		for (i = start; i < start + size; i++) {
			snprintf(ids[i], sizeof ids[i], "%zu.%u@example.org",
			    i, bench_rng(1000000));
			in[i].message_id = ids[i];
			in[i].subject = "benchmark";
			in[i].date = (int64_t)(1700000000 + start * 7 +
			    (i - start) * 600);
			refs[i] = calloc(1, 10 * 26);
			if (refs[i] == NULL)
				return 1;
			/* A random earlier message of the thread is the
			 * parent; References: its 10 nearest ancestors,
			 * oldest first. */
			par[i] = i == start ? SIZE_MAX : start + bench_rng(
			    (unsigned)(i - start));
			for (k = 0, p = par[i]; p != SIZE_MAX && k < 10; k++) {
				chain[k] = p;
				p = par[p];
			}
			for (len = 0; k > 0; k--)
				len += (size_t)snprintf(refs[i] + len, 26,
				    "%s%s", len ? " " : "", ids[chain[k - 1]]);
			in[i].references = refs[i];
			in[i].in_reply_to = "";
			if (bench_rng(100) == 0)	/* missing id */
				in[i].message_id = "";
		}
	}
	for (order = 0; order < 2; order++) {
		if (order == 1) {
			for (i = n; i > 1; i--) {
				j = bench_rng((unsigned)i);
				tmp = in[i - 1];
				in[i - 1] = in[j];
				in[j] = tmp;
			}
		}
		if (bench_run(in, n, out, order ? "random order" :
		    "date order") == -1)
			return 1;
	}
	for (i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
	free(par);
	free(ids);
	free(out);
	free(in);
	return 0;
}
