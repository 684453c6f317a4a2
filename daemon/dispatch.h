/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/dispatch.h - lanad's request dispatcher: validates every request
 * of the control protocol (proto/codec.h), executes it on the userspace
 * engine and sends the replies. A library (daemon/libdispatch.a) so that
 * the unit tests and the fuzzer drive exactly the code lanad runs.
 */
#ifndef LANA_DISPATCH_H
#define LANA_DISPATCH_H

#include "proto/codec.h"
#include "proto/txn.h"
#include "runtime/engine.h"

#include <stddef.h>


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
#define LANA_CTL_MAX_TXN LANA_TXN_MAX

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


#endif /* LANA_DISPATCH_H */
