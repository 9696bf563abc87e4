#include "kc_backoff.h"
#include "kc_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
kc_schedule_parse(const char *s, long long *out, size_t cap, size_t *n)
{
	char item[32];
	const char *p = s, *comma;
	size_t len, k = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (;;) {
		while (*p == ' ')
			p++;
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof(item) || k == cap)
			return -1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (kc_duration_parse(item, &out[k]) != 0)
			return -1;
		k++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*n = k;
	return 0;
}

long long
kc_backoff_delay_ms(const long long *schedule, size_t n, unsigned tries,
		    double r)
{
	double base;

	if (tries == 0 || tries > n)
		return -1;
	/* Jitter spreads the retries of a burst that failed together, so a
	 * receiver coming back is not hit by all of them in one second. */
	base = (double)schedule[tries - 1] * 1000.0;
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 0.999999;
	return (long long)(base * (0.8 + 0.4 * r));
}

int
kc_retry_after_parse(const char *v, long long now, long long *seconds)
{
	struct tm tm;
	const char *end;
	char *e;
	long long n;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		n = strtoll(v, &e, 10);
		while (*e == ' ' || *e == '\t')
			e++;
		if (errno != 0 || *e != '\0')
			return -1;
		*seconds = n;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	n = (long long)timegm(&tm) - now;
	*seconds = n > 0 ? n : 0;
	return 0;
}
