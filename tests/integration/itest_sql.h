/* SQL straight to the test stack's MariaDB with the mariadb client, for
 * the few promises the API cannot show: the application user's grants,
 * what rests in every column, and holding a row lock at a chosen moment.
 * The socket, user and password come from $KC_CONF (the kaicalls.conf
 * that scripts/test writes); root has no password on that private socket. */
#ifndef ITEST_SQL_H
#define ITEST_SQL_H

#include <stddef.h>

enum itest_sql_user {
	ITEST_SQL_ROOT, /* the private instance's root */
	ITEST_SQL_APP   /* db_user / db_password of $KC_CONF */
};

/* Runs sql (one or more statements) in the kaicalls database, batch mode
 * without column names. Returns the client's exit status; *out (may be
 * NULL) gets its stdout and stderr together, malloc'd. */
int itest_sql(enum itest_sql_user who, const char *sql, char **out);
/* As itest_sql, as root, asserting success; returns stdout, malloc'd. */
char *itest_sql_root(const char *sql);
/* The first line of a root query's answer as an integer. */
long long itest_sql_int(const char *sql);

/* A client kept open (root), to hold a transaction across steps. */
struct itest_sql_session {
	int pid;
	int in, out; /* its stdin and stdout */
};
void itest_sql_open(struct itest_sql_session *s);
/* Sends sql, then waits (up to 20 s) until a following SELECT of a
 * marker comes back, so the statements before it have run. */
void itest_sql_send(struct itest_sql_session *s, const char *sql);
/* Ends the client (its transaction rolls back) and waits for it. */
void itest_sql_close(struct itest_sql_session *s);

#endif
