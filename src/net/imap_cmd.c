/*
 * imap_cmd.c - the IMAP commands sync needs, on an authenticated
 * session from imap.c (LIST and STATUS are in imap_list.c): SELECT
 * (with CONDSTORE, or QRESYNC in one round trip), UID SEARCH SINCE,
 * streamed UID FETCH, UID STORE, MOVE/COPY/EXPUNGE and APPEND.  Run by the engine thread
 * that owns the session.  Functions are prefixed imap_ like imap.c:
 * this file is the same module's command half.
 *
 * libetpan 1.9.4 workarounds used here (LIBETPAN.md): SELECT QRESYNC
 * is sent by hand (its own call drops the parentheses); FETCH results
 * are streamed through msg_att_handler, which needs a progress
 * callback set too; after a PARSE or STREAM error the session is dead.
 * Every reply reaches libetpan's parser only through the stream
 * driver's guard (imap_guard.c): it recurses without bound, allocates
 * whatever a literal announces and crashes on an empty [ALERT].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net.h"

#define IMAP_SET_MAX_RANGES	500	/* ranges per command line */

/* Ascending uids[from..] into a set of at most IMAP_SET_MAX_RANGES. */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n, size_t *used)
{
	struct mailimap_set	*set = mailimap_set_new_empty();
	size_t			 i = 0, ranges = 0, j;

	while (i < n && ranges < IMAP_SET_MAX_RANGES) {
		j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		mailimap_set_add_interval(set, uids[i], uids[j]);
		ranges++;
		i = j + 1;
	}
	*used = i;
	return set;
}

/* ---- FETCH streaming ---- */

struct fetch_ctx {
	imap_msg_cb	 cb;
	void		*ctx;
	int		 stop;
	size_t		 count;
	const uint32_t	*want;		/* the UIDs asked for, ascending; */
	size_t		 nwant;		/* NULL: any (SELECT's changes) */
};

static unsigned
flag_bits(struct mailimap_msg_att_dynamic *dyn, char **kw)
{
	clistiter		*it;
	struct mailimap_flag_fetch *ff;
	struct mailimap_flag	*f;
	unsigned		 bits = 0;
	char			*t;

	*kw = xstrdup("");
	if (dyn == NULL || dyn->att_list == NULL)
		return 0;
	for (it = clist_begin(dyn->att_list); it != NULL; it = clist_next(it)) {
		ff = clist_content(it);
		if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER || ff->fl_flag == NULL)
			continue;
		f = ff->fl_flag;
		switch (f->fl_type) {
		case MAILIMAP_FLAG_ANSWERED:
			bits |= FLAG_ANSWERED;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			bits |= FLAG_FLAGGED;
			break;
		case MAILIMAP_FLAG_DELETED:
			bits |= FLAG_DELETED;
			break;
		case MAILIMAP_FLAG_SEEN:
			bits |= FLAG_SEEN;
			break;
		case MAILIMAP_FLAG_DRAFT:
			bits |= FLAG_DRAFT;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (f->fl_data.fl_keyword == NULL)
				break;
			t = xasprintf("%s%s%s", *kw, **kw ? " " : "",
			    f->fl_data.fl_keyword);
			free(*kw);
			*kw = t;
			break;
		default:
			break;
		}
	}
	return bits;
}

static int64_t
date_time_utc(const struct mailimap_date_time *d)
{
	int	zone = d->dt_zone, sign = zone < 0 ? -1 : 1;
	int	off;

	zone *= sign;
	off = sign * ((zone / 100) * 3600 + (zone % 100) * 60);
	return epoch_utc(d->dt_year, d->dt_month, d->dt_day, d->dt_hour,
	    d->dt_min, d->dt_sec) - off;
}

static void
fetch_handler(struct mailimap_msg_att *att, void *arg)
{
	struct fetch_ctx		*fc = arg;
	struct imap_msg			 m;
	clistiter			*it;
	struct mailimap_msg_att_item	*item;
	struct mailimap_msg_att_static	*st;
	struct mailimap_extension_data	*ext;
	char				*kw = NULL;

	if (fc->stop)
		return;
	memset(&m, 0, sizeof m);
	for (it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
		item = clist_content(it);
		switch (item->att_type) {
		case MAILIMAP_MSG_ATT_ITEM_DYNAMIC:
			free(kw);
			m.flags = flag_bits(item->att_data.att_dyn, &kw);
			m.has_flags = 1;
			break;
		case MAILIMAP_MSG_ATT_ITEM_STATIC:
			st = item->att_data.att_static;
			switch (st->att_type) {
			case MAILIMAP_MSG_ATT_UID:
				m.uid = st->att_data.att_uid;
				break;
			case MAILIMAP_MSG_ATT_INTERNALDATE:
				if (st->att_data.att_internal_date != NULL)
					m.internaldate = date_time_utc(
					    st->att_data.att_internal_date);
				break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE:
				m.size = st->att_data.att_rfc822_size;
				break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				if (st->att_data.att_body_section == NULL)
					break;
				if (st->att_data.att_body_section->sec_section !=
				    NULL &&
				    st->att_data.att_body_section->sec_section->
				    sec_spec != NULL) {
					m.header = st->att_data.att_body_section->
					    sec_body_part;
					m.header_len = st->att_data.
					    att_body_section->sec_length;
				} else {
					m.body = st->att_data.att_body_section->
					    sec_body_part;
					m.body_len = st->att_data.
					    att_body_section->sec_length;
				}
				break;
			default:
				break;
			}
			break;
		case MAILIMAP_MSG_ATT_ITEM_EXTENSION:
			ext = item->att_data.att_extension_data;
			if (ext != NULL && ext->ext_extension ==
			    &mailimap_extension_condstore && ext->ext_type ==
			    MAILIMAP_CONDSTORE_TYPE_FETCH_DATA)
				m.modseq = ((struct
				    mailimap_condstore_fetch_mod_resp *)
				    ext->ext_data)->cs_modseq_value;
			break;
		}
	}
	m.keywords = kw != NULL ? kw : "";
	/*
	 * A FETCH without a UID (unsolicited flags), UID 0 or a UID not
	 * asked for is ignored: stored, it would be a phantom message (the
	 * next sync picks up what really changed).
	 */
	if (m.uid != 0 && (fc->want == NULL || bsearch(&m.uid, fc->want,
	    fc->nwant, sizeof *fc->want, imap_uid_cmp) != NULL) &&
	    fc->cb(&m, fc->ctx) != 0)
		fc->stop = 1;
	fc->count++;
	free(kw);
}

static void
fetch_progress(size_t cur, size_t max, void *ctx)
{
	(void)cur;
	(void)max;
	(void)ctx;
}

static struct mailimap_fetch_type *
fetch_type(struct imap_conn *c, int what, const char *const *fields)
{
	struct mailimap_fetch_type	*ft;
	clist				*hdrs;
	size_t				 i;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	if (imap_has(c, "CONDSTORE"))
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_modseq());
	if (what & IMAP_FETCH_HEADERS) {
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_internaldate());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_rfc822_size());
		hdrs = clist_new();
		for (i = 0; fields[i] != NULL; i++)
			clist_append(hdrs, xstrdup(fields[i]));
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_body_peek_section(
		    mailimap_section_new_header_fields(
		    mailimap_header_list_new(hdrs))));
	}
	if (what & IMAP_FETCH_BODY)
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_body_peek_section(
		    mailimap_section_new(NULL)));
	return ft;
}

int
imap_fetch(struct imap_conn *c, const uint32_t *uids, size_t n, int what,
    const char *const *fields, uint64_t changedsince, imap_msg_cb cb,
    void *ctx, char **errp)
{
	struct fetch_ctx		 fc;
	struct mailimap_fetch_type	*ft;
	struct mailimap_set		*set;
	clist				*result;
	uint32_t			*sorted = NULL;
	size_t				 done = 0, used, i;
	int				 r = MAILIMAP_NO_ERROR;

	/*
	 * Ascending, so that a FETCH of a UID not asked for is known
	 * (bsearch) and uid_set makes ranges; every caller sorts already.
	 */
	for (i = 1; i < n; i++)
		if (uids[i - 1] >= uids[i])
			break;
	if (i < n) {
		sorted = xcalloc(n, sizeof *sorted);
		memcpy(sorted, uids, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, imap_uid_cmp);
		uids = sorted;
	}
	/* The header sync moves the most bytes: the lean reader. */
	if (what == IMAP_FETCH_HEADERS && changedsince == 0 &&
	    fields != NULL) {
		r = imap_fetch_headers(c, uids, n, fields, cb, ctx, errp);
		free(sorted);
		return r;
	}
	memset(&fc, 0, sizeof fc);
	fc.cb = cb;
	fc.ctx = ctx;
	mailimap_set_msg_att_handler(c->imap, fetch_handler, &fc);
	/* The handler is ignored unless a progress callback is set too. */
	mailimap_set_progress_callback(c->imap, NULL, fetch_progress, &fc);
	while (done < n && !fc.stop) {
		set = uid_set(uids + done, n - done, &used);
		fc.want = uids + done;
		fc.nwant = used;
		ft = fetch_type(c, what, fields);
		result = NULL;
		if (changedsince > 0)
			r = mailimap_uid_fetch_changedsince(c->imap, set, ft,
			    changedsince, &result);
		else
			r = mailimap_uid_fetch(c->imap, set, ft, &result);
		mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		if (r == MAILIMAP_NO_ERROR && result != NULL)
			mailimap_fetch_list_free(result);
		if (r != MAILIMAP_NO_ERROR)
			break;
		done += used;
	}
	mailimap_set_msg_att_handler(c->imap, NULL, NULL);
	mailimap_set_progress_callback(c->imap, NULL, NULL, NULL);
	free(sorted);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID FETCH", errp);
	return 0;
}

int
imap_uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
imap_search_since(struct imap_conn *c, int64_t since, uint32_t min_uid,
    uint32_t **uidsp, size_t *np, char **errp)
{
	struct mailimap_search_key	*key, *all;
	clist				*res = NULL;
	clistiter			*it;
	uint32_t			*uids;
	size_t				 n = 0;
	time_t				 t = (time_t)since;
	struct tm			 tm;
	int				 r;

	if (since > 0) {
		gmtime_r(&t, &tm);
		key = mailimap_search_key_new_since(mailimap_date_new(tm.tm_mday,
		    tm.tm_mon + 1, tm.tm_year + 1900));
	} else
		key = mailimap_search_key_new_all();
	if (min_uid > 1) {
		/* UID n:* AND the window: only what can be new. */
		all = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(all, key);
		mailimap_search_key_multiple_add(all,
		    mailimap_search_key_new_uid(mailimap_set_new_interval(
		    min_uid, 0)));
		key = all;
	}
	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return imap_fail(c, r, "UID SEARCH", errp);
	}
	uids = xcalloc(clist_count(res) + 1, sizeof *uids);
	/* UID 0 is never valid; "n:*" also matches the last UID below n. */
	for (it = clist_begin(res); it != NULL; it = clist_next(it))
		if (*(uint32_t *)clist_content(it) != 0 &&
		    *(uint32_t *)clist_content(it) >= min_uid)
			uids[n++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(res);
	qsort(uids, n, sizeof *uids, imap_uid_cmp);
	*uidsp = uids;
	*np = n;
	return 0;
}

/*
 * UID SEARCH with key (freed here) in the selected folder, charset NULL
 * or "UTF-8": the UIDs found, sorted.
 */
static int
uid_search(struct imap_conn *c, const char *charset,
    struct mailimap_search_key *key, const char *what, uint32_t **uidsp,
    size_t *np, char **errp)
{
	clist		*res = NULL;
	clistiter	*it;
	uint32_t	*uids;
	size_t		 n = 0;
	int		 r;

	r = mailimap_uid_search(c->imap, charset, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return imap_fail(c, r, what, errp);
	}
	uids = xcalloc(clist_count(res) + 1, sizeof *uids);
	for (it = clist_begin(res); it != NULL; it = clist_next(it))
		if (*(uint32_t *)clist_content(it) != 0)
			uids[n++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(res);
	qsort(uids, n, sizeof *uids, imap_uid_cmp);
	*uidsp = uids;
	*np = n;
	return 0;
}

/*
 * UID SEARCH CHARSET UTF-8 TEXT text: the messages whose header or body
 * has text (the server decides how).  libetpan sends text as a quoted
 * string or a literal as it needs.
 */
int
imap_search_text(struct imap_conn *c, const char *text, uint32_t **uidsp,
    size_t *np, char **errp)
{
	return uid_search(c, "UTF-8", mailimap_search_key_new_text(
	    xstrdup(text)), "UID SEARCH", uidsp, np, errp);
}

int
imap_search_header(struct imap_conn *c, const char *field, const char *value,
    uint32_t **uidsp, size_t *np, char **errp)
{
	return uid_search(c, NULL, mailimap_search_key_new_header(
	    xstrdup(field), xstrdup(value)), "UID SEARCH HEADER", uidsp, np,
	    errp);
}

/* ---- SELECT ---- */

/* Collects VANISHED uids and HIGHESTMODSEQ from the extension list. */
static void
select_extensions(struct imap_conn *c, struct imap_sel *sel)
{
	struct mailimap_response_info		*ri = c->imap->imap_response_info;
	clistiter				*it, *jt;
	struct mailimap_extension_data		*ext;
	struct mailimap_qresync_vanished	*v;
	struct mailimap_condstore_resptextcode	*rc;
	struct mailimap_set_item		*si;
	uint32_t				 u;

	if (ri == NULL || ri->rsp_extension_list == NULL)
		return;
	for (it = clist_begin(ri->rsp_extension_list); it != NULL;
	    it = clist_next(it)) {
		ext = clist_content(it);
		if (ext->ext_extension == &mailimap_extension_qresync &&
		    ext->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED) {
			v = ext->ext_data;
			if (v == NULL || v->qr_known_uids == NULL)
				continue;
			for (jt = clist_begin(v->qr_known_uids->set_list);
			    jt != NULL; jt = clist_next(jt)) {
				si = clist_content(jt);
				/* Bounded: a hostile 1:4294967295 is capped. */
				for (u = si->set_first; u != 0 &&
				    u <= si->set_last &&
				    sel->nvanished < IMAP_VANISHED_MAX; u++) {
					sel->vanished = xrealloc(sel->vanished,
					    (sel->nvanished + 1) *
					    sizeof *sel->vanished);
					sel->vanished[sel->nvanished++] = u;
					if (u == UINT32_MAX)
						break;
				}
			}
		} else if (ext->ext_extension ==
		    &mailimap_extension_condstore && ext->ext_type ==
		    MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE) {
			rc = ext->ext_data;
			if (rc != NULL && rc->cs_type ==
			    MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
				sel->hms = rc->cs_data.cs_modseq_value;
		}
	}
}

int
imap_enable_qresync(struct imap_conn *c, char **errp)
{
	struct mailimap_capability_data	*want, *got = NULL;
	clist				*l;
	int				 r;

	if (c->qresync || !imap_has(c, "QRESYNC"))
		return 0;
	l = clist_new();
	clist_append(l, mailimap_capability_new(MAILIMAP_CAPABILITY_NAME,
	    NULL, xstrdup("QRESYNC")));
	want = mailimap_capability_data_new(l);
	r = mailimap_enable(c->imap, want, &got);
	mailimap_capability_data_free(want);
	if (got != NULL)
		mailimap_capability_data_free(got);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "ENABLE QRESYNC", errp);
	c->qresync = 1;
	return 0;
}

void
imap_sel_clear(struct imap_sel *sel)
{
	free(sel->vanished);
	memset(sel, 0, sizeof *sel);
}

int
imap_select(struct imap_conn *c, const char *name, uint32_t uidvalidity,
    uint64_t hms, struct imap_sel *sel, imap_msg_cb cb, void *ctx,
    char **errp)
{
	struct mailimap_selection_info	*si;
	struct fetch_ctx		 fc;
	char				*q, *cmd;
	uint64_t			 ms = 0;
	int				 r;

	memset(sel, 0, sizeof *sel);
	if (c->qresync && uidvalidity != 0 && hms != 0) {
		/*
		 * One round trip: SELECT "box" (QRESYNC (uv ms)) by hand;
		 * mailimap_select_qresync drops the parentheses.
		 */
		memset(&fc, 0, sizeof fc);
		fc.cb = cb;
		fc.ctx = ctx;
		q = imap_quote(name);
		cmd = xasprintf("SELECT %s (QRESYNC (%u %llu))", q, uidvalidity,
		    (unsigned long long)hms);
		free(q);
		if (c->imap->imap_selection_info != NULL)
			mailimap_selection_info_free(
			    c->imap->imap_selection_info);
		c->imap->imap_selection_info = mailimap_selection_info_new();
		mailimap_set_msg_att_handler(c->imap, fetch_handler, &fc);
		mailimap_set_progress_callback(c->imap, NULL, fetch_progress,
		    &fc);
		r = mailimap_custom_command(c->imap, cmd);
		mailimap_set_msg_att_handler(c->imap, NULL, NULL);
		mailimap_set_progress_callback(c->imap, NULL, NULL, NULL);
		free(cmd);
		if (r != MAILIMAP_NO_ERROR) {
			c->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
			return imap_fail(c, r, "SELECT", errp);
		}
		c->imap->imap_state = MAILIMAP_STATE_SELECTED;
		select_extensions(c, sel);
		sel->qresync = 1;
	} else if (imap_has(c, "CONDSTORE")) {
		r = mailimap_select_condstore(c->imap, name, &ms);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "SELECT", errp);
		sel->hms = ms;
	} else {
		r = mailimap_select(c->imap, name);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "SELECT", errp);
	}
	si = c->imap->imap_selection_info;
	if (si != NULL) {
		sel->uidvalidity = si->sel_uidvalidity;
		sel->uidnext = si->sel_uidnext;
		sel->exists = si->sel_exists;
	}
	return 0;
}

/* ---- changes ---- */

static struct mailimap_flag_list *
flag_list(unsigned flags)
{
	struct mailimap_flag_list	*fl = mailimap_flag_list_new_empty();

	if (flags & FLAG_SEEN)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	if (flags & FLAG_ANSWERED)
		mailimap_flag_list_add(fl, mailimap_flag_new_answered());
	if (flags & FLAG_FLAGGED)
		mailimap_flag_list_add(fl, mailimap_flag_new_flagged());
	if (flags & FLAG_DELETED)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	if (flags & FLAG_DRAFT)
		mailimap_flag_list_add(fl, mailimap_flag_new_draft());
	return fl;
}

int
imap_store(struct imap_conn *c, const uint32_t *uids, size_t n, int add,
    unsigned flags, char **errp)
{
	struct mailimap_set		*set;
	struct mailimap_store_att_flags	*sa;
	size_t				 done = 0, used;
	int				 r;

	if (flags == 0)
		return 0;
	while (done < n) {
		set = uid_set(uids + done, n - done, &used);
		sa = add ? mailimap_store_att_flags_new_add_flags_silent(
		    flag_list(flags)) :
		    mailimap_store_att_flags_new_remove_flags_silent(
		    flag_list(flags));
		r = mailimap_uid_store(c->imap, set, sa);
		mailimap_store_att_flags_free(sa);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "UID STORE", errp);
		done += used;
	}
	return 0;
}

/*
 * EXPUNGE without UIDPLUS (no UID EXPUNGE) would also remove messages
 * another client marked \Deleted but has not expunged yet (SECURITY.md
 * #42).  So theirs lose \Deleted for the moment of the EXPUNGE and get
 * it back after, also when the EXPUNGE failed.
 */
static int
expunge_plain(struct imap_conn *c, const uint32_t *uids, size_t n,
    char **errp)
{
	uint32_t	*del = NULL, *others, *mine;
	size_t		 ndel = 0, nothers = 0, i;
	int		 r, ret = 0;

	if (uid_search(c, NULL, mailimap_search_key_new(
	    MAILIMAP_SEARCH_KEY_DELETED, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL,
	    NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL),
	    "UID SEARCH DELETED", &del, &ndel, errp) == -1)
		return -1;
	mine = xcalloc(n + 1, sizeof *mine);
	memcpy(mine, uids, n * sizeof *mine);
	qsort(mine, n, sizeof *mine, imap_uid_cmp);
	others = xcalloc(ndel + 1, sizeof *others);
	for (i = 0; i < ndel; i++)
		if (bsearch(&del[i], mine, n, sizeof *mine,
		    imap_uid_cmp) == NULL)
			others[nothers++] = del[i];
	free(mine);
	free(del);
	if (nothers > 0 && imap_store(c, others, nothers, 0, FLAG_DELETED,
	    errp) == -1) {
		free(others);
		return -1;
	}
	if ((r = mailimap_expunge(c->imap)) != MAILIMAP_NO_ERROR)
		ret = imap_fail(c, r, "EXPUNGE", errp);
	if (nothers > 0 && !c->dead && imap_store(c, others, nothers, 1,
	    FLAG_DELETED, ret == -1 ? NULL : errp) == -1)
		ret = -1;
	free(others);
	return ret;
}

int
imap_expunge(struct imap_conn *c, const uint32_t *uids, size_t n,
    char **errp)
{
	struct mailimap_set	*set;
	size_t			 done = 0, used;
	int			 r;

	if (imap_store(c, uids, n, 1, FLAG_DELETED, errp) == -1)
		return -1;
	if (!imap_has(c, "UIDPLUS"))
		return expunge_plain(c, uids, n, errp);
	while (done < n) {
		set = uid_set(uids + done, n - done, &used);
		r = mailimap_uid_expunge(c->imap, set);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "UID EXPUNGE", errp);
		done += used;
	}
	return 0;
}

int
imap_copy(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *target, int move, char **errp)
{
	struct mailimap_set	*set;
	size_t			 done = 0, used;
	int			 r, created = 0;

	if (move && !imap_has(c, "MOVE")) {
		/* COPY, then \Deleted and UID EXPUNGE of just these. */
		if (imap_copy(c, uids, n, target, 0, errp) == -1)
			return -1;
		return imap_expunge(c, uids, n, errp);
	}
	while (done < n) {
		set = uid_set(uids + done, n - done, &used);
		r = move ? mailimap_uid_move(c->imap, set, target) :
		    mailimap_uid_copy(c->imap, set, target);
		/*
		 * NO [TRYCREATE] (RFC 3501 6.4.7): the folder is not there
		 * yet (an archive folder of a new year, say).  Create it,
		 * subscribe to it, and try once more.
		 */
		if ((r == MAILIMAP_ERROR_UID_MOVE ||
		    r == MAILIMAP_ERROR_UID_COPY) && !created &&
		    c->imap->imap_response_info != NULL &&
		    c->imap->imap_response_info->rsp_trycreate) {
			created = 1;
			if (mailimap_create(c->imap, target) ==
			    MAILIMAP_NO_ERROR) {
				(void)mailimap_subscribe(c->imap, target);
				log_msg(LOG_INFO, "imap: created folder %s for "
				    "a %s", target, move ? "move" : "copy");
				r = move ? mailimap_uid_move(c->imap, set,
				    target) : mailimap_uid_copy(c->imap, set,
				    target);
			}
		}
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, move ? "UID MOVE" : "UID COPY",
			    errp);
		done += used;
	}
	return 0;
}

int
imap_append(struct imap_conn *c, const char *mailbox, unsigned flags,
    const char *data, size_t len, uint32_t *uidp, char **errp)
{
	struct mailimap_flag_list	*fl = flag_list(flags);
	uint32_t			 uidv = 0, uid = 0;
	int				 r;

	if (imap_has(c, "UIDPLUS"))
		r = mailimap_uidplus_append(c->imap, mailbox, fl, NULL, data,
		    len, &uidv, &uid);
	else
		r = mailimap_append(c->imap, mailbox, fl, NULL, data, len);
	mailimap_flag_list_free(fl);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "APPEND", errp);
	if (uidp != NULL)
		*uidp = uid;
	return 0;
}

int
imap_has_msgid(struct imap_conn *c, const char *mailbox, const char *msgid,
    char **errp)
{
	struct mailimap_search_key	*key;
	clist				*res = NULL;
	int				 r, found;

	r = mailimap_examine(c->imap, mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "EXAMINE", errp);
	key = mailimap_search_key_new_header(xstrdup("Message-ID"),
	    xstrdup(msgid));
	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return imap_fail(c, r, "UID SEARCH", errp);
	}
	found = clist_count(res) > 0;
	mailimap_search_result_free(res);
	return found;
}
