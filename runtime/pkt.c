// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/pkt.c - packet buffers of the userspace engine, with per-thread
 * pools of standard-size and of super-frame-size buffers, so that the
 * packet path never calls malloc in steady state (each worker frees what
 * it allocates, mostly). Without the second pool every 64 KiB GSO
 * super-frame got fresh pages from malloc, and faulting them in cost 30 %
 * of lanad's time at 2.5 Gbit/s of TCP (perf, bench/io).
 */
#include "blocks/lana_block.h"

#include <stdlib.h>
#include <string.h>

#define POOL_MAX 8192		/* standard buffers kept per thread */
#define POOL_BIG_MAX 256	/* super-frame buffers kept per thread */

struct pkt_pool {
	struct lana_pkt *head;
	uint32_t n;
};

static _Thread_local struct pkt_pool pool, pool_big;


static struct lana_pkt *pkt_new(uint32_t size)
{
	struct lana_pkt *p = malloc(sizeof(*p) + size);

	if (p)
		p->size = size;
	return p;
}

/* Take a buffer of @size bytes from @pl, or a new one. */
static struct lana_pkt *pool_take(struct pkt_pool *pl, uint32_t size)
{
	struct lana_pkt *p = pl->head;

	if (!p)
		return pkt_new(size);
	pl->head = p->next;
	pl->n--;
	return p;
}

struct lana_pkt *lana_pkt_get(uint32_t len)
{
	struct lana_pkt *p;

	if (len + LANA_PKT_HEADROOM <= LANA_PKT_STD_SIZE)
		p = pool_take(&pool, LANA_PKT_STD_SIZE);
	else if (len + LANA_PKT_HEADROOM <= LANA_PKT_BIG_SIZE)
		p = pool_take(&pool_big, LANA_PKT_BIG_SIZE);
	else
		p = pkt_new(len + LANA_PKT_HEADROOM);
	if (!p)
		return NULL;
	p->data = p->buf + LANA_PKT_HEADROOM;
	p->len = len;
	p->ts_ns = 0;
	memset(&p->off, 0, sizeof(p->off));
	p->next = NULL;
	return p;
}

void lana_pkt_free(struct lana_pkt *p)
{
	struct pkt_pool *pl = NULL;

	if (p->size == LANA_PKT_STD_SIZE && pool.n < POOL_MAX)
		pl = &pool;
	else if (p->size == LANA_PKT_BIG_SIZE && pool_big.n < POOL_BIG_MAX)
		pl = &pool_big;
	if (!pl) {
		free(p);
		return;
	}
	p->next = pl->head;
	pl->head = p;
	pl->n++;
}

struct lana_pkt *lana_pkt_alloc(struct lana_block *b, uint32_t len)
{
	(void)b;
	return lana_pkt_get(len);
}

struct lana_pkt *lana_pkt_copy(struct lana_block *b, struct lana_pkt *p)
{
	struct lana_pkt *q = lana_pkt_get(p->len);

	(void)b;
	if (!q)
		return NULL;
	memcpy(q->data, p->data, p->len);
	q->ts_ns = p->ts_ns;
	q->off = p->off;	/* offsets are from the frame start: unchanged */
	return q;
}

static void pool_drain(struct pkt_pool *pl)
{
	while (pl->head) {
		struct lana_pkt *p = pl->head;

		pl->head = p->next;
		free(p);
	}
	pl->n = 0;
}

void lana_pkt_pool_drain(void)
{
	pool_drain(&pool);
	pool_drain(&pool_big);
}
