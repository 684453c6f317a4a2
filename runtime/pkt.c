// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/pkt.c - packet buffers of the userspace engine, with a per-thread
 * pool of standard-size buffers so that the packet path never calls malloc
 * in steady state (each worker frees what it allocates, mostly).
 */
#include "blocks/lana_block.h"

#include <stdlib.h>
#include <string.h>

#define POOL_MAX 8192		/* buffers kept per thread */

static _Thread_local struct {
	struct lana_pkt *head;
	uint32_t n;
} pool;

static struct lana_pkt *pkt_new(uint32_t size)
{
	struct lana_pkt *p = malloc(sizeof(*p) + size);

	if (p)
		p->size = size;
	return p;
}

struct lana_pkt *lana_pkt_get(uint32_t len)
{
	struct lana_pkt *p;

	if (len + LANA_PKT_HEADROOM <= LANA_PKT_STD_SIZE) {
		p = pool.head;
		if (p) {
			pool.head = p->next;
			pool.n--;
		} else {
			p = pkt_new(LANA_PKT_STD_SIZE);
		}
	} else {
		p = pkt_new(len + LANA_PKT_HEADROOM);
	}
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
	if (p->size == LANA_PKT_STD_SIZE && pool.n < POOL_MAX) {
		p->next = pool.head;
		pool.head = p;
		pool.n++;
		return;
	}
	free(p);
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

void lana_pkt_pool_drain(void)
{
	while (pool.head) {
		struct lana_pkt *p = pool.head;

		pool.head = p->next;
		free(p);
	}
	pool.n = 0;
}
