/*
 * Unit tests for the dashboard's cgi/ side that need no database: the
 * escaping writers, the template engine, form parsing and checking,
 * cookies and the client's address, and what the router answers before
 * any session is looked at (the sign-in redirect, login CSRF, the
 * content type, unknown pages and parameters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../../cgi/dash.h"
#include "../../cgi/html.h"
#include "../../cgi/request.h"
#include "../../cgi/response.h"
#include "../../cgi/routes.h"

static struct kc_config cfg;

/* The repository's www/ (for the real templates), as make check says. */
static void
setup(void)
{
	const char *src = getenv("KC_SRCDIR");
	char www[1024], err[256];

	cr_assert_eq(kc_config_load_at(&cfg, "", NULL, err, sizeof(err)), 0,
		     "%s", err);
	snprintf(www, sizeof(www), "%s/www", src ? src : "../..");
	free(cfg.www_dir);
	cfg.www_dir = strdup(www);
	dash_tpl_flush();
}

static void
teardown(void)
{
	dash_tpl_flush();
	kc_config_free(&cfg);
}

TestSuite(dash, .init = setup, .fini = teardown);

/* --- the writers ------------------------------------------------------- */

static char *
text_of(int (*fn)(struct kc_buf *, const char *), const char *s)
{
	struct kc_buf b;
	char *out;

	kc_buf_init(&b, 4096);
	cr_assert_eq(fn(&b, s), 0);
	out = kc_buf_take(&b, NULL);
	return out;
}

Test(dash, txt_escapes_every_markup_character)
{
	char *s = text_of(html_txt, "<script>alert('x') & \"y\"</script>");

	cr_expect_str_eq(s, "&lt;script&gt;alert(&#39;x&#39;) &amp; "
			    "&quot;y&quot;&lt;/script&gt;");
	free(s);
	s = text_of(html_attr, "\"><img src=x onerror=alert(1)>");
	cr_expect_str_eq(s, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	free(s);
	s = text_of(html_txt, "plain ünïcode");
	cr_expect_str_eq(s, "plain ünïcode");
	free(s);
}

Test(dash, url_arg_encodes_all_but_unreserved)
{
	char *s = text_of(html_url_arg, "/app/x?a=b&c=d e\"<>");

	cr_expect_str_eq(s, "%2Fapp%2Fx%3Fa%3Db%26c%3Dd%20e%22%3C%3E");
	free(s);
	s = text_of(html_url_arg, "ep_AZaz09-._~");
	cr_expect_str_eq(s, "ep_AZaz09-._~");
	free(s);
}

Test(dash, txtf_escapes_the_formatted_text)
{
	struct kc_buf b;

	kc_buf_init(&b, 4096);
	cr_assert_eq(html_txtf(&b, "%d <%s>", 5, "b&"), 0);
	cr_expect_str_eq(b.data, "5 &lt;b&amp;&gt;");
	kc_buf_free(&b);
}

/* --- templates --------------------------------------------------------- */

static char tdir[256];

static void template(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/templates", tdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/templates/%s", tdir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
tmpdir(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/kc-test-dash.XXXXXX");
	cr_assert_not_null(mkdtemp(tdir));
}

Test(dash, slots_are_escaped_unless_named_html)
{
	struct kc_buf out, html;
	struct dash_slot slots[] = {
	    DASH_TXT("name", "<b>Dana & \"co\"</b>"),
	    DASH_URL("q", "a b&c"),
	    DASH_SAFE_HTML("raw", &html),
	};

	tmpdir();
	template("t.html", "<p title=\"@@name@@\">@@name@@</p><a "
			   "href=\"/x?q=@@q@@\">@@raw@@</a> a@@b c@@ @@@@\n");
	kc_buf_init(&out, 4096);
	kc_buf_init(&html, 256);
	html_lit(&html, "<em>ok</em>");
	cr_assert_eq(dash_tpl_render(tdir, "t.html", DASH_SLOTS(slots), &out),
		     0);
	cr_expect_str_eq(out.data,
			 "<p title=\"&lt;b&gt;Dana &amp; "
			 "&quot;co&quot;&lt;/b&gt;\">&lt;b&gt;Dana &amp; "
			 "&quot;co&quot;&lt;/b&gt;</p><a "
			 "href=\"/x?q=a%20b%26c\"><em>ok</em></a> a@@b c@@ "
			 "@@@@\n");
	kc_buf_free(&out);
	kc_buf_free(&html);
}

Test(dash, a_slot_left_unfilled_is_an_error)
{
	struct kc_buf out;
	struct dash_slot slots[] = {DASH_TXT("name", "x")};

	tmpdir();
	template("u.html", "@@name@@ @@nmae@@");
	kc_buf_init(&out, 4096);
	cr_expect_eq(dash_tpl_render(tdir, "u.html", DASH_SLOTS(slots), &out),
		     -1);
	cr_expect_eq(
	    dash_tpl_render(tdir, "../u.html", DASH_SLOTS(slots), &out), -1);
	cr_expect_eq(
	    dash_tpl_render(tdir, "missing.html", DASH_SLOTS(slots), &out), -1);
	kc_buf_free(&out);
}

/* Every template of www/templates renders with the slots its page fills:
 * here, each with all its slots filled by a marker, so none is missed. */
Test(dash, the_shipped_layout_renders)
{
	struct kc_buf out, empty;
	struct dash_slot slots[] = {
	    DASH_TXT("title", "T<"),
	    DASH_SAFE_HTML("refresh", &empty),
	    DASH_TXT("business", "B"),
	    DASH_SAFE_HTML("header", &empty),
	    DASH_SAFE_HTML("content", &empty),
	};

	kc_buf_init(&out, 64 * 1024);
	kc_buf_init(&empty, 16);
	cr_assert_eq(dash_tpl_render(cfg.www_dir, "layout.html",
				     DASH_SLOTS(slots), &out),
		     0);
	cr_expect_not_null(strstr(out.data, "<title>T&lt; · KaiCalls</title>"));
	cr_expect_null(strstr(out.data, "style="), "no inline style");
	kc_buf_free(&out);
	kc_buf_free(&empty);
}

/* --- forms --------------------------------------------------------------- */

static void
form_req(struct kc_req *req, const char *body)
{
	kc_req_init(req);
	req->body = body;
	req->body_len = strlen(body);
}

Test(dash, form_is_decoded_and_names_may_repeat)
{
	struct kc_req req;
	struct kc_verr e;
	const char *v[4];

	form_req(&req, "a=2&b=%3Cx%3E+y&c=&a=1&d=%C3%A9");
	cr_assert_eq(kc_req_parse_form(&req, &e), 0, "%s", e.msg);
	cr_expect_str_eq(kc_req_form_get(&req, "b"), "<x> y");
	cr_expect_str_eq(kc_req_form_get(&req, "c"), "");
	cr_expect_str_eq(kc_req_form_get(&req, "d"), "\xc3\xa9");
	cr_expect_null(kc_req_form_get(&req, "e"));
	/* A repeated name is a list, never one of its values. */
	cr_expect_null(kc_req_form_get(&req, "a"));
	cr_expect_eq(dash_form_all(&req, "a", v, 4), 2);
	cr_expect_str_eq(v[0], "1");
	cr_expect_str_eq(v[1], "2");
	cr_expect_eq(dash_form_all(&req, "a", v, 1), 1, "at most cap");
	kc_req_free(&req);
}

/* The dashboard reads its forms with the carrier's strict parser
 * (lib/core/kc_form.c): what a browser never sends is refused. */
Test(dash, malformed_forms_are_refused)
{
	static const char *const bad[] = {"a=%zz", "a=%00", "=x",
					  "a=%4",  "a",     "a=1&&b=2",
					  "a=1 2", "a=%FF", "a=\xc3\xa9"};
	struct kc_req req;
	struct kc_verr e;
	char *many, *big;
	size_t i, n = 0, cap = 8 * (kc_req_form_limits.pairs + 1);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		form_req(&req, bad[i]);
		cr_expect_eq(kc_req_parse_form(&req, &e), -1, "%s", bad[i]);
		cr_expect_eq(e.status, 400);
		cr_expect_null(req.form);
		kc_req_free(&req);
	}
	cr_assert_not_null(many = malloc(cap));
	for (i = 0; i < kc_req_form_limits.pairs; i++)
		n += (size_t)snprintf(many + n, cap - n, "%sx=1", i ? "&" : "");
	form_req(&req, many);
	cr_expect_eq(kc_req_parse_form(&req, &e), 0, "as many as allowed");
	kc_req_free(&req);
	snprintf(many + n, cap - n, "&x=1");
	form_req(&req, many);
	cr_expect_eq(kc_req_parse_form(&req, &e), -1, "one more");
	kc_req_free(&req);
	free(many);
	/* A value as long as the longest field allows, and one byte more. */
	cr_assert_not_null(big = malloc(kc_req_form_limits.value + 8));
	memcpy(big, "v=", 2);
	memset(big + 2, 'y', kc_req_form_limits.value);
	big[kc_req_form_limits.value + 2] = '\0';
	form_req(&req, big);
	cr_expect_eq(kc_req_parse_form(&req, &e), 0);
	cr_expect_eq(strlen(kc_req_form_get(&req, "v")),
		     kc_req_form_limits.value);
	kc_req_free(&req);
	big[kc_req_form_limits.value + 2] = 'y';
	big[kc_req_form_limits.value + 3] = '\0';
	form_req(&req, big);
	cr_expect_eq(kc_req_parse_form(&req, &e), -1);
	kc_req_free(&req);
	free(big);
}

Test(dash, form_check_holds_to_its_table)
{
	static const struct dash_field f[] = {
	    {"name", 5, 1, 0},
	    {"scopes", 20, 0, 1},
	};
	static const char *const ok[] = {
	    "csrf=t&name=abc", "name=abc&scopes=a&scopes=b", "name=abcde"};
	static const char *const no[] = {"name=abc&extra=1", "name=abcdef",
					 "name=", "scopes=a", "name=a&name=b"};
	struct kc_req req;
	struct kc_verr e;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		form_req(&req, ok[i]);
		cr_assert_eq(kc_req_parse_form(&req, &e), 0);
		cr_expect_eq(dash_form_check(&req, f, 2, &e), 0, "%s: %s",
			     ok[i], e.msg);
		kc_req_free(&req);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		form_req(&req, no[i]);
		cr_assert_eq(kc_req_parse_form(&req, &e), 0);
		cr_expect_eq(dash_form_check(&req, f, 2, &e), -1, "%s", no[i]);
		kc_req_free(&req);
	}
}

/* --- cookies and addresses ----------------------------------------------- */

static void
app_req(struct kc_req *req, enum kc_method m, const char *uri)
{
	struct kc_verr e;

	kc_req_init(req);
	req->cfg = &cfg;
	req->method = m;
	req->remote_addr = "192.0.2.1";
	cr_assert_eq(kc_req_set_uri(req, uri, &e), 0);
}

Test(dash, cookies_over_http_and_https)
{
	struct kc_req req;
	char v[64];

	app_req(&req, KC_M_GET, "/app/");
	req.cookie = "a=1; kc_session=tok; __Host-kc_session=sec";
	cr_assert_eq(dash_cookie(&req, "kc_session", v, sizeof(v)), 0);
	cr_expect_str_eq(v, "tok");
	cr_assert_eq(dash_set_cookie(&req, "kc_session", "new", 60, 0), 0);
	cr_expect_str_eq(req.resp.headers.data,
			 "Set-Cookie: kc_session=new; Path=/; HttpOnly; "
			 "SameSite=Lax; Max-Age=60\r\n");
	/* Over TLS only the __Host- cookie counts, and is Secure. */
	req.https = "on";
	cr_assert_eq(dash_cookie(&req, "kc_session", v, sizeof(v)), 0);
	cr_expect_str_eq(v, "sec");
	kc_buf_reset(&req.resp.headers);
	cr_assert_eq(dash_set_cookie(&req, "kc_session", "x", -1, 1), 0);
	cr_expect_str_eq(req.resp.headers.data,
			 "Set-Cookie: __Host-kc_session=; Path=/; HttpOnly; "
			 "SameSite=Strict; Secure; Max-Age=0\r\n");
	kc_req_free(&req);
}

Test(dash, forwarded_headers_only_from_trusted_proxies)
{
	struct kc_req req;
	char buf[64];

	app_req(&req, KC_M_GET, "/app/");
	req.forwarded_proto = "https";
	req.forwarded_for = "10.9.9.9, 198.51.100.7";
	cr_expect_not(dash_https(&req));
	cr_expect_str_eq(dash_client_addr(&req, buf, sizeof(buf)), "192.0.2.1");
	cr_assert_eq(kc_addr_list_parse("192.0.2.0/24", &cfg.trusted_proxies),
		     0);
	cr_expect(dash_https(&req));
	/* The proxy's own hop, not what the client put before it. */
	cr_expect_str_eq(dash_client_addr(&req, buf, sizeof(buf)),
			 "198.51.100.7");
	/* Through two of our proxies: the hop before the first of them,
	 * found from the right, whatever the client wrote to its left. */
	req.forwarded_for = "203.0.113.66, 198.51.100.7 , 192.0.2.9";
	cr_expect_str_eq(dash_client_addr(&req, buf, sizeof(buf)),
			 "198.51.100.7");
	req.forwarded_for = "192.0.2.8,192.0.2.9";
	cr_expect_str_eq(dash_client_addr(&req, buf, sizeof(buf)), "192.0.2.8");
	req.forwarded_for = "198.51.100.7, , 192.0.2.9";
	cr_expect_str_eq(dash_client_addr(&req, buf, sizeof(buf)), "192.0.2.1");
	kc_req_free(&req);
}

/* --- the router, before any session ------------------------------------ */

static const char *
header(struct kc_req *req, const char *name)
{
	static char out[8192];
	struct kc_buf h;
	const char *p;
	size_t n;

	kc_buf_init(&h, 16384);
	cr_assert_eq(kc_resp_headers(req, &h), 0);
	out[0] = '\0';
	if ((p = strstr(h.data, name)) != NULL) {
		p += strlen(name);
		n = strcspn(p, "\r");
		snprintf(out, sizeof(out), "%.*s", (int)n, p);
	}
	kc_buf_free(&h);
	return out;
}

Test(dash, no_session_is_sent_to_sign_in_and_back)
{
	struct kc_req req;

	app_req(&req, KC_M_GET, "/app/deliveries?status=dead");
	cr_assert_eq(kc_dispatch(&req), 303);
	cr_expect_str_eq(header(&req, "\r\nLocation: "),
			 "/app/sign-in?next=%2Fapp%2Fdeliveries%3Fstatus%"
			 "3Ddead");
	cr_expect_str_eq(header(&req, "\r\nContent-Security-Policy: "),
			 "default-src 'none'; script-src 'self'; style-src "
			 "'self'; img-src 'self'; form-action 'self'; "
			 "frame-ancestors 'none'; base-uri 'none'");
	cr_expect_str_eq(header(&req, "\r\nCache-Control: "), "no-store");
	kc_req_free(&req);
}

Test(dash, a_post_without_a_session_changes_nothing)
{
	static const char body[] = "csrf=x&url=https%3A%2F%2Fa.example";
	struct kc_req req;

	app_req(&req, KC_M_POST, "/app/endpoints");
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body;
	req.body_len = strlen(body);
	cr_assert_eq(kc_dispatch(&req), 303);
	/* A POST is never replayed after signing in. */
	cr_expect_str_eq(header(&req, "\r\nLocation: "), "/app/sign-in");
	kc_req_free(&req);
}

Test(dash, sign_in_needs_the_token_of_its_form)
{
	static const char body[] = "csrf=abc&email=a%40b.example&password=x";
	struct kc_req req;

	/* No cookie to match. */
	app_req(&req, KC_M_POST, "/app/sign-in");
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body;
	req.body_len = strlen(body);
	cr_expect_eq(kc_dispatch(&req), 403);
	cr_expect_str_eq(req.resp.content_type, "text/html; charset=utf-8");
	kc_req_free(&req);
	/* A cookie that differs from the form. */
	app_req(&req, KC_M_POST, "/app/sign-in");
	req.content_type = "application/x-www-form-urlencoded";
	req.cookie = "kc_signin=abd";
	req.body = body;
	req.body_len = strlen(body);
	cr_expect_eq(kc_dispatch(&req), 403);
	kc_req_free(&req);
}

Test(dash, forms_must_be_urlencoded)
{
	struct kc_req req;

	app_req(&req, KC_M_POST, "/app/sign-in");
	req.content_type = "application/json";
	req.body = "{}";
	req.body_len = 2;
	cr_expect_eq(kc_dispatch(&req), 415);
	kc_req_free(&req);
}

Test(dash, unknown_pages_and_parameters_are_pages)
{
	struct kc_req req;

	app_req(&req, KC_M_GET, "/app/no-such-page");
	cr_expect_eq(kc_dispatch(&req), 404);
	cr_expect_str_eq(req.resp.content_type, "text/html; charset=utf-8");
	cr_expect_not_null(strstr(req.resp.body.data, "no such page"));
	kc_req_free(&req);
	app_req(&req, KC_M_DELETE, "/app/keys");
	cr_expect_eq(kc_dispatch(&req), 405);
	kc_req_free(&req);
	/* A parameter the page does not know: the dashboard's own 400 page
	 * (the API would answer it with a problem). */
	app_req(&req, KC_M_GET, "/app/deliveries?evil=1");
	cr_expect_eq(kc_dispatch(&req), 400);
	cr_expect_str_eq(req.resp.content_type, "text/html; charset=utf-8");
	cr_expect_not_null(
	    strstr(req.resp.body.data, "a parameter it does not know"));
	kc_req_free(&req);
	/* The API's own paths keep their JSON problems. */
	app_req(&req, KC_M_GET, "/v1/nothing");
	cr_expect_eq(kc_dispatch(&req), 404);
	cr_expect_str_eq(req.resp.content_type, "application/problem+json");
	kc_req_free(&req);
}

Test(dash, every_dashboard_route_has_one_role_or_is_open)
{
	const struct kc_route *r;
	size_t i;
	int n;

	for (i = 0; (r = kc_route_at(i)) != NULL; i++) {
		if (!(r->flags & KC_R_DASH)) {
			cr_expect_neq(strncmp(r->pattern, "/app", 4), 0,
				      "%s is not a dashboard route",
				      r->pattern);
			continue;
		}
		n = !!(r->flags & KC_R_VIEWER) + !!(r->flags & KC_R_ADMIN) +
		    !!(r->flags & KC_R_OWNER) + !!(r->flags & KC_R_DASH_OPEN);
		cr_expect_eq(n, 1, "%s", r->pattern);
		cr_expect_eq(r->scope, 0, "%s", r->pattern);
		/* Every change is a POST and needs more than reading. */
		if (r->method == KC_M_POST && !(r->flags & KC_R_DASH_OPEN) &&
		    strncmp(r->pattern, "/app/sign-out", 13) != 0)
			cr_expect(r->flags & (KC_R_ADMIN | KC_R_OWNER), "%s",
				  r->pattern);
	}
}

/* --- what the list pages share ------------------------------------------ */

Test(dash, phone_numbers_as_people_write_them)
{
	static const char *const good[][2] = {
	    {"+1 (415) 555-0123", "+14155550123"},
	    {"415 555 0123", "+14155550123"},
	    {"415.555.0123", "+14155550123"},
	    {"14155550123", "+14155550123"},
	    {"+14155550123", "+14155550123"},
	};
	static const char *const bad[] = {
	    "",
	    "call me",
	    "+1 415 555 012",
	    "4155550123x1",
	    "++14155550123",
	    "415+5550123",
	    "911",
	    "+1 415 911 0123",
	    "+1 415 155 0123",
	};
	char out[24];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_expect_eq(dash_phone(good[i][0], out, sizeof(out)), 0, "%s",
			     good[i][0]);
		cr_expect_str_eq(out, good[i][1], "%s", good[i][0]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(dash_phone(bad[i], out, sizeof(out)), -1, "%s",
			     bad[i]);
	cr_expect_eq(dash_phone(NULL, out, sizeof(out)), -1);
	/* Too small an answer is a refusal, never a cut number. */
	cr_expect_eq(dash_phone("+14155550123", out, 8), -1);
}

Test(dash, durations_and_words_for_people)
{
	struct kc_buf b;
	json_t *v;

	kc_buf_init(&b, 4096);
	v = json_integer(45);
	cr_assert_eq(dash_duration(&b, v), 0);
	json_decref(v);
	v = json_integer(185);
	cr_assert_eq(dash_duration(&b, v), 0);
	json_decref(v);
	v = json_integer(7860);
	cr_assert_eq(dash_duration(&b, v), 0);
	json_decref(v);
	cr_assert_eq(dash_duration(&b, json_null()), 0);
	cr_expect_str_eq(b.data, "45 s3 min 5 s2 h 11 min—");
	kc_buf_reset(&b);
	cr_assert_eq(dash_words(&b, "lead_captured") |
			 dash_words(&b, " <b>&_") | dash_words(&b, NULL),
		     0);
	cr_expect_str_eq(b.data, "lead captured &lt;b&gt;&amp; —");
	kc_buf_free(&b);
}

Test(dash, filter_options_are_the_api_words_with_the_current_selected)
{
	static const char *const states[] = {"in_progress", "ended", NULL};
	struct kc_buf b;

	kc_buf_init(&b, 4096);
	cr_assert_eq(dash_options(&b, "any status", states, "ended"), 0);
	cr_expect_str_eq(b.data, "<option value=\"\">any status</option>"
				 "<option value=\"in_progress\">in "
				 "progress</option><option value=\"ended\" "
				 "selected>ended</option>");
	kc_buf_reset(&b);
	cr_assert_eq(dash_options(&b, NULL, states, NULL), 0);
	cr_expect_str_eq(b.data, "<option value=\"in_progress\">in "
				 "progress</option><option "
				 "value=\"ended\">ended</option>");
	kc_buf_free(&b);
}

Test(dash, the_older_link_keeps_the_filters_but_not_a_notice)
{
	struct kc_req req;
	struct kc_buf b;
	json_t *list =
	    json_pack("{s:b, s:s}", "has_more", 1, "next_cursor", "dnc_abc");

	app_req(&req, KC_M_GET,
		"/app/dnc?phone=%2B1%20415&done=added&after=dnc_old");
	kc_buf_init(&b, 4096);
	cr_assert_eq(dash_pager(&req, "/app/dnc", list, &b), 0);
	cr_expect_str_eq(b.data, "<p class=\"pager\"><a "
				 "href=\"/app/dnc?phone=%2B1%20415&amp;after="
				 "dnc_abc\">Older</a></p>");
	/* The last page has no link. */
	kc_buf_reset(&b);
	json_object_set_new(list, "has_more", json_false());
	cr_assert_eq(dash_pager(&req, "/app/dnc", list, &b), 0);
	cr_expect_eq(b.len, 0);
	kc_buf_free(&b);
	json_decref(list);
	kc_req_free(&req);
}

/* A row of the list page test: the item's "name", as text. */
static int
name_row(struct kc_req *req, const json_t *item, struct kc_buf *rows)
{
	(void)req;
	return html_lit(rows, "<li>") |
	       html_txt(rows, kc_json_str(item, "name")) |
	       html_lit(rows, "</li>");
}

Test(dash, a_list_page_renders_its_rows_or_says_what_went_wrong)
{
	static const struct dash_list page = {"list.html", "/app/x", "Things",
					      "overview", name_row};
	struct kc_req req;
	json_t *list;

	tmpdir();
	template("list.html", "<p>@@filter@@</p><ul>@@rows@@</ul>@@more@@");
	template("layout.html", "@@title@@|@@refresh@@|@@business@@|"
				"@@header@@|@@content@@");
	template("error.html", "@@message@@ @@status@@ @@title@@ "
			       "@@request_id@@");
	free(cfg.www_dir);
	cfg.www_dir = strdup(tdir);
	list = json_pack("{s:[{s:s}, {s:s}], s:b, s:s}", "data", "name", "<a>",
			 "name", "b", "has_more", 1, "next_cursor", "x_2");
	app_req(&req, KC_M_GET, "/app/x?q=1");
	{
		struct dash_slot slots[] = {DASH_TXT("filter", "f&")};
		cr_assert_eq(dash_list_page(&req, &page, 200, 0, list,
					    DASH_SLOTS(slots)),
			     200);
	}
	cr_expect_not_null(strstr(req.resp.body.data,
				  "<p>f&amp;</p><ul><li>&lt;a&gt;</li><li>b"
				  "</li></ul><p class=\"pager\"><a "
				  "href=\"/app/x?q=1&amp;after=x_2\">"),
			   "%s", req.resp.body.data);
	kc_req_free(&req);
	/* A cursor of no page: 400; any other failure: 500, or 503 as here,
	 * where there is no database. The list is taken either way (ASan
	 * would see a leak). */
	app_req(&req, KC_M_GET, "/app/x");
	cr_expect_eq(dash_list_page(&req, &page, 200, KC_NOTFOUND,
				    json_object(), NULL, 0),
		     400);
	kc_req_free(&req);
	app_req(&req, KC_M_GET, "/app/x");
	cr_expect_eq(
	    dash_list_page(&req, &page, 200, -1, json_object(), NULL, 0), 503);
	kc_req_free(&req);
}
