// SPDX-License-Identifier: GPL-2.0
/*
 * lang/compile.c - the compiler's driver: from a .lana file and its imports
 * to a flat, typed graph of block instances and then to a full plan (NEW per
 * block, BIND per edge).
 *
 * lana_compile() runs the phases in this order, one file each (what they
 * share is in lang/compile_internal.h):
 *  1. lang/load.c     load and parse the file, then its imports (depth
 *                     first, each file once, cycles reported) found along
 *                     the search path;
 *  2. lang/defs.c     collect the global constants and compound blocks
 *                     (and the -D overrides); check compound declarations;
 *  3. lang/expand.c   expand the top-level scope in two passes: create
 *                     every block instance in source order (compound
 *                     instances expand recursively, their blocks getting
 *                     hierarchical names `tr/vlan0`), then connect the
 *                     chains through lang/connect.c (ports, frame types,
 *                     fan-out); lang/resolve.c types every written value
 *                     (parameters, constants: conversions and ranges);
 *  4. lang/connect.c  resolve edges that pass through compound boundary
 *                     ports into edges between real block ports, and
 *                     report the outputs left unconnected;
 *  5. lang/check.c    check the flat graph: cycles (a packet would loop
 *                     forever), reachability from sources, unused
 *                     imports, constants and blocks;
 *  6. lang/emit.c     emit the plan: IDPs 1..N in creation order, BINDs by
 *                     (src IDP, port).
 *
 * Everything is linear in the number of blocks and edges: maps for names,
 * iterative DFS/BFS (no recursion over the graph), arenas for memory.
 */
#include "compile_internal.h"

#include <stdlib.h>
#include <string.h>

const char *lana_default_datadir(void)
{
#ifdef LANA_DATADIR
	return LANA_DATADIR;
#else
	return "/usr/local/share/lana";
#endif
}

/* Phase 1: parse @path, source @top, then its imports. */
static void load(struct ctx *c, const char *path, uint32_t top)
{
	struct file_rec *fr = lc_file_rec(c, top);

	fr->top = true;
	fr->realpath = strcmp(path, "-") ? realpath(path, NULL) : NULL;
	fr->ast = lana_parse(c->s, top, c->ast_arena);
	lc_load_imports(c, top, 0);
}

/* Phase 2: the definitions of every file, checked even when unused. */
static void define(struct ctx *c)
{
	uint32_t i;

	lc_collect_globals(c);
	lc_apply_defines(c);
	c->defaults = xcalloc(lana_catalogue_count() + 1, sizeof(*c->defaults));

	/* typed constants are checked even when unused */
	for (i = 0; i < c->consts.n; i++)
		if (c->consts.v[i].type != LANA_PT_NONE)
			lc_eval_typed_const(c, &c->consts.v[i]);
	/* compound declarations are checked even when unused */
	for (i = 0; i < c->compounds.n; i++)
		lc_check_compound(c, &c->compounds.v[i]);
	lc_count_compounds(c);
}

/*
 * Phases 3 to 6 for top-level file @top: expand, resolve the edges, check
 * the graph, and emit it into @plan (if any) when there are no errors
 * (the error count is still @errors0, that of before phase 1).
 */
static void build(struct ctx *c, uint32_t top, uint32_t errors0,
		  struct lana_plan *plan)
{
	struct scope sc = { 0 };
	edge_vec edges = { 0 };
	uint32_t *final, *keep = NULL;

	sc.prefix = "";
	/* loading the imports may have moved the file records */
	lc_expand_body(c, &sc, &c->files.v[top].ast->body, top);
	lc_scope_free(&sc);
	/* a partial graph (block cap, --max-errors) is not checked further */
	if (lc_halted(c))
		return;

	final = xmalloc(sizeof(uint32_t) * (c->out_tgt.n + 1));
	lc_resolve_edges(c, &edges, final);
	lc_check_cycles(c, final);
	/* reachability is only meaningful for a graph without errors */
	if (c->s->errors == errors0)
		lc_check_reachability(c, final);
	lc_check_unused(c, top);
	lc_hosts(c, top, &edges, &keep, plan != NULL,
		 c->s->errors == errors0);

	if (plan && c->s->errors == errors0)
		lc_emit_plan(c, &edges, keep, plan);
	free(keep);
	free(final);
	VEC_FREE(&edges);
}

static void ctx_free(struct ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->files.n; i++)
		free(c->files.v[i].realpath);
	VEC_FREE(&c->files);
	VEC_FREE(&c->imports);
	VEC_FREE(&c->consts);
	VEC_FREE(&c->compounds);
	VEC_FREE(&c->blocks);
	VEC_FREE(&c->out_tgt);
	VEC_FREE(&c->out_loc);
	VEC_FREE(&c->in_owner);
	VEC_FREE(&c->vnodes);
	VEC_FREE(&c->insts);
	lana_map_free(&c->global_consts);
	lana_map_free(&c->compound_map);
	lana_map_free(&c->once);
	free(c->defaults);
}

int lana_compile(struct lana_sources *s, const char *path,
		 const struct lana_compile_opts *o, struct lana_plan *plan)
{
	struct lana_arena ast_arena = { 0 };
	struct lana_arena scratch = { 0 };
	struct ctx c = { 0 };
	uint32_t errors0 = s->errors;
	char err[256];
	int r;

	c.s = s;
	c.o = o;
	c.max_blocks = o && o->max_blocks ? o->max_blocks :
		       LANA_MAX_BLOCKS_DEFAULT;
	if (c.max_blocks > LANA_MAX_BLOCKS_LIMIT)
		c.max_blocks = LANA_MAX_BLOCKS_LIMIT;
	if (o && o->max_errors)
		s->max_errors = o->max_errors;
	c.ast_arena = &ast_arena;
	if (plan) {
		lana_plan_init(plan);
		c.val_arena = &plan->arena;
	} else {
		c.val_arena = &scratch;
	}
	r = lana_source_read(s, path, (struct lana_loc){ 0 }, err, sizeof(err));
	if (r < 0) {
		lana_error(s, (struct lana_loc){ 0 }, "cannot read '%s': %s",
			   path, err);
		if (plan)
			lana_plan_free(plan);
		lana_arena_free(&scratch);
		return r;
	}
	load(&c, path, (uint32_t)r);
	/*
	 * Syntax errors and missing imports end the compilation here (every
	 * one of them has been reported): checking a partial program would
	 * only add errors that follow from them.
	 */
	if (s->errors == errors0 && !s->stopped) {
		define(&c);
		build(&c, (uint32_t)r, errors0, plan);
	}
	if (plan && s->errors != errors0)
		lana_plan_free(plan);
	ctx_free(&c);
	lana_arena_free(&ast_arena);
	lana_arena_free(&scratch);
	return s->errors == errors0 ? 0 : 1;
}

int lana_model_hosts(const char *path, char ***names, uint32_t *n)
{
	struct lana_sources s;
	struct lana_arena a = { 0 };
	struct ast_file *f;
	char err[256];
	uint32_t i;
	int r;

	*names = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	lana_sources_init(&s);
	r = lana_source_read(&s, path, (struct lana_loc){ 0 }, err,
			     sizeof(err));
	if (r < 0) {
		lana_sources_free(&s);
		return -1;
	}
	f = lana_parse(&s, (uint32_t)r, &a);
	if (s.errors) {
		lana_arena_free(&a);
		lana_sources_free(&s);
		return -1;
	}
	*names = xcalloc(f->nhosts + 1, sizeof(**names));
	for (i = 0; i < f->nhosts; i++)
		(*names)[i] = xstrdup(f->hosts[i].name);
	*n = f->nhosts;
	lana_arena_free(&a);
	lana_sources_free(&s);
	return 0;
}
