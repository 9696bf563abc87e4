/* Dashboard users. Each belongs to one business and has one role; they
 * sign in with an email and a password (argon2id, kc_password). The
 * operator makes them with kcctl user. */
#ifndef KC_USER_H
#define KC_USER_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_password.h"

#include <jansson.h>

/* Ordered: a route open to a role is open to every role above it. */
enum kc_role {
	KC_ROLE_NONE = 0,
	KC_ROLE_VIEWER = 1, /* reads */
	KC_ROLE_ADMIN = 2,  /* everything but users and API keys */
	KC_ROLE_OWNER = 3,  /* everything */
};

#define KC_EMAIL_MAX 255 /* 254 bytes and a NUL */

/* "owner", "admin" or "viewer". 0, or -1 for anything else. */
int kc_role_parse(const char *s, enum kc_role *out);
const char *kc_role_name(enum kc_role r);

/* in, trimmed and lower-cased (ASCII), into out (KC_EMAIL_MAX): 0 when it
 * looks like an address (one '@' between non-empty parts, no spaces or
 * control characters, at most 254 bytes), -1 otherwise (out is then the
 * best effort, still usable as a throttle key). */
int kc_email_normalize(const char *in, char *out, size_t cap);

/* A new user; the password (plaintext, KC_PW_MIN_LEN to KC_PW_MAX_LEN
 * bytes) is hashed here with p. KC_INVALID for a bad email or password
 * length, KC_CONFLICT when the email is taken. id_out: KC_ID_MAX. */
int kc_user_create(struct kc_db *db, const struct kc_actor *actor,
		   long long business_id, const char *email, enum kc_role role,
		   const struct kc_pw_params *p, const char *password,
		   char *id_out);
/* The users of a business (0: of every business, for the operator), as
 * {"id","business_id","email","role","created_at","last_sign_in_at",
 * "disabled_at"}; never a hash. */
int kc_user_list(struct kc_db *db, long long business_id, json_t **out);
/* One user by id ("usr_...") or by email. KC_NOTFOUND. */
int kc_user_find(struct kc_db *db, const char *id_or_email, json_t **out);
/* Disables the user and ends every session of theirs. KC_NOTFOUND, or
 * KC_INVALID when already disabled. */
int kc_user_disable(struct kc_db *db, const struct kc_actor *actor,
		    const char *id_or_email);
/* A new password (hashed with p), ending every session of theirs and
 * clearing the sign-in throttle's counts of the account (whoever locked
 * it, the owner of the account is let in again at once). KC_NOTFOUND,
 * KC_INVALID for a bad length. */
int kc_user_set_password(struct kc_db *db, const struct kc_actor *actor,
			 const char *id_or_email, const struct kc_pw_params *p,
			 const char *password);
/* The sign-in throttle's name of an account (a normalized email, known
 * or not): a SHA-256 in hex (65 bytes), so the table holds no email. */
void kc_user_throttle_account(const char *norm_email, char out[65]);

#endif
