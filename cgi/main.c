/* The FastCGI program: one request at a time per process, a DB connection
 * kept across requests, everything else freed at the end of each turn. */
#include "kc_config.h"
#include "kc_db.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_registry.h"
#include "request.h"
#include "response.h"
#include "handlers.h"
#include "ratelimit.h"
#include "req_metrics.h"
#include "routes.h"
#include "dash.h"
#include "dash_tpl.h"

#include <fcgiapp.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* SIGTERM from the web server: stop accepting after the current request.
 * FCGX_ShutdownPending only sets a flag, and without SA_RESTART accept()
 * returns EINTR, so the loop ends and the process exits cleanly. */
static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

/* Whether the raw URI is the dashboard's: its errors before the router
 * are the dashboard's HTML page (a person reads them), the API's a
 * problem+json (a program does). */
static int
dash_uri(const char *uri)
{
	return uri && strncmp(uri, "/app", 4) == 0 &&
	       (uri[4] == '\0' || uri[4] == '/' || uri[4] == '?');
}

/* An error found before the router: for the dashboard, its page with
 * msg; for the API, a problem of type code. */
static int
early_error(struct kc_req *req, int dash, int status, const char *code,
	    const char *msg)
{
	if (dash)
		return dash_error(req, status, msg);
	return kc_problem(req, status, code, NULL, "%s", msg);
}

static int
read_body(FCGX_Request *fr, const char *clen, struct kc_buf *body,
	  struct kc_req *req, int dash)
{
	char too_large[64];
	char chunk[16384];
	long long want = -1;
	char *end;
	int n;

	snprintf(too_large, sizeof(too_large),
		 "the request body may be at most %d bytes", KC_BODY_MAX);
	if (clen && *clen) {
		errno = 0;
		want = strtoll(clen, &end, 10);
		if (errno || *end || want < 0)
			return early_error(req, dash, 400, "invalid_request",
					   "bad Content-Length");
		if (want > KC_BODY_MAX)
			return early_error(req, dash, 413, "body_too_large",
					   too_large);
	}
	while ((n = FCGX_GetStr(chunk, sizeof(chunk), fr->in)) > 0)
		if (kc_buf_append(body, chunk, (size_t)n) != 0)
			return early_error(req, dash, 413, "body_too_large",
					   too_large);
	return 0;
}

static void
serve(FCGX_Request *fr, const struct kc_config *cfg, struct kc_db *db,
      struct kc_auth_cache *cache)
{
	const char *method, *uri;
	struct kc_req req;
	struct kc_buf body, head;
	struct kc_verr e;
	struct timespec t0, t1;
	long long us;
	int dash;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	kc_req_init(&req);
	kc_buf_init(&body, KC_BODY_MAX);
	kc_buf_init(&head, 4096);
	if (kc_id_new("req", req.request_id, sizeof(req.request_id)) != 0)
		snprintf(req.request_id, sizeof(req.request_id), "req_unknown");
	kc_log_context(req.request_id);
	req.cfg = cfg;
	req.db = db;
	req.auth_cache = cache;
	method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	req.authorization = FCGX_GetParam("HTTP_AUTHORIZATION", fr->envp);
	req.idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", fr->envp);
	req.remote_addr = FCGX_GetParam("REMOTE_ADDR", fr->envp);
	/* The dashboard's (cgi/dash.c). */
	req.cookie = FCGX_GetParam("HTTP_COOKIE", fr->envp);
	req.content_type = FCGX_GetParam("CONTENT_TYPE", fr->envp);
	req.https = FCGX_GetParam("HTTPS", fr->envp);
	req.forwarded_proto = FCGX_GetParam("HTTP_X_FORWARDED_PROTO", fr->envp);
	req.forwarded_for = FCGX_GetParam("HTTP_X_FORWARDED_FOR", fr->envp);
	req.uri = uri;
	req.twilio_signature =
	    FCGX_GetParam("HTTP_X_TWILIO_SIGNATURE", fr->envp);
	dash = dash_uri(uri);
	if (kc_method_parse(method, &req.method) != 0) {
		snprintf(req.resp.allow, sizeof(req.resp.allow),
			 "GET, POST, PATCH, DELETE");
		early_error(&req, dash, 405, "method_not_allowed",
			    "unsupported method");
	} else if (kc_req_set_uri(&req, uri, &e) != 0) {
		if (dash)
			dash_error(&req, e.status ? e.status : 400, e.msg);
		else
			kc_problem_verr(&req, &e);
	} else if (read_body(fr, FCGX_GetParam("CONTENT_LENGTH", fr->envp),
			     &body, &req, dash) == 0) {
		req.body = body.data ? body.data : "";
		req.body_len = body.len;
		kc_dispatch(&req);
	}
	if (kc_db_in_transaction(db)) {
		/* A handler that returned inside its transaction is a bug;
		 * the next request must not inherit it. */
		kc_err("a transaction was left open: rolled back");
		while (kc_db_in_transaction(db))
			kc_db_rollback(db);
	}
	if (req.resp.status == 0)
		kc_internal_error(&req);
	else if (req.resp.status >= 500 && req.resp.status != 503 &&
		 kc_db_unavailable(db))
		kc_db_unavailable_problem(&req);
	/* Counted before the answer leaves: a client that has it can count
	 * on seeing it in the next scrape. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000;
	kc_reqm_record(req.route, req.method, req.resp.status, us);
	if (kc_resp_headers(&req, &head) == 0) {
		FCGX_PutStr(head.data, (int)head.len, fr->out);
		if (req.method != KC_M_HEAD && req.resp.body.len)
			FCGX_PutStr(req.resp.body.data, (int)req.resp.body.len,
				    fr->out);
	}
	/* The pid tells which of the node's processes served it. */
	kc_info("%s %s %d %.1fms pid=%ld%s%s%s%s", method ? method : "-",
		req.path ? req.path : "-", req.resp.status, (double)us / 1e3,
		(long)getpid(), req.authed ? " key=" : "",
		req.authed ? req.auth.key_public_id : "",
		req.signed_in ? " user=" : "",
		req.signed_in ? req.session.user_public_id : "");
	kc_log_context(NULL);
	kc_buf_free(&head);
	kc_buf_free(&body);
	kc_req_free(&req);
}

int
main(void)
{
	struct kc_config cfg;
	struct kc_db *db = NULL;
	struct kc_auth_cache *cache;
	struct sigaction sa;
	FCGX_Request fr;
	char err[512];

	if (kc_config_load(&cfg, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "kaicalls.fcgi: %s\n", err);
		return 1;
	}
	kc_log_init("kaicalls.fcgi", cfg.log_level);
	kc_json_wipe_on_free();
	/* The compliance check reads it when a marketing action is queued. */
	kc_registry_max_age_set(cfg.dnc_registry_max_age);
	if ((cache = calloc(1, sizeof(*cache))) == NULL)
		return 1;
	cache->ttl_ms = cfg.auth_cache_ms;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Serves without request metrics, or without rate limits, if their
	 * region cannot be had. */
	(void)kc_reqm_open(&cfg);
	(void)kc_ratelimit_open(&cfg);
	/* Connected on the first request, and again after any loss: a
	 * process outlives database restarts and answers 503 meanwhile. */
	if ((db = kc_db_new(&cfg)) == NULL)
		return 1;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		kc_err("FastCGI initialisation failed");
		return 1;
	}
	while (FCGX_Accept_r(&fr) >= 0) {
		serve(&fr, &cfg, db, cache);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	dash_tpl_flush();
	kc_reqm_close();
	kc_ratelimit_close();
	kc_db_close(db);
	free(cache);
	kc_config_free(&cfg);
	return 0;
}
