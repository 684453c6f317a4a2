/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/engine_internal.h - calls between the userspace engine core
 * (runtime/engine.c, txn_inc.c, ppe.c, block_api.c, on engine/'s shared
 * transaction core) and the other runtime parts:
 * the device layer (runtime/dev.c) and tests/benchmarks. Not for block code
 * (blocks include only blocks/lana_block.h) and not for lanad/lanarun
 * (they use runtime/engine.h).
 *
 * Threads: the "control thread" is the one thread calling the functions of
 * runtime/engine.h; "workers" are the engine's packet threads (PPE, thesis
 * 5.2.5); the "reclaim thread" is liburcu's call_rcu thread, which runs
 * block destructors (fini) after a grace period.
 */
#ifndef LANA_ENGINE_INTERNAL_H
#define LANA_ENGINE_INTERNAL_H

#include "engine.h"
#include "blocks/lana_block.h"

#include <stdbool.h>
#include <stdint.h>

/* ------------------------------------------------------------ devices */

/*
 * A device (struct lana_dev, runtime/dev.c) is a packet source of the graph
 * like a block with a poll op: frames received on it enter the graph at
 * OUT port 0 of the block that opened it (eth, tap; the thesis's virtual
 * link blocks, 4.2.6). The engine owns the polling; dev.c owns the device.
 */

/**
 * lana_engine_dev_add() - register device @d, opened by block @b, as a
 * packet source. Called by lana_dev_open()/lana_tap_open() from @b's init
 * op, i.e. in the control thread during a transaction, before the graph
 * version holding @b is published. Every published graph version that
 * contains @b then polls @d with lana_dev_poll(), always from the same
 * worker (a source is pinned to one worker for its whole life, so
 * lana_dev_poll() never runs concurrently for one device).
 * @e:  the engine (b->eng)
 * @b:  the block instance that owns the device
 * @d:  the device, passed back to lana_dev_poll() and lana_engine_dev_del()
 * @fd: a file descriptor that poll(2) reports readable (POLLIN) when frames
 *      are waiting, so idle workers can sleep on it; -1 if there is none
 *      (the device is then polled continuously)
 * Returns 0 or -ENOMEM. A block may register several devices.
 */
int lana_engine_dev_add(struct lana_engine *e, struct lana_block *b,
			struct lana_dev *d, int fd);

/**
 * lana_engine_dev_add_on() - lana_engine_dev_add(), the device polled by
 * worker @worker mod the number of workers instead of @b's worker (-1:
 * @b's, as lana_engine_dev_add()). For the queues of one device spread
 * over the workers (runtime/dev.c "Fanout"); each queue is registered
 * as a device of its own.
 */
int lana_engine_dev_add_on(struct lana_engine *e, struct lana_block *b,
			   struct lana_dev *d, int fd, int worker);

/**
 * lana_engine_dev_del() - forget device @d (registered with
 * lana_engine_dev_add()). Called by lana_dev_close() from the owning block's
 * fini (reclaim thread, after a grace period: no worker polls the device
 * any more) or from its init on a failure path (the block was never
 * published). Must not be called while a published graph version still
 * holds the block. Unknown @d is ignored. Thread-safe.
 */
void lana_engine_dev_del(struct lana_engine *e, struct lana_dev *d);

/**
 * lana_engine_dev_watch() - have the engine's device monitor
 * (runtime/devmon.c, a thread started with the first call) follow device
 * @d, registered with lana_engine_dev_add(): it then gets the interface
 * notifications of the namespace (lana_dev_link_event()) and a recheck
 * every second (lana_dev_recheck()), and, when @fd >= 0, the errors
 * poll(2) reports on @fd (lana_dev_sock_error(); EPOLLERR only). Called
 * in the control thread after lana_engine_dev_add(); lana_engine_dev_del()
 * undoes it. Without a monitor (it cannot start: logged once) the device
 * works as before, unfollowed.
 * Returns 0 or -errno (-ENOENT: @d is not registered).
 */
int lana_engine_dev_watch(struct lana_engine *e, struct lana_dev *d, int fd);

/**
 * lana_engine_dev_each() - call @fn(d, @ctx) for every registered device,
 * with the registry's lock held: no device is deleted meanwhile, and @fn
 * must not register or delete devices. For the device monitor.
 */
void lana_engine_dev_each(struct lana_engine *e,
			  void (*fn)(struct lana_dev *d, void *ctx),
			  void *ctx);

/**
 * struct lana_link_event - one rtnetlink link notification (rtnetlink(7)
 * RTM_NEWLINK / RTM_DELLINK), as the device monitor passes it on.
 * @ifindex: ifi_index of the interface
 * @flags:   ifi_flags (IFF_UP, IFF_RUNNING, ... of netdevice(7))
 * @name:    IFLA_IFNAME, "" when the message had none
 * @deleted: RTM_DELLINK: the interface left the namespace (deleted, or
 *           moved to another one)
 */
struct lana_link_event {
	int ifindex;
	unsigned int flags;
	const char *name;
	bool deleted;
};

/*
 * Implemented by runtime/dev.c, called by the device monitor thread (with
 * the registry's lock held, lana_engine_dev_each()); never by a worker.
 */

/**
 * lana_dev_link_event() - interface notification @ev, for every device:
 * an eth whose interface is deleted (or moved to another namespace) is
 * marked gone (logged once; frames sent to it are counted as drops), and
 * reattached (its socket bound again) when an interface of its name
 * appears. Anything else is ignored (a tap moved away still works; one
 * deleted is found by lana_dev_poll()).
 */
void lana_dev_link_event(struct lana_dev *d, const struct lana_link_event *ev);

/**
 * lana_dev_sock_error() - the watched descriptor of @d reported an error:
 * read it (SO_ERROR, which clears it, so the worker polling the descriptor
 * does not wake again for it) and mark @d gone if its interface no longer
 * exists. Returns true if there was an error to clear.
 */
bool lana_dev_sock_error(struct lana_dev *d);

/**
 * lana_dev_recheck() - look up the interface of @d again: a gone eth is
 * reattached if an interface of its name exists; with @full (events were
 * lost) an eth whose interface index no longer exists is marked gone.
 */
void lana_dev_recheck(struct lana_dev *d, bool full);

/**
 * lana_dev_watch_fd() - the descriptor lana_engine_dev_watch() watches for
 * @d, or -1.
 */
int lana_dev_watch_fd(const struct lana_dev *d);

/**
 * lana_dev_poll() - implemented by runtime/dev.c, called by the worker that
 * owns @d: receive up to LANA_BURST frames into @v. The worker passes
 * @v with n = 0, in_port = 0, dir = LANA_INGRESS, hops = 0; dev.c fills
 * v->pkt[0 .. n-1] (packets from lana_pkt_get(), so from the worker's
 * pool) and sets v->n. Never blocks.
 * Returns the number of frames (= v->n), 0 when none is waiting, or -1 when
 * the device failed for good (the engine stops polling it; it then counts
 * as an ended source for lana_engine_idle(), like an ended pcap_in).
 */
int lana_dev_poll(struct lana_dev *d, struct lana_burst *v);

/* ------------------------------------------------- extra block types */

/**
 * lana_engine_register_type() - make the builder use @bt for instructions
 * whose type is @bt->name, in front of the block catalogue (process-wide,
 * every engine). For tests and benchmarks: plans are still validated
 * against the catalogue (lana_plan_validate), so @bt should reuse the
 * params and ports of the catalogue type of the same name and only bring
 * its own ops. @bt must stay valid until lana_engine_unregister_types().
 * Call before creating engines, not concurrently with transactions.
 * Returns 0, -EEXIST when a type of that name is registered already, or
 * -ENOSPC when the table (64 types) is full.
 */
int lana_engine_register_type(const struct lana_block_type *bt);

/** lana_engine_unregister_types() - forget every registered type. */
void lana_engine_unregister_types(void);

/**
 * lana_engine_find_type() - the type the builder uses for @name: a
 * registered one, else lana_catalogue_find(@name); NULL if unknown.
 */
const struct lana_block_type *lana_engine_find_type(const char *name);

/* ------------------------------------------------------------ helpers */

/**
 * lana_engine_worker() - index (0 .. workers-1) of the calling worker
 * thread, or -1 in any other thread (control, reclaim).
 */
int lana_engine_worker(void);

/**
 * lana_engine_nr_workers() - number of workers @e was created with
 * (pcpu areas exist for that many).
 */
unsigned int lana_engine_nr_workers(const struct lana_engine *e);

/**
 * lana_engine_log() - write a printf-style message at syslog @level to the
 * engine's log sink (opts.log, else stderr). Any thread.
 */
void lana_engine_log(struct lana_engine *e, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * lana_engine_txn_counts() - for tests and benchmarks: how many successful
 * transactions were built incrementally (*@fast: the edit checked against
 * the running version's tables, the table copied and patched) and in full
 * (*@full: lana_plan_apply() + lana_plan_validate() + a full table build;
 * used when the incremental check cannot decide, e.g. a REPLACE that
 * changes the IN ports of a block something is bound to).
 */
void lana_engine_txn_counts(struct lana_engine *e, uint64_t *fast,
			    uint64_t *full);

/* ------------------------------------------------------ engine core */

/*
 * Everything below is shared by runtime/engine.c, txn_inc.c, ppe.c and
 * block_api.c only (the engine core; tests that check its tables too);
 * other files use the calls above.
 */
#ifdef LANA_ENGINE_CORE

#include "engine/backlog.h"
#include "engine/txn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <urcu-qsbr.h>

#define LANA_CACHELINE	 64
#define LANA_BACKLOG	 4096	/* per-worker backlog entries (power of 2) */

/* A registered device (lana_engine_dev_add). */
struct lana_devreg {
	struct lana_devreg *next;
	struct lana_binst *bi;
	struct lana_dev *dev;	/* NULL for a timer */
	struct lana_timer *tmr;	/* a block timer (lana_timer_new) */
	struct lana_fdsrc *fsrc; /* a block's descriptor (lana_fdsrc_new) */
	int fd;
	int watch_fd;		/* lana_engine_dev_watch(): -1 none */
	int worker;		/* polled by this worker; -1: the block's */
	atomic_bool ended;	/* lana_dev_poll returned -1 */
};

/* runtime/devmon.c: the device monitor thread (see lana_engine_dev_watch). */
struct lana_devmon;

/**
 * lana_devmon_start() - start @e's device monitor: its rtnetlink socket
 * (RTMGRP_LINK; without one it only rechecks once a second), epoll set
 * and thread. Returns it, or NULL (logged).
 */
struct lana_devmon *lana_devmon_start(struct lana_engine *e);

/**
 * lana_devmon_watch() - watch @fd for errors (EPOLLERR, one-shot, re-armed
 * after each, see runtime/devmon.c). 0 or -errno.
 */
int lana_devmon_watch(struct lana_devmon *m, int fd);

/** lana_devmon_unwatch() - stop watching @fd (before it is closed). */
void lana_devmon_unwatch(struct lana_devmon *m, int fd);

/** lana_devmon_stop() - stop the thread and free @m (NULL: nothing). */
void lana_devmon_stop(struct lana_devmon *m);

/*
 * struct lana_binst - the userspace engine's instance: the shared part
 * (engine/core.h; its stride is LANA_PCPU_HDR + pcpu_size rounded up to a
 * cache line, b.pcpu holds nworkers slots) and what only this engine has.
 * @inst:   the shared part (first: b.eng_priv points to it)
 * @worker: worker that polls this block's sources (poll op, devices)
 * @ended:  the poll op returned -1
 */
struct lana_binst {
	struct lana_inst inst;
	unsigned int worker;
	atomic_bool ended;
};

/* The instance of block @b (NULL for NULL). */
static inline struct lana_binst *lana_binst_of(const struct lana_block *b)
{
	return b ? caa_container_of(lana_inst_of(b), struct lana_binst,
				    inst) : NULL;
}

/* A packet source of a version, polled by one worker. */
struct lana_src {
	struct lana_block *b;
	struct lana_dev *dev;	/* NULL: b->type->poll, or @tmr */
	struct lana_timer *tmr;	/* a block timer: fired when due */
	struct lana_fdsrc *fsrc; /* a block's descriptor: its recv op */
	int fd;			/* -1: none */
	atomic_bool *ended;
	unsigned int worker;	/* the worker that polls it */
};

/*
 * struct lana_timer - a block timer (blocks/lana_block.h) of the userspace
 * engine: a source of its block's worker, due when @at (lana_now_ns()
 * clock; 0: not armed) has passed; the worker that finds it due clears
 * @at and runs @fire.
 */
struct lana_timer {
	struct lana_block *b;
	int (*fire)(struct lana_block *b, struct lana_burst *v);
	_Atomic uint64_t at;
	struct lana_engine *e;	/* NULL: outside an engine, never fires */
};

/*
 * lana_engine_timer_add() - register timer @t of block @b as a source of
 * the versions that hold @b; 0 or -ENOMEM. lana_engine_timer_del() -
 * forget it (fini: no version that holds @b is in use any more).
 */
int lana_engine_timer_add(struct lana_engine *e, struct lana_block *b,
			  struct lana_timer *t);
void lana_engine_timer_del(struct lana_engine *e, struct lana_timer *t);

/*
 * struct lana_fdsrc - a block's descriptor source (blocks/lana_block.h
 * lana_fdsrc_new()): polled by the block's worker like a device, with the
 * block's @recv op instead of lana_dev_poll().
 */
struct lana_fdsrc {
	struct lana_block *b;
	int fd;
	int (*recv)(struct lana_block *b, struct lana_burst *v);
	struct lana_engine *e;	/* NULL: outside an engine, never polled */
	struct lana_fdsrc *orphan_next; /* outside an engine: the list of
					 * lana_fdsrc_orphan() */
};

/**
 * lana_fdsrc_orphan() - the descriptor source that block @b, built
 * outside an engine (block tests), made with lana_fdsrc_new(), or NULL:
 * the tests call its recv op the way a worker would.
 */
struct lana_fdsrc *lana_fdsrc_orphan(const struct lana_block *b);

/*
 * lana_engine_fdsrc_add() - register descriptor source @s of block @b as a
 * source of the versions that hold @b; 0 or -ENOMEM.
 * lana_engine_fdsrc_del() - forget it (fini, or init's failure path).
 */
int lana_engine_fdsrc_add(struct lana_engine *e, struct lana_block *b,
			  struct lana_fdsrc *s);
void lana_engine_fdsrc_del(struct lana_engine *e, struct lana_fdsrc *s);

/*
 * Binding storage made by a full build (one array for every tab[].out),
 * shared by the versions built from it incrementally; freed with the last.
 */
struct lana_bpool {
	atomic_uint refs;
	size_t n;
	struct lana_bind b[];
};

/*
 * struct lana_gver - a graph version (thesis 5.2.4 registry, as one
 * RCU-published table indexed by IDP): the members engine/ shares
 * (LANA_GRAPH_GROUP: gen, ntab, nevent, tab, dead, plan) and this
 * engine's own.
 * @tab[i].out points into @pool, or to an array of its own (made by an
 *       incremental transaction for the blocks whose bindings it changed);
 *       such an array is shared with later versions until one of them
 *       changes it again: it is then put on the predecessor's @freeb
 * @indeg: bound edges into each IDP (ntab entries)
 * @plan: canonical full plan; when @pedit is set, @plan is the previous
 *        version's plan and this version's is lana_plan_apply(@plan,
 *        @pedit), computed on demand (materialised)
 * @free_all: free every own array of @tab when destroyed (the next
 *        version was built in full, or the engine is going)
 */
struct lana_gver {
	LANA_GRAPH_GROUP;		/* first: engine/ allocates versions */
	struct rcu_head rcu;
	struct lana_engine *e;
	uint32_t *indeg;
	struct lana_bpool *pool;
	struct lana_bind **freeb;	/* own arrays to free with this version */
	uint32_t nfreeb;
	bool free_all;
	struct lana_src *src;		/* sources, grouped by worker */
	uint32_t *wsrc;			/* worker w: src[wsrc[w] .. wsrc[w+1]) */
	uint32_t nsrc;
	struct lana_plan *pedit;	/* edit not yet applied to @plan */
};

/* The userspace version holding @g. */
static inline struct lana_gver *lana_gver_of(const struct lana_graph *g)
{
	return caa_container_of(g, struct lana_gver, g);
}

/* struct lana_worker - one PPE thread. */
struct lana_worker {
	struct lana_engine *e;
	unsigned int id;
	pthread_t th;
	bool started;
	atomic_int busy;		/* inside a round with packets */
	uint32_t cur_hops;		/* hops of the burst being processed */
	uint32_t bl_head, bl_tail;	/* backlog ring indices */
	struct lana_blog *bl;		/* LANA_BACKLOG entries (engine/backlog.h) */
	uint64_t loop_drops;		/* written by this worker only */
	uint64_t unbound_drops;
	uint64_t nomem_drops;
} __attribute__((aligned(LANA_CACHELINE)));

struct lana_engine {
	struct lana_engine_opts o;
	unsigned int nworkers;
	pthread_mutex_t lock;		/* control-thread calls */
	pthread_mutex_t dev_lock;	/* devs list */
	struct lana_gver *cur;		/* RCU-published */
	struct lana_worker *w;
	atomic_bool stop;
	bool running;
	struct lana_core core;		/* versions published, notifier */
	unsigned int next_src;
	struct lana_devreg *devs;
	struct lana_devmon *mon;	/* device monitor, started on demand */
	bool mon_failed;		/* it could not start (logged) */
	uint64_t txn_fast;		/* transactions built incrementally */
	uint64_t txn_full;		/* transactions built in full */
};

/* The worker running on this thread (NULL in other threads). */
extern _Thread_local struct lana_worker *lana_cur_worker;

/* ppe.c: worker thread body (arg: struct lana_worker *). */
void *lana_ppe_worker(void *arg);

/* ppe.c: the counters of @b in worker @w's slot. */
static inline struct lana_bcnt *lana_bcnt_of(const struct lana_block *b,
					     unsigned int w, uint32_t stride)
{
	return (struct lana_bcnt *)((char *)b->pcpu + (size_t)w * stride);
}

/* -------------------- engine.c, for the incremental path (txn_inc.c) */

/**
 * struct lana_srcb - a version's source list being built by
 * lana_gver_sources(), in two passes over the same sources.
 * @v:     the version (its wsrc, src, nsrc)
 * @fill:  next slot of each worker (second pass)
 * @n:     sources counted (first pass)
 * @place: second pass: place the sources, else count them by worker
 */
struct lana_srcb {
	struct lana_gver *v;
	uint32_t *fill;
	uint32_t n;
	bool place;
};

/**
 * lana_srcb_put() - one source of the version being built.
 * @sb:     the builder
 * @worker: the worker that polls it (the instance's)
 * @s:      the source, copied in the second pass
 */
void lana_srcb_put(struct lana_srcb *sb, unsigned int worker,
		   const struct lana_src *s);

/**
 * lana_srcb_inst() - the poll op of an instance as a source.
 * @sb: the builder
 * @bi: an instance whose type has a poll op
 */
void lana_srcb_inst(struct lana_srcb *sb, struct lana_binst *bi);

/**
 * lana_srcb_dev() - a registered device as a source.
 * @sb: the builder
 * @r:  the device's registration (e->dev_lock held: lana_gver_sources())
 */
void lana_srcb_dev(struct lana_srcb *sb, struct lana_devreg *r);

/**
 * lana_gver_sources() - build a version's source list, grouped by worker.
 * @e:    the engine
 * @v:    the version; v->wsrc zeroed, v->src not yet made
 * @each: calls lana_srcb_put() (or its _inst/_dev forms) for every source,
 *        the same ones in the same order on both calls, with e->dev_lock
 *        held
 * @ctx:  for @each
 * Return: 0, or -ENOMEM (v->src not made, v->wsrc to be discarded with @v).
 */
int lana_gver_sources(struct lana_engine *e, struct lana_gver *v,
		       void (*each)(struct lana_srcb *sb, void *ctx),
		       void *ctx);

/**
 * lana_gver_copy() - the next version of an incremental transaction.
 * @e:    the engine
 * @ntab: its table size (>= old->ntab)
 * @old:  the running version, whose table, in-degrees, event count and
 *        binding pool (one more reference) the copy starts from
 *
 * Return: the version, or NULL when out of memory.
 */
struct lana_gver *lana_gver_copy(struct lana_engine *e, uint32_t ntab,
				 const struct lana_gver *old);

/**
 * lana_gver_own_out() - whether a slot's bindings are an array of their
 * own (made by an incremental transaction) rather than in @v's pool.
 * @v:   the version
 * @out: a slot's bindings (NULL: none)
 */
bool lana_gver_own_out(const struct lana_gver *v,
		       const struct lana_bind *out);

/* txn_inc.c: incremental path result "take the full path instead". */
#define LANA_TXN_UNDECIDED 1

/**
 * lana_txn_inc() - the incremental build path (thesis 4.2.4).
 * @t: a transaction begun with lana_txn_begin()
 *
 * The edit is checked against the running version's tables and the next
 * version made by copying and patching them, with the shared steps of
 * engine/txn.h; then published.
 *
 * Return: LANA_TXN_UNDECIDED when the check cannot decide (nothing done:
 * take lana_txn_full()), else 0 or the builder's -errno with t->err set.
 */
int lana_txn_inc(struct lana_txn *t);

#endif /* LANA_ENGINE_CORE */

#endif /* LANA_ENGINE_INTERNAL_H */
