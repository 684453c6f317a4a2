// SPDX-License-Identifier: GPL-2.0
/*
 * cli/lanarun.c - the LANA command-line tool: check, compile,
 * disassemble and diff .lana graphs and plans, drive a running engine
 * (see lanarun(8)). The command table below (commands[]) names every
 * command with its handler; main() reads the options and runs the command
 * the table finds. The engine commands are in cli/client.c.
 *
 * Exit status: 0 success, 1 findings (errors in the input, or warnings
 * with -Werror) or out of memory, 2 usage or I/O error.
 */
#include "lang/compile.h"
#include "fleet.h"
#include "plan/plan.h"
#include "lang/source.h"
#include "typedoc.h"
#include "blocks/catalogue.h"
#include "client.h"
#include "commands.h"
#include "proto/proto.h"
#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
/* `diff` exits as diff(1) does: 0 equal, 1 different, 2 trouble */
#define EXIT_DIFF_DIFFERENT 1
#define EXIT_DIFF_TROUBLE 2
/* --max-errors by default: a screenful (clang stops after 20, -ferror-limit) */
#define LANARUN_MAX_ERRORS 20

static const char *prog = "lanarun";

static struct {
	const char *socket;	/* --socket, else $LANA_SOCKET */
	int engine;		/* --engine: enum lana_client_engine */
	unsigned int workers;	/* run --workers */
	uint32_t max_blocks;	/* --max-blocks (0: the compiler's default) */
	uint32_t max_errors;	/* --max-errors (0: no limit) */
	const char *host;	/* --host NAME (fleet models) */
	const char *etcd;	/* --etcd URL[,URL...] */
	const char *model;	/* --model NAME */
	int64_t revision;	/* --revision N (-1: none) */
	unsigned int wait_s;	/* --wait SECONDS */
	bool dry_run;		/* apply --dry-run */
	bool json;		/* --format=json, --json */
	bool color;
	bool werror;
	bool stats;
	bool summary;		/* diff --summary */
	bool markdown;		/* types --markdown */
	bool help;		/* --help: after the options are read */
	const char *out;	/* -o */
	const char *emit;	/* compile --emit */
	VEC(const char *) incdirs;
	VEC(const char *) defines;
} g;

static void usage(FILE *f);

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	/* a bad option after --help: the help, as it was asked for first */
	if (g.help) {
		usage(stdout);
		exit(0);
	}
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lanarun --help'.\n");
	exit(EXIT_USAGE);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_maxrss;
}

static struct lana_compile_opts compile_opts(void)
{
	struct lana_compile_opts o = { 0 };

	o.incdirs = g.incdirs.v;
	o.nincdirs = g.incdirs.n;
	o.defines = g.defines.v;
	o.ndefines = g.defines.n;
	o.max_blocks = g.max_blocks;
	o.max_errors = g.max_errors;
	o.host = g.host;
	return o;
}

static struct lana_client_opts client_opts(void)
{
	struct lana_client_opts o = { 0 };

	o.socket = g.socket;
	o.engine = g.engine;
	o.json = g.json;
	o.dry_run = g.dry_run;
	o.color = g.color;
	o.werror = g.werror;
	o.incdirs = g.incdirs.v;
	o.nincdirs = g.incdirs.n;
	o.defines = g.defines.v;
	o.ndefines = g.defines.n;
	o.max_blocks = g.max_blocks;
	o.max_errors = g.max_errors;
	o.host = g.host;
	return o;
}

/*
 * Load @path as a plan (lana_client_load(): decode a .plan file, or compile
 * a .lana graph and print its diagnostics), adding the time it took to
 * *@t_load (ms) when not NULL. Returns 0, 1 (findings) or 2 (I/O).
 */
static int load_plan(const char *path, struct lana_plan *p, double *t_load)
{
	struct lana_client_opts co = client_opts();
	double t0 = now_ms();
	int rc = lana_client_load(&co, path, 0, p);

	if (t_load)
		*t_load += now_ms() - t0;
	return rc;
}

static int write_out(const char *path, const void *data, size_t len)
{
	int r = lana_write_file(path, data, len);

	if (r) {
		fprintf(stderr, "%s: cannot write '%s': %s\n", prog, path,
			strerror(-r));
		return EXIT_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------- commands */

static int cmd_lint(int argc, char **argv)
{
	struct lana_buf json = { 0 };
	int i, rc = 0;
	uint32_t errors = 0, warnings = 0;

	if (g.json)
		lana_buf_putc(&json, '[');
	for (i = 0; i < argc; i++) {
		struct lana_sources s = { 0 };
		struct lana_compile_opts o = compile_opts();
		int r;

		lana_sources_init(&s);
		s.werror = g.werror;
		r = lana_compile(&s, argv[i], &o, NULL);
		if (r < 0)
			rc = EXIT_USAGE;
		else if ((r || s.errors) && rc == 0)
			rc = EXIT_FINDINGS;
		errors += s.errors;
		warnings += s.warnings;
		if (g.json) {
			struct lana_buf b = { 0 };

			lana_diags_json(&s, &b);
			/* merge the per-file arrays into one */
			if (b.len > 2) {
				if (json.len > 1)
					lana_buf_putc(&json, ',');
				lana_buf_put(&json, b.data + 1, b.len - 2);
			}
			lana_buf_free(&b);
		} else {
			lana_diags_print(&s, stderr, g.color);
		}
		lana_sources_free(&s);
	}
	if (g.json) {
		lana_buf_putc(&json, ']');
		printf("%s\n", json.data);
		lana_buf_free(&json);
	}
	(void)warnings;
	(void)errors;
	return rc;
}

static const char *default_output(struct lana_arena *a, const char *in,
				  const char *ext)
{
	const char *base = strrchr(in, '/');
	const char *dot;

	base = base ? base + 1 : in;
	dot = strrchr(base, '.');
	if (!strcmp(in, "-"))
		return "-";
	if (dot && !strcmp(dot, ".lana"))
		return lana_arena_printf(a, "%.*s%s", (int)(dot - base), base,
					 ext);
	return lana_arena_printf(a, "%s%s", base, ext);
}

static int emit(struct lana_plan *p, const char *emit_kind, const char *out)
{
	struct lana_buf b = { 0 };
	char err[512];
	int rc = 0;

	if (!strcmp(emit_kind, "plan")) {
		if (lana_plan_encode(p, &b, err, sizeof(err))) {
			fprintf(stderr, "%s: error: %s\n", prog, err);
			rc = EXIT_FINDINGS;
		}
	} else if (!strcmp(emit_kind, "json")) {
		lana_plan_crc(p);
		lana_plan_json(p, &b);
		lana_buf_putc(&b, '\n');
	} else if (!strcmp(emit_kind, "disasm")) {
		lana_plan_crc(p);	/* the header shows the checksum */
		lana_plan_disasm(p, &b);
	} else if (!strcmp(emit_kind, "dot")) {
		lana_plan_dot(p, &b);
	} else {
		lana_buf_free(&b);
		die_usage("unknown --emit kind '%s' (plan, json, disasm, dot)",
			  emit_kind);
	}
	if (!rc)
		rc = write_out(out, b.data ? b.data : "", b.len);
	lana_buf_free(&b);
	return rc;
}

static int count_op(const struct lana_plan *p, unsigned int op)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < p->insns.n; i++)
		n += p->insns.v[i].op == op;
	return n;
}

/* --host all: the hosts of @path, or NULL (reported) if it has none. */
static char **all_hosts(const char *path, uint32_t *n)
{
	char **names;

	if (lana_model_hosts(path, &names, n) || !*n) {
		free(names);
		fprintf(stderr,
			"%s: error: --host all: '%s' is not a .lana model that declares hosts\n",
			prog, path);
		return NULL;
	}
	return names;
}

static void free_hosts(char **names)
{
	char **p;

	for (p = names; p && *p; p++)
		free(*p);
	free(names);
}

/* The end of a --host all command: its lines (JSON: closed array) out. */
static void put_all(struct lana_buf *b, int rc)
{
	if (g.json)
		lana_buf_puts(b, "]\n");
	if (!rc && b->data)
		fputs(b->data, stdout);
	lana_buf_free(b);
	g.host = "all";
}

static bool has_host(char **names, const char *h)
{
	for (; names && *names; names++)
		if (!strcmp(*names, h))
			return true;
	return false;
}

/*
 * `compile --host all MODEL`: one line per host ("h1: 7 blocks, 6
 * edges"), with -o DIR each plan written as DIR/NAME.plan.
 */
static int compile_all(const char *path)
{
	struct lana_buf b = { 0 };
	uint32_t n, i;
	char **hosts = all_hosts(path, &n);
	int rc = 0;

	if (!hosts)
		return EXIT_FINDINGS;
	if (g.json)
		lana_buf_putc(&b, '[');
	for (i = 0; i < n && !rc; i++) {
		struct lana_plan p;
		struct lana_buf enc = { 0 };
		char err[256];

		g.host = hosts[i];
		rc = load_plan(path, &p, NULL);
		if (rc)
			break;
		if (g.out) {
			size_t len = strlen(g.out) + strlen(hosts[i]) + 8;
			char *f = xmalloc(len);

			snprintf(f, len, "%s/%s.plan", g.out, hosts[i]);
			if (lana_plan_encode(&p, &enc, err, sizeof(err))) {
				fprintf(stderr, "%s: error: %s\n", prog, err);
				rc = EXIT_FINDINGS;
			} else {
				rc = write_out(f, enc.data, enc.len);
			}
			free(f);
			lana_buf_free(&enc);
		}
		if (g.json) {
			lana_buf_puts(&b, i ? ",{\"host\":" : "{\"host\":");
			lana_buf_put_json_str(&b, hosts[i]);
			lana_buf_printf(&b, ",\"blocks\":%d,\"edges\":%d}",
					count_op(&p, LANA_OP_NEW),
					count_op(&p, LANA_OP_BIND));
		} else {
			lana_buf_printf(&b, "%s: %d blocks, %d edges\n",
					hosts[i], count_op(&p, LANA_OP_NEW),
					count_op(&p, LANA_OP_BIND));
		}
		lana_plan_free(&p);
	}
	put_all(&b, rc);
	free_hosts(hosts);
	return rc;
}

/*
 * `diff --host all OLD NEW`: one summary line per host of either model
 * ("h1: 1 new, 1 bound"; a host only in NEW is all new, one only in OLD
 * all deleted); exit as diff(1) over all of them.
 */
static int diff_all(const char *oldp, const char *newp)
{
	struct lana_buf b = { 0 };
	uint32_t no, nn, k;
	char **ho = all_hosts(oldp, &no), **hn = all_hosts(newp, &nn);
	int rc = 0;
	bool differ = false;

	if (!ho || !hn) {
		free_hosts(ho);
		free_hosts(hn);
		return EXIT_DIFF_TROUBLE;
	}
	if (g.json)
		lana_buf_putc(&b, '[');
	for (k = 0; k < no + nn && !rc; k++) {
		const char *h = k < no ? ho[k] : hn[k - no];
		struct lana_plan old, new_, edit;
		struct lana_diff_stats st = { 0 };
		struct lana_buf sum = { 0 };
		char err[512];

		if (k >= no && has_host(ho, h))
			continue;	/* done with OLD's hosts */
		g.host = h;
		lana_plan_init(&old);
		lana_plan_init(&new_);
		if (has_host(ho, h) && load_plan(oldp, &old, NULL))
			rc = EXIT_DIFF_TROUBLE;
		if (!rc && has_host(hn, h) && load_plan(newp, &new_, NULL))
			rc = EXIT_DIFF_TROUBLE;
		if (!rc && lana_plan_diff(&old, &new_, &edit, &st, err,
					  sizeof(err))) {
			fprintf(stderr, "%s: error: diff: %s\n", prog, err);
			rc = EXIT_DIFF_TROUBLE;
		}
		lana_plan_free(&old);
		lana_plan_free(&new_);
		if (rc)
			break;
		differ |= edit.insns.n > 0;
		lana_diff_summary(&st, &sum);
		if (g.json) {
			lana_buf_puts(&b, b.len > 1 ? ",{\"host\":" :
						       "{\"host\":");
			lana_buf_put_json_str(&b, h);
			lana_buf_puts(&b, ",\"summary\":");
			lana_buf_put_json_str(&b, sum.data);
			lana_buf_puts(&b, "}");
		} else {
			lana_buf_printf(&b, "%s: %s\n", h, sum.data);
		}
		lana_buf_free(&sum);
		lana_plan_free(&edit);
	}
	put_all(&b, rc);
	free_hosts(ho);
	free_hosts(hn);
	return rc ? rc : differ ? EXIT_DIFF_DIFFERENT : 0;
}

static int cmd_compile(int argc, char **argv)
{
	const char *out = g.out, *emit_kind = g.emit;
	struct lana_arena a = { 0 };
	struct lana_plan p;
	double t0 = now_ms(), tc = 0, te;
	int rc;

	if (g.host && !strcmp(g.host, "all"))
		return compile_all(argv[0]);
	if (!emit_kind)
		emit_kind = g.json ? "json" : "plan";
	if (!out)
		out = !strcmp(emit_kind, "plan") ?
		      default_output(&a, argv[0], ".plan") : "-";
	rc = load_plan(argv[0], &p, &tc);
	if (rc) {
		lana_arena_free(&a);
		return rc;
	}
	te = now_ms();
	rc = emit(&p, emit_kind, out);
	if (g.stats)
		fprintf(stderr,
			"compile: %d blocks, %d edges: compile %.1f ms, emit %.1f ms, total %.1f ms, peak RSS %ld MiB\n",
			count_op(&p, LANA_OP_NEW), count_op(&p, LANA_OP_BIND),
			tc, now_ms() - te, now_ms() - t0,
			peak_rss_kib() / 1024);
	lana_plan_free(&p);
	lana_arena_free(&a);
	return rc;
}

static int cmd_disasm(int argc, char **argv)
{
	struct lana_plan p;
	struct lana_buf b = { 0 };
	char *data;
	size_t len;
	char err[512];
	int r;

	r = lana_read_input(argv[0], LANA_MAX_PLAN_FILE, &data, &len, err,
			    sizeof(err));
	if (r) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", prog, argv[0],
			err);
		return EXIT_USAGE;
	}
	r = lana_plan_decode(data, len, &p, err, sizeof(err));
	free(data);
	if (r) {
		fprintf(stderr, "%s: error: invalid plan: %s\n", argv[0], err);
		return EXIT_FINDINGS;
	}
	if (g.json) {
		lana_plan_json(&p, &b);
		lana_buf_putc(&b, '\n');
	} else {
		lana_plan_disasm(&p, &b);
	}
	r = write_out(g.out ? g.out : "-", b.data ? b.data : "", b.len);
	lana_buf_free(&b);
	lana_plan_free(&p);
	return r;
}

static int cmd_diff(int argc, char **argv)
{
	const char *out = g.out;
	bool summary = g.summary;
	struct lana_plan old, new_, edit;
	struct lana_diff_stats st = { 0 };
	struct lana_buf b = { 0 };
	char err[512];
	double t0, td, tc = 0;
	int rc;

	if (g.host && !strcmp(g.host, "all"))
		return diff_all(argv[0], argv[1]);
	/* exit status as diff(1): 0 the same, 1 different, 2 trouble (an
	 * input with errors included) */
	rc = load_plan(argv[0], &old, &tc);
	if (rc)
		return EXIT_DIFF_TROUBLE;
	rc = load_plan(argv[1], &new_, &tc);
	if (rc) {
		lana_plan_free(&old);
		return EXIT_DIFF_TROUBLE;
	}
	t0 = now_ms();
	if (lana_plan_diff(&old, &new_, &edit, &st, err, sizeof(err))) {
		fprintf(stderr, "%s: error: diff: %s\n", prog, err);
		lana_plan_free(&old);
		lana_plan_free(&new_);
		return EXIT_DIFF_TROUBLE;
	}
	td = now_ms() - t0;
	/* encoding sets the edit plan's checksum, shown by disasm */
	if (lana_plan_encode(&edit, &b, err, sizeof(err))) {
		fprintf(stderr, "%s: error: %s\n", prog, err);
		rc = EXIT_DIFF_TROUBLE;
		goto done;
	}
	if (out)
		rc = write_out(out, b.data, b.len);
	lana_buf_free(&b);
	if (out) {
		if (!rc && strcmp(out, "-")) {
			lana_diff_summary(&st, &b);
			printf("%s\n", b.data);
		}
	} else if (g.json) {
		lana_buf_puts(&b, "{\"summary\":");
		{
			struct lana_buf s = { 0 };

			lana_diff_summary(&st, &s);
			lana_buf_put_json_str(&b, s.data);
			lana_buf_free(&s);
		}
		lana_buf_printf(&b,
				",\"new\":%u,\"replaced\":%u,\"set\":%u,\"bound\":%u,\"rebound\":%u,\"unbound\":%u,\"deleted\":%u,\"plan\":",
				st.added, st.replaced, st.set, st.bound,
				st.rebound, st.unbound, st.deleted);
		lana_plan_json(&edit, &b);
		lana_buf_puts(&b, "}\n");
		fputs(b.data, stdout);
	} else {
		if (!summary)
			lana_plan_disasm(&edit, &b);
		else
			lana_diff_summary(&st, &b);
		if (!summary) {
			lana_buf_puts(&b, "; ");
			lana_diff_summary(&st, &b);
		}
		lana_buf_putc(&b, '\n');
		fputs(b.data, stdout);
	}
	if (rc)
		rc = EXIT_DIFF_TROUBLE;
	else if (edit.insns.n)
		rc = EXIT_DIFF_DIFFERENT;
done:
	if (g.stats)
		fprintf(stderr,
			"diff: %d + %d blocks: load %.1f ms, diff %.1f ms, peak RSS %ld MiB\n",
			count_op(&old, LANA_OP_NEW), count_op(&new_, LANA_OP_NEW),
			tc, td, peak_rss_kib() / 1024);
	lana_buf_free(&b);
	lana_plan_free(&edit);
	lana_plan_free(&old);
	lana_plan_free(&new_);
	return rc;
}

/*
 * `graph` of a fleet model without --host (or with --host all): every
 * host's plan as one picture (lana_fleet_dot()).
 */
static int graph_fleet(const char *path, char **hosts, uint32_t n)
{
	struct lana_plan *plans = xcalloc(n + 1, sizeof(*plans));
	const char **labels = xcalloc(n + 1, sizeof(*labels));
	struct lana_buf b = { 0 };
	uint32_t i, got = 0;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		g.host = hosts[i];
		rc = load_plan(path, &plans[i], NULL);
		if (!rc)
			got++;
		labels[i] = hosts[i];
	}
	g.host = NULL;
	if (!rc) {
		lana_fleet_dot(plans, (const char *const *)hosts, labels, n,
			       "tunnel/", &b);
		rc = write_out(g.out ? g.out : "-", b.data, b.len);
	}
	for (i = 0; i < got; i++)
		lana_plan_free(&plans[i]);
	lana_buf_free(&b);
	free(plans);
	free(labels);
	return rc;
}

static int cmd_graph(int argc, char **argv)
{
	struct lana_plan p;
	char **hosts;
	uint32_t n;
	int rc;

	if ((!g.host || !strcmp(g.host, "all")) &&
	    !lana_model_hosts(argv[0], &hosts, &n)) {
		rc = n ? graph_fleet(argv[0], hosts, n) : -1;
		free_hosts(hosts);
		if (rc >= 0)
			return rc;
	}

	rc = load_plan(argv[0], &p, NULL);
	if (rc)
		return rc;
	rc = emit(&p, "dot", g.out ? g.out : "-");
	lana_plan_free(&p);
	return rc;
}

static struct lana_fleet_opts fleet_opts(void)
{
	struct lana_fleet_opts f = {
		.etcd = g.etcd, .model = g.model, .host = g.host,
		.revision = g.revision, .wait_s = g.wait_s,
	};

	return f;
}

static int cmd_fleet(int argc, char **argv)
{
	struct lana_client_opts co = client_opts();
	struct lana_fleet_opts fo = fleet_opts();

	co.host = NULL;
	if (!strcmp(argv[0], "apply")) {
		if (argc != 2) {
			fprintf(stderr, "%s: fleet apply: expected one model file\n",
				prog);
			return EXIT_USAGE;
		}
		return lana_fleet_apply(&co, &fo, argv[1]);
	}
	if (!strcmp(argv[0], "status")) {
		if (argc != 1) {
			fprintf(stderr, "%s: fleet status: unexpected argument '%s'\n",
				prog, argv[1]);
			return EXIT_USAGE;
		}
		return lana_fleet_status(&co, &fo);
	}
	fprintf(stderr, "%s: fleet: unknown subcommand '%s' (apply, status)\n",
		prog, argv[0]);
	return EXIT_USAGE;
}

static int cmd_agent(int argc, char **argv)
{
	struct lana_client_opts co = client_opts();
	struct lana_fleet_opts fo = fleet_opts();

	(void)argc;
	(void)argv;
	co.host = NULL;
	return lana_fleet_agent(&co, &fo);
}

static int cmd_types(int argc, char **argv)
{
	struct lana_buf b = { 0 };
	const struct lana_block_type *bt = NULL;

	if (argc == 1) {
		bt = lana_catalogue_find(argv[0]);
		if (!bt) {
			fprintf(stderr,
				"%s: unknown block type '%s' (run 'lanarun types' for the list)\n",
				prog, argv[0]);
			return EXIT_FINDINGS;
		}
	}
	if (g.markdown)
		lana_types_markdown(&b);
	else if (g.json)
		lana_types_json(bt, &b);
	else if (bt)
		lana_type_describe(bt, &b);
	else
		lana_types_list(&b);
	if (b.len && b.data[b.len - 1] != '\n')
		lana_buf_putc(&b, '\n');
	fputs(b.data ? b.data : "", stdout);
	lana_buf_free(&b);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct lana_compile_opts o = compile_opts();

	return lana_run(argv[0], &o, g.workers, g.json, g.color, g.werror);
}

static int cmd_help(int argc, char **argv);
static int cmd_completion(int argc, char **argv);

/* ---------------------------------------------------------------- tables */

/*
 * The commands, in the order `lanarun --help` lists them. Each row names
 * the handler, its synopsis and summary, the options that apply to it and
 * how many arguments it takes (struct lanarun_cmd); usage texts and the
 * bash completion are made from it (cli/commands.c).
 */
static const struct lanarun_cmd commands[] = {
	{
		.name = "apply", .args = "FILE [--dry-run]",
		.summary = "load FILE into the running engine (diff + one transaction)",
		.section = LANARUN_ENGINE_CMDS,
		.opts = "engine socket dry-run include define W format color max-blocks max-errors host",
		.arg = LANARUN_ARG_FILE, .min_args = 1, .max_args = 1,
		.argerr = "expected one input file", .engine = lana_cmd_apply,
	}, {
		.name = "show",
		.summary = "running graph: engine drops, blocks, counters, edges",
		.section = LANARUN_ENGINE_CMDS, .opts = "engine socket format",
		.engine = lana_cmd_show,
	}, {
		.name = "stats", .args = "NAME",
		.summary = "counters of one block (and its table: a switch's addresses)",
		.section = LANARUN_ENGINE_CMDS, .opts = "engine socket format",
		.min_args = 1, .max_args = 1,
		.argerr = "expected one block name", .engine = lana_cmd_stats,
	}, {
		.name = "set", .args = "NAME KEY=VALUE...",
		.summary = "change live parameters of a block",
		.section = LANARUN_ENGINE_CMDS, .opts = "engine socket",
		.min_args = 2, .max_args = -1,
		.argerr = "expected NAME KEY=VALUE...", .engine = lana_cmd_set,
	}, {
		.name = "flush",
		.summary = "remove every block from the running graph",
		.section = LANARUN_ENGINE_CMDS, .opts = "engine socket",
		.engine = lana_cmd_flush,
	}, {
		.name = "run", .args = "FILE [--workers N]",
		.summary = "run FILE in a private engine until its sources end",
		.section = LANARUN_ENGINE_CMDS,
		.opts = "workers include define W format color max-blocks max-errors",
		.arg = LANARUN_ARG_FILE, .min_args = 1, .max_args = 1,
		.argerr = "expected one graph file", .run = cmd_run,
	}, {
		.name = "lint", .alias = "check", .args = "FILE...",
		.summary = "check graphs; report every error (up to --max-errors) and warning",
		.section = LANARUN_COMPILER_CMDS,
		.opts = "include define W format color max-blocks max-errors host",
		.arg = LANARUN_ARG_FILE, .min_args = 1, .max_args = -1,
		.argerr = "no input file", .run = cmd_lint,
	}, {
		.name = "compile", .args = "FILE [-o OUT]",
		.summary = "compile a graph into a plan (default OUT: FILE.plan)",
		.section = LANARUN_COMPILER_CMDS,
		.opts = "include define W format emit stats output color max-blocks max-errors host",
		.arg = LANARUN_ARG_FILE, .min_args = 1, .max_args = 1,
		.argerr = "expected one input file", .argerr_count = true,
		.run = cmd_compile,
	}, {
		.name = "disasm", .args = "FILE",
		.summary = "print a plan as bytecode text",
		.section = LANARUN_COMPILER_CMDS, .opts = "format output",
		.arg = LANARUN_ARG_FILE, .min_args = 1, .max_args = 1,
		.argerr = "expected one plan file", .run = cmd_disasm,
	}, {
		.name = "diff", .args = "OLD NEW [-o OUT]",
		.summary = "edit script from OLD to NEW (.lana or .plan each)",
		.section = LANARUN_COMPILER_CMDS,
		.opts = "include define W format summary stats output color max-blocks max-errors host",
		.arg = LANARUN_ARG_FILE, .min_args = 2, .max_args = 2,
		.argerr = "expected OLD and NEW", .run = cmd_diff,
	}, {
		.name = "graph", .args = "FILE [-o OUT]",
		.summary = "write the flattened graph as Graphviz DOT",
		.section = LANARUN_COMPILER_CMDS,
		.opts = "include define W format output color max-blocks max-errors host",
		.arg = LANARUN_ARG_FILE, .min_args = 1, .max_args = 1,
		.argerr = "expected one input file", .run = cmd_graph,
	}, {
		.name = "fleet", .args = "apply MODEL | status",
		.summary = "write a fleet model's plans to etcd, or show every host's state",
		.section = LANARUN_ENGINE_CMDS,
		.opts = "etcd model revision wait include define W format color max-blocks max-errors",
		.arg = LANARUN_ARG_WORDS, .words = "apply status",
		.min_args = 1, .max_args = 2,
		.argerr = "expected 'apply MODEL' or 'status'", .run = cmd_fleet,
	}, {
		.name = "agent", .args = "--etcd URL --model NAME --host NAME",
		.summary = "run one host's part of a fleet model from etcd",
		.section = LANARUN_ENGINE_CMDS,
		.opts = "etcd model host engine socket",
		.run = cmd_agent,
	}, {
		.name = "types", .args = "[NAME]",
		.summary = "list block types, or describe one",
		.section = LANARUN_COMPILER_CMDS, .opts = "json markdown format",
		.arg = LANARUN_ARG_TYPE, .max_args = 1,
		.argerr = "expected at most one block type", .run = cmd_types,
	}, {
		.name = "help", .args = "[COMMAND]",
		.summary = "show this help, or a command's",
		.section = LANARUN_OTHER_CMDS,
		.arg = LANARUN_ARG_COMMAND, .max_args = -1, .run = cmd_help,
	}, {
		.name = "completion", .args = "bash",
		.summary = "print a bash completion script for lanarun",
		.section = LANARUN_OTHER_CMDS,
		.arg = LANARUN_ARG_WORDS, .words = "bash",
		.min_args = 1, .max_args = 1,
		.argerr = "expected the shell (bash)", .run = cmd_completion,
	},
	{ .name = NULL },
};

/*
 * The options as `lanarun --help` describes them, by the keys the command
 * table's .opts name them with.
 */
static const struct lanarun_opt options[] = {
	{ "engine", LANARUN_ARG_WORDS, "user kernel auto",
"      --engine user|kernel|auto   engine to drive (default auto: the kernel\n"
"                               engine if lana.ko is loaded, else lanad)\n" },
	{ "socket", LANARUN_ARG_FILE, NULL,
"      --socket PATH            lanad's control socket (default $LANA_SOCKET,\n"
"                               else " LANA_DEFAULT_SOCKET ")\n" },
	{ "dry-run", LANARUN_ARG_NONE, NULL,
"  -n, --dry-run                apply: print the edit script, change nothing\n" },
	{ "workers", LANARUN_ARG_NONE, NULL,
"      --workers N              run: worker threads (default 1)\n" },
	{ "include", LANARUN_ARG_DIR, NULL,
"  -I, --include DIR            add DIR to the import search path\n" },
	{ "define", LANARUN_ARG_NONE, NULL,
"  -D, --define NAME=VALUE      set the top-level constant NAME to VALUE\n" },
	{ "W", LANARUN_ARG_WORDS, "error",
"  -W error, -Werror            treat warnings as errors\n" },
	{ "max-blocks", LANARUN_ARG_NONE, NULL,
"      --max-blocks N           the most blocks a graph may have after compound\n"
"                               expansion (default 1048576, at most 16777215)\n" },
	{ "max-errors", LANARUN_ARG_NONE, NULL,
"      --max-errors N           stop compiling after N errors (default 20;\n"
"                               0: no limit)\n" },
	{ "etcd", LANARUN_ARG_NONE, NULL,
"      --etcd URL[,URL...]      fleet, agent: etcd endpoints (http://127.0.0.1:2379)\n" },
	{ "model", LANARUN_ARG_NONE, NULL,
"      --model NAME             fleet, agent: the model's name in etcd (fleet\n"
"                               apply: default the file's base name)\n" },
	{ "revision", LANARUN_ARG_NONE, NULL,
"      --revision N             fleet apply: only if the model is still at N\n" },
	{ "wait", LANARUN_ARG_NONE, NULL,
"      --wait SECONDS           fleet apply: wait for every host (default 30;\n"
"                               0: do not wait)\n" },
	{ "host", LANARUN_ARG_NONE, NULL,
"      --host NAME|all          a fleet model's host: its plan only; all:\n"
"                               compile, diff: a summary line per host\n" },
	{ "format", LANARUN_ARG_WORDS, "text json",
"  -f, --format text|json       output format of diagnostics and results\n"
"  -j                           the same as --format json (as ip -j)\n" },
	{ "emit", LANARUN_ARG_WORDS, "plan json disasm dot",
"      --emit plan|json|disasm|dot   what compile writes (default: plan)\n" },
	{ "summary", LANARUN_ARG_NONE, NULL,
"      --summary                diff: print only the summary line\n" },
	{ "json markdown", LANARUN_ARG_NONE, NULL,
"      --json, --markdown       types: JSON or the docs/blocks.md text\n" },
	{ "color colour", LANARUN_ARG_WORDS, "auto always never",
"      --color auto|always|never  colour diagnostics (default: auto)\n" },
	{ "stats", LANARUN_ARG_NONE, NULL,
"      --stats                  print timings and peak memory to stderr\n" },
	{ "output", LANARUN_ARG_FILE, NULL,
"  -o, --output FILE            output file ('-' for standard output)\n" },
	{ "help", LANARUN_ARG_NONE, NULL,
"  -h, --help                   show this help (after a command: the command's)\n" },
	{ "version", LANARUN_ARG_NONE, NULL,
"  -V, --version                show the version\n" },
	{ .keys = NULL },
};

enum {
	OPT_EMIT = 256,
	OPT_SUMMARY,
	OPT_JSON,
	OPT_MARKDOWN,
	OPT_COLOR,
	OPT_STATS,
	OPT_ENGINE,
	OPT_SOCKET,
	OPT_WORKERS,
	OPT_MAX_BLOCKS,
	OPT_MAX_ERRORS,
	OPT_HOST,
	OPT_ETCD,
	OPT_MODEL,
	OPT_REVISION,
	OPT_WAIT,
};

static const char short_opts[] = "I:D:f:o:W:nhVj";
static const struct option long_opts[] = {
	{ "include", required_argument, NULL, 'I' },
	{ "define", required_argument, NULL, 'D' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "emit", required_argument, NULL, OPT_EMIT },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "markdown", no_argument, NULL, OPT_MARKDOWN },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "max-blocks", required_argument, NULL, OPT_MAX_BLOCKS },
	{ "max-errors", required_argument, NULL, OPT_MAX_ERRORS },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "etcd", required_argument, NULL, OPT_ETCD },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "revision", required_argument, NULL, OPT_REVISION },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	lanarun_usage(f, commands, options);
}

/* `help [COMMAND]`: the usage, or the command's when it is one. */
static int cmd_help(int argc, char **argv)
{
	const struct lanarun_cmd *c = NULL;

	if (argc)
		c = lanarun_cmd_find(commands, argv[0]);
	if (c)
		lanarun_cmd_usage(stdout, c, options);
	else
		usage(stdout);
	return 0;
}

static int cmd_completion(int argc, char **argv)
{
	if (strcmp(argv[0], "bash"))
		die_usage("completion: unknown shell '%s' (bash)", argv[0]);
	lanarun_completion_bash(stdout, commands, options, long_opts,
				short_opts);
	return 0;
}

/* ------------------------------------------------------------------ main */

static unsigned int parse_workers(const char *s)
{
	char *end;
	unsigned long w = strtoul(s, &end, 10);

	if (*end || w < 1 || w > 256)
		die_usage("--workers takes a number from 1 to 256");
	return (unsigned int)w;
}

/*
 * The decimal number @s of option @opt, from @min to @max; a usage error
 * otherwise.
 */
static uint32_t parse_count(const char *opt, const char *s, uint32_t min,
			    uint32_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-' || errno || v < min || v > max)
		die_usage("%s takes a number from %u to %u, not '%s'", opt, min,
			  max, s);
	return (uint32_t)v;
}

/* Set g from option @c (getopt_long() result) with argument @arg. */
static void set_option(int c, const char *arg, const char **color)
{
	switch (c) {
	case 'I':
		VEC_PUSH(&g.incdirs, arg);
		break;
	case 'D':
		VEC_PUSH(&g.defines, arg);
		break;
	case 'f':
		if (!strcmp(arg, "json"))
			g.json = true;
		else if (!strcmp(arg, "text"))
			g.json = false;
		else
			die_usage("unknown format '%s' (text, json)", arg);
		break;
	case 'o':
		g.out = arg;
		break;
	case 'W':
		if (strcmp(arg, "error"))
			die_usage("unknown warning option '-W%s' (only -Werror)",
				  arg);
		g.werror = true;
		break;
	case OPT_EMIT:
		g.emit = arg;
		break;
	case OPT_SUMMARY:
		g.summary = true;
		break;
	case OPT_MARKDOWN:
		g.markdown = true;
		break;
	case OPT_COLOR:
		*color = arg;
		break;
	case OPT_STATS:
		g.stats = true;
		break;
	case OPT_ENGINE:
		g.engine = lana_client_engine_parse(arg);
		if (g.engine < 0)
			die_usage("unknown engine '%s' (user, kernel, auto)", arg);
		break;
	case OPT_SOCKET:
		g.socket = arg;
		break;
	case OPT_WORKERS:
		g.workers = parse_workers(arg);
		break;
	case OPT_MAX_BLOCKS:
		g.max_blocks = parse_count("--max-blocks", arg, 1,
					   LANA_MAX_BLOCKS_LIMIT);
		break;
	case OPT_MAX_ERRORS:
		g.max_errors = parse_count("--max-errors", arg, 0, UINT32_MAX);
		break;
	case OPT_HOST:
		g.host = arg;
		break;
	case OPT_ETCD:
		g.etcd = arg;
		break;
	case OPT_MODEL:
		g.model = arg;
		break;
	case OPT_REVISION:
		g.revision = (int64_t)parse_count("--revision", arg, 0,
						  UINT32_MAX);
		break;
	case OPT_WAIT:
		g.wait_s = parse_count("--wait", arg, 0, 86400);
		break;
	case 'n':
		g.dry_run = true;
		break;
	}
}

/*
 * Read the options (before or after the command) into g. Returns -1 to go
 * on, else the exit status: 0 after --version, 2 after a usage error.
 */
static int parse_options(int argc, char **argv)
{
	const char *color = "auto";
	bool json = false;
	int c;

	g.socket = getenv("LANA_SOCKET");
	g.workers = 1;
	g.max_errors = LANARUN_MAX_ERRORS;
	g.revision = -1;
	g.wait_s = 30;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			g.help = true;
			opterr = 0;	/* options after it do not matter */
			break;
		case 'V':
			if (g.help)	/* --help came first */
				break;
			printf("lanarun %s (plan format %d.%d)\n", PACKAGE_VERSION,
			       LANA_PLAN_VERSION_MAJOR, LANA_PLAN_VERSION_MINOR);
			return 0;
		case OPT_JSON:
		case 'j':	/* as ip -j: JSON output */
			json = true;
			break;
		case '?':
			if (g.help) {	/* --help came first */
				usage(stdout);
				return 0;
			}
			fprintf(stderr, "Try 'lanarun --help'.\n");
			return EXIT_USAGE;
		default:
			set_option(c, optarg, &color);
			break;
		}
	}
	if (g.help)
		return -1;
	if (!strcmp(color, "always"))
		g.color = true;
	else if (!strcmp(color, "never"))
		g.color = false;
	else if (!strcmp(color, "auto"))
		g.color = isatty(2) && !getenv("NO_COLOR");
	else
		die_usage("unknown --color value '%s' (auto, always, never)", color);
	if (json)
		g.json = true;
	return -1;
}

/*
 * Run @cmd with the @argc arguments @argv after it: check their count,
 * connect to the engine for an engine command, call the handler.
 */
static int run_command(const struct lanarun_cmd *cmd, int argc, char **argv)
{
	struct lana_client_opts co;
	int rc;

	rc = lanarun_check_args(cmd, argc, argv);
	if (rc)
		return rc;
	if (!cmd->engine)
		return cmd->run(argc, argv);
	co = client_opts();
	return lana_client_run(&co, cmd->engine, argc, argv);
}

int main(int argc, char **argv)
{
	const struct lanarun_cmd *cmd = NULL;
	int rc;

	/* out of memory: a message and exit status 1, not abort() */
	lana_oom_exit(prog);
	rc = parse_options(argc, argv);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		cmd = lanarun_cmd_find(commands, argv[optind]);
	if (g.help) {
		/* `lanarun CMD --help`: the command's usage */
		if (cmd)
			lanarun_cmd_usage(stdout, cmd, options);
		else
			usage(stdout);
		return 0;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cmd)
		die_usage("unknown command '%s'", argv[optind]);
	rc = run_command(cmd, argc - optind - 1, argv + optind + 1);
	VEC_FREE(&g.incdirs);
	VEC_FREE(&g.defines);
	return rc;
}
