/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto/proto.h - the LANA control protocol, shared by both engines:
 * the kernel engine serves it as the generic netlink family "lana"; lanad
 * serves the same messages (struct nlmsghdr + struct genlmsghdr +
 * attributes) over a Unix SOCK_SEQPACKET socket, one message a datagram.
 * The commands and attributes are declared once, in proto/attrs.def; their
 * numbers are ABI (only append).
 *
 * A transaction carries an encoded plan (docs/plan-format.md) in chunks,
 * because a netlink attribute holds at most 64 KiB:
 *   TXN_BEGIN {TOTAL_LEN}            -> reply {TXN_ID}
 *   TXN_DATA  {TXN_ID, OFFSET, DATA} (in order, DATA <= LANA_CHUNK bytes)
 *   TXN_COMMIT {TXN_ID}              -> ack, or error + extack message
 * The plan is decoded and applied atomically at COMMIT. Errors come back
 * as NLMSG_ERROR with a negative errno and, after struct nlmsgerr, the
 * extended-ack attributes (NLM_F_ACK_TLVS): NLMSGERR_ATTR_MSG holds a
 * message naming the failing instruction.
 * PLAN_GET and STATS_GET are dumps (NLM_F_DUMP): NLM_F_MULTI replies, then
 * NLMSG_DONE. PLAN_GET replies carry the running plan as DATA chunks with
 * OFFSET; STATS_GET replies carry one BLOCK each.
 */
#ifndef LANA_PROTO_H
#define LANA_PROTO_H

#define LANA_GENL_NAME		"lana"
#define LANA_GENL_VERSION	1
#define LANA_USER_FAMILY_ID	0x4c41	/* nlmsg_type used by lanad ("LA") */
#define LANA_CHUNK		32768	/* max DATA bytes per message */
#define LANA_MSG_MAX		65536	/* max message size, either way */
#define LANA_DEFAULT_SOCKET	"/run/lana/lanad.sock"

/*
 * Commands and attributes: numbered in proto/attrs.def, which also says
 * what each message takes (LANA_CMD_TXN_BEGIN = 1, ..., LANA_ATTR_TXN_ID
 * = 1, ...).
 */
enum lana_cmd {
	LANA_CMD_UNSPEC,
#define LANA_CMD(nr, name, kind) LANA_CMD_##name = nr,
#include "attrs.def"
	__LANA_CMD_MAX,
};
#define LANA_CMD_MAX (__LANA_CMD_MAX - 1)

enum lana_attr {
	LANA_ATTR_UNSPEC,
#define LANA_ATTR(nr, name, type, max) LANA_ATTR_##name = nr,
#include "attrs.def"
	__LANA_ATTR_MAX,
};
#define LANA_ATTR_MAX (__LANA_ATTR_MAX - 1)

/* The rows are numbered 1, 2, 3, ...: no number skipped or given twice. */
_Static_assert(0
#define LANA_CMD(nr, name, kind) + 1
#include "attrs.def"
	       == LANA_CMD_MAX,
	       "proto/attrs.def: commands not numbered 1, 2, ...");
_Static_assert(0
#define LANA_ATTR(nr, name, type, max) + 1
#include "attrs.def"
	       == LANA_ATTR_MAX,
	       "proto/attrs.def: attributes not numbered 1, 2, ...");

/*
 * Attribute types (the TYPE column of proto/attrs.def), and the type and
 * size limit of every attribute as constants, for the policy tables both
 * engines build at compile time: LANA_ATYPE_DATA is LANA_T_BINARY,
 * LANA_AMAX_DATA is LANA_CHUNK.
 */
enum lana_attr_type {
	LANA_T_U32 = 1,
	LANA_T_U64,
	LANA_T_STRING,
	LANA_T_BINARY,
	LANA_T_NESTED,
#define LANA_ATTR(nr, name, type, max) LANA_ATYPE_##name = LANA_T_##type,
#include "attrs.def"
};

enum {
#define LANA_ATTR(nr, name, type, max) LANA_AMAX_##name = (max),
#include "attrs.def"
};

#endif /* LANA_PROTO_H */
