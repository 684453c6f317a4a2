/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli/commands.h - lanarun's command table and what is made from it: the
 * lookup of a command by name, the check of its argument count, the usage
 * text (`lanarun --help`, `lanarun COMMAND --help`) and the bash
 * completion script (`lanarun completion bash`). The tables themselves are
 * in cli/lanarun.c, next to the handlers they name.
 */
#ifndef LANA_COMMANDS_H
#define LANA_COMMANDS_H

#include "client.h"

#include <stdio.h>

struct option;

/* Where `lanarun --help` lists a command. */
enum lanarun_section {
	LANARUN_ENGINE_CMDS,	/* "Engine commands:" */
	LANARUN_COMPILER_CMDS,	/* "Compiler commands:" */
	LANARUN_OTHER_CMDS,	/* "Other commands:" */
};

/* What a command's or an option's argument is, for completion. */
enum lanarun_arg {
	LANARUN_ARG_NONE,	/* nothing to offer: a number, a block name */
	LANARUN_ARG_FILE,
	LANARUN_ARG_DIR,
	LANARUN_ARG_WORDS,	/* one of a list of words */
	LANARUN_ARG_TYPE,	/* a block type of the catalogue */
	LANARUN_ARG_COMMAND,	/* a lanarun command */
};

/**
 * struct lanarun_cmd - one lanarun command, a row of the command table.
 * @name:         what is typed: "apply"
 * @alias:        another name it answers to ("check" for lint), or NULL
 * @args:         its synopsis after the name: "FILE [--dry-run]"
 * @summary:      its line in `lanarun --help`
 * @section:      where `lanarun --help` lists it
 * @opts:         the options that apply to it, by key (see struct
 *                lanarun_opt), space-separated: `lanarun CMD --help` lists
 *                them and completion offers them after the command
 * @arg:          what its arguments are, for completion
 * @words:        the words completion offers with LANARUN_ARG_WORDS
 * @min_args:     the fewest arguments it takes
 * @max_args:     the most, -1 for no limit
 * @argerr:       the usage error when the count is out of range ("expected
 *                one input file"); NULL gives "unexpected argument 'X'",
 *                X the first argument too many
 * @argerr_count: follow @argerr with ", got N"
 * @run:          the handler of a command that needs no running engine:
 *                the arguments after the command, lanarun's exit status
 * @engine:       the handler of an engine command, which talks to a
 *                running engine: lanarun connects first (lana_client_run())
 *
 * Exactly one of @run and @engine is set. A handler is called only with
 * an argument count in [@min_args, @max_args]. The table ends with a row
 * whose @name is NULL.
 */
struct lanarun_cmd {
	const char *name;
	const char *alias;
	const char *args;
	const char *summary;
	enum lanarun_section section;
	const char *opts;
	enum lanarun_arg arg;
	const char *words;
	int min_args;
	int max_args;
	const char *argerr;
	bool argerr_count;
	int (*run)(int argc, char **argv);
	lana_client_cmd_fn *engine;
};

/**
 * struct lanarun_opt - the help of one option of lanarun, or of options
 * described together, a row of the option table.
 * @keys:  the options it describes, space-separated: their long names, or
 *         the letter of one that has none ("W"); commands name options in
 *         struct lanarun_cmd @opts by these keys
 * @arg:   what the option's argument is, for completion
 * @words: the words completion offers with LANARUN_ARG_WORDS
 * @help:  its lines in the usage text, each ending in a newline
 *
 * The table ends with a row whose @keys is NULL.
 */
struct lanarun_opt {
	const char *keys;
	enum lanarun_arg arg;
	const char *words;
	const char *help;
};

/**
 * lanarun_cmd_find() - the command of @cmds named @name, by its name or
 * its alias, else the first in table order whose name starts with @name
 * (an abbreviation, as ip(8) takes `ip a`: `lanarun sh` is show).
 *
 * Return: the command, or NULL when there is none.
 */
const struct lanarun_cmd *lanarun_cmd_find(const struct lanarun_cmd *cmds,
					   const char *name);

/**
 * lanarun_check_args() - check that @cmd takes @argc arguments (@argv).
 *
 * When it does not, print the usage error to stderr, e.g. "lanarun:
 * compile: expected one input file, got 3" and "Try 'lanarun --help'.".
 *
 * Return: 0 when the count suits @cmd, else 2 (the exit status).
 */
int lanarun_check_args(const struct lanarun_cmd *cmd, int argc, char **argv);

/**
 * lanarun_usage() - write `lanarun --help` to @f: the commands of @cmds
 * by section with their synopsis and summary, then the help of every
 * option of @opts, then where imports are searched and the exit status.
 */
void lanarun_usage(FILE *f, const struct lanarun_cmd *cmds,
		   const struct lanarun_opt *opts);

/**
 * lanarun_cmd_usage() - write `lanarun CMD --help` to @f: the synopsis and
 * summary of @cmd, and the help of the options of @opts that apply to it
 * (@cmd->opts) and of --help.
 */
void lanarun_cmd_usage(FILE *f, const struct lanarun_cmd *cmd,
		       const struct lanarun_opt *opts);

/**
 * lanarun_completion_bash() - write a bash completion script for lanarun
 * to @f (`lanarun completion bash`).
 * @f:         where to write it
 * @cmds:      the commands: completed as the first word that is not an
 *             option, then their arguments (struct lanarun_cmd @arg) and,
 *             after a '-', their options (@opts)
 * @opts:      what the arguments of the options are
 * @longopts:  lanarun's getopt_long() table: the options offered before a
 *             command, and those that take an argument (which is not the
 *             command word)
 * @shortopts: lanarun's getopt short options ("I:D:...")
 *
 * The script defines the function _lanarun and registers it with
 * `complete -F _lanarun lanarun`; it needs nothing but bash.
 */
void lanarun_completion_bash(FILE *f, const struct lanarun_cmd *cmds,
			     const struct lanarun_opt *opts,
			     const struct option *longopts,
			     const char *shortopts);

#endif /* LANA_COMMANDS_H */
