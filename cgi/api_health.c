#include "handlers.h"
#include "kc_log.h"

/* Liveness: the process answers. No database, no key: this is also the
 * trivial route the benchmark compares the real ones against. */
int
kc_h_livez(struct kc_req *req)
{
	return kc_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

/* Readiness: the database answers a query. */
int
kc_h_healthz(struct kc_req *req)
{
	struct kc_rows *r = NULL;
	int ok;

	ok = kc_db_ping(req->db) == 0 &&
	     kc_db_query(req->db, KC_SQL_HEALTH, NULL, 0, &r) == 0 &&
	     r->nrows == 1;
	kc_rows_free(r);
	if (!ok)
		return kc_db_unavailable_problem(req);
	return kc_reply_json(req, 200,
			     json_pack("{s:s, s:s, s:s}", "status", "ok",
				       "database", "ok", "version",
				       KC_VERSION));
}
