/* The demo business scripts/run starts with: an agent, two numbers and a
 * full-scope API key written to an env file only root can read. */
#include "kcctl.h"
#include "kc_agent.h"
#include "kc_apikey.h"
#include "kc_business.h"
#include "kc_number.h"
#include "kc_scope.h"

#include <openssl/crypto.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
write_env(const char *path, const char *biz, const char *key)
{
	char text[256];
	int fd, n, rc = 0;

	n = snprintf(text, sizeof(text),
		     "# KaiCalls demo business (created by kcctl demo-seed)\n"
		     "KC_BUSINESS_ID=%s\nKC_API_KEY=%s\n",
		     biz, key);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	    0)
		return -1;
	/* An existing file keeps its old mode through O_CREAT: force it. */
	if (fchmod(fd, 0600) != 0 || write(fd, text, (size_t)n) != n)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
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
	char id[KC_ID_MAX], key[KC_KEY_MAX];
	struct stat st;
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
			if (k->json)
				return kcctl_emit(
				    k,
				    json_pack("{s:s, s:b}", "business_id",
					      b.public_id, "created", 0),
				    NULL);
			printf("demo business %s exists; its API key is in "
			       "%s\n",
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
	if (write_env(env, b.public_id, key) != 0) {
		OPENSSL_cleanse(key, sizeof(key));
		return kcctl_fail(k, "%s: %s", env, strerror(errno));
	}
	if (k->json)
		rc = kcctl_emit(k,
				json_pack("{s:s, s:s, s:s, s:b}", "business_id",
					  b.public_id, "key_id", id, "key", key,
					  "created", !existed),
				NULL);
	else {
		printf("demo business %s; API key (shown once, also in %s):\n"
		       "%s\n",
		       b.public_id, env, key);
		rc = KCCTL_OK;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}
