#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
html_txtn(struct kc_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *rep;
	int rc = 0;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		/* The plain run before it in one append. */
		rc |= kc_buf_append(b, s + run, i - run);
		rc |= kc_buf_puts(b, rep);
		run = i + 1;
	}
	rc |= kc_buf_append(b, s + run, n - run);
	return rc ? -1 : 0;
}

int
html_txt(struct kc_buf *b, const char *s)
{
	return s ? html_txtn(b, s, strlen(s)) : 0;
}

int
html_attr(struct kc_buf *b, const char *s)
{
	return html_txt(b, s);
}

int
html_url_arg(struct kc_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3] = {'%', 0, 0};
	int rc = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			rc |= kc_buf_putc(b, (char)c);
			continue;
		}
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		rc |= kc_buf_append(b, esc, 3);
	}
	return rc ? -1 : 0;
}

int
html_txtf(struct kc_buf *b, const char *fmt, ...)
{
	char small[256], *s = small;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		if ((s = malloc((size_t)n + 1)) == NULL)
			return -1;
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = html_txtn(b, s, (size_t)n);
	if (s != small)
		free(s);
	return rc;
}
