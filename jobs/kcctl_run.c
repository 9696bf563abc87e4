#include "kcctl_run.h"
#include "kc_log.h"
#include "kc_time.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* Set from the signal handler; the one mutable global of the jobs. */
static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int
kcctl_run_option(struct kcctl *k, struct kcctl_run *run, int c, const char *arg,
		 int *rc)
{
	long long sec;

	if (c == 'W') {
		if (kc_duration_parse(arg, &sec) != 0 || sec > 3600) {
			*rc = kcctl_usage(k, "--lock-wait takes a duration "
					     "such as 20s");
			return 1;
		}
		run->lock_wait_ms = sec * 1000;
		*rc = KCCTL_OK;
		return 1;
	}
	if (c == 'F') {
		if (kc_duration_parse(arg, &sec) != 0 || sec < 1) {
			*rc = kcctl_usage(k, "--for takes a duration such as "
					     "55s");
			return 1;
		}
		run->end_ms = kc_time_now_ms() + sec * 1000;
		*rc = KCCTL_OK;
		return 1;
	}
	return 0;
}

int
kcctl_run_start(struct kcctl *k, struct kcctl_run *run, const char *lock_path)
{
	long long give_up;
	struct sigaction sa;

	run->lock_fd = -1;
	if (run->poll_ms == 0)
		run->poll_ms = 200;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (lock_path == NULL)
		return KCCTL_OK;
	run->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (run->lock_fd < 0)
		return kcctl_fail(k, "cannot open lock %s: %s", lock_path,
				  strerror(errno));
	/* flock: released by the kernel however the process ends, so a
	 * killed run never leaves a stale lock behind. With --lock-wait, a
	 * run waits that long for the one before it to finish its last
	 * requests, and then steps aside: runs never pile up. */
	give_up = kc_time_now_ms() + run->lock_wait_ms;
	while (flock(run->lock_fd, LOCK_EX | LOCK_NB) != 0 &&
	       errno == EWOULDBLOCK && kc_time_now_ms() < give_up &&
	       !stop_requested) {
		struct timespec ts = {0, 100 * 1000000};

		nanosleep(&ts, NULL);
	}
	if (flock(run->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		close(run->lock_fd);
		run->lock_fd = -1;
		if (errno == EWOULDBLOCK)
			return 3;
		return kcctl_fail(k, "cannot lock %s: %s", lock_path,
				  strerror(errno));
	}
	return KCCTL_OK;
}

void
kcctl_run_end(struct kcctl_run *run)
{
	if (run->lock_fd >= 0)
		close(run->lock_fd);
	run->lock_fd = -1;
}

int
kcctl_run_going(const struct kcctl_run *run)
{
	if (stop_requested)
		return 0;
	return run->end_ms == 0 || kc_time_now_ms() < run->end_ms;
}

void
kcctl_run_idle(const struct kcctl_run *run)
{
	struct timespec ts;
	long long left = run->poll_ms;

	if (run->end_ms && run->end_ms - kc_time_now_ms() < left)
		left = run->end_ms - kc_time_now_ms();
	if (left <= 0 || stop_requested)
		return;
	ts.tv_sec = left / 1000;
	ts.tv_nsec = (left % 1000) * 1000000;
	nanosleep(&ts, NULL); /* a signal ends it early: that is the point */
}

static void
locked_text(const json_t *v)
{
	printf("another run holds %s: nothing done\n",
	       json_string_value(json_object_get(v, "lock")));
}

int
kcctl_run_locked(struct kcctl *k, const char *verb, const char *lock)
{
	kc_info("another %s run holds %s", verb, lock);
	return kcctl_emit(k, json_pack("{s:b, s:s}", "locked", 1, "lock", lock),
			  locked_text);
}

void
kcctl_run_backoff(const struct kcctl_run *run)
{
	struct timespec ts = {run->poll_ms / 1000,
			      (run->poll_ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}
