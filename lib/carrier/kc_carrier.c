#include "kc_carrier.h"
#include "kc_buf.h"
#include "kc_time.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answer longer than this is not one of the carrier's. */
#define ANSWER_MAX (64 * 1024)
/* A request body: an SMS of 1600 characters, each up to 4 UTF-8 bytes
 * percent-encoded, TwiML, and the rest, fit well inside. */
#define REQUEST_MAX (256 * 1024)

struct transfer {
	CURL *easy;
	struct kc_carrier_req *req; /* NULL: this slot is free */
	struct kc_buf body, answer;
	long long mono_start;
};

struct kc_carrier {
	const struct kc_config *cfg;
	CURLM *multi;
	struct transfer *t; /* carrier_concurrency slots */
	size_t cap, active;
	struct transfer sync; /* the one-at-a-time requests */
	struct curl_slist *headers;
	char user_agent[96];
	char messages_url[1024], calls_url[1024];
};

static void
transfer_free(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	kc_buf_free(&t->body);
	kc_buf_free(&t->answer);
}

int
kc_carrier_new(const struct kc_config *cfg, struct kc_carrier **out, char *err,
	       size_t errlen)
{
	static const char *const lines[] = {
	    "Content-Type: application/x-www-form-urlencoded",
	    "Accept: application/json",
	    /* No "Expect: 100-continue" round trip for larger bodies. */
	    "Expect:",
	};
	struct kc_carrier *c;
	struct curl_slist *nl;
	size_t i;

	*out = NULL;
	if (cfg->carrier_account_sid == NULL || cfg->carrier_base_url == NULL) {
		snprintf(err, errlen,
			 "no carrier configured (carrier_account_sid, "
			 "carrier_auth_token_sealed)");
		return -1;
	}
	if (cfg->carrier_auth_token == NULL) {
		snprintf(err, errlen, "%s",
			 cfg->carrier_error[0] ? cfg->carrier_error
					       : "no carrier auth token");
		return -1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	c->cfg = cfg;
	c->cap =
	    (size_t)(cfg->carrier_concurrency > 0 ? cfg->carrier_concurrency
						  : 1);
	if ((c->t = calloc(c->cap, sizeof(*c->t))) == NULL ||
	    (c->multi = curl_multi_init()) == NULL)
		goto nomem;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if ((nl = curl_slist_append(c->headers, lines[i])) == NULL)
			goto nomem;
		c->headers = nl;
	}
	for (i = 0; i <= c->cap; i++) {
		struct transfer *t = i < c->cap ? &c->t[i] : &c->sync;

		kc_buf_init(&t->body, REQUEST_MAX);
		kc_buf_init(&t->answer, ANSWER_MAX);
	}
	if ((size_t)snprintf(c->messages_url, sizeof(c->messages_url),
			     "%s/2010-04-01/Accounts/%s/Messages.json",
			     cfg->carrier_base_url, cfg->carrier_account_sid) >=
		sizeof(c->messages_url) ||
	    (size_t)snprintf(c->calls_url, sizeof(c->calls_url),
			     "%s/2010-04-01/Accounts/%s/Calls.json",
			     cfg->carrier_base_url, cfg->carrier_account_sid) >=
		sizeof(c->calls_url)) {
		snprintf(err, errlen, "carrier_base_url is too long");
		kc_carrier_free(c);
		return -1;
	}
	snprintf(c->user_agent, sizeof(c->user_agent), "KaiCalls/%s",
		 KC_VERSION);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cap);
	*out = c;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	kc_carrier_free(c);
	return -1;
}

void
kc_carrier_free(struct kc_carrier *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->t && i < c->cap; i++) {
		if (c->t[i].req)
			curl_multi_remove_handle(c->multi, c->t[i].easy);
		transfer_free(&c->t[i]);
	}
	transfer_free(&c->sync);
	free(c->t);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->headers);
	free(c);
}

size_t
kc_carrier_active(const struct kc_carrier *c)
{
	return c->active;
}

size_t
kc_carrier_free_slots(const struct kc_carrier *c)
{
	return c->cap - c->active;
}

/* Appends s percent-encoded but for RFC 3986's unreserved characters. */
static int
pct_encode(struct kc_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};

		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			if (kc_buf_putc(b, (char)*p) != 0)
				return -1;
		} else if (kc_buf_append(b, e, 3) != 0)
			return -1;
	}
	return 0;
}

/* Appends name=value, the value percent-encoded. Names are ours and need
 * no encoding. */
static int
form_add(struct kc_buf *b, const char *name, const char *value)
{
	if ((b->len > 0 && kc_buf_putc(b, '&') != 0) ||
	    kc_buf_puts(b, name) != 0 || kc_buf_putc(b, '=') != 0)
		return -1;
	return pct_encode(b, value);
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* The form body of req; -1 with why when req cannot be sent at all. */
static int
build_body(const struct kc_carrier_req *req, struct kc_buf *b, const char **why)
{
	const struct kc_carrier_message *m = &req->message;
	const struct kc_carrier_call *call = &req->call;
	const char *to, *from, *cb;

	kc_buf_reset(b);
	to = req->kind == KC_CARRIER_CALL ? call->to : m->to;
	from = req->kind == KC_CARRIER_CALL ? call->from : m->from;
	cb = req->kind == KC_CARRIER_CALL ? call->status_callback
					  : m->status_callback;
	if (empty(to) || empty(from)) {
		*why = "To and From are required";
		return -1;
	}
	if (form_add(b, "To", to) != 0 || form_add(b, "From", from) != 0)
		goto big;
	if (req->kind == KC_CARRIER_MESSAGE) {
		if (m->body == NULL) {
			*why = "Body is required";
			return -1;
		}
		if (form_add(b, "Body", m->body) != 0)
			goto big;
	} else {
		if (empty(call->url) == empty(call->twiml)) {
			*why = "a call needs exactly one of Url and Twiml";
			return -1;
		}
		if (form_add(b, empty(call->url) ? "Twiml" : "Url",
			     empty(call->url) ? call->twiml : call->url) != 0)
			goto big;
	}
	if (!empty(cb) && form_add(b, "StatusCallback", cb) != 0)
		goto big;
	if (req->kind == KC_CARRIER_CALL && !empty(cb) &&
	    !empty(call->status_callback_events)) {
		const char *p = call->status_callback_events;

		/* One StatusCallbackEvent parameter per event, as Twilio
		 * takes a list. */
		while (*p) {
			char ev[32];
			size_t n;

			p += strspn(p, " ");
			n = strcspn(p, " ");
			if (n == 0)
				break;
			if (n >= sizeof(ev)) {
				*why = "a status callback event name is too "
				       "long";
				return -1;
			}
			memcpy(ev, p, n);
			ev[n] = '\0';
			if (form_add(b, "StatusCallbackEvent", ev) != 0)
				goto big;
			p += n;
		}
	}
	return 0;
big:
	*why = "the request is too large";
	return -1;
}

static size_t
on_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t n = size * nmemb;

	/* Past the bound libcurl stops the transfer: no answer of the
	 * carrier is that long. */
	return kc_buf_append(&t->answer, data, n) == 0 ? n : 0;
}

static void
result_reset(struct kc_carrier_result *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = KC_CARRIER_RETRYABLE;
}

/* Readies t's handle for a request to url (the body, if any, is set by
 * the caller); -1 when libcurl fails. */
static int
setup(struct kc_carrier *c, struct transfer *t, const char *url)
{
	const struct kc_config *cfg = c->cfg;
	long ms = (long)cfg->carrier_timeout * 1000;

	kc_buf_reset(&t->answer);
	if (t->easy == NULL && (t->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_reset(t->easy);
	if (curl_easy_setopt(t->easy, CURLOPT_URL, url) != CURLE_OK)
		return -1;
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(t->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(t->easy, CURLOPT_USERNAME, cfg->carrier_account_sid);
	curl_easy_setopt(t->easy, CURLOPT_PASSWORD, cfg->carrier_auth_token);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* The configuration names the carrier; an https_proxy from the
	 * environment would see the auth token of every request. */
	curl_easy_setopt(t->easy, CURLOPT_PROXY, "");
	/* The configuration allows http only on loopback (the tests). */
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR,
			 strncmp(cfg->carrier_base_url, "https://", 8) == 0
			     ? "https"
			     : "http,https");
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->carrier_ca_file)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, cfg->carrier_ca_file);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	t->mono_start = kc_time_mono_ms();
	return 0;
}

/* Readies t for req; -1 with req->result filled when it cannot go. */
static int
prepare(struct kc_carrier *c, struct transfer *t, struct kc_carrier_req *req)
{
	const char *why = NULL;

	result_reset(&req->result);
	if (build_body(req, &t->body, &why) != 0) {
		req->result.outcome = KC_CARRIER_PERMANENT;
		snprintf(req->result.message, sizeof(req->result.message), "%s",
			 why);
		return -1;
	}
	if (setup(c, t,
		  req->kind == KC_CARRIER_CALL ? c->calls_url
					       : c->messages_url) != 0) {
		snprintf(req->result.message, sizeof(req->result.message),
			 "could not start the request");
		return -1;
	}
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS,
			 t->body.data ? t->body.data : "");
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)t->body.len);
	t->req = req;
	return 0;
}

/* Copies the string member key of o into out, if it is one. */
static void
copy_str(const json_t *o, const char *key, char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s)
		snprintf(out, cap, "%s", s);
}

/* A SID as Twilio writes them: two letters and hex digits. */
static int
sid_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > KC_CARRIER_SID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* 4xx codes that say "not now" rather than "never". */
static int
code_temporary(int code)
{
	static const int codes[] = {
	    20429, /* too many requests */
	    21611, /* the From number's queue of messages is full */
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i] == code)
			return 1;
	return 0;
}

void
kc_carrier_read_answer(long http_status, const char *body, size_t len,
		       struct kc_carrier_result *r)
{
	long long duration = r->duration_ms;
	json_t *v = NULL, *code;

	result_reset(r);
	r->duration_ms = duration;
	r->http_status = http_status;
	if (body && len > 0)
		v = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (http_status >= 200 && http_status < 300) {
		copy_str(v, "sid", r->sid, sizeof(r->sid));
		copy_str(v, "status", r->status, sizeof(r->status));
		if (!json_is_object(v) || !sid_valid(r->sid)) {
			r->sid[0] = '\0';
			/* It may have been created: see kc_carrier.h. */
			r->outcome = KC_CARRIER_UNKNOWN;
			snprintf(r->message, sizeof(r->message),
				 "HTTP %ld without a readable sid",
				 http_status);
		} else
			r->outcome = KC_CARRIER_OK;
		json_decref(v);
		return;
	}
	if (json_is_object(v)) {
		code = json_object_get(v, "code");
		if (json_is_integer(code) && json_integer_value(code) > 0 &&
		    json_integer_value(code) < 1000000)
			r->code = (int)json_integer_value(code);
		copy_str(v, "message", r->message, sizeof(r->message));
		copy_str(v, "more_info", r->more_info, sizeof(r->more_info));
	}
	json_decref(v);
	if (r->message[0] == '\0')
		snprintf(r->message, sizeof(r->message), "HTTP %ld",
			 http_status);
	if (http_status >= 300 && http_status < 400) {
		r->outcome = KC_CARRIER_CONFIG;
		snprintf(r->message, sizeof(r->message),
			 "HTTP %ld: redirects are not followed (is "
			 "carrier_base_url right?)",
			 http_status);
	} else if (http_status == 401 || http_status == 403 ||
		   http_status == 404)
		r->outcome = KC_CARRIER_CONFIG;
	else if (http_status == 429)
		r->outcome = KC_CARRIER_RETRYABLE;
	else if (http_status >= 400 && http_status < 500)
		r->outcome = code_temporary(r->code) ? KC_CARRIER_RETRYABLE
						     : KC_CARRIER_PERMANENT;
	else
		/* A 5xx (or no status at all): the carrier may have created
		 * it before it failed. */
		r->outcome = KC_CARRIER_UNKNOWN;
}

static void
finish(struct transfer *t, CURLcode cc)
{
	struct kc_carrier_result *r = &t->req->result;
	long code = 0, sent = 0;

	r->duration_ms = kc_time_mono_ms() - t->mono_start;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK) {
		kc_carrier_read_answer(code, t->answer.data, t->answer.len, r);
		return;
	}
	r->http_status = code;
	/* Only a request that never left is known not to have created
	 * anything; once its bytes went out, a cut or a timeout says
	 * nothing of what the carrier did with it. */
	if (curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &sent) !=
	    CURLE_OK)
		sent = 1;
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		r->outcome = KC_CARRIER_CONFIG;
		break;
	default:
		r->outcome =
		    sent > 0 ? KC_CARRIER_UNKNOWN : KC_CARRIER_RETRYABLE;
	}
	snprintf(r->message, sizeof(r->message), "%s",
		 cc == CURLE_OPERATION_TIMEDOUT
		     ? "timeout: no complete answer in time"
		     : curl_easy_strerror(cc));
}

int
kc_carrier_start(struct kc_carrier *c, struct kc_carrier_req *req)
{
	struct transfer *t = NULL;
	size_t i;

	for (i = 0; i < c->cap && t == NULL; i++)
		if (c->t[i].req == NULL)
			t = &c->t[i];
	if (t == NULL) {
		result_reset(&req->result);
		snprintf(req->result.message, sizeof(req->result.message),
			 "no free slot: %zu requests in flight", c->active);
		return -1;
	}
	if (prepare(c, t, req) != 0)
		return -1;
	if (curl_multi_add_handle(c->multi, t->easy) != CURLM_OK) {
		t->req = NULL;
		snprintf(req->result.message, sizeof(req->result.message),
			 "could not start the request");
		return -1;
	}
	c->active++;
	return 0;
}

int
kc_carrier_wait(struct kc_carrier *c, long timeout_ms,
		struct kc_carrier_req **done, size_t cap, size_t *n)
{
	CURLMsg *m;
	int running, left;

	*n = 0;
	if (c->active == 0)
		return 0;
	if (curl_multi_perform(c->multi, &running) != CURLM_OK)
		return -1;
	if (timeout_ms > 0 && (size_t)running == c->active &&
	    (curl_multi_poll(c->multi, NULL, 0, (int)timeout_ms, NULL) !=
		 CURLM_OK ||
	     curl_multi_perform(c->multi, &running) != CURLM_OK))
		return -1;
	while (*n < cap && (m = curl_multi_info_read(c->multi, &left))) {
		struct transfer *t;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&t);
		finish(t, m->data.result);
		curl_multi_remove_handle(c->multi, t->easy);
		done[(*n)++] = t->req;
		t->req = NULL;
		c->active--;
	}
	return 0;
}

static int
run_one(struct kc_carrier *c, struct kc_carrier_req *req,
	struct kc_carrier_result *r)
{
	struct transfer *t = &c->sync;

	if (prepare(c, t, req) == 0) {
		finish(t, curl_easy_perform(t->easy));
		t->req = NULL;
	}
	*r = req->result;
	return r->outcome == KC_CARRIER_OK ? 0 : -1;
}

int
kc_carrier_message_create(struct kc_carrier *c,
			  const struct kc_carrier_message *m,
			  struct kc_carrier_result *r)
{
	struct kc_carrier_req req;

	memset(&req, 0, sizeof(req));
	req.kind = KC_CARRIER_MESSAGE;
	req.message = *m;
	return run_one(c, &req, r);
}

int
kc_carrier_call_create(struct kc_carrier *c, const struct kc_carrier_call *call,
		       struct kc_carrier_result *r)
{
	struct kc_carrier_req req;

	memset(&req, 0, sizeof(req));
	req.kind = KC_CARRIER_CALL;
	req.call = *call;
	return run_one(c, &req, r);
}

/* Appends name=value to the query in b, both percent-encoded. */
static int
query_add(struct kc_buf *b, const char *name, const char *value)
{
	if (kc_buf_putc(b, b->len > 0 ? '&' : '?') != 0 ||
	    pct_encode(b, name) != 0 || kc_buf_putc(b, '=') != 0)
		return -1;
	return pct_encode(b, value);
}

/* Whether page, a next_page_uri of the carrier's, is the list of kind of
 * our account: the auth token goes wherever it points. */
static int
page_ours(const struct kc_carrier *c, enum kc_carrier_kind kind,
	  const char *page)
{
	char prefix[512];
	const unsigned char *p;

	if ((size_t)snprintf(prefix, sizeof(prefix),
			     "/2010-04-01/Accounts/%s/%s.json?",
			     c->cfg->carrier_account_sid,
			     kind == KC_CARRIER_CALL ? "Calls" : "Messages") >=
		sizeof(prefix) ||
	    strncmp(page, prefix, strlen(prefix)) != 0)
		return 0;
	for (p = (const unsigned char *)page; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '#' || *p == '\\')
			return 0;
	return 1;
}

int
kc_carrier_list(struct kc_carrier *c, enum kc_carrier_kind kind, const char *to,
		const char *from, const char *page, long timeout_ms,
		json_t **list, char *next, size_t cap,
		struct kc_carrier_result *r)
{
	struct transfer *t = &c->sync;
	const char *key = kind == KC_CARRIER_CALL ? "calls" : "messages";
	const char *np;
	char size[16], url[4096];
	struct kc_buf q;
	json_t *v = NULL, *a;
	CURLcode cc;
	long code = 0;
	int rc = -1, n;

	*list = NULL;
	if (cap > 0)
		next[0] = '\0';
	result_reset(r);
	kc_buf_init(&q, 1024);
	snprintf(size, sizeof(size), "%d", KC_CARRIER_LIST_PAGE);
	if (page != NULL) {
		if (!page_ours(c, kind, page)) {
			r->outcome = KC_CARRIER_UNKNOWN;
			snprintf(r->message, sizeof(r->message),
				 "the carrier's next page is not our "
				 "account's list");
			goto out;
		}
		n = snprintf(url, sizeof(url), "%s%s", c->cfg->carrier_base_url,
			     page);
	} else if (query_add(&q, "To", to) != 0 ||
		   query_add(&q, "From", from) != 0 ||
		   query_add(&q, "PageSize", size) != 0)
		n = -1;
	else
		n = snprintf(url, sizeof(url), "%s%.*s",
			     kind == KC_CARRIER_CALL ? c->calls_url
						     : c->messages_url,
			     (int)q.len, q.data);
	if (n < 0 || (size_t)n >= sizeof(url) || setup(c, t, url) != 0) {
		snprintf(r->message, sizeof(r->message),
			 "could not start the request");
		goto out;
	}
	if (timeout_ms > 0 &&
	    timeout_ms < (long)c->cfg->carrier_timeout * 1000) {
		curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
				 timeout_ms);
	}
	curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
	cc = curl_easy_perform(t->easy);
	r->duration_ms = kc_time_mono_ms() - t->mono_start;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK || code != 200) {
		struct kc_carrier_req req;

		/* Read as a create's answer would be; nothing is created by
		 * a GET, so "unknown" only means "no answer". */
		memset(&req, 0, sizeof(req));
		t->req = &req;
		finish(t, cc);
		t->req = NULL;
		*r = req.result;
		if (r->outcome == KC_CARRIER_OK ||
		    r->outcome == KC_CARRIER_PERMANENT) {
			r->outcome = KC_CARRIER_UNKNOWN;
			snprintf(r->message, sizeof(r->message),
				 "HTTP %ld to a list", code);
		}
		goto out;
	}
	r->http_status = code;
	if (t->answer.len > 0)
		v = json_loadb(t->answer.data, t->answer.len,
			       JSON_REJECT_DUPLICATES, NULL);
	a = json_object_get(v, key);
	if (!json_is_array(a)) {
		r->outcome = KC_CARRIER_UNKNOWN;
		snprintf(r->message, sizeof(r->message),
			 "the carrier's list has no \"%s\"", key);
		goto out;
	}
	np = json_string_value(json_object_get(v, "next_page_uri"));
	if (np != NULL && *np != '\0' &&
	    (size_t)snprintf(next, cap, "%s", np) >= cap) {
		r->outcome = KC_CARRIER_UNKNOWN;
		snprintf(r->message, sizeof(r->message),
			 "the carrier's next page URI is too long");
		goto out;
	}
	*list = json_incref(a);
	r->outcome = KC_CARRIER_OK;
	rc = 0;
out:
	json_decref(v);
	kc_buf_free(&q);
	return rc;
}
