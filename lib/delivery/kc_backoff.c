#include "kc_backoff.h"
#include "kc_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
