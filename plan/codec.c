// SPDX-License-Identifier: GPL-2.0
/*
 * plan/codec.c - encode and decode the binary plan (format v1.0,
 * docs/plan-format.md).
 *
 * All integers are little-endian and are read and written byte by byte, so
 * the code works on any host and never performs an unaligned access. The
 * decoder trusts nothing: every length is checked against the bytes that
 * remain before it is used, and every error names the byte offset.
 */
#include "plan.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INSNS	(16u << 20)	/* instructions in one plan */
#define MAX_FILTER	4096u		/* classic BPF instructions */
#define MAX_LIST	65535u		/* list items */
#define MAX_STR		65535u		/* string length without NUL */

static const char *const op_names[LANA_OP_MAX] = {
	[LANA_OP_BEGIN] = "BEGIN",
	[LANA_OP_NEW] = "NEW",
	[LANA_OP_BIND] = "BIND",
	[LANA_OP_SET] = "SET",
	[LANA_OP_UNBIND] = "UNBIND",
	[LANA_OP_REPLACE] = "REPLACE",
	[LANA_OP_DEL] = "DEL",
	[LANA_OP_COMMIT] = "COMMIT",
};

const char *lana_op_name(unsigned int op)
{
	if (op < LANA_OP_MAX && op_names[op])
		return op_names[op];
	return "?";
}

void lana_plan_init(struct lana_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void lana_plan_free(struct lana_plan *p)
{
	VEC_FREE(&p->insns);
	lana_arena_free(&p->arena);
	lana_plan_init(p);
}

static uint32_t round4(uint32_t n)
{
	return (n + 3) & ~3u;
}

static const char *ptype_str(unsigned int t)
{
	const char *s = t > LANA_PT_NONE && t < LANA_PT_MAX ?
			lana_ptype_name(t) : NULL;

	return s ? s : "?";
}

/* Which opcodes a plan of the given kind may hold between BEGIN/COMMIT. */
static bool op_allowed(unsigned int op, bool edit)
{
	switch (op) {
	case LANA_OP_NEW:
	case LANA_OP_BIND:
		return true;
	case LANA_OP_SET:
	case LANA_OP_UNBIND:
	case LANA_OP_REPLACE:
	case LANA_OP_DEL:
		return edit;
	default:
		return false;
	}
}

/*
 * Index of the first parameter whose key repeats an earlier one, or -1,
 * or -2 when out of memory. Small sets are compared pairwise, larger ones
 * through a hash map.
 */
static long dup_key(const struct lana_pattr *a, uint32_t n)
{
	struct lana_map m = { 0 };
	uint32_t i, j;
	long r = -1;

	if (n <= 16) {
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				if (!strcmp(a[i].key, a[j].key))
					return i;
		return -1;
	}
	for (i = 0; i < n && r == -1; i++) {
		int k = lana_map_try_put(&m, a[i].key, i, NULL);

		if (k <= 0)
			r = k < 0 ? -2 : (long)i;
	}
	lana_map_free(&m);
	return r;
}

/* ============================================================== encoder */

struct enc {
	struct lana_buf st;	/* string table */
	struct lana_buf code;
	struct lana_map strs;	/* string -> reference */
	char *err;
	size_t errlen;
	uint32_t insn;		/* instruction number, BEGIN = 0 */
	uint8_t op;
};

static int eerr(struct enc *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int eerr(struct enc *e, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!e->err || !e->errlen)
		return -EINVAL;
	if (e->op)
		n = snprintf(e->err, e->errlen, "instruction %u (%s): ",
			     e->insn, lana_op_name(e->op));
	if (n < 0 || (size_t)n >= e->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void put8(struct lana_buf *b, uint8_t v)
{
	lana_buf_put(b, &v, 1);
}

static void put16(struct lana_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	lana_buf_put(b, x, 2);
}

static void put32(struct lana_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	lana_buf_put(b, x, 4);
}

static void put64(struct lana_buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

/*
 * Overwrite the 16-bit length at @at and the type byte after it (@type,
 * or -1 to leave it). Nothing on a buffer that dropped an append (@at may
 * be past its end): lana_plan_encode() reports -ENOMEM.
 */
static void set16(struct lana_buf *b, size_t at, uint32_t v, int type)
{
	if (b->err)
		return;
	b->data[at] = (char)(uint8_t)v;
	b->data[at + 1] = (char)(uint8_t)(v >> 8);
	if (type >= 0)
		b->data[at + 2] = (char)type;
}

static void set32(char *w, uint32_t v)
{
	w[0] = (char)(uint8_t)v;
	w[1] = (char)(uint8_t)(v >> 8);
	w[2] = (char)(uint8_t)(v >> 16);
	w[3] = (char)(uint8_t)(v >> 24);
}

static void pad4(struct lana_buf *b, size_t start)
{
	static const char zero[4];
	size_t n = (b->len - start) & 3;

	if (n)
		lana_buf_put(b, zero, 4 - n);
}

/* Write the reference of @s (NULL = ""), adding it to the table if new. */
static int put_str(struct enc *e, const char *s)
{
	size_t len;
	uint32_t ref;

	if (!s || !*s) {
		put32(&e->code, 0);
		return 0;
	}
	len = strlen(s);
	if (len > MAX_STR)
		return eerr(e, "string of %zu bytes longer than %u", len,
			    MAX_STR);
	if (!lana_map_getn(&e->strs, s, len, &ref)) {
		if (e->st.len + len + 1 > LANA_PLAN_MAX_LEN)
			return eerr(e, "string table too large");
		ref = (uint32_t)e->st.len;
		lana_buf_put(&e->st, s, len + 1);
		if (lana_map_try_putn(&e->strs, s, len, ref, NULL) < 0)
			e->st.err = -ENOMEM;	/* reported at the end */
	}
	put32(&e->code, ref);
	return 0;
}

static int put_scalar(struct enc *e, const struct lana_value *v)
{
	struct lana_buf *b = &e->code;
	uint32_t i;

	switch (v->type) {
	case LANA_PT_BOOL:
		put8(b, v->b ? 1 : 0);
		break;
	case LANA_PT_U8:
		if (v->u > 0xff)
			return eerr(e, "u8 value %llu too large",
				    (unsigned long long)v->u);
		put8(b, (uint8_t)v->u);
		break;
	case LANA_PT_U16:
		if (v->u > 0xffff)
			return eerr(e, "u16 value %llu too large",
				    (unsigned long long)v->u);
		put16(b, (uint16_t)v->u);
		break;
	case LANA_PT_U32:
		if (v->u > 0xffffffffu)
			return eerr(e, "u32 value %llu too large",
				    (unsigned long long)v->u);
		put32(b, (uint32_t)v->u);
		break;
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		put64(b, v->u);
		break;
	case LANA_PT_I64:
		put64(b, (uint64_t)v->i);
		break;
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		return put_str(e, v->str);
	case LANA_PT_MAC:
		lana_buf_put(b, v->mac, 6);
		break;
	case LANA_PT_IPV4:
		lana_buf_put(b, v->ip.addr, 4);
		break;
	case LANA_PT_IPV6:
		lana_buf_put(b, v->ip.addr, 16);
		break;
	case LANA_PT_PREFIX:
		if (v->ip.family == 4 && v->ip.plen <= 32) {
			put8(b, 4);
			put8(b, v->ip.plen);
			put16(b, 0);
			lana_buf_put(b, v->ip.addr, 4);
		} else if (v->ip.family == 6 && v->ip.plen <= 128) {
			put8(b, 6);
			put8(b, v->ip.plen);
			put16(b, 0);
			lana_buf_put(b, v->ip.addr, 16);
		} else {
			return eerr(e, "bad prefix family %u / length %u",
				    v->ip.family, v->ip.plen);
		}
		break;
	case LANA_PT_FILTER:
		if (v->filter.n < 1 || v->filter.n > MAX_FILTER)
			return eerr(e, "filter of %u instructions (1..%u)",
				    v->filter.n, MAX_FILTER);
		if (put_str(e, v->filter.expr))
			return -EINVAL;
		put32(b, v->filter.n);
		for (i = 0; i < v->filter.n; i++) {
			const struct lana_bpf_insn *f = &v->filter.insns[i];

			put16(b, f->code);
			put8(b, f->jt);
			put8(b, f->jf);
			put32(b, f->k);
		}
		break;
	default:
		return eerr(e, "cannot encode value of type %u", v->type);
	}
	return 0;
}

static int put_value(struct enc *e, const struct lana_value *v)
{
	struct lana_buf *b = &e->code;
	uint32_t i;

	if (v->type != LANA_PT_LIST)
		return put_scalar(e, v);
	if (v->list.elem == LANA_PT_LIST || v->list.elem == LANA_PT_NONE ||
	    v->list.elem >= LANA_PT_MAX)
		return eerr(e, "bad list element type %u", v->list.elem);
	if (v->list.n > MAX_LIST)
		return eerr(e, "list of %u items (at most %u)", v->list.n,
			    MAX_LIST);
	put8(b, v->list.elem);
	put8(b, 0);
	put16(b, 0);
	put32(b, v->list.n);
	for (i = 0; i < v->list.n; i++) {
		const struct lana_value *it = &v->list.items[i];
		size_t start = b->len, len;

		if (it->type != v->list.elem)
			return eerr(e, "list item %u is %s, list holds %s", i,
				    ptype_str(it->type),
				    ptype_str(v->list.elem));
		put32(b, 0);
		if (put_scalar(e, it))
			return -EINVAL;
		len = b->len - start;
		if (len > 0xffff)
			return eerr(e, "list item %u too long", i);
		set16(b, start, (uint32_t)len, it->type);
		pad4(b, start);
	}
	return 0;
}

static int put_attrs(struct enc *e, const struct lana_insn *in)
{
	struct lana_buf *b = &e->code;
	long d = dup_key(in->params, in->nparams);
	uint32_t i;

	if (d == -2)
		e->code.err = -ENOMEM;	/* reported at the end */
	if (d >= 0)
		return eerr(e, "duplicate parameter '%s'", in->params[d].key);
	for (i = 0; i < in->nparams; i++) {
		const struct lana_pattr *a = &in->params[i];
		size_t start = b->len, len;

		if (a->val.type == LANA_PT_NONE || a->val.type >= LANA_PT_MAX)
			return eerr(e, "parameter '%s' has bad type %u",
				    a->key, a->val.type);
		put32(b, 0);
		if (put_str(e, a->key) || put_value(e, &a->val))
			return -EINVAL;
		len = b->len - start;
		if (len > 0xffff)
			return eerr(e, "parameter '%s' too long (%zu bytes)",
				    a->key, len);
		set16(b, start, (uint32_t)len, a->val.type);
		pad4(b, start);
	}
	return 0;
}

static int put_insn(struct enc *e, const struct lana_insn *in, uint8_t op,
		    uint32_t base_crc, uint32_t count)
{
	struct lana_buf *b = &e->code;
	size_t start = b->len, len;

	put32(b, 0);
	switch (op) {
	case LANA_OP_BEGIN:
		put32(b, base_crc);
		put32(b, count);
		break;
	case LANA_OP_NEW:
	case LANA_OP_REPLACE:
		put32(b, in->idp);
		if (put_str(e, in->type) || put_str(e, in->name) ||
		    put_attrs(e, in))
			return -EINVAL;
		break;
	case LANA_OP_SET:
		if (in->nparams != 1)
			return eerr(e, "SET needs exactly one parameter, has %u",
				    in->nparams);
		put32(b, in->idp);
		if (put_str(e, in->name) || put_attrs(e, in))
			return -EINVAL;
		break;
	case LANA_OP_DEL:
		put32(b, in->idp);
		if (put_str(e, in->name))
			return -EINVAL;
		break;
	case LANA_OP_BIND:
	case LANA_OP_UNBIND:
		if (in->port > 0xffff || in->dport > 0xffff)
			return eerr(e, "port index %u/%u above 65535",
				    in->port, in->dport);
		put32(b, in->idp);
		put16(b, (uint16_t)in->port);
		put16(b, (uint16_t)in->dport);
		put32(b, in->dst);
		break;
	case LANA_OP_COMMIT:
		break;
	default:
		return eerr(e, "unknown opcode %u", op);
	}
	len = b->len - start;
	if (len > 0xffff)
		return eerr(e, "instruction too long (%zu bytes, at most 65535)",
			    len);
	set16(b, start, (uint32_t)len, op);
	pad4(b, start);
	if (b->len > LANA_PLAN_MAX_LEN)
		return eerr(e, "plan larger than %u bytes", LANA_PLAN_MAX_LEN);
	return 0;
}

int lana_plan_encode(struct lana_plan *p, struct lana_buf *out, char *err,
		     size_t errlen)
{
	struct enc e = {
		.st = { .fallible = true }, .code = { .fallible = true },
		.err = err, .errlen = errlen,
	};
	bool edit = p->flags & LANA_PLAN_F_EDIT;
	size_t code_off, total;
	uint32_t i, crc;
	char *h;
	int r = -EINVAL;

	if (p->flags & ~(uint32_t)LANA_PLAN_F_EDIT) {
		eerr(&e, "unknown plan flags 0x%x", p->flags);
		goto out;
	}
	if (!edit && p->base_crc) {
		eerr(&e, "full plan with base checksum 0x%08x", p->base_crc);
		goto out;
	}
	if (p->insns.n > MAX_INSNS) {
		eerr(&e, "%u instructions (at most %u)", p->insns.n, MAX_INSNS);
		goto out;
	}
	put8(&e.st, 0);
	e.op = LANA_OP_BEGIN;
	if (put_insn(&e, NULL, LANA_OP_BEGIN, p->base_crc, p->insns.n))
		goto out;
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		e.insn = i + 1;
		e.op = in->op;
		if (!op_allowed(in->op, edit)) {
			eerr(&e, "opcode not allowed in %s plan",
			     edit ? "an edit" : "a full");
			goto out;
		}
		if (put_insn(&e, in, in->op, 0, 0))
			goto out;
	}
	e.insn = i + 1;
	e.op = LANA_OP_COMMIT;
	if (put_insn(&e, NULL, LANA_OP_COMMIT, 0, 0))
		goto out;
	e.op = 0;
	if (lana_buf_err(&e.st) || lana_buf_err(&e.code))
		goto nomem;

	code_off = round4(LANA_PLAN_HDR_LEN + (uint32_t)e.st.len);
	total = code_off + e.code.len;
	if (total > LANA_PLAN_MAX_LEN) {
		eerr(&e, "plan of %zu bytes larger than %u", total,
		     LANA_PLAN_MAX_LEN);
		goto out;
	}
	h = lana_buf_reserve(out, total);
	if (!h)
		goto nomem;
	memset(h, 0, total);
	memcpy(h, LANA_PLAN_MAGIC, 8);
	h[8] = LANA_PLAN_VERSION_MAJOR;
	h[10] = LANA_PLAN_VERSION_MINOR;
	set32(h + 12, p->flags);
	set32(h + 16, (uint32_t)total);
	set32(h + 24, LANA_PLAN_HDR_LEN);
	set32(h + 28, (uint32_t)e.st.len);
	set32(h + 32, (uint32_t)code_off);
	set32(h + 36, (uint32_t)e.code.len);
	memcpy(h + LANA_PLAN_HDR_LEN, e.st.data, e.st.len);
	memcpy(h + code_off, e.code.data, e.code.len);
	crc = lana_crc32(h + 24, total - 24);
	set32(h + 20, crc);
	out->len += total;
	out->data[out->len] = '\0';
	p->crc = crc;
	r = 0;
	goto out;
nomem:
	r = lana_errf(err, errlen, -ENOMEM, "out of memory");
out:
	if (r == -EINVAL && (lana_buf_err(&e.st) || lana_buf_err(&e.code)))
		r = lana_errf(err, errlen, -ENOMEM, "out of memory");
	lana_buf_free(&e.st);
	lana_buf_free(&e.code);
	lana_map_free(&e.strs);
	return r;
}

int lana_plan_try_crc(struct lana_plan *p, uint32_t *crc)
{
	struct lana_buf b = { .fallible = true };
	char err[16];
	int r = 0;

	if (!p->crc)
		r = lana_plan_encode(p, &b, err, sizeof(err));
	lana_buf_free(&b);
	*crc = p->crc;
	return r;
}

uint32_t lana_plan_crc(struct lana_plan *p)
{
	uint32_t crc;

	lana_plan_try_crc(p, &crc);
	return crc;
}

/* ============================================================== decoder */

struct dec {
	const uint8_t *buf;
	size_t len;
	const char *st;		/* arena copy of the string table */
	uint32_t stlen;
	uint32_t last_nul;	/* offset of the table's last NUL */
	struct lana_plan *p;
	char *err;
	size_t errlen;
	uint32_t insn;
	uint8_t op;		/* 0: not inside an instruction */
	bool nomem;		/* an allocation failed: the error is -ENOMEM */
	VEC(struct lana_pattr) tmp;
};

/* Allocation failure: noted, reported by lana_plan_decode() as -ENOMEM. */
static int dnomem(struct dec *d)
{
	d->nomem = true;
	return -ENOMEM;
}

static int derr(struct dec *d, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int derr(struct dec *d, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!d->err || !d->errlen)
		return -EINVAL;
	if (d->op)
		n = snprintf(d->err, d->errlen, "offset %zu: instruction %u (%s): ",
			     off, d->insn, lana_op_name(d->op));
	else
		n = snprintf(d->err, d->errlen, "offset %zu: ", off);
	if (n < 0 || (size_t)n >= d->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Read the string reference at @off (4 bytes known to be in bounds). */
static int get_str(struct dec *d, size_t off, const char **s)
{
	uint32_t ref = get32(d->buf + off);

	if (ref >= d->stlen)
		return derr(d, off, "string reference %u outside string table (%u bytes)",
			    ref, d->stlen);
	if (ref > d->last_nul)
		return derr(d, off, "string reference %u not NUL-terminated within the string table",
			    ref);
	*s = d->st + ref;
	return 0;
}

/* Expected encoded size of a fixed-size scalar, 0 for variable ones. */
static uint32_t scalar_size(unsigned int t)
{
	switch (t) {
	case LANA_PT_BOOL:
	case LANA_PT_U8:
		return 1;
	case LANA_PT_U16:
		return 2;
	case LANA_PT_U32:
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
	case LANA_PT_IPV4:
		return 4;
	case LANA_PT_MAC:
		return 6;
	case LANA_PT_U64:
	case LANA_PT_I64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		return 8;
	case LANA_PT_IPV6:
		return 16;
	default:
		return 0;
	}
}

/* Decode a non-list value of type @t from the @n bytes at @off. */
static int get_scalar(struct dec *d, unsigned int t, size_t off, uint32_t n,
		      struct lana_value *v)
{
	const uint8_t *q = d->buf + off;
	uint32_t want = scalar_size(t), i, cnt;

	memset(v, 0, sizeof(*v));
	v->type = (uint8_t)t;
	if (t == LANA_PT_NONE || t >= LANA_PT_MAX || t == LANA_PT_LIST)
		return derr(d, off, "unknown parameter type %u", t);
	if (want && n != want)
		return derr(d, off, "%s value of %u bytes (expected %u)",
			    ptype_str(t), n, want);
	switch (t) {
	case LANA_PT_BOOL:
		if (q[0] > 1)
			return derr(d, off, "bool value %u (must be 0 or 1)",
				    q[0]);
		v->b = q[0];
		break;
	case LANA_PT_U8:
		v->u = q[0];
		break;
	case LANA_PT_U16:
		v->u = get16(q);
		break;
	case LANA_PT_U32:
		v->u = get32(q);
		break;
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		v->u = get64(q);
		break;
	case LANA_PT_I64:
		v->i = (int64_t)get64(q);
		break;
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		return get_str(d, off, &v->str);
	case LANA_PT_MAC:
		memcpy(v->mac, q, 6);
		break;
	case LANA_PT_IPV4:
		v->ip.family = 4;
		v->ip.plen = 32;
		memcpy(v->ip.addr, q, 4);
		break;
	case LANA_PT_IPV6:
		v->ip.family = 6;
		v->ip.plen = 128;
		memcpy(v->ip.addr, q, 16);
		break;
	case LANA_PT_PREFIX:
		if (n < 4)
			return derr(d, off, "prefix value of %u bytes", n);
		if (q[0] != 4 && q[0] != 6)
			return derr(d, off, "prefix family %u (must be 4 or 6)",
				    q[0]);
		if (q[1] > (q[0] == 4 ? 32 : 128))
			return derr(d, off + 1, "prefix length %u too long for IPv%u",
				    q[1], q[0]);
		if (q[2] || q[3])
			return derr(d, off + 2, "reserved prefix bytes not zero");
		if (n != (q[0] == 4 ? 8u : 20u))
			return derr(d, off, "IPv%u prefix value of %u bytes (expected %u)",
				    q[0], n, q[0] == 4 ? 8 : 20);
		v->ip.family = q[0];
		v->ip.plen = q[1];
		memcpy(v->ip.addr, q + 4, n - 4);
		break;
	case LANA_PT_FILTER:
		if (n < 8)
			return derr(d, off, "filter value of %u bytes", n);
		if (get_str(d, off, &v->filter.expr))
			return -EINVAL;
		cnt = get32(q + 4);
		if (cnt < 1 || cnt > MAX_FILTER)
			return derr(d, off + 4, "filter of %u instructions (1..%u)",
				    cnt, MAX_FILTER);
		if (n != 8 + 8 * cnt)
			return derr(d, off, "filter of %u instructions needs %u bytes, has %u",
				    cnt, 8 + 8 * cnt, n);
		v->filter.n = cnt;
		v->filter.insns = lana_arena_try_alloc(&d->p->arena,
						       cnt * sizeof(*v->filter.insns));
		if (!v->filter.insns)
			return dnomem(d);
		for (i = 0; i < cnt; i++) {
			const uint8_t *f = q + 8 + 8 * i;

			v->filter.insns[i].code = get16(f);
			v->filter.insns[i].jt = f[2];
			v->filter.insns[i].jf = f[3];
			v->filter.insns[i].k = get32(f + 4);
		}
		break;
	}
	return 0;
}

/* Decode a value of type @t (list or scalar) from the @n bytes at @off. */
static int get_value(struct dec *d, unsigned int t, size_t off, uint32_t n,
		     struct lana_value *v)
{
	const uint8_t *q = d->buf + off;
	uint32_t cnt, i;
	size_t pos, end = off + n;
	uint8_t elem;

	if (t != LANA_PT_LIST)
		return get_scalar(d, t, off, n, v);
	memset(v, 0, sizeof(*v));
	v->type = LANA_PT_LIST;
	if (n < 8)
		return derr(d, off, "list value of %u bytes", n);
	elem = q[0];
	if (elem == LANA_PT_LIST)
		return derr(d, off, "list of lists");
	if (elem == LANA_PT_NONE || elem >= LANA_PT_MAX)
		return derr(d, off, "unknown list element type %u", elem);
	if (!all_zero(q + 1, 3))
		return derr(d, off + 1, "reserved list bytes not zero");
	cnt = get32(q + 4);
	if (cnt > MAX_LIST)
		return derr(d, off + 4, "list of %u items (at most %u)", cnt,
			    MAX_LIST);
	/* every item takes at least 8 bytes: bound the allocation */
	if ((uint64_t)cnt * 8 > n - 8)
		return derr(d, off + 4, "list of %u items does not fit in %u bytes",
			    cnt, n);
	v->list.elem = elem;
	v->list.n = cnt;
	v->list.items = lana_arena_try_alloc(&d->p->arena,
					     (size_t)cnt * sizeof(*v->list.items));
	if (!v->list.items)
		return dnomem(d);
	pos = off + 8;
	for (i = 0; i < cnt; i++) {
		uint32_t ilen, padded;

		if (end - pos < 4)
			return derr(d, pos, "list item %u header beyond the value",
				    i);
		ilen = get16(d->buf + pos);
		if (ilen < 4 || ilen > end - pos)
			return derr(d, pos, "list item %u length %u outside 4..%zu",
				    i, ilen, end - pos);
		if (d->buf[pos + 2] != elem)
			return derr(d, pos + 2, "list item %u has type %u, list holds %s",
				    i, d->buf[pos + 2], ptype_str(elem));
		if (d->buf[pos + 3])
			return derr(d, pos + 3, "reserved byte not zero");
		if (get_scalar(d, elem, pos + 4, ilen - 4, &v->list.items[i]))
			return -EINVAL;
		padded = round4(ilen);
		if (padded > end - pos)
			return derr(d, pos, "list item %u padding beyond the value",
				    i);
		if (!all_zero(d->buf + pos + ilen, padded - ilen))
			return derr(d, pos + ilen, "padding not zero");
		pos += padded;
	}
	if (pos != end)
		return derr(d, pos, "%zu trailing bytes after %u list items",
			    end - pos, cnt);
	return 0;
}

/* Decode parameter attributes filling [@off, @end) into @in->params. */
static int get_attrs(struct dec *d, size_t off, size_t end,
		     struct lana_insn *in)
{
	long dup;

	d->tmp.n = 0;
	while (off < end) {
		struct lana_pattr a;
		uint32_t alen, padded;
		uint8_t t;

		if (end - off < 8)
			return derr(d, off, "parameter header truncated (%zu bytes left)",
				    end - off);
		alen = get16(d->buf + off);
		t = d->buf[off + 2];
		if (alen < 8 || alen > end - off)
			return derr(d, off, "parameter length %u outside 8..%zu",
				    alen, end - off);
		if (d->buf[off + 3])
			return derr(d, off + 3, "reserved byte not zero");
		if (get_str(d, off + 4, &a.key))
			return -EINVAL;
		if (get_value(d, t, off + 8, alen - 8, &a.val))
			return -EINVAL;
		padded = round4(alen);
		if (padded > end - off)
			return derr(d, off, "parameter padding beyond the instruction");
		if (!all_zero(d->buf + off + alen, padded - alen))
			return derr(d, off + alen, "padding not zero");
		if (VEC_TRY_PUSH(&d->tmp, a))
			return dnomem(d);
		off += padded;
	}
	in->nparams = d->tmp.n;
	in->params = lana_arena_try_memdup(&d->p->arena, d->tmp.v,
					   (size_t)d->tmp.n * sizeof(*d->tmp.v));
	if (!in->params)
		return dnomem(d);
	dup = dup_key(in->params, in->nparams);
	if (dup == -2)
		return dnomem(d);
	if (dup >= 0)
		return derr(d, off, "duplicate parameter '%s'",
			    in->params[dup].key);
	return 0;
}

/* The decoder's place in the transaction of the code section. */
struct code_state {
	bool edit;		/* an edit plan: edit opcodes allowed */
	bool begun;		/* BEGIN seen */
	bool done;		/* COMMIT seen */
	uint32_t count;		/* instructions between BEGIN and COMMIT */
};

/* The header of an instruction. */
struct insn_hdr {
	uint8_t op;
	uint32_t len;		/* without padding */
	uint32_t padded;	/* with padding */
};

/*
 * The header of the instruction at @pos in a code section ending at @end,
 * into @ih (the opcode also into @d->op, for messages): opcode and length
 * checked, the reserved byte and the padding zero.
 */
static int get_insn_header(struct dec *d, size_t pos, size_t end,
			   struct insn_hdr *ih)
{
	const uint8_t *q = d->buf + pos;

	if (end - pos < 4)
		return derr(d, pos, "instruction %u header truncated",
			    d->insn);
	ih->len = get16(q);
	ih->op = q[2];
	if (ih->op == 0 || ih->op >= LANA_OP_MAX)
		return derr(d, pos + 2, "instruction %u: unknown opcode %u",
			    d->insn, ih->op);
	d->op = ih->op;
	if (ih->len < 4)
		return derr(d, pos, "instruction length %u shorter than its header",
			    ih->len);
	if (ih->len > end - pos)
		return derr(d, pos, "instruction length %u beyond the code section (%zu bytes left)",
			    ih->len, end - pos);
	if (q[3])
		return derr(d, pos + 3, "reserved byte not zero");
	ih->padded = round4(ih->len);
	if (ih->padded > end - pos)
		return derr(d, pos, "instruction padding beyond the code section");
	if (!all_zero(q + ih->len, ih->padded - ih->len))
		return derr(d, pos + ih->len, "padding not zero");
	return 0;
}

/* Opcode @op at @pos: BEGIN first and once, the rest by the plan's kind. */
static int check_op_order(struct dec *d, size_t pos, uint8_t op,
			  const struct code_state *cs)
{
	if (!cs->begun && op != LANA_OP_BEGIN)
		return derr(d, pos, "missing BEGIN: first instruction is %s",
			    lana_op_name(op));
	if (cs->begun && op == LANA_OP_BEGIN)
		return derr(d, pos, "BEGIN inside the transaction");
	if (op != LANA_OP_BEGIN && op != LANA_OP_COMMIT &&
	    !op_allowed(op, cs->edit))
		return derr(d, pos, "opcode not allowed in %s plan",
			    cs->edit ? "an edit" : "a full");
	return 0;
}

/* BEGIN or COMMIT at @pos, with header @ih. */
static int get_begin_commit(struct dec *d, size_t pos,
			    const struct insn_hdr *ih, struct code_state *cs)
{
	const uint8_t *q = d->buf + pos;
	struct lana_plan *p = d->p;
	uint32_t ilen = ih->len;

	if (ih->op == LANA_OP_BEGIN) {
		if (ilen != 12)
			return derr(d, pos, "length %u (BEGIN is 12 bytes)",
				    ilen);
		p->base_crc = get32(q + 4);
		cs->count = get32(q + 8);
		if (!cs->edit && p->base_crc)
			return derr(d, pos + 4, "full plan with base checksum 0x%08x",
				    p->base_crc);
		if (cs->count > MAX_INSNS)
			return derr(d, pos + 8, "count %u above %u instructions",
				    cs->count, MAX_INSNS);
		cs->begun = true;
		return 0;
	}
	if (ilen != 4)
		return derr(d, pos, "length %u (COMMIT is 4 bytes)", ilen);
	if (p->insns.n != cs->count)
		return derr(d, pos, "BEGIN count %u but %u instructions",
			    cs->count, p->insns.n);
	cs->done = true;
	return 0;
}

/* The operands of instruction @in (@in->op set) at @pos, @ilen bytes. */
static int get_operands(struct dec *d, size_t pos, uint32_t ilen,
			struct lana_insn *in)
{
	const uint8_t *q = d->buf + pos;

	switch (in->op) {
	case LANA_OP_NEW:
	case LANA_OP_REPLACE:
		if (ilen < 16)
			return derr(d, pos, "length %u (at least 16)", ilen);
		in->idp = get32(q + 4);
		if (get_str(d, pos + 8, &in->type) ||
		    get_str(d, pos + 12, &in->name) ||
		    get_attrs(d, pos + 16, pos + ilen, in))
			return -EINVAL;
		break;
	case LANA_OP_SET:
		if (ilen < 20)
			return derr(d, pos, "length %u (at least 20)", ilen);
		in->idp = get32(q + 4);
		if (get_str(d, pos + 8, &in->name) ||
		    get_attrs(d, pos + 12, pos + ilen, in))
			return -EINVAL;
		if (in->nparams != 1)
			return derr(d, pos, "SET with %u parameters (exactly one)",
				    in->nparams);
		break;
	case LANA_OP_DEL:
		if (ilen != 12)
			return derr(d, pos, "length %u (DEL is 12 bytes)", ilen);
		in->idp = get32(q + 4);
		if (get_str(d, pos + 8, &in->name))
			return -EINVAL;
		break;
	case LANA_OP_BIND:
	case LANA_OP_UNBIND:
		if (ilen != 16)
			return derr(d, pos, "length %u (%s is 16 bytes)", ilen,
				    lana_op_name(in->op));
		in->idp = get32(q + 4);
		in->port = get16(q + 8);
		in->dport = get16(q + 10);
		in->dst = get32(q + 12);
		break;
	}
	return 0;
}

/* The code section [@pos, @end): BEGIN, the instructions, COMMIT. */
static int decode_code(struct dec *d, size_t pos, size_t end, bool edit)
{
	struct code_state cs = { .edit = edit };
	struct lana_plan *p = d->p;

	d->insn = 0;
	while (pos < end) {
		struct lana_insn in = { 0 };
		struct insn_hdr ih = { 0 };

		d->op = 0;
		if (cs.done)
			return derr(d, pos, "%zu trailing bytes after COMMIT",
				    end - pos);
		if (get_insn_header(d, pos, end, &ih) ||
		    check_op_order(d, pos, ih.op, &cs))
			return -EINVAL;
		if (ih.op == LANA_OP_BEGIN || ih.op == LANA_OP_COMMIT) {
			if (get_begin_commit(d, pos, &ih, &cs))
				return -EINVAL;
		} else {
			in.op = ih.op;
			if (get_operands(d, pos, ih.len, &in))
				return -EINVAL;
			if (p->insns.n >= cs.count)
				return derr(d, pos, "more instructions than the BEGIN count %u",
					    cs.count);
			if (VEC_TRY_PUSH(&p->insns, in))
				return dnomem(d);
		}
		d->insn++;
		pos += ih.padded;
	}
	d->op = 0;
	if (!cs.begun)
		return derr(d, pos, "missing BEGIN: empty code section");
	if (!cs.done)
		return derr(d, pos, "missing COMMIT at the end of the code section");
	return 0;
}

/* Where the header puts the sections of a plan. */
struct plan_hdr {
	uint32_t flags;
	uint32_t crc;
	uint32_t st_off, st_len;	/* string table */
	uint32_t code_off, code_len;	/* code section */
};

/*
 * The header of the plan in @d: magic, version, flags, length, checksum
 * and the sections' places, into @ph.
 */
static int get_plan_header(struct dec *d, struct plan_hdr *ph)
{
	const uint8_t *h = d->buf;
	size_t len = d->len;
	uint32_t major, plen;

	if (len < LANA_PLAN_HDR_LEN)
		return derr(d, 0, "truncated: %zu bytes, the header needs %u",
			    len, LANA_PLAN_HDR_LEN);
	if (memcmp(h, LANA_PLAN_MAGIC, 8))
		return derr(d, 0, "bad magic (not a LANA plan)");
	major = get16(h + 8);
	if (major != LANA_PLAN_VERSION_MAJOR)
		return derr(d, 8, "unsupported version %u.%u (this decoder reads %u.x)",
			    major, get16(h + 10), LANA_PLAN_VERSION_MAJOR);
	ph->flags = get32(h + 12);
	if (ph->flags & ~(uint32_t)LANA_PLAN_F_EDIT)
		return derr(d, 12, "unknown flags 0x%08x", ph->flags);
	plen = get32(h + 16);
	if (plen != len)
		return derr(d, 16, "length field %u but %zu bytes", plen, len);
	if (plen > LANA_PLAN_MAX_LEN)
		return derr(d, 16, "length %u above the limit %u", plen,
			    LANA_PLAN_MAX_LEN);
	ph->crc = get32(h + 20);
	if (ph->crc != lana_crc32(h + 24, len - 24))
		return derr(d, 20, "checksum 0x%08x does not match the contents (0x%08x)",
			    ph->crc, lana_crc32(h + 24, len - 24));
	ph->st_off = get32(h + 24);
	ph->st_len = get32(h + 28);
	ph->code_off = get32(h + 32);
	ph->code_len = get32(h + 36);
	if (ph->st_off != LANA_PLAN_HDR_LEN)
		return derr(d, 24, "string table offset %u (must be %u)",
			    ph->st_off, LANA_PLAN_HDR_LEN);
	if (ph->st_len < 1 || ph->st_len > len - ph->st_off)
		return derr(d, 28, "string table length %u outside 1..%zu",
			    ph->st_len, len - ph->st_off);
	if (ph->code_off != round4(ph->st_off + ph->st_len))
		return derr(d, 32, "code offset %u (must be %u)", ph->code_off,
			    round4(ph->st_off + ph->st_len));
	if ((uint64_t)ph->code_off + ph->code_len != len)
		return derr(d, 36, "code section [%u, +%u) does not end at the plan length %zu",
			    ph->code_off, ph->code_len, len);
	return 0;
}

/*
 * The string table: a NUL first, strings not longer than MAX_STR, zero
 * padding up to the code section. Notes the offset of its last NUL.
 */
static int check_strtab(struct dec *d, const struct plan_hdr *ph)
{
	const uint8_t *st = d->buf + ph->st_off;
	uint32_t i, run;

	if (st[0])
		return derr(d, ph->st_off, "string table does not start with NUL");
	if (!all_zero(st + ph->st_len, ph->code_off - ph->st_off - ph->st_len))
		return derr(d, ph->st_off + ph->st_len, "padding not zero");
	/* one pass over the table: string lengths and the last NUL */
	for (i = 0, run = 0; i < ph->st_len; i++) {
		if (st[i]) {
			if (++run > MAX_STR)
				return derr(d, ph->st_off + i - run + 1,
					    "string longer than %u bytes",
					    MAX_STR);
		} else {
			run = 0;
			d->last_nul = i;
		}
	}
	return 0;
}

int lana_plan_decode(const void *buf, size_t len, struct lana_plan *p,
		     char *err, size_t errlen)
{
	struct dec d = { .buf = buf, .len = len, .p = p, .err = err,
			 .errlen = errlen };
	struct plan_hdr ph = { 0 };
	int r = -EINVAL;

	lana_plan_init(p);
	if (get_plan_header(&d, &ph) || check_strtab(&d, &ph))
		goto out;
	d.stlen = ph.st_len;
	d.st = lana_arena_try_memdup(&p->arena, d.buf + ph.st_off, ph.st_len);
	if (!d.st) {
		r = dnomem(&d);
		goto out;
	}
	p->flags = ph.flags;
	p->crc = ph.crc;
	r = decode_code(&d, ph.code_off, len, ph.flags & LANA_PLAN_F_EDIT);
out:
	VEC_FREE(&d.tmp);
	if (r) {
		lana_plan_free(p);
		r = -EINVAL;
		if (d.nomem)
			r = lana_errf(err, errlen, -ENOMEM, "out of memory");
	}
	return r;
}
