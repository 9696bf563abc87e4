/* kcctl dnc: the national Do-Not-Call registry (import, status) and a
 * business's own list (add, remove), recorded like the API's changes. */
#include "kcctl.h"
#include "kc_dnc.h"
#include "kc_registry.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kcctl dnc import FILE\n"
    "       kcctl dnc status\n"
    "       kcctl dnc add --business ID PHONE [--channels voice,sms] "
    "[--reason customer_request]\n"
    "       kcctl dnc remove --business ID DNC_ID";

static void
import_text(const json_t *v)
{
	printf("registry version %lld is current: %lld numbers (%lld lines) in "
	       "%.1f s; %lld old rows deleted\n",
	       (long long)json_integer_value(json_object_get(v, "version")),
	       (long long)json_integer_value(json_object_get(v, "numbers")),
	       (long long)json_integer_value(json_object_get(v, "lines")),
	       json_real_value(json_object_get(v, "seconds")),
	       (long long)json_integer_value(json_object_get(v, "purged")));
}

static int
import(struct kcctl *k, int argc, char **argv)
{
	struct kc_registry_import r;
	char err[512];
	FILE *f;
	int rc;

	if (argc != 3)
		return kcctl_usage(k, "%s", usage);
	if (strcmp(argv[2], "-") == 0)
		f = stdin;
	else if ((f = fopen(argv[2], "r")) == NULL)
		return kcctl_fail(k, "%s: %s", argv[2], strerror(errno));
	if (kcctl_db(k) == NULL) {
		if (f != stdin)
			fclose(f);
		return KCCTL_FAIL;
	}
	rc = kc_registry_import(k->db, f, argv[2], k->actor.id, &r, err,
				sizeof(err));
	if (f != stdin)
		fclose(f);
	if (rc != 0)
		return kcctl_fail(k, "dnc import: %s", err);
	return kcctl_emit(
	    k,
	    json_pack("{s:I, s:I, s:I, s:o, s:I, s:f, s:f}", "version",
		      (json_int_t)r.version, "numbers", (json_int_t)r.numbers,
		      "lines", (json_int_t)r.lines, "replaced",
		      r.replaced ? json_integer(r.replaced) : json_null(),
		      "purged", (json_int_t)r.purged, "load_seconds",
		      r.load_seconds, "seconds", r.total_seconds),
	    import_text);
}

static void
status_text(const json_t *v)
{
	long long max = (long long)json_integer_value(
	    json_object_get(v, "max_age_seconds"));

	if (json_is_null(json_object_get(v, "version"))) {
		printf("no registry imported yet: STALE, marketing is blocked "
		       "until `kcctl dnc import FILE`\n");
		return;
	}
	printf("registry version %lld: %lld numbers from %s (sha256 %s), "
	       "current since %s, imported by %s\n",
	       (long long)json_integer_value(json_object_get(v, "version")),
	       (long long)json_integer_value(json_object_get(v, "numbers")),
	       json_string_value(json_object_get(v, "file_name")),
	       json_string_value(json_object_get(v, "file_sha256")),
	       json_string_value(json_object_get(v, "current_since")),
	       json_string_value(json_object_get(v, "imported_by")));
	printf("age %.1f days (at most %.1f): %s\n",
	       (double)json_integer_value(json_object_get(v, "age_seconds")) /
		   86400,
	       (double)max / 86400,
	       json_is_true(json_object_get(v, "stale"))
		   ? "STALE, marketing is blocked until `kcctl dnc import "
		     "FILE`"
		   : "fresh");
}

static void
entry_text(const json_t *v)
{
	printf("%s %s %s (%s)\n", json_string_value(json_object_get(v, "id")),
	       json_string_value(json_object_get(v, "status")),
	       json_string_value(json_object_get(v, "phone")),
	       json_string_value(json_object_get(v, "reason")));
}

/* add and remove: --business ID and one argument. */
static int
entry(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"business", required_argument, NULL, 'b'},
	    {"channels", required_argument, NULL, 'c'},
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *biz = NULL, *channels = "voice,sms",
		   *reason = "customer_request";
	int add = strcmp(argv[1], "add") == 0, c, rc;
	json_t *in = NULL, *list, *out = NULL;
	struct kc_verr e;
	long long bid;
	const char *p;
	size_t n;

	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "b:c:r:", opts, NULL)) !=
	       -1)
		if (c == 'b')
			biz = optarg;
		else if (c == 'c' && add)
			channels = optarg;
		else if (c == 'r' && add)
			reason = optarg;
		else
			return kcctl_usage(k, "%s", usage);
	if (optind + 2 != argc)
		return kcctl_usage(k, "%s", usage);
	if ((rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	if (!add) {
		rc = kc_dnc_remove(k->db, &k->actor, bid, biz, argv[optind + 1],
				   &out);
		if (rc == KC_NOTFOUND)
			return kcctl_fail(k, "no DNC entry %s in %s",
					  argv[optind + 1], biz);
		if (rc != 0)
			return kcctl_fail(k, "could not remove %s",
					  argv[optind + 1]);
		return kcctl_emit(k, out, entry_text);
	}
	/* The same body, and so the same checks, as POST /v1/dnc. */
	in = json_pack("{s:s, s:s, s:[]}", "phone", argv[optind + 1], "reason",
		       reason, "channels");
	if (in == NULL)
		return kcctl_fail(k, "out of memory");
	list = json_object_get(in, "channels");
	for (p = channels; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		json_array_append_new(list, json_stringn(p, n));
	}
	if (kc_dnc_validate(in, &e) != 0) {
		json_decref(in);
		return kcctl_usage(k, "%s", e.msg);
	}
	rc = kc_dnc_create(k->db, &k->actor, bid, biz, in, &out);
	json_decref(in);
	if (rc == KC_CONFLICT)
		return kcctl_fail(k, "%s already has a live opt-out",
				  argv[optind + 1]);
	if (rc != 0)
		return kcctl_fail(k, "could not add %s", argv[optind + 1]);
	return kcctl_emit(k, out, entry_text);
}

int
kcctl_dnc(struct kcctl *k, int argc, char **argv)
{
	json_t *out;

	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return import(k, argc, argv);
	if (argc == 2 && strcmp(argv[1], "status") == 0) {
		if (kcctl_db(k) == NULL)
			return KCCTL_FAIL;
		if (kc_registry_status(k->db, &out) != 0)
			return kcctl_fail(k, "could not read the registry");
		return kcctl_emit(k, out, status_text);
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "remove") == 0))
		return entry(k, argc, argv);
	return kcctl_usage(k, "%s", usage);
}
