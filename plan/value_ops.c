// SPDX-License-Identifier: GPL-2.0
/*
 * plan/value_ops.c - comparing, reading and copying typed values (see
 * value.h). Portable: the kernel engine compiles this file unchanged
 * (kmod/sources.mk), so both engines compare and copy parameters the same
 * way.
 */
#include "value.h"

#include <errno.h>
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
	case LANA_PT_LIST:
		return v->list.n;	/* a port group counted by a list */
	default:
		return 0;
	}
}

/* ----------------------------------------------------------------- copy */

static char *copy_str(const char *s, lana_alloc_fn alloc, void *ctx)
{
	size_t n;
	char *d;

	if (!s)
		s = "";
	n = strlen(s) + 1;
	d = alloc(ctx, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static int copy_scalar(struct lana_value *d, const struct lana_value *s,
		       lana_alloc_fn alloc, void *ctx)
{
	size_t n;

	*d = *s;
	switch (s->type) {
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		d->str = copy_str(s->str, alloc, ctx);
		return d->str ? 0 : -ENOMEM;
	case LANA_PT_FILTER:
		d->filter.expr = copy_str(s->filter.expr, alloc, ctx);
		n = (size_t)s->filter.n * sizeof(*s->filter.insns);
		d->filter.insns = alloc(ctx, n ? n : 1);
		if (!d->filter.expr || !d->filter.insns)
			return -ENOMEM;
		if (n)
			memcpy(d->filter.insns, s->filter.insns, n);
		return 0;
	default:
		return 0;
	}
}

int lana_value_copy(struct lana_value *dst, const struct lana_value *src,
		    lana_alloc_fn alloc, void *ctx)
{
	uint32_t k;
	int r;

	if (src->type != LANA_PT_LIST)
		return copy_scalar(dst, src, alloc, ctx);
	*dst = *src;
	dst->list.items = alloc(ctx, ((size_t)src->list.n + 1) *
				     sizeof(*dst->list.items));
	if (!dst->list.items)
		return -ENOMEM;
	for (k = 0; k < src->list.n; k++) {
		r = copy_scalar(&dst->list.items[k], &src->list.items[k],
				alloc, ctx);
		if (r)
			return r;
	}
	return 0;
}

static void *arena_alloc(void *ctx, size_t n)
{
	return lana_arena_alloc(ctx, n);
}

static void *arena_try_alloc(void *ctx, size_t n)
{
	return lana_arena_try_alloc(ctx, n);
}

int lana_value_try_copy_arena(struct lana_arena *a, struct lana_value *dst,
			      const struct lana_value *src)
{
	return lana_value_copy(dst, src, arena_try_alloc, a);
}

void lana_value_copy_arena(struct lana_arena *a, struct lana_value *dst,
			   const struct lana_value *src)
{
	lana_value_copy(dst, src, arena_alloc, a);
}
