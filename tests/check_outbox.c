/*
 * check_outbox.c - the outbox (store/outbox.c), the DATA wire form
 * (smtp_wire) and the envelope (sync/envelope.c): what is stored, in
 * which state, what reaches the server byte for byte, and who gets it.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "net.h"
#include "store.h"
#include "sync.h"

static char	 root[64];

static void
setup(void)
{
	snprintf(root, sizeof root, "/tmp/check_outbox-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	(void)!system(cmd);
}

static const char msg1[] =
    "From: Alice <alice@example.com>\n"
    "To: Carol <carol@example.com>\n"
    "Subject: hello\n"
    "\n"
    "body\n";

START_TEST(test_put_adds_date_and_msgid)
{
	struct outbox_entry	*o;
	size_t			 n;
	char			*id, *err = NULL, *data, *v;
	size_t			 len;

	id = outbox_put(root, msg1, strlen(msg1), &err);
	ck_assert_msg(id != NULL, "%s", err);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(o[0].id, id);
	ck_assert_int_eq(o[0].state, OUTBOX_QUEUED);
	ck_assert_str_eq(o[0].subject, "hello");
	ck_assert_str_eq(o[0].recipients, "Carol <carol@example.com>");
	ck_assert_str_eq(o[0].reason, "");
	ck_assert_ptr_null(o[0].envelope);
	ck_assert_int_eq(outbox_read(o[0].path, &data, &len, &err), 0);
	/* The message itself is kept, after the two added fields. */
	ck_assert_ptr_nonnull(strstr(data, msg1));
	v = outbox_header(data, len, "Message-ID");
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(strstr(v, "@example.com>") != NULL, "%s", v);
	ck_assert_msg(strstr(v, id) != NULL || v[1] != '\0', "%s", v);
	free(v);
	v = outbox_header(data, len, "Date");
	ck_assert_ptr_nonnull(v);
	free(v);
	/* The file is in cur/ with nothing left in tmp/. */
	ck_assert_ptr_nonnull(strstr(o[0].path, "/outbox/cur/"));
	free(data);
	outbox_free(o, n);
	free(id);
}
END_TEST

START_TEST(test_put_keeps_existing)
{
	static const char m[] = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Message-ID: <x@y>\r\nFrom: a@b.example\r\nTo: c@d\r\n\r\nhi\r\n";
	char	*out, *err = NULL;

	out = outbox_prepare(m, strlen(m), "ID", &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, m);
	free(out);
}
END_TEST

START_TEST(test_put_refuses)
{
	char	*err = NULL;

	ck_assert_ptr_null(outbox_prepare("no header", 9, "ID", &err));
	ck_assert_ptr_nonnull(err);
	free(err);
	err = NULL;
	ck_assert_ptr_null(outbox_prepare("To: x@y\n\nbody\n", 14, "ID", &err));
	ck_assert_ptr_nonnull(strstr(err, "From"));
	free(err);
	err = NULL;
	ck_assert_ptr_null(outbox_put(root, "From: a@b\n\0x\n", 13, &err));
	free(err);
}
END_TEST

START_TEST(test_states)
{
	struct outbox_entry	*o;
	size_t			 n;
	char			*id, *err = NULL;

	id = outbox_put(root, msg1, strlen(msg1), &err);
	ck_assert_ptr_nonnull(id);
	/* A retry not yet due is not claimed unless forced. */
	ck_assert_int_eq(outbox_claim(root, id, 0, 100), 1);
	ck_assert_int_eq(outbox_claim(root, id, 1, 100), 0);	/* sending */
	/* The user cannot delete or retry what is being sent. */
	ck_assert_int_eq(outbox_delete_dir(root, id, &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(outbox_result(root, id, OUTBOX_R_TEMP, "451 later",
	    time(NULL) + 1000, NULL), 0);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_int_eq(o[0].state, OUTBOX_QUEUED);
	ck_assert_str_eq(o[0].reason, "451 later");
	ck_assert_int_eq(o[0].attempts, 1);
	outbox_free(o, n);
	ck_assert_int_eq(outbox_claim(root, id, 0, time(NULL)), 0);
	ck_assert_int_eq(outbox_claim(root, id, 1, time(NULL)), 1);
	ck_assert_int_eq(outbox_result(root, id, OUTBOX_R_PERM, "550 no",
	    0, NULL), 0);
	ck_assert_int_eq(outbox_claim(root, id, 1, time(NULL)), 0);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_int_eq(o[0].state, OUTBOX_FAILED);
	outbox_free(o, n);
	/* The user's retry queues it for now. */
	ck_assert_int_eq(outbox_retry_dir(root, id, NULL), 0);
	ck_assert_int_eq(outbox_claim(root, id, 0, time(NULL)), 1);
	ck_assert_int_eq(outbox_result(root, id, OUTBOX_R_SENT, "", 0, NULL),
	    0);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_int_eq(o[0].state, OUTBOX_SENT);
	outbox_free(o, n);
	ck_assert_int_eq(outbox_remove(root, id, NULL), 0);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_uint_eq(n, 0);
	outbox_free(o, n);
	free(id);
}
END_TEST

/* A crash while sending: before the final "." it was not sent; after
 * it, possibly, and then it is never claimed again by itself. */
START_TEST(test_recover)
{
	struct outbox_entry	*o;
	size_t			 n, i;
	char			*a, *b;

	a = outbox_put(root, msg1, strlen(msg1), NULL);
	b = outbox_put(root, msg1, strlen(msg1), NULL);
	ck_assert_int_eq(outbox_claim(root, a, 1, 0), 1);
	ck_assert_int_eq(outbox_claim(root, b, 1, 0), 1);
	ck_assert_int_eq(outbox_result(root, b, OUTBOX_R_DATA, NULL, 0, NULL),
	    0);
	ck_assert_int_eq(outbox_recover(root), 2);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(o[i].id, a) == 0)
			ck_assert_int_eq(o[i].state, OUTBOX_QUEUED);
		else {
			ck_assert_int_eq(o[i].state, OUTBOX_UNSURE);
			ck_assert_ptr_nonnull(strstr(o[i].reason, "before"));
		}
	}
	outbox_free(o, n);
	ck_assert_int_eq(outbox_claim(root, b, 1, 0), 0);
	ck_assert_int_eq(outbox_claim(root, a, 1, 0), 1);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_envelope_rcpts_kept)
{
	struct outbox_entry	*o;
	size_t			 n;
	char			*r[] = { "x@example.org", "y@example.org" };
	char			*id;

	id = outbox_put_rcpts(root, msg1, strlen(msg1), r, 2, NULL);
	ck_assert_ptr_nonnull(id);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_str_eq(o[0].envelope, "x@example.org,y@example.org");
	outbox_free(o, n);
	/* A state change keeps them. */
	ck_assert_int_eq(outbox_claim(root, id, 1, 0), 1);
	ck_assert_int_eq(outbox_result(root, id, OUTBOX_R_TEMP, "x", 5, NULL),
	    0);
	ck_assert_int_eq(outbox_list_dir(root, &o, &n, NULL), 0);
	ck_assert_str_eq(o[0].envelope, "x@example.org,y@example.org");
	outbox_free(o, n);
	free(id);
}
END_TEST

/* ---- smtp_wire ---- */

static void
wire_is(const char *in, const char *want)
{
	size_t	 n;
	char	*w = smtp_wire(in, strlen(in), &n);

	ck_assert_uint_eq(n, strlen(want));
	ck_assert_msg(memcmp(w, want, n) == 0, "got [%.*s]", (int)n, w);
	free(w);
}

START_TEST(test_wire)
{
	wire_is("a\nb\n", "a\r\nb\r\n");
	wire_is("a\r\nb\r\n", "a\r\nb\r\n");
	wire_is("a\rb\r", "a\r\nb\r\n");		/* a lone CR */
	wire_is("no end", "no end\r\n");
	wire_is("", "");
	wire_is(".\n", "..\r\n");			/* stuffed once */
	wire_is("..x\n.\r\n", "...x\r\n..\r\n");
	wire_is("a\n.\nb", "a\r\n..\r\nb\r\n");
	wire_is("a\r.\rb", "a\r\n..\r\nb\r\n");	/* never \r.\r */
	wire_is("x.y\n", "x.y\r\n");
	wire_is("\r\n\n\r", "\r\n\r\n\r\n");
}
END_TEST

/* No bare CR or LF and no unstuffed "." line, whatever the input. */
START_TEST(test_wire_random)
{
	static const char alphabet[] = "\r\n.a ";
	char	 in[64], *w;
	size_t	 n, i, len;
	int	 round;

	srand(42);
	for (round = 0; round < 20000; round++) {
		len = (size_t)(rand() % 20);
		for (i = 0; i < len; i++)
			in[i] = alphabet[rand() % 5];
		in[len] = '\0';
		w = smtp_wire(in, len, &n);
		for (i = 0; i < n; i++) {
			if (w[i] == '\r')
				ck_assert(i + 1 < n && w[i + 1] == '\n');
			if (w[i] == '\n')
				ck_assert(i > 0 && w[i - 1] == '\r');
			if ((i == 0 || w[i - 1] == '\n') && w[i] == '.')
				ck_assert(i + 1 < n && w[i + 1] == '.');
		}
		ck_assert(n == 0 || (n >= 2 && w[n - 1] == '\n'));
		free(w);
	}
}
END_TEST

START_TEST(test_addr_ok)
{
	ck_assert(smtp_addr_ok("a@b.example"));
	ck_assert(smtp_addr_ok("jörg@exämple.org"));
	ck_assert(!smtp_addr_ok("a@b>\r\nRCPT TO:<c@d"));
	ck_assert(!smtp_addr_ok("a b@c"));
	ck_assert(!smtp_addr_ok("nobody"));
	ck_assert(!smtp_addr_ok(""));
}
END_TEST

/* ---- envelope ---- */

static void
addrs_are(const char *v, const char *want)
{
	char	**l = NULL, *got = xstrdup(""), *t;
	size_t	  n = 0, i;

	envelope_addrs(v, &l, &n);
	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", got, i ? " " : "", l[i]);
		free(got);
		got = t;
	}
	ck_assert_str_eq(got, want);
	free(got);
	envelope_free(l, n);
}

START_TEST(test_addrs)
{
	addrs_are("a@b", "a@b");
	addrs_are("Carol <carol@example.com>, dave@example.com",
	    "carol@example.com dave@example.com");
	addrs_are("\"Doe, John\" <john@x.example>", "john@x.example");
	addrs_are("john@x.example (John, the one)", "john@x.example");
	addrs_are("team: a@x, \"B\" <b@x>;, c@x", "a@x b@x c@x");
	addrs_are("undisclosed-recipients:;", "");
	addrs_are("A@X, a@x", "A@X");			/* once */
	addrs_are("", "");
}
END_TEST

START_TEST(test_rcpts_and_bcc)
{
	static const char m[] =
	    "From: Alice <alice@example.com>\r\n"
	    "To: carol@example.com\r\n"
	    "Bcc: bob@example.com,\r\n"
	    "  eve@example.com\r\n"
	    "Cc: Dave <dave@example.com>\r\n"
	    "Subject: x\r\n"
	    "\r\n"
	    "Bcc: not a header\r\n";
	static const char want[] =
	    "From: Alice <alice@example.com>\r\n"
	    "To: carol@example.com\r\n"
	    "Cc: Dave <dave@example.com>\r\n"
	    "Subject: x\r\n"
	    "\r\n"
	    "Bcc: not a header\r\n";
	char	**l = NULL, *s, *from;
	size_t	  n = 0, len;

	envelope_rcpts(m, strlen(m), &l, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(l[0], "carol@example.com");
	ck_assert_str_eq(l[1], "dave@example.com");
	ck_assert_str_eq(l[2], "bob@example.com");
	ck_assert_str_eq(l[3], "eve@example.com");
	envelope_free(l, n);
	s = envelope_strip_bcc(m, strlen(m), &len);
	ck_assert_str_eq(s, want);
	ck_assert_uint_eq(len, strlen(want));
	free(s);
	from = envelope_sender(m, strlen(m));
	ck_assert_str_eq(from, "alice@example.com");
	free(from);
}
END_TEST

START_TEST(test_long_lines)
{
	char	*m, *out, *dec;
	size_t	 len, olen, i, run;

	/* Short lines: nothing to do. */
	ck_assert_ptr_null(envelope_long_lines(msg1, strlen(msg1), &olen));
	m = xmalloc(3000);
	len = (size_t)snprintf(m, 3000, "From: a@b\nTo: c@d\n"
	    "Content-Transfer-Encoding: 8bit\n\n=");
	memset(m + len, 'x', 2000);
	len += 2000;
	memcpy(m + len, " \n.\n", 4);
	len += 4;
	out = envelope_long_lines(m, len, &olen);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out,
	    "Content-Transfer-Encoding: quoted-printable\n"));
	ck_assert_ptr_null(strstr(out, "8bit"));
	for (i = run = 0; i < olen; i++) {
		run = out[i] == '\n' ? 0 : run + 1;
		ck_assert_uint_le(run, 76);
	}
	/* It decodes back: "=" and the trailing space encoded. */
	ck_assert_ptr_nonnull(strstr(out, "\n\n=3Dxxx"));
	ck_assert_ptr_nonnull(strstr(out, "x=20\n.\n"));
	dec = strstr(out, "\n\n") + 2;
	(void)dec;
	free(out);
	/* A multipart message is left alone. */
	len = (size_t)snprintf(m, 3000, "From: a@b\nContent-Type: "
	    "multipart/mixed; boundary=q\n\n");
	memset(m + len, 'y', 1500);
	len += 1500;
	ck_assert_ptr_null(envelope_long_lines(m, len, &olen));
	free(m);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("outbox");
	TCase	*tc = tcase_create("outbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_adds_date_and_msgid);
	tcase_add_test(tc, test_put_keeps_existing);
	tcase_add_test(tc, test_put_refuses);
	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_recover);
	tcase_add_test(tc, test_envelope_rcpts_kept);
	tcase_add_test(tc, test_wire);
	tcase_add_test(tc, test_wire_random);
	tcase_add_test(tc, test_addr_ok);
	tcase_add_test(tc, test_addrs);
	tcase_add_test(tc, test_rcpts_and_bcc);
	tcase_add_test(tc, test_long_lines);
	suite_add_tcase(s, tc);
	return s;
}
