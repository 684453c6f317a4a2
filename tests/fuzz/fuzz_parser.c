// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_parser.c - libFuzzer target for the .lana scanner and
 * parser: any byte string is added as a source file and parsed; the
 * diagnostics are rendered (text and JSON) and everything is freed, so
 * ASan/UBSan/LeakSanitizer see every path of lexer.l, parser.y and
 * source.c.
 *
 * Build (from the source tree, with a configured build dir BUILD that has
 * generated lang/parser.c, lang/parser.h and lang/lexer.c, e.g. after
 * `make lang/libgrammar.a`):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -D_GNU_SOURCE \
 *       -I. -I$BUILD/lang tests/fuzz/fuzz_parser.c \
 *       $BUILD/lang/parser.c $BUILD/lang/lexer.c lang/source.c lib/util.c \
 *       -lz -o fuzz_parser
 *
 * (-fno-sanitize-recover=all makes UBSan findings crashes, so the fuzzer
 * stops on them.) Run (seeds: the golden corpus, examples and std
 * snippets; -max_len large enough for whole files):
 *
 *   mkdir -p /tmp/fuzz-corpus
 *   ./fuzz_parser -max_total_time=60 -max_len=8192 /tmp/fuzz-corpus \
 *       tests/lang/bad tests/lang/good examples share/lana/std
 */
#include "lang/ast.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lana_sources s;
	struct lana_arena a = { 0 };
	struct lana_buf json = { 0 };
	struct ast_file *ast;
	uint32_t file;
	FILE *devnull;

	lana_sources_init(&s);
	file = lana_source_add(&s, "fuzz.lana", (const char *)data, size);
	ast = lana_parse(&s, file, &a);
	if (!ast)
		abort();	/* lana_parse() never returns NULL */
	if (ast->body.n && !ast->body.stmts)
		abort();
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		lana_diags_print(&s, devnull, true);
		fclose(devnull);
	}
	lana_diags_json(&s, &json);
	lana_buf_free(&json);
	lana_arena_free(&a);
	lana_sources_free(&s);
	return 0;
}
