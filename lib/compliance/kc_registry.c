#include "kc_registry.h"
#include "kc_config.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_nanp.h"
#include "kc_time.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One import at a time: a second one would delete the first's rows as
 * an older version. */
#define IMPORT_LOCK "kaicalls.dnc_registry_import"

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Room for a batch as JSON: ten digits and a comma a number. */
#define JSON_CAP (KC_REGISTRY_BATCH * 11 + 2)

/* Loads batch[0..n) (sorted here) into version; adds what went in. */
static int
load(struct kc_db *db, long long version, long long *batch, size_t n,
     char *json, long long *loaded)
{
	unsigned long long affected = 0;
	size_t i, o = 0;

	qsort(batch, n, sizeof(*batch), cmp_ll);
	json[o++] = '[';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(json + o, JSON_CAP - o,
				      i ? ",%lld" : "%lld", batch[i]);
	json[o++] = ']';
	if (kc_db_exec(db, KC_SQL_REGISTRY_LOAD,
		       KC_ARGS(kc_p_int(version), kc_p_strn(json, o)),
		       &affected, NULL) != 0)
		return -1;
	*loaded += (long long)affected;
	return 0;
}

/* Deletes every row matching sql's (bound, LIMIT) in short statements. */
static int
delete_all(struct kc_db *db, enum kc_sql sql, long long bound,
	   long long *deleted)
{
	unsigned long long n;

	do {
		if (kc_db_exec(
			db, sql,
			KC_ARGS(kc_p_int(bound), kc_p_int(KC_REGISTRY_BATCH)),
			&n, NULL) != 0)
			return -1;
		*deleted += (long long)n;
	} while (n > 0);
	return 0;
}

/* Makes version current, in one transaction; *old is the one before. */
static int
make_current(struct kc_db *db, long long version, long long numbers,
	     const char *sha, long long *old)
{
	struct kc_rows *r = NULL;

	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_REGISTRY_CURRENT_LOCK, NULL, 0, &r) != 0 ||
	    r->nrows != 1)
		goto fail;
	*old = kc_rows_int(r, 0, 0);
	if (kc_db_exec(db, KC_SQL_REGISTRY_SET_CURRENT,
		       KC_ARGS(kc_p_int(version)), NULL, NULL) != 0 ||
	    kc_db_exec(
		db, KC_SQL_REGISTRY_IMPORT_CURRENT,
		KC_ARGS(kc_p_int(numbers), kc_p_str(sha), kc_p_int(version)),
		NULL, NULL) != 0 ||
	    kc_db_exec(db, KC_SQL_REGISTRY_IMPORT_REPLACED,
		       KC_ARGS(kc_p_int(version)), NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	return -1;
}

/* A line's number: 0 for an empty line, -1 for one that is not ten
 * digits of a valid NANP number. */
static long long
parse_line(char *line, ssize_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0; /* an empty line: skipped */
	return kc_nanp_parse10(line, (size_t)len);
}

static int
lock(struct kc_db *db, int take)
{
	struct kc_rows *r;
	int ok;

	if (take) {
		kc_db_pin(db);
		if (kc_db_query(db, KC_SQL_LOCK_GET,
				KC_ARGS(kc_p_str(IMPORT_LOCK), kc_p_int(0)),
				&r) != 0) {
			kc_db_unpin(db);
			return -1;
		}
		ok = kc_rows_int(r, 0, 0) == 1;
		kc_rows_free(r);
		if (!ok)
			kc_db_unpin(db);
		return ok ? 0 : 1;
	}
	if (kc_db_query(db, KC_SQL_LOCK_RELEASE, KC_ARGS(kc_p_str(IMPORT_LOCK)),
			&r) == 0)
		kc_rows_free(r);
	kc_db_unpin(db);
	return 0;
}

int
kc_registry_import(struct kc_db *db, FILE *f, const char *name,
		   const char *actor, struct kc_registry_import *out, char *err,
		   size_t errlen)
{
	long long *batch = NULL, number, t0 = kc_time_mono_ms(), lineno = 0;
	unsigned long long version = 0;
	unsigned char md[EVP_MAX_MD_SIZE];
	char *line = NULL, *json = NULL, sha[65];
	size_t cap = 0, n = 0, i;
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	ssize_t len;
	int rc = -1, locked = 0;

	memset(out, 0, sizeof(*out));
	batch = malloc(KC_REGISTRY_BATCH * sizeof(*batch));
	json = malloc(JSON_CAP);
	if (batch == NULL || json == NULL || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	switch (lock(db, 1)) {
	case 0:
		locked = 1;
		break;
	case 1:
		snprintf(err, errlen, "another import is running");
		goto out;
	default:
		snprintf(err, errlen, "cannot reach the database");
		goto out;
	}
	if (kc_db_exec(db, KC_SQL_REGISTRY_IMPORT_INSERT,
		       KC_ARGS(kc_p_str(name), kc_p_str(actor)), NULL,
		       &version) != 0) {
		snprintf(err, errlen, "cannot record the import");
		goto out;
	}
	/* Loaded as read, in batches: the rows are a version nobody reads
	 * until the last line has been checked and loaded. */
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		EVP_DigestUpdate(ctx, line, (size_t)len);
		if ((number = parse_line(line, len)) == 0)
			continue;
		if (number < 0) {
			snprintf(err, errlen,
				 "%s, line %lld: not a ten-digit US number "
				 "(area code and exchange 2-9, not N11)",
				 name, lineno);
			goto failed;
		}
		out->lines++;
		batch[n++] = number;
		if (n == KC_REGISTRY_BATCH) {
			if (load(db, (long long)version, batch, n, json,
				 &out->numbers) != 0)
				goto db_failed;
			n = 0;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", name);
		goto failed;
	}
	if (n > 0 &&
	    load(db, (long long)version, batch, n, json, &out->numbers) != 0)
		goto db_failed;
	if (out->lines == 0) {
		snprintf(err, errlen,
			 "%s holds no numbers; the registry is left as it was",
			 name);
		goto failed;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", md[i]);
	out->load_seconds = (double)(kc_time_mono_ms() - t0) / 1000.0;
	if (make_current(db, (long long)version, out->numbers, sha,
			 &out->replaced) != 0)
		goto db_failed;
	out->version = (long long)version;
	/* The old versions, and loads that never finished, are no one's. */
	if (delete_all(db, KC_SQL_REGISTRY_PURGE, (long long)version,
		       &out->purged) != 0) {
		/* The new list is current; the next import deletes these. */
		kc_warn("dnc import: old registry rows are left for the next "
			"import to delete");
	}
	out->total_seconds = (double)(kc_time_mono_ms() - t0) / 1000.0;
	rc = 0;
	goto out;
db_failed:
	snprintf(err, errlen, "the database failed while loading %s", name);
failed:
	if (version > 0) {
		long long dropped = 0;

		if (delete_all(db, KC_SQL_REGISTRY_DROP, (long long)version,
			       &dropped) == 0)
			kc_db_exec(db, KC_SQL_REGISTRY_IMPORT_FAILED,
				   KC_ARGS(kc_p_int((long long)version)), NULL,
				   NULL);
	}
out:
	if (locked)
		lock(db, 0);
	EVP_MD_CTX_free(ctx);
	free(line);
	free(json);
	free(batch);
	return rc;
}

/* Set once at start-up, before any thread. */
static long long registry_max_age = KC_DNC_REGISTRY_MAX_AGE_DEFAULT;

void
kc_registry_max_age_set(long long seconds)
{
	if (seconds >= 1 && seconds <= KC_DNC_REGISTRY_MAX_AGE_DEFAULT)
		registry_max_age = seconds;
}

long long
kc_registry_max_age(void)
{
	return registry_max_age;
}

int
kc_registry_stale(long long age_seconds)
{
	return age_seconds < 0 || age_seconds > registry_max_age;
}

int
kc_registry_status(struct kc_db *db, json_t **out)
{
	const char *age;
	struct kc_rows *r;

	if (kc_db_query(db, KC_SQL_REGISTRY_STATUS, NULL, 0, &r) != 0)
		return -1;
	age = kc_rows_get(r, 0, 6);
	*out =
	    json_pack("{s:o, s:o, s:s?, s:s?, s:o, s:s?, s:o, s:I, s:b}",
		      "version", kc_json_db_int(kc_rows_get(r, 0, 0)),
		      "numbers", kc_json_db_int(kc_rows_get(r, 0, 1)),
		      "file_name", kc_rows_get(r, 0, 2), "file_sha256",
		      kc_rows_get(r, 0, 3), "current_since",
		      kc_json_db_time(kc_rows_get(r, 0, 4)), "imported_by",
		      kc_rows_get(r, 0, 5), "age_seconds", kc_json_db_int(age),
		      "max_age_seconds", (json_int_t)registry_max_age, "stale",
		      kc_registry_stale(age ? kc_rows_int(r, 0, 6) : -1));
	kc_rows_free(r);
	return *out ? 0 : -1;
}

int
kc_registry_has(struct kc_db *db, const char *e164)
{
	long long n = kc_nanp_number(e164);
	struct kc_rows *r;
	int has;

	if (n < 0)
		return 0;
	if (kc_db_query(db, KC_SQL_REGISTRY_HAS, KC_ARGS(kc_p_int(n)), &r) != 0)
		return -1;
	has = kc_rows_int(r, 0, 0) != 0;
	kc_rows_free(r);
	return has;
}
