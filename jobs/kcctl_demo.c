/* The demo business scripts/run starts with: an agent, two numbers, a
 * full-scope API key and a dashboard owner, the key and the owner's
 * password written to an env file only root can read. */
#include "kcctl.h"
#include "kc_agent.h"
#include "kc_apikey.h"
#include "kc_business.h"
#include "kc_number.h"
#include "kc_scope.h"
#include "kc_user.h"

#include <openssl/crypto.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_EMAIL "owner@brightsmile.example"

/* The demo business's env file: with key, a new file with the business
 * and the key; then (password not NULL) the dashboard owner's lines,
 * appended. */
static int
write_env(const char *path, const char *biz, const char *key,
	  const char *password)
{
	char text[512];
	int fd, n, rc = 0;

	if (key)
		n = snprintf(text, sizeof(text),
			     "# KaiCalls demo business (created by kcctl "
			     "demo-seed)\nKC_BUSINESS_ID=%s\nKC_API_KEY=%s\n",
			     biz, key);
	else
		n = 0;
	if (password)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "# The dashboard (/app/): its owner\n"
			      "KC_DASHBOARD_EMAIL=%s\n"
			      "KC_DASHBOARD_PASSWORD=%s\n",
			      DEMO_EMAIL, password);
	if ((fd = open(path,
		       O_WRONLY | O_CREAT | (key ? O_TRUNC : O_APPEND) |
			   O_CLOEXEC,
		       0600)) < 0)
		return -1;
	/* An existing file keeps its old mode through O_CREAT: force it. */
	if (fchmod(fd, 0600) != 0 || n < 0 || (size_t)n >= sizeof(text) ||
	    write(fd, text, (size_t)n) != n)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

/* The demo business's owner, with a new password in pw (21 bytes): made,
 * or given a new password if it exists (its old one went with the env
 * file). */
static int
demo_owner(struct kcctl *k, long long business_id, char *pw)
{
	char id[KC_ID_MAX];
	json_t *u = NULL;
	int rc;

	if (kc_rand_base62(pw, 20) != 0)
		return -1;
	rc = kc_user_find(k->db, DEMO_EMAIL, &u);
	json_decref(u);
	if (rc == KC_NOTFOUND)
		return kc_user_create(k->db, &k->actor, business_id, DEMO_EMAIL,
				      KC_ROLE_OWNER, &k->cfg.password, pw, id);
	if (rc != 0)
		return -1;
	return kc_user_set_password(k->db, &k->actor, DEMO_EMAIL,
				    &k->cfg.password, pw);
}

static void
print_owner(const char *env, const char *pw)
{
	printf("dashboard owner (also in %s):\n  email:    %s\n"
	       "  password: %s\n",
	       env, DEMO_EMAIL, pw);
}

int
kcctl_demo_seed(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"env-file", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	const char *env = NULL;
	struct kc_business b;
	char id[KC_ID_MAX], key[KC_KEY_MAX], pw[24];
	struct stat st;
	json_t *u = NULL;
	int c, rc, existed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "e:", opts, NULL)) != -1)
		if (c == 'e')
			env = optarg;
		else
			return kcctl_usage(k, "usage: kcctl demo-seed "
					      "--env-file FILE");
	if (env == NULL || optind != argc)
		return kcctl_usage(k, "usage: kcctl demo-seed --env-file FILE");
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	rc = kc_business_find_slug(k->db, "demo", &b);
	if (rc == 0) {
		existed = 1;
		if (stat(env, &st) == 0) {
			/* A demo from before the dashboard: its owner now. */
			rc = kc_user_find(k->db, DEMO_EMAIL, &u);
			json_decref(u);
			if (rc == KC_NOTFOUND) {
				if (demo_owner(k, b.id, pw) != 0 ||
				    write_env(env, b.public_id, NULL, pw) !=
					0) {
					OPENSSL_cleanse(pw, sizeof(pw));
					return kcctl_fail(k, "could not add "
							     "the demo's "
							     "dashboard owner");
				}
				if (!k->json)
					print_owner(env, pw);
				OPENSSL_cleanse(pw, sizeof(pw));
			} else if (rc != 0)
				return kcctl_fail(k, "database error");
			if (k->json)
				return kcctl_emit(
				    k,
				    json_pack("{s:s, s:b}", "business_id",
					      b.public_id, "created", 0),
				    NULL);
			printf("demo business %s exists; its API key and "
			       "dashboard owner are in %s\n",
			       b.public_id, env);
			return KCCTL_OK;
		}
	} else if (rc != KC_NOTFOUND) {
		return kcctl_fail(k, "database error");
	} else {
		if (kc_business_create(k->db, &k->actor, "Bright Smile Dental",
				       "America/New_York", "demo", &b) != 0)
			return kcctl_fail(k, "could not create the demo "
					     "business");
		if (kc_agent_set_profile(
			k->db, b.id, "Kai",
			"You are Kai, the receptionist of Bright Smile "
			"Dental. Book cleanings and check-ups, answer "
			"questions about opening hours and insurance, and "
			"take a message for anything urgent.",
			"aria",
			"Thanks for calling Bright Smile Dental, this is "
			"Kai. How can I help?",
			"en-US") != 0 ||
		    kc_number_add(k->db, b.id, "+14155550100", "Main line",
				  NULL) != 0 ||
		    kc_number_add(k->db, b.id, "+14155550101", "After hours",
				  NULL) != 0)
			return kcctl_fail(k, "could not set up the demo agent");
	}
	if (kc_key_create(k->db, &k->actor, b.id, "demo", KC_SCOPE_ALL, NULL,
			  id, key) != 0)
		return kcctl_fail(k, "could not create the demo key");
	if (demo_owner(k, b.id, pw) != 0) {
		OPENSSL_cleanse(key, sizeof(key));
		return kcctl_fail(k, "could not create the demo's dashboard "
				     "owner");
	}
	if (write_env(env, b.public_id, key, pw) != 0) {
		OPENSSL_cleanse(key, sizeof(key));
		OPENSSL_cleanse(pw, sizeof(pw));
		return kcctl_fail(k, "%s: %s", env, strerror(errno));
	}
	if (k->json)
		rc = kcctl_emit(k,
				json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}",
					  "business_id", b.public_id, "key_id",
					  id, "key", key, "created", !existed,
					  "dashboard_email", DEMO_EMAIL,
					  "dashboard_password", pw),
				NULL);
	else {
		printf("demo business %s; API key (shown once, also in %s):\n"
		       "%s\n",
		       b.public_id, env, key);
		print_owner(env, pw);
		rc = KCCTL_OK;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pw, sizeof(pw));
	return rc;
}
