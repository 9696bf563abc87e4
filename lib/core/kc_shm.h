/* Named regions of memory shared by every process of a node that opens
 * them (the FastCGI processes a web server spawns), for counters that
 * must add up across processes: request metrics now, per-key rate limits
 * later. A region is a file under a directory of the caller's choosing
 * (on tmpfs, such as /run/kaicalls), mapped with MAP_SHARED; its words
 * are updated with C11 atomics, so no lock is ever taken after opening.
 *
 * A region has a layout: a number the caller derives from what its bytes
 * mean (a hash of its table). A process that opens a region whose layout
 * or size differs (another version of the program) gets a fresh, zeroed
 * one in its place; processes still running the old version keep the
 * old one until they exit. */
#ifndef KC_SHM_H
#define KC_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Processes share these words through memory alone: an atomic that took
 * a lock (a process-local one) would not be atomic between them. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
	       "64-bit atomics must be lock-free to share them");

typedef _Atomic uint64_t kc_shm_u64;

struct kc_shm;

/* Opens the region name (letters, digits, '-' and '_') of size bytes in
 * dir, creating it zeroed if it does not exist or has another layout or
 * size; a new file has all its pages allocated (or the open fails: no
 * SIGBUS later on a full tmpfs). Refused: a dir that group or others may
 * write, a region file owned by another user. 0, or -1 with err saying
 * why (the caller carries on without). */
int kc_shm_open(const char *dir, const char *name, uint64_t layout, size_t size,
		struct kc_shm **out, char *err, size_t errlen);
/* The region's size bytes, aligned for kc_shm_u64. */
void *kc_shm_data(const struct kc_shm *m);
size_t kc_shm_size(const struct kc_shm *m);
/* Unmaps the region (the file and the other processes' maps stay). */
void kc_shm_close(struct kc_shm *m);

/* Relaxed: counters need no ordering with other memory, only no lost
 * updates. */
static inline uint64_t
kc_shm_add(kc_shm_u64 *w, uint64_t v)
{
	return atomic_fetch_add_explicit(w, v, memory_order_relaxed);
}

static inline uint64_t
kc_shm_load(kc_shm_u64 *w)
{
	return atomic_load_explicit(w, memory_order_relaxed);
}

static inline void
kc_shm_store(kc_shm_u64 *w, uint64_t v)
{
	atomic_store_explicit(w, v, memory_order_relaxed);
}

/* Replaces *w by desired if it still holds *expected (1); otherwise
 * *expected gets what it holds (0). For read-modify-write loops such as
 * a token bucket's. */
static inline int
kc_shm_cas(kc_shm_u64 *w, uint64_t *expected, uint64_t desired)
{
	return atomic_compare_exchange_weak_explicit(
	    w, expected, desired, memory_order_acq_rel, memory_order_relaxed);
}

/* FNV-1a over n bytes, continuing from h (start with KC_SHM_LAYOUT_INIT):
 * a cheap way to derive a layout from the text of a table. */
#define KC_SHM_LAYOUT_INIT 14695981039346656037ULL
uint64_t kc_shm_layout_hash(uint64_t h, const void *p, size_t n);

#endif
