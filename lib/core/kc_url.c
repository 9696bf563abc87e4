#include "kc_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

int
kc_url_parse(const char *url, struct kc_url *u, char *why, size_t whylen)
{
	const char *p, *end, *colon;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (url == NULL || strlen(url) > 2048) {
		snprintf(why, whylen, "url must be at most 2048 bytes");
		return -1;
	}
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(why, whylen,
				 "url must not contain spaces or control or "
				 "non-ASCII characters");
			return -1;
		}
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = 1;
		p = url + 8;
		u->port = 443;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
		u->port = 80;
	} else {
		snprintf(why, whylen, "url must start with https://");
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL) {
		snprintf(why, whylen, "url must not contain credentials");
		return -1;
	}
	if (*p == '[') { /* IPv6 literal */
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL) {
			snprintf(why, whylen, "url has a malformed IPv6 host");
			return -1;
		}
		n = (size_t)(close - p - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		p++;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon ? colon : end) - p);
	}
	if (n == 0 || n >= sizeof(u->host)) {
		snprintf(why, whylen, "url has no host");
		return -1;
	}
	memcpy(u->host, p, n);
	u->host[n] = '\0';
	if (colon) {
		char *e;
		long port = strtol(colon + 1, &e, 10);
		if (e != end || port < 1 || port > 65535 || colon + 1 == end) {
			snprintf(why, whylen, "url has a bad port");
			return -1;
		}
		u->port = (unsigned)port;
	}
	return 0;
}

int
kc_url_host_allowed(const char *host, const char *allow)
{
	size_t n = strlen(host), len;
	const char *p;

	for (p = allow ? allow : ""; *p;) {
		while (*p == ',' || *p == ' ')
			p++;
		len = strcspn(p, ", ");
		if (len == n && len > 0 && strncasecmp(p, host, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* An address block: the first len bits of p. */
struct ip_block {
	unsigned char p[16];
	unsigned len;
};

static int
in_block(const unsigned char *a, const struct ip_block *b)
{
	unsigned full = b->len / 8, rest = b->len % 8;

	if (memcmp(a, b->p, full) != 0)
		return 0;
	return rest == 0 ||
	       ((a[full] ^ b->p[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static int
in_any_block(const unsigned char *a, const struct ip_block *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (in_block(a, &t[i]))
			return 1;
	return 0;
}

/* The IANA IPv4 Special-Purpose Address Registry's blocks that are not
 * globally reachable, and multicast. Where the registry makes a globally
 * reachable exception inside a block (192.0.0.9, 192.0.0.10), the whole
 * block is still refused: no webhook receiver lives there. */
static const struct ip_block v4_blocks[] = {
    /* 0.0.0.0/8 "this network" (RFC 791) */
    {{0}, 8},
    /* 10.0.0.0/8 private (RFC 1918) */
    {{10}, 8},
    /* 100.64.0.0/10 shared address space, CGNAT (RFC 6598) */
    {{100, 64}, 10},
    /* 127.0.0.0/8 loopback (RFC 1122) */
    {{127}, 8},
    /* 169.254.0.0/16 link-local (RFC 3927), home of cloud metadata */
    {{169, 254}, 16},
    /* 172.16.0.0/12 private (RFC 1918) */
    {{172, 16}, 12},
    /* 192.0.0.0/24 IETF protocol assignments (RFC 6890) */
    {{192, 0, 0}, 24},
    /* 192.0.2.0/24 documentation, TEST-NET-1 (RFC 5737) */
    {{192, 0, 2}, 24},
    /* 192.88.99.0/24 6to4 relay anycast, deprecated (RFC 7526) */
    {{192, 88, 99}, 24},
    /* 192.168.0.0/16 private (RFC 1918) */
    {{192, 168}, 16},
    /* 198.18.0.0/15 benchmarking (RFC 2544) */
    {{198, 18}, 15},
    /* 198.51.100.0/24 documentation, TEST-NET-2 (RFC 5737) */
    {{198, 51, 100}, 24},
    /* 203.0.113.0/24 documentation, TEST-NET-3 (RFC 5737) */
    {{203, 0, 113}, 24},
    /* 224.0.0.0/4 multicast (RFC 5771) */
    {{224}, 4},
    /* 240.0.0.0/4 reserved (RFC 1112), which holds the limited
     * broadcast address 255.255.255.255/32 (RFC 919) */
    {{240}, 4},
};

/* The same for IPv6 (the IANA IPv6 Special-Purpose Address Registry, and
 * multicast). The forms that carry an IPv4 address are in v6_embeds. */
static const struct ip_block v6_blocks[] = {
    /* ::/128 unspecified (RFC 4291) */
    {{0}, 128},
    /* ::1/128 loopback (RFC 4291) */
    {{[15] = 1}, 128},
    /* 64:ff9b:1::/48 local-use NAT64 (RFC 8215): the IPv4 address inside
     * is wherever its operator's translator puts it, so all of it */
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 48},
    /* 100::/64 discard-only (RFC 6666) */
    {{0x01}, 64},
    /* 100:0:0:1::/64 dummy prefix (RFC 9780) */
    {{0x01, 0, 0, 0, 0, 0, 0, 1}, 64},
    /* 2001::/23 IETF protocol assignments (RFC 2928), all of it: Teredo
     * 2001::/32 (RFC 4380) hides its client's IPv4 address, and the few
     * globally reachable entries (AS112, AMT, ORCHIDv2) are no webhook
     * receivers */
    {{0x20, 0x01, 0x00}, 23},
    /* 2001:db8::/32 documentation (RFC 3849) */
    {{0x20, 0x01, 0x0d, 0xb8}, 32},
    /* 3fff::/20 documentation (RFC 9637) */
    {{0x3f, 0xff, 0x00}, 20},
    /* 5f00::/16 SRv6 SIDs (RFC 9602) */
    {{0x5f, 0x00}, 16},
    /* fc00::/7 unique local (RFC 4193) */
    {{0xfc}, 7},
    /* fe80::/10 link-local (RFC 4291) */
    {{0xfe, 0x80}, 10},
    /* fec0::/10 site-local (RFC 3879): deprecated, yet still routed
     * inside some networks */
    {{0xfe, 0xc0}, 10},
    /* ff00::/8 multicast (RFC 4291) */
    {{0xff}, 8},
};

/* IPv6 forms that carry an IPv4 address, which decides for them: the
 * packet ends up at, or is translated to, that address. Checked after
 * v6_blocks, so :: and ::1 are refused by name. */
static const struct {
	struct ip_block block;
	unsigned v4_at; /* the IPv4 address's first byte */
} v6_embeds[] = {
    /* ::ffff:0:0/96 IPv4-mapped (RFC 4291) */
    {{{[10] = 0xff, [11] = 0xff}, 96}, 12},
    /* ::ffff:0:0:0/96 IPv4-translated (RFC 2765, SIIT) */
    {{{[8] = 0xff, [9] = 0xff}, 96}, 12},
    /* ::/96 IPv4-compatible, deprecated (RFC 4291) */
    {{{0}, 96}, 12},
    /* 64:ff9b::/96 NAT64 well-known prefix (RFC 6052) */
    {{{0, 0x64, 0xff, 0x9b}, 96}, 12},
    /* 2002::/16 6to4 (RFC 3056): bits 16..47 */
    {{{0x20, 0x02}, 16}, 2},
};

#define NELEM(t) (sizeof(t) / sizeof((t)[0]))

static int
v4_is_internal(const unsigned char *a)
{
	return in_any_block(a, v4_blocks, NELEM(v4_blocks));
}

static int
v6_is_internal(const unsigned char *a)
{
	size_t i;

	if (in_any_block(a, v6_blocks, NELEM(v6_blocks)))
		return 1;
	for (i = 0; i < NELEM(v6_embeds); i++)
		if (in_block(a, &v6_embeds[i].block))
			return v4_is_internal(a + v6_embeds[i].v4_at);
	return 0;
}

int
kc_ip_is_internal(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return v4_is_internal(b);
	if (inet_pton(AF_INET6, addr, b) == 1)
		return v6_is_internal(b);
	return 1; /* not an address we understand: treat as internal */
}

int
kc_url_check_webhook(const char *url, const char *allow, char *why,
		     size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct kc_url u;
	char addr[INET6_ADDRSTRLEN];
	int rc = 0;

	if (kc_url_parse(url, &u, why, whylen) != 0)
		return -1;
	if (kc_url_host_allowed(u.host, allow))
		return 0;
	if (!u.https) {
		snprintf(why, whylen, "url must use https");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(u.host, NULL, &hints, &res) != 0 || res == NULL) {
		snprintf(why, whylen, "url's host %s does not resolve", u.host);
		return -1;
	}
	/* Every address must be public: a name with one internal address
	 * among public ones is still a way in. */
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a =
		    ai->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)ai->ai_addr)
			      ->sin_addr
			: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)
			      ->sin6_addr;
		if (inet_ntop(ai->ai_family, a, addr, sizeof(addr)) == NULL ||
		    kc_ip_is_internal(addr)) {
			snprintf(why, whylen,
				 "url's host %s resolves to a private, "
				 "loopback, link-local, metadata or other "
				 "special-purpose address",
				 u.host);
			rc = -1;
			break;
		}
	}
	freeaddrinfo(res);
	return rc;
}
