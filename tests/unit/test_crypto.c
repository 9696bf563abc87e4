/*
 * Unit tests for lib/core/kc_crypto: known answers from the standards (FIPS
 * 180-2, RFC 4231, RFC 4648, Standard Webhooks), strictness of the decoders,
 * and tamper resistance of sealed secrets.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "kc_crypto.h"

static const unsigned char key_a[32] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static void
expect_hex(const unsigned char *got, size_t n, const char *want)
{
	char hex[129];

	cr_assert(n * 2 < sizeof(hex));
	kc_hex_encode(got, n, hex);
	cr_assert_str_eq(hex, want);
}

/* sha256 */

Test(sha256, abc_known_answer)
{
	unsigned char md[32];

	kc_sha256("abc", 3, md);
	expect_hex(md, sizeof(md),
		   "ba7816bf8f01cfea414140de5dae2223"
		   "b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, empty_input)
{
	char hex[65];

	kc_sha256_hex("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
	kc_sha256_hex(NULL, 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
}

Test(sha256, hex_is_lowercase_and_terminated)
{
	char hex[66];

	memset(hex, 'X', sizeof(hex));
	kc_sha256_hex("abc", 3, hex);
	cr_assert_eq(strlen(hex), 64);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
			      "b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(hex[65], 'X');
}

/* hmac */

Test(hmac, rfc4231_case2)
{
	static const char msg[] = "what do ya want for nothing?";
	unsigned char mac[32];

	cr_assert_eq(kc_hmac_sha256("Jefe", 4, msg, strlen(msg), mac), 0);
	expect_hex(mac, sizeof(mac),
		   "5bdcc146bf60754e6a042426089575c7"
		   "5a003f089d2739839dec58b964ec3843");
}

Test(hmac, rfc4231_case1)
{
	unsigned char key[20], mac[32];

	memset(key, 0x0b, sizeof(key));
	cr_assert_eq(kc_hmac_sha256(key, sizeof(key), "Hi There", 8, mac), 0);
	expect_hex(mac, sizeof(mac),
		   "b0344c61d8db38535ca8afceaf0bf12b"
		   "881dc200c9833da726e9376c2e32cff7");
}

Test(hmac, rfc4231_case6_key_longer_than_block)
{
	static const char msg[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char key[131], mac[32];

	memset(key, 0xaa, sizeof(key));
	cr_assert_eq(kc_hmac_sha256(key, sizeof(key), msg, strlen(msg), mac),
		     0);
	expect_hex(mac, sizeof(mac),
		   "60e431591ee0b67f0d8a26aacbf5b77f"
		   "8e0bc6213728c5140546040f0ee37f54");
}

Test(hmac, empty_key_and_message)
{
	unsigned char mac[32];

	cr_assert_eq(kc_hmac_sha256(NULL, 0, NULL, 0, mac), 0);
	expect_hex(mac, sizeof(mac),
		   "b613679a0814d9ec772f95d778c35fc5"
		   "ff1697c493715653c6c712144292c5ad");
}

Test(hmac, null_with_length_fails)
{
	unsigned char mac[32];

	cr_assert_eq(kc_hmac_sha256(NULL, 4, "x", 1, mac), -1);
	cr_assert_eq(kc_hmac_sha256("k", 1, NULL, 4, mac), -1);
}

/* ct_equal */

Test(ct_equal, behaviour)
{
	unsigned char a[16], b[16];
	size_t i;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	cr_assert_eq(kc_ct_equal(a, b, sizeof(a)), 1);
	cr_assert_eq(kc_ct_equal(a, a, sizeof(a)), 1);
	cr_assert_eq(kc_ct_equal(a, b, 0), 1);
	for (i = 0; i < sizeof(b); i++) {
		b[i] ^= 0x80;
		cr_assert_eq(kc_ct_equal(a, b, sizeof(a)), 0, "byte %zu", i);
		/* A prefix that stops before the difference still matches. */
		cr_assert_eq(kc_ct_equal(a, b, i), 1);
		b[i] ^= 0x80;
	}
	cr_assert_eq(kc_ct_equal("abc", "abd", 3), 0);
	cr_assert_eq(kc_ct_equal("abc", "abd", 2), 1);
}

/* random */

Test(random, non_repeating)
{
	unsigned char a[32], b[32], zero[32] = {0};

	cr_assert_eq(kc_random_bytes(a, sizeof(a)), 0);
	cr_assert_eq(kc_random_bytes(b, sizeof(b)), 0);
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	cr_assert_neq(memcmp(a, zero, sizeof(a)), 0);
	cr_assert_eq(kc_random_bytes(a, 0), 0);
}

Test(random, many_draws_distinct)
{
	unsigned char draws[64][16];
	size_t i, j;

	for (i = 0; i < 64; i++)
		cr_assert_eq(kc_random_bytes(draws[i], sizeof(draws[i])), 0);
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			cr_assert_neq(memcmp(draws[i], draws[j], 16), 0);
}

/* base64 */

Test(base64, rfc4648_vectors)
{
	static const char *const plain[] = {"",     "f",     "fo",    "foo",
					    "foob", "fooba", "foobar"};
	static const char *const enc[] = {
	    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];
	unsigned char dec[16];
	size_t i, n;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		n = kc_base64_encode(plain[i], strlen(plain[i]), out,
				     sizeof(out));
		cr_assert_eq(n, strlen(enc[i]));
		cr_assert_str_eq(out, enc[i]);
		cr_assert_eq(kc_base64_decode(enc[i], strlen(enc[i]), dec,
					      sizeof(dec), &n),
			     0, "%s", enc[i]);
		cr_assert_eq(n, strlen(plain[i]));
		cr_assert_eq(memcmp(dec, plain[i], n), 0);
	}
}

Test(base64, round_trip_lengths_0_to_5_and_more)
{
	unsigned char in[70], dec[70];
	char enc[100];
	size_t len, n, outlen;
	int iter;

	for (len = 0; len < sizeof(in); len++) {
		for (iter = 0; iter < 20; iter++) {
			cr_assert_eq(kc_random_bytes(in, len), 0);
			n = kc_base64_encode(in, len, enc, sizeof(enc));
			cr_assert_eq(n, (len + 2) / 3 * 4);
			cr_assert_eq(strlen(enc), n);
			cr_assert_eq(
			    kc_base64_decode(enc, n, dec, len, &outlen), 0,
			    "len %zu: %s", len, enc);
			cr_assert_eq(outlen, len);
			cr_assert_eq(memcmp(in, dec, len), 0);
		}
	}
}

Test(base64, all_byte_values_round_trip)
{
	unsigned char in[256], dec[256];
	char enc[400];
	size_t i, n, outlen;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	n = kc_base64_encode(in, sizeof(in), enc, sizeof(enc));
	cr_assert_eq(n, 344);
	cr_assert_eq(kc_base64_decode(enc, n, dec, sizeof(dec), &outlen), 0);
	cr_assert_eq(outlen, sizeof(in));
	cr_assert_eq(memcmp(in, dec, sizeof(in)), 0);
}

Test(base64, encode_buffer_too_small)
{
	char out[9];

	/* "foob" needs 8 characters and a NUL. */
	cr_assert_eq(kc_base64_encode("foob", 4, out, 9), 8);
	cr_assert_eq(kc_base64_encode("foob", 4, out, 8), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(kc_base64_encode("", 0, out, 1), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(kc_base64_encode("f", 1, out, 0), 0);
}

Test(base64, strict_rejection)
{
	static const char *const bad[] = {
	    "Zg",       /* length not a multiple of 4 */
	    "Zg=",      /* length not a multiple of 4 */
	    "Zm9vY",    /* length not a multiple of 4 */
	    "====",     /* padding only */
	    "Z===",     /* too much padding */
	    "=Zm8",     /* padding first */
	    "Zg=a",     /* padding in the middle of a group */
	    "Zg==Zg==", /* padding before the end */
	    "Zm8*",     /* bad character */
	    "Zm 8",     /* space */
	    "Zm9v\n",   /* newline */
	    "Zm-_",     /* URL-safe alphabet */
	    "Zh==",     /* non-zero unused bits */
	    "Zm9=",     /* non-zero unused bits */
	    "\xc3\xa9\xc3\xa9",
	};
	unsigned char out[16];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		cr_assert_eq(kc_base64_decode(bad[i], strlen(bad[i]), out,
					      sizeof(out), &n),
			     -1, "accepted \"%s\"", bad[i]);
		cr_assert_eq(n, 0);
	}
	/* An embedded NUL counted in inlen is a bad character too. */
	cr_assert_eq(kc_base64_decode("Zm\0v", 4, out, sizeof(out), &n), -1);
	/* inlen, not the NUL, bounds the input. */
	cr_assert_eq(kc_base64_decode("Zm9vZm9v", 4, out, sizeof(out), &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(kc_base64_decode(NULL, 4, out, sizeof(out), &n), -1);
}

Test(base64, decode_buffer_too_small)
{
	unsigned char out[6];
	size_t n;

	cr_assert_eq(kc_base64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
	cr_assert_eq(kc_base64_decode("Zm9vYmE=", 8, out, 5, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(kc_base64_decode("Zm9vYg==", 8, out, 3, &n), -1);
	cr_assert_eq(kc_base64_decode("Zm9vYg==", 8, out, 4, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(kc_base64_decode("", 0, NULL, 0, &n), 0);
	cr_assert_eq(n, 0);
}

Test(base64url, alphabet_and_no_padding)
{
	static const unsigned char in[] = {0xfb, 0xff, 0xbf};
	char out[16];

	cr_assert_eq(kc_base64url_encode(in, 3, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "-_-_");
	cr_assert_eq(kc_base64_encode(in, 3, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "+/+/");
	cr_assert_eq(kc_base64url_encode("f", 1, out, sizeof(out)), 2);
	cr_assert_str_eq(out, "Zg");
	cr_assert_eq(kc_base64url_encode("fo", 2, out, sizeof(out)), 3);
	cr_assert_str_eq(out, "Zm8");
	cr_assert_eq(kc_base64url_encode("foo", 3, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "Zm9v");
	cr_assert_eq(kc_base64url_encode("", 0, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
	/* "fo" needs 3 characters and a NUL. */
	cr_assert_eq(kc_base64url_encode("fo", 2, out, 4), 3);
	cr_assert_eq(kc_base64url_encode("fo", 2, out, 3), 0);
}

/* hex */

Test(hex, decode)
{
	unsigned char out[4];

	cr_assert_eq(kc_hex_decode("00ff7fA0", out, 4), 0);
	cr_assert_eq(out[0], 0x00);
	cr_assert_eq(out[1], 0xff);
	cr_assert_eq(out[2], 0x7f);
	cr_assert_eq(out[3], 0xa0);
	cr_assert_eq(kc_hex_decode("", out, 0), 0);
}

Test(hex, rejects_wrong_length_and_characters)
{
	unsigned char out[4];

	cr_assert_eq(kc_hex_decode("00ff7f", out, 4), -1);
	cr_assert_eq(kc_hex_decode("00ff7fa", out, 4), -1);
	cr_assert_eq(kc_hex_decode("00ff7fa0b", out, 4), -1);
	cr_assert_eq(kc_hex_decode("00ff7fa000", out, 4), -1);
	cr_assert_eq(kc_hex_decode("00ff7fg0", out, 4), -1);
	cr_assert_eq(kc_hex_decode("00 f7fa0", out, 4), -1);
	cr_assert_eq(kc_hex_decode("0x0f7fa0", out, 4), -1);
	cr_assert_eq(kc_hex_decode(NULL, out, 4), -1);
}

Test(hex, round_trip)
{
	unsigned char in[32], out[32];
	char hex[65];

	cr_assert_eq(kc_random_bytes(in, sizeof(in)), 0);
	kc_hex_encode(in, sizeof(in), hex);
	cr_assert_eq(strlen(hex), 64);
	cr_assert_eq(kc_hex_decode(hex, out, sizeof(out)), 0);
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
}

/* seal */

Test(seal, round_trip)
{
	static const char secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	unsigned char *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;

	cr_assert_eq(
	    kc_seal(key_a, secret, strlen(secret), "ep_1", 4, &sealed, &slen),
	    0);
	cr_assert_not_null(sealed);
	cr_assert_eq(slen, strlen(secret) + KC_SEAL_OVERHEAD);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, "ep_1", 4, &plain, &plen),
		     0);
	cr_assert_not_null(plain);
	cr_assert_eq(plen, strlen(secret));
	cr_assert_eq(memcmp(plain, secret, plen), 0);
	cr_assert_eq(plain[plen], '\0');
	cr_assert_str_eq((char *)plain, secret);
	free(sealed);
	free(plain);
}

Test(seal, round_trip_without_aad_and_empty_plaintext)
{
	unsigned char *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 99;

	cr_assert_eq(kc_seal(key_a, NULL, 0, NULL, 0, &sealed, &slen), 0);
	cr_assert_eq(slen, KC_SEAL_OVERHEAD);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, NULL, 0, &plain, &plen), 0);
	cr_assert_eq(plen, 0);
	cr_assert_not_null(plain);
	cr_assert_eq(plain[0], '\0');
	free(sealed);
	free(plain);

	cr_assert_eq(kc_seal(key_a, "abc", 3, NULL, 0, &sealed, &slen), 0);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, NULL, 0, &plain, &plen), 0);
	cr_assert_eq(plen, 3);
	cr_assert_str_eq((char *)plain, "abc");
	free(sealed);
	free(plain);
}

Test(seal, larger_plaintext)
{
	unsigned char in[5000], *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;

	cr_assert_eq(kc_random_bytes(in, sizeof(in)), 0);
	cr_assert_eq(kc_seal(key_a, in, sizeof(in), "x", 1, &sealed, &slen), 0);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, "x", 1, &plain, &plen), 0);
	cr_assert_eq(plen, sizeof(in));
	cr_assert_eq(memcmp(in, plain, plen), 0);
	free(sealed);
	free(plain);
}

Test(seal, any_flipped_byte_fails)
{
	unsigned char *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0, i;
	int bit;

	cr_assert_eq(kc_seal(key_a, "hello", 5, "aad", 3, &sealed, &slen), 0);
	cr_assert_eq(slen, 5 + KC_SEAL_OVERHEAD);
	for (i = 0; i < slen; i++) {
		for (bit = 0; bit < 8; bit++) {
			sealed[i] ^= (unsigned char)(1u << bit);
			plain = (unsigned char *)"sentinel";
			plen = 99;
			cr_assert_eq(kc_unseal(key_a, sealed, slen, "aad", 3,
					       &plain, &plen),
				     -1, "byte %zu bit %d", i, bit);
			cr_assert_null(plain);
			cr_assert_eq(plen, 0);
			sealed[i] ^= (unsigned char)(1u << bit);
		}
		sealed[i] ^= 0xff;
		cr_assert_eq(
		    kc_unseal(key_a, sealed, slen, "aad", 3, &plain, &plen), -1,
		    "byte %zu", i);
		sealed[i] ^= 0xff;
	}
	/* Undamaged, it still opens. */
	cr_assert_eq(kc_unseal(key_a, sealed, slen, "aad", 3, &plain, &plen),
		     0);
	cr_assert_str_eq((char *)plain, "hello");
	free(plain);
	free(sealed);
}

Test(seal, wrong_aad_key_or_length_fails)
{
	unsigned char key_b[32], *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;

	memcpy(key_b, key_a, sizeof(key_b));
	key_b[31] ^= 1;
	cr_assert_eq(kc_seal(key_a, "hello", 5, "ep_1", 4, &sealed, &slen), 0);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, "ep_2", 4, &plain, &plen),
		     -1);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, "ep_1", 3, &plain, &plen),
		     -1);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, NULL, 0, &plain, &plen),
		     -1);
	cr_assert_eq(kc_unseal(key_b, sealed, slen, "ep_1", 4, &plain, &plen),
		     -1);
	cr_assert_eq(
	    kc_unseal(key_a, sealed, slen - 1, "ep_1", 4, &plain, &plen), -1);
	cr_assert_eq(kc_unseal(key_a, sealed, KC_SEAL_OVERHEAD - 1, "ep_1", 4,
			       &plain, &plen),
		     -1);
	cr_assert_eq(kc_unseal(key_a, sealed, 0, "ep_1", 4, &plain, &plen), -1);
	cr_assert_null(plain);
	free(sealed);

	/* Sealed without aad, opened with some: also a mismatch. */
	cr_assert_eq(kc_seal(key_a, "hello", 5, NULL, 0, &sealed, &slen), 0);
	cr_assert_eq(kc_unseal(key_a, sealed, slen, "x", 1, &plain, &plen), -1);
	free(sealed);
}

Test(seal, same_plaintext_seals_differently)
{
	unsigned char *s1 = NULL, *s2 = NULL;
	size_t l1 = 0, l2 = 0;

	cr_assert_eq(kc_seal(key_a, "same", 4, NULL, 0, &s1, &l1), 0);
	cr_assert_eq(kc_seal(key_a, "same", 4, NULL, 0, &s2, &l2), 0);
	cr_assert_eq(l1, l2);
	/* The nonces differ, and so do the ciphertexts they produce. */
	cr_assert_neq(memcmp(s1, s2, KC_SEAL_NONCE_LEN), 0);
	cr_assert_neq(memcmp(s1 + KC_SEAL_NONCE_LEN, s2 + KC_SEAL_NONCE_LEN,
			     l1 - KC_SEAL_NONCE_LEN),
		      0);
	free(s1);
	free(s2);
}

Test(seal, bad_arguments)
{
	unsigned char *sealed = (unsigned char *)"x";
	size_t slen = 5;

	cr_assert_eq(kc_seal(key_a, NULL, 3, NULL, 0, &sealed, &slen), -1);
	cr_assert_null(sealed);
	cr_assert_eq(slen, 0);
	cr_assert_eq(kc_seal(key_a, "abc", 3, NULL, 2, &sealed, &slen), -1);
	cr_assert_eq(kc_seal(NULL, "abc", 3, NULL, 0, &sealed, &slen), -1);
}

/* webhook: the Standard Webhooks published vector */

struct vector {
	json_t *root;
	const char *secret, *msg_id, *timestamp, *payload, *signature;
	long long ts;
};

/*
 * make check exports KC_TEST_VECTORS; run by hand, the vectors sit beside
 * this file's directory in the source tree, found through __FILE__.
 */
static void
vector_load(struct vector *v)
{
	static const char tail[] = "tests/unit/test_crypto.c";
	const char *dir = getenv("KC_TEST_VECTORS"), *file = __FILE__;
	char path[4096];
	json_error_t err;
	size_t flen = strlen(file), tlen = strlen(tail);
	int n;

	if (dir != NULL && dir[0] != '\0')
		n = snprintf(path, sizeof(path), "%s/standard-webhooks.json",
			     dir);
	else if (flen >= tlen && strcmp(file + flen - tlen, tail) == 0)
		n = snprintf(path, sizeof(path),
			     "%.*stests/vectors/standard-webhooks.json",
			     (int)(flen - tlen), file);
	else
		n = snprintf(path, sizeof(path),
			     "tests/vectors/standard-webhooks.json");
	cr_assert(n > 0 && (size_t)n < sizeof(path));

	v->root = json_load_file(path, 0, &err);
	cr_assert_not_null(v->root, "%s:%d: %s", path, err.line, err.text);
	cr_assert_eq(json_unpack_ex(v->root, &err, 0,
				    "{s:{s:s, s:s, s:s, s:s, s:s}}", "hmac_v1",
				    "secret", &v->secret, "msg_id", &v->msg_id,
				    "timestamp", &v->timestamp, "payload",
				    &v->payload, "signature", &v->signature),
		     0, "%s: %s", path, err.text);
	v->ts = strtoll(v->timestamp, NULL, 10);
	cr_assert(v->ts > 0);
}

static int
vector_verify(const struct vector *v, const char *timestamp, const char *header,
	      long long now)
{
	return kc_webhook_verify(v->secret, v->msg_id, timestamp, v->payload,
				 strlen(v->payload), header, now, 300);
}

Test(webhook, vector_sign_reproduces_signature)
{
	struct vector v;
	char sig[KC_WEBHOOK_SIG_SIZE];

	vector_load(&v);
	cr_assert_eq(kc_webhook_sign(v.secret, v.msg_id, v.ts, v.payload,
				     strlen(v.payload), sig, sizeof(sig)),
		     0);
	cr_assert_str_eq(sig, v.signature);
	/* The whsec_ prefix is optional on input. */
	cr_assert_eq(kc_webhook_sign(v.secret + 6, v.msg_id, v.ts, v.payload,
				     strlen(v.payload), sig, sizeof(sig)),
		     0);
	cr_assert_str_eq(sig, v.signature);
	/* Exactly big enough, and one byte short. */
	cr_assert_eq(kc_webhook_sign(v.secret, v.msg_id, v.ts, v.payload,
				     strlen(v.payload), sig, 48),
		     0);
	cr_assert_eq(kc_webhook_sign(v.secret, v.msg_id, v.ts, v.payload,
				     strlen(v.payload), sig, 47),
		     -1);
	json_decref(v.root);
}

Test(webhook, vector_verifies)
{
	struct vector v;

	vector_load(&v);
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, v.ts), 0);
	cr_assert_eq(kc_webhook_verify(v.secret + 6, v.msg_id, v.timestamp,
				       v.payload, strlen(v.payload),
				       v.signature, v.ts, 300),
		     0);
	json_decref(v.root);
}

Test(webhook, rejects_missing_pieces)
{
	struct vector v;
	size_t plen;

	vector_load(&v);
	plen = strlen(v.payload);
	cr_assert_eq(kc_webhook_verify(v.secret, NULL, v.timestamp, v.payload,
				       plen, v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, "", v.timestamp, v.payload,
				       plen, v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, v.msg_id, NULL, v.payload,
				       plen, v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, v.msg_id, "", v.payload, plen,
				       v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, v.msg_id, v.timestamp,
				       v.payload, plen, NULL, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, v.msg_id, v.timestamp,
				       v.payload, plen, "", v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(NULL, v.msg_id, v.timestamp, v.payload,
				       plen, v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify("whsec_", v.msg_id, v.timestamp,
				       v.payload, plen, v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, v.msg_id, v.timestamp, NULL,
				       plen, v.signature, v.ts, 300),
		     -1);
	json_decref(v.root);
}

Test(webhook, rejects_bad_timestamps)
{
	struct vector v;
	char ts[32];

	vector_load(&v);
	cr_assert_eq(vector_verify(&v, "hello", v.signature, v.ts), -1);
	cr_assert_eq(vector_verify(&v, "1614265330x", v.signature, v.ts), -1);
	cr_assert_eq(vector_verify(&v, " 1614265330", v.signature, v.ts), -1);
	cr_assert_eq(vector_verify(&v, "+1614265330", v.signature, v.ts), -1);
	cr_assert_eq(vector_verify(&v, "1614265330.0", v.signature, v.ts), -1);
	cr_assert_eq(
	    vector_verify(&v, "99999999999999999999999", v.signature, v.ts),
	    -1);
	/* A different (valid) timestamp changes the signed content. */
	snprintf(ts, sizeof(ts), "%lld", v.ts + 1);
	cr_assert_eq(vector_verify(&v, ts, v.signature, v.ts), -1);
	json_decref(v.root);
}

Test(webhook, tolerance_is_300_seconds_either_way)
{
	struct vector v;

	vector_load(&v);
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, v.ts + 300),
		     0);
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, v.ts - 300),
		     0);
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, v.ts + 301),
		     -1);
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, v.ts - 301),
		     -1);
	/* Extreme clocks must not overflow into acceptance. */
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, LLONG_MIN),
		     -1);
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature, LLONG_MAX),
		     -1);
	json_decref(v.root);
}

Test(webhook, rejects_empty_and_truncated_signatures)
{
	struct vector v;
	char buf[128];
	size_t len;

	vector_load(&v);
	len = strlen(v.signature);
	cr_assert_eq(vector_verify(&v, v.timestamp, "v1,", v.ts), -1);
	cr_assert_eq(vector_verify(&v, v.timestamp, "v1", v.ts), -1);
	cr_assert_eq(vector_verify(&v, v.timestamp, ",", v.ts), -1);
	cr_assert_eq(vector_verify(&v, v.timestamp, " ", v.ts), -1);
	cr_assert_eq(vector_verify(&v, v.timestamp, "v1, v1,", v.ts), -1);
	/* Every proper prefix of the signature is rejected. */
	for (size_t cut = 0; cut < len; cut++) {
		snprintf(buf, sizeof(buf), "%.*s", (int)cut, v.signature);
		cr_assert_eq(vector_verify(&v, v.timestamp, buf, v.ts), -1,
			     "prefix %zu", cut);
	}
	/* The bare base64 without its version is not a v1 signature. */
	cr_assert_eq(vector_verify(&v, v.timestamp, v.signature + 3, v.ts), -1);
	/* Nor is the right value under another version. */
	snprintf(buf, sizeof(buf), "v2,%s", v.signature + 3);
	cr_assert_eq(vector_verify(&v, v.timestamp, buf, v.ts), -1);
	/* Nor the signature with something appended. */
	snprintf(buf, sizeof(buf), "%sA", v.signature);
	cr_assert_eq(vector_verify(&v, v.timestamp, buf, v.ts), -1);
	json_decref(v.root);
}

Test(webhook, rejects_tampered_content)
{
	struct vector v;
	char body[128], sig[64];

	vector_load(&v);
	snprintf(body, sizeof(body), "%s", v.payload);
	body[2] ^= 1;
	cr_assert_eq(kc_webhook_verify(v.secret, v.msg_id, v.timestamp, body,
				       strlen(body), v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify(v.secret, "msg_other", v.timestamp,
				       v.payload, strlen(v.payload),
				       v.signature, v.ts, 300),
		     -1);
	cr_assert_eq(kc_webhook_verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				       v.msg_id, v.timestamp, v.payload,
				       strlen(v.payload), v.signature, v.ts,
				       300),
		     -1);
	/* One changed character in the signature itself. */
	snprintf(sig, sizeof(sig), "%s", v.signature);
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	cr_assert_eq(vector_verify(&v, v.timestamp, sig, v.ts), -1);
	json_decref(v.root);
}

Test(webhook, accepts_one_valid_among_several)
{
	struct vector v;
	char bad[64], header[256];

	vector_load(&v);
	snprintf(bad, sizeof(bad), "%s", v.signature);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	snprintf(header, sizeof(header), "%s v2,%s %s %s", bad, v.signature + 3,
		 v.signature, bad);
	cr_assert_eq(vector_verify(&v, v.timestamp, header, v.ts), 0);
	/* The same header without the valid entry fails. */
	snprintf(header, sizeof(header), "%s v2,%s v1a,xyz %s", bad,
		 v.signature + 3, bad);
	cr_assert_eq(vector_verify(&v, v.timestamp, header, v.ts), -1);
	/* Valid signature last, after a v1a entry and doubled spaces. */
	snprintf(header, sizeof(header), "v1a,abc  %s", v.signature);
	cr_assert_eq(vector_verify(&v, v.timestamp, header, v.ts), 0);
	json_decref(v.root);
}

Test(webhook, sign_rejects_bad_secrets)
{
	char sig[KC_WEBHOOK_SIG_SIZE];

	cr_assert_eq(
	    kc_webhook_sign(NULL, "msg_1", 1, "x", 1, sig, sizeof(sig)), -1);
	cr_assert_eq(kc_webhook_sign("", "msg_1", 1, "x", 1, sig, sizeof(sig)),
		     -1);
	cr_assert_eq(
	    kc_webhook_sign("whsec_", "msg_1", 1, "x", 1, sig, sizeof(sig)),
	    -1);
	cr_assert_eq(kc_webhook_sign("whsec_not base64!", "msg_1", 1, "x", 1,
				     sig, sizeof(sig)),
		     -1);
	cr_assert_eq(
	    kc_webhook_sign("whsec_Zg=", "msg_1", 1, "x", 1, sig, sizeof(sig)),
	    -1);
	cr_assert_eq(
	    kc_webhook_sign("whsec_Zg==", "", 1, "x", 1, sig, sizeof(sig)), -1);
	cr_assert_eq(
	    kc_webhook_sign("whsec_Zg==", NULL, 1, "x", 1, sig, sizeof(sig)),
	    -1);
	cr_assert_eq(
	    kc_webhook_sign("whsec_Zg==", "msg_1", 1, "x", 1, sig, sizeof(sig)),
	    0);
	cr_assert_eq(strncmp(sig, "v1,", 3), 0);
	cr_assert_eq(strlen(sig), 47);
}

Test(webhook, secret_new)
{
	char s1[KC_WEBHOOK_SECRET_SIZE], s2[KC_WEBHOOK_SECRET_SIZE];
	char sig[KC_WEBHOOK_SIG_SIZE], ts[32];
	unsigned char key[64];
	size_t klen = 0;

	cr_assert_eq(kc_webhook_secret_new(s1, sizeof(s1)), 0);
	cr_assert_eq(kc_webhook_secret_new(s2, sizeof(s2)), 0);
	cr_assert_eq(strncmp(s1, "whsec_", 6), 0);
	cr_assert_eq(strlen(s1), 50);
	cr_assert_str_neq(s1, s2);
	cr_assert_eq(
	    kc_base64_decode(s1 + 6, strlen(s1 + 6), key, sizeof(key), &klen),
	    0);
	cr_assert_eq(klen, 32);
	cr_assert_eq(kc_webhook_secret_new(s2, 50), -1);
	cr_assert_eq(kc_webhook_secret_new(s2, 51), 0);

	/* A fresh secret signs and verifies; the other one does not verify. */
	cr_assert_eq(
	    kc_webhook_sign(s1, "msg_1", 1700000000, "{}", 2, sig, sizeof(sig)),
	    0);
	snprintf(ts, sizeof(ts), "%d", 1700000000);
	cr_assert_eq(
	    kc_webhook_verify(s1, "msg_1", ts, "{}", 2, sig, 1700000010, 300),
	    0);
	cr_assert_eq(
	    kc_webhook_verify(s2, "msg_1", ts, "{}", 2, sig, 1700000010, 300),
	    -1);
	/* An empty body is allowed, and NULL stands for it. */
	cr_assert_eq(
	    kc_webhook_sign(s1, "msg_1", 1700000000, NULL, 0, sig, sizeof(sig)),
	    0);
	cr_assert_eq(
	    kc_webhook_verify(s1, "msg_1", ts, "", 0, sig, 1700000000, 300), 0);
}
