/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto/txn.h - what TXN_BEGIN, TXN_DATA, TXN_COMMIT, TXN_ABORT and SET
 * mean, for both engines: the table of open transactions, each a plan
 * arriving in chunks (the thesis's builder input, ch. 5.2.4), and the
 * decoding of a committed or SET plan. lanad's dispatcher
 * (daemon/dispatch.c) and lana.ko's genl family (kmod/genl.c) use it; each
 * engine then applies the plan its own way.
 *
 * Plain C without locks: lana.ko compiles proto/txn.c unchanged
 * (kmod/sources.mk) and holds its transaction mutex around every call;
 * lanad serves one request at a time. Errors are a negative errno and a
 * message in @err (@errlen bytes), the text the engine's extended ack
 * carries (docs/runtime.md, "Validation").
 */
#ifndef LANA_PROTO_TXN_H
#define LANA_PROTO_TXN_H

#include "plan/plan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Transactions open at once (over all clients); more get -EBUSY. */
#define LANA_TXN_MAX 16

/**
 * struct lana_ctl_txn_limits - what the open transactions may hold, checked
 * at TXN_BEGIN (lana_ctl_txn_begin()). Zero means "no limit of its own";
 * a zero-initialised struct (lana.ko) keeps only LANA_TXN_MAX.
 * @txns:            open at once over all clients (at most LANA_TXN_MAX)
 * @txns_per_owner:  open at once by one client
 * @bytes:           TOTAL_LEN summed over all open transactions, bytes
 * @bytes_per_owner: TOTAL_LEN summed over one client's, bytes
 *
 * Bytes are counted as declared by TOTAL_LEN, not as received: a
 * transaction reserves its whole plan when it begins, so a client learns
 * at TXN_BEGIN, before sending any data, that it would not fit, and a
 * transaction once begun can always be completed.
 */
struct lana_ctl_txn_limits {
	unsigned int txns;
	unsigned int txns_per_owner;
	uint64_t bytes;
	uint64_t bytes_per_owner;
};

/**
 * struct lana_ctl_owner - the client a transaction belongs to: only it may
 * use the transaction, and it is dropped when the client goes away.
 * @net:  lana.ko: the socket's network namespace; lanad: NULL
 * @port: lana.ko: the socket's netlink port id; lanad: the client's file
 *        descriptor
 */
struct lana_ctl_owner {
	const void *net;
	uint32_t port;
};

/**
 * struct lana_ctl_txn - one open transaction.
 * @id:    its TXN_ID; 0 for a free slot
 * @owner: the client that began it
 * @total: TOTAL_LEN, bytes of the whole plan
 * @got:   bytes received so far, in order, at @data (@cap bytes allocated)
 * @touched: the table's @now at its TXN_BEGIN or last accepted TXN_DATA
 */
struct lana_ctl_txn {
	uint32_t id;
	struct lana_ctl_owner owner;
	uint32_t total, got;
	size_t cap;
	char *data;
	uint64_t touched;
};

/**
 * struct lana_ctl_txns - the open transactions of an engine. Zero-initialise;
 * release with lana_ctl_txn_drop_all().
 * @slot:    LANA_TXN_MAX slots
 * @next_id: the next TXN_ID to hand out (1, 2, ...; 0 is skipped)
 * @lim:     the limits lana_ctl_txn_begin() enforces (zero: LANA_TXN_MAX
 *           only); the caller may set them at any time, open
 *           transactions are not affected
 * @now:     the caller's clock (any unit, e.g. ms), set before each call:
 *           copied into a transaction's @touched by TXN_BEGIN and TXN_DATA,
 *           for lana_ctl_txn_expire(); may stay 0 (no idle timeout)
 */
struct lana_ctl_txns {
	struct lana_ctl_txn slot[LANA_TXN_MAX];
	uint32_t next_id;
	struct lana_ctl_txn_limits lim;
	uint64_t now;
};

/**
 * lana_ctl_txn_begin() - TXN_BEGIN: open a transaction of @o for a plan of
 * @total bytes, at least a plan header (LANA_PLAN_HDR_LEN) and at most
 * @max bytes (the engine's limit for one transaction). *@id receives its
 * TXN_ID. Returns 0, or with @err set: -EINVAL (too short), -EFBIG (over
 * @max: "transaction too large: ... (limit 64 MiB)"), -EBUSY (the table,
 * @tt->lim.txns or @tt->lim.txns_per_owner full: "too many open
 * transactions (limit 4 per client)") or -ENOBUFS (@tt->lim.bytes or
 * @tt->lim.bytes_per_owner would be exceeded).
 */
int lana_ctl_txn_begin(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		       uint32_t total, uint32_t max, uint32_t *id, char *err,
		       size_t errlen);

/**
 * lana_ctl_txn_data() - TXN_DATA: append @n bytes at @p to transaction @id of
 * @o. @off must be the number of bytes received so far, and the data must
 * not run past TOTAL_LEN. A refused chunk leaves the transaction as it
 * was. Returns 0, -ENOENT (no transaction @id of @o), -EINVAL (wrong
 * offset, past TOTAL_LEN) or -ENOMEM, with @err set.
 */
int lana_ctl_txn_data(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		      uint32_t id, uint32_t off, const void *p, uint32_t n,
		      char *err, size_t errlen);

/**
 * lana_ctl_txn_take() - TXN_COMMIT: end transaction @id of @o and move it,
 * with its plan, to *@out (release it with lana_ctl_txn_drop()). Only a
 * complete transaction (all TOTAL_LEN bytes received) is taken; an
 * incomplete one stays open. Returns 0, -ENOENT or -EINVAL (incomplete),
 * with @err set.
 */
int lana_ctl_txn_take(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		      uint32_t id, struct lana_ctl_txn *out, char *err, size_t errlen);

/**
 * lana_ctl_txn_abort() - TXN_ABORT: drop transaction @id of @o.
 * Returns 0 or -ENOENT with @err set.
 */
int lana_ctl_txn_abort(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		       uint32_t id, char *err, size_t errlen);

/**
 * lana_ctl_txn_drop_owned() - drop one open transaction of @o, the client
 * that went away. Returns its TXN_ID, or 0 when @o has none left: call it
 * until it returns 0.
 */
uint32_t lana_ctl_txn_drop_owned(struct lana_ctl_txns *tt,
				 const struct lana_ctl_owner *o);

/**
 * lana_ctl_txn_expire() - drop one open transaction not touched (begun or
 * given data) since @before, in the unit of @tt->now. Returns its TXN_ID,
 * with its owner in *@o, or 0 when none is that old: call it until it
 * returns 0.
 */
uint32_t lana_ctl_txn_expire(struct lana_ctl_txns *tt, uint64_t before,
			     struct lana_ctl_owner *o);

/** lana_ctl_txn_drop() - free the plan of @t and clear it (a free slot). */
void lana_ctl_txn_drop(struct lana_ctl_txn *t);

/** lana_ctl_txn_drop_all() - drop every transaction of @tt. */
void lana_ctl_txn_drop_all(struct lana_ctl_txns *tt);

/** lana_ctl_txn_count() - the number of open transactions. */
unsigned int lana_ctl_txn_count(const struct lana_ctl_txns *tt);

/**
 * lana_ctl_txn_decode() - decode the @len plan bytes at @data into @p
 * (lana_plan_decode()). For SET (@set), the plan must be an edit plan
 * (LANA_PLAN_F_EDIT) of SET instructions only; its base checksum may be
 * 0, for the engine to fill in with its running plan's.
 * Returns 0, or -EINVAL with @err set ("invalid plan: ...", "instruction
 * 2 (BIND): SET accepts only SET instructions") and nothing to free.
 */
int lana_ctl_txn_decode(const void *data, size_t len, bool set,
			struct lana_plan *p, char *err, size_t errlen);

#endif /* LANA_PROTO_TXN_H */
