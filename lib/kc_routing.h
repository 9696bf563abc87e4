/* Call routing, in KaiCalls' five modes. The object is stored as JSON on the
 * agent; this module only decides whether one is valid. */
#ifndef KC_ROUTING_H
#define KC_ROUTING_H

#include "kc_json.h"

/* 0 if routing is a complete, valid routing object; otherwise -1 with e
 * naming the field. Whether fallback_agent_id names an agent of the
 * business is for the caller to check (it needs the database). */
int kc_routing_validate(const json_t *routing, struct kc_verr *e);
/* The routing a new agent starts with: the AI answers every call. */
json_t *kc_routing_default(const char *agent_id);

#endif
