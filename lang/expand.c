// SPDX-License-Identifier: GPL-2.0
/*
 * lang/expand.c - phase 3 of the compiler: compound instantiation and
 * flattening. A scope (the top-level file or a compound body) is expanded
 * in two passes: every block instance is created in source order, so that
 * a chain may name a block declared further down, then the chains are
 * connected (lang/connect.c). A compound instance gets a scope of its own:
 * its parameters bound to the arguments (evaluated in the instantiating
 * scope) or to their defaults, its boundary ports visible by name, its
 * blocks named hierarchically (`tr/vlan0`) and anonymous blocks TYPE + index
 * per scope. Unknown types and parameters get a did-you-mean suggestion.
 */
#include "compile_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---------------------------------------------- did-you-mean suggestions */

static unsigned int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Best candidate within distance 2 (and less than the name's length). */
struct suggest {
	const char *name;
	const char *best;
	unsigned int dist;
};

static void suggest_try(struct suggest *sg, const char *cand)
{
	unsigned int d = edit_distance(sg->name, cand);

	if (d < sg->dist && d <= 2 && d < strlen(sg->name)) {
		sg->dist = d;
		sg->best = cand;
	}
}

static const char *type_suggestion(struct ctx *c, const char *name)
{
	struct suggest sg = { name, NULL, 99 };
	unsigned int i;

	for (i = 0; i < lana_catalogue_count(); i++)
		suggest_try(&sg, lana_catalogue_at(i)->name);
	for (i = 0; i < c->compounds.n; i++)
		suggest_try(&sg, c->compounds.v[i].ast->name);
	return sg.best;
}

/* --------------------------------------------------------------- blocks */

static uint32_t catalogue_index(const struct lana_block_type *bt)
{
	unsigned int i;

	for (i = 0; i < lana_catalogue_count(); i++)
		if (lana_catalogue_at(i) == bt)
			return i;
	return 0;
}

/* See compile_internal.h (lc_type_default()). */
static const struct lana_value *type_default(struct ctx *c,
					     const struct lana_block_type *bt,
					     uint32_t pi)
{
	uint32_t ti = catalogue_index(bt);
	const struct lana_param *p = &bt->params[pi];
	struct lana_value *d;
	char err[512];

	if (!c->defaults[ti]) {
		uint32_t n = lana_param_count(bt);

		c->defaults[ti] = lana_arena_alloc(c->val_arena,
						   sizeof(struct lana_value) *
						   (n + 1));
	}
	d = &c->defaults[ti][pi];
	if (d->type == LANA_PT_NONE && p->def) {
		if (p->type == LANA_PT_LIST) {
			/* list defaults are written as "a,b" without brackets */
			d->type = LANA_PT_LIST;
			d->list.elem = p->elem;
		} else if (lana_value_parse(c->val_arena, p->type, p, p->def, d,
					    err, sizeof(err))) {
			lana_error(c->s, (struct lana_loc){ 0 },
				   "catalogue: default of %s.%s: %s", bt->name,
				   p->name, err);
			d->type = LANA_PT_NONE;
		}
	}
	return d;
}

/* See compile_internal.h. */
uint64_t lc_count_cb(const char *name, void *arg)
{
	struct count_ctx *cc = arg;
	int i = lana_param_index(cc->bt, name);

	if (i < 0)
		return 1;
	return lana_value_as_uint(&cc->params[i]);
}

static uint32_t add_block(struct ctx *c, const char *name,
			  const struct lana_block_type *bt,
			  struct lana_value *params, struct lana_loc loc)
{
	struct block b = { 0 };
	struct count_ctx cc = { bt, params };
	uint32_t i;

	b.name = name;
	b.bt = bt;
	b.params = params;
	b.loc = loc;
	b.host = c->cur_host;
	b.nin = lana_port_count(bt, LANA_PORT_IN, lc_count_cb, &cc);
	b.nout = lana_port_count(bt, LANA_PORT_OUT, lc_count_cb, &cc);
	b.in_base = c->in_owner.n;
	b.out_base = c->out_tgt.n;
	for (i = 0; i < b.nin; i++)
		VEC_PUSH(&c->in_owner, c->blocks.n);
	for (i = 0; i < b.nout; i++) {
		struct lana_loc z = { 0 };

		VEC_PUSH(&c->out_tgt, NONE);
		VEC_PUSH(&c->out_loc, z);
	}
	VEC_PUSH(&c->blocks, b);
	return c->blocks.n - 1;
}

/* See compile_internal.h. */
uint32_t lc_add_block(struct ctx *c, const char *name,
		      const struct lana_block_type *bt,
		      struct lana_value *params, struct lana_loc loc)
{
	return add_block(c, name, bt, params, loc);
}

/* See compile_internal.h. */
const struct lana_value *lc_type_default(struct ctx *c,
					 const struct lana_block_type *bt,
					 uint32_t pi)
{
	return type_default(c, bt, pi);
}

/*
 * Could explicit name @name equal an anonymous block's name (TYPE + index,
 * e.g. "drop3")? Only such names need to be remembered for anon_name().
 */
static bool may_clash_with_anon(struct ctx *c, const char *name)
{
	size_t n = strlen(name), k = n;
	char type[64];

	while (k && name[k - 1] >= '0' && name[k - 1] <= '9')
		k--;
	if (k == n || k == 0 || k >= sizeof(type))
		return false;
	memcpy(type, name, k);
	type[k] = '\0';
	return lana_catalogue_find(type) ||
	       lana_map_get(&c->compound_map, type, NULL);
}

static const char *anon_name(struct ctx *c, struct scope *sc, const char *type)
{
	uint32_t idx, n;
	const char *name;

	if (!lana_map_get(&sc->anon, type, &idx)) {
		idx = sc->anon_counts.n;
		VEC_PUSH(&sc->anon_counts, 0);
		lana_map_put(&sc->anon, type, idx, NULL);
	}
	for (;;) {
		n = sc->anon_counts.v[idx]++;
		name = lana_arena_printf(c->ast_arena, "%s%u", type, n);
		if (!lana_map_get(&sc->declared, name, NULL))
			return name;
	}
}

static uint32_t expand_compound(struct ctx *c, struct scope *outer,
				struct compound_def *d, const char *full,
				const struct ast_elem *e);

/* The full (hierarchical) name of element @e in @sc: "tr/vlan0". */
static const char *full_name(struct ctx *c, struct scope *sc,
			     const struct ast_elem *e)
{
	const char *local = e->name ? e->name : anon_name(c, sc, e->type);

	return sc->prefix[0] ?
	       lana_arena_printf(c->ast_arena, "%s%s", sc->prefix, local) :
	       local;
}

/* Element @e instantiates compound @d. */
static uint32_t instantiate_compound(struct ctx *c, struct scope *sc,
				     const struct ast_elem *e,
				     struct compound_def *d)
{
	const char *full = full_name(c, sc, e);

	d->used = true;
	mark_file_used(c, d->file);
	return expand_compound(c, sc, d, full, e);
}

static void unknown_type_error(struct ctx *c, struct scope *sc,
			       const struct ast_elem *e)
{
	const char *sug;

	if (!should_report(c, e->type_loc, ONCE_UNKNOWN_TYPE))
		return;
	sug = type_suggestion(c, e->type);
	if (sug)
		lana_error(c->s, e->type_loc,
			   "unknown block type '%s'; did you mean '%s'?",
			   e->type, sug);
	else
		lana_error(c->s, e->type_loc,
			   "unknown block type '%s' (see 'lanarun types')",
			   e->type);
	note_expansion(c, sc);
}

/* Report @bt if no engine the plan is compiled for supports it. */
static void check_engine(struct ctx *c, struct scope *sc,
			 const struct ast_elem *e,
			 const struct lana_block_type *bt)
{
	if (!c->o || !c->o->engines || (bt->engines & c->o->engines) ||
	    !should_report(c, e->type_loc, ONCE_ENGINE))
		return;
	lana_error(c->s, e->type_loc,
		   "block type '%s' is not supported by the %s engine",
		   bt->name, c->o->engines == LANA_ENGINE_KERNEL ? "kernel" :
		   "userspace");
	note_expansion(c, sc);
}

static void unknown_param_error(struct ctx *c, struct scope *sc,
				const struct ast_arg *arg,
				const struct lana_block_type *bt)
{
	struct suggest sg = { arg->key, NULL, 99 };
	const struct lana_param *p;

	if (!should_report(c, arg->key_loc, ONCE_UNKNOWN_PARAM))
		return;
	for (p = bt->params; p->name; p++)
		suggest_try(&sg, p->name);
	if (sg.best)
		lana_error(c->s, arg->key_loc,
			   "unknown parameter '%s' for block type '%s'; did you mean '%s'?",
			   arg->key, bt->name, sg.best);
	else
		lana_error(c->s, arg->key_loc,
			   "unknown parameter '%s' for block type '%s'",
			   arg->key, bt->name);
	note_expansion(c, sc);
}

/*
 * Argument @i of element @e sets its parameter of block type @bt in
 * @params (the block is @full in messages). False on error.
 */
static bool set_arg(struct ctx *c, struct scope *sc, const struct ast_elem *e,
		    uint32_t i, const struct lana_block_type *bt,
		    const char *full, struct lana_value *params)
{
	const struct ast_arg *arg = &e->args[i];
	int pi = lana_param_index(bt, arg->key);
	char what[512];
	uint32_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(e->args[j].key, arg->key))
			break;
	if (j < i) {
		if (should_report(c, arg->key_loc, ONCE_PARAM_TWICE)) {
			lana_error(c->s, arg->key_loc,
				   "parameter '%s' given twice", arg->key);
			lana_note(c->s, e->args[j].key_loc, "first given here");
		}
		return false;
	}
	if (pi < 0) {
		unknown_param_error(c, sc, arg, bt);
		return false;
	}
	snprintf(what, sizeof(what), "parameter '%s' of '%s' (%s)", arg->key,
		 full, bt->name);
	if (!lc_resolve_value(c, sc, arg->val, bt->params[pi].type,
			      &bt->params[pi], what, &params[pi])) {
		/* the default stands in, e.g. for port counts */
		memset(&params[pi], 0, sizeof(params[pi]));
		return false;
	}
	return true;
}

/*
 * The parameters of @bt that element @e does not set: an error for a
 * required one, else the type's default. False on error.
 */
static bool set_defaults(struct ctx *c, struct scope *sc,
			 const struct ast_elem *e,
			 const struct lana_block_type *bt,
			 struct lana_value *params)
{
	uint32_t np = lana_param_count(bt), i, j;
	bool ok = true;

	for (i = 0; i < np; i++) {
		const struct lana_param *p = &bt->params[i];
		bool given = false;

		for (j = 0; j < e->nargs; j++)
			if (!strcmp(e->args[j].key, p->name))
				given = true;
		if (given)
			continue;
		if (p->flags & LANA_PF_REQUIRED) {
			if (should_report(c, e->type_loc, ONCE_MISSING_PARAM)) {
				lana_error(c->s, e->type_loc,
					   "missing required parameter '%s' for block type '%s'",
					   p->name, bt->name);
				note_expansion(c, sc);
			}
			ok = false;
		} else if (p->def) {
			params[i] = *type_default(c, bt, i);
		}
	}
	return ok;
}

/*
 * Element @e of scope @sc (a block, or an instance of compound @d that
 * expands to @n blocks) would take the graph past the block cap: report it
 * at @e, the instantiation that crosses the cap, and stop the expansion.
 */
static void block_cap_error(struct ctx *c, struct scope *sc,
			    const struct ast_elem *e,
			    const struct compound_def *d, uint64_t n)
{
	uint64_t total = n > UINT64_MAX - c->blocks.n ? UINT64_MAX :
			 c->blocks.n + n;

	c->halt = true;
	if (d) {
		lana_error(c->s, e->type_loc,
			   "block '%s' expands to %s%llu blocks: this instance would take the graph to %s%llu blocks, past the limit of %u (--max-blocks)",
			   d->ast->name, n == UINT64_MAX ? "more than " : "",
			   (unsigned long long)n,
			   total == UINT64_MAX ? "more than " : "",
			   (unsigned long long)total, c->max_blocks);
		lana_note(c->s, d->ast->loc, "block '%s' is defined here",
			  d->ast->name);
	} else {
		lana_error(c->s, e->type_loc,
			   "the graph has more than %u blocks, the limit (--max-blocks)",
			   c->max_blocks);
	}
	note_expansion(c, sc);
}

/*
 * The type's own check of element @e's resolved @params (the block is
 * @full in messages; blocks/lana_block.h, struct lana_block_type.check):
 * an error at the list item at fault, else at the value, else (the
 * parameter not given) at the block type. False on error.
 */
static bool type_check(struct ctx *c, struct scope *sc,
		       const struct ast_elem *e,
		       const struct lana_block_type *bt, const char *full,
		       const struct lana_value *params)
{
	unsigned int bad_param = 0, bad_item = -1u;
	struct lana_loc loc = e->type_loc;
	char msg[512];
	uint32_t j;

	msg[0] = '\0';
	if (!bt->check(params, &bad_param, &bad_item, msg, sizeof(msg)))
		return true;
	if (bad_param >= lana_param_count(bt))
		bad_param = 0;
	for (j = 0; j < e->nargs; j++) {
		const struct ast_value *v = e->args[j].val;

		if (strcmp(e->args[j].key, bt->params[bad_param].name))
			continue;
		loc = v->loc;
		if (v->kind == AST_VAL_LIST && bad_item < v->nitems)
			loc = v->items[bad_item]->loc;
	}
	if (should_report(c, loc, ONCE_VALUE)) {
		lana_error(c->s, loc, "parameter '%s' of '%s' (%s): %s",
			   bt->params[bad_param].name, full, bt->name, msg);
		note_expansion(c, sc);
	}
	return false;
}

/*
 * Create the instance for element @e (declaration or anonymous) in scope
 * @sc. Returns an encoded reference (REF_*), or NONE on error.
 */
static uint32_t instantiate(struct ctx *c, struct scope *sc,
			    const struct ast_elem *e)
{
	const struct lana_block_type *bt = lana_catalogue_find(e->type);
	struct lana_value *params;
	const char *full;
	uint32_t np, i, bi, cidx;
	bool ok = true;

	if (!bt) {
		if (lana_map_get(&c->compound_map, e->type, &cidx))
			return instantiate_compound(c, sc, e,
						    &c->compounds.v[cidx]);
		unknown_type_error(c, sc, e);
		return NONE;
	}
	if (c->blocks.n >= c->max_blocks) {
		block_cap_error(c, sc, e, NULL, 1);
		return NONE;
	}
	check_engine(c, sc, e, bt);
	full = full_name(c, sc, e);
	np = lana_param_count(bt);
	params = lana_arena_alloc(c->val_arena, sizeof(*params) * (np + 1));
	for (i = 0; i < e->nargs; i++)
		ok &= set_arg(c, sc, e, i, bt, full, params);
	ok &= set_defaults(c, sc, e, bt, params);
	if (ok && bt->check)
		ok = type_check(c, sc, e, bt, full, params);
	if (!ok) {
		/* keep the block so that connections still get checked, but
		 * with safe defaults for port counts */
		for (i = 0; i < np; i++)
			if (params[i].type == LANA_PT_NONE && bt->params[i].def)
				params[i] = *type_default(c, bt, i);
	}
	bi = add_block(c, full, bt, params, e->loc);
	c->blocks.v[bi].bad = !ok;
	return REF_BLOCK | bi;
}

/* --------------------------------------------- the passes over a scope */

/* Resolve a reference element (a bare name). */
static uint32_t lookup_ref(struct ctx *c, struct scope *sc,
			   const struct ast_elem *e)
{
	uint32_t ref;

	if (lana_map_get(&sc->names, e->name, &ref))
		return ref;
	if (should_report(c, e->name_loc, ONCE_UNDECLARED_BLOCK)) {
		if (lana_catalogue_find(e->name) ||
		    lana_map_get(&c->compound_map, e->name, NULL))
			lana_error(c->s, e->name_loc,
				   "undeclared block '%s'; to create an anonymous block write '%s()'",
				   e->name, e->name);
		else
			lana_error(c->s, e->name_loc, "undeclared block '%s'",
				   e->name);
		note_expansion(c, sc);
	}
	return NONE;
}

/*
 * @ref had an error: its block (or the boundary ports of its compound
 * instance) raise no follow-on errors such as "not connected".
 */
static void poison_ref(struct ctx *c, uint32_t ref)
{
	uint32_t i;

	if (ref == NONE)
		return;
	if (REF_KIND(ref) == REF_BLOCK) {
		c->blocks.v[REF_IDX(ref)].bad = true;
	} else if (REF_KIND(ref) == REF_INST) {
		struct inst *in = &c->insts.v[REF_IDX(ref)];

		for (i = 0; i < in->def->nin + in->def->nout; i++)
			if (c->vnodes.v[in->vin_base + i].target == NONE)
				c->vnodes.v[in->vin_base + i].target = EP_ERROR;
	}
}

/*
 * Pass 0 of lc_expand_body(): remember the explicit names that anonymous
 * names must avoid, and define a compound body's constants. Returns the
 * number of chain elements.
 */
static uint32_t declare_names(struct ctx *c, struct scope *sc,
			      const struct ast_body *body, uint32_t file)
{
	uint32_t i, j, nel = 0;

	for (i = 0; i < body->n; i++) {
		const struct ast_stmt *st = &body->stmts[i];

		if (st->kind == AST_STMT_CHAIN) {
			for (j = 0; j < st->chain.n; j++) {
				const struct ast_elem *e = &st->chain.elems[j];

				nel++;
				if (e->name && e->type &&
				    may_clash_with_anon(c, e->name))
					lana_map_put(&sc->declared, e->name, 0,
						     NULL);
			}
		} else if (st->kind == AST_STMT_CONST && sc->inst) {
			lc_add_const(c, sc, st, file);
		}
	}
	return nel;
}

/*
 * Declaration @e defines its name as @ref. A failed declaration still
 * defines it (as NONE), so that references to it raise no more errors.
 */
static void define_name(struct ctx *c, struct scope *sc,
			const struct ast_elem *e, uint32_t ref)
{
	struct lana_loc prev = e->name_loc;
	uint32_t old;

	if (!e->name || lana_map_put(&sc->names, e->name, ref, &old) ||
	    ref == NONE || old == NONE)
		return;
	if (should_report(c, e->name_loc, ONCE_REDEFINED_BLOCK)) {
		if (REF_KIND(old) == REF_BLOCK)
			prev = c->blocks.v[REF_IDX(old)].loc;
		else if (REF_KIND(old) == REF_INST)
			prev = c->insts.v[REF_IDX(old)].loc;
		lana_error(c->s, e->name_loc, "redefinition of '%s'", e->name);
		lana_note(c->s, prev, "previous definition is here");
		note_expansion(c, sc);
	}
	poison_ref(c, ref);
}

/* Pass 1: create the instances in source order, @refs[k] per element. */
static void create_instances(struct ctx *c, struct scope *sc,
			     const struct ast_body *body, uint32_t *refs)
{
	uint32_t i, j, k = 0;

	for (i = 0; i < body->n; i++) {
		const struct ast_stmt *st = &body->stmts[i];

		if (st->kind != AST_STMT_CHAIN)
			continue;
		/* a top-level chain of a host body places its blocks (and
		 * those of its compound instances) on that host */
		if (!sc->inst)
			c->cur_host = st->chain.host;
		for (j = 0; j < st->chain.n; j++, k++) {
			const struct ast_elem *e = &st->chain.elems[j];

			refs[k] = NONE;
			if (!e->type || lc_halted(c))
				continue;	/* reference: pass 2 */
			refs[k] = instantiate(c, sc, e);
			define_name(c, sc, e, refs[k]);
		}
	}
	if (!sc->inst)
		c->cur_host = 0;
}

/* Pass 2: resolve the references (bare names), then connect each chain. */
static void connect_chains(struct ctx *c, struct scope *sc,
			   const struct ast_body *body, uint32_t *refs)
{
	uint32_t i, j;

	for (i = 0; i < body->n; i++) {
		const struct ast_stmt *st = &body->stmts[i];
		const struct ast_chain *ch = &st->chain;

		if (st->kind != AST_STMT_CHAIN)
			continue;
		if (lc_halted(c))
			return;
		for (j = 0; j < ch->n; j++)
			if (!ch->elems[j].type)
				refs[j] = lookup_ref(c, sc, &ch->elems[j]);
		if (ch->n == 1 && !ch->elems[0].type && refs[0] != NONE &&
		    should_report(c, st->loc, ONCE_NO_EFFECT))
			lana_warning(c->s, st->loc, "statement has no effect");
		lc_connect_chain(c, sc, ch, refs);
		refs += ch->n;
	}
}

/*
 * Expand the statements of @body (of source file @file) in scope @sc:
 * create every instance first, so that a chain may name a block declared
 * further down, then connect.
 */
void lc_expand_body(struct ctx *c, struct scope *sc,
		    const struct ast_body *body, uint32_t file)
{
	uint32_t nel = declare_names(c, sc, body, file);
	uint32_t *refs = xmalloc(sizeof(*refs) * (nel + 1));

	create_instances(c, sc, body, refs);
	connect_chains(c, sc, body, refs);
	free(refs);
}

/* See compile_internal.h. */
void lc_scope_free(struct scope *sc)
{
	lana_map_free(&sc->names);
	lana_map_free(&sc->declared);
	lana_map_free(&sc->anon);
	lana_map_free(&sc->consts);
	VEC_FREE(&sc->anon_counts);
}

/* --------------------------------------------------- compound instances */

/* The boundary ports (vnodes) of direction @dir of instance @full of @d. */
static void add_vnodes(struct ctx *c, struct compound_def *d, const char *full,
		       const struct ast_elem *e, uint8_t dir)
{
	const struct ast_cport *const *ports =
		dir == LANA_PORT_IN ? d->in_ports : d->out_ports;
	uint32_t n = dir == LANA_PORT_IN ? d->nin : d->nout, i;

	for (i = 0; i < n; i++) {
		struct vnode v = { 0 };
		int frame = lana_frame_from_name(ports[i]->frame);

		v.inst = full;
		v.port = ports[i]->name;
		v.dir = dir;
		v.frame = (uint8_t)(frame < 0 ? 0 : frame);
		v.target = v.final = NONE;
		v.inst_loc = e->loc;
		v.def = d;
		v.def_port = i;
		VEC_PUSH(&c->vnodes, v);
	}
}

/* Instance @full of compound @d for element @e, with its boundary ports. */
static uint32_t add_inst(struct ctx *c, struct compound_def *d,
			 const char *full, const struct ast_elem *e)
{
	struct inst in = { 0 };

	in.name = full;
	in.def = d;
	in.loc = e->loc;
	in.vin_base = c->vnodes.n;
	add_vnodes(c, d, full, e, LANA_PORT_IN);
	in.vout_base = c->vnodes.n;
	add_vnodes(c, d, full, e, LANA_PORT_OUT);
	VEC_PUSH(&c->insts, in);
	return c->insts.n - 1;
}

/* Report the arguments of @e that compound @d does not take. */
static bool check_args(struct ctx *c, const struct compound_def *d,
		       const struct ast_elem *e)
{
	const struct ast_compound *a = d->ast;
	bool ok = true;
	uint32_t i, j;

	for (i = 0; i < e->nargs; i++) {
		const struct ast_arg *arg = &e->args[i];

		for (j = 0; j < a->nparams; j++)
			if (!strcmp(a->params[j].name, arg->key))
				break;
		if (j < a->nparams)
			continue;
		ok = false;
		if (!should_report(c, arg->key_loc,
				   ONCE_COMPOUND_UNKNOWN_PARAM))
			continue;
		lana_error(c->s, arg->key_loc,
			   "unknown parameter '%s' for block '%s'", arg->key,
			   a->name);
		lana_note(c->s, a->loc, "block '%s' is defined here", a->name);
	}
	return ok;
}

/*
 * Bind parameter @j of compound @d in the instance's scope @sc: to the
 * argument of @e, evaluated in the instantiating scope @outer, or to the
 * default. False on error.
 */
static bool bind_param(struct ctx *c, struct scope *outer, struct scope *sc,
		       const struct compound_def *d, uint32_t j,
		       const char *full, const struct ast_elem *e)
{
	const struct ast_cparam *cp = &d->ast->params[j];
	struct binding *bd = &sc->bind[j];
	const struct ast_arg *arg = NULL;
	char what[512];
	uint32_t i;

	bd->name = cp->name;
	for (i = 0; i < e->nargs; i++)
		if (!strcmp(e->args[i].key, cp->name))
			arg = &e->args[i];
	if (arg) {
		snprintf(what, sizeof(what), "parameter '%s' of '%s' (%s)",
			 cp->name, full, d->ast->name);
		bd->loc = arg->val->loc;
		return lc_resolve_value(c, outer, arg->val, d->ptypes[j], NULL,
					what, &bd->val);
	}
	if (cp->def) {
		bd->val = d->defaults[j];
		bd->loc = cp->def->loc;
		bd->from_default = true;
		return true;
	}
	if (should_report(c, e->type_loc, ONCE_COMPOUND_MISSING_PARAM)) {
		lana_error(c->s, e->type_loc,
			   "missing required parameter '%s' for block '%s'",
			   cp->name, d->ast->name);
		lana_note(c->s, cp->loc, "parameter '%s' is declared here",
			  cp->name);
	}
	return false;
}

/* Make the boundary ports of instance @in visible by name in scope @sc. */
static void declare_boundary(struct ctx *c, struct scope *sc,
			     const struct inst *in)
{
	const struct compound_def *d = in->def;
	uint32_t i, old;

	for (i = 0; i < d->nin + d->nout; i++) {
		const struct vnode *v = &c->vnodes.v[in->vin_base + i];

		if (!lana_map_put(&sc->names, v->port,
				  REF_VNODE | (in->vin_base + i), &old) &&
		    should_report(c, d->ast->loc, ONCE_DUPLICATE_PORT))
			lana_error(c->s, i < d->nin ? d->in_ports[i]->loc :
				   d->out_ports[i - d->nin]->loc,
				   "duplicate port '%s' in block '%s'", v->port,
				   d->ast->name);
	}
}

/*
 * Mark compound @d and every compound its body uses, directly or not, as
 * used: an instance cut off at the depth limit does not make the
 * compounds below it "unused" (that warning would follow from the error).
 * Iterative; each compound is walked once per compilation.
 */
static void mark_reachable_used(struct ctx *c, struct compound_def *d)
{
	VEC(uint32_t) todo = { 0 };
	uint32_t i, j, k;

	if (d->reach_marked)
		return;
	d->reach_marked = true;
	VEC_PUSH(&todo, (uint32_t)(d - c->compounds.v));
	while (todo.n) {
		struct compound_def *x = &c->compounds.v[todo.v[--todo.n]];
		const struct ast_body *body = x->ast->body;

		x->used = true;
		mark_file_used(c, x->file);
		for (i = 0; body && i < body->n; i++) {
			const struct ast_stmt *st = &body->stmts[i];

			if (st->kind != AST_STMT_CHAIN)
				continue;
			for (j = 0; j < st->chain.n; j++) {
				const struct ast_elem *e = &st->chain.elems[j];

				if (!e->type || lana_catalogue_find(e->type) ||
				    !lana_map_get(&c->compound_map, e->type, &k) ||
				    c->compounds.v[k].reach_marked)
					continue;
				c->compounds.v[k].reach_marked = true;
				VEC_PUSH(&todo, k);
			}
		}
	}
	VEC_FREE(&todo);
}

/* Instance @full of @d for @e would nest deeper than the limit. */
static void too_deep_error(struct ctx *c, struct scope *outer,
			   struct compound_def *d, const char *full,
			   const struct ast_elem *e)
{
	struct scope *top = outer;

	mark_reachable_used(c, d);
	if (!should_report(c, e->type_loc, ONCE_TOO_DEEP))
		return;
	while (top->outer && top->outer->inst)
		top = top->outer;
	lana_error(c->s, e->type_loc,
		   "compound nesting deeper than %u levels: instance '%s' of block '%s' would be level %u",
		   LANA_MAX_COMPOUND_DEPTH, full, d->ast->name, c->depth + 1);
	if (top->inst)
		lana_note(c->s, top->inst->loc,
			  "level 1 is instance '%s' of block '%s'",
			  top->inst->name, top->inst->def->ast->name);
}

/*
 * Instantiate compound @d as @full for element @e of scope @outer: bind
 * its parameters, then expand its body in a scope of its own. Returns the
 * instance's reference, or NONE when @d instantiates itself, would nest
 * deeper than LANA_MAX_COMPOUND_DEPTH or take the graph past the block cap.
 */
static uint32_t expand_compound(struct ctx *c, struct scope *outer,
				struct compound_def *d, const char *full,
				const struct ast_elem *e)
{
	const struct ast_compound *a = d->ast;
	struct scope *saved = c->cur_inst_scope;
	struct scope sc = { 0 };
	uint32_t j, iidx;
	bool ok;

	if (d->active) {
		if (should_report(c, e->type_loc, ONCE_SELF_INSTANCE)) {
			lana_error(c->s, e->type_loc,
				   "block '%s' instantiates itself", a->name);
			lana_note(c->s, a->loc, "block '%s' is defined here",
				  a->name);
		}
		return NONE;
	}
	if (c->depth >= LANA_MAX_COMPOUND_DEPTH) {
		too_deep_error(c, outer, d, full, e);
		return NONE;
	}
	/* fail before making any block of it (c->blocks.n <= max_blocks) */
	if (d->nblocks > c->max_blocks - c->blocks.n) {
		block_cap_error(c, outer, e, d, d->nblocks);
		return NONE;
	}
	ok = lc_check_compound(c, d);
	iidx = add_inst(c, d, full, e);

	/* bind parameters: arguments are evaluated in the outer scope */
	sc.outer = outer;
	sc.prefix = lana_arena_printf(c->ast_arena, "%s/", full);
	sc.inst_copy = c->insts.v[iidx];
	sc.inst = &sc.inst_copy;
	sc.nbind = a->nparams;
	sc.bind = lana_arena_alloc(c->ast_arena,
				   sizeof(*sc.bind) * (a->nparams + 1));
	ok &= check_args(c, d, e);
	for (j = 0; j < a->nparams && d->params_ok; j++)
		ok &= bind_param(c, outer, &sc, d, j, full, e);
	if (!ok || !d->params_ok) {
		lc_scope_free(&sc);
		poison_ref(c, REF_INST | iidx);
		return REF_INST | iidx;
	}
	declare_boundary(c, &sc, sc.inst);
	d->active = true;
	c->depth++;
	c->cur_inst_scope = &sc;
	if (a->body)
		lc_expand_body(c, &sc, a->body, d->file);
	c->cur_inst_scope = saved;
	c->depth--;
	d->active = false;
	lc_scope_free(&sc);
	return REF_INST | iidx;
}
