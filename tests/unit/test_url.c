#include "kc_url.h"

#include <criterion/criterion.h>

/* One row per claim: an address, whether it must be refused, and the block
 * (or the reason) it stands for, so a failure names what regressed. */
struct ip_case {
	const char *addr;
	int internal;
	const char *why;
};

static void
check_ips(const struct ip_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_expect_eq(kc_ip_is_internal(c[i].addr), c[i].internal,
			     "%s should be %s (%s)", c[i].addr,
			     c[i].internal ? "internal" : "public", c[i].why);
}

#define CHECK_IPS(t) check_ips((t), sizeof(t) / sizeof((t)[0]))

/* The five addresses the filter let through before it read the IANA
 * registries and the embedded-IPv4 forms. */
Test(ip, reported_bypasses)
{
	static const struct ip_case c[] = {
	    {"64:ff9b::a9fe:a9fe", 1, "NAT64 of 169.254.169.254"},
	    {"::7f00:1", 1, "IPv4-compatible 127.0.0.1"},
	    {"2002:a9fe:a9fe::1", 1, "6to4 of 169.254.169.254"},
	    {"fec0::1", 1, "site-local fec0::/10"},
	    {"198.18.0.1", 1, "benchmarking 198.18.0.0/15"},
	};

	CHECK_IPS(c);
}

Test(ip, ipv4_special_purpose)
{
	static const struct ip_case c[] = {
	    {"0.0.0.0", 1, "0.0.0.0/8 this network"},
	    {"0.255.255.255", 1, "0.0.0.0/8 this network"},
	    {"1.0.0.1", 0, "just above 0.0.0.0/8"},
	    {"10.0.0.1", 1, "10.0.0.0/8 private"},
	    {"10.255.255.255", 1, "10.0.0.0/8 private"},
	    {"11.0.0.1", 0, "just above 10.0.0.0/8"},
	    {"100.64.0.1", 1, "100.64.0.0/10 shared (CGNAT)"},
	    {"100.127.255.255", 1, "100.64.0.0/10 shared (CGNAT)"},
	    {"100.63.255.255", 0, "just below 100.64.0.0/10"},
	    {"100.128.0.1", 0, "just above 100.64.0.0/10"},
	    {"127.0.0.1", 1, "127.0.0.0/8 loopback"},
	    {"127.255.255.254", 1, "127.0.0.0/8 loopback"},
	    {"128.0.0.1", 0, "just above 127.0.0.0/8"},
	    {"169.254.169.254", 1, "169.254.0.0/16 link-local (metadata)"},
	    {"169.254.0.1", 1, "169.254.0.0/16 link-local"},
	    {"169.253.255.255", 0, "just below 169.254.0.0/16"},
	    {"169.255.0.1", 0, "just above 169.254.0.0/16"},
	    {"172.16.0.1", 1, "172.16.0.0/12 private"},
	    {"172.31.255.255", 1, "172.16.0.0/12 private"},
	    {"172.15.255.255", 0, "just below 172.16.0.0/12"},
	    {"172.32.0.1", 0, "just above 172.16.0.0/12"},
	    {"192.0.0.1", 1, "192.0.0.0/24 IETF protocol assignments"},
	    {"192.0.0.170", 1, "192.0.0.0/24 (NAT64 discovery)"},
	    {"192.0.2.1", 1, "192.0.2.0/24 TEST-NET-1"},
	    {"192.0.3.1", 0, "just above 192.0.2.0/24"},
	    {"192.88.99.1", 1, "192.88.99.0/24 6to4 relay anycast"},
	    {"192.88.98.1", 0, "just below 192.88.99.0/24"},
	    {"192.88.100.1", 0, "just above 192.88.99.0/24"},
	    {"192.168.0.1", 1, "192.168.0.0/16 private"},
	    {"192.168.255.255", 1, "192.168.0.0/16 private"},
	    {"192.167.255.255", 0, "just below 192.168.0.0/16"},
	    {"192.169.0.1", 0, "just above 192.168.0.0/16"},
	    {"198.19.255.255", 1, "198.18.0.0/15 benchmarking"},
	    {"198.17.255.255", 0, "just below 198.18.0.0/15"},
	    {"198.20.0.1", 0, "just above 198.18.0.0/15"},
	    {"198.51.100.1", 1, "198.51.100.0/24 TEST-NET-2"},
	    {"198.51.101.1", 0, "just above 198.51.100.0/24"},
	    {"203.0.113.1", 1, "203.0.113.0/24 TEST-NET-3"},
	    {"203.0.112.1", 0, "just below 203.0.113.0/24"},
	    {"203.0.114.1", 0, "just above 203.0.113.0/24"},
	    {"224.0.0.1", 1, "224.0.0.0/4 multicast"},
	    {"239.255.255.255", 1, "224.0.0.0/4 multicast"},
	    {"223.255.255.255", 0, "just below 224.0.0.0/4"},
	    {"240.0.0.1", 1, "240.0.0.0/4 reserved"},
	    {"255.255.255.255", 1, "255.255.255.255/32 limited broadcast"},
	    {"8.8.8.8", 0, "public"},
	    {"1.1.1.1", 0, "public"},
	};

	CHECK_IPS(c);
}

Test(ip, ipv6_special_purpose)
{
	static const struct ip_case c[] = {
	    {"::", 1, "::/128 unspecified"},
	    {"::1", 1, "::1/128 loopback"},
	    {"64:ff9b:1::1", 1, "64:ff9b:1::/48 local-use NAT64"},
	    {"64:ff9b:1:ffff::808:808", 1,
	     "64:ff9b:1::/48 whatever IPv4 it carries"},
	    {"100::1", 1, "100::/64 discard-only"},
	    {"100::ffff:ffff:ffff:ffff", 1, "100::/64 discard-only"},
	    {"100:0:0:1::1", 1, "100:0:0:1::/64 dummy prefix"},
	    {"2001::1", 1, "2001::/32 Teredo"},
	    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", 1,
	     "2001::/32 Teredo (a public server and client)"},
	    {"2001:1ff:ffff::1", 1, "2001::/23 IETF protocol assignments"},
	    {"2001:200::1", 0, "just above 2001::/23"},
	    {"2001:db8::1", 1, "2001:db8::/32 documentation"},
	    {"2001:db8:ffff::1", 1, "2001:db8::/32 documentation"},
	    {"2001:db7:ffff::1", 0, "just below 2001:db8::/32"},
	    {"2001:db9::1", 0, "just above 2001:db8::/32"},
	    {"3fff::1", 1, "3fff::/20 documentation"},
	    {"3fff:fff:ffff::1", 1, "3fff::/20 documentation"},
	    {"3fff:1000::1", 0, "just above 3fff::/20"},
	    {"5f00::1", 1, "5f00::/16 SRv6 SIDs"},
	    {"5f00:ffff::1", 1, "5f00::/16 SRv6 SIDs"},
	    {"fc00::1", 1, "fc00::/7 unique local"},
	    {"fdff:ffff::1", 1, "fc00::/7 unique local"},
	    {"fe80::1", 1, "fe80::/10 link-local"},
	    {"febf:ffff::1", 1, "fe80::/10 link-local"},
	    {"fec0::1", 1, "fec0::/10 site-local"},
	    {"feff:ffff::1", 1, "fec0::/10 site-local"},
	    {"ff02::1", 1, "ff00::/8 multicast"},
	    {"ff0e::1", 1, "ff00::/8 multicast (global scope)"},
	    {"2606:4700:4700::1111", 0, "public"},
	    {"2001:4860:4860::8888", 0, "public"},
	};

	CHECK_IPS(c);
}

/* An IPv6 form that carries an IPv4 address is as internal as that
 * address, and no more: a public one inside stays usable. */
Test(ip, embedded_ipv4)
{
	static const struct ip_case c[] = {
	    {"::ffff:10.0.0.1", 1, "IPv4-mapped private"},
	    {"::ffff:127.0.0.1", 1, "IPv4-mapped loopback"},
	    {"::ffff:169.254.169.254", 1, "IPv4-mapped metadata"},
	    {"::ffff:198.18.0.1", 1, "IPv4-mapped benchmarking"},
	    {"::ffff:8.8.8.8", 0, "IPv4-mapped public"},
	    {"::ffff:0:a9fe:a9fe", 1, "IPv4-translated metadata (SIIT)"},
	    {"::ffff:0:7f00:1", 1, "IPv4-translated loopback (SIIT)"},
	    {"::ffff:0:808:808", 0, "IPv4-translated public (SIIT)"},
	    {"::a9fe:a9fe", 1, "IPv4-compatible metadata"},
	    {"::10.0.0.1", 1, "IPv4-compatible private"},
	    {"::8.8.8.8", 0, "IPv4-compatible public"},
	    {"64:ff9b::7f00:1", 1, "NAT64 loopback"},
	    {"64:ff9b::c0a8:101", 1, "NAT64 192.168.1.1"},
	    {"64:ff9b::c612:1", 1, "NAT64 benchmarking"},
	    {"64:ff9b::808:808", 0, "NAT64 public"},
	    {"2002:7f00:1::1", 1, "6to4 loopback"},
	    {"2002:a00:1::1", 1, "6to4 10.0.0.1"},
	    {"2002:c0a8:101::1", 1, "6to4 192.168.1.1"},
	    {"2002:808:808::1", 0, "6to4 public"},
	    {"2003::1", 0, "just above 2002::/16"},
	};

	CHECK_IPS(c);
}

/* Whatever does not parse as one plain address is refused. */
Test(ip, unparsable_is_internal)
{
	static const struct ip_case c[] = {
	    {"not-an-ip", 1, "a name"},          {"", 1, "empty"},
	    {"1.2.3", 1, "short IPv4"},          {"0x7f.0.0.1", 1, "hex IPv4"},
	    {"fe80::1%eth0", 1, "a zone index"}, {"[::1]", 1, "brackets"},
	};

	CHECK_IPS(c);
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
	/* Literals resolve to themselves and meet the same filter. */
	cr_assert_eq(kc_url_check_webhook("https://[64:ff9b::a9fe:a9fe]/h",
					  NULL, why, sizeof(why)),
		     -1);
	cr_assert(strstr(why, "special-purpose"), "%s", why);
	cr_assert_eq(kc_url_check_webhook("https://198.18.0.1/h", NULL, why,
					  sizeof(why)),
		     -1);
}
