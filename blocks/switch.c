// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/switch.c - a learning Ethernet switch (bridge) of N ports.
 *
 * switch(ports, aging = 300s, learning = true, max_entries = 4096,
 *        static = ["MAC PORT", ...])
 *   in[ports]: eth -> out[ports]: eth
 *
 * IEEE 802.1D-2004 (7.7, 7.8: the Forwarding Process and the Learning
 * Process; 7.9: the Filtering Database) as the Linux bridge
 * (net/bridge/br_input.c br_handle_frame_finish, br_fdb.c), vde_switch's
 * hash table (vde-2 src/vde_switch/hash.c) and Click's EtherSwitch
 * (elements/etherswitch/etherswitch.cc) do it: a frame that enters port
 * i at in[i] teaches the switch that its source address lives on port i
 * (a known address seen on another port moves at once); a frame to a
 * known unicast address leaves only at that port's out, and is dropped
 * when that is the port it came from; frames to unknown, broadcast and
 * multicast addresses are flooded to every port but the one they came
 * from. Entries not refreshed for @aging are forgotten (checked when
 * looked up, and by a sweep of a few slots per burst). With learning =
 * false the switch is a hub (vde_switch -hub): everything floods, except
 * to static entries. The table holds at most @max_entries learned
 * addresses; when it is full, new addresses are not learned (counted as
 * table_full) and their frames flood, so a MAC flooding attack costs
 * bandwidth, not memory.
 *
 * The Filtering Database is an open-addressing hash table with linear
 * probing (Knuth, TAOCP vol. 3, 6.4; deletion by Algorithm R, no
 * tombstones), keyed by the 48-bit address, shared by every worker (CPU)
 * under the block lock, taken once per burst. It is the instance's state,
 * so it survives every patch that does not REPLACE the switch.
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

#define SW_MAXPORTS	32
#define SW_SWEEP	16	/* slots the sweep checks per burst */
#define SW_VALID	(1ull << 63)	/* set in every used key */
#define SW_MAC_MASK	0xffffffffffffull

enum {
	SW_P_PORTS, SW_P_AGING, SW_P_LEARNING, SW_P_MAX_ENTRIES, SW_P_STATIC,
	SW_P_MAX
};

static const struct lana_param switch_params[] = {
	[SW_P_PORTS] = {
		.name = "ports", .type = LANA_PT_U32,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE,
		.min = 2, .max = SW_MAXPORTS,
		.doc = "number of ports (2 .. 32): in[i] and out[i] are port i",
	},
	[SW_P_AGING] = {
		.name = "aging", .type = LANA_PT_DURATION,
		.flags = LANA_PF_LIVE | LANA_PF_RANGE,
		.min = 1000000ull, .max = 1000000000000000ull, .def = "300s",
		.doc = "learned entries not refreshed for this long are "
		       "forgotten (802.1D's ageing time, default 300 s)",
	},
	[SW_P_LEARNING] = {
		.name = "learning", .type = LANA_PT_BOOL, .def = "true",
		.doc = "learn source addresses; false: a hub (every frame "
		       "floods, except to static entries)",
	},
	[SW_P_MAX_ENTRIES] = {
		.name = "max_entries", .type = LANA_PT_U32,
		.flags = LANA_PF_RANGE, .min = 1, .max = 1u << 20,
		.def = "4096",
		.doc = "learned addresses the table holds at most",
	},
	[SW_P_STATIC] = {
		.name = "static", .type = LANA_PT_LIST, .elem = LANA_PT_STRING,
		.doc = "static entries, \"MAC PORT\" each: never aged or moved",
	},
	[SW_P_MAX] = LANA_PARAM_END
};

static const struct lana_port switch_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .count = "ports", .doc = "in[i]: frames received on port i" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .count = "ports", .doc = "out[i]: frames sent on port i" },
	LANA_PORT_END
};

/* A Filtering Database entry; key 0: a free slot. */
struct sw_entry {
	uint64_t key;		/* SW_VALID | MAC (48 bits, first byte high) */
	uint64_t seen_ns;	/* last frame from it; static: unused */
	uint16_t port;
	bool is_static;
};

struct sw_live {
	uint64_t aging_ns;
};

/*
 * @tab: @mask + 1 slots (a power of two, at least twice @max), @n used,
 * @nstatic of them static; @sweep: the next slot the sweep looks at.
 */
struct sw_priv {
	struct lana_lock lock;
	struct sw_entry *tab;
	uint32_t mask;
	uint32_t n, nstatic, max;
	uint32_t sweep;
	uint32_t nports;
	bool learning;
	uint64_t table_full;
};

/* Per worker (CPU), per port; indexed by the ingress port but tx. */
struct sw_pcpu {
	uint64_t rx[SW_MAXPORTS];	/* frames that entered port i */
	uint64_t tx[SW_MAXPORTS];	/* frames sent on port i */
	uint64_t flooded[SW_MAXPORTS];	/* of rx: flooded */
	uint64_t dropped[SW_MAXPORTS];	/* of rx: dropped */
};

static const struct lana_counter switch_counters[] = {
	LANA_COUNTER_OP("entries", "addresses in the Filtering Database now "
			"(static ones included)"),
	LANA_COUNTER_OP("table_full", "source addresses not learned because "
			"the table held max_entries"),
	LANA_COUNTER_OP_INDEXED("rx", "frames that entered port N"),
	LANA_COUNTER_OP_INDEXED("tx", "frames sent on port N, "
				"forwarded or flooded"),
	LANA_COUNTER_OP_INDEXED("flooded", "frames from port N "
				"flooded (unknown, broadcast or multicast "
				"destination)"),
	LANA_COUNTER_OP_INDEXED("dropped", "frames from port N "
				"dropped: destination on port N itself, "
				"runt, or no memory for a flooded copy"),
	LANA_COUNTER_END
};

#define SW_N(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7",	\
	p "8", p "9", p "10", p "11", p "12", p "13", p "14", p "15",	\
	p "16", p "17", p "18", p "19", p "20", p "21", p "22", p "23",	\
	p "24", p "25", p "26", p "27", p "28", p "29", p "30", p "31"

static const char *const sw_names[4][SW_MAXPORTS] = {
	{ SW_N("rx") }, { SW_N("tx") }, { SW_N("flooded") }, { SW_N("dropped") },
};

/* A per-worker counter: single writer, read relaxed by lana_pcpu_sum(). */
static inline void sw_cnt(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static inline uint64_t sw_key(const uint8_t *mac)
{
	return SW_VALID | (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 |
	       (uint64_t)mac[2] << 24 | (uint64_t)mac[3] << 16 |
	       (uint64_t)mac[4] << 8 | mac[5];
}

/* Fibonacci hashing (TAOCP 6.4): the top bits of key x 2^64/phi. */
static inline uint32_t sw_home(const struct sw_priv *sp, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & sp->mask;
}

/* The slot holding @key, or of the free slot that ends its probe run. */
static uint32_t sw_find(const struct sw_priv *sp, uint64_t key)
{
	uint32_t i = sw_home(sp, key);

	while (sp->tab[i].key && sp->tab[i].key != key)
		i = (i + 1) & sp->mask;
	return i;
}

/* Free slot @i, moving later entries of its run back (Algorithm R). */
static void sw_del(struct sw_priv *sp, uint32_t i)
{
	uint32_t j = i, k;

	if (sp->tab[i].is_static)
		sp->nstatic--;
	sp->n--;
	for (;;) {
		j = (j + 1) & sp->mask;
		if (!sp->tab[j].key)
			break;
		k = sw_home(sp, sp->tab[j].key);
		/* an entry whose home lies cyclically in (i, j] stays */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		sp->tab[i] = sp->tab[j];
		i = j;
	}
	memset(&sp->tab[i], 0, sizeof(sp->tab[i]));
}

static inline bool sw_expired(const struct sw_entry *e, uint64_t now,
			      uint64_t aging)
{
	return !e->is_static && now - e->seen_ns > aging;
}

/* Learn @mac on @port (lock held). */
static void sw_learn(struct sw_priv *sp, const uint8_t *mac, uint16_t port,
		     uint64_t now)
{
	uint64_t key = sw_key(mac);
	uint32_t i = sw_find(sp, key);
	struct sw_entry *e = &sp->tab[i];

	if (e->key) {
		if (!e->is_static) {
			e->port = port;		/* moves at once */
			e->seen_ns = now;
		}
		return;
	}
	if (sp->n - sp->nstatic >= sp->max) {
		sp->table_full++;
		return;
	}
	e->key = key;
	e->port = port;
	e->seen_ns = now;
	e->is_static = false;
	sp->n++;
}

/* The port of @mac, or -1 (unknown, or aged out and now deleted). */
static int sw_lookup(struct sw_priv *sp, const uint8_t *mac, uint64_t now,
		     uint64_t aging)
{
	uint32_t i = sw_find(sp, sw_key(mac));
	struct sw_entry *e = &sp->tab[i];

	if (!e->key)
		return -1;
	if (sw_expired(e, now, aging)) {
		sw_del(sp, i);
		return -1;
	}
	return e->port;
}

/* Forget a few aged entries, SW_SWEEP slots per call (lock held). */
static void sw_sweep(struct sw_priv *sp, uint64_t now, uint64_t aging)
{
	unsigned int k;

	for (k = 0; k < SW_SWEEP && sp->n; k++) {
		uint32_t i = sp->sweep;
		struct sw_entry *e = &sp->tab[i];

		if (e->key && sw_expired(e, now, aging))
			sw_del(sp, i);	/* slot i may hold a moved entry */
		else
			sp->sweep = (i + 1) & sp->mask;
	}
}

/* "02:00:00:00:00:01 2": a static entry, or -EINVAL with the error set. */
static int sw_static(struct lana_block *b, struct sw_priv *sp, const char *s)
{
	unsigned int m[6], port, k;
	uint8_t mac[6];
	char tail;
	uint32_t i;
	int n;

	n = sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x %u%c", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5], &port, &tail);
	if (n != 7 || port >= sp->nports) {
		lana_block_error(b, "static entry '%s': want \"MAC PORT\" with "
				 "PORT 0..%u", s, sp->nports - 1);
		return -EINVAL;
	}
	for (k = 0; k < 6; k++)
		mac[k] = (uint8_t)m[k];
	if (mac[0] & 1) {
		lana_block_error(b, "static entry '%s': a group address", s);
		return -EINVAL;
	}
	i = sw_find(sp, sw_key(mac));
	if (sp->tab[i].key) {
		lana_block_error(b, "static entry '%s': address given twice", s);
		return -EINVAL;
	}
	sp->tab[i].key = sw_key(mac);
	sp->tab[i].port = (uint16_t)port;
	sp->tab[i].is_static = true;
	sp->n++;
	sp->nstatic++;
	return 0;
}

static void switch_fini(struct lana_block *b)
{
	struct sw_priv *sp = b->priv;

#ifdef __KERNEL__
	kvfree(sp->tab);
#else
	free(sp->tab);
#endif
	sp->tab = NULL;
	lana_lock_destroy(&sp->lock);
}

static int switch_init(struct lana_block *b, const struct lana_value *params)
{
	struct sw_priv *sp = b->priv;
	const struct lana_value *st = &params[SW_P_STATIC];
	uint64_t slots = 16;
	uint32_t i, nst = st->type == LANA_PT_LIST ? st->list.n : 0;

	sp->nports = (uint32_t)params[SW_P_PORTS].u;
	if (params[SW_P_PORTS].type == LANA_PT_NONE || sp->nports < 2 ||
	    sp->nports > SW_MAXPORTS) {
		lana_block_error(b, "ports must be 2..%u", SW_MAXPORTS);
		return -EINVAL;
	}
	sp->learning = params[SW_P_LEARNING].type != LANA_PT_BOOL ||
		       params[SW_P_LEARNING].b;
	sp->max = params[SW_P_MAX_ENTRIES].type == LANA_PT_NONE ? 4096 :
		  (uint32_t)params[SW_P_MAX_ENTRIES].u;
	if (!sp->max)
		sp->max = 1;
	/* at most half full: short probe runs */
	while (slots < 2 * ((uint64_t)sp->max + nst))
		slots *= 2;
	sp->mask = (uint32_t)(slots - 1);
#ifdef __KERNEL__
	sp->tab = kvcalloc(slots, sizeof(*sp->tab), GFP_KERNEL);
#else
	sp->tab = calloc(slots, sizeof(*sp->tab));
#endif
	if (!sp->tab) {
		lana_block_error(b, "out of memory");
		return -ENOMEM;
	}
	lana_lock_init(&sp->lock);
	for (i = 0; i < nst; i++) {
		if (st->list.items[i].type != LANA_PT_STRING ||
		    sw_static(b, sp, st->list.items[i].str)) {
			if (st->list.items[i].type != LANA_PT_STRING)
				lana_block_error(b, "static entries are "
						 "strings");
			switch_fini(b);
			return -EINVAL;
		}
	}
	return 0;
}

static int switch_live(struct lana_block *b, const struct lana_value *params,
		       void **out)
{
	struct sw_live *l = lana_live_alloc(b, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->aging_ns = 300ull * 1000000000ull;
	if (params[SW_P_AGING].type != LANA_PT_NONE)
		l->aging_ns = params[SW_P_AGING].u;
	*out = l;
	return 0;
}

/*
 * Learning and forwarding of a burst that entered port v->in_port: under
 * the lock, each frame's source is learned and its destination looked up
 * (verdict: the port, LANA_DROP, or "flood" marked for below); then, off
 * the lock, a flooded frame goes to the first other port and a copy to
 * each further one (lana_emit(), as tee does).
 */
static int switch_rx(struct lana_block *b, struct lana_burst *v)
{
	struct sw_priv *sp = b->priv;
	const struct sw_live *l = v->live;
	struct sw_pcpu *c = lana_block_pcpu(b);
	uint16_t in = v->in_port, first, p;
	bool flood[LANA_BURST];
	uint64_t now = lana_now_ns();
	unsigned int i, nflood = 0;

	if (in >= sp->nports) {		/* cannot happen: in[ports] */
		for (i = 0; i < v->n; i++)
			v->verdict[i] = LANA_DROP;
		return LANA_RX_VERDICTS;
	}
	lana_lock(&sp->lock);
	sw_sweep(sp, now, l->aging_ns);
	for (i = 0; i < v->n; i++) {
		const uint8_t *d = lana_pkt_data(v->pkt[i]);
		int port;

		flood[i] = false;
		if (lana_pkt_len(v->pkt[i]) < 14) {
			v->verdict[i] = LANA_DROP;
			continue;
		}
		if (sp->learning && !(d[6] & 1))
			sw_learn(sp, d + 6, in, now);
		port = d[0] & 1 ? -1 : sw_lookup(sp, d, now, l->aging_ns);
		if (port < 0) {
			flood[i] = true;
			nflood++;
		} else if (port == in) {
			v->verdict[i] = LANA_DROP;	/* filtered */
		} else {
			v->verdict[i] = (uint16_t)port;
		}
	}
	lana_unlock(&sp->lock);

	first = in == 0 ? 1 : 0;
	for (i = 0; i < v->n; i++) {
		if (flood[i]) {
			v->verdict[i] = first;
			for (p = first + 1; p < sp->nports; p++) {
				struct lana_pkt *q;

				if (p == in)
					continue;
				q = lana_pkt_copy(b, v->pkt[i]);
				if (!q) {
					sw_cnt(&c->dropped[in], 1);
					continue;
				}
				lana_emit(b, p, q);
				sw_cnt(&c->tx[p], 1);
			}
		}
		if (v->verdict[i] == LANA_DROP)
			sw_cnt(&c->dropped[in], 1);
		else
			sw_cnt(&c->tx[v->verdict[i]], 1);
	}
	sw_cnt(&c->rx[in], v->n);
	sw_cnt(&c->flooded[in], nflood);
	return LANA_RX_VERDICTS;
}

static unsigned int switch_stats(const struct lana_block *b,
				 struct lana_stat *out, unsigned int max)
{
	struct sw_priv *sp = b->priv;
	unsigned int n = 0, k, p;

	if (max < 2 + 4 * sp->nports)
		return 0;
	lana_lock(&sp->lock);
	out[n++] = (struct lana_stat){ .name = "entries", .value = sp->n };
	out[n++] = (struct lana_stat){ .name = "table_full",
				       .value = sp->table_full };
	lana_unlock(&sp->lock);
	for (k = 0; k < 4; k++)
		for (p = 0; p < sp->nports; p++) {
			size_t off = (size_t)k * SW_MAXPORTS + p;

			out[n].name = sw_names[k][p];
			out[n].value = lana_pcpu_sum(b, off * sizeof(uint64_t));
			n++;
		}
	return n;
}

/*
 * The Filtering Database as a table (the type's table op): one row per
 * entry, in slot order of the hash table (not sorted; `bridge fdb show`
 * lists its hash chains too), *@pos being the next slot to look at:
 * mac ("02:00:00:00:00:0a"), vlan ("-": the switch has no VLANs), port
 * (its number, as in[i]) and age (seconds since its last frame with one
 * decimal, rounded down; "static" for static entries). An entry older
 * than aging stays listed until a lookup or the sweep forgets it.
 */
static unsigned int switch_table(const struct lana_block *b, uint32_t *pos,
				 struct lana_row *rows, unsigned int max)
{
	struct sw_priv *sp = b->priv;
	uint64_t now = lana_now_ns();
	uint64_t i = *pos;
	unsigned int n = 0;

	lana_lock(&sp->lock);
	for (; i <= sp->mask && n < max; i++) {
		const struct sw_entry *e = &sp->tab[i];
		struct lana_row *r = &rows[n];
		uint64_t k = e->key;

		if (!k)
			continue;
		r->ncol = 4;
		r->col[0].key = "mac";
		snprintf(r->col[0].val, sizeof(r->col[0].val),
			 "%02x:%02x:%02x:%02x:%02x:%02x",
			 (unsigned int)(k >> 40) & 0xff,
			 (unsigned int)(k >> 32) & 0xff,
			 (unsigned int)(k >> 24) & 0xff,
			 (unsigned int)(k >> 16) & 0xff,
			 (unsigned int)(k >> 8) & 0xff, (unsigned int)k & 0xff);
		r->col[1].key = "vlan";
		snprintf(r->col[1].val, sizeof(r->col[1].val), "-");
		r->col[2].key = "port";
		snprintf(r->col[2].val, sizeof(r->col[2].val), "%u",
			 (unsigned int)e->port);
		r->col[3].key = "age";
		if (e->is_static) {
			snprintf(r->col[3].val, sizeof(r->col[3].val),
				 "static");
		} else {
			/* tenths of a second; u32 seconds: 136 years */
			uint64_t t = (now > e->seen_ns ? now - e->seen_ns : 0) /
				     100000000ull;

			snprintf(r->col[3].val, sizeof(r->col[3].val),
				 "%u.%u", (unsigned int)(t / 10),
				 (unsigned int)(t % 10));
		}
		n++;
	}
	lana_unlock(&sp->lock);
	*pos = i > sp->mask ? sp->mask + 1 : (uint32_t)i;
	return n;
}

LANA_BLOCK_TYPE(switch) = {
	.name = "switch",
	.synopsis = "switch(ports, aging = 300s, learning = true, "
		    "max_entries = 4096, static)   "
		    "in[ports]: eth -> out[ports]: eth",
	.doc = "A learning Ethernet switch (IEEE 802.1D bridge). Port i is "
	       "in[i] and out[i], for i < ports. A frame entering in[i] "
	       "teaches that its source address is on "
	       "port i; a frame to a known address leaves at that port's out "
	       "only (dropped if it is port i), others flood to every port "
	       "but i. Entries age out after aging (live) and move at once; "
	       "learning = false makes a hub. At most max_entries addresses "
	       "are learned (then frames flood, counted as table_full); "
	       "static entries (\"MAC PORT\") never age. The table is kept "
	       "by every patch that does not replace the switch.",
	.params = switch_params,
	.ports = switch_ports,
	.counters = switch_counters,
	.engines = LANA_ENGINE_ALL,
	.priv_size = sizeof(struct sw_priv),
	.pcpu_size = sizeof(struct sw_pcpu),
	.init = switch_init,
	.fini = switch_fini,
	.live = switch_live,
	.live_free = lana_live_free,
	.rx = switch_rx,
	.stats = switch_stats,
	.table = switch_table,
};
