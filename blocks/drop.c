// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/drop.c - discard every packet.
 *
 * drop()   in: any
 *
 * Frees every packet entering at `in`; the end of a path.
 */
#include "lana_block.h"

static const struct lana_param drop_params[] = {
	LANA_PARAM_END
};

static const struct lana_port drop_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to discard" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(drop) = {
	.name = "drop",
	.synopsis = "drop()   in: any",
	.doc = "Discard every packet. Use it to end a path explicitly.",
	.params = drop_params,
	.ports = drop_ports,
	.engines = LANA_ENGINE_ALL,
};
