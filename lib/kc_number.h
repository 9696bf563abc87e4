/* Phone numbers a business owns, each answered by one of its agents. */
#ifndef KC_NUMBER_H
#define KC_NUMBER_H

#include "kc_db.h"
#include "kc_id.h"

#include <jansson.h>

/* Adds an E.164 number to the business, answered by its primary agent.
 * -1 with kc_db_errno 1062 if the number is taken. */
int kc_number_add(struct kc_db *db, long long business_id, const char *e164,
		  const char *label, char *id_out);
/* A page of numbers in creation order; KC_NOTFOUND for a foreign or
 * unknown cursor. */
int kc_number_list(struct kc_db *db, long long business_id,
		   const char *starting_after, int limit, json_t **out);
#endif
