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
#include "bpf_code.h"	/* struct bpf_code, bpf_load() */

enum { BPF_P_FILTER, BPF_P_MAX };

static const struct lana_param bpf_params[] = {
	[BPF_P_FILTER] = {
		.name = "filter", .type = LANA_PT_FILTER,
		.flags = LANA_PF_REQUIRED | LANA_PF_LIVE,
		.doc = "tcpdump filter expression (pcap-filter(7))",
	},
	[BPF_P_MAX] = LANA_PARAM_END
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

/*
 * The program is the block's live object (lana_block_type.live): one per
 * graph version, handed to rx as v->live, so that a packet of the running
 * version keeps its program while a SET of the filter makes the next
 * version's. The engine frees a replaced program after a grace period.
 */
struct bpf_pcpu {
	uint64_t matched;
	uint64_t rejected;
};

static const struct lana_counter bpf_counters[] = {
	LANA_COUNTER(struct bpf_pcpu, matched,
		     "frames the filter matched (sent to out)"),
	LANA_COUNTER(struct bpf_pcpu, rejected,
		     "frames it did not match (sent to reject, or dropped)"),
	LANA_COUNTER_END
};


static int bpf_live(struct lana_block *b, const struct lana_value *params,
		    void **out)
{
	struct bpf_code *c = bpf_load(b, &params[BPF_P_FILTER]);

	if (!c)
		return -EINVAL;
	*out = c;
	return 0;
}

static void bpf_live_free(void *obj)
{
	bpf_code_free(obj);
}

/* Thesis ch. 5.4.3: matching frames to out (0), the others to reject (1). */
static int bpf_rx(struct lana_block *b, struct lana_burst *v)
{
	const struct bpf_code *c = v->live;
	struct bpf_pcpu *s = lana_block_pcpu(b);
	unsigned int i, matched = 0;

	for (i = 0; i < v->n; i++) {
		bool m = bpf_code_match(c, v->pkt[i]);

		v->verdict[i] = m ? 0 : 1;
		matched += m;
	}
	__atomic_store_n(&s->matched, s->matched + matched, __ATOMIC_RELAXED);
	__atomic_store_n(&s->rejected, s->rejected + (v->n - matched),
			 __ATOMIC_RELAXED);
	return LANA_RX_VERDICTS;
}

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
	.counters = bpf_counters,
	.engines = LANA_ENGINE_ALL,
	/* a filter may read lengths and payload: wire frames only */
	.flags = LANA_BT_FINAL,
	.pcpu_size = sizeof(struct bpf_pcpu),
	.live = bpf_live,
	.live_free = bpf_live_free,
	.rx = bpf_rx,
};
