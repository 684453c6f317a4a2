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
 * @max_blocks: the most blocks the graph may have after compound
 *            expansion (0: LANA_MAX_BLOCKS_DEFAULT; at most
 *            LANA_MAX_BLOCKS_LIMIT); the instance that would cross it is
 *            an error and expansion stops, before its blocks are made
 * @max_errors: errors recorded before the compilation stops (0: no
 *            limit); sets struct lana_sources' @max_errors
 * @host:     a fleet model's host whose plan to make (docs/fleet.md): its
 *            blocks and its ends of the tunnels that carry its cross-host
 *            edges; NULL: the file must not declare hosts (lint, which
 *            makes no plan, checks every host)
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
	uint32_t max_blocks;
	uint32_t max_errors;
	const char *host;
};

/*
 * The default cap on blocks after expansion, 2^20: just above the largest
 * graph the compile benchmark measures (bench/compile: 1,000,003 blocks,
 * 502 to 794 MiB peak RSS), so that the compiler needs at most about
 * 1 to 2 GiB (deeply nested compounds, with their long hierarchical names,
 * take about 1.8 KiB per block).
 */
#define LANA_MAX_BLOCKS_DEFAULT 1048576u
/* The highest cap: an engine version holds IDPs 1 .. 2^24 - 1
 * (LANA_MAX_IDP in engine/core.h). */
#define LANA_MAX_BLOCKS_LIMIT ((1u << 24) - 1)
/* Compound instances nest at most this deep (a top-level instance is 1). */
#define LANA_MAX_COMPOUND_DEPTH 64

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

/**
 * lana_model_hosts() - the names of the hosts file @path declares (a fleet
 * model, docs/fleet.md), in source order, for `--host all`.
 * @names: receives a NULL-terminated array of malloc'd names (free each
 *         and the array)
 * @n:     receives their number (0: not a fleet model)
 * Only parses @path (no imports, nothing checked: lana_compile() reports).
 * Return: 0, or -1 when @path cannot be read or parsed (*@n = 0).
 */
int lana_model_hosts(const char *path, char ***names, uint32_t *n);

/** lana_default_datadir() - the installed snippet directory, e.g. /usr/local/share/lana. */
const char *lana_default_datadir(void);

#endif /* LANA_COMPILE_H */
