#!/bin/sh
# Certificates that must be refused, on all four paths, before any
# credential is sent: a name that does not match, an untrusted or
# self-signed or expired certificate, and a pin mismatch.  The real
# Dovecot and Postfix show the refusal; the scripted server (which
# records every byte it receives) proves no LOGIN or AUTH was sent.
# Covers SECURITY.md #8 #9 (and a pin trusts only its own key: #10 in part).
. "$TERN_SRCDIR/tests/lib.sh"

PW="password_command = printenv TERN_ALICE_PW"
BADPIN="tls_pin = sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

# One account per path, IMAP only or SMTP only, against the real servers.
paths="imaps:$TERN_IMAPS_PORT:imap imap:$TERN_IMAP_PORT:imap smtps:$TERN_SMTPS_PORT:smtp smtp:$TERN_SUBMISSION_PORT:smtp"

real_account() {	# NAME SCHEME PORT KIND HOST extra...
	n=$1 s=$2 p=$3 k=$4 h=$5
	shift 5
	if [ "$k" = imap ]; then
		account "$n" "$s://alice@$h:$p" "" "$PW" "$@"
	else
		# SMTP checks need an IMAP line; point it at the good server.
		account "$n" "imaps://alice@localhost:$TERN_IMAPS_PORT" \
		    "$s://alice@$h:$p" "$PW" "$@"
	fi
}

new_config
for path in $paths; do
	s=${path%%:*} rest=${path#*:}
	p=${rest%%:*} k=${rest#*:}
	real_account "name_$s" "$s" "$p" "$k" 127.0.0.1 "ca_file = $TERN_CA"
	real_account "untrusted_$s" "$s" "$p" "$k" localhost
	real_account "pin_$s" "$s" "$p" "$k" localhost "ca_file = $TERN_CA" "$BADPIN"
	real_account "pinok_$s" "$s" "$p" "$k" localhost "tls_pin = $TERN_SERVER_PIN"
done
for path in $paths; do
	s=${path%%:*} k=${path##*:}
	run_tern check "name_$s"
	expect "$s: a certificate for another host name is refused" 1 \
	    "name_$s: $k: certificate of 127.0.0.1 not trusted: .*(hostname|IP address) mismatch"
	run_tern check "untrusted_$s"
	expect "$s: a certificate from an unknown CA is refused" 1 \
	    "untrusted_$s: $k: certificate of localhost not trusted: unable to get local issuer certificate"
	run_tern check "pin_$s"
	expect "$s: a pin mismatch is refused even with a trusted chain" 1 \
	    "pin_$s: $k: certificate of localhost does not match tls_pin"
	run_tern check "pinok_$s"
	expect "$s: a matching pin trusts the key without the CA" 0 \
	    "not verified by a CA, pinned" 'all checks passed'
done

# The scripted server: the same refusals, and proof of silence.
for proto in imap smtp; do
	for mode in implicit starttls; do
		case $proto-$mode in
		imap-implicit) scheme=imaps ;;
		imap-starttls) scheme=imap ;;
		smtp-implicit) scheme=smtps ;;
		smtp-starttls) scheme=smtp ;;
		esac
		for cert in wrong selfsigned untrusted expired pin; do
			c=$cert extra="ca_file = $TERN_CA"
			[ $cert = pin ] && c=server extra="$BADPIN"
			[ -f "$TERN_TLS_DIR/$c.pem" ] || { fail "$scheme $cert: $TERN_TLS_DIR/$c.pem missing"; continue; }
			fake_start $proto $mode $c || { fail "fake server $proto $mode"; continue; }
			fake_account $scheme "$PW" "$extra"
			run_tern check fake
			fake_stop
			expect "$scheme: $cert certificate refused" 1 \
			    "fake: $proto: certificate of localhost (not trusted|does not match)"
			no_credentials "$scheme: $cert certificate: no credential sent"
		done
	done
done

finish
