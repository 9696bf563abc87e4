#include "req_metrics.h"
#include "kc_log.h"
#include "kc_prom.h"
#include "kc_shm.h"
#include "routes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statuses the API answers with, each its own series; any other is
 * counted in its class (code="4xx"), and one outside 100-599, which is
 * no HTTP status, as code="other". */
static const int codes[] = {200, 201, 202, 204, 400, 401, 403, 404, 405, 409,
			    410, 413, 415, 422, 429, 500, 502, 503, 504};
#define NCODES (sizeof(codes) / sizeof(codes[0]))
/* The five classes, then "other". */
#define CODE_SLOTS (NCODES + 6)
#define CODE_OTHER (NCODES + 5)

/* The buckets' upper bounds in microseconds (0.005 s to 10 s): an API
 * request takes milliseconds, the tail shows stalls. */
static const long long bounds_us[] = {5000,    10000,   25000,   50000,
				      100000,  250000,  500000,  1000000,
				      2500000, 5000000, 10000000};
#define NBOUNDS (sizeof(bounds_us) / sizeof(bounds_us[0]))
/* Per (route, code): a count per bucket (the last above every bound),
 * then the sum of the durations in microseconds. */
#define WORDS (NBOUNDS + 2)

/* Requests that matched no route are counted by method (7 KC_M_* bits),
 * and apart those whose method we do not know. */
#define METHODS 7

static struct kc_shm *region;

static size_t
route_slots(void)
{
	return kc_route_count() + METHODS + 1;
}

static size_t
code_slot(int status)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (codes[i] == status)
			return i;
	if (status >= 100 && status <= 599)
		return NCODES + (size_t)(status / 100 - 1);
	return CODE_OTHER;
}

static size_t
route_slot(int route, enum kc_method m)
{
	size_t i;

	if (route >= 0 && (size_t)route < kc_route_count())
		return (size_t)route;
	for (i = 0; i < METHODS; i++)
		if ((unsigned)m == 1u << i)
			return kc_route_count() + i;
	return kc_route_count() + METHODS;
}

/* What the words mean: a region laid out by another version (another
 * route table) is not reused. */
static uint64_t
layout(void)
{
	uint64_t h = KC_SHM_LAYOUT_INIT;
	size_t i;

	h = kc_shm_layout_hash(h, "kc-http-metrics-2", 17);
	for (i = 0; i < kc_route_count(); i++) {
		const struct kc_route *r = kc_route_at(i);

		/* Each with its NUL, so no two tables hash alike by
		 * where their strings break. */
		h = kc_shm_layout_hash(h, kc_method_name(r->method),
				       strlen(kc_method_name(r->method)) + 1);
		h = kc_shm_layout_hash(h, r->pattern, strlen(r->pattern) + 1);
	}
	h = kc_shm_layout_hash(h, codes, sizeof(codes));
	return kc_shm_layout_hash(h, bounds_us, sizeof(bounds_us));
}

int
kc_reqm_open(const struct kc_config *cfg)
{
	char err[512];
	size_t size = route_slots() * CODE_SLOTS * WORDS * sizeof(kc_shm_u64);

	if (region)
		return 0;
	if (kc_shm_open(cfg->run_dir, "http-metrics", layout(), size, &region,
			err, sizeof(err)) != 0) {
		kc_warn("serving without request metrics: %s", err);
		return -1;
	}
	return 0;
}

void
kc_reqm_close(void)
{
	kc_shm_close(region);
	region = NULL;
}

void
kc_reqm_record(int route, enum kc_method method, int status, long long micros)
{
	kc_shm_u64 *w;
	size_t b;

	if (region == NULL)
		return;
	if (micros < 0)
		micros = 0;
	w = (kc_shm_u64 *)kc_shm_data(region) +
	    (route_slot(route, method) * CODE_SLOTS + code_slot(status)) *
		WORDS;
	for (b = 0; b < NBOUNDS && micros > bounds_us[b]; b++)
		;
	kc_shm_add(&w[b], 1);
	kc_shm_add(&w[NBOUNDS + 1], (uint64_t)micros);
}

/* The labels of slot (r, c): method, route, code. */
static void
labels(size_t r, size_t c, struct kc_prom_label l[3], char *code, size_t cap)
{
	const struct kc_route *rt = kc_route_at(r);

	if (rt) {
		l[0] = (struct kc_prom_label){"method",
					      kc_method_name(rt->method)};
		l[1] = (struct kc_prom_label){"route", rt->pattern};
	} else {
		r -= kc_route_count();
		l[0] = (struct kc_prom_label){
		    "method", r < METHODS
				  ? kc_method_name((enum kc_method)(1u << r))
				  : "other"};
		l[1] = (struct kc_prom_label){"route", "unmatched"};
	}
	if (c < NCODES)
		snprintf(code, cap, "%d", codes[c]);
	else if (c == CODE_OTHER)
		snprintf(code, cap, "other");
	else
		snprintf(code, cap, "%zuxx", c - NCODES + 1);
	l[2] = (struct kc_prom_label){"code", code};
}

int
kc_reqm_render(struct kc_buf *out)
{
	size_t nslots = route_slots() * CODE_SLOTS, i, k;
	double bounds[NBOUNDS];
	kc_shm_u64 *w;
	uint64_t *snap, *s;
	struct kc_prom_label l[3];
	char code[8];
	int rc = 0;

	if (region == NULL)
		return 0;
	for (k = 0; k < NBOUNDS; k++)
		bounds[k] = (double)bounds_us[k] / 1e6;
	/* One copy, so the counter and the histogram tell the same story
	 * while other processes go on adding. */
	if ((snap = malloc(nslots * WORDS * sizeof(*snap))) == NULL)
		return -1;
	w = kc_shm_data(region);
	for (i = 0; i < nslots * WORDS; i++)
		snap[i] = kc_shm_load(&w[i]);
	rc |= kc_prom_family(out, "kaicalls_http_requests_total", "counter",
			     "API requests answered by this node, by route "
			     "pattern, method and status.");
	for (i = 0; i < nslots; i++) {
		uint64_t n = 0;

		s = snap + i * WORDS;
		for (k = 0; k <= NBOUNDS; k++)
			n += s[k];
		if (n == 0)
			continue;
		labels(i / CODE_SLOTS, i % CODE_SLOTS, l, code, sizeof(code));
		rc |=
		    kc_prom_uint(out, "kaicalls_http_requests_total", l, 3, n);
	}
	rc |= kc_prom_family(
	    out, "kaicalls_http_request_duration_seconds", "histogram",
	    "How long API requests took, from their arrival to "
	    "their answer being ready.");
	for (i = 0; i < nslots; i++) {
		uint64_t n = 0;

		s = snap + i * WORDS;
		for (k = 0; k <= NBOUNDS; k++)
			n += s[k];
		if (n == 0)
			continue;
		labels(i / CODE_SLOTS, i % CODE_SLOTS, l, code, sizeof(code));
		rc |= kc_prom_histogram(
		    out, "kaicalls_http_request_duration_seconds", l, 3, bounds,
		    NBOUNDS, s, (long long)s[NBOUNDS + 1]);
	}
	free(snap);
	return rc ? -1 : 0;
}
