#include "itest.h"
#include "itest_sql.h"
#include "kc_hours.h"
#include "kc_nanp.h"
#include "kc_phone.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static const char *
base_url(void)
{
	const char *u = getenv("KC_TEST_URL");

	cr_assert(u != NULL && *u != '\0',
		  "KC_TEST_URL is not set: run the integration tests through "
		  "scripts/test, which starts the stack");
	return u;
}

void
itest_http(const char *method, const char *path, const char *key,
	   const char *body, size_t body_len, const char *const *extra,
	   struct itest_resp *out)
{
	struct sink b = {NULL, 0}, h = {NULL, 0};
	struct curl_slist *hdrs = NULL;
	char url[4096], auth[256];
	CURL *c;
	CURLcode rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (strncmp(path, "https://", 8) == 0)
		snprintf(url, sizeof(url), "%s", path);
	else
		snprintf(url, sizeof(url), "%s%s", base_url(), path);
	c = curl_easy_init();
	cr_assert(c != NULL);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (getenv("KC_DELIVERY_CA_FILE"))
		curl_easy_setopt(c, CURLOPT_CAINFO,
				 getenv("KC_DELIVERY_CA_FILE"));
	if (key) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (i = 0; extra && extra[i]; i++)
		hdrs = curl_slist_append(hdrs, extra[i]);
	/* A bodyless POST still says Content-Length: 0, as HTTP clients
	 * do; lighttpd answers 411 otherwise. */
	if (body == NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "DELETE") != 0)
		body = "";
	if (body) {
		hdrs =
		    curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	cr_assert(rc == CURLE_OK, "%s %s: %s", method, path,
		  curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	out->body = b.p ? b.p : strdup("");
	out->body_len = b.n;
	out->headers = h.p ? h.p : strdup("");
	for (i = 0; out->headers[i]; i++)
		out->headers[i] = (char)tolower((unsigned char)out->headers[i]);
	out->json = json_loadb(out->body, out->body_len, 0, NULL);
}

void
itest_resp_free(struct itest_resp *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

char *
itest_header(const struct itest_resp *r, const char *name)
{
	char pat[128], *p, *e;
	size_t i;

	snprintf(pat, sizeof(pat), "\n%s:", name);
	for (i = 0; pat[i]; i++)
		pat[i] = (char)tolower((unsigned char)pat[i]);
	if ((p = strstr(r->headers, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	e = strpbrk(p, "\r\n");
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

json_t *
itest_kcctl(int *status, const char *const *args)
{
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	const char *argv[32];
	struct sink out = {NULL, 0};
	char buf[4096];
	int pfd[2], st;
	size_t n = 0, i;
	ssize_t r;
	pid_t pid;
	json_t *v;

	cr_assert(kcctl && conf, "KC_KCCTL and KC_CONF must be set");
	argv[n++] = kcctl;
	argv[n++] = "--conf";
	argv[n++] = conf;
	argv[n++] = "--json";
	for (i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert(pipe(pfd) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* kcctl's own log goes to KC_ITEST_LOG (scripts/test keeps it
		 * with the other logs), else nowhere. */
		const char *log = getenv("KC_ITEST_LOG");
		int errfd = open(log ? log : "/dev/null",
				 O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(pfd[1], 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		close(pfd[0]);
		execv(kcctl, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], buf, sizeof(buf))) > 0)
		collect(buf, 1, (size_t)r, &out);
	close(pfd[0]);
	waitpid(pid, &st, 0);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	v = out.p ? json_loads(out.p, 0, NULL) : NULL;
	free(out.p);
	return v;
}

void
itest_key_new(const struct itest_tenant *t, const char *scopes, char *key,
	      char *key_id)
{
	const char *with[] = {"key",      "create", "--business",
			      t->biz,     "--name", "itest",
			      "--scopes", scopes,   NULL};
	const char *without[] = {"key",    "create", "--business", t->biz,
				 "--name", "itest",  NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, scopes ? with : without);
	cr_assert(st == 0 && v, "kcctl key create failed (%d)", st);
	snprintf(key, 64, "%s", json_string_value(json_object_get(v, "key")));
	snprintf(key_id, 64, "%s", json_string_value(json_object_get(v, "id")));
	json_decref(v);
}

void
itest_key_unlimited(const char *key_id)
{
	const char *args[] = {
	    "key",          "set-limits", key_id,          "--read-rate", "off",
	    "--write-rate", "off",        "--ingest-rate", "off",         NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl key set-limits failed (%d)", st);
	json_decref(v);
}

void
itest_tenant_new(struct itest_tenant *t, const char *name, const char *scopes)
{
	const char *args[] = {"business", "create", name, NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl business create failed (%d)", st);
	snprintf(t->biz, sizeof(t->biz), "%s",
		 json_string_value(json_object_get(v, "id")));
	json_decref(v);
	itest_key_new(t, scopes, t->key, t->key_id);
}

void
itest_random_number(char *out, size_t cap)
{
	unsigned char r[4];
	FILE *f = fopen("/dev/urandom", "r");

	cr_assert(f && fread(r, 1, sizeof(r), f) == sizeof(r));
	fclose(f);
	unsigned v = (unsigned)(r[0] << 16 | r[1] << 8 | r[2]);
	/* A dialable NANP number: exchange 200-999 but never N11 (the
	 * compliance checks refuse the rest), then any four digits. */
	unsigned exchange = 200 + v % 800, line = (v / 800) % 10000;

	if (exchange % 100 == 11)
		exchange += 1;
	snprintf(out, cap, "+1555%03u%04u", exchange, line);
}

const char *
itest_jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

void
itest_post(const char *key, const char *path, const char *body,
	   struct itest_resp *r)
{
	itest_http("POST", path, key, body, body ? strlen(body) : 0, NULL, r);
}

size_t
itest_count(const char *key, const char *path)
{
	struct itest_resp r;
	size_t n;

	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
	n = json_array_size(json_object_get(r.json, "data"));
	itest_resp_free(&r);
	return n;
}

void
itest_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *
receiver_url(void)
{
	const char *u = getenv("KC_RECEIVER_URL");

	cr_assert(u != NULL && *u != '\0',
		  "KC_RECEIVER_URL is not set: run through scripts/test");
	return u;
}

void
itest_rcv_path(char *out, size_t cap)
{
	unsigned char r[8];
	FILE *f = fopen("/dev/urandom", "r");

	cr_assert(f && fread(r, 1, sizeof(r), f) == sizeof(r));
	fclose(f);
	snprintf(out, cap, "/t/%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7]);
}

void
itest_rcv_mode(const char *path, const char *mode)
{
	char url[512];
	struct itest_resp r;

	snprintf(url, sizeof(url), "%s/_mode%s", receiver_url(), path);
	itest_http("POST", url, NULL, mode, strlen(mode), NULL, &r);
	cr_assert_eq(r.status, 200, "receiver mode: %s", r.body);
	itest_resp_free(&r);
}

static json_t *
rcv_log(const char *path, int bodies)
{
	char url[512];
	struct itest_resp r;
	json_t *v;

	snprintf(url, sizeof(url), "%s/_log%s%s", receiver_url(), path,
		 bodies ? "?bodies=1" : "");
	itest_http("GET", url, NULL, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "receiver log: %s", r.body);
	v = json_incref(r.json);
	itest_resp_free(&r);
	return v;
}

json_t *
itest_rcv_log(const char *path)
{
	return rcv_log(path, 1);
}

size_t
itest_rcv_count(const char *path)
{
	/* Without the bodies: tests poll this in tight loops. */
	json_t *v = rcv_log(path, 0);
	size_t n = (size_t)json_integer_value(json_object_get(v, "count"));

	json_decref(v);
	return n;
}

void
itest_rcv_endpoint(const char *key, const char *path, const char *types,
		   char *id, char *secret)
{
	char body[1024];
	struct itest_resp r;

	snprintf(body, sizeof(body), "{\"url\":\"%s%s\",\"event_types\":%s}",
		 receiver_url(), path, types ? types : "[\"*\"]");
	itest_post(key, "/v1/webhook-endpoints", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	if (secret)
		snprintf(secret, 80, "%s", itest_jstr(r.json, "secret"));
	itest_resp_free(&r);
}

json_t *
itest_deliver(const char *biz, int *status)
{
	const char *args[] = {"deliver", "--business", biz, NULL};

	return itest_kcctl(status, args);
}

void
itest_lead(const char *key, char *event_id)
{
	struct itest_resp r;
	char phone[32], body[256];

	itest_random_number(phone, sizeof(phone));
	snprintf(body, sizeof(body),
		 "{\"name\":\"Delivery Test\",\"phone\":\"%s\","
		 "\"intent\":\"booking\"}",
		 phone);
	itest_post(key, "/v1/leads", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
	if (event_id) {
		/* The newest event of the business is this lead's. */
		itest_get("/v1/events?limit=1", key, &r);
		cr_assert_eq(r.status, 200);
		snprintf(event_id, 64, "%s",
			 itest_jstr(
			     json_array_get(json_object_get(r.json, "data"), 0),
			     "id"));
		itest_resp_free(&r);
	}
}

long long
itest_jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

void
itest_msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0)
		;
}

long long
itest_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
itest_mono_ms(void)
{
	return itest_mono_us() / 1000;
}

int
itest_admin_sql(const char *sql)
{
	return itest_sql(ITEST_SQL_ROOT, sql, NULL);
}

void
itest_admin_value(const char *sql, char *out, size_t cap)
{
	char *all = itest_sql_root(sql);

	snprintf(out, cap, "%.*s", (int)strcspn(all, "\t\n"), all);
	free(all);
}

void
itest_missing_id(const char *real, char *out, size_t cap)
{
	const char *us = strchr(real, '_');
	size_t i, n = strlen(real);

	cr_assert(us && n < cap, "not an id: %s", real);
	memcpy(out, real, n + 1);
	for (i = (size_t)(us - real) + 1; i < n; i++)
		out[i] = '0';
	cr_assert_str_neq(out, real);
}

void
itest_assert_like_missing(const struct itest_resp *theirs,
			  const struct itest_resp *missing)
{
	json_t *a, *b;

	cr_assert_eq(theirs->status, missing->status,
		     "another business's id: %ld %s; a missing one: %ld %s",
		     theirs->status, theirs->body, missing->status,
		     missing->body);
	cr_assert(theirs->status >= 400 && theirs->status < 500, "%ld %s",
		  theirs->status, theirs->body);
	cr_assert(theirs->json && missing->json, "%s | %s", theirs->body,
		  missing->body);
	/* Every member but the request's own id. */
	a = json_deep_copy(theirs->json);
	b = json_deep_copy(missing->json);
	json_object_del(a, "request_id");
	json_object_del(b, "request_id");
	cr_assert(json_equal(a, b),
		  "another business's id: %s\na missing one: %s", theirs->body,
		  missing->body);
	json_decref(a);
	json_decref(b);
}

/* Whether kcctl dnc status says the registry is fresh. */
static int
registry_fresh(void)
{
	const char *args[] = {"dnc", "status", NULL};
	json_t *v;
	int st, fresh;

	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl dnc status (%d)", st);
	cr_assert(json_is_boolean(json_object_get(v, "stale")),
		  "kcctl dnc status says nothing of staleness");
	fresh = json_is_false(json_object_get(v, "stale"));
	json_decref(v);
	return fresh;
}

void
itest_dnc_registry_fresh(void)
{
	const char *dir = getenv("KC_VAR");
	const char *args[] = {"dnc", "import", NULL, NULL};
	long long deadline = itest_mono_ms() + 30000;
	char path[256];
	int fd, st;

	while (!registry_fresh()) {
		cr_assert(itest_mono_ms() < deadline,
			  "no fresh DNC registry after 30 s of imports");
		snprintf(path, sizeof(path), "%s/dnc-fresh-XXXXXX",
			 dir && *dir ? dir : "/tmp");
		fd = mkstemp(path);
		cr_assert(fd >= 0);
		cr_assert_eq(write(fd, "2015550100\n", 11), 11);
		close(fd);
		args[2] = path;
		/* Another test's import may hold the lock: then this one
		 * fails, and the next status shows that one's. */
		json_decref(itest_kcctl(&st, args));
		unlink(path);
		if (st != 0)
			itest_msleep(100);
	}
}

/* --- numbers and calling hours --------------------------------------- */

void
itest_number_in(int npa, char *out, size_t cap)
{
	char r[16];

	do {
		/* +1555 and seven random digits: d[0..6]. */
		itest_random_number(r, sizeof(r));
		r[5] = (char)('2' + (r[5] - '0') % 8);
	} while (r[6] == '1' && r[7] == '1');
	snprintf(out, cap, "+1%d%.7s", npa, r + 5);
	cr_assert(kc_phone_dialable(out), "%s", out);
}

int
itest_hours_all_inside(const char *const *zones, size_t n, int start, int end)
{
	struct kc_hours_zone j[KC_HOURS_ZONES_MAX];
	int allowed;

	return kc_hours_judge(zones, n, time(NULL) - 300, start, end, j,
			      &allowed) == 0 &&
	       allowed &&
	       kc_hours_judge(zones, n, time(NULL) + 300, start, end, j,
			      &allowed) == 0 &&
	       allowed;
}

/* Whether now is outside 08:00-21:00 in every zone, with the margin. */
static int
all_outside(const char *const *zones, size_t n)
{
	struct kc_hours_zone j[KC_HOURS_ZONES_MAX];
	int allowed;
	size_t i;
	time_t t;

	for (t = time(NULL) - 300; t <= time(NULL) + 300; t += 600) {
		if (kc_hours_judge(zones, n, t, KC_HOURS_EARLIEST,
				   KC_HOURS_LATEST, j, &allowed) != 0)
			return 0;
		for (i = 0; i < n; i++)
			if (j[i].allowed)
				return 0;
	}
	return 1;
}

int
itest_npa_where(int inside)
{
	size_t i, n;

	for (i = 0; i < kc_nanp_tz_count; i++) {
		const struct kc_nanp_tz *t = &kc_nanp_tz_table[i];

		for (n = 0; n < KC_NANP_TZ_MAX && t->zones[n]; n++)
			;
		if (n == 0 || t->npa % 100 == 11)
			continue;
		if (inside
			? itest_hours_all_inside(t->zones, n, KC_HOURS_EARLIEST,
						 KC_HOURS_LATEST)
			: all_outside(t->zones, n))
			return t->npa;
	}
	return 0;
}

void
itest_wait_received(const char *path, size_t n, long long within_ms)
{
	long long deadline = itest_mono_ms() + within_ms;
	size_t got;

	while ((got = itest_rcv_count(path)) < n) {
		cr_assert(itest_mono_ms() < deadline,
			  "%zu of %zu requests arrived within %lld ms", got, n,
			  within_ms);
		itest_msleep(10);
	}
}

void
itest_expect_latency(const char *path, size_t n, long long max_ms)
{
	json_t *log = itest_rcv_log(path);
	long long lat;
	size_t i;

	for (i = 0; i < n; i++) {
		lat = itest_jint(
		    json_array_get(json_object_get(log, "requests"), i),
		    "latency_ms");
		cr_expect(lat >= 0 && lat < max_ms,
			  "event %zu to %s arrived %lld ms after it was made",
			  i, path, lat);
	}
	json_decref(log);
}

pid_t
itest_worker_spawn(const char *biz, const char *window, int *fd)
{
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	const char *log = getenv("KC_ITEST_LOG");
	int p[2], f;
	pid_t pid;

	cr_assert(kcctl && conf, "KC_KCCTL and KC_CONF must be set");
	cr_assert(pipe(p) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		f = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND,
			 0600);
		dup2(p[1], 1);
		if (f >= 0)
			dup2(f, 2);
		for (f = 3; f < 1024; f++)
			close(f);
		if (biz)
			execl(kcctl, kcctl, "--conf", conf, "--json", "deliver",
			      "--business", biz, "--for", window, (char *)NULL);
		else
			execl(kcctl, kcctl, "--conf", conf, "--json", "deliver",
			      "--for", window, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

json_t *
itest_worker_done(pid_t pid, int fd)
{
	kill(pid, SIGTERM);
	return itest_worker_wait(pid, fd);
}

json_t *
itest_worker_wait(pid_t pid, int fd)
{
	char buf[8192];
	size_t n = 0;
	ssize_t got;
	json_t *v;
	int st;

	while (n < sizeof(buf) - 1 &&
	       (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(fd);
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker exit %d", st);
	v = json_loads(buf, 0, NULL);
	cr_assert(v != NULL, "worker output: %s", buf);
	return v;
}
