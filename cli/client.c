// SPDX-License-Identifier: GPL-2.0
/*
 * cli/client.c - lanarun's engine commands (apply, show, stats, set,
 * flush) over the control protocol (cli/ctl_client.h).
 */
#include "client.h"
#include "ctl_client.h"
#include "lang/compile.h"
#include "plan/plan.h"
#include "lang/source.h"
#include "plan/value.h"
#include "blocks/catalogue.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

static const char *prog = "lanarun";

int lana_client_engine_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return LANA_CLIENT_AUTO;
	if (!strcmp(s, "user") || !strcmp(s, "lanad"))
		return LANA_CLIENT_USER;
	if (!strcmp(s, "kernel"))
		return LANA_CLIENT_KERNEL;
	return -1;
}

/*
 * Connect to the engine @o names: the kernel family (kernel, or auto when
 * it is registered), else lanad. Returns 0 or EXIT_USAGE (message printed).
 */
static int client_connect(const struct lana_client_opts *o,
			  struct lana_ctl_conn *c)
{
	const char *path;
	int r;

	if (o->engine != LANA_CLIENT_USER) {
		r = lana_ctl_connect_kernel(c);
		if (!r)
			return 0;
		if (o->engine == LANA_CLIENT_KERNEL) {
			if (r == -ENOENT)
				fprintf(stderr,
					"%s: kernel engine not loaded (modprobe lana)\n",
					prog);
			else
				fprintf(stderr,
					"%s: cannot open generic netlink: %s\n",
					prog, strerror(-r));
			return EXIT_USAGE;
		}
	}
	path = lana_ctl_socket_path(o->socket);
	r = lana_ctl_connect_user(c, path);
	if (r) {
		fprintf(stderr,
			"%s: cannot connect to lanad at %s: %s (is lanad running?)\n",
			prog, path, strerror(-r));
		return EXIT_USAGE;
	}
	return 0;
}

int lana_client_run(const struct lana_client_opts *o, lana_client_cmd_fn *fn,
		    int argc, char **argv)
{
	struct lana_ctl_conn c;
	int rc;

	rc = client_connect(o, &c);
	if (rc)
		return rc;
	rc = fn(o, &c, argc, argv);
	lana_ctl_close(&c);
	return rc;
}

/* Fetch and decode the running plan. 0 or EXIT_FINDINGS (printed). */
static int fetch_plan(struct lana_ctl_conn *c, struct lana_plan *p)
{
	struct lana_buf b = { 0 };
	char err[512];
	int r;

	r = lana_ctl_get_plan(c, &b, NULL, err, sizeof(err));
	if (r) {
		fprintf(stderr, "%s: cannot read the running graph: %s\n", prog,
			err);
		lana_buf_free(&b);
		return EXIT_FINDINGS;
	}
	r = lana_plan_decode(b.data, b.len, p, err, sizeof(err));
	lana_buf_free(&b);
	if (r) {
		fprintf(stderr, "%s: invalid plan from the engine: %s\n", prog,
			err);
		return EXIT_FINDINGS;
	}
	return 0;
}

int lana_client_converge(struct lana_ctl_conn *c, struct lana_plan *want,
			 struct lana_diff_stats *st, char *err, size_t errlen)
{
	struct lana_plan old, edit;
	struct lana_buf b = { 0 };
	int r;

	memset(st, 0, sizeof(*st));
	r = lana_ctl_get_plan(c, &b, NULL, err, errlen);
	if (!r)
		r = lana_plan_decode(b.data, b.len, &old, err, errlen);
	lana_buf_free(&b);
	if (r)
		return -1;
	r = lana_plan_diff(&old, want, &edit, st, err, errlen);
	lana_plan_free(&old);
	if (r)
		return -1;
	if (edit.insns.n) {
		r = lana_plan_encode(&edit, &b, err, errlen);
		if (!r)
			r = lana_ctl_send_plan(c, b.data, b.len, err, errlen);
		lana_buf_free(&b);
	}
	r = r ? -1 : edit.insns.n ? 1 : 0;
	lana_plan_free(&edit);
	return r;
}

void lana_client_report(const struct lana_client_opts *o, struct lana_sources *s)
{
	if (o->json) {
		struct lana_buf b = { 0 };

		lana_diags_json(s, &b);
		fprintf(stderr, "%s\n", b.data);
		lana_buf_free(&b);
	} else {
		lana_diags_print(s, stderr, o->color);
	}
}

int lana_client_load(const struct lana_client_opts *o, const char *path,
		     uint32_t engines, struct lana_plan *p)
{
	struct lana_compile_opts co = {
		.incdirs = o->incdirs,
		.nincdirs = o->nincdirs,
		.defines = o->defines,
		.ndefines = o->ndefines,
		.engines = engines,
		.max_blocks = o->max_blocks,
		.max_errors = o->max_errors,
		.host = o->host,
	};
	struct lana_sources s;
	char *data;
	size_t len;
	char err[512];
	int r;

	if (strcmp(path, "-")) {
		r = lana_read_input(path, LANA_MAX_PLAN_FILE, &data, &len,
				    err, sizeof(err));
		if (r) {
			fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path,
				err);
			return EXIT_USAGE;
		}
		if (len >= 8 && !memcmp(data, LANA_PLAN_MAGIC, 8)) {
			r = lana_plan_decode(data, len, p, err, sizeof(err));
			free(data);
			if (!r)
				r = lana_plan_validate(p, err, sizeof(err));
			if (r) {
				fprintf(stderr, "%s: error: invalid plan: %s\n",
					path, err);
				lana_plan_free(p);
				return EXIT_FINDINGS;
			}
			return 0;
		}
		free(data);
	}
	memset(&s, 0, sizeof(s));
	lana_sources_init(&s);
	s.werror = o->werror;
	r = lana_compile(&s, path, &co, p);
	if (s.errors || s.warnings)
		lana_client_report(o, &s);
	lana_sources_free(&s);
	if (r < 0)
		return EXIT_USAGE;
	return r ? EXIT_FINDINGS : 0;
}

static bool no_changes(const struct lana_diff_stats *st)
{
	return !(st->added | st->replaced | st->set | st->bound | st->rebound |
		 st->unbound | st->deleted);
}

int lana_cmd_apply(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv)
{
	struct lana_plan old, new_, edit;
	struct lana_diff_stats st = { 0 };
	struct lana_buf b = { 0 }, sum = { 0 };
	char err[1024];
	int rc;

	rc = fetch_plan(c, &old);
	if (rc)
		return rc;
	rc = lana_client_load(o, argv[0], c->kernel ? LANA_ENGINE_KERNEL :
					     LANA_ENGINE_USER, &new_);
	if (rc)
		goto out_old;
	if (new_.flags & LANA_PLAN_F_EDIT) {
		fprintf(stderr,
			"%s: error: invalid plan: an edit plan; apply takes a graph\n",
			argv[0]);
		rc = EXIT_FINDINGS;
		goto out_new;
	}
	if (lana_plan_diff(&old, &new_, &edit, &st, err, sizeof(err))) {
		fprintf(stderr, "%s: error: diff: %s\n", prog, err);
		rc = EXIT_FINDINGS;
		goto out_new;
	}
	lana_diff_summary(&st, &sum);
	/* encoding sets the edit plan's checksum (shown by disasm) */
	if (lana_plan_encode(&edit, &b, err, sizeof(err))) {
		fprintf(stderr, "%s: error: %s\n", prog, err);
		rc = EXIT_FINDINGS;
		goto out_edit;
	}
	if (o->dry_run) {
		struct lana_buf t = { 0 };

		if (o->json) {
			lana_buf_puts(&t, "{\"summary\":");
			lana_buf_put_json_str(&t, sum.data);
			lana_buf_puts(&t, ",\"applied\":false,\"plan\":");
			lana_plan_json(&edit, &t);
			lana_buf_puts(&t, "}\n");
		} else {
			lana_plan_disasm(&edit, &t);
			lana_buf_printf(&t, "; %s\n", sum.data);
		}
		fputs(t.data, stdout);
		lana_buf_free(&t);
		goto out_edit;
	}
	if (!no_changes(&st)) {
		rc = lana_ctl_send_plan(c, b.data, b.len, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "%s: apply failed: %s\n", prog, err);
			rc = EXIT_FINDINGS;
			goto out_edit;
		}
	}
	if (o->json) {
		printf("{\"summary\":");
		lana_buf_free(&b);
		lana_buf_put_json_str(&b, sum.data);
		printf("%s,\"applied\":%s}\n", b.data,
		       no_changes(&st) ? "false" : "true");
	} else {
		printf("%s\n", sum.data);
	}
out_edit:
	lana_plan_free(&edit);
out_new:
	lana_plan_free(&new_);
out_old:
	lana_plan_free(&old);
	lana_buf_free(&b);
	lana_buf_free(&sum);
	return rc;
}

/* ----------------------------------------------------------------- show */

struct stats_vec {
	VEC(struct lana_block_stats) v;
	struct lana_arena a;	/* copies of the strings */
};

static int collect(const struct lana_block_stats *s, void *ctx)
{
	struct stats_vec *sv = ctx;
	struct lana_block_stats c = *s;
	unsigned int i;

	if (s->partial)
		return 0;	/* more rows of a table: not asked for */
	c.rows = NULL;		/* freed after this call */
	c.nrows = 0;
	c.name = lana_arena_strdup(&sv->a, s->name);
	c.type = lana_arena_strdup(&sv->a, s->type);
	for (i = 0; i < c.nstat; i++)
		c.stat[i].name = lana_arena_strdup(&sv->a, s->stat[i].name);
	VEC_PUSH(&sv->v, c);
	return 0;
}

/* "out", "out[1]" for a group member, or the index when unknown. */
static void put_port(struct lana_buf *b, const struct lana_insn *in,
		     unsigned int dir, uint32_t port)
{
	lana_insn_port_name(in, dir, port, b);
}

static const struct lana_insn *by_idp(const struct lana_plan *p,
				      const struct lana_map *m, uint32_t idp)
{
	uint32_t i;

	if (!lana_map_getn(m, (const char *)&idp, 4, &i))
		return NULL;
	return &p->insns.v[i];
}

static const struct lana_block_stats *stats_of(const struct stats_vec *sv,
					       const struct lana_map *m,
					       uint32_t idp)
{
	uint32_t i;

	if (!lana_map_getn(m, (const char *)&idp, 4, &i))
		return NULL;
	return &sv->v.v[i];
}

static void put_edge_end(struct lana_buf *b, const struct lana_insn *in,
			 uint32_t idp, unsigned int dir, uint32_t port)
{
	if (in)
		lana_buf_puts(b, in->name);
	else
		lana_buf_printf(b, "#%u", idp);
	lana_buf_putc(b, '.');
	put_port(b, in, dir, port);
}

/* "drops":N,"loop_drops":N,... of the engine's own record @s. */
static void put_engine_json(struct lana_buf *b,
			    const struct lana_block_stats *s)
{
	unsigned int k;

	lana_buf_printf(b, "\"engine\":{\"drops\":%llu",
			s ? (unsigned long long)s->drops : 0ULL);
	for (k = 0; s && k < s->nstat; k++) {
		lana_buf_putc(b, ',');
		lana_buf_put_json_str(b, s->stat[k].name);
		lana_buf_printf(b, ":%llu",
				(unsigned long long)s->stat[k].value);
	}
	lana_buf_puts(b, "},");
}

static void show_json(const struct lana_plan *p, const struct lana_map *bm,
		      const struct stats_vec *sv, const struct lana_map *sm,
		      struct lana_buf *b)
{
	bool first = true;
	uint32_t i;
	unsigned int k;

	lana_buf_printf(b, "{\"plan_crc\":%u,", p->crc);
	put_engine_json(b, stats_of(sv, sm, LANA_ENGINE_STATS_IDP));
	lana_buf_puts(b, "\"blocks\":[");
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		const struct lana_block_stats *s;

		if (in->op != LANA_OP_NEW)
			continue;
		s = stats_of(sv, sm, in->idp);
		if (!first)
			lana_buf_putc(b, ',');
		first = false;
		lana_buf_printf(b, "{\"idp\":%u,\"name\":", in->idp);
		lana_buf_put_json_str(b, in->name);
		lana_buf_puts(b, ",\"type\":");
		lana_buf_put_json_str(b, in->type);
		lana_buf_printf(b, ",\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu,\"stats\":{",
				s ? (unsigned long long)s->packets : 0ULL,
				s ? (unsigned long long)s->bytes : 0ULL,
				s ? (unsigned long long)s->drops : 0ULL);
		for (k = 0; s && k < s->nstat; k++) {
			if (k)
				lana_buf_putc(b, ',');
			lana_buf_put_json_str(b, s->stat[k].name);
			lana_buf_printf(b, ":%llu",
					(unsigned long long)s->stat[k].value);
		}
		lana_buf_puts(b, "}}");
	}
	lana_buf_puts(b, "],\"edges\":[");
	first = true;
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		const struct lana_insn *src, *dst;
		struct lana_buf t = { 0 };

		if (in->op != LANA_OP_BIND)
			continue;
		src = by_idp(p, bm, in->idp);
		dst = by_idp(p, bm, in->dst);
		if (!first)
			lana_buf_putc(b, ',');
		first = false;
		lana_buf_printf(b, "{\"from_idp\":%u,\"from\":", in->idp);
		lana_buf_put_json_str(b, src ? src->name : "");
		put_port(&t, src, LANA_PORT_OUT, in->port);
		lana_buf_puts(b, ",\"from_port\":");
		lana_buf_put_json_str(b, t.data);
		lana_buf_free(&t);
		lana_buf_printf(b, ",\"to_idp\":%u,\"to\":", in->dst);
		lana_buf_put_json_str(b, dst ? dst->name : "");
		put_port(&t, dst, LANA_PORT_IN, in->dport);
		lana_buf_puts(b, ",\"to_port\":");
		lana_buf_put_json_str(b, t.data);
		lana_buf_free(&t);
		lana_buf_putc(b, '}');
	}
	lana_buf_puts(b, "]}\n");
}

static const struct lana_plan *sort_plan;	/* for bind_cmp */

/* Order BIND instruction indices by source IDP, then OUT port. */
static int bind_cmp(const void *a, const void *b)
{
	const struct lana_insn *x = &sort_plan->insns.v[*(const uint32_t *)a];
	const struct lana_insn *y = &sort_plan->insns.v[*(const uint32_t *)b];

	if (x->idp != y->idp)
		return x->idp < y->idp ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/*
 * The engine's own drops (its record, IDP 0, of the stats dump):
 * "engine drops 5000: loop_drops 0, unbound_drops 5000, nomem_drops 0".
 */
static void put_engine_text(struct lana_buf *b,
			    const struct lana_block_stats *s)
{
	unsigned int k;

	lana_buf_printf(b, "engine drops %llu",
			s ? (unsigned long long)s->drops : 0ULL);
	for (k = 0; s && k < s->nstat; k++)
		lana_buf_printf(b, "%s%s %llu", k ? ", " : ": ",
				s->stat[k].name,
				(unsigned long long)s->stat[k].value);
	lana_buf_putc(b, '\n');
}

/*
 * One line per block (IDP order, as the engine's canonical plan lists
 * them) with its counters, then its named statistics and its outgoing
 * edges, indented, like `ip -s link`.
 */
static void show_text(const struct lana_plan *p, const struct lana_map *bm,
		      const struct stats_vec *sv, const struct lana_map *sm,
		      struct lana_buf *b)
{
	VEC(uint32_t) binds = { 0 };
	int wname = 4, wtype = 4;
	uint32_t i, j, k, lo, hi, nblocks = 0;

	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op == LANA_OP_BIND)
			VEC_PUSH(&binds, i);
		if (in->op != LANA_OP_NEW)
			continue;
		nblocks++;
		if ((int)strlen(in->name) > wname)
			wname = (int)strlen(in->name);
		if ((int)strlen(in->type) > wtype)
			wtype = (int)strlen(in->type);
	}
	put_engine_text(b, stats_of(sv, sm, LANA_ENGINE_STATS_IDP));
	if (!nblocks) {
		lana_buf_puts(b, "no blocks\n");
		VEC_FREE(&binds);
		return;
	}
	sort_plan = p;
	if (binds.n)
		qsort(binds.v, binds.n, sizeof(*binds.v), bind_cmp);
	lana_buf_printf(b, "%6s  %-*s  %-*s  %12s  %14s  %10s\n", "IDP", wname,
			"NAME", wtype, "TYPE", "PACKETS", "BYTES", "DROPS");
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		const struct lana_block_stats *s;

		if (in->op != LANA_OP_NEW)
			continue;
		s = stats_of(sv, sm, in->idp);
		lana_buf_printf(b, "%6u  %-*s  %-*s  %12llu  %14llu  %10llu\n",
				in->idp, wname, in->name, wtype, in->type,
				s ? (unsigned long long)s->packets : 0ULL,
				s ? (unsigned long long)s->bytes : 0ULL,
				s ? (unsigned long long)s->drops : 0ULL);
		if (s && s->nstat) {
			lana_buf_printf(b, "%8s", "");
			for (j = 0; j < s->nstat; j++)
				lana_buf_printf(b, "%s%s %llu", j ? ", " : "",
						s->stat[j].name,
						(unsigned long long)s->stat[j].value);
			lana_buf_putc(b, '\n');
		}
		/* first BIND of this block (binary search: any block order) */
		lo = 0;
		hi = binds.n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (p->insns.v[binds.v[mid]].idp < in->idp)
				lo = mid + 1;
			else
				hi = mid;
		}
		k = lo;
		for (; k < binds.n && p->insns.v[binds.v[k]].idp == in->idp;
		     k++) {
			const struct lana_insn *e = &p->insns.v[binds.v[k]];

			lana_buf_printf(b, "%8s", "");
			put_port(b, in, LANA_PORT_OUT, e->port);
			lana_buf_puts(b, " -> ");
			put_edge_end(b, by_idp(p, bm, e->dst), e->dst,
				     LANA_PORT_IN, e->dport);
			lana_buf_putc(b, '\n');
		}
	}
	VEC_FREE(&binds);
}

int lana_cmd_show(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		  int argc, char **argv)
{
	struct lana_plan p;
	struct stats_vec sv = { 0 };
	struct lana_map bm = { 0 }, sm = { 0 };
	struct lana_buf b = { 0 };
	char err[512];
	uint32_t i;
	int rc;

	rc = fetch_plan(c, &p);
	if (rc)
		return rc;
	if (lana_ctl_get_stats(c, NULL, collect, &sv, err, sizeof(err))) {
		fprintf(stderr, "%s: cannot read the counters: %s\n", prog, err);
		rc = EXIT_FINDINGS;
		goto out;
	}
	for (i = 0; i < p.insns.n; i++)
		if (p.insns.v[i].op == LANA_OP_NEW)
			lana_map_putn(&bm, (const char *)&p.insns.v[i].idp, 4,
				      i, NULL);
	for (i = 0; i < sv.v.n; i++)
		lana_map_putn(&sm, (const char *)&sv.v.v[i].idp, 4, i, NULL);
	if (o->json)
		show_json(&p, &bm, &sv, &sm, &b);
	else
		show_text(&p, &bm, &sv, &sm, &b);
	fputs(b.data, stdout);
out:
	lana_buf_free(&b);
	lana_map_free(&bm);
	lana_map_free(&sm);
	VEC_FREE(&sv.v);
	lana_arena_free(&sv.a);
	lana_plan_free(&p);
	return rc;
}

/* ---------------------------------------------------------------- stats */

/*
 * The state of printing a STATS_GET's replies: a block's counters come
 * first, then (`lanarun stats NAME` of a block with a table) its rows,
 * in that reply and in continuations (s->partial). Text goes out as it
 * comes; a JSON object is kept in @json until the block's last reply.
 * @open:  a block is being printed; @table: it has a table
 * @nrows: its rows so far; @truncated: the engine cut them
 * @w:     column widths, from the first row
 */
struct stats_print {
	const struct lana_client_opts *o;
	struct lana_buf json;
	char name[256];
	bool open, table, truncated;
	unsigned int nrows;
	int w[LANA_ROW_COLS];
};

/* End the block being printed: close its JSON object, report a cut. */
static void print_end(struct stats_print *p)
{
	if (!p->open)
		return;
	if (p->o->json) {
		if (p->table)
			lana_buf_printf(&p->json, "],\"truncated\":%s",
					p->truncated ? "true" : "false");
		lana_buf_puts(&p->json, "}\n");
		fputs(p->json.data, stdout);
		lana_buf_free(&p->json);
	} else if (p->table && !p->nrows) {
		fputs("    table: no rows\n", stdout);
	}
	if (p->truncated)
		fprintf(stderr, "%s: stats: the table of '%s' was cut at %d rows\n",
			prog, p->name, LANA_TABLE_MAX);
	p->open = p->table = p->truncated = false;
	p->nrows = 0;
}

/* Rows @s->rows: a line each, the header before the first. */
static void print_rows(struct stats_print *p, const struct lana_block_stats *s)
{
	struct lana_buf t = { 0 };
	struct lana_buf *b = p->o->json ? &p->json : &t;
	unsigned int i, k;

	for (i = 0; i < s->nrows; i++) {
		const struct lana_row *r = &s->rows[i];

		if (p->o->json) {
			lana_buf_puts(b, p->nrows ? ",{" : "{");
			for (k = 0; k < r->ncol; k++) {
				if (k)
					lana_buf_putc(b, ',');
				lana_buf_put_json_str(b, r->col[k].key);
				lana_buf_putc(b, ':');
				lana_buf_put_json_str(b, r->col[k].val);
			}
			lana_buf_putc(b, '}');
			p->nrows++;
			continue;
		}
		if (!p->nrows) {	/* the header: the keys, upper case */
			lana_buf_puts(b, "   ");
			for (k = 0; k < r->ncol; k++) {
				const char *c;
				int n = (int)strlen(r->col[k].key);

				p->w[k] = (int)strlen(r->col[k].val);
				if (p->w[k] < n)
					p->w[k] = n;
				if (p->w[k] < 6)
					p->w[k] = 6;
				lana_buf_putc(b, ' ');
				for (c = r->col[k].key; *c; c++)
					lana_buf_putc(b, (char)toupper(
						(unsigned char)*c));
				lana_buf_printf(b, "%*s", p->w[k] - n, "");
			}
			lana_buf_putc(b, '\n');
		}
		lana_buf_puts(b, "   ");
		for (k = 0; k < r->ncol; k++)
			lana_buf_printf(b, " %-*s", p->w[k], r->col[k].val);
		lana_buf_putc(b, '\n');
		p->nrows++;
	}
	if (!p->o->json && t.data) {
		/* no trailing blanks */
		char *l, *e;

		for (l = t.data; (e = strchr(l, '\n')); l = e + 1) {
			char *q = e;

			while (q > l && q[-1] == ' ')
				q--;
			fwrite(l, 1, (size_t)(q - l), stdout);
			fputc('\n', stdout);
		}
	}
	lana_buf_free(&t);
}

static int print_one(const struct lana_block_stats *s, void *ctx)
{
	struct stats_print *p = ctx;
	struct lana_buf b = { 0 };
	unsigned int i;

	if (s->partial) {	/* more rows of the open block's table */
		if (p->open && p->table && s->table) {
			print_rows(p, s);
			p->truncated |= s->truncated;
		}
		return 0;
	}
	print_end(p);
	p->open = true;
	p->table = s->table;
	p->truncated = s->truncated;
	snprintf(p->name, sizeof(p->name), "%s", s->name);
	if (p->o->json) {
		lana_buf_printf(&p->json, "{\"idp\":%u,\"name\":", s->idp);
		lana_buf_put_json_str(&p->json, s->name);
		lana_buf_puts(&p->json, ",\"type\":");
		lana_buf_put_json_str(&p->json, s->type);
		lana_buf_printf(&p->json, ",\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu,\"stats\":{",
				(unsigned long long)s->packets,
				(unsigned long long)s->bytes,
				(unsigned long long)s->drops);
		for (i = 0; i < s->nstat; i++) {
			if (i)
				lana_buf_putc(&p->json, ',');
			lana_buf_put_json_str(&p->json, s->stat[i].name);
			lana_buf_printf(&p->json, ":%llu",
					(unsigned long long)s->stat[i].value);
		}
		lana_buf_putc(&p->json, '}');
		if (s->table)
			lana_buf_puts(&p->json, ",\"table\":[");
	} else {
		lana_buf_printf(&b, "%s (%s, IDP %u)\n", s->name, s->type,
				s->idp);
		lana_buf_printf(&b, "    packets %llu\n    bytes %llu\n    drops %llu\n",
				(unsigned long long)s->packets,
				(unsigned long long)s->bytes,
				(unsigned long long)s->drops);
		for (i = 0; i < s->nstat; i++)
			lana_buf_printf(&b, "    %s %llu\n", s->stat[i].name,
					(unsigned long long)s->stat[i].value);
		fputs(b.data, stdout);
		lana_buf_free(&b);
	}
	if (s->table)
		print_rows(p, s);
	return 0;
}

int lana_cmd_stats(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv)
{
	struct stats_print p = { .o = o };
	char err[512];
	int r;

	r = lana_ctl_get_stats(c, argv[0], print_one, &p, err, sizeof(err));
	if (r) {
		lana_buf_free(&p.json);
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_FINDINGS;
	}
	print_end(&p);
	return 0;
}

/* ------------------------------------------------------------------ set */

/*
 * Build the SET instruction for "key=value" on block @blk into @e.
 * Returns 0, or EXIT_FINDINGS / EXIT_USAGE with the message printed.
 */
static int add_set(struct lana_plan *e, const struct lana_insn *blk,
		   const char *arg)
{
	const char *eq = strchr(arg, '=');
	const struct lana_block_type *bt;
	const struct lana_param *pd;
	struct lana_insn in = { 0 };
	struct lana_pattr *pa;
	const char *key, *text;
	char err[512];
	size_t tl;

	if (!eq || eq == arg) {
		fprintf(stderr, "%s: set: expected KEY=VALUE, got '%s'\n", prog,
			arg);
		return EXIT_USAGE;
	}
	key = lana_arena_strndup(&e->arena, arg, (size_t)(eq - arg));
	text = eq + 1;
	bt = lana_catalogue_find(blk->type);
	if (!bt) {
		fprintf(stderr, "%s: block '%s' has unknown type '%s'\n", prog,
			blk->name, blk->type);
		return EXIT_FINDINGS;
	}
	pd = lana_param_find(bt, key);
	if (!pd) {
		fprintf(stderr,
			"%s: block type '%s' has no parameter '%s' (see 'lanarun types %s')\n",
			prog, bt->name, key, bt->name);
		return EXIT_FINDINGS;
	}
	if (!(pd->flags & LANA_PF_LIVE)) {
		fprintf(stderr,
			"%s: parameter '%s' of '%s' cannot change live; edit the graph and apply it\n",
			prog, key, blk->name);
		return EXIT_FINDINGS;
	}
	if (pd->type == LANA_PT_LIST) {
		fprintf(stderr,
			"%s: parameter '%s' of '%s' is a list: edit the graph and apply it\n",
			prog, key, blk->name);
		return EXIT_FINDINGS;
	}
	/* "value" as typed in a graph: strip the quotes */
	tl = strlen(text);
	if (tl >= 2 && text[0] == '"' && text[tl - 1] == '"')
		text = lana_arena_strndup(&e->arena, text + 1, tl - 2);
	pa = lana_arena_alloc(&e->arena, sizeof(*pa));
	pa->key = pd->name;
	if (lana_value_parse(&e->arena, pd->type, pd, text, &pa->val, err,
			     sizeof(err))) {
		fprintf(stderr, "%s: %s.%s: %s\n", prog, blk->name, key, err);
		return EXIT_FINDINGS;
	}
	in.op = LANA_OP_SET;
	in.idp = blk->idp;
	in.name = lana_arena_strdup(&e->arena, blk->name);
	in.params = pa;
	in.nparams = 1;
	VEC_PUSH(&e->insns, in);
	return 0;
}

int lana_cmd_set(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		 int argc, char **argv)
{
	struct lana_plan p, e;
	const struct lana_insn *blk = NULL;
	struct lana_buf b = { 0 };
	char err[512];
	uint32_t i;
	int rc;

	rc = fetch_plan(c, &p);
	if (rc)
		return rc;
	for (i = 0; i < p.insns.n; i++)
		if (p.insns.v[i].op == LANA_OP_NEW &&
		    !strcmp(p.insns.v[i].name, argv[0])) {
			blk = &p.insns.v[i];
			break;
		}
	lana_plan_init(&e);
	if (!blk) {
		fprintf(stderr, "%s: no block named '%s'\n", prog, argv[0]);
		rc = EXIT_FINDINGS;
		goto out;
	}
	e.flags = LANA_PLAN_F_EDIT;
	e.base_crc = lana_plan_crc(&p);
	for (i = 1; i < (uint32_t)argc && !rc; i++)
		rc = add_set(&e, blk, argv[i]);
	if (rc)
		goto out;
	if (lana_plan_encode(&e, &b, err, sizeof(err))) {
		fprintf(stderr, "%s: error: %s\n", prog, err);
		rc = EXIT_FINDINGS;
		goto out;
	}
	if (lana_ctl_set(c, b.data, b.len, err, sizeof(err))) {
		fprintf(stderr, "%s: set failed: %s\n", prog, err);
		rc = EXIT_FINDINGS;
	}
out:
	lana_buf_free(&b);
	lana_plan_free(&e);
	lana_plan_free(&p);
	return rc;
}

/* ---------------------------------------------------------------- flush */

int lana_cmd_flush(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv)
{
	char err[512];

	if (lana_ctl_flush(c, err, sizeof(err))) {
		fprintf(stderr, "%s: flush failed: %s\n", prog, err);
		return EXIT_FINDINGS;
	}
	return 0;
}
