#include "kc_json.h"
#include "kc_phone.h"
#include "kc_time.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kc_verr_set(struct kc_verr *e, int status, const char *code, const char *field,
	    const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

json_t *
kc_json_parse_object(const char *buf, size_t len, struct kc_verr *e)
{
	json_error_t jerr;
	json_t *v;

	if (len == 0) {
		kc_verr_set(e, 400, "invalid_json", NULL,
			    "the request body is empty; a JSON object is "
			    "required");
		return NULL;
	}
	/* JSON_REJECT_DUPLICATES: a repeated key is ambiguous input. */
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		kc_verr_set(e, 400, "invalid_json", NULL,
			    "invalid JSON at line %d, column %d: %s", jerr.line,
			    jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		kc_verr_set(e, 400, "invalid_json", NULL,
			    "the request body must be a JSON object");
		return NULL;
	}
	return v;
}

static const char *
type_word(enum kc_ftype t)
{
	switch (t) {
	case KC_F_INT:
		return "an integer";
	case KC_F_BOOL:
		return "a boolean";
	case KC_F_OBJECT:
		return "an object";
	case KC_F_ARRAY:
		return "an array";
	default:
		return "a string";
	}
}

static int
check_one(const json_t *v, const struct kc_field *f, const char *path,
	  struct kc_verr *e)
{
	const char *s;
	size_t i;

	if (json_is_null(v) && f->nullable)
		return 0;
	switch (f->type) {
	case KC_F_INT:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < f->min ||
		    json_integer_value(v) > f->max)
			return kc_verr_set(e, 422, "out_of_range", path,
					   "%s must be between %lld and %lld",
					   path, f->min, f->max);
		return 0;
	case KC_F_BOOL:
		if (!json_is_boolean(v))
			break;
		return 0;
	case KC_F_OBJECT:
		if (!json_is_object(v))
			break;
		return 0;
	case KC_F_ARRAY:
		if (!json_is_array(v))
			break;
		if (f->maxlen && json_array_size(v) > f->maxlen)
			return kc_verr_set(e, 422, "too_long", path,
					   "%s may hold at most %zu items",
					   path, f->maxlen);
		return 0;
	case KC_F_STRING:
	case KC_F_E164:
	case KC_F_ENUM:
	case KC_F_TIME:
		if (!json_is_string(v))
			break;
		s = json_string_value(v);
		if (f->maxlen && json_string_length(v) > f->maxlen)
			return kc_verr_set(e, 422, "too_long", path,
					   "%s may be at most %zu bytes long",
					   path, f->maxlen);
		if (strlen(s) != json_string_length(v))
			return kc_verr_set(e, 422, "invalid_value", path,
					   "%s must not contain NUL bytes",
					   path);
		if (f->type == KC_F_E164 && !kc_e164_valid(s))
			return kc_verr_set(e, 422, "invalid_phone_number", path,
					   "%s must be an E.164 phone number "
					   "such as +14155550123",
					   path);
		if (f->type == KC_F_TIME) {
			char tmp[KC_TIME_MAX];
			if (kc_time_to_db(s, tmp, sizeof(tmp)) != 0)
				return kc_verr_set(
				    e, 422, "invalid_time", path,
				    "%s must be an RFC 3339 time such as "
				    "2026-01-31T14:00:00Z",
				    path);
		}
		if (f->type == KC_F_ENUM) {
			for (i = 0; f->enumvals[i] != NULL; i++)
				if (strcmp(s, f->enumvals[i]) == 0)
					return 0;
			return kc_verr_set(e, 422, "invalid_enum", path,
					   "%s has an unknown value", path);
		}
		return 0;
	}
	return kc_verr_set(e, 422, "invalid_type", path, "%s must be %s", path,
			   type_word(f->type));
}

int
kc_json_check(const json_t *obj, const char *prefix,
	      const struct kc_field *fields, size_t nfields, struct kc_verr *e)
{
	const char *key;
	json_t *v;
	char path[128];
	size_t i;

	if (!json_is_object(obj))
		return kc_verr_set(e, 422, "invalid_type", prefix,
				   "%s must be an object",
				   *prefix ? prefix : "the body");
	json_object_foreach((json_t *)obj, key, v)
	{
		for (i = 0; i < nfields; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		snprintf(path, sizeof(path), "%s%s%s", prefix,
			 *prefix ? "." : "", key);
		if (i == nfields)
			return kc_verr_set(e, 422, "unknown_field", path,
					   "unknown field %s", path);
		if (check_one(v, &fields[i], path, e) != 0)
			return -1;
	}
	for (i = 0; i < nfields; i++) {
		if (!fields[i].required)
			continue;
		v = json_object_get(obj, fields[i].name);
		if (v == NULL || json_is_null(v)) {
			snprintf(path, sizeof(path), "%s%s%s", prefix,
				 *prefix ? "." : "", fields[i].name);
			return kc_verr_set(e, 422, "missing_field", path,
					   "%s is required", path);
		}
	}
	return 0;
}

json_t *
kc_json_merge_patch(const json_t *target, const json_t *patch)
{
	const char *key;
	json_t *out, *v, *merged;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	out = json_is_object(target) ? json_deep_copy(target) : json_object();
	if (out == NULL)
		return NULL;
	json_object_foreach((json_t *)patch, key, v)
	{
		if (json_is_null(v)) {
			json_object_del(out, key);
			continue;
		}
		merged = kc_json_merge_patch(json_object_get(out, key), v);
		if (merged == NULL || json_object_set_new(out, key, merged)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

const char *
kc_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

json_t *
kc_json_list(json_t *data, int has_more)
{
	json_t *last = json_array_get(data, json_array_size(data) - 1);
	const char *next = has_more ? kc_json_str(last, "id") : NULL;

	return json_pack("{s:s, s:o, s:b, s:s?}", "object", "list", "data",
			 data, "has_more", has_more, "next_cursor", next);
}

json_t *
kc_json_db_time(const char *cell)
{
	char t[KC_TIME_MAX];

	if (cell == NULL || kc_time_from_db(cell, t, sizeof(t)) != 0)
		return json_null();
	return json_string(t);
}

json_t *
kc_json_db_int(const char *cell)
{
	if (cell == NULL)
		return json_null();
	return json_integer(strtoll(cell, NULL, 10));
}

/* Jansson frees strings and objects without knowing what they held; a
 * secret shown once (a new webhook secret or API key) passes through them.
 * Every block is wiped before it goes back to the allocator. */
static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void
kc_json_wipe_on_free(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}
