/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blocks/lana_block.h - what a functional block type declares about itself.
 *
 * A block type (the thesis's "functional block module", ch. 4.2.1) is one file
 * under blocks/ holding one `LANA_BLOCK_TYPE(name) = { ... }` descriptor: its
 * parameters with types, ranges and defaults, its ports with direction, frame
 * type and arity, which engines can run it, and (added with the engines) its
 * constructor, destructor and receive handler. The descriptor is the single
 * source of truth: the compiler checks graphs against it, `lanarun types`
 * prints it, docs/blocks.md is generated from it, and both engines build
 * instances from it (the builder, thesis ch. 4.2.2).
 *
 * This header is included by the compiler, the userspace engine and the
 * kernel module, so it uses only fixed-width types. Block code includes only
 * this header: the packet and engine calls below are implemented once per
 * engine (runtime/lana_pkt.h + runtime/block_api.c for the userspace engine,
 * kmod/ for the kernel engine), so one block source serves both engines.
 */
#ifndef LANA_BLOCK_H
#define LANA_BLOCK_H

#ifdef __KERNEL__
#include <linux/math64.h>
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

/*
 * Parameter types. The numeric values are part of the plan format
 * (docs/plan-format.md): never renumber, only append.
 */
enum lana_ptype {
	LANA_PT_NONE = 0,
	LANA_PT_BOOL = 1,	/* true | false */
	LANA_PT_U8 = 2,
	LANA_PT_U16 = 3,
	LANA_PT_U32 = 4,
	LANA_PT_U64 = 5,
	LANA_PT_I64 = 6,
	LANA_PT_STRING = 7,	/* UTF-8 text, no NUL */
	LANA_PT_MAC = 8,	/* 6-byte IEEE 802 MAC address */
	LANA_PT_IPV4 = 9,	/* IPv4 address */
	LANA_PT_IPV6 = 10,	/* IPv6 address */
	LANA_PT_PREFIX = 11,	/* IPv4 or IPv6 CIDR prefix (RFC 4632) */
	LANA_PT_SIZE = 12,	/* bytes; literals take tc(8)'s b, k, kb, m,
				 * mb, g, gb (1024-based) and KiB, MiB, GiB */
	LANA_PT_RATE = 13,	/* bit/s; literals take tc(8)'s units: kbit,
				 * mbit, ... (bits/s), kbps, mbps, ... (bytes/s),
				 * kibit, kibps, ... (IEC); docs/language.md */
	LANA_PT_DURATION = 14,	/* ns; literals take ns, us, ms, s */
	LANA_PT_ENUM = 15,	/* one of the parameter's symbols */
	LANA_PT_LIST = 16,	/* list of values of the parameter's elem type */
	LANA_PT_FILTER = 17,	/* tcpdump expression -> classic BPF (DLT_EN10MB) */
	LANA_PT_MAX
};

/* Frame types carried on a port. ANY is compatible with every other type. */
enum lana_frame {
	LANA_FRAME_ANY = 0,
	LANA_FRAME_ETH = 1,	/* Ethernet II / 802.3 frame, from the MAC header */
	LANA_FRAME_IP = 2,	/* IPv4 or IPv6 packet, from the IP header */
	LANA_FRAME_RAW = 3,	/* opaque bytes */
	LANA_FRAME_MAX
};

/* Port direction as seen from the block: packets enter at IN, leave at OUT. */
enum lana_port_dir {
	LANA_PORT_IN = 0,
	LANA_PORT_OUT = 1,
};

/** struct lana_bpf_insn - one classic BPF instruction (as struct sock_filter). */
struct lana_bpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/**
 * struct lana_value - a typed value.
 * @type: enum lana_ptype; selects the union member:
 *   BOOL: b · U8..U64, SIZE (bytes), RATE (bit/s), DURATION (ns): u ·
 *   I64: i · STRING, ENUM (symbol name): str · MAC: mac ·
 *   IPV4, IPV6, PREFIX: ip (family 4 or 6, prefix length in plen; for plain
 *   addresses plen is 32 or 128) · LIST: list · FILTER: filter
 */
struct lana_value {
	uint8_t type;
	union {
		bool b;
		uint64_t u;
		int64_t i;
		const char *str;
		uint8_t mac[6];
		struct {
			uint8_t family;	/* 4 or 6 */
			uint8_t plen;	/* prefix length in bits */
			uint8_t addr[16];	/* network byte order; v4 in [0..3] */
		} ip;
		struct {
			uint8_t elem;	/* enum lana_ptype of items */
			uint32_t n;
			struct lana_value *items;
		} list;
		struct {
			const char *expr;	/* tcpdump expression */
			uint32_t n;		/* instructions */
			struct lana_bpf_insn *insns;
		} filter;
	};
};

/* lana_param.flags */
#define LANA_PF_REQUIRED 0x0001	/* must be given in the graph */
#define LANA_PF_LIVE	 0x0002	/* may change with SET, no REPLACE needed */
#define LANA_PF_RANGE	 0x0004	/* min/max apply (integer value, string or
				 * list length, size/rate/duration value) */

/**
 * struct lana_param - one parameter of a block type.
 * @name:    key as written in the graph (`counter(name = value)`)
 * @type:    enum lana_ptype
 * @elem:    element type when @type is LANA_PT_LIST, else LANA_PT_NONE
 * @flags:   LANA_PF_*
 * @min:     inclusive lower bound when LANA_PF_RANGE is set
 * @max:     inclusive upper bound when LANA_PF_RANGE is set
 * @def:     default in .lana value syntax (parsed by the compiler, which
 *           always writes the resolved value into the plan, so engines never
 *           parse it), or NULL: the parameter is required (LANA_PF_REQUIRED)
 *           or simply absent from the plan when not given
 * @symbols: NULL-terminated symbol names for LANA_PT_ENUM (or list of enum)
 * @doc:     one line of documentation
 */
struct lana_param {
	const char *name;
	uint8_t type;
	uint8_t elem;
	uint16_t flags;
	int64_t min;
	uint64_t max;
	const char *def;
	const char *const *symbols;
	const char *doc;
};

/* lana_port.flags */
#define LANA_PORTF_OPTIONAL 0x0001	/* may stay unconnected (otherwise an
					 * unconnected OUT port is an error) */

/**
 * struct lana_port - one port, or one group of ports, of a block type.
 * @name:  port name (`x[name]`); in a group every port has this name
 * @dir:   enum lana_port_dir
 * @frame: enum lana_frame carried on this port
 * @flags: LANA_PORTF_*
 * @count: NULL for a single port; else the name of an unsigned integer
 *         parameter whose value is the number of ports in the group
 *         (`tee(n = 3)` has three `out` ports), or of a list parameter:
 *         one port per item (`classify(filters = ["arp", "ip"])` has two)
 * @doc:   one line of documentation
 *
 * Ports are numbered per direction in declaration order, groups expanded:
 * tee(n=3) has IN port 0 (`in`) and OUT ports 0, 1, 2 (`out`).
 */
struct lana_port {
	const char *name;
	uint8_t dir;
	uint8_t frame;
	uint16_t flags;
	const char *count;
	const char *doc;
};

/* lana_counter.flags */
#define LANA_CF_OP 0x0001	/* reported by the type's stats op (device
				 * counters, names that depend on parameters),
				 * not summed by the engine: @offset unused */
#define LANA_CF_INDEXED 0x0002	/* with LANA_CF_OP: one counter per port,
				 * reported as @name0, @name1, ... */

/**
 * struct lana_counter - one named counter of a block type, as `lanarun
 * stats` shows it (and tests/kmod compares it between engines).
 * @name:   counter name
 * @offset: byte offset of a uint64_t in the type's pcpu area; the value
 *          reported is its sum over workers (CPUs), lana_pcpu_sum()
 * @flags:  LANA_CF_*
 * @doc:    one line of documentation (`lanarun types`, docs/blocks.md)
 *
 * Declare them with LANA_COUNTER(struct tee_pcpu, nomem, "doc"), or
 * LANA_COUNTER_OP("rx", "doc") for what the stats op reports, and end the
 * list with LANA_COUNTER_END.
 */
struct lana_counter {
	const char *name;
	uint32_t offset;
	uint32_t flags;
	const char *doc;
};

/* lana_block_type.engines: which engines can run the type */
#define LANA_ENGINE_USER   0x1	/* lanad, the userspace engine */
#define LANA_ENGINE_KERNEL 0x2	/* lana.ko */
#define LANA_ENGINE_ALL	   (LANA_ENGINE_USER | LANA_ENGINE_KERNEL)

/* lana_block_type.flags */
#define LANA_BT_SOURCE 0x0001	/* originates packets (reachability root) */
#define LANA_BT_VLINK  0x0002	/* virtual link layer block (thesis 4.2.6):
				 * an entry and exit point of the graph.
				 * Packets at its inputs leave the graph
				 * (transmitted); packets at its outputs come
				 * from outside, so no path runs from its
				 * inputs to its outputs (no cycle through it) */
#define LANA_BT_FINAL  0x0004	/* reads or rewrites bytes that offload
				 * metadata leaves unfinished (payload,
				 * checksums, lengths): the engine hands rx
				 * only final frames, checksums completed and
				 * GSO super-frames segmented (runtime/
				 * offload.c; kmod: skb_gso_segment(),
				 * skb_checksum_help()). Without the flag a
				 * block may see partial frames
				 * (lana_pkt_partial()) and must keep their
				 * metadata right (lana_pkt_shift()). */

/**
 * struct lana_block_type - descriptor of a functional block type.
 * @name:     type name used in graphs
 * @synopsis: one-line usage, e.g. "tee(n = 2)  in: any -> out[n]: any"
 * @doc:      a paragraph of documentation
 * @params:   parameters, terminated by LANA_PARAM_END, indexed by an enum
 *            of the block's own the way netlink policies are indexed by
 *            attribute: `enum { TEE_P_N, TEE_P_MAX };` and
 *            `[TEE_P_N] = { .name = "n", ... }, [TEE_P_MAX] = LANA_PARAM_END`.
 *            init() reads params[TEE_P_N], set() compares @pidx with it.
 *            The order is that of the plan and the docs: append only.
 * @ports:    ports, terminated by LANA_PORT_END
 * @counters: counters reported by lana_block_stats(), terminated by
 *            LANA_COUNTER_END; NULL when the block counts nothing itself
 *            (the engine counts packets, bytes and drops of every block)
 * @engines:  LANA_ENGINE_* mask
 * @flags:    LANA_BT_*
 */
struct lana_block;
struct lana_burst;
struct lana_stat;
struct lana_row;

struct lana_block_type {
	const char *name;
	const char *synopsis;
	const char *doc;
	const struct lana_param *params;
	const struct lana_port *ports;
	const struct lana_counter *counters;
	uint32_t engines;
	uint32_t flags;

	/*
	 * The builder's part (thesis 4.2.2, 5.2.4), all optional:
	 * @priv_size: bytes of shared private state (b->priv), zeroed
	 * @pcpu_size: bytes of per-worker (per-CPU in the kernel) state, zeroed,
	 *             reached with lana_block_pcpu(); statistics live here so
	 *             that workers never share a cache line, and the engine
	 *             sums those declared in @counters
	 * @init:  constructor: read @params (one entry per catalogue parameter,
	 *         indexed like @params: params[TEE_P_N]; type LANA_PT_NONE
	 *         when absent), set up b->priv; return 0 or -errno and write
	 *         a message with lana_block_error(). Runs in the control
	 *         thread, may sleep.
	 * @fini:  destructor, after an RCU grace period: no packet is inside
	 *         the block any more.
	 * @live:  the state that the type's LANA_PF_LIVE parameters give its
	 *         packet path, as one object that belongs to a graph version
	 *         (thesis 4.2.4: a packet sees one version, so one set of
	 *         parameters). Built from @params (every parameter, like
	 *         init's, with the transaction's SETs applied) in the control
	 *         thread: once after init, and in every transaction that SETs
	 *         a parameter of the instance, before the transaction commits.
	 *         Store the object in *@out and return 0, or return -errno
	 *         with lana_block_error() (the transaction fails, nothing
	 *         changes). The version that transaction publishes hands the
	 *         object to rx and poll as v->live; packets still running in
	 *         an older version see the older object, so a SET takes effect
	 *         with the published version and never mixes with the old
	 *         wiring. Must not change b->priv.
	 * @live_free: free an object @live made; called after a grace period,
	 *         when no packet of a version that held it is in flight (the
	 *         instance may be gone by then: use only @obj).
	 * @set:   for a LANA_PF_LIVE parameter whose effect lies outside the
	 *         graph (a device's promiscuous mode): apply @v to it now, in
	 *         the control thread, before the version is published; 0 or
	 *         -errno. When the transaction fails, the engine calls set
	 *         again with the old value. Types with a live op need no set
	 *         op for the parameters the live object carries.
	 * @rx:    process a burst that arrived on IN port v->in_port. Either
	 *         return an OUT port index >= 0 meaning "every packet goes to
	 *         that port", or return LANA_RX_VERDICTS after writing a verdict
	 *         per packet in v->verdict[i] (an OUT port, LANA_DROP, or
	 *         LANA_STOLEN when the block kept, queued or freed the packet
	 *         itself). Runs inside an RCU read-side section; never sleeps.
	 * @poll:  userspace sources without a device (gen, pcap_in): put up to
	 *         LANA_BURST new packets into @v (v->n); return the number,
	 *         0 when none is ready now, or -1 when the source has ended.
	 *         The packets leave the block on OUT port 0.
	 * @stats: counters that are not plain per-worker sums of the pcpu
	 *         area (a device's, names that depend on a parameter): write
	 *         up to @max to @out, return how many. lana_block_stats()
	 *         appends them after the summed @counters; declare them there
	 *         too, with LANA_COUNTER_OP, so that the docs list them.
	 */
	uint32_t priv_size;
	uint32_t pcpu_size;
	int (*init)(struct lana_block *b, const struct lana_value *params);
	void (*fini)(struct lana_block *b);
	int (*live)(struct lana_block *b, const struct lana_value *params,
		    void **out);
	void (*live_free)(void *obj);
	int (*set)(struct lana_block *b, unsigned int pidx,
		   const struct lana_value *v);
	int (*rx)(struct lana_block *b, struct lana_burst *v);
	int (*poll)(struct lana_block *b, struct lana_burst *v);
	unsigned int (*stats)(const struct lana_block *b, struct lana_stat *out,
			      unsigned int max);
	/*
	 * @table: optional, a table of rows the block keeps (switch: its
	 *         Filtering Database), that `lanarun stats NAME` lists after
	 *         the counters. Write up to @max rows to @rows, starting at
	 *         cursor *@pos (0: the table's start), advance *@pos past the
	 *         last row written, and return how many were written; fewer
	 *         than @max (0 included) means the table has ended. *@pos is
	 *         the block's own cursor (switch: a slot index), opaque to the
	 *         engine, which pages through a large table in bounded
	 *         pieces; rows that change between calls may be listed twice
	 *         or not at all, as in any netlink dump. Each row has at most
	 *         LANA_ROW_COLS cells, the same keys in the same order in
	 *         every row; the type's doc says the order of the rows. Called
	 *         in the control thread (kernel: process context, under the
	 *         engine's mutex), concurrently with rx: the block takes its
	 *         own lock (struct lana_lock) and allocates nothing.
	 */
	unsigned int (*table)(const struct lana_block *b, uint32_t *pos,
			      struct lana_row *rows, unsigned int max);
	/*
	 * @event: the notifier (thesis 4.2.3): called in the control thread
	 * for events of @src, a block @b is subscribed to (blocks bound to
	 * each other are subscribed automatically, and every block receives
	 * its own events): LANA_EV_*.
	 */
	void (*event)(struct lana_block *b, unsigned int ev,
		      const struct lana_block *src);
	/*
	 * @busy: optional, for blocks that hand packets to a thread of their
	 * own (pcap_out's writer): true while work taken in by rx is not
	 * finished yet (records queued or being written). Called in the
	 * control thread by lana_engine_idle(), after the workers are idle,
	 * so `lanarun run` stops only once it returns false and prints final
	 * counters. Must not block for long; work that can never finish (a
	 * FIFO without a reader) does not count as busy.
	 */
	bool (*busy)(const struct lana_block *b);
	/*
	 * @check: optional, a check of parameter values that the catalogue's
	 * types and ranges cannot say (the form of a list's strings, one
	 * parameter against another). @params as init gets them (indexed
	 * like @params, LANA_PT_NONE when absent). Return 0, or -EINVAL with
	 * the index of the parameter at fault in *@bad_param, the list item
	 * in *@bad_item (-1u: the whole value, or the parameter is absent)
	 * and the reason in @msg (@msglen bytes, without the parameter's
	 * name). The compiler calls it once the block's parameters are
	 * resolved and reports the error at that item's (or value's, or the
	 * block type's) file:line:col; init must check the same itself,
	 * for plans the compiler did not make. No engine state: pure.
	 */
	int (*check)(const struct lana_value *params, unsigned int *bad_param,
		     unsigned int *bad_item, char *msg, size_t msglen);
};

/* Notifier events. */
#define LANA_EV_BIND	1	/* src's OUT port got bound */
#define LANA_EV_UNBIND	2	/* src's OUT port got unbound */
#define LANA_EV_SET	3	/* a live parameter of src changed */
#define LANA_EV_DEL	4	/* src leaves the graph */

#define LANA_PARAM_END { .name = NULL }
#define LANA_PORT_END  { .name = NULL }
#define LANA_COUNTER_END { .name = NULL }

/*
 * LANA_COUNTER(type, field, doc) - the counter named "field": the sum over
 * workers of the uint64_t @field of @type, the block's pcpu struct. The
 * build fails when @field is not a uint64_t.
 */
#define LANA_COUNTER(type, field, d) {					\
	.name = #field,							\
	.offset = offsetof(type, field) + LANA_U64_CHECK(type, field),	\
	.doc = (d),							\
}
/* LANA_COUNTER_OP(name, doc) - a counter written by the type's stats op. */
#define LANA_COUNTER_OP(n, d) { .name = (n), .flags = LANA_CF_OP, .doc = (d) }
/*
 * LANA_COUNTER_OP_INDEXED(name, doc) - counters the stats op writes once
 * per port: "rx" declares rx0, rx1, ... (switch's per-port counters).
 */
#define LANA_COUNTER_OP_INDEXED(n, d) \
	{ .name = (n), .flags = LANA_CF_OP | LANA_CF_INDEXED, .doc = (d) }
/* 0, or a negative array size when @field of @type is not a uint64_t. */
#define LANA_U64_CHECK(type, field)					\
	(0 * sizeof(char[__builtin_types_compatible_p(			\
		__typeof__(((type *)0)->field), uint64_t) ? 1 : -1]))

/* Port declaration helpers. */
#define LANA_IN(n, f)  { .name = (n), .dir = LANA_PORT_IN, .frame = (f) }
#define LANA_OUT(n, f) { .name = (n), .dir = LANA_PORT_OUT, .frame = (f) }

/** LANA_BLOCK_TYPE(n) - define the descriptor of block type @n. */
#define LANA_BLOCK_TYPE(n) const struct lana_block_type lana_bt_##n

/* ------------------------------------------------------------ block API */

/*
 * struct lana_block - a functional block instance (thesis 4.2.1), made by
 * the engine's builder from a NEW or REPLACE instruction. Blocks are
 * addressed by IDP only; the bindings of its OUT ports belong to the graph
 * version, not to the block, so one instance serves successive versions
 * and keeps its state across a patch.
 */
struct lana_pkt;		/* the engine's packet (buffer or sk_buff) */
struct lana_engine;

struct lana_block {
	const struct lana_block_type *type;
	uint32_t idp;
	const char *name;
	void *priv;		/* type->priv_size bytes */
	void *pcpu;		/* engine's per-worker storage; use lana_block_pcpu() */
	struct lana_engine *eng;
	void *eng_priv;		/* engine's own per-instance data */
};

#define LANA_BURST	32	/* packets moved together between blocks */

/* Verdicts in lana_burst.verdict and special rx return values. */
#define LANA_DROP	 0xffff	/* the engine frees the packet (counted) */
#define LANA_STOLEN	 0xfffe	/* the block took the packet */
#define LANA_RX_VERDICTS (-1)	/* rx wrote one verdict per packet */

/* Direction of traversal (thesis 4.2.5). */
enum lana_dir {
	LANA_INGRESS = 0,	/* from a device up the graph */
	LANA_EGRESS = 1,	/* towards a device */
};

/**
 * struct lana_burst - packets moved together from one port to the next.
 * @n:       packets in @pkt
 * @in_port: IN port of the receiving block
 * @dir:     enum lana_dir
 * @hops:    blocks entered since the packets entered the graph (the loop
 *           guard: at most the version's bound, engine/core.h max_hops)
 * @live:    for rx and poll: the receiving block's live object in the
 *           version the packets run in (the type's live op made it); NULL
 *           for types without one
 */
struct lana_burst {
	uint16_t n;
	uint16_t in_port;
	uint8_t dir;
	uint32_t hops;
	const void *live;
	struct lana_pkt *pkt[LANA_BURST];
	uint16_t verdict[LANA_BURST];
};

/** struct lana_stat - one named counter of a block, for `lanarun stats`. */
struct lana_stat {
	const char *name;
	uint64_t value;
};

/*
 * Big-endian (network byte order) fields at any alignment, for headers
 * and messages blocks write and parse (RFC 1700's byte order):
 * lana_get_beN(p) reads the N-bit value at @p, lana_put_beN(p, v) writes
 * @v there, most significant byte first.
 */
static inline uint16_t lana_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t lana_get_be32(const uint8_t *p)
{
	return (uint32_t)lana_get_be16(p) << 16 | lana_get_be16(p + 2);
}

static inline uint64_t lana_get_be64(const uint8_t *p)
{
	return (uint64_t)lana_get_be32(p) << 32 | lana_get_be32(p + 4);
}

static inline void lana_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void lana_put_be32(uint8_t *p, uint32_t v)
{
	lana_put_be16(p, (uint16_t)(v >> 16));
	lana_put_be16(p + 2, (uint16_t)v);
}

static inline void lana_put_be64(uint8_t *p, uint64_t v)
{
	lana_put_be32(p, (uint32_t)(v >> 32));
	lana_put_be32(p + 4, (uint32_t)v);
}

/* cells of a table row at most (struct lana_row) */
#define LANA_ROW_COLS	6
/* bytes of a cell's text, its NUL included */
#define LANA_CELL_LEN	24

/**
 * struct lana_row - one row of a block's table (its @table op), as
 * `lanarun stats NAME` lists it.
 * @ncol:      cells in use in @col (at most LANA_ROW_COLS)
 * @col.key:   the column's name, a static string of the block type
 *             ("mac", "port"); the same keys, in the same order, in every
 *             row of a table
 * @col.val:   the cell's text, NUL-terminated, at most LANA_CELL_LEN - 1
 *             characters ("02:00:00:00:00:0a", "static")
 */
struct lana_row {
	unsigned int ncol;
	struct {
		const char *key;
		char val[LANA_CELL_LEN];
	} col[LANA_ROW_COLS];
};

/**
 * lana_row_mac() - write the 48-bit MAC address @k (first byte in bits
 * 47..40, as the switch's and vxlan's FDB keys hold it; higher bits are
 * ignored) into the cell text @val as "aa:bb:cc:dd:ee:ff" (18 bytes with
 * the NUL, @val has LANA_CELL_LEN).
 */
static inline void lana_row_mac(char *val, uint64_t k)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < 6; i++) {
		unsigned int o = (unsigned int)(k >> (40 - 8 * i)) & 0xff;

		val[3 * i] = hex[o >> 4];
		val[3 * i + 1] = hex[o & 0xf];
		val[3 * i + 2] = i < 5 ? ':' : '\0';
	}
}

/*
 * Packet and engine calls available to block code. Each engine implements
 * them (packet accessors as inline functions in its lana_pkt.h).
 *
 * lana_pkt_data(p), lana_pkt_len(p): the frame bytes and their length.
 * lana_pkt_push(p, n): prepend n bytes (from headroom); pointer to the new
 *   start, or NULL when the headroom is too small.
 * lana_pkt_pull(p, n): remove n bytes from the front; new start or NULL.
 * lana_pkt_trim(p, len): shorten the frame to len bytes.
 * lana_pkt_writable(p, n): make the first n bytes safe to write (the kernel
 *   unshares data a packet tap still sees); the frame start, or NULL.
 *   Call it before writing into a packet without lana_pkt_push().
 * lana_pkt_partial(p): true if p's checksum is left to offload or p is a
 *   GSO super-frame (its bytes are not what goes on the wire).
 * lana_pkt_shift(p, delta): the block inserted (delta > 0) or removed
 *   bytes before the L3 header (a VLAN tag): keep the offload metadata
 *   pointing at the same L4 header (a no-op in the kernel, whose
 *   csum_start counts from skb->head).
 */
struct lana_pkt *lana_pkt_alloc(struct lana_block *b, uint32_t len);
struct lana_pkt *lana_pkt_copy(struct lana_block *b, struct lana_pkt *p);
void lana_pkt_free(struct lana_pkt *p);

/**
 * lana_pkt_complete() - complete the checksum a sender left to offload
 * (RFC 1071 at csum_start/csum_offset, virtio spec 1.1 sec. 5.1.6.2), for
 * a block that needs the final bytes of one frame without declaring
 * LANA_BT_FINAL. Userspace: lana_pkt_csum_complete() of runtime/offload.c;
 * kernel: skb_checksum_help().
 * Return: 0 (also when there was nothing to complete), -EMSGSIZE for a GSO
 * super-frame (only LANA_BT_FINAL gets segments), or -EINVAL when the
 * metadata lies outside the frame.
 */
int lana_pkt_complete(struct lana_block *b, struct lana_pkt *p);

/**
 * lana_emit() - send a packet the block spawned (e.g. a tee copy) out of
 * OUT port @port of @b. The packet goes to the engine's backlog and
 * traverses the graph after the current burst (thesis 4.2.5,
 * engine_backlog_tail), in the same graph version.
 */
void lana_emit(struct lana_block *b, uint16_t port, struct lana_pkt *p);

/**
 * lana_live_alloc() - @size zeroed bytes for a live object (the type's
 * live op) in the control thread: malloc in userspace, kzalloc
 * (GFP_KERNEL) in the kernel. NULL on failure, with "out of memory" as
 * @b's error. lana_live_free(), which frees it, fits live_free directly.
 */
void *lana_live_alloc(struct lana_block *b, size_t size);
void lana_live_free(void *obj);

/** lana_block_pcpu() - this worker's (CPU's) zeroed pcpu_size area of @b. */
void *lana_block_pcpu(const struct lana_block *b);

/**
 * lana_block_pcpu_each() - the pcpu area of worker @i (0 <= i <
 * lana_nr_workers(b)), for summing statistics on read.
 */
void *lana_block_pcpu_each(const struct lana_block *b, unsigned int i);
unsigned int lana_nr_workers(const struct lana_block *b);

/**
 * lana_pcpu_sum() - the sum over workers (CPUs) of the uint64_t counter at
 * byte offset @off of @b's pcpu area, read with relaxed atomic loads; for
 * stats ops: lana_pcpu_sum(b, offsetof(struct counter_pcpu, packets)).
 */
static inline uint64_t lana_pcpu_sum(const struct lana_block *b, size_t off)
{
	unsigned int i, n = lana_nr_workers(b);
	uint64_t sum = 0;

	for (i = 0; i < n; i++) {
		const uint64_t *c = (const uint64_t *)
			((const char *)lana_block_pcpu_each(b, i) + off);

		sum += __atomic_load_n(c, __ATOMIC_RELAXED);
	}
	return sum;
}

/**
 * lana_block_offline() - whether @b runs in an offline engine (`lanarun
 * run` replaying files and generators, engine option offline) that is not
 * stopping: such a run must be lossless, so rx may wait (sleep) for room
 * in a queue of the block's own instead of dropping, rechecking this
 * every 100 ms or so. False in a live engine (lanad), in the kernel, for
 * a block outside an engine, and once the engine is being stopped.
 */
bool lana_block_offline(const struct lana_block *b);

/**
 * lana_block_pcap_dirs() - the directories @b may open capture files in
 * (pcap_in, pcap_out): a NULL-terminated list of absolute real paths, the
 * engine option pcap_dirs (lanad --pcap-dir), or NULL when paths are not
 * confined (`lanarun run`, a block outside an engine). Userspace only.
 */
const char *const *lana_block_pcap_dirs(const struct lana_block *b);

/**
 * lana_block_log() - write a printf-style message at syslog priority
 * @level (LOG_ERR, LOG_WARNING, ...) to the engine's log (lanad's log,
 * `lanarun run`'s standard error), prefixed with @b's type and name; for
 * what happens while packets flow, which no instruction reports (init
 * and set use lana_block_error()). Any thread; userspace only.
 */
void lana_block_log(const struct lana_block *b, int level, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/** lana_now_ns() - monotonic time in ns. */
uint64_t lana_now_ns(void);

/**
 * lana_block_error() - record why init/set failed; the engine reports it
 * to the user with the instruction that failed. printf-style.
 */
void lana_block_error(struct lana_block *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Device I/O for virtual link blocks (eth, tap); see runtime/dev.h. */
struct lana_dev;
#define LANA_DEV_PROMISC 0x1
#define LANA_DEV_MODE_PACKET 0x2	/* eth(mode = packet): AF_PACKET only */
#define LANA_DEV_MODE_XDP 0x4		/* eth(mode = xdp): AF_XDP, else
					 * AF_PACKET with a logged reason;
					 * neither: auto (runtime/xsk.h) */

/**
 * lana_dev_open() - attach @b to the network interface @ifname (eth), or
 * create the TAP device @ifname (tap, with @mac if not NULL and @mtu).
 * Frames received on the device enter the graph at @b's OUT port 0.
 * Returns the device or NULL with lana_block_error() set.
 */
struct lana_dev *lana_dev_open(struct lana_block *b, const char *ifname,
			       unsigned int flags);
struct lana_dev *lana_tap_open(struct lana_block *b, const char *ifname,
			       const uint8_t *mac, uint32_t mtu);
/** lana_dev_close() - detach; no frame is delivered afterwards. */
void lana_dev_close(struct lana_dev *d);
/** lana_dev_set_promisc() - turn promiscuous mode on or off; 0 or -errno. */
int lana_dev_set_promisc(struct lana_dev *d, bool on);
/**
 * lana_dev_xmit() - transmit the packets of @v on @d (the packets are
 * consumed: verdicts set to LANA_STOLEN). Returns frames sent.
 */
unsigned int lana_dev_xmit(struct lana_dev *d, struct lana_burst *v);
/** lana_dev_stats() - frames received, sent, and dropped by the device path. */
void lana_dev_stats(const struct lana_dev *d, uint64_t *rx, uint64_t *tx,
		    uint64_t *drops);
#ifndef __KERNEL__
/**
 * lana_dev_worker_rx() - frames eth @d received in each worker of the
 * userspace engine: rx[w] for worker w, up to @max workers. Returns how
 * many were written: the engine's workers, 0 with a single worker.
 */
unsigned int lana_dev_worker_rx(const struct lana_dev *d, uint64_t *rx,
				unsigned int max);
#endif

/*
 * Block locks, for state that every worker (CPU) updates, such as a
 * shared token bucket: short critical sections on the packet path, never
 * held across a call into the engine. Userspace: a pthread mutex (a futex:
 * one atomic operation when uncontended, and no spinning on a preempted
 * holder); kernel: a spinlock taken with BH off (spin_lock_bh), since
 * both rx (softirq) and the control thread (stats) take it.
 */
#ifdef __KERNEL__
#include <linux/spinlock.h>
struct lana_lock {
	spinlock_t l;
};

static inline void lana_lock_init(struct lana_lock *l)
{
	spin_lock_init(&l->l);
}

static inline void lana_lock(struct lana_lock *l)
{
	spin_lock_bh(&l->l);
}

static inline void lana_unlock(struct lana_lock *l)
{
	spin_unlock_bh(&l->l);
}

static inline void lana_lock_destroy(struct lana_lock *l)
{
}
#else
#include <pthread.h>
struct lana_lock {
	pthread_mutex_t l;
};

static inline void lana_lock_init(struct lana_lock *l)
{
	pthread_mutex_init(&l->l, NULL);
}

static inline void lana_lock(struct lana_lock *l)
{
	pthread_mutex_lock(&l->l);
}

static inline void lana_unlock(struct lana_lock *l)
{
	pthread_mutex_unlock(&l->l);
}

static inline void lana_lock_destroy(struct lana_lock *l)
{
	pthread_mutex_destroy(&l->l);
}
#endif

/**
 * lana_bucket_fill() - refill a token bucket (RFC 2697's, one rate) for
 * the time since its last fill: gen's pacing and rate's policer/shaper.
 * @tokens:  credit in bit x 10^9, so that @rate [bit/s] x dt [ns] adds to
 *           it without a division; clamped to @cap
 * @last_ns: time of the last fill (lana_now_ns()), moved to @now when it
 *           is later
 * @now:     the time now, ns
 * @rate:    bit/s, > 0
 * @cap:     the bucket's size in the same units (burst bytes x 8 x 10^9)
 *
 * A dt beyond the time to fill the whole bucket adds nothing more, which
 * also keeps dt x @rate below @cap, far from 2^64. Credit above @cap (a
 * bucket made smaller) is cut to @cap even when no time has passed.
 */
static inline void lana_bucket_fill(uint64_t *tokens, uint64_t *last_ns,
				    uint64_t now, uint64_t rate, uint64_t cap)
{
	if (now > *last_ns) {
		uint64_t dt = now - *last_ns;

		*last_ns = now;
#ifdef __KERNEL__
		if (dt >= div64_u64(cap, rate))
#else
		if (dt >= cap / rate)
#endif
			*tokens = cap;
		else
			*tokens += dt * rate;
	}
	if (*tokens > cap)
		*tokens = cap;
}

/*
 * Block timers: a block that holds packets (rate's shaping queue) asks to
 * run again at a given time. Both engines run the fire op in their packet
 * context, inside the running graph version, with v->live set as for rx:
 * the userspace engine in the worker the block's sources run on (checked
 * every worker round; an idle worker with an armed timer wakes every
 * 50 us), the kernel engine in an hrtimer's softirq (HRTIMER_MODE_ABS_SOFT,
 * Documentation/timers/hrtimers.rst). A timer never fires for an instance
 * that is not in the running version.
 */
struct lana_timer;

/**
 * lana_timer_new() - make block @b's timer; in init (control thread).
 * @b:    the block
 * @fire: called when the time given to lana_timer_arm() has come: put up
 *        to LANA_BURST packets into @v (v->n; v->live is @b's live object)
 *        and return their number; they leave @b at OUT port 0. It may
 *        re-arm the timer. Never sleeps.
 *
 * Return: the timer, or NULL with "out of memory" as @b's error. Outside
 * an engine (block tests) the timer exists but never fires.
 */
struct lana_timer *lana_timer_new(struct lana_block *b,
				  int (*fire)(struct lana_block *b,
					      struct lana_burst *v));

/**
 * lana_timer_arm() - fire @t at @at_ns (lana_now_ns() clock) or, if that
 * has passed, as soon as possible. A timer armed for an earlier time keeps
 * it. Any context; the packet path may call it.
 */
void lana_timer_arm(struct lana_timer *t, uint64_t at_ns);

/**
 * lana_timer_free() - cancel @t (waiting for a fire op that runs) and free
 * it; in fini. NULL is ignored.
 */
void lana_timer_free(struct lana_timer *t);

#ifndef __KERNEL__
/*
 * Descriptor sources (userspace engine only): a vlink over a socket or a
 * library's descriptor (udp, vxlan, vde) has the engine poll it, like the
 * devices of eth and tap. The block's worker calls the block's recv op
 * every round in which it polls its sources, and, when it is idle, sleeps
 * in poll(2) on the descriptor among the others (POLLIN wakes it), so a
 * frame is taken at once and an idle engine uses no CPU.
 */
struct lana_fdsrc;

/**
 * lana_fdsrc_new() - have the engine poll descriptor @fd for block @b; in
 * init (control thread).
 * @b:    the block
 * @fd:   a non-blocking descriptor that poll(2) reports readable when
 *        input is waiting; it stays the block's (close it after
 *        lana_fdsrc_free())
 * @recv: called in @b's worker, never concurrently with itself: put up to
 *        LANA_BURST packets from lana_pkt_get() into @v (v->n; v->live is
 *        @b's live object) and return their number, 0 when nothing is
 *        waiting (EAGAIN), or -1 when the source has ended for good. The
 *        packets leave @b at OUT port 0 and are counted as the block's
 *        packets and bytes. Never blocks.
 *
 * Return: the source, or NULL with "out of memory" as @b's error.
 * Outside an engine (block tests) it exists but is never polled: call the
 * recv op directly.
 */
struct lana_fdsrc *lana_fdsrc_new(struct lana_block *b, int fd,
				  int (*recv)(struct lana_block *b,
					      struct lana_burst *v));

/**
 * lana_fdsrc_free() - stop polling and free @s (not the descriptor); in
 * fini, after the grace period, or on init's failure path. NULL is
 * ignored.
 */
void lana_fdsrc_free(struct lana_fdsrc *s);
#endif

/*
 * UDP endpoints for vlinks (userspace engine: runtime/udp.c; docs/runtime.md
 * "UDP endpoints"). A vlink that tunnels frames over UDP (vxlan, udp) opens
 * one endpoint: a non-blocking UDP socket bound to a local address and
 * port, polled by the block's worker as a descriptor source. Received
 * datagrams come in bursts of up to LANA_BURST (recvmmsg(2)), each with its
 * source address; transmit is batched (sendmmsg(2)) with a destination per
 * packet, and a full socket buffer (EAGAIN) drops and counts, never blocks.
 *
 * The API is shaped so that the kernel engine can mirror it the way
 * drivers/net/vxlan does: lana_udp_open() would be udp_sock_create() +
 * setup_udp_tunnel_sock() whose encap_rcv hands each skb (a burst of one,
 * the source from ip_hdr()/ipv6_hdr() and udp_hdr()) to the same block
 * code that lana_udp_recv() feeds here; lana_udp_send() would be
 * udp_tunnel_xmit_skb() / udp_tunnel6_xmit_skb() with the packet's source
 * port and the endpoint's TTL (the kernel builds the UDP header itself, so
 * LANA_UDP_SPORT needs no second socket there); lana_udp_close() would be
 * udp_tunnel_sock_release(). Addresses are plain bytes (struct
 * lana_udp_addr), not struct sockaddr, for the same reason.
 *
 * The kernel engine (kmod/udp.c) implements it that way: there every
 * endpoint is a kernel UDP tunnel socket in the network namespace of the
 * process that applied the graph (held until the endpoint closes), a
 * datagram's recv op runs in the softirq that received it (on any CPU,
 * so a recv op may run on several CPUs at once), and lana_udp_send()
 * routes and sends each datagram at once. Its differences are noted
 * below as "kernel:".
 */
/**
 * struct lana_udp_addr - a UDP endpoint address.
 * @family: 4 or 6 (0: unset)
 * @port:   UDP port, host byte order
 * @addr:   network byte order; IPv4 in [0..3]
 */
struct lana_udp_addr {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

/**
 * lana_udp_addr_parse() - parse "ADDR", "ADDR:PORT" (IPv4) or "[ADDR]:PORT"
 * (IPv6, or a bare IPv6 "ADDR") with inet_pton(3) (kernel: in4_pton(),
 * in6_pton()) into @a; lib/udp_addr.c, shared by both engines.
 * @s:       the text (no spaces; PORT decimal digits only)
 * @defport: the port when @s gives none
 * @a:       the result, all zero on failure
 *
 * Return: 0, or -EINVAL (not an address, or a port outside 1..65535).
 */
int lana_udp_addr_parse(const char *s, uint16_t defport,
			struct lana_udp_addr *a);

/**
 * lana_udp_addr_str() - @a as text into @buf (@len bytes): "10.0.0.1:4789"
 * or "[fe80::1]:4789" with @port true, the address alone without.
 * Return: @buf.
 */
char *lana_udp_addr_str(const struct lana_udp_addr *a, bool port, char *buf,
			size_t len);

struct lana_udp;

/* lana_udp_open() flags */
#define LANA_UDP_SPORT 0x1	/* lana_udp_send() takes a source port per
				 * packet (vxlan's flow hash, RFC 7348 sec.
				 * 5): sent through a raw socket (CAP_NET_RAW)
				 * that writes the UDP header; without the
				 * capability the bound port is used (logged) */

/**
 * lana_udp_open_keyed() - lana_udp_open() for endpoints that share one
 * socket, told apart by a key in the payload (vxlan: the VNI), as Linux's
 * vxlan devices share one vxlan_sock per port and family
 * (drivers/net/vxlan/vxlan_core.c vxlan_vs_find_vni()).
 * @key_off: offset of the key in the datagram's payload, bytes
 * @key_len: its length, 1..4 bytes, big-endian (0: no key, a socket of
 *           its own, exactly lana_udp_open())
 * @key:     this endpoint's key value
 * (the other arguments as lana_udp_open())
 *
 * Endpoints with a key on the same local address, port, @key_off and
 * @key_len share one socket (refcounted; the last close closes it). The
 * worker of any of them that finds the socket free (trylock) drains it;
 * a datagram with another endpoint's key goes to that endpoint's ring of
 * 256 and wakes its worker (a full ring drops and counts it:
 * lana_udp_qfull()). A datagram whose key no endpoint has, or too short
 * to hold one, is returned to the endpoint whose worker drained it, so
 * the block's own check counts it once. Two endpoints with the same key:
 * the newest registration wins, the older one gets none until the newer
 * closes (a REPLACE builds the new instance while the old one runs; from
 * then on datagrams wait in the new one's ring until it is polled, and a
 * failed REPLACE that closes the new instance gives the key back). The
 * TTL of the shared socket is its first opener's (it matters only for
 * endpoints that send through it: without LANA_UDP_SPORT's raw socket).
 * In init (control thread); joining and leaving may wait for a worker's
 * drain to end, workers never wait.
 *
 * Kernel: the socket's encap_rcv finds the endpoint by key (the newest
 * first, RCU list) in the receiving softirq, queues the datagram on the
 * endpoint's queue of 256 (full: rx_qfull) and runs the endpoint's recv
 * op at once; a datagram with no endpoint's key goes to the newest
 * endpoint, whose block counts it. A datagram that arrives while the
 * endpoint's block is not yet in the running graph version waits in the
 * queue for the next one.
 *
 * Return: as lana_udp_open().
 */
struct lana_udp *lana_udp_open_keyed(struct lana_block *b,
				     const struct lana_udp_addr *local,
				     unsigned int ttl, unsigned int flags,
				     unsigned int key_off,
				     unsigned int key_len, uint32_t key,
				     int (*recv)(struct lana_block *b,
						 struct lana_burst *v));

/**
 * lana_udp_open() - open @b's UDP endpoint on @local (family 0: "::", both
 * families, IPV6_V6ONLY off) and have @b's worker poll it with @recv
 * (see lana_fdsrc_new()); in init.
 * @b:     the block
 * @local: local address and port (port 0: any)
 * @ttl:   IP_TTL / IPV6_UNICAST_HOPS of sent datagrams, 1..255
 * @flags: LANA_UDP_*
 * @recv:  the block's recv op; it calls lana_udp_recv()
 *
 * The socket has SO_REUSEPORT, so a REPLACE can build the new instance
 * while the old one still holds the port; until the old one is closed the
 * kernel spreads arriving datagrams over both sockets by flow hash
 * (socket(7) SO_REUSEPORT), and those the old instance takes in that
 * window run through the old graph version or, once it is unpolled, stay
 * in its socket buffer and are lost with it on close. Endpoints that
 * tell datagrams apart by a field of the payload use
 * lana_udp_open_keyed() instead.
 *
 * Kernel: no SO_REUSEPORT (a kernel tunnel socket gets every datagram of
 * its port), so a second endpoint of its own on a bound port fails with
 * EADDRINUSE; LANA_UDP_SPORT needs no raw socket (the kernel writes the
 * UDP header) and IPv4 datagrams carry checksum 0 there too.
 *
 * Return: the endpoint, or NULL with lana_block_error() set (the bind's
 * errno in the message).
 */
static inline struct lana_udp *lana_udp_open(struct lana_block *b,
					     const struct lana_udp_addr *local,
					     unsigned int ttl, unsigned int flags,
					     int (*recv)(struct lana_block *b,
							 struct lana_burst *v))
{
	return lana_udp_open_keyed(b, local, ttl, flags, 0, 0, 0, recv);
}

/**
 * lana_udp_qfull() - datagrams for keyed endpoint @u dropped because its
 * ring was full (0 for other endpoints and NULL).
 */
uint64_t lana_udp_qfull(const struct lana_udp *u);

/**
 * lana_udp_recv() - receive up to LANA_BURST - v->n datagrams into
 * v->pkt[v->n ...] (packets from lana_pkt_get(), one datagram each, from
 * the frame start) with recvmmsg(2), their sources into from[v->n ...];
 * v->n grows by their number. Datagrams longer than a pooled packet are
 * dropped and counted (rx_trunc). A keyed endpoint takes its ring's
 * datagrams first, then drains the shared socket if no other worker does.
 * Kernel: from the endpoint's queue, the UDP header pulled; a GSO
 * super-frame of a tunnel (a Linux peer's TSO over a veth) stays one
 * packet with its tunnel GSO bits cleared (iptunnel_pull_offloads()),
 * a partial checksum stays partial; rx_trunc stays 0.
 * Return: datagrams taken, 0 when none waits (EAGAIN).
 */
int lana_udp_recv(struct lana_udp *u, struct lana_burst *v,
		  struct lana_udp_addr *from);

/**
 * lana_udp_send() - send @n packets, pkt[i] to @to[i] (from source port
 * @sport[i] when the endpoint has LANA_UDP_SPORT and @sport is not NULL),
 * with sendmmsg(2); the packets are consumed (freed) whatever happens.
 * A full socket buffer drops the rest of the batch (tx_full), other errors
 * drop one datagram (tx_err, the first logged). Never blocks.
 * Kernel: each packet is routed (ip_route_output_key(),
 * ipv6_dst_lookup_flow()) and sent with udp_tunnel_xmit_skb() /
 * udp_tunnel6_xmit_skb(); no route or no headroom is tx_err, a full
 * device queue is the qdisc's drop (tx_full stays 0).
 * Return: datagrams sent.
 */
unsigned int lana_udp_send(struct lana_udp *u, struct lana_pkt **pkt,
			   const struct lana_udp_addr *to,
			   const uint16_t *sport, unsigned int n);

/**
 * lana_udp_stats() - the endpoint's drop counters: @tx_full (socket
 * buffer full), @tx_err (other send errors), @rx_trunc (datagrams too long).
 */
void lana_udp_stats(const struct lana_udp *u, uint64_t *tx_full,
		    uint64_t *tx_err, uint64_t *rx_trunc);

/** lana_udp_close() - stop polling, close the sockets, free @u; NULL ok. */
void lana_udp_close(struct lana_udp *u);

#ifdef __KERNEL__
#include "kmod/lana_pkt.h"
#else
#include "runtime/lana_pkt.h"
#endif

#endif /* LANA_BLOCK_H */
