/* GET /metrics through lighttpd: served only to metrics_allow (the test
 * stack allows 127.0.0.1; a request from 127.0.0.2, which is loopback
 * too, must find nothing there), in the text format 0.0.4 as a strict
 * parser reads it, with counters that move by exactly what happened.
 *
 * The delivery metrics are the whole database's, so these tests run in
 * test_jobs, one at a time after the other integration tests: nothing
 * else writes deliveries while they compare one scrape with the next. */
#include "itest.h"
#include "itest_sql.h"
#include "kc_config.h"
#include "kc_db.h"
#include "kc_delivery_metrics.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(metrics, .init = itest_setup, .timeout = 60);

/* --- a strict reader of the text exposition format 0.0.4 ----------------- */

struct sample {
	char *key;  /* name{labels} exactly as written */
	char *name; /* the metric name */
	double value;
};

struct scrape {
	char *text;
	struct sample *s;
	size_t n;
};

enum ftype { F_COUNTER, F_GAUGE, F_HISTOGRAM };

struct family {
	char name[128];
	enum ftype type;
};

static int
name_char(char c, int first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' ||
	       (!first && isdigit((unsigned char)c));
}

/* The length of a metric (or, without ':', label) name at p. */
static size_t
name_len(const char *p, int label)
{
	size_t n = 0;

	while (p[n] && name_char(p[n], n == 0) && !(label && p[n] == ':'))
		n++;
	return n;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static double
parse_value(const char *p, const char *line)
{
	char *end;
	double v;

	if (strcmp(p, "+Inf") == 0)
		return INFINITY;
	if (strcmp(p, "-Inf") == 0)
		return -INFINITY;
	cr_assert(*p && !isspace((unsigned char)*p), "no value: %s", line);
	v = strtod(p, &end);
	cr_assert(end != p && *end == '\0', "bad value (or a timestamp): %s",
		  line);
	return v;
}

/* Reads labels at *pp ("{...}"), checking names and escapes; fills le
 * (the le value, or "" without one) and rest (the other labels as
 * written, for grouping a histogram's series). */
static void
parse_labels(const char **pp, const char *line, char *le, size_t lecap,
	     char *rest, size_t restcap)
{
	const char *p = *pp + 1;
	char seen[16][64], val[512];
	size_t nseen = 0, i, o = 0, ro = 0;

	le[0] = rest[0] = '\0';
	while (*p != '}') {
		size_t n = name_len(p, 1), vo = 0;
		const char *start = p;

		cr_assert(n > 0 && n < 64, "bad label name: %s", line);
		cr_assert(strncmp(p, "__", 2) != 0, "reserved label: %s", line);
		for (i = 0; i < nseen; i++)
			cr_assert(strlen(seen[i]) != n ||
				      strncmp(seen[i], p, n) != 0,
				  "label twice: %s", line);
		cr_assert_lt(nseen, 16);
		memcpy(seen[nseen], p, n);
		seen[nseen++][n] = '\0';
		p += n;
		cr_assert(p[0] == '=' && p[1] == '"', "expected =\": %s", line);
		p += 2;
		while (*p != '"') {
			cr_assert(*p != '\0' && *p != '\n',
				  "unterminated value: %s", line);
			if (*p == '\\') {
				cr_assert(p[1] == '\\' || p[1] == '"' ||
					      p[1] == 'n',
					  "bad escape: %s", line);
				p++;
			}
			cr_assert_lt(vo, sizeof(val) - 1);
			val[vo++] = *p++;
		}
		val[vo] = '\0';
		p++;
		if (strcmp(seen[nseen - 1], "le") == 0)
			snprintf(le, lecap, "%.63s", val);
		else {
			ro += (size_t)snprintf(rest + ro, restcap - ro, "%.*s",
					       (int)(p - start), start);
			cr_assert_lt(ro, restcap);
		}
		o++;
		if (*p == ',') {
			p++;
			cr_assert(*p != '}', "trailing comma: %s", line);
		} else
			cr_assert(*p == '}', "expected , or }: %s", line);
	}
	cr_assert(o > 0, "empty braces: %s", line);
	*pp = p + 1;
}

/* A histogram series being read: its labels but le, and its buckets. */
struct hist_state {
	char family[128], rest[1024];
	double last_le, inf;
	int buckets, has_inf, has_sum;
};

static void
parse_scrape(char *text, struct scrape *out)
{
	struct family fam[64];
	size_t nfam = 0, cap = 0, i;
	struct family *cur = NULL;
	struct hist_state h = {"", "", 0, 0, 0, 0, 0};
	char *line, *save = NULL, help_for[128] = "";

	memset(out, 0, sizeof(*out));
	out->text = text;
	cr_assert(text[0] != '\0', "empty scrape");
	cr_assert(text[strlen(text) - 1] == '\n', "no final newline");
	cr_assert_null(strchr(text, '\r'));
	cr_assert_null(strstr(text, "\n\n"), "blank line");
	text = strdup(text);
	cr_assert_not_null(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;
		char name[128], le[64], rest[1024], key[1400];
		size_t n;

		if (strncmp(line, "# HELP ", 7) == 0) {
			p += 7;
			n = name_len(p, 0);
			cr_assert(n > 0 && n < sizeof(name) && p[n] == ' ',
				  "bad HELP: %s", line);
			for (const char *q = p + n; *q; q++) {
				if (*q != '\\')
					continue;
				cr_assert(q[1] == '\\' || q[1] == 'n',
					  "bad escape in HELP: %s", line);
				q++;
			}
			snprintf(help_for, sizeof(help_for), "%.*s", (int)n, p);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			p += 7;
			n = name_len(p, 0);
			cr_assert(n > 0 && n < sizeof(name) && p[n] == ' ',
				  "bad TYPE: %s", line);
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			cr_assert_str_eq(help_for, name, "TYPE without HELP");
			for (i = 0; i < nfam; i++)
				cr_assert_str_neq(fam[i].name, name,
						  "family twice: %s", name);
			cr_assert_lt(nfam, 64);
			snprintf(fam[nfam].name, sizeof(fam[nfam].name), "%s",
				 name);
			p += n + 1;
			if (strcmp(p, "counter") == 0)
				fam[nfam].type = F_COUNTER;
			else if (strcmp(p, "gauge") == 0)
				fam[nfam].type = F_GAUGE;
			else if (strcmp(p, "histogram") == 0)
				fam[nfam].type = F_HISTOGRAM;
			else
				cr_assert_fail("unknown type: %s", line);
			cr_assert(!h.buckets || h.has_sum,
				  "histogram cut short before %s", name);
			memset(&h, 0, sizeof(h));
			cur = &fam[nfam++];
			continue;
		}
		cr_assert(line[0] != '#', "unexpected comment: %s", line);
		n = name_len(p, 0);
		cr_assert(n > 0 && n < sizeof(name), "bad name: %s", line);
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n;
		le[0] = rest[0] = '\0';
		if (*p == '{')
			parse_labels(&p, line, le, sizeof(le), rest,
				     sizeof(rest));
		cr_assert(*p == ' ', "expected a space: %s", line);
		snprintf(key, sizeof(key), "%.*s", (int)(p - line), line);
		/* Every sample belongs to the family typed last. */
		cr_assert_not_null(cur, "sample before any TYPE: %s", line);
		if (cur->type == F_HISTOGRAM) {
			size_t fl = strlen(cur->name);

			cr_assert(strncmp(name, cur->name, fl) == 0 &&
				      (strcmp(name + fl, "_bucket") == 0 ||
				       strcmp(name + fl, "_sum") == 0 ||
				       strcmp(name + fl, "_count") == 0),
				  "%s is not of histogram %s", name, cur->name);
		} else {
			cr_assert_str_eq(name, cur->name, "%s", line);
			cr_assert_str_eq(le, "", "le outside a histogram");
		}
		if (cur->type == F_COUNTER)
			cr_assert(ends_with(name, "_total"), "%s", name);
		if (cap == out->n) {
			cap = cap ? cap * 2 : 256;
			out->s = realloc(out->s, cap * sizeof(*out->s));
			cr_assert_not_null(out->s);
		}
		for (i = 0; i < out->n; i++)
			cr_assert_str_neq(out->s[i].key, key,
					  "series twice: %s", key);
		out->s[out->n].key = strdup(key);
		out->s[out->n].name = strdup(name);
		out->s[out->n].value = parse_value(p + 1, line);
		if (cur->type == F_COUNTER)
			cr_assert(out->s[out->n].value >= 0 &&
				      out->s[out->n].value ==
					  floor(out->s[out->n].value),
				  "a counter's value: %s", line);
		if (cur->type == F_HISTOGRAM) {
			double v = out->s[out->n].value;

			if (ends_with(name, "_bucket")) {
				double b = parse_value(le, line);

				cr_assert_str_neq(le, "", "bucket without le");
				if (h.buckets == 0 || h.has_sum) {
					/* A new series of the family. */
					memset(&h, 0, sizeof(h));
					snprintf(h.rest, sizeof(h.rest), "%s",
						 rest);
				} else {
					cr_assert_str_eq(h.rest, rest,
							 "buckets mixed: %s",
							 line);
					cr_assert(b > h.last_le,
						  "le not increasing: %s",
						  line);
					cr_assert(v >= h.inf,
						  "buckets not cumulative: %s",
						  line);
				}
				cr_assert(!h.has_inf, "bucket after +Inf");
				h.last_le = b;
				h.inf = v;
				h.has_inf = isinf(b) && b > 0;
				h.buckets++;
			} else if (ends_with(name, "_sum")) {
				cr_assert(h.buckets && h.has_inf && !h.has_sum,
					  "sum without buckets up to +Inf: "
					  "%s",
					  line);
				cr_assert_str_eq(h.rest, rest);
				h.has_sum = 1;
			} else {
				cr_assert(h.has_sum, "count before sum");
				cr_assert_str_eq(h.rest, rest);
				cr_assert_eq(v, h.inf,
					     "count is not the +Inf bucket: %s",
					     line);
				h.buckets = 0;
			}
		}
		out->n++;
	}
	cr_assert(!h.buckets, "histogram cut short at the end");
	free(text);
}

static void
scrape_free(struct scrape *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->s[i].key);
		free(s->s[i].name);
	}
	free(s->s);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

static void
scrape(struct scrape *s)
{
	struct itest_resp r;
	char *ct;

	itest_get("/metrics", NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	ct = itest_header(&r, "content-type");
	cr_assert_not_null(ct);
	cr_assert_str_eq(ct, "text/plain; version=0.0.4; charset=utf-8");
	free(ct);
	parse_scrape(r.body, s);
	r.body = NULL; /* s owns it */
	itest_resp_free(&r);
}

/* The value of a series, which must be there. */
static double
val(const struct scrape *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->s[i].key, key) == 0)
			return s->s[i].value;
	cr_assert_fail("no series %s in:\n%s", key, s->text);
	return 0;
}

/* The value of a series that appears once it has counted something. */
static double
val0(const struct scrape *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->s[i].key, key) == 0)
			return s->s[i].value;
	return 0;
}

/* What a series moved by from a to b. */
static long long
delta(const struct scrape *a, const struct scrape *b, const char *key)
{
	return llround(val(b, key) - val(a, key));
}

static long long
delta0(const struct scrape *a, const struct scrape *b, const char *key)
{
	return llround(val0(b, key) - val0(a, key));
}

/* --- requests from another loopback address ------------------------------- */

static size_t
discard(char *d, size_t size, size_t nmemb, void *userp)
{
	struct itest_resp *r = userp;
	size_t len = size * nmemb;
	char *q = realloc(r->body, r->body_len + len + 1);

	(void)d;
	if (q == NULL)
		return 0;
	memcpy(q + r->body_len, d, len);
	r->body_len += len;
	q[r->body_len] = '\0';
	r->body = q;
	return len;
}

/* method path from the source address src (127.0.0.2: on Linux all of
 * 127/8 is the loopback interface, so the stack sees another client). */
static void
http_from(const char *src, const char *method, const char *path,
	  struct itest_resp *r)
{
	char url[512], iface[64];
	CURL *c = curl_easy_init();
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	cr_assert_not_null(c);
	snprintf(url, sizeof(url), "%s%s", getenv("KC_TEST_URL"), path);
	snprintf(iface, sizeof(iface), "host!%s", src);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "%s %s from %s: %s", method, path, src,
		     curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	r->json = r->body ? json_loads(r->body, 0, NULL) : NULL;
}

Test(metrics, refused_to_addresses_not_allowed)
{
	static const char *const methods[] = {"GET", "POST", "DELETE"};
	struct itest_resp r, missing;
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		http_from("127.0.0.2", methods[i], "/nothing-here", &missing);
		cr_assert_eq(missing.status, 404);
		http_from("127.0.0.2", methods[i], "/metrics", &r);
		cr_expect_eq(r.status, 404, "%s /metrics from 127.0.0.2: %ld",
			     methods[i], r.status);
		itest_assert_like_missing(&r, &missing);
		cr_expect_null(strstr(r.body, "kaicalls_"));
		itest_resp_free(&r);
		itest_resp_free(&missing);
	}
	/* The same client may use the rest of the API: it is /metrics that
	 * is closed to it, not the connection. */
	http_from("127.0.0.2", "GET", "/livez", &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	/* And the allowed address is served. */
	http_from("127.0.0.1", "GET", "/metrics", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "\nkaicalls_database_up 1\n"));
	itest_resp_free(&r);
}

Test(metrics, strict_text_format)
{
	static const char *const statuses[] = {"pending", "in_flight", "failed",
					       "delivered", "dead"};
	struct scrape s;
	char key[128];
	size_t i;

	scrape(&s);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "kaicalls_deliveries{status=\"%s\"}",
			 statuses[i]);
		cr_assert_geq(val(&s, key), 0);
	}
	cr_assert_eq(val(&s, "kaicalls_database_up"), 1);
	cr_assert_geq(val(&s, "kaicalls_deliveries_due"), 0);
	cr_assert_eq(val(&s, "kaicalls_deliveries_due_truncated"), 0);
	cr_assert_geq(val(&s, "kaicalls_deliveries_due_oldest_seconds"), 0);
	cr_assert_geq(
	    val(&s, "kaicalls_delivery_attempts_total{outcome=\"ok\"}"), 0);
	cr_assert_geq(val(&s, "kaicalls_delivery_latency_seconds_count"), 0);
	cr_assert_not_null(strstr(s.text,
				  "# TYPE kaicalls_delivery_latency_seconds "
				  "histogram\n"));
	cr_assert_not_null(
	    strstr(s.text, "# TYPE kaicalls_http_request_duration_seconds "
			   "histogram\n"));
	scrape_free(&s);
}

/* --- delivery metrics ------------------------------------------------------
 */

/* The gauges are kept by triggers through everything the other tests did
 * (claims, retries, replays, retention): they must equal a count of the
 * table. Nothing writes deliveries meanwhile (see the top). */
Test(metrics, delivery_gauges_equal_the_table)
{
	static const char *const statuses[] = {"pending", "in_flight", "failed",
					       "delivered", "dead"};
	struct scrape s;
	char key[128], sql[256];
	size_t i;

	scrape(&s);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "kaicalls_deliveries{status=\"%s\"}",
			 statuses[i]);
		snprintf(sql, sizeof(sql),
			 "SELECT COUNT(*) FROM deliveries WHERE status = '%s'",
			 statuses[i]);
		cr_expect_eq(llround(val(&s, key)), itest_sql_int(sql), "%s",
			     statuses[i]);
	}
	cr_assert_eq(itest_sql_int("SELECT COUNT(*) FROM deliveries WHERE "
				   "status NOT IN ('pending', 'in_flight', "
				   "'failed', 'delivered', 'dead')"),
		     0);
	scrape_free(&s);
}

/* Attempts of the endpoint whose public id is ep. */
static long long
attempts_of(const char *ep)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM delivery_attempts a JOIN "
		 "webhook_endpoints w ON w.id = a.endpoint_id WHERE "
		 "w.public_id = '%s'",
		 ep);
	return itest_sql_int(sql);
}

static long long
deliveries_of(const char *biz, const char *status)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM deliveries d JOIN businesses b ON b.id "
		 "= d.business_id WHERE b.public_id = '%s' AND d.status = '%s'",
		 biz, status);
	return itest_sql_int(sql);
}

static const char *
outcome_key(const char *outcome, char *buf, size_t cap)
{
	snprintf(buf, cap, "kaicalls_delivery_attempts_total{outcome=\"%s\"}",
		 outcome);
	return buf;
}

Test(metrics, deliveries_and_attempts_move_by_what_happened)
{
	static const char *const statuses[] = {"pending", "in_flight", "failed",
					       "delivered", "dead"};
	struct itest_tenant t;
	struct itest_resp r;
	struct scrape s0, s1, s2;
	char ok[64], p500[64], p404[64], ep_ok[64], ep_500[64], ep_404[64],
	    ep_closed[64], key[160], body[256];
	const char *outcomes[] = {"ok", "http_5xx", "http_4xx", "transport"};
	const char *eps[4];
	long long want;
	size_t i;
	int st;
	json_t *v;

	itest_tenant_new(&t, "Metrics Co", "*");
	itest_rcv_path(ok, sizeof(ok));
	itest_rcv_path(p500, sizeof(p500));
	itest_rcv_path(p404, sizeof(p404));
	itest_rcv_mode(p500, "{\"status\":500}");
	itest_rcv_mode(p404, "{\"status\":404}");
	itest_rcv_endpoint(t.key, ok, NULL, ep_ok, NULL);
	itest_rcv_endpoint(t.key, p500, NULL, ep_500, NULL);
	itest_rcv_endpoint(t.key, p404, NULL, ep_404, NULL);
	/* Nothing listens on the discard port: the connection is refused. */
	snprintf(body, sizeof(body),
		 "{\"url\":\"https://127.0.0.1:9/closed\",\"event_types\":"
		 "[\"*\"]}");
	itest_post(t.key, "/v1/webhook-endpoints", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(ep_closed, sizeof(ep_closed), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	eps[0] = ep_ok;
	eps[1] = ep_500;
	eps[2] = ep_404;
	eps[3] = ep_closed;

	scrape(&s0);
	itest_lead(t.key, NULL);
	itest_lead(t.key, NULL);
	scrape(&s1);
	/* Two leads, four endpoints: eight deliveries owed, nothing else. */
	cr_assert_eq(deliveries_of(t.biz, "pending"), 8);
	cr_assert_eq(delta(&s0, &s1, "kaicalls_deliveries{status=\"pending\"}"),
		     8);
	for (i = 1; i < 5; i++) {
		snprintf(key, sizeof(key), "kaicalls_deliveries{status=\"%s\"}",
			 statuses[i]);
		cr_expect_eq(delta(&s0, &s1, key), 0, "%s", statuses[i]);
	}
	for (i = 0; i < 4; i++)
		cr_expect_eq(
		    delta(&s0, &s1, outcome_key(outcomes[i], key, sizeof(key))),
		    0);

	v = itest_deliver(t.biz, &st);
	cr_assert(st == 0 && v, "kcctl deliver failed (%d)", st);
	json_decref(v);
	scrape(&s2);
	/* Each status moved by what the table says of this business (all
	 * eight started pending), and nothing else moved. */
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "kaicalls_deliveries{status=\"%s\"}",
			 statuses[i]);
		want = deliveries_of(t.biz, statuses[i]) - (i == 0 ? 8 : 0);
		cr_expect_eq(delta(&s1, &s2, key), want, "%s", statuses[i]);
	}
	cr_assert_eq(deliveries_of(t.biz, "delivered"), 2);
	cr_assert_eq(deliveries_of(t.biz, "pending"), 0);
	/* One try per endpoint and lead at least, each under its outcome
	 * (a retry due within the run would be a second try, and counted). */
	for (i = 0; i < 4; i++) {
		want = attempts_of(eps[i]);
		cr_assert_geq(want, 2, "%s", outcomes[i]);
		cr_expect_eq(
		    delta(&s1, &s2, outcome_key(outcomes[i], key, sizeof(key))),
		    want, "%s", outcomes[i]);
	}
	cr_expect_eq(delta(&s1, &s2, outcome_key("timeout", key, sizeof(key))),
		     0);
	cr_expect_eq(delta(&s1, &s2, outcome_key("blocked", key, sizeof(key))),
		     0);
	cr_expect_eq(delta(&s1, &s2, outcome_key("http_3xx", key, sizeof(key))),
		     0);
	scrape_free(&s0);
	scrape_free(&s1);
	scrape_free(&s2);
}

Test(metrics, latency_histogram_observes_each_delivery)
{
	struct itest_tenant t;
	struct scrape s0, s1;
	char ok[64], ep[64], key[160], le[32], sql[512], *rows, *line,
	    *save = NULL;
	long long us[3], sum = 0, moved;
	size_t n = 0, i, k;
	int st;
	json_t *v;

	itest_tenant_new(&t, "Latency Co", "*");
	itest_rcv_path(ok, sizeof(ok));
	itest_rcv_endpoint(t.key, ok, NULL, ep, NULL);
	scrape(&s0);
	for (i = 0; i < 3; i++)
		itest_lead(t.key, NULL);
	v = itest_deliver(t.biz, &st);
	cr_assert(st == 0 && v, "kcctl deliver failed (%d)", st);
	json_decref(v);
	scrape(&s1);
	/* Each delivery's own creation-to-delivery time, as stored. */
	snprintf(sql, sizeof(sql),
		 "SELECT TIMESTAMPDIFF(MICROSECOND, d.created_at, "
		 "d.delivered_at) FROM deliveries d JOIN businesses b ON b.id "
		 "= d.business_id WHERE b.public_id = '%s' AND d.status = "
		 "'delivered'",
		 t.biz);
	rows = itest_sql_root(sql);
	for (line = strtok_r(rows, "\n", &save); line && n < 3;
	     line = strtok_r(NULL, "\n", &save)) {
		us[n] = strtoll(line, NULL, 10);
		sum += us[n++];
	}
	free(rows);
	cr_assert_eq(n, 3, "three deliveries delivered");
	cr_assert_eq(delta(&s0, &s1, "kaicalls_delivery_latency_seconds_count"),
		     3);
	/* Every bucket moved by the observations at or under its bound. */
	for (k = 0; k <= KC_DM_LATENCY_BOUNDS; k++) {
		long long expect = 0;

		if (k < KC_DM_LATENCY_BOUNDS)
			snprintf(le, sizeof(le), "%g", kc_dm_latency_bounds[k]);
		else
			snprintf(le, sizeof(le), "+Inf");
		for (i = 0; i < 3; i++)
			if (k == KC_DM_LATENCY_BOUNDS ||
			    us[i] <= llround(kc_dm_latency_bounds[k] * 1e6))
				expect++;
		snprintf(key, sizeof(key),
			 "kaicalls_delivery_latency_seconds_bucket{le=\"%s\"}",
			 le);
		cr_expect_eq(delta(&s0, &s1, key), expect, "le=%s", le);
	}
	moved = llround((val(&s1, "kaicalls_delivery_latency_seconds_sum") -
			 val(&s0, "kaicalls_delivery_latency_seconds_sum")) *
			1e6);
	cr_assert_eq(moved, sum, "sum moved by %lld us, not %lld", moved, sum);
	scrape_free(&s0);
	scrape_free(&s1);
}

/* The claim's index gives the due backlog; nothing claims meanwhile, so
 * the due set only grows with time (retries and leases coming due) and
 * its oldest only ages: a scrape must lie between two counts made by
 * hand just before and just after it. */
Test(metrics, due_backlog_and_its_oldest)
{
	static const char count_sql[] =
	    "SELECT COUNT(*) FROM deliveries WHERE next_attempt_at <= "
	    "UTC_TIMESTAMP(6)";
	static const char oldest_sql[] =
	    "SELECT TIMESTAMPDIFF(MICROSECOND, MIN(next_attempt_at), "
	    "UTC_TIMESTAMP(6)) FROM deliveries WHERE next_attempt_at <= "
	    "UTC_TIMESTAMP(6)";
	struct itest_tenant t;
	struct scrape s;
	struct kc_config cfg;
	struct kc_delivery_metrics m;
	struct kc_db *db;
	char ok[64], ep[64], err[512];
	long long c0, c1, a0, a1, due, oldest;

	itest_tenant_new(&t, "Backlog Co", "*");
	itest_rcv_path(ok, sizeof(ok));
	itest_rcv_endpoint(t.key, ok, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	itest_lead(t.key, NULL);
	itest_lead(t.key, NULL);
	c0 = itest_sql_int(count_sql);
	a0 = itest_sql_int(oldest_sql);
	scrape(&s);
	c1 = itest_sql_int(count_sql);
	a1 = itest_sql_int(oldest_sql);
	due = llround(val(&s, "kaicalls_deliveries_due"));
	oldest =
	    llround(val(&s, "kaicalls_deliveries_due_oldest_seconds") * 1e6);
	cr_assert_geq(c0, 3, "this test's three deliveries are due");
	cr_assert_lt(c1, KC_DUE_COUNT_LIMIT);
	cr_assert(c0 <= due && due <= c1, "%lld due, counted %lld then %lld",
		  due, c0, c1);
	cr_assert(a0 <= oldest && oldest <= a1,
		  "oldest %lld us, measured %lld then %lld", oldest, a0, a1);
	cr_assert_eq(val(&s, "kaicalls_deliveries_due_truncated"), 0);
	scrape_free(&s);

	/* The count stops at its limit and says so. */
	cr_assert_eq(kc_config_load(&cfg, NULL, err, sizeof(err)), 0, "%s",
		     err);
	db = kc_db_open(&cfg, err, sizeof(err));
	cr_assert_not_null(db, "%s", err);
	cr_assert_eq(kc_delivery_metrics_read(db, 2, &m), 0);
	cr_assert_eq(m.due, 2);
	cr_assert_eq(m.due_truncated, 1);
	cr_assert_eq(kc_delivery_metrics_read(db, c0, &m), 0);
	cr_assert_eq(m.due, c0);
	cr_assert_eq(m.due_truncated, 1);
	cr_assert_eq(kc_delivery_metrics_read(db, KC_DUE_COUNT_LIMIT, &m), 0);
	cr_assert_geq(m.due, c0);
	cr_assert_eq(m.due_truncated, 0);
	kc_db_close(db);
	kc_config_free(&cfg);
}

/* --- API request metrics -----------------------------------------------------
 */

#define REQ(m, route, code)                                                    \
	"kaicalls_http_requests_total{method=\"" m "\",route=\"" route         \
	"\",code=\"" code "\"}"
#define DUR(m, route, code, suffix)                                            \
	"kaicalls_http_request_duration_seconds" suffix "{method=\"" m         \
	"\",route=\"" route "\",code=\"" code "\"}"

Test(metrics, api_requests_by_route_pattern)
{
	struct itest_tenant t;
	struct itest_resp r;
	struct scrape s0, s1;
	char path[160], lead[64];

	itest_tenant_new(&t, "Requests Co", "*");
	itest_lead(t.key, NULL);
	itest_get("/v1/leads?limit=1", t.key, &r);
	cr_assert_eq(r.status, 200);
	snprintf(lead, sizeof(lead), "%s",
		 itest_jstr(json_array_get(json_object_get(r.json, "data"), 0),
			    "id"));
	itest_resp_free(&r);

	scrape(&s0);
	snprintf(path, sizeof(path), "/v1/leads/%s", lead);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	itest_get("/v1/leads/lead_doesnotexist", t.key, &r);
	cr_assert_eq(r.status, 404);
	itest_resp_free(&r);
	itest_get("/v1/no-such-thing/42", t.key, &r);
	cr_assert_eq(r.status, 404);
	itest_resp_free(&r);
	itest_get(path, NULL, &r);
	cr_assert_eq(r.status, 401);
	itest_resp_free(&r);
	itest_lead(t.key, NULL);
	scrape(&s1);

	cr_expect_eq(delta0(&s0, &s1, REQ("GET", "/v1/leads/{id}", "200")), 2);
	cr_expect_eq(delta0(&s0, &s1, REQ("GET", "/v1/leads/{id}", "404")), 1);
	cr_expect_eq(delta0(&s0, &s1, REQ("GET", "/v1/leads/{id}", "401")), 1);
	cr_expect_eq(delta0(&s0, &s1, REQ("GET", "unmatched", "404")), 1);
	cr_expect_eq(delta0(&s0, &s1, REQ("POST", "/v1/leads", "201")), 1);
	/* The first scrape is in the second. */
	cr_expect_eq(delta0(&s0, &s1, REQ("GET", "/metrics", "200")), 1);
	cr_expect_eq(delta0(&s0, &s1, REQ("GET", "/v1/leads", "200")), 0);
	/* The histogram saw the same requests. */
	cr_expect_eq(
	    delta0(&s0, &s1, DUR("GET", "/v1/leads/{id}", "200", "_count")), 2);
	cr_expect_eq(delta0(&s0, &s1,
			    "kaicalls_http_request_duration_seconds_bucket{"
			    "method=\"GET\",route=\"/v1/leads/{id}\",code="
			    "\"200\",le=\"+Inf\"}"),
		     2);
	cr_expect_gt(val(&s1, DUR("GET", "/v1/leads/{id}", "200", "_sum")),
		     val0(&s0, DUR("GET", "/v1/leads/{id}", "200", "_sum")));
	/* Routes, not paths: no id ever becomes a label. */
	cr_expect_null(strstr(s1.text, lead));
	cr_expect_null(strstr(s1.text, "lead_doesnotexist"));
	cr_expect_null(strstr(s1.text, "no-such-thing"));
	scrape_free(&s0);
	scrape_free(&s1);
}

/* kcctl maintain folds the counter rows of connections that have ended
 * into shard 0, and the sums do not move: every kcctl run before this one
 * left rows of its own connection behind. */
Test(metrics, maintain_folds_ended_connections_and_keeps_the_sums)
{
	const char *args[] = {"maintain", NULL};
	long long before_rows, after_rows, live;
	struct scrape a, b;
	json_t *v;
	int st;

	scrape(&a);
	before_rows =
	    itest_sql_int("SELECT COUNT(*) FROM metric_counters WHERE "
			  "shard <> 0");
	cr_assert_gt(before_rows, 0, "kcctl runs left no rows of their own");
	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl maintain failed");
	cr_expect_gt(itest_jint(v, "metric_shards_folded"), 0);
	json_decref(v);
	/* What is left outside shard 0 belongs to live connections only. */
	live = itest_sql_int(
	    "SELECT COUNT(*) FROM metric_counters WHERE shard <> 0 AND shard - "
	    "1 NOT IN (SELECT ID FROM information_schema.PROCESSLIST)");
	after_rows = itest_sql_int("SELECT COUNT(*) FROM metric_counters WHERE "
				   "shard <> 0");
	cr_expect_eq(live, 0, "rows of ended connections remain");
	cr_expect_lt(after_rows, before_rows);
	scrape(&b);
	cr_expect_eq(delta(&a, &b, "kaicalls_deliveries{status=\"delivered\"}"),
		     0);
	cr_expect_eq(delta(&a, &b, "kaicalls_deliveries{status=\"dead\"}"), 0);
	cr_expect_eq(delta(&a, &b,
			   "kaicalls_delivery_attempts_total{outcome="
			   "\"ok\"}"),
		     0);
	scrape_free(&a);
	scrape_free(&b);
}
