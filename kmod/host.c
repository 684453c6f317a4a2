// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/host.c - the kernel side of what the shared plan code
 * (plan/codec.c, plan_check.c, apply.c, diff.c, util.c, value_ops.c;
 * compiled into lana.ko unchanged through the kmod/ wrappers) needs from the
 * host: allocation (lib/host.c in userspace), CRC-32 (zlib there,
 * crc32_le here), and the value parsing plans need (integer defaults) and
 * range checks (plan/value.c in userspace, with libpcap and unit tables).
 * Process context only (genl doit): allocations may sleep.
 */
#include <linux/crc32.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lana_compat.h"
#include "plan/plan.h"
#include "blocks/catalogue.h"

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
 * The x* allocators never fail (lib/util.h): __GFP_NOFAIL, bounded by
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
