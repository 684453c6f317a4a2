/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan/plan.h - the bytecode plan: the one contract between the compiler and
 * the engines (format: docs/plan-format.md).
 *
 * A plan is a header (magic, version, flags, length, CRC-32), a string table
 * and a sequence of instructions framed by BEGIN/COMMIT. A full plan
 * (compiled from a graph) holds NEW and BIND instructions; an edit plan
 * (from `lanarun diff`) adds SET, UNBIND, REPLACE and DEL against a base plan
 * identified by its checksum. All integers are little-endian.
 */
#ifndef LANA_PLAN_H
#define LANA_PLAN_H

#include "value.h"
#include "lib/util.h"

#include <stdbool.h>
#include <stdint.h>

#define LANA_PLAN_MAGIC		"LANAPLAN"	/* 8 bytes, no NUL */
#define LANA_PLAN_VERSION_MAJOR	1
#define LANA_PLAN_VERSION_MINOR	0
#define LANA_PLAN_HDR_LEN	40
#define LANA_PLAN_MAX_LEN	(1u << 30)	/* 1 GiB */

/* Plan header flags. */
#define LANA_PLAN_F_EDIT	0x1	/* edit plan: applies to a base plan */

/* Opcodes. Values are part of the format: only append. */
enum lana_op {
	LANA_OP_BEGIN = 1,	/* base checksum (0 for a full plan), count */
	LANA_OP_NEW = 2,	/* idp, type, name, params: create an instance */
	LANA_OP_BIND = 3,	/* src idp.port -> dst idp.port */
	LANA_OP_SET = 4,	/* idp, name, one live param */
	LANA_OP_UNBIND = 5,	/* src idp.port -> dst idp.port */
	LANA_OP_REPLACE = 6,	/* idp, type, name, params: the new instance
				 * takes over the IDP */
	LANA_OP_DEL = 7,	/* idp, name: delete an instance */
	LANA_OP_COMMIT = 8,	/* end of the transaction */
	LANA_OP_MAX
};

/** struct lana_pattr - one parameter as stored in the plan. */
struct lana_pattr {
	const char *key;
	struct lana_value val;
};

/**
 * lana_pattr_copy() - deep copy of the @n parameters at @s (keys and
 * values, lana_value_copy()) into arena @a; NULL when @n is 0.
 */
struct lana_pattr *lana_pattr_copy(struct lana_arena *a,
				   const struct lana_pattr *s, uint32_t n);

/**
 * lana_pattr_try_copy() - lana_pattr_copy() that survives out-of-memory:
 * 0 with *@out set (NULL when @n is 0), or -ENOMEM (what was copied stays
 * in @a until it is freed).
 */
int lana_pattr_try_copy(struct lana_arena *a, const struct lana_pattr *s,
			uint32_t n, struct lana_pattr **out);

/**
 * struct lana_insn - one decoded instruction. Which fields are used depends
 * on @op: NEW/REPLACE: idp, type, name, params; SET: idp, name, params
 * (exactly one); DEL: idp, name; BIND/UNBIND: idp (source), port (source
 * OUT port index), dst, dport (destination IN port index); BEGIN: base_crc,
 * count; COMMIT: nothing.
 */
struct lana_insn {
	uint8_t op;
	uint32_t idp;
	uint32_t port;
	uint32_t dst;
	uint32_t dport;
	const char *type;
	const char *name;
	struct lana_pattr *params;
	uint32_t nparams;
	uint32_t base_crc;
	uint32_t count;
};

/**
 * struct lana_plan - a decoded plan. @insns excludes BEGIN and COMMIT (the
 * encoder adds them; the decoder checks and strips them).
 * @flags:    LANA_PLAN_F_*
 * @base_crc: for an edit plan, lana_plan_crc() of the plan it applies to
 * @crc:      checksum of this plan as read or written (header field)
 * @arena:    owns every string, parameter and instruction
 */
struct lana_plan {
	uint32_t flags;
	uint32_t base_crc;
	uint32_t crc;
	VEC(struct lana_insn) insns;
	struct lana_arena arena;
};

/** lana_plan_init() - empty plan. */
void lana_plan_init(struct lana_plan *p);

/** lana_plan_free() - release @p and everything it owns. */
void lana_plan_free(struct lana_plan *p);

/**
 * lana_plan_encode() - serialise @p into @out (appended). Deterministic:
 * equal plans give equal bytes. Sets @p->crc. Returns 0, or -EINVAL with
 * @err set when @p cannot be encoded (e.g. a string over 64 KiB), or
 * -ENOMEM ("out of memory"; @out unchanged but for a @fallible buffer's
 * err; the encoder's own buffers are fallible, so lanad survives it).
 */
int lana_plan_encode(struct lana_plan *p, struct lana_buf *out, char *err,
		     size_t errlen);

/**
 * lana_plan_decode() - parse and validate @len bytes at @buf into @p
 * (initialised by this call). Every field is checked: magic, version,
 * length, checksum, section bounds, string references, instruction and
 * attribute lengths, value sizes, BEGIN/COMMIT framing. Returns 0, or
 * -EINVAL with @err set to a message naming the byte offset and the field,
 * e.g. "offset 112: instruction 3 (NEW): string reference 9999 outside
 * string table (412 bytes)", or -ENOMEM with "out of memory". On error
 * @p is left empty.
 */
int lana_plan_decode(const void *buf, size_t len, struct lana_plan *p,
		     char *err, size_t errlen);

/**
 * lana_plan_validate() - check @p against the block catalogue: known types,
 * known parameter keys with the right types and ranges, IDPs unique and
 * non-zero, port indices within each type's port count, an OUT port bound
 * at most once, frame types compatible. For an edit plan only what can be
 * checked without the base is checked. Returns 0 or -EINVAL with @err set,
 * or -ENOMEM with "out of memory".
 */
int lana_plan_validate(const struct lana_plan *p, char *err, size_t errlen);

/**
 * lana_pattr_check() - check one parameter as lana_plan_validate() does.
 * @bt:        the block type
 * @a:         the parameter (key and value)
 * @need_live: it is a SET's: the parameter must be LANA_PF_LIVE
 * @msg:       receives why it is refused (may be NULL)
 * @msglen:    bytes of @msg
 *
 * A known key, the declared type (list element type, enum symbols),
 * range (lana_value_check_range()) and, for a filter, a program both
 * engines run (lana_bpf_check()).
 *
 * Return: 0, or -EINVAL with @msg set, e.g. "parameter 'vid': value 5000
 * out of range 1..4094".
 */
int lana_pattr_check(const struct lana_block_type *bt,
		     const struct lana_pattr *a, bool need_live, char *msg,
		     size_t msglen);

/**
 * lana_plan_crc() - the checksum an edit plan names as its base: the CRC-32
 * of the encoded full plan @p (encodes it if needed).
 */
uint32_t lana_plan_crc(struct lana_plan *p);

/**
 * lana_plan_try_crc() - lana_plan_crc() that tells a failure: 0 with
 * *@crc set (cached in @p), -ENOMEM when out of memory, -EINVAL when @p
 * cannot be encoded (*@crc is then 0: lana_plan_crc()'s answer).
 */
int lana_plan_try_crc(struct lana_plan *p, uint32_t *crc);

/**
 * lana_plan_disasm() - append @p as readable bytecode text to @b, one
 * instruction a line, names resolved where the plan defines them:
 *   BEGIN full, 5 instructions
 *   NEW     1 src eth dev="veth0" promisc=false
 *   BIND    1 src.out -> 2 t.in
 */
void lana_plan_disasm(const struct lana_plan *p, struct lana_buf *b);

/** lana_plan_json() - append @p to @b as a JSON object (see docs/plan-format.md). */
void lana_plan_json(const struct lana_plan *p, struct lana_buf *b);

/**
 * lana_plan_dot() - append the graph of full plan @p to @b as Graphviz DOT,
 * one node per block (label "name\ntype"), one edge per BIND labelled with
 * the port names.
 */
void lana_plan_dot(const struct lana_plan *p, struct lana_buf *b);

/**
 * lana_fleet_dot() - append a fleet model (docs/fleet.md) as one Graphviz
 * DOT graph: a cluster per host (@labels[i], e.g. "h1 (192.0.2.1)") with
 * the blocks of @plans[i] (full plans, one per host @hosts[i]; node ids
 * "HOST:NAME"), and for each cross-host edge one dashed edge from its
 * source on one host to its target on the other, labelled with the VNI,
 * in place of the tunnel blocks (names starting with @prefix, "tunnel/").
 * @n: hosts
 */
void lana_fleet_dot(const struct lana_plan *plans, const char *const *hosts,
		    const char *const *labels, uint32_t n, const char *prefix,
		    struct lana_buf *b);

/** struct lana_diff_stats - what an edit plan does, for the summary line. */
struct lana_diff_stats {
	uint32_t added, replaced, set, bound, rebound, unbound, deleted;
};

/**
 * lana_plan_diff() - compute the edit plan turning full plan @old into full
 * plan @new_, matching blocks by full name. Unchanged blocks get no
 * instruction; a changed LANA_PF_LIVE parameter gives SET; any other change
 * (type, non-live parameter) gives REPLACE on the old IDP; blocks only in
 * @new_ get NEW with fresh IDPs above @old's largest. Order
 * (make-before-break): NEW, REPLACE, SET, BIND, UNBIND, DEL. An OUT port
 * whose target changes gets one BIND (rebind), no UNBIND. @edit is
 * initialised by this call, with base_crc = lana_plan_crc(@old).
 * Returns 0 or -EINVAL with @err set (e.g. an input is not a full plan),
 * or -ENOMEM with "out of memory" (@edit then empty).
 */
int lana_plan_diff(struct lana_plan *old, const struct lana_plan *new_,
		   struct lana_plan *edit, struct lana_diff_stats *st,
		   char *err, size_t errlen);

/**
 * lana_diff_summary() - append "2 new, 1 replaced, 3 rebound, 1 deleted"
 * (zero counts omitted; "no changes" when all are zero) to @b.
 */
void lana_diff_summary(const struct lana_diff_stats *st, struct lana_buf *b);

/**
 * lana_plan_apply() - the reference semantics of an edit plan: apply @edit
 * to full plan @base, giving the full plan @out (initialised by this call),
 * exactly as an engine would. Fails without touching anything when the
 * base checksum differs or an instruction does not fit the base (unknown
 * IDP, NEW on a used IDP, UNBIND of an edge that is not bound, DEL of a
 * block something still points at). Returns 0, or -EINVAL with @err naming
 * the instruction ("instruction 4 (DEL c): block 7 still bound from 3").
 */
int lana_plan_apply(struct lana_plan *base, const struct lana_plan *edit,
		    struct lana_plan *out, char *err, size_t errlen);

/**
 * lana_param_uint() - the unsigned value of a block's parameter as
 * port-group counts (tee's n) read it.
 * @bt:   the block type (NULL: no default)
 * @name: the parameter
 * @v:    the block's value of it, or NULL (type LANA_PT_NONE: absent)
 *
 * For the lana_count_fn callbacks of the reference apply (plan/apply.c,
 * plan/ports.c) and of both engines' builders (engine/inst.c).
 *
 * Return: @v as an unsigned integer when set, else the parameter's
 * default text parsed, else 0 (no such parameter, no default); a value
 * that is not an integer reads as 0 (lana_value_as_uint()).
 */
uint64_t lana_param_uint(const struct lana_block_type *bt, const char *name,
			 const struct lana_value *v);

/**
 * lana_pattr_uint() - lana_param_uint() of a parameter in a plan's list.
 * @bt:   the block type
 * @ps:   the parameters of a NEW or REPLACE instruction
 * @n:    entries of @ps
 * @name: the parameter
 *
 * Return: the value keyed @name in @ps, else the default, else 0.
 */
uint64_t lana_pattr_uint(const struct lana_block_type *bt,
			 const struct lana_pattr *ps, uint32_t n,
			 const char *name);

/**
 * lana_insn_port_count() - ports of direction @dir (LANA_PORT_IN/OUT) of
 * the instance NEW/REPLACE instruction @in creates, port groups sized by
 * its parameters (or their defaults); 0 for an unknown type.
 */
uint32_t lana_insn_port_count(const struct lana_insn *in, unsigned int dir);

/**
 * lana_insn_port_at() - declaration of port @port of direction @dir of @in's
 * instance, *@sub (may be NULL) its index within a group; NULL if unknown.
 */
const struct lana_port *lana_insn_port_at(const struct lana_insn *in,
					  unsigned int dir, uint32_t port,
					  uint32_t *sub);

/**
 * lana_insn_port_name() - append the name of that port to @b: "out",
 * "out[1]" for a group member, or the bare index when unknown.
 */
void lana_insn_port_name(const struct lana_insn *in, unsigned int dir,
			 uint32_t port, struct lana_buf *b);

/**
 * struct lana_idpix - IDP -> index map for plan processing. Compiled plans
 * number blocks densely (1..N), so a plain array is used when the largest
 * IDP is small enough (at most 2n + 1024), else a hash map.
 */
struct lana_idpix {
	uint32_t *dense;	/* idp -> index + 1 (0: absent), or NULL */
	uint32_t max;
	struct lana_map map;
};

/**
 * lana_idpix_init() - empty map for IDPs up to @max, about @n entries.
 * Returns 0, or -ENOMEM (@x is then empty; lana_idpix_free() is safe).
 */
int lana_idpix_init(struct lana_idpix *x, uint32_t max, uint32_t n);
/** lana_idpix_get() - true and *@v = index when @idp is present. */
bool lana_idpix_get(const struct lana_idpix *x, uint32_t idp, uint32_t *v);
/**
 * lana_idpix_put() - add *@key -> @v unless present (then *@old, if not
 * NULL, gets the existing index and 0 is returned). *@key must stay
 * valid as long as the map (hash map keys are not copied).
 * Returns 1 (added), 0 (present), or -ENOMEM (the map is unchanged).
 */
int lana_idpix_put(struct lana_idpix *x, const uint32_t *key, uint32_t v,
		   uint32_t *old);
/** lana_idpix_free() - release the map. */
void lana_idpix_free(struct lana_idpix *x);

/** lana_op_name() - "NEW", "BIND", ... or "?" */
const char *lana_op_name(unsigned int op);

#endif /* LANA_PLAN_H */
