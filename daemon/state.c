// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/state.c - lanad's saved graph (daemon/state.h).
 *
 * The control thread only encodes the plan (memory work); a thread of its
 * own does the file I/O, one pending plan at a time (the newest wins), so
 * that a slow disk never holds up requests (lanad's rule: no I/O blocks
 * the control thread or a worker).
 */
#include "state.h"

#include "log.h"

#include "lib/util.h"
#include "plan/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* A saved plan larger than this is refused at restore. */
#define LANAD_STATE_MAX	(256u << 20)

struct lanad_state {
	char *dir;
	struct lana_engine *e;
	void (*log)(int level, const char *msg);
	uint64_t gen;			/* the generation last handed over */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct lana_buf pending;	/* under @lock; len 0: nothing */
	bool stop;			/* under @lock */
	int last_err;			/* writer thread only */
};

/* Write all @len bytes of @p to @fd. 0 or -errno. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replace @st->dir/running.plan by @len bytes at @data: write a temporary
 * file, fsync, rename, fsync the directory. 0 or -errno, @what naming
 * the step that failed.
 */
static int save(struct lanad_state *st, const char *data, size_t len,
		const char **what)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, r, dfd;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", st->dir, LANAD_STATE_FILE);
	snprintf(path, sizeof(path), "%s/%s", st->dir, LANAD_STATE_FILE);
	*what = "open";
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	*what = "write";
	r = write_all(fd, data, len);
	if (!r && fsync(fd) < 0) {
		*what = "fsync";
		r = -errno;
	}
	if (close(fd) < 0 && !r) {
		*what = "close";
		r = -errno;
	}
	if (!r && rename(tmp, path) < 0) {
		*what = "rename";
		r = -errno;
	}
	if (r) {
		unlink(tmp);
		return r;
	}
	dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0 && errno != EINVAL) {
			*what = "fsync of the directory";
			r = -errno;
		}
		close(dfd);
	}
	return r;
}

static void *writer(void *arg)
{
	struct lanad_state *st = arg;
	struct lana_buf b = { 0 };

	pthread_mutex_lock(&st->lock);
	for (;;) {
		const char *what;
		int r;

		while (!st->pending.len && !st->stop)
			pthread_cond_wait(&st->cond, &st->lock);
		if (!st->pending.len)
			break;		/* stopping, nothing left */
		b = st->pending;
		st->pending = (struct lana_buf){ 0 };
		pthread_mutex_unlock(&st->lock);
		r = save(st, b.data, b.len, &what);
		if (r && r != st->last_err)
			lanad_logf(st->log, LOG_ERR, "cannot save the graph in %s/%s: %s: %s (the running graph is not affected; the next change tries again)",
			     st->dir, LANAD_STATE_FILE, what, strerror(-r));
		else if (!r && st->last_err)
			lanad_logf(st->log, LOG_NOTICE, "graph saved in %s/%s again",
			     st->dir, LANAD_STATE_FILE);
		st->last_err = r;
		lana_buf_free(&b);
		pthread_mutex_lock(&st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

struct lanad_state *lanad_state_new(const char *dir, struct lana_engine *e,
				    void (*log)(int level, const char *msg))
{
	struct lanad_state *st;
	int r = lana_mkdir_p(dir, 0755);

	if (r) {
		errno = -r;
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->dir = xstrdup(dir);
	st->e = e;
	st->log = log;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	r = pthread_create(&st->thread, NULL, writer, st);
	if (r) {
		pthread_cond_destroy(&st->cond);
		pthread_mutex_destroy(&st->lock);
		free(st->dir);
		free(st);
		errno = r;
		return NULL;
	}
	return st;
}

/* Rename the saved plan out of the way after a failed restore. */
static void set_aside(struct lanad_state *st, const char *path)
{
	char failed[PATH_MAX];

	snprintf(failed, sizeof(failed), "%s/%s", st->dir,
		 LANAD_STATE_FAILED);
	if (rename(path, failed) < 0)
		lanad_logf(st->log, LOG_ERR, "cannot rename %s to %s: %s", path, failed,
		     strerror(errno));
	else
		lanad_logf(st->log, LOG_ERR, "kept as %s (apply it with 'lanarun apply %s' once the cause is fixed); starting with an empty graph",
		     failed, failed);
}

int lanad_state_restore(struct lanad_state *st)
{
	struct lana_engine_counters ec;
	char path[PATH_MAX], err[600];
	struct lana_plan p;
	char *data;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/%s", st->dir, LANAD_STATE_FILE);
	r = lana_read_input(path, LANAD_STATE_MAX, &data, &len, err,
			    sizeof(err));
	if (r == -ENOENT) {
		lanad_logf(st->log, LOG_INFO, "no saved graph in %s: starting empty",
		     path);
		return 0;
	}
	if (r) {
		lanad_logf(st->log, LOG_ERR, "cannot restore the graph: %s: %s", path,
		     err);
		set_aside(st, path);
		return r;
	}
	r = lana_plan_decode(data, len, &p, err, sizeof(err));
	free(data);
	if (!r) {
		r = lana_plan_validate(&p, err, sizeof(err));
		if (!r && (p.flags & LANA_PLAN_F_EDIT)) {
			r = -EINVAL;
			snprintf(err, sizeof(err), "an edit plan, not a graph");
		}
		if (!r)
			r = lana_engine_apply(st->e, &p, err, sizeof(err));
		lana_plan_free(&p);
	}
	if (r) {
		lanad_logf(st->log, LOG_ERR, "cannot restore the graph saved in %s: %s",
		     path, err[0] ? err : strerror(-r));
		set_aside(st, path);
		return r;
	}
	lana_engine_counters(st->e, &ec);
	st->gen = ec.generation;	/* the file already holds it */
	lanad_logf(st->log, LOG_NOTICE, "graph restored from %s (counters start at zero)",
	     path);
	return 1;
}

void lanad_state_poll(struct lanad_state *st)
{
	struct lana_engine_counters ec;
	struct lana_buf b = { .fallible = true };
	struct lana_plan p;
	char err[256];
	int r;

	lana_engine_counters(st->e, &ec);
	if (ec.generation == st->gen)
		return;
	r = lana_engine_plan(st->e, &p);
	if (!r) {
		r = lana_plan_encode(&p, &b, err, sizeof(err));
		lana_plan_free(&p);
	}
	if (r || lana_buf_err(&b)) {
		/* try again after the next round */
		lanad_logf(st->log, LOG_WARNING, "cannot encode the running plan to save it: %s",
		     strerror(r ? -r : ENOMEM));
		lana_buf_free(&b);
		return;
	}
	st->gen = ec.generation;
	pthread_mutex_lock(&st->lock);
	lana_buf_free(&st->pending);
	st->pending = b;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

void lanad_state_free(struct lanad_state *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->thread, NULL);
	lana_buf_free(&st->pending);
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
	free(st->dir);
	free(st);
}
