// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_blocks.c - the block implementations (ops in blocks/NAME.c)
 * driven directly, outside an engine: a hand-made struct lana_block with
 * priv/pcpu buffers, parameters parsed with lana_value_parse() like the
 * compiler does (defaults included), bursts of packets from lana_pkt_get().
 * runtime/block_api.c falls back to one worker and b->pcpu for instances
 * without an engine; to collect what tee emits, the test installs a fake
 * worker backlog (lana_cur_worker, the engine core's per-thread worker).
 *
 * Covered: drop, fwd, counter sums; vlan push/pop/filter byte-exact and
 * live vid/pcp; bpf "tcp port 80" on hand-built TCP/UDP frames, live
 * filter change, invalid programs; tee copies; gen count/size/sequence
 * numbers, rate pacing and live rate; pcap_out -> libpcap read back,
 * snaplen; pcap_in read back, loop, pace, missing file, wrong link type.
 * Then the same blocks in the real engine (runtime/engine.h, 2 workers):
 * gen -> tee(n = 3) -> counters (copies through the backlog), and
 * pcap_in -> vlan push -> vlan pop -> pcap_out giving back the input file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define LANA_ENGINE_CORE	/* lana_cur_worker: collect lana_emit() */
#include "runtime/engine_internal.h"
#include "blocks/catalogue.h"
#include "lang/compile.h"
#include "plan/value.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ harness */

/* struct tb - one block instance built by hand. */
struct tb {
	struct lana_block b;
	struct lana_arena arena;	/* parameter values */
	struct lana_value *params;
	bool inited;
	char err[512];			/* what init/set wrote to stderr */
};

/*
 * run_capture() - call @fn(@tb, @arg) with stderr redirected into tb->err:
 * lana_block_error() prints there for blocks without an engine.
 */
static int run_capture(struct tb *t, int (*fn)(struct tb *t, void *arg),
		       void *arg)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	rc = fn(t, arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(t->err, 1, sizeof(t->err) - 1, tmp);
	t->err[n] = '\0';
	fclose(tmp);
	return rc;
}

static int do_init(struct tb *t, void *arg)
{
	return t->b.type->init ? t->b.type->init(&t->b, t->params) : 0;
}

/* Parse @text for parameter @p of the block into @out, failing on error. */
static void parse_param(struct tb *t, const struct lana_param *p,
			const char *text, struct lana_value *out)
{
	char err[256] = "";

	if (lana_value_parse(&t->arena, p->type, p, text, out, err,
			     sizeof(err)))
		fail_msg("%s = '%s': %s", p->name, text, err);
}

/*
 * tb_try() - build an instance of @type with the parameters @kv
 * ("name", "value" pairs, NULL-terminated; values in .lana literal syntax
 * without quotes) and the catalogue defaults for the others, and run its
 * init. Returns init's result; the instance is in *@out either way.
 */
static int tb_try(const char *type, const char *const *kv, struct tb **out)
{
	const struct lana_block_type *bt = lana_catalogue_find(type);
	struct tb *t = calloc(1, sizeof(*t));
	unsigned int np, i;
	int rc;

	assert_non_null(bt);
	assert_non_null(t);
	t->b.type = bt;
	t->b.idp = 7;
	t->b.name = type;
	if (bt->priv_size)
		t->b.priv = calloc(1, bt->priv_size);
	if (bt->pcpu_size)
		t->b.pcpu = calloc(1, bt->pcpu_size);
	np = lana_param_count(bt);
	t->params = calloc(np + 1, sizeof(*t->params));
	assert_non_null(t->params);
	for (i = 0; i < np; i++) {
		const struct lana_param *p = &bt->params[i];
		const char *text = p->def;
		unsigned int k;

		for (k = 0; kv && kv[k]; k += 2)
			if (!strcmp(kv[k], p->name))
				text = kv[k + 1];
		if (text)
			parse_param(t, p, text, &t->params[i]);
	}
	for (i = 0; kv && kv[i]; i += 2)
		assert_true(lana_param_index(bt, kv[i]) >= 0);
	rc = run_capture(t, do_init, NULL);
	t->inited = rc == 0;
	*out = t;
	return rc;
}

static struct tb *tb_new(const char *type, const char *const *kv)
{
	struct tb *t;
	int rc = tb_try(type, kv, &t);

	if (rc)
		fail_msg("init of %s failed (%d): %s", type, rc, t->err);
	return t;
}

static void tb_free(struct tb *t)
{
	if (t->inited && t->b.type->fini)
		t->b.type->fini(&t->b);
	free(t->b.priv);
	free(t->b.pcpu);
	free(t->params);
	lana_arena_free(&t->arena);
	free(t);
}

struct set_arg {
	unsigned int idx;
	struct lana_value v;
};

static int do_set(struct tb *t, void *arg)
{
	const struct set_arg *s = arg;

	return t->b.type->set(&t->b, s->idx, &s->v);
}

/*
 * tb_set() - live change of parameter @name to @text: set()'s result.
 * The text is parsed without the catalogue's range check (the compiler's
 * job), so that the block's own checks are reached.
 */
static int tb_set(struct tb *t, const char *name, const char *text)
{
	int idx = lana_param_index(t->b.type, name);
	struct lana_param p;
	struct set_arg s;

	assert_true(idx >= 0);
	assert_non_null(t->b.type->set);
	p = t->b.type->params[idx];
	p.flags &= (uint16_t)~LANA_PF_RANGE;
	parse_param(t, &p, text, &s.v);
	s.idx = (unsigned int)idx;
	return run_capture(t, do_set, &s);
}

/* tb_stat() - the named counter @name, as the engines read it. */
static uint64_t tb_stat(struct tb *t, const char *name)
{
	struct lana_stat st[8];
	unsigned int n, i;

	n = lana_block_stats(&t->b, st, 8);
	for (i = 0; i < n; i++)
		if (!strcmp(st[i].name, name))
			return st[i].value;
	fail_msg("%s has no stat '%s'", t->b.type->name, name);
	return 0;
}

static struct lana_pkt *mkpkt(const void *data, uint32_t len)
{
	struct lana_pkt *p = lana_pkt_get(len);

	assert_non_null(p);
	memcpy(lana_pkt_data(p), data, len);
	return p;
}

static void burst_init(struct lana_burst *v)
{
	memset(v, 0, sizeof(*v));
	v->dir = LANA_INGRESS;
}

static void burst_add(struct lana_burst *v, const void *data, uint32_t len)
{
	assert_true(v->n < LANA_BURST);
	v->pkt[v->n++] = mkpkt(data, len);
}

/* Free the packets of @v the engine would still own after rx. */
static void burst_free(struct lana_burst *v, int rc)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		if (rc != LANA_RX_VERDICTS || v->verdict[i] != LANA_STOLEN)
			lana_pkt_free(v->pkt[i]);
	v->n = 0;
}

static void assert_frame(struct lana_pkt *p, const uint8_t *want,
			 uint32_t len)
{
	assert_int_equal(lana_pkt_len(p), len);
	assert_memory_equal(lana_pkt_data(p), want, len);
}

static int teardown_pool(void **state)
{
	lana_pkt_pool_drain();
	return 0;
}

/* ------------------------------------------------------------- frames */

static const uint8_t mac_dst[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t mac_src[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

/* An untagged Ethernet frame: dst, src, type 0x0800, @plen payload bytes. */
static uint32_t mk_eth(uint8_t *f, uint32_t plen)
{
	uint32_t i;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (i = 0; i < plen; i++)
		f[14 + i] = (uint8_t)(0xa0 + i);
	return 14 + plen;
}

/*
 * An Ethernet + IPv4 (RFC 791, 20-byte header) + TCP (RFC 9293, 20 bytes)
 * or UDP (RFC 768, 8 bytes) frame from port @sport to port @dport.
 */
static uint32_t mk_ip4(uint8_t *f, uint8_t proto, uint16_t sport,
		       uint16_t dport)
{
	uint32_t l4 = proto == 6 ? 20 : 8, iplen = 20 + l4;
	uint8_t *ip = f + 14, *th = f + 34;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, iplen);
	ip[0] = 0x45;			/* version 4, IHL 5 */
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;			/* TTL */
	ip[9] = proto;
	ip[12] = 10; ip[15] = 1;	/* 10.0.0.1 */
	ip[16] = 10; ip[19] = 2;	/* 10.0.0.2 */
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	if (proto == 6)
		th[12] = 0x50;		/* data offset 5 */
	else
		th[5] = 8;		/* UDP length */
	return 14 + iplen;
}

/* ------------------------------------------------- drop, fwd, counter */

static void test_drop(void **state)
{
	struct tb *t = tb_new("drop", NULL);
	struct lana_burst v;
	uint8_t f[64];
	unsigned int i;
	int rc;

	burst_init(&v);
	for (i = 0; i < 5; i++)
		burst_add(&v, f, mk_eth(f, 10 + i));
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 5; i++)
		assert_int_equal(v.verdict[i], LANA_DROP);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_fwd(void **state)
{
	struct tb *t = tb_new("fwd", NULL);
	struct lana_burst v;
	uint8_t f[64], g[64];
	uint32_t len = mk_eth(f, 30);
	int rc;

	burst_init(&v);
	burst_add(&v, f, len);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, 0);
	memcpy(g, f, len);
	assert_frame(v.pkt[0], g, len);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_counter(void **state)
{
	struct tb *t = tb_new("counter", NULL);
	struct lana_burst v;
	uint8_t f[2048];
	uint64_t packets = 0, bytes = 0;
	unsigned int round, i;

	memset(f, 0x5a, sizeof(f));
	for (round = 0; round < 4; round++) {
		unsigned int n = round == 3 ? LANA_BURST : round + 1;
		int rc;

		burst_init(&v);
		for (i = 0; i < n; i++) {
			uint32_t len = 60 + 97 * i % 1400 + round;

			burst_add(&v, f, len);
			packets++;
			bytes += len;
		}
		rc = t->b.type->rx(&t->b, &v);
		assert_int_equal(rc, 0);	/* one port for the burst */
		burst_free(&v, rc);
	}
	assert_int_equal(tb_stat(t, "packets"), packets);
	assert_int_equal(tb_stat(t, "bytes"), bytes);
	assert_int_equal(packets, 1 + 2 + 3 + LANA_BURST);
	tb_free(t);
}

/* ---------------------------------------------------------------- vlan */

static void test_vlan_push(void **state)
{
	static const char *const kv[] = { "op", "push", "vid", "100",
					  "pcp", "5", NULL };
	struct tb *t = tb_new("vlan", kv);
	struct lana_burst v;
	uint8_t f[64], want[64];
	uint32_t len = mk_eth(f, 46);
	int rc;

	/* expected: MACs, 81 00, TCI = 101 0 000001100100 = 0xa064, rest */
	memcpy(want, f, 12);
	want[12] = 0x81;
	want[13] = 0x00;
	want[14] = 0xa0;
	want[15] = 0x64;
	memcpy(want + 16, f + 12, len - 12);

	burst_init(&v);
	burst_add(&v, f, len);
	burst_add(&v, f, 13);		/* runt: no EtherType */
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_int_equal(v.verdict[1], LANA_DROP);
	assert_frame(v.pkt[0], want, len + 4);
	burst_free(&v, rc);

	/* live: vid 4094, pcp 0 -> TCI 0x0ffe; all good -> single port */
	assert_int_equal(tb_set(t, "vid", "4094"), 0);
	assert_int_equal(tb_set(t, "pcp", "0"), 0);
	want[14] = 0x0f;
	want[15] = 0xfe;
	burst_init(&v);
	burst_add(&v, f, len);
	burst_add(&v, f, len);
	rc = t->b.type->rx(&t->b, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0] &&
				!v.verdict[1]));
	assert_frame(v.pkt[0], want, len + 4);
	assert_frame(v.pkt[1], want, len + 4);
	burst_free(&v, rc);

	assert_int_equal(tb_stat(t, "pushed"), 3);
	assert_int_equal(tb_stat(t, "dropped"), 1);
	tb_free(t);
}

/* A frame tagged with @vid and @pcp: MACs, 81 00, TCI, 08 00, payload. */
static uint32_t mk_tagged(uint8_t *f, uint16_t vid, uint8_t pcp,
			  uint32_t plen)
{
	uint8_t tmp[2048];
	uint32_t len = mk_eth(tmp, plen);

	memcpy(f, tmp, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)((pcp << 5) | (vid >> 8));
	f[15] = (uint8_t)vid;
	memcpy(f + 16, tmp + 12, len - 12);
	return len + 4;
}

static void test_vlan_pop(void **state)
{
	static const char *const kv[] = { "op", "pop", "vid", "300", NULL };
	struct tb *t = tb_new("vlan", kv);
	struct lana_burst v;
	uint8_t tag300[128], tag301[128], plain[128], qinq[128];
	uint32_t l300 = mk_tagged(tag300, 300, 6, 50);
	uint32_t l301 = mk_tagged(tag301, 301, 0, 50);
	uint32_t lplain = mk_eth(plain, 50);
	uint32_t lq;
	int rc;

	/* 802.1ad outer tag (TPID 0x88a8) with VID 300 is not 802.1Q */
	memcpy(qinq, tag300, l300);
	qinq[12] = 0x88;
	qinq[13] = 0xa8;
	lq = l300;

	burst_init(&v);
	burst_add(&v, tag300, l300);
	burst_add(&v, tag301, l301);
	burst_add(&v, plain, lplain);
	burst_add(&v, qinq, lq);
	burst_add(&v, tag300, 16);	/* tag but no EtherType after it */
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_frame(v.pkt[0], plain, lplain);	/* tag removed exactly */
	assert_int_equal(v.verdict[1], 1);
	assert_frame(v.pkt[1], tag301, l301);	/* rejects untouched */
	assert_int_equal(v.verdict[2], 1);
	assert_frame(v.pkt[2], plain, lplain);
	assert_int_equal(v.verdict[3], 1);
	assert_int_equal(v.verdict[4], 1);
	burst_free(&v, rc);

	/* live vid: now 301 pops and 300 is rejected */
	assert_int_equal(tb_set(t, "vid", "301"), 0);
	burst_init(&v);
	burst_add(&v, tag300, l300);
	burst_add(&v, tag301, l301);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 1);
	assert_int_equal(v.verdict[1], 0);
	assert_frame(v.pkt[1], plain, lplain);
	burst_free(&v, rc);

	assert_int_equal(tb_stat(t, "popped"), 2);
	assert_int_equal(tb_stat(t, "rejected"), 5);
	tb_free(t);
}

static void test_vlan_filter(void **state)
{
	static const char *const kv[] = { "op", "filter", "vid", "42", NULL };
	struct tb *t = tb_new("vlan", kv);
	struct lana_burst v;
	uint8_t tag42[128], tag43[128], plain[128];
	uint32_t l42 = mk_tagged(tag42, 42, 3, 40);
	uint32_t l43 = mk_tagged(tag43, 43, 3, 40);
	uint32_t lplain = mk_eth(plain, 40);
	int rc;

	burst_init(&v);
	burst_add(&v, plain, lplain);
	burst_add(&v, tag42, l42);
	burst_add(&v, tag43, l43);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 1);
	assert_int_equal(v.verdict[1], 0);
	assert_int_equal(v.verdict[2], 1);
	/* filter never modifies frames */
	assert_frame(v.pkt[0], plain, lplain);
	assert_frame(v.pkt[1], tag42, l42);
	assert_frame(v.pkt[2], tag43, l43);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "passed"), 1);
	assert_int_equal(tb_stat(t, "rejected"), 2);

	/* out-of-range live values are refused and change nothing */
	assert_int_not_equal(tb_set(t, "vid", "4095"), 0);
	assert_non_null(strstr(t->err, "vid"));
	burst_init(&v);
	burst_add(&v, tag42, l42);
	rc = t->b.type->rx(&t->b, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && v.verdict[0] == 0));
	burst_free(&v, rc);
	tb_free(t);
}

static void test_vlan_bad_op(void **state)
{
	struct tb *t;

	/* the compiler rejects a missing op; init must too */
	assert_int_not_equal(tb_try("vlan", NULL, &t), 0);
	assert_non_null(strstr(t->err, "op"));
	tb_free(t);
}

/* ----------------------------------------------------------------- bpf */

static void test_bpf(void **state)
{
	static const char *const kv[] = { "filter", "tcp port 80", NULL };
	struct tb *t = tb_new("bpf", kv);
	struct lana_burst v;
	uint8_t f[6][128];
	uint32_t len[6];
	static const uint8_t want_tcp80[6] = { 0, 0, 1, 1, 1, 1 };
	static const uint8_t want_udp80[6] = { 1, 1, 1, 0, 0, 1 };
	unsigned int i;
	int rc;

	len[0] = mk_ip4(f[0], 6, 40000, 80);	/* TCP to 80 */
	len[1] = mk_ip4(f[1], 6, 80, 40000);	/* TCP from 80 */
	len[2] = mk_ip4(f[2], 6, 40000, 443);	/* TCP to 443 */
	len[3] = mk_ip4(f[3], 17, 40000, 80);	/* UDP to 80 */
	len[4] = mk_ip4(f[4], 17, 80, 53);	/* UDP from 80 */
	len[5] = mk_eth(f[5], 46);		/* not even IP */
	f[5][12] = 0x86;			/* ARP */
	f[5][13] = 0x06;

	burst_init(&v);
	for (i = 0; i < 6; i++)
		burst_add(&v, f[i], len[i]);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 6; i++)
		assert_int_equal(v.verdict[i], want_tcp80[i]);
	for (i = 0; i < 6; i++)
		assert_frame(v.pkt[i], f[i], len[i]);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "matched"), 2);
	assert_int_equal(tb_stat(t, "rejected"), 4);

	/* live change: the next burst runs the new program */
	assert_int_equal(tb_set(t, "filter", "udp port 80"), 0);
	burst_init(&v);
	for (i = 0; i < 6; i++)
		burst_add(&v, f[i], len[i]);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 6; i++)
		assert_int_equal(v.verdict[i], want_udp80[i]);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "matched"), 4);
	assert_int_equal(tb_stat(t, "rejected"), 8);

	/* a third program: the retired ones are freed in fini (LSan) */
	assert_int_equal(tb_set(t, "filter", "ip"), 0);
	burst_init(&v);
	burst_add(&v, f[5], len[5]);
	burst_add(&v, f[2], len[2]);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(v.verdict[0], 1);
	assert_int_equal(v.verdict[1], 0);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_bpf_invalid(void **state)
{
	static const char *const kv[] = { "filter", "tcp", NULL };
	struct tb *t = tb_new("bpf", kv);
	/* jump past the end of the program: bpf_validate() refuses it */
	struct lana_bpf_insn bad[2] = {
		{ .code = 0x15, .jt = 5, .jf = 0, .k = 0 },	/* jeq #0 */
		{ .code = 0x06, .k = 0xffff },			/* ret */
	};
	struct lana_value fv = { .type = LANA_PT_FILTER };
	struct lana_burst v;
	uint8_t f[128];
	uint32_t len = mk_ip4(f, 6, 1, 2);
	int rc;

	fv.filter.expr = "bad";
	fv.filter.n = 2;
	fv.filter.insns = bad;
	assert_int_not_equal(t->b.type->set(&t->b, 0, &fv), 0);
	fv.filter.n = 0;
	assert_int_not_equal(t->b.type->set(&t->b, 0, &fv), 0);

	/* the old program still runs */
	burst_init(&v);
	burst_add(&v, f, len);
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(v.verdict[0], 0);
	burst_free(&v, rc);
	tb_free(t);
}

/* ----------------------------------------------------------------- tee */

static void test_tee(void **state)
{
	static const char *const kv[] = { "n", "3", NULL };
	struct tb *t = tb_new("tee", kv);
	struct lana_worker w;
	struct lana_burst v;
	uint8_t f[4][256];
	uint32_t len[4];
	unsigned int i, k;
	int rc;

	memset(&w, 0, sizeof(w));
	w.bl = calloc(LANA_BACKLOG, sizeof(*w.bl));
	assert_non_null(w.bl);
	lana_cur_worker = &w;

	burst_init(&v);
	for (i = 0; i < 4; i++) {
		len[i] = mk_eth(f[i], 46 + 50 * i);
		burst_add(&v, f[i], len[i]);
	}
	v.pkt[2]->ts_ns = 12345;
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, 0);	/* originals to out[0] */
	for (i = 0; i < 4; i++)
		assert_frame(v.pkt[i], f[i], len[i]);

	/* 2 copies per packet went to the backlog, on ports 1 and 2 */
	assert_int_equal(w.bl_tail - w.bl_head, 8);
	for (k = 0; k < 8; k++) {
		struct lana_blog *q = &w.bl[k];

		i = k / 2;
		assert_int_equal(q->idp, 7);
		assert_int_equal(q->port, 1 + k % 2);
		assert_ptr_not_equal(q->p, v.pkt[i]);
		assert_frame(q->p, f[i], len[i]);
		if (i == 2)
			assert_int_equal(q->p->ts_ns, 12345);
		lana_pkt_free(q->p);
	}
	assert_int_equal(tb_stat(t, "nomem"), 0);
	lana_cur_worker = NULL;
	free(w.bl);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_tee_one(void **state)
{
	static const char *const kv[] = { "n", "1", NULL };
	struct tb *t = tb_new("tee", kv);
	struct lana_worker w;
	struct lana_burst v;
	uint8_t f[64];
	int rc;

	memset(&w, 0, sizeof(w));
	w.bl = calloc(LANA_BACKLOG, sizeof(*w.bl));
	assert_non_null(w.bl);
	lana_cur_worker = &w;
	burst_init(&v);
	burst_add(&v, f, mk_eth(f, 46));
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, 0);
	assert_int_equal(w.bl_tail, 0);	/* n = 1: no copies */
	lana_cur_worker = NULL;
	free(w.bl);
	burst_free(&v, rc);
	tb_free(t);
}

/* ----------------------------------------------------------------- gen */

static uint64_t be64_at(const uint8_t *d)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 8; i++)
		x = x << 8 | d[i];
	return x;
}

/* Check one generated frame: header, sequence number @seq, zero rest. */
static void check_gen_frame(struct lana_pkt *p, uint32_t size,
			    const uint8_t *dst, const uint8_t *src,
			    uint64_t seq)
{
	const uint8_t *d = lana_pkt_data(p);
	uint32_t i;

	assert_int_equal(lana_pkt_len(p), size);
	assert_memory_equal(d, dst, 6);
	assert_memory_equal(d + 6, src, 6);
	assert_int_equal(d[12], 0x88);
	assert_int_equal(d[13], 0xb5);
	assert_int_equal(be64_at(d + 14), seq);
	for (i = 22; i < size; i++)
		if (d[i])
			fail_msg("byte %u of frame %llu is %#x", i,
				 (unsigned long long)seq, d[i]);
}

static void test_gen_count(void **state)
{
	static const char *const kv[] = { "count", "100", "size", "1500B",
					  "src", "02:aa:bb:cc:dd:ee",
					  "dst", "00:11:22:33:44:55", NULL };
	static const uint8_t src[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct tb *t = tb_new("gen", kv);
	struct lana_burst v;
	uint64_t seq = 0;
	unsigned int polls = 0, i;
	int n;

	/* dirty the pool so that "rest zero" is really checked */
	for (i = 0; i < 64; i++) {
		struct lana_pkt *p = lana_pkt_get(1600);

		memset(lana_pkt_data(p), 0xee, 1600);
		lana_pkt_free(p);
	}
	for (;;) {
		burst_init(&v);
		n = t->b.type->poll(&t->b, &v);
		if (n < 0)
			break;
		assert_int_equal(n, v.n);
		assert_int_equal(n, seq + LANA_BURST <= 100 ? LANA_BURST :
				 100 - seq);
		for (i = 0; i < v.n; i++)
			check_gen_frame(v.pkt[i], 1500, mac_dst, src, seq++);
		burst_free(&v, 0);
		assert_true(++polls < 10);
	}
	assert_int_equal(seq, 100);
	assert_int_equal(polls, 4);		/* 32 + 32 + 32 + 4 */
	burst_init(&v);
	assert_int_equal(t->b.type->poll(&t->b, &v), -1); /* stays ended */
	assert_int_equal(v.n, 0);
	assert_int_equal(tb_stat(t, "sent"), 100);
	tb_free(t);
}

static void test_gen_defaults(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct tb *t = tb_new("gen", NULL);	/* unlimited, unpaced */
	struct lana_burst v;
	uint64_t seq = 0;
	unsigned int round, i;

	for (round = 0; round < 3; round++) {
		burst_init(&v);
		assert_int_equal(t->b.type->poll(&t->b, &v), LANA_BURST);
		for (i = 0; i < v.n; i++)
			check_gen_frame(v.pkt[i], 64, bcast, src, seq++);
		burst_free(&v, 0);
	}
	assert_int_equal(tb_stat(t, "sent"), 3 * LANA_BURST);
	tb_free(t);
}

/*
 * Pacing: 60-byte frames cost (60 + 24) * 8 = 672 bit on the wire, so
 * 6.72 Mbit/s is 10 frames per ms. Poll for ~5 ms: the token bucket may
 * never give more than rate * elapsed (+ the first frame); allow 2x.
 */
static void test_gen_rate(void **state)
{
	static const char *const kv[] = { "size", "60B", "rate", "6720000",
					  NULL };
	struct tb *t = tb_new("gen", kv);
	struct lana_burst v;
	uint64_t t0 = lana_now_ns(), el, total = 0, allowed;
	unsigned int polls = 0;
	int n;

	do {
		burst_init(&v);
		n = t->b.type->poll(&t->b, &v);
		assert_true(n >= 0);
		total += (uint64_t)n;
		polls++;
		burst_free(&v, 0);
		el = lana_now_ns() - t0;
	} while (el < 5000000);
	allowed = el * 10 / 1000000 + 1;
	if (total > 2 * allowed + 2)
		fail_msg("%llu frames in %llu ns at 10/ms",
			 (unsigned long long)total, (unsigned long long)el);
	assert_true(total >= 2);
	assert_true(polls > total);	/* many polls returned 0 */
	assert_int_equal(tb_stat(t, "sent"), total);

	/* live: rate 0 means as fast as possible */
	assert_int_equal(tb_set(t, "rate", "0"), 0);
	burst_init(&v);
	assert_int_equal(t->b.type->poll(&t->b, &v), LANA_BURST);
	burst_free(&v, 0);

	/* and back to a slow rate: 1 frame per ~67 ms at 10 kbit/s */
	assert_int_equal(tb_set(t, "rate", "10k"), 0);
	total = 0;
	t0 = lana_now_ns();
	do {
		burst_init(&v);
		n = t->b.type->poll(&t->b, &v);
		total += (uint64_t)n;
		burst_free(&v, 0);
	} while (lana_now_ns() - t0 < 2000000);
	assert_true(total <= 1);
	tb_free(t);
}

/* ------------------------------------------------------ pcap_out / in */

struct tframe {
	uint32_t len;
	uint64_t ts_ns;
	uint8_t data[1600];
};

static char *tmp_path(const char *tag)
{
	char *p = NULL;
	int fd;

	assert_true(asprintf(&p, "/tmp/lana-test-%s-XXXXXX", tag) > 0);
	fd = mkstemp(p);
	assert_true(fd >= 0);
	close(fd);
	return p;
}

static void mk_frames(struct tframe *fr, unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		fr[i].len = 60 + (uint32_t)i * 431 % 1455;
		for (k = 0; k < fr[i].len; k++)
			fr[i].data[k] = (uint8_t)(k * 7 + i);
		/* 2026-01-01 + i * 1.5 ms, with sub-microsecond noise */
		fr[i].ts_ns = 1767225600ull * 1000000000ull +
			      i * 1500000ull + 789;
	}
}

/* Write @fr with pcap_out(file = @path, snaplen = @snaplen). */
static void write_pcap(const char *path, const char *snaplen,
		       const struct tframe *fr, unsigned int n,
		       bool no_ts_last)
{
	const char *kv[] = { "file", path, "snaplen", snaplen, NULL };
	struct tb *t = tb_new("pcap_out", kv);
	struct lana_burst v;
	unsigned int i;
	int rc;

	burst_init(&v);
	for (i = 0; i < n; i++) {
		if (v.n == LANA_BURST) {
			rc = t->b.type->rx(&t->b, &v);
			burst_free(&v, rc);
		}
		burst_add(&v, fr[i].data, fr[i].len);
		v.pkt[v.n - 1]->ts_ns = no_ts_last && i == n - 1 ? 0 :
					fr[i].ts_ns;
	}
	rc = t->b.type->rx(&t->b, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < v.n; i++)
		assert_int_equal(v.verdict[i], LANA_STOLEN);
	burst_free(&v, rc);	/* frees nothing: all stolen */
	assert_int_equal(tb_stat(t, "written"), n);
	tb_free(t);
}

static void test_pcap_out(void **state)
{
	struct tframe fr[40];
	char *path = tmp_path("out");
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t before, after, ts;
	unsigned int i;
	pcap_t *pc;

	mk_frames(fr, 40);
	before = (uint64_t)time(NULL);
	write_pcap(path, "65535B", fr, 40, true);
	after = (uint64_t)time(NULL);

	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	for (i = 0; i < 40; i++) {
		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->len, fr[i].len);
		assert_int_equal(h->caplen, fr[i].len);
		assert_memory_equal(data, fr[i].data, fr[i].len);
		ts = (uint64_t)h->ts.tv_sec * 1000000 +
		     (uint64_t)h->ts.tv_usec;
		if (i < 39) {
			assert_int_equal(ts, fr[i].ts_ns / 1000);
		} else {
			/* no ts_ns: the time of writing */
			assert_true((uint64_t)h->ts.tv_sec >= before);
			assert_true((uint64_t)h->ts.tv_sec <= after);
		}
	}
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(path);
	free(path);
}

static void test_pcap_out_snaplen(void **state)
{
	struct tframe fr[3];
	char *path = tmp_path("snap");
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int i;
	struct stat sb;
	uint64_t size = 24;
	pcap_t *pc;

	mk_frames(fr, 3);
	write_pcap(path, "64B", fr, 3, false);
	/* pcap-savefile(5): 24-byte file header, 16-byte record headers;
	 * only the kept bytes are stored (libpcap would hide extra ones) */
	assert_int_equal(stat(path, &sb), 0);
	for (i = 0; i < 3; i++)
		size += 16 + (fr[i].len < 64 ? fr[i].len : 64);
	assert_int_equal(sb.st_size, size);
	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_snapshot(pc), 64);
	for (i = 0; i < 3; i++) {
		uint32_t cap = fr[i].len < 64 ? fr[i].len : 64;

		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->len, fr[i].len);
		assert_int_equal(h->caplen, cap);
		assert_memory_equal(data, fr[i].data, cap);
	}
	pcap_close(pc);
	unlink(path);
	free(path);
}

static void test_pcap_out_bad_path(void **state)
{
	static const char *const kv[] = { "file", "/nonexistent/dir/x.pcap",
					  NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("pcap_out", kv, &t), 0);
	assert_non_null(strstr(t->err,
			       "cannot open '/nonexistent/dir/x.pcap'"));
	tb_free(t);
}

/* Poll @t until it ends; check the frames are @loops passes of @fr. */
static void read_all(struct tb *t, const struct tframe *fr, unsigned int n,
		     unsigned int loops)
{
	struct lana_burst v;
	unsigned int got = 0, i, spins = 0;
	int rc;

	for (;;) {
		burst_init(&v);
		rc = t->b.type->poll(&t->b, &v);
		if (rc < 0)
			break;
		assert_int_equal(rc, v.n);
		for (i = 0; i < v.n; i++, got++) {
			const struct tframe *f = &fr[got % n];

			assert_true(got < n * loops);
			assert_frame(v.pkt[i], f->data, f->len);
			/* the file keeps microseconds */
			assert_int_equal(v.pkt[i]->ts_ns,
					 f->ts_ns / 1000 * 1000);
		}
		burst_free(&v, 0);
		assert_true(++spins < 100000);
	}
	assert_int_equal(got, n * loops);
	burst_init(&v);
	assert_int_equal(t->b.type->poll(&t->b, &v), -1);
	assert_int_equal(tb_stat(t, "read"), n * loops);
}

static void test_pcap_in(void **state)
{
	struct tframe fr[45];
	char *path = tmp_path("in");
	const char *kv1[] = { "file", path, NULL };
	const char *kv2[] = { "file", path, "loop", "2", NULL };
	struct tb *t;

	mk_frames(fr, 45);
	write_pcap(path, "65535B", fr, 45, false);

	t = tb_new("pcap_in", kv1);
	read_all(t, fr, 45, 1);
	tb_free(t);

	t = tb_new("pcap_in", kv2);
	read_all(t, fr, 45, 2);
	tb_free(t);

	unlink(path);
	free(path);
}

/* loop = 0 plays forever: more than 3 passes and still going. */
static void test_pcap_in_forever(void **state)
{
	struct tframe fr[5];
	char *path = tmp_path("forever");
	const char *kv[] = { "file", path, "loop", "0", NULL };
	struct lana_burst v;
	struct tb *t;
	unsigned int got = 0, i;

	mk_frames(fr, 5);
	write_pcap(path, "65535B", fr, 5, false);
	t = tb_new("pcap_in", kv);
	while (got < 5 * 4 + 2) {
		burst_init(&v);
		assert_true(t->b.type->poll(&t->b, &v) > 0);
		for (i = 0; i < v.n; i++, got++)
			assert_frame(v.pkt[i], fr[got % 5].data,
				     fr[got % 5].len);
		burst_free(&v, 0);
	}
	tb_free(t);
	unlink(path);
	free(path);
}

/*
 * pace: frames 40 ms apart in the file are not emitted before their time
 * (relative to the first frame of the pass); the source then ends.
 */
static void test_pcap_in_pace(void **state)
{
	struct tframe fr[3];
	char *path = tmp_path("pace");
	const char *kv[] = { "file", path, "pace", "true", NULL };
	struct lana_burst v;
	uint64_t t0, el;
	struct tb *t;
	unsigned int got = 0, i;
	int rc;

	mk_frames(fr, 3);
	for (i = 0; i < 3; i++)
		fr[i].ts_ns = 1767225600ull * 1000000000ull + i * 40000000ull;
	write_pcap(path, "65535B", fr, 3, false);
	t = tb_new("pcap_in", kv);
	t0 = lana_now_ns();
	burst_init(&v);
	rc = t->b.type->poll(&t->b, &v);
	assert_int_equal(rc, 1);	/* only the first is due */
	burst_free(&v, 0);
	got = 1;
	for (;;) {
		burst_init(&v);
		rc = t->b.type->poll(&t->b, &v);
		if (rc < 0)
			break;
		el = lana_now_ns() - t0;
		for (i = 0; i < v.n; i++, got++) {
			assert_frame(v.pkt[i], fr[got].data, fr[got].len);
			/* never early */
			assert_true(el >= got * 40000000ull);
		}
		burst_free(&v, 0);
	}
	assert_int_equal(got, 3);
	assert_true(lana_now_ns() - t0 >= 80000000ull);
	tb_free(t);
	unlink(path);
	free(path);
}

static void test_pcap_in_missing(void **state)
{
	static const char *const kv[] = { "file", "/nonexistent/nosuch.pcap",
					  NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("pcap_in", kv, &t), 0);
	assert_non_null(strstr(t->err,
			       "cannot open '/nonexistent/nosuch.pcap': "));
	/* libpcap's reason follows */
	assert_non_null(strstr(t->err, "No such file"));
	tb_free(t);
}

static void test_pcap_in_not_ethernet(void **state)
{
	char *path = tmp_path("raw");
	const char *kv[] = { "file", path, NULL };
	pcap_t *pd = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *dd;
	struct tb *t;

	assert_non_null(pd);
	dd = pcap_dump_open(pd, path);
	assert_non_null(dd);
	pcap_dump_close(dd);
	pcap_close(pd);

	assert_int_not_equal(tb_try("pcap_in", kv, &t), 0);
	assert_non_null(strstr(t->err, "EN10MB"));
	tb_free(t);
	unlink(path);
	free(path);
}

/* ------------------------------------------------------ in the engine */

/* Compile the .lana text @src into @plan (through a temporary file). */
static void compile_text(const char *src, struct lana_plan *plan)
{
	char *path = tmp_path("graph");
	struct lana_sources s;
	FILE *f = fopen(path, "w");
	int rc;

	assert_non_null(f);
	fputs(src, f);
	fclose(f);
	memset(&s, 0, sizeof(s));
	lana_sources_init(&s);
	rc = lana_compile(&s, path, NULL, plan);
	lana_sources_free(&s);
	unlink(path);
	free(path);
	assert_int_equal(rc, 0);
}

struct stat_want {
	const char *name;	/* block */
	const char *stat;	/* "packets", "bytes" or a block stat */
	uint64_t got;
};

static int stat_cb(const struct lana_block_stats *st, void *ctx)
{
	struct stat_want *w = ctx;
	unsigned int i;

	if (!strcmp(w->stat, "packets")) {
		w->got = st->packets;
		return 0;
	}
	for (i = 0; i < st->nstat; i++)
		if (!strcmp(st->stat[i].name, w->stat))
			w->got = st->stat[i].value;
	return 0;
}

static uint64_t engine_stat(struct lana_engine *e, const char *name,
			    const char *stat)
{
	struct stat_want w = { name, stat, UINT64_MAX };

	assert_int_equal(lana_engine_stats(e, name, stat_cb, &w), 0);
	return w.got;
}

/* Run @src on a 2-worker engine until every source has ended. */
static struct lana_engine *engine_run(const char *src)
{
	struct lana_engine_opts o = { .workers = 2 };
	struct lana_engine *e = lana_engine_new(&o);
	struct lana_plan plan;
	char err[512] = "";
	uint64_t t0;

	assert_non_null(e);
	compile_text(src, &plan);
	if (lana_engine_apply(e, &plan, err, sizeof(err)))
		fail_msg("apply: %s", err);
	lana_plan_free(&plan);
	assert_int_equal(lana_engine_start(e), 0);
	t0 = lana_now_ns();
	while (!lana_engine_idle(e)) {
		usleep(1000);
		assert_true(lana_now_ns() - t0 < 20000000000ull);
	}
	return e;
}

static void test_engine_tee(void **state)
{
	struct lana_engine *e = engine_run(
		"g :: gen(count = 1000, size = 100B);\n"
		"t :: tee(n = 3);\n"
		"g -> t;\n"
		"t[0] -> c0 :: counter() -> drop();\n"
		"t[1] -> c1 :: counter() -> drop();\n"
		"t[2] -> c2 :: counter() -> drop();\n");
	unsigned int i;

	assert_int_equal(engine_stat(e, "g", "sent"), 1000);
	for (i = 0; i < 3; i++) {
		char name[4] = { 'c', (char)('0' + i), 0, 0 };

		assert_int_equal(engine_stat(e, name, "packets"), 1000);
		assert_int_equal(engine_stat(e, name, "bytes"), 100000);
	}
	assert_int_equal(engine_stat(e, "t", "nomem"), 0);
	lana_engine_free(e);
	lana_pkt_pool_drain();
}

static void test_engine_pcap_vlan(void **state)
{
	struct tframe fr[70];
	char *in = tmp_path("ein"), *out = tmp_path("eout");
	char src[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct lana_engine *e;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int i;
	pcap_t *pc;

	mk_frames(fr, 70);
	write_pcap(in, "65535B", fr, 70, false);
	snprintf(src, sizeof(src),
		 "pcap_in(file = \"%s\", loop = 2)\n"
		 "  -> vlan(op = push, vid = 7, pcp = 1)\n"
		 "  -> f :: vlan(op = filter, vid = 7)\n"
		 "  -> p :: vlan(op = pop, vid = 7)\n"
		 "  -> pcap_out(file = \"%s\");\n", in, out);
	e = engine_run(src);
	assert_int_equal(engine_stat(e, "f", "passed"), 140);
	assert_int_equal(engine_stat(e, "p", "popped"), 140);
	lana_engine_free(e);	/* fini closes the file */
	lana_pkt_pool_drain();

	pc = pcap_open_offline(out, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	for (i = 0; i < 140; i++) {
		const struct tframe *f = &fr[i % 70];

		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->caplen, f->len);
		assert_memory_equal(data, f->data, f->len);
		assert_int_equal((uint64_t)h->ts.tv_sec * 1000000 +
				 (uint64_t)h->ts.tv_usec, f->ts_ns / 1000);
	}
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(in);
	unlink(out);
	free(in);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_fwd),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_vlan_push),
		cmocka_unit_test(test_vlan_pop),
		cmocka_unit_test(test_vlan_filter),
		cmocka_unit_test(test_vlan_bad_op),
		cmocka_unit_test(test_bpf),
		cmocka_unit_test(test_bpf_invalid),
		cmocka_unit_test(test_tee),
		cmocka_unit_test(test_tee_one),
		cmocka_unit_test(test_gen_count),
		cmocka_unit_test(test_gen_defaults),
		cmocka_unit_test(test_gen_rate),
		cmocka_unit_test(test_pcap_out),
		cmocka_unit_test(test_pcap_out_snaplen),
		cmocka_unit_test(test_pcap_out_bad_path),
		cmocka_unit_test(test_pcap_in),
		cmocka_unit_test(test_pcap_in_forever),
		cmocka_unit_test(test_pcap_in_pace),
		cmocka_unit_test(test_pcap_in_missing),
		cmocka_unit_test(test_pcap_in_not_ethernet),
		cmocka_unit_test(test_engine_tee),
		cmocka_unit_test(test_engine_pcap_vlan),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_pool);
}
