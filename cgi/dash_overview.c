/* Overview: today's calls, leads and follow-ups, deliveries per hour over
 * 24 hours as an SVG chart drawn here, and a banner for every endpoint
 * that is disabled or failing. */
#include "dash.h"
#include "kc_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The chart's geometry, in SVG user units. */
#define CW    720
#define CH    240
#define LEFT  44
#define RIGHT 8
#define TOP   12
#define BASE  204 /* the x axis */

/* Stacked bottom up; pending and in flight are one "waiting" band. */
static const struct {
	const char *cls, *label;
	int st[2];
} bands[] = {
    {"bar-delivered", "delivered", {KC_ST_DELIVERED, -1}},
    {"bar-failed", "failed, retrying", {KC_ST_FAILED, -1}},
    {"bar-dead", "dead", {KC_ST_DEAD, -1}},
    {"bar-waiting", "waiting", {KC_ST_PENDING, KC_ST_IN_FLIGHT}},
};
#define NBANDS (sizeof(bands) / sizeof(bands[0]))

static long long
band_n(const struct kc_stats_hourly *h, int hour, size_t b)
{
	long long n = h->n[hour][bands[b].st[0]];

	if (bands[b].st[1] >= 0)
		n += h->n[hour][bands[b].st[1]];
	return n;
}

static void
hour_label(long long epoch, char *out, size_t cap)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, "%02d:00", tm.tm_hour);
}

/* Numbers only go through printf here; every word is a literal. */
static int
chart(const struct kc_stats_hourly *h, struct kc_buf *b)
{
	long long top = h->max > 0 ? h->max : 1, total = 0;
	double slot = (double)(CW - LEFT - RIGHT) / KC_STATS_HOURS, y, bh;
	char label[16];
	size_t s;
	int k, rc = 0;

	for (k = 0; k < KC_STATS_HOURS; k++)
		for (s = 0; s < NBANDS; s++)
			total += band_n(h, k, s);
	rc |= kc_buf_printf(b,
			    "<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
			    "role=\"img\" aria-labelledby=\"chart-title "
			    "chart-desc\">",
			    CW, CH);
	rc |= html_lit(b, "<title id=\"chart-title\">Deliveries per hour, "
			  "last 24 hours (UTC)</title>");
	rc |= kc_buf_printf(b,
			    "<desc id=\"chart-desc\">%lld deliveries in all; "
			    "the busiest hour had %lld. The table below has "
			    "the numbers.</desc>",
			    total, h->max);
	/* The axes and the top value. */
	rc |= kc_buf_printf(b,
			    "<line class=\"axis\" x1=\"%d\" y1=\"%d\" "
			    "x2=\"%d\" y2=\"%d\"/>",
			    LEFT, BASE, CW - RIGHT, BASE);
	rc |= kc_buf_printf(b,
			    "<line class=\"axis\" x1=\"%d\" y1=\"%d\" "
			    "x2=\"%d\" y2=\"%d\"/>",
			    LEFT, TOP, LEFT, BASE);
	rc |= kc_buf_printf(b,
			    "<text class=\"tick\" x=\"%d\" y=\"%d\" "
			    "text-anchor=\"end\">%lld</text>",
			    LEFT - 6, TOP + 10, top);
	rc |= kc_buf_printf(b,
			    "<text class=\"tick\" x=\"%d\" y=\"%d\" "
			    "text-anchor=\"end\">0</text>",
			    LEFT - 6, BASE);
	for (k = 0; k < KC_STATS_HOURS; k++) {
		y = BASE;
		for (s = 0; s < NBANDS; s++) {
			long long n = band_n(h, k, s);

			if (n == 0)
				continue;
			bh = (double)(BASE - TOP) * (double)n / (double)top;
			y -= bh;
			rc |= kc_buf_printf(b,
					    "<rect class=\"%s\" x=\"%.1f\" "
					    "y=\"%.1f\" width=\"%.1f\" "
					    "height=\"%.1f\"/>",
					    bands[s].cls, LEFT + k * slot + 2,
					    y, slot - 4, bh);
		}
		if (k % 3 == 0 || k == KC_STATS_HOURS - 1) {
			hour_label(h->start_epoch + k * 3600LL, label,
				   sizeof(label));
			rc |= kc_buf_printf(b,
					    "<text class=\"tick\" x=\"%.1f\" "
					    "y=\"%d\" text-anchor=\"middle\">"
					    "%s</text>",
					    LEFT + k * slot + slot / 2,
					    BASE + 18, label);
		}
	}
	rc |= html_lit(b, "</svg><ul class=\"legend\">");
	for (s = 0; s < NBANDS; s++)
		rc |= kc_buf_printf(b, "<li><span class=\"swatch %s\"></span>",
				    bands[s].cls) |
		      html_txt(b, bands[s].label) | html_lit(b, "</li>");
	rc |= html_lit(b, "</ul>");
	return rc;
}

static int
table(const struct kc_stats_hourly *h, struct kc_buf *b)
{
	char label[16];
	size_t s;
	int k, rc = 0;

	rc |= html_lit(b, "<details><summary>The numbers</summary>"
			  "<div class=\"table-wrap\"><table><caption>"
			  "Deliveries per hour (UTC) by status"
			  "</caption><thead><tr><th scope=\"col\">Hour"
			  "</th>");
	for (s = 0; s < NBANDS; s++)
		rc |= html_lit(b, "<th scope=\"col\">") |
		      html_txt(b, bands[s].label) | html_lit(b, "</th>");
	rc |= html_lit(b, "</tr></thead><tbody>");
	for (k = 0; k < KC_STATS_HOURS; k++) {
		hour_label(h->start_epoch + k * 3600LL, label, sizeof(label));
		rc |= html_lit(b, "<tr><th scope=\"row\">") |
		      html_txt(b, label) | html_lit(b, "</th>");
		for (s = 0; s < NBANDS; s++)
			rc |=
			    kc_buf_printf(b, "<td>%lld</td>", band_n(h, k, s));
		rc |= html_lit(b, "</tr>");
	}
	rc |= html_lit(b, "</tbody></table></div></details>");
	return rc;
}

static int
banners(const json_t *eps, struct kc_buf *b)
{
	const json_t *ep;
	size_t i;
	int rc = 0;

	if (json_array_size(eps) == 0)
		return 0;
	rc |= html_lit(b, "<section class=\"attention\" "
			  "aria-labelledby=\"attention-h\"><h2 "
			  "id=\"attention-h\">Needs attention</h2>");
	json_array_foreach(eps, i, ep)
	{
		const char *id = json_string_value(json_object_get(ep, "id"));
		int on = json_is_true(json_object_get(ep, "enabled"));

		rc |=
		    html_lit(b, "<p class=\"banner\">Endpoint <a href=\"") |
		    html_lit(b, "/app/endpoints/") | html_url_arg(b, id) |
		    html_lit(b, "\">") |
		    html_txt(b, json_string_value(json_object_get(ep, "url"))) |
		    html_lit(b, "</a> ");
		if (!on) {
			const char *why = json_string_value(
			    json_object_get(ep, "disabled_reason"));

			rc |= html_lit(b, "is disabled");
			if (why)
				rc |= html_lit(b, ": ") | html_txt(b, why);
			rc |= html_lit(b, ".");
		} else {
			rc |= html_txtf(
			    b, "is failing: %lld failed tries in a row since ",
			    (long long)json_integer_value(
				json_object_get(ep, "consecutive_failures")));
			rc |=
			    dash_time(b, json_object_get(ep, "failing_since"));
			rc |= html_lit(b, ".");
		}
		rc |= html_txtf(b, " Dead deliveries: %lld.",
				(long long)json_integer_value(
				    json_object_get(ep, "dead_deliveries")));
		rc |= html_lit(b, "</p>");
	}
	rc |= html_lit(b, "</section>");
	return rc;
}

int
kc_d_overview(struct kc_req *req)
{
	struct kc_stats_today today;
	struct kc_stats_hourly *hourly;
	struct kc_buf content, svg, tab, ban;
	char calls[24], leads[24], fups[24], since[40];
	json_t *eps = NULL;
	int rc = -1;

	/* 24 x 5 counts: not for the stack of a request. */
	if ((hourly = calloc(1, sizeof(*hourly))) == NULL)
		return dash_internal(req);
	kc_buf_init(&content, 256 * 1024);
	kc_buf_init(&svg, 128 * 1024);
	kc_buf_init(&tab, 64 * 1024);
	kc_buf_init(&ban, 64 * 1024);
	if (kc_stats_today(req->db, req->session.business_id,
			   req->session.timezone, &today) != 0 ||
	    kc_stats_deliveries_hourly(req->db, req->session.business_id,
				       hourly) != 0 ||
	    kc_stats_endpoints_attention(req->db, req->session.business_id,
					 &eps) != 0)
		goto out;
	snprintf(calls, sizeof(calls), "%lld", today.calls);
	snprintf(leads, sizeof(leads), "%lld", today.leads);
	snprintf(fups, sizeof(fups), "%lld", today.followups);
	if (chart(hourly, &svg) != 0 || table(hourly, &tab) != 0 ||
	    banners(eps, &ban) != 0)
		goto out;
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("banners", &ban),
		    DASH_TXT("calls", calls),
		    DASH_TXT("leads", leads),
		    DASH_TXT("followups", fups),
		    DASH_TXT("timezone", req->session.timezone),
		    DASH_TXT("since",
			     dash_time_text(today.since, since, sizeof(since))),
		    DASH_SAFE_HTML("chart", &svg),
		    DASH_SAFE_HTML("table", &tab),
		};
		rc = dash_render(req, "overview.html", DASH_SLOTS(slots),
				 &content);
	}
out:
	rc = rc == 0 ? dash_page(req, 200, "Overview", "overview", &content, 0)
		     : dash_internal(req);
	json_decref(eps);
	free(hourly);
	kc_buf_free(&content);
	kc_buf_free(&svg);
	kc_buf_free(&tab);
	kc_buf_free(&ban);
	return rc;
}
