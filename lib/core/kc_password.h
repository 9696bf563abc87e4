/* Passwords of dashboard users: argon2id (RFC 9106) through libargon2, in
 * its PHC string form ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), so a
 * stored hash carries the parameters it was made with and can be rehashed
 * when the configured ones grow. */
#ifndef KC_PASSWORD_H
#define KC_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

/* OWASP's Password Storage Cheat Sheet: argon2id with at least 19 MiB of
 * memory, 2 iterations and 1 lane. The configuration may ask for more,
 * never for less. */
#define KC_PW_MIN_MEMORY_KIB 19456
#define KC_PW_MIN_ITERATIONS 2
#define KC_PW_MAX_MEMORY_KIB (4 * 1024 * 1024)
#define KC_PW_MAX_ITERATIONS 64
#define KC_PW_MAX_LANES      16

/* A password is 12 to 1024 bytes: the floor keeps the guessable out of a
 * new account, the ceiling keeps a sign-in from costing more than a hash. */
#define KC_PW_MIN_LEN 12
#define KC_PW_MAX_LEN 1024

/* Big enough for any PHC string made with the limits above. */
#define KC_PW_HASH_MAX 160

struct kc_pw_params {
	uint32_t memory_kib;
	uint32_t iterations;
	uint32_t lanes;
};

/* A new hash of the n bytes at pw with a fresh 16-byte salt. 0 or -1. */
int kc_password_hash(const struct kc_pw_params *p, const char *pw, size_t n,
		     char *out, size_t cap);
/* 0 the password matches, 1 it does not, -1 the stored hash is not one
 * of ours or the computation failed. The comparison is libargon2's, in
 * constant time. */
int kc_password_verify(const char *encoded, const char *pw, size_t n);
/* 1 when encoded was made with less memory, fewer iterations or fewer
 * lanes than p asks for (or cannot be read), so it is made again at the
 * next successful sign-in. */
int kc_password_needs_rehash(const char *encoded, const struct kc_pw_params *p);
/* 1 if p is at or above the floor and within the limits above. */
int kc_password_params_ok(const struct kc_pw_params *p);

#endif
