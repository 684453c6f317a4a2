/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli/ctl_client.h - the client side of the control protocol: a
 * connection to an engine over either transport (lanad's Unix socket or
 * the kernel's generic netlink family "lana"), one request and its
 * replies, and one function per command. lanarun (cli/client.c) is the
 * client; the messages are proto/codec.h's.
 */
#ifndef LANA_CTL_CLIENT_H
#define LANA_CTL_CLIENT_H

#include "proto/codec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

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


#endif /* LANA_CTL_CLIENT_H */
