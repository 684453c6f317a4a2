// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/ppe.c - the packet processing engine (thesis 4.2.5, 5.2.5) of the
 * userspace engine: worker threads that poll their sources and push bursts
 * of packets through the running graph version.
 *
 * A worker round: take the published version (QSBR: rcu_dereference, no
 * lock), poll each source pinned to this worker, run every burst through
 * the graph (block looked up by IDP in the version's flat table, rx, then
 * the version's binding of the returned port), then run the packets the
 * blocks spawned (the backlog, thesis 5.2.5 engine_backlog_tail) in the
 * same version, then announce a quiescent state. A worker keeps polling
 * for POLL_LINGER_NS after its last packet; then, idle, it goes offline
 * and sleeps in poll(2) on its sources' descriptors for up to 1 ms.
 *
 * The packet path takes no lock, calls no malloc (packets come from the
 * per-thread pool of runtime/pkt.c) and keeps bursts on the stack; the
 * block counters are per worker (single writer, summed on read).
 */
#define LANA_ENGINE_CORE
#include "engine_internal.h"
#include "offload.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_SLEEP_NS	 1000000	/* idle sleep with only fd sources */
#define POLL_SPIN_NS	 50000		/* idle sleep with fd-less sources */
/*
 * After its last packet a worker keeps polling, without sleeping, for
 * this long: the answer to a frame it just forwarded (a ping's reply, a
 * TCP ACK) usually comes back within it, and is then taken without the
 * scheduler's wake-up (tens of us on this machine). Like NAPI's busy poll
 * (net.core.busy_poll, Documentation/networking/napi.rst); measured in
 * bench/README.md.
 */
#define POLL_LINGER_NS	 200000

/* Relaxed single-writer counter update: a plain add, race-free to read. */
static inline void cnt_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void free_burst(struct lana_burst *bu)
{
	uint16_t i;

	for (i = 0; i < bu->n; i++)
		lana_pkt_free(bu->pkt[i]);
	bu->n = 0;
}

static void ppe_run(struct lana_worker *w, const struct lana_gver *v,
		    uint32_t idp, uint32_t port, struct lana_burst *bu);

/*
 * The block at @idp answered LANA_RX_VERDICTS: free LANA_DROP packets
 * (counted as its drops), leave LANA_STOLEN ones, and send the others on
 * as one burst per OUT port, in the order the ports first appear. Every
 * burst but the last is run here, by a nested ppe_run(); the last stays in
 * @bu for the caller's loop. A nested burst is a proper subset of @bu, so
 * nesting is at most LANA_BURST - 1 deep, whatever the graph's length.
 * Returns the last burst's port, or -1 when nothing is left.
 */
static int ppe_split(struct lana_worker *w, const struct lana_gver *v,
		     uint32_t idp, struct lana_burst *bu)
{
	const struct lana_gnode *g = &v->tab[idp];
	struct lana_burst sub;
	uint16_t i, m = 0, k, drops = 0;

	for (i = 0; i < bu->n; i++) {
		uint16_t vd = bu->verdict[i];

		if (vd == LANA_DROP) {
			lana_pkt_free(bu->pkt[i]);
			drops++;
		} else if (vd != LANA_STOLEN) {
			bu->pkt[m] = bu->pkt[i];
			bu->verdict[m] = vd;
			m++;
		}
	}
	bu->n = m;
	if (drops)
		cnt_add(&lana_bcnt_of(g->b, w->id, g->stride)->drops, drops);
	while (m) {
		uint16_t port = bu->verdict[0];

		sub.n = 0;
		k = 0;
		for (i = 0; i < m; i++) {
			if (bu->verdict[i] == port) {
				sub.pkt[sub.n++] = bu->pkt[i];
			} else {
				bu->pkt[k] = bu->pkt[i];
				bu->verdict[k] = bu->verdict[i];
				k++;
			}
		}
		m = k;
		if (!m) {
			/* the last port: the caller goes on with it */
			memcpy(bu->pkt, sub.pkt, sub.n * sizeof(sub.pkt[0]));
			bu->n = sub.n;
			return port;
		}
		sub.hops = bu->hops;
		sub.dir = bu->dir;
		ppe_run(w, v, idp, port, &sub);
	}
	bu->n = 0;
	return -1;
}

/*
 * The burst leaving @idp.@port goes to a LANA_BT_FINAL block: make every
 * frame final (runtime/offload.c). Segments keep their order; those that
 * do not fit the burst wait in the backlog to leave @idp.@port after it.
 * Frames whose metadata does not match their headers are dropped
 * (counted in *@bad).
 */
static void ppe_finish(struct lana_worker *w, struct lana_burst *bu,
		       uint32_t idp, uint16_t port, uint16_t *bad)
{
	struct lana_pkt *in[LANA_BURST], *p, *next;
	uint16_t i, n = bu->n;
	bool spill = false;

	for (i = 0; i < n; i++)
		if (lana_pkt_partial(bu->pkt[i]))
			break;
	if (i == n)
		return;
	memcpy(in, bu->pkt, n * sizeof(in[0]));
	bu->n = 0;
	for (i = 0; i < n; i++) {
		p = in[i];
		if (lana_pkt_partial(p) && lana_pkt_finish(p) < 0) {
			lana_pkt_free(p);
			(*bad)++;
			continue;
		}
		for (; p; p = next) {
			next = p->next;
			p->next = NULL;
			if (!spill && bu->n < LANA_BURST) {
				bu->pkt[bu->n++] = p;
				continue;
			}
			spill = true;
			if (!lana_backlog_put(w->bl, LANA_BACKLOG - 1,
					      w->bl_head, &w->bl_tail, p, idp,
					      port, bu->hops - 1)) {
				lana_pkt_free(p);
				cnt_add(&w->nomem_drops, 1);
			}
		}
	}
}

/*
 * Send burst @bu out of OUT port @port of the block at @idp and on through
 * the graph until every packet was dropped, stolen or sent out of an
 * unbound port, or made more hops than the version's loop guard allows
 * (v->max_hops, engine/graph.c lana_graph_hops()). Recursion happens only
 * when a block splits a burst over several ports, at most LANA_BURST - 1
 * levels deep (ppe_split()), whatever the length of the graph.
 */
static void ppe_run(struct lana_worker *w, const struct lana_gver *v,
		    uint32_t idp, uint32_t port, struct lana_burst *bu)
{
	const struct lana_gnode *g = &v->tab[idp];
	uint32_t max_hops = v->max_hops;

	for (;;) {
		const struct lana_gnode *d;
		struct lana_bcnt *c;
		struct lana_bind bind;
		uint64_t bytes = 0;
		uint16_t i, n = bu->n;
		int r;

		if (!n)
			return;
		if (port >= g->nout || !(bind = g->out[port]).dst) {
			free_burst(bu);
			cnt_add(&lana_bcnt_of(g->b, w->id, g->stride)->drops, n);
			cnt_add(&w->unbound_drops, n);
			return;
		}
		if (++bu->hops > max_hops) {
			free_burst(bu);
			cnt_add(&w->loop_drops, n);
			return;
		}
		d = &v->tab[bind.dst];
		c = lana_bcnt_of(d->b, w->id, d->stride);
		if (d->b->type->flags & LANA_BT_FINAL) {
			uint16_t bad = 0;

			ppe_finish(w, bu, idp, (uint16_t)port, &bad);
			if (bad)
				cnt_add(&c->drops, bad);
			n = bu->n;
			if (!n)
				return;
		}
		for (i = 0; i < n; i++)
			bytes += lana_pkt_len(bu->pkt[i]);
		cnt_add(&c->packets, n);
		cnt_add(&c->bytes, bytes);
		if (!d->rx) {
			free_burst(bu);
			cnt_add(&c->drops, n);
			return;
		}
		bu->in_port = (uint16_t)bind.dport;
		bu->live = d->live;
		w->cur_hops = bu->hops;
		r = d->rx(d->b, bu);
		if (r == LANA_RX_VERDICTS) {
			r = ppe_split(w, v, bind.dst, bu);
			if (r < 0)
				return;
		} else if (r < 0) {
			/* any other negative answer: the block failed, drop */
			free_burst(bu);
			cnt_add(&c->drops, n);
			return;
		}
		g = d;
		idp = bind.dst;
		port = (uint32_t)r;
	}
}

/* Run the packets spawned with lana_emit(), oldest first, in version @v. */
static void ppe_backlog(struct lana_worker *w, const struct lana_gver *v)
{
	struct lana_burst bu;
	uint32_t idp;
	uint16_t port;

	while (w->bl_head != w->bl_tail) {
		lana_backlog_take(w->bl, LANA_BACKLOG - 1, &w->bl_head,
				  w->bl_tail, &bu, &idp, &port);
		if (idp < v->ntab && v->tab[idp].b) {
			ppe_run(w, v, idp, port, &bu);
		} else {
			uint16_t n = bu.n;

			free_burst(&bu);
			cnt_add(&w->unbound_drops, n);
		}
	}
}

/*
 * Fire block timer @s->tmr if it is due; returns the packets its fire op
 * released (they leave the block at OUT port 0, counted where they
 * entered it), 0 when it is not due.
 */
static int ppe_timer(struct lana_worker *w, const struct lana_gver *v,
		     const struct lana_src *s)
{
	struct lana_timer *t = s->tmr;
	uint64_t at = atomic_load_explicit(&t->at, memory_order_acquire);
	struct lana_burst bu;
	int n;

	if (!at || lana_now_ns() < at ||
	    !atomic_compare_exchange_strong(&t->at, &at, 0))
		return 0;
	bu.n = 0;
	bu.in_port = 0;
	bu.dir = LANA_INGRESS;
	bu.hops = 0;
	bu.live = v->tab[s->b->idp].live;
	w->cur_hops = 0;
	t->fire(s->b, &bu);
	if (bu.n > LANA_BURST)	/* defensive: a broken fire op */
		bu.n = LANA_BURST;
	n = bu.n;
	if (n)
		ppe_run(w, v, s->b->idp, 0, &bu);
	ppe_backlog(w, v);
	return n;
}

/* Poll one source; returns packets taken, 0, or -1 when it ended. */
static int ppe_poll(struct lana_worker *w, const struct lana_gver *v,
		    const struct lana_src *s)
{
	const struct lana_gnode *g = &v->tab[s->b->idp];
	struct lana_burst bu;
	struct lana_bcnt *c;
	uint64_t bytes = 0;
	uint16_t i;
	int r;

	bu.n = 0;
	bu.in_port = 0;
	bu.dir = LANA_INGRESS;
	bu.hops = 0;
	bu.live = g->live;
	w->cur_hops = 0;
	if (s->dev)
		r = lana_dev_poll(s->dev, &bu);
	else if (s->fsrc)
		r = s->fsrc->recv(s->b, &bu);
	else
		r = s->b->type->poll(s->b, &bu);
	if (r < 0) {
		free_burst(&bu);
		atomic_store(s->ended, true);
		return -1;
	}
	if (!bu.n)
		return 0;
	if (bu.n > LANA_BURST)	/* defensive: a broken source */
		bu.n = LANA_BURST;
	c = lana_bcnt_of(s->b, w->id, g->stride);
	for (i = 0; i < bu.n; i++)
		bytes += lana_pkt_len(bu.pkt[i]);
	cnt_add(&c->packets, bu.n);
	cnt_add(&c->bytes, bytes);
	r = bu.n;
	ppe_run(w, v, s->b->idp, 0, &bu);
	ppe_backlog(w, v);
	return r;
}

/* Sleep until a source descriptor is readable or @ns passed (offline). */
static void ppe_sleep(struct pollfd *fds, nfds_t nfds, long ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };

	rcu_thread_offline();
	if (nfds)
		ppoll(fds, nfds, &ts, NULL);
	else
		nanosleep(&ts, NULL);
	rcu_thread_online();
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void *lana_ppe_worker(void *arg)
{
	struct lana_worker *w = arg;
	struct lana_engine *e = w->e;
	struct pollfd *fds = NULL;
	uint32_t fdcap = 0;
	uint64_t last = 0;	/* when this worker last had a packet */

	lana_cur_worker = w;
	rcu_register_thread();
	while (!atomic_load_explicit(&e->stop, memory_order_relaxed)) {
		const struct lana_gver *v;
		uint32_t i, lo, hi, nfds = 0;
		bool spin = false;
		long got = 0;

		atomic_store(&w->busy, 1);
		v = rcu_dereference(e->cur);
		lo = v->wsrc[w->id];
		hi = v->wsrc[w->id + 1];
		for (i = lo; i < hi; i++) {
			const struct lana_src *s = &v->src[i];
			int r;

			if (atomic_load_explicit(s->ended,
						 memory_order_relaxed))
				continue;
			if (s->tmr) {
				r = ppe_timer(w, v, s);
				/* an idle worker with a timer armed wakes
				 * every POLL_SPIN_NS to look at it */
				if (atomic_load_explicit(&s->tmr->at,
							 memory_order_relaxed))
					spin = true;
			} else {
				r = ppe_poll(w, v, s);
				if (!r && s->fd < 0)
					spin = true;
			}
			if (r > 0)
				got += r;
		}
		if (got) {
			last = 0;
		} else if (!last) {
			last = mono_ns();
			got = -1;	/* linger: poll again at once */
		} else if ((e->o.busy_poll && hi > lo) ||
			   mono_ns() - last < POLL_LINGER_NS) {
			got = -1;
		}
		if (!got) {
			/* collect descriptors while @v is still ours */
			if (hi - lo > fdcap) {
				fdcap = hi - lo;
				free(fds);
				fds = malloc(fdcap * sizeof(*fds));
				if (!fds)
					fdcap = 0;
			}
			for (i = lo; fds && i < hi; i++) {
				const struct lana_src *s = &v->src[i];

				if (s->fd < 0 || atomic_load(s->ended))
					continue;
				fds[nfds].fd = s->fd;
				fds[nfds].events = POLLIN;
				fds[nfds].revents = 0;
				nfds++;
			}
		}
		atomic_store(&w->busy, 0);
		rcu_quiescent_state();
		if (!got)
			ppe_sleep(fds, nfds, spin ? POLL_SPIN_NS : POLL_SLEEP_NS);
	}
	free(fds);
	rcu_unregister_thread();
	lana_pkt_pool_drain();
	lana_cur_worker = NULL;
	return NULL;
}
