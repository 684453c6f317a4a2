// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/gen.c - generate test frames.
 *
 * gen(size = 64B, count = 0, rate = 0, src = 02:00:00:00:00:01,
 *     dst = ff:ff:ff:ff:ff:ff, src_count = 1, dst_count = 1, ip_src,
 *     ip_dst, ip_count = 1, udp_sport = 9, udp_dport = 9)   out: eth
 *
 * Emits @count (0 = unlimited) Ethernet frames of @size bytes from @src to
 * @dst at `out`, paced to @rate bit/s on the wire (0 = as fast as possible).
 * Like Linux pktgen's src_mac_count/dst_mac_count and dst_min..dst_max
 * (Documentation/networking/pktgen.rst), frame i comes from src + i mod
 * src_count and goes to dst + i mod dst_count (the addresses as 48-bit
 * numbers), for realistic load on a learning switch. With ip_src and
 * ip_dst the frames carry IPv4/UDP to ip_dst + i mod ip_count with valid
 * checksums. Userspace engine only.
 */
#include "lana_block.h"
#include "runtime/offload.h"	/* lana_csum_add(): gen is userspace only */

#include <errno.h>
#include <string.h>

enum {
	GEN_P_SIZE, GEN_P_COUNT, GEN_P_RATE, GEN_P_SRC, GEN_P_DST,
	GEN_P_SRC_COUNT, GEN_P_DST_COUNT, GEN_P_IP_SRC, GEN_P_IP_DST,
	GEN_P_IP_COUNT, GEN_P_UDP_SPORT, GEN_P_UDP_DPORT, GEN_P_MAX
};

static const struct lana_param gen_params[] = {
	[GEN_P_SIZE] = {
		.name = "size", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
		.min = 60, .max = 9216, .def = "64B",
		.doc = "frame size in bytes, without the FCS",
	},
	[GEN_P_COUNT] = {
		.name = "count", .type = LANA_PT_U64, .def = "0",
		.doc = "frames to send; 0 = unlimited",
	},
	[GEN_P_RATE] = {
		.name = "rate", .type = LANA_PT_RATE, .flags = LANA_PF_LIVE,
		.def = "0",
		.doc = "bit/s on the wire; 0 = as fast as possible",
	},
	[GEN_P_SRC] = {
		.name = "src", .type = LANA_PT_MAC, .def = "02:00:00:00:00:01",
		.doc = "source MAC address",
	},
	[GEN_P_DST] = {
		.name = "dst", .type = LANA_PT_MAC, .def = "ff:ff:ff:ff:ff:ff",
		.doc = "destination MAC address",
	},
	[GEN_P_SRC_COUNT] = {
		.name = "src_count", .type = LANA_PT_U32, .flags = LANA_PF_RANGE,
		.min = 1, .max = 1u << 24, .def = "1",
		.doc = "source MACs: frame i is sent from src + i mod src_count",
	},
	[GEN_P_DST_COUNT] = {
		.name = "dst_count", .type = LANA_PT_U32, .flags = LANA_PF_RANGE,
		.min = 1, .max = 1u << 24, .def = "1",
		.doc = "destination MACs: frame i goes to dst + i mod dst_count",
	},
	[GEN_P_IP_SRC] = {
		.name = "ip_src", .type = LANA_PT_IPV4,
		.doc = "with ip_dst: frames carry IPv4/UDP (RFC 791, RFC 768) "
		       "from this address, checksums valid",
	},
	[GEN_P_IP_DST] = {
		.name = "ip_dst", .type = LANA_PT_IPV4,
		.doc = "IPv4 destination (with ip_src)",
	},
	[GEN_P_IP_COUNT] = {
		.name = "ip_count", .type = LANA_PT_U32, .flags = LANA_PF_RANGE,
		.min = 1, .max = 1u << 24, .def = "1",
		.doc = "IPv4 destinations: frame i goes to ip_dst + i mod "
		       "ip_count",
	},
	[GEN_P_UDP_SPORT] = {
		.name = "udp_sport", .type = LANA_PT_U16, .def = "9",
		.doc = "UDP source port",
	},
	[GEN_P_UDP_DPORT] = {
		.name = "udp_dport", .type = LANA_PT_U16, .def = "9",
		.doc = "UDP destination port (9: discard, RFC 863)",
	},
	[GEN_P_MAX] = LANA_PARAM_END
};

static const struct lana_port gen_ports[] = {
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "generated frames" },
	LANA_PORT_END
};

#define GEN_ETHERTYPE	0x88b5	/* IEEE 802 local experimental EtherType 1 */
#define GEN_HLEN	14	/* Ethernet header */
#define GEN_IPHLEN	20	/* IPv4 header without options */
#define GEN_UDPHLEN	8
#define GEN_TMPL	64	/* template bytes copied per frame */
/*
 * Bytes a frame occupies on the wire besides @size (which excludes the
 * FCS), IEEE 802.3 clause 3/4: FCS 4 + preamble and SFD 8 + minimum
 * inter-frame gap 12 = 24. A frame costs (size + 24) * 8 bit of @rate.
 */
#define GEN_WIRE_EXTRA	24
#define NSEC		1000000000ull

/*
 * poll() runs on one worker only, so everything here is private to that
 * worker; the live parameter rate is the live object (struct gen_live)
 * of the version the worker polls in, v->live. @seq, the next sequence
 * number, is also the number of frames sent; the counter `sent` that the
 * engine reads is kept in the pcpu area.
 *
 * Pacing is a token bucket (RFC 2697's bucket, one rate, no colours):
 * @tokens holds credit in bit * 10^9 (so that rate [bit/s] * dt [ns] adds
 * to it without a division), a frame costs (size + 24) * 8 * 10^9 and the
 * bucket holds at most LANA_BURST frames, so a stalled worker catches up
 * by at most one burst.
 */
struct gen_priv {
	uint32_t size;
	uint64_t count;		/* 0 = unlimited */
	uint64_t seq;		/* next sequence number = frames sent */
	uint64_t tokens;
	uint64_t last_ns;	/* last refill; 0 = not started */
	uint32_t src_count, dst_count, ip_count;
	uint64_t src, dst;	/* the MACs as 48-bit numbers */
	uint32_t ip_dst;	/* host order */
	bool ip;		/* IPv4/UDP frames */
	uint8_t tmpl[GEN_TMPL];
};

struct gen_live {
	uint64_t rate;		/* bit/s; 0 = as fast as possible */
};

struct gen_pcpu {
	uint64_t sent;
};

static const struct lana_counter gen_counters[] = {
	LANA_COUNTER(struct gen_pcpu, sent, "frames generated"),
	LANA_COUNTER_END
};

/* A MAC address as a 48-bit number, and back (first byte highest). */
static uint64_t gen_mac_get(const uint8_t *m)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 6; i++)
		x = x << 8 | m[i];
	return x;
}

static void gen_mac_put(uint8_t *m, uint64_t x)
{
	int i;

	for (i = 5; i >= 0; i--, x >>= 8)
		m[i] = (uint8_t)x;
}

static void gen_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The IPv4 (RFC 791: version 4, IHL 5, TTL 64, protocol 17, DF clear)
 * and UDP (RFC 768) headers after the Ethernet header of the template;
 * the destination address and the checksums are filled in per frame.
 */
static void gen_ip_tmpl(struct gen_priv *g, const struct lana_value *params)
{
	uint8_t *ip = g->tmpl + GEN_HLEN, *udp = ip + GEN_IPHLEN;
	uint32_t iplen = g->size - GEN_HLEN;
	const uint8_t *d = params[GEN_P_IP_DST].ip.addr;

	g->ip = true;
	g->tmpl[12] = 0x08;
	g->tmpl[13] = 0x00;
	ip[0] = 0x45;
	gen_put16(ip + 2, iplen);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, params[GEN_P_IP_SRC].ip.addr, 4);
	memcpy(ip + 16, d, 4);
	g->ip_dst = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		    (uint32_t)d[2] << 8 | d[3];
	gen_put16(udp, params[GEN_P_UDP_SPORT].type != LANA_PT_NONE ?
		  (uint32_t)params[GEN_P_UDP_SPORT].u : 9);
	gen_put16(udp + 2, params[GEN_P_UDP_DPORT].type != LANA_PT_NONE ?
		  (uint32_t)params[GEN_P_UDP_DPORT].u : 9);
	gen_put16(udp + 4, iplen - GEN_IPHLEN);
}

/*
 * Frame @seq's addresses (from the ranges) and, for IPv4/UDP frames, its
 * destination address and both checksums. The payload is the sequence
 * number and zeros, so the UDP sum covers the pseudo-header (RFC 768),
 * the UDP header and those 8 bytes; a computed 0 is sent as 0xffff.
 */
static void gen_frame_fill(const struct gen_priv *g, uint8_t *d, uint64_t seq)
{
	uint8_t *ip = d + GEN_HLEN, *udp = ip + GEN_IPHLEN;
	uint32_t sum, a;
	uint16_t c;

	if (g->dst_count > 1)
		gen_mac_put(d, (g->dst + seq % g->dst_count) & 0xffffffffffffull);
	if (g->src_count > 1)
		gen_mac_put(d + 6,
			    (g->src + seq % g->src_count) & 0xffffffffffffull);
	if (!g->ip)
		return;
	a = g->ip_dst + (uint32_t)(seq % g->ip_count);
	ip[16] = (uint8_t)(a >> 24);
	ip[17] = (uint8_t)(a >> 16);
	ip[18] = (uint8_t)(a >> 8);
	ip[19] = (uint8_t)a;
	gen_put16(ip + 10, lana_csum_fold(lana_csum_add(0, ip, GEN_IPHLEN)));
	/* pseudo-header: source, destination, zero and 17, UDP length */
	sum = lana_csum_add(0, ip + 12, 8);
	sum += 17 + (g->size - GEN_HLEN - GEN_IPHLEN);
	sum = lana_csum_add(sum, udp, GEN_UDPHLEN);	/* checksum field 0 */
	sum = lana_csum_add(sum, udp + GEN_UDPHLEN, 8);	/* the sequence */
	c = lana_csum_fold(sum);
	gen_put16(udp + 6, c ? c : 0xffff);
}

static int gen_init(struct lana_block *b, const struct lana_value *params)
{
	struct gen_priv *g = b->priv;
	static const uint8_t def_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t def_dst[6] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	const uint8_t *src = def_src, *dst = def_dst;

	g->size = 64;
	if (params[GEN_P_SIZE].type != LANA_PT_NONE)
		g->size = (uint32_t)params[GEN_P_SIZE].u;
	if (g->size < 60 || g->size > 9216) {
		lana_block_error(b, "size %u out of range 60..9216", g->size);
		return -EINVAL;
	}
	if (params[GEN_P_COUNT].type != LANA_PT_NONE)
		g->count = params[GEN_P_COUNT].u;
	if (params[GEN_P_SRC].type == LANA_PT_MAC)
		src = params[GEN_P_SRC].mac;
	if (params[GEN_P_DST].type == LANA_PT_MAC)
		dst = params[GEN_P_DST].mac;

	g->src_count = params[GEN_P_SRC_COUNT].type != LANA_PT_NONE ?
		       (uint32_t)params[GEN_P_SRC_COUNT].u : 1;
	g->dst_count = params[GEN_P_DST_COUNT].type != LANA_PT_NONE ?
		       (uint32_t)params[GEN_P_DST_COUNT].u : 1;
	g->ip_count = params[GEN_P_IP_COUNT].type != LANA_PT_NONE ?
		      (uint32_t)params[GEN_P_IP_COUNT].u : 1;
	if (!g->src_count || !g->dst_count || !g->ip_count) {
		lana_block_error(b, "src_count, dst_count and ip_count must "
				 "be at least 1");
		return -EINVAL;
	}
	g->src = gen_mac_get(src);
	g->dst = gen_mac_get(dst);

	memset(g->tmpl, 0, sizeof(g->tmpl));
	memcpy(g->tmpl, dst, 6);
	memcpy(g->tmpl + 6, src, 6);
	g->tmpl[12] = GEN_ETHERTYPE >> 8;
	g->tmpl[13] = GEN_ETHERTYPE & 0xff;
	if ((params[GEN_P_IP_SRC].type == LANA_PT_IPV4) !=
	    (params[GEN_P_IP_DST].type == LANA_PT_IPV4)) {
		lana_block_error(b, "ip_src and ip_dst go together");
		return -EINVAL;
	}
	if (params[GEN_P_IP_SRC].type == LANA_PT_IPV4)
		gen_ip_tmpl(g, params);
	return 0;
}

static int gen_live(struct lana_block *b, const struct lana_value *params,
		    void **out)
{
	struct gen_live *l = lana_live_alloc(b, sizeof(*l));

	if (!l)
		return -ENOMEM;
	if (params[GEN_P_RATE].type != LANA_PT_NONE)
		l->rate = params[GEN_P_RATE].u;
	*out = l;
	return 0;
}

static inline uint64_t gen_be64(uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

/* Frames the token bucket allows now, at most @want. */
static unsigned int gen_pace(struct gen_priv *g, uint64_t rate,
			     unsigned int want)
{
	uint64_t cost = (uint64_t)(g->size + GEN_WIRE_EXTRA) * 8 * NSEC;
	uint64_t cap = cost * LANA_BURST;
	uint64_t now = lana_now_ns(), n;

	if (!g->last_ns) {
		/* start with credit for one frame: the first goes at once */
		g->last_ns = now;
		g->tokens = cost;
	} else {
		lana_bucket_fill(&g->tokens, &g->last_ns, now, rate, cap);
	}
	n = g->tokens / cost;
	if (n > want)
		n = want;
	g->tokens -= n * cost;
	return (unsigned int)n;
}

static int gen_poll(struct lana_block *b, struct lana_burst *v)
{
	struct gen_priv *g = b->priv;
	const struct gen_live *l = v->live;
	uint64_t rate = l->rate;
	unsigned int want = LANA_BURST, i;
	uint32_t tlen = g->size < GEN_TMPL ? g->size : GEN_TMPL;
	struct gen_pcpu *c;

	if (g->count) {
		if (g->seq >= g->count)
			return -1;
		if (g->count - g->seq < want)
			want = (unsigned int)(g->count - g->seq);
	}
	if (rate)
		want = gen_pace(g, rate, want);
	else
		g->last_ns = 0;		/* restart pacing when rate is set */

	for (i = 0; i < want; i++) {
		struct lana_pkt *p = lana_pkt_alloc(b, g->size);
		uint8_t *d;
		uint64_t seq = gen_be64(g->seq);

		if (!p)
			break;
		d = lana_pkt_data(p);
		memcpy(d, g->tmpl, tlen);
		if (g->size > GEN_TMPL)
			memset(d + GEN_TMPL, 0, g->size - GEN_TMPL);
		/* sequence number, big-endian, first 8 bytes of payload */
		memcpy(d + (g->ip ? GEN_HLEN + GEN_IPHLEN + GEN_UDPHLEN :
			    GEN_HLEN), &seq, sizeof(seq));
		if (g->ip || g->src_count > 1 || g->dst_count > 1)
			gen_frame_fill(g, d, g->seq);
		g->seq++;
		v->pkt[i] = p;
	}
	v->n = (uint16_t)i;
	c = lana_block_pcpu(b);
	__atomic_store_n(&c->sent, c->sent + i, __ATOMIC_RELAXED);
	return (int)i;
}

LANA_BLOCK_TYPE(gen) = {
	.name = "gen",
	.synopsis = "gen(size = 64B, count = 0, rate = 0, "
		    "src = 02:00:00:00:00:01, dst = ff:ff:ff:ff:ff:ff, "
		    "src_count = 1, dst_count = 1, ip_src, ip_dst, ip_count = 1, "
		    "udp_sport = 9, udp_dport = 9)   out: eth",
	.doc = "Generate test frames. Emits count Ethernet frames (0 = "
	       "unlimited) of size bytes from src to dst at out, paced to rate "
	       "bit/s on the wire (0 = as fast as possible). Frame i comes from "
	       "src + i mod src_count and goes to dst + i mod dst_count (as "
	       "pktgen's MAC counts). With ip_src and ip_dst the frames carry "
	       "IPv4/UDP to ip_dst + i mod ip_count, checksums valid. "
	       "Userspace engine only.",
	.params = gen_params,
	.ports = gen_ports,
	.counters = gen_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_SOURCE,
	.priv_size = sizeof(struct gen_priv),
	.pcpu_size = sizeof(struct gen_pcpu),
	.init = gen_init,
	.live = gen_live,
	.live_free = lana_live_free,
	.poll = gen_poll,
};
