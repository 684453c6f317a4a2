// SPDX-License-Identifier: GPL-2.0
/*
 * tests/kmod/malformed.c - send malformed requests to the generic netlink
 * family "lana" (lana.ko) and check that each one is refused with an error
 * while the module keeps working: afterwards a valid request (the running
 * plan fetched with PLAN_GET and committed back as a transaction) still
 * succeeds. Run inside the test VM by tests/kmod/vm-test.sh, with lana.ko
 * loaded; prints "ok: ..." / "FAIL: ..." lines, exits 1 on any failure.
 *
 * Messages are built by hand (struct nlmsghdr, struct genlmsghdr,
 * attributes; Documentation/userspace-api/netlink/intro.rst) so that they
 * can be wrong in every way; libnl opens the socket, resolves the family
 * (genl_ctrl_resolve) and moves the bytes (nl_sendto, nl_recv). The
 * protocol is proto/proto.h.
 *
 * usage: lana-malformed [-v] [RANDOM_MESSAGES]   (default 2000)
 *        lana-malformed --plan FILE
 * --plan commits the plan FILE exactly as it is (lanarun validates a plan
 * file before it sends it) and prints "applied" or "refused: errno N:
 * MESSAGE"; exit 0 applied, 1 refused, 2 error (tests/kmod/vm-core.sh).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "proto/proto.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define BUF_MAX (LANA_MSG_MAX * 2)

static struct nl_sock *sk;
static int family;
static uint32_t seq = 1;
static int failures;
static bool verbose;

/* A request being built. */
struct req {
	uint8_t b[BUF_MAX];
	size_t len;
};

/* What came back for one request. */
struct resp {
	bool got;		/* any reply at all */
	int err;		/* errno of NLMSG_ERROR (0 = ack), or of DONE */
	char msg[256];		/* NLMSGERR_ATTR_MSG */
	uint32_t txn_id;	/* LANA_ATTR_TXN_ID of a reply, 0 if none */
	uint8_t *data;		/* PLAN_GET: DATA chunks reassembled */
	size_t data_len;
	unsigned int nreplies;	/* genl replies (not counting acks) */
};

static void ok(const char *what)
{
	printf("ok: malformed: %s\n", what);
}

static void fail(const char *what, const struct resp *r)
{
	printf("FAIL: malformed: %s (reply: %s, err %d%s%s)\n", what,
	       r && r->got ? "yes" : "none", r ? r->err : 0,
	       r && r->msg[0] ? ", " : "", r ? r->msg : "");
	failures++;
}

static void req_start(struct req *q, uint16_t type, uint8_t cmd,
		      uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)q->b;
	struct genlmsghdr *g;

	memset(q->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq++;
	g = (struct genlmsghdr *)(q->b + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = LANA_GENL_VERSION;
	q->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Append an attribute; nla_len = NLA_HDRLEN + @len unless @lie != 0. */
static void req_attr_raw(struct req *q, uint16_t type, const void *data,
			 size_t len, uint16_t lie)
{
	struct nlattr *a = (struct nlattr *)(q->b + q->len);
	size_t tot = NLA_ALIGN(NLA_HDRLEN + len);

	if (q->len + tot > sizeof(q->b))
		abort();
	memset(a, 0, tot);
	a->nla_type = type;
	a->nla_len = lie ? lie : (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	q->len += tot;
}

static void req_attr(struct req *q, uint16_t type, const void *d, size_t n)
{
	req_attr_raw(q, type, d, n, 0);
}

static void req_u32(struct req *q, uint16_t type, uint32_t v)
{
	req_attr(q, type, &v, sizeof(v));
}

static void req_finish(struct req *q)
{
	((struct nlmsghdr *)q->b)->nlmsg_len = (uint32_t)q->len;
}

/* Drop whatever is still queued on the socket (late acks, dump tails). */
static void drain(void)
{
	struct sockaddr_nl nla;
	unsigned char *buf;
	struct timeval tv = { 0, 1000 };

	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	while (nl_recv(sk, &nla, &buf, NULL) > 0)
		free(buf);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
}

static void parse_genl(struct resp *r, struct nlmsghdr *h)
{
	struct nlattr *a;
	int rem;

	r->nreplies++;
	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	a = (struct nlattr *)((uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN);
	rem = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len))) {
		void *p = (uint8_t *)a + NLA_HDRLEN;
		size_t n = a->nla_len - NLA_HDRLEN;

		if ((a->nla_type & NLA_TYPE_MASK) == LANA_ATTR_TXN_ID &&
		    n == 4)
			memcpy(&r->txn_id, p, 4);
		if ((a->nla_type & NLA_TYPE_MASK) == LANA_ATTR_DATA) {
			uint8_t *nd = realloc(r->data, r->data_len + n);

			if (!nd)
				abort();
			memcpy(nd + r->data_len, p, n);
			r->data = nd;
			r->data_len += n;
		}
	}
}

static void parse_err(struct resp *r, struct nlmsghdr *h)
{
	struct nlmsgerr *e = NLMSG_DATA(h);
	struct nlattr *a;
	size_t off;
	int rem;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return;
	r->err = -e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	a = (struct nlattr *)((uint8_t *)e + NLMSG_ALIGN(off));
	rem = (int)h->nlmsg_len - NLMSG_HDRLEN - (int)NLMSG_ALIGN(off);
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;

			if (n >= sizeof(r->msg))
				n = sizeof(r->msg) - 1;
			memcpy(r->msg, (uint8_t *)a + NLA_HDRLEN, n);
			r->msg[n] = 0;
		}
	}
}

/*
 * Send @len bytes of @q and collect the replies until the ack/error, the
 * end of a dump, or a 2 s silence. Returns false on a local error.
 */
static bool xfer_len(const struct req *q, size_t len, struct resp *r)
{
	uint32_t myseq = ((const struct nlmsghdr *)q->b)->nlmsg_seq;
	struct sockaddr_nl nla;
	unsigned char *buf;
	int n;

	memset(r, 0, sizeof(*r));
	r->err = -1;
	drain();
	if (nl_sendto(sk, (void *)q->b, len) < 0) {
		perror("nl_sendto");
		return false;
	}
	for (;;) {
		struct nlmsghdr *h;
		bool done = false;

		n = nl_recv(sk, &nla, &buf, NULL);
		if (n <= 0)
			return true;	/* silence */
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != myseq)
				continue;
			r->got = true;
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_err(r, h);
				done = true;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(h), sizeof(e));
				r->err = -e;
				done = true;
			} else {
				parse_genl(r, h);
				if (!(h->nlmsg_flags & NLM_F_MULTI) &&
				    !(((const struct nlmsghdr *)q->b)->nlmsg_flags & NLM_F_ACK)) {
					r->err = 0;
					done = true;
				}
			}
		}
		free(buf);
		if (done)
			return true;
	}
}

static bool xfer(const struct req *q, struct resp *r)
{
	return xfer_len(q, q->len, r);
}

/* A refused request: an error reply (any errno). */
static void expect_error(const char *what, struct req *q)
{
	struct resp r;

	req_finish(q);
	if (!xfer(q, &r) || !r.got || r.err <= 0) {
		fail(what, &r);
	} else {
		if (verbose)
			printf("    %s: errno %d %s\n", what, r.err, r.msg);
		ok(what);
	}
	free(r.data);
}

/* TXN_BEGIN {TOTAL_LEN}: the transaction id, 0 on failure. */
static uint32_t txn_begin(uint32_t total)
{
	struct req q;
	struct resp r;
	uint32_t id;

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TOTAL_LEN, total);
	req_finish(&q);
	if (!xfer(&q, &r) || r.err != 0) {
		free(r.data);
		return 0;
	}
	id = r.txn_id;
	free(r.data);
	return id;
}

static int txn_simple(uint8_t cmd, uint32_t id)
{
	struct req q;
	struct resp r;

	req_start(&q, (uint16_t)family, cmd, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TXN_ID, id);
	req_finish(&q);
	if (!xfer(&q, &r))
		return -1;
	free(r.data);
	return r.err;
}

static int txn_data(uint32_t id, uint32_t off, const void *d, size_t n,
		    struct resp *r)
{
	struct req q;

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_DATA, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TXN_ID, id);
	req_u32(&q, LANA_ATTR_OFFSET, off);
	req_attr(&q, LANA_ATTR_DATA, d, n);
	req_finish(&q);
	if (!xfer(&q, r))
		return -1;
	return r->err;
}

/* PLAN_GET dump: the running plan in *@r (r->data). */
static bool plan_get(struct resp *r)
{
	struct req q;

	req_start(&q, (uint16_t)family, LANA_CMD_PLAN_GET, NLM_F_DUMP);
	req_finish(&q);
	return xfer(&q, r) && r->got && r->err == 0 && r->data_len > 0;
}

/* Commit @plan (@len bytes) in LANA_CHUNK pieces; errno of the commit. */
static int commit_plan(const uint8_t *plan, size_t len, char *msg,
		       size_t msglen)
{
	uint32_t id = txn_begin((uint32_t)len);
	struct resp r;
	size_t off;
	int e;

	if (!id)
		return -1;
	for (off = 0; off < len; off += LANA_CHUNK) {
		size_t n = len - off < LANA_CHUNK ? len - off : LANA_CHUNK;

		e = txn_data(id, (uint32_t)off, plan + off, n, &r);
		free(r.data);
		if (e)
			return e;
	}
	{
		struct req q;

		req_start(&q, (uint16_t)family, LANA_CMD_TXN_COMMIT, NLM_F_ACK);
		req_u32(&q, LANA_ATTR_TXN_ID, id);
		req_finish(&q);
		if (!xfer(&q, &r))
			return -1;
		snprintf(msg, msglen, "%s", r.msg);
		free(r.data);
		return r.err;
	}
}

/* The module still answers a valid request correctly. */
static void check_alive(const char *when)
{
	char what[160], msg[256] = "";
	struct resp r;
	int e;

	snprintf(what, sizeof(what), "PLAN_GET works %s", when);
	if (!plan_get(&r)) {
		fail(what, &r);
		free(r.data);
		return;
	}
	ok(what);
	/* the running plan is a valid full plan: committing it is a no-op */
	e = commit_plan(r.data, r.data_len, msg, sizeof(msg));
	snprintf(what, sizeof(what),
		 "committing the running plan (%zu bytes) succeeds %s",
		 r.data_len, when);
	if (e) {
		printf("    commit: errno %d %s\n", e, msg);
		fail(what, NULL);
	} else {
		ok(what);
	}
	free(r.data);
}

static void test_headers(void)
{
	struct req q;
	struct resp r;

	/* only a netlink header: no genl header */
	req_start(&q, (uint16_t)family, LANA_CMD_PLAN_GET, NLM_F_ACK);
	q.len = NLMSG_HDRLEN;
	expect_error("message without a genl header", &q);

	/* half a genl header */
	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	q.len = NLMSG_HDRLEN + 2;
	expect_error("message with half a genl header", &q);

	/* nlmsg_len larger than what was sent: the kernel must not read
	 * past the datagram (netlink drops it; an error is fine too) */
	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TOTAL_LEN, 100);
	req_finish(&q);
	((struct nlmsghdr *)q.b)->nlmsg_len = (uint32_t)q.len + 64;
	if (!xfer(&q, &r) || (r.got && r.err <= 0))
		fail("nlmsg_len beyond the datagram ignored or refused", &r);
	else
		ok("nlmsg_len beyond the datagram ignored or refused");
	free(r.data);

	/* unknown commands */
	req_start(&q, (uint16_t)family, LANA_CMD_MAX + 1, NLM_F_ACK);
	expect_error("unknown command LANA_CMD_MAX + 1", &q);
	req_start(&q, (uint16_t)family, 250, NLM_F_ACK);
	expect_error("unknown command 250", &q);
	req_start(&q, (uint16_t)family, LANA_CMD_UNSPEC, NLM_F_ACK);
	expect_error("command UNSPEC", &q);
}

static void test_attrs(void)
{
	uint8_t big[LANA_CHUNK + 1024];
	char name[300];
	struct req q;
	uint16_t v16 = 7;
	uint64_t v64 = 7;

	memset(big, 0xab, sizeof(big));
	memset(name, 'x', sizeof(name));

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	expect_error("TXN_BEGIN without TOTAL_LEN", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_attr(&q, LANA_ATTR_TOTAL_LEN, &v16, sizeof(v16));
	expect_error("TXN_BEGIN with a 2-byte TOTAL_LEN", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_attr(&q, LANA_ATTR_TOTAL_LEN, &v64, sizeof(v64));
	expect_error("TXN_BEGIN with an 8-byte TOTAL_LEN", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TOTAL_LEN, 0xffffffffu);
	expect_error("TXN_BEGIN with TOTAL_LEN 4 GiB", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TOTAL_LEN, 0);
	expect_error("TXN_BEGIN with TOTAL_LEN 0", &q);

	/* attribute whose length runs past the message */
	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_attr_raw(&q, LANA_ATTR_TOTAL_LEN, &v64, 4, 200);
	expect_error("attribute length past the end of the message", &q);

	/* attribute length below the header size */
	req_start(&q, (uint16_t)family, LANA_CMD_TXN_BEGIN, NLM_F_ACK);
	req_attr_raw(&q, LANA_ATTR_TOTAL_LEN, &v64, 4, 2);
	expect_error("attribute length below NLA_HDRLEN", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_DATA, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_OFFSET, 0);
	req_attr(&q, LANA_ATTR_DATA, big, 16);
	expect_error("TXN_DATA without TXN_ID", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_DATA, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TXN_ID, 0x7fffffffu);
	req_u32(&q, LANA_ATTR_OFFSET, 0);
	req_attr(&q, LANA_ATTR_DATA, big, 16);
	expect_error("TXN_DATA for an unknown transaction", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_COMMIT, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TXN_ID, 0x7ffffffeu);
	expect_error("TXN_COMMIT of an unknown transaction", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_TXN_ABORT, NLM_F_ACK);
	req_u32(&q, LANA_ATTR_TXN_ID, 0x7ffffffdu);
	expect_error("TXN_ABORT of an unknown transaction", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_SET, NLM_F_ACK);
	expect_error("SET without DATA", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_SET, NLM_F_ACK);
	req_attr(&q, LANA_ATTR_DATA, big, 100);
	expect_error("SET with a garbage plan", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_SET, NLM_F_ACK);
	req_attr(&q, LANA_ATTR_DATA, big, sizeof(big));
	expect_error("SET with DATA > LANA_CHUNK", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_STATS_GET, NLM_F_ACK);
	req_attr(&q, LANA_ATTR_NAME, name, sizeof(name));
	expect_error("STATS_GET with a 300-byte NAME", &q);

	req_start(&q, (uint16_t)family, LANA_CMD_STATS_GET, NLM_F_ACK);
	req_attr(&q, LANA_ATTR_NAME, "no-such-block", 14);
	expect_error("STATS_GET of an unknown block", &q);
}

static void test_txn(void)
{
	uint8_t big[LANA_CHUNK + 1024];
	uint8_t junk[256];
	char msg[256];
	struct resp r;
	uint32_t id, i;
	int e;

	memset(big, 0x5a, sizeof(big));
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);

	id = txn_begin(1000);
	if (!id) {
		fail("TXN_BEGIN of 1000 bytes", NULL);
		return;
	}
	ok("TXN_BEGIN of 1000 bytes");

	e = txn_data(id, 0, big, sizeof(big), &r);
	if (e > 0)
		ok("TXN_DATA with DATA > LANA_CHUNK refused");
	else
		fail("TXN_DATA with DATA > LANA_CHUNK refused", &r);
	free(r.data);

	e = txn_data(id, 990, junk, 20, &r);
	if (e > 0)
		ok("TXN_DATA past TOTAL_LEN refused");
	else
		fail("TXN_DATA past TOTAL_LEN refused", &r);
	free(r.data);

	e = txn_data(id, 0xfffffff0u, junk, 32, &r);
	if (e > 0)
		ok("TXN_DATA with an offset that wraps refused");
	else
		fail("TXN_DATA with an offset that wraps refused", &r);
	free(r.data);

	e = txn_data(id, 500, junk, 10, &r);
	if (e > 0)
		ok("TXN_DATA out of order refused");
	else
		fail("TXN_DATA out of order refused", &r);
	free(r.data);

	e = txn_simple(LANA_CMD_TXN_COMMIT, id);
	if (e > 0)
		ok("TXN_COMMIT of an incomplete plan refused");
	else
		fail("TXN_COMMIT of an incomplete plan refused", NULL);
	/* whether the failed commit ended the transaction is the engine's
	 * choice; abort it in case it did not */
	txn_simple(LANA_CMD_TXN_ABORT, id);

	/* a complete plan of garbage: refused at COMMIT with a message */
	e = commit_plan(junk, sizeof(junk), msg, sizeof(msg));
	if (e > 0 && msg[0]) {
		if (verbose)
			printf("    garbage plan: errno %d %s\n", e, msg);
		ok("garbage plan refused with an extack message");
	} else {
		printf("    commit: errno %d '%s'\n", e, msg);
		fail("garbage plan refused with an extack message", NULL);
	}

	/* a plan header with a wrong magic and a huge count */
	memset(big, 0xff, 64);
	memcpy(big, "XXXX", 4);
	e = commit_plan(big, 64, msg, sizeof(msg));
	if (e > 0)
		ok("plan with a bad magic refused");
	else
		fail("plan with a bad magic refused", NULL);

	/* many open transactions: refused or accepted, never a crash; abort */
	for (i = 0; i < 64; i++) {
		uint32_t t = txn_begin(16);

		if (t)
			txn_simple(LANA_CMD_TXN_ABORT, t);
	}
	ok("64 transactions begun and aborted");
}

/* xorshift32: reproducible random messages */
static uint32_t rnd_state = 0x4c414e41;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/*
 * Random messages: random command (valid or not), random attributes with
 * random types, lengths and contents, sometimes lying about their length.
 * Only checks that every one gets some answer or is ignored; the module is
 * checked afterwards.
 */
static void test_random(unsigned int count)
{
	uint8_t data[512];
	unsigned int i, j, answered = 0;
	struct req q;
	struct resp r;

	for (i = 0; i < count; i++) {
		unsigned int nattr = rnd() % 5;
		uint8_t cmd = (uint8_t)(rnd() % (LANA_CMD_MAX + 3));

		/* no FLUSH: the graph must survive for the final check */
		if (cmd == LANA_CMD_FLUSH)
			cmd = LANA_CMD_PLAN_GET;
		req_start(&q, (uint16_t)family, cmd,
			  NLM_F_ACK | ((rnd() % 4) ? 0 : NLM_F_DUMP));
		for (j = 0; j < nattr; j++) {
			size_t n = rnd() % 40;
			size_t k;
			uint16_t type = (uint16_t)(rnd() % (LANA_ATTR_MAX + 3));

			for (k = 0; k < n; k++)
				data[k] = (uint8_t)rnd();
			if (type == LANA_ATTR_TXN_ID && n >= 4 && (rnd() & 1))
				n = 4;
			req_attr_raw(&q, type, data, n,
				     (rnd() % 16) ? 0 : (uint16_t)(rnd() % 128));
		}
		req_finish(&q);
		if (!xfer(&q, &r)) {
			fail("random messages: send", NULL);
			return;
		}
		answered += r.got;
		free(r.data);
	}
	printf("    %u random messages, %u answered\n", count, answered);
	ok("random messages sent");
}

/* --plan FILE: commit FILE as it is; 0 applied, 1 refused, 2 error. */
static int send_file(const char *path)
{
	static uint8_t buf[1 << 20];
	char msg[256] = "";
	FILE *fp = fopen(path, "rb");
	size_t len;
	int e;

	if (!fp) {
		perror(path);
		return 2;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	e = commit_plan(buf, len, msg, sizeof(msg));
	if (e < 0) {
		printf("no reply to the transaction\n");
		return 2;
	}
	if (!e) {
		printf("applied\n");
		return 0;
	}
	printf("refused: errno %d: %s\n", e, msg);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int nrandom = 2000;
	const char *plan = NULL;
	int one = 1, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--plan") && i + 1 < argc)
			plan = argv[++i];
		else
			nrandom = (unsigned int)strtoul(argv[i], NULL, 10);
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		printf("FAIL: malformed: open a generic netlink socket\n");
		return 1;
	}
	family = genl_ctrl_resolve(sk, LANA_GENL_NAME);
	if (family < 0) {
		printf("FAIL: malformed: resolve family \"%s\" (is lana.ko loaded?)\n",
		       LANA_GENL_NAME);
		return 1;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	nl_socket_disable_seq_check(sk);
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	if (plan) {
		i = send_file(plan);
		nl_socket_free(sk);
		return i;
	}

	check_alive("before");
	test_headers();
	test_attrs();
	test_txn();
	check_alive("after the malformed messages");
	test_random(nrandom);
	check_alive("after the random messages");

	nl_socket_free(sk);
	return failures ? 1 : 0;
}
