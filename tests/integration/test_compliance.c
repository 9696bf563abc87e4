/* Consents, the business's DNC list, compliance settings and the audit
 * log's filters through the API; the compliance check and the SMS keyword
 * functions (lib/compliance/) against the same database. */
#include "itest.h"
#include "itest_sql.h"
#include "kc_business.h"
#include "kc_compliance.h"
#include "kc_config.h"
#include "kc_db.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(compliance, .init = itest_setup, .timeout = 60);

/* A random valid NANP number in area code 212 (New York). */
static void
ny_number(char *out, size_t cap)
{
	char r[16];

	/* +1555XXXXXXX -> +1212 and an exchange from 2-9, not N11 (211 ...
	 * 911 are no exchanges: one in a hundred numbers was refused). */
	do
		itest_random_number(r, sizeof(r));
	while (r[6] == '1' && r[7] == '1');
	snprintf(out, cap, "+1212%c%.6s", '2' + (r[5] - '0') % 8, r + 6);
}

/* "+1..." as a query value. */
static void
q_phone(const char *phone, char *out, size_t cap)
{
	snprintf(out, cap, "%%2B%s", phone + 1);
}

static void
grant(const char *key, const char *phone, const char *channel, const char *kind,
      char *id)
{
	struct itest_resp r;
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"channel\":\"%s\",\"kind\":\"%s\","
		 "\"source\":\"web_form\",\"evidence\":\"form 81\","
		 "\"captured_at\":\"2026-01-02T03:04:05Z\"}",
		 phone, channel, kind);
	itest_post(key, "/v1/consents", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "active");
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

static void
dnc_add(const char *key, const char *phone, const char *channels, char *id)
{
	struct itest_resp r;
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"reason\":\"customer_request\"%s%s%s}",
		 phone, channels ? ",\"channels\":" : "",
		 channels ? channels : "", "");
	itest_post(key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

/* The audit entries of the business matching query (may be ""). */
static json_t *
audit(const char *key, const char *query)
{
	struct itest_resp r;
	char path[512];
	json_t *data;

	snprintf(path, sizeof(path), "/v1/audit-log?limit=100%s%s",
		 *query ? "&" : "", query);
	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
	data = json_incref(json_object_get(r.json, "data"));
	itest_resp_free(&r);
	return data;
}

/* The events of type (newest first). */
static json_t *
events(const char *key, const char *type)
{
	struct itest_resp r;
	char path[256];
	json_t *data;

	snprintf(path, sizeof(path), "/v1/events?limit=100&type=%s", type);
	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	data = json_incref(json_object_get(r.json, "data"));
	itest_resp_free(&r);
	return data;
}

static void
patch_settings(const char *key, const char *body, struct itest_resp *r)
{
	itest_http("PATCH", "/v1/compliance-settings", key, body, strlen(body),
		   NULL, r);
}

static const char *
jpath(const json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

Test(compliance, consent_grant_and_revoke_keep_history)
{
	struct itest_tenant t;
	struct itest_resp r;
	char phone[16], qp[32], id[64], path[256];
	json_t *log, *ev;

	itest_tenant_new(&t, "Consent Co", "*");
	ny_number(phone, sizeof(phone));
	grant(t.key, phone, "sms", "written", id);
	cr_assert(strncmp(id, "cns_", 4) == 0, "%s", id);

	snprintf(path, sizeof(path), "/v1/consents/%s", id);
	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "revoked");
	cr_assert_not_null(itest_jstr(r.json, "revoked_at"));
	cr_assert_str_eq(itest_jstr(r.json, "kind"), "written");
	itest_resp_free(&r);

	/* Kept, as it was, with the time it ended. */
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "revoked");
	cr_assert_str_eq(itest_jstr(r.json, "evidence"), "form 81");
	cr_assert_str_eq(itest_jstr(r.json, "captured_at"),
			 "2026-01-02T03:04:05.000Z");
	itest_resp_free(&r);
	q_phone(phone, qp, sizeof(qp));
	snprintf(path, sizeof(path), "/v1/consents?phone=%s", qp);
	cr_assert_eq(itest_count(t.key, path), 1);

	/* A second revocation changes nothing and records nothing. */
	snprintf(path, sizeof(path), "/v1/consents/%s", id);
	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "revoked");
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "target=%s", id);
	log = audit(t.key, path);
	cr_assert_eq(json_array_size(log), 2, "%s",
		     json_dumps(log, JSON_COMPACT));
	cr_assert_str_eq(itest_jstr(json_array_get(log, 0), "action"),
			 "consent.revoked");
	cr_assert_str_eq(itest_jstr(json_array_get(log, 1), "action"),
			 "consent.granted");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "type"),
			 "api_key");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "id"),
			 t.key_id);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "before", "status"),
			 "active");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "after", "status"),
			 "revoked");
	json_decref(log);

	ev = events(t.key, "consent.granted");
	cr_assert_eq(json_array_size(ev), 1);
	cr_assert_str_eq(jpath(json_array_get(ev, 0), "data", "consent_id"),
			 id);
	cr_assert_str_eq(jpath(json_array_get(ev, 0), "data", "phone"), phone);
	json_decref(ev);
	ev = events(t.key, "consent.revoked");
	cr_assert_eq(json_array_size(ev), 1);
	cr_assert_str_eq(jpath(json_array_get(ev, 0), "data", "status"),
			 "revoked");
	json_decref(ev);
}

Test(compliance, consent_list_filters)
{
	struct itest_tenant t;
	char a[16], b[16], qa[32], id[64], path[256];

	itest_tenant_new(&t, "Consent Filters Co", "*");
	ny_number(a, sizeof(a));
	ny_number(b, sizeof(b));
	grant(t.key, a, "sms", "written", id);
	grant(t.key, a, "voice", "express", id);
	grant(t.key, b, "voice", "express", id);
	q_phone(a, qa, sizeof(qa));
	cr_assert_eq(itest_count(t.key, "/v1/consents"), 3);
	snprintf(path, sizeof(path), "/v1/consents?phone=%s", qa);
	cr_assert_eq(itest_count(t.key, path), 2);
	snprintf(path, sizeof(path), "/v1/consents?phone=%s&channel=voice", qa);
	cr_assert_eq(itest_count(t.key, path), 1);
	cr_assert_eq(itest_count(t.key, "/v1/consents?channel=voice"), 2);
	cr_assert_eq(itest_count(t.key, "/v1/consents?channel=sms"), 1);
	cr_assert_eq(itest_count(t.key, "/v1/consents?limit=1"), 1);
}

Test(compliance, dnc_add_and_remove)
{
	struct itest_tenant t;
	struct itest_resp r;
	char phone[16], qp[32], id[64], path[256];
	json_t *log, *ev;

	itest_tenant_new(&t, "DNC Co", "*");
	ny_number(phone, sizeof(phone));
	dnc_add(t.key, phone, "[\"voice\"]", id);
	cr_assert(strncmp(id, "dnc_", 4) == 0);
	snprintf(path, sizeof(path), "/v1/dnc/%s", id);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "channels")), 1);
	cr_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(r.json, "channels"), 0)),
			 "voice");
	cr_assert_str_eq(itest_jstr(r.json, "status"), "active");
	itest_resp_free(&r);

	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "removed");
	cr_assert_not_null(itest_jstr(r.json, "removed_at"));
	itest_resp_free(&r);
	q_phone(phone, qp, sizeof(qp));
	snprintf(path, sizeof(path), "/v1/dnc?phone=%s", qp);
	cr_assert_eq(itest_count(t.key, path), 1, "kept after removal");

	/* Both channels by default. */
	dnc_add(t.key, phone, NULL, id);
	snprintf(path, sizeof(path), "/v1/dnc/%s", id);
	itest_get(path, t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "channels")), 2);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/dnc"), 2);

	log = audit(t.key, "action=dnc.added");
	cr_assert_eq(json_array_size(log), 2);
	json_decref(log);
	log = audit(t.key, "action=dnc.removed");
	cr_assert_eq(json_array_size(log), 1);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "after", "status"),
			 "removed");
	json_decref(log);
	ev = events(t.key, "dnc.added");
	cr_assert_eq(json_array_size(ev), 2);
	cr_assert_str_eq(jpath(json_array_get(ev, 0), "data", "dnc_id"), id);
	json_decref(ev);
	ev = events(t.key, "dnc.removed");
	cr_assert_eq(json_array_size(ev), 1);
	json_decref(ev);
}

Test(compliance, scopes)
{
	struct itest_tenant t;
	struct itest_resp r;
	char ro[64], ro_id[64], none[64], none_id[64], phone[16], body[256];

	itest_tenant_new(&t, "Consent Scopes Co", "*");
	itest_key_new(&t, "consent:read", ro, ro_id);
	itest_key_new(&t, "calls:read,audit:read", none, none_id);
	ny_number(phone, sizeof(phone));
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"channel\":\"sms\",\"kind\":\"express\","
		 "\"source\":\"x\",\"captured_at\":\"2026-01-02T03:04:05Z\"}",
		 phone);
	itest_post(ro, "/v1/consents", body, &r);
	cr_assert_eq(r.status, 403, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "missing_scope");
	cr_assert(strstr(itest_jstr(r.json, "detail"), "consent:write"));
	itest_resp_free(&r);
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"reason\":\"legal\"}",
		 phone);
	itest_post(ro, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 403, "%s", r.body);
	itest_resp_free(&r);
	patch_settings(ro, "{\"sms_help_text\":\"x\"}", &r);
	cr_assert_eq(r.status, 403, "%s", r.body);
	itest_resp_free(&r);
	/* Reading needs consent:read. */
	cr_assert_eq(itest_count(ro, "/v1/consents"), 0);
	cr_assert_eq(itest_count(ro, "/v1/dnc"), 0);
	itest_get("/v1/consents", none, &r);
	cr_assert_eq(r.status, 403);
	itest_resp_free(&r);
	itest_get("/v1/dnc", none, &r);
	cr_assert_eq(r.status, 403);
	itest_resp_free(&r);
	itest_get("/v1/compliance-settings", none, &r);
	cr_assert_eq(r.status, 403);
	itest_resp_free(&r);
	/* Nothing was written by the refused requests. */
	cr_assert_eq(itest_count(t.key, "/v1/consents"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/dnc"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/audit-log?action=consent.granted"),
		     0);
}

/* theirs and missing, each with method, answered alike. */
static void
like_missing(const char *method, const char *key, const char *theirs,
	     const char *missing)
{
	struct itest_resp rt, rm;

	itest_http(method, theirs, key, NULL, 0, NULL, &rt);
	itest_http(method, missing, key, NULL, 0, NULL, &rm);
	itest_assert_like_missing(&rt, &rm);
	itest_resp_free(&rt);
	itest_resp_free(&rm);
}

Test(compliance, another_business_ids_answer_like_missing_ones)
{
	struct itest_tenant a, b;
	struct itest_resp r;
	char phone[16], cns[64], dnc[64], miss[64], p1[128], p2[128];

	itest_tenant_new(&a, "Isolated Consent A", "*");
	itest_tenant_new(&b, "Isolated Consent B", "*");
	ny_number(phone, sizeof(phone));
	grant(a.key, phone, "voice", "written", cns);
	dnc_add(a.key, phone, NULL, dnc);

	snprintf(p1, sizeof(p1), "/v1/consents/%s", cns);
	itest_missing_id(cns, miss, sizeof(miss));
	snprintf(p2, sizeof(p2), "/v1/consents/%s", miss);
	like_missing("GET", b.key, p1, p2);
	like_missing("DELETE", b.key, p1, p2);
	snprintf(p1, sizeof(p1), "/v1/dnc/%s", dnc);
	itest_missing_id(dnc, miss, sizeof(miss));
	snprintf(p2, sizeof(p2), "/v1/dnc/%s", miss);
	like_missing("GET", b.key, p1, p2);
	like_missing("DELETE", b.key, p1, p2);

	/* A's objects are as they were; B sees none of them. */
	snprintf(p1, sizeof(p1), "/v1/consents/%s", cns);
	itest_get(p1, a.key, &r);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "active", "%s", r.body);
	itest_resp_free(&r);
	snprintf(p1, sizeof(p1), "/v1/dnc/%s", dnc);
	itest_get(p1, a.key, &r);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "active", "%s", r.body);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(b.key, "/v1/consents"), 0);
	cr_assert_eq(itest_count(b.key, "/v1/dnc"), 0);
	cr_assert_eq(itest_count(b.key, "/v1/audit-log"), 2,
		     "its own creation and its key's");
	/* A cursor of A's is no cursor for B. */
	snprintf(p1, sizeof(p1), "/v1/consents?starting_after=%s", cns);
	itest_get(p1, b.key, &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	itest_resp_free(&r);
}

Test(compliance, bad_bodies_name_the_field_and_write_nothing)
{
	static const struct {
		const char *path, *body, *code, *field;
	} cases[] = {
	    {"/v1/consents", "{}", "missing_field", "phone"},
	    {"/v1/consents",
	     "{\"phone\":\"+12124115555\",\"channel\":\"sms\",\"kind\":"
	     "\"written\",\"source\":\"x\",\"captured_at\":"
	     "\"2026-01-02T03:04:05Z\"}",
	     "invalid_phone_number", "phone"},
	    {"/v1/consents",
	     "{\"phone\":\"+12125550123\",\"channel\":\"sms\",\"kind\":"
	     "\"verbal\",\"source\":\"x\",\"captured_at\":"
	     "\"2026-01-02T03:04:05Z\"}",
	     "invalid_enum", "kind"},
	    {"/v1/consents",
	     "{\"phone\":\"+12125550123\",\"channel\":\"sms\",\"kind\":"
	     "\"written\",\"source\":\"x\",\"captured_at\":"
	     "\"2999-01-02T03:04:05Z\"}",
	     "out_of_range", "captured_at"},
	    {"/v1/dnc", "{\"phone\":\"+12125550123\"}", "missing_field",
	     "reason"},
	    {"/v1/dnc",
	     "{\"phone\":\"+12125550123\",\"reason\":\"legal\","
	     "\"channels\":[\"email\"]}",
	     "invalid_enum", "channels[0]"},
	    {"/v1/dnc",
	     "{\"phone\":\"+12125550123\",\"reason\":\"legal\",\"note\":1}",
	     "unknown_field", "note"},
	};
	struct itest_tenant t;
	struct itest_resp r;
	size_t i;

	itest_tenant_new(&t, "Bad Consent Co", "*");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		itest_post(t.key, cases[i].path, cases[i].body, &r);
		cr_assert_eq(r.status, 422, "%s -> %ld %s", cases[i].body,
			     r.status, r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"), cases[i].code,
				 "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "field"), cases[i].field,
				 "%s", r.body);
		itest_resp_free(&r);
	}
	patch_settings(
	    t.key,
	    "{\"calling_hours\":{\"start\":\"07:00\",\"end\":\"21:00\"}}", &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "calling_hours.start");
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/consents"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/dnc"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/events"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/audit-log"), 2,
		     "its own creation and its key's");
	itest_get("/v1/compliance-settings", t.key, &r);
	cr_assert_str_eq(jpath(r.json, "calling_hours", "start"), "08:00");
	itest_resp_free(&r);
}

Test(compliance, settings_narrow_the_hours_and_set_the_help_text)
{
	struct itest_tenant t;
	struct itest_resp r;
	const char *body = "{\"sms_help_text\":\"Bright Smile: call us at "
			   "+12125550100. Reply STOP to opt out.\","
			   "\"calling_hours\":{\"start\":\"09:30\",\"end\":"
			   "\"18:00\"}}";
	json_t *log;

	itest_tenant_new(&t, "Settings Co", "*");
	itest_get("/v1/compliance-settings", t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_null(json_object_get(r.json, "sms_help_text")));
	cr_assert_str_eq(jpath(r.json, "calling_hours", "start"), "08:00");
	cr_assert_str_eq(jpath(r.json, "calling_hours", "end"), "21:00");
	itest_resp_free(&r);

	patch_settings(t.key, body, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jpath(r.json, "calling_hours", "start"), "09:30");
	itest_resp_free(&r);
	itest_get("/v1/compliance-settings", t.key, &r);
	cr_assert_str_eq(jpath(r.json, "calling_hours", "end"), "18:00");
	cr_assert(strstr(itest_jstr(r.json, "sms_help_text"), "Bright Smile"));
	itest_resp_free(&r);
	log = audit(t.key, "action=compliance_settings.updated");
	cr_assert_eq(json_array_size(log), 1);
	cr_assert_str_eq(
	    jpath(json_object_get(json_array_get(log, 0), "before"),
		  "calling_hours", "start"),
	    "08:00");
	json_decref(log);
	/* null restores the default help text; the hours stay. */
	patch_settings(t.key, "{\"sms_help_text\":null}", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_null(json_object_get(r.json, "sms_help_text")));
	cr_assert_str_eq(jpath(r.json, "calling_hours", "start"), "09:30");
	itest_resp_free(&r);
}

/* Entries of the audit log with their created_at, oldest first. */
Test(compliance, audit_log_filters)
{
	struct itest_tenant t;
	struct itest_resp r;
	char phone[16], c1[64], c2[64], d1[64], q[512], t1[48], t2[48];
	json_t *log, *all;

	itest_tenant_new(&t, "Audit Filters Co", "*");
	ny_number(phone, sizeof(phone));
	grant(t.key, phone, "sms", "express", c1);
	itest_msleep(20);
	grant(t.key, phone, "voice", "written", c2);
	itest_msleep(20);
	dnc_add(t.key, phone, NULL, d1);
	snprintf(q, sizeof(q), "/v1/consents/%s", c1);
	itest_http("DELETE", q, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);

	all = audit(t.key, "");
	cr_assert_eq(json_array_size(all), 6);
	/* Newest first: revoke c1, add d1, grant c2, grant c1, and the
	 * creation of the key and of the business. */
	snprintf(t1, sizeof(t1), "%s",
		 itest_jstr(json_array_get(all, 2), "created_at"));
	snprintf(t2, sizeof(t2), "%s",
		 itest_jstr(json_array_get(all, 1), "created_at"));

	log = audit(t.key, "action=consent.granted");
	cr_assert_eq(json_array_size(log), 2);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "target", "id"), c2);
	json_decref(log);
	snprintf(q, sizeof(q), "target=%s", c1);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 2);
	json_decref(log);
	snprintf(q, sizeof(q), "target=%s&action=consent.revoked", c1);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 1);
	json_decref(log);
	snprintf(q, sizeof(q), "target=%s&action=dnc.added", c1);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 0);
	json_decref(log);
	/* since is inclusive, until exclusive. */
	snprintf(q, sizeof(q), "since=%s", t1);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 3, "since %s", t1);
	json_decref(log);
	snprintf(q, sizeof(q), "until=%s", t2);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 4, "until %s", t2);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "target", "id"), c2);
	json_decref(log);
	snprintf(q, sizeof(q), "since=%s&until=%s", t1, t2);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 1);
	json_decref(log);
	snprintf(q, sizeof(q), "since=%s&until=%s&action=consent.granted", t1,
		 t2);
	log = audit(t.key, q);
	cr_assert_eq(json_array_size(log), 1);
	json_decref(log);
	/* Pages of a filtered list. */
	itest_get("/v1/audit-log?action=consent.granted&limit=1", t.key, &r);
	cr_assert(json_is_true(json_object_get(r.json, "has_more")));
	snprintf(q, sizeof(q),
		 "/v1/audit-log?action=consent.granted&limit=1&"
		 "starting_after=%s",
		 itest_jstr(r.json, "next_cursor"));
	itest_resp_free(&r);
	itest_get(q, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(
	    jpath(json_array_get(json_object_get(r.json, "data"), 0), "target",
		  "id"),
	    c1);
	cr_assert(json_is_false(json_object_get(r.json, "has_more")));
	itest_resp_free(&r);
	json_decref(all);

	/* Bad filters are a 400 naming the parameter. */
	itest_get("/v1/audit-log?since=yesterday", t.key, &r);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "since");
	itest_resp_free(&r);
	itest_get("/v1/audit-log?action=DROP%20TABLE", t.key, &r);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "action");
	itest_resp_free(&r);
	itest_get("/v1/audit-log?target=a%27b", t.key, &r);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "target");
	itest_resp_free(&r);
}

Test(compliance, kcctl_changes_are_audited_as_the_system)
{
	struct itest_tenant t;
	char phone[16];
	const char *add[] = {"dnc",        "add", "--business", NULL,    NULL,
			     "--channels", "sms", "--reason",   "legal", NULL};
	const char *rm[] = {"dnc", "remove", "--business", NULL, NULL, NULL};
	json_t *v, *log;
	int st;

	itest_tenant_new(&t, "Kcctl DNC Co", "*");
	ny_number(phone, sizeof(phone));
	add[3] = t.biz;
	add[4] = phone;
	v = itest_kcctl(&st, add);
	cr_assert(st == 0 && v, "kcctl dnc add: %d", st);
	cr_assert_str_eq(itest_jstr(v, "reason"), "legal");
	rm[3] = t.biz;
	rm[4] = itest_jstr(v, "id");
	json_decref(itest_kcctl(&st, rm));
	cr_assert_eq(st, 0);
	log = audit(t.key, "action=dnc.added");
	cr_assert_eq(json_array_size(log), 1);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "type"),
			 "system");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "name"),
			 "kcctl dnc add");
	json_decref(log);
	log = audit(t.key, "action=dnc.removed");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "name"),
			 "kcctl dnc remove");
	json_decref(log);
	cr_assert_eq(itest_count(t.key, "/v1/events?type=dnc.removed"), 1);
	/* The business itself was created by kcctl too. */
	log = audit(t.key, "action=business.created");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "name"),
			 "kcctl business create");
	json_decref(log);
	/* A bad number is refused by the same checks as the API's. */
	add[4] = "+12124115555";
	json_decref(itest_kcctl(&st, add));
	cr_assert_eq(st, 2);
	cr_assert_eq(itest_count(t.key, "/v1/dnc"), 1);
	json_decref(v);
}

/* --- the check and the keywords, through lib/ against the same DB ------ */

static struct kc_config cfg;
static struct kc_db *db;

static void
db_open(void)
{
	char err[512];

	itest_setup();
	cr_assert_eq(kc_config_load(&cfg, NULL, err, sizeof(err)), 0, "%s",
		     err);
	db = kc_db_open(&cfg, err, sizeof(err));
	cr_assert_not_null(db, "%s", err);
}

static void
db_close(void)
{
	kc_db_close(db);
	kc_config_free(&cfg);
}

TestSuite(check, .init = db_open, .fini = db_close, .timeout = 60);

static long long
business_id(const char *public_id)
{
	struct kc_business b;

	cr_assert_eq(kc_business_find(db, public_id, &b), 0);
	return b.id;
}

/* 2026-07-15 15:00 UTC: 11:00 in New York. */
static time_t
noon_in_new_york(void)
{
	struct tm tm = {
	    .tm_year = 126, .tm_mon = 6, .tm_mday = 15, .tm_hour = 15};

	return timegm(&tm);
}

static const char *
check(long long biz, enum kc_channel ch, enum kc_purpose p, const char *to,
      const char *from, time_t now, char *detail)
{
	struct kc_action_check in = {ch, p, to, from, NULL, now};
	struct kc_check_result r;
	const char *code;

	cr_assert_eq(kc_compliance_check(db, biz, &in, &r), 0);
	cr_assert_eq(json_array_size(r.checks), 7);
	code = r.code;
	if (detail)
		snprintf(detail, 320, "%s", r.detail);
	kc_check_result_free(&r);
	return code ? code : "allowed";
}

static void
add_number(const char *biz, char *number)
{
	const char *args[] = {"number", "add", "--business", biz, NULL, NULL};
	int st;

	ny_number(number, 16);
	args[4] = number;
	json_decref(itest_kcctl(&st, args));
	cr_assert_eq(st, 0);
}

Test(check, reads_what_the_api_wrote)
{
	struct itest_tenant t, other;
	char from[16], to[16], id[64], dnc[64], path[128], detail[320];
	struct itest_resp r;
	time_t now = noon_in_new_york();
	long long biz;

	itest_tenant_new(&t, "Check Co", "*");
	itest_tenant_new(&other, "Check Other Co", "*");
	itest_dnc_registry_fresh(); /* for the marketing checks */
	biz = business_id(t.biz);
	add_number(t.biz, from);
	ny_number(to, sizeof(to));

	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 KC_CHECK_CONSENT_MISSING);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, "+12125550100", now, NULL),
			 KC_CHECK_NUMBER_NOT_OWNED);
	/* Another business's consent is not this one's. */
	grant(other.key, to, "sms", "written", id);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 KC_CHECK_CONSENT_MISSING);
	grant(t.key, to, "sms", "express", id);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed");
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_MARKETING, to,
			       from, now, NULL),
			 KC_CHECK_CONSENT_MISSING, "express is not written");
	cr_assert_str_eq(check(biz, KC_CHANNEL_VOICE, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 KC_CHECK_CONSENT_MISSING, "sms consent is not voice");
	grant(t.key, to, "sms", "written", id);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_MARKETING, to,
			       from, now, NULL),
			 "allowed");
	/* Revocation is honoured at once. */
	snprintf(path, sizeof(path), "/v1/consents/%s", id);
	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	itest_resp_free(&r);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_MARKETING, to,
			       from, now, NULL),
			 KC_CHECK_CONSENT_MISSING);
	/* A voice-only DNC entry leaves SMS alone; one for both does not. */
	dnc_add(t.key, to, "[\"voice\"]", dnc);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed");
	dnc_add(t.key, to, NULL, dnc);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, detail),
			 KC_CHECK_NUMBER_ON_DNC);
	cr_assert(strstr(detail, dnc), "%s", detail);
	snprintf(path, sizeof(path), "/v1/dnc/%s", dnc);
	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	itest_resp_free(&r);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed");
	/* The business's own hours: 11:30 at the earliest. */
	patch_settings(
	    t.key,
	    "{\"calling_hours\":{\"start\":\"11:30\",\"end\":\"18:00\"}}", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, detail),
			 KC_CHECK_OUTSIDE_CALLING_HOURS);
	cr_assert(strstr(detail, "11:00 in America/New_York"), "%s", detail);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now + 3600, NULL),
			 "allowed");
	/* The other business is untouched by all of it. */
	cr_assert_eq(itest_count(other.key, "/v1/dnc"), 0);
}

Test(check, stop_and_start_keywords)
{
	struct itest_tenant t;
	char from[16], to[16], id[64], help[400], sid[72];
	time_t now = noon_in_new_york();
	long long biz;
	int changed = -1;
	json_t *log, *ev;

	itest_tenant_new(&t, "Keyword Co", "*");
	biz = business_id(t.biz);
	add_number(t.biz, from);
	ny_number(to, sizeof(to));
	grant(t.key, to, "sms", "written", id);
	grant(t.key, to, "voice", "written", id);
	snprintf(sid, sizeof(sid), "SM%s", id + 4);

	cr_assert_eq(kc_compliance_opt_out(db, biz, t.biz, to, sid, &changed),
		     0);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 KC_CHECK_NUMBER_OPTED_OUT);
	cr_assert_str_eq(check(biz, KC_CHANNEL_VOICE, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed", "STOP is about texts");
	/* Again: nothing more is written. */
	cr_assert_eq(
	    kc_compliance_opt_out(db, biz, NULL, to, "SMagain", &changed), 0);
	cr_assert_eq(changed, 0);
	cr_assert_eq(itest_count(t.key, "/v1/dnc"), 1);

	log = audit(t.key, "action=dnc.added");
	cr_assert_eq(json_array_size(log), 1);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "type"),
			 "system");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "actor", "name"),
			 "sms-keyword");
	cr_assert_str_eq(itest_jstr(json_array_get(log, 0), "request_id"), sid);
	cr_assert_str_eq(jpath(json_array_get(log, 0), "after", "reason"),
			 "stop_keyword");
	cr_assert_str_eq(jpath(json_array_get(log, 0), "after", "message_sid"),
			 sid);
	json_decref(log);

	/* The API shows the opt-out; a second one by hand is a conflict. */
	{
		struct itest_resp r;
		char body[256];

		snprintf(body, sizeof(body),
			 "{\"phone\":\"%s\",\"reason\":\"stop_keyword\","
			 "\"channels\":[\"sms\"]}",
			 to);
		itest_post(t.key, "/v1/dnc", body, &r);
		cr_assert_eq(r.status, 409, "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"),
				 "already_opted_out");
		itest_resp_free(&r);
	}

	cr_assert_eq(
	    kc_compliance_opt_in(db, biz, t.biz, to, "SMstart", &changed), 0);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed");
	cr_assert_eq(
	    kc_compliance_opt_in(db, biz, t.biz, to, "SMstart2", &changed), 0);
	cr_assert_eq(changed, 0);
	ev = events(t.key, "dnc.removed");
	cr_assert_eq(json_array_size(ev), 1);
	cr_assert_str_eq(jpath(json_array_get(ev, 0), "data", "status"),
			 "removed");
	json_decref(ev);
	log = audit(t.key, "action=dnc.removed");
	cr_assert_str_eq(itest_jstr(json_array_get(log, 0), "request_id"),
			 "SMstart");
	json_decref(log);

	/* Inside the caller's transaction: its rollback takes it back. */
	cr_assert_eq(kc_db_begin(db), 0);
	cr_assert_eq(
	    kc_compliance_opt_out(db, biz, t.biz, to, "SMrolled", &changed), 0);
	cr_assert_eq(changed, 1);
	cr_assert_eq(kc_db_rollback(db), 0);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed");
	cr_assert_eq(itest_count(t.key, "/v1/events?type=dnc.added"), 1);

	/* HELP: the default names the business; a set text replaces it. */
	cr_assert_eq(kc_compliance_help_text(db, biz, help, sizeof(help)), 0);
	cr_assert(strstr(help, "Keyword Co") && strstr(help, "STOP"), "%s",
		  help);
	{
		struct itest_resp r;
		const char *body = "{\"sms_help_text\":\"Keyword Co help: "
				   "+12125550100\"}";

		patch_settings(t.key, body, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		itest_resp_free(&r);
	}
	cr_assert_eq(kc_compliance_help_text(db, biz, help, sizeof(help)), 0);
	cr_assert_str_eq(help, "Keyword Co help: +12125550100");
}

/* A live opt-out as an older build let POST /v1/dnc make it: reason
 * stop_keyword with channels of the caller's choosing. */
static void
legacy_optout(long long biz, const char *phone, int voice, int sms, char *id)
{
	char sql[512], *out;

	snprintf(id, 64, "dnc_legacy%lld%d%d", (long long)time(NULL) % 100000,
		 voice, sms);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO dnc_entries (public_id, business_id, phone, "
		 "voice, sms, reason, optout_phone, created_at) VALUES ('%s', "
		 "%lld, '%s', %d, %d, 'stop_keyword', '%s', UTC_TIMESTAMP(6))",
		 id, biz, phone, voice, sms, phone);
	out = itest_sql_root(sql);
	free(out);
}

static const char *
dnc_channels(const char *key, const char *id)
{
	static char got[64];
	struct itest_resp r;
	char path[128], *s;

	snprintf(path, sizeof(path), "/v1/dnc/%s", id);
	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	s = json_dumps(json_object_get(r.json, "channels"), JSON_COMPACT);
	snprintf(got, sizeof(got), "%s:%s", itest_jstr(r.json, "status"), s);
	free(s);
	itest_resp_free(&r);
	return got;
}

Test(check, stop_keyword_entries_are_sms_only)
{
	struct itest_tenant t;
	char from[16], to[16], to2[16], id[64], body[256], voice_only[64],
	    both[64];
	time_t now = noon_in_new_york();
	struct itest_resp r;
	long long biz;
	int changed = -1;
	json_t *ev;

	itest_tenant_new(&t, "Keyword Channels Co", "*");
	biz = business_id(t.biz);
	add_number(t.biz, from);
	ny_number(to, sizeof(to));
	ny_number(to2, sizeof(to2));
	grant(t.key, to, "sms", "written", id);
	grant(t.key, to, "voice", "written", id);
	grant(t.key, to2, "sms", "written", id);
	grant(t.key, to2, "voice", "written", id);

	/* The API makes an opt-out for texts only. */
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"reason\":\"stop_keyword\","
		 "\"channels\":[\"voice\"]}",
		 to);
	itest_post(t.key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "channels");
	itest_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"reason\":\"stop_keyword\"}", to);
	itest_post(t.key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/dnc"), 0);

	/* STOP on a number whose opt-out is voice only: SMS is blocked
	 * too, as the reply says. */
	legacy_optout(biz, to, 1, 0, voice_only);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 "allowed");
	cr_assert_eq(
	    kc_compliance_opt_out(db, biz, t.biz, to, "SMvoice", &changed), 0);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to, from, now, NULL),
			 KC_CHECK_NUMBER_OPTED_OUT);
	cr_assert_str_eq(dnc_channels(t.key, voice_only),
			 "active:[\"voice\",\"sms\"]");
	ev = events(t.key, "dnc.updated");
	cr_assert_eq(json_array_size(ev), 1);
	json_decref(ev);
	/* Again: nothing more. */
	cr_assert_eq(
	    kc_compliance_opt_out(db, biz, t.biz, to, "SMvoice2", &changed), 0);
	cr_assert_eq(changed, 0);

	/* START on an opt-out that covers calls too lifts texts only. */
	legacy_optout(biz, to2, 1, 1, both);
	cr_assert_eq(
	    kc_compliance_opt_in(db, biz, t.biz, to2, "SMstart", &changed), 0);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to2, from, now, NULL),
			 "allowed");
	cr_assert_str_eq(check(biz, KC_CHANNEL_VOICE, KC_PURPOSE_INFORMATIONAL,
			       to2, from, now, NULL),
			 KC_CHECK_NUMBER_OPTED_OUT);
	cr_assert_str_eq(dnc_channels(t.key, both), "active:[\"voice\"]");
	/* START again: nothing to lift. */
	cr_assert_eq(
	    kc_compliance_opt_in(db, biz, t.biz, to2, "SMstart2", &changed), 0);
	cr_assert_eq(changed, 0);
	cr_assert_str_eq(check(biz, KC_CHANNEL_VOICE, KC_PURPOSE_INFORMATIONAL,
			       to2, from, now, NULL),
			 KC_CHECK_NUMBER_OPTED_OUT);
	/* And STOP brings texts back under it. */
	cr_assert_eq(
	    kc_compliance_opt_out(db, biz, t.biz, to2, "SMstop", &changed), 0);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(check(biz, KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
			       to2, from, now, NULL),
			 KC_CHECK_NUMBER_OPTED_OUT);
	ev = events(t.key, "dnc.updated");
	cr_assert_eq(json_array_size(ev), 3);
	json_decref(ev);
}
