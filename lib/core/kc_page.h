/* Reads of a business's objects by public id, shared by every module: one
 * object, or a page of a list with cursor pagination (starting_after is
 * resolved within the business first, then a LIMIT n+1 query says whether
 * there is more). */
#ifndef KC_PAGE_H
#define KC_PAGE_H

#include "kc_db.h"

#include <jansson.h>

typedef json_t *(*kc_row_fn)(const struct kc_rows *, size_t);

/* One object: sql takes (business id, public id); the first row is
 * rendered by row into *out. 0, KC_NOTFOUND or -1. */
int kc_page_one(struct kc_db *db, enum kc_sql sql, long long business_id,
		const char *public_id, kc_row_fn row, json_t **out);

/* The internal id of an object: sql takes (business id, public id) and
 * returns the id first. 0, KC_NOTFOUND or -1. */
int kc_page_id(struct kc_db *db, enum kc_sql sql, long long business_id,
	       const char *public_id, long long *id);

/* A short list in id order, unfiltered. list takes the business id, the
 * cursor's internal id (none without a cursor: INT64_MAX for newest first
 * with "id < ?", 0 for oldest first with "id > ?") and the LIMIT. cursor
 * takes (business id, public id). */
struct kc_page_query {
	enum kc_sql cursor, list;
	long long none;
	kc_row_fn row;
};

/* The page as {"object":"list",...}. KC_NOTFOUND when starting_after
 * names nothing of the business. */
int kc_page_list(struct kc_db *db, const struct kc_page_query *q,
		 long long business_id, const char *starting_after, int limit,
		 json_t **out);

#define KC_PAGE_FILTERS_MAX 4

/* A list newest first by creation, ties by id (kc_sql.c, RECENT): a
 * statement for each filter shape, shape[mask] where bit i of mask says
 * that filter i is given, so nshapes is a power of two. It takes the
 * business id, the given filters in order, then since, until, the
 * cursor's created_at twice and its id, and the LIMIT. cursor takes
 * (business id, public id) and returns the id and created_at. */
struct kc_page_recent {
	enum kc_sql cursor;
	const enum kc_sql *shape;
	size_t nshapes;
	kc_row_fn row;
};
#define KC_PAGE_SHAPES(a) (a), (sizeof(a) / sizeof((a)[0]))

/* filters[i] is SQL NULL (kc_p_str(NULL)) when filter i is not given.
 * since and until (DB text, may be NULL) bound created_at to
 * [since, until). KC_NOTFOUND when starting_after names nothing of the
 * business. */
int kc_page_recent(struct kc_db *db, const struct kc_page_recent *q,
		   long long business_id, const struct kc_param *filters,
		   const char *since, const char *until,
		   const char *starting_after, int limit, json_t **out);
/* The same for a statement that takes each filter once, in the order
 * (business id, before..., cursor's internal id, after..., LIMIT): one
 * statement per filter shape, each served by its own index. */
struct kc_page_args {
	const struct kc_param *before;
	size_t nbefore;
	const struct kc_param *after;
	size_t nafter;
};
int kc_page_list_args(struct kc_db *db, const struct kc_page_query *q,
		      long long business_id, const struct kc_page_args *args,
		      const char *starting_after, int limit, json_t **out);

#endif
