// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/counter.c - count packets and bytes passing through.
 *
 * counter()   in: any -> out: any
 * Reads: packets, bytes (summed over workers/CPUs).
 *
 * The thesis's counter block (ch. 5.4.5): every packet entering at `in`
 * is counted and leaves at `out` unchanged.
 */
#include "lana_block.h"

static const struct lana_param counter_params[] = {
	LANA_PARAM_END
};

static const struct lana_port counter_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to count" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ANY,
	  .doc = "the same packets, unchanged" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(counter) = {
	.name = "counter",
	.synopsis = "counter()   in: any -> out: any",
	.doc = "Count packets and bytes passing through. Packets go from in to "
	       "out unchanged. Reads: packets, bytes, summed over workers or "
	       "CPUs. This is the thesis's counter block (ch. 5.4.5).",
	.params = counter_params,
	.ports = counter_ports,
	.engines = LANA_ENGINE_ALL,
};
