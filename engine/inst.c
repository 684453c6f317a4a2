// SPDX-License-Identifier: GPL-2.0
/*
 * engine/inst.c - the builder (thesis 4.2.2, 5.2.4) of both engines: a
 * block instance from a NEW or REPLACE instruction, its parameter storage
 * and port count, its destruction, and its counters for `lanarun stats`.
 * What differs per engine (which types run, the per-worker or per-CPU
 * area, devices) is behind struct lana_glue (engine/txn.h).
 */
#include "txn.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Per-instance storage (name, parameter values): one allocation per item
 * on a list, freed with the instance. An arena's chunks would cost too
 * much per block in 100k-block graphs.
 */
struct lana_imem {
	struct lana_imem *next;
	uint64_t data[];	/* 8-byte aligned: every value type fits */
};

static void *imem_alloc(void *ctx, size_t n)
{
	struct lana_inst *in = ctx;
	struct lana_imem *m = calloc(1, sizeof(*m) + n);

	if (!m)
		return NULL;
	m->next = in->mem;
	in->mem = m;
	return m->data;
}

static char *imem_strdup(struct lana_inst *in, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = imem_alloc(in, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static void imem_free(struct lana_inst *in)
{
	struct lana_imem *m, *next;

	for (m = in->mem; m; m = next) {
		next = m->next;
		free(m);
	}
	in->mem = NULL;
}

int lana_inst_copy_value(struct lana_inst *in, struct lana_value *dst,
			 const struct lana_value *src)
{
	return lana_value_copy(dst, src, imem_alloc, in);
}

uint64_t lana_inst_count(const char *name, void *ctx)
{
	const struct lana_inst *in = ctx;
	int idx = lana_param_index(in->b.type, name);

	if (idx >= 0 && (uint32_t)idx < in->nparams)
		return lana_param_uint(in->b.type, name, &in->params[idx]);
	return lana_param_uint(in->b.type, name, NULL);
}

void lana_inst_free(struct lana_core *c, struct lana_inst *in)
{
	if (in->live)
		in->b.type->live_free(in->live);
	if (in->inited && in->b.type->fini)
		in->b.type->fini(&in->b);
	c->glue->inst_fini(c, in);
	free(in->b.priv);
	imem_free(in);
	free(in);
}

/* A zeroed instance of type @bt for @insn: identity and parameters. */
static int inst_alloc(struct lana_core *c, const struct lana_block_type *bt,
		      const struct lana_insn *insn, struct lana_inst **out,
		      char *msg, size_t msglen)
{
	struct lana_inst *in = calloc(1, c->glue->inst_size);
	uint32_t i;

	*out = in;
	if (!in)
		goto nomem;
	in->b.type = bt;
	in->b.idp = insn->idp;
	in->b.eng = c->eng;
	in->b.eng_priv = in;
	in->b.name = imem_strdup(in, insn->name ? insn->name : "");
	in->nparams = lana_param_count(bt);
	in->params = imem_alloc(in, ((size_t)in->nparams + 1) *
				    sizeof(*in->params));
	if (!in->b.name || !in->params)
		goto nomem;
	for (i = 0; i < insn->nparams; i++) {
		int idx = lana_param_index(bt, insn->params[i].key);

		if (idx < 0) {
			snprintf(msg, msglen,
				 "block type '%s' has no parameter '%s'",
				 bt->name, insn->params[i].key);
			return -EINVAL;
		}
		if (lana_inst_copy_value(in, &in->params[idx],
					 &insn->params[i].val))
			goto nomem;
	}
	in->nout = lana_port_count(bt, LANA_PORT_OUT, lana_inst_count, in);
	return 0;
nomem:
	snprintf(msg, msglen, "out of memory");
	return -ENOMEM;
}

/* The engine's pcpu area and b.priv, then the type's constructor. */
static int inst_init(struct lana_core *c, struct lana_inst *in, char *msg,
		     size_t msglen)
{
	const struct lana_block_type *bt = in->b.type;
	int r;

	r = c->glue->inst_init(c, in);
	if (!r && bt->priv_size) {
		in->b.priv = calloc(1, bt->priv_size);
		if (!in->b.priv)
			r = -ENOMEM;
	}
	if (r) {
		snprintf(msg, msglen, "out of memory");
		return r;
	}
	r = bt->init ? bt->init(&in->b, in->params) : 0;
	if (!r && bt->live) {
		/* fini must run for what init set up, even if live fails */
		in->inited = true;
		r = bt->live(&in->b, in->params, &in->live);
	}
	if (!r)
		return 0;
	if (r > 0)
		r = -r;
	if (in->err[0])
		snprintf(msg, msglen, "%s", in->err);
	else
		c->glue->op_failed(LANA_OP_NEW, r, msg, msglen);
	return r;
}

int lana_inst_new(struct lana_core *c, const struct lana_insn *insn,
		  struct lana_inst **out, char *msg, size_t msglen)
{
	const struct lana_block_type *bt = NULL;
	struct lana_inst *in;
	int r;

	*out = NULL;
	r = c->glue->type_find(insn->type, &bt, msg, msglen);
	if (r)
		return r;
	r = inst_alloc(c, bt, insn, &in, msg, msglen);
	if (!r)
		r = inst_init(c, in, msg, msglen);
	if (r) {
		if (in)
			lana_inst_free(c, in);
		return r;
	}
	in->inited = true;
	if (c->glue->inst_ready)
		c->glue->inst_ready(c, in);
	*out = in;
	return 0;
}

void lana_inst_stats(const struct lana_core *c, const struct lana_inst *in,
		     struct lana_block_stats *s)
{
	const struct lana_block *b = &in->b;
	struct lana_bcnt sum = { 0 };

	memset(s, 0, sizeof(*s));
	s->idp = b->idp;
	s->name = b->name;
	s->type = b->type->name;
	s->block = b;
	c->glue->bcnt_sum(c, in, &sum);
	s->packets = sum.packets;
	s->bytes = sum.bytes;
	s->drops = sum.drops;
	/* the type's declared counters, then what its stats op adds */
	s->nstat = lana_block_stats(b, s->stat,
				    sizeof(s->stat) / sizeof(s->stat[0]));
}
