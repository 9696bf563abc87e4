/* Cursor pagination shared by every list: resolve starting_after to an
 * internal id within the business, then turn the rows of a LIMIT n+1 query
 * into a list page. */
#ifndef KC_PAGE_H
#define KC_PAGE_H

#include "kc_db.h"

#include <jansson.h>

/* *id is the internal id of starting_after (a statement taking business
 * id and public id), or none when starting_after is NULL. 0, KC_NOTFOUND
 * (no such item of this business) or -1. */
int kc_page_cursor(struct kc_db *db, enum kc_sql cursor, long long business_id,
		   const char *starting_after, long long none, long long *id);
/* The page for rows fetched with LIMIT limit + 1: at most limit items
 * rendered by row(), has_more when there was one more. Takes nothing. */
json_t *kc_page_build(const struct kc_rows *r, int limit,
		      json_t *(*row)(const struct kc_rows *, size_t));

#endif
