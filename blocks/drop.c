// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/drop.c - discard every packet.
 *
 * drop()   in: any
 *
 * Frees every packet entering at `in`; the end of a path.
 */
#include "lana_block.h"

enum { DROP_P_MAX };	/* no parameters */

static const struct lana_param drop_params[] = {
	[DROP_P_MAX] = LANA_PARAM_END
};

static const struct lana_port drop_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to discard" },
	LANA_PORT_END
};

/*
 * Every packet gets the verdict LANA_DROP: the engine frees it and counts
 * it as a drop of this block (so `lanarun stats` shows what ended here).
 */
static int drop_rx(struct lana_block *b, struct lana_burst *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		v->verdict[i] = LANA_DROP;
	return LANA_RX_VERDICTS;
}

LANA_BLOCK_TYPE(drop) = {
	.name = "drop",
	.synopsis = "drop()   in: any",
	.doc = "Discard every packet. Use it to end a path explicitly.",
	.params = drop_params,
	.ports = drop_ports,
	.engines = LANA_ENGINE_ALL,
	.rx = drop_rx,
};
