/* Opaque public identifiers: a type prefix and random base62, so IDs never
 * reveal counts or order and cannot be guessed from one another. */
#ifndef KC_ID_H
#define KC_ID_H

#include <stddef.h>

#define KC_ID_RANDLEN 20 /* about 119 bits */
#define KC_ID_MAX     48

/* out gets "<prefix>_<random>"; 0 ok, -1 on CSPRNG failure or small cap. */
int kc_id_new(const char *prefix, char *out, size_t outcap);
/* Random base62 characters (for IDs and API keys); out is NUL-terminated. */
int kc_rand_base62(char *out, size_t nchars);
/* 1 if s is "<prefix>_" followed by 1..40 base62 characters. */
int kc_id_valid(const char *prefix, const char *s);

#endif
