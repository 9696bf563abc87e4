/* The carrier client (lib/carrier/kc_carrier) against the fake carrier
 * (tests/carrier/carrier.mjs) that scripts/test starts, over HTTPS with
 * the configuration scripts/lib.sh writes (the auth token sealed by kcctl
 * seal-carrier-token); the callbacks the fake carrier signs with the npm
 * twilio package, checked by our verifier as they arrived at the test
 * receiver; and our signatures checked by that package. */
#include "itest.h"
#include "itest_carrier.h"
#include "kc_carrier.h"
#include "kc_crypto.h"
#include "kc_form.h"
#include "kc_twilio_sig.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(carrier, .init = itest_setup, .timeout = 60);

static struct kc_carrier *
client(const struct kc_config *cfg)
{
	struct kc_carrier *c;
	char err[256];

	cr_assert_eq(kc_carrier_new(cfg, &c, err, sizeof(err)), 0, "%s", err);
	return c;
}

/* A message from one fresh number to another. */
static void
numbers(char *to, char *from)
{
	itest_carrier_phone(to, 32);
	itest_carrier_phone(from, 32);
}

static int
sid_like(const char *sid, const char *prefix)
{
	size_t i;

	if (strlen(sid) != 34 || strncmp(sid, prefix, 2) != 0)
		return 0;
	for (i = 2; i < 34; i++)
		if (!strchr("0123456789abcdef", sid[i]))
			return 0;
	return 1;
}

/* The params the carrier logged for request i, as [[name, value]...]. */
static json_t *
logged_params(const json_t *log, size_t i)
{
	json_t *req = json_array_get(json_object_get(log, "requests"), i);

	cr_assert_not_null(req, "the carrier logged no request %zu", i);
	return json_object_get(req, "params");
}

static void
assert_param(const json_t *params, size_t i, const char *name,
	     const char *value)
{
	json_t *p = json_array_get(params, i);

	cr_assert_str_eq(json_string_value(json_array_get(p, 0)), name,
			 "param %zu", i);
	cr_assert_str_eq(json_string_value(json_array_get(p, 1)), value,
			 "param %zu (%s)", i, name);
}

Test(carrier, message_reaches_the_carrier)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32];
	const char *body = "Zo\xc3\xab & co: 50% off = +1 day\xe2\x80\x94 "
			   "\xf0\x9f\x98\x80\nreply STOP";
	const char *cb = "https://hooks.example.test/carrier/twilio/"
			 "message-status?biz=b 1&x=%41";
	struct kc_carrier_message m;
	json_t *log, *params, *req;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	m = (struct kc_carrier_message){to, from, body, cb};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), 0, "%s", r.message);
	cr_assert_eq(r.outcome, KC_CARRIER_OK);
	cr_assert_eq(r.http_status, 201);
	cr_assert(sid_like(r.sid, "SM"), "%s", r.sid);
	cr_assert_str_eq(r.status, "queued");
	cr_assert_eq(r.code, 0);

	/* What arrived: basic auth with the account, a form body whose
	 * fields decode to exactly what we gave. */
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 1);
	req = json_array_get(json_object_get(log, "requests"), 0);
	cr_assert_str_eq(itest_jstr(req, "auth"), "ok");
	cr_assert_str_eq(itest_jstr(req, "user"), cfg.carrier_account_sid);
	cr_assert_str_eq(itest_jstr(req, "method"), "POST");
	cr_assert_str_eq(itest_jstr(req, "content_type"),
			 "application/x-www-form-urlencoded");
	cr_assert_eq(strncmp(itest_jstr(req, "user_agent"), "KaiCalls/", 9), 0);
	cr_assert_str_eq(itest_jstr(json_object_get(req, "answer"), "sid"),
			 r.sid);
	params = logged_params(log, 0);
	cr_assert_eq(json_array_size(params), 4);
	assert_param(params, 0, "To", to);
	assert_param(params, 1, "From", from);
	assert_param(params, 2, "Body", body);
	assert_param(params, 3, "StatusCallback", cb);
	json_decref(log);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, call_reaches_the_carrier)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32];
	struct kc_carrier_call call;
	json_t *log, *params;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	call = (struct kc_carrier_call){
	    to,
	    from,
	    "https://api.kaicalls.test/carrier/twilio/voice?a=1",
	    NULL,
	    "https://api.kaicalls.test/carrier/twilio/call-status",
	    " initiated ringing  answered completed"};
	cr_assert_eq(kc_carrier_call_create(c, &call, &r), 0, "%s", r.message);
	cr_assert(sid_like(r.sid, "CA"), "%s", r.sid);
	cr_assert_str_eq(r.status, "queued");

	/* TwiML instead of a URL, and no status callback (so no events). */
	call.url = NULL;
	call.twiml =
	    "<Response><Say>Hello, \xc3\xa9t\xc3\xa9!</Say></Response>";
	call.status_callback = NULL;
	cr_assert_eq(kc_carrier_call_create(c, &call, &r), 0, "%s", r.message);

	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 2);
	params = logged_params(log, 0);
	cr_assert_eq(json_array_size(params), 8);
	assert_param(params, 0, "To", to);
	assert_param(params, 1, "From", from);
	assert_param(params, 2, "Url",
		     "https://api.kaicalls.test/carrier/twilio/voice?a=1");
	assert_param(params, 3, "StatusCallback",
		     "https://api.kaicalls.test/carrier/twilio/call-status");
	assert_param(params, 4, "StatusCallbackEvent", "initiated");
	assert_param(params, 5, "StatusCallbackEvent", "ringing");
	assert_param(params, 6, "StatusCallbackEvent", "answered");
	assert_param(params, 7, "StatusCallbackEvent", "completed");
	params = logged_params(log, 1);
	cr_assert_eq(json_array_size(params), 3);
	assert_param(params, 2, "Twiml", call.twiml);
	json_decref(log);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

/* The lists the worker asks before it sends again what may be out: the
 * account's messages and calls To a number From one, newest first, with
 * no date filter, so that what is still queued with the carrier (no
 * date_sent or start_time yet) is listed too. */
Test(carrier, lists_what_was_sent_to_a_number)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r, r1, r2;
	struct kc_carrier_message m;
	struct kc_carrier_call call;
	char to[32], from[32], other[32], unused[32], next[2048];
	json_t *list = NULL;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	numbers(other, unused);
	m = (struct kc_carrier_message){to, from, "first", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r1), 0, "%s",
		     r1.message);
	m.body = "second";
	cr_assert_eq(kc_carrier_message_create(c, &m, &r2), 0, "%s",
		     r2.message);
	m.from = other; /* another sender: not listed */
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), 0, "%s", r.message);

	cr_assert_eq(kc_carrier_list(c, KC_CARRIER_MESSAGE, to, from, NULL, 0,
				     &list, next, sizeof(next), &r),
		     0, "%s", r.message);
	cr_assert_str_eq(next, "");
	cr_assert_eq(json_array_size(list), 2);
	cr_assert_str_eq(itest_jstr(json_array_get(list, 0), "sid"), r2.sid);
	cr_assert_str_eq(itest_jstr(json_array_get(list, 0), "body"), "second");
	/* Still queued with the carrier, never sent: listed all the same. */
	cr_assert_str_eq(itest_jstr(json_array_get(list, 0), "status"),
			 "queued");
	cr_assert(json_is_null(
	    json_object_get(json_array_get(list, 0), "date_sent")));
	cr_assert_str_eq(itest_jstr(json_array_get(list, 1), "sid"), r1.sid);
	json_decref(list);

	/* Calls likewise, in their own list. */
	call = (struct kc_carrier_call){to,   from, "https://v.example.test/x",
					NULL, NULL, NULL};
	cr_assert_eq(kc_carrier_call_create(c, &call, &r1), 0, "%s",
		     r1.message);
	cr_assert_eq(kc_carrier_list(c, KC_CARRIER_CALL, to, from, NULL, 0,
				     &list, next, sizeof(next), &r),
		     0, "%s", r.message);
	cr_assert_eq(json_array_size(list), 1);
	cr_assert_str_eq(itest_jstr(json_array_get(list, 0), "sid"), r1.sid);
	json_decref(list);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

/* A list longer than a page is read page by page through the carrier's
 * next_page_uri; a next page that is not our account's list is not
 * followed (the auth token would go with it). */
Test(carrier, lists_page_by_page)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	struct kc_carrier_message m;
	char to[32], from[32], next[2048], page[2048], body[16];
	json_t *list = NULL;
	int i;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	for (i = 0; i < KC_CARRIER_LIST_PAGE + 3; i++) {
		snprintf(body, sizeof(body), "n%d", i);
		m = (struct kc_carrier_message){to, from, body, NULL};
		cr_assert_eq(kc_carrier_message_create(c, &m, &r), 0, "%s",
			     r.message);
	}
	cr_assert_eq(kc_carrier_list(c, KC_CARRIER_MESSAGE, to, from, NULL, 0,
				     &list, next, sizeof(next), &r),
		     0, "%s", r.message);
	cr_assert_eq(json_array_size(list), KC_CARRIER_LIST_PAGE);
	cr_assert_neq(next[0], '\0');
	json_decref(list);
	snprintf(page, sizeof(page), "%s", next);
	cr_assert_eq(kc_carrier_list(c, KC_CARRIER_MESSAGE, to, from, page, 0,
				     &list, next, sizeof(next), &r),
		     0, "%s", r.message);
	cr_assert_eq(json_array_size(list), 3);
	cr_assert_str_eq(next, "");
	json_decref(list);
	cr_assert_eq(kc_carrier_list(c, KC_CARRIER_MESSAGE, to, from,
				     "/2010-04-01/Accounts/ACother/"
				     "Messages.json?Page=1",
				     0, &list, next, sizeof(next), &r),
		     -1);
	cr_assert_null(list);
	cr_assert_eq(kc_carrier_list(c, KC_CARRIER_CALL, to, from, page, 0,
				     &list, next, sizeof(next), &r),
		     -1, "a messages page read as calls");
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, refusals_are_permanent_with_the_carrier_code)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32], bad[32];
	struct kc_carrier_message m;
	json_t *log;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	m = (struct kc_carrier_message){to, from, "hello", NULL};

	/* Allowed first, then the recipient unsubscribes at the carrier. */
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), 0, "%s", r.message);
	itest_carrier_mode(to, "\"unsubscribed\":true");
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_PERMANENT);
	cr_assert_eq(r.http_status, 400);
	cr_assert_eq(r.code, 21610);
	cr_assert_str_eq(r.message,
			 "Attempt to send to unsubscribed recipient");
	cr_assert_str_eq(r.more_info,
			 "https://www.twilio.com/docs/errors/21610");
	cr_assert_str_eq(r.sid, "");
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 2, "both reached the carrier");
	json_decref(log);

	/* A number that cannot take SMS. */
	numbers(to, from);
	itest_carrier_mode(to, "\"not_mobile\":true");
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_PERMANENT);
	cr_assert_eq(r.code, 21614);

	/* Not a phone number at all (exchange 012). */
	snprintf(bad, sizeof(bad), "+1415012%04d", (int)(getpid() % 10000));
	m = (struct kc_carrier_message){bad, from, "hello", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_PERMANENT);
	cr_assert_eq(r.code, 21211);
	cr_assert_not_null(strstr(r.message, bad), "%s", r.message);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, a_busy_carrier_is_retryable_a_broken_one_unknown)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32];
	struct kc_carrier_message m;
	json_t *log;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	itest_carrier_mode(to, "\"fail\":["
			       "{\"status\":429,\"code\":20429,"
			       "\"message\":\"Too Many Requests\"},"
			       "{\"status\":500},"
			       "{\"status\":503,\"body\":\"upstream down\"},"
			       "{\"status\":400,\"code\":21611,"
			       "\"message\":\"queue full\"}]");
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_RETRYABLE);
	cr_assert_eq(r.http_status, 429);
	cr_assert_eq(r.code, 20429);
	cr_assert_str_eq(r.message, "Too Many Requests");
	/* A 5xx may come after the carrier took it: unknown, not
	 * retryable. */
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_UNKNOWN);
	cr_assert_eq(r.http_status, 500);
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_UNKNOWN);
	cr_assert_eq(r.http_status, 503);
	cr_assert_eq(r.code, 0);
	cr_assert_str_eq(r.message, "HTTP 503");
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_RETRYABLE);
	cr_assert_eq(r.code, 21611);
	/* Once the carrier is well again, the same request goes through. */
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), 0, "%s", r.message);
	cr_assert(sid_like(r.sid, "SM"));
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 5);
	json_decref(log);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, wrong_credentials_are_a_configuration_error)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32];
	char *token, *sid;
	struct kc_carrier_message m;
	json_t *log, *req;

	itest_carrier_config(&cfg);
	numbers(to, from);
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	token = cfg.carrier_auth_token;
	cfg.carrier_auth_token = strdup(token);
	cfg.carrier_auth_token[0] =
	    cfg.carrier_auth_token[0] == 'a' ? 'b' : 'a';
	c = client(&cfg);
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_CONFIG);
	cr_assert_eq(r.http_status, 401);
	cr_assert_eq(r.code, 20003);
	cr_assert_str_eq(r.sid, "");
	kc_carrier_free(c);
	free(cfg.carrier_auth_token);
	cfg.carrier_auth_token = token;

	/* Another account with the right token. */
	sid = cfg.carrier_account_sid;
	cfg.carrier_account_sid = strdup(sid);
	cfg.carrier_account_sid[33] =
	    cfg.carrier_account_sid[33] == 'a' ? 'b' : 'a';
	c = client(&cfg);
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_CONFIG);
	cr_assert_eq(r.code, 20003);
	kc_carrier_free(c);
	free(cfg.carrier_account_sid);
	cfg.carrier_account_sid = sid;

	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 2);
	req = json_array_get(json_object_get(log, "requests"), 0);
	cr_assert_str_eq(itest_jstr(req, "auth"), "wrong");
	cr_assert_null(json_object_get(json_object_get(req, "answer"), "sid"),
		       "nothing was created");
	json_decref(log);
	kc_config_free(&cfg);
}

Test(carrier, redirects_are_not_followed)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32], path[64], fields[512];
	struct kc_carrier_message m;
	json_t *log;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	itest_rcv_path(path, sizeof(path));
	snprintf(fields, sizeof(fields),
		 "\"fail\":[{\"status\":307,\"location\":\"%s%s\"}]",
		 getenv("KC_RECEIVER_URL"), path);
	itest_carrier_mode(to, fields);
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_CONFIG);
	cr_assert_eq(r.http_status, 307);
	cr_assert_eq(itest_rcv_count(path), 0, "the redirect was followed");
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 1);
	json_decref(log);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, a_slow_carrier_times_out_unknown)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32];
	struct kc_carrier_message m;

	itest_carrier_config(&cfg);
	cfg.carrier_timeout = 1;
	c = client(&cfg);
	numbers(to, from);
	itest_carrier_mode(to, "\"delay_ms\":4000");
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	/* The request went out: the carrier may have it (this one does). */
	cr_assert_eq(r.outcome, KC_CARRIER_UNKNOWN);
	cr_assert_not_null(strstr(r.message, "timeout"), "%s", r.message);
	cr_assert_geq(r.duration_ms, 900);
	cr_assert_lt(r.duration_ms, 3500, "the timeout did not end it");
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, an_unreachable_carrier_is_retryable)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char to[32], from[32], url[64], *base;
	struct kc_carrier_message m;
	int fd;

	/* A port that was free a moment ago: nothing listens there. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u",
		 (unsigned)ntohs(a.sin_port));
	close(fd);

	itest_carrier_config(&cfg);
	base = cfg.carrier_base_url;
	cfg.carrier_base_url = url;
	c = client(&cfg);
	numbers(to, from);
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_RETRYABLE);
	cr_assert_eq(r.http_status, 0);
	kc_carrier_free(c);
	cfg.carrier_base_url = base;
	kc_config_free(&cfg);
}

Test(carrier, tls_is_verified)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32], *ca;
	struct kc_carrier_message m;
	json_t *log;

	itest_carrier_config(&cfg);
	numbers(to, from);
	m = (struct kc_carrier_message){to, from, "hello", NULL};
	ca = cfg.carrier_ca_file;
	/* The system's store does not know the fake carrier's certificate,
	 * nor does the receiver's. */
	cfg.carrier_ca_file = NULL;
	c = client(&cfg);
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_CONFIG, "%s", r.message);
	cr_assert_eq(r.http_status, 0);
	kc_carrier_free(c);
	cfg.carrier_ca_file = getenv("KC_DELIVERY_CA_FILE");
	cr_assert_not_null(cfg.carrier_ca_file);
	c = client(&cfg);
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_CONFIG, "%s", r.message);
	kc_carrier_free(c);
	cfg.carrier_ca_file = ca;
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), 0, "no request got through");
	json_decref(log);
	kc_config_free(&cfg);
}

Test(carrier, many_requests_at_once)
{
	enum { N = 16, SLOTS = 8 };
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_req reqs[N + 1], *done[N];
	char to[32], from[32], body[N][32];
	size_t i, n, started = 0, finished = 0, k;
	long long deadline;
	json_t *log;
	int seen[N] = {0};

	itest_carrier_config(&cfg);
	cfg.carrier_concurrency = SLOTS;
	c = client(&cfg);
	numbers(to, from);
	/* Slow answers, so that requests overlap if they can. */
	itest_carrier_mode(to, "\"delay_ms\":300");
	memset(reqs, 0, sizeof(reqs));
	for (i = 0; i <= N; i++) {
		snprintf(body[i % N], sizeof(body[0]), "message %zu", i);
		reqs[i].kind = KC_CARRIER_MESSAGE;
		reqs[i].message =
		    (struct kc_carrier_message){to, from, body[i % N], NULL};
		reqs[i].user = &seen[i % N];
	}
	for (i = 0; i < SLOTS; i++)
		cr_assert_eq(kc_carrier_start(c, &reqs[started++]), 0, "%s",
			     reqs[i].result.message);
	cr_assert_eq(kc_carrier_free_slots(c), 0);
	cr_assert_eq(kc_carrier_start(c, &reqs[N]), -1, "a slot too many");
	cr_assert_not_null(strstr(reqs[N].result.message, "no free slot"));

	deadline = itest_mono_ms() + 30000;
	while (finished < N && itest_mono_ms() < deadline) {
		cr_assert_eq(kc_carrier_wait(c, 200, done, N, &n), 0);
		for (k = 0; k < n; k++) {
			cr_assert_eq(done[k]->result.outcome, KC_CARRIER_OK,
				     "%s", done[k]->result.message);
			cr_assert(sid_like(done[k]->result.sid, "SM"));
			(*(int *)done[k]->user)++;
			finished++;
		}
		while (started < N && kc_carrier_free_slots(c) > 0)
			cr_assert_eq(kc_carrier_start(c, &reqs[started++]), 0);
	}
	cr_assert_eq(finished, N);
	cr_assert_eq(kc_carrier_active(c), 0);
	for (i = 0; i < N; i++) {
		cr_assert_eq(seen[i], 1, "request %zu handed back %d times", i,
			     seen[i]);
		for (k = 0; k < i; k++)
			cr_assert_str_neq(reqs[i].result.sid,
					  reqs[k].result.sid);
	}
	log = itest_carrier_log(to);
	cr_assert_eq(itest_jint(log, "count"), N);
	cr_assert_geq(itest_jint(log, "inflight_max"), 2,
		      "requests never overlapped");
	cr_assert_leq(itest_jint(log, "inflight_max"), SLOTS);
	json_decref(log);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

/* Asks the fake carrier for a callback (path /_control/status or
 * /_control/inbound) and returns its report, asserting it was sent. */
static json_t *
callback(const char *path, const char *json)
{
	long st;
	json_t *v = itest_carrier_post(path, json, &st);

	cr_assert_eq(st, 200, "%s %s: %s", path, json,
		     json_dumps(v, JSON_COMPACT));
	cr_assert_eq(itest_jint(v, "status"), 200, "the receiver's answer");
	return v;
}

/* The n-th request (from 0) the receiver got on path, as a form, its
 * signature header into sig. */
static struct kc_form *
received_form(const char *path, size_t n, char *sig, size_t cap, json_t **raw)
{
	json_t *log = itest_rcv_log(path), *req;
	unsigned char body[KC_FORM_BODY_MAX];
	const char *b64;
	struct kc_form *f;
	size_t len;
	char err[128];

	req = json_array_get(json_object_get(log, "requests"), n);
	cr_assert_not_null(req, "the receiver got no request %zu on %s", n,
			   path);
	cr_assert_str_eq(itest_jstr(req, "content_type"),
			 "application/x-www-form-urlencoded");
	snprintf(sig, cap, "%s",
		 itest_jstr(req, "twilio_signature")
		     ? itest_jstr(req, "twilio_signature")
		     : "");
	b64 = itest_jstr(req, "body_b64");
	cr_assert_eq(
	    kc_base64_decode(b64, strlen(b64), body, sizeof(body), &len), 0);
	cr_assert_eq(
	    kc_form_parse((const char *)body, len, &f, err, sizeof(err)), 0,
	    "%s", err);
	if (raw)
		*raw = json_incref(req);
	json_decref(log);
	return f;
}

static void
rcv_url(const char *path, const char *query, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", getenv("KC_RECEIVER_URL"), path, query);
}

Test(carrier, message_status_callbacks_verify)
{
	static const char *const statuses[] = {"sent", "delivered", "failed"};
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32], path[64], url[512], sig[64], req[512];
	struct kc_carrier_message m;
	struct kc_form *f;
	json_t *v, *first, *again;
	long long n0 = -1;
	size_t i;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	itest_rcv_path(path, sizeof(path));
	rcv_url(path, "?biz=biz_1&kind=message%20status", url, sizeof(url));
	m = (struct kc_carrier_message){to, from, "hello", url};
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), 0, "%s", r.message);

	for (i = 0; i < 3; i++) {
		snprintf(req, sizeof(req),
			 "{\"sid\":\"%s\",\"status\":\"%s\"%s}", r.sid,
			 statuses[i], i == 2 ? ",\"error_code\":30003" : "");
		v = callback("/_control/status", req);
		if (i == 0)
			n0 = itest_jint(v, "n");
		json_decref(v);
		f = received_form(path, i, sig, sizeof(sig), NULL);
		cr_assert_eq(kc_twilio_signature_valid(cfg.carrier_auth_token,
						       url, f, sig),
			     1, "status %s: %s", statuses[i], sig);
		cr_assert_str_eq(kc_form_get(f, "MessageSid"), r.sid);
		cr_assert_str_eq(kc_form_get(f, "MessageStatus"), statuses[i]);
		cr_assert_str_eq(kc_form_get(f, "To"), to);
		cr_assert_str_eq(kc_form_get(f, "AccountSid"),
				 cfg.carrier_account_sid);
		cr_assert_eq(kc_form_count(f, "ErrorCode"), i == 2);
		if (i == 2)
			cr_assert_str_eq(kc_form_get(f, "ErrorCode"), "30003");
		/* Not under another token, nor for another URL. */
		cr_assert_eq(
		    kc_twilio_signature_valid("0123456789abcdef", url, f, sig),
		    0);
		cr_assert_eq(kc_twilio_signature_valid(cfg.carrier_auth_token,
						       cfg.public_base_url, f,
						       sig),
			     0);
		kc_form_free(f);
	}

	/* Twilio's retry of the first: the same bytes, the same signature,
	 * still valid. */
	snprintf(req, sizeof(req), "{\"n\":%lld}", n0);
	json_decref(callback("/_control/resend", req));
	f = received_form(path, 3, sig, sizeof(sig), &again);
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, sig), 1);
	kc_form_free(f);
	kc_form_free(received_form(path, 0, sig, sizeof(sig), &first));
	cr_assert_str_eq(itest_jstr(again, "body_b64"),
			 itest_jstr(first, "body_b64"));
	cr_assert_str_eq(itest_jstr(again, "twilio_signature"),
			 itest_jstr(first, "twilio_signature"));
	json_decref(first);
	json_decref(again);

	/* A forgery: signed with another token, or not signed at all. */
	snprintf(req, sizeof(req),
		 "{\"sid\":\"%s\",\"status\":\"delivered\","
		 "\"sign_with\":\"not-the-account-token\"}",
		 r.sid);
	json_decref(callback("/_control/status", req));
	f = received_form(path, 4, sig, sizeof(sig), NULL);
	cr_assert_str_eq(kc_form_get(f, "MessageSid"), r.sid);
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, sig), 0);
	kc_form_free(f);
	snprintf(req, sizeof(req),
		 "{\"sid\":\"%s\",\"status\":\"delivered\",\"signature\":\"\"}",
		 r.sid);
	json_decref(callback("/_control/status", req));
	f = received_form(path, 5, sig, sizeof(sig), NULL);
	cr_assert_str_eq(sig, "", "no header was sent");
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, NULL), 0);
	kc_form_free(f);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, call_status_callbacks_verify)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_result r;
	char to[32], from[32], path[64], url[512], sig[64], req[256];
	struct kc_carrier_call call;
	struct kc_form *f;
	json_t *v;
	long st;

	itest_carrier_config(&cfg);
	c = client(&cfg);
	numbers(to, from);
	itest_rcv_path(path, sizeof(path));
	rcv_url(path, "", url, sizeof(url));
	call = (struct kc_carrier_call){
	    to,   from, "https://api.kaicalls.test/carrier/twilio/voice",
	    NULL, url,  "ringing answered completed"};
	cr_assert_eq(kc_carrier_call_create(c, &call, &r), 0, "%s", r.message);

	snprintf(req, sizeof(req), "{\"sid\":\"%s\",\"status\":\"ringing\"}",
		 r.sid);
	json_decref(callback("/_control/status", req));
	snprintf(req, sizeof(req),
		 "{\"sid\":\"%s\",\"status\":\"in-progress\"}", r.sid);
	json_decref(callback("/_control/status", req));
	snprintf(req, sizeof(req),
		 "{\"sid\":\"%s\",\"status\":\"completed\","
		 "\"call_duration\":42}",
		 r.sid);
	json_decref(callback("/_control/status", req));
	/* The carrier sends only the events the call asked for: it did not
	 * ask for "initiated". */
	snprintf(req, sizeof(req), "{\"sid\":\"%s\",\"status\":\"initiated\"}",
		 r.sid);
	v = itest_carrier_post("/_control/status", req, &st);
	cr_assert_eq(st, 409);
	json_decref(v);

	f = received_form(path, 0, sig, sizeof(sig), NULL);
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, sig), 1);
	cr_assert_str_eq(kc_form_get(f, "CallStatus"), "ringing");
	cr_assert_str_eq(kc_form_get(f, "CallSid"), r.sid);
	kc_form_free(f);
	f = received_form(path, 1, sig, sizeof(sig), NULL);
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, sig), 1);
	cr_assert_str_eq(kc_form_get(f, "CallStatus"), "in-progress");
	kc_form_free(f);
	f = received_form(path, 2, sig, sizeof(sig), NULL);
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, sig), 1);
	cr_assert_str_eq(kc_form_get(f, "CallStatus"), "completed");
	cr_assert_str_eq(kc_form_get(f, "CallDuration"), "42");
	cr_assert_str_eq(kc_form_get(f, "Direction"), "outbound-api");
	kc_form_free(f);
	cr_assert_eq(itest_rcv_count(path), 3);
	kc_carrier_free(c);
	kc_config_free(&cfg);
}

Test(carrier, inbound_sms_verifies)
{
	struct kc_config cfg;
	char to[32], from[32], path[64], url[512], sig[64], req[1024];
	struct kc_form *f;
	json_t *v;

	itest_carrier_config(&cfg);
	numbers(to, from);
	itest_rcv_path(path, sizeof(path));
	rcv_url(path, "?n=%2B1&q=caf\xc3\xa9", url, sizeof(url));
	/* Non-ASCII text, and repeated names (one an exact repeat, which
	 * Twilio's helper signs once). */
	snprintf(req, sizeof(req),
		 "{\"url\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
		 "\"body\":\"Stop \xe2\x9c\x8b na\xc3\xafve \xf0\x9f\x98\x80 "
		 "\xef\xbc\x81 & = +\","
		 "\"extra\":[[\"Tag\",\"b\"],[\"Tag\",\"\xef\xbc\x81\"],"
		 "[\"Tag\",\"\xf0\x9f\x98\x80\"],[\"Tag\",\"b\"]]}",
		 url, from, to);
	v = callback("/_control/inbound", req);
	json_decref(v);
	f = received_form(path, 0, sig, sizeof(sig), NULL);
	cr_assert_eq(
	    kc_twilio_signature_valid(cfg.carrier_auth_token, url, f, sig), 1,
	    "%s", sig);
	cr_assert_str_eq(kc_form_get(f, "Body"),
			 "Stop \xe2\x9c\x8b na\xc3\xafve \xf0\x9f\x98\x80 "
			 "\xef\xbc\x81 & = +");
	cr_assert_str_eq(kc_form_get(f, "From"), from);
	cr_assert_str_eq(kc_form_get(f, "To"), to);
	cr_assert_str_eq(kc_form_get(f, "SmsStatus"), "received");
	cr_assert_eq(kc_form_count(f, "Tag"), 4);
	cr_assert_eq(strncmp(kc_form_get(f, "MessageSid"), "SM", 2), 0);
	kc_form_free(f);
	kc_config_free(&cfg);
}

/* Runs the twilio package over cases (taken); returns its answers. */
static json_t *
twilio_node(json_t *cases, const char *token)
{
	const char *dir = getenv("KC_INTEROP_DIR");
	char in[] = "/tmp/kc-twilio-XXXXXX", cmd[1024];
	json_t *input, *out;
	FILE *p;
	int fd;

	cr_assert(dir, "KC_INTEROP_DIR must name tests/interop (scripts/test "
		       "sets it after npm ci)");
	input = json_pack("{s:s, s:o}", "auth_token", token, "cases", cases);
	fd = mkstemp(in);
	cr_assert_geq(fd, 0);
	p = fdopen(fd, "w");
	cr_assert_eq(json_dumpf(input, p, JSON_COMPACT), 0);
	fclose(p);
	json_decref(input);
	snprintf(cmd, sizeof(cmd), "node '%s/twilio-sign.mjs' < '%s'", dir, in);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	out = json_loadf(p, 0, NULL);
	cr_assert_eq(pclose(p), 0, "twilio-sign.mjs failed");
	unlink(in);
	cr_assert(json_is_array(out));
	return out;
}

/* A pseudo-random form field name or value from pools that cover ASCII
 * order, code points on both sides of U+E000, and the supplementary
 * planes. */
static const char *
pick(unsigned *seed, const char *const *pool, size_t n)
{
	*seed = *seed * 1103515245u + 12345u;
	return pool[(*seed >> 16) % n];
}

Test(carrier, signatures_agree_with_the_twilio_package)
{
	static const char *const names[] = {"Body",
					    "From",
					    "To",
					    "Tag",
					    "tag",
					    "10",
					    "9",
					    "A_b",
					    "\xc3\x91"
					    "ame",
					    "\xef\xbd\x86",
					    "\xf0\x9f\x98\x80",
					    "MediaUrl0"};
	static const char *const values[] = {"",
					     "b",
					     "a",
					     "B",
					     "+14155550100",
					     "Hello there & = + %",
					     "caf\xc3\xa9",
					     "\xef\xbc\x81",
					     "\xf0\x9f\x98\x80",
					     "\xe6\x9d\xb1",
					     "line\nbreak",
					     "https://x.test/a?b=c"};
	static const char *const urls[] = {
	    "https://api.kaicalls.test/carrier/twilio/sms",
	    "https://api.kaicalls.test:8443/carrier/twilio/status?biz=b_1",
	    "http://127.0.0.1:18080/carrier/twilio/voice?a=1&b=%20x",
	    "https://api.kaicalls.test/carrier/twilio/sms?q=caf%C3%A9",
	    "https://api.kaicalls.test:443/carrier/twilio/sms"};
	enum { CASES = 40 };
	const char *token = "f00dfeed0123456789abcdef01234567";
	char ours[CASES][KC_TWILIO_SIG_SIZE], err[128];
	struct kc_form *forms[CASES];
	json_t *cases = json_array(), *answers;
	unsigned seed = 12345;
	size_t i, k;

	for (i = 0; i < CASES; i++) {
		char body[4096] = "";
		size_t n = i % 9, len = 0;
		json_t *params = json_array();

		/* Each field encoded as a form encoder would; the same
		 * pairs go to the twilio package as they were chosen. */
		for (k = 0; k < n; k++) {
			const char *nm = pick(&seed, names, 12);
			const char *val = pick(&seed, values, 12);
			const char *s;

			json_array_append_new(params,
					      json_pack("[s,s]", nm, val));
			len += (size_t)snprintf(body + len, sizeof(body) - len,
						"%s", k ? "&" : "");
			for (s = nm; *s; s++)
				len += (size_t)snprintf(
				    body + len, sizeof(body) - len, "%%%02X",
				    (unsigned char)*s);
			len += (size_t)snprintf(body + len, sizeof(body) - len,
						"=");
			for (s = val; *s; s++)
				len += (size_t)snprintf(
				    body + len, sizeof(body) - len,
				    *s == ' ' ? "+" : "%%%02X",
				    (unsigned char)*s);
		}
		cr_assert_lt(len, sizeof(body) - 1);
		cr_assert_eq(
		    kc_form_parse(body, len, &forms[i], err, sizeof(err)), 0,
		    "%s: %s", body, err);
		cr_assert_eq(
		    kc_twilio_signature(token, urls[i % 5], forms[i], ours[i]),
		    0);
		json_array_append_new(
		    cases, json_pack("{s:s, s:o, s:s}", "url", urls[i % 5],
				     "params", params, "ours", ours[i]));
	}
	answers = twilio_node(cases, token);
	cr_assert_eq(json_array_size(answers), CASES);
	for (i = 0; i < CASES; i++) {
		json_t *a = json_array_get(answers, i);
		const char *theirs = itest_jstr(a, "expected");

		cr_assert_str_eq(ours[i], theirs, "case %zu (%s)", i,
				 urls[i % 5]);
		cr_assert(json_is_true(json_object_get(a, "valid")),
			  "validateRequest refused case %zu", i);
		cr_assert_eq(kc_twilio_signature_valid(token, urls[i % 5],
						       forms[i], theirs),
			     1, "case %zu", i);
		/* And refuses it for another URL. */
		cr_assert_eq(kc_twilio_signature_valid(token, urls[(i + 2) % 5],
						       forms[i], theirs),
			     0, "case %zu", i);
		kc_form_free(forms[i]);
	}
	json_decref(answers);
}
