/* kcctl sign: shows a delivery exactly as it would go on the wire, so an
 * operator (or a receiver's developer) can check a signature by hand. */
#include "kcctl.h"
#include "kc_id.h"
#include "kc_sign.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

static void
text(const json_t *v)
{
	const json_t *h = json_object_get(v, "headers");
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)h, k, val)
	    printf("%s: %s\n", k, json_string_value(val));
	printf("\n%s\n", json_string_value(json_object_get(v, "body")));
}

int
kcctl_sign(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"business", required_argument, NULL, 'b'},
	    {"endpoint", required_argument, NULL, 'p'},
	    {"event", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	const char *biz = NULL, *ep = NULL, *evt = NULL;
	long long bid;
	json_t *out;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:p:e:", opts, NULL)) != -1) {
		if (c == 'b')
			biz = optarg;
		else if (c == 'p')
			ep = optarg;
		else if (c == 'e')
			evt = optarg;
		else
			return kcctl_usage(k, "usage: kcctl sign --business ID "
					      "--endpoint ID --event ID");
	}
	if (optind != argc || !kc_id_valid("ep", ep) ||
	    !kc_id_valid("evt", evt))
		return kcctl_usage(k, "usage: kcctl sign --business ID "
				      "--endpoint ep_... --event evt_...");
	if (!k->cfg.has_master_key)
		return kcctl_fail(k, "master_key is not configured");
	if ((rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	rc = kc_sign_delivery(k->db, k->cfg.master_key, bid, ep, evt,
			      (long long)time(NULL), &out);
	if (rc == KC_NOTFOUND)
		return kcctl_fail(k, "no endpoint %s or event %s in %s", ep,
				  evt, biz);
	if (rc != 0)
		return kcctl_fail(k, "could not sign (is master_key the one "
				     "the secrets were sealed with?)");
	return kcctl_emit(k, out, text);
}
