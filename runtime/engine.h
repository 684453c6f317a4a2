/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime/engine.h - the userspace LANA engine: registry, builder,
 * notifier and packet processing engine (thesis ch. 4.2, 5.2.4, 5.2.5) on
 * worker threads, with graph versions published under RCU (liburcu QSBR).
 *
 * The control thread (lanad's main loop, or `lanarun run`) calls every
 * function here; workers only run packets. A transaction builds the next
 * graph version from the running one and publishes it with one pointer
 * swap; a packet is processed entirely within one version.
 */
#ifndef LANA_ENGINE_H
#define LANA_ENGINE_H

#include "engine/stats.h"
#include "plan/plan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lana_engine;

/**
 * struct lana_engine_opts - engine settings.
 * @workers:  packet worker threads (>= 1)
 * @log:      log sink for engine and block messages (NULL: stderr);
 *            @level is a syslog priority (LOG_ERR, LOG_INFO, ...)
 * @offline:  an offline run (`lanarun run`: sources are files and
 *            generators, not live traffic) which must lose nothing:
 *            blocks that would drop rather than wait in a live graph
 *            (pcap_out's full queue) may make the worker wait instead;
 *            lana_block_offline() tells them. lanad leaves it false.
 * @pcap_dirs: NULL-terminated list of the directories (absolute, real
 *            paths) pcap_in and pcap_out may open files in
 *            (lana_block_pcap_dirs(), lanad --pcap-dir), or NULL: paths
 *            are opened as given, as `lanarun run` does for the user's
 *            own files. The strings must outlive the engine.
 * @busy_poll: workers never sleep: each keeps polling its sources, which
 *            takes the scheduler's wake-up (tens of us) out of every
 *            frame's latency at the price of one busy CPU per worker; for
 *            workers with a core of their own (lanad --busy-poll). When
 *            false a worker polls for 200 us after its last packet, then
 *            sleeps in poll(2) (runtime/ppe.c).
 */
struct lana_engine_opts {
	unsigned int workers;
	void (*log)(int level, const char *msg);
	bool offline;
	const char *const *pcap_dirs;
	bool busy_poll;
};

/** lana_engine_new() - an engine with an empty graph; NULL with errno set. */
struct lana_engine *lana_engine_new(const struct lana_engine_opts *o);

/** lana_engine_start() - start the worker threads. 0 or -errno. */
int lana_engine_start(struct lana_engine *e);

/** lana_engine_stop() - stop and join the workers (packets in flight are freed). */
void lana_engine_stop(struct lana_engine *e);

/** lana_engine_free() - stop, tear the graph down (destructors run), free. */
void lana_engine_free(struct lana_engine *e);

/**
 * lana_engine_apply() - run @plan as one transaction.
 * An edit plan applies to the running graph, whose plan checksum must equal
 * @plan->base_crc (else -ESTALE: the graph changed since the caller looked).
 * A full plan replaces the running graph: it is diffed against it, so the
 * blocks both have keep their instance and state.
 * All or nothing: constructors (NEW, REPLACE) and live changes (SET) run
 * first; if any fails, what was done is undone and the running graph is
 * untouched. Then the new version is published with one RCU pointer swap,
 * and blocks that left the graph are destroyed after a grace period.
 * Returns 0, or -errno with @err naming the failing instruction, e.g.
 * "instruction 3 (NEW 4 nic eth): no such device 'nosuch0'".
 */
int lana_engine_apply(struct lana_engine *e, const struct lana_plan *plan,
		      char *err, size_t errlen);

/**
 * lana_engine_plan() - the running graph as a canonical full plan
 * (initialised by this call; blocks in IDP order, BINDs by source).
 */
int lana_engine_plan(struct lana_engine *e, struct lana_plan *out);

/* struct lana_block_stats (counters of one block): engine/stats.h. */

/**
 * lana_engine_stats() - call @cb for every block (IDP order), then once
 * for the engine's own record (IDP 0, LANA_ENGINE_STATS_NAME: the packets
 * the engine dropped, by reason; engine/stats.h), or only for the block
 * named @name when not NULL. Returns 0, -ENOENT for an unknown @name, or
 * the first non-zero value @cb returned.
 */
int lana_engine_stats(struct lana_engine *e, const char *name,
		      int (*cb)(const struct lana_block_stats *s, void *ctx),
		      void *ctx);

/** struct lana_engine_counters - engine-wide counters. */
struct lana_engine_counters {
	uint64_t generation;	/* graph versions published */
	uint64_t loop_drops;	/* packets dropped by the loop guard */
	uint64_t unbound_drops;	/* packets sent to an unbound port */
	uint64_t nomem_drops;	/* allocation failures on the packet path */
};

void lana_engine_counters(struct lana_engine *e,
			  struct lana_engine_counters *c);

/** lana_engine_flush() - remove every block (one transaction). */
int lana_engine_flush(struct lana_engine *e, char *err, size_t errlen);

/**
 * lana_engine_idle() - true when every source has ended (pcap_in played,
 * gen count reached), no packet is in flight and no block has work in
 * flight outside the workers (its busy op, e.g. pcap_out's queued
 * records): `lanarun run` stops then, and the counters it prints are
 * final. Graphs with eth or tap never become idle.
 */
bool lana_engine_idle(struct lana_engine *e);

#endif /* LANA_ENGINE_H */
