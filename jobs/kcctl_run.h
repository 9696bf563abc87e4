/* What the cron jobs (deliver, replay, maintain) share: a lock file so
 * runs started by cron never pile up, a time window, and a stop flag set
 * by SIGTERM and SIGINT so a run ends between batches, never inside one. */
#ifndef KCCTL_RUN_H
#define KCCTL_RUN_H

#include "kcctl.h"

struct kcctl_run {
	int lock_fd;            /* -1: no lock asked for */
	long long end_ms;       /* 0: until there is nothing left to do */
	long long poll_ms;      /* idle wait inside a window */
	long long lock_wait_ms; /* --lock-wait: how long to wait for it */
};

/* Parses the shared options --for DURATION and --lock FILE out of argv
 * (getopt_long with the verb's own options is the caller's); returns 1 if
 * arg was one of them (consuming optarg). */
int kcctl_run_option(struct kcctl *k, struct kcctl_run *run, int c,
		     const char *arg, int *rc);
/* Takes the lock if one was named: KCCTL_OK, or 3 when another run holds
 * it (not a failure: cron's next run simply finds it busy). */
int kcctl_run_start(struct kcctl *k, struct kcctl_run *run,
		    const char *lock_path);
void kcctl_run_end(struct kcctl_run *run);
/* Says that another run of verb holds lock ({"locked": true} with --json);
 * returns KCCTL_OK. */
int kcctl_run_locked(struct kcctl *k, const char *verb, const char *lock);
/* 1 while the window lasts and no stop signal came. */
int kcctl_run_going(const struct kcctl_run *run);
/* Sleeps the idle poll, cut short by a stop signal. */
void kcctl_run_idle(const struct kcctl_run *run);
/* Sleeps the idle poll whatever happens: a pause after a failure. */
void kcctl_run_backoff(const struct kcctl_run *run);

#define KCCTL_RUN_OPTIONS                                                      \
	{"for", required_argument, NULL, 'F'},                                 \
	    {"lock", required_argument, NULL, 'L'},                            \
	{                                                                      \
		"lock-wait", required_argument, NULL, 'W'                      \
	}

#endif
