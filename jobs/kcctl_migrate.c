#include "kcctl.h"
#include "kc_migrate.h"

#include <stdio.h>

static void
text(const json_t *v)
{
	printf("schema up to date (%lld migration(s) applied now)\n",
	       (long long)json_integer_value(json_object_get(v, "applied")));
}

int
kcctl_migrate(struct kcctl *k, int argc, char **argv)
{
	char err[1024];
	int applied;

	(void)argv;
	if (argc > 1)
		return kcctl_usage(k, "usage: kcctl migrate");
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	if (kc_migrate(k->db, k->cfg.sql_dir, &applied, err, sizeof(err)) != 0)
		return kcctl_fail(k, "migration failed: %s", err);
	return kcctl_emit(k, json_pack("{s:i}", "applied", applied), text);
}
