// SPDX-License-Identifier: GPL-2.0
/*
 * cli/typedoc.c - text, JSON and Markdown documentation of block types,
 * generated from the descriptors in blocks/ (see typedoc.h).
 */
#include "typedoc.h"
#include "plan/value.h"
#include "blocks/catalogue.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WRAP_COLS 76
#define NCOL 6

/* ---------------------------------------------------------- cell texts */

void lana_type_summary(const struct lana_block_type *bt, struct lana_buf *b)
{
	const char *doc = bt->doc ? bt->doc : "";
	const char *end = strstr(doc, ". ");

	if (!end) {
		end = doc + strlen(doc);
		if (end > doc && end[-1] == '.')
			end--;
	}
	lana_buf_put(b, doc, (size_t)(end - doc));
}

static void put_symbols(const struct lana_param *p, struct lana_buf *b)
{
	size_t i;

	lana_buf_puts(b, " {");
	for (i = 0; p->symbols && p->symbols[i]; i++)
		lana_buf_printf(b, "%s%s", i ? ", " : "", p->symbols[i]);
	lana_buf_putc(b, '}');
}

static void type_text(const struct lana_param *p, struct lana_buf *b)
{
	lana_buf_puts(b, lana_ptype_name(p->type));
	if (p->type == LANA_PT_ENUM) {
		put_symbols(p, b);
	} else if (p->type == LANA_PT_LIST) {
		lana_buf_printf(b, " of %s", lana_ptype_name(p->elem));
		if (p->elem == LANA_PT_ENUM)
			put_symbols(p, b);
	}
}

/* bound() - @x in the parameter's unit (`64B`, `10M`, `250us`, `7`). */
static void bound(const struct lana_param *p, uint64_t x, struct lana_buf *b)
{
	struct lana_value v = { .type = p->type, .u = x };

	if (p->type == LANA_PT_SIZE || p->type == LANA_PT_RATE ||
	    p->type == LANA_PT_DURATION)
		lana_value_format(&v, b);
	else
		lana_buf_printf(b, "%" PRIu64, x);
}

static void range_text(const struct lana_param *p, struct lana_buf *b)
{
	if (!(p->flags & LANA_PF_RANGE))
		return;
	if (p->type == LANA_PT_STRING)
		lana_buf_puts(b, "length ");
	else if (p->type == LANA_PT_LIST)
		lana_buf_puts(b, "items ");
	if (p->min < 0) {
		lana_buf_printf(b, "%" PRId64, p->min);
	} else {
		bound(p, (uint64_t)p->min, b);
	}
	lana_buf_puts(b, "..");
	bound(p, p->max, b);
}

static void default_text(const struct lana_param *p, struct lana_buf *b)
{
	if (p->def)
		lana_buf_puts(b, p->def);
	else if (p->flags & LANA_PF_REQUIRED)
		lana_buf_puts(b, "required");
	else
		lana_buf_puts(b, "-");
}

static void engines_text(const struct lana_block_type *bt, struct lana_buf *b)
{
	if (bt->engines & LANA_ENGINE_USER)
		lana_buf_puts(b, "user");
	if (bt->engines & LANA_ENGINE_KERNEL)
		lana_buf_puts(b, bt->engines & LANA_ENGINE_USER ?
				 ", kernel" : "kernel");
	if (!(bt->engines & LANA_ENGINE_ALL))
		lana_buf_puts(b, "none");
}

static void arity_text(const struct lana_port *p, struct lana_buf *b)
{
	lana_buf_puts(b, p->count ? p->count : "1");
}

/* --------------------------------------------------------------- tables */

struct row {
	char *c[NCOL];
};

struct table {
	struct lana_arena a;
	VEC(struct row) rows;
	unsigned int ncol;
};

/* cell() - copy the text of @tmp into the table's arena and reset @tmp. */
static char *cell(struct table *t, struct lana_buf *tmp)
{
	char *s = lana_arena_strndup(&t->a, tmp->data ? tmp->data : "",
				     tmp->len);

	tmp->len = 0;
	if (tmp->data)
		tmp->data[0] = '\0';
	return s;
}

static void param_rows(struct table *t, const struct lana_block_type *bt,
		       bool md)
{
	const struct lana_param *p;
	struct lana_buf tmp = { 0 };
	struct row r;

	for (p = bt->params; p->name; p++) {
		lana_buf_printf(&tmp, md ? "`%s`" : "%s", p->name);
		r.c[0] = cell(t, &tmp);
		type_text(p, &tmp);
		r.c[1] = cell(t, &tmp);
		if (md && p->def)
			lana_buf_printf(&tmp, "`%s`", p->def);
		else
			default_text(p, &tmp);
		r.c[2] = cell(t, &tmp);
		range_text(p, &tmp);
		r.c[3] = cell(t, &tmp);
		lana_buf_puts(&tmp, p->flags & LANA_PF_LIVE ? "live" : "");
		r.c[4] = cell(t, &tmp);
		lana_buf_puts(&tmp, p->doc ? p->doc : "");
		r.c[5] = cell(t, &tmp);
		VEC_PUSH(&t->rows, r);
	}
	lana_buf_free(&tmp);
}

static void port_rows(struct table *t, const struct lana_block_type *bt,
		      bool md)
{
	const struct lana_port *p;
	struct lana_buf tmp = { 0 };
	struct row r;

	for (p = bt->ports; p->name; p++) {
		lana_buf_puts(&tmp, p->dir == LANA_PORT_IN ? "in" : "out");
		r.c[0] = cell(t, &tmp);
		lana_buf_printf(&tmp, md ? "`%s`" : "%s", p->name);
		r.c[1] = cell(t, &tmp);
		lana_buf_puts(&tmp, lana_frame_name(p->frame));
		r.c[2] = cell(t, &tmp);
		arity_text(p, &tmp);
		r.c[3] = cell(t, &tmp);
		lana_buf_puts(&tmp, p->flags & LANA_PORTF_OPTIONAL ?
			      "optional" : "");
		r.c[4] = cell(t, &tmp);
		lana_buf_puts(&tmp, p->doc ? p->doc : "");
		r.c[5] = cell(t, &tmp);
		VEC_PUSH(&t->rows, r);
	}
	lana_buf_free(&tmp);
}

/* Two columns: the counter's name and its doc. */
static void counter_rows(struct table *t, const struct lana_block_type *bt,
			 bool md)
{
	const struct lana_counter *c;
	struct lana_buf tmp = { 0 };
	struct row r = { 0 };

	for (c = bt->counters; c && c->name; c++) {
		lana_buf_printf(&tmp, md ? "`%s%s`" : "%s%s", c->name,
				c->flags & LANA_CF_INDEXED ? "N" : "");
		r.c[0] = cell(t, &tmp);
		lana_buf_puts(&tmp, c->doc ? c->doc : "");
		r.c[1] = cell(t, &tmp);
		VEC_PUSH(&t->rows, r);
	}
	lana_buf_free(&tmp);
}

static void table_free(struct table *t)
{
	VEC_FREE(&t->rows);
	lana_arena_free(&t->a);
}

/* Plain text: columns padded to the widest cell, last column unpadded. */
static void table_text(struct table *t, struct lana_buf *b)
{
	size_t w[NCOL] = { 0 };
	uint32_t i;
	unsigned int c;

	for (i = 0; i < t->rows.n; i++)
		for (c = 0; c < t->ncol; c++)
			if (strlen(t->rows.v[i].c[c]) > w[c])
				w[c] = strlen(t->rows.v[i].c[c]);
	for (i = 0; i < t->rows.n; i++) {
		lana_buf_puts(b, " ");
		for (c = 0; c < t->ncol; c++) {
			const char *s = t->rows.v[i].c[c];

			if (c + 1 < t->ncol)
				lana_buf_printf(b, " %-*s ", (int)w[c], s);
			else
				lana_buf_printf(b, " %s", s);
		}
		lana_buf_putc(b, '\n');
	}
}

static void md_cell(struct lana_buf *b, const char *s)
{
	lana_buf_putc(b, ' ');
	for (; *s; s++) {
		if (*s == '|')
			lana_buf_putc(b, '\\');
		lana_buf_putc(b, *s);
	}
	lana_buf_puts(b, " |");
}

/* GitHub-flavoured Markdown table; the first row is the header. */
static void table_md(struct table *t, struct lana_buf *b)
{
	uint32_t i;
	unsigned int c;

	for (i = 0; i < t->rows.n; i++) {
		lana_buf_putc(b, '|');
		for (c = 0; c < t->ncol; c++)
			md_cell(b, t->rows.v[i].c[c]);
		lana_buf_putc(b, '\n');
		if (i == 0) {
			lana_buf_putc(b, '|');
			for (c = 0; c < t->ncol; c++)
				lana_buf_puts(b, "---|");
			lana_buf_putc(b, '\n');
		}
	}
}

/* The first row of @t: @ncol column names. */
static void header_row(struct table *t, const char *const *names,
		       unsigned int ncol)
{
	struct row r = { 0 };
	unsigned int c;

	for (c = 0; c < ncol; c++)
		r.c[c] = (char *)names[c];
	VEC_PUSH(&t->rows, r);
	t->ncol = ncol;
}

static const char *const param_head_text[NCOL] = {
	"NAME", "TYPE", "DEFAULT", "RANGE", "LIVE", "DESCRIPTION"
};
static const char *const port_head_text[NCOL] = {
	"DIR", "NAME", "FRAME", "ARITY", "OPTIONAL", "DESCRIPTION"
};
static const char *const param_head_md[NCOL] = {
	"Name", "Type", "Default", "Range", "Live", "Description"
};
static const char *const port_head_md[NCOL] = {
	"Direction", "Name", "Frame", "Arity", "Optional", "Description"
};
static const char *const counter_head_text[2] = { "NAME", "DESCRIPTION" };
static const char *const counter_head_md[2] = { "Counter", "Description" };

/*
 * reads_section() - "Reads:" and a table of @bt's declared counters (name,
 * doc) as plain text or, with @md, Markdown; "Reads: none" without any.
 */
static void reads_section(struct lana_buf *b, const struct lana_block_type *bt,
			  bool md)
{
	struct table t = { 0 };

	if (!bt->counters || !bt->counters[0].name) {
		lana_buf_puts(b, md ? "\nReads: none.\n" : "\nReads: none\n");
		if (bt->table)	/* no counters but a table */
			lana_buf_puts(b, md ? "\nTable: `lanarun stats NAME` "
					      "lists its rows.\n" :
					      "\nTable: lanarun stats NAME "
					      "lists its rows\n");
		return;
	}
	lana_buf_puts(b, md ? "\nReads:\n\n" : "\nReads:\n");
	header_row(&t, md ? counter_head_md : counter_head_text, 2);
	counter_rows(&t, bt, md);
	if (md)
		table_md(&t, b);
	else
		table_text(&t, b);
	table_free(&t);
	if (bt->table)
		lana_buf_puts(b, md ? "\nTable: `lanarun stats NAME` lists its "
				      "rows after the counters.\n" :
				      "\nTable: lanarun stats NAME lists its "
				      "rows after the counters\n");
}

/* ------------------------------------------------------------------ text */

/* wrap() - @s as lines of at most WRAP_COLS columns, each indented @ind. */
static void wrap(struct lana_buf *b, const char *s, unsigned int ind)
{
	size_t col = 0;

	while (*s) {
		size_t n;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		n = strcspn(s, " ");
		if (col && col + 1 + n > WRAP_COLS) {
			lana_buf_putc(b, '\n');
			col = 0;
		}
		if (!col) {
			lana_buf_printf(b, "%*s", (int)ind, "");
			col = ind;
		} else {
			lana_buf_putc(b, ' ');
			col++;
		}
		lana_buf_put(b, s, n);
		col += n;
		s += n;
	}
	if (col)
		lana_buf_putc(b, '\n');
}

void lana_type_describe(const struct lana_block_type *bt, struct lana_buf *b)
{
	struct table t = { 0 };

	lana_buf_printf(b, "%s - ", bt->name);
	lana_type_summary(bt, b);
	lana_buf_printf(b, "\n\n  %s\n\n", bt->synopsis ? bt->synopsis : "");
	wrap(b, bt->doc ? bt->doc : "", 2);

	if (bt->params[0].name) {
		lana_buf_puts(b, "\nParameters:\n");
		header_row(&t, param_head_text, NCOL);
		param_rows(&t, bt, false);
		table_text(&t, b);
		table_free(&t);
	} else {
		lana_buf_puts(b, "\nParameters: none\n");
	}

	lana_buf_puts(b, "\nPorts:\n");
	header_row(&t, port_head_text, NCOL);
	port_rows(&t, bt, false);
	table_text(&t, b);
	table_free(&t);
	reads_section(b, bt, false);

	lana_buf_puts(b, "\nEngines: ");
	engines_text(bt, b);
	if (bt->flags & LANA_BT_SOURCE)
		lana_buf_puts(b, "\nSource: yes (originates packets)");
	lana_buf_putc(b, '\n');
}

void lana_types_list(struct lana_buf *b)
{
	unsigned int i, n = lana_catalogue_count();
	size_t w = 0;

	for (i = 0; i < n; i++)
		if (strlen(lana_catalogue_at(i)->name) > w)
			w = strlen(lana_catalogue_at(i)->name);
	for (i = 0; i < n; i++) {
		const struct lana_block_type *bt = lana_catalogue_at(i);

		lana_buf_printf(b, "%-*s  ", (int)w, bt->name);
		lana_type_summary(bt, b);
		lana_buf_putc(b, '\n');
	}
}

/* ------------------------------------------------------------------ JSON */

static void json_key(struct lana_buf *b, const char *key, bool first)
{
	if (!first)
		lana_buf_puts(b, ", ");
	lana_buf_put_json_str(b, key);
	lana_buf_puts(b, ": ");
}

static void json_str_or_null(struct lana_buf *b, const char *s)
{
	if (s)
		lana_buf_put_json_str(b, s);
	else
		lana_buf_puts(b, "null");
}

static void json_symbols(struct lana_buf *b, const struct lana_param *p)
{
	size_t i;

	json_key(b, "symbols", false);
	lana_buf_putc(b, '[');
	for (i = 0; p->symbols && p->symbols[i]; i++) {
		if (i)
			lana_buf_puts(b, ", ");
		lana_buf_put_json_str(b, p->symbols[i]);
	}
	lana_buf_putc(b, ']');
}

static void json_param(struct lana_buf *b, const struct lana_param *p)
{
	lana_buf_putc(b, '{');
	json_key(b, "name", true);
	lana_buf_put_json_str(b, p->name);
	json_key(b, "type", false);
	lana_buf_put_json_str(b, lana_ptype_name(p->type));
	if (p->type == LANA_PT_LIST) {
		json_key(b, "elem", false);
		lana_buf_put_json_str(b, lana_ptype_name(p->elem));
	}
	if (p->type == LANA_PT_ENUM ||
	    (p->type == LANA_PT_LIST && p->elem == LANA_PT_ENUM))
		json_symbols(b, p);
	json_key(b, "required", false);
	lana_buf_puts(b, p->flags & LANA_PF_REQUIRED ? "true" : "false");
	json_key(b, "live", false);
	lana_buf_puts(b, p->flags & LANA_PF_LIVE ? "true" : "false");
	json_key(b, "default", false);
	json_str_or_null(b, p->def);
	if (p->flags & LANA_PF_RANGE) {
		json_key(b, "min", false);
		lana_buf_printf(b, "%" PRId64, p->min);
		json_key(b, "max", false);
		lana_buf_printf(b, "%" PRIu64, p->max);
	}
	json_key(b, "doc", false);
	json_str_or_null(b, p->doc);
	lana_buf_putc(b, '}');
}

static void json_port(struct lana_buf *b, const struct lana_port *p)
{
	lana_buf_putc(b, '{');
	json_key(b, "name", true);
	lana_buf_put_json_str(b, p->name);
	json_key(b, "dir", false);
	lana_buf_puts(b, p->dir == LANA_PORT_IN ? "\"in\"" : "\"out\"");
	json_key(b, "frame", false);
	lana_buf_put_json_str(b, lana_frame_name(p->frame));
	json_key(b, "count", false);
	json_str_or_null(b, p->count);
	json_key(b, "optional", false);
	lana_buf_puts(b, p->flags & LANA_PORTF_OPTIONAL ? "true" : "false");
	json_key(b, "doc", false);
	json_str_or_null(b, p->doc);
	lana_buf_putc(b, '}');
}

static void json_counter(struct lana_buf *b, const struct lana_counter *c)
{
	lana_buf_putc(b, '{');
	json_key(b, "name", true);
	lana_buf_put_json_str(b, c->name);
	json_key(b, "doc", false);
	json_str_or_null(b, c->doc);
	json_key(b, "per_port", false);
	lana_buf_puts(b, c->flags & LANA_CF_INDEXED ? "true" : "false");
	lana_buf_putc(b, '}');
}

static void json_type(struct lana_buf *b, const struct lana_block_type *bt)
{
	struct lana_buf sum = { 0 };
	const struct lana_param *p;
	const struct lana_port *q;
	const struct lana_counter *c;

	lana_buf_putc(b, '{');
	json_key(b, "name", true);
	lana_buf_put_json_str(b, bt->name);
	json_key(b, "synopsis", false);
	json_str_or_null(b, bt->synopsis);
	json_key(b, "summary", false);
	lana_type_summary(bt, &sum);
	lana_buf_put_json_str(b, sum.data ? sum.data : "");
	lana_buf_free(&sum);
	json_key(b, "doc", false);
	json_str_or_null(b, bt->doc);
	json_key(b, "engines", false);
	lana_buf_putc(b, '[');
	if (bt->engines & LANA_ENGINE_USER)
		lana_buf_puts(b, "\"user\"");
	if (bt->engines & LANA_ENGINE_KERNEL)
		lana_buf_puts(b, bt->engines & LANA_ENGINE_USER ?
				 ", \"kernel\"" : "\"kernel\"");
	lana_buf_putc(b, ']');
	json_key(b, "source", false);
	lana_buf_puts(b, bt->flags & LANA_BT_SOURCE ? "true" : "false");
	json_key(b, "params", false);
	lana_buf_putc(b, '[');
	for (p = bt->params; p->name; p++) {
		if (p != bt->params)
			lana_buf_puts(b, ", ");
		json_param(b, p);
	}
	lana_buf_putc(b, ']');
	json_key(b, "ports", false);
	lana_buf_putc(b, '[');
	for (q = bt->ports; q->name; q++) {
		if (q != bt->ports)
			lana_buf_puts(b, ", ");
		json_port(b, q);
	}
	lana_buf_putc(b, ']');
	json_key(b, "counters", false);
	lana_buf_putc(b, '[');
	for (c = bt->counters; c && c->name; c++) {
		if (c != bt->counters)
			lana_buf_puts(b, ", ");
		json_counter(b, c);
	}
	lana_buf_puts(b, "]}");
}

void lana_types_json(const struct lana_block_type *bt, struct lana_buf *b)
{
	unsigned int i, n = lana_catalogue_count();

	if (bt) {
		json_type(b, bt);
		lana_buf_putc(b, '\n');
		return;
	}
	lana_buf_puts(b, "[\n");
	for (i = 0; i < n; i++) {
		lana_buf_puts(b, "  ");
		json_type(b, lana_catalogue_at(i));
		lana_buf_puts(b, i + 1 < n ? ",\n" : "\n");
	}
	lana_buf_puts(b, "]\n");
}

/* -------------------------------------------------------------- Markdown */

static void md_type(struct lana_buf *b, const struct lana_block_type *bt)
{
	struct table t = { 0 };

	lana_buf_printf(b, "## %s\n\n", bt->name);
	lana_buf_printf(b, "```\n%s\n```\n\n", bt->synopsis ? bt->synopsis : "");
	lana_buf_printf(b, "%s\n\n", bt->doc ? bt->doc : "");
	lana_buf_puts(b, "Engines: ");
	engines_text(bt, b);
	if (bt->flags & LANA_BT_SOURCE)
		lana_buf_puts(b, ". Source block (originates packets)");
	lana_buf_puts(b, ".\n\n");

	if (bt->params[0].name) {
		lana_buf_puts(b, "Parameters:\n\n");
		header_row(&t, param_head_md, NCOL);
		param_rows(&t, bt, true);
		table_md(&t, b);
		table_free(&t);
	} else {
		lana_buf_puts(b, "Parameters: none.\n");
	}
	lana_buf_puts(b, "\nPorts:\n\n");
	header_row(&t, port_head_md, NCOL);
	port_rows(&t, bt, true);
	table_md(&t, b);
	table_free(&t);
	reads_section(b, bt, true);
}

void lana_types_markdown(struct lana_buf *b)
{
	unsigned int i, n = lana_catalogue_count();

	lana_buf_puts(b, "# Block types\n\n");
	lana_buf_puts(b, "<!-- generated by `lanarun types --markdown`; do not edit -->\n\n");
	lana_buf_puts(b, "This file is generated by `lanarun types --markdown` "
		      "from the block descriptors in `blocks/`; do not edit it.\n"
		      "Parameters marked *live* can change at runtime without "
		      "replacing the block; *required* parameters have no "
		      "default.\n*Reads* are the counters a block reports in "
		      "`lanarun stats`, besides the packets, bytes and drops "
		      "the engine counts for every block.\n\n");
	lana_buf_puts(b, "| Type | Summary |\n|---|---|\n");
	for (i = 0; i < n; i++) {
		const struct lana_block_type *bt = lana_catalogue_at(i);

		lana_buf_printf(b, "| [`%s`](#%s) | ", bt->name, bt->name);
		lana_type_summary(bt, b);
		lana_buf_puts(b, " |\n");
	}
	for (i = 0; i < n; i++) {
		lana_buf_putc(b, '\n');
		md_type(b, lana_catalogue_at(i));
	}
}
