#!/usr/bin/env python3
"""tests/fuzz/seeds.py - writes the seed corpora of the libFuzzer targets
(tests/fuzz/corpus/TARGET/seed-*) from the hand-written inputs below and
tests/data/mail.  Run by hand after changing it (python3 tests/fuzz/seeds.py);
the files are committed.  Crash regressions found later are kept beside them
as corpus/TARGET/regress-* and are never rewritten here."""
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))


def write(target, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


# ---- message: byte 0 = mode (0 normal, 1 all headers, 6 raw) ----
MAILS = [
    "From: A <a@example.com>\nTo: b@example.com\nSubject: hi\n"
    "Date: Mon, 2 Jan 2023 10:00:00 +0000\n\nhello\n> quoted\n-- \nsig\n",
    "From: =?UTF-8?B?w6lsw6h2ZQ==?= <e@x>\nSubject: =?ISO-8859-1?Q?caf=E9?=\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nsoft=3D\n=G1=\n",
    "Subject: \x1b[2J\x1b]0;t\x07\x9b31m\u202e\u200b\r\n"
    "From: \"bank@example.com\" <x@evil>\n\nbody \x1bP$q\x1b\\ \x08\x07\n",
    "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n"
    "--b1\nContent-Type: text/plain\n\nplain\n--b1\nContent-Type: text/html\n\n"
    "<p>h<b>t</b>&amp;<script>x</script><a href='http://e.x/'>l</a>\n--b1--\n",
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"\\\"\"\n\n"
    "--\"\nContent-Type: text/plain\n\nx\n--\"--\n",
    "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
    "Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--b--\n"
    "--a\nContent-Type: application/pdf; name=\"x.pdf\"\n"
    "Content-Transfer-Encoding: base64\nContent-Disposition: attachment;\n"
    " filename*=UTF-8''%2e%2e%2f%2e%2ebashrc\n\nJVBERi0=\n--a--\n",
    "Content-Type: text/plain; charset=x-unknown\n"
    "Content-Transfer-Encoding: base64\n\nw6k=\n=\nQUJD\n",
    "From: " + "(" * 300 + "\nTo: " + ":" * 100 + "\nSubject:\n\nb\n",
    "Content-Type: text/plain; charset=utf-7\n\n+AGEAYgBj-\n",
    "Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B$3$s\x1b(B\n",
    "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a\nM" + "A" * 200 + "\nend\n",
    "Subject: nul\x00byte\n\n\x00\xff\xfe\xed\xa0\x80\xc0\xaf\n",
]
for i, m in enumerate(MAILS):
    for mode in (0, 1, 6):
        write("message", bytes([mode]) + crlf(m).encode("utf-8", "surrogateescape"))
mdir = os.path.join(ROOT, "..", "data", "mail")
for n in sorted(os.listdir(mdir)):
    with open(os.path.join(mdir, n), "rb") as f:
        write("message", b"\0" + f.read())

# ---- attach_name: byte 0 even = Content-Disposition, odd = Content-Type ----
NAMES = [
    "filename=\"../../.bashrc\"", "filename=/etc/passwd", "filename=..",
    "filename=.profile", "filename=\"a\\\\b\"", "filename=" + "x" * 300,
    "filename*=UTF-8''%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "filename*=iso-8859-1'en'caf%E9.txt",
    "filename*0*=UTF-8''a%00b; filename*1=.txt",
    "filename*0=\"..\"; filename*1=\"/x\"",
    "filename=\"=?UTF-8?B?Li4vLi4vLmJhc2hyYw==?=\"",
    "filename=\"=?UTF-8?Q?=2E=2E=2F=1B[2J?=\"",
    "filename=\"\u202egnp.exe\"",
    "filename=\"a\x1b]8;;http://x\x07b\"",
]
for n in NAMES:
    write("attach_name", b"\0" + n.encode())
    write("attach_name", b"\1" + n.replace("filename", "name").encode())

# ---- imap: byte 0 = first step (see fuzz_imap.c), 4 bytes read sizes ----
GREET = "* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN SASL-IR] hi\r\n"
PRE = "* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE QRESYNC ENABLE MOVE UIDPLUS] hi\r\n"
STEPS = {
    0: GREET + "1 OK [CAPABILITY IMAP4rev1 MOVE] logged in\r\n",
    1: PRE + "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
         "* LIST (\\Sent \\HasNoChildren) \"/\" \"Sent\"\r\n"
         "* LIST (\\Noselect) \"/\" \"../../x\"\r\n"
         "* LIST () \"/\" {5}\r\na/b/c\r\n1 OK done\r\n",
    2: PRE + "* STATUS INBOX (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 7 UNSEEN 1 HIGHESTMODSEQ 100)\r\n"
         "1 OK\r\n* STATUS \"x\" ()\r\n2 OK\r\n",
    3: PRE + "* ENABLED QRESYNC\r\n1 OK\r\n",
    4: PRE + "* 3 EXISTS\r\n* FLAGS (\\Seen \\Answered)\r\n* OK [UIDVALIDITY 7]\r\n"
         "* OK [UIDNEXT 10]\r\n* OK [HIGHESTMODSEQ 120]\r\n* VANISHED (EARLIER) 1:3,5\r\n"
         "* 1 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (110))\r\n1 OK [READ-WRITE] selected\r\n",
    5: PRE + "* SEARCH 2 3 9\r\n1 OK\r\n",
    6: PRE + "* 1 FETCH (UID 1 FLAGS (\\Seen $Label1) MODSEQ (5) INTERNALDATE "
         "\"02-Jan-2023 10:00:00 +0000\" RFC822.SIZE 40 BODY[HEADER.FIELDS (FROM SUBJECT)] {27}\r\n"
         "From: a@b\r\nSubject: hi\r\n\r\n)\r\n* 2 EXPUNGE\r\n"
         "* 2 FETCH (UID 2 FLAGS () BODY[HEADER.FIELDS (FROM)] \"From: q\")\r\n1 OK\r\n",
    7: PRE + "* 1 FETCH (UID 0 FLAGS (\\Seen) BODY[HEADER.FIELDS (FROM)] {4294967295}\r\n",
    8: PRE + "* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"02-Jan-2023 10:00:00 +0000\" "
         "RFC822.SIZE 12 BODY[] {12}\r\nSubject: x\r\n)\r\n1 OK\r\n",
    9: PRE + "* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged))\r\n1 OK\r\n",
    10: PRE + "* OK [COPYUID 7 1:3,7,9 20:24]\r\n* 1 EXPUNGE\r\n1 OK moved\r\n",
    11: PRE + "+ go\r\n1 OK [APPENDUID 7 31] appended\r\n* 0 EXPUNGE\r\n2 OK\r\n",
}
for k, s in STEPS.items():
    for chunks in (b"\0\0\0\0", b"\x01\x01\x01\x01", b"\x07\x03\x3f\x10"):
        write("imap", bytes([k]) + chunks + s.encode())
write("imap", b"\0\0\0\0\0" + b"* BYE go away\r\n")
write("imap", b"\0\0\0\0\0" + b"* OK [ALERT] \x1b[2J hi\r\n1 NO [ALERT] \x1b]0;x\x07 bad\r\n")

# ---- smtp: byte 0 bit 0 = STARTTLS, rest = AUTH mechanism ----
SMTP = [
    "220 mx ESMTP\r\n250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 SMTPUTF8\r\n235 ok\r\n",
    "220 mx\r\n250-mx\r\n250-AUTH=LOGIN\r\n250 8BITMIME\r\n334 VXNlcm5hbWU6\r\n"
    "334 UGFzc3dvcmQ6\r\n235 ok\r\n",
    "220 mx\r\n250-mx\r\n250-AUTH XOAUTH2 OAUTHBEARER\r\n250 OK\r\n334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"
    "535 5.7.8 \x1b[2J bad\r\n",
    "220 go\r\n250 AUTH PLAIN\r\n",
    "554 no\r\n",
    "220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n250-mx\r\n250 AUTH PLAIN\r\n235 ok\r\n",
    "220 mx\r\n250-mx\r\n250 STARTTLS\r\n454 TLS not available\r\n",
    "220-mx multi\r\n220 line\r\n250-" + "A" * 2000 + "\r\n250 AUTH PLAIN\r\n",
    "220 mx\r\n250-mx\r\n250-SIZE 100\r\n250-DSN\r\n250 AUTH PLAIN\r\n235 ok\r\n",
]
# Whole reads (\0) make the rest of the input arrive with the greeting,
# which smtp_connect() refuses as injection; one-byte reads (\x41: 1, 1)
# take each seed through EHLO and AUTH.
for i, s in enumerate(SMTP):
    for b0 in (0, 1, 2, 4):
        write("smtp", bytes([b0]) + b"\0\0\0\0" + s.encode())
        write("smtp", bytes([b0]) + b"\x41\x41\x41\x41" + s.encode())
    write("smtp", bytes([i % 10]) + b"\x01\x02\x05\x0b" + s.encode())

# ---- config: byte 0 even = tern.conf, odd = a theme ----
CONF = [
    "[general]\ntheme = default\nlayout = wide\nmouse = yes\nthreads = yes\n"
    "sort = reverse-date\nfolder_width = 30\n\n[account work]\n"
    "imap = imaps://alice@127.0.0.1:993\nsmtp = smtp://alice@127.0.0.1:587\n"
    "from = Alice <alice@example.com>\nsync_days = 30\ntimeout = 20\n"
    "tls_pin = sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    "[account local]\ntype = maildir\npath = /tmp/x\n",
    "[keys]\nq = quit\nC-x = quit\n[keys pager]\nM-v = page-up\nF12 = help\n",
    "[account a]\nimap = imap://u@[::1]:143\npassword = hunter2\n",
    "[general\nfoo\n= bar\n[account ]\n",
    "[account x]\nimap = imaps://%41@host:99999999999\nauth = xoauth2\ntoken_command = 'a b' \"c\"\n",
]
for c in CONF:
    write("config", b"\0" + c.encode())
themes = os.path.join(ROOT, "..", "..", "themes")
for n in sorted(os.listdir(themes)):
    with open(os.path.join(themes, n), "rb") as f:
        write("config", b"\1" + f.read())
write("config", b"\1list_* = fg=#ff0000 bg=color300 bold,nounderline\npager_quote_? = 12 on 200\n")

# ---- folder_path: names separated by NUL ----
FOLDERS = [
    "INBOX\0inbox", "../../x\0..\0.\0/", "a/b\0a%2Fb\0a%!b", "&AOk-t&AOk-\0\u00e9t\u00e9",
    "&ZeVnLIqe-\0&Jjo-&-", "&\0&-\0&AAA-\0&2D3eAQ-", "Sent Items\0Sent_Items",
    "x" * 300 + "\0" + "x" * 299, "\x1b[2J\0\u202e\0\xff\xfe", "%\0%%\0%25",
]
for s in FOLDERS:
    write("folder_path", s.encode("utf-8", "surrogateescape"))

# ---- query ----
QUERIES = [
    "from:alice subject:\"hello world\" is:unread", "body:\"a\\\"b\" OR -is:read",
    "NOT (to:bob OR cc:carol) after:2023-01-01 before:2w", "larger:3k smaller:1M",
    "date:7d has:attachment has:cached", "folder:INBOX is:flagged", "\u4e2d\u6587 body:\u65e5\u672c",
    "*", "-(a OR b) c", "((((x))))", "server:foo", "re:x", "\"unterminated", "a\"b\"c",
    "body:NEAR(a b) body:\"x\" OR", "12:30 - -- ()", "date:2023-02-30 after:99999999d",
]
for q in QUERIES:
    write("query", q)
print("seeds written under", os.path.join(ROOT, "corpus"))
