/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lang/compile_internal.h - what the phases of the compiler share: the
 * context (struct ctx) with the flat graph under construction, and the
 * functions one phase calls in another. Only lang/ includes it; the API is
 * lang/compile.h. The phases, one file each, are listed in lang/compile.c.
 *
 * Functions that one file defines for another carry the prefix lc_ (lana
 * compiler): liblang.a is linked into programs with other libraries.
 */
#ifndef LANA_COMPILE_INTERNAL_H
#define LANA_COMPILE_INTERNAL_H

#include "compile.h"

#include "ast.h"
#include "blocks/catalogue.h"

#include <stdbool.h>
#include <stdint.h>

#define NONE UINT32_MAX

/* Encoded references in a scope's name map: kind in the top two bits. */
#define REF_BLOCK 0x00000000u	/* real block index */
#define REF_INST  0x40000000u	/* compound instance index */
#define REF_VNODE 0x80000000u	/* boundary port of the enclosing compound */
#define REF_KIND(r) ((r) & 0xc0000000u)
#define REF_IDX(r)  ((r) & 0x3fffffffu)

/*
 * Endpoint of an edge target: an IN slot of a real block or a vnode.
 * EP_ERROR marks an output whose connection failed with an error already
 * reported, so that it is not reported again as unconnected.
 */
#define EP_VNODE 0x80000000u
#define EP_ERROR 0xfffffffeu

struct import_rec {
	uint32_t from_file;	/* importing file */
	uint32_t to_file;	/* imported file */
	struct lana_loc loc;	/* import statement */
	const char *path;	/* as written */
};

struct file_rec {
	struct ast_file *ast;
	char *realpath;
	uint8_t state;		/* 0 new, 1 loading, 2 done */
	bool used;		/* a definition of this file was used */
	bool top;		/* a top-level file */
};

struct const_def {
	const char *name;
	struct lana_loc loc;
	const struct ast_const *ast;
	uint32_t file;
	unsigned int type;	/* declared type or LANA_PT_NONE (untyped) */
	bool evaluated;
	bool ok;
	bool busy;
	bool used;
	struct lana_value val;	/* typed consts, once evaluated */
};

struct compound_def {
	const struct ast_compound *ast;
	uint32_t file;
	bool used;
	bool active;		/* being expanded (recursion check) */
	bool checked;		/* parameter declarations checked */
	bool params_ok;
	uint32_t nin, nout;	/* boundary ports */
	const struct ast_cport **in_ports;
	const struct ast_cport **out_ports;
	unsigned int *ptypes;	/* declared type of each parameter */
	struct lana_value *defaults;	/* parsed defaults (type NONE if none) */
	bool *reported;		/* per input port: dangling reported */
	uint64_t nblocks;	/* blocks of one instance, fully expanded
				 * (saturated; recursion counts 0) */
	uint8_t count_state;	/* lc_count_compounds(): 0 new, 1 busy, 2 done */
	bool reach_marked;	/* marked used below a depth-limit cut */
};

struct block {
	bool bad;		/* had an error: no follow-on reports */
	const char *name;
	const struct lana_block_type *bt;
	struct lana_value *params;	/* lana_param_count(bt) entries */
	struct lana_loc loc;
	uint32_t nin, nout;
	uint32_t in_base, out_base;
	uint32_t host;		/* 1-based index of the top file's host it
				 * is placed on (lang/hosts.c), 0: none */
};

struct vnode {
	const char *inst;	/* full instance name */
	const char *port;	/* boundary port name */
	uint8_t dir;
	uint8_t frame;
	uint8_t state;		/* resolution: 0 new, 1 visiting, 2 done */
	bool reported;
	uint32_t target;	/* endpoint or NONE */
	uint32_t final;		/* resolved IN slot or NONE */
	struct lana_loc edge_loc;
	struct lana_loc inst_loc;
	struct compound_def *def;
	uint32_t def_port;
};

struct inst {
	const char *name;
	struct compound_def *def;
	struct lana_loc loc;
	uint32_t vin_base, vout_base;	/* first input / output vnode */
};

struct binding {
	const char *name;
	struct lana_value val;
	struct lana_loc loc;	/* where the value was written */
	bool from_default;
};

struct scope {
	struct scope *outer;	/* instantiating scope (for messages) */
	const char *prefix;	/* "" or "tr/" */
	struct inst *inst;	/* compound instance, or NULL at top level */
	struct inst inst_copy;	/* storage for @inst (c->insts may move) */
	struct binding *bind;
	uint32_t nbind;
	struct lana_map names;	/* local name -> REF_* */
	struct lana_map declared;	/* explicit names (anonymous naming) */
	struct lana_map anon;	/* type name -> next anonymous index */
	struct lana_map consts;	/* local const name -> const index */
	VEC(uint32_t) anon_counts;
};

struct ctx {
	struct lana_sources *s;
	const struct lana_compile_opts *o;
	struct lana_arena *ast_arena;	/* AST and scratch */
	struct lana_arena *val_arena;	/* values that end up in the plan */

	VEC(struct file_rec) files;	/* indexed by source index */
	VEC(struct import_rec) imports;
	VEC(struct const_def) consts;
	struct lana_map global_consts;
	VEC(struct compound_def) compounds;
	struct lana_map compound_map;

	VEC(struct block) blocks;
	VEC(uint32_t) out_tgt;		/* per OUT slot: endpoint or NONE */
	VEC(struct lana_loc) out_loc;	/* per OUT slot: edge location */
	VEC(uint32_t) in_owner;		/* per IN slot: block index */
	VEC(struct vnode) vnodes;
	VEC(struct inst) insts;

	struct lana_value **defaults;	/* per catalogue type, lazily */
	struct lana_map once;		/* deduplicated diagnostics */
	uint32_t depth;			/* compound expansion depth */
	uint32_t cur_host;		/* host of the blocks being made */
	uint32_t max_blocks;		/* cap on c->blocks.n (--max-blocks) */
	bool halt;			/* the block cap was hit: stop */
	uint32_t const_depth;		/* constant resolution depth */
	struct scope *cur_inst_scope;	/* innermost compound scope */
};

/*
 * What a once-per-location diagnostic is about. A compound's body is
 * expanded once per instance, so the same source location can fail many
 * times; the pair (location, tag) is reported once. Two different problems
 * at one location need two different tags (a block can lack both an output
 * and an input, at the same place).
 */
enum once_tag {
	ONCE_VALUE = 1,		/* a value that does not parse, fit or type */
	ONCE_PARAM_VALUE,	/* a compound parameter's value where used */
	ONCE_CONST_DEFINED_HERE, /* note: where a misfit constant is */
	ONCE_CONST_SELF_REF,	/* a constant that refers to itself */
	ONCE_CONST_USED_HERE,	/* note: where a failing constant is used */
	ONCE_CONST_SHADOWS,	/* a local constant shadows a global one */
	ONCE_CONST_REDEFINED,	/* a constant defined twice in a scope */
	ONCE_UNKNOWN_TYPE,	/* unknown block type */
	ONCE_ENGINE,		/* block type the target engine lacks */
	ONCE_PARAM_TWICE,	/* a block parameter given twice */
	ONCE_UNKNOWN_PARAM,	/* a parameter the block type does not have */
	ONCE_MISSING_PARAM,	/* a required block parameter not given */
	ONCE_NO_OUTPUTS,	/* a block without outputs used as a source */
	ONCE_NO_SUCH_OUTPUT,	/* a block output port that does not exist */
	ONCE_INST_NO_OUTPUT,	/* a compound output port that does not exist */
	ONCE_OUTPUT_AS_SOURCE,	/* a boundary output used as a source */
	ONCE_BOUNDARY_PORT_SPEC, /* a port number on a boundary port */
	ONCE_NO_INPUTS,		/* a block without inputs used as a target */
	ONCE_NO_SUCH_INPUT,	/* a block input port that does not exist */
	ONCE_INST_NO_INPUT,	/* a compound input port that does not exist */
	ONCE_INPUT_AS_DEST,	/* a boundary input used as a target */
	ONCE_FRAME_MISMATCH,	/* an edge between incompatible frame types */
	ONCE_FAN_OUT,		/* an output connected twice */
	ONCE_UNDECLARED_BLOCK,	/* a reference to an undeclared block name */
	ONCE_REDEFINED_BLOCK,	/* a block name declared twice */
	ONCE_NO_EFFECT,		/* a statement that is a lone reference */
	ONCE_SELF_INSTANCE,	/* a compound that instantiates itself */
	ONCE_TOO_DEEP,		/* compound instances nested too deeply */
	ONCE_COMPOUND_UNKNOWN_PARAM, /* an argument the compound lacks */
	ONCE_COMPOUND_MISSING_PARAM, /* a compound parameter without value */
	ONCE_DUPLICATE_PORT,	/* a boundary port name declared twice */
	ONCE_UNUSED_CONST,	/* warning: a constant never used */
};

/* Has (@loc, @tag) been seen before? Marks it seen. */
static inline bool loc_seen(struct ctx *c, struct lana_loc loc,
			    enum once_tag tag)
{
	char *key = lana_arena_printf(c->ast_arena, "%u:%u:%u:%d", loc.file,
				      loc.line, loc.col, (int)tag);

	return !lana_map_put(&c->once, key, 0, NULL);
}

/*
 * Stop building the graph: the block cap was hit, or the error limit
 * (--max-errors) was reached. What is left of it is not checked further.
 */
static inline bool lc_halted(const struct ctx *c)
{
	return c->halt || c->s->stopped;
}

/* Inside a compound expansion, report each error only once per location. */
static inline bool should_report(struct ctx *c, struct lana_loc loc,
				 enum once_tag tag)
{
	if (!c->cur_inst_scope)
		return true;
	return !loc_seen(c, loc, tag);
}

/* Notes naming each compound instance @sc is expanded in, innermost first. */
static inline void note_expansion(struct ctx *c, struct scope *sc)
{
	for (; sc && sc->inst; sc = sc->outer)
		lana_note(c->s, sc->inst->loc, "in instance '%s' of block '%s'",
			  sc->inst->name, sc->inst->def->ast->name);
}

/* A definition of source file @file was used (for "unused import"). */
static inline void mark_file_used(struct ctx *c, uint32_t file)
{
	if (file < c->files.n)
		c->files.v[file].used = true;
}

/* --------------------------------- lang/load.c: phase 1, files and imports */

/**
 * lc_file_rec() - the record of source file @idx, created empty if new.
 * @c:   compiler context
 * @idx: source index (lana_source_load())
 */
struct file_rec *lc_file_rec(struct ctx *c, uint32_t idx);

/**
 * lc_load_imports() - load and parse the imports of @file, recursively.
 * @c:     compiler context
 * @file:  source index of a parsed file (its record has the AST)
 * @depth: import nesting of @file (0 for the top-level file)
 */
void lc_load_imports(struct ctx *c, uint32_t file, uint32_t depth);

/* --------------------------------------- lang/defs.c: phase 2, definitions */

/**
 * lc_add_const() - define the constant of statement @st.
 * @c:    compiler context
 * @sc:   compound scope it is local to, or NULL for a global constant
 * @st:   an AST_STMT_CONST statement
 * @file: source index of the file that holds @st
 * A redefinition in the same scope is an error, shadowing a global constant
 * a warning.
 */
void lc_add_const(struct ctx *c, struct scope *sc, const struct ast_stmt *st,
		  uint32_t file);

/**
 * lc_collect_globals() - define the global constants and the compound
 * blocks of every loaded file.
 * @c: compiler context
 */
void lc_collect_globals(struct ctx *c);

/**
 * lc_apply_defines() - apply the -D NAME=VALUE options to the global
 * constants (override or define).
 * @c: compiler context
 */
void lc_apply_defines(struct ctx *c);

/**
 * lc_check_compound() - check the parameter and boundary port declarations
 * of compound @d, once; fills its parameter types, defaults and ports.
 * @c: compiler context
 * @d: the compound
 * Returns true when they are valid.
 */
bool lc_check_compound(struct ctx *c, struct compound_def *d);

/**
 * lc_count_compounds() - the number of blocks one instance of each
 * compound expands to (compound_def @nblocks): its own blocks plus those
 * of the compounds it instantiates, counted once per compound over the
 * static graph of which compound uses which (iterative depth-first
 * search, linear in the size of the bodies; a recursive use counts 0, it
 * is an error when expanded). Lets expansion refuse an instance that
 * would pass the block cap before it makes any of its blocks.
 * @c: compiler context, after lc_collect_globals()
 */
void lc_count_compounds(struct ctx *c);

/* ----------------------------- lang/resolve.c: typed values (phases 2 and 3) */

/**
 * lc_resolve_value() - the value @v as written, typed as @type.
 * @c:    compiler context
 * @sc:   scope whose compound parameters and constants bare words name
 *        (NULL: global constants only)
 * @v:    the value as written
 * @type: LANA_PT_* the value must have
 * @p:    the block parameter it sets (for enum symbols, list items and the
 *        range), or NULL
 * @what: what the value is, for messages ("parameter 'vid' of 'v0' (vlan)")
 * @out:  receives the value (strings in c->val_arena)
 * Errors are reported (once per location inside compounds).
 * Returns true on success.
 */
bool lc_resolve_value(struct ctx *c, struct scope *sc,
		      const struct ast_value *v, unsigned int type,
		      const struct lana_param *p, const char *what,
		      struct lana_value *out);

/**
 * lc_eval_typed_const() - evaluate typed constant @k (once).
 * @c: compiler context
 * @k: a constant declared with a type
 * Returns true when its value is valid (then in @k->val).
 */
bool lc_eval_typed_const(struct ctx *c, struct const_def *k);

/* --------------------------------------- lang/expand.c: phase 3, expansion */

/* Parameters of a block, for the port counts that depend on them. */
struct count_ctx {
	const struct lana_block_type *bt;
	const struct lana_value *params;
};

/**
 * lc_count_cb() - the value of a port count parameter, for
 * lana_port_count() and the other catalogue port helpers.
 * @name: parameter name (e.g. "n" of tee)
 * @arg:  a struct count_ctx
 * Returns the parameter's value, 1 if the block type has no such parameter.
 */
uint64_t lc_count_cb(const char *name, void *arg);

/**
 * lc_expand_body() - expand the statements of @body in scope @sc.
 * @c:    compiler context
 * @sc:   the scope: the top level (prefix "", no instance) or a compound
 *        instance's
 * @body: the file's or the compound's statements
 * @file: source index of the file that holds @body
 */
void lc_expand_body(struct ctx *c, struct scope *sc,
		    const struct ast_body *body, uint32_t file);

/** lc_scope_free() - free the maps of scope @sc (not @sc itself). */
void lc_scope_free(struct scope *sc);

/* ------------------------------ lang/connect.c: the edges (phases 3 and 4) */

/* An edge between real block ports, by block index. */
struct edge {
	uint32_t src, port, dst, dport;
};

typedef VEC(struct edge) edge_vec;

/**
 * lc_connect_chain() - check and record the edges of chain @ch.
 * @c:    compiler context
 * @sc:   the scope the chain is in
 * @ch:   the chain
 * @refs: the reference (REF_*, or NONE after an error) of each element
 * Errors are reported: missing ports, frame type mismatches, fan-out.
 */
void lc_connect_chain(struct ctx *c, struct scope *sc,
		      const struct ast_chain *ch, const uint32_t *refs);

/**
 * lc_resolve_edges() - phase 4: the edges between real block ports.
 * @c:     compiler context, after expansion
 * @edges: receives every edge, in (source block, port) order
 * @final: receives per OUT slot the IN slot it feeds, or NONE
 * Edges through compound boundary ports are followed to real ports;
 * required outputs and compound inputs left unconnected are reported.
 */
void lc_resolve_edges(struct ctx *c, edge_vec *edges, uint32_t *final);

/* ------------------------------ lang/check.c: phase 5, checks of the graph */

/**
 * lc_check_cycles() - report the cycles of the graph (up to a limit).
 * @c:     compiler context
 * @final: per OUT slot the IN slot it feeds, or NONE (lc_resolve_edges())
 * A vlink block (LANA_BT_VLINK) ends a path: its inputs never reach its
 * outputs.
 */
void lc_check_cycles(struct ctx *c, const uint32_t *final);

/**
 * lc_check_reachability() - warn about the blocks no source block reaches.
 * @c:     compiler context
 * @final: as for lc_check_cycles()
 */
void lc_check_reachability(struct ctx *c, const uint32_t *final);

/**
 * lc_check_unused() - warn about the unused imports, constants and
 * compound blocks of the top-level file (a file without chains is a
 * library: only its imports are checked).
 * @c:   compiler context
 * @top: source index of the top-level file
 */
void lc_check_unused(struct ctx *c, uint32_t top);

/**
 * lc_add_block() - append a block (phase 2's add_block(), for blocks the
 * compiler makes itself: lang/hosts.c's tunnels) with @params
 * (lana_param_count(@bt) values) on host c->cur_host.
 * Return: the block's index.
 */
uint32_t lc_add_block(struct ctx *c, const char *name,
		      const struct lana_block_type *bt,
		      struct lana_value *params, struct lana_loc loc);

/** lc_type_default() - the default of parameter @pi of @bt (type NONE: none). */
const struct lana_value *lc_type_default(struct ctx *c,
					 const struct lana_block_type *bt,
					 uint32_t pi);

/* ------------------------------ lang/hosts.c: fleet models (docs/fleet.md) */

/**
 * lc_hosts() - check the hosts of top file @top (names, underlay, every
 * block on one host), turn each cross-host edge into a tunnel pair of
 * vxlan blocks, and, when c->o->host names a host, keep in @edges and
 * *@keep (per block: its IDP in that host's plan, 0 to leave it out) only
 * that host's part. A model without hosts is left alone (*@keep NULL).
 * @want_plan: a plan is being made (a model with hosts then needs a host)
 * @clean:     no error so far: only then are tunnels made (the checks of
 *             the hosts run in any case, so that lint reports everything)
 */
void lc_hosts(struct ctx *c, uint32_t top, edge_vec *edges, uint32_t **keep,
	      bool want_plan, bool clean);

/* ------------------------------------------ lang/emit.c: phase 6, the plan */

/**
 * lc_emit_plan() - append the full plan of the graph to @plan.
 * @c:     compiler context, after a check without errors
 * @edges: the edges (lc_resolve_edges(), lc_hosts())
 * @keep:  NULL: every block, IDP b + 1; else only blocks b with keep[b]
 *         != 0, as IDP keep[b] (one host's plan, lc_hosts())
 * @plan:  an initialised plan; NEW per block, then BIND per edge
 */
void lc_emit_plan(struct ctx *c, const edge_vec *edges, const uint32_t *keep,
		  struct lana_plan *plan);

#endif /* LANA_COMPILE_INTERNAL_H */
