// SPDX-License-Identifier: GPL-2.0
/*
 * lang/check.c - phase 5 of the compiler: checks of the flat graph. Cycles
 * (a packet would loop forever), blocks never reached from a source, and
 * the imports, constants and compound blocks the top-level file does not
 * use. Iterative DFS and BFS: no recursion over the graph.
 */
#include "compile_internal.h"

#include <stdlib.h>

#define MAX_UNREACHABLE_WARNINGS 20
#define MAX_CYCLE_ERRORS 10

/*
 * Report the cycle through the @n blocks of @path (DFS stack order) back to
 * block @w, closed by the edge at @loc; long paths are shortened.
 */
static void report_cycle(struct ctx *c, const uint32_t *path, uint32_t n,
			 uint32_t w, struct lana_loc loc)
{
	struct lana_buf pb = { 0 };
	uint32_t i, k = 0;

	for (i = 0; i < n; i++, k++) {
		if (k == 8) {
			lana_buf_puts(&pb, " -> ...");
			i = n - 1;
		}
		lana_buf_printf(&pb, "%s%s", k ? " -> " : "",
				c->blocks.v[path[i]].name);
	}
	lana_buf_printf(&pb, " -> %s", c->blocks.v[w].name);
	lana_error(c->s, loc, "cycle: %s; a packet would loop forever",
		   pb.data);
	lana_buf_free(&pb);
}

/* Iterative DFS: report cycles (a packet would loop forever). */
void lc_check_cycles(struct ctx *c, const uint32_t *final)
{
	uint32_t nb = c->blocks.n, b, errors = 0;
	uint8_t *color = xcalloc(nb + 1, 1);
	uint32_t *stack = xmalloc(sizeof(uint32_t) * (nb + 1));
	uint32_t *next = xcalloc(nb + 1, sizeof(uint32_t));
	uint32_t *pos = xmalloc(sizeof(uint32_t) * (nb + 1));

	for (b = 0; b < nb && errors < MAX_CYCLE_ERRORS; b++) {
		uint32_t sp = 0;

		if (color[b])
			continue;
		stack[sp++] = b;
		color[b] = 1;
		pos[b] = 0;
		while (sp) {
			uint32_t u = stack[sp - 1];
			struct block *bu = &c->blocks.v[u];

			if (next[u] < bu->nout) {
				uint32_t slot = bu->out_base + next[u]++;
				uint32_t t = final[slot], w;

				if (t == NONE)
					continue;
				w = c->in_owner.v[t];
				/*
				 * A vlink block's inputs never reach its
				 * outputs: an edge into it ends the path (its
				 * outputs are explored when it is a root).
				 */
				if (c->blocks.v[w].bt->flags & LANA_BT_VLINK)
					continue;
				if (color[w] == 0) {
					color[w] = 1;
					pos[w] = sp;
					stack[sp++] = w;
				} else if (color[w] == 1 &&
					   errors < MAX_CYCLE_ERRORS) {
					report_cycle(c, stack + pos[w],
						     sp - pos[w], w,
						     c->out_loc.v[slot]);
					errors++;
				}
			} else {
				color[u] = 2;
				sp--;
			}
		}
	}
	free(color);
	free(stack);
	free(next);
	free(pos);
}

/* Warn about the blocks no source reaches. */
void lc_check_reachability(struct ctx *c, const uint32_t *final)
{
	uint32_t nb = c->blocks.n, b, head = 0, tail = 0, warned = 0,
		 unreachable = 0;
	uint8_t *seen = xcalloc(nb + 1, 1);
	uint32_t *queue = xmalloc(sizeof(uint32_t) * (nb + 1));

	for (b = 0; b < nb; b++)
		if (c->blocks.v[b].bt->flags & LANA_BT_SOURCE) {
			seen[b] = 1;
			queue[tail++] = b;
		}
	while (head < tail) {
		struct block *bu = &c->blocks.v[queue[head++]];
		uint32_t p;

		for (p = 0; p < bu->nout; p++) {
			uint32_t t = final[bu->out_base + p], w;

			if (t == NONE)
				continue;
			w = c->in_owner.v[t];
			if (!seen[w]) {
				seen[w] = 1;
				queue[tail++] = w;
			}
		}
	}
	for (b = 0; b < nb; b++) {
		if (seen[b])
			continue;
		unreachable++;
		if (warned++ < MAX_UNREACHABLE_WARNINGS)
			lana_warning(c->s, c->blocks.v[b].loc,
				     "block '%s' (%s) is never reached from a source",
				     c->blocks.v[b].name,
				     c->blocks.v[b].bt->name);
	}
	if (unreachable > MAX_UNREACHABLE_WARNINGS)
		lana_warning(c->s, (struct lana_loc){ 0 },
			     "%u more blocks are never reached from a source",
			     unreachable - MAX_UNREACHABLE_WARNINGS);
	free(seen);
	free(queue);
}

/* Unused imports, constants and compounds of the top-level file. */
void lc_check_unused(struct ctx *c, uint32_t top)
{
	struct file_rec *fr = &c->files.v[top];
	bool changed = true, library = true;
	uint32_t i;

	/* a file is used if it or anything it imports is used */
	while (changed) {
		changed = false;
		for (i = 0; i < c->imports.n; i++) {
			struct import_rec *ir = &c->imports.v[i];

			if (c->files.v[ir->to_file].used &&
			    !c->files.v[ir->from_file].used &&
			    ir->from_file != top) {
				c->files.v[ir->from_file].used = true;
				changed = true;
			}
		}
	}
	for (i = 0; i < c->imports.n; i++) {
		struct import_rec *ir = &c->imports.v[i];

		if (ir->from_file == top && !c->files.v[ir->to_file].used)
			lana_warning(c->s, ir->loc, "unused import '%s'",
				     ir->path);
	}
	for (i = 0; fr->ast && i < fr->ast->body.n; i++)
		if (fr->ast->body.stmts[i].kind == AST_STMT_CHAIN)
			library = false;
	for (i = 0; i < c->consts.n; i++) {
		struct const_def *k = &c->consts.v[i];

		if (k->file == top && !k->used && !library &&
		    !loc_seen(c, k->loc, ONCE_UNUSED_CONST))
			lana_warning(c->s, k->loc, "unused constant '%s'",
				     k->name);
	}
	for (i = 0; i < c->compounds.n; i++) {
		struct compound_def *d = &c->compounds.v[i];

		if (d->file == top && !d->used && !library)
			lana_warning(c->s, d->ast->loc, "unused block '%s'",
				     d->ast->name);
	}
}
