#include "kc_twilio_sig.h"
#include "kc_buf.h"
#include "kc_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The signed text can be no longer than this: the URL plus a form at its
 * limits (kc_form.h) fits with room to spare. */
#define SIGNED_MAX (2 * KC_FORM_BODY_MAX + 8192)

int
kc_twilio_signature(const char *auth_token, const char *url,
		    const struct kc_form *params, char out[KC_TWILIO_SIG_SIZE])
{
	struct kc_buf b;
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t i, maclen = 0;
	int rc = -1;

	out[0] = '\0';
	if (auth_token == NULL || *auth_token == '\0' || url == NULL ||
	    *url == '\0')
		return -1;
	kc_buf_init(&b, SIGNED_MAX);
	if (kc_buf_puts(&b, url) != 0)
		goto out;
	for (i = 0; params && i < params->n; i++) {
		const struct kc_form_pair *p = &params->pairs[i];

		/* Sorted, so an exact repeat follows its first. */
		if (i > 0 && p->name_len == p[-1].name_len &&
		    p->value_len == p[-1].value_len &&
		    memcmp(p->name, p[-1].name, p->name_len) == 0 &&
		    memcmp(p->value, p[-1].value, p->value_len) == 0)
			continue;
		if (kc_buf_append(&b, p->name, p->name_len) != 0 ||
		    kc_buf_append(&b, p->value, p->value_len) != 0)
			goto out;
	}
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, auth_token,
		      strlen(auth_token), (const unsigned char *)b.data, b.len,
		      mac, sizeof(mac), &maclen) == NULL ||
	    maclen != 20 ||
	    kc_base64_encode(mac, maclen, out, KC_TWILIO_SIG_SIZE) == 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	kc_buf_free(&b);
	return rc;
}

/* The same URL with the scheme's default port added (when there is no
 * port) or removed (when it is the default), into alt; 0 when there is
 * such a form, -1 when not (another port, or no scheme we know). */
static int
port_variant(const char *url, char *alt, size_t cap)
{
	const char *host, *end, *colon, *def;
	size_t hostlen;

	if (strncasecmp(url, "https://", 8) == 0) {
		host = url + 8;
		def = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		host = url + 7;
		def = "80";
	} else
		return -1;
	end = host + strcspn(host, "/?#");
	/* A port's colon comes after an IPv6 literal's closing bracket. */
	colon = memchr(host, ']', (size_t)(end - host));
	colon = memchr(colon ? colon : host, ':',
		       (size_t)(end - (colon ? colon : host)));
	if (colon == NULL) {
		hostlen = (size_t)(end - url);
		if ((size_t)snprintf(alt, cap, "%.*s:%s%s", (int)hostlen, url,
				     def, end) >= cap)
			return -1;
		return 0;
	}
	if ((size_t)(end - colon - 1) != strlen(def) ||
	    memcmp(colon + 1, def, strlen(def)) != 0)
		return -1;
	if ((size_t)snprintf(alt, cap, "%.*s%s", (int)(colon - url), url,
			     end) >= cap)
		return -1;
	return 0;
}

static int
matches(const char *token, const char *url, const struct kc_form *params,
	const char *header)
{
	char want[KC_TWILIO_SIG_SIZE];
	int ok;

	if (kc_twilio_signature(token, url, params, want) != 0)
		return 0;
	/* The length is that of any SHA-1 signature, no secret. */
	ok = strlen(header) == strlen(want) &&
	     kc_ct_equal(header, want, strlen(want));
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

int
kc_twilio_signature_valid(const char *auth_token, const char *full_url,
			  const struct kc_form *params, const char *header)
{
	char alt[4096];
	int ok;

	if (header == NULL || full_url == NULL)
		return 0;
	ok = matches(auth_token, full_url, params, header);
	if (port_variant(full_url, alt, sizeof(alt)) == 0)
		ok |= matches(auth_token, alt, params, header);
	return ok;
}

int
kc_twilio_public_url(const struct kc_config *cfg, const char *path_query,
		     char *out, size_t cap)
{
	if (cfg->public_base_url == NULL || path_query == NULL ||
	    path_query[0] != '/')
		return -1;
	if ((size_t)snprintf(out, cap, "%s%s", cfg->public_base_url,
			     path_query) >= cap)
		return -1;
	return 0;
}
