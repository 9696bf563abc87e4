#include "request.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
kc_req_init(struct kc_req *req)
{
	memset(req, 0, sizeof(*req));
	req->route = -1;
	kc_buf_init(&req->resp.body, 8 * 1024 * 1024);
	kc_buf_init(&req->resp.headers, 8192);
}

void
kc_req_free(struct kc_req *req)
{
	size_t i;

	for (i = 0; i < req->nq; i++) {
		free(req->q[i].key);
		free(req->q[i].val);
	}
	/* Wiped as it goes: a form may carry a password. */
	kc_form_free(req->form);
	free(req->path);
	kc_buf_free(&req->resp.body);
	kc_buf_free(&req->resp.headers);
	memset(&req->auth, 0, sizeof(req->auth));
	OPENSSL_cleanse(&req->session, sizeof(req->session));
}

static const struct {
	enum kc_method m;
	const char *name;
} methods[] = {
    {KC_M_GET, "GET"},         {KC_M_POST, "POST"}, {KC_M_PATCH, "PATCH"},
    {KC_M_DELETE, "DELETE"},   {KC_M_PUT, "PUT"},   {KC_M_HEAD, "HEAD"},
    {KC_M_OPTIONS, "OPTIONS"},
};

int
kc_method_parse(const char *s, enum kc_method *m)
{
	size_t i;

	for (i = 0; s && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0) {
			*m = methods[i].m;
			return 0;
		}
	return -1;
}

const char *
kc_method_name(enum kc_method m)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return methods[i].name;
	return "?";
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' of n bytes of s; rejects bad escapes and NUL. */
static char *
urldecode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;
	int hi, lo;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int
kc_req_set_uri(struct kc_req *req, const char *uri, struct kc_verr *e)
{
	const char *qs, *p, *amp, *eq;
	size_t plen, klen, i;
	char *key, *val;

	if (uri == NULL || uri[0] != '/' || strlen(uri) > 4096)
		return kc_verr_set(e, 400, "invalid_request", NULL,
				   "the request URI is missing or too long");
	qs = strchr(uri, '?');
	plen = qs ? (size_t)(qs - uri) : strlen(uri);
	if ((req->path = strndup(uri, plen)) == NULL)
		return kc_verr_set(e, 500, "internal", NULL, "out of memory");
	if (qs == NULL)
		return 0;
	for (p = qs + 1; *p != '\0'; p = amp ? amp + 1 : p + strlen(p)) {
		amp = strchr(p, '&');
		plen = amp ? (size_t)(amp - p) : strlen(p);
		if (plen == 0)
			continue;
		eq = memchr(p, '=', plen);
		klen = eq ? (size_t)(eq - p) : plen;
		if (req->nq == KC_QUERY_MAX)
			return kc_verr_set(e, 400, "invalid_query", NULL,
					   "too many query parameters");
		key = urldecode(p, klen);
		val = eq ? urldecode(eq + 1, plen - klen - 1) : strdup("");
		if (key == NULL || val == NULL || *key == '\0') {
			free(key);
			free(val);
			return kc_verr_set(e, 400, "invalid_query", NULL,
					   "malformed query string");
		}
		for (i = 0; i < req->nq; i++)
			if (strcmp(req->q[i].key, key) == 0) {
				kc_verr_set(e, 400, "invalid_query", key,
					    "query parameter %.64s is repeated",
					    key);
				free(key);
				free(val);
				return -1;
			}
		req->q[req->nq].key = key;
		req->q[req->nq].val = val;
		req->nq++;
	}
	return 0;
}

const char *
kc_query_get(const struct kc_req *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->nq; i++)
		if (strcmp(req->q[i].key, key) == 0)
			return req->q[i].val;
	return NULL;
}

int
kc_query_int(const struct kc_req *req, const char *key, long long min,
	     long long max, long long def, long long *out, struct kc_verr *e)
{
	const char *s = kc_query_get(req, key);
	char *end;
	long long v;

	if (s == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	/* strtoll skips leading space and takes a sign: "+5" (a space
	 * after decoding) is not an integer here. */
	if (errno != 0 || !(*s == '-' || (*s >= '0' && *s <= '9')) ||
	    *end != '\0' || v < min || v > max)
		return kc_verr_set(e, 400, "invalid_query", key,
				   "%s must be an integer from %lld to %lld",
				   key, min, max);
	*out = v;
	return 0;
}

int
kc_query_allowed(const struct kc_req *req, const char *allowed,
		 struct kc_verr *e)
{
	size_t i, n;
	const char *p;

	for (i = 0; i < req->nq; i++) {
		n = strlen(req->q[i].key);
		for (p = allowed ? allowed : ""; *p != '\0';) {
			size_t len = strcspn(p, ",");
			if (len == n && strncmp(p, req->q[i].key, n) == 0)
				break;
			p += len + (p[len] == ',');
		}
		if (allowed == NULL || *p == '\0')
			return kc_verr_set(
			    e, 400, "unknown_query_parameter", req->q[i].key,
			    "unknown query parameter %.64s", req->q[i].key);
	}
	return 0;
}

int
kc_query_page(const struct kc_req *req, const char *id_prefix, int *limit,
	      const char **starting_after, struct kc_verr *e)
{
	long long l;

	if (kc_query_int(req, "limit", 1, 100, 20, &l, e) != 0)
		return -1;
	*limit = (int)l;
	*starting_after = kc_query_get(req, "starting_after");
	if (*starting_after && !kc_id_valid(id_prefix, *starting_after))
		return kc_verr_set(e, 400, "invalid_cursor", "starting_after",
				   "starting_after must be an id from a "
				   "previous page");
	return 0;
}

json_t *
kc_req_json(const struct kc_req *req, struct kc_verr *e)
{
	return kc_json_parse_object(req->body, req->body_len, e);
}

int
kc_query_time(const struct kc_req *req, const char *name, char *buf, size_t cap,
	      const char **out, struct kc_verr *e)
{
	const char *s = kc_query_get(req, name);

	*out = NULL;
	if (s == NULL)
		return 0;
	if (kc_time_to_db(s, buf, cap) != 0)
		return kc_verr_set(e, 400, "invalid_query", name,
				   "%s must be an RFC 3339 time such as "
				   "2026-01-31T14:00:00Z",
				   name);
	*out = buf;
	return 0;
}

int
kc_query_since(const struct kc_req *req, char *buf, size_t cap,
	       const char **since, struct kc_verr *e)
{
	return kc_query_time(req, "since", buf, cap, since, e);
}

int
kc_query_enum(const struct kc_req *req, const char *name,
	      const char *const *values, const char **out, struct kc_verr *e)
{
	char list[160] = "";
	size_t i, n = 0;

	*out = kc_query_get(req, name);
	if (*out == NULL)
		return 0;
	for (i = 0; values[i]; i++)
		if (strcmp(*out, values[i]) == 0)
			return 0;
	for (i = 0; values[i] && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      i == 0          ? ""
				      : values[i + 1] ? ", "
						      : " or ",
				      values[i]);
	*out = NULL;
	return kc_verr_set(e, 400, "invalid_query", name, "%s must be %s", name,
			   list);
}

const struct kc_form_limits kc_req_form_limits = {
    256 * 1024, /* body */
    128,        /* fields: the event-type checklist is the longest */
    64,         /* name */
    64 * 1024,  /* value */
};

int
kc_req_parse_form(struct kc_req *req, struct kc_verr *e)
{
	char err[160];

	kc_form_free(req->form);
	req->form = NULL;
	if (kc_form_parse_limits(req->body ? req->body : "", req->body_len,
				 &kc_req_form_limits, &req->form, err,
				 sizeof(err)) != 0)
		return kc_verr_set(e, 400, "invalid_form", NULL,
				   "The form could not be read (%s).", err);
	return 0;
}

const char *
kc_req_form_get(const struct kc_req *req, const char *name)
{
	return kc_form_get(req->form, name);
}
