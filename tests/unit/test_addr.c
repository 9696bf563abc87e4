/*
 * Unit tests for lib/core/kc_addr: the metrics_allow list: addresses and
 * networks of both families, IPv4 seen through a dual-stack socket
 * (::ffff:a.b.c.d), and lists that must be refused.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_addr.h"

static struct kc_addr_list
parse_ok(const char *s)
{
	struct kc_addr_list l;

	cr_assert_eq(kc_addr_list_parse(s, &l), 0, "'%s' refused", s);
	return l;
}

Test(addr, empty_list_allows_nobody)
{
	struct kc_addr_list l = parse_ok("");

	cr_assert_eq(l.n, 0);
	cr_assert_eq(kc_addr_list_match(&l, "127.0.0.1"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "::1"), 0);
	l = parse_ok("   ");
	cr_assert_eq(l.n, 0);
}

Test(addr, exact_addresses)
{
	struct kc_addr_list l = parse_ok("127.0.0.1, ::1");

	cr_assert_eq(l.n, 2);
	cr_assert_eq(kc_addr_list_match(&l, "127.0.0.1"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "::1"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "127.0.0.2"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "::2"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "10.0.0.1"), 0);
	cr_assert_eq(kc_addr_list_match(&l, NULL), 0);
	cr_assert_eq(kc_addr_list_match(&l, ""), 0);
	cr_assert_eq(kc_addr_list_match(&l, "localhost"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "127.0.0.1 "), 0);
}

Test(addr, ipv4_through_a_dual_stack_socket)
{
	struct kc_addr_list l = parse_ok("127.0.0.1");

	cr_assert_eq(kc_addr_list_match(&l, "::ffff:127.0.0.1"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "::ffff:7f00:1"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "::ffff:127.0.0.2"), 0);
	/* The IPv4-compatible form is another address. */
	cr_assert_eq(kc_addr_list_match(&l, "::127.0.0.1"), 0);
}

Test(addr, networks)
{
	struct kc_addr_list l =
	    parse_ok("10.0.0.0/8,192.168.1.128/25,fd00:1:2:3::/64");

	cr_assert_eq(kc_addr_list_match(&l, "10.0.0.0"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "10.255.255.255"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "11.0.0.0"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "9.255.255.255"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "192.168.1.128"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "192.168.1.255"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "192.168.1.127"), 0);
	cr_assert_eq(kc_addr_list_match(&l, "::ffff:10.1.2.3"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "fd00:1:2:3::9"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "fd00:1:2:3:ffff:ffff:ffff:ffff"),
		     1);
	cr_assert_eq(kc_addr_list_match(&l, "fd00:1:2:4::"), 0);
}

Test(addr, whole_families)
{
	struct kc_addr_list l = parse_ok("0.0.0.0/0");

	cr_assert_eq(kc_addr_list_match(&l, "203.0.113.9"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "2001:db8::1"), 0);
	l = parse_ok("::/0");
	cr_assert_eq(kc_addr_list_match(&l, "2001:db8::1"), 1);
	cr_assert_eq(kc_addr_list_match(&l, "203.0.113.9"), 1);
}

Test(addr, bad_lists_refused)
{
	static const char *const bad[] = {
	    "localhost",    "127.0.0.1,",   ",127.0.0.1",  "127.0.0.1,,::1",
	    "127.0.0.1/33", "::1/129",      "10.0.0.0/",   "10.0.0.0/x",
	    "10.0.0.0/-1",  "10.0.0.0/8/8", "127.0.0.256", "fe80::1%eth0",
	    "127.0.0.1 ::1"};
	struct kc_addr_list l;
	char many[1024] = "";
	size_t i, o = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(kc_addr_list_parse(bad[i], &l), -1,
			     "'%s' accepted", bad[i]);
	for (i = 0; i <= KC_ADDR_LIST_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%s10.0.0.1",
				      i ? "," : "");
	cr_assert_eq(kc_addr_list_parse(many, &l), -1);
	many[strlen(many) - strlen(",10.0.0.1")] = '\0';
	cr_assert_eq(kc_addr_list_parse(many, &l), 0);
	cr_assert_eq(l.n, KC_ADDR_LIST_MAX);
}

/* The sign-in throttle counts a client by this key: every address of one
 * IPv6 /64 is one client, and IPv4 is itself however it comes. */
Test(addr, client_key_groups_ipv6_by_64_and_unmaps_ipv4)
{
	char a[KC_ADDR_CLIENT_MAX], b[KC_ADDR_CLIENT_MAX];

	cr_assert_eq(kc_addr_client_key("2001:db8:1:2::1", a, sizeof(a)), 0);
	cr_assert_eq(
	    kc_addr_client_key("2001:db8:1:2:ffff:1:2:3", b, sizeof(b)), 0);
	cr_assert_str_eq(a, b);
	cr_assert_str_eq(a, "2001:db8:1:2::/64");
	cr_assert_eq(kc_addr_client_key("2001:db8:1:3::1", b, sizeof(b)), 0);
	cr_assert_str_neq(a, b);
	cr_assert_eq(kc_addr_client_key("::ffff:192.0.2.7", a, sizeof(a)), 0);
	cr_assert_str_eq(a, "192.0.2.7");
	cr_assert_eq(kc_addr_client_key("192.0.2.7", b, sizeof(b)), 0);
	cr_assert_str_eq(b, "192.0.2.7");
	cr_assert_eq(kc_addr_client_key("192.0.2.8", b, sizeof(b)), 0);
	cr_assert_str_eq(b, "192.0.2.8");
	cr_assert_eq(kc_addr_client_key("not-an-address", a, sizeof(a)), -1);
	cr_assert_eq(kc_addr_client_key(NULL, a, sizeof(a)), -1);
	cr_assert_eq(kc_addr_client_key("2001:db8::1", a, 8), -1);
}
