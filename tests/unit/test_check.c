// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_check.c - the checker and plan compiler (lang/compile.c):
 * flattening, naming, IDPs, edges through compound ports, and each class
 * of error and warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/compile.h"
#include "plan/plan.h"

static char tmpdir[] = "/tmp/lana-check-XXXXXX";

static const char *write_tmp(const char *name, const char *text)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	FILE *f;

	snprintf(p, 512, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

struct result {
	struct lana_sources s;
	struct lana_plan plan;
	int rc;
	char *diags;	/* all messages, one per line: "line:col: sev: msg" */
};

static void compile_text(struct result *r, const char *text)
{
	const char *path = write_tmp("main.lana", text);
	struct lana_buf b = { 0 };
	uint32_t i;

	memset(r, 0, sizeof(*r));
	lana_sources_init(&r->s);
	r->rc = lana_compile(&r->s, path, NULL, &r->plan);
	for (i = 0; i < r->s.diags.n; i++) {
		const struct lana_diag *d = &r->s.diags.v[i];
		static const char *sev[] = { "error", "warning", "note" };

		lana_buf_printf(&b, "%u:%u: %s: %s\n", d->loc.line, d->loc.col,
				sev[d->sev], d->msg);
	}
	r->diags = b.data ? b.data : strdup("");
}

static void result_free(struct result *r)
{
	if (r->rc == 0)
		lana_plan_free(&r->plan);
	lana_sources_free(&r->s);
	free(r->diags);
}

static const struct lana_insn *find_new(const struct lana_plan *p,
					const char *name)
{
	uint32_t i;

	for (i = 0; i < p->insns.n; i++)
		if (p->insns.v[i].op == LANA_OP_NEW &&
		    !strcmp(p->insns.v[i].name, name))
			return &p->insns.v[i];
	return NULL;
}

static bool has_bind(const struct lana_plan *p, const char *src, uint32_t port,
		     const char *dst, uint32_t dport)
{
	const struct lana_insn *s = find_new(p, src), *d = find_new(p, dst);
	uint32_t i;

	if (!s || !d)
		return false;
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op == LANA_OP_BIND && in->idp == s->idp &&
		    in->port == port && in->dst == d->idp && in->dport == dport)
			return true;
	}
	return false;
}

static uint32_t count_op(const struct lana_plan *p, unsigned int op)
{
	uint32_t i, n = 0;

	for (i = 0; i < p->insns.n; i++)
		n += p->insns.v[i].op == op;
	return n;
}

#define assert_diag(r, text)                                                  \
	do {                                                                  \
		if (!strstr((r)->diags, (text)))                              \
			fail_msg("missing diagnostic '%s' in:\n%s", (text),   \
				 (r)->diags);                                 \
	} while (0)

/* ----------------------------------------------------------------- tests */

static void test_contract_names_and_edges(void **state)
{
	struct result r;
	const struct lana_insn *in;

	compile_text(&r,
		"const MTU = 1500;\n"
		"src :: eth(dev = \"veth0\");\n"
		"t :: tee(n = 2);\n"
		"c :: counter();\n"
		"src -> t;\n"
		"t[0] -> bpf(filter = \"ip\") -> c -> drop();\n"
		"t[1] -> [in]x :: counter() -> tr :: trunk(dev = \"veth1\", vid = 10) -> drop();\n"
		"block trunk(dev: string, vid: u16 = 1) {\n"
		"    input  in  : eth;\n"
		"    output out : eth;\n"
		"    in -> vlan(op = pop, vid = vid) -> out;\n"
		"}\n");
	assert_int_equal(r.rc, 0);
	/* blocks in source order, anonymous ones named per type */
	assert_non_null(in = find_new(&r.plan, "src"));
	assert_int_equal(in->idp, 1);
	assert_non_null(find_new(&r.plan, "bpf0"));
	assert_non_null(find_new(&r.plan, "drop0"));
	assert_non_null(find_new(&r.plan, "drop1"));
	assert_non_null(in = find_new(&r.plan, "tr/vlan0"));
	/* the compound parameter reached the inner block, typed */
	{
		uint32_t i;
		bool seen = false;

		for (i = 0; i < in->nparams; i++)
			if (!strcmp(in->params[i].key, "vid")) {
				assert_int_equal(in->params[i].val.type,
						 LANA_PT_U16);
				assert_int_equal(in->params[i].val.u, 10);
				seen = true;
			}
		assert_true(seen);
	}
	assert_int_equal(count_op(&r.plan, LANA_OP_NEW), 8);
	assert_true(has_bind(&r.plan, "src", 0, "t", 0));
	assert_true(has_bind(&r.plan, "t", 0, "bpf0", 0));
	assert_true(has_bind(&r.plan, "t", 1, "x", 0));
	/* edges through the compound's boundary ports */
	assert_true(has_bind(&r.plan, "x", 0, "tr/vlan0", 0));
	assert_true(has_bind(&r.plan, "tr/vlan0", 0, "drop1", 0));
	assert_int_equal(count_op(&r.plan, LANA_OP_BIND), 7);
	/* MTU is unused: a warning, not an error */
	assert_diag(&r, "1:7: warning: unused constant 'MTU'");
	result_free(&r);
}

static void test_defaults_in_plan(void **state)
{
	struct result r;
	const struct lana_insn *in;

	compile_text(&r, "g :: gen(); g -> drop();\n");
	assert_int_equal(r.rc, 0);
	in = find_new(&r.plan, "g");
	assert_non_null(in);
	/* every parameter with a default is written out: size, count, rate,
	 * src, dst, src_count, dst_count, ip_count, udp_sport, udp_dport
	 * (ip_src and ip_dst have none) */
	assert_int_equal(in->nparams, 10);
	result_free(&r);
}

static void test_forward_reference(void **state)
{
	struct result r;

	compile_text(&r, "g -> c;\ng :: gen();\nc :: counter() -> drop();\n");
	assert_int_equal(r.rc, 0);
	assert_true(has_bind(&r.plan, "g", 0, "c", 0));
	result_free(&r);
}

static void test_errors_reported_together(void **state)
{
	struct result r;

	compile_text(&r,
		"a :: gen(size = 10B);\n"		/* below range 60.. */
		"a -> countr();\n"			/* unknown type */
		"b :: vlan(op = swap);\n"		/* bad enum */
		"c :: eth();\n");			/* missing required */
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "1:17: error:");
	assert_diag(&r, "2:6: error: unknown block type 'countr'; did you mean 'counter'?");
	assert_diag(&r, "3:16: error:");
	assert_diag(&r, "expected one of: push, pop, filter");
	assert_diag(&r, "4:6: error: missing required parameter 'dev'");
	assert_true(r.s.errors >= 4);
	result_free(&r);
}

static void test_unknown_param_suggestion(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen(); g -> bpf(fitler = \"ip\") -> drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "1:22: error: unknown parameter 'fitler' for block type 'bpf'; did you mean 'filter'?");
	result_free(&r);
}

static void test_filter_error_at_string(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen();\ng -> bpf(filter = \"tcp port\") -> drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "2:19: error: parameter 'filter' of 'bpf0' (bpf)");
	result_free(&r);
}

static void test_duplicate_name(void **state)
{
	struct result r;

	compile_text(&r, "c :: counter();\nc :: fwd();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "2:1: error: redefinition of 'c'");
	assert_diag(&r, "1:1: note: previous definition is here");
	result_free(&r);
}

static void test_fanout(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen();\ng -> drop();\ng -> drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "3:3: error: output 'out' of 'g' is already connected (fan-out needs a tee)");
	assert_diag(&r, "2:3: note: first connected here");
	result_free(&r);
}

static void test_unconnected_output(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen();\ng -> c :: counter();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "error: output 'out' of 'c' (counter) is not connected");
	result_free(&r);
}

static void test_optional_output(void **state)
{
	struct result r;

	/* eth's output and bpf's reject port may stay unconnected */
	compile_text(&r, "e :: eth(dev = \"veth0\");\ng :: gen();\n"
			 "g -> bpf(filter = \"ip\") -> e;\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.s.errors, 0);
	assert_int_equal(r.s.warnings, 0);
	result_free(&r);
}

static void test_cycle(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen();\ng -> a :: fwd() -> b :: fwd() -> t :: tee();\n"
			 "t[0] -> drop();\nt[1] -> a;\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "4:6: error: cycle: a -> b -> t -> a; a packet would loop forever");
	result_free(&r);
}

static void test_unreachable(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen(); g -> drop();\nf :: fwd() -> drop();\n");
	assert_int_equal(r.rc, 0);
	assert_diag(&r, "2:1: warning: block 'f' (fwd) is never reached from a source");
	assert_diag(&r, "warning: block 'drop1' (drop) is never reached from a source");
	result_free(&r);
}

static void test_frame_mismatch(void **state)
{
	struct result r;

	compile_text(&r,
		"block toip() { input i: eth; output o: ip; i -> fwd() -> o; }\n"
		"g :: gen();\n"
		"g -> toip() -> bpf(filter = \"ip\") -> drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "3:13: error: frame type mismatch: output 'o' of 'toip0' carries ip frames, the input takes eth");
	result_free(&r);
}

static void test_port_errors(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen();\ng -> t :: tee(n = 2);\nt[0] -> drop();\n"
			 "t[1] -> drop();\nt[2] -> drop();\nt[nope] -> drop();\n"
			 "g2 :: gen();\ng2 -> [3]drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "5:3: error: block 't' (tee) has no output port 2 (it has 2)");
	assert_diag(&r, "6:3: error: block 't' (tee) has no output port 'nope'");
	assert_diag(&r, "8:8: error: block 'drop4' (drop) has no input port 3 (it has 1)");
	result_free(&r);
}

static void test_compound_range_at_use_site(void **state)
{
	struct result r;

	compile_text(&r,
		"block trunk(vid: u16 = 1) {\n"
		"    input in: eth; output out: eth;\n"
		"    in -> vlan(op = pop, vid = vid) -> out;\n"
		"}\n"
		"g :: gen();\n"
		"g -> tr :: trunk(vid = 5000) -> drop();\n");
	assert_int_equal(r.rc, 1);
	/* the error points at the value the user wrote, with a note inside */
	assert_diag(&r, "6:24: error: parameter 'vid' of 'tr/vlan0' (vlan): value 5000 out of range 1..4094");
	assert_diag(&r, "3:32: note: parameter 'vid' is used here");
	result_free(&r);
}

static void test_compound_recursion(void **state)
{
	struct result r;

	compile_text(&r,
		"block loop() { input i: eth; output o: eth; i -> loop() -> o; }\n"
		"g :: gen(); g -> loop() -> drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "error: block 'loop' instantiates itself");
	result_free(&r);
}

static void test_typed_const(void **state)
{
	struct result r;

	compile_text(&r,
		"const VID: u16 = 10;\nconst RATE = 10mbit;\nconst BIG: u8 = 300;\n"
		"g :: gen(rate = RATE); g -> vlan(op = push, vid = VID) -> drop();\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "3:17: error: constant 'BIG':");
	result_free(&r);

	compile_text(&r,
		"const VID: u16 = 10;\nconst RATE = 10mbit;\n"
		"g :: gen(rate = RATE); g -> vlan(op = push, vid = VID) -> drop();\n");
	assert_int_equal(r.rc, 0);
	{
		const struct lana_insn *in = find_new(&r.plan, "g");
		uint32_t i;
		bool seen = false;

		for (i = 0; i < in->nparams; i++)
			if (!strcmp(in->params[i].key, "rate")) {
				assert_int_equal(in->params[i].val.u, 10000000);
				seen = true;
			}
		assert_true(seen);
	}
	result_free(&r);
}

static void test_unquoted_string_hint(void **state)
{
	struct result r;

	compile_text(&r, "e :: eth(dev = veth0);\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "undeclared constant 'veth0' (strings are quoted: \"veth0\")");
	result_free(&r);
}

static void test_undeclared_block(void **state)
{
	struct result r;

	compile_text(&r, "g :: gen();\ng -> counter;\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "2:6: error: undeclared block 'counter'; to create an anonymous block write 'counter()'");
	result_free(&r);
}

static void test_imports(void **state)
{
	struct result r;

	write_tmp("lib.lana",
		  "block pass() { input i: any; output o: any; i -> fwd() -> o; }\n"
		  "const N = 3;\n");
	write_tmp("unused.lana", "const X = 1;\n");
	compile_text(&r, "import \"lib.lana\";\nimport \"unused.lana\";\n"
			 "g :: gen(); g -> pass() -> t :: tee(n = N);\n"
			 "t[0] -> drop(); t[1] -> drop(); t[2] -> drop();\n");
	assert_int_equal(r.rc, 0);
	assert_non_null(find_new(&r.plan, "pass0/fwd0"));
	assert_diag(&r, "2:8: warning: unused import 'unused.lana'");
	result_free(&r);

	write_tmp("cyc_a.lana", "import \"cyc_b.lana\";\n");
	write_tmp("cyc_b.lana", "import \"cyc_a.lana\";\n");
	compile_text(&r, "import \"cyc_a.lana\";\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "error: import cycle");
	result_free(&r);

	compile_text(&r, "import \"does-not-exist.lana\";\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "1:8: error: import 'does-not-exist.lana' not found");
	result_free(&r);

	write_tmp("chain.lana", "g :: gen(); g -> drop();\n");
	compile_text(&r, "import \"chain.lana\";\n");
	assert_int_equal(r.rc, 1);
	assert_diag(&r, "error: an imported file may only define constants and blocks");
	result_free(&r);
}

/* More imports than the first allocation of file records holds. */
static void test_many_imports(void **state)
{
	struct lana_buf text = { 0 };
	struct result r;
	char name[32], def[64];
	int i;

	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "many%d.lana", i);
		snprintf(def, sizeof(def), "const M%d = %d;\n", i, i);
		write_tmp(name, def);
		lana_buf_printf(&text, "import \"%s\";\n", name);
	}
	lana_buf_puts(&text, "g :: gen(count = M19); g -> drop();\n");
	compile_text(&r, text.data);
	assert_int_equal(r.rc, 0);
	assert_non_null(find_new(&r.plan, "g"));
	result_free(&r);
	lana_buf_free(&text);
}

static void test_shadowing(void **state)
{
	struct result r;

	compile_text(&r,
		"const vid = 3;\n"
		"block b(vid: u16) { input i: eth; output o: eth; i -> vlan(op = push, vid = vid) -> o; }\n"
		"g :: gen(); g -> b(vid = vid) -> drop();\n");
	assert_int_equal(r.rc, 0);
	assert_diag(&r, "2:9: warning: parameter 'vid' shadows a global constant");
	result_free(&r);
}

static void test_engine_support(void **state)
{
	struct lana_sources s;
	struct lana_compile_opts o = { 0 };
	const char *path = write_tmp("eng.lana", "g :: gen(); g -> drop();\n");

	o.engines = LANA_ENGINE_KERNEL;
	lana_sources_init(&s);
	assert_int_equal(lana_compile(&s, path, &o, NULL), 1);
	assert_true(strstr(s.diags.v[0].msg, "not supported by the kernel engine") != NULL);
	lana_sources_free(&s);
}

static void test_deterministic_plan(void **state)
{
	struct result a, b;
	struct lana_buf ba = { 0 }, bb = { 0 };
	char err[256];
	const char *text =
		"src :: eth(dev = \"veth0\"); src -> t :: tee(n = 3);\n"
		"t[0] -> drop(); t[1] -> counter() -> drop(); t[2] -> bpf(filter = \"arp\") -> drop();\n";

	compile_text(&a, text);
	compile_text(&b, text);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	assert_int_equal(lana_plan_encode(&a.plan, &ba, err, sizeof(err)), 0);
	assert_int_equal(lana_plan_encode(&b.plan, &bb, err, sizeof(err)), 0);
	assert_int_equal(ba.len, bb.len);
	assert_memory_equal(ba.data, bb.data, ba.len);
	assert_int_equal(lana_plan_validate(&a.plan, err, sizeof(err)), 0);
	lana_buf_free(&ba);
	lana_buf_free(&bb);
	result_free(&a);
	result_free(&b);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract_names_and_edges),
		cmocka_unit_test(test_defaults_in_plan),
		cmocka_unit_test(test_forward_reference),
		cmocka_unit_test(test_errors_reported_together),
		cmocka_unit_test(test_unknown_param_suggestion),
		cmocka_unit_test(test_filter_error_at_string),
		cmocka_unit_test(test_duplicate_name),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_unconnected_output),
		cmocka_unit_test(test_optional_output),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_frame_mismatch),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_compound_range_at_use_site),
		cmocka_unit_test(test_compound_recursion),
		cmocka_unit_test(test_typed_const),
		cmocka_unit_test(test_unquoted_string_hint),
		cmocka_unit_test(test_undeclared_block),
		cmocka_unit_test(test_imports),
		cmocka_unit_test(test_many_imports),
		cmocka_unit_test(test_shadowing),
		cmocka_unit_test(test_engine_support),
		cmocka_unit_test(test_deterministic_plan),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
