# Shared by scripts/run, scripts/test and scripts/kcctl: install, build, and
# start/stop the private stack (MariaDB + lighttpd + the FastCGI program).
# Everything lives under $KC_VAR; nothing is installed as a system service.

KC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

kc_say() { printf '==> %s\n' "$*"; }
kc_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

KC_PACKAGES="gcc make autoconf automake libtool pkg-config libfcgi-dev
libcurl4-openssl-dev libssl-dev libmariadb-dev mariadb-server mariadb-client
libjansson-dev libcriterion-dev lighttpd cron wrk jq curl ca-certificates
openssl tzdata"

# Installs the Debian packages that are missing (and only those). Debian's
# maintainer scripts would start MariaDB, Apache or nginx as system services
# and take their ports; a temporary policy-rc.d stops that.
kc_install_deps() {
	local missing=() p policy_added=0
	for p in $KC_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || kc_die "missing packages (${missing[*]}); run as root"
	kc_say "installing ${missing[*]}"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy_added=1
	fi
	local rc=0
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y \
		-qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	[ $policy_added -eq 1 ] && rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || kc_die "apt-get install failed"
}

# kc_build DIR [configure args...]: out-of-tree build, reconfigured only
# when the arguments change.
kc_build() {
	local dir=$1
	shift
	(
		cd "$KC_ROOT"
		if [ ! -x configure ] || [ configure.ac -nt configure ] ||
			[ Makefile.am -nt configure ]; then
			./autogen.sh >/dev/null 2>&1 || kc_die "autogen.sh failed"
		fi
		mkdir -p "$dir"
		cd "$dir"
		if [ ! -f Makefile ] || [ "$(cat .kc-configure-args 2>/dev/null)" != "$*" ]; then
			"$KC_ROOT/configure" "$@" >configure.out 2>&1 ||
				{ tail -20 configure.out; kc_die "configure failed"; }
			printf '%s' "$*" >.kc-configure-args
		fi
		make -j2 >make.out 2>&1 || { tail -40 make.out; kc_die "build failed in $dir"; }
	)
}

kc_mysql_admin() {
	mariadb --no-defaults -S "$KC_VAR/run/mysql.sock" -uroot "$@"
}

# Reads one setting back out of an existing kaicalls.conf.
kc_conf_get() {
	[ -f "$KC_VAR/kaicalls.conf" ] || return 0
	sed -n "s/^$1 *= *//p" "$KC_VAR/kaicalls.conf" | tail -1
}

kc_db_start() {
	mkdir -p "$KC_VAR/run" "$KC_VAR/log"
	if [ -n "${KC_DB_HOST:-}" ]; then
		kc_say "using the MariaDB at $KC_DB_HOST:${KC_DB_PORT:-3306}"
		return 0
	fi
	if [ ! -d "$KC_VAR/db/mysql" ]; then
		kc_say "creating a private MariaDB in $KC_VAR/db"
		mariadb-install-db --no-defaults --datadir="$KC_VAR/db" --user=root \
			--auth-root-authentication-method=normal --skip-test-db \
			>"$KC_VAR/log/mariadb-install.log" 2>&1 ||
			kc_die "mariadb-install-db failed (see $KC_VAR/log/mariadb-install.log)"
	fi
	mariadbd --no-defaults --datadir="$KC_VAR/db" --user=root \
		--socket="$KC_VAR/run/mysql.sock" --skip-networking --skip-log-bin \
		--pid-file="$KC_VAR/run/mysqld.pid" --innodb-buffer-pool-size=256M \
		--max-connections=500 --log-error="$KC_VAR/log/mariadb.err" \
		>/dev/null 2>&1 &
	local i
	for i in $(seq 60); do
		kc_mysql_admin -e 'SELECT 1' >/dev/null 2>&1 && break
		sleep 0.5
	done
	kc_mysql_admin -e 'SELECT 1' >/dev/null 2>&1 ||
		kc_die "MariaDB did not start (see $KC_VAR/log/mariadb.err)"
}

# Writes $KC_VAR/kaicalls.conf (0600), keeping the password and master key
# of an earlier run, and creates the database and the application user.
kc_write_conf() {
	local pw mk
	pw=$(kc_conf_get db_password)
	mk=$(kc_conf_get master_key)
	[ -n "$pw" ] || pw=$(openssl rand -hex 16)
	[ -n "$mk" ] || mk=$(openssl rand -hex 32)
	(
		umask 077
		{
			echo "# Written by scripts/lib.sh; kept across runs."
			if [ -n "${KC_DB_HOST:-}" ]; then
				echo "db_host = $KC_DB_HOST"
				echo "db_port = ${KC_DB_PORT:-3306}"
				echo "db_user = ${KC_DB_USER:-kaicalls}"
				echo "db_password = ${KC_DB_PASSWORD:-}"
			else
				echo "db_socket = $KC_VAR/run/mysql.sock"
				echo "db_user = kaicalls"
				echo "db_password = $pw"
			fi
			echo "db_name = ${KC_DB_NAME:-kaicalls}"
			echo "sql_dir = $KC_ROOT/sql"
			echo "master_key = $mk"
			echo "log_level = ${KC_LOG_LEVEL:-info}"
		} >"$KC_VAR/kaicalls.conf.new"
		mv "$KC_VAR/kaicalls.conf.new" "$KC_VAR/kaicalls.conf"
	)
	if [ -z "${KC_DB_HOST:-}" ]; then
		kc_mysql_admin <<-SQL
			CREATE DATABASE IF NOT EXISTS kaicalls CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
			CREATE USER IF NOT EXISTS 'kaicalls'@'localhost' IDENTIFIED BY '$pw';
			ALTER USER 'kaicalls'@'localhost' IDENTIFIED BY '$pw';
		SQL
	fi
}

# kc_migrate KCCTL: schema changes need DDL rights, which the application
# user lacks: on the private DB they run as root over the socket. Then the
# application user gets SELECT and INSERT everywhere, UPDATE and DELETE
# everywhere but audit_log (append-only for the application).
kc_migrate() {
	local kcctl=$1 t grants=""
	if [ -n "${KC_DB_HOST:-}" ]; then
		"$kcctl" --conf "$KC_VAR/kaicalls.conf" migrate >/dev/null
		return
	fi
	KC_DB_USER=root KC_DB_PASSWORD='' "$kcctl" --conf "$KC_VAR/kaicalls.conf" \
		migrate >/dev/null || kc_die "migration failed"
	for t in $(kc_mysql_admin -N -e "SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'kaicalls' AND table_name <> 'audit_log'"); do
		grants="$grants GRANT UPDATE, DELETE ON kaicalls.\`$t\` TO 'kaicalls'@'localhost';"
	done
	kc_mysql_admin -e "GRANT SELECT, INSERT ON kaicalls.* TO 'kaicalls'@'localhost'; $grants"
}

# kc_web_start FCGI: lighttpd in the foreground of a background job, with
# the FastCGI program it spawns; waits until /livez answers.
kc_web_start() {
	export KC_FCGI=$1 KC_WWW="$KC_ROOT/www" KC_CONF="$KC_VAR/kaicalls.conf"
	export KC_VAR KC_PORT
	export ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-}
	lighttpd -tt -f "$KC_ROOT/conf/lighttpd.conf" >"$KC_VAR/log/lighttpd-check.log" 2>&1 ||
		{ cat "$KC_VAR/log/lighttpd-check.log"; kc_die "lighttpd config rejected"; }
	lighttpd -D -f "$KC_ROOT/conf/lighttpd.conf" >>"$KC_VAR/log/lighttpd.out" 2>&1 &
	echo $! >"$KC_VAR/run/lighttpd.pid"
	local i
	for i in $(seq 100); do
		curl -fsS "http://127.0.0.1:$KC_PORT/livez" >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$KC_VAR/run/lighttpd.pid")" 2>/dev/null || break
		sleep 0.2
	done
	tail -20 "$KC_VAR/log/lighttpd.error.log" 2>/dev/null
	kc_die "lighttpd did not answer on port $KC_PORT"
}

kc_stop_pid() {
	local pidfile=$1 pid i
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

kc_stop_all() {
	[ -n "${KC_VAR:-}" ] || return 0
	kc_stop_pid "$KC_VAR/run/lighttpd.pid"
	kc_stop_pid "$KC_VAR/run/mysqld.pid"
}

kc_free_port() {
	local p
	for p in $(shuf -i "$1-$2" -n 50); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	kc_die "no free port in $1-$2"
}
