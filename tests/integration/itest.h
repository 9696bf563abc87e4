/* Helpers for the integration tests: HTTP to the running stack (libcurl)
 * and kcctl against the same database. Both come from the environment that
 * scripts/test sets: KC_TEST_URL, KC_KCCTL and KC_CONF. */
#ifndef ITEST_H
#define ITEST_H

#include <jansson.h>
#include <sys/types.h>
#include <stddef.h>

struct itest_resp {
	long status;
	char *body;
	size_t body_len;
	char *headers; /* raw header block, lower-cased */
	json_t *json;  /* parsed body, or NULL */
};

/* Criterion suite init: libcurl's global state. */
void itest_setup(void);

/* Sends one request; key and body may be NULL. Extra headers may be NULL
 * or a NULL-terminated list of "Name: value" strings. */
void itest_http(const char *method, const char *path, const char *key,
		const char *body, size_t body_len, const char *const *extra,
		struct itest_resp *out);
#define itest_get(path, key, out)                                              \
	itest_http("GET", path, key, NULL, 0, NULL, out)
void itest_resp_free(struct itest_resp *r);
/* The value of a response header (case-insensitive), malloc'd, or NULL. */
char *itest_header(const struct itest_resp *r, const char *name);

/* Runs kcctl --json with the given arguments; returns its parsed stdout
 * (or NULL) and sets *status to its exit status. */
json_t *itest_kcctl(int *status, const char *const *args);

struct itest_tenant {
	char biz[64];
	char key[64];
	char key_id[64];
};

/* A fresh business with one key of the given scopes (NULL: default). */
void itest_tenant_new(struct itest_tenant *t, const char *name,
		      const char *scopes);
/* Lifts every rate limit of the key (kcctl key set-limits ... off), at
 * once if it was never used: for tests that set up hundreds of objects
 * through the API as fast as it answers, which the default limits would
 * rightly refuse. */
void itest_key_unlimited(const char *key_id);
/* Another key for an existing business. */
void itest_key_new(const struct itest_tenant *t, const char *scopes, char *key,
		   char *key_id);
/* A string member of o, or NULL. */
const char *itest_jstr(const json_t *o, const char *k);
/* POST body (may be NULL: an empty body) to path with key. */
void itest_post(const char *key, const char *path, const char *body,
		struct itest_resp *r);
/* The number of items in the first page of a list (asserts 200). */
size_t itest_count(const char *key, const char *path);
/* An integer member of o (0 when absent). */
long long itest_jint(const json_t *o, const char *k);
/* A monotonic clock in milliseconds (for deadlines), and in microseconds
 * (for timings near a limit, where rounding to ms would matter). */
long long itest_mono_ms(void);
long long itest_mono_us(void);
/* Runs SQL as the private MariaDB's root (itest_sql.h): for what the API
 * cannot do, such as making the database fail or stall or writing rows no
 * code path writes. Returns the client's exit status. */
int itest_admin_sql(const char *sql);
/* The first column of the first row of sql, as text (asserts success). */
void itest_admin_value(const char *sql, char *out, size_t cap);
/* An id of the same kind and length as real that names nothing. */
void itest_missing_id(const char *real, char *out, size_t cap);
/* Asserts that theirs (a request naming another business's object) got
 * exactly the answer that missing (the same request naming an id that
 * never existed) got: same status, same problem body but for its
 * request_id. */
void itest_assert_like_missing(const struct itest_resp *theirs,
			       const struct itest_resp *missing);
/* Sleeps ms milliseconds, whatever signals arrive. */
void itest_msleep(long ms);
/* A fresh random E.164 number in the 555 area code that the NANP rules
 * accept (exchange 2-9, not N11). */
void itest_random_number(char *out, size_t cap);

/* Makes sure the national DNC registry is not stale (kcctl dnc status),
 * importing one of a single number (+12015550100) when it is: marketing
 * is blocked without one (dnc_registry_stale). For tests that send
 * marketing; safe when several run at once (one import wins, the others
 * see it). */
void itest_dnc_registry_fresh(void);

/* A random valid number in area code npa (exchange 2-9, not N11). */
void itest_number_in(int npa, char *out, size_t cap);
/* Whether now is inside [start, end) minutes in every zone of zones,
 * each judged with a margin of five minutes on both sides. */
int itest_hours_all_inside(const char *const *zones, size_t n, int start,
			   int end);
/* An area code of the NANP table all of whose zones are outside
 * 08:00-21:00 now, or inside (with a margin); 0 when none is. */
int itest_npa_where(int inside);

/* The test receiver (tests/receiver/receiver.mjs) at KC_RECEIVER_URL,
 * trusted through KC_DELIVERY_CA_FILE. Paths are per test (random). */
void itest_rcv_path(char *out, size_t cap);
/* What path answers: {"status":500, "retry_after":"5", "delay_ms":..,
 * "body_bytes":.., "location":..}. */
void itest_rcv_mode(const char *path, const char *mode);
/* {"count":N, "max_concurrent":M, "requests":[{"id","timestamp",
 * "signature","user_agent","content_type","latency_ms","received_ms",
 * "body","body_b64"}...]} received on path; body_b64 is the body's bytes
 * exactly as they arrived, max_concurrent the most requests open at once. */
json_t *itest_rcv_log(const char *path);
size_t itest_rcv_count(const char *path);
/* An enabled endpoint at the receiver's path (types NULL: all); id needs
 * 64 bytes, secret (may be NULL) 80. */
void itest_rcv_endpoint(const char *key, const char *path, const char *types,
			char *id, char *secret);
/* kcctl deliver --business biz: sends what is due, then returns. */
json_t *itest_deliver(const char *biz, int *status);
/* Polls the receiver until path has received n requests, failing the
 * test after within_ms. */
void itest_wait_received(const char *path, size_t n, long long within_ms);
/* Expects each of the first n requests path received to have arrived
 * less than max_ms after its event was created (latency_ms). */
void itest_expect_latency(const char *path, size_t n, long long max_ms);
/* kcctl deliver --for window in the background, for business biz (NULL:
 * every business); its JSON output to a pipe (*fd), its log to
 * KC_ITEST_LOG. No other descriptor of the test goes with it (a held SQL
 * session's pipes would keep that session open). */
pid_t itest_worker_spawn(const char *biz, const char *window, int *fd);
/* Stops the worker's claiming (SIGTERM: it finishes what is in flight)
 * and returns its JSON output once it exited 0. */
json_t *itest_worker_done(pid_t pid, int fd);
/* A worker's whole JSON output, once it has exited 0 by itself. */
json_t *itest_worker_wait(pid_t pid, int fd);
/* A new lead (so a lead.captured event); event_id (64 bytes, may be
 * NULL) gets its event. */
void itest_lead(const char *key, char *event_id);

#endif
