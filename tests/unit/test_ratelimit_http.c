/*
 * Unit tests for cgi/ratelimit and the rate-limit kind of the routes: each
 * route draws from the bucket of its kind; an authenticated request
 * carries RateLimit-Policy and RateLimit, and over the limit gets 429
 * rate_limited with Retry-After; a key's own limit wins over the node's,
 * "off" sends nothing; processes of a node share the buckets; without
 * the shared region everything passes, unlimited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../../cgi/ratelimit.h"
#include "../../cgi/response.h"
#include "../../cgi/routes.h"
#include "kc_scope.h"

static char dir[64];
static struct kc_config cfg;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kc_test_rlh.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	memset(&cfg, 0, sizeof(cfg));
	cfg.run_dir = dir;
	/* A token an hour: nothing comes back during a test. */
	cfg.rate_limit[KC_RL_READ] = (struct kc_rl_policy){1, 3};
	cfg.rate_limit[KC_RL_WRITE] = (struct kc_rl_policy){1, 2};
	cfg.rate_limit[KC_RL_INGEST] = (struct kc_rl_policy){1, 4};
}

static void
teardown(void)
{
	char cmd[128];

	kc_ratelimit_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(rlh, .init = setup, .fini = teardown, .timeout = 60);

/* The kind of the route method and path match (asserts one does). */
static enum kc_rl_kind
kind_of(enum kc_method m, const char *path)
{
	const struct kc_route *r;
	struct kc_req req;
	struct kc_verr e;
	char allow[96];
	int status;

	kc_req_init(&req);
	cr_assert_eq(kc_req_set_uri(&req, path, &e), 0);
	req.method = m;
	r = kc_route_match(&req, &status, allow, sizeof(allow));
	cr_assert_not_null(r, "%s: no route", path);
	kc_req_free(&req);
	return kc_route_kind(r);
}

Test(rlh, routes_draw_from_the_bucket_of_their_kind)
{
	static const struct {
		enum kc_method m;
		const char *path;
		enum kc_rl_kind kind;
	} want[] = {
	    {KC_M_POST, "/v1/leads", KC_RL_INGEST},
	    {KC_M_POST, "/v1/calls", KC_RL_INGEST},
	    {KC_M_POST, "/v1/calls/call_x/end", KC_RL_INGEST},
	    {KC_M_POST, "/v1/follow-ups", KC_RL_INGEST},
	    {KC_M_POST, "/v1/follow-ups/fu_x/complete", KC_RL_INGEST},
	    {KC_M_GET, "/v1/leads", KC_RL_READ},
	    {KC_M_GET, "/v1/agent", KC_RL_READ},
	    {KC_M_GET, "/v1/business", KC_RL_READ},
	    {KC_M_GET, "/v1/deliveries/dlv_x", KC_RL_READ},
	    {KC_M_PATCH, "/v1/agent/routing", KC_RL_WRITE},
	    {KC_M_POST, "/v1/webhook-endpoints", KC_RL_WRITE},
	    {KC_M_DELETE, "/v1/webhook-endpoints/we_x", KC_RL_WRITE},
	    {KC_M_POST, "/v1/webhook-endpoints/we_x/test", KC_RL_WRITE},
	    {KC_M_POST, "/v1/deliveries/dlv_x/replay", KC_RL_WRITE},
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(kind_of(want[i].m, want[i].path), want[i].kind,
			     "%s %s", kc_method_name(want[i].m), want[i].path);
}

Test(rlh, a_route_that_says_its_kind_keeps_it)
{
	struct kc_route r = {KC_M_GET, "/x", NULL, 0, KC_R_LIMIT_WRITE, NULL};

	cr_assert_eq(kc_route_kind(&r), KC_RL_WRITE);
	r.flags = 0;
	cr_assert_eq(kc_route_kind(&r), KC_RL_READ);
	r.method = KC_M_POST;
	r.scope = KC_SCOPE_INGEST;
	cr_assert_eq(kc_route_kind(&r), KC_RL_INGEST);
	r.flags = KC_R_LIMIT_READ;
	cr_assert_eq(kc_route_kind(&r), KC_RL_READ);
	r.flags = 0;
	r.scope = KC_SCOPE_LEADS_WRITE;
	cr_assert_eq(kc_route_kind(&r), KC_RL_WRITE);
}

Test(rlh, every_keyed_route_has_a_kind)
{
	size_t i;

	for (i = 0; i < kc_route_count(); i++) {
		const struct kc_route *r = kc_route_at(i);

		if (r->flags & KC_R_PUBLIC)
			continue;
		cr_assert(kc_route_kind(r) > KC_RL_NONE &&
			      kc_route_kind(r) < KC_RL__MAX,
			  "%s", r->pattern);
		if (r->method == KC_M_GET)
			cr_assert_eq(kc_route_kind(r), KC_RL_READ, "%s",
				     r->pattern);
	}
}

/* An authenticated request of key id (its own limits lim, may be NULL),
 * charged to kind: the status check gives, and the header block. */
static int
check(long long id, const struct kc_key_limits *lim, enum kc_rl_kind kind,
      char **head)
{
	struct kc_req req;
	struct kc_buf b;
	int rc;

	kc_req_init(&req);
	snprintf(req.request_id, sizeof(req.request_id), "req_test");
	req.cfg = &cfg;
	req.authed = 1;
	req.auth.key_id = id;
	snprintf(req.auth.key_public_id, sizeof(req.auth.key_public_id),
		 "key_%lld", id);
	if (lim)
		req.auth.limits = *lim;
	rc = kc_ratelimit_check(&req, kind);
	if (rc == 0)
		kc_reply_empty(&req, 204);
	else {
		cr_assert_eq(rc, 429);
		cr_assert_eq(req.resp.status, 429);
		cr_assert_not_null(
		    strstr(req.resp.body.data, "\"code\":\"rate_limited\""),
		    "%s", req.resp.body.data);
		cr_assert_str_eq(req.resp.content_type,
				 "application/problem+json");
	}
	kc_buf_init(&b, 1 << 16);
	cr_assert_eq(kc_resp_headers(&req, &b), 0);
	*head = kc_buf_take(&b, NULL);
	kc_req_free(&req);
	return rc;
}

static void
has(const char *head, const char *line)
{
	cr_assert_not_null(strstr(head, line), "missing: %s\nin:\n%s", line,
			   head);
}

Test(rlh, headers_then_429_past_the_burst)
{
	char *h;

	cr_assert_eq(kc_ratelimit_open(&cfg), 0);
	/* 1/h burst 3: the window is the 3 h the burst takes to return. */
	cr_assert_eq(check(1, NULL, KC_RL_READ, &h), 0);
	has(h, "\r\nRateLimit-Policy: \"read\";q=3;w=10800\r\n");
	has(h, "\r\nRateLimit: \"read\";r=2;t=3600\r\n");
	cr_assert_null(strstr(h, "Retry-After"));
	free(h);
	cr_assert_eq(check(1, NULL, KC_RL_READ, &h), 0);
	has(h, "\r\nRateLimit: \"read\";r=1;t=7200\r\n");
	free(h);
	cr_assert_eq(check(1, NULL, KC_RL_READ, &h), 0);
	has(h, "\r\nRateLimit: \"read\";r=0;t=10800\r\n");
	free(h);
	cr_assert_eq(check(1, NULL, KC_RL_READ, &h), 429);
	has(h, "Status: 429 Too Many Requests\r\n");
	has(h, "\r\nRateLimit-Policy: \"read\";q=3;w=10800\r\n");
	/* Retry-After and t agree: the next token, an hour away (less the
	 * moments the test took, rounded up). */
	has(h, "\r\nRetry-After: 3600\r\n");
	has(h, "\r\nRateLimit: \"read\";r=0;t=3600\r\n");
	free(h);
}

Test(rlh, kinds_and_keys_have_their_own_buckets)
{
	char *h;
	int i;

	cr_assert_eq(kc_ratelimit_open(&cfg), 0);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(check(5, NULL, KC_RL_WRITE, &h), 0);
		free(h);
	}
	cr_assert_eq(check(5, NULL, KC_RL_WRITE, &h), 429);
	has(h, "RateLimit-Policy: \"write\";q=2;");
	free(h);
	cr_assert_eq(check(5, NULL, KC_RL_INGEST, &h), 0);
	has(h, "\r\nRateLimit: \"ingest\";r=3;");
	free(h);
	cr_assert_eq(check(6, NULL, KC_RL_WRITE, &h), 0);
	has(h, "\r\nRateLimit: \"write\";r=1;");
	free(h);
}

Test(rlh, a_keys_own_limit_wins)
{
	struct kc_key_limits lim;
	char *h;

	cr_assert_eq(kc_ratelimit_open(&cfg), 0);
	memset(&lim, 0, sizeof(lim));
	lim.own[KC_RL_READ] = 1;
	lim.p[KC_RL_READ] = (struct kc_rl_policy){7200, 10};
	cr_assert_eq(check(9, &lim, KC_RL_READ, &h), 0);
	has(h, "\r\nRateLimit-Policy: \"read\";q=10;w=5\r\n");
	has(h, "\r\nRateLimit: \"read\";r=9;t=1\r\n");
	free(h);
	/* Its other kinds are still the node's. */
	cr_assert_eq(check(9, &lim, KC_RL_INGEST, &h), 0);
	has(h, "\r\nRateLimit-Policy: \"ingest\";q=4;");
	free(h);
}

Test(rlh, off_means_no_limit_and_no_headers)
{
	struct kc_key_limits lim;
	char *h;
	int i;

	cr_assert_eq(kc_ratelimit_open(&cfg), 0);
	memset(&lim, 0, sizeof(lim));
	lim.own[KC_RL_WRITE] = 1; /* per_hour 0: off */
	for (i = 0; i < 10; i++) {
		cr_assert_eq(check(11, &lim, KC_RL_WRITE, &h), 0);
		cr_assert_null(strstr(h, "RateLimit"), "%s", h);
		free(h);
	}
	cfg.rate_limit[KC_RL_READ].per_hour = 0;
	for (i = 0; i < 10; i++) {
		cr_assert_eq(check(11, NULL, KC_RL_READ, &h), 0);
		cr_assert_null(strstr(h, "RateLimit"), "%s", h);
		free(h);
	}
}

Test(rlh, without_the_region_nothing_is_limited)
{
	struct kc_config bad = cfg;
	char *h;
	int i;

	bad.run_dir = "/nonexistent/kc/run";
	cr_assert_eq(kc_ratelimit_open(&bad), -1);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(check(12, NULL, KC_RL_WRITE, &h), 0);
		cr_assert_null(strstr(h, "RateLimit"), "%s", h);
		free(h);
	}
}

#define PROCS 4

Test(rlh, the_processes_of_a_node_share_a_bucket)
{
	pid_t p[PROCS];
	int i, st, admitted = 0;
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	for (i = 0; i < PROCS; i++) {
		p[i] = fork();
		cr_assert_geq(p[i], 0);
		if (p[i] == 0) {
			unsigned char n = 0;
			char *h;
			int k;

			if (kc_ratelimit_open(&cfg) != 0)
				_exit(2);
			/* 20 each; ingest's burst is 4 in all. */
			for (k = 0; k < 20; k++) {
				if (check(13, NULL, KC_RL_INGEST, &h) == 0)
					n++;
				free(h);
			}
			if (write(fds[1], &n, 1) != 1)
				_exit(3);
			_exit(0);
		}
	}
	close(fds[1]);
	for (i = 0; i < PROCS; i++) {
		unsigned char n;

		cr_assert_eq(waitpid(p[i], &st, 0), p[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		cr_assert_eq(read(fds[0], &n, 1), 1);
		admitted += n;
	}
	close(fds[0]);
	cr_assert_eq(admitted, 4, "admitted %d: not one bucket", admitted);
}
