// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/engine.c - the control side of lana.ko (thesis ch. 4.2.1-4.2.4,
 * 5.2.4): the kernel engine's glue to the transaction core it shares with
 * the userspace engine (engine/: builder, graph versions, notifier,
 * transactions, compiled into the module unchanged), and its lifecycle.
 *
 * Registry: the running graph is one graph version (struct lana_kgver): a
 * flat table indexed by IDP with each instance and the bindings of its OUT
 * ports, and the version's canonical full plan. The PPE (kmod/ppe.c) reads
 * it under rcu_read_lock().
 *
 * Transactions (lana_engine_apply) take the full path of engine/txn.c:
 * the next full plan by lana_plan_apply() (plan/apply.c, the reference
 * semantics of an edit plan), validated; constructors and SETs first, all
 * undone on any failure; then the next version's table, published with
 * one rcu_assign_pointer(), the notifier's events, and after
 * synchronize_rcu() the old version and the instances that left are
 * destroyed in process context (fini may sleep, e.g. to release a device).
 * What only this engine has: per-CPU block storage, kernel RCU, and the
 * block types that run in the kernel.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lana_compat.h"
#include "plan/plan.h"
#include "blocks/catalogue.h"
#include "engine/txn.h"
#include "engine.h"

DEFINE_MUTEX(lana_engine_lock);
struct lana_kgver __rcu *lana_cur;

#define LANA_K_PCPU_MAX	4096	/* largest pcpu_size a type may ask for */

static struct lana_kgver *cur_locked(void)
{
	return rcu_dereference_protected(lana_cur,
					 lockdep_is_held(&lana_engine_lock));
}

static struct lana_kgver *kgver(struct lana_graph *g)
{
	return container_of(g, struct lana_kgver, g);
}

/* ------------------------------------------------------ glue: instances */

/*
 * Types that run in the kernel; others are refused by name (the module's
 * catalogue holds descriptor stubs for them, blocks/catalogue.c).
 */
static int k_type_find(const char *name, const struct lana_block_type **bt,
		       char *msg, size_t msglen)
{
	*bt = lana_catalogue_find(name);
	if (!*bt || !((*bt)->engines & LANA_ENGINE_KERNEL)) {
		snprintf(msg, msglen,
			 "block type '%s' does not run in the kernel engine",
			 name);
		return -EOPNOTSUPP;
	}
	if ((*bt)->pcpu_size > LANA_K_PCPU_MAX) {
		snprintf(msg, msglen, "block type '%s': per-CPU state too large",
			 (*bt)->name);
		return -EINVAL;
	}
	return 0;
}

/* One per-CPU area (zeroed by the allocator); no stride. */
static int k_inst_init(struct lana_core *c, struct lana_inst *in)
{
	in->b.pcpu = (void __force *)__alloc_percpu(LANA_PCPU_HDR +
						    in->b.type->pcpu_size,
						    SMP_CACHE_BYTES);
	return in->b.pcpu ? 0 : -ENOMEM;
}

static void k_inst_fini(struct lana_core *c, struct lana_inst *in)
{
	free_percpu((void __percpu *)in->b.pcpu);
}

/* No strerror() in the kernel: the errno number. */
static void k_op_failed(unsigned int op, int err, char *msg, size_t msglen)
{
	if (op == LANA_OP_SET)
		snprintf(msg, msglen, "change refused (%d)", err);
	else
		snprintf(msg, msglen, "initialisation failed (%d)", err);
}

static void k_bcnt_sum(const struct lana_core *c, const struct lana_inst *in,
		       struct lana_bcnt *sum)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct lana_bcnt *k = lana_bcnt_cpu(&in->b, cpu);

		sum->packets += READ_ONCE(k->packets);
		sum->bytes += READ_ONCE(k->bytes);
		sum->drops += READ_ONCE(k->drops);
	}
}

static void k_log(struct lana_core *c, const char *msg)
{
	pr_err("lana: %s\n", msg);
}

/* ------------------------------------------------- glue: graph versions */

static void k_ver_fini(struct lana_core *c, struct lana_graph *g)
{
	kvfree(kgver(g)->binds);
}

static struct lana_bind *k_binds_alloc(struct lana_graph *g, size_t n)
{
	kgver(g)->binds = kvcalloc(n, sizeof(struct lana_bind), GFP_KERNEL);
	return kgver(g)->binds;
}

static void k_publish(struct lana_core *c, struct lana_graph *nv)
{
	rcu_assign_pointer(lana_cur, kgver(nv));
}

/* No packet is inside the old version after a grace period. */
static void k_retire(struct lana_core *c, struct lana_graph *old)
{
	synchronize_rcu();
	lana_graph_free(c, old);
}

/* engine/ allocates instances and versions: its part comes first. */
static_assert(offsetof(struct lana_kgver, g) == 0);

static const struct lana_glue kernel_glue = {
	.name = "kernel engine",
	.types_first = true,
	.inst_size = sizeof(struct lana_inst),
	.ver_size = sizeof(struct lana_kgver),
	.type_find = k_type_find,
	.inst_init = k_inst_init,
	.inst_fini = k_inst_fini,
	.op_failed = k_op_failed,
	.bcnt_sum = k_bcnt_sum,
	.ver_fini = k_ver_fini,
	.binds_alloc = k_binds_alloc,
	.publish = k_publish,
	.retire = k_retire,
	.log = k_log,
};

static struct lana_core lana_core = { .glue = &kernel_glue };

/* ---------------------------------------------------------- transactions */

int lana_engine_apply(struct lana_plan *plan, char *err, size_t errlen)
{
	struct lana_txn t;
	int r;

	lockdep_assert_held(&lana_engine_lock);
	if (err && errlen)
		err[0] = 0;
	r = lana_txn_begin(&t, &lana_core, &cur_locked()->g, plan, err,
			   errlen);
	if (r)
		return r;
	r = lana_txn_full(&t);
	lana_txn_end(&t);
	return r;
}

int lana_engine_flush(char *err, size_t errlen)
{
	struct lana_plan empty;
	int r;

	lana_plan_init(&empty);
	r = lana_engine_apply(&empty, err, errlen);
	lana_plan_free(&empty);
	return r;
}

u32 lana_engine_plan_crc(void)
{
	lockdep_assert_held(&lana_engine_lock);
	return lana_plan_crc(cur_locked()->plan);
}

int lana_engine_plan_bytes(struct lana_buf *out, u32 *crc, u64 *gen)
{
	struct lana_kgver *v = cur_locked();
	size_t start = out->len;
	char err[128];
	int r;

	r = lana_plan_encode(v->plan, out, err, sizeof(err));
	if (r)
		return r;
	/* the header's checksum field, as lanad reports it */
	*crc = lana_crc32(out->data + start + 24, out->len - start - 24);
	*gen = lana_core.gen;
	return 0;
}

/* ---------------------------------------------------------------- stats */

int lana_engine_block_stats(u32 *idp, const char *name,
			    struct lana_block_stats *s)
{
	const struct lana_kgver *v = cur_locked();
	u32 i;

	for (i = name ? 0 : *idp; i < v->ntab; i++) {
		const struct lana_gnode *g = &v->tab[i];

		if (!g->b || (name && strcmp(name, g->b->name)))
			continue;
		lana_inst_stats(&lana_core, lana_inst_of(g->b), s);
		*idp = i;
		return 0;
	}
	return -ENOENT;
}

void lana_engine_self_stats(struct lana_block_stats *s)
{
	struct lana_kcounters c;

	lana_ppe_counters(&c);
	lana_engine_stats_init(s);
	lana_engine_stats_add(s, LANA_ENGINE_STAT_LOOP, c.loop_drops);
	lana_engine_stats_add(s, LANA_ENGINE_STAT_UNBOUND, c.unbound_drops);
	lana_engine_stats_add(s, LANA_ENGINE_STAT_NOMEM, c.nomem_drops);
	lana_engine_stats_add(s, LANA_ENGINE_STAT_STALE, c.stale_drops);
}

void lana_engine_counters(struct lana_kcounters *c, u64 *generation)
{
	lana_ppe_counters(c);
	*generation = READ_ONCE(lana_core.gen);
}

/* ------------------------------------------------------------ lifecycle */

int lana_engine_init(void)
{
	struct lana_graph *g;
	int r;

	r = lana_ppe_init();
	if (r)
		return r;
	g = lana_graph_new(&lana_core, 1);
	if (!g) {
		lana_ppe_exit();
		return -ENOMEM;
	}
	lana_plan_crc(g->plan);
	RCU_INIT_POINTER(lana_cur, kgver(g));
	return 0;
}

void lana_engine_exit(void)
{
	struct lana_kgver *v;

	mutex_lock(&lana_engine_lock);
	v = cur_locked();
	RCU_INIT_POINTER(lana_cur, NULL);
	/* no new packet enters; wait for those inside, then destroy */
	synchronize_rcu();
	lana_graph_free_all(&lana_core, &v->g);
	mutex_unlock(&lana_engine_lock);
	lana_ppe_exit();
}
