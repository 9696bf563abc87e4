#!/usr/bin/env bash
# README's "Install on a server", done for real on this machine under a root
# of its own: a build configured as README says, but with $root in front of
# /usr, /etc, /var and /run, so that every path compiled into the programs
# and written into the units exists. Then:
#   - make install puts exactly what README lists (both ways), and DESTDIR
#     moves all of it;
#   - systemd-analyze verify accepts every unit (it checks that ExecStart
#     exists), and their hardening stays (systemd-analyze security);
#   - tmpfiles.d makes the run and log dirs; logrotate -d accepts the
#     logrotate file, and a forced rotation really rotates a job's log;
#   - README's database, configuration, migration, grant and backup commands
#     run as written (paths moved under $root, `mariadb` pointed at a
#     private server, the kaicalls user played by root);
#   - the installed kcctl finds its configuration and the installed sql/ by
#     default, and the installed FastCGI program, started as the socket unit
#     starts it (a listening socket on fd 0, an empty environment), answers
#     through lighttpd;
#   - the job units' commands and the installed cron lines run.
#
#   tests/install/test-install.sh      (scripts/test sets KC_VAR)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$KC_ROOT"

base=$KC_VAR/server
root=$base/root
build=$base/build
units=$root/usr/lib/systemd/system
worker_pids=()

fail() {
	echo "FAIL: $*"
	exit 1
}

cleanup() {
	[ ${#worker_pids[@]} -eq 0 ] || kc_stop_pids 10 "${worker_pids[@]}"
	KC_VAR=$base kc_stop_all
}
trap cleanup EXIT

# README's section, and in it the one ```sh block that contains $1.
section() { sed -n '/^## Install on a server/,/^## Layout/p' "$KC_ROOT/README.md"; }
readme_block() {
	section | awk -v pat="$1" '
		/^```sh/ { f = 1; b = ""; next }
		/^```/ { if (f && index(b, pat)) { n++; out = b } f = 0; next }
		f { b = b $0 "\n" }
		END { if (n == 1) printf "%s", out; else exit 1 }'
}
# A README command moved under $root: absolute system paths gain the
# prefix, and root stands in for the kaicalls user.
under_root() {
	sed -E -e "s#(^|[[:space:]'\"])/(usr|etc|var|run)(/|\$|[[:space:]])#\\1$root/\\2\\3#g" \
		-e 's/-([og]) kaicalls/-\1 root/g'
}

# --- make install --------------------------------------------------------------
rm -rf "$root" "$base/dest"
kc_build "$build" --enable-werror --prefix="$root/usr" --sysconfdir="$root/etc" \
	--localstatedir="$root/var" --runstatedir="$root/run" || fail "build"
make -C "$build" --no-print-directory install >"$base/install.log" 2>&1 ||
	fail "make install (see $base/install.log)"

# Every line of README's list names something installed, and everything
# installed is under one of them: "dir/" (not empty), a glob, or a file.
mapfile -t listed < <(section | awk '/^```text/ { f = 1; next } /^```/ { f = 0 } f { print $1 }')
[ ${#listed[@]} -ge 5 ] || fail "README's list of installed files was not found"
for p in "${listed[@]}"; do
	case $p in
	*/) [ -n "$(ls -A "$root$p" 2>/dev/null)" ] || fail "README lists $p: not installed" ;;
	*\**) compgen -G "$root$p" >/dev/null || fail "README lists $p: nothing installed" ;;
	*) [ -f "$root$p" ] || fail "README lists $p: not installed" ;;
	esac
done
while IFS= read -r f; do
	f=${f#"$root"}
	ok=
	for p in "${listed[@]}"; do
		# shellcheck disable=SC2053 # $p is a glob on purpose
		case $p in
		*/) [[ $f == "$p"* ]] && ok=1 ;;
		*) [[ $f == $p ]] && ok=1 ;;
		esac
	done
	[ -n "$ok" ] || fail "$f is installed but README does not list it"
done < <(find "$root" -type f | sort)
echo "ok: make install put what README lists, nothing else (${#listed[@]} entries)"

make -C "$build" --no-print-directory install DESTDIR="$base/dest" >>"$base/install.log" 2>&1 ||
	fail "make install DESTDIR"
diff <(cd "$root" && find . | sort) <(cd "$base/dest$root" && find . | sort) ||
	fail "make install DESTDIR=... installed something else"
echo "ok: DESTDIR moves the whole install"

# The installed files carry the installed paths, and no placeholder.
if grep -rn '@[A-Z_]*@' "$units" "$root/usr/lib/tmpfiles.d" "$root/usr/share/kaicalls/conf"/kaicalls.{cron,logrotate}; then
	fail "a placeholder was left in an installed file"
fi
grep -qx "ExecStart=$root/usr/libexec/kaicalls/kaicalls.fcgi" "$units/kaicalls-fcgi@.service" ||
	fail "kaicalls-fcgi@.service does not run the installed program"

# --- systemd units -------------------------------------------------------------
# verify loads each unit as PID 1 would (and the template through an
# instance), checks that every command exists and is executable, and says
# nothing when all is well: any output is a finding.
mapfile -t unit_args < <(cd "$units" && ls kaicalls-* | sed -e 's/@\./@1./' -e 's#^#./#')
out=$(cd "$units" && systemd-analyze verify "${unit_args[@]}" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify said: $out"
echo "ok: systemd-analyze verify accepts ${#unit_args[@]} units"
# Exposure 1.4 of 10 today; dropping any one of User=, ProtectSystem=,
# NoNewPrivileges=, PrivateTmp= or SystemCallFilter= lifts it above 1.5.
for u in kaicalls-fcgi@1.service kaicalls-deliver.service kaicalls-replay.service \
	kaicalls-maintain.service kaicalls-outbound.service; do
	out=$(cd "$units" && systemd-analyze security --offline=true --threshold=15 "./$u" 2>&1) ||
		fail "$u is exposed: $(printf '%s\n' "$out" | grep -E 'Overall|✗' | head -20)"
done
echo "ok: the service units keep their hardening (exposure <= 1.5)"
# The socket is handed over as fd 0, and stdout does not follow it there.
for d in ListenStream="$root/run/kaicalls/kaicalls.sock" Accept=no Service=kaicalls-fcgi@1.service; do
	grep -qx "$d" "$units/kaicalls-fcgi.socket" || fail "kaicalls-fcgi.socket lacks $d"
done
for d in Sockets=kaicalls-fcgi.socket StandardInput=socket StandardOutput=journal User=kaicalls; do
	grep -qx "$d" "$units/kaicalls-fcgi@.service" || fail "kaicalls-fcgi@.service lacks $d"
done

# --- the rest as root (no kaicalls user here) ------------------------------------
make -C "$build" --no-print-directory install KC_USER=root >>"$base/install.log" 2>&1 ||
	fail "make install KC_USER=root"
grep -qx 'User=root' "$units/kaicalls-deliver.service" || fail "make KC_USER=root was not applied"
systemd-tmpfiles --create "$root/usr/lib/tmpfiles.d/kaicalls.conf" || fail "systemd-tmpfiles --create"
[ "$(stat -c %a "$root/run/kaicalls")" = 755 ] && [ "$(stat -c %a "$root/var/log/kaicalls")" = 750 ] ||
	fail "tmpfiles.d made $(stat -c '%n %a' "$root/run/kaicalls" "$root/var/log/kaicalls")"
echo "ok: tmpfiles.d makes $root/run/kaicalls and $root/var/log/kaicalls"

# --- README: database, configuration, migration --------------------------------
KC_VAR=$base kc_db_start || fail "private MariaDB"
# README talks to MariaDB as the system's root over Debian's socket; here
# that is the private server's root. (Defined after kc_db_start, which runs
# the real client its own way.)
mariadb() { command mariadb --no-defaults -S "$base/run/mysql.sock" -uroot "$@"; }
mariadb-dump() { command mariadb-dump --no-defaults -S "$base/run/mysql.sock" -uroot "$@"; }
export -f mariadb mariadb-dump
export base
# run_block TEXT: README commands as a reader runs them, stopping at the
# first that fails, with the installed kcctl first in PATH.
run_block() {
	[ -n "$1" ] || fail "README's block was not found"
	PATH=$root/usr/bin:$PATH bash -euo pipefail -c "$1"
}
# kc_db_start makes the database and user its own way; README makes them.
mariadb -e "DROP DATABASE kaicalls; DROP USER 'kaicalls'@'localhost'"
# The block makes the password the next one writes into the configuration.
pw=$(run_block "$(readme_block 'CREATE DATABASE')"$'\nprintf %s "$pw"') ||
	fail "README's database block failed"
[ -n "$pw" ] || fail "README's database block set no password"

pw=$pw run_block "$(readme_block 'kaicalls.conf.example' | under_root)" ||
	fail "README's configuration block failed"
conf=$root/etc/kaicalls/kaicalls.conf
[ "$(stat -c %a "$conf")" = 600 ] || fail "$conf is mode $(stat -c %a "$conf"), not 600"
grep -qx "db_password = $pw" "$conf" || fail "README's sed did not set db_password"
grep -qE '^master_key = [0-9a-f]{64}$' "$conf" && ! grep -q '^master_key = 0\{64\}$' "$conf" ||
	fail "README's sed did not set a new master_key"
# The one thing that differs from a real server: the MariaDB socket.
sed -i "s|^db_socket = .*|db_socket = $base/run/mysql.sock|" "$conf"

# No --conf, no $KC_CONF and no sql_dir in the file: the installed kcctl
# must find both by itself.
unset KC_CONF KC_SQL_DIR
grep -q '^sql_dir' "$conf" && fail "the example configuration sets sql_dir"
run_block "$(readme_block 'information_schema.tables' | under_root)" ||
	fail "README's migration block failed"
want=$(find "$root/usr/share/kaicalls/sql" -name '*.sql' | wc -l)
got=$(mariadb -N -B -e 'SELECT COUNT(*) FROM kaicalls.schema_migrations')
[ "$got" = "$want" ] || fail "$got migrations applied, $want installed"
grants=$(mariadb -N -B -e "SHOW GRANTS FOR 'kaicalls'@'localhost'")
grep -q 'GRANT UPDATE, DELETE ON `kaicalls`.`leads`' <<<"$grants" ||
	fail "README's grants gave no UPDATE, DELETE on leads: $grants"
grep -q 'audit_log' <<<"$grants" && fail "README's grants reach audit_log: $grants"
grep -q 'schema_migrations' <<<"$grants" && fail "README's grants reach schema_migrations: $grants"
echo "ok: README's database, configuration and migration blocks ($got migrations from the installed sql/)"

kcctl=$root/usr/bin/kcctl
biz=$("$kcctl" --json business create "Install Co" | jq -r .id)
key=$("$kcctl" --json key create --business "$biz" --name install --scopes '*' | jq -r .key)
[[ $key == kc_live_* ]] || fail "no key from the installed kcctl"

# --- the FastCGI program as kaicalls-fcgi.socket starts it ---------------------
sock=$(sed -n 's/^ListenStream=//p' "$units/kaicalls-fcgi.socket")
fcgi=$(sed -n 's/^ExecStart=//p' "$units/kaicalls-fcgi@.service")
mkdir -p "$base/log"
# What systemd does for StandardInput=socket with Accept=no: one listening
# socket, made before the workers, on fd 0 of each (two here), in an
# environment without KC_CONF.
mapfile -t worker_pids < <(env -i PATH=/usr/bin:/bin perl -MSocket -e '
	my ($path, $n, @cmd) = @ARGV;
	unlink $path;
	socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	bind($s, pack_sockaddr_un($path)) or die "bind $path: $!";
	listen($s, SOMAXCONN) or die "listen: $!";
	for (1 .. $n) {
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			open(STDIN, "<&", $s) or die "dup: $!";
			# stdout is the pipe these pids go through.
			open(STDOUT, ">&", STDERR) or die "dup: $!";
			exec @cmd or die "exec: $!";
		}
		print "$pid\n";
	}' "$sock" 2 "$fcgi" 2>>"$base/log/fcgi.log")
[ ${#worker_pids[@]} -eq 2 ] || fail "the workers did not start: $(cat "$base/log/fcgi.log")"
inode=$(awk -v p="$sock" '$8 == p { print $7; exit }' /proc/net/unix)
for pid in "${worker_pids[@]}"; do
	[ "$(readlink "/proc/$pid/fd/0")" = "socket:[$inode]" ] ||
		fail "worker $pid does not have the listening socket on fd 0"
done

port=$(kc_free_port 16000 16999)
cat >"$base/lighttpd.conf" <<EOF
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$root/usr/share/kaicalls/www"
server.errorlog = "$base/log/lighttpd.error.log"
server.pid-file = "$base/run/lighttpd.pid"
server.modules = ("mod_fastcgi", "mod_staticfile")
mimetype.assign = (".css" => "text/css; charset=utf-8")
\$HTTP["url"] !~ "^/static/" {
    fastcgi.server = ("/" => ((
        "socket" => "$sock",
        "check-local" => "disable",
        "fix-root-scriptname" => "enable",
    )))
}
EOF
lighttpd -D -f "$base/lighttpd.conf" </dev/null >>"$base/log/lighttpd.out" 2>&1 &
echo $! >"$base/run/lighttpd.pid"
api=http://127.0.0.1:$port
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "$api/livez" 2>/dev/null && break
	sleep 0.1
done
[ "$(curl -fsS "$api/livez" | jq -r .status)" = ok ] || fail "GET /livez: $(tail -n 5 "$base/log/fcgi.log")"
# The database answers: the program found the installed configuration.
[ "$(curl -fsS "$api/healthz" | jq -r .database)" = ok ] ||
	fail "GET /healthz: $(tail -n 5 "$base/log/fcgi.log")"
[ "$(curl -fsS -H "Authorization: Bearer $key" "$api/v1/business" | jq -r .id)" = "$biz" ] ||
	fail "GET /v1/business with the installed kcctl's key"
lead=$(curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	-d '{"name":"Install Test","phone":"+15555550123","intent":"booking"}' "$api/v1/leads" | jq -r .id)
[ "$(mariadb -N -B -e "SELECT COUNT(*) FROM kaicalls.leads WHERE public_id = '$lead'")" = 1 ] ||
	fail "POST /v1/leads stored no lead $lead"
curl -fsS "$api/static/kaicalls.css" | cmp -s - "$root/usr/share/kaicalls/www/static/kaicalls.css" ||
	fail "GET /static/kaicalls.css is not the installed file"
# Its request metrics went to the run_dir make compiled in (the units'
# @RUNDIR@, here under $root), not to the host's /run/kaicalls.
[ -s "$root/run/kaicalls/http-metrics.shm" ] ||
	fail "no request metrics in $root/run/kaicalls: $(ls -la "$root/run/kaicalls"; tail -n 5 "$base/log/fcgi.log")"
echo "ok: the installed kaicalls.fcgi, on fd 0 like the socket unit's workers, answers through lighttpd"
# systemctl stop sends SIGTERM: each worker finishes and exits.
kill -TERM "${worker_pids[@]}"
for _ in $(seq 1 100); do
	left=0
	for pid in "${worker_pids[@]}"; do kc_alive "$pid" && left=1; done
	[ $left -eq 0 ] && break
	sleep 0.1
done
[ $left -eq 0 ] || fail "a worker did not stop on SIGTERM within 10 s"
worker_pids=()

# --- the jobs: the units' commands and the cron lines ---------------------------
# ExecStart as systemd runs it (no environment but PATH), windows cut to 1 s.
for j in deliver replay maintain outbound; do
	cmd=$(sed -n 's/^ExecStart=//p' "$units/kaicalls-$j.service" | sed -E 's/--for [0-9]+s/--for 1s/')
	# shellcheck disable=SC2086 # a unit's command line, split as systemd does
	env -i PATH=/usr/bin:/bin $cmd >"$base/log/unit-$j.out" 2>&1 ||
		fail "kaicalls-$j.service's command failed: $(tail -n 5 "$base/log/unit-$j.out")"
done
[ -f "$root/run/kaicalls/deliver.lock" ] || fail "the deliver unit took no lock in $root/run/kaicalls"
echo "ok: the job units' commands run with the installed configuration"

cron=$root/usr/share/kaicalls/conf/kaicalls.cron
# run_cron VERB: the installed cron line of VERB, as cron's sh runs it.
run_cron() {
	local line
	line=$(grep -E "^[^#].* $1 " "$cron" | sed -E 's/--for [0-9]+s/--for 1s/') ||
		fail "no $1 line in $cron"
	read -r _ _ _ _ _ user line <<<"$line"
	[ "$user" = root ] || fail "the cron line runs as $user"
	env -i PATH=/usr/bin:/bin sh -c "$line" || fail "the cron line of $1 failed"
}
run_cron deliver
run_cron maintain
logs=$root/var/log/kaicalls
[ -s "$logs/maintain.log" ] && [ -f "$logs/deliver.log" ] || fail "the cron lines wrote no logs in $logs"
echo "ok: the installed cron lines run and log to $logs"

# --- logrotate --------------------------------------------------------------------
lr=$root/usr/share/kaicalls/conf/kaicalls.logrotate
out=$(logrotate -d -s "$base/logrotate.state" "$lr" 2>&1) || fail "logrotate -d: $out"
grep -q "rotating pattern: $logs/\*.log" <<<"$out" || fail "logrotate -d: $out"
# (Its one warning is that -d changes nothing.)
grep -v 'in debug mode does nothing' <<<"$out" | grep -qiE 'error|warning' &&
	fail "logrotate -d: $out"
first=$(cat "$logs/maintain.log")
logrotate -f -s "$base/logrotate.state" "$lr" || fail "logrotate -f"
[ "$(cat "$logs/maintain.log.1")" = "$first" ] || fail "maintain.log was not rotated to maintain.log.1"
[ -f "$logs/maintain.log" ] && [ ! -s "$logs/maintain.log" ] &&
	[ "$(stat -c '%a %U' "$logs/maintain.log")" = "640 root" ] ||
	fail "no new maintain.log: $(ls -l "$logs")"
run_cron maintain
second=$(cat "$logs/maintain.log")
logrotate -f -s "$base/logrotate.state" "$lr" || fail "logrotate -f (twice)"
[ "$(zcat "$logs/maintain.log.2.gz")" = "$first" ] && [ "$(cat "$logs/maintain.log.1")" = "$second" ] ||
	fail "the second rotation: $(ls -l "$logs")"
echo "ok: logrotate -d accepts the installed file; rotations rename, recreate and compress a cron job's log"

# --- README: backups ---------------------------------------------------------------
out=$(cd "$base" && run_block "$(readme_block 'mariadb-dump' | under_root)") ||
	fail "README's backup block failed"
grep -qE '^master_key = [0-9a-f]{64}$' <<<"$out" || fail "README's backup block showed no master_key"
# grep -c reads to the end: grep -q would stop at the first match and
# zcat, writing on, fail with SIGPIPE (pipefail).
zcat "$base"/kaicalls-*.sql.gz | grep -c "INSERT INTO \`leads\`" >/dev/null ||
	fail "README's dump has no leads"
echo "ok: README's backup block dumps the database and shows the master key"
echo "PASS: installed under $root as README says"
