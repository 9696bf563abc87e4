/*
 * kc_crypto: the few cryptographic primitives KaiCalls needs, over OpenSSL 3
 * libcrypto (EVP only, nothing deprecated), plus strict encoders, sealing of
 * secrets at rest and Standard Webhooks v1 signatures.
 *
 * Functions that can fail return 0 on success and -1 on failure; nothing here
 * logs, because callers know whether a failure is an attack or a bug.
 */
#ifndef KC_CRYPTO_H
#define KC_CRYPTO_H

#include <stddef.h>

/* Bytes in a SHA-256 digest and in an HMAC-SHA256 tag. */
#define KC_SHA256_LEN 32

/* Bytes AES-256-GCM sealing adds: a 12-byte nonce in front, a 16-byte tag
 * behind. */
#define KC_SEAL_NONCE_LEN 12
#define KC_SEAL_TAG_LEN   16
#define KC_SEAL_OVERHEAD  (KC_SEAL_NONCE_LEN + KC_SEAL_TAG_LEN)

/* Buffer size that always fits a kc_webhook_sign() result ("v1," + 44 base64
 * characters + NUL is 48; rounded up). */
#define KC_WEBHOOK_SIG_SIZE 64

/* Buffer size that always fits a kc_webhook_secret_new() result ("whsec_" +
 * 44 base64 characters + NUL is 51; rounded up). */
#define KC_WEBHOOK_SECRET_SIZE 64

/* Longest webhook key, in bytes after base64 decoding, that sign/verify
 * accept; the spec asks for 24 to 64, and a fixed bound lets the key live in
 * a stack buffer that is wiped after use. */
#define KC_WEBHOOK_KEY_MAX 128

/* Fills buf with n bytes from the OS CSPRNG (RAND_bytes). 0 ok, -1 fail. */
int kc_random_bytes(void *buf, size_t n);

/* SHA-256 of data. Cannot fail short of a broken libcrypto, in which case it
 * aborts rather than hand back a wrong digest. */
void kc_sha256(const void *data, size_t len, unsigned char out[32]);

/* SHA-256 of data as 64 lowercase hex digits, NUL-terminated. */
void kc_sha256_hex(const void *data, size_t len, char out[65]);

/* HMAC-SHA256 of msg under key (an empty key is allowed). 0 ok, -1 fail. */
int kc_hmac_sha256(const void *key, size_t keylen, const void *msg,
		   size_t msglen, unsigned char out[32]);

/* 1 if the n bytes at a and b are equal, else 0, in time that depends only
 * on n (CRYPTO_memcmp). n == 0 compares equal. */
int kc_ct_equal(const void *a, const void *b, size_t n);

/* Standard base64 (RFC 4648 section 4), padded, NUL-terminated. Returns the
 * string length, or 0 if outcap cannot hold it and the NUL (out is then an
 * empty string when outcap > 0). Encoding 0 bytes also returns 0. */
size_t kc_base64_encode(const void *in, size_t n, char *out, size_t outcap);

/* Strict standard base64 decoding of inlen characters (no NUL needed):
 * length a multiple of 4, only alphabet characters, '=' only as one or two
 * final padding characters, unused trailing bits zero, no whitespace.
 * Writes at most outcap bytes and the decoded length to *outlen.
 * 0 ok, -1 on malformed input or too small a buffer. */
int kc_base64_decode(const char *in, size_t inlen, unsigned char *out,
		     size_t outcap, size_t *outlen);

/* URL-safe base64 (RFC 4648 section 5, '-' and '_'), no padding,
 * NUL-terminated. Returns strlen, or 0 if outcap is too small. */
size_t kc_base64url_encode(const void *in, size_t n, char *out, size_t outcap);

/* Decodes exactly 2 * outlen hex digits (either case) from the NUL-terminated
 * string hex into out; a shorter or longer string fails. 0 ok, -1 fail. */
int kc_hex_decode(const char *hex, unsigned char *out, size_t outlen);

/* Writes 2 * n lowercase hex digits of in, and a NUL, to out, which must hold
 * 2 * n + 1 bytes. The counterpart of kc_hex_decode(). */
void kc_hex_encode(const void *in, size_t n, char *out);

/* AES-256-GCM sealing of secrets at rest. *out receives nonce(12) ||
 * ciphertext || tag(16), freshly malloc'd and owned by the caller; *outlen is
 * n + KC_SEAL_OVERHEAD. The nonce is random per call, so one key may seal
 * many secrets. aad (may be NULL when aadlen is 0) binds the blob to its
 * context, e.g. the row it lives in. 0 ok, -1 fail (*out is then NULL). */
int kc_seal(const unsigned char key[32], const void *plain, size_t n,
	    const void *aad, size_t aadlen, unsigned char **out,
	    size_t *outlen);

/* Opens a kc_seal() blob. Fails (-1) on any tampering, a wrong key or aad, or
 * a blob too short to hold nonce and tag; no unauthenticated byte is ever
 * handed out. On success *plain is malloc'd, owned by the caller and
 * NUL-terminated for convenience (the extra byte is not counted in
 * *plainlen). On failure *plain is NULL. */
int kc_unseal(const unsigned char key[32], const void *sealed, size_t n,
	      const void *aad, size_t aadlen, unsigned char **plain,
	      size_t *plainlen);

/* Standard Webhooks (https://www.standardwebhooks.com) v1 HMAC-SHA256
 * signatures. The secret is "whsec_" + base64 of the key bytes (the prefix is
 * optional on input). Signed content is "<msg_id>.<timestamp>.<body>".
 * Writes "v1,<base64>" (KC_WEBHOOK_SIG_SIZE always suffices) to out.
 * Fails on an empty msg_id, a secret that is not strict base64 of 1 to
 * KC_WEBHOOK_KEY_MAX bytes, or too small an out. 0 ok, -1 fail. */
int kc_webhook_sign(const char *secret, const char *msg_id, long long timestamp,
		    const void *body, size_t len, char *out, size_t outcap);

/* Verifies a webhook-signature header value, which may hold several
 * space-separated signatures ("v1,<b64> v1a,<x> ..."); accepts if any v1
 * signature matches (constant-time compare). timestamp must be a decimal
 * integer of digits only. Rejects: timestamp not an integer, |now - ts| >
 * tolerance seconds, missing (NULL or empty) pieces, empty or truncated
 * signatures. 0 = valid, -1 = invalid. */
int kc_webhook_verify(const char *secret, const char *msg_id,
		      const char *timestamp, const void *body, size_t len,
		      const char *sig_header, long long now,
		      long long tolerance);

/* A new signing secret: "whsec_" + base64 of 32 random bytes, 50 characters.
 * out needs >= 64 bytes (KC_WEBHOOK_SECRET_SIZE). 0 ok, -1 fail. */
int kc_webhook_secret_new(char *out, size_t outcap);

#endif /* KC_CRYPTO_H */
