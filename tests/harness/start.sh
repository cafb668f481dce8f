#!/bin/sh
# start.sh -- start tern's private test mail stack on 127.0.0.1.
#
#   sh tests/harness/start.sh DIR      (DIR: existing, empty, short path)
#
# Starts, using only loopback and free high ports picked here:
#   - a per-run test CA and certificates            (DIR/tls/)
#   - Dovecot instance A: IMAP+STARTTLS, IMAPS, LMTP, auth for Postfix SASL
#   - Dovecot instance B: IMAP+STARTTLS, IMAPS, CONDSTORE/QRESYNC hidden
#   - Postfix as submission server (587 role: STARTTLS required,
#     465 role: implicit TLS), SASL via Dovecot A, delivery by LMTP to A
#   - a private D-Bus session bus with an unlocked gnome-keyring (secrets)
# then checks the whole stack end to end and writes DIR/env, a file of
# `export NAME='value'` lines for a POSIX shell to `.` source.
# DIR/env only appears once everything works.  On failure it names what
# failed on stderr, tails the log, stops what it started and exits 1.
# tests/harness/stop.sh DIR stops everything.  See tests/harness/README.
set -eu
PATH=$PATH:/usr/sbin:/sbin      # dovecot, postfix live in sbin
export PATH

HERE=$(cd "$(dirname "$0")" && pwd)
T0=$(date +%s.%N)

# --- fixed test data -------------------------------------------------------
ALICE_PW='alice-pw-1'
BOB_PW='bob-pw-2'
CAROL_PW='c"a\r{5}l pw'         # literal: c " a \ r { 5 } l space p w
DAVE_PW='dave-pw-4'             # the terminal UI's end-to-end tests
KEYRING_PW='tern-harness-keyring'
MAIL_UID=8                      # Debian's `mail` user owns all mail
MAIL_GID=8

# --- failure handling ------------------------------------------------------
# STEP names what is being done; STEP_LOGS lists the logs worth showing if
# it fails.  Any non-zero exit (set -e, fail) prints them, stops whatever was
# started and leaves DIR/env absent.
STEP="checking arguments"
STEP_LOGS=""
DIR=""
step() {
	STEP=$1; shift; STEP_LOGS="$*"
	# timing trace, once DIR is known
	[ -z "$DIR" ] || printf '%s %s\n' "$(date +%s.%N)" "$STEP" >>"$DIR/start.log"
}
say() { printf 'tern harness: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }
# alive PID: the process exists and is not a zombie (kill -0 is true for
# zombies, and a dead daemon may stay one until init reaps it).
alive() {
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	case $st in Z* | X*) return 1 ;; esac
}
on_exit() {
	rc=$?
	trap - EXIT
	[ "$rc" -eq 0 ] && return 0
	say "FAILED while $STEP (exit $rc)"
	for l in $STEP_LOGS; do
		[ -s "$l" ] || continue
		say "--- last lines of $l:"
		tail -n 25 "$l" >&2
	done
	if [ -n "$DIR" ]; then
		say "stopping what was started"
		sh "$HERE/stop.sh" "$DIR" >/dev/null 2>&1 || :
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- arguments and the directory --------------------------------------------
[ $# -eq 1 ] || { echo "usage: sh $0 DIR" >&2; trap - EXIT; exit 2; }
[ -d "$1" ] || fail "$1 is not an existing directory"
D0=$(cd "$1" && pwd -P)
[ -z "$(ls -A "$D0")" ] || fail "$D0 is not empty (use a fresh directory)"
# Unix sockets under Dovecot's base_dir are limited to 108 bytes.
[ ${#D0} -le 60 ] || fail "$D0 is longer than 60 characters (unix socket paths)"
case $D0 in *[!A-Za-z0-9/._-]*) fail "$D0: use only [A-Za-z0-9/._-] in the path";; esac
[ "$(id -u)" -eq 0 ] || fail "must run as root (Dovecot and Postfix drop privileges themselves)"
getent passwd mail >/dev/null || fail "no 'mail' user (uid 8) on this system"
# Dovecot's mail processes run as `mail`: DIR and every parent must be
# traversable by others.
p=$D0
while [ "$p" != / ]; do
	p=$(dirname "$p")
	case $(stat -c %A "$p") in
	?????????[xt]) ;;
	*) fail "$p is not world-traversable; Dovecot's mail user cannot reach $D0" ;;
	esac
done
chmod go+x "$D0"
DIR=$D0                         # from here on, failures run stop.sh DIR
TAG=$(basename "$DIR")          # makes instance names unique per run

# --- required programs ------------------------------------------------------
step "checking for required programs"
missing=""
need() { # need PROGRAM DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || missing="$missing
  $1 (Debian package: $2)"
}
need dovecot "dovecot-imapd (dovecot-core)"
need doveadm "dovecot-imapd (dovecot-core)"
need /usr/lib/dovecot/imap dovecot-imapd
need /usr/lib/dovecot/lmtp dovecot-lmtpd
need postfix postfix
need postconf postfix
need dbus-daemon dbus
need dbus-send dbus
need gnome-keyring-daemon gnome-keyring
need secret-tool libsecret-tools
need openssl openssl
need setsid util-linux
# python3 runs the port picker and the end-to-end self-check. Prefer the
# system one (no pyenv shim start-up cost).
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
need "$PY" python3
[ -z "$missing" ] || fail "missing programs (install with apt-get install):$missing"
[ -x /usr/lib/postfix/sbin/master ] || fail "postfix master not found (Debian package: postfix)"

# --- layout ----------------------------------------------------------------
TLS=$DIR/tls
DV=$DIR/dovecot
PF=$DIR/postfix
DB=$DIR/dbus
KR=$DIR/keyring
KR_HOME=$KR/home                # HOME of gnome-keyring-daemon
KR_RUN=$KR/run                  # its XDG_RUNTIME_DIR (0700)
BUS_SOCK=$DB/bus.sock
BUS=unix:path=$BUS_SOCK
PF_QUEUE=$DIR/postfix-queue    # outside the config dir: postfix check
PF_DATA=$DIR/postfix-data       # wants everything there owned by root
mkdir -p "$TLS" "$DV" "$PF" "$DB" "$KR_HOME" "$KR_RUN" "$DIR/home" "$DIR/home-b" "$DIR/home-c"
chmod 700 "$KR_RUN" "$KR_HOME"

# ===========================================================================
# 1. Certificates: EC P-256 keys, one throwaway CA per run.
# ===========================================================================
step "creating certificates with openssl" "$TLS/openssl.log"
cat >"$TLS/openssl.cnf" <<EOF
# openssl config for tern's per-run test certificates (generated)
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca ]
default_ca = test_ca
[ test_ca ]
# only used with 'openssl ca' to back-date the expired certificate
database = $TLS/ca-db/index.txt
new_certs_dir = $TLS/ca-db
serial = $TLS/ca-db/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ext_localhost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ext_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ext_selfsigned ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
EOF
mkdir -p "$TLS/ca-db"
: >"$TLS/ca-db/index.txt"
echo 1000 >"$TLS/ca-db/serial"        # for `openssl ca`
ossl() { openssl "$@" >>"$TLS/openssl.log" 2>&1; }
# NEWKEY: options making `openssl req` generate an EC P-256 key.
NEWKEY="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc"
selfsign() { # selfsign NAME SUBJECT EXTSECTION
	ossl req -config "$TLS/openssl.cnf" -x509 $NEWKEY -keyout "$TLS/$1.key" \
		-days 30 -subj "$2" -extensions "$3" -out "$TLS/$1.pem"
}
issue() { # issue NAME CN EXTSECTION CA-NAME
	ossl req -config "$TLS/openssl.cnf" -new $NEWKEY -keyout "$TLS/$1.key" \
		-subj "/CN=$2" -out "$TLS/$1.csr"
	ossl x509 -req -in "$TLS/$1.csr" -CA "$TLS/$4.pem" -CAkey "$TLS/$4.key" \
		-CAserial "$TLS/$4.srl" -CAcreateserial -days 30 -sha256 \
		-extfile "$TLS/openssl.cnf" -extensions "$3" -out "$TLS/$1.pem"
}
selfsign ca "/CN=tern test CA $TAG" ext_ca
selfsign other-ca "/CN=tern unrelated CA $TAG" ext_ca
selfsign selfsigned /CN=localhost ext_selfsigned
issue server localhost ext_localhost ca
issue wrong wrong.example ext_wrong ca
issue untrusted localhost ext_localhost other-ca
# Expired: OpenSSL 3.0's x509 cannot set notBefore, but `openssl ca` can.
ossl req -config "$TLS/openssl.cnf" -new $NEWKEY -keyout "$TLS/expired.key" \
	-subj /CN=localhost -out "$TLS/expired.csr"
ossl ca -config "$TLS/openssl.cnf" -batch -notext \
	-cert "$TLS/ca.pem" -keyfile "$TLS/ca.key" -extfile "$TLS/openssl.cnf" -extensions ext_localhost \
	-startdate 20200101000000Z -enddate 20200201000000Z -in "$TLS/expired.csr" -out "$TLS/expired.pem"
rm -f "$TLS"/*.csr
# Throwaway keys: readable so tests' scripted TLS servers can use them.
chmod 644 "$TLS"/*.key
ossl verify -CAfile "$TLS/ca.pem" -verify_hostname localhost "$TLS/server.pem"
if openssl verify -CAfile "$TLS/ca.pem" "$TLS/expired.pem" >/dev/null 2>&1; then
	fail "expired.pem unexpectedly verifies"
fi
# SPKI pins of every certificate: sha256 of the DER SubjectPublicKeyInfo,
# base64, as `sha256:...` in NAME.pin.  (Same as `openssl x509 -pubkey
# -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary
# | base64`, in one process.)
"$PY" - "$TLS" server wrong selfsigned untrusted expired ca other-ca <<'PYEOF'
import base64, hashlib, ssl, sys

def tlv(b, i):
    """(start of contents, end of element) of the DER element at b[i]."""
    n = b[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big"); i += k
    return i, i + n

d = sys.argv[1]
for name in sys.argv[2:]:
    der = ssl.PEM_cert_to_DER_cert(open("%s/%s.pem" % (d, name)).read())
    i, _ = tlv(der, 0)                  # Certificate
    i, _ = tlv(der, i)                  # tbsCertificate
    if der[i] == 0xA0:                  # [0] version
        i = tlv(der, i)[1]
    for _ in range(5):                  # serial, signature, issuer, validity, subject
        i = tlv(der, i)[1]
    spki = der[i:tlv(der, i)[1]]
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    open("%s/%s.pin" % (d, name), "w").write("sha256:%s\n" % pin)
PYEOF
SERVER_PIN=$(cat "$TLS/server.pin")
case $SERVER_PIN in sha256:????????????????????????????????????????????) ;;
*) fail "bad SPKI pin for server.pem: '$SERVER_PIN'";; esac

# ===========================================================================
# 2. D-Bus session bus + gnome-keyring (started now, checked later).
# ===========================================================================
step "starting the private D-Bus session bus" "$DB/dbus.log"
# Own config: session bus semantics, but no service directories, so nothing
# (not even a second, locked gnome-keyring) can be auto-activated.
cat >"$DB/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- private session bus for tern's tests (generated by start.sh) -->
<busconfig>
  <type>session</type>
  <listen>$BUS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
# --nofork under `&`, so $! is the daemon's own pid; setsid gives it its own
# session, so a terminal's Ctrl-C does not reach it.
setsid dbus-daemon --config-file="$DB/session.conf" --nofork --nopidfile \
	</dev/null >"$DB/dbus.log" 2>&1 &
echo $! >"$DB/dbus.pid"
bus_has() { # bus_has NAME: is NAME owned on our bus?
	DBUS_SESSION_BUS_ADDRESS=$BUS dbus-send --session --print-reply=literal \
		--reply-timeout=1000 --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q true
}
i=0
until [ -S "$BUS_SOCK" ] && bus_has org.freedesktop.DBus; do
	alive "$(cat "$DB/dbus.pid")" || fail "dbus-daemon exited"
	i=$((i + 1)); [ $i -lt 200 ] || fail "dbus-daemon did not come up in 10 s"
	sleep 0.05
done

step "starting gnome-keyring-daemon" "$KR/keyring.log"
# --unlock reads the password from stdin and creates/unlocks the default
# `login` keyring, so storing never needs a (graphical) prompt.
printf %s "$KEYRING_PW" >"$KR/unlock-password"
chmod 600 "$KR/unlock-password"
HOME=$KR_HOME XDG_RUNTIME_DIR=$KR_RUN DBUS_SESSION_BUS_ADDRESS=$BUS \
	setsid gnome-keyring-daemon --foreground --unlock --components=secrets \
	<"$KR/unlock-password" >"$KR/keyring.log" 2>&1 &
echo $! >"$KR/keyring.pid"

# ===========================================================================
# 3. Dovecot A + B and Postfix.  Ports are picked at random from
#    20000-32767 (below the kernel's ephemeral range) with a bind check; if a
#    daemon still loses a race for a port, pick again (3 attempts).
# ===========================================================================
pick_ports() { # prints N free 127.0.0.1 ports, all held bound while picking
	"$PY" - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1]); held = []; ports = []
while len(ports) < n:
    p = random.randint(20000, 32767)
    if p in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    held.append(s); ports.append(p)
print(" ".join(map(str, ports)))
EOF
}

# passwd-file shared by both Dovecot instances; each instance sets its own
# uid/gid/home.  `selfcheck` is used only by this script's end-to-end check.
SELFCHECK_PW=$(openssl rand -hex 12)
{
	printf '%s\n' "alice:{PLAIN}$ALICE_PW::::::"
	printf '%s\n' "bob:{PLAIN}$BOB_PW::::::"
	printf '%s\n' "carol:{PLAIN}$CAROL_PW::::::"
	printf '%s\n' "dave:{PLAIN}$DAVE_PW::::::"
	printf '%s\n' "selfcheck:{PLAIN}$SELFCHECK_PW::::::"
} >"$DV/users"
chown root:dovecot "$DV/users"
chmod 640 "$DV/users"
for u in alice bob carol dave selfcheck; do
	mkdir -p "$DIR/home/$u" "$DIR/home-b/$u" "$DIR/home-c/$u"
done
chown -R "$MAIL_UID:$MAIL_GID" "$DIR/home" "$DIR/home-b" "$DIR/home-c"

write_dovecot_conf() { # write_dovecot_conf a|b|c
	n=$1
	mkdir -p "$DV/$n/run" "$DV/$n/state"
	if [ "$n" = a ]; then
		homes=$DIR/home protocols="imap lmtp" imap_port=$IMAP_PORT imaps_port=$IMAPS_PORT
	elif [ "$n" = b ]; then
		homes=$DIR/home-b protocols="imap" imap_port=$IMAP2_PORT imaps_port=$IMAPS2_PORT
	else
		homes=$DIR/home-c protocols="imap" imap_port=$IMAP3_PORT imaps_port=$IMAPS3_PORT
	fi
	cat >"$DV/$n.conf" <<EOF
# Dovecot instance $n for tern's tests (generated by tests/harness/start.sh)
instance_name = tern-$n-${TAG#tern-}
base_dir = $DV/$n/run
state_dir = $DV/$n/state
log_path = $DV/$n/dovecot.log
protocols = $protocols
listen = 127.0.0.1

ssl = yes
ssl_cert = <$TLS/server.pem
ssl_key = <$TLS/server.key
ssl_min_protocol = TLSv1.2
# tern's own refusal of cleartext auth is tested against scripted servers.
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes

# virtual users, all stored as Debian's mail user (uid/gid 8)
first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
last_valid_gid = $MAIL_GID
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $DV/users
}
userdb {
  driver = passwd-file
  args = username_format=%n $DV/users
  default_fields = uid=$MAIL_UID gid=$MAIL_GID home=$homes/%n
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}
protocol imap {
  # tests may open many connections per user
  mail_max_userip_connections = 100
}

# No auth penalty: Dovecot otherwise delays every login from an IP
# (2..15 s) after failures from it, which makes wrong-password tests slow.
# Closing the anvil-auth-penalty socket disables it.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
EOF
	if [ "$n" = a ]; then
		cat >>"$DV/$n.conf" <<EOF
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  # Postfix SASL (smtpd_sasl_type = dovecot) over TCP
  inet_listener auth-client {
    address = 127.0.0.1
    port = $AUTH_PORT
  }
}
EOF
	elif [ "$n" = c ]; then
		# Dovecot 2.3.19's default capability list minus QRESYNC: the
		# CONDSTORE-only path.
		cat >>"$DV/$n.conf" <<EOF
imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE
EOF
	else
		# Dovecot 2.3.19's default capability list minus CONDSTORE and
		# QRESYNC.
		cat >>"$DV/$n.conf" <<EOF
imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE
EOF
	fi
}

write_postfix_conf() {
	# Create the queue as `post-install create-missing` would (see
	# /etc/postfix/postfix-files) and mark it quick-start, so `postfix
	# start` skips ~1.5 s of shell-script checks.
	install -d -o root -g root -m 755 "$PF_QUEUE" "$PF_QUEUE/pid"
	install -d -o postfix -g root -m 700 "$PF_DATA" "$PF_QUEUE/private" \
		"$PF_QUEUE/active" "$PF_QUEUE/bounce" "$PF_QUEUE/corrupt" \
		"$PF_QUEUE/defer" "$PF_QUEUE/deferred" "$PF_QUEUE/flush" \
		"$PF_QUEUE/hold" "$PF_QUEUE/incoming" "$PF_QUEUE/saved" "$PF_QUEUE/trace"
	install -d -o postfix -g postdrop -m 730 "$PF_QUEUE/maildrop"
	install -d -o postfix -g postdrop -m 710 "$PF_QUEUE/public"
	: >"$PF_QUEUE/quick-start"
	printf '%s OK\n' alice@example.com bob@example.com carol@example.com dave@example.com \
		selfcheck@example.com >"$PF/vmailbox"
	cat >"$PF/main.cf" <<EOF
# Postfix submission server for tern's tests (generated by start.sh).
# Accepts only authenticated clients, delivers example.com to Dovecot A by
# LMTP and bounces everything else: no mail ever leaves this machine.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
syslog_name = postfix-$TAG
myhostname = localhost
mydomain = localdomain
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
biff = no
append_dot_mydomain = no

virtual_mailbox_domains = example.com
virtual_mailbox_maps = texthash:$PF/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
default_transport = error:tern test harness delivers to example.com only
relay_transport = error:tern test harness delivers to example.com only
local_transport = error:tern test harness delivers to example.com only
# retry quickly if Dovecot was down (tests may restart it)
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s

smtpd_tls_cert_file = $TLS/server.pem
smtpd_tls_key_file = $TLS/server.key
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtp_tls_security_level = none
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$AUTH_PORT
smtpd_sasl_auth_enable = yes
smtpd_client_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
EOF
	cat >"$PF/master.cf" <<EOF
# Postfix services for tern's tests (generated by start.sh); no chroot.
# 587 role: STARTTLS required before AUTH.
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix-$TAG/submission
  -o smtpd_tls_security_level=encrypt
# 465 role: implicit TLS.
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix-$TAG/submissions
  -o smtpd_tls_wrappermode=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	# Postfix waits (~1.5 s) for files modified within the last second to
	# settle before reading them; these are complete, so back-date them.
	touch -d '1 minute ago' "$PF/main.cf" "$PF/master.cf" "$PF/vmailbox"
}

# Starts Dovecot A, B and Postfix with the current ports.  Runs inside
# `if`, where set -e is off: every command checks its own status.
start_servers() {
	step "starting Dovecot A" "$DV/a/start.log $DV/a/dovecot.log"
	dovecot -c "$DV/a.conf" </dev/null >"$DV/a/start.log" 2>&1 || return 1
	step "starting Dovecot B" "$DV/b/start.log $DV/b/dovecot.log"
	dovecot -c "$DV/b.conf" </dev/null >"$DV/b/start.log" 2>&1 || return 1
	step "starting Dovecot C" "$DV/c/start.log $DV/c/dovecot.log"
	dovecot -c "$DV/c.conf" </dev/null >"$DV/c/start.log" 2>&1 || return 1
	step "starting Postfix" "$PF/start.log $PF/maillog"
	if ! postfix -c "$PF" start </dev/null >"$PF/start.log" 2>&1; then
		# postfix(1) reports errors before its own logging is up only to
		# syslog or a terminal: if the maillog has no reason, rerun its
		# check under script(1) to capture it.
		grep -q 'fatal:' "$PF/maillog" 2>/dev/null ||
			script -qc "postfix -c '$PF' check" /dev/null </dev/null >>"$PF/start.log" 2>&1
		return 1
	fi
	[ -s "$PF_QUEUE/pid/master.pid" ] || return 1
	return 0
}

attempt=1
while :; do
	step "picking free ports"
	set -- $(pick_ports 10)
	[ $# -eq 10 ] || fail "could not pick 10 free ports"
	IMAP_PORT=$1 IMAPS_PORT=$2 LMTP_PORT=$3 AUTH_PORT=$4
	IMAP2_PORT=$5 IMAPS2_PORT=$6 SUBMISSION_PORT=$7 SMTPS_PORT=$8
	IMAP3_PORT=$9 IMAPS3_PORT=${10}
	step "writing Dovecot and Postfix configuration"
	write_dovecot_conf a
	write_dovecot_conf b
	write_dovecot_conf c
	write_postfix_conf
	if start_servers; then
		break
	fi
	# Lost a race for a port?  Then stop, pick new ports and try again.
	if [ $attempt -lt 3 ] && cat $STEP_LOGS 2>/dev/null | grep -qi 'address already in use'; then
		say "a port was taken meanwhile; retrying with new ports"
		pids=""
		for f in "$DV/a/run/master.pid" "$DV/b/run/master.pid" "$DV/c/run/master.pid" "$PF_QUEUE/pid/master.pid"; do
			read -r p 2>/dev/null <"$f" && alive "$p" && kill "$p" 2>/dev/null && pids="$pids $p"
			rm -f "$f"
		done
		i=0
		for p in $pids; do
			while alive "$p" && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
		done
		for f in "$DV/a" "$DV/b" "$DV/c" "$PF"; do
			for l in "$f"/*.log "$f/maillog"; do [ -f "$l" ] && mv "$l" "$l.attempt$attempt"; done
		done
		attempt=$((attempt + 1))
		continue
	fi
	exit 1
done

# ===========================================================================
# 4. Keyring readiness and a secret-tool round trip.
# ===========================================================================
step "waiting for gnome-keyring to own org.freedesktop.secrets" "$KR/keyring.log $DB/dbus.log"
i=0
until bus_has org.freedesktop.secrets; do
	alive "$(cat "$KR/keyring.pid")" || fail "gnome-keyring-daemon exited"
	i=$((i + 1)); [ $i -lt 200 ] || fail "org.freedesktop.secrets not owned after 10 s"
	sleep 0.05
done
step "checking a secret-tool store/lookup round trip" "$KR/keyring.log"
token=$(openssl rand -hex 8)
printf %s "$token" | DBUS_SESSION_BUS_ADDRESS=$BUS \
	secret-tool store --label='tern harness self-check' tern-harness selfcheck
got=$(DBUS_SESSION_BUS_ADDRESS=$BUS secret-tool lookup tern-harness selfcheck)
[ "$got" = "$token" ] || fail "secret-tool lookup returned '$got', expected '$token'"
DBUS_SESSION_BUS_ADDRESS=$BUS secret-tool clear tern-harness selfcheck

# ===========================================================================
# 5. The env file, then an end-to-end check that uses it.
# ===========================================================================
step "writing $DIR/env"
# shq VALUE: VALUE single-quoted for sh (a ' becomes '\'').
shq() {
	case $1 in
	*\'*) printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf "'%s'" "$1" ;;
	esac
}
{
	echo "# tern test harness environment: . this file (written by start.sh)"
	for kv in \
		"TERN_TEST_DIR=$DIR" \
		"TERN_TLS_DIR=$TLS" \
		"TERN_CA=$TLS/ca.pem" \
		"TERN_SERVER_PIN=$SERVER_PIN" \
		"TERN_HOST=127.0.0.1" \
		"TERN_IMAP_PORT=$IMAP_PORT" \
		"TERN_IMAPS_PORT=$IMAPS_PORT" \
		"TERN_LMTP_PORT=$LMTP_PORT" \
		"TERN_AUTH_PORT=$AUTH_PORT" \
		"TERN_IMAP2_PORT=$IMAP2_PORT" \
		"TERN_IMAPS2_PORT=$IMAPS2_PORT" \
		"TERN_IMAP3_PORT=$IMAP3_PORT" \
		"TERN_IMAPS3_PORT=$IMAPS3_PORT" \
		"TERN_DOVECOT3_CONF=$DV/c.conf" \
		"TERN_SUBMISSION_PORT=$SUBMISSION_PORT" \
		"TERN_SMTPS_PORT=$SMTPS_PORT" \
		"TERN_DOVECOT_CONF=$DV/a.conf" \
		"TERN_DOVECOT2_CONF=$DV/b.conf" \
		"TERN_DOVECOT_LOG=$DV/a/dovecot.log" \
		"TERN_DOVECOT2_LOG=$DV/b/dovecot.log" \
		"TERN_POSTFIX_CONF=$PF" \
		"TERN_POSTFIX_LOG=$PF/maillog" \
		"TERN_MAIL_HOME=$DIR/home" \
		"TERN_MAIL_HOME2=$DIR/home-b" \
		"DBUS_SESSION_BUS_ADDRESS=$BUS" \
		"TERN_KEYRING_HOME=$KR_HOME" \
		"XDG_RUNTIME_DIR=$KR_RUN" \
		"TERN_ALICE_PW=$ALICE_PW" \
		"TERN_BOB_PW=$BOB_PW" \
		"TERN_CAROL_PW=$CAROL_PW" \
		"TERN_DAVE_PW=$DAVE_PW"; do
		printf 'export %s=' "${kv%%=*}"
		shq "${kv#*=}"
		echo
	done
} >"$DIR/env.tmp"

step "end-to-end self-check (IMAP, IMAPS, STARTTLS, SMTP AUTH, LMTP)" \
	"$DV/a/dovecot.log $DV/b/dovecot.log $DV/c/dovecot.log $PF/maillog"
(
	. "$DIR/env.tmp"
	SELFCHECK_PW=$SELFCHECK_PW "$PY" - <<'EOF'
# End-to-end check of the stack, using only what DIR/env provides.
import imaplib, os, smtplib, socket, ssl, sys, time

E = os.environ
if E["TERN_CAROL_PW"] != 'c"a\\r{5}l pw':
    sys.exit("env file does not reproduce carol's password exactly")
CTX = ssl.create_default_context(cafile=E["TERN_CA"])  # verifies + checks name
HOST = "127.0.0.1"

class IMAPS(imaplib.IMAP4_SSL):
    """IMAPS to 127.0.0.1, verifying the certificate as 'localhost'."""
    def _create_socket(self, timeout):
        s = socket.create_connection((self.host, self.port), timeout)
        return self.ssl_context.wrap_socket(s, server_hostname="localhost")

class SMTPS(smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        s = socket.create_connection((host, port), timeout)
        return self.context.wrap_socket(s, server_hostname="localhost")

def caps(m):
    typ, dat = m.capability()
    return set(dat[0].decode().upper().split())

def need(cond, what):
    if not cond:
        raise AssertionError(what)

def imap_a():
    m = imaplib.IMAP4(HOST, int(E["TERN_IMAP_PORT"]), timeout=5)
    need("STARTTLS" in m.capabilities, "A: no STARTTLS on the plain port")
    m.host = "localhost"                      # name to verify after STARTTLS
    m.starttls(CTX)
    m.login("carol", E["TERN_CAROL_PW"])      # imaplib escapes " and \
    c = caps(m)
    need({"CONDSTORE", "QRESYNC", "IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE"} <= c,
         "A: capabilities missing: %s" % sorted(c))
    typ, dat = m.list()
    names = b" ".join(dat)
    for b in (b"\\Sent", b"\\Drafts", b"\\Trash", b"\\Archive", b"\\Junk"):
        need(b in names, "A: no %s mailbox" % b.decode())
    m.logout()
    m = IMAPS(HOST, int(E["TERN_IMAPS_PORT"]), ssl_context=CTX, timeout=5)
    m.login("alice", E["TERN_ALICE_PW"])
    m.logout()

def imap_b():
    m = imaplib.IMAP4(HOST, int(E["TERN_IMAP2_PORT"]), timeout=5)
    need("STARTTLS" in m.capabilities, "B: no STARTTLS on the plain port")
    m.login("bob", E["TERN_BOB_PW"])
    c = caps(m)
    need(not ({"CONDSTORE", "QRESYNC"} & c), "B: CONDSTORE/QRESYNC not hidden")
    need({"IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE", "NAMESPACE"} <= c,
         "B: capabilities missing: %s" % sorted(c))
    m.logout()
    m = IMAPS(HOST, int(E["TERN_IMAPS2_PORT"]), ssl_context=CTX, timeout=5)
    m.login("carol", E["TERN_CAROL_PW"])
    m.logout()

def msg(port):
    return ("From: selfcheck@example.com\r\nTo: selfcheck@example.com\r\n"
            "Subject: harness self-check via %s\r\n\r\nok\r\n" % port)

def smtp():
    pw = E["SELFCHECK_PW"]
    p = int(E["TERN_SUBMISSION_PORT"])
    s = smtplib.SMTP(HOST, p, timeout=5)
    s.ehlo()
    need(s.has_extn("starttls"), "587 role: no STARTTLS")
    need(not s.has_extn("auth"), "587 role: AUTH offered before TLS")
    s._host = "localhost"                     # name to verify
    s.starttls(context=CTX)
    s.ehlo()
    s.login("selfcheck", pw)
    s.sendmail("selfcheck@example.com", ["selfcheck@example.com"], msg(p))
    s.quit()
    p = int(E["TERN_SMTPS_PORT"])
    s = SMTPS(HOST, p, context=CTX, timeout=5)
    s.login("selfcheck@example.com", pw)
    s.sendmail("selfcheck@example.com", ["selfcheck@example.com"], msg(p))
    s.quit()
    new = os.path.join(E["TERN_MAIL_HOME"], "selfcheck", "Maildir", "new")
    deadline = time.time() + 10
    while True:
        n = len(os.listdir(new)) if os.path.isdir(new) else 0
        if n >= 2:
            return
        need(time.time() < deadline, "submitted mail did not reach Dovecot A "
             "by LMTP within 10 s (%d of 2 arrived)" % n)
        time.sleep(0.02)

for name, f in (("Dovecot A", imap_a), ("Dovecot B", imap_b),
                ("Postfix submission -> LMTP", smtp)):
    try:
        f()
    except Exception as e:
        sys.exit("tern harness: self-check failed: %s: %s: %s" % (name, type(e).__name__, e))
EOF
) || fail "end-to-end self-check failed (see message above)"

mv "$DIR/env.tmp" "$DIR/env"
step "done"
printf 'tern harness ready in %s s: . %s/env\n' \
	"$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" "$DIR"
