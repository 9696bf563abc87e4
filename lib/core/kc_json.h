/* JSON input: bounded parsing, table-driven validation that names the
 * offending field, and RFC 7396 merge patch. */
#ifndef KC_JSON_H
#define KC_JSON_H

#include <jansson.h>
#include <stddef.h>

/* A validation failure: the HTTP status it maps to (400 syntax, 422
 * semantics), a stable code, the field path and a sentence for people. */
struct kc_verr {
	int status;
	char code[32];
	char field[128];
	char msg[256];
};

int kc_verr_set(struct kc_verr *e, int status, const char *code,
		const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

enum kc_ftype {
	KC_F_STRING,
	KC_F_INT,
	KC_F_BOOL,
	KC_F_OBJECT,
	KC_F_ARRAY,
	KC_F_E164,
	KC_F_ENUM,
	KC_F_TIME, /* RFC 3339 */
};

struct kc_field {
	const char *name;
	enum kc_ftype type;
	int required;
	size_t maxlen;               /* strings: bytes; arrays: items */
	long long min, max;          /* integers */
	const char *const *enumvals; /* NULL-terminated */
	int nullable;                /* null is accepted (and means "unset") */
};

/* Parses a request body: must be one JSON object. Syntax errors name the
 * line and column. Returns a new reference or NULL with e filled. */
json_t *kc_json_parse_object(const char *buf, size_t len, struct kc_verr *e);
/* Checks obj against the table: unknown fields, missing required fields,
 * types, lengths, ranges and enumerations. prefix is prepended to field
 * names in errors ("" at the top). 0 valid, -1 with e filled (422). */
int kc_json_check(const json_t *obj, const char *prefix,
		  const struct kc_field *fields, size_t nfields,
		  struct kc_verr *e);
/* RFC 7396: a new value that is target with patch applied. */
json_t *kc_json_merge_patch(const json_t *target, const json_t *patch);
/* A string member, or NULL when absent or not a string. */
const char *kc_json_str(const json_t *obj, const char *key);

/* A MariaDB DATETIME cell as RFC 3339, and an integer cell, as new
 * values: JSON null for a SQL NULL. */
json_t *kc_json_db_time(const char *cell);
json_t *kc_json_db_int(const char *cell);

/* A page of a list: {"object":"list","data":[...],"has_more":...,
 * "next_cursor": id of the last item or null}. Takes data. */
json_t *kc_json_list(json_t *data, int has_more);

/* From now on Jansson wipes every block it frees (process start-up). */
void kc_json_wipe_on_free(void);

#endif
