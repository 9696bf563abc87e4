/* Process-wide configuration: a `key = value` file, then KC_* environment
 * variables on top (so scripts and operators can point at another DB). */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include "kc_addr.h"
#include "kc_log.h"
#include "kc_ratelimit.h"
#include "kc_password.h"

#include <stddef.h>

/* Retries after the first try, at most. */
#define KC_SCHEDULE_MAX 32
/* The documented default: see README, "Retries". */
#define KC_SCHEDULE_DEFAULT "5s,5m,30m,2h,5h,10h,14h,20h,24h"
/* The FTC's Telemarketing Sales Rule: a seller refreshes its copy of the
 * National Do-Not-Call Registry at least every 31 days (16 CFR
 * 310.4(b)(3)(iv)); an older copy blocks marketing (README, Compliance). */
#define KC_DNC_REGISTRY_MAX_AGE_DEFAULT (31 * 86400LL)

struct kc_config {
	char *db_host; /* NULL: use db_socket */
	unsigned db_port;
	char *db_socket;
	char *db_user;
	char *db_password;
	char *db_name;
	long long db_io_timeout; /* seconds without an answer = lost; 0 none */
	char *sql_dir;
	unsigned char master_key[32]; /* seals webhook secrets at rest */
	int has_master_key;
	enum kc_log_level log_level;
	long long auth_cache_ms;   /* how long a verified key is trusted */
	char *webhook_allow_hosts; /* may use http and internal addresses */
	long long
	    webhook_secret_grace; /* seconds an old secret keeps signing */
	/* Clients that may read GET /metrics (default: none). */
	struct kc_addr_list metrics_allow;
	/* Where the FastCGI processes of this node share memory (request
	 * metrics): a directory of their own, on tmpfs. */
	char *run_dir;
	/* Each API key's limits on this node, by kind of request (index
	 * enum kc_rl_kind; a key's own, set with kcctl, win). */
	struct kc_rl_policy rate_limit[KC_RL__MAX];

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

	/* The carrier: a Twilio-compatible REST API (lib/carrier/). */
	char *carrier_base_url;    /* no trailing '/'; https unless loopback */
	char *carrier_account_sid; /* NULL: no carrier configured */
	/* Opened at load from carrier_auth_token_sealed with master_key;
	 * never logged, wiped by kc_config_free. NULL with carrier_error
	 * set when it does not open: only what uses the carrier fails, as a
	 * webhook secret sealed under another key fails only its
	 * deliveries. */
	char *carrier_auth_token;
	char carrier_error[160]; /* why the carrier cannot be used, or "" */
	char *carrier_auth_token_sealed; /* as given: base64 */
	char *carrier_ca_file;           /* NULL: the system's trust store */
	long long carrier_timeout;       /* seconds per API request */
	long long carrier_concurrency;   /* API requests in flight at once */
	char *public_base_url; /* how the carrier reaches us; no trailing '/' */
	/* The dashboard (README, Dashboard). */
	char *
	    www_dir; /* templates/ (and static/, which the web server serves) */
	struct kc_pw_params password; /* argon2id for new and rehashed hashes */
	long long session_idle;       /* seconds without a request */
	long long session_lifetime;   /* seconds from sign-in, whatever */
	long long signin_window;      /* seconds failed sign-ins are counted */
	long long signin_max_account; /* ... per account in that window */
	long long signin_max_address; /* ... per client address */
	/* Web servers or proxies in front of us whose X-Forwarded-Proto and
	 * X-Forwarded-For are believed (default: none). */
	struct kc_addr_list trusted_proxies;

	/* Outbound calls and SMS (kcctl outbound, lib/outbound/). */
	long long outbound_calls_per_minute;    /* per business, at most */
	long long outbound_messages_per_minute; /* per business, at most */
	long long outbound_lease; /* seconds a claimed action is the worker's */
	/* Seconds after an unclear carrier answer before the carrier is
	 * asked what became of the action (longer than a callback takes). */
	long long outbound_reconcile_after;
	long long outbound_retention; /* seconds finished actions are kept */
	long long carrier_callbacks_retention; /* seconds, for replays */
	/* Where the carrier fetches an outbound call's TwiML when it is
	 * answered (the voice runtime's); NULL: no calls go out. */
	char *outbound_voice_url;
	/* The circuit breaker of an endpoint (README, Delivery). */
	long long breaker_threshold;    /* consecutive failures that open it */
	long long breaker_cooldown;     /* seconds until the first probe */
	long long breaker_cooldown_max; /* the cool-down doubles up to this */
	/* Seconds after its import that the national DNC registry stops
	 * being good enough for marketing (at most the default). */
	long long dnc_registry_max_age;
};

/* The installed configuration file (make sets it from sysconfdir). */
#ifndef KC_CONF_DEFAULT
#define KC_CONF_DEFAULT "/etc/kaicalls/kaicalls.conf"
#endif

/* Loads path, else $KC_CONF, else KC_CONF_DEFAULT if that file exists (so
 * installed programs need no flag); then applies the environment. An empty
 * $KC_CONF means no file at all. On failure err says why, naming the
 * line. */
int kc_config_load(struct kc_config *c, const char *path, char *err,
		   size_t errlen);
/* The same with the last resort named: fallback, or none when NULL. */
int kc_config_load_at(struct kc_config *c, const char *path,
		      const char *fallback, char *err, size_t errlen);
void kc_config_free(struct kc_config *c);

/* The carrier's auth token is in the configuration only sealed under
 * master_key (AES-256-GCM, this associated data), as base64. */
#define KC_CARRIER_TOKEN_AAD "carrier_auth_token"
/* Seals token (printable ASCII, 1 to 128 characters) for the
 * carrier_auth_token_sealed setting: *b64 is malloc'd. 0, or -1 with
 * err. */
int kc_carrier_token_seal(const unsigned char key[32], const char *token,
			  char **b64, char *err, size_t errlen);

#endif
