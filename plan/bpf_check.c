// SPDX-License-Identifier: GPL-2.0
/*
 * plan/bpf_check.c - which classic BPF programs LANA runs (bpf_check.h).
 *
 * The userspace engine interprets filters with libpcap's bpf_filter(),
 * which aborts the process on an opcode its switch does not list, and
 * whose bpf_validate() (libpcap 1.10) checks only the class of an opcode:
 * 0x8006 passes it as a return and kills lanad at the first packet. The
 * kernel engine loads filters with bpf_prog_create(), whose checker
 * (net/core/filter.c: bpf_check_basics_ok(), bpf_check_classic(),
 * chk_code_allowed(), check_load_and_stores()) takes exact opcodes only.
 * The rules below are the kernel's, plus one for the load offsets where
 * the two interpreters differ, so that a plan either runs the same in both
 * engines or is refused by the validator, before any block is touched.
 */
#include "bpf_check.h"

#ifdef __KERNEL__
#include <uapi/linux/filter.h>	/* not <linux/filter.h>: kmod/compat's macros */
#else
#include <linux/filter.h>	/* BPF_* of <linux/bpf_common.h>, SKF_* */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

_Static_assert(LANA_BPF_MAXINSNS == BPF_MAXINSNS, "BPF_MAXINSNS");
_Static_assert(LANA_BPF_MEMWORDS == BPF_MEMWORDS, "BPF_MEMWORDS");

/*
 * The opcodes both interpreters implement. Source: the kernel's codes[] of
 * chk_code_allowed() (net/core/filter.c); libpcap's bpf_filter()
 * (bpf_filter.c) has a case for exactly these and no other. Ordered as
 * the kernel lists them. tests/unit/test_bpf_check.c runs each one through
 * the installed libpcap.
 */
static const bool allowed[256] = {
	/* 32-bit ALU operations */
	[BPF_ALU | BPF_ADD | BPF_K] = true,
	[BPF_ALU | BPF_ADD | BPF_X] = true,
	[BPF_ALU | BPF_SUB | BPF_K] = true,
	[BPF_ALU | BPF_SUB | BPF_X] = true,
	[BPF_ALU | BPF_MUL | BPF_K] = true,
	[BPF_ALU | BPF_MUL | BPF_X] = true,
	[BPF_ALU | BPF_DIV | BPF_K] = true,
	[BPF_ALU | BPF_DIV | BPF_X] = true,
	[BPF_ALU | BPF_MOD | BPF_K] = true,
	[BPF_ALU | BPF_MOD | BPF_X] = true,
	[BPF_ALU | BPF_AND | BPF_K] = true,
	[BPF_ALU | BPF_AND | BPF_X] = true,
	[BPF_ALU | BPF_OR | BPF_K] = true,
	[BPF_ALU | BPF_OR | BPF_X] = true,
	[BPF_ALU | BPF_XOR | BPF_K] = true,
	[BPF_ALU | BPF_XOR | BPF_X] = true,
	[BPF_ALU | BPF_LSH | BPF_K] = true,
	[BPF_ALU | BPF_LSH | BPF_X] = true,
	[BPF_ALU | BPF_RSH | BPF_K] = true,
	[BPF_ALU | BPF_RSH | BPF_X] = true,
	[BPF_ALU | BPF_NEG] = true,
	/* loads */
	[BPF_LD | BPF_W | BPF_ABS] = true,
	[BPF_LD | BPF_H | BPF_ABS] = true,
	[BPF_LD | BPF_B | BPF_ABS] = true,
	[BPF_LD | BPF_W | BPF_LEN] = true,
	[BPF_LD | BPF_W | BPF_IND] = true,
	[BPF_LD | BPF_H | BPF_IND] = true,
	[BPF_LD | BPF_B | BPF_IND] = true,
	[BPF_LD | BPF_IMM] = true,
	[BPF_LD | BPF_MEM] = true,
	[BPF_LDX | BPF_W | BPF_LEN] = true,
	[BPF_LDX | BPF_B | BPF_MSH] = true,
	[BPF_LDX | BPF_IMM] = true,
	[BPF_LDX | BPF_MEM] = true,
	/* stores */
	[BPF_ST] = true,
	[BPF_STX] = true,
	/* misc */
	[BPF_MISC | BPF_TAX] = true,
	[BPF_MISC | BPF_TXA] = true,
	/* returns */
	[BPF_RET | BPF_K] = true,
	[BPF_RET | BPF_A] = true,
	/* jumps */
	[BPF_JMP | BPF_JA] = true,
	[BPF_JMP | BPF_JEQ | BPF_K] = true,
	[BPF_JMP | BPF_JEQ | BPF_X] = true,
	[BPF_JMP | BPF_JGE | BPF_K] = true,
	[BPF_JMP | BPF_JGE | BPF_X] = true,
	[BPF_JMP | BPF_JGT | BPF_K] = true,
	[BPF_JMP | BPF_JGT | BPF_X] = true,
	[BPF_JMP | BPF_JSET | BPF_K] = true,
	[BPF_JMP | BPF_JSET | BPF_X] = true,
};

bool lana_bpf_code_allowed(uint16_t code)
{
	return code < sizeof(allowed) / sizeof(allowed[0]) && allowed[code];
}

/* -EINVAL with @err set to "filter instruction @i: " and @fmt. */
static int ferr(char *err, size_t errlen, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ferr(char *err, size_t errlen, uint32_t i, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "filter instruction %u: ", i);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Whether the jump at @i with offset @off lands inside the @n insns. */
static bool jump_ok(uint32_t i, uint32_t off, uint32_t n)
{
	return (uint64_t)i + 1 + off < n;
}

/* The checks of one instruction that need only the instruction itself. */
static int check_insn(const struct lana_bpf_insn *in, uint32_t i, uint32_t n,
		      char *err, size_t errlen)
{
	if (!lana_bpf_code_allowed(in->code))
		return ferr(err, errlen, i, "opcode 0x%04x not allowed",
			    in->code);
	switch (in->code) {
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		if (in->k >= BPF_MEMWORDS)
			return ferr(err, errlen, i,
				    "opcode 0x%04x: scratch memory index %u out of range (0..%u)",
				    in->code, in->k, BPF_MEMWORDS - 1);
		break;
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
		if (!in->k)
			return ferr(err, errlen, i,
				    "opcode 0x%04x: division by constant 0",
				    in->code);
		break;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		if (in->k >= 32)
			return ferr(err, errlen, i,
				    "opcode 0x%04x: shift by %u (at most 31)",
				    in->code, in->k);
		break;
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
		if (in->k >= (uint32_t)SKF_LL_OFF)
			return ferr(err, errlen, i,
				    "opcode 0x%04x: load from the Linux special offset 0x%x (SKF_*), which libpcap does not implement",
				    in->code, in->k);
		break;
	case BPF_JMP | BPF_JA:
		if ((int32_t)in->k < 0)
			return ferr(err, errlen, i,
				    "opcode 0x%04x: backward jump by %d (jumps go forward only)",
				    in->code, (int32_t)in->k);
		if (!jump_ok(i, in->k, n))
			return ferr(err, errlen, i,
				    "opcode 0x%04x: jump to %llu, past the last instruction %u",
				    in->code,
				    (unsigned long long)i + 1 + in->k, n - 1);
		break;
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		if (!jump_ok(i, in->jt, n) || !jump_ok(i, in->jf, n))
			return ferr(err, errlen, i,
				    "opcode 0x%04x: jump to %u, past the last instruction %u",
				    in->code,
				    i + 1 + (jump_ok(i, in->jt, n) ? in->jf : in->jt),
				    n - 1);
		break;
	}
	return 0;
}

/*
 * No LD/LDX M[k] before an ST/STX M[k] on every path to it, as the
 * kernel's check_load_and_stores(), exactly (so that lana.ko never refuses
 * what passed here): jumps go forward, so one pass in order suffices;
 * @valid[t] collects (AND) the words written on every jump to t, and a
 * jump ends the fall-through path. Like the kernel, a return does not: the
 * words known before it still count against the instruction after it.
 */
static int check_memory(const struct lana_bpf_insn *f, uint32_t n, char *err,
			size_t errlen)
{
	uint16_t *valid, cur = 0;
	uint32_t i;
	int r = 0;

	valid = malloc((size_t)n * sizeof(*valid));
	if (!valid) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		valid[i] = 0xffff;
	for (i = 0; i < n && !r; i++) {
		const struct lana_bpf_insn *in = &f[i];

		cur &= valid[i];
		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			cur |= (uint16_t)(1u << in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(cur & (1u << in->k)))
				r = ferr(err, errlen, i,
					 "opcode 0x%04x: reads scratch memory word %u before it is written",
					 in->code, in->k);
			break;
		case BPF_JMP | BPF_JA:
			valid[i + 1 + in->k] &= cur;
			cur = 0xffff;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_X:
			valid[i + 1 + in->jt] &= cur;
			valid[i + 1 + in->jf] &= cur;
			cur = 0xffff;
			break;
		}
	}
	free(valid);
	return r;
}

int lana_bpf_check(const struct lana_bpf_insn *f, uint32_t n, char *err,
		   size_t errlen)
{
	uint32_t i;
	int r;

	if (!n || n > BPF_MAXINSNS || !f) {
		if (err && errlen)
			snprintf(err, errlen,
				 "filter has %u instructions (1..%u)", n,
				 BPF_MAXINSNS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		r = check_insn(&f[i], i, n, err, errlen);
		if (r)
			return r;
	}
	if (f[n - 1].code != (BPF_RET | BPF_K) &&
	    f[n - 1].code != (BPF_RET | BPF_A))
		return ferr(err, errlen, n - 1,
			    "opcode 0x%04x: the last instruction is not a return",
			    f[n - 1].code);
	return check_memory(f, n, err, errlen);
}
