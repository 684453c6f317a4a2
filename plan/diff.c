// SPDX-License-Identifier: GPL-2.0
/*
 * plan/diff.c - the edit plan that turns one full plan into another
 * (lana_plan_diff, rules in plan.h and docs/plan-format.md "Diff").
 *
 * Blocks are matched by name and OUT ports by (IDP, port) through hash maps,
 * so a diff is linear in the size of the two plans apart from sorting the
 * emitted instructions by IDP.
 */
#include "plan.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(offsetof(struct lana_insn, port) ==
	       offsetof(struct lana_insn, idp) + sizeof(uint32_t),
	       "idp and port must be adjacent");

typedef VEC(struct lana_insn) insn_vec;

enum { OB_DELETED, OB_KEPT, OB_REPLACED };

/* An OUT port as a map key; same layout as lana_insn's idp, port. */
struct ekey {
	uint32_t idp;
	uint32_t port;
};

struct dctx {
	struct lana_plan *edit;
	char *err;
	size_t errlen;
};

static int fail(struct dctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct dctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ----------------------------------------------------------- deep copy */

static const char *cp_str(struct lana_arena *a, const char *s)
{
	return lana_arena_strdup(a, s ? s : "");
}

/* ---------------------------------------------------------- port count */

/* OUT ports of the instance @in describes (0 for an unknown type). */
static uint32_t out_ports(const struct lana_insn *in)
{
	return lana_insn_port_count(in, LANA_PORT_OUT);
}

/* --------------------------------------------------------------- index */

#define NONE UINT32_MAX

/*
 * Blocks and BINDs of a full plan. IDPs map to block indices through a
 * plain array when they are dense (the compiler numbers blocks 1..N),
 * else through a hash map; OUT ports (IDP, port) through a hash map.
 */
struct pidx {
	const struct lana_insn **blk;	/* NEW instructions */
	uint32_t nblk;
	const struct lana_insn **bind;	/* BIND instructions */
	uint32_t *bsrc, *bdst;		/* their block indices */
	uint32_t nbind;
	uint32_t *dense;		/* idp -> blk index, or NULL */
	struct lana_map idps;		/* idp -> blk index when sparse */
	struct lana_map outs;		/* (idp, port) -> bind index */
	uint32_t max_idp;
};

static void pidx_free(struct pidx *x)
{
	free(x->blk);
	free(x->bind);
	free(x->bsrc);
	free(x->bdst);
	free(x->dense);
	lana_map_free(&x->idps);
	lana_map_free(&x->outs);
}

static uint32_t pidx_find(const struct pidx *x, uint32_t idp)
{
	uint32_t i;

	if (x->dense)
		return idp <= x->max_idp ? x->dense[idp] : NONE;
	return lana_map_getn(&x->idps, (const char *)&idp, 4, &i) ? i : NONE;
}

/* Record @idp -> block @i; false if the IDP is already taken. */
static bool pidx_add(struct pidx *x, uint32_t idp, uint32_t i)
{
	if (x->dense) {
		if (x->dense[idp] != NONE)
			return false;
		x->dense[idp] = i;
		return true;
	}
	return lana_map_putn(&x->idps, (const char *)&x->blk[i]->idp, 4, i,
			     NULL);
}

static int pidx_build(struct dctx *c, const struct lana_plan *p,
		      const char *which, struct pidx *x)
{
	uint32_t i, old, n = 0, nb = 0;

	memset(x, 0, sizeof(*x));
	if (p->flags & LANA_PLAN_F_EDIT)
		return fail(c, "%s plan is an edit plan, not a full plan",
			    which);
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op == LANA_OP_NEW) {
			if (!in->idp)
				return fail(c, "%s plan: IDP 0", which);
			if (in->idp > x->max_idp)
				x->max_idp = in->idp;
			n++;
		} else if (in->op == LANA_OP_BIND) {
			nb++;
		} else {
			return fail(c, "%s plan: %s in a full plan", which,
				    lana_op_name(in->op));
		}
	}
	x->blk = xmalloc(((size_t)n + 1) * sizeof(*x->blk));
	x->bind = xmalloc(((size_t)nb + 1) * sizeof(*x->bind));
	x->bsrc = xmalloc(((size_t)nb + 1) * sizeof(*x->bsrc));
	x->bdst = xmalloc(((size_t)nb + 1) * sizeof(*x->bdst));
	if (x->max_idp <= 2 * (uint64_t)n + 1024) {
		x->dense = xmalloc(((size_t)x->max_idp + 1) * sizeof(*x->dense));
		memset(x->dense, 0xff, ((size_t)x->max_idp + 1) *
		       sizeof(*x->dense));
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_NEW)
			continue;
		x->blk[x->nblk] = in;
		if (!pidx_add(x, in->idp, x->nblk))
			return fail(c, "%s plan: IDP %u used twice", which,
				    in->idp);
		x->nblk++;
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_BIND)
			continue;
		x->bsrc[x->nbind] = pidx_find(x, in->idp);
		x->bdst[x->nbind] = pidx_find(x, in->dst);
		if (x->bsrc[x->nbind] == NONE || x->bdst[x->nbind] == NONE)
			return fail(c, "%s plan: BIND %u.%u -> %u.%u names an IDP without NEW",
				    which, in->idp, in->port, in->dst, in->dport);
		if (!lana_map_putn(&x->outs, (const char *)&in->idp, 8,
				   x->nbind, &old))
			return fail(c, "%s plan: OUT port %u.%u bound twice",
				    which, in->idp, in->port);
		x->bind[x->nbind++] = in;
	}
	return 0;
}

/* ------------------------------------------------------------- compare */

/*
 * Compare the parameters of matched blocks @o and @n (same type).
 * Returns true when a REPLACE is needed; otherwise appends one SET per
 * changed live parameter to @sets.
 */
static bool compare_params(struct lana_arena *a, const struct lana_insn *o,
			   const struct lana_insn *n,
			   const struct lana_block_type *bt, insn_vec *sets)
{
	uint32_t i, j, found = 0, first = sets->n;

	for (i = 0; i < n->nparams; i++) {
		const struct lana_pattr *np = &n->params[i];
		const struct lana_pattr *op = NULL;
		const struct lana_param *pd;

		if (i < o->nparams && !strcmp(o->params[i].key, np->key))
			op = &o->params[i];
		for (j = 0; !op && j < o->nparams; j++)
			if (!strcmp(o->params[j].key, np->key))
				op = &o->params[j];
		if (!op)
			goto replace;	/* parameter added */
		found++;
		if (lana_value_equal(&op->val, &np->val))
			continue;
		pd = bt ? lana_param_find(bt, np->key) : NULL;
		if (!pd || !(pd->flags & LANA_PF_LIVE) ||
		    pd->type != np->val.type)
			goto replace;
		{
			struct lana_insn s = {
				.op = LANA_OP_SET, .idp = o->idp,
				.name = cp_str(a, n->name),
				.params = lana_pattr_copy(a, np, 1), .nparams = 1,
			};

			VEC_PUSH(sets, s);
		}
	}
	if (found != o->nparams)
		goto replace;	/* parameter removed */
	return false;
replace:
	sets->n = first;
	return true;
}

static int cmp_idp(const void *x, const void *y)
{
	const struct lana_insn *a = x, *b = y;

	if (a->idp != b->idp)
		return a->idp < b->idp ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	/* generation order (kept in count) makes the sort stable */
	return a->count < b->count ? -1 : a->count > b->count;
}

static void sort_group(insn_vec *v)
{
	uint32_t i;

	if (v->n < 2)
		return;
	for (i = 0; i < v->n; i++)
		v->v[i].count = i;
	qsort(v->v, v->n, sizeof(*v->v), cmp_idp);
	for (i = 0; i < v->n; i++)
		v->v[i].count = 0;
}

int lana_plan_diff(struct lana_plan *old, const struct lana_plan *new_,
		   struct lana_plan *edit, struct lana_diff_stats *st,
		   char *err, size_t errlen)
{
	struct dctx c = { .edit = edit, .err = err, .errlen = errlen };
	struct lana_diff_stats dummy;
	struct pidx ox, nx;
	insn_vec grp[6] = { { 0 } };	/* NEW REPLACE SET BIND UNBIND DEL */
	uint8_t *ostate = NULL, *covered = NULL;
	uint32_t *oports = NULL, *final = NULL, next_idp;
	struct lana_arena *a = &edit->arena;
	struct lana_map names = { 0 };	/* name -> old block, or nblk + new */
	uint32_t i, k, oi, total;
	int r = -EINVAL;

	lana_plan_init(edit);
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	memset(&nx, 0, sizeof(nx));
	if (pidx_build(&c, old, "old", &ox) ||
	    pidx_build(&c, new_, "new", &nx))
		goto out;
	for (i = 0; i < ox.nblk; i++) {
		const char *nm = ox.blk[i]->name ? ox.blk[i]->name : "";

		if (!lana_map_put(&names, nm, i, NULL)) {
			fail(&c, "old plan: block name '%s' used twice", nm);
			goto out;
		}
	}
	edit->flags = LANA_PLAN_F_EDIT;
	edit->base_crc = lana_plan_crc(old);

	ostate = xcalloc(ox.nblk + 1, 1);
	covered = xcalloc(ox.nbind + 1, 1);
	oports = xcalloc(ox.nblk + 1, sizeof(*oports));
	final = xcalloc(nx.nblk + 1, sizeof(*final));
	next_idp = ox.max_idp;

	/* blocks: NEW, REPLACE or SET, in the new plan's order */
	for (i = 0; i < nx.nblk; i++) {
		const struct lana_insn *n = nx.blk[i], *o;
		const char *nm = n->name ? n->name : "";
		const struct lana_block_type *bt;

		oi = NONE;
		if (lana_map_get(&names, nm, &oi) &&
		    (oi >= ox.nblk || ostate[oi] != OB_DELETED)) {
			fail(&c, "new plan: block name '%s' used twice", nm);
			goto out;
		}
		if (oi == NONE || oi >= ox.nblk) {
			struct lana_insn in = {
				.op = LANA_OP_NEW, .idp = ++next_idp,
				.type = cp_str(a, n->type),
				.name = cp_str(a, n->name),
				.params = lana_pattr_copy(a, n->params, n->nparams),
				.nparams = n->nparams,
			};

			if (!next_idp) {
				fail(&c, "IDP space exhausted");
				goto out;
			}
			lana_map_put(&names, nm, ox.nblk + i, NULL);
			final[i] = in.idp;
			VEC_PUSH(&grp[0], in);
			continue;
		}
		o = ox.blk[oi];
		final[i] = o->idp;
		ostate[oi] = OB_KEPT;
		bt = lana_catalogue_find(n->type);
		if (strcmp(o->type, n->type) ||
		    compare_params(a, o, n, bt, &grp[2])) {
			struct lana_insn in = {
				.op = LANA_OP_REPLACE, .idp = o->idp,
				.type = cp_str(a, n->type),
				.name = cp_str(a, n->name),
				.params = lana_pattr_copy(a, n->params, n->nparams),
				.nparams = n->nparams,
			};

			ostate[oi] = OB_REPLACED;
			oports[oi] = out_ports(n);
			VEC_PUSH(&grp[1], in);
		}
	}

	/* new edges in final IDPs against the old edges */
	for (i = 0; i < nx.nbind; i++) {
		const struct lana_insn *b = nx.bind[i];
		struct ekey key = { final[nx.bsrc[i]], b->port };
		uint32_t fd = final[nx.bdst[i]], bi;

		if (lana_map_getn(&ox.outs, (const char *)&key, 8, &bi)) {
			const struct lana_insn *ob = ox.bind[bi];

			covered[bi] = 1;
			if (ob->dst == fd && ob->dport == b->dport)
				continue;
			st->rebound++;
		} else {
			st->bound++;
		}
		{
			struct lana_insn in = {
				.op = LANA_OP_BIND, .idp = key.idp,
				.port = b->port, .dst = fd, .dport = b->dport,
			};

			VEC_PUSH(&grp[3], in);
		}
	}

	/* old edges without a new target */
	for (i = 0; i < ox.nbind; i++) {
		const struct lana_insn *b = ox.bind[i];

		oi = ox.bsrc[i];
		if (covered[i])
			continue;	/* kept, or rebound above */
		if (ostate[oi] == OB_DELETED)
			continue;	/* DEL drops the bindings */
		if (ostate[oi] == OB_REPLACED && b->port >= oports[oi])
			continue;	/* REPLACE drops the port */
		{
			struct lana_insn in = {
				.op = LANA_OP_UNBIND, .idp = b->idp,
				.port = b->port, .dst = b->dst,
				.dport = b->dport,
			};

			VEC_PUSH(&grp[4], in);
		}
	}

	/* blocks only in the old plan */
	for (i = 0; i < ox.nblk; i++) {
		if (ostate[i] != OB_DELETED)
			continue;
		{
			struct lana_insn in = {
				.op = LANA_OP_DEL, .idp = ox.blk[i]->idp,
				.name = cp_str(a, ox.blk[i]->name),
			};

			VEC_PUSH(&grp[5], in);
		}
	}

	st->added = grp[0].n;
	st->replaced = grp[1].n;
	st->set = grp[2].n;
	st->unbound = grp[4].n;
	st->deleted = grp[5].n;
	total = 0;
	for (k = 0; k < 6; k++) {
		sort_group(&grp[k]);
		total += grp[k].n;
	}
	edit->insns.v = xmalloc(((size_t)total + 1) * sizeof(*edit->insns.v));
	edit->insns.cap = total + 1;
	for (k = 0; k < 6; k++) {
		if (grp[k].n)
			memcpy(edit->insns.v + edit->insns.n, grp[k].v,
			       grp[k].n * sizeof(*grp[k].v));
		edit->insns.n += grp[k].n;
	}
	r = 0;
out:
	for (k = 0; k < 6; k++)
		VEC_FREE(&grp[k]);
	free(ostate);
	free(covered);
	free(oports);
	free(final);
	lana_map_free(&names);
	pidx_free(&ox);
	pidx_free(&nx);
	if (r) {
		lana_plan_free(edit);
		memset(st, 0, sizeof(*st));
	}
	return r;
}

void lana_diff_summary(const struct lana_diff_stats *st, struct lana_buf *b)
{
	const struct {
		uint32_t n;
		const char *what;
	} part[] = {
		{ st->added, "new" },
		{ st->replaced, "replaced" },
		{ st->set, "set" },
		{ st->bound, "bound" },
		{ st->rebound, "rebound" },
		{ st->unbound, "unbound" },
		{ st->deleted, "deleted" },
	};
	bool any = false;
	size_t i;

	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		if (!part[i].n)
			continue;
		lana_buf_printf(b, "%s%u %s", any ? ", " : "", part[i].n,
				part[i].what);
		any = true;
	}
	if (!any)
		lana_buf_puts(b, "no changes");
}
