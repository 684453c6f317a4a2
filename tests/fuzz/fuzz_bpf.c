// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_bpf.c - libFuzzer target for lana_bpf_check() and the
 * programs it lets through: whatever it accepts must pass libpcap's
 * bpf_validate() and run in libpcap's bpf_filter() (which aborts on an
 * opcode it does not implement) on any frame without a crash.
 *
 * Built and run by scripts/fuzz.sh (seeds: the compiled example plans).
 * An input that starts with the plan magic is decoded (with its length
 * and CRC fixed up) and validated, and every filter of a valid plan runs
 * on a few frames; any other input is a frame length byte, the frame and
 * then the program, 8 bytes an instruction ({u16 code, u8 jt, u8 jf,
 * u32 k}, little-endian, as the plan stores it).
 */
#include "plan/bpf_check.h"
#include "plan/plan.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run @f (@n instructions, lana_bpf_check() accepted it) on @frame. */
static void run(const struct lana_bpf_insn *f, uint32_t n,
		const uint8_t *frame, unsigned int len)
{
	struct bpf_insn *p = calloc(n, sizeof(*p));
	unsigned int cut;
	uint32_t i;

	if (!p)
		abort();
	for (i = 0; i < n; i++) {
		p[i].code = f[i].code;
		p[i].jt = f[i].jt;
		p[i].jf = f[i].jf;
		p[i].k = f[i].k;
	}
	if (!bpf_validate(p, (int)n)) {
		fprintf(stderr, "lana_bpf_check accepted what bpf_validate refuses\n");
		abort();
	}
	/* the whole frame, and shorter captures of it */
	for (cut = 0; cut <= len; cut += 1 + len / 4)
		bpf_filter(p, frame, len, cut);
	bpf_filter(p, frame, len, len);
	free(p);
}

static void check_and_run(const struct lana_bpf_insn *f, uint32_t n,
			  const uint8_t *frame, unsigned int len)
{
	char err[256];

	if (!lana_bpf_check(f, n, err, sizeof(err)))
		run(f, n, frame, len);
	else if (strncmp(err, "filter ", 7))
		abort();	/* every message names the filter */
}

/* Every filter value of parameter @a, as lana_plan_validate() let it by. */
static void run_pattr(const struct lana_pattr *a, const uint8_t *frame,
		      unsigned int len)
{
	const struct lana_value *v = &a->val;
	uint32_t k;

	if (v->type == LANA_PT_FILTER)
		check_and_run(v->filter.insns, v->filter.n, frame, len);
	if (v->type == LANA_PT_LIST && v->list.elem == LANA_PT_FILTER)
		for (k = 0; k < v->list.n; k++)
			check_and_run(v->list.items[k].filter.insns,
				      v->list.items[k].filter.n, frame, len);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void plan(const uint8_t *data, size_t size)
{
	/* broadcast Ethernet, IPv4, UDP to port 53 */
	static const uint8_t eth_ip[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 0x08, 0,
		0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, [37] = 53,
	};
	struct lana_plan p;
	uint8_t *copy;
	char err[512];
	uint32_t i, k;

	if (size < LANA_PLAN_HDR_LEN || size > (1u << 20))
		return;
	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	put32(copy + 16, (uint32_t)size);
	put32(copy + 20, lana_crc32(copy + 24, size - 24));
	if (!lana_plan_decode(copy, size, &p, err, sizeof(err))) {
		if (!lana_plan_validate(&p, err, sizeof(err)))
			for (i = 0; i < p.insns.n; i++)
				for (k = 0; k < p.insns.v[i].nparams; k++)
					run_pattr(&p.insns.v[i].params[k],
						  eth_ip, sizeof(eth_ip));
		lana_plan_free(&p);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lana_bpf_insn *f;
	unsigned int flen;
	uint32_t n, i;
	const uint8_t *q;

	if (size >= 8 && !memcmp(data, LANA_PLAN_MAGIC, 8)) {
		plan(data, size);
		return 0;
	}
	if (!size)
		return 0;
	flen = data[0];
	if (flen > size - 1)
		flen = (unsigned int)(size - 1);
	q = data + 1 + flen;
	n = (uint32_t)((size - 1 - flen) / 8);
	f = calloc(n ? n : 1, sizeof(*f));
	if (!f)
		abort();
	for (i = 0; i < n; i++, q += 8) {
		f[i].code = (uint16_t)(q[0] | q[1] << 8);
		f[i].jt = q[2];
		f[i].jf = q[3];
		f[i].k = (uint32_t)q[4] | (uint32_t)q[5] << 8 |
			 (uint32_t)q[6] << 16 | (uint32_t)q[7] << 24;
	}
	check_and_run(f, n, data + 1, flen);
	free(f);
	return 0;
}
