#include "kc_scope.h"

#include <stdio.h>
#include <string.h>

static const char *const scope_names[] = {
    "agents:read",   "agents:write",  "numbers:read",   "calls:read",
    "calls:write",   "leads:read",    "leads:write",    "sms:read",
    "sms:write",     "webhooks:read", "webhooks:write", "events:read",
    "events:replay", "audit:read",    "consent:read",   "consent:write",
    "ingest",
};

#define NSCOPES (sizeof(scope_names) / sizeof(scope_names[0]))

const char *
kc_scope_name(uint32_t bit)
{
	size_t i;

	for (i = 0; i < NSCOPES; i++)
		if (bit == (1u << i))
			return scope_names[i];
	return NULL;
}

int
kc_scope_parse(const char *list, uint32_t *mask, char *bad, size_t badlen)
{
	uint32_t m = 0;
	const char *p = list;
	size_t i, n;

	if (bad && badlen)
		bad[0] = '\0';
	while (*p != '\0') {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, ", ");
		if (n == 1 && *p == '*') {
			m |= KC_SCOPE_ALL;
		} else {
			for (i = 0; i < NSCOPES; i++)
				if (strlen(scope_names[i]) == n &&
				    strncmp(scope_names[i], p, n) == 0)
					break;
			if (i == NSCOPES) {
				if (bad && badlen)
					snprintf(bad, badlen, "%.*s",
						 (int)(n > 64 ? 64 : n), p);
				return -1;
			}
			m |= 1u << i;
		}
		p += n;
	}
	if (m == 0)
		return -1;
	*mask = m;
	return 0;
}

int
kc_scope_format(uint32_t mask, char *out, size_t outcap)
{
	size_t i, o = 0;
	int n;

	if (outcap == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < NSCOPES; i++) {
		if (!(mask & (1u << i)))
			continue;
		n = snprintf(out + o, outcap - o, "%s%s", o ? "," : "",
			     scope_names[i]);
		if (n < 0 || (size_t)n >= outcap - o)
			return -1;
		o += (size_t)n;
	}
	return 0;
}
