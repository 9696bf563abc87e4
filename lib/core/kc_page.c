#include "kc_page.h"
#include "kc_json.h"

int
kc_page_one(struct kc_db *db, enum kc_sql sql, long long business_id,
	    const char *public_id, kc_row_fn row, json_t **out)
{
	struct kc_rows *r;

	if (kc_db_query(db, sql,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			&r) != 0)
		return -1;
	if (r->nrows == 0) {
		kc_rows_free(r);
		return KC_NOTFOUND;
	}
	*out = row(r, 0);
	kc_rows_free(r);
	return *out ? 0 : -1;
}

int
kc_page_id(struct kc_db *db, enum kc_sql sql, long long business_id,
	   const char *public_id, long long *id)
{
	struct kc_rows *r;
	int rc = KC_NOTFOUND;

	if (kc_db_query(db, sql,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			&r) != 0)
		return -1;
	if (r->nrows) {
		*id = kc_rows_int(r, 0, 0);
		rc = 0;
	}
	kc_rows_free(r);
	return rc;
}

/* *id is the internal id of starting_after, or none without one. */
static int
cursor_id(struct kc_db *db, enum kc_sql cursor, long long business_id,
	  const char *starting_after, long long none, long long *id)
{
	*id = none;
	if (starting_after == NULL)
		return 0;
	return kc_page_id(db, cursor, business_id, starting_after, id);
}

int
kc_page_list(struct kc_db *db, const struct kc_page_query *q,
	     long long business_id, const char *const *filters, size_t nfilters,
	     const char *starting_after, int limit, json_t **out)
{
	struct kc_param p[3 + 2 * KC_PAGE_FILTERS_MAX];
	struct kc_rows *r;
	json_t *data, *item;
	long long from;
	size_t i, n = 0, shown;
	int rc;

	if (nfilters > KC_PAGE_FILTERS_MAX)
		return -1;
	if ((rc = cursor_id(db, q->cursor, business_id, starting_after, q->none,
			    &from)) != 0)
		return rc;
	p[n++] = kc_p_int(business_id);
	p[n++] = kc_p_int(from);
	for (i = 0; i < nfilters; i++) {
		p[n++] = kc_p_str(filters[i]);
		p[n++] = kc_p_str(filters[i]);
	}
	p[n++] = kc_p_int(limit + 1);
	if (kc_db_query(db, q->list, p, n, &r) != 0)
		return -1;
	shown = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
	if ((data = json_array()) == NULL) {
		kc_rows_free(r);
		return -1;
	}
	for (i = 0; i < shown; i++)
		if ((item = q->row(r, i)) != NULL)
			json_array_append_new(data, item);
	*out = kc_json_list(data, r->nrows > (size_t)limit);
	kc_rows_free(r);
	return *out ? 0 : -1;
}

int
kc_page_list_args(struct kc_db *db, const struct kc_page_query *q,
		  long long business_id, const struct kc_page_args *args,
		  const char *starting_after, int limit, json_t **out)
{
	struct kc_param p[24];
	struct kc_rows *r;
	json_t *data, *item;
	long long from;
	size_t i, n = 0, shown;
	int rc;

	if (args->nbefore + args->nafter + 3 > sizeof(p) / sizeof(p[0]))
		return -1;
	if ((rc = cursor_id(db, q->cursor, business_id, starting_after, q->none,
			    &from)) != 0)
		return rc;
	p[n++] = kc_p_int(business_id);
	for (i = 0; i < args->nbefore; i++)
		p[n++] = args->before[i];
	p[n++] = kc_p_int(from);
	for (i = 0; i < args->nafter; i++)
		p[n++] = args->after[i];
	p[n++] = kc_p_int(limit + 1);
	if (kc_db_query(db, q->list, p, n, &r) != 0)
		return -1;
	shown = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
	if ((data = json_array()) == NULL) {
		kc_rows_free(r);
		return -1;
	}
	for (i = 0; i < shown; i++)
		if ((item = q->row(r, i)) != NULL)
			json_array_append_new(data, item);
	*out = kc_json_list(data, r->nrows > (size_t)limit);
	kc_rows_free(r);
	return *out ? 0 : -1;
}
