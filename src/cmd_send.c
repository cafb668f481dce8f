/*
 * cmd_send.c - `tern send`: a message on standard input into the
 * account's outbox, then submitted by the same engine code as the UI's
 * (ENGINE_SEND: SMTP, then Sent), with an exit status a script or git
 * send-email can trust.  Also the sendmail interface (-t, -i, -f) and
 * the outbox from the command line (--flush, --list, --retry,
 * --delete).  The main thread; the engine runs in its own.
 *
 * What becomes of the outbox copy: sent -> gone (saved to Sent first);
 * not sent (temporary failure) -> removed, exit 75, unless --queue-ok
 * keeps it queued (exit 0); refused (permanent) -> removed, exit 1;
 * possibly sent -> kept as "possibly sent", exit 1, never resent unless
 * the user says so (--retry).  A removed copy is one the caller still
 * has and was told (non-zero exit) was not sent: nothing is lost
 * silently, nothing is sent twice.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "mail.h"
#include "net.h"
#include "store.h"
#include "sync.h"

#define SEND_EX_USAGE	64
#define SEND_EX_TEMP	75	/* sysexits EX_TEMPFAIL: try again later */
#define SEND_MSG_MAX	(64 * 1024 * 1024)

static char *
read_stdin(size_t *lenp, char **errp)
{
	size_t	 len = 0, cap = 65536;
	char	*buf = xmalloc(cap);
	ssize_t	 n;

	for (;;) {
		if (len == cap) {
			if (cap >= SEND_MSG_MAX) {
				seterr(errp, "the message is larger than %d "
				    "MiB", SEND_MSG_MAX / 1024 / 1024);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(errp, "cannot read standard input: %s",
			    strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
}

/*
 * The account: -a, else the one whose from address is the message's
 * From address, else the first IMAP account.
 */
static struct account *
pick_account(struct config *cfg, const char *name, const char *msg,
    size_t len)
{
	char	*sender, **l;
	size_t	 i, n;
	struct account *a = NULL;

	if (name != NULL)
		return config_account(cfg, name);
	if (msg != NULL && (sender = envelope_sender(msg, len)) != NULL) {
		for (i = 0; i < cfg->naccounts && a == NULL; i++) {
			if (cfg->accounts[i].from == NULL)
				continue;
			l = NULL;
			n = 0;
			envelope_addrs(cfg->accounts[i].from, &l, &n);
			if (n > 0 && strcasecmp(l[0], sender) == 0)
				a = &cfg->accounts[i];
			envelope_free(l, n);
		}
		free(sender);
	}
	for (i = 0; i < cfg->naccounts && a == NULL; i++)
		if (cfg->accounts[i].type != ACCOUNT_MAILDIR)
			a = &cfg->accounts[i];
	return a;
}

/* Runs the engine in ENGINE_SEND mode to its end; its last error. */
static int
run_engine(struct account *a, const char *secret, char **lasterr)
{
	struct engine		*e;
	struct engine_event	 ev;
	struct pollfd		 pfd;
	char			*err = NULL;
	int			 done = 0;

	if ((e = engine_start(a, secret, ENGINE_SEND, &err)) == NULL) {
		*lasterr = err;
		return -1;
	}
	pfd.fd = engine_event_fd(e);
	pfd.events = POLLIN;
	while (!done) {
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			break;
		while (!done && engine_next_event(e, &ev)) {
			switch (ev.type) {
			case EV_ERROR:
				free(*lasterr);
				*lasterr = xstrdup(ev.text);
				log_msg(LOG_INFO, "%s: %s", a->name, ev.text);
				break;
			case EV_SENT:
				log_msg(LOG_INFO, "%s: %s", a->name, ev.text);
				break;
			case EV_ASK:
				engine_answer(e, ev.uid, NULL);
				break;
			case EV_DONE:
				done = 1;
				break;
			default:
				break;
			}
		}
	}
	return engine_join(e);
}

static int
list_outbox(const char *dir)
{
	struct outbox_entry	*o;
	size_t			 n, i;
	char			*err = NULL, *subj;

	if (outbox_list_dir(dir, &o, &n, &err) == -1) {
		say("%s", err);
		free(err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char	*f[5];
		char		*c;
		size_t		 k;

		subj = header_decode_text(o[i].subject, strlen(o[i].subject));
		f[0] = o[i].id;
		f[1] = outbox_state_name(o[i].state);
		f[2] = o[i].envelope != NULL ? o[i].envelope :
		    o[i].recipients;
		f[3] = subj;
		f[4] = o[i].reason;
		/* Each field sanitized (a tab inside becomes a space). */
		for (k = 0; k < 5; k++) {
			c = sanitize_for_display(f[k], strlen(f[k]), 0);
			printf("%s%s", c, k < 4 ? "\t" : "\n");
			free(c);
		}
		free(subj);
	}
	outbox_free(o, n);
	return 0;
}

/* What became of message id after the engine ran: the exit status. */
static int
report(const char *dir, const char *id, int queue_ok, const char *acct,
    const char *lasterr)
{
	struct outbox_entry	*o;
	size_t			 n, i;
	int			 rc = 0;
	char			*err = NULL;

	if (outbox_list_dir(dir, &o, &n, &err) == -1) {
		say("%s", err);
		free(err);
		return 1;
	}
	for (i = 0; i < n && strcmp(o[i].id, id) != 0; i++)
		;
	if (i == n) {
		outbox_free(o, n);
		return 0;		/* sent and saved */
	}
	switch (o[i].state) {
	case OUTBOX_SENT:
		say("sent; not saved to Sent yet (kept in %s's outbox until "
		    "it is): %s", acct, *o[i].reason ? o[i].reason :
		    lasterr ? lasterr : "?");
		break;
	case OUTBOX_QUEUED:
		if (queue_ok) {
			say("queued in %s's outbox (%s): %s", acct, id,
			    *o[i].reason ? o[i].reason : "not sent yet");
			break;
		}
		if (outbox_delete_dir(dir, id, NULL) == 0)
			say("not sent: %s", *o[i].reason ? o[i].reason :
			    lasterr ? lasterr : "?");
		else
			say("not sent (left in %s's outbox as %s): %s", acct,
			    id, o[i].reason);
		rc = SEND_EX_TEMP;
		break;
	case OUTBOX_FAILED:
		(void)outbox_delete_dir(dir, id, NULL);
		say("not sent: %s", o[i].reason);
		rc = 1;
		break;
	case OUTBOX_UNSURE:
		say("possibly sent (kept in %s's outbox as %s, not resent): "
		    "%s", acct, id, o[i].reason);
		rc = 1;
		break;
	case OUTBOX_SENDING:
		say("still being sent (%s); see tern send --list", id);
		rc = 1;
		break;
	}
	outbox_free(o, n);
	return rc;
}

static const char send_usage[] =
    "usage: tern send [-a account] [-t] [--queue-ok] [recipient ...] "
    "< message\n"
    "       tern send [-a account] --flush | --list | --retry ID | "
    "--delete ID\n";

int
cmd_send(struct config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "queue-ok", no_argument, NULL, 'Q' },
		{ "flush", no_argument, NULL, 'F' },
		{ "list", no_argument, NULL, 'L' },
		{ "retry", required_argument, NULL, 'R' },
		{ "delete", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 }
	};
	struct account	*a;
	struct store	*st = NULL;
	const char	*acct = NULL, *action_id = NULL;
	char		*msg = NULL, *err = NULL, *dir = NULL, *id = NULL;
	char		*secret = NULL, *lasterr = NULL, **rcpts = NULL;
	size_t		 len = 0, n = 0;
	int		 ch, t = 0, queue_ok = 0, action = 0, rc = 1, i, fd;

	optind = 1;
	opterr = 0;
	/* argv[0] is the first argument here: getopt wants a name. */
	argv--;
	argc++;
	while ((ch = getopt_long(argc, argv, "+a:tif:o:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			acct = optarg;
			break;
		case 't':
			t = 1;
			break;
		case 'i':	/* sendmail: a lone "." is no end: never is */
		case 'o':	/* -oi, -oem: sendmail options, nothing to do */
		case 'f':	/* the envelope sender is the From address */
			break;
		case 'Q':
			queue_ok = 1;
			break;
		case 'F':
		case 'L':
			action = ch;
			break;
		case 'R':
		case 'X':
			action = ch;
			action_id = optarg;
			break;
		default:
			fputs(send_usage, stderr);
			return SEND_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (action == 0) {
		if (isatty(STDIN_FILENO)) {
			say("send: reads the message on standard input");
			fputs(send_usage, stderr);
			return SEND_EX_USAGE;
		}
		if ((msg = read_stdin(&len, &err)) == NULL)
			goto fail;
		for (i = 0; i < argc; i++)
			envelope_addrs(argv[i], &rcpts, &n);
		if (t)
			envelope_rcpts(msg, len, &rcpts, &n);
		if (n == 0) {
			seterr(&err, "no recipients: name them as arguments, "
			    "or use -t to take To, Cc and Bcc");
			rc = SEND_EX_USAGE;
			goto fail;
		}
	} else if (argc > 0) {
		fputs(send_usage, stderr);
		return SEND_EX_USAGE;
	}
	if ((a = pick_account(cfg, acct, msg, len)) == NULL) {
		seterr(&err, acct != NULL ? "no account named %s" :
		    "no account to send from%s", acct != NULL ? acct : "");
		rc = 2;
		goto fail;
	}
	if (a->type == ACCOUNT_MAILDIR || a->smtp.host == NULL) {
		seterr(&err, "account %s has no smtp server to send with",
		    a->name);
		rc = 2;
		goto fail;
	}
	if ((dir = config_data_dir(a->name)) == NULL) {
		seterr(&err, "no data directory for account %s", a->name);
		goto fail;
	}
	if (mkdir_p(dir, 0700, &err) == -1)
		goto fail;
	if (action == 'L') {
		rc = list_outbox(dir);
		goto done;
	}

	/* One tern per account: a running one sends what is queued. */
	if ((fd = lock_acquire(dir, a->name, &err)) == -1) {
		if (action != 0 || !queue_ok ||
		    strstr(err, "in use") == NULL) {
			rc = SEND_EX_TEMP;
			goto fail;
		}
		free(err);
		err = NULL;
		if ((id = outbox_put_rcpts(dir, msg, len, rcpts, n,
		    &err)) == NULL)
			goto fail;
		say("queued in %s's outbox (%s): the tern running on this "
		    "account sends it", a->name, id);
		rc = 0;
		goto done;
	}
	if ((st = store_open(a->name, dir, 1, &err)) == NULL)
		goto fail;
	if (action == 'R' || action == 'X') {
		if ((action == 'R' ? outbox_retry_dir(dir, action_id, &err) :
		    outbox_delete_dir(dir, action_id, &err)) == -1)
			goto fail;
		if (action == 'X') {
			rc = 0;
			goto done;
		}
	}
	if (action == 0 && (id = outbox_put_rcpts(dir, msg, len, rcpts, n,
	    &err)) == NULL) {
		rc = 1;
		goto fail;
	}
	/* Standard input is the message: no prompt, ever. */
	if ((secret = auth_secret(a, 0, &err)) == NULL) {
		if (id != NULL && queue_ok) {
			say("queued in %s's outbox (%s): %s", a->name, id, err);
			rc = 0;
			goto done;
		}
		if (id != NULL)
			(void)outbox_delete_dir(dir, id, NULL);
		rc = 1;
		goto fail;
	}
	(void)run_engine(a, secret, &lasterr);
	secret_free(secret);
	secret = NULL;
	if (id != NULL)
		rc = report(dir, id, queue_ok, a->name, lasterr);
	else {
		/* --flush, --retry: anything left unsent says why. */
		struct outbox_entry	*o;
		size_t			 no, k;

		rc = 0;
		if (outbox_list_dir(dir, &o, &no, NULL) == 0) {
			for (k = 0; k < no; k++)
				if (o[k].state != OUTBOX_SENT) {
					say("%s: %s: %s", o[k].id,
					    outbox_state_name(o[k].state),
					    o[k].reason);
					/* A failure outweighs a wait. */
					if (o[k].state != OUTBOX_QUEUED)
						rc = 1;
					else if (rc == 0)
						rc = SEND_EX_TEMP;
				}
			outbox_free(o, no);
		}
	}
	goto done;
fail:
	say("send: %s", err != NULL ? err : "failed");
	if (rc == 0)
		rc = 1;
done:
	free(lasterr);
	secret_free(secret);
	store_close(st);
	envelope_free(rcpts, n);
	free(id);
	free(dir);
	free(err);
	free(msg);
	return rc;
}
