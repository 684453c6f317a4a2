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
 * kernel module, so it uses only fixed-width types.
 */
#ifndef LANA_BLOCK_H
#define LANA_BLOCK_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
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
	LANA_PT_SIZE = 12,	/* bytes; literals take B, KiB, MiB, GiB */
	LANA_PT_RATE = 13,	/* bit/s; literals take k, M, G (powers of 1000) */
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
 *         (`tee(n = 3)` has three `out` ports)
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

/**
 * struct lana_block_type - descriptor of a functional block type.
 * @name:     type name used in graphs
 * @synopsis: one-line usage, e.g. "tee(n = 2)  in: any -> out[n]: any"
 * @doc:      a paragraph of documentation
 * @params:   parameters, terminated by LANA_PARAM_END
 * @ports:    ports, terminated by LANA_PORT_END
 * @engines:  LANA_ENGINE_* mask
 * @flags:    LANA_BT_*
 */
struct lana_block_type {
	const char *name;
	const char *synopsis;
	const char *doc;
	const struct lana_param *params;
	const struct lana_port *ports;
	uint32_t engines;
	uint32_t flags;
};

#define LANA_PARAM_END { .name = NULL }
#define LANA_PORT_END  { .name = NULL }

/* Port declaration helpers. */
#define LANA_IN(n, f)  { .name = (n), .dir = LANA_PORT_IN, .frame = (f) }
#define LANA_OUT(n, f) { .name = (n), .dir = LANA_PORT_OUT, .frame = (f) }

/** LANA_BLOCK_TYPE(n) - define the descriptor of block type @n. */
#define LANA_BLOCK_TYPE(n) const struct lana_block_type lana_bt_##n

#endif /* LANA_BLOCK_H */
