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

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <pcap/pcap.h>

enum { PCAP_OUT_P_FILE, PCAP_OUT_P_SNAPLEN, PCAP_OUT_P_MAX };

static const struct lana_param pcap_out_params[] = {
	[PCAP_OUT_P_FILE] = {
		.name = "file", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED,
		.doc = "path of the pcap file to write (truncated first)",
	},
	[PCAP_OUT_P_SNAPLEN] = {
		.name = "snaplen", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
		.min = 64, .max = 262144, .def = "65535B",
		.doc = "bytes of each frame to keep",
	},
	[PCAP_OUT_P_MAX] = LANA_PARAM_END
};

static const struct lana_port pcap_out_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to write to the file" },
	LANA_PORT_END
};

/*
 * A libpcap savefile (pcap-savefile(5), microsecond timestamps) written
 * with pcap_dump(3PCAP). Several workers may run rx() at once: each burst
 * is written under the stdio lock of the file (flockfile(3); pcap_dump's
 * own fwrite calls take it recursively), so records never interleave.
 * Each worker counts what it wrote in its pcpu area (`written`).
 */
struct pcap_out_priv {
	pcap_t *pd;
	pcap_dumper_t *dumper;
	FILE *fp;
	uint32_t snaplen;
};

struct pcap_out_pcpu {
	uint64_t written;
};

static const struct lana_counter pcap_out_counters[] = {
	LANA_COUNTER(struct pcap_out_pcpu, written,
		     "frames written to the file"),
	LANA_COUNTER_END
};

static int pcap_out_init(struct lana_block *b, const struct lana_value *params)
{
	struct pcap_out_priv *po = b->priv;
	const char *file = params[PCAP_OUT_P_FILE].str;

	if (params[PCAP_OUT_P_FILE].type != LANA_PT_STRING || !file) {
		lana_block_error(b, "file is required");
		return -EINVAL;
	}
	po->snaplen = 65535;
	if (params[PCAP_OUT_P_SNAPLEN].type != LANA_PT_NONE)
		po->snaplen = (uint32_t)params[PCAP_OUT_P_SNAPLEN].u;
	if (!po->snaplen)
		po->snaplen = 65535;

	po->pd = pcap_open_dead(DLT_EN10MB, (int)po->snaplen);
	if (!po->pd) {
		lana_block_error(b, "out of memory");
		return -ENOMEM;
	}
	po->dumper = pcap_dump_open(po->pd, file);
	if (!po->dumper) {
		lana_block_error(b, "cannot open '%s': %s", file,
				 pcap_geterr(po->pd));
		pcap_close(po->pd);
		po->pd = NULL;
		return -EIO;
	}
	po->fp = pcap_dump_file(po->dumper);
	return 0;
}

static void pcap_out_fini(struct lana_block *b)
{
	struct pcap_out_priv *po = b->priv;

	if (po->dumper)
		pcap_dump_close(po->dumper);
	if (po->pd)
		pcap_close(po->pd);
	po->dumper = NULL;
	po->pd = NULL;
	po->fp = NULL;
}

/* CLOCK_REALTIME in ns, for frames without a receive timestamp. */
static uint64_t pcap_out_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The frames leave the graph here: written, freed, verdict LANA_STOLEN. */
static int pcap_out_rx(struct lana_block *b, struct lana_burst *v)
{
	struct pcap_out_priv *po = b->priv;
	struct pcap_out_pcpu *c = lana_block_pcpu(b);
	uint64_t now = 0;
	unsigned int i;

	flockfile(po->fp);
	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		struct pcap_pkthdr h;
		uint64_t ts = p->ts_ns;

		if (!ts) {
			if (!now)
				now = pcap_out_now();
			ts = now;
		}
		h.ts.tv_sec = (time_t)(ts / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(ts % 1000000000ull / 1000);
		h.len = lana_pkt_len(p);
		h.caplen = h.len < po->snaplen ? h.len : po->snaplen;
		pcap_dump((u_char *)po->dumper, &h, lana_pkt_data(p));
		lana_pkt_free(p);
		v->verdict[i] = LANA_STOLEN;
	}
	pcap_dump_flush(po->dumper);
	funlockfile(po->fp);
	__atomic_store_n(&c->written, c->written + v->n, __ATOMIC_RELAXED);
	return LANA_RX_VERDICTS;
}

LANA_BLOCK_TYPE(pcap_out) = {
	.name = "pcap_out",
	.synopsis = "pcap_out(file, snaplen = 65535B)   in: eth",
	.doc = "Write frames to a pcap capture file. Every frame entering at in "
	       "is appended to file (Ethernet link type), keeping at most "
	       "snaplen bytes of each. Userspace engine only.",
	.params = pcap_out_params,
	.ports = pcap_out_ports,
	.counters = pcap_out_counters,
	.engines = LANA_ENGINE_USER,
	.priv_size = sizeof(struct pcap_out_priv),
	.pcpu_size = sizeof(struct pcap_out_pcpu),
	.init = pcap_out_init,
	.fini = pcap_out_fini,
	.rx = pcap_out_rx,
};
