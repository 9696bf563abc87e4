#include "kc_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1 if s matches the pattern, where '9' stands for any digit. */
static int
shaped(const char *s, const char *pattern)
{
	for (; *pattern; s++, pattern++)
		if (*pattern == '9' ? (*s < '0' || *s > '9') : *s != *pattern)
			return 0;
	return 1;
}

int
kc_time_from_db(const char *db, char *out, size_t outcap)
{
	char frac[4] = "000";
	size_t len, i;
	int n;

	/* Strict shape check: the value comes from our own columns, but a
	 * garbled one must not become a plausible-looking timestamp. */
	if (db == NULL || !shaped(db, "9999-99-99 99:99:99"))
		return -1;
	len = strlen(db);
	if (len > 19) {
		if (db[19] != '.' || len == 20 || len > 26)
			return -1;
		for (i = 20; i < len; i++) {
			if (db[i] < '0' || db[i] > '9')
				return -1;
			if (i < 23)
				frac[i - 20] = db[i];
		}
	}
	n = snprintf(out, outcap, "%.10sT%.8s.%sZ", db, db + 11, frac);
	return (n < 0 || (size_t)n >= outcap) ? -1 : 0;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
kc_time_to_db(const char *s, char *out, size_t outcap)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, n;
	long usec = 0;
	const char *p;
	struct tm tm;
	time_t t;
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (s == NULL || strlen(s) < 20 || strlen(s) > 35)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return -1;
	p = s + 19;
	if (*p == '.') {
		long scale = 100000;
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			usec += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != d)
		return -1; /* 29 February of a common year, for one */
	t -= sign * (oh * 3600 + om * 60);
	/* The offset may carry the date out of what DATETIME can hold. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 1970)
		return -1;
	n = snprintf(out, outcap, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, usec);
	return (n < 0 || (size_t)n >= outcap) ? -1 : 0;
}

int
kc_duration_parse(const char *s, long long *seconds)
{
	char *end;
	long long n, mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n < 0)
		return -1;
	if (*end == 'd')
		mul = 86400;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'm')
		mul = 60;
	else if (*end != 's' && *end != '\0')
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > 3650LL * 86400 / mul)
		return -1;
	*seconds = n * mul;
	return 0;
}

long long
kc_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
kc_time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
db_text(const struct timespec *ts, char *out, size_t cap)
{
	struct tm tm;
	int n;

	if (gmtime_r(&ts->tv_sec, &tm) == NULL)
		return -1;
	n = snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int
kc_time_db_at(long long epoch_ms, char *db, size_t dbcap)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(epoch_ms / 1000);
	ts.tv_nsec = (long)(epoch_ms % 1000) * 1000000;
	return db_text(&ts, db, dbcap);
}

int
kc_time_now(char *db, size_t dbcap, char *rfc, size_t rfccap)
{
	struct timespec ts;
	char text[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (db_text(&ts, text, sizeof(text)) != 0)
		return -1;
	if (db && snprintf(db, dbcap, "%s", text) >= (int)dbcap)
		return -1;
	if (rfc && kc_time_from_db(text, rfc, rfccap) != 0)
		return -1;
	return 0;
}

int
kc_duration_list_parse(const char *s, long long *out, size_t cap, size_t *n)
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
