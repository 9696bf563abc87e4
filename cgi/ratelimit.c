#include "ratelimit.h"
#include "kc_log.h"
#include "kc_shm.h"
#include "response.h"

static struct kc_shm *region;

int
kc_ratelimit_open(const struct kc_config *cfg)
{
	char err[512];

	if (region)
		return 0;
	if (kc_shm_open(cfg->run_dir, "rate-limits",
			kc_rl_table_layout(KC_RL_SLOTS),
			KC_RL_TABLE_BYTES(KC_RL_SLOTS), &region, err,
			sizeof(err)) != 0) {
		kc_warn("serving without rate limits: %s", err);
		return -1;
	}
	return 0;
}

void
kc_ratelimit_close(void)
{
	kc_shm_close(region);
	region = NULL;
}

int
kc_ratelimit_check(struct kc_req *req, enum kc_rl_kind kind)
{
	static int warned_contended, warned_full;
	const struct kc_rl_policy *p;
	struct kc_rl_result res;
	char text[KC_RL_POLICY_MAX];

	if (region == NULL || req->cfg == NULL || kind <= KC_RL_NONE ||
	    kind >= KC_RL__MAX)
		return 0;
	p = req->auth.limits.own[kind] ? &req->auth.limits.p[kind]
				       : &req->cfg->rate_limit[kind];
	if (p->per_hour == 0)
		return 0;
	if (kc_rl_take(kc_shm_data(region), KC_RL_SLOTS,
		       (uint64_t)req->auth.key_id, kind, p, kc_rl_now(),
		       &res) != 0) {
		/* Once per process: it would repeat on every request. */
		if (!warned_contended++)
			kc_warn("the rate limit table stayed contended: a "
				"request of %s went through uncounted",
				req->auth.key_public_id);
		return 0;
	}
	if (res.evicted && !warned_full++)
		kc_warn("the rate limit table is full near a key: more keys "
			"are active at once than it holds (%d), and the "
			"least used lose what they had spent",
			KC_RL_SLOTS);
	req->resp.rl_policy = kc_rl_kind_name(kind);
	req->resp.rl_quota = p->burst;
	req->resp.rl_window = res.window_s;
	req->resp.rl_remaining = res.remaining;
	req->resp.rl_reset = res.reset_s;
	if (res.allowed)
		return 0;
	req->resp.retry_after = (int)res.retry_after_s;
	if (kc_rl_policy_format(p, text, sizeof(text)) != 0)
		text[0] = '\0';
	return kc_problem(req, 429, "rate_limited", NULL,
			  "this API key has used its %s requests (%s); retry "
			  "in %llu s",
			  req->resp.rl_policy, text,
			  (unsigned long long)res.retry_after_s);
}
