// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/plan_check.c - validation of a decoded plan against the block catalogue
 * (lang/plan_check.c): known types, parameter keys, types and ranges, IDPs,
 * port indices, single binding of an OUT port, frame types.
 * The shared source is compiled unchanged; kmod/compat/ maps its C library
 * names onto the kernel (see compat/lana_compat.h), and kmod/lang_util.c
 * provides lang/util.h and the value helpers.
 */
#include "lana_compat.h"
#include "../lang/plan_check.c"
