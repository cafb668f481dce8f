/*
 * local_int.h - private to src/sync/local*.c: the state of the local
 * Maildir driver of one account, which lives in its engine thread.
 */
#ifndef TERN_LOCAL_INT_H
#define TERN_LOCAL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "sync.h"

#define LOCAL_FOLDERS_MAX	1000	/* folders read from one tree */
#define LOCAL_DEPTH_MAX		20	/* directory levels below path */
#define LOCAL_DIRS_MAX		5000	/* directories watched for folders */
#define LOCAL_FILES_MAX		1000000	/* message files read per folder */
#define LOCAL_MSG_MAX		(64 * 1024 * 1024) /* largest file copied */

/* A message file: its base name (before ':') keeps its UID. */
struct local_file {
	char		*base;
	char		*rel;		/* "cur/NAME" or "new/NAME" */
	uint32_t	 uid;
};

struct local_folder {
	int64_t		 id;
	char		*name;		/* the store's name: "INBOX", "Lists.x" */
	char		*dir;		/* absolute, the user's Maildir */
	struct timespec	 mt_cur;	/* of cur/ and new/ at the last scan */
	struct timespec	 mt_new;
	int		 dirty;		/* scan at the next look */
	uint32_t	 uidnext;
	struct local_file *map;		/* the files of the last scan, by base */
	size_t		 nmap;
};

struct local_dir {
	char		*path;
	struct timespec	 mt;
};

struct local {
	struct engine		*e;
	struct store		*st;
	const struct account	*acct;		/* borrowed */
	struct local_folder	*f;
	size_t			 nf;
	struct local_dir	*dirs;		/* watched for new folders */
	size_t			 ndirs;
	time_t			 walked;	/* when dirs were read */
	int			 ok;		/* the last pass went well */
};

/* ---- local_scan.c ---- */

/* Reads a folder's UID map from its rows (at start). */
int	 local_map_load(struct local *, struct local_folder *);
void	 local_map_free(struct local_folder *);
/*
 * Brings the store in line with the folder's files if cur/ or new/
 * changed since the last scan (or force): new files get the next UID,
 * renamed ones keep theirs, vanished ones leave the store.  Posts
 * EV_CHANGED if a row changed.  0 or -1.
 */
int	 local_scan(struct local *, struct local_folder *, int force);
/*
 * The current name (relative to the folder) of message uid: from its
 * row, the UID map, or (msgid) the Message-ID of a file no row or map
 * entry claims.  Caller frees; NULL if there is none.
 */
char	*local_locate(struct local *, struct local_folder *, uint32_t uid,
	    const char *msgid);
/* Reads at most max bytes of dir/rel (no symlinks); caller frees. */
char	*local_read(const char *dir, const char *rel, size_t max,
	    size_t *lenp, char **errp);
/* 1 if dir has cur/ and new/ directories (not symlinks). */
int	 local_is_maildir(const char *dir);
/* Posts a text event. */
void	 local_post(struct local *, enum engine_event_type, int64_t folder,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
