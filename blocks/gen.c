// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/gen.c - generate test frames.
 *
 * gen(size = 64B, count = 0, rate = 0, src = 02:00:00:00:00:01,
 *     dst = ff:ff:ff:ff:ff:ff)   out: eth
 *
 * Emits @count (0 = unlimited) Ethernet frames of @size bytes from @src to
 * @dst at `out`, paced to @rate bit/s on the wire (0 = as fast as possible).
 * Userspace engine only.
 */
#include "lana_block.h"

static const struct lana_param gen_params[] = {
	{ .name = "size", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
	  .min = 60, .max = 9216, .def = "64B",
	  .doc = "frame size in bytes, without the FCS" },
	{ .name = "count", .type = LANA_PT_U64, .def = "0",
	  .doc = "frames to send; 0 = unlimited" },
	{ .name = "rate", .type = LANA_PT_RATE, .flags = LANA_PF_LIVE,
	  .def = "0",
	  .doc = "bit/s on the wire; 0 = as fast as possible" },
	{ .name = "src", .type = LANA_PT_MAC, .def = "02:00:00:00:00:01",
	  .doc = "source MAC address" },
	{ .name = "dst", .type = LANA_PT_MAC, .def = "ff:ff:ff:ff:ff:ff",
	  .doc = "destination MAC address" },
	LANA_PARAM_END
};

static const struct lana_port gen_ports[] = {
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "generated frames" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(gen) = {
	.name = "gen",
	.synopsis = "gen(size = 64B, count = 0, rate = 0, "
		    "src = 02:00:00:00:00:01, dst = ff:ff:ff:ff:ff:ff)   "
		    "out: eth",
	.doc = "Generate test frames. Emits count Ethernet frames (0 = "
	       "unlimited) of size bytes from src to dst at out, paced to rate "
	       "bit/s on the wire (0 = as fast as possible). Userspace engine "
	       "only.",
	.params = gen_params,
	.ports = gen_ports,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_SOURCE,
};
