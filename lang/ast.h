/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lang/ast.h - syntax tree of one .lana file, as produced by the parser
 * (lang/parser.y) and consumed by the compiler's phases (listed in
 * lang/compile.c).
 *
 * All nodes and strings live in the arena passed to lana_parse(). Names are
 * kept as written; resolution is the compiler's job: block types in
 * lang/expand.c, values and constants in lang/resolve.c, ports in
 * lang/connect.c.
 */
#ifndef LANA_AST_H
#define LANA_AST_H

#include "source.h"
#include "lib/util.h"

#include <stdbool.h>
#include <stdint.h>

/* Kinds of literal values in argument and constant position. */
enum ast_value_kind {
	AST_VAL_WORD = 1,	/* number/address-like text: 1500, 64KiB, 10.0.0.1,
				 * 10.0.0.0/8, 00:11:22:33:44:55, -3, 1.5ms */
	AST_VAL_STRING,		/* "..." (text = contents with escapes undone) */
	AST_VAL_IDENT,		/* identifier: constant, compound parameter,
				 * enum symbol, true/false */
	AST_VAL_LIST,		/* [v, v, ...] */
};

struct ast_value {
	uint8_t kind;
	struct lana_loc loc;	/* whole literal; for strings including quotes */
	const char *text;	/* WORD, STRING, IDENT */
	struct ast_value **items;	/* LIST */
	uint32_t nitems;
};

/* `key = value` inside a block instantiation. */
struct ast_arg {
	const char *key;
	struct lana_loc key_loc;
	struct ast_value *val;
};

/* `[0]` or `[name]` before (input) or after (output) an element. */
struct ast_port {
	bool set;
	bool is_index;
	uint32_t index;
	const char *name;
	struct lana_loc loc;
};

/*
 * One element of a connection chain:
 *   ref                      -> name != NULL, type == NULL
 *   name :: type(args)       -> both set (declaration)
 *   type(args)               -> name == NULL (anonymous block)
 * with optional ports: [in]element[out].
 */
struct ast_elem {
	struct lana_loc loc;	/* the element's first token */
	const char *name;
	struct lana_loc name_loc;
	const char *type;
	struct lana_loc type_loc;
	struct ast_arg *args;
	uint32_t nargs;
	struct ast_port in;
	struct ast_port out;
};

/* `e1 -> e2 -> ... ;` (a lone declaration `x :: t();` has n == 1). */
struct ast_chain {
	struct ast_elem *elems;
	uint32_t n;
	struct lana_loc *arrows;	/* n - 1 locations of `->` */
	uint32_t host;		/* written inside host (struct ast_file
				 * hosts[host - 1]); 0: at the top level */
};

/*
 * `host NAME(underlay = ADDR) { ... }` (a fleet model, docs/fleet.md): the
 * statements of its body are the file's top-level statements, the chains
 * marked with the host (struct ast_chain host), so that names stay unique
 * across the model and an edge may be written anywhere.
 */
struct ast_host {
	const char *name;
	struct lana_loc loc;		/* the 'host' keyword */
	struct lana_loc name_loc;
	struct ast_arg *args;
	uint32_t nargs;
};

/* `const NAME [: type] = value;` */
struct ast_const {
	const char *name;
	struct lana_loc loc;
	const char *type;	/* NULL: inferred */
	struct lana_loc type_loc;
	struct ast_value *val;
};

/* `import "path";` */
struct ast_import {
	const char *path;
	struct lana_loc loc;
};

/* Compound parameter `name : type [= default]`. */
struct ast_cparam {
	const char *name;
	struct lana_loc loc;
	const char *type;
	struct lana_loc type_loc;
	struct ast_value *def;	/* NULL: required */
};

/* Compound boundary port `input NAME : frame;` / `output NAME : frame;`. */
struct ast_cport {
	const char *name;
	struct lana_loc loc;
	uint8_t dir;		/* LANA_PORT_IN / LANA_PORT_OUT */
	const char *frame;
	struct lana_loc frame_loc;
};

struct ast_body;

/* `block NAME(params) { body }` */
struct ast_compound {
	const char *name;
	struct lana_loc loc;
	struct ast_cparam *params;
	uint32_t nparams;
	struct ast_body *body;
};

enum ast_stmt_kind {
	AST_STMT_IMPORT = 1,
	AST_STMT_CONST,
	AST_STMT_COMPOUND,
	AST_STMT_CHAIN,
	AST_STMT_PORT,		/* only inside compound bodies */
};

struct ast_stmt {
	uint8_t kind;
	struct lana_loc loc;
	union {
		struct ast_import imp;
		struct ast_const cst;
		struct ast_compound comp;
		struct ast_chain chain;
		struct ast_cport port;
	};
};

/* A file or a compound body: statements in source order. */
struct ast_body {
	struct ast_stmt *stmts;
	uint32_t n;
};

struct ast_file {
	uint32_t file;		/* source index */
	struct ast_body body;
	struct ast_host *hosts;	/* in source order */
	uint32_t nhosts;
};

/**
 * lana_parse() - parse source file @file of @s into an AST.
 * @a: arena for every node and string
 * Syntax errors are reported through lana_error() with the location of the
 * offending token ("expected ';' before 'x'") and the parser recovers at
 * the next ';' or '}' so that one run reports every error.
 * Returns the AST (possibly partial when errors were reported); never NULL.
 */
struct ast_file *lana_parse(struct lana_sources *s, uint32_t file,
			    struct lana_arena *a);

#endif /* LANA_AST_H */
