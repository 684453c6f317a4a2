/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/blocks/harness.h - what the block tests (tests/blocks/test_NAME.c,
 * one file per block type of blocks/blocks.def) share: block instances
 * built by hand and driven through their ops, bursts of packets, frames,
 * pcap files, and small graphs run in the real userspace engine.
 *
 * Each test file ends with BLOCK_TESTS(NAME, cases); harness.c's main()
 * runs the cases of every block type in blocks.def order as one cmocka
 * group. scripts/gen-blocks.sh lists the test files that exist in
 * BLOCK_TESTS (blocks/blocks.am), so adding one needs no Makefile.am edit.
 */
#ifndef LANA_TESTS_BLOCKS_HARNESS_H
#define LANA_TESTS_BLOCKS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define LANA_ENGINE_CORE	/* lana_cur_worker: collect lana_emit() */
#include "runtime/engine_internal.h"
#include "blocks/catalogue.h"
#include "plan/value.h"

#include <stdbool.h>

/**
 * struct block_tests - the cmocka cases of one block type.
 * @cases: the cases
 * @n:     how many
 */
struct block_tests {
	const struct CMUnitTest *cases;
	size_t n;
};

/**
 * BLOCK_TESTS() - register the array @cases as the tests of block type
 * @name (a blocks.def name): defines block_tests_@name, which harness.c's
 * main() finds.
 */
#define BLOCK_TESTS(name, cases)					\
	const struct block_tests block_tests_##name = {			\
		(cases), sizeof(cases) / sizeof((cases)[0])		\
	}

/* ------------------------------------------------------------ instances */

/**
 * struct tb - one block instance built by hand, outside an engine:
 * runtime/block_api.c falls back to one worker and b->pcpu for it.
 * @b:      the instance (idp 7, named after its type)
 * @arena:  parameter values
 * @params: one value per catalogue parameter, defaults filled in
 * @inited: init succeeded (tb_free() then calls fini)
 * @live:   the type's live object (lana_block_type.live), or NULL
 * @err:    what init or set wrote with lana_block_error()
 */
struct tb {
	struct lana_block b;
	struct lana_arena arena;
	struct lana_value *params;
	bool inited;
	void *live;
	char err[512];
};

/**
 * tb_try() - build an instance of @type and run its init.
 * @type: block type name
 * @kv:   "name", "value" pairs, NULL-terminated, or NULL; values in .lana
 *        literal syntax without quotes. The catalogue defaults fill in the
 *        other parameters, as the compiler does.
 * @out:  receives the instance, whatever init returned
 *
 * Return: init's result.
 */
int tb_try(const char *type, const char *const *kv, struct tb **out);

/**
 * tb_new() - tb_try() that fails the test when init fails.
 * @type: block type name
 * @kv:   parameters as for tb_try()
 *
 * Return: the instance.
 */
struct tb *tb_new(const char *type, const char *const *kv);

/** tb_free() - run fini (if init succeeded) and free instance @t. */
void tb_free(struct tb *t);

/**
 * tb_set() - live change of parameter @name of @t to @text. The text is
 * parsed without the catalogue's range check (the compiler's job), so
 * that the block's own checks are reached; messages land in @t->err.
 * @t:    the instance
 * @name: parameter name
 * @text: new value in .lana literal syntax
 *
 * Return: the set op's result.
 */
int tb_set(struct tb *t, const char *name, const char *text);

/**
 * tb_set_value() - tb_set() with a value made by the test: the set op
 * (if any), then a new live object; the old one stays on failure.
 * @t:   the instance
 * @idx: parameter index
 * @v:   the new value (kept by reference on success)
 *
 * Return: the set or live op's result.
 */
int tb_set_value(struct tb *t, unsigned int idx, const struct lana_value *v);

/**
 * tb_rx(), tb_poll() - call @t's rx or poll op with @v, v->live set to
 * the instance's live object as the engine's PPE does.
 * Return: the op's result.
 */
int tb_rx(struct tb *t, struct lana_burst *v);
int tb_poll(struct tb *t, struct lana_burst *v);

/**
 * tb_recv() - call the recv op of the descriptor source @t made
 * (lana_fdsrc_new(); udp, vxlan) as the block's worker would, v->live
 * set; fails the test when @t made none.
 * Return: the recv op's result.
 */
int tb_recv(struct tb *t, struct lana_burst *v);

/**
 * tb_stat() - counter @name of @t as the engines read it
 * (lana_block_stats()); fails the test when there is none, or when the
 * block reports a counter its descriptor does not declare.
 * @t:    the instance
 * @name: counter name
 *
 * Return: its value.
 */
uint64_t tb_stat(struct tb *t, const char *name);

/* --------------------------------------------------------------- bursts */

/** burst_init() - empty burst @v, direction ingress. */
void burst_init(struct lana_burst *v);

/** burst_add() - append a packet holding a copy of @data (@len bytes). */
void burst_add(struct lana_burst *v, const void *data, uint32_t len);

/**
 * burst_free() - free the packets of @v that the engine would still own
 * after an rx op returned @rc (all but those with verdict LANA_STOLEN).
 */
void burst_free(struct lana_burst *v, int rc);

/** assert_frame() - packet @p holds exactly @want (@len bytes). */
void assert_frame(struct lana_pkt *p, const uint8_t *want, uint32_t len);

/* --------------------------------------------------------------- frames */

extern const uint8_t mac_dst[6];	/* 00:11:22:33:44:55 */
extern const uint8_t mac_src[6];	/* 66:77:88:99:aa:bb */

/**
 * mk_eth() - write an untagged Ethernet frame to @f: mac_dst, mac_src,
 * type 0x0800, then @plen payload bytes 0xa0, 0xa1, ...
 *
 * Return: the frame length, 14 + @plen.
 */
uint32_t mk_eth(uint8_t *f, uint32_t plen);

/**
 * mk_ip4() - write an Ethernet + IPv4 (RFC 791, 20-byte header, 10.0.0.1
 * -> 10.0.0.2) + TCP (@proto 6, RFC 9293, 20 bytes) or UDP (17, RFC 768,
 * 8 bytes) frame from port @sport to port @dport into @f; checksums 0.
 * Return: its length in bytes.
 */
uint32_t mk_ip4(uint8_t *f, uint8_t proto, uint16_t sport, uint16_t dport);

/* ----------------------------------------------------------- pcap files */

/** struct tframe - a frame to write to or expect from a pcap file. */
struct tframe {
	uint32_t len;
	uint64_t ts_ns;
	uint8_t data[1600];
};

/**
 * tmp_path() - create an empty file /tmp/lana-test-@tag-XXXXXX.
 *
 * Return: its path, to unlink() and free().
 */
char *tmp_path(const char *tag);

/**
 * mk_frames() - fill @fr with @n frames of varied length (60..1514) and
 * contents, timestamped 1.5 ms apart from 2026-01-01.
 */
void mk_frames(struct tframe *fr, unsigned int n);

/**
 * write_pcap() - write the @n frames of @fr to @path through a pcap_out
 * block (snaplen @snaplen, e.g. "65535B"), wait for its writer thread
 * and check its counters: `written` @n, nothing dropped, failed or queued.
 * @no_ts_last: give the last frame no timestamp (pcap_out then uses the
 *              time of writing)
 */
void write_pcap(const char *path, const char *snaplen,
		const struct tframe *fr, unsigned int n, bool no_ts_last);

/* ----------------------------------------------------------- the engine */

/**
 * engine_run() - compile the .lana text @src, apply it to a new 2-worker
 * userspace engine and run it until every source has ended (20 s at most).
 *
 * Return: the engine, to lana_engine_free().
 */
struct lana_engine *engine_run(const char *src);

/**
 * engine_stat() - counter @stat of block @name in @e: "packets" (the
 * engine's count) or one of the block's own counters.
 *
 * Return: its value, or UINT64_MAX when the block has no such counter.
 */
uint64_t engine_stat(struct lana_engine *e, const char *name,
		     const char *stat);

/* ------------------------------------------------------- UDP peers */

/**
 * udp_peer_open() - a non-blocking UDP socket bound to 127.0.0.@last:@port
 * (host order), the other end of a udp or vxlan block under test; fails
 * the test when it cannot be made.
 */
int udp_peer_open(unsigned int last, uint16_t port);

/**
 * udp_peer_read() - wait up to 100 ms for a datagram on @fd and copy up
 * to @len bytes of it into @buf.
 *
 * Return: its length, or -1 when none came.
 */
int udp_peer_read(int fd, uint8_t *buf, size_t len);

#endif /* LANA_TESTS_BLOCKS_HARNESS_H */
