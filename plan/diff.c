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
	bool nomem;	/* an allocation failed: the diff is -ENOMEM */
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

/*
 * Out of memory in the copies below: noted in @c->nomem and reported by
 * lana_plan_diff() at the end (the edit half made is thrown away), so
 * that the steps need no error path of their own.
 */
static const char *cp_str(struct dctx *c, struct lana_arena *a,
			  const char *s)
{
	const char *d = lana_arena_try_strdup(a, s ? s : "");

	if (!d)
		c->nomem = true;
	return d ? d : "";
}

static struct lana_pattr *cp_params(struct dctx *c, struct lana_arena *a,
				    const struct lana_pattr *s, uint32_t n)
{
	struct lana_pattr *d;

	if (lana_pattr_try_copy(a, s, n, &d))
		c->nomem = true;
	return d;
}

/* Append @x to the insn_vec @v; out of memory noted in @c. */
#define DPUSH(c, v, x)                                                        \
	do {                                                                  \
		if (VEC_TRY_PUSH(v, x))                                       \
			(c)->nomem = true;                                    \
	} while (0)

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

/* Record @idp -> block @i: 1, 0 if the IDP is already taken, -ENOMEM. */
static int pidx_add(struct pidx *x, uint32_t idp, uint32_t i)
{
	if (x->dense) {
		if (x->dense[idp] != NONE)
			return 0;
		x->dense[idp] = i;
		return 1;
	}
	return lana_map_try_putn(&x->idps, (const char *)&x->blk[i]->idp, 4,
				 i, NULL);
}

static int nomem(struct dctx *c)
{
	c->nomem = true;
	return -ENOMEM;
}

static int pidx_build(struct dctx *c, const struct lana_plan *p,
		      const char *which, struct pidx *x)
{
	uint32_t i, old, n = 0, nb = 0;
	int r;

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
	x->blk = malloc(((size_t)n + 1) * sizeof(*x->blk));
	x->bind = malloc(((size_t)nb + 1) * sizeof(*x->bind));
	x->bsrc = malloc(((size_t)nb + 1) * sizeof(*x->bsrc));
	x->bdst = malloc(((size_t)nb + 1) * sizeof(*x->bdst));
	if (!x->blk || !x->bind || !x->bsrc || !x->bdst)
		return nomem(c);
	if (x->max_idp <= 2 * (uint64_t)n + 1024) {
		x->dense = malloc(((size_t)x->max_idp + 1) * sizeof(*x->dense));
		if (!x->dense)
			return nomem(c);
		memset(x->dense, 0xff, ((size_t)x->max_idp + 1) *
		       sizeof(*x->dense));
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_NEW)
			continue;
		x->blk[x->nblk] = in;
		r = pidx_add(x, in->idp, x->nblk);
		if (r < 0)
			return nomem(c);
		if (!r)
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
		r = lana_map_try_putn(&x->outs, (const char *)&in->idp, 8,
				      x->nbind, &old);
		if (r < 0)
			return nomem(c);
		if (!r)
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
static bool compare_params(struct dctx *c, struct lana_arena *a,
			   const struct lana_insn *o,
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
				.name = cp_str(c, a, n->name),
				.params = cp_params(c, a, np, 1), .nparams = 1,
			};

			DPUSH(c, sets, s);
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

/* The groups of an edit plan, in their order in the plan. */
enum diff_group {
	DG_NEW, DG_REPLACE, DG_SET, DG_BIND, DG_UNBIND, DG_DEL, DG_COUNT
};

/* One diff under way: both plans indexed, the groups being built. */
struct diff {
	struct dctx c;
	struct lana_arena *a;		/* the edit plan's */
	struct lana_diff_stats *st;
	struct pidx ox, nx;		/* old and new plan */
	struct lana_map names;		/* name -> old block, or nblk + new */
	uint8_t *ostate;		/* per old block: OB_* */
	uint8_t *covered;		/* per old BIND: a new BIND on its port */
	uint32_t *oports;		/* per replaced old block: OUT ports */
	uint32_t *final;		/* per new block: its IDP after the edit */
	uint32_t next_idp;		/* last IDP taken */
	insn_vec grp[DG_COUNT];
};

/* Index both plans and the old plan's block names; start the edit plan. */
static int diff_start(struct diff *df, struct lana_plan *old,
		      const struct lana_plan *new_)
{
	struct lana_plan *edit = df->c.edit;
	uint32_t i;

	if (pidx_build(&df->c, old, "old", &df->ox) ||
	    pidx_build(&df->c, new_, "new", &df->nx))
		return -EINVAL;
	for (i = 0; i < df->ox.nblk; i++) {
		const char *nm = df->ox.blk[i]->name ? df->ox.blk[i]->name : "";

		int r = lana_map_try_put(&df->names, nm, i, NULL);

		if (r < 0)
			return nomem(&df->c);
		if (!r)
			return fail(&df->c, "old plan: block name '%s' used twice",
				    nm);
	}
	edit->flags = LANA_PLAN_F_EDIT;
	if (lana_plan_try_crc(old, &edit->base_crc) == -ENOMEM)
		return nomem(&df->c);

	df->ostate = calloc(df->ox.nblk + 1, 1);
	df->covered = calloc(df->ox.nbind + 1, 1);
	df->oports = calloc(df->ox.nblk + 1, sizeof(*df->oports));
	df->final = calloc(df->nx.nblk + 1, sizeof(*df->final));
	if (!df->ostate || !df->covered || !df->oports || !df->final)
		return nomem(&df->c);
	df->next_idp = df->ox.max_idp;
	return 0;
}

/* New block @i has no old block of its name: NEW, with the next IDP. */
static int add_block(struct diff *df, uint32_t i)
{
	const struct lana_insn *n = df->nx.blk[i];
	struct lana_insn in = {
		.op = LANA_OP_NEW, .idp = ++df->next_idp,
		.type = cp_str(&df->c, df->a, n->type),
		.name = cp_str(&df->c, df->a, n->name),
		.params = cp_params(&df->c, df->a, n->params, n->nparams),
		.nparams = n->nparams,
	};

	if (!df->next_idp)
		return fail(&df->c, "IDP space exhausted");
	if (lana_map_try_put(&df->names, n->name ? n->name : "",
			     df->ox.nblk + i, NULL) < 0)
		df->c.nomem = true;
	df->final[i] = in.idp;
	DPUSH(&df->c, &df->grp[DG_NEW], in);
	return 0;
}

/*
 * New block @i has the name of old block @oi: it keeps the IDP, with SETs
 * for changed live parameters, or is replaced (another type, another
 * parameter set, a changed parameter that is not live).
 */
static void match_block(struct diff *df, uint32_t i, uint32_t oi)
{
	const struct lana_insn *n = df->nx.blk[i], *o = df->ox.blk[oi];
	const struct lana_block_type *bt = lana_catalogue_find(n->type);
	struct lana_insn in = {
		.op = LANA_OP_REPLACE, .idp = o->idp,
	};

	df->final[i] = o->idp;
	df->ostate[oi] = OB_KEPT;
	if (!strcmp(o->type, n->type) &&
	    !compare_params(&df->c, df->a, o, n, bt, &df->grp[DG_SET]))
		return;
	in.type = cp_str(&df->c, df->a, n->type);
	in.name = cp_str(&df->c, df->a, n->name);
	in.params = cp_params(&df->c, df->a, n->params, n->nparams);
	in.nparams = n->nparams;
	df->ostate[oi] = OB_REPLACED;
	df->oports[oi] = out_ports(n);
	DPUSH(&df->c, &df->grp[DG_REPLACE], in);
}

/* Blocks: NEW, REPLACE or SET, in the new plan's order. */
static int diff_blocks(struct diff *df)
{
	uint32_t i, oi;

	for (i = 0; i < df->nx.nblk; i++) {
		const char *nm = df->nx.blk[i]->name ? df->nx.blk[i]->name : "";

		oi = NONE;
		if (lana_map_get(&df->names, nm, &oi) &&
		    (oi >= df->ox.nblk || df->ostate[oi] != OB_DELETED))
			return fail(&df->c, "new plan: block name '%s' used twice",
				    nm);
		if (oi == NONE || oi >= df->ox.nblk) {
			if (add_block(df, i))
				return -EINVAL;
		} else {
			match_block(df, i, oi);
		}
	}
	return 0;
}

/* The new plan's edges, in final IDPs, against the old edges: BIND. */
static void diff_binds(struct diff *df)
{
	uint32_t i, bi;

	for (i = 0; i < df->nx.nbind; i++) {
		const struct lana_insn *b = df->nx.bind[i];
		struct ekey key = { df->final[df->nx.bsrc[i]], b->port };
		uint32_t fd = df->final[df->nx.bdst[i]];
		struct lana_insn in = {
			.op = LANA_OP_BIND, .idp = key.idp,
			.port = b->port, .dst = fd, .dport = b->dport,
		};

		if (lana_map_getn(&df->ox.outs, (const char *)&key, 8, &bi)) {
			const struct lana_insn *ob = df->ox.bind[bi];

			df->covered[bi] = 1;
			if (ob->dst == fd && ob->dport == b->dport)
				continue;
			df->st->rebound++;
		} else {
			df->st->bound++;
		}
		DPUSH(&df->c, &df->grp[DG_BIND], in);
	}
}

/* Old edges without a new edge on their port: UNBIND (unless dropped). */
static void diff_unbinds(struct diff *df)
{
	uint32_t i, oi;

	for (i = 0; i < df->ox.nbind; i++) {
		const struct lana_insn *b = df->ox.bind[i];
		struct lana_insn in = {
			.op = LANA_OP_UNBIND, .idp = b->idp, .port = b->port,
			.dst = b->dst, .dport = b->dport,
		};

		oi = df->ox.bsrc[i];
		if (df->covered[i])
			continue;	/* kept, or rebound above */
		if (df->ostate[oi] == OB_DELETED)
			continue;	/* DEL drops the bindings */
		if (df->ostate[oi] == OB_REPLACED && b->port >= df->oports[oi])
			continue;	/* REPLACE drops the port */
		DPUSH(&df->c, &df->grp[DG_UNBIND], in);
	}
}

/* Blocks only in the old plan: DEL. */
static void diff_deletes(struct diff *df)
{
	uint32_t i;

	for (i = 0; i < df->ox.nblk; i++) {
		struct lana_insn in = {
			.op = LANA_OP_DEL, .idp = df->ox.blk[i]->idp,
		};

		if (df->ostate[i] != OB_DELETED)
			continue;
		in.name = cp_str(&df->c, df->a, df->ox.blk[i]->name);
		DPUSH(&df->c, &df->grp[DG_DEL], in);
	}
}

/* Count the groups into the statistics, then sort them into @edit. */
static void diff_finish(struct diff *df, struct lana_plan *edit)
{
	struct lana_diff_stats *st = df->st;
	uint32_t k, total = 0;

	st->added = df->grp[DG_NEW].n;
	st->replaced = df->grp[DG_REPLACE].n;
	st->set = df->grp[DG_SET].n;
	st->unbound = df->grp[DG_UNBIND].n;
	st->deleted = df->grp[DG_DEL].n;
	for (k = 0; k < DG_COUNT; k++) {
		sort_group(&df->grp[k]);
		total += df->grp[k].n;
	}
	edit->insns.v = malloc(((size_t)total + 1) * sizeof(*edit->insns.v));
	if (!edit->insns.v) {
		df->c.nomem = true;
		return;
	}
	edit->insns.cap = total + 1;
	for (k = 0; k < DG_COUNT; k++) {
		if (df->grp[k].n)
			memcpy(edit->insns.v + edit->insns.n, df->grp[k].v,
			       df->grp[k].n * sizeof(*df->grp[k].v));
		edit->insns.n += df->grp[k].n;
	}
}

static void diff_free(struct diff *df)
{
	uint32_t k;

	for (k = 0; k < DG_COUNT; k++)
		VEC_FREE(&df->grp[k]);
	free(df->ostate);
	free(df->covered);
	free(df->oports);
	free(df->final);
	lana_map_free(&df->names);
	pidx_free(&df->ox);
	pidx_free(&df->nx);
}

int lana_plan_diff(struct lana_plan *old, const struct lana_plan *new_,
		   struct lana_plan *edit, struct lana_diff_stats *st,
		   char *err, size_t errlen)
{
	struct diff df = {
		.c = { .edit = edit, .err = err, .errlen = errlen },
		.a = &edit->arena,
	};
	struct lana_diff_stats dummy;
	int r;

	lana_plan_init(edit);
	df.st = st ? st : &dummy;
	memset(df.st, 0, sizeof(*df.st));
	r = diff_start(&df, old, new_);
	if (!r)
		r = diff_blocks(&df);
	if (!r) {
		diff_binds(&df);
		diff_unbinds(&df);
		diff_deletes(&df);
		diff_finish(&df, edit);
	}
	diff_free(&df);
	if (df.c.nomem)
		r = lana_errf(err, errlen, -ENOMEM, "out of memory");
	if (r) {
		lana_plan_free(edit);
		memset(df.st, 0, sizeof(*df.st));
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
