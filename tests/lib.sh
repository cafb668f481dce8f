# tests/lib.sh - sourced by every tests/integration/*.sh: counters, one
# line per test case ("ok - ..." / "not ok - ..."), a private HOME and
# XDG tree per script, tern config writers and the scripted hostile
# server.  The harness's env file (servers, ports, CA) is already loaded.

T_NAME=$(basename "$0" .sh)
T_PASS=0
T_FAIL=0
TERN=${TERN_BIN:?TERN_BIN is not set: run through tests/run}
SRCDIR=${TERN_SRCDIR:?TERN_SRCDIR is not set}
T_DIR="$TERN_TEST_DIR/t/$T_NAME"
mkdir -p "$T_DIR/home" "$T_DIR/config/tern" "$T_DIR/data"
export HOME="$T_DIR/home" XDG_CONFIG_HOME="$T_DIR/config" XDG_DATA_HOME="$T_DIR/data"
CFG="$T_DIR/config/tern/config"
T_FAKE_PIDS=""

pass() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $1"
	if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/    | /' | head -n 40; fi
}

# run_tern ARGS...: runs tern, output in $OUT (stdout+stderr), status in $RC.
run_tern() {
	OUT=$("$TERN" "$@" </dev/null 2>&1)
	RC=$?
}

# expect DESC RC PATTERN...: the last run_tern exited with RC and its
# output matches every extended regex PATTERN.
expect() {
	desc=$1 want=$2
	shift 2
	if [ "$RC" != "$want" ]; then
		fail "$desc" "exit status $RC, wanted $want; output:
$OUT"
		return 1
	fi
	for pat in "$@"; do
		if ! printf '%s\n' "$OUT" | grep -Eq -- "$pat"; then
			fail "$desc" "output lacks /$pat/:
$OUT"
			return 1
		fi
	done
	pass "$desc"
}

# has_control TEXT: true if TEXT is not valid UTF-8 or has a C0 (other
# than TAB and LF), DEL or C1 control: anything a terminal would act on.
has_control() {
	printf '%s' "$1" | python3 -c '
import sys
b = sys.stdin.buffer.read()
try:
    t = b.decode("utf-8")
except UnicodeDecodeError:
    sys.exit(0)
sys.exit(0 if any((ord(c) < 32 and c not in "\t\n") or 0x7f <= ord(c) <= 0x9f for c in t) else 1)'
}

# account NAME IMAP_URL SMTP_URL [extra key = value lines...]: appends
# an account using alice's password from the environment.
account() {
	name=$1 imap=$2 smtp=$3
	shift 3
	{
		echo "[account $name]"
		echo "from = Alice Example <alice@example.com>"
		echo "imap = $imap"
		[ -n "$smtp" ] && echo "smtp = $smtp"
		echo "timeout = 5"
		for l in "$@"; do printf '%s\n' "$l"; done
		echo
	} >>"$CFG"
}

new_config() { printf '[general]\ntheme = default\n\n' >"$CFG"; }

# wait_port FILE: waits up to 10 s for a helper started in the
# background (fakeserver.py, faultproxy.py) to write its port to FILE;
# sets PORT, empty if it never did.
wait_port() {
	_wi=0
	while [ ! -s "$1" ] && [ $_wi -lt 200 ]; do sleep 0.05; _wi=$((_wi + 1)); done
	PORT=$(cat "$1" 2>/dev/null)
}

# fake_start PROTO MODE [CERTNAME]: starts tests/fakeserver.py; sets
# FAKE_PORT and FAKE_LOG (its transcript).
fake_start() {
	_fp=$1 _fm=$2 _fc=${3:-server}
	FAKE_LOG="$T_DIR/fake-$_fp-$_fm-$_fc.log"
	pf="$T_DIR/fake.port"
	rm -f "$pf" "$FAKE_LOG"
	python3 "$SRCDIR/tests/fakeserver.py" --proto "$_fp" --mode "$_fm" \
	    --port-file "$pf" --transcript "$FAKE_LOG" \
	    --cert "$TERN_TLS_DIR/$_fc.pem" --key "$TERN_TLS_DIR/$_fc.key" \
	    </dev/null >"$T_DIR/fake.out" 2>&1 &
	FAKE_PID=$!
	T_FAKE_PIDS="$T_FAKE_PIDS $FAKE_PID"
	wait_port "$pf"
	FAKE_PORT=$PORT
	[ -n "$FAKE_PORT" ] || { cat "$T_DIR/fake.out"; return 1; }
	touch "$FAKE_LOG"
}

# fake_account SCHEME [extra lines...]: a fresh config with one account
# "fake" whose SCHEME (imap, imaps, smtp or smtps) server is the fake
# one; an SMTP-only check gets an IMAP line that is refused at once.
fake_account() {
	_fs=$1
	shift
	new_config
	case $_fs in
	imap*) account fake "$_fs://alice@localhost:$FAKE_PORT" "" "$@" ;;
	*) account fake "imaps://alice@localhost:1" \
	    "$_fs://alice@localhost:$FAKE_PORT" "$@" ;;
	esac
}

fake_stop() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}

# no_credentials DESC: the fake server's transcript shows no LOGIN or AUTH.
no_credentials() {
	if grep -Eiq '^C: ([^ ]+ )?(LOGIN|AUTHENTICATE|AUTH) ' "$FAKE_LOG" ||
	    grep -Fq "$TERN_ALICE_PW" "$FAKE_LOG"; then
		fail "$1" "credentials reached the server:
$(cat "$FAKE_LOG")"
	else
		pass "$1"
	fi
}

finish() {
	for p in $T_FAKE_PIDS; do kill "$p" 2>/dev/null; done
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# ---- the terminal UI inside tmux (a private server per script) ----
# TUI_TMUX is the tmux command, TUI_SESSION the session's name; tern's
# screen is read with capture-pane, keys typed with send-keys.
TUI_TMUX="tmux -L tern-$T_NAME-$$ -f /dev/null"
TUI_SESSION=tui

# tui_start W H COMMAND: a detached session running COMMAND (a shell line).
tui_start() {
	$TUI_TMUX kill-session -t "$TUI_SESSION" 2>/dev/null
	$TUI_TMUX new-session -d -s "$TUI_SESSION" -x "$1" -y "$2" "$3"
}
tui_stop() { $TUI_TMUX kill-server 2>/dev/null; }
tui_screen() { $TUI_TMUX capture-pane -p -t "$TUI_SESSION" 2>/dev/null; }
# tui_keys KEY...: types keys (tmux key names), then lets tern draw.
tui_keys() { $TUI_TMUX send-keys -t "$TUI_SESSION" "$@"; sleep 0.3; }
# tui_wait SECONDS PATTERN: polls the screen until grep -E matches.
tui_wait() {
	_t=0
	while [ "$_t" -lt $(($1 * 10)) ]; do
		tui_screen | grep -Eq -- "$2" && return 0
		sleep 0.1
		_t=$((_t + 1))
	done
	return 1
}
# tui_check DESC SECONDS PATTERN [LOG]: a test case on what the screen shows.
tui_check() {
	if tui_wait "$2" "$3"; then pass "$1"
	else fail "$1" "screen lacks /$3/:
$(tui_screen)${4:+
log:
$(tail -n 15 "$4" 2>/dev/null)}"; fi
}
