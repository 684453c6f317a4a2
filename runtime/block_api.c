// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/block_api.c - the engine calls of blocks/lana_block.h for the
 * userspace engine: spawned packets to the worker's backlog (thesis 4.2.5,
 * 5.2.5 engine_backlog_tail), per-worker block storage, time, errors.
 *
 * Blocks built outside an engine (b->eng_priv == NULL, e.g. by a unit test
 * calling the ops directly) get sensible fallbacks: one pcpu area at
 * b->pcpu, one worker, errors printed to stderr, emitted packets freed.
 */
#define LANA_ENGINE_CORE
#include "engine_internal.h"
#include "offload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

_Thread_local struct lana_worker *lana_cur_worker;

void lana_emit(struct lana_block *b, uint16_t port, struct lana_pkt *p)
{
	struct lana_worker *w = lana_cur_worker;

	if (!w) {
		/* not on a worker: nowhere to run it */
		lana_pkt_free(p);
		return;
	}
	if (!lana_backlog_put(w->bl, LANA_BACKLOG - 1, w->bl_head,
			      &w->bl_tail, p, b->idp, port, w->cur_hops)) {
		lana_pkt_free(p);
		__atomic_store_n(&w->nomem_drops, w->nomem_drops + 1,
				 __ATOMIC_RELAXED);
	}
}

int lana_pkt_complete(struct lana_block *b, struct lana_pkt *p)
{
	(void)b;
	if (p->off.gso_type != LANA_GSO_NONE)
		return -EMSGSIZE;
	return lana_pkt_csum_complete(p);
}

void *lana_block_pcpu(const struct lana_block *b)
{
	const struct lana_inst *bi = b->eng_priv;
	struct lana_worker *w = lana_cur_worker;

	if (!bi)
		return b->pcpu;
	return (char *)b->pcpu + (size_t)(w ? w->id : 0) * bi->stride +
	       LANA_PCPU_HDR;
}

void *lana_block_pcpu_each(const struct lana_block *b, unsigned int i)
{
	const struct lana_inst *bi = b->eng_priv;

	if (!bi)
		return i ? NULL : b->pcpu;
	if (i >= b->eng->nworkers)
		return NULL;
	return (char *)b->pcpu + (size_t)i * bi->stride + LANA_PCPU_HDR;
}

unsigned int lana_nr_workers(const struct lana_block *b)
{
	if (!b->eng_priv || !b->eng)
		return 1;
	return b->eng->nworkers;
}

bool lana_block_offline(const struct lana_block *b)
{
	if (!b->eng_priv || !b->eng)
		return false;
	return b->eng->o.offline && !atomic_load(&b->eng->stop);
}

const char *const *lana_block_pcap_dirs(const struct lana_block *b)
{
	if (!b->eng_priv || !b->eng)
		return NULL;
	return b->eng->o.pcap_dirs;
}

void lana_block_log(const struct lana_block *b, int level,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (b->eng_priv && b->eng)
		lana_engine_log(b->eng, level, "%s %s: %s", b->type->name,
				b->name ? b->name : "", msg);
	else
		fprintf(stderr, "%s: %s\n", b->name ? b->name : "block", msg);
}

uint64_t lana_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lana_block_error(struct lana_block *b, const char *fmt, ...)
{
	struct lana_inst *bi = b->eng_priv;
	va_list ap;

	va_start(ap, fmt);
	if (bi) {
		vsnprintf(bi->err, sizeof(bi->err), fmt, ap);
	} else {
		fprintf(stderr, "%s: ", b->name ? b->name : "block");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void *lana_live_alloc(struct lana_block *b, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		lana_block_error(b, "out of memory");
	return p;
}

void lana_live_free(void *obj)
{
	free(obj);
}

struct lana_timer *lana_timer_new(struct lana_block *b,
				  int (*fire)(struct lana_block *b,
					      struct lana_burst *v))
{
	struct lana_timer *t = calloc(1, sizeof(*t));

	if (!t) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	t->b = b;
	t->fire = fire;
	atomic_init(&t->at, 0);
	if (b->eng && b->eng_priv) {
		if (lana_engine_timer_add(b->eng, b, t)) {
			free(t);
			lana_block_error(b, "out of memory");
			return NULL;
		}
		t->e = b->eng;
	}
	return t;
}

void lana_timer_arm(struct lana_timer *t, uint64_t at_ns)
{
	uint64_t cur = atomic_load_explicit(&t->at, memory_order_relaxed);

	if (!at_ns)
		at_ns = 1;	/* 0 means "not armed" */
	/* keep an earlier time; the worker polling the timer clears it */
	while ((!cur || at_ns < cur) &&
	       !atomic_compare_exchange_weak_explicit(&t->at, &cur, at_ns,
						      memory_order_release,
						      memory_order_relaxed))
		;
}

void lana_timer_free(struct lana_timer *t)
{
	if (!t)
		return;
	if (t->e)
		lana_engine_timer_del(t->e, t);
	free(t);
}

/* descriptor sources of blocks outside an engine (lana_fdsrc_orphan()) */
static pthread_mutex_t orphan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lana_fdsrc *orphans;

struct lana_fdsrc *lana_fdsrc_new(struct lana_block *b, int fd,
				  int (*recv)(struct lana_block *b,
					      struct lana_burst *v))
{
	struct lana_fdsrc *s = calloc(1, sizeof(*s));

	if (!s) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	s->b = b;
	s->fd = fd;
	s->recv = recv;
	if (b->eng && b->eng_priv) {
		if (lana_engine_fdsrc_add(b->eng, b, s)) {
			free(s);
			lana_block_error(b, "out of memory");
			return NULL;
		}
		s->e = b->eng;
	} else {
		pthread_mutex_lock(&orphan_lock);
		s->orphan_next = orphans;
		orphans = s;
		pthread_mutex_unlock(&orphan_lock);
	}
	return s;
}

struct lana_fdsrc *lana_fdsrc_orphan(const struct lana_block *b)
{
	struct lana_fdsrc *s;

	pthread_mutex_lock(&orphan_lock);
	for (s = orphans; s && s->b != b; s = s->orphan_next)
		;
	pthread_mutex_unlock(&orphan_lock);
	return s;
}

void lana_fdsrc_free(struct lana_fdsrc *s)
{
	struct lana_fdsrc **pp;

	if (!s)
		return;
	if (s->e) {
		lana_engine_fdsrc_del(s->e, s);
	} else {
		pthread_mutex_lock(&orphan_lock);
		for (pp = &orphans; *pp; pp = &(*pp)->orphan_next) {
			if (*pp == s) {
				*pp = s->orphan_next;
				break;
			}
		}
		pthread_mutex_unlock(&orphan_lock);
	}
	free(s);
}
