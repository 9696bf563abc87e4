/* The one audit log, written by the API, the dashboard and kcctl alike. */
#ifndef KC_AUDIT_H
#define KC_AUDIT_H

#include "kc_db.h"

#include <jansson.h>

/* Who did it: an API key, a dashboard user or the operator's kcctl. */
struct kc_actor {
	const char *type; /* "api_key", "user", "operator" */
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

/* The dashboard's audit log filters; NULL members match all. actor is
 * the actor's id (usr_..., key_..., or kcctl), target the target's id;
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
