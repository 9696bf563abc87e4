#include "kc_routing.h"
#include "kc_id.h"

#include <stdio.h>
#include <string.h>

static const char *const modes[] = {"ai_only",        "ring_first", "ivr_menu",
				    "voicemail_only", "time_based", NULL};
/* What a time_based rule may choose: any mode but itself. */
static const char *const leaf_modes[] = {"ai_only", "ring_first", "ivr_menu",
					 "voicemail_only", NULL};
static const char *const destinations[] = {"agent", "owner", "voicemail",
					   "number", NULL};
static const char *const days[] = {"mon", "tue", "wed", "thu",
				   "fri", "sat", "sun", NULL};

static const struct kc_field top_fields[] = {
    {"mode", KC_F_ENUM, 1, 0, 0, 0, modes, 0},
    {"fallback_agent_id", KC_F_STRING, 1, 48, 0, 0, NULL, 0},
    {"ring_first", KC_F_OBJECT, 0, 0, 0, 0, NULL, 0},
    {"ivr_menu", KC_F_OBJECT, 0, 0, 0, 0, NULL, 0},
    {"voicemail", KC_F_OBJECT, 0, 0, 0, 0, NULL, 0},
    {"time_based", KC_F_OBJECT, 0, 0, 0, 0, NULL, 0},
};
static const struct kc_field ring_fields[] = {
    {"owner_number", KC_F_E164, 1, 16, 0, 0, NULL, 0},
    {"ring_seconds", KC_F_INT, 1, 0, 5, 120, NULL, 0},
};
static const struct kc_field ivr_fields[] = {
    {"prompt", KC_F_STRING, 1, 1000, 0, 0, NULL, 0},
    {"options", KC_F_ARRAY, 1, 12, 0, 0, NULL, 0},
    {"timeout_seconds", KC_F_INT, 0, 0, 3, 60, NULL, 0},
};
static const struct kc_field option_fields[] = {
    {"digit", KC_F_STRING, 1, 1, 0, 0, NULL, 0},
    {"destination", KC_F_ENUM, 1, 0, 0, 0, destinations, 0},
    {"number", KC_F_E164, 0, 16, 0, 0, NULL, 0},
    {"label", KC_F_STRING, 0, 100, 0, 0, NULL, 0},
};
static const struct kc_field voicemail_fields[] = {
    {"greeting", KC_F_STRING, 0, 1000, 0, 0, NULL, 0},
};
static const struct kc_field time_fields[] = {
    {"rules", KC_F_ARRAY, 1, 28, 0, 0, NULL, 0},
    {"default_mode", KC_F_ENUM, 1, 0, 0, 0, leaf_modes, 0},
};
static const struct kc_field rule_fields[] = {
    {"days", KC_F_ARRAY, 1, 7, 0, 0, NULL, 0},
    {"start", KC_F_STRING, 1, 5, 0, 0, NULL, 0},
    {"end", KC_F_STRING, 1, 5, 0, 0, NULL, 0},
    {"mode", KC_F_ENUM, 1, 0, 0, 0, leaf_modes, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* "HH:MM" to minutes since midnight; "24:00" is allowed as an end. */
static int
hhmm(const char *s, int *mins)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' ||
	    s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '9' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*mins = h * 60 + m;
	return 0;
}

static int
check_ivr(const json_t *ivr, struct kc_verr *e)
{
	const json_t *opts, *o;
	const char *digit, *dest;
	char path[128], seen[16] = "";
	size_t i;

	if (kc_json_check(ivr, "ivr_menu", ivr_fields, N(ivr_fields), e))
		return -1;
	opts = json_object_get(ivr, "options");
	if (json_array_size(opts) == 0)
		return kc_verr_set(
		    e, 422, "missing_field", "ivr_menu.options",
		    "ivr_menu.options needs at least one option");
	json_array_foreach(opts, i, o)
	{
		snprintf(path, sizeof(path), "ivr_menu.options[%zu]", i);
		if (kc_json_check(o, path, option_fields, N(option_fields), e))
			return -1;
		digit = kc_json_str(o, "digit");
		dest = kc_json_str(o, "destination");
		snprintf(path, sizeof(path), "ivr_menu.options[%zu].digit", i);
		if (strlen(digit) != 1 ||
		    strchr("0123456789*#", *digit) == NULL)
			return kc_verr_set(e, 422, "invalid_value", path,
					   "%s must be one of 0-9, * or #",
					   path);
		if (strchr(seen, *digit) != NULL)
			return kc_verr_set(e, 422, "duplicate_value", path,
					   "%s repeats digit %s", path, digit);
		strncat(seen, digit, 1);
		snprintf(path, sizeof(path), "ivr_menu.options[%zu].number", i);
		if (strcmp(dest, "number") == 0 &&
		    json_object_get(o, "number") == NULL)
			return kc_verr_set(e, 422, "missing_field", path,
					   "%s is required when destination "
					   "is number",
					   path);
		if (strcmp(dest, "number") != 0 &&
		    json_object_get(o, "number") != NULL)
			return kc_verr_set(e, 422, "invalid_value", path,
					   "%s is only allowed when "
					   "destination is number",
					   path);
	}
	return 0;
}

static int
check_time_based(const json_t *tb, struct kc_verr *e)
{
	const json_t *rules, *r, *d;
	char path[128];
	unsigned seen;
	size_t i, j, k;
	int start, end;

	if (kc_json_check(tb, "time_based", time_fields, N(time_fields), e))
		return -1;
	rules = json_object_get(tb, "rules");
	json_array_foreach(rules, i, r)
	{
		snprintf(path, sizeof(path), "time_based.rules[%zu]", i);
		if (kc_json_check(r, path, rule_fields, N(rule_fields), e))
			return -1;
		seen = 0;
		if (json_array_size(json_object_get(r, "days")) == 0) {
			snprintf(path, sizeof(path),
				 "time_based.rules[%zu].days", i);
			return kc_verr_set(e, 422, "missing_field", path,
					   "%s needs at least one day", path);
		}
		json_array_foreach(json_object_get(r, "days"), j, d)
		{
			for (k = 0; days[k] != NULL; k++)
				if (json_is_string(d) &&
				    strcmp(json_string_value(d), days[k]) == 0)
					break;
			snprintf(path, sizeof(path),
				 "time_based.rules[%zu].days[%zu]", i, j);
			if (days[k] == NULL)
				return kc_verr_set(
				    e, 422, "invalid_enum", path,
				    "%s must be one of mon, tue, "
				    "wed, thu, fri, sat, sun",
				    path);
			if (seen & (1u << k))
				return kc_verr_set(e, 422, "duplicate_value",
						   path, "%s repeats a day",
						   path);
			seen |= 1u << k;
		}
		snprintf(path, sizeof(path), "time_based.rules[%zu].start", i);
		if (hhmm(kc_json_str(r, "start"), &start) != 0 || start >= 1440)
			return kc_verr_set(e, 422, "invalid_value", path,
					   "%s must be a time HH:MM", path);
		snprintf(path, sizeof(path), "time_based.rules[%zu].end", i);
		if (hhmm(kc_json_str(r, "end"), &end) != 0)
			return kc_verr_set(e, 422, "invalid_value", path,
					   "%s must be a time HH:MM (or 24:00)",
					   path);
		if (end <= start)
			return kc_verr_set(e, 422, "invalid_value", path,
					   "%s must be after start", path);
	}
	return 0;
}

/* A mode in use needs its settings: ring_first needs the owner's number,
 * ivr_menu its menu. */
static int
needs(const json_t *routing, const char *mode, const char *where,
      struct kc_verr *e)
{
	if (strcmp(mode, "ring_first") == 0 &&
	    json_object_get(routing, "ring_first") == NULL)
		return kc_verr_set(e, 422, "missing_field", "ring_first",
				   "ring_first is required when %s is "
				   "ring_first",
				   where);
	if (strcmp(mode, "ivr_menu") == 0 &&
	    json_object_get(routing, "ivr_menu") == NULL)
		return kc_verr_set(e, 422, "missing_field", "ivr_menu",
				   "ivr_menu is required when %s is ivr_menu",
				   where);
	if (strcmp(mode, "time_based") == 0 &&
	    json_object_get(routing, "time_based") == NULL)
		return kc_verr_set(e, 422, "missing_field", "time_based",
				   "time_based is required when %s is "
				   "time_based",
				   where);
	return 0;
}

int
kc_routing_validate(const json_t *routing, struct kc_verr *e)
{
	const json_t *v, *tb, *r;
	char where[128];
	size_t i;

	if (kc_json_check(routing, "", top_fields, N(top_fields), e))
		return -1;
	if (!kc_id_valid("agt", kc_json_str(routing, "fallback_agent_id")))
		return kc_verr_set(e, 422, "invalid_value", "fallback_agent_id",
				   "fallback_agent_id must be an agent id "
				   "(agt_...)");
	if ((v = json_object_get(routing, "ring_first")) != NULL &&
	    kc_json_check(v, "ring_first", ring_fields, N(ring_fields), e))
		return -1;
	if ((v = json_object_get(routing, "ivr_menu")) != NULL &&
	    check_ivr(v, e))
		return -1;
	if ((v = json_object_get(routing, "voicemail")) != NULL &&
	    kc_json_check(v, "voicemail", voicemail_fields, N(voicemail_fields),
			  e))
		return -1;
	if ((tb = json_object_get(routing, "time_based")) != NULL &&
	    check_time_based(tb, e))
		return -1;
	if (needs(routing, kc_json_str(routing, "mode"), "mode", e))
		return -1;
	if (strcmp(kc_json_str(routing, "mode"), "time_based") == 0) {
		if (needs(routing, kc_json_str(tb, "default_mode"),
			  "time_based.default_mode", e))
			return -1;
		json_array_foreach(json_object_get(tb, "rules"), i, r)
		{
			snprintf(where, sizeof(where),
				 "time_based.rules[%zu].mode", i);
			if (needs(routing, kc_json_str(r, "mode"), where, e))
				return -1;
		}
	}
	return 0;
}

json_t *
kc_routing_default(const char *agent_id)
{
	return json_pack("{s:s, s:s}", "mode", "ai_only", "fallback_agent_id",
			 agent_id);
}
