#!/usr/bin/env bash
# Checks the Apache and nginx site configs with the servers' own parsers.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0

# Apache: a copy of Debian's configuration with our site and the modules
# it needs enabled, checked by apache2ctl through APACHE_CONFDIR.
cp -a /etc/apache2 "$tmp/apache2"
for m in proxy proxy_fcgi headers; do
	for ext in load conf; do
		[ -f "$tmp/apache2/mods-available/$m.$ext" ] &&
			ln -sf "../mods-available/$m.$ext" "$tmp/apache2/mods-enabled/$m.$ext"
	done
done
rm -f "$tmp/apache2/sites-enabled/"*
cp "$root/conf/apache-kaicalls.conf" "$tmp/apache2/sites-enabled/kaicalls.conf"
mkdir -p "$tmp/run/apache2" "$tmp/log/apache2" "$tmp/lock/apache2"
if out=$(APACHE_CONFDIR="$tmp/apache2" APACHE_RUN_DIR="$tmp/run/apache2" \
	APACHE_LOG_DIR="$tmp/log/apache2" APACHE_LOCK_DIR="$tmp/lock/apache2" \
	APACHE_PID_FILE="$tmp/run/apache2/pid" apache2ctl -t 2>&1) &&
	grep -q 'Syntax OK' <<<"$out"; then
	echo "apache2ctl -t: Syntax OK (conf/apache-kaicalls.conf)"
else
	echo "apache2ctl -t failed:"
	echo "$out"
	rc=1
fi

# nginx: a minimal main config around our server block.
mkdir -p "$tmp/nginx"
cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$tmp/nginx/"
cat >"$tmp/nginx/nginx.conf" <<CONF
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    proxy_temp_path $tmp/nginx/proxy;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include /etc/nginx/mime.types;
    include $root/conf/nginx-kaicalls.conf;
}
CONF
if out=$(nginx -t -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2>&1) &&
	grep -q 'test is successful' <<<"$out"; then
	echo "nginx -t: test is successful (conf/nginx-kaicalls.conf)"
else
	echo "nginx -t failed:"
	echo "$out"
	rc=1
fi
exit $rc
