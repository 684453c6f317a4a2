// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/pcap_out.c - write frames to a pcap capture file.
 *
 * pcap_out(file, snaplen = 65535B)   in: eth
 *
 * Appends every frame entering at `in` to the libpcap savefile @file
 * (link type Ethernet), truncated to @snaplen bytes. Userspace engine only.
 */
#include "lana_block.h"

static const struct lana_param pcap_out_params[] = {
	{ .name = "file", .type = LANA_PT_STRING, .flags = LANA_PF_REQUIRED,
	  .doc = "path of the pcap file to write (truncated first)" },
	{ .name = "snaplen", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
	  .min = 64, .max = 262144, .def = "65535B",
	  .doc = "bytes of each frame to keep" },
	LANA_PARAM_END
};

static const struct lana_port pcap_out_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to write to the file" },
	LANA_PORT_END
};

LANA_BLOCK_TYPE(pcap_out) = {
	.name = "pcap_out",
	.synopsis = "pcap_out(file, snaplen = 65535B)   in: eth",
	.doc = "Write frames to a pcap capture file. Every frame entering at in "
	       "is appended to file (Ethernet link type), keeping at most "
	       "snaplen bytes of each. Userspace engine only.",
	.params = pcap_out_params,
	.ports = pcap_out_ports,
	.engines = LANA_ENGINE_USER,
};
