#!/bin/sh
# The layers of lib/ point one way: core/ includes only core headers, the
# domain (lib/ itself) core and domain headers, delivery/ any of them,
# carrier/ core, domain and its own (not delivery's); and
# nothing in lib/ includes the FastCGI or HTTP side (cgi/). Run by
# make check.
set -eu
top=${KC_SRCDIR:-$(dirname "$0")/../..}
cd "$top/lib"
names() { for f in "$@"; do basename "$f"; done; }
core=$(names core/*.h)
domain=$(names ./*.h)
bad=0
# check DIR ALLOWED...: every quoted include of DIR's files is in ALLOWED.
check() {
	dir=$1
	shift
	for f in "$dir"/*.c "$dir"/*.h; do
		for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			case " $* " in
			*" $inc "*) ;;
			*)
				echo "lib/${f#./}: includes $inc, which is not below it"
				bad=1
				;;
			esac
		done
		if grep -Eq '#include <fcgi|#include "(request|response|routes|handlers)\.h"' "$f"; then
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
check carrier $core $domain $(names carrier/*.h)
[ "$bad" -eq 0 ] && echo "lib/ layers: core < domain < delivery, no HTTP"
exit "$bad"
