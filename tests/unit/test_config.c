/*
 * Unit tests for lib/core/kc_config: the key = value file (comments, blanks,
 * whitespace, errors naming the line), KC_* environment overrides, the
 * installed file as the last resort, and the defaults when there is no file
 * at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kc_config.h"
#include "kc_crypto.h"

#define KEY_HEX                                                                \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const char *const kc_env[] = {
    "KC_CONF",
    "KC_DB_HOST",
    "KC_DB_PORT",
    "KC_DB_SOCKET",
    "KC_DB_USER",
    "KC_DB_PASSWORD",
    "KC_DB_NAME",
    "KC_SQL_DIR",
    "KC_MASTER_KEY",
    "KC_LOG_LEVEL",
    "KC_WEBHOOK_ALLOW_HOSTS",
    "KC_DELIVERY_SCHEDULE",
    "KC_DELIVERY_TIMEOUT",
    "KC_DELIVERY_LEASE",
    "KC_DELIVERY_BATCH",
    "KC_DELIVERY_CA_FILE",
    "KC_RETRY_AFTER_MAX",
    "KC_ENDPOINT_DISABLE_AFTER",
    "KC_ATTEMPTS_RETENTION",
    "KC_EVENTS_RETENTION",
    "KC_METRICS_ALLOW",
    "KC_RUN_DIR",
    "KC_CARRIER_BASE_URL",
    "KC_CARRIER_ACCOUNT_SID",
    "KC_CARRIER_AUTH_TOKEN_SEALED",
    "KC_CARRIER_CA_FILE",
    "KC_CARRIER_TIMEOUT",
    "KC_CARRIER_CONCURRENCY",
    "KC_PUBLIC_BASE_URL",
    "KC_RATE_LIMIT_READ",
    "KC_RATE_LIMIT_WRITE",
    "KC_RATE_LIMIT_INGEST",
    "KC_BREAKER_THRESHOLD",
    "KC_BREAKER_COOLDOWN",
    "KC_BREAKER_COOLDOWN_MAX",
    "KC_DNC_REGISTRY_MAX_AGE",
};

static char tmp_path[64];

static void
clear_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(kc_env) / sizeof(kc_env[0]); i++)
		unsetenv(kc_env[i]);
}

static void
setup(void)
{
	clear_env();
	tmp_path[0] = '\0';
}

static void
teardown(void)
{
	clear_env();
	if (tmp_path[0])
		unlink(tmp_path);
}

/* Writes text to a fresh temporary file; its name is in tmp_path. */
static const char *
write_conf(const char *text)
{
	int fd;
	FILE *f;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/kc_test_conf.XXXXXX");
	fd = mkstemp(tmp_path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
	return tmp_path;
}

static void
load_ok(struct kc_config *c, const char *path)
{
	char err[512] = "";

	/* No fallback: a configuration installed on this machine must not
	 * leak into the tests. */
	cr_assert_eq(kc_config_load_at(c, path, NULL, err, sizeof(err)), 0,
		     "%s", err);
}

/* Loads and expects failure; err must contain every non-NULL needle. */
static void
load_fails(const char *path, const char *needle1, const char *needle2)
{
	struct kc_config c;
	char err[512] = "";

	cr_assert_eq(kc_config_load_at(&c, path, NULL, err, sizeof(err)), -1);
	if (needle1)
		cr_expect_not_null(strstr(err, needle1), "'%s' not in '%s'",
				   needle1, err);
	if (needle2)
		cr_expect_not_null(strstr(err, needle2), "'%s' not in '%s'",
				   needle2, err);
	/* A failed load leaves nothing to free, and freeing is harmless. */
	cr_expect_null(c.db_user);
	cr_expect_null(c.sql_dir);
	kc_config_free(&c);
}

TestSuite(config, .init = setup, .fini = teardown);

Test(config, defaults_without_file)
{
	struct kc_config c;

	load_ok(&c, NULL);
	cr_assert_null(c.db_host);
	cr_assert_null(c.db_socket);
	cr_assert_null(c.db_password);
	cr_assert_eq(c.db_port, 3306);
	cr_assert_str_eq(c.db_user, "kaicalls");
	cr_assert_str_eq(c.db_name, "kaicalls");
	cr_assert_str_eq(c.sql_dir, KC_SQL_DIR);
	cr_assert_eq(c.has_master_key, 0);
	cr_assert_eq(c.log_level, KC_LOG_INFO);
	cr_assert_eq(c.auth_cache_ms, 1000);
	kc_config_free(&c);
}

Test(config, empty_path_means_no_file)
{
	struct kc_config c;

	load_ok(&c, "");
	cr_assert_str_eq(c.db_user, "kaicalls");
	kc_config_free(&c);
}

Test(config, full_file)
{
	struct kc_config c;
	size_t i;

	write_conf("# KaiCalls configuration\n"
		   "\n"
		   "db_host = db.example.internal\n"
		   "db_port = 3307\n"
		   "db_socket = /run/mysqld/mysqld.sock\n"
		   "db_user = kc_app\n"
		   "db_password = s3cret\n"
		   "db_name = kc_prod\n"
		   "sql_dir = /opt/kc/sql\n"
		   "master_key = " KEY_HEX "\n"
		   "log_level = debug\n"
		   "auth_cache_ms = 250\n");
	load_ok(&c, tmp_path);
	cr_assert_str_eq(c.db_host, "db.example.internal");
	cr_assert_eq(c.db_port, 3307);
	cr_assert_str_eq(c.db_socket, "/run/mysqld/mysqld.sock");
	cr_assert_str_eq(c.db_user, "kc_app");
	cr_assert_str_eq(c.db_password, "s3cret");
	cr_assert_str_eq(c.db_name, "kc_prod");
	cr_assert_str_eq(c.sql_dir, "/opt/kc/sql");
	cr_assert_eq(c.has_master_key, 1);
	for (i = 0; i < 32; i++)
		cr_assert_eq(c.master_key[i], i);
	cr_assert_eq(c.log_level, KC_LOG_DEBUG);
	cr_assert_eq(c.auth_cache_ms, 250);
	kc_config_free(&c);
	cr_assert_null(c.db_host);
	cr_assert_eq(c.has_master_key, 0);
}

Test(config, comments_blanks_and_whitespace)
{
	struct kc_config c;

	write_conf("   # indented comment\n"
		   "\t\n"
		   "   \n"
		   "#db_name = commented_out\n"
		   "\tdb_name\t=\tspaced  \t\n"
		   "db_user=tight\r\n"
		   "db_password = a = b # not a comment\n"
		   "log_level = WARN\n"
		   "db_port = 3310"); /* no final newline */
	load_ok(&c, tmp_path);
	cr_assert_str_eq(c.db_name, "spaced");
	cr_assert_str_eq(c.db_user, "tight");
	cr_assert_str_eq(c.db_password, "a = b # not a comment");
	cr_assert_eq(c.log_level, KC_LOG_WARN);
	cr_assert_eq(c.db_port, 3310);
	kc_config_free(&c);
}

Test(config, later_lines_win)
{
	struct kc_config c;

	write_conf("db_name = first\ndb_name = second\n");
	load_ok(&c, tmp_path);
	cr_assert_str_eq(c.db_name, "second");
	kc_config_free(&c);
}

Test(config, unknown_key_names_the_line)
{
	write_conf("# comment\n"
		   "db_name = kc\n"
		   "\n"
		   "db_hots = localhost\n");
	load_fails(tmp_path, ":4:", "db_hots");
}

Test(config, error_names_the_file)
{
	write_conf("bogus = 1\n");
	load_fails(tmp_path, tmp_path, ":1:");
}

Test(config, line_without_equals)
{
	write_conf("db_name = kc\njust some words\n");
	load_fails(tmp_path, ":2:", "key = value");
}

Test(config, bad_port)
{
	static const char *const bad[] = {
	    "db_port = 0\n",   "db_port = 65536\n",
	    "db_port = abc\n", "db_port =\n",
	    "db_port = 80x\n", "db_port = -3306\n",
	    "db_port = 3.5\n", "db_port = 99999999999999999999\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_conf(bad[i]);
		load_fails(tmp_path, ":1:", "db_port");
		unlink(tmp_path);
		tmp_path[0] = '\0';
	}
}

Test(config, port_bounds)
{
	struct kc_config c;

	write_conf("db_port = 1\n");
	load_ok(&c, tmp_path);
	cr_assert_eq(c.db_port, 1);
	kc_config_free(&c);
	unlink(tmp_path);
	write_conf("db_port = 65535\n");
	load_ok(&c, tmp_path);
	cr_assert_eq(c.db_port, 65535);
	kc_config_free(&c);
}

Test(config, bad_master_key)
{
	static const char *const bad[] = {
	    /* 63 characters */
	    "master_key = "
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
	    /* 65 characters */
	    "master_key = " KEY_HEX "0\n",
	    /* 64 characters, not hex */
	    "master_key = "
	    "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "\n",
	    "master_key = \n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_conf(bad[i]);
		load_fails(tmp_path, ":1:", "master_key");
		unlink(tmp_path);
		tmp_path[0] = '\0';
	}
}

Test(config, master_key_upper_case_hex)
{
	struct kc_config c;

	write_conf("master_key = "
		   "FFEEDDCCBBAA99887766554433221100"
		   "FFEEDDCCBBAA99887766554433221100\n");
	load_ok(&c, tmp_path);
	cr_assert_eq(c.has_master_key, 1);
	cr_assert_eq(c.master_key[0], 0xff);
	cr_assert_eq(c.master_key[15], 0x00);
	cr_assert_eq(c.master_key[31], 0x00);
	kc_config_free(&c);
}

Test(config, bad_log_level_and_cache)
{
	write_conf("log_level = loud\n");
	load_fails(tmp_path, ":1:", "log_level");
	unlink(tmp_path);
	write_conf("auth_cache_ms = 60001\n");
	load_fails(tmp_path, ":1:", "auth_cache_ms");
	unlink(tmp_path);
	write_conf("auth_cache_ms = -1\n");
	load_fails(tmp_path, ":1:", "auth_cache_ms");
	unlink(tmp_path);
	write_conf("auth_cache_ms = 5ms\n");
	load_fails(tmp_path, ":1:", "auth_cache_ms");
}

Test(config, first_error_stops_loading)
{
	write_conf("db_name = a\nnope = 1\nalso_nope = 2\n");
	load_fails(tmp_path, ":2:", "nope");
}

Test(config, missing_file)
{
	load_fails("/nonexistent/kaicalls.conf", "/nonexistent/kaicalls.conf",
		   "No such file");
}

Test(config, kc_conf_used_when_path_is_null)
{
	struct kc_config c;

	write_conf("db_name = from_kc_conf\n");
	cr_assert_eq(setenv("KC_CONF", tmp_path, 1), 0);
	load_ok(&c, NULL);
	cr_assert_str_eq(c.db_name, "from_kc_conf");
	kc_config_free(&c);
	unsetenv("KC_CONF");
}

Test(config, explicit_path_beats_kc_conf)
{
	struct kc_config c;

	cr_assert_eq(setenv("KC_CONF", "/nonexistent/kaicalls.conf", 1), 0);
	write_conf("db_name = explicit\n");
	load_ok(&c, tmp_path);
	cr_assert_str_eq(c.db_name, "explicit");
	kc_config_free(&c);
	unsetenv("KC_CONF");
}

Test(config, kc_conf_missing_file)
{
	cr_assert_eq(setenv("KC_CONF", "/nonexistent/kaicalls.conf", 1), 0);
	load_fails(NULL, "/nonexistent/kaicalls.conf", NULL);
	unsetenv("KC_CONF");
}

/* What an installed kcctl or kaicalls.fcgi does with neither --conf nor
 * $KC_CONF: it reads the installed file. */
Test(config, fallback_read_without_path_or_kc_conf)
{
	struct kc_config c;
	char err[512] = "";

	write_conf("db_name = from_fallback\n");
	cr_assert_eq(kc_config_load_at(&c, NULL, tmp_path, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(c.db_name, "from_fallback");
	kc_config_free(&c);
}

Test(config, fallback_absent_means_defaults)
{
	struct kc_config c;
	char err[512] = "";

	cr_assert_eq(kc_config_load_at(&c, NULL, "/nonexistent/kaicalls.conf",
				       err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(c.db_name, "kaicalls");
	kc_config_free(&c);
}

/* There but unusable (here: a path through a regular file, ENOTDIR; for an
 * operator, most often a file only the kaicalls user may read): an error
 * naming it, not a silent run on the defaults. */
Test(config, fallback_unreadable_fails)
{
	struct kc_config c;
	char err[512] = "", bad[96];

	write_conf("db_name = x\n");
	snprintf(bad, sizeof(bad), "%s/kaicalls.conf", tmp_path);
	cr_assert_eq(kc_config_load_at(&c, NULL, bad, err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, bad), "'%s' not in '%s'", bad, err);
	cr_expect_not_null(strstr(err, "Not a directory"), "%s", err);
}

Test(config, kc_conf_beats_fallback)
{
	struct kc_config c;
	char err[512] = "";

	write_conf("db_name = from_fallback\n");
	cr_assert_eq(setenv("KC_CONF", "/nonexistent/kaicalls.conf", 1), 0);
	cr_assert_eq(kc_config_load_at(&c, NULL, tmp_path, err, sizeof(err)),
		     -1);
	cr_expect_not_null(strstr(err, "/nonexistent/kaicalls.conf"), "%s",
			   err);
	unsetenv("KC_CONF");
}

Test(config, empty_kc_conf_means_no_file)
{
	struct kc_config c;
	char err[512] = "";

	write_conf("db_name = from_fallback\n");
	cr_assert_eq(setenv("KC_CONF", "", 1), 0);
	cr_assert_eq(kc_config_load_at(&c, NULL, tmp_path, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(c.db_name, "kaicalls");
	kc_config_free(&c);
	unsetenv("KC_CONF");
}

Test(config, env_overrides_file)
{
	struct kc_config c;

	write_conf("db_host = filehost\n"
		   "db_port = 3307\n"
		   "db_user = fileuser\n"
		   "db_name = filedb\n"
		   "log_level = debug\n");
	cr_assert_eq(setenv("KC_DB_HOST", "envhost", 1), 0);
	cr_assert_eq(setenv("KC_DB_PORT", "4406", 1), 0);
	cr_assert_eq(setenv("KC_DB_SOCKET", "/tmp/env.sock", 1), 0);
	cr_assert_eq(setenv("KC_DB_USER", "envuser", 1), 0);
	cr_assert_eq(setenv("KC_DB_PASSWORD", "envpw", 1), 0);
	cr_assert_eq(setenv("KC_DB_NAME", "envdb", 1), 0);
	cr_assert_eq(setenv("KC_SQL_DIR", "/env/sql", 1), 0);
	cr_assert_eq(setenv("KC_MASTER_KEY", KEY_HEX, 1), 0);
	cr_assert_eq(setenv("KC_LOG_LEVEL", "error", 1), 0);
	load_ok(&c, tmp_path);
	cr_assert_str_eq(c.db_host, "envhost");
	cr_assert_eq(c.db_port, 4406);
	cr_assert_str_eq(c.db_socket, "/tmp/env.sock");
	cr_assert_str_eq(c.db_user, "envuser");
	cr_assert_str_eq(c.db_password, "envpw");
	cr_assert_str_eq(c.db_name, "envdb");
	cr_assert_str_eq(c.sql_dir, "/env/sql");
	cr_assert_eq(c.has_master_key, 1);
	cr_assert_eq(c.master_key[31], 0x1f);
	cr_assert_eq(c.log_level, KC_LOG_ERR);
	kc_config_free(&c);
	clear_env();
}

Test(config, env_without_file)
{
	struct kc_config c;

	cr_assert_eq(setenv("KC_DB_NAME", "only_env", 1), 0);
	load_ok(&c, NULL);
	cr_assert_str_eq(c.db_name, "only_env");
	cr_assert_str_eq(c.db_user, "kaicalls");
	kc_config_free(&c);
	unsetenv("KC_DB_NAME");
}

Test(config, empty_db_host_falls_back_to_socket)
{
	struct kc_config c;

	write_conf("db_host = filehost\n"
		   "db_socket = /run/mysqld/mysqld.sock\n");
	cr_assert_eq(setenv("KC_DB_HOST", "", 1), 0);
	load_ok(&c, tmp_path);
	cr_assert_null(c.db_host);
	cr_assert_str_eq(c.db_socket, "/run/mysqld/mysqld.sock");
	kc_config_free(&c);
	unsetenv("KC_DB_HOST");
}

Test(config, bad_env_values_name_the_variable)
{
	cr_assert_eq(setenv("KC_DB_PORT", "http", 1), 0);
	load_fails(NULL, "KC_DB_PORT", "db_port");
	unsetenv("KC_DB_PORT");

	cr_assert_eq(setenv("KC_DB_PORT", "", 1), 0);
	load_fails(NULL, "KC_DB_PORT", NULL);
	unsetenv("KC_DB_PORT");

	cr_assert_eq(setenv("KC_MASTER_KEY", "abcd", 1), 0);
	load_fails(NULL, "KC_MASTER_KEY", "master_key");
	unsetenv("KC_MASTER_KEY");

	cr_assert_eq(setenv("KC_LOG_LEVEL", "verbose", 1), 0);
	load_fails(NULL, "KC_LOG_LEVEL", "log_level");
	unsetenv("KC_LOG_LEVEL");
}

Test(config, file_error_wins_over_env)
{
	write_conf("db_port = none\n");
	cr_assert_eq(setenv("KC_DB_PORT", "3306", 1), 0);
	load_fails(tmp_path, ":1:", "db_port");
	unsetenv("KC_DB_PORT");
}

Test(config, free_twice_is_safe)
{
	struct kc_config c;

	cr_assert_eq(setenv("KC_DB_PASSWORD", "pw", 1), 0);
	load_ok(&c, NULL);
	cr_assert_str_eq(c.db_password, "pw");
	kc_config_free(&c);
	cr_assert_null(c.db_password);
	kc_config_free(&c);
	unsetenv("KC_DB_PASSWORD");
}

Test(config, delivery_defaults)
{
	static const long long sched[] = {5,     300,   1800,  7200, 18000,
					  36000, 50400, 72000, 86400};
	struct kc_config c;
	size_t i;

	load_ok(&c, NULL);
	cr_assert_eq(c.delivery_schedule_len, 9);
	for (i = 0; i < 9; i++)
		cr_expect_eq(c.delivery_schedule[i], sched[i], "retry %zu", i);
	cr_expect_eq(c.delivery_timeout, 5);
	cr_expect_eq(c.delivery_lease, 60);
	cr_expect_eq(c.delivery_batch, 200);
	cr_expect_null(c.delivery_ca_file);
	cr_expect_eq(c.retry_after_max, 3600);
	cr_expect_eq(c.endpoint_disable_after, 5 * 86400);
	cr_expect_eq(c.attempts_retention, 30 * 86400);
	cr_expect_eq(c.events_retention, 90 * 86400);
	kc_config_free(&c);
}

Test(config, delivery_settings_from_file_and_environment)
{
	struct kc_config c;

	setenv("KC_DELIVERY_TIMEOUT", "2s", 1);
	load_ok(&c, write_conf("delivery_schedule = 1s, 1m ,1h\n"
			       "delivery_lease = 30s\n"
			       "delivery_batch = 50\n"
			       "delivery_ca_file = /etc/ssl/x.pem\n"
			       "endpoint_disable_after = 2d\n"));
	cr_assert_eq(c.delivery_schedule_len, 3);
	cr_expect_eq(c.delivery_schedule[1], 60);
	cr_expect_eq(c.delivery_schedule[2], 3600);
	cr_expect_eq(c.delivery_timeout, 2);
	cr_expect_eq(c.delivery_lease, 30);
	cr_expect_eq(c.delivery_batch, 50);
	cr_expect_str_eq(c.delivery_ca_file, "/etc/ssl/x.pem");
	cr_expect_eq(c.endpoint_disable_after, 2 * 86400);
	kc_config_free(&c);
}

Test(config, delivery_settings_are_checked)
{
	load_fails(write_conf("delivery_schedule = 5s,,5m\n"),
		   ":1:", "delivery_schedule");
	load_fails(write_conf("delivery_schedule =\n"), "delivery_schedule",
		   NULL);
	load_fails(write_conf("delivery_timeout = 0s\n"), "delivery_timeout",
		   "1s to 60s");
	load_fails(write_conf("delivery_batch = 5000\n"), "delivery_batch",
		   NULL);
	load_fails(write_conf("delivery_timeout = 30s\ndelivery_lease = 20s\n"),
		   "delivery_lease", "longer than");
	setenv("KC_RETRY_AFTER_MAX", "soon", 1);
	load_fails(NULL, "KC_RETRY_AFTER_MAX", "retry_after_max");
}

Test(config, metrics_defaults)
{
	struct kc_config c;

	load_ok(&c, NULL);
	/* Nobody may scrape until the operator says who. */
	cr_assert_eq(c.metrics_allow.n, 0);
	cr_assert_eq(kc_addr_list_match(&c.metrics_allow, "127.0.0.1"), 0);
	/* Where the installed units and tmpfiles.d put the run dir. */
	cr_assert_str_eq(c.run_dir, KC_RUN_DIR_DEFAULT);
	kc_config_free(&c);
}

Test(config, metrics_settings_from_file_and_environment)
{
	struct kc_config c;

	load_ok(&c, write_conf("metrics_allow = 127.0.0.1, 10.1.0.0/16\n"
			       "run_dir = /var/run/kc\n"));
	cr_assert_eq(c.metrics_allow.n, 2);
	cr_expect_eq(kc_addr_list_match(&c.metrics_allow, "10.1.200.3"), 1);
	cr_expect_eq(kc_addr_list_match(&c.metrics_allow, "10.2.0.1"), 0);
	cr_expect_str_eq(c.run_dir, "/var/run/kc");
	kc_config_free(&c);
	setenv("KC_METRICS_ALLOW", "::1", 1);
	setenv("KC_RUN_DIR", "/tmp/kc-run", 1);
	load_ok(&c, write_conf("metrics_allow = 127.0.0.1\n"));
	cr_assert_eq(c.metrics_allow.n, 1);
	cr_expect_eq(kc_addr_list_match(&c.metrics_allow, "::1"), 1);
	cr_expect_eq(kc_addr_list_match(&c.metrics_allow, "127.0.0.1"), 0);
	cr_expect_str_eq(c.run_dir, "/tmp/kc-run");
	kc_config_free(&c);
}

Test(config, metrics_settings_are_checked)
{
	load_fails(write_conf("metrics_allow = localhost\n"),
		   ":1:", "metrics_allow");
	load_fails(write_conf("metrics_allow = 10.0.0.0/33\n"), "metrics_allow",
		   NULL);
	load_fails(write_conf("run_dir = run\n"), "run_dir", "absolute");
}

#define SID   "AC0123456789abcdef0123456789ABCDEF"
#define TOKEN "f00dfeed0123456789abcdef01234567"

/* TOKEN sealed under KEY_HEX's bytes (or key, if not NULL); malloc'd. */
static char *
sealed_token(const unsigned char *key, const char *token)
{
	unsigned char k[32];
	char *b64 = NULL, err[128] = "";
	size_t i;

	for (i = 0; i < 32; i++)
		k[i] = (unsigned char)i;
	cr_assert_eq(
	    kc_carrier_token_seal(key ? key : k, token, &b64, err, sizeof(err)),
	    0, "%s", err);
	return b64;
}

Test(config, carrier_defaults)
{
	struct kc_config c;

	load_ok(&c, NULL);
	cr_expect_str_eq(c.carrier_base_url, "https://api.twilio.com");
	cr_expect_null(c.carrier_account_sid, "no carrier unless configured");
	cr_expect_null(c.carrier_auth_token);
	cr_expect_null(c.carrier_ca_file);
	cr_expect_null(c.public_base_url);
	cr_expect_eq(c.carrier_timeout, 10);
	cr_expect_eq(c.carrier_concurrency, 50);
	kc_config_free(&c);
}

Test(config, carrier_token_sealed_in_the_file)
{
	struct kc_config c;
	char text[1024], *b64 = sealed_token(NULL, TOKEN);

	cr_assert_null(strstr(b64, TOKEN));
	snprintf(text, sizeof(text),
		 "carrier_base_url = https://carrier.test/twilio/\n"
		 "carrier_account_sid = " SID "\n"
		 "carrier_auth_token_sealed = %s\n"
		 "carrier_ca_file = /etc/ssl/carrier.pem\n"
		 "carrier_timeout = 3s\n"
		 "carrier_concurrency = 8\n"
		 "public_base_url = https://api.kaicalls.test/\n"
		 /* After the token: the order of lines does not matter. */
		 "master_key = " KEY_HEX "\n",
		 b64);
	load_ok(&c, write_conf(text));
	cr_assert_str_eq(c.carrier_auth_token, TOKEN);
	cr_expect_str_eq(c.carrier_account_sid, SID);
	cr_expect_str_eq(c.carrier_base_url, "https://carrier.test/twilio");
	cr_expect_str_eq(c.carrier_ca_file, "/etc/ssl/carrier.pem");
	cr_expect_eq(c.carrier_timeout, 3);
	cr_expect_eq(c.carrier_concurrency, 8);
	cr_expect_str_eq(c.public_base_url, "https://api.kaicalls.test");
	kc_config_free(&c);
	cr_assert_null(c.carrier_auth_token);
	free(b64);
}

Test(config, carrier_from_the_environment)
{
	struct kc_config c;
	char *b64 = sealed_token(NULL, TOKEN);

	setenv("KC_MASTER_KEY", KEY_HEX, 1);
	setenv("KC_CARRIER_ACCOUNT_SID", SID, 1);
	setenv("KC_CARRIER_AUTH_TOKEN_SEALED", b64, 1);
	setenv("KC_CARRIER_BASE_URL", "http://127.0.0.1:18123", 1);
	setenv("KC_CARRIER_CA_FILE", "/tmp/ca.pem", 1);
	setenv("KC_CARRIER_TIMEOUT", "2s", 1);
	setenv("KC_CARRIER_CONCURRENCY", "3", 1);
	setenv("KC_PUBLIC_BASE_URL", "http://127.0.0.1:18000", 1);
	load_ok(&c, write_conf("carrier_timeout = 9s\n"));
	cr_expect_str_eq(c.carrier_auth_token, TOKEN);
	cr_expect_str_eq(c.carrier_base_url, "http://127.0.0.1:18123");
	cr_expect_str_eq(c.carrier_ca_file, "/tmp/ca.pem");
	cr_expect_eq(c.carrier_timeout, 2, "the environment wins");
	cr_expect_eq(c.carrier_concurrency, 3);
	cr_expect_str_eq(c.public_base_url, "http://127.0.0.1:18000");
	kc_config_free(&c);
	free(b64);
}

/* Loads text, which is fine but for a carrier token that does not open:
 * only the carrier is unusable, and carrier_error says why. */
static void
load_without_token(const char *text, const char *needle)
{
	struct kc_config c;

	load_ok(&c, write_conf(text));
	cr_expect_null(c.carrier_auth_token);
	cr_expect_not_null(strstr(c.carrier_error, needle), "'%s' not in '%s'",
			   needle, c.carrier_error);
	cr_expect_str_eq(c.carrier_account_sid, SID);
	kc_config_free(&c);
}

Test(config, carrier_token_only_sealed)
{
	char text[1024], *b64 = sealed_token(NULL, TOKEN), *other;
	unsigned char k2[32], *blob;
	struct kc_config c;
	size_t n;

	load_fails(write_conf("carrier_auth_token = " TOKEN "\n"),
		   ":1:", "kcctl seal-carrier-token");
	/* Sealed, but no master key to open it. */
	snprintf(text, sizeof(text),
		 "carrier_account_sid = " SID "\n"
		 "carrier_auth_token_sealed = %s\n",
		 b64);
	load_without_token(text, "needs master_key");
	/* Sealed under another key: the programs still run (a worker with
	 * another key fails only what it cannot open). */
	memset(k2, 7, sizeof(k2));
	other = sealed_token(k2, TOKEN);
	snprintf(text, sizeof(text),
		 "master_key = " KEY_HEX "\ncarrier_account_sid = " SID "\n"
		 "carrier_auth_token_sealed = %s\n",
		 other);
	load_without_token(text, "does not open");
	free(other);
	/* Under the right key, for another purpose (the AAD differs). */
	{
		unsigned char k[32];
		size_t i;
		char enc[256];

		for (i = 0; i < 32; i++)
			k[i] = (unsigned char)i;
		cr_assert_eq(
		    kc_seal(k, TOKEN, strlen(TOKEN), "ep_1", 4, &blob, &n), 0);
		cr_assert_gt(kc_base64_encode(blob, n, enc, sizeof(enc)), 0);
		free(blob);
		snprintf(text, sizeof(text),
			 "master_key = " KEY_HEX "\ncarrier_account_sid = " SID
			 "\ncarrier_auth_token_sealed = %s\n",
			 enc);
		load_without_token(text, "does not open");
	}
	/* Tampered, or not base64. */
	snprintf(text, sizeof(text),
		 "master_key = " KEY_HEX "\ncarrier_account_sid = " SID "\n"
		 "carrier_auth_token_sealed = %s\n",
		 b64);
	load_ok(&c, write_conf(text));
	cr_assert_str_eq(c.carrier_auth_token, TOKEN, "untampered, it opens");
	cr_assert_str_eq(c.carrier_error, "");
	kc_config_free(&c);
	b64[10] = b64[10] == 'A' ? 'B' : 'A';
	snprintf(text, sizeof(text),
		 "master_key = " KEY_HEX "\ncarrier_account_sid = " SID "\n"
		 "carrier_auth_token_sealed = %s\n",
		 b64);
	load_without_token(text, "does not open");
	load_without_token("master_key = " KEY_HEX
			   "\ncarrier_account_sid = " SID
			   "\ncarrier_auth_token_sealed = " TOKEN "!\n",
			   "does not open");
	free(b64);
}

Test(config, carrier_sid_and_token_go_together)
{
	char text[1024], *b64 = sealed_token(NULL, TOKEN);

	load_fails(write_conf("carrier_account_sid = " SID "\n"), "go together",
		   NULL);
	snprintf(text, sizeof(text),
		 "master_key = " KEY_HEX "\ncarrier_auth_token_sealed = %s\n",
		 b64);
	load_fails(write_conf(text), "go together", NULL);
	free(b64);
}

Test(config, carrier_settings_are_checked)
{
	load_fails(write_conf("carrier_account_sid = AC123\n"),
		   "carrier_account_sid", "32 hex");
	load_fails(write_conf("carrier_account_sid = "
			      "SK0123456789abcdef0123456789abcdef\n"),
		   "carrier_account_sid", NULL);
	load_fails(write_conf("carrier_account_sid = "
			      "AC0123456789abcdef0123456789abcdeg\n"),
		   "carrier_account_sid", NULL);
	/* The token travels in every request: https, unless on loopback. */
	load_fails(write_conf("carrier_base_url = http://api.twilio.com\n"),
		   "carrier_base_url", "loopback");
	load_fails(write_conf("carrier_base_url = ftp://api.twilio.com\n"),
		   "carrier_base_url", NULL);
	load_fails(write_conf("carrier_base_url = https://x.test/?a=1\n"),
		   "carrier_base_url", "query");
	load_fails(write_conf("public_base_url = https://x.test/#f\n"),
		   "public_base_url", NULL);
	load_fails(write_conf("public_base_url = /carrier\n"),
		   "public_base_url", NULL);
	load_fails(write_conf("carrier_timeout = 0s\n"), "carrier_timeout",
		   NULL);
	load_fails(write_conf("carrier_timeout = 121s\n"), "carrier_timeout",
		   NULL);
	load_fails(write_conf("carrier_concurrency = 0\n"),
		   "carrier_concurrency", NULL);
	load_fails(write_conf("carrier_concurrency = 1001\n"),
		   "carrier_concurrency", NULL);
	load_fails(write_conf("carrier_colour = blue\n"), "unknown setting",
		   "carrier_colour");
	setenv("KC_CARRIER_CONCURRENCY", "many", 1);
	load_fails(NULL, "KC_CARRIER_CONCURRENCY", NULL);
}

Test(config, carrier_loopback_http_allowed)
{
	struct kc_config c;

	load_ok(&c, write_conf("carrier_base_url = http://localhost:8080/\n"
			       "public_base_url = http://127.0.0.1:18000\n"));
	cr_expect_str_eq(c.carrier_base_url, "http://localhost:8080");
	cr_expect_str_eq(c.public_base_url, "http://127.0.0.1:18000");
	kc_config_free(&c);
}

Test(config, carrier_token_seal_checks_the_token)
{
	unsigned char k[32] = {0};
	char *b64 = (char *)1, err[128] = "", big[200];

	cr_assert_eq(kc_carrier_token_seal(k, "", &b64, err, sizeof(err)), -1);
	cr_assert_null(b64);
	cr_assert_not_null(strstr(err, "printable"), "%s", err);
	cr_assert_eq(
	    kc_carrier_token_seal(k, "two words", &b64, err, sizeof(err)), -1);
	cr_assert_eq(
	    kc_carrier_token_seal(k, "tab\there", &b64, err, sizeof(err)), -1);
	memset(big, 'x', 129);
	big[129] = '\0';
	cr_assert_eq(kc_carrier_token_seal(k, big, &b64, err, sizeof(err)), -1);
	big[128] = '\0';
	cr_assert_eq(kc_carrier_token_seal(k, big, &b64, err, sizeof(err)), 0);
	free(b64);
}

Test(config, rate_limit_defaults)
{
	struct kc_config c;

	load_ok(&c, NULL);
	/* README, Rate limits: 50/s burst 100, 10/s burst 20, 50/s burst
	 * 200. */
	cr_expect_eq(c.rate_limit[KC_RL_READ].per_hour, 50 * 3600);
	cr_expect_eq(c.rate_limit[KC_RL_READ].burst, 100);
	cr_expect_eq(c.rate_limit[KC_RL_WRITE].per_hour, 10 * 3600);
	cr_expect_eq(c.rate_limit[KC_RL_WRITE].burst, 20);
	cr_expect_eq(c.rate_limit[KC_RL_INGEST].per_hour, 50 * 3600);
	cr_expect_eq(c.rate_limit[KC_RL_INGEST].burst, 200);
	kc_config_free(&c);
}

Test(config, rate_limits_from_file_and_environment)
{
	struct kc_config c;

	load_ok(&c, write_conf("rate_limit_read = 5/s burst 9\n"
			       "rate_limit_write = off\n"
			       "rate_limit_ingest = 600/m\n"));
	cr_expect_eq(c.rate_limit[KC_RL_READ].per_hour, 5 * 3600);
	cr_expect_eq(c.rate_limit[KC_RL_READ].burst, 9);
	cr_expect_eq(c.rate_limit[KC_RL_WRITE].per_hour, 0);
	cr_expect_eq(c.rate_limit[KC_RL_INGEST].per_hour, 600 * 60);
	cr_expect_eq(c.rate_limit[KC_RL_INGEST].burst, 10);
	kc_config_free(&c);
	setenv("KC_RATE_LIMIT_READ", "off", 1);
	setenv("KC_RATE_LIMIT_INGEST", "2/h burst 3", 1);
	load_ok(&c, write_conf("rate_limit_read = 5/s\n"));
	cr_expect_eq(c.rate_limit[KC_RL_READ].per_hour, 0);
	cr_expect_eq(c.rate_limit[KC_RL_WRITE].per_hour, 10 * 3600,
		     "untouched: the default");
	cr_expect_eq(c.rate_limit[KC_RL_INGEST].per_hour, 2);
	cr_expect_eq(c.rate_limit[KC_RL_INGEST].burst, 3);
	kc_config_free(&c);
}

Test(config, rate_limits_are_checked)
{
	load_fails(write_conf("rate_limit_read = fast\n"),
		   ":1:", "rate_limit_read");
	load_fails(write_conf("rate_limit_ingest = 10/s burst 0\n"),
		   "rate_limit_ingest", "burst");
	load_fails(write_conf("rate_limit_none = 10/s\n"), "unknown setting",
		   "rate_limit_none");
	load_fails(write_conf("rate_limit_ = 10/s\n"), "unknown setting", NULL);
	setenv("KC_RATE_LIMIT_WRITE", "1/d", 1);
	load_fails(write_conf(""), "KC_RATE_LIMIT_WRITE", NULL);
}

Test(config, breaker_defaults_file_and_environment)
{
	struct kc_config c;

	load_ok(&c, NULL);
	cr_expect_eq(c.breaker_threshold, 5);
	cr_expect_eq(c.breaker_cooldown, 30);
	cr_expect_eq(c.breaker_cooldown_max, 3600);
	kc_config_free(&c);
	setenv("KC_BREAKER_COOLDOWN", "2s", 1);
	load_ok(&c, write_conf("breaker_threshold = 3\n"
			       "breaker_cooldown = 1m\n"
			       "breaker_cooldown_max = 2h\n"));
	cr_expect_eq(c.breaker_threshold, 3);
	cr_expect_eq(c.breaker_cooldown, 2, "the environment wins");
	cr_expect_eq(c.breaker_cooldown_max, 7200);
	kc_config_free(&c);
}

Test(config, breaker_settings_are_checked)
{
	load_fails(write_conf("breaker_threshold = 0\n"), "breaker_threshold",
		   "1 to 1000");
	load_fails(write_conf("breaker_threshold = 5x\n"), "breaker_threshold",
		   NULL);
	load_fails(write_conf("breaker_cooldown = 0s\n"), "breaker_cooldown",
		   "1s to 24h");
	load_fails(write_conf("breaker_cooldown_max = 30d\n"),
		   "breaker_cooldown_max", "1s to 7d");
	load_fails(write_conf("breaker_cooldown = 1h\n"
			      "breaker_cooldown_max = 10m\n"),
		   "breaker_cooldown_max", "not be shorter");
}

Test(config, dnc_registry_max_age_defaults_file_and_environment)
{
	struct kc_config c;

	load_ok(&c, NULL);
	cr_expect_eq(c.dnc_registry_max_age, 31 * 86400LL, "the FTC's 31 days");
	kc_config_free(&c);
	load_ok(&c, write_conf("dnc_registry_max_age = 7d\n"));
	cr_expect_eq(c.dnc_registry_max_age, 7 * 86400LL);
	kc_config_free(&c);
	setenv("KC_DNC_REGISTRY_MAX_AGE", "36h", 1);
	load_ok(&c, write_conf("dnc_registry_max_age = 7d\n"));
	cr_expect_eq(c.dnc_registry_max_age, 36 * 3600LL,
		     "the environment wins");
	kc_config_free(&c);
}

Test(config, dnc_registry_max_age_is_never_longer_than_31_days)
{
	load_fails(write_conf("dnc_registry_max_age = 32d\n"),
		   "dnc_registry_max_age", "31d");
	load_fails(write_conf("dnc_registry_max_age = 59m\n"),
		   "dnc_registry_max_age", "1h to 31d");
	load_fails(write_conf("dnc_registry_max_age = 0\n"),
		   "dnc_registry_max_age", NULL);
	load_fails(write_conf("dnc_registry_max_age = month\n"),
		   "dnc_registry_max_age", NULL);
	setenv("KC_DNC_REGISTRY_MAX_AGE", "40d", 1);
	load_fails(write_conf(""), "KC_DNC_REGISTRY_MAX_AGE", NULL);
}
