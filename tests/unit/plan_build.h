/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/unit/plan_build.h - build plans instruction by instruction in the
 * engine tests (test_engine.c, test_oom.c): NEW with parameters, BIND.
 * Static functions: each test program gets its own copy.
 */
#ifndef LANA_TESTS_PLAN_BUILD_H
#define LANA_TESTS_PLAN_BUILD_H

#include "plan/plan.h"
#include "lib/util.h"

#include <string.h>

static inline void plan_new(struct lana_plan *p, uint32_t idp, const char *type,
		     const char *name)
{
	struct lana_insn in = {
		.op = LANA_OP_NEW, .idp = idp,
		.type = lana_arena_strdup(&p->arena, type),
		.name = lana_arena_strdup(&p->arena, name),
	};

	VEC_PUSH(&p->insns, in);
	p->crc = 0;
}

/* Add parameter @key (integer kind @type) to the last instruction. */
static inline void plan_param(struct lana_plan *p, const char *key, uint8_t type,
		       uint64_t u)
{
	struct lana_insn *in = &p->insns.v[p->insns.n - 1];
	struct lana_pattr *a = lana_arena_alloc(&p->arena, (in->nparams + 1) *
						sizeof(*a));

	if (in->nparams)
		memcpy(a, in->params, in->nparams * sizeof(*a));
	memset(&a[in->nparams], 0, sizeof(*a));
	a[in->nparams].key = lana_arena_strdup(&p->arena, key);
	a[in->nparams].val.type = type;
	a[in->nparams].val.u = u;
	in->params = a;
	in->nparams++;
	p->crc = 0;
}

static inline void plan_str(struct lana_plan *p, const char *key, const char *s)
{
	struct lana_insn *in = &p->insns.v[p->insns.n - 1];
	struct lana_pattr *a = lana_arena_alloc(&p->arena, (in->nparams + 1) *
						sizeof(*a));

	if (in->nparams)
		memcpy(a, in->params, in->nparams * sizeof(*a));
	memset(&a[in->nparams], 0, sizeof(*a));
	a[in->nparams].key = lana_arena_strdup(&p->arena, key);
	a[in->nparams].val.type = LANA_PT_STRING;
	a[in->nparams].val.str = lana_arena_strdup(&p->arena, s);
	in->params = a;
	in->nparams++;
	p->crc = 0;
}

/* Add enum parameter @key = @sym to the last instruction. */
static inline void plan_enum(struct lana_plan *p, const char *key, const char *sym)
{
	plan_str(p, key, sym);
	p->insns.v[p->insns.n - 1].params[p->insns.v[p->insns.n - 1].nparams -
					  1].val.type = LANA_PT_ENUM;
}

static inline void plan_bind(struct lana_plan *p, uint32_t src, uint32_t port,
		      uint32_t dst, uint32_t dport)
{
	struct lana_insn in = {
		.op = LANA_OP_BIND, .idp = src, .port = port, .dst = dst,
		.dport = dport,
	};

	VEC_PUSH(&p->insns, in);
	p->crc = 0;
}

#endif /* LANA_TESTS_PLAN_BUILD_H */
