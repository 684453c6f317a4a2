/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/stats.h - the counters of one block as both engines report them
 * (lanad's STATS reply, lana.ko's LANA_CMD_STATS_GET), filled by
 * lana_inst_stats() (engine/txn.h).
 */
#ifndef LANA_ENGINE_STATS_H
#define LANA_ENGINE_STATS_H

#include "blocks/lana_block.h"

/* named counters of one block at most (switch: 4 per port, 32 ports, + 2) */
#define LANA_STATS_MAX	160

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
 * @block:   engine side: the block itself, for its table op (valid while
 *           the engine's lock that lana_inst_stats() ran under is held);
 *           NULL in the engine's record and in what a client decoded
 *
 * A reply that carries rows of the block's table (LANA_ATTR_TABLE, only
 * when STATS_GET names one block whose type has a table op) fills these:
 * @table:   the reply has the TABLE attribute: the block has a table, and
 *           @rows are some of its rows
 * @partial: a continuation: no counters (@packets .. @stat unset), only
 *           more rows of the same block's table
 * @truncated: the last reply of a table cut at LANA_TABLE_MAX rows
 * @rows:    the rows (encoder: the caller's; decoder: malloc()ed by
 *           lana_ctl_get_block(), freed by the caller), @nrows of them
 */
struct lana_block_stats {
	uint32_t idp;
	const char *name;
	const char *type;
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops;
	struct lana_stat stat[LANA_STATS_MAX];
	unsigned int nstat;
	const struct lana_block *block;
	bool table;
	bool partial;
	bool truncated;
	struct lana_row *rows;
	unsigned int nrows;
};

/*
 * Rows of a block's table that one STATS_GET lists at most: lanad queues
 * a reply for a slow client up to its send queue (4 MiB by default), and
 * a switch row is about 110 bytes on the wire (1.8 MiB for 16384).
 */
#define LANA_TABLE_MAX		16384
/* LANA_ATTR_TABLE's value: 0, or this in the last reply of a cut table */
#define LANA_TABLE_TRUNCATED	1
/* rows lanad puts in one reply (a message of at most LANA_MSG_MAX) */
#define LANA_TABLE_ROWS_PER_MSG	128

/*
 * The engine's own record in a dump of every block's counters (lanad's
 * STATS reply, lana.ko's LANA_CMD_STATS_GET without a name): sent after
 * the blocks, with IDP 0 (no block has it: a binding to 0 is unbound),
 * @drops the packets the engine itself dropped and one named counter per
 * reason (LANA_ENGINE_STAT_*), what `lanarun show` prints as engine drops.
 */
#define LANA_ENGINE_STATS_IDP	0
#define LANA_ENGINE_STATS_NAME	"(engine)"
#define LANA_ENGINE_STATS_TYPE	"engine"
#define LANA_ENGINE_STAT_LOOP	"loop_drops"	/* the loop guard */
#define LANA_ENGINE_STAT_UNBOUND "unbound_drops" /* sent to an unbound port */
#define LANA_ENGINE_STAT_NOMEM	"nomem_drops"	/* backlog full, no memory */
#define LANA_ENGINE_STAT_STALE	"stale_drops"	/* kernel: frame for a block
						 * no longer published */

/**
 * lana_engine_stats_init() - make @s the engine's record, no counter yet.
 * @s: filled: IDP 0, name and type as above, every count 0
 */
static inline void lana_engine_stats_init(struct lana_block_stats *s)
{
	*s = (struct lana_block_stats){
		.idp = LANA_ENGINE_STATS_IDP,
		.name = LANA_ENGINE_STATS_NAME,
		.type = LANA_ENGINE_STATS_TYPE,
	};
}

/**
 * lana_engine_stats_add() - add one reason's count to the engine's record.
 * @s:    the record (lana_engine_stats_init()); at most 8 reasons
 * @name: LANA_ENGINE_STAT_*
 * @n:    packets dropped for that reason (added to @s->drops too)
 */
static inline void lana_engine_stats_add(struct lana_block_stats *s,
					 const char *name, uint64_t n)
{
	if (s->nstat >= sizeof(s->stat) / sizeof(s->stat[0]))
		return;
	s->stat[s->nstat].name = name;
	s->stat[s->nstat].value = n;
	s->nstat++;
	s->drops += n;
}

#endif /* LANA_ENGINE_STATS_H */
