// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/tap.c - a virtual network device owned by the graph.
 *
 * tap(name, mac, mtu = 1500)   in: eth -> out: eth (optional)
 *
 * The vlink-tagged virtual device of the thesis (ch. 5.4.2): the engine
 * creates a TAP-like device @name; frames entering at `in` are delivered to
 * the host's stack through it, frames the host sends on it leave at `out`.
 */
#include "lana_block.h"

#include <errno.h>

enum { TAP_P_NAME, TAP_P_MAC, TAP_P_MTU, TAP_P_MAX };

static const struct lana_param tap_params[] = {
	[TAP_P_NAME] = {
		.name = "name", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1, .max = 15,
		.doc = "name of the device to create (at most 15 bytes)",
	},
	[TAP_P_MAC] = {
		.name = "mac", .type = LANA_PT_MAC,
		.doc = "MAC address of the device (random when not given)",
	},
	[TAP_P_MTU] = {
		.name = "mtu", .type = LANA_PT_U32, .flags = LANA_PF_RANGE,
		.min = 68, .max = 65535, .def = "1500",
		.doc = "MTU of the device in bytes",
	},
	[TAP_P_MAX] = LANA_PARAM_END
};

static const struct lana_port tap_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames delivered to the host through the device" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames the host sends on the device" },
	LANA_PORT_END
};

struct tap_priv {
	struct lana_dev *dev;
};

/* The device path counts these (lana_dev_stats()); tap_stats() reads them. */
static const struct lana_counter tap_counters[] = {
	LANA_COUNTER_OP("rx", "frames the host sent on the device"),
	LANA_COUNTER_OP("tx", "frames delivered to the host through it"),
	LANA_COUNTER_OP("dropped", "frames lost on the way"),
	LANA_COUNTER_END
};

static int tap_init(struct lana_block *b, const struct lana_value *params)
{
	struct tap_priv *t = b->priv;
	const uint8_t *mac = NULL;
	uint32_t mtu = 1500;

	if (params[TAP_P_NAME].type != LANA_PT_STRING) {
		lana_block_error(b, "name is required");
		return -EINVAL;
	}
	if (params[TAP_P_MAC].type == LANA_PT_MAC)
		mac = params[TAP_P_MAC].mac;
	if (params[TAP_P_MTU].type == LANA_PT_U32)
		mtu = (uint32_t)params[TAP_P_MTU].u;
	t->dev = lana_tap_open(b, params[TAP_P_NAME].str, mac, mtu);
	return t->dev ? 0 : -ENODEV;
}

static void tap_fini(struct lana_block *b)
{
	struct tap_priv *t = b->priv;

	lana_dev_close(t->dev);
	t->dev = NULL;
}

/* Frames at `in` are delivered to the host through the device. */
static int tap_rx(struct lana_block *b, struct lana_burst *v)
{
	struct tap_priv *t = b->priv;

	lana_dev_xmit(t->dev, v);
	return LANA_RX_VERDICTS;
}

static unsigned int tap_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	const struct tap_priv *t = b->priv;
	uint64_t rx, tx, drops;

	if (max < 3 || !t->dev)
		return 0;
	lana_dev_stats(t->dev, &rx, &tx, &drops);
	out[0] = (struct lana_stat){ .name = "rx", .value = rx };
	out[1] = (struct lana_stat){ .name = "tx", .value = tx };
	out[2] = (struct lana_stat){ .name = "dropped", .value = drops };
	return 3;
}

LANA_BLOCK_TYPE(tap) = {
	.name = "tap",
	.synopsis = "tap(name, mac, mtu = 1500)   in: eth -> out: eth (optional)",
	.doc = "Connect the host's network stack to the graph through a virtual "
	       "device. The engine creates the device name; frames entering at "
	       "in are delivered to the host as if received on it, frames the "
	       "host sends on it leave at out. This is the thesis's "
	       "vlink-tagged virtual device (ch. 5.4.2).",
	.params = tap_params,
	.ports = tap_ports,
	.counters = tap_counters,
	.engines = LANA_ENGINE_ALL,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK,
	.priv_size = sizeof(struct tap_priv),
	.init = tap_init,
	.fini = tap_fini,
	.rx = tap_rx,
	.stats = tap_stats,
};
