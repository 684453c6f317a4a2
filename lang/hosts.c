// SPDX-License-Identifier: GPL-2.0
/*
 * lang/hosts.c - fleet models (docs/fleet.md): one .lana model of a
 * network spread over hosts, as LSDN describes one network for every host
 * and each host claims its part (LSDN paper, sec. 3: the model is shared,
 * each host's daemon realises what is local to it).
 *
 * `host NAME(underlay = ADDR) { ... }` places the blocks declared in its
 * body on that host (the parser marks the body's chains, lang/ast.h).
 * After the flat graph is checked, this pass:
 *  - checks the hosts: unique names, an IPv4 or IPv6 underlay address;
 *  - checks that every block is on a host (a block declared outside every
 *    host is an error naming the host of a block it is connected to);
 *  - turns every edge between blocks of two hosts (a cross-host edge)
 *    into a tunnel: a vxlan block at each end (RFC 7348; local = its
 *    host's underlay, remote = the other's), the edge's source feeding
 *    one and the other's `out` feeding the edge's target. An edge a -> b
 *    and an edge b -> a share one tunnel (the vxlan blocks are vlinks:
 *    both directions), the first unpaired edges by port order;
 *  - with a host named (lanarun compile --host NAME) keeps that host's
 *    blocks and edges only, numbered 1..N in graph order.
 *
 * A tunnel's VNI comes from the edges it carries, not from their order in
 * the file, so that an unrelated change never renumbers it: FNV-1a
 * (IETF draft-eastlake-fnv) of "SRC.PORT>DST.PORT" (and "|" and the
 * paired edge's), mapped onto 1..16777214; two tunnels of one model that
 * hash alike are told apart by taking the next free VNI in the order of
 * their keys (only those two can move). The tunnel blocks are named
 * "tunnel/A-B" after the blocks at its ends (A the source of the edge
 * with the smaller key); "/2", "/3" ... when two blocks share more than
 * one tunnel. Those names cannot clash with a user's: '/' and '-' are
 * not allowed in identifiers.
 */
#include "compile_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VNI_SPAN 0xfffffeu	/* VNIs 1 .. 2^24 - 2 */

struct hinfo {
	const struct ast_host *h;
	const char *underlay;	/* canonical text (lana_udp_addr_str()) */
};

struct tunnel {
	uint32_t fwd, rev;	/* edge indices; rev NONE: one direction */
	char *key;
	uint32_t vni;
};

static const char *host_name(const struct hinfo *hi, uint32_t host)
{
	return host ? hi[host - 1].h->name : "(none)";
}

/* Host @h's arguments into @hi; false (reported) if they are wrong. */
static bool host_args(struct ctx *c, const struct ast_host *h,
		      struct hinfo *hi)
{
	bool ok = true, have = false;
	char buf[64];
	uint32_t i;

	hi->h = h;
	for (i = 0; i < h->nargs; i++) {
		const struct ast_arg *a = &h->args[i];
		struct lana_udp_addr ua;

		if (strcmp(a->key, "underlay")) {
			lana_error(c->s, a->key_loc,
				   "host '%s' has no parameter '%s' (a host has: underlay)",
				   h->name, a->key);
			ok = false;
			continue;
		}
		have = true;
		if ((a->val->kind != AST_VAL_WORD &&
		     a->val->kind != AST_VAL_STRING) ||
		    lana_udp_addr_parse(a->val->text, 0, &ua)) {
			lana_error(c->s, a->val->loc,
				   "host '%s': underlay '%s' is not an IPv4 or IPv6 address",
				   h->name, a->val->text ? a->val->text : "[...]");
			ok = false;
			continue;
		}
		if (ua.port) {
			lana_error(c->s, a->val->loc,
				   "host '%s': underlay is an address without a port (tunnels use their own)",
				   h->name);
			ok = false;
			continue;
		}
		hi->underlay = lana_arena_strdup(c->val_arena,
						 lana_udp_addr_str(&ua, false,
								   buf,
								   sizeof(buf)));
	}
	if (!have) {
		lana_error(c->s, h->name_loc,
			   "host '%s' needs its underlay address: host %s(underlay = ADDR)",
			   h->name, h->name);
		ok = false;
	}
	return ok;
}

/* Every block on a host; a block outside all is reported once. */
static bool check_placement(struct ctx *c, const edge_vec *edges,
			    const struct hinfo *hi)
{
	bool ok = true;
	uint32_t b, i;

	for (b = 0; b < c->blocks.n; b++) {
		const struct block *bl = &c->blocks.v[b];
		uint32_t near = 0, other = NONE;

		if (bl->host || bl->bad)
			continue;
		for (i = 0; i < edges->n && !near; i++) {
			const struct edge *e = &edges->v[i];

			other = e->src == b ? e->dst :
				e->dst == b ? e->src : NONE;
			if (other != NONE)
				near = c->blocks.v[other].host;
		}
		lana_error(c->s, bl->loc,
			   "block '%s' is declared outside every host; in a model with hosts each block belongs to one",
			   bl->name);
		if (near)
			lana_note(c->s, c->blocks.v[other].loc,
				  "it is connected to '%s' on host '%s': declare it in host %s { ... }",
				  c->blocks.v[other].name,
				  host_name(hi, near), host_name(hi, near));
		ok = false;
	}
	return ok;
}

/* The frame type edge @e's source port sends. */
static unsigned int out_frame(struct ctx *c, const struct edge *e)
{
	const struct block *b = &c->blocks.v[e->src];
	struct count_ctx cc = { b->bt, b->params };
	const struct lana_port *pd = lana_port_at(b->bt, LANA_PORT_OUT,
						  e->port, lc_count_cb, &cc,
						  NULL);

	return pd ? pd->frame : LANA_FRAME_ANY;
}

/* FNV-1a, 32 bits, of @s. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static char *edge_key(struct ctx *c, const struct edge *e)
{
	const char *s = c->blocks.v[e->src].name, *d = c->blocks.v[e->dst].name;
	size_t n = strlen(s) + strlen(d) + 24;
	char *k = xmalloc(n);

	snprintf(k, n, "%s.%u>%s.%u", s, e->port, d, e->dport);
	return k;
}

static int cmp_tunnel(const void *a, const void *b)
{
	return strcmp(((const struct tunnel *)a)->key,
		      ((const struct tunnel *)b)->key);
}

/* Pair the cross-host edges into tunnels (see the top); their number. */
static uint32_t make_tunnels(struct ctx *c, const edge_vec *edges,
			     struct tunnel **out)
{
	uint32_t n = 0, i, j;
	struct tunnel *t = NULL;
	bool *used = xcalloc(edges->n + 1, sizeof(*used));
	for (i = 0; i < edges->n; i++) {
		const struct edge *e = &edges->v[i];
		uint32_t rev = NONE;
		char *k1, *k2;

		if (used[i] || c->blocks.v[e->src].host ==
			       c->blocks.v[e->dst].host)
			continue;
		used[i] = true;
		/* the first unused reverse edge (edges are in port order) */
		for (j = i + 1; j < edges->n; j++) {
			const struct edge *r = &edges->v[j];

			if (!used[j] && r->src == e->dst && r->dst == e->src) {
				rev = j;
				used[j] = true;
				break;
			}
		}
		t = xrealloc(t, sizeof(*t) * (n + 1));
		k1 = edge_key(c, e);
		t[n].fwd = i;
		t[n].rev = rev;
		if (rev != NONE) {
			size_t len;

			k2 = edge_key(c, &edges->v[rev]);
			if (strcmp(k2, k1) < 0) {
				char *x = k1;

				k1 = k2;
				k2 = x;
				t[n].fwd = rev;
				t[n].rev = i;
			}
			len = strlen(k1) + strlen(k2) + 2;
			t[n].key = xmalloc(len);
			snprintf(t[n].key, len, "%s|%s", k1, k2);
			free(k1);
			free(k2);
		} else {
			t[n].key = k1;
		}
		n++;
	}
	free(used);
	if (n)
		qsort(t, n, sizeof(*t), cmp_tunnel);
	*out = t;
	return n;
}

/* VNIs from the keys, collisions moved on in key order (see the top). */
static void assign_vnis(struct tunnel *t, uint32_t n)
{
	uint8_t *taken = xcalloc(VNI_SPAN / 8 + 2, 1);
	uint32_t i;
	for (i = 0; i < n; i++) {
		uint32_t v = fnv1a(t[i].key) % VNI_SPAN;

		while (taken[v / 8] & (1u << (v % 8)))
			v = (v + 1) % VNI_SPAN;
		taken[v / 8] |= (uint8_t)(1u << (v % 8));
		t[i].vni = v + 1;
	}
	free(taken);
}

/* A vxlan block for tunnel end @name on host @host. */
static uint32_t tunnel_end(struct ctx *c, const struct lana_block_type *bt,
			   const char *name, uint32_t host, uint32_t vni,
			   const char *local, const char *remote,
			   struct lana_loc loc)
{
	uint32_t np = lana_param_count(bt), i;
	struct lana_value *p = lana_arena_alloc(c->val_arena,
						sizeof(*p) * (np + 1));

	for (i = 0; i < np; i++) {
		const struct lana_param *pp = &bt->params[i];

		if (!strcmp(pp->name, "vni")) {
			p[i].type = LANA_PT_U32;
			p[i].u = vni;
		} else if (!strcmp(pp->name, "local")) {
			p[i].type = LANA_PT_STRING;
			p[i].str = local;
		} else if (!strcmp(pp->name, "remote")) {
			p[i].type = LANA_PT_LIST;
			p[i].list.elem = LANA_PT_STRING;
			p[i].list.n = 1;
			p[i].list.items = lana_arena_alloc(c->val_arena,
							   sizeof(*p));
			p[i].list.items[0].type = LANA_PT_STRING;
			p[i].list.items[0].str = remote;
		} else if (pp->def) {
			p[i] = *lc_type_default(c, bt, i);
		}
	}
	c->cur_host = host;
	i = lc_add_block(c, lana_arena_strdup(c->val_arena, name), bt, p, loc);
	c->cur_host = 0;
	return i;
}

/* Tunnel @t's two vxlan blocks and edges in place of its edges. */
static void build_tunnel(struct ctx *c, const struct lana_block_type *bt,
			 const struct hinfo *hi, edge_vec *edges,
			 const struct tunnel *t, uint32_t nth)
{
	struct edge f = edges->v[t->fwd];
	uint32_t ha = c->blocks.v[f.src].host, hb = c->blocks.v[f.dst].host;
	const char *an = c->blocks.v[f.src].name, *bn = c->blocks.v[f.dst].name;
	size_t len = strlen(an) + strlen(bn) + 24;
	char *name = xmalloc(len);
	uint32_t ta, tb;

	if (nth > 1)
		snprintf(name, len, "tunnel/%s-%s/%u", an, bn, nth);
	else
		snprintf(name, len, "tunnel/%s-%s", an, bn);
	ta = tunnel_end(c, bt, name, ha, t->vni, hi[ha - 1].underlay,
			hi[hb - 1].underlay, c->blocks.v[f.src].loc);
	tb = tunnel_end(c, bt, name, hb, t->vni, hi[hb - 1].underlay,
			hi[ha - 1].underlay, c->blocks.v[f.dst].loc);
	free(name);
	/* a.port -> ta.in, tb.out -> b.dport (vxlan: in 0, out 0) */
	edges->v[t->fwd] = (struct edge){ f.src, f.port, ta, 0 };
	VEC_PUSH(edges, ((struct edge){ tb, 0, f.dst, f.dport }));
	if (t->rev != NONE) {
		struct edge r = edges->v[t->rev];

		edges->v[t->rev] = (struct edge){ r.src, r.port, tb, 0 };
		VEC_PUSH(edges, ((struct edge){ ta, 0, r.dst, r.dport }));
	}
}

/* How many tunnels before @i join the same two blocks (for the name). */
static uint32_t nth_between(const edge_vec *edges, const struct tunnel *t,
			    uint32_t i)
{
	const struct edge *e = &edges->v[t[i].fwd];
	uint32_t j, n = 1;

	for (j = 0; j < i; j++) {
		const struct edge *o = &edges->v[t[j].fwd];

		if ((o->src == e->src && o->dst == e->dst) ||
		    (o->src == e->dst && o->dst == e->src))
			n++;
	}
	return n;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
}

void lc_hosts(struct ctx *c, uint32_t top, edge_vec *edges, uint32_t **keep,
	      bool want_plan, bool clean)
{
	const struct ast_file *f = c->files.v[top].ast;
	const char *want = c->o ? c->o->host : NULL;
	const struct lana_block_type *bt;
	struct tunnel *t = NULL;
	struct hinfo *hi;
	uint32_t i, j, nt, sel = 0, n;
	bool ok = true;

	*keep = NULL;
	if (!f->nhosts) {
		if (want)
			lana_error(c->s, (struct lana_loc){ 0 },
				   "--host %s: the model declares no hosts",
				   want);
		return;
	}
	hi = xcalloc(f->nhosts, sizeof(*hi));
	for (i = 0; i < f->nhosts; i++) {
		ok &= host_args(c, &f->hosts[i], &hi[i]);
		if (!strcmp(f->hosts[i].name, "all")) {
			lana_error(c->s, f->hosts[i].name_loc,
				   "'all' cannot name a host (--host all means every host)");
			ok = false;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(f->hosts[i].name, f->hosts[j].name))
				continue;
			lana_error(c->s, f->hosts[i].name_loc,
				   "redefinition of host '%s'",
				   f->hosts[i].name);
			lana_note(c->s, f->hosts[j].name_loc,
				  "previous definition is here");
			ok = false;
			break;
		}
		if (want && !strcmp(want, f->hosts[i].name) && !sel)
			sel = i + 1;
	}
	ok &= check_placement(c, edges, hi);
	if (want && !sel) {
		lana_error(c->s, (struct lana_loc){ 0 },
			   "--host %s: no such host in the model", want);
		for (i = 0; i < f->nhosts; i++)
			lana_note(c->s, f->hosts[i].name_loc,
				  "host '%s' is declared here",
				  f->hosts[i].name);
		ok = false;
	} else if (want_plan && !want) {
		lana_error(c->s, (struct lana_loc){ 0 },
			   "the model places its blocks on %u hosts: make one host's plan with --host NAME",
			   f->nhosts);
		ok = false;
	}
	bt = lana_catalogue_find("vxlan");
	if (!ok || !clean || !bt) {
		free(hi);
		return;
	}
	nt = make_tunnels(c, edges, &t);
	for (i = 0; i < nt; i++) {
		const struct edge *e = &edges->v[t[i].fwd];
		uint32_t ha = c->blocks.v[e->src].host;
		uint32_t hb = c->blocks.v[e->dst].host;

		for (j = 0; j < 2; j++) {
			const struct edge *x = j ? (t[i].rev != NONE ?
				&edges->v[t[i].rev] : NULL) : e;
			unsigned int fr;

			if (!x)
				continue;
			fr = out_frame(c, x);
			if (lana_frame_compatible(fr, LANA_FRAME_ETH))
				continue;
			lana_error(c->s, c->out_loc.v[c->blocks.v[x->src].out_base +
						      x->port],
				   "edge '%s' -> '%s' crosses hosts with %s frames: a tunnel carries eth frames",
				   c->blocks.v[x->src].name,
				   c->blocks.v[x->dst].name,
				   lana_frame_name(fr));
			ok = false;
		}
		/* the canonical text: IPv6 has a ':', IPv4 none */
		if (!strchr(hi[ha - 1].underlay, ':') ==
		    !strchr(hi[hb - 1].underlay, ':'))
			continue;
		lana_error(c->s, c->out_loc.v[c->blocks.v[e->src].out_base +
					      e->port],
			   "edge '%s' -> '%s' joins host '%s' (underlay %s) and host '%s' (underlay %s): a tunnel needs one address family",
			   c->blocks.v[e->src].name, c->blocks.v[e->dst].name,
			   hi[ha - 1].h->name, hi[ha - 1].underlay,
			   hi[hb - 1].h->name, hi[hb - 1].underlay);
		ok = false;
	}
	if (!ok) {
		for (i = 0; i < nt; i++)
			free(t[i].key);
		free(t);
		free(hi);
		return;
	}
	assign_vnis(t, nt);
	for (i = 0; i < nt; i++)
		build_tunnel(c, bt, hi, edges, &t[i], nth_between(edges, t, i));
	for (i = 0; i < nt; i++)
		free(t[i].key);
	free(t);
	free(hi);
	if (!sel)
		return;
	/* one host's part, numbered in graph order */
	*keep = xcalloc(c->blocks.n + 1, sizeof(**keep));
	for (i = 0, n = 0; i < c->blocks.n; i++)
		if (c->blocks.v[i].host == sel)
			(*keep)[i] = ++n;
	for (i = 0, j = 0; i < edges->n; i++)
		if ((*keep)[edges->v[i].src])
			edges->v[j++] = edges->v[i];
	edges->n = j;
	qsort(edges->v, edges->n, sizeof(*edges->v), cmp_edge);
}
