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

/* The audit log's filters (the API's and the dashboard's); NULL members
 * match all. actor is the actor's id (usr_..., key_..., or the job's
 * name for the system), target the target's id;
 * since and until are MariaDB time text: since <= created_at < until. */
struct kc_audit_query {
	const char *actor, *action, *target;
	const char *since, *until;
};
/* A page of entries, newest first by time, each filter shape on an index
 * of its own. KC_NOTFOUND for a cursor that names no entry. */
int kc_audit_find(struct kc_db *db, long long business_id,
		  const struct kc_audit_query *q, const char *starting_after,
		  int limit, json_t **out);

#endif
