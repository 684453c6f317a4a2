// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/counter.c - count packets and bytes passing through.
 *
 * counter()   in: any -> out: any
 *
 * The thesis's counter block (ch. 5.4.5): every packet entering at `in`
 * is counted and leaves at `out` unchanged.
 */
#include "lana_block.h"

enum { COUNTER_P_MAX };	/* no parameters */

static const struct lana_param counter_params[] = {
	[COUNTER_P_MAX] = LANA_PARAM_END
};

static const struct lana_port counter_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to count" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ANY,
	  .doc = "the same packets, unchanged" },
	LANA_PORT_END
};

/*
 * Thesis ch. 5.4.5: a per-CPU counter unit. Each worker only updates its own
 * area (no shared cache line on the packet path); the engine sums all
 * workers (counter_counters, lana_block_stats()).
 * The owner updates with relaxed atomic stores so that a concurrent reader
 * in the control thread never sees a torn value.
 */
struct counter_pcpu {
	uint64_t packets;
	uint64_t bytes;
};

static const struct lana_counter counter_counters[] = {
	LANA_COUNTER(struct counter_pcpu, packets, "packets passed through"),
	LANA_COUNTER(struct counter_pcpu, bytes,
		     "bytes of those packets (frame lengths)"),
	LANA_COUNTER_END
};

static int counter_rx(struct lana_block *b, struct lana_burst *v)
{
	struct counter_pcpu *c = lana_block_pcpu(b);
	uint64_t bytes = 0;
	unsigned int i;

	for (i = 0; i < v->n; i++)
		bytes += lana_pkt_len(v->pkt[i]);
	__atomic_store_n(&c->packets, c->packets + v->n, __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, c->bytes + bytes, __ATOMIC_RELAXED);
	return 0;
}

LANA_BLOCK_TYPE(counter) = {
	.name = "counter",
	.synopsis = "counter()   in: any -> out: any",
	.doc = "Count packets and bytes passing through. Packets go from in to "
	       "out unchanged; the counts are summed over workers or CPUs. "
	       "This is the thesis's counter block (ch. 5.4.5).",
	.params = counter_params,
	.ports = counter_ports,
	.counters = counter_counters,
	.engines = LANA_ENGINE_ALL,
	.pcpu_size = sizeof(struct counter_pcpu),
	.rx = counter_rx,
};
