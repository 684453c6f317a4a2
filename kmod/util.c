// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/util.c - the arena, growable buffer and string map of lang/util.c,
 * compiled unchanged; kmod/compat/ maps its C library names onto the
 * kernel (see compat/lana_compat.h). Smaller arena chunks than userspace.
 */
#include "lana_compat.h"
#define ARENA_CHUNK (64 * 1024)
#include "../lang/util.c"
