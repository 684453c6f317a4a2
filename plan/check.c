// SPDX-License-Identifier: GPL-2.0
/*
 * plan/check.c - check a decoded plan against the block catalogue
 * (lana_plan_validate, see plan.h and docs/plan-format.md "Semantics").
 *
 * One pass over the instructions with hash maps keyed by IDP and by
 * (IDP, OUT port): linear in the size of the plan.
 */
#include "plan.h"
#include "bpf_check.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* (idp, port) of an instruction is used directly as an 8-byte map key. */
_Static_assert(offsetof(struct lana_insn, port) ==
	       offsetof(struct lana_insn, idp) + sizeof(uint32_t),
	       "idp and port must be adjacent");

struct vctx {
	const struct lana_plan *p;
	char *err;
	size_t errlen;
	struct lana_idpix defs;	/* idp -> index of its NEW/REPLACE */
	struct lana_idpix dels;	/* idp -> index of its DEL */
	struct lana_map outs;	/* (idp, port) -> index of its BIND */
};

static int verr(struct vctx *c, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int verr(struct vctx *c, uint32_t i, const char *fmt, ...)
{
	const struct lana_insn *in = &c->p->insns.v[i];
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return -EINVAL;
	if (in->op == LANA_OP_BIND || in->op == LANA_OP_UNBIND)
		n = snprintf(c->err, c->errlen, "instruction %u (%s %u.%u -> %u.%u): ",
			     i + 1, lana_op_name(in->op), in->idp, in->port,
			     in->dst, in->dport);
	else
		n = snprintf(c->err, c->errlen, "instruction %u (%s %s): ",
			     i + 1, lana_op_name(in->op),
			     in->name ? in->name : "");
	if (n < 0 || (size_t)n >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *ptype_str(unsigned int t)
{
	const char *s = t > LANA_PT_NONE && t < LANA_PT_MAX ?
			lana_ptype_name(t) : NULL;

	return s ? s : "?";
}

static bool enum_ok(const struct lana_param *pd, const char *s)
{
	const char *const *sym;

	if (!pd->symbols)
		return true;
	for (sym = pd->symbols; *sym; sym++)
		if (s && !strcmp(*sym, s))
			return true;
	return false;
}

/* -EINVAL with @msg (@msglen bytes) set from @fmt. */
static int perr(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int lana_pattr_check(const struct lana_block_type *bt,
		     const struct lana_pattr *a, bool need_live, char *msg,
		     size_t msglen)
{
	const struct lana_param *pd = lana_param_find(bt, a->key);
	const struct lana_value *v = &a->val;
	char rmsg[200];
	uint32_t k;

	if (!pd)
		return perr(msg, msglen, "unknown parameter '%s' for block type '%s'",
			    a->key, bt->name);
	if (need_live && !(pd->flags & LANA_PF_LIVE))
		return perr(msg, msglen, "parameter '%s' of '%s' is not live (needs REPLACE)",
			    a->key, bt->name);
	if (v->type != pd->type)
		return perr(msg, msglen, "parameter '%s' is %s, expected %s",
			    a->key, ptype_str(v->type), ptype_str(pd->type));
	if (v->type == LANA_PT_LIST) {
		if (v->list.elem != pd->elem)
			return perr(msg, msglen, "parameter '%s' is a list of %s, expected %s",
				    a->key, ptype_str(v->list.elem),
				    ptype_str(pd->elem));
		for (k = 0; k < v->list.n; k++) {
			const struct lana_value *it = &v->list.items[k];

			if (v->list.elem == LANA_PT_ENUM && !enum_ok(pd, it->str))
				return perr(msg, msglen, "parameter '%s' item %u: unknown symbol '%s'",
					    a->key, k, it->str);
			if (v->list.elem == LANA_PT_FILTER &&
			    lana_bpf_check(it->filter.insns, it->filter.n,
					   rmsg, sizeof(rmsg)))
				return perr(msg, msglen, "parameter '%s' item %u: %s",
					    a->key, k, rmsg);
		}
	}
	if (v->type == LANA_PT_FILTER &&
	    lana_bpf_check(v->filter.insns, v->filter.n, rmsg, sizeof(rmsg)))
		return perr(msg, msglen, "parameter '%s': %s", a->key, rmsg);
	if (v->type == LANA_PT_ENUM && !enum_ok(pd, v->str))
		return perr(msg, msglen, "parameter '%s': unknown symbol '%s'",
			    a->key, v->str ? v->str : "");
	if (lana_value_check_range(pd, v, rmsg, sizeof(rmsg)))
		return perr(msg, msglen, "parameter '%s': %s", a->key, rmsg);
	return 0;
}

/* Check one parameter of instruction @i against its declaration. */
static int check_param(struct vctx *c, uint32_t i,
		       const struct lana_block_type *bt,
		       const struct lana_pattr *a, bool need_live)
{
	char msg[320];

	if (lana_pattr_check(bt, a, need_live, msg, sizeof(msg)))
		return verr(c, i, "%s", msg);
	return 0;
}

static int check_block(struct vctx *c, uint32_t i)
{
	const struct lana_insn *in = &c->p->insns.v[i];
	const struct lana_block_type *bt = lana_catalogue_find(in->type);
	const struct lana_param *pd;
	uint32_t k, old;
	int r;

	if (!in->idp)
		return verr(c, i, "IDP 0 (IDPs start at 1)");
	r = lana_idpix_put(&c->defs, &in->idp, i, &old);
	if (r < 0)
		return lana_errf(c->err, c->errlen, r, "out of memory");
	if (!r)
		return verr(c, i, "duplicate IDP %u (also instruction %u)",
			    in->idp, old + 1);
	if (!bt)
		return verr(c, i, "unknown block type '%s'", in->type);
	for (k = 0; k < in->nparams; k++)
		if (check_param(c, i, bt, &in->params[k], false))
			return -EINVAL;
	for (pd = bt->params; pd->name; pd++) {
		if (!(pd->flags & LANA_PF_REQUIRED))
			continue;
		for (k = 0; k < in->nparams; k++)
			if (!strcmp(in->params[k].key, pd->name))
				break;
		if (k == in->nparams)
			return verr(c, i, "missing required parameter '%s'",
				    pd->name);
	}
	return 0;
}

/* Block type and instruction defining @idp in this plan, or NULL. */
static const struct lana_insn *defined(struct vctx *c, uint32_t idp,
				       const struct lana_block_type **bt)
{
	uint32_t j;

	if (!lana_idpix_get(&c->defs, idp, &j))
		return NULL;
	*bt = lana_catalogue_find(c->p->insns.v[j].type);
	return *bt ? &c->p->insns.v[j] : NULL;
}

static int check_bind(struct vctx *c, uint32_t i, bool edit)
{
	const struct lana_insn *in = &c->p->insns.v[i];
	const struct lana_block_type *sbt = NULL, *dbt = NULL;
	const struct lana_insn *s, *d;
	const struct lana_port *sp = NULL, *dp = NULL;
	uint32_t n, old;
	int r;

	if (!in->idp || !in->dst)
		return verr(c, i, "IDP 0 (IDPs start at 1)");
	if (in->op == LANA_OP_UNBIND)
		return 0;	/* names a binding of the base plan */
	s = defined(c, in->idp, &sbt);
	d = defined(c, in->dst, &dbt);
	if (!edit && !s)
		return verr(c, i, "source IDP %u is not created by a NEW",
			    in->idp);
	if (!edit && !d)
		return verr(c, i, "destination IDP %u is not created by a NEW",
			    in->dst);
	if (s) {
		n = lana_insn_port_count(s, LANA_PORT_OUT);
		sp = lana_insn_port_at(s, LANA_PORT_OUT, in->port, NULL);
		if (!sp)
			return verr(c, i, "OUT port %u out of range: '%s' (%s) has %u",
				    in->port, s->name, sbt->name, n);
	}
	if (d) {
		n = lana_insn_port_count(d, LANA_PORT_IN);
		dp = lana_insn_port_at(d, LANA_PORT_IN, in->dport, NULL);
		if (!dp)
			return verr(c, i, "IN port %u out of range: '%s' (%s) has %u",
				    in->dport, d->name, dbt->name, n);
	}
	if (sp && dp && !lana_frame_compatible(sp->frame, dp->frame))
		return verr(c, i, "frame mismatch: %s.%s carries %s, %s.%s takes %s",
			    s->name, sp->name, lana_frame_name(sp->frame),
			    d->name, dp->name, lana_frame_name(dp->frame));
	if (in->op != LANA_OP_BIND)
		return 0;
	r = lana_map_try_putn(&c->outs, (const char *)&in->idp, 8, i, &old);
	if (r < 0)
		return lana_errf(c->err, c->errlen, r, "out of memory");
	if (!r)
		return verr(c, i, "OUT port %u.%u bound twice (also instruction %u)",
			    in->idp, in->port, old + 1);
	return 0;
}

static int check_set(struct vctx *c, uint32_t i)
{
	const struct lana_insn *in = &c->p->insns.v[i];
	const struct lana_block_type *bt;

	if (!in->idp)
		return verr(c, i, "IDP 0 (IDPs start at 1)");
	if (in->nparams != 1)
		return verr(c, i, "SET with %u parameters (exactly one)",
			    in->nparams);
	if (defined(c, in->idp, &bt))
		return check_param(c, i, bt, &in->params[0], true);
	return 0;
}

int lana_plan_validate(const struct lana_plan *p, char *err, size_t errlen)
{
	struct vctx c = { .p = p, .err = err, .errlen = errlen };
	bool edit = p->flags & LANA_PLAN_F_EDIT;
	uint32_t i, j, max = 0, n = 0;
	int r = 0;

	if (p->flags & ~(uint32_t)LANA_PLAN_F_EDIT) {
		if (err && errlen)
			snprintf(err, errlen, "unknown plan flags 0x%x", p->flags);
		return -EINVAL;
	}
	for (i = 0; i < p->insns.n; i++) {
		if (p->insns.v[i].idp > max)
			max = p->insns.v[i].idp;
		n++;
	}
	if (lana_idpix_init(&c.defs, max, n) ||
	    lana_idpix_init(&c.dels, max, n))
		r = lana_errf(err, errlen, -ENOMEM, "out of memory");
	/* blocks first, so that BINDs can refer to later NEWs */
	for (i = 0; i < p->insns.n && !r; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		switch (in->op) {
		case LANA_OP_NEW:
			r = check_block(&c, i);
			break;
		case LANA_OP_REPLACE:
		case LANA_OP_SET:
		case LANA_OP_UNBIND:
		case LANA_OP_DEL:
			if (!edit)
				r = verr(&c, i, "%s in a full plan",
					 lana_op_name(in->op));
			else if (in->op == LANA_OP_REPLACE)
				r = check_block(&c, i);
			break;
		case LANA_OP_BIND:
			break;
		default:
			r = verr(&c, i, "unexpected opcode %u", in->op);
		}
	}
	for (i = 0; i < p->insns.n && !r; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		switch (in->op) {
		case LANA_OP_BIND:
		case LANA_OP_UNBIND:
			r = check_bind(&c, i, edit);
			break;
		case LANA_OP_SET:
			r = check_set(&c, i);
			break;
		case LANA_OP_DEL:
			if (!in->idp) {
				r = verr(&c, i, "IDP 0 (IDPs start at 1)");
			} else if (lana_idpix_get(&c.defs, in->idp, &j)) {
				r = verr(&c, i, "IDP %u is created by instruction %u and deleted",
					 in->idp, j + 1);
			} else {
				r = lana_idpix_put(&c.dels, &in->idp, i, &j);
				if (r < 0)
					r = lana_errf(err, errlen, r,
						      "out of memory");
				else if (!r)
					r = verr(&c, i, "IDP %u deleted twice (also instruction %u)",
						 in->idp, j + 1);
				else
					r = 0;
			}
			break;
		}
	}
	lana_idpix_free(&c.defs);
	lana_idpix_free(&c.dels);
	lana_map_free(&c.outs);
	return r;
}
