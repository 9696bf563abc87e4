#include "kc_sql.h"

/* The lists of calls, events, deliveries, leads and follow-ups are newest
 * first by creation, ties by id. Each filter shape has a statement of its
 * own over an index that ends in (created_at, id), named with FORCE INDEX
 * so that no estimate can pick another: the window [since, until) and the
 * cursor are one range of it, read backwards, and LIMIT stops the read
 * after a page. (A catch-all "? IS NULL OR col = ?" statement can use no
 * such index and scans the business's whole history.) After the filters
 * each takes since, until, the cursor's created_at twice and its id, and
 * the LIMIT (kc_page_recent). */
#define RECENT(t)                                                              \
	t "created_at >= ? AND " t "created_at < ? AND (" t "created_at < ? "  \
	  "OR (" t "created_at = ? AND " t "id < ?)) "                         \
	  "ORDER BY " t "created_at DESC, " t "id DESC LIMIT ?"
/* A key's own rate limits, read, write and ingest, each requests per hour
 * and burst (sql/014_rate_limits.sql); kc_apikey.c reads them in this
 * order. */
#define KEY_LIMITS                                                             \
	"k.rl_read_per_hour, k.rl_read_burst, k.rl_write_per_hour, "           \
	"k.rl_write_burst, k.rl_ingest_per_hour, k.rl_ingest_burst"

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
	 "key_hint, scopes, rl_read_per_hour, rl_read_burst, "
	 "rl_write_per_hour, rl_write_burst, rl_ingest_per_hour, "
	 "rl_ingest_burst, created_at) "
	 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))"},
    /* Looked up by the SHA-256 of the presented key: the hash is the
     * index, and the row's hash is compared again in constant time. */
    [KC_SQL_KEY_AUTH] =
	{"key_auth",
	 "SELECT k.id, k.public_id, k.business_id, b.public_id, k.scopes, "
	 "k.key_hash, k.revoked_at IS NOT NULL, "
	 "k.expires_at IS NOT NULL AND k.expires_at <= UTC_TIMESTAMP(6), "
	 "k.last_used_at IS NULL OR "
	 "k.last_used_at < UTC_TIMESTAMP(6) - INTERVAL 60 SECOND, " KEY_LIMITS
	 " FROM api_keys k JOIN businesses b ON b.id = k.business_id "
	 "WHERE k.key_hash = ?"},
    [KC_SQL_KEY_TOUCH] = {"key_touch",
			  "UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(6) "
			  "WHERE id = ?"},
    [KC_SQL_KEY_LIST] =
	{"key_list",
	 "SELECT k.public_id, k.name, k.key_hint, k.scopes, k.created_at, "
	 "k.last_used_at, k.expires_at, k.revoked_at, " KEY_LIMITS
	 " FROM api_keys k WHERE k.business_id = ? ORDER BY k.id"},
    [KC_SQL_KEY_BY_PUBLIC] =
	{"key_by_public",
	 "SELECT k.public_id, k.name, k.key_hint, k.scopes, k.created_at, "
	 "k.last_used_at, k.expires_at, k.revoked_at, k.id, "
	 "k.business_id, b.public_id, " KEY_LIMITS " FROM api_keys k "
	 "JOIN businesses b ON b.id = k.business_id "
	 "WHERE k.public_id = ?"},
    [KC_SQL_KEY_SET_LIMITS] =
	{"key_set_limits",
	 "UPDATE api_keys SET rl_read_per_hour = ?, rl_read_burst = ?, "
	 "rl_write_per_hour = ?, rl_write_burst = ?, rl_ingest_per_hour = ?, "
	 "rl_ingest_burst = ? WHERE id = ?"},
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
    [KC_SQL_EVENT_LIST] = {"event_list",
			   "SELECT public_id, payload FROM events FORCE INDEX "
			   "(ix_events_created) WHERE business_id = ? "
			   "AND " RECENT("")},
    [KC_SQL_EVENT_LIST_TYPE] = {"event_list_type",
				"SELECT public_id, payload FROM events FORCE "
				"INDEX (ix_events_type_created) WHERE "
				"business_id = ? AND type = ? AND " RECENT("")},
    [KC_SQL_EVENT_CURSOR] = {"event_cursor",
			     "SELECT id, created_at FROM events WHERE "
			     "business_id = ? AND public_id = ?"},
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
    /* A deleted endpoint too: its deliveries are still listed. */
    [KC_SQL_ENDPOINT_ID_ANY] = {"endpoint_id_any",
				"SELECT id FROM webhook_endpoints WHERE "
				"business_id = ? AND public_id = ?"},
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
    [KC_SQL_LEAD_LIST] = {"lead_list",
			  "SELECT " LEAD_COLS "FROM leads FORCE INDEX "
			  "(ix_leads_created) WHERE business_id = ? "
			  "AND " RECENT("")},
    [KC_SQL_LEAD_CURSOR] = {"lead_cursor",
			    "SELECT id, created_at FROM leads WHERE "
			    "business_id = ? AND public_id = ?"},
#define DELIVERY_COLS                                                          \
	"d.public_id, d.status, d.attempts, d.next_attempt_at, d.created_at, " \
	"d.updated_at, e.public_id, e.type, w.public_id, d.last_attempt_at, "  \
	"d.last_status_code, d.last_error, d.delivered_at, (SELECT "           \
	"p.public_id FROM deliveries p WHERE p.id = d.replay_of), (SELECT "    \
	"s.public_id FROM deliveries s WHERE s.id = d.superseded_by) "
/* Each join is by primary key, for the rows already chosen. */
#define DELIVERY_JOINS                                                         \
	"JOIN events e ON e.id = d.event_id AND e.business_id = "              \
	"d.business_id "                                                       \
	"JOIN webhook_endpoints w ON w.id = d.endpoint_id AND "                \
	"w.business_id = d.business_id "
/* The filters come in the order of the bits of kc_delivery_list's shape
 * (status, endpoint, event), each an internal id but status. An event has
 * a few deliveries: its index finds them all, and they are sorted. */
#define DELIVERY_LIST(ix, filters)                                             \
	"SELECT STRAIGHT_JOIN " DELIVERY_COLS                                  \
	"FROM deliveries d FORCE INDEX (" ix ") " DELIVERY_JOINS               \
	"WHERE d.business_id = ? " filters "AND " RECENT("d.")
    [KC_SQL_DELIVERY_LIST] = {"delivery_list",
			      DELIVERY_LIST("ix_deliveries_created", "")},
    [KC_SQL_DELIVERY_LIST_STATUS] = {"delivery_list_status",
				     DELIVERY_LIST(
					 "ix_deliveries_status_created",
					 "AND d.status = ? ")},
    [KC_SQL_DELIVERY_LIST_ENDPOINT] = {"delivery_list_endpoint",
				       DELIVERY_LIST(
					   "ix_deliveries_endpoint_created",
					   "AND d.endpoint_id = ? ")},
    [KC_SQL_DELIVERY_LIST_ENDPOINT_STATUS] =
	{"delivery_list_endpoint_status",
	 DELIVERY_LIST("ix_deliveries_endpoint_status",
		       "AND d.status = ? AND d.endpoint_id = ? ")},
    [KC_SQL_DELIVERY_LIST_EVENT] = {"delivery_list_event",
				    DELIVERY_LIST("ix_deliveries_event",
						  "AND d.event_id = ? ")},
    [KC_SQL_DELIVERY_LIST_EVENT_STATUS] =
	{"delivery_list_event_status",
	 DELIVERY_LIST("ix_deliveries_event",
		       "AND d.status = ? AND d.event_id = ? ")},
    [KC_SQL_DELIVERY_LIST_EVENT_ENDPOINT] =
	{"delivery_list_event_endpoint",
	 DELIVERY_LIST("ix_deliveries_event",
		       "AND d.endpoint_id = ? AND d.event_id = ? ")},
    [KC_SQL_DELIVERY_LIST_EVENT_ENDPOINT_STATUS] =
	{"delivery_list_event_endpoint_status",
	 DELIVERY_LIST("ix_deliveries_event", "AND d.status = ? AND "
					      "d.endpoint_id = ? AND "
					      "d.event_id = ? ")},
    [KC_SQL_DELIVERY_GET] = {"delivery_get", "SELECT " DELIVERY_COLS
					     "FROM deliveries d " DELIVERY_JOINS
					     "WHERE d.business_id = ? AND "
					     "d.public_id = ?"},
    [KC_SQL_ATTEMPT_LIST] =
	{"attempt_list",
	 "SELECT attempt_no, started_at, duration_ms, status_code, error, ok, "
	 "response_snippet FROM delivery_attempts WHERE business_id = ? AND "
	 "delivery_id = (SELECT id FROM deliveries WHERE business_id = ? AND "
	 "public_id = ?) ORDER BY id LIMIT 100"},
    [KC_SQL_DELIVERY_CURSOR] = {"delivery_cursor",
				"SELECT id, created_at FROM deliveries WHERE "
				"business_id = ? AND public_id = ?"},
    [KC_SQL_IDEM_INSERT] =
	{"idem_insert",
	 /* No wait for a key another request holds: that request is
	  * still running, and the answer is 409 at once. */
	 "SET STATEMENT innodb_lock_wait_timeout = 0 FOR "
	 "INSERT INTO idempotency_keys (business_id, idem_key, fingerprint, "
	 "status, created_at) VALUES (?, ?, ?, 0, UTC_TIMESTAMP(6))"},
    /* The second try, after a lock the first met: a duplicate check also
     * locks the gap before a neighbouring key, so that lock may be
     * another key's, held for a moment; a second wait tells them apart. */
    [KC_SQL_IDEM_INSERT_WAIT] =
	{"idem_insert_wait",
	 "SET STATEMENT innodb_lock_wait_timeout = 1 FOR "
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
	 "SELECT id, business_id, idem_key, response, status, fingerprint "
	 "FROM idempotency_keys WHERE sealed = 0 AND response IS NOT NULL "
	 "ORDER BY id LIMIT ?"},
    [KC_SQL_IDEM_PLAINTEXT_COUNT] = {"idem_plaintext_count",
				     "SELECT COUNT(*) FROM idempotency_keys "
				     "WHERE sealed = 0 AND response IS NOT "
				     "NULL"},
    /* A key past its 24 hours goes in a short transaction of its own,
     * before the request's, which then never holds its lock for long. */
    [KC_SQL_IDEM_EXPIRE] =
	{"idem_expire", "DELETE FROM idempotency_keys WHERE business_id = ? "
			"AND idem_key = ? AND created_at < "
			"UTC_TIMESTAMP(6) - INTERVAL 24 HOUR"},
    [KC_SQL_IDEM_SEAL] =
	{"idem_seal", "UPDATE idempotency_keys SET response = ?, sealed = 1 "
		      "WHERE id = ? AND sealed = 0"},
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
/* A list leaves the transcripts out (up to 256 KiB each), so it does not
 * read them either. */
#define CALL_LIST_COLS                                                         \
	"public_id, agent_public_id, direction, from_number, to_number, "      \
	"status, started_at, ended_at, duration_seconds, outcome, summary, "   \
	"NULL, recording_url, created_at "
    [KC_SQL_CALL_LIST] = {"call_list",
			  "SELECT " CALL_LIST_COLS
			  "FROM calls FORCE INDEX (ix_calls_created) WHERE "
			  "business_id = ? AND " RECENT("")},
    [KC_SQL_CALL_LIST_STATUS] = {"call_list_status",
				 "SELECT " CALL_LIST_COLS
				 "FROM calls FORCE INDEX "
				 "(ix_calls_status_created) WHERE business_id "
				 "= ? AND status = ? AND " RECENT("")},
    [KC_SQL_CALL_CURSOR] = {"call_cursor",
			    "SELECT id, created_at FROM calls WHERE "
			    "business_id = ? AND public_id = ?"},
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
    [KC_SQL_FOLLOWUP_LIST] = {"followup_list",
			      "SELECT " FOLLOWUP_COLS
			      "FROM followups FORCE INDEX "
			      "(ix_followups_created) WHERE business_id = ? "
			      "AND " RECENT("")},
    [KC_SQL_FOLLOWUP_LIST_STATUS] = {"followup_list_status",
				     "SELECT " FOLLOWUP_COLS
				     "FROM followups FORCE INDEX "
				     "(ix_followups_status_created) WHERE "
				     "business_id = ? AND status = ? "
				     "AND " RECENT("")},
    [KC_SQL_FOLLOWUP_CURSOR] = {"followup_cursor",
				"SELECT id, created_at FROM followups WHERE "
				"business_id = ? AND public_id = ?"},
/* A batch of ids as a table, always joined first (STRAIGHT_JOIN): the
 * optimizer knows nothing of its size and may otherwise scan the big table
 * and probe this one. */
#define IDS_TABLE                                                              \
	"JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j "
    /* The delivery engine (lib/delivery/kc_queue.c explains the
     * locking). Whatever makes a delivery owed leaves a wake-up, insert
     * only: no queue row is read or locked outside the worker. Times go
     * to C as epoch milliseconds, rounded up (and now rounded down), so
     * that "now >= t" in C never runs ahead of the database. */
    [KC_SQL_WAKEUP_INSERT] = {"wakeup_insert",
			      "INSERT INTO delivery_wakeups (endpoint_id, "
			      "business_id, releases) VALUES (?, ?, ?)"},
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
			    "SELECT id, endpoint_id, business_id, releases "
			    "FROM delivery_wakeups ORDER BY id LIMIT ? FOR "
			    "UPDATE SKIP LOCKED"},
    [KC_SQL_WAKEUP_TAKE_BUSINESS] =
	{"wakeup_take_business",
	 "SELECT id, endpoint_id, business_id, releases FROM delivery_wakeups "
	 "WHERE business_id = ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED"},
    /* Locked queue rows whose hold a wake-up ends. */
    [KC_SQL_QUEUE_RELEASE] = {"queue_release",
			      "UPDATE " IDS_TABLE
			      "STRAIGHT_JOIN delivery_queues q ON "
			      "q.endpoint_id = j.id SET q.hold_until = NULL"},
    /* The woken endpoints' queue rows that no other transaction holds
     * (another worker's claim or recording: its wake-ups wait for the next
     * turn rather than the worker for that lock). */
    [KC_SQL_QUEUE_WAKE_LOCK] =
	{"queue_wake_lock",
	 "SELECT q.endpoint_id FROM " IDS_TABLE
	 "STRAIGHT_JOIN delivery_queues q ON q.endpoint_id = j.id FOR UPDATE "
	 "SKIP LOCKED"},
    /* Woken endpoints with no queue row (an endpoint written by hand). */
    [KC_SQL_QUEUE_MISSING] = {"queue_missing",
			      "SELECT j.id FROM " IDS_TABLE
			      "WHERE NOT EXISTS (SELECT 1 FROM "
			      "delivery_queues q WHERE q.endpoint_id = j.id)"},
    /* [[endpoint, business], ...] in endpoint order, rows locked above or
     * missing: each queue is due now unless it already was, or when its
     * hold ends if it is held (created if it is missing). A second's wait
     * at most, for a row another worker creates at the same moment. */
    [KC_SQL_QUEUE_WAKE] =
	{"queue_wake",
	 "SET STATEMENT innodb_lock_wait_timeout = 1 FOR INSERT INTO "
	 "delivery_queues (endpoint_id, business_id, due_at) "
	 "SELECT j.e, j.b, UTC_TIMESTAMP(6) FROM JSON_TABLE(?, '$[*]' COLUMNS "
	 "(e BIGINT UNSIGNED PATH '$[0]', b BIGINT UNSIGNED PATH '$[1]')) j "
	 "ON DUPLICATE KEY UPDATE delivery_queues.due_at = "
	 "IF(delivery_queues.due_at IS NULL OR delivery_queues.due_at > "
	 "GREATEST(UTC_TIMESTAMP(6), COALESCE(delivery_queues.hold_until, "
	 "UTC_TIMESTAMP(6))), GREATEST(UTC_TIMESTAMP(6), "
	 "COALESCE(delivery_queues.hold_until, UTC_TIMESTAMP(6))), "
	 "delivery_queues.due_at)"},
    /* The endpoints to look at, longest waiting first; not locked. */
    [KC_SQL_QUEUE_DUE] = {"queue_due",
			  "SELECT endpoint_id FROM delivery_queues WHERE "
			  "due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ?"},
    [KC_SQL_QUEUE_DUE_BUSINESS] =
	{"queue_due_business",
	 "SELECT endpoint_id FROM delivery_queues WHERE business_id = ? AND "
	 "due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ?"},
    /* The candidates' queue rows, locked in the order of the id list,
     * skipping those another transaction holds: only workers lock queue
     * rows (ingest leaves wake-ups), so a held row is another worker's
     * claim or recording of that endpoint, or something stuck; either
     * way the endpoint stays due for a later claim and no claim waits.
     * Joined from the list, so no other row is read, let alone locked. */
    [KC_SQL_QUEUE_LOCK] =
	{"queue_lock",
	 "SELECT q.endpoint_id, q.due_at <= UTC_TIMESTAMP(6), "
	 "CEIL(UNIX_TIMESTAMP(q.paused_until) * 1000), q.tokens, "
	 "FLOOR(UNIX_TIMESTAMP(q.tokens_at) * 1000), "
	 "FLOOR(UNIX_TIMESTAMP(UTC_TIMESTAMP(6)) * 1000), q.in_flight, "
	 "q.business_id FROM " IDS_TABLE
	 "STRAIGHT_JOIN delivery_queues q ON q.endpoint_id = j.id FOR "
	 "UPDATE SKIP LOCKED"},
    /* Not locking, after the queue rows were: settings and breaker as
     * committed. */
    [KC_SQL_QUEUE_ENDPOINTS] =
	{"queue_endpoints",
	 "SELECT w.id, w.enabled = 1 AND w.deleted_at IS NULL, w.rate_limit, "
	 "w.max_in_flight, w.breaker_state = 'open', "
	 "CEIL(UNIX_TIMESTAMP(w.breaker_until) * 1000), w.business_id "
	 "FROM " IDS_TABLE "STRAIGHT_JOIN webhook_endpoints w ON w.id = j.id"},
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
     * transaction holds; and whether the row, its event and the endpoint
     * (whose business is the first ?) are of one business. The event is
     * read by primary key, without a lock (a subquery's read is not a
     * locking one), from the statement's snapshot: a delivery committed
     * after it began is still read by the locking read while its event is
     * not seen, so an event not seen counts as the row's own (the foreign
     * key says it exists; DELIVERY_CLAIMED joins it again). */
    [KC_SQL_DELIVERY_CLAIM] =
	{"delivery_claim",
	 "SELECT d.id, d.status = 'in_flight', d.business_id = ? AND "
	 "COALESCE((SELECT e.business_id FROM events e WHERE e.id = "
	 "d.event_id), d.business_id) = d.business_id FROM deliveries d WHERE "
	 "d.endpoint_id = ? AND "
	 "d.next_attempt_at <= UTC_TIMESTAMP(6) ORDER BY d.next_attempt_at "
	 "LIMIT ? FOR UPDATE SKIP LOCKED"},
    /* Rows a claim took whose event or endpoint is another business's:
     * no code path writes them (a bug or a hand-made repair might), they
     * are never sent, and left owed they would hold a slot for ever. */
    [KC_SQL_DELIVERY_CROSSED_DEAD] =
	{"delivery_crossed_dead",
	 "UPDATE " IDS_TABLE "STRAIGHT_JOIN deliveries d ON d.id = j.id SET "
	 "d.status = 'dead', d.next_attempt_at = NULL, d.lease_owner = NULL, "
	 "d.lease_until = NULL, d.last_error = 'not sent: its event or "
	 "endpoint belongs to another business', d.updated_at = "
	 "UTC_TIMESTAMP(6)"},
    /* The earliest each endpoint owes, in flight included (after the
     * lease, so the claimed ones count at their lease's end). */
    [KC_SQL_DELIVERY_OWED_MIN] =
	{"delivery_owed_min",
	 "SELECT j.id, (SELECT CEIL(UNIX_TIMESTAMP(MIN(d.next_attempt_at)) * "
	 "1000) FROM deliveries d WHERE d.endpoint_id = j.id AND "
	 "d.next_attempt_at IS NOT NULL) FROM " IDS_TABLE},
    /* [[endpoint, due_at, tokens, tokens_at, in_flight, hold_until],
     * ...]: rows the claim holds. */
    [KC_SQL_QUEUE_SET] =
	{"queue_set",
	 "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT UNSIGNED PATH '$[0]', "
	 "due DATETIME(6) PATH '$[1]', tokens DOUBLE PATH '$[2]', at "
	 "DATETIME(6) PATH '$[3]', f INT PATH '$[4]', h DATETIME(6) PATH "
	 "'$[5]')) j STRAIGHT_JOIN delivery_queues q ON q.endpoint_id = j.e "
	 "SET q.due_at = j.due, q.tokens = j.tokens, q.tokens_at = j.at, "
	 "q.in_flight = j.f, q.hold_until = j.h"},
    /* After outcomes were recorded: a slot came free, so the endpoint is
     * looked at again now, or when its hold ends (the claim holds it again
     * if it must wait); a Retry-After pauses it. A second's wait at most:
     * a row held longer is left as it is (kc_record.c). */
    [KC_SQL_QUEUE_RECORDED] =
	{"queue_recorded",
	 "SET STATEMENT innodb_lock_wait_timeout = 1 FOR UPDATE "
	 "delivery_queues SET due_at = IF(due_at IS NULL OR due_at > "
	 "GREATEST(UTC_TIMESTAMP(6), COALESCE(hold_until, UTC_TIMESTAMP(6))), "
	 "GREATEST(UTC_TIMESTAMP(6), COALESCE(hold_until, UTC_TIMESTAMP(6))), "
	 "due_at), paused_until = IF(? IS "
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
    /* The breaker as it stands, locked until the batch commits. A
     * second's wait at most (an ingest's foreign key check shares the row
     * until it commits): a row held longer keeps its health as it is. */
    [KC_SQL_ENDPOINT_BREAKER_LOCK] =
	{"endpoint_breaker_lock",
	 "SET STATEMENT innodb_lock_wait_timeout = 1 FOR SELECT breaker_state "
	 "= 'open', breaker_failures, breaker_opens, "
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
	 "?, breaker_opens = ?, breaker_opened_at = ?, breaker_until = ?, "
	 "breaker_event = COALESCE(?, breaker_event) WHERE id = ?"},
    /* A breaker transition still to be told (kc_record.c), locked while
     * its event is written. */
    [KC_SQL_ENDPOINT_BREAKER_PENDING_LOCK] =
	{"endpoint_breaker_pending_lock",
	 "SELECT breaker_event FROM webhook_endpoints WHERE id = ? AND "
	 "breaker_event IS NOT NULL FOR UPDATE"},
    [KC_SQL_ENDPOINT_BREAKER_TOLD] =
	{"endpoint_breaker_told",
	 "UPDATE webhook_endpoints SET breaker_event = NULL WHERE id = ?"},
    /* Those a killed worker left untold; every business (a few rows). */
    [KC_SQL_ENDPOINT_BREAKER_UNTOLD] =
	{"endpoint_breaker_untold",
	 "SELECT id FROM webhook_endpoints WHERE breaker_event IS NOT NULL "
	 "ORDER BY id LIMIT 100"},
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
    /* A new URL is a new receiver: the old one's breaker and failure
     * streak say nothing of it. */
    [KC_SQL_ENDPOINT_BREAKER_RESET] =
	{"endpoint_breaker_reset",
	 "UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since "
	 "= NULL, breaker_state = 'closed', breaker_failures = 0, "
	 "breaker_opens = 0, breaker_until = NULL WHERE business_id = ? AND "
	 "id = ?"},
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
	 "JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.business_id "
	 "= d.business_id WHERE d.business_id = ? AND d.public_id = ? FOR "
	 "UPDATE"},
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
    /* kcctl maintain repairs the delivery queues (kc_maintain.c): every
     * endpoint has one (an endpoint written by hand, or by a binary older
     * than migration 011 during a rolling upgrade, may not). */
    [KC_SQL_REPAIR_QUEUES_MISSING] =
	{"repair_queues_missing",
	 "INSERT IGNORE INTO delivery_queues (endpoint_id, business_id) "
	 "SELECT w.id, w.business_id FROM webhook_endpoints w WHERE NOT EXISTS "
	 "(SELECT 1 FROM delivery_queues q WHERE q.endpoint_id = w.id)"},
    /* The next queue rows after an endpoint id, locked unless a worker
     * holds them (then it is writing them anyway). */
    [KC_SQL_REPAIR_QUEUES_LOCK] =
	{"repair_queues_lock",
	 "SELECT endpoint_id FROM delivery_queues WHERE endpoint_id > ? ORDER "
	 "BY endpoint_id LIMIT ? FOR UPDATE SKIP LOCKED"},
    /* What the locked queues should say: the earliest each owes and how
     * many it has in flight (as committed: a recording not yet committed
     * lowers the count itself after this). */
    [KC_SQL_REPAIR_QUEUES_READ] =
	{"repair_queues_read",
	 "SELECT j.id, (SELECT MIN(d.next_attempt_at) FROM deliveries d WHERE "
	 "d.endpoint_id = j.id AND d.next_attempt_at IS NOT NULL), (SELECT "
	 "COUNT(*) FROM deliveries d WHERE d.endpoint_id = j.id AND d.status = "
	 "'in_flight') FROM " IDS_TABLE},
    /* [[endpoint, owed, in_flight], ...]: a queue that says nothing is
     * owed while something is becomes due then; its count is set right.
     * A later due_at is left alone: it is a hold or a limit. */
    [KC_SQL_REPAIR_QUEUES_SET] =
	{"repair_queues_set",
	 "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT UNSIGNED PATH '$[0]', "
	 "owed DATETIME(6) PATH '$[1]', f INT PATH '$[2]')) j STRAIGHT_JOIN "
	 "delivery_queues q ON q.endpoint_id = j.e SET q.due_at = "
	 "COALESCE(q.due_at, j.owed), q.in_flight = j.f"},

    /* GET /metrics, across every business (the operator's view). The
     * counters kept by the triggers of sql/010_metrics.sql: a few hundred
     * rows, read in primary key order. */
    /* kcctl maintain folds the rows of connections that have ended into
     * shard 0 (sql/017). The app's connections all use one account, which
     * sees its own threads in the process list. */
    [KC_SQL_METRIC_DEAD_SHARDS] =
	{"metric_dead_shards",
	 "SELECT DISTINCT shard FROM metric_counters WHERE shard <> 0 AND "
	 "shard - 1 NOT IN (SELECT ID FROM information_schema.PROCESSLIST) "
	 "LIMIT 1000"},
    [KC_SQL_METRIC_SHARD_LOCK] = {"metric_shard_lock",
				  "SELECT name, label, value FROM "
				  "metric_counters WHERE shard = ? FOR UPDATE"},
    [KC_SQL_METRIC_ARCHIVE_ADD] =
	{"metric_archive_add",
	 "INSERT INTO metric_counters (name, label, shard, value) VALUES (?, "
	 "?, 0, ?) ON DUPLICATE KEY UPDATE value = value + VALUES(value)"},
    [KC_SQL_METRIC_ROW_DELETE] = {"metric_row_delete",
				  "DELETE FROM metric_counters WHERE name = ? "
				  "AND label = ? AND shard = ?"},
    [KC_SQL_METRIC_COUNTERS] = {"metric_counters",
				"SELECT name, label, SUM(value) FROM "
				"metric_counters GROUP BY name, label"},
    /* The due backlog from the claim's index: its oldest in O(log n)
     * (MIN over an index range), its size counted up to a limit, so a
     * scrape never walks a backlog of millions. */
    [KC_SQL_METRIC_DUE] =
	{"metric_due",
	 "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE "
	 "next_attempt_at <= UTC_TIMESTAMP(6) LIMIT ?) d), "
	 "COALESCE(TIMESTAMPDIFF(MICROSECOND, (SELECT MIN(next_attempt_at) "
	 "FROM deliveries WHERE next_attempt_at <= UTC_TIMESTAMP(6)), "
	 "UTC_TIMESTAMP(6)), 0)"},
/* Compliance (lib/compliance/). Lists take their filters once, each
 * shape its own statement served by its own index. */
#define CONSENT_COLS                                                           \
	"public_id, phone, channel, kind, source, evidence, captured_at, "     \
	"created_at, revoked_at, id "
    [KC_SQL_CONSENT_INSERT] =
	{"consent_insert",
	 "INSERT INTO consents (public_id, business_id, phone, channel, kind, "
	 "source, evidence, captured_at, created_at) VALUES (?, ?, ?, ?, ?, ?, "
	 "?, ?, UTC_TIMESTAMP(6))"},
    [KC_SQL_CONSENT_GET] = {"consent_get",
			    "SELECT " CONSENT_COLS
			    "FROM consents WHERE business_id = ? AND "
			    "public_id = ?"},
    [KC_SQL_CONSENT_LOCK] = {"consent_lock",
			     "SELECT " CONSENT_COLS
			     "FROM consents WHERE business_id = ? AND "
			     "public_id = ? FOR UPDATE"},
    [KC_SQL_CONSENT_REVOKE] =
	{"consent_revoke",
	 "UPDATE consents SET revoked_at = UTC_TIMESTAMP(6) WHERE business_id "
	 "= ? AND id = ? AND revoked_at IS NULL"},
    [KC_SQL_CONSENT_CURSOR] =
	{"consent_cursor",
	 "SELECT id FROM consents WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_CONSENT_LIST] = {"consent_list",
			     "SELECT " CONSENT_COLS
			     "FROM consents WHERE business_id = ? AND id < ? "
			     "ORDER BY id DESC LIMIT ?"},
    [KC_SQL_CONSENT_LIST_PHONE] =
	{"consent_list_phone",
	 "SELECT " CONSENT_COLS "FROM consents WHERE business_id = ? AND phone "
	 "= ? AND id < ? ORDER BY id DESC LIMIT ?"},
    [KC_SQL_CONSENT_LIST_PHONE_CHANNEL] =
	{"consent_list_phone_channel",
	 "SELECT " CONSENT_COLS "FROM consents WHERE business_id = ? AND phone "
	 "= ? AND channel = ? AND id < ? ORDER BY id DESC LIMIT ?"},
    [KC_SQL_CONSENT_LIST_CHANNEL] =
	{"consent_list_channel",
	 "SELECT " CONSENT_COLS "FROM consents WHERE business_id = ? AND "
	 "channel = ? AND id < ? ORDER BY id DESC LIMIT ?"},
#define DNC_COLS                                                               \
	"public_id, phone, voice, sms, reason, message_sid, created_at, "      \
	"removed_at, id "
    [KC_SQL_DNC_INSERT] =
	{"dnc_insert",
	 "INSERT INTO dnc_entries (public_id, business_id, phone, voice, sms, "
	 "reason, message_sid, optout_phone, created_at) VALUES (?, ?, ?, ?, "
	 "?, ?, ?, ?, UTC_TIMESTAMP(6))"},
    [KC_SQL_DNC_GET] = {"dnc_get", "SELECT " DNC_COLS
				   "FROM dnc_entries WHERE business_id = ? AND "
				   "public_id = ?"},
    [KC_SQL_DNC_LOCK] = {"dnc_lock", "SELECT " DNC_COLS
				     "FROM dnc_entries WHERE business_id = ? "
				     "AND public_id = ? FOR UPDATE"},
    [KC_SQL_DNC_REMOVE] =
	{"dnc_remove",
	 "UPDATE dnc_entries SET removed_at = UTC_TIMESTAMP(6), optout_phone "
	 "= NULL WHERE business_id = ? AND id = ? AND removed_at IS NULL"},
    [KC_SQL_DNC_CURSOR] =
	{"dnc_cursor",
	 "SELECT id FROM dnc_entries WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_DNC_LIST] = {"dnc_list", "SELECT " DNC_COLS
				     "FROM dnc_entries WHERE business_id = ? "
				     "AND id < ? ORDER BY id DESC LIMIT ?"},
    [KC_SQL_DNC_LIST_PHONE] =
	{"dnc_list_phone",
	 "SELECT " DNC_COLS "FROM dnc_entries WHERE business_id = ? AND phone "
	 "= ? AND id < ? ORDER BY id DESC LIMIT ?"},
    [KC_SQL_DNC_OPTOUT_LOCK] = {"dnc_optout_lock",
				"SELECT " DNC_COLS
				"FROM dnc_entries WHERE business_id = ? AND "
				"optout_phone = ? FOR UPDATE"},
    [KC_SQL_REGISTRY_IMPORT_INSERT] =
	{"registry_import_insert",
	 "INSERT INTO dnc_registry_imports (state, file_name, file_sha256, "
	 "numbers, actor, started_at) VALUES ('loading', ?, '', 0, ?, "
	 "UTC_TIMESTAMP(6))"},
    /* A batch of numbers as a JSON array, sorted: they go in near the end
     * of the primary key. A number the file repeats is loaded once. */
    [KC_SQL_REGISTRY_LOAD] =
	{"registry_load",
	 "INSERT IGNORE INTO dnc_registry (version, number) SELECT ?, j.n FROM "
	 "JSON_TABLE(?, '$[*]' COLUMNS (n BIGINT UNSIGNED PATH '$')) j"},
    [KC_SQL_REGISTRY_DROP] = {"registry_drop",
			      "DELETE FROM dnc_registry WHERE version = ? "
			      "ORDER BY number LIMIT ?"},
    [KC_SQL_REGISTRY_IMPORT_FAILED] =
	{"registry_import_failed",
	 "UPDATE dnc_registry_imports SET state = 'failed' WHERE id = ?"},
    [KC_SQL_REGISTRY_CURRENT_LOCK] =
	{"registry_current_lock",
	 "SELECT version FROM dnc_registry_current WHERE id = 1 FOR UPDATE"},
    [KC_SQL_REGISTRY_SET_CURRENT] = {"registry_set_current",
				     "UPDATE dnc_registry_current SET "
				     "version = ? WHERE id = 1"},
    [KC_SQL_REGISTRY_IMPORT_CURRENT] =
	{"registry_import_current",
	 "UPDATE dnc_registry_imports SET state = 'current', numbers = ?, "
	 "file_sha256 = ?, current_at = UTC_TIMESTAMP(6) WHERE id = ?"},
    [KC_SQL_REGISTRY_IMPORT_REPLACED] =
	{"registry_import_replaced",
	 "UPDATE dnc_registry_imports SET state = 'replaced' WHERE id < ? AND "
	 "state = 'current'"},
    /* Versions before the current one (replaced, or loads that never
     * finished), in batches: a short lock each. */
    [KC_SQL_REGISTRY_PURGE] = {"registry_purge",
			       "DELETE FROM dnc_registry WHERE version < ? "
			       "ORDER BY version, number LIMIT ?"},
    [KC_SQL_REGISTRY_STATUS] =
	{"registry_status",
	 "SELECT c.version, i.numbers, i.file_name, i.file_sha256, "
	 "i.current_at, i.actor, TIMESTAMPDIFF(SECOND, i.current_at, "
	 "UTC_TIMESTAMP()) FROM dnc_registry_current c LEFT JOIN "
	 "dnc_registry_imports i ON i.id = c.version WHERE c.id = 1"},
    [KC_SQL_REGISTRY_HAS] =
	{"registry_has",
	 "SELECT EXISTS (SELECT 1 FROM dnc_registry_current c JOIN "
	 "dnc_registry r ON r.version = c.version AND r.number = ? WHERE c.id "
	 "= 1)"},
/* How old the current registry is, in seconds, and when it was made
 * current (UTC, ISO 8601); both NULL before the first import. The age is
 * the server's arithmetic on UTC columns, whatever the session's zone. */
#define REGISTRY_AGE                                                           \
	"(SELECT TIMESTAMPDIFF(SECOND, i.current_at, UTC_TIMESTAMP()) FROM "   \
	"dnc_registry_current rc JOIN dnc_registry_imports i ON i.id = "       \
	"rc.version WHERE rc.id = 1), (SELECT DATE_FORMAT(i.current_at, "      \
	"'%Y-%m-%dT%H:%i:%sZ') FROM dnc_registry_current rc JOIN "             \
	"dnc_registry_imports i ON i.id = rc.version WHERE rc.id = 1) "
/* Everything the compliance check reads, in one round trip: each
 * subquery is one lookup of one index, named (ordered by id, the DNC list
 * would otherwise be walked by business in id order, every entry of it).
 * Parameters: from; to, voice?, sms? (the business's DNC); to, voice?, sms?
 * (opt-outs); the ten digits (registry); to, channel (consent); the business.
 */
#define DNC_MATCH                                                              \
	"FROM dnc_entries d FORCE INDEX (ix_dnc_entries_phone) WHERE "         \
	"d.business_id = b.id AND d.phone = ? AND "                            \
	"d.removed_at IS NULL AND ((? = 1 AND d.voice = 1) OR (? = 1 AND "     \
	"d.sms = 1)) "
    [KC_SQL_COMPLIANCE_FACTS] =
	{"compliance_facts",
	 "SELECT b.timezone, b.calling_hours_start, b.calling_hours_end, "
	 "EXISTS (SELECT 1 FROM phone_numbers n WHERE n.e164 = ? AND "
	 "n.business_id = b.id), (SELECT d.public_id " DNC_MATCH
	 "AND d.reason <> 'stop_keyword' ORDER BY d.id LIMIT 1), (SELECT "
	 "d.public_id " DNC_MATCH
	 "AND d.reason = 'stop_keyword' ORDER BY d.id LIMIT 1), EXISTS "
	 "(SELECT 1 FROM dnc_registry_current c JOIN dnc_registry r ON "
	 "r.version = c.version AND r.number = ? WHERE c.id = 1), (SELECT "
	 "CONCAT(c.kind, ' ', c.public_id) FROM consents c FORCE INDEX "
	 "(ix_consents_phone) WHERE c.business_id = b.id AND c.phone = ? AND "
	 "c.channel = ? AND c.revoked_at IS NULL "
	 "ORDER BY c.kind = 'written' DESC, c.id DESC LIMIT 1), " REGISTRY_AGE
	 "FROM businesses b WHERE b.id = ?"},
#define SETTINGS_COLS                                                          \
	"public_id, name, timezone, sms_help_text, calling_hours_start, "      \
	"calling_hours_end "
    [KC_SQL_COMPLIANCE_SETTINGS_GET] = {"compliance_settings_get",
					"SELECT " SETTINGS_COLS
					"FROM businesses WHERE id = ?"},
    [KC_SQL_COMPLIANCE_SETTINGS_LOCK] = {"compliance_settings_lock",
					 "SELECT " SETTINGS_COLS
					 "FROM businesses WHERE id = ? FOR "
					 "UPDATE"},
    [KC_SQL_COMPLIANCE_SETTINGS_SET] =
	{"compliance_settings_set",
	 "UPDATE businesses SET sms_help_text = ?, calling_hours_start = ?, "
	 "calling_hours_end = ? WHERE id = ?"},
    /* An opt-out's SMS channel, set by STOP or cleared by START, on the
     * live entry its caller has locked. */
    [KC_SQL_DNC_SET_SMS] = {"dnc_set_sms",
			    "UPDATE dnc_entries SET sms = ? WHERE business_id "
			    "= ? AND id = ? AND removed_at IS NULL"},
/* The audit log's filters. since and until become a span of ids
 * first (AUDIT_ID_*, on the time index), so a list walks only the
 * rows of its span; the times are then compared exactly. */
#define AUDIT_COLS                                                             \
	"public_id, actor_type, actor_id, action, target_type, target_id, "    \
	"before_json, after_json, request_id, created_at "
#define AUDIT_SPAN                                                             \
	"AND id < ? AND id BETWEEN ? AND ? AND created_at >= ? AND "           \
	"created_at "                                                          \
	"< ? ORDER BY id DESC LIMIT ?"
/* An audit row's id and time come from the same INSERT, so they never
 * disagree by a second: every row at or after since comes after the
 * last row more than a second before it, and every row before until
 * before the first row more than a second after it. */
/* End of compliance. */
/* An audit row's id and time come from the same INSERT, so they never
 * disagree by a second: every row at or after since comes after the
 * last row more than a second before it, and every row before until
 * before the first row more than a second after it. */
/* End of compliance. */

/* Outbound (lib/outbound/). The lists take status and to as filters, in
 * that order, each shape with its own index, each kind its statements. */
#define OUTBOUND_COLS                                                          \
	"public_id, kind, purpose, to_number, from_number, agent_public_id, "  \
	"lead_public_id, timezone, body, context, status, blocked_code, "      \
	"blocked_detail, blocked_stage, checks, send_checks, carrier_sid, "    \
	"carrier_status, error_code, error_message, attempts, "                \
	"next_attempt_at, duration_seconds, created_at, updated_at, sent_at, " \
	"answered_at, ended_at, id "
#define OUTBOUND_LIST(kind, ix, filters)                                       \
	"SELECT " OUTBOUND_COLS "FROM outbound_actions FORCE INDEX (" ix       \
	") WHERE business_id = ? AND kind = '" kind "' " filters               \
	"AND " RECENT("")
    /* A queued action is due at once; a blocked one has ended. The row
     * comes back as stored, for the answer, in the same round trip. */
    [KC_SQL_OUTBOUND_INSERT] =
	{"outbound_insert",
	 "INSERT INTO outbound_actions (public_id, business_id, kind, purpose, "
	 "to_number, from_number, agent_public_id, lead_public_id, timezone, "
	 "body, context, status, blocked_code, blocked_detail, blocked_stage, "
	 "checks, next_attempt_at, ended_at, created_at, updated_at) VALUES "
	 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? = 1 "
	 "THEN UTC_TIMESTAMP(6) END, CASE WHEN ? = 0 THEN UTC_TIMESTAMP(6) "
	 "END, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)) RETURNING " OUTBOUND_COLS},
    [KC_SQL_OUTBOUND_GET] = {"outbound_get",
			     "SELECT " OUTBOUND_COLS
			     "FROM outbound_actions WHERE business_id = ? "
			     "AND public_id = ?"},
    [KC_SQL_OUTBOUND_CURSOR] = {"outbound_cursor",
				"SELECT id, created_at FROM outbound_actions "
				"WHERE business_id = ? AND public_id = ?"},
    [KC_SQL_OUTBOUND_CALL_LIST] = {"outbound_call_list",
				   OUTBOUND_LIST("call", "ix_outbound_created",
						 "")},
    [KC_SQL_OUTBOUND_CALL_LIST_STATUS] = {"outbound_call_list_status",
					  OUTBOUND_LIST(
					      "call",
					      "ix_outbound_status_created",
					      "AND status = ? ")},
    [KC_SQL_OUTBOUND_CALL_LIST_TO] = {"outbound_call_list_to",
				      OUTBOUND_LIST("call",
						    "ix_outbound_to_created",
						    "AND to_number = ? ")},
    [KC_SQL_OUTBOUND_CALL_LIST_TO_STATUS] = {"outbound_call_list_to_status",
					     OUTBOUND_LIST(
						 "call",
						 "ix_outbound_to_status_"
						 "created",
						 "AND status = ? AND "
						 "to_number = ? ")},
    [KC_SQL_OUTBOUND_MESSAGE_LIST] = {"outbound_message_list",
				      OUTBOUND_LIST("message",
						    "ix_outbound_created", "")},
    [KC_SQL_OUTBOUND_MESSAGE_LIST_STATUS] = {"outbound_message_list_status",
					     OUTBOUND_LIST(
						 "message",
						 "ix_outbound_status_created",
						 "AND status = ? ")},
    [KC_SQL_OUTBOUND_MESSAGE_LIST_TO] = {"outbound_message_list_to",
					 OUTBOUND_LIST("message",
						       "ix_outbound_to_created",
						       "AND to_number = ? ")},
    [KC_SQL_OUTBOUND_MESSAGE_LIST_TO_STATUS] =
	{"outbound_message_list_to_status",
	 OUTBOUND_LIST("message", "ix_outbound_to_status_created",
		       "AND status = ? AND to_number = ? ")},
    [KC_SQL_OUTBOUND_LEAD_EXISTS] =
	{"outbound_lead_exists",
	 "SELECT id FROM leads WHERE business_id = ? AND public_id = ?"},
    /* The worker's claim, as the delivery engine's: due rows (new, a
     * retry whose time has come, a cap's minute that has passed, a lease
     * that ran out) in one range of one index, skipping rows another
     * worker holds. */
    [KC_SQL_OUTBOUND_CLAIM] =
	{"outbound_claim",
	 "SELECT id, business_id, kind, status FROM outbound_actions WHERE "
	 "next_attempt_at <= UTC_TIMESTAMP(6) ORDER BY next_attempt_at LIMIT ? "
	 "FOR UPDATE SKIP LOCKED"},
    [KC_SQL_OUTBOUND_CLAIM_BUSINESS] =
	{"outbound_claim_business",
	 "SELECT id, business_id, kind, status FROM outbound_actions WHERE "
	 "business_id = ? AND next_attempt_at <= UTC_TIMESTAMP(6) ORDER BY "
	 "next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED"},
    [KC_SQL_OUTBOUND_ANY_DUE] =
	{"outbound_any_due", "SELECT EXISTS (SELECT 1 FROM outbound_actions "
			     "WHERE next_attempt_at <= UTC_TIMESTAMP(6))"},
    [KC_SQL_OUTBOUND_ANY_DUE_BUSINESS] =
	{"outbound_any_due_business",
	 "SELECT EXISTS (SELECT 1 FROM outbound_actions WHERE business_id = ? "
	 "AND next_attempt_at <= UTC_TIMESTAMP(6))"},
    /* Over the business's cap: back to the queue until its next minute. */
    [KC_SQL_OUTBOUND_DEFER] =
	{"outbound_defer",
	 "UPDATE " IDS_TABLE "STRAIGHT_JOIN outbound_actions a ON a.id = j.id "
	 "SET a.next_attempt_at = ?, a.updated_at = UTC_TIMESTAMP(6)"},
    /* A business at its cap: every due action of that kind waits for the
     * next minute at once (one range of ix_outbound_business_next), so
     * that its backlog is not claimed and put back a batch at a time
     * ahead of every other business's work. Run outside the claim's
     * transaction: it waits for rows another claim holds, and holds
     * nothing of its own meanwhile. */
    [KC_SQL_OUTBOUND_DEFER_BUSINESS] =
	{"outbound_defer_business",
	 "UPDATE outbound_actions FORCE INDEX (ix_outbound_business_next) SET "
	 "next_attempt_at = ?, updated_at = UTC_TIMESTAMP(6) WHERE business_id "
	 "= ? AND next_attempt_at <= UTC_TIMESTAMP(6) AND kind = ?"},
    /* Which action holds a carrier SID, of any business: a SID the
     * carrier lists is either one action's or none's. */
    [KC_SQL_OUTBOUND_SID_OWNER] = {"outbound_sid_owner",
				   "SELECT public_id FROM outbound_actions "
				   "WHERE carrier_sid = ?"},
    /* Retention (kcctl maintain): finished actions, a business and kind
     * at a time along ix_outbound_created; what is queued, being sent or
     * of unknown outcome stays. */
    [KC_SQL_OUTBOUND_PURGE_BUSINESSES] = {"outbound_purge_businesses",
					  "SELECT DISTINCT business_id FROM "
					  "outbound_actions"},
    [KC_SQL_OUTBOUND_PURGE] =
	{"outbound_purge",
	 "DELETE FROM outbound_actions WHERE business_id = ? AND kind = ? AND "
	 "created_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND AND "
	 "next_attempt_at IS NULL AND status NOT IN ('queued', 'sending', "
	 "'unknown') LIMIT ?"},
    [KC_SQL_CARRIER_CALLBACKS_PURGE] =
	{"carrier_callbacks_purge",
	 "DELETE FROM carrier_callbacks WHERE received_at < UTC_TIMESTAMP(6) - "
	 "INTERVAL ? SECOND LIMIT ?"},
    [KC_SQL_OUTBOUND_LEASE] =
	{"outbound_lease",
	 "UPDATE " IDS_TABLE "STRAIGHT_JOIN outbound_actions a ON a.id = j.id "
	 "SET a.status = 'sending', a.lease_owner = ?, a.next_attempt_at = "
	 "UTC_TIMESTAMP(6) + INTERVAL ? SECOND, a.updated_at = "
	 "UTC_TIMESTAMP(6)"},
    [KC_SQL_OUTBOUND_CLAIMED] =
	{"outbound_claimed",
	 "SELECT STRAIGHT_JOIN a.id, a.public_id, a.business_id, b.public_id, "
	 "a.kind, a.purpose, a.to_number, a.from_number, a.agent_public_id, "
	 "a.timezone, a.body, a.attempts, a.holds, a.created_at, "
	 "a.reconcile_tries FROM " IDS_TABLE
	 "JOIN outbound_actions a ON a.id = j.id JOIN businesses b ON b.id = "
	 "a.business_id WHERE a.lease_owner = ? ORDER BY a.id"},
    /* Just before sending: the claim's leases run a full lease again from
     * now, only where they are still ours (a lease that ran out while the
     * claim was being checked may be another worker's already); then
     * which of them are. */
    [KC_SQL_OUTBOUND_RENEW] =
	{"outbound_renew",
	 "UPDATE " IDS_TABLE "STRAIGHT_JOIN outbound_actions a ON a.id = j.id "
	 "SET a.next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, "
	 "a.updated_at = UTC_TIMESTAMP(6) WHERE a.lease_owner = ? AND a.status "
	 "= 'sending'"},
    [KC_SQL_OUTBOUND_OURS] =
	{"outbound_ours",
	 "SELECT STRAIGHT_JOIN a.id FROM " IDS_TABLE "JOIN outbound_actions a "
	 "ON a.id = j.id WHERE a.lease_owner = ? AND a.status = 'sending'"},
    /* Other calls of the business from the same number to the same
     * recipient whose outcome is open: while there are any, a call the
     * carrier lists cannot be told to be this one's. */
    [KC_SQL_OUTBOUND_CALL_RIVALS] =
	{"outbound_call_rivals",
	 "SELECT COUNT(*) FROM outbound_actions FORCE INDEX "
	 "(ix_outbound_to_status_created) WHERE business_id = ? AND kind = "
	 "'call' AND to_number = ? AND status IN ('sending', 'unknown') AND "
	 "from_number = ? AND id <> ?"},
    /* A try's outcome, only while the lease is still ours and nothing
     * (a callback that came first) has moved the action on. */
    [KC_SQL_OUTBOUND_RESULT] =
	{"outbound_result",
	 "UPDATE outbound_actions SET status = ?, attempts = ?, holds = ?, "
	 "next_attempt_at = ?, lease_owner = NULL, carrier_sid = "
	 "COALESCE(carrier_sid, ?), carrier_status = COALESCE(?, "
	 "carrier_status), error_code = ?, error_message = ?, send_checks = "
	 "COALESCE(?, send_checks), blocked_code = ?, blocked_detail = ?, "
	 "blocked_stage = ?, sent_at = COALESCE(sent_at, ?), ended_at = ?, "
	 "reconcile_tries = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ? AND "
	 "lease_owner = ? AND status = 'sending'"},
    /* An operator's word on an action of unknown outcome (kcctl outbound
     * settle): only while it is unknown and no worker holds it. */
    [KC_SQL_OUTBOUND_SETTLE] =
	{"outbound_settle",
	 "UPDATE outbound_actions SET status = ?, carrier_sid = COALESCE(?, "
	 "carrier_sid), next_attempt_at = ?, reconcile_tries = 0, "
	 "error_message = ?, sent_at = IF(?, COALESCE(sent_at, "
	 "UTC_TIMESTAMP(6)), sent_at), ended_at = IF(?, UTC_TIMESTAMP(6), "
	 "ended_at), updated_at = UTC_TIMESTAMP(6) WHERE business_id = ? AND "
	 "id = ? AND status = 'unknown'"},
    /* The caps: the row of a business and kind, its count reset when a
     * new minute begins (the first assignment reads the old window). */
    [KC_SQL_OUTBOUND_RATE_TOUCH] =
	{"outbound_rate_touch",
	 "INSERT INTO outbound_rates (business_id, kind, window_start, used) "
	 "VALUES (?, ?, ?, 0) ON DUPLICATE KEY UPDATE used = IF(window_start "
	 "= VALUES(window_start), used, 0), window_start = "
	 "VALUES(window_start)"},
    [KC_SQL_OUTBOUND_RATE_USED] = {"outbound_rate_used",
				   "SELECT used FROM outbound_rates WHERE "
				   "business_id = ? AND kind = ? FOR UPDATE"},
    [KC_SQL_OUTBOUND_RATE_ADD] = {"outbound_rate_add",
				  "UPDATE outbound_rates SET used = used + ? "
				  "WHERE business_id = ? AND kind = ?"},
    /* A callback names its action in its URL; the carrier's signature,
     * not an API key, says who sent it, so the business is the
     * action's. */
    [KC_SQL_OUTBOUND_LOCK_PUBLIC] =
	{"outbound_lock_public",
	 "SELECT a.id, a.business_id, b.public_id, a.kind, a.status, "
	 "a.carrier_sid FROM outbound_actions a JOIN businesses b ON b.id = "
	 "a.business_id WHERE a.public_id = ? FOR UPDATE"},
    [KC_SQL_OUTBOUND_STATUS] =
	{"outbound_status",
	 "UPDATE outbound_actions SET status = ?, carrier_sid = "
	 "COALESCE(carrier_sid, ?), carrier_status = ?, error_code = "
	 "COALESCE(?, error_code), error_message = COALESCE(?, "
	 "error_message), duration_seconds = COALESCE(?, duration_seconds), "
	 "next_attempt_at = NULL, lease_owner = NULL, sent_at = "
	 "COALESCE(sent_at, UTC_TIMESTAMP(6)), answered_at = IF(? = 1, "
	 "COALESCE(answered_at, UTC_TIMESTAMP(6)), answered_at), ended_at = "
	 "IF(? = 1, COALESCE(ended_at, UTC_TIMESTAMP(6)), ended_at), "
	 "updated_at = UTC_TIMESTAMP(6) WHERE business_id = ? AND id = ?"},
    [KC_SQL_CARRIER_CALLBACK_INSERT] =
	{"carrier_callback_insert",
	 "INSERT IGNORE INTO carrier_callbacks (carrier_sid, status, "
	 "business_id, received_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6))"},
    /* An inbound SMS is the business's whose number it was sent to. */
    [KC_SQL_OUTBOUND_NUMBER_OWNER] =
	{"outbound_number_owner",
	 "SELECT b.id, b.public_id, b.name FROM phone_numbers n JOIN "
	 "businesses b ON b.id = n.business_id WHERE n.e164 = ?"},
    /* COMPLIANCE_FACTS for a worker's batch: the same lookups, in the same
     * order and meaning (keep the two in step), each correlated to one
     * row of the batch: [{"i", "b" (business), "f" (from), "t" (to),
     * "v", "s" (voice?, sms?), "n" (the ten digits or null), "c"
     * (channel)}...]. The columns are utf8mb4_bin, as the tables', so
     * that every lookup can read its index; and each is named, since a
     * correlated subquery's plan is made without the values (it read a
     * business's every consent, sorted, once 10,000 of them were there). */
    [KC_SQL_COMPLIANCE_FACTS_MANY] =
	{"compliance_facts_many",
	 "SELECT STRAIGHT_JOIN j.i, b.timezone, b.calling_hours_start, "
	 "b.calling_hours_end, EXISTS (SELECT 1 FROM phone_numbers n WHERE "
	 "n.e164 = j.from_n AND n.business_id = b.id), (SELECT d.public_id "
	 "FROM dnc_entries d FORCE INDEX (ix_dnc_entries_phone) WHERE "
	 "d.business_id = b.id AND d.phone = j.to_n "
	 "AND d.removed_at IS NULL AND ((j.voice = 1 AND d.voice = 1) OR "
	 "(j.sms = 1 AND d.sms = 1)) AND d.reason <> 'stop_keyword' ORDER BY "
	 "d.id LIMIT 1), (SELECT d.public_id FROM dnc_entries d FORCE INDEX "
	 "(ix_dnc_entries_phone) WHERE d.business_id = b.id AND d.phone = "
	 "j.to_n AND d.removed_at IS NULL "
	 "AND ((j.voice = 1 AND d.voice = 1) OR (j.sms = 1 AND d.sms = 1)) AND "
	 "d.reason = 'stop_keyword' ORDER BY d.id LIMIT 1), EXISTS (SELECT 1 "
	 "FROM dnc_registry_current c JOIN dnc_registry r ON r.version = "
	 "c.version AND r.number = j.ten WHERE c.id = 1), (SELECT "
	 "CONCAT(c.kind, ' ', c.public_id) FROM consents c FORCE INDEX "
	 "(ix_consents_phone) WHERE "
	 "c.business_id "
	 "= b.id AND c.phone = j.to_n AND c.channel = j.ch AND c.revoked_at IS "
	 "NULL ORDER BY c.kind = 'written' DESC, c.id DESC LIMIT "
	 "1), " REGISTRY_AGE
	 "FROM JSON_TABLE(?, '$[*]' COLUMNS (i INT PATH '$.i', biz BIGINT "
	 "UNSIGNED PATH '$.b', from_n VARCHAR(32) COLLATE utf8mb4_bin PATH "
	 "'$.f', to_n "
	 "VARCHAR(32) COLLATE utf8mb4_bin PATH '$.t', voice INT PATH '$.v', "
	 "sms INT PATH '$.s', ten BIGINT UNSIGNED PATH '$.n', ch VARCHAR(8) "
	 "COLLATE utf8mb4_bin PATH '$.c')) j JOIN businesses b FORCE INDEX "
	 "(PRIMARY) ON "
	 "b.id = j.biz"},
/* End of outbound. */

/* The dashboard. Users and sessions are looked up without a business:
 * a sign-in by its email, a session by the hash of its token (the
 * business comes from the row found); everything the pages read
 * after that is the session's business's. */
#define USER_COLS                                                              \
	"u.public_id, b.public_id, u.email, u.role, u.created_at, "            \
	"u.last_sign_in_at, u.disabled_at "
    [KC_SQL_USER_INSERT] =
	{"user_insert",
	 "INSERT INTO users (public_id, business_id, email, role, "
	 "password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
	 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"},
    [KC_SQL_USER_BY_EMAIL] = {"user_by_email",
			      "SELECT id, public_id, business_id, role, "
			      "password_hash, disabled_at IS NOT NULL FROM "
			      "users WHERE email = ?"},
    [KC_SQL_USER_BY_PUBLIC] =
	{"user_by_public",
	 "SELECT u.id, u.business_id, " USER_COLS
	 "FROM users u JOIN businesses b ON b.id = u.business_id "
	 "WHERE u.public_id = ?"},
    [KC_SQL_USER_LIST] = {"user_list",
			  "SELECT " USER_COLS
			  "FROM users u JOIN businesses b ON b.id = "
			  "u.business_id WHERE u.business_id = ? ORDER BY "
			  "u.id"},
    /* The operator's kcctl user list, across businesses. */
    [KC_SQL_USER_LIST_ALL] = {"user_list_all",
			      "SELECT " USER_COLS
			      "FROM users u JOIN businesses b ON b.id = "
			      "u.business_id ORDER BY u.id"},
    [KC_SQL_USER_SET_PASSWORD] =
	{"user_set_password",
	 "UPDATE users SET password_hash = ?, updated_at = UTC_TIMESTAMP(6) "
	 "WHERE id = ?"},
    [KC_SQL_USER_DISABLE] =
	{"user_disable",
	 "UPDATE users SET disabled_at = UTC_TIMESTAMP(6), updated_at = "
	 "UTC_TIMESTAMP(6) WHERE id = ? AND disabled_at IS NULL"},
    [KC_SQL_USER_SIGNED_IN] = {"user_signed_in",
			       "UPDATE users SET last_sign_in_at = "
			       "UTC_TIMESTAMP(6) WHERE id = ?"},
    [KC_SQL_SESSION_INSERT] =
	{"session_insert",
	 "INSERT INTO sessions (token_hash, user_id, business_id, created_at, "
	 "last_seen_at, expires_at, client_addr) VALUES (?, ?, ?, "
	 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? "
	 "SECOND, ?)"},
    /* Whether it is alive (not ended, its user not disabled, neither
     * deadline passed: idle given as seconds) and whether its last_seen_at
     * is older than the second parameter and is worth writing again. */
    [KC_SQL_SESSION_AUTH] =
	{"session_auth",
	 "SELECT s.id, s.token_hash, s.user_id, u.public_id, u.email, u.role, "
	 "s.business_id, b.public_id, b.name, b.timezone, s.ended_at IS NULL "
	 "AND u.disabled_at IS NULL AND s.expires_at > UTC_TIMESTAMP(6) AND "
	 "s.last_seen_at > UTC_TIMESTAMP(6) - INTERVAL ? SECOND, "
	 "s.last_seen_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND FROM sessions "
	 "s JOIN users u ON u.id = s.user_id AND u.business_id = s.business_id "
	 "JOIN businesses b ON b.id = s.business_id WHERE s.token_hash = ?"},
    [KC_SQL_SESSION_TOUCH] = {"session_touch",
			      "UPDATE sessions SET last_seen_at = "
			      "UTC_TIMESTAMP(6) WHERE id = ?"},
    [KC_SQL_SESSION_END] = {"session_end",
			    "UPDATE sessions SET ended_at = UTC_TIMESTAMP(6) "
			    "WHERE id = ? AND ended_at IS NULL"},
    /* The session a browser had when it signed in again. */
    [KC_SQL_SESSION_END_TOKEN] = {"session_end_token",
				  "UPDATE sessions SET ended_at = "
				  "UTC_TIMESTAMP(6) WHERE token_hash = ? AND "
				  "ended_at IS NULL"},
    [KC_SQL_SESSION_END_USER] =
	{"session_end_user",
	 "UPDATE sessions SET ended_at = UTC_TIMESTAMP(6) WHERE user_id = ? "
	 "AND ended_at IS NULL"},
    /* A user's sessions over a day past their end, at each sign-in: the
     * table holds what is alive and what recently was. */
    [KC_SQL_SESSION_PURGE_USER] =
	{"session_purge_user",
	 "DELETE FROM sessions WHERE user_id = ? AND (ended_at < "
	 "UTC_TIMESTAMP(6) - INTERVAL 1 DAY OR expires_at < UTC_TIMESTAMP(6) "
	 "- INTERVAL 1 DAY)"},
    [KC_SQL_SESSION_FLASH_SET] = {"session_flash_set",
				  "UPDATE sessions SET flash_sealed = ? WHERE "
				  "id = ?"},
    [KC_SQL_SESSION_FLASH_GET] = {"session_flash_get",
				  "SELECT flash_sealed FROM sessions WHERE id "
				  "= ? FOR UPDATE"},
    /* One more attempt in the window, or the first of a new one (window
     * given in seconds, twice). The assignments run left to right and
     * both read the old window_start. The third value is the account of
     * a pair row (NULL for an address row). */
    [KC_SQL_THROTTLE_HIT] =
	{"throttle_hit",
	 "INSERT INTO signin_throttle (scope, key_hash, account_hash, "
	 "window_start, attempts) VALUES (?, ?, ?, UTC_TIMESTAMP(6), 1) ON "
	 "DUPLICATE KEY UPDATE attempts = IF(window_start <= UTC_TIMESTAMP(6) "
	 "- INTERVAL ? SECOND, 1, attempts + 1), window_start = "
	 "IF(window_start <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND, "
	 "UTC_TIMESTAMP(6), window_start)"},
    /* The attempts and the seconds until the window closes. */
    [KC_SQL_THROTTLE_GET] =
	{"throttle_get",
	 "SELECT attempts, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), "
	 "window_start + INTERVAL ? SECOND) FROM signin_throttle WHERE scope "
	 "= ? AND key_hash = ?"},
    /* Every row of an account (a password reset unlocks it everywhere). */
    [KC_SQL_THROTTLE_CLEAR_ACCOUNT] = {"throttle_clear_account",
				       "DELETE FROM signin_throttle WHERE "
				       "account_hash = ?"},
    [KC_SQL_THROTTLE_CLEAR] = {"throttle_clear",
			       "DELETE FROM signin_throttle WHERE scope = ? "
			       "AND key_hash = ?"},
    [KC_SQL_THROTTLE_PURGE] =
	{"throttle_purge",
	 "DELETE FROM signin_throttle WHERE window_start < UTC_TIMESTAMP(6) - "
	 "INTERVAL ? SECOND ORDER BY window_start LIMIT ?"},
    [KC_SQL_KEY_BY_PUBLIC_BUSINESS] =
	{"key_by_public_business",
	 "SELECT k.public_id, k.name, k.key_hint, k.scopes, k.created_at, "
	 "k.last_used_at, k.expires_at, k.revoked_at, k.id, "
	 "k.business_id, b.public_id, " KEY_LIMITS " FROM api_keys k "
	 "JOIN businesses b ON b.id = k.business_id "
	 "WHERE k.public_id = ? AND k.business_id = ?"},
/* The audit log by actor, action and target (filters in that order),
 * newest first; each shape reads the index of its most selective
 * filter (target, then actor, then action). */
#define AUDIT_COLS                                                             \
	"public_id, actor_type, actor_id, action, target_type, target_id, "    \
	"before_json, after_json, request_id, created_at "
#define AUDIT_FIND(ix, filters)                                                \
	"SELECT " AUDIT_COLS "FROM audit_log FORCE INDEX (" ix ") WHERE "      \
	"business_id = ? " filters "AND " RECENT("")
    [KC_SQL_AUDIT_FIND_CURSOR] = {"audit_find_cursor",
				  "SELECT id, created_at FROM audit_log WHERE "
				  "business_id = ? AND public_id = ?"},
    [KC_SQL_AUDIT_FIND] = {"audit_find",
			   AUDIT_FIND("ix_audit_log_created", "")},
    [KC_SQL_AUDIT_FIND_ACTOR] = {"audit_find_actor",
				 AUDIT_FIND("ix_audit_log_actor_created",
					    "AND actor_id = ? ")},
    [KC_SQL_AUDIT_FIND_ACTION] = {"audit_find_action",
				  AUDIT_FIND("ix_audit_log_action_created",
					     "AND action = ? ")},
    [KC_SQL_AUDIT_FIND_ACTOR_ACTION] =
	{"audit_find_actor_action",
	 AUDIT_FIND("ix_audit_log_actor_created",
		    "AND actor_id = ? AND action = ? ")},
    [KC_SQL_AUDIT_FIND_TARGET] = {"audit_find_target",
				  AUDIT_FIND("ix_audit_log_target_created",
					     "AND target_id = ? ")},
    [KC_SQL_AUDIT_FIND_ACTOR_TARGET] =
	{"audit_find_actor_target",
	 AUDIT_FIND("ix_audit_log_target_created",
		    "AND actor_id = ? AND target_id = ? ")},
    [KC_SQL_AUDIT_FIND_ACTION_TARGET] =
	{"audit_find_action_target",
	 AUDIT_FIND("ix_audit_log_target_created",
		    "AND action = ? AND target_id = ? ")},
    [KC_SQL_AUDIT_FIND_ACTOR_ACTION_TARGET] =
	{"audit_find_actor_action_target",
	 AUDIT_FIND("ix_audit_log_target_created",
		    "AND actor_id = ? AND action = ? AND target_id = ? ")},
    /* Deliveries by event type as well (bit 3 of kc_delivery_list's
     * shape): the type is the event's, so it is checked on the joined
     * event of each row the other filters' index yields. */
    [KC_SQL_DELIVERY_LIST_TYPE] = {"delivery_list_type",
				   DELIVERY_LIST("ix_deliveries_created",
						 "AND e.type = ? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_STATUS] =
	{"delivery_list_type_status",
	 DELIVERY_LIST("ix_deliveries_status_created",
		       "AND d.status = ? AND e.type = ? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_ENDPOINT] =
	{"delivery_list_type_endpoint",
	 DELIVERY_LIST("ix_deliveries_endpoint_created",
		       "AND d.endpoint_id = ? AND e.type = ? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_ENDPOINT_STATUS] =
	{"delivery_list_type_endpoint_status",
	 DELIVERY_LIST(
	     "ix_deliveries_endpoint_status",
	     "AND d.status = ? AND d.endpoint_id = ? AND e.type = ? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_EVENT] =
	{"delivery_list_type_event",
	 DELIVERY_LIST("ix_deliveries_event",
		       "AND d.event_id = ? AND e.type = ? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_EVENT_STATUS] =
	{"delivery_list_type_event_status",
	 DELIVERY_LIST("ix_deliveries_event",
		       "AND d.status = ? AND "
		       "d.event_id = ? AND e.type = ? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_EVENT_ENDPOINT] =
	{"delivery_list_type_event_endpoint",
	 DELIVERY_LIST("ix_deliveries_event",
		       "AND d.endpoint_id = ? AND d.event_id = ? AND e.type = "
		       "? ")},
    [KC_SQL_DELIVERY_LIST_TYPE_EVENT_ENDPOINT_STATUS] =
	{"delivery_list_type_event_endpoint_status",
	 DELIVERY_LIST(
	     "ix_deliveries_event",
	     "AND d.status = ? AND d.endpoint_id = ? AND d.event_id = "
	     "? AND e.type = ? ")},
    /* The overview: what was created since a moment (the start of the
     * business's day), counted on each list's own index. */
    [KC_SQL_STATS_CALLS_SINCE] = {"stats_calls_since",
				  "SELECT COUNT(*) FROM calls FORCE INDEX "
				  "(ix_calls_created) WHERE business_id = ? "
				  "AND created_at >= ?"},
    [KC_SQL_STATS_LEADS_SINCE] = {"stats_leads_since",
				  "SELECT COUNT(*) FROM leads FORCE INDEX "
				  "(ix_leads_created) WHERE business_id = ? "
				  "AND created_at >= ?"},
    [KC_SQL_STATS_FOLLOWUPS_SINCE] =
	{"stats_followups_since",
	 "SELECT COUNT(*) FROM followups FORCE INDEX (ix_followups_created) "
	 "WHERE business_id = ? AND created_at >= ?"},
    /* The chart's 24 hours, [?, ?): from the status index alone (one
     * range per status the chart draws), where the time index would
     * fetch every row for its status; and grouped by the hour of the day,
     * a number, which is several times cheaper to group by than a
     * formatted time (a day of a busy business is tens of thousands of
     * deliveries). 24 hours from a full hour have 24 different hours. */
    [KC_SQL_STATS_DELIVERIES_HOURLY] =
	{"stats_deliveries_hourly",
	 "SELECT HOUR(created_at), status, COUNT(*) FROM deliveries FORCE "
	 "INDEX (ix_deliveries_status_created) WHERE business_id = ? AND "
	 "status IN ('pending', 'in_flight', 'delivered', 'failed', 'dead') "
	 "AND created_at >= ? AND created_at < ? GROUP BY 1, 2 ORDER BY "
	 "NULL"},
    /* The endpoints a banner is owed: disabled, or failing now. */
    [KC_SQL_ENDPOINT_ATTENTION] =
	{"endpoint_attention",
	 "SELECT public_id, url, description, enabled, disabled_reason, "
	 "consecutive_failures, failing_since, dead_count FROM "
	 "webhook_endpoints WHERE business_id = ? AND deleted_at IS NULL AND "
	 "(enabled = 0 OR consecutive_failures > 0) ORDER BY id LIMIT 50"},
    /* A lead's follow-ups (its page, GET /v1/follow-ups?lead=): a lead has
     * a few, so its index finds them and the status is checked on each. */
    [KC_SQL_FOLLOWUP_LIST_LEAD] = {"followup_list_lead",
				   "SELECT " FOLLOWUP_COLS
				   "FROM followups FORCE INDEX "
				   "(ix_followups_lead_created) WHERE "
				   "business_id = ? AND lead_public_id = ? "
				   "AND " RECENT("")},
    [KC_SQL_FOLLOWUP_LIST_LEAD_STATUS] =
	{"followup_list_lead_status",
	 "SELECT " FOLLOWUP_COLS "FROM followups FORCE INDEX "
	 "(ix_followups_lead_created) WHERE business_id = ? AND status = ? "
	 "AND lead_public_id = ? AND " RECENT("")},
    /* kcctl maintain: sessions unseen for a day past the idle limit (given
     * in seconds). Every end (sign-out, the absolute expiry, idling) stops
     * last_seen_at, so this takes each dead session a day or so after
     * its end, and never a live one. */
    [KC_SQL_SESSION_PURGE] =
	{"session_purge",
	 "DELETE FROM sessions WHERE last_seen_at < UTC_TIMESTAMP(6) - "
	 "INTERVAL ? SECOND ORDER BY last_seen_at LIMIT ?"},
    /* End of the dashboard. */
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
