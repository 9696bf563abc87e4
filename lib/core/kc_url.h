/* Webhook URLs: parsed strictly, HTTPS only, and never pointing into our
 * own network (SSRF) unless the configuration allows the host. */
#ifndef KC_URL_H
#define KC_URL_H

#include <stddef.h>

struct kc_url {
	int https;
	char host[256];
	unsigned port;
};

/* Splits an absolute http(s) URL. 0 or -1 with why. */
int kc_url_parse(const char *url, struct kc_url *u, char *why, size_t whylen);
/* 1 if host appears in the comma-separated allow list. */
int kc_url_host_allowed(const char *host, const char *allow);
/* 1 if the textual IPv4/IPv6 address is not for us to connect to: in an
 * IANA special-purpose block that is not globally reachable (loopback,
 * private, link-local and metadata, CGNAT, documentation, ...), multicast,
 * an IPv6 form carrying such an IPv4 address (mapped, compatible, NAT64,
 * 6to4), or not one address at all. 0 if public. */
int kc_ip_is_internal(const char *addr);
/* The whole policy: scheme, syntax, and every address the host resolves
 * to. 0 acceptable, -1 with why (a sentence for the API caller). */
int kc_url_check_webhook(const char *url, const char *allow, char *why,
			 size_t whylen);

#endif
