#include "handlers.h"
#include "kc_audit.h"
#include "kc_time.h"

#include <string.h>

/* A filter value made of the characters its column holds, at most max
 * bytes; NULL when absent. */
static int
query_word(const struct kc_req *req, const char *name, const char *chars,
	   size_t max, const char **out, struct kc_verr *e)
{
	*out = kc_query_get(req, name);
	if (*out && (**out == '\0' || strlen(*out) > max ||
		     strspn(*out, chars) != strlen(*out)))
		return kc_verr_set(e, 400, "invalid_query", name,
				   "%s must be 1 to %zu of %s", name, max,
				   strcmp(name, "action") == 0
				       ? "a-z, 0-9, '_' and '.' (such as "
					 "consent.granted)"
				       : "letters, digits, '_' and '-' (an "
					 "id)");
	return 0;
}

int
kc_h_audit_list(struct kc_req *req)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789_.";
	static const char id[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
				 "TUVWXYZ0123456789_-";
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	struct kc_audit_query f = {0};
	const char *after;
	struct kc_verr e;
	json_t *list;
	int limit, rc;

	if (kc_query_page(req, "aud", &limit, &after, &e) != 0 ||
	    query_word(req, "actor", id, 48, &f.actor, &e) != 0 ||
	    query_word(req, "action", lower, 64, &f.action, &e) != 0 ||
	    query_word(req, "target", id, 48, &f.target, &e) != 0 ||
	    kc_query_time(req, "since", since, sizeof(since), &f.since, &e) !=
		0 ||
	    kc_query_time(req, "until", until, sizeof(until), &f.until, &e) !=
		0)
		return kc_problem_verr(req, &e);
	rc = kc_audit_find(req->db, req->auth.business_id, &f, after, limit,
			   &list);
	return kc_reply_page(req, rc, list, "audit entry");
}
