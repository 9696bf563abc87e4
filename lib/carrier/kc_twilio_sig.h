/* X-Twilio-Signature: how Twilio signs the callbacks it sends us, and how
 * we check them. The signed text is the full URL Twilio requested (as
 * configured with Twilio, query included) followed by each POST parameter
 * sorted by name, its name then its value; the signature is base64 of
 * HMAC-SHA1 of that text under the account's auth token. Sorting and
 * repeated names follow Twilio's own helper libraries: names in UTF-16
 * order, a repeated name's values sorted the same way, an exact repeat of
 * a name and value counted once. */
#ifndef KC_TWILIO_SIG_H
#define KC_TWILIO_SIG_H

#include "kc_config.h"
#include "kc_form.h"

#include <stddef.h>

/* Base64 of a 20-byte HMAC-SHA1 is 28 characters; and a NUL. */
#define KC_TWILIO_SIG_SIZE 29

/* The signature of a request to url with params (NULL: none). 0 ok, -1 on
 * an empty token or url, or out of memory. */
int kc_twilio_signature(const char *auth_token, const char *url,
			const struct kc_form *params,
			char out[KC_TWILIO_SIG_SIZE]);

/* 1 if header (the X-Twilio-Signature value; NULL fails) is the signature
 * of a request to full_url with params, else 0. full_url is tried as
 * given and with the scheme's default port added or removed
 * (https://host/x and https://host:443/x), since Twilio may sign either;
 * every comparison is constant-time. */
int kc_twilio_signature_valid(const char *auth_token, const char *full_url,
			      const struct kc_form *params, const char *header);

/* The URL Twilio requested: public_base_url from the configuration (what
 * Twilio was told; a proxy in front of us changes the host, scheme and
 * port we see) followed by path_query, the request's path and query
 * exactly as received (REQUEST_URI), starting with '/'. 0, or -1 when
 * public_base_url is not configured, path_query does not start with '/'
 * or out is too small. */
int kc_twilio_public_url(const struct kc_config *cfg, const char *path_query,
			 char *out, size_t cap);

#endif
