/* Lists of client addresses and networks ("127.0.0.1, ::1, 10.0.0.0/8"),
 * checked against the address a web server reports (REMOTE_ADDR). An
 * IPv4 address matches whether it comes as itself or mapped into IPv6
 * (::ffff:127.0.0.1, as a dual-stack socket reports it). */
#ifndef KC_ADDR_H
#define KC_ADDR_H

#include <stddef.h>

#define KC_ADDR_LIST_MAX 32

struct kc_addr_net {
	unsigned char a[16]; /* IPv4 as ::ffff:a.b.c.d */
	unsigned bits;       /* prefix length over the 128 bits */
};

struct kc_addr_list {
	struct kc_addr_net net[KC_ADDR_LIST_MAX];
	size_t n;
};

/* Parses a comma-separated list (spaces allowed; empty: nobody). -1 if an
 * entry is not an address or address/prefix, or there are too many. */
int kc_addr_list_parse(const char *s, struct kc_addr_list *out);
/* 1 if the textual address addr (may be NULL) is in the list. */
int kc_addr_list_match(const struct kc_addr_list *l, const char *addr);

/* The client addr names, for counting what a client does: an IPv4
 * address whole (also when it comes mapped into IPv6), an IPv6 address
 * by its /64, which one subscriber usually holds entirely (counting each
 * of its addresses apart would let it count afresh at will). Written as
 * text into out (cap bytes, KC_ADDR_CLIENT_MAX is enough); -1 if addr is
 * not an address. */
#define KC_ADDR_CLIENT_MAX 64
int kc_addr_client_key(const char *addr, char *out, size_t cap);

#endif
