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
 *
 * Shared sockets (lana_udp_open_keyed()): endpoints that name a
 * demultiplexing key (vxlan: the VNI) and the same local address, port
 * and key position share one socket, as Linux's vxlan devices share one
 * struct vxlan_sock per (port, family) and find the device by VNI
 * (drivers/net/vxlan/vxlan_core.c: vxlan_sock_add() / vxlan_find_sock()
 * reuse the socket, vxlan_rcv() -> vxlan_vs_find_vni() looks the VNI up
 * in vs->vni_list). Separate SO_REUSEPORT sockets would not do: the
 * kernel spreads datagrams over a reuseport group by a hash of the
 * 4-tuple, not by anything in the payload. Any subscriber's worker that
 * wins the socket's trylock drains it; datagrams with another
 * subscriber's key go to that subscriber's bounded ring (full: dropped,
 * counted as its rx_qfull) and its eventfd(2) is written. Each
 * subscriber's descriptor source is an epoll(7) fd holding the shared
 * socket and its eventfd, which poll(2) reports readable when either is.
 * The ring has one producer at a time (the holder of the trylock) and
 * one consumer (the subscriber's own worker): head and tail are atomics.
 * Subscribers join and leave under the registry mutex and, to change the
 * list, the socket's receive lock, both taken only by the control thread
 * blocking (workers only try it).
 */
#include "blocks/lana_block.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#define UDP_QLEN	256	/* a shared-socket subscriber's ring */

/* A queued datagram for a subscriber of a shared socket. */
struct udp_qent {
	struct lana_pkt *p;
	struct lana_udp_addr from;
};

/* One socket shared by keyed endpoints (see the top). */
struct udp_shared {
	struct udp_shared *next;	/* the registry */
	struct lana_udp_addr local;	/* as opened (family 0: "::") */
	unsigned int key_off, key_len;
	int fd, family;
	unsigned int refs;		/* subscribers */
	pthread_mutex_t rx;		/* drain and @subs; workers trylock */
	struct lana_udp *subs;		/* newest first */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct udp_shared *registry;

struct lana_udp {
	struct lana_block *b;
	int fd;			/* the bound UDP socket */
	int raw;		/* LANA_UDP_SPORT's raw socket, or -1 */
	int family;		/* AF_INET or AF_INET6 of @fd */
	uint16_t port;		/* bound port, host order */
	struct lana_fdsrc *src;
	_Atomic uint64_t tx_full, tx_err, rx_trunc, rx_qfull;
	atomic_bool err_logged;
	/* keyed endpoints only (sh != NULL) */
	struct udp_shared *sh;
	struct lana_udp *snext;		/* sh->subs */
	uint32_t key;
	int efd, epfd;			/* eventfd, epoll fd (the fdsrc) */
	_Atomic unsigned int qhead, qtail;	/* qhead: next to take */
	struct udp_qent q[UDP_QLEN];
	/* receive buffers a recvmmsg(2) did not fill, kept for the next one
	 * (only the endpoint's own worker receives on it) */
	struct lana_pkt *spare[LANA_BURST];
	unsigned int nspare;
};

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
	int fd, six = 6, t = (int)ttl;

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

/*
 * A non-blocking UDP socket of @family bound to @local (family 0: "::",
 * both families) with SO_REUSEPORT and @ttl; -1 with @b's error set.
 */
static int udp_bind(struct lana_block *b, const struct lana_udp_addr *local,
		    int family, unsigned int ttl)
{
	struct lana_udp_addr any = { .family = 6, .port = local->port };
	struct sockaddr_storage ss;
	char as[64];
	socklen_t sl;
	int fd, one = 1, zero = 0, t = (int)ttl;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		lana_block_error(b, "socket: %s", strerror(errno));
		return -1;
	}
	if (!local->family)
		local = &any;	/* "::", both families */
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &t, sizeof(t));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &t, sizeof(t));
	}
	sl = to_sa(local, family, local->port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		lana_block_error(b, "bind %s: %s",
				 lana_udp_addr_str(local, true, as, sizeof(as)),
				 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The shared socket for @local and the key position, made or found, with
 * a reference; NULL with @b's error set. Registry lock held. */
static struct udp_shared *shared_get(struct lana_block *b,
				     const struct lana_udp_addr *local,
				     unsigned int key_off,
				     unsigned int key_len, unsigned int ttl)
{
	struct udp_shared *sh;

	for (sh = registry; sh; sh = sh->next)
		if (sh->local.family == local->family &&
		    sh->local.port == local->port &&
		    !memcmp(sh->local.addr, local->addr, 16) &&
		    sh->key_off == key_off && sh->key_len == key_len) {
			sh->refs++;
			return sh;
		}
	sh = calloc(1, sizeof(*sh));
	if (!sh) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	sh->local = *local;
	sh->key_off = key_off;
	sh->key_len = key_len;
	sh->family = local->family == 4 ? AF_INET : AF_INET6;
	sh->fd = udp_bind(b, local, sh->family, ttl);
	if (sh->fd < 0) {
		free(sh);
		return NULL;
	}
	pthread_mutex_init(&sh->rx, NULL);
	sh->refs = 1;
	sh->next = registry;
	registry = sh;
	return sh;
}

/* Drop a reference to @sh, closing it with the last. Registry lock held. */
static void shared_put(struct udp_shared *sh)
{
	struct udp_shared **pp;

	if (--sh->refs)
		return;
	for (pp = &registry; *pp; pp = &(*pp)->next)
		if (*pp == sh) {
			*pp = sh->next;
			break;
		}
	pthread_mutex_destroy(&sh->rx);
	close(sh->fd);
	free(sh);
}

/* Unlink @u from its shared socket and free what its ring holds. */
static void shared_leave(struct lana_udp *u)
{
	struct udp_shared *sh = u->sh;
	struct lana_udp **pp;
	unsigned int h, t;

	pthread_mutex_lock(&registry_lock);
	pthread_mutex_lock(&sh->rx);
	for (pp = &sh->subs; *pp; pp = &(*pp)->snext)
		if (*pp == u) {
			*pp = u->snext;
			break;
		}
	pthread_mutex_unlock(&sh->rx);
	shared_put(sh);
	pthread_mutex_unlock(&registry_lock);
	h = atomic_load(&u->qhead);
	t = atomic_load(&u->qtail);
	for (; h != t; h++)
		lana_pkt_free(u->q[h % UDP_QLEN].p);
	u->sh = NULL;
}

struct lana_udp *lana_udp_open_keyed(struct lana_block *b,
				     const struct lana_udp_addr *local,
				     unsigned int ttl, unsigned int flags,
				     unsigned int key_off,
				     unsigned int key_len, uint32_t key,
				     int (*recv)(struct lana_block *b,
						 struct lana_burst *v))
{
	struct lana_udp *u;
	struct epoll_event ev = { .events = EPOLLIN };

	if (key_len > 4) {
		lana_block_error(b, "a UDP demultiplexing key is 0..4 bytes");
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	u->b = b;
	u->raw = -1;
	u->efd = -1;
	u->epfd = -1;
	u->port = local->port;
	u->family = local->family == 4 ? AF_INET : AF_INET6;
	u->key = key;
	if (!key_len) {
		u->fd = udp_bind(b, local, u->family, ttl);
		if (u->fd < 0) {
			free(u);
			return NULL;
		}
	} else {
		pthread_mutex_lock(&registry_lock);
		u->sh = shared_get(b, local, key_off, key_len, ttl);
		pthread_mutex_unlock(&registry_lock);
		if (!u->sh) {
			free(u);
			return NULL;
		}
		u->fd = u->sh->fd;
		u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		u->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (u->efd < 0 || u->epfd < 0 ||
		    epoll_ctl(u->epfd, EPOLL_CTL_ADD, u->fd, &ev) < 0 ||
		    epoll_ctl(u->epfd, EPOLL_CTL_ADD, u->efd, &ev) < 0) {
			lana_block_error(b, "eventfd/epoll: %s",
					 strerror(errno));
			goto fail;
		}
	}
	if (flags & LANA_UDP_SPORT) {
		u->raw = raw_open(local, u->family, ttl);
		if (u->raw < 0)
			lana_block_log(b, LOG_WARNING,
				       "no raw socket (%s): datagrams leave "
				       "from port %u, not from a port per "
				       "flow", strerror(errno), u->port);
	}
	u->src = lana_fdsrc_new(b, u->sh ? u->epfd : u->fd, recv);
	if (!u->src)
		goto fail;
	if (u->sh) {
		/* the newest registration of a key wins (see lana_block.h) */
		pthread_mutex_lock(&u->sh->rx);
		u->snext = u->sh->subs;
		u->sh->subs = u;
		pthread_mutex_unlock(&u->sh->rx);
	}
	return u;
fail:
	if (u->raw >= 0)
		close(u->raw);
	if (u->sh) {
		pthread_mutex_lock(&registry_lock);
		shared_put(u->sh);
		pthread_mutex_unlock(&registry_lock);
	} else {
		close(u->fd);
	}
	if (u->efd >= 0)
		close(u->efd);
	if (u->epfd >= 0)
		close(u->epfd);
	free(u);
	return NULL;
}

/* The subscriber of @sh whose key datagram @d (@len bytes) carries: the
 * newest with it; NULL if none has it or it is too short. rx held. */
static struct lana_udp *shared_find(const struct udp_shared *sh,
				    const uint8_t *d, uint32_t len)
{
	struct lana_udp *s;
	uint32_t k = 0;
	unsigned int i;

	if (len < sh->key_off + sh->key_len)
		return NULL;
	for (i = 0; i < sh->key_len; i++)
		k = k << 8 | d[sh->key_off + i];
	for (s = sh->subs; s; s = s->snext)
		if (s->key == k)
			return s;
	return NULL;
}

/* Wake @u's worker (its eventfd). */
static void shared_wake(struct lana_udp *u)
{
	uint64_t one = 1;
	ssize_t r = write(u->efd, &one, sizeof(one));

	(void)r;	/* EAGAIN: the counter is at its maximum, still readable */
}

/* Queued datagrams of @u into @v/@from; wakes itself if some are left. */
static int shared_take(struct lana_udp *u, struct lana_burst *v,
		       struct lana_udp_addr *from)
{
	unsigned int h = atomic_load_explicit(&u->qhead, memory_order_relaxed);
	unsigned int t;
	uint64_t cnt;
	ssize_t r = read(u->efd, &cnt, sizeof(cnt));
	int got = 0;

	(void)r;
	t = atomic_load_explicit(&u->qtail, memory_order_acquire);
	while (h != t && v->n < LANA_BURST) {
		struct udp_qent *e = &u->q[h % UDP_QLEN];

		from[v->n] = e->from;
		v->pkt[v->n++] = e->p;
		h++;
		got++;
	}
	atomic_store_explicit(&u->qhead, h, memory_order_release);
	if (h != t)
		shared_wake(u);
	return got;
}

/* Put @p from @a into @s's ring; false (counted) when it is full. */
static bool shared_put_pkt(struct lana_udp *s, struct lana_pkt *p,
			   const struct lana_udp_addr *a)
{
	unsigned int t = atomic_load_explicit(&s->qtail, memory_order_relaxed);
	unsigned int h = atomic_load_explicit(&s->qhead, memory_order_acquire);

	if (t - h >= UDP_QLEN) {
		atomic_fetch_add_explicit(&s->rx_qfull, 1,
					  memory_order_relaxed);
		return false;
	}
	s->q[t % UDP_QLEN].p = p;
	s->q[t % UDP_QLEN].from = *a;
	atomic_store_explicit(&s->qtail, t + 1, memory_order_release);
	return true;
}

/* recvmmsg(2) on @u->fd into @v/@from (see lana_udp_recv()). */
static int sock_recv(struct lana_udp *u, struct lana_burst *v,
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
		p[i] = u->nspare ? u->spare[--u->nspare] : lana_pkt_get(room);
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
	/* unfilled buffers (all of them when nothing was waiting) are kept,
	 * so an empty poll round allocates nothing; at most LANA_BURST */
	for (i = r > 0 ? (unsigned int)r : 0; i < want; i++)
		u->spare[u->nspare++] = p[i];
	return (int)got;
}

int lana_udp_recv(struct lana_udp *u, struct lana_burst *v,
		  struct lana_udp_addr *from)
{
	struct udp_shared *sh = u->sh;
	struct lana_udp *wake[LANA_BURST];
	unsigned int nwake = 0, i, j, n0, n;
	int got;

	if (!sh)
		return sock_recv(u, v, from);
	got = shared_take(u, v, from);
	if (v->n >= LANA_BURST || pthread_mutex_trylock(&sh->rx))
		return got;
	n0 = v->n;
	sock_recv(u, v, from);
	n = n0;
	for (i = n0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		struct lana_udp *s = shared_find(sh, lana_pkt_data(p),
						 lana_pkt_len(p));

		/* ours, or nobody's: the block counts those (bad key) */
		if (!s || s == u) {
			from[n] = from[i];
			v->pkt[n++] = p;
			continue;
		}
		if (!shared_put_pkt(s, p, &from[i])) {
			lana_pkt_free(p);
			continue;
		}
		for (j = 0; j < nwake && wake[j] != s; j++)
			;
		if (j == nwake)
			wake[nwake++] = s;
	}
	for (j = 0; j < nwake; j++)
		shared_wake(wake[j]);
	pthread_mutex_unlock(&sh->rx);
	v->n = (uint16_t)n;
	return got + (int)(n - n0);
}

/* Whether send error @err means "no room now" (counted as tx_full). */
static bool tx_full_errno(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

/* Count a send error of @u (logging the first) and drop. */
static void tx_error(struct lana_udp *u, int err)
{
	if (tx_full_errno(err)) {
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
			if (tx_full_errno(errno)) {
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

uint64_t lana_udp_qfull(const struct lana_udp *u)
{
	return u ? atomic_load(&u->rx_qfull) : 0;
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
	while (u->nspare)
		lana_pkt_free(u->spare[--u->nspare]);
	if (u->raw >= 0)
		close(u->raw);
	if (u->sh) {
		shared_leave(u);
		close(u->efd);
		close(u->epfd);
	} else {
		close(u->fd);
	}
	free(u);
}
