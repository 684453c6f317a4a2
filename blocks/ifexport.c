// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/ifexport.c - export a network interface to another host.
 *
 * ifexport(dev, interval = 200ms)
 *   in: raw, dev_in: eth -> out: raw, dev_out: eth
 *
 * The owner's side of Flying Interfaces (Barraca et al., "Network
 * Interfaces Flying over IP Networks"; docs/flyif.md): frames received on
 * interface @dev (from eth(dev) into `dev_in`) leave at `out` wrapped in
 * DATA messages (blocks/flyif.h); DATA messages entering `in` (from the
 * importer, through any raw tunnel) are unwrapped and leave at `dev_out`
 * (to eth(dev), which transmits them). LINK messages carry @dev's flags
 * (up, carrier, running), MTU, MAC address and counters out of `out`
 * every @interval, and at once when the flags, MTU or MAC change.
 *
 * The device I/O stays with eth (share/lana/std/export_if.lana composes
 * them): so frames come with offloads resolved (LANA_BT_FINAL) and eth's
 * fanout, AF_XDP and "gone and back" work unchanged. The link state is
 * read by a thread of the block's own over rtnetlink (RTMGRP_LINK events,
 * and an RTM_GETLINK every interval for the counters), never on the
 * packet path; the LINK messages are sent by the block's timer in its
 * worker from the state the thread keeps. Userspace engine only.
 */
#include "lana_block.h"
#include "flyif.h"

#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#define IFX_NLBUF	(32 << 10)	/* netlink receive buffer, bytes */

enum { IFX_P_DEV, IFX_P_INTERVAL, IFX_P_MAX };

static const struct lana_param ifx_params[] = {
	[IFX_P_DEV] = {
		.name = "dev", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1, .max = 15,
		.doc = "the interface exported (at most 15 bytes); the graph "
		       "attaches it with eth(dev)",
	},
	[IFX_P_INTERVAL] = {
		.name = "interval", .type = LANA_PT_DURATION,
		.flags = LANA_PF_RANGE, .min = 10000000, .max = 10000000000ull,
		.def = "200ms",
		.doc = "period of the LINK messages (10ms to 10s); the importer "
		       "drops its carrier after 3 periods without one",
	},
	[IFX_P_MAX] = LANA_PARAM_END
};

enum { IFX_IN_NET, IFX_IN_DEV };	/* IN ports */
enum { IFX_OUT_NET, IFX_OUT_DEV };	/* OUT ports */

static const struct lana_port ifx_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_RAW,
	  .doc = "messages from the importer: DATA frames to transmit on dev" },
	{ .name = "dev_in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames received on dev (from eth(dev))" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_RAW,
	  .doc = "messages to the importer: DATA and LINK" },
	{ .name = "dev_out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames to transmit on dev (to eth(dev))" },
	LANA_PORT_END
};

struct ifx_pcpu {
	uint64_t data_out;
	uint64_t data_in;
	uint64_t link_out;
	uint64_t malformed;
	uint64_t nomem;
};

static const struct lana_counter ifx_counters[] = {
	LANA_COUNTER(struct ifx_pcpu, data_out,
		     "frames of dev sent to the importer in DATA messages"),
	LANA_COUNTER(struct ifx_pcpu, data_in,
		     "frames from the importer's DATA messages, to dev"),
	LANA_COUNTER(struct ifx_pcpu, link_out, "LINK messages sent"),
	LANA_COUNTER(struct ifx_pcpu, malformed,
		     "messages at in dropped: not a well-formed DATA message "
		     "(docs/flyif.md), or a frame at dev_in too long for one"),
	LANA_COUNTER(struct ifx_pcpu, nomem,
		     "frames or LINK messages lost for want of a buffer or "
		     "headroom"),
	LANA_COUNTER_OP("changes", "changes of dev's flags, MTU or MAC "
			"address seen (each sent at once)"),
	LANA_COUNTER_OP("carrier", "1 while dev is up with carrier"),
	LANA_COUNTER_END
};

struct ifx_priv {
	char dev[IFNAMSIZ];
	uint64_t interval_ns;
	struct lana_lock lock;		/* @cur, @seq */
	struct flyif_link cur;		/* dev's state, as the thread read it */
	uint32_t seq;
	struct lana_timer *timer;
	_Atomic uint64_t changes;
	int nl;				/* the thread's rtnetlink socket */
	int stopfd;			/* eventfd: stop the thread */
	pthread_t thr;
	bool thr_up;
	_Alignas(8) uint8_t buf[IFX_NLBUF];	/* the thread's receive buffer:
					 * nlmsghdr-aligned */
};

/* The thread read @l for dev: keep it, send it at once if it changed. */
static void ifx_update(struct ifx_priv *x, const struct flyif_link *l)
{
	bool changed;

	lana_lock(&x->lock);
	changed = l->flags != x->cur.flags || l->mtu != x->cur.mtu ||
		  memcmp(l->mac, x->cur.mac, 6);
	x->cur = *l;
	lana_unlock(&x->lock);
	if (changed) {
		atomic_fetch_add(&x->changes, 1);
		lana_timer_arm(x->timer, 0);	/* as soon as possible */
	}
}

/* Read the thread's netlink socket dry; false when it must ask again. */
static bool ifx_read(struct ifx_priv *x)
{
	for (;;) {
		ssize_t n = recv(x->nl, x->buf, sizeof(x->buf), MSG_DONTWAIT);
		const struct nlmsghdr *nh;

		if (n < 0)
			return errno != ENOBUFS;	/* ENOBUFS: lost events */
		for (nh = (const struct nlmsghdr *)x->buf;
		     NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			struct flyif_link l;
			int r;

			lana_lock(&x->lock);
			l = x->cur;
			lana_unlock(&x->lock);
			r = flyif_nl_link(nh, x->dev, &l);
			if (r < 0)	/* deleted: no link */
				l.flags = 0;
			if (r)
				ifx_update(x, &l);
		}
	}
}

/*
 * The block's thread: follows dev's events, asks for its state (with
 * the counters) every interval. Stops when @stopfd is readable.
 */
static void *ifx_main(void *arg)
{
	struct ifx_priv *x = arg;
	uint64_t next = lana_now_ns() + x->interval_ns;

	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = x->nl, .events = POLLIN },
			{ .fd = x->stopfd, .events = POLLIN },
		};
		uint64_t now = lana_now_ns();
		int ms = next > now ? (int)((next - now) / 1000000u) + 1 : 0;

		if (poll(fds, 2, ms) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if ((fds[0].revents & POLLIN) && !ifx_read(x))
			next = 0;
		now = lana_now_ns();
		if (now >= next) {
			(void)flyif_nl_getlink(x->nl, x->dev);
			next = now + x->interval_ns;
		}
	}
	return NULL;
}

static int ifx_fire(struct lana_block *b, struct lana_burst *v)
{
	struct ifx_priv *x = b->priv;
	struct ifx_pcpu *c = lana_block_pcpu(b);
	struct flyif_link l;
	struct lana_pkt *p;

	lana_timer_arm(x->timer, lana_now_ns() + x->interval_ns);
	p = lana_pkt_alloc(b, FLYIF_HDR_LEN + FLYIF_LINK_LEN);
	if (!p) {
		c->nomem++;
		return 0;
	}
	lana_lock(&x->lock);
	l = x->cur;
	l.seq = ++x->seq;
	lana_unlock(&x->lock);
	flyif_link_msg(lana_pkt_data(p), &l);
	v->pkt[0] = p;
	v->n = 1;
	c->link_out++;
	return 1;
}

static void ifx_fini(struct lana_block *b)
{
	struct ifx_priv *x = b->priv;
	uint64_t one = 1;

	if (x->thr_up) {
		if (write(x->stopfd, &one, sizeof(one)) < 0)
			lana_block_log(b, LOG_ERR, "cannot stop the thread");
		pthread_join(x->thr, NULL);
		x->thr_up = false;
	}
	lana_timer_free(x->timer);	/* no fire op runs after this */
	x->timer = NULL;
	if (x->nl >= 0)
		close(x->nl);
	if (x->stopfd >= 0)
		close(x->stopfd);
	x->nl = x->stopfd = -1;
	lana_lock_destroy(&x->lock);
}

static int ifx_init(struct lana_block *b, const struct lana_value *params)
{
	struct ifx_priv *x = b->priv;
	int err;

	x->nl = x->stopfd = -1;
	lana_lock_init(&x->lock);
	if (params[IFX_P_DEV].type != LANA_PT_STRING) {
		lana_block_error(b, "dev is required");
		err = -EINVAL;
		goto fail;
	}
	strncpy(x->dev, params[IFX_P_DEV].str, sizeof(x->dev) - 1);
	x->interval_ns = params[IFX_P_INTERVAL].type == LANA_PT_DURATION ?
			 params[IFX_P_INTERVAL].u : 200000000u;
	if (x->interval_ns < 10000000u || x->interval_ns > 10000000000ull) {
		lana_block_error(b, "interval must lie between 10ms and 10s");
		err = -EINVAL;
		goto fail;
	}
	x->cur.interval_ms = (uint32_t)(x->interval_ns / 1000000u);
	err = flyif_nl_query(x->dev, &x->cur);
	if (err) {
		lana_block_error(b, "cannot read interface '%s': %s", x->dev,
				 strerror(-err));
		goto fail;
	}
	x->cur.interval_ms = (uint32_t)(x->interval_ns / 1000000u);
	x->timer = lana_timer_new(b, ifx_fire);
	if (!x->timer) {
		err = -ENOMEM;
		goto fail;
	}
	x->nl = flyif_nl_open(true);
	x->stopfd = eventfd(0, EFD_CLOEXEC);
	if (x->nl < 0 || x->stopfd < 0) {
		err = x->nl < 0 ? x->nl : -errno;
		lana_block_error(b, "cannot follow interface '%s': %s",
				 x->dev, strerror(-err));
		goto fail;
	}
	err = -pthread_create(&x->thr, NULL, ifx_main, x);
	if (err) {
		lana_block_error(b, "cannot start its thread: %s",
				 strerror(-err));
		goto fail;
	}
	x->thr_up = true;
	lana_timer_arm(x->timer, 0);	/* the first LINK at once */
	return 0;
fail:
	ifx_fini(b);
	return err;
}

/*
 * Frames of dev (dev_in) leave wrapped at out; DATA messages at in leave
 * unwrapped at dev_out, anything else at in is dropped.
 */
static int ifx_rx(struct lana_block *b, struct lana_burst *v)
{
	struct ifx_pcpu *c = lana_block_pcpu(b);
	uint16_t i;

	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		uint32_t len = lana_pkt_len(p), plen;
		uint8_t *h;

		if (v->in_port == IFX_IN_DEV) {
			if (len > UINT16_MAX) {
				c->malformed++;
				v->verdict[i] = LANA_DROP;
			} else if (!(h = lana_pkt_push(p, FLYIF_HDR_LEN))) {
				c->nomem++;
				v->verdict[i] = LANA_DROP;
			} else {
				flyif_hdr_write(h, FLYIF_T_DATA,
						(uint16_t)len);
				c->data_out++;
				v->verdict[i] = IFX_OUT_NET;
			}
		} else if (flyif_parse(lana_pkt_data(p), len, &plen) ==
			   FLYIF_T_DATA && lana_pkt_pull(p, FLYIF_HDR_LEN)) {
			c->data_in++;
			v->verdict[i] = IFX_OUT_DEV;
		} else {
			c->malformed++;
			v->verdict[i] = LANA_DROP;
		}
	}
	return LANA_RX_VERDICTS;
}

static unsigned int ifx_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	struct ifx_priv *x = b->priv;
	const uint32_t up = FLYIF_F_UP | FLYIF_F_CARRIER;
	uint32_t flags;

	if (max < 2)
		return 0;
	lana_lock(&x->lock);
	flags = x->cur.flags;
	lana_unlock(&x->lock);
	out[0] = (struct lana_stat){ .name = "changes",
				     .value = atomic_load(&x->changes) };
	out[1] = (struct lana_stat){ .name = "carrier",
				     .value = (flags & up) == up };
	return 2;
}

LANA_BLOCK_TYPE(ifexport) = {
	.name = "ifexport",
	.synopsis = "ifexport(dev, interval = 200ms)   "
		    "in: raw, dev_in: eth -> out: raw, dev_out: eth",
	.doc = "Export a network interface to another host (Flying "
	       "Interfaces). The owner's side (docs/flyif.md): frames of "
	       "interface dev, "
	       "entering at dev_in from eth(dev), leave at out wrapped in "
	       "DATA messages for the importer; DATA messages from the "
	       "importer entering at in leave unwrapped at dev_out, to "
	       "eth(dev); anything else at in is dropped and counted. LINK "
	       "messages with dev's flags (up, carrier), MTU, MAC address "
	       "and counters leave at out every interval and at once when "
	       "they change; a thread of the block follows dev over "
	       "rtnetlink, off the packet path. std/export_if.lana composes "
	       "it with eth and udp. Userspace engine only.",
	.params = ifx_params,
	.ports = ifx_ports,
	.counters = ifx_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_FINAL,
	.priv_size = sizeof(struct ifx_priv),
	.pcpu_size = sizeof(struct ifx_pcpu),
	.init = ifx_init,
	.fini = ifx_fini,
	.rx = ifx_rx,
	.stats = ifx_stats,
};
