/* API key scopes. Names follow what KaiCalls already publishes; keys store
 * them as a canonical comma-separated list so new scopes never renumber. */
#ifndef KC_SCOPE_H
#define KC_SCOPE_H

#include <stddef.h>
#include <stdint.h>

enum kc_scope {
	KC_SCOPE_AGENTS_READ = 1u << 0,
	KC_SCOPE_AGENTS_WRITE = 1u << 1,
	KC_SCOPE_NUMBERS_READ = 1u << 2,
	KC_SCOPE_CALLS_READ = 1u << 3,
	KC_SCOPE_CALLS_WRITE = 1u << 4,
	KC_SCOPE_LEADS_READ = 1u << 5,
	KC_SCOPE_LEADS_WRITE = 1u << 6,
	KC_SCOPE_SMS_READ = 1u << 7,
	KC_SCOPE_SMS_WRITE = 1u << 8,
	KC_SCOPE_WEBHOOKS_READ = 1u << 9,
	KC_SCOPE_WEBHOOKS_WRITE = 1u << 10,
	KC_SCOPE_EVENTS_READ = 1u << 11,
	KC_SCOPE_EVENTS_REPLAY = 1u << 12,
	KC_SCOPE_AUDIT_READ = 1u << 13,
	KC_SCOPE_CONSENT_READ = 1u << 14,
	KC_SCOPE_CONSENT_WRITE = 1u << 15,
	KC_SCOPE_INGEST = 1u << 16,
};

#define KC_SCOPE_ALL ((1u << 17) - 1)
/* What a key gets when created without --scopes: every read, no write. */
#define KC_SCOPES_READ                                                         \
	(KC_SCOPE_AGENTS_READ | KC_SCOPE_NUMBERS_READ | KC_SCOPE_CALLS_READ |  \
	 KC_SCOPE_LEADS_READ | KC_SCOPE_SMS_READ | KC_SCOPE_WEBHOOKS_READ |    \
	 KC_SCOPE_EVENTS_READ | KC_SCOPE_AUDIT_READ | KC_SCOPE_CONSENT_READ)

/* Parses a comma- or space-separated list; "*" means all. On an unknown
 * name returns -1 and copies it into bad. An empty list is an error. */
int kc_scope_parse(const char *list, uint32_t *mask, char *bad, size_t badlen);
/* Canonical, comma-separated, in declaration order. */
int kc_scope_format(uint32_t mask, char *out, size_t outcap);
/* The name of a single scope bit, or NULL. */
const char *kc_scope_name(uint32_t bit);

#endif
