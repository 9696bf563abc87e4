#!/usr/bin/env bash
# A webhook delivered by the real cron daemon running conf/kaicalls.cron:
# the file is installed into /etc/cron.d (kc_jobs_start), an event is
# created, and the receiver must get it within cron's next minute. Run by
# scripts/test against its running stack:
#
#   tests/cron/test-cron.sh KCCTL
#
# with KC_VAR, KC_PORT, KC_RECEIVER_URL and KC_DELIVERY_CA_FILE set.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
kcctl=$(realpath "$1")
conf=$KC_VAR/kaicalls.conf
api=http://127.0.0.1:$KC_PORT
fail() {
	echo "FAIL: $*"
	exit 1
}

# Not root, kc_jobs_start would run the jobs from a loop instead of cron,
# and this would test the loop.
[ "$(id -u)" = 0 ] || fail "installing a cron job (and so this test) needs root"
biz=$("$kcctl" --conf "$conf" --json business create "Cron Co" | jq -r .id)
key=$("$kcctl" --conf "$conf" --json key create --business "$biz" --name cron \
	--scopes '*' | jq -r .key)
path=/t/cron-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
ep=$(curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	-d "{\"url\":\"$KC_RECEIVER_URL$path\"}" "$api/v1/webhook-endpoints" | jq -r .id)
curl -fsS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	-d '{"name":"Cron Test","phone":"+15555550199","intent":"booking"}' "$api/v1/leads"
evt=$(curl -fsS -H "Authorization: Bearer $key" "$api/v1/events?limit=1" | jq -r '.data[0].id')

trap kc_stop_jobs EXIT
kc_jobs_start "$kcctl" || fail "could not install the cron jobs"
t0=$SECONDS
got=0
while [ $((SECONDS - t0)) -lt 100 ]; do
	got=$(curl -fsS --cacert "$KC_DELIVERY_CA_FILE" "$KC_RECEIVER_URL/_log$path" | jq .count)
	[ "$got" -ge 1 ] && break
	sleep 1
done
[ "$got" -ge 1 ] || fail "nothing arrived within 100 s (cron log: $(tail -n 5 "$KC_VAR/log/cron.out" 2>/dev/null))"
id=$(curl -fsS --cacert "$KC_DELIVERY_CA_FILE" "$KC_RECEIVER_URL/_log$path" | jq -r '.requests[0].id')
[ "$id" = "$evt" ] || fail "received $id, expected $evt"
# Recorded once the worker's whole batch is done (others in it may be
# slower receivers, up to the 5 s timeout).
for _ in $(seq 1 30); do
	status=$(curl -fsS -H "Authorization: Bearer $key" "$api/v1/deliveries?endpoint=$ep" |
		jq -r '.data[0].status')
	[ "$status" = delivered ] && break
	sleep 0.5
done
[ "$status" = delivered ] || fail "the delivery is $status"
pgrep -f -- "--conf $conf deliver --for 60s" >/dev/null || fail "no cron-started worker is running"
echo "PASS: cron's kcctl deliver sent $evt to the receiver after $((SECONDS - t0)) s"
