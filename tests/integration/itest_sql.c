#include "itest_sql.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct db_conf {
	char socket[512], user[128], password[256], name[128];
};

/* The value of key in $KC_CONF ("key = value" lines), or "" if absent. */
static void
conf_get(FILE *f, const char *key, char *out, size_t cap)
{
	char line[1024];
	size_t n = strlen(key);

	out[0] = '\0';
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, n) != 0)
			continue;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == ' ' ||
				 e[-1] == '\t' || e[-1] == '\r'))
			e--;
		*e = '\0';
		snprintf(out, cap, "%s", p);
	}
}

static void
conf_load(struct db_conf *c)
{
	const char *path = getenv("KC_CONF");
	FILE *f;

	cr_assert(path != NULL, "KC_CONF is not set: run through scripts/test");
	f = fopen(path, "r");
	cr_assert(f != NULL, "cannot read %s", path);
	conf_get(f, "db_socket", c->socket, sizeof(c->socket));
	conf_get(f, "db_user", c->user, sizeof(c->user));
	conf_get(f, "db_password", c->password, sizeof(c->password));
	conf_get(f, "db_name", c->name, sizeof(c->name));
	fclose(f);
	cr_assert(c->socket[0] != '\0',
		  "%s names no db_socket: these tests need the private MariaDB",
		  path);
	if (c->name[0] == '\0')
		snprintf(c->name, sizeof(c->name), "kaicalls");
}

/* Replaces the child with the mariadb client; extra is NULL or one more
 * option before the database name. */
static void
exec_client(const struct db_conf *c, enum itest_sql_user who, const char *sql,
	    const char *extra)
{
	const char *argv[16];
	size_t n = 0;

	/* The password through the environment, not the command line. */
	if (who == ITEST_SQL_APP)
		setenv("MYSQL_PWD", c->password, 1);
	else
		unsetenv("MYSQL_PWD");
	argv[n++] = "mariadb";
	argv[n++] = "--no-defaults";
	argv[n++] = "-S";
	argv[n++] = c->socket;
	argv[n++] = "-u";
	argv[n++] = who == ITEST_SQL_APP ? c->user : "root";
	argv[n++] = "-N";
	argv[n++] = "-B";
	if (extra)
		argv[n++] = extra;
	if (sql) {
		argv[n++] = "-e";
		argv[n++] = sql;
	}
	argv[n++] = c->name;
	argv[n] = NULL;
	execvp("mariadb", (char *const *)argv);
	_exit(127);
}

int
itest_sql(enum itest_sql_user who, const char *sql, char **out)
{
	struct db_conf c;
	char buf[4096], *acc = NULL;
	size_t len = 0;
	ssize_t r;
	int pfd[2], st;
	pid_t pid;

	conf_load(&c);
	cr_assert(pipe(pfd) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		exec_client(&c, who, sql, NULL);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], buf, sizeof(buf))) != 0) {
		char *q;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		q = realloc(acc, len + (size_t)r + 1);
		cr_assert(q != NULL);
		acc = q;
		memcpy(acc + len, buf, (size_t)r);
		len += (size_t)r;
		acc[len] = '\0';
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (acc == NULL)
		acc = strdup("");
	if (out)
		*out = acc;
	else
		free(acc);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *
itest_sql_root(const char *sql)
{
	char *out;
	int st = itest_sql(ITEST_SQL_ROOT, sql, &out);

	cr_assert_eq(st, 0, "mariadb as root failed (%d): %s\nfor: %.300s", st,
		     out, sql);
	return out;
}

long long
itest_sql_int(const char *sql)
{
	char *out = itest_sql_root(sql), *end;
	long long v = strtoll(out, &end, 10);

	cr_assert(end != out, "not a number: '%s' for %.300s", out, sql);
	free(out);
	return v;
}

void
itest_sql_open(struct itest_sql_session *s)
{
	struct db_conf c;
	int in[2], out[2];
	pid_t pid;

	conf_load(&c);
	cr_assert(pipe(in) == 0 && pipe(out) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		/* Each answer is written as soon as its statement ran. */
		exec_client(&c, ITEST_SQL_ROOT, NULL, "--unbuffered");
	}
	close(in[0]);
	close(out[1]);
	s->pid = (int)pid;
	s->in = in[1];
	s->out = out[0];
}

void
itest_sql_send(struct itest_sql_session *s, const char *sql)
{
	static unsigned seq;
	char marker[64], tail[96], seen[8192];
	size_t len = 0, n;
	struct timespec t0, t1;

	snprintf(marker, sizeof(marker), "itest-marker-%u-%d", ++seq,
		 (int)getpid());
	snprintf(tail, sizeof(tail), "\nSELECT '%s';\n", marker);
	n = strlen(sql);
	cr_assert(write(s->in, sql, n) == (ssize_t)n);
	n = strlen(tail);
	cr_assert(write(s->in, tail, n) == (ssize_t)n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	seen[0] = '\0';
	while (strstr(seen, marker) == NULL) {
		struct pollfd p = {s->out, POLLIN, 0};
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		cr_assert(t1.tv_sec - t0.tv_sec < 20,
			  "the SQL session did not answer: %s", seen);
		if (poll(&p, 1, 200) <= 0)
			continue;
		/* Only the tail matters: keep the last half when full. */
		if (len > sizeof(seen) - 512) {
			memmove(seen, seen + len / 2, len - len / 2 + 1);
			len -= len / 2;
		}
		r = read(s->out, seen + len, sizeof(seen) - 1 - len);
		cr_assert(r > 0, "the SQL session ended: %s", seen);
		len += (size_t)r;
		seen[len] = '\0';
	}
}

void
itest_sql_close(struct itest_sql_session *s)
{
	int st;

	if (s->pid <= 0)
		return;
	close(s->in);
	close(s->out);
	while (waitpid((pid_t)s->pid, &st, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}
