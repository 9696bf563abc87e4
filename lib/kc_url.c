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

int
kc_ip_is_internal(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1) {
		return b[0] == 0 || b[0] == 10 || b[0] == 127 ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64) || /* CGNAT */
		       (b[0] == 169 && b[1] == 254) ||         /* metadata */
		       (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) ||
		       (b[0] == 192 && b[1] == 0 && b[2] == 0) || b[0] >= 224;
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		static const unsigned char zero[16];
		char v4[INET_ADDRSTRLEN];
		/* ::ffff:a.b.c.d is the IPv4 address in disguise. */
		if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
			return inet_ntop(AF_INET, b + 12, v4, sizeof(v4)) &&
			       kc_ip_is_internal(v4);
		return memcmp(b, zero, 15) == 0 || /* :: and ::1 */
		       (b[0] & 0xfe) == 0xfc ||    /* unique local */
		       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* link */
		       b[0] == 0xff; /* multicast */
	}
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
				 "loopback, link-local or metadata address",
				 u.host);
			rc = -1;
			break;
		}
	}
	freeaddrinfo(res);
	return rc;
}
