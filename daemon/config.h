/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/config.h - lanad --config FILE.lana: the graph applied at start
 * and again, as a diff, on SIGHUP (lanad(8), CONFIGURATION).
 */
#ifndef LANAD_CONFIG_H
#define LANAD_CONFIG_H

#include "runtime/engine.h"

struct lanad_config;

/**
 * lanad_config_new() - the configuration file @path (compiled for the
 * userspace engine, imports searched as lanarun does: lang/compile.h),
 * applied to engine @e. @log receives messages with a syslog priority;
 * compiler diagnostics arrive one per line, GCC style (file:line:col).
 * Never returns NULL (aborts on out-of-memory, like xmalloc).
 */
struct lanad_config *lanad_config_new(const char *path, struct lana_engine *e,
				      void (*log)(int level, const char *msg));

/**
 * lanad_config_apply_now() - compile the file and apply it at once, in
 * the calling thread (at start, before any client is served). Returns 0,
 * or -1 when the file has errors or the engine refused it (logged at
 * ERR; the running graph is untouched).
 */
int lanad_config_apply_now(struct lanad_config *c);

/**
 * lanad_config_reload() - SIGHUP: start compiling the file again in a
 * thread of its own (reading and compiling a large file must not hold up
 * the control thread); a SIGHUP while one compiles runs one more
 * compilation after it (the file may have changed again).
 */
void lanad_config_reload(struct lanad_config *c);

/**
 * lanad_config_fd() - a descriptor that becomes readable when a reload's
 * compilation is done: the control thread then calls
 * lanad_config_finish().
 */
int lanad_config_fd(const struct lanad_config *c);

/**
 * lanad_config_finish() - in the control thread, after lanad_config_fd()
 * polled readable: apply the compiled graph as a diff against the
 * running one (blocks that did not change keep their instance, state and
 * counters; lana_plan_diff()), logging "reloaded FILE: 1 new, 1 rebound"
 * at NOTICE. A file with errors, or an edit the engine refuses, is
 * logged at ERR and the running graph stays as it was. Returns 1 when a
 * reload finished (0: nothing was ready; a further compilation may have
 * been started), and sets *@ok to whether it applied.
 */
int lanad_config_finish(struct lanad_config *c, bool *ok);

/** lanad_config_busy() - whether a reload is compiling or pending. */
bool lanad_config_busy(const struct lanad_config *c);

/** lanad_config_free() - wait for a compilation in flight, free @c. */
void lanad_config_free(struct lanad_config *c);

#endif /* LANAD_CONFIG_H */
