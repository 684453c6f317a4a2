// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_parser.c - the .lana parser (lang/parser.y) and the
 * source/diagnostics module (lang/source.c): the AST of the language
 * contract with exact locations, ports, values, compounds, syntax errors
 * with their positions and recovery at ';' and '}', scope errors, deep
 * nesting, and the GCC-style and JSON diagnostic output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "blocks/lana_block.h"
#include "lang/ast.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	struct lana_sources s;
	struct lana_arena a;
	const char *text;
	struct ast_file *ast;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	lana_sources_init(&f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	lana_arena_free(&f->a);
	lana_sources_free(&f->s);
	free(f);
	return 0;
}

static struct ast_file *parse(struct fixture *f, const char *path,
			      const char *text)
{
	uint32_t file = lana_source_add(&f->s, path, text, strlen(text));

	f->text = text;
	f->ast = lana_parse(&f->s, file, &f->a);
	assert_non_null(f->ast);
	assert_int_equal(f->ast->file, file);
	return f->ast;
}

/*
 * Assert that @loc is at the @nth (0-based) occurrence of @needle in the
 * parsed text, computed independently of the parser, with length @len.
 */
static void check_loc(struct fixture *f, struct lana_loc loc,
		      const char *needle, int nth, uint32_t len)
{
	const char *p = f->text, *q;
	uint32_t line = 1, col = 1;

	for (;;) {
		p = strstr(p, needle);
		assert_non_null(p);
		if (nth-- == 0)
			break;
		p++;
	}
	for (q = f->text; q < p; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	assert_int_equal(loc.file, f->ast->file);
	assert_int_equal(loc.line, line);
	assert_int_equal(loc.col, col);
	assert_int_equal(loc.len, len);
}

static void check_value(struct fixture *f, const struct ast_value *v,
			int kind, const char *text, const char *at, int nth)
{
	assert_non_null(v);
	assert_int_equal(v->kind, kind);
	assert_string_equal(v->text, text);
	check_loc(f, v->loc, at, nth,
		  kind == AST_VAL_STRING ? strlen(at) : strlen(text));
}

/* Argument @key (found at the @nth @key_at) = value @text (at @at). */
static void check_arg(struct fixture *f, const struct ast_arg *arg,
		      const char *key, const char *key_at, int nth, int kind,
		      const char *text, const char *at)
{
	assert_string_equal(arg->key, key);
	check_loc(f, arg->key_loc, key_at, nth, strlen(key));
	check_value(f, arg->val, kind, text, at, 0);
}

static const char contract[] =
	"// line comment   /* block comment */   # line comment\n"
	"import \"std/monitor.lana\";              // search path\n"
	"const MTU = 1500;                        // typed constants\n"
	"\n"
	"src  :: eth(dev = \"veth0\");             // declaration\n"
	"t    :: tee(n = 2);\n"
	"c    :: counter();\n"
	"\n"
	"src -> t;                                // connection\n"
	"t[0] -> bpf(filter = \"ip\") -> c -> drop();   // anonymous\n"
	"t[1] -> [in]x :: counter();              // ports\n"
	"block trunk(dev: string, vid: u16 = 1) { // compound block\n"
	"    input  in  : eth;                    // typed boundary ports\n"
	"    output out : eth;\n"
	"    in -> vlan(op = pop, vid = vid) -> out;\n"
	"}\n"
	"tr :: trunk(dev = \"veth1\", vid = 10);\n";

static void test_contract(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "contract.lana", contract);
	struct ast_stmt *st = ast->body.stmts, *b;
	struct ast_elem *e;
	struct ast_compound *comp;

	assert_int_equal(f->s.errors, 0);
	assert_int_equal(f->s.diags.n, 0);
	assert_int_equal(ast->body.n, 10);

	/* import "std/monitor.lana"; */
	assert_int_equal(st[0].kind, AST_STMT_IMPORT);
	check_loc(f, st[0].loc, "import", 0, 6);
	assert_string_equal(st[0].imp.path, "std/monitor.lana");
	check_loc(f, st[0].imp.loc, "\"std/monitor.lana\"", 0, 18);

	/* const MTU = 1500; */
	assert_int_equal(st[1].kind, AST_STMT_CONST);
	check_loc(f, st[1].loc, "const", 0, 5);
	assert_string_equal(st[1].cst.name, "MTU");
	check_loc(f, st[1].cst.loc, "MTU", 0, 3);
	assert_null(st[1].cst.type);
	check_value(f, st[1].cst.val, AST_VAL_WORD, "1500", "1500", 0);

	/* src :: eth(dev = "veth0"); */
	assert_int_equal(st[2].kind, AST_STMT_CHAIN);
	check_loc(f, st[2].loc, "src", 0, 3);
	assert_int_equal(st[2].chain.n, 1);
	e = &st[2].chain.elems[0];
	check_loc(f, e->loc, "src", 0, 3);
	assert_string_equal(e->name, "src");
	check_loc(f, e->name_loc, "src", 0, 3);
	assert_string_equal(e->type, "eth");
	check_loc(f, e->type_loc, "eth", 0, 3);
	assert_int_equal(e->nargs, 1);
	check_arg(f, &e->args[0], "dev", "dev", 0, AST_VAL_STRING, "veth0",
		  "\"veth0\"");
	assert_false(e->in.set);
	assert_false(e->out.set);

	/* t :: tee(n = 2); c :: counter(); */
	e = &st[3].chain.elems[0];
	assert_string_equal(e->name, "t");
	assert_string_equal(e->type, "tee");
	assert_int_equal(e->nargs, 1);
	check_arg(f, &e->args[0], "n", "n =", 0, AST_VAL_WORD, "2", "2)");
	e = &st[4].chain.elems[0];
	assert_int_equal(st[4].chain.n, 1);
	assert_string_equal(e->name, "c");
	assert_string_equal(e->type, "counter");
	check_loc(f, e->type_loc, "counter", 0, 7);
	assert_int_equal(e->nargs, 0);

	/* src -> t; */
	assert_int_equal(st[5].kind, AST_STMT_CHAIN);
	assert_int_equal(st[5].chain.n, 2);
	check_loc(f, st[5].loc, "src ->", 0, 3);
	e = st[5].chain.elems;
	assert_string_equal(e[0].name, "src");
	assert_null(e[0].type);
	assert_string_equal(e[1].name, "t");
	assert_null(e[1].type);
	check_loc(f, e[1].name_loc, "t;", 0, 1);
	check_loc(f, st[5].chain.arrows[0], "->", 0, 2);

	/* t[0] -> bpf(filter = "ip") -> c -> drop(); */
	assert_int_equal(st[6].chain.n, 4);
	e = st[6].chain.elems;
	assert_string_equal(e[0].name, "t");
	assert_true(e[0].out.set);
	assert_true(e[0].out.is_index);
	assert_int_equal(e[0].out.index, 0);
	check_loc(f, e[0].out.loc, "0]", 0, 1);
	assert_false(e[0].in.set);
	assert_null(e[1].name);
	assert_string_equal(e[1].type, "bpf");
	check_loc(f, e[1].loc, "bpf", 0, 3);
	check_arg(f, &e[1].args[0], "filter", "filter", 0, AST_VAL_STRING, "ip",
		  "\"ip\"");
	assert_string_equal(e[2].name, "c");
	assert_null(e[2].type);
	check_loc(f, e[2].loc, "c -> drop", 0, 1);
	assert_null(e[3].name);
	assert_string_equal(e[3].type, "drop");
	check_loc(f, st[6].chain.arrows[0], "->", 1, 2);
	check_loc(f, st[6].chain.arrows[1], "->", 2, 2);
	check_loc(f, st[6].chain.arrows[2], "->", 3, 2);

	/* t[1] -> [in]x :: counter(); */
	e = st[7].chain.elems;
	assert_int_equal(st[7].chain.n, 2);
	assert_int_equal(e[0].out.index, 1);
	assert_true(e[0].out.is_index);
	assert_true(e[1].in.set);
	assert_false(e[1].in.is_index);
	assert_string_equal(e[1].in.name, "in");
	check_loc(f, e[1].in.loc, "in]", 0, 2);
	check_loc(f, e[1].loc, "[in]", 0, 1);	/* first token: '[' */
	assert_string_equal(e[1].name, "x");
	check_loc(f, e[1].name_loc, "x ::", 0, 1);
	assert_string_equal(e[1].type, "counter");
	check_loc(f, e[1].type_loc, "counter", 1, 7);
	assert_false(e[1].out.set);

	/* block trunk(dev: string, vid: u16 = 1) { ... } */
	assert_int_equal(st[8].kind, AST_STMT_COMPOUND);
	check_loc(f, st[8].loc, "block", 1, 5);
	comp = &st[8].comp;
	assert_string_equal(comp->name, "trunk");
	check_loc(f, comp->loc, "trunk", 0, 5);
	assert_int_equal(comp->nparams, 2);
	assert_string_equal(comp->params[0].name, "dev");
	check_loc(f, comp->params[0].loc, "dev:", 0, 3);
	assert_string_equal(comp->params[0].type, "string");
	check_loc(f, comp->params[0].type_loc, "string", 0, 6);
	assert_null(comp->params[0].def);
	assert_string_equal(comp->params[1].name, "vid");
	assert_string_equal(comp->params[1].type, "u16");
	check_value(f, comp->params[1].def, AST_VAL_WORD, "1", "1)", 0);
	assert_non_null(comp->body);
	assert_int_equal(comp->body->n, 3);
	b = comp->body->stmts;
	assert_int_equal(b[0].kind, AST_STMT_PORT);
	check_loc(f, b[0].loc, "input", 0, 5);
	assert_int_equal(b[0].port.dir, LANA_PORT_IN);
	assert_string_equal(b[0].port.name, "in");
	check_loc(f, b[0].port.loc, "in  :", 0, 2);
	assert_string_equal(b[0].port.frame, "eth");
	check_loc(f, b[0].port.frame_loc, "eth;", 0, 3);
	assert_int_equal(b[1].kind, AST_STMT_PORT);
	assert_int_equal(b[1].port.dir, LANA_PORT_OUT);
	assert_string_equal(b[1].port.name, "out");
	assert_int_equal(b[2].kind, AST_STMT_CHAIN);
	assert_int_equal(b[2].chain.n, 3);
	e = b[2].chain.elems;
	assert_string_equal(e[0].name, "in");
	check_loc(f, e[0].loc, "in ->", 0, 2);
	assert_string_equal(e[1].type, "vlan");
	assert_int_equal(e[1].nargs, 2);
	check_arg(f, &e[1].args[0], "op", "op =", 0, AST_VAL_IDENT, "pop", "pop");
	check_arg(f, &e[1].args[1], "vid", "vid =", 0, AST_VAL_IDENT, "vid",
		  "vid)");
	assert_string_equal(e[2].name, "out");

	/* tr :: trunk(dev = "veth1", vid = 10); */
	e = st[9].chain.elems;
	assert_string_equal(e->name, "tr");
	assert_string_equal(e->type, "trunk");
	check_loc(f, e->type_loc, "trunk", 1, 5);
	assert_int_equal(e->nargs, 2);
	check_arg(f, &e->args[0], "dev", "dev", 2, AST_VAL_STRING, "veth1",
		  "\"veth1\"");
	check_arg(f, &e->args[1], "vid", "vid =", 1, AST_VAL_WORD, "10", "10)");
}

static void test_ports(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "p.lana",
		"a[0] -> [1]b[2] -> c;\n"
		"[x]d[y] -> [input]e[output] -> f[007];\n");
	struct ast_elem *e;

	assert_int_equal(f->s.errors, 0);
	assert_int_equal(ast->body.n, 2);
	e = ast->body.stmts[0].chain.elems;
	assert_int_equal(e[0].out.index, 0);
	assert_true(e[1].in.set && e[1].in.is_index);
	assert_int_equal(e[1].in.index, 1);
	assert_true(e[1].out.set && e[1].out.is_index);
	assert_int_equal(e[1].out.index, 2);
	check_loc(f, e[1].loc, "[1]", 0, 1);
	check_loc(f, e[1].name_loc, "b", 0, 1);
	assert_false(e[2].in.set);
	assert_false(e[2].out.set);

	e = ast->body.stmts[1].chain.elems;
	check_loc(f, ast->body.stmts[1].loc, "[x]", 0, 1);
	assert_string_equal(e[0].in.name, "x");
	assert_string_equal(e[0].out.name, "y");
	/* keywords are fine as port names */
	assert_string_equal(e[1].in.name, "input");
	assert_string_equal(e[1].out.name, "output");
	check_loc(f, e[1].out.loc, "output", 0, 6);
	assert_int_equal(e[2].out.index, 7);
}

static void test_values(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "v.lana",
		"const L = [1, \"a\", x, [], [2, [3]],];\n"
		"const V: u16 = 20;\n"
		"g :: gen(size = 64B, src = 02:00:00:00:00:01, dst = aa:bb:cc:dd:ee:ff,\n"
		"         rate = 1Gbit, input = -3,);\n");
	struct ast_value *v, *w;
	struct ast_elem *e;

	assert_int_equal(f->s.errors, 0);
	assert_int_equal(ast->body.n, 3);
	v = ast->body.stmts[0].cst.val;
	assert_int_equal(v->kind, AST_VAL_LIST);
	check_loc(f, v->loc, "[1, ", 0, strlen("[1, \"a\", x, [], [2, [3]],]"));
	assert_int_equal(v->nitems, 5);
	check_value(f, v->items[0], AST_VAL_WORD, "1", "1,", 0);
	check_value(f, v->items[1], AST_VAL_STRING, "a", "\"a\"", 0);
	check_value(f, v->items[2], AST_VAL_IDENT, "x", "x", 0);
	assert_int_equal(v->items[3]->kind, AST_VAL_LIST);
	assert_int_equal(v->items[3]->nitems, 0);
	check_loc(f, v->items[3]->loc, "[]", 0, 2);
	w = v->items[4];
	assert_int_equal(w->kind, AST_VAL_LIST);
	assert_int_equal(w->nitems, 2);
	check_value(f, w->items[0], AST_VAL_WORD, "2", "2,", 0);
	assert_int_equal(w->items[1]->kind, AST_VAL_LIST);
	assert_int_equal(w->items[1]->nitems, 1);
	check_value(f, w->items[1]->items[0], AST_VAL_WORD, "3", "3", 0);

	assert_string_equal(ast->body.stmts[1].cst.name, "V");
	assert_string_equal(ast->body.stmts[1].cst.type, "u16");
	check_loc(f, ast->body.stmts[1].cst.type_loc, "u16", 0, 3);
	check_value(f, ast->body.stmts[1].cst.val, AST_VAL_WORD, "20", "20",
		    0);

	e = ast->body.stmts[2].chain.elems;
	assert_int_equal(e->nargs, 5);
	check_arg(f, &e->args[0], "size", "size", 0, AST_VAL_WORD, "64B", "64B");
	check_arg(f, &e->args[1], "src", "src", 0, AST_VAL_WORD,
		  "02:00:00:00:00:01", "02:00");
	check_arg(f, &e->args[2], "dst", "dst", 0, AST_VAL_WORD,
		  "aa:bb:cc:dd:ee:ff", "aa:bb");
	check_arg(f, &e->args[3], "rate", "rate", 0, AST_VAL_WORD, "1Gbit", "1Gbit");
	check_arg(f, &e->args[4], "input", "input", 0, AST_VAL_WORD, "-3", "-3");
}

/* Diagnostic @i: severity, position (the @nth @at in the text), message. */
static void check_diag(struct fixture *f, uint32_t i, int sev,
		       const char *at, int nth, uint32_t len, const char *msg)
{
	const struct lana_diag *d;

	assert_true(i < f->s.diags.n);
	d = &f->s.diags.v[i];
	assert_int_equal(d->sev, sev);
	assert_string_equal(d->msg, msg);
	check_loc(f, d->loc, at, nth, len);
}

static void test_syntax_recovery(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "r.lana",
		"a :: eth(dev = \"veth0\");\n"
		"b :: eth(dev \"veth1\");\n"
		"c :: counter(;\n"
		"a -> ;\n"
		"d :: fwd() fwd();\n"
		"x :: counter -> drop();\n"
		"a -> b;\n");

	assert_int_equal(f->s.errors, 5);
	assert_int_equal(f->s.diags.n, 5);
	check_diag(f, 0, LANA_SEV_ERROR, "\"veth1\"", 0, 7,
		   "unexpected string \"veth1\", expected '='");
	check_diag(f, 1, LANA_SEV_ERROR, ";", 2, 1,
		   "unexpected ';', expected identifier or ')'");
	check_diag(f, 2, LANA_SEV_ERROR, ";", 3, 1,
		   "unexpected ';', expected identifier or '['");
	check_diag(f, 3, LANA_SEV_ERROR, "fwd();", 0, 3,
		   "unexpected 'fwd', expected '->', ';' or '['");
	check_diag(f, 4, LANA_SEV_ERROR, "-> drop", 0, 2,
		   "unexpected '->', expected '('");
	/* the good statements around the bad ones are all there */
	assert_int_equal(ast->body.n, 2);
	assert_string_equal(ast->body.stmts[0].chain.elems[0].name, "a");
	assert_int_equal(ast->body.stmts[1].chain.n, 2);
	check_loc(f, ast->body.stmts[1].loc, "a -> b", 0, 1);
}

static void test_unterminated_string_no_cascade(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "us.lana",
		"a :: eth(dev = \"veth0);\n"
		"a -> drop();\n"
		"b -> c;\n"
		"d -> ;\n");

	/* the string eats ");": the parse error that follows on the next
	 * line is a consequence and is not reported; later ones are */
	assert_int_equal(f->s.errors, 2);
	check_diag(f, 0, LANA_SEV_ERROR, "\"veth0", 0, 1,
		   "unterminated string");
	check_diag(f, 1, LANA_SEV_ERROR, ";", 3, 1,
		   "unexpected ';', expected identifier or '['");
	assert_int_equal(ast->body.n, 1);
	assert_string_equal(ast->body.stmts[0].chain.elems[0].name, "b");
}

static void test_missing_semicolon(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "m.lana",
		"a :: eth(dev = \"veth0\")\n"
		"a -> drop();\n"
		"b -> c");

	assert_int_equal(f->s.errors, 2);
	/* GCC style: just after the last token of the statement */
	check_diag(f, 0, LANA_SEV_ERROR, "\n", 0, 1,
		   "expected ';' after statement");
	assert_string_equal(f->s.diags.v[1].msg, "expected ';' after statement");
	assert_int_equal(f->s.diags.v[1].loc.line, 3);
	assert_int_equal(f->s.diags.v[1].loc.col, 7);
	assert_int_equal(f->s.diags.v[1].loc.len, 1);
	/* the statement after the error is recovered (it ends at ';') */
	assert_int_equal(ast->body.n, 0);
}

static void test_compound_recovery(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "c.lana",
		"block a() {\n"
		"\tinput in : eth;\n"
		"\tin -> ;\n"
		"\tin -> out\n"
		"}\n"
		"block (x) {\n"
		"\tin -> out;\n"
		"}\n"
		"y :: a();\n");
	struct ast_compound *c;

	assert_int_equal(f->s.errors, 3);
	check_diag(f, 0, LANA_SEV_ERROR, ";", 1, 1,
		   "unexpected ';', expected identifier or '['");
	assert_string_equal(f->s.diags.v[1].msg, "expected ';' after statement");
	assert_int_equal(f->s.diags.v[1].loc.line, 4);
	assert_int_equal(f->s.diags.v[1].loc.col, 11);
	check_diag(f, 2, LANA_SEV_ERROR, "(x)", 0, 1,
		   "unexpected '(', expected identifier");
	/* block a survives with its good statement; the nameless one is
	 * dropped, and the statement after it is parsed at the top level */
	assert_int_equal(ast->body.n, 2);
	assert_int_equal(ast->body.stmts[0].kind, AST_STMT_COMPOUND);
	c = &ast->body.stmts[0].comp;
	assert_string_equal(c->name, "a");
	assert_int_equal(c->nparams, 0);
	assert_int_equal(c->body->n, 1);
	assert_int_equal(c->body->stmts[0].kind, AST_STMT_PORT);
	assert_int_equal(ast->body.stmts[1].kind, AST_STMT_CHAIN);
	assert_string_equal(ast->body.stmts[1].chain.elems[0].name, "y");
}

static void test_scope_errors(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "s.lana",
		"input x : eth;\n"
		"block outer() {\n"
		"\timport \"inc.lana\";\n"
		"\tblock inner() { output o : eth; }\n"
		"\tt[1.5] -> t[99999999999] -> t[2];\n"
		"}\n");
	struct ast_compound *c;
	struct ast_elem *e;

	assert_int_equal(f->s.errors, 5);
	check_diag(f, 0, LANA_SEV_ERROR, "input", 0, 5,
		   "'input' ports can only be declared inside a compound block");
	check_diag(f, 1, LANA_SEV_ERROR, "import", 0, 6,
		   "'import' is only allowed at the top level of a file");
	check_diag(f, 2, LANA_SEV_ERROR, "inner", 0, 5,
		   "compound block 'inner' cannot be defined inside another compound block");
	check_diag(f, 3, LANA_SEV_ERROR, "1.5", 0, 3,
		   "port index '1.5' is not a decimal integer");
	check_diag(f, 4, LANA_SEV_ERROR, "99999999999", 0, 11,
		   "port index '99999999999' is too large");
	assert_int_equal(ast->body.n, 1);
	c = &ast->body.stmts[0].comp;
	assert_string_equal(c->name, "outer");
	/* only the chain is left in the body */
	assert_int_equal(c->body->n, 1);
	e = c->body->stmts[0].chain.elems;
	assert_false(e[0].out.set);
	assert_false(e[1].out.set);
	assert_int_equal(e[2].out.index, 2);
}

static void test_ipv6_and_port_messages(void **state)
{
	struct fixture *f = *state;

	parse(f, "i.lana", "a -> host(addr = fe80::1);\nt[] -> drop();\n");
	assert_int_equal(f->s.errors, 2);
	check_diag(f, 0, LANA_SEV_ERROR, "::", 0, 2,
		   "unexpected '::', expected ')' or ','");
	check_diag(f, 1, LANA_SEV_NOTE, "::", 0, 2,
		   "IPv6 addresses must be written as strings, e.g. \"fe80::1\"");
	check_diag(f, 2, LANA_SEV_ERROR, "]", 0, 1,
		   "unexpected ']', expected a port index or name");
}

static void test_unfinished(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "u.lana",
		"a -> b;\nblock x() {\n\tin -> out;\n");

	assert_int_equal(f->s.errors, 1);
	assert_int_equal(f->s.diags.v[0].loc.line, 4);
	assert_int_equal(f->s.diags.v[0].loc.col, 1);
	assert_string_equal(f->s.diags.v[0].msg,
			    "unexpected end of file, expected identifier, "
			    "'}' or '['");
	/* the complete statement before the open block is kept */
	assert_int_equal(ast->body.n, 1);
	assert_int_equal(ast->body.stmts[0].kind, AST_STMT_CHAIN);
}

static void test_nesting_too_deep(void **state)
{
	struct fixture *f = *state;
	struct lana_buf b = { 0 };
	int i;

	lana_buf_puts(&b, "const X = ");
	for (i = 0; i < 100000; i++)
		lana_buf_putc(&b, '[');
	lana_buf_puts(&b, ";\n");
	parse(f, "d.lana", b.data);
	assert_true(f->s.errors >= 1);
	assert_string_equal(f->s.diags.v[0].msg, "nesting too deep");
	lana_buf_free(&b);

	/* moderate nesting is fine */
	lana_buf_puts(&b, "const Y = ");
	for (i = 0; i < 100; i++)
		lana_buf_putc(&b, '[');
	for (i = 0; i < 100; i++)
		lana_buf_putc(&b, ']');
	lana_buf_puts(&b, ";\n");
	lana_sources_free(&f->s);
	lana_sources_init(&f->s);
	parse(f, "d2.lana", b.data);
	assert_int_equal(f->s.errors, 0);
	lana_buf_free(&b);
}

static void test_empty_and_comments_only(void **state)
{
	struct fixture *f = *state;
	struct ast_file *ast = parse(f, "e.lana", "// nothing\n/* at */ # all\n");

	assert_int_equal(f->s.errors, 0);
	assert_int_equal(ast->body.n, 0);
	ast = lana_parse(&f->s, 42, &f->a);	/* no such file */
	assert_non_null(ast);
	assert_int_equal(ast->body.n, 0);
}

/* ------------------------------------------------------- diagnostics */

static char *print_diags(struct lana_sources *s, bool color)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	lana_diags_print(s, fp, color);
	fclose(fp);
	return out;
}

static void test_print(void **state)
{
	struct fixture *f = *state;
	const char *text = "a :: eth();\n\tt[0] -> bpf(fitler = \"ip\") -> c;\n";
	uint32_t file = lana_source_add(&f->s, "examples/x.lana", text,
					strlen(text));
	struct lana_loc key = { file, 2, 14, 6 }, first = { file, 1, 1, 1 };
	struct lana_loc end = { file, 2, 32, 10 }, none = { 0 };
	char *out;

	lana_error(&f->s, key, "unknown parameter '%s' for block type '%s'",
		   "fitler", "bpf");
	lana_note(&f->s, first, "first declared here");
	lana_warning(&f->s, end, "clamped");
	lana_error(&f->s, none, "no input files");
	out = print_diags(&f->s, false);
	assert_string_equal(out,
		"examples/x.lana:2:14: error: unknown parameter 'fitler' for block type 'bpf'\n"
		"    2 | \tt[0] -> bpf(fitler = \"ip\") -> c;\n"
		"      | \t            ^~~~~~\n"
		"examples/x.lana:1:1: note: first declared here\n"
		"    1 | a :: eth();\n"
		"      | ^\n"
		"examples/x.lana:2:32: warning: clamped\n"
		"    2 | \tt[0] -> bpf(fitler = \"ip\") -> c;\n"
		"      | \t                              ^~\n"
		"lanarun: error: no input files\n"
		"2 errors and 1 warning generated.\n");
	free(out);

	out = print_diags(&f->s, true);
	assert_non_null(strstr(out, "\033[01m\033[Kexamples/x.lana:2:14:\033[m\033[K "
				    "\033[01;31m\033[Kerror:\033[m\033[K unknown"));
	assert_non_null(strstr(out, "\033[01;36m\033[Knote:"));
	assert_non_null(strstr(out, "\033[01;35m\033[Kwarning:"));
	assert_non_null(strstr(out, "\033[01;32m\033[K^~~~~~\033[m\033[K\n"));
	free(out);
}

static void test_summary_and_werror(void **state)
{
	struct fixture *f = *state;
	struct lana_loc none = { 0 };
	char *out;

	out = print_diags(&f->s, false);
	assert_string_equal(out, "");	/* nothing at all: no summary */
	free(out);

	lana_warning(&f->s, none, "w1");
	assert_int_equal(f->s.warnings, 1);
	assert_int_equal(f->s.errors, 0);
	out = print_diags(&f->s, false);
	assert_string_equal(out, "lanarun: warning: w1\n1 warning generated.\n");
	free(out);

	lana_error(&f->s, none, "e1");
	out = print_diags(&f->s, false);
	assert_non_null(strstr(out, "\n1 error and 1 warning generated.\n"));
	free(out);

	f->s.werror = true;
	lana_warning(&f->s, none, "w2");
	assert_int_equal(f->s.errors, 2);
	assert_int_equal(f->s.warnings, 1);
	out = print_diags(&f->s, false);
	assert_non_null(strstr(out, "lanarun: warning: w2 [-Werror]\n"));
	assert_non_null(strstr(out, "\n2 errors and 1 warning generated.\n"));
	free(out);

	lana_sources_free(&f->s);
	lana_sources_init(&f->s);
	lana_error(&f->s, none, "only");
	out = print_diags(&f->s, false);
	assert_string_equal(out, "lanarun: error: only\n1 error generated.\n");
	free(out);
}

static void test_import_chain(void **state)
{
	struct fixture *f = *state;
	uint32_t top = lana_source_add(&f->s, "top.lana",
				       "import \"mid.lana\";\n", 19);
	uint32_t mid = lana_source_add(&f->s, "mid.lana",
				       "\n  import \"leaf.lana\";\n", 23);
	uint32_t leaf = lana_source_add(&f->s, "leaf.lana", "x y;\n", 5);
	struct lana_loc at_top = { top, 1, 8, 10 }, at_mid = { mid, 2, 10, 11 };
	struct lana_loc bad = { leaf, 1, 3, 1 };
	struct lana_buf json = { 0 };
	char *out;

	f->s.files.v[mid].imported = at_top;
	f->s.files.v[leaf].imported = at_mid;
	lana_error(&f->s, bad, "bad %s", "y");
	lana_note(&f->s, bad, "see here");
	out = print_diags(&f->s, false);
	assert_string_equal(out,
		"leaf.lana:1:3: error: bad y\n"
		"    1 | x y;\n"
		"      |   ^\n"
		"leaf.lana:1:3: note: see here\n"
		"    1 | x y;\n"
		"      |   ^\n"
		"mid.lana:2:10: note: imported from here\n"
		"top.lana:1:8: note: imported from here\n"
		"1 error generated.\n");
	free(out);

	lana_diags_json(&f->s, &json);
	assert_string_equal(json.data,
		"[{\"file\":\"leaf.lana\",\"line\":1,\"col\":3,"
		"\"severity\":\"error\",\"message\":\"bad y\",\"notes\":["
		"{\"file\":\"leaf.lana\",\"line\":1,\"col\":3,\"message\":\"see here\"},"
		"{\"file\":\"mid.lana\",\"line\":2,\"col\":10,\"message\":\"imported from here\"},"
		"{\"file\":\"top.lana\",\"line\":1,\"col\":8,\"message\":\"imported from here\"}]}]");
	lana_buf_free(&json);
}

static void test_json(void **state)
{
	struct fixture *f = *state;
	struct lana_buf b = { 0 };

	lana_diags_json(&f->s, &b);
	assert_string_equal(b.data, "[]");
	lana_buf_free(&b);

	parse(f, "j.lana", "a :: eth(dev = \"x\\q\");\n\tb -> ;\n");
	lana_warning(&f->s, (struct lana_loc){ 0 }, "say \"%s\"", "hi");
	lana_diags_json(&f->s, &b);
	assert_string_equal(b.data,
		"[{\"file\":\"j.lana\",\"line\":1,\"col\":18,\"severity\":\"error\","
		"\"message\":\"unknown escape sequence '\\\\q'\",\"notes\":[]},"
		"{\"file\":\"j.lana\",\"line\":2,\"col\":7,\"severity\":\"error\","
		"\"message\":\"unexpected ';', expected identifier or '['\",\"notes\":[]},"
		"{\"file\":null,\"line\":0,\"col\":0,\"severity\":\"warning\","
		"\"message\":\"say \\\"hi\\\"\",\"notes\":[]}]");
	lana_buf_free(&b);
}

static void test_source_load(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/lana-test-XXXXXX";
	int fd = mkstemp(path);
	const struct lana_source *src;
	struct lana_loc imp = { 1, 2, 3, 4 };
	int idx;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a -> b;\n", 8), 8);
	close(fd);
	idx = lana_source_load(&f->s, path, imp);
	unlink(path);
	assert_int_equal(idx, 1);
	src = lana_source_get(&f->s, 1);
	assert_non_null(src);
	assert_string_equal(src->path, path);
	assert_int_equal(src->len, 8);
	assert_memory_equal(src->text, "a -> b;\n", 9);
	assert_int_equal(src->imported.col, 3);
	assert_null(lana_source_get(&f->s, 0));
	assert_null(lana_source_get(&f->s, 2));
	assert_int_equal(lana_source_load(&f->s, path, imp), -ENOENT);
	assert_int_equal(f->s.files.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_recovery, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_string_no_cascade,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_semicolon, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compound_recovery, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scope_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_port_messages,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nesting_too_deep, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_comments_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_print, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_and_werror, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_import_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_load, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
