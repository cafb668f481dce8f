#!/usr/bin/env python3
"""imapctl.py - the "second device" of tern's sync tests: a small IMAP
client (Python standard library) that changes the real Dovecot behind
tern's back and dumps the server's state for comparison with tern's
store.  Loopback only.

  imapctl.py [--port P] [--user U] [--password-env VAR] COMMAND ...
    state [--since-days N]            JSON of every folder: uid -> flags, msgid
    compare TERN_JSON [--since-days N] [--account A]
                                      exit 0 if tern's search --json lines equal
                                      the server (inside the window), else
                                      print the differences and exit 1
    append FOLDER SUBJECT [--days-ago N] [--flags F] [--msgid ID]
    append-file FOLDER FILE [--days-ago N] [--flags F]
                                      append a whole message file
    flag FOLDER UID (+|-)FLAG
    expunge FOLDER UID
    move FOLDER UID DEST
    create NAME | delete NAME | rename OLD NEW
    empty FOLDER                      expunge every message of FOLDER
    wait FOLDER MSGID [FLAG|!FLAG|gone] [--timeout S]
                                      poll (one connection) until the message
                                      is in FOLDER (with FLAG, without !FLAG)
                                      or gone from it; exit 1 on timeout
    recreate NAME                     delete + create + re-append (new UIDVALIDITY)
    uids FOLDER                       print the UIDs, one per line
    count FOLDER MSGID                print how many messages of FOLDER have
                                      that Message-ID (0 if no such folder)
"""
import argparse
import base64
import datetime
import email.utils
import imaplib
import json
import os
import re
import ssl
import sys
import time

FLAGS = ('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft')


def connect(a):
    ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
    m = imaplib.IMAP4_SSL('localhost', a.port, ssl_context=ctx)
    m.login(a.user, os.environ[a.password_env])
    return m


def q(name):
    return '"' + name.replace('\\', '\\\\').replace('"', '\\"') + '"'


def folders(m):
    typ, data = m.list('""', '*')
    out = []
    for line in data:
        if line is None:
            continue
        if isinstance(line, tuple):
            line = line[0] + line[1]
        s = line.decode()
        mt = re.match(r'\((.*?)\) (NIL|"(?:[^"\\]|\\.)*") (.*)$', s)
        flags, name = mt.group(1), mt.group(3)
        if name.startswith('"'):
            name = json.loads(name)
        if '\\Noselect' in flags or '\\NonExistent' in flags:
            continue
        out.append(name)
    return out


def mutf7_decode(name):
    """IMAP modified UTF-7 (RFC 3501 5.1.3) to str, as tern displays it."""
    out, i = [], 0
    while i < len(name):
        if name[i] != '&':
            out.append(name[i])
            i += 1
            continue
        j = name.index('-', i)
        if j == i + 1:
            out.append('&')
        else:
            b = name[i + 1:j].replace(',', '/')
            b += '=' * (-len(b) % 4)
            out.append(base64.b64decode(b).decode('utf-16-be'))
        i = j + 1
    return ''.join(out)


def window_start(days):
    if not days:
        return 0
    t = int(time.time()) - days * 86400
    return t - t % 86400


def state(m, since_days):
    win = window_start(since_days)
    res = {}
    for f in folders(m):
        typ, _ = m.select(q(f), readonly=True)
        typ, data = m.uid('SEARCH', None, 'ALL')
        uids = [int(x) for x in data[0].split()] if data and data[0] else []
        msgs = {}
        if uids:
            typ, data = m.uid('FETCH', '1:*',
                              '(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])')
            for item in data:
                if not isinstance(item, tuple):
                    continue
                meta = item[0].decode()
                uid = int(re.search(r'UID (\d+)', meta).group(1))
                fl = re.search(r'FLAGS \(([^)]*)\)', meta).group(1).split()
                idate = imaplib.Internaldate2tuple(item[0])
                ts = int(time.mktime(idate)) if idate else 0
                hdr = item[1].decode('utf-8', 'replace')
                mid = re.search(r'(?im)^message-id:\s*<([^>]*)>', hdr)
                if ts < win:
                    continue
                msgs[uid] = {'flags': sorted(x for x in fl if x in FLAGS),
                             'message_id': mid.group(1) if mid else ''}
        res[mutf7_decode(f)] = msgs
        m.close()
    return res


def compare(m, path, since_days, account):
    server = state(m, since_days)
    tern = {}
    with open(path) as fp:
        for line in fp:
            o = json.loads(line)
            if account and o['account'] != account:
                continue
            tern.setdefault(o['folder'], {})[o['uid']] = {
                'flags': sorted(o['flags']), 'message_id': o['message_id']}
    diffs = []
    for f in sorted(set(server) | set(tern)):
        s, t = server.get(f, {}), tern.get(f, {})
        for uid in sorted(set(s) | set(t)):
            if uid not in t:
                diffs.append('%s uid %d: on the server, not in tern' % (f, uid))
            elif uid not in s:
                diffs.append('%s uid %d: in tern, not on the server' % (f, uid))
            elif s[uid] != t[uid]:
                diffs.append('%s uid %d: server %s, tern %s' % (f, uid, s[uid], t[uid]))
    for d in diffs[:50]:
        print(d)
    n = sum(len(v) for v in server.values())
    print('compared %d messages in %d folders: %d differences' % (n, len(server), len(diffs)))
    return 1 if diffs else 0


def make_message(subject, msgid, days_ago):
    date = email.utils.formatdate(time.time() - days_ago * 86400)
    return ('From: Bob Example <bob@example.com>\r\nTo: alice@example.com\r\n'
            'Subject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n'
            % (subject, date, msgid)).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, default=int(os.environ.get('TERN_IMAPS_PORT', 993)))
    p.add_argument('--user', default='alice')
    p.add_argument('--password-env', default='TERN_ALICE_PW')
    p.add_argument('cmd')
    p.add_argument('args', nargs='*')
    p.add_argument('--since-days', type=int, default=0)
    p.add_argument('--days-ago', type=float, default=0)
    p.add_argument('--flags', default='')
    p.add_argument('--msgid', default='')
    p.add_argument('--account', default='')
    p.add_argument('--timeout', type=float, default=5)
    a = p.parse_args()
    m = connect(a)
    c, args = a.cmd, a.args
    rc = 0
    if c == 'state':
        print(json.dumps(state(m, a.since_days), indent=1, sort_keys=True))
    elif c == 'compare':
        rc = compare(m, args[0], a.since_days, a.account)
    elif c == 'append':
        msgid = a.msgid or 'm%d.%d@example.com' % (time.time() * 1e6, os.getpid())
        when = imaplib.Time2Internaldate(time.time() - a.days_ago * 86400)
        flags = '(%s)' % a.flags if a.flags else None
        typ, data = m.append(q(args[0]), flags, when, make_message(args[1], msgid, a.days_ago))
        rc = typ != 'OK'
    elif c == 'append-file':
        with open(args[1], 'rb') as fp:
            body = fp.read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
        when = imaplib.Time2Internaldate(time.time() - a.days_ago * 86400)
        flags = '(%s)' % a.flags if a.flags else None
        typ, data = m.append(q(args[0]), flags, when, body)
        rc = typ != 'OK'
    elif c == 'wait':
        folder, mid = args[0], args[1]
        want = args[2] if len(args) > 2 else ''
        deadline = time.time() + a.timeout
        rc = 1
        while time.time() < deadline:
            if m.select(q(folder), readonly=True)[0] != 'OK':
                # No such folder (yet): the message is not there.
                if want == 'gone':
                    rc = 0
                    break
                time.sleep(0.1)
                continue
            typ, data = m.uid('SEARCH', None, 'HEADER', 'Message-ID', '<%s>' % mid)
            uids = data[0].split() if typ == 'OK' and data and data[0] else []
            if want == 'gone':
                ok = not uids
            elif not uids:
                ok = False
            elif not want:
                ok = True
            else:
                typ, fd = m.uid('FETCH', uids[0], '(FLAGS)')
                flags = fd[0].decode() if fd and isinstance(fd[0], bytes) else ''
                ok = (want[1:] not in flags) if want.startswith('!') else (want in flags)
            if ok:
                rc = 0
                break
            m.close()
            time.sleep(0.1)
    elif c == 'empty':
        m.select(q(args[0]))
        m.uid('STORE', '1:*', '+FLAGS', '(\\Deleted)')
        typ, _ = m.expunge()
        rc = typ != 'OK'
    elif c == 'flag':
        m.select(q(args[0]))
        typ, _ = m.uid('STORE', args[1], args[2][0] + 'FLAGS', '(%s)' % args[2][1:])
        rc = typ != 'OK'
    elif c == 'expunge':
        m.select(q(args[0]))
        m.uid('STORE', args[1], '+FLAGS', '(\\Deleted)')
        typ, _ = m.uid('EXPUNGE', args[1])
        rc = typ != 'OK'
    elif c == 'move':
        m.select(q(args[0]))
        typ, _ = m.uid('MOVE', args[1], q(args[2]))
        rc = typ != 'OK'
    elif c in ('create', 'delete'):
        typ, _ = getattr(m, c)(q(args[0]))
        rc = typ != 'OK'
    elif c == 'rename':
        typ, _ = m.rename(q(args[0]), q(args[1]))
        rc = typ != 'OK'
    elif c == 'recreate':
        m.select(q(args[0]))
        typ, data = m.uid('FETCH', '1:*', '(FLAGS INTERNALDATE BODY.PEEK[])')
        keep = [(item[0], item[1]) for item in data if isinstance(item, tuple)]
        m.close()
        m.delete(q(args[0]))
        m.create(q(args[0]))
        for meta, body in keep:
            fl = re.search(rb'FLAGS \(([^)]*)\)', meta).group(1).decode()
            fl = ' '.join(x for x in fl.split() if x != '\\Recent')
            m.append(q(args[0]), '(%s)' % fl if fl else None,
                     imaplib.Internaldate2tuple(meta), body)
    elif c == 'count':
        n = 0
        if m.select(q(args[0]), readonly=True)[0] == 'OK':
            typ, data = m.uid('SEARCH', None, 'HEADER', 'Message-ID', '<%s>' % args[1])
            n = len(data[0].split()) if typ == 'OK' and data and data[0] else 0
        print(n)
    elif c == 'uids':
        m.select(q(args[0]), readonly=True)
        typ, data = m.uid('SEARCH', None, 'ALL')
        for u in (data[0].split() if data and data[0] else []):
            print(int(u))
    else:
        print('imapctl: unknown command %s' % c, file=sys.stderr)
        rc = 2
    m.logout()
    sys.exit(rc)


if __name__ == '__main__':
    main()
