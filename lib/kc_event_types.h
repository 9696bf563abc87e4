/* The event catalog: every type a webhook endpoint can subscribe to. */
#ifndef KC_EVENT_TYPES_H
#define KC_EVENT_TYPES_H

#include "kc_json.h"

struct kc_event_type {
	const char *name;
	const char *description;
	const char *example; /* the data member of a typical event, JSON */
};

extern const struct kc_event_type kc_event_types[];
extern const size_t kc_event_types_count;

/* An endpoint's filter: a non-empty array of known types, "group.*"
 * wildcards of known groups, or "*". 0 or -1 with e (422) naming the
 * offending item under field. */
int kc_event_filter_validate(const json_t *types, const char *field,
			     struct kc_verr *e);
/* 1 if type passes the filter. */
int kc_event_filter_matches(const json_t *types, const char *type);

#endif
