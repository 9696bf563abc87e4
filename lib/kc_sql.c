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
	"previous_secret_expires_at > UTC_TIMESTAMP(6) "
    [KC_SQL_ENDPOINT_INSERT] =
	{"endpoint_insert",
	 "INSERT INTO webhook_endpoints (public_id, business_id, url, "
	 "description, event_types, enabled, secret_sealed, created_at, "
	 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), "
	 "UTC_TIMESTAMP(6))"},
    [KC_SQL_ENDPOINT_GET] = {"endpoint_get",
			     "SELECT " ENDPOINT_COLS
			     "FROM webhook_endpoints WHERE business_id = ? "
			     "AND public_id = ? AND deleted_at IS NULL"},
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
	 "?, enabled = ?, updated_at = UTC_TIMESTAMP(6) WHERE business_id = ? "
	 "AND id = ? AND deleted_at IS NULL"},
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
    [KC_SQL_DELIVERY_COUNT_FOR_EVENT] =
	{"delivery_count_for_event",
	 "SELECT COUNT(*) FROM deliveries WHERE business_id = ? AND event_id "
	 "= ?"},
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
    [KC_SQL_DELIVERY_LIST] =
	{"delivery_list",
	 "SELECT d.public_id, d.status, d.attempts, d.next_attempt_at, "
	 "d.created_at, d.updated_at, e.public_id, e.type, w.public_id FROM "
	 "deliveries d JOIN events e ON e.id = d.event_id AND e.business_id = "
	 "d.business_id JOIN webhook_endpoints w ON w.id = d.endpoint_id AND "
	 "w.business_id = d.business_id WHERE d.business_id = ? AND d.id < ? "
	 "AND (? IS NULL OR e.public_id = ?) AND (? IS NULL OR w.public_id = "
	 "?) AND (? IS NULL OR d.status = ?) ORDER BY d.id DESC LIMIT ?"},
    [KC_SQL_DELIVERY_CURSOR] =
	{"delivery_cursor",
	 "SELECT id FROM deliveries WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_IDEM_INSERT] =
	{"idem_insert",
	 "INSERT INTO idempotency_keys (business_id, idem_key, fingerprint, "
	 "status, created_at) VALUES (?, ?, ?, 0, UTC_TIMESTAMP(6))"},
    [KC_SQL_IDEM_GET] =
	{"idem_get",
	 "SELECT fingerprint, status, response, created_at < "
	 "UTC_TIMESTAMP(6) - INTERVAL 24 HOUR FROM idempotency_keys WHERE "
	 "business_id = ? AND idem_key = ?"},
    [KC_SQL_IDEM_FINISH] =
	{"idem_finish",
	 "UPDATE idempotency_keys SET status = ?, response = ? WHERE "
	 "business_id = ? AND idem_key = ?"},
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
