// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_lexer.c - the .lana scanner (lang/lexer.l) through
 * lana_lex_all(): token kinds, texts and exact locations for the tricky
 * cases of the language contract (ports after names, '::' and '->' without
 * spaces, number/address WORDs, MACs starting with a hex letter), the three
 * comment kinds, string escapes, and lexical errors with their locations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lang/lexer_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct lana_sources s;
	struct lana_arena a;
	const char *text;
	struct lana_token *t;
	uint32_t n;
	int errors;
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

static void lex(struct fixture *f, const char *text)
{
	uint32_t file = lana_source_add(&f->s, "t.lana", text, strlen(text));

	f->text = text;
	f->errors = lana_lex_all(&f->s, file, &f->a, &f->t, &f->n);
	assert_true(f->errors >= 0);
	assert_non_null(f->t);
	assert_true(f->n >= 1);
	assert_int_equal(f->t[f->n - 1].kind, LANA_TOK_EOF);
}

/*
 * Line and column of the @nth (0-based) occurrence of @needle in the
 * source, computed independently of the scanner.
 */
static void find(const char *text, const char *needle, int nth,
		 uint32_t *line, uint32_t *col)
{
	const char *p = text, *q;
	uint32_t l = 1;

	for (;;) {
		p = strstr(p, needle);
		assert_non_null(p);
		if (nth-- == 0)
			break;
		p++;
	}
	*col = 1;
	for (q = text; q < p; q++) {
		if (*q == '\n') {
			l++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
	*line = l;
}

/* Token @i has @kind and @text, and sits at the @nth occurrence of @at. */
static void check_tok(struct fixture *f, uint32_t i, int kind,
		      const char *text, const char *at, int nth)
{
	uint32_t line, col;

	assert_true(i < f->n);
	assert_int_equal(f->t[i].kind, kind);
	assert_string_equal(f->t[i].text, text);
	find(f->text, at, nth, &line, &col);
	assert_int_equal(f->t[i].loc.file, 1);
	assert_int_equal(f->t[i].loc.line, line);
	assert_int_equal(f->t[i].loc.col, col);
	if (kind != LANA_TOK_STRING)
		assert_int_equal(f->t[i].loc.len, strlen(text));
}

static void check_punct(struct fixture *f, uint32_t i, char c, int nth)
{
	char s[2] = { c, 0 };

	check_tok(f, i, LANA_TOK_PUNCT, s, s, nth);
	assert_int_equal(f->t[i].punct, c);
	assert_int_equal(f->t[i].loc.len, 1);
}

static void test_ports_and_operators(void **state)
{
	struct fixture *f = *state;

	lex(f, "t[0]->x::eth;\n  t[1] -> [in]y;a->b");
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 23);
	check_tok(f, 0, LANA_TOK_IDENT, "t", "t[0]", 0);
	check_punct(f, 1, '[', 0);
	check_tok(f, 2, LANA_TOK_WORD, "0", "0]", 0);
	check_punct(f, 3, ']', 0);
	check_tok(f, 4, LANA_TOK_ARROW, "->", "->", 0);
	check_tok(f, 5, LANA_TOK_IDENT, "x", "x::", 0);
	check_tok(f, 6, LANA_TOK_DCOLON, "::", "::", 0);
	check_tok(f, 7, LANA_TOK_IDENT, "eth", "eth", 0);
	check_punct(f, 8, ';', 0);
	check_tok(f, 9, LANA_TOK_IDENT, "t", "t[1]", 0);
	assert_int_equal(f->t[9].loc.line, 2);
	assert_int_equal(f->t[9].loc.col, 3);
	check_punct(f, 10, '[', 1);
	check_tok(f, 11, LANA_TOK_WORD, "1", "1]", 0);
	check_punct(f, 12, ']', 1);
	check_tok(f, 13, LANA_TOK_ARROW, "->", "->", 1);
	check_punct(f, 14, '[', 2);
	check_tok(f, 15, LANA_TOK_IDENT, "in", "in]", 0);
	check_punct(f, 16, ']', 2);
	check_tok(f, 17, LANA_TOK_IDENT, "y", "y;", 0);
	check_punct(f, 18, ';', 1);
	check_tok(f, 19, LANA_TOK_IDENT, "a", "a->", 0);
	check_tok(f, 20, LANA_TOK_ARROW, "->", "->", 2);
	check_tok(f, 21, LANA_TOK_IDENT, "b", "b", 0);
	/* EOF sits just after the last byte */
	assert_int_equal(f->t[22].kind, LANA_TOK_EOF);
	assert_int_equal(f->t[22].loc.line, 2);
	assert_int_equal(f->t[22].loc.col, strlen("  t[1] -> [in]y;a->b") + 1);
	assert_int_equal(f->t[22].loc.len, 0);
}

static void test_words(void **state)
{
	struct fixture *f = *state;
	static const char *const words[] = {
		"1500", "0x10", "64KiB", "10Mbit/s", "10.0.0.1", "10.0.0.0/8",
		"00:11:22:33:44:55", "aa:bb:cc:dd:ee:ff", "1.5ms", "-3",
		"02:00:00:00:0a:01", "1Gbit", "2001:db8::1",
	};
	struct lana_buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		lana_buf_printf(&b, "v = %s,\n", words[i]);
	lex(f, b.data);
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 4 * (sizeof(words) / sizeof(words[0])) + 1);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		check_tok(f, 4 * i, LANA_TOK_IDENT, "v", "v =", (int)i);
		check_punct(f, 4 * i + 1, '=', (int)i);
		assert_int_equal(f->t[4 * i + 2].kind, LANA_TOK_WORD);
		assert_string_equal(f->t[4 * i + 2].text, words[i]);
		assert_int_equal(f->t[4 * i + 2].loc.line, i + 1);
		assert_int_equal(f->t[4 * i + 2].loc.col, 5);
		assert_int_equal(f->t[4 * i + 2].loc.len, strlen(words[i]));
		check_punct(f, 4 * i + 3, ',', (int)i);
	}
	lana_buf_free(&b);
}

static void test_word_edges(void **state)
{
	struct fixture *f = *state;

	/* an identifier that only starts like a MAC, hex-letter idents,
	 * '//' after a number starts a comment, '-' then '>' is an arrow */
	lex(f, "ab:cd fe80::1 deadbeef 1//c\n2/x 5->q");
	assert_int_equal(f->errors, 0);
	check_tok(f, 0, LANA_TOK_IDENT, "ab", "ab", 0);
	check_punct(f, 1, ':', 0);
	check_tok(f, 2, LANA_TOK_IDENT, "cd", "cd", 0);
	check_tok(f, 3, LANA_TOK_IDENT, "fe80", "fe80", 0);
	check_tok(f, 4, LANA_TOK_DCOLON, "::", "::", 0);
	check_tok(f, 5, LANA_TOK_WORD, "1", "1 ", 0);
	check_tok(f, 6, LANA_TOK_IDENT, "deadbeef", "deadbeef", 0);
	check_tok(f, 7, LANA_TOK_WORD, "1", "1//", 0);
	check_tok(f, 8, LANA_TOK_WORD, "2/x", "2/x", 0);
	check_tok(f, 9, LANA_TOK_WORD, "5", "5->", 0);
	check_tok(f, 10, LANA_TOK_ARROW, "->", "->", 0);
	check_tok(f, 11, LANA_TOK_IDENT, "q", "q", 0);
	assert_int_equal(f->t[12].kind, LANA_TOK_EOF);
}

static void test_keywords(void **state)
{
	struct fixture *f = *state;

	lex(f, "import const block input output inputs _x9 Block");
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 9);
	check_tok(f, 0, LANA_TOK_KW_IMPORT, "import", "import", 0);
	check_tok(f, 1, LANA_TOK_KW_CONST, "const", "const", 0);
	check_tok(f, 2, LANA_TOK_KW_BLOCK, "block", "block", 0);
	check_tok(f, 3, LANA_TOK_KW_INPUT, "input", "input", 0);
	check_tok(f, 4, LANA_TOK_KW_OUTPUT, "output", "output", 0);
	check_tok(f, 5, LANA_TOK_IDENT, "inputs", "inputs", 0);
	check_tok(f, 6, LANA_TOK_IDENT, "_x9", "_x9", 0);
	check_tok(f, 7, LANA_TOK_IDENT, "Block", "Block", 0);
}

/*
 * 'host' is a keyword only where a host declaration starts (NAME '('
 * follows, across blanks and newlines); anywhere else, the identifier that
 * graphs already use (host :: tap(...), a -> host).
 */
static void test_host_keyword(void **state)
{
	struct fixture *f = *state;

	lex(f, "host h1(x) host :: hostx -> host\n  h2 (host(");
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 15);
	check_tok(f, 0, LANA_TOK_KW_HOST, "host", "host h1", 0);
	check_tok(f, 1, LANA_TOK_IDENT, "h1", "h1", 0);
	check_punct(f, 2, '(', 0);
	check_tok(f, 3, LANA_TOK_IDENT, "x", "x", 0);
	check_punct(f, 4, ')', 0);
	check_tok(f, 5, LANA_TOK_IDENT, "host", "host ::", 0);
	check_tok(f, 6, LANA_TOK_DCOLON, "::", "::", 0);
	check_tok(f, 7, LANA_TOK_IDENT, "hostx", "hostx", 0);
	check_tok(f, 8, LANA_TOK_ARROW, "->", "->", 0);
	check_tok(f, 9, LANA_TOK_KW_HOST, "host", "host\n", 0);
	check_tok(f, 10, LANA_TOK_IDENT, "h2", "h2", 0);
	check_punct(f, 11, '(', 1);
	/* `host(`: an anonymous block of a type named host, not a host */
	check_tok(f, 12, LANA_TOK_IDENT, "host", "host(", 0);
	check_punct(f, 13, '(', 2);
	assert_int_equal(f->t[14].kind, LANA_TOK_EOF);
}

static void test_comments(void **state)
{
	struct fixture *f = *state;

	lex(f, "a // line comment -> x\n"
	       "# hash comment \"not a string\n"
	       "b /* block\n"
	       "   comment ** / */ c\t/**/d /* x */ e # tail");
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 6);
	check_tok(f, 0, LANA_TOK_IDENT, "a", "a ", 0);
	check_tok(f, 1, LANA_TOK_IDENT, "b", "b /*", 0);
	assert_int_equal(f->t[1].loc.line, 3);
	assert_int_equal(f->t[1].loc.col, 1);
	check_tok(f, 2, LANA_TOK_IDENT, "c", "c\t", 0);
	assert_int_equal(f->t[2].loc.line, 4);
	assert_int_equal(f->t[2].loc.col, 20);
	check_tok(f, 3, LANA_TOK_IDENT, "d", "d /*", 0);
	check_tok(f, 4, LANA_TOK_IDENT, "e", "e #", 0);
}

static void test_strings(void **state)
{
	struct fixture *f = *state;

	lex(f, "  \"a\\\"b\\\\c\\n\\t\\r\\x41\\x7e\" \"\" \"fe80::1 # not // a comment\"");
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 4);
	assert_int_equal(f->t[0].kind, LANA_TOK_STRING);
	assert_string_equal(f->t[0].text, "a\"b\\c\n\t\rA~");
	assert_int_equal(f->t[0].loc.line, 1);
	assert_int_equal(f->t[0].loc.col, 3);
	/* the length covers the literal including both quotes */
	assert_int_equal(f->t[0].loc.len, strlen("\"a\\\"b\\\\c\\n\\t\\r\\x41\\x7e\""));
	assert_int_equal(f->t[1].kind, LANA_TOK_STRING);
	assert_string_equal(f->t[1].text, "");
	assert_int_equal(f->t[1].loc.len, 2);
	assert_int_equal(f->t[2].kind, LANA_TOK_STRING);
	assert_string_equal(f->t[2].text, "fe80::1 # not // a comment");
}

/* Diagnostic @i of the fixture is an error at @line:@col(+@len) with @msg. */
static void check_diag(struct fixture *f, uint32_t i, uint32_t line,
		       uint32_t col, uint32_t len, const char *msg)
{
	const struct lana_diag *d;

	assert_true(i < f->s.diags.n);
	d = &f->s.diags.v[i];
	assert_int_equal(d->sev, LANA_SEV_ERROR);
	assert_int_equal(d->loc.line, line);
	assert_int_equal(d->loc.col, col);
	if (len)
		assert_int_equal(d->loc.len, len);
	assert_string_equal(d->msg, msg);
}

static void test_unterminated_string(void **state)
{
	struct fixture *f = *state;

	lex(f, "a = \"abc\n  b = \"x\\");
	assert_int_equal(f->errors, 2);
	assert_int_equal(f->s.errors, 2);
	check_diag(f, 0, 1, 5, 1, "unterminated string");
	check_diag(f, 1, 2, 7, 1, "unterminated string");
	/* the string token is still produced, up to the end of the line */
	assert_int_equal(f->t[2].kind, LANA_TOK_STRING);
	assert_string_equal(f->t[2].text, "abc");
	check_tok(f, 3, LANA_TOK_IDENT, "b", "b =", 0);
	assert_int_equal(f->t[3].loc.line, 2);
	assert_int_equal(f->t[5].kind, LANA_TOK_STRING);
	assert_string_equal(f->t[5].text, "x");
	assert_int_equal(f->t[6].kind, LANA_TOK_EOF);
}

static void test_bad_escapes(void **state)
{
	struct fixture *f = *state;

	lex(f, "x\n \"ok\\q \\xZ1 \\x4g \\x00 end\"");
	assert_int_equal(f->errors, 4);
	check_diag(f, 0, 2, 5, 2, "unknown escape sequence '\\q'");
	check_diag(f, 1, 2, 8, 2, "'\\x' must be followed by two hex digits");
	check_diag(f, 2, 2, 13, 3, "'\\x' must be followed by two hex digits");
	check_diag(f, 3, 2, 18, 4, "null character in string");
	assert_int_equal(f->t[1].kind, LANA_TOK_STRING);
	assert_int_equal(f->t[2].kind, LANA_TOK_EOF);
}

static void test_stray(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "a $ b\n\t@c\x01 \xc3";

	lex(f, text);
	assert_int_equal(f->errors, 4);
	check_diag(f, 0, 1, 3, 1, "stray '$' in program");
	check_diag(f, 1, 2, 2, 1, "stray '@' in program");
	check_diag(f, 2, 2, 4, 1, "stray '\\001' in program");
	check_diag(f, 3, 2, 6, 1, "stray '\\303' in program");
	/* lexing goes on after each */
	assert_int_equal(f->n, 4);
	check_tok(f, 0, LANA_TOK_IDENT, "a", "a", 0);
	check_tok(f, 1, LANA_TOK_IDENT, "b", "b", 0);
	check_tok(f, 2, LANA_TOK_IDENT, "c", "c", 0);
}

static void test_nul_byte(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "a\0b";
	uint32_t file = lana_source_add(&f->s, "n.lana", text, 3);

	f->errors = lana_lex_all(&f->s, file, &f->a, &f->t, &f->n);
	assert_int_equal(f->errors, 1);
	check_diag(f, 0, 1, 2, 1, "stray '\\000' in program");
	assert_int_equal(f->n, 3);
	assert_string_equal(f->t[1].text, "b");
	assert_int_equal(f->t[1].loc.col, 3);
}

static void test_unterminated_comment(void **state)
{
	struct fixture *f = *state;

	lex(f, "a;\n  b /* open\n c d\n");
	assert_int_equal(f->errors, 1);
	check_diag(f, 0, 2, 5, 2, "unterminated comment");
	assert_int_equal(f->n, 4);
	check_tok(f, 2, LANA_TOK_IDENT, "b", "b", 0);
	assert_int_equal(f->t[3].kind, LANA_TOK_EOF);
}

static void test_empty_and_missing(void **state)
{
	struct fixture *f = *state;

	lex(f, "");
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->n, 1);
	assert_int_equal(f->t[0].loc.line, 1);
	assert_int_equal(f->t[0].loc.col, 1);
	assert_int_equal(lana_lex_all(&f->s, 99, &f->a, &f->t, &f->n), -1);
	assert_null(f->t);
	assert_int_equal(f->n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ports_and_operators, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word_edges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_keyword, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_string, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_escapes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stray, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_comment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
