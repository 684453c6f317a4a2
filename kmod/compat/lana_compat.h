/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/compat/lana_compat.h - the few C library names the shared plan code
 * (plan/codec.c, plan_check.c, apply.c, diff.c) uses, mapped onto the
 * kernel, so that lana.ko decodes, validates, diffs and applies plans with
 * exactly the code the compiler and the userspace engine run.
 *
 * kmod/compat/ is on the include path of lana.ko's objects only: its
 * <stdio.h>, <stdlib.h>, <string.h>, ... all include this file. Memory:
 * malloc and friends are kvmalloc-backed with a size header (for realloc);
 * xmalloc's "never NULL" is __GFP_NOFAIL, which kvmalloc implements with
 * its vmalloc fallback (mm/util.c, kvmalloc_node). Callers bound every
 * size by the plan length, which genl.c caps at LANA_K_PLAN_MAX.
 * Everything here runs in process context (genl doit, genl_mutex held).
 */
#ifndef LANA_COMPAT_H
#define LANA_COMPAT_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/sort.h>
#include <linux/stdarg.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

/* Allocation, with the C library's contracts (kmod/host.c). */
void *lana_c_malloc(size_t n);
void *lana_c_calloc(size_t nmemb, size_t size);
void *lana_c_realloc(void *p, size_t n);
void lana_c_free(void *p);

#define malloc(n)		lana_c_malloc(n)
#define calloc(m, n)		lana_c_calloc(m, n)
#define realloc(p, n)		lana_c_realloc(p, n)
#define free(p)			lana_c_free(p)
#define qsort(b, n, s, cmp)	sort(b, n, s, cmp, NULL)

#ifndef UINT8_MAX
#define UINT8_MAX		U8_MAX
#endif
#ifndef UINT16_MAX
#define UINT16_MAX		U16_MAX
#endif
#ifndef UINT32_MAX
#define UINT32_MAX		U32_MAX
#endif
#ifndef INT64_MAX
#define INT64_MAX		S64_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX		U64_MAX
#endif
#ifndef SIZE_MAX
#define SIZE_MAX		((size_t)-1)
#endif

#endif /* LANA_COMPAT_H */
