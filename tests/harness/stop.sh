#!/bin/sh
# stop.sh -- stop everything tests/harness/start.sh DIR started.
#
#   sh tests/harness/stop.sh DIR
#
# Stops gnome-keyring, the private D-Bus bus, Postfix and both Dovecot
# instances, using the pid files the run recorded under DIR, and waits until
# each process is really gone (SIGKILL after 5 s).  Safe after a partial
# start and when called twice; always exits 0.  Does not delete DIR.
set -u

[ $# -eq 1 ] && [ -d "$1" ] || exit 0
DIR=$(cd "$1" && pwd -P) || exit 0

# pid_of PIDFILE COMM: the pid in PIDFILE if that process is alive and its
# name is COMM (so a recycled pid is never signalled).
pid_of() {
	[ -f "$1" ] || return 1
	p=$(tr -dc 0-9 <"$1" 2>/dev/null)
	[ -n "$p" ] || return 1
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] || return 1
	echo "$p"
}

PIDS=""
# term PIDFILE COMM: send SIGTERM and remember the pid to wait for.
term() {
	p=$(pid_of "$1" "$2") || return 0
	kill -TERM "$p" 2>/dev/null && PIDS="$PIDS $p"
}

# Postfix: a clean `postfix stop` first (it signals its master).
PF=$DIR/postfix
PF_PID=$DIR/postfix-queue/pid/master.pid
if pid_of "$PF_PID" master >/dev/null; then
	postfix -c "$PF" stop </dev/null >/dev/null 2>&1
fi
term "$PF_PID" master
term "$DIR/keyring/keyring.pid" gnome-keyring-d
term "$DIR/dbus/dbus.pid" dbus-daemon
# Dovecot's master kills its children (logins, imap, lmtp, auth) on SIGTERM.
term "$DIR/dovecot/a/run/master.pid" dovecot
term "$DIR/dovecot/b/run/master.pid" dovecot

# Wait up to 5 s for all of them, then SIGKILL what is left.
i=0
while [ -n "$PIDS" ]; do
	left=""
	for p in $PIDS; do
		kill -0 "$p" 2>/dev/null && left="$left $p"
	done
	PIDS=$left
	[ -n "$PIDS" ] || break
	i=$((i + 1))
	if [ $i -ge 100 ]; then
		for p in $PIDS; do
			echo "tern harness stop: pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) ignored SIGTERM; killing" >&2
			kill -KILL "$p" 2>/dev/null
		done
		sleep 0.1
		break
	fi
	sleep 0.05
done
exit 0
