/*
 * imap_list.c - the account's folders and their state: LIST and LSUB
 * (special-use roles, subscriptions) and STATUS of every folder
 * pipelined in one round trip, which is how a resync learns which
 * folders changed without opening any.  Run by the engine thread that
 * owns the session; part of the imap_ module with imap.c and
 * imap_cmd.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net.h"

/* SPECIAL-USE attributes (RFC 6154) and the roles tern gives them. */
static const struct {
	const char	*flag;
	const char	*role;
} imap_roles[] = {
	{ "Sent", "sent" }, { "Drafts", "drafts" }, { "Trash", "trash" },
	{ "Archive", "archive" }, { "Junk", "junk" }, { "All", "" },
};

void
imap_mailboxes_free(struct imap_mailbox *mb, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(mb[i].name);
	free(mb);
}

int
imap_list(struct imap_conn *c, struct imap_mailbox **out, size_t *np,
    char **errp)
{
	clist			*list = NULL, *lsub = NULL;
	clistiter		*it, *jt;
	struct mailimap_mailbox_list *ml;
	struct mailimap_mbx_list_oflag *of;
	struct imap_mailbox	*mb = NULL;
	size_t			 n = 0, i, k;
	int			 r;

	r = mailimap_list(c->imap, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR) {
		if (list != NULL)
			mailimap_list_result_free(list);
		return imap_fail(c, r, "LIST", errp);
	}
	mb = xcalloc(clist_count(list) + 1, sizeof *mb);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		ml = clist_content(it);
		if (ml->mb_name == NULL)
			continue;
		mb[n].name = xstrdup(ml->mb_name);
		mb[n].delim = (unsigned char)ml->mb_delimiter;
		if (strcasecmp(ml->mb_name, "INBOX") == 0)
			snprintf(mb[n].role, sizeof mb[n].role, "inbox");
		if (ml->mb_flag != NULL) {
			if (ml->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
			    ml->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
				mb[n].noselect = 1;
			for (jt = clist_begin(ml->mb_flag->mbf_oflags);
			    jt != NULL; jt = clist_next(jt)) {
				of = clist_content(jt);
				if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_NOINFERIORS)
					continue;
				if (of->of_flag_ext == NULL)
					continue;
				if (strcasecmp(of->of_flag_ext, "NonExistent") == 0 ||
				    strcasecmp(of->of_flag_ext, "Noselect") == 0)
					mb[n].noselect = 1;
				for (k = 0; k < sizeof imap_roles /
				    sizeof imap_roles[0]; k++)
					if (strcasecmp(of->of_flag_ext,
					    imap_roles[k].flag) == 0 &&
					    mb[n].role[0] == '\0')
						snprintf(mb[n].role,
						    sizeof mb[n].role, "%s",
						    imap_roles[k].role);
			}
		}
		n++;
	}
	mailimap_list_result_free(list);

	r = mailimap_lsub(c->imap, "", "*", &lsub);
	if (r != MAILIMAP_NO_ERROR) {
		if (lsub != NULL)
			mailimap_list_result_free(lsub);
		imap_mailboxes_free(mb, n);
		return imap_fail(c, r, "LSUB", errp);
	}
	for (it = clist_begin(lsub); it != NULL; it = clist_next(it)) {
		ml = clist_content(it);
		for (i = 0; i < n && ml->mb_name != NULL; i++)
			if (strcmp(mb[i].name, ml->mb_name) == 0)
				mb[i].subscribed = 1;
	}
	mailimap_list_result_free(lsub);
	*out = mb;
	*np = n;
	return 0;
}

/*
 * 1 if mb, the mailbox of a STATUS reply, names name.  libetpan keeps
 * the quotes of a quoted name there ("\"Old mail\"", check_net pins
 * it), so the quoted form is name too; INBOX is any case.
 */
static int
status_is_about(const char *mb, const char *name)
{
	char	*u = NULL, *o;
	size_t	 n = strlen(mb);
	int	 r;

	if (n >= 2 && mb[0] == '"' && mb[n - 1] == '"') {
		u = o = xmalloc(n);
		for (mb++, n -= 2; n > 0; mb++, n--) {
			if (*mb == '\\' && n > 1) {
				mb++;
				n--;
			}
			*o++ = *mb;
		}
		*o = '\0';
		mb = u;
	}
	r = strcmp(mb, name) == 0 || (strcasecmp(name, "INBOX") == 0 &&
	    strcasecmp(mb, "INBOX") == 0);
	free(u);
	return r;
}

/*
 * The STATUS reply st for mailbox name, into s.  0 unless it is about
 * name and has MESSAGES, UIDNEXT and UIDVALIDITY: `* STATUS "x" ()`
 * (libetpan leaves st_info_list NULL for "()") or a reply about another
 * mailbox is no answer, and the folder is then simply SELECTed.
 */
static int
status_fill(struct mailimap_mailbox_data_status *st, const char *name,
    struct imap_status *s)
{
	clistiter				*it;
	struct mailimap_status_info		*si;
	struct mailimap_condstore_status_info	*cs;
	unsigned				 have = 0;

	if (st->st_mailbox == NULL || !status_is_about(st->st_mailbox, name))
		return 0;
	if (st->st_info_list == NULL)
		return 0;
	for (it = clist_begin(st->st_info_list); it != NULL;
	    it = clist_next(it)) {
		si = clist_content(it);
		if (si == NULL)
			continue;
		switch (si->st_att) {
		case MAILIMAP_STATUS_ATT_MESSAGES:
			s->messages = si->st_value;
			have |= 1;
			break;
		case MAILIMAP_STATUS_ATT_UIDNEXT:
			s->uidnext = si->st_value;
			have |= 2;
			break;
		case MAILIMAP_STATUS_ATT_UIDVALIDITY:
			s->uidvalidity = si->st_value;
			have |= 4;
			break;
		case MAILIMAP_STATUS_ATT_UNSEEN:
			s->unseen = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_EXTENSION:
			if (si->st_ext_data != NULL &&
			    si->st_ext_data->ext_extension ==
			    &mailimap_extension_condstore) {
				cs = si->st_ext_data->ext_data;
				s->hms = cs->cs_highestmodseq_value;
			}
			break;
		}
	}
	return have == 7;
}

int
imap_status_many(struct imap_conn *c, char *const *names, size_t n,
    struct imap_status *out, char **errp)
{
	struct mailimap_response	*resp;
	struct mailimap_response_info	*ri;
	char				*q, *line;
	const char			*atts;
	size_t				 i;
	int				 r, first_tag, last_tag;

	atts = imap_has(c, "CONDSTORE") ?
	    "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)" :
	    "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)";
	/* All commands go out at once: one round trip for every folder. */
	first_tag = c->imap->imap_tag + 1;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		q = imap_quote(names[i]);
		line = xasprintf("STATUS %s %s\r\n", q, atts);
		free(q);
		r = mailimap_send_current_tag(c->imap);
		if (r == MAILIMAP_NO_ERROR && mailstream_write(
		    c->imap->imap_stream, line, strlen(line)) == -1)
			r = MAILIMAP_ERROR_STREAM;
		free(line);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "STATUS", errp);
	}
	if (mailstream_flush(c->imap->imap_stream) == -1)
		return imap_fail(c, MAILIMAP_ERROR_STREAM, "STATUS", errp);
	last_tag = c->imap->imap_tag;
	for (i = 0; i < n; i++) {
		if (mailimap_read_line(c->imap) == NULL)
			return imap_fail(c, MAILIMAP_ERROR_STREAM, "STATUS",
			    errp);
		/*
		 * libetpan checks each tagged reply against its last tag;
		 * with commands pipelined, say which one this answers.
		 */
		c->imap->imap_tag = first_tag + (int)i;
		r = mailimap_parse_response(c->imap, &resp);
		c->imap->imap_tag = last_tag;
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "STATUS", errp);
		if (resp->rsp_resp_done->rsp_type ==
		    MAILIMAP_RESP_DONE_TYPE_TAGGED &&
		    resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
		    rsp_type == MAILIMAP_RESP_COND_STATE_OK) {
			ri = c->imap->imap_response_info;
			if (ri != NULL && ri->rsp_status != NULL &&
			    !status_fill(ri->rsp_status, names[i], &out[i]))
				memset(&out[i], 0, sizeof out[i]);
			else if (ri != NULL && ri->rsp_status != NULL)
				out[i].ok = 1;
		} else if (resp->rsp_resp_done->rsp_type !=
		    MAILIMAP_RESP_DONE_TYPE_TAGGED) {
			mailimap_response_free(resp);
			return imap_fail(c, MAILIMAP_ERROR_PROTOCOL, "STATUS",
			    errp);
		}
		mailimap_response_free(resp);
	}
	return 0;
}
