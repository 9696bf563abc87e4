#!/usr/bin/env bash
# MariaDB killed (SIGKILL) under load, five times, and restarted each time.
# The reported defect: lighttpd logged "child signalled: 11" (a FastCGI
# process dying in the database reconnect path). What must hold instead:
#
#  - nothing of ours dies of a signal: the FastCGI processes, and kcctl
#    deliver, outbound, replay, maintain and migrate running in loops meanwhile;
#  - while the database is away, API requests get 503 application/problem+json
#    with "code":"database_unavailable" and Retry-After: 1 (never a 500, a
#    lighttpd 502/503/504 or a dropped connection); /healthz 503, /livez 200;
#  - GET /v1/agent answers 200 again within 1 s of the server being back,
#    without restarting anything;
#  - a running `kcctl deliver --for` rides out the outage and exits 0;
#    `kcctl outbound --for 2s` (a window no longer than an outage, so that
#    one ends inside each) exits 0 or says why not: its window ended with
#    outcomes it could not record, or the database was away all along;
#  - every message and call queued before an outage (each still at the
#    carrier, its answer held for a second, when the server is killed)
#    reaches the fake carrier exactly once and ends recorded as accepted
#    with the carrier's SID: an outcome the database missed is settled
#    with the carrier when its lease ends, never sent again;
#  - no lead is lost: every lead POSTed (and retried with its own
#    Idempotency-Key) is eventually accepted, readable, and its
#    lead.captured event reaches the receiver (at least once).
#
# Run by scripts/test's integration stage against its running stack:
#
#   tests/crash/test-db-crash.sh [KCCTL]
#
# with KC_VAR, KC_PORT, KC_CONF, KC_RECEIVER_URL and KC_DELIVERY_CA_FILE set;
# KCCTL defaults to $KC_KCCTL. KC_CRASH_KILLS (default 5) sets how many times
# the server is killed; 0 runs the same load and checks without a kill (a
# check of the test itself). MariaDB is left running.
set -uo pipefail
export LC_ALL=C # $EPOCHREALTIME with a '.', whatever the caller's locale
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

kcctl=$(realpath "${1:-${KC_KCCTL:-}}") || kc_die "usage: $0 KCCTL (or set KC_KCCTL)"
[ -x "$kcctl" ] || kc_die "$kcctl is not executable"
: "${KC_VAR:?}" "${KC_PORT:?}" "${KC_RECEIVER_URL:?}" "${KC_DELIVERY_CA_FILE:?}"
conf=${KC_CONF:-$KC_VAR/kaicalls.conf}
api=http://127.0.0.1:$KC_PORT
kills=${KC_CRASH_KILLS:-5}
outage_ms=2000        # how long the server stays dead each time
recovery_max_ms=1000  # the promise: normal again within 1 s of it being back
lead_give_up_ms=20000 # a lead not accepted after this long counts as lost
# Kept with the stack's logs, so that a failing run can be looked into.
work=$(mktemp -d "$KC_VAR/log/db-crash.XXXXXX") || exit 1
lighttpd_log=$KC_VAR/log/lighttpd.error.log
failures=()
loop_pids=()

fail() {
	failures+=("$*")
	echo "FAIL: $*"
}

# tally: the distinct lines of stdin, most frequent first, on one line
# ("line (xN); ..."), at most five of them.
tally() {
	sort | uniq -c | sort -rn | head -n 5 |
		sed -E 's/^ *([0-9]+) (.*)/\2 (x\1)/' | paste -sd ';' | sed 's/;/; /g'
}

# now_ms: milliseconds since the epoch in REPLY, without forking (a curl
# every 15 ms is timed with it).
now_ms() {
	local t=$EPOCHREALTIME
	REPLY=$((${t%.*} * 1000 + 10#${t#*.} / 1000))
}

# event WHAT: one line of the test's own timeline (kills, restarts), which
# the request logs are later compared against.
event() {
	now_ms
	printf '%s\t%s\n' "$1" "$REPLY" >>"$work/events"
}

# request LOG METHOD PATH [curl args...]: one API request with the key.
# Sets STATUS (000 when curl got no answer: refused, dropped, timed out),
# CODE (a problem's "code"), RA (the Retry-After header) and CTYPE, each "-"
# when absent, and appends them with the start and end times to LOG. The
# caller sets rq_out to a file of its own for the body.
request() {
	local log=$1 method=$2 path=$3 t0 w
	shift 3
	now_ms
	t0=$REPLY
	: >"$rq_out"
	w=$(curl -sS --max-time 10 -o "$rq_out" -X "$method" \
		-w '%{http_code}|%header{retry-after}|%{content_type}' \
		-H "Authorization: Bearer $key" "$@" "$api$path" 2>>"$rq_out.curl-errors")
	# '|', not a tab: read merges adjacent tabs, so an absent header
	# would shift the fields.
	IFS='|' read -r STATUS RA CTYPE <<<"$w"
	STATUS=${STATUS:-000} RA=${RA:--} CTYPE=${CTYPE:--}
	CODE=-
	case $STATUS in
	2??) ;;
	*) CODE=$(jq -r '.code // "-"' "$rq_out" 2>/dev/null) || CODE=- ;;
	esac
	now_ms
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t0" "$REPLY" "$method" \
		"$path" "$STATUS" "$CODE" "$RA" "$CTYPE" >>"$log"
}

# unavailable: the last request got the answer promised while the database
# is away.
unavailable() {
	[ "$STATUS" = 503 ] && [ "$CODE" = database_unavailable ] &&
		[ "$RA" = 1 ] && [[ $CTYPE == application/problem+json* ]]
}

# --- the load -----------------------------------------------------------------

# reader NAME PATH: GETs PATH until told to stop. Lightly paced, to leave
# the two cores to the server and the jobs.
reader() {
	local name=$1 path=$2
	rq_out=$work/$name.body
	while [ ! -e "$work/stop" ]; do
		request "$work/$name.requests" GET "$path"
		sleep 0.01
	done
}

# leads: one lead after another, each with its own Idempotency-Key and
# POSTed again until it is accepted (201), as the voice runtime does. The
# stop flag is looked at only between leads, so each lead tried is either
# accepted or given up on after lead_give_up_ms (and then reported lost).
leads() {
	local n=0 idem body id give_up
	rq_out=$work/leads.body
	while [ ! -e "$work/stop" ]; do
		n=$((n + 1))
		idem=crash-$n-$RANDOM$RANDOM
		body=$(printf '{"name":"Crash %d","phone":"+1555%07d","intent":"booking"}' "$n" "$n")
		printf '%s\t%s\n' "$n" "$idem" >>"$work/leads.tried"
		now_ms
		give_up=$((REPLY + lead_give_up_ms))
		id=
		while :; do
			request "$work/leads.requests" POST /v1/leads \
				-H "Idempotency-Key: $idem" -H 'Content-Type: application/json' \
				--data-binary "$body"
			if [ "$STATUS" = 201 ]; then
				id=$(jq -r '.id // empty' "$rq_out")
				break
			fi
			now_ms
			[ "$REPLY" -lt "$give_up" ] || break
			sleep 0.075
		done
		if [ -n "$id" ]; then
			printf '%s\t%s\t%s\n' "$n" "$idem" "$id" >>"$work/leads.accepted"
		else
			printf '%s\t%s\t%s\n' "$n" "$idem" "$STATUS $CODE" >>"$work/leads.lost"
		fi
		sleep 0.15
	done
}

# job NAME PAUSE COMMAND...: runs COMMAND again and again until told to
# stop, recording each run's start, end and exit status in NAME.runs and
# the stderr of failing runs in NAME.err (a failing run must say why).
job() {
	local name=$1 pause=$2 n=0 t0 rc
	shift 2
	while [ ! -e "$work/stop" ]; do
		n=$((n + 1))
		now_ms
		t0=$REPLY
		"$@" </dev/null >"$work/$name.last-out" 2>"$work/$name.last-err"
		rc=$?
		now_ms
		printf '%s\t%s\t%s\t%s\n' "$n" "$t0" "$REPLY" "$rc" >>"$work/$name.runs"
		if [ "$rc" -ne 0 ]; then
			printf '=== run %d: exit %d\n' "$n" "$rc" >>"$work/$name.err"
			cat "$work/$name.last-err" >>"$work/$name.err"
			# kcctl's own failure report (the log lines above it
			# come from the library, and may be about anything).
			grep -q '^kcctl: ' "$work/$name.last-err" ||
				printf '%s\n' "$n" >>"$work/$name.silent"
		fi
		sleep "$pause"
	done
}

start_load() {
	(reader agent /v1/agent) &
	loop_pids+=($!)
	(reader leadlist /v1/leads) &
	loop_pids+=($!)
	(leads) &
	loop_pids+=($!)
	(job deliver 0.1 "$kcctl" --conf "$conf" deliver --for 10s) &
	loop_pids+=($!)
	(job outbound 0.1 env "${outbound_env[@]}" "$kcctl" --conf "$conf" \
		outbound --for 2s) &
	loop_pids+=($!)
	(job replay 0.2 "$kcctl" --conf "$conf" replay --for 5s) &
	loop_pids+=($!)
	(job maintain 0.3 "$kcctl" --conf "$conf" maintain) &
	loop_pids+=($!)
	# Migrations need DDL rights, which the application user lacks (as
	# kc_migrate in scripts/lib.sh runs them).
	(job migrate 0.3 env KC_DB_USER=root KC_DB_PASSWORD= \
		"$kcctl" --conf "$conf" migrate) &
	loop_pids+=($!)
}

# stop_load: asks the loops to stop after what they are doing (a lead until
# it is accepted, a deliver run until its window ends) and waits for them,
# for at most 40 s; then SIGTERM.
stop_load() {
	local pid deadline
	touch "$work/stop"
	now_ms
	deadline=$((REPLY + 40000))
	for pid in "${loop_pids[@]}"; do
		while kc_alive "$pid"; do
			now_ms
			if [ "$REPLY" -ge "$deadline" ]; then
				fail "a load loop (pid $pid) did not stop within 40 s"
				kill_loops
				return
			fi
			sleep 0.1
		done
		wait "$pid" 2>/dev/null
	done
	loop_pids=()
}

# kill_loops: the loops and what they run, at once (any exit of this script).
kill_loops() {
	local pid
	for pid in "${loop_pids[@]}"; do
		# shellcheck disable=SC2046
		kill -TERM "$pid" $(kc_children "$pid") 2>/dev/null
	done
	loop_pids=()
}

# db_start: the server started again from its datadir, as scripts/test
# started it.
db_start() {
	kc_db_start >>"$work/mariadb-restarts.log" 2>&1
}

# The next test (cron) needs the database, however this one ends.
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	touch "$work/stop" 2>/dev/null
	kill_loops
	if ! kc_pidfile_alive "$KC_VAR/run/mysqld.pid" mariadbd >/dev/null; then
		db_start ||
			echo "could not restart MariaDB (see $work/mariadb-restarts.log)"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the outages --------------------------------------------------------------

# wait_for_load N MIN_MS MAX_MS: normal load for at least MIN_MS, until the
# lead loop has had N more leads accepted; fails after MAX_MS without them
# (after a restart, that means the service did not come back for writes).
wait_for_load() {
	local want=$1 min=$2 max=$3 t0 before got
	before=$(wc -l <"$work/leads.accepted")
	now_ms
	t0=$REPLY
	while :; do
		got=$(($(wc -l <"$work/leads.accepted") - before))
		now_ms
		if [ "$got" -ge "$want" ] && [ $((REPLY - t0)) -ge "$min" ]; then
			return 0
		fi
		if [ $((REPLY - t0)) -ge "$max" ]; then
			fail "only $got lead(s) accepted in $((max / 1000)) s of normal load ($1)"
			return 1
		fi
		sleep 0.1
	done
}

# probe_outage K UNTIL_MS: while the server is dead, asks what a client
# would, again and again until UNTIL_MS; every answer must be the promised
# one. Each kind of wrong answer is reported once per outage, with a count.
probe_outage() {
	local k=$1 until=$2 r=0 what
	local -A bad=() example=()
	rq_out=$work/probe.body
	while :; do
		now_ms
		[ "$REPLY" -lt "$until" ] || break
		r=$((r + 1))
		request "$work/probe.requests" GET /v1/agent
		unavailable || { bad[agent]=$((${bad[agent]:-0} + 1)) &&
			example[agent]="$STATUS $CODE Retry-After=$RA $CTYPE"; }
		request "$work/probe.requests" POST /v1/leads \
			-H "Idempotency-Key: probe-$k-$r" -H 'Content-Type: application/json' \
			--data-binary '{"name":"Probe","phone":"+15555550100","intent":"booking"}'
		unavailable || { bad[lead]=$((${bad[lead]:-0} + 1)) &&
			example[lead]="$STATUS $CODE Retry-After=$RA $CTYPE"; }
		request "$work/probe.requests" GET /healthz
		[ "$STATUS" = 503 ] || { bad[healthz]=$((${bad[healthz]:-0} + 1)) &&
			example[healthz]="$STATUS"; }
		request "$work/probe.requests" GET /livez
		[ "$STATUS" = 200 ] || { bad[livez]=$((${bad[livez]:-0} + 1)) &&
			example[livez]="$STATUS"; }
	done
	[ "$r" -gt 0 ] || fail "outage $k: no probe ran in the outage"
	for what in agent lead healthz livez; do
		[ -n "${bad[$what]:-}" ] || continue
		case $what in
		agent) fail "outage $k: GET /v1/agent got '${example[$what]}' (${bad[$what]}/$r), want 503 database_unavailable Retry-After=1 application/problem+json" ;;
		lead) fail "outage $k: POST /v1/leads got '${example[$what]}' (${bad[$what]}/$r), want 503 database_unavailable Retry-After=1 application/problem+json" ;;
		healthz) fail "outage $k: GET /healthz got ${example[$what]} (${bad[$what]}/$r), want 503" ;;
		livez) fail "outage $k: GET /livez got ${example[$what]} (${bad[$what]}/$r), want 200" ;;
		esac
	done
	probe_rounds=$((probe_rounds + r))
}

# measure_recovery K: GET /v1/agent every ~15 ms from the moment the server
# answers SELECT 1 until the first 200 (for at most 10 s, to report the
# real figure when it is over the limit).
measure_recovery() {
	local k=$1 t0 ms
	rq_out=$work/probe.body
	now_ms
	t0=$REPLY
	while :; do
		request "$work/recovery.requests" GET /v1/agent
		now_ms
		ms=$((REPLY - t0))
		[ "$STATUS" = 200 ] && break
		if [ "$ms" -ge 10000 ]; then
			fail "outage $k: GET /v1/agent still $STATUS $CODE 10 s after MariaDB was back"
			break
		fi
		sleep 0.015
	done
	event recovered
	echo "outage $k: GET /v1/agent 200 again ${ms} ms after MariaDB answered"
	[ "$STATUS" != 200 ] || [ "$ms" -le "$recovery_max_ms" ] ||
		fail "outage $k: recovery took ${ms} ms (limit ${recovery_max_ms} ms)"
	[ "$ms" -le "$recovery_worst" ] || recovery_worst=$ms
}

# outage K: SIGKILL the server, probe for outage_ms, start it again, and
# time the way back.
outage() {
	local k=$1 pid t_kill i
	pid=$(kc_pidfile_alive "$KC_VAR/run/mysqld.pid" mariadbd) || {
		fail "outage $k: MariaDB is not running before the kill"
		return 1
	}
	kill -KILL "$pid"
	now_ms
	t_kill=$REPLY
	event "kill $k"
	for ((i = 0; i < 50; i++)); do
		kc_alive "$pid" || break
		sleep 0.1
	done
	if kc_alive "$pid"; then
		fail "outage $k: mariadbd $pid survived SIGKILL for 5 s"
		return 1
	fi
	probe_outage "$k" $((t_kill + outage_ms))
	if ! db_start; then
		fail "outage $k: MariaDB did not start again (see $work/mariadb-restarts.log)"
		return 1
	fi
	event "up $k"
	measure_recovery "$k"
}

# --- the checks ---------------------------------------------------------------

# check_statuses: every answer any loop got is an allowed one, and every
# 503 came while the server was away (from its kill to 1 s after it was
# back; a request counts if it overlapped that). Prints the figures.
check_statuses() {
	local bad
	bad=$(awk -F'\t' -v limit="$recovery_max_ms" '
		FILENAME ~ /events$/ {
			if ($1 ~ /^kill/) kill[++n] = $2
			if ($1 ~ /^up/) up[n] = $2 + limit
			next
		}
		{
			file = FILENAME; sub(/.*\//, "", file); sub(/\.requests$/, "", file)
			total++; by[file " " $5]++
			unavail = $5 == 503 && $6 == "database_unavailable" && $7 == "1" &&
				$8 ~ /^application\/problem\+json/
			ok = $5 ~ /^2/ || unavail ||
				(file == "leads" && $5 == 409 && $6 == "idempotency_key_in_use")
			if (unavail) {
				in_outage = 0
				for (i = 1; i <= n; i++)
					if ($2 >= kill[i] && (!(i in up) || $1 <= up[i])) in_outage = 1
				if (!in_outage) { ok = 0; why = " (outside any outage)" }
			} else why = ""
			if (!ok && shown[file]++ < 4)
				printf "  %s: %s %s -> %s %s Retry-After=%s %s%s at %d\n",
					file, $3, $4, $5, $6, $7, $8, why, $1 > "/dev/stderr"
			if (!ok) badby[file " " $5 " " $6]++
		}
		END {
			for (k in by) printf "  answers %s: %d\n", k, by[k] > "/dev/stdout"
			for (k in badby) printf "BAD %s: %d\n", k, badby[k] > "/dev/stdout"
			printf "TOTAL %d\n", total > "/dev/stdout"
		}' "$work/events" "$work"/agent.requests "$work"/leadlist.requests \
		"$work"/leads.requests 2>"$work/bad-examples")
	total_requests=$(sed -n 's/^TOTAL //p' <<<"$bad")
	grep '^  answers' <<<"$bad" | sort
	if grep -q '^BAD' <<<"$bad"; then
		fail "answers outside the allowed set (file status code: count): $(grep '^BAD' <<<"$bad" | cut -c5- | sort | paste -sd ';')"
		echo "  first of them:"
		cat "$work/bad-examples"
	fi
	unavailable_count=$(awk -F'\t' '$5 == 503' "$work"/*.requests | wc -l)
}

# inside_outage_only RUNS ERR: the failed runs in RUNS (n, start, end,
# status) that are not "database unavailable for the whole run" with the
# run's start after a kill and its end within a second of that outage's
# restart (the events file).
inside_outage_only() {
	awk -F'\t' '
		FILENAME == ARGV[1] {
			split($1, w, " ")
			if (w[1] == "kill") kill[w[2]] = $2
			if (w[1] == "up") up[w[2]] = $2
			next
		}
		FILENAME == ARGV[2] {
			if ($0 ~ /^=== run [0-9]+: exit/) { split($0, w, " "); run = w[3] + 0 }
			else if ($0 ~ /unavailable for the whole run/) whole[run] = 1
			next
		}
		$4 != 0 {
			ok = 0
			if ($1 in whole)
				for (k in kill)
					if ((k in up) && $2 >= kill[k] && $3 <= up[k] + 1000)
						ok = 1
			if (!ok) { printf "%s%s", sep, $1; sep = " " }
		}' "$work/events" "$2" "$1"
}

# check_jobs: no kcctl run died of a signal; deliver never failed; other
# failures said why.
check_jobs() {
	local name runs nonzero signalled
	for name in deliver outbound replay maintain migrate; do
		runs=$(wc -l <"$work/$name.runs" 2>/dev/null || echo 0)
		nonzero=$(awk -F'\t' '$4 != 0' "$work/$name.runs" 2>/dev/null | wc -l)
		signalled=$(awk -F'\t' '$4 >= 128 { printf "%s%d (signal %d)", s, $1, $4 - 128; s = ", " }' \
			"$work/$name.runs" 2>/dev/null)
		echo "  kcctl $name: $runs runs, $nonzero non-zero"
		[ "$runs" -gt 0 ] || fail "kcctl $name never ran"
		[ -z "$signalled" ] || fail "kcctl $name killed by a signal: run $signalled"
		# deliver may fail only when its whole window lay inside one
		# outage, as it says it does: on a loaded machine a restart can
		# take longer than the window.
		if [ "$name" = deliver ] && [ "$nonzero" -gt 0 ]; then
			local unowned
			unowned=$(inside_outage_only "$work/$name.runs" "$work/$name.err")
			[ -z "$unowned" ] ||
				fail "kcctl $name --for 10s exited non-zero (runs $unowned) outside an outage that covered its whole window: $(grep '^kcctl: ' "$work/$name.err" | tally)"
		fi
		# A window that ended inside an outage with outcomes in hand,
		# or spent wholly in one, is a failure the run must own up to;
		# nothing else is.
		if [ "$name" = outbound ] && [ "$nonzero" -gt 0 ] &&
			grep '^kcctl: ' "$work/$name.err" | grep -qvE "$outbound_owned"; then
			fail "kcctl $name --for 2s exited non-zero for another reason: $(grep '^kcctl: ' "$work/$name.err" | grep -vE "$outbound_owned" | tally)"
		fi
		if [ -s "$work/$name.silent" ]; then
			fail "kcctl $name failed without saying why on stderr (runs $(paste -sd ' ' "$work/$name.silent"))"
		fi
	done
}

# check_lighttpd: lighttpd saw no FastCGI process die since the test began
# (signalled: a crash; exited: an exit, e.g. after a sanitizer report).
check_lighttpd() {
	local new
	new=$(tail -c +$((lighttpd_size + 1)) "$lighttpd_log" 2>/dev/null |
		grep -iE 'signal|child exited')
	if [ -n "$new" ]; then
		fail "lighttpd: FastCGI processes died $(wc -l <<<"$new") time(s): $(sed -E 's/^[^)]*\) //; s/ unix:.*//' <<<"$new" | tally)"
	fi
}

# check_sanitizers: sanitizer reports written since the test began (the
# stage fails on any, but this says which kind and where).
check_sanitizers() {
	local f n=0 what=()
	for f in "$KC_VAR"/log/asan.*; do
		[ -e "$f" ] || continue
		[ -z "${asan_before[$f]:-}" ] || continue
		n=$((n + 1))
		what+=("$(grep -m 1 -oE '(AddressSanitizer|LeakSanitizer|runtime error): [a-z-]*' "$f" || echo "?")")
	done
	[ "$n" -eq 0 ] ||
		fail "$n sanitizer report(s) during the test: $(printf '%s\n' "${what[@]}" | tally)"
}

# check_leads: every lead tried was accepted, and every accepted one can be
# read back.
check_leads() {
	local n id unreadable=0
	tried=$(wc -l <"$work/leads.tried")
	accepted=$(wc -l <"$work/leads.accepted")
	echo "  leads: $tried tried, $accepted accepted"
	[ "$accepted" -gt 0 ] || fail "no lead was accepted"
	if [ "$accepted" -ne "$tried" ]; then
		fail "$((tried - accepted)) lead(s) never accepted (last answer): $(cut -f3 "$work/leads.lost" 2>/dev/null | tally)"
	fi
	rq_out=$work/check.body
	while IFS=$'\t' read -r n _ id; do
		request "$work/check.requests" GET "/v1/leads/$id"
		if [ "$STATUS" != 200 ]; then
			unreadable=$((unreadable + 1))
			[ "$unreadable" -gt 3 ] || echo "  lead $n ($id): GET answered $STATUS $CODE"
		fi
	done <"$work/leads.accepted"
	[ "$unreadable" -eq 0 ] || fail "$unreadable accepted lead(s) cannot be read back"
	# Exactly once: a retry with the same key after a crash created
	# nothing twice, neither a lead nor its event.
	local distinct stored events
	distinct=$(cut -f3 "$work/leads.accepted" | sort -u | wc -l)
	stored=$(kc_db_admin -N -B kaicalls -e "SELECT COUNT(*) FROM leads l
		JOIN businesses b ON b.id = l.business_id WHERE b.public_id = '$biz'")
	events=$(kc_db_admin -N -B kaicalls -e "SELECT COUNT(*) FROM events e
		JOIN businesses b ON b.id = e.business_id WHERE b.public_id = '$biz'
		AND e.type = 'lead.captured'")
	echo "  exactly once: $distinct accepted ids, $stored leads and $events lead.captured events stored"
	[ "$distinct" -eq "$accepted" ] || fail "the same lead id was accepted for two different leads"
	[ "$stored" -eq "$accepted" ] || fail "$stored leads stored for $accepted accepted: a retry created one twice"
	[ "$events" -eq "$accepted" ] || fail "$events lead.captured events for $accepted accepted leads"
}

# check_deliveries: every accepted lead's lead.captured event reached the
# receiver. Polled with a deadline past the delivery lease (60 s), since a
# claim cut short by the outage is due again when its lease ends; kcctl
# deliver is run meanwhile, as cron would.
check_deliveries() {
	local t0 rc undelivered=0 drain_failed=0 log=$work/receiver.json
	cut -f3 "$work/leads.accepted" 2>/dev/null | sort -u >"$work/leads.ids"
	now_ms
	t0=$REPLY
	while :; do
		"$kcctl" --conf "$conf" deliver >>"$work/drain.out" 2>&1
		rc=$?
		[ "$rc" -eq 0 ] || drain_failed=$rc
		if curl -fsS --max-time 5 --cacert "$KC_DELIVERY_CA_FILE" \
			"$KC_RECEIVER_URL/_log$path?bodies=1" -o "$log"; then
			jq -r '.requests[].body | fromjson | .data.lead_id // empty' "$log" |
				sort -u >"$work/received.ids"
			undelivered=$(comm -23 "$work/leads.ids" "$work/received.ids" | wc -l)
			[ "$undelivered" -eq 0 ] && break
		fi
		now_ms
		if [ $((REPLY - t0)) -ge 75000 ]; then
			fail "$undelivered accepted lead(s) never delivered within 75 s, e.g. $(comm -23 "$work/leads.ids" "$work/received.ids" | head -n 3 | paste -sd ' ')"
			break
		fi
		sleep 1
	done
	[ "$drain_failed" -eq 0 ] ||
		fail "kcctl deliver (draining, the database up) exited $drain_failed (see $work/drain.out)"
	deliveries=$(jq .count "$log" 2>/dev/null || echo "?")
	now_ms
	echo "  receiver: $deliveries deliveries for $(wc -l <"$work/received.ids" 2>/dev/null || echo 0) distinct leads ($(((REPLY - t0) / 1000)) s after the load stopped)"
}

# --- outbound actions across the outages --------------------------------------

# The worker's settings for this test: a lease short enough that what an
# outage left unrecorded is settled within the check's wait.
outbound_env=(KC_CARRIER_TIMEOUT=5 KC_OUTBOUND_LEASE=8s KC_OUTBOUND_RECONCILE_AFTER=2s)
outbound_owned='outcomes not recorded|unavailable for the whole run'


# phone: a fresh number in REPLY, a UK mobile one: another country's
# number is judged in the zone the request names alone (midday_zone),
# where a +1 number's area code would have the last word on the hours.
phone() {
	REPLY=$(printf '+447700%06d' $(((RANDOM * 32768 + RANDOM) % 1000000)))
}

# carrier METHOD PATH [curl args...]: the fake carrier's control API.
carrier() {
	local method=$1 path=$2
	shift 2
	curl -fsS --max-time 10 --cacert "$KC_FAKE_CARRIER_CA" -X "$method" \
		"$@" "$KC_FAKE_CARRIER_URL$path"
}

# midday_zone: a zone of the tz database where it is now 10:00 to 19:00,
# so the calling hours let the actions through whenever the test runs.
midday_zone() {
	local h off local_h
	h=$(date -u +%H)
	for ((off = -12; off <= 14; off++)); do
		local_h=$(((10#$h + off + 24) % 24))
		if [ "$local_h" -ge 10 ] && [ "$local_h" -lt 19 ]; then
			if [ "$off" -le 0 ]; then echo "Etc/GMT+$((-off))"; else echo "Etc/GMT-$off"; fi
			return 0
		fi
	done
	return 1
}

# queue_outbound K: three messages and two calls, each to a number of its
# own whose carrier answers are held for a second; returns once the
# carrier has every request in hand (so the kill that follows comes
# while their answers are on the way).
queue_outbound() {
	local k=$1 i kind channel to body path deadline n
	local -a batch=()
	rq_out=$work/outbound.body
	for ((i = 1; i <= 5; i++)); do
		if [ "$i" -le 3 ]; then kind=message channel=sms; else kind=call channel=voice; fi
		phone
		to=$REPLY
		carrier POST /_control/number -d "{\"number\":\"$to\",\"delay_ms\":1000}" \
			-o /dev/null || { fail "outage $k: the fake carrier refused a mode"; return 1; }
		request "$work/outbound.requests" POST /v1/consents \
			-H 'Content-Type: application/json' --data-binary \
			"{\"phone\":\"$to\",\"channel\":\"$channel\",\"kind\":\"express\",\"source\":\"crash_test\",\"captured_at\":\"2026-01-02T03:04:05Z\"}"
		[ "$STATUS" = 201 ] || { fail "outage $k: consent answered $STATUS $CODE"; return 1; }
		if [ "$kind" = message ]; then
			path=/v1/messages
			body="{\"to\":\"$to\",\"from\":\"$from\",\"body\":\"Crash $k.$i\",\"purpose\":\"informational\",\"timezone\":\"$zone\"}"
		else
			path=/v1/outbound-calls
			body="{\"to\":\"$to\",\"from\":\"$from\",\"agent_id\":\"$agent\",\"purpose\":\"informational\",\"timezone\":\"$zone\"}"
		fi
		request "$work/outbound.requests" POST "$path" \
			-H 'Content-Type: application/json' --data-binary "$body"
		[ "$STATUS" = 202 ] || { fail "outage $k: POST $path answered $STATUS $CODE"; return 1; }
		printf '%s\t%s\t%s\n' "$kind" "$(jq -r .id "$rq_out")" "$to" >>"$work/outbound.queued"
		batch+=("$to")
	done
	now_ms
	deadline=$((REPLY + 15000))
	for to in "${batch[@]}"; do
		while :; do
			n=$(carrier GET "/_log?to=${to/+/%2B}" | jq .count) || n=0
			[ "$n" -ge 1 ] && break
			now_ms
			if [ "$REPLY" -ge "$deadline" ]; then
				fail "outage $k: kcctl outbound sent nothing to $to within 15 s"
				return 1
			fi
			sleep 0.05
		done
	done
}

# check_outbound: every action queued reached the carrier exactly once
# and is recorded as accepted with its SID. kcctl outbound is run, as cron
# would, until none is left queued, sending or unknown (60 s at most:
# leases of 8 s, settling after 2 s).
check_outbound() {
	local t0 pending kind id to row status sid created sent bad=0
	queued_n=$(wc -l <"$work/outbound.queued")
	[ "$queued_n" -gt 0 ] || { fail "no outbound action was queued"; return; }
	now_ms
	t0=$REPLY
	while :; do
		env "${outbound_env[@]}" "$kcctl" --conf "$conf" outbound \
			>>"$work/outbound-drain.out" 2>&1
		pending=$(kc_db_admin -N -B kaicalls -e "SELECT COUNT(*) FROM
			outbound_actions a JOIN businesses b ON b.id = a.business_id
			WHERE b.public_id = '$biz' AND a.status IN ('queued',
			'sending', 'unknown')")
		[ "$pending" = 0 ] && break
		now_ms
		if [ $((REPLY - t0)) -ge 60000 ]; then
			fail "$pending outbound action(s) still unsettled 60 s after the load stopped"
			break
		fi
		sleep 1
	done
	while IFS=$'\t' read -r kind id to; do
		row=$(kc_db_admin -N -B kaicalls -e "SELECT status,
			COALESCE(carrier_sid, '-') FROM outbound_actions WHERE
			public_id = '$id'")
		read -r status sid <<<"$row"
		sent=$(carrier GET "/_log?to=${to/+/%2B}" | jq .count)
		created=$(carrier GET "/_log?to=${to/+/%2B}" | jq .created)
		if [ "$status" != accepted ] || [ "$sid" = - ] || [ "$sent" != 1 ] ||
			[ "$created" != 1 ]; then
			bad=$((bad + 1))
			[ "$bad" -gt 5 ] || echo "  $kind $id: $status, sid $sid, sent to the carrier $sent time(s), $created made"
		fi
	done <"$work/outbound.queued"
	echo "  outbound: $queued_n queued (messages and calls), $bad not exactly once or not recorded, $(grep -c 'outcomes not recorded' "$work/outbound.err" 2>/dev/null || echo 0) run(s) ended with outcomes unrecorded"
	[ "$bad" -eq 0 ] || fail "$bad outbound action(s) not sent exactly once and recorded"
}

# --- the run ------------------------------------------------------------------

biz=$("$kcctl" --conf "$conf" --json business create "Crash Co" | jq -r .id) ||
	kc_die "could not create the business"
# The load is one key's, as fast as the loops go: limits are tested
# elsewhere (tests/integration/test_ratelimit.c), and a 429 here would
# hide what this test looks for.
key=$("$kcctl" --conf "$conf" --json key create --business "$biz" --name crash \
	--scopes '*' --read-rate off --write-rate off --ingest-rate off |
	jq -r .key) || kc_die "could not create the key"
path=/t/crash-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
curl -fsS --max-time 10 -o /dev/null -H "Authorization: Bearer $key" \
	-H 'Content-Type: application/json' -d "{\"url\":\"$KC_RECEIVER_URL$path\"}" \
	"$api/v1/webhook-endpoints" || kc_die "could not create the webhook endpoint"
rq_out=$work/setup.body
request "$work/setup.requests" GET /v1/agent
[ "$STATUS" = 200 ] || kc_die "GET /v1/agent answers $STATUS $CODE before any kill"
agent=$(jq -r .id "$rq_out")
phone
from=$REPLY
"$kcctl" --conf "$conf" number add --business "$biz" "$from" >/dev/null ||
	kc_die "could not give the business a number"
zone=$(midday_zone) || kc_die "no zone of the tz database is at mid-day now"

# Only what happens from here on counts.
lighttpd_size=$(stat -c %s "$lighttpd_log" 2>/dev/null || echo 0)
declare -A asan_before=()
for f in "$KC_VAR"/log/asan.*; do
	[ -e "$f" ] && asan_before[$f]=1
done
# Read while the loops are still writing them.
: >"$work/events"
: >"$work/leads.tried"
: >"$work/leads.accepted"
: >"$work/outbound.queued"
probe_rounds=0
recovery_worst=0
t_start=$SECONDS

echo "load: GET /v1/agent, GET /v1/leads, POST /v1/leads, kcctl deliver/outbound/replay/maintain/migrate in loops, messages and calls queued before each kill (logs in $work)"
start_load
wait_for_load 3 3000 20000
for ((k = 1; k <= kills; k++)); do
	queue_outbound "$k"
	outage "$k" || break
	wait_for_load 2 3000 15000
done
if [ "$kills" -eq 0 ]; then
	queue_outbound 0
	# The same length of load as the kills would take, without them.
	wait_for_load 10 20000 40000
fi
echo "stopping the load ($((SECONDS - t_start)) s in)"
stop_load

echo "checks:"
check_statuses
check_jobs
check_lighttpd
check_leads
check_deliveries
check_outbound
check_sanitizers

echo "figures: $kills kill(s), ${total_requests:-0} requests by the loops, ${unavailable_count:-0} answered 503, $probe_rounds probe rounds in outages, ${accepted:-0} leads accepted, worst recovery ${recovery_worst} ms, ${deliveries:-0} deliveries, ${queued_n:-0} outbound actions, $((SECONDS - t_start)) s"
if [ ${#failures[@]} -eq 0 ]; then
	echo "PASS: MariaDB killed $kills time(s) under load: no crash, 503s while away, back within ${recovery_max_ms} ms, no lead lost"
	rm -rf "$work"
	exit 0
fi
echo "FAIL: ${#failures[@]} failure(s) (logs in $work):"
printf '  - %s\n' "${failures[@]}"
exit 1
