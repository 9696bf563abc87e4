/* The North American Numbering Plan (+1): which numbers can be called or
 * texted, and the time zones an area code covers. The table is data,
 * generated from libphonenumber's map by scripts/gen-nanp-tz into
 * kc_nanp_tz.c; local times come from the system's tz database. */
#ifndef KC_NANP_H
#define KC_NANP_H

#include <stddef.h>

/* The most zones one area code covers (867 has five). */
#define KC_NANP_TZ_MAX 6

struct kc_nanp_tz {
	int npa;                               /* the area code, 201..989 */
	const char *zones[KC_NANP_TZ_MAX + 1]; /* NULL-terminated */
};

/* Sorted by npa. */
extern const struct kc_nanp_tz kc_nanp_tz_table[];
extern const size_t kc_nanp_tz_count;

/* NULL if s is a number an outbound call or text may go to: E.164 and,
 * for +1, ten digits whose area code and exchange begin with 2-9 and are
 * not N11 (211, 311, ... 911). Otherwise a sentence saying what is wrong. */
const char *kc_phone_problem(const char *s);
/* 1 when kc_phone_problem(s) is NULL. */
int kc_phone_dialable(const char *s);
/* The ten digits of a valid +1 number as an integer (+12015550123 ->
 * 2015550123), as the national Do-Not-Call registry lists it; -1 for any
 * other number. */
long long kc_nanp_number(const char *e164);
/* A line of the registry's file: exactly n ten digits of a valid NANP
 * number -> the integer, else -1. */
long long kc_nanp_parse10(const char *s, size_t n);
/* The zones of a +1 number's area code; NULL for another country or an
 * area code the table does not know. */
const struct kc_nanp_tz *kc_nanp_tz_find(const char *e164);

#endif
