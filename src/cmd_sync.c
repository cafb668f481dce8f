/*
 * cmd_sync.c - `tern sync [--watch] [account ...]`: starts one engine
 * per account (in parallel), shows their progress, and waits.  The
 * main thread; SIGINT and SIGTERM stop the engines cleanly through a
 * self-pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"
#include "store.h"
#include "sync.h"

struct running {
	struct account	*acct;		/* borrowed */
	struct engine	*engine;
	struct store	*store;		/* holds the account lock */
	int		 done;
	int		 failed;
	char		 line[640];	/* its progress, for the terminal */
	char		*error;		/* the first error */
	uint64_t	 done_msgs;
	time_t		 started;
	int		 wrote;		/* progress since the last checkpoint */
};

static int	sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	char	c = (char)sig;

	(void)!write(sig_pipe[1], &c, 1);
}

/* Redraws the live progress line (a terminal only). */
static void
draw(struct running *r, size_t n)
{
	struct winsize	 ws;
	char		*line = xstrdup(""), *t, *clean;
	size_t		 i, width = 80;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		width = ws.ws_col - 1;
	for (i = 0; i < n; i++) {
		if (r[i].acct == NULL)
			continue;
		t = xasprintf("%s%s%s: %s", line, *line ? " | " : "",
		    r[i].acct->name, r[i].line);
		free(line);
		line = t;
	}
	clean = sanitize_for_display(line, strlen(line), 0);
	if (strlen(clean) > width)
		clean[width] = '\0';
	printf("\r\033[K%s", clean);
	fflush(stdout);
	free(clean);
	free(line);
}

static void
handle(struct running *r, const struct engine_event *ev, int tty)
{
	double	secs;

	switch (ev->type) {
	case EV_STATE:
		snprintf(r->line, sizeof r->line, "%s", ev->text);
		if (!tty)
			log_msg(LOG_INFO, "%s: %s", r->acct->name, ev->text);
		break;
	case EV_PROGRESS:
		r->wrote = 1;
		secs = difftime(time(NULL), r->started);
		snprintf(r->line, sizeof r->line, "%s %llu/%llu (%.0f msg/s)",
		    ev->folder, (unsigned long long)ev->done,
		    (unsigned long long)ev->total,
		    secs > 0 ? (double)ev->done / secs : 0.0);
		if (!tty && ev->done == ev->total)
			out("%s: %s: %llu new messages", r->acct->name,
			    ev->folder, (unsigned long long)ev->total);
		break;
	case EV_ERROR:
		r->failed = 1;
		if (r->error == NULL)
			r->error = xstrdup(ev->text);
		if (tty)
			printf("\r\033[K");
		say("%s: %s", r->acct->name, ev->text);
		break;
	case EV_LOG:
		log_msg(LOG_INFO, "%s: %s", r->acct->name, ev->text);
		break;
	case EV_NEW_MAIL:	/* logged by the engine; the UI rings */
		break;
	case EV_SENT:
		if (tty)
			printf("\r\033[K");
		out("%s: %s", r->acct->name, ev->text);
		break;
	case EV_OUTBOX:
		break;
	case EV_DONE:
		r->done = 1;
		if (!ev->ok)
			r->failed = 1;
		snprintf(r->line, sizeof r->line, "%s",
		    ev->ok ? "done" : "failed");
		break;
	case EV_ASK:
		/* Not asked of a non-interactive engine; never left open. */
		engine_answer(r->engine, ev->uid, NULL);
		break;
	case EV_CHANGED:
	case EV_BODY_READY:
	case EV_SEARCH_DONE:
		break;
	}
}

int
cmd_sync(struct config *cfg, int argc, char **argv)
{
	struct running		*run;
	struct pollfd		*pfd;
	struct engine_event	 ev;
	struct sigaction	 sa, old_int, old_term;
	char			*secret, *err = NULL, *dir;
	size_t			 i, n = cfg->naccounts, left = 0;
	int			*selected, watch = 0, tty, failed = 0, ret = 0;
	char			 c;

	if (argc > 0 && strcmp(argv[0], "--watch") == 0) {
		watch = 1;
		argc--;
		argv++;
	}
	selected = xcalloc(n + 1, sizeof *selected);
	if (cmd_accounts(cfg, argc, argv, selected) == -1) {
		free(selected);
		return 2;
	}
	tty = isatty(STDOUT_FILENO);
	run = xcalloc(n + 1, sizeof *run);
	pfd = xcalloc(n + 1, sizeof *pfd);

	if (pipe(sig_pipe) == 0) {
		fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}

	for (i = 0; i < n; i++) {
		if (!selected[i])
			continue;
		run[i].acct = &cfg->accounts[i];
		run[i].started = time(NULL);
		/* The lock first: a second tern on this account stops here. */
		dir = config_data_dir(run[i].acct->name);
		run[i].store = dir ? store_open(run[i].acct->name, dir, 1, &err) :
		    NULL;
		free(dir);
		if (run[i].store == NULL) {
			say("%s: %s", run[i].acct->name, err ? err :
			    "no data directory");
			free(err);
			err = NULL;
			run[i].failed = run[i].done = 1;
			continue;
		}
		/* Prompts happen here, on the main thread, never in engines;
		 * a local Maildir account has no server and no secret. */
		secret = run[i].acct->type == ACCOUNT_MAILDIR ? NULL :
		    auth_secret(run[i].acct, isatty(STDIN_FILENO), &err);
		if (secret == NULL && run[i].acct->type != ACCOUNT_MAILDIR) {
			say("%s: %s", run[i].acct->name, err);
			free(err);
			err = NULL;
			run[i].failed = run[i].done = 1;
			continue;
		}
		run[i].engine = engine_start(run[i].acct, secret,
		    watch ? ENGINE_WATCH : ENGINE_ONCE, &err);
		secret_free(secret);
		if (run[i].engine == NULL) {
			say("%s: %s", run[i].acct->name, err);
			free(err);
			err = NULL;
			run[i].failed = run[i].done = 1;
			continue;
		}
		left++;
	}

	while (left > 0) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = run[i].engine != NULL && !run[i].done ?
			    engine_event_fd(run[i].engine) : -1;
			pfd[i].events = POLLIN;
		}
		pfd[n].fd = sig_pipe[0];
		pfd[n].events = POLLIN;
		if (poll(pfd, n + 1, 1000) == -1 && errno != EINTR)
			break;
		if (pfd[n].revents & POLLIN) {
			(void)!read(sig_pipe[0], &c, 1);
			for (i = 0; i < n; i++)
				if (run[i].engine != NULL && !run[i].done)
					engine_stop(run[i].engine);
		}
		for (i = 0; i < n; i++) {
			if (run[i].engine == NULL || run[i].done)
				continue;
			while (!run[i].done &&
			    engine_next_event(run[i].engine, &ev))
				handle(&run[i], &ev, tty);
			if (run[i].done)
				left--;
			/*
			 * The engine wrote rows: this idle thread copies them
			 * from the WAL into the index, instead of the writer
			 * stopping to, or the exit (a first sync: 40 MB).
			 */
			if (run[i].wrote && !run[i].done) {
				run[i].wrote = 0;
				(void)store_checkpoint(run[i].store);
			}
		}
		if (tty)
			draw(run, n);
	}
	if (tty)
		printf("\n");

	for (i = 0; i < n; i++) {
		if (run[i].engine != NULL && engine_join(run[i].engine) == -1)
			run[i].failed = 1;
		store_close(run[i].store);
		if (run[i].acct != NULL && run[i].failed) {
			failed++;
			say("%s: sync failed%s%s", run[i].acct->name,
			    run[i].error ? ": " : "",
			    run[i].error ? run[i].error : "");
		}
		free(run[i].error);
	}
	if (sig_pipe[0] != -1) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		close(sig_pipe[0]);
		close(sig_pipe[1]);
	}
	ret = failed ? 1 : 0;
	free(run);
	free(pfd);
	free(selected);
	return ret;
}
