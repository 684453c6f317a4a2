// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/engine.c - the control side of lana.ko: registry, builder, notifier
 * and transactions (thesis ch. 4.2.1-4.2.4, 5.2.4), the kernel twin of
 * runtime/engine.c.
 *
 * Registry: the running graph is one graph version (struct lana_kgver): a
 * flat table indexed by IDP with each instance and the bindings of its OUT
 * ports, and the version's canonical full plan. The PPE (kmod/ppe.c) reads
 * it under rcu_read_lock().
 *
 * Transactions (lana_engine_apply): the next full plan is computed with
 * lana_plan_apply() (plan/apply.c, the reference semantics of an edit
 * plan, compiled into the module) and validated; the builder constructs
 * NEW/REPLACE instances, SETs are applied to kept instances; on any failure
 * everything done is undone and the running version is untouched.
 * Otherwise the next version's table is built (kept instances are the same
 * objects, so their state carries over), published with one
 * rcu_assign_pointer(), the notifier delivers the events, and after
 * synchronize_rcu() the old version and the instances that left are
 * destroyed in process context (fini may sleep, e.g. to release a device).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lana_compat.h"
#include "plan/plan.h"
#include "blocks/catalogue.h"
#include "engine.h"

DEFINE_MUTEX(lana_engine_lock);
struct lana_kgver __rcu *lana_cur;

static u64 lana_gen;		/* versions published */
static u64 lana_ev_stamp;	/* notifier de-duplication */

#define LANA_K_PCPU_MAX	4096	/* largest pcpu_size a type may ask for */

/* ------------------------------------------------------------ helpers */

static struct lana_kinst *kinst(const struct lana_block *b)
{
	return b ? b->eng_priv : NULL;
}

static __printf(3, 4) void set_err(char *err, size_t errlen,
				   const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static struct lana_kgver *cur_locked(void)
{
	return rcu_dereference_protected(lana_cur,
					 lockdep_is_held(&lana_engine_lock));
}

/* ------------------------------------------------------------ builder */

/* Per-instance storage (name, parameters), freed with the instance. */
struct lana_kmem {
	struct lana_kmem *next;
	u64 data[];
};

static void *kmem_alloc(struct lana_kinst *ki, size_t n)
{
	struct lana_kmem *m = kzalloc(sizeof(*m) + n, GFP_KERNEL);

	if (!m)
		return NULL;
	m->next = ki->mem;
	ki->mem = m;
	return m->data;
}

static char *kmem_strdup(struct lana_kinst *ki, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = kmem_alloc(ki, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static void kmem_free(struct lana_kinst *ki)
{
	struct lana_kmem *m, *next;

	for (m = ki->mem; m; m = next) {
		next = m->next;
		kfree(m);
	}
	ki->mem = NULL;
}

static int copy_scalar(struct lana_kinst *ki, struct lana_value *d,
		       const struct lana_value *s)
{
	size_t n;

	*d = *s;
	switch (s->type) {
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		d->str = kmem_strdup(ki, s->str ? s->str : "");
		return d->str ? 0 : -ENOMEM;
	case LANA_PT_FILTER:
		d->filter.expr = kmem_strdup(ki, s->filter.expr ?
					     s->filter.expr : "");
		n = (size_t)s->filter.n * sizeof(*s->filter.insns);
		d->filter.insns = kmem_alloc(ki, n);
		if (!d->filter.expr || !d->filter.insns)
			return -ENOMEM;
		if (n)
			memcpy(d->filter.insns, s->filter.insns, n);
		return 0;
	default:
		return 0;
	}
}

/* Deep copy of @s into @ki's storage (strings, lists, filter programs). */
static int copy_value(struct lana_kinst *ki, struct lana_value *d,
		      const struct lana_value *s)
{
	u32 k;
	int r;

	if (s->type != LANA_PT_LIST)
		return copy_scalar(ki, d, s);
	*d = *s;
	d->list.items = kmem_alloc(ki, ((size_t)s->list.n + 1) *
				       sizeof(*d->list.items));
	if (!d->list.items)
		return -ENOMEM;
	for (k = 0; k < s->list.n; k++) {
		r = copy_scalar(ki, &d->list.items[k], &s->list.items[k]);
		if (r)
			return r;
	}
	return 0;
}

/* Port-group count for lana_port_count(): the instance's value or default. */
static u64 kinst_count(const char *name, void *ctx)
{
	struct lana_kinst *ki = ctx;
	const struct lana_param *pd;
	struct lana_arena a = { 0 };
	struct lana_value v;
	char err[64];
	u64 r = 0;
	int idx = lana_param_index(ki->b.type, name);

	if (idx >= 0 && (u32)idx < ki->nparams &&
	    ki->params[idx].type != LANA_PT_NONE)
		return lana_value_as_uint(&ki->params[idx]);
	pd = lana_param_find(ki->b.type, name);
	if (pd && pd->def &&
	    !lana_value_parse(&a, pd->type, pd, pd->def, &v, err, sizeof(err)))
		r = lana_value_as_uint(&v);
	lana_arena_free(&a);
	return r;
}

static void kinst_free(struct lana_kinst *ki)
{
	if (ki->inited && ki->b.type->fini)
		ki->b.type->fini(&ki->b);
	kfree(ki->b.priv);
	free_percpu((void __percpu *)ki->b.pcpu);
	kmem_free(ki);
	kfree(ki);
}

/* lana_engine_type_ok() - @name runs in the kernel (stubs: blocks/catalogue.c). */
static const struct lana_block_type *kernel_type(const char *name)
{
	const struct lana_block_type *bt = lana_catalogue_find(name);

	return bt && (bt->engines & LANA_ENGINE_KERNEL) ? bt : NULL;
}

/*
 * The builder (thesis 4.2.2, 5.2.4): an instance from a NEW or REPLACE
 * instruction. Returns 0 or -errno with @msg set.
 */
static int kinst_new(const struct lana_insn *in, struct lana_kinst **out,
		     char *msg, size_t msglen)
{
	const struct lana_block_type *bt = kernel_type(in->type);
	struct lana_kinst *ki;
	u32 i;
	int r;

	*out = NULL;
	if (!bt) {
		set_err(msg, msglen,
			"block type '%s' does not run in the kernel engine",
			in->type);
		return -EOPNOTSUPP;
	}
	if (bt->pcpu_size > LANA_K_PCPU_MAX) {
		set_err(msg, msglen, "block type '%s': per-CPU state too large",
			bt->name);
		return -EINVAL;
	}
	ki = kzalloc(sizeof(*ki), GFP_KERNEL);
	if (!ki)
		goto nomem;
	ki->b.type = bt;
	ki->b.idp = in->idp;
	ki->b.eng_priv = ki;
	ki->b.name = kmem_strdup(ki, in->name ? in->name : "");
	ki->nparams = lana_param_count(bt);
	ki->params = kmem_alloc(ki, ((size_t)ki->nparams + 1) *
				    sizeof(*ki->params));
	if (!ki->b.name || !ki->params)
		goto nomem_free;
	for (i = 0; i < in->nparams; i++) {
		int idx = lana_param_index(bt, in->params[i].key);

		if (idx < 0) {
			set_err(msg, msglen,
				"block type '%s' has no parameter '%s'",
				bt->name, in->params[i].key);
			kinst_free(ki);
			return -EINVAL;
		}
		if (copy_value(ki, &ki->params[idx], &in->params[i].val))
			goto nomem_free;
	}
	ki->nout = lana_port_count(bt, LANA_PORT_OUT, kinst_count, ki);
	ki->b.pcpu = (void __force *)__alloc_percpu(LANA_K_PCPU_HDR +
						    bt->pcpu_size,
						    SMP_CACHE_BYTES);
	if (!ki->b.pcpu)
		goto nomem_free;
	if (bt->priv_size) {
		ki->b.priv = kzalloc(bt->priv_size, GFP_KERNEL);
		if (!ki->b.priv)
			goto nomem_free;
	}
	if (bt->init) {
		r = bt->init(&ki->b, ki->params);
		if (r) {
			if (r > 0)
				r = -r;
			if (ki->err[0])
				set_err(msg, msglen, "%s", ki->err);
			else
				set_err(msg, msglen, "initialisation failed (%d)",
					r);
			kinst_free(ki);
			return r;
		}
	}
	ki->inited = true;
	*out = ki;
	return 0;

nomem_free:
	kinst_free(ki);
nomem:
	set_err(msg, msglen, "out of memory");
	return -ENOMEM;
}

/* ------------------------------------------------------ graph versions */

static struct lana_kgver *gver_alloc(u32 ntab)
{
	struct lana_kgver *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	v->ntab = ntab;
	v->tab = kvcalloc(ntab, sizeof(*v->tab), GFP_KERNEL);
	v->plan = kzalloc(sizeof(*v->plan), GFP_KERNEL);
	if (!v->tab || !v->plan) {
		kvfree(v->tab);
		kfree(v->plan);
		kfree(v);
		return NULL;
	}
	lana_plan_init(v->plan);
	return v;
}

/* Free @v (no reader left) and destroy the instances that left with it. */
static void gver_destroy(struct lana_kgver *v)
{
	struct lana_kinst *ki, *next;

	for (ki = v->dead; ki; ki = next) {
		next = ki->dead_next;
		kinst_free(ki);
	}
	kvfree(v->tab);
	kvfree(v->binds);
	lana_plan_free(v->plan);
	kfree(v->plan);
	kfree(v);
}

/*
 * Fill the table of @nv from its plan: instances already in nv->tab[idp].b
 * (made by this transaction) or kept from @old. 0 or -ENOMEM.
 */
static int gver_fill(struct lana_kgver *nv, const struct lana_kgver *old)
{
	const struct lana_plan *p = nv->plan;
	struct lana_block **made;
	struct lana_kbind *bp;
	u32 i, nbind = 0;

	made = kvmalloc_array(nv->ntab, sizeof(*made), GFP_KERNEL);
	if (!made)
		return -ENOMEM;
	for (i = 0; i < nv->ntab; i++)
		made[i] = nv->tab[i].b;
	memset(nv->tab, 0, (size_t)nv->ntab * sizeof(*nv->tab));
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		struct lana_kgnode *g;

		if (in->op != LANA_OP_NEW)
			continue;
		g = &nv->tab[in->idp];
		g->b = made[in->idp];
		if (!g->b && in->idp < old->ntab)
			g->b = old->tab[in->idp].b;
		if (WARN_ON_ONCE(!g->b)) {	/* lana_plan_apply guarantees it */
			kvfree(made);
			return -EINVAL;
		}
		g->rx = g->b->type->rx;
		g->nout = kinst(g->b)->nout;
		nbind += g->nout;
		if (g->b->type->event)
			nv->nevent++;
	}
	kvfree(made);
	nv->binds = kvcalloc((size_t)nbind + 1, sizeof(*nv->binds), GFP_KERNEL);
	if (!nv->binds)
		return -ENOMEM;
	bp = nv->binds;
	for (i = 0; i < nv->ntab; i++) {
		struct lana_kgnode *g = &nv->tab[i];

		if (!g->b)
			continue;
		g->out = bp;
		bp += g->nout;
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		struct lana_kgnode *g;

		if (in->op != LANA_OP_BIND)
			continue;
		g = &nv->tab[in->idp];
		if (in->port < g->nout && in->dst < nv->ntab &&
		    nv->tab[in->dst].b) {
			g->out[in->port].dst = in->dst;
			g->out[in->port].dport = in->dport;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ notifier */

struct event {
	unsigned int ev;
	struct lana_kinst *src;
	struct lana_kinst *extra;	/* UNBIND: the former destination */
};

struct rev {
	u32 *start;	/* reverse CSR: idp -> sources */
	u32 *src;
};

struct notifier {
	const struct lana_kgver *v;	/* version for neighbours */
	const struct lana_kgver *old;
	struct rev rv, rold;
	u64 stamp;
};

static void notify_one(struct notifier *n, struct lana_kinst *ki,
		       const struct event *ev)
{
	if (!ki || !ki->b.type->event || ki->ev_stamp == n->stamp)
		return;
	ki->ev_stamp = n->stamp;
	ki->b.type->event(&ki->b, ev->ev, &ev->src->b);
}

/* Reverse adjacency (who binds into each IDP) of @v, counting sort. */
static void rev_build(struct rev *rv, const struct lana_kgver *v)
{
	u32 i, p, nb = 0, *fill;

	rv->start = xcalloc((size_t)v->ntab + 1, sizeof(*rv->start));
	for (i = 0; i < v->ntab; i++)
		for (p = 0; p < v->tab[i].nout; p++)
			if (v->tab[i].out[p].dst) {
				rv->start[v->tab[i].out[p].dst + 1]++;
				nb++;
			}
	for (i = 0; i < v->ntab; i++)
		rv->start[i + 1] += rv->start[i];
	rv->src = xcalloc((size_t)nb + 1, sizeof(*rv->src));
	fill = xcalloc((size_t)v->ntab + 1, sizeof(*fill));
	memcpy(fill, rv->start, (size_t)v->ntab * sizeof(*fill));
	for (i = 0; i < v->ntab; i++)
		for (p = 0; p < v->tab[i].nout; p++)
			if (v->tab[i].out[p].dst)
				rv->src[fill[v->tab[i].out[p].dst]++] = i;
	free(fill);
}

/*
 * Deliver @ev (thesis 4.2.3): to the source block itself, then to the
 * blocks subscribed to it: its neighbours (both directions) in the new
 * version, or for DEL its neighbours in the old one.
 */
static void notify(struct notifier *n, const struct event *ev)
{
	bool del = ev->ev == LANA_EV_DEL;
	const struct lana_kgver *v = del ? n->old : n->v;
	struct rev *rv = del ? &n->rold : &n->rv;
	u32 idp = ev->src->b.idp, p, i;
	const struct lana_kgnode *g;

	n->stamp = ++lana_ev_stamp;
	notify_one(n, ev->src, ev);
	notify_one(n, ev->extra, ev);
	if (idp >= v->ntab || v->tab[idp].b != &ev->src->b)
		return;
	g = &v->tab[idp];
	for (p = 0; p < g->nout; p++)
		if (g->out[p].dst)
			notify_one(n, kinst(v->tab[g->out[p].dst].b), ev);
	if (!rv->start)
		rev_build(rv, v);
	for (i = rv->start[idp]; i < rv->start[idp + 1]; i++)
		notify_one(n, kinst(v->tab[rv->src[i]].b), ev);
}

/* ---------------------------------------------------------- transactions */

struct made {
	u32 insn;		/* 1-based instruction index */
	struct lana_kinst *ki;
};

struct undo_set {
	struct lana_kinst *ki;
	u32 pidx;
	struct lana_value old;
};

struct txn {
	struct lana_kgver *old;
	struct lana_kgver *nv;
	const struct lana_plan *edit;
	VEC(struct made) made;
	VEC(struct undo_set) undo;
	VEC(struct event) ev;
	char *err;
	size_t errlen;
};

static void insn_err(struct txn *t, u32 n, const char *msg)
{
	const struct lana_insn *in = &t->edit->insns.v[n - 1];

	if (in->op == LANA_OP_SET)
		set_err(t->err, t->errlen, "instruction %u (SET %u %s %s): %s",
			n, in->idp, in->name ? in->name : "",
			in->nparams ? in->params[0].key : "", msg);
	else
		set_err(t->err, t->errlen, "instruction %u (%s %u %s %s): %s",
			n, lana_op_name(in->op), in->idp,
			in->name ? in->name : "", in->type ? in->type : "",
			msg);
}

/* The instance at @idp after this transaction's constructors. */
static struct lana_kinst *txn_block(struct txn *t, u32 idp)
{
	if (idp < t->nv->ntab && t->nv->tab[idp].b)
		return kinst(t->nv->tab[idp].b);
	if (idp < t->old->ntab)
		return kinst(t->old->tab[idp].b);
	return NULL;
}

static bool is_made(struct txn *t, struct lana_kinst *ki)
{
	return ki->b.idp >= t->old->ntab ||
	       t->old->tab[ki->b.idp].b != &ki->b;
}

/* Undo the SETs applied to kept instances, newest first. */
static void txn_revert_sets(struct txn *t)
{
	u32 i;

	for (i = t->undo.n; i-- > 0;) {
		struct undo_set *u = &t->undo.v[i];

		if (!is_made(t, u->ki) && u->old.type != LANA_PT_NONE &&
		    u->ki->b.type->set &&
		    u->ki->b.type->set(&u->ki->b, u->pidx, &u->old))
			pr_err("lana: %s: could not restore parameter %u\n",
			       u->ki->b.name, u->pidx);
		u->ki->params[u->pidx] = u->old;
	}
}

static int txn_set(struct txn *t, u32 n, const struct lana_insn *in)
{
	struct lana_kinst *ki = txn_block(t, in->idp);
	struct lana_value nvl;
	struct undo_set u;
	char msg[128];
	int idx, r;

	if (!ki || !in->nparams) {
		insn_err(t, n, "no such block");
		return -EINVAL;
	}
	idx = lana_param_index(ki->b.type, in->params[0].key);
	if (idx < 0) {
		insn_err(t, n, "no such parameter");
		return -EINVAL;
	}
	if (!ki->b.type->set) {
		snprintf(msg, sizeof(msg),
			 "block type '%s' cannot change '%s' live",
			 ki->b.type->name, in->params[0].key);
		insn_err(t, n, msg);
		return -EOPNOTSUPP;
	}
	if (copy_value(ki, &nvl, &in->params[0].val)) {
		insn_err(t, n, "out of memory");
		return -ENOMEM;
	}
	ki->err[0] = 0;
	r = ki->b.type->set(&ki->b, (unsigned int)idx, &nvl);
	if (r) {
		if (r > 0)
			r = -r;
		snprintf(msg, sizeof(msg), "change refused (%d)", r);
		insn_err(t, n, ki->err[0] ? ki->err : msg);
		return r;
	}
	u.ki = ki;
	u.pidx = (u32)idx;
	u.old = ki->params[idx];
	VEC_PUSH(&t->undo, u);
	ki->params[idx] = nvl;
	return 0;
}

/* Constructors and SETs of the edit; all or nothing. */
static int txn_build(struct txn *t)
{
	const struct lana_plan *ed = t->edit;
	char msg[LANA_K_ERRLEN];
	u32 i;
	int r;

	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct made m;

		if (in->op != LANA_OP_NEW && in->op != LANA_OP_REPLACE)
			continue;
		msg[0] = 0;
		r = kinst_new(in, &m.ki, msg, sizeof(msg));
		if (r) {
			insn_err(t, i + 1, msg);
			return r;
		}
		m.insn = i + 1;
		VEC_PUSH(&t->made, m);
		/* an IDP made twice in one edit: the last one counts */
		t->nv->tab[in->idp].b = &m.ki->b;
	}
	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];

		if (in->op != LANA_OP_SET)
			continue;
		r = txn_set(t, i + 1, in);
		if (r) {
			txn_revert_sets(t);
			return r;
		}
	}
	return 0;
}

/* Destroy the instances this transaction made that are not in nv. */
static void txn_drop_made(struct txn *t, bool all)
{
	u32 i;

	for (i = 0; i < t->made.n; i++) {
		struct lana_kinst *ki = t->made.v[i].ki;

		if (all || t->nv->tab[ki->b.idp].b != &ki->b)
			kinst_free(ki);
	}
}

/* Events of the edit, for the notifier, and the list of leaving blocks. */
static void txn_events(struct txn *t)
{
	const struct lana_plan *ed = t->edit;
	struct lana_kgver *old = t->old, *nv = t->nv;
	u32 i;

	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct event ev = { 0 };

		switch (in->op) {
		case LANA_OP_BIND:
		case LANA_OP_REPLACE:	/* the new instance learns its bindings */
			ev.ev = LANA_EV_BIND;
			ev.src = txn_block(t, in->idp);
			break;
		case LANA_OP_UNBIND:
			ev.ev = LANA_EV_UNBIND;
			ev.src = txn_block(t, in->idp);
			ev.extra = txn_block(t, in->dst);
			break;
		case LANA_OP_SET:
			ev.ev = LANA_EV_SET;
			ev.src = txn_block(t, in->idp);
			break;
		default:
			break;
		}
		if (ev.src && ev.src->b.idp < nv->ntab &&
		    nv->tab[ev.src->b.idp].b == &ev.src->b)
			VEC_PUSH(&t->ev, ev);
	}
	/* leaving instances: in old, not (the same) in nv */
	for (i = 0; i < old->ntab; i++) {
		struct lana_block *b = old->tab[i].b;
		struct event ev = { .ev = LANA_EV_DEL };

		if (!b || (i < nv->ntab && nv->tab[i].b == b))
			continue;
		ev.src = kinst(b);
		ev.src->dead_next = old->dead;
		old->dead = ev.src;
		VEC_PUSH(&t->ev, ev);
	}
}

/*
 * Refuse NEW/REPLACE of a type the kernel does not run before the plan is
 * validated, so the message says so rather than complaining about the
 * parameters of a descriptor stub (blocks/catalogue.c).
 */
static int check_kernel_types(const struct lana_plan *p, char *err,
			      size_t errlen)
{
	u32 i;

	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_NEW && in->op != LANA_OP_REPLACE)
			continue;
		if (!in->type || !lana_catalogue_find(in->type) ||
		    kernel_type(in->type))
			continue;	/* unknown: validation reports it */
		set_err(err, errlen,
			"instruction %u (%s %u %s %s): block type '%s' does not run in the kernel engine",
			i + 1, lana_op_name(in->op), in->idp,
			in->name ? in->name : "", in->type, in->type);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int txn_run(struct lana_plan *plan, char *err, size_t errlen)
{
	struct txn t = { .old = cur_locked(), .err = err, .errlen = errlen };
	struct lana_plan diffed, np;
	struct notifier n = { 0 };
	bool have_diff = false;
	u32 i, max = 0;
	int r;

	lana_plan_init(&np);
	r = check_kernel_types(plan, err, errlen);
	if (r)
		return r;
	if (!(plan->flags & LANA_PLAN_F_EDIT)) {
		r = lana_plan_validate(plan, err, errlen);
		if (r)
			return r;
		r = lana_plan_diff(t.old->plan, plan, &diffed, NULL, err,
				   errlen);
		if (r)
			return r;
		have_diff = true;
		t.edit = &diffed;
	} else {
		u32 crc = lana_plan_crc(t.old->plan);

		if (plan->base_crc != crc) {
			set_err(err, errlen,
				"edit plan applies to base 0x%08x, the running graph is 0x%08x",
				plan->base_crc, crc);
			return -ESTALE;
		}
		r = lana_plan_validate(plan, err, errlen);
		if (r)
			return r;
		t.edit = plan;
	}
	r = lana_plan_apply(t.old->plan, t.edit, &np, err, errlen);
	if (r)
		goto out_np;
	r = lana_plan_validate(&np, err, errlen);
	if (r)
		goto out_np;
	for (i = 0; i < np.insns.n; i++)
		if (np.insns.v[i].op == LANA_OP_NEW && np.insns.v[i].idp > max)
			max = np.insns.v[i].idp;
	if (max >= LANA_K_MAX_IDP) {
		set_err(err, errlen,
			"IDP %u too large for the kernel engine (limit %u)",
			max, LANA_K_MAX_IDP - 1);
		r = -E2BIG;
		goto out_np;
	}
	t.nv = gver_alloc(max + 1);
	if (!t.nv) {
		set_err(err, errlen, "out of memory");
		r = -ENOMEM;
		goto out_np;
	}
	r = txn_build(&t);
	if (r) {
		txn_drop_made(&t, true);
		gver_destroy(t.nv);
		goto out_np;
	}
	*t.nv->plan = np;	/* moved */
	lana_plan_init(&np);
	r = gver_fill(t.nv, t.old);
	if (r) {
		txn_revert_sets(&t);
		/* gver_fill cleared nv->tab: free every instance we made */
		txn_drop_made(&t, true);
		gver_destroy(t.nv);
		set_err(err, errlen, "out of memory");
		goto out_np;
	}
	txn_drop_made(&t, false);
	txn_events(&t);

	t.nv->gen = ++lana_gen;
	rcu_assign_pointer(lana_cur, t.nv);

	n.v = t.nv;
	n.old = t.old;
	if (t.nv->nevent || t.old->nevent)
		for (i = 0; i < t.ev.n; i++)
			notify(&n, &t.ev.v[i]);
	free(n.rv.start);
	free(n.rv.src);
	free(n.rold.start);
	free(n.rold.src);
	/* no packet is inside the old version after a grace period */
	synchronize_rcu();
	gver_destroy(t.old);
	r = 0;
out_np:
	lana_plan_free(&np);
	if (have_diff)
		lana_plan_free(&diffed);
	VEC_FREE(&t.made);
	VEC_FREE(&t.undo);
	VEC_FREE(&t.ev);
	return r;
}

int lana_engine_apply(struct lana_plan *plan, char *err, size_t errlen)
{
	lockdep_assert_held(&lana_engine_lock);
	if (err && errlen)
		err[0] = 0;
	return txn_run(plan, err, errlen);
}

int lana_engine_flush(char *err, size_t errlen)
{
	struct lana_plan empty;
	int r;

	lana_plan_init(&empty);
	r = lana_engine_apply(&empty, err, errlen);
	lana_plan_free(&empty);
	return r;
}

u32 lana_engine_plan_crc(void)
{
	lockdep_assert_held(&lana_engine_lock);
	return lana_plan_crc(cur_locked()->plan);
}

int lana_engine_plan_bytes(struct lana_buf *out, u32 *crc, u64 *gen)
{
	struct lana_kgver *v = cur_locked();
	size_t start = out->len;
	char err[128];
	int r;

	r = lana_plan_encode(v->plan, out, err, sizeof(err));
	if (r)
		return r;
	/* the header's checksum field, as lanad reports it */
	*crc = lana_crc32(out->data + start + 24, out->len - start - 24);
	*gen = lana_gen;
	return 0;
}

/* ---------------------------------------------------------------- stats */

static void block_stats(const struct lana_kgnode *g, struct lana_kstats *s)
{
	const struct lana_block *b = g->b;
	int cpu;

	memset(s, 0, sizeof(*s));
	s->idp = b->idp;
	s->name = b->name;
	s->type = b->type->name;
	for_each_possible_cpu(cpu) {
		const struct lana_bcnt *c = lana_bcnt_cpu(b, cpu);

		s->packets += READ_ONCE(c->packets);
		s->bytes += READ_ONCE(c->bytes);
		s->drops += READ_ONCE(c->drops);
	}
	s->nstat = lana_block_stats(b, s->stat, ARRAY_SIZE(s->stat));
}

int lana_engine_block_stats(u32 *idp, const char *name,
			    struct lana_kstats *s)
{
	const struct lana_kgver *v = cur_locked();
	u32 i;

	for (i = name ? 0 : *idp; i < v->ntab; i++) {
		const struct lana_kgnode *g = &v->tab[i];

		if (!g->b || (name && strcmp(name, g->b->name)))
			continue;
		block_stats(g, s);
		*idp = i;
		return 0;
	}
	return -ENOENT;
}

void lana_engine_counters(struct lana_kcounters *c, u64 *generation)
{
	lana_ppe_counters(c);
	*generation = READ_ONCE(lana_gen);
}

/* ------------------------------------------------------------ lifecycle */

int lana_engine_init(void)
{
	struct lana_kgver *v;
	int r;

	r = lana_ppe_init();
	if (r)
		return r;
	v = gver_alloc(1);
	if (!v) {
		lana_ppe_exit();
		return -ENOMEM;
	}
	lana_plan_crc(v->plan);
	RCU_INIT_POINTER(lana_cur, v);
	return 0;
}

void lana_engine_exit(void)
{
	struct lana_kgver *v;
	u32 i;

	mutex_lock(&lana_engine_lock);
	v = cur_locked();
	RCU_INIT_POINTER(lana_cur, NULL);
	/* no new packet enters; wait for those inside, then destroy */
	synchronize_rcu();
	for (i = 0; i < v->ntab; i++) {
		struct lana_kinst *ki = kinst(v->tab[i].b);

		if (ki) {
			ki->dead_next = v->dead;
			v->dead = ki;
		}
	}
	gver_destroy(v);
	mutex_unlock(&lana_engine_lock);
	lana_ppe_exit();
}
