/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/lana_pkt.h - the kernel engine's packet: struct lana_pkt is an
 * sk_buff in disguise (never defined; a struct lana_pkt * is a struct
 * sk_buff *). Included through blocks/lana_block.h under __KERNEL__; the
 * accessors are inline because every block calls them per packet.
 *
 * Packets inside the graph are linear and not shared (lana_ppe_input()
 * makes them so), so lana_pkt_data() .. + lana_pkt_len() is readable.
 * Their data may still be a clone's (shared with a packet tap): blocks
 * that write call lana_pkt_writable() or lana_pkt_push() first.
 */
#ifndef LANA_KMOD_PKT_H
#define LANA_KMOD_PKT_H

#include <linux/skbuff.h>

struct lana_pkt;

/** lana_pkt_skb() - the sk_buff of packet @p. */
static inline struct sk_buff *lana_pkt_skb(struct lana_pkt *p)
{
	return (struct sk_buff *)p;
}

/** lana_skb_pkt() - the packet of sk_buff @skb. */
static inline struct lana_pkt *lana_skb_pkt(struct sk_buff *skb)
{
	return (struct lana_pkt *)skb;
}

static inline uint8_t *lana_pkt_data(struct lana_pkt *p)
{
	return lana_pkt_skb(p)->data;
}

static inline uint32_t lana_pkt_len(const struct lana_pkt *p)
{
	return ((const struct sk_buff *)p)->len;
}

/* Prepend @n bytes: make room (and a private header) first. */
static inline uint8_t *lana_pkt_push(struct lana_pkt *p, uint32_t n)
{
	struct sk_buff *skb = lana_pkt_skb(p);

	if (skb_cow_head(skb, n))
		return NULL;
	return skb_push(skb, n);
}

static inline uint8_t *lana_pkt_pull(struct lana_pkt *p, uint32_t n)
{
	struct sk_buff *skb = lana_pkt_skb(p);

	if (n > skb_headlen(skb))
		return NULL;
	return __skb_pull(skb, n);
}

static inline void lana_pkt_trim(struct lana_pkt *p, uint32_t len)
{
	struct sk_buff *skb = lana_pkt_skb(p);

	if (len < skb->len)
		skb_trim(skb, len);
}

/* Make the first @n bytes private and writable (unshares a clone's data). */
static inline uint8_t *lana_pkt_writable(struct lana_pkt *p, uint32_t n)
{
	struct sk_buff *skb = lana_pkt_skb(p);

	if (n > skb->len || skb_ensure_writable(skb, n))
		return NULL;
	return skb->data;
}

/* Checksum left to offload, or a GSO super-frame (blocks/lana_block.h). */
static inline bool lana_pkt_partial(const struct lana_pkt *p)
{
	const struct sk_buff *skb = (const struct sk_buff *)p;

	return skb->ip_summed == CHECKSUM_PARTIAL || skb_is_gso(skb);
}

/* csum_start counts from skb->head, which a push or pull leaves alone. */
static inline void lana_pkt_shift(struct lana_pkt *p, int delta)
{
}

#endif /* LANA_KMOD_PKT_H */
