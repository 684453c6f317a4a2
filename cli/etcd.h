/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli/etcd.h - a small etcd v3 client for the fleet commands (docs/fleet.md)
 * over etcd's JSON gateway (etcd.io/docs/v3.4/dev-guide/api_grpc_gateway:
 * POST /v3/kv/range, /v3/kv/txn, /v3/lease/grant, /v3/lease/keepalive,
 * /v3/watch with the gRPC messages as JSON, keys and values in base64,
 * 64-bit integers as strings). HTTP is libcurl's, JSON jansson's, base64
 * libsodium's.
 *
 * An endpoint list ("http://127.0.0.1:2379,http://127.0.0.1:22379") is
 * tried in turn: a request that cannot reach a member (connection refused,
 * timeout) goes to the next one, which is how the client survives a member
 * failing (etcd members share one consistent store, so any of them
 * answers). Every call has a timeout; none blocks for longer.
 */
#ifndef LANA_CLI_ETCD_H
#define LANA_CLI_ETCD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lana_etcd;

/**
 * lana_etcd_open() - a client for the comma-separated endpoint URLs
 * @urls ("http://HOST:PORT", at most 16).
 * Return: the client, or NULL with the reason in @err (@errlen bytes).
 */
struct lana_etcd *lana_etcd_open(const char *urls, char *err, size_t errlen);

/** lana_etcd_close() - free @e; NULL is ignored. */
void lana_etcd_close(struct lana_etcd *e);

/** lana_etcd_error() - the message of @e's last failed call. */
const char *lana_etcd_error(const struct lana_etcd *e);

/**
 * lana_etcd_b64() - @len bytes at @p as base64 (RFC 4648, padded) in a
 * jansson string. Return: a new reference.
 */
json_t *lana_etcd_b64(const void *p, size_t len);

/**
 * lana_etcd_call() - POST @req (stolen) to @path ("/v3/kv/range") of the
 * first endpoint that answers, and parse the answer.
 * @resp:       receives the parsed JSON object (a new reference)
 * @timeout_ms: the whole request, milliseconds
 * Return: 0, or -1 with lana_etcd_error() set (no endpoint reachable, an
 * HTTP error with etcd's message, an answer that is not JSON).
 */
int lana_etcd_call(struct lana_etcd *e, const char *path, json_t *req,
		   json_t **resp, long timeout_ms);

/**
 * struct lana_etcd_kv - one key from a range answer.
 * @key, @val:   the bytes (malloc'd; @val NUL-terminated after @vlen)
 * @mod_rev:     the revision of its last change
 * @create_rev:  the revision that created it
 */
struct lana_etcd_kv {
	char *key;
	char *val;
	size_t vlen;
	int64_t mod_rev;
	int64_t create_rev;
};

/**
 * lana_etcd_range() - read @key, or every key starting with it when
 * @prefix. @kvs receives a malloc'd array of @n entries (free with
 * lana_etcd_kvs_free()); @rev the store's revision at the read.
 * Return: 0 (also when nothing matches: @n = 0), or -1.
 */
int lana_etcd_range(struct lana_etcd *e, const char *key, bool prefix,
		    struct lana_etcd_kv **kvs, size_t *n, int64_t *rev);

/** lana_etcd_kvs_free() - free what lana_etcd_range() returned. */
void lana_etcd_kvs_free(struct lana_etcd_kv *kvs, size_t n);

/**
 * lana_etcd_put() - write @key = @len bytes at @val, attached to lease
 * @lease (0: none). Return: 0 or -1.
 */
int lana_etcd_put(struct lana_etcd *e, const char *key, const void *val,
		  size_t len, int64_t lease);

/**
 * lana_etcd_txn() - run transaction @txn (a TxnRequest object: compare,
 * success, failure; stolen); *@ok receives whether the comparisons held
 * (the success branch ran). Return: 0 or -1.
 */
int lana_etcd_txn(struct lana_etcd *e, json_t *txn, bool *ok);

/**
 * lana_etcd_lease() - grant a lease of @ttl_s seconds (*@id), or, with
 * *@id set, keep it alive for another TTL. Return: 0 or -1 (a lease that
 * expired meanwhile: -1, "lease expired").
 */
int lana_etcd_lease(struct lana_etcd *e, int64_t ttl_s, int64_t *id);

/**
 * lana_etcd_watch() - wait up to @timeout_ms for a change of @key (of any
 * key under it with @prefix) at a revision >= @from_rev (a change already
 * made since then returns at once).
 * Return: 1 a change, 0 none before the timeout, -1 an error.
 */
int lana_etcd_watch(struct lana_etcd *e, const char *key, bool prefix,
		    int64_t from_rev, long timeout_ms);

#endif /* LANA_CLI_ETCD_H */
