// SPDX-License-Identifier: GPL-2.0
/*
 * engine/txn.c - transactions (thesis 4.2.4, 5.2.4) of both engines.
 *
 * lana_txn_begin() turns the plan given into the edit to run: a full plan
 * is validated and diffed against the running one (blocks both have keep
 * their instance and state), an edit plan must name the running plan's
 * checksum as its base. A build path then makes the next version: the
 * constructors (NEW, REPLACE) and live changes (SET) run first and are
 * undone on any failure, so the running version is untouched; the next
 * version's table is built (kept instances are the same objects),
 * published with one pointer swap, the notifier delivers the events, and
 * the old version goes with the instances that left, after a grace
 * period. lana_txn_full() is the full build path; the userspace engine
 * also has an incremental one (runtime/txn_inc.c) made of the same steps.
 */
#include "txn.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void txn_errf(struct lana_txn *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void txn_errf(struct lana_txn *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->err || !t->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(t->err, t->errlen, fmt, ap);
	va_end(ap);
}

/* The message of instruction @n (1-based) of @p: "instruction 3 (NEW ...)". */
static void insn_err(struct lana_txn *t, const struct lana_plan *p,
		     uint32_t n, const char *msg)
{
	const struct lana_insn *in = &p->insns.v[n - 1];

	if (in->op == LANA_OP_SET)
		txn_errf(t, "instruction %u (SET %u %s %s): %s", n, in->idp,
			 in->name ? in->name : "",
			 in->nparams ? in->params[0].key : "", msg);
	else
		txn_errf(t, "instruction %u (%s %u %s %s): %s", n,
			 lana_op_name(in->op), in->idp,
			 in->name ? in->name : "", in->type ? in->type : "",
			 msg);
}

/* ------------------------------------------------------------- prologue */

/*
 * Refuse NEW/REPLACE of a catalogue type the engine does not run before
 * the plan is validated (glue types_first), so the message says so rather
 * than complaining about the parameters of a descriptor stub.
 */
static int check_types(struct lana_txn *t, const struct lana_plan *p)
{
	const struct lana_block_type *bt;
	char msg[LANA_INST_ERRLEN];
	uint32_t i;
	int r;

	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_NEW && in->op != LANA_OP_REPLACE)
			continue;
		if (!in->type || !lana_catalogue_find(in->type))
			continue;	/* unknown: validation reports it */
		r = t->core->glue->type_find(in->type, &bt, msg, sizeof(msg));
		if (r) {
			insn_err(t, p, i + 1, msg);
			return r;
		}
	}
	return 0;
}

static int plan_ready(struct lana_txn *t)
{
	const struct lana_glue *gl = t->core->glue;
	int r = gl->plan_ready ? gl->plan_ready(t->old) : 0;

	if (r == -ENOMEM)
		txn_errf(t, "out of memory");
	else if (r)
		txn_errf(t, "cannot build the running plan (%d)", r);
	return r;
}

/*
 * Room for what the build path records, so that it cannot run out of
 * memory half-way: t->made (one per NEW/REPLACE), t->undo and t->relive
 * (one per SET), t->ev (two per instruction: its own event and a leaving
 * instance's). The live objects' records are allocated by txn_relive(),
 * which can fail and undo.
 */
static int txn_reserve(struct lana_txn *t)
{
	const struct lana_plan *ed = t->edit;
	uint32_t i, nmade = 0, nset = 0;

	for (i = 0; i < ed->insns.n; i++) {
		unsigned int op = ed->insns.v[i].op;

		if (op == LANA_OP_NEW || op == LANA_OP_REPLACE)
			nmade++;
		else if (op == LANA_OP_SET)
			nset++;
	}
	if (VEC_TRY_RESERVE(&t->made, nmade) ||
	    VEC_TRY_RESERVE(&t->undo, nset) ||
	    VEC_TRY_RESERVE(&t->relive, nset) ||
	    VEC_TRY_RESERVE(&t->ev, 2 * (uint64_t)ed->insns.n)) {
		txn_errf(t, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* A full plan: validated, then diffed against the running plan. */
static int begin_full(struct lana_txn *t, const struct lana_plan *plan)
{
	int r;

	r = lana_plan_validate(plan, t->err, t->errlen);
	if (!r)
		r = plan_ready(t);
	if (r)
		return r;
	t->owned = malloc(sizeof(*t->owned));
	if (!t->owned) {
		txn_errf(t, "out of memory");
		return -ENOMEM;
	}
	r = lana_plan_diff(t->old->plan, plan, t->owned, NULL, t->err,
			   t->errlen);
	if (r) {
		free(t->owned);
		t->owned = NULL;
		return r;
	}
	t->edit = t->owned;
	return 0;
}

/* An edit plan: its base must be the running plan, then validated. */
static int begin_edit(struct lana_txn *t, const struct lana_plan *plan)
{
	uint32_t crc;
	int r;

	r = plan_ready(t);
	if (r)
		return r;
	crc = lana_plan_crc(t->old->plan);
	if (plan->base_crc != crc) {
		txn_errf(t, "edit plan applies to base 0x%08x, the running graph is 0x%08x",
			 plan->base_crc, crc);
		return -ESTALE;
	}
	r = lana_plan_validate(plan, t->err, t->errlen);
	if (r)
		return r;
	t->edit = plan;
	return 0;
}

int lana_txn_begin(struct lana_txn *t, struct lana_core *c,
		   struct lana_graph *old, const struct lana_plan *plan,
		   char *err, size_t errlen)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->core = c;
	t->old = old;
	t->err = err;
	t->errlen = errlen;
	if (c->glue->types_first) {
		r = check_types(t, plan);
		if (r)
			return r;
	}
	if (!(plan->flags & LANA_PLAN_F_EDIT))
		r = begin_full(t, plan);
	else
		r = begin_edit(t, plan);
	if (!r) {
		r = txn_reserve(t);
		if (r)
			lana_txn_end(t);
	}
	return r;
}

void lana_txn_end(struct lana_txn *t)
{
	if (t->owned) {
		lana_plan_free(t->owned);
		free(t->owned);
		t->owned = NULL;
	}
	VEC_FREE(&t->made);
	VEC_FREE(&t->undo);
	VEC_FREE(&t->relive);
	VEC_FREE(&t->ev);
}

/* ------------------------------------------------- constructors and SET */

/* The instance at @idp after this transaction's constructors. */
static struct lana_inst *txn_block(struct lana_txn *t, uint32_t idp)
{
	if (idp < t->nv->ntab && t->nv->tab[idp].b)
		return lana_inst_of(t->nv->tab[idp].b);
	if (idp < t->old->ntab)
		return lana_inst_of(t->old->tab[idp].b);
	return NULL;
}

static bool is_made(struct lana_txn *t, const struct lana_inst *in)
{
	return in->b.idp >= t->old->ntab ||
	       t->old->tab[in->b.idp].b != &in->b;
}

/* The slot of @in in the version being built, if it is there yet. */
static struct lana_gnode *nv_slot(struct lana_txn *t, struct lana_inst *in)
{
	uint32_t idp = in->b.idp;

	if (idp < t->nv->ntab && t->nv->tab[idp].b == &in->b)
		return &t->nv->tab[idp];
	return NULL;
}

/* Put back the live objects the running version holds; free the new. */
static void revert_lives(struct lana_txn *t)
{
	uint32_t i;

	for (i = t->relive.n; i-- > 0;) {
		struct lana_relive *r = &t->relive.v[i];
		struct lana_inst *in = r->in;
		struct lana_gnode *g = nv_slot(t, in);

		if (in->live)
			in->b.type->live_free(in->live);
		in->live = r->old;
		if (g)
			g->live = r->old;
		free(r->rec);
	}
	t->relive.n = 0;
}

void lana_txn_revert_sets(struct lana_txn *t)
{
	char msg[LANA_INST_ERRLEN];
	uint32_t i;

	revert_lives(t);
	for (i = t->undo.n; i-- > 0;) {
		struct lana_undo *u = &t->undo.v[i];
		struct lana_inst *in = u->in;

		in->live_dirty = false;
		if (!is_made(t, in) && u->old.type != LANA_PT_NONE &&
		    in->b.type->set &&
		    in->b.type->set(&in->b, u->pidx, &u->old)) {
			snprintf(msg, sizeof(msg),
				 "%s: could not restore parameter %u",
				 in->b.name, u->pidx);
			t->core->glue->log(t->core, msg);
		}
		in->params[u->pidx] = u->old;
	}
	t->undo.n = 0;
}

/*
 * SET instruction @n (1-based) @insn: the new value into the instance's
 * parameters (the old one kept on t->undo) and the type's set op, if it
 * has one; the live object is rebuilt later, once per instance.
 */
static int txn_set(struct lana_txn *t, uint32_t n,
		   const struct lana_insn *insn)
{
	struct lana_inst *in = txn_block(t, insn->idp);
	char msg[LANA_INST_ERRLEN];
	struct lana_value nvl;
	struct lana_undo u;
	int idx, r;

	if (!in || !insn->nparams) {
		insn_err(t, t->edit, n, "no such block");
		return -EINVAL;
	}
	idx = lana_param_index(in->b.type, insn->params[0].key);
	if (idx < 0) {
		insn_err(t, t->edit, n, "no such parameter");
		return -EINVAL;
	}
	if (!in->b.type->set && !in->b.type->live) {
		snprintf(msg, sizeof(msg),
			 "block type '%s' cannot change '%s' live",
			 in->b.type->name, insn->params[0].key);
		insn_err(t, t->edit, n, msg);
		return -EOPNOTSUPP;
	}
	if (lana_inst_copy_value(in, &nvl, &insn->params[0].val)) {
		insn_err(t, t->edit, n, "out of memory");
		return -ENOMEM;
	}
	in->err[0] = 0;
	r = in->b.type->set ? in->b.type->set(&in->b, (unsigned int)idx, &nvl)
			    : 0;
	if (r) {
		if (r > 0)
			r = -r;
		if (!in->err[0])
			t->core->glue->op_failed(LANA_OP_SET, r, msg,
						 sizeof(msg));
		insn_err(t, t->edit, n, in->err[0] ? in->err : msg);
		return r;
	}
	u.in = in;
	u.pidx = (uint32_t)idx;
	u.insn = n;
	u.old = in->params[idx];
	VEC_PUSH(&t->undo, u);
	in->params[idx] = nvl;
	in->live_dirty = true;
	return 0;
}

/*
 * New live objects of the instances the SETs changed (undo entry @u names
 * the first SET of each), into their slots of t->nv; the running version
 * keeps its own until it is freed.
 */
static int txn_relive(struct lana_txn *t)
{
	char msg[LANA_INST_ERRLEN];
	uint32_t i;
	int r;

	for (i = 0; i < t->undo.n; i++) {
		struct lana_undo *u = &t->undo.v[i];
		struct lana_inst *in = u->in;
		struct lana_relive rl = { .in = in, .old = in->live };
		struct lana_gnode *g;
		void *obj = NULL;

		if (!in->live_dirty)
			continue;
		in->live_dirty = false;
		if (!in->b.type->live)
			continue;
		rl.rec = calloc(1, sizeof(*rl.rec));
		if (!rl.rec) {
			insn_err(t, t->edit, u->insn, "out of memory");
			return -ENOMEM;
		}
		in->err[0] = 0;
		r = in->b.type->live(&in->b, in->params, &obj);
		if (r) {
			free(rl.rec);
			if (r > 0)
				r = -r;
			if (!in->err[0])
				t->core->glue->op_failed(LANA_OP_SET, r, msg,
							 sizeof(msg));
			insn_err(t, t->edit, u->insn,
				 in->err[0] ? in->err : msg);
			return r;
		}
		VEC_PUSH(&t->relive, rl);
		in->live = obj;
		g = nv_slot(t, in);
		if (g)
			g->live = obj;
	}
	return 0;
}

int lana_txn_build(struct lana_txn *t)
{
	const struct lana_plan *ed = t->edit;
	char msg[LANA_INST_ERRLEN];
	uint32_t i;
	int r;

	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct lana_made m;

		if (in->op != LANA_OP_NEW && in->op != LANA_OP_REPLACE)
			continue;
		msg[0] = 0;
		r = lana_inst_new(t->core, in, &m.in, msg, sizeof(msg));
		if (r) {
			insn_err(t, ed, i + 1, msg);
			return r;
		}
		m.insn = i + 1;
		VEC_PUSH(&t->made, m);
		/* an IDP made twice in one edit: the last one counts */
		t->nv->tab[in->idp].b = &m.in->b;
	}
	for (i = 0; i < ed->insns.n; i++) {
		if (ed->insns.v[i].op != LANA_OP_SET)
			continue;
		r = txn_set(t, i + 1, &ed->insns.v[i]);
		if (r)
			goto fail;
	}
	r = txn_relive(t);
	if (!r)
		return 0;
fail:
	lana_txn_revert_sets(t);
	return r;
}

void lana_txn_drop_made(struct lana_txn *t, bool all)
{
	uint32_t i;

	for (i = 0; i < t->made.n; i++) {
		struct lana_inst *in = t->made.v[i].in;

		if (all || t->nv->tab[in->b.idp].b != &in->b)
			lana_inst_free(t->core, in);
	}
	t->made.n = 0;
}

/* --------------------------------------------------------------- events */

void lana_txn_edit_events(struct lana_txn *t)
{
	const struct lana_plan *ed = t->edit;
	const struct lana_graph *nv = t->nv;
	uint32_t i;

	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct lana_event ev = { 0 };

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
}

void lana_txn_leave(struct lana_txn *t, struct lana_inst *in)
{
	struct lana_event ev = { .ev = LANA_EV_DEL, .src = in };

	in->dead_next = t->old->dead;
	t->old->dead = in;
	VEC_PUSH(&t->ev, ev);
}

/* Leaving instances of a full build: in old, not (the same) in nv. */
static void txn_leaving_scan(struct lana_txn *t)
{
	const struct lana_graph *old = t->old, *nv = t->nv;
	uint32_t i;

	for (i = 0; i < old->ntab; i++) {
		struct lana_block *b = old->tab[i].b;

		if (b && !(i < nv->ntab && nv->tab[i].b == b))
			lana_txn_leave(t, lana_inst_of(b));
	}
}

void lana_txn_publish(struct lana_txn *t)
{
	struct lana_core *c = t->core;
	struct lana_notifier n = { .core = c, .v = t->nv, .old = t->old };
	uint32_t i;

	t->nv->gen = ++c->gen;
	c->glue->publish(c, t->nv);
	/* the replaced live objects go when the running version goes */
	for (i = 0; i < t->relive.n; i++) {
		struct lana_relive *r = &t->relive.v[i];

		if (!r->old) {
			free(r->rec);
			continue;
		}
		r->rec->obj = r->old;
		r->rec->release = r->in->b.type->live_free;
		r->rec->next = t->old->dead_live;
		t->old->dead_live = r->rec;
	}
	t->relive.n = 0;
	if (t->nv->nevent || t->old->nevent)
		for (i = 0; i < t->ev.n; i++)
			lana_notify(&n, &t->ev.v[i]);
	lana_notifier_free(&n);
	c->glue->retire(c, t->old);
}

/* ------------------------------------------------------- the full path */

/*
 * The next full plan @np (initialised here): lana_plan_apply() of the
 * edit, validated; *@ntab: the table size it needs.
 */
static int next_plan(struct lana_txn *t, struct lana_plan *np, uint32_t *ntab)
{
	uint32_t i, max = 0;
	int r;

	lana_plan_init(np);
	r = lana_plan_apply(t->old->plan, t->edit, np, t->err, t->errlen);
	if (!r)
		r = lana_plan_validate(np, t->err, t->errlen);
	if (r)
		return r;
	for (i = 0; i < np->insns.n; i++)
		if (np->insns.v[i].op == LANA_OP_NEW && np->insns.v[i].idp > max)
			max = np->insns.v[i].idp;
	if (max >= LANA_MAX_IDP) {
		txn_errf(t, "IDP %u too large for the %s (limit %u)", max,
			 t->core->glue->name, LANA_MAX_IDP - 1);
		return -E2BIG;
	}
	*ntab = max + 1;
	return 0;
}

/*
 * Fill t->nv from its plan and set its loop guard; on failure the SETs
 * are undone. glue full_built comes last: nothing fails after it.
 */
static int full_fill(struct lana_txn *t)
{
	const struct lana_glue *gl = t->core->glue;
	int r;

	r = lana_graph_fill(t->core, t->nv, t->old);
	if (!r)
		r = lana_graph_hops(t->nv, &t->nv->max_hops);
	if (!r && gl->full_built)
		r = gl->full_built(t);
	if (!r)
		return 0;
	lana_txn_revert_sets(t);
	if (r == -ENOMEM)
		txn_errf(t, "out of memory");
	else
		txn_errf(t, "cannot build the graph table (%d)", r);
	return r;
}

int lana_txn_full(struct lana_txn *t)
{
	struct lana_plan np;
	uint32_t ntab = 0;
	int r;

	r = next_plan(t, &np, &ntab);
	if (r)
		goto out;
	t->nv = lana_graph_new(t->core, ntab);
	if (!t->nv) {
		txn_errf(t, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = lana_txn_build(t);
	if (r)
		goto fail;
	*t->nv->plan = np;	/* moved; its crc is computed on demand */
	lana_plan_init(&np);
	r = full_fill(t);
	if (r)
		goto fail;
	lana_txn_drop_made(t, false);
	lana_txn_edit_events(t);
	txn_leaving_scan(t);
	lana_txn_publish(t);
	goto out;
fail:
	/* lana_graph_fill clears nv->tab: free every instance made */
	lana_txn_drop_made(t, true);
	lana_graph_free(t->core, t->nv);
	t->nv = NULL;
out:
	lana_plan_free(&np);
	return r;
}
