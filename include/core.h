/*
 * core.h - tern's bottom layer: allocation, strings, files and pipes,
 * UTF-8, logging, the terminal sanitizer and configuration.  Nothing here depends on any
 * other part of tern; every thread may call it.
 */
#ifndef TERN_CORE_H
#define TERN_CORE_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define TERN_VERSION "0.1.0"

/* IMAP system flags as a bit mask (keywords are kept as text). */
#define FLAG_SEEN	0x01
#define FLAG_ANSWERED	0x02
#define FLAG_FLAGGED	0x04
#define FLAG_DELETED	0x08
#define FLAG_DRAFT	0x10
#define FLAG_ALL	0x1f

/* ---- util.c: allocation is fatal on failure (one place decides). ---- */

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Returns a newly allocated formatted string (caller frees). */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list);
/* Stores a formatted, newly allocated message in *errp if errp != NULL. */
/* A growing NUL-terminated string: zero it to start, free(p) to end. */
struct strbuf {
	char	*p;
	size_t	 len, size;
};
void	 strbuf_add(struct strbuf *, const char *, size_t);
void	 strbuf_str(struct strbuf *, const char *);
/*
 * The whole file at path (NUL-terminated; its length in *lenp), or NULL
 * with *errp if it cannot be read or is over max bytes.
 */
char	*read_file_max(const char *path, size_t max, size_t *lenp,
	    char **errp);
/*
 * At most the first max bytes of path (NUL-terminated; their number in
 * *lenp, the file's size in *sizep unless NULL), or NULL if path is not
 * a regular file (a symbolic link, a directory, a FIFO) or cannot be
 * opened.  For files tern wrote itself but anyone may have replaced.
 */
char	*read_file_head(const char *path, size_t max, size_t *lenp,
	    int64_t *sizep);
/* Up to want bytes from fd, NUL-terminated, until EOF or an error. */
char	*read_fd(int fd, size_t want, size_t *lenp);
void	 seterr(char **errp, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Overwrites and frees a secret; NULL is a no-op. */
void	 secret_free(char *);
/* Base64 (RFC 4648) of len bytes; caller frees. */
char	*base64_encode(const void *, size_t);
/* A digit of the base64 alphabet of RFC 4648 ("+/"): its value, or -1. */
int	 base64_value(int c);
/* 1 if host is a loopback name or address (localhost, 127/8, ::1). */
int	 host_is_loopback(const char *);
/* Seconds since the epoch of a UTC civil time (timegm is not POSIX). */
int64_t	 epoch_utc(int y, int mo, int d, int h, int mi, int s);
/* Levenshtein distance, for "did you mean" suggestions. */
size_t	 edit_distance(const char *, const char *);
/* The value of the hex digit c (either case), or -1. */
int	 hexval(int c);
/* mkdir -p: creates what is missing with mode; 0, or -1 and *errp. */
int	 mkdir_p(const char *path, mode_t mode, char **errp);
/* pipe() with both ends non-blocking and close-on-exec; -1 and errno. */
int	 pipe_nonblock(int fds[2]);
/* Microseconds on the monotonic clock. */
int64_t	 clock_us(void);
/* Microseconds since the first call of clock_start() (main's start). */
void	 clock_start(void);
int64_t	 clock_since_start_us(void);

/* ---- utf8.c: strict UTF-8 (RFC 3629), decoded in one place. ---- */

#define UTF8_CHAR_MAX	4	/* bytes in one encoded character */

/*
 * Length of the valid character at s[0..len), its code point in *cp
 * (unless NULL); 0 if the bytes there are invalid or cut short.
 */
size_t	 utf8_decode(const unsigned char *s, size_t len, unsigned int *cp);
/*
 * Bytes at s[0..len) that one U+FFFD replaces when utf8_decode() says
 * invalid: the "maximal subpart" (Unicode 3.9); >= 1 when len >= 1.
 */
size_t	 utf8_span(const unsigned char *s, size_t len);
/* 1 if all of s[0..len) is valid UTF-8. */
int	 utf8_valid(const unsigned char *s, size_t len);
/* Writes c to out (UTF8_CHAR_MAX bytes, or NULL to measure); its length. */
size_t	 utf8_encode(unsigned int c, char *out);

/* ---- sanitize.c: the one filter for everything shown on a terminal. ---- */

/*
 * Returns a newly allocated copy of s (len bytes) that is safe to print:
 * valid UTF-8 (invalid bytes become U+FFFD), no C0 except TAB (and LF
 * when multiline), no DEL, no C1, no bidi or zero-width controls.  In
 * single-line mode CR, LF and TAB become spaces.
 */
char	*sanitize_for_display(const char *s, size_t len, int multiline);

/* ---- log.c: thread-safe log to a file or stderr, sanitized. ---- */

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

/* Directs the log to path (appended, mode 0600) or stderr if NULL. */
int	 log_open(const char *path, enum log_level, char **errp);
void	 log_close(void);
enum log_level log_get_level(void);
/* Writes one line; every byte goes through sanitize_for_display(). */
void	 log_msg(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Logs protocol traffic (TRACE level); prefix names the connection. */
void	 log_traffic(const char *prefix, const char *dir, const char *data,
	    size_t len);

/* ---- config.c: the configuration file. ---- */

enum tls_mode {
	TLS_IMPLICIT,		/* imaps:// 993, smtps:// 465 */
	TLS_STARTTLS,		/* imap:// 143, smtp:// 587: STARTTLS required */
	TLS_PLAIN		/* only with tls = none, only to loopback */
};

enum auth_mech {
	AUTH_AUTO,		/* PLAIN if offered, else LOGIN */
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER
};

enum pass_source {
	PASS_KEYRING,		/* libsecret, then a prompt if it has none */
	PASS_PROMPT,		/* ask on the terminal every time */
	PASS_COMMAND		/* password_command */
};

struct server {
	char		*url;	/* as written */
	char		*user;
	char		*host;
	int		 port;
	enum tls_mode	 tls;
};

enum account_type {
	ACCOUNT_IMAP,		/* a server (imap, smtp) */
	ACCOUNT_MAILDIR		/* a local Maildir tree (path) */
};

struct account {
	char		*name;
	enum account_type type;
	char		*path;		/* maildir: the tree, absolute */
	char		*from;
	char		*alternates;	/* more From addresses, "A <a@b>, c@d";
					   NULL if none */
	char		*signature_file; /* appended to new messages; NULL */
	struct server	 imap;
	struct server	 smtp;	/* smtp.host == NULL: no SMTP */
	enum pass_source pass;
	char		*password_command;
	enum auth_mech	 auth;
	char		*token_command;
	int		 sync_days;	/* header window; 0: everything */
	int		 body_days;	/* prefetch bodies this recent; 0: none */
	int		 delete_expunges; /* delete = expunge, not to Trash */
	char		*archive;	/* archive = FOLDER (UTF-8), or NULL:
					   the \\Archive special-use folder */
	int		 archive_by_year; /* into ARCHIVE<delim>YYYY */
	char		*ca_file;
	char		*tls_pin;	/* "sha256:BASE64" or NULL */
	int		 timeout;	/* seconds, connect and read */
	char		*new_mail_command; /* NULL, or words run (no shell)
					   with the account and a count
					   when new mail arrives */
	int		 save_sent;	/* APPEND what was sent to Sent */
	int		 line;		/* line of the [account] header */
};

enum layout_mode {
	LAYOUT_AUTO,		/* three panes at >= 120 columns, else one */
	LAYOUT_WIDE,		/* always three panes */
	LAYOUT_NARROW		/* always one pane at a time */
};

enum sort_order {
	SORT_DATE,
	SORT_REVERSE_DATE,	/* newest first: the default */
	SORT_FROM,
	SORT_REVERSE_FROM,
	SORT_SUBJECT,
	SORT_REVERSE_SUBJECT,
	SORT_SIZE,
	SORT_REVERSE_SIZE
};

/* One line of a [keys] section; the UI checks the action's name. */
struct keybind {
	char		*context;	/* "", "folders", "list" or "pager" */
	int		 key;		/* a TKEY code (keyname.c) */
	char		*action;	/* the rest of the line after '=', trimmed */
	int		 line;		/* for "FILE:LINE: unknown action" */
};

struct config {
	char		*path;
	char		*theme;
	char		*log_file;
	char		*html_filter;	/* NULL: choose automatically */
	char		*opener;	/* NULL: xdg-open */
	int		 layout;	/* enum layout_mode */
	int		 mouse;
	int		 threads;
	enum sort_order	 sort;
	int		 folder_width;	/* 10..80 columns */
	char		*save_dir;	/* NULL: the current directory */
	char		*date_format;	/* NULL: "%b %d", older "%Y-%m-%d" */
	int		 bell;		/* ring on EV_NEW_MAIL */
	int		 unified_inbox;	/* every INBOX in one list too */
	char		*editor;	/* NULL: $VISUAL, $EDITOR, vi */
	char		*attribution;	/* reply's first line; NULL: default */
	struct account	*accounts;
	size_t		 naccounts;
	struct keybind	*keys;		/* in file order */
	size_t		 nkeys;
};

/* One accepted configuration key (for tern.conf(5) and suggestions). */
struct config_key {
	const char	*section;	/* "general" or "account" */
	const char	*name;
};
extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/*
 * Parses the file at path.  On error returns NULL and sets *errp to
 * "FILE:LINE: reason" (caller frees); nothing is half-applied.
 */
struct config	*config_load(const char *path, char **errp);
/* The same from a buffer; name is used in error messages. */
struct config	*config_parse(const char *buf, size_t len, const char *name,
		    char **errp);
void		 config_free(struct config *);
/* $XDG_CONFIG_HOME/tern/config or ~/.config/tern/config; caller frees. */
char		*config_default_path(void);
/* $XDG_DATA_HOME/tern/<account> or ~/.local/share/tern/<account>. */
char		*config_data_dir(const char *account);
/* The account called name, or NULL. */
struct account	*config_account(struct config *, const char *name);

/* ---- keyname.c: key names of [keys] sections (no curses here). ---- */

/* Key codes: Unicode code points for characters; these above it. */
enum {
	TKEY_UP = 0x110000, TKEY_DOWN, TKEY_LEFT, TKEY_RIGHT, TKEY_PGUP,
	TKEY_PGDN, TKEY_HOME, TKEY_END, TKEY_ENTER, TKEY_TAB, TKEY_BTAB,
	TKEY_BACKSPACE, TKEY_DELETE, TKEY_INSERT, TKEY_ESC, TKEY_SPACE,
	TKEY_F1 /* F1..F12 consecutive */, TKEY_RESIZE = TKEY_F1 + 12,
	TKEY_MOUSE
};
#define TKEY_CTRL(c) ((c) & 0x1f)   /* C-a .. C-z are 1..26 */

/*
 * Parses a key name: a single UTF-8 character ("j", "G", "é"), "C-x" /
 * "^X" (control), "<Up>" "<Down>" "<Left>" "<Right>" "<PgUp>" "<PgDn>"
 * "<Home>" "<End>" "<Enter>" "<Tab>" "<BTab>" "<Backspace>" "<Del>"
 * "<Insert>" "<Esc>" "<Space>" "<F1>".."<F12>" (case-insensitive inside
 * <>).  0 and *key, or -1.
 */
int	 keyname_parse(const char *s, int *key);
/* The canonical name of key into buf (at least 32 bytes); returns buf. */
const char *keyname_format(int key, char *buf, size_t size);
/* The canonical "<Name>" closest to a mistyped one, or NULL. */
const char *keyname_suggest(const char *s);

#endif
