/*
 * kc_crypto: hashing, MACs, encoders, sealing and webhook signatures over
 * OpenSSL 3 libcrypto. Only EVP interfaces are used so -Werror builds stay
 * clean of deprecation warnings.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "kc_crypto.h"

#define WHSEC_PREFIX     "whsec_"
#define WHSEC_PREFIX_LEN (sizeof(WHSEC_PREFIX) - 1)

/* Base64 of 32 bytes (an HMAC tag or a new key): 4 * ceil(32 / 3). */
#define B64_32_LEN 44

/* OpenSSL lengths are int in places; feed larger inputs in pieces. */
#define CHUNK_MAX (INT_MAX / 2)

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
kc_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		size_t step = n > CHUNK_MAX ? CHUNK_MAX : n;

		if (RAND_bytes(p, (int)step) != 1)
			return -1;
		p += step;
		n -= step;
	}
	return 0;
}

void
kc_sha256(const void *data, size_t len, unsigned char out[32])
{
	static const unsigned char empty = 0;
	unsigned int outl = 0;

	if (data == NULL)
		data = &empty;
	/*
	 * SHA-256 only fails if libcrypto cannot load its default provider.
	 * A zeroed "digest" would silently match other failures, so stop.
	 */
	if (EVP_Digest(data, len, out, &outl, EVP_sha256(), NULL) != 1 ||
	    outl != KC_SHA256_LEN)
		abort();
}

void
kc_hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

void
kc_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[KC_SHA256_LEN];

	kc_sha256(data, len, md);
	kc_hex_encode(md, sizeof(md), out);
}

/*
 * An HMAC-SHA256 context keyed with key. OpenSSL treats a NULL key as "keep
 * the previous one", so an empty key is passed as a valid pointer instead.
 */
static EVP_MAC_CTX *
hmac_new(const void *key, size_t keylen)
{
	static const unsigned char empty = 0;
	char digest[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;

	if (key == NULL) {
		if (keylen != 0)
			return NULL;
		key = &empty;
	}
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	/* The context holds its own reference to the algorithm. */
	EVP_MAC_free(mac);
	if (ctx == NULL)
		return NULL;
	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Finishes ctx into a 32-byte tag and frees it. */
static int
hmac_final(EVP_MAC_CTX *ctx, unsigned char out[32])
{
	size_t outl = 0;
	int rc = -1;

	if (EVP_MAC_final(ctx, out, &outl, KC_SHA256_LEN) == 1 &&
	    outl == KC_SHA256_LEN)
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
kc_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
	       unsigned char out[32])
{
	EVP_MAC_CTX *ctx;

	if (msg == NULL && msglen != 0)
		return -1;
	if ((ctx = hmac_new(key, keylen)) == NULL)
		return -1;
	if (msglen > 0 && EVP_MAC_update(ctx, msg, msglen) != 1) {
		EVP_MAC_CTX_free(ctx);
		return -1;
	}
	return hmac_final(ctx, out);
}

int
kc_ct_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * Length of the padded encoding of n bytes plus its NUL, or 0 if that does
 * not fit in a size_t.
 */
static size_t
b64_need(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);

	if (groups > (SIZE_MAX - 1) / 4)
		return 0;
	return groups * 4 + 1;
}

/* Shared encoder: alphabet chooses the variant, pad whether to add '='. */
static size_t
b64_encode(const char *alphabet, int pad, const unsigned char *in, size_t n,
	   char *out, size_t outcap)
{
	size_t need, i, o = 0;

	if (out == NULL || outcap == 0)
		return 0;
	out[0] = '\0';
	if ((need = b64_need(n)) == 0)
		return 0;
	if (!pad && n % 3 != 0)
		need -= 3 - n % 3;
	if (outcap < need)
		return 0;
	for (i = 0; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 |
				  (unsigned long)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[(v >> 18) & 0x3f];
		out[o++] = alphabet[(v >> 12) & 0x3f];
		out[o++] = alphabet[(v >> 6) & 0x3f];
		out[o++] = alphabet[v & 0x3f];
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)in[i] << 16;

		out[o++] = alphabet[(v >> 18) & 0x3f];
		out[o++] = alphabet[(v >> 12) & 0x3f];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		unsigned long v =
		    (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;

		out[o++] = alphabet[(v >> 18) & 0x3f];
		out[o++] = alphabet[(v >> 12) & 0x3f];
		out[o++] = alphabet[(v >> 6) & 0x3f];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t
kc_base64_encode(const void *in, size_t n, char *out, size_t outcap)
{
	if (in == NULL && n != 0)
		return 0;
	return b64_encode(b64_std, 1, in, n, out, outcap);
}

size_t
kc_base64url_encode(const void *in, size_t n, char *out, size_t outcap)
{
	if (in == NULL && n != 0)
		return 0;
	return b64_encode(b64_url, 0, in, n, out, outcap);
}

/* Value of a standard-alphabet base64 character, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
kc_base64_decode(const char *in, size_t inlen, unsigned char *out,
		 size_t outcap, size_t *outlen)
{
	size_t i, o = 0, npad = 0, total;

	if (outlen != NULL)
		*outlen = 0;
	if ((in == NULL && inlen != 0) || inlen % 4 != 0)
		return -1;
	if (inlen == 0)
		return 0;

	/* Padding may only be the last one or two characters. */
	if (in[inlen - 1] == '=') {
		npad = 1;
		if (in[inlen - 2] == '=')
			npad = 2;
	}
	total = inlen / 4 * 3 - npad;
	if (out == NULL || outcap < total)
		return -1;

	for (i = 0; i < inlen; i += 4) {
		int last = (i + 4 == inlen);
		size_t j, ndata = last ? 4 - npad : 4;
		unsigned long w = 0;

		/* '=' fails b64_value(), so it is allowed only as padding. */
		for (j = 0; j < 4; j++) {
			int v = 0;

			if (j < ndata &&
			    (v = b64_value((unsigned char)in[i + j])) < 0)
				return -1;
			w = w << 6 | (unsigned long)v;
		}
		/*
		 * Bits the padding leaves unused must be zero, so every byte
		 * string has exactly one accepted encoding.
		 */
		if (last && npad == 2 && (w & 0xffff) != 0)
			return -1;
		if (last && npad == 1 && (w & 0xff) != 0)
			return -1;
		out[o++] = (unsigned char)(w >> 16);
		if (!(last && npad == 2))
			out[o++] = (unsigned char)(w >> 8);
		if (!(last && npad >= 1))
			out[o++] = (unsigned char)w;
	}
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

/* Value of a hex digit of either case, or -1. */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
kc_hex_decode(const char *hex, unsigned char *out, size_t outlen)
{
	size_t i;

	if (hex == NULL || (out == NULL && outlen != 0))
		return -1;
	/* A NUL fails hex_value(), so this never reads past the string. */
	for (i = 0; i < outlen; i++) {
		int hi = hex_value((unsigned char)hex[2 * i]), lo;

		if (hi < 0)
			return -1;
		if ((lo = hex_value((unsigned char)hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * outlen] == '\0' ? 0 : -1;
}

/* Feeds aad (out == NULL) or data through a GCM context in int-sized pieces. */
static int
gcm_update(EVP_CIPHER_CTX *ctx, int enc, unsigned char *out,
	   const unsigned char *in, size_t n)
{
	while (n > 0) {
		size_t step = n > CHUNK_MAX ? CHUNK_MAX : n;
		int outl = 0, ok;

		ok = enc ? EVP_EncryptUpdate(ctx, out, &outl, in, (int)step)
			 : EVP_DecryptUpdate(ctx, out, &outl, in, (int)step);
		if (ok != 1)
			return -1;
		if (out != NULL) {
			/* GCM is a stream mode: all bytes come out at once. */
			if ((size_t)outl != step)
				return -1;
			out += step;
		}
		in += step;
		n -= step;
	}
	return 0;
}

int
kc_seal(const unsigned char key[32], const void *plain, size_t n,
	const void *aad, size_t aadlen, unsigned char **out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	int outl = 0, rc = -1;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (key == NULL || out == NULL || outlen == NULL ||
	    (plain == NULL && n != 0) || (aad == NULL && aadlen != 0) ||
	    n > SIZE_MAX - KC_SEAL_OVERHEAD)
		return -1;
	/* malloc(0) may return NULL; always ask for at least the overhead. */
	if ((buf = malloc(n + KC_SEAL_OVERHEAD)) == NULL)
		return -1;
	if (kc_random_bytes(buf, KC_SEAL_NONCE_LEN) != 0)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	/* The default GCM IV length is 12, the one we use. */
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, buf) != 1)
		goto out;
	if (gcm_update(ctx, 1, NULL, aad, aadlen) != 0)
		goto out;
	if (gcm_update(ctx, 1, buf + KC_SEAL_NONCE_LEN, plain, n) != 0)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, buf + KC_SEAL_NONCE_LEN + n, &outl) != 1 ||
	    outl != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, KC_SEAL_TAG_LEN,
				buf + KC_SEAL_NONCE_LEN + n) != 1)
		goto out;
	*out = buf;
	*outlen = n + KC_SEAL_OVERHEAD;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	return rc;
}

int
kc_unseal(const unsigned char key[32], const void *sealed, size_t n,
	  const void *aad, size_t aadlen, unsigned char **plain,
	  size_t *plainlen)
{
	const unsigned char *in = sealed;
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *buf = NULL, tag[KC_SEAL_TAG_LEN];
	size_t clen;
	int outl = 0, rc = -1;

	if (plain != NULL)
		*plain = NULL;
	if (plainlen != NULL)
		*plainlen = 0;
	if (key == NULL || sealed == NULL || plain == NULL ||
	    plainlen == NULL || (aad == NULL && aadlen != 0) ||
	    n < KC_SEAL_OVERHEAD)
		return -1;
	clen = n - KC_SEAL_OVERHEAD;
	if ((buf = malloc(clen + 1)) == NULL)
		return -1;
	/* The ctrl below takes a non-const pointer; give it a copy. */
	memcpy(tag, in + n - KC_SEAL_TAG_LEN, KC_SEAL_TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in) != 1)
		goto out;
	if (gcm_update(ctx, 0, NULL, aad, aadlen) != 0)
		goto out;
	if (gcm_update(ctx, 0, buf, in + KC_SEAL_NONCE_LEN, clen) != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, KC_SEAL_TAG_LEN,
				tag) != 1)
		goto out;
	/* The tag is checked here; until then buf holds unauthenticated data.
	 */
	if (EVP_DecryptFinal_ex(ctx, buf + clen, &outl) != 1 || outl != 0)
		goto out;
	buf[clen] = '\0';
	*plain = buf;
	*plainlen = clen;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, clen + 1);
		free(buf);
	}
	return rc;
}

/*
 * Decodes a "whsec_<base64>" secret (prefix optional) into key. The key must
 * be non-empty: an empty HMAC key would let anyone sign.
 */
static int
whsec_key(const char *secret, unsigned char key[KC_WEBHOOK_KEY_MAX],
	  size_t *keylen)
{
	size_t len;

	if (secret == NULL)
		return -1;
	if (strncmp(secret, WHSEC_PREFIX, WHSEC_PREFIX_LEN) == 0)
		secret += WHSEC_PREFIX_LEN;
	len = strlen(secret);
	if (kc_base64_decode(secret, len, key, KC_WEBHOOK_KEY_MAX, keylen) != 0)
		return -1;
	return *keylen > 0 ? 0 : -1;
}

/* The raw v1 tag over "<msg_id>.<timestamp>.<body>". */
static int
webhook_tag(const char *secret, const char *msg_id, long long timestamp,
	    const void *body, size_t len, unsigned char tag[32])
{
	unsigned char key[KC_WEBHOOK_KEY_MAX];
	size_t keylen = 0;
	char ts[32];
	int tslen, rc = -1;
	EVP_MAC_CTX *ctx = NULL;

	if (msg_id == NULL || msg_id[0] == '\0' || (body == NULL && len != 0))
		return -1;
	tslen = snprintf(ts, sizeof(ts), "%lld", timestamp);
	if (tslen < 0 || (size_t)tslen >= sizeof(ts))
		return -1;
	if (whsec_key(secret, key, &keylen) != 0)
		goto out;
	if ((ctx = hmac_new(key, keylen)) == NULL)
		goto out;
	/* Fed in pieces so a large body is never copied. */
	if (EVP_MAC_update(ctx, (const unsigned char *)msg_id,
			   strlen(msg_id)) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)ts, (size_t)tslen) !=
		1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
	    (len > 0 && EVP_MAC_update(ctx, body, len) != 1)) {
		EVP_MAC_CTX_free(ctx);
		goto out;
	}
	rc = hmac_final(ctx, tag);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
kc_webhook_sign(const char *secret, const char *msg_id, long long timestamp,
		const void *body, size_t len, char *out, size_t outcap)
{
	unsigned char tag[KC_SHA256_LEN];

	if (out == NULL || outcap < 3 + B64_32_LEN + 1)
		return -1;
	out[0] = '\0';
	if (webhook_tag(secret, msg_id, timestamp, body, len, tag) != 0)
		return -1;
	memcpy(out, "v1,", 3);
	if (kc_base64_encode(tag, sizeof(tag), out + 3, outcap - 3) !=
	    B64_32_LEN) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Parses a timestamp of decimal digits only (no sign, no spaces), as the
 * header carries it. 0 ok, -1 if empty, not digits or out of range.
 */
static int
parse_ts(const char *s, long long *ts)
{
	long long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*ts = v;
	return 0;
}

/* 1 if |a - b| <= tol, computed without signed overflow. */
static int
within(long long a, long long b, long long tol)
{
	unsigned long long d;

	if (tol < 0)
		return 0;
	if (a >= b)
		d = (unsigned long long)a - (unsigned long long)b;
	else
		d = (unsigned long long)b - (unsigned long long)a;
	return d <= (unsigned long long)tol;
}

int
kc_webhook_verify(const char *secret, const char *msg_id, const char *timestamp,
		  const void *body, size_t len, const char *sig_header,
		  long long now, long long tolerance)
{
	unsigned char tag[KC_SHA256_LEN];
	char expect[B64_32_LEN + 1];
	const char *p;
	long long ts;
	int rc = -1;

	if (sig_header == NULL || sig_header[0] == '\0')
		return -1;
	if (parse_ts(timestamp, &ts) != 0 || !within(now, ts, tolerance))
		return -1;
	if (webhook_tag(secret, msg_id, ts, body, len, tag) != 0)
		return -1;
	if (kc_base64_encode(tag, sizeof(tag), expect, sizeof(expect)) !=
	    B64_32_LEN)
		goto out;

	/*
	 * Each space-separated entry is "<version>,<signature>". Entries of
	 * other versions (v1a, v2, ...) are skipped, not fatal, so senders can
	 * add schemes and rotate secrets. A v1 entry must match in full: the
	 * length test rejects empty and truncated signatures.
	 */
	for (p = sig_header; *p != '\0';) {
		size_t n = strcspn(p, " ");

		if (n > 3 && memcmp(p, "v1,", 3) == 0 && n - 3 == B64_32_LEN &&
		    kc_ct_equal(p + 3, expect, n - 3)) {
			rc = 0;
			break;
		}
		p += n;
		p += strspn(p, " ");
	}
out:
	OPENSSL_cleanse(tag, sizeof(tag));
	OPENSSL_cleanse(expect, sizeof(expect));
	return rc;
}

int
kc_webhook_secret_new(char *out, size_t outcap)
{
	unsigned char key[32];
	int rc = -1;

	if (out == NULL || outcap < WHSEC_PREFIX_LEN + B64_32_LEN + 1)
		return -1;
	out[0] = '\0';
	if (kc_random_bytes(key, sizeof(key)) != 0)
		goto out;
	memcpy(out, WHSEC_PREFIX, WHSEC_PREFIX_LEN);
	if (kc_base64_encode(key, sizeof(key), out + WHSEC_PREFIX_LEN,
			     outcap - WHSEC_PREFIX_LEN) != B64_32_LEN) {
		out[0] = '\0';
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}
