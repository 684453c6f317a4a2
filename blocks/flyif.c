// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/flyif.c - messages and rtnetlink calls of exported interfaces
 * (blocks/flyif.h, docs/flyif.md). Userspace engine only.
 */
#include "flyif.h"
#include "lana_block.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* linux/if.h: driver signals L1 up */
#endif

static _Atomic uint32_t nl_seq;	/* sequence numbers of our requests */

void flyif_hdr_write(uint8_t *p, uint8_t type, uint16_t len)
{
	lana_put_be16(p, FLYIF_MAGIC);
	p[2] = FLYIF_VERSION;
	p[3] = type;
	lana_put_be16(p + 4, len);
	lana_put_be16(p + 6, 0);
}

int flyif_parse(const uint8_t *p, uint32_t len, uint32_t *plen)
{
	uint32_t n;

	if (len < FLYIF_HDR_LEN || lana_get_be16(p) != FLYIF_MAGIC ||
	    p[2] != FLYIF_VERSION)
		return 0;
	n = lana_get_be16(p + 4);
	if (n != len - FLYIF_HDR_LEN)
		return 0;
	*plen = n;
	switch (p[3]) {
	case FLYIF_T_DATA:
		return n >= FLYIF_ETH_MIN ? FLYIF_T_DATA : 0;
	case FLYIF_T_LINK:
		return n >= FLYIF_LINK_LEN ? FLYIF_T_LINK : 0;
	default:
		return 0;
	}
}

void flyif_link_write(uint8_t *p, const struct flyif_link *l)
{
	lana_put_be32(p, l->flags);
	lana_put_be32(p + 4, l->mtu);
	memcpy(p + 8, l->mac, 6);
	lana_put_be16(p + 14, 0);
	lana_put_be32(p + 16, l->interval_ms);
	lana_put_be32(p + 20, l->seq);
	lana_put_be64(p + 24, l->rx_packets);
	lana_put_be64(p + 32, l->rx_bytes);
	lana_put_be64(p + 40, l->tx_packets);
	lana_put_be64(p + 48, l->tx_bytes);
}

void flyif_link_msg(uint8_t *p, const struct flyif_link *l)
{
	flyif_hdr_write(p, FLYIF_T_LINK, FLYIF_LINK_LEN);
	flyif_link_write(p + FLYIF_HDR_LEN, l);
}

int flyif_link_read(const uint8_t *p, struct flyif_link *l)
{
	l->flags = lana_get_be32(p);
	l->mtu = lana_get_be32(p + 4);
	memcpy(l->mac, p + 8, 6);
	l->interval_ms = lana_get_be32(p + 16);
	l->seq = lana_get_be32(p + 20);
	l->rx_packets = lana_get_be64(p + 24);
	l->rx_bytes = lana_get_be64(p + 32);
	l->tx_packets = lana_get_be64(p + 40);
	l->tx_bytes = lana_get_be64(p + 48);
	if (l->mtu < FLYIF_MTU_MIN || !l->interval_ms || (l->mac[0] & 1))
		return -EINVAL;
	return 0;
}

uint64_t flyif_deadline(const struct flyif_link *l, uint64_t last_ns)
{
	return last_ns + (uint64_t)FLYIF_TIMEOUT_X * l->interval_ms *
			 1000000u;
}

bool flyif_carrier_want(const struct flyif_link *l, uint64_t last_ns,
			uint64_t now_ns)
{
	const uint32_t up = FLYIF_F_UP | FLYIF_F_CARRIER;

	return l && (l->flags & up) == up &&
	       now_ns < flyif_deadline(l, last_ns);
}

/* ------------------------------------------------------------ rtnetlink */

int flyif_nl_open(bool events)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = events ? RTMGRP_LINK : 0,
	};
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

/* Append attribute @type with @len bytes of @data to @nh (room checked). */
static int nl_attr(struct nlmsghdr *nh, size_t room, unsigned short type,
		   const void *data, size_t len)
{
	struct rtattr *rta;
	size_t at = NLMSG_ALIGN(nh->nlmsg_len);

	if (at + RTA_SPACE(len) > room)
		return -EMSGSIZE;
	rta = (struct rtattr *)((char *)nh + at);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
	return 0;
}

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[128];
};

static int nl_send(int fd, struct nl_req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

int flyif_nl_getlink(int fd, const char *name)
{
	struct nl_req r;
	int err;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_GETLINK;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.ifi.ifi_family = AF_UNSPEC;
	err = nl_attr(&r.nh, sizeof(r), IFLA_IFNAME, name, strlen(name) + 1);
	return err ? err : nl_send(fd, &r);
}

int flyif_nl_link(const void *msg, const char *name, struct flyif_link *l)
{
	const struct nlmsghdr *nh = msg;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct rtattr *rta;
	bool ours = false;
	int len;

	if ((nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK) ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_IFNAME &&
		    strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta)) == strlen(name) &&
		    !memcmp(RTA_DATA(rta), name, strlen(name)))
			ours = true;
	if (!ours)
		return 0;
	if (nh->nlmsg_type == RTM_DELLINK)
		return -1;
	l->flags = (ifi->ifi_flags & IFF_UP ? FLYIF_F_UP : 0) |
		   (ifi->ifi_flags & IFF_LOWER_UP ? FLYIF_F_CARRIER : 0) |
		   (ifi->ifi_flags & IFF_RUNNING ? FLYIF_F_RUNNING : 0);
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type == IFLA_MTU && n >= 4) {
			memcpy(&l->mtu, RTA_DATA(rta), 4);
		} else if (rta->rta_type == IFLA_ADDRESS && n == 6) {
			memcpy(l->mac, RTA_DATA(rta), 6);
		} else if (rta->rta_type == IFLA_STATS64 &&
			   n >= sizeof(struct rtnl_link_stats64)) {
			struct rtnl_link_stats64 st;

			memcpy(&st, RTA_DATA(rta), sizeof(st));
			l->rx_packets = st.rx_packets;
			l->rx_bytes = st.rx_bytes;
			l->tx_packets = st.tx_packets;
			l->tx_bytes = st.tx_bytes;
		}
	}
	return 1;
}

int flyif_nl_setlink(int fd, const char *name, const uint8_t *mac,
		     uint32_t mtu, bool carrier)
{
	union {
		char buf[1024];
		struct nlmsghdr nh;
	} ans;
	struct nl_req r;
	uint8_t c = carrier;
	uint32_t seq = ++nl_seq;
	int err;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_NEWLINK;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r.nh.nlmsg_seq = seq;
	r.ifi.ifi_family = AF_UNSPEC;
	err = nl_attr(&r.nh, sizeof(r), IFLA_IFNAME, name, strlen(name) + 1);
	if (!err && mac)
		err = nl_attr(&r.nh, sizeof(r), IFLA_ADDRESS, mac, 6);
	if (!err && mtu)
		err = nl_attr(&r.nh, sizeof(r), IFLA_MTU, &mtu, sizeof(mtu));
	if (!err)
		err = nl_attr(&r.nh, sizeof(r), IFLA_CARRIER, &c, 1);
	if (!err)
		err = nl_send(fd, &r);
	while (!err) {
		ssize_t n = recv(fd, &ans, sizeof(ans), 0);
		const struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nh = &ans.nh; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_type != NLMSG_ERROR || nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			return e->error;
		}
	}
	return err;
}

int flyif_nl_query(const char *name, struct flyif_link *l)
{
	union {
		char buf[8192];
		struct nlmsghdr nh;
	} ans;
	int fd = flyif_nl_open(false), err;

	if (fd < 0)
		return fd;
	err = flyif_nl_getlink(fd, name);
	while (!err) {
		ssize_t n = recv(fd, &ans, sizeof(ans), 0);
		const struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		for (nh = &ans.nh; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				err = nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ?
				      -EPROTO : e->error ? e->error : -ENODEV;
				goto out;
			}
			if (flyif_nl_link(nh, name, l) == 1)
				goto out;
		}
	}
out:
	close(fd);
	return err;
}
