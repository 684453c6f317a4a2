/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/backlog.h - the backlog ring of both packet processing engines
 * (thesis 5.2.5, engine_backlog_tail): packets spawned with lana_emit(),
 * or queued by the PPE itself, wait here to leave a block's OUT port and
 * are run oldest first, as bursts, in the same graph version. One ring
 * per worker (runtime/ppe.c) or per CPU (kmod/ppe.c), single threaded:
 * only its worker, or its CPU with bottom halves disabled, touches it.
 */
#ifndef LANA_ENGINE_BACKLOG_H
#define LANA_ENGINE_BACKLOG_H

#include "blocks/lana_block.h"

/* struct lana_blog - one packet waiting to leave OUT port @idp.@port. */
struct lana_blog {
	struct lana_pkt *p;
	uint32_t idp;
	uint16_t port;
	uint32_t hops;		/* blocks it entered (loop guard) */
};

/**
 * lana_backlog_put() - queue a packet at the tail of a backlog ring.
 * @bl:   the ring, @mask + 1 entries (a power of 2)
 * @mask: ring size - 1
 * @head: index of the oldest entry
 * @tail: index after the newest entry (advanced)
 * @p:    the packet
 * @idp:  the block it leaves
 * @port: through this OUT port
 * @hops: blocks it entered so far
 *
 * Return: true, or false when the ring is full (the caller frees @p and
 * counts the drop).
 */
static inline bool lana_backlog_put(struct lana_blog *bl, uint32_t mask,
				    uint32_t head, uint32_t *tail,
				    struct lana_pkt *p, uint32_t idp,
				    uint16_t port, uint32_t hops)
{
	struct lana_blog *q;

	if (*tail - head > mask)
		return false;
	q = &bl[*tail & mask];
	q->p = p;
	q->idp = idp;
	q->port = port;
	q->hops = hops;
	(*tail)++;
	return true;
}

/**
 * lana_backlog_take() - take the next burst off a non-empty backlog ring.
 * @bl:   the ring, @mask + 1 entries
 * @mask: ring size - 1
 * @head: index of the oldest entry (advanced past the burst)
 * @tail: index after the newest entry
 * @bu:   receives the oldest entry and those right after it that leave
 *        the same OUT port, at most LANA_BURST; ingress, with the largest
 *        hop count among them
 * @idp:  receives the block they leave
 * @port: receives its OUT port
 */
static inline void lana_backlog_take(const struct lana_blog *bl,
				     uint32_t mask, uint32_t *head,
				     uint32_t tail, struct lana_burst *bu,
				     uint32_t *idp, uint16_t *port)
{
	const struct lana_blog *q = &bl[*head & mask];
	uint32_t hops = q->hops;

	*idp = q->idp;
	*port = q->port;
	bu->n = 0;
	bu->dir = LANA_INGRESS;
	while (*head != tail && bu->n < LANA_BURST) {
		q = &bl[*head & mask];
		if (q->idp != *idp || q->port != *port)
			break;
		if (q->hops > hops)
			hops = q->hops;
		bu->pkt[bu->n++] = q->p;
		(*head)++;
	}
	bu->hops = hops;
}

#endif /* LANA_ENGINE_BACKLOG_H */
