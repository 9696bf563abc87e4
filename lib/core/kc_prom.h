/* The Prometheus text exposition format (version 0.0.4): families with
 * their HELP and TYPE lines, samples with escaped label values, and
 * histograms from per-bucket counts. Writes into a kc_buf; knows nothing
 * of HTTP or of what is being measured. */
#ifndef KC_PROM_H
#define KC_PROM_H

#include "kc_buf.h"

#include <stddef.h>
#include <stdint.h>

#define KC_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct kc_prom_label {
	const char *name; /* a valid label name: not escaped */
	const char *value;
};

/* "# HELP" and "# TYPE" for the family name; type is counter, gauge or
 * histogram. Every family's samples follow it, together. */
int kc_prom_family(struct kc_buf *b, const char *name, const char *type,
		   const char *help);
int kc_prom_int(struct kc_buf *b, const char *name,
		const struct kc_prom_label *l, size_t nl, long long v);
int kc_prom_uint(struct kc_buf *b, const char *name,
		 const struct kc_prom_label *l, size_t nl, uint64_t v);
/* A value in millionths, written as an exact decimal (a duration kept in
 * microseconds, shown in seconds). */
int kc_prom_micro(struct kc_buf *b, const char *name,
		  const struct kc_prom_label *l, size_t nl, long long v);

/* One histogram's series: name_bucket{le} for each bound and +Inf,
 * cumulative, from counts of the observations that fell in each bucket
 * (nbounds + 1 counts, the last above every bound); name_sum from
 * sum_micro (millionths); name_count, which is the +Inf bucket. */
int kc_prom_histogram(struct kc_buf *b, const char *name,
		      const struct kc_prom_label *l, size_t nl,
		      const double *bounds, size_t nbounds,
		      const uint64_t *counts, long long sum_micro);
/* A bound as its le label value, e.g. 0.25 -> "0.25", 3600 -> "3600". */
void kc_prom_bound(double bound, char *out, size_t cap);

#endif
