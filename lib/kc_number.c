#include "kc_page.h"
#include "kc_number.h"
#include "kc_json.h"
#include "kc_phone.h"
#include "kc_time.h"

#include <stdio.h>

int
kc_number_add(struct kc_db *db, long long business_id, const char *e164,
	      const char *label, char *id_out)
{
	struct kc_rows *r;
	char id[KC_ID_MAX];
	long long agent;
	int rc;

	if (!kc_e164_valid(e164) || kc_id_new("pn", id, sizeof(id)) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_AGENT_PRIMARY,
			KC_ARGS(kc_p_int(business_id)), &r) != 0)
		return -1;
	agent = r->nrows ? kc_rows_int(r, 0, 0) : 0;
	kc_rows_free(r);
	if (kc_db_begin(db) != 0)
		return -1;
	rc = kc_db_exec(db, KC_SQL_NUMBER_INSERT,
			KC_ARGS(kc_p_str(id), kc_p_int(business_id),
				agent ? kc_p_int(agent) : kc_p_str(NULL),
				kc_p_str(e164), kc_p_str(label ? label : ""),
				kc_p_str("[\"voice\",\"sms\"]")),
			NULL, NULL);
	if (rc == 0)
		rc = kc_db_exec(db, KC_SQL_AGENT_REFRESH_NUMBERS,
				KC_ARGS(kc_p_int(business_id)), NULL, NULL);
	if (rc == 0)
		rc = kc_db_end(db);
	else
		kc_db_rollback(db);
	if (rc == 0 && id_out)
		snprintf(id_out, KC_ID_MAX, "%s", id);
	return rc;
}

static json_t *
capabilities(const char *stored)
{
	json_t *v = stored ? json_loads(stored, 0, NULL) : NULL;

	return json_is_array(v) ? v : (json_decref(v), json_array());
}

static json_t *
number_json(const struct kc_rows *r, size_t i)
{
	char ts[KC_TIME_MAX];

	kc_time_from_db(kc_rows_get(r, i, 5), ts, sizeof(ts));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s?, s:s}", "id",
			 kc_rows_get(r, i, 0), "object", "phone_number",
			 "number", kc_rows_get(r, i, 1), "label",
			 kc_rows_get(r, i, 2), "capabilities",
			 capabilities(kc_rows_get(r, i, 3)), "agent_id",
			 kc_rows_get(r, i, 4), "created_at", ts);
}

int
kc_number_list(struct kc_db *db, long long business_id,
	       const char *starting_after, int limit, json_t **out)
{
	static const struct kc_page_query q = {
	    KC_SQL_NUMBER_CURSOR, KC_SQL_NUMBER_LIST, 0, number_json};

	return kc_page_list(db, &q, business_id, starting_after, limit, out);
}
