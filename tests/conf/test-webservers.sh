#!/usr/bin/env bash
# The API behind Apache (conf/apache-kaicalls.conf) and nginx
# (conf/nginx-kaicalls.conf), over their HTTPS, answers as it does behind
# lighttpd, the server of scripts/run: every request below goes to all
# three, and the status, the headers that matter and the body must agree
# with lighttpd's and with what README promises. Where a server changes an
# answer, its conf is what needs fixing. Then what only the sites do: their
# plain HTTP only redirects, they refuse /metrics to other addresses
# themselves, and nginx's own pages carry the security headers too.
#
# Run by scripts/test ("Apache and nginx" stage) against the servers it
# started with scripts/lib.sh (kc_web_start, kc_fcgi_spawn, kc_apache_start,
# kc_nginx_start), all in front of the same FastCGI program build:
#
#   KC_TEST_URL=http://127.0.0.1:PORT (lighttpd)
#   KC_APACHE_URL=https://127.0.0.1:PORT KC_NGINX_URL=https://...
#   KC_APACHE_HTTP_URL=http://127.0.0.1:PORT KC_NGINX_HTTP_URL=http://...
#   KC_SITES_CA=CERT.pem (the sites' certificate)
#   KC_KCCTL=... KC_CONF=... KC_VAR=... tests/conf/test-webservers.sh
#
# Last, it stops MariaDB, to see 503 and Retry-After pass through: the
# stack is left without a database. Prints a PASS or FAIL line per check;
# exits non-zero if any failed. Requests and answers are kept in
# $KC_VAR/log/webservers.*/.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

: "${KC_TEST_URL:?}" "${KC_APACHE_URL:?}" "${KC_NGINX_URL:?}" "${KC_KCCTL:?}" \
	"${KC_CONF:?}" "${KC_VAR:?}" "${KC_APACHE_HTTP_URL:?}" "${KC_NGINX_HTTP_URL:?}" \
	"${KC_SITES_CA:?}"
servers=(lighttpd apache nginx)
declare -A url=([lighttpd]=$KC_TEST_URL [apache]=$KC_APACHE_URL [nginx]=$KC_NGINX_URL)
declare -A http_url=([apache]=$KC_APACHE_HTTP_URL [nginx]=$KC_NGINX_HTTP_URL)
# Compared with lighttpd's on every answer (all their values, in order, so
# that a header sent twice shows).
compared=(content-type cache-control allow www-authenticate retry-after
	idempotent-replayed x-content-type-options x-frame-options
	referrer-policy content-security-policy)
# The application's, which every answer of the site carries, static files
# and the servers' own pages included.
declare -A security=([x-content-type-options]=nosniff [x-frame-options]=DENY
	[referrer-policy]=no-referrer
	[content-security-policy]="default-src 'none'; frame-ancestors 'none'")
work=$(mktemp -d "$KC_VAR/log/webservers.XXXXXX") || exit 1
passed=0
failed=0
errors=()

# --- requests and what came back ------------------------------------------------

# fetch NAME METHOD PATH [CURL ARGS...]: the request to each server, an
# argument's @S@ replaced by the server's name. Keeps $work/NAME.S.head
# (the final header block: no "100 Continue") and NAME.S.body.
declare -A stat hdr
fetch() {
	local s
	[ -z "${stat[$1|lighttpd]+set}" ] || kc_die "fetch $1: the name is taken"
	for s in "${servers[@]}"; do
		fetch_one "$s" "${url[$s]}" "$@"
	done
}

# fetch_one S BASE NAME METHOD PATH [CURL ARGS...]: the request to server S
# at BASE (its HTTPS, or its plain HTTP).
fetch_one() {
	local s=$1 base=$2 name=$3 method=$4 path=$5 a
	local -a args=()
	shift 5
	for a in "$@"; do
		args+=("${a//@S@/$s}")
	done
	if ! curl -sS --max-time 30 --cacert "$KC_SITES_CA" -X "$method" \
		-D "$work/$name.$s.raw" -o "$work/$name.$s.body" "${args[@]}" \
		"$base$path" 2>"$work/$name.$s.err"; then
		errors+=("$s: curl: $(cat "$work/$name.$s.err")")
	fi
	touch "$work/$name.$s.raw" "$work/$name.$s.body"
	parse "$name" "$s" <"$work/$name.$s.raw"
}

# parse NAME S <HEADERS: the last header block into stat[NAME|S] and
# hdr[NAME|S|lower-cased name] (the values, one a line, in the order
# sent). Bash alone: the checks look up headers hundreds of times.
parse() {
	local line n v
	local -a block=()
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line == HTTP/* ]]; then
			block=()
		fi
		if [ -n "$line" ]; then
			block+=("$line")
		fi
	done
	printf '%s\n' "${block[@]}" >"$work/$1.$2.head"
	read -r _ v _ <<<"${block[0]:-}"
	stat[$1|$2]=$v
	for line in "${block[@]:1}"; do
		[[ $line == *:* ]] || continue
		n=${line%%:*}
		v=${line#*:}
		v=${v#"${v%%[! $'\t']*}"}
		hdr[$1|$2|${n,,}]+=$v$'\n'
	done
}

# status NAME S
status() {
	printf '%s' "${stat[$1|$2]:-}"
}

# header NAME S HEADER: its values, one a line.
header() {
	local v=${hdr[$1|$2|$3]:-}
	printf '%s' "${v%$'\n'}"
}

# lines TEXT: how many lines (0 for none).
lines() {
	local v=$1
	if [ -z "$v" ]; then
		echo 0
	else
		v=${v//[!$'\n']/}
		echo $((${#v} + 1))
	fi
}

# body NAME S
body() {
	printf '%s' "$work/$1.$2.body"
}

# --- checks -------------------------------------------------------------------

# Collected into errors by the checks; reported (and reset) by verdict.
err() {
	errors+=("$*")
}

verdict() {
	local e
	if [ ${#errors[@]} -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $*"
	else
		failed=$((failed + 1))
		echo "FAIL $*"
		for e in "${errors[@]}"; do
			echo "     $e"
		done
	fi
	errors=()
}

# expect NAME STATUS [HEADER=VALUE...]: on every server (or those in
# $only), that status and each HEADER exactly once with VALUE (an empty
# VALUE: not sent at all).
expect() {
	local name=$1 want=$2 s kv h v got
	local -a on=("${servers[@]}")
	[ -z "${only:-}" ] || read -ra on <<<"$only"
	shift 2
	for s in "${on[@]}"; do
		got=$(status "$name" "$s")
		[ "$got" = "$want" ] || err "$s: status $got, want $want"
		for kv in "$@"; do
			h=${kv%%=*}
			v=${kv#*=}
			got=$(header "$name" "$s" "$h")
			[ "$got" = "$v" ] ||
				err "$s: $h: $(printf '%s' "${got:-(none)}" | paste -sd '|'), want ${v:-(none)}"
		done
	done
}

# secure NAME [STATUS]: the security headers, once each, on every server
# (or those in $only), with lighttpd's status or STATUS.
secure() {
	local h args=()
	for h in "${!security[@]}"; do
		args+=("$h=${security[$h]}")
	done
	expect "$1" "${2:-$(status "$1" lighttpd)}" "${args[@]}"
}

# like_lighttpd NAME FILTER: Apache's and nginx's status, compared headers,
# number of X-Request-Id and body are lighttpd's. FILTER: "bytes" compares
# the bodies byte for byte, anything else is a jq filter applied to each
# (values that differ by request, such as request_id, taken out).
like_lighttpd() {
	local name=$1 filter=$2 s h a b
	for s in apache nginx; do
		a=$(status "$name" lighttpd)
		b=$(status "$name" "$s")
		[ "$a" = "$b" ] || err "$s: status $b, lighttpd $a"
		for h in "${compared[@]}" x-request-id; do
			a=$(header "$name" lighttpd "$h")
			b=$(header "$name" "$s" "$h")
			if [ "$h" = x-request-id ]; then
				a=$(lines "$a")
				b=$(lines "$b")
			fi
			[ "$a" = "$b" ] || err "$s: $h: $(paste -sd '|' <<<"${b:-(none)}"), lighttpd $(paste -sd '|' <<<"${a:-(none)}")"
		done
		if [ "$filter" = bytes ]; then
			cmp -s "$(body "$name" lighttpd)" "$(body "$name" "$s")" ||
				err "$s: body differs from lighttpd's ($work/$name.*.body)"
		else
			a=$(jq -S "$filter" "$(body "$name" lighttpd)" 2>&1)
			b=$(jq -S "$filter" "$(body "$name" "$s")" 2>&1)
			[ "$a" = "$b" ] || err "$s: body $(jq -cS "$filter" "$(body "$name" "$s")" 2>&1 | head -c 300), lighttpd $(jq -cS "$filter" "$(body "$name" lighttpd)" 2>&1 | head -c 300)"
		fi
	done
}

# request_id NAME: one X-Request-Id from the program on every server; in a
# problem body, its request_id is the same.
request_id() {
	local name=$1 s id rid
	for s in "${servers[@]}"; do
		id=$(header "$name" "$s" x-request-id)
		[[ $id =~ ^req_[A-Za-z0-9]+$ ]] || err "$s: X-Request-Id: ${id:-(none)}"
		if [ "$(header "$name" "$s" content-type)" = application/problem+json ]; then
			rid=$(jq -r .request_id "$(body "$name" "$s")" 2>/dev/null)
			[ "$rid" = "$id" ] || err "$s: request_id $rid in the body, $id in X-Request-Id"
		fi
	done
}

# problem NAME STATUS CODE [HEADER=VALUE...]: the application's
# problem+json with that status and code on every server, as lighttpd
# answers it.
problem() {
	local name=$1 st=$2 code=$3 s got
	shift 3
	expect "$name" "$st" content-type=application/problem+json "$@"
	for s in "${servers[@]}"; do
		got=$(jq -r '"\(.status) \(.code)"' "$(body "$name" "$s")" 2>/dev/null)
		[ "$got" = "$st $code" ] || err "$s: body $(head -c 300 "$(body "$name" "$s")")"
	done
	request_id "$name"
	secure "$name"
	like_lighttpd "$name" 'del(.request_id)'
}

# jcheck NAME S JQ-EXPRESSION: the body makes the expression true.
jcheck() {
	jq -e "$3" "$(body "$1" "$2")" >/dev/null 2>&1 ||
		err "$2: not $3 in $(head -c 300 "$(body "$1" "$2")")"
}

# --- a tenant -----------------------------------------------------------------

if ! biz=$("$KC_KCCTL" --conf "$KC_CONF" --json business create "Web Servers Co" |
	jq -r .id) || ! key=$("$KC_KCCTL" --conf "$KC_CONF" --json key create \
	--business "$biz" --name webservers --scopes '*' | jq -r .key) ||
	[[ $key != kc_live_* ]]; then
	kc_die "kcctl could not make a business and a key"
fi
auth="Authorization: Bearer $key"
run=$(kc_random_hex 6)

# --- the API --------------------------------------------------------------------

# The Authorization header reaches the program (Apache withholds it from
# FastCGI unless told otherwise): the key's business comes back.
fetch business GET /v1/business -H "$auth"
expect business 200 content-type=application/json
for s in "${servers[@]}"; do
	jcheck business "$s" ".id == \"$biz\""
done
request_id business
secure business
like_lighttpd business bytes
verdict "authenticated GET /v1/business: 200, the key's business"

fetch nokey GET /v1/business
problem nokey 401 missing_api_key 'www-authenticate=Bearer realm="kaicalls"'
verdict "GET without a key: 401 problem+json, WWW-Authenticate"

fetch badkey GET /v1/business -H "Authorization: Bearer kc_live_${run}00000000000000000000"
problem badkey 401 invalid_api_key \
	'www-authenticate=Bearer realm="kaicalls", error="invalid_token"'
verdict "GET with an unknown key: 401 invalid_token"

# A body reaches the program whole, with its Idempotency-Key (one per
# server, so that each creates its own lead).
lead='{"phone":"+14155550142","intent":"booking","name":"Web Servers","notes":"caf\u00e9 & co: 100% sure"}'
fetch lead POST /v1/leads -H "$auth" -H 'Content-Type: application/json' \
	-H "Idempotency-Key: web-$run-@S@" --data-binary "$lead"
expect lead 201 content-type=application/json idempotent-replayed=
declare -A lead_id
for s in "${servers[@]}"; do
	jcheck lead "$s" '.phone == "+14155550142" and .intent == "booking" and .name == "Web Servers" and .notes == "café & co: 100% sure"'
	lead_id[$s]=$(jq -r .id "$(body lead "$s")" 2>/dev/null)
done
request_id lead
secure lead
like_lighttpd lead 'del(.id, .created_at)'
# Each one is really there, as its answer says.
for s in "${servers[@]}"; do
	fetch "lead-$s" GET "/v1/leads/${lead_id[$s]}" -H "$auth"
	expect "lead-$s" 200
	cmp -s "$(body lead "$s")" "$(body "lead-$s" lighttpd)" ||
		err "$s: GET /v1/leads/${lead_id[$s]} is not what the POST answered"
done
verdict "POST /v1/leads with a body and an Idempotency-Key: 201, the lead stored"

# The same request again: the first answer, byte for byte, marked.
fetch again POST /v1/leads -H "$auth" -H 'Content-Type: application/json' \
	-H "Idempotency-Key: web-$run-@S@" --data-binary "$lead"
expect again 201 content-type=application/json idempotent-replayed=true
for s in "${servers[@]}"; do
	cmp -s "$(body lead "$s")" "$(body again "$s")" ||
		err "$s: the replayed answer is not the first one"
done
request_id again
secure again
like_lighttpd again 'del(.id, .created_at)'
verdict "the same POST again: the first answer byte for byte, Idempotent-Replayed: true"

# lighttpd's key, through every server: lighttpd's first answer.
fetch again2 POST /v1/leads -H "$auth" -H 'Content-Type: application/json' \
	-H "Idempotency-Key: web-$run-lighttpd" --data-binary "$lead"
expect again2 201 content-type=application/json idempotent-replayed=true
for s in "${servers[@]}"; do
	cmp -s "$(body lead lighttpd)" "$(body again2 "$s")" ||
		err "$s: not the answer lighttpd gave first"
done
like_lighttpd again2 bytes
verdict "a key first used through lighttpd, replayed through each: the same bytes"

# The query string arrives as sent and is decoded once, by the program: a
# %2B that became '+' on the way would be read as a space.
fetch since GET '/v1/leads?since=2020-01-01T00%3A00%3A00%2B00%3A00&limit=100' -H "$auth"
expect since 200 content-type=application/json
for s in "${servers[@]}"; do
	jcheck since "$s" "[.data[].id] | contains([\"${lead_id[lighttpd]}\", \"${lead_id[apache]}\", \"${lead_id[nginx]}\"])"
done
secure since
like_lighttpd since bytes
verdict "GET /v1/leads?since=…%3A…%2B00%3A00: 200, every lead"

fetch plus GET '/v1/leads?since=2020-01-01T00:00:00+00:00' -H "$auth"
problem plus 400 invalid_query
verdict "a raw '+' in the query is a space: 400 invalid_query"

fetch qname GET '/v1/leads?lim%69t=1&x%20y=%41' -H "$auth"
problem qname 400 unknown_query_parameter
for s in "${servers[@]}"; do
	jcheck qname "$s" '.field == "x y"'
done
verdict "escaped query names: the unknown one named decoded (400)"

# Apache answers a %2F in a path itself unless told to pass it on.
fetch slash GET /v1/leads/lead_x%2Fy -H "$auth"
problem slash 404 not_found
verdict "a %2F in the path reaches the program: 404 problem+json"

# --- errors ---------------------------------------------------------------------

fetch missing GET /v1/nothing-here -H "$auth"
problem missing 404 not_found
verdict "unknown path: 404 problem+json"

fetch method DELETE /v1/leads -H "$auth"
problem method 405 method_not_allowed 'allow=GET, POST'
verdict "DELETE /v1/leads: 405 problem+json, Allow: GET, POST"

# Above 1 MiB, whether the length is announced or not; up to 4 MiB the
# servers pass a body on, so the program's answer is what arrives.
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$work/1mib+1.json"
fetch big POST /v1/leads -H "$auth" -H 'Content-Type: application/json' \
	--data-binary "@$work/1mib+1.json"
problem big 413 body_too_large
verdict "POST of 1 MiB + 1 byte: 413 problem+json"

head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$work/3mib.json"
fetch chunked POST /v1/leads -H "$auth" -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary "@$work/3mib.json"
problem chunked 413 body_too_large
verdict "POST of 3 MiB, chunked: 413 problem+json"

# --- static files -----------------------------------------------------------------

css=$KC_ROOT/www/static/kaicalls.css
# lighttpd and Apache serve a POST to a static file as a GET; nginx must too.
fetch static-GET GET /static/kaicalls.css
fetch static-POST POST /static/kaicalls.css --data-binary x
for m in GET POST; do
	expect "static-$m" 200 'content-type=text/css; charset=utf-8' x-request-id=
	for s in "${servers[@]}"; do
		cmp -s "$css" "$(body "static-$m" "$s")" ||
			err "$s: not www/static/kaicalls.css"
	done
	secure "static-$m"
	like_lighttpd "static-$m" bytes
	verdict "$m /static/kaicalls.css: the file, from disk"
done

fetch static-missing GET /static/nothing.css
expect static-missing 404 x-request-id=
secure static-missing
verdict "GET /static/nothing.css: 404 from the server"

# --- what only the sites do ----------------------------------------------------

# Their plain HTTP answers nothing but a redirect to the same path and
# query over HTTPS, and never reaches the program.
for m in GET POST; do
	data=()
	[ "$m" = GET ] || data=(-H 'Content-Type: application/json' --data-binary '{}')
	for s in apache nginx; do
		fetch_one "$s" "${http_url[$s]}" "plain-$m" "$m" '/v1/leads?limit=1&q=a%2Bb' \
			-H "$auth" "${data[@]}"
	done
	only="apache nginx" expect "plain-$m" 301 \
		'location=https://kaicalls.example/v1/leads?limit=1&q=a%2Bb' x-request-id=
	verdict "$m over plain HTTP: 301 to the same path and query over HTTPS, not passed on"
done

# From an allowed address (127.0.0.1, in the stack's metrics_allow and the
# sites' own list), /metrics is the program's through every server.
fetch metrics GET /metrics
expect metrics 200
for s in "${servers[@]}"; do
	grep -q '^# TYPE kaicalls_http_requests_total counter$' "$(body metrics "$s")" ||
		err "$s: no kaicalls_http_requests_total in $(head -c 300 "$(body metrics "$s")")"
	[ "$(header metrics "$s" content-type)" = "$(header metrics lighttpd content-type)" ] ||
		err "$s: Content-Type $(header metrics "$s" content-type)"
done
request_id metrics
secure metrics
verdict "GET /metrics from 127.0.0.1: 200, the Prometheus text, from the program"

# From any other (127.0.0.2, as loopback as 127.0.0.1 but in neither
# list): Apache and nginx refuse it themselves, so it never reaches the
# program (no X-Request-Id), whatever metrics_allow says. lighttpd has no
# such rule: the program's own 404 there shows the address arrived as
# 127.0.0.2.
for m in GET POST; do
	data=()
	# (lighttpd wants a length on a POST.)
	[ "$m" = GET ] || data=(--data-binary x)
	fetch "metrics-other-$m" "$m" '/metrics?x=1' --interface 127.0.0.2 "${data[@]}"
	only=lighttpd expect "metrics-other-$m" 404 content-type=application/problem+json
	only="apache nginx" expect "metrics-other-$m" 403 x-request-id=
	only="apache nginx" secure "metrics-other-$m" 403
	verdict "$m /metrics from 127.0.0.2: 403 from Apache and nginx themselves"
done

# A body above the site's 4 MiB limit gets nginx's own 413 page: with the
# security headers once each, and without nginx's version. (Apache passes
# a body it has not read on to the program, which refuses it by its
# length; Apache's own pages are the 403s above.)
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$work/5mib.json"
fetch_one nginx "${url[nginx]}" huge POST /v1/leads -H "$auth" \
	-H 'Content-Type: application/json' -H 'Expect: 100-continue' \
	--data-binary "@$work/5mib.json"
only=nginx expect huge 413 x-request-id=
only=nginx secure huge 413
[ "$(header huge nginx server)" = nginx ] ||
	err "nginx: Server: $(header huge nginx server), want nginx (server_tokens off)"
verdict "POST of 5 MiB to nginx: its own 413, with the security headers, without its version"

# --- without a database ------------------------------------------------------------

if pid=$(kc_pidfile_alive "$KC_VAR/run/mysqld.pid" mariadbd); then
	kc_stop_pids 30 "$pid"
else
	err "MariaDB was not running"
fi
# Each FastCGI process learns of the loss on its next query.
deadline=$((SECONDS + 10))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$KC_TEST_URL/healthz")" = 503 ]; do
	if [ $SECONDS -ge $deadline ]; then
		err "lighttpd: /healthz did not answer 503 within 10 s of MariaDB's stop"
		break
	fi
	sleep 0.1
done
fetch nodb GET /v1/leads -H "$auth"
problem nodb 503 database_unavailable retry-after=1
verdict "MariaDB stopped: 503 problem+json, Retry-After: 1"

echo "$passed passed, $failed failed (requests and answers in $work)"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
