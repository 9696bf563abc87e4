/* What every list page of the dashboard shares: its filters (a <select>
 * of the API's words, a choice checked against them, a datetime-local
 * bound), its rows (one template per row), the "Older" link that pages
 * with the API's cursors, and the page itself around them. */
#include "dash.h"
#include "kc_time.h"

#include <stdio.h>
#include <string.h>

int
dash_option(struct kc_buf *b, const char *value, const char *label,
	    const char *current)
{
	return html_lit(b, "<option value=\"") | html_attr(b, value) |
	       (current && strcmp(current, value) == 0
		    ? html_lit(b, "\" selected>")
		    : html_lit(b, "\">")) |
	       html_txt(b, label) | html_lit(b, "</option>");
}

int
dash_options(struct kc_buf *b, const char *any, const char *const *values,
	     const char *current)
{
	size_t i;
	int rc = any ? dash_option(b, "", any, current) : 0;

	for (i = 0; values[i]; i++)
		rc |= html_lit(b, "<option value=\"") |
		      html_attr(b, values[i]) |
		      (current && strcmp(current, values[i]) == 0
			   ? html_lit(b, "\" selected>")
			   : html_lit(b, "\">")) |
		      dash_words(b, values[i]) | html_lit(b, "</option>");
	return rc;
}

int
dash_pick(const char *v, const char *const *values, const char **out)
{
	size_t i;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	for (i = 0; values[i]; i++)
		if (strcmp(v, values[i]) == 0) {
			*out = values[i];
			return 0;
		}
	return -1;
}

int
dash_local_time(const char *s, char *db, size_t cap, const char **out)
{
	char rfc[32];
	size_t n = s ? strlen(s) : 0;

	*out = NULL;
	if (n == 0)
		return 0;
	if ((n != 16 && n != 19) ||
	    snprintf(rfc, sizeof(rfc), "%s%sZ", s, n == 16 ? ":00" : "") >=
		(int)sizeof(rfc) ||
	    kc_time_to_db(rfc, db, cap) != 0)
		return -1;
	*out = db;
	return 0;
}

int
dash_pager(const struct kc_req *req, const char *base, const json_t *list,
	   struct kc_buf *b)
{
	size_t i;
	int rc = 0, n = 0;

	if (!json_is_true(json_object_get(list, "has_more")))
		return 0;
	rc |= html_lit(b, "<p class=\"pager\"><a href=\"") | html_attr(b, base);
	for (i = 0; i < req->nq; i++) {
		/* The notice of a change (done) was for the first page. */
		if (strcmp(req->q[i].key, "after") == 0 ||
		    strcmp(req->q[i].key, "done") == 0 ||
		    req->q[i].val[0] == '\0')
			continue;
		rc |= (n++ ? html_lit(b, "&amp;") : html_lit(b, "?")) |
		      html_url_arg(b, req->q[i].key) | kc_buf_putc(b, '=') |
		      html_url_arg(b, req->q[i].val);
	}
	rc |= (n ? html_lit(b, "&amp;after=") : html_lit(b, "?after=")) |
	      html_url_arg(b, kc_json_str(list, "next_cursor")) |
	      html_lit(b, "\">Older</a></p>");
	return rc;
}

int
dash_rows(struct kc_req *req, const json_t *list, dash_row_fn row,
	  struct kc_buf *rows)
{
	const json_t *item;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(list, "data"), i, item)
	{
		if ((rc = row(req, item, rows)) != 0)
			break;
	}
	return rc;
}

int
dash_list_page(struct kc_req *req, const struct dash_list *l, int status,
	       int rc, json_t *list, const struct dash_slot *slots,
	       size_t nslots)
{
	struct dash_slot all[DASH_LIST_SLOTS + 2];
	struct kc_buf rows, more;

	if (rc == KC_NOTFOUND || nslots > DASH_LIST_SLOTS) {
		json_decref(list);
		return rc == KC_NOTFOUND
			   ? dash_error(req, 400,
					"That is not a page of this list.")
			   : dash_internal(req);
	}
	if (rc != 0) {
		json_decref(list);
		return dash_internal(req);
	}
	kc_buf_init(&rows, 4 * 1024 * 1024);
	kc_buf_init(&more, 4096);
	rc = dash_rows(req, list, l->row, &rows) |
	     dash_pager(req, l->base, list, &more);
	if (nslots > 0)
		memcpy(all, slots, nslots * sizeof(*slots));
	all[nslots] = (struct dash_slot)DASH_SAFE_HTML("rows", &rows);
	all[nslots + 1] = (struct dash_slot)DASH_SAFE_HTML("more", &more);
	rc = dash_page_tpl(req, status, l->title, l->current, l->tpl, all,
			   nslots + 2, rc);
	json_decref(list);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	return rc;
}
