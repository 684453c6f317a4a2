/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli/run.h - `lanarun run`: a private userspace engine in the
 * foreground, like `click FILE`.
 */
#ifndef LANA_RUN_H
#define LANA_RUN_H

#include "lang/compile.h"

#include <stdbool.h>

/**
 * lana_run() - compile @path, run it on a private engine with @workers
 * worker threads until every source has ended (pcap_in played, gen count
 * reached) or SIGINT/SIGTERM arrives, then print the counters of every
 * block (a table, or JSON with @json) to stdout.
 * @o: compile options; @color: colour diagnostics
 * Returns the exit status: 0, 1 (the graph has errors or could not be
 * loaded: the message names the failing instruction), 2 (I/O error).
 */
int lana_run(const char *path, const struct lana_compile_opts *o,
	     unsigned int workers, bool json, bool color, bool werror);

#endif /* LANA_RUN_H */
