/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto/proto.h - the LANA control protocol, shared by both engines:
 * the kernel engine serves it as the generic netlink family "lana"; lanad
 * serves the same messages (struct nlmsghdr + struct genlmsghdr +
 * attributes) over a Unix SOCK_SEQPACKET socket, one message a datagram.
 * Only append to these enums.
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

enum lana_cmd {
	LANA_CMD_UNSPEC,
	LANA_CMD_TXN_BEGIN,	/* start a transaction */
	LANA_CMD_TXN_DATA,	/* a chunk of the plan */
	LANA_CMD_TXN_COMMIT,	/* decode and apply the plan */
	LANA_CMD_TXN_ABORT,	/* drop a transaction */
	LANA_CMD_PLAN_GET,	/* dump the running plan */
	LANA_CMD_STATS_GET,	/* dump block counters (NAME: one block) */
	LANA_CMD_SET,		/* DATA: edit plan of SET instructions only */
	LANA_CMD_FLUSH,		/* remove every block */
	__LANA_CMD_MAX,
};
#define LANA_CMD_MAX (__LANA_CMD_MAX - 1)

enum lana_attr {
	LANA_ATTR_UNSPEC,
	LANA_ATTR_TXN_ID,	/* u32 */
	LANA_ATTR_TOTAL_LEN,	/* u32: bytes of the whole plan */
	LANA_ATTR_OFFSET,	/* u32: byte offset of DATA in the plan */
	LANA_ATTR_DATA,		/* binary, <= LANA_CHUNK bytes */
	LANA_ATTR_BLOCK,	/* nested: IDP, NAME, TYPE, counters, STATs */
	LANA_ATTR_IDP,		/* u32 */
	LANA_ATTR_NAME,		/* string, <= 255 bytes */
	LANA_ATTR_TYPE,		/* string, <= 63 bytes */
	LANA_ATTR_PACKETS,	/* u64 */
	LANA_ATTR_BYTES,	/* u64 */
	LANA_ATTR_DROPS,	/* u64 */
	LANA_ATTR_STAT,		/* nested: NAME, VALUE */
	LANA_ATTR_VALUE,	/* u64 */
	LANA_ATTR_GENERATION,	/* u64: graph versions published */
	LANA_ATTR_PLAN_CRC,	/* u32: checksum of the running plan */
	__LANA_ATTR_MAX,
};
#define LANA_ATTR_MAX (__LANA_ATTR_MAX - 1)

#endif /* LANA_PROTO_H */
