// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/classify.c - send each frame to the port of the first filter it
 * matches.
 *
 * classify(filters = ["arp", "ip and tcp port 80", ...])
 *   in: eth -> out[n]: eth, other: eth (optional)
 *
 * Click's Classifier / IPClassifier (elements/standard/classifier.cc): an
 * ordered list of patterns, one output per pattern, the first match wins.
 * Here each pattern is a tcpdump expression (pcap-filter(7)), compiled by
 * the compiler with libpcap into classic BPF like bpf's filter, and run in
 * order on each frame (the userspace engine with libpcap's bpf_filter(),
 * the kernel engine's JIT through bpf_prog_create(): blocks/bpf_code.h).
 * A frame no filter matches leaves at `other`, or is dropped when it is
 * unconnected. The port count follows the list, so the filters are not
 * live: changing them is a REPLACE.
 */
#include "lana_block.h"
#include "bpf_code.h"

#define CLASSIFY_MAX	16	/* filters at most */

enum { CLASSIFY_P_FILTERS, CLASSIFY_P_MAX };

static const struct lana_param classify_params[] = {
	[CLASSIFY_P_FILTERS] = {
		.name = "filters", .type = LANA_PT_LIST, .elem = LANA_PT_FILTER,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE,
		.min = 1, .max = CLASSIFY_MAX,
		.doc = "tcpdump filter expressions (pcap-filter(7)), tried in "
		       "order; 1 to 16",
	},
	[CLASSIFY_P_MAX] = LANA_PARAM_END
};

static const struct lana_port classify_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to classify" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .count = "filters",
	  .doc = "out[i]: frames whose first matching filter is filters[i]" },
	{ .name = "other", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames no filter matches (dropped when unconnected)" },
	LANA_PORT_END
};

struct classify_priv {
	unsigned int n;
	struct bpf_code *prog[CLASSIFY_MAX];
};

/* matched[i]: frames sent to out[i]; matched[n]: to other */
struct classify_pcpu {
	uint64_t matched[CLASSIFY_MAX + 1];
};

static const char *const classify_names[CLASSIFY_MAX] = {
	"out0", "out1", "out2", "out3", "out4", "out5", "out6", "out7",
	"out8", "out9", "out10", "out11", "out12", "out13", "out14", "out15",
};

static const struct lana_counter classify_counters[] = {
	LANA_COUNTER_OP("out0", "frames filters[0] matched first"),
	LANA_COUNTER_OP("out1", "frames filters[1] matched first"),
	LANA_COUNTER_OP("out2", "frames filters[2] matched first"),
	LANA_COUNTER_OP("out3", "frames filters[3] matched first"),
	LANA_COUNTER_OP("out4", "frames filters[4] matched first"),
	LANA_COUNTER_OP("out5", "frames filters[5] matched first"),
	LANA_COUNTER_OP("out6", "frames filters[6] matched first"),
	LANA_COUNTER_OP("out7", "frames filters[7] matched first"),
	LANA_COUNTER_OP("out8", "frames filters[8] matched first"),
	LANA_COUNTER_OP("out9", "frames filters[9] matched first"),
	LANA_COUNTER_OP("out10", "frames filters[10] matched first"),
	LANA_COUNTER_OP("out11", "frames filters[11] matched first"),
	LANA_COUNTER_OP("out12", "frames filters[12] matched first"),
	LANA_COUNTER_OP("out13", "frames filters[13] matched first"),
	LANA_COUNTER_OP("out14", "frames filters[14] matched first"),
	LANA_COUNTER_OP("out15", "frames filters[15] matched first"),
	LANA_COUNTER_OP("other", "frames no filter matched (sent to other, "
			"or dropped)"),
	LANA_COUNTER_END
};

static void classify_fini(struct lana_block *b)
{
	struct classify_priv *cp = b->priv;
	unsigned int i;

	for (i = 0; i < cp->n; i++)
		bpf_code_free(cp->prog[i]);
	cp->n = 0;
}

static int classify_init(struct lana_block *b,
			 const struct lana_value *params)
{
	struct classify_priv *cp = b->priv;
	const struct lana_value *l = &params[CLASSIFY_P_FILTERS];
	unsigned int i;

	if (l->type != LANA_PT_LIST || l->list.elem != LANA_PT_FILTER ||
	    !l->list.n || l->list.n > CLASSIFY_MAX) {
		lana_block_error(b, "filters must be a list of 1 to %u filters",
				 CLASSIFY_MAX);
		return -EINVAL;
	}
	for (i = 0; i < l->list.n; i++) {
		cp->prog[i] = bpf_load(b, &l->list.items[i]);
		if (!cp->prog[i]) {
			classify_fini(b);
			return -EINVAL;
		}
		cp->n = i + 1;
	}
	return 0;
}

/* The first filter that matches decides: out[i], or other (port n). */
static int classify_rx(struct lana_block *b, struct lana_burst *v)
{
	const struct classify_priv *cp = b->priv;
	struct classify_pcpu *c = lana_block_pcpu(b);
	unsigned int i, k;

	for (i = 0; i < v->n; i++) {
		for (k = 0; k < cp->n; k++)
			if (bpf_code_match(cp->prog[k], v->pkt[i]))
				break;
		v->verdict[i] = (uint16_t)k;
		__atomic_store_n(&c->matched[k], c->matched[k] + 1,
				 __ATOMIC_RELAXED);
	}
	return LANA_RX_VERDICTS;
}

static unsigned int classify_stats(const struct lana_block *b,
				   struct lana_stat *out, unsigned int max)
{
	const struct classify_priv *cp = b->priv;
	unsigned int i;

	if (max < cp->n + 1)
		return 0;
	for (i = 0; i <= cp->n; i++) {
		out[i].name = i < cp->n ? classify_names[i] : "other";
		out[i].value = lana_pcpu_sum(b, offsetof(struct classify_pcpu,
							 matched) +
					     i * sizeof(uint64_t));
	}
	return cp->n + 1;
}

LANA_BLOCK_TYPE(classify) = {
	.name = "classify",
	.synopsis = "classify(filters)   "
		    "in: eth -> out[n]: eth, other: eth (optional)",
	.doc = "Send each frame to the port of the first filter it matches. "
	       "filters is a list of tcpdump expressions (pcap-filter(7)), "
	       "compiled with libpcap to classic BPF and tried in order, like "
	       "Click's Classifier: a frame leaves at out[i] for the first "
	       "filters[i] it matches, at other when none does (dropped when "
	       "other is unconnected). Counters out0, out1, ... and other.",
	.params = classify_params,
	.ports = classify_ports,
	.counters = classify_counters,
	.engines = LANA_ENGINE_ALL,
	/* filters may read lengths and payload: wire frames only */
	.flags = LANA_BT_FINAL,
	.priv_size = sizeof(struct classify_priv),
	.pcpu_size = sizeof(struct classify_pcpu),
	.init = classify_init,
	.fini = classify_fini,
	.rx = classify_rx,
	.stats = classify_stats,
};
