// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/fb_bpf.c - the bpf block type in lana.ko: the same source as the
 * userspace engine's (blocks/bpf.c), compiled against the kernel block API
 * (kmod/lana_pkt.h, kmod/block_api.c, kmod/dev.c). The fb_*.c naming
 * follows the thesis's functional block modules (ch. 5.4).
 */
#include "../blocks/bpf.c"
