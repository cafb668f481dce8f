/*
 * itest_ask.c - drives an interactive engine (ENGINE_INTERACTIVE) the
 * way the terminal UI does, for tests/integration/ask.sh: the main
 * thread reads events, prints each as a line the script checks, and
 * answers the engine's questions (EV_ASK) as a scenario says.  The
 * engine runs in its own thread, as in tern.
 *
 * usage: itest_ask CONFIG ACCOUNT STEP...
 *   ask=password|trust   wait for that question (it becomes the current one)
 *   answer=TEXT          answer the current question with TEXT
 *   answer-env=VAR       ... with the value of $VAR (a password)
 *   dismiss              dismiss the current question
 *   state=TEXT           wait for an EV_STATE whose text starts with TEXT
 *   error                wait for an EV_ERROR
 *   quiet=MS             for MS ms, print QUIET, or NOISY if a question came
 *   wake                 engine_wake()
 *   exec=COMMAND         run COMMAND with sh -c; prints EXEC rc=N
 * Then the engine is stopped and joined ("JOIN rc").  A step that waits
 * more than 30 s prints TIMEOUT and ends the scenario.
 */
#include <sys/wait.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "store.h"
#include "sync.h"

#define ITEST_WAIT_MS	30000

static const char *const names[] = {
	[EV_STATE] = "STATE", [EV_PROGRESS] = "PROGRESS",
	[EV_CHANGED] = "CHANGED", [EV_ERROR] = "ERROR", [EV_LOG] = "LOG",
	[EV_BODY_READY] = "BODY_READY", [EV_ASK] = "ASK",
	[EV_NEW_MAIL] = "NEW_MAIL", [EV_SEARCH_DONE] = "SEARCH_DONE",
	[EV_DONE] = "DONE", [EV_SENT] = "SENT", [EV_OUTBOX] = "OUTBOX"
};

static struct engine	*the_engine;
static uint32_t		 the_question;	/* the id of the last EV_ASK */
static int		 the_end;	/* EV_DONE seen */

static void
itest_print(const struct engine_event *ev)
{
	printf("%s folder=%lld uid=%u ok=%d text=%s\n", names[ev->type],
	    (long long)ev->folder_id, ev->uid, ev->ok, ev->text);
	fflush(stdout);
	if (ev->type == EV_ASK)
		the_question = ev->uid;
	if (ev->type == EV_DONE)
		the_end = 1;
}

/*
 * Reads events for up to ms, printing each, until match() says one is
 * what is waited for: 1 then, 0 when the time ran out.
 */
static int
itest_wait(int ms, int (*match)(const struct engine_event *, const char *),
    const char *arg)
{
	struct engine_event	 ev;
	struct pollfd		 pfd;
	int64_t			 end = clock_us() + (int64_t)ms * 1000, left;

	pfd.fd = engine_event_fd(the_engine);
	pfd.events = POLLIN;
	for (;;) {
		while (engine_next_event(the_engine, &ev)) {
			itest_print(&ev);
			if (match != NULL && match(&ev, arg))
				return 1;
		}
		if (the_end || (left = (end - clock_us()) / 1000) <= 0)
			return 0;
		poll(&pfd, 1, (int)left);
	}
}

static int
match_ask(const struct engine_event *ev, const char *kind)
{
	return ev->type == EV_ASK && ev->ok == (strcmp(kind, "password") == 0 ?
	    ASK_PASSWORD : ASK_TRUST);
}

static int
match_state(const struct engine_event *ev, const char *prefix)
{
	return ev->type == EV_STATE &&
	    strncmp(ev->text, prefix, strlen(prefix)) == 0;
}

static int
match_error(const struct engine_event *ev, const char *unused)
{
	(void)unused;
	return ev->type == EV_ERROR;
}

static int
match_any_ask(const struct engine_event *ev, const char *unused)
{
	(void)unused;
	return ev->type == EV_ASK;
}

/* One step; 0 to go on, -1 to end the scenario. */
static int
itest_step(const char *step)
{
	const char	*v = strchr(step, '=');
	int		 ok = 1, rc;

	v = v != NULL ? v + 1 : "";
	printf("STEP %s\n", step);
	fflush(stdout);
	if (strncmp(step, "ask=", 4) == 0)
		ok = itest_wait(ITEST_WAIT_MS, match_ask, v);
	else if (strncmp(step, "answer=", 7) == 0)
		engine_answer(the_engine, the_question, v);
	else if (strncmp(step, "answer-env=", 11) == 0)
		engine_answer(the_engine, the_question,
		    getenv(v) != NULL ? getenv(v) : "");
	else if (strcmp(step, "dismiss") == 0)
		engine_answer(the_engine, the_question, NULL);
	else if (strncmp(step, "state=", 6) == 0)
		ok = itest_wait(ITEST_WAIT_MS, match_state, v);
	else if (strcmp(step, "error") == 0)
		ok = itest_wait(ITEST_WAIT_MS, match_error, NULL);
	else if (strncmp(step, "quiet=", 6) == 0) {
		printf("%s\n", itest_wait(atoi(v), match_any_ask, NULL) ?
		    "NOISY" : "QUIET");
	} else if (strcmp(step, "wake") == 0)
		engine_wake(the_engine);
	else if (strncmp(step, "exec=", 5) == 0) {
		fflush(stdout);
		rc = system(v);
		printf("EXEC rc=%d\n", rc == -1 ? -1 : WEXITSTATUS(rc));
	} else {
		printf("BADSTEP %s\n", step);
		ok = 0;
	}
	if (!ok)
		printf("TIMEOUT in %s\n", step);
	fflush(stdout);
	return ok ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct config	*cfg;
	struct account	*a;
	struct store	*st;
	char		*err = NULL, *dir, *secret;
	int		 i;

	if (argc < 3) {
		fprintf(stderr, "usage: itest_ask config account step...\n");
		return 2;
	}
	if ((cfg = config_load(argv[1], &err)) == NULL ||
	    (a = config_account(cfg, argv[2])) == NULL) {
		fprintf(stderr, "itest_ask: %s\n", err ? err : "no account");
		return 2;
	}
	tls_init();
	/* The account lock, as tern holds it. */
	dir = config_data_dir(a->name);
	if ((st = store_open(a->name, dir, 1, &err)) == NULL) {
		fprintf(stderr, "itest_ask: %s\n", err);
		return 1;
	}
	free(dir);
	/* As cmd_ui.c: no stored password means the engine asks. */
	secret = auth_secret_or_ask(a, &err);
	if (secret == NULL && err != NULL) {
		fprintf(stderr, "itest_ask: %s\n", err);
		return 1;
	}
	printf("SECRET %s\n", secret != NULL ? "given" : "none");
	the_engine = engine_start(a, secret, ENGINE_INTERACTIVE, &err);
	secret_free(secret);
	if (the_engine == NULL) {
		fprintf(stderr, "itest_ask: %s\n", err);
		return 1;
	}
	for (i = 3; i < argc; i++)
		if (itest_step(argv[i]) == -1)
			break;
	engine_stop(the_engine);
	itest_wait(ITEST_WAIT_MS, NULL, NULL);	/* up to EV_DONE */
	printf("JOIN %d\n", engine_join(the_engine));
	store_close(st);
	config_free(cfg);
	return 0;
}
