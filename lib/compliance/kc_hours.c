#include "kc_hours.h"
#include "kc_business.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The C library converts with the zone named by TZ. Our processes are
 * single-threaded and nothing else here uses local time (logs and the
 * database are UTC), but TZ is still put back as it was before returning,
 * so that no later caller of the C library inherits a recipient's zone. */
int
kc_hours_judge(const char *const *zones, size_t n, time_t t, int start, int end,
	       struct kc_hours_zone *out, int *allowed)
{
	char saved[256], spec[80];
	const char *old = getenv("TZ");
	int had = old != NULL, rc = 0, all = 1;
	struct tm tm;
	size_t i;

	if (n == 0 || n > KC_HOURS_ZONES_MAX)
		return -1;
	/* glibc falls back to UTC, silently, for a zone it cannot load. */
	for (i = 0; i < n; i++)
		if (!kc_timezone_valid(zones[i]))
			return -1;
	if (had &&
	    snprintf(saved, sizeof(saved), "%s", old) >= (int)sizeof(saved))
		return -1;
	for (i = 0; i < n; i++) {
		/* ":" names a file of the tz database, never a POSIX rule. */
		snprintf(spec, sizeof(spec), ":%s", zones[i]);
		if (setenv("TZ", spec, 1) != 0) {
			rc = -1;
			break;
		}
		tzset();
		if (localtime_r(&t, &tm) == NULL) {
			rc = -1;
			break;
		}
		out[i].zone = zones[i];
		out[i].minute = tm.tm_hour * 60 + tm.tm_min;
		out[i].allowed = out[i].minute >= start && out[i].minute < end;
		all = all && out[i].allowed;
	}
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	if (rc == 0)
		*allowed = all;
	return rc;
}

int
kc_hours_parse(const char *s)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' || s[0] < '0' ||
	    s[0] > '9' || s[1] < '0' || s[1] > '9' || s[3] < '0' ||
	    s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

void
kc_hours_format(int minutes, char *out, size_t cap)
{
	snprintf(out, cap, "%02d:%02d", minutes / 60, minutes % 60);
}
