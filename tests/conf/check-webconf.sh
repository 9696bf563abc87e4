#!/usr/bin/env bash
# Checks conf/apache-kaicalls.conf and conf/nginx-kaicalls.conf with the
# servers' own parsers (apache2ctl -t, nginx -t), each inside a throwaway
# copy of its configuration, so the machine's servers are neither touched
# nor needed to be running. The sites' certificate paths are placeholders
# (Debian's snakeoil pair, which this machine need not have): both parsers
# load the files, so the copies checked name a throwaway pair instead.
# Prints one line per check; exits non-zero if either fails. Needs the
# apache2 and nginx packages (scripts/test installs them).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/kaicalls-webconf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1 ||
	{ cat "$tmp/openssl.log"; exit 1; }
# site SRC: SRC with the throwaway certificate, on stdout.
site() {
	sed -e "s|/etc/ssl/certs/ssl-cert-snakeoil.pem|$tmp/cert.pem|g" \
		-e "s|/etc/ssl/private/ssl-cert-snakeoil.key|$tmp/key.pem|g" "$1"
}

# check_apache: Debian's /etc/apache2 copied to $tmp, with the modules our
# site needs enabled there (a2enmod ssl proxy proxy_fcgi headers, and what
# ssl depends on) and our site the only one, checked through
# APACHE_CONFDIR: its ports.conf's Listen 80 and 443 included.
check_apache() {
	local conf=$tmp/apache2 m ext out
	if ! command -v apache2ctl >/dev/null; then
		echo "apache2ctl not found (apt-get install apache2)"
		return 1
	fi
	cp -a /etc/apache2 "$conf"
	for m in socache_shmcb ssl proxy proxy_fcgi headers; do
		for ext in load conf; do
			if [ -f "$conf/mods-available/$m.$ext" ]; then
				ln -sfn "../mods-available/$m.$ext" "$conf/mods-enabled/$m.$ext"
			fi
		done
	done
	rm -f "$conf/sites-enabled/"*
	site "$root/conf/apache-kaicalls.conf" >"$conf/sites-enabled/kaicalls.conf"
	# envvars sets the run, lock and log dirs; point them into $tmp so
	# that the check creates nothing under /var.
	mkdir -p "$tmp/apache-run" "$tmp/apache-lock" "$tmp/apache-log"
	cat >>"$conf/envvars" <<-EOF
		export APACHE_RUN_DIR=$tmp/apache-run
		export APACHE_PID_FILE=$tmp/apache-run/apache2.pid
		export APACHE_LOCK_DIR=$tmp/apache-lock
		export APACHE_LOG_DIR=$tmp/apache-log
	EOF
	out=$(APACHE_CONFDIR=$conf apache2ctl -t 2>&1) || true
	if grep -q 'Syntax OK' <<<"$out"; then
		return 0
	fi
	printf '%s\n' "$out"
	return 1
}

# check_nginx: a minimal main configuration of our own (pid, logs and temp
# paths in $tmp) with our server block inside http {}.
check_nginx() {
	local conf=$tmp/nginx out
	if ! command -v nginx >/dev/null; then
		echo "nginx not found (apt-get install nginx)"
		return 1
	fi
	mkdir -p "$conf"
	# Relative includes (our "include fastcgi_params;") resolve beside the
	# main file, as they do in /etc/nginx.
	cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$conf/"
	site "$root/conf/nginx-kaicalls.conf" >"$conf/kaicalls.conf"
	cat >"$conf/nginx.conf" <<-EOF
		pid $conf/nginx.pid;
		error_log $conf/error.log;
		events {}
		http {
		    access_log off;
		    client_body_temp_path $conf/client_body;
		    fastcgi_temp_path $conf/fastcgi;
		    proxy_temp_path $conf/proxy;
		    uwsgi_temp_path $conf/uwsgi;
		    scgi_temp_path $conf/scgi;
		    include mime.types;
		    include $conf/kaicalls.conf;
		}
	EOF
	# -e: the error log nginx opens before it has read the configuration.
	out=$(nginx -t -p "$conf" -e "$conf/error.log" -c "$conf/nginx.conf" 2>&1) || true
	if grep -q 'test is successful' <<<"$out"; then
		return 0
	fi
	printf '%s\n' "$out"
	return 1
}

if check_apache; then
	echo "PASS apache2ctl -t: conf/apache-kaicalls.conf (Syntax OK)"
else
	echo "FAIL apache2ctl -t: conf/apache-kaicalls.conf"
	failed=1
fi
if check_nginx; then
	echo "PASS nginx -t: conf/nginx-kaicalls.conf (test is successful)"
else
	echo "FAIL nginx -t: conf/nginx-kaicalls.conf"
	failed=1
fi
exit $failed
