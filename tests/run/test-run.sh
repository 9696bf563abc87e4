#!/usr/bin/env bash
# scripts/run as a user runs it, on a fresh state dir and a free port: it
# comes up and serves the demo key; a MariaDB or lighttpd that dies is said
# and started again; after 5 restarts within 5 minutes it gives up and
# stops everything, with the reason; SIGTERM stops everything. Run by
# scripts/test after the other stages (it reuses build/, configured with
# --enable-werror, so nothing is rebuilt).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$KC_ROOT"

var=$(mktemp -d /tmp/kaicalls-run.XXXXXX)
port=$(kc_free_port 17000 17999)
out=$var.out
run_pid=

fail() {
	echo "FAIL: $*"
	echo "--- scripts/run said:"
	tail -n 40 "$out" 2>/dev/null || true
	exit 1
}

cleanup() {
	if [ -n "$run_pid" ] && kc_alive "$run_pid"; then
		kill -TERM "$run_pid" 2>/dev/null || true
		for _ in $(seq 1 150); do kc_alive "$run_pid" || break; sleep 0.2; done
	fi
	KC_VAR=$var kc_stop_all
	[ "${KC_KEEP:-}" ] || rm -rf "$var" "$out"
}
trap cleanup EXIT

# start: scripts/run in the background; returns once it says it runs.
start() {
	: >"$out"
	KC_VAR=$var KC_PORT=$port KC_CONFIGURE_FLAGS=--enable-werror \
		scripts/run >"$out" 2>&1 </dev/null &
	run_pid=$!
	local deadline=$((SECONDS + 120))
	until grep -q 'KaiCalls is running' "$out"; do
		kc_alive "$run_pid" || fail "scripts/run exited before serving"
		[ $SECONDS -lt $deadline ] || fail "scripts/run did not come up within 120 s"
		sleep 0.2
	done
}

# until_ok SECONDS URL [curl args...]: polls until URL answers 2xx.
until_ok() {
	local secs=$1 url=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	until curl -fsS --max-time 2 -o /dev/null "$@" "$url" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

pid_of() { cat "$var/run/$1.pid" 2>/dev/null || true; }

# kill_and_wait SERVICE PIDFILE COMM: SIGKILL the service; scripts/run must
# say so and have it serving again (a new pid) within 30 s.
kill_and_wait() {
	local what=$1 name=$2 old new deadline seen runs
	old=$(pid_of "$name")
	[ -n "$old" ] || fail "no pid for $what"
	seen=$(grep -c "$what stopped on its own" "$out" || true)
	runs=$(grep -c 'running again' "$out" || true)
	kill -KILL "$old"
	deadline=$((SECONDS + 30))
	until [ "$(grep -c "$what stopped on its own" "$out" || true)" -gt "$seen" ]; do
		[ $SECONDS -lt $deadline ] || fail "scripts/run did not notice that $what died"
		sleep 0.1
	done
	until new=$(kc_pidfile_alive "$var/run/$name.pid" "$3") && [ "$new" != "$old" ]; do
		[ $SECONDS -lt $deadline ] || fail "$what was not started again within 30 s"
		kc_alive "$run_pid" || fail "scripts/run exited instead of restarting $what"
		sleep 0.1
	done
	until [ "$(grep -c 'running again' "$out" || true)" -gt "$runs" ]; do
		[ $SECONDS -lt $deadline ] || fail "scripts/run did not say it runs again"
		sleep 0.1
	done
	until_ok 30 "$api/healthz" || fail "/healthz did not come back after $what restarted"
	until_ok 30 "$api/v1/agent" -H "Authorization: Bearer $KC_API_KEY" ||
		fail "the demo key does not work after $what restarted"
}

api=http://127.0.0.1:$port

# 1. Up, serving the demo business's key; SIGTERM stops everything.
start
[ -s "$var/demo.env" ] || fail "no demo.env"
# shellcheck disable=SC1091
. "$var/demo.env"
until_ok 10 "$api/v1/agent" -H "Authorization: Bearer $KC_API_KEY" ||
	fail "GET /v1/agent with the demo key"
# The dashboard: the printed URL and credentials sign in (the sign-in
# form's token comes with its cookie).
grep -q "sign in as    $KC_DASHBOARD_EMAIL" "$out" || fail "scripts/run did not print the dashboard's sign-in"
jar=$var/cookies
csrf=$(curl -fsS -c "$jar" "$api/app/sign-in" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
[ -n "$csrf" ] || fail "no sign-in form at $api/app/sign-in"
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" \
	--data-urlencode "email=$KC_DASHBOARD_EMAIL" \
	--data-urlencode "password=$KC_DASHBOARD_PASSWORD" "$api/app/sign-in" ||
	fail "POST /app/sign-in with the demo owner"
page=$(curl -fsS -b "$jar" "$api/app/") || fail "GET /app/ after signing in"
[[ $page == *'<h1>Overview</h1>'* ]] ||
	fail "the demo owner's sign-in did not open the dashboard"
# The pids are taken before the signal: stopping removes the pid files.
pids=("$(pid_of mysqld)" "$(pid_of lighttpd)")
[ -n "${pids[0]}" ] && [ -n "${pids[1]}" ] || fail "no pids for MariaDB and lighttpd"
kill -TERM "$run_pid"
for _ in $(seq 1 300); do kc_alive "$run_pid" || break; sleep 0.1; done
kc_alive "$run_pid" && fail "scripts/run did not stop on SIGTERM within 30 s"
wait "$run_pid" && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "scripts/run exited $rc on SIGTERM"
for p in "${pids[@]}"; do
	! kc_alive "$p" || fail "pid $p ($(cat /proc/"$p"/comm 2>/dev/null)) still runs after SIGTERM"
done
kc_port_busy "$port" && fail "port $port still answers after SIGTERM"
echo "PASS: scripts/run serves the demo key and the dashboard's demo owner, and stops everything on SIGTERM"

# 2. Again on the same data: supervision.
start
# shellcheck disable=SC1091
. "$var/demo.env"
until_ok 10 "$api/v1/agent" -H "Authorization: Bearer $KC_API_KEY" ||
	fail "GET /v1/agent with the demo key after a restart of scripts/run"
kill_and_wait MariaDB mysqld mariadbd
echo "PASS: MariaDB killed, restarted by scripts/run, the API answers again"
kill_and_wait lighttpd lighttpd lighttpd
echo "PASS: lighttpd killed, restarted by scripts/run, the API answers again"
for i in 3 4 5; do
	kill_and_wait MariaDB mysqld mariadbd
done
echo "PASS: 5 restarts within 5 minutes"
# The sixth death within 5 minutes: it gives up and stops everything.
web=$(pid_of lighttpd)
[ -n "$web" ] || fail "no pid for lighttpd"
kill -KILL "$(pid_of mysqld)"
for _ in $(seq 1 300); do kc_alive "$run_pid" || break; sleep 0.1; done
kc_alive "$run_pid" && fail "scripts/run still runs after a sixth death within 5 minutes"
wait "$run_pid" && rc=0 || rc=$?
[ "$rc" -ne 0 ] || fail "scripts/run exited 0 after giving up"
grep -q 'giving up' "$out" || fail "scripts/run did not say why it stopped"
! kc_alive "$web" || fail "lighttpd (pid $web) still runs after scripts/run gave up"
# And the MariaDB it would have restarted: none runs on this state dir.
pgrep -f -- "--datadir=$var/db" >/dev/null && fail "a MariaDB still runs on $var/db"
kc_port_busy "$port" && fail "port $port still answers after scripts/run gave up"
echo "PASS: after 5 restarts within 5 minutes scripts/run gives up (exit $rc) and stops everything"
