#!/usr/bin/env python3
"""crashctl.py - the server side and the checks of tests/integration/crash.sh
(SECURITY.md tests 30, 31, 35): seeds a large, deterministic mailbox
quickly and checks, after tern sync was killed many times, that the
server, tern's index and tern's Maildir cache are what they must be.
Python standard library only; loopback only.

  crashctl.py [--port P] [--user U] [--password-env VAR] COMMAND ...
    seed                  create Crash1..Crash5 and MULTIAPPEND 1,000
                          messages to each and 200 to Trash (one command
                          per folder)
    verify (seeded|marked)
                          the server holds every seeded Message-ID exactly
                          once, in the folder and with the flags the seed
                          (and, once marked, the queued marks) say; nothing
                          else is in Crash1..5 or Trash; what was deleted
                          for good is nowhere
    unique TERN_JSON (seeded|marked)
                          no (folder, Message-ID) twice in tern's search
                          --json output, and every seeded Message-ID in it
                          exactly once (none that was deleted for good)
    cache DATA_DIR [--sample N]
                          tern's Maildir cache: every cached row names one
                          file in cur/, nothing in new/, no file in cur/
                          that no row names; N random files equal the
                          server's BODY.PEEK[] byte for byte
    pending DATA_DIR      print the number of rows in the pending table
    folder DATA_DIR NAME  print the folder's UIDVALIDITY, rows and cached
                          rows in tern's index
    run-kill [--anchor RE [--nth N] [--timeout T]] --delay MS [--log FILE]
             -- PROGRAM...
                          runs PROGRAM, SIGKILLs it MS ms after its start
                          or after the Nth stderr line matching RE (or T
                          ms after its start if RE was not seen by then)
    invariants DATA_DIR   what must hold even right after a kill: the
                          index passes quick_check, no (folder, Message-ID)
                          twice, every cached row's file is there, new/
                          is empty
    move-msgids SRC DEST ID,...
                          a second device moves these messages
    where ID,...          where each message is; exit 1 if one is nowhere
    fill FOLDER N         FOLDER anew with renum-0 .. renum-N-1 (subject
                          "renum nNNNN")
    reverse FOLDER N      FOLDER anew (a new UIDVALIDITY) with the same
                          messages in reverse order: every UID now names
                          another message
    renum-verify FOLDER N DELETED
                          each renum-K is on the server once: in Trash if
                          K is in the comma-separated list DELETED, else
                          in FOLDER
    same A.json B.json    two tern search --json outputs hold the same
                          messages (folder, uid, flags, Message-ID, cached)

The mailbox is a function of (folder, n) so every check can compute what
each message must look like:
  Crash1..Crash5 (F = 1..5, n = 0..999) and Trash (F = 6, n = 0..199),
  Message-ID <crash-F-N@tern.test>, subject "crash F N" plus tags naming
  the marks crash.sh queues:
    tagread  Crash3 and Crash4, n even                 -> \\Seen
    tagflag  Crash3, Crash4 and Trash, n % 4 == 1;
             Crash5 n < 300; Crash1 200 <= n < 400      -> \\Flagged
    tagmove  Crash1 n < 300                            -> moved to Crash2
    tagdel   Crash4 n >= 800                           -> moved to Trash
    tagpurge Trash, n even                             -> expunged
  and the batch bB, B = n / 100, which crash.sh marks one after the
  other, so that the queue alternates between kinds of change.
  seeded flags: \\Seen if n % 7 == 0, \\Flagged if n % 11 == 0,
  \\Answered if n % 13 == 0.
"""
import argparse
import atexit
import email.utils
import imaplib
import json
import os
import random
import re
import select
import sqlite3
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

# (f, folder, number of messages): folder f holds crash-F-0 ... crash-F-N-1
SEEDED = [(f, 'Crash%d' % f, 1000) for f in range(1, 6)] + [(6, 'Trash', 200)]
FOLDERS = [x[1] for x in SEEDED]
FLAGS = ('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft')
MSGID_RE = re.compile(r'^crash-(\d)-(\d+)@tern\.test$')


def connect(a):
    ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
    m = imaplib.IMAP4_SSL('localhost', a.port, ssl_context=ctx, timeout=60)
    m.login(a.user, os.environ[a.password_env])
    return m


def q(name):
    return '"' + name.replace('\\', '\\\\').replace('"', '\\"') + '"'


def all_seeded():
    for f, folder, count in SEEDED:
        for n in range(count):
            yield f, n, 'crash-%d-%d@tern.test' % (f, n)


def tags(f, n):
    t = []
    if f in (3, 4) and n % 2 == 0:
        t.append('tagread')
    if ((f in (3, 4, 6) and n % 4 == 1) or (f == 5 and n < 300) or
            (f == 1 and 200 <= n < 400)):
        t.append('tagflag')
    if f == 1 and n < 300:
        t.append('tagmove')
    if f == 4 and n >= 800:
        t.append('tagdel')
    if f == 6 and n % 2 == 0:
        t.append('tagpurge')
    t.append('b%d' % (n // 100))
    return t


def seed_flags(n):
    fl = set()
    if n % 7 == 0:
        fl.add('\\Seen')
    if n % 11 == 0:
        fl.add('\\Flagged')
    if n % 13 == 0:
        fl.add('\\Answered')
    return fl


def expected(f, n, marked):
    """(folder, sorted flags) of message n of folder f; folder None: it
    was deleted for good."""
    fl = seed_flags(n)
    folder = SEEDED[f - 1][1]
    if marked:
        t = tags(f, n)
        if 'tagread' in t:
            fl.add('\\Seen')
        if 'tagflag' in t:
            fl.add('\\Flagged')
        if 'tagmove' in t:
            folder = 'Crash2'
        if 'tagdel' in t:
            folder = 'Trash'
        if 'tagpurge' in t:
            folder = None
    return folder, sorted(fl)


def make_message(f, n, when):
    # Bodies of 0.3 to 6 KB, some lines with UTF-8, so the cache holds
    # files of different sizes.
    rnd = random.Random(f * 100003 + n)
    lines = ['Message %d of folder %s.' % (n, SEEDED[f - 1][1])]
    for i in range(rnd.randrange(4, 80)):
        lines.append('line %d: %s' % (i, ' '.join(
            rnd.choice(['mail', 'sync', 'kill', 'crash', 'caf\u00e9',
                        'gr\u00fc\u00dfe', 'tern', 'replay', 'folder'])
            for _ in range(rnd.randrange(3, 12)))))
    body = '\r\n'.join(lines) + '\r\n'
    hdr = ('From: Carol Sender <carol@example.com>\r\n'
           'To: Bob Example <bob@example.com>\r\n'
           'Subject: crash %d %d %s\r\n'
           'Date: %s\r\n'
           'Message-ID: <crash-%d-%d@tern.test>\r\n'
           'MIME-Version: 1.0\r\n'
           'Content-Type: text/plain; charset=utf-8\r\n'
           'Content-Transfer-Encoding: 8bit\r\n\r\n'
           % (f, n, ' '.join(tags(f, n)), email.utils.formatdate(when),
              f, n))
    return (hdr + body).encode()


def read_tagged(m, tag):
    """Reads response lines up to the tagged one; returns it."""
    while True:
        line = m.readline()
        if not line:
            raise RuntimeError('connection closed while waiting for %s' % tag)
        if line.startswith(tag + b' '):
            return line


def seed(m):
    typ, data = m.capability()
    caps = data[0].decode().upper().split()
    if 'MULTIAPPEND' not in caps or 'LITERAL+' not in caps:
        raise RuntimeError('the server lacks MULTIAPPEND or LITERAL+: %s'
                           % ' '.join(caps))
    now = time.time()
    for f, folder, count in SEEDED:
        if folder != 'Trash':       # Dovecot A makes Trash itself
            typ, _ = m.create(q(folder))
            if typ != 'OK':
                raise RuntimeError('CREATE %s failed' % folder)
            m.subscribe(q(folder))
        # One MULTIAPPEND (RFC 3502) of every message with non-synchronising
        # literals: a single round trip and one transaction on the server.
        tag = b'S%d' % f
        parts = [tag + b' APPEND ' + q(folder).encode()]
        for n in range(count):
            when = now - 3 * 86400 + n * 60     # the last three days
            msg = make_message(f, n, when)
            fl = ' '.join(sorted(seed_flags(n)))
            parts.append(b' (' + fl.encode() + b') ' +
                         imaplib.Time2Internaldate(when).encode() +
                         b' {%d+}\r\n' % len(msg) + msg)
        parts.append(b'\r\n')
        m.send(b''.join(parts))
        line = read_tagged(m, tag)
        if not line.startswith(tag + b' OK'):
            raise RuntimeError('APPEND to %s: %s' % (folder, line.decode()))
    return 0


def renum_message(n, when):
    return ('From: Carol Sender <carol@example.com>\r\n'
            'To: Bob Example <bob@example.com>\r\n'
            'Subject: renum n%04d\r\nDate: %s\r\n'
            'Message-ID: <renum-%d@tern.test>\r\n\r\n'
            'Message %d of Renum.\r\n'
            % (n, email.utils.formatdate(when), n, n)).encode()


def fill(m, folder, count, reverse):
    """folder, created anew, with renum-0 .. renum-COUNT-1 (in reverse
    order: the same messages under other UIDs)."""
    m.delete(q(folder))
    typ, _ = m.create(q(folder))
    if typ != 'OK':
        raise RuntimeError('CREATE %s failed' % folder)
    m.subscribe(q(folder))
    now = time.time()
    tag = b'F1'
    parts = [tag + b' APPEND ' + q(folder).encode()]
    order = range(count - 1, -1, -1) if reverse else range(count)
    for n in order:
        when = now - 86400 + n * 10
        msg = renum_message(n, when)
        parts.append(b' ' + imaplib.Time2Internaldate(when).encode() +
                     b' {%d+}\r\n' % len(msg) + msg)
    parts.append(b'\r\n')
    m.send(b''.join(parts))
    line = read_tagged(m, tag)
    if not line.startswith(tag + b' OK'):
        raise RuntimeError('APPEND to %s: %s' % (folder, line.decode()))
    m.select(q(folder), readonly=True)
    print('%s: UIDVALIDITY %s' % (folder, m.untagged_responses.get(
        'UIDVALIDITY', [b'?'])[0].decode()))
    m.close()
    return 0


def renum_verify(m, folder, count, deleted):
    """Each renum-N is once on the server: in Trash if N is in deleted,
    else in folder."""
    where = {}
    for name in list_folders(m):
        for uid, fl, mid in server_msgs(m, name):
            if mid.startswith('renum-'):
                where.setdefault(mid, []).append(name)
    bad = []
    for n in range(count):
        mid = 'renum-%d@tern.test' % n
        want = ['Trash' if n in deleted else folder]
        if where.get(mid, []) != want:
            bad.append('<%s> is in %s, should be in %s'
                       % (mid, where.get(mid, []), want[0]))
    for b in bad[:20]:
        print(b)
    print('%s: %d messages, %d deleted: %d misplaced'
          % (folder, count, len(deleted), len(bad)))
    return 1 if bad else 0


def move_msgids(m, src, dest, ids):
    """The second device: UID MOVE the messages with these Message-IDs."""
    m.select(q(src))
    uids = []
    for mid in ids:
        typ, data = m.uid('SEARCH', None, 'HEADER', 'Message-ID', mid)
        uids += data[0].split() if data and data[0] else []
    if len(uids) != len(ids):
        print('%s: %d of %d messages found' % (src, len(uids), len(ids)))
        return 1
    typ, _ = m.uid('MOVE', b','.join(uids).decode(), q(dest))
    m.close()
    return 0 if typ == 'OK' else 1


def where(m, ids):
    """Each message is on the server at least once (SECURITY.md #35:
    duplicates are allowed, loss is not)."""
    found = {}
    for name in list_folders(m):
        for uid, fl, mid in server_msgs(m, name):
            if mid in ids:
                found.setdefault(mid, []).append(name)
    for mid in ids:
        print('<%s>: %s' % (mid, ', '.join(found.get(mid, [])) or 'LOST'))
    return 0 if all(mid in found for mid in ids) else 1


def list_folders(m):
    typ, data = m.list('""', '*')
    out = []
    for line in data:
        if isinstance(line, tuple):
            line = line[0] + line[1]
        s = line.decode()
        mt = re.match(r'\((.*?)\) (NIL|"(?:[^"\\]|\\.)*") (.*)$', s)
        if '\\Noselect' in mt.group(1) or '\\NonExistent' in mt.group(1):
            continue
        name = mt.group(3)
        out.append(json.loads(name) if name.startswith('"') else name)
    return out


def server_msgs(m, folder):
    """[(uid, flags, message-id)] of folder."""
    typ, _ = m.select(q(folder), readonly=True)
    if typ != 'OK':
        raise RuntimeError('SELECT %s failed' % folder)
    out = []
    typ, data = m.uid('FETCH', '1:*', '(UID FLAGS BODY.PEEK[HEADER.FIELDS '
                      '(MESSAGE-ID)])')
    for item in data or []:
        if not isinstance(item, tuple):
            continue
        meta = item[0].decode()
        uid = int(re.search(r'UID (\d+)', meta).group(1))
        fl = re.search(r'FLAGS \(([^)]*)\)', meta).group(1).split()
        mid = re.search(r'(?im)^message-id:\s*<([^>]*)>',
                        item[1].decode('utf-8', 'replace'))
        out.append((uid, sorted(x for x in fl if x in FLAGS),
                    mid.group(1) if mid else ''))
    m.close()
    return out


def verify(m, marked):
    where = {}          # msgid -> [(folder, uid, flags)]
    diffs = []
    names = list_folders(m)
    for folder in names:
        for uid, fl, mid in server_msgs(m, folder):
            if MSGID_RE.match(mid):
                where.setdefault(mid, []).append((folder, uid, fl))
            elif folder in FOLDERS:
                diffs.append('%s uid %d: unexpected message <%s>'
                             % (folder, uid, mid))
    total = 0
    for f, n, mid in all_seeded():
        total += 1
        got = where.pop(mid, [])
        want = expected(f, n, marked)
        if want[0] is None:
            if got:
                diffs.append('<%s> was deleted for good but is on the '
                             'server: %s' % (mid, got))
        elif not got:
            diffs.append('<%s> is lost: on no folder of the server '
                         '(should be in %s)' % (mid, want[0]))
        elif len(got) > 1:
            diffs.append('<%s> is on the server %d times: %s'
                         % (mid, len(got), got))
        elif (got[0][0], got[0][2]) != want:
            diffs.append('<%s>: server has %s %s, expected %s %s'
                         % (mid, got[0][0], got[0][2], want[0], want[1]))
    for mid, got in where.items():
        diffs.append('<%s>: not a seeded message: %s' % (mid, got))
    for d in diffs[:40]:
        print(d)
    print('server: %d seeded messages checked (%s): %d differences'
          % (total, 'after the marks' if marked else 'as seeded', len(diffs)))
    return 1 if diffs else 0


def unique(path, marked):
    seen = {}
    count = {}
    rows = 0
    with open(path) as fp:
        for line in fp:
            o = json.loads(line)
            rows += 1
            key = (o['folder'], o['message_id'])
            seen[key] = seen.get(key, 0) + 1
            count[o['message_id']] = count.get(o['message_id'], 0) + 1
    bad = ['%s <%s> listed %d times' % (k[0], k[1], v)
           for k, v in sorted(seen.items()) if v > 1]
    for f, n, mid in all_seeded():
        want = 0 if expected(f, n, marked)[0] is None else 1
        if count.get(mid, 0) != want:
            bad.append('<%s> is in tern\'s store %d times, not %d'
                       % (mid, count.get(mid, 0), want))
    for b in bad[:40]:
        print(b)
    print('tern: %d rows, %d duplicated or missing Message-IDs'
          % (rows, len(bad)))
    return 1 if bad else 0


def open_index(datadir):
    """A connection to a copy of tern's index: SQLite recovers the copy's
    WAL after a kill, leaving the original for tern to recover itself."""
    tmp = tempfile.mkdtemp(prefix='crashctl-')
    for suffix in ('', '-wal'):
        src = os.path.join(datadir, 'index.sqlite' + suffix)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(tmp, 'index.sqlite' + suffix))
    db = sqlite3.connect(os.path.join(tmp, 'index.sqlite'))
    db.execute('PRAGMA query_only = ON')
    atexit.register(shutil.rmtree, tmp, True)
    return db


def invariants(datadir):
    """What must hold at every instant, so also right after a kill."""
    if not os.path.exists(os.path.join(datadir, 'index.sqlite')):
        print('invariants: no index yet')
        return 0
    db = open_index(datadir)
    bad = []
    ok = db.execute('PRAGMA quick_check').fetchall()
    if ok != [('ok',)]:
        bad.append('quick_check: %s' % ok[:5])
    for name, mid, n in db.execute(
            "SELECT f.name, m.message_id, COUNT(*) FROM messages m JOIN "
            "folders f ON f.id = m.folder_id WHERE m.message_id != '' "
            "GROUP BY m.folder_id, m.message_id HAVING COUNT(*) > 1"):
        bad.append('%s <%s> has %d rows' % (name, mid, n))
    nfiles = 0
    for name, path, uid, file in db.execute(
            'SELECT f.name, f.path, m.uid, m.file FROM messages m JOIN '
            'folders f ON f.id = m.folder_id WHERE m.cached'):
        nfiles += 1
        if not os.path.isfile(os.path.join(datadir, 'mail', path, file)):
            bad.append('%s uid %d: the row names %s, which is not there'
                       % (name, uid, file))
    for (path,) in db.execute('SELECT path FROM folders'):
        new = os.path.join(datadir, 'mail', path, 'new')
        if os.path.isdir(new) and os.listdir(new):
            bad.append('%s/new holds %s' % (path, os.listdir(new)[:3]))
    rows = db.execute('SELECT COUNT(*) FROM messages').fetchone()[0]
    npending = db.execute('SELECT COUNT(*) FROM pending').fetchone()[0]
    db.close()
    for b in bad[:40]:
        print(b)
    print('%d rows, %d cached, %d pending: %d problems'
          % (rows, nfiles, npending, len(bad)))
    return 1 if bad else 0


def cache(m, datadir, sample):
    db = open_index(datadir)
    rows = db.execute('SELECT f.name, f.path, m.uid, m.cached, m.file '
                      'FROM messages m JOIN folders f ON f.id = m.folder_id'
                      ).fetchall()
    folders = db.execute('SELECT name, path FROM folders').fetchall()
    db.close()
    bad = []
    named = {}          # folder path -> set of names in cur/
    cached = []
    ncached = 0
    for name, path, uid, is_cached, file in rows:
        if not is_cached:
            bad.append('%s uid %d is not cached (body_days covers it)'
                       % (name, uid))
            continue
        ncached += 1
        full = os.path.join(datadir, 'mail', path, file)
        if not file.startswith('cur/') or not os.path.isfile(full):
            bad.append('%s uid %d: its file %s is missing' % (name, uid, file))
            continue
        named.setdefault(path, set()).add(file[4:])
        cached.append((name, uid, full))
    nfiles = 0
    for name, path in folders:
        d = os.path.join(datadir, 'mail', path)
        if not os.path.isdir(d):
            continue
        new = os.listdir(os.path.join(d, 'new')) if os.path.isdir(
            os.path.join(d, 'new')) else []
        for x in new:
            bad.append('%s: a file in new/: %s' % (name, x))
        cur = os.listdir(os.path.join(d, 'cur')) if os.path.isdir(
            os.path.join(d, 'cur')) else []
        nfiles += len(cur)
        for x in cur:
            if x not in named.get(path, set()):
                bad.append('%s: cur/%s belongs to no message row (an '
                           'orphan or a second copy)' % (name, x))
    rnd = random.Random()
    checked = 0
    for name, uid, full in rnd.sample(cached, min(sample, len(cached))):
        m.select(q(name), readonly=True)
        typ, data = m.uid('FETCH', str(uid), '(BODY.PEEK[])')
        body = None
        for item in data or []:
            if isinstance(item, tuple):
                body = item[1]
        m.close()
        with open(full, 'rb') as fp:
            mine = fp.read()
        checked += 1
        if body is None:
            bad.append('%s uid %d: not on the server' % (name, uid))
        elif mine != body:
            bad.append('%s uid %d: the cached file (%d bytes) differs from '
                       'the server\'s message (%d bytes)'
                       % (name, uid, len(mine), len(body)))
    for b in bad[:40]:
        print(b)
    print('cache: %d rows, %d cached, %d files in cur/, %d compared with '
          'the server: %d problems' % (len(rows), ncached, nfiles, checked,
                                       len(bad)))
    return 1 if bad else 0


def folder_state(datadir, name):
    db = open_index(datadir)
    r = db.execute('SELECT f.uidvalidity, COUNT(m.id), '
                   'COALESCE(SUM(m.cached), 0) FROM folders f LEFT JOIN '
                   'messages m ON m.folder_id = f.id WHERE f.name = ? '
                   'GROUP BY f.id', (name,)).fetchone()
    db.close()
    print('uidvalidity %d, %d rows, %d cached' % r if r else
          'no folder %s in the index' % name)
    return 0


def pending(datadir):
    db = open_index(datadir)
    n = db.execute('SELECT COUNT(*) FROM pending').fetchone()[0]
    left = db.execute('SELECT op, target, failures, error FROM pending '
                      'LIMIT 5').fetchall()
    db.close()
    print(n)
    for r in left:
        print('  op %d target %r failures %d error %r' % r, file=sys.stderr)
    return 0


def same(a, b):
    def load(path):
        out = {}
        with open(path) as fp:
            for line in fp:
                o = json.loads(line)
                out[(o['folder'], o['uid'])] = (sorted(o['flags']),
                                                o['message_id'], o['cached'])
        return out
    x, y = load(a), load(b)
    diffs = []
    for k in sorted(set(x) | set(y)):
        if x.get(k) != y.get(k):
            diffs.append('%s uid %d: %s vs %s' % (k[0], k[1], x.get(k),
                                                  y.get(k)))
    for d in diffs[:40]:
        print(d)
    print('%d and %d messages: %d differences' % (len(x), len(y), len(diffs)))
    return 1 if diffs else 0


def run_kill(a, argv):
    """Runs argv and SIGKILLs it a.delay ms after the a.nth stderr line
    matching a.anchor (after its start if there is no anchor).  stderr is
    drained all the while, so the program never waits on its log, and
    kept in a.log with the milliseconds since the start.  Exits with the
    program's status (137 when killed)."""
    t0 = time.monotonic()
    pat = re.compile(a.anchor.encode()) if a.anchor else None
    log = open(a.log, 'wb') if a.log else None
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=log or subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    fd = p.stderr.fileno()
    deadline = None if pat else t0 + a.delay / 1000
    # An anchor split across two trace lines is missed: then the kill
    # comes at a.timeout ms after the start.
    fallback = t0 + a.timeout / 1000 if pat and a.timeout else None
    seen = 0
    buf = b''
    killed = False
    anchored = None
    while True:
        until = deadline if deadline is not None else fallback
        timeout = None if until is None else \
            max(0, until - time.monotonic())
        r, _, _ = select.select([fd], [], [], timeout)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            lines = buf.split(b'\n')
            buf = lines.pop()
            now = time.monotonic()
            for line in lines:
                if log:
                    log.write(b'[+%.1f ms] ' % ((now - t0) * 1000) +
                              line[:300] + b'\n')
                if deadline is None and pat.search(line):
                    seen += 1
                    if seen == a.nth:
                        anchored = (now - t0) * 1000
                        deadline = now + a.delay / 1000
        if ((deadline is not None and time.monotonic() >= deadline) or
                (deadline is None and fallback is not None and
                 time.monotonic() >= fallback)):
            p.kill()
            killed = True
            break
    rc = p.wait()
    t = (time.monotonic() - t0) * 1000
    if log:
        log.write(b'[+%.1f ms] %s\n' % (t, b'killed' if killed
                                        else b'exit %d' % rc))
        log.close()
    if anchored is not None:
        print('%s %.0f ms after the anchor at %.0f ms'
              % ('killed' if killed else 'ended', t - anchored, anchored))
    else:
        print('%s at %.0f ms%s' % ('killed' if killed else 'ended', t,
                                   ', anchor not seen' if pat else ''))
    return 137 if killed else rc if rc >= 0 else 128 - rc


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int,
                   default=int(os.environ.get('TERN_IMAPS_PORT', 993)))
    p.add_argument('--user', default='bob')
    p.add_argument('--password-env', default='TERN_BOB_PW')
    p.add_argument('--sample', type=int, default=50)
    p.add_argument('--anchor', default='')
    p.add_argument('--nth', type=int, default=1)
    p.add_argument('--delay', type=float, default=0)
    p.add_argument('--log', default='')
    p.add_argument('--timeout', type=float, default=0)
    p.add_argument('cmd')
    p.add_argument('args', nargs='*')
    argv = sys.argv[1:]
    if 'run-kill' in argv:
        # everything after "--" is the program to run
        i = argv.index('--')
        a = p.parse_args(argv[:i])
        sys.exit(run_kill(a, argv[i + 1:]))
    a = p.parse_args()
    c, args = a.cmd, a.args
    if c == 'pending':
        sys.exit(pending(args[0]))
    if c == 'unique':
        sys.exit(unique(args[0], args[1] == 'marked'))
    if c == 'folder':
        sys.exit(folder_state(args[0], args[1]))
    if c == 'invariants':
        sys.exit(invariants(args[0]))
    if c == 'same':
        sys.exit(same(args[0], args[1]))
    m = connect(a)
    if c == 'seed':
        rc = seed(m)
    elif c == 'verify':
        rc = verify(m, args[0] == 'marked')
    elif c == 'fill':
        rc = fill(m, args[0], int(args[1]), False)
    elif c == 'reverse':
        rc = fill(m, args[0], int(args[1]), True)
    elif c == 'renum-verify':
        rc = renum_verify(m, args[0], int(args[1]),
                          set(int(x) for x in args[2].split(',') if x))
    elif c == 'move-msgids':
        rc = move_msgids(m, args[0], args[1], args[2].split(','))
    elif c == 'where':
        rc = where(m, args[0].split(','))
    elif c == 'cache':
        rc = cache(m, args[0], a.sample)
    else:
        print('crashctl: unknown command %s' % c, file=sys.stderr)
        rc = 2
    m.logout()
    sys.exit(rc)


if __name__ == '__main__':
    main()
