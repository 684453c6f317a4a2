// SPDX-License-Identifier: GPL-2.0
/*
 * bench/ppe/ppe.c - packet rate of the userspace engine's PPE
 * (runtime/ppe.c) through gen -> K x fwd -> drop on one worker.
 *
 *	ppe [-n packets] [-w workers] [K ...]
 *
 * For every chain length K (default 1 2 5 10 20 50) the graph
 * gen(count = packets, size = 64B) -> f0 :: fwd() -> ... -> f<K-1> -> drop
 * is applied to a fresh engine, the workers are started and the time until
 * the engine is idle (gen's count reached, no packet in flight) is taken.
 * Prints Mpps and ns per packet per K, then the least-squares line
 * ns/packet = a + b * K: b is the cost of one more block per packet.
 * Prints figures only; no pass/fail.
 */
#include "runtime/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void plan_new(struct lana_plan *p, uint32_t idp, const char *type,
		     const char *name)
{
	struct lana_insn in = {
		.op = LANA_OP_NEW, .idp = idp,
		.type = lana_arena_strdup(&p->arena, type),
		.name = lana_arena_strdup(&p->arena, name),
	};

	VEC_PUSH(&p->insns, in);
}

static void plan_bind(struct lana_plan *p, uint32_t src, uint32_t dst)
{
	struct lana_insn in = { .op = LANA_OP_BIND, .idp = src, .dst = dst };

	VEC_PUSH(&p->insns, in);
}

/* gen (idp 1) -> fwd (idp 2 .. k+1) -> drop (idp k+2) */
static void chain(struct lana_plan *p, unsigned int k, uint64_t n)
{
	struct lana_pattr *a;
	char name[32];
	unsigned int i;

	lana_plan_init(p);
	plan_new(p, 1, "gen", "g");
	a = lana_arena_alloc(&p->arena, 2 * sizeof(*a));
	memset(a, 0, 2 * sizeof(*a));
	a[0].key = "count";
	a[0].val.type = LANA_PT_U64;
	a[0].val.u = n;
	a[1].key = "size";
	a[1].val.type = LANA_PT_SIZE;
	a[1].val.u = 64;
	p->insns.v[0].params = a;
	p->insns.v[0].nparams = 2;
	for (i = 0; i < k; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		plan_new(p, i + 2, "fwd", name);
	}
	plan_new(p, k + 2, "drop", "d");
	for (i = 0; i <= k; i++)
		plan_bind(p, i + 1, i + 2);
}

static int run(unsigned int k, uint64_t n, unsigned int workers,
	       double *secs)
{
	struct lana_engine_opts o = { .workers = workers };
	struct lana_engine *e = lana_engine_new(&o);
	struct lana_plan p;
	char err[512];
	double t0;
	int r;

	if (!e)
		return -errno;
	chain(&p, k, n);
	r = lana_engine_apply(e, &p, err, sizeof(err));
	if (r) {
		fprintf(stderr, "apply: %s\n", err);
		goto out;
	}
	t0 = now_s();
	r = lana_engine_start(e);
	if (r)
		goto out;
	while (!lana_engine_idle(e)) {
		struct timespec ts = { 0, 200000 };

		nanosleep(&ts, NULL);
	}
	*secs = now_s() - t0;
out:
	lana_engine_free(e);
	lana_plan_free(&p);
	return r;
}

int main(int argc, char **argv)
{
	static const unsigned int def_k[] = { 1, 2, 5, 10, 20, 50 };
	unsigned int ks[64], nk = 0, workers = 1, i;
	double x[64], y[64], sx = 0, sy = 0, sxx = 0, sxy = 0, a, b;
	uint64_t n = 20000000;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < (unsigned int)argc)
			n = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-w") && i + 1 < (unsigned int)argc)
			workers = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (nk < 64)
			ks[nk++] = (unsigned int)strtoul(argv[i], NULL, 0);
	}
	if (!nk)
		for (nk = 0; nk < sizeof(def_k) / sizeof(def_k[0]); nk++)
			ks[nk] = def_k[nk];
	printf("PPE: gen -> K x fwd -> drop, %llu packets of 64 B, %u worker(s)\n",
	       (unsigned long long)n, workers);
	printf("%6s %10s %10s %12s\n", "K", "seconds", "Mpps", "ns/packet");
	for (i = 0; i < nk; i++) {
		double s;

		if (run(ks[i], n, workers, &s)) {
			fprintf(stderr, "K=%u failed\n", ks[i]);
			return 1;
		}
		x[i] = ks[i];
		y[i] = s * 1e9 / (double)n;
		printf("%6u %10.3f %10.2f %12.2f\n", ks[i], s,
		       (double)n / s / 1e6, y[i]);
		fflush(stdout);
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		sxy += x[i] * y[i];
	}
	if (nk >= 2) {
		b = (nk * sxy - sx * sy) / (nk * sxx - sx * sx);
		a = (sy - b * sx) / nk;
		printf("fit: ns/packet = %.2f + %.3f * K  (%.3f ns per extra block per packet)\n",
		       a, b, b);
	}
	return 0;
}
