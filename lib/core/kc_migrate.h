/* Forward-only schema migrations: sql/NNN_name.sql, each applied once and
 * recorded in schema_migrations, under a named lock so that several
 * starting processes cannot apply one twice. */
#ifndef KC_MIGRATE_H
#define KC_MIGRATE_H

#include "kc_db.h"

/* Applies what is missing; *applied counts the files applied now. */
int kc_migrate(struct kc_db *db, const char *dir, int *applied, char *err,
	       size_t errlen);

#endif
