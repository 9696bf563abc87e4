#include "kc_business.h"
#include "kc_agent.h"
#include "kc_log.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
kc_timezone_valid(const char *tz)
{
	/* Files of the tz database that name no place: the host's own
	 * setting, a copy of a zone kept for old POSIX rules, the zone of
	 * machines not yet set up, and the leap-second trees (right/, and
	 * posix/ beside it), whose clocks are not civil time. */
	static const char *const not_zones[] = {"localtime", "posixrules",
						"Factory"};
	static const char *const not_trees[] = {"posix/", "right/"};
	char path[256], magic[4];
	struct stat st;
	const char *p;
	size_t i;
	FILE *f;
	int ok;

	if (tz == NULL || *tz == '\0' || strlen(tz) > 64 || tz[0] == '/')
		return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	/* Only names the tz database could hold: no "..", no odd bytes. */
	for (p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		      *p == '-' || *p == '+'))
			return 0;
	if (strstr(tz, "..") != NULL)
		return 0;
	for (i = 0; i < sizeof(not_zones) / sizeof(not_zones[0]); i++)
		if (strcmp(tz, not_zones[i]) == 0)
			return 0;
	for (i = 0; i < sizeof(not_trees) / sizeof(not_trees[0]); i++)
		if (strncmp(tz, not_trees[i], strlen(not_trees[i])) == 0)
			return 0;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (f = fopen(path, "rb")) == NULL)
		return 0;
	/* A zone is a TZif file (RFC 8536); the directory also holds
	 * tables and lists (leapseconds, zone.tab, ...). */
	ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	     memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

static int
from_rows(struct kc_rows *r, struct kc_business *out)
{
	if (r->nrows == 0)
		return KC_NOTFOUND;
	out->id = kc_rows_int(r, 0, 0);
	snprintf(out->public_id, sizeof(out->public_id), "%s",
		 kc_rows_get(r, 0, 1));
	snprintf(out->name, sizeof(out->name), "%s", kc_rows_get(r, 0, 2));
	snprintf(out->timezone, sizeof(out->timezone), "%s",
		 kc_rows_get(r, 0, 3));
	kc_time_from_db(kc_rows_get(r, 0, 4), out->created_at,
			sizeof(out->created_at));
	return 0;
}

static int
lookup(struct kc_db *db, enum kc_sql q, struct kc_param p,
       struct kc_business *out)
{
	struct kc_rows *r;
	int rc;

	if (kc_db_query(db, q, &p, 1, &r) != 0)
		return -1;
	rc = from_rows(r, out);
	kc_rows_free(r);
	return rc;
}

int
kc_business_get(struct kc_db *db, long long id, struct kc_business *out)
{
	return lookup(db, KC_SQL_BUSINESS_BY_ID, kc_p_int(id), out);
}

int
kc_business_find(struct kc_db *db, const char *public_id,
		 struct kc_business *out)
{
	return lookup(db, KC_SQL_BUSINESS_BY_PUBLIC, kc_p_str(public_id), out);
}

int
kc_business_find_slug(struct kc_db *db, const char *slug,
		      struct kc_business *out)
{
	return lookup(db, KC_SQL_BUSINESS_BY_SLUG, kc_p_str(slug), out);
}

int
kc_business_create(struct kc_db *db, const struct kc_actor *actor,
		   const char *name, const char *tz, const char *slug,
		   struct kc_business *out)
{
	char id[KC_ID_MAX];
	unsigned long long bid;
	json_t *after = NULL;

	if (kc_id_new("biz", id, sizeof(id)) != 0 || kc_db_begin(db) != 0)
		return -1;
	if (kc_db_exec(db, KC_SQL_BUSINESS_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_str(name), kc_p_str(tz),
			       kc_p_str(slug)),
		       NULL, &bid) != 0)
		goto fail;
	if (kc_agent_create_primary(db, (long long)bid, name, NULL) != 0)
		goto fail;
	if (kc_business_get(db, (long long)bid, out) != 0)
		goto fail;
	after = kc_business_json(out);
	if (kc_audit_write(db, out->id, actor, "business.created", "business",
			   out->public_id, NULL, after) != 0)
		goto fail;
	json_decref(after);
	return kc_db_end(db);
fail:
	json_decref(after);
	kc_db_rollback(db);
	return -1;
}

json_t *
kc_business_json(const struct kc_business *b)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", b->public_id,
			 "object", "business", "name", b->name, "timezone",
			 b->timezone, "created_at", b->created_at);
}
