/* API requests of this node, counted by route pattern (never the raw
 * path, whose ids would make a series per object), method and status,
 * with their durations: in a shared region (kc_shm) that every FastCGI
 * process of the node adds to, so one scrape sees them all. */
#ifndef KC_REQ_METRICS_H
#define KC_REQ_METRICS_H

#include "kc_buf.h"
#include "kc_config.h"
#include "request.h"

/* Opens (or creates) the region "http-metrics" in cfg->run_dir. Without
 * it the program serves as before, without request metrics: -1, and the
 * reason logged. */
int kc_reqm_open(const struct kc_config *cfg);
void kc_reqm_close(void);
/* One request answered: route is req->route (-1: none matched), method
 * req->method (0: not one we know). Does nothing without the region. */
void kc_reqm_record(int route, enum kc_method method, int status,
		    long long micros);
/* The counter and the histogram, in the Prometheus text format; only the
 * series that have seen a request. Nothing without the region. */
int kc_reqm_render(struct kc_buf *out);

#endif
