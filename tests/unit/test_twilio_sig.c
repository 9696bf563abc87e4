/*
 * Unit tests for lib/carrier/kc_twilio_sig: Twilio's documented example
 * (tests/vectors/twilio-signature.json), the signed text built by hand and
 * MAC'd here with OpenSSL directly (sorting, repeated names, no params),
 * the default-port forms of a URL, every way a signature can fail, and the
 * public URL from the configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "kc_crypto.h"
#include "kc_form.h"
#include "kc_twilio_sig.h"

static json_t *
vector_load(void)
{
	static const char tail[] = "tests/unit/test_twilio_sig.c";
	const char *dir = getenv("KC_TEST_VECTORS"), *file = __FILE__;
	char path[4096];
	json_error_t err;
	size_t flen = strlen(file), tlen = strlen(tail);
	json_t *v;

	if (dir != NULL && dir[0] != '\0')
		snprintf(path, sizeof(path), "%s/twilio-signature.json", dir);
	else if (flen >= tlen && strcmp(file + flen - tlen, tail) == 0)
		snprintf(path, sizeof(path),
			 "%.*stests/vectors/twilio-signature.json",
			 (int)(flen - tlen), file);
	else
		snprintf(path, sizeof(path),
			 "tests/vectors/twilio-signature.json");
	v = json_load_file(path, 0, &err);
	cr_assert_not_null(v, "%s:%d: %s", path, err.line, err.text);
	return v;
}

/* Percent-encodes s into out as a form value (everything but
 * alphanumerics). */
static void
encode(const char *s, char *out)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			*out++ = (char)c;
		else
			out += sprintf(out, "%%%02X", c);
	}
	*out = '\0';
}

static struct kc_form *
form(const char *body)
{
	struct kc_form *f = NULL;
	char err[128];

	cr_assert_eq(kc_form_parse(body, strlen(body), &f, err, sizeof(err)), 0,
		     "%s", err);
	return f;
}

/* The vector's params as a form body, in the vector's (unsorted) order
 * reversed, so that the sorting is ours. */
static struct kc_form *
vector_form(const json_t *v)
{
	const json_t *params = json_object_get(v, "params");
	const char *keys[32];
	char body[4096] = "", enc[1024];
	size_t n = 0;
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)params, k, val)
	{
		cr_assert_lt(n, 32);
		keys[n++] = k;
	}
	while (n-- > 0) {
		encode(json_string_value(json_object_get(params, keys[n])),
		       enc);
		snprintf(body + strlen(body), sizeof(body) - strlen(body),
			 "%s%s=%s", body[0] ? "&" : "", keys[n], enc);
	}
	return form(body);
}

/* base64(HMAC-SHA1(key, text)), computed here without kc_twilio_sig. */
static void
oracle(const char *key, const char *text, char out[64])
{
	unsigned char mac[64];
	size_t n = 0;

	cr_assert_not_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key,
				     strlen(key), (const unsigned char *)text,
				     strlen(text), mac, sizeof(mac), &n));
	cr_assert_eq(n, 20);
	cr_assert_gt(kc_base64_encode(mac, n, out, 64), 0);
}

TestSuite(twilio_sig);

Test(twilio_sig, twilio_documented_example)
{
	json_t *v = vector_load();
	const char *token = json_string_value(json_object_get(v, "auth_token"));
	const char *url = json_string_value(json_object_get(v, "url"));
	const char *want = json_string_value(json_object_get(v, "signature"));
	struct kc_form *f;
	char sig[KC_TWILIO_SIG_SIZE];

	cr_assert(token && url && want);
	f = vector_form(v);
	cr_assert_eq(kc_twilio_signature(token, url, f, sig), 0);
	cr_assert_str_eq(sig, want);
	cr_assert_eq(kc_twilio_signature_valid(token, url, f, want), 1);
	kc_form_free(f);
	json_decref(v);
}

Test(twilio_sig, any_change_fails)
{
	json_t *v = vector_load();
	const char *token = json_string_value(json_object_get(v, "auth_token"));
	const char *url = json_string_value(json_object_get(v, "url"));
	const char *want = json_string_value(json_object_get(v, "signature"));
	struct kc_form *f = vector_form(v), *g;
	char bad[64];

	/* Another token, URL, scheme, query order or trailing slash. */
	cr_assert_eq(kc_twilio_signature_valid("12346", url, f, want), 0);
	cr_assert_eq(
	    kc_twilio_signature_valid(
		token, "https://mycompany.com/myapp.php?foo=1&bar=3", f, want),
	    0);
	cr_assert_eq(
	    kc_twilio_signature_valid(
		token, "http://mycompany.com/myapp.php?foo=1&bar=2", f, want),
	    0);
	cr_assert_eq(
	    kc_twilio_signature_valid(
		token, "https://mycompany.com/myapp.php?bar=2&foo=1", f, want),
	    0);
	/* A parameter changed, added or dropped. */
	g = form("CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1235"
		 "&From=%2B12349013030&To=%2B18005551212");
	cr_assert_eq(kc_twilio_signature_valid(token, url, g, want), 0);
	kc_form_free(g);
	g = form("CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234"
		 "&From=%2B12349013030&To=%2B18005551212&X=");
	cr_assert_eq(kc_twilio_signature_valid(token, url, g, want), 0);
	kc_form_free(g);
	cr_assert_eq(kc_twilio_signature_valid(token, url, NULL, want), 0);
	/* The header: missing, empty, cut, extended, one character off. */
	cr_assert_eq(kc_twilio_signature_valid(token, url, f, NULL), 0);
	cr_assert_eq(kc_twilio_signature_valid(token, url, f, ""), 0);
	snprintf(bad, sizeof(bad), "%.27s", want);
	cr_assert_eq(kc_twilio_signature_valid(token, url, f, bad), 0);
	snprintf(bad, sizeof(bad), "%s=", want);
	cr_assert_eq(kc_twilio_signature_valid(token, url, f, bad), 0);
	snprintf(bad, sizeof(bad), "%s", want);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	cr_assert_eq(kc_twilio_signature_valid(token, url, f, bad), 0);
	/* No token, no URL. */
	cr_assert_eq(kc_twilio_signature_valid("", url, f, want), 0);
	cr_assert_eq(kc_twilio_signature_valid(NULL, url, f, want), 0);
	cr_assert_eq(kc_twilio_signature_valid(token, NULL, f, want), 0);
	kc_form_free(f);
	json_decref(v);
}

Test(twilio_sig, default_port_either_way)
{
	json_t *v = vector_load();
	const char *token = json_string_value(json_object_get(v, "auth_token"));
	const char *want = json_string_value(json_object_get(v, "signature"));
	struct kc_form *f = vector_form(v), *g;
	char sig[KC_TWILIO_SIG_SIZE];

	/* Signed without the port, checked with it. */
	cr_assert_eq(kc_twilio_signature_valid(
			 token,
			 "https://mycompany.com:443/myapp.php?foo=1&bar=2", f,
			 want),
		     1);
	/* Another port is another URL. */
	cr_assert_eq(kc_twilio_signature_valid(
			 token,
			 "https://mycompany.com:8443/myapp.php?foo=1&bar=2", f,
			 want),
		     0);
	cr_assert_eq(kc_twilio_signature_valid(
			 token,
			 "https://mycompany.com:80/myapp.php?foo=1&bar=2", f,
			 want),
		     0);
	/* Signed with :80, checked without; and an IPv6 literal. */
	g = form("A=1");
	cr_assert_eq(
	    kc_twilio_signature(token, "http://127.0.0.1:80/cb?x=1", g, sig),
	    0);
	cr_assert_eq(
	    kc_twilio_signature_valid(token, "http://127.0.0.1/cb?x=1", g, sig),
	    1);
	cr_assert_eq(kc_twilio_signature(token, "https://[::1]/cb", g, sig), 0);
	cr_assert_eq(
	    kc_twilio_signature_valid(token, "https://[::1]:443/cb", g, sig),
	    1);
	cr_assert_eq(
	    kc_twilio_signature_valid(token, "https://[::1]:8443/cb", g, sig),
	    0);
	kc_form_free(g);
	kc_form_free(f);
	json_decref(v);
}

Test(twilio_sig, signed_text_by_hand)
{
	/* Sorted by name; a repeated name's values sorted; an exact repeat
	 * once; '+' and escapes decoded; non-ASCII as UTF-8 bytes. */
	struct kc_form *f = form("b=2&Z=%C3%A9t%C3%A9&a=x+y&b=1&b=2&a=%F0%9F%98"
				 "%80");
	const char *url = "https://hooks.test/cb?q=%20";
	char sig[KC_TWILIO_SIG_SIZE], want[64];

	oracle("tok",
	       "https://hooks.test/cb?q=%20"
	       "Z\xc3\xa9t\xc3\xa9"
	       "ax y"
	       "a\xf0\x9f\x98\x80"
	       "b1b2",
	       want);
	cr_assert_eq(kc_twilio_signature("tok", url, f, sig), 0);
	cr_assert_str_eq(sig, want);
	cr_assert_eq(kc_twilio_signature_valid("tok", url, f, want), 1);
	kc_form_free(f);

	/* No parameters: the URL alone. */
	oracle("tok", url, want);
	cr_assert_eq(kc_twilio_signature("tok", url, NULL, sig), 0);
	cr_assert_str_eq(sig, want);
	f = form("");
	cr_assert_eq(kc_twilio_signature("tok", url, f, sig), 0);
	cr_assert_str_eq(sig, want);
	kc_form_free(f);
}

Test(twilio_sig, public_url_from_configuration)
{
	struct kc_config cfg;
	char out[256];

	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(
	    kc_twilio_public_url(&cfg, "/carrier/twilio/sms", out, sizeof(out)),
	    -1, "no public_base_url");
	cfg.public_base_url = "https://api.kaicalls.test";
	cr_assert_eq(kc_twilio_public_url(&cfg, "/carrier/twilio/sms?b=1", out,
					  sizeof(out)),
		     0);
	cr_assert_str_eq(out,
			 "https://api.kaicalls.test/carrier/twilio/sms?b=1");
	cr_assert_eq(kc_twilio_public_url(&cfg, "carrier", out, sizeof(out)),
		     -1);
	cr_assert_eq(kc_twilio_public_url(&cfg, NULL, out, sizeof(out)), -1);
	cr_assert_eq(kc_twilio_public_url(&cfg, "/carrier/twilio/sms", out, 20),
		     -1);
}
