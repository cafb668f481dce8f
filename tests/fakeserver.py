#!/usr/bin/env python3
"""fakeserver.py - a scripted, broken or hostile IMAP/SMTP server for tern's
security tests (SECURITY.md tests 1-9, 11, 13: STARTTLS injection/stripping,
PREAUTH, bad greetings, certificate checks, LOGIN quoting, hostile text),
and, after LOGIN, a tiny mailbox that is good or that sends one of the
odd responses of SECURITY.md #29 (the modes of tests/fakemailbox.py).

Listens on 127.0.0.1 (kernel-chosen port, written atomically to --port-file)
and serves one connection at a time until SIGTERM, or one with --once,
or each in a thread of its own with --threads.  The
--transcript gets one raw line per entry, written at once:
  C: <line>   client input after TLS, CRLF/LF stripped (literals as on wire)
  S: <line>   server output (logged just before it is sent)
  EVENT: connected | closed | timeout | error <what> | half-closed |
         sni <name>|none | tls-established | tls-version <v> |
         tls-failed <reason> | plaintext-after-starttls <n> bytes |
         bare-lf | partial-line (both about the C: line above) |
         command <tag> <NAME> (IMAP) | message <n> bytes (SMTP DATA) |
         auth <how> [authzid=<hex>] user=<hex> pass=<hex>
"""
import argparse
import base64
import binascii
import os
import re
import signal
import socket
import ssl
import sys
import threading

from fakemailbox import CAPS_EXTRA, MAILBOX_MODES, MailboxSession

LINE_MAX = 1 << 20          # longest client line we buffer
LITERAL_MAX = 16 << 20      # largest IMAP literal we accept

IMAP_MODES = ('starttls', 'implicit', 'starttls-inject', 'no-starttls',
              'starttls-no', 'starttls-bad', 'preauth', 'bad-greeting', 'bye',
              'alert', 'pretls-untagged', 'stall', 'silent',
              'oauth') + MAILBOX_MODES
SMTP_MODES = ('starttls', 'implicit', 'greeting-inject', 'starttls-inject',
              'no-starttls', 'starttls-454', 'auth-fail-escape',
              'bad-greeting', 'stall', 'silent', 'oauth', 'data-drop',
              'data-451', 'data-554')

# oauth mode: the token that is accepted; any other gets the RFC 7628
# error challenge (base64 JSON), which the client must answer empty.
OAUTH_GOOD = b'auth=Bearer good-token\x01'
OAUTH_ERROR = b'eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0='

# Hostile text: ESC[2J (clear screen), OSC 0 (window title) ended by BEL, a
# raw C1 CSI byte (0x9B); for SMTP an SGR colour and an OSC 8 hyperlink.
IMAP_EVIL_ALERT = b'NO [ALERT] \x1b[2J\x1b]0;pwned\x07evil \x9b31m text'
SMTP_EVIL_535 = b'535 5.7.8 \x1b[31mbad\x1b]8;;http://x\x07 credentials'


class ProtocolError(Exception):
    pass


class Transcript:
    """Append-only, unbuffered: each entry is a single write()."""

    def __init__(self, path):
        self.f = open(path, 'ab', buffering=0)

    def line(self, prefix, data):
        self.f.write(prefix + data + b'\n')

    def event(self, text):
        self.line(b'EVENT: ', text.encode('utf-8', 'replace'))


def strip_eol(line):
    line = line[:-1] if line.endswith(b'\n') else line
    return line[:-1] if line.endswith(b'\r') else line


class Conn:
    """One client connection: buffered reading, logged sends, STARTTLS.
    Received bytes are logged as C: lines when the protocol code consumes
    them, so C: and S: lines keep the order of the conversation."""

    def __init__(self, sock, log, ctx):
        self.sock, self.log, self.ctx = sock, log, ctx
        self.buf = b''        # received, not yet consumed
        self.pending = b''    # consumed, not yet logged (no LF yet)
        self.dead = False     # TLS handshake failed: nothing left to read

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def _consume(self, n):
        data, self.buf = self.buf[:n], self.buf[n:]
        self.pending += data
        while b'\n' in self.pending:
            line, _, self.pending = self.pending.partition(b'\n')
            self.log.line(b'C: ', strip_eol(line))
            if not line.endswith(b'\r'):
                self.log.event('bare-lf')
        return data

    def readline_raw(self):
        """One line including its line ending."""
        while b'\n' not in self.buf:
            if len(self.buf) > LINE_MAX:
                raise ProtocolError('line too long')
            self._fill()
        return self._consume(self.buf.index(b'\n') + 1)

    def readline(self):
        return strip_eol(self.readline_raw())

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        return self._consume(n)

    def send(self, data):
        """Log each line, then send data with ONE sendall() call, so an
        injection is one TCP segment (one TLS record).  Logging first means
        a test that kills us once the client has the reply still sees it."""
        for line in data.split(b'\n'):
            if line:
                self.log.line(b'S: ', strip_eol(line))
        self.sock.sendall(data)

    def drain(self):
        """Log whatever the client sends and never answer (stall, silent)."""
        while True:
            self.readline_raw()

    def linger(self, seconds=2.0):
        """Send FIN but keep logging what the client still sends for a
        moment, so a client that ignores BYE / 554 shows in the transcript."""
        self.sock.shutdown(socket.SHUT_WR)
        self.log.event('half-closed')
        self.sock.settimeout(seconds)
        try:
            self.drain()
        except socket.timeout:
            pass

    def flush(self, from_kernel=True):
        """Log unconsumed and unterminated input.  At close, first pull in
        what is already queued in the kernel: we may be closing on SIGTERM
        while the client's last command is in flight."""
        try:
            if not from_kernel or self.dead:
                raise ValueError
            self.sock.setblocking(False)
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.buf += data
        except (OSError, ValueError):
            pass                # EAGAIN / SSLWantRead / closed: done
        self._consume(len(self.buf))
        if self.pending:
            self.log.line(b'C: ', self.pending)
            self.log.event('partial-line')
            self.pending = b''

    def start_tls(self):
        """Server side TLS handshake; False (logged) if it fails."""
        if self.buf:
            # Plaintext the client sent after STARTTLS: log it, never use it.
            self.log.event('plaintext-after-starttls %d bytes' % len(self.buf))
            self.flush(from_kernel=False)
        if self.ctx is None:
            self.log.event('tls-failed no --cert/--key given')
            return False
        self.sock = self.ctx.wrap_socket(self.sock, server_side=True,
                                         do_handshake_on_connect=False)
        try:
            self.sock.do_handshake()
        except OSError as e:            # SSLError, timeout, reset
            reason = getattr(e, 'reason', None) or str(e) or type(e).__name__
            self.log.event('tls-failed %s' % reason)
            self.dead = True
            return False
        self.log.event('tls-established')
        self.log.event('tls-version %s' % self.sock.version())
        return True


def b64decode(data):
    """Decode a SASL response ('=' is the empty one); None if invalid."""
    if data == b'=':
        return b''
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def log_plain(log, how, blob):
    """Log a SASL PLAIN blob; False unless it is authzid NUL user NUL pass."""
    parts = blob.split(b'\0') if blob is not None else []
    if len(parts) != 3:
        return False
    log.event('auth %s authzid=%s user=%s pass=%s'
              % (how, parts[0].hex(), parts[1].hex(), parts[2].hex()))
    return True


# ------------------------------------------------------------------ IMAP ---

LITERAL_RE = re.compile(rb'\{(\d+)(\+?)\}\Z')
# Bytes an atom may not hold (RFC 3501 atom-specials, CTL, 8-bit; ']' is
# fine in an astring).  Checked for LOGIN arguments only.
BAD_ATOM_RE = re.compile(rb'[\x00-\x20\x7f-\xff(){%*"\\]')


class Str(bytes):
    """A quoted string or a literal (as opposed to an atom)."""


def imap_tokenize(text):
    """Split (part of) a command line into atoms and quoted strings.
    Returns (tokens, literal, error); literal is (size, synchronizing) when
    the text ends with {n} or {n+}; error describes a bad quoted string."""
    toks, i, n = [], 0, len(text)
    while i < n:
        if text[i:i + 1] == b' ':
            i += 1
        elif text[i:i + 1] == b'"':
            out, i = bytearray(), i + 1
            while text[i:i + 1] != b'"':
                if i >= n:
                    return toks, None, b'unterminated quoted string'
                if text[i:i + 1] == b'\\':
                    i += 1
                    if text[i:i + 1] not in (b'\\', b'"'):
                        return toks, None, b'bad escape in quoted string'
                out += text[i:i + 1]
                i += 1
            toks.append(Str(out))
            i += 1
        else:
            m = LITERAL_RE.match(text, i)
            if m:
                return toks, (int(m.group(1)), not m.group(2)), None
            j = text.find(b' ', i)
            j = n if j < 0 else j
            toks.append(text[i:j])
            i = j
    return toks, None, None


CAPS_PRE = b'IMAP4rev1 STARTTLS AUTH=PLAIN SASL-IR IDLE'
CAPS_TLS = b'IMAP4rev1 AUTH=PLAIN SASL-IR IDLE'
# Commands answered with a bare OK once authenticated.
AUTHED_OK = {b'LIST', b'LSUB', b'STATUS', b'FETCH', b'STORE', b'SEARCH',
             b'UID', b'EXPUNGE', b'CLOSE', b'UNSELECT', b'CHECK', b'CREATE',
             b'DELETE', b'RENAME', b'SUBSCRIBE', b'UNSUBSCRIBE', b'COPY',
             b'MOVE', b'APPEND', b'ENABLE', b'NAMESPACE'}
STARTTLS_REFUSED = {'no-starttls': b'BAD STARTTLS not supported',
                    'starttls-no': b'NO not now', 'starttls-bad': b'BAD no'}
# pretls-untagged: plaintext untagged data sent just before the STARTTLS OK.
PRETLS_UNTAGGED = (b'* LIST () "/" PRETLS\r\n* 3 EXISTS\r\n'
                   b'* STATUS PRETLS (MESSAGES 7)\r\n'
                   b'* 1 FETCH (FLAGS (\\Seen))\r\n'
                   b'* CAPABILITY IMAP4rev1 AUTH=PLAIN XPRETLS\r\n'
                   b'* OK [ALERT] pre-tls alert\r\n')


class Imap:
    def __init__(self, conn, mode):
        self.c, self.mode = conn, mode
        self.tls = mode == 'implicit'
        self.authed = False
        # Modes that serve a mailbox after LOGIN (fakemailbox.py).
        self.box = MailboxSession(conn, mode) if mode in MAILBOX_MODES \
            else None

    def caps(self):
        if self.mode in MAILBOX_MODES:
            return (CAPS_TLS if self.tls else CAPS_PRE) + CAPS_EXTRA
        if self.mode == 'oauth':
            return (CAPS_TLS if self.tls else CAPS_PRE) + \
                b' AUTH=XOAUTH2 AUTH=OAUTHBEARER'
        if self.tls or self.mode == 'no-starttls':
            return CAPS_TLS
        return {'pretls-untagged': b'IMAP4rev1 STARTTLS AUTH=PLAIN XPRETLS',
                'preauth': b'IMAP4rev1 STARTTLS'}.get(self.mode, CAPS_PRE)

    def run(self):
        c, m = self.c, self.mode
        if m == 'silent':
            c.drain()
        if m == 'implicit' and not c.start_tls():
            return
        if m == 'bad-greeting':
            c.send(b'HELLO THERE\r\n')      # then carry on like 'starttls'
        elif m == 'bye':
            c.send(b'* BYE [ALERT] go away\r\n')
            return c.linger()
        elif m == 'preauth':
            c.send(b'* PREAUTH [CAPABILITY %s] welcome\r\n' % self.caps())
            self.authed = True
        else:
            c.send(b'* OK [CAPABILITY %s] fake ready\r\n' % self.caps())
        if m == 'stall':
            c.drain()
        while self.command():
            pass

    def read_command(self):
        """Read one command, following literals.  Returns (tokens, error)."""
        toks, line = [], self.c.readline()
        while True:
            more, lit, err = imap_tokenize(line)
            toks += more
            if lit is None or err:
                return toks, err
            size, sync = lit
            if size > LITERAL_MAX:
                if sync:
                    self.c.send(b'%s BAD literal too big\r\n'
                                % (toks[0] if toks else b'*'))
                raise ProtocolError('literal of %d bytes' % size)
            if sync:
                self.c.send(b'+ Ready for literal data\r\n')
            toks.append(Str(self.c.read_exact(size)))
            line = self.c.readline()

    def command(self):
        """Handle one command; False when the connection should end."""
        c = self.c
        toks, err = self.read_command()
        tag = toks[0] if toks else b'*'
        if err or len(toks) < 2:
            c.send(b'%s BAD %s\r\n' % (tag, err or b'missing command'))
            return True
        name, args = toks[1].upper(), toks[2:]
        c.log.line(b'EVENT: command ', tag + b' ' + name)

        def reply(text):
            c.send(b'%s %s\r\n' % (tag, text))

        if name == b'CAPABILITY':
            c.send(b'* CAPABILITY %s\r\n' % self.caps())
            reply(b'OK CAPABILITY completed')
        elif self.box is not None and self.authed and \
                self.box.handle(tag, name, args):
            pass
        elif name == b'NOOP':
            reply(b'OK NOOP completed')
        elif name == b'LOGOUT':
            c.send(b'* BYE fake logging out\r\n%s OK LOGOUT completed\r\n'
                   % tag)
            return False
        elif name == b'ID':
            c.send(b'* ID NIL\r\n%s OK ID completed\r\n' % tag)
        elif name == b'STARTTLS':
            return self.starttls(tag)
        elif name in (b'LOGIN', b'AUTHENTICATE') and self.authed:
            reply(b'BAD already authenticated')
        elif name == b'LOGIN':
            if len(args) != 2:
                reply(b'BAD LOGIN needs a user name and a password')
            elif any(not isinstance(a, Str) and BAD_ATOM_RE.search(a)
                     for a in args):
                reply(b'BAD invalid atom: quote it or send a literal')
            else:
                c.log.event('auth LOGIN user=%s pass=%s'
                            % (args[0].hex(), args[1].hex()))
                self.auth_result(reply, name)
        elif name == b'AUTHENTICATE':
            self.authenticate(reply, args)
        elif name not in AUTHED_OK | {b'SELECT', b'EXAMINE', b'IDLE'}:
            reply(b'BAD unknown command')
        elif not self.authed:
            reply(b'NO not authenticated')
        elif name in (b'SELECT', b'EXAMINE'):
            c.send(b'* 0 EXISTS\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n')
            reply(b'OK %s completed' % name)
        elif name == b'IDLE':
            # A hostile mailbox mode's untagged data comes during IDLE,
            # where a real server reports an expunge.
            c.send(b'+ idling\r\n' +
                   (self.box.inject('noop') if self.box else b''))
            while c.readline().upper() != b'DONE':
                pass
            reply(b'OK IDLE terminated')
        else:
            reply(b'OK %s completed' % name)
        return True

    def starttls(self, tag):
        c, m = self.c, self.mode
        if self.tls or self.authed:
            c.send(b'%s BAD STARTTLS not allowed now\r\n' % tag)
            return True
        if m in STARTTLS_REFUSED:
            c.send(b'%s %s\r\n' % (tag, STARTTLS_REFUSED[m]))
            return True
        if m == 'starttls-inject':      # plaintext after the OK, same send
            c.send(b'%s OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n'
                   % tag)
        elif m == 'pretls-untagged':    # plaintext before the OK, same send
            c.send(PRETLS_UNTAGGED + b'%s OK Begin TLS\r\n' % tag)
        else:
            c.send(b'%s OK Begin TLS\r\n' % tag)
        self.tls = c.start_tls()
        return self.tls

    def authenticate(self, reply, args):
        c = self.c
        if self.mode == 'oauth' and args and \
                args[0].upper() in (b'XOAUTH2', b'OAUTHBEARER'):
            if len(args) > 1:
                resp = args[1]
            else:
                c.send(b'+ \r\n')
                resp = c.readline()
            blob = b64decode(resp) or b''
            c.log.event('auth %s blob=%s' % (args[0].decode(), blob.hex()))
            if OAUTH_GOOD in blob:
                self.authed = True
                return reply(b'OK AUTHENTICATE completed')
            c.send(b'+ ' + OAUTH_ERROR + b'\r\n')
            c.readline()                        # the client's empty answer
            return reply(b'NO [AUTHENTICATIONFAILED] invalid token')
        if not args or args[0].upper() != b'PLAIN':
            return reply(b'NO unsupported mechanism')
        if len(args) > 1:
            resp = args[1]                      # SASL-IR
        else:
            c.send(b'+ \r\n')
            resp = c.readline()
            if resp == b'*':
                return reply(b'BAD AUTHENTICATE cancelled')
        if not log_plain(c.log, 'PLAIN', b64decode(resp)):
            return reply(b'BAD invalid SASL response')
        self.auth_result(reply, b'AUTHENTICATE')

    def auth_result(self, reply, name):
        if self.mode == 'alert':
            reply(IMAP_EVIL_ALERT)
        else:
            reply(b'OK %s completed' % name)
            self.authed = True


# ------------------------------------------------------------------ SMTP ---

# Commands that need an earlier step: verb -> (state attribute, error reply).
SMTP_NEEDS = {b'AUTH': ('helo', b'503 5.5.1 EHLO first'),
              b'MAIL': ('helo', b'503 5.5.1 EHLO first'),
              b'RCPT': ('mail', b'503 5.5.1 need MAIL first'),
              b'DATA': ('rcpt', b'503 5.5.1 need RCPT first')}


class Smtp:
    def __init__(self, conn, mode, data_dir):
        self.c, self.mode, self.data_dir = conn, mode, data_dir
        self.tls = mode == 'implicit'
        self.helo = self.authed = self.mail = self.rcpt = False
        self.nmsg = 0

    def run(self):
        c, m = self.c, self.mode
        if m == 'silent':
            c.drain()
        if m == 'implicit' and not c.start_tls():
            return
        if m == 'bad-greeting':
            c.send(b'554 no service\r\n')
            return c.linger()
        if m == 'greeting-inject':
            c.send(b'220 go\r\n250 AUTH PLAIN\r\n')      # one send
        else:
            c.send(b'220 fake ESMTP\r\n')
        if m == 'stall':
            c.drain()
        while self.command():
            pass

    def command(self):
        """Handle one command; False when the connection should end."""
        c = self.c
        verb, _, rest = c.readline().partition(b' ')
        verb = verb.upper()
        need = SMTP_NEEDS.get(verb)
        if need and not getattr(self, need[0]):
            c.send(need[1] + b'\r\n')
        elif verb in (b'EHLO', b'HELO'):
            self.helo, self.mail, self.rcpt = True, False, False
            ext = [b'fake', b'PIPELINING', b'SIZE 10240000']
            if not self.tls and self.mode != 'no-starttls':
                ext.append(b'STARTTLS')
            ext += [b'AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER'
                    if self.mode == 'oauth' else b'AUTH PLAIN LOGIN',
                    b'8BITMIME']
            if verb == b'HELO':
                ext = [b'fake']
            c.send(b''.join(b'250-%s\r\n' % e for e in ext[:-1])
                   + b'250 %s\r\n' % ext[-1])
        elif verb == b'STARTTLS':
            return self.starttls()
        elif verb == b'AUTH':
            if self.authed:
                c.send(b'503 5.5.1 already authenticated\r\n')
            else:
                self.auth(rest)
        elif verb == b'MAIL':
            self.mail, self.rcpt = True, False
            c.send(b'250 2.1.0 Ok\r\n')
        elif verb == b'RCPT':
            self.rcpt = True
            c.send(b'250 2.1.5 Ok\r\n')
        elif verb == b'DATA':
            return self.data()
        elif verb in (b'RSET', b'NOOP'):
            if verb == b'RSET':
                self.mail = self.rcpt = False
            c.send(b'250 2.0.0 Ok\r\n')
        elif verb == b'QUIT':
            c.send(b'221 2.0.0 Bye\r\n')
            return False
        else:
            c.send(b'500 5.5.2 command not recognized\r\n')
        return True

    def starttls(self):
        c, m = self.c, self.mode
        if self.tls:
            c.send(b'503 5.5.1 TLS already active\r\n')
        elif m == 'no-starttls':
            c.send(b'502 5.5.1 STARTTLS not supported\r\n')
        elif m == 'starttls-454':
            c.send(b'454 4.7.0 TLS not available\r\n')
        else:
            c.send(b'220 ready\r\n250-evil\r\n' if m == 'starttls-inject'
                   else b'220 ready\r\n')       # injection: one send
            if not c.start_tls():
                return False
            # RFC 3207: forget everything; the client must EHLO again.
            self.tls = True
            self.helo = self.authed = self.mail = self.rcpt = False
        return True

    def sasl(self, prompt, ir=None):
        """Send a 334 prompt unless an initial response was given; return
        the decoded answer, or None after replying with an error."""
        if ir is None:
            self.c.send(b'334 ' + prompt + b'\r\n')
            ir = self.c.readline()
        if ir == b'*':
            self.c.send(b'501 5.7.0 authentication cancelled\r\n')
            return None
        decoded = b64decode(ir)
        if decoded is None:
            self.c.send(b'501 5.5.2 invalid base64\r\n')
        return decoded

    def auth(self, rest):
        c = self.c
        parts = rest.split(b' ')
        mech, ir = parts[0].upper(), parts[1] if len(parts) > 1 else None
        if mech == b'PLAIN':
            blob = self.sasl(b'', ir)
            if blob is None:
                return
            if not log_plain(c.log, 'SMTP-PLAIN', blob):
                return c.send(b'501 5.5.2 malformed PLAIN response\r\n')
        elif mech in (b'XOAUTH2', b'OAUTHBEARER') and self.mode == 'oauth':
            blob = self.sasl(b'', ir)
            if blob is None:
                return
            c.log.event('auth SMTP-%s blob=%s' % (mech.decode(), blob.hex()))
            if OAUTH_GOOD not in blob:
                c.send(b'334 ' + OAUTH_ERROR + b'\r\n')
                c.readline()                    # the client's empty answer
                return c.send(b'535 5.7.8 invalid token\r\n')
        elif mech == b'LOGIN':
            user = self.sasl(b'VXNlcm5hbWU6', ir)       # "Username:"
            pw = None if user is None else self.sasl(b'UGFzc3dvcmQ6')
            if pw is None:
                return
            c.log.event('auth SMTP-LOGIN user=%s pass=%s'
                        % (user.hex(), pw.hex()))
        else:
            return c.send(b'504 5.5.4 unrecognized authentication type\r\n')
        if self.mode == 'auth-fail-escape':
            c.send(SMTP_EVIL_535 + b'\r\n')
        else:
            self.authed = True
            c.send(b'235 2.7.0 Authentication successful\r\n')

    def data(self):
        """Read until CRLF.CRLF, strictly: a '.' line ends the message only
        if it and the line before end in CRLF ('\\n.\\n' does not)."""
        c = self.c
        c.send(b'354 End data with <CR><LF>.<CR><LF>\r\n')
        body, after_crlf = [], True
        while True:
            raw = c.readline_raw()
            if raw == b'.\r\n' and after_crlf:
                break
            body.append(raw)
            after_crlf = raw.endswith(b'\r\n')
        payload = b''.join(body)
        self.nmsg += 1
        c.log.event('message %d bytes' % len(payload))
        if self.data_dir:                       # wire form, dots stuffed
            name = 'msg-%d-%d.eml' % (os.getpid(), self.nmsg)
            with open(os.path.join(self.data_dir, name), 'wb') as f:
                f.write(payload)
        self.mail = self.rcpt = False
        if self.mode == 'data-drop':        # gone before the answer
            c.log.event('dropped after the final dot')
            return False
        if self.mode in ('data-451', 'data-554'):
            c.send(b'451 4.3.0 try later\r\n' if self.mode == 'data-451'
                   else b'554 5.7.1 rejected\r\n')
            return True
        c.send(b'250 2.0.0 Ok: queued as FAKE%d\r\n' % self.nmsg)
        return True


# ------------------------------------------------------------------ main ---

def make_tls_context(cert, key, log):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)      # cert may hold the chain too
    ctx.sni_callback = lambda _sock, name, _ctx: log.event(
        'sni %s' % (name if name is not None else 'none'))
    return ctx


def serve(sock, args, log, ctx):
    conn = Conn(sock, log, ctx)
    mode = args.mode
    if args.mode_file:
        try:
            with open(args.mode_file) as f:
                m = f.read().strip()
            if m in (IMAP_MODES if args.proto == 'imap' else SMTP_MODES):
                mode = m
        except OSError:
            pass
        log.event('mode %s' % mode)
    slow = mode in ('stall', 'silent')
    sock.settimeout(args.stall_seconds if slow else args.timeout)
    log.event('connected')
    try:
        if args.proto == 'imap':
            Imap(conn, mode).run()
        else:
            Smtp(conn, mode, args.data_dir).run()
    except EOFError:
        pass                                    # client closed
    except socket.timeout:
        log.event('timeout')
    except (OSError, ProtocolError) as e:       # ssl.SSLError is an OSError
        log.event('error %s' % (str(e) or type(e).__name__))
    finally:                                    # also on SIGTERM
        conn.flush()
        try:
            conn.sock.close()
        except OSError:
            pass
        log.event('closed')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--proto', required=True, choices=('imap', 'smtp'))
    p.add_argument('--mode', required=True)
    p.add_argument('--port-file', required=True)
    p.add_argument('--transcript', required=True)
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--once', action='store_true',
                   help='serve one connection, then exit')
    p.add_argument('--timeout', type=float, default=10,
                   help='per-connection idle timeout (default 10 s)')
    p.add_argument('--stall-seconds', type=float, default=300,
                   help='how long stall/silent hold a connection (300 s)')
    p.add_argument('--data-dir', help='SMTP: save each DATA payload here')
    p.add_argument('--threads', action='store_true',
                   help='serve connections at the same time (a client with '
                   'a second session, e.g. for IDLE)')
    p.add_argument('--mode-file',
                   help='read the mode from this file at each connection '
                   '(a test switches a hostile server back to a good one)')
    args = p.parse_args()
    modes = IMAP_MODES if args.proto == 'imap' else SMTP_MODES
    if args.mode not in modes:
        p.error('--mode for %s: one of %s' % (args.proto, ', '.join(modes)))
    if bool(args.cert) != bool(args.key):
        p.error('--cert and --key go together')
    if args.mode == 'implicit' and not args.cert:
        p.error('implicit mode needs --cert and --key')

    log = Transcript(args.transcript)
    ctx = make_tls_context(args.cert, args.key, log) if args.cert else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(16)
    tmp = '%s.tmp.%d' % (args.port_file, os.getpid())
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.getsockname()[1])
    os.replace(tmp, args.port_file)             # never seen half-written
    try:
        while True:
            sock, _ = srv.accept()
            if args.threads:
                threading.Thread(target=serve, args=(sock, args, log, ctx),
                                 daemon=True).start()
                continue
            serve(sock, args, log, ctx)
            if args.once:
                break
    except KeyboardInterrupt:
        pass
    finally:
        srv.close()


if __name__ == '__main__':
    main()
