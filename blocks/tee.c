// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/tee.c - duplicate packets to several outputs.
 *
 * tee(n = 2)   in: any -> out[n]: any
 *
 * The thesis's tee block (ch. 5.4.4), like Click's Tee: every packet
 * entering at `in` leaves at each of the @n `out` ports (out[0] gets the
 * original, the others copies).
 */
#include "lana_block.h"

static const struct lana_param tee_params[] = {
	{ .name = "n", .type = LANA_PT_U8, .flags = LANA_PF_RANGE,
	  .min = 1, .max = 64, .def = "2",
	  .doc = "number of out ports" },
	LANA_PARAM_END
};

static const struct lana_port tee_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to duplicate" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ANY,
	  .count = "n",
	  .doc = "one copy of every packet on each port" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(tee) = {
	.name = "tee",
	.synopsis = "tee(n = 2)   in: any -> out[n]: any",
	.doc = "Duplicate packets to several outputs. Every packet entering at "
	       "in leaves at each of the n out ports: out[0] gets the original, "
	       "the other ports copies. This is the thesis's tee block "
	       "(ch. 5.4.4), like Click's Tee.",
	.params = tee_params,
	.ports = tee_ports,
	.engines = LANA_ENGINE_ALL,
};
