#!/usr/bin/env python3
"""bench.py - the measurements of tern's sync benchmark.  Run by
tests/bench/run, which has started the harness (its env is in the
environment), filled Dovecot A with gen.py and built the floor client.

  bench.py --tern PATH --floor PATH --measure PATH --work DIR --srcdir DIR
           [--messages N] [--folders F] [--seed S]

Steps: the FETCH items tern sends (from a `tern -vvv` trace of a tiny
account), a warm-up of Dovecot's header cache (one floor run), the wire
floor and the initial `tern sync` taking turns three times (each a
median of 3; every initial sync from an empty store), a check that the store
equals the server (every UID, flag and Message-ID of every folder, read
with tests/imapctl.py's state()), no-change resyncs (median
of 3), 100 flag changes + 100 new + 100 expunged messages made by a
second IMAP client, the resync after them and the same check.  Prints
a Markdown report; exits 0 even if a target is missed, 1 if something
broke (a failed tern run, a store that differs from the server, ...).
"""
import argparse
import imaplib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

MB = 1024 * 1024
TARGET_FLOOR_RATIO = 1.5
TARGET_NOCHANGE = 0.3
TARGET_CHANGES = 1.0
TARGET_RSS_MB = 64
N_FLAGS = N_NEW = N_EXPUNGE = 100
TARGET_BATCH_CMDS = 5       # one action on ~1,000 messages: UID set commands


class Broke(Exception):
    pass


def say(msg):
    print('bench: ' + msg, flush=True)


MEASURE = os.path.join(HERE, 'measure')


def run_timed(argv, env, out, err):
    """Runs argv under tests/bench/measure (stdout/stderr to files);
    returns (seconds, rc, rusage-like) of the command itself."""
    rep = out + '.measure'
    with open(out, 'wb') as fo, open(err, 'wb') as fe:
        rc = subprocess.call([MEASURE, rep] + argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=fo, stderr=fe)
    try:
        with open(rep) as f:
            kv = dict(x.split('=', 1) for x in f.read().split())
    except OSError:
        raise Broke('measure did not run %s (exit %d): %s' % (argv[0], rc, tail(err)))
    ru = types.SimpleNamespace(ru_utime=float(kv['user']), ru_stime=float(kv['sys']),
                               ru_maxrss=int(kv['maxrss_kb']))
    return float(kv['seconds']), int(kv['status']), ru


def tail(path, n=15):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError:
        return ''


class Bench:
    def __init__(self, a):
        self.a = a
        self.E = os.environ
        self.work = a.work
        os.makedirs(self.work, exist_ok=True)
        self.port = self.E['TERN_IMAPS_PORT']
        self.notes = []
        self.rows = []
        self.details = []
        self.perf = os.environ.get('BENCH_PERF', '')

    # ---- helpers ----

    def tern_env(self, name):
        base = os.path.join(self.work, name)
        env = dict(self.E)
        env.update(HOME=base, XDG_CONFIG_HOME=os.path.join(base, 'config'),
                   XDG_DATA_HOME=os.path.join(base, 'data'),
                   XDG_CACHE_HOME=os.path.join(base, 'cache'))
        for d in ('config/tern', 'data', 'cache'):
            os.makedirs(os.path.join(base, d), exist_ok=True)
        return env

    def write_config(self, env, account, user, pwvar):
        with open(os.path.join(env['XDG_CONFIG_HOME'], 'tern', 'config'), 'w') as f:
            f.write('[general]\ntheme = default\n\n'
                    '[account %s]\nfrom = Alice Example <alice@example.com>\n'
                    'imap = imaps://%s@localhost:%s\nca_file = %s\n'
                    'password_command = printenv %s\nsync_days = 0\n'
                    % (account, user, self.port, self.E['TERN_CA'], pwvar))

    def tern(self, step, env, *args):
        """One timed tern run; raises Broke unless it exits 0."""
        out = os.path.join(self.work, step + '.out')
        err = os.path.join(self.work, step + '.err')
        argv = [self.a.tern] + list(args)
        if self.perf:
            os.makedirs(self.perf, exist_ok=True)
            argv = ['perf', 'record', '-F', '999', '-g', '-q', '-o',
                    os.path.join(self.perf, step.replace(' ', '-') + '.data'), '--'] + argv
        secs, rc, ru = run_timed(argv, env, out, err)
        if rc != 0:
            raise Broke('%s: tern %s exited %d:\n%s%s' % (
                step, ' '.join(args), rc, tail(out), tail(err)))
        rss = ru.ru_maxrss / 1024.0
        self.details.append('%-22s %7.3f s  user %6.2f s  sys %5.2f s  '
                            'max RSS %5.1f MB' % (step, secs, ru.ru_utime,
                                                  ru.ru_stime, rss))
        return secs, rss

    def floor(self, step, items):
        out = os.path.join(self.work, step + '.out')
        err = os.path.join(self.work, step + '.err')
        argv = [self.a.floor, '-p', self.port, '-c', self.E['TERN_CA'],
                '-u', 'alice', '-P', 'TERN_ALICE_PW', '-f', items]
        secs, rc, ru = run_timed(argv, self.E, out, err)
        if rc != 0:
            raise Broke('%s: floor exited %d:\n%s' % (step, rc, tail(err)))
        with open(out) as f:
            kv = dict(x.split('=', 1) for x in f.read().split())
        with open(err) as f:
            warn = f.read().strip()
        if warn:
            self.notes.append('%s: %s' % (step, warn))
        self.details.append('%-22s %7.3f s  user %6.2f s  sys %5.2f s  '
                            '(%s messages, %.1f MB on the wire, %s folders)'
                            % (step, secs, ru.ru_utime, ru.ru_stime,
                               kv['messages'], int(kv['bytes']) / MB,
                               kv['folders']))
        return secs, kv

    def imap(self):
        ns = types.SimpleNamespace(port=int(self.port), user='alice',
                                   password_env='TERN_ALICE_PW')
        sys.path.insert(0, os.path.join(self.a.srcdir, 'tests'))
        import imapctl
        return imapctl, imapctl.connect(ns)

    def verify(self, step, env, expect_total):
        """tern's store equals the server: every folder, UID, flag and
        Message-ID (the state tests/imapctl.py reads).  imapctl's own
        compare matches folders by their raw IMAP names, while tern's JSON
        has display names (modified UTF-7 decoded), so it cannot be used
        with non-ASCII folders: the same comparison is done here."""
        js = os.path.join(self.work, step + '.json')
        with open(js, 'wb') as f:
            r = subprocess.run([self.a.tern, 'search', '-a', 'bench', '--json', '*'],
                               env=env, stdout=f, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise Broke('%s: tern search failed: %s' % (step, r.stderr.decode(errors='replace')))
        t0 = time.monotonic()
        tern = {}
        with open(js) as f:
            for line in f:
                o = json.loads(line)
                tern.setdefault(o['folder'], {})[o['uid']] = {
                    'flags': sorted(o['flags']), 'message_id': o['message_id']}
        n = sum(len(v) for v in tern.values())
        imapctl, m = self.imap()
        server = imapctl.state(m, 0)	# folder names decoded
        m.logout()
        diffs = []
        for f in sorted(set(server) | set(tern)):
            s, t = server.get(f, {}), tern.get(f, {})
            if len(s) != len(t):
                diffs.append('%s: %d messages on the server, %d in tern' % (f, len(s), len(t)))
            for uid in sorted(set(s) | set(t)):
                if uid not in t:
                    diffs.append('%s uid %d: on the server, not in tern' % (f, uid))
                elif uid not in s:
                    diffs.append('%s uid %d: in tern, not on the server' % (f, uid))
                elif s[uid] != t[uid]:
                    diffs.append('%s uid %d: server %s, tern %s' % (f, uid, s[uid], t[uid]))
        ns = sum(len(v) for v in server.values())
        last = ('%d messages in %d folders compared (UID, flags, Message-ID): '
                '%d differences' % (ns, len(server), len(diffs)))
        say('%s: %s (%.1f s)' % (step, last, time.monotonic() - t0))
        if diffs:
            raise Broke('%s: tern\'s store differs from the server:\n%s' % (
                step, '\n'.join(diffs[:40])))
        if n != expect_total or ns != expect_total:
            raise Broke('%s: tern has %d messages, the server %d, expected %d'
                        % (step, n, ns, expect_total))
        self.details.append('check %-16s %s' % (step, last))
        return last

    # ---- steps ----

    def machine(self):
        def cmd(*argv):
            try:
                return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      cwd=self.a.srcdir).stdout.decode().strip()
            except OSError:
                return '?'
        cpu = '?'
        try:
            for line in open('/proc/cpuinfo'):
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
        except OSError:
            pass
        mem = '?'
        try:
            for line in open('/proc/meminfo'):
                if line.startswith('MemTotal'):
                    mem = '%.1f GB' % (int(line.split()[1]) / 1024 / 1024)
        except OSError:
            pass
        rev = cmd('git', 'rev-parse', '--short', 'HEAD')
        dirty = cmd('git', 'status', '--porcelain', '--untracked-files=no')
        return [
            ('tern', '%s, source tree at commit %s%s; binary built %s' % (
                cmd(self.a.tern, '-V'), rev, ' + uncommitted changes' if dirty else '',
                time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(
                    os.path.getmtime(self.a.tern))))),
            ('machine', '%s CPUs (nproc), %s, %s RAM, %s' % (
                os.cpu_count(), cpu, mem, platform.platform())),
            ('server', 'Dovecot %s, %s, loopback' % (cmd('dovecot', '--version'),
                                                    cmd('openssl', 'version'))),
        ]

    def fetch_items(self):
        """The items of tern's UID FETCH, from a -vvv trace (bob, 1 message)."""
        msg = gen.make_message(random.Random(7), int(time.time()), 'probe@example.com',
                               'probe', target=3000)
        r = subprocess.run(['doveadm', '-c', self.E['TERN_DOVECOT_CONF'], 'save',
                            '-u', 'bob', '-m', 'INBOX'], input=msg,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise Broke('doveadm save for the probe failed: %s' % r.stdout.decode())
        env = self.tern_env('probe')
        self.write_config(env, 'bench', 'bob', 'TERN_BOB_PW')
        err = os.path.join(self.work, 'probe.trace')
        with open(err, 'wb') as fe:
            r = subprocess.run([self.a.tern, '-vvv', 'sync', 'bench'], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fe)
        if r.returncode != 0:
            raise Broke('the probe sync failed:\n' + tail(err))
        with open(err, errors='replace') as f:
            for line in f:
                # The first sync sends SELECT and UID FETCH together.
                m = re.search(r' C: .*?\d+ UID FETCH \S+ (\(.*\))\s*$', line)
                if m and 'HEADER.FIELDS' in m.group(1):
                    items = m.group(1)
                    if items.count('(') == items.count(')'):
                        return items, 'from a `tern -vvv` trace'
        # Fallback: tern's list in src/mail/header.c.
        src = open(os.path.join(self.a.srcdir, 'src', 'mail', 'header.c')).read()
        m = re.search(r'header_field_names\[\]\s*=\s*\{(.*?)\};', src, re.S)
        if not m:
            raise Broke('no UID FETCH in the probe trace and no header_field_names')
        names = re.findall(r'"([^"]+)"', m.group(1))
        self.notes.append('FETCH items taken from src/mail/header.c: the -vvv '
                          'trace had no UID FETCH line')
        return ('(UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (%s)])'
                % ' '.join(names)), 'from src/mail/header.c'

    def make_changes(self):
        """100 flag changes, 100 expunges, 100 APPENDs, spread over folders."""
        imapctl, m = self.imap()
        rng = random.Random(self.a.seed * 7919 + 1)
        names = imapctl.folders(m)
        uids = {}
        for f in names:
            m.select(imapctl.q(f), readonly=True)
            typ, data = m.uid('SEARCH', None, 'ALL')
            uids[f] = [int(x) for x in data[0].split()] if data and data[0] else []
            m.close()
        nonempty = [f for f in names if uids[f]]
        chosen = set()

        def pick():
            while True:
                f = rng.choice(nonempty)
                u = rng.choice(uids[f])
                if (f, u) not in chosen:
                    chosen.add((f, u))
                    return f, u
        flag = [pick() for _ in range(N_FLAGS)]
        expunge = [pick() for _ in range(N_EXPUNGE)]
        per = {}
        for f, u in flag:
            per.setdefault(f, ([], []))[0].append(u)
        for f, u in expunge:
            per.setdefault(f, ([], []))[1].append(u)
        nflag = nexp = 0
        for f in sorted(per):
            fl, ex = per[f]
            typ, _ = m.select(imapctl.q(f))
            if typ != 'OK':
                raise Broke('SELECT %s failed' % f)
            if fl:
                typ, data = m.uid('FETCH', ','.join(map(str, fl)), '(FLAGS)')
                cur = {}
                for item in data:
                    if isinstance(item, bytes):
                        mt = re.search(rb'UID (\d+)', item)
                        if mt:
                            cur[int(mt.group(1))] = item
                for u in fl:
                    seen = b'\\Seen' in cur.get(u, b'')
                    op = '-FLAGS' if seen else '+FLAGS'
                    typ, _ = m.uid('STORE', str(u), op, '(\\Seen)')
                    if typ != 'OK':
                        raise Broke('UID STORE failed in %s' % f)
                    nflag += 1
            if ex:
                s = ','.join(map(str, ex))
                m.uid('STORE', s, '+FLAGS.SILENT', '(\\Deleted)')
                typ, _ = m.uid('EXPUNGE', s)
                if typ != 'OK':
                    raise Broke('UID EXPUNGE failed in %s' % f)
                nexp += len(ex)
            m.close()
        now = int(time.time())
        for i in range(N_NEW):
            f = rng.choice(names)
            mid = 'bench-new-%d-%d@example.com' % (self.a.seed, i)
            data = gen.make_message(rng, now, mid, gen.subject_text(rng), None, f)
            data = data.replace(b'\n', b'\r\n')
            typ, _ = m.append(imapctl.q(f), None, imaplib.Time2Internaldate(now), data)
            if typ != 'OK':
                raise Broke('APPEND to %s failed' % f)
        m.logout()
        folders_touched = len(set(f for f, _ in flag) | set(f for f, _ in expunge))
        return nflag, nexp, N_NEW, folders_touched

    def run(self):
        a = self.a
        info = self.machine()
        say('probing the FETCH tern sends')
        items, src = self.fetch_items()
        say('tern fetches %s (%s)' % (items, src))

        say('warming Dovecot\'s header cache (first header fetch parses every file)')
        warm, _ = self.floor('warm-up floor', items)
        say('warm-up: %.1f s' % warm)
        # The floor and the initial sync take turns, three times each:
        # both see the same moments of a shared machine, and each is
        # the median of its three.  Every initial sync starts from an
        # empty store; the last one's store is what the resyncs use.
        floors, initials, rss = [], [], []
        self.load0 = os.getloadavg()
        env = self.tern_env('tern')
        self.write_config(env, 'bench', 'alice', 'TERN_ALICE_PW')
        store = os.path.join(env['XDG_DATA_HOME'], 'tern', 'bench')
        for i in range(3):
            s, kv = self.floor('floor %d' % (i + 1), items)
            nfolders = int(kv['folders'])
            floors.append(s)
            if int(kv['messages']) != a.messages:
                raise Broke('the floor fetched %s messages, expected %d' % (kv['messages'], a.messages))
            shutil.rmtree(store, ignore_errors=True)
            say('initial tern sync %d of %d messages in %d folders' % (i + 1, a.messages, a.folders))
            s, r = self.tern('initial sync %d' % (i + 1), env, 'sync', 'bench')
            initials.append(s)
            rss.append(r)
            say('floor %.2f s, initial sync %.2f s (%.2fx), max RSS %.1f MB'
                % (floors[-1], s, s / floors[-1], r))
        floor = statistics.median(floors)
        initial = statistics.median(initials)
        say('wire floor: %s -> median %.2f s' % (', '.join('%.2f' % x for x in floors), floor))
        say('initial sync: %s -> median %.2f s (%.2fx floor)' % (
            ', '.join('%.2f' % x for x in initials), initial, initial / floor))
        self.verify('after initial sync', env, a.messages)
        size = 0
        for dp, _, fs in os.walk(store):
            for fn in fs:
                size += os.path.getsize(os.path.join(dp, fn))
        self.details.append('store after the initial sync: %.1f MB in %s' % (size / MB, store.replace(self.work, '$WORK')))

        nochange = []
        for i in range(3):
            s, r = self.tern('no-change resync %d' % (i + 1), env, 'sync', 'bench')
            nochange.append(s)
            rss.append(r)
        noch = statistics.median(nochange)
        say('no-change resync: %s -> median %.3f s' % (', '.join('%.3f' % x for x in nochange), noch))

        say('another client: %d flag changes, %d new, %d expunged' % (N_FLAGS, N_NEW, N_EXPUNGE))
        nf, ne, nn, nfold = self.make_changes()
        changed, r = self.tern('300-change resync', env, 'sync', 'bench')
        rss.append(r)
        say('300-change resync: %.3f s' % changed)
        self.verify('after the 300 changes', env, a.messages + nn - ne)
        s, r = self.tern('no-change resync 4', env, 'sync', 'bench')
        rss.append(r)
        nbatch, batch_s, batch_cmds = self.batch(env)

        self.load1 = os.getloadavg()
        peak = max(rss)
        ok = lambda c: 'yes' if c else '**NO**'  # noqa: E731
        self.rows = [
            ('wire floor: one TLS connection, LOGIN, LIST, SELECT + `UID FETCH 1:*` '
             'of the same items in each folder (median of 3)', '%.2f s' % floor, '—', ''),
            ('initial `tern sync` (%s messages, %d folders; median of 3, each taking turns '
             'with a floor run)' % ('{:,}'.format(a.messages), nfolders),
             '%.2f s = %.2f× floor' % (initial, initial / floor),
             '≤ %.1f× floor' % TARGET_FLOOR_RATIO, ok(initial / floor <= TARGET_FLOOR_RATIO)),
            ('resync, no changes, all %d folders, whole `tern sync` process (median of 3)' % nfolders,
             '%.3f s' % noch, '< %.1f s' % TARGET_NOCHANGE, ok(noch < TARGET_NOCHANGE)),
            ('resync after %d flag changes + %d new + %d expunged by another client (in %d folders)'
             % (nf, nn, ne, nfold), '%.3f s' % changed, '< %.0f s' % TARGET_CHANGES,
             ok(changed < TARGET_CHANGES)),
            ('peak RSS of the tern process (max over all runs)', '%.1f MB' % peak,
             '< %d MB' % TARGET_RSS_MB, ok(peak < TARGET_RSS_MB)),
            ('one action on %s messages (`tern mark --flag`, as `;` F in the UI): '
             'UID STORE commands the next `tern sync` sends, and its time'
             % ('{:,}'.format(nbatch)), '%d commands, %.3f s' % (batch_cmds, batch_s),
             '≤ %d commands (UID sets)' % TARGET_BATCH_CMDS,
             ok(nbatch >= 1000 and batch_cmds <= TARGET_BATCH_CMDS)),
        ]
        self.report(info, items, src, warm)

    def batch(self, env):
        """Flags every message of the two largest folders (about a
        thousand or more) in one `tern mark`, as a ';' F in the UI queues
        them, then counts the UID STORE commands of the replay in the
        next sync's -vvv trace: one per UID set, not one per message."""
        imapctl, m = self.imap()
        sizes = []
        for f in imapctl.folders(m):
            typ, data = m.status(imapctl.q(f), '(MESSAGES)')
            mt = re.search(rb'MESSAGES (\d+)', data[0] or b'')
            if typ == 'OK' and mt:
                sizes.append((int(mt.group(1)), f))
        m.logout()
        sizes.sort(reverse=True)
        want, n, query = 1000, 0, []
        for size, f in sizes:
            if n >= want:
                break
            query.append('folder:"%s"' % f)
            n += size
        q = ' OR '.join(query) if len(query) > 1 else query[0]
        q = '(%s) NOT is:flagged' % q if len(query) > 1 else q + ' NOT is:flagged'
        self.tern('mark batch', env, 'mark', '-a', 'bench', '--flag', q)
        with open(os.path.join(self.work, 'mark batch.out')) as fp:
            mt = re.search(r'([0-9]+) messages? marked', fp.read())
        marked = int(mt.group(1)) if mt else 0
        secs, r = self.tern('batch replay sync', env, '-vvv', 'sync', 'bench')
        with open(os.path.join(self.work, 'batch replay sync.err'), errors='replace') as fp:
            cmds = len(re.findall(r'C: \S+ UID STORE ', fp.read()))
        say('%d messages flagged in one batch: %d UID STORE commands, sync %.3f s'
            % (marked, cmds, secs))
        return marked, secs, cmds

    def report(self, info, items, src, warm):
        print()
        print('## tern sync benchmark')
        print()
        for k, v in info:
            print('- %s: %s' % (k, v))
        print('- data: %s messages in %d folders (gen.py --seed %d), Maildir on Dovecot A'
              % ('{:,}'.format(self.a.messages), self.a.folders, self.a.seed))
        print('- FETCH items (%s): `%s`' % (src, items))
        print('- load average (1 min) before the timed runs %.2f, after %.2f (other '
              'processes on the machine disturb the timings)' % (self.load0[0], self.load1[0]))
        print('- Dovecot header cache warmed by one floor run first (%.1f s)' % warm)
        if self.perf:
            print('- **BENCH_PERF set: tern ran under `perf record`; times are not comparable**')
        print()
        print('| measurement | value | target | ok |')
        print('|---|---|---|---|')
        for r in self.rows:
            print('| %s | %s | %s | %s |' % r)
        print()
        print('Runs (wall time of the process, its CPU time and peak RSS, measured by '
              'tests/bench/measure around that process alone):')
        print()
        print('```')
        for d in self.details:
            print(d)
        print('```')
        for n in self.notes:
            print('note: ' + n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tern', required=True)
    ap.add_argument('--floor', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--srcdir', required=True)
    ap.add_argument('--messages', type=int, default=int(os.environ.get('BENCH_MESSAGES', 100000)))
    ap.add_argument('--folders', type=int, default=int(os.environ.get('BENCH_FOLDERS', 50)))
    ap.add_argument('--seed', type=int, default=int(os.environ.get('BENCH_SEED', 1)))
    ap.add_argument('--measure', default=MEASURE)
    a = ap.parse_args()
    globals()['MEASURE'] = a.measure
    b = Bench(a)
    try:
        b.run()
    except Broke as e:
        print('bench: FAILED: %s' % e, file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
