/* HTML output, escaped by default (cgit's html.h): one writer per
 * context, each appending to a kc_buf. Text and attribute values escape
 * & < > " and ', so a value is harmless in element content and in a
 * quoted attribute alike; a URL part is percent-encoded. Raw output is
 * for string literals only (html_lit, which will not compile with a
 * variable). */
#ifndef KC_HTML_H
#define KC_HTML_H

#include "kc_buf.h"

#include <stddef.h>

/* Element content. */
int html_txt(struct kc_buf *b, const char *s);
int html_txtn(struct kc_buf *b, const char *s, size_t n);
/* A quoted attribute value (the quotes are the caller's literal). */
int html_attr(struct kc_buf *b, const char *s);
/* One component of a URL (a path segment or a query value): everything
 * but RFC 3986's unreserved characters is percent-encoded. */
int html_url_arg(struct kc_buf *b, const char *s);
/* printf, then escaped as text: the format's literal parts too. */
int html_txtf(struct kc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A literal of the program's own, unescaped. The "" makes anything but
 * a string literal a compile error. */
#define html_lit(b, s) kc_buf_puts((b), "" s "")

#endif
