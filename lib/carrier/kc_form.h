/* application/x-www-form-urlencoded bodies (what Twilio's callbacks carry),
 * parsed strictly: every pair is name=value with a non-empty name, '+' is a
 * space, '%' is followed by two hex digits, raw bytes are printable ASCII
 * other than space, the decoded text is valid UTF-8 without NUL, and counts
 * and sizes are bounded. Anything else fails the whole body: a callback we
 * cannot read exactly is one whose signature we cannot check. */
#ifndef KC_FORM_H
#define KC_FORM_H

#include <stddef.h>

#define KC_FORM_BODY_MAX  (64 * 1024) /* bytes of encoded body */
#define KC_FORM_PAIRS_MAX 128
#define KC_FORM_NAME_MAX  128   /* bytes of a decoded name */
#define KC_FORM_VALUE_MAX 16384 /* bytes of a decoded value */

struct kc_form_pair {
	const char *name, *value; /* decoded, NUL-terminated */
	size_t name_len, value_len;
};

struct kc_form {
	size_t n;
	/* Sorted by name, then value, comparing UTF-16 code units as
	 * Twilio's signature does (kc_form_cmp); repeated names are all
	 * kept. */
	struct kc_form_pair *pairs;
	char *store; /* owns the decoded text */
};

/* Parses len bytes of body (an empty body is a form without pairs). 0 and
 * *out (free with kc_form_free), or -1 with err saying which pair and
 * why. */
int kc_form_parse(const char *body, size_t len, struct kc_form **out, char *err,
		  size_t errlen);
void kc_form_free(struct kc_form *f);
/* How many pairs are named name. */
size_t kc_form_count(const struct kc_form *f, const char *name);
/* The value of name when it appears exactly once; NULL when it is absent
 * or repeated (a repeated field that should be single is ambiguous). */
const char *kc_form_get(const struct kc_form *f, const char *name);
/* Orders two valid UTF-8 strings as JavaScript's default sort orders
 * them: by UTF-16 code units, so U+E000..U+FFFF come after the
 * supplementary planes, unlike in byte order. <0, 0 or >0. */
int kc_form_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
