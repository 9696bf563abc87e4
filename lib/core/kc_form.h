/* application/x-www-form-urlencoded bodies (what Twilio's callbacks and the
 * dashboard's forms carry), parsed strictly: every pair is name=value with a
 * non-empty name, '+' is a space, '%' is followed by two hex digits, raw
 * bytes are printable ASCII other than space, the decoded text is valid
 * UTF-8 without NUL, and counts and sizes are bounded. Anything else fails
 * the whole body: a callback we cannot read exactly is one whose signature
 * we cannot check, and a browser never sends anything else. */
#ifndef KC_FORM_H
#define KC_FORM_H

#include <stddef.h>

/* The limits of kc_form_parse (the carrier's callbacks). */
#define KC_FORM_BODY_MAX  (64 * 1024) /* bytes of encoded body */
#define KC_FORM_PAIRS_MAX 128
#define KC_FORM_NAME_MAX  128   /* bytes of a decoded name */
#define KC_FORM_VALUE_MAX 16384 /* bytes of a decoded value */

struct kc_form_limits {
	size_t body;  /* bytes of encoded body */
	size_t pairs; /* name=value pairs */
	size_t name;  /* bytes of a decoded name */
	size_t value; /* bytes of a decoded value */
};

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
	size_t store_len;
};

/* Parses len bytes of body (an empty body is a form without pairs) within
 * lim. 0 and *out (free with kc_form_free), or -1 with err saying which
 * pair and why. */
int kc_form_parse_limits(const char *body, size_t len,
			 const struct kc_form_limits *lim, struct kc_form **out,
			 char *err, size_t errlen);
/* kc_form_parse_limits with the KC_FORM_*_MAX limits. */
int kc_form_parse(const char *body, size_t len, struct kc_form **out, char *err,
		  size_t errlen);
/* Wipes the decoded text (a form may carry a password) and frees it;
 * NULL is fine. */
void kc_form_free(struct kc_form *f);
/* How many pairs are named name (0 for a NULL form). */
size_t kc_form_count(const struct kc_form *f, const char *name);
/* The value of name when it appears exactly once; NULL when it is absent
 * or repeated (a repeated field that should be single is ambiguous), or f
 * is NULL. */
const char *kc_form_get(const struct kc_form *f, const char *name);
/* Every value of name, at most cap of them, in the order kc_form sorts
 * them (by value), not the order sent. */
size_t kc_form_all(const struct kc_form *f, const char *name, const char **out,
		   size_t cap);
/* Orders two valid UTF-8 strings as JavaScript's default sort orders
 * them: by UTF-16 code units, so U+E000..U+FFFF come after the
 * supplementary planes, unlike in byte order. <0, 0 or >0. */
int kc_form_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
