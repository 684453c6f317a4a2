// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/plan.c - the plan decoder and encoder of lana.ko: lang/plan_codec.c
 * (docs/plan-format.md), every field of a received plan bounds-checked
 * exactly as the compiler's and lanad's decoder checks it: magic, version,
 * length, CRC-32, section bounds, string references, instruction and
 * attribute lengths, value sizes, BEGIN/COMMIT framing.
 * The shared source is compiled unchanged; kmod/compat/ maps its C library
 * names onto the kernel (see compat/lana_compat.h), and kmod/lang_util.c
 * provides lang/util.h and the value helpers.
 */
#include "lana_compat.h"
#include "../lang/plan_codec.c"
