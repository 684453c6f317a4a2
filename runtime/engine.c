// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/engine.c - the userspace engine's control side (thesis ch.
 * 4.2.1-4.2.4, 5.2.4): what it adds to the transaction core of engine/
 * (the builder, graph versions, the notifier and transactions, shared
 * with lana.ko) through struct lana_glue, and its lifecycle.
 *
 * Registry: the running graph is one graph version (struct lana_gver): a
 * flat table indexed by IDP holding the instance and the bindings of its
 * OUT ports, the list of packet sources and the version's canonical full
 * plan. Workers (runtime/ppe.c) read it under RCU (liburcu QSBR).
 *
 * Transactions (lana_engine_apply): lana_txn_begin() checks the plan and
 * makes the edit; the incremental path (runtime/txn_inc.c) builds the next
 * version by patching a copy of the running one's table, or, when it
 * cannot decide, the full path of engine/txn.c builds it from the next
 * full plan. Published with one rcu_assign_pointer(); the old version
 * and the instances that left are destroyed after a grace period
 * (call_rcu). What only this engine has: per-worker pcpu slots, the
 * device registry and the source lists workers poll, the in-degrees and
 * shared binding storage the incremental path needs, and a version plan
 * computed on demand.
 */
#define LANA_ENGINE_CORE
#include "engine_internal.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define MAX_TYPES	64

/* ------------------------------------------------------- extra types */

static const struct lana_block_type *extra_types[MAX_TYPES];
static unsigned int nextra;

int lana_engine_register_type(const struct lana_block_type *bt)
{
	if (lana_engine_find_type(bt->name) &&
	    lana_engine_find_type(bt->name) != lana_catalogue_find(bt->name))
		return -EEXIST;
	if (nextra == MAX_TYPES)
		return -ENOSPC;
	extra_types[nextra++] = bt;
	return 0;
}

void lana_engine_unregister_types(void)
{
	nextra = 0;
}

const struct lana_block_type *lana_engine_find_type(const char *name)
{
	unsigned int i;

	for (i = 0; i < nextra; i++)
		if (!strcmp(extra_types[i]->name, name))
			return extra_types[i];
	return lana_catalogue_find(name);
}

/* ------------------------------------------------------------ helpers */

int lana_engine_worker(void)
{
	return lana_cur_worker ? (int)lana_cur_worker->id : -1;
}

unsigned int lana_engine_nr_workers(const struct lana_engine *e)
{
	return e->nworkers;
}

void lana_engine_log(struct lana_engine *e, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e && e->o.log)
		e->o.log(level, msg);
	else
		fprintf(stderr, "lana: %s\n", msg);
}

/* ------------------------------------------------------------ devices */

int lana_engine_dev_add(struct lana_engine *e, struct lana_block *b,
			struct lana_dev *d, int fd)
{
	return lana_engine_dev_add_on(e, b, d, fd, -1);
}

/*
 * Register device @d (or timer @t, or descriptor source @fs) of @b as a
 * source; 0 or -ENOMEM.
 */
static int devreg_add(struct lana_engine *e, struct lana_block *b,
		      struct lana_dev *d, struct lana_timer *t,
		      struct lana_fdsrc *fs, int fd, int worker)
{
	struct lana_devreg *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->bi = lana_binst_of(b);
	r->dev = d;
	r->tmr = t;
	r->fsrc = fs;
	r->fd = fd;
	r->watch_fd = -1;
	r->worker = worker;
	atomic_init(&r->ended, false);
	pthread_mutex_lock(&e->dev_lock);
	r->next = e->devs;
	e->devs = r;
	pthread_mutex_unlock(&e->dev_lock);
	return 0;
}

int lana_engine_dev_add_on(struct lana_engine *e, struct lana_block *b,
			   struct lana_dev *d, int fd, int worker)
{
	return devreg_add(e, b, d, NULL, NULL, fd, worker);
}

int lana_engine_timer_add(struct lana_engine *e, struct lana_block *b,
			  struct lana_timer *t)
{
	/* worker -1: the block's worker */
	return devreg_add(e, b, NULL, t, NULL, -1, -1);
}

/* Forget the registration of timer @t or descriptor source @fs. */
static void devreg_del_src(struct lana_engine *e, const struct lana_timer *t,
			   const struct lana_fdsrc *fs)
{
	struct lana_devreg **pp, *r;

	pthread_mutex_lock(&e->dev_lock);
	for (pp = &e->devs; (r = *pp); pp = &r->next) {
		if ((t && r->tmr == t) || (fs && r->fsrc == fs)) {
			*pp = r->next;
			free(r);
			break;
		}
	}
	pthread_mutex_unlock(&e->dev_lock);
}

void lana_engine_timer_del(struct lana_engine *e, struct lana_timer *t)
{
	devreg_del_src(e, t, NULL);
}

int lana_engine_fdsrc_add(struct lana_engine *e, struct lana_block *b,
			  struct lana_fdsrc *s)
{
	return devreg_add(e, b, NULL, NULL, s, s->fd, -1);
}

void lana_engine_fdsrc_del(struct lana_engine *e, struct lana_fdsrc *s)
{
	devreg_del_src(e, NULL, s);
}

/* Free registration @r, unlinked from e->devs (e->dev_lock held). */
static void devreg_free(struct lana_engine *e, struct lana_devreg *r)
{
	if (r->watch_fd >= 0 && e->mon)
		lana_devmon_unwatch(e->mon, r->watch_fd);
	free(r);
}

void lana_engine_dev_del(struct lana_engine *e, struct lana_dev *d)
{
	struct lana_devreg **pp, *r;

	pthread_mutex_lock(&e->dev_lock);
	for (pp = &e->devs; (r = *pp); pp = &r->next) {
		if (r->dev == d) {
			*pp = r->next;
			devreg_free(e, r);
			break;
		}
	}
	pthread_mutex_unlock(&e->dev_lock);
}

int lana_engine_dev_watch(struct lana_engine *e, struct lana_dev *d, int fd)
{
	struct lana_devreg *r;
	int err = 0;

	pthread_mutex_lock(&e->dev_lock);
	for (r = e->devs; r && r->dev != d; r = r->next)
		;
	if (!r) {
		err = -ENOENT;
	} else if (!e->mon && !e->mon_failed) {
		e->mon = lana_devmon_start(e);	/* logs why not */
		e->mon_failed = !e->mon;
	}
	if (r && e->mon && fd >= 0 && r->watch_fd < 0) {
		err = lana_devmon_watch(e->mon, fd);
		if (!err)
			r->watch_fd = fd;
	}
	pthread_mutex_unlock(&e->dev_lock);
	return err;
}

void lana_engine_dev_each(struct lana_engine *e,
			  void (*fn)(struct lana_dev *d, void *ctx),
			  void *ctx)
{
	struct lana_devreg *r;

	pthread_mutex_lock(&e->dev_lock);
	for (r = e->devs; r; r = r->next)
		if (r->dev)
			fn(r->dev, ctx);
	pthread_mutex_unlock(&e->dev_lock);
}

/* Forget devices @bi left registered (a block that did not close them). */
static void devs_forget(struct lana_engine *e, struct lana_binst *bi)
{
	struct lana_devreg **pp, *r;

	pthread_mutex_lock(&e->dev_lock);
	pp = &e->devs;
	while ((r = *pp)) {
		if (r->bi == bi) {
			*pp = r->next;
			devreg_free(e, r);
		} else {
			pp = &r->next;
		}
	}
	pthread_mutex_unlock(&e->dev_lock);
}

static bool has_devs(struct lana_engine *e, struct lana_binst *bi)
{
	struct lana_devreg *r;
	bool found = false;

	pthread_mutex_lock(&e->dev_lock);
	for (r = e->devs; r && !found; r = r->next)
		found = r->bi == bi;
	pthread_mutex_unlock(&e->dev_lock);
	return found;
}

/* ------------------------------------------------------ glue: instances */

static struct lana_engine *eng_of(const struct lana_core *c)
{
	return caa_container_of(c, struct lana_engine, core);
}

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

static int u_type_find(const char *name, const struct lana_block_type **bt,
		       char *msg, size_t msglen)
{
	*bt = lana_engine_find_type(name);
	if (!*bt) {
		snprintf(msg, msglen, "unknown block type '%s'", name);
		return -EINVAL;
	}
	if (!((*bt)->engines & LANA_ENGINE_USER)) {
		snprintf(msg, msglen,
			 "block type '%s' does not run in the userspace engine",
			 (*bt)->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* One cache-line aligned pcpu slot per worker. */
static int u_inst_init(struct lana_core *c, struct lana_inst *in)
{
	struct lana_engine *e = eng_of(c);
	struct lana_binst *bi = caa_container_of(in, struct lana_binst, inst);
	size_t n;

	atomic_init(&bi->ended, false);
	in->stride = (uint32_t)round_up(LANA_PCPU_HDR + in->b.type->pcpu_size,
					LANA_CACHELINE);
	n = (size_t)in->stride * e->nworkers;
	in->b.pcpu = aligned_alloc(LANA_CACHELINE, n);
	if (!in->b.pcpu)
		return -ENOMEM;
	memset(in->b.pcpu, 0, n);
	return 0;
}

/* A source (poll op or device) is pinned to one worker for life. */
static void u_inst_ready(struct lana_core *c, struct lana_inst *in)
{
	struct lana_engine *e = eng_of(c);
	struct lana_binst *bi = caa_container_of(in, struct lana_binst, inst);

	if (in->b.type->poll || has_devs(e, bi))
		bi->worker = e->next_src++ % e->nworkers;
}

static void u_inst_fini(struct lana_core *c, struct lana_inst *in)
{
	devs_forget(eng_of(c),
		    caa_container_of(in, struct lana_binst, inst));
	free(in->b.pcpu);
}

static void u_op_failed(unsigned int op, int err, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "%s", strerror(-err));
}

static void u_bcnt_sum(const struct lana_core *c, const struct lana_inst *in,
		       struct lana_bcnt *sum)
{
	unsigned int w;

	for (w = 0; w < eng_of(c)->nworkers; w++) {
		const struct lana_bcnt *k = lana_bcnt_of(&in->b, w, in->stride);

		sum->packets += __atomic_load_n(&k->packets, __ATOMIC_RELAXED);
		sum->bytes += __atomic_load_n(&k->bytes, __ATOMIC_RELAXED);
		sum->drops += __atomic_load_n(&k->drops, __ATOMIC_RELAXED);
	}
}

static void u_log(struct lana_core *c, const char *msg)
{
	lana_engine_log(eng_of(c), LOG_ERR, "%s", msg);
}

/* ------------------------------------------------- glue: graph versions */

static int u_ver_init(struct lana_core *c, struct lana_graph *g)
{
	struct lana_gver *v = lana_gver_of(g);

	v->e = eng_of(c);
	v->indeg = calloc(g->ntab ? g->ntab : 1, sizeof(*v->indeg));
	v->wsrc = calloc((size_t)v->e->nworkers + 1, sizeof(*v->wsrc));
	return v->indeg && v->wsrc ? 0 : -ENOMEM;	/* ver_fini frees */
}

bool lana_gver_own_out(const struct lana_gver *v, const struct lana_bind *out)
{
	return out && !(v->pool && out >= v->pool->b &&
			out < v->pool->b + v->pool->n);
}

static void u_ver_fini(struct lana_core *c, struct lana_graph *g)
{
	struct lana_gver *v = lana_gver_of(g);
	uint32_t i;

	if (v->free_all)
		for (i = 0; i < v->ntab; i++)
			if (lana_gver_own_out(v, v->tab[i].out))
				free(v->tab[i].out);
	for (i = 0; i < v->nfreeb; i++)
		free(v->freeb[i]);
	free(v->freeb);
	if (v->pool && atomic_fetch_sub(&v->pool->refs, 1) == 1)
		free(v->pool);
	free(v->indeg);
	free(v->src);
	free(v->wsrc);
	if (v->pedit) {
		lana_plan_free(v->pedit);
		free(v->pedit);
	}
}

/* One pool for every binding of a full build, shared with later versions. */
static struct lana_bind *u_binds_alloc(struct lana_graph *g, size_t n)
{
	struct lana_gver *v = lana_gver_of(g);

	v->pool = calloc(1, sizeof(*v->pool) + n * sizeof(*v->pool->b));
	if (!v->pool)
		return NULL;
	atomic_init(&v->pool->refs, 1);
	v->pool->n = n;
	return v->pool->b;
}

/*
 * A version with a table of @ntab slots, a copy of @old's table,
 * in-degrees and binding pool (flat memcpy; the slots above old->ntab
 * empty), for the incremental path.
 */
struct lana_gver *lana_gver_copy(struct lana_engine *e, uint32_t ntab,
				 const struct lana_gver *old)
{
	struct lana_graph *g = lana_graph_new(&e->core, ntab);
	struct lana_gver *v;

	if (!g)
		return NULL;
	v = lana_gver_of(g);
	memcpy(v->tab, old->tab, (size_t)old->ntab * sizeof(*v->tab));
	memcpy(v->indeg, old->indeg, (size_t)old->ntab * sizeof(*v->indeg));
	v->nevent = old->nevent;
	if (old->pool) {
		v->pool = old->pool;
		atomic_fetch_add(&v->pool->refs, 1);
	}
	return v;
}

/*
 * Make @g->plan the version's own canonical plan: apply the pending edit
 * (lana_plan_apply, the reference semantics) and cache the checksum.
 * Control thread, under e->lock. 0 or -errno (logged; cannot happen for an
 * edit the transaction accepted).
 */
static int gver_materialise(struct lana_graph *g)
{
	struct lana_gver *v = lana_gver_of(g);
	struct lana_plan np;
	char err[256];
	uint32_t crc;
	int r;

	if (v->pedit) {
		r = lana_plan_apply(v->plan, v->pedit, &np, err, sizeof(err));
		if (r == -ENOMEM)
			return r;	/* the caller says so; pedit is kept */
		if (r) {
			lana_engine_log(v->e, LOG_ERR,
					"cannot build the running plan: %s", err);
			return r;
		}
		lana_plan_free(v->plan);
		*v->plan = np;
		lana_plan_free(v->pedit);
		free(v->pedit);
		v->pedit = NULL;
	}
	return lana_plan_try_crc(v->plan, &crc) == -ENOMEM ? -ENOMEM : 0;
}

/* ----------------------------------------------------- glue: sources */

void lana_srcb_put(struct lana_srcb *sb, unsigned int worker,
		   const struct lana_src *s)
{
	if (sb->place) {
		sb->v->src[sb->fill[worker]++] = *s;
	} else {
		sb->v->wsrc[worker + 1]++;
		sb->n++;
	}
}

/* The poll op of instance @bi as a source. */
void lana_srcb_inst(struct lana_srcb *sb, struct lana_binst *bi)
{
	struct lana_src s = {
		.b = &bi->inst.b, .dev = NULL, .fd = -1, .ended = &bi->ended,
		.worker = bi->worker,
	};

	lana_srcb_put(sb, s.worker, &s);
}

/* Registered device @r as a source. */
void lana_srcb_dev(struct lana_srcb *sb, struct lana_devreg *r)
{
	struct lana_src s = {
		.b = &r->bi->inst.b, .dev = r->dev, .tmr = r->tmr,
		.fsrc = r->fsrc, .fd = r->fd, .ended = &r->ended,
		.worker = r->worker >= 0 ?
			  (unsigned int)r->worker % sb->v->e->nworkers :
			  r->bi->worker,
	};

	lana_srcb_put(sb, s.worker, &s);
}

int lana_gver_sources(struct lana_engine *e, struct lana_gver *v,
		      void (*each)(struct lana_srcb *sb, void *ctx),
		      void *ctx)
{
	struct lana_srcb sb = { .v = v };
	unsigned int w;

	sb.fill = calloc((size_t)e->nworkers + 1, sizeof(*sb.fill));
	if (!sb.fill)
		return -ENOMEM;
	pthread_mutex_lock(&e->dev_lock);
	each(&sb, ctx);		/* count, by worker */
	for (w = 0; w < e->nworkers; w++)
		v->wsrc[w + 1] += v->wsrc[w];
	v->src = calloc((size_t)sb.n + 1, sizeof(*v->src));
	if (!v->src) {
		pthread_mutex_unlock(&e->dev_lock);
		free(sb.fill);
		return -ENOMEM;
	}
	v->nsrc = sb.n;
	memcpy(sb.fill, v->wsrc, e->nworkers * sizeof(*sb.fill));
	sb.place = true;
	each(&sb, ctx);
	pthread_mutex_unlock(&e->dev_lock);
	free(sb.fill);
	return 0;
}

/* Every source of @sb->v: poll ops in IDP order, then devices. */
static void full_src_each(struct lana_srcb *sb, void *ctx)
{
	struct lana_engine *e = ctx;
	const struct lana_gver *v = sb->v;
	struct lana_devreg *r;
	uint32_t i;

	for (i = 0; i < v->ntab; i++)
		if (v->tab[i].b && v->tab[i].b->type->poll)
			lana_srcb_inst(sb, lana_binst_of(v->tab[i].b));
	for (r = e->devs; r; r = r->next) {
		uint32_t idp = r->bi->inst.b.idp;

		if (idp < v->ntab && v->tab[idp].b == &r->bi->inst.b)
			lana_srcb_dev(sb, r);
	}
}

/*
 * The full path filled t->nv's table: add the in-degrees and sources. The
 * new version shares no bindings with the running one, which frees all
 * of its own when it goes.
 */
static int u_full_built(struct lana_txn *t)
{
	struct lana_gver *nv = lana_gver_of(t->nv);
	struct lana_engine *e = nv->e;
	uint32_t i, p;
	int r;

	for (i = 0; i < nv->ntab; i++)
		for (p = 0; p < nv->tab[i].nout; p++)
			if (nv->tab[i].out[p].dst)
				nv->indeg[nv->tab[i].out[p].dst]++;
	r = lana_gver_sources(e, nv, full_src_each, e);
	if (r)
		return r;
	/* the last step of the full path that can fail: commit from here */
	lana_gver_of(t->old)->free_all = true;
	e->txn_full++;
	return 0;
}

/* ---------------------------------------------------- glue: publishing */

static void u_publish(struct lana_core *c, struct lana_graph *nv)
{
	rcu_assign_pointer(eng_of(c)->cur, lana_gver_of(nv));
}

static void gver_rcu_free(struct rcu_head *head)
{
	struct lana_gver *v = caa_container_of(head, struct lana_gver, rcu);

	lana_graph_free(&v->e->core, &v->g);
}

/*
 * Hand @old to the reclaim thread. call_rcu wants a registered, online
 * caller (liburcu rcu-api.md); the control thread is registered for the
 * duration of the call only, so it never holds up a grace period.
 */
static void u_retire(struct lana_core *c, struct lana_graph *old)
{
	rcu_register_thread();
	call_rcu(&lana_gver_of(old)->rcu, gver_rcu_free);
	rcu_unregister_thread();
}

/* engine/ allocates instances and versions: its part comes first. */
_Static_assert(offsetof(struct lana_binst, inst) == 0, "lana_inst first");
_Static_assert(offsetof(struct lana_gver, g) == 0, "LANA_GRAPH_GROUP first");

static const struct lana_glue user_glue = {
	.name = "engine",
	.inst_size = sizeof(struct lana_binst),
	.ver_size = sizeof(struct lana_gver),
	.type_find = u_type_find,
	.inst_init = u_inst_init,
	.inst_ready = u_inst_ready,
	.inst_fini = u_inst_fini,
	.op_failed = u_op_failed,
	.bcnt_sum = u_bcnt_sum,
	.ver_init = u_ver_init,
	.ver_fini = u_ver_fini,
	.binds_alloc = u_binds_alloc,
	.plan_ready = gver_materialise,
	.full_built = u_full_built,
	.publish = u_publish,
	.retire = u_retire,
	.log = u_log,
};

/* ---------------------------------------------------------- transactions */

static int txn_run(struct lana_engine *e, const struct lana_plan *plan,
		   char *err, size_t errlen)
{
	struct lana_txn t;
	int r;

	r = lana_txn_begin(&t, &e->core, &e->cur->g, plan, err, errlen);
	if (r)
		return r;
	r = lana_txn_inc(&t);
	if (r == LANA_TXN_UNDECIDED)
		r = lana_txn_full(&t);
	lana_txn_end(&t);
	return r;
}

int lana_engine_apply(struct lana_engine *e, const struct lana_plan *plan,
		      char *err, size_t errlen)
{
	int r;

	if (err && errlen)
		err[0] = 0;
	pthread_mutex_lock(&e->lock);
	r = txn_run(e, plan, err, errlen);
	pthread_mutex_unlock(&e->lock);
	return r;
}

int lana_engine_flush(struct lana_engine *e, char *err, size_t errlen)
{
	struct lana_plan empty;
	int r;

	lana_plan_init(&empty);
	r = lana_engine_apply(e, &empty, err, errlen);
	lana_plan_free(&empty);
	return r;
}

int lana_engine_plan(struct lana_engine *e, struct lana_plan *out)
{
	struct lana_buf b = { .fallible = true };
	char err[256];
	int r;

	pthread_mutex_lock(&e->lock);
	r = gver_materialise(&e->cur->g);
	if (!r)
		r = lana_plan_encode(e->cur->plan, &b, err, sizeof(err));
	pthread_mutex_unlock(&e->lock);	/* -ENOMEM: b is empty */
	if (r) {
		lana_plan_init(out);
		lana_buf_free(&b);
		return r;
	}
	r = lana_plan_decode(b.data, b.len, out, err, sizeof(err));
	lana_buf_free(&b);
	return r;
}

void lana_engine_txn_counts(struct lana_engine *e, uint64_t *fast,
			    uint64_t *full)
{
	pthread_mutex_lock(&e->lock);
	*fast = e->txn_fast;
	*full = e->txn_full;
	pthread_mutex_unlock(&e->lock);
}

/* ---------------------------------------------------------------- stats */

/* The engine's counters summed over workers (e->lock held). */
static void counters_locked(struct lana_engine *e,
			    struct lana_engine_counters *c)
{
	unsigned int w;

	memset(c, 0, sizeof(*c));
	c->generation = e->core.gen;
	for (w = 0; w < e->nworkers; w++) {
		struct lana_worker *wk = &e->w[w];

		c->loop_drops += __atomic_load_n(&wk->loop_drops,
						 __ATOMIC_RELAXED);
		c->unbound_drops += __atomic_load_n(&wk->unbound_drops,
						    __ATOMIC_RELAXED);
		c->nomem_drops += __atomic_load_n(&wk->nomem_drops,
						  __ATOMIC_RELAXED);
	}
}

/* The engine's own record (engine/stats.h), e->lock held. */
static int engine_record(struct lana_engine *e,
			 int (*cb)(const struct lana_block_stats *s, void *ctx),
			 void *ctx)
{
	struct lana_engine_counters c;
	struct lana_block_stats s;

	counters_locked(e, &c);
	lana_engine_stats_init(&s);
	lana_engine_stats_add(&s, LANA_ENGINE_STAT_LOOP, c.loop_drops);
	lana_engine_stats_add(&s, LANA_ENGINE_STAT_UNBOUND, c.unbound_drops);
	lana_engine_stats_add(&s, LANA_ENGINE_STAT_NOMEM, c.nomem_drops);
	return cb(&s, ctx);
}

int lana_engine_stats(struct lana_engine *e, const char *name,
		      int (*cb)(const struct lana_block_stats *s, void *ctx),
		      void *ctx)
{
	struct lana_block_stats s;
	const struct lana_gver *v;
	bool found = false;
	uint32_t i;
	int r = 0;

	pthread_mutex_lock(&e->lock);
	v = e->cur;
	for (i = 0; i < v->ntab && !r; i++) {
		const struct lana_gnode *g = &v->tab[i];

		if (!g->b || (name && strcmp(name, g->b->name)))
			continue;
		found = true;
		lana_inst_stats(&e->core, lana_inst_of(g->b), &s);
		r = cb(&s, ctx);
		if (name)
			break;
	}
	if (!name && !r)
		r = engine_record(e, cb, ctx);
	pthread_mutex_unlock(&e->lock);
	if (name && !found)
		return -ENOENT;
	return r;
}

void lana_engine_counters(struct lana_engine *e,
			  struct lana_engine_counters *c)
{
	pthread_mutex_lock(&e->lock);
	counters_locked(e, c);
	pthread_mutex_unlock(&e->lock);
}

bool lana_engine_idle(struct lana_engine *e)
{
	const struct lana_gver *v;
	bool idle = true;
	uint32_t i;

	pthread_mutex_lock(&e->lock);
	v = e->cur;
	/* block timers are no sources of traffic: their blocks' busy op
	 * says whether they still hold packets */
	for (i = 0; i < v->nsrc && idle; i++)
		if (!v->src[i].tmr && !atomic_load(v->src[i].ended))
			idle = false;
	for (i = 0; i < e->nworkers && idle; i++)
		if (atomic_load(&e->w[i].busy))
			idle = false;
	/* after the workers: no packet enters a block's queue any more */
	for (i = 0; i < v->ntab && idle; i++) {
		const struct lana_block *b = v->tab[i].b;

		if (b && b->type->busy && b->type->busy(b))
			idle = false;
	}
	pthread_mutex_unlock(&e->lock);
	return idle;
}

/* ------------------------------------------------------------ lifecycle */

struct lana_engine *lana_engine_new(const struct lana_engine_opts *o)
{
	struct lana_graph *g;
	struct lana_engine *e;
	unsigned int i;

	if (!o || !o->workers || o->workers > 1024) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->o = *o;
	e->nworkers = o->workers;
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->dev_lock, NULL);
	atomic_init(&e->stop, false);
	e->w = aligned_alloc(LANA_CACHELINE,
			     round_up(sizeof(*e->w) * e->nworkers,
				      LANA_CACHELINE));
	if (!e->w) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	memset(e->w, 0, sizeof(*e->w) * e->nworkers);
	for (i = 0; i < e->nworkers; i++) {
		e->w[i].e = e;
		e->w[i].id = i;
		atomic_init(&e->w[i].busy, 0);
		e->w[i].bl = xcalloc(LANA_BACKLOG, sizeof(*e->w[i].bl));
	}
	e->core.glue = &user_glue;
	e->core.eng = e;
	g = lana_graph_new(&e->core, 1);
	if (!g)
		abort();	/* as xmalloc */
	e->cur = lana_gver_of(g);
	lana_plan_crc(e->cur->plan);
	return e;
}

int lana_engine_start(struct lana_engine *e)
{
	unsigned int i;
	int r;

	if (e->running)
		return 0;
	atomic_store(&e->stop, false);
	for (i = 0; i < e->nworkers; i++) {
		r = pthread_create(&e->w[i].th, NULL, lana_ppe_worker, &e->w[i]);
		if (r) {
			lana_engine_stop(e);
			return -r;
		}
		e->w[i].started = true;
	}
	e->running = true;
	return 0;
}

void lana_engine_stop(struct lana_engine *e)
{
	unsigned int i;

	atomic_store(&e->stop, true);
	for (i = 0; i < e->nworkers; i++) {
		if (!e->w[i].started)
			continue;
		pthread_join(e->w[i].th, NULL);
		e->w[i].started = false;
		atomic_store(&e->w[i].busy, 0);
	}
	e->running = false;
}

void lana_engine_free(struct lana_engine *e)
{
	struct lana_gver *v;
	unsigned int i;

	if (!e)
		return;
	lana_engine_stop(e);
	rcu_barrier();		/* destructors of earlier versions */
	v = e->cur;
	e->cur = NULL;
	v->free_all = true;
	lana_graph_free_all(&e->core, &v->g);	/* no reader: workers are gone */
	while (e->devs)
		lana_engine_dev_del(e, e->devs->dev);
	lana_devmon_stop(e->mon);
	for (i = 0; i < e->nworkers; i++)
		free(e->w[i].bl);
	free(e->w);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->dev_lock);
	free(e);
}
