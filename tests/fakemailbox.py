"""fakemailbox.py - the post-login half of tests/fakeserver.py: a tiny,
fixed, consistent mailbox served after LOGIN (INBOX with 3 messages,
Lists with 1, an empty Sent), good enough for `tern sync`, and the
hostile modes of SECURITY.md #29, each of which injects one odd or
malformed response where a real server would send it.  Imported by
fakeserver.py (one connection at a time, single-threaded).

Modes (fakeserver.py --mode, or --mode-file read at each connection):
  mailbox        the good server
  status-empty   STATUS of Lists answers `* STATUS "Lists" ()`, and
                 every STATUS reply is followed by `* STATUS "x" ()`
  seq-comma      `* VANISHED (EARLIER) 7,` / `* VANISHED 7,` in SELECT
                 and NOOP (a sequence set ending in ',')
  body-lines     every FETCH reply carries an unasked BODYSTRUCTURE
                 whose body-fld-lines is -1
  hms-empty      SELECT says `* OK [HIGHESTMODSEQ] ` (no number)
  expunge-0      `* 0 EXPUNGE` in SELECT, SEARCH and NOOP
  expunge-high   `* 9 EXPUNGE` (above EXISTS 3) in SELECT, SEARCH, NOOP
  fetch-unasked  UID FETCH also answers UID 99 (flags) and UID 98 (with
                 a header: a phantom message if stored)
  uid-0          UID FETCH also answers a UID 0 message with a header,
                 SEARCH lists 0
  stall-fetch    a FETCH of header fields is never answered (a server
                 that hangs mid-sync)
"""
import re
import time

MAILBOX_MODES = ('mailbox', 'status-empty', 'seq-comma', 'body-lines',
                 'hms-empty', 'expunge-0', 'expunge-high', 'fetch-unasked',
                 'uid-0', 'stall-fetch')
CAPS_EXTRA = b' ID ENABLE UIDPLUS CONDSTORE QRESYNC NAMESPACE'
UIDVALIDITY = 1
MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
          'Oct', 'Nov', 'Dec')


def message(n, subject, when):
    tm = time.gmtime(when)
    date = time.strftime('%a, %d ', tm) + MONTHS[tm.tm_mon - 1] + \
        time.strftime(' %Y %H:%M:%S +0000', tm)
    return ('Date: %s\r\nFrom: Fake Sender <fake@example.com>\r\n'
            'To: alice@example.com\r\nSubject: %s\r\n'
            'Message-ID: <fake%d.%s@example.com>\r\n\r\nbody of %s\r\n'
            % (date, subject, n, subject.replace(' ', '-'), subject)
            ).encode()


def internaldate(when):
    tm = time.gmtime(when)
    return (time.strftime('%d-', tm) + MONTHS[tm.tm_mon - 1] +
            time.strftime('-%Y %H:%M:%S +0000', tm)).encode()


class Msg:
    def __init__(self, uid, subject, flags, modseq, when):
        self.uid, self.flags, self.modseq = uid, flags, modseq
        self.when = when
        self.data = message(uid, subject, when)


def make_boxes(mode):
    """The fixed mailbox: {name: [Msg]}; also what the test expects.
    In a hostile mode message 2's MODSEQ is higher (its flags are the
    same): STATUS shows INBOX changed, so a second sync SELECTs it."""
    when = int(time.time()) - 3600
    return {
        b'INBOX': [Msg(1, 'fake one', b'\\Seen', 2, when),
                   Msg(2, 'fake two', b'', 3 if mode == 'mailbox' else 11,
                       when),
                   Msg(3, 'fake three', b'\\Flagged', 4, when)],
        b'Lists': [Msg(1, 'fake list', b'\\Seen', 5, when)],
        b'Sent': [],
    }


FOLDERS = ((b'INBOX', b'\\HasNoChildren'), (b'Lists', b'\\HasNoChildren'),
           (b'Sent', b'\\HasNoChildren \\Sent'))
SET_RE = re.compile(rb'^[0-9*:,]+$')


def in_set(text, uid, top):
    """uid is in the sequence set text ('*' is top)."""
    for part in text.split(b','):
        if not part:
            continue
        lo, _, hi = part.partition(b':')
        lo = top if lo == b'*' else int(lo)
        hi = lo if not hi else (top if hi == b'*' else int(hi))
        if min(lo, hi) <= uid <= max(lo, hi):
            return True
    return False


def header_fields(data, fields):
    head = data.split(b'\r\n\r\n', 1)[0].split(b'\r\n')
    want = {f.upper() for f in fields}
    keep = [h for h in head if h.split(b':', 1)[0].upper() in want]
    return b''.join(h + b'\r\n' for h in keep) + b'\r\n'


class MailboxSession:
    """Serves one authenticated connection.  send(bytes) sends."""

    def __init__(self, conn, mode):
        self.c, self.mode = conn, mode
        self.boxes = make_boxes(mode)
        self.sel = None

    def msgs(self):
        return self.boxes.get(self.sel, [])

    def hms(self, box):
        return max([m.modseq for m in self.boxes[box]] + [1])

    def inject(self, where):
        """The hostile untagged data for a point of the conversation."""
        m = self.mode
        if m == 'seq-comma' and where in ('select', 'noop'):
            return b'* VANISHED 7,\r\n'
        if m == 'expunge-0' and where in ('select', 'search', 'noop'):
            return b'* 0 EXPUNGE\r\n'
        if m == 'expunge-high' and where in ('select', 'search', 'noop'):
            return b'* 9 EXPUNGE\r\n'
        return b''

    def handle(self, tag, name, args):
        """True if handled (a reply was sent)."""
        c = self.c
        if name == b'UID' and args:
            sub, rest = args[0].upper(), args[1:]
            if sub == b'FETCH':
                return self.fetch(tag, rest, True)
            if sub == b'SEARCH':
                return self.search(tag, rest)
            c.send(b'%s OK UID %s completed\r\n' % (tag, sub))
            return True
        if name == b'FETCH':
            return self.fetch(tag, args, False)
        if name in (b'LIST', b'LSUB'):
            out = b''
            for f, attrs in FOLDERS:
                out += b'* %s (%s) "." %s\r\n' % (name, attrs, f)
            c.send(out + b'%s OK %s completed\r\n' % (tag, name))
        elif name == b'STATUS' and args:
            c.send(self.status(args) + b'%s OK STATUS completed\r\n' % tag)
        elif name in (b'SELECT', b'EXAMINE') and args:
            self.select(tag, name, args)
        elif name == b'ENABLE':
            on = [a.upper() for a in args
                  if a.upper() in (b'QRESYNC', b'CONDSTORE')]
            c.send(b'* ENABLED %s\r\n%s OK ENABLE completed\r\n'
                   % (b' '.join(on), tag))
        elif name == b'NAMESPACE':
            c.send(b'* NAMESPACE (("" ".")) NIL NIL\r\n'
                   b'%s OK NAMESPACE completed\r\n' % tag)
        elif name == b'NOOP':
            c.send(self.inject('noop') + b'%s OK NOOP completed\r\n' % tag)
        elif name in (b'CLOSE', b'UNSELECT'):
            self.sel = None
            c.send(b'%s OK %s completed\r\n' % (tag, name))
        else:
            return False
        return True

    def status(self, args):
        box = bytes(args[0])
        msgs = self.boxes.get(box)
        if msgs is None:
            return b''
        # After the folder's own reply: libetpan keeps the last STATUS.
        extra = b'* STATUS "x" ()\r\n' if self.mode == 'status-empty' else b''
        if self.mode == 'status-empty' and box == b'Lists':
            return b'* STATUS "Lists" ()\r\n' + extra
        want = b' '.join(args[1:]).upper()
        vals = {b'MESSAGES': len(msgs),
                b'UIDNEXT': (msgs[-1].uid if msgs else 0) + 1,
                b'UIDVALIDITY': UIDVALIDITY,
                b'UNSEEN': sum(1 for m in msgs if b'\\Seen' not in m.flags),
                b'HIGHESTMODSEQ': self.hms(box), b'RECENT': 0}
        items = [b'%s %d' % (k, v) for k, v in vals.items() if k in want]
        return b'* STATUS "%s" (%s)\r\n' % (box, b' '.join(items)) + extra

    def select(self, tag, name, args):
        box = bytes(args[0])
        if box.upper() == b'INBOX':
            box = b'INBOX'
        if box not in self.boxes:
            self.sel = None
            return self.c.send(b'%s NO no such mailbox\r\n' % tag)
        self.sel = box
        msgs = self.msgs()
        rest = b' '.join(args[1:]).upper()
        out = (b'* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n'
               b'* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted '
               b'\\Seen \\Draft \\*)] Flags permitted.\r\n'
               b'* %d EXISTS\r\n* 0 RECENT\r\n'
               b'* OK [UIDVALIDITY %d] UIDs valid\r\n'
               b'* OK [UIDNEXT %d] Predicted next UID\r\n'
               % (len(msgs), UIDVALIDITY, (msgs[-1].uid if msgs else 0) + 1))
        if self.mode == 'hms-empty':
            out += b'* OK [HIGHESTMODSEQ] \r\n'
        else:
            out += b'* OK [HIGHESTMODSEQ %d] Highest\r\n' % self.hms(box)
        out += self.inject('select')
        m = re.search(rb'QRESYNC \((\d+) (\d+)', rest)
        if m:
            if self.mode == 'seq-comma':
                out += b'* VANISHED (EARLIER) 7,\r\n'
            since = int(m.group(2))
            for i, msg in enumerate(msgs):
                if msg.modseq > since:
                    out += b'* %d FETCH (UID %d FLAGS (%s) MODSEQ (%d))\r\n' \
                        % (i + 1, msg.uid, msg.flags, msg.modseq)
        self.c.send(out + b'%s OK [%s] %s completed\r\n'
                    % (tag, b'READ-ONLY' if name == b'EXAMINE' else
                       b'READ-WRITE', name))

    def search(self, tag, args):
        toks = [bytes(a).strip(b'()') for a in args]
        toks = [t for t in toks if t]
        msgs = self.msgs()
        top = msgs[-1].uid if msgs else 0
        hits = [m for m in msgs]
        i = 0
        while i < len(toks):
            k = toks[i].upper()
            if k == b'CHARSET' or k in (b'SINCE', b'BEFORE', b'ON'):
                i += 2
                continue
            if k == b'UID' and i + 1 < len(toks):
                hits = [m for m in hits if in_set(toks[i + 1], m.uid, top)]
                i += 2
                continue
            if k == b'HEADER' and i + 2 < len(toks):
                f, v = toks[i + 1].lower(), toks[i + 2].lower()
                hits = [m for m in hits if any(
                    h.lower().startswith(f + b':') and v in h.lower()
                    for h in m.data.split(b'\r\n\r\n')[0].split(b'\r\n'))]
                i += 3
                continue
            if k == b'DELETED':
                hits = [m for m in hits if b'\\Deleted' in m.flags]
            elif k == b'UNDELETED':
                hits = [m for m in hits if b'\\Deleted' not in m.flags]
            elif SET_RE.match(k):
                hits = [m for j, m in enumerate(msgs, 1)
                        if m in hits and in_set(k, j, len(msgs))]
            i += 1
        uids = b' '.join(b'%d' % m.uid for m in hits)
        if self.mode == 'uid-0':
            uids = b'0 ' + uids
        self.c.send(self.inject('search') +
                    b'* SEARCH%s%s\r\n%s OK SEARCH completed\r\n'
                    % (b' ' if uids else b'', uids.strip(), tag))
        return True

    def fetch(self, tag, args, by_uid):
        if not args:
            self.c.send(b'%s BAD FETCH what\r\n' % tag)
            return True
        seqset = bytes(args[0])
        items = b' '.join(bytes(a) for a in args[1:])
        up = items.upper()
        msgs = self.msgs()
        top = (msgs[-1].uid if by_uid else len(msgs)) if msgs else 0
        since = re.search(rb'CHANGEDSINCE (\d+)', up)
        since = int(since.group(1)) if since else None
        hdr = re.search(rb'BODY(?:\.PEEK)?\[(HEADER\.FIELDS \(([^)]*)\))\]',
                        items, re.I)
        whole = re.search(rb'BODY(?:\.PEEK)?\[\]', up)
        if hdr and self.mode == 'stall-fetch':
            return True                 # never answered
        out = b''

        def one(seq, msg, uid=None, subject=None):
            data = msg.data if subject is None else \
                message(uid, subject, msg.when)
            parts = [b'UID %d' % (msg.uid if uid is None else uid)]
            parts.append(b'FLAGS (%s)' % msg.flags)
            if b'MODSEQ' in up or since is not None:
                parts.append(b'MODSEQ (%d)' % msg.modseq)
            if b'INTERNALDATE' in up:
                parts.append(b'INTERNALDATE "%s"' % internaldate(msg.when))
            if b'RFC822.SIZE' in up:
                parts.append(b'RFC822.SIZE %d' % len(data))
            if self.mode == 'body-lines':
                parts.append(b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" '
                             b'"us-ascii") NIL NIL "7BIT" %d -1)'
                             % len(data))
            if hdr:
                h = header_fields(data, hdr.group(2).split())
                parts.append(b'BODY[%s] {%d}\r\n%s'
                             % (hdr.group(1), len(h), h))
            if whole:
                parts.append(b'BODY[] {%d}\r\n%s' % (len(data), data))
            return b'* %d FETCH (%s)\r\n' % (seq, b' '.join(parts))

        for i, msg in enumerate(msgs, 1):
            if not in_set(seqset, msg.uid if by_uid else i, top):
                continue
            if since is not None and msg.modseq <= since:
                continue
            out += one(i, msg)
        if msgs and self.mode == 'fetch-unasked':
            out += b'* 1 FETCH (UID 99 FLAGS (\\Seen))\r\n'
            out += one(2, msgs[0], 98, 'phantom ninety-eight')
        if msgs and self.mode == 'uid-0':
            out += one(1, msgs[0], 0, 'phantom zero')
        self.c.send(out + b'%s OK %sFETCH completed\r\n'
                    % (tag, b'UID ' if by_uid else b''))
        return True
