#include "kc_agent.h"
#include "kc_buf.h"
#include "kc_log.h"
#include "kc_number.h"
#include "kc_routing.h"
#include "kc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kc_agent_create_primary(struct kc_db *db, long long business_id,
			const char *business_name, char *id_out)
{
	char id[KC_ID_MAX], prompt[512], greeting[300], *routing = NULL;
	json_t *r;
	int rc = -1;

	if (kc_id_new("agt", id, sizeof(id)) != 0)
		return -1;
	snprintf(prompt, sizeof(prompt),
		 "You are the friendly receptionist of %.200s. Answer "
		 "questions, take messages and book callbacks.",
		 business_name);
	snprintf(greeting, sizeof(greeting),
		 "Thanks for calling %.200s, how can I help you today?",
		 business_name);
	if ((r = kc_routing_default(id)) == NULL ||
	    (routing = json_dumps(r, JSON_COMPACT)) == NULL)
		goto out;
	rc = kc_db_exec(db, KC_SQL_AGENT_INSERT,
			KC_ARGS(kc_p_str(id), kc_p_int(business_id),
				kc_p_str("Receptionist"), kc_p_str(prompt),
				kc_p_str("aria"), kc_p_str(greeting),
				kc_p_str("en-US"), kc_p_int(business_id),
				kc_p_str(routing)),
			NULL, NULL);
	if (rc == 0 && id_out)
		snprintf(id_out, KC_ID_MAX, "%s", id);
out:
	json_decref(r);
	free(routing);
	return rc;
}

int
kc_agent_set_profile(struct kc_db *db, long long business_id, const char *name,
		     const char *prompt, const char *voice,
		     const char *greeting, const char *language)
{
	struct kc_rows *r;
	long long id;

	if (kc_db_query(db, KC_SQL_AGENT_PRIMARY,
			KC_ARGS(kc_p_int(business_id)), &r) != 0)
		return -1;
	id = r->nrows ? kc_rows_int(r, 0, 0) : 0;
	kc_rows_free(r);
	if (id == 0)
		return KC_NOTFOUND;
	return kc_db_exec(db, KC_SQL_AGENT_SET_PROFILE,
			  KC_ARGS(kc_p_str(name), kc_p_str(prompt),
				  kc_p_str(voice), kc_p_str(greeting),
				  kc_p_str(language), kc_p_int(business_id),
				  kc_p_int(id)),
			  NULL, NULL);
}

int
kc_agent_get_text(struct kc_db *db, long long business_id, char **out)
{
	struct kc_rows *r;
	char created[KC_TIME_MAX], updated[KC_TIME_MAX], *head = NULL;
	struct kc_buf b;
	json_t *obj;

	if (kc_db_query(db, KC_SQL_AGENT_VIEW, KC_ARGS(kc_p_int(business_id)),
			&r) != 0)
		return -1;
	if (r->nrows == 0) {
		kc_rows_free(r);
		return KC_NOTFOUND;
	}
	kc_time_from_db(kc_rows_get(r, 0, 8), created, sizeof(created));
	kc_time_from_db(kc_rows_get(r, 0, 9), updated, sizeof(updated));
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
			kc_rows_get(r, 0, 1), "object", "agent", "name",
			kc_rows_get(r, 0, 2), "prompt", kc_rows_get(r, 0, 3),
			"voice", kc_rows_get(r, 0, 4), "greeting",
			kc_rows_get(r, 0, 5), "language", kc_rows_get(r, 0, 6),
			"created_at", created, "updated_at", updated);
	/* routing and phone_numbers are JSON we wrote ourselves (and the
	 * columns are CHECKed with JSON_VALID): spliced in as they are
	 * rather than parsed and serialised again on the hottest read. */
	kc_buf_init(&b, 16 * 1024 * 1024);
	if (obj == NULL ||
	    (head = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
		NULL ||
	    kc_buf_append(&b, head, strlen(head) - 1) != 0 ||
	    kc_buf_puts(&b, ",\"phone_numbers\":") != 0 ||
	    kc_buf_puts(&b, kc_rows_get(r, 0, 10)) != 0 ||
	    kc_buf_puts(&b, ",\"routing\":") != 0 ||
	    kc_buf_puts(&b, kc_rows_get(r, 0, 7)) != 0 ||
	    kc_buf_puts(&b, "}") != 0) {
		json_decref(obj);
		free(head);
		kc_buf_free(&b);
		kc_rows_free(r);
		return -1;
	}
	json_decref(obj);
	free(head);
	kc_rows_free(r);
	*out = kc_buf_take(&b, NULL);
	return *out ? 0 : -1;
}

/* The routing after a change: patch merged into it, or (replace) the
 * whole of it. Validated, stored and audited in one transaction. */
static int
change_routing(struct kc_db *db, const struct kc_actor *actor,
	       long long business_id, const json_t *patch, int replace,
	       json_t **routing_out, struct kc_verr *e)
{
	struct kc_rows *r = NULL, *fb = NULL;
	json_t *before = NULL, *after = NULL;
	char *text = NULL;
	long long agent;
	int rc = -1;

	if (kc_db_begin(db) != 0)
		return -1;
	/* FOR UPDATE: two concurrent patches must not both read the same
	 * "before" and lose one of the changes. */
	if (kc_db_query(db, KC_SQL_AGENT_PRIMARY_LOCK,
			KC_ARGS(kc_p_int(business_id)), &r) != 0)
		goto out;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto out;
	}
	agent = kc_rows_int(r, 0, 0);
	if ((before = json_loads(kc_rows_get(r, 0, 2), 0, NULL)) == NULL ||
	    (after = replace ? json_deep_copy(patch)
			     : kc_json_merge_patch(before, patch)) == NULL)
		goto out;
	if (kc_routing_validate(after, e) != 0) {
		rc = KC_INVALID;
		goto out;
	}
	/* The fallback must be this business's agent: a foreign id is
	 * reported exactly like one that does not exist. */
	if (kc_db_query(
		db, KC_SQL_AGENT_ID_BY_PUBLIC,
		KC_ARGS(kc_p_int(business_id),
			kc_p_str(kc_json_str(after, "fallback_agent_id"))),
		&fb) != 0)
		goto out;
	if (fb->nrows == 0) {
		kc_verr_set(e, 422, "unknown_agent", "fallback_agent_id",
			    "fallback_agent_id names no agent of this "
			    "business");
		rc = KC_INVALID;
		goto out;
	}
	if ((text = json_dumps(after, JSON_COMPACT)) == NULL)
		goto out;
	if (kc_db_exec(
		db, KC_SQL_AGENT_SET_ROUTING,
		KC_ARGS(kc_p_str(text), kc_p_int(business_id), kc_p_int(agent)),
		NULL, NULL) != 0)
		goto out;
	if (kc_audit_write(db, business_id, actor, "agent.routing.updated",
			   "agent", kc_rows_get(r, 0, 1), before, after) != 0)
		goto out;
	if (kc_db_commit(db) != 0)
		goto out;
	*routing_out = after;
	after = NULL;
	rc = 0;
	goto done;
out:
	kc_db_rollback(db);
done:
	kc_rows_free(r);
	kc_rows_free(fb);
	json_decref(before);
	json_decref(after);
	free(text);
	return rc;
}

int
kc_agent_update_routing(struct kc_db *db, const struct kc_actor *actor,
			long long business_id, const json_t *patch,
			json_t **routing_out, struct kc_verr *e)
{
	return change_routing(db, actor, business_id, patch, 0, routing_out, e);
}

int
kc_agent_replace_routing(struct kc_db *db, const struct kc_actor *actor,
			 long long business_id, const json_t *routing,
			 json_t **routing_out, struct kc_verr *e)
{
	return change_routing(db, actor, business_id, routing, 1, routing_out,
			      e);
}
