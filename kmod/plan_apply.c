// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/plan_apply.c - the reference semantics of an edit plan (lang/apply.c,
 * lana_plan_apply): the kernel engine computes the next full plan with the
 * same code as lanad, so both engines accept and refuse the same edits.
 * The shared source is compiled unchanged; kmod/compat/ maps its C library
 * names onto the kernel (see compat/lana_compat.h), and kmod/lang_util.c
 * provides lang/util.h and the value helpers.
 */
#include "lana_compat.h"
/* apply.c has its own max3() */
#undef max3
#include "../lang/apply.c"
