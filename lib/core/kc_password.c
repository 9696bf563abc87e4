#include "kc_password.h"
#include "kc_crypto.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SALT_LEN 16
#define HASH_LEN 32

int
kc_password_params_ok(const struct kc_pw_params *p)
{
	return p->memory_kib >= KC_PW_MIN_MEMORY_KIB &&
	       p->memory_kib <= KC_PW_MAX_MEMORY_KIB &&
	       p->iterations >= KC_PW_MIN_ITERATIONS &&
	       p->iterations <= KC_PW_MAX_ITERATIONS && p->lanes >= 1 &&
	       p->lanes <= KC_PW_MAX_LANES &&
	       /* argon2 needs 8 blocks of 1 KiB per lane at least. */
	       p->memory_kib >= 8 * p->lanes;
}

int
kc_password_hash(const struct kc_pw_params *p, const char *pw, size_t n,
		 char *out, size_t cap)
{
	unsigned char salt[SALT_LEN];
	int rc;

	if (!kc_password_params_ok(p) || n > KC_PW_MAX_LEN ||
	    argon2_encodedlen(p->iterations, p->memory_kib, p->lanes, SALT_LEN,
			      HASH_LEN, Argon2_id) > cap ||
	    kc_random_bytes(salt, sizeof(salt)) != 0)
		return -1;
	rc = argon2id_hash_encoded(p->iterations, p->memory_kib, p->lanes, pw,
				   n, salt, sizeof(salt), HASH_LEN, out, cap);
	OPENSSL_cleanse(salt, sizeof(salt));
	return rc == ARGON2_OK ? 0 : -1;
}

int
kc_password_verify(const char *encoded, const char *pw, size_t n)
{
	int rc;

	if (encoded == NULL || strncmp(encoded, "$argon2id$", 10) != 0 ||
	    n > KC_PW_MAX_LEN)
		return -1;
	rc = argon2id_verify(encoded, pw, n);
	if (rc == ARGON2_OK)
		return 0;
	return rc == ARGON2_VERIFY_MISMATCH ? 1 : -1;
}

/* The value of "name=" in the parameter field of a PHC string. */
static int
phc_param(const char *params, const char *name, uint32_t *out)
{
	size_t len = strlen(name);
	const char *p = params;
	unsigned long v;
	char *end;

	while (p && *p && *p != '$') {
		if (strncmp(p, name, len) == 0 && p[len] == '=') {
			errno = 0;
			v = strtoul(p + len + 1, &end, 10);
			if (errno || end == p + len + 1 || v > UINT32_MAX ||
			    (*end != ',' && *end != '$'))
				return -1;
			*out = (uint32_t)v;
			return 0;
		}
		p = strpbrk(p, ",$");
		if (p && *p == ',')
			p++;
	}
	return -1;
}

int
kc_password_needs_rehash(const char *encoded, const struct kc_pw_params *p)
{
	const char *params;
	uint32_t m, t, l, v;

	/* "$argon2id$v=19$m=...,t=...,p=...$salt$hash" */
	if (encoded == NULL || strncmp(encoded, "$argon2id$v=", 12) != 0 ||
	    phc_param(encoded + 10, "v", &v) != 0 ||
	    v != ARGON2_VERSION_NUMBER ||
	    (params = strchr(encoded + 10, '$')) == NULL)
		return 1;
	params++;
	if (phc_param(params, "m", &m) != 0 ||
	    phc_param(params, "t", &t) != 0 || phc_param(params, "p", &l) != 0)
		return 1;
	return m < p->memory_kib || t < p->iterations || l < p->lanes;
}
