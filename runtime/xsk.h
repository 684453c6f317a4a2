/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/xsk.h - AF_XDP device I/O of the userspace engine, behind
 * eth(mode = xdp) and eth(mode = auto) (runtime/dev.c dispatches to it).
 *
 * One AF_XDP socket per receive queue of the interface, each with its own
 * UMEM of LANA_XSK_FRAMES frames of LANA_XSK_FRAME_SIZE bytes, half of
 * them for receive (always in the fill ring or the RX ring), half for
 * transmit; libxdp's default XDP program (loaded by xsk_socket__create(),
 * libxdp(3)) redirects every frame of a queue to its socket. References:
 * kernel Documentation/networking/af_xdp.rst, libxdp(3), the netdev
 * netlink family (Documentation/netlink/specs/netdev.yaml: xdp-features).
 *
 * Attach order (mode = xdp): native XDP with zero-copy, native XDP in copy
 * mode (XDP_COPY, e.g. veth), generic (SKB) XDP in copy mode; the first
 * that works for every queue is kept. mode = auto tries only native
 * zero-copy, and only on a driver that advertises it (xdp-features
 * xsk-zerocopy): docs/runtime.md explains, with measurements, why copy
 * mode on veth stays on AF_PACKET.
 *
 * Frames cross the graph as copies: a received frame is copied out of the
 * UMEM into a lana_pkt and its UMEM frame goes back to the fill ring at
 * once; a transmitted one is copied into a free TX frame. XDP frames carry
 * no offload metadata: partial checksums and GSO super-frames are
 * completed in software (lana_pkt_finish()) before they go out.
 *
 * Threads: as runtime/dev.h says for eth. lana_xsk_poll() runs in the one
 * worker the device is pinned to (all queues), or, spread over several
 * workers (lana_xsk_spread()), lana_xsk_poll_group() of each queue group
 * in its worker; lana_xsk_xmit() in any
 * worker (a mutex per socket guards its TX ring, completion ring and TX
 * frames); nothing waits on a ring.
 */
#ifndef LANA_XSK_H
#define LANA_XSK_H

#include "blocks/lana_block.h"

#include <stddef.h>
#include <stdint.h>

#define LANA_XSK_FRAME_SIZE	4096	/* bytes per UMEM frame */
#define LANA_XSK_FRAMES		4096	/* UMEM frames per socket */

struct lana_xsk;

/* lana_xsk_open() flags */
#define LANA_XSK_ZC_ONLY	0x1	/* native zero-copy or nothing (auto) */

/**
 * lana_xsk_open() - AF_XDP sockets on every RX queue of @ifname.
 * @b:      the owning block (its engine gets libxdp's messages, LOG_DEBUG)
 * @ifname: interface name
 * @flags:  LANA_XSK_ZC_ONLY: only native XDP with zero-copy, and only if
 *          the driver advertises it
 * @out:    the opened sockets on success
 * @why:    on failure, why (for the log line of the AF_PACKET fallback)
 * @whylen: bytes at @why
 *
 * Return: 0, or -errno (every attempt failed; nothing is left attached
 * that this call attached).
 */
int lana_xsk_open(struct lana_block *b, const char *ifname,
		  unsigned int flags, struct lana_xsk **out, char *why,
		  size_t whylen);

/**
 * lana_xsk_describe() - how @x is attached, for the log: e.g. "native
 * XDP, copy mode, 2 queues".
 */
const char *lana_xsk_describe(const struct lana_xsk *x);

/**
 * lana_xsk_fd() - the descriptor poll(2) reports readable when a frame
 * waits on any queue: the socket of a single queue, else an epoll(7)
 * descriptor over all of them.
 */
int lana_xsk_fd(const struct lana_xsk *x);

/**
 * lana_xsk_spread() - split the queue sockets of @x into @n groups, one
 * per worker (fewer when the interface has fewer queues), round robin:
 * queue i in group i mod groups. Before any poll (control thread).
 * Return: the number of groups (1: all queues in one, as opened), or
 * -errno (epoll_create1(2), epoll_ctl(2)).
 */
int lana_xsk_spread(struct lana_xsk *x, unsigned int n);

/**
 * lana_xsk_group_fd() - lana_xsk_fd() of queue group @g
 * (lana_xsk_spread()).
 */
int lana_xsk_group_fd(const struct lana_xsk *x, unsigned int g);

/**
 * lana_xsk_poll_group() - lana_xsk_poll() of the queues of group @g only
 * (lana_xsk_spread()); each group is polled by one worker.
 */
int lana_xsk_poll_group(struct lana_xsk *x, unsigned int g,
			struct lana_burst *v);

/**
 * lana_xsk_poll() - receive up to LANA_BURST frames from the RX rings of
 * all queues into @v (copies, no offload metadata, ts_ns CLOCK_REALTIME
 * at the poll), refilling the fill ring with every frame consumed; also
 * reaps completions and kicks a TX ring the kernel left frames in.
 * Return: frames received (v->n).
 */
int lana_xsk_poll(struct lana_xsk *x, struct lana_burst *v);

/**
 * lana_xsk_xmit() - queue the packets of @v on a TX ring (completed in
 * software first if partial, lana_pkt_finish()) and kick the kernel with
 * a non-blocking sendto(2). A frame that finds no free UMEM frame or no
 * TX ring slot, or is longer than a UMEM frame, is dropped and counted.
 * Packets whose finish split them are freed here (v->pkt[i] set to NULL);
 * the caller frees the rest.
 * Return: packets of @v sent (a split packet counts once, if all its
 * segments were queued).
 */
unsigned int lana_xsk_xmit(struct lana_xsk *x, struct lana_burst *v);

/**
 * lana_xsk_stats() - frames received and sent, and dropped: ours (no
 * packet buffer, TX ring or frames full, oversize) plus the kernel's
 * (XDP_STATISTICS: rx_dropped, rx_ring_full, rx/tx_invalid_descs).
 * NULL pointers are skipped.
 */
void lana_xsk_stats(const struct lana_xsk *x, uint64_t *rx, uint64_t *tx,
		    uint64_t *drops);

/**
 * lana_xsk_close() - delete the sockets and UMEMs (libxdp detaches its
 * program with the last socket of the interface). NULL is a no-op.
 */
void lana_xsk_close(struct lana_xsk *x);

#endif /* LANA_XSK_H */
