/*
 * fill.c - writes a synced-looking store for the terminal UI benchmark
 * (tests/bench/tui.py): account ACCOUNT's INBOX with N messages (headers
 * only, threads of 1-8 messages, UTF-8 names, a day window of a year),
 * exactly as the engine would have left it after a sync.  The UI reads
 * only the store, so this measures the UI without a server in the way.
 *
 *   fill DATA_DIR ACCOUNT N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static const char *const names[] = {
	"Alice Example <alice@example.com>", "Bob <bob@example.org>",
	"Zoë Ångström <zoe@example.se>", "山田太郎 <yamada@example.jp>",
	"Carol Writer <carol@lists.example.net>", "noreply@service.example",
};

int
main(int argc, char *argv[])
{
	struct store	*s;
	struct store_msg m;
	char		*err = NULL, subj[128], id[64], parent[64], refs[256];
	int64_t		 folder, now = (int64_t)time(NULL);
	long		 n, i, thread = 0, depth = 0;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: fill DATA_DIR ACCOUNT N\n");
		return 2;
	}
	srand(1);
	if ((s = store_open(argv[2], argv[1], 1, &err)) == NULL) {
		fprintf(stderr, "fill: %s\n", err);
		return 1;
	}
	if (store_folder_put(s, "INBOX", '/', "inbox", 1, 0, &folder) == -1 ||
	    store_begin(s) == -1)
		goto fail;
	refs[0] = '\0';
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof m);
		if (depth == 0 || rand() % 3 == 0) {	/* a new thread */
			thread = i;
			depth = 0;
			refs[0] = '\0';
		}
		snprintf(id, sizeof id, "m%ld@bench.example", i);
		snprintf(subj, sizeof subj, "%sthread %ld: release notes "
		    "for build %ld", depth ? "Re: " : "", thread, thread * 7);
		m.folder_id = folder;
		m.uid = (uint32_t)(i + 1);
		m.flags = rand() % 4 ? FLAG_SEEN : 0;
		m.keywords = "";
		/* Oldest first, one message every ~5 minutes. */
		m.internaldate = now - (n - i) * 300;
		m.date = m.internaldate;
		m.size = 2048 + rand() % 40000;
		m.from = (char *)names[rand() % 6];
		m.to = "dave@example.com";
		m.cc = "";
		m.subject = subj;
		m.message_id = id;
		m.in_reply_to = depth ? parent : "";
		m.references = refs;
		if (store_msg_put(s, &m) == -1)
			goto fail;
		if (strlen(refs) + strlen(id) + 2 < sizeof refs) {
			if (refs[0] != '\0')
				strcat(refs, " ");
			strcat(refs, id);
		}
		snprintf(parent, sizeof parent, "%s", id);
		depth = depth < 8 ? depth + 1 : 0;
		if (i % 10000 == 9999 && (store_commit(s) == -1 ||
		    store_begin(s) == -1))
			goto fail;
	}
	if (store_commit(s) == -1 || store_folder_synced(s, folder, 1,
	    (uint32_t)n + 1, 0, (uint32_t)n, 0) == -1)
		goto fail;
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "fill: %s\n", store_error(s));
	store_close(s);
	return 1;
}
