// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/plan_diff.c - lana_plan_diff() (lang/diff.c): a full plan sent to the
 * kernel engine replaces the running graph by diffing against it, so the
 * blocks both have keep their instance and state, as in lanad.
 * The shared source is compiled unchanged; kmod/compat/ maps its C library
 * names onto the kernel (see compat/lana_compat.h), and kmod/lang_util.c
 * provides lang/util.h and the value helpers.
 */
#include "lana_compat.h"
#include "../lang/diff.c"
