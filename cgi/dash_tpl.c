#include "dash_tpl.h"
#include "html.h"
#include "kc_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TPL_MAX   96
#define TPL_BYTES (256 * 1024)

/* The process's templates: a FastCGI process serves thousands of pages
 * from a few dozen files, read on first use. */
static struct {
	char name[64];
	char *text;
	size_t len;
} cache[TPL_MAX];
static size_t ncache;

void
dash_tpl_flush(void)
{
	size_t i;

	for (i = 0; i < ncache; i++)
		free(cache[i].text);
	memset(cache, 0, sizeof(cache));
	ncache = 0;
}

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && n < sizeof(cache[0].name) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n &&
	       strstr(name, "..") == NULL && strcmp(name + n - 5, ".html") == 0;
}

static const char *
load(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	struct kc_buf b;
	char chunk[4096];
	size_t i, n;
	FILE *f;

	for (i = 0; i < ncache; i++)
		if (strcmp(cache[i].name, name) == 0) {
			*len = cache[i].len;
			return cache[i].text;
		}
	if (!name_ok(name) || ncache == TPL_MAX ||
	    snprintf(path, sizeof(path), "%s/templates/%s", dir, name) >=
		(int)sizeof(path)) {
		kc_err("template %s: not a template name, or too many", name);
		return NULL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		kc_err("template %s: %s", path, strerror(errno));
		return NULL;
	}
	kc_buf_init(&b, TPL_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (kc_buf_append(&b, chunk, n) != 0) {
			kc_err("template %s: larger than %d bytes", path,
			       TPL_BYTES);
			fclose(f);
			kc_buf_free(&b);
			return NULL;
		}
	fclose(f);
	if (b.data == NULL && kc_buf_append(&b, "", 0) != 0)
		return NULL;
	snprintf(cache[ncache].name, sizeof(cache[ncache].name), "%s", name);
	cache[ncache].text = kc_buf_take(&b, &cache[ncache].len);
	*len = cache[ncache].len;
	return cache[ncache++].text;
}

static const struct dash_slot *
find(const struct dash_slot *slots, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(slots[i].name) == len &&
		    memcmp(slots[i].name, name, len) == 0)
			return &slots[i];
	return NULL;
}

int
dash_tpl_render(const char *www_dir, const char *name,
		const struct dash_slot *slots, size_t nslots,
		struct kc_buf *out)
{
	const char *t, *p, *end, *open, *close;
	const struct dash_slot *s;
	size_t len, nlen;
	int rc = 0;

	if ((t = load(www_dir, name, &len)) == NULL)
		return -1;
	for (p = t, end = t + len; p < end && rc == 0; p = close + 2) {
		open = strstr(p, "@@");
		close = open ? strstr(open + 2, "@@") : NULL;
		if (open == NULL || close == NULL) {
			rc |= kc_buf_append(out, p, (size_t)(end - p));
			break;
		}
		nlen = (size_t)(close - open - 2);
		/* Only [a-z0-9_] between the marks is a slot; anything else
		 * is text that happens to hold "@@". */
		if (nlen == 0 || strspn(open + 2, "abcdefghijklmnopqrstuvwxyz"
						  "0123456789_") != nlen) {
			rc |= kc_buf_append(out, p, (size_t)(open + 2 - p));
			close = open; /* resume after the first "@@" */
			continue;
		}
		rc |= kc_buf_append(out, p, (size_t)(open - p));
		if ((s = find(slots, nslots, open + 2, nlen)) == NULL) {
			kc_err("template %s: slot @@%.*s@@ not filled", name,
			       (int)nlen, open + 2);
			return -1;
		}
		switch (s->kind) {
		case DASH_SLOT_TEXT:
			rc |= html_txt(out, s->text);
			break;
		case DASH_SLOT_URL:
			rc |= html_url_arg(out, s->text);
			break;
		case DASH_SLOT_HTML:
			if (s->html && s->html->len)
				rc |= kc_buf_append(out, s->html->data,
						    s->html->len);
			break;
		}
	}
	if (rc != 0)
		kc_err("template %s: the page is too large", name);
	return rc ? -1 : 0;
}
