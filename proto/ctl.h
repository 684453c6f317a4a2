/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto/ctl.h - the control protocol (proto/proto.h) in code: message
 * building and validation with libnl-3, the client side of every command
 * over either transport (lanad's Unix socket or the kernel's generic
 * netlink family), and lanad's request dispatcher.
 *
 * Messages are netlink messages: struct nlmsghdr, struct genlmsghdr
 * (version LANA_GENL_VERSION), then attributes (RFC 3549 sec. 2.3.2;
 * the kernel's Documentation/userspace-api/netlink/intro.rst). Errors are
 * NLMSG_ERROR with a negative errno and an extended ack
 * (NLM_F_ACK_TLVS: NLMSGERR_ATTR_MSG); dumps are NLM_F_MULTI messages
 * ended by NLMSG_DONE. One policy per command declares which attributes it
 * takes, their types and lengths (lana_ctl_policy()), so the kernel engine
 * can register the same tables with its genl family.
 */
#ifndef LANA_CTL_H
#define LANA_CTL_H

#include "proto.h"
#include "runtime/engine.h"
#include "lib/util.h"

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nl_sock;

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
 * lana_ctl_policy() - the attribute policy of command @cmd: an array of
 * LANA_ATTR_MAX + 1 entries for nlmsg_parse()/genlmsg_parse() (and the
 * kernel's genl_ops). Attributes the command does not take have a zero
 * entry. NULL for an unknown command.
 */
const struct nla_policy *lana_ctl_policy(unsigned int cmd);

/** lana_ctl_cmd_name() - "TXN_BEGIN", ... or "?". */
const char *lana_ctl_cmd_name(unsigned int cmd);

/** lana_ctl_attr_name() - "TXN_ID", ... or "?". */
const char *lana_ctl_attr_name(unsigned int attr);

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

/**
 * lana_ctl_reply_done() - send NLMSG_DONE (payload: int 0) ending a dump
 * for sequence @seq. Returns 0 or -errno.
 */
int lana_ctl_reply_done(int fd, uint32_t seq);

/**
 * lana_ctl_put_block() - add a nested LANA_ATTR_BLOCK holding @s (IDP,
 * NAME, TYPE, PACKETS, BYTES, DROPS, one nested STAT {NAME, VALUE} per
 * named counter) to @m. Returns 0 or -EMSGSIZE.
 */
int lana_ctl_put_block(struct nl_msg *m, const struct lana_block_stats *s);

/**
 * lana_ctl_get_block() - decode a LANA_ATTR_BLOCK nest @nla into @s
 * (strings point into the message; at most 8 STATs are kept).
 * Returns 0 or -EINVAL with @err set.
 */
int lana_ctl_get_block(struct nlattr *nla, struct lana_block_stats *s,
		       char *err, size_t errlen);

/* -------------------------------------------------------------- client */

/**
 * struct lana_ctl_conn - a connection to an engine. Both transports
 * carry the same messages; only @family differs: LANA_USER_FAMILY_ID for
 * lanad, the id genl_ctrl_resolve() found for the kernel family.
 */
struct lana_ctl_conn {
	int fd;
	uint16_t family;
	bool kernel;
	uint32_t seq;
	struct nl_sock *nl;	/* kernel transport only */
	char *buf;		/* LANA_MSG_MAX receive buffer */
};

/**
 * lana_ctl_socket_path() - @path if not NULL, else $LANA_SOCKET if set,
 * else LANA_DEFAULT_SOCKET.
 */
const char *lana_ctl_socket_path(const char *path);

/**
 * lana_ctl_connect_user() - connect to lanad's SOCK_SEQPACKET socket at
 * @path. Returns 0 or -errno (e.g. -ENOENT, -ECONNREFUSED).
 */
int lana_ctl_connect_user(struct lana_ctl_conn *c, const char *path);

/**
 * lana_ctl_connect_kernel() - open a generic netlink socket and resolve
 * the family LANA_GENL_NAME (extended acks enabled). Returns 0, -ENOENT
 * when the family is not registered (module not loaded), or -errno.
 */
int lana_ctl_connect_kernel(struct lana_ctl_conn *c);

/** lana_ctl_close() - close @c (safe on a failed or closed connection). */
void lana_ctl_close(struct lana_ctl_conn *c);

/**
 * lana_ctl_reply_fn - called for every reply message of a request
 * (validated; @r->tb holds its attributes). Return 0 to go on, or a
 * negative errno to fail the request (with @err set).
 */
typedef int (*lana_ctl_reply_fn)(const struct lana_ctl_req *r, void *ctx,
				 char *err, size_t errlen);

/**
 * lana_ctl_request() - send @m (its nlmsg_type and seq are set here to the
 * connection's family and next sequence number; NLM_F_REQUEST|NLM_F_ACK
 * are added) and read the replies: messages of the family go to @cb (may
 * be NULL), until the ack, an error, or for a dump NLMSG_DONE.
 * Returns 0, or -errno with @err holding the engine's extended-ack message
 * (or strerror when it sent none).
 */
int lana_ctl_request(struct lana_ctl_conn *c, struct nl_msg *m,
		     lana_ctl_reply_fn cb, void *ctx, char *err,
		     size_t errlen);

/**
 * lana_ctl_send_plan() - run one transaction: TXN_BEGIN with the plan's
 * length, TXN_DATA chunks of at most LANA_CHUNK bytes, TXN_COMMIT (on a
 * failure before COMMIT the transaction is aborted). The engine applies
 * the plan atomically. Returns 0 or -errno with @err set.
 */
int lana_ctl_send_plan(struct lana_ctl_conn *c, const void *plan, size_t len,
		       char *err, size_t errlen);

/**
 * lana_ctl_get_plan() - PLAN_GET: the running graph as an encoded full
 * plan, appended to @out (chunks checked to arrive in order and add up to
 * TOTAL_LEN). @crc, if not NULL, receives PLAN_CRC. Returns 0 or -errno.
 */
int lana_ctl_get_plan(struct lana_ctl_conn *c, struct lana_buf *out,
		      uint32_t *crc, char *err, size_t errlen);

/**
 * lana_ctl_get_stats() - STATS_GET: call @cb for every block, or only the
 * block named @name when not NULL (-ENOENT "no block named 'x'" if none).
 * Returns 0, -errno, or the first non-zero value of @cb.
 */
int lana_ctl_get_stats(struct lana_ctl_conn *c, const char *name,
		       int (*cb)(const struct lana_block_stats *s, void *ctx),
		       void *ctx, char *err, size_t errlen);

/**
 * lana_ctl_set() - SET: apply the encoded edit plan @plan (@len <=
 * LANA_CHUNK bytes, SET instructions only; base checksum 0 means "the
 * running plan"). Returns 0 or -errno with @err set.
 */
int lana_ctl_set(struct lana_ctl_conn *c, const void *plan, size_t len,
		 char *err, size_t errlen);

/** lana_ctl_flush() - FLUSH: remove every block. 0 or -errno. */
int lana_ctl_flush(struct lana_ctl_conn *c, char *err, size_t errlen);

/* -------------------------------------------------------------- server */

struct lana_ctl_server;

/**
 * lana_ctl_server_new() - lanad's request dispatcher for engine @e.
 * @log: sink for INFO/DEBUG messages (syslog priorities), or NULL.
 * Never returns NULL (aborts on out-of-memory, like xmalloc).
 */
struct lana_ctl_server *lana_ctl_server_new(struct lana_engine *e,
					    void (*log)(int level,
							const char *msg));

/** lana_ctl_server_free() - drop every open transaction and free @s. */
void lana_ctl_server_free(struct lana_ctl_server *s);

/** Transactions open at once (over all clients); more get -EBUSY. */
#define LANA_CTL_MAX_TXN 16

/**
 * lana_ctl_serve_one() - receive one datagram from client socket @fd
 * (non-blocking) and handle it with lana_ctl_handle().
 * Returns 0 (also when the message was rejected with an error reply, or
 * nothing was pending), or a negative errno when the connection is gone
 * or unusable (-ECONNRESET at end of stream): the caller then calls
 * lana_ctl_client_gone() and closes @fd.
 */
int lana_ctl_serve_one(struct lana_ctl_server *s, int fd);

/**
 * lana_ctl_handle() - validate and execute the request datagram @buf of
 * @len bytes (the datagram's real length: @len > @cap means it was
 * truncated to @cap bytes at receive time) from client @fd and send the
 * replies to @fd. An invalid request gets NLMSG_ERROR and changes
 * nothing. Commands: TXN_BEGIN/DATA/COMMIT/ABORT (the plan is assembled,
 * lana_plan_decode()d, lana_plan_validate()d and lana_engine_apply()d at
 * COMMIT), PLAN_GET, STATS_GET, SET, FLUSH (proto/proto.h).
 * Returns 0, or -errno when a reply could not be sent (connection broken).
 */
int lana_ctl_handle(struct lana_ctl_server *s, int fd, void *buf,
		    size_t len, size_t cap);

/**
 * lana_ctl_client_gone() - forget client @fd: its open transactions are
 * aborted.
 */
void lana_ctl_client_gone(struct lana_ctl_server *s, int fd);

/** lana_ctl_server_txns() - transactions currently open (for tests). */
unsigned int lana_ctl_server_txns(const struct lana_ctl_server *s);

#endif /* LANA_CTL_H */
