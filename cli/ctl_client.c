// SPDX-License-Identifier: GPL-2.0
/*
 * cli/ctl_client.c - the client side of the control protocol: the two
 * transports (lanad's Unix SOCK_SEQPACKET socket and the kernel's generic
 * netlink family "lana"), one request and its replies, and one function
 * per command. lanarun is the client (cli/client.c).
 *
 * The messages are proto/codec.h's; docs/runtime.md is the reference.
 */
#include "ctl_client.h"
#include "plan/plan.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int lana_ctl_connect_user(struct lana_ctl_conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	c->fd = fd;
	c->family = LANA_USER_FAMILY_ID;
	c->buf = xmalloc(LANA_MSG_MAX);
	return 0;
}

int lana_ctl_connect_kernel(struct lana_ctl_conn *c)
{
	struct nl_sock *sk;
	int id, one = 1, r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = genl_connect(sk);
	if (r < 0) {
		nl_socket_free(sk);
		return r == -NLE_PERM ? -EPERM : -EPROTONOSUPPORT;
	}
	id = genl_ctrl_resolve(sk, LANA_GENL_NAME);
	if (id < 0) {
		nl_socket_free(sk);
		return -ENOENT;
	}
	c->fd = nl_socket_get_fd(sk);
	setsockopt(c->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	c->nl = sk;
	c->kernel = true;
	c->family = (uint16_t)id;
	c->buf = xmalloc(LANA_MSG_MAX);
	return 0;
}

void lana_ctl_close(struct lana_ctl_conn *c)
{
	if (c->nl)
		nl_socket_free(c->nl);	/* closes the fd */
	else if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->nl = NULL;
	c->buf = NULL;
	c->fd = -1;
}

/*
 * The error of an NLMSG_ERROR (or NLMSG_DONE) message @nlh: returns the
 * errno value (<= 0) and copies an NLMSGERR_ATTR_MSG, if any, to @err.
 */
static int parse_error(const struct nlmsghdr *nlh, char *err, size_t errlen)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	size_t off;
	int error;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (plen < sizeof(int))
			return 0;
		memcpy(&error, NLMSG_DATA(nlh), sizeof(int));
		off = NLMSG_ALIGN(sizeof(int));
	} else {
		if (plen < sizeof(*e))
			return lana_errf(err, errlen, -EPROTO,
					 "truncated error message from the engine");
		error = e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (error > 0)
		error = -error;
	if (error && err && errlen)
		snprintf(err, errlen, "%s", strerror(-error));
	if (error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		struct nlattr *head =
			(struct nlattr *)((char *)NLMSG_DATA(nlh) + off);

		if (nla_parse(tb, NLMSGERR_ATTR_MAX, head, plen - off,
			      NULL) >= 0 &&
		    tb[NLMSGERR_ATTR_MSG] &&
		    nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
			const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);
			int n = (int)strnlen(s, nla_len(tb[NLMSGERR_ATTR_MSG]));

			if (err && errlen)
				snprintf(err, errlen, "%.*s", n, s);
		}
	}
	return error;
}

/*
 * Sending or receiving failed with @r: when lanad closed the connection,
 * it may have left a sequence-0 NLMSG_ERROR saying why ("too many clients (limit
 * 128)", "idle for 60 s: disconnected"). Returns its errno with its
 * message in @err, or @r with @err empty.
 */
static int engine_notice(struct lana_ctl_conn *c, int r, char *err,
			 size_t errlen)
{
	ssize_t n;

	if (err && errlen)
		err[0] = '\0';
	if (c->kernel || !err || !errlen)
		return r;
	n = lana_ctl_recv(c->fd, c->buf, LANA_MSG_MAX, MSG_DONTWAIT);
	if (n >= (ssize_t)NLMSG_HDRLEN && n <= LANA_MSG_MAX) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)c->buf;
		int e;

		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq ||
		    nlh->nlmsg_len != (size_t)n)
			return r;
		e = parse_error(nlh, err, errlen);
		if (e)
			return e;
		err[0] = '\0';
	}
	return r;
}

int lana_ctl_request(struct lana_ctl_conn *c, struct nl_msg *m,
		     lana_ctl_reply_fn cb, void *ctx, char *err,
		     size_t errlen)
{
	struct nlmsghdr *req = nlmsg_hdr(m);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	uint32_t seq;
	int r;

	if (c->fd < 0 || !c->buf)
		return lana_errf(err, errlen, -ENOTCONN, "not connected");
	req->nlmsg_type = c->family;
	req->nlmsg_seq = seq = ++c->seq;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = lana_ctl_send_msg(c->fd, m);
	if (r) {
		/* lanad may have said why before it closed the socket */
		int e = engine_notice(c, r, err, errlen);

		if (e != r)
			return e;	/* @err has lanad's message */
		return lana_errf(err, errlen, r,
				 "cannot send to the engine: %s",
				 strerror(-r));
	}
	for (;;) {
		ssize_t n = lana_ctl_recv(c->fd, c->buf, LANA_MSG_MAX, 0);
		struct nlmsghdr *nlh;
		int rem;

		if (n < 0) {
			/* a reset is reported before lanad's last words */
			r = engine_notice(c, (int)n, err, errlen);
			if (r != (int)n)
				return r;
			return lana_errf(err, errlen, (int)n,
					 "cannot receive from the engine: %s",
					 strerror((int)-n));
		}
		if (n == 0)
			return lana_errf(err, errlen, -ECONNRESET,
					 "the engine closed the connection");
		if (n > LANA_MSG_MAX)
			return lana_errf(err, errlen, -EMSGSIZE,
					 "oversized reply (%zd bytes)", n);
		nlh = (struct nlmsghdr *)c->buf;
		rem = (int)n;
		if (!nlmsg_ok(nlh, rem))
			return lana_errf(err, errlen, -EPROTO,
					 "malformed reply from the engine");
		for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
			struct lana_ctl_req rep;

			/* sequence 0: lanad's notice before it closes us */
			if (!c->kernel && !nlh->nlmsg_seq &&
			    nlh->nlmsg_type == NLMSG_ERROR) {
				r = parse_error(nlh, err, errlen);
				if (r)
					return r;
			}
			if (nlh->nlmsg_seq != seq)
				continue;	/* stale reply */
			if (nlh->nlmsg_type == NLMSG_NOOP)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				r = parse_error(nlh, err, errlen);
				if (r || !dump)
					return r;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				if (!dump)
					continue;
				return parse_error(nlh, err, errlen);
			}
			r = lana_ctl_parse(nlh, nlh->nlmsg_len, c->family,
					   true, &rep, err, errlen);
			if (r) {
				char tmp[256];

				snprintf(tmp, sizeof(tmp), "%s", err);
				return lana_errf(err, errlen, -EPROTO,
						 "malformed reply from the engine: %s",
						 tmp);
			}
			if (cb) {
				r = cb(&rep, ctx, err, errlen);
				if (r)
					return r;
			}
		}
	}
}

/* A request for @cmd; a dump (proto/attrs.def) gets NLM_F_DUMP. */
static struct nl_msg *new_req(struct lana_ctl_conn *c, uint8_t cmd)
{
	uint16_t flags = lana_ctl_cmd_dump(cmd) ? NLM_F_DUMP : 0;
	struct nl_msg *m = lana_ctl_msg_new(c->family, cmd, flags, 0);

	if (!m) {
		fprintf(stderr, "out of memory\n");
		abort();
	}
	return m;
}

static int begin_cb(const struct lana_ctl_req *r, void *ctx, char *err,
		    size_t errlen)
{
	*(uint32_t *)ctx = nla_get_u32(r->tb[LANA_ATTR_TXN_ID]);
	return 0;
}

static int txn_simple(struct lana_ctl_conn *c, uint8_t cmd, uint32_t id,
		      char *err, size_t errlen)
{
	struct nl_msg *m = new_req(c, cmd);
	int r;

	if (nla_put_u32(m, LANA_ATTR_TXN_ID, id))
		r = lana_errf(err, errlen, -EMSGSIZE, "message too long");
	else
		r = lana_ctl_request(c, m, NULL, NULL, err, errlen);
	nlmsg_free(m);
	return r;
}

int lana_ctl_send_plan(struct lana_ctl_conn *c, const void *plan, size_t len,
		       char *err, size_t errlen)
{
	struct nl_msg *m;
	uint32_t id = 0;
	size_t off;
	int r;

	if (len == 0 || len > LANA_PLAN_MAX_LEN)
		return lana_errf(err, errlen, -EFBIG,
				 "plan of %zu bytes too large", len);
	m = new_req(c, LANA_CMD_TXN_BEGIN);
	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, (uint32_t)len);
	r = lana_ctl_request(c, m, begin_cb, &id, err, errlen);
	nlmsg_free(m);
	if (r)
		return r;
	if (!id)
		return lana_errf(err, errlen, -EPROTO,
				 "the engine sent no transaction id");
	for (off = 0; off < len; off += LANA_CHUNK) {
		size_t n = len - off < LANA_CHUNK ? len - off : LANA_CHUNK;

		m = new_req(c, LANA_CMD_TXN_DATA);
		if (nla_put_u32(m, LANA_ATTR_TXN_ID, id) ||
		    nla_put_u32(m, LANA_ATTR_OFFSET, (uint32_t)off) ||
		    nla_put(m, LANA_ATTR_DATA, (int)n,
			    (const char *)plan + off))
			r = lana_errf(err, errlen, -EMSGSIZE,
				      "message too long");
		else
			r = lana_ctl_request(c, m, NULL, NULL, err, errlen);
		nlmsg_free(m);
		if (r) {
			char tmp[16];

			txn_simple(c, LANA_CMD_TXN_ABORT, id, tmp, sizeof(tmp));
			return r;
		}
	}
	return txn_simple(c, LANA_CMD_TXN_COMMIT, id, err, errlen);
}

struct plan_ctx {
	struct lana_buf *out;
	size_t start;
	uint32_t total;
	bool have_total;
	uint32_t crc;
};

static int plan_cb(const struct lana_ctl_req *r, void *ctx, char *err,
		   size_t errlen)
{
	struct plan_ctx *p = ctx;
	uint32_t total = nla_get_u32(r->tb[LANA_ATTR_TOTAL_LEN]);
	uint32_t off = nla_get_u32(r->tb[LANA_ATTR_OFFSET]);
	struct nlattr *d = r->tb[LANA_ATTR_DATA];
	size_t got = p->out->len - p->start;

	if (p->have_total && total != p->total)
		return lana_errf(err, errlen, -EPROTO,
				 "plan dump: TOTAL_LEN changed from %u to %u",
				 p->total, total);
	p->total = total;
	p->have_total = true;
	if (off != got)
		return lana_errf(err, errlen, -EPROTO,
				 "plan dump: chunk at offset %u, expected %zu",
				 off, got);
	if ((uint64_t)got + (uint64_t)nla_len(d) > total)
		return lana_errf(err, errlen, -EPROTO,
				 "plan dump: more than TOTAL_LEN (%u) bytes",
				 total);
	if (r->tb[LANA_ATTR_PLAN_CRC])
		p->crc = nla_get_u32(r->tb[LANA_ATTR_PLAN_CRC]);
	lana_buf_put(p->out, nla_data(d), nla_len(d));
	return 0;
}

int lana_ctl_get_plan(struct lana_ctl_conn *c, struct lana_buf *out,
		      uint32_t *crc, char *err, size_t errlen)
{
	struct plan_ctx p = { .out = out, .start = out->len };
	struct nl_msg *m = new_req(c, LANA_CMD_PLAN_GET);
	int r;

	r = lana_ctl_request(c, m, plan_cb, &p, err, errlen);
	nlmsg_free(m);
	if (!r && (!p.have_total || out->len - p.start != p.total))
		r = lana_errf(err, errlen, -EPROTO,
			      "plan dump: %zu of %u bytes received",
			      out->len - p.start, p.total);
	if (r) {
		out->len = p.start;
		if (out->data)
			out->data[out->len] = '\0';
		return r;
	}
	if (crc)
		*crc = p.crc;
	return 0;
}

struct stats_ctx {
	int (*cb)(const struct lana_block_stats *s, void *ctx);
	void *ctx;
};

static int stats_cb(const struct lana_ctl_req *r, void *ctx, char *err,
		    size_t errlen)
{
	struct stats_ctx *sc = ctx;
	struct lana_block_stats s;
	int rc = lana_ctl_get_block(r->tb[LANA_ATTR_BLOCK], &s, err, errlen);

	if (rc)
		return rc;
	rc = sc->cb(&s, sc->ctx);
	free(s.rows);
	return rc;
}

int lana_ctl_get_stats(struct lana_ctl_conn *c, const char *name,
		       int (*cb)(const struct lana_block_stats *s, void *ctx),
		       void *ctx, char *err, size_t errlen)
{
	struct stats_ctx sc = { cb, ctx };
	struct nl_msg *m = new_req(c, LANA_CMD_STATS_GET);
	int r;

	if (name && (strlen(name) > 255 ||
		     nla_put_string(m, LANA_ATTR_NAME, name))) {
		nlmsg_free(m);
		return lana_errf(err, errlen, -ENOENT, "no block named '%s'",
				 name);
	}
	r = lana_ctl_request(c, m, stats_cb, &sc, err, errlen);
	nlmsg_free(m);
	return r;
}

int lana_ctl_set(struct lana_ctl_conn *c, const void *plan, size_t len,
		 char *err, size_t errlen)
{
	struct nl_msg *m;
	int r;

	if (len == 0 || len > LANA_CHUNK)
		return lana_errf(err, errlen, -EMSGSIZE,
				 "SET plan of %zu bytes (at most %d)", len,
				 LANA_CHUNK);
	m = new_req(c, LANA_CMD_SET);
	nla_put(m, LANA_ATTR_DATA, (int)len, plan);
	r = lana_ctl_request(c, m, NULL, NULL, err, errlen);
	nlmsg_free(m);
	return r;
}

int lana_ctl_flush(struct lana_ctl_conn *c, char *err, size_t errlen)
{
	struct nl_msg *m = new_req(c, LANA_CMD_FLUSH);
	int r = lana_ctl_request(c, m, NULL, NULL, err, errlen);

	nlmsg_free(m);
	return r;
}

