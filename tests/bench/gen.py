#!/usr/bin/env python3
"""gen.py - fill the harness's Dovecot A with a large, realistic mailbox
for tern's sync benchmark (tests/bench/run).

Writes the messages straight into the user's Maildir as files (much
faster than APPEND): INBOX plus up to 49 other folders (created first
with `doveadm mailbox create`, so subscriptions, the folder list and
the Maildir++ directories are Dovecot's own), message sizes 2-50 KB
(log-uniform), From/To/Cc/Subject with RFC 2047 encoded words
(UTF-8 and ISO-8859-1, B and Q), Dates over two years, Message-ID,
In-Reply-To/References threads, multipart/alternative and
multipart/mixed with base64 attachments.  Files are named as Dovecot
names them in cur/ (<time>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<vsize>:2,
<flags>), their mtime is the arrival time (Maildir INTERNALDATE), and
they are written by worker processes running as the mail user (uid/gid
8), so they are owned by it.  Then `doveadm force-resync` and
`doveadm index` give Dovecot its UIDs and index.

Deterministic: the same --seed, --messages and --folders give the same
bytes (each folder has its own random stream, so the parallel workers
do not change the result).

  gen.py [--messages N] [--folders F] [--seed S] [--user alice] [--jobs J]

Needs TERN_DOVECOT_CONF (from the harness's env file).  Prints a
summary on stdout; exits non-zero if anything failed.
"""
import argparse
import base64
import bisect
import calendar
import multiprocessing
import os
import random
import subprocess
import time

MAIL_UID = 8
MAIL_GID = 8
HOST = 'bench'
KB = 1024
MIN_SIZE = 2 * KB
MAX_SIZE = 50 * KB
# Arrival times fall in the two years before this (fixed for determinism).
END = calendar.timegm((2025, 6, 1, 0, 0, 0))
SPAN = 2 * 365 * 86400

# (name, weight, reply probability).  Parents come before their children
# so that the first F of the list is always a consistent set of folders.
FOLDERS = [
    ('INBOX', 14, 0.35), ('Sent', 7, 0.75), ('Archive', 9, 0.4),
    ('Lists', 1, 0.5), ('Lists.linux-kernel', 8, 0.7),
    ('Lists.debian-devel', 5, 0.65), ('Trash', 2, 0.3),
    ('Projects', 1, 0.4), ('Projects.tern', 3, 0.6), ('Work', 2, 0.4),
    ('Junk', 1.5, 0.0), ('Drafts', 0.2, 0.5), ('Notifications', 2, 0.1),
    ('Notifications.GitHub', 4, 0.5), ('Notifications.CI', 2, 0.2),
    ('Lists.dovecot', 2, 0.6), ('Lists.postfix-users', 2, 0.6),
    ('Lists.openbsd-misc', 2, 0.6), ('Lists.rust-users', 1.5, 0.6),
    ('Lists.python-dev', 1.5, 0.6), ('Lists.sqlite-users', 1, 0.6),
    ('Lists.git', 2, 0.6), ('Lists.emacs-devel', 1.5, 0.6),
    ('Lists.ffmpeg-devel', 1, 0.6), ('Archive.2023', 3, 0.4),
    ('Archive.2024', 3, 0.4), ('Projects.website', 0.8, 0.5),
    ('Projects.Überarbeitung', 0.5, 0.5), ('Projects.infra', 0.8, 0.5),
    ('Work.Meetings', 0.8, 0.4), ('Work.Reports', 0.6, 0.3),
    ('Work.HR', 0.3, 0.3), ('Work.Rechnungen', 0.5, 0.2),
    ('Work.Reisekosten', 0.3, 0.2), ('Family', 0.8, 0.5),
    ('Friends', 0.8, 0.5), ('Travel', 0.4, 0.3), ('Receipts', 0.6, 0.0),
    ('Bills', 0.4, 0.0), ('Newsletters', 2, 0.0), ('Café', 0.3, 0.4),
    ('Музыка', 0.3, 0.4), ('日本語', 0.3, 0.4), ('Bücher', 0.3, 0.3),
    ('Photos', 0.3, 0.2), ('Health', 0.2, 0.3), ('Taxes', 0.2, 0.2),
    ('Old mail', 1, 0.3), ('Lists.misc', 0.5, 0.5), ('Later', 0.3, 0.2),
]

PEOPLE = [
    ('Alice Example', 'alice@example.com'), ('Bob Builder', 'bob@example.org'),
    ('Jürgen Müller', 'juergen.mueller@example.de'),
    ('Zoë Lefèvre', 'zoe@example.fr'), ('Łukasz Wiśniewski', 'lukasz@example.pl'),
    ('山田太郎', 'taro.yamada@example.jp'), ('Αλέξανδρος Παπαδόπουλος', 'alex@example.gr'),
    ('Ольга Смирнова', 'olga@example.ru'), ('François Dubois', 'francois@example.fr'),
    ('Søren Kierkegaard', 'soren@example.dk'), ('José Álvarez', 'jose@example.es'),
    ('Carol Jones', 'carol@example.net'), ('Dave Smith', 'dave@example.com'),
    ('Erin Brown', 'erin@example.org'), ('Frank Miller', 'frank@example.com'),
    ('Grace Hopper', 'grace@example.edu'), ('Heidi Klum', 'heidi@example.de'),
    ('Ivan Petrov', 'ivan@example.ru'), ('Judy Chen', 'judy@example.cn'),
    ('Mallory Evil', 'mallory@example.biz'), ('Niaj Kumar', 'niaj@example.in'),
    ('Olivia Wilde', 'olivia@example.com'), ('Peggy Sue', 'peggy@example.org'),
    ('Rupert Giles', 'rupert@example.co.uk'), ('Sybil Trelawney', 'sybil@example.co.uk'),
    ('Trent Reznor', 'trent@example.com'), ('Victor Hugo', 'victor@example.fr'),
    ('Walter White', 'walter@example.com'), ('Ærøskøbing Ferry', 'ferry@example.dk'),
    ('Renée Zellweger', 'renee@example.com'), ('Björk Guðmundsdóttir', 'bjork@example.is'),
    ('Nguyễn Văn An', 'an@example.vn'), ('김민준', 'minjun@example.kr'),
    ('GitHub', 'notifications@github.example'), ('CI Bot', 'ci@build.example.com'),
]
WORDS = ('the of and to in is that for it as with was on be by this are at '
         'from or have an they which one you had not but what all were when '
         'we there can been has more if will their so no would each about how '
         'up out them then she many some these two like other into time has '
         'server client patch review build release branch merge commit test '
         'failure deadline meeting budget report invoice schedule proposal '
         'kernel driver memory cache index query folder message thread sync '
         'please thanks regards attached below above update question answer '
         'issue fix change version config network latency throughput').split()
UWORDS = ('Grüße Überblick Straße Café naïve résumé façade Ångström '
          'Привет спасибо 会議 資料 ありがとう Καλημέρα ευχαριστώ '
          'zażółć gęślą jaźń Smørrebrød déjà-vu').split()
SUBJECT_U = ['Rechnung für März', 'Über das Treffen am Dienstag',
             '会議の議事録', 'Отчёт за квартал', "Réunion de l'équipe",
             '🎉 Release party', 'Ærlig talt', 'Zażółć gęślą jaźń',
             'Café crème à la gare', 'Ελληνικά κείμενα', 'Năm mới vui vẻ',
             'Straßenbahn-Fahrplan', '今日のランチ', 'Déjà vu: the sequel']
SUBJECT_A = ['Weekly status', 'Build failed on main', 'Question about the API',
             'Lunch?', 'Invoice', 'Minutes of the meeting', 'Design review',
             'Your order has shipped', 'Security update', 'Patch v3',
             'Holiday plans', 'Re-org announcement', 'Quarterly numbers',
             'Server maintenance window', 'New comment on your pull request']
ATTACH = [('application/pdf', 'report.pdf'), ('image/jpeg', 'IMG_2041.jpg'),
          ('application/zip', 'logs.zip'), ('image/png', 'screenshot.png'),
          ('application/pdf', 'Rechnung_März.pdf'), ('application/pdf', 'Résumé.pdf'),
          ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
           'Budget 2024.xlsx')]
DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
          'Oct', 'Nov', 'Dec']
ZONES = [0, 60, 120, -300, -420, 330, 540, -180, 100]


def folder_list(n):
    if not 1 <= n <= len(FOLDERS):
        raise SystemExit('gen.py: --folders must be 1..%d' % len(FOLDERS))
    return FOLDERS[:n]


# ---- RFC 2047 ----

def _q_encode(b):
    out = []
    for c in b:
        if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or
                c in b'!*+-/'):
            out.append(chr(c))
        elif c == 32:
            out.append('_')
        else:
            out.append('=%02X' % c)
    return ''.join(out)


def encode_words(text, rng):
    """text as RFC 2047 encoded words (if needed), folded with LF+space."""
    try:
        text.encode('ascii')
        return text
    except UnicodeEncodeError:
        pass
    charset = 'UTF-8'
    try:
        if rng.random() < 0.4:
            text.encode('iso-8859-1')
            charset = 'ISO-8859-1'
    except UnicodeEncodeError:
        pass
    q = rng.random() < 0.5
    words, chunk, clen = [], [], 0
    for ch in text:
        b = ch.encode(charset)
        if clen + len(b) > (30 if q else 42) and chunk:
            words.append(''.join(chunk))
            chunk, clen = [], 0
        chunk.append(ch)
        clen += len(b)
    if chunk:
        words.append(''.join(chunk))
    enc = []
    for w in words:
        b = w.encode(charset)
        if q:
            enc.append('=?%s?Q?%s?=' % (charset, _q_encode(b)))
        else:
            enc.append('=?%s?B?%s?=' % (charset, base64.b64encode(b).decode()))
    return '\n '.join(enc)


def address(person, rng):
    name, addr = person
    try:
        name.encode('ascii')
        if rng.random() < 0.2:
            return addr
        return '"%s" <%s>' % (name, addr) if rng.random() < 0.3 else '%s <%s>' % (name, addr)
    except UnicodeEncodeError:
        return '%s <%s>' % (encode_words(name, rng), addr)


def rfc2822_date(t, zone_min):
    lt = time.gmtime(t + zone_min * 60)
    sign = '+' if zone_min >= 0 else '-'
    z = abs(zone_min)
    return '%s, %d %s %d %02d:%02d:%02d %s%02d%02d' % (
        DAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year,
        lt.tm_hour, lt.tm_min, lt.tm_sec, sign, z // 60, z % 60)


# ---- filler pools (built once per process, from a fixed seed) ----

class Pools:
    def __init__(self):
        r = random.Random(20240229)
        lines, n = [], 0
        while n < 1500 * KB:
            ws = []
            ln = 0
            while ln < 66:
                w = r.choice(UWORDS) if r.random() < 0.04 else r.choice(WORDS)
                ws.append(w)
                ln += len(w) + 1
            line = ' '.join(ws)
            if r.random() < 0.08:
                line = ''
            lines.append(line + '\n')
            n += len(line.encode()) + 1
        self.text = ''.join(lines).encode()
        self.text_starts = [0]
        for ln in lines:
            self.text_starts.append(self.text_starts[-1] + len(ln.encode()))
        raw = r.randbytes(768 * KB)
        b64 = base64.encodebytes(raw)          # 76-char lines + LF
        self.b64 = b64
        self.b64_line = 77

    def text_slice(self, rng, size):
        """About size bytes of whole lines of text."""
        size = max(size, 40)
        i = rng.randrange(len(self.text_starts) - 1)
        start = self.text_starts[i]
        if start + size > len(self.text):
            start = 0
        j = bisect.bisect_left(self.text_starts, start + size)
        end = self.text_starts[min(j, len(self.text_starts) - 1)]
        return self.text[start:end]

    def b64_slice(self, rng, size):
        lines = max(1, size // self.b64_line)
        total = len(self.b64) // self.b64_line
        if lines > total:
            lines = total
        i = rng.randrange(total - lines + 1)
        return self.b64[i * self.b64_line:(i + lines) * self.b64_line]


_POOLS = None


def pools():
    global _POOLS
    if _POOLS is None:
        _POOLS = Pools()
    return _POOLS


# ---- one message ----

def subject_text(rng):
    if rng.random() < 0.3:
        s = rng.choice(SUBJECT_U)
    else:
        s = rng.choice(SUBJECT_A)
    if rng.random() < 0.5:
        s += ' ' + ' '.join(rng.choice(WORDS) for _ in range(rng.randrange(1, 8)))
    if rng.random() < 0.3:
        s += ' #%d' % rng.randrange(1, 5000)
    return s


def make_message(rng, when, msgid, subject, parent=None, folder='INBOX',
                 target=None):
    """One message (bytes, LF line ends) arriving at `when`, of about
    target bytes (default: log-uniform in 2..50 KB), never outside
    MIN_SIZE..MAX_SIZE.  parent: (msgid, references) of the message
    replied to, or None."""
    if target is None:
        target = int(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** rng.random())
    target = min(max(target, MIN_SIZE), MAX_SIZE)
    for _ in range(5):
        msg = _build(rng, when, msgid, subject, parent, folder, target)
        if len(msg) < MIN_SIZE:
            target += MIN_SIZE - len(msg) + 200
        elif len(msg) > MAX_SIZE:
            target -= len(msg) - MAX_SIZE + 200
        else:
            break
    return msg


def _build(rng, when, msgid, subject, parent, folder, target):
    p = pools()
    sender = rng.choice(PEOPLE)
    if folder == 'Sent' or folder == 'Drafts':
        sender = PEOPLE[0]
    to = [rng.choice(PEOPLE) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    if folder != 'Sent' and rng.random() < 0.7:
        to[0] = PEOPLE[0]
    sent = when - rng.randrange(1, 3600)
    h = []
    h.append('Return-Path: <%s>' % sender[1])
    for k in range(rng.randrange(1, 4)):
        h.append('Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n'
                 '\tby mail.example.com (Postfix) with ESMTPS id %X\n'
                 '\tfor <alice@example.com>; %s' % (k, k, rng.randrange(1, 255),
                                                   rng.getrandbits(40),
                                                   rfc2822_date(when - k, 0)))
    if rng.random() < 0.3:
        sig = base64.b64encode(rng.randbytes(128)).decode()
        h.append('DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net;\n'
                 '\ts=sel1; h=from:to:subject:date:message-id;\n\tbh=%s;\n\tb=%s\n\t %s'
                 % (sig[:44], sig[44:110], sig[110:]))
    h.append('Date: %s' % rfc2822_date(sent, rng.choice(ZONES)))
    h.append('From: %s' % address(sender, rng))
    h.append('To: %s' % ',\n '.join(address(x, rng) for x in to))
    if rng.random() < 0.3:
        cc = [rng.choice(PEOPLE) for _ in range(rng.randrange(1, 5))]
        h.append('Cc: %s' % ',\n '.join(address(x, rng) for x in cc))
    h.append('Subject: %s' % encode_words(subject, rng))
    h.append('Message-ID: <%s>' % msgid)
    if parent is not None:
        pid, prefs = parent
        refs = (prefs + [pid])[-10:]
        h.append('In-Reply-To: <%s>' % pid)
        h.append('References: %s' % '\n '.join('<%s>' % r for r in refs))
    if folder.startswith('Lists.'):
        lname = folder[6:]
        h.append('List-Id: %s <%s.lists.example.org>' % (lname, lname))
        h.append('List-Unsubscribe: <mailto:%s-unsubscribe@lists.example.org>' % lname)
        h.append('Precedence: list')
    h.append('MIME-Version: 1.0')
    h.append('X-Mailer: bench-gen 1.0')
    head = '\n'.join(h).encode()

    kind = rng.random()
    if target > 16 * KB and kind < 0.55 or kind < 0.2:
        kind = 'mixed'
    elif kind < 0.4:
        kind = 'alternative'
    else:
        kind = 'plain'
    boundary = '=_bench_%x' % rng.getrandbits(48)
    room = max(target - len(head) - 200, 200)
    if kind == 'plain':
        body = p.text_slice(rng, room)
        ct = (b'Content-Type: text/plain; charset=utf-8; format=flowed\n'
              b'Content-Transfer-Encoding: 8bit\n')
        msg = head + b'\n' + ct + b'\n' + body
    elif kind == 'alternative':
        t = p.text_slice(rng, room // 3)
        html = (b'<html><body><p>' + p.text_slice(rng, room // 2 - 40)
                .replace(b'\n\n', b'</p><p>') + b'</p></body></html>\n')
        b = boundary.encode()
        msg = (head + b'\nContent-Type: multipart/alternative; boundary="' + b +
               b'"\n\nThis is a multi-part message in MIME format.\n--' + b +
               b'\nContent-Type: text/plain; charset=utf-8\n'
               b'Content-Transfer-Encoding: 8bit\n\n' + t + b'--' + b +
               b'\nContent-Type: text/html; charset=utf-8\n'
               b'Content-Transfer-Encoding: 8bit\n\n' + html + b'--' + b + b'--\n')
    else:
        t = p.text_slice(rng, min(room // 4, 3 * KB))
        b = boundary.encode()
        parts = [head + b'\nContent-Type: multipart/mixed; boundary="' + b +
                 b'"\n\nThis is a multi-part message in MIME format.\n--' + b +
                 b'\nContent-Type: text/plain; charset=utf-8\n'
                 b'Content-Transfer-Encoding: 8bit\n\n' + t]
        natt = 1 if rng.random() < 0.8 else 2
        left = max(room - len(t), 600)
        for _ in range(natt):
            ctype, fname = rng.choice(ATTACH)
            try:
                fname.encode('ascii')
                disp = 'attachment; filename="%s"' % fname
                ctn = '%s; name="%s"' % (ctype, fname)
            except UnicodeEncodeError:
                from urllib.parse import quote
                disp = "attachment;\n filename*=UTF-8''%s" % quote(fname)
                ctn = '%s;\n name="%s"' % (ctype, encode_words(fname, rng))
            parts.append(b'--' + b + ('\nContent-Type: %s\nContent-Disposition: %s\n'
                                      'Content-Transfer-Encoding: base64\n\n'
                                      % (ctn, disp)).encode() +
                         p.b64_slice(rng, left // natt))
        parts.append(b'--' + b + b'--\n')
        msg = b''.join(parts)
    return msg


def flags_for(rng, folder, when):
    if folder == 'Drafts':
        return 'DS' if rng.random() < 0.5 else 'D'
    if folder == 'Sent':
        return 'S'
    age = END - when
    seen = rng.random() < (0.97 if age > 14 * 86400 else 0.5)
    f = ''
    if rng.random() < 0.03:
        f += 'F'
    if folder in ('INBOX', 'Archive') and rng.random() < 0.1:
        f += 'R'
    if seen:
        f += 'S'
    return f          # letters in ASCII order, as Maildir requires


def msgid_for(seed, fi, i, when):
    return '%d.%d.%d.%08x@%s' % (when, fi, i,
                                 (seed * 2654435761 + fi * 40503 + i * 69069) & 0xffffffff,
                                 'example.net' if i % 3 else 'mail.example.com')


# ---- one folder (in a worker running as the mail user) ----

def drop_privileges():
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(MAIL_GID)
        os.setuid(MAIL_UID)
    pools()


def write_folder(job):
    seed, fi, name, count, reply_p, path = job
    rng = random.Random('%d:%d:%s' % (seed, fi, name))
    times = sorted(END - rng.randrange(SPAN) for _ in range(count))
    cur = os.path.join(path, 'cur')
    recent = []           # (msgid, references, subject) of recent messages
    nbytes = 0
    for i, when in enumerate(times):
        mid = msgid_for(seed, fi, i, when)
        parent = None
        if recent and rng.random() < reply_p:
            pm, prefs, psub = recent[rng.randrange(max(0, len(recent) - 200),
                                                   len(recent))]
            parent = (pm, prefs)
            subj = psub if psub.startswith('Re: ') else 'Re: ' + psub
            refs = (prefs + [pm])[-10:]
        else:
            subj = subject_text(rng)
            refs = []
        data = make_message(rng, when, mid, subj, parent, name)
        recent.append((mid, refs, subj))
        if len(recent) > 400:
            del recent[:200]
        fl = flags_for(rng, name, when)
        fn = '%d.M%dP%dQ%d.%s,S=%d,W=%d:2,%s' % (
            when, rng.randrange(1000000), 4000 + fi, i + 1, HOST, len(data),
            len(data) + data.count(b'\n'), fl)
        fd = os.open(os.path.join(cur, fn), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.utime(fd, (when, when))
        finally:
            os.close(fd)
        nbytes += len(data)
    return name, count, nbytes


def split_counts(folders, total):
    wsum = sum(w for _, w, _ in folders)
    counts = [max(1, int(total * w / wsum)) for _, w, _ in folders]
    i = 0
    while sum(counts) < total:
        counts[i % len(counts)] += 1
        i += 1
    while sum(counts) > total:
        j = counts.index(max(counts))
        counts[j] -= 1
    return counts


def doveadm(conf, *args):
    r = subprocess.run(['doveadm', '-c', conf] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit('gen.py: doveadm %s failed (%d): %s' % (
            ' '.join(args[:3]), r.returncode, r.stderr.decode(errors='replace').strip()))
    return r.stdout.decode()


def main():
    ap = argparse.ArgumentParser(description='fill Dovecot A for the benchmark')
    ap.add_argument('--messages', type=int, default=int(os.environ.get('BENCH_MESSAGES', 100000)))
    ap.add_argument('--folders', type=int, default=int(os.environ.get('BENCH_FOLDERS', 50)))
    ap.add_argument('--seed', type=int, default=int(os.environ.get('BENCH_SEED', 1)))
    ap.add_argument('--user', default='alice')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    conf = os.environ.get('TERN_DOVECOT_CONF')
    if not conf:
        raise SystemExit('gen.py: TERN_DOVECOT_CONF is not set (source the harness env)')
    folders = folder_list(a.folders)
    if a.messages < len(folders):
        raise SystemExit('gen.py: need at least one message per folder')
    counts = split_counts(folders, a.messages)

    t0 = time.monotonic()
    # Folders: Dovecot creates the Maildir++ directories (as the mail
    # user, named in modified UTF-7) and subscribes them.
    create = [n for n, _, _ in folders if n != 'INBOX']
    if create:
        doveadm(conf, 'mailbox', 'create', '-u', a.user, '-s', *create)
    paths = []
    for n, _, _ in folders:
        pth = doveadm(conf, 'mailbox', 'path', '-u', a.user, n).strip()
        if not os.path.isdir(os.path.join(pth, 'cur')):
            raise SystemExit('gen.py: %s: no Maildir at %s' % (n, pth))
        paths.append(pth)
    t1 = time.monotonic()

    jobs = [(a.seed, fi, n, c, rp, paths[fi])
            for fi, ((n, _, rp), c) in enumerate(zip(folders, counts))]
    jobs.sort(key=lambda j: -j[3])           # biggest first: better balance
    total_bytes = 0
    with multiprocessing.Pool(a.jobs, initializer=drop_privileges) as pool:
        for name, count, nbytes in pool.imap_unordered(write_folder, jobs):
            total_bytes += nbytes
    t2 = time.monotonic()

    doveadm(conf, 'force-resync', '-u', a.user, '*')
    t3 = time.monotonic()
    doveadm(conf, 'index', '-u', a.user, '*')
    t4 = time.monotonic()

    print('gen: %d messages (%.0f MB, mean %.1f KB) in %d folders (largest %s: %d)'
          % (a.messages, total_bytes / 1e6, total_bytes / a.messages / KB,
             len(folders), folders[counts.index(max(counts))][0], max(counts)))
    print('gen: folders %.1f s, files %.1f s, doveadm force-resync %.1f s, '
          'doveadm index %.1f s' % (t1 - t0, t2 - t1, t3 - t2, t4 - t3))


if __name__ == '__main__':
    main()
