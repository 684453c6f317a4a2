// SPDX-License-Identifier: GPL-2.0
/*
 * plan/apply.c - the reference semantics of an edit plan (lana_plan_apply,
 * docs/plan-format.md "Applying an edit plan").
 *
 * The base plan is loaded into a table of blocks (by IDP) and a table of
 * OUT-port bindings (by IDP and port), the edit's instructions are applied
 * in order, the result is checked and written out in canonical form: NEW
 * in ascending IDP order, then BIND in ascending (IDP, port) order. Nothing
 * is modified until every instruction has succeeded.
 */
#include "plan.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct blk {
	uint32_t idp;		/* map key */
	bool alive;
	const char *type;
	const char *name;
	const struct lana_pattr *params;
	uint32_t nparams;
	const struct lana_block_type *bt;
	uint32_t del_insn;	/* instruction that deleted it */
	uint32_t changed;	/* last instruction that made or changed it */
	uint32_t port_hi;	/* 1 + highest OUT port ever bound */
};

struct edge {
	uint32_t idp;		/* map key: idp and port */
	uint32_t port;
	uint32_t dst;
	uint32_t dport;
	bool bound;
	uint32_t insn;		/* instruction that bound it (0: base) */
};

struct actx {
	const struct lana_plan *edit;
	char *err;
	size_t errlen;
	struct blk *blk;
	uint32_t nblk;
	struct edge *edge;
	uint32_t nedge;
	struct lana_idpix bmap;	/* idp -> blk index */
	struct lana_map emap;	/* (idp, port) -> edge index */
	struct lana_arena tmp;	/* parameter arrays made by SET */
	bool nomem;		/* an allocation failed: -ENOMEM at the end */
};

static int fail(struct actx *c, uint32_t insn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Error naming instruction @insn (1-based, 0: the base plan). */
static int fail(struct actx *c, uint32_t insn, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return -EINVAL;
	if (!insn) {
		n = snprintf(c->err, c->errlen, "base plan: ");
	} else {
		const struct lana_insn *in = &c->edit->insns.v[insn - 1];

		if (in->op == LANA_OP_BIND || in->op == LANA_OP_UNBIND)
			n = snprintf(c->err, c->errlen,
				     "instruction %u (%s %u.%u -> %u.%u): ",
				     insn, lana_op_name(in->op), in->idp,
				     in->port, in->dst, in->dport);
		else
			n = snprintf(c->err, c->errlen,
				     "instruction %u (%s %s): ", insn,
				     lana_op_name(in->op),
				     in->name ? in->name : "");
	}
	if (n < 0 || (size_t)n >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---------------------------------------------------------- port count */

static uint64_t blk_count(const char *name, void *ctx)
{
	const struct blk *b = ctx;

	return lana_pattr_uint(b->bt, b->params, b->nparams, name);
}

static uint32_t nports(struct blk *b, unsigned int dir)
{
	return b->bt ? lana_port_count(b->bt, dir, blk_count, b) : 0;
}

/* ------------------------------------------------------------- lookups */

static struct blk *find_blk(struct actx *c, uint32_t idp)
{
	uint32_t i;

	if (!lana_idpix_get(&c->bmap, idp, &i))
		return NULL;
	return &c->blk[i];
}

static struct blk *live_blk(struct actx *c, uint32_t idp)
{
	struct blk *b = find_blk(c, idp);

	return b && b->alive ? b : NULL;
}

static struct edge *find_edge(struct actx *c, uint32_t idp, uint32_t port)
{
	struct edge key = { .idp = idp, .port = port };
	uint32_t i;

	if (!lana_map_getn(&c->emap, (const char *)&key, 8, &i))
		return NULL;
	return &c->edge[i];
}

/* Bind @idp.@port -> @dst.@dport, replacing any binding of that OUT port. */
static void bind_port(struct actx *c, struct blk *s, uint32_t port, uint32_t dst,
		 uint32_t dport, uint32_t insn)
{
	struct edge *e = find_edge(c, s->idp, port);

	if (!e) {
		e = &c->edge[c->nedge];
		e->idp = s->idp;
		e->port = port;
		/* out of memory: noted; the slot is used unindexed till the end */
		if (lana_map_try_putn(&c->emap, (const char *)e, 8, c->nedge,
				      NULL) < 0)
			c->nomem = true;
		c->nedge++;
	}
	e->dst = dst;
	e->dport = dport;
	e->bound = true;
	e->insn = insn;
	if (port + 1 > s->port_hi)
		s->port_hi = port + 1;
}

/* Drop the bindings of @b's OUT ports from @from on. */
static void unbind_from(struct actx *c, struct blk *b, uint32_t from)
{
	uint32_t port;

	for (port = from; port < b->port_hi; port++) {
		struct edge *e = find_edge(c, b->idp, port);

		if (e)
			e->bound = false;
	}
}

/* A new block slot for @idp, or the slot of a deleted block with it. */
static struct blk *new_blk(struct actx *c, uint32_t idp)
{
	struct blk *b = find_blk(c, idp);

	if (!b) {
		b = &c->blk[c->nblk];
		b->idp = idp;
		if (lana_idpix_put(&c->bmap, &b->idp, c->nblk, NULL) < 0)
			c->nomem = true;	/* as bind_port() */
		c->nblk++;
	}
	return b;
}

static void set_blk(struct blk *b, const struct lana_insn *in,
		    const struct lana_block_type *bt, uint32_t insn)
{
	b->alive = true;
	b->type = in->type;
	b->name = in->name ? in->name : "";
	b->params = in->params;
	b->nparams = in->nparams;
	b->bt = bt;
	b->changed = insn;
}

/* ---------------------------------------------------------------- base */

static int load_base(struct actx *c, const struct lana_plan *base)
{
	uint32_t i;

	if (base->flags & LANA_PLAN_F_EDIT)
		return fail(c, 0, "an edit plan, not a full plan");
	for (i = 0; i < base->insns.n; i++) {
		const struct lana_insn *in = &base->insns.v[i];
		struct blk *b;

		if (in->op == LANA_OP_BIND)
			continue;
		if (in->op != LANA_OP_NEW)
			return fail(c, 0, "%s in a full plan",
				    lana_op_name(in->op));
		if (!in->idp || find_blk(c, in->idp))
			return fail(c, 0, "IDP %u zero or used twice", in->idp);
		b = new_blk(c, in->idp);
		set_blk(b, in, lana_catalogue_find(in->type), 0);
	}
	for (i = 0; i < base->insns.n; i++) {
		const struct lana_insn *in = &base->insns.v[i];
		struct blk *s;

		if (in->op != LANA_OP_BIND)
			continue;
		s = find_blk(c, in->idp);
		if (!s || !find_blk(c, in->dst))
			return fail(c, 0, "BIND %u.%u -> %u.%u names an IDP without NEW",
				    in->idp, in->port, in->dst, in->dport);
		if (find_edge(c, in->idp, in->port))
			return fail(c, 0, "OUT port %u.%u bound twice", in->idp,
				    in->port);
		bind_port(c, s, in->port, in->dst, in->dport, 0);
	}
	return 0;
}

/* --------------------------------------------------------- instructions */

static int do_set(struct actx *c, struct blk *b, const struct lana_insn *in,
		  uint32_t insn)
{
	const struct lana_pattr *np = &in->params[0];
	const struct lana_param *pd;
	struct lana_pattr *arr;
	uint32_t i, j, at;
	int idx;

	if (!b->bt)
		return fail(c, insn, "block %u has unknown type '%s'", b->idp,
			    b->type);
	pd = lana_param_find(b->bt, np->key);
	if (!pd)
		return fail(c, insn, "block type '%s' has no parameter '%s'",
			    b->type, np->key);
	if (!(pd->flags & LANA_PF_LIVE))
		return fail(c, insn, "parameter '%s' of '%s' is not live",
			    np->key, b->type);
	if (np->val.type != pd->type)
		return fail(c, insn, "parameter '%s' has the wrong type",
			    np->key);
	/* copy the list, replacing the key or inserting it in catalogue order */
	arr = lana_arena_try_alloc(&c->tmp,
				   ((size_t)b->nparams + 1) * sizeof(*arr));
	if (!arr) {
		c->nomem = true;
		return -ENOMEM;
	}
	idx = lana_param_index(b->bt, np->key);
	at = b->nparams;
	for (i = 0; i < b->nparams; i++) {
		if (!strcmp(b->params[i].key, np->key)) {
			at = i;
			break;
		}
	}
	if (at < b->nparams) {
		memcpy(arr, b->params, b->nparams * sizeof(*arr));
		arr[at] = *np;
		b->params = arr;
	} else {
		for (i = 0; i < b->nparams; i++)
			if (lana_param_index(b->bt, b->params[i].key) > idx)
				break;
		for (j = 0; j < i; j++)
			arr[j] = b->params[j];
		arr[i] = *np;
		for (j = i; j < b->nparams; j++)
			arr[j + 1] = b->params[j];
		b->params = arr;
		b->nparams++;
	}
	b->changed = insn;
	return 0;
}

static int step(struct actx *c, const struct lana_insn *in, uint32_t insn)
{
	const struct lana_block_type *bt;
	struct blk *b, *d;
	struct edge *e;
	uint32_t n;

	switch (in->op) {
	case LANA_OP_NEW:
		if (!in->idp)
			return fail(c, insn, "IDP 0");
		b = live_blk(c, in->idp);
		if (b)
			return fail(c, insn, "IDP %u already in use by '%s'",
				    in->idp, b->name);
		bt = lana_catalogue_find(in->type);
		if (!bt)
			return fail(c, insn, "unknown block type '%s'",
				    in->type);
		b = new_blk(c, in->idp);
		b->port_hi = 0;
		set_blk(b, in, bt, insn);
		return 0;
	case LANA_OP_REPLACE:
		b = live_blk(c, in->idp);
		if (!b)
			return fail(c, insn, "no block with IDP %u", in->idp);
		bt = lana_catalogue_find(in->type);
		if (!bt)
			return fail(c, insn, "unknown block type '%s'",
				    in->type);
		set_blk(b, in, bt, insn);
		unbind_from(c, b, nports(b, LANA_PORT_OUT));
		return 0;
	case LANA_OP_SET:
		b = live_blk(c, in->idp);
		if (!b)
			return fail(c, insn, "no block with IDP %u", in->idp);
		if (in->nparams != 1)
			return fail(c, insn, "SET with %u parameters",
				    in->nparams);
		return do_set(c, b, in, insn);
	case LANA_OP_DEL:
		b = live_blk(c, in->idp);
		if (!b)
			return fail(c, insn, "no block with IDP %u", in->idp);
		if (strcmp(b->name, in->name ? in->name : ""))
			return fail(c, insn, "block %u is '%s', not '%s'",
				    in->idp, b->name,
				    in->name ? in->name : "");
		b->alive = false;
		b->del_insn = insn;
		unbind_from(c, b, 0);
		return 0;
	case LANA_OP_BIND:
		b = live_blk(c, in->idp);
		d = live_blk(c, in->dst);
		if (!b)
			return fail(c, insn, "no source block with IDP %u",
				    in->idp);
		if (!d)
			return fail(c, insn, "no destination block with IDP %u",
				    in->dst);
		bind_port(c, b, in->port, in->dst, in->dport, insn);
		return 0;
	case LANA_OP_UNBIND:
		e = find_edge(c, in->idp, in->port);
		if (!e || !e->bound || !live_blk(c, in->idp))
			return fail(c, insn, "OUT port %u.%u is not bound",
				    in->idp, in->port);
		if (e->dst != in->dst || e->dport != in->dport)
			return fail(c, insn, "OUT port %u.%u is bound to %u.%u, not %u.%u",
				    in->idp, in->port, e->dst, e->dport,
				    in->dst, in->dport);
		e->bound = false;
		return 0;
	default:
		n = in->op;
		return fail(c, insn, "opcode %u not allowed in an edit plan", n);
	}
}

static uint32_t max_of3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a > b ? a : b;

	return m > c ? m : c;
}

/* After the last instruction: every binding between live blocks, in range. */
static int check_edges(struct actx *c)
{
	uint32_t i, n;

	for (i = 0; i < c->nedge; i++) {
		struct edge *e = &c->edge[i];
		struct blk *s, *d;

		if (!e->bound)
			continue;
		s = find_blk(c, e->idp);
		d = find_blk(c, e->dst);
		if (!d->alive)
			return fail(c, d->del_insn, "block %u still bound from %u.%u",
				    e->dst, e->idp, e->port);
		n = nports(s, LANA_PORT_OUT);
		if (e->port >= n)
			return fail(c, max_of3(e->insn, s->changed, 0),
				    "OUT port %u.%u out of range: '%s' (%s) has %u",
				    e->idp, e->port, s->name, s->type, n);
		n = nports(d, LANA_PORT_IN);
		if (e->dport >= n)
			return fail(c, max_of3(e->insn, s->changed, d->changed),
				    "IN port %u.%u out of range: '%s' (%s) has %u",
				    e->dst, e->dport, d->name, d->type, n);
	}
	return 0;
}

/* ------------------------------------------------------------- output */

static const char *cp_str(struct lana_arena *a, const char *s)
{
	return lana_arena_strdup(a, s ? s : "");
}

struct lana_pattr *lana_pattr_copy(struct lana_arena *a,
				   const struct lana_pattr *s, uint32_t n)
{
	struct lana_pattr *d;
	uint32_t i;

	if (!n)
		return NULL;
	d = lana_arena_alloc(a, (size_t)n * sizeof(*d));
	for (i = 0; i < n; i++) {
		d[i].key = cp_str(a, s[i].key);
		lana_value_copy_arena(a, &d[i].val, &s[i].val);
	}
	return d;
}

int lana_pattr_try_copy(struct lana_arena *a, const struct lana_pattr *s,
			uint32_t n, struct lana_pattr **out)
{
	struct lana_pattr *d;
	uint32_t i;

	*out = NULL;
	if (!n)
		return 0;
	d = lana_arena_try_alloc(a, (size_t)n * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		d[i].key = lana_arena_try_strdup(a, s[i].key ? s[i].key : "");
		if (!d[i].key ||
		    lana_value_try_copy_arena(a, &d[i].val, &s[i].val))
			return -ENOMEM;
	}
	*out = d;
	return 0;
}

static int cmp_blk(const void *x, const void *y)
{
	const struct blk *a = *(const struct blk *const *)x;
	const struct blk *b = *(const struct blk *const *)y;

	return a->idp < b->idp ? -1 : a->idp > b->idp;
}

static int cmp_edge(const void *x, const void *y)
{
	const struct edge *a = *(const struct edge *const *)x;
	const struct edge *b = *(const struct edge *const *)y;

	if (a->idp != b->idp)
		return a->idp < b->idp ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* The result into @out: 0, or -ENOMEM (@out then to be freed). */
static int emit(struct actx *c, struct lana_plan *out)
{
	struct blk **bs = malloc(((size_t)c->nblk + 1) * sizeof(*bs));
	struct edge **es = malloc(((size_t)c->nedge + 1) * sizeof(*es));
	struct lana_arena *a = &out->arena;
	uint32_t i, nb = 0, ne = 0;
	int r = -ENOMEM;

	if (!bs || !es)
		goto out;

	for (i = 0; i < c->nblk; i++)
		if (c->blk[i].alive)
			bs[nb++] = &c->blk[i];
	for (i = 0; i < c->nedge; i++)
		if (c->edge[i].bound)
			es[ne++] = &c->edge[i];
	qsort(bs, nb, sizeof(*bs), cmp_blk);
	qsort(es, ne, sizeof(*es), cmp_edge);
	out->insns.v = malloc(((size_t)nb + ne + 1) * sizeof(*out->insns.v));
	if (!out->insns.v)
		goto out;
	out->insns.cap = nb + ne + 1;
	for (i = 0; i < nb; i++) {
		struct lana_insn in = {
			.op = LANA_OP_NEW, .idp = bs[i]->idp,
			.type = lana_arena_try_strdup(a, bs[i]->type ?
							 bs[i]->type : ""),
			.name = lana_arena_try_strdup(a, bs[i]->name ?
							 bs[i]->name : ""),
			.nparams = bs[i]->nparams,
		};

		if (!in.type || !in.name ||
		    lana_pattr_try_copy(a, bs[i]->params, bs[i]->nparams,
					&in.params))
			goto out;
		out->insns.v[out->insns.n++] = in;
	}
	for (i = 0; i < ne; i++) {
		struct lana_insn in = {
			.op = LANA_OP_BIND, .idp = es[i]->idp,
			.port = es[i]->port, .dst = es[i]->dst,
			.dport = es[i]->dport,
		};

		out->insns.v[out->insns.n++] = in;
	}
	r = 0;
out:
	free(bs);
	free(es);
	return r;
}

int lana_plan_apply(struct lana_plan *base, const struct lana_plan *edit,
		    struct lana_plan *out, char *err, size_t errlen)
{
	struct actx c = { .edit = edit, .err = err, .errlen = errlen };
	uint32_t i, nb = 0, ne = 0, crc, max = 0;
	int r = -EINVAL;

	lana_plan_init(out);
	if (!(edit->flags & LANA_PLAN_F_EDIT)) {
		if (err && errlen)
			snprintf(err, errlen, "not an edit plan");
		return -EINVAL;
	}
	if (lana_plan_try_crc(base, &crc) == -ENOMEM)
		return lana_errf(err, errlen, -ENOMEM, "out of memory");
	if (crc != edit->base_crc) {
		if (err && errlen)
			snprintf(err, errlen,
				 "edit plan applies to base 0x%08x, this plan is 0x%08x",
				 edit->base_crc, crc);
		return -EINVAL;
	}
	for (i = 0; i < base->insns.n; i++) {
		const struct lana_insn *in = &base->insns.v[i];

		nb += in->op == LANA_OP_NEW;
		ne += in->op == LANA_OP_BIND;
		if (in->op == LANA_OP_NEW && in->idp > max)
			max = in->idp;
	}
	for (i = 0; i < edit->insns.n; i++) {
		const struct lana_insn *in = &edit->insns.v[i];

		nb += in->op == LANA_OP_NEW;
		ne += in->op == LANA_OP_BIND;
		if (in->op == LANA_OP_NEW && in->idp > max)
			max = in->idp;
	}
	c.blk = calloc((size_t)nb + 1, sizeof(*c.blk));
	c.edge = calloc((size_t)ne + 1, sizeof(*c.edge));
	if (lana_idpix_init(&c.bmap, max, nb) || !c.blk || !c.edge) {
		c.nomem = true;
		goto done;
	}
	if (load_base(&c, base))
		goto done;
	for (i = 0; i < edit->insns.n; i++)
		if (step(&c, &edit->insns.v[i], i + 1))
			goto done;
	if (c.nomem || check_edges(&c))
		goto done;
	r = emit(&c, out);
	if (r)
		c.nomem = true;
done:
	if (c.nomem) {
		/* the message of a step that ran without its index is moot */
		lana_plan_free(out);
		r = lana_errf(err, errlen, -ENOMEM, "out of memory");
	}
	free(c.blk);
	free(c.edge);
	lana_idpix_free(&c.bmap);
	lana_map_free(&c.emap);
	lana_arena_free(&c.tmp);
	return r;
}
