// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/fwd.c - pass packets on unchanged.
 *
 * fwd()   in: any -> out: any
 *
 * The thesis's forwarding block (ch. 5.4.6): every packet entering at `in`
 * leaves at `out` untouched. Useful as a stable attachment point that can
 * be rebound without touching its neighbours.
 */
#include "lana_block.h"

enum { FWD_P_MAX };	/* no parameters */

static const struct lana_param fwd_params[] = {
	[FWD_P_MAX] = LANA_PARAM_END
};

static const struct lana_port fwd_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to forward" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ANY,
	  .doc = "the same packets, unchanged" },
	LANA_PORT_END
};

/* Thesis ch. 5.4.6: pass the whole burst on to `out` untouched. */
static int fwd_rx(struct lana_block *b, struct lana_burst *v)
{
	return 0;
}

LANA_BLOCK_TYPE(fwd) = {
	.name = "fwd",
	.synopsis = "fwd()   in: any -> out: any",
	.doc = "Pass packets on unchanged. Every packet entering at in leaves "
	       "at out, which makes fwd a stable attachment point in a graph. "
	       "This is the thesis's forwarding block (ch. 5.4.6).",
	.params = fwd_params,
	.ports = fwd_ports,
	.engines = LANA_ENGINE_ALL,
	.rx = fwd_rx,
};
