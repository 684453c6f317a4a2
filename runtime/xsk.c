// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/xsk.c - AF_XDP device I/O of the userspace engine (see
 * runtime/xsk.h). References: kernel Documentation/networking/af_xdp.rst
 * (rings, UMEM, XDP_COPY/XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP, the sendto()
 * kick, XDP_STATISTICS), libxdp(3) and <xdp/xsk.h> (ring helpers, the
 * default redirect program), Documentation/netlink/specs/netdev.yaml
 * (xdp-features).
 */
#include "xsk.h"
#include "engine_internal.h"
#include "offload.h"

#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#define XSK_RX_FRAMES	(LANA_XSK_FRAMES / 2)	/* frames 0..: receive */
#define XSK_TX_FRAMES	(LANA_XSK_FRAMES / 2)	/* the rest: transmit */
#define XSK_MAX_QUEUES	64
#define XSK_TX_BUDGET	32	/* descriptors one generic-XDP sendto()
				 * sends (net/xdp/xsk.c, max_tx_budget) */

/* The netdev genetlink family (uapi linux/netdev.h, Linux 6.3). */
#define NETDEV_FAMILY			"netdev"
#define NETDEV_CMD_DEV_GET_		1
#define NETDEV_A_DEV_IFINDEX_		1
#define NETDEV_A_DEV_XDP_FEATURES_	3
#define NETDEV_XDP_ACT_XSK_ZEROCOPY_	8

/* One socket: its UMEM, rings and transmit frames. */
struct xsk_q {
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	uint8_t *area;			/* LANA_XSK_FRAMES * FRAME_SIZE */
	struct xsk_ring_prod fill;	/* polling worker */
	struct xsk_ring_cons rx;	/* polling worker */
	int fd;

	_Alignas(64) pthread_mutex_t tx_lock;
	struct xsk_ring_prod tx;	/* under tx_lock */
	struct xsk_ring_cons comp;	/* under tx_lock */
	uint32_t tx_pending;		/* queued, not yet completed */
	uint32_t nfree;			/* entries of tx_free */
	uint64_t tx_free[XSK_TX_FRAMES];	/* UMEM addresses */
};

/*
 * A group of queues one worker polls (lana_xsk_spread()): queues i with
 * i mod ngrp == its index.
 */
struct xsk_grp {
	int epfd;			/* over its queues; -1 with one */
	unsigned int n;
	unsigned int qi[XSK_MAX_QUEUES];	/* its queues */
};

struct lana_xsk {
	unsigned int nq;
	unsigned int ngrp;
	struct xsk_grp grp[XSK_MAX_QUEUES];
	char desc[64];
	_Alignas(64) _Atomic uint64_t rx;
	_Atomic uint64_t rx_drops;
	_Alignas(64) _Atomic uint64_t tx;
	_Atomic uint64_t tx_drops;
	struct xsk_q *q[XSK_MAX_QUEUES];
};

/* ------------------------------------------------------------ setup */

/* libxdp/libbpf messages go to the engine opening the device (debug). */
static _Thread_local struct lana_engine *xsk_log_eng;

static void xsk_vlog(const char *who, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (xsk_log_eng)
		lana_engine_log(xsk_log_eng, LOG_DEBUG, "%s: %s", who, msg);
}

static int xsk_libxdp_print(enum libxdp_print_level level, const char *fmt,
			    va_list ap)
{
	if (level != LIBXDP_DEBUG)
		xsk_vlog("libxdp", fmt, ap);
	return 0;
}

static int xsk_libbpf_print(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	if (level != LIBBPF_DEBUG)
		xsk_vlog("libbpf", fmt, ap);
	return 0;
}

/*
 * Receive queues of @ifname: the rx-N entries of
 * /sys/class/net/IF/queues (real_num_rx_queues), 1 if unreadable.
 */
static unsigned int xsk_rx_queues(const char *ifname)
{
	char path[64 + IFNAMSIZ];
	unsigned int n = 0;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "rx-", 3))
			n++;
	closedir(dir);
	if (n > XSK_MAX_QUEUES)
		n = XSK_MAX_QUEUES;
	return n ? n : 1;
}

struct xsk_feat {
	uint64_t features;
	bool found;
};

static int xsk_feat_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETDEV_A_DEV_XDP_FEATURES_ + 1];
	struct xsk_feat *f = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETDEV_A_DEV_XDP_FEATURES_,
			  NULL) < 0)
		return NL_SKIP;
	if (tb[NETDEV_A_DEV_XDP_FEATURES_]) {
		f->features = nla_get_u64(tb[NETDEV_A_DEV_XDP_FEATURES_]);
		f->found = true;
	}
	return NL_OK;
}

/*
 * Does the driver of @ifindex advertise AF_XDP zero-copy (netdev family,
 * dev-get, xdp-features & xsk-zerocopy)? Asking does not touch the
 * device, unlike a trial attach, which on many NICs resets their rings.
 * Returns 1, 0, or -errno (no netdev family: kernel before 6.3).
 */
static int xsk_driver_zc(int ifindex)
{
	struct xsk_feat f = { .features = 0, .found = false };
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	int fam, err;

	if (!sk)
		return -ENOMEM;
	err = genl_connect(sk);
	if (err < 0)
		goto out;
	fam = genl_ctrl_resolve(sk, NETDEV_FAMILY);
	if (fam < 0) {
		err = fam;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, 0,
			 NETDEV_CMD_DEV_GET_, 1) ||
	    nla_put_u32(msg, NETDEV_A_DEV_IFINDEX_, (uint32_t)ifindex) < 0) {
		err = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, xsk_feat_cb, &f);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (err < 0)
		return -EOPNOTSUPP;
	return f.found && (f.features & NETDEV_XDP_ACT_XSK_ZEROCOPY_);
}

static void xsk_q_free(struct xsk_q *q)
{
	if (!q)
		return;
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, (size_t)LANA_XSK_FRAMES * LANA_XSK_FRAME_SIZE);
	pthread_mutex_destroy(&q->tx_lock);
	free(q);
}

/* One socket on queue @qid with @xdp_flags / @bind_flags; -errno. */
static int xsk_q_open(const char *ifname, unsigned int qid,
		      uint32_t xdp_flags, uint16_t bind_flags,
		      struct xsk_q **out)
{
	const size_t len = (size_t)LANA_XSK_FRAMES * LANA_XSK_FRAME_SIZE;
	struct xsk_umem_config uc = {
		.fill_size = XSK_RX_FRAMES,
		.comp_size = XSK_TX_FRAMES,
		.frame_size = LANA_XSK_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config sc = {
		.rx_size = XSK_RX_FRAMES,
		.tx_size = XSK_TX_FRAMES,
		.libxdp_flags = 0,
		.xdp_flags = xdp_flags,
		.bind_flags = bind_flags | XDP_USE_NEED_WAKEUP,
	};
	struct xsk_q *q;
	uint32_t idx, i;
	void *area;
	int err;

	if (posix_memalign((void **)&q, 64, sizeof(*q)))
		return -ENOMEM;
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->tx_lock, NULL);
	q->fd = -1;
	area = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (area == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	q->area = area;
	err = xsk_umem__create(&q->umem, area, len, &q->fill, &q->comp, &uc);
	if (err) {
		q->umem = NULL;
		goto fail;
	}
	err = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx,
				 &q->tx, &sc);
	if (err) {
		q->xsk = NULL;
		goto fail;
	}
	q->fd = xsk_socket__fd(q->xsk);
	/* every receive frame into the fill ring (af_xdp.rst) */
	if (xsk_ring_prod__reserve(&q->fill, XSK_RX_FRAMES, &idx) !=
	    XSK_RX_FRAMES) {
		err = -ENOSPC;
		goto fail;
	}
	for (i = 0; i < XSK_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) =
			(uint64_t)i * LANA_XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&q->fill, XSK_RX_FRAMES);
	for (i = 0; i < XSK_TX_FRAMES; i++)
		q->tx_free[i] = (uint64_t)(XSK_RX_FRAMES + i) *
				LANA_XSK_FRAME_SIZE;
	q->nfree = XSK_TX_FRAMES;
	*out = q;
	return 0;
fail:
	xsk_q_free(q);
	return err < 0 ? err : -err;
}

/* Close the groups' epoll descriptors. */
static void xsk_groups_free(struct lana_xsk *x)
{
	unsigned int g;

	for (g = 0; g < x->ngrp; g++)
		if (x->grp[g].epfd >= 0)
			close(x->grp[g].epfd);
	x->ngrp = 0;
}

static void xsk_free(struct lana_xsk *x)
{
	unsigned int i;

	for (i = 0; i < x->nq; i++)
		xsk_q_free(x->q[i]);
	xsk_groups_free(x);
	free(x);
}

/*
 * Split the queues of @x into @n groups (1 <= @n <= x->nq), round robin:
 * queue i in group i mod @n; a group of several queues gets an epoll(7)
 * descriptor over them. 0 or -errno (then @x has no group).
 */
static int xsk_groups(struct lana_xsk *x, unsigned int n)
{
	unsigned int g, i;

	xsk_groups_free(x);
	for (g = 0; g < n; g++) {
		x->grp[g].epfd = -1;
		x->grp[g].n = 0;
	}
	x->ngrp = n;
	for (i = 0; i < x->nq; i++) {
		struct xsk_grp *gr = &x->grp[i % n];

		gr->qi[gr->n++] = i;
	}
	for (g = 0; g < n; g++) {
		struct xsk_grp *gr = &x->grp[g];

		if (gr->n < 2)
			continue;
		gr->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (gr->epfd < 0)
			goto fail;
		for (i = 0; i < gr->n; i++) {
			struct epoll_event ev = {
				.events = EPOLLIN,
				.data.u32 = gr->qi[i],
			};

			if (epoll_ctl(gr->epfd, EPOLL_CTL_ADD,
				      x->q[gr->qi[i]]->fd, &ev) < 0)
				goto fail;
		}
	}
	return 0;
fail:
	g = (unsigned int)errno;
	xsk_groups_free(x);
	return -(int)g;
}

int lana_xsk_spread(struct lana_xsk *x, unsigned int n)
{
	int err;

	if (n > x->nq)
		n = x->nq;
	if (!n)
		n = 1;
	if (n == x->ngrp)
		return (int)n;
	err = xsk_groups(x, n);
	return err ? err : (int)n;
}

/* Open sockets on all @nq queues in one attach mode; -errno. */
static int xsk_try(struct lana_xsk *x, const char *ifname, unsigned int nq,
		   uint32_t xdp_flags, uint16_t bind_flags)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < nq; i++) {
		err = xsk_q_open(ifname, i, xdp_flags, bind_flags, &x->q[i]);
		if (err)
			break;
		x->nq = i + 1;
	}
	if (err) {
		while (x->nq)
			xsk_q_free(x->q[--x->nq]);
		return err;
	}
	return 0;
}

int lana_xsk_open(struct lana_block *b, const char *ifname,
		  unsigned int flags, struct lana_xsk **out, char *why,
		  size_t whylen)
{
	static const struct {
		uint32_t xdp;
		uint16_t bind;
		const char *name;
	} how[] = {
		{ XDP_FLAGS_DRV_MODE, XDP_ZEROCOPY, "native XDP, zero-copy" },
		{ XDP_FLAGS_DRV_MODE, XDP_COPY, "native XDP, copy mode" },
		{ XDP_FLAGS_SKB_MODE, XDP_COPY, "generic XDP, copy mode" },
	};
	unsigned int nq = xsk_rx_queues(ifname), i, n;
	int ifindex = (int)if_nametoindex(ifname);
	struct lana_xsk *x;
	size_t used = 0;
	int err = -ENODEV, zc;

	*out = NULL;
	why[0] = '\0';
	if (!ifindex) {
		snprintf(why, whylen, "no such interface");
		return -ENODEV;
	}
	n = sizeof(how) / sizeof(how[0]);
	if (flags & LANA_XSK_ZC_ONLY) {
		zc = xsk_driver_zc(ifindex);
		if (zc <= 0) {
			snprintf(why, whylen, zc < 0 ?
				 "the kernel does not say whether the driver "
				 "has AF_XDP zero-copy (no netdev netlink "
				 "family)" :
				 "the driver has no AF_XDP zero-copy "
				 "(xdp-features)");
			return -EOPNOTSUPP;
		}
		n = 1;
	}
	if (posix_memalign((void **)&x, 64, sizeof(*x)))
		return -ENOMEM;
	memset(x, 0, sizeof(*x));
	xsk_log_eng = b ? b->eng : NULL;
	libxdp_set_print(xsk_libxdp_print);
	libbpf_set_print(xsk_libbpf_print);
	for (i = 0; i < n; i++) {
		err = xsk_try(x, ifname, nq, how[i].xdp, how[i].bind);
		if (!err)
			break;
		if (used < whylen)
			used += (size_t)snprintf(why + used, whylen - used,
						 "%s%s: %s", used ? "; " : "",
						 how[i].name, strerror(-err));
	}
	xsk_log_eng = NULL;
	if (err) {
		xsk_free(x);
		return err;
	}
	snprintf(x->desc, sizeof(x->desc), "%s, %u queue%s", how[i].name,
		 x->nq, x->nq == 1 ? "" : "s");
	err = xsk_groups(x, 1);
	if (err) {
		snprintf(why, whylen, "epoll: %s", strerror(-err));
		xsk_free(x);
		return err;
	}
	*out = x;
	return 0;
}

const char *lana_xsk_describe(const struct lana_xsk *x)
{
	return x->desc;
}

int lana_xsk_group_fd(const struct lana_xsk *x, unsigned int g)
{
	const struct xsk_grp *gr = &x->grp[g < x->ngrp ? g : 0];

	return gr->n > 1 ? gr->epfd : x->q[gr->qi[0]]->fd;
}

int lana_xsk_fd(const struct lana_xsk *x)
{
	return lana_xsk_group_fd(x, 0);
}

/* -------------------------------------------------------- transmit */

/* Kick the kernel to send what the TX ring holds (af_xdp.rst). */
static void xsk_kick(struct xsk_q *q)
{
	(void)sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
}

/* Take completed TX frames back (under tx_lock). */
static void xsk_reap(struct xsk_q *q)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&q->comp, XSK_TX_FRAMES, &idx);
	for (i = 0; i < n; i++)
		q->tx_free[q->nfree++] = *xsk_ring_cons__comp_addr(&q->comp,
								   idx + i) &
					 ~(uint64_t)(LANA_XSK_FRAME_SIZE - 1);
	if (n) {
		xsk_ring_cons__release(&q->comp, n);
		q->tx_pending -= n;
	}
}

/*
 * Kick until the kernel took every descriptor of the TX ring: in copy
 * mode one sendto() sends at most XSK_TX_BUDGET of them and answers
 * EAGAIN while more remain. Bounded, never waits: what stays is sent by
 * the next kick (next xmit or poll).
 */
static void xsk_flush(struct xsk_q *q, uint32_t queued)
{
	unsigned int kicks = queued / XSK_TX_BUDGET + 2;

	while (kicks--) {
		if (xsk_prod_nb_free(&q->tx, XSK_TX_FRAMES) == XSK_TX_FRAMES)
			break;	/* the kernel took them all */
		if (!xsk_ring_prod__needs_wakeup(&q->tx))
			break;	/* zero-copy driver at work */
		if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			break;	/* EBUSY, ENOBUFS, ENETDOWN: later */
	}
}

/* Queue one final frame on @q (under tx_lock); false: dropped. */
static bool xsk_put(struct xsk_q *q, const struct lana_pkt *p)
{
	uint32_t idx, len = lana_pkt_len(p);
	struct xdp_desc *d;
	uint64_t addr;

	if (len > LANA_XSK_FRAME_SIZE || !q->nfree)
		return false;
	if (xsk_ring_prod__reserve(&q->tx, 1, &idx) != 1)
		return false;
	addr = q->tx_free[--q->nfree];
	memcpy(xsk_umem__get_data(q->area, addr),
	       ((struct lana_pkt *)p)->data, len);
	d = xsk_ring_prod__tx_desc(&q->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	return true;
}

/*
 * The socket this thread transmits on: worker w the one of queue w mod
 * queues, other threads spread over the queues.
 */
static struct xsk_q *xsk_tx_queue(struct lana_xsk *x)
{
	static _Atomic unsigned int next;
	static _Thread_local unsigned int slot = ~0u;
	int w = lana_engine_worker();

	if (w >= 0)
		return x->q[(unsigned int)w % x->nq];
	if (slot == ~0u)
		slot = atomic_fetch_add(&next, 1);
	return x->q[slot % x->nq];
}

unsigned int lana_xsk_xmit(struct lana_xsk *x, struct lana_burst *v)
{
	struct xsk_q *q = xsk_tx_queue(x);
	unsigned int i, sent = 0, dropped = 0;
	uint32_t queued = 0;

	pthread_mutex_lock(&q->tx_lock);
	xsk_reap(q);
	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i], *s, *next;
		bool ok = true;

		if (!p)
			continue;
		if (!lana_pkt_partial(p)) {
			if (xsk_put(q, p)) {
				queued++;
				sent++;
			} else {
				dropped++;
			}
			continue;
		}
		/* XDP has no metadata: final bytes, segments of the MTU */
		v->pkt[i] = NULL;
		if (lana_pkt_finish(p) < 0) {
			lana_pkt_free(p);
			dropped++;
			continue;
		}
		for (s = p; s; s = next) {
			next = s->next;
			s->next = NULL;
			if (xsk_put(q, s))
				queued++;
			else
				ok = false;
			lana_pkt_free(s);
		}
		if (ok)
			sent++;
		else
			dropped++;
	}
	if (queued) {
		xsk_ring_prod__submit(&q->tx, queued);
		q->tx_pending += queued;
	}
	xsk_flush(q, queued);
	pthread_mutex_unlock(&q->tx_lock);
	if (sent)
		atomic_fetch_add_explicit(&x->tx, sent, memory_order_relaxed);
	if (dropped)
		atomic_fetch_add_explicit(&x->tx_drops, dropped,
					  memory_order_relaxed);
	return sent;
}

/* --------------------------------------------------------- receive */

/* Up to @room frames of @q's RX ring into @v; returns how many. */
static unsigned int xsk_rx_queue(struct lana_xsk *x, struct xsk_q *q,
				 struct lana_burst *v, unsigned int room,
				 uint64_t now, uint64_t *drops)
{
	uint32_t idx_rx, idx_fill, n, i, k = 0;

	n = xsk_ring_cons__peek(&q->rx, room, &idx_rx);
	if (!n)
		return 0;
	/* the fill ring holds every receive frame not in the RX ring */
	if (xsk_ring_prod__reserve(&q->fill, n, &idx_fill) != n) {
		xsk_ring_cons__cancel(&q->rx, n);
		return 0;	/* cannot happen: see xsk_q_open() */
	}
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx,
								  idx_rx + i);
		struct lana_pkt *p = lana_pkt_get(d->len);

		if (p) {
			memcpy(lana_pkt_data(p),
			       xsk_umem__get_data(q->area, d->addr), d->len);
			memset(&p->off, 0, sizeof(p->off));
			p->ts_ns = now;
			v->pkt[v->n + k++] = p;
		} else {
			(*drops)++;
		}
		*xsk_ring_prod__fill_addr(&q->fill, idx_fill + i) =
			d->addr & ~(uint64_t)(LANA_XSK_FRAME_SIZE - 1);
	}
	xsk_ring_prod__submit(&q->fill, n);
	xsk_ring_cons__release(&q->rx, n);
	if (xsk_ring_prod__needs_wakeup(&q->fill))
		(void)recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	v->n = (uint16_t)(v->n + k);
	(void)x;
	return k;
}

int lana_xsk_poll(struct lana_xsk *x, struct lana_burst *v)
{
	return lana_xsk_poll_group(x, 0, v);
}

int lana_xsk_poll_group(struct lana_xsk *x, unsigned int g,
			struct lana_burst *v)
{
	static _Thread_local unsigned int start;
	const struct xsk_grp *gr = &x->grp[g < x->ngrp ? g : 0];
	struct timespec ts;
	uint64_t now, drops = 0;
	unsigned int i, n = gr->n;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	v->n = 0;
	/* start at another queue each time: no queue starves the others */
	start++;
	for (i = 0; i < n && v->n < LANA_BURST; i++) {
		struct xsk_q *q = x->q[gr->qi[(start + i) % n]];

		xsk_rx_queue(x, q, v, LANA_BURST - v->n, now, &drops);
		if (q->tx_pending && !pthread_mutex_trylock(&q->tx_lock)) {
			xsk_reap(q);
			if (q->tx_pending && xsk_prod_nb_free(&q->tx,
				XSK_TX_FRAMES) < XSK_TX_FRAMES)
				xsk_kick(q);
			pthread_mutex_unlock(&q->tx_lock);
		}
	}
	if (v->n)
		atomic_fetch_add_explicit(&x->rx, v->n, memory_order_relaxed);
	if (drops)
		atomic_fetch_add_explicit(&x->rx_drops, drops,
					  memory_order_relaxed);
	return (int)v->n;
}

/* ------------------------------------------------------------ rest */

void lana_xsk_stats(const struct lana_xsk *x, uint64_t *rx, uint64_t *tx,
		    uint64_t *drops)
{
	struct lana_xsk *m = (struct lana_xsk *)x;	/* counters only */
	uint64_t kd = 0;
	unsigned int i;

	for (i = 0; i < x->nq; i++) {
		struct xdp_statistics st;
		socklen_t len = sizeof(st);

		/* cumulative in the kernel, not reset by reading */
		if (getsockopt(x->q[i]->fd, SOL_XDP, XDP_STATISTICS, &st,
			       &len) == 0)
			kd += st.rx_dropped + st.rx_ring_full +
			      st.rx_invalid_descs + st.tx_invalid_descs;
	}
	if (rx)
		*rx = atomic_load_explicit(&m->rx, memory_order_relaxed);
	if (tx)
		*tx = atomic_load_explicit(&m->tx, memory_order_relaxed);
	if (drops)
		*drops = kd +
			 atomic_load_explicit(&m->rx_drops,
					      memory_order_relaxed) +
			 atomic_load_explicit(&m->tx_drops,
					      memory_order_relaxed);
}

void lana_xsk_close(struct lana_xsk *x)
{
	if (x)
		xsk_free(x);
}
