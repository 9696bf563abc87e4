/* Deliveries: one per event and endpoint, owed from the moment the event
 * commits. This file reads them; the delivery engine (kcctl deliver)
 * makes them arrive. */
#ifndef KC_DELIVERY_H
#define KC_DELIVERY_H

#include "kc_db.h"

#include <jansson.h>

struct kc_delivery_filter {
	const char *event;    /* evt_..., or NULL */
	const char *endpoint; /* ep_..., or NULL */
	const char *status;   /* pending, in_flight, delivered, failed, dead */
};

/* 1 if s is a delivery status. */
int kc_delivery_status_valid(const char *s);
/* A page of deliveries, newest first; KC_NOTFOUND for an unknown cursor. */
int kc_delivery_list(struct kc_db *db, long long business_id,
		     const struct kc_delivery_filter *f,
		     const char *starting_after, int limit, json_t **out);

#endif
