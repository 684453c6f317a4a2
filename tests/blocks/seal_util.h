/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/blocks/seal_util.h - what test_seal.c and test_unseal.c share:
 * two keys written by hand (base64 of RFC 4648 sec. 4, computed by hand),
 * key files, frames with a 16-byte plaintext pattern, sealing and
 * opening bursts.
 */
#ifndef LANA_TESTS_BLOCKS_SEAL_UTIL_H
#define LANA_TESTS_BLOCKS_SEAL_UTIL_H

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* key A: the bytes 0x00..0x1f; its base64 (RFC 4648 sec. 4) by hand */
static const char key_a_b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/* key B: 32 bytes 0xff, base64 by hand: 10 x "////" + "//////8=" */
static const char key_b_b64[] = "//////////////////////////////////////////8=";

/* Write @text (plus a newline) to a new temporary file of mode @mode. */
static char *key_file(const char *text, mode_t mode)
{
	char *path = tmp_path("seal-key");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", text);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static inline void key_a(unsigned char *k)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		k[i] = (unsigned char)i;
}

static struct tb *mk(const char *type, const char *path, const char *grace)
{
	const char *kv[] = { "key_file", path, grace ? "grace" : NULL, grace,
			     NULL };

	return tb_new(type, kv);
}

/* Frame @i: Ethernet header, then 16-byte runs "PLAINTEXT-PATTERN" */
static inline uint32_t mk_frame(uint8_t *f, unsigned int i)
{
	static const uint32_t lens[] = { 60, 64, 333, 1000, 1514 };
	uint32_t len = lens[i % 5], j;

	mk_eth(f, len - 14);
	for (j = 14; j < len; j++)
		f[j] = (uint8_t)"PLAINTEXTPATTERN"[(j - 14) % 16];
	f[14] = (uint8_t)i;
	return len;
}

/* Seal @n frames mk_frame(first..) with @s into @v (verdicts checked). */
static inline void seal_n(struct tb *s, struct lana_burst *v, unsigned int first,
		   unsigned int n)
{
	uint8_t f[1600];
	unsigned int i;
	uint32_t len;

	burst_init(v);
	for (i = 0; i < n; i++) {
		len = mk_frame(f, first + i);
		burst_add(v, f, len);
	}
	assert_int_equal(tb_rx(s, v), LANA_RX_VERDICTS);
	for (i = 0; i < n; i++)
		assert_int_equal(v->verdict[i], 0);
}

/* A burst holding copies of packets @idx[0..n) of @src. */
static inline void pick(struct lana_burst *dst, struct lana_burst *src,
		 const unsigned int *idx, unsigned int n)
{
	unsigned int i;

	burst_init(dst);
	for (i = 0; i < n; i++)
		burst_add(dst, lana_pkt_data(src->pkt[idx[i]]),
			  lana_pkt_len(src->pkt[idx[i]]));
}

/* Unseal @v with @u; return how many went to out (0), rest to reject. */
static inline unsigned int open_all(struct tb *u, struct lana_burst *v)
{
	unsigned int i, ok = 0;
	int rc = tb_rx(u, v);

	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < v->n; i++) {
		if (v->verdict[i] == 0)
			ok++;
		else
			assert_int_equal(v->verdict[i], 1);
	}
	return ok;
}

static inline bool contains(const uint8_t *h, uint32_t hl, const uint8_t *n,
		     uint32_t nl)
{
	uint32_t i;

	for (i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return true;
	return false;
}

#endif /* LANA_TESTS_BLOCKS_SEAL_UTIL_H */
