// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_switch.c - switch (blocks/switch.c): a hand-played
 * sequence of frames between hosts A, B, C on a 3-port switch, with the
 * port each must leave at worked out from IEEE 802.1D's rules (learn the
 * source, forward a known destination, flood unknown and broadcast ones
 * to every other port, never back to the ingress port), then aging, a
 * full table, a hub, static entries, and flooding through the engine.
 * Flooded copies are collected from a fake worker backlog, as for tee.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t MA[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MB[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MC[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t MBC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define SW_NCOPY 8	/* flooded copies a test frame makes at most */

static struct lana_worker w;

static void backlog_on(void)
{
	memset(&w, 0, sizeof(w));
	w.bl = calloc(LANA_BACKLOG, sizeof(*w.bl));
	assert_non_null(w.bl);
	lana_cur_worker = &w;
}

static void backlog_off(void)
{
	while (w.bl_head != w.bl_tail)
		lana_pkt_free(w.bl[w.bl_head++].p);
	lana_cur_worker = NULL;
	free(w.bl);
}

/*
 * One frame @src -> @dst into port @in; returns its verdict and stores
 * the ports its flooded copies went to in @copies (a bit per port).
 */
static int send1(struct tb *t, uint16_t in, const uint8_t *src,
		 const uint8_t *dst, unsigned int *copies)
{
	struct lana_burst v;
	uint8_t f[64];
	int rc, verdict;

	mk_eth(f, 46);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	burst_init(&v);
	v.in_port = in;
	burst_add(&v, f, 60);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	verdict = v.verdict[0];
	*copies = 0;
	while (w.bl_head != w.bl_tail) {
		struct lana_blog *q = &w.bl[w.bl_head++];

		assert_memory_equal(lana_pkt_data(q->p), f, 60);
		*copies |= 1u << q->port;
		lana_pkt_free(q->p);
	}
	lana_pkt_free(v.pkt[0]);	/* a verdict: still the test's */
	return verdict;
}

static void test_switch_learn(void **state)
{
	static const char *const kv[] = { "ports", "3", NULL };
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	/* A (port 0) -> B: B unknown, flood to 1 (verdict) and 2 (copy) */
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(cp, 1u << 2);
	/* B (port 1) -> A: A was learned on 0 */
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);
	assert_int_equal(cp, 0);
	/* A -> B again: B now known on 1, no flood */
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(cp, 0);
	/* C (port 2) -> broadcast: to 0 (verdict) and 1 (copy) */
	assert_int_equal(send1(t, 2, MC, MBC, &cp), 0);
	assert_int_equal(cp, 1u << 1);
	/* B -> C: C learned on 2 from its broadcast */
	assert_int_equal(send1(t, 1, MB, MC, &cp), 2);
	/* a frame to A entering port 0, A's own port: filtered */
	assert_int_equal(send1(t, 0, MC, MA, &cp), LANA_DROP);
	assert_int_equal(cp, 0);
	/* ... which moved C to port 0 at once: B -> C goes to 0 now */
	assert_int_equal(send1(t, 1, MB, MC, &cp), 0);
	assert_int_equal(tb_stat(t, "entries"), 3);
	assert_int_equal(tb_stat(t, "table_full"), 0);
	/* by hand, from the seven frames above */
	assert_int_equal(tb_stat(t, "rx0"), 3);
	assert_int_equal(tb_stat(t, "rx1"), 3);
	assert_int_equal(tb_stat(t, "rx2"), 1);
	assert_int_equal(tb_stat(t, "flooded0"), 1);
	assert_int_equal(tb_stat(t, "flooded1"), 0);
	assert_int_equal(tb_stat(t, "flooded2"), 1);
	assert_int_equal(tb_stat(t, "dropped0"), 1);
	/* tx0: B->A, C's broadcast, B->C; tx1: A->B flood, A->B, bcast copy;
	 * tx2: A->B flood copy, B->C */
	assert_int_equal(tb_stat(t, "tx0"), 3);
	assert_int_equal(tb_stat(t, "tx1"), 3);
	assert_int_equal(tb_stat(t, "tx2"), 2);
	backlog_off();
	tb_free(t);
}

static void test_switch_aging(void **state)
{
	static const char *const kv[] = { "ports", "2", "aging", "20ms", NULL };
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);	/* flood, learn A */
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);	/* A known */
	assert_int_equal(tb_stat(t, "entries"), 2);
	usleep(60000);
	/* both aged out: A unknown, the frame floods (to port 0, the only
	 * other port: the same verdict, but counted as flooded) */
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);
	assert_int_equal(tb_stat(t, "flooded1"), 1);
	/* A's lookup deleted it; B was learned again by that frame */
	assert_int_equal(tb_stat(t, "entries"), 1);
	/* a live SET of aging to 10 s keeps what is learned */
	assert_int_equal(tb_set(t, "aging", "10s"), 0);
	usleep(60000);
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(tb_stat(t, "flooded0"), 1);	/* the first frame only */
	backlog_off();
	tb_free(t);
}

/* max_entries = 2: A and B learned, C not (table_full), C's frames flood */
static void test_switch_full(void **state)
{
	static const char *const kv[] = { "ports", "3", "max_entries", "2",
					  NULL };
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	send1(t, 0, MA, MBC, &cp);
	send1(t, 1, MB, MBC, &cp);
	send1(t, 2, MC, MBC, &cp);
	assert_int_equal(tb_stat(t, "entries"), 2);
	assert_int_equal(tb_stat(t, "table_full"), 1);
	/* A -> C: unknown, floods to 1 and 2 */
	assert_int_equal(send1(t, 0, MA, MC, &cp), 1);
	assert_int_equal(cp, 1u << 2);
	/* A -> B: known */
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(cp, 0);
	backlog_off();
	tb_free(t);
}

/* learning = false: a hub; a static entry still forwards */
static void test_switch_hub_static(void **state)
{
	static const char *const kv[] = {
		"ports", "3", "learning", "false",
		"static", "[\"02:00:00:00:00:0c 2\"]", NULL
	};
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);
	assert_int_equal(cp, 1u << 2);
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);	/* B not learned */
	assert_int_equal(cp, 1u << 2);
	assert_int_equal(send1(t, 0, MA, MC, &cp), 2);	/* static */
	assert_int_equal(cp, 0);
	assert_int_equal(tb_stat(t, "entries"), 1);
	backlog_off();
	tb_free(t);

	/* a static entry is not moved by learning */
	{
		static const char *const kv2[] = {
			"ports", "3", "static", "[\"02:00:00:00:00:0c 2\"]", NULL
		};

		t = tb_new("switch", kv2);
		backlog_on();
		send1(t, 0, MC, MBC, &cp);	/* C seen on port 0 */
		assert_int_equal(send1(t, 1, MB, MC, &cp), 2);
		backlog_off();
		tb_free(t);
	}
}

static void test_switch_bad(void **state)
{
	static const char *const k1[] = { "ports", "2", "static",
					  "[\"02:00:00:00:00:0c 5\"]", NULL };
	static const char *const k2[] = { "ports", "2", "static",
					  "[\"01:00:5e:00:00:01 1\"]", NULL };
	static const char *const k3[] = { "ports", "2", "static",
					  "[\"nonsense\"]", NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("switch", k1, &t), 0);
	assert_non_null(strstr(t->err, "want \"MAC PORT\" with PORT 0..1"));
	tb_free(t);
	assert_int_not_equal(tb_try("switch", k2, &t), 0);
	assert_non_null(strstr(t->err, "a group address"));
	tb_free(t);
	assert_int_not_equal(tb_try("switch", k3, &t), 0);
	assert_non_null(strstr(t->err, "static entry 'nonsense'"));
	tb_free(t);
}

/*
 * In the engine: 10 broadcast frames into port 0 of a 3-port switch
 * reach ports 1 and 2 (the copy through the backlog), not port 0.
 */
static void test_switch_engine(void **state)
{
	struct lana_engine *e;

	e = engine_run("g :: gen(count = 10, dst = ff:ff:ff:ff:ff:ff);"
		       "s :: switch(ports = 3);"
		       "g -> [0]s;"
		       "s[0] -> c0 :: counter() -> drop();"
		       "s[1] -> c1 :: counter() -> drop();"
		       "s[2] -> c2 :: counter() -> drop();");
	assert_int_equal(engine_stat(e, "c0", "packets"), 0);
	assert_int_equal(engine_stat(e, "c1", "packets"), 10);
	assert_int_equal(engine_stat(e, "c2", "packets"), 10);
	assert_int_equal(engine_stat(e, "s", "flooded0"), 10);
	assert_int_equal(engine_stat(e, "s", "tx1"), 10);
	assert_int_equal(engine_stat(e, "s", "tx2"), 10);
	assert_int_equal(engine_stat(e, "s", "entries"), 1);
	lana_engine_free(e);
}

/* ------------------------------------------------------ vlans = true */

static const uint8_t MD[6] = { 0x02, 0, 0, 0, 0, 0x0d };
static const uint8_t ME[6] = { 0x02, 0, 0, 0, 0, 0x0e };
static const uint8_t MF[6] = { 0x02, 0, 0, 0, 0, 0x0f };

/*
 * Five ports: 0 access 10, 1 access 20, 2 trunk 10,20, 3 access 10,
 * 4 trunk 20,30. So VLAN 10 is ports {0, 2, 3}, VLAN 20 {1, 2, 4} and
 * VLAN 30 {4} (802.1Q-2018's member set, by hand from the strings).
 */
static const char *const vkv[] = {
	"ports", "5", "vlans", "true",
	"port_vlans", "[\"access 10\", \"access 20\", \"trunk 10,20\", "
		      "\"access 10\", \"trunk 20, 30\"]",
	NULL
};

/* An untagged 60-byte frame @src -> @dst: IPv4 EtherType, payload a0.. */
static uint32_t untagged(uint8_t *f, const uint8_t *src, const uint8_t *dst)
{
	mk_eth(f, 46);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	return 60;
}

/*
 * The same frame with an 802.1Q tag of TCI @tci, built by hand from the
 * standard's layout (802.1Q-2018 9.6: addresses, 81 00, TCI, then the
 * EtherType and payload of the untagged frame): 64 bytes.
 */
static uint32_t tagged(uint8_t *f, const uint8_t *src, const uint8_t *dst,
		       uint16_t tci)
{
	uint8_t u[60];

	untagged(u, src, dst);
	memcpy(f, u, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)(tci >> 8);
	f[15] = (uint8_t)tci;
	memcpy(f + 16, u + 12, 48);
	return 64;
}

/* What one frame did: its verdict and bytes, and the flooded copies. */
struct vres {
	int verdict;
	uint8_t vb[80];
	uint32_t vlen;
	unsigned int copies;		/* a bit per port */
	uint8_t cb[SW_NCOPY][80];
	uint32_t clen[SW_NCOPY];
	uint16_t cport[SW_NCOPY];
	unsigned int n;
};

static void vsend(struct tb *t, uint16_t in, const uint8_t *f, uint32_t len,
		  struct vres *r)
{
	struct lana_burst v;
	int rc;

	memset(r, 0, sizeof(*r));
	burst_init(&v);
	v.in_port = in;
	burst_add(&v, f, len);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	r->verdict = v.verdict[0];
	r->vlen = lana_pkt_len(v.pkt[0]);
	assert_true(r->vlen <= sizeof(r->vb));
	memcpy(r->vb, lana_pkt_data(v.pkt[0]), r->vlen);
	while (w.bl_head != w.bl_tail) {
		struct lana_blog *q = &w.bl[w.bl_head++];

		assert_true(r->n < SW_NCOPY);
		r->clen[r->n] = lana_pkt_len(q->p);
		assert_true(r->clen[r->n] <= sizeof(r->cb[0]));
		memcpy(r->cb[r->n], lana_pkt_data(q->p), r->clen[r->n]);
		r->cport[r->n] = q->port;
		r->copies |= 1u << q->port;
		r->n++;
		lana_pkt_free(q->p);
	}
	lana_pkt_free(v.pkt[0]);
}

/* The copy of @r that went to @port: its bytes must be @f (@len). */
static void copy_is(const struct vres *r, uint16_t port, const uint8_t *f,
		    uint32_t len)
{
	unsigned int k;

	for (k = 0; k < r->n; k++)
		if (r->cport[k] == port)
			break;
	assert_true(k < r->n);
	assert_int_equal(r->clen[k], len);
	assert_memory_equal(r->cb[k], f, len);
}

static void verdict_is(const struct vres *r, int port, const uint8_t *f,
		       uint32_t len)
{
	assert_int_equal(r->verdict, port);
	assert_int_equal(r->vlen, len);
	assert_memory_equal(r->vb, f, len);
}

static void test_switch_vlan(void **state)
{
	struct tb *t = tb_new("switch", vkv);
	uint8_t f[80], x[80];
	uint32_t n, m;
	struct vres r;

	backlog_on();
	/* 1. A on port 0 (VLAN 10) broadcasts: to 2 tagged 10 (the verdict,
	 * TCI 0x000a) and 3 untagged; VLAN 20's port 1 and 4 get nothing */
	n = untagged(f, MA, MBC);
	vsend(t, 0, f, n, &r);
	m = tagged(x, MA, MBC, 0x000a);
	verdict_is(&r, 2, x, m);
	assert_int_equal(r.copies, 1u << 3);
	copy_is(&r, 3, f, n);
	/* 2. access -> access, same VLAN: B (port 3) -> A, untagged */
	n = untagged(f, MB, MA);
	vsend(t, 3, f, n, &r);
	verdict_is(&r, 0, f, n);
	assert_int_equal(r.copies, 0);
	/* 3. trunk -> access: C tagged PCP 5, VID 10 (TCI 0xa00a) on port 2
	 * -> A leaves port 0 untagged */
	n = tagged(f, MC, MA, 0xa00a);
	vsend(t, 2, f, n, &r);
	m = untagged(x, MC, MA);
	verdict_is(&r, 0, x, m);
	/* 4. access -> trunk: A -> C (learned on 2 in VLAN 10): tagged 10 */
	n = untagged(f, MA, MC);
	vsend(t, 0, f, n, &r);
	m = tagged(x, MA, MC, 0x000a);
	verdict_is(&r, 2, x, m);
	assert_int_equal(r.copies, 0);
	/* 5. never across VLANs: D on port 1 (VLAN 20) -> A, unknown in
	 * VLAN 20: floods to 2 and 4 (tagged 20, TCI 0x0014), not to A's 0 */
	n = untagged(f, MD, MA);
	vsend(t, 1, f, n, &r);
	m = tagged(x, MD, MA, 0x0014);
	verdict_is(&r, 2, x, m);
	assert_int_equal(r.copies, 1u << 4);
	copy_is(&r, 4, x, m);
	/* 6. trunk 4 -> access: E (PCP 3, VID 20: 0x6014) -> D on 1 */
	n = tagged(f, ME, MD, 0x6014);
	vsend(t, 4, f, n, &r);
	m = untagged(x, ME, MD);
	verdict_is(&r, 1, x, m);
	/* 7. E -> C in VLAN 20: C is known only in VLAN 10, so it floods to
	 * 1 (untagged) and 2 (trunk -> trunk: the tag as it came, PCP 3) */
	n = tagged(f, ME, MC, 0x6014);
	vsend(t, 4, f, n, &r);
	m = untagged(x, ME, MC);
	verdict_is(&r, 1, x, m);
	assert_int_equal(r.copies, 1u << 2);
	copy_is(&r, 2, f, n);
	/* 8. per-VLAN learning: A also on port 1 (VLAN 20); a frame to A
	 * from the trunk reaches port 0 in VLAN 10 and port 1 in VLAN 20 */
	n = untagged(f, MA, MBC);
	vsend(t, 1, f, n, &r);
	assert_int_equal(r.verdict, 2);
	assert_int_equal(r.copies, 1u << 4);
	n = tagged(f, MC, MA, 0x000a);
	vsend(t, 2, f, n, &r);
	m = untagged(x, MC, MA);
	verdict_is(&r, 0, x, m);
	assert_int_equal(r.copies, 0);
	n = tagged(f, MC, MA, 0x0014);
	vsend(t, 2, f, n, &r);
	verdict_is(&r, 1, x, m);
	assert_int_equal(r.copies, 0);
	/* 9. dropped for their tag (vlan_dropped), F never learned: tagged
	 * on access port 0, untagged on trunk 2, VLAN 30 on trunk 2 */
	n = tagged(f, MF, MA, 0x000a);
	vsend(t, 0, f, n, &r);
	assert_int_equal(r.verdict, LANA_DROP);
	assert_int_equal(r.copies, 0);
	n = untagged(f, MF, MA);
	vsend(t, 2, f, n, &r);
	assert_int_equal(r.verdict, LANA_DROP);
	n = tagged(f, MF, MBC, 0x001e);
	vsend(t, 2, f, n, &r);
	assert_int_equal(r.verdict, LANA_DROP);
	assert_int_equal(r.copies, 0);
	/* 10. VLAN 30 on port 4, its only member: a flood with nowhere to
	 * go (dropped, not vlan_dropped); E is learned in VLAN 30 */
	n = tagged(f, ME, MBC, 0x001e);
	vsend(t, 4, f, n, &r);
	assert_int_equal(r.verdict, LANA_DROP);
	assert_int_equal(r.copies, 0);

	/* by hand: (10,A) (10,B) (10,C) (20,D) (20,E) (20,A) (20,C) (30,E) */
	assert_int_equal(tb_stat(t, "entries"), 8);
	assert_int_equal(tb_stat(t, "vlan_dropped"), 3);
	assert_int_equal(tb_stat(t, "rx0"), 3);	/* 1, 4, 9a */
	assert_int_equal(tb_stat(t, "rx1"), 2);	/* 5, 8a */
	assert_int_equal(tb_stat(t, "rx2"), 5);	/* 3, 8b, 8c, 9b, 9c */
	assert_int_equal(tb_stat(t, "rx3"), 1);	/* 2 */
	assert_int_equal(tb_stat(t, "rx4"), 3);	/* 6, 7, 10 */
	assert_int_equal(tb_stat(t, "tx0"), 3);	/* 2, 3, 8b */
	assert_int_equal(tb_stat(t, "tx1"), 3);	/* 6, 7, 8c */
	assert_int_equal(tb_stat(t, "tx2"), 5);	/* 1, 4, 5, 7, 8a */
	assert_int_equal(tb_stat(t, "tx3"), 1);	/* 1 */
	assert_int_equal(tb_stat(t, "tx4"), 2);	/* 5, 8a */
	assert_int_equal(tb_stat(t, "flooded0"), 1);
	assert_int_equal(tb_stat(t, "flooded1"), 2);
	assert_int_equal(tb_stat(t, "flooded2"), 0);
	assert_int_equal(tb_stat(t, "flooded4"), 2);
	assert_int_equal(tb_stat(t, "dropped0"), 1);
	assert_int_equal(tb_stat(t, "dropped2"), 2);
	assert_int_equal(tb_stat(t, "dropped4"), 1);
	backlog_off();
	tb_free(t);
}

/*
 * Priority-tagged frames (802.1Q-2018 9.6: a tag with VID 0 carries only
 * the PCP) entering an access port belong to its VLAN, as untagged ones
 * do (the Linux bridge: br_vlan.c __allowed_ingress()); on a trunk, which
 * has no port VLAN, they are dropped. Expected bytes by hand: A on port 0
 * (access 10) broadcasts with TCI 0xa000 (PCP 5, VID 0): the trunk port 2
 * gets TCI 0xa00a (PCP 5 kept, VID 10), access port 3 the frame untagged.
 * Then B on port 3 sends to A priority-tagged (TCI 0x6000): port 0 gets
 * it untagged. A TCI 0x2000 frame on trunk 2 is dropped for its tag.
 */
static void test_switch_vlan_prio(void **state)
{
	struct tb *t = tb_new("switch", vkv);
	uint8_t f[80], x[80];
	uint32_t n, m;
	struct vres r;

	backlog_on();
	n = tagged(f, MA, MBC, 0xa000);
	vsend(t, 0, f, n, &r);
	m = tagged(x, MA, MBC, 0xa00a);
	verdict_is(&r, 2, x, m);
	assert_int_equal(r.copies, 1u << 3);
	m = untagged(x, MA, MBC);
	copy_is(&r, 3, x, m);

	n = tagged(f, MB, MA, 0x6000);
	vsend(t, 3, f, n, &r);
	m = untagged(x, MB, MA);
	verdict_is(&r, 0, x, m);
	assert_int_equal(r.copies, 0);

	n = tagged(f, MC, MA, 0x2000);
	vsend(t, 2, f, n, &r);
	assert_int_equal(r.verdict, LANA_DROP);
	assert_int_equal(r.copies, 0);
	assert_int_equal(tb_stat(t, "vlan_dropped"), 1);
	/* (10,A) (10,B): C was never learned */
	assert_int_equal(tb_stat(t, "entries"), 2);
	backlog_off();
	tb_free(t);
}

/* A static entry in VLAN mode is per VLAN: "MAC PORT VLAN". */
static void test_switch_vlan_static(void **state)
{
	static const char *const kv[] = {
		"ports", "3", "vlans", "true",
		"port_vlans", "[\"access 10\", \"access 20\", \"trunk 10,20\"]",
		"static", "[\"02:00:00:00:00:0c 2 10\"]", NULL
	};
	struct tb *t = tb_new("switch", kv);
	uint8_t f[80], x[80];
	uint32_t n, m;
	struct vres r;

	backlog_on();
	n = untagged(f, MA, MC);
	vsend(t, 0, f, n, &r);		/* VLAN 10: the static entry */
	m = tagged(x, MA, MC, 0x000a);
	verdict_is(&r, 2, x, m);
	assert_int_equal(r.copies, 0);
	assert_int_equal(tb_stat(t, "flooded0"), 0);
	n = untagged(f, MB, MC);
	vsend(t, 1, f, n, &r);		/* VLAN 20: C unknown, floods */
	assert_int_equal(r.verdict, 2);
	assert_int_equal(tb_stat(t, "flooded1"), 1);
	backlog_off();
	tb_free(t);
}

static void vbad(const char *pv, const char *st, const char *want)
{
	const char *kv[] = { "ports", "3", "vlans", "true", "port_vlans", pv,
			     st ? "static" : NULL, st, NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("switch", kv, &t), 0);
	if (!strstr(t->err, want))
		fail_msg("error '%s' lacks '%s'", t->err, want);
	tb_free(t);
}

static void test_switch_vlan_bad(void **state)
{
	static const char *const off[] = {
		"ports", "2", "port_vlans", "[\"access 10\", \"access 10\"]",
		NULL
	};
	static const char *const none[] = { "ports", "2", "vlans", "true",
					    NULL };
	struct tb *t;

	vbad("[\"access 10\", \"acess 20\", \"trunk 10,20\"]", NULL,
	     "port_vlans: port 1: 'acess 20': want \"access VID\" or "
	     "\"trunk VID,VID,...\"");
	vbad("[\"access 10\", \"access 20\", \"trunk 10,5000\"]", NULL,
	     "VLAN 5000 out of range 1..4094");
	vbad("[\"access 0\", \"access 20\", \"trunk 10\"]", NULL,
	     "port 0: 'access 0': VLAN 0 out of range");
	vbad("[\"access 10,20\", \"access 20\", \"trunk 10\"]", NULL,
	     "unexpected ',20' (an access port has one VLAN)");
	vbad("[\"access 10\", \"access 20\", \"trunk 10,10\"]", NULL,
	     "port 2: 'trunk 10,10': VLAN 10 given twice");
	vbad("[\"access 10\", \"access 20\", \"trunk 10,\"]", NULL,
	     "want a VID (1..4094) at ''");
	vbad("[\"access 10\", \"access 20\"]", NULL,
	     "one item per port (3)");
	vbad("[\"access 10\", \"access 20\", \"trunk 10\"]",
	     "[\"02:00:00:00:00:0c 1 10\"]",
	     "port 1 is not a member of VLAN 10");
	vbad("[\"access 10\", \"access 20\", \"trunk 10\"]",
	     "[\"02:00:00:00:00:0c 1\"]", "want \"MAC PORT VLAN\"");
	assert_int_not_equal(tb_try("switch", off, &t), 0);
	assert_non_null(strstr(t->err, "vlans: port_vlans is given"));
	tb_free(t);
	assert_int_not_equal(tb_try("switch", none, &t), 0);
	assert_non_null(strstr(t->err, "got 0"));
	tb_free(t);
}

static const struct CMUnitTest switch_tests[] = {
	cmocka_unit_test(test_switch_learn),
	cmocka_unit_test(test_switch_aging),
	cmocka_unit_test(test_switch_full),
	cmocka_unit_test(test_switch_hub_static),
	cmocka_unit_test(test_switch_bad),
	cmocka_unit_test(test_switch_engine),
	cmocka_unit_test(test_switch_vlan),
	cmocka_unit_test(test_switch_vlan_prio),
	cmocka_unit_test(test_switch_vlan_static),
	cmocka_unit_test(test_switch_vlan_bad),
};

BLOCK_TESTS(switch, switch_tests);
