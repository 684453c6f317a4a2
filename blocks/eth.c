// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/eth.c - attach the graph to a network interface.
 *
 * eth(dev, promisc = false)   in: eth -> out: eth (optional)
 *
 * The Ethernet vlink block of the thesis (ch. 5.4.1): frames received on
 * network interface @dev leave at `out`; frames entering at `in` are
 * transmitted on @dev. The userspace engine uses an AF_PACKET socket bound to
 * the interface, the kernel module registers an rx_handler on it. `out` may
 * stay unconnected for a transmit-only attachment.
 */
#include "lana_block.h"

static const struct lana_param eth_params[] = {
	{ .name = "dev", .type = LANA_PT_STRING,
	  .flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1, .max = 15,
	  .doc = "network interface name (at most IFNAMSIZ-1 = 15 bytes)" },
	{ .name = "promisc", .type = LANA_PT_BOOL, .flags = LANA_PF_LIVE,
	  .def = "false",
	  .doc = "put the interface into promiscuous mode" },
	LANA_PARAM_END
};

static const struct lana_port eth_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to transmit on dev" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames received on dev" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(eth) = {
	.name = "eth",
	.synopsis = "eth(dev, promisc = false)   in: eth -> out: eth (optional)",
	.doc = "Attach the graph to a network interface. Frames received on "
	       "dev leave at out; frames entering at in are transmitted on dev. "
	       "This is the thesis's Ethernet vlink block (ch. 5.4.1): the "
	       "userspace engine uses an AF_PACKET socket, the kernel module an "
	       "rx_handler hook on the device.",
	.params = eth_params,
	.ports = eth_ports,
	.engines = LANA_ENGINE_ALL,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK,
};
