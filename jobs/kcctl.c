/* kcctl [--conf FILE] [--json] VERB ...: admin verbs now, cron jobs later.
 * Exit status: 0 done, 1 failed, 2 bad usage. */
#include "kcctl.h"
#include "kc_json.h"
#include "kc_log.h"
#include "kc_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: kcctl [--conf FILE] [--json] COMMAND ...\n"
    "\n"
    "  migrate                                   apply sql/ migrations\n"
    "  business create NAME [--timezone TZ]      new business and agent\n"
    "  number add --business ID NUMBER [--label TEXT]\n"
    "  key create --business ID --name NAME [--scopes LIST]\n"
    "                                            new API key (read scopes "
    "unless --scopes; '*' is all)\n"
    "  key list --business ID\n"
    "  key revoke ID\n"
    "  key rotate ID [--grace 24h]               new key; the old one "
    "works until the grace ends\n"
    "  demo-seed --env-file FILE                 the demo business, "
    "its key and its dashboard owner\n"
    "  sign --business ID --endpoint ID --event ID\n"
    "                                            a delivery's headers and "
    "body, signed\n"
    "  deliver [--for 60s] [--lock FILE [--lock-wait 30s]] [--business "
    "ID]\n"
    "                                            send due webhook "
    "deliveries\n"
    "  replay [--for 55s] [--lock FILE]          work through bulk "
    "replay requests\n"
    "  maintain [--lock FILE]                    retention and endpoint "
    "auto-disable\n"
    "  outbound [--for 60s] [--lock FILE [--lock-wait 30s]] [--business "
    "ID]\n"
    "                                            send queued calls and "
    "SMS\n"
    "  outbound settle ID placed|not-placed [--sid SID]\n"
    "                                            an operator's word on an "
    "unknown one\n"
    "  dnc import FILE                           load the national DNC "
    "registry\n"
    "  dnc status                                the registry loaded now\n"
    "  dnc add --business ID PHONE [--channels voice,sms] [--reason R]\n"
    "  dnc remove --business ID DNC_ID           a business's own list\n"
    "  seal-carrier-token < FILE                 the carrier's auth "
    "token, sealed,\n"
    "                                            as a configuration "
    "line\n"
    "  user create --business ID --email EMAIL --role owner|admin|viewer\n"
    "                                            a dashboard user (password "
    "from stdin,\n"
    "                                            else generated and "
    "printed once)\n"
    "  user list [--business ID]\n"
    "  user disable ID|EMAIL                     and end their sessions\n"
    "  user reset-password ID|EMAIL              and end their sessions\n"
    "\n"
    "The configuration is FILE, else $KC_CONF, else " KC_CONF_DEFAULT " if it\n"
    "exists; KC_DB_* variables override it.\n";

static const struct {
	const char *name;
	int (*fn)(struct kcctl *, int, char **);
} verbs[] = {
    {"migrate", kcctl_migrate},
    {"business", kcctl_business},
    {"number", kcctl_number},
    {"key", kcctl_key},
    {"demo-seed", kcctl_demo_seed},
    {"sign", kcctl_sign},
    {"deliver", kcctl_deliver},
    {"replay", kcctl_replay},
    {"maintain", kcctl_maintain},
    {"dnc", kcctl_dnc},
    {"seal-carrier-token", kcctl_seal_carrier_token},
    {"user", kcctl_user},
    {"outbound", kcctl_outbound},
};

int
main(int argc, char **argv)
{
	static char actor[64] = "kcctl";
	struct kcctl k;
	const char *conf = NULL;
	char err[512], **args;
	int i, n = 0, rc = KCCTL_USAGE;
	size_t v;

	memset(&k, 0, sizeof(k));
	/* Audit rows name the job: "kcctl key create", "kcctl dnc import". */
	k.actor.type = "system";
	k.actor.id = actor;
	/* --conf and --json are global and may stand anywhere. */
	if ((args = calloc((size_t)argc + 1, sizeof(char *))) == NULL)
		return KCCTL_FAIL;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			k.json = 1;
		else if (strcmp(argv[i], "--conf") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strncmp(argv[i], "--conf=", 7) == 0)
			conf = argv[i] + 7;
		else if (strcmp(argv[i], "--help") == 0 ||
			 strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			free(args);
			return KCCTL_OK;
		} else
			args[n++] = argv[i];
	}
	if (n > 0)
		snprintf(actor, sizeof(actor), "kcctl %s%s%s", args[0],
			 n > 1 && args[1][0] != '-' ? " " : "",
			 n > 1 && args[1][0] != '-' ? args[1] : "");
	if (n == 0) {
		fputs(help, stderr);
		free(args);
		return KCCTL_USAGE;
	}
	if (kc_config_load(&k.cfg, conf, err, sizeof(err)) != 0) {
		rc = kcctl_fail(&k, "configuration: %s", err);
		free(args);
		return rc;
	}
	kc_log_init("kcctl", k.cfg.log_level);
	kc_json_wipe_on_free();
	/* For the send-time check (kcctl outbound) and kcctl dnc status. */
	kc_registry_max_age_set(k.cfg.dnc_registry_max_age);
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(args[0], verbs[v].name) == 0)
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0]))
		rc = kcctl_usage(&k, "unknown command '%s' (see kcctl --help)",
				 args[0]);
	else
		rc = verbs[v].fn(&k, n, args);
	kc_db_close(k.db);
	kc_config_free(&k.cfg);
	free(args);
	return rc;
}
