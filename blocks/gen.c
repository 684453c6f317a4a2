// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/gen.c - generate test frames.
 *
 * gen(size = 64B, count = 0, rate = 0, src = 02:00:00:00:00:01,
 *     dst = ff:ff:ff:ff:ff:ff)   out: eth
 *
 * Emits @count (0 = unlimited) Ethernet frames of @size bytes from @src to
 * @dst at `out`, paced to @rate bit/s on the wire (0 = as fast as possible).
 * Userspace engine only.
 */
#include "lana_block.h"

#include <errno.h>
#include <string.h>

enum {
	GEN_P_SIZE, GEN_P_COUNT, GEN_P_RATE, GEN_P_SRC, GEN_P_DST, GEN_P_MAX
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
	[GEN_P_MAX] = LANA_PARAM_END
};

static const struct lana_port gen_ports[] = {
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "generated frames" },
	LANA_PORT_END
};

#define GEN_ETHERTYPE	0x88b5	/* IEEE 802 local experimental EtherType 1 */
#define GEN_HLEN	14	/* Ethernet header */
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

	memset(g->tmpl, 0, sizeof(g->tmpl));
	memcpy(g->tmpl, dst, 6);
	memcpy(g->tmpl + 6, src, 6);
	g->tmpl[12] = GEN_ETHERTYPE >> 8;
	g->tmpl[13] = GEN_ETHERTYPE & 0xff;
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
	uint64_t now = lana_now_ns(), dt, n;

	if (!g->last_ns) {
		/* start with credit for one frame: the first goes at once */
		g->last_ns = now;
		g->tokens = cost;
	} else if (now > g->last_ns) {
		dt = now - g->last_ns;
		g->last_ns = now;
		/* dt beyond the time to fill the bucket adds nothing; the
		 * test also keeps dt * rate below cap, far from 2^64 */
		if (dt >= cap / rate)
			g->tokens = cap;
		else
			g->tokens += dt * rate;
		if (g->tokens > cap)
			g->tokens = cap;
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
		memcpy(d + GEN_HLEN, &seq, sizeof(seq));
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
		    "src = 02:00:00:00:00:01, dst = ff:ff:ff:ff:ff:ff)   "
		    "out: eth",
	.doc = "Generate test frames. Emits count Ethernet frames (0 = "
	       "unlimited) of size bytes from src to dst at out, paced to rate "
	       "bit/s on the wire (0 = as fast as possible). Userspace engine "
	       "only.",
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
