/* Outbound calls and SMS end to end: the API's checks, `kcctl outbound`
 * against the fake carrier (tests/carrier/carrier.mjs), and the carrier's
 * signed callbacks through the stack back to events at the webhook
 * receiver. Each test has a business of its own and numbers of its own,
 * and runs the worker for its business alone (--business). */
#include "itest.h"
#include "itest_carrier.h"
#include "itest_sql.h"
#include "kc_business.h"
#include "kc_compliance.h"
#include "kc_config.h"
#include "kc_crypto.h"
#include "kc_db.h"
#include "kc_hours.h"
#include "kc_nanp.h"
#include "kc_outbound_worker.h"

#include <criterion/criterion.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(outbound, .init = itest_setup, .timeout = 60);

struct ob {
	struct itest_tenant t;
	char from[20];  /* the business's number */
	char agent[64]; /* its agent */
	char tz[40];    /* a zone where it is mid-day now */
	/* An area code all of whose zones are inside 08:00-21:00 now, for
	 * the recipients (recipient()); 0 when none is, and then they are
	 * another country's, judged in the business's zone (set to o->tz). */
	int npa;
	char base[256]; /* the stack's URL, as the carrier calls it */
};

/* A zone of the tz database where it is now between start and end
 * (minutes after midnight). */
static void
zone_at(int start, int end, char *out, size_t cap)
{
	int off;

	for (off = -12; off <= 14; off++) {
		const char *z[1];
		char name[32];

		snprintf(name, sizeof(name), "Etc/GMT%c%d",
			 off <= 0 ? '+' : '-', off <= 0 ? -off : off);
		z[0] = name;
		if (itest_hours_all_inside(z, 1, start, end)) {
			snprintf(out, cap, "%s", name);
			return;
		}
	}
	cr_assert_fail("no zone of the tz database is at %d-%d now", start,
		       end);
}

/* Whatever the hour of the test, the hours check lets these through. */
static void
midday_zone(char *out, size_t cap)
{
	zone_at(10 * 60, 19 * 60, out, cap);
}

static void
setup_tz(struct ob *o, const char *tz)
{
	const char *create[] = {"business",   "create", "Outbound Test",
				"--timezone", tz,       NULL};
	const char *number[] = {"number", "add",   "--business",
				o->t.biz, o->from, NULL};
	struct itest_resp r;
	json_t *v;
	int st;

	memset(o, 0, sizeof(*o));
	v = itest_kcctl(&st, create);
	cr_assert(st == 0 && v, "kcctl business create (%d)", st);
	snprintf(o->t.biz, sizeof(o->t.biz), "%s", itest_jstr(v, "id"));
	json_decref(v);
	itest_key_new(&o->t, "*", o->t.key, o->t.key_id);
	itest_number_in(212, o->from, sizeof(o->from));
	v = itest_kcctl(&st, number);
	cr_assert(st == 0, "kcctl number add (%d)", st);
	json_decref(v);
	itest_get("/v1/agent", o->t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(o->agent, sizeof(o->agent), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	midday_zone(o->tz, sizeof(o->tz));
	snprintf(o->base, sizeof(o->base), "%s", getenv("KC_TEST_URL"));
}

/* A business whose recipients the hours check lets through, whatever
 * the hour of the test: the zones of a number's area code decide (a
 * request's "timezone" never overrides them). */
static void
setup(struct ob *o)
{
	char tz[40];
	int npa = itest_npa_where(1);

	if (npa)
		setup_tz(o, "America/New_York");
	else {
		midday_zone(tz, sizeof(tz));
		setup_tz(o, tz);
	}
	o->npa = npa;
}

/* A random recipient that the hours check allows now (see ob.npa). */
static void
recipient(const struct ob *o, char *out, size_t cap)
{
	char r[16];

	if (o->npa) {
		itest_number_in(o->npa, out, cap);
		return;
	}
	itest_random_number(r, sizeof(r));
	snprintf(out, cap, "+447700%.6s", r + 6);
}

static void
consent(const struct ob *o, const char *phone, const char *channel,
	const char *kind)
{
	struct itest_resp r;
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"channel\":\"%s\",\"kind\":\"%s\","
		 "\"source\":\"web_form\",\"captured_at\":"
		 "\"2026-01-02T03:04:05Z\"}",
		 phone, channel, kind);
	itest_post(o->t.key, "/v1/consents", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
}

/* POST /v1/messages from the business's number; extra is more members
 * (may be ""). */
static void
message(const struct ob *o, const char *to, const char *purpose,
	const char *extra, struct itest_resp *r)
{
	char body[2048];

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"body\":\"Your cleaning is "
		 "tomorrow at 9.\",\"purpose\":\"%s\"%s}",
		 to, o->from, purpose, extra);
	itest_post(o->t.key, "/v1/messages", body, r);
}

/* An allowed informational SMS to a number with express consent, sent
 * through the carrier: its id and carrier SID. */
static void
queued_message(const struct ob *o, const char *to, char *id)
{
	struct itest_resp r;
	char tz[80];

	snprintf(tz, sizeof(tz), ",\"timezone\":\"%s\"", o->tz);
	message(o, to, "informational", tz, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "queued");
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

/* kcctl outbound --business: sends what is due, then returns. */
static json_t *
outbound(const struct ob *o)
{
	const char *args[] = {"outbound", "--business", o->t.biz, NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl outbound failed (%d)", st);
	return v;
}

static json_t *
get(const struct ob *o, const char *path)
{
	struct itest_resp r;
	json_t *v;

	itest_get(path, o->t.key, &r);
	cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
	v = json_incref(r.json);
	itest_resp_free(&r);
	return v;
}

static json_t *
get_message(const struct ob *o, const char *id)
{
	char path[320];

	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	return get(o, path);
}

/* How many events of type the business has; about id when not NULL. */
static size_t
events(const struct ob *o, const char *type, const char *key, const char *id)
{
	char path[160];
	json_t *v, *e;
	size_t i, n = 0;

	snprintf(path, sizeof(path), "/v1/events?limit=100&type=%s", type);
	v = get(o, path);
	json_array_foreach(json_object_get(v, "data"), i, e)
	{
		const char *got = itest_jstr(json_object_get(e, "data"), key);

		if (id == NULL || (got && strcmp(got, id) == 0))
			n++;
	}
	json_decref(v);
	return n;
}

/* The audit rows about target (newest first). */
static json_t *
audit_of(const struct ob *o, const char *target)
{
	char path[160];
	json_t *v, *data;

	snprintf(path, sizeof(path), "/v1/audit-log?limit=100&target=%s",
		 target);
	v = get(o, path);
	data = json_incref(json_object_get(v, "data"));
	json_decref(v);
	return data;
}

/* Asks the fake carrier for a callback; what our stack answered. */
static long
carrier_status(const char *sid, const char *status, const char *more)
{
	char body[512];
	long st, got;
	json_t *v;

	snprintf(body, sizeof(body), "{\"sid\":\"%s\",\"status\":\"%s\"%s}",
		 sid, status, more);
	v = itest_carrier_post("/_control/status", body, &st);
	cr_assert_eq(st, 200, "fake carrier: %s", body);
	got = (long)itest_jint(v, "status");
	json_decref(v);
	return got;
}

/* An inbound SMS from phone to the business's number; *n is the
 * callback's number at the carrier (for a resend); *twiml (may be NULL)
 * our answer's body. */
static long
inbound(const struct ob *o, const char *phone, const char *text,
	const char *more, long *n, char *twiml, size_t cap)
{
	char body[1024];
	long st, got;
	json_t *v;

	snprintf(body, sizeof(body),
		 "{\"from\":\"%s\",\"to\":\"%s\",\"body\":\"%s\",\"url\":"
		 "\"%s/carrier/twilio/sms\"%s}",
		 phone, o->from, text, o->base, more);
	v = itest_carrier_post("/_control/inbound", body, &st);
	cr_assert_eq(st, 200, "fake carrier: %s", body);
	got = (long)itest_jint(v, "status");
	if (n)
		*n = (long)itest_jint(v, "n");
	if (twiml)
		snprintf(twiml, cap, "%s",
			 itest_jstr(v, "body") ? itest_jstr(v, "body") : "");
	json_decref(v);
	return got;
}

static long
resend(long n)
{
	char body[64];
	long st, got;
	json_t *v;

	snprintf(body, sizeof(body), "{\"n\":%ld}", n);
	v = itest_carrier_post("/_control/resend", body, &st);
	cr_assert_eq(st, 200);
	got = (long)itest_jint(v, "status");
	json_decref(v);
	return got;
}

static long long
carrier_requests(const char *phone)
{
	json_t *v = itest_carrier_log(phone);
	long long n = itest_jint(v, "count");

	json_decref(v);
	return n;
}

/* The SID the fake carrier gave the first request to phone. */
static void
carrier_sid_of(const char *phone, char *sid, size_t cap)
{
	json_t *log = itest_carrier_log(phone);

	snprintf(
	    sid, cap, "%s",
	    itest_jstr(json_object_get(
			   json_array_get(json_object_get(log, "requests"), 0),
			   "answer"),
		       "sid"));
	json_decref(log);
}

static const json_t *
check_named(const json_t *checks, const char *name)
{
	const json_t *c;
	size_t i;

	json_array_foreach(checks, i, c) if (strcmp(itest_jstr(c, "check"),
						    name) == 0) return c;
	return NULL;
}

Test(outbound, dnc_number_is_refused_with_its_code_and_an_audit_row)
{
	struct itest_resp r;
	struct ob o;
	char to[20], body[1024], id[64], path[160];
	json_t *a, *rows, *row;

	setup(&o);
	recipient(&o, to, sizeof(to));
	consent(&o, to, "voice", "written");
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"reason\":\"customer_request\"}", to);
	itest_post(o.t.key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"agent_id\":\"%s\","
		 "\"purpose\":\"informational\",\"timezone\":\"%s\"}",
		 to, o.from, o.agent, o.tz);
	itest_post(o.t.key, "/v1/outbound-calls", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "number_on_dnc");
	cr_assert_str_eq(itest_jstr(r.json, "field"), "to");
	a = json_object_get(r.json, "action");
	cr_assert_str_eq(itest_jstr(a, "status"), "blocked");
	snprintf(id, sizeof(id), "%s", itest_jstr(a, "id"));
	cr_assert(strncmp(id, "ocall_", 6) == 0, "%s", id);
	/* Every check ran, in order, and consent alone would have let it
	 * through: DNC wins. */
	cr_assert_eq(json_array_size(json_object_get(a, "checks")), 7);
	cr_assert_str_eq(itest_jstr(check_named(json_object_get(a, "checks"),
						"consent_missing"),
				    "outcome"),
			 "passed");
	itest_resp_free(&r);

	/* Stored blocked, with its reason. */
	snprintf(path, sizeof(path), "/v1/outbound-calls/%s", id);
	a = get(&o, path);
	cr_assert_str_eq(itest_jstr(a, "status"), "blocked");
	cr_assert_str_eq(itest_jstr(json_object_get(a, "blocked"), "code"),
			 "number_on_dnc");
	cr_assert_str_eq(itest_jstr(json_object_get(a, "blocked"), "stage"),
			 "queue");
	json_decref(a);
	cr_assert_eq(itest_count(o.t.key, "/v1/outbound-calls?status=blocked"),
		     1);
	cr_assert_eq(itest_count(o.t.key, "/v1/outbound-calls?status=queued"),
		     0);

	/* Its audit row, by the key, and its event. */
	rows = audit_of(&o, id);
	cr_assert_eq(json_array_size(rows), 1);
	row = json_array_get(rows, 0);
	cr_assert_str_eq(itest_jstr(row, "action"), "outbound.blocked");
	cr_assert_str_eq(itest_jstr(json_object_get(row, "actor"), "type"),
			 "api_key");
	cr_assert_str_eq(itest_jstr(json_object_get(row, "actor"), "id"),
			 o.t.key_id);
	cr_assert_str_eq(itest_jstr(json_object_get(row, "after"), "status"),
			 "blocked");
	json_decref(rows);
	cr_assert_eq(events(&o, "outbound.blocked", "call_id", id), 1);

	/* Nothing goes out. */
	json_decref(outbound(&o));
	cr_assert_eq(carrier_requests(to), 0);
}

Test(outbound, marketing_sms_without_written_consent_is_refused)
{
	struct itest_resp r;
	struct ob o;
	char to[20], tz[80];

	setup(&o);
	itest_dnc_registry_fresh();
	recipient(&o, to, sizeof(to));
	snprintf(tz, sizeof(tz), ",\"timezone\":\"%s\"", o.tz);
	consent(&o, to, "sms", "express");
	message(&o, to, "marketing", tz, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "consent_missing");
	cr_assert(strstr(itest_jstr(r.json, "detail"), "written"), "%s",
		  r.body);
	itest_resp_free(&r);
	/* Express consent is enough for an informational text. */
	message(&o, to, "informational", tz, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	itest_resp_free(&r);
	/* And written consent for marketing. */
	consent(&o, to, "sms", "written");
	message(&o, to, "marketing", tz, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages?status=blocked"), 1);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages?status=queued"), 2);
	cr_assert_eq(events(&o, "outbound.blocked", NULL, NULL), 1);
}

Test(outbound, allowed_sms_reaches_the_carrier_and_comes_back_as_signed_events)
{
	struct ob o;
	char to[20], id[64], sid[80], path[64], ep[64], secret[80], cb[512];
	json_t *v, *m, *req, *log, *d, *p;
	const char *types[] = {"message.sent", "message.delivered"};
	size_t i, j, n;
	int st;

	setup(&o);
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(o.t.key, path, "[\"message.*\"]", ep, secret);
	recipient(&o, to, sizeof(to));
	consent(&o, to, "sms", "express");
	queued_message(&o, to, id);

	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "claimed"), 1);
	cr_assert_eq(itest_jint(v, "accepted"), 1);
	json_decref(v);

	/* What the carrier got: our account, the message, and where to
	 * report back. */
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 1);
	req = json_array_get(json_object_get(log, "requests"), 0);
	cr_assert_str_eq(itest_jstr(req, "auth"), "ok");
	snprintf(cb, sizeof(cb), "%s/carrier/twilio/messages/%s/status", o.base,
		 id);
	n = 0;
	json_array_foreach(json_object_get(req, "params"), i, p)
	{
		const char *k = json_string_value(json_array_get(p, 0));
		const char *val = json_string_value(json_array_get(p, 1));

		if (strcmp(k, "To") == 0)
			n += strcmp(val, to) == 0;
		else if (strcmp(k, "From") == 0)
			n += strcmp(val, o.from) == 0;
		else if (strcmp(k, "Body") == 0)
			n +=
			    strcmp(val, "Your cleaning is tomorrow at 9.") == 0;
		else if (strcmp(k, "StatusCallback") == 0)
			n += strcmp(val, cb) == 0;
	}
	cr_assert_eq(n, 4, "%s", json_dumps(req, 0));
	snprintf(sid, sizeof(sid), "%s",
		 itest_jstr(json_object_get(req, "answer"), "sid"));
	json_decref(log);

	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "accepted");
	cr_assert_str_eq(itest_jstr(m, "carrier_sid"), sid);
	cr_assert_eq(json_array_size(json_object_get(m, "send_checks")), 7);
	json_decref(m);

	/* The carrier's signed callbacks move it along... */
	cr_assert_eq(carrier_status(sid, "sent", ""), 204);
	cr_assert_eq(carrier_status(sid, "delivered", ""), 204);
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "delivered");
	cr_assert_str_eq(itest_jstr(m, "carrier_status"), "delivered");
	cr_assert(json_is_string(json_object_get(m, "ended_at")));
	json_decref(m);

	/* ...and become events at the webhook receiver, signed. */
	v = itest_deliver(o.t.biz, &st);
	cr_assert_eq(st, 0);
	json_decref(v);
	log = itest_rcv_log(path);
	cr_assert_eq(itest_jint(log, "count"), 2, "%s", json_dumps(log, 0));
	for (i = 0; i < 2; i++) {
		n = 0;
		json_array_foreach(json_object_get(log, "requests"), j, d)
		{
			const char *body = itest_jstr(d, "body");
			json_t *env = json_loads(body, 0, NULL), *data;

			cr_assert_not_null(env);
			if (strcmp(itest_jstr(env, "type"), types[i]) != 0) {
				json_decref(env);
				continue;
			}
			n++;
			cr_assert_eq(
			    kc_webhook_verify(secret, itest_jstr(d, "id"),
					      itest_jstr(d, "timestamp"), body,
					      strlen(body),
					      itest_jstr(d, "signature"),
					      (long long)time(NULL), 300),
			    0, "%s is not signed with the endpoint's secret",
			    types[i]);
			data = json_object_get(env, "data");
			cr_assert_str_eq(itest_jstr(data, "message_id"), id);
			cr_assert_str_eq(itest_jstr(data, "carrier_sid"), sid);
			cr_assert_str_eq(itest_jstr(data, "to"), to);
			json_decref(env);
		}
		cr_assert_eq(n, 1, "%s arrived %zu times", types[i], n);
	}
	json_decref(log);
}

Test(outbound, stop_reply_blocks_the_next_sms_at_the_api_and_at_send_time)
{
	struct itest_resp r;
	struct ob o;
	char to[20], first[64], twiml[1024], tz[80], q[128];
	json_t *v, *m;
	const json_t *c;

	setup(&o);
	recipient(&o, to, sizeof(to));
	consent(&o, to, "sms", "written");
	/* Queued before the STOP, sent after it. */
	queued_message(&o, to, first);

	cr_assert_eq(inbound(&o, to, " Stop ", "", NULL, twiml, sizeof(twiml)),
		     200);
	cr_assert(strstr(twiml, "<Response><Message>"), "%s", twiml);
	cr_assert(strstr(twiml, "unsubscribed"), "%s", twiml);
	cr_assert_eq(events(&o, "message.received", NULL, NULL), 1);
	snprintf(q, sizeof(q), "/v1/dnc?phone=%%2B%s", to + 1);
	cr_assert_eq(itest_count(o.t.key, q), 1);

	/* At the API: refused, whatever consent it had. */
	snprintf(tz, sizeof(tz), ",\"timezone\":\"%s\"", o.tz);
	message(&o, to, "informational", tz, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "number_opted_out");
	itest_resp_free(&r);

	/* At send time: the one queued before is blocked, not sent. */
	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "claimed"), 1);
	cr_assert_eq(itest_jint(v, "blocked"), 1);
	cr_assert_eq(itest_jint(v, "accepted"), 0);
	json_decref(v);
	cr_assert_eq(carrier_requests(to), 0);
	m = get_message(&o, first);
	cr_assert_str_eq(itest_jstr(m, "status"), "blocked");
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "code"),
			 "number_opted_out");
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "stage"),
			 "send");
	/* Queued with every check passed; blocked by the second look. */
	c = check_named(json_object_get(m, "checks"), "number_opted_out");
	cr_assert_str_eq(itest_jstr(c, "outcome"), "passed");
	c = check_named(json_object_get(m, "send_checks"), "number_opted_out");
	cr_assert_str_eq(itest_jstr(c, "outcome"), "failed");
	json_decref(m);
	cr_assert_eq(events(&o, "outbound.blocked", "message_id", first), 1);

	/* START opts back in. */
	cr_assert_eq(inbound(&o, to, "start", "", NULL, twiml, sizeof(twiml)),
		     200);
	cr_assert(strstr(twiml, "resubscribed"), "%s", twiml);
	message(&o, to, "informational", tz, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	itest_resp_free(&r);
}

Test(outbound, forged_callbacks_are_refused_and_change_nothing)
{
	struct ob o;
	char to[20], id[64], sid[80], q[128], twiml[512];
	json_t *v, *m, *rows;
	size_t audits;

	setup(&o);
	recipient(&o, to, sizeof(to));
	consent(&o, to, "sms", "express");
	queued_message(&o, to, id);
	json_decref(outbound(&o));
	carrier_sid_of(to, sid, sizeof(sid));
	rows = audit_of(&o, id);
	audits = json_array_size(rows);
	json_decref(rows);

	/* Signed with another token, not signed, and a signature of
	 * something else. */
	cr_assert_eq(carrier_status(sid, "delivered",
				    ",\"sign_with\":\"not-the-token\""),
		     403);
	cr_assert_eq(carrier_status(sid, "failed", ",\"signature\":\"\""), 403);
	cr_assert_eq(carrier_status(sid, "delivered",
				    ",\"signature\":"
				    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\""),
		     403);
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "accepted");
	json_decref(m);
	cr_assert_eq(events(&o, "message.delivered", NULL, NULL), 0);
	cr_assert_eq(events(&o, "message.failed", NULL, NULL), 0);
	rows = audit_of(&o, id);
	cr_assert_eq(json_array_size(rows), audits);
	json_decref(rows);

	/* A forged STOP opts nobody out. */
	cr_assert_eq(inbound(&o, to, "STOP", ",\"sign_with\":\"nope\"", NULL,
			     twiml, sizeof(twiml)),
		     403);
	snprintf(q, sizeof(q), "/v1/dnc?phone=%%2B%s", to + 1);
	cr_assert_eq(itest_count(o.t.key, q), 0);
	cr_assert_eq(events(&o, "message.received", NULL, NULL), 0);

	/* The real one, for contrast, is taken. */
	cr_assert_eq(carrier_status(sid, "delivered", ""), 204);
	v = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(v, "status"), "delivered");
	json_decref(v);
}

Test(outbound, replayed_callbacks_change_nothing)
{
	struct ob o;
	char to[20], id[64], sid[80], q[128];
	json_t *v, *rows;
	long n_sent, n_stop;
	size_t audits;
	char body[512];
	long st;

	setup(&o);
	recipient(&o, to, sizeof(to));
	consent(&o, to, "sms", "express");
	queued_message(&o, to, id);
	json_decref(outbound(&o));
	carrier_sid_of(to, sid, sizeof(sid));

	snprintf(body, sizeof(body), "{\"sid\":\"%s\",\"status\":\"sent\"}",
		 sid);
	v = itest_carrier_post("/_control/status", body, &st);
	cr_assert_eq(itest_jint(v, "status"), 204);
	n_sent = (long)itest_jint(v, "n");
	json_decref(v);
	rows = audit_of(&o, id);
	audits = json_array_size(rows);
	json_decref(rows);

	/* Byte for byte again, as Twilio retries: taken, nothing changes. */
	cr_assert_eq(resend(n_sent), 204);
	cr_assert_eq(events(&o, "message.sent", "message_id", id), 1);
	rows = audit_of(&o, id);
	cr_assert_eq(json_array_size(rows), audits);
	json_decref(rows);

	/* A late "sent" after "delivered" does not move it back. */
	cr_assert_eq(carrier_status(sid, "delivered", ""), 204);
	cr_assert_eq(resend(n_sent), 204);
	v = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(v, "status"), "delivered");
	json_decref(v);
	cr_assert_eq(events(&o, "message.sent", "message_id", id), 1);
	cr_assert_eq(events(&o, "message.delivered", "message_id", id), 1);

	/* An inbound STOP delivered twice opts out once. */
	cr_assert_eq(inbound(&o, to, "STOP", "", &n_stop, NULL, 0), 200);
	cr_assert_eq(resend(n_stop), 200);
	snprintf(q, sizeof(q), "/v1/dnc?phone=%%2B%s", to + 1);
	cr_assert_eq(itest_count(o.t.key, q), 1);
	cr_assert_eq(events(&o, "message.received", NULL, NULL), 1);
	cr_assert_eq(events(&o, "dnc.added", NULL, NULL), 1);
}

Test(outbound, calling_hours_are_the_recipients)
{
	struct itest_resp r;
	struct ob o;
	int out_npa = itest_npa_where(0), in_npa = itest_npa_where(1);
	char out_to[20], in_to[20], body[1024], tz[40] = "America/New_York";
	const json_t *c;

	/* NANP's zones run from UTC-11 to UTC-3:30, and UTC+10 (Guam): for
	 * about an hour a day (22:00-23:00 UTC) every one of them is inside
	 * 08:00-21:00, and for half an hour a year (11:00-11:30 UTC in
	 * winter) none is. Then that number is another country's, and the
	 * business's zone, chosen so, is the recipient's. */
	cr_assert(out_npa || in_npa);
	if (!in_npa)
		midday_zone(tz, sizeof(tz));
	if (!out_npa)
		zone_at(1 * 60, 5 * 60, tz, sizeof(tz));
	setup_tz(&o, tz);
	if (in_npa)
		itest_number_in(in_npa, in_to, sizeof(in_to));
	else
		snprintf(in_to, sizeof(in_to), "+447700900%03d",
			 (int)(time(NULL) % 1000));
	if (out_npa)
		itest_number_in(out_npa, out_to, sizeof(out_to));
	else
		snprintf(out_to, sizeof(out_to), "+447700901%03d",
			 (int)(time(NULL) % 1000));
	consent(&o, out_to, "voice", "express");
	consent(&o, in_to, "voice", "express");

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"agent_id\":\"%s\","
		 "\"purpose\":\"informational\"}",
		 out_to, o.from, o.agent);
	itest_post(o.t.key, "/v1/outbound-calls", body, &r);
	cr_assert_eq(r.status, 422, "%s: %s", out_to, r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "outside_calling_hours");
	c = check_named(
	    json_object_get(json_object_get(r.json, "action"), "checks"),
	    "outside_calling_hours");
	cr_assert_str_eq(itest_jstr(c, "zone_source"),
			 out_npa ? "number" : "business");
	itest_resp_free(&r);

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"agent_id\":\"%s\","
		 "\"purpose\":\"informational\"}",
		 in_to, o.from, o.agent);
	itest_post(o.t.key, "/v1/outbound-calls", body, &r);
	cr_assert_eq(r.status, 202, "%s: %s", in_to, r.body);
	c = check_named(json_object_get(r.json, "checks"),
			"outside_calling_hours");
	cr_assert_str_eq(itest_jstr(c, "outcome"), "passed");
	cr_assert_str_eq(itest_jstr(c, "zone_source"),
			 in_npa ? "number" : "business");
	itest_resp_free(&r);
}

Test(outbound, outbound_call_moves_through_its_states)
{
	struct itest_resp r;
	struct ob o;
	char to[20], body[1024], id[64], sid[80], path[128], voice[256];
	json_t *v, *log, *req, *p;
	size_t i, events_asked = 0;
	int voice_ok = 0;

	setup(&o);
	itest_dnc_registry_fresh();
	recipient(&o, to, sizeof(to));
	consent(&o, to, "voice", "written");
	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"agent_id\":\"%s\","
		 "\"purpose\":\"marketing\",\"context\":{\"reason\":"
		 "\"reminder\"},\"timezone\":\"%s\"}",
		 to, o.from, o.agent, o.tz);
	itest_post(o.t.key, "/v1/outbound-calls", body, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(id, sizeof(id), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "accepted"), 1);
	json_decref(v);

	log = itest_carrier_log(to);
	req = json_array_get(json_object_get(log, "requests"), 0);
	cr_assert(strstr(itest_jstr(req, "path"), "/Calls.json"));
	snprintf(voice, sizeof(voice), "call_id=%s&agent_id=%s", id, o.agent);
	json_array_foreach(json_object_get(req, "params"), i, p)
	{
		const char *k = json_string_value(json_array_get(p, 0));
		const char *val = json_string_value(json_array_get(p, 1));

		if (strcmp(k, "StatusCallbackEvent") == 0)
			events_asked++;
		if (strcmp(k, "Url") == 0 && strstr(val, voice))
			voice_ok = 1;
	}
	cr_assert_eq(events_asked, 4);
	cr_assert(voice_ok, "the voice URL names the call and the agent");
	snprintf(sid, sizeof(sid), "%s",
		 itest_jstr(json_object_get(req, "answer"), "sid"));
	json_decref(log);

	cr_assert_eq(carrier_status(sid, "ringing", ""), 204);
	cr_assert_eq(carrier_status(sid, "in-progress", ""), 204);
	cr_assert_eq(events(&o, "call.started", "call_id", id), 1);
	cr_assert_eq(carrier_status(sid, "completed", ",\"call_duration\":42"),
		     204);
	snprintf(path, sizeof(path), "/v1/outbound-calls/%s", id);
	v = get(&o, path);
	cr_assert_str_eq(itest_jstr(v, "status"), "completed");
	cr_assert_eq(itest_jint(v, "duration_seconds"), 42);
	cr_assert(json_is_string(json_object_get(v, "answered_at")));
	json_decref(v);
	cr_assert_eq(events(&o, "call.ended", "call_id", id), 1);
	/* The message routes know nothing of calls. */
	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	itest_get(path, o.t.key, &r);
	cr_assert_eq(r.status, 404);
	itest_resp_free(&r);
}

Test(outbound, carrier_refusals_are_final_and_errors_retry)
{
	struct ob o;
	char refused[20], flaky[20], held[20], a[64], b[64], c[64];
	json_t *v, *m, *rows;
	long long deadline;
	int accepted = 0;

	setup(&o);
	recipient(&o, refused, sizeof(refused));
	recipient(&o, flaky, sizeof(flaky));
	recipient(&o, held, sizeof(held));
	consent(&o, refused, "sms", "express");
	consent(&o, flaky, "sms", "express");
	consent(&o, held, "sms", "express");
	itest_carrier_mode(refused, "\"unsubscribed\":true");
	itest_carrier_mode(flaky, "\"fail\":[{\"status\":429,\"code\":"
				  "20429}]");
	itest_carrier_mode(held, "\"fail\":[{\"status\":401,\"code\":20003}]");
	queued_message(&o, refused, a);
	queued_message(&o, flaky, b);
	queued_message(&o, held, c);

	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "failed"), 1);
	cr_assert_eq(itest_jint(v, "retrying"), 1);
	cr_assert_eq(itest_jint(v, "held"), 1);
	json_decref(v);

	/* 21610: final, with the carrier's code, and message.failed. */
	m = get_message(&o, a);
	cr_assert_str_eq(itest_jstr(m, "status"), "failed");
	cr_assert_eq(itest_jint(m, "error_code"), 21610);
	json_decref(m);
	cr_assert_eq(events(&o, "message.failed", "message_id", a), 1);

	/* 429: nothing was created; queued again on the delivery schedule
	 * (5 s first). */
	m = get_message(&o, b);
	cr_assert_str_eq(itest_jstr(m, "status"), "queued");
	cr_assert_eq(itest_jint(m, "attempts"), 1);
	cr_assert(json_is_string(json_object_get(m, "next_attempt_at")));
	json_decref(m);

	/* 401: our credentials, not the message: held, no try counted. */
	m = get_message(&o, c);
	cr_assert_str_eq(itest_jstr(m, "status"), "queued");
	cr_assert_eq(itest_jint(m, "attempts"), 0);
	cr_assert_eq(itest_jint(m, "error_code"), 20003);
	json_decref(m);
	rows = audit_of(&o, c);
	cr_assert_str_eq(itest_jstr(json_array_get(rows, 0), "action"),
			 "message.held");
	json_decref(rows);

	/* Run again until the retry has come: it goes through. */
	deadline = itest_mono_ms() + 20000;
	while (!accepted && itest_mono_ms() < deadline) {
		v = outbound(&o);
		json_decref(v);
		m = get_message(&o, b);
		accepted = strcmp(itest_jstr(m, "status"), "accepted") == 0;
		json_decref(m);
		if (!accepted)
			itest_msleep(250);
	}
	cr_assert(accepted, "the retry did not go through within 20 s");
	cr_assert_eq(carrier_requests(flaky), 2);
	cr_assert_eq(carrier_requests(refused), 1);
}

Test(outbound, per_business_caps_make_work_wait)
{
	struct ob o;
	char to[3][20], id[3][64];
	json_t *v, *m;
	int i, queued = 0;

	setup(&o);
	for (i = 0; i < 3; i++) {
		recipient(&o, to[i], sizeof(to[i]));
		consent(&o, to[i], "sms", "express");
		queued_message(&o, to[i], id[i]);
	}
	/* Two a minute for this run (the environment overrides the
	 * configuration; this test's process alone). */
	setenv("KC_OUTBOUND_MESSAGES_PER_MINUTE", "2", 1);
	v = outbound(&o);
	unsetenv("KC_OUTBOUND_MESSAGES_PER_MINUTE");
	cr_assert_eq(itest_jint(v, "accepted"), 2, "%s", json_dumps(v, 0));
	cr_assert_eq(itest_jint(v, "deferred"), 1);
	cr_assert_eq(itest_jint(v, "failed"), 0);
	json_decref(v);
	for (i = 0; i < 3; i++) {
		m = get_message(&o, id[i]);
		if (strcmp(itest_jstr(m, "status"), "queued") == 0) {
			queued++;
			/* Waiting for the next minute, not failed. */
			cr_assert_eq(itest_jint(m, "attempts"), 0);
			cr_assert(json_is_string(
			    json_object_get(m, "next_attempt_at")));
			cr_assert_eq(carrier_requests(to[i]), 0);
		}
		json_decref(m);
	}
	cr_assert_eq(queued, 1);
}

Test(outbound, dry_run_checks_and_stores_nothing)
{
	struct itest_resp r;
	struct ob o;
	char to[20], extra[128];

	setup(&o);
	recipient(&o, to, sizeof(to));
	snprintf(extra, sizeof(extra), ",\"timezone\":\"%s\",\"dry_run\":true",
		 o.tz);
	message(&o, to, "informational", extra, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "object"), "outbound_check");
	cr_assert(json_is_false(json_object_get(r.json, "allowed")));
	cr_assert_str_eq(itest_jstr(r.json, "code"), "consent_missing");
	cr_assert_eq(json_array_size(json_object_get(r.json, "checks")), 7);
	itest_resp_free(&r);
	consent(&o, to, "sms", "express");
	message(&o, to, "informational", extra, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "allowed")));
	cr_assert(json_is_null(json_object_get(r.json, "code")));
	itest_resp_free(&r);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages"), 0);
	cr_assert_eq(events(&o, "outbound.blocked", NULL, NULL), 0);
}

Test(outbound, bad_bodies_name_the_field_and_write_nothing)
{
	static const struct {
		const char *path, *body, *field, *code;
	} cases[] = {
	    {"/v1/messages",
	     "{\"from\":\"+12125550100\",\"body\":\"x\","
	     "\"purpose\":\"informational\"}",
	     "to", "missing_field"},
	    {"/v1/messages",
	     "{\"to\":5,\"from\":\"+12125550100\",\"body\":"
	     "\"x\",\"purpose\":\"informational\"}",
	     "to", "invalid_type"},
	    {"/v1/messages",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"body\":\"\",\"purpose\":"
	     "\"informational\"}",
	     "body", "invalid_value"},
	    {"/v1/messages",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"body\":\"x\",\"purpose\":"
	     "\"sales\"}",
	     "purpose", "invalid_enum"},
	    {"/v1/messages",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"body\":\"x\",\"purpose\":"
	     "\"informational\",\"cc\":\"x\"}",
	     "cc", "unknown_field"},
	    {"/v1/messages",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"body\":\"x\",\"purpose\":"
	     "\"informational\",\"lead_id\":\"lead_"
	     "0000000000\"}",
	     "lead_id", "unknown_lead"},
	    {"/v1/messages",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"body\":\"x\",\"purpose\":"
	     "\"informational\",\"timezone\":\"Nowhere/"
	     "Land\"}",
	     "timezone", "invalid_value"},
	    {"/v1/outbound-calls",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"purpose\":"
	     "\"informational\"}",
	     "agent_id", "missing_field"},
	    {"/v1/outbound-calls",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"agent_id\":\"agt_"
	     "0000000000\",\"purpose\":"
	     "\"informational\"}",
	     "agent_id", "unknown_agent"},
	    {"/v1/outbound-calls",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"agent_id\":\"agt_"
	     "0000000000\",\"purpose\":"
	     "\"informational\",\"context\":\"x\"}",
	     "context", "invalid_type"},
	    {"/v1/outbound-calls",
	     "{\"to\":\"+12125550123\",\"from\":"
	     "\"+12125550100\",\"agent_id\":\"agt_"
	     "0000000000\",\"purpose\":"
	     "\"informational\",\"dry_run\":\"yes\"}",
	     "dry_run", "invalid_type"},
	};
	struct itest_resp r;
	struct ob o;
	size_t i;

	setup(&o);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		itest_post(o.t.key, cases[i].path, cases[i].body, &r);
		cr_assert_eq(r.status, 422, "%s: %s", cases[i].body, r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"), cases[i].code,
				 "%s: %s", cases[i].body, r.body);
		if (*cases[i].field)
			cr_assert_str_eq(itest_jstr(r.json, "field"),
					 cases[i].field, "%s: %s",
					 cases[i].body, r.body);
		cr_assert_null(json_object_get(r.json, "action"));
		itest_resp_free(&r);
	}
	itest_post(o.t.key, "/v1/messages", "{\"to\":", &r);
	cr_assert_eq(r.status, 400);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages"), 0);
	cr_assert_eq(itest_count(o.t.key, "/v1/outbound-calls"), 0);
	cr_assert_eq(itest_count(o.t.key, "/v1/audit-log?action=message."
					  "queued"),
		     0);
	cr_assert_eq(itest_count(o.t.key, "/v1/audit-log?action=outbound."
					  "blocked"),
		     0);
}

Test(outbound, invalid_numbers_are_blocked_and_kept)
{
	struct itest_resp r;
	struct ob o;
	char body[512];

	setup(&o);
	/* 911 as an exchange (N11): E.164, but no number. */
	snprintf(body, sizeof(body),
		 "{\"to\":\"+12129111234\",\"from\":\"%s\",\"body\":\"x\","
		 "\"purpose\":\"informational\"}",
		 o.from);
	itest_post(o.t.key, "/v1/messages", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "invalid_phone_number");
	cr_assert_str_eq(itest_jstr(r.json, "field"), "to");
	itest_resp_free(&r);
	/* A from number that is not the business's. */
	snprintf(body, sizeof(body),
		 "{\"to\":\"+12125550123\",\"from\":\"+12125550199\","
		 "\"body\":\"x\",\"purpose\":\"informational\"}");
	itest_post(o.t.key, "/v1/messages", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "number_not_owned");
	cr_assert_str_eq(itest_jstr(r.json, "field"), "from");
	itest_resp_free(&r);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages?status=blocked"), 2);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages?to=%2B12129111234"), 1);
}

Test(outbound, scopes)
{
	struct itest_resp r;
	struct ob o;
	char key[64], key_id[64], body[512];

	setup(&o);
	snprintf(body, sizeof(body),
		 "{\"to\":\"+12125550123\",\"from\":\"%s\",\"body\":\"x\","
		 "\"purpose\":\"informational\"}",
		 o.from);
	itest_key_new(&o.t, "sms:read,calls:write", key, key_id);
	itest_post(key, "/v1/messages", body, &r);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(itest_jstr(r.json, "detail"), "sms:write"));
	itest_resp_free(&r);
	itest_get("/v1/messages", key, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	itest_get("/v1/outbound-calls", key, &r);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(itest_jstr(r.json, "detail"), "calls:read"));
	itest_resp_free(&r);
	itest_key_new(&o.t, "sms:write", key, key_id);
	itest_post(key, "/v1/outbound-calls", "{}", &r);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(itest_jstr(r.json, "detail"), "calls:write"));
	itest_resp_free(&r);
	itest_post(key, "/v1/messages", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body); /* no consent */
	itest_resp_free(&r);
}

Test(outbound, another_business_ids_answer_like_missing_ones)
{
	struct itest_resp theirs, missing;
	struct ob a, b;
	char to[20], id[64], other[64], path[128];

	setup(&a);
	setup(&b);
	recipient(&a, to, sizeof(to));
	consent(&a, to, "sms", "express");
	queued_message(&a, to, id);
	itest_missing_id(id, other, sizeof(other));
	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	itest_get(path, b.t.key, &theirs);
	snprintf(path, sizeof(path), "/v1/messages/%s", other);
	itest_get(path, b.t.key, &missing);
	itest_assert_like_missing(&theirs, &missing);
	itest_resp_free(&theirs);
	itest_resp_free(&missing);
	snprintf(path, sizeof(path), "/v1/messages?starting_after=%s", id);
	itest_get(path, b.t.key, &theirs);
	cr_assert_eq(theirs.status, 400);
	itest_resp_free(&theirs);
	/* B's worker run sends nothing of A's. */
	json_decref(outbound(&b));
	cr_assert_eq(carrier_requests(to), 0);
}

Test(outbound, list_filters)
{
	struct ob o;
	char to[2][20], id[64], q[160];
	struct itest_resp r;
	int i;

	setup(&o);
	itest_dnc_registry_fresh();
	for (i = 0; i < 2; i++) {
		recipient(&o, to[i], sizeof(to[i]));
		consent(&o, to[i], "sms", "express");
		queued_message(&o, to[i], id);
	}
	message(&o, to[0], "marketing", "", &r); /* blocked */
	cr_assert_eq(r.status, 422);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages"), 3);
	snprintf(q, sizeof(q), "/v1/messages?to=%%2B%s", to[0] + 1);
	cr_assert_eq(itest_count(o.t.key, q), 2);
	snprintf(q, sizeof(q), "/v1/messages?to=%%2B%s&status=queued",
		 to[0] + 1);
	cr_assert_eq(itest_count(o.t.key, q), 1);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages?status=queued"), 2);
	cr_assert_eq(itest_count(o.t.key, "/v1/messages?status=delivered"), 0);
	cr_assert_eq(
	    itest_count(o.t.key, "/v1/messages?since=2999-01-01T00:00:00Z"), 0);
	itest_get("/v1/messages?status=ringing", o.t.key, &r);
	cr_assert_eq(r.status, 400, "a call's state is no message's");
	itest_resp_free(&r);
	itest_get("/v1/messages?to=12125550100", o.t.key, &r);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "to");
	itest_resp_free(&r);
	itest_get("/v1/messages?limit=1", o.t.key, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(json_is_true(json_object_get(r.json, "has_more")));
	itest_resp_free(&r);
}

Test(outbound, inbound_sms_from_a_short_code_or_to_nobody_changes_nothing)
{
	struct ob o;
	char twiml[512], body[512];
	long st;
	json_t *v;

	setup(&o);
	/* A sender we could never text has nothing to opt out of. */
	cr_assert_eq(
	    inbound(&o, "22395", "STOP", "", NULL, twiml, sizeof(twiml)), 200);
	cr_assert(strstr(twiml, "<Response/>"), "%s", twiml);
	cr_assert_eq(itest_count(o.t.key, "/v1/dnc"), 0);
	cr_assert_eq(events(&o, "message.received", NULL, NULL), 1);
	/* A message to a number of nobody's is answered empty. */
	snprintf(body, sizeof(body),
		 "{\"from\":\"+12125550123\",\"to\":\"+12125550000\",\"body\":"
		 "\"STOP\",\"url\":\"%s/carrier/twilio/sms\"}",
		 o.base);
	v = itest_carrier_post("/_control/inbound", body, &st);
	cr_assert_eq(itest_jint(v, "status"), 200);
	cr_assert(strstr(itest_jstr(v, "body"), "<Response/>"));
	json_decref(v);
}

/* --- the worker's batch read of the check's facts ------------------------ */

static struct kc_config facts_cfg;
static struct kc_db *facts_db;

static void
facts_open(void)
{
	char err[512];

	itest_setup();
	cr_assert_eq(kc_config_load(&facts_cfg, NULL, err, sizeof(err)), 0,
		     "%s", err);
	facts_db = kc_db_open(&facts_cfg, err, sizeof(err));
	cr_assert_not_null(facts_db, "%s", err);
}

static void
facts_close(void)
{
	kc_db_close(facts_db);
	kc_config_free(&facts_cfg);
}

TestSuite(facts, .init = facts_open, .fini = facts_close, .timeout = 60);

/* The worker checks a claim's actions with one statement
 * (kc_compliance_facts_read_many); the API one at a time
 * (kc_compliance_facts_read). Both must read the same facts. (Whether
 * the registry lists a number is the same one-row lookup in both; it is
 * left out here, since loading a real one is for test_jobs, which runs
 * alone. Its age is read here: a fresh one makes sure there is one.) */
Test(facts, a_batch_reads_what_one_at_a_time_reads)
{
	enum { N = 7 };
	struct kc_business biz, other;
	struct kc_action_check in[2 * N + 2];
	struct kc_compliance_facts one, many[2 * N + 2];
	long long ids[2 * N + 2];
	int found[2 * N + 2], changed;
	char to[N][20], cns[64], body[256], path[128];
	struct itest_resp r;
	struct ob o, b;
	size_t i, n = 0;

	setup(&o);
	setup(&b);
	itest_dnc_registry_fresh();
	cr_assert_eq(kc_business_find(facts_db, o.t.biz, &biz), 0);
	cr_assert_eq(kc_business_find(facts_db, b.t.biz, &other), 0);
	for (i = 0; i < N; i++)
		itest_number_in(212, to[i], sizeof(to[i]));
	/* 0 nothing; 1 express SMS; 2 written SMS and express voice; 3 on
	 * the DNC list with written consent; 4 opted out with consent; 5 a
	 * revoked consent; 6 SMS-only DNC and voice consent. */
	consent(&o, to[1], "sms", "express");
	consent(&o, to[2], "sms", "written");
	consent(&o, to[2], "voice", "express");
	consent(&o, to[3], "sms", "written");
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"reason\":\"complaint\"}", to[3]);
	itest_post(o.t.key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 201);
	itest_resp_free(&r);
	consent(&o, to[4], "sms", "written");
	cr_assert_eq(kc_compliance_opt_out(facts_db, biz.id, biz.public_id,
					   to[4], "SMfacts", &changed),
		     0);
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"channel\":\"sms\",\"kind\":\"written\","
		 "\"source\":\"x\",\"captured_at\":\"2026-01-02T03:04:05Z\"}",
		 to[5]);
	itest_post(o.t.key, "/v1/consents", body, &r);
	cr_assert_eq(r.status, 201);
	snprintf(cns, sizeof(cns), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	snprintf(path, sizeof(path), "/v1/consents/%s", cns);
	itest_http("DELETE", path, o.t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"channels\":[\"sms\"],\"reason\":"
		 "\"legal\"}",
		 to[6]);
	itest_post(o.t.key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 201);
	itest_resp_free(&r);
	consent(&o, to[6], "voice", "written");

	memset(in, 0, sizeof(in));
	for (i = 0; i < N; i++) {
		int v;

		for (v = 0; v < 2; v++) {
			in[n].channel = v ? KC_CHANNEL_VOICE : KC_CHANNEL_SMS;
			in[n].purpose = KC_PURPOSE_MARKETING;
			in[n].to = to[i];
			in[n].from = o.from;
			ids[n++] = biz.id;
		}
	}
	/* Another business's view of a number of this one's, from a number
	 * that is not its own; and a business that does not exist. */
	in[n] = in[0];
	ids[n++] = other.id;
	in[n] = in[0];
	ids[n++] = 0;
	cr_assert_eq(
	    kc_compliance_facts_read_many(facts_db, n, ids, in, many, found),
	    0);
	for (i = 0; i < n; i++) {
		int rc =
		    kc_compliance_facts_read(facts_db, ids[i], &in[i], &one);

		cr_assert_eq(found[i], rc == 0, "action %zu", i);
		if (rc != 0)
			continue;
		/* The same import, read a moment apart. */
		cr_assert_str_eq(one.registry_loaded_at,
				 many[i].registry_loaded_at);
		cr_assert(many[i].registry_age >= 0 &&
			      one.registry_age >= many[i].registry_age &&
			      one.registry_age - many[i].registry_age < 60,
			  "registry age %lld, then %lld", many[i].registry_age,
			  one.registry_age);
		one.registry_age = many[i].registry_age;
		cr_assert(memcmp(&one, &many[i], sizeof(one)) == 0,
			  "action %zu (%s, %s): the batch read other facts", i,
			  in[i].to, kc_channel_name(in[i].channel));
	}
	/* And they are the facts the cases were made for. */
	cr_assert_eq(many[2].consent, KC_CONSENT_EXPRESS);     /* 1, sms */
	cr_assert_eq(many[3].consent, KC_CONSENT_NONE);        /* 1, voice */
	cr_assert_eq(many[4].consent, KC_CONSENT_WRITTEN);     /* 2, sms */
	cr_assert(many[6].dnc_id[0] && many[7].dnc_id[0]);     /* 3, both */
	cr_assert(many[8].optout_id[0] && !many[8].dnc_id[0]); /* 4, sms */
	cr_assert(!many[9].optout_id[0]);                      /* 4, voice */
	cr_assert_eq(many[10].consent, KC_CONSENT_NONE);       /* 5, revoked */
	cr_assert(many[12].dnc_id[0] && !many[13].dnc_id[0]);  /* 6 */
	cr_assert_eq(many[13].consent, KC_CONSENT_WRITTEN);
	cr_assert(many[0].from_owned && !many[2 * N].from_owned);
	cr_assert_eq(found[2 * N + 1], 0);
}

/* --- zones that a request names, and send-time checks --------------------- */

/* Whether the local time of now in zone is in [start, end) minutes, with
 * a margin of ten minutes on both sides: 1 inside, 0 outside, -1 near an
 * end. */
static int
zone_in(const char *zone, int start, int end)
{
	const char *z[1] = {zone};
	struct kc_hours_zone j[1];
	int a, b;

	cr_assert_eq(kc_hours_judge(z, 1, time(NULL) - 600, start, end, j, &a),
		     0);
	cr_assert_eq(kc_hours_judge(z, 1, time(NULL) + 600, start, end, j, &b),
		     0);
	return a == b ? a : -1;
}

/* Sets the business's calling hours to [start, start + 2 h). */
static void
hours_window(const struct ob *o, int start)
{
	struct itest_resp r;
	char body[128];

	snprintf(
	    body, sizeof(body),
	    "{\"calling_hours\":{\"start\":\"%02d:00\",\"end\":\"%02d:00\"}}",
	    start / 60, start / 60 + 2);
	itest_http("PATCH", "/v1/compliance-settings", o->t.key, body,
		   strlen(body), NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
}

/* Narrows the business's calling hours to a two-hour window that New
 * York is well outside now; *start is its first minute. */
static void
hours_without_new_york(const struct ob *o, int *start)
{
	int s;

	for (s = 8 * 60; s <= 19 * 60; s += 60)
		if (zone_in("America/New_York", s, s + 120) == 0)
			break;
	cr_assert_leq(s, 19 * 60);
	hours_window(o, s);
	*start = s;
}

/* r is a call refused for its hours, judged in n zones from source. */
static void
assert_hours_blocked(const struct itest_resp *r, const char *source, size_t n)
{
	const json_t *c;

	cr_assert_eq(r->status, 422, "%s", r->body);
	cr_assert_str_eq(itest_jstr(r->json, "code"), "outside_calling_hours");
	c = check_named(
	    json_object_get(json_object_get(r->json, "action"), "checks"),
	    "outside_calling_hours");
	cr_assert_str_eq(itest_jstr(c, "zone_source"), source);
	cr_assert_eq(json_array_size(json_object_get(c, "time_zones")), n);
}

static long
call_request(const struct ob *o, const char *to, const char *tz,
	     struct itest_resp *r)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"agent_id\":\"%s\","
		 "\"purpose\":\"informational\"%s%s%s}",
		 to, o->from, o->agent, tz ? ",\"timezone\":\"" : "",
		 tz ? tz : "", tz ? "\"" : "");
	itest_post(o->t.key, "/v1/outbound-calls", body, r);
	return r->status;
}

/* Review 11, H2: a request's "timezone" where it is mid-day, for a New
 * York number outside the business's hours, let the call through. */
Test(outbound, a_request_zone_does_not_override_the_area_code)
{
	struct itest_resp r;
	struct ob o;
	char to[20], tz[40];
	int start;

	setup(&o);
	itest_number_in(212, to, sizeof(to));
	consent(&o, to, "voice", "express");
	hours_without_new_york(&o, &start);
	zone_at(start, start + 120, tz, sizeof(tz));

	call_request(&o, to, tz, &r);
	assert_hours_blocked(&r, "contact_and_number", 2);
	itest_resp_free(&r);

	/* Files of the tz directory that are no place are no zone. */
	cr_assert_eq(call_request(&o, to, "Factory", &r), 422);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "timezone");
	itest_resp_free(&r);
	cr_assert_eq(call_request(&o, to, "posix/Asia/Tokyo", &r), 422);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "timezone");
	itest_resp_free(&r);
	cr_assert_eq(itest_count(o.t.key, "/v1/outbound-calls?status=queued"),
		     0);
}

/* Review 11, H3: a +1 number whose area code the table lacks was judged
 * in the business's zone. Two hours never span Hawaii to New York. */
Test(outbound, an_unknown_area_code_needs_every_us_zone)
{
	struct itest_resp r;
	struct ob o;
	char to[20], tz[40];

	zone_at(8 * 60, 10 * 60, tz, sizeof(tz));
	setup_tz(&o, tz);
	itest_number_in(350, to, sizeof(to));
	cr_assert_null(kc_nanp_tz_find(to), "350 is in the table now");
	consent(&o, to, "voice", "express");
	hours_window(&o, 8 * 60);

	call_request(&o, to, NULL, &r);
	assert_hours_blocked(&r, "all_nanp_zones", 10);
	itest_resp_free(&r);
	/* Nor does naming the business's zone help. */
	cr_assert_eq(call_request(&o, to, tz, &r), 422, "%s", r.body);
	itest_resp_free(&r);
}

/* The worker judges with the same function: an action stored with a
 * zone that contradicts its number (as an older build stored them) is
 * blocked at send time. */
Test(outbound, a_stored_zone_does_not_override_the_area_code_at_send_time)
{
	struct ob o;
	char to[20], ny[20], id[64], tz[40], sql[512], *out;
	const json_t *c;
	json_t *v, *m;
	int start;

	setup(&o);
	recipient(&o, to, sizeof(to));
	itest_number_in(212, ny, sizeof(ny));
	consent(&o, to, "sms", "express");
	consent(&o, ny, "sms", "express");
	queued_message(&o, to, id);
	hours_without_new_york(&o, &start);
	zone_at(start, start + 120, tz, sizeof(tz));
	snprintf(sql, sizeof(sql),
		 "UPDATE outbound_actions SET to_number = '%s', timezone = "
		 "'%s' WHERE public_id = '%s'",
		 ny, tz, id);
	out = itest_sql_root(sql);
	free(out);

	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "blocked"), 1, "%s",
		     json_dumps(v, JSON_COMPACT));
	json_decref(v);
	cr_assert_eq(carrier_requests(ny), 0);
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "blocked");
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "code"),
			 "outside_calling_hours");
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "stage"),
			 "send");
	c = check_named(json_object_get(m, "send_checks"),
			"outside_calling_hours");
	cr_assert_str_eq(itest_jstr(c, "zone_source"), "contact_and_number");
	json_decref(m);
}

/* Checked again at send time: a DNC entry made, or a consent revoked,
 * after the action was queued blocks it, and nothing is sent. */
Test(outbound, dnc_and_revoked_consent_after_queueing_block_at_send_time)
{
	struct itest_resp r;
	struct ob o;
	char dnc_to[20], cns_to[20], a[64], b[64], body[256], path[128];
	json_t *v, *m, *list;

	setup(&o);
	recipient(&o, dnc_to, sizeof(dnc_to));
	recipient(&o, cns_to, sizeof(cns_to));
	consent(&o, dnc_to, "sms", "express");
	consent(&o, cns_to, "sms", "express");
	queued_message(&o, dnc_to, a);
	queued_message(&o, cns_to, b);

	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"reason\":\"customer_request\"}", dnc_to);
	itest_post(o.t.key, "/v1/dnc", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
	snprintf(path, sizeof(path), "/v1/consents?phone=%%2B%s", cns_to + 1);
	list = get(&o, path);
	snprintf(
	    path, sizeof(path), "/v1/consents/%s",
	    itest_jstr(json_array_get(json_object_get(list, "data"), 0), "id"));
	json_decref(list);
	itest_http("DELETE", path, o.t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);

	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "claimed"), 2);
	cr_assert_eq(itest_jint(v, "blocked"), 2);
	cr_assert_eq(itest_jint(v, "accepted"), 0);
	json_decref(v);
	cr_assert_eq(carrier_requests(dnc_to), 0);
	cr_assert_eq(carrier_requests(cns_to), 0);
	m = get_message(&o, a);
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "code"),
			 "number_on_dnc");
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "stage"),
			 "send");
	json_decref(m);
	m = get_message(&o, b);
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "code"),
			 "consent_missing");
	cr_assert_str_eq(itest_jstr(json_object_get(m, "blocked"), "stage"),
			 "send");
	json_decref(m);
	cr_assert_eq(events(&o, "outbound.blocked", "message_id", a), 1);
	cr_assert_eq(events(&o, "outbound.blocked", "message_id", b), 1);
}

static const char *
param_of(const json_t *req, const char *name)
{
	const json_t *p;
	size_t i;

	json_array_foreach(
	    json_object_get(req, "params"), i,
	    p) if (strcmp(json_string_value(json_array_get(p, 0)), name) ==
		   0) return json_string_value(json_array_get(p, 1));
	return NULL;
}

/* A callback signed for one action's URL, posted to another's: the
 * signature covers the URL, so it is refused and B is untouched. */
Test(outbound, a_callback_for_one_action_replayed_to_another_is_refused)
{
	struct ob o;
	char to_a[20], to_b[20], a[64], b[64], sid_a[80], url_b[512], sig[128],
	    body[1024];
	json_t *log, *v, *m, *rows;
	size_t audits;
	long st;

	setup(&o);
	recipient(&o, to_a, sizeof(to_a));
	recipient(&o, to_b, sizeof(to_b));
	consent(&o, to_a, "sms", "express");
	consent(&o, to_b, "sms", "express");
	queued_message(&o, to_a, a);
	queued_message(&o, to_b, b);
	json_decref(outbound(&o));
	carrier_sid_of(to_a, sid_a, sizeof(sid_a));
	log = itest_carrier_log(to_b);
	snprintf(url_b, sizeof(url_b), "%s",
		 param_of(json_array_get(json_object_get(log, "requests"), 0),
			  "StatusCallback"));
	json_decref(log);
	cr_assert(strstr(url_b, b), "%s", url_b);

	/* A's own callback, as the carrier signed it for A's URL. */
	snprintf(body, sizeof(body),
		 "{\"sid\":\"%s\",\"status\":\"delivered\"}", sid_a);
	v = itest_carrier_post("/_control/status", body, &st);
	cr_assert_eq(itest_jint(v, "status"), 204);
	snprintf(sig, sizeof(sig), "%s", itest_jstr(v, "signature"));
	json_decref(v);
	rows = audit_of(&o, b);
	audits = json_array_size(rows);
	json_decref(rows);

	/* The same parameters and signature, to B's URL. */
	snprintf(body, sizeof(body),
		 "{\"sid\":\"%s\",\"status\":\"delivered\",\"url\":\"%s\","
		 "\"signature\":\"%s\"}",
		 sid_a, url_b, sig);
	v = itest_carrier_post("/_control/status", body, &st);
	cr_assert_eq(itest_jint(v, "status"), 403);
	json_decref(v);
	m = get_message(&o, b);
	cr_assert_str_eq(itest_jstr(m, "status"), "accepted");
	json_decref(m);
	m = get_message(&o, a);
	cr_assert_str_eq(itest_jstr(m, "status"), "delivered");
	json_decref(m);
	cr_assert_eq(events(&o, "message.delivered", "message_id", b), 0);
	rows = audit_of(&o, b);
	cr_assert_eq(json_array_size(rows), audits);
	json_decref(rows);
}

/* --- what the carrier may already have (review 11: H4, H5) -------------- */

/* A fresh recipient (recipient()) with express consent for channel; the
 * carrier answers it as mode says (NULL: as usual). */
static void
consented(const struct ob *o, char *to, size_t cap, const char *channel,
	  const char *mode)
{
	recipient(o, to, cap);
	consent(o, to, channel, "express");
	if (mode)
		itest_carrier_mode(to, mode);
}

/* kcctl outbound --business with one setting of the environment (NULL:
 * none) for this run alone; ambiguous answers are settled after 1 s. */
static json_t *
outbound_with(const struct ob *o, const char *env, const char *value)
{
	json_t *v;

	setenv("KC_OUTBOUND_RECONCILE_AFTER", "1s", 1);
	if (env)
		setenv(env, value, 1);
	v = outbound(o);
	if (env)
		unsetenv(env);
	unsetenv("KC_OUTBOUND_RECONCILE_AFTER");
	return v;
}

/* Runs the worker until the action at path has status want (20 s). */
static void
outbound_until(const struct ob *o, const char *path, const char *want)
{
	long long deadline = itest_mono_ms() + 20000;
	char now[32] = "";
	json_t *m;

	while (itest_mono_ms() < deadline) {
		json_decref(outbound_with(o, NULL, NULL));
		m = get(o, path);
		snprintf(now, sizeof(now), "%s", itest_jstr(m, "status"));
		json_decref(m);
		if (strcmp(now, want) == 0)
			return;
		itest_msleep(200);
	}
	cr_assert_fail("%s is %s, not %s, after 20 s", path, now, want);
}

/* What the fake carrier counts for number: "count" (creates asked),
 * "created" (made) or "lists". */
static long long
carrier_count(const char *phone, const char *what)
{
	json_t *v = itest_carrier_log(phone);
	long long n = itest_jint(v, what);

	json_decref(v);
	return n;
}

static void
queued_call(const struct ob *o, const char *to, char *id)
{
	struct itest_resp r;
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"agent_id\":\"%s\","
		 "\"purpose\":\"informational\",\"timezone\":\"%s\"}",
		 to, o->from, o->agent, o->tz);
	itest_post(o->t.key, "/v1/outbound-calls", body, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

static int
audited(const struct ob *o, const char *id, const char *action)
{
	json_t *rows = audit_of(o, id), *e;
	size_t i;
	int n = 0;

	json_array_foreach(rows, i, e) n +=
	    strcmp(itest_jstr(e, "action"), action) == 0;
	json_decref(rows);
	return n;
}

/* A 500 that came after the carrier took the message: the action is
 * "unknown", the carrier is asked, finds it, and it is never sent
 * twice. The message is still queued with the carrier (no date_sent, as
 * no status callback moved it on): a list filtered by DateSent> would
 * not show it (review 11B, 1). */
Test(outbound, a_5xx_after_the_carrier_took_it_is_not_sent_twice)
{
	struct ob o;
	char to[20], id[64], path[128];
	json_t *v, *m;

	setup(&o);
	consented(&o, to, sizeof(to), "sms",
		  "\"fail\":[{\"status\":500,\"create\":true}]");
	queued_message(&o, to, id);
	v = outbound_with(&o, NULL, NULL);
	cr_assert_eq(itest_jint(v, "unknown"), 1, "%s", json_dumps(v, 0));
	cr_assert_eq(itest_jint(v, "retrying"), 0);
	json_decref(v);
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "unknown");
	cr_assert_eq(itest_jint(m, "attempts"), 1);
	json_decref(m);

	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	outbound_until(&o, path, "accepted");
	m = get_message(&o, id);
	cr_assert_eq(strncmp(itest_jstr(m, "carrier_sid"), "SM", 2), 0);
	json_decref(m);
	cr_assert_eq(carrier_count(to, "count"), 1, "sent again");
	cr_assert_eq(carrier_count(to, "created"), 1);
	cr_assert_geq(carrier_count(to, "lists"), 1);
	cr_assert_eq(audited(&o, id, "message.reconciled"), 1);
}

/* What reconciliation finds is recorded where the carrier's listed
 * status puts it, with that state's event, as the lost callback would
 * have: at the carrier is the status the action was taken with and moved
 * on to; want is the action's state then, event its event (review 11B,
 * 5). */
static void
found_as(const char *kind, const char *carrier_status, const char *want,
	 const char *event, int final)
{
	int call = strcmp(kind, "call") == 0;
	struct ob o;
	char to[20], id[64], path[128], mode[160];
	json_t *v;

	setup(&o);
	snprintf(mode, sizeof(mode),
		 "\"fail\":[{\"status\":500,\"create\":true,"
		 "\"create_status\":\"%s\"}]",
		 carrier_status);
	consented(&o, to, sizeof(to), call ? "voice" : "sms", mode);
	if (call)
		queued_call(&o, to, id);
	else
		queued_message(&o, to, id);
	snprintf(path, sizeof(path), "/v1/%s/%s",
		 call ? "outbound-calls" : "messages", id);
	outbound_until(&o, path, want);
	v = get(&o, path);
	cr_assert_str_eq(itest_jstr(v, "carrier_status"), carrier_status);
	cr_assert_eq(
	    strncmp(itest_jstr(v, "carrier_sid"), call ? "CA" : "SM", 2), 0);
	if (final)
		cr_assert(itest_jstr(v, "ended_at") != NULL, "%s",
			  json_dumps(v, 0));
	else
		cr_assert(json_is_null(json_object_get(v, "ended_at")));
	json_decref(v);
	cr_assert_eq(events(&o, event, call ? "call_id" : "message_id", id), 1,
		     "%s", event);
	cr_assert_eq(
	    audited(&o, id,
		    call ? "outbound_call.reconciled" : "message.reconciled"),
	    1);
	cr_assert_eq(carrier_count(to, "count"), 1, "sent again");
}

Test(outbound, a_message_found_delivered_is_delivered)
{
	found_as("message", "delivered", "delivered", "message.delivered", 1);
}

Test(outbound, a_message_found_undelivered_has_failed)
{
	found_as("message", "undelivered", "failed", "message.failed", 1);
}

Test(outbound, a_message_found_sent_is_sent)
{
	found_as("message", "sent", "sent", "message.sent", 0);
}

Test(outbound, a_call_found_completed_has_ended)
{
	found_as("call", "completed", "completed", "call.ended", 1);
}

/* A 5xx before anything was made: asked, not found, sent again once. */
Test(outbound, a_5xx_the_carrier_has_no_record_of_is_sent_again)
{
	struct ob o;
	char to[20], id[64], path[128];

	setup(&o);
	consented(&o, to, sizeof(to), "sms", "\"fail\":[{\"status\":503}]");
	queued_message(&o, to, id);
	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	json_decref(outbound_with(&o, NULL, NULL));
	outbound_until(&o, path, "accepted");
	cr_assert_eq(carrier_count(to, "count"), 2);
	cr_assert_eq(carrier_count(to, "created"), 1);
	cr_assert_geq(carrier_count(to, "lists"), 1);
}

/* A call that timed out while the carrier placed it: found, accepted with
 * the carrier's SID, never placed again. */
Test(outbound, a_call_that_timed_out_is_found_not_placed_again)
{
	struct ob o;
	char to[20], id[64], path[128];
	json_t *v;

	setup(&o);
	consented(&o, to, sizeof(to), "voice", "\"delay_ms\":2500");
	queued_call(&o, to, id);
	v = outbound_with(&o, "KC_CARRIER_TIMEOUT", "1");
	cr_assert_eq(itest_jint(v, "unknown"), 1, "%s", json_dumps(v, 0));
	json_decref(v);
	itest_carrier_mode(to, "\"delay_ms\":0");
	snprintf(path, sizeof(path), "/v1/outbound-calls/%s", id);
	outbound_until(&o, path, "accepted");
	v = get(&o, path);
	cr_assert_eq(strncmp(itest_jstr(v, "carrier_sid"), "CA", 2), 0);
	json_decref(v);
	cr_assert_eq(carrier_count(to, "count"), 1, "placed again");
}

/* A call with an unclear answer that the carrier has no record of is
 * left for an operator (or a callback), never placed again by us. */
Test(outbound, an_unclear_call_the_carrier_has_not_got_is_not_placed_again)
{
	struct ob o;
	char to[20], id[64], path[128];
	long long deadline;
	json_t *v;
	int settled = 0;

	setup(&o);
	consented(&o, to, sizeof(to), "voice", "\"fail\":[{\"status\":502}]");
	queued_call(&o, to, id);
	snprintf(path, sizeof(path), "/v1/outbound-calls/%s", id);
	json_decref(outbound_with(&o, NULL, NULL));
	/* Settled when the carrier has been asked: unknown, nothing due. */
	deadline = itest_mono_ms() + 20000;
	while (!settled && itest_mono_ms() < deadline) {
		json_decref(outbound_with(&o, NULL, NULL));
		settled = audited(&o, id, "outbound_call.unresolved") > 0;
		if (!settled)
			itest_msleep(200);
	}
	cr_assert(settled, "the carrier was not asked within 20 s");
	v = get(&o, path);
	cr_assert_str_eq(itest_jstr(v, "status"), "unknown");
	cr_assert(json_is_null(json_object_get(v, "next_attempt_at")));
	json_decref(v);
	/* Later runs leave it alone. */
	itest_msleep(1100);
	json_decref(outbound_with(&o, NULL, NULL));
	cr_assert_eq(carrier_count(to, "count"), 1, "placed again");
	/* The carrier's callback settles it. */
}

/* The worker died after the carrier took the message, before the outcome
 * was recorded (the state a long database outage or a kill -9 leaves):
 * when its lease ends the action is settled with the carrier, not sent
 * again. */
Test(outbound, a_lease_that_ended_mid_send_is_settled_not_resent)
{
	struct ob o;
	char to[20], id[64], sql[512], *out;
	json_t *m;

	setup(&o);
	consented(&o, to, sizeof(to), "sms", NULL);
	queued_message(&o, to, id);
	json_decref(outbound_with(&o, NULL, NULL));
	cr_assert_eq(carrier_count(to, "created"), 1);
	snprintf(sql, sizeof(sql),
		 "UPDATE outbound_actions SET status = 'sending', carrier_sid "
		 "= NULL, carrier_status = NULL, sent_at = NULL, lease_owner "
		 "= 'w-gone', next_attempt_at = UTC_TIMESTAMP(6) - INTERVAL 1 "
		 "SECOND WHERE public_id = '%s'",
		 id);
	out = itest_sql_root(sql);
	free(out);
	json_decref(outbound_with(&o, NULL, NULL));
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "accepted");
	cr_assert_eq(strncmp(itest_jstr(m, "carrier_sid"), "SM", 2), 0);
	json_decref(m);
	cr_assert_eq(carrier_count(to, "count"), 1, "sent again");
	cr_assert_eq(audited(&o, id, "message.reconciled"), 1);
}

/* --- send-time checks (review 11: M3, M4) -------------------------------- */

/* An API time ("2026-01-02T03:04:05.000000Z") in seconds since the epoch. */
static long long
api_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	cr_assert(s && strptime(s, "%Y-%m-%dT%H:%M:%S", &tm), "%s",
		  s ? s : "(null)");
	return (long long)timegm(&tm);
}

/* The calling hours closed between queueing and sending (here: the
 * business narrowed them): the action waits for them to open again,
 * at the minute they do, rather than ending blocked. */
Test(outbound, calling_hours_left_before_sending_reschedule)
{
	struct kc_hours_zone j[1];
	const char *z[1];
	struct itest_resp r;
	struct ob o;
	char to[20], id[64], body[256], start[8], rnd[16];
	int allowed, open_at;
	long long wait_s, at;
	time_t now;
	json_t *m;

	setup(&o);
	/* Another country's number: judged in the zone the message names
	 * (o.tz) alone, which the hours below are computed in. */
	itest_random_number(rnd, sizeof(rnd));
	snprintf(to, sizeof(to), "+447700%.6s", rnd + 6);
	consent(&o, to, "sms", "express");
	queued_message(&o, to, id);
	/* Hours that open an hour from now (to the minute) in the
	 * recipient's zone. */
	z[0] = o.tz;
	now = time(NULL);
	cr_assert_eq(kc_hours_judge(z, 1, now, 0, 1440, j, &allowed), 0);
	open_at = j[0].minute + 61;
	cr_assert_lt(open_at, KC_HOURS_LATEST);
	kc_hours_format(open_at, start, sizeof(start));
	snprintf(body, sizeof(body),
		 "{\"calling_hours\":{\"start\":\"%s\",\"end\":\"21:00\"}}",
		 start);
	itest_http("PATCH", "/v1/compliance-settings", o.t.key, body,
		   strlen(body), NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);

	json_decref(outbound_with(&o, NULL, NULL));
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "queued", "%s",
			 json_dumps(m, 0));
	cr_assert(json_is_null(json_object_get(m, "blocked")));
	at = api_time(itest_jstr(m, "next_attempt_at"));
	json_decref(m);
	wait_s = at - (long long)now;
	/* 61 minutes less the seconds already gone in this minute. */
	cr_assert(wait_s > 59 * 60 && wait_s <= 61 * 60 + 5, "%lld s", wait_s);
	cr_assert_eq(carrier_requests(to), 0);
	cr_assert_eq(audited(&o, id, "message.rescheduled"), 1);
}

/* 21610: the carrier has the number as unsubscribed; that becomes the
 * business's SMS opt-out, as a STOP does, so the next message is blocked
 * here rather than refused there. */
Test(outbound, carrier_21610_records_an_sms_opt_out)
{
	struct itest_resp r;
	struct ob o;
	char to[20], id[64], path[128];
	json_t *v, *e;

	setup(&o);
	consented(&o, to, sizeof(to), "sms", "\"unsubscribed\":true");
	queued_message(&o, to, id);
	v = outbound(&o);
	cr_assert_eq(itest_jint(v, "failed"), 1);
	json_decref(v);
	snprintf(path, sizeof(path), "/v1/dnc?phone=%%2B%s", to + 1);
	v = get(&o, path);
	cr_assert_eq(json_array_size(json_object_get(v, "data")), 1, "%s",
		     json_dumps(v, 0));
	e = json_array_get(json_object_get(v, "data"), 0);
	cr_assert_str_eq(itest_jstr(e, "reason"), "stop_keyword");
	json_decref(v);
	/* Audited as the job's, about the action (review 11B, 10). */
	v = get(&o, "/v1/audit-log?limit=100&action=dnc.added");
	cr_assert_eq(json_array_size(json_object_get(v, "data")), 1);
	e = json_array_get(json_object_get(v, "data"), 0);
	cr_assert_str_eq(itest_jstr(json_object_get(e, "actor"), "type"),
			 "system");
	cr_assert_str_eq(itest_jstr(json_object_get(e, "actor"), "name"),
			 "kcctl outbound");
	cr_assert_str_eq(itest_jstr(e, "request_id"), id);
	json_decref(v);
	message(&o, to, "informational", "", &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "number_opted_out");
	itest_resp_free(&r);
	cr_assert_eq(carrier_requests(to), 1);
}

/* --- the lease at the moment of sending (review 11B, 2) ----------------- */

struct run_arg {
	const struct ob *o;
	json_t *report;
};

static void *
run_outbound(void *p)
{
	struct run_arg *a = p;
	const char *args[] = {"outbound", "--business", a->o->t.biz, NULL};
	int st;

	a->report = itest_kcctl(&st, args);
	return NULL;
}

/* An action whose lease passed to another worker while its claim was
 * being settled with the carrier (a slow list for another action of the
 * claim) is not sent by this worker: the leases are renewed, and checked
 * to be still ours, just before anything goes. */
Test(outbound, an_action_whose_lease_passed_on_before_sending_is_not_sent)
{
	struct ob o;
	struct run_arg arg;
	pthread_t th;
	char slow[20], other[20], a[64], b[64], sql[512], *out;
	long long deadline;

	setup(&o);
	consented(&o, slow, sizeof(slow), "sms", "\"list_delay_ms\":2500");
	consented(&o, other, sizeof(other), "sms", NULL);
	queued_message(&o, slow, a);
	/* a may have gone out before: the carrier is asked (slowly). */
	snprintf(sql, sizeof(sql),
		 "UPDATE outbound_actions SET status = 'unknown', attempts = "
		 "1 WHERE public_id = '%s'",
		 a);
	out = itest_sql_root(sql);
	free(out);
	queued_message(&o, other, b);

	arg.o = &o;
	arg.report = NULL;
	setenv("KC_OUTBOUND_LEASE", "12s", 1);
	cr_assert_eq(pthread_create(&th, NULL, run_outbound, &arg), 0);
	deadline = itest_mono_ms() + 20000;
	while (carrier_count(slow, "lists") == 0 && itest_mono_ms() < deadline)
		itest_msleep(20);
	cr_assert_geq(carrier_count(slow, "lists"), 1, "no list asked");
	/* Meanwhile another worker took b's lease. */
	snprintf(sql, sizeof(sql),
		 "UPDATE outbound_actions SET lease_owner = 'w-other' WHERE "
		 "public_id = '%s' AND status = 'sending'",
		 b);
	out = itest_sql_root(sql);
	free(out);
	pthread_join(th, NULL);
	unsetenv("KC_OUTBOUND_LEASE");
	cr_assert_not_null(arg.report, "kcctl outbound failed");
	json_decref(arg.report);
	cr_assert_eq(carrier_count(other, "count"), 0,
		     "sent under another worker's lease");
	/* The slow one was settled and sent within the claim's lease. */
	cr_assert_eq(carrier_count(slow, "created"), 1);
}

/* Two calls from one number to one recipient, both with unclear answers
 * after the carrier placed them: the carrier's two calls carry nothing
 * that tells which is whose, so neither is taken by a guess (both would
 * have taken the oldest); both are left unresolved, none placed again
 * (review 11B, 3). */
Test(outbound, two_unclear_calls_to_one_number_are_not_told_apart_by_a_guess)
{
	struct ob o;
	char to[20], a[64], b[64], pa[128], pb[128];
	long long deadline;
	int settled = 0;
	json_t *v;

	setup(&o);
	consented(&o, to, sizeof(to), "voice",
		  "\"fail\":[{\"status\":502,\"create\":true},"
		  "{\"status\":502,\"create\":true}]");
	queued_call(&o, to, a);
	queued_call(&o, to, b);
	snprintf(pa, sizeof(pa), "/v1/outbound-calls/%s", a);
	snprintf(pb, sizeof(pb), "/v1/outbound-calls/%s", b);
	json_decref(outbound_with(&o, NULL, NULL));
	cr_assert_eq(carrier_count(to, "created"), 2);
	deadline = itest_mono_ms() + 20000;
	while (!settled && itest_mono_ms() < deadline) {
		json_decref(outbound_with(&o, NULL, NULL));
		settled = audited(&o, a, "outbound_call.unresolved") > 0 &&
			  audited(&o, b, "outbound_call.unresolved") > 0;
		if (!settled)
			itest_msleep(200);
	}
	cr_assert(settled, "not both unresolved within 20 s");
	v = get(&o, pa);
	cr_assert_str_eq(itest_jstr(v, "status"), "unknown");
	cr_assert(json_is_null(json_object_get(v, "carrier_sid")));
	json_decref(v);
	v = get(&o, pb);
	cr_assert_str_eq(itest_jstr(v, "status"), "unknown");
	cr_assert(json_is_null(json_object_get(v, "carrier_sid")));
	json_decref(v);
	cr_assert_eq(carrier_count(to, "count"), 2, "placed again");
}

/* --- bounded reconciliation and an operator's word (review 11B, 4) ------- */

/* Runs the worker until the action id has an audit row action (40 s). */
static void
outbound_until_audited(const struct ob *o, const char *id, const char *action)
{
	long long deadline = itest_mono_ms() + 40000;

	while (itest_mono_ms() < deadline) {
		json_decref(outbound_with(o, NULL, NULL));
		if (audited(o, id, action) > 0)
			return;
		itest_msleep(200);
	}
	cr_assert_fail("no %s for %s after 40 s", action, id);
}

/* kcctl outbound settle id word [--sid sid]; its exit status. */
static int
settle_with(const char *id, const char *word, const char *sid)
{
	const char *args[] = {"outbound",           "settle", id,  word,
			      sid ? "--sid" : NULL, sid,      NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, args);
	json_decref(v);
	return st;
}

/* The carrier cannot be asked (its lists fail): the message is asked
 * about KC_OUTBOUND_RECONCILE_TRIES times, without an audit row per try,
 * then left unresolved with one outbound.unresolved event and nothing
 * due; an operator's not-placed sends it again, once. */
Test(outbound, a_message_the_carrier_cannot_be_asked_about_ends_unresolved)
{
	struct ob o;
	char to[20], id[64], path[128], sql[256];
	json_t *v, *m;

	setup(&o);
	consented(&o, to, sizeof(to), "sms",
		  "\"fail\":[{\"status\":500}],\"list_status\":500");
	queued_message(&o, to, id);
	v = outbound_with(&o, NULL, NULL);
	cr_assert_eq(itest_jint(v, "unknown"), 1, "%s", json_dumps(v, 0));
	json_decref(v);
	outbound_until_audited(&o, id, "message.unresolved");
	cr_assert_geq(carrier_count(to, "lists"), KC_OUTBOUND_RECONCILE_TRIES);
	cr_assert_eq(carrier_count(to, "count"), 1, "sent again");
	cr_assert_eq(audited(&o, id, "message.unknown"), 1,
		     "an audit row per try");
	cr_assert_eq(events(&o, "outbound.unresolved", "message_id", id), 1);
	m = get_message(&o, id);
	cr_assert_str_eq(itest_jstr(m, "status"), "unknown");
	cr_assert(json_is_null(json_object_get(m, "next_attempt_at")));
	json_decref(m);
	/* Nothing due: later runs neither ask nor send. */
	itest_msleep(1100);
	json_decref(outbound_with(&o, NULL, NULL));
	cr_assert_eq(audited(&o, id, "message.unresolved"), 1);
	cr_assert_eq(carrier_count(to, "count"), 1);

	cr_assert_eq(settle_with(id, "placed", "not a sid"), 2);
	/* With the carrier's SID on it the carrier has it: not-placed, which
	 * would send it again, is refused, and nothing changes. */
	snprintf(sql, sizeof(sql),
		 "UPDATE outbound_actions SET carrier_sid = "
		 "'SM0123456789abcdef0123456789abcdef' WHERE public_id = '%s'",
		 id);
	free(itest_sql_root(sql));
	cr_assert_neq(settle_with(id, "not-placed", NULL), 0);
	cr_assert_eq(audited(&o, id, "message.settled"), 0);
	snprintf(sql, sizeof(sql),
		 "UPDATE outbound_actions SET carrier_sid = NULL WHERE "
		 "public_id = '%s'",
		 id);
	free(itest_sql_root(sql));
	cr_assert_eq(settle_with(id, "not-placed", NULL), 0);
	cr_assert_eq(audited(&o, id, "message.settled"), 1);
	cr_assert_neq(settle_with(id, "not-placed", NULL), 0, "settled twice");
	cr_assert_eq(audited(&o, id, "message.settled"), 1);
	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	outbound_until(&o, path, "accepted");
	cr_assert_eq(carrier_count(to, "count"), 2);
}

/* A call the carrier has no record of: unresolved (with its event), then
 * an operator says it was not placed (failed, call.ended, ended_at), or,
 * for another, that it was, with the SID its callbacks then carry. */
Test(outbound, an_unresolved_call_is_settled_by_an_operator)
{
	struct ob o;
	char to[20], id[64], id2[64], path[128];
	json_t *v;

	setup(&o);
	consented(&o, to, sizeof(to), "voice", "\"fail\":[{\"status\":502}]");
	queued_call(&o, to, id);
	json_decref(outbound_with(&o, NULL, NULL));
	outbound_until_audited(&o, id, "outbound_call.unresolved");
	cr_assert_eq(events(&o, "outbound.unresolved", "call_id", id), 1);
	cr_assert_eq(events(&o, "call.ended", "call_id", id), 0);
	cr_assert_neq(settle_with("ocall_nosuchthing", "placed", NULL), 0);
	cr_assert_eq(settle_with(id, "not-placed", NULL), 0);
	snprintf(path, sizeof(path), "/v1/outbound-calls/%s", id);
	v = get(&o, path);
	cr_assert_str_eq(itest_jstr(v, "status"), "failed");
	cr_assert(itest_jstr(v, "ended_at") != NULL);
	json_decref(v);
	cr_assert_eq(events(&o, "call.ended", "call_id", id), 1);
	cr_assert_eq(audited(&o, id, "outbound_call.settled"), 1);
	cr_assert_eq(carrier_count(to, "count"), 1, "placed again");

	itest_carrier_mode(to, "\"fail\":[{\"status\":502}]");
	queued_call(&o, to, id2);
	json_decref(outbound_with(&o, NULL, NULL));
	outbound_until_audited(&o, id2, "outbound_call.unresolved");
	cr_assert_eq(
	    settle_with(id2, "placed", "CA0123456789abcdef0123456789abcdef"),
	    0);
	snprintf(path, sizeof(path), "/v1/outbound-calls/%s", id2);
	v = get(&o, path);
	cr_assert_str_eq(itest_jstr(v, "status"), "accepted");
	cr_assert_str_eq(itest_jstr(v, "carrier_sid"),
			 "CA0123456789abcdef0123456789abcdef");
	json_decref(v);
	cr_assert_eq(carrier_count(to, "count"), 2);
}
