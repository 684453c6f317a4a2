// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/udp.c - UDP endpoints for vlinks (blocks/lana_block.h
 * lana_udp_open() and friends; docs/runtime.md "UDP endpoints").
 *
 * One non-blocking UDP socket per endpoint, bound with SO_REUSEPORT
 * (socket(7)) so that a REPLACE can bind the same port while the old
 * instance still runs, registered as a descriptor source of the block.
 * Receive is recvmmsg(2) into pooled packets, transmit sendmmsg(2) with a
 * destination per message (recvmmsg(2), sendmmsg(2) man pages).
 *
 * LANA_UDP_SPORT: a source port per packet cannot be had from one bound
 * UDP socket, so such endpoints send through a raw socket
 * (raw(7): SOCK_RAW, IPPROTO_UDP; the kernel writes the IP header, we the
 * UDP header of RFC 768). IPv4 datagrams carry checksum 0 ("no checksum",
 * RFC 768; Linux vxlan's default udpcsum off), IPv6 ones a checksum the
 * kernel computes (IPV6_CHECKSUM at offset 6, ipv6(7) / RFC 3542 sec.
 * 3.1; RFC 8200 sec. 8.1 makes it mandatory). The raw socket would also
 * receive a copy of every UDP datagram of the host: a filter that accepts
 * nothing (SO_ATTACH_FILTER, "ret #0") and SHUT_RD keep it empty.
 */
#include "blocks/lana_block.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

struct lana_udp {
	struct lana_block *b;
	int fd;			/* the bound UDP socket */
	int raw;		/* LANA_UDP_SPORT's raw socket, or -1 */
	int family;		/* AF_INET or AF_INET6 of @fd */
	uint16_t port;		/* bound port, host order */
	struct lana_fdsrc *src;
	_Atomic uint64_t tx_full, tx_err, rx_trunc;
	atomic_bool err_logged;
};

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
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = 6;
	else
		return -EINVAL;
	a->port = defport;
	if (ps) {
		char *end;
		unsigned long p = strtoul(ps, &end, 10);

		if (!*ps || *end || p < 1 || p > 65535)
			return -EINVAL;
		a->port = (uint16_t)p;
	}
	return 0;
}

char *lana_udp_addr_str(const struct lana_udp_addr *a, bool port, char *buf,
			size_t len)
{
	char h[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->addr, h,
		       sizeof(h)))
		snprintf(h, sizeof(h), "?");
	if (!port)
		snprintf(buf, len, "%s", h);
	else if (a->family == 6)
		snprintf(buf, len, "[%s]:%u", h, a->port);
	else
		snprintf(buf, len, "%s:%u", h, a->port);
	return buf;
}

/* @a as a sockaddr of @family (v4 mapped into v6 when needed); its size. */
static socklen_t to_sa(const struct lana_udp_addr *a, int family,
		       uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->addr, 4);
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (a->family == 4) {
			s6->sin6_addr.s6_addr[10] = 0xff;
			s6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&s6->sin6_addr.s6_addr[12], a->addr, 4);
		} else {
			memcpy(&s6->sin6_addr, a->addr, 16);
		}
		return sizeof(*s6);
	}
}

/* A received sockaddr as a lana_udp_addr (v4-mapped becomes family 4). */
static void from_sa(const struct sockaddr_storage *ss, struct lana_udp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a->family = 4;
		a->port = ntohs(s4->sin_port);
		memcpy(a->addr, &s4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		a->port = ntohs(s6->sin6_port);
		if (!memcmp(s6->sin6_addr.s6_addr, mapped, 12)) {
			a->family = 4;
			memcpy(a->addr, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = 6;
			memcpy(a->addr, &s6->sin6_addr, 16);
		}
	}
}

/* The raw socket of LANA_UDP_SPORT, bound to @local's address; -1 on error. */
static int raw_open(const struct lana_udp_addr *local, int family,
		    unsigned int ttl)
{
	struct sock_filter none[] = { { .code = BPF_RET | BPF_K, .k = 0 } };
	struct sock_fprog prog = { .len = 1, .filter = none };
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, six = 6, t = (int)ttl;

	(void)one;
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_UDP);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0)
		goto fail;
	shutdown(fd, SHUT_RD);
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &six,
			       sizeof(six)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &t,
			       sizeof(t)) < 0)
			goto fail;
	} else if (setsockopt(fd, IPPROTO_IP, IP_TTL, &t, sizeof(t)) < 0) {
		goto fail;
	}
	if (local->family) {
		sl = to_sa(local, family, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct lana_udp *lana_udp_open(struct lana_block *b,
			       const struct lana_udp_addr *local,
			       unsigned int ttl, unsigned int flags,
			       int (*recv)(struct lana_block *b,
					   struct lana_burst *v))
{
	struct lana_udp *u = calloc(1, sizeof(*u));
	struct sockaddr_storage ss;
	struct lana_udp_addr any = { .family = 6, .port = local->port };
	char as[64];
	socklen_t sl;
	int one = 1, zero = 0, t = (int)ttl;

	if (!u) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	u->b = b;
	u->raw = -1;
	u->port = local->port;
	u->family = local->family == 4 ? AF_INET : AF_INET6;
	u->fd = socket(u->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		lana_block_error(b, "socket: %s", strerror(errno));
		free(u);
		return NULL;
	}
	if (!local->family)
		local = &any;	/* "::", both families */
	setsockopt(u->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (u->family == AF_INET6) {
		setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			   sizeof(zero));
		setsockopt(u->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &t,
			   sizeof(t));
	} else {
		setsockopt(u->fd, IPPROTO_IP, IP_TTL, &t, sizeof(t));
	}
	sl = to_sa(local, u->family, local->port, &ss);
	if (bind(u->fd, (struct sockaddr *)&ss, sl) < 0) {
		lana_block_error(b, "bind %s: %s",
				 lana_udp_addr_str(local, true, as, sizeof(as)),
				 strerror(errno));
		goto fail;
	}
	if (flags & LANA_UDP_SPORT) {
		u->raw = raw_open(local == &any ? &(struct lana_udp_addr){ 0 } :
				  local, u->family, ttl);
		if (u->raw < 0)
			lana_block_log(b, LOG_WARNING,
				       "no raw socket (%s): datagrams leave "
				       "from port %u, not from a port per "
				       "flow", strerror(errno), u->port);
	}
	u->src = lana_fdsrc_new(b, u->fd, recv);
	if (!u->src)
		goto fail;
	return u;
fail:
	if (u->raw >= 0)
		close(u->raw);
	close(u->fd);
	free(u);
	return NULL;
}

int lana_udp_recv(struct lana_udp *u, struct lana_burst *v,
		  struct lana_udp_addr *from)
{
	struct mmsghdr mm[LANA_BURST];
	struct iovec iov[LANA_BURST];
	struct sockaddr_storage ss[LANA_BURST];
	struct lana_pkt *p[LANA_BURST];
	unsigned int room = LANA_PKT_STD_SIZE - LANA_PKT_HEADROOM;
	unsigned int want = LANA_BURST - v->n, i, got = 0;
	int r;

	if (!want)
		return 0;
	for (i = 0; i < want; i++) {
		p[i] = lana_pkt_get(room);
		if (!p[i])
			break;
		iov[i].iov_base = lana_pkt_data(p[i]);
		iov[i].iov_len = room;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &ss[i];
		mm[i].msg_hdr.msg_namelen = sizeof(ss[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	want = i;
	r = want ? recvmmsg(u->fd, mm, want, MSG_DONTWAIT, NULL) : -1;
	for (i = 0; r > 0 && i < (unsigned int)r; i++) {
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			atomic_fetch_add_explicit(&u->rx_trunc, 1,
						  memory_order_relaxed);
			lana_pkt_free(p[i]);
			continue;
		}
		lana_pkt_trim(p[i], mm[i].msg_len);
		from_sa(&ss[i], &from[v->n]);
		v->pkt[v->n++] = p[i];
		got++;
	}
	for (i = r > 0 ? (unsigned int)r : 0; i < want; i++)
		lana_pkt_free(p[i]);
	return (int)got;
}

/* Count a send error of @u (logging the first) and drop. */
static void tx_error(struct lana_udp *u, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
		atomic_fetch_add_explicit(&u->tx_full, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&u->tx_err, 1, memory_order_relaxed);
	if (!atomic_exchange(&u->err_logged, true))
		lana_block_log(u->b, LOG_WARNING, "send: %s (first error; "
			       "the others are counted)", strerror(err));
}

unsigned int lana_udp_send(struct lana_udp *u, struct lana_pkt **pkt,
			   const struct lana_udp_addr *to,
			   const uint16_t *sport, unsigned int n)
{
	struct mmsghdr mm[LANA_BURST];
	struct iovec iov[LANA_BURST];
	struct sockaddr_storage ss[LANA_BURST];
	bool raw = u->raw >= 0 && sport;
	unsigned int i, m = 0, sent = 0, done = 0;
	int fd = raw ? u->raw : u->fd;

	while (done < n) {
		m = n - done > LANA_BURST ? LANA_BURST : n - done;
		for (i = 0; i < m; i++) {
			struct lana_pkt *p = pkt[done + i];
			const struct lana_udp_addr *a = &to[done + i];

			memset(&mm[i], 0, sizeof(mm[i]));
			if (raw) {
				uint8_t *h = lana_pkt_push(p, 8);
				uint16_t len = (uint16_t)lana_pkt_len(p);

				if (h) {
					h[0] = (uint8_t)(sport[done + i] >> 8);
					h[1] = (uint8_t)sport[done + i];
					h[2] = (uint8_t)(a->port >> 8);
					h[3] = (uint8_t)a->port;
					h[4] = (uint8_t)(len >> 8);
					h[5] = (uint8_t)len;
					h[6] = 0;
					h[7] = 0;
				}
				/* raw(7): the port field must be 0 (v6) */
				mm[i].msg_hdr.msg_namelen =
					to_sa(a, u->family, 0, &ss[i]);
			} else {
				mm[i].msg_hdr.msg_namelen =
					to_sa(a, u->family, a->port, &ss[i]);
			}
			iov[i].iov_base = lana_pkt_data(p);
			iov[i].iov_len = lana_pkt_len(p);
			mm[i].msg_hdr.msg_name = &ss[i];
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		i = 0;
		while (i < m) {
			int r = sendmmsg(fd, mm + i, m - i, MSG_DONTWAIT);

			if (r > 0) {
				i += (unsigned int)r;
				sent += (unsigned int)r;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS) {
				/* full: the rest of the batch is dropped */
				atomic_fetch_add_explicit(&u->tx_full, m - i,
							  memory_order_relaxed);
				i = m;
				break;
			}
			tx_error(u, errno);
			i++;	/* drop the one that failed, go on */
		}
		for (i = 0; i < m; i++)
			lana_pkt_free(pkt[done + i]);
		done += m;
	}
	return sent;
}

void lana_udp_stats(const struct lana_udp *u, uint64_t *tx_full,
		    uint64_t *tx_err, uint64_t *rx_trunc)
{
	*tx_full = u ? atomic_load(&u->tx_full) : 0;
	*tx_err = u ? atomic_load(&u->tx_err) : 0;
	*rx_trunc = u ? atomic_load(&u->rx_trunc) : 0;
}

void lana_udp_close(struct lana_udp *u)
{
	if (!u)
		return;
	lana_fdsrc_free(u->src);
	if (u->raw >= 0)
		close(u->raw);
	close(u->fd);
	free(u);
}
