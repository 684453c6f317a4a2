/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan/bpf_check.h - the classic BPF programs LANA accepts: those both
 * interpreters run, libpcap's bpf_filter() (the userspace engine) and the
 * kernel's classic BPF loader, bpf_prog_create() (lana.ko).
 *
 * The plan validator (plan/check.c), the compiler (plan/value.c) and the
 * bpf block (blocks/bpf.c) all check with lana_bpf_check(). Included by
 * the kernel module too, so it uses only fixed-width types.
 */
#ifndef LANA_BPF_CHECK_H
#define LANA_BPF_CHECK_H

#include "blocks/lana_block.h"

#define LANA_BPF_MAXINSNS	4096	/* BPF_MAXINSNS of <linux/bpf_common.h> */
#define LANA_BPF_MEMWORDS	16	/* BPF_MEMWORDS of <linux/filter.h> */

/**
 * lana_bpf_code_allowed() - whether @code is a classic BPF opcode that
 * both libpcap's bpf_filter() and the kernel implement.
 * @code: the instruction's 16-bit opcode (struct sock_filter.code)
 *
 * The table is the kernel's (net/core/filter.c, chk_code_allowed(), its
 * codes[] array), which lists the same 49 opcodes as the switch of
 * libpcap's bpf_filter() (bpf_filter.c); every other value, including
 * an allowed opcode with any further bit set (0x8006), is refused.
 *
 * Return: true when @code is allowed.
 */
bool lana_bpf_code_allowed(uint16_t code);

/**
 * lana_bpf_check() - check a classic BPF program as the kernel's
 * bpf_check_classic() does, and refuse what libpcap would run differently.
 * @f:      the program
 * @n:      its length in instructions
 * @err:    receives why it is refused (may be NULL)
 * @errlen: bytes of @err
 *
 * Checked: 1 <= @n <= LANA_BPF_MAXINSNS; every opcode allowed
 * (lana_bpf_code_allowed()); scratch memory indices below
 * LANA_BPF_MEMWORDS; no division or modulo by a constant 0; constant
 * shifts below 32; every jump target inside the program (jumps go forward
 * only: an offset is unsigned); no absolute load from the Linux special
 * offsets (k >= SKF_LL_OFF as unsigned: the kernel reads ancillary data
 * or headers there, libpcap the packet); the last instruction a return;
 * no scratch memory word read before every path to it has written it.
 * Instructions are numbered from 0, as `tcpdump -d` prints them.
 *
 * Return: 0; -EINVAL with @err set, e.g. "filter instruction 3: opcode
 * 0x8006 not allowed"; -ENOMEM.
 */
int lana_bpf_check(const struct lana_bpf_insn *f, uint32_t n, char *err,
		   size_t errlen);

#endif /* LANA_BPF_CHECK_H */
