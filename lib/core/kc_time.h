/* Time in the API is UTC RFC 3339; in MariaDB it is DATETIME(6) in UTC. */
#ifndef KC_TIME_H
#define KC_TIME_H

#include <stddef.h>

#define KC_TIME_MAX 40

/* "2026-11-26 19:36:20.123456" (MariaDB) -> "2026-11-26T19:36:20.123Z". */
int kc_time_from_db(const char *db, char *out, size_t outcap);
/* RFC 3339 with Z or a numeric offset -> MariaDB UTC text. -1 if invalid. */
int kc_time_to_db(const char *rfc3339, char *out, size_t outcap);
/* Now, as MariaDB text (microseconds) and as RFC 3339 (milliseconds), the
 * same instant in both. Either output may be NULL. */
int kc_time_now(char *db, size_t dbcap, char *rfc, size_t rfccap);
/* Milliseconds since the epoch, and such an instant as MariaDB text. */
long long kc_time_now_ms(void);
/* Milliseconds on a clock that never steps, for durations. */
long long kc_time_mono_ms(void);
int kc_time_db_at(long long epoch_ms, char *db, size_t dbcap);
/* Parses "24h", "30m", "90s", "2d" or a plain number of seconds. */
int kc_duration_parse(const char *s, long long *seconds);
/* "5s,5m,30m" -> {5, 300, 1800}: at least one, at most cap durations. */
int kc_duration_list_parse(const char *s, long long *out, size_t cap,
			   size_t *n);

#endif
