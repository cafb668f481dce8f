#!/usr/bin/env python3
"""tui.py - the terminal UI's part of `make bench` (tests/bench/run).

Drives the real tern binary inside tmux, and reads what tern measures
itself at debug level (the UI logs "first frame N ms after start" from
main()'s first instruction, "key answered in N ms" from reading a key to
the end of the redraw it caused, and its peak RSS at exit):

  * first full frame with 100,000 messages in one synced folder
    (median of 5 starts; the store is written by tests/bench/fill, as a
    sync leaves it; the account's server is unreachable, so nothing but
    the store is involved);
  * a keypress in the list (j, PgDn, G, g, and T for the threaded view)
    answered, p50 / p99 / max;
  * the same keys while tern runs a large initial sync of the harness's
    Dovecot (--sync-user: the generator's user, whose mail is there);
  * peak RSS with 10,000 and with 100,000 messages after scrolling
    through the whole folder.

Prints Markdown lines for the report.  Loopback only.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


class Tui:
    """One tern inside a private tmux server; its log is parsed after."""

    def __init__(self, tern, home, cfg, log, sock):
        self.tmux = ['tmux', '-L', sock, '-f', '/dev/null']
        self.log = log
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, 'config'),
                   XDG_DATA_HOME=os.path.join(home, 'data'), TERM='xterm-256color')
        self.env = env
        if os.path.exists(log):
            os.unlink(log)
        subprocess.run(self.tmux + ['kill-server'], stderr=subprocess.DEVNULL)
        sh(*self.tmux, 'new-session', '-d', '-s', 'b', '-x', '160', '-y', '50',
           '%s -vv -c %s; sleep 1' % (tern, cfg), env=env)

    def screen(self):
        return subprocess.run(self.tmux + ['capture-pane', '-p', '-t', 'b'],
                              capture_output=True, text=True).stdout

    def wait(self, text, timeout=30):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if text in self.screen():
                return True
            time.sleep(0.05)
        return False

    def keys(self, *k, pause=0.03):
        for key in k:
            sh(*self.tmux, 'send-keys', '-t', 'b', key)
            time.sleep(pause)

    def quit(self):
        self.keys('Q')
        t0 = time.time()
        while time.time() - t0 < 10 and 'peak RSS' not in self.logtext():
            time.sleep(0.05)
        subprocess.run(self.tmux + ['kill-server'], stderr=subprocess.DEVNULL)
        # The next run reuses the log file: keep what this one said.
        self.saved = self.logtext()

    def logtext(self):
        if getattr(self, 'saved', None) is not None:
            return self.saved
        try:
            with open(self.log, encoding='utf-8', errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def first_frame(self):
        m = re.search(r'first frame ([0-9.]+) ms', self.logtext())
        return float(m.group(1)) if m else None

    def key_times_live(self):
        return [float(x) for x in re.findall(r'key answered in ([0-9.]+) ms', self.logtext())]

    def key_times(self):
        return [float(x) for x in re.findall(r'key answered in ([0-9.]+) ms', self.logtext())]

    def rss_kb(self):
        m = re.search(r'peak RSS ([0-9]+) KB', self.logtext())
        return int(m.group(1)) if m else None


def config(home, accounts):
    os.makedirs(os.path.join(home, 'config', 'tern'), exist_ok=True)
    path = os.path.join(home, 'config', 'tern', 'config')
    with open(path, 'w') as f:
        f.write('[general]\nlog_file = %s\n\n' % os.path.join(home, 'tern.log'))
        for a in accounts:
            f.write(a)
    return path


def offline_account(name):
    # Port 1 on loopback refuses at once: the engine is offline, the UI
    # works from the store alone.
    return ('[account %s]\nfrom = Dave <dave@example.com>\nimap = imaps://dave@localhost:1\n'
            'password_command = echo unused\ntimeout = 2\n\n' % name)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def walk(t):
    """Scrolls through the whole folder the way a user does."""
    t.keys(*(['j'] * 150))
    t.keys(*(['PageDown'] * 20))
    t.keys('G', ':', 'top', 'Enter', pause=0.2)
    t.keys(*(['k'] * 20))


def batch(t):
    """Tags about a thousand messages by query, then marks them read with
    ';' N: the N is one key answered over the whole batch."""
    t.keys('T', pause=0.2)
    t.keys('subject:"thread 12"', pause=0.1)
    t.keys('Enter', pause=1.0)
    t.tagged = 0
    m = re.search(r'([0-9]+) tagged', t.screen())
    if m:
        t.tagged = int(m.group(1))
    t.marker = len(t.key_times_live())
    t.keys('\\;', pause=0.2)
    t.keys('N', pause=1.5)


def threaded(t):
    t.keys('V', pause=2.0)
    t.keys(*(['j'] * 30))
    t.keys('G', ':', 'top', 'Enter', pause=0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tern', required=True)
    ap.add_argument('--fill', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--messages', type=int, default=100000)
    ap.add_argument('--sync-user', default='')
    ap.add_argument('--sync-port', default='')
    ap.add_argument('--sync-pw-env', default='TERN_ALICE_PW')
    a = ap.parse_args()
    out = []

    # Stores of n and n/10 messages, as a sync leaves them.
    home = {}
    for label, n in (('big', a.messages), ('small', max(1, a.messages // 10))):
        home[label] = os.path.join(a.work, 'tui-' + label)
        shutil.rmtree(home[label], ignore_errors=True)
        data = os.path.join(home[label], 'data', 'tern', label)
        os.makedirs(data, exist_ok=True)
        sh(a.fill, data, label, str(n))

    def run(label, what, frames=None):
        cfg = config(home[label], [offline_account(label)])
        t = Tui(a.tern, home[label], cfg, os.path.join(home[label], 'tern.log'),
                'tern-bench-tui')
        if not t.wait('release notes', 20):
            print('tui.py: the list did not appear:\n' + t.screen(), file=sys.stderr)
        time.sleep(0.3)
        if what is not None:
            what(t)
            time.sleep(0.5)
        t.quit()
        if frames is not None and t.first_frame() is not None:
            frames.append(t.first_frame())
        return t

    # First frame: the median of 5 starts.
    frames = []
    for i in range(5):
        run('big', None, frames)
    out.append('| first full frame, %d messages in one folder (median of %d) | %.1f ms | < 100 ms |'
               % (a.messages, len(frames), statistics.median(frames)))
    flat_big = run('big', walk)
    keys = flat_big.key_times()
    if keys:
        out.append('| key answered in the flat list (%d keys: j, PgDn, G, g, k) p50 / p99 / max | '
                   '%.2f / %.2f / %.2f ms | < 16 ms |' % (len(keys), pct(keys, 50), pct(keys, 99), max(keys)))
    thr_big = run('big', threaded)
    keys = thr_big.key_times()
    if keys:
        out.append('| key answered in the threaded list (V on %d messages, then j, G, g) max of V / p99 of the rest | '
                   '%.1f / %.2f ms | < 16 ms |' % (a.messages, max(keys), pct(sorted(keys)[:-1], 99)))
    bat = run('big', batch)
    k = bat.key_times()
    if k and getattr(bat, 'tagged', 0):
        out.append('| %d tagged messages marked read with ; N: the screen (one key) | %.1f ms | < 100 ms |'
                   % (bat.tagged, k[-1]))
    flat_small = run('small', walk)
    thr_small = run('small', threaded)
    n_small = max(1, a.messages // 10)
    if flat_small.rss_kb() and flat_big.rss_kb():
        out.append('| peak RSS, flat list walked end to end: %d vs %d messages | %.1f MB vs %.1f MB | no growth beyond the page cache |'
                   % (n_small, a.messages, flat_small.rss_kb() / 1024.0, flat_big.rss_kb() / 1024.0))
    if thr_small.rss_kb() and thr_big.rss_kb():
        out.append('| peak RSS, threaded view: %d vs %d messages | %.1f MB vs %.1f MB | (threading reads every message\'s ids) |'
                   % (n_small, a.messages, thr_small.rss_kb() / 1024.0, thr_big.rss_kb() / 1024.0))

    # Keys while a large initial sync runs (the generator's mail).
    if a.sync_user and a.sync_port:
        shome = os.path.join(a.work, 'tui-sync')
        shutil.rmtree(shome, ignore_errors=True)
        acct = ('[account s]\nfrom = A <a@example.com>\nimap = imaps://%s@localhost:%s\n'
                'ca_file = %s\npassword_command = printenv %s\nsync_days = 0\n\n'
                % (a.sync_user, a.sync_port, os.environ['TERN_CA'], a.sync_pw_env))
        cfg = config(shome, [acct])
        t = Tui(a.tern, shome, cfg, os.path.join(shome, 'tern.log'), 'tern-bench-sync')
        t.wait('syncing', 30)
        for _ in range(10):
            t.keys(*(['j'] * 10), pause=0.05)
            t.keys(*(['k'] * 10), pause=0.05)
            t.keys('J', 'K', pause=0.1)
        syncing = 'syncing' in t.screen()
        t.quit()
        k = t.key_times()
        if k:
            out.append('| key answered while the initial sync runs%s (%d keys) p50 / p99 / max | '
                       '%.2f / %.2f / %.2f ms | < 16 ms |'
                       % ('' if syncing else ' (sync ended during the run)', len(k),
                          pct(k, 50), pct(k, 99), max(k)))
    print('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
