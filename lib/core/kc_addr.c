#include "kc_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* addr as 16 bytes, IPv4 mapped; *v4 says which it was. */
static int
to16(const char *addr, unsigned char out[16], int *v4)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		*v4 = 1;
		return 0;
	}
	*v4 = 0;
	return inet_pton(AF_INET6, addr, out) == 1 ? 0 : -1;
}

static int
parse_one(const char *s, size_t n, struct kc_addr_net *net)
{
	char buf[64], *slash, *end;
	long bits;
	int v4;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (to16(buf, net->a, &v4) != 0)
		return -1;
	net->bits = 128;
	if (slash) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || bits < 0 ||
		    bits > (v4 ? 32 : 128))
			return -1;
		net->bits = (unsigned)bits + (v4 ? 96 : 0);
	}
	return 0;
}

int
kc_addr_list_parse(const char *s, struct kc_addr_list *out)
{
	const char *p = s + strspn(s, " \t");

	memset(out, 0, sizeof(*out));
	if (*p == '\0')
		return 0;
	for (;;) {
		size_t n = strcspn(p, ","), t = n;

		while (t > 0 && (p[t - 1] == ' ' || p[t - 1] == '\t'))
			t--;
		if (out->n == KC_ADDR_LIST_MAX ||
		    parse_one(p, t, &out->net[out->n]) != 0)
			return -1;
		out->n++;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
		p += strspn(p, " \t");
	}
}

static int
in_net(const struct kc_addr_net *net, const unsigned char a[16])
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->a, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net->a[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int
kc_addr_list_match(const struct kc_addr_list *l, const char *addr)
{
	unsigned char a[16];
	size_t i;
	int v4;

	if (addr == NULL || to16(addr, a, &v4) != 0)
		return 0;
	for (i = 0; i < l->n; i++)
		if (in_net(&l->net[i], a))
			return 1;
	return 0;
}

int
kc_addr_client_key(const char *addr, char *out, size_t cap)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
						 0, 0, 0, 0, 0xff, 0xff};
	char text[INET6_ADDRSTRLEN];
	unsigned char a[16];
	int v4;

	if (addr == NULL || to16(addr, a, &v4) != 0)
		return -1;
	if (v4 || memcmp(a, mapped, sizeof(mapped)) == 0) {
		if (inet_ntop(AF_INET, a + 12, text, sizeof(text)) == NULL)
			return -1;
		return snprintf(out, cap, "%s", text) < (int)cap ? 0 : -1;
	}
	memset(a + 8, 0, 8);
	if (inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
		return -1;
	return snprintf(out, cap, "%s/64", text) < (int)cap ? 0 : -1;
}
