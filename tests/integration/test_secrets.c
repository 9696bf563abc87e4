/* Secrets never rest unsealed and never reach a log (README.md: a signing
 * secret is "stored sealed … it appears in no other response, no log and
 * no audit row"; of API keys "only their SHA-256 is stored … keys are
 * never logged"). This test makes secrets along every path that hands one
 * out (endpoint create and rotate-secret, both with an Idempotency-Key;
 * kcctl key create and rotate), uses them, and then looks everywhere:
 * every text and binary column of every table, read as root, and every
 * file under $KC_VAR/log. It runs in test_jobs, after every other test,
 * so what those left behind is looked at too.
 *
 * A secret is found by its shape, not only by the values seen here, so a
 * secret of any test counts: "whsec_" or "kc_live_" followed by 16 or more
 * characters of its alphabet. That leaves out the key hint ("kc_live_" +
 * "..." + the last four characters), which is there by design. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(secrets, .init = itest_setup, .timeout = 60);

/* The same shapes for MariaDB's REGEXP and for the log scan below. */
#define WHSEC_RE  "whsec_[A-Za-z0-9+/=]{16}"
#define KEY_RE    "kc_live_[A-Za-z0-9]{16}"
#define SHAPE_MIN 16

struct secrets {
	char v[8][96];
	const char *what[8];
	size_t n;
};

static void
keep(struct secrets *s, const char *what, const char *v)
{
	cr_assert(v != NULL && s->n < 8, "no %s", what);
	cr_assert(strncmp(v, "whsec_", 6) == 0 ||
		      strncmp(v, "kc_live_", 8) == 0,
		  "%s has an unexpected shape", what);
	snprintf(s->v[s->n], sizeof(s->v[0]), "%s", v);
	s->what[s->n++] = what;
}

static void
post_idem(const char *key, const char *path, const char *body, const char *idem,
	  struct itest_resp *r)
{
	char h[320];
	const char *extra[] = {h, NULL};

	snprintf(h, sizeof(h), "Idempotency-Key: %s", idem);
	itest_http("POST", path, key, body, body ? strlen(body) : 0, extra, r);
}

/* Sends the POST with an Idempotency-Key twice: the second answer is the
 * first, replayed from the cache. Returns the secret in it. */
static void
post_twice(const char *key, const char *path, const char *body,
	   const char *idem, long status, char *secret, char *id)
{
	struct itest_resp a, b;
	char *replayed;

	post_idem(key, path, body, idem, &a);
	cr_assert_eq(a.status, status, "%ld", a.status);
	post_idem(key, path, body, idem, &b);
	cr_assert_eq(b.status, status, "%ld", b.status);
	replayed = itest_header(&b, "idempotent-replayed");
	cr_assert(replayed && strcmp(replayed, "true") == 0);
	free(replayed);
	cr_assert(a.body_len == b.body_len &&
		      memcmp(a.body, b.body, a.body_len) == 0,
		  "the replayed answer differs");
	snprintf(secret, 96, "%s", itest_jstr(a.json, "secret"));
	if (id)
		snprintf(id, 64, "%s", itest_jstr(a.json, "id"));
	itest_resp_free(&a);
	itest_resp_free(&b);
}

/* Every char/text/binary/blob column of the database: for each, how many
 * values hold something shaped like a webhook secret or an API key. The
 * answer is "table.column<TAB>secrets<TAB>keys" lines. */
static char *
scan_columns(size_t *ncols)
{
	char *cols = itest_sql_root(
	    "SELECT table_name, column_name FROM information_schema.columns "
	    "WHERE table_schema = DATABASE() AND data_type IN ('char', "
	    "'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', "
	    "'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', "
	    "'longblob', 'enum', 'set', 'json') ORDER BY table_name, "
	    "ordinal_position");
	size_t cap = 4096, len = 0;
	char *sql = malloc(cap), *line, *save = NULL, *out;

	cr_assert(sql != NULL);
	sql[0] = '\0';
	*ncols = 0;
	for (line = strtok_r(cols, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), part[1024];
		int n;

		cr_assert(tab != NULL, "%s", line);
		*tab = '\0';
		n = snprintf(part, sizeof(part),
			     "%sSELECT '%s.%s', COALESCE(SUM(`%s` REGEXP "
			     "'" WHSEC_RE "'), 0), COALESCE(SUM(`%s` REGEXP "
			     "'" KEY_RE "'), 0) FROM `%s`",
			     *ncols ? " UNION ALL " : "", line, tab + 1,
			     tab + 1, tab + 1, line);
		cr_assert(n > 0 && (size_t)n < sizeof(part));
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			sql = realloc(sql, cap);
			cr_assert(sql != NULL);
		}
		memcpy(sql + len, part, (size_t)n + 1);
		len += (size_t)n;
		(*ncols)++;
	}
	free(cols);
	cr_assert(*ncols > 0, "no columns found");
	out = itest_sql_root(sql);
	free(sql);
	return out;
}

/* Where in buf (n bytes) something shaped like a secret starts, or NULL:
 * prefix followed by at least SHAPE_MIN characters of alphabet. */
static const char *
find_shape(const char *buf, size_t n, const char *prefix, const char *alphabet)
{
	size_t pl = strlen(prefix);
	const char *p = buf, *end = buf + n;

	while ((p = memmem(p, (size_t)(end - p), prefix, pl)) != NULL) {
		const char *q = p + pl;
		size_t k = 0;

		while (q + k < end && q[k] != '\0' && strchr(alphabet, q[k]))
			k++;
		if (k >= SHAPE_MIN)
			return p;
		p += pl;
	}
	return NULL;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
static const char b62[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* 1 if the file is one this test process writes to itself (the test
 * runner's own output, which is not a product log). */
static int
own_output(const struct stat *st)
{
	struct stat o;
	int fd;

	for (fd = 1; fd <= 2; fd++)
		if (fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
		    o.st_ino == st->st_ino)
			return 1;
	return 0;
}

/* Checks every regular file under dir; returns how many were read. */
static size_t
scan_logs(const char *dir, const struct secrets *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t files = 0, i;

	cr_assert(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;
		const char *hit;
		char *buf;
		size_t n;
		FILE *f;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			files += scan_logs(path, s);
			continue;
		}
		if (!S_ISREG(st.st_mode) || own_output(&st))
			continue;
		f = fopen(path, "rb");
		cr_assert(f != NULL, "cannot read %s", path);
		buf = malloc((size_t)st.st_size + 1);
		cr_assert(buf != NULL);
		n = fread(buf, 1, (size_t)st.st_size, f);
		fclose(f);
		buf[n] = '\0';
		files++;
		for (i = 0; i < s->n; i++)
			cr_expect(memmem(buf, n, s->v[i], strlen(s->v[i])) ==
				      NULL,
				  "%s appears in %s", s->what[i], path);
		hit = find_shape(buf, n, "whsec_", b64);
		cr_expect(hit == NULL,
			  "%s holds a webhook secret (at byte %td)", path,
			  hit ? hit - buf : 0);
		hit = find_shape(buf, n, "kc_live_", b62);
		cr_expect(hit == NULL, "%s holds an API key (at byte %td)",
			  path, hit ? hit - buf : 0);
		free(buf);
	}
	closedir(d);
	return files;
}

Test(secrets, secrets_never_rest_unsealed_and_never_reach_a_log)
{
	struct itest_tenant t;
	struct itest_resp r;
	struct secrets s = {0};
	char ep[64], path[64], url[160], idem[96], secret[96], key[96],
	    key_id[96], rotated[96];
	char *scan, *line, *save = NULL;
	const char *var = getenv("KC_VAR");
	size_t ncols, nlines = 0, files;
	unsigned char rnd[6];
	FILE *f;
	int st;

	cr_assert(var != NULL, "KC_VAR is not set: run through scripts/test");
	f = fopen("/dev/urandom", "r");
	cr_assert(f && fread(rnd, 1, sizeof(rnd), f) == sizeof(rnd));
	fclose(f);

	itest_tenant_new(&t, "Secret Keeper Co", "*");
	keep(&s, "the tenant's API key", t.key);

	/* Endpoint create and rotate-secret, each with an Idempotency-Key
	 * and repeated, so their answers go through the idempotency cache. */
	itest_rcv_path(path, sizeof(path));
	snprintf(url, sizeof(url), "{\"url\":\"%s%s\"}",
		 getenv("KC_RECEIVER_URL"), path);
	snprintf(idem, sizeof(idem), "secrets-create-%02x%02x%02x%02x%02x%02x",
		 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	post_twice(t.key, "/v1/webhook-endpoints", url, idem, 201, secret, ep);
	keep(&s, "the endpoint's first signing secret", secret);
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/rotate-secret",
		 ep);
	snprintf(idem, sizeof(idem), "secrets-rotate-%02x%02x%02x%02x%02x%02x",
		 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	post_twice(t.key, url, NULL, idem, 200, secret, NULL);
	keep(&s, "the endpoint's rotated signing secret", secret);

	/* API keys made and rotated with kcctl. */
	{
		const char *create[] = {"key",      "create", "--business",
					t.biz,      "--name", "secrets test",
					"--scopes", "*",      NULL};
		const char *rotate[] = {"key", "rotate", key_id, NULL};
		json_t *v = itest_kcctl(&st, create);

		cr_assert(st == 0 && v, "kcctl key create failed (%d)", st);
		snprintf(key, sizeof(key), "%s", itest_jstr(v, "key"));
		snprintf(key_id, sizeof(key_id), "%s", itest_jstr(v, "id"));
		json_decref(v);
		keep(&s, "a key made with kcctl key create", key);
		v = itest_kcctl(&st, rotate);
		cr_assert(st == 0 && v, "kcctl key rotate failed (%d)", st);
		snprintf(rotated, sizeof(rotated), "%s", itest_jstr(v, "key"));
		json_decref(v);
		keep(&s, "a key made with kcctl key rotate", rotated);
	}

	/* Each is used: the keys to authenticate, the secrets to sign. */
	itest_get("/v1/business", key, &r);
	cr_expect_eq(r.status, 200);
	itest_resp_free(&r);
	itest_get("/v1/business", rotated, &r);
	cr_expect_eq(r.status, 200);
	itest_resp_free(&r);
	itest_lead(t.key, NULL);
	json_decref(itest_deliver(t.biz, &st));
	cr_expect_eq(st, 0);
	cr_expect_eq(itest_rcv_count(path), 1);

	/* The patterns do find a secret (so a clean scan means something). */
	cr_assert_eq(itest_sql_int("SELECT 'x whsec_"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+"
				   "/= x' REGEXP '" WHSEC_RE "'"),
		     1);
	cr_assert_eq(itest_sql_int("SELECT 'kc_live_"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef' REGEXP "
				   "'" KEY_RE "'"),
		     1);
	cr_assert_eq(itest_sql_int("SELECT 'kc_live_...abcd' REGEXP "
				   "'" KEY_RE "'"),
		     0);

	/* At rest: every column of every table. */
	scan = scan_columns(&ncols);
	for (line = strtok_r(scan, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char col[256];
		long long whsec, keys;

		cr_assert(sscanf(line, "%255s %lld %lld", col, &whsec, &keys) ==
			      3,
			  "%s", line);
		nlines++;
		cr_expect(whsec == 0,
			  "%s holds %lld value(s) with a webhook secret in the "
			  "clear",
			  col, whsec);
		cr_expect(keys == 0,
			  "%s holds %lld value(s) with an API key in the clear",
			  col, keys);
	}
	free(scan);
	cr_expect_eq(nlines, ncols, "%zu of %zu columns scanned", nlines,
		     ncols);

	/* In the logs: every file under $KC_VAR/log. */
	snprintf(url, sizeof(url), "%s/log", var);
	files = scan_logs(url, &s);
	cr_expect(files > 0, "no log files under %s", url);
}
