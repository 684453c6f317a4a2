/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lang/parser.y - the .lana grammar (pure bison parser, prefix lana_yy);
 * builds the AST of lang/ast.h. Entry point: lana_parse().
 *
 *   file      : stmt*
 *   stmt      : 'import' STRING ';'
 *             | 'const' IDENT (':' IDENT)? '=' value ';'
 *             | 'block' IDENT '(' cparams? ')' '{' stmt* '}'
 *             | 'input' IDENT ':' IDENT ';' | 'output' IDENT ':' IDENT ';'
 *             | 'host' IDENT '(' args? ')' '{' stmt* '}'
 *             | chain ';'
 *   chain     : elem ('->' elem)*
 *   elem      : port? core port?
 *   core      : IDENT | IDENT '::' IDENT '(' args? ')' | IDENT '(' args? ')'
 *   port      : '[' (WORD | name) ']'
 *   args      : arg (',' arg)* ','?          arg : name '=' value
 *   cparams   : cparam (',' cparam)*          cparam : IDENT ':' IDENT ('=' value)?
 *   value     : WORD | STRING | IDENT | '[' (value (',' value)* ','?)? ']'
 *   name      : IDENT or a keyword (argument keys and port names only)
 *
 * One statement rule serves the file and compound bodies; where a
 * statement is not allowed (import or block in a body, input/output at the
 * top level) it is reported and dropped. Syntax errors are reported with
 * the offending token's location and the parser resynchronises at the next
 * ';' (or at the '}' closing a compound body).
 */

%code top {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
}

%code requires {
#include "lang/lexer_support.h"

/* where a chain's elements and arrows start on the scratch stacks */
struct lana_chain_start {
	uint32_t elem;
	uint32_t arrow;
};
}

%code provides {
/* The flex scanner (lang/lexer.l). */
int lana_scan(LANA_YYSTYPE *lval, LANA_YYLTYPE *lloc, void *scanner);
}

%code {
#include "blocks/lana_block.h"
#include "plan/value.h"

/*
 * Nesting (lists in lists, compound bodies in compound bodies) is the only
 * thing that deepens the stack; past YYMAXDEPTH entries bison reports
 * "memory exhausted", reported as "nesting too deep". The parser is not
 * recursive: the stack is bison's own array, here on the C stack at its
 * full size from the start (about 100 KiB), so that it never grows with
 * malloc() and running out of memory is never taken for deep nesting.
 */
#define YYMAXDEPTH 2000
#define YYINITDEPTH YYMAXDEPTH

/*
 * A nonterminal's location is that of its first token (the first
 * right-hand-side symbol that is not empty); an empty one is placed just
 * after the previous symbol, with length 0.
 */
#define YYLLOC_DEFAULT(cur, rhs, n)                                     \
	do {                                                            \
		int yyi_;                                               \
		for (yyi_ = 1; yyi_ <= (n); yyi_++)                     \
			if (YYRHSLOC(rhs, yyi_).len)                    \
				break;                                  \
		if (yyi_ <= (n)) {                                      \
			(cur) = YYRHSLOC(rhs, yyi_);                    \
		} else {                                                \
			(cur) = YYRHSLOC(rhs, 0);                       \
			(cur).col += (cur).len;                         \
			(cur).len = 0;                                  \
		}                                                       \
	} while (0)

static int lana_yylex(LANA_YYSTYPE *lval, LANA_YYLTYPE *lloc,
		      struct lana_parse_ctx *ctx);
static void lana_yyerror(LANA_YYLTYPE *loc, struct lana_parse_ctx *ctx,
			 const char *msg);

static struct ast_value *mk_value(struct lana_parse_ctx *ctx, uint8_t kind,
				  struct lana_loc loc, const char *text);
static struct ast_value *mk_list(struct lana_parse_ctx *ctx,
				 struct lana_loc open, struct lana_loc close,
				 uint32_t start);
static uint32_t push_elem(struct lana_parse_ctx *ctx, struct lana_loc loc,
			  const char *name, struct lana_loc name_loc,
			  const char *type, struct lana_loc type_loc,
			  uint32_t args);
static void set_ports(struct lana_parse_ctx *ctx, uint32_t idx,
		      struct ast_port in, struct lana_loc in_open,
		      struct ast_port out);
static struct ast_port mk_index_port(struct lana_parse_ctx *ctx,
				     const char *text, struct lana_loc loc);
static void push_arg(struct lana_parse_ctx *ctx, const char *key,
		     struct lana_loc key_loc, struct ast_value *val);
static void push_cparam(struct lana_parse_ctx *ctx, const char *name,
			struct lana_loc loc, const char *type,
			struct lana_loc type_loc, struct ast_value *def);
static void add_chain(struct lana_parse_ctx *ctx, struct lana_loc loc,
		      struct lana_chain_start st);
static void add_import(struct lana_parse_ctx *ctx, struct lana_loc loc,
		       const char *path, struct lana_loc path_loc);
static void add_const(struct lana_parse_ctx *ctx, struct lana_loc loc,
		      const char *name, struct lana_loc name_loc,
		      const char *type, struct lana_loc type_loc,
		      struct ast_value *val);
static void add_port(struct lana_parse_ctx *ctx, struct lana_loc loc,
		     uint8_t dir, const char *name, struct lana_loc name_loc,
		     const char *frame, struct lana_loc frame_loc);
static struct ast_compound *begin_block(struct lana_parse_ctx *ctx,
					const char *name, struct lana_loc loc,
					uint32_t params);
static void end_block(struct lana_parse_ctx *ctx, struct lana_loc loc,
		      struct ast_compound *comp);
static void reset_scratch(struct lana_parse_ctx *ctx);
static void begin_host(struct lana_parse_ctx *ctx, struct lana_loc loc,
		       const char *name, struct lana_loc name_loc,
		       uint32_t args);
}

%define api.pure full
%define api.prefix {lana_yy}
%define api.location.type {struct lana_loc}
%define parse.error custom
/*
 * Canonical LR without default reductions (except when accepting): a
 * syntax error is detected in the state where the lookahead is invalid, so
 * the expected-token lists of the messages are exact, without the run-time
 * cost of LAC. The tables stay small for this grammar.
 */
%define lr.type canonical-lr
%define lr.default-reduction accepting
%locations
%param {struct lana_parse_ctx *ctx}

%union {
	const char *str;
	struct ast_value *val;
	struct ast_port port;
	struct lana_chain_start chain;
	struct ast_compound *comp;
	uint32_t idx;
}

%token <str> TOK_IDENT "identifier"
%token <str> TOK_WORD "number or address"
%token <str> TOK_STRING "string"
%token TOK_DCOLON "'::'"
%token TOK_ARROW "'->'"
%token TOK_IMPORT "'import'"
%token TOK_CONST "'const'"
%token TOK_BLOCK "'block'"
%token TOK_INPUT "'input'"
%token TOK_OUTPUT "'output'"
%token TOK_HOST "'host'"

%type <str> name const_type
%type <val> value
%type <port> port port_opt
%type <chain> chain
%type <comp> block_head
%type <idx> elem core args_opt arg_list vlist cparams_opt cparam_list

%%

file
	: stmts
	;

stmts
	: %empty
	| stmts stmt
	;

stmt
	: TOK_IMPORT TOK_STRING ';'
		{ add_import(ctx, @1, $2, @2); }
	| TOK_CONST TOK_IDENT const_type '=' value ';'
		{ add_const(ctx, @1, $2, @2, $3, @3, $5); }
	| block_head stmts '}'
		{ end_block(ctx, @1, $1); }
	| block_head stmts error '}'
		{ end_block(ctx, @1, $1); yyerrok; }
	| TOK_BLOCK error ';'
		{ reset_scratch(ctx); yyerrok; }
	| host_head stmts '}'
		{ ctx->host = 0; }
	| host_head stmts error '}'
		{ ctx->host = 0; yyerrok; }
	| TOK_INPUT TOK_IDENT ':' TOK_IDENT ';'
		{ add_port(ctx, @1, LANA_PORT_IN, $2, @2, $4, @4); }
	| TOK_OUTPUT TOK_IDENT ':' TOK_IDENT ';'
		{ add_port(ctx, @1, LANA_PORT_OUT, $2, @2, $4, @4); }
	| chain ';'
		{ add_chain(ctx, @1, $1); }
	| error ';'
		{ reset_scratch(ctx); yyerrok; }
	;

const_type
	: %empty		{ $$ = NULL; }
	| ':' TOK_IDENT		{ $$ = $2; @$ = @2; }
	;

block_head
	: TOK_BLOCK TOK_IDENT '(' cparams_opt ')' '{'
		{ $$ = begin_block(ctx, $2, @2, $4); }
	| TOK_BLOCK error '{'
		{ $$ = begin_block(ctx, NULL, @1, ctx->cparams.n); yyerrok; }
	;

host_head
	: TOK_HOST TOK_IDENT '(' args_opt ')' '{'
		{ begin_host(ctx, @1, $2, @2, $4); }
	;

cparams_opt
	: %empty		{ $$ = ctx->cparams.n; }
	| cparam_list		{ $$ = $1; }
	;

cparam_list
	: cparam		{ $$ = ctx->cparams.n - 1; }
	| cparam_list ',' cparam	{ $$ = $1; }
	;

cparam
	: TOK_IDENT ':' TOK_IDENT
		{ push_cparam(ctx, $1, @1, $3, @3, NULL); }
	| TOK_IDENT ':' TOK_IDENT '=' value
		{ push_cparam(ctx, $1, @1, $3, @3, $5); }
	;

chain
	: elem
		{ $$.elem = $1; $$.arrow = ctx->arrows.n; }
	| chain TOK_ARROW elem
		{ VEC_PUSH(&ctx->arrows, @2); $$ = $1; }
	;

elem
	: port_opt core port_opt
		{ set_ports(ctx, $2, $1, @1, $3); $$ = $2; }
	;

port_opt
	: %empty		{ memset(&$$, 0, sizeof($$)); }
	| port			{ $$ = $1; }
	;

port
	: '[' TOK_WORD ']'	{ $$ = mk_index_port(ctx, $2, @2); }
	| '[' name ']'
		{
			memset(&$$, 0, sizeof($$));
			$$.set = true;
			$$.name = $2;
			$$.loc = @2;
		}
	;

core
	: TOK_IDENT
		{ $$ = push_elem(ctx, @1, $1, @1, NULL, @1, ctx->args.n); }
	| TOK_IDENT TOK_DCOLON TOK_IDENT '(' args_opt ')'
		{ $$ = push_elem(ctx, @1, $1, @1, $3, @3, $5); }
	| TOK_IDENT '(' args_opt ')'
		{ $$ = push_elem(ctx, @1, NULL, @1, $1, @1, $3); }
	;

args_opt
	: %empty		{ $$ = ctx->args.n; }
	| arg_list		{ $$ = $1; }
	| arg_list ','		{ $$ = $1; }
	;

arg_list
	: arg			{ $$ = ctx->args.n - 1; }
	| arg_list ',' arg	{ $$ = $1; }
	;

arg
	: name '=' value	{ push_arg(ctx, $1, @1, $3); }
	;

name
	: TOK_IDENT		{ $$ = $1; }
	| TOK_IMPORT		{ $$ = "import"; }
	| TOK_CONST		{ $$ = "const"; }
	| TOK_BLOCK		{ $$ = "block"; }
	| TOK_INPUT		{ $$ = "input"; }
	| TOK_OUTPUT		{ $$ = "output"; }
	| TOK_HOST		{ $$ = "host"; }
	;

value
	: TOK_WORD		{ $$ = mk_value(ctx, AST_VAL_WORD, @1, $1); }
	| TOK_STRING		{ $$ = mk_value(ctx, AST_VAL_STRING, @1, $1); }
	| TOK_IDENT		{ $$ = mk_value(ctx, AST_VAL_IDENT, @1, $1); }
	| '[' ']'		{ $$ = mk_list(ctx, @1, @2, ctx->vals.n); }
	| '[' vlist ']'		{ $$ = mk_list(ctx, @1, @3, $2); }
	| '[' vlist ',' ']'	{ $$ = mk_list(ctx, @1, @4, $2); }
	;

vlist
	: value			{ $$ = ctx->vals.n; VEC_PUSH(&ctx->vals, $1); }
	| vlist ',' value	{ VEC_PUSH(&ctx->vals, $3); $$ = $1; }
	;

%%

/* ------------------------------------------------------------- scanner */

static int lana_yylex(LANA_YYSTYPE *lval, LANA_YYLTYPE *lloc,
		      struct lana_parse_ctx *ctx)
{
	int t;

	/* --max-errors reached: end the input here, nothing more is wanted */
	if (ctx->s->stopped) {
		memset(lloc, 0, sizeof(*lloc));
		return LANA_YYEOF;
	}
	t = lana_scan(lval, lloc, ctx->scanner);

	if (ctx->tok_loc.line) {
		ctx->prev_loc = ctx->tok_loc;
		ctx->prev_off = ctx->tok_off;
		ctx->prev_kind = ctx->tok_kind;
		ctx->have_prev = true;
	}
	ctx->tok_loc = *lloc;
	ctx->tok_off = ctx->off - lloc->len;
	ctx->tok_kind = t;
	return t;
}

/* ------------------------------------------------------------ messages */

/* Append @n bytes of source text, printable, at most @max bytes. */
static void put_excerpt(struct lana_buf *b, const char *p, size_t n,
			size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)p[i];

		lana_buf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (n > max)
		lana_buf_puts(b, "...");
}

/* How the lookahead token is named in "unexpected X". */
static void describe_token(struct lana_buf *b, struct lana_parse_ctx *ctx,
			   yysymbol_kind_t tok)
{
	const char *p = ctx->text + ctx->tok_off;
	size_t n = ctx->tok_loc.len;

	if (tok == YYSYMBOL_YYEOF || ctx->tok_off + n > ctx->len) {
		lana_buf_puts(b, "end of file");
	} else if (tok == YYSYMBOL_TOK_STRING) {
		lana_buf_puts(b, "string ");
		put_excerpt(b, p, n, 40);
	} else {
		lana_buf_putc(b, '\'');
		put_excerpt(b, p, n, 40);
		lana_buf_putc(b, '\'');
	}
}

/*
 * unit_apart() - when the lookahead is an identifier that is a unit
 * (`mbps`, `KiB`, `ms`) and the token before it, on the same line, a bare
 * number (`10`, `1.5`), append "; did you mean '10mbps'?" to @b: a unit
 * is part of its number's word, without a space.
 */
static void unit_apart(struct lana_buf *b, struct lana_parse_ctx *ctx,
		       yysymbol_kind_t tok)
{
	const char *num = ctx->text + ctx->prev_off;
	const char *unit = ctx->text + ctx->tok_off;
	size_t nlen = ctx->prev_loc.len, ulen = ctx->tok_loc.len, i;
	char word[32];

	if (tok != YYSYMBOL_TOK_IDENT || !ctx->have_prev ||
	    ctx->prev_kind != TOK_WORD ||
	    ctx->prev_loc.line != ctx->tok_loc.line ||
	    ctx->prev_off + nlen > ctx->tok_off ||
	    ctx->tok_off + ulen > ctx->len || ulen >= sizeof(word))
		return;
	for (i = 0; i < nlen; i++)
		if (!((num[i] >= '0' && num[i] <= '9') || num[i] == '.'))
			return;
	memcpy(word, unit, ulen);
	word[ulen] = '\0';
	if (!lana_value_is_unit(word))
		return;
	lana_buf_puts(b, "; did you mean '");
	lana_buf_put(b, num, nlen);
	lana_buf_put(b, unit, ulen);
	lana_buf_puts(b, "'?");
}

static bool is_keyword(yysymbol_kind_t k)
{
	return k == YYSYMBOL_TOK_IMPORT || k == YYSYMBOL_TOK_CONST ||
	       k == YYSYMBOL_TOK_BLOCK || k == YYSYMBOL_TOK_INPUT ||
	       k == YYSYMBOL_TOK_OUTPUT || k == YYSYMBOL_TOK_HOST;
}

/*
 * Bison's syntax error hook (parse.error custom): "unexpected X, expected
 * A, B or C", or "expected ';' after statement" (at the end of the previous
 * token, as GCC does) when a statement could end and the next token is on
 * a later line.
 */
static int yyreport_syntax_error(const yypcontext_t *yyctx,
				 struct lana_parse_ctx *ctx)
{
	yysymbol_kind_t tok = yypcontext_token(yyctx);
	yysymbol_kind_t exp[YYNTOKENS];
	struct lana_loc loc = *yypcontext_location(yyctx);
	struct lana_buf b = { 0 };
	int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS), i, m;
	bool semi = false, ident = false, list_ctx = false;

	if (n < 0)
		return n;
	ctx->syntax_errors++;
	/*
	 * An unterminated string swallowed the rest of its line (often the
	 * closing ')' and ';'): the error that follows is a consequence of
	 * the one already reported, so do not pile a second one on top.
	 */
	if (ctx->have_prev && ctx->bad_string.line &&
	    ctx->prev_loc.line == ctx->bad_string.line &&
	    ctx->prev_loc.col == ctx->bad_string.col)
		return 0;
	for (i = 0; i < n; i++) {
		semi |= exp[i] == YYTRANSLATE(';');
		ident |= exp[i] == YYSYMBOL_TOK_IDENT;
		list_ctx |= exp[i] == YYTRANSLATE(')') ||
			    exp[i] == YYTRANSLATE(']');
	}
	if (semi && ctx->have_prev &&
	    (tok == YYSYMBOL_YYEOF || ctx->tok_loc.line > ctx->prev_loc.line)) {
		struct lana_loc at = ctx->prev_loc;

		at.col += at.len;
		at.len = 1;
		lana_error(ctx->s, at, "expected ';' after statement");
		return 0;
	}
	lana_buf_puts(&b, "unexpected ");
	describe_token(&b, ctx, tok);
	/* keywords are accepted where names are, but say "identifier" */
	for (i = m = 0; i < n; i++)
		if (!(ident && is_keyword(exp[i])))
			exp[m++] = exp[i];
	if (m == 2 && ((exp[0] == YYSYMBOL_TOK_IDENT &&
			exp[1] == YYSYMBOL_TOK_WORD) ||
		       (exp[0] == YYSYMBOL_TOK_WORD &&
			exp[1] == YYSYMBOL_TOK_IDENT))) {
		lana_buf_puts(&b, ", expected a port index or name");
	} else if (m > 0 && m <= 5) {
		lana_buf_puts(&b, ", expected ");
		for (i = 0; i < m; i++) {
			if (i)
				lana_buf_puts(&b, i == m - 1 ? " or " : ", ");
			lana_buf_puts(&b, yysymbol_name(exp[i]));
		}
	}
	unit_apart(&b, ctx, tok);
	lana_error(ctx->s, loc, "%s", b.data);
	lana_buf_free(&b);
	if ((tok == YYSYMBOL_TOK_DCOLON || tok == YYTRANSLATE(':')) && list_ctx)
		lana_note(ctx->s, loc,
			  "IPv6 addresses must be written as strings, e.g. \"fe80::1\"");
	return 0;
}

static void lana_yyerror(LANA_YYLTYPE *loc, struct lana_parse_ctx *ctx,
			 const char *msg)
{
	ctx->syntax_errors++;
	if (!strcmp(msg, "memory exhausted"))
		lana_error(ctx->s, *loc, "nesting too deep");
	else
		lana_error(ctx->s, *loc, "%s", msg);
}

/* --------------------------------------------------------------- nodes */

/* Copy @n elements of the scratch stack @vec from index @start to the arena. */
#define SLICE(ctx, vec, start, n)                                       \
	((n) ? lana_arena_memdup((ctx)->a, (vec).v + (start),           \
				 (size_t)(n) * sizeof(*(vec).v)) : NULL)

static struct ast_value *mk_value(struct lana_parse_ctx *ctx, uint8_t kind,
				  struct lana_loc loc, const char *text)
{
	struct ast_value *v = lana_arena_alloc(ctx->a, sizeof(*v));

	v->kind = kind;
	v->loc = loc;
	v->text = text;
	return v;
}

static struct ast_value *mk_list(struct lana_parse_ctx *ctx,
				 struct lana_loc open, struct lana_loc close,
				 uint32_t start)
{
	struct ast_value *v = mk_value(ctx, AST_VAL_LIST, open, NULL);

	if (close.line == open.line && close.col >= open.col)
		v->loc.len = close.col + close.len - open.col;
	if (start > ctx->vals.n)
		start = ctx->vals.n;
	v->nitems = ctx->vals.n - start;
	v->items = SLICE(ctx, ctx->vals, start, v->nitems);
	ctx->vals.n = start;
	return v;
}

static uint32_t push_elem(struct lana_parse_ctx *ctx, struct lana_loc loc,
			  const char *name, struct lana_loc name_loc,
			  const char *type, struct lana_loc type_loc,
			  uint32_t args)
{
	struct ast_elem e;

	memset(&e, 0, sizeof(e));
	e.loc = loc;
	e.name = name;
	if (name)
		e.name_loc = name_loc;
	e.type = type;
	if (type)
		e.type_loc = type_loc;
	if (args > ctx->args.n)
		args = ctx->args.n;
	e.nargs = ctx->args.n - args;
	e.args = SLICE(ctx, ctx->args, args, e.nargs);
	ctx->args.n = args;
	VEC_PUSH(&ctx->elems, e);
	return ctx->elems.n - 1;
}

static void set_ports(struct lana_parse_ctx *ctx, uint32_t idx,
		      struct ast_port in, struct lana_loc in_open,
		      struct ast_port out)
{
	struct ast_elem *e = &ctx->elems.v[idx];

	e->in = in;
	e->out = out;
	if (in.set || in.loc.line)
		e->loc = in_open;	/* the element starts at its '[' */
}

/* `[N]`: N must be a decimal integer that fits in 32 bits. */
static struct ast_port mk_index_port(struct lana_parse_ctx *ctx,
				     const char *text, struct lana_loc loc)
{
	struct ast_port p;
	uint64_t v = 0;
	const char *c;

	memset(&p, 0, sizeof(p));
	p.loc = loc;
	for (c = text; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > UINT32_MAX)
			break;
	}
	if (*c && !(*c >= '0' && *c <= '9')) {
		lana_error(ctx->s, loc,
			   "port index '%s' is not a decimal integer", text);
		return p;	/* not set: the error is already reported */
	}
	if (v > UINT32_MAX) {
		lana_error(ctx->s, loc, "port index '%s' is too large", text);
		return p;
	}
	p.set = true;
	p.is_index = true;
	p.index = (uint32_t)v;
	return p;
}

static void push_arg(struct lana_parse_ctx *ctx, const char *key,
		     struct lana_loc key_loc, struct ast_value *val)
{
	struct ast_arg arg = { .key = key, .key_loc = key_loc, .val = val };

	VEC_PUSH(&ctx->args, arg);
}

static void push_cparam(struct lana_parse_ctx *ctx, const char *name,
			struct lana_loc loc, const char *type,
			struct lana_loc type_loc, struct ast_value *def)
{
	struct ast_cparam p = {
		.name = name, .loc = loc, .type = type, .type_loc = type_loc,
		.def = def,
	};

	VEC_PUSH(&ctx->cparams, p);
}

static struct ast_stmt *new_stmt(struct lana_parse_ctx *ctx, uint8_t kind,
				 struct lana_loc loc)
{
	struct ast_stmt *st;

	VEC_GROW(&ctx->stmts);
	st = &ctx->stmts.v[ctx->stmts.n++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->loc = loc;
	return st;
}

static void add_chain(struct lana_parse_ctx *ctx, struct lana_loc loc,
		      struct lana_chain_start s)
{
	struct ast_stmt *st;
	uint32_t n, na;

	if (s.elem > ctx->elems.n)
		s.elem = ctx->elems.n;
	if (s.arrow > ctx->arrows.n)
		s.arrow = ctx->arrows.n;
	n = ctx->elems.n - s.elem;
	na = ctx->arrows.n - s.arrow;
	st = new_stmt(ctx, AST_STMT_CHAIN, loc);
	/* a chain of a host body (not of a compound inside it) */
	st->chain.host = ctx->depth ? 0 : ctx->host;
	st->chain.n = n;
	st->chain.elems = SLICE(ctx, ctx->elems, s.elem, n);
	st->chain.arrows = SLICE(ctx, ctx->arrows, s.arrow, na);
	ctx->elems.n = s.elem;
	ctx->arrows.n = s.arrow;
}

static void add_import(struct lana_parse_ctx *ctx, struct lana_loc loc,
		       const char *path, struct lana_loc path_loc)
{
	struct ast_stmt *st;

	if (ctx->depth) {
		lana_error(ctx->s, loc,
			   "'import' is only allowed at the top level of a file");
		return;
	}
	st = new_stmt(ctx, AST_STMT_IMPORT, loc);
	st->imp.path = path;
	st->imp.loc = path_loc;
}

static void add_const(struct lana_parse_ctx *ctx, struct lana_loc loc,
		      const char *name, struct lana_loc name_loc,
		      const char *type, struct lana_loc type_loc,
		      struct ast_value *val)
{
	struct ast_stmt *st = new_stmt(ctx, AST_STMT_CONST, loc);

	st->cst.name = name;
	st->cst.loc = name_loc;
	st->cst.type = type;
	if (type)
		st->cst.type_loc = type_loc;
	st->cst.val = val;
}

static void add_port(struct lana_parse_ctx *ctx, struct lana_loc loc,
		     uint8_t dir, const char *name, struct lana_loc name_loc,
		     const char *frame, struct lana_loc frame_loc)
{
	struct ast_stmt *st;

	if (!ctx->depth) {
		lana_error(ctx->s, loc,
			   "'%s' ports can only be declared inside a compound block",
			   dir == LANA_PORT_IN ? "input" : "output");
		return;
	}
	st = new_stmt(ctx, AST_STMT_PORT, loc);
	st->port.name = name;
	st->port.loc = name_loc;
	st->port.dir = dir;
	st->port.frame = frame;
	st->port.frame_loc = frame_loc;
}

static struct ast_compound *begin_block(struct lana_parse_ctx *ctx,
					const char *name, struct lana_loc loc,
					uint32_t params)
{
	struct ast_compound *c = lana_arena_alloc(ctx->a, sizeof(*c));

	if (name && ctx->depth)
		lana_error(ctx->s, loc,
			   "compound block '%s' cannot be defined inside another compound block",
			   name);
	c->name = name;
	c->loc = loc;
	if (params > ctx->cparams.n)
		params = ctx->cparams.n;
	c->nparams = ctx->cparams.n - params;
	c->params = SLICE(ctx, ctx->cparams, params, c->nparams);
	ctx->cparams.n = params;
	VEC_PUSH(&ctx->body_starts, ctx->stmts.n);
	ctx->depth++;
	return c;
}

static void end_block(struct lana_parse_ctx *ctx, struct lana_loc loc,
		      struct ast_compound *comp)
{
	struct ast_stmt *st;
	struct ast_body *body;
	uint32_t start;

	if (!ctx->body_starts.n)
		return;		/* cannot happen: begin/end are paired */
	start = ctx->body_starts.v[--ctx->body_starts.n];
	ctx->depth--;
	if (start > ctx->stmts.n)
		start = ctx->stmts.n;
	body = lana_arena_alloc(ctx->a, sizeof(*body));
	body->n = ctx->stmts.n - start;
	body->stmts = SLICE(ctx, ctx->stmts, start, body->n);
	ctx->stmts.n = start;
	comp->body = body;
	if (!comp->name || ctx->depth)
		return;		/* broken header or nested: reported */
	st = new_stmt(ctx, AST_STMT_COMPOUND, loc);
	st->comp = *comp;
}

/* `host NAME(args) {`: its body's chains are marked with it (ast.h). */
static void begin_host(struct lana_parse_ctx *ctx, struct lana_loc loc,
		       const char *name, struct lana_loc name_loc,
		       uint32_t args)
{
	struct ast_host h;

	memset(&h, 0, sizeof(h));
	h.name = name;
	h.loc = loc;
	h.name_loc = name_loc;
	if (args > ctx->args.n)
		args = ctx->args.n;
	h.nargs = ctx->args.n - args;
	h.args = SLICE(ctx, ctx->args, args, h.nargs);
	ctx->args.n = args;
	if (ctx->depth) {
		lana_error(ctx->s, loc,
			   "host '%s' cannot be declared inside a compound block",
			   name);
		return;
	}
	if (ctx->host) {
		lana_error(ctx->s, loc,
			   "host '%s' cannot be declared inside host '%s'",
			   name, ctx->hosts.v[ctx->host - 1].name);
		lana_note(ctx->s, ctx->hosts.v[ctx->host - 1].loc,
			  "host '%s' begins here",
			  ctx->hosts.v[ctx->host - 1].name);
		return;		/* its body stays the outer host's */
	}
	VEC_PUSH(&ctx->hosts, h);
	ctx->host = ctx->hosts.n;
}

/* After a syntax error no half-built chain or list is still wanted. */
static void reset_scratch(struct lana_parse_ctx *ctx)
{
	ctx->elems.n = 0;
	ctx->arrows.n = 0;
	ctx->args.n = 0;
	ctx->vals.n = 0;
}

/* ----------------------------------------------------------------- API */

struct ast_file *lana_parse(struct lana_sources *s, uint32_t file,
			    struct lana_arena *a)
{
	struct ast_file *f = lana_arena_alloc(a, sizeof(*f));
	const struct lana_source *src = lana_source_get(s, file);
	struct lana_parse_ctx ctx;
	uint32_t top;

	f->file = file;
	if (!src)
		return f;
	memset(&ctx, 0, sizeof(ctx));
	ctx.s = s;
	ctx.file = file;
	ctx.a = a;
	ctx.scanner = lana_scanner_open(&ctx, src->text, src->len);
	if (lana_yyparse(&ctx))
		ctx.aborted = true;
	lana_scanner_close(ctx.scanner);

	/* an unfinished compound body is dropped with its statements */
	top = ctx.body_starts.n ? ctx.body_starts.v[0] : ctx.stmts.n;
	if (top > ctx.stmts.n)
		top = ctx.stmts.n;
	f->body.n = top;
	f->body.stmts = SLICE(&ctx, ctx.stmts, 0, top);
	f->nhosts = ctx.hosts.n;
	f->hosts = SLICE(&ctx, ctx.hosts, 0, ctx.hosts.n);

	VEC_FREE(&ctx.stmts);
	VEC_FREE(&ctx.body_starts);
	VEC_FREE(&ctx.elems);
	VEC_FREE(&ctx.arrows);
	VEC_FREE(&ctx.args);
	VEC_FREE(&ctx.vals);
	VEC_FREE(&ctx.cparams);
	VEC_FREE(&ctx.hosts);
	return f;
}
