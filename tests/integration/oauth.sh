#!/bin/sh
# OAuth2 (auth = xoauth2 / oauthbearer): the token comes from
# token_command, goes out as the RFC 7628 / XOAUTH2 initial response
# over verified TLS on IMAP and SMTP, and a rejected token (the error
# challenge) fails cleanly with the reason.  Scripted server.
. "$TERN_SRCDIR/tests/lib.sh"

oauth_pair() {	# MECH TOKEN_COMMAND: starts an IMAP and an SMTP oauth server
	fake_start imap oauth || return 1
	IPORT=$FAKE_PORT ILOG=$FAKE_LOG IPID=$FAKE_PID
	fake_start smtp oauth || return 1
	new_config
	account oa "imap://alice@localhost:$IPORT" "smtp://alice@localhost:$FAKE_PORT" \
	    "ca_file = $TERN_CA" "auth = $1" "token_command = $2"
}

for mech in xoauth2 oauthbearer; do
	MECH=$(echo $mech | tr a-z A-Z)
	oauth_pair $mech "echo good-token" || { fail "$mech: fake servers"; continue; }
	run_tern check oa
	fake_stop; kill $IPID 2>/dev/null; wait $IPID 2>/dev/null
	expect "$mech: a good token logs in to IMAP and SMTP" 0 'login: ok as alice' 'all checks passed'
	if [ $mech = xoauth2 ]; then
		want=$(printf 'user=alice\001auth=Bearer good-token\001\001' | od -An -tx1 | tr -d ' \n')
	else
		want=$(printf 'n,a=alice,\001host=localhost\001port=%s\001auth=Bearer good-token\001\001' "$IPORT" | od -An -tx1 | tr -d ' \n')
	fi
	if grep -q "auth $MECH blob=$want" "$ILOG" && grep -q "^C: [^ ]* AUTHENTICATE $MECH " "$ILOG"; then
		pass "$mech: IMAP got the exact SASL initial response"
	else
		fail "$mech: IMAP got the exact SASL initial response" "$(grep auth "$ILOG")"
	fi
	if grep -q "auth SMTP-$MECH blob=" "$FAKE_LOG"; then pass "$mech: SMTP got AUTH $MECH"
	else fail "$mech: SMTP got AUTH $MECH" "$(cat "$FAKE_LOG")"; fi

	oauth_pair $mech "echo expired-token" || { fail "$mech: fake servers"; continue; }
	run_tern check oa
	fake_stop; kill $IPID 2>/dev/null; wait $IPID 2>/dev/null
	expect "$mech: a rejected token fails both servers with the reason" 1 \
	    'oa: imap: authentication as alice failed: .*invalid token' \
	    'oa: smtp: authentication as alice failed: 535 .*invalid token'
	# The error challenge was answered with an empty line, not a retry.
	if sed -n '/blob=/,$p' "$ILOG" | grep -q '^C: $'; then pass "$mech: the error challenge gets an empty answer"
	else fail "$mech: the error challenge gets an empty answer" "$(cat "$ILOG")"; fi
done

oauth_pair xoauth2 "exit 3" || fail "fake servers"
run_tern check oa
fake_stop; kill $IPID 2>/dev/null; wait $IPID 2>/dev/null
expect "a failing token_command is reported and nothing is sent" 1 \
    'oa: imap: token_command exited with status 3'
FAKE_LOG=$ILOG no_credentials "a failing token_command sends no AUTHENTICATE"

finish
