/* Process-wide configuration: a `key = value` file, then KC_* environment
 * variables on top (so scripts and operators can point at another DB). */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include "kc_log.h"

#include <stddef.h>

/* Retries after the first try, at most. */
#define KC_SCHEDULE_MAX 32
/* The documented default: see README, "Retries". */
#define KC_SCHEDULE_DEFAULT "5s,5m,30m,2h,5h,10h,14h,20h,24h"

struct kc_config {
	char *db_host; /* NULL: use db_socket */
	unsigned db_port;
	char *db_socket;
	char *db_user;
	char *db_password;
	char *db_name;
	char *sql_dir;
	unsigned char master_key[32]; /* seals webhook secrets at rest */
	int has_master_key;
	enum kc_log_level log_level;
	long long auth_cache_ms;   /* how long a verified key is trusted */
	char *webhook_allow_hosts; /* may use http and internal addresses */
	long long
	    webhook_secret_grace; /* seconds an old secret keeps signing */

	/* The delivery engine (kcctl deliver, replay, maintain). */
	long long
	    delivery_schedule[KC_SCHEDULE_MAX]; /* seconds before retry n */
	size_t delivery_schedule_len;
	long long delivery_timeout; /* seconds per try */
	long long delivery_lease;   /* seconds a claimed delivery is ours */
	long long delivery_batch;   /* deliveries claimed at once */
	char *delivery_ca_file;     /* NULL: the system's trust store */
	long long retry_after_max;  /* cap on a receiver's Retry-After */
	long long endpoint_disable_after; /* seconds failing before disabling */
	long long attempts_retention;     /* seconds attempts are kept */
	long long events_retention;       /* seconds finished events are kept */
	/* The circuit breaker of an endpoint (README, Delivery). */
	long long breaker_threshold;    /* consecutive failures that open it */
	long long breaker_cooldown;     /* seconds until the first probe */
	long long breaker_cooldown_max; /* the cool-down doubles up to this */
};

/* Loads path (or $KC_CONF when path is NULL; no file at all is fine when
 * neither is set) and applies the environment. On failure err says why,
 * naming the line. */
int kc_config_load(struct kc_config *c, const char *path, char *err,
		   size_t errlen);
void kc_config_free(struct kc_config *c);

#endif
