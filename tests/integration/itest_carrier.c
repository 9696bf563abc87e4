#include "itest_carrier.h"
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink {
	char *p;
	size_t n;
};

static size_t
collect(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sink *s = userp;
	size_t len = size * nmemb;
	char *q = realloc(s->p, s->n + len + 1);

	if (q == NULL)
		return 0;
	memcpy(q + s->n, data, len);
	s->n += len;
	q[s->n] = '\0';
	s->p = q;
	return len;
}

static json_t *
carrier_http(const char *method, const char *path, const char *json,
	     long *status)
{
	const char *base = getenv("KC_FAKE_CARRIER_URL");
	const char *ca = getenv("KC_FAKE_CARRIER_CA");
	struct sink b = {NULL, 0};
	struct curl_slist *h = NULL;
	char url[2048];
	json_t *v;
	CURL *c;
	CURLcode rc;

	cr_assert(base && *base && ca && *ca,
		  "KC_FAKE_CARRIER_URL and KC_FAKE_CARRIER_CA are not set: run "
		  "through scripts/test, which starts the fake carrier");
	snprintf(url, sizeof(url), "%s%s", base, path);
	c = curl_easy_init();
	cr_assert_not_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (json) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	}
	rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path,
		     curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	v = json_loads(b.p ? b.p : "", 0, NULL);
	cr_assert_not_null(v, "the fake carrier answered %s %s with %s", method,
			   path, b.p ? b.p : "nothing");
	free(b.p);
	return v;
}

void
itest_carrier_phone(char *out, size_t cap)
{
	unsigned char r[8];
	FILE *f = fopen("/dev/urandom", "r");

	cr_assert(f && fread(r, 1, sizeof(r), f) == sizeof(r));
	fclose(f);
	snprintf(out, cap, "+1%u%02u%u%02u%04u", 2 + r[0] % 8, r[1] % 100,
		 2 + r[2] % 8, r[3] % 100,
		 (unsigned)(r[4] << 8 | r[5]) % 10000);
}

json_t *
itest_carrier_post(const char *path, const char *json, long *status)
{
	return carrier_http("POST", path, json, status);
}

void
itest_carrier_mode(const char *number, const char *fields)
{
	char body[2048];
	long st;
	json_t *v;

	snprintf(body, sizeof(body), "{\"number\":\"%s\",%s}", number, fields);
	v = carrier_http("POST", "/_control/number", body, &st);
	cr_assert_eq(st, 200, "fake carrier mode %s", body);
	json_decref(v);
}

json_t *
itest_carrier_log(const char *number)
{
	char path[128];
	long st;
	json_t *v;

	/* '+' in a query is a space. */
	snprintf(path, sizeof(path), "/_log?to=%%2B%s", number + 1);
	v = carrier_http("GET", path, NULL, &st);
	cr_assert_eq(st, 200);
	return v;
}

void
itest_carrier_config(struct kc_config *cfg)
{
	char err[512] = "";

	cr_assert_eq(kc_config_load(cfg, NULL, err, sizeof(err)), 0,
		     "KC_CONF: %s", err);
	cr_assert_not_null(cfg->carrier_auth_token,
			   "the stack's configuration has no carrier "
			   "(scripts/lib.sh, kc_carrier_conf)");
}
