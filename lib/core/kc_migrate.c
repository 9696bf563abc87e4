#include "kc_migrate.h"
#include "kc_buf.h"
#include "kc_log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATION_MAX (1024 * 1024)

static int
is_migration(const struct dirent *d)
{
	const char *n = d->d_name;
	size_t len = strlen(n);

	return len > 8 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' &&
	       n[1] <= '9' && n[2] >= '0' && n[2] <= '9' && n[3] == '_' &&
	       strcmp(n + len - 4, ".sql") == 0;
}

static int
read_file(const char *path, struct kc_buf *b)
{
	char chunk[8192];
	size_t n;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (kc_buf_append(b, chunk, n) != 0) {
			rc = -1;
			break;
		}
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}

static int
applied_already(const struct kc_rows *r, long version)
{
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if (kc_rows_int(r, i, 0) == version)
			return 1;
	return 0;
}

int
kc_migrate(struct kc_db *db, const char *dir, int *applied, char *err,
	   size_t errlen)
{
	static const char lock[] = "kaicalls.migrate";
	struct dirent **files = NULL;
	struct kc_rows *done = NULL, *got = NULL;
	struct kc_buf sql;
	char path[4096], sub[512];
	int nfiles = 0, i, rc = -1, locked = 0;

	*applied = 0;
	kc_buf_init(&sql, MIGRATION_MAX);
	if (kc_db_query(db, KC_SQL_LOCK_GET,
			KC_ARGS(kc_p_str(lock), kc_p_int(60)), &got) != 0 ||
	    kc_rows_int(got, 0, 0) != 1) {
		snprintf(err, errlen, "could not take the migration lock");
		goto out;
	}
	locked = 1;
	/* The lock lives in this session: a silent reconnection would drop
	 * it and let a second migration in. A lost connection fails the
	 * migration instead. */
	kc_db_pin(db);
	if (kc_db_exec_script(db,
			      "CREATE TABLE IF NOT EXISTS schema_migrations ("
			      "version INT UNSIGNED PRIMARY KEY, "
			      "name VARCHAR(200) NOT NULL, "
			      "applied_at DATETIME(6) NOT NULL) ENGINE=InnoDB",
			      sub, sizeof(sub)) != 0) {
		snprintf(err, errlen, "schema_migrations: %s", sub);
		goto out;
	}
	if (kc_db_query(db, KC_SQL_MIGRATION_APPLIED, NULL, 0, &done) != 0) {
		snprintf(err, errlen, "cannot read schema_migrations");
		goto out;
	}
	if ((nfiles = scandir(dir, &files, is_migration, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		long version = strtol(files[i]->d_name, NULL, 10);

		if (applied_already(done, version))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]->d_name);
		kc_buf_reset(&sql);
		if (read_file(path, &sql) != 0) {
			snprintf(err, errlen, "%s: cannot read (or over 1 MiB)",
				 path);
			goto out;
		}
		if (kc_db_exec_script(db, sql.data, sub, sizeof(sub)) != 0) {
			snprintf(err, errlen, "%s: %s", files[i]->d_name, sub);
			goto out;
		}
		if (kc_db_exec(
			db, KC_SQL_MIGRATION_RECORD,
			KC_ARGS(kc_p_int(version), kc_p_str(files[i]->d_name)),
			NULL, NULL) != 0) {
			snprintf(err, errlen, "%s: cannot record",
				 files[i]->d_name);
			goto out;
		}
		kc_info("applied migration %s", files[i]->d_name);
		(*applied)++;
	}
	rc = 0;
out:
	if (locked) {
		kc_rows_free(got);
		got = NULL;
		if (kc_db_query(db, KC_SQL_LOCK_RELEASE,
				KC_ARGS(kc_p_str(lock)), &got) != 0)
			kc_warn("could not release the migration lock");
		kc_db_unpin(db);
		if (kc_db_unavailable(db))
			snprintf(err, errlen,
				 "lost the connection to MariaDB (and the "
				 "migration lock with it): run kcctl migrate "
				 "again");
	}
	if (files) {
		for (i = 0; i < nfiles; i++)
			free(files[i]);
		free(files);
	}
	kc_rows_free(got);
	kc_rows_free(done);
	kc_buf_free(&sql);
	return rc;
}
