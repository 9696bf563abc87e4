/* Helpers for tests that involve the carrier: the fake carrier
 * (tests/carrier/carrier.mjs) at KC_FAKE_CARRIER_URL, trusted through
 * KC_FAKE_CARRIER_CA, and the stack's configuration, which scripts/test
 * points at it (kc_carrier_conf). */
#ifndef ITEST_CARRIER_H
#define ITEST_CARRIER_H

#include "kc_config.h"

#include <jansson.h>
#include <stddef.h>

/* A random US number the carrier takes (area code and exchange 2-9):
 * fresh per test, so that the carrier's log and modes are the test's. */
void itest_carrier_phone(char *out, size_t cap);
/* POSTs json to the fake carrier's path (/_control/...); returns its
 * parsed answer and sets *status. */
json_t *itest_carrier_post(const char *path, const char *json, long *status);
/* How the carrier answers requests To number: fields is the rest of a
 * /_control/number object, e.g. "\"unsubscribed\":true". */
void itest_carrier_mode(const char *number, const char *fields);
/* {"count", "inflight_max", "requests":[...]} the carrier got To number. */
json_t *itest_carrier_log(const char *number);
/* The stack's configuration (KC_CONF), with its carrier: free with
 * kc_config_free. */
void itest_carrier_config(struct kc_config *cfg);

#endif
