/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/lana_pkt.h - the userspace engine's packet: a buffer with
 * headroom, like a minimal sk_buff. Included through blocks/lana_block.h;
 * the accessors are inline because every block calls them per packet.
 */
#ifndef LANA_PKT_H
#define LANA_PKT_H

#include <stdint.h>

#define LANA_PKT_HEADROOM 64		/* bytes before the frame (vlan push) */
#define LANA_PKT_STD_SIZE 2048		/* pooled buffer size, headroom included */

/**
 * struct lana_pkt - one frame.
 * @data:  first byte of the frame
 * @len:   frame length in bytes
 * @size:  bytes of @buf (headroom + room for the frame)
 * @ts_ns: receive timestamp (CLOCK_REALTIME ns), 0 if unknown
 * @next:  free list / queue link
 * @buf:   storage
 */
struct lana_pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t size;
	uint64_t ts_ns;
	struct lana_pkt *next;
	uint8_t buf[];
};

static inline uint8_t *lana_pkt_data(struct lana_pkt *p)
{
	return p->data;
}

static inline uint32_t lana_pkt_len(const struct lana_pkt *p)
{
	return p->len;
}

static inline uint8_t *lana_pkt_push(struct lana_pkt *p, uint32_t n)
{
	if ((uint32_t)(p->data - p->buf) < n)
		return (uint8_t *)0;
	p->data -= n;
	p->len += n;
	return p->data;
}

static inline uint8_t *lana_pkt_pull(struct lana_pkt *p, uint32_t n)
{
	if (n > p->len)
		return (uint8_t *)0;
	p->data += n;
	p->len -= n;
	return p->data;
}

static inline void lana_pkt_trim(struct lana_pkt *p, uint32_t len)
{
	if (len < p->len)
		p->len = len;
}

static inline uint8_t *lana_pkt_writable(struct lana_pkt *p, uint32_t n)
{
	return n <= p->len ? p->data : (uint8_t *)0;
}

/**
 * lana_pkt_get() - a packet with room for @len frame bytes after the
 * headroom, @len set, contents undefined; from this thread's pool for
 * standard sizes. NULL on out-of-memory.
 */
struct lana_pkt *lana_pkt_get(uint32_t len);

/** lana_pkt_pool_drain() - free this thread's pooled buffers (thread exit). */
void lana_pkt_pool_drain(void);

#endif /* LANA_PKT_H */
