/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/dev.h - device I/O of the userspace engine: the lana_dev_* calls
 * of blocks/lana_block.h for the virtual link blocks eth and tap (thesis
 * ch. 4.2.6, 5.4.1, 5.4.2).
 *
 * eth: an AF_PACKET socket bound to the interface (packet(7)) with a
 *      TPACKET_V2 memory-mapped receive ring (kernel
 *      Documentation/networking/packet_mmap.rst: every frame wakes the
 *      worker at once, no block retire timer) and batched transmit with
 *      sendmmsg(2). Frames the host itself sends on the interface, including
 *      the ones we transmit, are not received (PACKET_IGNORE_OUTGOING, or
 *      skipped by sll_pkttype == PACKET_OUTGOING on kernels before 4.20).
 *      With eth(mode = xdp), or auto on a driver with AF_XDP zero-copy,
 *      AF_XDP sockets instead (runtime/xsk.h); the AF_PACKET socket then
 *      stays unbound, kept only for the promiscuous-mode membership.
 *      With several workers, one AF_PACKET socket per worker in a
 *      PACKET_FANOUT group (each a device of its own, "queue", polled by
 *      its worker), or the AF_XDP queues spread over the workers:
 *      runtime/dev.c "Fanout".
 * tap: a TAP device from /dev/net/tun (kernel
 *      Documentation/networking/tuntap.rst), IFF_TAP | IFF_NO_PI |
 *      IFF_MULTI_QUEUE | IFF_VNET_HDR, brought up with the requested MAC address and MTU.
 *      It disappears when the last file descriptor attached to it closes.
 *      Because it is multi-queue, a REPLACE of the tap block (whose new
 *      instance is built while the old one still runs) attaches a second
 *      queue to the same device instead of failing, so the device, its
 *      ifindex and the addresses the host configured on it survive.
 *
 * Threads (see runtime/engine_internal.h): lana_dev_open(),
 * lana_tap_open() and lana_dev_set_promisc() run in the control thread,
 * lana_dev_poll() in the one worker the engine pins the device (or a
 * queue of it) to, lana_dev_xmit() in any worker concurrently,
 * lana_dev_close() in the reclaim thread after a grace period,
 * lana_dev_stats() anywhere, and the calls of the device monitor
 * (lana_dev_link_event() and the others of runtime/engine_internal.h: an
 * interface deleted under a device, and its return; runtime/dev.c "Gone
 * and back") in the monitor's thread.
 *
 * Offloads: frames move with their virtio-net header (PACKET_VNET_HDR on
 * the AF_PACKET socket, IFF_VNET_HDR on the TAP; packet(7), tuntap.rst),
 * so a frame whose checksum the sender left to offload, or a TSO/GSO
 * super-frame of up to 64 KiB, crosses the graph as one packet with its
 * metadata in lana_pkt.off and leaves the same way; the kernel completes
 * it where the egress device needs that. Blocks that need final bytes
 * declare LANA_BT_FINAL (the PPE completes frames for them). A frame the
 * kernel refuses to take with its metadata, or any partial frame on a
 * socket without PACKET_VNET_HDR, is completed in software
 * (lana_pkt_finish()) and sent as plain frames. Offloads stay on: nobody
 * needs ethtool.
 */
#ifndef LANA_DEV_H
#define LANA_DEV_H

#include "blocks/lana_block.h"

#include <stdint.h>

/*
 * TPACKET_V2 receive ring geometry of an eth device: 4096 slots of 2 KiB
 * (8 MiB). A slot holds a 1500-byte-MTU frame with its tag and headers;
 * larger frames come through PACKET_COPY_THRESH (runtime/dev.c).
 */
#define LANA_DEV_RING_BLOCK_SIZE (1u << 20)	/* bytes per ring block */
#define LANA_DEV_RING_BLOCKS	 8		/* ring blocks */
#define LANA_DEV_RING_FRAME_SIZE 2048		/* bytes per slot */

/**
 * lana_dev_poll() - receive up to LANA_BURST frames of @d into @v (see
 * runtime/engine_internal.h, which declares it for the engine).
 * eth: frames are copied out of the TPACKET_V2 ring (or, when larger than a
 * slot, read whole from the socket) into packets from lana_pkt_get()
 * (ts_ns from the tpacket2 header, CLOCK_REALTIME), their virtio-net
 * header into the packet's offload metadata; a VLAN
 * tag the kernel or the NIC stripped (TP_STATUS_VLAN_VALID) is put back
 * into the frame, so blocks see the frame as it was on the wire; frames
 * truncated by the ring are counted as drops.
 * tap: non-blocking read(2) of frames the host sent on the device.
 * Returns the number of frames (v->n), 0 when none is waiting, -1 when the
 * device failed for good (tap deleted under us).
 */
int lana_dev_poll(struct lana_dev *d, struct lana_burst *v);

/** lana_dev_fd() - the descriptor poll(2) reports readable for @d. */
int lana_dev_fd(const struct lana_dev *d);

/** lana_dev_name() - interface name of @d. */
const char *lana_dev_name(const struct lana_dev *d);

/**
 * lana_dev_ifindex() - interface index of @d (if_nametoindex(3)); an eth
 * reattached to a re-created interface has the new one.
 */
int lana_dev_ifindex(const struct lana_dev *d);

#endif /* LANA_DEV_H */
