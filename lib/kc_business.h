/* Businesses: the tenant every other object belongs to. */
#ifndef KC_BUSINESS_H
#define KC_BUSINESS_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_id.h"
#include "kc_time.h"

#include <jansson.h>

struct kc_business {
	long long id;
	char public_id[KC_ID_MAX];
	char name[201];
	char timezone[65];
	char created_at[KC_TIME_MAX];
};

/* 1 if tz names a time zone in the system's tz database: "UTC", or a
 * TZif file under /usr/share/zoneinfo that names a place or an offset
 * (not localtime, posixrules, Factory, posix/..., right/..., nor the
 * tables beside the zones). */
int kc_timezone_valid(const char *tz);

/* Creates the business and its primary agent (AI answers every call) in
 * one transaction. slug may be NULL. On a duplicate slug: KC_NOTFOUND is
 * not it; returns -1 and kc_db_errno tells 1062. */
int kc_business_create(struct kc_db *db, const struct kc_actor *actor,
		       const char *name, const char *tz, const char *slug,
		       struct kc_business *out);
/* Lookups: 0 found, KC_NOTFOUND, -1 error. */
int kc_business_get(struct kc_db *db, long long id, struct kc_business *out);
int kc_business_find(struct kc_db *db, const char *public_id,
		     struct kc_business *out);
int kc_business_find_slug(struct kc_db *db, const char *slug,
			  struct kc_business *out);
json_t *kc_business_json(const struct kc_business *b);

#endif
