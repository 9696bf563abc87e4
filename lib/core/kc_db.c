#include "kc_db.h"
#include "kc_log.h"

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A connection that the server may drop at any moment (a restart, a crash,
 * a failover). The rule after such a loss: copy the error out, then drop
 * the connection and every statement prepared on it at once, and never
 * touch them again; the next use connects afresh. A transaction, or
 * session state such as a GET_LOCK (pinned), dies with its connection:
 * then nothing is retried silently, the caller learns of it. */
struct kc_db {
	MYSQL *conn;
	MYSQL_STMT *stmt[KC_SQL__MAX];
	const struct kc_config *cfg;
	int depth;  /* open transaction levels; past the first, savepoints */
	int doomed; /* the open transaction was lost: only a rollback helps */
	int pinned; /* session state that a reconnection would lose */
	int down;   /* the server could not be reached; cleared on connect */
	unsigned last_errno;
};

struct kc_param
kc_p_int(long long v)
{
	struct kc_param p = {KC_PT_INT, v, NULL, 0};
	return p;
}

struct kc_param
kc_p_str(const char *s)
{
	struct kc_param p = {s ? KC_PT_STR : KC_PT_NULL, 0, s,
			     s ? strlen(s) : 0};
	return p;
}

struct kc_param
kc_p_strn(const char *s, size_t n)
{
	struct kc_param p = {s ? KC_PT_STR : KC_PT_NULL, 0, s, n};
	return p;
}

static int
connect_db(struct kc_db *db, char *err, size_t errlen)
{
	const struct kc_config *c = db->cfg;
	unsigned timeout = 5;
	my_bool off = 0;

	if ((db->conn = mysql_init(NULL)) == NULL) {
		snprintf(err, errlen, "mysql_init: out of memory");
		db->last_errno = CR_OUT_OF_MEMORY;
		return -1;
	}
	mysql_options(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* A server that vanishes without a reset (a host gone, a network
	 * cut) must not leave a request or a worker waiting for the kernel's
	 * retransmissions: after this many seconds without an answer the
	 * connection counts as lost. 0 (migrations) waits as long as it
	 * takes. */
	if (c->db_io_timeout > 0) {
		unsigned io = (unsigned)c->db_io_timeout;

		mysql_options(db->conn, MYSQL_OPT_READ_TIMEOUT, &io);
		mysql_options(db->conn, MYSQL_OPT_WRITE_TIMEOUT, &io);
	}
	/* Reconnection is ours to do: the library's would silently drop
	 * prepared statements and session settings. */
	mysql_options(db->conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* Every DATETIME we write or compare is UTC. READ COMMITTED: a
	 * locking read locks the rows it returns, not every row and gap it
	 * scanned, so a delivery claim or a replay never hides another
	 * worker's rows (SKIP LOCKED) or holds up inserts. Nothing here
	 * relies on a repeatable snapshot; what must not change is read
	 * FOR UPDATE. */
	mysql_options(db->conn, MYSQL_INIT_COMMAND,
		      "SET time_zone = '+00:00', "
		      "sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', "
		      "tx_isolation = 'READ-COMMITTED'");
	if (mysql_real_connect(db->conn, c->db_host, c->db_user, c->db_password,
			       c->db_name, c->db_host ? c->db_port : 0,
			       c->db_host ? NULL : c->db_socket,
			       CLIENT_MULTI_STATEMENTS) == NULL) {
		db->last_errno = mysql_errno(db->conn);
		snprintf(err, errlen, "cannot connect to MariaDB (%s): %s",
			 c->db_host ? c->db_host : c->db_socket,
			 mysql_error(db->conn));
		mysql_close(db->conn);
		db->conn = NULL;
		return -1;
	}
	return 0;
}

struct kc_db *
kc_db_new(const struct kc_config *cfg)
{
	struct kc_db *db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->cfg = cfg;
	return db;
}

struct kc_db *
kc_db_open(const struct kc_config *cfg, char *err, size_t errlen)
{
	struct kc_db *db;

	if ((db = kc_db_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (connect_db(db, err, errlen) != 0) {
		free(db);
		return NULL;
	}
	return db;
}

static void
drop_connection(struct kc_db *db)
{
	size_t i;

	for (i = 0; i < KC_SQL__MAX; i++)
		if (db->stmt[i]) {
			mysql_stmt_close(db->stmt[i]);
			db->stmt[i] = NULL;
		}
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
}

void
kc_db_close(struct kc_db *db)
{
	if (db == NULL)
		return;
	drop_connection(db);
	free(db);
}

unsigned
kc_db_errno(const struct kc_db *db)
{
	return db->last_errno;
}

int
kc_db_unavailable(const struct kc_db *db)
{
	return db == NULL || db->down;
}

/* Errors that mean the connection is gone (or never came), as opposed to
 * a statement the server refused. */
static int
gone(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
	       e == CR_SERVER_LOST_EXTENDED || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR || e == ER_CONNECTION_KILLED ||
	       e == ER_SERVER_SHUTDOWN ||
	       e == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */;
}

/* Connect failures that say the server is away for now, rather than that
 * it refuses us (a wrong password or database name is a configuration
 * error to report as such, not an outage to wait out). */
static int
unreachable(unsigned e)
{
	return gone(e) || e == CR_SOCKET_CREATE_ERROR || e == CR_IPSOCK_ERROR ||
	       e == CR_UNKNOWN_HOST || e == ER_CON_COUNT_ERROR ||
	       e == ER_SERVER_SHUTDOWN;
}

/* The connection failed under us: what it held is gone. msg was copied
 * out of it before this call. One line per outage, not per statement. */
static void
lose(struct kc_db *db, const char *what, const char *msg)
{
	drop_connection(db);
	if (db->depth > 0)
		db->doomed = 1;
	if (!db->down)
		kc_warn("lost the connection to MariaDB (%s: %s)%s", what, msg,
			db->depth > 0 ? "; the transaction is lost"
			: db->pinned  ? "; the session is lost"
				      : "");
	db->down = 1;
}

/* A connection to use: the current one, or a new one when there is none
 * and nothing that lived on the old one (a transaction, a pinned session)
 * would be lost unnoticed. */
static int
ensure_conn(struct kc_db *db)
{
	char err[256];

	if (db->conn)
		return 0;
	if (db->depth > 0 || db->pinned) {
		db->last_errno = CR_SERVER_GONE_ERROR;
		return -1;
	}
	if (connect_db(db, err, sizeof(err)) != 0) {
		if (!unreachable(db->last_errno)) {
			/* Refused: a configuration error, every time. */
			kc_err("%s", err);
			db->down = 0;
			return -1;
		}
		if (!db->down)
			kc_err("%s", err);
		else
			kc_debug("%s", err);
		db->down = 1;
		return -1;
	}
	if (db->down)
		kc_warn("reconnected to MariaDB");
	db->down = 0;
	return 0;
}

int
kc_db_ping(struct kc_db *db)
{
	char msg[256];

	if (db->conn && mysql_ping(db->conn) != 0) {
		db->last_errno = mysql_errno(db->conn);
		snprintf(msg, sizeof(msg), "%s", mysql_error(db->conn));
		lose(db, "ping", msg);
	}
	return ensure_conn(db) == 0 && mysql_ping(db->conn) == 0 ? 0 : -1;
}

void
kc_db_pin(struct kc_db *db)
{
	db->pinned++;
}

void
kc_db_unpin(struct kc_db *db)
{
	if (db->pinned > 0)
		db->pinned--;
}

/* NULL with last_errno set when the statement cannot be prepared; a lost
 * connection has been dropped by then. */
static MYSQL_STMT *
prepared(struct kc_db *db, enum kc_sql id)
{
	const char *sql = kc_sql_text(id);
	char msg[256];
	MYSQL_STMT *st;
	my_bool on = 1;

	if (db->stmt[id])
		return db->stmt[id];
	if (ensure_conn(db) != 0)
		return NULL;
	if ((st = mysql_stmt_init(db->conn)) == NULL) {
		db->last_errno = mysql_errno(db->conn);
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		db->last_errno = mysql_stmt_errno(st);
		snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
		mysql_stmt_close(st);
		if (gone(db->last_errno))
			lose(db, kc_sql_name(id), msg);
		else
			kc_err("prepare %s: %s", kc_sql_name(id), msg);
		return NULL;
	}
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	db->stmt[id] = st;
	return st;
}

static int
bind_params(MYSQL_STMT *st, const struct kc_param *p, size_t np, MYSQL_BIND *b)
{
	size_t i;

	if (mysql_stmt_param_count(st) != np) {
		kc_err("statement wants %lu parameters, got %zu",
		       mysql_stmt_param_count(st), np);
		return -1;
	}
	memset(b, 0, sizeof(*b) * (np ? np : 1));
	for (i = 0; i < np; i++) {
		switch (p[i].t) {
		case KC_PT_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case KC_PT_INT:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = (void *)&p[i].i;
			break;
		case KC_PT_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)p[i].s;
			b[i].buffer_length = p[i].n;
			break;
		}
	}
	return np ? (mysql_stmt_bind_param(st, b) ? -1 : 0) : 0;
}

/* Fetches every row as text. Numeric and temporal columns are converted by
 * the library when bound as strings. */
static int
fetch_all(MYSQL_STMT *st, MYSQL_RES *meta, struct kc_rows **out)
{
	struct kc_rows *r;
	MYSQL_FIELD *f;
	MYSQL_BIND *b = NULL;
	unsigned long *lens = NULL;
	my_bool *nulls = NULL, *errs = NULL;
	char **bufs = NULL;
	size_t c, ncols, row, nrows, i;
	int rc = -1, frc;

	if (mysql_stmt_store_result(st) != 0)
		return -1;
	ncols = mysql_num_fields(meta);
	nrows = mysql_stmt_num_rows(st);
	f = mysql_fetch_fields(meta);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->ncols = ncols;
	r->ncells = nrows * ncols;
	r->cell = calloc(nrows * ncols + 1, sizeof(char *));
	r->len = calloc(nrows * ncols + 1, sizeof(unsigned long));
	b = calloc(ncols, sizeof(*b));
	lens = calloc(ncols, sizeof(*lens));
	nulls = calloc(ncols, sizeof(*nulls));
	errs = calloc(ncols, sizeof(*errs));
	bufs = calloc(ncols, sizeof(*bufs));
	if (!r->cell || !r->len || !b || !lens || !nulls || !errs || !bufs)
		goto out;
	for (c = 0; c < ncols; c++) {
		/* max_length is exact for strings; numbers and dates get room
		 * for their longest text form. */
		size_t cap = f[c].max_length + 1;
		if (cap < 72)
			cap = 72;
		if ((bufs[c] = malloc(cap)) == NULL)
			goto out;
		b[c].buffer_type = MYSQL_TYPE_STRING;
		b[c].buffer = bufs[c];
		b[c].buffer_length = cap;
		b[c].length = &lens[c];
		b[c].is_null = &nulls[c];
		b[c].error = &errs[c];
	}
	if (ncols && mysql_stmt_bind_result(st, b) != 0)
		goto out;
	for (row = 0; row < nrows; row++) {
		frc = mysql_stmt_fetch(st);
		if (frc == 1 || frc == MYSQL_NO_DATA)
			goto out;
		for (c = 0; c < ncols; c++) {
			i = row * ncols + c;
			if (nulls[c])
				continue;
			if ((r->cell[i] = malloc(lens[c] + 1)) == NULL)
				goto out;
			if (lens[c] < b[c].buffer_length) {
				memcpy(r->cell[i], bufs[c], lens[c]);
			} else {
				/* Longer than max_length said: fetch again
				 * into a buffer of the right size. */
				MYSQL_BIND one;
				memset(&one, 0, sizeof(one));
				one.buffer_type = MYSQL_TYPE_STRING;
				one.buffer = r->cell[i];
				one.buffer_length = lens[c] + 1;
				if (mysql_stmt_fetch_column(st, &one,
							    (unsigned)c, 0))
					goto out;
			}
			r->cell[i][lens[c]] = '\0';
			r->len[i] = lens[c];
		}
		r->nrows = row + 1;
	}
	rc = 0;
out:
	for (c = 0; bufs && c < ncols; c++)
		free(bufs[c]);
	free(bufs);
	free(b);
	free(lens);
	free(nulls);
	free(errs);
	mysql_stmt_free_result(st);
	if (rc == 0)
		*out = r;
	else
		kc_rows_free(r);
	return rc;
}

/* May a statement that met a lost connection run again on a new one? Only
 * when nothing that belonged to the old connection is needed. */
static int
may_reconnect(const struct kc_db *db)
{
	return db->depth == 0 && db->pinned == 0;
}

static int
run(struct kc_db *db, enum kc_sql id, const struct kc_param *p, size_t np,
    struct kc_rows **rows, unsigned long long *affected,
    unsigned long long *insert_id)
{
	MYSQL_BIND binds[24];
	MYSQL_STMT *st;
	MYSQL_RES *meta;
	char msg[256];
	int attempt, rc;

	if (np > sizeof(binds) / sizeof(binds[0]))
		return -1;
	if (db->doomed)
		return -1; /* last_errno still says why */
	for (attempt = 0;; attempt++) {
		int had_conn = db->conn != NULL;

		db->last_errno = 0;
		if ((st = prepared(db, id)) == NULL) {
			/* A connection that died since its last use shows
			 * here first: one fresh connection, one more try. A
			 * connect that just failed is not tried twice. */
			if (attempt == 0 && had_conn && gone(db->last_errno) &&
			    db->conn == NULL && may_reconnect(db))
				continue;
			return -1;
		}
		if (bind_params(st, p, np, binds) != 0)
			return -1;
		if (mysql_stmt_execute(st) == 0)
			break;
		db->last_errno = mysql_stmt_errno(st);
		snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
		if (gone(db->last_errno)) {
			/* st went with the connection: not touched again. */
			lose(db, kc_sql_name(id), msg);
			if (attempt == 0 && may_reconnect(db))
				continue;
			return -1;
		}
		/* A deadlock rolls the whole transaction back on the
		 * server: what follows must not run as if inside it. */
		if (db->last_errno == KC_ER_LOCK_DEADLOCK && db->depth > 0)
			db->doomed = 1;
		if (db->last_errno != KC_ER_DUP_ENTRY &&
		    db->last_errno != KC_ER_LOCK_WAIT_TIMEOUT &&
		    db->last_errno != KC_ER_LOCK_DEADLOCK)
			kc_err("%s: %s", kc_sql_name(id), msg);
		mysql_stmt_reset(st);
		return -1;
	}
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	if (insert_id)
		*insert_id = mysql_stmt_insert_id(st);
	meta = mysql_stmt_result_metadata(st);
	if (rows == NULL) {
		if (meta) {
			mysql_stmt_free_result(st);
			mysql_free_result(meta);
		}
		return 0;
	}
	if (meta == NULL) {
		kc_err("%s returns no rows", kc_sql_name(id));
		return -1;
	}
	rc = fetch_all(st, meta, rows);
	mysql_free_result(meta);
	if (rc != 0) {
		db->last_errno = mysql_stmt_errno(st);
		snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
		if (gone(db->last_errno))
			lose(db, kc_sql_name(id), msg);
		else
			kc_err("%s: fetch failed: %s", kc_sql_name(id), msg);
	}
	return rc;
}

int
kc_db_query(struct kc_db *db, enum kc_sql id, const struct kc_param *p,
	    size_t np, struct kc_rows **out)
{
	*out = NULL;
	return run(db, id, p, np, out, NULL, NULL);
}

int
kc_db_exec(struct kc_db *db, enum kc_sql id, const struct kc_param *p,
	   size_t np, unsigned long long *affected,
	   unsigned long long *insert_id)
{
	return run(db, id, p, np, NULL, affected, insert_id);
}

/* One statement of transaction control on the current connection. */
static int
control(struct kc_db *db, const char *sql)
{
	char msg[256];

	if (db->conn == NULL) {
		db->last_errno = CR_SERVER_GONE_ERROR;
		return -1;
	}
	if (mysql_real_query(db->conn, sql, strlen(sql)) == 0)
		return 0;
	db->last_errno = mysql_errno(db->conn);
	snprintf(msg, sizeof(msg), "%s", mysql_error(db->conn));
	if (gone(db->last_errno))
		lose(db, sql, msg);
	else
		kc_err("%s: %s", sql, msg);
	return -1;
}

int
kc_db_begin(struct kc_db *db)
{
	char sql[48];
	int attempt;

	if (db->depth > 0) {
		if (db->doomed)
			return -1;
		snprintf(sql, sizeof(sql), "SAVEPOINT kc_%d", db->depth);
		if (control(db, sql) != 0)
			return -1;
		db->depth++;
		return 0;
	}
	db->doomed = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		db->last_errno = 0;
		if (ensure_conn(db) != 0)
			return -1;
		if (control(db, "START TRANSACTION") == 0) {
			db->depth = 1;
			return 0;
		}
		if (db->conn != NULL) /* refused, not lost */
			return -1;
	}
	return -1;
}

int
kc_db_commit(struct kc_db *db)
{
	char sql[48], msg[256];

	if (db->depth == 0) {
		kc_err("commit outside a transaction");
		return -1;
	}
	if (db->doomed || db->conn == NULL) {
		db->doomed = 1;
		return -1;
	}
	if (db->depth > 1) {
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT kc_%d",
			 db->depth - 1);
		if (control(db, sql) != 0) {
			db->doomed = 1;
			return -1;
		}
		db->depth--;
		return 0;
	}
	if (mysql_commit(db->conn) != 0) {
		db->last_errno = mysql_errno(db->conn);
		snprintf(msg, sizeof(msg), "%s", mysql_error(db->conn));
		if (gone(db->last_errno))
			lose(db, "commit", msg);
		else
			kc_err("commit: %s", msg);
		db->doomed = 1;
		return -1;
	}
	db->depth = 0;
	db->doomed = 0;
	return 0;
}

int
kc_db_rollback(struct kc_db *db)
{
	char sql[48];
	int rc = 0;

	if (db->depth == 0)
		return 0;
	if (db->depth > 1) {
		snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT kc_%d",
			 db->depth - 1);
		/* A deadlock rolls back the whole transaction, savepoints
		 * and all: then the levels above can only fail too. */
		if (db->doomed || control(db, sql) != 0) {
			db->doomed = 1;
			rc = -1;
		}
	} else if (db->conn && mysql_rollback(db->conn) != 0) {
		char msg[256];

		db->last_errno = mysql_errno(db->conn);
		snprintf(msg, sizeof(msg), "%s", mysql_error(db->conn));
		if (gone(db->last_errno))
			lose(db, "rollback", msg);
		else
			kc_err("rollback: %s", msg);
		rc = -1;
	}
	db->depth--;
	if (db->depth == 0)
		db->doomed = 0;
	return rc;
}

int
kc_db_end(struct kc_db *db)
{
	if (kc_db_commit(db) == 0)
		return 0;
	kc_db_rollback(db);
	return -1;
}

int
kc_db_in_transaction(const struct kc_db *db)
{
	return db->depth > 0;
}

int
kc_db_exec_script(struct kc_db *db, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES *res;
	int status;

	if (ensure_conn(db) != 0) {
		snprintf(err, errlen, "no connection to MariaDB");
		return -1;
	}
	if (mysql_query(db->conn, sql) != 0)
		goto fail;
	do {
		if ((res = mysql_store_result(db->conn)) != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(db->conn) != 0)
			goto fail;
		if ((status = mysql_next_result(db->conn)) > 0)
			goto fail;
	} while (status == 0);
	return 0;
fail:
	db->last_errno = mysql_errno(db->conn);
	snprintf(err, errlen, "%s", mysql_error(db->conn));
	if (gone(db->last_errno))
		lose(db, "script", err);
	return -1;
}

const char *
kc_rows_get(const struct kc_rows *r, size_t row, size_t col)
{
	if (r == NULL || row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cell[row * r->ncols + col];
}

long long
kc_rows_int(const struct kc_rows *r, size_t row, size_t col)
{
	const char *s = kc_rows_get(r, row, col);

	return s ? strtoll(s, NULL, 10) : 0;
}

void
kc_rows_free(struct kc_rows *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->cell)
		for (i = 0; i < r->ncells; i++)
			free(r->cell[i]);
	free(r->cell);
	free(r->len);
	free(r);
}

int
kc_rows_ids_json(const struct kc_rows *r, struct kc_buf *out)
{
	size_t i;

	if (kc_buf_putc(out, '[') != 0)
		return -1;
	for (i = 0; i < r->nrows; i++)
		if ((i && kc_buf_putc(out, ',') != 0) ||
		    kc_buf_puts(out, kc_rows_get(r, i, 0)) != 0)
			return -1;
	return kc_buf_putc(out, ']');
}
