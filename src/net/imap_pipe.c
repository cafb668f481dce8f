/*
 * imap_pipe.c - a first header sync of many folders with the commands
 * sent ahead of their replies.  Each folder is a SELECT and a UID
 * FETCH 1:* of the header fields; the next folder's two commands go
 * out while the current folder's reply is read, so the server goes
 * from one folder to the next without waiting a round trip for tern
 * (on 50 folders that wait was a tenth of a first sync).  Replies come
 * back in the order sent and are read by imap_fetch.c's lean parser.
 * Run by the thread that owns the session, which uses nothing else of
 * it until imap_pipe_close().
 *
 * A SELECT that fails leaves no folder selected (RFC 3501 6.3.1), so
 * the FETCH after it fails too; its messages, if a broken server sends
 * any, are not the folder's and are never handed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_lean.h"

#define PIPE_MAX	4	/* commands in flight: two folders */

enum pipe_kind { PIPE_SELECT, PIPE_FETCH };

struct imap_pipe {
	struct imap_conn		*c;
	struct reader			 rd;
	struct imap_fetch_scratch	*sc;
	char				*items;
	struct {
		char		 tag[24];
		enum pipe_kind	 kind;
	}				 q[PIPE_MAX];	/* in flight, oldest first */
	size_t				 head, n;
	int				 selected;	/* the last SELECT read
							   succeeded */
	struct imap_sel			 last;		/* and said this */
};

/* A folder name sent as a quoted string: printable ASCII only. */
int
imap_pipe_name_ok(const char *name)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return 1;
}

struct imap_pipe *
imap_pipe_open(struct imap_conn *c, const char *const *fields, char **errp)
{
	struct imap_pipe	*p;
	char			*items;

	if ((items = lean_items(c, fields)) == NULL) {
		seterr(errp, "UID FETCH: a header field name is not an atom");
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->c = c;
	p->items = items;
	p->sc = imap_fetch_scratch_new();
	reader_init(&p->rd, c);
	return p;
}

/* The command a kind stands for, in errors. */
static const char *
pipe_cmd(enum pipe_kind kind)
{
	return kind == PIPE_SELECT ? "SELECT" : "UID FETCH";
}

/* Sends the command text (tag prepended); -1 if the connection is lost. */
static int
pipe_send(struct imap_pipe *p, enum pipe_kind kind, const char *text,
    char **errp)
{
	mailstream	*s = p->c->imap->imap_stream;
	size_t		 k = (p->head + p->n) % PIPE_MAX;
	char		*line;
	int		 r;

	/* Numbered like libetpan's own tags, from the same counter. */
	snprintf(p->q[k].tag, sizeof p->q[k].tag, "%d",
	    ++p->c->imap->imap_tag);
	p->q[k].kind = kind;
	p->n++;
	line = xasprintf("%s %s\r\n", p->q[k].tag, text);
	r = mailstream_write(s, line, strlen(line));
	free(line);
	if (r == -1)
		return lean_fail(p->c, pipe_cmd(kind), "connection lost or "
		    "timed out", errp);
	return 0;
}

int
imap_pipe_send_folder(struct imap_pipe *p, const char *name, char **errp)
{
	char	*q, *text;
	int	 r;

	if (p->n + 2 > PIPE_MAX || !imap_pipe_name_ok(name)) {
		seterr(errp, "SELECT: cannot send %s ahead",
		    p->n + 2 > PIPE_MAX ? "a third folder" : "this name");
		return -1;
	}
	q = imap_quote(name);
	text = xasprintf("SELECT %s%s", q, imap_has(p->c, "CONDSTORE") ?
	    " (CONDSTORE)" : "");
	free(q);
	r = pipe_send(p, PIPE_SELECT, text, errp);
	free(text);
	if (r == -1)
		return -1;
	text = xasprintf("UID FETCH 1:* %s", p->items);
	r = pipe_send(p, PIPE_FETCH, text, errp);
	free(text);
	if (r == -1)
		return -1;
	if (mailstream_flush(p->c->imap->imap_stream) == -1)
		return lean_fail(p->c, "SELECT", "connection lost or timed "
		    "out", errp);
	return 0;
}

/* Keeps what a SELECT's untagged reply said. */
static void
pipe_code(struct imap_sel *sel, const struct imap_fetch_result *res)
{
	switch (res->code) {
	case IMAP_CODE_EXISTS:
		sel->exists = (uint32_t)res->num;
		break;
	case IMAP_CODE_UIDVALIDITY:
		sel->uidvalidity = (uint32_t)res->num;
		break;
	case IMAP_CODE_UIDNEXT:
		sel->uidnext = (uint32_t)res->num;
		break;
	case IMAP_CODE_HIGHESTMODSEQ:
		sel->hms = res->num;
		break;
	case IMAP_CODE_NOMODSEQ:
		sel->hms = 0;
		break;
	default:
		break;
	}
}

/*
 * Reads the reply to the oldest command, which must be of kind: a
 * SELECT's data into *sel, a FETCH's messages to cb (unless the SELECT
 * before it failed).  0 on OK, 1 if refused, -1 if the line is lost.
 */
static int
pipe_read(struct imap_pipe *p, enum pipe_kind kind, struct imap_sel *sel,
    imap_msg_cb cb, void *ctx, char **errp)
{
	struct imap_fetch_result	 res;
	const char			*cmd = pipe_cmd(kind);
	int				 stop = cb == NULL || !p->selected;

	/* Not what was sent: the session's state is unknown, drop it. */
	if (p->n == 0 || p->q[p->head].kind != kind)
		return lean_fail(p->c, cmd, "no such command in flight", errp);
	/* Lost already (a write failed): no reply is coming. */
	if (p->c->dead) {
		seterr(errp, "%s: connection lost", cmd);
		return -1;
	}
	for (;;) {
		switch (lean_next(&p->rd, cmd, p->q[p->head].tag, p->sc, &res,
		    errp)) {
		case IMAP_FETCH_OTHER:
			if (kind == PIPE_SELECT)
				pipe_code(sel, &res);
			break;
		case IMAP_FETCH_MSG:
			/*
			 * Only a FETCH's own, with the header: without it,
			 * it is another message's flags (the next pass
			 * sees them).
			 */
			if (kind == PIPE_FETCH && !stop && res.msg.uid != 0 &&
			    res.has_header && cb(&res.msg, ctx) != 0)
				stop = 1;
			break;
		case IMAP_FETCH_OK:
			p->head = (p->head + 1) % PIPE_MAX;
			p->n--;
			if (kind == PIPE_SELECT) {
				p->selected = 1;
				p->last = *sel;
			} else if (!p->selected) {
				seterr(errp, "UID FETCH: no folder is "
				    "selected");
				return 1;
			}
			return 0;
		case IMAP_FETCH_NO:
			p->head = (p->head + 1) % PIPE_MAX;
			p->n--;
			/* No folder is selected now (RFC 3501 6.3.1). */
			if (kind == PIPE_SELECT) {
				p->selected = 0;
				memset(sel, 0, sizeof *sel);
			}
			seterr(errp, "%s failed: %.*s", cmd,
			    (int)(res.textlen > 200 ? 200 : res.textlen),
			    res.text);
			return 1;
		default:
			return -1;
		}
	}
}

int
imap_pipe_read_select(struct imap_pipe *p, struct imap_sel *sel,
    char **errp)
{
	memset(sel, 0, sizeof *sel);
	return pipe_read(p, PIPE_SELECT, sel, NULL, NULL, errp);
}

int
imap_pipe_read_fetch(struct imap_pipe *p, imap_msg_cb cb, void *ctx,
    char **errp)
{
	return pipe_read(p, PIPE_FETCH, NULL, cb, ctx, errp);
}

int
imap_pipe_close(struct imap_pipe *p, char **errp)
{
	struct mailimap_selection_info	*si;
	struct imap_sel			 sel;
	char				*err = NULL;
	int				 r = 0;

	if (p == NULL)
		return 0;
	/* Replies still in flight are read and dropped. */
	while (p->n > 0 && r != -1 && !p->c->dead) {
		r = p->q[p->head].kind == PIPE_SELECT ?
		    imap_pipe_read_select(p, &sel, &err) :
		    imap_pipe_read_fetch(p, NULL, NULL, &err);
		if (r == -1)
			seterr(errp, "%s", err);
		free(err);
		err = NULL;
	}
	if (r != -1 && p->c->dead) {
		seterr(errp, "SELECT: connection lost");
		r = -1;
	} else if (r != -1) {
		r = 0;
		if (reader_unread(&p->rd) == -1)
			r = lean_fail(p->c, "UID FETCH", "too much unsolicited "
			    "data", errp);
	}
	if (r == 0) {
		/* libetpan's idea of the session, for the commands after. */
		if (p->c->imap->imap_selection_info != NULL)
			mailimap_selection_info_free(
			    p->c->imap->imap_selection_info);
		p->c->imap->imap_selection_info = NULL;
		if (p->selected && (si = mailimap_selection_info_new()) !=
		    NULL) {
			si->sel_uidvalidity = p->last.uidvalidity;
			si->sel_uidnext = p->last.uidnext;
			si->sel_exists = p->last.exists;
			p->c->imap->imap_selection_info = si;
		}
		p->c->imap->imap_state = p->selected ?
		    MAILIMAP_STATE_SELECTED : MAILIMAP_STATE_AUTHENTICATED;
	}
	reader_free(&p->rd);
	imap_fetch_scratch_free(p->sc);
	free(p->items);
	free(p);
	return r;
}
