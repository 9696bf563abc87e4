/* One logger for every program: stderr (which the web server and cron
 * collect), a level, the program name and the request id on every line,
 * non-printable bytes escaped. Secrets are never passed to it. */
#ifndef KC_LOG_H
#define KC_LOG_H

enum kc_log_level { KC_LOG_DEBUG, KC_LOG_INFO, KC_LOG_WARN, KC_LOG_ERR };

void kc_log_init(const char *progname, enum kc_log_level min);
/* The request (or job run) the following lines belong to; NULL clears it. */
void kc_log_context(const char *id);
int kc_log_level_parse(const char *s, enum kc_log_level *out);
void kc_log(enum kc_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define kc_debug(...) kc_log(KC_LOG_DEBUG, __VA_ARGS__)
#define kc_info(...)  kc_log(KC_LOG_INFO, __VA_ARGS__)
#define kc_warn(...)  kc_log(KC_LOG_WARN, __VA_ARGS__)
#define kc_err(...)   kc_log(KC_LOG_ERR, __VA_ARGS__)

#endif
