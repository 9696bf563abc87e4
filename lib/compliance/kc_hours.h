/* Calling hours: whether an instant is inside a window of local time in
 * every one of a set of time zones. Local time comes from the system's tz
 * database (/usr/share/zoneinfo, Debian's tzdata), so daylight saving and
 * every rule change are the database's, never an offset written here. */
#ifndef KC_HOURS_H
#define KC_HOURS_H

#include <stddef.h>
#include <time.h>

/* The widest window the law allows, in minutes after local midnight:
 * 08:00 up to (not including) 21:00. A business may narrow it. */
#define KC_HOURS_EARLIEST (8 * 60)
#define KC_HOURS_LATEST   (21 * 60)

/* Up to KC_HOURS_ZONES_MAX zones are judged at once. */
#define KC_HOURS_ZONES_MAX 12

struct kc_hours_zone {
	const char *zone; /* borrowed from the caller's list */
	int minute;       /* local minutes after midnight */
	int allowed;      /* start <= minute < end */
};

/* The local time of t in each of zones[0..n) (n <= KC_HOURS_ZONES_MAX)
 * into out[], and *allowed 1 when it lies in [start, end) in all of them.
 * -1 when a zone is not in the tz database (nothing is judged then). */
int kc_hours_judge(const char *const *zones, size_t n, time_t t, int start,
		   int end, struct kc_hours_zone *out, int *allowed);

/* "HH:MM" (00:00 to 24:00) -> minutes after midnight; -1 if malformed. */
int kc_hours_parse(const char *s);
/* Minutes -> "HH:MM" in out (6 bytes at least). */
void kc_hours_format(int minutes, char *out, size_t cap);

#endif
