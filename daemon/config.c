// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/config.c - lanad --config (daemon/config.h).
 *
 * A reload compiles in a short-lived thread, which then writes an
 * eventfd; the control thread, which alone talks to the engine, diffs
 * and applies the result. The compiler is only ever run by one thread at
 * a time.
 */

#include "config.h"

#include "log.h"

#include "lang/compile.h"
#include "lang/source.h"
#include "lib/util.h"
#include "plan/plan.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

struct lanad_config {
	char *path;
	struct lana_engine *e;
	void (*log)(int level, const char *msg);
	int efd;		/* eventfd: a compilation finished */
	pthread_t thread;
	bool running;		/* @thread exists (control thread only) */
	bool again;		/* SIGHUP while compiling */
	/* written by the thread before it signals @efd */
	int rc;			/* 0: @plan holds the graph */
	struct lana_plan plan;
};

/* Log the diagnostics of @s one line each (ERR when there are errors). */
static void log_diags(struct lanad_config *c, const struct lana_sources *s)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	lana_diags_print(s, f, false);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		c->log(s->errors ? LOG_ERR : LOG_WARNING, line);
	free(text);
}

/* Compile the file into @c->plan. 0, or -1 (logged). */
static int compile(struct lanad_config *c)
{
	struct lana_compile_opts co = { .engines = LANA_ENGINE_USER };
	struct lana_sources s;
	int r;

	memset(&s, 0, sizeof(s));
	lana_sources_init(&s);
	r = lana_compile(&s, c->path, &co, &c->plan);
	if (s.errors || s.warnings)
		log_diags(c, &s);
	lana_sources_free(&s);
	if (r) {
		lanad_logf(c->log, LOG_ERR, "%s: not applied (%s); the running graph stays as it is",
		      c->path, r < 0 ? "cannot read it" : "errors above");
		return -1;
	}
	return 0;
}

/* Apply the compiled @c->plan as a diff against the running graph. */
static int apply(struct lanad_config *c, const char *what)
{
	struct lana_diff_stats st;
	struct lana_plan old, edit;
	struct lana_buf sum = { 0 };
	char err[1024] = "";
	int r;

	r = lana_engine_plan(c->e, &old);
	if (r) {
		lanad_logf(c->log, LOG_ERR, "%s: cannot read the running graph: %s",
		      c->path, strerror(-r));
		return -1;
	}
	r = lana_plan_diff(&old, &c->plan, &edit, &st, err, sizeof(err));
	lana_plan_free(&old);
	if (r) {
		lanad_logf(c->log, LOG_ERR, "%s: diff: %s", c->path, err);
		return -1;
	}
	if (edit.insns.n)
		r = lana_engine_apply(c->e, &edit, err, sizeof(err));
	lana_plan_free(&edit);
	if (r) {
		lanad_logf(c->log, LOG_ERR, "%s: the engine refused the graph: %s; the running graph stays as it is",
		      c->path, err[0] ? err : strerror(-r));
		return -1;
	}
	lana_diff_summary(&st, &sum);
	lanad_logf(c->log, LOG_NOTICE, "%s %s: %s", what, c->path, sum.data);
	lana_buf_free(&sum);
	return 0;
}

struct lanad_config *lanad_config_new(const char *path, struct lana_engine *e,
				      void (*log)(int level, const char *msg))
{
	struct lanad_config *c = xcalloc(1, sizeof(*c));

	c->path = xstrdup(path);
	c->e = e;
	c->log = log;
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0)
		abort();	/* no descriptor at start: nothing works */
	lana_plan_init(&c->plan);
	return c;
}

int lanad_config_apply_now(struct lanad_config *c)
{
	int r = compile(c);

	if (!r)
		r = apply(c, "applied");
	lana_plan_free(&c->plan);
	lana_plan_init(&c->plan);
	return r;
}

static void *reload_thread(void *arg)
{
	struct lanad_config *c = arg;
	uint64_t one = 1;

	c->rc = compile(c);
	if (write(c->efd, &one, sizeof(one)) < 0)
		abort();	/* an eventfd write fails only on overflow */
	return NULL;
}

static void start(struct lanad_config *c)
{
	int r;

	lanad_logf(c->log, LOG_INFO, "re-reading %s", c->path);
	c->rc = -1;
	lana_plan_free(&c->plan);
	lana_plan_init(&c->plan);
	r = pthread_create(&c->thread, NULL, reload_thread, c);
	if (r) {
		lanad_logf(c->log, LOG_ERR, "%s: cannot start the reload: %s", c->path,
		      strerror(r));
		return;
	}
	c->running = true;
}

void lanad_config_reload(struct lanad_config *c)
{
	if (c->running) {
		c->again = true;
		return;
	}
	start(c);
}

int lanad_config_fd(const struct lanad_config *c)
{
	return c->efd;
}

bool lanad_config_busy(const struct lanad_config *c)
{
	return c->running || c->again;
}

int lanad_config_finish(struct lanad_config *c, bool *ok)
{
	uint64_t v;

	*ok = false;
	if (!c->running || read(c->efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	pthread_join(c->thread, NULL);
	c->running = false;
	if (!c->rc)
		*ok = !apply(c, "reloaded");
	lana_plan_free(&c->plan);
	lana_plan_init(&c->plan);
	if (c->again) {
		c->again = false;
		start(c);
	}
	return 1;
}

void lanad_config_free(struct lanad_config *c)
{
	if (!c)
		return;
	if (c->running)
		pthread_join(c->thread, NULL);
	lana_plan_free(&c->plan);
	close(c->efd);
	free(c->path);
	free(c);
}
