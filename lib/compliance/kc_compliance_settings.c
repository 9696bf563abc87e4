/* The business's compliance settings: its calling hours (never wider than
 * 08:00-21:00) and the text a HELP or INFO keyword gets. */
#include "kc_compliance.h"
#include "kc_hours.h"

#include <stdio.h>
#include <string.h>

#define HELP_TEXT_MAX 320

static json_t *
settings_json(const struct kc_rows *r)
{
	char start[8], end[8];

	kc_hours_format((int)kc_rows_int(r, 0, 4), start, sizeof(start));
	kc_hours_format((int)kc_rows_int(r, 0, 5), end, sizeof(end));
	return json_pack("{s:s, s:s?, s:{s:s, s:s}, s:s}", "object",
			 "compliance_settings", "sms_help_text",
			 kc_rows_get(r, 0, 3), "calling_hours", "start", start,
			 "end", end, "timezone", kc_rows_get(r, 0, 2));
}

static int
read_settings(struct kc_db *db, enum kc_sql sql, long long business_id,
	      struct kc_rows **r)
{
	if (kc_db_query(db, sql, KC_ARGS(kc_p_int(business_id)), r) != 0)
		return -1;
	if ((*r)->nrows == 0) {
		kc_rows_free(*r);
		*r = NULL;
		return KC_NOTFOUND;
	}
	return 0;
}

int
kc_compliance_settings_get(struct kc_db *db, long long business_id,
			   json_t **out)
{
	struct kc_rows *r;
	int rc;

	if ((rc = read_settings(db, KC_SQL_COMPLIANCE_SETTINGS_GET, business_id,
				&r)) != 0)
		return rc;
	*out = settings_json(r);
	kc_rows_free(r);
	return *out ? 0 : -1;
}

int
kc_compliance_help_text(struct kc_db *db, long long business_id, char *out,
			size_t cap)
{
	struct kc_rows *r;
	const char *text;
	int rc;

	if ((rc = read_settings(db, KC_SQL_COMPLIANCE_SETTINGS_GET, business_id,
				&r)) != 0)
		return rc;
	if ((text = kc_rows_get(r, 0, 3)) != NULL)
		snprintf(out, cap, "%s", text);
	else
		snprintf(out, cap,
			 "%s: reply STOP to opt out of texts, START to opt "
			 "back in.",
			 kc_rows_get(r, 0, 1));
	kc_rows_free(r);
	return 0;
}

static const struct kc_field settings_fields[] = {
    {"sms_help_text", KC_F_STRING, 0, HELP_TEXT_MAX, 0, 0, NULL, 1},
    {"calling_hours", KC_F_OBJECT, 0, 0, 0, 0, NULL, 0},
};

static const struct kc_field hours_fields[] = {
    {"start", KC_F_STRING, 1, 5, 0, 0, NULL, 0},
    {"end", KC_F_STRING, 1, 5, 0, 0, NULL, 0},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One end of the window: "HH:MM" inside 08:00-21:00. */
static int
hours_end(const json_t *hours, const char *name, struct kc_verr *e)
{
	char field[40];
	int m = kc_hours_parse(kc_json_str(hours, name));

	snprintf(field, sizeof(field), "calling_hours.%s", name);
	if (m < 0)
		return kc_verr_set(e, 422, "invalid_value", field,
				   "%s must be a time of day such as 08:00",
				   field);
	if (m < KC_HOURS_EARLIEST || m > KC_HOURS_LATEST)
		return kc_verr_set(e, 422, "out_of_range", field,
				   "%s must lie within 08:00-21:00, the "
				   "widest calling hours the law allows",
				   field);
	return m;
}

int
kc_compliance_settings_validate(const json_t *in, struct kc_verr *e)
{
	const json_t *hours, *text;
	int start, end;

	if (kc_json_check(in, "", settings_fields, NELEM(settings_fields), e) !=
	    0)
		return -1;
	if ((text = json_object_get(in, "sms_help_text")) != NULL &&
	    json_is_string(text) && json_string_length(text) == 0)
		return kc_verr_set(e, 422, "invalid_value", "sms_help_text",
				   "sms_help_text must not be empty; null "
				   "restores the default");
	if ((hours = json_object_get(in, "calling_hours")) == NULL)
		return 0;
	if (kc_json_check(hours, "calling_hours", hours_fields,
			  NELEM(hours_fields), e) != 0)
		return -1;
	if ((start = hours_end(hours, "start", e)) < 0 ||
	    (end = hours_end(hours, "end", e)) < 0)
		return -1;
	if (start >= end)
		return kc_verr_set(e, 422, "out_of_range", "calling_hours.end",
				   "calling_hours.end must be after "
				   "calling_hours.start");
	return 0;
}

int
kc_compliance_settings_update(struct kc_db *db, const struct kc_actor *actor,
			      long long business_id, const json_t *in,
			      json_t **out)
{
	const json_t *hours = json_object_get(in, "calling_hours"), *text;
	json_t *before = NULL, *after = NULL;
	struct kc_rows *r = NULL;
	long long start, end;
	const char *help;
	int rc;

	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = read_settings(db, KC_SQL_COMPLIANCE_SETTINGS_LOCK,
				business_id, &r)) != 0)
		goto fail;
	rc = -1;
	help = kc_rows_get(r, 0, 3);
	if ((text = json_object_get(in, "sms_help_text")) != NULL)
		help = json_string_value(text); /* NULL for null */
	start = hours ? kc_hours_parse(kc_json_str(hours, "start"))
		      : kc_rows_int(r, 0, 4);
	end = hours ? kc_hours_parse(kc_json_str(hours, "end"))
		    : kc_rows_int(r, 0, 5);
	if ((before = settings_json(r)) == NULL ||
	    kc_db_exec(db, KC_SQL_COMPLIANCE_SETTINGS_SET,
		       KC_ARGS(kc_p_str(help), kc_p_int(start), kc_p_int(end),
			       kc_p_int(business_id)),
		       NULL, NULL) != 0 ||
	    kc_compliance_settings_get(db, business_id, &after) != 0 ||
	    kc_audit_write(db, business_id, actor,
			   "compliance_settings.updated", "business",
			   kc_rows_get(r, 0, 0), before, after) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	json_decref(before);
	*out = after;
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	json_decref(before);
	json_decref(after);
	return rc;
}
