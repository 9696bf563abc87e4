#!/bin/sh
# The layers of lib/ point one way: core/ includes only core headers, the
# domain (lib/ itself) core and domain headers; delivery/, compliance/ and
# carrier/ those and their own (none another's); outbound/ those, its own
# and those three's; and
# nothing in lib/ includes the FastCGI or HTTP side (cgi/). Run by
# make check.
set -eu
top=${KC_SRCDIR:-$(dirname "$0")/../..}
cd "$top/lib"
names() { for f in "$@"; do basename "$f"; done; }
core=$(names core/*.h)
domain=$(names ./*.h)
bad=0
carrier=$(names carrier/*.h)
# check DIR ALLOWED...: every quoted include of DIR's files is in ALLOWED.
check() {
	dir=$1
	shift
	for f in "$dir"/*.c "$dir"/*.h; do
		# Quoted includes, and any of ours in angle brackets, however
		# spaced: the compiler finds both through the -I list.
		for inc in $(sed -n -e 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' \
			-e 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\(kc_[^>]*\)>.*/\1/p' "$f"); do
			case " $* " in
			*" $inc "*) ;;
			*)
				echo "lib/${f#./}: includes $inc, which is not below it"
				bad=1
				;;
			esac
		done
		if grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*([<]fcgi|["<](request|response|routes|handlers)\.h)' "$f"; then
			echo "lib/${f#./}: lib/ knows nothing of FastCGI or HTTP"
			bad=1
		fi
	done
}
# shellcheck disable=SC2086 # lists of names
check core $core
# shellcheck disable=SC2086
check . $core $domain
# shellcheck disable=SC2086
check delivery $core $domain $(names delivery/*.h)
# shellcheck disable=SC2086
check compliance $core $domain $(names compliance/*.h)
# shellcheck disable=SC2086
check carrier $core $domain $(names carrier/*.h)
# Outbound sends through the carrier what compliance allows, and retries
# on the delivery engine's schedule (kc_backoff.h): it may use all three.
# shellcheck disable=SC2086
check outbound $core $domain $(names delivery/*.h compliance/*.h carrier/*.h outbound/*.h)
# The dashboard and the request it parses know nothing of the carrier:
# the form parser they share with its callbacks is core's (kc_form.h).
for f in ../cgi/request.[ch] ../cgi/dash*.[ch]; do
	for h in $carrier; do
		if grep -Eq "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]$h[\">]" "$f"; then
			echo "cgi/${f#../cgi/}: includes $h, the carrier's"
			bad=1
		fi
	done
done
[ "$bad" -eq 0 ] &&
	echo "lib/ layers: core < domain < delivery, compliance, carrier < outbound; no HTTP; the dashboard knows no carrier"
exit "$bad"
