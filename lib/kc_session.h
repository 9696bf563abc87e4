/* Dashboard sessions and sign-in. A session is a random token (32 bytes
 * from the CSPRNG, base64url) that only the browser holds, in a cookie;
 * the database keeps its SHA-256. The token is new at every sign-in, so a
 * token planted before it (fixation) is worth nothing after. Sign-in
 * attempts are throttled per account and client address together and per
 * client address in the database, so every FastCGI process of every node
 * counts together. */
#ifndef KC_SESSION_H
#define KC_SESSION_H

#include "kc_config.h"
#include "kc_db.h"
#include "kc_id.h"
#include "kc_user.h"

#define KC_SESSION_TOKEN_LEN 43 /* base64url of 32 bytes, unpadded */
#define KC_SESSION_TOKEN_MAX 48
#define KC_CSRF_MAX          48

/* Who is signed in, for the request. */
struct kc_session {
	long long id;
	long long user_id;
	char user_public_id[KC_ID_MAX];
	char email[KC_EMAIL_MAX];
	enum kc_role role;
	long long business_id;
	char business_public_id[KC_ID_MAX];
	char business_name[201];
	char timezone[65];
	/* The token every form of this session carries (derived from the
	 * session's token, so it is stored nowhere either). */
	char csrf[KC_CSRF_MAX];
};

/* The sign-in failures one account may have from all clients together
 * in signin_window: this many times signin_max_failures. */
#define KC_SIGNIN_ACCOUNT_FACTOR 20

enum kc_signin_result {
	KC_SIGNIN_OK,
	/* A wrong password, an unknown email and a disabled user are one
	 * answer, which takes as long either way (a hash is computed). */
	KC_SIGNIN_REFUSED,
	KC_SIGNIN_THROTTLED, /* too many attempts: *retry_after seconds */
	KC_SIGNIN_ERROR,     /* the database failed */
};

/* Checks email and password (n bytes) from client_addr and, when they
 * are right and no throttle holds, starts a session: token_out
 * (KC_SESSION_TOKEN_MAX) gets its token and *s what it is, and the
 * session of old_token (the browser's cookie, may be NULL) ends in the
 * same transaction. Rehashes the password when cfg->password asks more
 * than its hash was made with. Attempts are counted per account and
 * client together (cfg->signin_max_account) and per client
 * (cfg->signin_max_address); a client is an IPv4 address or an IPv6 /64. */
enum kc_signin_result kc_signin(struct kc_db *db, const struct kc_config *cfg,
				const char *email, const char *password,
				size_t n, const char *client_addr,
				const char *old_token, char *token_out,
				struct kc_session *s, long long *retry_after);

enum kc_session_result {
	KC_SESSION_OK,
	KC_SESSION_NONE,    /* no token, or one we never issued */
	KC_SESSION_EXPIRED, /* signed out, idle too long, too old, or the
			       user was disabled */
	KC_SESSION_ERROR,
};

/* The session of a token from a cookie; records the request as activity
 * (at most every idle/30 seconds, so a read is rarely a write). */
enum kc_session_result kc_session_check(struct kc_db *db,
					const struct kc_config *cfg,
					const char *token,
					struct kc_session *out);
/* Signs out: this session, or (everywhere) every session of its user.
 * Audited as the user. */
int kc_session_end(struct kc_db *db, const struct kc_session *s, int everywhere,
		   const char *request_id);
/* A secret made by this request (of object id; what says how, such as
 * "api_key_created") kept for the next page of the session, which shows
 * it once (Post/Redirect/Get: a reload neither makes the object again
 * nor shows the secret again). Sealed under key, bound to the session. */
int kc_session_flash_put(struct kc_db *db, const unsigned char key[32],
			 const struct kc_session *s, const char *what,
			 const char *id, const char *secret);
/* Takes the session's secret for object id into out (cap bytes, the
 * caller wipes it) and its what into what (wcap), clearing it. A secret
 * for another id stays. KC_NOTFOUND when there is none for id. */
int kc_session_flash_take(struct kc_db *db, const unsigned char key[32],
			  const struct kc_session *s, const char *id,
			  char *what, size_t wcap, char *out, size_t cap);
/* Housekeeping (kcctl maintain): deletes, batch rows at a time, the
 * sessions unseen for a day past session_idle (dead a day or more,
 * whichever way they ended) and the sign-in throttle rows whose window
 * has closed, adding how many went to *sessions and *throttle. 0 or -1. */
int kc_session_purge(struct kc_db *db, const struct kc_config *cfg,
		     long long batch, long long *sessions, long long *throttle);
/* The CSRF token of a session token (KC_CSRF_MAX). */
void kc_session_csrf(const char *token, char *out);

#endif
