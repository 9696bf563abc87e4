/* "The application's database user may only INSERT and SELECT on
 * audit_log": connected as that user (db_user/db_password of $KC_CONF),
 * every way to change or remove a row is refused by MariaDB with 1142,
 * and what was written stays as it was. The rows written here belong to a
 * business of this test, so no other test sees them. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(audit_grant, .init = itest_setup, .timeout = 60);

/* Runs sql as the application user and expects MariaDB's error 1142
 * (command denied for the table). */
static void
expect_denied(const char *sql)
{
	char *out;
	int st = itest_sql(ITEST_SQL_APP, sql, &out);

	cr_expect_neq(st, 0, "allowed to the application user: %s", sql);
	cr_expect(strstr(out, "ERROR 1142") != NULL && strstr(out, "audit_log"),
		  "%s\nanswered: %s", sql, out);
	free(out);
}

static char *
app_ok(const char *sql)
{
	char *out;
	int st = itest_sql(ITEST_SQL_APP, sql, &out);

	cr_assert_eq(st, 0, "%s\nanswered: %s", sql, out);
	return out;
}

/* The business's audit log as the API shows it, serialised. */
static char *
audit_page(const char *key)
{
	struct itest_resp r;
	char *s;

	itest_get("/v1/audit-log?limit=100", key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	s = strdup(r.body);
	itest_resp_free(&r);
	return s;
}

Test(audit_grant, audit_log_is_append_only_for_the_application_user)
{
	struct itest_tenant t;
	struct itest_resp r;
	char sql[1024], aud[64], *out, *before, *after;
	long long biz, rows;
	unsigned char rnd[6];
	FILE *f;

	itest_tenant_new(&t, "Append Only Co", "*");
	/* A real audited change to stand beside the row written here. */
	itest_post(t.key, "/v1/webhook-endpoints",
		   "{\"url\":\"https://127.0.0.1:9/audit\"}", &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);

	snprintf(sql, sizeof(sql),
		 "SELECT id FROM businesses WHERE public_id = '%s'", t.biz);
	out = app_ok(sql);
	biz = strtoll(out, NULL, 10);
	free(out);
	cr_assert(biz > 0);

	/* INSERT and SELECT are the user's. */
	f = fopen("/dev/urandom", "r");
	cr_assert(f && fread(rnd, 1, sizeof(rnd), f) == sizeof(rnd));
	fclose(f);
	snprintf(aud, sizeof(aud), "aud_grant%02x%02x%02x%02x%02x%02x", rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO audit_log (public_id, business_id, actor_type, "
		 "actor_id, action, target_type, target_id, created_at) VALUES "
		 "('%s', %lld, 'system', 'itest', 'itest.appended', "
		 "'business', '%s', UTC_TIMESTAMP(6))",
		 aud, biz, t.biz);
	free(app_ok(sql));
	snprintf(sql, sizeof(sql),
		 "SELECT action FROM audit_log WHERE business_id = %lld AND "
		 "public_id = '%s'",
		 biz, aud);
	out = app_ok(sql);
	cr_expect_str_eq(out, "itest.appended\n");
	free(out);
	before = audit_page(t.key);
	cr_assert(strstr(before, aud) != NULL, "%s", before);
	cr_assert(strstr(before, "\"webhook_endpoint.created\"") != NULL, "%s",
		  before);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM audit_log WHERE business_id = %lld",
		 biz);
	rows = itest_sql_int(sql);
	/* business.created, api_key.created, webhook_endpoint.created and
	 * the row inserted here. */
	cr_assert_eq(rows, 4);

	/* Changing or removing a row, by any statement, is not. */
	snprintf(sql, sizeof(sql),
		 "UPDATE audit_log SET action = 'itest.tampered' WHERE "
		 "business_id = %lld",
		 biz);
	expect_denied(sql);
	snprintf(sql, sizeof(sql),
		 "DELETE FROM audit_log WHERE business_id = %lld", biz);
	expect_denied(sql);
	/* REPLACE deletes the old row; ON DUPLICATE KEY UPDATE updates it. */
	snprintf(sql, sizeof(sql),
		 "REPLACE INTO audit_log (public_id, business_id, actor_type, "
		 "actor_id, action, target_type, target_id, created_at) VALUES "
		 "('%s', %lld, 'system', 'itest', 'itest.tampered', "
		 "'business', '%s', UTC_TIMESTAMP(6))",
		 aud, biz, t.biz);
	expect_denied(sql);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO audit_log (public_id, business_id, actor_type, "
		 "actor_id, action, target_type, target_id, created_at) VALUES "
		 "('%s', %lld, 'system', 'itest', 'itest.appended', "
		 "'business', '%s', UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE "
		 "action = 'itest.tampered'",
		 aud, biz, t.biz);
	expect_denied(sql);

	/* Nothing changed: the same rows, the same answer from the API. */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM audit_log WHERE business_id = %lld",
		 biz);
	cr_expect_eq(itest_sql_int(sql), rows);
	after = audit_page(t.key);
	cr_expect(strstr(after, "itest.tampered") == NULL, "%s", after);
	cr_expect_str_eq(after, before);
	free(before);
	free(after);

	/* The same user may update other tables: the refusals above are
	 * audit_log's alone. */
	snprintf(sql, sizeof(sql),
		 "UPDATE businesses SET name = name WHERE id = %lld", biz);
	free(app_ok(sql));
}
