/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/dev.h - device I/O of the userspace engine: the lana_dev_* calls
 * of blocks/lana_block.h for the virtual link blocks eth and tap (thesis
 * ch. 4.2.6, 5.4.1, 5.4.2).
 *
 * eth: an AF_PACKET socket bound to the interface (packet(7)) with a
 *      TPACKET_V3 memory-mapped receive ring (kernel
 *      Documentation/networking/packet_mmap.rst) and batched transmit with
 *      sendmmsg(2). Frames the host itself sends on the interface, including
 *      the ones we transmit, are not received (PACKET_IGNORE_OUTGOING, or
 *      skipped by sll_pkttype == PACKET_OUTGOING on kernels before 4.20).
 * tap: a TAP device from /dev/net/tun (kernel
 *      Documentation/networking/tuntap.rst), IFF_TAP | IFF_NO_PI |
 *      IFF_MULTI_QUEUE, brought up with the requested MAC address and MTU.
 *      It disappears when the last file descriptor attached to it closes.
 *      Because it is multi-queue, a REPLACE of the tap block (whose new
 *      instance is built while the old one still runs) attaches a second
 *      queue to the same device instead of failing, so the device, its
 *      ifindex and the addresses the host configured on it survive.
 *
 * Threads (see runtime/engine_internal.h): lana_dev_open(),
 * lana_tap_open() and lana_dev_set_promisc() run in the control thread,
 * lana_dev_poll() in the one worker the engine pins the device to,
 * lana_dev_xmit() in any worker concurrently, lana_dev_close() in the
 * reclaim thread after a grace period, lana_dev_stats() anywhere.
 *
 * Limitation: frames are moved as they are, without virtio-net headers, so
 * a GSO/GRO super-frame larger than the transmitting device's MTU (for
 * example TCP from a veth peer with TSO on) cannot be sent and is counted
 * as a drop; turn segmentation offloads off on such links
 * (`ethtool -K dev tso off gso off gro off`).
 */
#ifndef LANA_DEV_H
#define LANA_DEV_H

#include "blocks/lana_block.h"

#include <stdint.h>

/* TPACKET_V3 receive ring geometry of an eth device. */
#define LANA_DEV_RING_BLOCK_SIZE (1u << 20)	/* bytes per ring block */
#define LANA_DEV_RING_BLOCKS	 8		/* ring blocks */
#define LANA_DEV_RING_FRAME_SIZE 2048		/* nominal frame slot */
#define LANA_DEV_RING_TIMEOUT_MS 1		/* block retire timeout */

/**
 * lana_dev_poll() - receive up to LANA_BURST frames of @d into @v (see
 * runtime/engine_internal.h, which declares it for the engine).
 * eth: frames are copied out of the TPACKET_V3 ring into packets from
 * lana_pkt_get() (ts_ns from the tpacket3 header, CLOCK_REALTIME); a VLAN
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

/** lana_dev_ifindex() - interface index of @d (if_nametoindex(3)). */
int lana_dev_ifindex(const struct lana_dev *d);

#endif /* LANA_DEV_H */
