// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_plan.c - libFuzzer target for the plan decoder.
 *
 * Build (from the source tree; B is a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -I/work/main -I$B/lang tests/fuzz/fuzz_plan.c \
 *     plan/codec.c plan/check.c plan/text.c plan/diff.c \
 *     plan/apply.c lib/util.c plan/value.c blocks/[a-z]*.c \
 *     -lpcap -lz -o fuzz_plan
 * Run for 60 s (seeds: any encoded plans, e.g. `lanarun compile -o`):
 *   mkdir -p corpus && ./fuzz_plan -max_total_time=60 corpus
 *
 * Every input is decoded twice: as is, and with the length and CRC fields
 * fixed up so that mutations reach the fields behind the checksum. A plan
 * that decodes is validated, printed as text, JSON and DOT, encoded again,
 * and the re-encoded bytes must decode and re-encode to the same bytes (the
 * encoding is canonical).
 */
#include "plan/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void one(const uint8_t *data, size_t size)
{
	struct lana_plan p, q;
	struct lana_buf t = { 0 }, b1 = { 0 }, b2 = { 0 };
	char err[512];

	if (lana_plan_decode(data, size, &p, err, sizeof(err)))
		return;
	lana_plan_validate(&p, err, sizeof(err));
	lana_plan_disasm(&p, &t);
	lana_plan_json(&p, &t);
	lana_plan_dot(&p, &t);
	if (lana_plan_encode(&p, &b1, err, sizeof(err))) {
		fprintf(stderr, "re-encode failed: %s\n", err);
		abort();
	}
	if (lana_plan_decode(b1.data, b1.len, &q, err, sizeof(err))) {
		fprintf(stderr, "decode of re-encoded plan failed: %s\n", err);
		abort();
	}
	if (lana_plan_encode(&q, &b2, err, sizeof(err)) || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len)) {
		fprintf(stderr, "encoding is not canonical\n");
		abort();
	}
	lana_plan_free(&p);
	lana_plan_free(&q);
	lana_buf_free(&t);
	lana_buf_free(&b1);
	lana_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	one(data, size);
	if (size < LANA_PLAN_HDR_LEN || size > (1u << 20))
		return 0;
	copy = malloc(size);
	memcpy(copy, data, size);
	put32(copy + 16, (uint32_t)size);
	put32(copy + 20, lana_crc32(copy + 24, size - 24));
	one(copy, size);
	free(copy);
	return 0;
}
