// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/rate.c - limit the rate of a stream of frames with a token bucket.
 *
 * rate(rate, burst = 16KiB, mode = police, limit = 64KiB)
 *   in: eth -> out: eth
 *
 * One bucket (RFC 2697's, with one rate and no colours: tc-police(8),
 * tc-tbf(8)) holds up to @burst bytes of credit and fills at @rate bit/s;
 * a frame of L bytes needs L bytes of credit. mode = police passes a
 * frame that finds its credit and drops the others (tc's police action,
 * net/sched/act_police.c). mode = shape queues them, up to @limit bytes,
 * and sends each when its credit has come, from the block's timer (tc's
 * tbf qdisc, net/sched/sch_tbf.c). Frame sizes are the Ethernet frame
 * without FCS, as tc counts skb->len. The block declares LANA_BT_FINAL, so
 * the engine hands it GSO super-frames as MTU-sized segments, as tbf
 * segments a GSO skb larger than its burst (tbf_segment()).
 *
 * @rate and @burst are live: the live object carries them, while the
 * bucket itself (credit, last fill, queue) is the instance's and survives
 * a SET. Every worker (CPU) shares the bucket under a block lock.
 */
#include "lana_block.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#define rate_div(a, b) div64_u64((a), (b))
#else
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#define rate_div(a, b) ((a) / (b))
#endif

static const char *const rate_modes[] = { "police", "shape", NULL };

enum { RATE_P_RATE, RATE_P_BURST, RATE_P_MODE, RATE_P_LIMIT, RATE_P_MAX };

static const struct lana_param rate_params[] = {
	[RATE_P_RATE] = {
		.name = "rate", .type = LANA_PT_RATE,
		.flags = LANA_PF_REQUIRED | LANA_PF_LIVE | LANA_PF_RANGE,
		.min = 1, .max = 1000000000000ull,
		.doc = "bit/s the bucket fills at (1 bit/s .. 1 Tbit/s)",
	},
	[RATE_P_BURST] = {
		.name = "burst", .type = LANA_PT_SIZE,
		.flags = LANA_PF_LIVE | LANA_PF_RANGE,
		.min = 64, .max = 1ull << 30, .def = "16KiB",
		.doc = "bytes of credit the bucket holds (64 B .. 1 GiB); "
		       "a frame larger than burst never passes",
	},
	[RATE_P_MODE] = {
		.name = "mode", .type = LANA_PT_ENUM, .symbols = rate_modes,
		.def = "police",
		.doc = "police: drop what exceeds rate and burst; shape: "
		       "queue it and send it when its credit has come",
	},
	[RATE_P_LIMIT] = {
		.name = "limit", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
		.min = 0, .max = 64ull << 20, .def = "64KiB",
		.doc = "shape: bytes of frames the queue holds (0 .. 64 MiB); "
		       "frames that do not fit are dropped",
	},
	[RATE_P_MAX] = LANA_PARAM_END
};

static const struct lana_port rate_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to limit" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames within rate and burst" },
	LANA_PORT_END
};

#define NSEC		1000000000ull
/* the queue holds at most this many frames, whatever @limit says */
#define RATE_QMAX	16384u
/* frames of a minimum-size 60-byte frame fit in @limit bytes */
#define RATE_MINFRAME	60u

/*
 * Credit is kept in bit x 10^9, so that rate [bit/s] x dt [ns] adds to it
 * without a division (as gen's pacing does); a frame of L bytes costs
 * L x 8 x 10^9 and the bucket holds burst x 8 x 10^9 (< 2^63 for the
 * largest burst, 1 GiB).
 */
struct rate_live {
	uint64_t rate;		/* bit/s */
	uint64_t cap;		/* burst x 8 x 10^9 */
};

/*
 * The bucket and the shaping queue, under @lock: @tokens of credit at
 * @last_ns; @q a ring of @qcap frames from @qhead, @qn of them, @qbytes
 * bytes, waiting for their credit in arrival order.
 */
struct rate_priv {
	struct lana_lock lock;
	bool shape;
	uint64_t limit;
	uint64_t tokens;
	uint64_t last_ns;
	struct lana_timer *timer;
	struct lana_pkt **q;
	uint32_t qcap, qhead, qn;
	uint64_t qbytes;
};

struct rate_pcpu {
	uint64_t passed;
	uint64_t dropped;
};

static const struct lana_counter rate_counters[] = {
	LANA_COUNTER(struct rate_pcpu, passed,
		     "frames sent on at once or, shaped, when their credit "
		     "came"),
	LANA_COUNTER(struct rate_pcpu, dropped,
		     "frames over rate and burst (police), or that did not "
		     "fit the queue (shape)"),
	LANA_COUNTER_OP("queued", "bytes of frames in the shaping queue now"),
	LANA_COUNTER_END
};

static inline uint64_t rate_cost(uint32_t len)
{
	return (uint64_t)len * 8 * NSEC;
}

/* Add the credit of the time since the last fill, up to the cap. */
static void rate_fill(struct rate_priv *rp, const struct rate_live *l,
		      uint64_t now)
{
	if (!rp->last_ns) {
		/* the bucket starts full, whatever the clock reads (the
		 * kernel's is the time since boot) */
		rp->tokens = l->cap;
		rp->last_ns = now;
		return;
	}
	/* also clamps credit to a burst made smaller by a SET */
	lana_bucket_fill(&rp->tokens, &rp->last_ns, now, l->rate, l->cap);
}

/* When the frame at the head of the queue has its credit (lock held). */
static uint64_t rate_due(const struct rate_priv *rp,
			 const struct rate_live *l)
{
	uint64_t cost = rate_cost(lana_pkt_len(rp->q[rp->qhead]));

	if (rp->tokens >= cost)
		return rp->last_ns;
	return rp->last_ns + rate_div(cost - rp->tokens + l->rate - 1,
				      l->rate);
}

static int rate_fire(struct lana_block *b, struct lana_burst *v);

static int rate_init(struct lana_block *b, const struct lana_value *params)
{
	struct rate_priv *rp = b->priv;
	const char *mode = params[RATE_P_MODE].type == LANA_PT_ENUM ?
			   params[RATE_P_MODE].str : NULL;
	uint64_t n;

	rp->shape = mode && !strcmp(mode, "shape");
	if (mode && !rp->shape && strcmp(mode, "police")) {
		lana_block_error(b, "unknown mode '%s' (police or shape)",
				 mode);
		return -EINVAL;
	}
	rp->limit = 64 << 10;
	if (params[RATE_P_LIMIT].type != LANA_PT_NONE)
		rp->limit = params[RATE_P_LIMIT].u;
	lana_lock_init(&rp->lock);
	if (!rp->shape)
		return 0;
	n = rp->limit / RATE_MINFRAME + 1;
	rp->qcap = n > RATE_QMAX ? RATE_QMAX : (uint32_t)n;
#ifdef __KERNEL__
	rp->q = kcalloc(rp->qcap, sizeof(*rp->q), GFP_KERNEL);
#else
	rp->q = calloc(rp->qcap, sizeof(*rp->q));
#endif
	if (rp->q)
		rp->timer = lana_timer_new(b, rate_fire);
	if (!rp->q || !rp->timer) {
		lana_block_error(b, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void rate_fini(struct lana_block *b)
{
	struct rate_priv *rp = b->priv;

	lana_timer_free(rp->timer);	/* no fire op runs after this */
	rp->timer = NULL;
	while (rp->qn) {
		lana_pkt_free(rp->q[rp->qhead]);
		rp->qhead = (rp->qhead + 1) % rp->qcap;
		rp->qn--;
	}
#ifdef __KERNEL__
	kfree(rp->q);
#else
	free(rp->q);
#endif
	rp->q = NULL;
	lana_lock_destroy(&rp->lock);
}

static int rate_live(struct lana_block *b, const struct lana_value *params,
		     void **out)
{
	struct rate_live *l;
	uint64_t burst = 16 << 10;

	if (params[RATE_P_RATE].type == LANA_PT_NONE ||
	    !params[RATE_P_RATE].u) {
		lana_block_error(b, "rate is required and must be > 0");
		return -EINVAL;
	}
	if (params[RATE_P_BURST].type != LANA_PT_NONE)
		burst = params[RATE_P_BURST].u;
	if (burst < 64 || burst > (1ull << 30)) {
		lana_block_error(b, "burst %llu out of range 64B..1GiB",
				 (unsigned long long)burst);
		return -ERANGE;
	}
	l = lana_live_alloc(b, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->rate = params[RATE_P_RATE].u;
	l->cap = burst * 8 * NSEC;
	*out = l;
	return 0;
}

/* Count @passed and @dropped frames in this worker's (CPU's) slot. */
static void rate_count(struct lana_block *b, unsigned int passed,
		       unsigned int dropped)
{
	struct rate_pcpu *c = lana_block_pcpu(b);

	__atomic_store_n(&c->passed, c->passed + passed, __ATOMIC_RELAXED);
	__atomic_store_n(&c->dropped, c->dropped + dropped, __ATOMIC_RELAXED);
}

/*
 * police: conforming frames to out, the others dropped. shape: a frame
 * goes on at once only when nothing waits before it and its credit is
 * there; otherwise it joins the queue (stolen) if it fits, and the timer
 * is armed for the head's credit.
 */
static int rate_rx(struct lana_block *b, struct lana_burst *v)
{
	struct rate_priv *rp = b->priv;
	const struct rate_live *l = v->live;
	unsigned int i, passed = 0, dropped = 0;
	uint64_t due = 0;

	lana_lock(&rp->lock);
	rate_fill(rp, l, lana_now_ns());
	for (i = 0; i < v->n; i++) {
		uint32_t len = lana_pkt_len(v->pkt[i]);
		uint64_t cost = rate_cost(len);

		if (!rp->qn && rp->tokens >= cost) {
			rp->tokens -= cost;
			v->verdict[i] = 0;
			passed++;
		} else if (rp->shape && cost <= l->cap &&
			   rp->qn < rp->qcap && rp->qbytes + len <= rp->limit) {
			rp->q[(rp->qhead + rp->qn) % rp->qcap] = v->pkt[i];
			rp->qn++;
			rp->qbytes += len;
			v->verdict[i] = LANA_STOLEN;
		} else {
			v->verdict[i] = LANA_DROP;
			dropped++;
		}
	}
	if (rp->qn)
		due = rate_due(rp, l);
	lana_unlock(&rp->lock);
	if (due)
		lana_timer_arm(rp->timer, due);
	rate_count(b, passed, dropped);
	return LANA_RX_VERDICTS;
}

/* The timer: the queued frames whose credit has come, oldest first. */
static int rate_fire(struct lana_block *b, struct lana_burst *v)
{
	struct rate_priv *rp = b->priv;
	const struct rate_live *l = v->live;
	uint64_t due = 0;
	unsigned int n = 0;

	lana_lock(&rp->lock);
	rate_fill(rp, l, lana_now_ns());
	while (rp->qn && n < LANA_BURST) {
		struct lana_pkt *p = rp->q[rp->qhead];
		uint64_t cost = rate_cost(lana_pkt_len(p));

		if (rp->tokens < cost)
			break;
		rp->tokens -= cost;
		rp->qbytes -= lana_pkt_len(p);
		rp->qhead = (rp->qhead + 1) % rp->qcap;
		rp->qn--;
		v->pkt[n++] = p;
	}
	if (rp->qn)
		due = rate_due(rp, l);
	lana_unlock(&rp->lock);
	if (due)
		lana_timer_arm(rp->timer, due);
	v->n = (uint16_t)n;
	rate_count(b, n, 0);
	return (int)n;
}

static unsigned int rate_stats(const struct lana_block *b,
			       struct lana_stat *out, unsigned int max)
{
	struct rate_priv *rp = b->priv;
	uint64_t q;

	if (max < 1)
		return 0;
	lana_lock(&rp->lock);
	q = rp->qbytes;
	lana_unlock(&rp->lock);
	out[0] = (struct lana_stat){ .name = "queued", .value = q };
	return 1;
}

/* Shaped frames still queued: the engine is not idle yet. */
static bool rate_busy(const struct lana_block *b)
{
	struct rate_priv *rp = b->priv;
	bool busy;

	lana_lock(&rp->lock);
	busy = rp->qn != 0;
	lana_unlock(&rp->lock);
	return busy;
}

LANA_BLOCK_TYPE(rate) = {
	.name = "rate",
	.synopsis = "rate(rate, burst = 16KiB, mode = police, limit = 64KiB)   "
		    "in: eth -> out: eth",
	.doc = "Limit the rate of frames with a token bucket. The bucket "
	       "holds burst bytes and fills at rate bit/s (RFC 2697 single "
	       "rate, as tc's police and tbf). mode = police drops the frames that find no credit; "
	       "mode = shape queues them, up to limit bytes, and sends each "
	       "when its credit has come. rate and burst can be changed live; "
	       "the bucket and the queue are kept. GSO super-frames are "
	       "limited as their MTU-sized segments.",
	.params = rate_params,
	.ports = rate_ports,
	.counters = rate_counters,
	.engines = LANA_ENGINE_ALL,
	.flags = LANA_BT_FINAL,
	.priv_size = sizeof(struct rate_priv),
	.pcpu_size = sizeof(struct rate_pcpu),
	.init = rate_init,
	.fini = rate_fini,
	.live = rate_live,
	.live_free = lana_live_free,
	.rx = rate_rx,
	.stats = rate_stats,
	.busy = rate_busy,
};
