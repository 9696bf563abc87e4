/* The National Do-Not-Call Registry, as the operator loads it with
 * `kcctl dnc import FILE`: one ten-digit number a line, as the registry
 * publishes it. A load is a version of its own, filled while the current
 * one still answers and made current in one update, so a reader sees the
 * old list or the new one, never a mix or an empty one. */
#ifndef KC_REGISTRY_H
#define KC_REGISTRY_H

#include "kc_db.h"

#include <jansson.h>
#include <stdio.h>

/* Numbers per INSERT while loading. */
#define KC_REGISTRY_BATCH 20000

struct kc_registry_import {
	long long version;  /* the new current version */
	long long numbers;  /* distinct numbers in it */
	long long lines;    /* numbers read (with repeats) */
	long long replaced; /* the version it replaced, 0 none */
	long long purged;   /* rows of older versions deleted */
	double load_seconds, total_seconds;
};

/* How long after its import the registry may still be used for
 * marketing (seconds): a process-wide value, the dnc_registry_max_age
 * setting, which the FastCGI program and kcctl set at start-up; until
 * then KC_DNC_REGISTRY_MAX_AGE_DEFAULT (31 days). A value outside 1 to
 * that default is ignored: a longer one would break the FTC's rule. */
void kc_registry_max_age_set(long long seconds);
long long kc_registry_max_age(void);
/* Whether a registry imported age_seconds ago (-1: none ever was) is
 * too old for marketing. */
int kc_registry_stale(long long age_seconds);

/* Reads every line of f (name and the file's SHA-256 are recorded),
 * then loads and makes current the new list and deletes the old. A line
 * that is not ten digits of a valid NANP number fails the whole import
 * before anything is written: err says which line. Empty lines and a
 * trailing CR are allowed. actor names who did it. -1 with err. */
int kc_registry_import(struct kc_db *db, FILE *f, const char *name,
		       const char *actor, struct kc_registry_import *out,
		       char *err, size_t errlen);
/* {"version", "numbers", "file_name", "file_sha256", "current_since",
 * "imported_by", "age_seconds"}, all null before the first import, and
 * "max_age_seconds" (kc_registry_max_age) and "stale" (true when there is
 * none or it is older than that: marketing is blocked). */
int kc_registry_status(struct kc_db *db, json_t **out);
/* 1 if the current registry lists the E.164 number, 0 if not (or it is
 * not a +1 number), -1 on error. */
int kc_registry_has(struct kc_db *db, const char *e164);

#endif
