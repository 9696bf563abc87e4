#include "kcctl.h"
#include "kc_apikey.h"
#include "kc_agent.h"
#include "kc_scope.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kcctl key create --business ID --name NAME [--scopes LIST] "
    "[LIMITS]\n"
    "       kcctl key list --business ID\n"
    "       kcctl key set-limits ID LIMITS\n"
    "       kcctl key revoke ID\n"
    "       kcctl key rotate ID [--grace 24h]\n"
    "LIMITS: any of --read-rate R, --write-rate R, --ingest-rate R, where R\n"
    "is a rate such as 50/s, 600/m or 100/h with an optional burst\n"
    "('50/s burst 100'), or off (no limit), or default (the node's)";

/* The limits of a key as text: "read 5/s burst 10, write default, ...". */
static void
limits_text(const json_t *key)
{
	const json_t *l = json_object_get(key, "rate_limits");
	const char *k, *sep = "";
	const json_t *v;

	json_object_foreach((json_t *)l, k, v)
	{
		printf("%s%s %s", sep, k,
		       json_is_string(v) ? json_string_value(v) : "default");
		sep = ", ";
	}
}

static void
created_text(const json_t *v)
{
	printf("created %s\nkey: %s\nThis is the only time the key is shown; "
	       "store it now.\n",
	       json_string_value(json_object_get(v, "id")),
	       json_string_value(json_object_get(v, "key")));
}

static void
list_text(const json_t *v)
{
	const json_t *k;
	size_t i;

	json_array_foreach(v, i, k)
	{
		const char *state = "active";
		if (!json_is_null(json_object_get(k, "revoked_at")) &&
		    json_object_get(k, "revoked_at"))
			state = "revoked";
		else if (json_object_get(k, "expires_at") &&
			 !json_is_null(json_object_get(k, "expires_at")))
			state = "expiring";
		printf("%s  %-8s  %s  %s  (",
		       json_string_value(json_object_get(k, "id")), state,
		       json_string_value(json_object_get(k, "hint")),
		       json_string_value(json_object_get(k, "name")));
		limits_text(k);
		printf(")\n");
	}
}

static void
limits_set_text(const json_t *v)
{
	printf("%s: ", json_string_value(json_object_get(v, "id")));
	limits_text(v);
	printf("\n");
}

static void
revoked_text(const json_t *v)
{
	printf("revoked %s\n", json_string_value(json_object_get(v, "id")));
}

static void
rotated_text(const json_t *v)
{
	printf("created %s to replace %s\nkey: %s\n%s keeps working until "
	       "%s.\nThis is the only time the key is shown; store it now.\n",
	       json_string_value(json_object_get(v, "id")),
	       json_string_value(json_object_get(v, "rotated_from")),
	       json_string_value(json_object_get(v, "key")),
	       json_string_value(json_object_get(v, "rotated_from")),
	       json_string_value(json_object_get(v, "old_key_expires_at")));
}

/* One of --read-rate, --write-rate, --ingest-rate: kind's entry of lim
 * and its bit in *which. */
static int
rate_option(struct kcctl *k, enum kc_rl_kind kind, const char *v,
	    struct kc_key_limits *lim, unsigned *which)
{
	*which |= 1u << kind;
	if (strcmp(v, "default") == 0) {
		lim->own[kind] = 0;
		return KCCTL_OK;
	}
	if (kc_rl_policy_parse(v, &lim->p[kind]) != 0)
		return kcctl_usage(
		    k,
		    "--%s-rate: '%s' is not a rate such as 50/s, 600/m or "
		    "100/h with an optional burst ('50/s burst 100', 1/h to "
		    "1000000/s, burst 1 to 1000000), off or default",
		    kc_rl_kind_name(kind), v);
	lim->own[kind] = 1;
	return KCCTL_OK;
}

static int
key_create(struct kcctl *k, const char *biz, const char *name,
	   const char *scopes, const struct kc_key_limits *lim)
{
	char id[KC_ID_MAX], key[KC_KEY_MAX], bad[80];
	uint32_t mask = KC_SCOPES_READ;
	long long bid;
	json_t *out;
	int rc;

	if (name == NULL || *name == '\0' || strlen(name) > 200)
		return kcctl_usage(k, "--name NAME (1 to 200 bytes) is "
				      "required");
	if (scopes && kc_scope_parse(scopes, &mask, bad, sizeof(bad)) != 0)
		return kcctl_usage(
		    k, bad[0] ? "unknown scope '%s'" : "--scopes is empty%s",
		    bad);
	if ((rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	if (kc_key_create(k->db, &k->actor, bid, name, mask, lim, id, key))
		return kcctl_fail(k, "could not create the key");
	out = json_pack("{s:s, s:s}", "id", id, "key", key);
	OPENSSL_cleanse(key, sizeof(key));
	return kcctl_emit(k, out, created_text);
}

int
kcctl_key(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"business", required_argument, NULL, 'b'},
	    {"name", required_argument, NULL, 'n'},
	    {"scopes", required_argument, NULL, 's'},
	    {"grace", required_argument, NULL, 'g'},
	    {"read-rate", required_argument, NULL, 'R'},
	    {"write-rate", required_argument, NULL, 'W'},
	    {"ingest-rate", required_argument, NULL, 'I'},
	    {NULL, 0, NULL, 0},
	};
	const char *biz = NULL, *name = NULL, *scopes = NULL, *grace = NULL;
	const char *verb, *id = NULL;
	struct kc_key_limits lim;
	unsigned which = 0;
	long long bid, secs = 86400;
	json_t *out;
	int c, rc;

	if (argc < 2)
		return kcctl_usage(k, "%s", usage);
	verb = argv[1];
	memset(&lim, 0, sizeof(lim));
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "b:n:s:g:R:W:I:", opts,
				NULL)) != -1) {
		switch (c) {
		case 'b':
			biz = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 's':
			scopes = optarg;
			break;
		case 'g':
			grace = optarg;
			break;
		case 'R':
		case 'W':
		case 'I':
			if ((rc = rate_option(k,
					      c == 'R'   ? KC_RL_READ
					      : c == 'W' ? KC_RL_WRITE
							 : KC_RL_INGEST,
					      optarg, &lim, &which)) !=
			    KCCTL_OK)
				return rc;
			break;
		default:
			return kcctl_usage(k, "%s", usage);
		}
	}
	if (optind + 1 < argc - 1)
		return kcctl_usage(k, "%s", usage);
	if (optind < argc - 1)
		id = argv[optind + 1];
	if (strcmp(verb, "create") == 0 && id == NULL)
		return key_create(k, biz, name, scopes, &lim);
	if (which && strcmp(verb, "set-limits") != 0)
		return kcctl_usage(k, "%s", usage);
	if (strcmp(verb, "list") == 0 && id == NULL) {
		if ((rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
			return rc;
		if (kc_key_list(k->db, bid, &out) != 0)
			return kcctl_fail(k, "could not list keys");
		return kcctl_emit(k, out, list_text);
	}
	if ((strcmp(verb, "revoke") != 0 && strcmp(verb, "rotate") != 0 &&
	     strcmp(verb, "set-limits") != 0) ||
	    id == NULL || biz || name || scopes ||
	    (grace && strcmp(verb, "rotate") != 0) ||
	    (strcmp(verb, "set-limits") == 0 && which == 0))
		return kcctl_usage(k, "%s", usage);
	if (!kc_id_valid("key", id))
		return kcctl_usage(k, "'%s' is not a key id (key_...)", id);
	if (grace && kc_duration_parse(grace, &secs) != 0)
		return kcctl_usage(k, "--grace takes a duration such as 24h, "
				      "30m, 90s or 0");
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	if (strcmp(verb, "set-limits") == 0) {
		rc = kc_key_set_limits(k->db, &k->actor, id, which, &lim, &out);
		if (rc == KC_NOTFOUND)
			return kcctl_fail(k, "no key %s", id);
		if (rc != 0)
			return kcctl_fail(k, "could not set the limits of %s",
					  id);
		return kcctl_emit(k, out, limits_set_text);
	}
	if (strcmp(verb, "revoke") == 0)
		rc = kc_key_revoke(k->db, &k->actor, 0, id, &out);
	else
		rc = kc_key_rotate(k->db, &k->actor, 0, id, secs, &out);
	if (rc == KC_NOTFOUND)
		return kcctl_fail(k, "no key %s", id);
	if (rc == KC_INVALID)
		return kcctl_fail(k, "key %s is already revoked", id);
	if (rc != 0)
		return kcctl_fail(k, "could not %s %s", verb, id);
	return kcctl_emit(
	    k, out, strcmp(verb, "revoke") == 0 ? revoked_text : rotated_text);
}
