/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli/client.h - lanarun's engine commands: apply, show, stats, set,
 * flush. They talk to a running engine over the control protocol
 * (cli/ctl_client.h): lanad's Unix socket, or the kernel engine's generic
 * netlink family "lana".
 */
#ifndef LANA_CLIENT_H
#define LANA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which engine lanarun talks to (--engine). */
enum lana_client_engine {
	LANA_CLIENT_AUTO = 0,	/* the kernel family if registered, else lanad */
	LANA_CLIENT_USER,	/* lanad */
	LANA_CLIENT_KERNEL,	/* the genl family "lana" (lana.ko) */
};

/*
 * The largest plan file lanarun reads. Plans take about 40 bytes per block
 * (the 1,000,003-block chain of bench/compile: 39.9 MB), so a plan of the
 * engine's most blocks (2^24 - 1) stays below it.
 */
#define LANA_MAX_PLAN_FILE (1024u * 1024 * 1024)

/**
 * struct lana_client_opts - options lanarun passes to the engine commands.
 * @socket:   lanad's socket; NULL: $LANA_SOCKET, else /run/lana/lanad.sock
 * @engine:   enum lana_client_engine
 * @json:     JSON output (show, stats, apply) and JSON diagnostics
 * @dry_run:  apply: print the edit script and summary, change nothing
 * @color:    colour diagnostics
 * @werror:   warnings are errors when compiling
 * @incdirs:  import search path (-I), @nincdirs entries
 * @defines:  -D NAME=VALUE constant overrides, @ndefines entries
 * @max_blocks: --max-blocks (0: the compiler's default)
 * @max_errors: --max-errors (0: no limit)
 * @host:     --host NAME: that host's plan of a fleet model (NULL: none)
 */
struct lana_client_opts {
	const char *socket;
	int engine;
	bool json;
	bool dry_run;
	bool color;
	bool werror;
	const char *const *incdirs;
	uint32_t nincdirs;
	const char *const *defines;
	uint32_t ndefines;
	uint32_t max_blocks;
	uint32_t max_errors;
	const char *host;
};

/**
 * lana_client_engine_parse() - "user", "kernel" or "auto" to enum
 * lana_client_engine; -1 for anything else.
 */
int lana_client_engine_parse(const char *s);

struct lana_ctl_conn;

/*
 * Every command returns lanarun's exit status: 0 success; 1 the input has
 * errors or the engine refused the request (the message is printed, e.g.
 * "lanarun: apply failed: instruction 3 (NEW 4 nic eth): no such device
 * 'nosuch0'"); 2 usage error or the engine cannot be reached ("lanarun:
 * cannot connect to lanad at /run/lana/lanad.sock: No such file or
 * directory (is lanad running?)").
 *
 * A command runs on a connection lana_client_run() opened, with as many
 * arguments as lanarun's command table allows it (cli/lanarun.c): it does
 * not check their count.
 */

/**
 * typedef lana_client_cmd_fn - an engine command.
 * @o:    lanarun's options
 * @c:    the connection to the engine
 * @argc: the number of arguments after the command name, @argv them
 *
 * Return: lanarun's exit status.
 */
typedef int lana_client_cmd_fn(const struct lana_client_opts *o,
			       struct lana_ctl_conn *c, int argc, char **argv);

/**
 * lana_client_run() - connect to the engine @o names (the kernel family
 * with --engine kernel, or auto when it is registered; else lanad at
 * @o->socket), run @fn on the connection with @argc, @argv and close it.
 *
 * Return: what @fn returns, or 2 when the engine cannot be reached (the
 * message is printed).
 */
int lana_client_run(const struct lana_client_opts *o, lana_client_cmd_fn *fn,
		    int argc, char **argv);

/**
 * lana_cmd_apply() - `apply FILE`: compile FILE (.lana, or decode a .plan),
 * fetch the running plan (PLAN_GET), diff them (lana_plan_diff) and print
 * the summary line ("2 new, 1 replaced"). With @o->dry_run print the edit
 * script (lana_plan_disasm) and the summary and stop; otherwise send the
 * edit plan as one transaction (nothing is sent when there are no changes).
 */
int lana_cmd_apply(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv);

/**
 * lana_cmd_show() - `show`: the running graph, one line per block (IDP,
 * name, type, packets, bytes, drops) followed by its edges; with @o->json
 * an object {"plan_crc", "blocks": [...], "edges": [...]}.
 */
int lana_cmd_show(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		  int argc, char **argv);

/**
 * lana_cmd_stats() - `stats NAME`: one block's counters and its named
 * statistics (JSON with @o->json). Unknown NAME: "no block named 'x'", 1.
 */
int lana_cmd_stats(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv);

/**
 * lana_cmd_set() - `set NAME key=value...`: change live (LANA_PF_LIVE)
 * parameters of block NAME: each value is parsed with lana_value_parse()
 * for the catalogue parameter and sent as one SET edit plan. A parameter
 * that is not live is refused: "parameter 'x' of 'y' cannot change live;
 * edit the graph and apply it".
 */
int lana_cmd_set(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		 int argc, char **argv);

/**
 * lana_client_converge() - make the engine on @c run full plan @want: read
 * its running plan, diff (lana_plan_diff()) and send the edit as one
 * transaction when there is one (the fleet agent's step, cli/fleet.c).
 * @st: receives what the edit did (for lana_diff_summary())
 * Return: 1 an edit was applied, 0 the engine already ran @want, or -1
 * with the reason in @err (the engine's message when it refused the
 * transaction, which it then rolled back).
 */
struct lana_diff_stats;
struct lana_plan;
int lana_client_converge(struct lana_ctl_conn *c, struct lana_plan *want,
			 struct lana_diff_stats *st, char *err, size_t errlen);

/** lana_cmd_flush() - `flush`: remove every block from the running graph. */
int lana_cmd_flush(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv);

/**
 * lana_client_report() - print the diagnostics of @s to stderr: GCC style
 * (coloured with @o->color), or a JSON array with @o->json.
 */
struct lana_sources;
void lana_client_report(const struct lana_client_opts *o,
			struct lana_sources *s);

/**
 * lana_client_load() - the graph lanarun's commands work on: decode and
 * validate @path when it is a plan file (magic "LANAPLAN"), else compile
 * it as a .lana graph ("-": standard input) for the engines in @engines
 * (LANA_ENGINE_*, 0: any) with @o's include path, -D defines and -Werror,
 * printing the diagnostics with lana_client_report(). @p is initialised.
 * Returns 0, 1 (the input has errors: printed; @p left empty) or 2 (cannot
 * read @path).
 */
struct lana_plan;
int lana_client_load(const struct lana_client_opts *o, const char *path,
		     uint32_t engines, struct lana_plan *p);

#endif /* LANA_CLIENT_H */
