/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan/value.h - typed parameter values: parse from .lana text, compare,
 * format back to canonical text.
 *
 * A value is what a block parameter holds after checking: the plan stores it
 * as a typed attribute (docs/plan-format.md) and the engines read it back.
 */
#ifndef LANA_VALUE_H
#define LANA_VALUE_H

#include "blocks/lana_block.h"
#include "lib/util.h"

#include <stdbool.h>
#include <stdint.h>

/* struct lana_value and struct lana_bpf_insn are in blocks/lana_block.h. */

/**
 * lana_value_parse() - parse @text as a value of type @type.
 * @a:    arena that receives strings, lists and filter programs
 * @type: enum lana_ptype (not LIST: lists are built item by item)
 * @p:    the parameter (for enum symbols and LANA_PF_RANGE), or NULL
 * @text: the literal's text: a number with an optional unit (`64`, `1500B`,
 *        `64KiB`, `10mbit`, `1Gbit`, `100mbps`, `250us`; units of sizes
 *        and rates as tc(8) spells them, docs/language.md), an address (`10.0.0.1`,
 *        `fe80::1`, `10.0.0.0/8`, `00:11:22:33:44:55`), an identifier (enum
 *        symbol, `true`/`false`) or a string's unescaped contents
 * @out:  result
 * @err:  receives a message such as "value 5000 out of range 1..4094"
 *
 * Filters are compiled with libpcap (pcap_compile on a DLT_EN10MB dead
 * handle, snaplen 65535, optimised); on failure @err holds libpcap's message,
 * or lana_bpf_check()'s when the program is one the engines do not run
 * (`ip6 protochain` jumps backwards).
 * Returns 0, or -1 with @err set.
 */
int lana_value_parse(struct lana_arena *a, unsigned int type,
		     const struct lana_param *p, const char *text,
		     struct lana_value *out, char *err, size_t errlen);

/**
 * lana_value_check_range() - check @v against @p's LANA_PF_RANGE bounds
 * (integer value, size/rate/duration value, string length or list length).
 * Returns 0, or -1 with @err set.
 */
int lana_value_check_range(const struct lana_param *p,
			   const struct lana_value *v, char *err,
			   size_t errlen);

/**
 * lana_value_is_unit() - true if @word is a unit of a size, rate or
 * duration (`mbps`, `KiB`, `ms`; sizes and rates ignore case), for the
 * parser's hint when a unit is written apart from its number (`10 mbps`).
 */
bool lana_value_is_unit(const char *word);

/** lana_value_equal() - true if @a and @b have the same type and value. */
bool lana_value_equal(const struct lana_value *a, const struct lana_value *b);

/**
 * lana_value_format() - append @v to @b in canonical .lana syntax, so that
 * parsing the text again gives an equal value: strings and filters quoted,
 * sizes/rates/durations with the largest exact unit (`64KiB`, `10mbit`, `250us`),
 * lists as `[a, b]`.
 */
void lana_value_format(const struct lana_value *v, struct lana_buf *b);

/** lana_value_format_json() - append @v to @b as JSON (numbers, strings, arrays). */
void lana_value_format_json(const struct lana_value *v, struct lana_buf *b);

/**
 * lana_value_type_compatible() - true if a value of type @from may be used
 * where @to is expected (equal types; any unsigned integer type fits another
 * integer type subject to the range check; a string fits any type whose
 * literal can be quoted).
 */
bool lana_value_type_compatible(unsigned int from, unsigned int to);

/** lana_ptype_is_int() - true for the integer types u8, u16, u32, u64, i64. */
bool lana_ptype_is_int(unsigned int t);

/**
 * lana_ptype_int_max() - the largest value of integer type @t: 255 for u8,
 * ..., INT64_MAX for i64; UINT64_MAX for u64 and any other type.
 */
uint64_t lana_ptype_int_max(unsigned int t);

/**
 * lana_value_as_uint() - @v as an unsigned integer (integer kinds; a list
 * reads as its number of items, for port groups counted by a list), else 0.
 */
uint64_t lana_value_as_uint(const struct lana_value *v);

/**
 * lana_alloc_fn - allocator for lana_value_copy(): @n bytes (n > 0) aligned
 * for any type, from the owner @ctx (an arena, an engine instance); NULL
 * when out of memory. The memory is released by the owner, never by the
 * copy.
 */
typedef void *(*lana_alloc_fn)(void *ctx, size_t n);

/**
 * lana_value_copy() - deep copy of @src into @dst: the strings (STRING,
 * ENUM; a NULL string becomes ""), the items of a LIST and a FILTER's
 * expression and instructions are copied into memory from @alloc(@ctx),
 * so that @dst stays valid after @src's storage is gone (a plan freed
 * after its apply, an engine instance outliving the plan that made it).
 * Returns 0, or -ENOMEM when @alloc returned NULL (@dst is then partly
 * copied; what was allocated belongs to @ctx as usual).
 * The one copy used by the plan code (apply, diff) and both engines.
 */
int lana_value_copy(struct lana_value *dst, const struct lana_value *src,
		    lana_alloc_fn alloc, void *ctx);

/**
 * lana_value_copy_arena() - lana_value_copy() into arena @a (which never
 * fails: lana_arena_alloc aborts on out-of-memory in userspace).
 */
/**
 * lana_value_try_copy_arena() - lana_value_copy() into arena @a through
 * lana_arena_try_alloc(): 0, or -ENOMEM (@dst then partly copied).
 */
int lana_value_try_copy_arena(struct lana_arena *a, struct lana_value *dst,
			      const struct lana_value *src);

void lana_value_copy_arena(struct lana_arena *a, struct lana_value *dst,
			   const struct lana_value *src);

#endif /* LANA_VALUE_H */
