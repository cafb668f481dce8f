/*
 * check_config.c - unit tests for config.c: a table of configuration
 * texts with the error each must give (or none), focused tests of the
 * parsed fields, and the check that tern.conf(5) documents exactly the
 * accepted keys.  Single-threaded test binary.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

Suite	*suite(void);

/* A temporary $HOME holding ca.pem; made once for all tests. */
static char	 tmpdir[] = "/tmp/check_config.XXXXXX";
static char	 capath[sizeof tmpdir + 16];

static void
setup_home(void)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(capath, sizeof capath, "%s/ca.pem", tmpdir);
	fp = fopen(capath, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("-----BEGIN CERTIFICATE-----\n", fp);
	fclose(fp);
	setenv("HOME", tmpdir, 1);
}

static void
teardown_home(void)
{
	unlink(capath);
	rmdir(tmpdir);
}

/*
 * Replaces the placeholders in s: @DIR@ (the temporary $HOME), @NUL@
 * (a NUL byte), @LONG@ (4077 'x': makes a 19-byte "key = " prefix line
 * exactly 4096 bytes long) and @LONGER@ (one more).  *lenp gets the
 * length, which counts any NUL.
 */
static char *
expand(const char *s, size_t *lenp)
{
	static const struct { const char *from; int what; } ph[] = {
		{ "@DIR@", 0 }, { "@NUL@", 1 }, { "@LONGER@", 3 },
		{ "@LONG@", 2 },
	};
	char	*out = xmalloc(strlen(s) * 2 + 8192), *o = out;
	size_t	 i, n;

	while (*s != '\0') {
		for (i = 0; i < sizeof ph / sizeof ph[0]; i++)
			if (strncmp(s, ph[i].from, strlen(ph[i].from)) == 0)
				break;
		if (i == sizeof ph / sizeof ph[0]) {
			*o++ = *s++;
			continue;
		}
		s += strlen(ph[i].from);
		switch (ph[i].what) {
		case 0:
			n = strlen(tmpdir);
			memcpy(o, tmpdir, n);
			o += n;
			break;
		case 1:
			*o++ = '\0';
			break;
		default:
			n = ph[i].what == 2 ? 4077 : 4078;
			memset(o, 'x', n);
			o += n;
		}
	}
	*o = '\0';
	if (lenp != NULL)
		*lenp = (size_t)(o - out);
	return out;
}

/* The example from tern.conf(5), with ca_file in the test's $HOME. */
#define EXAMPLE \
	"[general]\n" \
	"theme = default\n" \
	"\n" \
	"[account work]\n" \
	"from = Alice Example <alice@example.com>\n" \
	"imap = imaps://alice@imap.example.com          " \
	"# implicit TLS, port 993 by default\n" \
	"smtp = smtp://alice@smtp.example.com:587       " \
	"# STARTTLS required; smtps:// = implicit TLS, 465\n" \
	"password = keyring                             # or: prompt\n" \
	"# password_command = pass show mail/work       " \
	"# run with /bin/sh -c; first line of stdout\n" \
	"# auth = xoauth2                               " \
	"# or oauthbearer; token from token_command\n" \
	"sync_days = 90                                 # 0 = everything\n" \
	"ca_file = @DIR@/ca.pem              # optional extra trust anchor\n" \
	"# tls_pin = sha256:BASE64                      " \
	"# optional pin of the server's public key\n"

/* A minimal valid account: three lines. */
#define ACC "[account a]\nfrom = a@example.com\nimap = imaps://imap.example.com\n"
#define PIN "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static const struct row {
	const char	*name;	/* also the file name in messages */
	int		 line;	/* of the error */
	const char	*text;
	const char	*err;	/* substring of the reason, NULL: valid */
} rows[] = {
	/* valid */
	{ "empty", 0, "", NULL },
	{ "comments", 0, "# hi\n\n   \n\t# x\n  # [account\n", NULL },
	{ "general_only", 0, "[general]\ntheme = dark-2_x.y\n", NULL },
	{ "example", 0, EXAMPLE, NULL },
	{ "minimal", 0, ACC, NULL },
	{ "crlf", 0, "[account a]\r\nfrom = a@example.com\r\n"
	    "imap = imaps://imap.example.com\r\n", NULL },
	{ "bom", 0, "\xEF\xBB\xBF" ACC, NULL },
	{ "no_final_newline", 0, "[general]\ntheme = x", NULL },
	{ "header_comment", 0, "[account a] # work\nfrom = a@example.com\n"
	    "imap = imaps://h.example.com\n", NULL },
	{ "no_spaces", 0, "[account a]\nfrom=a@example.com\n"
	    "imap=imaps://h.example.com\n", NULL },
	{ "quoted_hash", 0, ACC "password_command = \"pass show a # b\"\n",
	    NULL },
	{ "hash_in_word", 0, ACC "password_command = pass show a#b\n", NULL },
	{ "two_accounts", 0, ACC "[account b]\nfrom = b@example.com\n"
	    "imap = imap://imap.example.com\n", NULL },
	{ "sync_days_edges", 0, ACC "sync_days = 0\n[account b]\n"
	    "from = b@example.com\nimap = imaps://h.example.com\n"
	    "sync_days = 36500\ntimeout = 3600\n", NULL },
	{ "timeout_1", 0, ACC "timeout = 1\n", NULL },
	{ "pw_command_alone", 0, ACC "password_command = pass x\n", NULL },
	{ "pw_command_both", 0, ACC "password = command\n"
	    "password_command = pass x\n", NULL },
	{ "oauth", 0, ACC "auth = oauthbearer\ntoken_command = tok\n", NULL },
	{ "ipv6", 0, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://[2001:db8::1]:1993/\n", NULL },
	{ "tls_none", 0, "[account a]\nfrom = a@example.com\n"
	    "imap = imap://127.0.0.1:1143\nsmtp = smtp://localhost:1587\n"
	    "tls = none\n", NULL },
	{ "paths", 0, "[general]\ntheme = ~/themes/mine\n"
	    "log_file = ~/tern.log\n" ACC "ca_file = ~/ca.pem\n", NULL },
	{ "pin", 0, ACC "tls_pin = " PIN "\n", NULL },
	{ "line_4096", 0, ACC "password_command = @LONG@\n", NULL },
	{ "utf8_name", 0, "[account a]\nfrom = Zoë Ωmega <zoe@example.com>\n"
	    "imap = imaps://h.example.com\n", NULL },
	{ "general_last", 0, ACC "[general]\ntheme = x\n", NULL },
	{ "tui_general", 0, "[general]\nhtml_filter = w3m -T text/html -dump\n"
	    "opener = xdg-open\nlayout = narrow\nmouse = yes\nthreads = no\n"
	    "sort = reverse-size\nfolder_width = 10\nsave_dir = ~/dl\n"
	    "date_format = %d.%m.%Y\n", NULL },
	{ "tui_edges", 0, "[general]\nfolder_width = 80\nlayout = auto\n"
	    "sort = date\nmouse = no\nthreads = yes\n", NULL },
	{ "maildir", 0, "[account m]\ntype = maildir\nfrom = m@example.com\n"
	    "path = @DIR@\n", NULL },
	{ "maildir_tilde", 0, "[account m]\nfrom = m@example.com\n"
	    "path = ~/\ntype = maildir\n", NULL },
	{ "maildir_smtp", 0, "[account m]\ntype = maildir\nfrom = m@example.com\n"
	    "path = @DIR@\nsmtp = smtp://127.0.0.1:1587\ntls = none\n"
	    "password = prompt\n", NULL },
	{ "imap_typed", 0, ACC "type = imap\n", NULL },
	{ "keys", 0, "[keys]\nj = down\n<PgDn> = page-down\n[keys.folders]\n"
	    "<Enter> = open\n[keys.list]\nj = next-unread\n[keys.pager]\n"
	    "\"#\" = toggle-headers\n", NULL },
	{ "keys_empty", 0, "[keys]\n[keys.pager]\n# nothing\n", NULL },

	/* [general] for the terminal UI */
	{ "layout_bad", 2, "[general]\nlayout = tall\n",
	    "layout must be auto, wide or narrow" },
	{ "mouse_bad", 2, "[general]\nmouse = on\n", "mouse must be yes or no" },
	{ "mouse_upper", 2, "[general]\nmouse = Yes\n",
	    "mouse must be yes or no" },
	{ "threads_bad", 2, "[general]\nthreads = 1\n",
	    "threads must be yes or no" },
	{ "bell_bad", 2, "[general]\nbell = on\n", "bell must be yes or no" },
	{ "unified_bad", 3, "[general]\n\nunified_inbox = all\n",
	    "unified_inbox must be yes or no" },
	{ "save_sent_bad", 4, ACC "save_sent = off\n",
	    "save_sent must be yes or no" },
	{ "save_sent_general", 2, "[general]\nsave_sent = no\n",
	    "'save_sent' belongs in an [account NAME] section" },

	/* push */
	{ "push_keys", 0, "[general]\nbell = yes\n" ACC
	    "new_mail_command = notify-send 'New mail'\n", NULL },
	{ "new_mail_empty", 4, ACC "new_mail_command =\n",
	    "new_mail_command needs a value" },
	{ "new_mail_general", 2, "[general]\nnew_mail_command = x\n",
	    "'new_mail_command' belongs in an [account NAME] section" },

	/* archive */
	{ "archive_keys", 0, ACC "archive = Lists/Old\narchive_by_year = yes\n",
	    NULL },
	{ "archive_empty", 4, ACC "archive =\n", "archive needs a value" },
	{ "archive_control", 4, ACC "archive = Old\x01\n",
	    "control character 0x01" },
	{ "archive_by_year_bad", 4, ACC "archive_by_year = 1\n",
	    "archive_by_year must be yes or no" },
	{ "archive_general", 2, "[general]\narchive = Old\n",
	    "'archive' belongs in an [account NAME] section" },
	{ "sort_bad", 2, "[general]\nsort = newest\n",
	    "sort must be date, from, subject or size, each optionally with "
	    "'reverse-' before it" },
	{ "sort_reverse_only", 2, "[general]\nsort = reverse\n",
	    "sort must be" },
	{ "folder_width_small", 2, "[general]\nfolder_width = 9\n",
	    "folder_width must be a whole number from 10 to 80" },
	{ "folder_width_big", 2, "[general]\nfolder_width = 81\n",
	    "folder_width must be a whole number from 10 to 80" },
	{ "folder_width_junk", 2, "[general]\nfolder_width = 2x\n",
	    "folder_width must be" },
	{ "save_dir_relative", 2, "[general]\nsave_dir = Downloads\n",
	    "save_dir must be an absolute path or start with ~/" },
	{ "date_format_long", 2, "[general]\ndate_format = "
	    "%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%Y%\n",
	    "date_format is longer than 64 bytes" },
	{ "html_filter_empty", 2, "[general]\nhtml_filter =\n",
	    "html_filter needs a value" },
	{ "dup_opener", 3, "[general]\nopener = a\nopener = b\n",
	    "duplicate key 'opener' (first on line 2)" },
	{ "dup_sort", 3, "[general]\nsort = date\nsort = size\n",
	    "duplicate key 'sort' (first on line 2)" },
	{ "html_filter_typo", 2, "[general]\nhtmlfilter = w3m\n",
	    "unknown key 'htmlfilter' (did you mean 'html_filter'?)" },
	{ "folder_width_typo", 2, "[general]\nfolder_widht = 30\n",
	    "unknown key 'folder_widht' (did you mean 'folder_width'?)" },
	{ "layout_in_account", 4, ACC "layout = wide\n",
	    "'layout' belongs in [general]" },

	/* type and path */
	{ "type_bad", 4, ACC "type = mbox\n", "type must be imap or maildir" },
	{ "type_in_general", 2, "[general]\ntype = maildir\n",
	    "'type' belongs in an [account NAME] section" },
	{ "type_typo", 4, ACC "tpye = maildir\n",
	    "unknown key 'tpye' (did you mean 'type'?)" },
	{ "dup_type", 3, "[account m]\ntype = maildir\ntype = imap\n",
	    "duplicate key 'type' (first on line 2)" },
	{ "path_relative", 3, "[account m]\ntype = maildir\npath = Mail\n",
	    "path must be an absolute path or start with ~/" },
	{ "path_missing", 3, "[account m]\ntype = maildir\n"
	    "path = @DIR@/nope\n",
	    "cannot use path @DIR@/nope: No such file or directory" },
	{ "path_file", 3, "[account m]\ntype = maildir\npath = @DIR@/ca.pem\n",
	    "path @DIR@/ca.pem is not a directory" },
	{ "path_on_imap", 4, ACC "path = @DIR@\n",
	    "path is only used by an account with type = maildir" },
	{ "path_on_typed_imap", 2, "[account a]\npath = @DIR@\ntype = imap\n"
	    "from = a@example.com\nimap = imaps://h.example.com\n",
	    "path is only used by an account with type = maildir" },
	{ "imap_on_maildir", 4, "[account m]\ntype = maildir\n"
	    "from = m@example.com\nimap = imaps://h.example.com\npath = @DIR@\n",
	    "imap is not used by an account with type = maildir (line 2)" },
	{ "maildir_no_path", 1, "[account m]\ntype = maildir\n"
	    "from = m@example.com\n",
	    "account 'm' has type = maildir but no 'path'" },
	{ "maildir_no_from", 1, "[account m]\ntype = maildir\npath = @DIR@\n",
	    "account 'm' has no 'from'" },
	{ "maildir_tls_none_remote", 6, "[account m]\ntype = maildir\n"
	    "from = m@example.com\npath = @DIR@\nsmtp = smtp://smtp.example.com\n"
	    "tls = none\n", "not 'smtp.example.com'" },

	/* key bindings */
	{ "key_unknown", 2, "[keys]\njj = down\n", "unknown key \"jj\"" },
	{ "key_unknown_name", 2, "[keys]\n<PageUp> = page-up\n",
	    "unknown key \"<PageUp>\" (did you mean \"<PgUp>\"?)" },
	{ "key_typo_name", 2, "[keys]\n<Hom> = top\n",
	    "unknown key \"<Hom>\" (did you mean \"<Home>\"?)" },
	{ "key_f13", 2, "[keys]\n<F13> = x\n", "unknown key \"<F13>\"" },
	{ "key_ctrl_digit", 2, "[keys]\nC-1 = x\n", "unknown key \"C-1\"" },
	{ "key_general_word", 2, "[keys]\ntheme = x\n",
	    "unknown key \"theme\"" },
	{ "key_no_action", 2, "[keys.list]\nj =\n", "\"j\" needs an action" },
	{ "key_comment_action", 2, "[keys.list]\nj = # down\n",
	    "\"j\" needs an action" },
	{ "key_no_equals", 2, "[keys]\nj down\n",
	    "syntax error: expected 'KEY = ACTION'" },
	{ "key_missing", 2, "[keys]\n= down\n",
	    "syntax error: expected 'KEY = ACTION'" },
	{ "key_unterminated", 2, "[keys]\n\"# = x\n",
	    "unterminated quoted key" },
	{ "key_dup", 4, "[keys.pager]\nq = quit\n\nq = close\n",
	    "duplicate binding of q in [keys.pager] (first on line 2)" },
	{ "key_dup_alias", 3, "[keys]\n<Tab> = next\nC-i = other\n",
	    "duplicate binding of <Tab> in [keys] (first on line 2)" },
	{ "key_dup_case", 3, "[keys]\n<pgdn> = a\n<PGDN> = b\n",
	    "duplicate binding of <PgDn>" },
	{ "keys_dup_section", 3, "[keys.list]\n\n[keys.list]\n",
	    "duplicate [keys.list] section (first on line 1)" },
	{ "keys_named", 1, "[keys list]\n", "[keys] takes no name" },
	{ "keys_typo", 1, "[keys.lst]\n",
	    "unknown section 'keys.lst' (did you mean 'keys.list'?)" },
	{ "keys_typo2", 1, "[key]\n",
	    "unknown section 'key' (did you mean 'keys'?)" },
	{ "keys_unknown_ctx", 1, "[keys.compose]\n",
	    "unknown section 'keys.compose': use [general], [account NAME], "
	    "[keys]" },
	{ "keys_then_account", 3, "[keys]\nj = down\n[account a]\n",
	    "account 'a' has no 'from'" },

	/* syntax */
	{ "no_equals", 2, "[general]\ntheme dark\n", "syntax error" },
	{ "bad_key", 2, "[general]\nthe me = x\n", "syntax error" },
	{ "empty_key", 2, "[general]\n = x\n", "syntax error" },
	{ "no_bracket", 1, "[general\n", "missing ']'" },
	{ "after_bracket", 1, "[general] x\n", "text after ']'" },
	{ "unknown_section", 1, "[foo]\n", "unknown section 'foo'" },
	{ "section_typo", 1, "[acount a]\n",
	    "unknown section 'acount' (did you mean 'account'?)" },
	{ "general_named", 1, "[general x]\n", "[general] takes no name" },
	{ "outside", 2, "\ntheme = x\n", "'theme' is outside a section" },
	{ "unknown_key", 4, ACC "pasword = prompt\n",
	    "unknown key 'pasword' (did you mean 'password'?)" },
	{ "unknown_far", 4, ACC "colour = red\n",
	    "unknown key 'colour' in [account NAME]" },
	{ "upper_key", 4, ACC "Timeout = 5\n",
	    "unknown key 'Timeout' (did you mean 'timeout'?)" },
	{ "general_key_in_account", 4, ACC "theme = x\n",
	    "'theme' belongs in [general]" },
	{ "account_key_in_general", 2, "[general]\nfrom = a@example.com\n",
	    "'from' belongs in an [account NAME] section" },
	{ "dup_key", 4, ACC "imap = imaps://x.example.com\n",
	    "duplicate key 'imap' (first on line 3)" },
	{ "dup_general_key", 3, "[general]\ntheme = a\ntheme = b\n",
	    "duplicate key 'theme' (first on line 2)" },
	{ "dup_account", 4, ACC "[account a]\n",
	    "duplicate account 'a' (first on line 1)" },
	{ "dup_general", 3, "[general]\n\n[general]\n",
	    "duplicate [general] section (first on line 1)" },
	{ "long_line", 4, ACC "password_command = @LONGER@\n",
	    "line longer than 4096 bytes" },
	{ "nul", 2, "[general]\ntheme = a@NUL@b\n", "NUL byte" },
	{ "control", 2, "[general]\ntheme = a\x01" "b\n",
	    "control character 0x01" },
	{ "bare_cr", 2, "[general]\ntheme = a\rb\n", "control character 0x0d" },
	{ "bad_utf8", 2, "[general]\ntheme = \xff\n", "invalid UTF-8" },
	{ "unterminated", 4, ACC "password_command = \"abc\n",
	    "unterminated quoted value" },
	{ "bad_escape", 4, ACC "password_command = \"a\\nb\"\n",
	    "bad escape" },
	{ "after_quote", 4, ACC "password_command = \"a\" b\n",
	    "text after the closing quote" },
	{ "empty_value", 4, ACC "password_command =\n",
	    "password_command needs a value" },
	{ "comment_value", 4, ACC "sync_days = # none\n",
	    "sync_days needs a value" },
	{ "empty_quoted", 4, ACC "token_command = \"\"\n",
	    "token_command needs a value" },

	/* accounts */
	{ "no_imap", 1, "[account w]\nfrom = a@example.com\n",
	    "account 'w' has no 'imap'" },
	{ "no_from", 2, "\n[account w]\nimap = imaps://h.example.com\n",
	    "account 'w' has no 'from'" },
	{ "no_imap_first", 1, "[account w]\nfrom = a@example.com\n"
	    "[account v]\n", "account 'w' has no 'imap'" },
	{ "empty_name", 1, "[account]\n", "empty account name" },
	{ "blank_name", 1, "[account   ]\n", "empty account name" },
	{ "slash_name", 1, "[account a/b]\n", "bad account name 'a/b'" },
	{ "space_name", 1, "[account a b]\n", "bad account name 'a b'" },
	{ "dotdot_name", 1, "[account ..]\n", "bad account name '..'" },

	/* from */
	{ "from_no_at", 2, "[account a]\nfrom = Alice\n",
	    "from must be one address" },
	{ "from_two_at", 2, "[account a]\nfrom = a@b@example.com\n",
	    "from must be one address" },
	{ "from_name_addr", 2,
	    "[account a]\nfrom = bank@example.com <alice@example.com>\n",
	    "must not contain '@'" },
	{ "from_no_gt", 2, "[account a]\nfrom = A <a@example.com\n",
	    "from must be one address" },
	{ "from_space", 2, "[account a]\nfrom = a b@example.com\n",
	    "from must be one address" },
	{ "from_two", 2, "[account a]\nfrom = <a@example.com> <b@example.com>\n",
	    "from must be one address" },
	{ "from_empty_domain", 2, "[account a]\nfrom = a@\n",
	    "from must be one address" },

	/* URLs */
	{ "url_scheme", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = http://h.example.com\n", "imap must be a URL starting" },
	{ "url_wrong_key", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = smtps://h.example.com\n", "imap must be a URL starting" },
	{ "smtp_wrong_key", 4, ACC "smtp = imaps://h.example.com\n",
	    "smtp must be a URL starting" },
	{ "url_no_host", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://\n", "imap URL has no host" },
	{ "url_user_no_host", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://alice@\n", "imap URL has no host" },
	{ "url_empty_user", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://@h.example.com\n", "bad user name" },
	{ "url_port_0", 4, ACC "smtp = smtp://h.example.com:0\n",
	    "bad port" },
	{ "url_port_big", 4, ACC "smtp = smtp://h.example.com:65536\n",
	    "bad port" },
	{ "url_port_alpha", 4, ACC "smtp = smtp://h.example.com:abc\n",
	    "bad port" },
	{ "url_port_empty", 4, ACC "smtp = smtp://h.example.com:\n",
	    "bad port" },
	{ "url_port_sign", 4, ACC "smtp = smtp://h.example.com:+25\n",
	    "bad port" },
	{ "url_path", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://h.example.com/INBOX\n", "must not have a path" },
	{ "url_query", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://h.example.com?x=1\n", "must not have a path" },
	{ "url_space", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://h.example .com\n", "must not contain spaces" },
	{ "url_password", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://alice:secret@h.example.com\n",
	    "must not contain a password" },
	{ "url_bad_ipv6", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://[::g]\n", "bad IPv6 address" },
	{ "url_open_ipv6", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://[::1\n", "missing ']'" },
	{ "url_after_ipv6", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://[::1]x\n", "after the IPv6 address" },
	{ "url_bad_pct", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://a%4@h.example.com\n", "bad user name" },
	{ "url_pct_crlf", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://a%0d%0aX@h.example.com\n", "bad user name" },
	{ "url_pct_nul", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://a%00@h.example.com\n", "bad user name" },
	{ "url_bad_host", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://ex_ample.com\n", "bad host name 'ex_ample.com'" },
	{ "url_bad_ipv4", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://999.1.1.1\n", "bad host name" },
	{ "url_double_dot", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://h..example.com\n", "bad host name" },
	{ "url_non_ascii", 3, "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://h\xc3\xa9.example.com\n", "non-ASCII" },

	/* password and auth */
	{ "plain_password", 4, ACC "password = hunter2\n",
	    "never reads a plain-text password from the configuration; "
	    "use password = keyring" },
	{ "command_no_cmd", 4, ACC "password = command\n",
	    "password = command needs password_command" },
	{ "prompt_and_cmd", 4, ACC "password = prompt\npassword_command = x\n",
	    "password = prompt conflicts with password_command (line 5)" },
	{ "keyring_and_cmd", 5, ACC "password_command = x\n"
	    "password = keyring\n",
	    "password = keyring conflicts with password_command (line 4)" },
	{ "auth_bad", 4, ACC "auth = cram-md5\n",
	    "auth must be auto, plain, login, xoauth2 or oauthbearer" },
	{ "xoauth2_no_token", 4, ACC "auth = xoauth2\n",
	    "auth = xoauth2 needs token_command" },
	{ "token_no_oauth", 4, ACC "token_command = tok\n",
	    "token_command is only used with auth = xoauth2" },

	/* numbers */
	{ "sync_negative", 4, ACC "sync_days = -1\n",
	    "sync_days must be a whole number from 0 to 36500" },
	{ "sync_big", 4, ACC "sync_days = 36501\n", "sync_days must be" },
	{ "sync_huge", 4, ACC "sync_days = 99999999999999999999\n",
	    "sync_days must be" },
	{ "sync_junk", 4, ACC "sync_days = 9x\n", "sync_days must be" },
	{ "timeout_0", 4, ACC "timeout = 0\n",
	    "timeout must be a whole number from 1 to 3600" },
	{ "timeout_big", 4, ACC "timeout = 3601\n", "timeout must be" },

	/* files and TLS */
	{ "ca_missing", 4, ACC "ca_file = @DIR@/nope.pem\n",
	    "cannot read ca_file @DIR@/nope.pem: No such file or directory" },
	{ "ca_dir", 4, ACC "ca_file = @DIR@\n", "is not a regular file" },
	{ "ca_relative", 4, ACC "ca_file = ca.pem\n",
	    "ca_file must be an absolute path or start with ~/" },
	{ "log_relative", 2, "[general]\nlog_file = tern.log\n",
	    "log_file must be an absolute path" },
	{ "theme_dot", 2, "[general]\ntheme = .hidden\n",
	    "theme must be a name" },
	{ "theme_space", 2, "[general]\ntheme = my theme\n",
	    "theme must be a name" },
	{ "theme_relative", 2, "[general]\ntheme = ../x\n",
	    "theme must be an absolute path" },
	{ "pin_prefix", 4, ACC "tls_pin = sha1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5"
	    "NMpJWZG3hSuFU=\n", "tls_pin must be 'sha256:'" },
	{ "pin_short", 4, ACC "tls_pin = sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5"
	    "NMpJWZG3hSuF=\n", "tls_pin must be" },
	{ "pin_char", 4, ACC "tls_pin = sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5"
	    "NMpJWZG3hSu-U=\n", "tls_pin must be" },
	{ "pin_noncanonical", 4, ACC "tls_pin = sha256:47DEQpj8HBSa+/TImW+5JCeu"
	    "QeRkm5NMpJWZG3hSuFV=\n", "tls_pin must be" },
	{ "pin_no_pad", 4, ACC "tls_pin = sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5"
	    "NMpJWZG3hSuFUA\n", "tls_pin must be" },
	{ "tls_bad", 4, ACC "tls = off\n", "tls must be auto or none" },
	{ "tls_none_remote", 4, ACC "tls = none\n",
	    "tls = none is only allowed for a loopback host, not "
	    "'imap.example.com'" },
	{ "tls_none_smtp_remote", 5, "[account a]\nfrom = a@example.com\n"
	    "imap = imap://127.0.0.1\nsmtp = smtp://smtp.example.com\n"
	    "tls = none\n", "not 'smtp.example.com'" },
};

START_TEST(test_table)
{
	const struct row	*r = &rows[_i];
	char			*text, *want = NULL, *prefix, *err = NULL;
	struct config		*cfg;
	size_t			 len;

	text = expand(r->text, &len);
	cfg = config_parse(text, len, r->name, &err);
	if (r->err == NULL) {
		ck_assert_msg(cfg != NULL, "%s: unexpected error: %s", r->name,
		    err);
		ck_assert_ptr_null(err);
	} else {
		want = expand(r->err, NULL);
		ck_assert_msg(cfg == NULL, "%s: no error", r->name);
		ck_assert_ptr_nonnull(err);
		prefix = xasprintf("%s:%d: ", r->name, r->line);
		ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		    "%s: '%s' does not start with '%s'", r->name, err, prefix);
		ck_assert_msg(strstr(err, want) != NULL,
		    "%s: '%s' does not contain '%s'", r->name, err, want);
		free(prefix);
	}
	free(want);
	free(err);
	free(text);
	config_free(cfg);
}
END_TEST

/* Parses text (with placeholders) that must be valid. */
static struct config *
parse_ok(const char *text)
{
	struct config	*cfg;
	char		*buf, *err = NULL;
	size_t		 len;

	buf = expand(text, &len);
	cfg = config_parse(buf, len, "test", &err);
	ck_assert_msg(cfg != NULL, "unexpected error: %s", err);
	free(buf);
	return cfg;
}

START_TEST(test_example)
{
	struct config	*cfg = parse_ok(EXAMPLE);
	struct account	*a;

	ck_assert_str_eq(cfg->path, "test");
	ck_assert_str_eq(cfg->theme, "default");
	ck_assert_ptr_null(cfg->log_file);
	ck_assert_uint_eq(cfg->naccounts, 1);
	a = config_account(cfg, "work");
	ck_assert_ptr_eq(a, &cfg->accounts[0]);
	ck_assert_str_eq(a->name, "work");
	ck_assert_int_eq(a->line, 4);
	ck_assert_str_eq(a->from, "Alice Example <alice@example.com>");
	ck_assert_str_eq(a->imap.url, "imaps://alice@imap.example.com");
	ck_assert_str_eq(a->imap.user, "alice");
	ck_assert_str_eq(a->imap.host, "imap.example.com");
	ck_assert_int_eq(a->imap.port, 993);
	ck_assert_int_eq(a->imap.tls, TLS_IMPLICIT);
	ck_assert_str_eq(a->smtp.url, "smtp://alice@smtp.example.com:587");
	ck_assert_str_eq(a->smtp.user, "alice");
	ck_assert_str_eq(a->smtp.host, "smtp.example.com");
	ck_assert_int_eq(a->smtp.port, 587);
	ck_assert_int_eq(a->smtp.tls, TLS_STARTTLS);
	ck_assert_int_eq(a->pass, PASS_KEYRING);
	ck_assert_ptr_null(a->password_command);
	ck_assert_int_eq(a->auth, AUTH_AUTO);
	ck_assert_ptr_null(a->token_command);
	ck_assert_int_eq(a->sync_days, 90);
	ck_assert_str_eq(a->ca_file, capath);
	ck_assert_ptr_null(a->tls_pin);
	ck_assert_int_eq(a->timeout, 60);
	ck_assert_ptr_null(config_account(cfg, "home"));
	ck_assert_ptr_null(config_account(NULL, "work"));
	config_free(cfg);
}
END_TEST

START_TEST(test_defaults)
{
	struct config	*cfg;
	struct account	*a;

	cfg = parse_ok("[account a]\nfrom = A <a@example.com>\n"
	    "imap = imap://imap.example.com\n"
	    "[account b]\nfrom = b@example.com\n"
	    "imap = IMAPS://imap.example.com/\nsmtp = smtps://smtp.example.com\n"
	    "[account c]\nfrom = c@example.com\nimap = imaps://h.example.com\n"
	    "smtp = smtp://smtp.example.com\n");
	ck_assert_uint_eq(cfg->naccounts, 3);
	a = config_account(cfg, "a");
	ck_assert_int_eq(a->imap.port, 143);
	ck_assert_int_eq(a->imap.tls, TLS_STARTTLS);
	/* No user in the URL: the address of from. */
	ck_assert_str_eq(a->imap.user, "a@example.com");
	ck_assert_ptr_null(a->smtp.host);
	ck_assert_ptr_null(a->smtp.user);
	ck_assert_ptr_null(a->smtp.url);
	a = config_account(cfg, "b");
	ck_assert_int_eq(a->line, 4);
	ck_assert_int_eq(a->imap.port, 993);
	ck_assert_int_eq(a->imap.tls, TLS_IMPLICIT);
	ck_assert_int_eq(a->smtp.port, 465);
	ck_assert_int_eq(a->smtp.tls, TLS_IMPLICIT);
	ck_assert_str_eq(a->smtp.user, "b@example.com");
	a = config_account(cfg, "c");
	ck_assert_int_eq(a->smtp.port, 587);
	ck_assert_int_eq(a->smtp.tls, TLS_STARTTLS);
	config_free(cfg);
}
END_TEST

START_TEST(test_url_users)
{
	struct config	*cfg;
	struct account	*a;

	cfg = parse_ok("[account a]\nfrom = a@example.com\n"
	    "imap = imaps://alice@example.com@imap.example.com\n"
	    "smtp = smtps://bob%40example.com@smtp.example.com:2465\n"
	    "[account b]\nfrom = b@example.com\nuser = bob\n"
	    "imap = imaps://imap.example.com\n"
	    "smtp = smtp://carol@smtp.example.com\n");
	a = config_account(cfg, "a");
	ck_assert_str_eq(a->imap.user, "alice@example.com");
	ck_assert_str_eq(a->imap.host, "imap.example.com");
	ck_assert_str_eq(a->smtp.user, "bob@example.com");
	ck_assert_str_eq(a->smtp.host, "smtp.example.com");
	ck_assert_int_eq(a->smtp.port, 2465);
	/* user fills in where the URL has none; a URL user wins. */
	a = config_account(cfg, "b");
	ck_assert_str_eq(a->imap.user, "bob");
	ck_assert_str_eq(a->smtp.user, "carol");
	config_free(cfg);
}
END_TEST

START_TEST(test_ipv6)
{
	struct config	*cfg;
	struct account	*a;

	cfg = parse_ok("[account a]\nfrom = a@example.com\n"
	    "imap = imaps://u@[2001:db8::1]:1993/\n"
	    "smtp = smtp://[::1]\n");
	a = &cfg->accounts[0];
	ck_assert_str_eq(a->imap.host, "2001:db8::1");
	ck_assert_str_eq(a->imap.user, "u");
	ck_assert_int_eq(a->imap.port, 1993);
	ck_assert_str_eq(a->smtp.host, "::1");
	ck_assert_int_eq(a->smtp.port, 587);
	ck_assert_int_eq(a->smtp.tls, TLS_STARTTLS);
	config_free(cfg);
}
END_TEST

START_TEST(test_tls_none)
{
	struct config	*cfg;
	struct account	*a;

	cfg = parse_ok("[account a]\nfrom = a@example.com\n"
	    "imap = imap://127.0.0.1:1143\nsmtp = smtp://[::1]:1587\n"
	    "tls = none\n"
	    "[account b]\nfrom = b@example.com\n"
	    "imap = imaps://localhost\nsmtp = smtps://127.0.0.1\ntls = none\n"
	    "[account c]\nfrom = c@example.com\n"
	    "imap = imap://127.0.0.1\nsmtp = smtp://127.0.0.1\n");
	a = config_account(cfg, "a");
	ck_assert_int_eq(a->imap.tls, TLS_PLAIN);
	ck_assert_int_eq(a->imap.port, 1143);
	ck_assert_int_eq(a->smtp.tls, TLS_PLAIN);
	ck_assert_int_eq(a->smtp.port, 1587);
	/* imaps:// and smtps:// stay TLS even with tls = none. */
	a = config_account(cfg, "b");
	ck_assert_int_eq(a->imap.tls, TLS_IMPLICIT);
	ck_assert_int_eq(a->smtp.tls, TLS_IMPLICIT);
	/* Loopback alone never means plaintext. */
	a = config_account(cfg, "c");
	ck_assert_int_eq(a->imap.tls, TLS_STARTTLS);
	ck_assert_int_eq(a->smtp.tls, TLS_STARTTLS);
	config_free(cfg);
}
END_TEST

START_TEST(test_values)
{
	struct config	*cfg;
	struct account	*a;

	cfg = parse_ok("[general]\n"
	    "theme = \"dark\"   # comment\n"
	    "log_file = /var/log/t#ern.log # comment\n"
	    "[account a]   # the first\n"
	    "  from   =   \"\\\"Example, A\\\" <a@example.com>\"  \n"
	    "imap = imaps://imap.example.com\t# tab before the comment\n"
	    "user = \"  spaced # user \"\n"
	    "password_command = pass show \"mail/a\" # and a comment\n"
	    "token_command = \"printf '%s' \\\\ x\"\n"
	    "auth = xoauth2\n"
	    "sync_days = 0\ntimeout = 5\n"
	    "tls_pin = " PIN "\n");
	ck_assert_str_eq(cfg->theme, "dark");
	ck_assert_str_eq(cfg->log_file, "/var/log/t#ern.log");
	a = &cfg->accounts[0];
	ck_assert_str_eq(a->from, "\"Example, A\" <a@example.com>");
	ck_assert_str_eq(a->imap.url, "imaps://imap.example.com");
	/* Quotes keep leading and trailing spaces and '#'. */
	ck_assert_str_eq(a->imap.user, "  spaced # user ");
	ck_assert_str_eq(a->password_command, "pass show \"mail/a\"");
	ck_assert_int_eq(a->pass, PASS_COMMAND);
	ck_assert_str_eq(a->token_command, "printf '%s' \\ x");
	ck_assert_int_eq(a->auth, AUTH_XOAUTH2);
	ck_assert_int_eq(a->sync_days, 0);
	ck_assert_int_eq(a->timeout, 5);
	ck_assert_str_eq(a->tls_pin, PIN);
	config_free(cfg);

	cfg = parse_ok("[general]\ntheme = ~/t\nlog_file = ~/l\n");
	ck_assert_ptr_nonnull(strstr(cfg->theme, tmpdir));
	ck_assert_ptr_nonnull(strstr(cfg->log_file, "/l"));
	ck_assert_ptr_eq(strstr(cfg->log_file, "~"), NULL);
	config_free(cfg);
}
END_TEST

START_TEST(test_tui)
{
	struct config	*cfg;

	/* The defaults. */
	cfg = parse_ok("");
	ck_assert_ptr_null(cfg->html_filter);
	ck_assert_ptr_null(cfg->opener);
	ck_assert_int_eq(cfg->layout, LAYOUT_AUTO);
	ck_assert_int_eq(cfg->mouse, 0);
	ck_assert_int_eq(cfg->threads, 0);
	ck_assert_int_eq(cfg->sort, SORT_REVERSE_DATE);
	ck_assert_int_eq(cfg->folder_width, 24);
	ck_assert_ptr_null(cfg->save_dir);
	ck_assert_ptr_null(cfg->date_format);
	ck_assert_ptr_null(cfg->keys);
	ck_assert_uint_eq(cfg->nkeys, 0);
	config_free(cfg);

	cfg = parse_ok("[general]\n"
	    "html_filter = \"w3m -T text/html\" # quoted\n"
	    "opener = my-open --new\nlayout = wide\nmouse = yes\n"
	    "threads = yes\nsort = subject\nfolder_width = 33\n"
	    "save_dir = ~/Downloads\ndate_format = %e %b #x\n");
	ck_assert_str_eq(cfg->html_filter, "w3m -T text/html");
	ck_assert_str_eq(cfg->opener, "my-open --new");
	ck_assert_int_eq(cfg->layout, LAYOUT_WIDE);
	ck_assert_int_eq(cfg->mouse, 1);
	ck_assert_int_eq(cfg->threads, 1);
	ck_assert_int_eq(cfg->sort, SORT_SUBJECT);
	ck_assert_int_eq(cfg->folder_width, 33);
	ck_assert_ptr_nonnull(strstr(cfg->save_dir, tmpdir));
	ck_assert_str_eq(cfg->save_dir + strlen(cfg->save_dir) - 10,
	    "/Downloads");
	ck_assert_str_eq(cfg->date_format, "%e %b");
	config_free(cfg);
}
END_TEST

/* bell and new_mail_command: defaults, values. */
START_TEST(test_push_keys)
{
	struct config	*cfg;

	cfg = parse_ok(ACC);
	ck_assert_int_eq(cfg->bell, 0);
	ck_assert_ptr_null(cfg->accounts[0].new_mail_command);
	config_free(cfg);

	cfg = parse_ok("[general]\nbell = yes\n" ACC
	    "new_mail_command = notify-send \"New mail\" # a comment\n");
	ck_assert_int_eq(cfg->bell, 1);
	ck_assert_str_eq(cfg->accounts[0].new_mail_command,
	    "notify-send \"New mail\"");
	config_free(cfg);

	cfg = parse_ok("[general]\nbell = no\n");
	ck_assert_int_eq(cfg->bell, 0);
	config_free(cfg);
}
END_TEST

/* unified_inbox: off unless asked for. */
START_TEST(test_unified_inbox_key)
{
	struct config	*cfg;

	cfg = parse_ok(ACC);
	ck_assert_int_eq(cfg->unified_inbox, 0);
	config_free(cfg);
	cfg = parse_ok("[general]\nunified_inbox = yes\n" ACC);
	ck_assert_int_eq(cfg->unified_inbox, 1);
	config_free(cfg);
}
END_TEST

/* archive and archive_by_year: defaults, values. */
START_TEST(test_archive_keys)
{
	struct config	*cfg;

	cfg = parse_ok(ACC);
	ck_assert_ptr_null(cfg->accounts[0].archive);
	ck_assert_int_eq(cfg->accounts[0].archive_by_year, 0);
	config_free(cfg);

	cfg = parse_ok(ACC "archive = Lists/Ältere\narchive_by_year = yes\n");
	ck_assert_str_eq(cfg->accounts[0].archive, "Lists/Ältere");
	ck_assert_int_eq(cfg->accounts[0].archive_by_year, 1);
	config_free(cfg);
}
END_TEST

/* save_sent: yes by default, no when said. */
START_TEST(test_save_sent)
{
	struct config	*cfg;

	cfg = parse_ok(ACC);
	ck_assert_int_eq(cfg->accounts[0].save_sent, 1);
	config_free(cfg);
	cfg = parse_ok(ACC "save_sent = no\n");
	ck_assert_int_eq(cfg->accounts[0].save_sent, 0);
	config_free(cfg);
	cfg = parse_ok(ACC "save_sent = yes\n");
	ck_assert_int_eq(cfg->accounts[0].save_sent, 1);
	config_free(cfg);
}
END_TEST

/* Every sort word maps to its enum value, in order. */
START_TEST(test_sort_words)
{
	static const struct { const char *w; enum sort_order o; } t[] = {
		{ "date", SORT_DATE }, { "reverse-date", SORT_REVERSE_DATE },
		{ "from", SORT_FROM }, { "reverse-from", SORT_REVERSE_FROM },
		{ "subject", SORT_SUBJECT },
		{ "reverse-subject", SORT_REVERSE_SUBJECT },
		{ "size", SORT_SIZE }, { "reverse-size", SORT_REVERSE_SIZE },
	};
	static const struct { const char *w; enum layout_mode l; } lt[] = {
		{ "auto", LAYOUT_AUTO }, { "wide", LAYOUT_WIDE },
		{ "narrow", LAYOUT_NARROW },
	};
	struct config	*cfg;
	char		*text;
	size_t		 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		text = xasprintf("[general]\nsort = %s\n", t[i].w);
		cfg = parse_ok(text);
		ck_assert_int_eq(cfg->sort, t[i].o);
		config_free(cfg);
		free(text);
	}
	for (i = 0; i < sizeof lt / sizeof lt[0]; i++) {
		text = xasprintf("[general]\nlayout = %s\n", lt[i].w);
		cfg = parse_ok(text);
		ck_assert_int_eq(cfg->layout, lt[i].l);
		config_free(cfg);
		free(text);
	}
}
END_TEST

START_TEST(test_maildir_account)
{
	struct config	*cfg;
	struct account	*a;

	cfg = parse_ok("[account m]\ntype = maildir\n"
	    "from = Me <me@example.com>\npath = ~/\n" ACC);
	a = config_account(cfg, "m");
	ck_assert_int_eq(a->type, ACCOUNT_MAILDIR);
	ck_assert_ptr_nonnull(strstr(a->path, tmpdir));
	ck_assert_ptr_null(a->imap.host);
	ck_assert_ptr_null(a->imap.user);
	ck_assert_ptr_null(a->smtp.host);
	a = config_account(cfg, "a");
	ck_assert_int_eq(a->type, ACCOUNT_IMAP);
	ck_assert_ptr_null(a->path);
	config_free(cfg);

	/* A local account may send: its smtp gets the from address. */
	cfg = parse_ok("[account m]\ntype = maildir\nfrom = m@example.com\n"
	    "path = @DIR@\nsmtp = smtps://smtp.example.com\n");
	a = &cfg->accounts[0];
	ck_assert_str_eq(a->path, tmpdir);
	ck_assert_str_eq(a->smtp.user, "m@example.com");
	ck_assert_int_eq(a->smtp.port, 465);
	config_free(cfg);
}
END_TEST

START_TEST(test_keybinds)
{
	struct config	*cfg;
	struct keybind	*k;

	cfg = parse_ok("[general]\ntheme = x\n"
	    "[keys]   # every pane\n"
	    "j = down\n"
	    "  C-f   =   page-down   \n"
	    "<space> = page-down # a comment\n"
	    "\n[keys.list]\n"
	    "\"#\" = toggle-threads\n"
	    "= = limit \"a # b\" 'c # d' # e\n"
	    "\"\\\"\" = quote\n"
	    "\"[\"=prev-thread\n"
	    "^X = quit now\n"
	    "[keys.pager]\n"
	    "\xc3\xa9 = pipe-message grep -c x#y\n"
	    "<F12> = sync\n"
	    "[keys.folders]\n"
	    "j = next-unread-folder\n");
	ck_assert_uint_eq(cfg->nkeys, 11);
	k = cfg->keys;
	ck_assert_str_eq(k[0].context, "");
	ck_assert_int_eq(k[0].key, 'j');
	ck_assert_str_eq(k[0].action, "down");
	ck_assert_int_eq(k[0].line, 4);
	ck_assert_int_eq(k[1].key, TKEY_CTRL('f'));
	ck_assert_int_eq(k[1].key, 6);
	ck_assert_str_eq(k[1].action, "page-down");
	ck_assert_int_eq(k[2].key, TKEY_SPACE);
	ck_assert_str_eq(k[2].action, "page-down");
	ck_assert_str_eq(k[3].context, "list");
	ck_assert_int_eq(k[3].key, '#');
	ck_assert_int_eq(k[3].line, 9);
	ck_assert_int_eq(k[4].key, '=');
	ck_assert_str_eq(k[4].action, "limit \"a # b\" 'c # d'");
	ck_assert_int_eq(k[5].key, '"');
	ck_assert_str_eq(k[5].action, "quote");
	ck_assert_int_eq(k[6].key, '[');
	ck_assert_str_eq(k[6].action, "prev-thread");
	ck_assert_int_eq(k[7].key, TKEY_CTRL('x'));
	ck_assert_str_eq(k[7].action, "quit now");
	ck_assert_str_eq(k[8].context, "pager");
	ck_assert_int_eq(k[8].key, 0xE9);
	ck_assert_str_eq(k[8].action, "pipe-message grep -c x#y");
	ck_assert_int_eq(k[9].key, TKEY_F1 + 11);
	ck_assert_str_eq(k[10].context, "folders");
	ck_assert_int_eq(k[10].key, 'j');
	ck_assert_int_eq(k[10].line, 18);
	/* The same key in two sections is two bindings. */
	ck_assert_int_eq(k[10].key, k[0].key);
	config_free(cfg);
}
END_TEST

START_TEST(test_messages)
{
	char	*err = NULL;
	const char *t = "[account a]\nfrom = a@example.com\n"
	    "imap = imaps://imap.example.com\npasword = prompt\n";

	ck_assert_ptr_null(config_parse(t, strlen(t), "cfg", &err));
	ck_assert_str_eq(err,
	    "cfg:4: unknown key 'pasword' (did you mean 'password'?)");
	free(err);
	err = NULL;

	/* A value that is probably a password is never repeated. */
	t = "[account a]\npassword = hunter2\n";
	ck_assert_ptr_null(config_parse(t, strlen(t), "cfg", &err));
	ck_assert_ptr_null(strstr(err, "hunter2"));
	ck_assert_ptr_nonnull(strstr(err, "keyring"));
	ck_assert_ptr_nonnull(strstr(err, "prompt"));
	ck_assert_ptr_nonnull(strstr(err, "command"));
	free(err);
	err = NULL;
	t = "[account a]\nhunter2\n";
	ck_assert_ptr_null(config_parse(t, strlen(t), "cfg", &err));
	ck_assert_ptr_null(strstr(err, "hunter2"));
	free(err);

	/* errp may be NULL. */
	ck_assert_ptr_null(config_parse(t, strlen(t), "cfg", NULL));
}
END_TEST

START_TEST(test_load)
{
	struct config	*cfg;
	char		*path, *err = NULL, *want;
	FILE		*fp;

	path = xasprintf("%s/config", tmpdir);
	cfg = config_load(path, &err);
	ck_assert_ptr_null(cfg);
	want = xasprintf("%s: cannot open: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	err = NULL;

	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("[general]\n\n[account x]\nfrom = x@example.com\n", fp);
	fclose(fp);
	cfg = config_load(path, &err);
	ck_assert_ptr_null(cfg);
	want = xasprintf("%s:3: account 'x' has no 'imap'", path);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	err = NULL;

	fp = fopen(path, "a");
	fputs("imap = imaps://h.example.com\n", fp);
	fclose(fp);
	cfg = config_load(path, &err);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->path, path);
	ck_assert_uint_eq(cfg->naccounts, 1);
	config_free(cfg);
	config_free(NULL);
	unlink(path);
	free(path);
}
END_TEST

/* Sets or (with NULL) unsets an environment variable. */
static void
env(const char *name, const char *value)
{
	if (value != NULL)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

START_TEST(test_paths)
{
	char	*p, *want, *oldc, *oldd;

	oldc = getenv("XDG_CONFIG_HOME");
	oldc = oldc != NULL ? xstrdup(oldc) : NULL;
	oldd = getenv("XDG_DATA_HOME");
	oldd = oldd != NULL ? xstrdup(oldd) : NULL;

	env("XDG_CONFIG_HOME", "/xdg/conf");
	env("XDG_DATA_HOME", "/xdg/data");
	p = config_default_path();
	ck_assert_str_eq(p, "/xdg/conf/tern/config");
	free(p);
	p = config_data_dir("work");
	ck_assert_str_eq(p, "/xdg/data/tern/work");
	free(p);

	env("XDG_CONFIG_HOME", NULL);
	env("XDG_DATA_HOME", "relative/is/ignored");
	p = config_default_path();
	want = xasprintf("%s/.config/tern/config", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	p = config_data_dir("work");
	want = xasprintf("%s/.local/share/tern/work", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);
	free(want);

	env("XDG_CONFIG_HOME", oldc);
	env("XDG_DATA_HOME", oldd);
	free(oldc);
	free(oldd);
}
END_TEST

START_TEST(test_keys_table)
{
	size_t	 i, j;

	ck_assert_uint_eq(config_nkeys, 38);
	for (i = 0; i < config_nkeys; i++) {
		ck_assert(strcmp(config_keys[i].section, "general") == 0 ||
		    strcmp(config_keys[i].section, "account") == 0);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(config_keys[i].name,
			    config_keys[j].name);
	}
}
END_TEST

/*
 * Every key is documented and every documented key exists: in
 * tern.conf(5) each key has one ".It Cm NAME" line inside the
 * subsection (.Ss) for its section, and ".It Cm" is used for nothing
 * else.
 */
START_TEST(test_manual)
{
	const char	*srcdir = getenv("TERN_SRCDIR");
	char		*path, line[1024], name[128], *sec = NULL;
	int		 seen[64] = { 0 }, lineno = 0;
	size_t		 i, n;
	FILE		*fp;

	path = srcdir != NULL ? xasprintf("%s/man/tern.conf.5", srcdir) :
	    xstrdup("man/tern.conf.5");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_le(config_nkeys, sizeof seen / sizeof seen[0]);
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		if (strncmp(line, ".Ss ", 4) == 0 || strncmp(line, ".Sh ", 4) == 0) {
			free(sec);
			sec = NULL;
			if (strstr(line, "[general]") != NULL)
				sec = xstrdup("general");
			else if (strstr(line, "[account") != NULL)
				sec = xstrdup("account");
			continue;
		}
		if (strncmp(line, ".It Cm ", 7) != 0)
			continue;
		n = strcspn(line + 7, " \t\n");
		ck_assert_uint_lt(n, sizeof name);
		memcpy(name, line + 7, n);
		name[n] = '\0';
		ck_assert_msg(sec != NULL, "%s:%d: '.It Cm %s' outside the "
		    "[general] and [account NAME] subsections", path, lineno,
		    name);
		for (i = 0; i < config_nkeys; i++)
			if (strcmp(config_keys[i].name, name) == 0 &&
			    strcmp(config_keys[i].section, sec) == 0)
				break;
		ck_assert_msg(i < config_nkeys, "%s:%d: '%s' is not a key of "
		    "[%s]", path, lineno, name, sec);
		ck_assert_msg(seen[i] == 0, "%s:%d: '%s' documented twice "
		    "(also line %d)", path, lineno, name, seen[i]);
		seen[i] = lineno;
	}
	fclose(fp);
	for (i = 0; i < config_nkeys; i++)
		ck_assert_msg(seen[i] != 0, "%s: no '.It Cm %s' in the [%s] "
		    "subsection", path, config_keys[i].name,
		    config_keys[i].section);
	free(sec);
	free(path);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_unchecked_fixture(tc, setup_home, teardown_home);
	tcase_add_loop_test(tc, test_table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_url_users);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_tls_none);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_tui);
	tcase_add_test(tc, test_push_keys);
	tcase_add_test(tc, test_unified_inbox_key);
	tcase_add_test(tc, test_save_sent);
	tcase_add_test(tc, test_sort_words);
	tcase_add_test(tc, test_maildir_account);
	tcase_add_test(tc, test_keybinds);
	tcase_add_test(tc, test_messages);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_keys_table);
	tcase_add_test(tc, test_archive_keys);
	tcase_add_test(tc, test_manual);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
