// SPDX-License-Identifier: GPL-2.0
/*
 * lang/emit.c - phase 6 of the compiler: the full plan of the flat graph.
 * One NEW per block, IDPs 1..N in creation order (source order, compound
 * instances expanded in place), then one BIND per edge by (source IDP,
 * port). One host's plan of a fleet model (lang/hosts.c) numbers its
 * blocks 1..N in the same order.
 */
#include "compile_internal.h"

void lc_emit_plan(struct ctx *c, const edge_vec *edges, const uint32_t *keep,
		  struct lana_plan *plan)
{
	uint32_t b, i;

	for (b = 0; b < c->blocks.n; b++) {
		struct block *bl = &c->blocks.v[b];
		struct lana_insn in = { 0 };
		uint32_t np = lana_param_count(bl->bt), n = 0;

		if (keep && !keep[b])
			continue;
		in.op = LANA_OP_NEW;
		in.idp = keep ? keep[b] : b + 1;
		in.type = bl->bt->name;
		in.name = lana_arena_strdup(&plan->arena, bl->name);
		in.params = lana_arena_alloc(&plan->arena,
					     sizeof(*in.params) * (np + 1));
		for (i = 0; i < np; i++) {
			if (bl->params[i].type == LANA_PT_NONE)
				continue;
			in.params[n].key = bl->bt->params[i].name;
			in.params[n].val = bl->params[i];
			n++;
		}
		in.nparams = n;
		VEC_PUSH(&plan->insns, in);
	}
	for (i = 0; i < edges->n; i++) {
		struct lana_insn in = { 0 };

		in.op = LANA_OP_BIND;
		in.idp = keep ? keep[edges->v[i].src] : edges->v[i].src + 1;
		in.port = edges->v[i].port;
		in.dst = keep ? keep[edges->v[i].dst] : edges->v[i].dst + 1;
		in.dport = edges->v[i].dport;
		VEC_PUSH(&plan->insns, in);
	}
}
