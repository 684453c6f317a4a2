// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/fb_tee.c - the tee block type in lana.ko: blocks/tee.c compiled
 * unchanged against the kernel block API (kmod/block_api.c,
 * kmod/lana_pkt.h). fb_*.c after the thesis's file names (ch. 5.4).
 */
#include "../blocks/tee.c"
