// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/fb_fwd.c - the fwd block type in lana.ko: blocks/fwd.c compiled
 * unchanged against the kernel block API (kmod/block_api.c,
 * kmod/lana_pkt.h). fb_*.c after the thesis's file names (ch. 5.4).
 */
#include "../blocks/fwd.c"
