/*
 * Unit tests for lib/core/kc_config: the key = value file (comments, blanks,
 * whitespace, errors naming the line), KC_* environment overrides and the
 * defaults when there is no file at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kc_config.h"

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
    "KC_BREAKER_THRESHOLD",
    "KC_BREAKER_COOLDOWN",
    "KC_BREAKER_COOLDOWN_MAX",
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

	cr_assert_eq(kc_config_load(c, path, err, sizeof(err)), 0, "%s", err);
}

/* Loads and expects failure; err must contain every non-NULL needle. */
static void
load_fails(const char *path, const char *needle1, const char *needle2)
{
	struct kc_config c;
	char err[512] = "";

	cr_assert_eq(kc_config_load(&c, path, err, sizeof(err)), -1);
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
