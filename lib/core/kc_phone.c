#include "kc_phone.h"

#include <stddef.h>

int
kc_e164_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (s++; *s != '\0'; s++, n++)
		if (*s < '0' || *s > '9' || n >= 15)
			return 0;
	return n >= 7;
}
