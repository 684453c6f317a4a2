// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/ppe.c - the packet processing engine of lana.ko (thesis 4.2.5,
 * 5.2.5), the kernel twin of runtime/ppe.c.
 *
 * There are no worker threads: a frame enters the graph in the context of
 * whoever received it (the softirq of the receiving CPU for an rx_handler,
 * the transmitting context for a tap device), as in the thesis's
 * process_packet(). lana_ppe_input() takes the published graph version
 * under rcu_read_lock(), runs the burst from block to block (block looked
 * up by IDP in the version's flat table, rx, then the version's binding of
 * the returned port), then runs the packets the blocks spawned with
 * lana_emit() from this CPU's backlog (thesis 5.2.5,
 * engine_backlog_tail) in the same version.
 *
 * The walk is iterative: when a block splits a burst over several ports,
 * every port but the first goes to the backlog, so kernel stack use is
 * constant whatever the graph. A frame that arrives on a CPU already inside
 * the PPE (a block transmitted on a device whose transmit enters the graph
 * again, e.g. a tap) is queued to the backlog too, keeping its hop count:
 * the loop guard (the version's max_hops, derived from its graph by
 * engine/graph.c lana_graph_hops()) catches cycles through devices and
 * those of raw plans, and never drops a packet of an acyclic graph.
 * Counters are per CPU (single writer with BH disabled, summed on read).
 */
#include <linux/bottom_half.h>
#include <linux/if_ether.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "engine.h"
#include "engine/backlog.h"

/*
 * struct lana_kcpu - the PPE state of one CPU.
 * @depth:    > 0 while this CPU is inside lana_ppe_input()
 * @cur_hops: hops of the burst being processed (for lana_emit)
 * @bl_head, @bl_tail: backlog ring indices
 * @bl:       the backlog (lana_emit, split, nested input; engine/backlog.h)
 */
struct lana_kcpu {
	struct lana_kcounters cnt;
	unsigned int depth;
	u32 cur_hops;
	u32 bl_head, bl_tail;
	struct lana_blog bl[LANA_K_BACKLOG];
};

static struct lana_kcpu __percpu *lana_kcpu;

static void free_burst(struct lana_burst *bu)
{
	u16 i;

	for (i = 0; i < bu->n; i++)
		kfree_skb(lana_pkt_skb(bu->pkt[i]));
	bu->n = 0;
}

/* Queue @skb to leave @idp's OUT port @port later; false when full. */
static bool backlog_add(struct lana_kcpu *c, struct sk_buff *skb, u32 idp,
			u16 port, u32 hops)
{
	if (lana_backlog_put(c->bl, LANA_K_BACKLOG - 1, c->bl_head,
			     &c->bl_tail, lana_skb_pkt(skb), idp, port, hops))
		return true;
	kfree_skb(skb);
	c->cnt.nomem_drops++;
	return false;
}

/*
 * The block at @idp answered LANA_RX_VERDICTS: free LANA_DROP packets
 * (counted as its drops), leave LANA_STOLEN ones, keep in @bu the packets
 * for the first port named and queue the others. Returns that port, or -1
 * when nothing is left.
 */
static int ppe_split(struct lana_kcpu *c, const struct lana_kgver *v,
		     u32 idp, struct lana_burst *bu)
{
	u16 i, m = 0, drops = 0;
	int port = -1;

	for (i = 0; i < bu->n; i++) {
		u16 vd = bu->verdict[i];
		struct lana_pkt *p = bu->pkt[i];

		if (vd == LANA_DROP) {
			kfree_skb(lana_pkt_skb(p));
			drops++;
		} else if (vd == LANA_STOLEN) {
			continue;
		} else if (port < 0 || vd == port) {
			port = vd;
			bu->pkt[m++] = p;
		} else {
			backlog_add(c, lana_pkt_skb(p), idp, vd, bu->hops);
		}
	}
	if (drops)
		lana_bcnt_this(v->tab[idp].b)->drops += drops;
	bu->n = m;
	return m ? port : -1;
}

/*
 * The burst leaving @idp.@port goes to a LANA_BT_FINAL block: hand it
 * final frames, the kernel's way (the twin of runtime/ppe.c's, whose
 * software path is runtime/offload.c): GSO super-frames are cut with
 * skb_gso_segment() without device features (segments get their
 * checksums in software), other partial checksums are completed with
 * skb_checksum_help(). Segments that do not fit the burst wait in the
 * backlog, in order; frames that fail are dropped (*@bad).
 */
static void ppe_finish(struct lana_kcpu *c, struct lana_burst *bu, u32 idp,
		       u16 port, u16 *bad)
{
	struct lana_pkt *in[LANA_BURST];
	struct sk_buff *skb, *segs, *next;
	u16 i, n = bu->n;
	bool spill = false;

	for (i = 0; i < n; i++)
		if (lana_pkt_partial(bu->pkt[i]))
			break;
	if (i == n)
		return;
	memcpy(in, bu->pkt, n * sizeof(in[0]));
	bu->n = 0;
	for (i = 0; i < n; i++) {
		skb = lana_pkt_skb(in[i]);
		if (skb_is_gso(skb)) {
			/* the headers from the frame: one a tunnel block
			 * decapsulated (kmod/udp.c) still has the outer ones;
			 * VLAN tags are skb_network_protocol()'s */
			skb_reset_mac_header(skb);
			skb_set_network_header(skb, ETH_HLEN);
			skb->protocol = eth_hdr(skb)->h_proto;
			segs = skb_gso_segment(skb, 0);
			if (IS_ERR_OR_NULL(segs)) {
				kfree_skb(skb);
				(*bad)++;
				continue;
			}
			consume_skb(skb);
			skb = segs;
		} else if (skb->ip_summed == CHECKSUM_PARTIAL &&
			   skb_checksum_help(skb)) {
			kfree_skb(skb);
			(*bad)++;
			continue;
		}
		for (; skb; skb = next) {
			next = skb->next;
			skb_mark_not_on_list(skb);
			if (!spill && bu->n < LANA_BURST) {
				bu->pkt[bu->n++] = lana_skb_pkt(skb);
				continue;
			}
			spill = true;
			backlog_add(c, skb, idp, port, bu->hops - 1);
		}
	}
}

/*
 * Send burst @bu out of OUT port @port of the block at @idp and on through
 * the graph until every packet was dropped, stolen, queued, or sent out
 * of an unbound port.
 */
static void ppe_run(struct lana_kcpu *c, const struct lana_kgver *v,
		    u32 idp, u32 port, struct lana_burst *bu)
{
	const struct lana_gnode *g = &v->tab[idp];

	for (;;) {
		const struct lana_gnode *d;
		struct lana_bcnt *cnt;
		struct lana_bind bind;
		u64 bytes = 0;
		u16 i, n = bu->n;
		int r;

		if (!n)
			return;
		if (port >= g->nout || !(bind = g->out[port]).dst ||
		    bind.dst >= v->ntab || !v->tab[bind.dst].b) {
			free_burst(bu);
			lana_bcnt_this(g->b)->drops += n;
			c->cnt.unbound_drops += n;
			return;
		}
		if (++bu->hops > v->max_hops) {
			free_burst(bu);
			c->cnt.loop_drops += n;
			return;
		}
		d = &v->tab[bind.dst];
		cnt = lana_bcnt_this(d->b);
		if (d->b->type->flags & LANA_BT_FINAL) {
			u16 bad = 0;

			ppe_finish(c, bu, idp, (u16)port, &bad);
			cnt->drops += bad;
			n = bu->n;
			if (!n)
				return;
		}
		for (i = 0; i < n; i++)
			bytes += lana_pkt_len(bu->pkt[i]);
		cnt->packets += n;
		cnt->bytes += bytes;
		if (!d->rx) {
			free_burst(bu);
			cnt->drops += n;
			return;
		}
		bu->in_port = (u16)bind.dport;
		bu->live = d->live;
		c->cur_hops = bu->hops;
		r = d->rx(d->b, bu);
		if (r == LANA_RX_VERDICTS)
			r = ppe_split(c, v, bind.dst, bu);
		else if (r < 0) {
			/* the block failed: drop */
			free_burst(bu);
			cnt->drops += n;
			return;
		}
		if (r < 0)
			return;
		g = d;
		idp = bind.dst;
		port = (u32)r;
	}
}

/* Run the backlog, oldest first, in version @v. */
static void ppe_backlog(struct lana_kcpu *c, const struct lana_kgver *v)
{
	struct lana_burst bu;
	u32 idp;
	u16 port;

	while (c->bl_head != c->bl_tail) {
		lana_backlog_take(c->bl, LANA_K_BACKLOG - 1, &c->bl_head,
				  c->bl_tail, &bu, &idp, &port);
		if (idp < v->ntab && v->tab[idp].b) {
			ppe_run(c, v, idp, port, &bu);
		} else {
			c->cnt.unbound_drops += bu.n;
			free_burst(&bu);
		}
	}
}

void lana_ppe_input(struct lana_block *b, struct sk_buff *skb)
{
	const struct lana_kgver *v;
	struct lana_burst bu;
	struct lana_bcnt *cnt;
	struct lana_kcpu *c;

	local_bh_disable();
	rcu_read_lock();
	c = this_cpu_ptr(lana_kcpu);
	/* blocks read the frame as one linear buffer they may not share */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb || skb_linearize(skb)) {
		kfree_skb(skb);
		c->cnt.nomem_drops++;
		goto out;
	}
	v = rcu_dereference(lana_cur);
	if (!v || b->idp >= v->ntab || v->tab[b->idp].b != b) {
		kfree_skb(skb);
		c->cnt.stale_drops++;
		goto out;
	}
	cnt = lana_bcnt_this(b);
	cnt->packets++;
	cnt->bytes += skb->len;
	if (c->depth) {
		/* re-entered from a block's transmit: the outer call runs it */
		backlog_add(c, skb, b->idp, 0, c->cur_hops);
		goto out;
	}
	c->depth++;
	bu.n = 1;
	bu.in_port = 0;
	bu.dir = LANA_INGRESS;
	bu.hops = 0;
	bu.pkt[0] = lana_skb_pkt(skb);
	c->cur_hops = 0;
	ppe_run(c, v, b->idp, 0, &bu);
	ppe_backlog(c, v);
	c->depth--;
out:
	rcu_read_unlock();
	local_bh_enable();
}
EXPORT_SYMBOL_GPL(lana_ppe_input);

/*
 * Run @fire of @b and its burst (lana_ppe_timer(), lana_ppe_source());
 * @warn_nest: whether the PPE already running on this CPU means (a bug for a
 * timer: BH is off inside the PPE, so a softirq timer cannot nest).
 */
static bool ppe_fire(struct lana_block *b,
		     int (*fire)(struct lana_block *b, struct lana_burst *v),
		     bool warn_nest)
{
	const struct lana_kgver *v;
	struct lana_burst bu;
	struct lana_kcpu *c;
	bool ran = false;

	local_bh_disable();
	rcu_read_lock();
	c = this_cpu_ptr(lana_kcpu);
	v = rcu_dereference(lana_cur);
	if (!v || b->idp >= v->ntab || v->tab[b->idp].b != b)
		goto out;
	if (c->depth) {
		WARN_ON_ONCE(warn_nest);
		goto out;
	}
	ran = true;
	c->depth++;
	bu.n = 0;
	bu.in_port = 0;
	bu.dir = LANA_INGRESS;
	bu.hops = 0;
	bu.live = v->tab[b->idp].live;
	c->cur_hops = 0;
	fire(b, &bu);
	if (bu.n > LANA_BURST)	/* defensive: a broken fire op */
		bu.n = LANA_BURST;
	if (bu.n && !warn_nest) {
		/* a source's packets are its own (as runtime/ppe.c ppe_poll()
		 * counts them); a timer's were counted where they entered */
		struct lana_bcnt *cnt = lana_bcnt_this(b);
		u16 i;

		cnt->packets += bu.n;
		for (i = 0; i < bu.n; i++)
			cnt->bytes += lana_pkt_len(bu.pkt[i]);
	}
	if (bu.n)
		ppe_run(c, v, b->idp, 0, &bu);
	ppe_backlog(c, v);
	c->depth--;
out:
	rcu_read_unlock();
	local_bh_enable();
	return ran;
}

void lana_ppe_timer(struct lana_block *b,
		    int (*fire)(struct lana_block *b, struct lana_burst *v))
{
	ppe_fire(b, fire, true);
}

bool lana_ppe_source(struct lana_block *b,
		     int (*recv)(struct lana_block *b, struct lana_burst *v))
{
	return ppe_fire(b, recv, false);
}

/* lana_emit() (blocks/lana_block.h): to this CPU's backlog. */
void lana_emit(struct lana_block *b, uint16_t port, struct lana_pkt *p)
{
	struct lana_kcpu *c;

	local_bh_disable();
	c = this_cpu_ptr(lana_kcpu);
	if (!c->depth) {
		/* not inside the PPE: nowhere to run it */
		kfree_skb(lana_pkt_skb(p));
		c->cnt.unbound_drops++;
	} else {
		backlog_add(c, lana_pkt_skb(p), b->idp, port, c->cur_hops);
	}
	local_bh_enable();
}

void lana_ppe_counters(struct lana_kcounters *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct lana_kcpu *c = per_cpu_ptr(lana_kcpu, cpu);

		sum->loop_drops += READ_ONCE(c->cnt.loop_drops);
		sum->unbound_drops += READ_ONCE(c->cnt.unbound_drops);
		sum->nomem_drops += READ_ONCE(c->cnt.nomem_drops);
		sum->stale_drops += READ_ONCE(c->cnt.stale_drops);
	}
}

int lana_ppe_init(void)
{
	lana_kcpu = alloc_percpu(struct lana_kcpu);
	return lana_kcpu ? 0 : -ENOMEM;
}

void lana_ppe_exit(void)
{
	int cpu;

	/* the backlogs are empty: every lana_ppe_input() drained its own */
	for_each_possible_cpu(cpu)
		WARN_ON_ONCE(per_cpu_ptr(lana_kcpu, cpu)->bl_head !=
			     per_cpu_ptr(lana_kcpu, cpu)->bl_tail);
	free_percpu(lana_kcpu);
	lana_kcpu = NULL;
}
