// SPDX-License-Identifier: GPL-2.0
/*
 * lib/udp_addr.c - UDP endpoint addresses as text (struct lana_udp_addr,
 * blocks/lana_block.h): lana_udp_addr_parse() and lana_udp_addr_str(),
 * one parser for both engines. The kernel engine compiles this file
 * unchanged apart from the address conversions: in4_pton()/in6_pton()
 * and the %pI4/%pI6c formats (Documentation/core-api/printk-formats.rst)
 * where userspace has inet_pton(3)/inet_ntop(3); both print IPv6 in the
 * RFC 5952 form.
 */
#include "blocks/lana_block.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __KERNEL__
#include <linux/inet.h>

/* inet_pton(3) for a NUL-terminated @s: 1 on success. */
static int addr_pton(int v6, const char *s, uint8_t *dst)
{
	const char *end;
	int n = (int)strlen(s);

	if (v6)
		return in6_pton(s, n, dst, '\0', &end) == 1 && end == s + n;
	return in4_pton(s, n, dst, '\0', &end) == 1 && end == s + n;
}

static void addr_ntop(const struct lana_udp_addr *a, char *h, size_t len)
{
	if (a->family == 6)
		snprintf(h, len, "%pI6c", a->addr);
	else
		snprintf(h, len, "%pI4", a->addr);
}

/* strtoul(3) for a port: 1..65535 or 0. */
static unsigned long port_of(const char *s)
{
	u16 p;

	return kstrtou16(s, 10, &p) ? 0 : p;
}
#else
#include <arpa/inet.h>

static int addr_pton(int v6, const char *s, uint8_t *dst)
{
	return inet_pton(v6 ? AF_INET6 : AF_INET, s, dst) == 1;
}

static void addr_ntop(const struct lana_udp_addr *a, char *h, size_t len)
{
	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->addr, h,
		       (socklen_t)len))
		snprintf(h, len, "?");
}

static unsigned long port_of(const char *s)
{
	char *end;
	unsigned long p;

	if (*s < '0' || *s > '9')
		return 0;
	p = strtoul(s, &end, 10);
	return *end || p > 65535 ? 0 : p;
}
#endif

int lana_udp_addr_parse(const char *s, uint16_t defport,
			struct lana_udp_addr *a)
{
	char buf[64];
	const char *host = s, *ps = NULL;
	size_t n = strlen(s);

	memset(a, 0, sizeof(*a));
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (!e || (e[1] && e[1] != ':'))
			return -EINVAL;
		memcpy(buf, s + 1, (size_t)(e - s - 1));
		buf[e - s - 1] = 0;
		host = buf;
		if (e[1])
			ps = e + 2;
	} else if (strchr(s, ':') == strrchr(s, ':') && strchr(s, ':')) {
		const char *c = strchr(s, ':');

		memcpy(buf, s, (size_t)(c - s));
		buf[c - s] = 0;
		host = buf;
		ps = c + 1;
	}
	if (addr_pton(0, host, a->addr))
		a->family = 4;
	else if (addr_pton(1, host, a->addr))
		a->family = 6;
	else
		return -EINVAL;
	a->port = defport;
	if (ps) {
		unsigned long p = port_of(ps);

		if (!p) {
			memset(a, 0, sizeof(*a));
			return -EINVAL;
		}
		a->port = (uint16_t)p;
	}
	return 0;
}

char *lana_udp_addr_str(const struct lana_udp_addr *a, bool port, char *buf,
			size_t len)
{
	char h[48];

	addr_ntop(a, h, sizeof(h));
	if (!port)
		snprintf(buf, len, "%s", h);
	else if (a->family == 6)
		snprintf(buf, len, "[%s]:%u", h, a->port);
	else
		snprintf(buf, len, "%s:%u", h, a->port);
	return buf;
}
