/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto/codec.h - the control protocol (proto/proto.h) in code, with
 * libnl-3: building messages, validating them, sending and receiving
 * them, the error and end-of-dump replies and the BLOCK nest. The client
 * (cli/ctl_client.h) and lanad's dispatcher (daemon/dispatch.h) both use
 * it.
 *
 * Messages are netlink messages: struct nlmsghdr, struct genlmsghdr
 * (version LANA_GENL_VERSION), then attributes (RFC 3549 sec. 2.3.2;
 * the kernel's Documentation/userspace-api/netlink/intro.rst). Errors are
 * NLMSG_ERROR with a negative errno and an extended ack
 * (NLM_F_ACK_TLVS: NLMSGERR_ATTR_MSG); dumps are NLM_F_MULTI messages
 * ended by NLMSG_DONE. Which attributes each message takes, their types
 * and lengths are proto/attrs.def's; proto/policy.c expands it into
 * libnl's policies (lana_ctl_policy()), kmod/genl.c into the kernel
 * family's.
 */
#ifndef LANA_PROTO_CODEC_H
#define LANA_PROTO_CODEC_H

#include "proto.h"
#include "attrs.h"
#include "runtime/engine.h"
#include "lib/util.h"

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ------------------------------------------------------------ messages */

/**
 * lana_ctl_msg_new() - a new request or reply message: nlmsghdr (@family
 * as nlmsg_type, @flags, @seq) and genlmsghdr (@cmd, LANA_GENL_VERSION),
 * with room for LANA_MSG_MAX bytes. Add attributes with libnl's nla_put_*.
 * Returns NULL when out of memory.
 */
struct nl_msg *lana_ctl_msg_new(uint16_t family, uint8_t cmd, uint16_t flags,
				uint32_t seq);

/**
 * lana_ctl_send_msg() - send @m on @fd as one datagram (MSG_NOSIGNAL).
 * Does not free @m. Returns 0 or -errno (-EMSGSIZE for a message over
 * LANA_MSG_MAX).
 */
int lana_ctl_send_msg(int fd, struct nl_msg *m);

/**
 * lana_ctl_recv() - receive one datagram from @fd into @buf (@cap bytes),
 * with MSG_TRUNC so that an oversized datagram is detected rather than
 * silently cut. @flags are passed to recv (e.g. MSG_DONTWAIT).
 * Returns the datagram's real length (> @cap when it was truncated), 0 at
 * end of stream, or -errno.
 */
ssize_t lana_ctl_recv(int fd, void *buf, size_t cap, int flags);

/**
 * struct lana_ctl_req - one validated message.
 * @nlh:   the netlink header (points into the caller's buffer)
 * @cmd:   enum lana_cmd
 * @seq:   nlmsg_seq
 * @flags: nlmsg_flags
 * @tb:    attributes by type (NULL when absent)
 */
struct lana_ctl_req {
	struct nlmsghdr *nlh;
	uint8_t cmd;
	uint32_t seq;
	uint16_t flags;
	struct nlattr *tb[LANA_ATTR_MAX + 1];
};

/**
 * lana_ctl_attrset_policy() - libnl's attribute policy of the messages of
 * attribute set @set (proto/attrs.h) of @which: the request or a reply of
 * command @which, or the inside of nested attribute @which. An array of
 * LANA_ATTR_MAX + 1 entries indexed by attribute, for nla_parse() and
 * genlmsg_parse(); attributes the set does not take have a zero entry
 * (NLA_UNSPEC, no length limits). NULL for an unknown command or nest.
 */
const struct nla_policy *lana_ctl_attrset_policy(enum lana_attrset set,
						 unsigned int which);

/**
 * lana_ctl_policy() - the policy of the request of command @cmd:
 * lana_ctl_attrset_policy(LANA_SET_REQUEST, @cmd). NULL for an unknown
 * command.
 */
const struct nla_policy *lana_ctl_policy(unsigned int cmd);

/**
 * lana_ctl_parse() - validate the datagram of @len bytes at @buf as one
 * message of @family (requests: every command; replies: the reply of
 * @reply_cmd when non-zero, which may carry more attributes) and fill @r.
 * Checked, in order: a whole nlmsghdr, nlmsg_len equal to @len (one
 * message a datagram, nothing after it), nlmsg_type == @family, a whole
 * genlmsghdr, version == LANA_GENL_VERSION, a known command, every
 * attribute well formed, known to the command, of its exact size (u32,
 * u64), strings NUL-terminated within their maximum length, DATA at most
 * LANA_CHUNK bytes, no bytes left after the attributes, and the
 * command's required attributes present. Finally libnl's genlmsg_parse()
 * applies the same policy and fills @r->tb.
 * Returns 0, or a negative errno (-EINVAL, -EMSGSIZE, -EOPNOTSUPP,
 * -EPROTO) with @err naming what is wrong, e.g. "attribute DATA: 40000
 * bytes, at most 32768".
 */
int lana_ctl_parse(void *buf, size_t len, uint16_t family, bool reply,
		   struct lana_ctl_req *r, char *err, size_t errlen);

/**
 * lana_ctl_reply_error() - send NLMSG_ERROR for request @req (which may be
 * NULL or a partial header: seq 0 is used then) on @fd: @error is 0 (an
 * ack) or a negative errno; @msg, if not NULL, goes into an
 * NLMSGERR_ATTR_MSG extended-ack attribute (NLM_F_ACK_TLVS). The request
 * is echoed capped (NLM_F_CAPPED: header only). Returns 0 or -errno.
 */
int lana_ctl_reply_error(int fd, const struct nlmsghdr *req, int error,
			 const char *msg);

/* The largest message lana_ctl_error_put() builds, bytes. */
#define LANA_CTL_ERROR_MAX \
	(NLMSG_LENGTH(sizeof(struct nlmsgerr)) + NLA_HDRLEN + NLA_ALIGN(512))

/**
 * lana_ctl_error_put() - build into @buf (LANA_CTL_ERROR_MAX bytes) the
 * NLMSG_ERROR that lana_ctl_reply_error() sends, for a caller that queues
 * its replies. Returns its length in bytes.
 */
size_t lana_ctl_error_put(void *buf, const struct nlmsghdr *req, int error,
			  const char *msg);

/**
 * lana_ctl_done_put() - build into @buf (NLMSG_LENGTH(sizeof(int)) bytes)
 * the NLMSG_DONE that lana_ctl_reply_done() sends. Returns its length.
 */
size_t lana_ctl_done_put(void *buf, uint32_t seq);

/**
 * lana_ctl_reply_done() - send NLMSG_DONE (payload: int 0) ending a dump
 * for sequence @seq. Returns 0 or -errno.
 */
int lana_ctl_reply_done(int fd, uint32_t seq);

/**
 * lana_ctl_put_block() - add a nested LANA_ATTR_BLOCK holding @s (IDP,
 * NAME, TYPE, PACKETS, BYTES, DROPS, one nested STAT {NAME, VALUE} per
 * named counter) to @m; when @s->partial, only IDP, NAME and TYPE of
 * those. When @s->table, then TABLE (LANA_TABLE_TRUNCATED if
 * @s->truncated, else 0) and one ROW {CELL {NAME, TEXT} ...} for each of
 * @s->rows. Returns 0 or -EMSGSIZE.
 */
int lana_ctl_put_block(struct nl_msg *m, const struct lana_block_stats *s);

/**
 * lana_ctl_get_block() - decode a LANA_ATTR_BLOCK nest @nla into @s
 * (strings point into the message; at most LANA_STATS_MAX STATs are
 * kept). A BLOCK without PACKETS is a continuation (@s->partial) of the
 * previous reply's table; TABLE sets @s->table and @s->truncated, and the
 * ROWs go to @s->rows (malloc()ed, @s->nrows of them: the caller frees
 * them, also when there are none, free(NULL)).
 * Returns 0, -EINVAL with @err set, or -ENOMEM.
 */
int lana_ctl_get_block(struct nlattr *nla, struct lana_block_stats *s,
		       char *err, size_t errlen);

/* ------------------------------------------------------------ transport */

/**
 * lana_ctl_socket_path() - @path if not NULL, else $LANA_SOCKET if set,
 * else LANA_DEFAULT_SOCKET.
 */
const char *lana_ctl_socket_path(const char *path);

#endif /* LANA_PROTO_CODEC_H */
