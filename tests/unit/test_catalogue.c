// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_catalogue.c - the block catalogue (blocks/): every type
 * of blocks/blocks.def present, sorted and running on the engines its line
 * names, lookups, descriptor data validated against the value parser
 * (defaults parse and are in range), declared counters inside the pcpu
 * area, port numbering with groups, frame compatibility, and the
 * generated documentation (cli/typedoc.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "blocks/catalogue.h"
#include "cli/typedoc.h"
#include "plan/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* blocks/blocks.def, the list everything else is derived from. */
struct def_entry {
	const char *name;
	uint32_t engines;	/* LANA_ENGINE_* of the engines column */
	const char *column;	/* "ALL", "USER" or "KERNEL" */
};

static const struct def_entry expected[] = {
#define LANA_BLOCK(n, eng) { #n, LANA_ENGINE_##eng, #eng },
#include "blocks/blocks.def"
#undef LANA_BLOCK
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static void test_present_sorted(void **state)
{
	unsigned int i, n = lana_catalogue_count();

	if (n != NEXPECTED)
		fail_msg("the catalogue has %u types, blocks/blocks.def %u",
			 n, (unsigned int)NEXPECTED);
	for (i = 0; i < n; i++) {
		const struct lana_block_type *bt = lana_catalogue_at(i);

		assert_non_null(bt);
		if (strcmp(bt->name, expected[i].name))
			fail_msg("blocks.def entry %u is %s, but the catalogue's "
				 "type %u (lana_bt_%s) has .name = \"%s\"",
				 i + 1, expected[i].name, i, expected[i].name,
				 bt->name);
		if (i && strcmp(expected[i - 1].name, expected[i].name) >= 0)
			fail_msg("blocks.def: %s comes after %s; keep the list "
				 "sorted by name", expected[i].name,
				 expected[i - 1].name);
		if (i)
			assert_true(strcmp(lana_catalogue_at(i - 1)->name,
					   bt->name) < 0);
		assert_ptr_equal(lana_catalogue_find(bt->name), bt);
	}
	assert_null(lana_catalogue_at(n));
	assert_null(lana_catalogue_find("nope"));
	assert_null(lana_catalogue_find(""));
	assert_null(lana_catalogue_find("te"));
	assert_null(lana_catalogue_find("zzz"));
	assert_null(lana_catalogue_find("aaa"));
}

static bool is_uint_type(unsigned int t)
{
	return t >= LANA_PT_U8 && t <= LANA_PT_U64;
}

/*
 * Every descriptor is well-formed: documented, defaults parse to the
 * declared type within range, required parameters have no default, group
 * counts name an unsigned integer parameter.
 */
/* NEED() - fail naming the block and the missing or wrong piece. */
#define NEED(cond, ...)				\
	do {					\
		if (!(cond))			\
			fail_msg(__VA_ARGS__);	\
	} while (0)

static void test_descriptors(void **state)
{
	struct lana_arena a = { 0 };
	unsigned int i;

	for (i = 0; i < lana_catalogue_count(); i++) {
		const struct lana_block_type *bt = lana_catalogue_at(i);
		const struct lana_param *p, *q;
		const struct lana_port *port, *o;
		size_t nl = strlen(bt->name);

		NEED(bt->synopsis, "%s: no .synopsis", bt->name);
		if (strncmp(bt->synopsis, bt->name, nl) || bt->synopsis[nl] != '(')
			fail_msg("%s: synopsis '%s'", bt->name, bt->synopsis);
		NEED(bt->doc && strlen(bt->doc) > 20,
		     "%s: .doc missing or shorter than 20 characters", bt->name);
		assert_true(bt->engines & LANA_ENGINE_ALL);
		assert_int_equal(bt->engines & ~LANA_ENGINE_ALL, 0);

		for (p = bt->params; p->name; p++) {
			struct lana_value v;
			char err[256];

			NEED(p->doc, "%s: parameter '%s' has no .doc", bt->name,
			     p->name);
			assert_true(p->type > LANA_PT_NONE && p->type < LANA_PT_MAX);
			if (p->type == LANA_PT_LIST)
				assert_true(p->elem > LANA_PT_NONE &&
					    p->elem < LANA_PT_MAX &&
					    p->elem != LANA_PT_LIST);
			else
				assert_int_equal(p->elem, LANA_PT_NONE);
			if (p->type == LANA_PT_ENUM)
				assert_non_null(p->symbols);
			for (q = bt->params; q != p; q++)
				if (!strcmp(q->name, p->name))
					fail_msg("%s: duplicate param %s",
						 bt->name, p->name);
			/* each parameter named in the synopsis */
			NEED(strstr(bt->synopsis, p->name),
			     "%s: the synopsis does not name parameter '%s'",
			     bt->name, p->name);
			if (p->flags & LANA_PF_REQUIRED) {
				if (p->def)
					fail_msg("%s.%s: required with default",
						 bt->name, p->name);
				continue;
			}
			if (p->flags & LANA_PF_RANGE)
				assert_true(p->min < 0 ||
					    (uint64_t)p->min <= p->max);
			if (!p->def)
				continue;
			if (p->type == LANA_PT_LIST)
				continue;
			if (lana_value_parse(&a, p->type, p, p->def, &v, err,
					     sizeof(err)))
				fail_msg("%s.%s: default '%s': %s", bt->name,
					 p->name, p->def, err);
			assert_int_equal(v.type, p->type);
			assert_int_equal(lana_value_check_range(p, &v, err,
								sizeof(err)), 0);
		}

		for (port = bt->ports; port->name; port++) {
			NEED(port->doc, "%s: port '%s' has no .doc", bt->name,
			     port->name);
			assert_true(port->dir == LANA_PORT_IN ||
				    port->dir == LANA_PORT_OUT);
			assert_true(port->frame < LANA_FRAME_MAX);
			for (o = bt->ports; o != port; o++)
				if (o->dir == port->dir &&
				    !strcmp(o->name, port->name))
					fail_msg("%s: duplicate port %s",
						 bt->name, port->name);
			if (port->count) {
				const struct lana_param *cp =
					lana_param_find(bt, port->count);

				/* an unsigned count, or a list: one port per item */
				if (!cp || (!is_uint_type(cp->type) &&
					    cp->type != LANA_PT_LIST))
					fail_msg("%s.%s: count '%s' is not an unsigned or list param",
						 bt->name, port->name,
						 port->count);
				/* a group of zero ports makes no sense */
				assert_true(cp->flags & LANA_PF_RANGE);
				assert_true(cp->min >= 1);
			}
		}
	}
	lana_arena_free(&a);
}

static const char *engines_name(uint32_t e)
{
	switch (e) {
	case LANA_ENGINE_ALL:
		return "LANA_ENGINE_ALL";
	case LANA_ENGINE_USER:
		return "LANA_ENGINE_USER";
	case LANA_ENGINE_KERNEL:
		return "LANA_ENGINE_KERNEL";
	case 0:
		return "0";
	}
	return "?";
}

/*
 * Each descriptor's .engines is its blocks.def column: the build takes the
 * kernel's objects from the column, the engines trust the descriptor.
 */
static void test_engines_def(void **state)
{
	unsigned int i;

	for (i = 0; i < NEXPECTED; i++) {
		const struct def_entry *d = &expected[i];
		const struct lana_block_type *bt = lana_catalogue_find(d->name);
		uint32_t missing, extra;

		if (!bt)
			fail_msg("%s: in blocks.def but not in the catalogue "
				 "(no lana_bt_%s?)", d->name, d->name);
		missing = d->engines & ~bt->engines;
		extra = bt->engines & ~d->engines;
		if (missing || extra)
			fail_msg("%s: blocks.def says LANA_BLOCK(%s, %s) but "
				 "blocks/%s.c has .engines = %s: %s %s", d->name,
				 d->name, d->column, d->name,
				 engines_name(bt->engines),
				 engines_name(missing ? missing : extra),
				 missing ? "missing" : "not in blocks.def");
	}
}

/*
 * Declared counters: named, documented, unique per type; a summed one is
 * a whole uint64_t inside the pcpu area, an op one needs a stats op, and a
 * stats op has its counters declared (or the docs would not list them).
 */
static void test_counters(void **state)
{
	unsigned int i;

	for (i = 0; i < lana_catalogue_count(); i++) {
		const struct lana_block_type *bt = lana_catalogue_at(i);
		const struct lana_counter *c, *o;
		unsigned int nop = 0;

		for (c = bt->counters; c && c->name; c++) {
			if (!c->name[0] || !c->doc || !c->doc[0])
				fail_msg("%s: counter '%s' without a name or doc",
					 bt->name, c->name);
			for (o = bt->counters; o != c; o++)
				if (!strcmp(o->name, c->name))
					fail_msg("%s: duplicate counter %s",
						 bt->name, c->name);
			if (c->flags & ~(LANA_CF_OP | LANA_CF_INDEXED) ||
			    (c->flags & LANA_CF_INDEXED &&
			     !(c->flags & LANA_CF_OP)))
				fail_msg("%s.%s: unknown flags %#x", bt->name,
					 c->name, (unsigned int)c->flags);
			if (c->flags & LANA_CF_OP) {
				if (!bt->stats)
					fail_msg("%s.%s: LANA_COUNTER_OP without "
						 "a stats op", bt->name, c->name);
				nop++;
				continue;
			}
			if (c->offset % sizeof(uint64_t) ||
			    c->offset + sizeof(uint64_t) > bt->pcpu_size)
				fail_msg("%s.%s: offset %u is not a uint64_t "
					 "inside pcpu_size %u", bt->name,
					 c->name, (unsigned int)c->offset,
					 (unsigned int)bt->pcpu_size);
		}
		if (bt->stats && !nop)
			fail_msg("%s: stats op but no LANA_COUNTER_OP declared",
				 bt->name);
	}
}

/* Facts from the brief that the rest of the project relies on. */
static void test_content(void **state)
{
	const struct lana_block_type *eth = lana_catalogue_find("eth");
	const struct lana_block_type *bpf = lana_catalogue_find("bpf");
	const struct lana_block_type *vlan = lana_catalogue_find("vlan");
	const struct lana_param *p;
	static const char *const sources[] = { "eth", "gen", "pcap_in", "tap",
						"udp", "vde", "vxlan" };
	unsigned int i, j, nsrc = 0;

	p = lana_param_find(eth, "dev");
	assert_non_null(p);
	assert_int_equal(p->type, LANA_PT_STRING);
	assert_true(p->flags & LANA_PF_REQUIRED);
	assert_int_equal(p->max, 15);
	assert_true(lana_param_find(eth, "promisc")->flags & LANA_PF_LIVE);

	p = lana_param_find(bpf, "filter");
	assert_int_equal(p->type, LANA_PT_FILTER);
	assert_int_equal(p->flags & (LANA_PF_REQUIRED | LANA_PF_LIVE),
			 LANA_PF_REQUIRED | LANA_PF_LIVE);

	p = lana_param_find(vlan, "vid");
	assert_int_equal(p->min, 1);
	assert_int_equal(p->max, 4094);
	p = lana_param_find(vlan, "op");
	assert_string_equal(p->symbols[0], "push");
	assert_string_equal(p->symbols[1], "pop");
	assert_string_equal(p->symbols[2], "filter");
	assert_null(p->symbols[3]);

	for (i = 0; i < lana_catalogue_count(); i++) {
		const struct lana_block_type *bt = lana_catalogue_at(i);
		bool src = false;

		for (j = 0; j < sizeof(sources) / sizeof(sources[0]); j++)
			src |= !strcmp(bt->name, sources[j]);
		assert_int_equal(!!(bt->flags & LANA_BT_SOURCE), src);
		nsrc += src;
	}
	assert_int_equal(nsrc, 7);
}

static void test_params(void **state)
{
	const struct lana_block_type *vlan = lana_catalogue_find("vlan");
	const struct lana_block_type *drop = lana_catalogue_find("drop");

	assert_int_equal(lana_param_count(vlan), 3);
	assert_int_equal(lana_param_count(drop), 0);
	assert_int_equal(lana_param_index(vlan, "op"), 0);
	assert_int_equal(lana_param_index(vlan, "vid"), 1);
	assert_int_equal(lana_param_index(vlan, "pcp"), 2);
	assert_int_equal(lana_param_index(vlan, "nope"), -1);
	assert_ptr_equal(lana_param_find(vlan, "pcp"), &vlan->params[2]);
	assert_int_equal(lana_param_find(vlan, "pcp")->max, 7);
	assert_null(lana_param_find(vlan, "PCP"));
	assert_null(lana_param_find(drop, "x"));
}

static void test_names(void **state)
{
	static const char *const pt[] = {
		"bool", "u8", "u16", "u32", "u64", "i64", "string", "mac",
		"ipv4", "ipv6", "prefix", "size", "rate", "duration", "enum",
		"list", "filter",
	};
	static const char *const fr[] = { "any", "eth", "ip", "raw" };
	unsigned int i;

	assert_int_equal(sizeof(pt) / sizeof(pt[0]), LANA_PT_MAX - 1);
	for (i = 0; i < LANA_PT_MAX - 1; i++) {
		assert_string_equal(lana_ptype_name(i + 1), pt[i]);
		assert_int_equal(lana_ptype_from_name(pt[i]), i + 1);
	}
	assert_int_equal(lana_ptype_from_name("u128"), LANA_PT_NONE);
	assert_int_equal(lana_ptype_from_name("none"), LANA_PT_NONE);
	assert_non_null(lana_ptype_name(LANA_PT_MAX + 5));
	for (i = 0; i < LANA_FRAME_MAX; i++) {
		assert_string_equal(lana_frame_name(i), fr[i]);
		assert_int_equal(lana_frame_from_name(fr[i]), (int)i);
	}
	assert_int_equal(lana_frame_from_name("ipv4"), -1);
}

static void test_frames(void **state)
{
	unsigned int a, b;

	for (a = 0; a < LANA_FRAME_MAX; a++) {
		for (b = 0; b < LANA_FRAME_MAX; b++) {
			bool want = a == LANA_FRAME_ANY ||
				    b == LANA_FRAME_ANY || a == b;

			assert_int_equal(lana_frame_compatible(a, b), want);
		}
	}
	assert_false(lana_frame_compatible(LANA_FRAME_ETH, LANA_FRAME_IP));
	assert_true(lana_frame_compatible(LANA_FRAME_ETH, LANA_FRAME_ANY));
}

struct counts {
	uint64_t n;
	unsigned int calls;
	const char *asked;
};

static uint64_t count_cb(const char *name, void *ctx)
{
	struct counts *c = ctx;

	c->calls++;
	c->asked = name;
	return !strcmp(name, "n") ? c->n : 0;
}

static void test_ports_tee(void **state)
{
	const struct lana_block_type *tee = lana_catalogue_find("tee");
	struct counts c = { .n = 3 };
	const struct lana_port *p;
	uint32_t sub = 99, i;

	assert_int_equal(lana_port_count(tee, LANA_PORT_IN, count_cb, &c), 1);
	assert_int_equal(lana_port_count(tee, LANA_PORT_OUT, count_cb, &c), 3);
	assert_true(c.calls > 0);
	assert_string_equal(c.asked, "n");
	for (i = 0; i < 3; i++) {
		p = lana_port_at(tee, LANA_PORT_OUT, i, count_cb, &c, &sub);
		assert_non_null(p);
		assert_string_equal(p->name, "out");
		assert_int_equal(sub, i);
	}
	assert_null(lana_port_at(tee, LANA_PORT_OUT, 3, count_cb, &c, &sub));
	p = lana_port_at(tee, LANA_PORT_IN, 0, count_cb, &c, &sub);
	assert_string_equal(p->name, "in");
	assert_int_equal(sub, 0);
	assert_null(lana_port_at(tee, LANA_PORT_IN, 1, count_cb, &c, NULL));
	assert_int_equal(lana_port_by_name(tee, LANA_PORT_OUT, "out",
					   count_cb, &c), 0);

	/* without a callback a group counts as one port */
	assert_int_equal(lana_port_count(tee, LANA_PORT_OUT, NULL, NULL), 1);
	assert_non_null(lana_port_at(tee, LANA_PORT_OUT, 0, NULL, NULL, NULL));
	assert_null(lana_port_at(tee, LANA_PORT_OUT, 1, NULL, NULL, NULL));

	c.n = 64;
	assert_int_equal(lana_port_count(tee, LANA_PORT_OUT, count_cb, &c), 64);
	p = lana_port_at(tee, LANA_PORT_OUT, 63, count_cb, &c, &sub);
	assert_non_null(p);
	assert_int_equal(sub, 63);
}

static void test_ports_by_name(void **state)
{
	const struct lana_block_type *bpf = lana_catalogue_find("bpf");
	const struct lana_block_type *vlan = lana_catalogue_find("vlan");
	const struct lana_block_type *drop = lana_catalogue_find("drop");
	const struct lana_port *p;
	uint32_t sub = 7;

	assert_int_equal(lana_port_by_name(bpf, LANA_PORT_IN, "in", NULL,
					   NULL), 0);
	assert_int_equal(lana_port_by_name(bpf, LANA_PORT_OUT, "out", NULL,
					   NULL), 0);
	assert_int_equal(lana_port_by_name(bpf, LANA_PORT_OUT, "reject", NULL,
					   NULL), 1);
	assert_int_equal(lana_port_by_name(bpf, LANA_PORT_OUT, "in", NULL,
					   NULL), -1);
	assert_int_equal(lana_port_by_name(bpf, LANA_PORT_IN, "out", NULL,
					   NULL), -1);
	assert_int_equal(lana_port_by_name(vlan, LANA_PORT_OUT, "reject", NULL,
					   NULL), 1);
	p = lana_port_at(bpf, LANA_PORT_OUT, 1, NULL, NULL, &sub);
	assert_string_equal(p->name, "reject");
	assert_int_equal(sub, 0);
	assert_true(p->flags & LANA_PORTF_OPTIONAL);
	assert_int_equal(lana_port_count(bpf, LANA_PORT_OUT, NULL, NULL), 2);
	assert_int_equal(lana_port_count(drop, LANA_PORT_OUT, NULL, NULL), 0);
	assert_int_equal(lana_port_count(drop, LANA_PORT_IN, NULL, NULL), 1);
	assert_null(lana_port_at(drop, LANA_PORT_OUT, 0, NULL, NULL, NULL));
}

/* ------------------------------------------------------------- typedoc */

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_typedoc(void **state)
{
	struct lana_buf b = { 0 };
	unsigned int i;
	char needle[64];

	/* summaries: one short line, no full stop */
	for (i = 0; i < lana_catalogue_count(); i++) {
		lana_type_summary(lana_catalogue_at(i), &b);
		assert_true(b.len > 5 && b.len < 80);
		assert_null(strchr(b.data, '\n'));
		assert_true(b.data[b.len - 1] != '.');
		b.len = 0;
	}

	lana_types_list(&b);
	assert_int_equal(count_lines(b.data), lana_catalogue_count());
	assert_true(!strncmp(b.data, "bpf ", 4));
	assert_non_null(strstr(b.data, "\nvlan "));
	b.len = 0;

	lana_type_describe(lana_catalogue_find("tee"), &b);
	assert_true(!strncmp(b.data, "tee - ", 6));
	assert_non_null(strstr(b.data, "tee(n = 2)"));
	assert_non_null(strstr(b.data, "1..64"));
	assert_non_null(strstr(b.data, "number of out ports"));
	assert_non_null(strstr(b.data, "Engines: user, kernel"));
	assert_non_null(strstr(b.data, "\nReads:\n"));
	assert_non_null(strstr(b.data, "  nomem  "));
	b.len = 0;
	lana_type_describe(lana_catalogue_find("drop"), &b);
	assert_non_null(strstr(b.data, "\nReads: none\n"));
	b.len = 0;
	lana_type_describe(lana_catalogue_find("vlan"), &b);
	assert_non_null(strstr(b.data, "enum {push, pop, filter}"));
	assert_non_null(strstr(b.data, "required"));
	assert_non_null(strstr(b.data, "live"));
	assert_non_null(strstr(b.data, "optional"));
	b.len = 0;
	lana_type_describe(lana_catalogue_find("pcap_out"), &b);
	assert_non_null(strstr(b.data, "64B..256KiB"));
	assert_non_null(strstr(b.data, "Engines: user\n"));
	b.len = 0;

	lana_types_json(lana_catalogue_find("tee"), &b);
	assert_true(!strncmp(b.data, "{\"name\": \"tee\"", 14));
	assert_non_null(strstr(b.data, "\"count\": \"n\""));
	assert_non_null(strstr(b.data, "\"min\": 1, \"max\": 64"));
	assert_non_null(strstr(b.data, "\"counters\": [{\"name\": \"nomem\", "
			       "\"doc\": \""));
	assert_string_equal(b.data + b.len - 2, "}\n");
	b.len = 0;
	lana_types_json(NULL, &b);
	assert_int_equal(b.data[0], '[');
	assert_int_equal(count_lines(b.data), lana_catalogue_count() + 2);
	b.len = 0;

	lana_types_markdown(&b);
	assert_true(!strncmp(b.data, "# ", 2));
	assert_non_null(strstr(b.data, "generated by `lanarun types --markdown`"));
	assert_non_null(strstr(b.data, "do not edit"));
	for (i = 0; i < lana_catalogue_count(); i++) {
		snprintf(needle, sizeof(needle), "\n## %s\n",
			 lana_catalogue_at(i)->name);
		assert_non_null(strstr(b.data, needle));
	}
	assert_non_null(strstr(b.data, "| `vid` | u16 | `1` | 1..4094 | live |"));
	assert_non_null(strstr(b.data, "| Counter | Description |"));
	assert_non_null(strstr(b.data, "| `packets` | "));
	lana_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present_sorted),
		cmocka_unit_test(test_engines_def),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_ports_tee),
		cmocka_unit_test(test_ports_by_name),
		cmocka_unit_test(test_typedoc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
