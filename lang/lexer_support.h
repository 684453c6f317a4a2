/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lang/lexer_support.h - glue between the flex scanner (lang/lexer.l) and
 * the bison parser (lang/parser.y): the parse context both share, the
 * scanner entry points the parser calls, and a token-list API for tests.
 *
 * The scanner is a reentrant flex scanner (prefix lana_yy) and the parser a
 * pure bison parser; neither keeps global state, so several files can be
 * parsed at once from different threads.
 */
#ifndef LANA_LEXER_SUPPORT_H
#define LANA_LEXER_SUPPORT_H

#include "ast.h"
#include "source.h"
#include "lib/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * struct lana_parse_ctx - state of one lana_parse() run.
 *
 * Lists are collected on the scratch stacks below (elements of a chain,
 * arguments, list items, compound parameters, statements) and copied into
 * the arena when the construct that owns them is reduced; a construct
 * remembers the stack height at its start, so nested constructs (lists in
 * lists, compound bodies) use the same stacks without mixing.
 */
struct lana_parse_ctx {
	struct lana_sources *s;
	uint32_t file;
	struct lana_arena *a;
	void *scanner;			/* yyscan_t */

	/* scanner position: next byte to read */
	const char *text;		/* source text (for messages) */
	size_t len;
	size_t off;			/* byte offset of the next byte */
	uint32_t line, col;		/* 1-based, of the next byte */
	struct lana_loc open_loc;	/* start of the current comment */

	/* the last two tokens handed to the parser (for messages) */
	struct lana_loc tok_loc, prev_loc;
	size_t tok_off, prev_off;
	int tok_kind;			/* parser token number, 0 = none/EOF */
	int prev_kind;
	bool have_prev;

	struct lana_loc bad_string;	/* last unterminated string */
	uint32_t lex_errors;
	uint32_t syntax_errors;
	uint32_t depth;			/* open compound bodies */
	uint32_t host;			/* open host body (1-based), or 0 */
	VEC(struct ast_host) hosts;
	bool aborted;			/* parser gave up (EOF in a body...) */

	/* scratch stacks (malloc'd, freed at the end of lana_parse) */
	VEC(struct ast_stmt) stmts;
	VEC(uint32_t) body_starts;
	VEC(struct ast_elem) elems;
	VEC(struct lana_loc) arrows;
	VEC(struct ast_arg) args;
	VEC(struct ast_value *) vals;
	VEC(struct ast_cparam) cparams;
};

/**
 * lana_scanner_open() - create a scanner reading @len bytes at @text.
 * @ctx: parse context; its @s, @file and @a must be set. The position
 *       fields of @ctx are reset to line 1, column 1.
 * The text is copied by flex (yy_scan_bytes), so it may contain NUL bytes.
 * Returns the scanner (yyscan_t); aborts on out-of-memory.
 */
void *lana_scanner_open(struct lana_parse_ctx *ctx, const char *text,
			size_t len);

/** lana_scanner_close() - destroy a scanner from lana_scanner_open(). */
void lana_scanner_close(void *scanner);

/* Token kinds returned by lana_lex_all(). */
enum lana_tok_kind {
	LANA_TOK_EOF = 0,
	LANA_TOK_IDENT,		/* [A-Za-z_][A-Za-z0-9_]* that is no keyword */
	LANA_TOK_WORD,		/* number/address-like text: 1500, 10.0.0.0/8 */
	LANA_TOK_STRING,	/* "..." (text: contents, escapes undone) */
	LANA_TOK_DCOLON,	/* :: */
	LANA_TOK_ARROW,		/* -> */
	LANA_TOK_KW_IMPORT,
	LANA_TOK_KW_CONST,
	LANA_TOK_KW_BLOCK,
	LANA_TOK_KW_INPUT,
	LANA_TOK_KW_OUTPUT,
	LANA_TOK_KW_HOST,	/* 'host' where a host declaration starts:
				 * followed by NAME '(' (else an identifier) */
	LANA_TOK_PUNCT,		/* one of ; , ( ) [ ] { } = : (in @punct) */
};

/**
 * struct lana_token - one token as seen by the parser.
 * @kind:  enum lana_tok_kind
 * @punct: the character for LANA_TOK_PUNCT, else 0
 * @text:  identifier/word text, string contents (escapes undone), the
 *         spelling of keywords and punctuation, "" for EOF (arena)
 * @loc:   exact location; @loc.len is the token's length in bytes
 *         (strings: including the quotes)
 */
struct lana_token {
	uint8_t kind;
	char punct;
	const char *text;
	struct lana_loc loc;
};

/**
 * lana_lex_all() - scan all of source @file of @s into a token array.
 * @a:     arena for the array and the token texts
 * @toks:  receives the array; the last token is always LANA_TOK_EOF
 * @ntoks: receives the number of tokens, EOF included
 * Lexical errors (stray character, unterminated string or comment, bad
 * escape) are reported with lana_error() exactly as lana_parse() would and
 * scanning goes on. Returns the number of lexical errors reported, or -1
 * if @file does not exist (then *@toks = NULL, *@ntoks = 0).
 */
int lana_lex_all(struct lana_sources *s, uint32_t file, struct lana_arena *a,
		 struct lana_token **toks, uint32_t *ntoks);

#endif /* LANA_LEXER_SUPPORT_H */
