#include "kc_nanp.h"
#include "kc_phone.h"

#include <string.h>

/* NXX: the first digit 2-9 and not N11. */
static const char *
nxx_problem(const char *d, const char *what_first, const char *what_n11)
{
	if (d[0] < '2')
		return what_first;
	if (d[1] == '1' && d[2] == '1')
		return what_n11;
	return NULL;
}

static const char *
nanp_problem(const char *d, size_t n)
{
	const char *p;
	size_t i;

	if (n != 10)
		return "a +1 number has ten digits after +1";
	for (i = 0; i < n; i++)
		if (d[i] < '0' || d[i] > '9')
			return "a +1 number has ten digits after +1";
	if ((p = nxx_problem(d, "the area code must begin with 2-9",
			     "the area code must not be an N11 code such as "
			     "911")) != NULL)
		return p;
	return nxx_problem(d + 3, "the exchange must begin with 2-9",
			   "the exchange must not be an N11 code such as 411");
}

const char *
kc_phone_problem(const char *s)
{
	if (!kc_e164_valid(s))
		return "not an E.164 phone number such as +14155550123";
	if (s[1] == '1')
		return nanp_problem(s + 2, strlen(s + 2));
	return NULL;
}

int
kc_phone_dialable(const char *s)
{
	return kc_phone_problem(s) == NULL;
}

long long
kc_nanp_parse10(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	if (nanp_problem(s, n) != NULL)
		return -1;
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

long long
kc_nanp_number(const char *e164)
{
	if (e164 == NULL || strncmp(e164, "+1", 2) != 0 || !kc_e164_valid(e164))
		return -1;
	return kc_nanp_parse10(e164 + 2, strlen(e164 + 2));
}

const struct kc_nanp_tz *
kc_nanp_tz_find(const char *e164)
{
	long long n = kc_nanp_number(e164);
	size_t lo = 0, hi = kc_nanp_tz_count, mid;
	int npa;

	if (n < 0)
		return NULL;
	npa = (int)(n / 10000000);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kc_nanp_tz_table[mid].npa == npa)
			return &kc_nanp_tz_table[mid];
		if (kc_nanp_tz_table[mid].npa < npa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
