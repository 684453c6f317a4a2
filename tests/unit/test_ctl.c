// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_ctl.c - the control protocol: message round trips
 * (proto/codec.c), rejection of every kind of malformed request, and lanad's
 * dispatcher (daemon/dispatch.c) driven over a socketpair, both message
 * by message and by the client API (cli/ctl_client.c) against a server
 * thread, with a real engine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/codec.h"
#include "cli/ctl_client.h"
#include "daemon/dispatch.h"
#include "runtime/engine.h"
#include "lang/compile.h"
#include "plan/plan.h"

#define FAM LANA_USER_FAMILY_ID

/* ------------------------------------------------------------- helpers */

static struct nl_msg *req(uint8_t cmd)
{
	struct nl_msg *m = lana_ctl_msg_new(FAM, cmd,
					    NLM_F_REQUEST | NLM_F_ACK, 77);

	assert_non_null(m);
	return m;
}

static int parse(struct nl_msg *m, struct lana_ctl_req *r, char *err)
{
	struct nlmsghdr *h = nlmsg_hdr(m);

	return lana_ctl_parse(h, h->nlmsg_len, FAM, false, r, err, 256);
}

/* Compile .lana @text into @p (warnings allowed). */
static void compile_text(const char *text, struct lana_plan *p)
{
	char path[] = "/tmp/test_ctl_XXXXXX.lana";
	struct lana_sources s;
	int fd = mkstemps(path, 5), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(&s, 0, sizeof(s));
	lana_sources_init(&s);
	r = lana_compile(&s, path, NULL, p);
	if (r)
		lana_diags_print(&s, stderr, false);
	lana_sources_free(&s);
	unlink(path);
	assert_int_equal(r, 0);
}

static void encode(struct lana_plan *p, struct lana_buf *b)
{
	char err[256];

	assert_int_equal(lana_plan_encode(p, b, err, sizeof(err)), 0);
}

static const char *const graph1 =
	"c :: counter() -> v :: vlan(op = pop, vid = 5) -> d :: drop();\n";

/* ---------------------------------------------------------- codec tests */

static void test_roundtrip_data(void **state)
{
	struct nl_msg *m = req(LANA_CMD_TXN_DATA);
	struct lana_ctl_req r;
	char data[1000], err[256];
	int i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	assert_int_equal(nla_put_u32(m, LANA_ATTR_TXN_ID, 7), 0);
	assert_int_equal(nla_put_u32(m, LANA_ATTR_OFFSET, 4096), 0);
	assert_int_equal(nla_put(m, LANA_ATTR_DATA, sizeof(data), data), 0);
	assert_int_equal(parse(m, &r, err), 0);
	assert_int_equal(r.cmd, LANA_CMD_TXN_DATA);
	assert_int_equal(r.seq, 77);
	assert_true(r.flags & NLM_F_ACK);
	assert_int_equal(nla_get_u32(r.tb[LANA_ATTR_TXN_ID]), 7);
	assert_int_equal(nla_get_u32(r.tb[LANA_ATTR_OFFSET]), 4096);
	assert_int_equal(nla_len(r.tb[LANA_ATTR_DATA]), sizeof(data));
	assert_memory_equal(nla_data(r.tb[LANA_ATTR_DATA]), data, sizeof(data));
	assert_null(r.tb[LANA_ATTR_TOTAL_LEN]);
	nlmsg_free(m);
}

static void test_roundtrip_block(void **state)
{
	struct lana_block_stats in = {
		.idp = 42, .name = "outer/inner", .type = "counter",
		.packets = 1ULL << 40, .bytes = 123456789012ULL, .drops = 3,
		.nstat = 2,
	}, out;
	struct nl_msg *m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET,
					    NLM_F_MULTI, 5);
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct lana_ctl_req r;
	char err[256];

	in.stat[0].name = "packets";
	in.stat[0].value = 17;
	in.stat[1].name = "bytes";
	in.stat[1].value = 1700;
	assert_int_equal(lana_ctl_put_block(m, &in), 0);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	assert_non_null(r.tb[LANA_ATTR_BLOCK]);
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), 0);
	assert_int_equal(out.idp, 42);
	assert_string_equal(out.name, "outer/inner");
	assert_string_equal(out.type, "counter");
	assert_true(out.packets == 1ULL << 40);
	assert_true(out.bytes == 123456789012ULL);
	assert_int_equal(out.drops, 3);
	assert_int_equal(out.nstat, 2);
	assert_string_equal(out.stat[1].name, "bytes");
	assert_int_equal(out.stat[1].value, 1700);
	/* a reply is not a valid request: BLOCK is not a STATS_GET request
	 * attribute */
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, false, &r, err,
					sizeof(err)), -EINVAL);
	nlmsg_free(m);
}

/* a switch row, as switch_table() writes it (blocks/switch.c) */
static void fill_row(struct lana_row *r, const char *mac, const char *port,
		     const char *age)
{
	r->ncol = 4;
	r->col[0].key = "mac";
	snprintf(r->col[0].val, LANA_CELL_LEN, "%s", mac);
	r->col[1].key = "vlan";
	snprintf(r->col[1].val, LANA_CELL_LEN, "-");
	r->col[2].key = "port";
	snprintf(r->col[2].val, LANA_CELL_LEN, "%s", port);
	r->col[3].key = "age";
	snprintf(r->col[3].val, LANA_CELL_LEN, "%s", age);
}

/*
 * A BLOCK with TABLE and ROWs, a continuation (no counters) with the
 * truncated flag, and the ROW rules: TABLE needed for ROWs, a CELL needs
 * NAME and TEXT, a TEXT of 24 characters is refused (at most 23).
 */
static void test_roundtrip_rows(void **state)
{
	struct lana_row rows[2];
	struct lana_block_stats in = {
		.idp = 3, .name = "sw", .type = "switch", .packets = 5,
		.nstat = 1, .table = true, .rows = rows, .nrows = 2,
	}, out;
	struct nl_msg *m;
	struct nlmsghdr *h;
	struct nlattr *blk, *row, *cell;
	struct lana_ctl_req r;
	char err[256];
	int rem;

	in.stat[0].name = "entries";
	in.stat[0].value = 2;
	fill_row(&rows[0], "02:00:00:00:00:10", "1", "0.4");
	fill_row(&rows[1], "02:00:00:00:00:aa", "0", "static");
	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 5);
	assert_int_equal(lana_ctl_put_block(m, &in), 0);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), 0);
	assert_false(out.partial);
	assert_true(out.table);
	assert_false(out.truncated);
	assert_int_equal(out.packets, 5);
	assert_int_equal(out.nstat, 1);
	assert_int_equal(out.stat[0].value, 2);
	assert_int_equal(out.nrows, 2);
	assert_int_equal(out.rows[0].ncol, 4);
	assert_string_equal(out.rows[0].col[0].key, "mac");
	assert_string_equal(out.rows[0].col[0].val, "02:00:00:00:00:10");
	assert_string_equal(out.rows[0].col[1].key, "vlan");
	assert_string_equal(out.rows[0].col[1].val, "-");
	assert_string_equal(out.rows[0].col[2].key, "port");
	assert_string_equal(out.rows[0].col[2].val, "1");
	assert_string_equal(out.rows[0].col[3].key, "age");
	assert_string_equal(out.rows[0].col[3].val, "0.4");
	assert_string_equal(out.rows[1].col[0].val, "02:00:00:00:00:aa");
	assert_string_equal(out.rows[1].col[2].val, "0");
	assert_string_equal(out.rows[1].col[3].val, "static");
	free(out.rows);
	nlmsg_free(m);

	/* a continuation: IDP, NAME, TYPE, TABLE (truncated), one ROW */
	in.partial = true;
	in.truncated = true;
	in.rows = &rows[1];
	in.nrows = 1;
	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 6);
	assert_int_equal(lana_ctl_put_block(m, &in), 0);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	nla_for_each_nested(cell, r.tb[LANA_ATTR_BLOCK], rem) {
		assert_int_not_equal(nla_type(cell), LANA_ATTR_PACKETS);
		assert_int_not_equal(nla_type(cell), LANA_ATTR_STAT);
	}
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), 0);
	assert_true(out.partial);
	assert_true(out.table);
	assert_true(out.truncated);
	assert_int_equal(out.nstat, 0);
	assert_int_equal(out.nrows, 1);
	assert_string_equal(out.rows[0].col[0].val, "02:00:00:00:00:aa");
	free(out.rows);
	nlmsg_free(m);

	/* ROW without TABLE; a CELL without TEXT; a TEXT of 24 characters */
	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 7);
	blk = nla_nest_start(m, LANA_ATTR_BLOCK);
	nla_put_u32(m, LANA_ATTR_IDP, 3);
	nla_put_string(m, LANA_ATTR_NAME, "sw");
	nla_put_string(m, LANA_ATTR_TYPE, "switch");
	row = nla_nest_start(m, LANA_ATTR_ROW);
	cell = nla_nest_start(m, LANA_ATTR_CELL);
	nla_put_string(m, LANA_ATTR_NAME, "mac");
	nla_put_string(m, LANA_ATTR_TEXT, "02:00:00:00:00:10");
	nla_nest_end(m, cell);
	nla_nest_end(m, row);
	nla_nest_end(m, blk);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "BLOCK: ROW without TABLE");
	assert_null(out.rows);
	nlmsg_free(m);

	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 8);
	blk = nla_nest_start(m, LANA_ATTR_BLOCK);
	nla_put_u32(m, LANA_ATTR_IDP, 3);
	nla_put_string(m, LANA_ATTR_NAME, "sw");
	nla_put_string(m, LANA_ATTR_TYPE, "switch");
	nla_put_u32(m, LANA_ATTR_TABLE, 0);
	row = nla_nest_start(m, LANA_ATTR_ROW);
	cell = nla_nest_start(m, LANA_ATTR_CELL);
	nla_put_string(m, LANA_ATTR_NAME, "mac");
	nla_nest_end(m, cell);
	nla_nest_end(m, row);
	nla_nest_end(m, blk);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "CELL: missing attribute TEXT");
	nlmsg_free(m);

	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 9);
	blk = nla_nest_start(m, LANA_ATTR_BLOCK);
	nla_put_u32(m, LANA_ATTR_IDP, 3);
	nla_put_string(m, LANA_ATTR_NAME, "sw");
	nla_put_string(m, LANA_ATTR_TYPE, "switch");
	nla_put_u32(m, LANA_ATTR_TABLE, 0);
	row = nla_nest_start(m, LANA_ATTR_ROW);
	cell = nla_nest_start(m, LANA_ATTR_CELL);
	nla_put_string(m, LANA_ATTR_NAME, "mac");
	nla_put_string(m, LANA_ATTR_TEXT, "012345678901234567890123");
	nla_nest_end(m, cell);
	nla_nest_end(m, row);
	nla_nest_end(m, blk);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "CELL: attribute TEXT too long: 24 bytes, "
			    "at most 23");
	nlmsg_free(m);
}

static void test_policy(void **state)
{
	const struct nla_policy *p = lana_ctl_policy(LANA_CMD_TXN_DATA);

	assert_non_null(p);
	assert_int_equal(p[LANA_ATTR_DATA].maxlen, LANA_CHUNK);
	assert_int_equal(p[LANA_ATTR_TXN_ID].type, NLA_U32);
	assert_int_equal(p[LANA_ATTR_NAME].type, NLA_UNSPEC);
	assert_int_equal(p[LANA_ATTR_NAME].maxlen, 0);
	assert_null(lana_ctl_policy(0));
	assert_null(lana_ctl_policy(LANA_CMD_MAX + 1));
	assert_string_equal(lana_ctl_cmd_name(LANA_CMD_FLUSH), "FLUSH");
	assert_string_equal(lana_ctl_attr_name(LANA_ATTR_PLAN_CRC), "PLAN_CRC");
}

/* ---------------------------------------------------- malformed requests */

/*
 * Each builder writes one malformed datagram into @buf and returns its
 * length; the test expects @code and @msg in the error.
 */
struct bad_case {
	const char *what;
	size_t (*build)(char *buf);
	int code;
	const char *msg;
};

static size_t copy_msg(char *buf, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	size_t len = h->nlmsg_len;

	memcpy(buf, h, len);
	nlmsg_free(m);
	return len;
}

static size_t b_truncated_header(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_FLUSH);

	copy_msg(buf, m);
	return 10;
}

static size_t b_len_over_datagram(char *buf)
{
	size_t len = copy_msg(buf, req(LANA_CMD_FLUSH));

	((struct nlmsghdr *)buf)->nlmsg_len += 8;
	return len;
}

static size_t b_len_under_datagram(char *buf)
{
	size_t len = copy_msg(buf, req(LANA_CMD_FLUSH));

	memset(buf + len, 0, 8);
	return len + 8;
}

static size_t b_wrong_family(char *buf)
{
	size_t len = copy_msg(buf, req(LANA_CMD_FLUSH));

	((struct nlmsghdr *)buf)->nlmsg_type = GENL_ID_CTRL;
	return len;
}

static size_t b_no_genl_header(char *buf)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	copy_msg(buf, req(LANA_CMD_FLUSH));
	h->nlmsg_len = NLMSG_HDRLEN + 2;
	return h->nlmsg_len;
}

static size_t b_wrong_version(char *buf)
{
	size_t len = copy_msg(buf, req(LANA_CMD_FLUSH));
	struct genlmsghdr *g = NLMSG_DATA((struct nlmsghdr *)buf);

	g->version = LANA_GENL_VERSION + 1;
	return len;
}

static size_t b_unknown_command(char *buf)
{
	return copy_msg(buf, req(LANA_CMD_MAX + 1));
}

static size_t b_name_too_long(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_STATS_GET);
	char name[301];

	memset(name, 'x', 300);
	name[300] = '\0';
	assert_int_equal(nla_put_string(m, LANA_ATTR_NAME, name), 0);
	return copy_msg(buf, m);
}

static size_t b_name_no_nul(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_STATS_GET);

	assert_int_equal(nla_put(m, LANA_ATTR_NAME, 3, "abc"), 0);
	return copy_msg(buf, m);
}

static size_t b_name_inner_nul(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_STATS_GET);

	/* NUL-terminated, within 255 bytes, but a NUL inside */
	assert_int_equal(nla_put(m, LANA_ATTR_NAME, 6, "ab\0cd"), 0);
	return copy_msg(buf, m);
}

static size_t b_name_leading_nul(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_STATS_GET);

	assert_int_equal(nla_put(m, LANA_ATTR_NAME, 3, "\0x"), 0);
	return copy_msg(buf, m);
}

static size_t b_u32_short(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_COMMIT);

	assert_int_equal(nla_put(m, LANA_ATTR_TXN_ID, 2, "\1\0"), 0);
	return copy_msg(buf, m);
}

static size_t b_data_over_chunk(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_DATA);
	char *d = calloc(1, LANA_CHUNK + 1);

	nla_put_u32(m, LANA_ATTR_TXN_ID, 1);
	nla_put_u32(m, LANA_ATTR_OFFSET, 0);
	assert_int_equal(nla_put(m, LANA_ATTR_DATA, LANA_CHUNK + 1, d), 0);
	free(d);
	return copy_msg(buf, m);
}

static size_t b_u32_wrong_size(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_COMMIT);

	nla_put_u64(m, LANA_ATTR_TXN_ID, 1);
	return copy_msg(buf, m);
}

static size_t b_missing_attr(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_DATA);

	nla_put_u32(m, LANA_ATTR_TXN_ID, 1);
	nla_put(m, LANA_ATTR_DATA, 4, "abcd");
	return copy_msg(buf, m);
}

static size_t b_unexpected_attr(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_BEGIN);

	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, 100);
	nla_put_string(m, LANA_ATTR_NAME, "x");
	return copy_msg(buf, m);
}

static size_t b_unknown_attr(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_FLUSH);

	nla_put_u32(m, LANA_ATTR_MAX + 5, 1);
	return copy_msg(buf, m);
}

static size_t b_duplicate_attr(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_COMMIT);

	nla_put_u32(m, LANA_ATTR_TXN_ID, 1);
	nla_put_u32(m, LANA_ATTR_TXN_ID, 2);
	return copy_msg(buf, m);
}

static size_t b_trailing_garbage(char *buf)
{
	size_t len = copy_msg(buf, req(LANA_CMD_FLUSH));
	static const unsigned char junk[4] = { 2, 0, 1, 0 };

	memcpy(buf + len, junk, 4);
	((struct nlmsghdr *)buf)->nlmsg_len += 4;
	return len + 4;
}

static size_t b_attr_len_overflow(char *buf)
{
	struct nl_msg *m = req(LANA_CMD_TXN_COMMIT);
	size_t len;
	struct nlattr *a;

	nla_put_u32(m, LANA_ATTR_TXN_ID, 1);
	len = copy_msg(buf, m);
	a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	a->nla_len = 200;	/* runs past the message */
	return len;
}

static const struct bad_case bad_cases[] = {
	{ "truncated header", b_truncated_header, -EINVAL, "truncated" },
	{ "nlmsg_len > datagram", b_len_over_datagram, -EINVAL,
	  "does not match" },
	{ "nlmsg_len < datagram", b_len_under_datagram, -EINVAL,
	  "does not match" },
	{ "wrong family", b_wrong_family, -EINVAL, "unknown message type" },
	{ "no genl header", b_no_genl_header, -EINVAL, "generic netlink" },
	{ "wrong version", b_wrong_version, -EPROTONOSUPPORT, "version 2" },
	{ "unknown command", b_unknown_command, -EOPNOTSUPP,
	  "unknown command" },
	{ "name too long", b_name_too_long, -EINVAL, "NAME too long" },
	{ "name without NUL", b_name_no_nul, -EINVAL, "NUL" },
	{ "name with a NUL inside", b_name_inner_nul, -EINVAL,
	  "STATS_GET: attribute NAME: string contains NUL" },
	{ "name with a leading NUL", b_name_leading_nul, -EINVAL,
	  "STATS_GET: attribute NAME: string contains NUL" },
	{ "DATA over LANA_CHUNK", b_data_over_chunk, -EINVAL,
	  "32769 bytes, at most 32768" },
	{ "u32 of 8 bytes", b_u32_wrong_size, -EINVAL,
	  "TXN_ID: 8 bytes, expected 4" },
	{ "u32 of 2 bytes", b_u32_short, -EINVAL,
	  "TXN_COMMIT: attribute TXN_ID: 2 bytes, expected 4" },
	{ "missing attribute", b_missing_attr, -EINVAL,
	  "missing attribute OFFSET" },
	{ "unexpected attribute", b_unexpected_attr, -EINVAL,
	  "unexpected attribute 7 (NAME)" },
	{ "unknown attribute", b_unknown_attr, -EINVAL,
	  "unexpected attribute" },
	{ "duplicate attribute", b_duplicate_attr, -EINVAL, "twice" },
	{ "trailing garbage", b_trailing_garbage, -EINVAL,
	  "malformed attribute" },
	{ "attribute length overflow", b_attr_len_overflow, -EINVAL,
	  "malformed attribute" },
};

static void test_parse_rejects(void **state)
{
	static char buf[LANA_MSG_MAX];
	struct lana_ctl_req r;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		size_t len = bad_cases[i].build(buf);
		int rc = lana_ctl_parse(buf, len, FAM, false, &r, err,
					sizeof(err));

		if (rc != bad_cases[i].code || !strstr(err, bad_cases[i].msg))
			fail_msg("%s: got %d '%s', expected %d '%s'",
				 bad_cases[i].what, rc, err, bad_cases[i].code,
				 bad_cases[i].msg);
	}
}

/*
 * The checks docs/runtime.md lists for lana_ctl_parse() ("Validation",
 * first table: check | errno | example message), each tied to the cases
 * of bad_cases[] that break it. test_documented_checks() reads the table:
 * a documented check without a case, a case for an undocumented check, a
 * different errno, or an example message that is not what the code says
 * for the case named @exact fails it.
 */
struct doc_check {
	const char *check;	/* the table's first column, verbatim */
	int code;		/* its errno column */
	const char *cases[4];	/* bad_cases[].what */
	const char *exact;	/* the case whose message is the example */
};

static const struct doc_check doc_checks[] = {
	{ "datagram larger than `LANA_MSG_MAX` (seen with `recv(MSG_TRUNC)`)",
	  -EMSGSIZE, { NULL }, NULL },	/* the dispatcher: test_server_oversized */
	{ "a whole `nlmsghdr`", -EINVAL, { "truncated header" },
	  "truncated header" },
	{ "`nlmsg_len` equals the datagram length", -EINVAL,
	  { "nlmsg_len > datagram", "nlmsg_len < datagram" }, NULL },
	{ "`nlmsg_type` is the family", -EINVAL, { "wrong family" }, NULL },
	{ "a whole `genlmsghdr`", -EINVAL, { "no genl header" },
	  "no genl header" },
	{ "`version` = 1", -EPROTONOSUPPORT, { "wrong version" },
	  "wrong version" },
	{ "a known command", -EOPNOTSUPP, { "unknown command" }, NULL },
	{ "each attribute well formed, inside the message", -EINVAL,
	  { "trailing garbage", "attribute length overflow" }, NULL },
	{ "each attribute taken by the command, given once", -EINVAL,
	  { "unexpected attribute", "unknown attribute",
	    "duplicate attribute" }, "unexpected attribute" },
	{ "integer sizes exact", -EINVAL, { "u32 of 8 bytes", "u32 of 2 bytes" },
	  NULL },
	{ "strings NUL-terminated, within their maximum", -EINVAL,
	  { "name too long", "name without NUL", "name with a NUL inside",
	    "name with a leading NUL" }, "name too long" },
	{ "`DATA` within `LANA_CHUNK`", -EINVAL, { "DATA over LANA_CHUNK" },
	  NULL },
	{ "required attributes present", -EINVAL, { "missing attribute" },
	  "missing attribute" },
};

static int errno_named(const char *name)
{
	static const struct { const char *n; int e; } t[] = {
		{ "EMSGSIZE", EMSGSIZE }, { "EINVAL", EINVAL },
		{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
		{ "EOPNOTSUPP", EOPNOTSUPP },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(name, t[i].n))
			return -t[i].e;
	fail_msg("errno '%s' of docs/runtime.md not known to the test", name);
	return 0;
}

static const struct bad_case *bad_case_named(const char *what)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		if (!strcmp(bad_cases[i].what, what))
			return &bad_cases[i];
	fail_msg("no bad case '%s'", what);
	return NULL;
}

/* Copy the next `|`-separated cell of @p (trimmed, backquotes of the
 * errno column removed when @bare) into @out; returns past it. */
static const char *cell(const char *p, char *out, size_t max, bool bare)
{
	const char *e = strchr(p, '|');
	size_t n;

	assert_non_null(e);
	while (*p == ' ')
		p++;
	n = (size_t)(e - p);
	while (n && p[n - 1] == ' ')
		n--;
	if (bare && n >= 2 && p[0] == '`' && p[n - 1] == '`') {
		p++;
		n -= 2;
	}
	assert_true(n < max);
	memcpy(out, p, n);
	out[n] = 0;
	return e + 1;
}

static void test_documented_checks(void **state)
{
	static char buf[LANA_MSG_MAX];
	const size_t ndoc = sizeof(doc_checks) / sizeof(doc_checks[0]);
	const char *top = getenv("top_srcdir");
	char path[4096], line[1024], chk[512], eno[64], ex[512], err[256];
	bool seen[sizeof(doc_checks) / sizeof(doc_checks[0])] = { false };
	bool in = false;
	unsigned int rows = 0;
	struct lana_ctl_req r;
	size_t i, k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/runtime.md", top ? top : "../..");
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (set top_srcdir)", path);
	while (fgets(line, sizeof(line), f)) {
		const char *p;

		if (!strncmp(line, "### Validation", 14)) {
			in = true;
			continue;
		}
		if (!in || line[0] != '|' || !strncmp(line, "|---", 4) ||
		    !strncmp(line, "| check |", 9)) {
			if (in && rows && line[0] != '|')
				break;	/* end of the first table */
			continue;
		}
		p = cell(line + 1, chk, sizeof(chk), false);
		p = cell(p, eno, sizeof(eno), true);
		cell(p, ex, sizeof(ex), false);
		rows++;
		for (i = 0; i < ndoc; i++)
			if (!strcmp(doc_checks[i].check, chk))
				break;
		if (i == ndoc)
			fail_msg("documented check '%s' has no case", chk);
		seen[i] = true;
		assert_int_equal(errno_named(eno), doc_checks[i].code);
		for (k = 0; k < 4 && doc_checks[i].cases[k]; k++) {
			const struct bad_case *c =
				bad_case_named(doc_checks[i].cases[k]);

			if (c->code != doc_checks[i].code)
				fail_msg("case '%s' expects %d, the docs %s",
					 c->what, c->code, eno);
		}
		if (doc_checks[i].exact) {
			const struct bad_case *c =
				bad_case_named(doc_checks[i].exact);
			size_t len = c->build(buf);
			char want[512], *q;

			/* the example: `...`, the first one if several */
			assert_true(ex[0] == '`');
			snprintf(want, sizeof(want), "%s", ex + 1);
			q = strchr(want, '`');
			assert_non_null(q);
			*q = 0;
			assert_int_equal(lana_ctl_parse(buf, len, FAM, false, &r,
							err, sizeof(err)),
					 doc_checks[i].code);
			assert_string_equal(err, want);
		}
	}
	fclose(f);
	assert_true(rows >= 10);
	for (i = 0; i < ndoc; i++)
		if (!seen[i])
			fail_msg("case for '%s': not in docs/runtime.md",
				 doc_checks[i].check);
}

/*
 * The attribute of type @type directly inside the nest @nest (the last
 * one if several): a pointer into the message.
 */
static struct nlattr *nested_attr(struct nlattr *nest, int type)
{
	struct nlattr *a, *found = NULL;
	int rem;

	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) == type)
			found = a;
	assert_non_null(found);
	return found;
}

/*
 * A STATS_GET reply whose BLOCK nest holds an attribute running past the
 * nest's end: the nest must be refused as malformed, not read as if the
 * attribute were absent (docs/runtime.md, "Validation": each attribute
 * well formed, inside its message; proto/attrs.def: NESTED holds
 * attributes).
 */
static void test_nest_inner_overrun(void **state)
{
	struct lana_block_stats in = {
		.idp = 7, .name = "c", .type = "counter", .packets = 1,
		.bytes = 2, .drops = 3,
	}, out;
	struct lana_ctl_req r;
	struct nlmsghdr *h;
	struct nlattr *blk, *a;
	struct nl_msg *m;
	char err[256], want[128];
	int blen;

	/* DROPS, the last attribute of the BLOCK, 4 bytes past its end */
	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 5);
	assert_int_equal(lana_ctl_put_block(m, &in), 0);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), 0);
	blk = r.tb[LANA_ATTR_BLOCK];
	blen = nla_len(blk);
	a = nested_attr(blk, LANA_ATTR_DROPS);
	assert_ptr_equal((char *)a + NLA_HDRLEN + 8, (char *)nla_data(blk) + blen);
	a->nla_len += 4;
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "BLOCK: malformed attribute at byte %d of %d",
		 blen - (NLA_HDRLEN + 8), blen);
	assert_string_equal(err, want);
	nlmsg_free(m);

	/* VALUE, the last attribute of a STAT nest, past the STAT's end */
	in.nstat = 1;
	in.stat[0].name = "hits";
	in.stat[0].value = 9;
	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET, NLM_F_MULTI, 6);
	assert_int_equal(lana_ctl_put_block(m, &in), 0);
	h = nlmsg_hdr(m);
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	blk = nested_attr(r.tb[LANA_ATTR_BLOCK], LANA_ATTR_STAT);
	blen = nla_len(blk);
	a = nested_attr(blk, LANA_ATTR_VALUE);
	assert_ptr_equal((char *)a + NLA_HDRLEN + 8, (char *)nla_data(blk) + blen);
	a->nla_len += 4;
	assert_int_equal(lana_ctl_parse(h, h->nlmsg_len, FAM, true, &r, err,
					sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(lana_ctl_get_block(r.tb[LANA_ATTR_BLOCK], &out, err,
					    sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "STAT: malformed attribute at byte %d of %d",
		 blen - (NLA_HDRLEN + 8), blen);
	assert_string_equal(err, want);
	nlmsg_free(m);
}

/* ------------------------------------------------ dispatcher, in process */

struct fix {
	struct lana_engine *e;
	struct lana_ctl_server *srv;
	int sv[2];		/* [0] client, [1] server */
	char buf[LANA_MSG_MAX];
};

static int fix_setup(void **state)
{
	struct lana_engine_opts eo = { .workers = 1 };
	struct fix *f = calloc(1, sizeof(*f));

	f->e = lana_engine_new(&eo);
	assert_non_null(f->e);
	assert_int_equal(lana_engine_start(f->e), 0);
	f->srv = lana_ctl_server_new(f->e, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, f->sv), 0);
	*state = f;
	return 0;
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;

	lana_ctl_server_free(f->srv);
	lana_engine_free(f->e);
	close(f->sv[0]);
	close(f->sv[1]);
	free(f);
	return 0;
}

/* What came back for one request. */
struct result {
	int error;		/* of the NLMSG_ERROR; 1 when none came */
	char msg[600];		/* its extack message */
	int replies;		/* family messages before it */
	uint32_t txn_id;	/* TXN_BEGIN reply */
	bool done;		/* NLMSG_DONE seen */
};

/* Send the raw datagram, let the server handle it, collect the replies. */
static void raw_xact(struct fix *f, const void *buf, size_t len,
		     struct result *res)
{
	char *rb = f->buf;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	res->error = 1;
	assert_int_equal(send(f->sv[0], buf, len, 0), (ssize_t)len);
	assert_int_equal(lana_ctl_serve_one(f->srv, f->sv[1]), 0);
	while ((n = recv(f->sv[0], rb, LANA_MSG_MAX, MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)rb;

		assert_int_equal(h->nlmsg_len, n);
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);
			struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

			res->error = e->error;
			if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
				assert_true(h->nlmsg_flags & NLM_F_CAPPED);
				assert_true(nla_parse(tb, NLMSGERR_ATTR_MAX,
					(struct nlattr *)(e + 1),
					(int)(n - NLMSG_HDRLEN - sizeof(*e)),
					NULL) >= 0);
				if (tb[NLMSGERR_ATTR_MSG])
					snprintf(res->msg, sizeof(res->msg),
						 "%s",
						 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
			}
		} else if (h->nlmsg_type == NLMSG_DONE) {
			res->done = true;
		} else {
			struct lana_ctl_req r;
			char err[256];

			assert_int_equal(lana_ctl_parse(rb, n, FAM, true, &r,
							err, sizeof(err)), 0);
			res->replies++;
			if (r.tb[LANA_ATTR_TXN_ID])
				res->txn_id =
					nla_get_u32(r.tb[LANA_ATTR_TXN_ID]);
		}
	}
}

static void xact(struct fix *f, struct nl_msg *m, struct result *res)
{
	struct nlmsghdr *h = nlmsg_hdr(m);

	raw_xact(f, h, h->nlmsg_len, res);
	nlmsg_free(m);
}

static uint32_t running_crc(struct fix *f)
{
	struct lana_plan p;
	uint32_t crc;

	assert_int_equal(lana_engine_plan(f->e, &p), 0);
	crc = lana_plan_crc(&p);
	lana_plan_free(&p);
	return crc;
}

static uint32_t running_blocks(struct fix *f)
{
	struct lana_plan p;
	uint32_t i, n = 0;

	assert_int_equal(lana_engine_plan(f->e, &p), 0);
	for (i = 0; i < p.insns.n; i++)
		n += p.insns.v[i].op == LANA_OP_NEW;
	lana_plan_free(&p);
	return n;
}

static uint32_t begin(struct fix *f, uint32_t total)
{
	struct nl_msg *m = req(LANA_CMD_TXN_BEGIN);
	struct result res;

	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, total);
	xact(f, m, &res);
	assert_int_equal(res.error, 0);
	assert_int_equal(res.replies, 1);
	assert_true(res.txn_id != 0);
	return res.txn_id;
}

static void data(struct fix *f, uint32_t id, uint32_t off, const void *p,
		 size_t n, struct result *res)
{
	struct nl_msg *m = req(LANA_CMD_TXN_DATA);

	nla_put_u32(m, LANA_ATTR_TXN_ID, id);
	nla_put_u32(m, LANA_ATTR_OFFSET, off);
	nla_put(m, LANA_ATTR_DATA, (int)n, p);
	xact(f, m, res);
}

static void txn_cmd(struct fix *f, uint8_t cmd, uint32_t id,
		    struct result *res)
{
	struct nl_msg *m = req(cmd);

	nla_put_u32(m, LANA_ATTR_TXN_ID, id);
	xact(f, m, res);
}

static void test_server_rejects_malformed(void **state)
{
	struct fix *f = *state;
	static char buf[LANA_MSG_MAX];
	uint32_t crc = running_crc(f);
	struct result res;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		size_t len = bad_cases[i].build(buf);

		raw_xact(f, buf, len, &res);
		if (res.error != bad_cases[i].code ||
		    !strstr(res.msg, bad_cases[i].msg))
			fail_msg("%s: got %d '%s', expected %d '%s'",
				 bad_cases[i].what, res.error, res.msg,
				 bad_cases[i].code, bad_cases[i].msg);
		assert_int_equal(res.replies, 0);
	}
	assert_int_equal(running_crc(f), crc);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);
}

/*
 * A request without NLM_F_REQUEST is refused before its command runs
 * (docs/runtime.md, "Validation"): no transaction opens, nothing is
 * flushed.
 */
static void test_server_needs_request_flag(void **state)
{
	struct fix *f = *state;
	struct nl_msg *m;
	struct result res;

	m = lana_ctl_msg_new(FAM, LANA_CMD_TXN_BEGIN, NLM_F_ACK, 11);
	assert_non_null(m);
	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, 64);
	xact(f, m, &res);
	assert_int_equal(res.error, -EINVAL);
	assert_string_equal(res.msg, "NLM_F_REQUEST not set");
	assert_int_equal(res.replies, 0);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);

	/* the same request with the flag is taken */
	begin(f, 64);
	assert_int_equal(lana_ctl_server_txns(f->srv), 1);
	lana_ctl_client_gone(f->srv, f->sv[1]);
}

static void test_server_oversized(void **state)
{
	struct fix *f = *state;
	size_t len = LANA_MSG_MAX + 4000;
	char *big = calloc(1, len);
	struct nlmsghdr *h = (struct nlmsghdr *)big;
	struct result res;

	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = FAM;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 9;
	raw_xact(f, big, len, &res);
	free(big);
	assert_int_equal(res.error, -EMSGSIZE);
	assert_non_null(strstr(res.msg, "exceeds the limit"));
}

static void test_server_txn_errors(void **state)
{
	struct fix *f = *state;
	struct lana_plan p;
	struct lana_buf b = { 0 };
	struct nl_msg *m;
	struct result res;
	uint32_t id, crc = running_crc(f);

	/* TOTAL_LEN over LANA_PLAN_MAX_LEN */
	m = req(LANA_CMD_TXN_BEGIN);
	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, LANA_PLAN_MAX_LEN + 1);
	xact(f, m, &res);
	assert_int_equal(res.error, -EFBIG);
	assert_int_equal(res.replies, 0);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);

	/* unknown transaction ids */
	data(f, 999, 0, "abcd", 4, &res);
	assert_int_equal(res.error, -ENOENT);
	assert_string_equal(res.msg, "unknown transaction 999");
	txn_cmd(f, LANA_CMD_TXN_COMMIT, 12345, &res);
	assert_int_equal(res.error, -ENOENT);
	txn_cmd(f, LANA_CMD_TXN_ABORT, 0, &res);
	assert_int_equal(res.error, -ENOENT);

	compile_text(graph1, &p);
	encode(&p, &b);
	id = begin(f, (uint32_t)b.len);
	assert_int_equal(lana_ctl_server_txns(f->srv), 1);

	/* offset gap: rejected, nothing received */
	data(f, id, 8, b.data + 8, 8, &res);
	assert_int_equal(res.error, -EINVAL);
	assert_non_null(strstr(res.msg, "offset 8, expected 0"));
	/* commit before everything arrived */
	txn_cmd(f, LANA_CMD_TXN_COMMIT, id, &res);
	assert_int_equal(res.error, -EINVAL);
	assert_non_null(strstr(res.msg, "incomplete: 0 of"));
	/* the transaction survived both: send it properly in two pieces */
	data(f, id, 0, b.data, 20, &res);
	assert_int_equal(res.error, 0);
	data(f, id, 30, b.data + 30, 4, &res);	/* gap again */
	assert_int_equal(res.error, -EINVAL);
	/* more than TOTAL_LEN */
	{
		char *more = calloc(1, b.len + 8);

		memcpy(more, b.data, b.len);
		data(f, id, 20, more + 20, b.len - 20 + 8, &res);
		free(more);
	}
	assert_int_equal(res.error, -EINVAL);
	assert_non_null(strstr(res.msg, "beyond TOTAL_LEN"));
	data(f, id, 20, b.data + 20, b.len - 20, &res);
	assert_int_equal(res.error, 0);
	assert_int_equal(running_crc(f), crc);	/* nothing applied yet */
	txn_cmd(f, LANA_CMD_TXN_COMMIT, id, &res);
	assert_int_equal(res.error, 0);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);
	assert_int_equal(running_blocks(f), 3);
	assert_int_equal(running_crc(f), lana_plan_crc(&p));
	/* the commit consumed the transaction */
	txn_cmd(f, LANA_CMD_TXN_COMMIT, id, &res);
	assert_int_equal(res.error, -ENOENT);

	/* a corrupt plan is refused and changes nothing */
	crc = running_crc(f);
	id = begin(f, (uint32_t)b.len);
	b.data[b.len - 5] ^= 0x40;	/* breaks the checksum */
	data(f, id, 0, b.data, b.len, &res);
	assert_int_equal(res.error, 0);
	txn_cmd(f, LANA_CMD_TXN_COMMIT, id, &res);
	assert_int_equal(res.error, -EINVAL);
	assert_non_null(strstr(res.msg, "invalid plan"));
	assert_int_equal(running_crc(f), crc);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);

	/* abort, and a client that goes away, drop their transactions */
	id = begin(f, 100);
	txn_cmd(f, LANA_CMD_TXN_ABORT, id, &res);
	assert_int_equal(res.error, 0);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);
	begin(f, 100);
	begin(f, 100);
	assert_int_equal(lana_ctl_server_txns(f->srv), 2);
	lana_ctl_client_gone(f->srv, f->sv[1]);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);

	lana_buf_free(&b);
	lana_plan_free(&p);
}

/* TXN_BEGIN of @total bytes that must fail with @error and @msg. */
static void begin_fails(struct fix *f, uint32_t total, int error,
			const char *msg)
{
	struct nl_msg *m = req(LANA_CMD_TXN_BEGIN);
	struct result res;

	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, total);
	xact(f, m, &res);
	assert_int_equal(res.error, error);
	assert_int_equal(res.replies, 0);
	assert_string_equal(res.msg, msg);
}

static void test_server_txn_limit(void **state)
{
	struct fix *f = *state;
	struct lana_ctl_limits l;
	int sv2[2], i;

	/* the default: 4 per client */
	for (i = 0; i < 4; i++)
		begin(f, 64);
	begin_fails(f, 64, -EBUSY,
		    "too many open transactions (limit 4 per client)");
	assert_int_equal(lana_ctl_server_txns(f->srv), 4);
	lana_ctl_client_gone(f->srv, f->sv[1]);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);

	/* without a per-client limit, the table's 16 */
	lana_ctl_limits_default(&l);
	l.txns_per_client = 0;
	lana_ctl_server_set_limits(f->srv, &l);
	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		begin(f, 64);
	begin_fails(f, 64, -EBUSY,
		    "too many open transactions (limit 16 over all clients)");
	assert_int_equal(lana_ctl_server_txns(f->srv), LANA_CTL_MAX_TXN);
	lana_ctl_client_gone(f->srv, f->sv[1]);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);

	/* a global limit below the table's counts everyone's */
	l.txns = 3;
	l.txns_per_client = 2;
	lana_ctl_server_set_limits(f->srv, &l);
	begin(f, 64);
	begin(f, 64);
	begin_fails(f, 64, -EBUSY,
		    "too many open transactions (limit 2 per client)");
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv2), 0);
	{
		int keep0 = f->sv[0], keep1 = f->sv[1];

		f->sv[0] = sv2[0];
		f->sv[1] = sv2[1];
		begin(f, 64);	/* the other client's own two are free */
		begin_fails(f, 64, -EBUSY,
			    "too many open transactions (limit 3 over all clients)");
		lana_ctl_client_gone(f->srv, sv2[1]);
		f->sv[0] = keep0;
		f->sv[1] = keep1;
	}
	close(sv2[0]);
	close(sv2[1]);
	lana_ctl_client_gone(f->srv, f->sv[1]);
	assert_int_equal(lana_ctl_server_txns(f->srv), 0);
}

static void test_server_txn_bytes(void **state)
{
	struct fix *f = *state;
	struct lana_ctl_limits l;

	/* one transaction: the default limit is 64 MiB = 67108864 bytes */
	begin_fails(f, 67108865, -EFBIG,
		    "transaction too large: TOTAL_LEN 67108865 bytes (limit 64 MiB)");
	begin(f, 67108864);
	lana_ctl_client_gone(f->srv, f->sv[1]);

	/* bytes reserved at TXN_BEGIN: 3000 + 2000 > 4 KiB = 4096 */
	lana_ctl_limits_default(&l);
	l.client_txn_bytes = 4096;
	l.txn_bytes = 6000;
	l.txn_size = 3000;
	lana_ctl_server_set_limits(f->srv, &l);
	begin_fails(f, 3001, -EFBIG,
		    "transaction too large: TOTAL_LEN 3001 bytes (limit 3000 bytes)");
	begin(f, 3000);
	begin_fails(f, 2000, -ENOBUFS,
		    "open transactions too large: this client's would hold 5000 bytes (limit 4 KiB per client)");
	begin(f, 1096);		/* exactly 4096 */
	begin_fails(f, 64, -ENOBUFS,
		    "open transactions too large: this client's would hold 4160 bytes (limit 4 KiB per client)");
	/* all clients: 4096 + 2000 > 6000 */
	l.client_txn_bytes = 0;
	lana_ctl_server_set_limits(f->srv, &l);
	begin_fails(f, 2000, -ENOBUFS,
		    "open transactions too large: all clients' would hold 6096 bytes (limit 6000 bytes over all clients)");
	lana_ctl_client_gone(f->srv, f->sv[1]);
	begin(f, 3000);		/* freed with the client */
	lana_ctl_client_gone(f->srv, f->sv[1]);
}

/* An idle transaction is aborted at its deadline, a busy one is not. */
static void test_server_txn_timeout(void **state)
{
	struct fix *f = *state;
	struct lana_ctl_limits l;
	struct result res;
	uint32_t idle, busy;
	int fd = -1, i;

	lana_ctl_limits_default(&l);
	l.txn_idle_ms = 200;
	l.idle_ms = 0;
	lana_ctl_server_set_limits(f->srv, &l);
	idle = begin(f, 64);
	busy = begin(f, 64);
	assert_in_range(lana_ctl_server_timeout(f->srv), 150, 200);
	for (i = 0; i < 6; i++) {	/* 6 x 50 ms: busy is fed every 50 */
		usleep(50 * 1000);
		data(f, busy, (uint32_t)i, "x", 1, &res);
		assert_int_equal(res.error, 0);
		assert_int_equal(lana_ctl_server_expire(f->srv, &fd), 0);
	}
	/* 300 ms passed: idle is gone, busy is still there */
	assert_int_equal(lana_ctl_server_txns(f->srv), 1);
	data(f, idle, 0, "x", 1, &res);
	assert_int_equal(res.error, -ENOENT);
	data(f, busy, 6, "x", 1, &res);
	assert_int_equal(res.error, 0);
	lana_ctl_client_gone(f->srv, f->sv[1]);
}

/*
 * A client that does not read: its replies queue up to out_bytes, then it
 * is cut off; another client is answered meanwhile. An idle client is
 * told why it is closed.
 */
static void test_server_output_queue(void **state)
{
	struct fix *f = *state;
	struct lana_ctl_limits l;
	struct nlmsghdr *h;
	int fd = -1, i, r = 0, first = -1;
	ssize_t n;

	lana_ctl_limits_default(&l);
	l.out_bytes = 100000;
	l.out_ms = 300;
	l.idle_ms = 0;
	lana_ctl_server_set_limits(f->srv, &l);
	/*
	 * FLUSH acks (NLMSG_ERROR 16 + nlmsgerr 4 + capped request header 16
	 * = 36 bytes each) until the socket is full and then the queue:
	 * 100000 / 36 = 2777 acks fit, the 2778th queued one breaks it.
	 */
	for (i = 0; !r; i++) {
		struct nl_msg *m = req(LANA_CMD_FLUSH);
		struct nlmsghdr *q = nlmsg_hdr(m);

		assert_true(i < 100000);
		assert_int_equal(send(f->sv[0], q, q->nlmsg_len, 0),
				 (ssize_t)q->nlmsg_len);
		nlmsg_free(m);
		r = lana_ctl_serve_one(f->srv, f->sv[1]);
		if (!r && first < 0 &&
		    (lana_ctl_client_events(f->srv, f->sv[1]) & POLLOUT))
			first = i;
	}
	assert_int_equal(r, -ENOBUFS);
	assert_true(first > 0);
	assert_int_equal(i - 1 - first, 2777);
	lana_ctl_client_gone(f->srv, f->sv[1]);

	/* the deadline: one reply queued, not read for 300 ms */
	close(f->sv[0]);
	close(f->sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, f->sv), 0);
	for (i = 0; lana_ctl_client_events(f->srv, f->sv[1]) != (POLLIN | POLLOUT); i++) {
		struct nl_msg *m = req(LANA_CMD_FLUSH);
		struct nlmsghdr *q = nlmsg_hdr(m);

		q->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		send(f->sv[0], q, q->nlmsg_len, 0);
		nlmsg_free(m);
		assert_int_equal(lana_ctl_serve_one(f->srv, f->sv[1]), 0);
	}
	assert_int_equal(lana_ctl_server_expire(f->srv, &fd), 0);
	assert_in_range(lana_ctl_server_timeout(f->srv), 250, 300);
	usleep(310 * 1000);
	assert_int_equal(lana_ctl_server_expire(f->srv, &fd), 1);
	assert_int_equal(fd, f->sv[1]);
	lana_ctl_client_gone(f->srv, f->sv[1]);

	/* the idle timeout, with its notice */
	close(f->sv[0]);
	close(f->sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, f->sv), 0);
	l.idle_ms = 100;
	lana_ctl_server_set_limits(f->srv, &l);
	assert_int_equal(lana_ctl_client_add(f->srv, f->sv[1]), 0);
	assert_int_equal(lana_ctl_server_expire(f->srv, &fd), 0);
	usleep(110 * 1000);
	fd = -1;
	assert_int_equal(lana_ctl_server_expire(f->srv, &fd), 1);
	assert_int_equal(fd, f->sv[1]);
	n = recv(f->sv[0], f->buf, sizeof(f->buf), MSG_DONTWAIT);
	assert_true(n > 0);
	h = (struct nlmsghdr *)f->buf;
	assert_int_equal(h->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(h->nlmsg_seq, 0);
	assert_int_equal(((struct nlmsgerr *)NLMSG_DATA(h))->error, -ETIMEDOUT);
	assert_non_null(memmem(f->buf, (size_t)n, "idle for 0.100 s: disconnected",
			       30));
	lana_ctl_client_gone(f->srv, f->sv[1]);
}

/* Beyond lim.clients a connection is refused with a reason. */
static void test_server_clients(void **state)
{
	struct fix *f = *state;
	struct lana_ctl_limits l;
	int sv2[2];
	ssize_t n;

	lana_ctl_limits_default(&l);
	l.clients = 1;
	lana_ctl_server_set_limits(f->srv, &l);
	assert_int_equal(lana_ctl_client_add(f->srv, f->sv[1]), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv2), 0);
	assert_int_equal(lana_ctl_client_add(f->srv, sv2[1]), -EUSERS);
	assert_int_equal(lana_ctl_server_clients(f->srv), 1);
	n = recv(sv2[0], f->buf, sizeof(f->buf), MSG_DONTWAIT);
	assert_true(n > 0);
	assert_int_equal(((struct nlmsgerr *)NLMSG_DATA(
		(struct nlmsghdr *)f->buf))->error, -EUSERS);
	assert_non_null(memmem(f->buf, (size_t)n, "too many clients (limit 1)",
			       26));
	close(sv2[0]);
	close(sv2[1]);
	begin(f, 64);		/* the accepted one works */
	lana_ctl_client_gone(f->srv, f->sv[1]);
	assert_int_equal(lana_ctl_server_clients(f->srv), 0);
}

static void test_server_stats_and_dump(void **state)
{
	struct fix *f = *state;
	struct lana_plan p;
	struct lana_buf b = { 0 };
	struct nl_msg *m;
	struct result res;
	uint32_t id;

	/* empty graph: PLAN_GET still sends one chunk (the header) */
	m = lana_ctl_msg_new(FAM, LANA_CMD_PLAN_GET,
			     NLM_F_REQUEST | NLM_F_DUMP, 3);
	xact(f, m, &res);
	assert_int_equal(res.replies, 1);
	assert_true(res.done);
	assert_int_equal(res.error, 1);		/* no ack for a dump */

	compile_text(graph1, &p);
	encode(&p, &b);
	id = begin(f, (uint32_t)b.len);
	data(f, id, 0, b.data, b.len, &res);
	txn_cmd(f, LANA_CMD_TXN_COMMIT, id, &res);
	assert_int_equal(res.error, 0);

	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET,
			     NLM_F_REQUEST | NLM_F_DUMP, 4);
	xact(f, m, &res);
	assert_int_equal(res.replies, 4);	/* 3 blocks, the engine's record */
	assert_true(res.done);

	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET,
			     NLM_F_REQUEST | NLM_F_DUMP, 5);
	nla_put_string(m, LANA_ATTR_NAME, "v");
	xact(f, m, &res);
	assert_int_equal(res.replies, 1);

	m = lana_ctl_msg_new(FAM, LANA_CMD_STATS_GET,
			     NLM_F_REQUEST | NLM_F_DUMP, 6);
	nla_put_string(m, LANA_ATTR_NAME, "nosuch");
	xact(f, m, &res);
	assert_int_equal(res.replies, 0);
	assert_int_equal(res.error, -ENOENT);
	assert_string_equal(res.msg, "no block named 'nosuch'");

	/* FLUSH empties the graph */
	xact(f, req(LANA_CMD_FLUSH), &res);
	assert_int_equal(res.error, 0);
	assert_int_equal(running_blocks(f), 0);

	lana_buf_free(&b);
	lana_plan_free(&p);
}

/* --------------------------------------------- client API vs server thread */

static void *server_thread(void *arg)
{
	struct fix *f = arg;
	struct pollfd pfd = { .fd = f->sv[1], .events = POLLIN };

	for (;;) {
		int r = 0;

		pfd.events = lana_ctl_client_events(f->srv, f->sv[1]);
		if (poll(&pfd, 1, -1) < 0)
			break;
		if (pfd.revents & POLLOUT)
			r = lana_ctl_client_write(f->srv, f->sv[1]);
		if (!r && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			r = lana_ctl_serve_one(f->srv, f->sv[1]);
		if (r < 0)
			break;
	}
	lana_ctl_client_gone(f->srv, f->sv[1]);
	return NULL;
}

static int count_cb(const struct lana_block_stats *s, void *ctx)
{
	struct lana_buf *names = ctx;

	lana_buf_printf(names, "%u:%s:%s ", s->idp, s->name, s->type);
	return 0;
}

/* Fetch the running plan through the protocol. */
static void get_plan(struct lana_ctl_conn *c, struct lana_plan *p)
{
	struct lana_buf b = { 0 };
	char err[512];
	uint32_t crc = 0;

	assert_int_equal(lana_ctl_get_plan(c, &b, &crc, err, sizeof(err)), 0);
	assert_int_equal(lana_plan_decode(b.data, b.len, p, err, sizeof(err)),
			 0);
	assert_int_equal(crc, p->crc);
	lana_buf_free(&b);
}

static const struct lana_value *param_of(const struct lana_plan *p,
					 const char *block, const char *key)
{
	uint32_t i, j;

	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		if (in->op != LANA_OP_NEW || strcmp(in->name, block))
			continue;
		for (j = 0; j < in->nparams; j++)
			if (!strcmp(in->params[j].key, key))
				return &in->params[j].val;
	}
	return NULL;
}

/* An edit plan of one SET of u16 @key on block @block (IDP @idp). */
static void set_plan(struct lana_plan *e, uint32_t base, uint8_t op,
		     uint32_t idp, const char *block, const char *key,
		     uint64_t val, struct lana_buf *b)
{
	struct lana_insn in = { .op = op, .idp = idp };
	struct lana_pattr *pa;

	lana_plan_init(e);
	e->flags = LANA_PLAN_F_EDIT;
	e->base_crc = base;
	pa = lana_arena_alloc(&e->arena, sizeof(*pa));
	pa->key = key;
	pa->val.type = LANA_PT_U16;
	pa->val.u = val;
	in.name = block;
	in.params = pa;
	in.nparams = 1;
	if (op == LANA_OP_BIND) {
		in.nparams = 0;
		in.dst = idp;
	}
	VEC_PUSH(&e->insns, in);
	encode(e, b);
}

static void test_client_api(void **state)
{
	struct fix *f = *state;
	struct lana_ctl_conn c = { .fd = f->sv[0], .family = FAM };
	struct lana_plan p, got, e;
	struct lana_buf b = { 0 }, names = { 0 }, text = { 0 };
	const struct lana_value *v;
	char err[512];
	pthread_t th;
	uint32_t crc;
	int i;

	c.buf = malloc(LANA_MSG_MAX);
	assert_int_equal(pthread_create(&th, NULL, server_thread, f), 0);

	/* a graph large enough for several chunks each way */
	lana_buf_puts(&text, graph1);
	lana_buf_puts(&text, "c0 :: counter()");
	for (i = 1; i < 3000; i++)
		lana_buf_printf(&text, " -> c%d :: counter()", i);
	lana_buf_puts(&text, " -> drop();\n");
	compile_text(text.data, &p);
	encode(&p, &b);
	assert_true(b.len > 2 * LANA_CHUNK);
	assert_int_equal(lana_ctl_send_plan(&c, b.data, b.len, err,
					    sizeof(err)), 0);
	get_plan(&c, &got);
	assert_int_equal(got.insns.n, p.insns.n);
	assert_int_equal(got.crc, lana_plan_crc(&p));
	crc = got.crc;
	lana_plan_free(&got);

	/* stats: every block, in IDP order; one block by name */
	assert_int_equal(lana_ctl_get_stats(&c, "v", count_cb, &names, err,
					    sizeof(err)), 0);
	assert_string_equal(names.data, "2:v:vlan ");
	assert_int_equal(lana_ctl_get_stats(&c, "nosuch", count_cb, &names,
					    err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no block named 'nosuch'");
	lana_buf_free(&names);
	assert_int_equal(lana_ctl_get_stats(&c, NULL, count_cb, &names, err,
					    sizeof(err)), 0);
	assert_non_null(strstr(names.data, "1:c:counter 2:v:vlan 3:d:drop "));
	assert_non_null(strstr(names.data, ":c2999:counter "));
	/* the engine's own record comes last, once (engine/stats.h) */
	assert_true(names.len >= strlen("0:(engine):engine "));
	assert_string_equal(names.data + names.len -
			    strlen("0:(engine):engine "), "0:(engine):engine ");
	assert_null(strstr(names.data, "0:(engine):engine 0:"));
	lana_buf_free(&names);

	/* SET with base 0 = the running plan */
	lana_buf_free(&b);
	set_plan(&e, 0, LANA_OP_SET, 2, "v", "vid", 7, &b);
	assert_int_equal(lana_ctl_set(&c, b.data, b.len, err, sizeof(err)), 0);
	lana_plan_free(&e);
	get_plan(&c, &got);
	v = param_of(&got, "v", "vid");
	assert_non_null(v);
	assert_int_equal(v->u, 7);
	assert_true(got.crc != crc);
	crc = got.crc;
	lana_plan_free(&got);

	/* SET refuses other instructions, and out-of-range values */
	lana_buf_free(&b);
	set_plan(&e, 0, LANA_OP_BIND, 2, "v", "vid", 7, &b);
	assert_int_equal(lana_ctl_set(&c, b.data, b.len, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "only SET"));
	lana_plan_free(&e);
	lana_buf_free(&b);
	set_plan(&e, 0, LANA_OP_SET, 2, "v", "vid", 5000, &b);
	assert_true(lana_ctl_set(&c, b.data, b.len, err, sizeof(err)) < 0);
	lana_plan_free(&e);

	/* an edit plan against a stale base fails and changes nothing */
	lana_buf_free(&b);
	set_plan(&e, crc ^ 1, LANA_OP_SET, 2, "v", "vid", 9, &b);
	assert_true(lana_ctl_send_plan(&c, b.data, b.len, err,
				       sizeof(err)) < 0);
	lana_plan_free(&e);
	get_plan(&c, &got);
	assert_int_equal(got.crc, crc);
	lana_plan_free(&got);

	/* FLUSH */
	assert_int_equal(lana_ctl_flush(&c, err, sizeof(err)), 0);
	get_plan(&c, &got);
	assert_int_equal(got.insns.n, 0);
	lana_plan_free(&got);

	/* closing the client ends the server loop */
	shutdown(f->sv[0], SHUT_RDWR);
	pthread_join(th, NULL);
	free(c.buf);
	lana_buf_free(&b);
	lana_buf_free(&text);
	lana_plan_free(&p);
}

static void test_connect_errors(void **state)
{
	struct lana_ctl_conn c;

	assert_int_equal(lana_ctl_connect_user(&c, "/nonexistent/lanad.sock"),
			 -ENOENT);
	lana_ctl_close(&c);
	setenv("LANA_SOCKET", "/tmp/x.sock", 1);
	assert_string_equal(lana_ctl_socket_path(NULL), "/tmp/x.sock");
	assert_string_equal(lana_ctl_socket_path("/a"), "/a");
	unsetenv("LANA_SOCKET");
	assert_string_equal(lana_ctl_socket_path(NULL), LANA_DEFAULT_SOCKET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_data),
		cmocka_unit_test(test_roundtrip_block),
		cmocka_unit_test(test_roundtrip_rows),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_documented_checks),
		cmocka_unit_test(test_nest_inner_overrun),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test_setup_teardown(test_server_rejects_malformed,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_needs_request_flag,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_oversized,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_txn_errors,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_txn_bytes,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_txn_timeout,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_output_queue,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_clients,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_txn_limit,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_server_stats_and_dump,
						fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_client_api, fix_setup,
						fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
