#include "kc_buf.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
kc_buf_init(struct kc_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int
kc_buf_grow(struct kc_buf *b, size_t need)
{
	size_t ncap;
	char *p;

	if (need > b->max || need + 1 < need)
		return -1;
	if (need + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	/* Not realloc: the old block may hold a secret (an answer with a
	 * webhook secret or an API key), and is wiped before it is freed. */
	if ((p = malloc(ncap)) == NULL)
		return -1;
	if (b->data) {
		memcpy(p, b->data, b->len + 1 <= b->cap ? b->len + 1 : b->cap);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
kc_buf_append(struct kc_buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len || kc_buf_grow(b, b->len + n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
kc_buf_puts(struct kc_buf *b, const char *s)
{
	return kc_buf_append(b, s, strlen(s));
}

int
kc_buf_putc(struct kc_buf *b, char c)
{
	return kc_buf_append(b, &c, 1);
}

int
kc_buf_vprintf(struct kc_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || (size_t)n > b->max - b->len ||
	    kc_buf_grow(b, b->len + (size_t)n) != 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
kc_buf_printf(struct kc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = kc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
kc_buf_reset(struct kc_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
kc_buf_take(struct kc_buf *b, size_t *len)
{
	char *p;

	if (b->data == NULL && kc_buf_grow(b, 0) != 0)
		return NULL;
	b->data[b->len] = '\0';
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
kc_buf_free(struct kc_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
