#include "kc_url.h"

#include <criterion/criterion.h>

Test(ip, internal_addresses)
{
	static const char *const internal[] = {
	    "127.0.0.1",
	    "10.0.0.1",
	    "172.16.0.1",
	    "172.31.255.255",
	    "192.168.0.1",
	    "169.254.169.254",
	    "100.64.0.1",
	    "0.0.0.0",
	    "224.0.0.1",
	    "255.255.255.255",
	    "::1",
	    "::",
	    "fc00::1",
	    "fd12:3456::1",
	    "fe80::1",
	    "ff02::1",
	    "::ffff:10.0.0.1",
	    "::ffff:127.0.0.1",
	    "not-an-ip",
	};
	static const char *const external[] = {
	    "8.8.8.8",     "172.32.0.1",     "100.128.0.1",
	    "2001:db8::1", "::ffff:8.8.8.8", "192.0.2.1",
	};
	size_t i;

	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		cr_assert(kc_ip_is_internal(internal[i]), "%s", internal[i]);
	for (i = 0; i < sizeof(external) / sizeof(external[0]); i++)
		cr_assert_not(kc_ip_is_internal(external[i]), "%s",
			      external[i]);
}

Test(url, parse_good)
{
	struct kc_url u;
	char why[128];

	cr_assert_eq(kc_url_parse("https://hooks.example.com/x?y=1", &u, why,
				  sizeof(why)),
		     0);
	cr_assert(u.https);
	cr_assert_str_eq(u.host, "hooks.example.com");
	cr_assert_eq(u.port, 443);
	cr_assert_eq(
	    kc_url_parse("http://127.0.0.1:8080", &u, why, sizeof(why)), 0);
	cr_assert_not(u.https);
	cr_assert_eq(u.port, 8080);
	cr_assert_eq(
	    kc_url_parse("https://[2001:db8::1]:8443/h", &u, why, sizeof(why)),
	    0);
	cr_assert_str_eq(u.host, "2001:db8::1");
	cr_assert_eq(u.port, 8443);
}

Test(url, parse_bad)
{
	static const char *const bad[] = {
	    "ftp://x/",          "https://",
	    "https://:80/",      "https://a b/",
	    "https://u:p@host/", "https://host:0/",
	    "https://host:x/",   "https://host:70000/",
	    "https://[::1/",     "//host/",
	    "https://host:/",
	};
	struct kc_url u;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		cr_assert_eq(kc_url_parse(bad[i], &u, why, sizeof(why)), -1,
			     "%s", bad[i]);
		cr_assert(why[0] != '\0');
	}
	cr_assert_eq(kc_url_parse(NULL, &u, why, sizeof(why)), -1);
}

Test(url, allow_list)
{
	cr_assert(kc_url_host_allowed("127.0.0.1", "127.0.0.1,localhost"));
	cr_assert(kc_url_host_allowed("LOCALHOST", "127.0.0.1, localhost"));
	cr_assert_not(kc_url_host_allowed("127.0.0.2", "127.0.0.1,localhost"));
	cr_assert_not(kc_url_host_allowed("local", "localhost"));
	cr_assert_not(kc_url_host_allowed("x", NULL));
	cr_assert_not(kc_url_host_allowed("x", ""));
}

Test(url, webhook_policy)
{
	char why[200];

	/* Allowed hosts may use http and loopback. */
	cr_assert_eq(kc_url_check_webhook("http://127.0.0.1:9/h", "127.0.0.1",
					  why, sizeof(why)),
		     0);
	cr_assert_eq(kc_url_check_webhook("http://127.0.0.1:9/h", NULL, why,
					  sizeof(why)),
		     -1);
	cr_assert(strstr(why, "https"));
	cr_assert_eq(
	    kc_url_check_webhook("https://127.0.0.1/h", NULL, why, sizeof(why)),
	    -1);
	cr_assert(strstr(why, "private"));
	cr_assert_eq(kc_url_check_webhook("https://localhost/h", "127.0.0.1",
					  why, sizeof(why)),
		     -1, "localhost resolves to loopback");
}
