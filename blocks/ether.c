// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/ether.c - rewrite the Ethernet source and destination address.
 *
 * ether(src, dst)   in: eth -> out: eth
 *
 * Writes @dst into bytes 0..5 and @src into bytes 6..11 of every frame
 * (the MAC header of IEEE 802.3-2018 clause 3.1.1: destination address,
 * then source address). Both are optional and live: a block with neither
 * passes frames unchanged until a SET gives it one. Frames shorter than a
 * MAC header (14 bytes: two addresses and the EtherType) are dropped.
 *
 * The addresses are covered by no checksum and do not move any header, so
 * frames whose checksum is left to offload and GSO super-frames pass
 * intact (no LANA_BT_FINAL); the kernel's skb_ensure_writable() (through
 * lana_pkt_writable()) unshares the header a packet tap may still see.
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

enum { ETHER_P_SRC, ETHER_P_DST, ETHER_P_MAX };

static const struct lana_param ether_params[] = {
	[ETHER_P_SRC] = {
		.name = "src", .type = LANA_PT_MAC, .flags = LANA_PF_LIVE,
		.doc = "source address to write (an individual address); "
		       "absent: left as it is",
	},
	[ETHER_P_DST] = {
		.name = "dst", .type = LANA_PT_MAC, .flags = LANA_PF_LIVE,
		.doc = "destination address to write; absent: left as it is",
	},
	[ETHER_P_MAX] = LANA_PARAM_END
};

static const struct lana_port ether_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to rewrite" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames with the addresses written" },
	LANA_PORT_END
};

#define ETHER_ALEN	6
#define ETHER_HLEN	14	/* destination, source, EtherType */
#define ETHER_DST_OFF	0
#define ETHER_SRC_OFF	6

struct ether_pcpu {
	uint64_t rewritten;
	uint64_t dropped;
};

static const struct lana_counter ether_counters[] = {
	LANA_COUNTER(struct ether_pcpu, rewritten,
		     "frames passed to out, with the given addresses written"),
	LANA_COUNTER(struct ether_pcpu, dropped,
		     "frames dropped: shorter than 14 bytes, or not writable"),
	LANA_COUNTER_END
};

/*
 * The live object, one per graph version: which addresses to write and
 * what. A SET makes a new one for the next version, so every packet of a
 * version sees one pair of addresses.
 */
struct ether_live {
	bool set_src;
	bool set_dst;
	uint8_t src[ETHER_ALEN];
	uint8_t dst[ETHER_ALEN];
};

/*
 * The live op: src and dst as given. A source address must be an
 * individual address: IEEE 802-2014 clause 8.2 (the I/G bit, the least
 * significant bit of the first octet, is 1 for group addresses, which
 * identify no single sender).
 */
static int ether_live(struct lana_block *b, const struct lana_value *params,
		      void **out)
{
	const struct lana_value *src = &params[ETHER_P_SRC];
	const struct lana_value *dst = &params[ETHER_P_DST];
	struct ether_live *l;

	if (src->type != LANA_PT_NONE && src->type != LANA_PT_MAC) {
		lana_block_error(b, "src must be a MAC address");
		return -EINVAL;
	}
	if (dst->type != LANA_PT_NONE && dst->type != LANA_PT_MAC) {
		lana_block_error(b, "dst must be a MAC address");
		return -EINVAL;
	}
	if (src->type == LANA_PT_MAC && (src->mac[0] & 0x01)) {
		lana_block_error(b, "src %02x:%02x:%02x:%02x:%02x:%02x is a "
				 "group (multicast or broadcast) address; a "
				 "source address must be an individual one",
				 src->mac[0], src->mac[1], src->mac[2],
				 src->mac[3], src->mac[4], src->mac[5]);
		return -EINVAL;
	}
	l = lana_live_alloc(b, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (src->type == LANA_PT_MAC) {
		l->set_src = true;
		memcpy(l->src, src->mac, ETHER_ALEN);
	}
	if (dst->type == LANA_PT_MAC) {
		l->set_dst = true;
		memcpy(l->dst, dst->mac, ETHER_ALEN);
	}
	*out = l;
	return 0;
}

static int ether_rx(struct lana_block *b, struct lana_burst *v)
{
	const struct ether_live *l = v->live;
	bool write = l->set_src || l->set_dst;
	unsigned int i, done = 0, bad = 0;
	struct ether_pcpu *c;

	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		uint8_t *d = NULL;

		if (lana_pkt_len(p) >= ETHER_HLEN)
			d = write ? lana_pkt_writable(p, ETHER_SRC_OFF +
						      ETHER_ALEN)
				  : lana_pkt_data(p);
		if (!d) {
			v->verdict[i] = LANA_DROP;
			bad++;
			continue;
		}
		if (l->set_dst)
			memcpy(d + ETHER_DST_OFF, l->dst, ETHER_ALEN);
		if (l->set_src)
			memcpy(d + ETHER_SRC_OFF, l->src, ETHER_ALEN);
		v->verdict[i] = 0;
		done++;
	}
	c = lana_block_pcpu(b);
	__atomic_store_n(&c->rewritten, c->rewritten + done, __ATOMIC_RELAXED);
	if (!bad)
		return 0;
	__atomic_store_n(&c->dropped, c->dropped + bad, __ATOMIC_RELAXED);
	return LANA_RX_VERDICTS;
}

LANA_BLOCK_TYPE(ether) = {
	.name = "ether",
	.synopsis = "ether(src, dst)   in: eth -> out: eth",
	.doc = "Rewrite the Ethernet source and/or destination address of "
	       "every frame. Both are optional and live (SET); a block with "
	       "neither passes frames unchanged. src must be an individual "
	       "(not a group) address. Frames shorter than 14 bytes are "
	       "dropped. Checksums are not affected: frames with a checksum "
	       "left to offload and GSO super-frames pass intact.",
	.params = ether_params,
	.ports = ether_ports,
	.counters = ether_counters,
	.engines = LANA_ENGINE_ALL,
	.pcpu_size = sizeof(struct ether_pcpu),
	.live = ether_live,
	.live_free = lana_live_free,
	.rx = ether_rx,
};
