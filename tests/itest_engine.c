/*
 * itest_engine.c - drives the engine API the terminal UI will use,
 * against the real Dovecot (run by tests/integration/engine.sh): one
 * pass with body requests, printing every event as a line the script
 * checks.  The main thread reads events exactly as the UI loop will.
 *
 * usage: itest_engine CONFIG ACCOUNT FOLDER UID...
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(int argc, char *argv[])
{
	struct config		*cfg;
	struct account		*a;
	struct store		*st;
	struct store_folder	 f;
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd;
	char			*err = NULL, *dir, *secret;
	int			 i, done = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: itest_engine config account folder "
		    "uid...\n");
		return 2;
	}
	if ((cfg = config_load(argv[1], &err)) == NULL ||
	    (a = config_account(cfg, argv[2])) == NULL) {
		fprintf(stderr, "itest_engine: %s\n", err ? err : "no account");
		return 2;
	}
	tls_init();
	dir = config_data_dir(a->name);
	if ((st = store_open(a->name, dir, 1, &err)) == NULL) {
		fprintf(stderr, "itest_engine: %s\n", err);
		return 1;
	}
	free(dir);
	memset(&f, 0, sizeof f);
	if (store_folder_get(st, argv[3], &f) != 0) {
		fprintf(stderr, "itest_engine: no folder %s\n", argv[3]);
		return 1;
	}
	if ((secret = auth_secret(a, 0, &err)) == NULL ||
	    (e = engine_start(a, secret, ENGINE_ONCE, &err)) == NULL) {
		fprintf(stderr, "itest_engine: %s\n", err);
		return 1;
	}
	secret_free(secret);
	/* Requests may be made at once: they wait for the connection. */
	for (i = 4; i < argc; i++)
		engine_fetch_body(e, f.id, (uint32_t)strtoul(argv[i], NULL, 10));
	pfd.fd = engine_event_fd(e);
	pfd.events = POLLIN;
	while (!done) {
		if (poll(&pfd, 1, 30000) <= 0) {
			printf("TIMEOUT\n");
			break;
		}
		while (engine_next_event(e, &ev)) {
			printf("%s folder=%lld uid=%u ok=%d done=%llu total=%llu "
			    "text=%s\n", names[ev.type], (long long)ev.folder_id,
			    ev.uid, ev.ok, (unsigned long long)ev.done,
			    (unsigned long long)ev.total, ev.text);
			if (ev.type == EV_DONE)
				done = 1;
		}
	}
	i = engine_join(e);
	store_folder_clear(&f);
	store_close(st);
	config_free(cfg);
	printf("JOIN %d\n", i);
	return 0;
}
