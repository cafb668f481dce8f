#!/usr/bin/env python3
"""faultproxy.py - the network fault of tern's fault tests
(tests/integration/faults.sh, SECURITY.md test 31): a TCP proxy on
127.0.0.1 in front of one of the harness's servers that cuts
connections at random points.  TLS passes through untouched (tern
still verifies the real server's certificate).  Loopback only;
Python standard library only.

  faultproxy.py --target-port P --port-file F [--cuts N] [--seed S]
                [--max-bytes B] [--log FILE]

Each of the first N connections is cut (both sockets closed, without
a goodbye) once the server has sent it a random number of bytes in
[0, B], or, one time in four, once tern has sent a random number of
bytes in [0, B/64] (so a cut also lands while tern writes: APPEND,
MOVE, STORE, IDLE's DONE).  Later connections pass through.  A
connection that ends before its cut point is not counted.  One line
per cut goes to the log: "cut N s2c|c2s BYTES".  SIGUSR1 cuts every
live connection at once (one waiting in IDLE, say).

--strip-uidplus (tests/integration/no_uidplus.sh, SECURITY.md #42): a
server without UIDPLUS.  The server's plaintext IMAP lines that list
capabilities (* CAPABILITY, and [CAPABILITY ...] codes) lose the word
UIDPLUS, so the client takes its no-UIDPLUS paths.  Plaintext only
(tern with tls = none on loopback): TLS would pass through untouched.
Literals (message bytes) are passed as they are.
"""
import argparse
import random
import re
import signal
import socket
import sys
import threading

lock = threading.Lock()
state = {'budget': 0, 'cuts': 0, 'conns': 0, 'live': []}


def log(a, text):
    with open(a.log, 'a') as f:
        f.write(text + '\n')


LITERAL_RE = re.compile(rb'\{(\d+)\+?\}\r?\n\Z')
CAPA_RE = re.compile(rb'^(\* CAPABILITY |[^ ]+ OK \[CAPABILITY |\* OK \[CAPABILITY |'
                     rb'\* PREAUTH \[CAPABILITY )', re.I)


class Stripper:
    """Removes UIDPLUS from capability lines of a server->client stream,
    line by line; literal bytes pass through unchanged."""

    def __init__(self):
        self.buf = b''
        self.lit = 0        # literal bytes still to pass through

    def feed(self, data):
        self.buf += data
        out = b''
        while self.buf:
            if self.lit:
                take = self.buf[:self.lit]
                self.buf = self.buf[len(take):]
                self.lit -= len(take)
                out += take
                continue
            nl = self.buf.find(b'\n')
            if nl < 0:
                break
            line, self.buf = self.buf[:nl + 1], self.buf[nl + 1:]
            if CAPA_RE.match(line):
                line = re.sub(rb' UIDPLUS(?=[ \]\r\n])', b'', line, flags=re.I)
            m = LITERAL_RE.search(line)
            if m:
                self.lit = int(m.group(1))
            out += line
        return out


def pump(src, dst, conn, direction):
    strip = Stripper() if conn['args'].strip_uidplus and \
        direction == 's2c' else None
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if strip is not None:
                data = strip.feed(data)
                if not data:
                    continue
            with lock:
                limit = conn['cut_at'] if conn['dir'] == direction else None
                sent = conn['sent'][direction]
                if conn['cut']:
                    break
                if limit is not None and sent + len(data) >= limit:
                    data = data[:max(0, limit - sent)]
                    conn['cut'] = True
            if data:
                dst.sendall(data)
            with lock:
                conn['sent'][direction] += len(data)
                if conn['cut']:
                    break
    except OSError:
        pass
    finally:
        with lock:
            was_cut = conn['cut']
            if was_cut and not conn['logged']:
                conn['logged'] = True
                state['cuts'] += 1
                log(conn['args'], 'cut %d %s %d' % (conn['n'], conn['dir'],
                                                    conn['sent'][conn['dir']]))
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(a, client):
    try:
        server = socket.create_connection(('127.0.0.1', a.target_port))
    except OSError:
        client.close()
        return
    with lock:
        state['conns'] += 1
        conn = {'n': state['conns'], 'cut': False, 'logged': False, 'args': a,
                'sent': {'s2c': 0, 'c2s': 0}, 'dir': 's2c', 'cut_at': None}
        if state['budget'] > 0:
            state['budget'] -= 1
            if rng.random() < 0.25:
                conn['dir'] = 'c2s'
                conn['cut_at'] = rng.randint(0, max(1, a.max_bytes // 64))
            else:
                conn['cut_at'] = rng.randint(0, a.max_bytes)
        conn['socks'] = (client, server)
        state['live'].append(conn)
    t1 = threading.Thread(target=pump, args=(client, server, conn, 'c2s'), daemon=True)
    t2 = threading.Thread(target=pump, args=(server, client, conn, 's2c'), daemon=True)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    client.close()
    server.close()
    with lock:
        state['live'].remove(conn)


def cut_live(signum, frame):
    """SIGUSR1: cut every live connection now (an IDLE, say)."""
    with lock:
        for conn in state['live']:
            if not conn['cut']:
                conn['dir'] = 's2c'
                conn['cut_at'] = conn['sent']['s2c']
                conn['cut'] = True
        live = list(state['live'])
    # A pump blocked in recv() returns once its socket is shut down.
    for conn in live:
        for s in conn.get('socks', ()):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    global rng
    p = argparse.ArgumentParser()
    p.add_argument('--target-port', type=int, required=True)
    p.add_argument('--port-file', required=True)
    p.add_argument('--cuts', type=int, default=10)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--max-bytes', type=int, default=400000)
    p.add_argument('--log', default='/dev/null')
    p.add_argument('--strip-uidplus', action='store_true',
                   help='remove UIDPLUS from the server\'s capabilities')
    a = p.parse_args()
    rng = random.Random(a.seed)
    state['budget'] = a.cuts
    signal.signal(signal.SIGUSR1, cut_live)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', 0))
    ls.listen(16)
    with open(a.port_file + '.tmp', 'w') as f:
        f.write('%d\n' % ls.getsockname()[1])
    import os
    os.rename(a.port_file + '.tmp', a.port_file)
    while True:
        try:
            c, _ = ls.accept()
        except InterruptedError:
            continue
        threading.Thread(target=serve, args=(a, c), daemon=True).start()


if __name__ == '__main__':
    main()
