// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/pcap_in.c - replay frames from a pcap capture file.
 *
 * pcap_in(file, loop = 1, pace = false)   out: eth
 *
 * Reads the libpcap savefile @file (pcap(3PCAP), link type Ethernet) and
 * emits its frames at `out`, @loop times (0 = forever), either as fast as
 * the graph accepts them or, with @pace, with the recorded inter-packet gaps.
 * Userspace engine only.
 */
#include "lana_block.h"

static const struct lana_param pcap_in_params[] = {
	{ .name = "file", .type = LANA_PT_STRING, .flags = LANA_PF_REQUIRED,
	  .doc = "path of the pcap file to read" },
	{ .name = "loop", .type = LANA_PT_U32, .def = "1",
	  .doc = "times to play the file; 0 = forever" },
	{ .name = "pace", .type = LANA_PT_BOOL, .def = "false",
	  .doc = "replay with the recorded inter-packet gaps" },
	LANA_PARAM_END
};

static const struct lana_port pcap_in_ports[] = {
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames read from the file" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(pcap_in) = {
	.name = "pcap_in",
	.synopsis = "pcap_in(file, loop = 1, pace = false)   out: eth",
	.doc = "Replay frames from a pcap capture file. The Ethernet frames of "
	       "file leave at out, loop times (0 = forever), as fast as "
	       "possible or, with pace, with the inter-packet gaps recorded in "
	       "the file. Userspace engine only.",
	.params = pcap_in_params,
	.ports = pcap_in_ports,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_SOURCE,
};
