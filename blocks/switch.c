// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/switch.c - a learning Ethernet switch (bridge) of N ports.
 *
 * switch(ports, aging = 300s, learning = true, max_entries = 4096,
 *        static = ["MAC PORT", ...], vlans = false,
 *        port_vlans = ["access VID" | "trunk VID,VID,...", ...])
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
 * With vlans = true the switch is VLAN-aware (IEEE 802.1Q-2018 as the
 * Linux bridge with vlan_filtering does it: net/bridge/br_input.c
 * br_handle_frame_finish() -> br_allowed_ingress(), br_vlan.c
 * br_handle_vlan(); vde_switch's vlan/addport; SERVAL's VLAN switch).
 * port_vlans gives each port as "access V" (untagged frames, VLAN V)
 * or "trunk V1,V2,..." (frames tagged with one of them). An untagged
 * or priority-tagged (VID 0) frame entering an access port belongs to
 * its VLAN; one tagged with a VLAN there, and on a trunk an untagged or
 * priority-tagged one or one of a VLAN not the port's, is dropped
 * (vlan_dropped). Learning and lookup are per (VLAN, MAC): the
 * key holds the 12-bit VID (802.1Q 8.8, independent VLAN learning);
 * floods reach only the VLAN's other member ports; frames leave trunk
 * ports tagged (TPID 0x8100; PCP 0 for frames that came untagged, the
 * tag as it came from another trunk) and access ports untagged, so no
 * frame ever crosses VLANs. Static entries are "MAC PORT VLAN" then.
 * The type's check op (switch_check()) lets the compiler report a bad
 * port_vlans item where it is written; init runs the same check.
 *
 * The Filtering Database is an open-addressing hash table with linear
 * probing (Knuth, TAOCP vol. 3, 6.4; deletion by Algorithm R, no
 * tombstones), keyed by the 48-bit address (and VID), shared by every worker (CPU)
 * under the block lock, taken once per burst. It is the instance's state,
 * so it survives every patch that does not REPLACE the switch.
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
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
#define SW_VID_SHIFT	48	/* VLAN mode: the VID's place in a key */
/* IEEE 802.1Q-2018 9.6: TPID 0x8100, then PCP (3), DEI (1), VID (12) */
#define SW_TPID		0x8100
#define SW_VLAN_HLEN	4
#define SW_VLAN_MACS	12	/* destination + source address */
#define SW_VID_MASK	0x0fff
#define SW_NVID		4096
#define SW_VID_MAX	4094	/* 0 and 4095 are reserved (Table 9-2) */

enum {
	SW_P_PORTS, SW_P_AGING, SW_P_LEARNING, SW_P_MAX_ENTRIES, SW_P_STATIC,
	SW_P_VLANS, SW_P_PORT_VLANS,
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
		.doc = "static entries, \"MAC PORT\" each (\"MAC PORT VLAN\" "
		       "with vlans = true): never aged or moved",
	},
	[SW_P_VLANS] = {
		.name = "vlans", .type = LANA_PT_BOOL, .def = "false",
		.doc = "VLAN-aware (IEEE 802.1Q): each port is an access or "
		       "trunk port of port_vlans; learning, lookup and "
		       "flooding per VLAN",
	},
	[SW_P_PORT_VLANS] = {
		.name = "port_vlans", .type = LANA_PT_LIST,
		.elem = LANA_PT_STRING,
		.doc = "with vlans = true, one item per port: \"access VID\" "
		       "(untagged, one VLAN) or \"trunk VID,VID,...\" "
		       "(tagged); VID 1 .. 4094",
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
	uint64_t key;		/* SW_VALID | VID << 48 | MAC (48 bits, first
				 * byte high); VID 0 when vlans = false */
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
	/* vlans = true: @vmember[vid], a bit per member port of VLAN vid;
	 * @trunk, a bit per trunk port; @pvid[p], access port p's VLAN */
	bool vlans;
	uint32_t trunk;
	uint32_t *vmember;
	uint16_t pvid[SW_MAXPORTS];
};

/* Per worker (CPU), per port; indexed by the ingress port but tx. */
struct sw_pcpu {
	uint64_t rx[SW_MAXPORTS];	/* frames that entered port i */
	uint64_t tx[SW_MAXPORTS];	/* frames sent on port i */
	uint64_t flooded[SW_MAXPORTS];	/* of rx: flooded */
	uint64_t dropped[SW_MAXPORTS];	/* of rx: dropped */
	uint64_t vlan_dropped;		/* of dropped: VLAN membership */
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
				"runt, no memory for a flooded copy or a tag, "
				"or vlan_dropped"),
	LANA_COUNTER_OP("vlan_dropped", "vlans = true: frames dropped at "
			"ingress for their tag (VLAN-tagged on an access port, "
			"untagged, priority-tagged or of a VLAN not the "
			"port's on a trunk)"),
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

static inline uint64_t sw_key(const uint8_t *mac, uint16_t vid)
{
	return SW_VALID | (uint64_t)vid << SW_VID_SHIFT |
	       (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 |
	       (uint64_t)mac[2] << 24 | (uint64_t)mac[3] << 16 |
	       (uint64_t)mac[4] << 8 | mac[5];
}

/* Fibonacci hashing (TAOCP 6.4): the top bits of key x 2^64/phi. */
static inline uint32_t sw_home(const struct sw_priv *sp, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & sp->mask;
}

/*
 * The slot holding @key, or of the free slot that ends its probe run,
 * probing from @i, its home slot.
 */
static uint32_t sw_find_from(const struct sw_priv *sp, uint64_t key,
			     uint32_t i)
{
	while (sp->tab[i].key && sp->tab[i].key != key)
		i = (i + 1) & sp->mask;
	return i;
}

static uint32_t sw_find(const struct sw_priv *sp, uint64_t key)
{
	return sw_find_from(sp, key, sw_home(sp, key));
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

/* Learn @key (sw_key(), home slot @home) on @port (lock held). */
static void sw_learn(struct sw_priv *sp, uint64_t key, uint32_t home,
		     uint16_t port, uint64_t now)
{
	uint32_t i = sw_find_from(sp, key, home);
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

/*
 * The port of @key (sw_key(): a MAC in a VLAN, home slot @home), or -1
 * (unknown, or aged out and now deleted).
 */
static int sw_lookup(struct sw_priv *sp, uint64_t key, uint32_t home,
		     uint64_t now, uint64_t aging)
{
	uint32_t i = sw_find_from(sp, key, home);
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

/*
 * "02:00:00:00:00:01 2" ("02:00:00:00:00:01 2 10" with vlans = true: in
 * VLAN 10, of which port 2 must be a member): a static entry, or -EINVAL
 * with the error set.
 */
static int sw_static(struct lana_block *b, struct sw_priv *sp, const char *s)
{
	unsigned int m[6], port, vid = 0, k;
	uint8_t mac[6];
	char tail;
	uint32_t i;
	int n;

	n = sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x %u %u%c", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5], &port, &vid, &tail);
	if (n != (sp->vlans ? 8 : 7) || port >= sp->nports ||
	    (sp->vlans && (vid < 1 || vid > SW_VID_MAX))) {
		if (sp->vlans)
			lana_block_error(b, "static entry '%s': want \"MAC PORT "
					 "VLAN\" with PORT 0..%u, VLAN 1..%u",
					 s, sp->nports - 1, SW_VID_MAX);
		else
			lana_block_error(b, "static entry '%s': want \"MAC "
					 "PORT\" with PORT 0..%u", s,
					 sp->nports - 1);
		return -EINVAL;
	}
	if (sp->vlans && !(sp->vmember[vid] & 1u << port)) {
		lana_block_error(b, "static entry '%s': port %u is not a member "
				 "of VLAN %u", s, port, vid);
		return -EINVAL;
	}
	for (k = 0; k < 6; k++)
		mac[k] = (uint8_t)m[k];
	if (mac[0] & 1) {
		lana_block_error(b, "static entry '%s': a group address", s);
		return -EINVAL;
	}
	i = sw_find(sp, sw_key(mac, (uint16_t)vid));
	if (sp->tab[i].key) {
		lana_block_error(b, "static entry '%s': address given twice", s);
		return -EINVAL;
	}
	sp->tab[i].key = sw_key(mac, (uint16_t)vid);
	sp->tab[i].port = (uint16_t)port;
	sp->tab[i].is_static = true;
	sp->n++;
	sp->nstatic++;
	return 0;
}

/* Reads a VID (decimal, 1 .. 4094) at *@s; false if there is none. */
static bool sw_vid(const char **s, unsigned int *vid)
{
	unsigned int v = 0, n = 0;

	while (**s >= '0' && **s <= '9') {
		if (++n > 4)
			return false;
		v = v * 10 + (unsigned int)(**s - '0');
		(*s)++;
	}
	*vid = v;
	return n > 0;
}

static void *sw_zalloc(size_t n, size_t size)
{
#ifdef __KERNEL__
	return kvcalloc(n, size, GFP_KERNEL);
#else
	return calloc(n, size);
#endif
}

static void sw_free(void *p)
{
#ifdef __KERNEL__
	kvfree(p);
#else
	free(p);
#endif
}

/*
 * The VLAN configuration in @params: port p of port_vlans is "access V"
 * (untagged frames, VLAN V) or "trunk V1,V2,..." (frames tagged with one
 * of them), as the Linux bridge's "bridge vlan add ... pvid untagged" and
 * "bridge vlan add vid V" (net/bridge/br_vlan.c) and vde_switch's
 * "vlan/addport" make them. Writes @vmember[vid] (SW_NVID words, zeroed
 * by the caller: a bit per member port), @trunk (a bit per trunk port)
 * and @pvid (an access port's VLAN), all of which may be NULL to check
 * only (then @vmember is needed only to find a VLAN given twice and may
 * still be NULL: no such check).
 * Return: 0, or -EINVAL with the parameter at fault in *@bad_param, the
 * list item in *@bad_item (-1u: the whole value) and the reason in @msg.
 */
static int sw_vlans(const struct lana_value *params, uint32_t *vmember,
		    uint32_t *trunk, uint16_t *pvid, unsigned int *bad_param,
		    unsigned int *bad_item, char *msg, size_t msglen)
{
	const struct lana_value *pv = &params[SW_P_PORT_VLANS];
	bool on = params[SW_P_VLANS].type == LANA_PT_BOOL &&
		  params[SW_P_VLANS].b;
	unsigned int nports = (unsigned int)params[SW_P_PORTS].u, p;
	bool given = pv->type == LANA_PT_LIST;

	*bad_param = SW_P_PORT_VLANS;
	*bad_item = -1u;
	if (!on) {
		if (given && pv->list.n) {
			*bad_param = SW_P_VLANS;
			snprintf(msg, msglen, "port_vlans is given: set vlans "
				 "= true (or leave port_vlans out)");
			return -EINVAL;
		}
		return 0;
	}
	if (!given || pv->list.n != nports) {
		snprintf(msg, msglen, "vlans = true needs one item per port "
			 "(%u), \"access VID\" or \"trunk VID,VID,...\"; "
			 "got %u", nports, given ? pv->list.n : 0);
		return -EINVAL;
	}
	for (p = 0; p < nports; p++) {
		const char *s = pv->list.items[p].str, *t;
		unsigned int vid = 0;
		bool is_trunk;

		*bad_item = p;
		if (pv->list.items[p].type != LANA_PT_STRING || !s) {
			snprintf(msg, msglen, "port %u: not a string", p);
			return -EINVAL;
		}
		if (!strncmp(s, "access ", 7)) {
			is_trunk = false;
			t = s + 7;
		} else if (!strncmp(s, "trunk ", 6)) {
			is_trunk = true;
			t = s + 6;
		} else {
			snprintf(msg, msglen, "port %u: '%s': want \"access "
				 "VID\" or \"trunk VID,VID,...\"", p, s);
			return -EINVAL;
		}
		for (;;) {
			while (*t == ' ')
				t++;
			if (!sw_vid(&t, &vid)) {
				snprintf(msg, msglen, "port %u: '%s': want a "
					 "VID (1..%u) at '%s'", p, s,
					 SW_VID_MAX, t);
				return -EINVAL;
			}
			if (vid < 1 || vid > SW_VID_MAX) {
				snprintf(msg, msglen, "port %u: '%s': VLAN %u "
					 "out of range 1..%u", p, s, vid,
					 SW_VID_MAX);
				return -EINVAL;
			}
			if (vmember && (vmember[vid] & 1u << p)) {
				snprintf(msg, msglen, "port %u: '%s': VLAN %u "
					 "given twice", p, s, vid);
				return -EINVAL;
			}
			if (vmember)
				vmember[vid] |= 1u << p;
			while (*t == ' ')
				t++;
			if (!is_trunk || *t != ',')
				break;
			t++;
		}
		if (*t) {
			snprintf(msg, msglen, "port %u: '%s': unexpected '%s'%s",
				 p, s, t, is_trunk ? "" :
				 " (an access port has one VLAN)");
			return -EINVAL;
		}
		if (is_trunk && trunk)
			*trunk |= 1u << p;
		if (!is_trunk && pvid)
			pvid[p] = (uint16_t)vid;
	}
	return 0;
}

/* The type's check op: sw_vlans() on values the compiler resolved. */
static int switch_check(const struct lana_value *params,
			unsigned int *bad_param, unsigned int *bad_item,
			char *msg, size_t msglen)
{
	uint32_t *vm = sw_zalloc(SW_NVID, sizeof(*vm));
	int rc;

	/* without memory the duplicate check is left to init */
	rc = sw_vlans(params, vm, NULL, NULL, bad_param, bad_item, msg,
		      msglen);
	sw_free(vm);
	return rc;
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
	sw_free(sp->vmember);
	sp->vmember = NULL;
	lana_lock_destroy(&sp->lock);
}

static int switch_init(struct lana_block *b, const struct lana_value *params)
{
	struct sw_priv *sp = b->priv;
	const struct lana_value *st = &params[SW_P_STATIC];
	uint64_t slots = 16;
	uint32_t i, nst = st->type == LANA_PT_LIST ? st->list.n : 0;
	unsigned int bad_param, bad_item;
	char msg[256];

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
	sp->vlans = params[SW_P_VLANS].type == LANA_PT_BOOL &&
		    params[SW_P_VLANS].b;
	if (sp->vlans) {
		sp->vmember = sw_zalloc(SW_NVID, sizeof(*sp->vmember));
		if (!sp->vmember) {
			lana_block_error(b, "out of memory");
			switch_fini(b);
			return -ENOMEM;
		}
	}
	/* the compiler ran this as the check op; plans from elsewhere too */
	if (sw_vlans(params, sp->vmember, &sp->trunk, sp->pvid, &bad_param,
		     &bad_item, msg, sizeof(msg))) {
		lana_block_error(b, "%s: %s", switch_params[bad_param].name, msg);
		switch_fini(b);
		return -EINVAL;
	}
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
 * VLAN mode, ingress (802.1Q-2018 8.6.1, 8.6.2: the port's acceptable
 * frame types and ingress filtering; net/bridge/br_vlan.c
 * br_allowed_ingress()): the VLAN of the frame at @d (@len >= 14 bytes)
 * that entered port @in, or 0 to drop it: a tagged frame on an access
 * port, an untagged one or one of a VLAN the port is not a member of on
 * a trunk port.
 */
static uint16_t sw_ingress(const struct sw_priv *sp, uint16_t in,
			   const uint8_t *d, uint32_t len)
{
	bool tagged = d[12] == (SW_TPID >> 8) && d[13] == (SW_TPID & 0xff);
	uint16_t vid;

	if (tagged && len < SW_VLAN_MACS + SW_VLAN_HLEN + 2)
		return 0;
	vid = tagged ? (uint16_t)(((unsigned int)d[14] << 8 | d[15]) &
				  SW_VID_MASK) : 0;
	if (!(sp->trunk & 1u << in))
		/* a priority-tagged frame (VID 0, 802.1Q-2018 9.6) is
		 * classified as untagged: the port's VLAN (br_vlan.c
		 * __allowed_ingress() does the same) */
		return vid ? 0 : sp->pvid[in];
	if (!tagged)
		return 0;
	/* VID 0 is no VLAN of a trunk: vmember[0] is never set */
	return sp->vmember[vid] & 1u << in ? vid : 0;
}

/*
 * VLAN mode, egress (br_vlan.c br_handle_vlan(): a trunk sends VLAN
 * @vid tagged, an access port untagged): give @p, which entered port
 * @in, the form port @out sends. As blocks/vlan.c: push inserts the
 * tag (PCP 0) after the addresses, pop removes it; a trunk-to-trunk
 * frame keeps its tag (and PCP) as it came. A priority-tagged frame
 * from an access port leaves another access port untagged and a trunk
 * with its tag's VID set to @vid (PCP and DEI kept), as the Linux
 * bridge's br_allowed_ingress() and br_handle_vlan(). lana_pkt_shift() keeps a
 * partial checksum or GSO frame one.
 * Return: false if there was no headroom or the frame is not writable.
 */
static bool sw_egress(const struct sw_priv *sp, struct lana_pkt *p,
		      uint16_t in, uint16_t out, uint16_t vid)
{
	bool in_trunk = sp->trunk & 1u << in, out_trunk = sp->trunk & 1u << out;
	bool prio;
	uint8_t *d;

	if (!sp->vlans)
		return true;
	/* tagged and past an access port's ingress: priority-tagged */
	d = lana_pkt_data(p);
	prio = !in_trunk && d[12] == (SW_TPID >> 8) &&
	       d[13] == (SW_TPID & 0xff);
	if (in_trunk == out_trunk && !prio)
		return true;
	if (out_trunk && prio) {
		/* the VLAN into the tag's VID, PCP and DEI kept */
		d = lana_pkt_writable(p, SW_VLAN_MACS + SW_VLAN_HLEN);
		if (!d)
			return false;
		d[14] = (uint8_t)((d[14] & 0xf0) | (vid >> 8));
		d[15] = (uint8_t)vid;
		return true;
	}
	if (out_trunk) {
		d = lana_pkt_push(p, SW_VLAN_HLEN);
		if (!d)
			return false;
		memmove(d, d + SW_VLAN_HLEN, SW_VLAN_MACS);
		d[12] = SW_TPID >> 8;
		d[13] = SW_TPID & 0xff;
		d[14] = (uint8_t)(vid >> 8);
		d[15] = (uint8_t)vid;
		lana_pkt_shift(p, SW_VLAN_HLEN);
		return true;
	}
	d = lana_pkt_writable(p, SW_VLAN_MACS + SW_VLAN_HLEN);
	if (!d)
		return false;
	memmove(d + SW_VLAN_HLEN, d, SW_VLAN_MACS);
	lana_pkt_pull(p, SW_VLAN_HLEN);
	lana_pkt_shift(p, -SW_VLAN_HLEN);
	return true;
}

/*
 * Learning and forwarding of a burst that entered port v->in_port: under
 * the lock, each frame's source is learned and its destination looked up
 * (verdict: the port, LANA_DROP, or "flood" marked for below); then, off
 * the lock, a flooded frame goes to the first other port and a copy to
 * each further one (lana_emit(), as tee does). With vlans = true each
 * frame is first given its VLAN (sw_ingress()), the table is keyed by
 * (VLAN, MAC) (802.1Q-2018 8.8: a Filtering Database per VLAN under
 * independent learning), floods reach only the VLAN's member ports, and
 * every frame and copy is tagged or untagged for its egress port
 * (sw_egress()); the copies are made from the frame as it entered,
 * before the original itself is changed.
 */
static int switch_rx(struct lana_block *b, struct lana_burst *v)
{
	struct sw_priv *sp = b->priv;
	const struct sw_live *l = v->live;
	struct sw_pcpu *c = lana_block_pcpu(b);
	uint16_t in = v->in_port, p;
	bool flood[LANA_BURST];
	uint16_t vid[LANA_BURST];
	uint64_t ks[LANA_BURST], kd[LANA_BURST];
	uint32_t hs[LANA_BURST], hd[LANA_BURST];
	uint64_t now = lana_now_ns();
	uint32_t all = (uint32_t)((1ull << sp->nports) - 1);
	unsigned int i, nflood = 0, nvdrop = 0;

	if (in >= sp->nports) {		/* cannot happen: in[ports] */
		for (i = 0; i < v->n; i++)
			v->verdict[i] = LANA_DROP;
		return LANA_RX_VERDICTS;
	}
	/*
	 * First, off the lock, each frame's VLAN and the keys and home slots
	 * of its source (to learn) and destination (to look up), whose
	 * slots are prefetched: the cache misses of a burst's probes then
	 * overlap instead of adding up (VPP's node loops and DPDK's
	 * rte_hash_lookup_bulk() prefetch the same way).
	 */
	for (i = 0; i < v->n; i++) {
		const uint8_t *d = lana_pkt_data(v->pkt[i]);
		uint32_t len = lana_pkt_len(v->pkt[i]);

		flood[i] = false;
		vid[i] = 0;
		ks[i] = kd[i] = 0;
		if (len < 14) {
			v->verdict[i] = LANA_DROP;
			continue;
		}
		if (sp->vlans) {
			vid[i] = sw_ingress(sp, in, d, len);
			if (!vid[i]) {
				v->verdict[i] = LANA_DROP;
				nvdrop++;
				continue;
			}
		}
		v->verdict[i] = 0;
		if (sp->learning && !(d[6] & 1)) {
			ks[i] = sw_key(d + 6, vid[i]);
			hs[i] = sw_home(sp, ks[i]);
			__builtin_prefetch(&sp->tab[hs[i]], 1);
		}
		if (!(d[0] & 1)) {
			kd[i] = sw_key(d, vid[i]);
			hd[i] = sw_home(sp, kd[i]);
			__builtin_prefetch(&sp->tab[hd[i]], 0);
		}
	}
	lana_lock(&sp->lock);
	sw_sweep(sp, now, l->aging_ns);
	for (i = 0; i < v->n; i++) {
		int port;

		if (v->verdict[i] == LANA_DROP)
			continue;
		if (ks[i])
			sw_learn(sp, ks[i], hs[i], in, now);
		port = kd[i] ? sw_lookup(sp, kd[i], hd[i], now, l->aging_ns) :
			       -1;
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

	for (i = 0; i < v->n; i++) {
		if (flood[i]) {
			uint32_t m = (sp->vlans ? sp->vmember[vid[i]] : all) &
				     ~(1u << in);
			uint16_t first;

			if (!m) {	/* the VLAN's only port */
				v->verdict[i] = LANA_DROP;
				sw_cnt(&c->dropped[in], 1);
				continue;
			}
			first = (uint16_t)__builtin_ctz(m);
			for (p = first + 1; p < sp->nports; p++) {
				struct lana_pkt *q;

				if (!(m & 1u << p))
					continue;
				q = lana_pkt_copy(b, v->pkt[i]);
				if (q && !sw_egress(sp, q, in, p, vid[i])) {
					lana_pkt_free(q);
					q = NULL;
				}
				if (!q) {
					sw_cnt(&c->dropped[in], 1);
					continue;
				}
				lana_emit(b, p, q);
				sw_cnt(&c->tx[p], 1);
			}
			v->verdict[i] = first;
		}
		if (v->verdict[i] != LANA_DROP &&
		    !sw_egress(sp, v->pkt[i], in, v->verdict[i], vid[i]))
			v->verdict[i] = LANA_DROP;
		if (v->verdict[i] == LANA_DROP)
			sw_cnt(&c->dropped[in], 1);
		else
			sw_cnt(&c->tx[v->verdict[i]], 1);
	}
	sw_cnt(&c->rx[in], v->n);
	sw_cnt(&c->flooded[in], nflood);
	if (nvdrop)
		sw_cnt(&c->vlan_dropped, nvdrop);
	return LANA_RX_VERDICTS;
}

static unsigned int switch_stats(const struct lana_block *b,
				 struct lana_stat *out, unsigned int max)
{
	struct sw_priv *sp = b->priv;
	unsigned int n = 0, k, p;

	if (max < 3 + 4 * sp->nports)
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
	out[n].name = "vlan_dropped";
	out[n++].value = lana_pcpu_sum(b, offsetof(struct sw_pcpu,
						   vlan_dropped));
	return n;
}

/*
 * The Filtering Database as a table (the type's table op): one row per
 * entry, in slot order of the hash table (not sorted; `bridge fdb show`
 * lists its hash chains too), *@pos being the next slot to look at:
 * mac ("02:00:00:00:00:0a"), vlan (its VID with vlans = true, else "-"), port
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
		lana_row_mac(r->col[0].val, k);
		r->col[1].key = "vlan";
		if (sp->vlans)
			snprintf(r->col[1].val, sizeof(r->col[1].val), "%u",
				 (unsigned int)(k >> 48) & 0xfff);
		else
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
		    "max_entries = 4096, static, vlans = false, "
		    "port_vlans)   "
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
	       "by every patch that does not replace the switch. With vlans "
	       "= true it is VLAN-aware (IEEE 802.1Q, as the Linux bridge's "
	       "vlan_filtering): port_vlans makes each port \"access VID\" "
	       "(untagged or priority-tagged frames of one VLAN) or "
	       "\"trunk VID,VID,...\" "
	       "(frames tagged with one of them); other frames are dropped "
	       "(vlan_dropped); learning is per (VLAN, MAC), floods stay in "
	       "the VLAN, frames leave trunks tagged and access ports "
	       "untagged, and static entries are \"MAC PORT VLAN\".",
	.params = switch_params,
	.ports = switch_ports,
	.counters = switch_counters,
	.engines = LANA_ENGINE_ALL,
	.priv_size = sizeof(struct sw_priv),
	.pcpu_size = sizeof(struct sw_pcpu),
	.check = switch_check,
	.init = switch_init,
	.fini = switch_fini,
	.live = switch_live,
	.live_free = lana_live_free,
	.rx = switch_rx,
	.stats = switch_stats,
	.table = switch_table,
};
