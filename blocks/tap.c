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

static const struct lana_param tap_params[] = {
	{ .name = "name", .type = LANA_PT_STRING,
	  .flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1, .max = 15,
	  .doc = "name of the device to create (at most 15 bytes)" },
	{ .name = "mac", .type = LANA_PT_MAC,
	  .doc = "MAC address of the device (random when not given)" },
	{ .name = "mtu", .type = LANA_PT_U32, .flags = LANA_PF_RANGE,
	  .min = 68, .max = 65535, .def = "1500",
	  .doc = "MTU of the device in bytes" },
	LANA_PARAM_END
};

static const struct lana_port tap_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames delivered to the host through the device" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames the host sends on the device" },
	LANA_PORT_END
};

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
	.engines = LANA_ENGINE_ALL,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK,
};
