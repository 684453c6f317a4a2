/* SPDX-License-Identifier: GPL-2.0 */
/* kmod/compat/stdlib.h - C library name for kernel builds: see lana_compat.h. */
#include "lana_compat.h"
