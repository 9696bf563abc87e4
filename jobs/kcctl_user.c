/* kcctl user: the people who sign in to the dashboard. A password comes
 * from stdin when stdin is not a terminal (the first line), else one is
 * generated and printed once. */
#include "kcctl.h"
#include "kc_crypto.h"
#include "kc_id.h"
#include "kc_user.h"

#include <openssl/crypto.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: kcctl user create --business ID --email EMAIL --role "
    "owner|admin|viewer\n"
    "       kcctl user list [--business ID]\n"
    "       kcctl user disable ID|EMAIL\n"
    "       kcctl user reset-password ID|EMAIL\n"
    "The password is read from stdin (its first line) unless stdin is a\n"
    "terminal; then one is generated and printed once.";

/* A password of 20 base62 characters (about 119 bits). */
#define GENERATED_LEN 20

/* The password: stdin's first line, or a new one (*generated set). */
static int
read_password(struct kcctl *k, char *out, size_t cap, int *generated)
{
	size_t n;

	*generated = 0;
	if (isatty(STDIN_FILENO)) {
		if (kc_rand_base62(out, GENERATED_LEN) != 0)
			return kcctl_fail(k, "no randomness for a password");
		*generated = 1;
		return KCCTL_OK;
	}
	if (fgets(out, (int)cap, stdin) == NULL)
		out[0] = '\0';
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == cap - 1 && !feof(stdin)) {
		OPENSSL_cleanse(out, cap);
		return kcctl_usage(k, "the password is longer than %d bytes",
				   KC_PW_MAX_LEN);
	}
	out[n] = '\0';
	if (n < KC_PW_MIN_LEN || n > KC_PW_MAX_LEN) {
		OPENSSL_cleanse(out, cap);
		return kcctl_usage(k,
				   "the password (stdin's first line) must be "
				   "%d to %d bytes",
				   KC_PW_MIN_LEN, KC_PW_MAX_LEN);
	}
	return KCCTL_OK;
}

static void
created_text(const json_t *v)
{
	const char *pw = json_string_value(json_object_get(v, "password"));

	printf("created %s (%s, %s)\n",
	       json_string_value(json_object_get(v, "id")),
	       json_string_value(json_object_get(v, "email")),
	       json_string_value(json_object_get(v, "role")));
	if (pw)
		printf("password: %s\nThis is the only time the password is "
		       "shown.\n",
		       pw);
}

static void
list_text(const json_t *v)
{
	const json_t *u;
	size_t i;

	json_array_foreach(v, i, u)
	    printf("%s  %-8s  %-6s  %s  %s\n",
		   json_string_value(json_object_get(u, "id")),
		   json_is_null(json_object_get(u, "disabled_at")) ? "active"
								   : "disabled",
		   json_string_value(json_object_get(u, "role")),
		   json_string_value(json_object_get(u, "business_id")),
		   json_string_value(json_object_get(u, "email")));
}

static void
done_text(const json_t *v)
{
	const char *pw = json_string_value(json_object_get(v, "password"));

	printf("%s %s\n", json_string_value(json_object_get(v, "done")),
	       json_string_value(json_object_get(v, "user")));
	if (pw)
		printf("password: %s\nThis is the only time the password is "
		       "shown.\n",
		       pw);
}

static int
user_create(struct kcctl *k, const char *biz, const char *email,
	    const char *role_s)
{
	char id[KC_ID_MAX], pw[KC_PW_MAX_LEN + 2];
	enum kc_role role;
	long long bid;
	int rc, gen;
	json_t *out;

	if (email == NULL || role_s == NULL || kc_role_parse(role_s, &role))
		return kcctl_usage(k, "%s", usage);
	if ((rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	if ((rc = read_password(k, pw, sizeof(pw), &gen)) != KCCTL_OK)
		return rc;
	rc = kc_user_create(k->db, &k->actor, bid, email, role,
			    &k->cfg.password, pw, id);
	if (rc == KC_INVALID)
		rc = kcctl_usage(k, "'%s' is not an email address", email);
	else if (rc == KC_CONFLICT)
		rc = kcctl_fail(k, "a user with the email %s exists", email);
	else if (rc != 0)
		rc = kcctl_fail(k, "could not create the user");
	else {
		out = json_pack("{s:s, s:s, s:s}", "id", id, "email", email,
				"role", kc_role_name(role));
		if (gen)
			json_object_set_new(out, "password", json_string(pw));
		rc = kcctl_emit(k, out, created_text);
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	return rc;
}

static int
user_change(struct kcctl *k, const char *verb, const char *who)
{
	char pw[KC_PW_MAX_LEN + 2];
	json_t *out;
	int rc, gen = 0;

	if (strcmp(verb, "disable") == 0) {
		rc = kc_user_disable(k->db, &k->actor, who);
		if (rc == KC_INVALID)
			return kcctl_fail(k, "%s is disabled already", who);
	} else {
		if ((rc = read_password(k, pw, sizeof(pw), &gen)) != KCCTL_OK)
			return rc;
		rc = kc_user_set_password(k->db, &k->actor, who,
					  &k->cfg.password, pw);
	}
	if (rc == KC_NOTFOUND)
		rc = kcctl_fail(k, "no user %s", who);
	else if (rc != 0)
		rc = kcctl_fail(k, "could not %s %s", verb, who);
	else {
		out = json_pack("{s:s, s:s}", "done",
				strcmp(verb, "disable") == 0
				    ? "disabled (every session ended)"
				    : "new password for (every session "
				      "ended)",
				"user", who);
		if (gen)
			json_object_set_new(out, "password", json_string(pw));
		rc = kcctl_emit(k, out, done_text);
	}
	if (strcmp(verb, "disable") != 0)
		OPENSSL_cleanse(pw, sizeof(pw));
	return rc;
}

int
kcctl_user(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"business", required_argument, NULL, 'b'},
	    {"email", required_argument, NULL, 'e'},
	    {"role", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *biz = NULL, *email = NULL, *role = NULL, *verb, *who = NULL;
	long long bid = 0;
	json_t *out;
	int c, rc;

	if (argc < 2)
		return kcctl_usage(k, "%s", usage);
	verb = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "b:e:r:", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'b':
			biz = optarg;
			break;
		case 'e':
			email = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		default:
			return kcctl_usage(k, "%s", usage);
		}
	}
	if (optind + 1 < argc - 1)
		return kcctl_usage(k, "%s", usage);
	if (optind < argc - 1)
		who = argv[optind + 1];
	if (strcmp(verb, "create") == 0 && who == NULL)
		return user_create(k, biz, email, role);
	if (strcmp(verb, "list") == 0 && who == NULL && !email && !role) {
		if (biz && (rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
			return rc;
		if (kcctl_db(k) == NULL)
			return KCCTL_FAIL;
		if (kc_user_list(k->db, bid, &out) != 0)
			return kcctl_fail(k, "could not list users");
		return kcctl_emit(k, out, list_text);
	}
	if ((strcmp(verb, "disable") != 0 &&
	     strcmp(verb, "reset-password") != 0) ||
	    who == NULL || biz || email || role)
		return kcctl_usage(k, "%s", usage);
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	return user_change(k, verb, who);
}
