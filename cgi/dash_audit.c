/* The audit log: who changed what, newest first, by actor, action,
 * target and time. The API, kcctl and this dashboard write the same
 * rows (kc_audit_write). */
#include "dash.h"
#include "kc_apikey.h"
#include "kc_audit.h"
#include "kc_time.h"
#include "kc_user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char id_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
			       "TUVWXYZ0123456789_-";

/* A filter value made only of chars, at most max bytes; empty is none. */
static int
word(const char *v, const char *chars, size_t max, const char **out)
{
	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (strlen(v) > max || strspn(v, chars) != strlen(v))
		return -1;
	*out = v;
	return 0;
}

/* Who an actor id is, for people: a user's email, a key's name (keys
 * NULL: keys are the owner's, and others know one by its id). */
static const char *
actor_name(const json_t *users, const json_t *keys, const char *id)
{
	const json_t *x;
	size_t i;

	json_array_foreach(users, i, x)
	{
		if (id && strcmp(json_string_value(json_object_get(x, "id")),
				 id) == 0)
			return json_string_value(json_object_get(x, "email"));
	}
	json_array_foreach(keys, i, x)
	{
		if (id && strcmp(json_string_value(json_object_get(x, "id")),
				 id) == 0)
			return json_string_value(json_object_get(x, "name"));
	}
	return id;
}

static int
actor_options(struct kc_buf *b, const json_t *users, const json_t *keys,
	      int key_names, const char *current)
{
	const json_t *x;
	size_t i;
	int rc = dash_option(b, "", "anyone", current);

	json_array_foreach(users, i, x)
	{
		rc |= dash_option(
		    b, json_string_value(json_object_get(x, "id")),
		    json_string_value(json_object_get(x, "email")), current);
	}
	json_array_foreach(keys, i, x)
	{
		struct kc_buf label;

		kc_buf_init(&label, 512);
		rc |= kc_buf_puts(&label, "API key ") |
		      kc_buf_puts(&label, json_string_value(json_object_get(
					      x, key_names ? "name" : "id")));
		rc |=
		    dash_option(b, json_string_value(json_object_get(x, "id")),
				label.data, current);
		kc_buf_free(&label);
	}
	rc |= dash_option(b, "kcctl", "the operator (kcctl)", current);
	return rc;
}

/* before and after as indented JSON text, escaped. */
static int
change(struct kc_buf *b, const json_t *e)
{
	const char *names[] = {"before", "after"};
	const json_t *v;
	char *s;
	size_t i;
	int rc = 0, any = 0;

	for (i = 0; i < 2; i++) {
		v = json_object_get(e, names[i]);
		if (v == NULL || json_is_null(v))
			continue;
		if (!any++)
			rc |= html_lit(b, "<details><summary>Change</summary>");
		if ((s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS)) ==
		    NULL)
			return -1;
		rc |= html_lit(b, "<p>") | html_txt(b, names[i]) |
		      html_lit(b, "</p><pre class=\"answer\">") |
		      html_txt(b, s) | html_lit(b, "</pre>");
		free(s);
	}
	if (any)
		rc |= html_lit(b, "</details>");
	return rc;
}

int
kc_d_audit(struct kc_req *req)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789_.";
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	const char *after = kc_query_get(req, "after");
	struct kc_audit_query q;
	struct kc_buf content, rows, more, aopts, when, what;
	json_t *list = NULL, *users = NULL, *keys = NULL;
	const json_t *e;
	size_t i;
	int rc, owner;

	memset(&q, 0, sizeof(q));
	if (word(kc_query_get(req, "actor"), id_chars, 64, &q.actor) != 0 ||
	    word(kc_query_get(req, "action"), lower, 64, &q.action) != 0 ||
	    word(kc_query_get(req, "target"), id_chars, 48, &q.target) != 0 ||
	    (after && !kc_id_valid("aud", after)) ||
	    dash_local_time(kc_query_get(req, "since"), since, sizeof(since),
			    &q.since) != 0 ||
	    dash_local_time(kc_query_get(req, "until"), until, sizeof(until),
			    &q.until) != 0)
		return dash_error(req, 400,
				  "A filter has a value it cannot have: an "
				  "action is like webhook_endpoint.created, "
				  "a target an id such as ep_...");
	rc = kc_audit_find(req->db, req->session.business_id, &q, after, 50,
			   &list);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0 ||
	    kc_user_list(req->db, req->session.business_id, &users) != 0 ||
	    kc_key_list(req->db, req->session.business_id, &keys) != 0) {
		json_decref(list);
		json_decref(users);
		return dash_internal(req);
	}
	kc_buf_init(&content, 2 * 1024 * 1024);
	kc_buf_init(&rows, 2 * 1024 * 1024);
	kc_buf_init(&more, 4096);
	kc_buf_init(&aopts, 64 * 1024);
	kc_buf_init(&when, 512);
	kc_buf_init(&what, 256 * 1024);
	/* Keys are the owner's: others see a key actor by its id only. */
	owner = req->session.role == KC_ROLE_OWNER;
	rc = actor_options(&aopts, users, keys, owner, q.actor);
	json_array_foreach(json_object_get(list, "data"), i, e)
	{
		const json_t *actor = json_object_get(e, "actor"),
			     *target = json_object_get(e, "target");
		const char *ttype;
		/* A key or a user by id; the system by the job's name. */
		const char *aid =
		    json_object_get(actor, "id")
			? json_string_value(json_object_get(actor, "id"))
			: json_string_value(json_object_get(actor, "name"));

		kc_buf_reset(&when);
		kc_buf_reset(&what);
		rc |= dash_time(&when, json_object_get(e, "created_at"));
		ttype = json_string_value(json_object_get(target, "type"));
		/* A key's change holds its name: the owner's to see. */
		if (owner || ttype == NULL || strcmp(ttype, "api_key") != 0)
			rc |= change(&what, e);
		{
			struct dash_slot slots[] = {
			    DASH_SAFE_HTML("when", &when),
			    DASH_TXT("actor_type",
				     json_string_value(
					 json_object_get(actor, "type"))),
			    DASH_TXT(
				"actor",
				actor_name(users, owner ? keys : NULL, aid)),
			    DASH_TXT("action",
				     json_string_value(
					 json_object_get(e, "action"))),
			    DASH_TXT("target_type",
				     json_string_value(
					 json_object_get(target, "type"))),
			    DASH_TXT("target",
				     json_string_value(
					 json_object_get(target, "id"))),
			    DASH_SAFE_HTML("change", &what),
			};
			if (rc == 0)
				rc = dash_render(req, "audit_row.html",
						 DASH_SLOTS(slots), &rows);
		}
	}
	rc |= dash_pager(req, "/app/audit", list, &more);
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("actor_options", &aopts),
		    DASH_TXT("action", q.action),
		    DASH_TXT("target", q.target),
		    DASH_TXT("since", kc_query_get(req, "since")),
		    DASH_TXT("until", kc_query_get(req, "until")),
		    DASH_SAFE_HTML("rows", &rows),
		    DASH_SAFE_HTML("more", &more),
		};
		if (rc == 0)
			rc = dash_render(req, "audit.html", DASH_SLOTS(slots),
					 &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Audit log", "audit", &content, 0)
		     : dash_internal(req);
	json_decref(list);
	json_decref(users);
	json_decref(keys);
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	kc_buf_free(&aopts);
	kc_buf_free(&when);
	kc_buf_free(&what);
	return rc;
}
