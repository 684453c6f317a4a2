// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/block_api.c - the block API of blocks/lana_block.h for the kernel
 * engine: packets are sk_buffs (kmod/lana_pkt.h), per-worker storage is
 * per-CPU storage (alloc_percpu, one "worker" per possible CPU), time is
 * ktime_get_ns(), errors go to the transaction's message. lana_emit() is
 * in kmod/ppe.c (the per-CPU backlog). The userspace twin is
 * runtime/block_api.c.
 */
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "engine.h"

/* Headroom of packets blocks allocate (vlan push, Ethernet alignment). */
#define LANA_K_HEADROOM	64

/* What lana_block_pcpu_each() shows for a CPU that cannot exist. */
static const u64 lana_zero_pcpu[4096 / sizeof(u64)];

struct lana_pkt *lana_pkt_alloc(struct lana_block *b, uint32_t len)
{
	struct sk_buff *skb;

	if (len > 65535)
		return NULL;
	skb = alloc_skb(LANA_K_HEADROOM + len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, LANA_K_HEADROOM);
	skb_put(skb, len);
	skb_reset_mac_header(skb);
	return lana_skb_pkt(skb);
}

/*
 * A private, linear copy (tee's copies are written by later blocks
 * independently of the original), with the original's headroom.
 */
struct lana_pkt *lana_pkt_copy(struct lana_block *b, struct lana_pkt *p)
{
	return lana_skb_pkt(skb_copy(lana_pkt_skb(p), GFP_ATOMIC));
}

void lana_pkt_free(struct lana_pkt *p)
{
	kfree_skb(lana_pkt_skb(p));
}

/*
 * The kernel already completes checksums at transmit; a block that needs
 * the bytes now gets skb_checksum_help() (Documentation/networking/
 * checksum-offloads.rst).
 */
int lana_pkt_complete(struct lana_block *b, struct lana_pkt *p)
{
	struct sk_buff *skb = lana_pkt_skb(p);

	if (skb_is_gso(skb))
		return -EMSGSIZE;
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	return skb_checksum_help(skb) ? -EINVAL : 0;
}

void *lana_block_pcpu(const struct lana_block *b)
{
	return (char *)this_cpu_ptr((void __percpu *)b->pcpu) +
	       LANA_PCPU_HDR;
}

void *lana_block_pcpu_each(const struct lana_block *b, unsigned int i)
{
	if (i >= nr_cpu_ids)
		return NULL;
	if (!cpu_possible(i))
		return (void *)lana_zero_pcpu;
	return (char *)per_cpu_ptr((void __percpu *)b->pcpu, i) +
	       LANA_PCPU_HDR;
}

unsigned int lana_nr_workers(const struct lana_block *b)
{
	return nr_cpu_ids;
}

bool lana_block_offline(const struct lana_block *b)
{
	return false;	/* the kernel engine carries live traffic only */
}

uint64_t lana_now_ns(void)
{
	return ktime_get_ns();
}

void lana_block_error(struct lana_block *b, const char *fmt, ...)
{
	struct lana_inst *ki = b->eng_priv;
	va_list ap;

	va_start(ap, fmt);
	if (ki) {
		vsnprintf(ki->err, sizeof(ki->err), fmt, ap);
	} else {
		struct va_format vaf = { .fmt = fmt, .va = &ap };

		pr_err("lana: %s: %pV\n", b->name ? b->name : "block", &vaf);
	}
	va_end(ap);
}

void *lana_live_alloc(struct lana_block *b, size_t size)
{
	void *p = kzalloc(size ? size : 1, GFP_KERNEL);

	if (!p)
		lana_block_error(b, "out of memory");
	return p;
}

void lana_live_free(void *obj)
{
	kfree(obj);
}

/* A block timer (blocks/lana_block.h): an hrtimer in softirq mode. */
struct lana_timer {
	struct hrtimer hr;
	struct lana_block *b;
	int (*fire)(struct lana_block *b, struct lana_burst *v);
};

static enum hrtimer_restart lana_timer_fn(struct hrtimer *hr)
{
	struct lana_timer *t = container_of(hr, struct lana_timer, hr);

	lana_ppe_timer(t->b, t->fire);	/* fire may re-arm it */
	return HRTIMER_NORESTART;
}

struct lana_timer *lana_timer_new(struct lana_block *b,
				  int (*fire)(struct lana_block *b,
					      struct lana_burst *v))
{
	struct lana_timer *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	t->b = b;
	t->fire = fire;
	hrtimer_init(&t->hr, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	t->hr.function = lana_timer_fn;
	return t;
}

void lana_timer_arm(struct lana_timer *t, uint64_t at_ns)
{
	ktime_t at = ns_to_ktime(at_ns);

	/* a pending timer keeps an earlier expiry; a running one (fire
	 * re-arming itself) is not queued, so it is started again */
	if (hrtimer_is_queued(&t->hr) &&
	    ktime_before(hrtimer_get_expires(&t->hr), at))
		return;
	hrtimer_start(&t->hr, at, HRTIMER_MODE_ABS_SOFT);
}

void lana_timer_free(struct lana_timer *t)
{
	if (!t)
		return;
	hrtimer_cancel(&t->hr);	/* waits for a running lana_timer_fn */
	kfree(t);
}
