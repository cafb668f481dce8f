#!/bin/sh
# The engine API the terminal UI uses (tests/itest_engine.c): events
# for state, progress and changed folders, one EV_DONE, and bodies
# fetched on demand (EV_BODY_READY) into the Maildir cache, with a
# clear error for a message the server does not have.  Real Dovecot.
. "$TERN_SRCDIR/tests/lib.sh"

P=$TERN_IMAPS2_PORT
CTL="python3 $SRCDIR/tests/imapctl.py --port $P --user bob --password-env TERN_BOB_PW"
new_config
account e "imaps://bob@localhost:$P" "" "ca_file = $TERN_CA" \
    "password_command = printenv TERN_BOB_PW"
$CTL append INBOX "on demand"
run_tern sync e
expect "a first sync indexes the headers only" 0
run_tern search -a e --json 'subject:"on demand"'
expect "the message is indexed but its body is not cached" 0 '"cached":false'
uid=$(printf '%s\n' "$OUT" | sed -n 's/.*"uid":\([0-9]*\).*/\1/p' | head -n 1)

OUT=$("$SRCDIR/tests/itest_engine" "$CFG" e INBOX "$uid" 999999 2>&1); RC=$?
expect "the engine reports state, progress and a clean end" 0 \
    '^STATE .*text=connecting' '^STATE .*text=syncing' '^CHANGED folder=[0-9]+' \
    '^DONE .*ok=1' '^JOIN 0'
expect "a body requested on demand is fetched and reported" 0 \
    "^BODY_READY folder=[0-9]+ uid=$uid ok=1"
expect "a body the server does not have is an error, not a hang" 0 \
    '^BODY_READY folder=[0-9]+ uid=999999 ok=0 .*not on the server'
run_tern search -a e --json 'subject:"on demand"'
expect "the fetched body is now in the cache" 0 '"cached":true'
finish
