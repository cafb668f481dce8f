/*
 * itest_push.c - drives a watching engine (ENGINE_WATCH, as the UI
 * does) for tests/integration/push.sh: prints every event with a
 * millisecond timestamp, and takes commands on standard input:
 * "open FOLDER" (engine_open_folder), "close" (no folder open).  End
 * of input stops the engine.  Main thread only; the engine runs its
 * own threads.
 *
 * usage: itest_push CONFIG ACCOUNT
 */
#include <sys/time.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "store.h"
#include "sync.h"

static const char *const names[] = {
	[EV_STATE] = "STATE", [EV_PROGRESS] = "PROGRESS",
	[EV_CHANGED] = "CHANGED", [EV_ERROR] = "ERROR", [EV_LOG] = "LOG",
	[EV_BODY_READY] = "BODY_READY", [EV_ASK] = "ASK",
	[EV_NEW_MAIL] = "NEW_MAIL", [EV_SEARCH_DONE] = "SEARCH_DONE",
	[EV_DONE] = "DONE", [EV_SENT] = "SENT", [EV_OUTBOX] = "OUTBOX"
};

static long long
now_ms(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Ends an event's line with the name of its folder, if it has one. */
static void
print_name(struct store *st, const struct engine_event *ev)
{
	struct store_folder	f;

	memset(&f, 0, sizeof f);
	if (ev->folder_id != 0 &&
	    store_folder_get_id(st, ev->folder_id, &f) == 0) {
		printf(" name=%s\n", f.name);
		store_folder_clear(&f);
	} else
		printf("\n");
}

/* One command line from the test script. */
static void
command(struct engine *e, struct store *st, char *line)
{
	struct store_folder	f;

	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "open ", 5) == 0) {
		memset(&f, 0, sizeof f);
		if (store_folder_get(st, line + 5, &f) != 0) {
			printf("NOFOLDER %s\n", line + 5);
			return;
		}
		printf("OPEN %lld %lld\n", now_ms(), (long long)f.id);
		engine_open_folder(e, f.id);
		store_folder_clear(&f);
	} else if (strcmp(line, "close") == 0)
		engine_open_folder(e, 0);
}

int
main(int argc, char *argv[])
{
	struct config		*cfg;
	struct account		*a;
	struct store		*st;
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd[2];
	char			*err = NULL, *dir, *secret, line[512];
	int			 done = 0, input = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: itest_push config account\n");
		return 2;
	}
	if ((cfg = config_load(argv[1], &err)) == NULL ||
	    (a = config_account(cfg, argv[2])) == NULL) {
		fprintf(stderr, "itest_push: %s\n", err ? err : "no account");
		return 2;
	}
	if (cfg->log_file != NULL &&
	    log_open(cfg->log_file, LOG_DEBUG, &err) == -1) {
		fprintf(stderr, "itest_push: %s\n", err);
		return 2;
	}
	tls_init();
	dir = config_data_dir(a->name);
	if ((st = store_open(a->name, dir, 1, &err)) == NULL) {
		fprintf(stderr, "itest_push: %s\n", err);
		return 1;
	}
	free(dir);
	if ((secret = auth_secret(a, 0, &err)) == NULL ||
	    (e = engine_start(a, secret, ENGINE_WATCH, &err)) == NULL) {
		fprintf(stderr, "itest_push: %s\n", err);
		return 1;
	}
	secret_free(secret);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pfd[0].fd = engine_event_fd(e);
	pfd[0].events = POLLIN;
	pfd[1].fd = 0;
	pfd[1].events = POLLIN;
	while (!done) {
		if (poll(pfd, input ? 2 : 1, -1) <= 0)
			continue;
		if (input && pfd[1].revents != 0) {
			if (fgets(line, sizeof line, stdin) == NULL) {
				input = 0;
				engine_stop(e);
			} else
				command(e, st, line);
		}
		while (engine_next_event(e, &ev)) {
			printf("%s %lld folder=%lld uid=%u ok=%d done=%llu "
			    "total=%llu text=%s", names[ev.type], now_ms(),
			    (long long)ev.folder_id, ev.uid, ev.ok,
			    (unsigned long long)ev.done,
			    (unsigned long long)ev.total, ev.text);
			print_name(st, &ev);
			if (ev.type == EV_DONE)
				done = 1;
		}
	}
	printf("JOIN %d\n", engine_join(e));
	store_close(st);
	config_free(cfg);
	return 0;
}
