// SPDX-License-Identifier: GPL-2.0
/*
 * bench/patch/patch.c - cost of live-patching a large running graph in the
 * userspace engine (transactions: engine/txn.c, runtime/txn_inc.c).
 *
 *	patch [-n blocks] [-r rounds] [-w workers]
 *
 * Writes two .lana graphs in the shape of bench/compile/gen_graph.c
 * `chain N` (g :: gen(count = 1000, rate = 1gbit) -> f0 .. f<N-1> :: fwd()
 * -> c :: counter() -> d :: drop()) and the same with f<N/2> a counter
 * (a one-block change: REPLACE), loads the first into a started engine,
 * then flips between the two @rounds times and prints:
 *   engine:      lana_engine_apply() of the precomputed one-block edit plan
 *                (check against the running tables, construct, copy and
 *                patch the table, publish);
 *   end to end:  lana_compile() of the changed file + lana_engine_plan() +
 *                lana_plan_diff() + lana_engine_apply(), and each part
 *                (lana_engine_plan() includes materialising the plan of the
 *                running version, stale after an incremental transaction);
 * and how many transactions took the incremental and the full path.
 * Figures only (min and median in ms); no pass/fail.
 */
#include "runtime/engine.h"
#include "runtime/engine_internal.h"
#include "lang/compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void write_chain(const char *path, unsigned long n, long change)
{
	FILE *f = fopen(path, "w");
	unsigned long i;

	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "g :: gen(count = 1000, rate = 1gbit);\ng -> f0 :: fwd();\n");
	for (i = 1; i < n; i++)
		fprintf(f, "f%lu -> f%lu :: %s();\n", i - 1, i,
			(long)i == change ? "counter" : "fwd");
	fprintf(f, "f%lu -> c :: counter() -> d :: drop();\n", n - 1);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void compile(const char *path, struct lana_plan *p)
{
	struct lana_sources s;
	struct lana_compile_opts o = { 0 };
	int r;

	lana_sources_init(&s);
	r = lana_compile(&s, path, &o, p);
	if (r) {
		lana_diags_print(&s, stderr, false);
		exit(1);
	}
	lana_sources_free(&s);
}

static void apply(struct lana_engine *e, const struct lana_plan *p)
{
	char err[512];

	if (lana_engine_apply(e, p, err, sizeof(err))) {
		fprintf(stderr, "apply: %s\n", err);
		exit(1);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, unsigned int n)
{
	qsort(t, n, sizeof(*t), cmp_d);
	printf("%-34s min %8.2f ms   median %8.2f ms   max %8.2f ms\n", what,
	       t[0], t[n / 2], t[n - 1]);
}

int main(int argc, char **argv)
{
	struct lana_engine_opts o = { .workers = 1 };
	unsigned long n = 100000;
	unsigned int rounds = 20, i;
	char dir[] = "/tmp/lana-patch-XXXXXX", pa[64], pb[64];
	struct lana_plan plan[2], t;
	struct lana_engine *e;
	double t0, t1, *te, *tx, *tc, *tp, *td, *ta;
	uint64_t fast, full;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-n") && a + 1 < argc)
			n = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "-r") && a + 1 < argc)
			rounds = (unsigned int)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "-w") && a + 1 < argc)
			o.workers = (unsigned int)strtoul(argv[++a], NULL, 0);
	}
	if (n < 2 || !rounds || !mkdtemp(dir)) {
		fprintf(stderr, "usage: patch [-n blocks>=2] [-r rounds] [-w workers]\n");
		return 2;
	}
	snprintf(pa, sizeof(pa), "%s/a.lana", dir);
	snprintf(pb, sizeof(pb), "%s/b.lana", dir);
	write_chain(pa, n, -1);
	write_chain(pb, n, (long)(n / 2));
	te = calloc(rounds, sizeof(*te));
	tx = calloc(rounds, sizeof(*tx));
	tc = calloc(rounds, sizeof(*tc));
	tp = calloc(rounds, sizeof(*tp));
	td = calloc(rounds, sizeof(*td));
	ta = calloc(rounds, sizeof(*ta));

	printf("patch: chain of %lu blocks (+3), one-block REPLACE, %u rounds, %u worker(s)\n",
	       n, rounds, o.workers);
	t0 = now_ms();
	compile(pa, &plan[0]);
	printf("%-34s %8.2f ms\n", "compile (full graph)", now_ms() - t0);
	compile(pb, &plan[1]);
	e = lana_engine_new(&o);
	t0 = now_ms();
	apply(e, &plan[0]);
	printf("%-34s %8.2f ms\n", "initial load (apply full plan)", now_ms() - t0);
	lana_engine_start(e);

	/* in the engine: precomputed edit plans */
	for (i = 0; i < rounds; i++) {
		struct lana_plan run, ed;
		char err[256];

		lana_engine_plan(e, &run);
		if (lana_plan_diff(&run, &plan[(i + 1) % 2], &ed, NULL, err,
				   sizeof(err))) {
			fprintf(stderr, "diff: %s\n", err);
			return 1;
		}
		t0 = now_ms();
		apply(e, &ed);
		te[i] = now_ms() - t0;
		lana_plan_free(&ed);
		lana_plan_free(&run);
	}
	report("engine: apply one-block edit", te, rounds);

	/* end to end: compile + running plan + diff + apply */
	for (i = 0; i < rounds; i++) {
		struct lana_plan run, ed;
		char err[256];

		t0 = t1 = now_ms();
		compile(i % 2 ? pa : pb, &t);
		tc[i] = now_ms() - t1;
		t1 = now_ms();
		lana_engine_plan(e, &run);
		tp[i] = now_ms() - t1;
		t1 = now_ms();
		if (lana_plan_diff(&run, &t, &ed, NULL, err, sizeof(err))) {
			fprintf(stderr, "diff: %s\n", err);
			return 1;
		}
		td[i] = now_ms() - t1;
		t1 = now_ms();
		apply(e, &ed);
		ta[i] = now_ms() - t1;
		tx[i] = now_ms() - t0;
		lana_plan_free(&ed);
		lana_plan_free(&run);
		lana_plan_free(&t);
	}
	report("end to end: compile+diff+apply", tx, rounds);
	report("  compile", tc, rounds);
	report("  running plan (lana_engine_plan)", tp, rounds);
	report("  diff", td, rounds);
	report("  apply", ta, rounds);
	lana_engine_txn_counts(e, &fast, &full);
	printf("transactions: %llu incremental, %llu full\n",
	       (unsigned long long)fast, (unsigned long long)full);

	lana_engine_free(e);
	lana_plan_free(&plan[0]);
	lana_plan_free(&plan[1]);
	unlink(pa);
	unlink(pb);
	rmdir(dir);
	free(te);
	free(tx);
	free(tc);
	free(tp);
	free(td);
	free(ta);
	return 0;
}
