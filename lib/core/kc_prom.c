#include "kc_prom.h"

#include <inttypes.h>
#include <stdio.h>

int
kc_prom_family(struct kc_buf *b, const char *name, const char *type,
	       const char *help)
{
	size_t i;
	int rc;

	rc = kc_buf_printf(b, "# HELP %s ", name);
	/* HELP text escapes only backslash and newline. */
	for (i = 0; help[i] && rc == 0; i++) {
		if (help[i] == '\\')
			rc = kc_buf_puts(b, "\\\\");
		else if (help[i] == '\n')
			rc = kc_buf_puts(b, "\\n");
		else
			rc = kc_buf_putc(b, help[i]);
	}
	return rc | kc_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

static int
label_value(struct kc_buf *b, const char *v)
{
	int rc = 0;

	for (; *v && rc == 0; v++) {
		if (*v == '\\')
			rc = kc_buf_puts(b, "\\\\");
		else if (*v == '"')
			rc = kc_buf_puts(b, "\\\"");
		else if (*v == '\n')
			rc = kc_buf_puts(b, "\\n");
		else
			rc = kc_buf_putc(b, *v);
	}
	return rc;
}

/* name suffix {labels, and le when given} and the space before the
 * value. */
static int
series(struct kc_buf *b, const char *name, const char *suffix,
       const struct kc_prom_label *l, size_t nl, const char *le)
{
	size_t i;
	int rc;

	rc = kc_buf_printf(b, "%s%s", name, suffix);
	if (nl == 0 && le == NULL)
		return rc | kc_buf_putc(b, ' ');
	rc |= kc_buf_putc(b, '{');
	for (i = 0; i < nl; i++) {
		rc |= kc_buf_printf(b, "%s%s=\"", i ? "," : "", l[i].name);
		rc |= label_value(b, l[i].value);
		rc |= kc_buf_putc(b, '"');
	}
	if (le) {
		rc |= kc_buf_printf(b, "%sle=\"", nl ? "," : "");
		rc |= label_value(b, le);
		rc |= kc_buf_putc(b, '"');
	}
	return rc | kc_buf_puts(b, "} ");
}

int
kc_prom_int(struct kc_buf *b, const char *name, const struct kc_prom_label *l,
	    size_t nl, long long v)
{
	return series(b, name, "", l, nl, NULL) | kc_buf_printf(b, "%lld\n", v);
}

int
kc_prom_uint(struct kc_buf *b, const char *name, const struct kc_prom_label *l,
	     size_t nl, uint64_t v)
{
	return series(b, name, "", l, nl, NULL) |
	       kc_buf_printf(b, "%" PRIu64 "\n", v);
}

static int
micro(struct kc_buf *b, long long v)
{
	unsigned long long a =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	return kc_buf_printf(b, "%s%llu.%06llu\n", v < 0 ? "-" : "",
			     a / 1000000, a % 1000000);
}

int
kc_prom_micro(struct kc_buf *b, const char *name, const struct kc_prom_label *l,
	      size_t nl, long long v)
{
	return series(b, name, "", l, nl, NULL) | micro(b, v);
}

void
kc_prom_bound(double bound, char *out, size_t cap)
{
	snprintf(out, cap, "%g", bound);
}

int
kc_prom_histogram(struct kc_buf *b, const char *name,
		  const struct kc_prom_label *l, size_t nl,
		  const double *bounds, size_t nbounds, const uint64_t *counts,
		  long long sum_micro)
{
	char le[32];
	uint64_t total = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i <= nbounds; i++) {
		total += counts[i];
		if (i < nbounds)
			kc_prom_bound(bounds[i], le, sizeof(le));
		else
			snprintf(le, sizeof(le), "+Inf");
		rc |= series(b, name, "_bucket", l, nl, le);
		rc |= kc_buf_printf(b, "%" PRIu64 "\n", total);
	}
	rc |= series(b, name, "_sum", l, nl, NULL) | micro(b, sum_micro);
	rc |= series(b, name, "_count", l, nl, NULL);
	return rc | kc_buf_printf(b, "%" PRIu64 "\n", total);
}
