/*
 * check_theme.c - unit tests for src/ui/theme.c: every attribute and
 * colour form, wildcards in file order, the exact "FILE:LINE: reason" of
 * every kind of bad line, the lookup order of theme_find(), and that the
 * shipped themes load cleanly and tern-themes(5) documents exactly the
 * objects that exist.  Single-threaded test binary; theme files are
 * written to a temporary directory.
 */
#include "check_main.h"

#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "ui.h"

#define D	THEME_COLOR_DEFAULT
#define NOCHECK	(-2)

static char	 tmpdir[] = "/tmp/check_theme.XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", tmpdir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
}

/* Writes len bytes to a file in the temporary directory; caller frees. */
static char *
write_file(const char *name, const char *text, size_t len)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	FILE	*fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* Path of a file in the source tree. */
static char *
src_path(const char *rel)
{
	const char	*srcdir = getenv("TERN_SRCDIR");

	return srcdir != NULL ? xasprintf("%s/%s", srcdir, rel) :
	    xstrdup(rel);
}

static const struct row {
	const char	*name;
	const char	*text;		/* the theme file */
	const char	*obj;		/* the object to check */
	int		 fg, bg;	/* NOCHECK: not checked */
	int		 attrs;		/* NOCHECK: not checked */
	const char	*warning;	/* "LINE: reason", or NULL for none */
} rows[] = {
	/* Attributes, on and off; "pager" is D, D, 0 in the default. */
	{ "bold", "pager.bold = true\n", "pager", D, D, THEME_ATTR_BOLD, NULL },
	{ "underline", "pager.underline = yes\n", "pager", D, D,
	    THEME_ATTR_UNDERLINE, NULL },
	{ "reverse", "pager.reverse = TRUE\n", "pager", D, D,
	    THEME_ATTR_REVERSE, NULL },
	{ "dim", "pager.dim = Yes\n", "pager", D, D, THEME_ATTR_DIM, NULL },
	{ "italic", "pager.italic = true\n", "pager", D, D, THEME_ATTR_ITALIC,
	    NULL },
	{ "blink", "pager.blink = true\n", "pager", D, D, THEME_ATTR_BLINK,
	    NULL },
	{ "all_attrs", "pager.bold = true\npager.underline = true\n"
	    "pager.reverse = true\npager.dim = true\npager.italic = true\n"
	    "pager.blink = true\n", "pager", D, D, 0x3f, NULL },
	{ "attr_off", "pager.bold = true\npager.italic = yes\n"
	    "pager.bold = no\n", "pager", D, D, THEME_ATTR_ITALIC, NULL },
	{ "attr_off_false", "title.bold = false\n", "title", 252, 236, 0,
	    NULL },
	{ "fg_and_bg", "pager.fg = red\npager.bg = blue\n", "pager", 1, 4, 0,
	    NULL },
	{ "untouched_object", "pager.fg = red\n", "border", 240, D, 0, NULL },
	/* Every colour form. */
	{ "c_black", "pager.fg = black\n", "pager", 0, D, 0, NULL },
	{ "c_red", "pager.fg = red\n", "pager", 1, D, 0, NULL },
	{ "c_green", "pager.fg = green\n", "pager", 2, D, 0, NULL },
	{ "c_yellow", "pager.fg = yellow\n", "pager", 3, D, 0, NULL },
	{ "c_blue", "pager.fg = blue\n", "pager", 4, D, 0, NULL },
	{ "c_magenta", "pager.fg = magenta\n", "pager", 5, D, 0, NULL },
	{ "c_cyan", "pager.fg = cyan\n", "pager", 6, D, 0, NULL },
	{ "c_white", "pager.fg = white\n", "pager", 7, D, 0, NULL },
	{ "c_name_case", "pager.fg = RED\n", "pager", 1, D, 0, NULL },
	{ "c_bright_black", "pager.fg = bright-black\n", "pager", 8, D, 0,
	    NULL },
	{ "c_bright_red", "pager.bg = bright-red\n", "pager", D, 9, 0, NULL },
	{ "c_bright_white", "pager.fg = bright-white\n", "pager", 15, D, 0,
	    NULL },
	{ "c_default", "border.fg = default\n", "border", D, D, 0, NULL },
	{ "c_number_0", "pager.fg = 0\n", "pager", 0, D, 0, NULL },
	{ "c_number_255", "pager.fg = 255\n", "pager", 255, D, 0, NULL },
	{ "c_number_lead0", "pager.fg = 007\n", "pager", 7, D, 0, NULL },
	{ "c_color0", "pager.fg = color0\n", "pager", 0, D, 0, NULL },
	{ "c_color235", "pager.bg = color235\n", "pager", D, 235, 0, NULL },
	{ "c_color255", "pager.fg = Color255\n", "pager", 255, D, 0, NULL },
	{ "c_hex_black", "pager.fg = #000000\n", "pager", 16, D, 0, NULL },
	{ "c_hex_white", "pager.fg = #ffffff\n", "pager", 231, D, 0, NULL },
	{ "c_hex_red", "pager.fg = #FF0000\n", "pager", 196, D, 0, NULL },
	{ "c_hex_cube", "pager.fg = #5f87af\n", "pager", 67, D, 0, NULL },
	{ "c_hex_near_cube", "pager.fg = #ff8800\n", "pager", 208, D, 0,
	    NULL },
	{ "c_hex_grey", "pager.fg = #808080\n", "pager", 244, D, 0, NULL },
	{ "c_hex_grey_dark", "pager.fg = #121212\n", "pager", 233, D, 0,
	    NULL },
	{ "c_hex_comment", "pager.fg = #ff0000 # red\n", "pager", 196, D, 0,
	    NULL },
	/* Wildcards, in file order. */
	{ "w_all_bg", "*.bg = 235\n", "status_error", 231, 235, NOCHECK,
	    NULL },
	{ "w_prefix", "list_*.fg = 7\n", "list_unread", 7, D, NOCHECK, NULL },
	{ "w_prefix_not_bare", "list_*.fg = 7\n", "list", 250, D, 0, NULL },
	{ "w_quotes", "pager_quote_*.fg = 2\n", "pager_quote_4", 2, D, 0,
	    NULL },
	{ "w_suffix", "*_selected.reverse = true\n", "folder_selected", 255,
	    24, THEME_ATTR_BOLD | THEME_ATTR_REVERSE, NULL },
	{ "w_middle", "pager_*_name.fg = 3\n", "pager_header_name", 3, D,
	    NOCHECK, NULL },
	{ "w_then_one", "pager_quote_*.fg = 2\npager_quote_1.fg = 3\n",
	    "pager_quote_1", 3, D, 0, NULL },
	{ "w_then_one_other", "pager_quote_*.fg = 2\npager_quote_1.fg = 3\n",
	    "pager_quote_2", 2, D, 0, NULL },
	{ "one_then_w", "pager_quote_1.fg = 3\npager_quote_*.fg = 2\n",
	    "pager_quote_1", 2, D, 0, NULL },
	{ "w_star_star", "**.fg = 5\n", "help", 5, 235, 0, NULL },
	/* The example in tern-themes(5). */
	{ "manual_example", "# a darker background everywhere, quotes in "
	    "shades of green\n*.bg = 234\npager_quote_*.fg = #87af87\n"
	    "pager_quote_1.fg = 108\nlist_selected.bg = bright-blue\n"
	    "list_selected.bold = yes\n", "pager_quote_2", 108, 234, 0, NULL },
	{ "manual_example_2", "*.bg = 234\nlist_selected.bg = bright-blue\n"
	    "list_selected.bold = yes\n", "list_selected", 255, 12,
	    THEME_ATTR_BOLD, NULL },
	/* Layout: comments, blanks, CR LF, spaces. */
	{ "comments", "# a theme\n\n   # indented\n\t\npager.fg = 3 # yellow\n",
	    "pager", 3, D, 0, NULL },
	{ "crlf", "pager.fg = 3\r\npager.bold = true\r\n", "pager", 3, D,
	    THEME_ATTR_BOLD, NULL },
	{ "spaces", "  \tpager.fg\t=\t3  \n", "pager", 3, D, 0, NULL },
	{ "no_spaces", "pager.fg=3\n", "pager", 3, D, 0, NULL },
	{ "no_final_newline", "pager.fg = 3", "pager", 3, D, 0, NULL },
	/* Bad lines: skipped, reported, the rest applies. */
	{ "bad_no_eq", "pager.fg red\n", "pager", D, D, 0,
	    "1: expected 'object.attribute = value'" },
	{ "bad_no_key", "= red\n", "pager", D, D, 0,
	    "1: expected 'object.attribute = value'" },
	{ "bad_no_dot", "pager = red\n", "pager", D, D, 0,
	    "1: 'pager' is not object.attribute" },
	{ "bad_object_typo", "lsit_unread.fg = red\n", "list_unread", 255, D,
	    THEME_ATTR_BOLD,
	    "1: unknown object 'lsit_unread' (did you mean 'list_unread'?)" },
	{ "bad_object_dots", "list.unread.fg = red\n", "list_unread", 255, D,
	    THEME_ATTR_BOLD,
	    "1: unknown object 'list.unread' (did you mean 'list_unread'?)" },
	{ "bad_object", "xyzzy.fg = red\n", "pager", D, D, 0,
	    "1: unknown object 'xyzzy'" },
	{ "bad_object_case", "Pager.fg = red\n", "pager", D, D, 0,
	    "1: unknown object 'Pager' (did you mean 'pager'?)" },
	{ "bad_wildcard", "foo_*.fg = red\n", "pager", D, D, 0,
	    "1: 'foo_*' matches no object" },
	{ "bad_attr_typo", "pager.bgg = red\n", "pager", D, D, 0,
	    "1: unknown attribute 'bgg' (did you mean 'bg'?)" },
	{ "bad_attr", "pager.colour = red\n", "pager", D, D, 0,
	    "1: unknown attribute 'colour' (fg, bg, bold, underline, reverse, "
	    "dim, italic or blink)" },
	{ "bad_empty_value", "pager.fg =\n", "pager", D, D, 0,
	    "1: pager.fg needs a value" },
	{ "bad_comment_value", "pager.fg = # nothing\n", "pager", D, D, 0,
	    "1: pager.fg needs a value" },
	{ "bad_256", "pager.fg = 256\n", "pager", D, D, 0,
	    "1: bad colour '256' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_color256", "pager.fg = color256\n", "pager", D, D, 0,
	    "1: bad colour 'color256' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_negative", "pager.fg = -1\n", "pager", D, D, 0,
	    "1: bad colour '-1' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_hex_short", "pager.fg = #12345\n", "pager", D, D, 0,
	    "1: bad colour '#12345' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_hex_long", "pager.fg = #1234567\n", "pager", D, D, 0,
	    "1: bad colour '#1234567' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_hex_digit", "pager.fg = #12345g\n", "pager", D, D, 0,
	    "1: bad colour '#12345g' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_colour_typo", "pager.fg = magneta\n", "pager", D, D, 0,
	    "1: unknown colour 'magneta' (did you mean 'magenta'?)" },
	{ "bad_bright_typo", "pager.fg = brigt-red\n", "pager", D, D, 0,
	    "1: unknown colour 'brigt-red' (did you mean 'bright-red'?)" },
	{ "bad_bright_number", "pager.fg = bright-9\n", "pager", D, D, 0,
	    "1: bad colour 'bright-9' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_bool", "pager.bold = maybe\n", "pager", D, D, 0,
	    "1: bold needs true or false, not 'maybe'" },
	{ "bad_bool_colour", "pager.bold = red\n", "pager", D, D, 0,
	    "1: bold needs true or false, not 'red'" },
	{ "bad_colour_bool", "pager.fg = true\n", "pager", D, D, 0,
	    "1: bad colour 'true' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_two_values", "pager.fg = red blue\n", "pager", D, D, 0,
	    "1: unexpected 'blue' after the value" },
	{ "bad_line_number", "# one\n\npager.fg = 3\npager.fg = rd\n", "pager",
	    3, D, 0, "4: unknown colour 'rd' (did you mean 'red'?)" },
	{ "bad_then_good", "pager.fg = bogus\npager.bg = 2\n", "pager", D, 2, 0,
	    "1: bad colour 'bogus' (a name, 0-255, colorN or #rrggbb)" },
	{ "bad_long_name", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	    ".fg = 1\n", "pager", D, D, 0, "1: unknown object "
	    "'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...'" },
	{ "bad_escape", "pa\033[2Jger.fg = 1\n", "pager", D, D, 0, NULL },
};

static void
check_style(const struct row *r, const struct theme *t)
{
	const struct theme_style *s = NULL;
	int		 i;

	for (i = 0; i < THEME_NOBJ; i++)
		if (strcmp(theme_obj_name(i), r->obj) == 0)
			s = &t->style[i];
	ck_assert_msg(s != NULL, "%s: no object %s", r->name, r->obj);
	if (r->fg != NOCHECK)
		ck_assert_msg(s->fg == r->fg, "%s: fg %d, want %d", r->name,
		    s->fg, r->fg);
	if (r->bg != NOCHECK)
		ck_assert_msg(s->bg == r->bg, "%s: bg %d, want %d", r->name,
		    s->bg, r->bg);
	if (r->attrs != NOCHECK)
		ck_assert_msg(s->attrs == (unsigned)r->attrs, "%s: attrs %#x, "
		    "want %#x", r->name, s->attrs, (unsigned)r->attrs);
}

START_TEST(test_table)
{
	const struct row *r = &rows[_i];
	struct theme	 t;
	char		*path, **w = NULL, *err = NULL, *want;
	size_t		 nw = 99;

	path = write_file(r->name, r->text, strlen(r->text));
	ck_assert_int_eq(theme_load(path, &t, &w, &nw, &err), 0);
	ck_assert_ptr_null(err);
	check_style(r, &t);
	if (strcmp(r->name, "bad_escape") == 0) {
		/* Reported, but nothing from the file reaches the screen. */
		ck_assert_uint_eq(nw, 1);
		ck_assert_ptr_null(strchr(w[0], '\033'));
		ck_assert_ptr_nonnull(strstr(w[0], "unknown object"));
	} else if (r->warning == NULL) {
		ck_assert_msg(nw == 0, "%s: %s", r->name, nw ? w[0] : "");
	} else {
		want = xasprintf("%s:%s", path, r->warning);
		ck_assert_msg(nw == 1, "%s: %zu warnings", r->name, nw);
		ck_assert_str_eq(w[0], want);
		free(want);
	}
	theme_warnings_free(w, nw);
	free(path);
}
END_TEST

/* A line over 4096 bytes, a NUL byte, and a flood of mistakes. */
START_TEST(test_bad_bytes)
{
	static const char tail[] = "\npager.f\0g = 2\npager.bg = 3\n";
	struct theme	 t;
	char		*path, **w, *err = NULL, *want, *text;
	size_t		 nw, i, len;

	text = xmalloc(6000);
	len = (size_t)sprintf(text, "pager.fg = 1\n");
	memset(text + len, 'x', 5000);
	len += 5000;
	memcpy(text + len, tail, sizeof tail - 1);
	len += sizeof tail - 1;
	path = write_file("bytes", text, len);
	ck_assert_int_eq(theme_load(path, &t, &w, &nw, &err), 0);
	ck_assert_uint_eq(nw, 2);
	want = xasprintf("%s:2: line longer than 4096 bytes", path);
	ck_assert_str_eq(w[0], want);
	free(want);
	want = xasprintf("%s:3: NUL byte in the line", path);
	ck_assert_str_eq(w[1], want);
	free(want);
	ck_assert_int_eq(t.style[THEME_PAGER].fg, 1);
	ck_assert_int_eq(t.style[THEME_PAGER].bg, 3);
	theme_warnings_free(w, nw);
	free(path);
	free(text);

	text = xmalloc(1000 * 8);
	for (i = 0, len = 0; i < 1000; i++)
		len += (size_t)sprintf(text + len, "bad\n");
	path = write_file("flood", text, len);
	ck_assert_int_eq(theme_load(path, &t, &w, &nw, &err), 0);
	ck_assert_uint_eq(nw, 101);
	ck_assert_ptr_nonnull(strstr(w[100], "too many mistakes"));
	theme_warnings_free(w, nw);
	free(path);
	free(text);
}
END_TEST

START_TEST(test_load_errors)
{
	struct theme	 t;
	char		*path, **w = NULL, *err = NULL, *want;
	size_t		 nw = 0;

	path = xasprintf("%s/missing", tmpdir);
	ck_assert_int_eq(theme_load(path, &t, &w, &nw, &err), -1);
	want = xasprintf("%s: cannot open: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(w);
	ck_assert_uint_eq(nw, 0);
	free(want);
	free(err);
	free(path);
	err = NULL;
	ck_assert_int_eq(theme_load(tmpdir, &t, &w, &nw, &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	/* An empty file is the built-in theme. */
	path = write_file("empty", "", 0);
	ck_assert_int_eq(theme_load(path, &t, &w, &nw, NULL), 0);
	ck_assert_uint_eq(nw, 0);
	ck_assert_int_eq(t.colors, 256);
	free(path);
}
END_TEST

#define RESET	"*.fg = default\n*.bg = default\n"

/* colors says the most a theme uses. */
START_TEST(test_colors)
{
	static const struct { const char *text; int colors; } tab[] = {
		{ "", 256 }, { "pager.fg = 3\n", 256 }, { RESET, 0 },
		{ RESET "pager.fg = 3\n", 16 },
		{ RESET "pager.bg = bright-white\n", 16 },
		{ RESET "pager.bg = 16\n", 256 },
		{ RESET "pager.bold = true\n", 0 },
	};
	struct theme	 t;
	char		*path, **w;
	size_t		 nw, i;

	theme_default(&t);
	ck_assert_int_eq(t.colors, 256);
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		path = write_file("colors", tab[i].text, strlen(tab[i].text));
		ck_assert_int_eq(theme_load(path, &t, &w, &nw, NULL), 0);
		ck_assert_uint_eq(nw, 0);
		ck_assert_msg(t.colors == tab[i].colors, "row %zu: %d", i,
		    t.colors);
		free(path);
	}
}
END_TEST

START_TEST(test_names)
{
	const char	*n, *m;
	int		 i, j;

	for (i = 0; i < THEME_NOBJ; i++) {
		n = theme_obj_name(i);
		ck_assert_ptr_nonnull(n);
		ck_assert_uint_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"),
		    strlen(n));
		for (j = 0; j < i; j++) {
			m = theme_obj_name(j);
			ck_assert_str_ne(n, m);
		}
	}
	ck_assert_str_eq(theme_obj_name(THEME_DEFAULT), "default");
	ck_assert_str_eq(theme_obj_name(THEME_LIST_UNREAD), "list_unread");
	ck_assert_str_eq(theme_obj_name(THEME_PAGER_QUOTE_3), "pager_quote_3");
	ck_assert_str_eq(theme_obj_name(THEME_HELP), "help");
	ck_assert_ptr_null(theme_obj_name(THEME_NOBJ));
	ck_assert_ptr_null(theme_obj_name((enum theme_obj)-1));
}
END_TEST

START_TEST(test_monochrome)
{
	struct theme	 t, d;
	int		 i;

	theme_default(&d);
	theme_default(&t);
	theme_monochrome(&t);
	ck_assert_int_eq(t.colors, 0);
	for (i = 0; i < THEME_NOBJ; i++) {
		ck_assert_int_eq(t.style[i].fg, D);
		ck_assert_int_eq(t.style[i].bg, D);
		/* Attributes are kept (some are added). */
		ck_assert_uint_eq(t.style[i].attrs & d.style[i].attrs,
		    d.style[i].attrs);
	}
	ck_assert(t.style[THEME_LIST_SELECTED].attrs & THEME_ATTR_REVERSE);
	ck_assert(t.style[THEME_FOLDER_SELECTED].attrs & THEME_ATTR_REVERSE);
	ck_assert(t.style[THEME_LIST_UNREAD].attrs & THEME_ATTR_BOLD);
	ck_assert(t.style[THEME_FOLDER_UNREAD].attrs & THEME_ATTR_BOLD);
	ck_assert_uint_eq(t.style[THEME_LIST].attrs, 0);
	ck_assert_uint_eq(t.style[THEME_PAGER_URL].attrs, THEME_ATTR_UNDERLINE);
}
END_TEST

static const char *const shipped[] = { "default", "light", "16color", "mono" };

/* Every shipped theme loads with no warning and keeps its promise. */
START_TEST(test_shipped)
{
	struct theme	 t, d;
	char		*rel, *path, **w, *err = NULL;
	size_t		 nw, i;
	int		 j;

	rel = xasprintf("themes/%s", shipped[_i]);
	path = src_path(rel);
	ck_assert_msg(theme_load(path, &t, &w, &nw, &err) == 0, "%s", err);
	for (i = 0; i < nw; i++)
		fprintf(stderr, "%s\n", w[i]);
	ck_assert_uint_eq(nw, 0);
	theme_default(&d);
	if (strcmp(shipped[_i], "default") == 0) {
		/* The file starts from a blank slate, so this compares the
		 * file with the built-in table. */
		for (j = 0; j < THEME_NOBJ; j++)
			ck_assert_msg(t.style[j].fg == d.style[j].fg &&
			    t.style[j].bg == d.style[j].bg &&
			    t.style[j].attrs == d.style[j].attrs,
			    "themes/default and the built-in theme differ in "
			    "%s", theme_obj_name(j));
		ck_assert_int_eq(t.colors, 256);
	}
	for (j = 0; j < THEME_NOBJ; j++) {
		if (strcmp(shipped[_i], "mono") == 0) {
			ck_assert_int_eq(t.style[j].fg, D);
			ck_assert_int_eq(t.style[j].bg, D);
		}
		if (strcmp(shipped[_i], "16color") == 0) {
			ck_assert_int_le(t.style[j].fg, 15);
			ck_assert_int_le(t.style[j].bg, 15);
		}
	}
	if (strcmp(shipped[_i], "mono") == 0) {
		ck_assert_int_eq(t.colors, 0);
		ck_assert(t.style[THEME_LIST_SELECTED].attrs != 0);
		ck_assert(t.style[THEME_LIST_UNREAD].attrs != 0);
	}
	if (strcmp(shipped[_i], "16color") == 0)
		ck_assert_int_eq(t.colors, 16);
	if (strcmp(shipped[_i], "light") == 0)
		ck_assert_int_eq(t.colors, 256);
	theme_warnings_free(w, nw);
	free(path);
	free(rel);
}
END_TEST

/*
 * Every object is documented and every documented object exists: in
 * tern-themes(5) each object has one ".It Cm NAME" line inside the
 * OBJECTS section, and ".It Cm" is used for nothing else.
 */
START_TEST(test_manual)
{
	char		*path, line[1024], name[128];
	int		 seen[THEME_NOBJ] = { 0 }, lineno = 0, in_objects = 0, i;
	size_t		 n;
	FILE		*fp;

	path = src_path("man/tern-themes.5");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		if (strncmp(line, ".Sh ", 4) == 0) {
			in_objects = strcmp(line, ".Sh OBJECTS\n") == 0;
			continue;
		}
		if (strncmp(line, ".It Cm ", 7) != 0)
			continue;
		n = strcspn(line + 7, " \t\n");
		ck_assert_uint_lt(n, sizeof name);
		memcpy(name, line + 7, n);
		name[n] = '\0';
		ck_assert_msg(in_objects, "%s:%d: '.It Cm %s' outside the "
		    "OBJECTS section", path, lineno, name);
		for (i = 0; i < THEME_NOBJ; i++)
			if (strcmp(theme_obj_name(i), name) == 0)
				break;
		ck_assert_msg(i < THEME_NOBJ, "%s:%d: '%s' is not a theme "
		    "object", path, lineno, name);
		ck_assert_msg(seen[i] == 0, "%s:%d: '%s' documented twice "
		    "(also line %d)", path, lineno, name, seen[i]);
		seen[i] = lineno;
	}
	fclose(fp);
	for (i = 0; i < THEME_NOBJ; i++)
		ck_assert_msg(seen[i] != 0, "%s: no '.It Cm %s' in OBJECTS",
		    path, theme_obj_name(i));
	free(path);
}
END_TEST

/* Lookup order: a path as given; the user's themes; the installed ones;
 * ./themes. */
START_TEST(test_find)
{
	char	*cwd = getcwd(NULL, 0), *old, *p, *want, *dir;
	int	 shipped_installed;

	ck_assert_ptr_nonnull(cwd);
	old = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) :
	    NULL;
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	/* Run from the source tree, so that ./themes exists. */
	dir = src_path(".");
	ck_assert_int_eq(chdir(dir), 0);
	free(dir);

	ck_assert_ptr_null(theme_find(NULL));
	ck_assert_ptr_null(theme_find(""));
	ck_assert_ptr_null(theme_find("no-such-theme"));
	ck_assert_ptr_null(theme_find(".."));
	ck_assert_ptr_null(theme_find("."));
	ck_assert_ptr_null(theme_find("/nonexistent/theme"));
	ck_assert_ptr_null(theme_find("./themes"));	/* a directory */

	p = theme_find("./themes/mono");
	ck_assert_str_eq(p, "./themes/mono");
	free(p);

	/* No user theme: the installed one, else ./themes. */
	want = xasprintf("%s/themes/16color", DATADIR);
	shipped_installed = access(want, R_OK) == 0;
	p = theme_find("16color");
	ck_assert_str_eq(p, shipped_installed ? want : "themes/16color");
	free(p);
	free(want);

	/* The user's theme wins, even over a shipped name. */
	dir = xasprintf("%s/tern/themes", tmpdir);
	ck_assert_int_eq(mkdir_p(dir, 0700, NULL), 0);
	want = xasprintf("%s/16color", dir);
	free(write_file("tern/themes/16color", "pager.fg = 1\n", 13));
	p = theme_find("16color");
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	want = xasprintf("%s/mine", dir);
	free(write_file("tern/themes/mine", "", 0));
	p = theme_find("mine");
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	free(dir);

	/* A relative XDG_CONFIG_HOME is ignored (the XDG rules). */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	p = theme_find("mine");
	ck_assert(p == NULL || strstr(p, tmpdir) == NULL);
	free(p);

	if (old != NULL)
		setenv("XDG_CONFIG_HOME", old, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	free(old);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("theme");
	TCase	*tc = tcase_create("theme");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, test_bad_bytes);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_colors);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_monochrome);
	tcase_add_loop_test(tc, test_shipped, 0,
	    sizeof shipped / sizeof shipped[0]);
	tcase_add_test(tc, test_manual);
	tcase_add_test(tc, test_find);
	suite_add_tcase(s, tc);
	return s;
}
