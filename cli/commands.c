// SPDX-License-Identifier: GPL-2.0
/*
 * cli/commands.c - what lanarun makes of its command table (the table is
 * in cli/lanarun.c): the lookup, the argument count check and the usage
 * text.
 */
#include "commands.h"
#include "lang/compile.h"

#include <string.h>

#define EXIT_USAGE 2

static const char *prog = "lanarun";

static const char *const section_title[] = {
	[LANARUN_ENGINE_CMDS] = "Engine commands:",
	[LANARUN_COMPILER_CMDS] = "Compiler commands:",
	[LANARUN_OTHER_CMDS] = "Other commands:",
};

const struct lanarun_cmd *lanarun_cmd_find(const struct lanarun_cmd *cmds,
					   const char *name)
{
	for (; cmds->name; cmds++)
		if (!strcmp(cmds->name, name) ||
		    (cmds->alias && !strcmp(cmds->alias, name)))
			return cmds;
	return NULL;
}

int lanarun_check_args(const struct lanarun_cmd *cmd, int argc, char **argv)
{
	if (argc >= cmd->min_args &&
	    (cmd->max_args < 0 || argc <= cmd->max_args))
		return 0;
	fprintf(stderr, "%s: %s: ", prog, cmd->name);
	if (cmd->argerr)
		fputs(cmd->argerr, stderr);
	else if (cmd->max_args >= 0 && argc > cmd->max_args)
		fprintf(stderr, "unexpected argument '%s'", argv[cmd->max_args]);
	else
		fputs("missing argument", stderr);
	if (cmd->argerr_count)
		fprintf(stderr, ", got %d", argc);
	fputs("\nTry 'lanarun --help'.\n", stderr);
	return EXIT_USAGE;
}

/* ----------------------------------------------------------------- usage */

/* Whether the space-separated @list holds the word @w of @n characters. */
static bool has_word(const char *list, const char *w, size_t n)
{
	while (list && *list) {
		size_t l = strcspn(list, " ");

		if (l == n && !memcmp(list, w, n))
			return true;
		list += l;
		list += strspn(list, " ");
	}
	return false;
}

/* Whether one of the keys of @opt is in the space-separated @keys. */
static bool opt_in(const struct lanarun_opt *opt, const char *keys)
{
	const char *k = opt->keys;

	while (*k) {
		size_t l = strcspn(k, " ");

		if (has_word(keys, k, l))
			return true;
		k += l;
		k += strspn(k, " ");
	}
	return false;
}

/* "  apply FILE [--dry-run]       load FILE into ..." */
static void put_cmd_line(FILE *f, const struct lanarun_cmd *c)
{
	char syn[128];

	snprintf(syn, sizeof(syn), "%s%s%s", c->name, c->args ? " " : "",
		 c->args ? c->args : "");
	fprintf(f, "  %-28s %s\n", syn, c->summary);
}

void lanarun_usage(FILE *f, const struct lanarun_cmd *cmds,
		   const struct lanarun_opt *opts)
{
	const struct lanarun_cmd *c;
	unsigned int s;

	fputs("Usage: lanarun [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Check, compile, disassemble and diff LANA graphs (.lana) and plans (.plan);\n"
	      "load and live-patch them in a running engine.\n", f);
	for (s = 0; s < sizeof(section_title) / sizeof(*section_title); s++) {
		bool title = false;

		for (c = cmds; c->name; c++) {
			if (c->section != s)
				continue;
			if (!title)
				fprintf(f, "\n%s\n", section_title[s]);
			title = true;
			put_cmd_line(f, c);
		}
	}
	fputs("\nOptions (before or after the command):\n", f);
	for (; opts->keys; opts++)
		fputs(opts->help, f);
	fprintf(f,
		"\n"
		"Imports are searched in the importing file's directory, then -I DIRs, then\n"
		"$LANA_PATH (colon-separated), then %s.\n"
		"Exit status: 0 ok, 1 findings, 2 usage or I/O error. See lanarun(8).\n",
		lana_default_datadir());
}

void lanarun_cmd_usage(FILE *f, const struct lanarun_cmd *cmd,
		       const struct lanarun_opt *opts)
{
	const char *s = cmd->summary;

	fprintf(f, "Usage: lanarun [OPTIONS] %s%s%s%s%s\n\n", cmd->name,
		cmd->alias ? "|" : "", cmd->alias ? cmd->alias : "",
		cmd->args ? " " : "", cmd->args ? cmd->args : "");
	/* the summary as a sentence */
	if (*s >= 'a' && *s <= 'z')
		fputc(*s++ - 'a' + 'A', f);
	fprintf(f, "%s.\n\nOptions:\n", s);
	for (; opts->keys; opts++)
		if (opt_in(opts, cmd->opts) || opt_in(opts, "help"))
			fputs(opts->help, f);
	fputs("\nSee lanarun(8).\n", f);
}
