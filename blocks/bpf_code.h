/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blocks/bpf_code.h - a classic BPF program loaded for the packet path,
 * for the block types that filter (bpf, classify). Static functions: each
 * block file that includes it gets its own copy.
 */
#ifndef LANA_BLOCKS_BPF_CODE_H
#define LANA_BLOCKS_BPF_CODE_H

#include "lana_block.h"
#include "plan/bpf_check.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/filter.h>
#include <linux/slab.h>
#else
#include <errno.h>
#include <stdlib.h>
#include <pcap/bpf.h>
#endif

/*
 * One loaded filter program. The engine-specific part is confined to
 * struct bpf_code and the three helpers below (the seam between engines):
 * the userspace engine interprets the classic BPF program with libpcap's
 * bpf_filter() (pcap-filter(7), bpf_filter in libpcap's bpf_filter.c);
 * the kernel engine builds a struct bpf_prog with bpf_prog_create(), which
 * checks the program and JITs it, and runs it on the sk_buff.
 * struct lana_bpf_insn has the layout of struct bpf_insn / struct
 * sock_filter, so the plan's program is copied as is.
 */
struct bpf_code {
#ifdef __KERNEL__
	struct bpf_prog *fp;
#else
	unsigned int n;
	struct bpf_insn insns[];
#endif
};

#ifdef __KERNEL__
static inline struct bpf_code *bpf_code_new(struct lana_block *b,
				     const struct lana_bpf_insn *insns,
				     unsigned int n)
{
	struct sock_fprog_kern fprog = {
		.len = n,
		.filter = (struct sock_filter *)insns,
	};
	struct bpf_code *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int err;

	if (!c) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	err = bpf_prog_create(&c->fp, &fprog);
	if (err) {
		lana_block_error(b, "invalid BPF program (%d)", err);
		kfree(c);
		return NULL;
	}
	return c;
}

static inline void bpf_code_free(struct bpf_code *c)
{
	bpf_prog_destroy(c->fp);
	kfree(c);
}

/* kmod/lana_pkt.h provides lana_pkt_skb(): the sk_buff of a packet. */
static inline bool bpf_code_match(const struct bpf_code *c,
				  struct lana_pkt *p)
{
	return bpf_prog_run(c->fp, lana_pkt_skb(p)) != 0;
}
#else
static inline struct bpf_code *bpf_code_new(struct lana_block *b,
				     const struct lana_bpf_insn *insns,
				     unsigned int n)
{
	struct bpf_code *c;
	unsigned int i;

	c = malloc(sizeof(*c) + (size_t)n * sizeof(c->insns[0]));
	if (!c) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	c->n = n;
	for (i = 0; i < n; i++) {
		c->insns[i].code = insns[i].code;
		c->insns[i].jt = insns[i].jt;
		c->insns[i].jf = insns[i].jf;
		c->insns[i].k = insns[i].k;
	}
	/* bpf_filter() trusts its program: check jumps and returns first. */
	if (!bpf_validate(c->insns, (int)n)) {
		lana_block_error(b, "invalid BPF program");
		free(c);
		return NULL;
	}
	return c;
}

static inline void bpf_code_free(struct bpf_code *c)
{
	free(c);
}

static inline bool bpf_code_match(const struct bpf_code *c,
				  struct lana_pkt *p)
{
	return bpf_filter(c->insns, lana_pkt_data(p), lana_pkt_len(p),
			  lana_pkt_len(p)) != 0;
}
#endif

/*
 * The validator has refused plans with programs lana_bpf_check() refuses;
 * checked again here (defence in depth: blocks are also built from values
 * that did not come through a plan), since bpf_filter() aborts the process
 * on an opcode it does not implement, which its bpf_validate() lets pass.
 */
static inline struct bpf_code *bpf_load(struct lana_block *b,
					const struct lana_value *v)
{
	char msg[200];

	if (v->type != LANA_PT_FILTER || !v->filter.n || !v->filter.insns) {
		lana_block_error(b, "filter is required");
		return NULL;
	}
	if (lana_bpf_check(v->filter.insns, v->filter.n, msg, sizeof(msg))) {
		lana_block_error(b, "%s", msg);
		return NULL;
	}
	return bpf_code_new(b, v->filter.insns, v->filter.n);
}

#endif /* LANA_BLOCKS_BPF_CODE_H */
