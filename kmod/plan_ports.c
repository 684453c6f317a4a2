// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/plan_ports.c - ports of the instances a plan describes
 * (lang/plan_ports.c), used by the shared diff and check code.
 * The shared source is compiled unchanged; kmod/compat/ maps its C library
 * names onto the kernel (see compat/lana_compat.h), and kmod/lang_util.c
 * provides lang/util.h and the value helpers.
 */
#include "lana_compat.h"
#include "../lang/plan_ports.c"
