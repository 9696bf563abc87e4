/*
 * Unit tests for lib/core/kc_shm: a region is created zeroed, found again
 * by the next process with the same layout, replaced (zeroed) for another
 * layout or size while the old map stays usable, and two processes adding
 * to the same words at once lose no update. A new region's pages are all
 * allocated (a full tmpfs fails the open instead of a later write), and a
 * directory others may write or a file of another user is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kc_shm.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kc_test_shm.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(shm, .init = setup, .fini = teardown, .timeout = 60);

static struct kc_shm *
open_ok(const char *name, uint64_t layout, size_t size)
{
	struct kc_shm *m = NULL;
	char err[512] = "";

	cr_assert_eq(kc_shm_open(dir, name, layout, size, &m, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_not_null(m);
	cr_assert_eq(kc_shm_size(m), size);
	return m;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

Test(shm, created_zeroed_and_aligned)
{
	struct kc_shm *m = open_ok("counters", 1, 4096);

	cr_assert(all_zero(kc_shm_data(m), 4096));
	cr_assert_eq((uintptr_t)kc_shm_data(m) % 64, 0);
	kc_shm_close(m);
}

Test(shm, same_layout_finds_the_same_words)
{
	struct kc_shm *a = open_ok("counters", 7, 1024), *b;
	kc_shm_u64 *wa, *wb;

	wa = kc_shm_data(a);
	kc_shm_add(&wa[3], 41);
	kc_shm_add(&wa[3], 1);
	b = open_ok("counters", 7, 1024);
	wb = kc_shm_data(b);
	cr_assert_eq(kc_shm_load(&wb[3]), 42);
	/* Not a copy: the two maps are the same memory. */
	kc_shm_add(&wb[3], 8);
	cr_assert_eq(kc_shm_load(&wa[3]), 50);
	kc_shm_close(a);
	kc_shm_close(b);
	/* And it outlives every map. */
	a = open_ok("counters", 7, 1024);
	cr_assert_eq(kc_shm_load(&((kc_shm_u64 *)kc_shm_data(a))[3]), 50);
	kc_shm_close(a);
}

Test(shm, another_layout_or_size_gets_a_fresh_region)
{
	struct kc_shm *old = open_ok("counters", 1, 1024), *m;
	kc_shm_u64 *w = kc_shm_data(old);

	kc_shm_add(&w[0], 5);
	m = open_ok("counters", 2, 1024);
	cr_assert(all_zero(kc_shm_data(m), 1024));
	/* The process still on the old layout keeps its own region. */
	kc_shm_add(&w[0], 1);
	cr_assert_eq(kc_shm_load(&w[0]), 6);
	cr_assert_eq(kc_shm_load(&((kc_shm_u64 *)kc_shm_data(m))[0]), 0);
	kc_shm_add(&((kc_shm_u64 *)kc_shm_data(m))[0], 9);
	kc_shm_close(m);
	m = open_ok("counters", 2, 2048);
	cr_assert(all_zero(kc_shm_data(m), 2048));
	kc_shm_close(m);
	kc_shm_close(old);
}

Test(shm, names_are_separate_regions)
{
	struct kc_shm *a = open_ok("one", 1, 64), *b = open_ok("two", 1, 64);

	kc_shm_add(kc_shm_data(a), 3);
	cr_assert_eq(kc_shm_load(kc_shm_data(b)), 0);
	kc_shm_close(a);
	kc_shm_close(b);
}

Test(shm, cas_replaces_only_the_expected_value)
{
	struct kc_shm *m = open_ok("bucket", 1, 64);
	kc_shm_u64 *w = kc_shm_data(m);
	uint64_t expect = 1;

	kc_shm_store(w, 10);
	while (!kc_shm_cas(w, &expect, 20) && expect == 1)
		;
	cr_assert_eq(expect, 10, "a failed exchange reports what is there");
	cr_assert_eq(kc_shm_load(w), 10);
	while (!kc_shm_cas(w, &expect, 20))
		cr_assert_eq(expect, 10);
	cr_assert_eq(kc_shm_load(w), 20);
	kc_shm_close(m);
}

Test(shm, refused_cleanly)
{
	struct kc_shm *m = (struct kc_shm *)1;
	char err[512] = "", path[128];

	cr_assert_eq(kc_shm_open("/nonexistent/kc/run", "x", 1, 64, &m, err,
				 sizeof(err)),
		     -1);
	cr_assert_null(m);
	cr_assert_not_null(strstr(err, "/nonexistent/kc/run"), "%s", err);
	cr_assert_eq(kc_shm_open(dir, "../x", 1, 64, &m, err, sizeof(err)), -1);
	cr_assert_eq(kc_shm_open(dir, "", 1, 64, &m, err, sizeof(err)), -1);
	cr_assert_eq(kc_shm_open(dir, "x", 1, 0, &m, err, sizeof(err)), -1);
	/* Something else in the region's place is not taken over. */
	snprintf(path, sizeof(path), "%s/taken.shm", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_assert_eq(kc_shm_open(dir, "taken", 1, 64, &m, err, sizeof(err)),
		     -1);
	cr_assert_null(m);
}

Test(shm, creates_its_directory)
{
	char sub[128];
	struct stat st;
	struct kc_shm *m = NULL;
	char err[512] = "";

	snprintf(sub, sizeof(sub), "%s/run", dir);
	cr_assert_eq(kc_shm_open(sub, "x", 1, 64, &m, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	kc_shm_close(m);
}

Test(shm, a_new_region_has_its_pages_allocated)
{
	struct kc_shm *m = open_ok("alloc", 1, 1 << 20);
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/alloc.shm", dir);
	cr_assert_eq(stat(path, &st), 0);
	/* Not sparse: no page is left to be found missing on first write. */
	cr_assert_geq((long long)st.st_blocks * 512, (long long)st.st_size,
		      "%lld bytes, %lld allocated", (long long)st.st_size,
		      (long long)st.st_blocks * 512);
	kc_shm_close(m);
	/* And so is a replacement's (another layout). */
	m = open_ok("alloc", 2, 2 << 20);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_geq((long long)st.st_blocks * 512, (long long)st.st_size);
	kc_shm_close(m);
}

Test(shm, a_directory_others_may_write_is_refused)
{
	static const mode_t modes[] = {0770, 0707, 0730, 01777};
	struct kc_shm *m = NULL;
	char sub[128], path[160], err[512];
	struct stat st;
	size_t i;

	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/x.shm", sub);
	cr_assert_eq(mkdir(sub, 0700), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cr_assert_eq(chmod(sub, modes[i]), 0);
		err[0] = '\0';
		cr_assert_eq(kc_shm_open(sub, "x", 1, 64, &m, err, sizeof(err)),
			     -1, "mode %04o accepted", (unsigned)modes[i]);
		cr_assert_null(m);
		cr_assert_not_null(strstr(err, "only its owner"), "%s", err);
		cr_assert_not_null(strstr(err, sub), "%s", err);
		/* Refused before anything was made there. */
		cr_assert_neq(stat(path, &st), 0);
	}
	/* Readable by others is fine: only writing matters. */
	cr_assert_eq(chmod(sub, 0755), 0);
	cr_assert_eq(kc_shm_open(sub, "x", 1, 64, &m, err, sizeof(err)), 0,
		     "%s", err);
	kc_shm_close(m);
}

Test(shm, a_region_file_of_another_user_is_refused)
{
	struct kc_shm *m = open_ok("owned", 1, 64);
	char path[128], err[512] = "";
	struct stat st;

	/* Only root can give a file away; root is also who would otherwise
	 * open anyone's. scripts/test runs as root. */
	if (geteuid() != 0)
		cr_skip_test("needs root to make a file of another user");
	kc_shm_add(kc_shm_data(m), 7);
	kc_shm_close(m);
	snprintf(path, sizeof(path), "%s/owned.shm", dir);
	cr_assert_eq(chown(path, 65534, 65534), 0, "%s", strerror(errno));
	m = (struct kc_shm *)1;
	cr_assert_eq(kc_shm_open(dir, "owned", 1, 64, &m, err, sizeof(err)),
		     -1);
	cr_assert_null(m);
	cr_assert_not_null(strstr(err, "owned by uid 65534"), "%s", err);
	/* Left as it was: neither taken over nor replaced. */
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, 65534);
	/* Another layout would replace a file of ours: not another's. */
	cr_assert_eq(kc_shm_open(dir, "owned", 2, 64, &m, err, sizeof(err)),
		     -1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, 65534);
}

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In this (forked) process only: a tmpfs of 64 KiB at path, in a mount
 * namespace of its own (and, without root, a user namespace in which this
 * user is root). */
static int
private_tmpfs(const char *path)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWNS) != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return -1;
		if (write_file("/proc/self/setgroups", "deny") != 0)
			return -1;
		snprintf(map, sizeof(map), "0 %lu 1", (unsigned long)uid);
		if (write_file("/proc/self/uid_map", map) != 0)
			return -1;
		snprintf(map, sizeof(map), "0 %lu 1", (unsigned long)gid);
		if (write_file("/proc/self/gid_map", map) != 0)
			return -1;
	}
	/* Nothing of this mount reaches the rest of the machine. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	return mount("kc-test", path, "tmpfs", 0, "size=64k,mode=0700");
}

Test(shm, a_full_tmpfs_fails_the_open)
{
	char sub[128];
	pid_t p;
	int st;

	snprintf(sub, sizeof(sub), "%s/small", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	p = fork();
	cr_assert_geq(p, 0);
	if (p == 0) {
		struct kc_shm *m = NULL;
		char err[512] = "", path[160];
		struct stat fs;

		if (private_tmpfs(sub) != 0)
			_exit(10);
		/* More than the tmpfs holds: a sparse file would map, and
		 * the first write past 64 KiB would kill the process. */
		if (kc_shm_open(sub, "big", 1, 256 * 1024, &m, err,
				sizeof(err)) == 0)
			_exit(11);
		if (strstr(err, strerror(ENOSPC)) == NULL) {
			fprintf(stderr, "err: %s\n", err);
			_exit(12);
		}
		/* Nothing sized left behind for the next process. */
		snprintf(path, sizeof(path), "%s/big.shm", sub);
		if (stat(path, &fs) == 0 && fs.st_size != 0)
			_exit(13);
		/* What fits still opens there. */
		if (kc_shm_open(sub, "fits", 1, 16 * 1024, &m, err,
				sizeof(err)) != 0) {
			fprintf(stderr, "err: %s\n", err);
			_exit(14);
		}
		kc_shm_close(m);
		_exit(0);
	}
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st), "the child died (%d): SIGBUS?", st);
	cr_assert_neq(WEXITSTATUS(st), 10,
		      "could not mount a private tmpfs (unshare, mount)");
	cr_assert_neq(WEXITSTATUS(st), 11,
		      "a region larger than the tmpfs was opened");
	cr_assert_eq(WEXITSTATUS(st), 0, "child exit %d", WEXITSTATUS(st));
}

/* How long the two processes add at the same time. Counting for a time
 * rather than a number of rounds: a fixed number may be over before the
 * other process is even scheduled. */
#define RACE_MS 300

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Child c: opens the region itself (so the two also race to create it),
 * waits for the other at a barrier (word 0), then adds 1 to the shared
 * counter (word 1) for RACE_MS, and writes how often into its own word
 * (2 + c), which nobody else touches. */
static void
adder(int c)
{
	struct kc_shm *m = NULL;
	char err[512];
	kc_shm_u64 *w;
	uint64_t mine = 0;
	long long end;
	int i;

	if (kc_shm_open(dir, "race", 99, 4 * 8, &m, err, sizeof(err)) != 0)
		_exit(2);
	w = kc_shm_data(m);
	kc_shm_add(&w[0], 1);
	while (kc_shm_load(&w[0]) < 2)
		;
	end = now_ms() + RACE_MS;
	while (now_ms() < end)
		for (i = 0; i < 1000; i++, mine++)
			kc_shm_add(&w[1], 1);
	kc_shm_store(&w[2 + c], mine);
	kc_shm_close(m);
	_exit(0);
}

Test(shm, two_processes_lose_no_update)
{
	struct kc_shm *m;
	kc_shm_u64 *w;
	pid_t p[2];
	int i, st;

	for (i = 0; i < 2; i++) {
		p[i] = fork();
		cr_assert_geq(p[i], 0);
		if (p[i] == 0)
			adder(i);
	}
	for (i = 0; i < 2; i++) {
		cr_assert_eq(waitpid(p[i], &st, 0), p[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			  "child %d failed (%d)", i, st);
	}
	m = open_ok("race", 99, 4 * 8);
	w = kc_shm_data(m);
	cr_assert_gt(kc_shm_load(&w[2]), 0);
	cr_assert_gt(kc_shm_load(&w[3]), 0);
	cr_assert_eq(kc_shm_load(&w[1]),
		     kc_shm_load(&w[2]) + kc_shm_load(&w[3]),
		     "%llu added, %llu + %llu counted",
		     (unsigned long long)kc_shm_load(&w[1]),
		     (unsigned long long)kc_shm_load(&w[2]),
		     (unsigned long long)kc_shm_load(&w[3]));
	kc_shm_close(m);
}
