// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/eth.c - attach the graph to a network interface.
 *
 * eth(dev, promisc = false, mode = auto)   in: eth -> out: eth (optional)
 *
 * The Ethernet vlink block of the thesis (ch. 5.4.1): frames received on
 * network interface @dev leave at `out`; frames entering at `in` are
 * transmitted on @dev. The userspace engine uses an AF_PACKET socket bound to
 * the interface, the kernel module registers an rx_handler on it. `out` may
 * stay unconnected for a transmit-only attachment. If @dev is deleted, the
 * userspace engine logs it, counts what is sent to it as dropped and binds
 * the socket again when an interface of that name appears (runtime/dev.c,
 * "Gone and back"; docs/runtime.md).
 *
 * With several workers (lanad --workers N) the userspace engine spreads
 * the interface over them: N AF_PACKET sockets in a PACKET_FANOUT group,
 * or the AF_XDP queues round robin (runtime/dev.c "Fanout"); rx_wN counts
 * what worker N received.
 *
 * @mode picks the userspace engine's socket (runtime/dev.h, runtime/xsk.h):
 * packet forces AF_PACKET, xdp asks for AF_XDP (falling back to AF_PACKET
 * with the reason in the log), auto uses AF_XDP only on a driver with
 * AF_XDP zero-copy. The kernel engine has neither socket: it accepts auto
 * and packet (its rx_handler is the packet path) and refuses xdp.
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

static const char *const eth_modes[] = { "auto", "packet", "xdp", NULL };

enum { ETH_P_DEV, ETH_P_PROMISC, ETH_P_MODE, ETH_P_MAX };

static const struct lana_param eth_params[] = {
	[ETH_P_DEV] = {
		.name = "dev", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1, .max = 15,
		.doc = "network interface name (at most IFNAMSIZ-1 = 15 bytes)",
	},
	[ETH_P_PROMISC] = {
		.name = "promisc", .type = LANA_PT_BOOL, .flags = LANA_PF_LIVE,
		.def = "false",
		.doc = "put the interface into promiscuous mode",
	},
	[ETH_P_MODE] = {
		.name = "mode", .type = LANA_PT_ENUM, .symbols = eth_modes,
		.def = "auto",
		.doc = "userspace engine's socket: packet (AF_PACKET), xdp "
		       "(AF_XDP, else AF_PACKET with the reason logged) or "
		       "auto (AF_XDP only where the driver has AF_XDP "
		       "zero-copy); the kernel engine refuses xdp",
	},
	[ETH_P_MAX] = LANA_PARAM_END
};

static const struct lana_port eth_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to transmit on dev" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames received on dev" },
	LANA_PORT_END
};

struct eth_priv {
	struct lana_dev *dev;
};

/* The device path counts these (lana_dev_stats()); eth_stats() reads them. */
static const struct lana_counter eth_counters[] = {
	LANA_COUNTER_OP("rx", "frames received on dev"),
	LANA_COUNTER_OP("tx", "frames transmitted on dev"),
	LANA_COUNTER_OP("dropped", "frames lost on the way: receive ring "
			"overflow, truncation, transmit errors, frames sent "
			"while dev is down or gone"),
	LANA_COUNTER_OP_INDEXED("rx_w", "userspace engine with several "
				"workers (lanad --workers): frames received "
				"on dev by worker N (the first 32 workers); "
				"with all workers shown their sum is rx"),
	LANA_COUNTER_END
};

#define ETH_RXW_MAX 32	/* workers reported as rx_wN */

static int eth_init(struct lana_block *b, const struct lana_value *params)
{
	struct eth_priv *e = b->priv;
	const char *mode = params[ETH_P_MODE].type == LANA_PT_ENUM ?
			   params[ETH_P_MODE].str : NULL;
	unsigned int flags = 0;

	if (params[ETH_P_DEV].type != LANA_PT_STRING) {
		lana_block_error(b, "dev is required");
		return -EINVAL;
	}
	if (params[ETH_P_PROMISC].type == LANA_PT_BOOL &&
	    params[ETH_P_PROMISC].b)
		flags |= LANA_DEV_PROMISC;
	if (mode && !strcmp(mode, "packet"))
		flags |= LANA_DEV_MODE_PACKET;
	else if (mode && !strcmp(mode, "xdp"))
		flags |= LANA_DEV_MODE_XDP;
#ifdef __KERNEL__
	if (flags & LANA_DEV_MODE_XDP) {
		lana_block_error(b, "mode = xdp is for the userspace engine "
				 "(lanad); the kernel engine's eth is an "
				 "rx_handler: use auto or packet");
		return -EOPNOTSUPP;
	}
#endif
	e->dev = lana_dev_open(b, params[ETH_P_DEV].str, flags);
	return e->dev ? 0 : -ENODEV;
}

static void eth_fini(struct lana_block *b)
{
	struct eth_priv *e = b->priv;

	lana_dev_close(e->dev);
	e->dev = NULL;
}

static int eth_set(struct lana_block *b, unsigned int pidx,
		   const struct lana_value *v)
{
	struct eth_priv *e = b->priv;
	int err;

	if (pidx != ETH_P_PROMISC || v->type != LANA_PT_BOOL) {
		lana_block_error(b, "parameter %u is not live", pidx);
		return -EINVAL;
	}
	err = lana_dev_set_promisc(e->dev, v->b);
	if (err)
		lana_block_error(b, "cannot turn promiscuous mode %s",
				 v->b ? "on" : "off");
	return err;
}

/* Frames at `in` leave the graph: transmitted on dev, all consumed. */
static int eth_rx(struct lana_block *b, struct lana_burst *v)
{
	struct eth_priv *e = b->priv;

	lana_dev_xmit(e->dev, v);
	return LANA_RX_VERDICTS;
}

static unsigned int eth_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	const struct eth_priv *e = b->priv;
	uint64_t rx, tx, drops;

	if (max < 3 || !e->dev)
		return 0;
	lana_dev_stats(e->dev, &rx, &tx, &drops);
	out[0] = (struct lana_stat){ .name = "rx", .value = rx };
	out[1] = (struct lana_stat){ .name = "tx", .value = tx };
	out[2] = (struct lana_stat){ .name = "dropped", .value = drops };
#ifdef __KERNEL__
	return 3;
#else
	{
#define RXW(n) "rx_w" #n
		static const char *const names[ETH_RXW_MAX] = {
			RXW(0), RXW(1), RXW(2), RXW(3), RXW(4), RXW(5),
			RXW(6), RXW(7), RXW(8), RXW(9), RXW(10), RXW(11),
			RXW(12), RXW(13), RXW(14), RXW(15), RXW(16), RXW(17),
			RXW(18), RXW(19), RXW(20), RXW(21), RXW(22), RXW(23),
			RXW(24), RXW(25), RXW(26), RXW(27), RXW(28), RXW(29),
			RXW(30), RXW(31),
		};
#undef RXW
		uint64_t w[ETH_RXW_MAX];
		unsigned int i, n = lana_dev_worker_rx(e->dev, w,
						       ETH_RXW_MAX);

		for (i = 0; i < n && 3 + i < max; i++)
			out[3 + i] = (struct lana_stat){ .name = names[i],
							 .value = w[i] };
		return 3 + i;
	}
#endif
}

LANA_BLOCK_TYPE(eth) = {
	.name = "eth",
	.synopsis = "eth(dev, promisc = false, mode = auto)   "
		    "in: eth -> out: eth (optional)",
	.doc = "Attach the graph to a network interface. Frames received on "
	       "dev leave at out; frames entering at in are transmitted on dev. "
	       "This is the thesis's Ethernet vlink block (ch. 5.4.1): the "
	       "userspace engine uses an AF_PACKET socket or, with mode = xdp (or "
	       "auto on a driver with AF_XDP zero-copy), AF_XDP sockets, one "
	       "per receive queue; the kernel module an rx_handler hook on "
	       "the device. With several workers the userspace engine spreads "
	       "dev over them: one AF_PACKET socket per worker in a fanout "
	       "group that keeps each flow on one worker (in order), or the "
	       "AF_XDP queues round robin. In the userspace engine, when dev "
	       "is deleted the block logs it, counts the frames sent to it as "
	       "dropped and reattaches when an interface of that name appears "
	       "again.",
	.params = eth_params,
	.ports = eth_ports,
	.counters = eth_counters,
	.engines = LANA_ENGINE_ALL,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK,
	.priv_size = sizeof(struct eth_priv),
	.init = eth_init,
	.fini = eth_fini,
	.set = eth_set,
	.rx = eth_rx,
	.stats = eth_stats,
};
