#!/usr/bin/env python3
"""mailget.py - reads what tern sent back out of the real Dovecot (send.sh):
every message in USER's FOLDER whose Subject header contains TEXT.

  mailget.py --port P --user U --password-env VAR FOLDER TEXT [--wait S]
      prints one line per match: its flags, then (with --raw FILE) writes
      the last match's bytes to FILE; exit 1 if none within --wait seconds
"""
import argparse
import imaplib
import os
import ssl
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--user', required=True)
    p.add_argument('--password-env', required=True)
    p.add_argument('--wait', type=float, default=0)
    p.add_argument('--raw')
    p.add_argument('folder')
    p.add_argument('text')
    a = p.parse_args()
    ctx = ssl.create_default_context(cafile=os.environ['TERN_CA'])
    deadline = time.time() + a.wait
    while True:
        m = imaplib.IMAP4_SSL('localhost', a.port, ssl_context=ctx)
        m.login(a.user, os.environ[a.password_env])
        typ, _ = m.select('"' + a.folder + '"', readonly=True)
        found = []
        if typ == 'OK':
            m.literal = a.text.encode()
            typ, data = m.uid('SEARCH', 'CHARSET', 'UTF-8', 'HEADER',
                              'Subject')
            for uid in data[0].split():
                typ, d = m.uid('FETCH', uid, '(FLAGS BODY.PEEK[])')
                flags, raw = b'', b''
                for part in d:
                    if isinstance(part, tuple):
                        flags = part[0]
                        raw = part[1]
                found.append((flags, raw))
        m.logout()
        if found or time.time() >= deadline:
            break
        time.sleep(0.5)
    if not found:
        sys.exit(1)
    for flags, raw in found:
        f = flags.decode(errors='replace')
        i = f.find('FLAGS (')
        print(f[i + 7:f.index(')', i)] if i >= 0 else '')
    if a.raw:
        with open(a.raw, 'wb') as fp:
            fp.write(found[-1][1])


if __name__ == '__main__':
    main()
