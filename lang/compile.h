/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lang/compile.h - from a .lana file to a plan: load and parse the file and
 * its imports, check it against the block catalogue, flatten compound
 * blocks, and emit the full plan (NEW per block, BIND per edge).
 */
#ifndef LANA_COMPILE_H
#define LANA_COMPILE_H

#include "plan/plan.h"
#include "source.h"

#include <stdbool.h>
#include <stdint.h>

/**
 * struct lana_compile_opts - compiler settings.
 * @incdirs:  import search path given with -I, in order
 * @nincdirs: entries in @incdirs
 * @engines:  LANA_ENGINE_* the plan must run on (0: any); a block type no
 *            target engine supports is an error
 * @defines:  "NAME=VALUE" strings (`lanarun -D`): each sets the top-level
 *            constant NAME to VALUE, read as a literal of the type where the
 *            constant is used (overriding the file's definition, or defining
 *            it when the file has none)
 * @ndefines: entries in @defines
 *
 * Imports are searched in the importing file's directory, then @incdirs,
 * then each directory of $LANA_PATH (colon-separated), then the installed
 * snippet directory ($(datadir)/lana).
 */
struct lana_compile_opts {
	const char *const *incdirs;
	uint32_t nincdirs;
	uint32_t engines;
	const char *const *defines;
	uint32_t ndefines;
};

/**
 * lana_compile() - compile @path into @plan.
 * @s:    source set; receives the files and every diagnostic
 * @path: the top-level .lana file ("-" for standard input)
 * @o:    options, or NULL for defaults
 * @plan: receives the full plan (initialised by this call) when the file
 *        has no errors; may be NULL to only check (lint)
 * Returns 0 when there are no errors (warnings allowed unless werror), 1
 * when errors were reported, -errno when @path itself cannot be read (also
 * reported as a diagnostic).
 */
int lana_compile(struct lana_sources *s, const char *path,
		 const struct lana_compile_opts *o, struct lana_plan *plan);

/** lana_default_datadir() - the installed snippet directory, e.g. /usr/local/share/lana. */
const char *lana_default_datadir(void);

#endif /* LANA_COMPILE_H */
