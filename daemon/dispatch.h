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
#include <stdint.h>


struct lana_ctl_server;

/* The default limits (struct lana_ctl_limits; lanad's options). */
#define LANA_CTL_DEF_CLIENTS		128
#define LANA_CTL_DEF_CLIENT_TXNS	4
#define LANA_CTL_DEF_TXN_SIZE		(64u << 20)	/* the kernel's too */
#define LANA_CTL_DEF_CLIENT_TXN_BYTES	(128ull << 20)
#define LANA_CTL_DEF_TXN_BYTES		(256ull << 20)
#define LANA_CTL_DEF_TXN_IDLE_MS	30000
#define LANA_CTL_DEF_IDLE_MS		60000
#define LANA_CTL_DEF_OUT_BYTES		(4u << 20)
#define LANA_CTL_DEF_OUT_MS		5000

/**
 * struct lana_ctl_limits - what the clients of one dispatcher may hold.
 * Zero means no limit (txn_size: LANA_PLAN_MAX_LEN; txns: LANA_TXN_MAX).
 * @clients:          connections at once (lana_ctl_client_add())
 * @txns:             open transactions over all clients (<= LANA_TXN_MAX)
 * @txns_per_client:  open transactions of one connection
 * @txn_size:         TOTAL_LEN of one transaction, bytes
 * @txn_bytes:        TOTAL_LEN summed over all open transactions, bytes
 * @client_txn_bytes: the same over one connection's, bytes
 * @txn_idle_ms:      an open transaction without TXN_BEGIN/TXN_DATA for
 *                    this long is aborted (lana_ctl_server_expire())
 * @idle_ms:          a connection without a request for this long (and
 *                    nothing to send) is closed
 * @out_bytes:        replies queued for one connection that does not read
 *                    them; one more breaks the connection
 * @out_ms:           a queued reply undelivered for this long breaks the
 *                    connection
 */
struct lana_ctl_limits {
	unsigned int clients;
	unsigned int txns, txns_per_client;
	uint32_t txn_size;
	uint64_t txn_bytes, client_txn_bytes;
	unsigned int txn_idle_ms, idle_ms;
	size_t out_bytes;
	unsigned int out_ms;
};

/** lana_ctl_limits_default() - fill @l with the LANA_CTL_DEF_* values. */
void lana_ctl_limits_default(struct lana_ctl_limits *l);

/**
 * lana_ctl_server_new() - lanad's request dispatcher for engine @e, with
 * the default limits (lana_ctl_limits_default()).
 * @log: sink for INFO/DEBUG messages (syslog priorities), or NULL.
 * Never returns NULL (aborts on out-of-memory, like xmalloc).
 */
struct lana_ctl_server *lana_ctl_server_new(struct lana_engine *e,
					    void (*log)(int level,
							const char *msg));

/** lana_ctl_server_free() - drop every open transaction and free @s. */
void lana_ctl_server_free(struct lana_ctl_server *s);

/**
 * lana_ctl_server_set_limits() - use @l from now on (open transactions and
 * queued replies are kept even if over the new limits).
 */
void lana_ctl_server_set_limits(struct lana_ctl_server *s,
				const struct lana_ctl_limits *l);

/**
 * lana_ctl_client_add() - a new connection @fd (from accept(2)). Beyond
 * lim.clients connections it sends @fd an NLMSG_ERROR of sequence 0,
 * -EUSERS "too many clients (limit 128)", without blocking, logs it and
 * returns -EUSERS: the caller closes @fd (the connections already there
 * are not affected). Returns 0 otherwise. A descriptor used without it
 * (the unit tests') is added on first use, without the limit.
 */
int lana_ctl_client_add(struct lana_ctl_server *s, int fd);

/**
 * lana_ctl_client_restrict() - make connection @fd read-only: it may read
 * the graph (PLAN_GET) and the counters (STATS_GET); every other command
 * gets -EPERM naming @uid (the peer's user id, from SO_PEERCRED), logged
 * at NOTICE. lanad calls it for a peer that is neither root nor holds
 * CAP_NET_ADMIN (daemon/peer.h). Returns 0 or -ENOMEM.
 */
int lana_ctl_client_restrict(struct lana_ctl_server *s, int fd,
			     unsigned int uid);

/**
 * lana_ctl_client_events() - the poll(2) events to wait for on @fd:
 * POLLIN unless a PLAN_GET dump is being sent (the next request waits for
 * it), POLLOUT while replies are queued.
 */
short lana_ctl_client_events(struct lana_ctl_server *s, int fd);

/**
 * lana_ctl_client_write() - @fd is writable: send its queued replies and
 * the next chunks of a dump in progress, as far as the socket takes them
 * without blocking. Returns 0, or -errno when the connection is broken
 * (the caller drops it: lana_ctl_client_gone(), close).
 */
int lana_ctl_client_write(struct lana_ctl_server *s, int fd);

/**
 * lana_ctl_server_expire() - enforce the timeouts, on CLOCK_MONOTONIC:
 * open transactions idle for lim.txn_idle_ms are aborted (logged); then,
 * if a connection's oldest queued reply is lim.out_ms old (a client that
 * does not read: logged), or it has been idle for lim.idle_ms (it is sent
 * a sequence-0 NLMSG_ERROR -ETIMEDOUT "idle for 60 s: disconnected",
 * logged), returns 1 with *@fd set: the caller drops it and calls again.
 * Returns 0 when nothing (more) is due.
 */
int lana_ctl_server_expire(struct lana_ctl_server *s, int *fd);

/**
 * lana_ctl_server_timeout() - ms until lana_ctl_server_expire() has
 * something to do (0: now), or -1 for never: poll(2)'s timeout.
 */
int lana_ctl_server_timeout(const struct lana_ctl_server *s);

/** lana_ctl_server_clients() - the connections known (for tests). */
unsigned int lana_ctl_server_clients(const struct lana_ctl_server *s);

/** Transactions open at once (over all clients); more get -EBUSY. */
#define LANA_CTL_MAX_TXN LANA_TXN_MAX

/**
 * lana_ctl_serve_one() - receive one datagram from client socket @fd
 * (non-blocking) and handle it with lana_ctl_handle(); nothing while a
 * PLAN_GET dump to @fd is unfinished.
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
 * replies to @fd, never blocking: what the socket does not take is queued
 * (lana_ctl_client_write()), up to lim.out_bytes. An invalid request gets NLMSG_ERROR and changes
 * nothing. Commands: TXN_BEGIN/DATA/COMMIT/ABORT (the plan is assembled,
 * lana_plan_decode()d, lana_plan_validate()d and lana_engine_apply()d at
 * COMMIT), PLAN_GET, STATS_GET, SET, FLUSH (proto/proto.h).
 * Returns 0, or -errno when a reply could not be sent (connection broken).
 */
int lana_ctl_handle(struct lana_ctl_server *s, int fd, void *buf,
		    size_t len, size_t cap);

/**
 * lana_ctl_client_gone() - forget client @fd: its open transactions are
 * aborted, its queued replies dropped.
 */
void lana_ctl_client_gone(struct lana_ctl_server *s, int fd);

/** lana_ctl_server_txns() - transactions currently open (for tests). */
unsigned int lana_ctl_server_txns(const struct lana_ctl_server *s);


#endif /* LANA_DISPATCH_H */
