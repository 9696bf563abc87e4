# shellcheck shell=bash
# Shared by scripts/run, scripts/test and scripts/kcctl: install what is
# missing, build, and start/stop the private stack (MariaDB + lighttpd + the
# FastCGI program). All state lives under $KC_VAR; nothing is installed as a
# system service and nothing is started through systemd.
#
# Every function returns non-zero on failure instead of exiting, and checks
# each step itself: scripts/test calls them inside `if`, where bash ignores
# `set -e`, and must carry on to its next stage.

KC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the stack and the tests need on a fresh Debian 12.
# tzdata: business time zones are read from /usr/share/zoneinfo, which
# minimal images lack.
KC_PACKAGES=(gcc make autoconf automake libtool pkg-config libfcgi-dev
	libcurl4-openssl-dev libssl-dev libmariadb-dev mariadb-server
	mariadb-client libjansson-dev libcriterion-dev lighttpd cron wrk jq curl
	ca-certificates tzdata
	# The dashboard's password hashes (argon2id).
	libargon2-dev)

# Debian's hook that lets invoke-rc.d (and deb-systemd-invoke) decide whether
# a package may start its service.
KC_POLICY_RC_D=/usr/sbin/policy-rc.d

kc_say() { printf '==> %s\n' "$*"; }
kc_err() { printf 'error: %s\n' "$*" >&2; }
kc_die() {
	kc_err "$@"
	exit 1
}

# Unix socket paths are limited to 108 bytes (sun_path); a long KC_VAR would
# otherwise fail later with an obscure bind() error.
kc_check_var() {
	if [ -z "${KC_VAR:-}" ]; then
		kc_err "KC_VAR is not set"
		return 1
	fi
	case $KC_VAR in
	/*) ;;
	*)
		kc_err "KC_VAR must be absolute ($KC_VAR)"
		return 1
		;;
	esac
	if [ $((${#KC_VAR} + 24)) -gt 107 ]; then
		kc_err "KC_VAR is too long for unix socket paths: $KC_VAR"
		return 1
	fi
	mkdir -p "$KC_VAR/run" "$KC_VAR/log" "$KC_VAR/tmp" || return 1
	# run/ holds MariaDB's socket, where root needs no password: only
	# this machine's root may enter it.
	chmod 700 "$KC_VAR/run"
}

# --- packages ---------------------------------------------------------------

# kc_install_deps [extra packages...]: installs the packages that are not
# installed yet, and only those; does nothing (and no apt-get update) when
# everything is there.
kc_install_deps() {
	local -a missing=()
	local p log rc=0
	for p in "${KC_PACKAGES[@]}" "$@"; do
		# One line per installed architecture; any "installed" will do.
		if ! dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -qx installed; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		kc_err "missing packages: ${missing[*]} (run as root, or install them)"
		return 1
	fi
	kc_say "installing ${missing[*]}"
	log=$(mktemp /tmp/kaicalls-apt.XXXXXX) || return 1
	# A subshell, so that its EXIT trap removes policy-rc.d however apt-get
	# ends, without replacing the caller's own traps.
	(
		# Maintainer scripts would otherwise start MariaDB, Apache or nginx
		# as system services, which then hold port 80/3306 and outlive us.
		# An existing policy-rc.d belongs to the machine: leave it alone.
		if [ ! -e "$KC_POLICY_RC_D" ]; then
			trap 'rm -f "$KC_POLICY_RC_D"' EXIT
			trap 'exit 130' INT TERM
			printf '#!/bin/sh\n# Temporary, from KaiCalls scripts/lib.sh: no service starts.\nexit 101\n' \
				>"$KC_POLICY_RC_D" || exit 1
			chmod 755 "$KC_POLICY_RC_D" || exit 1
		fi
		# The lock timeout covers a CI image still running its own apt at boot.
		apt-get -o DPkg::Lock::Timeout=300 update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
				install -y -q --no-install-recommends "${missing[@]}"
	) >"$log" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 40 "$log" >&2
		kc_err "apt-get failed (exit $rc); full output in $log"
		return 1
	fi
	rm -f "$log"
}

# --- build ------------------------------------------------------------------

# kc_build BUILDDIR [configure args...]: an out-of-tree build (BUILDDIR is
# relative to the repository unless absolute). configure runs only when the
# build dir has none yet or the arguments differ from last time, so repeated
# runs are incremental.
kc_build() {
	local dir=$1 want
	shift
	case $dir in
	/*) ;;
	*) dir=$KC_ROOT/$dir ;;
	esac
	if [ -f "$KC_ROOT/config.status" ]; then
		kc_err "the source tree is configured in-tree; run 'make distclean' in $KC_ROOT first"
		return 1
	fi
	if [ ! -x "$KC_ROOT/configure" ] ||
		[ "$KC_ROOT/configure.ac" -nt "$KC_ROOT/configure" ] ||
		[ "$KC_ROOT/Makefile.am" -nt "$KC_ROOT/configure" ]; then
		kc_say "generating configure (autogen.sh)"
		(cd "$KC_ROOT" && ./autogen.sh) || {
			kc_err "autogen.sh failed"
			return 1
		}
	fi
	mkdir -p "$dir" || return 1
	# Quoted, so that one argument with a space differs from two arguments.
	want=${*@Q}
	if [ ! -f "$dir/Makefile" ] ||
		[ "$(cat "$dir/.kc-configure-args" 2>/dev/null)" != "$want" ]; then
		# Forget the old arguments first: a failed configure must be
		# retried next time even if the arguments are the same.
		rm -f "$dir/.kc-configure-args"
		kc_say "configuring ${dir#"$KC_ROOT"/}${*:+ ($*)}"
		if ! (cd "$dir" && "$KC_ROOT/configure" "$@") >"$dir/configure.out" 2>&1; then
			tail -n 30 "$dir/configure.out" >&2
			kc_err "configure failed (see $dir/configure.out and $dir/config.log)"
			return 1
		fi
		printf '%s\n' "$want" >"$dir/.kc-configure-args"
		# Objects depend on sources and headers, not on flags: without
		# this, switching to --enable-werror would recompile nothing.
		make -C "$dir" --no-print-directory clean >/dev/null || return 1
	fi
	kc_say "building ${dir#"$KC_ROOT"/}"
	make -C "$dir" --no-print-directory -j2 || {
		kc_err "build failed in $dir"
		return 1
	}
}

# --- processes --------------------------------------------------------------

# kc_alive PID: the process exists and is not a zombie. A plain kill -0 is
# not enough: a daemon reparented to a PID 1 that does not reap (a bare
# container) stays a zombie forever.
kc_alive() {
	local stat
	[ -n "${1:-}" ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# kc_pidfile_alive FILE NAME: prints the pid recorded in FILE if that
# process is alive and is NAME; fails (and removes a stale FILE) otherwise.
# The name matters: after a reboot the pid in a leftover file may belong to
# an unrelated process, which must not be reused or killed.
kc_pidfile_alive() {
	local pid comm i
	[ -f "$1" ] || return 1
	# MariaDB and lighttpd rewrite their pid file as they start (truncate,
	# then write): an empty read is that moment, not a dead process.
	for ((i = 0; i < 20; i++)); do
		pid=$(cat "$1" 2>/dev/null) || return 1
		[ -z "$pid" ] || break
		sleep 0.05
	done
	[ -n "$pid" ] || return 1
	if [[ $pid =~ ^[0-9]+$ ]] && kc_alive "$pid"; then
		comm=$(cat "/proc/$pid/comm" 2>/dev/null) || comm=
		if [ "$comm" = "$2" ]; then
			echo "$pid"
			return 0
		fi
	fi
	rm -f "$1"
	return 1
}

# kc_children PID: the pids whose parent is PID (from /proc, so that procps
# is not needed).
kc_children() {
	local f stat ppid
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		stat=${stat##*) }
		read -r _ ppid _ <<<"$stat"
		if [ "$ppid" = "$1" ]; then
			f=${f#/proc/}
			echo "${f%/stat}"
		fi
	done
}

# kc_stop_pids SECONDS PID...: SIGTERM, then SIGKILL whatever is still alive
# after SECONDS.
kc_stop_pids() {
	local secs=$1 pid i left
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((i = 0; i < secs * 5; i++)); do
		left=0
		for pid in "$@"; do
			if kc_alive "$pid"; then
				left=1
				break
			fi
		done
		[ $left -eq 1 ] || return 0
		sleep 0.2
	done
	for pid in "$@"; do
		if kc_alive "$pid"; then
			kc_err "pid $pid did not stop in ${secs}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
}

# kc_port_busy PORT: something accepts connections on 127.0.0.1:PORT.
kc_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# kc_free_port LOW HIGH: prints a port in [LOW, HIGH] nobody listens on.
kc_free_port() {
	local p
	for p in $(shuf -i "$1-$2" -n 50); do
		if ! kc_port_busy "$p"; then
			echo "$p"
			return 0
		fi
	done
	kc_err "no free port in $1-$2"
	return 1
}

# --- MariaDB ----------------------------------------------------------------

# The private instance's root, over its socket (root has no password there,
# and --skip-networking means only this machine's root can reach it).
kc_db_admin() {
	mariadb --no-defaults -S "$KC_VAR/run/mysql.sock" -uroot "$@"
}

# kc_conf_get KEY: the value of KEY in an existing $KC_VAR/kaicalls.conf.
kc_conf_get() {
	local f=$KC_VAR/kaicalls.conf
	[ -f "$f" ] || return 0
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$f" | tail -n 1 |
		sed 's/[[:space:]]*$//'
}

# kc_random_hex BYTES: BYTES random bytes from the kernel CSPRNG, in hex.
kc_random_hex() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# Loads the application's DB password and the master key into
# kc_app_password and kc_master_key: the ones of an earlier run if
# kaicalls.conf has them, new random ones otherwise. The master key seals
# webhook secrets at rest, so a malformed one is an error, never replaced.
kc_secrets_load() {
	if [ -z "${kc_master_key:-}" ]; then
		kc_master_key=$(kc_conf_get master_key)
		if [ -z "$kc_master_key" ]; then
			kc_master_key=$(kc_random_hex 32)
		elif ! [[ $kc_master_key =~ ^[0-9a-fA-F]{64}$ ]]; then
			kc_err "master_key in $KC_VAR/kaicalls.conf is not 64 hex characters; fix it by hand"
			kc_master_key=
			return 1
		fi
	fi
	if [ -z "${kc_app_password:-}" ]; then
		kc_app_password=$(kc_conf_get db_password)
		# Only a password this file generated is reused for the private DB
		# (an external DB's password may be anything; it is not used here).
		if ! [[ $kc_app_password =~ ^[0-9a-f]{32}$ ]]; then
			kc_app_password=$(kc_random_hex 16)
		fi
	fi
}

# kc_db_start: the private MariaDB under $KC_VAR/db, or nothing at all when
# KC_DB_HOST names an external server. Then the database and the
# application user exist, with the password kc_write_conf records.
kc_db_start() {
	local pid i
	kc_check_var || return 1
	if [ -n "${KC_DB_HOST:-}" ]; then
		kc_say "using the MariaDB at $KC_DB_HOST:${KC_DB_PORT:-3306} (nothing started)"
		# One early, clear failure instead of one per request later.
		if ! MYSQL_PWD=${KC_DB_PASSWORD:-} mariadb --no-defaults \
			-h "$KC_DB_HOST" -P "${KC_DB_PORT:-3306}" -u "${KC_DB_USER:-kaicalls}" \
			-e 'SELECT 1' "${KC_DB_NAME:-kaicalls}" >/dev/null; then
			kc_err "cannot connect to $KC_DB_HOST:${KC_DB_PORT:-3306} as ${KC_DB_USER:-kaicalls}"
			return 1
		fi
		return 0
	fi
	if ! command -v mariadbd >/dev/null; then
		kc_err "mariadbd not found (apt-get install mariadb-server)"
		return 1
	fi
	if [ ! -d "$KC_VAR/db/mysql" ]; then
		kc_say "creating a private MariaDB in $KC_VAR/db"
		# Its temp tables in our own dir, not /tmp: there, on a shared
		# machine, files named after a pid were seen removed mid-install.
		if ! mariadb-install-db --no-defaults --datadir="$KC_VAR/db" --user=root \
			--tmpdir="$KC_VAR/tmp" \
			--auth-root-authentication-method=normal --skip-test-db \
			>"$KC_VAR/log/mariadb-install.log" 2>&1; then
			kc_err "mariadb-install-db failed (see $KC_VAR/log/mariadb-install.log)"
			return 1
		fi
	fi
	if pid=$(kc_pidfile_alive "$KC_VAR/run/mysqld.pid" mariadbd); then
		# Left over from a run that was killed: the same datadir, so reuse it.
		kc_say "MariaDB already running (pid $pid)"
	else
		kc_say "starting MariaDB (socket $KC_VAR/run/mysql.sock)"
		mariadbd --no-defaults --datadir="$KC_VAR/db" --user=root \
			--socket="$KC_VAR/run/mysql.sock" --tmpdir="$KC_VAR/tmp" \
			--skip-networking --skip-log-bin \
			--pid-file="$KC_VAR/run/mysqld.pid" --innodb-buffer-pool-size=256M \
			--max-connections=500 --log-error="$KC_VAR/log/mariadb.err" \
			</dev/null >>"$KC_VAR/log/mariadb.out" 2>&1 &
		pid=$!
		# Recorded at once (mariadbd rewrites it with the same pid later),
		# so that kc_stop_all can stop a server that is still starting.
		echo "$pid" >"$KC_VAR/run/mysqld.pid"
		# Followed by its pid file, not as a job: bash still reaps it,
		# but does not print "Killed" when tests/crash SIGKILLs it.
		disown "$pid"
	fi
	for ((i = 0; i < 60; i++)); do
		kc_db_admin -e 'SELECT 1' >/dev/null 2>&1 && break
		if ! kc_alive "$pid"; then
			break
		fi
		sleep 0.5
	done
	if ! kc_db_admin -e 'SELECT 1' >/dev/null 2>&1; then
		tail -n 20 "$KC_VAR/log/mariadb.err" >&2 2>/dev/null
		kc_err "MariaDB did not answer within 30 s (see $KC_VAR/log/mariadb.err)"
		return 1
	fi
	kc_secrets_load || return 1
	# ALTER USER as well as CREATE: the password in kaicalls.conf is the
	# truth, even if an earlier run died between the two steps.
	kc_db_admin <<-SQL || {
		CREATE DATABASE IF NOT EXISTS kaicalls
		    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
		CREATE USER IF NOT EXISTS 'kaicalls'@'localhost' IDENTIFIED BY '$kc_app_password';
		ALTER USER 'kaicalls'@'localhost' IDENTIFIED BY '$kc_app_password';
	SQL
		kc_err "could not create the database and the application user"
		return 1
	}
}

# kc_write_conf: $KC_VAR/kaicalls.conf, readable by root only (it holds the
# DB password and the master key). Rewritten on every run from the current
# settings, keeping the password and master key of earlier runs.
kc_write_conf() {
	local conf=$KC_VAR/kaicalls.conf
	kc_check_var || return 1
	kc_secrets_load || return 1
	(
		umask 077
		{
			echo "# Written by scripts/lib.sh (kc_write_conf); rewritten on every run."
			echo "# db_password and master_key are kept across runs: losing master_key"
			echo "# loses every webhook secret sealed with it."
			if [ -n "${KC_DB_HOST:-}" ]; then
				echo "db_host = $KC_DB_HOST"
				echo "db_port = ${KC_DB_PORT:-3306}"
				echo "db_user = ${KC_DB_USER:-kaicalls}"
				echo "db_password = ${KC_DB_PASSWORD:-}"
			else
				echo "db_socket = $KC_VAR/run/mysql.sock"
				echo "db_user = kaicalls"
				echo "db_password = $kc_app_password"
			fi
			echo "db_name = ${KC_DB_NAME:-kaicalls}"
			echo "sql_dir = $KC_ROOT/sql"
			echo "master_key = $kc_master_key"
			echo "log_level = info"
			# Development and tests deliver to receivers on loopback.
			echo "webhook_allow_hosts = 127.0.0.1,localhost"
			# GET /metrics from this machine (the tests scrape it), and
			# the FastCGI processes' shared request metrics beside
			# their socket.
			echo "metrics_allow = 127.0.0.1,::1"
			echo "run_dir = $KC_VAR/run"
			# The dashboard's templates, from the repository.
			echo "www_dir = $KC_ROOT/www"
			# The test receiver's self-signed certificate (kc_receiver_start).
			if [ -n "${KC_DELIVERY_CA_FILE:-}" ]; then
				echo "delivery_ca_file = $KC_DELIVERY_CA_FILE"
			fi
		} >"$conf.new" && chmod 600 "$conf.new" && mv -f "$conf.new" "$conf"
	) || {
		kc_err "could not write $conf"
		return 1
	}
}

# kc_migrate KCCTL: applies the migrations. The application user has no DDL
# rights, so on the private DB they run as root over the socket; then the
# application user gets SELECT and INSERT everywhere and UPDATE and DELETE
# on every table but audit_log, which stays append-only for the
# application, and schema_migrations, which only kcctl migrate writes.
# With an external DB, the given credentials must be allowed to migrate and
# its grants are the DBA's business.
kc_migrate() {
	local kcctl=$1 conf=$KC_VAR/kaicalls.conf t sql stale
	local keep="'audit_log', 'schema_migrations'"
	if [ ! -x "$kcctl" ]; then
		kc_err "$kcctl is not built"
		return 1
	fi
	kc_say "migrating the database"
	if [ -n "${KC_DB_HOST:-}" ]; then
		"$kcctl" --conf "$conf" migrate || {
			kc_err "migration failed"
			return 1
		}
		return 0
	fi
	KC_DB_USER=root KC_DB_PASSWORD='' "$kcctl" --conf "$conf" migrate || {
		kc_err "migration failed"
		return 1
	}
	sql="GRANT SELECT, INSERT ON \`kaicalls\`.* TO 'kaicalls'@'localhost';"
	# A database-wide UPDATE/DELETE (granted by hand, say) would defeat the
	# per-table grants below: take it back.
	stale=$(kc_db_admin -N -B -e "SELECT COUNT(*) FROM information_schema.schema_privileges
		WHERE grantee = '''kaicalls''@''localhost''' AND table_schema = 'kaicalls'
		AND privilege_type IN ('UPDATE', 'DELETE')") || return 1
	if [ "$stale" != 0 ]; then
		sql+="REVOKE UPDATE, DELETE ON \`kaicalls\`.* FROM 'kaicalls'@'localhost';"
	fi
	# Also on the two tables kept out (granted by hand, or by an older
	# version of this function).
	stale=$(kc_db_admin -N -B -e "SELECT DISTINCT table_name FROM information_schema.table_privileges
		WHERE grantee = '''kaicalls''@''localhost''' AND table_schema = 'kaicalls'
		AND table_name IN ($keep) AND privilege_type IN ('UPDATE', 'DELETE')") || return 1
	for t in $stale; do
		sql+="REVOKE ALL PRIVILEGES ON \`kaicalls\`.\`$t\` FROM 'kaicalls'@'localhost';"
	done
	for t in $(kc_db_admin -N -B -e "SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'kaicalls' AND table_type = 'BASE TABLE'
		AND table_name NOT IN ($keep)"); do
		sql+="GRANT UPDATE, DELETE ON \`kaicalls\`.\`$t\` TO 'kaicalls'@'localhost';"
	done
	kc_db_admin -e "$sql" || {
		kc_err "could not grant the application user its rights"
		return 1
	}
}

# --- lighttpd + FastCGI -----------------------------------------------------

# kc_web_start FCGI_BINARY: lighttpd (conf/lighttpd.conf) on 127.0.0.1:$KC_PORT,
# spawning the FastCGI program; returns once GET /livez answers.
kc_web_start() {
	local fcgi=$1 pid i
	kc_check_var || return 1
	case $fcgi in
	/*) ;;
	*) fcgi=$PWD/$fcgi ;;
	esac
	if [ ! -x "$fcgi" ]; then
		kc_err "$fcgi is not built"
		return 1
	fi
	if [ -z "${KC_PORT:-}" ]; then
		kc_err "KC_PORT is not set"
		return 1
	fi
	# A lighttpd or FastCGI processes left on this KC_VAR by an earlier run
	# that was killed are ours: stop them, so that the new binary serves.
	if pid=$(kc_pidfile_alive "$KC_VAR/run/lighttpd.pid" lighttpd); then
		kc_say "stopping the lighttpd of an earlier run (pid $pid)"
	fi
	kc_stop_web
	if kc_port_busy "$KC_PORT"; then
		kc_err "port $KC_PORT is in use: set KC_PORT to a free one"
		return 1
	fi
	# What conf/lighttpd.conf reads with env.*, and what lighttpd hands on
	# to the FastCGI processes (bin-copy-environment). Sanitizer options are
	# passed only if the caller set them.
	export KC_VAR KC_PORT KC_FCGI=$fcgi KC_WWW=$KC_ROOT/www
	export KC_CONF=$KC_VAR/kaicalls.conf
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	if ! lighttpd -tt -f "$KC_ROOT/conf/lighttpd.conf" >"$KC_VAR/log/lighttpd-check.log" 2>&1; then
		cat "$KC_VAR/log/lighttpd-check.log" >&2
		kc_err "lighttpd rejected conf/lighttpd.conf"
		return 1
	fi
	kc_say "starting lighttpd on 127.0.0.1:$KC_PORT"
	lighttpd -D -f "$KC_ROOT/conf/lighttpd.conf" </dev/null >>"$KC_VAR/log/lighttpd.out" 2>&1 &
	pid=$!
	echo "$pid" >"$KC_VAR/run/lighttpd.pid"
	for ((i = 0; i < 100; i++)); do
		if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$KC_PORT/livez" 2>/dev/null; then
			return 0
		fi
		kc_alive "$pid" || break
		sleep 0.2
	done
	tail -n 20 "$KC_VAR/log/lighttpd.out" "$KC_VAR/log/lighttpd.error.log" >&2 2>/dev/null
	kc_err "GET http://127.0.0.1:$KC_PORT/livez did not answer within 20 s (logs in $KC_VAR/log/)"
	kc_stop_web
	return 1
}

# kc_stop_orphans: FastCGI processes still listening on this KC_VAR's
# sockets after their lighttpd was killed with SIGKILL. Left alone, they
# would keep serving: a new lighttpd finds their sockets answering and uses
# them instead of spawning the new binary. They are found by the listening
# socket they hold as stdin: /proc/net/unix maps its inode to its path.
kc_stop_orphans() {
	local f link
	local -a inodes pids=()
	mapfile -t inodes < <(awk -v p="$KC_VAR/run/kaicalls.sock" \
		'index($8, p) == 1 { print "socket:[" $7 "]" }' /proc/net/unix)
	[ ${#inodes[@]} -gt 0 ] || return 0
	for f in /proc/[0-9]*/fd/0; do
		link=$(readlink "$f" 2>/dev/null) || continue
		case " ${inodes[*]} " in
		*" $link "*)
			f=${f#/proc/}
			pids+=("${f%/fd/0}")
			;;
		esac
	done
	if [ ${#pids[@]} -gt 0 ]; then
		kc_say "stopping orphaned FastCGI processes (${pids[*]})"
		kc_stop_pids 30 "${pids[@]}"
	fi
}

# kc_stop_web: lighttpd, then the FastCGI processes it spawned: lighttpd
# sends them SIGTERM but does not wait for them, and the sanitizer reports
# they write as they exit must be complete before anyone looks. If lighttpd
# died on its own, its orphans are found by their sockets.
kc_stop_web() {
	local pid
	local -a kids=()
	if pid=$(kc_pidfile_alive "$KC_VAR/run/lighttpd.pid" lighttpd); then
		mapfile -t kids < <(kc_children "$pid")
		kc_stop_pids 30 "$pid"
		kc_stop_pids 30 "${kids[@]}"
		rm -f "$KC_VAR/run/lighttpd.pid"
	fi
	kc_stop_orphans
}

# --- Apache and nginx in front of spawn-fcgi (scripts/test) -----------------

# The shipped site configs, conf/apache-kaicalls.conf and
# conf/nginx-kaicalls.conf, run for real: the FastCGI program started by
# spawn-fcgi on a unix socket, as their comments say, and each server with a
# private top-level config around its site, of which only the addresses and
# ports, the certificate, the socket, the document root and the log dir are
# replaced. Nothing of the machine's own Apache or nginx is used but their
# modules and mime types.
#
# Their workers run as www-data, which may enter neither $KC_VAR (0700 under
# scripts/test) nor perhaps the repository: the socket, the generated
# configs, a copy of www/, the certificate and nginx's temp dirs are in a
# directory of their own, named in $KC_VAR/run/sites.dir. Logs go to
# $KC_VAR/log/ (the servers open them as root).
KC_SITES_USER=www-data

# kc_sites_dir: prints that directory, made on first use, with a throwaway
# self-signed certificate for the sites' HTTPS (cert.pem, which clients
# pass to curl --cacert, and key.pem).
kc_sites_dir() {
	local dir
	kc_check_var || return 1
	dir=$(cat "$KC_VAR/run/sites.dir" 2>/dev/null) || dir=
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		echo "$dir"
		return 0
	fi
	# With a copy of the repository's www/, where the workers can read it.
	if ! dir=$(mktemp -d /tmp/kaicalls-sites.XXXXXX) ||
		! echo "$dir" >"$KC_VAR/run/sites.dir" ||
		! chgrp "$KC_SITES_USER" "$dir" || ! chmod 0710 "$dir" ||
		! cp -R "$KC_ROOT/www" "$dir/www" || ! chmod -R a+rX "$dir/www"; then
		kc_err "could not make a directory for Apache and nginx"
		return 1
	fi
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-days 7 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1; then
		cat "$dir/openssl.log" >&2
		kc_err "openssl could not make the sites' certificate"
		return 1
	fi
	echo "$dir"
}

# kc_fcgi_spawn FCGI_BINARY: two processes of the program on
# $dir/kaicalls.sock, the socket mode 0660 and owned by www-data (as the
# sites' comments advise), with this stack's KC_CONF and the caller's
# sanitizer options. The program runs as root here: it reads
# $KC_VAR/kaicalls.conf.
kc_fcgi_spawn() {
	local fcgi=$1 dir
	dir=$(kc_sites_dir) || return 1
	case $fcgi in
	/*) ;;
	*) fcgi=$PWD/$fcgi ;;
	esac
	if [ ! -x "$fcgi" ]; then
		kc_err "$fcgi is not built"
		return 1
	fi
	if ! command -v spawn-fcgi >/dev/null; then
		kc_err "spawn-fcgi not found (apt-get install spawn-fcgi)"
		return 1
	fi
	kc_stop_spawned
	rm -f "$dir/kaicalls.sock"
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	# spawn-fcgi points the program's stderr at /dev/null; the shell puts
	# it back on a log before it becomes the program.
	# shellcheck disable=SC2016 # expanded by that shell
	if ! KC_CONF=$KC_VAR/kaicalls.conf spawn-fcgi -s "$dir/kaicalls.sock" \
		-M 0660 -U "$KC_SITES_USER" -G "$KC_SITES_USER" -F 2 \
		-P "$KC_VAR/run/spawn-fcgi.pid" -- /bin/sh -c 'exec "$0" 2>>"$1"' \
		"$fcgi" "$KC_VAR/log/fcgi-spawned.log" \
		</dev/null >>"$KC_VAR/log/spawn-fcgi.log" 2>&1; then
		tail -n 20 "$KC_VAR/log/spawn-fcgi.log" "$KC_VAR/log/fcgi-spawned.log" >&2
		kc_err "spawn-fcgi could not start $fcgi"
		return 1
	fi
}

# kc_site_conf SRC DEST [sed args...]: SRC with the sed args applied, and
# the document root, socket and certificate of a Debian install replaced by
# ours. Fails if anything of the install (a path, port 80 or 443) is left,
# so that a change to the shipped file cannot leave the test looking
# elsewhere.
kc_site_conf() {
	local src=$1 dest=$2 dir
	shift 2
	dir=$(kc_sites_dir) || return 1
	sed "$@" -e "s|/usr/share/kaicalls/www|$dir/www|g" \
		-e "s|/run/kaicalls/kaicalls.sock|$dir/kaicalls.sock|g" \
		-e "s|/etc/ssl/certs/ssl-cert-snakeoil.pem|$dir/cert.pem|g" \
		-e "s|/etc/ssl/private/ssl-cert-snakeoil.key|$dir/key.pem|g" \
		"$src" >"$dest" || return 1
	if grep -v '^[[:space:]]*#' "$dest" |
		grep -nE '(^|[^0-9])(80|443|8080)([^0-9]|$)|/usr/share/kaicalls|/var/lib/kaicalls|/etc/ssl/' >&2; then
		kc_err "${src#"$KC_ROOT"/}: the lines above were not adapted (see kc_site_conf)"
		return 1
	fi
}

# kc_site_wait NAME PID PORT LOG...: GET /livez answers 200 through the
# server's HTTPS (so it reached the program) within 20 s.
kc_site_wait() {
	local name=$1 pid=$2 port=$3 i dir
	shift 3
	dir=$(kc_sites_dir) || return 1
	for ((i = 0; i < 100; i++)); do
		if curl -fsS --max-time 2 --cacert "$dir/cert.pem" -o /dev/null \
			"https://127.0.0.1:$port/livez" 2>/dev/null; then
			return 0
		fi
		kc_alive "$pid" || break
		sleep 0.2
	done
	tail -n 20 "$@" >&2 2>/dev/null
	kc_err "$name: GET https://127.0.0.1:$port/livez did not answer within 20 s"
	return 1
}

# kc_apache_start PORT HTTP_PORT: Apache with conf/apache-kaicalls.conf, its
# HTTPS host on 127.0.0.1:PORT and its plain-HTTP one (which only
# redirects) on 127.0.0.1:HTTP_PORT, in front of kc_fcgi_spawn's socket.
kc_apache_start() {
	local port=$1 http=$2 dir log=$KC_VAR/log/apache2 m ext pid p
	dir=$(kc_sites_dir) || return 1
	if ! command -v apache2 >/dev/null; then
		kc_err "apache2 not found (apt-get install apache2)"
		return 1
	fi
	kc_stop_pidfile apache2
	for p in "$port" "$http"; do
		if kc_port_busy "$p"; then
			kc_err "port $p is in use (Apache)"
			return 1
		fi
	done
	mkdir -p "$log"
	kc_site_conf "$KC_ROOT/conf/apache-kaicalls.conf" "$dir/apache-site.conf" \
		-e "s|<VirtualHost \*:443>|<VirtualHost 127.0.0.1:$port>|" \
		-e "s|<VirtualHost \*:80>|<VirtualHost 127.0.0.1:$http>|" || return 1
	{
		echo "# Generated by scripts/lib.sh (kc_apache_start): Debian's modules,"
		echo "# none of its sites; what Debian's apache2.conf and ports.conf"
		echo "# would add is here."
		echo "ServerRoot /etc/apache2"
		echo "DefaultRuntimeDir $dir"
		echo "PidFile $dir/apache2.pid"
		echo "ErrorLog $log/error.log"
		echo "ServerName localhost"
		echo "User $KC_SITES_USER"
		echo "Group $KC_SITES_USER"
		echo "Define APACHE_LOG_DIR $log"
		echo "Define APACHE_RUN_DIR $dir"
		echo "Listen 127.0.0.1:$http"
		echo "Listen 127.0.0.1:$port https"
		echo 'LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined'
		# What the site needs (a2enmod ssl proxy proxy_fcgi headers; ssl
		# needs socache_shmcb) and what Debian enables by default
		# (authz_host for Require ip, alias for Redirect: without
		# alias.conf's /icons/).
		for m in mpm_event authz_core authz_host alias mime socache_shmcb ssl \
			proxy proxy_fcgi headers; do
			for ext in load conf; do
				[ "$m.$ext" != alias.conf ] || continue
				if [ -f "/etc/apache2/mods-available/$m.$ext" ]; then
					echo "Include /etc/apache2/mods-available/$m.$ext"
				fi
			done
		done
		printf '<Directory />\n\tAllowOverride None\n\tRequire all denied\n</Directory>\n'
		echo "Include $dir/apache-site.conf"
	} >"$dir/apache2.conf" || return 1
	if ! apache2 -t -f "$dir/apache2.conf" >"$log/check.log" 2>&1; then
		cat "$log/check.log" >&2
		kc_err "Apache rejected conf/apache-kaicalls.conf (as $dir/apache2.conf)"
		return 1
	fi
	kc_say "starting Apache on 127.0.0.1:$port (HTTPS) and :$http"
	apache2 -f "$dir/apache2.conf" -DFOREGROUND </dev/null >>"$log/apache2.out" 2>&1 &
	pid=$!
	echo "$pid" >"$KC_VAR/run/apache2.pid"
	kc_site_wait Apache "$pid" "$port" "$log/apache2.out" "$log/error.log" || {
		kc_stop_pidfile apache2
		return 1
	}
}

# kc_nginx_start PORT HTTP_PORT: nginx with conf/nginx-kaicalls.conf, its
# HTTPS server on 127.0.0.1:PORT and its plain-HTTP one (which only
# redirects) on 127.0.0.1:HTTP_PORT, in front of kc_fcgi_spawn's socket.
# The site's IPv6 listens are left out: the machine may have no IPv6.
kc_nginx_start() {
	local port=$1 http=$2 dir log=$KC_VAR/log/nginx t pid p
	dir=$(kc_sites_dir) || return 1
	if ! command -v nginx >/dev/null; then
		kc_err "nginx not found (apt-get install nginx)"
		return 1
	fi
	kc_stop_pidfile nginx
	for p in "$port" "$http"; do
		if kc_port_busy "$p"; then
			kc_err "port $p is in use (nginx)"
			return 1
		fi
	done
	mkdir -p "$log"
	kc_site_conf "$KC_ROOT/conf/nginx-kaicalls.conf" "$dir/nginx-site.conf" \
		-e '/^[[:space:]]*listen \[::\]:\(80\|443 ssl\);$/d' \
		-e "s|^\([[:space:]]*\)listen 443 ssl;$|\1listen 127.0.0.1:$port ssl;|" \
		-e "s|^\([[:space:]]*\)listen 80;$|\1listen 127.0.0.1:$http;|" || return 1
	# The site's "include fastcgi_params;" resolves beside the main file,
	# as it does in /etc/nginx.
	cp /etc/nginx/fastcgi_params "$dir/" || return 1
	{
		echo "# Generated by scripts/lib.sh (kc_nginx_start): the http {} of"
		echo "# Debian's nginx.conf, reduced to what the site needs."
		echo "user $KC_SITES_USER;"
		echo "worker_processes 1;"
		echo "pid $dir/nginx.pid;"
		echo "error_log $log/error.log;"
		echo "events { worker_connections 64; }"
		echo "http {"
		echo "    include /etc/nginx/mime.types;"
		echo "    default_type application/octet-stream;"
		echo "    access_log $log/access.log;"
		for t in client_body fastcgi proxy uwsgi scgi; do
			echo "    ${t}_temp_path $dir/nginx-$t;"
		done
		echo "    include $dir/nginx-site.conf;"
		echo "}"
	} >"$dir/nginx.conf" || return 1
	# -e: the error log nginx opens before it has read its configuration.
	if ! nginx -t -p "$dir" -e "$log/error.log" -c "$dir/nginx.conf" >"$log/check.log" 2>&1; then
		cat "$log/check.log" >&2
		kc_err "nginx rejected conf/nginx-kaicalls.conf (as $dir/nginx.conf)"
		return 1
	fi
	kc_say "starting nginx on 127.0.0.1:$port (HTTPS) and :$http"
	nginx -p "$dir" -e "$log/error.log" -c "$dir/nginx.conf" -g 'daemon off;' \
		</dev/null >>"$log/nginx.out" 2>&1 &
	pid=$!
	echo "$pid" >"$KC_VAR/run/nginx.pid"
	kc_site_wait nginx "$pid" "$port" "$log/nginx.out" "$log/error.log" || {
		kc_stop_pidfile nginx
		return 1
	}
}

# kc_stop_pidfile NAME: the process of $KC_VAR/run/NAME.pid, if it is NAME.
kc_stop_pidfile() {
	local pid
	if pid=$(kc_pidfile_alive "$KC_VAR/run/$1.pid" "$1"); then
		kc_stop_pids 30 "$pid"
	fi
	rm -f "$KC_VAR/run/$1.pid"
}

# kc_stop_spawned: the processes kc_fcgi_spawn started (spawn-fcgi itself
# is gone by then: they are nobody's children).
kc_stop_spawned() {
	local pid
	local -a pids=()
	[ -f "$KC_VAR/run/spawn-fcgi.pid" ] || return 0
	# One pid a line, the last without a newline.
	while read -r pid || [ -n "$pid" ]; do
		if [[ $pid =~ ^[0-9]+$ ]] && kc_alive "$pid" &&
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = kaicalls.fcgi ]; then
			pids+=("$pid")
		fi
	done <"$KC_VAR/run/spawn-fcgi.pid"
	kc_stop_pids 30 "${pids[@]}"
	rm -f "$KC_VAR/run/spawn-fcgi.pid"
}

# kc_stop_sites: Apache and nginx, then the program behind them (whose
# sanitizer reports are complete once it has exited), then their directory.
kc_stop_sites() {
	local dir
	kc_stop_pidfile apache2
	kc_stop_pidfile nginx
	kc_stop_spawned
	dir=$(cat "$KC_VAR/run/sites.dir" 2>/dev/null) || return 0
	case $dir in /tmp/kaicalls-sites.*) rm -rf "$dir" ;; esac
	rm -f "$KC_VAR/run/sites.dir"
}

# --- a webhook receiver for tests and benchmarks -----------------------------

# kc_receiver_start PORT: tests/receiver/receiver.mjs over HTTPS on
# 127.0.0.1:PORT with a throwaway self-signed certificate; exports
# KC_RECEIVER_URL and KC_DELIVERY_CA_FILE (which the delivery worker then
# trusts, as it would a public CA for a real receiver).
kc_receiver_start() {
	local port=$1 dir=$KC_VAR/receiver pid i
	kc_check_var || return 1
	mkdir -p "$dir"
	kc_stop_receiver
	if kc_port_busy "$port"; then
		kc_err "port $port is in use (receiver)"
		return 1
	fi
	if [ ! -s "$dir/cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-days 7 -subj /CN=localhost \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1 || {
			kc_err "openssl could not make the receiver's certificate"
			return 1
		}
	fi
	node "$KC_ROOT/tests/receiver/receiver.mjs" "$port" "$dir/cert.pem" "$dir/key.pem" \
		</dev/null >>"$KC_VAR/log/receiver.out" 2>&1 &
	pid=$!
	echo "$pid" >"$KC_VAR/run/receiver.pid"
	for ((i = 0; i < 100; i++)); do
		if curl -fsS --max-time 2 --cacert "$dir/cert.pem" -o /dev/null \
			"https://127.0.0.1:$port/_stats" 2>/dev/null; then
			export KC_RECEIVER_URL="https://127.0.0.1:$port"
			export KC_DELIVERY_CA_FILE="$dir/cert.pem"
			return 0
		fi
		kc_alive "$pid" || break
		sleep 0.1
	done
	tail -n 20 "$KC_VAR/log/receiver.out" >&2
	kc_err "the receiver did not start on port $port"
	return 1
}

kc_stop_receiver() {
	local pid
	if pid=$(kc_pidfile_alive "$KC_VAR/run/receiver.pid" node); then
		kc_stop_pids 10 "$pid"
	fi
	rm -f "$KC_VAR/run/receiver.pid"
}

# --- the fake carrier for tests (tests/carrier/carrier.mjs) ------------------

# kc_carrier_start PORT: the fake Twilio over HTTPS on 127.0.0.1:PORT, with
# a throwaway self-signed certificate and an account (SID and auth token)
# of its own, both kept in $KC_VAR/carrier/; exports KC_FAKE_CARRIER_URL
# and KC_FAKE_CARRIER_CA, which kc_carrier_conf writes into the
# configuration. It signs callbacks with the npm twilio package from
# tests/interop (npm ci there first), and trusts the test receiver's
# certificate (KC_DELIVERY_CA_FILE) when it calls back to it.
kc_carrier_start() {
	local port=$1 dir=$KC_VAR/carrier pid i sid token
	local -a env=()
	kc_check_var || return 1
	mkdir -p "$dir"
	kc_stop_carrier
	if kc_port_busy "$port"; then
		kc_err "port $port is in use (fake carrier)"
		return 1
	fi
	if [ ! -s "$dir/cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-days 7 -subj /CN=localhost \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1 || {
			kc_err "openssl could not make the fake carrier's certificate"
			return 1
		}
	fi
	if [ ! -s "$dir/account" ]; then
		(umask 077 && printf 'AC%s %s\n' "$(kc_random_hex 16)" \
			"$(kc_random_hex 16)" >"$dir/account") || return 1
	fi
	read -r sid token <"$dir/account" || return 1
	env=(KC_FAKE_CARRIER_SID="$sid" KC_FAKE_CARRIER_TOKEN="$token")
	if [ -n "${KC_DELIVERY_CA_FILE:-}" ]; then
		env+=(NODE_EXTRA_CA_CERTS="$KC_DELIVERY_CA_FILE")
	fi
	env "${env[@]}" node "$KC_ROOT/tests/carrier/carrier.mjs" "$port" \
		"$dir/cert.pem" "$dir/key.pem" </dev/null >>"$KC_VAR/log/carrier.out" 2>&1 &
	pid=$!
	echo "$pid" >"$KC_VAR/run/carrier.pid"
	for ((i = 0; i < 100; i++)); do
		if curl -fsS --max-time 2 --cacert "$dir/cert.pem" -o /dev/null \
			"https://127.0.0.1:$port/_stats" 2>/dev/null; then
			export KC_FAKE_CARRIER_URL="https://127.0.0.1:$port"
			export KC_FAKE_CARRIER_CA="$dir/cert.pem"
			return 0
		fi
		kc_alive "$pid" || break
		sleep 0.1
	done
	tail -n 20 "$KC_VAR/log/carrier.out" >&2
	kc_err "the fake carrier did not start on port $port"
	return 1
}

kc_stop_carrier() {
	local pid
	if pid=$(kc_pidfile_alive "$KC_VAR/run/carrier.pid" node); then
		kc_stop_pids 10 "$pid"
	fi
	rm -f "$KC_VAR/run/carrier.pid"
}

# kc_carrier_conf KCCTL: points $KC_VAR/kaicalls.conf (after kc_write_conf,
# which rewrites it) at the fake carrier of kc_carrier_start: its URL,
# CA and account, the auth token sealed by KCCTL seal-carrier-token under
# the file's master_key, the stack's own URL as what callbacks sign, and a
# voice URL for outbound calls.
kc_carrier_conf() {
	local kcctl=$1 conf=$KC_VAR/kaicalls.conf sid token line
	if [ -z "${KC_FAKE_CARRIER_URL:-}" ] || [ ! -s "$KC_VAR/carrier/account" ]; then
		kc_err "the fake carrier is not running (kc_carrier_start)"
		return 1
	fi
	read -r sid token <"$KC_VAR/carrier/account" || return 1
	line=$(printf '%s\n' "$token" | "$kcctl" --conf "$conf" seal-carrier-token) || {
		kc_err "kcctl seal-carrier-token failed"
		return 1
	}
	{
		echo "# The fake carrier (scripts/lib.sh, kc_carrier_conf)."
		echo "carrier_base_url = $KC_FAKE_CARRIER_URL"
		echo "carrier_account_sid = $sid"
		echo "$line"
		echo "carrier_ca_file = $KC_FAKE_CARRIER_CA"
		echo "public_base_url = http://127.0.0.1:$KC_PORT"
		# Where the carrier would fetch an outbound call's TwiML (the
		# fake one never does).
		echo "outbound_voice_url = $KC_FAKE_CARRIER_URL/voice"
	} >>"$conf" || {
		kc_err "could not write $conf"
		return 1
	}
}

# --- the cron jobs -------------------------------------------------------------

# kc_jobs_start KCCTL: conf/kaicalls.cron, with this stack's paths, into
# /etc/cron.d (cron reads it within a minute), and a cron daemon started if
# none runs. Needs root, as installing any system cron job does.
kc_jobs_start() {
	local kcctl=$1 name cronfile
	kc_check_var || return 1
	case $kcctl in
	/*) ;;
	*) kcctl=$PWD/$kcctl ;;
	esac
	if [ "$(id -u)" != 0 ]; then
		# Not allowed to install a cron job: the same commands, once a
		# minute, from a loop that kc_stop_jobs stops.
		kc_say "not root: running the cron jobs from a loop instead"
		(
			trap 'exit 0' TERM
			while :; do
				"$kcctl" --conf "$KC_VAR/kaicalls.conf" deliver --for 60s \
					--lock "$KC_VAR/run/deliver.lock" --lock-wait 30s \
					>>"$KC_VAR/log/deliver.log" 2>&1 &
				"$kcctl" --conf "$KC_VAR/kaicalls.conf" replay --for 55s \
					--lock "$KC_VAR/run/replay.lock" >>"$KC_VAR/log/replay.log" 2>&1 &
				"$kcctl" --conf "$KC_VAR/kaicalls.conf" outbound --for 60s \
					--lock "$KC_VAR/run/outbound.lock" --lock-wait 30s \
					>>"$KC_VAR/log/outbound.log" 2>&1 &
				sleep 60 &
				wait $!
			done
		) </dev/null &
		echo $! >"$KC_VAR/run/jobs.pid"
		return 0
	fi
	command -v cron >/dev/null || {
		kc_err "cron is not installed (apt-get install cron)"
		return 1
	}
	# cron.d names may not contain dots; one file per state dir.
	name=kaicalls-$(printf '%s' "$KC_VAR" | sha256sum | cut -c1-12)
	cronfile=/etc/cron.d/$name
	mkdir -p "$KC_VAR/run" "$KC_VAR/log"
	sed -e "s|@KCCTL@|$kcctl|g" -e "s|@CONF@|$KC_VAR/kaicalls.conf|g" \
		-e "s|@RUNDIR@|$KC_VAR/run|g" -e "s|@LOGDIR@|$KC_VAR/log|g" \
		-e "s|@USER@|root|g" "$KC_ROOT/conf/kaicalls.cron" >"$cronfile.tmp" &&
		chmod 644 "$cronfile.tmp" && mv -f "$cronfile.tmp" "$cronfile" || {
		kc_err "could not write $cronfile"
		return 1
	}
	echo "$cronfile" >"$KC_VAR/run/cron.file"
	kc_say "cron jobs installed in $cronfile"
	if ! pgrep -x cron >/dev/null; then
		cron -f -L 15 </dev/null >>"$KC_VAR/log/cron.out" 2>&1 &
		echo $! >"$KC_VAR/run/cron.pid"
		kc_say "cron daemon started (pid $!)"
	fi
}

# kc_stop_jobs: the cron file goes, then the daemon if we started it, then
# any job still running from it (each ends within its window anyway).
kc_stop_jobs() {
	local f pid
	if [ -f "$KC_VAR/run/cron.file" ]; then
		f=$(cat "$KC_VAR/run/cron.file")
		case $f in /etc/cron.d/kaicalls-*) rm -f "$f" ;; esac
		rm -f "$KC_VAR/run/cron.file"
	fi
	if pid=$(kc_pidfile_alive "$KC_VAR/run/cron.pid" cron); then
		kc_stop_pids 10 "$pid"
	fi
	rm -f "$KC_VAR/run/cron.pid"
	if pid=$(kc_pidfile_alive "$KC_VAR/run/jobs.pid" bash); then
		kc_stop_pids 10 "$pid"
	fi
	rm -f "$KC_VAR/run/jobs.pid"
	pkill -TERM -f -- "--conf $KC_VAR/kaicalls.conf" 2>/dev/null || true
}

# kc_stop_all: stops whatever of the private stack is running; safe to call
# any number of times, and with nothing started.
kc_stop_all() {
	local pid
	[ -n "${KC_VAR:-}" ] && [ -d "$KC_VAR/run" ] || return 0
	kc_stop_jobs
	kc_stop_receiver
	kc_stop_sites
	kc_stop_carrier
	kc_stop_web
	if pid=$(kc_pidfile_alive "$KC_VAR/run/mysqld.pid" mariadbd); then
		kc_stop_pids 30 "$pid"
		rm -f "$KC_VAR/run/mysqld.pid"
	fi
}
