// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/catalogue.c - the table of every block type (blocks/blocks.def),
 * lookups over descriptors, and the counters of an instance read from its
 * descriptor (see catalogue.h).
 *
 * Plain C with no I/O, so that the kernel module can link it as well.
 */
#include "catalogue.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

/*
 * The descriptors: blocks/NAME.c defines lana_bt_NAME. lana.ko compiles
 * only the types that run in the kernel (ALL, KERNEL in blocks.def); so
 * that plans naming a userspace-only type are still decoded and refused
 * with a clear message ("block type 'gen' does not run in the kernel
 * engine") rather than "unknown block type", the module's catalogue holds
 * a stub for each of them: same name, engines = LANA_ENGINE_USER, no
 * parameters, ports or ops. The kernel builder refuses such types before
 * validating parameters (engine/txn.c, switched on by kmod/engine.c's
 * glue). Userspace builds every type.
 */
#define LANA_DECL_ALL(n)	extern const struct lana_block_type lana_bt_##n;
#define LANA_DECL_KERNEL(n)	LANA_DECL_ALL(n)
#ifdef __KERNEL__
static const struct lana_param lana_stub_params[] = { LANA_PARAM_END };
static const struct lana_port lana_stub_ports[] = { LANA_PORT_END };
#define LANA_DECL_USER(n)						\
	static const struct lana_block_type lana_bt_##n = {		\
		.name = #n,						\
		.synopsis = #n "  (userspace engine only)",		\
		.doc = "runs in the userspace engine only",		\
		.params = lana_stub_params,				\
		.ports = lana_stub_ports,				\
		.engines = LANA_ENGINE_USER,				\
	};
#else
#define LANA_DECL_USER(n)	LANA_DECL_ALL(n)
#endif

#define LANA_BLOCK(n, eng) LANA_DECL_##eng(n)
#include "blocks.def"
#undef LANA_BLOCK

/* Sorted by name because blocks.def is. */
static const struct lana_block_type *const catalogue[] = {
#define LANA_BLOCK(n, eng) &lana_bt_##n,
#include "blocks.def"
#undef LANA_BLOCK
};

#define CATALOGUE_N (sizeof(catalogue) / sizeof(catalogue[0]))

static const char *const ptype_names[LANA_PT_MAX] = {
	[LANA_PT_NONE] = "none",
	[LANA_PT_BOOL] = "bool",
	[LANA_PT_U8] = "u8",
	[LANA_PT_U16] = "u16",
	[LANA_PT_U32] = "u32",
	[LANA_PT_U64] = "u64",
	[LANA_PT_I64] = "i64",
	[LANA_PT_STRING] = "string",
	[LANA_PT_MAC] = "mac",
	[LANA_PT_IPV4] = "ipv4",
	[LANA_PT_IPV6] = "ipv6",
	[LANA_PT_PREFIX] = "prefix",
	[LANA_PT_SIZE] = "size",
	[LANA_PT_RATE] = "rate",
	[LANA_PT_DURATION] = "duration",
	[LANA_PT_ENUM] = "enum",
	[LANA_PT_LIST] = "list",
	[LANA_PT_FILTER] = "filter",
};

static const char *const frame_names[LANA_FRAME_MAX] = {
	[LANA_FRAME_ANY] = "any",
	[LANA_FRAME_ETH] = "eth",
	[LANA_FRAME_IP] = "ip",
	[LANA_FRAME_RAW] = "raw",
};

unsigned int lana_catalogue_count(void)
{
	return CATALOGUE_N;
}

const struct lana_block_type *lana_catalogue_at(unsigned int i)
{
	return i < CATALOGUE_N ? catalogue[i] : NULL;
}

const struct lana_block_type *lana_catalogue_find(const char *name)
{
	unsigned int lo = 0, hi = CATALOGUE_N;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = strcmp(name, catalogue[mid]->name);

		if (!c)
			return catalogue[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int lana_param_index(const struct lana_block_type *bt, const char *name)
{
	int i;

	for (i = 0; bt->params[i].name; i++)
		if (!strcmp(bt->params[i].name, name))
			return i;
	return -1;
}

const struct lana_param *lana_param_find(const struct lana_block_type *bt,
					 const char *name)
{
	int i = lana_param_index(bt, name);

	return i < 0 ? NULL : &bt->params[i];
}

unsigned int lana_param_count(const struct lana_block_type *bt)
{
	unsigned int n = 0;

	while (bt->params[n].name)
		n++;
	return n;
}

const char *lana_ptype_name(unsigned int type)
{
	return type < LANA_PT_MAX ? ptype_names[type] : "?";
}

unsigned int lana_ptype_from_name(const char *name)
{
	unsigned int i;

	for (i = LANA_PT_NONE + 1; i < LANA_PT_MAX; i++)
		if (!strcmp(ptype_names[i], name))
			return i;
	return LANA_PT_NONE;
}

const char *lana_frame_name(unsigned int frame)
{
	return frame < LANA_FRAME_MAX ? frame_names[frame] : "?";
}

int lana_frame_from_name(const char *name)
{
	int i;

	for (i = 0; i < LANA_FRAME_MAX; i++)
		if (!strcmp(frame_names[i], name))
			return i;
	return -1;
}

bool lana_frame_compatible(unsigned int a, unsigned int b)
{
	return a == LANA_FRAME_ANY || b == LANA_FRAME_ANY || a == b;
}

/* group_size() - ports in the declaration @p for one instance. */
static uint64_t group_size(const struct lana_port *p, lana_count_fn fn,
			   void *ctx)
{
	if (!p->count || !fn)
		return 1;
	return fn(p->count, ctx);
}

uint32_t lana_port_count(const struct lana_block_type *bt, unsigned int dir,
			 lana_count_fn fn, void *ctx)
{
	const struct lana_port *p;
	uint64_t n = 0;

	for (p = bt->ports; p->name; p++) {
		if (p->dir != dir)
			continue;
		n += group_size(p, fn, ctx);
		if (n > 0xffffffffU)
			return 0xffffffffU;
	}
	return (uint32_t)n;
}

const struct lana_port *lana_port_at(const struct lana_block_type *bt,
				     unsigned int dir, uint32_t index,
				     lana_count_fn fn, void *ctx,
				     uint32_t *sub)
{
	const struct lana_port *p;
	uint64_t i = index, c;

	for (p = bt->ports; p->name; p++) {
		if (p->dir != dir)
			continue;
		c = group_size(p, fn, ctx);
		if (i < c) {
			if (sub)
				*sub = (uint32_t)i;
			return p;
		}
		i -= c;
	}
	return NULL;
}

int lana_port_by_name(const struct lana_block_type *bt, unsigned int dir,
		      const char *name, lana_count_fn fn, void *ctx)
{
	const struct lana_port *p;
	uint64_t i = 0, c;

	for (p = bt->ports; p->name; p++) {
		if (p->dir != dir)
			continue;
		c = group_size(p, fn, ctx);
		if (!strcmp(p->name, name))
			return !c || i > 0x7fffffff ? -1 : (int)i;
		i += c;
	}
	return -1;
}

unsigned int lana_block_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	const struct lana_block_type *bt = b->type;
	const struct lana_counter *c;
	unsigned int n = 0, more;

	for (c = bt->counters; c && c->name && n < max; c++) {
		if (c->flags & LANA_CF_OP)
			continue;
		out[n].name = c->name;
		out[n].value = lana_pcpu_sum(b, c->offset);
		n++;
	}
	if (bt->stats && n < max) {
		more = bt->stats(b, out + n, max - n);
		n += more < max - n ? more : max - n;
	}
	return n;
}
