/* The dashboard's templates: files in www_dir/templates/ with @@name@@
 * slots and no logic (kcgi's khttp_template). A slot is filled with text,
 * escaped for HTML; with a URL part, percent-encoded; or, only where the
 * code says so by name (DASH_SAFE_HTML), with HTML that the html_*
 * writers or another template built. A slot the template names but the
 * code does not fill is an error, so a typo cannot go out as a blank. */
#ifndef KC_DASH_TPL_H
#define KC_DASH_TPL_H

#include "kc_buf.h"

#include <stddef.h>

enum dash_slot_kind { DASH_SLOT_TEXT, DASH_SLOT_URL, DASH_SLOT_HTML };

struct dash_slot {
	const char *name;
	enum dash_slot_kind kind;
	const char *text;          /* TEXT and URL; NULL is empty */
	const struct kc_buf *html; /* HTML */
};

#define DASH_TXT(n, v)                                                         \
	{                                                                      \
		(n), DASH_SLOT_TEXT, (v), NULL                                 \
	}
#define DASH_URL(n, v)                                                         \
	{                                                                      \
		(n), DASH_SLOT_URL, (v), NULL                                  \
	}
#define DASH_SAFE_HTML(n, b)                                                   \
	{                                                                      \
		(n), DASH_SLOT_HTML, NULL, (b)                                 \
	}
#define DASH_SLOTS(a) (a), (sizeof(a) / sizeof((a)[0]))

/* Renders www_dir/templates/<name> into out. Templates are read once per
 * process. 0, or -1 (logged): no such template, a slot left unfilled, or
 * out is full. */
int dash_tpl_render(const char *www_dir, const char *name,
		    const struct dash_slot *slots, size_t nslots,
		    struct kc_buf *out);
/* Forgets the templates read (tests, and a process that ends). */
void dash_tpl_flush(void);

#endif
