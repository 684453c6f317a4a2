// SPDX-License-Identifier: GPL-2.0
/*
 * lang/connect.c - the edges of the graph. While a scope is expanded
 * (lang/expand.c), each `->` of a chain is checked and recorded: the source
 * and target ports (by index or name, on blocks, compound instances and the
 * enclosing compound's boundary), frame types, and fan-out (an output feeds
 * one input). Then, in phase 4, edges that pass through compound boundary
 * ports (vnodes) are resolved into edges between real block ports, and the
 * outputs and compound inputs left unconnected are reported.
 */
#include "compile_internal.h"

#include <string.h>

/* ---------------------------------------------- the edges of the chains */

/* One end of an edge: the OUT slot it leaves or the IN slot it enters. */
struct end {
	bool vnode;		/* @idx is a vnode (compound boundary port) */
	uint32_t idx;		/* OUT or IN slot, or vnode */
	uint8_t frame;
	const char *desc;	/* source end: "output 'out' of 'a'" */
};

static const char *port_desc(struct ctx *c, const char *block,
			     const char *port)
{
	return lana_arena_printf(c->ast_arena, "output '%s' of '%s'", port,
				 block);
}

/* " 3", " 'name'" or "" for a port spec, for messages. */
static const char *port_spec_text(struct ctx *c, const struct ast_port *ps)
{
	if (!ps->set)
		return "";
	if (ps->is_index)
		return lana_arena_printf(c->ast_arena, " %u", ps->index);
	return lana_arena_printf(c->ast_arena, " '%s'", ps->name);
}

/* Look up the port spec @ps among @n ports named by @names. */
static int compound_port(struct ctx *c, const struct ast_port *ps,
			 const struct ast_cport *const *ports, uint32_t n)
{
	uint32_t i;

	if (!ps->set)
		return n ? 0 : -1;
	if (ps->is_index)
		return ps->index < n ? (int)ps->index : -1;
	for (i = 0; i < n; i++)
		if (!strcmp(ports[i]->name, ps->name))
			return (int)i;
	return -1;
}

/* A side of an edge, for looking up a port and for the messages. */
struct side {
	unsigned int dir;	/* LANA_PORT_OUT on the source side */
	const char *word;	/* "output" or "input" */
	const char *verb;	/* "leave" or "enter" (a wrong boundary) */
	enum once_tag none, no_such, inst_no_such, wrong_boundary;
};

static const struct side src_side = {
	LANA_PORT_OUT, "output", "leave", ONCE_NO_OUTPUTS, ONCE_NO_SUCH_OUTPUT,
	ONCE_INST_NO_OUTPUT, ONCE_OUTPUT_AS_SOURCE,
};

static const struct side dst_side = {
	LANA_PORT_IN, "input", "enter", ONCE_NO_INPUTS, ONCE_NO_SUCH_INPUT,
	ONCE_INST_NO_INPUT, ONCE_INPUT_AS_DEST,
};

/* Port @ps (of element @e) of block @b on side @sd: its index, or -1. */
static int block_port(struct ctx *c, struct scope *sc, struct block *b,
		      const struct ast_elem *e, const struct ast_port *ps,
		      const struct side *sd)
{
	struct count_ctx cc = { b->bt, b->params };
	uint32_t n = sd->dir == LANA_PORT_OUT ? b->nout : b->nin;
	int pi = 0;

	if (b->bad)
		return -1;
	if (!n) {
		if (should_report(c, e->loc, sd->none)) {
			lana_error(c->s, ps->set ? ps->loc : e->loc,
				   "block '%s' (%s) has no %s port",
				   b->name, b->bt->name, sd->word);
			note_expansion(c, sc);
		}
		return -1;
	}
	if (ps->set && ps->is_index)
		pi = ps->index < n ? (int)ps->index : -1;
	else if (ps->set)
		pi = lana_port_by_name(b->bt, sd->dir, ps->name, lc_count_cb,
				       &cc);
	if (pi < 0 && should_report(c, ps->loc, sd->no_such)) {
		if (ps->is_index)
			lana_error(c->s, ps->loc,
				   "block '%s' (%s) has no %s port %u (it has %u)",
				   b->name, b->bt->name, sd->word, ps->index,
				   n);
		else
			lana_error(c->s, ps->loc,
				   "block '%s' (%s) has no %s port '%s'",
				   b->name, b->bt->name, sd->word, ps->name);
		note_expansion(c, sc);
	}
	return pi;
}

/* Boundary port @ps of compound instance @in on side @sd: index or -1. */
static int inst_port(struct ctx *c, struct scope *sc, const struct inst *in,
		     const struct ast_elem *e, const struct ast_port *ps,
		     const struct side *sd)
{
	const struct compound_def *d = in->def;
	struct lana_loc loc = ps->set ? ps->loc : e->loc;
	int pi = sd->dir == LANA_PORT_OUT ?
		 compound_port(c, ps, d->out_ports, d->nout) :
		 compound_port(c, ps, d->in_ports, d->nin);

	if (pi < 0 && should_report(c, loc, sd->inst_no_such)) {
		lana_error(c->s, loc, "block '%s' (%s) has no %s port%s",
			   in->name, d->ast->name, sd->word,
			   port_spec_text(c, ps));
		note_expansion(c, sc);
	}
	return pi;
}

/*
 * Boundary port @v of the enclosing compound used on side @sd: inside the
 * compound an input is a source and an output a target. False on error.
 */
static bool boundary_port(struct ctx *c, struct scope *sc,
			  const struct vnode *v, const struct ast_elem *e,
			  const struct ast_port *ps, const struct side *sd)
{
	if (v->dir == sd->dir) {
		if (should_report(c, e->loc, sd->wrong_boundary)) {
			lana_error(c->s, e->loc,
				   "'%s' is an %s of the enclosing block; packets cannot %s it here",
				   v->port, sd->word, sd->verb);
			note_expansion(c, sc);
		}
		return false;
	}
	if (ps->set && should_report(c, ps->loc, ONCE_BOUNDARY_PORT_SPEC)) {
		lana_error(c->s, ps->loc,
			   "a boundary port takes no port number");
		return false;
	}
	return true;
}

/* The end on side @sd of block @b (element @e, port spec @ps). */
static bool block_end(struct ctx *c, struct scope *sc, struct block *b,
		      const struct ast_elem *e, const struct ast_port *ps,
		      const struct side *sd, struct end *out)
{
	struct count_ctx cc = { b->bt, b->params };
	int pi = block_port(c, sc, b, e, ps, sd);
	const struct lana_port *pd;
	uint32_t sub;

	if (pi < 0)
		return false;
	pd = lana_port_at(b->bt, sd->dir, (uint32_t)pi, lc_count_cb, &cc,
			  &sub);
	out->vnode = false;
	out->idx = (sd->dir == LANA_PORT_OUT ? b->out_base : b->in_base) +
		   (uint32_t)pi;
	out->frame = pd ? pd->frame : LANA_FRAME_ANY;
	if (sd->dir != LANA_PORT_OUT)
		return true;
	out->desc = pd && pd->count ?
		lana_arena_printf(c->ast_arena, "output '%s[%u]' of '%s'",
				  pd->name, sub, b->name) :
		port_desc(c, b->name, pd ? pd->name : "?");
	return true;
}

/*
 * The end on side @sd of an edge at element @e, whose reference is @ref:
 * a block's port, a compound instance's boundary port, or (inside a
 * compound) a boundary port of the enclosing one. False on error.
 */
static bool get_end(struct ctx *c, struct scope *sc, uint32_t ref,
		    const struct ast_elem *e, const struct side *sd,
		    struct end *out)
{
	bool src = sd->dir == LANA_PORT_OUT;
	const struct ast_port *ps = src ? &e->out : &e->in;
	uint32_t idx = REF_IDX(ref);

	out->desc = NULL;
	switch (REF_KIND(ref)) {
	case REF_BLOCK:
		return block_end(c, sc, &c->blocks.v[idx], e, ps, sd, out);
	case REF_INST: {
		const struct inst *in = &c->insts.v[idx];
		int pi = inst_port(c, sc, in, e, ps, sd);

		if (pi < 0)
			return false;
		out->vnode = true;
		out->idx = (src ? in->vout_base : in->vin_base) + (uint32_t)pi;
		out->frame = c->vnodes.v[out->idx].frame;
		if (src)
			out->desc = port_desc(c, in->name,
					      in->def->out_ports[pi]->name);
		return true;
	}
	default: {
		const struct vnode *v = &c->vnodes.v[idx];

		if (!boundary_port(c, sc, v, e, ps, sd))
			return false;
		out->vnode = true;
		out->idx = idx;
		out->frame = v->frame;
		if (src)
			out->desc = lana_arena_printf(c->ast_arena,
						      "input '%s' of '%s'",
						      v->port, v->inst);
		return true;
	}
	}
}

/* Where the target of source end @s is recorded. */
static uint32_t *target_of(struct ctx *c, const struct end *s)
{
	return s->vnode ? &c->vnodes.v[s->idx].target : &c->out_tgt.v[s->idx];
}

/* Connect source end @s to target end @d (the arrow at @loc). */
static void connect(struct ctx *c, struct scope *sc, const struct end *s,
		    const struct end *d, struct lana_loc loc)
{
	uint32_t *tgt = target_of(c, s);
	struct lana_loc *first = s->vnode ? &c->vnodes.v[s->idx].edge_loc :
				 &c->out_loc.v[s->idx];

	if (!lana_frame_compatible(s->frame, d->frame)) {
		if (should_report(c, loc, ONCE_FRAME_MISMATCH)) {
			lana_error(c->s, loc,
				   "frame type mismatch: %s carries %s frames, the input takes %s",
				   s->desc, lana_frame_name(s->frame),
				   lana_frame_name(d->frame));
			note_expansion(c, sc);
		}
		if (*tgt == NONE)
			*tgt = EP_ERROR;
		return;
	}
	if (*tgt != NONE) {
		if (should_report(c, loc, ONCE_FAN_OUT)) {
			lana_error(c->s, loc,
				   "%s is already connected (fan-out needs a tee)",
				   s->desc);
			lana_note(c->s, *first, "first connected here");
			note_expansion(c, sc);
		}
		return;
	}
	*tgt = d->vnode ? EP_VNODE | d->idx : d->idx;
	*first = loc;
}

/* The connection from @s failed with an error: do not also call it unconnected. */
static void mark_error(struct ctx *c, const struct end *s)
{
	uint32_t *tgt = target_of(c, s);

	if (*tgt == NONE)
		*tgt = EP_ERROR;
}

/* See compile_internal.h. */
void lc_connect_chain(struct ctx *c, struct scope *sc,
		      const struct ast_chain *ch, const uint32_t *refs)
{
	uint32_t j;

	for (j = 0; j + 1 < ch->n; j++) {
		struct end se, de;

		if (refs[j] == NONE)
			continue;
		if (!get_end(c, sc, refs[j], &ch->elems[j], &src_side, &se))
			continue;
		if (refs[j + 1] == NONE ||
		    !get_end(c, sc, refs[j + 1], &ch->elems[j + 1], &dst_side,
			     &de)) {
			mark_error(c, &se);
			continue;
		}
		connect(c, sc, &se, &de, ch->arrows[j]);
	}
}

/* ------------------------------------- phase 4: edges between real ports */

/* Follow vnode @v to a real IN slot; NONE when it dead-ends. */
static uint32_t resolve_vnode(struct ctx *c, uint32_t v0)
{
	uint32_t v = v0, steps = 0;

	/* iterative walk; at most nvnodes steps, then it is a loop */
	while (steps++ <= c->vnodes.n) {
		struct vnode *vn = &c->vnodes.v[v];

		if (vn->state == 2)
			return vn->final;
		if (vn->target == NONE || vn->target == EP_ERROR)
			return NONE;
		if (!(vn->target & EP_VNODE))
			return vn->target;
		v = vn->target & ~EP_VNODE;
	}
	return NONE;
}

static void report_dangling_vnode(struct ctx *c, uint32_t v0)
{
	uint32_t v = v0, steps = 0;

	while (steps++ <= c->vnodes.n) {
		struct vnode *vn = &c->vnodes.v[v];

		if (vn->target == EP_ERROR)
			return;
		if (vn->target == NONE) {
			if (vn->dir == LANA_PORT_OUT) {
				if (!vn->reported) {
					vn->reported = true;
					lana_error(c->s, vn->inst_loc,
						   "output '%s' of '%s' (%s) is not connected",
						   vn->port, vn->inst,
						   vn->def->ast->name);
				}
			} else if (!vn->def->reported[vn->def_port]) {
				vn->def->reported[vn->def_port] = true;
				lana_error(c->s, vn->def->in_ports[vn->def_port]->loc,
					   "input '%s' of block '%s' is not connected inside the block",
					   vn->port, vn->def->ast->name);
			}
			return;
		}
		if (!(vn->target & EP_VNODE))
			return;
		v = vn->target & ~EP_VNODE;
	}
}

/* See compile_internal.h. */
void lc_resolve_edges(struct ctx *c, edge_vec *edges, uint32_t *final)
{
	uint32_t b, p, v;

	for (v = 0; v < c->vnodes.n; v++) {
		c->vnodes.v[v].final = resolve_vnode(c, v);
		c->vnodes.v[v].state = 2;
	}
	for (b = 0; b < c->blocks.n; b++) {
		struct block *bl = &c->blocks.v[b];
		struct count_ctx cc = { bl->bt, bl->params };

		for (p = 0; p < bl->nout; p++) {
			uint32_t slot = bl->out_base + p, t = c->out_tgt.v[slot];

			if (t == EP_ERROR) {
				final[slot] = NONE;
				continue;
			}
			if (t != NONE && (t & EP_VNODE)) {
				uint32_t vn = t & ~EP_VNODE;

				t = c->vnodes.v[vn].final;
				if (t == NONE)
					report_dangling_vnode(c, vn);
			}
			final[slot] = t;
			if (t == NONE) {
				const struct lana_port *pd;
				uint32_t sub;

				if (c->out_tgt.v[slot] != NONE || bl->bad)
					continue;	/* reported already */
				pd = lana_port_at(bl->bt, LANA_PORT_OUT, p,
						  lc_count_cb, &cc, &sub);
				if (pd && !(pd->flags & LANA_PORTF_OPTIONAL)) {
					if (pd->count)
						lana_error(c->s, bl->loc,
							   "output '%s[%u]' of '%s' (%s) is not connected",
							   pd->name, sub, bl->name,
							   bl->bt->name);
					else
						lana_error(c->s, bl->loc,
							   "output '%s' of '%s' (%s) is not connected",
							   pd->name, bl->name,
							   bl->bt->name);
				}
				continue;
			}
			{
				struct edge ed = { b, p, c->in_owner.v[t], 0 };

				ed.dport = t - c->blocks.v[ed.dst].in_base;
				VEC_PUSH(edges, ed);
			}
		}
	}
	/* inputs of compounds that are not connected inside the body */
	for (v = 0; v < c->vnodes.n; v++)
		if (c->vnodes.v[v].dir == LANA_PORT_IN &&
		    c->vnodes.v[v].target == NONE)
			report_dangling_vnode(c, v);
}
