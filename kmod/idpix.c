// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/idpix.c - IDP -> index maps (lang/idpix.c), used by the shared plan
 * check and apply code. The shared source is compiled unchanged; kmod/compat/
 * maps its C library names onto the kernel (see compat/lana_compat.h), and
 * kmod/lang_util.c provides lang/util.h.
 */
#include "lana_compat.h"
#include "../lang/idpix.c"
