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
	struct lana_value old;
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
 * @ev:    events to deliver once @nv is published
 * @err:   the caller's message buffer (@errlen bytes, may be 0)
 */
struct lana_txn {
	struct lana_core *core;
	struct lana_graph *old;
	struct lana_graph *nv;
	const struct lana_plan *edit;
	struct lana_plan *owned;
	VEC(struct lana_made) made;
	VEC(struct lana_undo) undo;
	VEC(struct lana_event) ev;
	char *err;
	size_t errlen;
};

/* ------------------------------------------------ builder (engine/inst.c) */

/**
 * lana_inst_new() - the builder (thesis 4.2.2, 5.2.4): the instance NEW or
 * REPLACE instruction @in describes. Finds the type (glue type_find),
 * deep-copies the parameters (lana_value_copy()), sizes the OUT ports
 * (port groups from the parameters or their defaults), lets the engine
 * allocate the pcpu area (inst_init), runs the type's init, then
 * inst_ready. On success *@out is the instance and b.eng_priv points to
 * it. Returns 0, or -errno with @msg (@msglen bytes) saying why: the
 * engine's refusal of the type, "block type 'x' has no parameter 'y'",
 * the block's lana_block_error() text, or "out of memory".
 */
int lana_inst_new(struct lana_core *c, const struct lana_insn *in,
		  struct lana_inst **out, char *msg, size_t msglen);

/**
 * lana_inst_free() - destroy @in: the type's fini when its init ran, the
 * engine's inst_fini, then the instance's memory. No reader may still
 * reach it (it left every published version a grace period ago, or was
 * never published).
 */
void lana_inst_free(struct lana_core *c, struct lana_inst *in);

/**
 * lana_inst_copy_value() - deep copy of @src into @dst in @in's own storage
 * (freed with the instance). 0 or -ENOMEM.
 */
int lana_inst_copy_value(struct lana_inst *in, struct lana_value *dst,
			 const struct lana_value *src);

/**
 * lana_inst_count() - lana_count_fn for lana_port_count() of instance @ctx
 * (struct lana_inst *): parameter @name's value, else its default
 * (lana_param_uint()).
 */
uint64_t lana_inst_count(const char *name, void *ctx);

/**
 * lana_inst_stats() - fill @s with the counters of @in: identity, the
 * engine counters summed (glue bcnt_sum) and the type's own named
 * counters.
 */
void lana_inst_stats(const struct lana_core *c, const struct lana_inst *in,
		     struct lana_block_stats *s);

/* ---------------------------------------- graph versions (engine/graph.c) */

/**
 * lana_graph_new() - a new version with an empty table of @ntab slots
 * (> every IDP it will hold) and an empty plan: glue ver_size bytes, then
 * ver_init. NULL when out of memory.
 */
struct lana_graph *lana_graph_new(struct lana_core *c, uint32_t ntab);

/**
 * lana_graph_free() - destroy the instances on @g's dead list, then @g
 * (glue ver_fini, table, plan). No reader may be inside @g.
 */
void lana_graph_free(struct lana_core *c, struct lana_graph *g);

/**
 * lana_graph_free_all() - engine teardown: put every instance of @g on its
 * dead list and lana_graph_free() it (no reader left).
 */
void lana_graph_free_all(struct lana_core *c, struct lana_graph *g);

/**
 * lana_graph_fill() - fill @nv's table from @nv->plan (a full plan of
 * NEW and BIND only): each NEW's instance is the one this transaction put
 * at nv->tab[idp].b (made), else the one @old holds there (kept); binding
 * storage from glue binds_alloc. Counts nv->nevent. Returns 0, -ENOMEM,
 * or -EINVAL when the plan names an IDP that has no instance (cannot
 * happen for a plan from lana_plan_apply()).
 */
int lana_graph_fill(struct lana_core *c, struct lana_graph *nv,
		    const struct lana_graph *old);

/* ------------------------------------------- notifier (engine/notify.c) */

/*
 * struct lana_notifier - delivery state of one transaction's events: the
 * versions whose neighbours are asked, and each one's reverse adjacency
 * (idp -> sources binding into it), built on first use.
 */
struct lana_notifier {
	struct lana_core *core;
	const struct lana_graph *v;	/* version for neighbours */
	const struct lana_graph *old;	/* for DEL events */
	struct lana_rev {
		uint32_t *start;	/* reverse CSR: idp -> sources */
		uint32_t *src;
	} rv, rold;
	uint64_t stamp;
};

/**
 * lana_notify() - deliver @ev (thesis 4.2.3) through @n: to the source
 * block itself and its UNBIND partner, then to the blocks subscribed to
 * it: its neighbours (both directions) in the new version, or for
 * LANA_EV_DEL in the old one. Each block gets an event once.
 */
void lana_notify(struct lana_notifier *n, const struct lana_event *ev);

/** lana_notifier_free() - release @n's reverse adjacency tables. */
void lana_notifier_free(struct lana_notifier *n);

/* -------------------------------------------- transactions (engine/txn.c) */

/**
 * lana_txn_begin() - the prologue of running @plan on running version
 * @old: for a full plan, validate it and diff it against @old's plan (the
 * blocks both have keep their instance); for an edit plan, check that its
 * base_crc is @old's plan checksum (else -ESTALE, "edit plan applies to
 * base 0x..., the running graph is 0x...") and validate it. With glue
 * types_first, types the engine does not run are refused first. On
 * success @t is ready for a build path and must be ended with
 * lana_txn_end(); on failure there is nothing to end. @err: @errlen bytes
 * for the message. Returns 0 or -errno.
 */
int lana_txn_begin(struct lana_txn *t, struct lana_core *c,
		   struct lana_graph *old, const struct lana_plan *plan,
		   char *err, size_t errlen);

/**
 * lana_txn_full() - the full build path: the next plan by
 * lana_plan_apply() (the reference semantics) and lana_plan_validate(),
 * the constructors and SETs (lana_txn_build()), a fresh table from the
 * plan (lana_graph_fill(), glue full_built), then lana_txn_publish().
 * All or nothing. Returns 0, or -errno with the message naming the
 * failing instruction, e.g. "instruction 3 (NEW 4 nic eth): no such
 * device 'nosuch0'"; -E2BIG for an IDP >= LANA_MAX_IDP.
 */
int lana_txn_full(struct lana_txn *t);

/**
 * lana_txn_build() - construct the edit's NEW/REPLACE instances into
 * t->nv->tab (the last one counts for an IDP made twice), then apply its
 * SETs to the instances (made or kept), each SET's old value kept for
 * lana_txn_revert_sets(). All or nothing: on failure the SETs are undone
 * (the made instances stay on t->made for lana_txn_drop_made()). Returns
 * 0 or -errno with the message naming the instruction.
 */
int lana_txn_build(struct lana_txn *t);

/** lana_txn_revert_sets() - undo the SETs applied so far, newest first. */
void lana_txn_revert_sets(struct lana_txn *t);

/**
 * lana_txn_drop_made() - destroy the instances this transaction made that
 * are not in t->nv's table (a REPLACE replaced in the same edit), or every
 * one when @all (the transaction failed).
 */
void lana_txn_drop_made(struct lana_txn *t, bool all);

/**
 * lana_txn_edit_events() - queue the events of the edit's instructions
 * whose block is in t->nv: BIND (also for REPLACE: the new instance
 * learns its kept bindings), UNBIND, SET.
 */
void lana_txn_edit_events(struct lana_txn *t);

/**
 * lana_txn_leave() - instance @in of the running version leaves the graph
 * with it: put it on t->old's dead list and queue its LANA_EV_DEL.
 */
void lana_txn_leave(struct lana_txn *t, struct lana_inst *in);

/**
 * lana_txn_publish() - publish t->nv (glue publish, the version number
 * assigned), deliver the queued events (when either version has a block
 * with an event op) and retire t->old (glue retire).
 */
void lana_txn_publish(struct lana_txn *t);

/** lana_txn_end() - release what @t holds (not the versions). */
void lana_txn_end(struct lana_txn *t);

#endif /* LANA_ENGINE_TXN_H */
