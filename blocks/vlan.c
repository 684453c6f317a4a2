// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/vlan.c - IEEE 802.1Q VLAN tagging.
 *
 * vlan(op, vid = 1, pcp = 0)   in: eth -> out: eth, reject: eth (optional)
 *
 * op = push inserts an 802.1Q tag (TPID 0x8100) with @vid and priority
 * @pcp; op = pop removes the tag of frames tagged with @vid; op = filter
 * passes frames tagged with @vid unchanged. Frames that do not carry @vid
 * (pop, filter) leave at `reject`, or are dropped when it is unconnected.
 *
 * Frames with a checksum left to offload or GSO super-frames stay so: the
 * tag moves the L4 header by 4 bytes, and lana_pkt_shift() moves the
 * metadata (csum_start, hdr_len) with it; the tag itself is not covered
 * by any checksum and the kernel segments tagged super-frames.
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

static const char *const vlan_ops[] = { "push", "pop", "filter", NULL };

enum { VLAN_P_OP, VLAN_P_VID, VLAN_P_PCP, VLAN_P_MAX };

static const struct lana_param vlan_params[] = {
	[VLAN_P_OP] = {
		.name = "op", .type = LANA_PT_ENUM, .flags = LANA_PF_REQUIRED,
		.symbols = vlan_ops,
		.doc = "push a tag, pop a tag, or filter on the tag",
	},
	[VLAN_P_VID] = {
		.name = "vid", .type = LANA_PT_U16,
		.flags = LANA_PF_RANGE | LANA_PF_LIVE, .min = 1, .max = 4094,
		.def = "1",
		.doc = "VLAN identifier",
	},
	[VLAN_P_PCP] = {
		.name = "pcp", .type = LANA_PT_U8,
		.flags = LANA_PF_RANGE | LANA_PF_LIVE, .min = 0, .max = 7,
		.def = "0",
		.doc = "priority code point of pushed tags",
	},
	[VLAN_P_MAX] = LANA_PARAM_END
};

static const struct lana_port vlan_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to tag, untag or filter" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "processed frames" },
	{ .name = "reject", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames that do not carry vid (pop, filter)" },
	LANA_PORT_END
};

/*
 * IEEE 802.1Q-2018 clause 9: a tag is inserted between the source MAC
 * address and the EtherType: TPID 0x8100 (2 bytes), then the TCI with
 * PCP (3 bits), DEI (1 bit, sent as 0) and VID (12 bits), big-endian.
 */
#define VLAN_TPID	0x8100
#define VLAN_HLEN	4
#define VLAN_MACS	12	/* destination + source MAC address */
#define VLAN_VID_MASK	0x0fff

enum vlan_op { VLAN_PUSH, VLAN_POP, VLAN_FILTER };

/*
 * @op is fixed for the instance's life; vid and pcp are live parameters:
 * they form the live object (struct vlan_live, the tag's TCI), one per
 * graph version, which rx gets as v->live. A SET makes a new object for
 * the next version, so packets of the running version keep the old tag.
 */
struct vlan_priv {
	uint8_t op;
};

struct vlan_live {
	uint16_t tci;
};

struct vlan_pcpu {
	uint64_t done;		/* pushed, popped or passed */
	uint64_t rejected;	/* not tagged with vid (pop, filter) */
	uint64_t dropped;	/* push: runt frame or no headroom */
};

/*
 * Two counters, named after @op: vlan_stats() reports @done as pushed,
 * popped or passed, and then dropped (push) or rejected (pop, filter).
 */
static const struct lana_counter vlan_counters[] = {
	LANA_COUNTER_OP("pushed", "op = push: frames tagged"),
	LANA_COUNTER_OP("popped", "op = pop: frames untagged"),
	LANA_COUNTER_OP("passed", "op = filter: frames tagged with vid"),
	LANA_COUNTER_OP("dropped",
			"op = push: frames dropped (runt frame or no headroom)"),
	LANA_COUNTER_OP("rejected", "op = pop or filter: frames not tagged "
			"with vid (to reject), or not writable (pop)"),
	LANA_COUNTER_END
};

static const char *const vlan_done_name[] = {
	[VLAN_PUSH] = "pushed",
	[VLAN_POP] = "popped",
	[VLAN_FILTER] = "passed",
};

static uint16_t vlan_tci(uint16_t vid, uint8_t pcp)
{
	return (uint16_t)(((unsigned int)pcp << 13) | (vid & VLAN_VID_MASK));
}

static int vlan_init(struct lana_block *b, const struct lana_value *params)
{
	struct vlan_priv *vp = b->priv;
	const char *op = params[VLAN_P_OP].str;

	if (params[VLAN_P_OP].type != LANA_PT_ENUM || !op) {
		lana_block_error(b, "op is required (push, pop or filter)");
		return -EINVAL;
	}
	if (!strcmp(op, "push")) {
		vp->op = VLAN_PUSH;
	} else if (!strcmp(op, "pop")) {
		vp->op = VLAN_POP;
	} else if (!strcmp(op, "filter")) {
		vp->op = VLAN_FILTER;
	} else {
		lana_block_error(b, "unknown op '%s' (push, pop or filter)",
				 op);
		return -EINVAL;
	}
	return 0;
}

/* The live object: vid and pcp as the tag's TCI. */
static int vlan_live(struct lana_block *b, const struct lana_value *params,
		     void **out)
{
	struct vlan_live *l;
	uint64_t vid = 1, pcp = 0;

	if (params[VLAN_P_VID].type != LANA_PT_NONE)
		vid = params[VLAN_P_VID].u;
	if (params[VLAN_P_PCP].type != LANA_PT_NONE)
		pcp = params[VLAN_P_PCP].u;
	if (vid < 1 || vid > 4094) {
		lana_block_error(b, "vid %llu out of range 1..4094",
				 (unsigned long long)vid);
		return -ERANGE;
	}
	if (pcp > 7) {
		lana_block_error(b, "pcp %llu out of range 0..7",
				 (unsigned long long)pcp);
		return -ERANGE;
	}
	l = lana_live_alloc(b, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->tci = vlan_tci((uint16_t)vid, (uint8_t)pcp);
	*out = l;
	return 0;
}

/* True if the frame at @d (@len bytes) carries an 802.1Q tag with @vid. */
static inline bool vlan_has_vid(const uint8_t *d, uint32_t len, uint16_t vid)
{
	return len >= VLAN_MACS + VLAN_HLEN &&
	       d[12] == (VLAN_TPID >> 8) && d[13] == (VLAN_TPID & 0xff) &&
	       ((((unsigned int)d[14] << 8) | d[15]) & VLAN_VID_MASK) == vid;
}

static int vlan_rx(struct lana_block *b, struct lana_burst *v)
{
	const struct vlan_priv *vp = b->priv;
	const struct vlan_live *l = v->live;
	uint16_t tci = l->tci;
	uint16_t vid = tci & VLAN_VID_MASK;
	struct vlan_pcpu *c;
	unsigned int i, done = 0, bad = 0;

	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		uint8_t *d = lana_pkt_data(p);
		uint32_t len = lana_pkt_len(p);

		switch (vp->op) {
		case VLAN_PUSH:
			if (len < VLAN_MACS + 2)
				d = NULL;
			else
				d = lana_pkt_push(p, VLAN_HLEN);
			if (!d) {
				v->verdict[i] = LANA_DROP;
				bad++;
				continue;
			}
			memmove(d, d + VLAN_HLEN, VLAN_MACS);
			d[12] = VLAN_TPID >> 8;
			d[13] = VLAN_TPID & 0xff;
			d[14] = (uint8_t)(tci >> 8);
			d[15] = (uint8_t)tci;
			/* a partial checksum or GSO frame stays one */
			lana_pkt_shift(p, VLAN_HLEN);
			break;
		case VLAN_POP:
			/* keep at least a 14-byte Ethernet header */
			if (len < VLAN_MACS + VLAN_HLEN + 2 ||
			    !vlan_has_vid(d, len, vid)) {
				v->verdict[i] = 1;
				bad++;
				continue;
			}
			d = lana_pkt_writable(p, VLAN_MACS + VLAN_HLEN);
			if (!d) {
				v->verdict[i] = LANA_DROP;
				bad++;
				continue;
			}
			memmove(d + VLAN_HLEN, d, VLAN_MACS);
			lana_pkt_pull(p, VLAN_HLEN);
			lana_pkt_shift(p, -VLAN_HLEN);
			break;
		default:
			if (!vlan_has_vid(d, len, vid)) {
				v->verdict[i] = 1;
				bad++;
				continue;
			}
			break;
		}
		v->verdict[i] = 0;
		done++;
	}
	c = lana_block_pcpu(b);
	__atomic_store_n(&c->done, c->done + done, __ATOMIC_RELAXED);
	if (!bad)
		return 0;
	if (vp->op == VLAN_PUSH)
		__atomic_store_n(&c->dropped, c->dropped + bad,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&c->rejected, c->rejected + bad,
				 __ATOMIC_RELAXED);
	return LANA_RX_VERDICTS;
}

static unsigned int vlan_stats(const struct lana_block *b,
			       struct lana_stat *out, unsigned int max)
{
	const struct vlan_priv *vp = b->priv;

	if (max < 2)
		return 0;
	out[0].name = vlan_done_name[vp->op];
	out[0].value = lana_pcpu_sum(b, offsetof(struct vlan_pcpu, done));
	if (vp->op == VLAN_PUSH) {
		out[1].name = "dropped";
		out[1].value = lana_pcpu_sum(b, offsetof(struct vlan_pcpu,
							 dropped));
	} else {
		out[1].name = "rejected";
		out[1].value = lana_pcpu_sum(b, offsetof(struct vlan_pcpu,
							 rejected));
	}
	return 2;
}

LANA_BLOCK_TYPE(vlan) = {
	.name = "vlan",
	.synopsis = "vlan(op, vid = 1, pcp = 0)   "
		    "in: eth -> out: eth, reject: eth (optional)",
	.doc = "Tag, untag or filter IEEE 802.1Q VLAN frames. op = push "
	       "inserts a tag with vid and pcp; op = pop removes the tag of "
	       "frames tagged with vid; op = filter passes frames tagged with "
	       "vid unchanged. Frames that do not carry vid (pop, filter) leave "
	       "at reject, or are dropped when it is unconnected.",
	.params = vlan_params,
	.ports = vlan_ports,
	.counters = vlan_counters,
	.engines = LANA_ENGINE_ALL,
	.priv_size = sizeof(struct vlan_priv),
	.pcpu_size = sizeof(struct vlan_pcpu),
	.init = vlan_init,
	.live = vlan_live,
	.live_free = lana_live_free,
	.rx = vlan_rx,
	.stats = vlan_stats,
};
