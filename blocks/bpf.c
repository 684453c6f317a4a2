// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/bpf.c - classify frames with a packet filter.
 *
 * bpf(filter)   in: eth -> out: eth, reject: eth (optional)
 *
 * The thesis's BPF block (ch. 5.4.3): @filter is a tcpdump expression
 * (pcap-filter(7)) compiled by the compiler with libpcap into classic BPF
 * for Ethernet frames. Matching frames leave at `out`, the others at
 * `reject`, or are dropped when `reject` is unconnected. The filter can be
 * replaced at runtime without replacing the block.
 */
#include "lana_block.h"

static const struct lana_param bpf_params[] = {
	{ .name = "filter", .type = LANA_PT_FILTER,
	  .flags = LANA_PF_REQUIRED | LANA_PF_LIVE,
	  .doc = "tcpdump filter expression (pcap-filter(7))" },
	LANA_PARAM_END
};

static const struct lana_port bpf_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to classify" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames the filter matches" },
	{ .name = "reject", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames the filter does not match (dropped when unconnected)" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(bpf) = {
	.name = "bpf",
	.synopsis = "bpf(filter)   in: eth -> out: eth, reject: eth (optional)",
	.doc = "Classify frames with a packet filter. filter is a tcpdump "
	       "expression (pcap-filter(7)), compiled with libpcap to classic "
	       "BPF; matching frames leave at out, the others at reject, or are "
	       "dropped when reject is unconnected. This is the thesis's BPF "
	       "block (ch. 5.4.3).",
	.params = bpf_params,
	.ports = bpf_ports,
	.engines = LANA_ENGINE_ALL,
};
