/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/engine.h - the kernel engine core of lana.ko: registry, builder,
 * notifier, transactions and the packet processing engine (thesis ch. 4.2,
 * 5.2.4, 5.2.5), the kernel twin of runtime/engine.h. The builder,
 * versions, notifier and transactions are engine/'s, shared with the
 * userspace engine; kmod/engine.c is the kernel's glue to them.
 *
 * There is one engine per module. The running graph is one graph version
 * (struct lana_kgver): a table indexed by IDP holding each instance and
 * the bindings of its OUT ports, published under kernel RCU. The control
 * path (generic netlink family "lana", kmod/genl.c) runs transactions
 * under lana_engine_lock; the packet path (kmod/ppe.c) runs in the softirq
 * context of the receiving CPU under rcu_read_lock() and never sleeps.
 *
 * For the device layer (kmod/dev.c): a virtual link block (eth, tap) opens
 * its device from its init op (process context, during a transaction,
 * before the version holding the block is published) and hands every frame
 * it receives to lana_ppe_input(). Frames for a block that is not (yet, or
 * any more) in the published version are dropped by lana_ppe_input(). The
 * block's fini op runs in process context after an RCU grace period
 * (synchronize_rcu()), with lana_engine_lock held, so it may sleep and take
 * rtnl_lock, but device notifiers must not take lana_engine_lock.
 */
#ifndef LANA_KMOD_ENGINE_H
#define LANA_KMOD_ENGINE_H

#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "blocks/lana_block.h"
#include "engine/core.h"

struct lana_plan;
struct lana_buf;

#define LANA_K_BACKLOG		1024	/* per-CPU backlog entries (power of 2) */
#define LANA_K_PLAN_MAX		(64u << 20)	/* largest plan accepted (bytes) */
#define LANA_K_ERRLEN		256	/* error message buffers */

/**
 * struct lana_kgver - a graph version (the thesis's registry, 5.2.4, as
 * one RCU-published table indexed by IDP): the members engine/ shares
 * (LANA_GRAPH_GROUP, engine/core.h: gen, ntab, nevent, tab, dead, plan),
 * then @binds, the storage of every tab[].out.
 */
struct lana_kgver {
	LANA_GRAPH_GROUP;
	struct lana_bind *binds;
};

/* Engine-wide per-CPU counters. */
struct lana_kcounters {
	u64 loop_drops;		/* dropped by the loop guard */
	u64 unbound_drops;	/* sent to an unbound port */
	u64 nomem_drops;	/* allocation failure, backlog overflow */
	u64 stale_drops;	/* frames for a block not in the version */
};

/* ------------------------------------------------------------ the engine */

/* Serialises transactions, stats reads and teardown (process context). */
extern struct mutex lana_engine_lock;

/* The published version; rcu_dereference() it under rcu_read_lock(). */
extern struct lana_kgver __rcu *lana_cur;

/**
 * lana_engine_init() - allocate the per-CPU state and publish the empty
 * graph (module init). Returns 0 or -ENOMEM.
 */
int lana_engine_init(void);

/**
 * lana_engine_exit() - tear the graph down: every instance's fini runs
 * after a grace period, per-CPU state freed (module exit, after the genl
 * family is gone, so no transaction can start).
 */
void lana_engine_exit(void);

/**
 * lana_engine_apply() - run decoded plan @plan as one transaction (caller
 * holds lana_engine_lock). Same semantics as the userspace engine's
 * lana_engine_apply() (runtime/engine.h): an edit plan applies to the
 * running graph, whose checksum must equal @plan->base_crc (-ESTALE); a
 * full plan replaces the running graph (diffed against it, so the blocks
 * both have keep instance and state). Constructors and SETs run first; on
 * any failure everything is undone and the running graph is untouched;
 * otherwise the next version is published with one rcu_assign_pointer().
 * Returns 0, or -errno with @err (LANA_K_ERRLEN bytes is enough) naming
 * the failing instruction, e.g. "instruction 3 (NEW 4 nic eth): no such
 * device 'nosuch0'".
 */
int lana_engine_apply(struct lana_plan *plan, char *err, size_t errlen);

/** lana_engine_flush() - remove every block (one transaction; lock held). */
int lana_engine_flush(char *err, size_t errlen);

/**
 * lana_engine_plan_bytes() - the running plan, encoded, appended to @out
 * (lana_buf_free() it), with its checksum in *@crc and the generation in
 * *@gen (caller holds lana_engine_lock). 0 or -errno.
 */
int lana_engine_plan_bytes(struct lana_buf *out, u32 *crc, u64 *gen);

/**
 * lana_engine_plan_crc() - checksum of the running plan (lock held), what
 * an edit plan must name as its base.
 */
u32 lana_engine_plan_crc(void);

/**
 * lana_engine_block_stats() - the counters of the first block with IDP >=
 * *@idp (lock held), or of the block named @name when not NULL. On
 * success *@idp is the block's IDP. Returns 0, or -ENOENT when there is
 * no such block. @s is filled by the shared lana_inst_stats()
 * (struct lana_block_stats, engine/stats.h), as in lanad.
 */
int lana_engine_block_stats(u32 *idp, const char *name,
			    struct lana_block_stats *s);

/**
 * lana_engine_self_stats() - the engine's own record of a full stats dump
 * (engine/stats.h: IDP 0, the packets lana.ko dropped itself, by reason:
 * loop guard, unbound port, no memory, stale version), as lanad sends it.
 * @s: filled
 */
void lana_engine_self_stats(struct lana_block_stats *s);

/** lana_engine_counters() - engine counters summed over CPUs. */
void lana_engine_counters(struct lana_kcounters *c, u64 *generation);

/* --------------------------------------------------------------- the PPE */

/**
 * lana_ppe_input() - frame @skb, received by virtual link block @b (eth,
 * tap), enters the graph at @b's OUT port 0, ingress (thesis 4.2.5,
 * 5.2.5). Runs the packet through the published graph version in the
 * caller's context (softirq of the receiving CPU: rx_handler, or a
 * device's ndo_start_xmit); never sleeps. Consumes @skb in every case:
 * the frame is forwarded, stolen by a block, or freed and counted.
 * skb->data must point to the MAC header (skb_push(skb, ETH_HLEN) in an
 * rx_handler).
 */
void lana_ppe_input(struct lana_block *b, struct sk_buff *skb);

/**
 * lana_ppe_timer() - block timer of @b fired (hrtimer softirq): run @fire
 * in the published version, if @b is in it, and the packets it put into
 * its burst from @b's OUT port 0 (then the backlog), as lana_ppe_input().
 */
void lana_ppe_timer(struct lana_block *b,
		    int (*fire)(struct lana_block *b, struct lana_burst *v));

/**
 * lana_ppe_source() - lana_ppe_timer() for a descriptor-like source (a UDP
 * tunnel socket's encap_rcv, kmod/udp.c): @recv takes the packets
 * waiting for @b. Returns false, without calling @recv, when @b is not in
 * the published version or the PPE already runs on this CPU (the packets
 * stay where they wait); true otherwise.
 */
bool lana_ppe_source(struct lana_block *b,
		     int (*recv)(struct lana_block *b, struct lana_burst *v));

/* ppe.c: per-CPU state (backlog, counters); engine init/exit. */
int lana_ppe_init(void);
void lana_ppe_exit(void);
void lana_ppe_counters(struct lana_kcounters *c);

/* block_api.c: counters of @b on @cpu. */
static inline struct lana_bcnt *lana_bcnt_cpu(const struct lana_block *b,
					      int cpu)
{
	return per_cpu_ptr((struct lana_bcnt __percpu *)b->pcpu, cpu);
}

static inline struct lana_bcnt *lana_bcnt_this(const struct lana_block *b)
{
	return this_cpu_ptr((struct lana_bcnt __percpu *)b->pcpu);
}

/* ------------------------------------------------------------ the family */

/** lana_genl_init() - register the generic netlink family "lana". */
int lana_genl_init(void);

/** lana_genl_exit() - unregister it and drop open transactions. */
void lana_genl_exit(void);

#endif /* LANA_KMOD_ENGINE_H */
