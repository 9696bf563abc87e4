/*
 * Unit tests for lib/core/kc_password: argon2id hashes in PHC form with
 * the configured parameters, verification (right, wrong, not ours), and
 * when a stored hash asks to be made again.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_password.h"

static const struct kc_pw_params owasp = {19456, 2, 1};

Test(password, hash_is_argon2id_with_the_parameters_asked)
{
	char h[KC_PW_HASH_MAX];

	cr_assert_eq(
	    kc_password_hash(&owasp, "correct horse battery", 21, h, sizeof(h)),
	    0);
	cr_expect(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "%s",
		  h);
}

Test(password, verify_tells_right_from_wrong)
{
	char h[KC_PW_HASH_MAX];

	cr_assert_eq(
	    kc_password_hash(&owasp, "correct horse battery", 21, h, sizeof(h)),
	    0);
	cr_expect_eq(kc_password_verify(h, "correct horse battery", 21), 0);
	cr_expect_eq(kc_password_verify(h, "correct horse batterz", 21), 1);
	cr_expect_eq(kc_password_verify(h, "correct horse battery", 20), 1);
	cr_expect_eq(kc_password_verify(h, "", 0), 1);
}

Test(password, same_password_two_salts)
{
	char a[KC_PW_HASH_MAX], b[KC_PW_HASH_MAX];

	cr_assert_eq(
	    kc_password_hash(&owasp, "same password!", 14, a, sizeof(a)), 0);
	cr_assert_eq(
	    kc_password_hash(&owasp, "same password!", 14, b, sizeof(b)), 0);
	cr_expect_str_neq(a, b);
	cr_expect_eq(kc_password_verify(b, "same password!", 14), 0);
}

Test(password, verify_refuses_what_is_not_argon2id)
{
	cr_expect_eq(kc_password_verify(NULL, "x", 1), -1);
	cr_expect_eq(kc_password_verify("", "x", 1), -1);
	/* argon2i and a bcrypt string: not ours, never "wrong password". */
	cr_expect_eq(
	    kc_password_verify("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$"
			       "aGFzaGhhc2hoYXNoaGFzaA",
			       "x", 1),
	    -1);
	cr_expect_eq(
	    kc_password_verify("$2b$12$abcdefghijklmnopqrstuv", "x", 1), -1);
	cr_expect_eq(
	    kc_password_verify("$argon2id$v=19$m=19456,t=2,p=1$!!$!!", "x", 1),
	    -1);
}

Test(password, params_below_owasp_are_refused)
{
	struct kc_pw_params low_m = {19455, 2, 1}, low_t = {19456, 1, 1},
			    no_lanes = {19456, 2, 0}, more = {65536, 3, 2};
	char h[KC_PW_HASH_MAX];

	cr_expect(kc_password_params_ok(&owasp));
	cr_expect(kc_password_params_ok(&more));
	cr_expect_not(kc_password_params_ok(&low_m));
	cr_expect_not(kc_password_params_ok(&low_t));
	cr_expect_not(kc_password_params_ok(&no_lanes));
	cr_expect_eq(
	    kc_password_hash(&low_m, "password here", 13, h, sizeof(h)), -1);
}

Test(password, rehash_when_the_parameters_grow)
{
	struct kc_pw_params m = {38912, 2, 1}, t = {19456, 3, 1},
			    p = {19456, 2, 2};
	char h[KC_PW_HASH_MAX];

	cr_assert_eq(
	    kc_password_hash(&owasp, "old enough pw", 13, h, sizeof(h)), 0);
	cr_expect_not(kc_password_needs_rehash(h, &owasp));
	cr_expect(kc_password_needs_rehash(h, &m));
	cr_expect(kc_password_needs_rehash(h, &t));
	cr_expect(kc_password_needs_rehash(h, &p));
	/* Stronger than asked stays as it is. */
	cr_assert_eq(kc_password_hash(&m, "old enough pw", 13, h, sizeof(h)),
		     0);
	cr_expect_not(kc_password_needs_rehash(h, &owasp));
	cr_expect(kc_password_needs_rehash("garbage", &owasp));
	cr_expect(kc_password_needs_rehash("$argon2id$v=16$m=19456,t=2,p=1$a$b",
					   &owasp));
}

Test(password, too_long_is_refused_before_hashing)
{
	static char big[KC_PW_MAX_LEN + 2];
	char h[KC_PW_HASH_MAX];

	memset(big, 'a', sizeof(big) - 1);
	cr_expect_eq(
	    kc_password_hash(&owasp, big, KC_PW_MAX_LEN + 1, h, sizeof(h)), -1);
	cr_expect_eq(kc_password_verify("$argon2id$v=19$m=19456,t=2,p=1$a$b",
					big, KC_PW_MAX_LEN + 1),
		     -1);
}
