#include "kc_page.h"
#include "kc_json.h"

int
kc_page_cursor(struct kc_db *db, enum kc_sql cursor, long long business_id,
	       const char *starting_after, long long none, long long *id)
{
	struct kc_rows *r;
	int rc = KC_NOTFOUND;

	*id = none;
	if (starting_after == NULL)
		return 0;
	if (kc_db_query(
		db, cursor,
		KC_ARGS(kc_p_int(business_id), kc_p_str(starting_after)),
		&r) != 0)
		return -1;
	if (r->nrows) {
		*id = kc_rows_int(r, 0, 0);
		rc = 0;
	}
	kc_rows_free(r);
	return rc;
}

json_t *
kc_page_build(const struct kc_rows *r, int limit,
	      json_t *(*row)(const struct kc_rows *, size_t))
{
	json_t *data = json_array(), *item;
	size_t i, n = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;

	if (data == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((item = row(r, i)) != NULL)
			json_array_append_new(data, item);
	return kc_json_list(data, r->nrows > (size_t)limit);
}
