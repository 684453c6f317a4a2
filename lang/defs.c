// SPDX-License-Identifier: GPL-2.0
/*
 * lang/defs.c - phase 2 of the compiler: the definitions of the loaded
 * files. Global constants and compound blocks by name (redefinitions
 * reported), the -D overrides, constants of compound bodies, and the check
 * of a compound's parameter and boundary port declarations.
 */
#include "compile_internal.h"
#include "lexer_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Constant statement @st of @file, in scope @sc (NULL: global). */
void lc_add_const(struct ctx *c, struct scope *sc, const struct ast_stmt *st,
		  uint32_t file)
{
	struct const_def k = { 0 };
	struct lana_map *m = sc ? &sc->consts : &c->global_consts;
	uint32_t old;

	k.name = st->cst.name;
	k.loc = st->cst.loc;
	k.ast = &st->cst;
	k.file = file;
	k.type = LANA_PT_NONE;
	if (st->cst.type) {
		k.type = lana_ptype_from_name(st->cst.type);
		if (k.type == LANA_PT_NONE || k.type == LANA_PT_LIST) {
			lana_error(c->s, st->cst.type_loc,
				   "unknown type '%s' for constant '%s'",
				   st->cst.type, st->cst.name);
			k.type = LANA_PT_NONE;
		}
	}
	if (sc && lana_map_get(&c->global_consts, k.name, NULL)) {
		uint32_t g;

		lana_map_get(&c->global_consts, k.name, &g);
		if (should_report(c, k.loc, ONCE_CONST_SHADOWS)) {
			lana_warning(c->s, k.loc,
				     "constant '%s' shadows a global constant",
				     k.name);
			lana_note(c->s, c->consts.v[g].loc,
				  "global constant '%s' is defined here", k.name);
		}
	}
	if (!lana_map_put(m, k.name, c->consts.n, &old)) {
		if (should_report(c, k.loc, ONCE_CONST_REDEFINED)) {
			lana_error(c->s, k.loc, "redefinition of constant '%s'",
				   k.name);
			lana_note(c->s, c->consts.v[old].loc,
				  "previous definition is here");
		}
		return;
	}
	VEC_PUSH(&c->consts, k);
}

/* The constants and compound blocks of every loaded file. */
void lc_collect_globals(struct ctx *c)
{
	uint32_t f, i;

	for (f = 1; f < c->files.n; f++) {
		struct file_rec *fr = &c->files.v[f];

		if (!fr->ast)
			continue;
		for (i = 0; i < fr->ast->body.n; i++) {
			const struct ast_stmt *st = &fr->ast->body.stmts[i];

			if (st->kind == AST_STMT_CONST) {
				lc_add_const(c, NULL, st, f);
			} else if (st->kind == AST_STMT_COMPOUND) {
				struct compound_def d = { 0 };
				uint32_t old;

				d.ast = &st->comp;
				d.file = f;
				if (lana_catalogue_find(st->comp.name)) {
					lana_error(c->s, st->comp.loc,
						   "block '%s' redefines a built-in block type",
						   st->comp.name);
					continue;
				}
				if (!lana_map_put(&c->compound_map, st->comp.name,
						  c->compounds.n, &old)) {
					lana_error(c->s, st->comp.loc,
						   "redefinition of block '%s'",
						   st->comp.name);
					lana_note(c->s,
						  c->compounds.v[old].ast->loc,
						  "previous definition is here");
					continue;
				}
				VEC_PUSH(&c->compounds, d);
			} else if (st->kind == AST_STMT_CHAIN && !fr->top) {
				lana_error(c->s, st->loc,
					   "an imported file may only define constants and blocks");
			}
		}
	}
}

/*
 * The contents of string literal @text, the value of `-D @name=...`, into
 * *@out; false (reported, at "-D NAME:1:COL") if @text is not exactly one
 * string literal.
 */
static bool define_string(struct ctx *c, const char *name, const char *text,
			  const char **out)
{
	char *path = lana_arena_alloc(c->ast_arena, strlen(name) + 4);
	struct lana_token *toks;
	uint32_t file, ntoks;
	int r;

	sprintf(path, "-D %s", name);
	file = lana_source_add(c->s, path, text, strlen(text));
	r = lana_lex_all(c->s, file, c->ast_arena, &toks, &ntoks);
	if (r)
		return false;	/* a lexical error, reported */
	if (ntoks != 2 || toks[0].kind != LANA_TOK_STRING) {
		lana_error(c->s, ntoks > 1 ? toks[1].loc : toks[0].loc,
			   "-D %s: a value that starts with '\"' must be one string literal",
			   name);
		return false;
	}
	*out = toks[0].text;
	return true;
}

/* Apply the -D NAME=VALUE definitions to the global constants. */
void lc_apply_defines(struct ctx *c)
{
	uint32_t i, idx;

	for (i = 0; c->o && i < c->o->ndefines; i++) {
		const char *d = c->o->defines[i], *eq = strchr(d, '=');
		struct ast_value *v;
		struct ast_const *a;
		char *name;

		if (!eq || eq == d) {
			lana_error(c->s, (struct lana_loc){ 0 },
				   "-D '%s': expected NAME=VALUE", d);
			continue;
		}
		name = lana_arena_strndup(c->ast_arena, d, (size_t)(eq - d));
		v = lana_arena_alloc(c->ast_arena, sizeof(*v));
		v->kind = AST_VAL_STRING;	/* typed where it is used */
		v->text = lana_arena_strdup(c->ast_arena, eq + 1);
		/* -D DEV='"veth0"': a string literal as the language writes
		 * it, quotes and escapes undone by the lexer itself */
		if (eq[1] == '"' && !define_string(c, name, eq + 1, &v->text))
			continue;
		a = lana_arena_alloc(c->ast_arena, sizeof(*a));
		a->name = name;
		a->val = v;
		if (lana_map_get(&c->global_consts, name, &idx)) {
			struct const_def *k = &c->consts.v[idx];

			a->type = k->ast->type;
			a->type_loc = k->ast->type_loc;
			a->loc = k->loc;
			k->ast = a;
			k->used = true;
		} else {
			struct const_def k = { 0 };

			k.name = name;
			k.ast = a;
			k.type = LANA_PT_NONE;
			k.used = true;
			lana_map_put(&c->global_consts, name, c->consts.n, NULL);
			VEC_PUSH(&c->consts, k);
		}
	}
}

/* Check a compound's parameter and port declarations (once). */
bool lc_check_compound(struct ctx *c, struct compound_def *d)
{
	const struct ast_compound *a = d->ast;
	uint32_t i, j;

	if (d->checked)
		return d->params_ok;
	d->checked = true;
	d->params_ok = true;
	d->ptypes = lana_arena_alloc(c->ast_arena,
				     sizeof(*d->ptypes) * (a->nparams + 1));
	d->defaults = lana_arena_alloc(c->ast_arena,
				       sizeof(*d->defaults) * (a->nparams + 1));
	for (i = 0; i < a->nparams; i++) {
		const struct ast_cparam *cp = &a->params[i];
		unsigned int t = lana_ptype_from_name(cp->type);
		uint32_t g;

		for (j = 0; j < i; j++)
			if (!strcmp(a->params[j].name, cp->name)) {
				lana_error(c->s, cp->loc,
					   "duplicate parameter '%s'", cp->name);
				lana_note(c->s, a->params[j].loc,
					  "previous declaration is here");
				d->params_ok = false;
			}
		if (t == LANA_PT_NONE || t == LANA_PT_LIST ||
		    t == LANA_PT_ENUM) {
			lana_error(c->s, cp->type_loc,
				   "unknown parameter type '%s' (use bool, u8, u16, u32, u64, i64, string, mac, ipv4, ipv6, prefix, size, rate, duration or filter)",
				   cp->type);
			d->params_ok = false;
			continue;
		}
		d->ptypes[i] = t;
		if (lana_map_get(&c->global_consts, cp->name, &g)) {
			lana_warning(c->s, cp->loc,
				     "parameter '%s' shadows a global constant",
				     cp->name);
			lana_note(c->s, c->consts.v[g].loc,
				  "global constant '%s' is defined here",
				  cp->name);
		}
		if (cp->def) {
			char what[256];

			snprintf(what, sizeof(what),
				 "default of parameter '%s'", cp->name);
			if (!lc_resolve_value(c, NULL, cp->def, t, NULL, what,
					      &d->defaults[i]))
				d->params_ok = false;
		}
	}
	/* boundary ports */
	{
		VEC(const struct ast_cport *) in = { 0 }, out = { 0 };
		const struct ast_body *b = a->body;

		for (i = 0; b && i < b->n; i++) {
			const struct ast_stmt *st = &b->stmts[i];

			if (st->kind != AST_STMT_PORT)
				continue;
			if (lana_frame_from_name(st->port.frame) < 0) {
				lana_error(c->s, st->port.frame_loc,
					   "unknown frame type '%s' (use any, eth, ip or raw)",
					   st->port.frame);
				d->params_ok = false;
			}
			if (st->port.dir == LANA_PORT_IN)
				VEC_PUSH(&in, &st->port);
			else
				VEC_PUSH(&out, &st->port);
		}
		d->nin = in.n;
		d->nout = out.n;
		d->in_ports = lana_arena_memdup(c->ast_arena, in.v,
						sizeof(*in.v) * in.n);
		d->out_ports = lana_arena_memdup(c->ast_arena, out.v,
						 sizeof(*out.v) * out.n);
		d->reported = lana_arena_alloc(c->ast_arena,
					       sizeof(bool) * (in.n + 1));
		VEC_FREE(&in);
		VEC_FREE(&out);
	}
	return d->params_ok;
}

/* ------------------------------------------- expanded size of compounds */

/* A position in the walk of lc_count_compounds(): compound @d, at element
 * @el of statement @st of its body. */
struct count_frame {
	uint32_t d;
	uint32_t st;
	uint32_t el;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The next element with a type in the body of @f's compound, or NULL. */
static const struct ast_elem *next_typed(struct ctx *c, struct count_frame *f)
{
	const struct ast_body *body = c->compounds.v[f->d].ast->body;

	for (; body && f->st < body->n; f->st++, f->el = 0) {
		const struct ast_stmt *st = &body->stmts[f->st];

		if (st->kind != AST_STMT_CHAIN)
			continue;
		while (f->el < st->chain.n) {
			const struct ast_elem *e = &st->chain.elems[f->el++];

			if (e->type)
				return e;
		}
	}
	return NULL;
}

void lc_count_compounds(struct ctx *c)
{
	VEC(struct count_frame) stk = { 0 };
	uint32_t r, k;

	for (r = 0; r < c->compounds.n; r++) {
		struct count_frame root = { .d = r };

		if (c->compounds.v[r].count_state)
			continue;
		c->compounds.v[r].count_state = 1;
		c->compounds.v[r].nblocks = 0;
		VEC_PUSH(&stk, root);
		while (stk.n) {
			struct count_frame *f = &stk.v[stk.n - 1];
			struct compound_def *d = &c->compounds.v[f->d];
			const struct ast_elem *e = next_typed(c, f);

			if (!e) {
				d->count_state = 2;
				stk.n--;
				if (stk.n) {
					struct compound_def *up =
						&c->compounds.v[stk.v[stk.n - 1].d];

					up->nblocks = sat_add(up->nblocks,
							      d->nblocks);
				}
				continue;
			}
			/* as instantiate(): the catalogue first */
			if (lana_catalogue_find(e->type)) {
				d->nblocks = sat_add(d->nblocks, 1);
			} else if (lana_map_get(&c->compound_map, e->type, &k)) {
				struct compound_def *sub = &c->compounds.v[k];
				struct count_frame fr = { .d = k };

				if (sub->count_state == 2) {
					d->nblocks = sat_add(d->nblocks,
							     sub->nblocks);
				} else if (!sub->count_state) {
					sub->count_state = 1;
					sub->nblocks = 0;
					VEC_PUSH(&stk, fr);
				}
				/* busy: recursion, reported when expanded */
			}
		}
	}
	VEC_FREE(&stk);
}
