#!/bin/sh
# Installs every Debian 12 package tern needs to build and to run its
# whole test suite (make deps).  Run as root; a no-op when all are there.
# clang and libclang-rt-14-dev build the sanitizer pass and the fuzz
# targets of make check; valgrind runs make valgrind.
set -eu

PKGS="build-essential pkg-config libncurses-dev libssl-dev libetpan-dev
libsecret-1-dev libsqlite3-dev check
dovecot-imapd dovecot-lmtpd postfix gnome-keyring libsecret-tools dbus
openssl tmux python3 mandoc ca-certificates procps git git-email
libmailtools-perl clang libclang-rt-14-dev valgrind"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing:$missing"
# Keep apt from writing /etc/postfix/main.cf; tern's tests bring their own.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
