#include "kc_compliance.h"
#include "kc_business.h"
#include "kc_dnc.h"
#include "kc_event.h"
#include "kc_hours.h"
#include "kc_nanp.h"
#include "kc_registry.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kc_channel_parse(const char *s, enum kc_channel *out)
{
	if (s && strcmp(s, "voice") == 0)
		*out = KC_CHANNEL_VOICE;
	else if (s && strcmp(s, "sms") == 0)
		*out = KC_CHANNEL_SMS;
	else
		return -1;
	return 0;
}

int
kc_purpose_parse(const char *s, enum kc_purpose *out)
{
	if (s && strcmp(s, "informational") == 0)
		*out = KC_PURPOSE_INFORMATIONAL;
	else if (s && strcmp(s, "marketing") == 0)
		*out = KC_PURPOSE_MARKETING;
	else
		return -1;
	return 0;
}

const char *
kc_channel_name(enum kc_channel c)
{
	return c == KC_CHANNEL_SMS ? "sms" : "voice";
}

const char *
kc_purpose_name(enum kc_purpose p)
{
	return p == KC_PURPOSE_MARKETING ? "marketing" : "informational";
}

void
kc_check_result_free(struct kc_check_result *r)
{
	if (r == NULL)
		return;
	json_decref(r->checks);
	r->checks = NULL;
}

int
kc_compliance_business_public_id(struct kc_db *db, long long business_id,
				 char *out, size_t cap)
{
	struct kc_business b;
	int rc = kc_business_get(db, business_id, &b);

	if (rc == 0)
		snprintf(out, cap, "%s", b.public_id);
	return rc;
}

int
kc_compliance_record(struct kc_db *db, long long business_id,
		     const char *business_public_id,
		     const struct kc_actor *actor, const char *event_type,
		     const char *target_type, const char *target_id,
		     const char *id_key, const json_t *before,
		     const json_t *after)
{
	json_t *data;
	int rc = -1;

	if (kc_audit_write(db, business_id, actor, event_type, target_type,
			   target_id, before, after) != 0)
		return -1;
	if ((data = json_deep_copy(after)) == NULL ||
	    json_object_set_new(data, id_key, json_string(target_id)) != 0)
		goto out;
	rc = kc_event_emit(db, business_id, business_public_id, event_type,
			   data, 0, NULL, NULL);
out:
	json_decref(data);
	return rc;
}

/* --- the check ----------------------------------------------------------- */

static void
copy_cell(char *dst, size_t cap, const char *cell)
{
	snprintf(dst, cap, "%s", cell ? cell : "");
}

/* Row i of COMPLIANCE_FACTS (col0 = 0) or COMPLIANCE_FACTS_MANY
 * (col0 = 1, after the request's index) into f. */
static void
facts_from_row(const struct kc_rows *r, size_t i, size_t col0,
	       struct kc_compliance_facts *f)
{
	const char *consent;

	memset(f, 0, sizeof(*f));
	copy_cell(f->business_timezone, sizeof(f->business_timezone),
		  kc_rows_get(r, i, col0));
	f->hours_start = (int)kc_rows_int(r, i, col0 + 1);
	f->hours_end = (int)kc_rows_int(r, i, col0 + 2);
	f->from_owned = kc_rows_int(r, i, col0 + 3) != 0;
	copy_cell(f->dnc_id, sizeof(f->dnc_id), kc_rows_get(r, i, col0 + 4));
	copy_cell(f->optout_id, sizeof(f->optout_id),
		  kc_rows_get(r, i, col0 + 5));
	f->on_registry = kc_rows_int(r, i, col0 + 6) != 0;
	f->registry_age =
	    kc_rows_get(r, i, col0 + 8) ? kc_rows_int(r, i, col0 + 8) : -1;
	if (f->registry_age < -1)
		f->registry_age = 0; /* made current "in the future": a clock */
	copy_cell(f->registry_loaded_at, sizeof(f->registry_loaded_at),
		  kc_rows_get(r, i, col0 + 9));
	/* "written cns_..." or "express cns_...": the strongest first. */
	if ((consent = kc_rows_get(r, i, col0 + 7)) != NULL) {
		f->consent = strncmp(consent, "written ", 8) == 0
				 ? KC_CONSENT_WRITTEN
				 : KC_CONSENT_EXPRESS;
		copy_cell(f->consent_id, sizeof(f->consent_id),
			  strchr(consent, ' ') ? strchr(consent, ' ') + 1 : "");
	}
}

int
kc_compliance_facts_read(struct kc_db *db, long long business_id,
			 const struct kc_action_check *in,
			 struct kc_compliance_facts *f)
{
	int voice = in->channel == KC_CHANNEL_VOICE, sms = !voice;
	long long ten = kc_nanp_number(in->to);
	struct kc_rows *r;

	memset(f, 0, sizeof(*f));
	if (kc_db_query(
		db, KC_SQL_COMPLIANCE_FACTS,
		KC_ARGS(
		    kc_p_str(in->from), kc_p_str(in->to), kc_p_int(voice),
		    kc_p_int(sms), kc_p_str(in->to), kc_p_int(voice),
		    kc_p_int(sms), ten >= 0 ? kc_p_int(ten) : kc_p_str(NULL),
		    kc_p_str(in->to), kc_p_str(kc_channel_name(in->channel)),
		    kc_p_int(business_id)),
		&r) != 0)
		return -1;
	if (r->nrows == 0) {
		kc_rows_free(r);
		return KC_NOTFOUND;
	}
	facts_from_row(r, 0, 0, f);
	kc_rows_free(r);
	return 0;
}

int
kc_compliance_facts_read_many(struct kc_db *db, size_t n,
			      const long long *business_ids,
			      const struct kc_action_check *in,
			      struct kc_compliance_facts *f, int *found)
{
	struct kc_rows *r = NULL;
	json_t *list = json_array(), *e;
	char *text = NULL;
	size_t i, k;
	int rc = -1;

	if (list == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		long long ten = kc_nanp_number(in[i].to);
		int voice = in[i].channel == KC_CHANNEL_VOICE;

		found[i] = 0;
		e = json_pack("{s:I, s:I, s:s, s:s, s:i, s:i, s:o, s:s}", "i",
			      (json_int_t)i, "b", (json_int_t)business_ids[i],
			      "f", in[i].from ? in[i].from : "", "t",
			      in[i].to ? in[i].to : "", "v", voice, "s", !voice,
			      "n", ten >= 0 ? json_integer(ten) : json_null(),
			      "c", kc_channel_name(in[i].channel));
		if (e == NULL || json_array_append_new(list, e) != 0)
			goto out;
	}
	if ((text = json_dumps(list, JSON_COMPACT)) == NULL ||
	    kc_db_query(db, KC_SQL_COMPLIANCE_FACTS_MANY,
			KC_ARGS(kc_p_str(text)), &r) != 0)
		goto out;
	for (k = 0; k < r->nrows; k++) {
		i = (size_t)kc_rows_int(r, k, 0);
		if (i >= n)
			goto out;
		facts_from_row(r, k, 1, &f[i]);
		found[i] = 1;
	}
	rc = 0;
out:
	kc_rows_free(r);
	free(text);
	json_decref(list);
	return rc;
}

/* One entry of "checks"; the first failure becomes the result's code. */
static int record(struct kc_check_result *out, const char *code,
		  const char *outcome, json_t **entry, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
record(struct kc_check_result *out, const char *code, const char *outcome,
       json_t **entry, const char *fmt, ...)
{
	char detail[sizeof(out->detail)];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s, s:s, s:s}", "check", code, "outcome", outcome,
		      "detail", detail);
	if (e == NULL || json_array_append_new(out->checks, e) != 0)
		return -1;
	if (strcmp(outcome, "failed") == 0 && out->code == NULL) {
		out->code = code;
		snprintf(out->detail, sizeof(out->detail), "%s", detail);
	}
	if (entry)
		*entry = e;
	return 0;
}

static int
check_dnc(const struct kc_action_check *in, const struct kc_compliance_facts *f,
	  struct kc_check_result *out)
{
	const char *ch = kc_channel_name(in->channel);

	if (f->dnc_id[0])
		return record(out, KC_CHECK_NUMBER_ON_DNC, "failed", NULL,
			      "%s is on the business's Do-Not-Call list for "
			      "%s (%s)",
			      in->to, ch, f->dnc_id);
	if (f->on_registry && in->purpose == KC_PURPOSE_MARKETING)
		return record(out, KC_CHECK_NUMBER_ON_DNC, "failed", NULL,
			      "%s is on the National Do-Not-Call Registry, "
			      "which blocks marketing",
			      in->to);
	if (f->on_registry)
		return record(out, KC_CHECK_NUMBER_ON_DNC, "passed", NULL,
			      "%s is on the National Do-Not-Call Registry, "
			      "which blocks marketing only",
			      in->to);
	return record(out, KC_CHECK_NUMBER_ON_DNC, "passed", NULL,
		      "%s is on no Do-Not-Call list for %s", in->to, ch);
}

/* "32 days", "5 hours", "12 minutes": how long ago, for people. */
static void
span(long long s, char *out, size_t cap)
{
	long long n = s >= 2 * 86400  ? s / 86400
		      : s >= 2 * 3600 ? s / 3600
				      : s / 60;
	const char *unit = s >= 2 * 86400  ? "day"
			   : s >= 2 * 3600 ? "hour"
					   : "minute";

	snprintf(out, cap, "%lld %s%s", n, unit, n == 1 ? "" : "s");
}

/* The FTC lets a seller market only against a copy of the registry no
 * older than 31 days: without one (none imported, or too old) every +1
 * number might be on it, so marketing fails closed. The registry is the
 * United States' (with the rest of the NANP, as it is loaded), so another
 * country's number does not wait for it. */
static int
check_registry_fresh(const struct kc_action_check *in,
		     const struct kc_compliance_facts *f,
		     struct kc_check_result *out)
{
	long long max = kc_registry_max_age();
	char age[32], limit[32];

	if (in->purpose != KC_PURPOSE_MARKETING)
		return record(out, KC_CHECK_DNC_REGISTRY_STALE, "passed", NULL,
			      "informational %s do not need the National "
			      "Do-Not-Call Registry",
			      in->channel == KC_CHANNEL_SMS ? "texts"
							    : "calls");
	if (kc_nanp_number(in->to) < 0)
		return record(out, KC_CHECK_DNC_REGISTRY_STALE, "passed", NULL,
			      "the National Do-Not-Call Registry covers +1 "
			      "numbers only");
	span(max, limit, sizeof(limit));
	if (f->registry_age < 0)
		return record(out, KC_CHECK_DNC_REGISTRY_STALE, "failed", NULL,
			      "no National Do-Not-Call Registry has been "
			      "loaded, so marketing is blocked: the operator "
			      "loads the current one with `kcctl dnc import "
			      "FILE` (and again at least every %s)",
			      limit);
	span(f->registry_age, age, sizeof(age));
	if (kc_registry_stale(f->registry_age))
		return record(out, KC_CHECK_DNC_REGISTRY_STALE, "failed", NULL,
			      "the National Do-Not-Call Registry was last "
			      "loaded %s ago (%s), more than the %s allowed, "
			      "so marketing is blocked: the operator loads "
			      "the current one with `kcctl dnc import FILE`",
			      age, f->registry_loaded_at, limit);
	return record(out, KC_CHECK_DNC_REGISTRY_STALE, "passed", NULL,
		      "the National Do-Not-Call Registry was loaded %s ago "
		      "(%s), within %s",
		      age, f->registry_loaded_at, limit);
}

static int
check_consent(const struct kc_action_check *in,
	      const struct kc_compliance_facts *f, struct kc_check_result *out)
{
	const char *ch = kc_channel_name(in->channel);
	int marketing = in->purpose == KC_PURPOSE_MARKETING;
	enum kc_consent_level need =
	    marketing ? KC_CONSENT_WRITTEN : KC_CONSENT_EXPRESS;

	if (f->consent >= need)
		return record(out, KC_CHECK_CONSENT_MISSING, "passed", NULL,
			      "%s consent for %s (%s)",
			      f->consent == KC_CONSENT_WRITTEN ? "written"
							       : "express",
			      ch, f->consent_id);
	return record(out, KC_CHECK_CONSENT_MISSING, "failed", NULL,
		      "%s %s needs prior express%s consent for %s; %s has %s",
		      marketing ? "marketing" : "informational",
		      in->channel == KC_CHANNEL_SMS ? "SMS" : "calls",
		      marketing ? " written" : "", ch, in->to,
		      f->consent == KC_CONSENT_EXPRESS ? "only express consent"
						       : "none");
}

/* A +1 number whose area code the table does not know (one opened
 * after the table was made) may be anywhere the plan reaches: the United
 * States from Hawaii to the East coast (Alaska and Arizona's own time
 * included), Canada to Newfoundland, and the Caribbean. */
static const char *const nanp_zones[] = {
    "Pacific/Honolulu", "America/Anchorage",   "America/Los_Angeles",
    "America/Phoenix",  "America/Denver",      "America/Chicago",
    "America/New_York", "America/Puerto_Rico", "America/Halifax",
    "America/St_Johns"};

struct zone_set {
	const char *zones[KC_HOURS_ZONES_MAX];
	size_t n;
	const char *source; /* "zone_source" */
	const char *why;    /* the same for people */
};

static int
has_zone(const struct zone_set *z, const char *zone)
{
	size_t i;

	for (i = 0; i < z->n; i++)
		if (strcmp(z->zones[i], zone) == 0)
			return 1;
	return 0;
}

/* The zones the recipient may be in, all of which must allow the time.
 * The number says where it may be: the zones of its area code, every US
 * zone for a +1 number whose area code is unknown, the business's for
 * another country's. A contact's zone (the request's "timezone") narrows
 * that only to one of the area code's own zones, or stands for a number
 * of another country; otherwise it is judged besides the number's, so a
 * free string can never make a time allowed that the number forbids. */
static void
recipient_zones(const struct kc_action_check *in,
		const struct kc_compliance_facts *f, struct zone_set *z)
{
	const char *contact = in->contact_timezone;
	const struct kc_nanp_tz *t = kc_nanp_tz_find(in->to);
	size_t i;

	if (contact && !kc_timezone_valid(contact))
		contact = NULL;
	z->n = 0;
	if (t != NULL) {
		while (z->n < KC_NANP_TZ_MAX && t->zones[z->n])
			z->zones[z->n] = t->zones[z->n], z->n++;
		z->source = "number";
		z->why = "the time zones of the number's area code";
	} else if (kc_nanp_number(in->to) >= 0) {
		for (i = 0; i < sizeof(nanp_zones) / sizeof(nanp_zones[0]); i++)
			z->zones[z->n++] = nanp_zones[i];
		z->source = "all_nanp_zones";
		z->why = "every time zone of the North American Numbering "
			 "Plan: the number's area code is not in the table";
	} else {
		z->zones[z->n++] =
		    f->business_timezone[0] ? f->business_timezone : "UTC";
		z->source = "business";
		z->why = "the business's time zone: the number is another "
			 "country's";
	}
	if (contact == NULL)
		return;
	if (strcmp(z->source, "all_nanp_zones") != 0 &&
	    (strcmp(z->source, "business") == 0 || has_zone(z, contact))) {
		z->zones[0] = contact;
		z->n = 1;
		z->source = "contact";
		z->why = "the contact's time zone";
		return;
	}
	if (!has_zone(z, contact) && z->n < KC_HOURS_ZONES_MAX)
		z->zones[z->n++] = contact;
	if (strcmp(z->source, "number") == 0) {
		z->source = "contact_and_number";
		z->why = "the contact's time zone, which is not the number's, "
			 "and the time zones of the number's area code";
	} else {
		z->source = "contact_and_all_nanp_zones";
		z->why =
		    "the contact's time zone and every time zone of the "
		    "North American Numbering Plan: the number's area code "
		    "is not in the table";
	}
}

static int
check_hours(const struct kc_action_check *in,
	    const struct kc_compliance_facts *f, struct kc_check_result *out)
{
	struct kc_hours_zone judged[KC_HOURS_ZONES_MAX];
	char start[8], end[8], local[8], where[400] = "";
	struct zone_set z;
	size_t i, w = 0;
	json_t *entry, *list;
	int allowed;

	recipient_zones(in, f, &z);
	if (kc_hours_judge(z.zones, z.n, in->now, f->hours_start, f->hours_end,
			   judged, &allowed) != 0)
		return -1;
	kc_hours_format(f->hours_start, start, sizeof(start));
	kc_hours_format(f->hours_end, end, sizeof(end));
	if ((list = json_array()) == NULL)
		return -1;
	for (i = 0; i < z.n; i++) {
		kc_hours_format(judged[i].minute, local, sizeof(local));
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:b}", "zone",
						z.zones[i], "local_time", local,
						"allowed", judged[i].allowed));
		if (w < sizeof(where))
			w += (size_t)snprintf(where + w, sizeof(where) - w,
					      "%s%s in %s", i ? ", " : "",
					      local, z.zones[i]);
	}
	if (record(out, KC_CHECK_OUTSIDE_CALLING_HOURS,
		   allowed ? "passed" : "failed", &entry,
		   "%s are allowed from %s to %s in the recipient's local "
		   "time, judged in %s%s: it is %s",
		   in->channel == KC_CHANNEL_SMS ? "texts" : "calls", start,
		   end, z.why, z.n > 1 ? ", all of which must allow it" : "",
		   where) != 0) {
		json_decref(list);
		return -1;
	}
	json_object_set_new(entry, "time_zones", list);
	json_object_set_new(entry, "zone_source", json_string(z.source));
	json_object_set_new(
	    entry, "window",
	    json_pack("{s:s, s:s}", "start", start, "end", end));
	return 0;
}

int
kc_compliance_decide(const struct kc_action_check *in,
		     const struct kc_compliance_facts *f,
		     struct kc_check_result *out)
{
	static const char *const after_number[] = {
	    KC_CHECK_NUMBER_NOT_OWNED,   KC_CHECK_NUMBER_ON_DNC,
	    KC_CHECK_DNC_REGISTRY_STALE, KC_CHECK_NUMBER_OPTED_OUT,
	    KC_CHECK_CONSENT_MISSING,    KC_CHECK_OUTSIDE_CALLING_HOURS};
	const char *problem = kc_phone_problem(in->to);
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((out->checks = json_array()) == NULL)
		return -1;
	if (problem != NULL || f == NULL) {
		rc = record(out, KC_CHECK_INVALID_PHONE_NUMBER, "failed", NULL,
			    "to: %s", problem ? problem : "not checked");
		for (i = 0; rc == 0 &&
			    i < sizeof(after_number) / sizeof(after_number[0]);
		     i++)
			rc = record(out, after_number[i], "skipped", NULL,
				    "not checked: the number is not valid");
		goto out;
	}
	rc = record(out, KC_CHECK_INVALID_PHONE_NUMBER, "passed", NULL,
		    "%s is a valid number", in->to);
	if (rc == 0)
		rc =
		    f->from_owned
			? record(out, KC_CHECK_NUMBER_NOT_OWNED, "passed", NULL,
				 "%s is one of the business's numbers",
				 in->from)
			: record(out, KC_CHECK_NUMBER_NOT_OWNED, "failed", NULL,
				 "%s is not one of the business's numbers",
				 in->from ? in->from : "(none)");
	if (rc == 0)
		rc = check_dnc(in, f, out);
	if (rc == 0)
		rc = check_registry_fresh(in, f, out);
	if (rc == 0)
		rc =
		    f->optout_id[0]
			? record(out, KC_CHECK_NUMBER_OPTED_OUT, "failed", NULL,
				 "%s opted out of %s from this business (%s); "
				 "%s",
				 in->to, kc_channel_name(in->channel),
				 f->optout_id,
				 in->channel == KC_CHANNEL_SMS
				     ? "it opts back in by texting START"
				     : "texting START does not lift calls; "
				       "only removing the entry does")
			: record(out, KC_CHECK_NUMBER_OPTED_OUT, "passed", NULL,
				 "%s has not opted out", in->to);
	if (rc == 0)
		rc = check_consent(in, f, out);
	if (rc == 0)
		rc = check_hours(in, f, out);
out:
	if (rc != 0)
		kc_check_result_free(out);
	return rc;
}

int
kc_compliance_check(struct kc_db *db, long long business_id,
		    const struct kc_action_check *in,
		    struct kc_check_result *out)
{
	struct kc_compliance_facts f;
	int rc;

	if (!kc_phone_dialable(in->to))
		return kc_compliance_decide(in, NULL, out);
	if ((rc = kc_compliance_facts_read(db, business_id, in, &f)) != 0)
		return -1; /* KC_NOTFOUND too: the caller's business exists */
	return kc_compliance_decide(in, &f, out);
}

/* --- SMS keywords -------------------------------------------------------- */

/* Whether body[0..len) is word, in any case; a space of word matches
 * any run of white space ("opt  out"). */
static int
keyword_is(const char *word, const char *body, size_t len)
{
	static const char space[] = " \t\r\n\v\f";
	size_t i = 0;

	for (; *word; word++) {
		if (*word == ' ') {
			if (i == len ||
			    !memchr(space, body[i], sizeof(space) - 1))
				return 0;
			while (i < len &&
			       memchr(space, body[i], sizeof(space) - 1))
				i++;
			continue;
		}
		if (i == len || toupper((unsigned char)body[i]) != *word)
			return 0;
		i++;
	}
	return i == len;
}

enum kc_sms_keyword
kc_sms_keyword(const char *body, size_t len)
{
	static const struct {
		const char *word;
		enum kc_sms_keyword kw;
	} words[] = {
	    {"STOP", KC_SMS_KEYWORD_STOP},
	    {"STOPALL", KC_SMS_KEYWORD_STOP},
	    {"UNSUBSCRIBE", KC_SMS_KEYWORD_STOP},
	    {"CANCEL", KC_SMS_KEYWORD_STOP},
	    {"END", KC_SMS_KEYWORD_STOP},
	    {"QUIT", KC_SMS_KEYWORD_STOP},
	    /* The FCC's list (47 CFR 64.1200(a)(12)) names these too; Twilio
	     * also takes OPTOUT. */
	    {"REVOKE", KC_SMS_KEYWORD_STOP},
	    {"OPT OUT", KC_SMS_KEYWORD_STOP},
	    {"OPTOUT", KC_SMS_KEYWORD_STOP},
	    {"START", KC_SMS_KEYWORD_START},
	    {"UNSTOP", KC_SMS_KEYWORD_START},
	    {"YES", KC_SMS_KEYWORD_START},
	    {"HELP", KC_SMS_KEYWORD_HELP},
	    {"INFO", KC_SMS_KEYWORD_HELP},
	};
	static const char space[] = " \t\r\n\v\f";
	size_t i;

	if (body == NULL)
		return KC_SMS_KEYWORD_NONE;
	while (len > 0 && memchr(space, body[0], sizeof(space) - 1)) {
		body++;
		len--;
	}
	while (len > 0 && memchr(space, body[len - 1], sizeof(space) - 1))
		len--;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (keyword_is(words[i].word, body, len))
			return words[i].kw;
	return KC_SMS_KEYWORD_NONE;
}

static int
keyword_change(struct kc_db *db, const struct kc_actor *by,
	       long long business_id, const char *business_public_id,
	       const char *phone, const char *message_sid, int stop,
	       int *changed)
{
	struct kc_actor keyword = {"system", "sms-keyword", message_sid};
	const struct kc_actor *actor = by ? by : &keyword;
	char biz[KC_ID_MAX];
	int dummy, rc;

	if (changed == NULL)
		changed = &dummy;
	*changed = 0;
	if (business_public_id == NULL) {
		if (kc_compliance_business_public_id(db, business_id, biz,
						     sizeof(biz)) != 0)
			return -1;
		business_public_id = biz;
	}
	if (kc_db_begin(db) != 0)
		return -1;
	rc = stop ? kc_dnc_opt_out(db, actor, business_id, business_public_id,
				   phone, message_sid, changed)
		  : kc_dnc_opt_in(db, actor, business_id, business_public_id,
				  phone, changed);
	if (rc != 0) {
		kc_db_rollback(db);
		*changed = 0;
		return -1;
	}
	return kc_db_end(db);
}

int
kc_compliance_opt_out(struct kc_db *db, long long business_id,
		      const char *business_public_id, const char *phone,
		      const char *message_sid, int *changed)
{
	return keyword_change(db, NULL, business_id, business_public_id, phone,
			      message_sid, 1, changed);
}

int
kc_compliance_opt_out_by(struct kc_db *db, const struct kc_actor *actor,
			 long long business_id, const char *business_public_id,
			 const char *phone, int *changed)
{
	return keyword_change(db, actor, business_id, business_public_id, phone,
			      NULL, 1, changed);
}

int
kc_compliance_opt_in(struct kc_db *db, long long business_id,
		     const char *business_public_id, const char *phone,
		     const char *message_sid, int *changed)
{
	return keyword_change(db, NULL, business_id, business_public_id, phone,
			      message_sid, 0, changed);
}
