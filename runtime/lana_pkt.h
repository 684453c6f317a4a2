/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/lana_pkt.h - the userspace engine's packet: a buffer with
 * headroom, like a minimal sk_buff. Included through blocks/lana_block.h;
 * the accessors are inline because every block calls them per packet.
 */
#ifndef LANA_PKT_H
#define LANA_PKT_H

#include <stdbool.h>
#include <stdint.h>

#define LANA_PKT_HEADROOM 64		/* bytes before the frame (vlan push) */
#define LANA_PKT_STD_SIZE 2048		/* pooled buffer size, headroom included */
#define LANA_PKT_BIG_SIZE (65536 + 1024) /* pooled buffer for a GSO super-frame
					  * (64 KiB + Ethernet header + tags),
					  * headroom included */

/*
 * Offload metadata: the virtio-net header (virtio spec 1.1 sec. 5.1.6,
 * struct virtio_net_hdr of <linux/virtio_net.h>) a frame came with, in
 * host byte order; the same numbers as VIRTIO_NET_HDR_F_* and
 * VIRTIO_NET_HDR_GSO_* (runtime/offload.c checks that at build time).
 */
#define LANA_PKT_F_NEEDS_CSUM	0x01	/* checksum at csum_start/offset is
					 * only the pseudo-header sum */
#define LANA_PKT_F_DATA_VALID	0x02	/* checksums verified (receive) */

#define LANA_GSO_NONE	0	/* a single frame */
#define LANA_GSO_TCPV4	1	/* TCP over IPv4, split by gso_size */
#define LANA_GSO_UDP	3	/* UFO (IP fragmentation): not produced */
#define LANA_GSO_TCPV6	4	/* TCP over IPv6 */
#define LANA_GSO_UDP_L4	5	/* UDP datagrams of gso_size payload bytes */
#define LANA_GSO_ECN	0x80	/* flag: TCP with ECN, CWR on first only */

/**
 * struct lana_pkt_offload - partial checksum and segmentation metadata.
 * @flags:       LANA_PKT_F_*
 * @gso_type:    LANA_GSO_*; not NONE: the frame is a super-frame whose
 *               payload is cut into @gso_size pieces on the way out
 * @hdr_len:     bytes of headers up to the payload (hint, may be 0)
 * @gso_size:    payload bytes per segment (TCP MSS, UDP datagram)
 * @csum_start:  offset from lana_pkt_data() where checksumming starts
 *               (the L4 header) when LANA_PKT_F_NEEDS_CSUM
 * @csum_offset: offset from @csum_start where the checksum goes
 *               (16 for TCP, 6 for UDP)
 *
 * All zero for an ordinary, complete frame. Blocks that move the frame's
 * start (lana_pkt_push(), lana_pkt_pull()) before @csum_start shift
 * @csum_start by as much (blocks/vlan.c); blocks that must see final
 * bytes declare LANA_BT_FINAL and get them from the engine
 * (lana_pkt_finish(), runtime/offload.c).
 */
struct lana_pkt_offload {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/**
 * struct lana_pkt - one frame.
 * @data:  first byte of the frame
 * @len:   frame length in bytes
 * @size:  bytes of @buf (headroom + room for the frame)
 * @ts_ns: receive timestamp (CLOCK_REALTIME ns), 0 if unknown
 * @off:   offload metadata (partial checksum, GSO), zero if none
 * @next:  free list / queue link; the segments lana_pkt_finish() made
 * @buf:   storage
 */
struct lana_pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t size;
	uint64_t ts_ns;
	struct lana_pkt_offload off;
	struct lana_pkt *next;
	uint8_t buf[];
};

/**
 * lana_pkt_partial() - true if @p's bytes are not final: its checksum is
 * left to offload (LANA_PKT_F_NEEDS_CSUM) or it is a GSO super-frame.
 */
static inline bool lana_pkt_partial(const struct lana_pkt *p)
{
	return (p->off.flags & LANA_PKT_F_NEEDS_CSUM) ||
	       p->off.gso_type != LANA_GSO_NONE;
}

/**
 * lana_pkt_shift() - the frame's start moved by @delta bytes (positive:
 * bytes inserted before the L3 header, e.g. a VLAN tag pushed; negative:
 * removed): keep @p's csum_start pointing at the same L4 header.
 */
static inline void lana_pkt_shift(struct lana_pkt *p, int delta)
{
	if (p->off.flags & LANA_PKT_F_NEEDS_CSUM)
		p->off.csum_start = (uint16_t)(p->off.csum_start + delta);
	if (p->off.hdr_len)
		p->off.hdr_len = (uint16_t)(p->off.hdr_len + delta);
}

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
 * headroom, @len set, contents undefined; from this thread's pools for
 * up to LANA_PKT_STD_SIZE and LANA_PKT_BIG_SIZE bytes with headroom.
 * NULL on out-of-memory.
 */
struct lana_pkt *lana_pkt_get(uint32_t len);

/** lana_pkt_pool_drain() - free this thread's pooled buffers (thread exit). */
void lana_pkt_pool_drain(void);

#endif /* LANA_PKT_H */
