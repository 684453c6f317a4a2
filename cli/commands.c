// SPDX-License-Identifier: GPL-2.0
/*
 * cli/commands.c - what lanarun makes of its command table (the table is
 * in cli/lanarun.c): the lookup, the argument count check, the usage text
 * and the bash completion script.
 */
#include "commands.h"
#include "blocks/catalogue.h"
#include "lang/compile.h"
#include "lib/util.h"

#include <getopt.h>
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
	const struct lanarun_cmd *c;
	size_t n = strlen(name);

	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, name) ||
		    (c->alias && !strcmp(c->alias, name)))
			return c;
	/* an abbreviation: the first command in table order that it starts,
	 * as ip(8) matches `ip a` (so `lanarun a` is apply, `s` show) */
	for (c = cmds; n && c->name; c++)
		if (!strncmp(c->name, name, n))
			return c;
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

/* The option of @opts with the key @key of @n characters, or NULL. */
static const struct lanarun_opt *opt_find(const struct lanarun_opt *opts,
					  const char *key, size_t n)
{
	for (; opts->keys; opts++)
		if (has_word(opts->keys, key, n))
			return opts;
	return NULL;
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

/* ------------------------------------------------------------ completion */

/*
 * The start of the script: cur, the word being completed; prev, the word
 * before it (an option whose argument cur is). bash splits "--emit=dot"
 * into "--emit", "=" and "dot".
 */
static const char completion_head[] =
"# bash completion for lanarun(8), made from its command table by\n"
"# `lanarun completion bash`. Load it with\n"
"#   source <(lanarun completion bash)\n"
"# or install it as /usr/share/bash-completion/completions/lanarun.\n"
"_lanarun()\n"
"{\n"
"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i w\n"
"\tlocal n=$COMP_CWORD\n"
"\n"
"\tCOMPREPLY=()\n"
"\tif [[ $cur == = ]]; then\n"
"\t\tcur= prev=${COMP_WORDS[n - 1]}\n"
"\telif ((n > 1)) && [[ ${COMP_WORDS[n - 1]} == = ]]; then\n"
"\t\tprev=${COMP_WORDS[n - 2]}\n"
"\telif ((n > 0)); then\n"
"\t\tprev=${COMP_WORDS[n - 1]}\n"
"\tfi\n";

/*
 * The command word, then the options of the command after a '-' (or all
 * of them before the command), then the arguments of the command.
 */
static const char completion_cmd[] =
"\tfor ((i = 1; i < n; i++)); do\n"
"\t\tw=${COMP_WORDS[i]}\n"
"\t\tif [[ \" $argopts \" == *\" $w \"* ]]; then\n"
"\t\t\t[[ ${COMP_WORDS[i + 1]} == = ]] && ((i++))\n"
"\t\t\t((i++))\n"
"\t\telif [[ $w != -* && $w != = ]]; then\n"
"\t\t\tcmd=$w\n"
"\t\t\tbreak\n"
"\t\tfi\n"
"\tdone\n"
"\tif [[ $cur == -* ]]; then\n"
"\t\tw=${cmdopts[${cmd:-.}]:-$allopts}\n"
"\t\tCOMPREPLY=($(compgen -W \"$w\" -- \"$cur\"))\n"
"\t\treturn\n"
"\tfi\n";

/* What an argument completes to. */
struct reply {
	const char *pattern;	/* the case pattern: "--include|-I", "lint|check" */
	enum lanarun_arg arg;
	const char *words;	/* LANARUN_ARG_WORDS */
};

static bool same_reply(const struct reply *a, const struct reply *b)
{
	return a->arg == b->arg &&
	       (a->arg != LANARUN_ARG_WORDS || !strcmp(a->words, b->words));
}

/* The command words of @cmds, space-separated (aliases left out). */
static void put_cmd_names(FILE *f, const struct lanarun_cmd *cmds)
{
	for (; cmds->name; cmds++)
		fprintf(f, "%s%s", cmds->name, cmds[1].name ? " " : "");
}

/* The body of a case branch: COMPREPLY for an argument that is @arg. */
static void put_reply(FILE *f, const struct reply *r,
		      const struct lanarun_cmd *cmds)
{
	unsigned int i, n = lana_catalogue_count();

	switch (r->arg) {
	case LANARUN_ARG_FILE:
	case LANARUN_ARG_DIR:
		fprintf(f, "compopt -o filenames 2>/dev/null\n"
			"\t\tCOMPREPLY=($(compgen -%c -- \"$cur\"))",
			r->arg == LANARUN_ARG_DIR ? 'd' : 'f');
		break;
	case LANARUN_ARG_WORDS:
		fprintf(f, "COMPREPLY=($(compgen -W '%s' -- \"$cur\"))",
			r->words);
		break;
	case LANARUN_ARG_TYPE:
		fputs("COMPREPLY=($(compgen -W '", f);
		for (i = 0; i < n; i++)
			fprintf(f, "%s%s", lana_catalogue_at(i)->name,
				i + 1 < n ? " " : "");
		fputs("' -- \"$cur\"))", f);
		break;
	case LANARUN_ARG_COMMAND:
		fputs("COMPREPLY=($(compgen -W '", f);
		put_cmd_names(f, cmds);
		fputs("' -- \"$cur\"))", f);
		break;
	case LANARUN_ARG_NONE:
		fputs(":", f);
		break;
	}
}

/*
 * `case WORD in ... esac` over the @n replies @r: one branch for all the
 * patterns that complete alike, each ending in return.
 */
static void put_case(FILE *f, const char *word, const struct reply *r,
		     unsigned int n, const struct lanarun_cmd *cmds)
{
	unsigned int i, j;

	fprintf(f, "\tcase %s in\n", word);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && !same_reply(&r[j], &r[i]); j++)
			;
		if (j < i)
			continue;	/* in an earlier branch */
		fputc('\t', f);
		for (j = i; j < n; j++)
			if (same_reply(&r[j], &r[i]))
				fprintf(f, "%s%s", j > i ? "|" : "",
					r[j].pattern);
		fputs(")\n\t\t", f);
		put_reply(f, &r[i], cmds);
		fputs("\n\t\treturn ;;\n", f);
	}
	fputs("\tesac\n", f);
}

#define MAX_REPLIES 64

/*
 * The options of @longopts and @shortopts that take an argument, into @r
 * (at most MAX_REPLIES) with what their argument is (@opts); the patterns
 * are kept in @a. Returns how many there are.
 */
static unsigned int arg_options(const struct option *longopts,
				const char *shortopts,
				const struct lanarun_opt *opts,
				struct lana_arena *a, struct reply *r)
{
	const struct lanarun_opt *o;
	const struct option *lo;
	unsigned int n = 0;
	const char *s;

	for (lo = longopts; lo->name && n < MAX_REPLIES; lo++) {
		if (lo->has_arg != required_argument)
			continue;
		o = opt_find(opts, lo->name, strlen(lo->name));
		r[n].arg = o ? o->arg : LANARUN_ARG_NONE;
		r[n].words = o ? o->words : NULL;
		if (lo->val > 0 && lo->val < 128 && strchr(shortopts, lo->val))
			r[n++].pattern = lana_arena_printf(a, "--%s|-%c",
							   lo->name, lo->val);
		else
			r[n++].pattern = lana_arena_printf(a, "--%s", lo->name);
	}
	/* short options without a long name: -W */
	for (s = shortopts; *s && n < MAX_REPLIES; s++) {
		if (s[1] != ':' || *s == ':')
			continue;
		for (lo = longopts; lo->name && lo->val != *s; lo++)
			;
		if (lo->name)
			continue;
		o = opt_find(opts, s, 1);
		r[n].arg = o ? o->arg : LANARUN_ARG_NONE;
		r[n].words = o ? o->words : NULL;
		r[n++].pattern = lana_arena_printf(a, "-%c", *s);
	}
	return n;
}

/* The options @keys names, as completion offers them: "--key", "-W". */
static void put_opt_words(FILE *f, const char *keys)
{
	while (keys && *keys) {
		size_t l = strcspn(keys, " ");

		fprintf(f, "%s%.*s ", l == 1 ? "-" : "--", (int)l, keys);
		keys += l;
		keys += strspn(keys, " ");
	}
}

/*
 * The variables the script's command part uses: argopts, the options that
 * take an argument; cmdopts, the options of each command by its name;
 * allopts, the long options. Lists of words.
 */
static void put_option_vars(FILE *f, const struct lanarun_cmd *cmds,
			    const struct option *longopts,
			    const struct reply *r, unsigned int n)
{
	const struct lanarun_cmd *c;
	const struct option *lo;
	unsigned int i;

	const char *p;

	fputs("\tlocal argopts='", f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		for (p = r[i].pattern; *p; p++)
			fputc(*p == '|' ? ' ' : *p, f);
	}
	fputs("'\n\tlocal -A cmdopts=(", f);
	for (c = cmds; c->name; c++) {
		for (p = c->name; p; p = p == c->name ? c->alias : NULL) {
			fprintf(f, "\n\t\t[%s]='", p);
			put_opt_words(f, c->opts);
			fputs("--help'", f);
		}
	}
	fputs(")\n\tlocal allopts='", f);
	for (lo = longopts; lo->name; lo++)
		fprintf(f, "--%s%s", lo->name, lo[1].name ? " " : "");
	fputs("'\n", f);
}

void lanarun_completion_bash(FILE *f, const struct lanarun_cmd *cmds,
			     const struct lanarun_opt *opts,
			     const struct option *longopts,
			     const char *shortopts)
{
	struct reply r[MAX_REPLIES] = { { 0 } };
	struct lana_arena a = { 0 };
	const struct lanarun_cmd *c;
	unsigned int n;

	fputs(completion_head, f);
	n = arg_options(longopts, shortopts, opts, &a, r);
	put_case(f, "$prev", r, n, cmds);
	put_option_vars(f, cmds, longopts, r, n);
	fputs(completion_cmd, f);
	/* the command, or its arguments */
	r[0] = (struct reply){ "''", LANARUN_ARG_COMMAND, NULL };
	for (n = 1, c = cmds; c->name && n < MAX_REPLIES; c++, n++) {
		r[n].pattern = c->alias ?
			lana_arena_printf(&a, "%s|%s", c->name, c->alias) :
			c->name;
		r[n].arg = c->arg;
		r[n].words = c->words;
	}
	put_case(f, "$cmd", r, n, cmds);
	fputs("}\ncomplete -F _lanarun lanarun\n", f);
	lana_arena_free(&a);
}
