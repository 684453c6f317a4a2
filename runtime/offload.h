/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/offload.h - completing frames whose checksum or segmentation
 * was left to offload (runtime/offload.c): the userspace engine's
 * software fallback for what a NIC does at transmit.
 */
#ifndef LANA_OFFLOAD_H
#define LANA_OFFLOAD_H

#include "blocks/lana_block.h"

#include <stddef.h>
#include <stdint.h>

/**
 * lana_csum_add() - add @len bytes at @buf to a ones' complement sum.
 * @sum: running 32-bit sum (0 to start)
 * @buf: bytes, summed as big-endian 16-bit words; an odd trailing byte is
 *       padded with a zero byte (RFC 1071 sec. 4.1)
 * @len: length in bytes
 *
 * Every call must start at an even offset of the checksummed data.
 * Return: the new unfolded sum (end-around carries kept in 32 bits).
 */
uint32_t lana_csum_add(uint32_t sum, const void *buf, size_t len);

/**
 * lana_csum_fold() - fold a sum to 16 bits and complement it (RFC 1071):
 * the value to store in a checksum field, in host byte order.
 */
uint16_t lana_csum_fold(uint32_t sum);

/**
 * lana_pkt_csum_complete() - write the checksum a sender left to offload.
 * @p: packet; acts only when p->off has LANA_PKT_F_NEEDS_CSUM
 *
 * Sums the bytes from csum_start to the end of the frame, whose checksum
 * field (at csum_start + csum_offset) holds the pseudo-header sum (virtio
 * spec 1.1 sec. 5.1.6.2), and stores the complement there (RFC 1071); a
 * result of 0 is stored as 0xffff (RFC 768, and equal in ones'
 * complement for TCP). Clears LANA_PKT_F_NEEDS_CSUM.
 * Return: 0, or -EINVAL when csum_start/csum_offset lie outside the frame.
 */
int lana_pkt_csum_complete(struct lana_pkt *p);

/**
 * lana_pkt_finish() - make the bytes of @p final: what a NIC would send.
 * @p: packet, possibly with offload metadata (p->off)
 *
 * A frame that is not a GSO super-frame gets its partial checksum
 * completed (lana_pkt_csum_complete()). A GSO super-frame (TCPV4, TCPV6,
 * UDP_L4; Documentation/networking/segmentation-offloads.rst) is cut into
 * segments of gso_size payload bytes: @p becomes the first, the others
 * are new packets chained at p->next (before whatever p->next was). Each
 * gets its own IPv4 total length, ID (incremented per segment) and header
 * checksum (RFC 791) or IPv6 payload length, and a full TCP or UDP
 * checksum over the pseudo header; TCP segments get consecutive sequence
 * numbers, FIN and PSH only on the last one and CWR only on the first;
 * UDP datagrams their own length. The metadata of every result is
 * cleared. Link-layer tags (802.1Q, 802.1ad) before the IP header are
 * kept in every segment.
 *
 * Return: the number of packets @p now stands for (1 for a single frame),
 * or -errno with @p unchanged: -EINVAL (headers do not match the
 * metadata), -EPROTONOSUPPORT (not IPv4/IPv6, or UFO), -ENOMEM.
 */
int lana_pkt_finish(struct lana_pkt *p);

#endif /* LANA_OFFLOAD_H */
