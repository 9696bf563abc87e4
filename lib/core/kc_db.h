/* The one way to MariaDB: a connection with a cache of prepared statements
 * named by enum kc_sql, typed parameters, and results as rows of strings.
 * No caller sees MYSQL_BIND. */
#ifndef KC_DB_H
#define KC_DB_H

#include "kc_buf.h"
#include "kc_config.h"
#include "kc_sql.h"

#include <stddef.h>

enum kc_ptype { KC_PT_NULL, KC_PT_INT, KC_PT_STR };

struct kc_param {
	enum kc_ptype t;
	long long i;
	const char *s;
	size_t n;
};

struct kc_param kc_p_int(long long v);
/* A NULL string binds SQL NULL. */
struct kc_param kc_p_str(const char *s);
struct kc_param kc_p_strn(const char *s, size_t n);

/* Rows of text cells; a SQL NULL is a NULL cell. Owned by the caller. */
struct kc_rows {
	size_t nrows, ncols;
	size_t ncells; /* allocated cells, for freeing after a partial fetch */
	char **cell;
	unsigned long *len;
};

struct kc_db;

/* Connects now: NULL with err when the server cannot be reached. */
struct kc_db *kc_db_open(const struct kc_config *cfg, char *err, size_t errlen);
/* Connects on first use, so a process can start (and answer 503) while the
 * server is away. NULL only when out of memory. */
struct kc_db *kc_db_new(const struct kc_config *cfg);
void kc_db_close(struct kc_db *db);
int kc_db_ping(struct kc_db *db);
/* 1 when the last failure was that the server could not be reached (or
 * the connection was lost under a statement): a failure to report as
 * "try again", not as a bug. Cleared by the next successful connection. */
int kc_db_unavailable(const struct kc_db *db);
/* While pinned, a lost connection is not silently replaced: session
 * state such as a GET_LOCK would be gone with it. Statements fail
 * instead. Calls nest. */
void kc_db_pin(struct kc_db *db);
void kc_db_unpin(struct kc_db *db);

/* Runs a statement that returns rows. *out is set (maybe with 0 rows) on
 * success. 0 ok, -1 error (logged). */
int kc_db_query(struct kc_db *db, enum kc_sql id, const struct kc_param *p,
		size_t np, struct kc_rows **out);
/* Runs a statement that changes rows. affected and insert_id may be NULL. */
int kc_db_exec(struct kc_db *db, enum kc_sql id, const struct kc_param *p,
	       size_t np, unsigned long long *affected,
	       unsigned long long *insert_id);
/* The server error number of the last failure (e.g. 1062 duplicate key). */
unsigned kc_db_errno(const struct kc_db *db);

/* Transactions nest: a begin inside a transaction sets a savepoint, and
 * its commit or rollback releases it or rolls back to it, so a caller can
 * wrap a function that has a transaction of its own (the Idempotency-Key
 * record and the request's work commit together). Every begin that
 * succeeded is ended by exactly one successful commit or one rollback: a
 * commit that fails leaves its level open (and the transaction lost), and
 * the caller rolls back. Once a transaction is lost (connection, deadlock)
 * every statement and commit inside it fails until its levels are rolled
 * back. */
int kc_db_begin(struct kc_db *db);
int kc_db_commit(struct kc_db *db);
int kc_db_rollback(struct kc_db *db);
/* Commits, or rolls back when the commit fails: the level ends either way.
 * 0 committed, -1 not. */
int kc_db_end(struct kc_db *db);
int kc_db_in_transaction(const struct kc_db *db);

/* Plain text SQL, possibly several statements: for migrations only, whose
 * DDL cannot be prepared. Never with request data. */
int kc_db_exec_script(struct kc_db *db, const char *sql, char *err,
		      size_t errlen);

const char *kc_rows_get(const struct kc_rows *r, size_t row, size_t col);
long long kc_rows_int(const struct kc_rows *r, size_t row, size_t col);
void kc_rows_free(struct kc_rows *r);
/* The first column of every row (integer ids) as a JSON array, "[1,2]",
 * appended to out: the parameter of the JSON_TABLE id lists in kc_sql.c. */
int kc_rows_ids_json(const struct kc_rows *r, struct kc_buf *out);

#define KC_NP(...)                                                             \
	(sizeof((struct kc_param[]){__VA_ARGS__}) / sizeof(struct kc_param))
/* KC_ARGS(a, b) expands to "array, count" for the calls above. */
#define KC_ARGS(...)                                                           \
	((const struct kc_param[]){__VA_ARGS__}), KC_NP(__VA_ARGS__)

#define KC_ER_DUP_ENTRY         1062
#define KC_ER_LOCK_WAIT_TIMEOUT 1205
#define KC_ER_LOCK_DEADLOCK     1213
/* Returned by lookups when nothing matched (0 is found, -1 is an error). */
#define KC_NOTFOUND 1
/* Returned when the input was read but is not acceptable (see kc_verr). */
#define KC_INVALID 2
/* Returned when the request is valid but the object's state forbids it. */
#define KC_CONFLICT 3

#endif
