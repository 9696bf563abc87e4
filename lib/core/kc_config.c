#include "kc_config.h"
#include "kc_crypto.h"
#include "kc_time.h"
#include "kc_url.h"

#include <openssl/crypto.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
set_str(char **dst, const char *v)
{
	char *p = strdup(v);

	if (p == NULL)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

static int
parse_port(const char *v, unsigned *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || n < 1 || n > 65535)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* A base URL setting: absolute http(s), no query or fragment, kept
 * without a trailing '/' so that paths can be appended. */
static int
set_base_url(char **dst, const char *key, const char *val, int need_https,
	     char *err, size_t errlen)
{
	struct kc_url u;
	char why[128];
	size_t n = strlen(val);

	if (kc_url_parse(val, &u, why, sizeof(why)) != 0 ||
	    strpbrk(val, "?#") != NULL) {
		snprintf(err, errlen,
			 "%s: an absolute http(s) URL without query or "
			 "fragment",
			 key);
		return -1;
	}
	/* The auth token goes in every request's Authorization header. */
	if (need_https && !u.https && strcmp(u.host, "127.0.0.1") != 0 &&
	    strcmp(u.host, "::1") != 0 && strcmp(u.host, "localhost") != 0) {
		snprintf(err, errlen, "%s: https, unless the host is loopback",
			 key);
		return -1;
	}
	while (n > 0 && val[n - 1] == '/')
		n--;
	free(*dst);
	if ((*dst = strndup(val, n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
apply_carrier(struct kc_config *c, const char *key, const char *val, char *err,
	      size_t errlen)
{
	size_t i;

	if (strcmp(key, "carrier_base_url") == 0)
		return set_base_url(&c->carrier_base_url, key, val, 1, err,
				    errlen);
	if (strcmp(key, "public_base_url") == 0)
		return set_base_url(&c->public_base_url, key, val, 0, err,
				    errlen);
	if (strcmp(key, "carrier_account_sid") == 0) {
		/* Twilio's form: AC and 32 hex digits. */
		int ok = strlen(val) == 34 && strncmp(val, "AC", 2) == 0;

		for (i = 2; ok && i < 34; i++)
			ok = strchr("0123456789abcdefABCDEF", val[i]) != NULL;
		if (!ok) {
			snprintf(err, errlen,
				 "carrier_account_sid: AC and 32 hex digits");
			return -1;
		}
		return set_str(&c->carrier_account_sid, val);
	}
	if (strcmp(key, "carrier_auth_token_sealed") == 0)
		return set_str(&c->carrier_auth_token_sealed, val);
	if (strcmp(key, "carrier_auth_token") == 0) {
		snprintf(
		    err, errlen,
		    "carrier_auth_token: not in plaintext; give "
		    "carrier_auth_token_sealed (kcctl seal-carrier-token)");
		return -1;
	}
	if (strcmp(key, "carrier_ca_file") == 0)
		return set_str(&c->carrier_ca_file, val);
	if (strcmp(key, "carrier_concurrency") == 0) {
		char *end;
		errno = 0;
		c->carrier_concurrency = strtoll(val, &end, 10);
		if (errno || *val == '\0' || *end ||
		    c->carrier_concurrency < 1 ||
		    c->carrier_concurrency > 1000) {
			snprintf(err, errlen, "carrier_concurrency: 1 to 1000");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

static int
token_valid(const char *t, size_t n)
{
	size_t i;

	if (n < 1 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return 1;
}

int
kc_carrier_token_seal(const unsigned char key[32], const char *token,
		      char **b64, char *err, size_t errlen)
{
	unsigned char *sealed = NULL;
	size_t n, cap;
	int rc = -1;

	*b64 = NULL;
	if (!token_valid(token, strlen(token))) {
		snprintf(err, errlen,
			 "the auth token must be 1 to 128 printable ASCII "
			 "characters, without spaces");
		return -1;
	}
	if (kc_seal(key, token, strlen(token), KC_CARRIER_TOKEN_AAD,
		    strlen(KC_CARRIER_TOKEN_AAD), &sealed, &n) != 0) {
		snprintf(err, errlen, "could not seal the token");
		return -1;
	}
	cap = 4 * ((n + 2) / 3) + 1;
	if ((*b64 = malloc(cap)) == NULL ||
	    kc_base64_encode(sealed, n, *b64, cap) == 0) {
		free(*b64);
		*b64 = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(sealed);
	return rc;
}

/* Opens carrier_auth_token_sealed into carrier_auth_token, or says in
 * carrier_error why not. -1 only when out of memory. */
static int
open_token(struct kc_config *c)
{
	const char *b64 = c->carrier_auth_token_sealed;
	size_t n = strlen(b64), len, plen = 0;
	unsigned char *blob, *plain = NULL;

	if (!c->has_master_key) {
		snprintf(c->carrier_error, sizeof(c->carrier_error),
			 "carrier_auth_token_sealed needs master_key");
		return 0;
	}
	if ((blob = malloc(n / 4 * 3 + 3)) == NULL)
		return -1;
	if (kc_base64_decode(b64, n, blob, n / 4 * 3 + 3, &len) != 0 ||
	    kc_unseal(c->master_key, blob, len, KC_CARRIER_TOKEN_AAD,
		      strlen(KC_CARRIER_TOKEN_AAD), &plain, &plen) != 0 ||
	    !token_valid((const char *)plain, plen)) {
		snprintf(c->carrier_error, sizeof(c->carrier_error),
			 "carrier_auth_token_sealed does not open under "
			 "master_key (seal it again with kcctl "
			 "seal-carrier-token)");
		if (plain) {
			OPENSSL_cleanse(plain, plen);
			free(plain);
		}
	} else
		c->carrier_auth_token = (char *)plain;
	free(blob);
	return 0;
}

/* The dashboard's settings: 0 applied, -1 refused, 1 not one of them. */
static int
apply_dashboard(struct kc_config *c, const char *key, const char *val,
		char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
		long long min, max;
		const char *hint;
	} durations[] =
	    {
		{"session_idle", offsetof(struct kc_config, session_idle), 1,
		 86400, "1s to 24h"},
		{"session_lifetime",
		 offsetof(struct kc_config, session_lifetime), 60, 30 * 86400LL,
		 "1m to 30d"},
		{"signin_window", offsetof(struct kc_config, signin_window), 1,
		 86400, "1s to 24h"},
	    },
	  counts[] = {
	      {"signin_max_failures",
	       offsetof(struct kc_config, signin_max_account), 1, 1000,
	       "1 to 1000"},
	      {"signin_max_failures_per_address",
	       offsetof(struct kc_config, signin_max_address), 1, 100000,
	       "1 to 100000"},
	      {"password_memory_kib", 0, KC_PW_MIN_MEMORY_KIB,
	       KC_PW_MAX_MEMORY_KIB,
	       "19456 (19 MiB, OWASP's minimum) to 4194304"},
	      {"password_iterations", 1, KC_PW_MIN_ITERATIONS,
	       KC_PW_MAX_ITERATIONS, "2 (OWASP's minimum) to 64"},
	      {"password_lanes", 2, 1, KC_PW_MAX_LANES, "1 to 16"},
	  };
	long long v;
	char *end;
	size_t i;

	if (strcmp(key, "www_dir") == 0) {
		if (val[0] != '/') {
			snprintf(err, errlen, "www_dir: an absolute path");
			return -1;
		}
		return set_str(&c->www_dir, val);
	}
	if (strcmp(key, "trusted_proxies") == 0) {
		if (kc_addr_list_parse(val, &c->trusted_proxies) != 0) {
			snprintf(err, errlen,
				 "trusted_proxies: comma-separated addresses "
				 "or networks (at most %d)",
				 KC_ADDR_LIST_MAX);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		if (strcmp(key, durations[i].key) != 0)
			continue;
		if (kc_duration_parse(val, &v) != 0 || v < durations[i].min ||
		    v > durations[i].max) {
			snprintf(err, errlen, "%s: %s", key, durations[i].hint);
			return -1;
		}
		*(long long *)((char *)c + durations[i].off) = v;
		return 0;
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strcmp(key, counts[i].key) != 0)
			continue;
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || *val == '\0' || *end || v < counts[i].min ||
		    v > counts[i].max) {
			snprintf(err, errlen, "%s: %s", key, counts[i].hint);
			return -1;
		}
		/* The three password settings are uint32_t members of
		 * c->password, told apart by off. */
		if (strncmp(key, "password_", 9) == 0) {
			uint32_t *m[] = {&c->password.memory_kib,
					 &c->password.iterations,
					 &c->password.lanes};
			*m[counts[i].off] = (uint32_t)v;
		} else
			*(long long *)((char *)c + counts[i].off) = v;
		return 0;
	}
	return 1;
}

static int
dashboard_defaults(struct kc_config *c)
{
	c->password.memory_kib = KC_PW_MIN_MEMORY_KIB;
	c->password.iterations = KC_PW_MIN_ITERATIONS;
	c->password.lanes = 1;
	c->session_idle = 30 * 60;
	c->session_lifetime = 12 * 3600;
	c->signin_window = 15 * 60;
	c->signin_max_account = 5;
	c->signin_max_address = 50;
	return set_str(&c->www_dir, KC_WWW_DIR);
}

static int
dashboard_check(const struct kc_config *c, char *err, size_t errlen)
{
	if (!kc_password_params_ok(&c->password)) {
		snprintf(err, errlen,
			 "password_memory_kib, password_iterations and "
			 "password_lanes: argon2id needs at least 8 KiB of "
			 "memory per lane");
		return -1;
	}
	if (c->session_idle > c->session_lifetime) {
		snprintf(err, errlen,
			 "session_idle (%llds) must not be longer than "
			 "session_lifetime (%llds)",
			 c->session_idle, c->session_lifetime);
		return -1;
	}
	return 0;
}

/* The outbound settings (kcctl outbound): the per-business caps, the
 * worker's lease and the voice runtime's URL. */
static int
apply_outbound(struct kc_config *c, const char *key, const char *val, char *err,
	       size_t errlen)
{
	long long *cap = NULL, v;
	char *end;

	if (strcmp(key, "outbound_calls_per_minute") == 0)
		cap = &c->outbound_calls_per_minute;
	else if (strcmp(key, "outbound_messages_per_minute") == 0)
		cap = &c->outbound_messages_per_minute;
	if (cap) {
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || *val < '0' || *val > '9' || *end || v < 1 ||
		    v > 1000000) {
			snprintf(err, errlen, "%s: 1 to 1000000", key);
			return -1;
		}
		*cap = v;
		return 0;
	}
	if (strcmp(key, "outbound_lease") == 0) {
		if (kc_duration_parse(val, &v) != 0 || v < 2 || v > 3600) {
			snprintf(err, errlen, "outbound_lease: 2s to 1h");
			return -1;
		}
		c->outbound_lease = v;
		return 0;
	}
	if (strcmp(key, "outbound_voice_url") == 0)
		return set_base_url(&c->outbound_voice_url, key, val, 0, err,
				    errlen);
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

/* Applies one setting; the same names serve the file and (upper-cased,
 * KC_-prefixed) the environment. */
static int
apply(struct kc_config *c, const char *key, const char *val, char *err,
      size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
		long long min, max;
		const char *hint;
	} durations[] = {
	    {"db_io_timeout", offsetof(struct kc_config, db_io_timeout), 1,
	     3600, "1s to 1h"},
	    {"delivery_timeout", offsetof(struct kc_config, delivery_timeout),
	     1, 60, "1s to 60s"},
	    {"delivery_lease", offsetof(struct kc_config, delivery_lease), 2,
	     3600, "2s to 1h"},
	    {"retry_after_max", offsetof(struct kc_config, retry_after_max), 0,
	     86400, "0 to 24h"},
	    {"endpoint_disable_after",
	     offsetof(struct kc_config, endpoint_disable_after), 1,
	     365 * 86400LL, "1s to 365d"},
	    {"attempts_retention",
	     offsetof(struct kc_config, attempts_retention), 1, 3650 * 86400LL,
	     "a duration such as 30d"},
	    {"events_retention", offsetof(struct kc_config, events_retention),
	     1, 3650 * 86400LL, "a duration such as 90d"},
	    {"carrier_timeout", offsetof(struct kc_config, carrier_timeout), 1,
	     120, "1s to 120s"},
	    {"outbound_reconcile_after",
	     offsetof(struct kc_config, outbound_reconcile_after), 1, 86400,
	     "1s to 24h"},
	    {"outbound_retention",
	     offsetof(struct kc_config, outbound_retention), 1, 3650 * 86400LL,
	     "a duration such as 1460d"},
	    {"carrier_callbacks_retention",
	     offsetof(struct kc_config, carrier_callbacks_retention), 1,
	     3650 * 86400LL, "a duration such as 30d"},
	    {"breaker_cooldown", offsetof(struct kc_config, breaker_cooldown),
	     1, 86400, "1s to 24h"},
	    {"breaker_cooldown_max",
	     offsetof(struct kc_config, breaker_cooldown_max), 1, 7 * 86400,
	     "1s to 7d"},
	    /* Never longer than the FTC allows; shorter is stricter. */
	    {"dnc_registry_max_age",
	     offsetof(struct kc_config, dnc_registry_max_age), 3600,
	     KC_DNC_REGISTRY_MAX_AGE_DEFAULT,
	     "1h to 31d (the FTC's rule: at least every 31 days)"},
	};
	size_t i;
	int rc;

	if (strcmp(key, "db_host") == 0) {
		/* Empty means "no host": connect through db_socket. */
		if (*val == '\0') {
			free(c->db_host);
			c->db_host = NULL;
			return 0;
		}
		return set_str(&c->db_host, val);
	}
	if (strcmp(key, "db_socket") == 0)
		return set_str(&c->db_socket, val);
	if (strcmp(key, "db_user") == 0)
		return set_str(&c->db_user, val);
	if (strcmp(key, "db_password") == 0)
		return set_str(&c->db_password, val);
	if (strcmp(key, "db_name") == 0)
		return set_str(&c->db_name, val);
	if (strcmp(key, "sql_dir") == 0)
		return set_str(&c->sql_dir, val);
	if (strcmp(key, "db_port") == 0) {
		if (parse_port(val, &c->db_port) != 0) {
			snprintf(err, errlen, "db_port: not a port number");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "master_key") == 0) {
		if (strlen(val) != 64 ||
		    kc_hex_decode(val, c->master_key, 32) != 0) {
			snprintf(err, errlen,
				 "master_key: must be 64 hex characters");
			return -1;
		}
		c->has_master_key = 1;
		return 0;
	}
	if (strcmp(key, "auth_cache_ms") == 0) {
		char *end;
		errno = 0;
		c->auth_cache_ms = strtoll(val, &end, 10);
		if (errno || *val == '\0' || *end || c->auth_cache_ms < 0 ||
		    c->auth_cache_ms > 60000) {
			snprintf(err, errlen,
				 "auth_cache_ms: 0 to 60000 milliseconds");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "webhook_allow_hosts") == 0)
		return set_str(&c->webhook_allow_hosts, val);
	if (strcmp(key, "metrics_allow") == 0) {
		if (kc_addr_list_parse(val, &c->metrics_allow) != 0) {
			snprintf(err, errlen,
				 "metrics_allow: comma-separated addresses or "
				 "networks such as 127.0.0.1, ::1, "
				 "10.0.0.0/8 (at most %d)",
				 KC_ADDR_LIST_MAX);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "run_dir") == 0) {
		if (val[0] != '/') {
			snprintf(err, errlen, "run_dir: an absolute path");
			return -1;
		}
		return set_str(&c->run_dir, val);
	}
	if (strncmp(key, "rate_limit_", 11) == 0) {
		for (i = KC_RL_READ; i < KC_RL__MAX; i++)
			if (strcmp(key + 11,
				   kc_rl_kind_name((enum kc_rl_kind)i)) == 0)
				break;
		if (i == KC_RL__MAX)
			goto unknown;
		if (kc_rl_policy_parse(val, &c->rate_limit[i]) != 0) {
			snprintf(err, errlen,
				 "%s: off, or a rate such as 50/s, 600/m or "
				 "100/h with an optional burst (50/s burst "
				 "100), 1/h to 1000000/s, burst at most "
				 "1000000",
				 key);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "webhook_secret_grace") == 0) {
		if (kc_duration_parse(val, &c->webhook_secret_grace) != 0) {
			snprintf(err, errlen,
				 "webhook_secret_grace: a duration such as "
				 "24h");
			return -1;
		}
		return 0;
	}
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		long long v;

		if (strcmp(key, durations[i].key) != 0)
			continue;
		if (kc_duration_parse(val, &v) != 0 || v < durations[i].min ||
		    v > durations[i].max) {
			snprintf(err, errlen, "%s: %s", key, durations[i].hint);
			return -1;
		}
		*(long long *)((char *)c + durations[i].off) = v;
		return 0;
	}
	if (strcmp(key, "delivery_schedule") == 0) {
		if (kc_duration_list_parse(val, c->delivery_schedule,
					   KC_SCHEDULE_MAX,
					   &c->delivery_schedule_len) != 0) {
			snprintf(err, errlen,
				 "delivery_schedule: 1 to %d comma-separated "
				 "durations such as 5s,5m,30m",
				 KC_SCHEDULE_MAX);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "delivery_batch") == 0) {
		char *end;
		errno = 0;
		c->delivery_batch = strtoll(val, &end, 10);
		if (errno || *val == '\0' || *end || c->delivery_batch < 1 ||
		    c->delivery_batch > 1000) {
			snprintf(err, errlen, "delivery_batch: 1 to 1000");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "breaker_threshold") == 0) {
		char *end;
		errno = 0;
		c->breaker_threshold = strtoll(val, &end, 10);
		if (errno || *val == '\0' || *end || c->breaker_threshold < 1 ||
		    c->breaker_threshold > 1000) {
			snprintf(err, errlen, "breaker_threshold: 1 to 1000");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "delivery_ca_file") == 0)
		return set_str(&c->delivery_ca_file, val);
	if (strcmp(key, "log_level") == 0) {
		if (kc_log_level_parse(val, &c->log_level) != 0) {
			snprintf(err, errlen,
				 "log_level: one of debug, info, warn, error");
			return -1;
		}
		return 0;
	}
	if (strncmp(key, "carrier_", 8) == 0 ||
	    strcmp(key, "public_base_url") == 0)
		return apply_carrier(c, key, val, err, errlen);
	if (strncmp(key, "outbound_", 9) == 0)
		return apply_outbound(c, key, val, err, errlen);
	if ((rc = apply_dashboard(c, key, val, err, errlen)) != 1)
		return rc;
unknown:
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
load_file(struct kc_config *c, const char *path, char *err, size_t errlen)
{
	char line[1024], sub[256];
	FILE *f;
	int lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = trim(line), *eq, *key, *val;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'",
				 path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (apply(c, key, val, sub, sizeof(sub)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, sub);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

int
kc_config_load(struct kc_config *c, const char *path, char *err, size_t errlen)
{
	return kc_config_load_at(c, path, KC_CONF_DEFAULT, err, errlen);
}

int
kc_config_load_at(struct kc_config *c, const char *path, const char *fallback,
		  char *err, size_t errlen)
{
	static const struct {
		const char *env, *key;
	} envs[] = {
	    {"KC_DB_HOST", "db_host"},
	    {"KC_DB_PORT", "db_port"},
	    {"KC_DB_SOCKET", "db_socket"},
	    {"KC_DB_USER", "db_user"},
	    {"KC_DB_PASSWORD", "db_password"},
	    {"KC_DB_NAME", "db_name"},
	    {"KC_DB_IO_TIMEOUT", "db_io_timeout"},
	    {"KC_SQL_DIR", "sql_dir"},
	    {"KC_MASTER_KEY", "master_key"},
	    {"KC_LOG_LEVEL", "log_level"},
	    {"KC_AUTH_CACHE_MS", "auth_cache_ms"},
	    {"KC_WEBHOOK_ALLOW_HOSTS", "webhook_allow_hosts"},
	    {"KC_METRICS_ALLOW", "metrics_allow"},
	    {"KC_RUN_DIR", "run_dir"},
	    {"KC_RATE_LIMIT_READ", "rate_limit_read"},
	    {"KC_RATE_LIMIT_WRITE", "rate_limit_write"},
	    {"KC_RATE_LIMIT_INGEST", "rate_limit_ingest"},
	    {"KC_DELIVERY_SCHEDULE", "delivery_schedule"},
	    {"KC_DELIVERY_TIMEOUT", "delivery_timeout"},
	    {"KC_DELIVERY_LEASE", "delivery_lease"},
	    {"KC_DELIVERY_BATCH", "delivery_batch"},
	    {"KC_DELIVERY_CA_FILE", "delivery_ca_file"},
	    {"KC_RETRY_AFTER_MAX", "retry_after_max"},
	    {"KC_ENDPOINT_DISABLE_AFTER", "endpoint_disable_after"},
	    {"KC_ATTEMPTS_RETENTION", "attempts_retention"},
	    {"KC_EVENTS_RETENTION", "events_retention"},
	    /* The dashboard. */
	    {"KC_WWW_DIR", "www_dir"},
	    {"KC_PASSWORD_MEMORY_KIB", "password_memory_kib"},
	    {"KC_PASSWORD_ITERATIONS", "password_iterations"},
	    {"KC_PASSWORD_LANES", "password_lanes"},
	    {"KC_SESSION_IDLE", "session_idle"},
	    {"KC_SESSION_LIFETIME", "session_lifetime"},
	    {"KC_SIGNIN_WINDOW", "signin_window"},
	    {"KC_SIGNIN_MAX_FAILURES", "signin_max_failures"},
	    {"KC_SIGNIN_MAX_FAILURES_PER_ADDRESS",
	     "signin_max_failures_per_address"},
	    {"KC_TRUSTED_PROXIES", "trusted_proxies"},
	    {"KC_CARRIER_BASE_URL", "carrier_base_url"},
	    {"KC_CARRIER_ACCOUNT_SID", "carrier_account_sid"},
	    {"KC_CARRIER_AUTH_TOKEN_SEALED", "carrier_auth_token_sealed"},
	    {"KC_CARRIER_CA_FILE", "carrier_ca_file"},
	    {"KC_CARRIER_TIMEOUT", "carrier_timeout"},
	    {"KC_CARRIER_CONCURRENCY", "carrier_concurrency"},
	    {"KC_PUBLIC_BASE_URL", "public_base_url"},
	    {"KC_OUTBOUND_CALLS_PER_MINUTE", "outbound_calls_per_minute"},
	    {"KC_OUTBOUND_MESSAGES_PER_MINUTE", "outbound_messages_per_minute"},
	    {"KC_OUTBOUND_LEASE", "outbound_lease"},
	    {"KC_OUTBOUND_RECONCILE_AFTER", "outbound_reconcile_after"},
	    {"KC_OUTBOUND_RETENTION", "outbound_retention"},
	    {"KC_CARRIER_CALLBACKS_RETENTION", "carrier_callbacks_retention"},
	    {"KC_OUTBOUND_VOICE_URL", "outbound_voice_url"},
	    {"KC_BREAKER_THRESHOLD", "breaker_threshold"},
	    {"KC_BREAKER_COOLDOWN", "breaker_cooldown"},
	    {"KC_BREAKER_COOLDOWN_MAX", "breaker_cooldown_max"},
	    {"KC_DNC_REGISTRY_MAX_AGE", "dnc_registry_max_age"},
	};
	char sub[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	c->db_port = 3306;
	c->db_io_timeout = 30;
	c->log_level = KC_LOG_INFO;
	c->auth_cache_ms = 1000;
	c->webhook_secret_grace = 86400;
	c->delivery_timeout = 5;
	c->delivery_lease = 60;
	c->delivery_batch = 200;
	c->retry_after_max = 3600;
	c->endpoint_disable_after = 5 * 86400;
	c->attempts_retention = 30 * 86400;
	c->events_retention = 90 * 86400;
	c->carrier_timeout = 10;
	c->carrier_concurrency = 50;
	c->outbound_calls_per_minute = 60;
	c->outbound_messages_per_minute = 600;
	c->outbound_lease = 60;
	c->outbound_reconcile_after = 60;
	/* Four years: the TCPA's statute of limitations. */
	c->outbound_retention = 1460 * 86400LL;
	c->carrier_callbacks_retention = 30 * 86400;
	/* README, "Rate limits", says why these. */
	c->rate_limit[KC_RL_READ] = (struct kc_rl_policy){50 * 3600, 100};
	c->rate_limit[KC_RL_WRITE] = (struct kc_rl_policy){10 * 3600, 20};
	c->rate_limit[KC_RL_INGEST] = (struct kc_rl_policy){50 * 3600, 200};
	c->breaker_threshold = 5;
	c->breaker_cooldown = 30;
	c->breaker_cooldown_max = 3600;
	c->dnc_registry_max_age = KC_DNC_REGISTRY_MAX_AGE_DEFAULT;
	if (kc_duration_list_parse(KC_SCHEDULE_DEFAULT, c->delivery_schedule,
				   KC_SCHEDULE_MAX,
				   &c->delivery_schedule_len) != 0)
		goto nomem;
	if (set_str(&c->db_user, "kaicalls") != 0 ||
	    set_str(&c->db_name, "kaicalls") != 0 ||
	    set_str(&c->sql_dir, KC_SQL_DIR) != 0 ||
	    set_str(&c->run_dir, KC_RUN_DIR_DEFAULT) != 0 ||
	    set_str(&c->carrier_base_url, "https://api.twilio.com") != 0 ||
	    dashboard_defaults(c) != 0)
		goto nomem;
	if (path == NULL)
		path = getenv("KC_CONF");
	/* Only a fallback that is not there is skipped: one that cannot be
	 * read (not ours, say) must fail rather than run on defaults. */
	if (path == NULL && fallback != NULL &&
	    (access(fallback, F_OK) == 0 || errno != ENOENT))
		path = fallback;
	if (path != NULL && *path != '\0' &&
	    load_file(c, path, err, errlen) != 0)
		goto fail;
	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		const char *v = getenv(envs[i].env);

		if (v == NULL)
			continue;
		if (apply(c, envs[i].key, v, sub, sizeof(sub)) != 0) {
			snprintf(err, errlen, "%s: %s", envs[i].env, sub);
			goto fail;
		}
	}
	/* A lease shorter than a try would hand a delivery still being sent
	 * to a second worker. */
	if (c->delivery_lease <= c->delivery_timeout) {
		snprintf(err, errlen,
			 "delivery_lease (%llds) must be longer than "
			 "delivery_timeout (%llds)",
			 c->delivery_lease, c->delivery_timeout);
		goto fail;
	}
	/* The same for an outbound action and its carrier request. */
	if (c->outbound_lease <= c->carrier_timeout) {
		snprintf(err, errlen,
			 "outbound_lease (%llds) must be longer than "
			 "carrier_timeout (%llds)",
			 c->outbound_lease, c->carrier_timeout);
		goto fail;
	}
	if ((c->carrier_account_sid == NULL) !=
	    (c->carrier_auth_token_sealed == NULL)) {
		snprintf(err, errlen,
			 "carrier_account_sid and carrier_auth_token_sealed "
			 "go together");
		goto fail;
	}
	if (c->breaker_cooldown_max < c->breaker_cooldown) {
		snprintf(err, errlen,
			 "breaker_cooldown_max (%llds) must not be shorter "
			 "than breaker_cooldown (%llds)",
			 c->breaker_cooldown_max, c->breaker_cooldown);
		goto fail;
	}
	/* Last, so that master_key may come from anywhere. A token that
	 * does not open fails only what uses the carrier (carrier_error). */
	if (c->carrier_auth_token_sealed && open_token(c) != 0)
		goto nomem;
	if (dashboard_check(c, err, errlen) != 0)
		goto fail;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	kc_config_free(c);
	return -1;
}

void
kc_config_free(struct kc_config *c)
{
	free(c->db_host);
	free(c->db_socket);
	free(c->db_user);
	if (c->db_password)
		OPENSSL_cleanse(c->db_password, strlen(c->db_password));
	free(c->db_password);
	free(c->db_name);
	free(c->sql_dir);
	free(c->run_dir);
	free(c->webhook_allow_hosts);
	free(c->delivery_ca_file);
	free(c->www_dir);
	free(c->carrier_base_url);
	free(c->carrier_account_sid);
	if (c->carrier_auth_token)
		OPENSSL_cleanse(c->carrier_auth_token,
				strlen(c->carrier_auth_token));
	free(c->carrier_auth_token);
	free(c->carrier_auth_token_sealed);
	free(c->carrier_ca_file);
	free(c->public_base_url);
	free(c->outbound_voice_url);
	OPENSSL_cleanse(c, sizeof(*c)); /* the master key with the rest */
}
