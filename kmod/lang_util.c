// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/lang_util.c - the kernel implementation of what the shared plan
 * code (lang/plan_codec.c, plan_check.c, apply.c, diff.c; compiled into
 * lana.ko by kmod/lang_*.c) needs from lang/util.h and lang/value.h:
 * allocation, arena, growable buffer, string map, CRC-32, and the value
 * helpers plans use (range check, equality, integer defaults).
 *
 * The userspace versions are lang/util.c and lang/value.c; these follow
 * them line for line where they are used, minus file I/O and libpcap.
 * Process context only (genl doit): allocations may sleep.
 */
#include <linux/crc32.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lana_compat.h"
#include "../lang/plan.h"
#include "../blocks/catalogue.h"

/* ------------------------------------------------------------ allocation */

/*
 * Every block carries its size in a 16-byte header so that realloc can
 * copy; kvmalloc picks kmalloc or vmalloc by size.
 */
struct lana_c_hdr {
	size_t size;
	size_t pad;
};

static void *c_alloc(size_t n, gfp_t gfp)
{
	struct lana_c_hdr *h;

	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	h = kvmalloc(sizeof(*h) + n, gfp);
	if (!h)
		return NULL;
	h->size = n;
	return h + 1;
}

void *lana_c_malloc(size_t n)
{
	return c_alloc(n ? n : 1, GFP_KERNEL);
}

void *lana_c_calloc(size_t nmemb, size_t size)
{
	size_t n;

	if (check_mul_overflow(nmemb, size, &n))
		return NULL;
	return c_alloc(n ? n : 1, GFP_KERNEL | __GFP_ZERO);
}

void lana_c_free(void *p)
{
	if (p)
		kvfree((struct lana_c_hdr *)p - 1);
}

void *lana_c_realloc(void *p, size_t n)
{
	struct lana_c_hdr *h;
	void *q;

	if (!p)
		return lana_c_malloc(n);
	h = (struct lana_c_hdr *)p - 1;
	if (n <= h->size)
		return p;
	q = lana_c_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, h->size);
	lana_c_free(p);
	return q;
}

/*
 * The x* allocators never fail (lang/util.h): __GFP_NOFAIL, bounded by
 * the plan size the caller accepted.
 */
void *xmalloc(size_t n)
{
	return c_alloc(n ? n : 1, GFP_KERNEL | __GFP_NOFAIL);
}

void *xcalloc(size_t nmemb, size_t size)
{
	size_t n;

	if (check_mul_overflow(nmemb, size, &n))
		n = SIZE_MAX / 2;	/* cannot happen with bounded plans */
	return c_alloc(n ? n : 1, GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO);
}

void *xrealloc(void *p, size_t n)
{
	struct lana_c_hdr *h;
	void *q;

	if (!p)
		return xmalloc(n);
	h = (struct lana_c_hdr *)p - 1;
	if (n <= h->size)
		return p;
	q = xmalloc(n);
	memcpy(q, p, h->size);
	lana_c_free(p);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* ------------------------------------------------------------------ arena */

struct lana_arena_chunk {
	struct lana_arena_chunk *next;
	size_t used;
	size_t size;
	size_t pad;
	unsigned char mem[];
};

#define ARENA_CHUNK (64 * 1024)

void *lana_arena_alloc(struct lana_arena *a, size_t n)
{
	struct lana_arena_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		c = xcalloc(1, sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		a->total += size;
		if (n > ARENA_CHUNK / 4 && a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->mem + c->used;
	c->used += n;
	return p;
}

char *lana_arena_strndup(struct lana_arena *a, const char *s, size_t n)
{
	char *p = lana_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lana_arena_strdup(struct lana_arena *a, const char *s)
{
	return lana_arena_strndup(a, s, strlen(s));
}

void *lana_arena_memdup(struct lana_arena *a, const void *p, size_t n)
{
	void *q = lana_arena_alloc(a, n);

	if (n)
		memcpy(q, p, n);
	return q;
}

char *lana_arena_printf(struct lana_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = lana_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void lana_arena_free(struct lana_arena *a)
{
	struct lana_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		lana_c_free(c);
	}
	a->head = NULL;
	a->total = 0;
}

/* ----------------------------------------------------------------- buffer */

char *lana_buf_reserve(struct lana_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

void lana_buf_put(struct lana_buf *b, const void *p, size_t n)
{
	char *w = lana_buf_reserve(b, n);

	if (n)
		memcpy(w, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void lana_buf_puts(struct lana_buf *b, const char *s)
{
	lana_buf_put(b, s, strlen(s));
}

void lana_buf_putc(struct lana_buf *b, char c)
{
	lana_buf_put(b, &c, 1);
}

__printf(2, 0)
void lana_buf_vprintf(struct lana_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	lana_buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void lana_buf_printf(struct lana_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lana_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void lana_buf_free(struct lana_buf *b)
{
	lana_c_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* --------------------------------------------------------------- hash map */

/* FNV-1a 64 (draft-eastlake-fnv), as lang/util.c. */
uint64_t lana_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct lana_map_slot *map_find(const struct lana_map *m,
				      const char *key, size_t klen, uint64_t h)
{
	uint32_t mask = m->cap - 1, i = (uint32_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct lana_map_slot *s = &m->slots[i];

		if (!s->key)
			return s;
		if (s->hash == h && s->klen == klen &&
		    !memcmp(s->key, key, klen))
			return s;
	}
}

bool lana_map_getn(const struct lana_map *m, const char *key, size_t klen,
		   uint32_t *val)
{
	struct lana_map_slot *s;

	if (!m->cap)
		return false;
	s = map_find(m, key, klen, lana_hash(key, klen));
	if (!s->key)
		return false;
	if (val)
		*val = s->val;
	return true;
}

bool lana_map_get(const struct lana_map *m, const char *key, uint32_t *val)
{
	return lana_map_getn(m, key, strlen(key), val);
}

static void map_grow(struct lana_map *m)
{
	struct lana_map old = *m;
	uint32_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < old.cap; i++) {
		struct lana_map_slot *s = &old.slots[i];

		if (s->key)
			*map_find(m, s->key, s->klen, s->hash) = *s;
	}
	lana_c_free(old.slots);
}

bool lana_map_putn(struct lana_map *m, const char *key, size_t klen,
		   uint32_t val, uint32_t *old)
{
	uint64_t h = lana_hash(key, klen);
	struct lana_map_slot *s;

	if ((m->n + 1) * 4 >= m->cap * 3)
		map_grow(m);
	s = map_find(m, key, klen, h);
	if (s->key) {
		if (old)
			*old = s->val;
		return false;
	}
	s->key = key;
	s->klen = (uint32_t)klen;
	s->hash = h;
	s->val = val;
	m->n++;
	return true;
}

bool lana_map_put(struct lana_map *m, const char *key, uint32_t val,
		  uint32_t *old)
{
	return lana_map_putn(m, key, strlen(key), val, old);
}

void lana_map_free(struct lana_map *m)
{
	lana_c_free(m->slots);
	m->slots = NULL;
	m->cap = 0;
	m->n = 0;
}

/* zlib's crc32(0, p, n): the IEEE 802.3 CRC, pre- and post-inverted. */
uint32_t lana_crc32(const void *p, size_t n)
{
	return crc32_le(~0U, p, n) ^ ~0U;
}

/* ----------------------------------------------------------------- values */

static __printf(3, 4) int vfail(char *err, size_t errlen,
				 const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * lana_value_parse() - the kernel needs it only for the default of a
 * port-group count parameter (an unsigned integer) and booleans; the
 * compiler always writes resolved values into plans. Other types fail.
 */
int lana_value_parse(struct lana_arena *a, unsigned int type,
		     const struct lana_param *p, const char *text,
		     struct lana_value *out, char *err, size_t errlen)
{
	u64 v;

	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	if (!text)
		text = "";
	switch (type) {
	case LANA_PT_BOOL:
		if (!strcmp(text, "true"))
			out->b = true;
		else if (strcmp(text, "false"))
			return vfail(err, errlen, "expected true or false");
		return 0;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
		if (kstrtou64(text, 0, &v))
			return vfail(err, errlen, "expected unsigned integer, got '%s'",
				     text);
		if ((type == LANA_PT_U8 && v > U8_MAX) ||
		    (type == LANA_PT_U16 && v > U16_MAX) ||
		    (type == LANA_PT_U32 && v > U32_MAX))
			return vfail(err, errlen, "value %s does not fit %s", text,
				     lana_ptype_name(type));
		out->u = v;
		break;
	default:
		return vfail(err, errlen, "cannot parse %s values in the kernel",
			     lana_ptype_name(type));
	}
	if (p && (p->flags & LANA_PF_RANGE))
		return lana_value_check_range(p, out, err, errlen);
	return 0;
}

int lana_value_check_range(const struct lana_param *p,
			   const struct lana_value *v, char *err,
			   size_t errlen)
{
	u64 len;

	if (!p || !(p->flags & LANA_PF_RANGE))
		return 0;
	switch (v->type) {
	case LANA_PT_I64:
		if (v->i < p->min || (v->i >= 0 && (u64)v->i > p->max))
			return vfail(err, errlen, "value %lld out of range %lld..%llu",
				     (long long)v->i, (long long)p->min,
				     (unsigned long long)p->max);
		return 0;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		if ((p->min > 0 && v->u < (u64)p->min) || v->u > p->max)
			return vfail(err, errlen, "value %llu out of range %lld..%llu",
				     (unsigned long long)v->u,
				     (long long)p->min,
				     (unsigned long long)p->max);
		return 0;
	case LANA_PT_STRING:
		len = v->str ? strlen(v->str) : 0;
		if ((p->min > 0 && len < (u64)p->min) || len > p->max)
			return vfail(err, errlen,
				     "string '%s' has length %llu, out of range %lld..%llu",
				     v->str ? v->str : "",
				     (unsigned long long)len, (long long)p->min,
				     (unsigned long long)p->max);
		return 0;
	case LANA_PT_LIST:
		len = v->list.n;
		if ((p->min > 0 && len < (u64)p->min) || len > p->max)
			return vfail(err, errlen,
				     "list has %llu items, out of range %lld..%llu",
				     (unsigned long long)len, (long long)p->min,
				     (unsigned long long)p->max);
		return 0;
	default:
		return 0;
	}
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool scalar_equal(const struct lana_value *a,
			 const struct lana_value *b)
{
	u32 i;

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
		return a->ip.family == b->ip.family &&
		       a->ip.plen == b->ip.plen &&
		       !memcmp(a->ip.addr, b->ip.addr,
			       a->ip.family == 4 ? 4 : 16);
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

/* As lang/value.c; lists hold scalars only, so no recursion. */
bool lana_value_equal(const struct lana_value *a, const struct lana_value *b)
{
	u32 i;

	if (a->type != b->type)
		return false;
	if (a->type != LANA_PT_LIST)
		return scalar_equal(a, b);
	if (a->list.elem != b->list.elem || a->list.n != b->list.n)
		return false;
	for (i = 0; i < a->list.n; i++)
		if (a->list.items[i].type != b->list.items[i].type ||
		    !scalar_equal(&a->list.items[i], &b->list.items[i]))
			return false;
	return true;
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
