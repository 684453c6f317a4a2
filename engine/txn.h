/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/txn.h - the transaction core both LANA engines compile: the
 * builder (thesis 4.2.2, 5.2.4), the registry's graph versions (4.2.1,
 * 5.2.4), the notifier (4.2.3) and transactions (4.2.4): validate a plan,
 * diff a full plan against the running one, construct the NEW/REPLACE
 * instances, apply SETs with rollback, build the next version's table,
 * publish it and deliver the events. engine/README.md describes the split.
 *
 * Each engine implements struct lana_glue once: what really differs
 * between them (which block types run, per-worker or per-CPU storage, the
 * device registry, the RCU flavour, logging, the userspace engine's extra
 * tables). Everything here runs in the engine's control context, one
 * transaction at a time (the caller's lock): lanad's control thread, or
 * process context under lana_engine_lock in lana.ko.
 *
 * Memory comes from malloc/calloc/free (mapped onto the kernel by
 * kmod/compat/lana_compat.h); failures are reported as -ENOMEM with
 * "out of memory" where a transaction can still be refused cleanly.
 */
#ifndef LANA_ENGINE_TXN_H
#define LANA_ENGINE_TXN_H

#include "core.h"
#include "plan/plan.h"

struct lana_core;
struct lana_txn;

/**
 * struct lana_glue - what an engine implements for the core (all called
 * in the control context; optional ones may be NULL).
 * @name:        how messages name the engine ("engine", "kernel engine")
 * @types_first: refuse NEW/REPLACE of a catalogue type the engine does
 *               not run before validating the plan (the kernel catalogue
 *               holds descriptor stubs whose parameters would otherwise be
 *               reported; blocks/catalogue.c)
 * @inst_size:   bytes of the engine's instance, a struct lana_inst first
 *               (at offset 0: engine/ allocates and frees it)
 * @ver_size:    bytes of the engine's graph version, LANA_GRAPH_GROUP its
 *               first member (likewise)
 * @type_find:   the type that runs instruction type @name: 0 with *@bt
 *               set, or -errno with @msg (@msglen bytes) saying why not,
 *               e.g. "block type 'gen' does not run in the kernel engine"
 * @inst_init:   the engine's part of new instance @in before the type's
 *               init: b.pcpu (zeroed, LANA_PCPU_HDR before each slot),
 *               in->stride; 0 or -ENOMEM
 * @inst_ready:  optional: after the type's init succeeded (userspace:
 *               the worker that polls its sources)
 * @inst_fini:   after the type's fini, or instead of it when init did not
 *               run or failed: release what @inst_init and the block left
 *               (b.pcpu, devices still registered)
 * @op_failed:   the message for a type's init (@op LANA_OP_NEW) or set
 *               (LANA_OP_SET) that returned -errno @err without a
 *               lana_block_error() text
 * @bcnt_sum:    sum @in's struct lana_bcnt over workers or CPUs into @sum
 *               (zeroed by the caller)
 * @ver_init:    optional: the engine's own members of new version @g
 *               (after @g->tab and @g->plan exist); 0 or -ENOMEM
 * @ver_fini:    optional: free them (@g is being freed)
 * @binds_alloc: zeroed storage for @n bindings of version @g, owned by @g
 *               (freed by @ver_fini); NULL when out of memory
 * @plan_ready:  optional: make @g->plan the version's own canonical plan
 *               (userspace applies a pending edit on demand); 0 or -errno
 * @full_built:  optional: lana_txn_full() filled @t->nv's table from its
 *               plan; complete the engine's own tables of it; 0 or -errno
 * @publish:     make @nv the running version (rcu_assign_pointer)
 * @retire:      free @old, the version just replaced, and the instances
 *               on its dead list once no reader can be inside it (after a
 *               grace period: call_rcu, or synchronize_rcu() and
 *               lana_graph_free())
 * @log:         report an error that does not refuse the transaction
 */
struct lana_glue {
	const char *name;
	bool types_first;
	size_t inst_size;
	size_t ver_size;
	int (*type_find)(const char *name, const struct lana_block_type **bt,
			 char *msg, size_t msglen);
	int (*inst_init)(struct lana_core *c, struct lana_inst *in);
	void (*inst_ready)(struct lana_core *c, struct lana_inst *in);
	void (*inst_fini)(struct lana_core *c, struct lana_inst *in);
	void (*op_failed)(unsigned int op, int err, char *msg, size_t msglen);
	void (*bcnt_sum)(const struct lana_core *c, const struct lana_inst *in,
			 struct lana_bcnt *sum);
	int (*ver_init)(struct lana_core *c, struct lana_graph *g);
	void (*ver_fini)(struct lana_core *c, struct lana_graph *g);
	struct lana_bind *(*binds_alloc)(struct lana_graph *g, size_t n);
	int (*plan_ready)(struct lana_graph *g);
	int (*full_built)(struct lana_txn *t);
	void (*publish)(struct lana_core *c, struct lana_graph *nv);
	void (*retire)(struct lana_core *c, struct lana_graph *old);
	void (*log)(struct lana_core *c, const char *msg);
};

/**
 * struct lana_core - the transaction core's state of one engine (embedded
 * in struct lana_engine in userspace, one static in lana.ko).
 * @glue:     the engine's implementation
 * @eng:      what instances get as b.eng (NULL in the kernel)
 * @gen:      versions published
 * @ev_stamp: notifier de-duplication
 */
struct lana_core {
	const struct lana_glue *glue;
	struct lana_engine *eng;
	uint64_t gen;
	uint64_t ev_stamp;
};

/* An instance this transaction made (NEW or REPLACE). */
struct lana_made {
	uint32_t insn;		/* 1-based instruction index */
	struct lana_inst *in;
};

/* A SET applied to an instance, with the value it replaced. */
struct lana_undo {
	struct lana_inst *in;
	uint32_t pidx;
	uint32_t insn;		/* 1-based instruction index */
	struct lana_value old;
};

/*
 * An instance whose live object this transaction rebuilt: @old, the one
 * the running version holds, goes on its dead_live list in @rec (taken
 * when the build ran, so that publishing allocates nothing).
 */
struct lana_relive {
	struct lana_inst *in;
	void *old;
	struct lana_live_old *rec;
};

/* A notifier event (LANA_EV_*) of @src; UNBIND: @extra, the former dst. */
struct lana_event {
	unsigned int ev;
	struct lana_inst *src;
	struct lana_inst *extra;
};

/**
 * struct lana_txn - one transaction (thesis 4.2.4), from lana_txn_begin()
 * to lana_txn_end().
 * @core:  the engine
 * @old:   the running version
 * @nv:    the next version, once a build path made it (NULL before)
 * @edit:  the edit plan to run: the caller's edit plan, or @owned
 * @owned: the edit computed from a full plan by lana_plan_diff(); owned
 *         by the transaction (a build path may take it: set it NULL)
 * @made:  instances made, in instruction order
 * @undo:  SETs applied, oldest first
 * @relive: instances whose live object the SETs rebuilt
 * @ev:    events to deliver once @nv is published
 * @err:   the caller's message buffer
 * @errlen: bytes of @err (0: no message)
 */
struct lana_txn {
	struct lana_core *core;
	struct lana_graph *old;
	struct lana_graph *nv;
	const struct lana_plan *edit;
	struct lana_plan *owned;
	VEC(struct lana_made) made;
	VEC(struct lana_undo) undo;
	VEC(struct lana_relive) relive;
	VEC(struct lana_event) ev;
	char *err;
	size_t errlen;
};

/* ------------------------------------------------ builder (engine/inst.c) */

/**
 * lana_inst_new() - the builder (thesis 4.2.2, 5.2.4): make the instance a
 * NEW or REPLACE instruction describes.
 * @c:      the engine
 * @in:     the instruction (its type, IDP, name and parameters)
 * @out:    receives the instance; NULL on failure
 * @msg:    receives why it failed
 * @msglen: bytes of @msg
 *
 * Finds the type (glue type_find), deep-copies the parameters into the
 * instance (lana_value_copy()), sizes the OUT ports (port groups from the
 * parameters or their defaults, lana_param_uint()), lets the engine
 * allocate the pcpu area (inst_init) and b.priv, runs the type's init,
 * then inst_ready. b.eng_priv points to the instance. Control context.
 *
 * Return: 0, or -errno with @msg set: the engine's refusal of the type
 * (-EINVAL, -EOPNOTSUPP), "block type 'x' has no parameter 'y'"
 * (-EINVAL), the block's lana_block_error() text or the engine's message
 * for the init op's errno (glue op_failed), "out of memory" (-ENOMEM).
 */
int lana_inst_new(struct lana_core *c, const struct lana_insn *in,
		  struct lana_inst **out, char *msg, size_t msglen);

/**
 * lana_inst_free() - destroy an instance.
 * @c:  the engine
 * @in: the instance; no reader may still reach it (it left every
 *      published version a grace period ago, or was never published)
 *
 * Runs the type's fini when its init succeeded, then the engine's
 * inst_fini, then frees b.priv and the instance's storage. May sleep when
 * fini does (kernel: process context).
 */
void lana_inst_free(struct lana_core *c, struct lana_inst *in);

/**
 * lana_inst_copy_value() - deep copy of a value into an instance's storage.
 * @in:  the instance that owns the copy (freed with it)
 * @dst: receives the copy
 * @src: the value (strings, list items and filter programs are copied)
 *
 * Return: 0, or -ENOMEM (@dst then partly copied).
 */
int lana_inst_copy_value(struct lana_inst *in, struct lana_value *dst,
			 const struct lana_value *src);

/**
 * lana_inst_count() - port-group count of an instance, a lana_count_fn for
 * lana_port_count() and lana_port_at().
 * @name: the parameter sizing the group (tee's "n")
 * @ctx:  the instance (struct lana_inst *)
 *
 * Return: the instance's value of @name, else its default, else 0
 * (lana_param_uint()).
 */
uint64_t lana_inst_count(const char *name, void *ctx);

/**
 * lana_inst_stats() - the counters of one instance, for `lanarun stats`.
 * @c:  the engine
 * @in: the instance
 * @s:  receives its identity, the engine counters summed over workers or
 *      CPUs (glue bcnt_sum; relaxed reads, so a snapshot, not a cut) and
 *      the type's own named counters
 */
void lana_inst_stats(const struct lana_core *c, const struct lana_inst *in,
		     struct lana_block_stats *s);

/* ---------------------------------------- graph versions (engine/graph.c) */

/**
 * lana_graph_new() - a new, empty graph version (thesis 5.2.4).
 * @c:    the engine
 * @ntab: table slots, greater than every IDP the version will hold
 *
 * Allocates glue ver_size bytes, an empty table and an empty plan, then
 * calls glue ver_init.
 *
 * Return: the version, or NULL when out of memory.
 */
struct lana_graph *lana_graph_new(struct lana_core *c, uint32_t ntab);

/**
 * lana_graph_free() - free a version and the instances that left with it.
 * @c: the engine
 * @g: the version; no reader may be inside it (never published, or a
 *     grace period after it was replaced)
 *
 * Destroys the instances on @g's dead list (lana_inst_free()), then @g:
 * glue ver_fini, table, plan.
 */
void lana_graph_free(struct lana_core *c, struct lana_graph *g);

/**
 * lana_graph_free_all() - engine teardown: free a version with every
 * instance in it.
 * @c: the engine
 * @g: the version, no longer published, no reader left
 */
void lana_graph_free_all(struct lana_core *c, struct lana_graph *g);

/**
 * lana_graph_fill() - fill a version's table from its plan.
 * @c:   the engine
 * @nv:  the new version; nv->plan is a full plan (NEW and BIND only) and
 *       nv->tab[idp].b holds the instances this transaction made
 * @old: the running version, whose instances the others are
 *
 * Each NEW's slot gets the made instance, else @old's at that IDP (kept:
 * the same object, so its state carries over), its rx op, port count and
 * stride; binding storage comes from glue binds_alloc and the BINDs are
 * set. Counts nv->nevent.
 *
 * Return: 0, -ENOMEM, or -EINVAL when the plan names an IDP that has no
 * instance (cannot happen for a plan from lana_plan_apply()).
 */
int lana_graph_fill(struct lana_core *c, struct lana_graph *nv,
		    const struct lana_graph *old);

/**
 * lana_graph_hops() - the loop guard bound of a version's table.
 * @g:    the version, table filled (bindings set)
 * @hops: receives the bound, at most UINT32_MAX - 1
 *
 * L is the longest path, in edges, through the bound OUT ports of @g,
 * where an edge into a LANA_BT_VLINK block ends a path (its inputs leave
 * the graph) and its outputs start one (thesis 4.2.6; lang/check.c makes
 * the same cut). A packet counts one hop per block it enters after the
 * one it entered the graph at, and packets spawned or queued in the
 * backlog keep their parent's count and leave the block that queued
 * them, so in an acyclic table no packet makes more than L hops. In the
 * kernel a frame a block transmits may enter the graph again at a vlink
 * (nested lana_ppe_input(), queued to the backlog with its count); if the
 * device topology is acyclic that happens at most once per vlink block, V
 * of them, each time for at most L more hops. The bound is therefore
 * (V + 1) * L. A table with a cycle (a raw plan: the compiler refuses
 * cycles) takes the number of its blocks for L, more than any path
 * without a loop has edges, so every looping packet ends.
 *
 * Iterative (Kahn's topological sort), O(blocks + bindings), three
 * arrays of ntab entries.
 *
 * Return: 0, or -ENOMEM (*@hops unchanged).
 */
int lana_graph_hops(const struct lana_graph *g, uint32_t *hops);

/* ------------------------------------------- notifier (engine/notify.c) */

/**
 * struct lana_notifier - delivery state of one transaction's events.
 * @core:  the engine (its event stamp)
 * @v:     the new version, whose neighbours get BIND, UNBIND and SET
 * @old:   the replaced version, whose neighbours get DEL
 * @rv:    reverse adjacency of @v (idp -> sources binding into it, CSR),
 *         built on first use
 * @rold:  the same for @old
 * @stamp: the event being delivered (each block gets it once)
 */
struct lana_notifier {
	struct lana_core *core;
	const struct lana_graph *v;
	const struct lana_graph *old;
	struct lana_rev {
		uint32_t *start;
		uint32_t *src;
	} rv, rold;
	uint64_t stamp;
};

/**
 * lana_notify() - deliver one event (thesis 4.2.3).
 * @n:  the delivery state
 * @ev: the event: to its source block itself and its UNBIND partner, then
 *      to the blocks subscribed to it, its neighbours (both directions)
 *      in the new version, or for LANA_EV_DEL in the old one; each block
 *      whose type has an event op gets it once
 * Never fails: without memory for the reverse adjacency table the
 * neighbours binding into the block are found by a scan of the table
 * (same blocks, same order), since the version is already published.
 */
void lana_notify(struct lana_notifier *n, const struct lana_event *ev);

/**
 * lana_notifier_free() - release the reverse adjacency tables.
 * @n: the delivery state
 */
void lana_notifier_free(struct lana_notifier *n);

/* -------------------------------------------- transactions (engine/txn.c) */

/**
 * lana_txn_begin() - the prologue of a transaction (thesis 4.2.4).
 * @t:      the transaction, initialised by this call
 * @c:      the engine; the caller holds its control lock
 * @old:    the running version
 * @plan:   the plan to run, a full plan or an edit plan
 * @err:    receives the message of a refusal
 * @errlen: bytes of @err (0: no message)
 *
 * A full plan is validated and diffed against @old's plan (the blocks
 * both have keep their instance); t->owned holds the edit. An edit plan
 * must name @old's plan checksum as its base, then is validated. With
 * glue types_first, NEW/REPLACE of a catalogue type the engine does not
 * run is refused first. A build path follows (lana_txn_full(), or the
 * userspace incremental one), then lana_txn_end(). The vectors the build
 * path fills (t->made, t->undo, t->ev) get their room here, so that no
 * step after the constructors needs memory for them.
 *
 * Return: 0 (end @t with lana_txn_end()), or -errno with @err set and
 * nothing to end: -EINVAL (invalid plan), -ESTALE ("edit plan applies to
 * base 0x..., the running graph is 0x..."), -EOPNOTSUPP (type refused),
 * -ENOMEM ("out of memory").
 */
int lana_txn_begin(struct lana_txn *t, struct lana_core *c,
		   struct lana_graph *old, const struct lana_plan *plan,
		   char *err, size_t errlen);

/**
 * lana_txn_full() - the full build path of a begun transaction.
 * @t: the transaction
 *
 * The next full plan by lana_plan_apply() (the reference semantics) and
 * lana_plan_validate(); the constructors and SETs (lana_txn_build()); a
 * fresh table from the plan (lana_graph_fill(), glue full_built); then
 * lana_txn_publish(). All or nothing: on failure every instance made is
 * destroyed, every SET undone and the running version untouched.
 *
 * Return: 0, or -errno with t->err naming the failing instruction, e.g.
 * "instruction 3 (NEW 4 nic eth): no such device 'nosuch0'"; -E2BIG for
 * an IDP of LANA_MAX_IDP or more; -ENOMEM.
 */
int lana_txn_full(struct lana_txn *t);

/**
 * lana_txn_build() - the constructors and live changes of the edit.
 * @t: the transaction; t->nv exists (its table receives the instances)
 *
 * Makes the edit's NEW/REPLACE instances into t->nv->tab (the last one
 * counts for an IDP made twice) and records them on t->made, then applies
 * its SETs (to made or kept instances), each old value kept on t->undo:
 * the type's set op where it has one (effects outside the graph), then,
 * once per instance, a new live object from the changed parameters (the
 * type's live op), which t->nv's slot holds and the running version does
 * not see. On failure the SETs are undone; the made instances stay on
 * t->made for lana_txn_drop_made().
 *
 * Return: 0, or -errno with t->err naming the instruction, e.g.
 * "instruction 2 (SET 3 q rate): block type 'x' cannot change 'rate'
 * live" (-EOPNOTSUPP).
 */
int lana_txn_build(struct lana_txn *t);

/**
 * lana_txn_revert_sets() - undo the SETs applied so far, newest first.
 * @t: the transaction
 *
 * Rebuilt live objects are freed and the old ones put back; kept
 * instances get their old value back through the type's set op (a
 * failure is logged, glue log); made ones just their parameter.
 */
void lana_txn_revert_sets(struct lana_txn *t);

/**
 * lana_txn_drop_made() - destroy instances this transaction made.
 * @t:   the transaction
 * @all: every one (the transaction failed), else only those not in
 *       t->nv's table (an IDP made twice in one edit)
 */
void lana_txn_drop_made(struct lana_txn *t, bool all);

/**
 * lana_txn_edit_events() - queue the events of the edit's instructions.
 * @t: the transaction, t->nv built
 *
 * BIND (also for REPLACE: the new instance learns its kept bindings),
 * UNBIND and SET events of blocks that are in t->nv, in instruction order.
 * Allocates nothing: lana_txn_begin() reserved t->ev for two events per
 * instruction (this one and a leaving instance's, lana_txn_leave()).
 */
void lana_txn_edit_events(struct lana_txn *t);

/**
 * lana_txn_leave() - an instance of the running version leaves the graph.
 * @t:  the transaction
 * @in: the instance: put on t->old's dead list (destroyed with it) and
 *      its LANA_EV_DEL queued (into the room lana_txn_begin() reserved:
 *      every leaving instance has a DEL or REPLACE instruction)
 * Past the point of no return: call it only once nothing can fail.
 */
void lana_txn_leave(struct lana_txn *t, struct lana_inst *in);

/**
 * lana_txn_publish() - make t->nv the running version.
 * @t: the transaction, t->nv complete
 *
 * Numbers t->nv, publishes it (glue publish: one pointer swap), delivers
 * the queued events when either version has a block with an event op,
 * then retires t->old (glue retire: freed with the instances that left
 * and the live objects the SETs replaced, after a grace period). Cannot
 * fail: the build path set t->nv->max_hops (lana_graph_hops(), which can)
 * before anything irrevocable, and the SETs took their lists' records.
 */
void lana_txn_publish(struct lana_txn *t);

/**
 * lana_txn_end() - release what a begun transaction holds.
 * @t: the transaction (its versions are not touched)
 */
void lana_txn_end(struct lana_txn *t);

#endif /* LANA_ENGINE_TXN_H */
