/*
 * Unit tests for cgi/req_metrics: requests are counted under their route
 * pattern (never the path), method and status, their durations in the
 * right buckets; several processes add up in one region; and without a
 * region nothing is counted and nothing breaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../../cgi/req_metrics.h"
#include "../../cgi/routes.h"

static char dir[64];
static struct kc_config cfg;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kc_test_reqm.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	memset(&cfg, 0, sizeof(cfg));
	cfg.run_dir = dir;
}

static void
teardown(void)
{
	char cmd[128];

	kc_reqm_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(reqm, .init = setup, .fini = teardown, .timeout = 60);

/* The route a request for method and path matches (asserts one does). */
static int
route_of(enum kc_method m, const char *path)
{
	struct kc_req req;
	struct kc_verr e;
	char allow[96];
	int status, route;

	kc_req_init(&req);
	cr_assert_eq(kc_req_set_uri(&req, path, &e), 0);
	req.method = m;
	cr_assert_not_null(kc_route_match(&req, &status, allow, sizeof(allow)));
	route = req.route;
	kc_req_free(&req);
	cr_assert_geq(route, 0);
	return route;
}

static char *
render(void)
{
	struct kc_buf b;

	kc_buf_init(&b, 1 << 22);
	cr_assert_eq(kc_reqm_render(&b), 0);
	return kc_buf_take(&b, NULL);
}

static void
has(const char *text, const char *line)
{
	cr_assert_not_null(strstr(text, line), "missing: %s\nin:\n%s", line,
			   text);
}

Test(reqm, counted_by_route_pattern_method_and_status)
{
	int lead = route_of(KC_M_GET, "/v1/leads/lead_0123456789abcdef");
	char *t;

	cr_assert_eq(kc_reqm_open(&cfg), 0);
	kc_reqm_record(lead, KC_M_GET, 200, 3000);
	kc_reqm_record(lead, KC_M_GET, 200, 7000);
	kc_reqm_record(lead, KC_M_GET, 404, 12000000);
	kc_reqm_record(route_of(KC_M_POST, "/v1/leads"), KC_M_POST, 201, 5000);
	t = render();
	has(t, "# TYPE kaicalls_http_requests_total counter\n");
	has(t, "\nkaicalls_http_requests_total{method=\"GET\",route=\"/v1/"
	       "leads/{id}\",code=\"200\"} 2\n");
	has(t, "\nkaicalls_http_requests_total{method=\"GET\",route=\"/v1/"
	       "leads/{id}\",code=\"404\"} 1\n");
	has(t, "\nkaicalls_http_requests_total{method=\"POST\",route=\"/v1/"
	       "leads\",code=\"201\"} 1\n");
	cr_assert_null(strstr(t, "lead_0123456789abcdef"));
	has(t, "# TYPE kaicalls_http_request_duration_seconds histogram\n");
#define H "kaicalls_http_request_duration_seconds"
#define L "method=\"GET\",route=\"/v1/leads/{id}\",code=\"200\""
	/* 3 ms and 7 ms: one up to 5 ms, both up to 10 ms. */
	has(t, "\n" H "_bucket{" L ",le=\"0.005\"} 1\n" H "_bucket{" L
	       ",le=\"0.01\"} 2\n" H "_bucket{" L ",le=\"0.025\"} 2\n");
	has(t, "\n" H "_bucket{" L ",le=\"10\"} 2\n" H "_bucket{" L
	       ",le=\"+Inf\"} 2\n" H "_sum{" L "} 0.010000\n" H "_count{" L
	       "} 2\n");
#undef L
#define L "method=\"GET\",route=\"/v1/leads/{id}\",code=\"404\""
	/* 12 s: above every bound. */
	has(t, "\n" H "_bucket{" L ",le=\"10\"} 0\n" H "_bucket{" L
	       ",le=\"+Inf\"} 1\n" H "_sum{" L "} 12.000000\n");
#undef L
	/* A bucket bound is inclusive: 5000 us is "le 0.005". */
	has(t,
	    "\n" H "_bucket{method=\"POST\",route=\"/v1/leads\",code=\"201\","
	    "le=\"0.005\"} 1\n");
#undef H
	/* Nothing for what was never asked. */
	cr_assert_null(strstr(t, "route=\"/v1/calls\""));
	free(t);
}

Test(reqm, unmatched_and_unusual)
{
	char *t;

	cr_assert_eq(kc_reqm_open(&cfg), 0);
	kc_reqm_record(-1, KC_M_GET, 404, 100);
	kc_reqm_record(-1, KC_M_DELETE, 404, 100);
	kc_reqm_record(-1, (enum kc_method)0, 405, 100);
	kc_reqm_record(route_of(KC_M_GET, "/livez"), KC_M_GET, 418, 100);
	kc_reqm_record(route_of(KC_M_GET, "/livez"), KC_M_GET, 299, 100);
	kc_reqm_record(route_of(KC_M_GET, "/livez"), KC_M_GET, 599, 100);
	/* No HTTP status at all: not a server error. */
	kc_reqm_record(route_of(KC_M_GET, "/livez"), KC_M_GET, 0, 100);
	kc_reqm_record(route_of(KC_M_GET, "/livez"), KC_M_GET, 600, 100);
	kc_reqm_record(route_of(KC_M_GET, "/livez"), KC_M_GET, -1, 100);
	t = render();
	has(t, "kaicalls_http_requests_total{method=\"GET\",route="
	       "\"unmatched\",code=\"404\"} 1\n");
	has(t, "kaicalls_http_requests_total{method=\"DELETE\",route="
	       "\"unmatched\",code=\"404\"} 1\n");
	has(t, "kaicalls_http_requests_total{method=\"other\",route="
	       "\"unmatched\",code=\"405\"} 1\n");
	has(t, "kaicalls_http_requests_total{method=\"GET\",route=\"/livez\","
	       "code=\"4xx\"} 1\n");
	has(t, "kaicalls_http_requests_total{method=\"GET\",route=\"/livez\","
	       "code=\"2xx\"} 1\n");
	has(t, "kaicalls_http_requests_total{method=\"GET\",route=\"/livez\","
	       "code=\"5xx\"} 1\n");
	has(t, "kaicalls_http_requests_total{method=\"GET\",route=\"/livez\","
	       "code=\"other\"} 3\n");
	free(t);
}

Test(reqm, without_a_region_nothing_is_counted)
{
	struct kc_config bad = cfg;
	char *t;

	bad.run_dir = "/nonexistent/kc/run";
	cr_assert_eq(kc_reqm_open(&bad), -1);
	kc_reqm_record(0, KC_M_GET, 200, 100);
	t = render();
	cr_assert_str_eq(t, "");
	free(t);
}

#define ROUNDS 50000

Test(reqm, processes_of_a_node_add_up)
{
	int livez = route_of(KC_M_GET, "/livez");
	pid_t p[2];
	int i, st;
	char *t, want[256];

	for (i = 0; i < 2; i++) {
		p[i] = fork();
		cr_assert_geq(p[i], 0);
		if (p[i] == 0) {
			long k;

			if (kc_reqm_open(&cfg) != 0)
				_exit(2);
			for (k = 0; k < ROUNDS; k++)
				kc_reqm_record(livez, KC_M_GET, 200, 1);
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++) {
		cr_assert_eq(waitpid(p[i], &st, 0), p[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	cr_assert_eq(kc_reqm_open(&cfg), 0);
	t = render();
	snprintf(want, sizeof(want),
		 "kaicalls_http_requests_total{method=\"GET\",route=\"/"
		 "livez\",code=\"200\"} %d\n",
		 2 * ROUNDS);
	has(t, want);
	snprintf(want, sizeof(want),
		 "kaicalls_http_request_duration_seconds_sum{method=\"GET\","
		 "route=\"/livez\",code=\"200\"} 0.%06d\n",
		 2 * ROUNDS);
	has(t, want);
	free(t);
}
