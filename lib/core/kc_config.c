#include "kc_config.h"
#include "kc_crypto.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	    {"breaker_cooldown", offsetof(struct kc_config, breaker_cooldown),
	     1, 86400, "1s to 24h"},
	    {"breaker_cooldown_max",
	     offsetof(struct kc_config, breaker_cooldown_max), 1, 7 * 86400,
	     "1s to 7d"},
	};
	size_t i;

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
	static const struct {
		const char *env, *key;
	} envs[] = {
	    {"KC_DB_HOST", "db_host"},
	    {"KC_DB_PORT", "db_port"},
	    {"KC_DB_SOCKET", "db_socket"},
	    {"KC_DB_USER", "db_user"},
	    {"KC_DB_PASSWORD", "db_password"},
	    {"KC_DB_NAME", "db_name"},
	    {"KC_SQL_DIR", "sql_dir"},
	    {"KC_MASTER_KEY", "master_key"},
	    {"KC_LOG_LEVEL", "log_level"},
	    {"KC_AUTH_CACHE_MS", "auth_cache_ms"},
	    {"KC_WEBHOOK_ALLOW_HOSTS", "webhook_allow_hosts"},
	    {"KC_DELIVERY_SCHEDULE", "delivery_schedule"},
	    {"KC_DELIVERY_TIMEOUT", "delivery_timeout"},
	    {"KC_DELIVERY_LEASE", "delivery_lease"},
	    {"KC_DELIVERY_BATCH", "delivery_batch"},
	    {"KC_DELIVERY_CA_FILE", "delivery_ca_file"},
	    {"KC_RETRY_AFTER_MAX", "retry_after_max"},
	    {"KC_ENDPOINT_DISABLE_AFTER", "endpoint_disable_after"},
	    {"KC_ATTEMPTS_RETENTION", "attempts_retention"},
	    {"KC_EVENTS_RETENTION", "events_retention"},
	    {"KC_BREAKER_THRESHOLD", "breaker_threshold"},
	    {"KC_BREAKER_COOLDOWN", "breaker_cooldown"},
	    {"KC_BREAKER_COOLDOWN_MAX", "breaker_cooldown_max"},
	};
	char sub[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	c->db_port = 3306;
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
	c->breaker_threshold = 5;
	c->breaker_cooldown = 30;
	c->breaker_cooldown_max = 3600;
	if (kc_duration_list_parse(KC_SCHEDULE_DEFAULT, c->delivery_schedule,
				   KC_SCHEDULE_MAX,
				   &c->delivery_schedule_len) != 0)
		goto nomem;
	if (set_str(&c->db_user, "kaicalls") != 0 ||
	    set_str(&c->db_name, "kaicalls") != 0 ||
	    set_str(&c->sql_dir, KC_SQL_DIR) != 0)
		goto nomem;
	if (path == NULL)
		path = getenv("KC_CONF");
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
	if (c->breaker_cooldown_max < c->breaker_cooldown) {
		snprintf(err, errlen,
			 "breaker_cooldown_max (%llds) must not be shorter "
			 "than breaker_cooldown (%llds)",
			 c->breaker_cooldown_max, c->breaker_cooldown);
		goto fail;
	}
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
	free(c->webhook_allow_hosts);
	free(c->delivery_ca_file);
	OPENSSL_cleanse(c, sizeof(*c)); /* the master key with the rest */
}
