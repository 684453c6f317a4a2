/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/stats.h - the counters of one block as both engines report them
 * (lanad's STATS reply, lana.ko's LANA_CMD_STATS_GET), filled by
 * lana_inst_stats() (engine/txn.h).
 */
#ifndef LANA_ENGINE_STATS_H
#define LANA_ENGINE_STATS_H

#include "blocks/lana_block.h"

/**
 * struct lana_block_stats - counters of one block, summed over workers
 * (userspace) or CPUs (kernel), as lana_inst_stats() fills them.
 * @idp:     the block's IDP
 * @name:    its instance name (owned by the instance)
 * @type:    its block type's name
 * @packets: packets that entered the block
 * @bytes:   bytes of those packets
 * @drops:   packets dropped by the block or by the engine after it
 *           (unbound port, LANA_DROP)
 * @stat:    the block type's own named counters (its stats op)
 * @nstat:   entries of @stat in use
 */
struct lana_block_stats {
	uint32_t idp;
	const char *name;
	const char *type;
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops;
	struct lana_stat stat[8];
	unsigned int nstat;
};

#endif /* LANA_ENGINE_STATS_H */
