#include "kc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Process-wide logger settings: set once at start-up, plus the id of the
 * request being served (a FastCGI process serves one at a time). */
static const char *log_prog = "kaicalls";
static enum kc_log_level log_min = KC_LOG_INFO;
static char log_ctx[48];

void
kc_log_init(const char *progname, enum kc_log_level min)
{
	log_prog = progname;
	log_min = min;
}

void
kc_log_context(const char *id)
{
	if (id == NULL)
		log_ctx[0] = '\0';
	else
		snprintf(log_ctx, sizeof(log_ctx), "%s", id);
}

int
kc_log_level_parse(const char *s, enum kc_log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum kc_log_level)i;
			return 0;
		}
	return -1;
}

void
kc_log(enum kc_log_level lvl, const char *fmt, ...)
{
	static const char *const tags[] = {"debug", "info", "warn", "error"};
	char msg[1024], out[4096], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	size_t i, o = 0;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Escape control bytes so one log line stays one line and a hostile
	 * value cannot forge entries or terminal escapes. */
	for (i = 0; msg[i] != '\0' && o + 5 < sizeof(out); i++) {
		unsigned char c = (unsigned char)msg[i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%s]%s%s: %s\n", ts, now.tv_nsec / 1000000,
		log_prog, tags[lvl], log_ctx[0] ? " " : "", log_ctx, out);
}
