/* API keys (owners only): create with scopes, the key shown once, rotate
 * with a grace period, revoke, last use. The same lib/ functions as
 * kcctl key, with the business of the session. */
#include "dash.h"
#include "kc_apikey.h"
#include "kc_scope.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* The grace a rotated key keeps working, as the form offers it. */
static const struct {
	const char *value, *label;
	long long seconds;
} graces[] = {
    {"0", "at once", 0},
    {"1h", "for 1 hour", 3600},
    {"24h", "for 24 hours", 86400},
    {"7d", "for 7 days", 7 * 86400},
};
#define NGRACES (sizeof(graces) / sizeof(graces[0]))

static int
scope_boxes(struct kc_buf *b)
{
	const char *name;
	uint32_t bit;
	int rc = 0;

	for (bit = 1; (name = kc_scope_name(bit)) != NULL; bit <<= 1) {
		char id[48];

		snprintf(id, sizeof(id), "scope-%u", (unsigned)bit);
		rc |= html_lit(b, "<li><input type=\"checkbox\" "
				  "name=\"scopes\" id=\"") |
		      html_attr(b, id) | html_lit(b, "\" value=\"") |
		      html_attr(b, name) | html_lit(b, "\"");
		if (bit & KC_SCOPES_READ)
			rc |= html_lit(b, " checked");
		rc |= html_lit(b, "><label for=\"") | html_attr(b, id) |
		      html_lit(b, "\">") | html_txt(b, name) |
		      html_lit(b, "</label></li>");
	}
	return rc;
}

static int
key_actions(struct kc_req *req, const char *id, struct kc_buf *b)
{
	struct kc_buf path;
	size_t i;
	int rc = 0;

	kc_buf_init(&path, 256);
	rc |= html_lit(b, "<form class=\"inline\" method=\"post\" "
			  "action=\"/app/keys/") |
	      html_url_arg(b, id) | html_lit(b, "/rotate\">") |
	      dash_csrf_input(req, b) | html_lit(b, "<label for=\"grace-") |
	      html_attr(b, id) |
	      html_lit(b, "\">Old key keeps working</label> "
			  "<select name=\"grace\" id=\"grace-") |
	      html_attr(b, id) | html_lit(b, "\">");
	for (i = 0; i < NGRACES; i++)
		rc |= html_lit(b, "<option value=\"") |
		      html_attr(b, graces[i].value) |
		      (i == 2 ? html_lit(b, "\" selected>")
			      : html_lit(b, "\">")) |
		      html_txt(b, graces[i].label) | html_lit(b, "</option>");
	rc |= html_lit(b, "</select> <button type=\"submit\" "
			  "class=\"button\">Rotate</button></form> ");
	rc |= kc_buf_puts(&path, "/app/keys/") | html_url_arg(&path, id) |
	      kc_buf_puts(&path, "/revoke");
	rc |= dash_button(req, b, path.data, "Revoke", "button danger");
	kc_buf_free(&path);
	return rc;
}

static int
key_rows(struct kc_req *req, const json_t *keys, struct kc_buf *b)
{
	const json_t *k, *sc;
	struct kc_buf scopes, status, actions, created, used;
	size_t i, j;
	int rc = 0;

	kc_buf_init(&scopes, 4096);
	kc_buf_init(&status, 1024);
	kc_buf_init(&actions, 8192);
	kc_buf_init(&created, 256);
	kc_buf_init(&used, 256);
	json_array_foreach(keys, i, k)
	{
		const char *id = json_string_value(json_object_get(k, "id"));
		int revoked = !json_is_null(json_object_get(k, "revoked_at"));
		int expiring = !json_is_null(json_object_get(k, "expires_at"));

		kc_buf_reset(&scopes);
		kc_buf_reset(&status);
		kc_buf_reset(&actions);
		kc_buf_reset(&created);
		kc_buf_reset(&used);
		json_array_foreach(json_object_get(k, "scopes"), j, sc)
		{
			rc |= html_txt(&scopes, j ? ", " : "") |
			      html_txt(&scopes, json_string_value(sc));
		}
		if (revoked)
			rc |= dash_badge(&status, "revoked");
		else if (expiring)
			rc |= dash_badge(&status, "expiring") |
			      html_lit(&status, " until ") |
			      dash_time(&status,
					json_object_get(k, "expires_at"));
		else
			rc |= dash_badge(&status, "active");
		if (!revoked)
			rc |= key_actions(req, id, &actions);
		rc |= dash_time(&created, json_object_get(k, "created_at"));
		rc |= dash_time(&used, json_object_get(k, "last_used_at"));
		{
			struct dash_slot slots[] = {
			    DASH_TXT("name", json_string_value(
						 json_object_get(k, "name"))),
			    DASH_TXT("hint", json_string_value(
						 json_object_get(k, "hint"))),
			    DASH_TXT("id", id),
			    DASH_SAFE_HTML("scopes", &scopes),
			    DASH_SAFE_HTML("status", &status),
			    DASH_SAFE_HTML("created", &created),
			    DASH_SAFE_HTML("last_used", &used),
			    DASH_SAFE_HTML("actions", &actions),
			};
			if (rc == 0)
				rc = dash_render(req, "keys_row.html",
						 DASH_SLOTS(slots), b);
		}
	}
	kc_buf_free(&scopes);
	kc_buf_free(&status);
	kc_buf_free(&actions);
	kc_buf_free(&created);
	kc_buf_free(&used);
	return rc;
}

/* The page, with the panel of a key just made (secret: the key, shown
 * this once) or an error about the form. */
static int
keys_page(struct kc_req *req, int status, const char *secret,
	  const char *secret_note, const char *error)
{
	static const char *const done[] = {"revoked", "The key is revoked.",
					   NULL};
	struct kc_buf content, rows, boxes, panel, flash;
	json_t *keys = NULL;
	int rc = 0;

	kc_buf_init(&content, 1024 * 1024);
	kc_buf_init(&rows, 1024 * 1024);
	kc_buf_init(&boxes, 16 * 1024);
	kc_buf_init(&panel, 16 * 1024);
	kc_buf_init(&flash, 1024);
	if (kc_key_list(req->db, req->session.business_id, &keys) != 0) {
		rc = -1;
		goto out;
	}
	rc |= dash_flash(req, done, &flash);
	if (error)
		rc |= html_lit(&flash, "<p class=\"error\" role=\"alert\">") |
		      html_txt(&flash, error) | html_lit(&flash, "</p>");
	if (secret) {
		struct dash_slot slots[] = {
		    DASH_TXT("what", "API key"),
		    DASH_TXT("secret", secret),
		    DASH_TXT("note", secret_note),
		    DASH_SAFE_HTML("snippet", NULL),
		};
		rc |=
		    dash_render(req, "secret.html", DASH_SLOTS(slots), &panel);
	}
	rc |= scope_boxes(&boxes) | key_rows(req, keys, &rows);
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("flash", &flash),
		    DASH_SAFE_HTML("panel", &panel),
		    DASH_TXT("csrf", req->session.csrf),
		    DASH_SAFE_HTML("scopes", &boxes),
		    DASH_SAFE_HTML("rows", &rows),
		};
		if (rc == 0)
			rc = dash_render(req, "keys.html", DASH_SLOTS(slots),
					 &content);
	}
out:
	rc = rc == 0 ? dash_page(req, status, "API keys", "keys", &content, 0)
		     : dash_internal(req);
	json_decref(keys);
	/* kc_buf_free wipes: the panel held the key. */
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&boxes);
	kc_buf_free(&panel);
	kc_buf_free(&flash);
	return rc;
}

int
kc_d_keys(struct kc_req *req)
{
	const char *made = kc_query_get(req, "new");
	char key[KC_KEY_MAX + 8], what[32];
	const char *shown = NULL, *note = NULL;
	int rc;

	/* Right after a create or a rotation: the key, this once. */
	if (made && kc_id_valid("key", made) && req->cfg->has_master_key &&
	    kc_session_flash_take(req->db, req->cfg->master_key, &req->session,
				  made, what, sizeof(what), key,
				  sizeof(key)) == 0) {
		shown = key;
		note = strcmp(what, "api_key_rotated") == 0
			   ? "This is the only time the new key is shown. The "
			     "old one keeps working until the time its row "
			     "says."
			   : "This is the only time the key is shown. Store it "
			     "now, in your secret store.";
	}
	rc = keys_page(req, 200, shown, note, NULL);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The key just made, sealed in the session for the page the browser is
 * sent to (Post/Redirect/Get), in the transaction that made it (open
 * here): the key and the one copy of it anyone sees commit together. */
static int
seal_key(struct kc_req *req, const char *what, const char *id, const char *key)
{
	if (id == NULL || key == NULL ||
	    kc_session_flash_put(req->db, req->cfg->master_key, &req->session,
				 what, id, key) != 0 ||
	    kc_db_commit(req->db) != 0) {
		kc_db_rollback(req->db);
		return -1;
	}
	return 0;
}

static int
to_key(struct kc_req *req, const char *id)
{
	struct kc_buf loc;
	int rc;

	kc_buf_init(&loc, 256);
	rc = kc_buf_puts(&loc, "/app/keys?new=") | html_url_arg(&loc, id);
	rc = rc == 0 ? dash_redirect(req, loc.data) : dash_internal(req);
	kc_buf_free(&loc);
	return rc;
}

/* Without master_key a key could be made but never shown: none is. */
static int
no_master_key(struct kc_req *req)
{
	kc_err("master_key is not configured: cannot seal secrets");
	return dash_internal(req);
}

int
kc_d_keys_create(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"name", 200, 1, 0},
	    {"scopes", 64, 0, 1},
	};
	char id[KC_ID_MAX], key[KC_KEY_MAX];
	const char *scopes[32];
	struct kc_actor actor = dash_actor(req);
	struct kc_verr e;
	uint32_t mask = 0, one;
	size_t i, n;
	int rc;

	if (dash_form_check(req, fields, 2, &e) != 0)
		return keys_page(req, 422, NULL, NULL,
				 "Give the key a name (at most 200 "
				 "characters).");
	n = dash_form_all(req, "scopes", scopes, 32);
	for (i = 0; i < n; i++) {
		if (kc_scope_parse(scopes[i], &one, NULL, 0) != 0 ||
		    strcmp(scopes[i], "*") == 0)
			return keys_page(req, 422, NULL, NULL,
					 "The form named a scope that does "
					 "not exist.");
		mask |= one;
	}
	if (mask == 0)
		return keys_page(req, 422, NULL, NULL,
				 "Pick at least one scope.");
	if (!req->cfg->has_master_key)
		return no_master_key(req);
	if (kc_db_begin(req->db) != 0)
		return dash_internal(req);
	if (kc_key_create(req->db, &actor, req->session.business_id,
			  kc_req_form_get(req, "name"), mask, NULL, id,
			  key) != 0) {
		kc_db_rollback(req->db);
		return dash_internal(req);
	}
	rc = seal_key(req, "api_key_created", id, key);
	OPENSSL_cleanse(key, sizeof(key));
	return rc == 0 ? to_key(req, id) : dash_internal(req);
}

int
kc_d_keys_rotate(struct kc_req *req)
{
	static const struct dash_field fields[] = {{"grace", 8, 1, 0}};
	struct kc_actor actor = dash_actor(req);
	long long grace = -1;
	struct kc_verr e;
	json_t *out;
	size_t i;
	int rc;

	if (!kc_id_valid("key", req->params[0]))
		return dash_error(req, 404, "There is no such key.");
	if (dash_form_check(req, fields, 1, &e) == 0)
		for (i = 0; i < NGRACES; i++)
			if (strcmp(kc_req_form_get(req, "grace"),
				   graces[i].value) == 0)
				grace = graces[i].seconds;
	if (grace < 0)
		return keys_page(req, 422, NULL, NULL,
				 "Pick how long the old key keeps working.");
	/* Else "at once" would revoke the old key for a new one nobody
	 * sees. */
	if (!req->cfg->has_master_key)
		return no_master_key(req);
	if (kc_db_begin(req->db) != 0)
		return dash_internal(req);
	rc = kc_key_rotate(req->db, &actor, req->session.business_id,
			   req->params[0], grace, &out);
	if (rc != 0) {
		kc_db_rollback(req->db);
		if (rc == KC_NOTFOUND)
			return dash_error(req, 404, "There is no such key.");
		if (rc == KC_INVALID)
			return keys_page(req, 409, NULL, NULL,
					 "That key is revoked: it cannot be "
					 "rotated.");
		return dash_internal(req);
	}
	rc = seal_key(req, "api_key_rotated",
		      json_string_value(json_object_get(out, "id")),
		      json_string_value(json_object_get(out, "key")));
	if (rc == 0)
		rc = to_key(req, json_string_value(json_object_get(out, "id")));
	else
		rc = dash_internal(req);
	json_decref(out);
	return rc;
}

int
kc_d_keys_revoke(struct kc_req *req)
{
	struct kc_actor actor = dash_actor(req);
	json_t *out = NULL;
	int rc;

	if (!kc_id_valid("key", req->params[0]))
		return dash_error(req, 404, "There is no such key.");
	rc = kc_key_revoke(req->db, &actor, req->session.business_id,
			   req->params[0], &out);
	json_decref(out);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "There is no such key.");
	if (rc != 0 && rc != KC_INVALID)
		return dash_internal(req);
	return dash_redirect(req, "/app/keys?done=revoked");
}
