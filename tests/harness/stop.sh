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

# alive PID: the process exists and is not a zombie.  (Reparented daemons
# can stay zombies for a while before init reaps them; kill -0 would
# count them as running.)
alive() {
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	case $st in Z* | X*) return 1 ;; esac
}

# pid_of PIDFILE COMM [ARGS]: the pid in PIDFILE if that process is alive,
# its name is COMM and (if given) its command line mentions DIR, so a
# recycled pid is never signalled.
pid_of() {
	read -r p 2>/dev/null <"$1" || return 1
	case $p in '' | *[!0-9]*) return 1 ;; esac
	read -r c 2>/dev/null <"/proc/$p/comm" || return 1
	[ "$c" = "$2" ] && alive "$p" || return 1
	if [ $# -ge 3 ]; then
		grep -qF "$DIR/" "/proc/$p/cmdline" 2>/dev/null || return 1
	fi
	echo "$p"
}

PIDS=""
# term PIDFILE COMM [args]: send SIGTERM and remember the pid to wait for.
term() {
	p=$(pid_of "$@") || return 0
	kill -TERM "$p" 2>/dev/null && PIDS="$PIDS $p"
}

# Postfix: SIGTERM to its master is what `postfix stop` does (which then
# polls only once a second); the master stops its own children.
term "$DIR/postfix-queue/pid/master.pid" master
term "$DIR/keyring/keyring.pid" gnome-keyring-d
term "$DIR/dbus/dbus.pid" dbus-daemon args
# Dovecot's master kills its children (logins, imap, lmtp, auth) on SIGTERM.
term "$DIR/dovecot/a/run/master.pid" dovecot args
term "$DIR/dovecot/b/run/master.pid" dovecot args
term "$DIR/dovecot/c/run/master.pid" dovecot args

# Wait up to 5 s for all of them, then SIGKILL what is left.
i=0
while [ -n "$PIDS" ]; do
	left=""
	for p in $PIDS; do
		alive "$p" && left="$left $p"
	done
	PIDS=$left
	[ -n "$PIDS" ] || break
	i=$((i + 1))
	if [ $i -ge 100 ]; then
		for p in $PIDS; do
			echo "tern harness stop: pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) ignored SIGTERM; killing it" >&2
			# Dovecot's and Postfix's masters lead their own process
			# group: take their children down with them.
			if [ "$(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ')" = "$p" ]; then
				kill -KILL -- "-$p" 2>/dev/null
			else
				kill -KILL "$p" 2>/dev/null
			fi
		done
		sleep 0.1
		break
	fi
	sleep 0.05
done
exit 0
