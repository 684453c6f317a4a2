// SPDX-License-Identifier: GPL-2.0
/*
 * cli/run.c - `lanarun run`: compile a graph, load it into a private
 * engine, run until the sources end or a signal, print the counters.
 */
#include "run.h"

#include "runtime/engine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct print_ctx {
	bool json;
	bool first;
	struct lana_buf b;
};

static int print_block(const struct lana_block_stats *s, void *arg)
{
	struct print_ctx *pc = arg;
	unsigned int i;

	if (s->idp == LANA_ENGINE_STATS_IDP)
		return 0;	/* the engine's record: its drops go to stderr */
	if (pc->json) {
		lana_buf_puts(&pc->b, pc->first ? "" : ",");
		lana_buf_printf(&pc->b, "{\"idp\":%u,\"name\":", s->idp);
		lana_buf_put_json_str(&pc->b, s->name);
		lana_buf_puts(&pc->b, ",\"type\":");
		lana_buf_put_json_str(&pc->b, s->type);
		lana_buf_printf(&pc->b,
				",\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu,\"stats\":{",
				(unsigned long long)s->packets,
				(unsigned long long)s->bytes,
				(unsigned long long)s->drops);
		for (i = 0; i < s->nstat; i++) {
			lana_buf_puts(&pc->b, i ? "," : "");
			lana_buf_put_json_str(&pc->b, s->stat[i].name);
			lana_buf_printf(&pc->b, ":%llu",
					(unsigned long long)s->stat[i].value);
		}
		lana_buf_puts(&pc->b, "}}");
	} else {
		if (pc->first)
			lana_buf_printf(&pc->b, "%5s  %-24s %-9s %12s %14s %10s  %s\n",
					"IDP", "NAME", "TYPE", "PACKETS", "BYTES",
					"DROPS", "STATS");
		lana_buf_printf(&pc->b, "%5u  %-24s %-9s %12llu %14llu %10llu ",
				s->idp, s->name, s->type,
				(unsigned long long)s->packets,
				(unsigned long long)s->bytes,
				(unsigned long long)s->drops);
		for (i = 0; i < s->nstat; i++)
			lana_buf_printf(&pc->b, " %s=%llu", s->stat[i].name,
					(unsigned long long)s->stat[i].value);
		lana_buf_putc(&pc->b, '\n');
	}
	pc->first = false;
	return 0;
}

int lana_run(const char *path, const struct lana_compile_opts *o,
	     unsigned int workers, bool json, bool color, bool werror)
{
	struct lana_engine_opts eo = { 0 };
	struct lana_sources s = { 0 };
	struct print_ctx pc = { json, true, { 0 } };
	struct lana_engine *e;
	struct lana_plan plan;
	struct sigaction sa;
	char err[1024];
	int r, rc = 0;

	lana_sources_init(&s);
	s.werror = werror;
	r = lana_compile(&s, path, o, &plan);
	if (s.errors || s.warnings)
		lana_diags_print(&s, stderr, color);
	lana_sources_free(&s);
	if (r)
		return r < 0 ? 2 : 1;

	eo.workers = workers ? workers : 1;
	eo.offline = true;	/* lossless: blocks wait rather than drop */
	e = lana_engine_new(&eo);
	if (!e) {
		fprintf(stderr, "lanarun: cannot create the engine: %s\n",
			strerror(errno));
		lana_plan_free(&plan);
		return 1;
	}
	r = lana_engine_apply(e, &plan, err, sizeof(err));
	lana_plan_free(&plan);
	if (r) {
		fprintf(stderr, "lanarun: cannot load %s: %s\n", path, err);
		lana_engine_free(e);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = lana_engine_start(e);
	if (r) {
		fprintf(stderr, "lanarun: cannot start the engine: %s\n",
			strerror(-r));
		lana_engine_free(e);
		return 1;
	}
	while (!stop_requested && !lana_engine_idle(e)) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	lana_engine_stop(e);
	if (json)
		lana_buf_putc(&pc.b, '[');
	lana_engine_stats(e, NULL, print_block, &pc);
	if (json)
		lana_buf_puts(&pc.b, "]\n");
	fputs(pc.b.data ? pc.b.data : "", stdout);
	lana_buf_free(&pc.b);
	{
		struct lana_engine_counters ec;

		lana_engine_counters(e, &ec);
		if (ec.loop_drops || ec.unbound_drops || ec.nomem_drops)
			fprintf(stderr,
				"lanarun: engine drops: %llu by the loop guard, %llu at unbound ports, %llu for lack of memory\n",
				(unsigned long long)ec.loop_drops,
				(unsigned long long)ec.unbound_drops,
				(unsigned long long)ec.nomem_drops);
	}
	lana_engine_free(e);
	return rc;
}
