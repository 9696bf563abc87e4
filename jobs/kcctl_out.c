#include "kcctl.h"
#include "kc_business.h"

#include <stdarg.h>
#include <stdio.h>

struct kc_db *
kcctl_db(struct kcctl *k)
{
	char err[512];

	if (k->db == NULL &&
	    (k->db = kc_db_open(&k->cfg, err, sizeof(err))) == NULL)
		kcctl_fail(k, "%s", err);
	return k->db;
}

struct kc_db *
kcctl_db_lazy(struct kcctl *k)
{
	if (k->db == NULL && (k->db = kc_db_new(&k->cfg)) == NULL)
		kcctl_fail(k, "out of memory");
	return k->db;
}

int
kcctl_emit(struct kcctl *k, json_t *v, void (*text)(const json_t *))
{
	if (v == NULL)
		return kcctl_fail(k, "out of memory");
	if (k->json || text == NULL) {
		json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		text(v);
	}
	json_decref(v);
	return fflush(stdout) == 0 ? KCCTL_OK : KCCTL_FAIL;
}

static int
report(struct kcctl *k, int code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "kcctl: %s\n", msg);
	if (k->json) {
		json_t *e = json_pack("{s:s}", "error", msg);
		json_dumpf(e, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(e);
	}
	return code;
}

int
kcctl_fail(struct kcctl *k, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = report(k, KCCTL_FAIL, fmt, ap);
	va_end(ap);
	return rc;
}

int
kcctl_usage(struct kcctl *k, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = report(k, KCCTL_USAGE, fmt, ap);
	va_end(ap);
	return rc;
}

int
kcctl_business_id(struct kcctl *k, const char *public_id, long long *id)
{
	struct kc_business b;
	int rc;

	if (public_id == NULL)
		return kcctl_usage(k, "--business ID is required");
	if (!kc_id_valid("biz", public_id))
		return kcctl_usage(k, "'%s' is not a business id (biz_...)",
				   public_id);
	if (kcctl_db(k) == NULL)
		return KCCTL_FAIL;
	rc = kc_business_find(k->db, public_id, &b);
	if (rc == KC_NOTFOUND)
		return kcctl_fail(k, "no business %s", public_id);
	if (rc != 0)
		return kcctl_fail(k, "database error looking up %s", public_id);
	*id = b.id;
	return KCCTL_OK;
}
