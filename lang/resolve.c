// SPDX-License-Identifier: GPL-2.0
/*
 * lang/resolve.c - resolving values: a value as written (literal, list,
 * bare word) resolved against the type of the parameter or constant it
 * sets. Bare words are bool and enum keywords, compound parameters and
 * constants (typed ones evaluated once, untyped ones read where used);
 * values convert between integer types when they fit and are checked
 * against the parameter's range. Used while collecting definitions
 * (lang/defs.c) and expanding (lang/expand.c).
 */
#include "compile_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_CONST_DEPTH 32

/*
 * Convert an already typed value to @type (the type of parameter @p, or of
 * its list items). Integers convert between integer types when they fit.
 */
static int convert_value(const struct lana_value *in, unsigned int type,
			 const struct lana_param *p, struct lana_value *out,
			 char *err, size_t errlen)
{
	if (in->type == type) {
		*out = *in;
	} else if (lana_ptype_is_int(in->type) && lana_ptype_is_int(type)) {
		bool neg = in->type == LANA_PT_I64 && in->i < 0;

		*out = *in;
		out->type = (uint8_t)type;
		if (type == LANA_PT_I64) {
			if (!neg && in->u > (uint64_t)INT64_MAX) {
				snprintf(err, errlen,
					 "value %llu does not fit i64",
					 (unsigned long long)in->u);
				return -1;
			}
		} else if (neg || in->u > lana_ptype_int_max(type)) {
			struct lana_buf b = { 0 };

			lana_value_format(in, &b);
			snprintf(err, errlen, "value %s does not fit %s (0..%llu)",
				 b.data, lana_ptype_name(type),
				 (unsigned long long)lana_ptype_int_max(type));
			lana_buf_free(&b);
			return -1;
		}
	} else {
		snprintf(err, errlen, "a value of type %s cannot be used as %s",
			 lana_ptype_name(in->type), lana_ptype_name(type));
		return -1;
	}
	if (p && type == p->type)
		return lana_value_check_range(p, out, err, errlen);
	return 0;
}

static const struct binding *find_binding(struct scope *sc, const char *name)
{
	uint32_t i;

	if (!sc)
		return NULL;
	for (i = 0; i < sc->nbind; i++)
		if (!strcmp(sc->bind[i].name, name))
			return &sc->bind[i];
	return NULL;
}

static struct const_def *find_const(struct ctx *c, struct scope *sc,
				    const char *name)
{
	uint32_t idx;

	if (sc && lana_map_get(&sc->consts, name, &idx))
		return &c->consts.v[idx];
	if (lana_map_get(&c->global_consts, name, &idx))
		return &c->consts.v[idx];
	return NULL;
}

/* Report a value error at @loc (once per location inside compounds). */
static void value_error(struct ctx *c, struct scope *sc, struct lana_loc loc,
			const char *what, const char *err)
{
	if (!should_report(c, loc, ONCE_VALUE))
		return;
	lana_error(c->s, loc, "%s: %s", what, err);
	note_expansion(c, sc);
}

/* Is @name a word that @type reads as a literal (bool word, enum symbol)? */
static bool is_keyword(unsigned int type, const struct lana_param *p,
		       const char *name)
{
	static const char *const bools[] = { "true", "false", "yes", "no",
					     "on", "off", NULL };
	const char *const *w;

	if (type == LANA_PT_BOOL)
		w = bools;
	else if (type == LANA_PT_ENUM && p && p->symbols)
		w = p->symbols;
	else
		return false;
	for (; *w; w++)
		if (!strcmp(*w, name))
			return true;
	return false;
}

/* Keyword @v (see is_keyword()) as a literal of @type. */
static bool resolve_keyword(struct ctx *c, struct scope *sc,
			    const struct ast_value *v, unsigned int type,
			    const struct lana_param *p, const char *what,
			    struct lana_value *out)
{
	char err[512];

	if (lana_value_parse(c->val_arena, type, p, v->text, out, err,
			     sizeof(err)) == 0)
		return true;
	value_error(c, sc, v->loc, what, err);
	return false;
}

/* The value of compound parameter @bd (used at @v), converted to @type. */
static bool resolve_binding(struct ctx *c, const struct ast_value *v,
			    const struct binding *bd, unsigned int type,
			    const struct lana_param *p, const char *what,
			    struct lana_value *out)
{
	char err[512];

	if (!convert_value(&bd->val, type, p, out, err, sizeof(err)))
		return true;
	/* blame the place the value was written */
	if (!bd->from_default && !loc_seen(c, bd->loc, ONCE_PARAM_VALUE)) {
		lana_error(c->s, bd->loc, "%s: %s", what, err);
		lana_note(c->s, v->loc, "parameter '%s' is used here", v->text);
	} else if (bd->from_default &&
		   should_report(c, v->loc, ONCE_PARAM_VALUE)) {
		lana_error(c->s, v->loc, "%s: %s", what, err);
		lana_note(c->s, bd->loc, "default value of '%s' is here",
			  v->text);
	}
	return false;
}

/* Constant @k, named @name, refers to itself: report it once. */
static void const_self_ref(struct ctx *c, const struct const_def *k,
			   const char *name)
{
	if (!loc_seen(c, k->loc, ONCE_CONST_SELF_REF))
		lana_error(c->s, k->loc, "constant '%s' refers to itself",
			   name);
}

/*
 * The value of constant @k (used at @v) as @type: a typed constant's value
 * converted, an untyped constant's text read as @type.
 */
static bool resolve_const(struct ctx *c, struct scope *sc,
			  const struct ast_value *v, struct const_def *k,
			  unsigned int type, const struct lana_param *p,
			  const char *what, struct lana_value *out)
{
	const char *name = v->text;
	char err[512];
	bool ok;

	k->used = true;
	mark_file_used(c, k->file);
	if (k->type != LANA_PT_NONE) {
		if (!lc_eval_typed_const(c, k))
			return false;
		if (!convert_value(&k->val, type, p, out, err, sizeof(err)))
			return true;
		value_error(c, sc, v->loc, what, err);
		if (should_report(c, k->loc, ONCE_CONST_DEFINED_HERE))
			lana_note(c->s, k->loc, "constant '%s' is defined here",
				  name);
		return false;
	}
	if (k->busy || c->const_depth > MAX_CONST_DEPTH) {
		const_self_ref(c, k, name);
		return false;
	}
	k->busy = true;
	c->const_depth++;
	ok = lc_resolve_value(c, NULL, k->ast->val, type, p, what, out);
	c->const_depth--;
	k->busy = false;
	if (!ok && should_report(c, v->loc, ONCE_CONST_USED_HERE))
		lana_note(c->s, v->loc, "constant '%s' is used here", name);
	return ok;
}

/* @v names nothing: an unknown enum symbol or an undeclared constant. */
static void unknown_ident(struct ctx *c, struct scope *sc,
			  const struct ast_value *v, unsigned int type,
			  const struct lana_param *p, const char *what)
{
	const char *name = v->text;
	char err[512];

	if (type == LANA_PT_ENUM && p && p->symbols) {
		struct lana_buf b = { 0 };
		const char *const *sym;

		for (sym = p->symbols; *sym; sym++)
			lana_buf_printf(&b, "%s%s", sym == p->symbols ? "" : ", ",
					*sym);
		snprintf(err, sizeof(err),
			 "unknown value '%s'; expected one of: %s", name,
			 b.data ? b.data : "");
		lana_buf_free(&b);
	} else if (type == LANA_PT_STRING || type == LANA_PT_FILTER) {
		snprintf(err, sizeof(err),
			 "undeclared constant '%s' (strings are quoted: \"%s\")",
			 name, name);
	} else {
		snprintf(err, sizeof(err), "undeclared constant '%s'", name);
	}
	value_error(c, sc, v->loc, what, err);
}

/*
 * A bare word @v: a keyword of @type, else a compound parameter, else a
 * constant (the innermost scope's first).
 */
static bool resolve_ident(struct ctx *c, struct scope *sc,
			  const struct ast_value *v, unsigned int type,
			  const struct lana_param *p, const char *what,
			  struct lana_value *out)
{
	const struct binding *bd;
	struct const_def *k;

	if (is_keyword(type, p, v->text))
		return resolve_keyword(c, sc, v, type, p, what, out);
	bd = find_binding(sc && sc->inst ? sc : NULL, v->text);
	if (bd)
		return resolve_binding(c, v, bd, type, p, what, out);
	k = find_const(c, sc, v->text);
	if (k)
		return resolve_const(c, sc, v, k, type, p, what, out);
	unknown_ident(c, sc, v, type, p, what);
	return false;
}

/* See compile_internal.h: literals, lists and bare words as @type. */
bool lc_resolve_value(struct ctx *c, struct scope *sc,
		      const struct ast_value *v, unsigned int type,
		      const struct lana_param *p, const char *what,
		      struct lana_value *out)
{
	char err[512];
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if (v->kind == AST_VAL_IDENT)
		return resolve_ident(c, sc, v, type, p, what, out);
	if (type == LANA_PT_LIST) {
		struct lana_value *items;
		bool ok = true;

		if (v->kind != AST_VAL_LIST) {
			value_error(c, sc, v->loc, what,
				    "expected a list [a, b, ...]");
			return false;
		}
		items = lana_arena_alloc(c->val_arena,
					 sizeof(*items) * (v->nitems + 1));
		for (i = 0; i < v->nitems; i++)
			ok &= lc_resolve_value(c, sc, v->items[i],
					       p ? p->elem : LANA_PT_STRING, p,
					       what, &items[i]);
		if (!ok)
			return false;
		out->type = LANA_PT_LIST;
		out->list.elem = p ? p->elem : LANA_PT_STRING;
		out->list.n = v->nitems;
		out->list.items = items;
		if (p && lana_value_check_range(p, out, err, sizeof(err))) {
			value_error(c, sc, v->loc, what, err);
			return false;
		}
		return true;
	}
	if (v->kind == AST_VAL_LIST) {
		snprintf(err, sizeof(err), "expected %s, got a list",
			 lana_ptype_name(type));
		value_error(c, sc, v->loc, what, err);
		return false;
	}
	if ((type == LANA_PT_STRING || type == LANA_PT_FILTER) &&
	    v->kind == AST_VAL_WORD) {
		snprintf(err, sizeof(err), "expected a quoted string, got '%s'",
			 v->text);
		value_error(c, sc, v->loc, what, err);
		return false;
	}
	/* for list items the range applies to the list, not the item */
	if (lana_value_parse(c->val_arena, type,
			     p && p->type == type ? p : NULL, v->text, out,
			     err, sizeof(err))) {
		value_error(c, sc, v->loc, what, err);
		return false;
	}
	return true;
}

/* Typed constant @k's value, evaluated on first use (constant @k->name). */
bool lc_eval_typed_const(struct ctx *c, struct const_def *k)
{
	char what[256];

	if (k->evaluated)
		return k->ok;
	if (k->busy) {
		const_self_ref(c, k, k->name);
		return false;
	}
	k->busy = true;
	snprintf(what, sizeof(what), "constant '%s'", k->name);
	k->ok = lc_resolve_value(c, NULL, k->ast->val, k->type, NULL, what,
				 &k->val);
	k->busy = false;
	k->evaluated = true;
	return k->ok;
}
