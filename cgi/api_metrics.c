#include "handlers.h"
#include "kc_delivery_metrics.h"
#include "kc_prom.h"
#include "req_metrics.h"

/* GET /metrics (Prometheus). The router shows it only to metrics_allow.
 * Request metrics are this node's; the delivery metrics are the whole
 * cluster's, from the database, and when it cannot be reached the rest
 * is still served, with kaicalls_database_up 0. */
int
kc_h_metrics(struct kc_req *req)
{
	struct kc_delivery_metrics dm;
	struct kc_buf *b = &req->resp.body;
	int up, rc = 0;

	up = req->db &&
	     kc_delivery_metrics_read(req->db, KC_DUE_COUNT_LIMIT, &dm) == 0;
	kc_buf_reset(b);
	rc |= kc_reqm_render(b);
	if (up)
		rc |= kc_delivery_metrics_render(&dm, b);
	rc |= kc_prom_family(b, "kaicalls_database_up", "gauge",
			     "1 if this scrape could read the delivery "
			     "metrics from MariaDB.");
	rc |= kc_prom_int(b, "kaicalls_database_up", NULL, 0, up);
	if (rc != 0)
		return kc_problem(req, 500, "internal", NULL,
				  "the metrics could not be written");
	req->resp.status = 200;
	req->resp.content_type = KC_PROM_CONTENT_TYPE;
	return 200;
}
