// SPDX-License-Identifier: GPL-2.0
/*
 * plan/ports.c - ports of the block instances a plan describes: how
 * many, which declaration, and their printed names. A port group's size
 * comes from the instance's parameter (tee's n), else from the default:
 * lana_param_uint(), the one place that rule is written, used by the
 * reference apply (plan/apply.c) and both engines' builders (engine/).
 */
#include "plan.h"

#include "blocks/catalogue.h"

#include <string.h>

uint64_t lana_param_uint(const struct lana_block_type *bt, const char *name,
			 const struct lana_value *v)
{
	const struct lana_param *pd;
	struct lana_arena a = { 0 };
	struct lana_value dv;
	uint64_t r = 0;
	char err[128];

	if (v && v->type != LANA_PT_NONE)
		return lana_value_as_uint(v);
	pd = bt ? lana_param_find(bt, name) : NULL;
	if (pd && pd->def &&
	    !lana_value_parse(&a, pd->type, pd, pd->def, &dv, err, sizeof(err)))
		r = lana_value_as_uint(&dv);
	lana_arena_free(&a);
	return r;
}

uint64_t lana_pattr_uint(const struct lana_block_type *bt,
			 const struct lana_pattr *ps, uint32_t n,
			 const char *name)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(ps[i].key, name))
			return lana_value_as_uint(&ps[i].val);
	return lana_param_uint(bt, name, NULL);
}

struct count_ctx {
	const struct lana_block_type *bt;
	const struct lana_insn *in;
};

/* lana_count_fn for an instruction's parameters. */
static uint64_t insn_count(const char *name, void *ctx)
{
	const struct count_ctx *cc = ctx;

	return lana_pattr_uint(cc->bt, cc->in->params, cc->in->nparams, name);
}

uint32_t lana_insn_port_count(const struct lana_insn *in, unsigned int dir)
{
	struct count_ctx cc = { .in = in };

	cc.bt = in && in->type ? lana_catalogue_find(in->type) : NULL;
	if (!cc.bt)
		return 0;
	return lana_port_count(cc.bt, dir, insn_count, &cc);
}

const struct lana_port *lana_insn_port_at(const struct lana_insn *in,
					  unsigned int dir, uint32_t port,
					  uint32_t *sub)
{
	struct count_ctx cc = { .in = in };

	cc.bt = in && in->type ? lana_catalogue_find(in->type) : NULL;
	if (!cc.bt)
		return NULL;
	return lana_port_at(cc.bt, dir, port, insn_count, &cc, sub);
}

void lana_insn_port_name(const struct lana_insn *in, unsigned int dir,
			 uint32_t port, struct lana_buf *b)
{
	uint32_t sub = 0;
	const struct lana_port *pd = lana_insn_port_at(in, dir, port, &sub);

	if (!pd)
		lana_buf_printf(b, "%u", port);
	else if (pd->count)
		lana_buf_printf(b, "%s[%u]", pd->name, sub);
	else
		lana_buf_puts(b, pd->name);
}
