/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/core.h - the data both LANA engines share: the engine's side of a
 * block instance, the graph version's table indexed by IDP, the block
 * counters and their summary (thesis ch. 4.2.1, 5.2.4).
 *
 * Included by the packet paths (runtime/ppe.c, kmod/ppe.c), the block APIs
 * and the transaction core (engine/txn.h, which adds what only the control
 * side needs). It depends on blocks/lana_block.h only, so it compiles
 * unchanged in userspace (C11) and in the kernel (kbuild, gnu11).
 */
#ifndef LANA_ENGINE_CORE_H
#define LANA_ENGINE_CORE_H

#include "blocks/lana_block.h"
#include "stats.h"

struct lana_plan;
struct lana_imem;

#define LANA_PCPU_HDR	32	/* struct lana_bcnt + pad, before a type's pcpu */
#define LANA_INST_ERRLEN 256	/* lana_block_error() text of an instance */
#define LANA_MAX_IDP	(1u << 24)	/* table size limit of a version */

/*
 * struct lana_bcnt - the engine's counters of one block in one worker's
 * (userspace) or CPU's (kernel) pcpu slot, in front of the type's own
 * pcpu_size bytes (LANA_PCPU_HDR). Single writer: the worker or CPU.
 */
struct lana_bcnt {
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops;
};

/**
 * struct lana_inst - the engine's side of a block instance (b.eng_priv
 * points here). The userspace engine's struct lana_binst starts with one
 * (at offset 0: engine/ allocates instances); the kernel engine uses it
 * as it is. Made by lana_inst_new() (the
 * builder, thesis 4.2.2), destroyed by lana_inst_free().
 * @b:         the instance handed to block code (first member)
 * @params:    one value per catalogue parameter (type LANA_PT_NONE when
 *             absent), deep-copied into @mem
 * @nparams:   number of catalogue parameters
 * @nout:      OUT ports of the instance (port groups expanded)
 * @stride:    bytes between two workers' slots of b.pcpu (userspace);
 *             0 where the area is a per-CPU allocation (kernel)
 * @inited:    the type's init succeeded: its fini must run
 * @ev_stamp:  notifier de-duplication (engine/notify.c)
 * @dead_next: list of the instances leaving with a graph version
 * @live:      the type's live object (type->live) of the newest version
 *             that holds the instance, or of the one being built; NULL
 *             for types without a live op. Older versions keep theirs
 *             on their @dead_live list until they are freed
 * @mem:       storage owned by the instance (name, parameter values)
 * @err:       lana_block_error() text
 */
struct lana_inst {
	struct lana_block b;
	struct lana_value *params;
	uint32_t nparams;
	uint32_t nout;
	uint32_t stride;
	bool inited;
	bool live_dirty;	/* a SET of this transaction changed params */
	uint64_t ev_stamp;
	struct lana_inst *dead_next;
	void *live;
	struct lana_imem *mem;
	char err[LANA_INST_ERRLEN];
};

/** lana_inst_of() - the engine instance of block @b; NULL for NULL. */
static inline struct lana_inst *lana_inst_of(const struct lana_block *b)
{
	return b ? (struct lana_inst *)b->eng_priv : NULL;
}

/* struct lana_bind - binding of one OUT port in a version; dst 0: unbound. */
struct lana_bind {
	uint32_t dst;
	uint32_t dport;
};

/*
 * struct lana_gnode - one IDP's slot in a version; b == NULL: no block.
 * @rx:     b->type->rx, looked up once per version
 * @out:    bindings of the @nout OUT ports
 * @stride: the instance's stride (userspace per-worker counters)
 * @live:   the instance's live object in this version (lana_burst.live)
 */
struct lana_gnode {
	struct lana_block *b;
	int (*rx)(struct lana_block *b, struct lana_burst *v);
	const void *live;
	struct lana_bind *out;
	uint32_t nout;
	uint32_t stride;
};

/*
 * LANA_GRAPH_MEMBERS - the members of a graph version (thesis 5.2.4, the
 * registry as one RCU-published table indexed by IDP) that the
 * transaction core reads and writes, whatever the engine:
 * @gen:    version number (versions published before it, plus one)
 * @ntab:   table size (> every IDP in use)
 * @nevent: instances whose type has an event op
 * @max_hops: the loop guard of this version: a packet about to enter its
 *          (@max_hops + 1)th block after the one it entered the graph at
 *          is dropped and counted. Derived from the table when the version
 *          is published (lana_graph_hops(), engine/graph.c), so that no
 *          packet of an acyclic graph ever reaches it
 * @tab:    the table
 * @dead:   instances to destroy when this version is freed
 * @dead_live: live objects this version's packets may still use that a
 *          later version replaced (a SET): freed with this version
 * @plan:   the version's canonical full plan (see the userspace engine for
 *          when it is computed on demand)
 */
#define LANA_GRAPH_MEMBERS						\
	uint64_t gen;							\
	uint32_t ntab;							\
	uint32_t nevent;						\
	uint32_t max_hops;						\
	struct lana_gnode *tab;						\
	struct lana_inst *dead;						\
	struct lana_live_old *dead_live;				\
	struct lana_plan *plan

/*
 * struct lana_live_old - a live object (lana_block_type.live) a SET
 * replaced, on the list of the versions that may still hand it to rx.
 * @release: the type's live_free (the instance may be gone when it runs)
 */
struct lana_live_old {
	struct lana_live_old *next;
	void (*release)(void *obj);
	void *obj;
};

/* struct lana_graph - what engine/ sees of an engine's graph version. */
struct lana_graph {
	LANA_GRAPH_MEMBERS;
};

/*
 * LANA_GRAPH_GROUP - the first member of an engine's version type (engine/
 * allocates versions, glue ver_size bytes): the members above, both by
 * their own names (v->tab, as the packet path reads them) and as one
 * struct lana_graph named g (&v->g, what engine/ takes), like the kernel's
 * struct_group_tagged() (include/uapi/linux/stddef.h).
 */
#define LANA_GRAPH_GROUP						\
	union {								\
		struct {						\
			LANA_GRAPH_MEMBERS;				\
		};							\
		struct lana_graph g;					\
	}

#endif /* LANA_ENGINE_CORE_H */
