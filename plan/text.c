// SPDX-License-Identifier: GPL-2.0
/*
 * plan/text.c - text forms of a plan: disassembly, JSON and Graphviz
 * DOT (formats in docs/plan-format.md). All three are deterministic: they
 * follow the instruction order and the stored parameter order.
 */
#include "plan.h"
#include "blocks/catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IDP -> index of the instruction that defines it (first NEW/REPLACE). */
static void index_blocks(const struct lana_plan *p, struct lana_map *m)
{
	uint32_t i;

	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op == LANA_OP_NEW || in->op == LANA_OP_REPLACE)
			lana_map_putn(m, (const char *)&in->idp, 4, i, NULL);
	}
}

static const struct lana_insn *find_block(const struct lana_plan *p,
					  const struct lana_map *m,
					  uint32_t idp)
{
	uint32_t i;

	if (!lana_map_getn(m, (const char *)&idp, 4, &i))
		return NULL;
	return &p->insns.v[i];
}

/*
 * Append the name of port @port (direction @dir) of block @in: "out",
 * "out[1]" for a group member, or the bare index when the type or the port
 * is unknown.
 */
static void put_port(struct lana_buf *b, const struct lana_insn *in,
		     unsigned int dir, uint32_t port)
{
	lana_insn_port_name(in, dir, port, b);
}

/* "1 src.out" when the plan defines IDP @idp, else "7.0". */
static void put_end(struct lana_buf *b, const struct lana_plan *p,
		    const struct lana_map *m, uint32_t idp, unsigned int dir,
		    uint32_t port)
{
	const struct lana_insn *in = find_block(p, m, idp);

	if (!in) {
		lana_buf_printf(b, "%u.%u", idp, port);
		return;
	}
	lana_buf_printf(b, "%u %s.", idp, in->name);
	put_port(b, in, dir, port);
}

static void put_params(struct lana_buf *b, const struct lana_insn *in)
{
	uint32_t k;

	for (k = 0; k < in->nparams; k++) {
		lana_buf_printf(b, " %s=", in->params[k].key);
		lana_value_format(&in->params[k].val, b);
	}
}

void lana_plan_disasm(const struct lana_plan *p, struct lana_buf *b)
{
	struct lana_map m = { 0 };
	bool edit = p->flags & LANA_PLAN_F_EDIT;
	uint32_t i;

	index_blocks(p, &m);
	lana_buf_printf(b, "; LANA plan v%u.%u, %s, %u instruction%s, crc 0x%08x\n",
			LANA_PLAN_VERSION_MAJOR, LANA_PLAN_VERSION_MINOR,
			edit ? "edit" : "full", p->insns.n,
			p->insns.n == 1 ? "" : "s", p->crc);
	lana_buf_printf(b, "%-8sbase=0x%08x count=%u\n", "BEGIN", p->base_crc,
			p->insns.n);
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		lana_buf_printf(b, "%-8s", lana_op_name(in->op));
		switch (in->op) {
		case LANA_OP_NEW:
		case LANA_OP_REPLACE:
			lana_buf_printf(b, "%u %s %s", in->idp, in->name,
					in->type);
			put_params(b, in);
			break;
		case LANA_OP_SET:
			lana_buf_printf(b, "%u %s", in->idp, in->name);
			put_params(b, in);
			break;
		case LANA_OP_DEL:
			lana_buf_printf(b, "%u %s", in->idp, in->name);
			break;
		case LANA_OP_BIND:
		case LANA_OP_UNBIND:
			put_end(b, p, &m, in->idp, LANA_PORT_OUT, in->port);
			lana_buf_puts(b, " -> ");
			put_end(b, p, &m, in->dst, LANA_PORT_IN, in->dport);
			break;
		}
		lana_buf_putc(b, '\n');
	}
	lana_buf_puts(b, "COMMIT\n");
	lana_map_free(&m);
}

void lana_plan_json(const struct lana_plan *p, struct lana_buf *b)
{
	uint32_t i, k;

	lana_buf_printf(b, "{\"version\":\"%u.%u\",\"edit\":%s,\"base_crc\":%u,\"crc\":%u,\"insns\":[",
			LANA_PLAN_VERSION_MAJOR, LANA_PLAN_VERSION_MINOR,
			p->flags & LANA_PLAN_F_EDIT ? "true" : "false",
			p->base_crc, p->crc);
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		lana_buf_printf(b, "%s{\"op\":\"%s\"", i ? "," : "",
				lana_op_name(in->op));
		switch (in->op) {
		case LANA_OP_NEW:
		case LANA_OP_REPLACE:
		case LANA_OP_SET:
		case LANA_OP_DEL:
			lana_buf_printf(b, ",\"idp\":%u", in->idp);
			if (in->op != LANA_OP_SET && in->op != LANA_OP_DEL) {
				lana_buf_puts(b, ",\"type\":");
				lana_buf_put_json_str(b, in->type);
			}
			lana_buf_puts(b, ",\"name\":");
			lana_buf_put_json_str(b, in->name);
			if (in->op == LANA_OP_DEL)
				break;
			lana_buf_puts(b, ",\"params\":{");
			for (k = 0; k < in->nparams; k++) {
				if (k)
					lana_buf_putc(b, ',');
				lana_buf_put_json_str(b, in->params[k].key);
				lana_buf_putc(b, ':');
				lana_value_format_json(&in->params[k].val, b);
			}
			lana_buf_putc(b, '}');
			break;
		case LANA_OP_BIND:
		case LANA_OP_UNBIND:
			lana_buf_printf(b, ",\"src\":%u,\"src_port\":%u,\"dst\":%u,\"dst_port\":%u",
					in->idp, in->port, in->dst, in->dport);
			break;
		}
		lana_buf_putc(b, '}');
	}
	lana_buf_puts(b, "]}\n");
}

/* Append @s escaped for the inside of a DOT double-quoted string. */
static void dot_esc(struct lana_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			lana_buf_putc(b, '\\');
		if (*s == '\n')
			lana_buf_puts(b, "\\n");
		else
			lana_buf_putc(b, *s);
	}
}

/*
 * The node id of IDP @idp: its quoted name, or "#7" when not defined; with
 * @host (a fleet picture) "host:name".
 */
static void dot_node(struct lana_buf *b, const char *host,
		     const struct lana_insn *in, uint32_t idp)
{
	lana_buf_putc(b, '"');
	if (host) {
		dot_esc(b, host);
		lana_buf_putc(b, ':');
	}
	if (in && in->name && *in->name)
		dot_esc(b, in->name);
	else
		lana_buf_printf(b, "#%u", idp);
	lana_buf_putc(b, '"');
}

/* Block @in as a node: label "name\ntype"; @indent tabs first. */
static void dot_block(struct lana_buf *b, const char *indent,
		      const char *host, const struct lana_insn *in)
{
	lana_buf_puts(b, indent);
	dot_node(b, host, in, in->idp);
	lana_buf_puts(b, " [label=\"");
	dot_esc(b, in->name);
	lana_buf_puts(b, "\\n");
	dot_esc(b, in->type);
	lana_buf_puts(b, "\"];\n");
}

/*
 * The edge from OUT port @port of @s (IDP @sidp, on @hs) to IN port
 * @dport of @d (@didp, on @hd), port names as labels; @style, when not
 * NULL, adds "style=STYLE" and @label "label=LABEL".
 */
static void dot_edge(struct lana_buf *b, const char *indent, const char *hs,
		     const struct lana_insn *s, uint32_t sidp, uint32_t port,
		     const char *hd, const struct lana_insn *d, uint32_t didp,
		     uint32_t dport, const char *style, const char *label)
{
	lana_buf_puts(b, indent);
	dot_node(b, hs, s, sidp);
	lana_buf_puts(b, " -> ");
	dot_node(b, hd, d, didp);
	lana_buf_puts(b, " [");
	if (style)
		lana_buf_printf(b, "style=%s, ", style);
	lana_buf_puts(b, "taillabel=\"");
	put_port(b, s, LANA_PORT_OUT, port);
	lana_buf_puts(b, "\", headlabel=\"");
	put_port(b, d, LANA_PORT_IN, dport);
	lana_buf_putc(b, '"');
	if (label) {
		lana_buf_puts(b, ", label=\"");
		dot_esc(b, label);
		lana_buf_putc(b, '"');
	}
	lana_buf_puts(b, "];\n");
}

static bool is_tunnel(const struct lana_insn *in, const char *prefix)
{
	return in && in->name && !strncmp(in->name, prefix, strlen(prefix));
}

/* "vni N" of tunnel block @t into @buf (@len bytes). */
static const char *vni_label(const struct lana_insn *t, char *buf, size_t len)
{
	uint32_t l;

	buf[0] = 0;
	for (l = 0; l < t->nparams; l++)
		if (!strcmp(t->params[l].key, "vni"))
			snprintf(buf, len, "vni %llu",
				 (unsigned long long)t->params[l].val.u);
	return buf;
}

/* One host's cluster: its blocks and edges, the tunnel blocks left out. */
static void dot_cluster(struct lana_buf *b, const struct lana_plan *p,
			struct lana_map *m, uint32_t h, const char *host,
			const char *label, const char *prefix)
{
	uint32_t i;

	lana_buf_printf(b, "\tsubgraph \"cluster_%u\" {\n\t\tlabel=\"", h);
	dot_esc(b, label);
	lana_buf_puts(b, "\";\n\t\tstyle=rounded;\n");
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op == LANA_OP_NEW && !is_tunnel(in, prefix) &&
		    find_block(p, m, in->idp) == in)
			dot_block(b, "\t\t", host, in);
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		const struct lana_insn *s, *d;

		if (in->op != LANA_OP_BIND)
			continue;
		s = find_block(p, m, in->idp);
		d = find_block(p, m, in->dst);
		if (!is_tunnel(s, prefix) && !is_tunnel(d, prefix))
			dot_edge(b, "\t\t", host, s, in->idp, in->port, host,
				 d, in->dst, in->dport, NULL, NULL);
	}
	lana_buf_puts(b, "\t}\n");
}

void lana_fleet_dot(const struct lana_plan *plans, const char *const *hosts,
		    const char *const *labels, uint32_t n, const char *prefix,
		    struct lana_buf *b)
{
	struct lana_map *m = xcalloc(n + 1, sizeof(*m));
	uint32_t h, i, k, j;
	char vni[32];

	lana_buf_puts(b, "digraph lana {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (h = 0; h < n; h++) {
		index_blocks(&plans[h], &m[h]);
		dot_cluster(b, &plans[h], &m[h], h, hosts[h], labels[h],
			    prefix);
	}
	/* X -> T on host h and T -> Y on host k (the same tunnel name): the
	 * frames X sends leave T on k towards Y, one dashed edge */
	for (h = 0; h < n; h++) {
		const struct lana_plan *p = &plans[h];

		for (i = 0; i < p->insns.n; i++) {
			const struct lana_insn *in = &p->insns.v[i];
			const struct lana_insn *s, *t;

			if (in->op != LANA_OP_BIND)
				continue;
			s = find_block(p, &m[h], in->idp);
			t = find_block(p, &m[h], in->dst);
			if (!is_tunnel(t, prefix) || is_tunnel(s, prefix))
				continue;
			for (k = 0; k < n; k++) {
				const struct lana_plan *q = &plans[k];

				for (j = 0; k != h && j < q->insns.n; j++) {
					const struct lana_insn *o = &q->insns.v[j];
					const struct lana_insn *t2, *y;

					if (o->op != LANA_OP_BIND)
						continue;
					t2 = find_block(q, &m[k], o->idp);
					y = find_block(q, &m[k], o->dst);
					if (!t2 || !t2->name ||
					    strcmp(t2->name, t->name) ||
					    is_tunnel(y, prefix))
						continue;
					dot_edge(b, "\t", hosts[h], s, in->idp,
						 in->port, hosts[k], y, o->dst,
						 o->dport, "dashed",
						 vni_label(t, vni, sizeof(vni)));
				}
			}
		}
	}
	lana_buf_puts(b, "}\n");
	for (h = 0; h < n; h++)
		lana_map_free(&m[h]);
	free(m);
}

void lana_plan_dot(const struct lana_plan *p, struct lana_buf *b)
{
	struct lana_map m = { 0 };
	uint32_t i;

	index_blocks(p, &m);
	lana_buf_puts(b, "digraph lana {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_NEW && in->op != LANA_OP_REPLACE)
			continue;
		if (find_block(p, &m, in->idp) != in)
			continue;	/* IDP defined twice: first one wins */
		dot_block(b, "\t", NULL, in);
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op == LANA_OP_BIND)
			dot_edge(b, "\t", NULL, find_block(p, &m, in->idp),
				 in->idp, in->port, NULL,
				 find_block(p, &m, in->dst), in->dst,
				 in->dport, NULL, NULL);
	}
	lana_buf_puts(b, "}\n");
	lana_map_free(&m);
}
