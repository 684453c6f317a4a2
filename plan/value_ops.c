// SPDX-License-Identifier: GPL-2.0
/*
 * plan/value_ops.c - comparing and reading typed values (see value.h).
 * Portable: the kernel engine compiles this file unchanged
 * (kmod/value_ops.c), so both engines compare parameters the same way.
 */
#include "value.h"

#include <string.h>

/* ---------------------------------------------------------------- equal */

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

bool lana_value_equal(const struct lana_value *a, const struct lana_value *b)
{
	uint32_t i;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case LANA_PT_BOOL:
		return a->b == b->b;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		return a->u == b->u;
	case LANA_PT_I64:
		return a->i == b->i;
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		return str_eq(a->str, b->str);
	case LANA_PT_MAC:
		return !memcmp(a->mac, b->mac, 6);
	case LANA_PT_IPV4:
	case LANA_PT_IPV6:
	case LANA_PT_PREFIX:
		return a->ip.family == b->ip.family && a->ip.plen == b->ip.plen &&
		       !memcmp(a->ip.addr, b->ip.addr,
			       a->ip.family == 4 ? 4 : 16);
	case LANA_PT_LIST:
		if (a->list.elem != b->list.elem || a->list.n != b->list.n)
			return false;
		for (i = 0; i < a->list.n; i++)
			if (!lana_value_equal(&a->list.items[i], &b->list.items[i]))
				return false;
		return true;
	case LANA_PT_FILTER:
		if (!str_eq(a->filter.expr, b->filter.expr) ||
		    a->filter.n != b->filter.n)
			return false;
		for (i = 0; i < a->filter.n; i++) {
			const struct lana_bpf_insn *x = &a->filter.insns[i];
			const struct lana_bpf_insn *y = &b->filter.insns[i];

			if (x->code != y->code || x->jt != y->jt ||
			    x->jf != y->jf || x->k != y->k)
				return false;
		}
		return true;
	default:
		return true;
	}
}

/* ---------------------------------------------------------------- misc */

bool lana_ptype_is_int(unsigned int t)
{
	return t >= LANA_PT_U8 && t <= LANA_PT_I64;
}

uint64_t lana_ptype_int_max(unsigned int t)
{
	switch (t) {
	case LANA_PT_U8:
		return UINT8_MAX;
	case LANA_PT_U16:
		return UINT16_MAX;
	case LANA_PT_U32:
		return UINT32_MAX;
	case LANA_PT_I64:
		return INT64_MAX;
	default:
		return UINT64_MAX;
	}
}

bool lana_value_type_compatible(unsigned int from, unsigned int to)
{
	if (from == to)
		return true;
	if (lana_ptype_is_int(from) && from != LANA_PT_I64 && lana_ptype_is_int(to))
		return true;
	if (from == LANA_PT_STRING)
		return to == LANA_PT_IPV6 || to == LANA_PT_PREFIX ||
		       to == LANA_PT_FILTER;
	return false;
}

uint64_t lana_value_as_uint(const struct lana_value *v)
{
	switch (v->type) {
	case LANA_PT_BOOL:
		return v->b;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		return v->u;
	case LANA_PT_I64:
		return v->i < 0 ? 0 : (uint64_t)v->i;
	default:
		return 0;
	}
}
