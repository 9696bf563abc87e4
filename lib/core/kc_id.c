#include "kc_id.h"
#include "kc_crypto.h"

#include <stdio.h>
#include <string.h>

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

int
kc_rand_base62(char *out, size_t nchars)
{
	unsigned char pool[64];
	size_t n = 0, i = sizeof(pool);

	while (n < nchars) {
		if (i == sizeof(pool)) {
			if (kc_random_bytes(pool, sizeof(pool)) != 0)
				return -1;
			i = 0;
		}
		/* Reject the top bytes so every character is equally likely. */
		if (pool[i] < 248)
			out[n++] = b62[pool[i] % 62];
		i++;
	}
	out[n] = '\0';
	return 0;
}

int
kc_id_new(const char *prefix, char *out, size_t outcap)
{
	size_t pl = strlen(prefix);

	if (pl + 1 + KC_ID_RANDLEN + 1 > outcap)
		return -1;
	memcpy(out, prefix, pl);
	out[pl] = '_';
	return kc_rand_base62(out + pl + 1, KC_ID_RANDLEN);
}

int
kc_id_valid(const char *prefix, const char *s)
{
	size_t pl = strlen(prefix), n = 0;

	if (s == NULL || strncmp(s, prefix, pl) != 0 || s[pl] != '_')
		return 0;
	for (s += pl + 1; *s != '\0'; s++, n++)
		if (strchr(b62, *s) == NULL || n >= 40)
			return 0;
	return n > 0;
}
