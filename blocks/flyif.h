/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blocks/flyif.h - the messages of exported interfaces (ifexport,
 * ifimport; docs/flyif.md), after Barraca et al., "Network Interfaces
 * Flying over IP Networks" (Flying Interfaces): its data and control
 * messages, each behind a small header. Userspace engine only.
 *
 * Every message is one raw frame (one datagram of the tunnel):
 *
 *   header, 8 bytes, network byte order:
 *     0  magic    u16  0x4c46 ("LF")
 *     2  version  u8   1
 *     3  type     u8   1 DATA, 2 LINK
 *     4  length   u16  payload bytes after the header
 *     6  reserved u16  0 when sent, ignored when received
 *   DATA payload: one Ethernet frame, at least 14 bytes
 *   LINK payload, at least FLYIF_LINK_LEN (56) bytes (more is ignored):
 *     0  flags    u32  FLYIF_F_UP | FLYIF_F_CARRIER | FLYIF_F_RUNNING
 *     4  mtu      u32  bytes
 *     8  mac      6 bytes
 *    14  reserved u16
 *    16  interval u32  ms between two LINK messages of the exporter
 *    20  seq      u32  LINK sequence number
 *    24  rx_packets, rx_bytes, tx_packets, tx_bytes: u64 each
 *
 * It also holds the rtnetlink calls both blocks make from their own
 * threads (rtnetlink(7); parsed with the kernel's NLMSG_* and IFLA_RTA
 * macros, as runtime/devmon.c does): never on the packet path.
 */
#ifndef LANA_BLOCKS_FLYIF_H
#define LANA_BLOCKS_FLYIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLYIF_MAGIC	0x4c46	/* "LF" */
#define FLYIF_VERSION	1
#define FLYIF_HDR_LEN	8
#define FLYIF_LINK_LEN	56	/* LINK payload of version 1 */
#define FLYIF_T_DATA	1
#define FLYIF_T_LINK	2
#define FLYIF_ETH_MIN	14	/* a DATA frame has a MAC header at least */
#define FLYIF_MTU_MIN	68	/* RFC 791: every IPv4 link */
#define FLYIF_TIMEOUT_X	3	/* carrier down after this many intervals
				 * without a LINK message */

/* LINK flags */
#define FLYIF_F_UP	0x1	/* administratively up (IFF_UP) */
#define FLYIF_F_CARRIER	0x2	/* carrier (IFF_LOWER_UP) */
#define FLYIF_F_RUNNING	0x4	/* operationally up (IFF_RUNNING) */

/**
 * struct flyif_link - the state a LINK message carries, host byte order.
 * @flags:    FLYIF_F_*
 * @mtu:      bytes
 * @mac:      the interface's MAC address
 * @interval_ms: the exporter's LINK period, ms
 * @seq:      sequence number of the message
 * @rx_packets, @rx_bytes, @tx_packets, @tx_bytes: the interface's
 *            counters (rtnl_link_stats64)
 */
struct flyif_link {
	uint32_t flags;
	uint32_t mtu;
	uint8_t mac[6];
	uint32_t interval_ms;
	uint32_t seq;
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};

/**
 * flyif_hdr_write() - write a version-1 header for a message of @type
 * with @len payload bytes at @p (FLYIF_HDR_LEN bytes).
 */
void flyif_hdr_write(uint8_t *p, uint8_t type, uint16_t len);

/**
 * flyif_parse() - check the message of @len bytes at @p.
 * @p:    the message
 * @len:  its length in bytes (the whole datagram)
 * @plen: receives the payload length
 *
 * Return: FLYIF_T_DATA or FLYIF_T_LINK, or 0 when it is malformed: shorter
 * than the header, another magic or version, an unknown type, a length
 * field that disagrees with @len, a DATA frame shorter than a MAC header,
 * a LINK payload shorter than FLYIF_LINK_LEN.
 */
int flyif_parse(const uint8_t *p, uint32_t len, uint32_t *plen);

/**
 * flyif_link_write() - write the FLYIF_LINK_LEN-byte LINK payload of @l
 * at @p, network byte order.
 */
void flyif_link_write(uint8_t *p, const struct flyif_link *l);

/**
 * flyif_link_msg() - write a whole LINK message of @l (header and
 * payload, FLYIF_HDR_LEN + FLYIF_LINK_LEN bytes) at @p.
 */
void flyif_link_msg(uint8_t *p, const struct flyif_link *l);

/**
 * flyif_link_read() - read the LINK payload at @p (FLYIF_LINK_LEN bytes
 * or more, as flyif_parse() checked) into @l.
 * Return: 0, or -EINVAL when its values cannot be applied: an MTU below
 * FLYIF_MTU_MIN, an interval of 0, a multicast MAC address.
 */
int flyif_link_read(const uint8_t *p, struct flyif_link *l);

/**
 * flyif_carrier_want() - the carrier the importer's TAP should have.
 * @l:       the last LINK state received, or NULL when none came yet
 * @last_ns: when it came (lana_now_ns() clock)
 * @now_ns:  the time now
 *
 * Return: true when the exported interface is up with carrier and its
 * last LINK message is younger than FLYIF_TIMEOUT_X of its intervals
 * (the owner or the tunnel is alive).
 */
bool flyif_carrier_want(const struct flyif_link *l, uint64_t last_ns,
			uint64_t now_ns);

/**
 * flyif_deadline() - when flyif_carrier_want() turns false by itself:
 * @last_ns + FLYIF_TIMEOUT_X x the interval of @l, in ns.
 */
uint64_t flyif_deadline(const struct flyif_link *l, uint64_t last_ns);

/* ------------------------------------------------------------ rtnetlink */

/**
 * flyif_nl_open() - a NETLINK_ROUTE socket (close-on-exec), subscribed
 * to RTMGRP_LINK when @events. Return: the descriptor or -errno.
 */
int flyif_nl_open(bool events);

/**
 * flyif_nl_getlink() - ask for interface @name's RTM_NEWLINK (answered on
 * @fd like an event). Return: 0 or -errno.
 */
int flyif_nl_getlink(int fd, const char *name);

/**
 * flyif_nl_query() - interface @name's state now, as flyif_nl_link()
 * reads it, asked on a socket of its own (blocks for one netlink round
 * trip: control thread or the block's own thread only).
 * Return: 0, or -errno (-ENODEV: no such interface).
 */
int flyif_nl_query(const char *name, struct flyif_link *l);

/**
 * flyif_nl_link() - interface state from one rtnetlink message.
 * @nh:    an RTM_NEWLINK or RTM_DELLINK message (struct nlmsghdr)
 * @name:  the interface wanted
 * @l:     receives flags, MTU, MAC and counters of @name (not
 *         @l->interval_ms, @l->seq)
 *
 * Return: 1 when @nh is an RTM_NEWLINK of @name, -1 when it is its
 * RTM_DELLINK (the interface went away), 0 when it is about another one.
 */
int flyif_nl_link(const void *nh, const char *name, struct flyif_link *l);

/**
 * flyif_nl_setlink() - set interface @name's MAC address (@mac, or NULL
 * to leave it), MTU (0 to leave it) and carrier (IFLA_CARRIER; a tun
 * device implements it, ndo_change_carrier) with one RTM_NEWLINK request,
 * waiting for the kernel's answer (NLM_F_ACK).
 * Return: 0 or the kernel's -errno.
 */
int flyif_nl_setlink(int fd, const char *name, const uint8_t *mac,
		     uint32_t mtu, bool carrier);

#endif /* LANA_BLOCKS_FLYIF_H */
