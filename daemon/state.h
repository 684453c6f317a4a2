/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/state.h - lanad's saved graph: the running plan kept in
 * DIR/running.plan (lanad --state-dir), written after every committed
 * transaction and restored at start (lanad(8), STATE).
 */
#ifndef LANAD_STATE_H
#define LANAD_STATE_H

#include "runtime/engine.h"

#include <stdint.h>

struct lanad_state;

/* The file under the state directory, and a restore failure's copy. */
#define LANAD_STATE_FILE	"running.plan"
#define LANAD_STATE_FAILED	"running.plan.failed"

/**
 * lanad_state_new() - keep engine @e's running plan under @dir (created,
 * mode 0755, if missing). Starts the thread that writes the file, so
 * that the control thread never waits for a disk. @log receives
 * messages with a syslog priority. Returns NULL with errno set (the
 * directory cannot be made, or no thread).
 */
struct lanad_state *lanad_state_new(const char *dir, struct lana_engine *e,
				    void (*log)(int level, const char *msg));

/**
 * lanad_state_restore() - apply @dir/running.plan, if there is one, to
 * the (empty) engine as one transaction. A file that cannot be read,
 * decoded, validated or applied (e.g. a device gone since) is logged at
 * ERR with the reason and renamed to running.plan.failed, and lanad
 * starts with an empty graph. Returns 1 restored, 0 nothing to restore,
 * -errno on failure (already logged).
 */
int lanad_state_restore(struct lanad_state *st);

/**
 * lanad_state_poll() - called by the control thread after every round of
 * requests: when the engine's generation moved since the last call (a
 * transaction, SET or FLUSH committed), encode the running plan and hand
 * it to the writer thread, which writes it to running.plan.tmp, fsyncs
 * it, renames it over running.plan and fsyncs the directory (the
 * atomic-replace pattern of rename(2)). A newer plan replaces one not
 * yet written. Write errors are logged once per kind of error, and the
 * next commit tries again.
 */
void lanad_state_poll(struct lanad_state *st);

/**
 * lanad_state_free() - write what is pending, stop the thread, free @st.
 * The file keeps the last running graph (the engine's teardown at exit
 * is not a transaction), which the next start restores.
 */
void lanad_state_free(struct lanad_state *st);

#endif /* LANAD_STATE_H */
