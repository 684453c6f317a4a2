// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/vlan.c - IEEE 802.1Q VLAN tagging.
 *
 * vlan(op, vid = 1, pcp = 0)   in: eth -> out: eth, reject: eth (optional)
 *
 * op = push inserts an 802.1Q tag (TPID 0x8100) with @vid and priority
 * @pcp; op = pop removes the tag of frames tagged with @vid; op = filter
 * passes frames tagged with @vid unchanged. Frames that do not carry @vid
 * (pop, filter) leave at `reject`, or are dropped when it is unconnected.
 */
#include "lana_block.h"

static const char *const vlan_ops[] = { "push", "pop", "filter", NULL };

static const struct lana_param vlan_params[] = {
	{ .name = "op", .type = LANA_PT_ENUM, .flags = LANA_PF_REQUIRED,
	  .symbols = vlan_ops,
	  .doc = "push a tag, pop a tag, or filter on the tag" },
	{ .name = "vid", .type = LANA_PT_U16,
	  .flags = LANA_PF_RANGE | LANA_PF_LIVE, .min = 1, .max = 4094,
	  .def = "1",
	  .doc = "VLAN identifier" },
	{ .name = "pcp", .type = LANA_PT_U8,
	  .flags = LANA_PF_RANGE | LANA_PF_LIVE, .min = 0, .max = 7,
	  .def = "0",
	  .doc = "priority code point of pushed tags" },
	LANA_PARAM_END
};

static const struct lana_port vlan_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to tag, untag or filter" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "processed frames" },
	{ .name = "reject", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames that do not carry vid (pop, filter)" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(vlan) = {
	.name = "vlan",
	.synopsis = "vlan(op, vid = 1, pcp = 0)   "
		    "in: eth -> out: eth, reject: eth (optional)",
	.doc = "Tag, untag or filter IEEE 802.1Q VLAN frames. op = push "
	       "inserts a tag with vid and pcp; op = pop removes the tag of "
	       "frames tagged with vid; op = filter passes frames tagged with "
	       "vid unchanged. Frames that do not carry vid (pop, filter) leave "
	       "at reject, or are dropped when it is unconnected.",
	.params = vlan_params,
	.ports = vlan_ports,
	.engines = LANA_ENGINE_ALL,
};
