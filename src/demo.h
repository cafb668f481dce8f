/*
 * demo.h - private to src/demo.c and src/demo_data.c: the sample mail
 * of `tern --demo`.  Main thread.
 */
#ifndef TERN_DEMO_H
#define TERN_DEMO_H

#include <stddef.h>

struct demo_msg {
	const char	*folder;	/* "" (INBOX) or ".Name" under the tree */
	long		 age;		/* minutes before now */
	const char	*flags;		/* Maildir letters; "" = unread, in new/ */
	const char	*text;		/* the message; "@DATE@" is its date */
};

extern const struct demo_msg	 demo_msgs[];
extern const size_t		 demo_nmsgs;
/* Every folder of the tree, written even when empty; NULL-terminated. */
extern const char *const	 demo_folders[];

#endif
