// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/tee.c - duplicate packets to several outputs.
 *
 * tee(n = 2)   in: any -> out[n]: any
 *
 * The thesis's tee block (ch. 5.4.4), like Click's Tee: every packet
 * entering at `in` leaves at each of the @n `out` ports (out[0] gets the
 * original, the others copies).
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

enum { TEE_P_N, TEE_P_MAX };

static const struct lana_param tee_params[] = {
	[TEE_P_N] = {
		.name = "n", .type = LANA_PT_U8, .flags = LANA_PF_RANGE,
		.min = 1, .max = 64, .def = "2",
		.doc = "number of out ports",
	},
	[TEE_P_MAX] = LANA_PARAM_END
};

static const struct lana_port tee_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ANY,
	  .doc = "packets to duplicate" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ANY,
	  .count = "n",
	  .doc = "one copy of every packet on each port" },
	LANA_PORT_END
};

struct tee_priv {
	unsigned int n;		/* out ports */
};

struct tee_pcpu {
	uint64_t nomem;
};

static const struct lana_counter tee_counters[] = {
	LANA_COUNTER(struct tee_pcpu, nomem,
		     "copies that could not be allocated (not sent)"),
	LANA_COUNTER_END
};

static int tee_init(struct lana_block *b, const struct lana_value *params)
{
	struct tee_priv *t = b->priv;

	/* The compiler always writes the resolved default (2). */
	t->n = params[TEE_P_N].type != LANA_PT_NONE ?
	       (unsigned int)params[TEE_P_N].u : 2;
	if (t->n < 1 || t->n > 64) {
		lana_block_error(b, "n = %u out of range 1..64", t->n);
		return -EINVAL;
	}
	return 0;
}

/*
 * Thesis ch. 5.4.4: the original goes to out[0]; a copy per further port is
 * handed to the engine's backlog (engine_backlog_tail in the thesis, here
 * lana_emit) and traverses the graph after the current burst.
 */
static int tee_rx(struct lana_block *b, struct lana_burst *v)
{
	const struct tee_priv *t = b->priv;
	unsigned int i, port;
	uint64_t nomem = 0;

	for (i = 0; i < v->n; i++) {
		for (port = 1; port < t->n; port++) {
			struct lana_pkt *q = lana_pkt_copy(b, v->pkt[i]);

			if (!q) {
				nomem++;
				continue;
			}
			lana_emit(b, (uint16_t)port, q);
		}
	}
	if (nomem) {
		struct tee_pcpu *c = lana_block_pcpu(b);

		__atomic_store_n(&c->nomem, c->nomem + nomem,
				 __ATOMIC_RELAXED);
	}
	return 0;
}

LANA_BLOCK_TYPE(tee) = {
	.name = "tee",
	.synopsis = "tee(n = 2)   in: any -> out[n]: any",
	.doc = "Duplicate packets to several outputs. Every packet entering at "
	       "in leaves at each of the n out ports: out[0] gets the original, "
	       "the other ports copies. This is the thesis's tee block "
	       "(ch. 5.4.4), like Click's Tee.",
	.params = tee_params,
	.ports = tee_ports,
	.counters = tee_counters,
	.engines = LANA_ENGINE_ALL,
	.priv_size = sizeof(struct tee_priv),
	.pcpu_size = sizeof(struct tee_pcpu),
	.init = tee_init,
	.rx = tee_rx,
};
