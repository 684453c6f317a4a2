// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/harness.c - the shared part of the block tests (see
 * harness.h) and their main().
 *
 * The block implementations (ops in blocks/NAME.c) are driven directly,
 * outside an engine: a hand-made struct lana_block with priv/pcpu buffers,
 * parameters parsed with lana_value_parse() like the compiler does
 * (defaults included), bursts of packets from lana_pkt_get().
 * runtime/block_api.c falls back to one worker and b->pcpu for instances
 * without an engine; to collect what tee emits, a test installs a fake
 * worker backlog (lana_cur_worker, the engine core's per-thread worker).
 * Some tests then run the same blocks in the real engine
 * (runtime/engine.h, 2 workers): engine_run().
 */
#include "harness.h"
#include "lang/compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* ------------------------------------------------------------ instances */

/*
 * run_capture() - call @fn(@tb, @arg) with stderr redirected into tb->err:
 * lana_block_error() prints there for blocks without an engine.
 */
static int run_capture(struct tb *t, int (*fn)(struct tb *t, void *arg),
		       void *arg)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	rc = fn(t, arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(t->err, 1, sizeof(t->err) - 1, tmp);
	t->err[n] = '\0';
	fclose(tmp);
	return rc;
}

/* init, then the live object as the engine builds it (engine/inst.c) */
static int do_init(struct tb *t, void *arg)
{
	const struct lana_block_type *bt = t->b.type;
	int rc = bt->init ? bt->init(&t->b, t->params) : 0;

	if (rc || !bt->live)
		return rc;
	rc = bt->live(&t->b, t->params, &t->live);
	if (rc && bt->fini)
		bt->fini(&t->b);
	return rc;
}

/*
 * The next item of a list's text at *@sp, cut at the first comma outside
 * double quotes (`"trunk 10,20"` is one item); NULL at the end.
 */
static char *next_item(char **sp)
{
	char *item = *sp, *e;
	bool q = false;

	if (!item)
		return NULL;
	for (e = item; *e && (q || *e != ','); e++)
		if (*e == '"')
			q = !q;
	*sp = *e ? e + 1 : NULL;
	*e = 0;
	return item;
}

/*
 * A list parameter written as `["a", "b"]` or `[1, 2]` (a comma inside
 * an item only between double quotes): each item parsed as the list's
 * element type, as the compiler resolves a list (lang/resolve.c); quotes
 * are dropped.
 */
static void parse_list(struct tb *t, const struct lana_param *p,
		       const char *text, struct lana_value *out)
{
	struct lana_param ep = *p;
	char *copy = lana_arena_strdup(&t->arena, text), *s, *item;
	char err[256] = "";
	uint32_t n = 0, cap = 16;

	ep.type = p->elem;
	ep.flags &= (uint16_t)~LANA_PF_RANGE;
	memset(out, 0, sizeof(*out));
	out->type = LANA_PT_LIST;
	out->list.elem = p->elem;
	out->list.items = lana_arena_alloc(&t->arena,
					   cap * sizeof(*out->list.items));
	s = copy + strspn(copy, " [");
	s[strcspn(s, "]")] = 0;
	while ((item = next_item(&s))) {
		size_t l;

		item += strspn(item, " \"");
		l = strlen(item);
		while (l && (item[l - 1] == ' ' || item[l - 1] == '"'))
			item[--l] = 0;
		if (n == cap)
			fail_msg("%s: more than %u items", p->name, cap);
		if (lana_value_parse(&t->arena, ep.type, &ep, item,
				     &out->list.items[n], err, sizeof(err)))
			fail_msg("%s item '%s': %s", p->name, item, err);
		n++;
	}
	out->list.n = n;
}

/* Parse @text for parameter @p of the block into @out, failing on error. */
static void parse_param(struct tb *t, const struct lana_param *p,
			const char *text, struct lana_value *out)
{
	char err[256] = "";

	if (p->type == LANA_PT_LIST) {
		parse_list(t, p, text, out);
		return;
	}
	if (lana_value_parse(&t->arena, p->type, p, text, out, err,
			     sizeof(err)))
		fail_msg("%s = '%s': %s", p->name, text, err);
}

int tb_try(const char *type, const char *const *kv, struct tb **out)
{
	const struct lana_block_type *bt = lana_catalogue_find(type);
	struct tb *t = calloc(1, sizeof(*t));
	unsigned int np, i;
	int rc;

	assert_non_null(bt);
	assert_non_null(t);
	t->b.type = bt;
	t->b.idp = 7;
	t->b.name = type;
	if (bt->priv_size)
		t->b.priv = calloc(1, bt->priv_size);
	if (bt->pcpu_size)
		t->b.pcpu = calloc(1, bt->pcpu_size);
	np = lana_param_count(bt);
	t->params = calloc(np + 1, sizeof(*t->params));
	assert_non_null(t->params);
	for (i = 0; i < np; i++) {
		const struct lana_param *p = &bt->params[i];
		const char *text = p->def;
		unsigned int k;

		for (k = 0; kv && kv[k]; k += 2)
			if (!strcmp(kv[k], p->name))
				text = kv[k + 1];
		if (text)
			parse_param(t, p, text, &t->params[i]);
	}
	for (i = 0; kv && kv[i]; i += 2)
		assert_true(lana_param_index(bt, kv[i]) >= 0);
	rc = run_capture(t, do_init, NULL);
	t->inited = rc == 0;
	*out = t;
	return rc;
}

struct tb *tb_new(const char *type, const char *const *kv)
{
	struct tb *t;
	int rc = tb_try(type, kv, &t);

	if (rc)
		fail_msg("init of %s failed (%d): %s", type, rc, t->err);
	return t;
}

void tb_free(struct tb *t)
{
	if (t->live)
		t->b.type->live_free(t->live);
	if (t->inited && t->b.type->fini)
		t->b.type->fini(&t->b);
	free(t->b.priv);
	free(t->b.pcpu);
	free(t->params);
	lana_arena_free(&t->arena);
	free(t);
}

struct set_arg {
	unsigned int idx;
	struct lana_value v;
};

/*
 * A SET as the engine runs it (engine/txn.c): the set op, if any, then a
 * new live object from the changed parameters, which replaces the old one
 * only when it could be made.
 */
static int do_set(struct tb *t, void *arg)
{
	const struct set_arg *s = arg;
	const struct lana_block_type *bt = t->b.type;
	struct lana_value old = t->params[s->idx];
	void *obj = NULL;
	int rc = bt->set ? bt->set(&t->b, s->idx, &s->v) : 0;

	if (rc || !bt->live)
		return rc;
	t->params[s->idx] = s->v;
	rc = bt->live(&t->b, t->params, &obj);
	if (rc) {
		t->params[s->idx] = old;
		return rc;
	}
	bt->live_free(t->live);
	t->live = obj;
	return 0;
}

int tb_set_value(struct tb *t, unsigned int idx, const struct lana_value *v)
{
	struct set_arg s = { .idx = idx, .v = *v };

	assert_true(t->b.type->set || t->b.type->live);
	return run_capture(t, do_set, &s);
}

int tb_rx(struct tb *t, struct lana_burst *v)
{
	v->live = t->live;
	return t->b.type->rx(&t->b, v);
}

int tb_poll(struct tb *t, struct lana_burst *v)
{
	v->live = t->live;
	return t->b.type->poll(&t->b, v);
}

int tb_recv(struct tb *t, struct lana_burst *v)
{
	struct lana_fdsrc *s = lana_fdsrc_orphan(&t->b);

	assert_non_null(s);
	v->live = t->live;
	return s->recv(&t->b, v);
}

int tb_set(struct tb *t, const char *name, const char *text)
{
	int idx = lana_param_index(t->b.type, name);
	struct lana_param p;
	struct set_arg s;

	assert_true(idx >= 0);
	p = t->b.type->params[idx];
	p.flags &= (uint16_t)~LANA_PF_RANGE;
	parse_param(t, &p, text, &s.v);
	return tb_set_value(t, (unsigned int)idx, &s.v);
}

/*
 * Whether @bt's descriptor declares a counter named @name: by its name, or
 * an indexed one (LANA_CF_INDEXED) by its name and a port number.
 */
static bool declared(const struct lana_block_type *bt, const char *name)
{
	const struct lana_counter *c;

	for (c = bt->counters; c && c->name; c++) {
		size_t l = strlen(c->name);

		if (!strcmp(c->name, name))
			return true;
		if (c->flags & LANA_CF_INDEXED && !strncmp(c->name, name, l) &&
		    name[l] && strspn(name + l, "0123456789") == strlen(name + l))
			return true;
	}
	return false;
}

uint64_t tb_stat(struct tb *t, const char *name)
{
	struct lana_stat st[LANA_STATS_MAX];
	unsigned int n, i;

	n = lana_block_stats(&t->b, st, LANA_STATS_MAX);
	for (i = 0; i < n; i++)
		if (!declared(t->b.type, st[i].name))
			fail_msg("%s reports '%s', which its descriptor does "
				 "not declare", t->b.type->name, st[i].name);
	for (i = 0; i < n; i++)
		if (!strcmp(st[i].name, name))
			return st[i].value;
	fail_msg("%s has no stat '%s'", t->b.type->name, name);
	return 0;
}

static struct lana_pkt *mkpkt(const void *data, uint32_t len)
{
	struct lana_pkt *p = lana_pkt_get(len);

	assert_non_null(p);
	memcpy(lana_pkt_data(p), data, len);
	return p;
}

void burst_init(struct lana_burst *v)
{
	memset(v, 0, sizeof(*v));
	v->dir = LANA_INGRESS;
}

void burst_add(struct lana_burst *v, const void *data, uint32_t len)
{
	assert_true(v->n < LANA_BURST);
	v->pkt[v->n++] = mkpkt(data, len);
}

void burst_free(struct lana_burst *v, int rc)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		if (rc != LANA_RX_VERDICTS || v->verdict[i] != LANA_STOLEN)
			lana_pkt_free(v->pkt[i]);
	v->n = 0;
}

void assert_frame(struct lana_pkt *p, const uint8_t *want, uint32_t len)
{
	assert_int_equal(lana_pkt_len(p), len);
	assert_memory_equal(lana_pkt_data(p), want, len);
}

/* --------------------------------------------------------------- frames */

const uint8_t mac_dst[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
const uint8_t mac_src[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

uint32_t mk_eth(uint8_t *f, uint32_t plen)
{
	uint32_t i;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (i = 0; i < plen; i++)
		f[14 + i] = (uint8_t)(0xa0 + i);
	return 14 + plen;
}

/*
 * An Ethernet + IPv4 (RFC 791, 20-byte header) + TCP (RFC 9293, 20 bytes)
 * or UDP (RFC 768, 8 bytes) frame from port @sport to port @dport.
 */
uint32_t mk_ip4(uint8_t *f, uint8_t proto, uint16_t sport,
		       uint16_t dport)
{
	uint32_t l4 = proto == 6 ? 20 : 8, iplen = 20 + l4;
	uint8_t *ip = f + 14, *th = f + 34;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, iplen);
	ip[0] = 0x45;			/* version 4, IHL 5 */
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;			/* TTL */
	ip[9] = proto;
	ip[12] = 10; ip[15] = 1;	/* 10.0.0.1 */
	ip[16] = 10; ip[19] = 2;	/* 10.0.0.2 */
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	if (proto == 6)
		th[12] = 0x50;		/* data offset 5 */
	else
		th[5] = 8;		/* UDP length */
	return 14 + iplen;
}

/* ----------------------------------------------------------- pcap files */

char *tmp_path(const char *tag)
{
	char *p = NULL;
	int fd;

	assert_true(asprintf(&p, "/tmp/lana-test-%s-XXXXXX", tag) > 0);
	fd = mkstemp(p);
	assert_true(fd >= 0);
	close(fd);
	return p;
}

void mk_frames(struct tframe *fr, unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		fr[i].len = 60 + (uint32_t)i * 431 % 1455;
		for (k = 0; k < fr[i].len; k++)
			fr[i].data[k] = (uint8_t)(k * 7 + i);
		/* 2026-01-01 + i * 1.5 ms, with sub-microsecond noise */
		fr[i].ts_ns = 1767225600ull * 1000000000ull +
			      i * 1500000ull + 789;
	}
}

void write_pcap(const char *path, const char *snaplen,
		const struct tframe *fr, unsigned int n, bool no_ts_last)
{
	const char *kv[] = { "file", path, "snaplen", snaplen, NULL };
	struct tb *t = tb_new("pcap_out", kv);
	struct lana_burst v;
	unsigned int i;
	uint64_t t0;
	int rc;

	burst_init(&v);
	for (i = 0; i < n; i++) {
		if (v.n == LANA_BURST) {
			rc = tb_rx(t, &v);
			burst_free(&v, rc);
		}
		burst_add(&v, fr[i].data, fr[i].len);
		v.pkt[v.n - 1]->ts_ns = no_ts_last && i == n - 1 ? 0 :
					fr[i].ts_ns;
	}
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < v.n; i++)
		assert_int_equal(v.verdict[i], LANA_STOLEN);
	burst_free(&v, rc);	/* frees nothing: all stolen */
	/* pcap_out's writer thread writes them: wait for it, 5 s at most */
	t0 = lana_now_ns();
	while (tb_stat(t, "written") < n &&
	       lana_now_ns() - t0 < 5000000000ull)
		usleep(1000);
	assert_int_equal(tb_stat(t, "written"), n);
	assert_int_equal(tb_stat(t, "dropped"), 0);
	assert_int_equal(tb_stat(t, "errors"), 0);
	assert_int_equal(tb_stat(t, "queued"), 0);
	tb_free(t);
}

/* ----------------------------------------------------------- the engine */

/* Compile the .lana text @src into @plan (through a temporary file). */
static void compile_text(const char *src, struct lana_plan *plan)
{
	char *path = tmp_path("graph");
	struct lana_sources s;
	FILE *f = fopen(path, "w");
	int rc;

	assert_non_null(f);
	fputs(src, f);
	fclose(f);
	memset(&s, 0, sizeof(s));
	lana_sources_init(&s);
	rc = lana_compile(&s, path, NULL, plan);
	lana_sources_free(&s);
	unlink(path);
	free(path);
	assert_int_equal(rc, 0);
}

struct stat_want {
	const char *name;	/* block */
	const char *stat;	/* "packets", "bytes" or a block stat */
	uint64_t got;
};

static int stat_cb(const struct lana_block_stats *st, void *ctx)
{
	struct stat_want *w = ctx;
	unsigned int i;

	if (!strcmp(w->stat, "packets")) {
		w->got = st->packets;
		return 0;
	}
	for (i = 0; i < st->nstat; i++)
		if (!strcmp(st->stat[i].name, w->stat))
			w->got = st->stat[i].value;
	return 0;
}

uint64_t engine_stat(struct lana_engine *e, const char *name,
		     const char *stat)
{
	struct stat_want w = { name, stat, UINT64_MAX };

	assert_int_equal(lana_engine_stats(e, name, stat_cb, &w), 0);
	return w.got;
}

struct lana_engine *engine_run(const char *src)
{
	struct lana_engine_opts o = { .workers = 2 };
	struct lana_engine *e = lana_engine_new(&o);
	struct lana_plan plan;
	char err[512] = "";
	uint64_t t0;

	assert_non_null(e);
	compile_text(src, &plan);
	if (lana_engine_apply(e, &plan, err, sizeof(err)))
		fail_msg("apply: %s", err);
	lana_plan_free(&plan);
	assert_int_equal(lana_engine_start(e), 0);
	t0 = lana_now_ns();
	while (!lana_engine_idle(e)) {
		usleep(1000);
		assert_true(lana_now_ns() - t0 < 20000000000ull);
	}
	return e;
}

/* ----------------------------------------------------------------- main */

/*
 * The cases of each block type: a weak reference, NULL when the type has
 * no tests/blocks/test_NAME.c (BLOCK_TESTS in blocks/blocks.am lists the
 * files that exist).
 */
#define LANA_BLOCK(n, eng)						\
	extern const struct block_tests block_tests_##n __attribute__((weak));
#include "blocks/blocks.def"
#undef LANA_BLOCK

static int teardown_pool(void **state)
{
	lana_pkt_pool_drain();
	return 0;
}

/* Every block type's cases, in blocks.def order, as one cmocka group. */
int main(void)
{
	static const struct {
		const char *name;
		const struct block_tests *t;
	} all[] = {
#define LANA_BLOCK(n, eng) { #n, &block_tests_##n },
#include "blocks/blocks.def"
#undef LANA_BLOCK
	};
	struct CMUnitTest *cases;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (all[i].t)
			n += all[i].t->n;
		else
			printf("%s: no tests/blocks/test_%s.c\n", all[i].name,
			       all[i].name);
	}
	cases = calloc(n ? n : 1, sizeof(*cases));
	if (!cases)
		return 1;
	for (i = 0, n = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!all[i].t)
			continue;
		memcpy(cases + n, all[i].t->cases,
		       all[i].t->n * sizeof(*cases));
		n += all[i].t->n;
	}
	rc = _cmocka_run_group_tests("block tests", cases, n, NULL,
				     teardown_pool);
	free(cases);
	return rc;
}

/* ------------------------------------------------------- UDP peers */

int udp_peer_open(unsigned int last, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(0x7f000000u | last);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

int udp_peer_read(int fd, uint8_t *buf, size_t len)
{
	int i;

	for (i = 0; i < 100; i++) {
		ssize_t r = recv(fd, buf, len, 0);

		if (r >= 0)
			return (int)r;
		usleep(1000);
	}
	return -1;
}
