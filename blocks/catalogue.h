/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blocks/catalogue.h - the list of every block type (blocks/blocks.def),
 * lookups over the descriptors, and the statistics of an instance.
 */
#ifndef LANA_CATALOGUE_H
#define LANA_CATALOGUE_H

#include "lana_block.h"

#include <stdbool.h>

/** lana_catalogue_count() - number of block types. */
unsigned int lana_catalogue_count(void);

/** lana_catalogue_at() - block type @i (0 <= @i < count), sorted by name. */
const struct lana_block_type *lana_catalogue_at(unsigned int i);

/** lana_catalogue_find() - block type named @name, or NULL. */
const struct lana_block_type *lana_catalogue_find(const char *name);

/** lana_param_find() - parameter @name of @bt, or NULL. */
const struct lana_param *lana_param_find(const struct lana_block_type *bt,
					 const char *name);

/** lana_param_index() - index of parameter @name in @bt->params, or -1. */
int lana_param_index(const struct lana_block_type *bt, const char *name);

/** lana_param_count() - number of parameters of @bt. */
unsigned int lana_param_count(const struct lana_block_type *bt);

/** lana_ptype_name() - "u16", "filter", ... for an enum lana_ptype. */
const char *lana_ptype_name(unsigned int type);

/** lana_ptype_from_name() - enum lana_ptype for a type name, or LANA_PT_NONE. */
unsigned int lana_ptype_from_name(const char *name);

/** lana_frame_name() - "any", "eth", "ip", "raw". */
const char *lana_frame_name(unsigned int frame);

/** lana_frame_from_name() - enum lana_frame for @name, or -1. */
int lana_frame_from_name(const char *name);

/** lana_frame_compatible() - true if a port carrying @a may feed one taking @b. */
bool lana_frame_compatible(unsigned int a, unsigned int b);

/**
 * lana_count_fn - returns the value of the unsigned integer parameter @name
 * of one instance (used for port groups such as tee's `out[n]`).
 */
typedef uint64_t (*lana_count_fn)(const char *name, void *ctx);

/**
 * lana_port_count() - number of ports of direction @dir (LANA_PORT_IN/OUT)
 * of an instance of @bt, groups expanded with @fn (NULL: groups count 1).
 */
uint32_t lana_port_count(const struct lana_block_type *bt, unsigned int dir,
			 lana_count_fn fn, void *ctx);

/**
 * lana_port_at() - declaration of port @index of direction @dir; *@sub (if
 * not NULL) receives the index within its group (0 for single ports).
 * Returns NULL when @index is out of range.
 */
const struct lana_port *lana_port_at(const struct lana_block_type *bt,
				     unsigned int dir, uint32_t index,
				     lana_count_fn fn, void *ctx,
				     uint32_t *sub);

/**
 * lana_port_by_name() - index of the first port named @name of direction
 * @dir, or -1.
 */
int lana_port_by_name(const struct lana_block_type *bt, unsigned int dir,
		      const char *name, lana_count_fn fn, void *ctx);

/**
 * lana_block_stats() - the block type's own counters of instance @b, for
 * `lanarun stats`: first every counter its descriptor declares with
 * LANA_COUNTER, in declaration order, summed over workers (CPUs) with
 * lana_pcpu_sum(); then what its stats op, if any, reports. Both engines
 * call it.
 * @b:   the block instance
 * @out: receives the counters
 * @max: entries @out has room for
 *
 * Return: the number of entries written to @out, at most @max.
 */
unsigned int lana_block_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max);

#endif /* LANA_CATALOGUE_H */
