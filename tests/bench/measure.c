/*
 * measure.c - runs a command and reports its wall time, CPU time and
 * peak RSS, for tests/bench/run.
 *
 *   measure REPORT-FILE command [args...]
 *
 * Writes one line to REPORT-FILE:
 *   seconds=S user=U sys=Y maxrss_kb=K status=N
 * and exits with the command's exit status (128+signal if killed).
 *
 * Why not Python's wait4()/RUSAGE_CHILDREN: Linux keeps the high-water
 * RSS of the address space a process had before execve() (the forked
 * copy of the caller), so a child of a large Python process reports the
 * Python process's RSS as its own peak.  Forked from this small
 * program, the command's peak is its own (to within this program's
 * ~1 MB).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct rusage	ru;
	FILE		*out;
	pid_t		 pid;
	double		 t0, t1;
	int		 status, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: measure report-file command [args...]\n");
		return 2;
	}
	t0 = now();
	if ((pid = fork()) == -1) {
		perror("measure: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR) {
			perror("measure: wait4");
			return 2;
		}
	t1 = now();
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "seconds=%.6f user=%.3f sys=%.3f maxrss_kb=%ld status=%d\n",
	    t1 - t0, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, rc);
	fclose(out);
	return rc;
}
