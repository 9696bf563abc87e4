#include "kc_shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* "kcshm" and a format version, at the start of every region file. */
#define SHM_MAGIC 0x6b6373686d000001ULL
/* The header's room: the data after it stays 64-byte (cache line)
 * aligned. */
#define SHM_HEADER 64

struct shm_header {
	uint64_t magic;
	uint64_t layout;
	uint64_t size;
};

struct kc_shm {
	unsigned char *map;
	size_t maplen;
	size_t size;
};

uint64_t
kc_shm_layout_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 64 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZ0123456789-_") == n;
}

/* Maps fd's len bytes. */
static unsigned char *
map_fd(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Gives fd len zero bytes, every page of them allocated now: a sparse
 * file on a full tmpfs would map fine and then raise SIGBUS at the first
 * write to a page it cannot have. 0, or an errno. */
static int
size_fd(int fd, size_t len)
{
	int rc = posix_fallocate(fd, 0, (off_t)len);

	/* Nothing half-sized left for the next process to take as ours. */
	if (rc != 0)
		(void)ftruncate(fd, 0);
	return rc;
}

/* A new file of len zero bytes, its header written, renamed over path:
 * processes that mapped the file it replaces keep theirs. */
static unsigned char *
replace(const char *path, uint64_t layout, size_t size, size_t len, char *err,
	size_t errlen)
{
	char tmp[4200];
	struct shm_header h = {SHM_MAGIC, layout, size};
	unsigned char *map = NULL;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return NULL;
	}
	(void)unlink(tmp);
	fd =
	    open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return NULL;
	}
	if ((rc = size_fd(fd, len)) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(rc));
		goto fail;
	}
	if ((map = map_fd(fd, len)) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	memcpy(map, &h, sizeof(h));
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	return map;
fail:
	if (map)
		munmap(map, len);
	close(fd);
	unlink(tmp);
	return NULL;
}

/* One try at opening path: 1 when the file was replaced by another
 * process while this one waited for its lock (try again). */
static int
open_once(const char *path, uint64_t layout, size_t size, size_t len,
	  unsigned char **out, char *err, size_t errlen)
{
	struct shm_header h = {SHM_MAGIC, layout, size};
	struct stat fs, ps;
	unsigned char *map = NULL;
	int fd, rc = -1;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Creating and checking under one lock: two processes starting at
	 * once must not both write the header, or one read it half done. */
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "%s: lock: %s", path,
				 strerror(errno));
			goto out;
		}
	if (fstat(fd, &fs) != 0 || !S_ISREG(fs.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (stat(path, &ps) != 0 || ps.st_ino != fs.st_ino ||
	    ps.st_dev != fs.st_dev) {
		rc = 1;
		goto out;
	}
	/* Another user's file (root opens anyone's): its owner could change
	 * or truncate what this process counts in. */
	if (fs.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "%s: owned by uid %lu, not by this user (%lu)", path,
			 (unsigned long)fs.st_uid, (unsigned long)geteuid());
		goto out;
	}
	if (fs.st_size == 0) {
		/* New (or its creator died before sizing it). */
		int e = size_fd(fd, len);

		if (e != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			goto out;
		}
		if ((map = map_fd(fd, len)) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		memcpy(map, &h, sizeof(h));
	} else if ((size_t)fs.st_size == len &&
		   (map = map_fd(fd, len)) != NULL &&
		   memcmp(map, &h, sizeof(h)) == 0) {
		/* Another process's, as this version lays it out. */
	} else {
		if (map)
			munmap(map, len);
		if ((map = replace(path, layout, size, len, err, errlen)) ==
		    NULL)
			goto out;
	}
	*out = map;
	rc = 0;
out:
	/* Explicitly: the map holds the open file, and with it a lock
	 * that close() alone would leave in place. */
	(void)flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

int
kc_shm_open(const char *dir, const char *name, uint64_t layout, size_t size,
	    struct kc_shm **out, char *err, size_t errlen)
{
	char path[4096];
	unsigned char *map = NULL;
	size_t len = SHM_HEADER + size;
	struct stat ds;
	struct kc_shm *m;
	int i, rc = 1;

	*out = NULL;
	if (dir == NULL || *dir == '\0' || !name_ok(name) || size == 0) {
		snprintf(err, errlen, "shared region: bad directory or name");
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s.shm", dir, name) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	/* The last component only: a missing parent is the operator's to
	 * create (with the owner and mode the service needs). */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* Where others may create and rename files, one of them could put
	 * their own region (or a link) in place of ours. */
	if (stat(dir, &ds) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(ds.st_mode) || (ds.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen,
			 "%s: not a directory that only its owner may write "
			 "(mode %04o)",
			 dir, (unsigned)(ds.st_mode & 07777));
		return -1;
	}
	/* Replacements by other processes can only come from versions that
	 * differ from this one, so a few rounds always suffice. */
	for (i = 0; i < 8 && rc == 1; i++)
		rc = open_once(path, layout, size, len, &map, err, errlen);
	if (rc != 0) {
		if (rc == 1)
			snprintf(err, errlen,
				 "%s: replaced again and again by other "
				 "processes",
				 path);
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		munmap(map, len);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->map = map;
	m->maplen = len;
	m->size = size;
	*out = m;
	return 0;
}

void *
kc_shm_data(const struct kc_shm *m)
{
	return m->map + SHM_HEADER;
}

size_t
kc_shm_size(const struct kc_shm *m)
{
	return m->size;
}

void
kc_shm_close(struct kc_shm *m)
{
	if (m == NULL)
		return;
	munmap(m->map, m->maplen);
	free(m);
}
