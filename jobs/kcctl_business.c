#include "kcctl.h"
#include "kc_business.h"
#include "kc_number.h"
#include "kc_phone.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
business_text(const json_t *v)
{
	printf("created business %s (%s, %s)\n",
	       json_string_value(json_object_get(v, "id")),
	       json_string_value(json_object_get(v, "name")),
	       json_string_value(json_object_get(v, "timezone")));
}

int
kcctl_business(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"timezone", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	const char *tz = "UTC", *name;
	struct kc_business b;
	int c;

	if (argc < 2 || strcmp(argv[1], "create") != 0)
		return kcctl_usage(k, "usage: kcctl business create NAME "
				      "[--timezone TZ]");
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "t:", opts, NULL)) != -1)
		if (c == 't')
			tz = optarg;
		else
			return kcctl_usage(k, "usage: kcctl business create "
					      "NAME [--timezone TZ]");
	if (optind + 2 != argc)
		return kcctl_usage(k, "business create takes one NAME");
	name = argv[optind + 1];
	if (*name == '\0' || strlen(name) > 200)
		return kcctl_usage(k, "NAME must be 1 to 200 bytes");
	if (!kc_timezone_valid(tz))
		return kcctl_usage(k,
				   "unknown time zone '%s' (use a tz "
				   "database name such as "
				   "America/New_York)",
				   tz);
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	if (kc_business_create(k->db, &k->actor, name, tz, NULL, &b) != 0)
		return kcctl_fail(k, "could not create the business");
	return kcctl_emit(k, kc_business_json(&b), business_text);
}

static void
number_text(const json_t *v)
{
	printf("added %s as %s\n",
	       json_string_value(json_object_get(v, "number")),
	       json_string_value(json_object_get(v, "id")));
}

int
kcctl_number(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"business", required_argument, NULL, 'b'},
	    {"label", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	const char *biz = NULL, *label = "";
	char id[KC_ID_MAX];
	long long bid;
	int c, rc;

	if (argc < 2 || strcmp(argv[1], "add") != 0)
		return kcctl_usage(k, "usage: kcctl number add --business ID "
				      "NUMBER [--label TEXT]");
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "b:l:", opts, NULL)) != -1)
		if (c == 'b')
			biz = optarg;
		else if (c == 'l')
			label = optarg;
		else
			return kcctl_usage(k, "usage: kcctl number add "
					      "--business ID NUMBER");
	if (optind + 2 != argc)
		return kcctl_usage(k, "number add takes one NUMBER");
	if (!kc_e164_valid(argv[optind + 1]))
		return kcctl_usage(k,
				   "'%s' is not an E.164 number "
				   "(+14155550123)",
				   argv[optind + 1]);
	if (strlen(label) > 100)
		return kcctl_usage(k, "--label may be at most 100 bytes");
	if ((rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	if (kc_number_add(k->db, bid, argv[optind + 1], label, id) != 0)
		return kcctl_fail(k,
				  kc_db_errno(k->db) == KC_ER_DUP_ENTRY
				      ? "%s is already in use"
				      : "could not add %s",
				  argv[optind + 1]);
	return kcctl_emit(k,
			  json_pack("{s:s, s:s, s:s}", "id", id, "number",
				    argv[optind + 1], "label", label),
			  number_text);
}
