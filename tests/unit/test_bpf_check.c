// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_bpf_check.c - lana_bpf_check() (plan/bpf_check.c): a
 * table of programs it must refuse, each with the message naming the
 * instruction; the programs pcap_compile() makes of real expressions,
 * which it must accept and libpcap must run; every one of the 65536
 * opcodes against the table, the allowed ones run through the installed
 * libpcap's bpf_filter() (which aborts on an opcode it does not know).
 *
 * Opcodes are written with libpcap's own macros (<pcap/bpf.h>), not the
 * kernel's that plan/bpf_check.c uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/bpf_check.h"

#define S(c_, k_)		{ .code = (c_), .k = (k_) }
#define J(c_, k_, t_, f_)	{ .code = (c_), .jt = (t_), .jf = (f_), .k = (k_) }
#define RET			S(BPF_RET | BPF_K, 0xffff)

/* A refused program and what the message must contain. */
struct bad {
	const char *what;
	struct lana_bpf_insn f[6];
	uint32_t n;
	const char *want;
};

static const struct bad bad[] = {
	{ "RET with an unknown bit (the probe's plan)",
	  { S(BPF_LD | BPF_H | BPF_ABS, 12), S(0x8006, 0xffff) }, 2,
	  "filter instruction 1: opcode 0x8006 not allowed" },
	{ "RET of X (no such return)",
	  { S(BPF_RET | BPF_X, 0) }, 1,
	  "filter instruction 0: opcode 0x000e not allowed" },
	{ "LD of 64 bits (eBPF's BPF_DW size)",
	  { S(BPF_LD | 0x18 | BPF_ABS, 0), RET }, 2,
	  "filter instruction 0: opcode 0x0038 not allowed" },
	{ "LD with an unknown mode",
	  { S(BPF_LD | BPF_W | 0xe0, 0), RET }, 2,
	  "filter instruction 0: opcode 0x00e0 not allowed" },
	{ "ST with size bits",
	  { S(BPF_ST | BPF_H, 0), RET }, 2,
	  "filter instruction 0: opcode 0x000a not allowed" },
	{ "ALU with an unknown operation",
	  { S(BPF_ALU | 0xb0 | BPF_K, 1), RET }, 2,
	  "filter instruction 0: opcode 0x00b4 not allowed" },
	{ "NEG with the X bit",
	  { S(BPF_ALU | BPF_NEG | BPF_X, 0), RET }, 2,
	  "filter instruction 0: opcode 0x008c not allowed" },
	{ "JA with the X bit",
	  { S(BPF_JMP | BPF_JA | BPF_X, 0), RET }, 2,
	  "filter instruction 0: opcode 0x000d not allowed" },
	{ "MISC other than TAX/TXA",
	  { S(BPF_MISC | 0x40, 0), RET }, 2,
	  "filter instruction 0: opcode 0x0047 not allowed" },
	{ "eBPF call in the high byte",
	  { RET, S(0x0185, 0) }, 2,
	  "filter instruction 1: opcode 0x0185 not allowed" },
	{ "conditional jump past the end",
	  { J(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), RET }, 2,
	  "filter instruction 0: opcode 0x0015: jump to 6, past the last instruction 1" },
	{ "false branch past the end",
	  { J(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), RET }, 2,
	  "filter instruction 0: opcode 0x002d: jump to 2" },
	{ "JA to exactly the length",
	  { S(BPF_JMP | BPF_JA, 2), RET, RET }, 3,
	  "filter instruction 0: opcode 0x0005: jump to 3, past the last instruction 2" },
	{ "JA backwards (offsets are unsigned)",
	  { RET, S(BPF_JMP | BPF_JA, 0xfffffffe), RET }, 3,
	  "filter instruction 1: opcode 0x0005: backward jump by -2" },
	{ "JA to itself",
	  { S(BPF_JMP | BPF_JA, 0xffffffff), RET }, 2,
	  "backward jump by -1" },
	{ "no final RET",
	  { S(BPF_LD | BPF_IMM, 1) }, 1,
	  "filter instruction 0: opcode 0x0000: the last instruction is not a return" },
	{ "final instruction a jump",
	  { RET, J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0) }, 2,
	  "filter instruction 1: opcode 0x0015: jump to 2" },
	{ "LD M[16]",
	  { S(BPF_LD | BPF_MEM, 16), RET }, 2,
	  "filter instruction 0: opcode 0x0060: scratch memory index 16 out of range (0..15)" },
	{ "LDX M[16]",
	  { S(BPF_LDX | BPF_MEM, 16), RET }, 2,
	  "filter instruction 0: opcode 0x0061: scratch memory index 16" },
	{ "ST M[16]",
	  { S(BPF_ST, 16), RET }, 2,
	  "filter instruction 0: opcode 0x0002: scratch memory index 16" },
	{ "STX M[0xffffffff]",
	  { S(BPF_STX, 0xffffffff), RET }, 2,
	  "filter instruction 0: opcode 0x0003: scratch memory index 4294967295" },
	{ "DIV by constant 0",
	  { S(BPF_LD | BPF_IMM, 7), S(BPF_ALU | BPF_DIV | BPF_K, 0), RET }, 3,
	  "filter instruction 1: opcode 0x0034: division by constant 0" },
	{ "MOD by constant 0",
	  { S(BPF_ALU | BPF_MOD | BPF_K, 0), RET }, 2,
	  "filter instruction 0: opcode 0x0094: division by constant 0" },
	{ "LSH by 32",
	  { S(BPF_ALU | BPF_LSH | BPF_K, 32), RET }, 2,
	  "filter instruction 0: opcode 0x0064: shift by 32 (at most 31)" },
	{ "RSH by 0xffffffff",
	  { S(BPF_ALU | BPF_RSH | BPF_K, 0xffffffff), RET }, 2,
	  "filter instruction 0: opcode 0x0074: shift by 4294967295" },
	{ "ancillary load (SKF_AD_OFF + SKF_AD_PROTOCOL)",
	  { S(BPF_LD | BPF_H | BPF_ABS, 0xfffff000), RET }, 2,
	  "filter instruction 0: opcode 0x0028: load from the Linux special offset 0xfffff000" },
	{ "link-layer special offset (SKF_LL_OFF)",
	  { S(BPF_LD | BPF_B | BPF_ABS, 0xffe00000), RET }, 2,
	  "opcode 0x0030: load from the Linux special offset 0xffe00000" },
	{ "scratch word read, never written",
	  { S(BPF_LD | BPF_MEM, 3), RET }, 2,
	  "filter instruction 0: opcode 0x0060: reads scratch memory word 3 before it is written" },
	{ "scratch word written on one path only",
	  { J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), S(BPF_ST, 2),
	    S(BPF_LDX | BPF_MEM, 2), RET }, 4,
	  "filter instruction 2: opcode 0x0061: reads scratch memory word 2 before it is written" },
	{ "unreachable read after a return (the kernel refuses it too)",
	  { RET, S(BPF_LD | BPF_MEM, 0), RET }, 3,
	  "filter instruction 1: opcode 0x0060: reads scratch memory word 0" },
};

static void test_bad(void **state)
{
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (!lana_bpf_check(bad[i].f, bad[i].n, err, sizeof(err)))
			fail_msg("accepted: %s", bad[i].what);
		if (!strstr(err, bad[i].want))
			fail_msg("%s: error '%s' lacks '%s'", bad[i].what, err,
				 bad[i].want);
	}
}

/* Programs the kernel's rules accept although they look unusual. */
static void test_good_edges(void **state)
{
	static const struct lana_bpf_insn written_on_both[] = {
		J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
		S(BPF_ST, 5), S(BPF_JMP | BPF_JA, 1),
		S(BPF_STX, 5),
		S(BPF_LDX | BPF_MEM, 5), S(BPF_RET | BPF_A, 0),
	};
	static const struct lana_bpf_insn jump_to_last[] = {
		J(BPF_JMP | BPF_JSET | BPF_X, 0, 1, 1), RET, RET,
	};
	char err[256];

	(void)state;
	if (lana_bpf_check(written_on_both, 6, err, sizeof(err)))
		fail_msg("written on both paths: %s", err);
	if (lana_bpf_check(jump_to_last, 3, err, sizeof(err)))
		fail_msg("jump to the last instruction: %s", err);
}

static void test_length(void **state)
{
	struct lana_bpf_insn *f;
	char err[256] = "";
	uint32_t i;

	(void)state;
	f = calloc(LANA_BPF_MAXINSNS + 1, sizeof(*f));
	assert_non_null(f);
	for (i = 0; i <= LANA_BPF_MAXINSNS; i++)
		f[i] = (struct lana_bpf_insn)RET;
	assert_int_equal(lana_bpf_check(f, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "filter has 0 instructions (1..4096)");
	assert_int_equal(lana_bpf_check(f, LANA_BPF_MAXINSNS + 1, err,
					 sizeof(err)), -EINVAL);
	assert_string_equal(err, "filter has 4097 instructions (1..4096)");
	assert_int_equal(lana_bpf_check(NULL, 1, err, sizeof(err)), -EINVAL);
	assert_int_equal(lana_bpf_check(f, 1, err, sizeof(err)), 0);
	/* the longest: 4095 forward jumps over each other, then a RET */
	for (i = 0; i + 1 < LANA_BPF_MAXINSNS; i++)
		f[i] = (struct lana_bpf_insn)S(BPF_JMP | BPF_JA,
					       LANA_BPF_MAXINSNS - 2 - i);
	assert_int_equal(lana_bpf_check(f, LANA_BPF_MAXINSNS, err, sizeof(err)), 0);
	/* NULL or short message buffers are fine */
	assert_int_equal(lana_bpf_check(f, 0, NULL, 0), -EINVAL);
	assert_int_equal(lana_bpf_check(bad[0].f, bad[0].n, err, 5), -EINVAL);
	assert_string_equal(err, "filt");
	free(f);
}

/* A minimal Ethernet + IPv4 + UDP frame. */
static unsigned int frame(uint8_t *f)
{
	memset(f, 0, 64);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[12] = 0x08;			/* IPv4 */
	f[14] = 0x45;
	f[16] = 0;
	f[17] = 46;			/* total length */
	f[22] = 64;
	f[23] = 17;			/* UDP */
	f[34] = 0x12;
	f[36] = 0;
	f[37] = 53;
	return 64;
}

/* Run @f with libpcap's interpreter (aborts on an unknown opcode). */
static unsigned int run(const struct lana_bpf_insn *f, uint32_t n)
{
	struct bpf_insn p[8];
	uint8_t fr[64];
	unsigned int len = frame(fr), i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		p[i].code = f[i].code;
		p[i].jt = f[i].jt;
		p[i].jf = f[i].jf;
		p[i].k = f[i].k;
	}
	assert_true(bpf_validate(p, (int)n));
	return bpf_filter(p, fr, len, len);
}

/*
 * Every opcode: the allowed ones (exactly 49) pass in a small program and
 * run in libpcap; every other one is refused, naming it.
 */
static void test_every_opcode(void **state)
{
	char err[256], want[64];
	unsigned int allowed = 0, c;

	(void)state;
	for (c = 0; c <= 0xffff; c++) {
		/* M[0] written first, so that LD/LDX M[0] may read it */
		struct lana_bpf_insn f[3] = {
			S(BPF_ST, 0), S(c, 0), RET,
		};

		switch (c) {
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K:
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			f[1].k = 1;
			break;
		}
		if (lana_bpf_code_allowed((uint16_t)c)) {
			allowed++;
			if (lana_bpf_check(f, 3, err, sizeof(err)))
				fail_msg("opcode 0x%04x: %s", c, err);
			run(f, 3);
			continue;
		}
		err[0] = '\0';
		assert_int_equal(lana_bpf_check(f, 3, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want),
			 "filter instruction 1: opcode 0x%04x not allowed", c);
		if (strcmp(err, want))
			fail_msg("opcode 0x%04x: '%s'", c, err);
	}
	assert_int_equal(allowed, 49);
}

/*
 * Real programs: what pcap_compile() makes of these expressions for
 * Ethernet (as the compiler does: DLT_EN10MB, snaplen 65535), optimised
 * and not, is accepted and runs; together they use most opcodes.
 */
static const char *const exprs[] = {
	"ip",
	"tcp port 80",
	"udp and (port 53 or portrange 5000-5010)",
	"vlan 100 and ip",
	"mpls and ip",
	"ether host 00:11:22:33:44:55 or ether broadcast",
	"net 10.0.0.0/8 and not host 10.1.2.3",
	"ip6 and tcp port 22",
	"tcp[tcpflags] & tcp-syn != 0",
	"icmp6 or arp or rarp",
	"ip[2:2] > 100 and ip[6:2] & 0x1fff = 0",
	"len > 100 and len <= 1500",
	"ip[0] & 0xf > 5",
	"ip[2:2] * 2 - 1 > ip[3] + ip[4] / 2",
	"ip[8] % 7 = 2 or ip[9] ^ 1 = 16",
	"ip[0] << 1 = 2 or ip[0] >> 1 = 2 or ip[1] | 1 = 3",
	"ip[ip[0] & 0xf] = 1",
	"tcp[tcp[12] >> 4] = 0 and ip[2:2] - ((ip[0] & 0xf) << 2) > 40",
	"-ip[1] = 0xffffff00",
	"ip[1] > ip[2] or ip[3] = ip[4] or ip[5] >= ip[6] or ip[7] & ip[8] != 0",
	"udp[8:4] = 0x01020304 and udp[12:2] = 7",
	"(tcp or udp) and (dst port 22 or src port 443)",
	"ip multicast or ip6 multicast",
};

static void test_real_programs(void **state)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	unsigned int seen[256] = { 0 }, distinct = 0;
	char err[256];
	size_t i;
	int opt;
	uint32_t k;

	(void)state;
	assert_non_null(pd);
	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		for (opt = 0; opt <= 1; opt++) {
			struct bpf_program prog;
			struct lana_bpf_insn *f;
			uint8_t fr[64];
			unsigned int len = frame(fr);

			if (pcap_compile(pd, &prog, exprs[i], opt,
					 PCAP_NETMASK_UNKNOWN) < 0)
				fail_msg("pcap_compile '%s': %s", exprs[i],
					 pcap_geterr(pd));
			f = calloc(prog.bf_len, sizeof(*f));
			assert_non_null(f);
			for (k = 0; k < prog.bf_len; k++) {
				f[k].code = prog.bf_insns[k].code;
				f[k].jt = prog.bf_insns[k].jt;
				f[k].jf = prog.bf_insns[k].jf;
				f[k].k = prog.bf_insns[k].k;
				if (f[k].code < 256 && !seen[f[k].code]++)
					distinct++;
			}
			if (lana_bpf_check(f, prog.bf_len, err, sizeof(err)))
				fail_msg("'%s' (optimise %d): %s", exprs[i],
					 opt, err);
			assert_true(bpf_validate(prog.bf_insns,
						 (int)prog.bf_len));
			bpf_filter(prog.bf_insns, fr, len, len);
			free(f);
			pcap_freecode(&prog);
		}
	}
	pcap_close(pd);
	/* the expressions exercise loads, stores, ALU, jumps, returns */
	assert_true(distinct >= 30);
	assert_true(seen[BPF_ST] && seen[BPF_LD | BPF_MEM] &&
		    seen[BPF_ALU | BPF_MOD | BPF_X] + seen[BPF_ALU | BPF_MOD | BPF_K] &&
		    seen[BPF_LDX | BPF_MSH | BPF_B] && seen[BPF_MISC | BPF_TAX] &&
		    seen[BPF_LD | BPF_W | BPF_LEN] && seen[BPF_RET | BPF_K]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_good_edges),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_every_opcode),
		cmocka_unit_test(test_real_programs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
