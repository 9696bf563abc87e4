#include "kc_sql.h"

/* Tenant data is always read with "business_id = ?" bound from the
 * authenticated caller; the few lookups without it are by secret hash or
 * serve the operator's kcctl. */
static const struct {
	const char *name, *sql;
} stmts[KC_SQL__MAX] = {
    [KC_SQL_HEALTH] = {"health", "SELECT 1"},
    [KC_SQL_LOCK_GET] = {"lock_get", "SELECT GET_LOCK(?, ?)"},
    [KC_SQL_LOCK_RELEASE] = {"lock_release", "SELECT RELEASE_LOCK(?)"},
    [KC_SQL_MIGRATION_APPLIED] =
	{"migration_applied",
	 "SELECT version FROM schema_migrations ORDER BY version"},
    [KC_SQL_MIGRATION_RECORD] =
	{"migration_record",
	 "INSERT INTO schema_migrations (version, name, applied_at) "
	 "VALUES (?, ?, UTC_TIMESTAMP(6))"},

    [KC_SQL_BUSINESS_INSERT] =
	{"business_insert",
	 "INSERT INTO businesses (public_id, name, timezone, slug, "
	 "created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))"},
    [KC_SQL_BUSINESS_BY_ID] =
	{"business_by_id", "SELECT id, public_id, name, timezone, created_at "
			   "FROM businesses WHERE id = ?"},
    [KC_SQL_BUSINESS_BY_PUBLIC] =
	{"business_by_public",
	 "SELECT id, public_id, name, timezone, created_at "
	 "FROM businesses WHERE public_id = ?"},
    [KC_SQL_BUSINESS_BY_SLUG] =
	{"business_by_slug", "SELECT id, public_id, name, timezone, created_at "
			     "FROM businesses WHERE slug = ?"},

    [KC_SQL_AGENT_INSERT] =
	{"agent_insert",
	 "INSERT INTO agents (public_id, business_id, name, prompt, "
	 "voice, greeting, language, primary_of, routing, created_at, "
	 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"},
    [KC_SQL_AGENT_PRIMARY] =
	{"agent_primary",
	 "SELECT id, public_id, name, prompt, voice, greeting, language, "
	 "routing, created_at, updated_at FROM agents "
	 "WHERE business_id = ? AND primary_of = business_id"},
    /* One row, no join: the numbers come from the agent's own copy. */
    [KC_SQL_AGENT_VIEW] =
	{"agent_view", "SELECT id, public_id, name, prompt, voice, greeting, "
		       "language, routing, created_at, updated_at, "
		       "phone_numbers_json FROM agents "
		       "WHERE business_id = ? AND primary_of = business_id"},
    [KC_SQL_AGENT_PRIMARY_LOCK] =
	{"agent_primary_lock",
	 "SELECT id, public_id, routing FROM agents "
	 "WHERE business_id = ? AND primary_of = business_id FOR UPDATE"},
    [KC_SQL_AGENT_ID_BY_PUBLIC] =
	{"agent_id_by_public",
	 "SELECT id FROM agents WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_AGENT_SET_ROUTING] =
	{"agent_set_routing",
	 "UPDATE agents SET routing = ?, updated_at = UTC_TIMESTAMP(6) "
	 "WHERE business_id = ? AND id = ?"},
    [KC_SQL_AGENT_SET_PROFILE] =
	{"agent_set_profile",
	 "UPDATE agents SET name = ?, prompt = ?, voice = ?, greeting = ?, "
	 "language = ?, updated_at = UTC_TIMESTAMP(6) "
	 "WHERE business_id = ? AND id = ?"},

    /* Rebuilds every agent's copy of its numbers from phone_numbers, in
     * creation order; run in the transaction that changed them. */
    [KC_SQL_AGENT_REFRESH_NUMBERS] =
	{"agent_refresh_numbers",
	 "UPDATE agents a SET a.phone_numbers_json = (SELECT "
	 "COALESCE(JSON_ARRAYAGG(JSON_OBJECT('id', n.public_id, 'number', "
	 "n.e164, 'label', n.label, 'capabilities', "
	 "JSON_EXTRACT(n.capabilities, '$')) ORDER BY n.id), '[]') "
	 "FROM phone_numbers n WHERE n.business_id = a.business_id "
	 "AND n.agent_id = a.id) WHERE a.business_id = ?"},
    [KC_SQL_NUMBER_INSERT] =
	{"number_insert",
	 "INSERT INTO phone_numbers (public_id, business_id, agent_id, "
	 "e164, label, capabilities, created_at) "
	 "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))"},
    [KC_SQL_NUMBER_LIST] =
	{"number_list",
	 "SELECT n.public_id, n.e164, n.label, n.capabilities, "
	 "a.public_id, n.created_at FROM phone_numbers n "
	 "LEFT JOIN agents a ON a.id = n.agent_id "
	 "AND a.business_id = n.business_id "
	 "WHERE n.business_id = ? AND n.id > ? ORDER BY n.id LIMIT ?"},
    [KC_SQL_NUMBER_CURSOR] = {"number_cursor",
			      "SELECT id FROM phone_numbers "
			      "WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_KEY_INSERT] =
	{"key_insert",
	 "INSERT INTO api_keys (public_id, business_id, name, key_hash, "
	 "key_hint, scopes, created_at) "
	 "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))"},
    /* Looked up by the SHA-256 of the presented key: the hash is the
     * index, and the row's hash is compared again in constant time. */
    [KC_SQL_KEY_AUTH] =
	{"key_auth",
	 "SELECT k.id, k.public_id, k.business_id, b.public_id, k.scopes, "
	 "k.key_hash, k.revoked_at IS NOT NULL, "
	 "k.expires_at IS NOT NULL AND k.expires_at <= UTC_TIMESTAMP(6), "
	 "k.last_used_at IS NULL OR "
	 "k.last_used_at < UTC_TIMESTAMP(6) - INTERVAL 60 SECOND "
	 "FROM api_keys k JOIN businesses b ON b.id = k.business_id "
	 "WHERE k.key_hash = ?"},
    [KC_SQL_KEY_TOUCH] = {"key_touch",
			  "UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(6) "
			  "WHERE id = ?"},
    [KC_SQL_KEY_LIST] =
	{"key_list", "SELECT public_id, name, key_hint, scopes, created_at, "
		     "last_used_at, expires_at, revoked_at FROM api_keys "
		     "WHERE business_id = ? ORDER BY id"},
    [KC_SQL_KEY_BY_PUBLIC] =
	{"key_by_public",
	 "SELECT k.public_id, k.name, k.key_hint, k.scopes, k.created_at, "
	 "k.last_used_at, k.expires_at, k.revoked_at, k.id, "
	 "k.business_id, b.public_id FROM api_keys k "
	 "JOIN businesses b ON b.id = k.business_id "
	 "WHERE k.public_id = ?"},
    [KC_SQL_KEY_REVOKE] = {"key_revoke",
			   "UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(6) "
			   "WHERE id = ? AND revoked_at IS NULL"},
    /* A rotated key ends after the grace period, or sooner if it was
     * already due to. */
    [KC_SQL_KEY_EXPIRE] =
	{"key_expire",
	 "UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, "
	 "'9999-12-31'), UTC_TIMESTAMP(6) + INTERVAL ? SECOND), "
	 "rotated_to = ? WHERE id = ?"},

    [KC_SQL_AUDIT_INSERT] =
	{"audit_insert",
	 "INSERT INTO audit_log (public_id, business_id, actor_type, "
	 "actor_id, action, target_type, target_id, before_json, "
	 "after_json, request_id, created_at) "
	 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))"},
    [KC_SQL_AUDIT_LIST] =
	{"audit_list",
	 "SELECT public_id, actor_type, actor_id, action, target_type, "
	 "target_id, before_json, after_json, request_id, created_at "
	 "FROM audit_log WHERE business_id = ? AND id < ? "
	 "ORDER BY id DESC LIMIT ?"},
    [KC_SQL_AUDIT_CURSOR] =
	{"audit_cursor",
	 "SELECT id FROM audit_log WHERE business_id = ? AND public_id = ?"},

#define ENDPOINT_COLS                                                          \
	"id, public_id, url, description, event_types, enabled, created_at, "  \
	"updated_at, secret_sealed, previous_secret_sealed, "                  \
	"previous_secret_expires_at, "                                         \
	"previous_secret_expires_at > UTC_TIMESTAMP(6), "                      \
	"consecutive_failures, failing_since, last_success_at, "               \
	"last_failure_at, dead_count, disabled_reason, disabled_at, "          \
	"rate_limit, max_in_flight, breaker_state, breaker_failures, "         \
	"breaker_opened_at, breaker_until, "                                   \
	"breaker_until <= UTC_TIMESTAMP(6) "
    [KC_SQL_ENDPOINT_INSERT] =
	{"endpoint_insert",
	 "INSERT INTO webhook_endpoints (public_id, business_id, url, "
	 "description, event_types, enabled, secret_sealed, rate_limit, "
	 "max_in_flight, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
	 "?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"},
    /* The endpoint's delivery queue, with it in the same transaction. */
    [KC_SQL_QUEUE_INSERT] = {"queue_insert",
			     "INSERT INTO delivery_queues (endpoint_id, "
			     "business_id) VALUES (?, ?)"},
    [KC_SQL_ENDPOINT_GET] = {"endpoint_get",
			     "SELECT " ENDPOINT_COLS
			     "FROM webhook_endpoints WHERE business_id = ? "
			     "AND public_id = ? AND deleted_at IS NULL"},
    /* With the last 24 hours of tries, for GET of one endpoint. */
    [KC_SQL_ENDPOINT_VIEW] =
	{"endpoint_view",
	 "SELECT " ENDPOINT_COLS ", (SELECT COUNT(*) FROM delivery_attempts a "
	 "WHERE a.endpoint_id = webhook_endpoints.id AND a.started_at >= "
	 "UTC_TIMESTAMP(6) - INTERVAL 1 DAY), (SELECT COALESCE(SUM(a.ok), 0) "
	 "FROM delivery_attempts a WHERE a.endpoint_id = webhook_endpoints.id "
	 "AND a.started_at >= UTC_TIMESTAMP(6) - INTERVAL 1 DAY), (SELECT "
	 "q.paused_until FROM delivery_queues q WHERE q.endpoint_id = "
	 "webhook_endpoints.id AND q.paused_until > UTC_TIMESTAMP(6)) FROM "
	 "webhook_endpoints WHERE business_id = ? AND public_id = ? AND "
	 "deleted_at IS NULL"},
    [KC_SQL_ENDPOINT_LOCK] = {"endpoint_lock",
			      "SELECT " ENDPOINT_COLS
			      "FROM webhook_endpoints WHERE business_id = ? "
			      "AND public_id = ? AND deleted_at IS NULL FOR "
			      "UPDATE"},
    [KC_SQL_ENDPOINT_LIST] =
	{"endpoint_list",
	 "SELECT " ENDPOINT_COLS "FROM webhook_endpoints WHERE business_id = ? "
	 "AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?"},
    [KC_SQL_ENDPOINT_CURSOR] =
	{"endpoint_cursor",
	 "SELECT id FROM webhook_endpoints WHERE business_id = ? AND "
	 "public_id = ? AND deleted_at IS NULL"},
    [KC_SQL_ENDPOINT_UPDATE] =
	{"endpoint_update",
	 "UPDATE webhook_endpoints SET url = ?, description = ?, event_types = "
	 "?, enabled = ?, rate_limit = ?, max_in_flight = ?, updated_at = "
	 "UTC_TIMESTAMP(6) WHERE business_id = ? AND id = ? AND deleted_at IS "
	 "NULL"},
    [KC_SQL_ENDPOINT_DELETE] =
	{"endpoint_delete",
	 "UPDATE webhook_endpoints SET deleted_at = UTC_TIMESTAMP(6), enabled "
	 "= "
	 "0, updated_at = UTC_TIMESTAMP(6) WHERE business_id = ? AND id = ? "
	 "AND deleted_at IS NULL"},
    [KC_SQL_ENDPOINT_ROTATE] =
	{"endpoint_rotate",
	 "UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, "
	 "previous_secret_expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, "
	 "secret_sealed = ?, updated_at = UTC_TIMESTAMP(6) WHERE business_id "
	 "= ? AND id = ? AND deleted_at IS NULL"},

    [KC_SQL_EVENT_INSERT] =
	{"event_insert",
	 "INSERT INTO events (public_id, business_id, type, payload, "
	 "created_at) VALUES (?, ?, ?, ?, ?)"},
    [KC_SQL_EVENT_GET] =
	{"event_get",
	 "SELECT id, payload FROM events WHERE business_id = ? AND public_id "
	 "= ?"},
    /* Newest first; type and since are optional (NULL matches all). */
    [KC_SQL_EVENT_LIST] =
	{"event_list",
	 "SELECT public_id, payload FROM events WHERE business_id = ? AND id "
	 "< ? AND (? IS NULL OR type = ?) AND (? IS NULL OR created_at >= ?) "
	 "ORDER BY id DESC LIMIT ?"},
    [KC_SQL_EVENT_CURSOR] =
	{"event_cursor",
	 "SELECT id FROM events WHERE business_id = ? AND public_id = ?"},
    /* The endpoints an event may go to; the filter is applied in C. */
    [KC_SQL_EVENT_TARGETS] =
	{"event_targets",
	 "SELECT id, event_types FROM webhook_endpoints WHERE business_id = ? "
	 "AND enabled = 1 AND deleted_at IS NULL ORDER BY id"},
    [KC_SQL_DELIVERY_INSERT] =
	{"delivery_insert",
	 "INSERT INTO deliveries (public_id, business_id, event_id, "
	 "endpoint_id, status, next_attempt_at, created_at, updated_at) "
	 "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)"},
    [KC_SQL_ENDPOINT_ID] =
	{"endpoint_id",
	 "SELECT id FROM webhook_endpoints WHERE business_id = ? AND public_id "
	 "= ? AND deleted_at IS NULL"},
#define LEAD_COLS                                                              \
	"public_id, call_public_id, name, phone, email, intent, notes, "       \
	"created_at "
    [KC_SQL_LEAD_INSERT] =
	{"lead_insert",
	 "INSERT INTO leads (public_id, business_id, call_public_id, name, "
	 "phone, email, intent, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, "
	 "?, ?, ?)"},
    [KC_SQL_LEAD_GET] = {"lead_get",
			 "SELECT " LEAD_COLS
			 "FROM leads WHERE business_id = ? AND public_id = "
			 "?"},
    [KC_SQL_LEAD_LIST] =
	{"lead_list",
	 "SELECT " LEAD_COLS "FROM leads WHERE business_id = ? AND id < ? AND "
	 "(? IS NULL OR created_at >= ?) ORDER BY id DESC LIMIT ?"},
    [KC_SQL_LEAD_CURSOR] =
	{"lead_cursor",
	 "SELECT id FROM leads WHERE business_id = ? AND public_id = ?"},
/* Filters are optional: NULL matches all. */
#define DELIVERY_COLS                                                          \
	"d.public_id, d.status, d.attempts, d.next_attempt_at, d.created_at, " \
	"d.updated_at, e.public_id, e.type, w.public_id, d.last_attempt_at, "  \
	"d.last_status_code, d.last_error, d.delivered_at, (SELECT "           \
	"p.public_id FROM deliveries p WHERE p.id = d.replay_of), (SELECT "    \
	"s.public_id FROM deliveries s WHERE s.id = d.superseded_by) "
#define DELIVERY_FROM                                                          \
	"FROM deliveries d JOIN events e ON e.id = d.event_id AND "            \
	"e.business_id = d.business_id JOIN webhook_endpoints w ON w.id = "    \
	"d.endpoint_id AND w.business_id = d.business_id "
    [KC_SQL_DELIVERY_LIST] =
	{"delivery_list",
	 "SELECT " DELIVERY_COLS DELIVERY_FROM
	 "WHERE d.business_id = ? AND d.id < ? "
	 "AND (? IS NULL OR e.public_id = ?) AND (? IS NULL OR w.public_id = "
	 "?) AND (? IS NULL OR d.status = ?) AND (? IS NULL OR d.created_at "
	 ">= ?) AND (? IS NULL OR d.created_at < ?) ORDER BY d.id DESC "
	 "LIMIT ?"},
    [KC_SQL_DELIVERY_GET] = {"delivery_get",
			     "SELECT " DELIVERY_COLS DELIVERY_FROM
			     "WHERE d.business_id = ? AND "
			     "d.public_id = ?"},
    [KC_SQL_ATTEMPT_LIST] =
	{"attempt_list",
	 "SELECT attempt_no, started_at, duration_ms, status_code, error, ok, "
	 "response_snippet FROM delivery_attempts WHERE business_id = ? AND "
	 "delivery_id = (SELECT id FROM deliveries WHERE business_id = ? AND "
	 "public_id = ?) ORDER BY id LIMIT 100"},
    [KC_SQL_DELIVERY_CURSOR] =
	{"delivery_cursor",
	 "SELECT id FROM deliveries WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_IDEM_INSERT] =
	{"idem_insert",
	 /* No wait for a key another request holds: that request is
	  * still running, and the answer is 409 at once. */
	 "SET STATEMENT innodb_lock_wait_timeout = 0 FOR "
	 "INSERT INTO idempotency_keys (business_id, idem_key, fingerprint, "
	 "status, created_at) VALUES (?, ?, ?, 0, UTC_TIMESTAMP(6))"},
    [KC_SQL_IDEM_GET] =
	{"idem_get",
	 "SELECT fingerprint, status, response, created_at < "
	 "UTC_TIMESTAMP(6) - INTERVAL 24 HOUR, sealed FROM idempotency_keys "
	 "WHERE business_id = ? AND idem_key = ?"},
    [KC_SQL_IDEM_FINISH] =
	{"idem_finish",
	 "UPDATE idempotency_keys SET status = ?, response = ?, sealed = 1 "
	 "WHERE business_id = ? AND idem_key = ?"},
    [KC_SQL_IDEM_PLAINTEXT] =
	{"idem_plaintext",
	 "SELECT id, business_id, idem_key, response FROM idempotency_keys "
	 "WHERE sealed = 0 AND response IS NOT NULL ORDER BY id LIMIT ?"},
    [KC_SQL_IDEM_SEAL] =
	{"idem_seal", "UPDATE idempotency_keys SET response = ?, sealed = 1 "
		      "WHERE id = ? AND sealed = 0"},
    [KC_SQL_IDEM_DELETE] =
	{"idem_delete",
	 "DELETE FROM idempotency_keys WHERE business_id = ? AND idem_key = "
	 "?"},
#define CALL_COLS                                                              \
	"public_id, agent_public_id, direction, from_number, to_number, "      \
	"status, started_at, ended_at, duration_seconds, outcome, summary, "   \
	"transcript, recording_url, created_at "
    [KC_SQL_CALL_INSERT] =
	{"call_insert",
	 "INSERT INTO calls (public_id, business_id, agent_public_id, "
	 "direction, from_number, to_number, started_at, created_at, "
	 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), "
	 "UTC_TIMESTAMP(6))"},
    [KC_SQL_CALL_GET] = {"call_get",
			 "SELECT " CALL_COLS
			 "FROM calls WHERE business_id = ? AND public_id = "
			 "?"},
    [KC_SQL_CALL_LOCK] =
	{"call_lock",
	 "SELECT id, status FROM calls WHERE business_id = ? AND public_id = ? "
	 "FOR UPDATE"},
    [KC_SQL_CALL_END] =
	{"call_end",
	 "UPDATE calls SET status = 'ended', ended_at = ?, duration_seconds = "
	 "?, outcome = ?, summary = ?, transcript = ?, recording_url = ?, "
	 "updated_at = UTC_TIMESTAMP(6) WHERE business_id = ? AND id = ?"},
    [KC_SQL_CALL_LIST] = {"call_list",
			  "SELECT " CALL_COLS
			  "FROM calls WHERE business_id = ? AND id < ? AND "
			  "(? IS NULL OR status = ?) AND (? IS NULL OR "
			  "created_at >= ?) ORDER BY "
			  "id DESC LIMIT ?"},
    [KC_SQL_CALL_CURSOR] =
	{"call_cursor",
	 "SELECT id FROM calls WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_AGENT_PRIMARY_ID] =
	{"agent_primary_id",
	 "SELECT public_id FROM agents WHERE business_id = ? AND primary_of = "
	 "business_id"},
#define FOLLOWUP_COLS                                                          \
	"public_id, lead_public_id, kind, due_at, notes, status, "             \
	"completed_at, created_at "
    [KC_SQL_FOLLOWUP_INSERT] =
	{"followup_insert",
	 "INSERT INTO followups (public_id, business_id, lead_public_id, kind, "
	 "due_at, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, "
	 "UTC_TIMESTAMP(6))"},
    [KC_SQL_FOLLOWUP_GET] = {"followup_get",
			     "SELECT " FOLLOWUP_COLS
			     "FROM followups WHERE business_id = ? AND "
			     "public_id = ?"},
    [KC_SQL_FOLLOWUP_LOCK] =
	{"followup_lock",
	 "SELECT id, status FROM followups WHERE business_id = ? AND public_id "
	 "= ? FOR UPDATE"},
    [KC_SQL_FOLLOWUP_COMPLETE] =
	{"followup_complete",
	 "UPDATE followups SET status = 'completed', completed_at = "
	 "UTC_TIMESTAMP(6) WHERE business_id = ? AND id = ?"},
    [KC_SQL_FOLLOWUP_LIST] =
	{"followup_list",
	 "SELECT " FOLLOWUP_COLS "FROM followups WHERE business_id = ? AND id "
	 "< ? AND (? IS NULL OR status = ?) AND (? IS NULL OR created_at >= ?) "
	 "ORDER BY id DESC LIMIT ?"},
    [KC_SQL_FOLLOWUP_CURSOR] =
	{"followup_cursor",
	 "SELECT id FROM followups WHERE business_id = ? AND public_id = ?"},
/* A batch of ids as a table, always joined first (STRAIGHT_JOIN): the
 * optimizer knows nothing of its size and may otherwise scan the big table
 * and probe this one. */
#define IDS_TABLE                                                              \
	"JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j "
    /* The delivery engine (lib/delivery/kc_queue.c explains the
     * locking). Whatever makes a delivery owed looks at the endpoint's
     * queue with a shared lock (concurrent ingests share it; only a claim,
     * which holds it exclusively, waits for them) and, when the queue says
     * nothing is due, leaves a wake-up. Times go to C as epoch
     * milliseconds, rounded up (and now rounded down), so that "now >=
     * t" in C never runs ahead of the database. */
    [KC_SQL_QUEUE_SHARE] =
	{"queue_share",
	 "SELECT due_at IS NULL OR due_at > UTC_TIMESTAMP(6) FROM "
	 "delivery_queues WHERE endpoint_id = ? LOCK IN SHARE MODE"},
    [KC_SQL_WAKEUP_INSERT] = {"wakeup_insert",
			      "INSERT INTO delivery_wakeups (endpoint_id, "
			      "business_id) VALUES (?, ?)"},
    /* Whether there is any, without a lock or a transaction: most claims
     * of a busy worker find none. */
    [KC_SQL_WAKEUP_ANY] = {"wakeup_any",
			   "SELECT EXISTS (SELECT 1 FROM delivery_wakeups)"},
    [KC_SQL_WAKEUP_ANY_BUSINESS] = {"wakeup_any_business",
				    "SELECT EXISTS (SELECT 1 FROM "
				    "delivery_wakeups WHERE business_id = ?)"},
    /* Committed wake-ups only: one still being written is locked by its
     * transaction and taken by a later claim. */
    [KC_SQL_WAKEUP_TAKE] = {"wakeup_take",
			    "SELECT id, endpoint_id, business_id FROM "
			    "delivery_wakeups ORDER BY id LIMIT ? FOR UPDATE "
			    "SKIP LOCKED"},
    [KC_SQL_WAKEUP_TAKE_BUSINESS] =
	{"wakeup_take_business",
	 "SELECT id, endpoint_id, business_id FROM delivery_wakeups WHERE "
	 "business_id = ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED"},
    /* [[endpoint, business], ...] in endpoint order: each queue is due
     * now unless it already was (created if it is missing). */
    [KC_SQL_QUEUE_WAKE] =
	{"queue_wake",
	 "INSERT INTO delivery_queues (endpoint_id, business_id, due_at) "
	 "SELECT j.e, j.b, UTC_TIMESTAMP(6) FROM JSON_TABLE(?, '$[*]' COLUMNS "
	 "(e BIGINT UNSIGNED PATH '$[0]', b BIGINT UNSIGNED PATH '$[1]')) j "
	 "ON DUPLICATE KEY UPDATE delivery_queues.due_at = "
	 "IF(delivery_queues.due_at IS NULL OR delivery_queues.due_at > "
	 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), delivery_queues.due_at)"},
    /* The endpoints to look at, longest waiting first; not locked. */
    [KC_SQL_QUEUE_DUE] = {"queue_due",
			  "SELECT endpoint_id FROM delivery_queues WHERE "
			  "due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ?"},
    [KC_SQL_QUEUE_DUE_BUSINESS] =
	{"queue_due_business",
	 "SELECT endpoint_id FROM delivery_queues WHERE business_id = ? AND "
	 "due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ?"},
    /* The candidates' queue rows, locked one by one in the order of the
     * id list (ascending, as every worker's). Plain FOR UPDATE: it waits
     * for the ingests sharing a row (a short commit); skipping the row
     * would starve a busy endpoint. Joined from the list, so no other row
     * is read, let alone locked. */
    [KC_SQL_QUEUE_LOCK] =
	{"queue_lock",
	 "SELECT q.endpoint_id, q.due_at <= UTC_TIMESTAMP(6), "
	 "CEIL(UNIX_TIMESTAMP(q.paused_until) * 1000), q.tokens, "
	 "FLOOR(UNIX_TIMESTAMP(q.tokens_at) * 1000), "
	 "FLOOR(UNIX_TIMESTAMP(UTC_TIMESTAMP(6)) * 1000), q.in_flight "
	 "FROM " IDS_TABLE
	 "STRAIGHT_JOIN delivery_queues q ON q.endpoint_id = j.id FOR "
	 "UPDATE"},
    /* Not locking, after the queue rows were: settings and breaker as
     * committed. */
    [KC_SQL_QUEUE_ENDPOINTS] =
	{"queue_endpoints",
	 "SELECT w.id, w.enabled = 1 AND w.deleted_at IS NULL, w.rate_limit, "
	 "w.max_in_flight, w.breaker_state = 'open', "
	 "CEIL(UNIX_TIMESTAMP(w.breaker_until) * 1000) FROM " IDS_TABLE
	 "STRAIGHT_JOIN webhook_endpoints w ON w.id = j.id"},
    /* Counted, when the queue's count says the endpoint is full: its
     * deliveries in flight, those whose lease still runs, and the first
     * of those leases to end. Every claim of an endpoint happens under its
     * queue row's lock and commits its leases, so this is exact. */
    [KC_SQL_QUEUE_IN_FLIGHT] =
	{"queue_in_flight",
	 "SELECT COUNT(*), COALESCE(SUM(next_attempt_at > UTC_TIMESTAMP(6)), "
	 "0), CEIL(UNIX_TIMESTAMP(MIN(IF(next_attempt_at > UTC_TIMESTAMP(6), "
	 "next_attempt_at, NULL))) * 1000) FROM deliveries WHERE endpoint_id = "
	 "? AND status = 'in_flight'"},
    /* One endpoint's due deliveries (retries whose time has come and
     * leases that ran out), oldest first, skipping rows another
     * transaction holds. */
    [KC_SQL_DELIVERY_CLAIM] =
	{"delivery_claim",
	 "SELECT id, status = 'in_flight' FROM deliveries WHERE endpoint_id = "
	 "? AND next_attempt_at <= UTC_TIMESTAMP(6) ORDER BY next_attempt_at "
	 "LIMIT ? FOR UPDATE SKIP LOCKED"},
    /* The earliest each endpoint owes, in flight included (after the
     * lease, so the claimed ones count at their lease's end). */
    [KC_SQL_DELIVERY_OWED_MIN] =
	{"delivery_owed_min",
	 "SELECT j.id, (SELECT CEIL(UNIX_TIMESTAMP(MIN(d.next_attempt_at)) * "
	 "1000) FROM deliveries d WHERE d.endpoint_id = j.id AND "
	 "d.next_attempt_at IS NOT NULL) FROM " IDS_TABLE},
    /* [[endpoint, due_at, tokens, tokens_at, in_flight], ...]: rows the
     * claim holds. */
    [KC_SQL_QUEUE_SET] =
	{"queue_set",
	 "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT UNSIGNED PATH '$[0]', "
	 "due DATETIME(6) PATH '$[1]', tokens DOUBLE PATH '$[2]', at "
	 "DATETIME(6) PATH '$[3]', f INT PATH '$[4]')) j STRAIGHT_JOIN "
	 "delivery_queues q ON q.endpoint_id = j.e SET q.due_at = j.due, "
	 "q.tokens = j.tokens, q.tokens_at = j.at, q.in_flight = j.f"},
    /* After outcomes were recorded: a slot came free, so the endpoint is
     * looked at again now (the claim holds it again if it must wait); a
     * Retry-After pauses it. */
    [KC_SQL_QUEUE_RECORDED] =
	{"queue_recorded",
	 "UPDATE delivery_queues SET due_at = IF(due_at IS NULL OR due_at > "
	 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), due_at), paused_until = IF(? IS "
	 "NULL, paused_until, GREATEST(COALESCE(paused_until, ?), ?)), "
	 "in_flight = GREATEST(in_flight - ?, 0) WHERE endpoint_id = ?"},
    [KC_SQL_WAKEUP_DELETE] = {"wakeup_delete",
			      "DELETE w FROM " IDS_TABLE
			      "STRAIGHT_JOIN delivery_wakeups w ON w.id = "
			      "j.id"},
    /* Whether anything is due, locked or not: a claim that found nothing
     * may only have met wake-ups another claim was taking. */
    [KC_SQL_DELIVERY_ANY_DUE] =
	{"delivery_any_due",
	 "SELECT EXISTS (SELECT 1 FROM delivery_queues WHERE due_at <= "
	 "UTC_TIMESTAMP(6)) OR EXISTS (SELECT 1 FROM delivery_wakeups)"},
    [KC_SQL_DELIVERY_ANY_DUE_BUSINESS] =
	{"delivery_any_due_business",
	 "SELECT EXISTS (SELECT 1 FROM delivery_queues WHERE business_id = ? "
	 "AND due_at <= UTC_TIMESTAMP(6)) OR EXISTS (SELECT 1 FROM "
	 "delivery_wakeups WHERE business_id = ?)"},
    [KC_SQL_DELIVERY_LEASE] =
	{"delivery_lease",
	 "UPDATE " IDS_TABLE "STRAIGHT_JOIN deliveries d ON d.id = j.id SET "
	 "d.status = 'in_flight', d.lease_owner = ?, "
	 "d.lease_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, "
	 "d.next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, "
	 "d.updated_at = UTC_TIMESTAMP(6)"},
    /* What the worker signs and sends. Each join is by primary key, so
     * the business_id equalities cost nothing and keep a row that names
     * another business's event or endpoint from ever being sent. */
    [KC_SQL_DELIVERY_CLAIMED] =
	{"delivery_claimed",
	 "SELECT STRAIGHT_JOIN d.id, d.public_id, d.business_id, d.attempts, "
	 "w.id, "
	 "w.public_id, w.url, w.enabled = 1 AND w.deleted_at IS NULL, "
	 "w.secret_sealed, w.previous_secret_sealed, "
	 "w.previous_secret_expires_at > UTC_TIMESTAMP(6), e.public_id, "
	 "e.payload, w.deleted_at IS NOT NULL FROM " IDS_TABLE
	 "JOIN deliveries d ON d.id = j.id JOIN events e ON e.id = d.event_id "
	 "AND e.business_id = d.business_id JOIN webhook_endpoints w ON w.id = "
	 "d.endpoint_id AND w.business_id = d.business_id WHERE d.lease_owner "
	 "= ? ORDER BY d.id"},
    /* The batch's attempts, as JSON objects (kc_deliver.c record_all). */
    [KC_SQL_ATTEMPT_INSERT] =
	{"attempt_insert",
	 "INSERT INTO delivery_attempts (delivery_id, business_id, "
	 "endpoint_id, attempt_no, started_at, duration_ms, status_code, "
	 "error, ok, response_snippet) SELECT j.d, j.b, j.ep, j.n, j.sa, "
	 "j.ms, j.c, j.e, j.ok, j.s FROM JSON_TABLE(?, '$[*]' COLUMNS (d "
	 "BIGINT UNSIGNED PATH '$.d', b BIGINT UNSIGNED PATH '$.b', ep BIGINT "
	 "UNSIGNED PATH '$.ep', n INT UNSIGNED PATH '$.n', sa DATETIME(6) PATH "
	 "'$.sa', ms INT UNSIGNED PATH '$.ms', c SMALLINT UNSIGNED PATH "
	 "'$.c', e VARCHAR(255) PATH '$.e', ok TINYINT PATH '$.ok', s TEXT "
	 "PATH '$.s')) j"},
    /* The batch's deliveries (ids and lease owners), locked, and whether
     * each lease is still the worker's: a worker that outlived its lease
     * must not overwrite the outcome of the one that took over. */
    [KC_SQL_DELIVERY_RECORD_LOCK] =
	{"delivery_record_lock",
	 "SELECT d.id, d.lease_owner <=> j.o FROM JSON_TABLE(?, '$[*]' "
	 "COLUMNS (id BIGINT UNSIGNED PATH '$.id', o VARCHAR(48) PATH '$.o')) "
	 "j STRAIGHT_JOIN deliveries d ON d.id = j.id FOR UPDATE"},
    /* Their new state, those still ours (checked again). */
    [KC_SQL_DELIVERY_RESULT] =
	{"delivery_result",
	 "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$.id', "
	 "o VARCHAR(48) PATH '$.o', st VARCHAR(16) PATH '$.st', n INT "
	 "UNSIGNED PATH '$.n', nx DATETIME(6) PATH '$.nx', sa DATETIME(6) PATH "
	 "'$.sa', c SMALLINT UNSIGNED PATH '$.c', e VARCHAR(255) PATH '$.e', "
	 "da DATETIME(6) PATH '$.da')) j STRAIGHT_JOIN deliveries d ON d.id = "
	 "j.id SET d.status = j.st, d.attempts = j.n, d.next_attempt_at = "
	 "j.nx, d.lease_owner = NULL, d.lease_until = NULL, d.last_attempt_at "
	 "= COALESCE(j.sa, d.last_attempt_at), d.last_status_code = j.c, "
	 "d.last_error = j.e, d.delivered_at = j.da, d.updated_at = "
	 "UTC_TIMESTAMP(6) WHERE d.lease_owner = j.o"},
    /* The breaker as it stands, locked until the batch commits. */
    [KC_SQL_ENDPOINT_BREAKER_LOCK] =
	{"endpoint_breaker_lock",
	 "SELECT breaker_state = 'open', breaker_failures, breaker_opens, "
	 "CEIL(UNIX_TIMESTAMP(breaker_opened_at) * 1000), "
	 "CEIL(UNIX_TIMESTAMP(breaker_until) * 1000) FROM webhook_endpoints "
	 "WHERE id = ? FOR UPDATE"},
    /* One batch's outcomes for one endpoint: had a success (then the
     * streak is the failures after it), else the failures extend it; and
     * the breaker as the batch left it. */
    [KC_SQL_ENDPOINT_HEALTH] =
	{"endpoint_health",
	 "UPDATE webhook_endpoints SET consecutive_failures = IF(? = 1, ?, "
	 "consecutive_failures + ?), failing_since = IF(? = 1, ?, "
	 "COALESCE(failing_since, ?)), last_success_at = COALESCE(?, "
	 "last_success_at), last_failure_at = COALESCE(?, last_failure_at), "
	 "dead_count = dead_count + ?, breaker_state = ?, breaker_failures = "
	 "?, breaker_opens = ?, breaker_opened_at = ?, breaker_until = ? "
	 "WHERE id = ?"},
    /* What an endpoint.circuit_opened or endpoint.recovered event says. */
    [KC_SQL_ENDPOINT_BREAKER_INFO] =
	{"endpoint_breaker_info",
	 "SELECT business_id, public_id, url, breaker_failures, "
	 "breaker_opened_at, breaker_until FROM webhook_endpoints WHERE id = "
	 "? AND deleted_at IS NULL"},
    /* A replay asks for a try: an open breaker probes at the next claim
     * instead of at the end of its cool-down. */
    [KC_SQL_ENDPOINT_PROBE_NOW] =
	{"endpoint_probe_now",
	 "UPDATE webhook_endpoints SET breaker_until = UTC_TIMESTAMP(6) WHERE "
	 "business_id = ? AND id = ? AND breaker_state = 'open' AND "
	 "breaker_until > UTC_TIMESTAMP(6)"},
    [KC_SQL_ENDPOINT_FOR_DISABLE] =
	{"endpoint_for_disable",
	 "SELECT business_id, public_id, consecutive_failures, failing_since, "
	 "(failing_since <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND) FROM "
	 "webhook_endpoints WHERE id = ? AND enabled = 1 AND deleted_at IS "
	 "NULL FOR UPDATE"},
    [KC_SQL_ENDPOINT_SET_DISABLED] =
	{"endpoint_set_disabled",
	 "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, "
	 "disabled_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6) WHERE "
	 "business_id = ? AND id = ?"},
    /* Turned back on: a fresh start for its health. */
    [KC_SQL_ENDPOINT_REENABLE] =
	{"endpoint_reenable",
	 "UPDATE webhook_endpoints SET disabled_reason = NULL, disabled_at = "
	 "NULL, consecutive_failures = 0, failing_since = NULL, breaker_state "
	 "= 'closed', breaker_failures = 0, breaker_opens = 0, breaker_until "
	 "= NULL WHERE business_id = ? AND id = ?"},
    [KC_SQL_ENDPOINT_FAILING] =
	{"endpoint_failing",
	 "SELECT id FROM webhook_endpoints WHERE enabled = 1 AND deleted_at IS "
	 "NULL AND failing_since <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND "
	 "ORDER BY id"},
    [KC_SQL_DELIVERY_FOR_REPLAY] =
	{"delivery_for_replay",
	 "SELECT d.id, d.status, d.event_id, d.endpoint_id, w.enabled = 1 AND "
	 "w.deleted_at IS NULL, (SELECT s.public_id FROM deliveries s WHERE "
	 "s.id = d.superseded_by), w.deleted_at IS NOT NULL FROM deliveries d "
	 "JOIN webhook_endpoints w "
	 "ON "
	 "w.id = d.endpoint_id WHERE d.business_id = ? AND d.public_id = ? "
	 "FOR UPDATE"},
    [KC_SQL_DELIVERY_REPLAY_INSERT] =
	{"delivery_replay_insert",
	 "INSERT INTO deliveries (public_id, business_id, event_id, "
	 "endpoint_id, status, next_attempt_at, created_at, updated_at, "
	 "replay_of, replay_id) VALUES (?, ?, ?, ?, 'pending', "
	 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?, ?)"},
    [KC_SQL_DELIVERY_SUPERSEDE] =
	{"delivery_supersede",
	 "UPDATE deliveries SET superseded_by = ?, updated_at = "
	 "UTC_TIMESTAMP(6) WHERE business_id = ? AND id = ?"},
    [KC_SQL_DELIVERY_RETRY_NOW] =
	{"delivery_retry_now",
	 "UPDATE deliveries SET next_attempt_at = UTC_TIMESTAMP(6), replay_id "
	 "= COALESCE(?, replay_id), updated_at = UTC_TIMESTAMP(6) WHERE "
	 "business_id = ? AND id = ? AND status = 'failed'"},
    [KC_SQL_REPLAY_INSERT] =
	{"replay_insert",
	 "INSERT INTO replays (public_id, business_id, endpoint_id, "
	 "status_filter, since, until, upto_id, created_at) SELECT ?, ?, ?, "
	 "?, ?, ?, COALESCE(MAX(id), 0), UTC_TIMESTAMP(6) FROM deliveries"},
    [KC_SQL_REPLAY_GET] =
	{"replay_get",
	 "SELECT r.public_id, w.public_id, r.status_filter, r.since, r.until, "
	 "r.state, r.total, r.done, r.created_at, r.started_at, "
	 "r.completed_at, (SELECT COUNT(*) FROM deliveries d WHERE "
	 "d.replay_id = r.id AND d.status = 'delivered'), (SELECT COUNT(*) "
	 "FROM deliveries d WHERE d.replay_id = r.id AND d.status = 'dead') "
	 "FROM replays r JOIN webhook_endpoints w ON w.id = r.endpoint_id "
	 "WHERE r.business_id = ? AND r.public_id = ?"},
    [KC_SQL_REPLAY_NEXT] =
	{"replay_next",
	 "SELECT id, business_id, endpoint_id, status_filter, since, until, "
	 "cursor_id, upto_id, total FROM replays WHERE state IN ('pending', "
	 "'running') ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"},
#define REPLAY_MATCH                                                           \
	"business_id = ? AND endpoint_id = ? AND id > ? AND id <= ? AND "      \
	"superseded_by IS NULL AND (status = ? OR (? = 'all' AND status IN "   \
	"('delivered', 'dead', 'failed'))) AND (? IS NULL OR created_at >= "   \
	"?) AND (? IS NULL OR created_at < ?) "
    [KC_SQL_REPLAY_COUNT] =
	{"replay_count", "SELECT COUNT(*) FROM deliveries WHERE " REPLAY_MATCH},
    [KC_SQL_REPLAY_SOURCES] = {"replay_sources",
			       "SELECT id, status, event_id FROM deliveries "
			       "WHERE " REPLAY_MATCH
			       "ORDER BY id LIMIT ? FOR UPDATE"},
    [KC_SQL_REPLAY_PROGRESS] =
	{"replay_progress",
	 "UPDATE replays SET state = ?, total = ?, done = done + ?, cursor_id "
	 "= ?, started_at = COALESCE(started_at, UTC_TIMESTAMP(6)), "
	 "completed_at = IF(? = 'completed', UTC_TIMESTAMP(6), NULL) WHERE "
	 "id = ?"},

    /* Retention (kcctl maintain), always in small batches. Events go only
     * once none of their deliveries is still owed. */
    [KC_SQL_PURGE_ATTEMPTS] =
	{"purge_attempts",
	 "DELETE FROM delivery_attempts WHERE started_at < UTC_TIMESTAMP(6) - "
	 "INTERVAL ? SECOND ORDER BY started_at LIMIT ?"},
    [KC_SQL_PURGE_EVENTS_PICK] =
	{"purge_events_pick",
	 "SELECT e.id FROM events e WHERE e.created_at < UTC_TIMESTAMP(6) - "
	 "INTERVAL ? SECOND AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE "
	 "d.event_id = e.id AND d.next_attempt_at IS NOT NULL) ORDER BY e.id "
	 "LIMIT ? FOR UPDATE"},
    [KC_SQL_PURGE_EVENT_ATTEMPTS] =
	{"purge_event_attempts",
	 "DELETE a FROM " IDS_TABLE "STRAIGHT_JOIN deliveries d ON d.event_id "
	 "= j.id AND d.next_attempt_at IS NULL STRAIGHT_JOIN "
	 "delivery_attempts a ON a.delivery_id = d.id"},
    [KC_SQL_PURGE_EVENT_DELIVERIES] =
	{"purge_event_deliveries",
	 "DELETE d FROM " IDS_TABLE "STRAIGHT_JOIN deliveries d ON d.event_id "
	 "= j.id AND d.next_attempt_at IS NULL"},
    /* Whatever was owed meanwhile (a replay queued since the pick) keeps
     * its event. */
    [KC_SQL_PURGE_EVENTS] =
	{"purge_events",
	 "DELETE e FROM " IDS_TABLE "STRAIGHT_JOIN events e ON e.id = j.id "
	 "WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = "
	 "e.id)"},
    [KC_SQL_PURGE_IDEMPOTENCY] =
	{"purge_idempotency",
	 "DELETE FROM idempotency_keys WHERE created_at < UTC_TIMESTAMP(6) - "
	 "INTERVAL 24 HOUR ORDER BY created_at LIMIT ?"},

};

const char *
kc_sql_text(enum kc_sql id)
{
	return stmts[id].sql;
}

const char *
kc_sql_name(enum kc_sql id)
{
	return stmts[id].name;
}
