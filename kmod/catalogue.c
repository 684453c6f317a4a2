// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/catalogue.c - the block catalogue of lana.ko: blocks/catalogue.c
 * over blocks/blocks.def, unchanged.
 *
 * The userspace-only types (gen, pcap_in, pcap_out: engines =
 * LANA_ENGINE_USER, they need libpcap or a polling worker) are not
 * compiled into the module. So that plans naming them are still decoded
 * and refused with a clear message ("block type 'gen' does not run in the
 * kernel engine") rather than "unknown block type", their names resolve
 * to descriptor stubs here: same name, engines = LANA_ENGINE_USER, no
 * parameters, ports or ops. The kernel builder refuses such types before
 * validating parameters (kmod/engine.c).
 */
#include "../blocks/lana_block.h"

static const struct lana_param lana_kstub_params[] = { LANA_PARAM_END };
static const struct lana_port lana_kstub_ports[] = { LANA_PORT_END };

#define LANA_KSTUB(n)							\
	static const struct lana_block_type lana_kstub_##n = {		\
		.name = #n,						\
		.synopsis = #n "  (userspace engine only)",		\
		.doc = "runs in the userspace engine only",		\
		.params = lana_kstub_params,				\
		.ports = lana_kstub_ports,				\
		.engines = LANA_ENGINE_USER,				\
	}

LANA_KSTUB(gen);
LANA_KSTUB(pcap_in);
LANA_KSTUB(pcap_out);

#define lana_bt_gen		lana_kstub_gen
#define lana_bt_pcap_in		lana_kstub_pcap_in
#define lana_bt_pcap_out	lana_kstub_pcap_out

#include "../blocks/catalogue.c"
