-- schema.sql - tern's index, version 7 (PRAGMA user_version): the
-- readable copy of the upgrade steps in src/store/store.c (version 1,
-- then each later step at the end); keep them in sync.
CREATE TABLE folders(
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,		-- server name, modified UTF-7
	display TEXT NOT NULL,			-- decoded UTF-8
	path TEXT NOT NULL UNIQUE COLLATE NOCASE,	-- cache dir, unique ignoring case
	delim INTEGER NOT NULL DEFAULT 0,
	role TEXT NOT NULL DEFAULT '',		-- inbox sent drafts trash archive junk
	subscribed INTEGER NOT NULL DEFAULT 0,
	noselect INTEGER NOT NULL DEFAULT 0,
	uidvalidity INTEGER NOT NULL DEFAULT 0,
	uidnext INTEGER NOT NULL DEFAULT 0,
	highestmodseq INTEGER NOT NULL DEFAULT 0,
	messages INTEGER NOT NULL DEFAULT 0,
	window INTEGER NOT NULL DEFAULT 0	-- oldest INTERNALDATE synced, 0 = all
);
CREATE TABLE messages(
	id INTEGER PRIMARY KEY,
	folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
	uid INTEGER NOT NULL,
	modseq INTEGER NOT NULL DEFAULT 0,
	flags INTEGER NOT NULL DEFAULT 0,	-- FLAG_* bits
	keywords TEXT NOT NULL DEFAULT '',	-- space-separated
	internaldate INTEGER NOT NULL DEFAULT 0,
	size INTEGER NOT NULL DEFAULT 0,
	date INTEGER NOT NULL DEFAULT 0,	-- Date: header, UTC, 0 = none
	from_addr TEXT NOT NULL DEFAULT '',
	to_addr TEXT NOT NULL DEFAULT '',
	cc_addr TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	in_reply_to TEXT NOT NULL DEFAULT '',
	refs TEXT NOT NULL DEFAULT '',
	cached INTEGER NOT NULL DEFAULT 0,
	file TEXT NOT NULL DEFAULT '',		-- Maildir file, relative to the folder dir
	UNIQUE(folder_id, uid)
);
CREATE INDEX messages_by_date ON messages(folder_id, internaldate);
CREATE INDEX messages_by_msgid ON messages(message_id);
CREATE TABLE pending(
	id INTEGER PRIMARY KEY,
	folder_id INTEGER NOT NULL,		-- no cascade: never dropped silently
	uid INTEGER NOT NULL,
	uidvalidity INTEGER NOT NULL DEFAULT 0,
	message_id TEXT NOT NULL DEFAULT '',
	op INTEGER NOT NULL,			-- enum pending_op
	set_flags INTEGER NOT NULL DEFAULT 0,
	clear_flags INTEGER NOT NULL DEFAULT 0,
	target TEXT NOT NULL DEFAULT '',
	file TEXT NOT NULL DEFAULT '',
	failures INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL
);
CREATE INDEX pending_by_folder ON pending(folder_id, uid);
-- version 2: the folder counts (total, unread) from the index alone
CREATE INDEX messages_by_flags ON messages(folder_id, flags);
-- version 3: the folder pane's unread counts read only the unread
CREATE INDEX messages_unread ON messages(folder_id) WHERE (flags & 1) = 0;
-- version 4: search (src/store/store_fts.c).  The upgrade also indexes the
-- headers of existing rows (INSERT INTO msg_fts ... SELECT ... FROM messages;
-- UPDATE messages SET indexed = 1); cached bodies are indexed lazily.
ALTER TABLE messages ADD COLUMN tagged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN attach INTEGER;
ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
CREATE VIRTUAL TABLE msg_fts USING fts5(from_addr, to_addr, cc_addr, subject, body, tokenize = 'unicode61 remove_diacritics 2', columnsize = 0);
CREATE INDEX messages_unindexed ON messages(id) WHERE cached <> 0 AND (indexed & 2) = 0;
-- version 5: what the server's SEARCH found for server: queries
-- (src/store/store_hits.c); a result stays until its text is searched again
CREATE TABLE server_hits(term TEXT NOT NULL, folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE, uid INTEGER NOT NULL, PRIMARY KEY(term, folder_id, uid)) WITHOUT ROWID;
-- version 6: whether a folder has any cached body, asked at each resync of a
-- folder whose cache directory is missing; only cached rows are in it
CREATE INDEX messages_cached ON messages(folder_id) WHERE cached <> 0;
-- version 7: Message-IDs are looked up within one folder, so their index is
-- per folder (a first sync no longer rewrites one account-wide index at
-- every commit); the folder counts use the (folder_id, uid) index and
-- messages_unread, so messages_by_flags goes
DROP INDEX IF EXISTS messages_by_msgid;
CREATE INDEX messages_by_msgid ON messages(folder_id, message_id);
DROP INDEX IF EXISTS messages_by_flags;
