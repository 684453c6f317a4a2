// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/offload.c - the one place where the userspace engine makes a
 * frame's bytes final: it completes a checksum the sender left to offload
 * and cuts a GSO super-frame into the frames a NIC would have sent.
 *
 * Frames carry the virtio-net header they were received with as
 * struct lana_pkt_offload (runtime/lana_pkt.h). Semantics: virtio spec
 * 1.1 sec. 5.1.6.2 (VIRTIO_NET_HDR_F_NEEDS_CSUM: "the checksum at
 * csum_start + csum_offset is the ones' complement sum of the pseudo
 * header; complete it over csum_start .. end"), kernel
 * Documentation/networking/checksum-offloads.rst and
 * segmentation-offloads.rst. Checksums: RFC 1071 (ones' complement sum),
 * RFC 793 / RFC 768 / RFC 8200 sec. 8.1 (TCP and UDP pseudo headers),
 * RFC 791 (IPv4 header checksum).
 */
#include "offload.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

_Static_assert(LANA_PKT_F_NEEDS_CSUM == VIRTIO_NET_HDR_F_NEEDS_CSUM &&
	       LANA_PKT_F_DATA_VALID == VIRTIO_NET_HDR_F_DATA_VALID,
	       "lana_pkt_offload flags are the virtio-net header's");
_Static_assert(LANA_GSO_TCPV4 == VIRTIO_NET_HDR_GSO_TCPV4 &&
	       LANA_GSO_UDP == VIRTIO_NET_HDR_GSO_UDP &&
	       LANA_GSO_TCPV6 == VIRTIO_NET_HDR_GSO_TCPV6 &&
	       LANA_GSO_ECN == VIRTIO_NET_HDR_GSO_ECN,
	       "lana_pkt_offload GSO types are the virtio-net header's");
#ifdef VIRTIO_NET_HDR_GSO_UDP_L4
_Static_assert(LANA_GSO_UDP_L4 == VIRTIO_NET_HDR_GSO_UDP_L4,
	       "GSO_UDP_L4 is the virtio-net header's");
#endif

#define ETH_HLEN_	14
#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86dd
#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88a8
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

uint32_t lana_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint64_t s = sum;

	/* 16-bit big-endian words; an odd last byte is padded with zero */
	while (len >= 2) {
		s += (uint32_t)(b[0] << 8 | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)b[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t lana_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int lana_pkt_csum_complete(struct lana_pkt *p)
{
	struct lana_pkt_offload *o = &p->off;
	uint32_t start = o->csum_start, at = start + o->csum_offset;
	uint16_t c;

	if (!(o->flags & LANA_PKT_F_NEEDS_CSUM))
		return 0;
	if (at + 2 > p->len || start > p->len)
		return -EINVAL;
	/*
	 * The field holds the pseudo-header sum; summing the field along
	 * with the rest is what the NIC does (virtio 5.1.6.2).
	 */
	c = lana_csum_fold(lana_csum_add(0, p->data + start, p->len - start));
	/* 0 means "no checksum" for UDP (RFC 768): send 0xffff, its equal */
	lana_put_be16(p->data + at, c ? c : 0xffff);
	o->flags &= (uint8_t)~LANA_PKT_F_NEEDS_CSUM;
	return 0;
}

/*
 * Where the headers of @p are: the L3 header at *nh (after Ethernet and
 * any 802.1Q/802.1ad tags), the L4 header at *th; the IP version in *ver.
 */
static int parse(const struct lana_pkt *p, uint32_t *nh, uint32_t *th,
		 int *ver)
{
	const uint8_t *d = p->data;
	uint32_t off = 12, len = p->len;
	uint16_t type;

	for (;;) {
		if (off + 2 > len)
			return -EINVAL;
		type = lana_get_be16(d + off);
		if (type != ETH_P_8021Q_ && type != ETH_P_8021AD_)
			break;
		off += 4;
	}
	off += 2;
	if (type == ETH_P_IP_) {
		if (off + 20 > len || (d[off] >> 4) != 4 ||
		    (d[off] & 0xf) < 5)
			return -EINVAL;
		*ver = 4;
		*th = off + (uint32_t)(d[off] & 0xf) * 4;
	} else if (type == ETH_P_IPV6_) {
		if (off + 40 > len || (d[off] >> 4) != 6)
			return -EINVAL;
		*ver = 6;
		*th = off + 40;
	} else {
		return -EPROTONOSUPPORT;
	}
	*nh = off;
	/* extension headers: trust csum_start, which points at L4 */
	if ((p->off.flags & LANA_PKT_F_NEEDS_CSUM) && p->off.csum_start > *th)
		*th = p->off.csum_start;
	return *th <= len ? 0 : -EINVAL;
}

/* Sum of the TCP/UDP pseudo header (RFC 793 3.1, RFC 8200 8.1). */
static uint32_t pseudo_sum(const uint8_t *ip, int ver, uint8_t proto,
			   uint32_t l4len)
{
	uint32_t s;

	if (ver == 4)
		s = lana_csum_add(0, ip + 12, 8);
	else
		s = lana_csum_add(0, ip + 8, 32);
	s = lana_csum_add(s, (uint8_t[]){ 0, proto }, 2);
	return lana_csum_add(s, (uint8_t[]){ (uint8_t)(l4len >> 24),
					     (uint8_t)(l4len >> 16),
					     (uint8_t)(l4len >> 8),
					     (uint8_t)l4len }, 4);
}

/* Free the chain of packets at @p. */
static void chain_free(struct lana_pkt *p)
{
	while (p) {
		struct lana_pkt *n = p->next;

		lana_pkt_free(p);
		p = n;
	}
}

/*
 * Segment @p in place: p becomes the first segment, the others are new
 * packets chained at p->next. Returns the number of segments or -errno
 * (then @p is unchanged).
 */
static int segment(struct lana_pkt *p)
{
	struct lana_pkt_offload *o = &p->off;
	uint8_t type = o->gso_type & (uint8_t)~LANA_GSO_ECN;
	bool tcp = type == LANA_GSO_TCPV4 || type == LANA_GSO_TCPV6;
	uint32_t nh, th, hlen, paylen, mss = o->gso_size, seq = 0, off;
	uint16_t id = 0;
	uint8_t flags = 0, proto;
	struct lana_pkt *rest = p->next, *head = NULL, **tail = &head, *s;
	int ver, err, n = 0;

	if (type != LANA_GSO_TCPV4 && type != LANA_GSO_TCPV6 &&
	    type != LANA_GSO_UDP_L4)
		return -EPROTONOSUPPORT;	/* UFO: gone from Linux 4.14 */
	err = parse(p, &nh, &th, &ver);
	if (err)
		return err;
	if ((type == LANA_GSO_TCPV4 && ver != 4) ||
	    (type == LANA_GSO_TCPV6 && ver != 6))
		return -EINVAL;
	proto = tcp ? IPPROTO_TCP_ : IPPROTO_UDP_;
	if (tcp) {
		if (th + 20 > p->len || (p->data[th + 12] >> 4) < 5)
			return -EINVAL;
		hlen = th + (uint32_t)(p->data[th + 12] >> 4) * 4;
		seq = lana_get_be32(p->data + th + 4);
		flags = p->data[th + 13];
	} else {
		hlen = th + 8;
	}
	if (hlen > p->len || !mss)
		return -EINVAL;
	if (ver == 4)
		id = lana_get_be16(p->data + nh + 4);
	paylen = p->len - hlen;

	/* segments 2..n: new packets, headers copied from the original */
	for (off = mss; off < paylen; off += mss) {
		uint32_t k = paylen - off < mss ? paylen - off : mss;

		s = lana_pkt_get(hlen + k);
		if (!s) {
			chain_free(head);
			return -ENOMEM;
		}
		memcpy(s->data, p->data, hlen);
		memcpy(s->data + hlen, p->data + hlen + off, k);
		s->ts_ns = p->ts_ns;
		*tail = s;
		tail = &s->next;
	}
	*tail = rest;
	if (paylen > mss)
		p->len = hlen + mss;
	p->next = head ? head : rest;

	for (s = p;; s = s->next) {
		uint8_t *d = s->data, *ip = d + nh, *l4 = d + th;
		uint32_t l4len = s->len - th;
		bool last = s->next == rest;

		if (ver == 4) {
			lana_put_be16(ip + 2, (uint16_t)(s->len - nh));
			lana_put_be16(ip + 4, (uint16_t)(id + n));
			lana_put_be16(ip + 10, 0);
			lana_put_be16(ip + 10, lana_csum_fold(lana_csum_add(0, ip,
							th - nh)));
		} else {
			lana_put_be16(ip + 4, (uint16_t)(s->len - nh - 40));
		}
		if (tcp) {
			uint8_t f = flags;

			lana_put_be32(l4 + 4, seq + (uint32_t)n * mss);
			if (!last)
				f &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (n)
				f &= (uint8_t)~TCP_CWR;
			l4[13] = f;
			lana_put_be16(l4 + 16, 0);
			lana_put_be16(l4 + 16, lana_csum_fold(lana_csum_add(
				pseudo_sum(ip, ver, proto, l4len), l4,
				l4len)));
		} else {
			uint16_t c;

			lana_put_be16(l4 + 4, (uint16_t)l4len);
			lana_put_be16(l4 + 6, 0);
			c = lana_csum_fold(lana_csum_add(
				pseudo_sum(ip, ver, proto, l4len), l4, l4len));
			lana_put_be16(l4 + 6, c ? c : 0xffff);
		}
		memset(&s->off, 0, sizeof(s->off));
		n++;
		if (last)
			break;
	}
	return n;
}

int lana_pkt_finish(struct lana_pkt *p)
{
	int err;

	if (p->off.gso_type == LANA_GSO_NONE) {
		err = lana_pkt_csum_complete(p);
		if (err)
			return err;
		p->off.flags = 0;
		return 1;
	}
	return segment(p);
}
