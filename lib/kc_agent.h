/* A business's AI agent: what it says, how it sounds, and how calls reach
 * it (routing). Each business has exactly one primary agent. */
#ifndef KC_AGENT_H
#define KC_AGENT_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_id.h"
#include "kc_json.h"

#include <jansson.h>

/* Inserts the primary agent with default settings and routing; the caller
 * holds the transaction. id_out (KC_ID_MAX) may be NULL. */
int kc_agent_create_primary(struct kc_db *db, long long business_id,
			    const char *business_name, char *id_out);
int kc_agent_set_profile(struct kc_db *db, long long business_id,
			 const char *name, const char *prompt,
			 const char *voice, const char *greeting,
			 const char *language);
/* The primary agent as the API shows it, numbers and routing included,
 * as JSON text (malloc'd). */
int kc_agent_get_text(struct kc_db *db, long long business_id, char **out);
/* Applies patch (RFC 7396 merge patch) to the routing, validates the
 * result, stores it and writes the audit row with before and after, all in
 * one transaction. 0 with *routing_out, KC_NOTFOUND, KC_INVALID with e,
 * or -1. */
int kc_agent_update_routing(struct kc_db *db, const struct kc_actor *actor,
			    long long business_id, const json_t *patch,
			    json_t **routing_out, struct kc_verr *e);
/* The same with routing as the whole new routing object (the dashboard's
 * editor, where a section left out is a section removed): the same
 * validation, the same audit row (agent.routing.updated). */
int kc_agent_replace_routing(struct kc_db *db, const struct kc_actor *actor,
			     long long business_id, const json_t *routing,
			     json_t **routing_out, struct kc_verr *e);

#endif
