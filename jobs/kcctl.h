/* kcctl: the operator's command. Each verb lives in its own file and
 * returns the process exit status. */
#ifndef KCCTL_H
#define KCCTL_H

#include "kc_audit.h"
#include "kc_config.h"
#include "kc_db.h"

#include <jansson.h>

#define KCCTL_OK    0
#define KCCTL_FAIL  1
#define KCCTL_USAGE 2

struct kcctl {
	struct kc_config cfg;
	struct kc_db *db;
	int json; /* --json: machine-readable output */
	struct kc_actor actor;
};

/* Connects on first use, so verbs that need no database never fail on it. */
struct kc_db *kcctl_db(struct kcctl *k);
/* A handle that connects on first use and again after a loss: for the
 * cron jobs, which wait out an outage instead of failing on it. */
struct kc_db *kcctl_db_lazy(struct kcctl *k);
/* Prints v (taken) as JSON with --json, else text through the callback. */
int kcctl_emit(struct kcctl *k, json_t *v, void (*text)(const json_t *));
/* Reports a failure in the chosen output form; returns KCCTL_FAIL. */
int kcctl_fail(struct kcctl *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int kcctl_usage(struct kcctl *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Resolves a business public id; prints the failure itself. */
int kcctl_business_id(struct kcctl *k, const char *public_id, long long *id);

int kcctl_migrate(struct kcctl *k, int argc, char **argv);
int kcctl_business(struct kcctl *k, int argc, char **argv);
int kcctl_number(struct kcctl *k, int argc, char **argv);
int kcctl_key(struct kcctl *k, int argc, char **argv);
int kcctl_demo_seed(struct kcctl *k, int argc, char **argv);
int kcctl_sign(struct kcctl *k, int argc, char **argv);
int kcctl_deliver(struct kcctl *k, int argc, char **argv);
int kcctl_replay(struct kcctl *k, int argc, char **argv);
int kcctl_maintain(struct kcctl *k, int argc, char **argv);
int kcctl_dnc(struct kcctl *k, int argc, char **argv);
int kcctl_seal_carrier_token(struct kcctl *k, int argc, char **argv);
int kcctl_user(struct kcctl *k, int argc, char **argv);
int kcctl_outbound(struct kcctl *k, int argc, char **argv);

#endif
