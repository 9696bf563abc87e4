/* Delivery promises of README.md that no other test holds the product to:
 * the cap and the floor on a receiver's Retry-After, how much of an answer
 * is read and kept, replaying a failed delivery, replays refused for a
 * disabled endpoint, and owed deliveries to a disabled or deleted endpoint
 * going dead without a try. Real stack: kcctl deliver (limited to the
 * test's business) sends to the test receiver, or to a server run here
 * when the receiver cannot misbehave the way a test needs. */
#include "itest.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(promises, .init = itest_setup, .timeout = 60);

static void
deliver_ok(const char *biz)
{
	int st;
	json_t *v = itest_deliver(biz, &st);

	cr_assert(st == 0 && v, "kcctl deliver failed (%d)", st);
	json_decref(v);
}

static json_t *
get_json(const char *key, const char *path)
{
	struct itest_resp r;
	json_t *v;

	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
	v = json_incref(r.json);
	itest_resp_free(&r);
	return v;
}

static json_t *
delivery(const char *key, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/deliveries/%s", id);
	return get_json(key, path);
}

/* The endpoint's deliveries, newest first. */
static json_t *
deliveries_of(const char *key, const char *ep)
{
	char path[160];
	json_t *v, *d;

	snprintf(path, sizeof(path), "/v1/deliveries?endpoint=%s&limit=100",
		 ep);
	v = get_json(key, path);
	d = json_incref(json_object_get(v, "data"));
	json_decref(v);
	return d;
}

/* The id of the endpoint's one delivery (out: 64 bytes). */
static void
only_delivery_id(const char *key, const char *ep, char *out)
{
	json_t *list = deliveries_of(key, ep);

	cr_assert_eq(json_array_size(list), 1, "endpoint %s has %zu deliveries",
		     ep, json_array_size(list));
	snprintf(out, 64, "%s", itest_jstr(json_array_get(list, 0), "id"));
	json_decref(list);
}

static json_t *
only_delivery(const char *key, const char *ep)
{
	char id[64];

	only_delivery_id(key, ep, id);
	return delivery(key, id);
}

/* Milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS.mmmZ". */
static long long
ms_of(const char *rfc)
{
	struct tm tm;
	const char *p;
	long long ms = 0;

	memset(&tm, 0, sizeof(tm));
	cr_assert(rfc != NULL, "no time");
	p = strptime(rfc, "%Y-%m-%dT%H:%M:%S", &tm);
	cr_assert(p != NULL, "not a time: %s", rfc);
	if (*p == '.' && sscanf(p + 1, "%3lld", &ms) != 1)
		cr_assert_fail("bad fraction: %s", rfc);
	return (long long)timegm(&tm) * 1000 + ms;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An endpoint at any URL (out: 64 bytes). */
static void
endpoint_at(const char *key, const char *url, char *out)
{
	char body[512];
	struct itest_resp r;

	snprintf(body, sizeof(body), "{\"url\":\"%s\"}", url);
	itest_post(key, "/v1/webhook-endpoints", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(out, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

static void
set_enabled(const char *key, const char *ep, int on)
{
	char path[128];
	const char *body = on ? "{\"enabled\":true}" : "{\"enabled\":false}";
	struct itest_resp r;

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", ep);
	itest_http("PATCH", path, key, body, strlen(body), NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
}

static void
replay(const char *key, const char *dlv, struct itest_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/deliveries/%s/replay", dlv);
	itest_post(key, path, NULL, r);
}

/* How many entries of the business's audit log have action (first page,
 * newest 100). */
static size_t
audit_count(const char *key, const char *action)
{
	json_t *v = get_json(key, "/v1/audit-log?limit=100"), *e;
	size_t i, n = 0;

	json_array_foreach(json_object_get(v, "data"), i, e)
	{
		if (strcmp(itest_jstr(e, "action"), action) == 0)
			n++;
	}
	json_decref(v);
	return n;
}

/* When the try recorded as attempt a ended, in ms since the epoch. */
static long long
attempt_end_ms(const json_t *a)
{
	return ms_of(itest_jstr(a, "started_at")) +
	       itest_jint(a, "duration_ms");
}

/* The first try's end and the retry set for the endpoint's one delivery:
 * returns how much later the retry is, in ms. */
static long long
retry_wait_ms(const char *key, const char *ep, long code)
{
	json_t *d = only_delivery(key, ep), *a;
	long long wait;

	cr_expect_str_eq(itest_jstr(d, "status"), "failed");
	cr_expect_eq(itest_jint(d, "last_status_code"), code);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_assert(a != NULL, "no attempt recorded");
	wait = ms_of(itest_jstr(d, "next_attempt_at")) - attempt_end_ms(a);
	json_decref(d);
	return wait;
}

Test(promises, retry_after_is_capped_by_retry_after_max_and_at_least_a_second)
{
	struct itest_tenant t;
	char far[64], date[64], zero[64], ep_far[64], ep_date[64], ep_zero[64],
	    mode[160], http_date[64];
	time_t later = time(NULL) + 3 * 86400;
	struct tm tm;
	long long w;

	/* The default retry_after_max (1 h) is what is promised. */
	unsetenv("KC_RETRY_AFTER_MAX");
	itest_tenant_new(&t, "Impatient Receivers Co", "*");
	itest_rcv_path(far, sizeof(far));
	itest_rcv_path(date, sizeof(date));
	itest_rcv_path(zero, sizeof(zero));
	itest_rcv_mode(far, "{\"status\":429,\"retry_after\":\"86400\"}");
	/* An HTTP date three days ahead: capped the same way. */
	gmtime_r(&later, &tm);
	strftime(http_date, sizeof(http_date), "%a, %d %b %Y %H:%M:%S GMT",
		 &tm);
	snprintf(mode, sizeof(mode), "{\"status\":503,\"retry_after\":\"%s\"}",
		 http_date);
	itest_rcv_mode(date, mode);
	itest_rcv_mode(zero, "{\"status\":429,\"retry_after\":\"0\"}");
	itest_rcv_endpoint(t.key, far, NULL, ep_far, NULL);
	itest_rcv_endpoint(t.key, date, NULL, ep_date, NULL);
	itest_rcv_endpoint(t.key, zero, NULL, ep_zero, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz);

	/* Asked for a day: the retry is an hour after the try ended (not
	 * the schedule's 5 s, not the day). */
	w = retry_wait_ms(t.key, ep_far, 429);
	cr_expect(w >= 3599000 && w <= 3600001,
		  "Retry-After: 86400 gave a retry %lld ms later, expected "
		  "3600000 (retry_after_max)",
		  w);
	w = retry_wait_ms(t.key, ep_date, 503);
	cr_expect(w >= 3599000 && w <= 3600001,
		  "Retry-After: %s gave a retry %lld ms later, expected "
		  "3600000 (retry_after_max)",
		  http_date, w);
	/* Asked for no wait at all: still a second (and not the schedule's
	 * 4-6 s either: the receiver's wait replaced it). */
	w = retry_wait_ms(t.key, ep_zero, 429);
	cr_expect(w >= 1000 && w <= 1500,
		  "Retry-After: 0 gave a retry %lld ms later, expected 1000",
		  w);
	cr_expect_eq(itest_rcv_count(far), 1);
	cr_expect_eq(itest_rcv_count(zero), 1);
}

/* A plain-http receiver on loopback (an allowed host) that answers 200
 * with a body announced as 64 MiB: 512 KiB at once, then a trickle that
 * would take minutes, so a worker that read it all would hit its time
 * limit. It reports, through a pipe, how it ended. */
struct endless {
	pid_t pid;
	int port;
	int report; /* read end */
};

#define ENDLESS_DECLARED (64L * 1024 * 1024)
#define ENDLESS_BURST    (512 * 1024)

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one request: its head, then Content-Length bytes of body. */
static int
read_request(int fd)
{
	char buf[65536];
	size_t len = 0;
	long want = -1;
	char *end;

	for (;;) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		if (want < 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			char *cl = strcasestr(buf, "\ncontent-length:");

			want = (long)(end + 4 - buf) +
			       (cl ? strtol(cl + 16, NULL, 10) : 0);
		}
		if (want >= 0 && (long)len >= want)
			return 0;
		if (len == sizeof(buf) - 1)
			return -1;
	}
}

static void
endless_serve(int lfd, int report)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: text/plain\r\n"
				   "Content-Length: 67108864\r\n\r\n";
	char chunk[65536];
	struct pollfd p = {lfd, POLLIN, 0};
	long long t0, ms = -1;
	long sent = 0;
	int fd, closed = 0;
	char line[128];

	memset(chunk, 'y', sizeof(chunk));
	if (poll(&p, 1, 30000) != 1 || (fd = accept(lfd, NULL, NULL)) < 0 ||
	    read_request(fd) != 0)
		_exit(2);
	if (send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) < 0)
		_exit(2);
	t0 = mono_ms();
	while (sent < ENDLESS_DECLARED && mono_ms() - t0 < 20000) {
		size_t n = sent < ENDLESS_BURST ? sizeof(chunk) : 1024;
		ssize_t w = send(fd, chunk, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			closed = errno == EPIPE || errno == ECONNRESET;
			ms = mono_ms() - t0;
			break;
		}
		sent += (long)w;
		if (sent >= ENDLESS_BURST)
			usleep(50 * 1000);
	}
	snprintf(line, sizeof(line), "sent=%ld closed=%d ms=%lld\n", sent,
		 closed, ms);
	if (write(report, line, strlen(line)) < 0)
		_exit(3);
	close(fd);
	_exit(0);
}

static void
endless_start(struct endless *s)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int lfd, rep[2];

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(lfd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert(listen(lfd, 4) == 0);
	cr_assert(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
	s->port = ntohs(a.sin_port);
	cr_assert(pipe(rep) == 0);
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		close(rep[0]);
		endless_serve(lfd, rep[1]);
	}
	close(lfd);
	close(rep[1]);
	s->report = rep[0];
}

/* The server's account (waits up to 25 s for it), then it is reaped. */
static void
endless_end(struct endless *s, long *sent, int *closed, long long *ms)
{
	struct pollfd p = {s->report, POLLIN, 0};
	char line[128] = "";
	ssize_t n = -1;
	int st;

	if (poll(&p, 1, 25000) == 1)
		n = read(s->report, line, sizeof(line) - 1);
	close(s->report);
	if (n <= 0)
		kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	cr_assert(n > 0, "the test server did not report");
	line[n] = '\0';
	cr_assert(
	    sscanf(line, "sent=%ld closed=%d ms=%lld", sent, closed, ms) == 3,
	    "%s", line);
}

static int
all_of(const char *s, char c, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != c)
			return 0;
	return 1;
}

Test(promises, answers_are_read_to_256_kib_and_kept_to_4_kib)
{
	struct itest_tenant t;
	struct endless srv;
	char url[128], ep_endless[64], ok[64], bad[64], ep_ok[64], ep_bad[64];
	json_t *d, *a;
	long sent;
	int closed;
	long long ms;

	/* Long enough that a try cut short by us is told apart from one
	 * cut by the time limit. */
	setenv("KC_DELIVERY_TIMEOUT", "4s", 1);
	setenv("KC_DELIVERY_LEASE", "20s", 1);
	itest_tenant_new(&t, "Verbose Receivers Co", "*");
	endless_start(&srv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/endless", srv.port);
	endpoint_at(t.key, url, ep_endless);
	/* The test receiver with 8 MiB answers, sent at once. */
	itest_rcv_path(ok, sizeof(ok));
	itest_rcv_path(bad, sizeof(bad));
	itest_rcv_mode(ok, "{\"status\":200,\"body_bytes\":8388608}");
	itest_rcv_mode(bad, "{\"status\":500,\"body_bytes\":8388608}");
	itest_rcv_endpoint(t.key, ok, NULL, ep_ok, NULL);
	itest_rcv_endpoint(t.key, bad, NULL, ep_bad, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz);

	/* Past 256 KiB the worker stops reading and drops the connection;
	 * the status line decides the try (kc_send.c: the write error it
	 * caused itself is not a transport error). A 200 is delivered. */
	d = only_delivery(t.key, ep_endless);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_assert(a != NULL, "no attempt recorded");
	cr_expect_str_eq(itest_jstr(d, "status"), "delivered", "error: %s",
			 itest_jstr(a, "error"));
	cr_expect_eq(itest_jint(a, "status_code"), 200);
	cr_expect(json_is_true(json_object_get(a, "ok")));
	cr_expect(json_is_null(json_object_get(a, "error")), "%s",
		  itest_jstr(a, "error"));
	cr_expect(all_of(itest_jstr(a, "response_body"), 'y', 4096),
		  "kept %zu bytes of the answer",
		  strlen(itest_jstr(a, "response_body")
			     ? itest_jstr(a, "response_body")
			     : ""));
	cr_expect(itest_jint(a, "duration_ms") < 2000,
		  "the try took %lld ms: the body was read on",
		  itest_jint(a, "duration_ms"));
	json_decref(d);
	endless_end(&srv, &sent, &closed, &ms);
	fprintf(stderr,
		"endless answer: %ld bytes sent, hung up after %lld ms\n", sent,
		ms);
	cr_expect(closed, "the worker never hung up (%ld bytes sent)", sent);
	cr_expect(ms >= 0 && ms < 3000,
		  "the worker hung up %lld ms into the body (its time limit is "
		  "4 s)",
		  ms);
	cr_expect(sent >= 256 * 1024 && sent < ENDLESS_DECLARED,
		  "%ld bytes sent", sent);

	/* Same with the test receiver's 8 MiB answers: the 200 counts as
	 * delivered, the 500 stays a plain HTTP failure; 4 KiB kept each. */
	d = only_delivery(t.key, ep_ok);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_assert(a != NULL);
	cr_expect_str_eq(itest_jstr(d, "status"), "delivered", "error: %s",
			 itest_jstr(a, "error"));
	cr_expect(all_of(itest_jstr(a, "response_body"), 'x', 4096));
	cr_expect(itest_jint(a, "duration_ms") < 2000, "took %lld ms",
		  itest_jint(a, "duration_ms"));
	json_decref(d);
	d = only_delivery(t.key, ep_bad);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_assert(a != NULL);
	cr_expect_str_eq(itest_jstr(d, "status"), "failed");
	cr_expect_eq(itest_jint(a, "status_code"), 500);
	cr_expect_str_eq(itest_jstr(a, "error"), "HTTP 500");
	cr_expect(all_of(itest_jstr(a, "response_body"), 'x', 4096));
	json_decref(d);
}

Test(promises, replaying_a_failed_delivery_brings_its_retry_forward)
{
	struct itest_tenant t;
	struct itest_resp r;
	char path[64], ep[64], dlv[64];
	json_t *d, *list;
	long long before, after, next;

	/* A retry an hour away (+-20 %). */
	setenv("KC_DELIVERY_SCHEDULE", "1h", 1);
	itest_tenant_new(&t, "Second Chance Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_mode(path, "{\"status\":500}");
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz);
	only_delivery_id(t.key, ep, dlv);
	d = delivery(t.key, dlv);
	cr_assert_str_eq(itest_jstr(d, "status"), "failed");
	next = ms_of(itest_jstr(d, "next_attempt_at"));
	cr_assert(next - now_ms() > 2500 * 1000, "retry in %lld ms",
		  next - now_ms());
	json_decref(d);
	/* Not due: a worker leaves it alone. */
	deliver_ok(t.biz);
	cr_assert_eq(itest_rcv_count(path), 1);

	before = now_ms();
	replay(t.key, dlv, &r);
	after = now_ms();
	cr_assert_eq(r.status, 202, "%s", r.body);
	/* The same delivery, its retry now; no new delivery. */
	cr_expect_str_eq(itest_jstr(r.json, "id"), dlv);
	cr_expect_str_eq(itest_jstr(r.json, "status"), "failed");
	cr_expect(json_is_null(json_object_get(r.json, "replayed_by")));
	next = ms_of(itest_jstr(r.json, "next_attempt_at"));
	cr_expect(next >= before - 2000 && next <= after + 2000,
		  "next_attempt_at is %lld ms from now", next - after);
	itest_resp_free(&r);
	d = delivery(t.key, dlv);
	cr_expect_eq(ms_of(itest_jstr(d, "next_attempt_at")), next);
	json_decref(d);
	cr_expect_eq(audit_count(t.key, "delivery.replayed"), 1);

	/* The next run sends it. */
	itest_rcv_mode(path, "{\"status\":200}");
	deliver_ok(t.biz);
	d = delivery(t.key, dlv);
	cr_expect_str_eq(itest_jstr(d, "status"), "delivered");
	cr_expect_eq(itest_jint(d, "attempts"), 2);
	cr_expect_eq(json_array_size(json_object_get(d, "attempt_log")), 2);
	json_decref(d);
	cr_expect_eq(itest_rcv_count(path), 2);
	list = deliveries_of(t.key, ep);
	cr_expect_eq(json_array_size(list), 1);
	json_decref(list);
}

static void
expect_endpoint_disabled(const struct itest_resp *r)
{
	cr_expect_eq(r->status, 409, "%ld %s", r->status, r->body);
	cr_expect_str_eq(itest_jstr(r->json, "code"), "endpoint_disabled", "%s",
			 r->body);
}

Test(promises, replay_to_a_disabled_endpoint_is_endpoint_disabled)
{
	struct itest_tenant t;
	struct itest_resp r;
	char failing[64], gone[64], ep_f[64], ep_g[64], dlv_f[64], dlv_g[64],
	    url[160];
	char *next_before;
	json_t *d, *e, *list;

	setenv("KC_DELIVERY_SCHEDULE", "1h", 1);
	itest_tenant_new(&t, "Switched Off Co", "*");
	itest_rcv_path(failing, sizeof(failing));
	itest_rcv_path(gone, sizeof(gone));
	itest_rcv_mode(failing, "{\"status\":500}");
	/* 410 makes the delivery dead and the worker disables the endpoint. */
	itest_rcv_mode(gone, "{\"status\":410}");
	/* Leads only: the endpoint.disabled event is not theirs. */
	itest_rcv_endpoint(t.key, failing, "[\"lead.captured\"]", ep_f, NULL);
	itest_rcv_endpoint(t.key, gone, "[\"lead.captured\"]", ep_g, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz);
	only_delivery_id(t.key, ep_f, dlv_f);
	only_delivery_id(t.key, ep_g, dlv_g);
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s", ep_g);
	e = get_json(t.key, url);
	cr_assert(json_is_false(json_object_get(e, "enabled")));
	json_decref(e);

	/* A failed delivery whose endpoint was turned off by hand. */
	set_enabled(t.key, ep_f, 0);
	d = delivery(t.key, dlv_f);
	cr_assert_str_eq(itest_jstr(d, "status"), "failed");
	next_before = strdup(itest_jstr(d, "next_attempt_at"));
	json_decref(d);
	replay(t.key, dlv_f, &r);
	expect_endpoint_disabled(&r);
	itest_resp_free(&r);
	d = delivery(t.key, dlv_f);
	cr_expect_str_eq(itest_jstr(d, "next_attempt_at"), next_before,
			 "the refused replay moved the retry");
	json_decref(d);
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/replay", ep_f);
	itest_post(t.key, url, "{\"status\":\"failed\"}", &r);
	expect_endpoint_disabled(&r);
	itest_resp_free(&r);

	/* A dead delivery whose endpoint the worker disabled. */
	d = delivery(t.key, dlv_g);
	cr_assert_str_eq(itest_jstr(d, "status"), "dead");
	json_decref(d);
	replay(t.key, dlv_g, &r);
	expect_endpoint_disabled(&r);
	itest_resp_free(&r);
	d = delivery(t.key, dlv_g);
	cr_expect(json_is_null(json_object_get(d, "replayed_by")));
	json_decref(d);
	list = deliveries_of(t.key, ep_g);
	cr_expect_eq(json_array_size(list), 1, "a refused replay queued one");
	json_decref(list);
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/replay", ep_g);
	itest_post(t.key, url, "{}", &r);
	expect_endpoint_disabled(&r);
	itest_resp_free(&r);
	cr_expect_eq(audit_count(t.key, "delivery.replayed"), 0);
	cr_expect_eq(audit_count(t.key, "replay.created"), 0);

	/* Enabled again, the same replay goes through. */
	set_enabled(t.key, ep_f, 1);
	replay(t.key, dlv_f, &r);
	cr_expect_eq(r.status, 202, "%s", r.body);
	itest_resp_free(&r);
	free(next_before);
}

/* Runs the worker until delivery id has status want (up to 10 s). */
static void
deliver_until(const char *biz, const char *key, const char *id,
	      const char *want)
{
	long long give_up = mono_ms() + 10000;
	json_t *d;

	for (;;) {
		deliver_ok(biz);
		d = delivery(key, id);
		if (strcmp(itest_jstr(d, "status"), want) == 0) {
			json_decref(d);
			return;
		}
		cr_assert(mono_ms() < give_up, "%s is still %s, not %s", id,
			  itest_jstr(d, "status"), want);
		json_decref(d);
		itest_msleep(100);
	}
}

/* Dead without a try: attempts as before, no new attempt row, no
 * retry, and last_error saying why (needle). */
static void
expect_dead_untried(const char *key, const char *id, long long tries,
		    const char *needle)
{
	json_t *d = delivery(key, id);
	const char *why = itest_jstr(d, "last_error");

	cr_expect_str_eq(itest_jstr(d, "status"), "dead", "%s", id);
	cr_expect_eq(itest_jint(d, "attempts"), tries, "%s", id);
	cr_expect_eq(json_array_size(json_object_get(d, "attempt_log")),
		     (size_t)tries, "%s has a new attempt row", id);
	cr_expect(json_is_null(json_object_get(d, "next_attempt_at")));
	cr_expect(why && strstr(why, needle) != NULL,
		  "last_error of %s is \"%s\", expected it to say \"%s\"", id,
		  why ? why : "(null)", needle);
	json_decref(d);
}

static long long
dead_count(const char *key, const char *ep)
{
	char path[128];
	json_t *e;
	long long n;

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", ep);
	e = get_json(key, path);
	n = itest_jint(json_object_get(e, "health"), "dead_deliveries");
	json_decref(e);
	return n;
}

Test(promises, owed_deliveries_to_a_disabled_endpoint_go_dead_untried)
{
	struct itest_tenant t;
	struct itest_resp r;
	char quiet[64], flaky[64], ep_q[64], ep_f[64], first[64], dlv_q[64],
	    dlv_f2[64], evt[64], url[160], next[64];
	json_t *list, *d;
	size_t i;

	setenv("KC_DELIVERY_SCHEDULE", "1s,1s,1s", 1);
	itest_tenant_new(&t, "Paused Co", "*");
	itest_rcv_path(quiet, sizeof(quiet));
	itest_rcv_path(flaky, sizeof(flaky));
	itest_rcv_mode(flaky, "{\"status\":500}");
	/* flaky has a failed delivery waiting for its retry... */
	itest_rcv_endpoint(t.key, flaky, NULL, ep_f, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz);
	only_delivery_id(t.key, ep_f, first);
	/* ...and, with quiet, a pending one of a second event. */
	itest_rcv_endpoint(t.key, quiet, NULL, ep_q, NULL);
	itest_lead(t.key, evt);
	only_delivery_id(t.key, ep_q, dlv_q);
	snprintf(url, sizeof(url), "/v1/deliveries?event=%s&endpoint=%s", evt,
		 ep_f);
	list = get_json(t.key, url);
	snprintf(
	    dlv_f2, sizeof(dlv_f2), "%s",
	    itest_jstr(json_array_get(json_object_get(list, "data"), 0), "id"));
	json_decref(list);
	set_enabled(t.key, ep_q, 0);
	set_enabled(t.key, ep_f, 0);

	/* When the worker meets them (the retry once it is due). */
	deliver_until(t.biz, t.key, first, "dead");
	expect_dead_untried(t.key, first, 1, "disabled");
	expect_dead_untried(t.key, dlv_f2, 0, "disabled");
	expect_dead_untried(t.key, dlv_q, 0, "disabled");
	cr_expect_eq(itest_rcv_count(quiet), 0);
	cr_expect_eq(itest_rcv_count(flaky), 1, "only the first try arrived");
	cr_expect_eq(dead_count(t.key, ep_q), 1);
	cr_expect_eq(dead_count(t.key, ep_f), 2);
	list = deliveries_of(t.key, ep_f);
	json_array_foreach(list, i, d)
	{
		cr_expect_str_eq(itest_jstr(d, "status"), "dead");
	}
	json_decref(list);

	/* Enabled again, they can be replayed and arrive. */
	set_enabled(t.key, ep_q, 1);
	replay(t.key, dlv_q, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(next, sizeof(next), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	deliver_ok(t.biz);
	d = delivery(t.key, next);
	cr_expect_str_eq(itest_jstr(d, "status"), "delivered");
	json_decref(d);
	cr_expect_eq(itest_rcv_count(quiet), 1);
}

Test(promises, owed_deliveries_to_a_deleted_endpoint_go_dead_untried)
{
	struct itest_tenant t;
	struct itest_resp r;
	char path[64], ep[64], dlv[64], url[128];

	itest_tenant_new(&t, "Removed Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	only_delivery_id(t.key, ep, dlv);
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s", ep);
	itest_http("DELETE", url, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 204, "%s", r.body);
	itest_resp_free(&r);

	deliver_ok(t.biz);
	/* The endpoint is gone, so that is the reason to give: it can no
	 * longer be enabled again. */
	expect_dead_untried(t.key, dlv, 0, "deleted");
	cr_expect_eq(itest_rcv_count(path), 0);
	/* Nor can its deliveries be replayed: there is nowhere to send. */
	replay(t.key, dlv, &r);
	cr_expect_eq(r.status, 409, "%s", r.body);
	cr_expect_str_eq(itest_jstr(r.json, "code"), "endpoint_deleted");
	itest_resp_free(&r);
}
