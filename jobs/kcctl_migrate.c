#include "kcctl.h"
#include "kc_idempotency.h"
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
	long long sealed = 0;
	int applied;

	(void)argv;
	if (argc > 1)
		return kcctl_usage(k, "usage: kcctl migrate");
	/* A migration's ALTER of a big table may take minutes without a
	 * byte on the wire: no read timeout for it. */
	k->cfg.db_io_timeout = 0;
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	if (kc_migrate(k->db, k->cfg.sql_dir, &applied, err, sizeof(err)) != 0)
		return kcctl_fail(k, "migration failed: %s", err);
	/* Answers kept in plaintext by versions before 009 hold webhook
	 * secrets: sealed now, before the new version serves. */
	if (!k->cfg.has_master_key) {
		if (kc_idem_plaintext_count(k->db, &sealed) != 0)
			return kcctl_fail(k, "could not look for stored "
					     "Idempotency-Key answers");
		if (sealed > 0)
			return kcctl_fail(k,
					  "%lld stored Idempotency-Key answers "
					  "are in plaintext and master_key is "
					  "not configured to seal them",
					  sealed);
	} else if (kc_idem_seal_plaintext(k->db, k->cfg.master_key, &sealed) !=
		   0)
		return kcctl_fail(k,
				  "could not seal the stored Idempotency-Key "
				  "answers; run kcctl migrate again");
	return kcctl_emit(k,
			  json_pack("{s:i, s:I}", "applied", applied,
				    "answers_sealed", (json_int_t)sealed),
			  text);
}
