// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_plan.c - the binary plan: encode/decode round trips, the
 * exact bytes of format v1.0 (docs/plan-format.md), rejection of corrupt
 * plans, validation against the catalogue, and the text forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "blocks/catalogue.h"

/* ------------------------------------------------------------ builders */

static uint32_t add_insn(struct lana_plan *p, uint8_t op, uint32_t idp,
			 const char *type, const char *name)
{
	struct lana_insn in = { .op = op, .idp = idp };

	in.type = type ? lana_arena_strdup(&p->arena, type) : NULL;
	in.name = name ? lana_arena_strdup(&p->arena, name) : NULL;
	VEC_PUSH(&p->insns, in);
	return p->insns.n - 1;
}

static void add_bind(struct lana_plan *p, uint8_t op, uint32_t s,
		     uint32_t sp, uint32_t d, uint32_t dp)
{
	struct lana_insn in = { .op = op, .idp = s, .port = sp, .dst = d,
				.dport = dp };

	VEC_PUSH(&p->insns, in);
}

static void add_param(struct lana_plan *p, uint32_t i, const char *key,
		      struct lana_value v)
{
	struct lana_insn *in = &p->insns.v[i];
	struct lana_pattr *a = lana_arena_alloc(&p->arena,
				(in->nparams + 1) * sizeof(*a));

	if (in->nparams)
		memcpy(a, in->params, in->nparams * sizeof(*a));
	a[in->nparams].key = lana_arena_strdup(&p->arena, key);
	a[in->nparams].val = v;
	in->params = a;
	in->nparams++;
}

static struct lana_value vuint(uint8_t t, uint64_t u)
{
	struct lana_value v = { .type = t };

	v.u = u;
	return v;
}

static struct lana_value vbool(bool b)
{
	struct lana_value v = { .type = LANA_PT_BOOL };

	v.b = b;
	return v;
}

static struct lana_value vstr(struct lana_plan *p, uint8_t t, const char *s)
{
	struct lana_value v = { .type = t };

	v.str = lana_arena_strdup(&p->arena, s);
	return v;
}

static struct lana_value vfilter(struct lana_plan *p, const char *expr,
				 uint32_t n)
{
	struct lana_value v = { .type = LANA_PT_FILTER };
	uint32_t i;

	v.filter.expr = lana_arena_strdup(&p->arena, expr);
	v.filter.n = n;
	v.filter.insns = lana_arena_alloc(&p->arena, n * sizeof(*v.filter.insns));
	for (i = 0; i < n; i++) {
		v.filter.insns[i].code = (uint16_t)(0x28 + i);
		v.filter.insns[i].jt = (uint8_t)i;
		v.filter.insns[i].jf = (uint8_t)(i + 1);
		v.filter.insns[i].k = 0x01020304u * (i + 1);
	}
	return v;
}

/* "ldh [12]; ret #65535": a program lana_bpf_check() accepts. */
static struct lana_value vfilter_valid(struct lana_plan *p)
{
	struct lana_value v = vfilter(p, "ip", 2);

	v.filter.insns[0] = (struct lana_bpf_insn){ .code = 0x28, .k = 12 };
	v.filter.insns[1] = (struct lana_bpf_insn){ .code = 0x06, .k = 0xffff };
	return v;
}

static struct lana_value vprefix(uint8_t fam, uint8_t plen)
{
	struct lana_value v = { .type = LANA_PT_PREFIX };
	int i;

	v.ip.family = fam;
	v.ip.plen = plen;
	for (i = 0; i < (fam == 4 ? 4 : 16); i++)
		v.ip.addr[i] = (uint8_t)(0x10 + i);
	return v;
}

/* A NEW carrying one parameter of every type, a BIND, full plan. */
static void build_all_types(struct lana_plan *p)
{
	struct lana_value v;
	uint32_t i, k;

	lana_plan_init(p);
	i = add_insn(p, LANA_OP_NEW, 1, "everything", "blk/one");
	add_param(p, i, "b", vbool(true));
	add_param(p, i, "u8", vuint(LANA_PT_U8, 200));
	add_param(p, i, "u16", vuint(LANA_PT_U16, 0xbeef));
	add_param(p, i, "u32", vuint(LANA_PT_U32, 0xdeadbeef));
	add_param(p, i, "u64", vuint(LANA_PT_U64, 0x0123456789abcdefull));
	v = (struct lana_value){ .type = LANA_PT_I64 };
	v.i = -1234567890123ll;
	add_param(p, i, "i64", v);
	add_param(p, i, "s", vstr(p, LANA_PT_STRING, "veth0"));
	v = (struct lana_value){ .type = LANA_PT_MAC };
	memcpy(v.mac, "\x02\x00\x5e\x10\x20\x30", 6);
	add_param(p, i, "mac", v);
	v = (struct lana_value){ .type = LANA_PT_IPV4 };
	v.ip.family = 4;
	v.ip.plen = 32;
	memcpy(v.ip.addr, "\x0a\x00\x00\x01", 4);
	add_param(p, i, "v4", v);
	v = (struct lana_value){ .type = LANA_PT_IPV6 };
	v.ip.family = 6;
	v.ip.plen = 128;
	memcpy(v.ip.addr, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	add_param(p, i, "v6", v);
	add_param(p, i, "p4", vprefix(4, 24));
	add_param(p, i, "p6", vprefix(6, 64));
	add_param(p, i, "size", vuint(LANA_PT_SIZE, 65536));
	add_param(p, i, "rate", vuint(LANA_PT_RATE, 10000000));
	add_param(p, i, "dur", vuint(LANA_PT_DURATION, 250000));
	add_param(p, i, "e", vstr(p, LANA_PT_ENUM, "push"));
	add_param(p, i, "f", vfilter(p, "tcp port 80", 3));
	v = (struct lana_value){ .type = LANA_PT_LIST };
	v.list.elem = LANA_PT_U16;
	v.list.n = 3;
	v.list.items = lana_arena_alloc(&p->arena, 3 * sizeof(*v.list.items));
	for (k = 0; k < 3; k++)
		v.list.items[k] = vuint(LANA_PT_U16, 100 + k);
	add_param(p, i, "l16", v);
	v = (struct lana_value){ .type = LANA_PT_LIST };
	v.list.elem = LANA_PT_STRING;
	v.list.n = 2;
	v.list.items = lana_arena_alloc(&p->arena, 2 * sizeof(*v.list.items));
	v.list.items[0] = vstr(p, LANA_PT_STRING, "veth0");	/* shared */
	v.list.items[1] = vstr(p, LANA_PT_STRING, "x");
	add_param(p, i, "ls", v);
	v = (struct lana_value){ .type = LANA_PT_LIST };
	v.list.elem = LANA_PT_U8;
	add_param(p, i, "empty", v);
	add_insn(p, LANA_OP_NEW, 2, "counter", "c");
	add_bind(p, LANA_OP_BIND, 1, 3, 2, 0);
}

/* An edit plan using every edit opcode. */
static void build_edit(struct lana_plan *p)
{
	uint32_t i;

	lana_plan_init(p);
	p->flags = LANA_PLAN_F_EDIT;
	p->base_crc = 0xcafef00d;
	i = add_insn(p, LANA_OP_NEW, 9, "tee", "t2");
	add_param(p, i, "n", vuint(LANA_PT_U8, 3));
	i = add_insn(p, LANA_OP_REPLACE, 2, "fwd", "c");
	i = add_insn(p, LANA_OP_SET, 1, NULL, "src");
	add_param(p, i, "promisc", vbool(true));
	add_bind(p, LANA_OP_BIND, 9, 2, 2, 0);
	add_bind(p, LANA_OP_UNBIND, 1, 0, 3, 0);
	add_insn(p, LANA_OP_DEL, 3, NULL, "old");
}

/* ------------------------------------------------------------ compare */

static bool str_same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Independent of lana_value_equal: compares every stored field. */
static void assert_value_same(const struct lana_value *a,
			      const struct lana_value *b)
{
	uint32_t i;

	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case LANA_PT_BOOL:
		assert_int_equal(a->b, b->b);
		break;
	case LANA_PT_I64:
		assert_true(a->i == b->i);
		break;
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		assert_true(str_same(a->str, b->str));
		break;
	case LANA_PT_MAC:
		assert_memory_equal(a->mac, b->mac, 6);
		break;
	case LANA_PT_IPV4:
	case LANA_PT_IPV6:
	case LANA_PT_PREFIX:
		assert_int_equal(a->ip.family, b->ip.family);
		assert_int_equal(a->ip.plen, b->ip.plen);
		assert_memory_equal(a->ip.addr, b->ip.addr,
				    a->ip.family == 4 ? 4 : 16);
		break;
	case LANA_PT_FILTER:
		assert_true(str_same(a->filter.expr, b->filter.expr));
		assert_int_equal(a->filter.n, b->filter.n);
		for (i = 0; i < a->filter.n; i++) {
			assert_int_equal(a->filter.insns[i].code,
					 b->filter.insns[i].code);
			assert_int_equal(a->filter.insns[i].jt,
					 b->filter.insns[i].jt);
			assert_int_equal(a->filter.insns[i].jf,
					 b->filter.insns[i].jf);
			assert_int_equal(a->filter.insns[i].k,
					 b->filter.insns[i].k);
		}
		break;
	case LANA_PT_LIST:
		assert_int_equal(a->list.elem, b->list.elem);
		assert_int_equal(a->list.n, b->list.n);
		for (i = 0; i < a->list.n; i++)
			assert_value_same(&a->list.items[i], &b->list.items[i]);
		break;
	default:
		assert_true(a->u == b->u);
	}
	assert_true(lana_value_equal(a, b));
}

static void assert_plan_same(const struct lana_plan *a,
			     const struct lana_plan *b)
{
	uint32_t i, k;

	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->base_crc, b->base_crc);
	assert_int_equal(a->insns.n, b->insns.n);
	for (i = 0; i < a->insns.n; i++) {
		const struct lana_insn *x = &a->insns.v[i], *y = &b->insns.v[i];

		assert_int_equal(x->op, y->op);
		assert_int_equal(x->idp, y->idp);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->dst, y->dst);
		assert_int_equal(x->dport, y->dport);
		if (x->op == LANA_OP_NEW || x->op == LANA_OP_REPLACE)
			assert_true(str_same(x->type, y->type));
		if (x->op != LANA_OP_BIND && x->op != LANA_OP_UNBIND)
			assert_true(str_same(x->name, y->name));
		assert_int_equal(x->nparams, y->nparams);
		for (k = 0; k < x->nparams; k++) {
			assert_string_equal(x->params[k].key, y->params[k].key);
			assert_value_same(&x->params[k].val, &y->params[k].val);
		}
	}
}

static uint32_t rd32(const void *p)
{
	const uint8_t *q = p;

	return q[0] | q[1] << 8 | q[2] << 16 | (uint32_t)q[3] << 24;
}

static void wr32(void *p, uint32_t v)
{
	uint8_t *q = p;

	q[0] = (uint8_t)v;
	q[1] = (uint8_t)(v >> 8);
	q[2] = (uint8_t)(v >> 16);
	q[3] = (uint8_t)(v >> 24);
}

/* Recompute the CRC field after a deliberate change. */
static void fix_crc(struct lana_buf *b)
{
	wr32(b->data + 20, lana_crc32(b->data + 24, b->len - 24));
}

/* Recompute length, code length and CRC after changing the size. */
static void fix_header(struct lana_buf *b)
{
	wr32(b->data + 16, (uint32_t)b->len);
	wr32(b->data + 36, (uint32_t)b->len - rd32(b->data + 32));
	fix_crc(b);
}

static void encode_ok(struct lana_plan *p, struct lana_buf *b)
{
	char err[256] = "";
	int r = lana_plan_encode(p, b, err, sizeof(err));

	if (r)
		fail_msg("encode: %s", err);
}

/* ---------------------------------------------------------- round trip */

static void test_roundtrip_all_types(void **state)
{
	struct lana_plan p, q, e, f;
	struct lana_buf b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	char err[256] = "";

	build_all_types(&p);
	encode_ok(&p, &b1);
	encode_ok(&p, &b2);
	assert_int_equal(b1.len, b2.len);
	assert_memory_equal(b1.data, b2.data, b1.len);	/* deterministic */
	if (lana_plan_decode(b1.data, b1.len, &q, err, sizeof(err)))
		fail_msg("decode: %s", err);
	assert_plan_same(&p, &q);
	assert_int_equal(q.crc, rd32(b1.data + 20));
	assert_int_equal(p.crc, q.crc);
	encode_ok(&q, &b3);
	assert_int_equal(b1.len, b3.len);
	assert_memory_equal(b1.data, b3.data, b1.len);

	build_edit(&e);
	lana_buf_free(&b1);
	encode_ok(&e, &b1);
	assert_int_equal(rd32(b1.data + 12), LANA_PLAN_F_EDIT);
	if (lana_plan_decode(b1.data, b1.len, &f, err, sizeof(err)))
		fail_msg("decode: %s", err);
	assert_plan_same(&e, &f);

	lana_plan_free(&p);
	lana_plan_free(&q);
	lana_plan_free(&e);
	lana_plan_free(&f);
	lana_buf_free(&b1);
	lana_buf_free(&b2);
	lana_buf_free(&b3);
}

/* The exact bytes of a tiny plan, written out by hand from the format. */
static void test_exact_bytes(void **state)
{
	static const uint8_t want[] = {
		'L', 'A', 'N', 'A', 'P', 'L', 'A', 'N',
		1, 0, 0, 0,		/* version 1.0 */
		0, 0, 0, 0,		/* flags */
		100, 0, 0, 0,		/* length */
		0, 0, 0, 0,		/* crc: checked separately */
		40, 0, 0, 0, 11, 0, 0, 0,	/* strtab */
		52, 0, 0, 0, 48, 0, 0, 0,	/* code */
		0, 'c', 'o', 'u', 'n', 't', 'e', 'r', 0, 'c', 0, 0,
		12, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0,		/* BEGIN */
		16, 0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0,	/* NEW */
		16, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* BIND */
		4, 0, 8, 0,					/* COMMIT */
	};
	struct lana_plan p;
	struct lana_buf b = { 0 };

	lana_plan_init(&p);
	add_insn(&p, LANA_OP_NEW, 1, "counter", "c");
	add_bind(&p, LANA_OP_BIND, 1, 0, 1, 0);
	lana_buf_puts(&b, "xy");	/* encode appends */
	encode_ok(&p, &b);
	assert_int_equal(b.len, 2 + sizeof(want));
	assert_memory_equal(b.data + 2 + 24, want + 24, sizeof(want) - 24);
	assert_memory_equal(b.data + 2, want, 20);
	assert_int_equal(rd32(b.data + 2 + 20),
			 lana_crc32(b.data + 2 + 24, sizeof(want) - 24));
	assert_int_equal(p.crc, rd32(b.data + 2 + 20));
	assert_int_equal(lana_plan_crc(&p), p.crc);
	lana_plan_free(&p);
	lana_buf_free(&b);
}

/* Header fields and string table layout of a larger plan. */
static void test_header_and_strtab(void **state)
{
	struct lana_plan p;
	struct lana_buf b = { 0 };
	uint32_t st, code, i;
	const char *t;

	build_all_types(&p);
	encode_ok(&p, &b);
	assert_memory_equal(b.data, "LANAPLAN", 8);
	assert_int_equal(b.data[8], 1);
	assert_int_equal(b.data[10], 0);
	assert_int_equal(rd32(b.data + 16), b.len);
	assert_int_equal(rd32(b.data + 20), lana_crc32(b.data + 24, b.len - 24));
	assert_int_equal(rd32(b.data + 24), 40);
	st = rd32(b.data + 28);
	code = rd32(b.data + 32);
	assert_int_equal(code, (40 + st + 3) & ~3u);
	assert_int_equal(code + rd32(b.data + 36), b.len);
	/* strings in order of first use: type, name, then keys and values */
	t = b.data + 40;
	assert_int_equal(t[0], 0);
	assert_string_equal(t + 1, "everything");
	assert_string_equal(t + 12, "blk/one");
	assert_string_equal(t + 20, "b");
	assert_string_equal(t + 22, "u8");
	/* "veth0" is used twice but stored once */
	for (i = 0; i + 6 <= st; i++)
		if (!memcmp(t + i, "veth0", 6))
			break;
	assert_true(i + 6 <= st);
	for (i = i + 1; i + 6 <= st; i++)
		assert_false(!memcmp(t + i, "veth0", 6));
	lana_plan_free(&p);
	lana_buf_free(&b);
}

/* ---------------------------------------------------------- corruption */

/* Offsets in the plan of build_single(): one NEW with one parameter. */
struct single {
	struct lana_buf b;
	uint32_t code;	/* code offset */
	uint32_t ins;	/* the NEW */
	uint32_t attr;	/* its first attribute */
};

static void build_single(struct single *s, const char *key,
			 struct lana_value (*mk)(struct lana_plan *))
{
	struct lana_plan p;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	lana_plan_init(&p);
	i = add_insn(&p, LANA_OP_NEW, 1, "t", "n");
	add_param(&p, i, key, mk(&p));
	encode_ok(&p, &s->b);
	s->code = rd32(s->b.data + 32);
	s->ins = s->code + 12;
	s->attr = s->ins + 16;
	lana_plan_free(&p);
}

static struct lana_value mk_bool(struct lana_plan *p)
{
	return vbool(true);
}

static struct lana_value mk_prefix(struct lana_plan *p)
{
	return vprefix(4, 8);
}

static struct lana_value mk_filter(struct lana_plan *p)
{
	return vfilter(p, "ip", 1);
}

static struct lana_value mk_list(struct lana_plan *p)
{
	struct lana_value v = { .type = LANA_PT_LIST };

	v.list.elem = LANA_PT_U32;
	v.list.n = 1;
	v.list.items = lana_arena_alloc(&p->arena, sizeof(*v.list.items));
	v.list.items[0] = vuint(LANA_PT_U32, 7);
	return v;
}

/* Decode must fail with an "offset N:" message containing @what. */
static void expect_fail(const void *buf, size_t len, const char *what)
{
	struct lana_plan p;
	char err[256] = "";

	if (lana_plan_decode(buf, len, &p, err, sizeof(err)) == 0)
		fail_msg("decode accepted a plan with: %s", what);
	if (strncmp(err, "offset ", 7) || !strstr(err, what))
		fail_msg("error '%s' does not name '%s'", err, what);
	assert_int_equal(p.insns.n, 0);
	assert_null(p.arena.head);
}

static void test_corrupt_header(void **state)
{
	struct single s;
	struct lana_plan p;
	char err[256];
	size_t n;

	build_single(&s, "k", mk_bool);
	s.b.data[0] = 'X';
	expect_fail(s.b.data, s.b.len, "magic");
	s.b.data[0] = 'L';
	s.b.data[8] = 2;
	expect_fail(s.b.data, s.b.len, "version 2");
	s.b.data[8] = 1;
	s.b.data[10] = 7;	/* other minors are accepted */
	assert_int_equal(lana_plan_decode(s.b.data, s.b.len, &p, err,
					  sizeof(err)), 0);
	lana_plan_free(&p);
	s.b.data[10] = 0;
	s.b.data[12] = 2;
	expect_fail(s.b.data, s.b.len, "flags");
	s.b.data[12] = 0;
	s.b.data[s.b.len - 1] ^= 1;
	expect_fail(s.b.data, s.b.len, "checksum");
	s.b.data[s.b.len - 1] ^= 1;
	/* length field vs buffer */
	lana_buf_putc(&s.b, 0);
	expect_fail(s.b.data, s.b.len, "length");
	s.b.len--;
	/* every truncation fails */
	for (n = 0; n < s.b.len; n++) {
		char *cp = malloc(n + 1);

		memcpy(cp, s.b.data, n);
		assert_int_not_equal(lana_plan_decode(cp, n, &p, err,
						      sizeof(err)), 0);
		free(cp);
	}
	/* strtab byte 0 */
	s.b.data[40] = 'x';
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "NUL");
	s.b.data[40] = 0;
	/* code offset */
	wr32(s.b.data + 32, s.code + 4);
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "code offset");
	wr32(s.b.data + 32, s.code);
	fix_crc(&s.b);
	assert_int_equal(lana_plan_decode(s.b.data, s.b.len, &p, err,
					  sizeof(err)), 0);
	lana_plan_free(&p);
	lana_buf_free(&s.b);
}

static void test_corrupt_strings(void **state)
{
	struct single s;
	uint32_t stlen;

	build_single(&s, "k", mk_bool);
	wr32(s.b.data + s.ins + 8, 9999);	/* type */
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "string reference 9999 outside");
	/* make the last string run to the end of the table */
	wr32(s.b.data + s.ins + 8, 1);
	stlen = rd32(s.b.data + 28);
	assert_int_equal(s.b.data[40 + stlen - 1], 0);
	s.b.data[40 + stlen - 1] = 'z';
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "not NUL-terminated");
	lana_buf_free(&s.b);
}

static void test_corrupt_insn(void **state)
{
	struct single s;
	uint8_t save;

	build_single(&s, "k", mk_bool);
	save = (uint8_t)s.b.data[s.ins];
	s.b.data[s.ins] = 2;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "shorter than its header");
	s.b.data[s.ins] = 0;
	s.b.data[s.ins + 1] = 0x10;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "beyond the code section");
	s.b.data[s.ins] = (char)save;
	s.b.data[s.ins + 1] = 0;
	s.b.data[s.ins + 2] = 99;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "unknown opcode 99");
	s.b.data[s.ins + 2] = LANA_OP_NEW;
	s.b.data[s.ins + 3] = 1;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "reserved byte");
	s.b.data[s.ins + 3] = 0;
	/* a DEL in a full plan */
	s.b.data[s.ins + 2] = LANA_OP_DEL;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "not allowed in a full plan");
	s.b.data[s.ins + 2] = LANA_OP_NEW;
	/* BEGIN turned into a NEW */
	s.b.data[s.code + 2] = LANA_OP_NEW;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "missing BEGIN");
	s.b.data[s.code + 2] = LANA_OP_BEGIN;
	/* count */
	wr32(s.b.data + s.code + 8, 5);
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "count 5");
	wr32(s.b.data + s.code + 8, 1);
	/* base checksum in a full plan */
	wr32(s.b.data + s.code + 4, 5);
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "base checksum");
	wr32(s.b.data + s.code + 4, 0);
	/* trailing bytes after COMMIT */
	lana_buf_put(&s.b, "\4\0\x08\0", 4);
	fix_header(&s.b);
	expect_fail(s.b.data, s.b.len, "trailing bytes after COMMIT");
	/* no COMMIT */
	s.b.len -= 8;
	fix_header(&s.b);
	expect_fail(s.b.data, s.b.len, "missing COMMIT");
	lana_buf_free(&s.b);
}

static void test_corrupt_values(void **state)
{
	struct single s;

	build_single(&s, "k", mk_bool);
	assert_int_equal(s.b.data[s.attr + 8], 1);
	s.b.data[s.attr + 8] = 2;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "bool value 2");
	s.b.data[s.attr + 8] = 1;
	s.b.data[s.attr + 2] = LANA_PT_U16;	/* size mismatch */
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "u16 value of 1 bytes");
	s.b.data[s.attr + 2] = 99;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "unknown parameter type 99");
	s.b.data[s.attr + 2] = LANA_PT_BOOL;
	s.b.data[s.attr] = 20;	/* attribute longer than the insn */
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "parameter length 20");
	lana_buf_free(&s.b);

	build_single(&s, "k", mk_prefix);
	assert_int_equal(s.b.data[s.attr + 9], 8);
	s.b.data[s.attr + 9] = 33;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "prefix length 33");
	lana_buf_free(&s.b);

	build_single(&s, "k", mk_filter);
	assert_int_equal(rd32(s.b.data + s.attr + 12), 1);
	wr32(s.b.data + s.attr + 12, 0);
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "filter of 0 instructions");
	wr32(s.b.data + s.attr + 12, 2);
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "filter of 2 instructions needs");
	lana_buf_free(&s.b);

	build_single(&s, "k", mk_list);
	assert_int_equal(s.b.data[s.attr + 8], LANA_PT_U32);
	s.b.data[s.attr + 8] = LANA_PT_LIST;
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "list of lists");
	s.b.data[s.attr + 8] = LANA_PT_U32;
	wr32(s.b.data + s.attr + 12, 2);
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "list of 2 items");
	wr32(s.b.data + s.attr + 12, 1);
	s.b.data[s.attr + 18] = LANA_PT_U16;	/* item type */
	fix_crc(&s.b);
	expect_fail(s.b.data, s.b.len, "list item 0 has type");
	lana_buf_free(&s.b);
}

/* ------------------------------------------- list bounds and padding */

/* A list of two u64: items of 12 bytes (no padding), value 32 bytes. */
static struct lana_value mk_list_u64x2(struct lana_plan *p)
{
	struct lana_value v = { .type = LANA_PT_LIST };

	v.list.elem = LANA_PT_U64;
	v.list.n = 2;
	v.list.items = lana_arena_alloc(&p->arena, 2 * sizeof(*v.list.items));
	v.list.items[0] = vuint(LANA_PT_U64, 1);
	v.list.items[1] = vuint(LANA_PT_U64, 2);
	return v;
}

/* A list of one u8: an item of 5 bytes and 3 bytes of padding. */
static struct lana_value mk_list_u8(struct lana_plan *p)
{
	struct lana_value v = { .type = LANA_PT_LIST };

	v.list.elem = LANA_PT_U8;
	v.list.n = 1;
	v.list.items = lana_arena_alloc(&p->arena, sizeof(*v.list.items));
	v.list.items[0] = vuint(LANA_PT_U8, 0x5a);
	return v;
}

/* A list of one mac: an item of 10 bytes and 2 bytes of padding. */
static struct lana_value mk_list_mac(struct lana_plan *p)
{
	struct lana_value v = { .type = LANA_PT_LIST };

	v.list.elem = LANA_PT_MAC;
	v.list.n = 1;
	v.list.items = lana_arena_alloc(&p->arena, sizeof(*v.list.items));
	v.list.items[0] = (struct lana_value){ .type = LANA_PT_MAC };
	memcpy(v.list.items[0].mac, "\x02\x01\x02\x03\x04\x05", 6);
	return v;
}

static void wr16(void *p, uint16_t v)
{
	uint8_t *q = p;

	q[0] = (uint8_t)v;
	q[1] = (uint8_t)(v >> 8);
}

static uint16_t rd16(const void *p)
{
	const uint8_t *q = p;

	return (uint16_t)(q[0] | q[1] << 8);
}

static void expect_ok(const struct lana_buf *b)
{
	struct lana_plan p;
	char err[256] = "";

	if (lana_plan_decode(b->data, b->len, &p, err, sizeof(err)))
		fail_msg("decode refused the unchanged plan: %s", err);
	lana_plan_free(&p);
}

/*
 * Decode of the NEW of build_single() must fail with exactly
 * "offset @off: instruction 1 (NEW): @what".
 */
static void expect_fail_at(struct lana_buf *b, uint32_t off, const char *what)
{
	struct lana_plan p;
	char err[256] = "", want[256];

	fix_crc(b);
	snprintf(want, sizeof(want), "offset %u: instruction 1 (NEW): %s", off,
		 what);
	if (lana_plan_decode(b->data, b->len, &p, err, sizeof(err)) == 0)
		fail_msg("decode accepted a plan with: %s", want);
	assert_string_equal(err, want);
	assert_int_equal(p.insns.n, 0);
	assert_null(p.arena.head);
}

/*
 * A list value is u8 elem, 3 bytes 0, u32 n, then n items, each u16 len
 * (header included), u8 ptype, u8 0, value, padding to 4: the items and
 * their lengths must fit in the value, exactly, and n must be their number
 * (docs/plan-format.md, "Parameter attributes").
 */
static void test_corrupt_list_bounds(void **state)
{
	struct single s;
	uint32_t v, it;

	/* one u32: attribute of 8 + 16 bytes; value at +8, item at +16 */
	build_single(&s, "k", mk_list);
	v = s.attr + 8;
	it = s.attr + 16;
	assert_int_equal(rd16(s.b.data + s.attr), 24);
	assert_int_equal(rd16(s.b.data + it), 8);
	expect_ok(&s.b);
	/* the item's length runs past the attribute (and the value) */
	wr16(s.b.data + it, 12);
	expect_fail_at(&s.b, it, "list item 0 length 12 outside 4..8");
	wr16(s.b.data + it, 0xffff);
	expect_fail_at(&s.b, it, "list item 0 length 65535 outside 4..8");
	/* shorter than its own header */
	wr16(s.b.data + it, 3);
	expect_fail_at(&s.b, it, "list item 0 length 3 outside 4..8");
	wr16(s.b.data + it, 8);
	/* the count lies: 2 items cannot fit in a 16-byte value */
	wr32(s.b.data + v + 4, 2);
	expect_fail_at(&s.b, v + 4, "list of 2 items does not fit in 16 bytes");
	wr32(s.b.data + v + 4, 0xffff);
	expect_fail_at(&s.b, v + 4,
		       "list of 65535 items does not fit in 16 bytes");
	wr32(s.b.data + v + 4, 1);
	fix_crc(&s.b);
	expect_ok(&s.b);
	lana_buf_free(&s.b);

	/* two u64: attribute of 8 + 32 bytes, items at +16 and +28 */
	build_single(&s, "k", mk_list_u64x2);
	v = s.attr + 8;
	it = s.attr + 16;
	assert_int_equal(rd16(s.b.data + s.attr), 40);
	assert_int_equal(rd16(s.b.data + it), 12);
	assert_int_equal(rd16(s.b.data + it + 12), 12);
	expect_ok(&s.b);
	/* the count lies, within the 8-bytes-an-item bound: no room for #2 */
	wr32(s.b.data + v + 4, 3);
	expect_fail_at(&s.b, s.attr + 40,
		       "list item 2 header beyond the value");
	/* the count lies low: the second item is left over */
	wr32(s.b.data + v + 4, 1);
	expect_fail_at(&s.b, it + 12, "12 trailing bytes after 1 list items");
	wr32(s.b.data + v + 4, 0);
	expect_fail_at(&s.b, it, "24 trailing bytes after 0 list items");
	wr32(s.b.data + v + 4, 2);
	/* the last item's length runs past the attribute */
	wr16(s.b.data + it + 12, 16);
	expect_fail_at(&s.b, it + 12, "list item 1 length 16 outside 4..12");
	wr16(s.b.data + it + 12, 12);
	fix_crc(&s.b);
	expect_ok(&s.b);
	lana_buf_free(&s.b);
}

/*
 * Attributes and list items are padded to 4 bytes with zeros, and an
 * instruction's length counts its attributes with their padding
 * (docs/plan-format.md, "Conventions", "Instructions").
 */
static void test_corrupt_padding(void **state)
{
	struct single s;
	uint32_t it;

	/* bool: attribute of 9 bytes, 3 bytes of padding, NEW of 28 */
	build_single(&s, "k", mk_bool);
	assert_int_equal(rd16(s.b.data + s.attr), 9);
	assert_int_equal(rd16(s.b.data + s.ins), 28);
	expect_ok(&s.b);
	s.b.data[s.attr + 10] = 1;
	expect_fail_at(&s.b, s.attr + 9, "padding not zero");
	s.b.data[s.attr + 10] = 0;
	s.b.data[s.attr + 11] = (char)0x80;
	expect_fail_at(&s.b, s.attr + 9, "padding not zero");
	s.b.data[s.attr + 11] = 0;
	/* missing padding: the NEW ends right after the attribute's 9 bytes */
	wr16(s.b.data + s.ins, 25);
	expect_fail_at(&s.b, s.attr, "parameter padding beyond the instruction");
	wr16(s.b.data + s.ins, 28);
	fix_crc(&s.b);
	expect_ok(&s.b);
	lana_buf_free(&s.b);

	/* a list of one u8: item of 5 bytes at +16, padding at +21..+23 */
	build_single(&s, "k", mk_list_u8);
	it = s.attr + 16;
	assert_int_equal(rd16(s.b.data + s.attr), 24);
	assert_int_equal(rd16(s.b.data + it), 5);
	expect_ok(&s.b);
	s.b.data[it + 6] = 1;
	expect_fail_at(&s.b, it + 5, "padding not zero");
	s.b.data[it + 6] = 0;
	fix_crc(&s.b);
	expect_ok(&s.b);
	lana_buf_free(&s.b);

	/* a list of one mac: item of 10 bytes, then 2 bytes of padding */
	build_single(&s, "k", mk_list_mac);
	it = s.attr + 16;
	assert_int_equal(rd16(s.b.data + s.attr), 28);
	assert_int_equal(rd16(s.b.data + it), 10);
	expect_ok(&s.b);
	s.b.data[it + 11] = 0x20;
	expect_fail_at(&s.b, it + 10, "padding not zero");
	s.b.data[it + 11] = 0;
	/* missing padding: the value ends right after the item's 10 bytes */
	wr16(s.b.data + s.attr, 26);
	expect_fail_at(&s.b, it, "list item 0 padding beyond the value");
	wr16(s.b.data + s.attr, 28);
	fix_crc(&s.b);
	expect_ok(&s.b);
	lana_buf_free(&s.b);
}

static void test_duplicate_key(void **state)
{
	struct lana_plan p;
	struct lana_buf b = { 0 };
	char err[256] = "";
	uint32_t i, code, a1, a2;

	lana_plan_init(&p);
	i = add_insn(&p, LANA_OP_NEW, 1, "t", "n");
	add_param(&p, i, "a", vbool(false));
	add_param(&p, i, "a", vbool(true));
	assert_int_not_equal(lana_plan_encode(&p, &b, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "duplicate parameter 'a'"));
	p.insns.v[i].params[1].key = "b";
	encode_ok(&p, &b);
	code = rd32(b.data + 32);
	a1 = code + 12 + 16;
	a2 = a1 + 12;
	wr32(b.data + a2 + 4, rd32(b.data + a1 + 4));
	fix_crc(&b);
	expect_fail(b.data, b.len, "duplicate parameter 'a'");
	lana_plan_free(&p);
	lana_buf_free(&b);
}

/* ------------------------------------------ the documented decoder rules */

/*
 * One corruption of a build_single() plan per documented check: the rules
 * are the items of the "Checked:" sentence of docs/plan-format.md ("What
 * the decoder checks"), and test_documented_rules() reads that sentence,
 * so a rule added to the documentation without a case here, or a case
 * whose rule left the documentation, fails the test.
 */
struct rule_case {
	const char *rule;	/* item of the documented list, verbatim */
	struct lana_value (*mk)(struct lana_plan *);
	void (*corrupt)(struct single *s);
	bool crc;		/* recompute the CRC after corrupting */
	const char *want;	/* part of the decoder's error */
};

static void rc_magic(struct single *s) { s->b.data[0] = 'X'; }
static void rc_major(struct single *s) { s->b.data[8] = 2; }
static void rc_flags(struct single *s) { s->b.data[12] = 2; }
static void rc_length(struct single *s) { lana_buf_putc(&s->b, 0); }
static void rc_crc(struct single *s) { s->b.data[s->b.len - 1] ^= 1; }
static void rc_code_off(struct single *s)
{
	wr32(s->b.data + 32, s->code + 4);
}
static void rc_strtab_nul(struct single *s) { s->b.data[40] = 'x'; }
static void rc_strtab_pad(struct single *s)
{
	uint32_t stlen = rd32(s->b.data + 28);

	assert_true(40 + stlen < s->code);	/* "", t, n, k: 7 bytes + 1 */
	s->b.data[40 + stlen] = 1;
}
static void rc_strlen(struct single *s)
{
	uint32_t stlen = rd32(s->b.data + 28);

	wr32(s->b.data + s->ins + 8, 1);	/* type "t", not the last */
	s->b.data[40 + stlen - 1] = 'z';	/* last string runs to the end */
}
static void rc_insn_short(struct single *s) { s->b.data[s->ins] = 2; }
static void rc_insn_beyond(struct single *s)
{
	s->b.data[s->ins] = 0;
	s->b.data[s->ins + 1] = 0x10;
}
static void rc_insn_exact(struct single *s)
{
	s->b.data[s->code] = 16;	/* BEGIN is exactly 12 bytes */
}
static void rc_reserved(struct single *s) { s->b.data[s->ins + 3] = 1; }
static void rc_padding(struct single *s) { s->b.data[s->attr + 10] = 1; }
static void rc_op_unknown(struct single *s) { s->b.data[s->ins + 2] = 99; }
static void rc_op_kind(struct single *s)
{
	s->b.data[s->ins + 2] = LANA_OP_DEL;
}
static void rc_no_begin(struct single *s)
{
	s->b.data[s->code + 2] = LANA_OP_NEW;
}
static void rc_count(struct single *s) { wr32(s->b.data + s->code + 8, 5); }
static void rc_no_commit(struct single *s)
{
	s->b.len -= 4;
	fix_header(&s->b);
}
static void rc_strref(struct single *s)
{
	wr32(s->b.data + s->ins + 8, 9999);
}
static void rc_attr_len(struct single *s) { s->b.data[s->attr] = 20; }
static void rc_attr_type(struct single *s) { s->b.data[s->attr + 2] = 99; }
static void rc_item_len(struct single *s)
{
	wr16(s->b.data + s->attr + 16, 12);
}
static void rc_item_type(struct single *s)
{
	s->b.data[s->attr + 18] = LANA_PT_U16;
}
static void rc_value_size(struct single *s)
{
	s->b.data[s->attr + 2] = LANA_PT_U16;
}
static void rc_bool(struct single *s) { s->b.data[s->attr + 8] = 2; }
static void rc_prefix_family(struct single *s) { s->b.data[s->attr + 8] = 5; }
static void rc_prefix_len(struct single *s) { s->b.data[s->attr + 9] = 33; }
static void rc_filter_count(struct single *s)
{
	wr32(s->b.data + s->attr + 12, 0);
}
static void rc_list_count(struct single *s)
{
	wr32(s->b.data + s->attr + 12, 2);
}
static void rc_trailing(struct single *s)
{
	lana_buf_put(&s->b, "\4\0\x08\0", 4);
	fix_header(&s->b);
}

/* Two bool parameters "a" and "b" (keys at attr + 4 and attr + 16). */
static void build_two_keys(struct single *s)
{
	struct lana_plan p;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	lana_plan_init(&p);
	i = add_insn(&p, LANA_OP_NEW, 1, "t", "n");
	add_param(&p, i, "a", vbool(false));
	add_param(&p, i, "b", vbool(true));
	encode_ok(&p, &s->b);
	s->code = rd32(s->b.data + 32);
	s->ins = s->code + 12;
	s->attr = s->ins + 16;
	lana_plan_free(&p);
}
static void rc_dup_key(struct single *s)
{
	wr32(s->b.data + s->attr + 12 + 4, rd32(s->b.data + s->attr + 4));
}

static const struct rule_case rule_cases[] = {
	{ "magic", mk_bool, rc_magic, false, "magic" },
	{ "major version", mk_bool, rc_major, false, "version 2" },
	{ "flags", mk_bool, rc_flags, false, "flags" },
	{ "length against the buffer", mk_bool, rc_length, false, "length" },
	{ "CRC", mk_bool, rc_crc, false, "checksum" },
	{ "section offsets and lengths", mk_bool, rc_code_off, true,
	  "code offset" },
	{ "the string table's first NUL and its padding", mk_bool,
	  rc_strtab_nul, true, "NUL" },
	{ "the string table's first NUL and its padding", mk_bool,
	  rc_strtab_pad, true, "padding not zero" },
	{ "string lengths", mk_bool, rc_strlen, true, "not NUL-terminated" },
	{ "every instruction length (at least the header, inside the code "
	  "section, exactly the payload size of its opcode)", mk_bool,
	  rc_insn_short, true, "shorter than its header" },
	{ "every instruction length (at least the header, inside the code "
	  "section, exactly the payload size of its opcode)", mk_bool,
	  rc_insn_beyond, true, "beyond the code section" },
	{ "every instruction length (at least the header, inside the code "
	  "section, exactly the payload size of its opcode)", mk_bool,
	  rc_insn_exact, true, "length 16 (BEGIN is 12 bytes)" },
	{ "reserved bytes", mk_bool, rc_reserved, true, "reserved byte" },
	{ "padding", mk_bool, rc_padding, true, "padding not zero" },
	{ "opcodes (known and allowed for the plan kind)", mk_bool,
	  rc_op_unknown, true, "unknown opcode 99" },
	{ "opcodes (known and allowed for the plan kind)", mk_bool,
	  rc_op_kind, true, "not allowed in a full plan" },
	{ "`BEGIN`/`COMMIT` framing and count", mk_bool, rc_no_begin, true,
	  "missing BEGIN" },
	{ "`BEGIN`/`COMMIT` framing and count", mk_bool, rc_count, true,
	  "count 5" },
	{ "`BEGIN`/`COMMIT` framing and count", mk_bool, rc_no_commit, true,
	  "missing COMMIT" },
	{ "string references", mk_bool, rc_strref, true,
	  "string reference 9999 outside" },
	{ "attribute and list item bounds and types", mk_bool, rc_attr_len,
	  true, "parameter length 20" },
	{ "attribute and list item bounds and types", mk_bool, rc_attr_type,
	  true, "unknown parameter type 99" },
	{ "attribute and list item bounds and types", mk_list, rc_item_len,
	  true, "list item 0 length 12 outside 4..8" },
	{ "attribute and list item bounds and types", mk_list, rc_item_type,
	  true, "list item 0 has type" },
	{ "value sizes", mk_bool, rc_value_size, true, "u16 value of 1 bytes" },
	{ "bool values", mk_bool, rc_bool, true, "bool value 2" },
	{ "prefix family and length", mk_prefix, rc_prefix_family, true,
	  "prefix family 5" },
	{ "prefix family and length", mk_prefix, rc_prefix_len, true,
	  "prefix length 33" },
	{ "filter and list counts", mk_filter, rc_filter_count, true,
	  "filter of 0 instructions" },
	{ "filter and list counts", mk_list, rc_list_count, true,
	  "list of 2 items" },
	{ "duplicate keys", NULL, rc_dup_key, true, "duplicate parameter 'a'" },
	{ "trailing bytes", mk_bool, rc_trailing, false,
	  "trailing bytes after COMMIT" },
};

/*
 * The items of the "Checked:" sentence of docs/plan-format.md, split at
 * commas outside parentheses, into @items (at most @max, each at most
 * 160 bytes). Returns their number.
 */
static unsigned int documented_rules(char items[][160], unsigned int max)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *text, *p, *end;
	unsigned int n = 0, depth = 0;
	size_t len = 0, k = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/plan-format.md",
		 top ? top : "../..");
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (set top_srcdir)", path);
	text = malloc(1 << 20);
	assert_non_null(text);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[len] = 0;
	for (p = text; *p; p++)		/* one line */
		if (*p == '\n')
			*p = ' ';
	p = strstr(text, "Checked: ");
	assert_non_null(p);
	p += strlen("Checked: ");
	end = strstr(p, ". It never reads");
	assert_non_null(end);
	for (; p <= end && n < max; p++) {
		if (p == end || (*p == ',' && !depth)) {
			items[n][k] = 0;
			n++;
			k = 0;
			if (p < end)
				p++;	/* the space after the comma */
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if (*p == ' ' && (!k || items[n][k - 1] == ' '))
			continue;	/* squeeze line breaks */
		if (k + 1 < 160)
			items[n][k++] = *p;
	}
	free(text);
	return n;
}

static void test_documented_rules(void **state)
{
	const unsigned int ncase = sizeof(rule_cases) / sizeof(rule_cases[0]);
	char items[64][160];
	unsigned int n, i, j;
	struct single s;

	n = documented_rules(items, 64);
	assert_true(n >= 20);
	/* every documented rule has a case, and every case a rule */
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncase; j++)
			if (!strcmp(items[i], rule_cases[j].rule))
				break;
		if (j == ncase)
			fail_msg("documented decoder rule '%s' has no case",
				 items[i]);
	}
	for (j = 0; j < ncase; j++) {
		for (i = 0; i < n; i++)
			if (!strcmp(items[i], rule_cases[j].rule))
				break;
		if (i == n)
			fail_msg("case for '%s': no such rule in "
				 "docs/plan-format.md", rule_cases[j].rule);
	}
	/* each case: the unchanged plan decodes, the corrupted one fails */
	for (j = 0; j < ncase; j++) {
		const struct rule_case *c = &rule_cases[j];

		if (c->mk)
			build_single(&s, "k", c->mk);
		else
			build_two_keys(&s);
		expect_ok(&s.b);
		c->corrupt(&s);
		if (c->crc)
			fix_crc(&s.b);
		expect_fail(s.b.data, s.b.len, c->want);
		lana_buf_free(&s.b);
	}
}

static void test_encode_errors(void **state)
{
	struct lana_plan p;
	struct lana_buf b = { 0 };
	char err[256] = "", *big;
	uint32_t i;

	lana_plan_init(&p);
	add_insn(&p, LANA_OP_DEL, 1, NULL, "x");
	assert_int_equal(lana_plan_encode(&p, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not allowed in a full plan"));
	lana_plan_free(&p);

	big = malloc(70000);
	memset(big, 'a', 69999);
	big[69999] = 0;
	i = add_insn(&p, LANA_OP_NEW, 1, "t", "n");
	add_param(&p, i, "s", vstr(&p, LANA_PT_STRING, big));
	assert_int_equal(lana_plan_encode(&p, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 65535"));
	assert_int_equal(b.len, 0);
	free(big);
	lana_plan_free(&p);
	lana_buf_free(&b);
}

/* Flip every byte of a valid plan (CRC fixed up): never crash. */
static void test_flip_every_byte(void **state)
{
	static const uint8_t masks[] = { 0xff, 0x01, 0x80, 0x10 };
	struct lana_plan p, q, r;
	struct lana_buf b = { 0 }, c = { 0 }, d = { 0 };
	char err[256];
	size_t i, m, ok = 0, bad = 0;

	build_all_types(&p);
	encode_ok(&p, &b);
	lana_plan_free(&p);
	for (i = 0; i < b.len; i++) {
		for (m = 0; m < sizeof(masks); m++) {
			lana_buf_free(&c);
			lana_buf_put(&c, b.data, b.len);
			c.data[i] ^= (char)masks[m];
			if (i < 20 || i >= 24)
				fix_crc(&c);
			if (lana_plan_decode(c.data, c.len, &q, err,
					     sizeof(err))) {
				assert_int_equal(strncmp(err, "offset ", 7), 0);
				bad++;
				continue;
			}
			ok++;
			/* what decodes must re-encode and decode again */
			d.len = 0;
			encode_ok(&q, &d);
			assert_int_equal(lana_plan_decode(d.data, d.len, &r,
							  err, sizeof(err)), 0);
			assert_plan_same(&q, &r);
			lana_plan_free(&q);
			lana_plan_free(&r);
		}
	}
	assert_true(ok > 0);
	assert_true(bad > 0);
	lana_buf_free(&b);
	lana_buf_free(&c);
	lana_buf_free(&d);
}

/* ----------------------------------------------------------- validate */

/* eth src -> tee t (n=2); t.out[0] -> counter c -> drop d; t.out[1] -> bpf f */
static void build_valid(struct lana_plan *p)
{
	uint32_t i;

	lana_plan_init(p);
	i = add_insn(p, LANA_OP_NEW, 1, "eth", "src");
	add_param(p, i, "dev", vstr(p, LANA_PT_STRING, "veth0"));
	add_param(p, i, "promisc", vbool(false));
	i = add_insn(p, LANA_OP_NEW, 2, "tee", "t");
	add_param(p, i, "n", vuint(LANA_PT_U8, 2));
	add_insn(p, LANA_OP_NEW, 3, "counter", "c");
	add_insn(p, LANA_OP_NEW, 4, "drop", "d");
	i = add_insn(p, LANA_OP_NEW, 5, "bpf", "f");
	add_param(p, i, "filter", vfilter_valid(p));
	add_bind(p, LANA_OP_BIND, 1, 0, 2, 0);
	add_bind(p, LANA_OP_BIND, 2, 0, 3, 0);
	add_bind(p, LANA_OP_BIND, 3, 0, 4, 0);
	add_bind(p, LANA_OP_BIND, 2, 1, 5, 0);	/* any -> eth */
	add_bind(p, LANA_OP_BIND, 5, 0, 1, 0);	/* eth -> eth */
}

static void expect_invalid(struct lana_plan *p, const char *what)
{
	char err[256] = "";

	if (lana_plan_validate(p, err, sizeof(err)) == 0)
		fail_msg("validate accepted: %s", what);
	if (!strstr(err, what) || strncmp(err, "instruction ", 12))
		fail_msg("error '%s' does not name '%s'", err, what);
	lana_plan_free(p);
}

static void test_validate(void **state)
{
	struct lana_plan p;
	char err[256] = "";
	uint32_t i;

	build_valid(&p);
	if (lana_plan_validate(&p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(lana_frame_compatible(LANA_FRAME_ANY, LANA_FRAME_ETH));
	lana_plan_free(&p);

	/* sparse IDPs take the hash-map path */
	build_valid(&p);
	for (i = 0; i < p.insns.n; i++) {
		p.insns.v[i].idp += 0x80000000u;
		if (p.insns.v[i].op == LANA_OP_BIND)
			p.insns.v[i].dst += 0x80000000u;
	}
	if (lana_plan_validate(&p, err, sizeof(err)))
		fail_msg("%s", err);
	p.insns.v[4].idp = p.insns.v[0].idp;
	expect_invalid(&p, "instruction 5 (NEW f): duplicate IDP 2147483649 (also instruction 1)");

	build_valid(&p);
	p.insns.v[2].type = "nosuch";
	expect_invalid(&p, "unknown block type 'nosuch'");

	build_valid(&p);
	p.insns.v[1].params[0].key = "m";
	expect_invalid(&p, "unknown parameter 'm'");

	build_valid(&p);
	p.insns.v[1].params[0].val = vstr(&p, LANA_PT_STRING, "2");
	expect_invalid(&p, "expected u8");

	build_valid(&p);
	p.insns.v[1].params[0].val.u = 65;
	expect_invalid(&p, "out of range");

	build_valid(&p);
	p.insns.v[0].params[0].key = "promisc";
	p.insns.v[0].params[1].key = "dev";
	p.insns.v[0].nparams = 1;
	expect_invalid(&p, "parameter 'promisc' is string, expected bool");

	build_valid(&p);
	p.insns.v[0].params++;
	p.insns.v[0].nparams = 1;
	expect_invalid(&p, "(NEW src): missing required parameter 'dev'");

	build_valid(&p);
	p.insns.v[3].idp = 0;
	expect_invalid(&p, "IDP 0");

	build_valid(&p);
	p.insns.v[3].idp = 2;
	expect_invalid(&p, "instruction 4 (NEW d): duplicate IDP 2");

	build_valid(&p);
	p.insns.v[6].port = 2;	/* tee n=2 has out[0], out[1] */
	expect_invalid(&p, "OUT port 2 out of range: 't' (tee) has 2");

	build_valid(&p);
	p.insns.v[1].params[0].val.u = 3;	/* now it is fine */
	p.insns.v[6].port = 2;
	assert_int_equal(lana_plan_validate(&p, err, sizeof(err)), 0);
	lana_plan_free(&p);

	build_valid(&p);
	p.insns.v[7].dport = 1;
	expect_invalid(&p, "IN port 1 out of range");

	build_valid(&p);
	p.insns.v[8].port = 0;	/* t.out[0] twice */
	expect_invalid(&p, "bound twice");

	build_valid(&p);
	p.insns.v[9].dst = 42;
	expect_invalid(&p, "destination IDP 42 is not created");

	build_valid(&p);
	add_insn(&p, LANA_OP_DEL, 4, NULL, "d");
	expect_invalid(&p, "DEL in a full plan");

	/* a RET with a bit libpcap's bpf_filter() does not know (it aborts) */
	build_valid(&p);
	p.insns.v[4].params[0].val.filter.insns[1].code = 0x8006;
	expect_invalid(&p, "instruction 5 (NEW f): parameter 'filter': filter instruction 1: opcode 0x8006 not allowed");
}

static void test_validate_edit(void **state)
{
	struct lana_plan p;
	char err[256] = "";
	uint32_t i;

	build_edit(&p);
	if (lana_plan_validate(&p, err, sizeof(err)))
		fail_msg("%s", err);
	lana_plan_free(&p);

	/* SET of a non-live parameter on a block this plan creates */
	build_edit(&p);
	i = add_insn(&p, LANA_OP_SET, 9, NULL, "t2");
	add_param(&p, i, "n", vuint(LANA_PT_U8, 4));
	expect_invalid(&p, "parameter 'n' of 'tee' is not live");

	build_edit(&p);
	i = add_insn(&p, LANA_OP_NEW, 10, "vlan", "v");
	add_param(&p, i, "op", vstr(&p, LANA_PT_ENUM, "swap"));
	expect_invalid(&p, "unknown symbol 'swap'");

	build_edit(&p);
	add_insn(&p, LANA_OP_DEL, 2, NULL, "c");	/* REPLACEd above */
	expect_invalid(&p, "IDP 2 is created by instruction 2 and deleted");
}

/* ---------------------------------------------------------- text forms */

static void build_text(struct lana_plan *p)
{
	uint32_t i;

	lana_plan_init(p);
	i = add_insn(p, LANA_OP_NEW, 1, "eth", "src");
	add_param(p, i, "dev", vstr(p, LANA_PT_STRING, "veth0"));
	add_param(p, i, "promisc", vbool(false));
	i = add_insn(p, LANA_OP_NEW, 2, "tee", "g/t");
	add_param(p, i, "n", vuint(LANA_PT_U8, 2));
	add_insn(p, LANA_OP_NEW, 3, "counter", "c\"q");
	add_bind(p, LANA_OP_BIND, 1, 0, 2, 0);
	add_bind(p, LANA_OP_BIND, 2, 1, 3, 0);
}

static void test_disasm(void **state)
{
	struct lana_plan p;
	struct lana_buf b = { 0 }, e = { 0 };
	char want[512];
	uint32_t i;

	build_text(&p);
	encode_ok(&p, &e);
	lana_plan_disasm(&p, &b);
	snprintf(want, sizeof(want),
		 "; LANA plan v1.0, full, 5 instructions, crc 0x%08x\n"
		 "BEGIN   base=0x00000000 count=5\n"
		 "NEW     1 src eth dev=\"veth0\" promisc=false\n"
		 "NEW     2 g/t tee n=2\n"
		 "NEW     3 c\"q counter\n"
		 "BIND    1 src.out -> 2 g/t.in\n"
		 "BIND    2 g/t.out[1] -> 3 c\"q.in\n"
		 "COMMIT\n", rd32(e.data + 20));
	assert_string_equal(b.data, want);
	lana_plan_free(&p);

	build_edit(&p);
	b.len = 0;
	i = add_insn(&p, LANA_OP_SET, 4, NULL, "v");
	add_param(&p, i, "vid", vuint(LANA_PT_U16, 10));
	lana_plan_disasm(&p, &b);
	assert_string_equal(b.data,
		"; LANA plan v1.0, edit, 7 instructions, crc 0x00000000\n"
		"BEGIN   base=0xcafef00d count=7\n"
		"NEW     9 t2 tee n=3\n"
		"REPLACE 2 c fwd\n"
		"SET     1 src promisc=true\n"
		"BIND    9 t2.out[2] -> 2 c.in\n"
		"UNBIND  1.0 -> 3.0\n"
		"DEL     3 old\n"
		"SET     4 v vid=10\n"
		"COMMIT\n");
	lana_plan_free(&p);
	lana_buf_free(&b);
	lana_buf_free(&e);
}

static void test_json(void **state)
{
	struct lana_plan p;
	struct lana_buf b = { 0 };

	build_text(&p);
	p.crc = 77;
	lana_plan_json(&p, &b);
	assert_string_equal(b.data,
		"{\"version\":\"1.0\",\"edit\":false,\"base_crc\":0,\"crc\":77,\"insns\":["
		"{\"op\":\"NEW\",\"idp\":1,\"type\":\"eth\",\"name\":\"src\",\"params\":{\"dev\":\"veth0\",\"promisc\":false}},"
		"{\"op\":\"NEW\",\"idp\":2,\"type\":\"tee\",\"name\":\"g/t\",\"params\":{\"n\":2}},"
		"{\"op\":\"NEW\",\"idp\":3,\"type\":\"counter\",\"name\":\"c\\\"q\",\"params\":{}},"
		"{\"op\":\"BIND\",\"src\":1,\"src_port\":0,\"dst\":2,\"dst_port\":0},"
		"{\"op\":\"BIND\",\"src\":2,\"src_port\":1,\"dst\":3,\"dst_port\":0}]}\n");
	lana_plan_free(&p);
	b.len = 0;
	build_edit(&p);
	lana_plan_json(&p, &b);
	assert_non_null(strstr(b.data, "\"edit\":true,\"base_crc\":3405705229,"));
	assert_non_null(strstr(b.data, "{\"op\":\"SET\",\"idp\":1,\"name\":\"src\",\"params\":{\"promisc\":true}}"));
	assert_non_null(strstr(b.data, "{\"op\":\"DEL\",\"idp\":3,\"name\":\"old\"}"));
	assert_non_null(strstr(b.data, "{\"op\":\"UNBIND\",\"src\":1,\"src_port\":0,\"dst\":3,\"dst_port\":0}"));
	lana_plan_free(&p);
	lana_buf_free(&b);
}

static void test_dot(void **state)
{
	struct lana_plan p;
	struct lana_buf b = { 0 };

	build_text(&p);
	lana_plan_dot(&p, &b);
	assert_string_equal(b.data,
		"digraph lana {\n"
		"\trankdir=LR;\n"
		"\tnode [shape=box];\n"
		"\t\"src\" [label=\"src\\neth\"];\n"
		"\t\"g/t\" [label=\"g/t\\ntee\"];\n"
		"\t\"c\\\"q\" [label=\"c\\\"q\\ncounter\"];\n"
		"\t\"src\" -> \"g/t\" [taillabel=\"out\", headlabel=\"in\"];\n"
		"\t\"g/t\" -> \"c\\\"q\" [taillabel=\"out[1]\", headlabel=\"in\"];\n"
		"}\n");
	lana_plan_free(&p);
	lana_buf_free(&b);
}

static void test_op_names(void **state)
{
	assert_string_equal(lana_op_name(LANA_OP_BEGIN), "BEGIN");
	assert_string_equal(lana_op_name(LANA_OP_REPLACE), "REPLACE");
	assert_string_equal(lana_op_name(LANA_OP_COMMIT), "COMMIT");
	assert_string_equal(lana_op_name(0), "?");
	assert_string_equal(lana_op_name(LANA_OP_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_header_and_strtab),
		cmocka_unit_test(test_corrupt_header),
		cmocka_unit_test(test_corrupt_strings),
		cmocka_unit_test(test_corrupt_insn),
		cmocka_unit_test(test_corrupt_values),
		cmocka_unit_test(test_corrupt_list_bounds),
		cmocka_unit_test(test_corrupt_padding),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_documented_rules),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_edit),
		cmocka_unit_test(test_disasm),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
