#include "kc_page.h"
#include "kc_json.h"

#include <stdint.h>

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

/* The page of rows r as {"object":"list",...}: the query asked for one
 * row more than limit, to say whether there is more. */
static int
page_json(const struct kc_rows *r, kc_row_fn row, int limit, json_t **out)
{
	json_t *data, *item;
	size_t i, shown;

	shown = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
	if ((data = json_array()) == NULL)
		return -1;
	for (i = 0; i < shown; i++)
		if ((item = row(r, i)) != NULL)
			json_array_append_new(data, item);
	*out = kc_json_list(data, r->nrows > (size_t)limit);
	return *out ? 0 : -1;
}

int
kc_page_list(struct kc_db *db, const struct kc_page_query *q,
	     long long business_id, const char *starting_after, int limit,
	     json_t **out)
{
	struct kc_rows *r;
	long long from = q->none;
	int rc;

	if (starting_after && (rc = kc_page_id(db, q->cursor, business_id,
					       starting_after, &from)) != 0)
		return rc;
	if (kc_db_query(db, q->list,
			KC_ARGS(kc_p_int(business_id), kc_p_int(from),
				kc_p_int(limit + 1)),
			&r) != 0)
		return -1;
	rc = page_json(r, q->row, limit, out);
	kc_rows_free(r);
	return rc;
}

/* Before and after every created_at there is: no bound, and no cursor. */
#define TIME_MIN "1000-01-01 00:00:00"
#define TIME_MAX "9999-12-31 23:59:59.999999"

int
kc_page_recent(struct kc_db *db, const struct kc_page_recent *q,
	       long long business_id, const struct kc_param *filters,
	       const char *since, const char *until, const char *starting_after,
	       int limit, json_t **out)
{
	struct kc_param p[7 + KC_PAGE_FILTERS_MAX];
	struct kc_rows *c = NULL, *r = NULL;
	const char *at = TIME_MAX;
	long long from = INT64_MAX;
	unsigned mask = 0;
	size_t i, n = 0;
	int rc = -1;

	if (q->nshapes > 1u << KC_PAGE_FILTERS_MAX)
		return -1;
	if (starting_after) {
		if (kc_db_query(db, q->cursor,
				KC_ARGS(kc_p_int(business_id),
					kc_p_str(starting_after)),
				&c) != 0)
			return -1;
		if (c->nrows == 0) {
			kc_rows_free(c);
			return KC_NOTFOUND;
		}
		from = kc_rows_int(c, 0, 0);
		at = kc_rows_get(c, 0, 1);
	}
	p[n++] = kc_p_int(business_id);
	for (i = 0; 1u << i < q->nshapes; i++) {
		if (filters[i].t == KC_PT_NULL)
			continue;
		mask |= 1u << i;
		p[n++] = filters[i];
	}
	p[n++] = kc_p_str(since ? since : TIME_MIN);
	p[n++] = kc_p_str(until ? until : TIME_MAX);
	p[n++] = kc_p_str(at);
	p[n++] = kc_p_str(at);
	p[n++] = kc_p_int(from);
	p[n++] = kc_p_int(limit + 1);
	if (mask < q->nshapes && kc_db_query(db, q->shape[mask], p, n, &r) == 0)
		rc = page_json(r, q->row, limit, out);
	kc_rows_free(r);
	kc_rows_free(c);
	return rc;
}

int
kc_page_list_args(struct kc_db *db, const struct kc_page_query *q,
		  long long business_id, const struct kc_page_args *args,
		  const char *starting_after, int limit, json_t **out)
{
	struct kc_param p[24];
	struct kc_rows *r;
	long long from = q->none;
	size_t i, n = 0;
	int rc;

	if (args->nbefore + args->nafter + 3 > sizeof(p) / sizeof(p[0]))
		return -1;
	if (starting_after && (rc = kc_page_id(db, q->cursor, business_id,
					       starting_after, &from)) != 0)
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
	rc = page_json(r, q->row, limit, out);
	kc_rows_free(r);
	return rc;
}
