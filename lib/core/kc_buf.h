/* A growable byte buffer with a size cap (after curl's dynbuf): the cap turns
 * unbounded input into an error instead of unbounded memory. */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct kc_buf {
	char *data; /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
	size_t max; /* appends that would pass this fail */
};

void kc_buf_init(struct kc_buf *b, size_t max);
int kc_buf_append(struct kc_buf *b, const void *p, size_t n);
int kc_buf_puts(struct kc_buf *b, const char *s);
int kc_buf_putc(struct kc_buf *b, char c);
int kc_buf_printf(struct kc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int kc_buf_vprintf(struct kc_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Empties the buffer but keeps its memory for reuse. */
void kc_buf_reset(struct kc_buf *b);
/* Hands the NUL-terminated contents to the caller; the buffer is left empty. */
char *kc_buf_take(struct kc_buf *b, size_t *len);
void kc_buf_free(struct kc_buf *b);

#endif
