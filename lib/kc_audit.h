/* The one audit log, written by the API, the dashboard and kcctl alike. */
#ifndef KC_AUDIT_H
#define KC_AUDIT_H

#include "kc_db.h"

#include <jansson.h>

/* Who did it: an API key ("api_key", its id), a dashboard user ("user",
 * its id) or the system ("system", the job's name, e.g. "kcctl dnc import"
 * or "delivery-engine"). */
struct kc_actor {
	const char *type; /* "api_key", "user", "system" */
	const char *id;
	const char *request_id; /* may be NULL */
};

/* before/after may be NULL. Call inside the transaction of the change it
 * records, so both land or neither does. */
int kc_audit_write(struct kc_db *db, long long business_id,
		   const struct kc_actor *actor, const char *action,
		   const char *target_type, const char *target_id,
		   const json_t *before, const json_t *after);

/* A page of entries, newest first, as a list object. Returns KC_NOTFOUND
 * when starting_after names no entry of this business. */
int kc_audit_list(struct kc_db *db, long long business_id,
		  const char *starting_after, int limit, json_t **out);

/* The filters of GET /v1/audit-log; NULL members match all. since and
 * until are MariaDB time text: since <= created_at < until. */
struct kc_audit_filter {
	const char *action;
	const char *target; /* the target's id */
	const char *since, *until;
};
/* kc_audit_list with filters. */
int kc_audit_list_filtered(struct kc_db *db, long long business_id,
			   const struct kc_audit_filter *f,
			   const char *starting_after, int limit, json_t **out);

#endif
