#!/bin/sh
# The NANP area code -> time zone table in the repository is what
# scripts/gen-nanp-tz makes from the installed python3-phonenumbers: a
# hand edit, or a newer libphonenumber, shows here (regenerate with
# scripts/gen-nanp-tz >lib/compliance/kc_nanp_tz.c). Run by make check;
# scripts/test installs python3-phonenumbers.
set -eu
top=${KC_SRCDIR:-$(dirname "$0")/../..}
if ! /usr/bin/python3 -c 'import phonenumbers' 2>/dev/null; then
	echo "python3-phonenumbers is not installed (apt-get install python3-phonenumbers)"
	exit 1
fi
new=$(mktemp)
trap 'rm -f "$new"' EXIT
"$top/scripts/gen-nanp-tz" >"$new"
if ! cmp -s "$new" "$top/lib/compliance/kc_nanp_tz.c"; then
	echo "lib/compliance/kc_nanp_tz.c differs from what scripts/gen-nanp-tz makes now:"
	diff -u "$top/lib/compliance/kc_nanp_tz.c" "$new" | head -n 40
	exit 1
fi
echo "lib/compliance/kc_nanp_tz.c: as generated ($(grep -c '^    {' "$new") area codes)"
