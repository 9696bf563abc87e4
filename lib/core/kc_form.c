#include "kc_form.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 if the n bytes at p are valid UTF-8: no overlong forms, surrogates,
 * code points past U+10FFFF, or NUL. */
static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, len, k;

	while (i < n) {
		unsigned c = p[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return 0;
		if (len > n - i)
			return 0;
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return 0;
		i += len;
	}
	return 1;
}

/* Decodes the n encoded bytes at in into out (which has room for n bytes
 * and a NUL); *outlen is the decoded length. -1 with why on a raw byte
 * that should have been escaped or a broken escape. */
static int
decode(const char *in, size_t n, char *out, size_t *outlen, const char **why)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		int hi, lo;

		if (c == '+') {
			out[o++] = ' ';
		} else if (c == '%') {
			if (n - i < 3 ||
			    (hi = hexval((unsigned char)in[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)in[i + 2])) < 0) {
				*why = "'%' must be followed by two hex digits";
				return -1;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f) {
			*why = "spaces, control and non-ASCII bytes must be "
			       "percent-encoded";
			return -1;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Where a UTF-8 lead byte falls in UTF-16 order: U+E000..U+FFFF (lead
 * bytes 0xee and 0xef) are single code units above the surrogates that
 * encode the supplementary planes (lead bytes 0xf0..0xf4). */
static unsigned
utf16_rank(unsigned char c)
{
	if (c == 0xee || c == 0xef)
		return c + 0x10u;
	if (c >= 0xf0)
		return c - 2u;
	return c;
}

int
kc_form_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n && x[i] == y[i]; i++)
		;
	if (i == n)
		return alen < blen ? -1 : alen > blen;
	/* Equal up to i, so both differ at a lead byte or both inside code
	 * points with the same lead byte, where byte order is right. */
	if ((x[i] & 0xc0) == 0x80 || (y[i] & 0xc0) == 0x80)
		return x[i] < y[i] ? -1 : 1;
	return utf16_rank(x[i]) < utf16_rank(y[i]) ? -1 : 1;
}

static int
pair_cmp(const void *pa, const void *pb)
{
	const struct kc_form_pair *a = pa, *b = pb;
	int c = kc_form_cmp(a->name, a->name_len, b->name, b->name_len);

	return c ? c
		 : kc_form_cmp(a->value, a->value_len, b->value, b->value_len);
}

int
kc_form_parse(const char *body, size_t len, struct kc_form **out, char *err,
	      size_t errlen)
{
	static const struct kc_form_limits callback = {
	    KC_FORM_BODY_MAX, KC_FORM_PAIRS_MAX, KC_FORM_NAME_MAX,
	    KC_FORM_VALUE_MAX};

	return kc_form_parse_limits(body, len, &callback, out, err, errlen);
}

int
kc_form_parse_limits(const char *body, size_t len,
		     const struct kc_form_limits *lim, struct kc_form **out,
		     char *err, size_t errlen)
{
	struct kc_form *f;
	const char *p = body, *end = body + len, *why = NULL;
	char *s;
	size_t i, count = len > 0;

	*out = NULL;
	if (len > lim->body) {
		snprintf(err, errlen, "form body over %zu bytes", lim->body);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (body[i] == '&')
			count++;
	if (count > lim->pairs) {
		snprintf(err, errlen, "more than %zu form fields", lim->pairs);
		return -1;
	}
	if ((f = calloc(1, sizeof(*f))) != NULL)
		f->store_len = len + 2 * count + 1;
	if (f == NULL ||
	    (f->pairs = calloc(count ? count : 1, sizeof(*f->pairs))) == NULL ||
	    (f->store = malloc(f->store_len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		kc_form_free(f);
		return -1;
	}
	s = f->store;
	for (i = 0; i < count; i++) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end, *eq;
		struct kc_form_pair *q = &f->pairs[i];

		eq = memchr(p, '=', (size_t)(stop - p));
		if (eq == NULL || eq == p) {
			why = eq ? "empty name" : "no '='";
			goto bad;
		}
		q->name = s;
		if (decode(p, (size_t)(eq - p), s, &q->name_len, &why) != 0)
			goto bad;
		s += q->name_len + 1;
		q->value = s;
		if (decode(eq + 1, (size_t)(stop - eq - 1), s, &q->value_len,
			   &why) != 0)
			goto bad;
		s += q->value_len + 1;
		if (q->name_len > lim->name) {
			why = "name too long";
			goto bad;
		}
		if (q->value_len > lim->value) {
			why = "value too long";
			goto bad;
		}
		if (!utf8_valid((const unsigned char *)q->name, q->name_len) ||
		    !utf8_valid((const unsigned char *)q->value,
				q->value_len)) {
			why = "not valid UTF-8 (or a NUL)";
			goto bad;
		}
		p = stop + 1;
	}
	f->n = count;
	qsort(f->pairs, f->n, sizeof(*f->pairs), pair_cmp);
	*out = f;
	return 0;
bad:
	snprintf(err, errlen, "form field %zu: %s", i + 1, why);
	kc_form_free(f);
	return -1;
}

void
kc_form_free(struct kc_form *f)
{
	if (f == NULL)
		return;
	if (f->store)
		OPENSSL_cleanse(f->store, f->store_len);
	free(f->pairs);
	free(f->store);
	free(f);
}

size_t
kc_form_count(const struct kc_form *f, const char *name)
{
	size_t i, n = 0;

	for (i = 0; f && i < f->n; i++)
		if (strcmp(f->pairs[i].name, name) == 0)
			n++;
	return n;
}

const char *
kc_form_get(const struct kc_form *f, const char *name)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; f && i < f->n; i++) {
		if (strcmp(f->pairs[i].name, name) != 0)
			continue;
		if (v != NULL)
			return NULL;
		v = f->pairs[i].value;
	}
	return v;
}

size_t
kc_form_all(const struct kc_form *f, const char *name, const char **out,
	    size_t cap)
{
	size_t i, n = 0;

	for (i = 0; f && i < f->n && n < cap; i++)
		if (strcmp(f->pairs[i].name, name) == 0)
			out[n++] = f->pairs[i].value;
	return n;
}
