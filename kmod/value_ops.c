// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/value_ops.c - comparing and reading typed values (lang/value_ops.c),
 * compiled unchanged so both engines compare parameters the same way.
 */
#include "lana_compat.h"
#include "../lang/value_ops.c"
