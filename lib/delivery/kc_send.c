#include "kc_send.h"
#include "kc_backoff.h"
#include "kc_log.h"
#include "kc_time.h"
#include "kc_url.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Read past the kept snippet up to this much, then give up on the body:
 * a receiver cannot make us download without end. */
#define BODY_READ_MAX (256 * 1024)

struct transfer {
	CURL *easy;
	struct kc_send_req *req; /* NULL: this slot is free */
	struct curl_slist *headers;
	size_t body_seen;
	int blocked; /* a resolved address was refused */
	long long mono_start;
	int allow_internal;
};

struct kc_sender {
	const struct kc_config *cfg;
	CURLM *multi;
	struct transfer *t; /* delivery_batch slots */
	size_t cap, active;
	char user_agent[96];
};

int
kc_sender_new(const struct kc_config *cfg, struct kc_sender **out)
{
	struct kc_sender *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->cfg = cfg;
	s->cap = (size_t)cfg->delivery_batch;
	if ((s->t = calloc(s->cap, sizeof(*s->t))) == NULL ||
	    (s->multi = curl_multi_init()) == NULL) {
		free(s->t);
		free(s);
		return -1;
	}
	snprintf(s->user_agent, sizeof(s->user_agent),
		 "KaiCalls-Webhooks/%s (+https://docs.kaicalls.com/webhooks)",
		 KC_VERSION);
	/* Enough kept connections for every slot to one host. */
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)s->cap);
	*out = s;
	return 0;
}

void
kc_sender_free(struct kc_sender *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->cap; i++) {
		if (s->t[i].req)
			curl_multi_remove_handle(s->multi, s->t[i].easy);
		curl_slist_free_all(s->t[i].headers);
		if (s->t[i].easy)
			curl_easy_cleanup(s->t[i].easy);
	}
	free(s->t);
	curl_multi_cleanup(s->multi);
	free(s);
}

size_t
kc_sender_active(const struct kc_sender *s)
{
	return s->active;
}

size_t
kc_sender_free_slots(const struct kc_sender *s)
{
	return s->cap - s->active;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	struct kc_send_req *r = t->req;
	size_t n = size * nmemb, keep;

	if (r->snippet_len < KC_SNIPPET_MAX) {
		keep = KC_SNIPPET_MAX - r->snippet_len;
		if (keep > n)
			keep = n;
		memcpy(r->snippet + r->snippet_len, data, keep);
		r->snippet_len += keep;
		r->snippet[r->snippet_len] = '\0';
	}
	t->body_seen += n;
	if (t->body_seen > BODY_READ_MAX)
		return 0; /* aborts this transfer: we have what we keep */
	return n;
}

/* The SSRF check at connect time: the address curl is about to use, after
 * its own resolution, so a name that re-resolves to an internal address
 * after the endpoint was saved (DNS rebinding) is still refused. */
static curl_socket_t
on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct transfer *t = arg;
	char text[INET6_ADDRSTRLEN];
	const void *src = NULL;

	(void)purpose;
	if (a->family == AF_INET)
		src = &((struct sockaddr_in *)(void *)&a->addr)->sin_addr;
	else if (a->family == AF_INET6)
		src = &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr;
	if (src == NULL ||
	    inet_ntop(a->family, src, text, sizeof(text)) == NULL) {
		t->blocked = 1;
		return CURL_SOCKET_BAD;
	}
	if (!t->allow_internal && kc_ip_is_internal(text)) {
		t->blocked = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static int
prepare(struct kc_sender *s, struct transfer *t, struct kc_send_req *r)
{
	char h[KC_SNIPPET_MAX];
	struct curl_slist *l = NULL, *nl;
	struct kc_url u;
	long ms = (long)s->cfg->delivery_timeout * 1000;
	int i;
	const char *lines[5];

	memset(r->error, 0, sizeof(r->error));
	r->status = 0;
	r->ok = 0;
	r->retry_after = -1;
	r->transport = 0;
	r->not_sent = 0;
	r->snippet_len = 0;
	r->snippet[0] = '\0';
	t->req = r;
	t->body_seen = 0;
	t->blocked = 0;
	t->allow_internal =
	    kc_url_parse(r->url, &u, h, sizeof(h)) == 0 &&
	    kc_url_host_allowed(u.host, s->cfg->webhook_allow_hosts);
	if (t->easy == NULL && (t->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_reset(t->easy);

	snprintf(h, sizeof(h), "webhook-timestamp: %lld", r->timestamp);
	lines[0] = "content-type: application/json";
	lines[1] = h;
	for (i = 0; i < 2; i++) {
		if ((nl = curl_slist_append(l, lines[i])) == NULL)
			goto fail;
		l = nl;
	}
	snprintf(h, sizeof(h), "webhook-id: %s", r->msg_id);
	if ((nl = curl_slist_append(l, h)) == NULL)
		goto fail;
	l = nl;
	snprintf(h, sizeof(h), "webhook-signature: %s", r->signature);
	if ((nl = curl_slist_append(l, h)) == NULL)
		goto fail;
	l = nl;
	/* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
	if ((nl = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	l = nl;
	t->headers = l;

	curl_easy_setopt(t->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)r->body_len);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, s->user_agent);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* Never through a proxy from the environment (https_proxy): the
	 * address check would see the proxy, not the receiver. */
	curl_easy_setopt(t->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR,
			 t->allow_internal ? "http,https" : "https");
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, t);
	if (s->cfg->delivery_ca_file)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO,
				 s->cfg->delivery_ca_file);
	return 0;
fail:
	curl_slist_free_all(l);
	return -1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* No overlong forms, surrogates or code points past U+10FFFF. */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

/* The kept answer goes into a utf8mb4 column and a JSON string: any byte
 * that is not valid UTF-8 (binary, Latin-1, a sequence cut at the bound)
 * and NUL become '?', so a receiver's answer can never fail the record. */
static void
sanitize(char *s, size_t n)
{
	unsigned char *p = (unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] == 0 || (k = utf8_seq(p + i, n - i)) == 0) {
			p[i++] = '?';
			continue;
		}
		i += k;
	}
}

static void
finish(struct transfer *t, CURLcode cc, long long now_ms)
{
	struct kc_send_req *r = t->req;
	struct curl_header *hdr;
	long code = 0;

	sanitize(r->snippet, r->snippet_len);
	/* Monotonic, so a clock step cannot make a duration negative. */
	r->duration_ms = kc_time_mono_ms() - t->mono_start;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	r->status = code;
	if (cc == CURLE_WRITE_ERROR && code > 0)
		cc = CURLE_OK; /* we stopped reading a long body ourselves */
	/* Refused addresses matter only if no other address served: a
	 * host may resolve to an internal and a public one. */
	if (cc != CURLE_OK && t->blocked && code == 0) {
		r->not_sent = 1;
		snprintf(r->error, sizeof(r->error),
			 "address not allowed: the host resolves to an "
			 "internal address");
		return;
	}
	if (cc != CURLE_OK) {
		r->transport = 1;
		/* The status stays if headers came before the failure (a 200
		 * whose body stalled is still a failed try). */
		snprintf(r->error, sizeof(r->error), "%s",
			 cc == CURLE_OPERATION_TIMEDOUT
			     ? "timeout: no complete answer in time"
			     : curl_easy_strerror(cc));
		return;
	}
	if (code >= 200 && code < 300) {
		r->ok = 1;
		return;
	}
	if (code >= 300 && code < 400)
		snprintf(r->error, sizeof(r->error),
			 "HTTP %ld: redirects are not followed", code);
	else
		snprintf(r->error, sizeof(r->error), "HTTP %ld", code);
	if ((code == 429 || code == 503) &&
	    curl_easy_header(t->easy, "Retry-After", 0, CURLH_HEADER, -1,
			     &hdr) == CURLHE_OK) {
		long long sec;

		if (kc_retry_after_parse(hdr->value, now_ms / 1000, &sec) == 0)
			r->retry_after = sec;
	}
}

int
kc_sender_start(struct kc_sender *s, struct kc_send_req *req)
{
	struct transfer *t = NULL;
	size_t i;

	for (i = 0; i < s->cap && t == NULL; i++)
		if (s->t[i].req == NULL)
			t = &s->t[i];
	req->started_ms = kc_time_now_ms();
	req->duration_ms = 0;
	if (t == NULL || prepare(s, t, req) != 0 ||
	    curl_multi_add_handle(s->multi, t->easy) != CURLM_OK) {
		if (t) {
			curl_slist_free_all(t->headers);
			t->headers = NULL;
			t->req = NULL;
		}
		req->not_sent = 1;
		snprintf(req->error, sizeof(req->error),
			 "could not start the request");
		return -1;
	}
	t->mono_start = kc_time_mono_ms();
	s->active++;
	return 0;
}

void
kc_sender_pump(struct kc_sender *s)
{
	int running;

	if (s->active > 0)
		(void)curl_multi_perform(s->multi, &running);
}

int
kc_sender_wait(struct kc_sender *s, long timeout_ms, struct kc_send_req **done,
	       size_t cap, size_t *n)
{
	CURLMsg *m;
	int running, left;

	*n = 0;
	if (s->active == 0)
		return 0;
	if (curl_multi_perform(s->multi, &running) != CURLM_OK)
		return -1;
	if (timeout_ms > 0 && (size_t)running == s->active &&
	    (curl_multi_poll(s->multi, NULL, 0, (int)timeout_ms, NULL) !=
		 CURLM_OK ||
	     curl_multi_perform(s->multi, &running) != CURLM_OK))
		return -1;
	while (*n < cap && (m = curl_multi_info_read(s->multi, &left))) {
		struct transfer *t;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&t);
		finish(t, m->data.result, kc_time_now_ms());
		curl_multi_remove_handle(s->multi, t->easy);
		curl_slist_free_all(t->headers);
		t->headers = NULL;
		done[(*n)++] = t->req;
		t->req = NULL;
		s->active--;
	}
	return 0;
}
