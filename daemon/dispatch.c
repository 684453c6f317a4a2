// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/dispatch.c - lanad's request dispatcher: every request of the
 * control protocol validated (proto/codec.h) and executed on the
 * userspace engine (runtime/engine.h), its replies sent back on the
 * client's socket. daemon/lanad.c is the daemon around it.
 *
 * docs/runtime.md is the protocol reference.
 */
#include "dispatch.h"
#include "plan/plan.h"
#include "proto/txn.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

/**
 * struct lana_ctl_server - lanad's dispatcher.
 * @eng:  the engine requests act on
 * @log:  sink for INFO/DEBUG messages, or NULL
 * @txns: the open transactions; a client's are keyed by its socket
 *        (struct lana_ctl_owner: no namespace, the file descriptor)
 * @buf:  LANA_MSG_MAX receive buffer
 */
struct lana_ctl_server {
	struct lana_engine *eng;
	void (*log)(int level, const char *msg);
	struct lana_ctl_txns txns;
	char *buf;
};

static void slog(struct lana_ctl_server *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void slog(struct lana_ctl_server *s, int level, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log(level, msg);
}

static struct lana_ctl_owner client(int fd)
{
	return (struct lana_ctl_owner){ .net = NULL, .port = (uint32_t)fd };
}

struct lana_ctl_server *lana_ctl_server_new(struct lana_engine *e,
					    void (*log)(int level,
							const char *msg))
{
	struct lana_ctl_server *s = xcalloc(1, sizeof(*s));

	s->eng = e;
	s->log = log;
	s->buf = xmalloc(LANA_MSG_MAX);
	return s;
}

void lana_ctl_server_free(struct lana_ctl_server *s)
{
	if (!s)
		return;
	lana_ctl_txn_drop_all(&s->txns);
	free(s->buf);
	free(s);
}

void lana_ctl_client_gone(struct lana_ctl_server *s, int fd)
{
	struct lana_ctl_owner o = client(fd);
	uint32_t id;

	while ((id = lana_ctl_txn_drop_owned(&s->txns, &o)))
		slog(s, LOG_INFO, "transaction %u aborted: client went away",
		     id);
}

unsigned int lana_ctl_server_txns(const struct lana_ctl_server *s)
{
	return lana_ctl_txn_count(&s->txns);
}

/*
 * Decode, validate and apply @len plan bytes. @set: only an edit plan of
 * SET instructions is accepted, and a zero base checksum means the running
 * plan.
 */
static int apply_bytes(struct lana_ctl_server *s, const void *data,
		       size_t len, bool set, char *err, size_t errlen)
{
	struct lana_plan p;
	char msg[512] = "";
	int r;

	r = lana_ctl_txn_decode(data, len, set, &p, err, errlen);
	if (r)
		return r;
	if (set && !p.base_crc) {
		struct lana_plan cur;

		r = lana_engine_plan(s->eng, &cur);
		if (r) {
			r = lana_errf(err, errlen, r,
				      "cannot read the running plan: %s",
				      strerror(-r));
			goto out;
		}
		p.base_crc = lana_plan_crc(&cur);
		lana_plan_free(&cur);
	}
	r = lana_plan_validate(&p, msg, sizeof(msg));
	if (r) {
		r = lana_errf(err, errlen, -EINVAL, "invalid plan: %s", msg);
		goto out;
	}
	r = lana_engine_apply(s->eng, &p, msg, sizeof(msg));
	if (r) {
		if (!msg[0])
			snprintf(msg, sizeof(msg), "%s", strerror(-r));
		r = lana_errf(err, errlen, r < 0 ? r : -EINVAL, "%s", msg);
	}
out:
	lana_plan_free(&p);
	return r;
}

/* ------------------------------------------------------------ commands */

/*
 * One function per command (proto/attrs.def): @r is a validated request
 * of client @fd; its NEEDED attributes are present. Returns 0 when done
 * (replies sent, the ack follows), or -errno with @err set; for a dump,
 * -errno with @err empty means the connection broke while replying.
 */
typedef int (*cmd_fn)(struct lana_ctl_server *s, int fd,
		      const struct lana_ctl_req *r, char *err, size_t errlen);

static int do_begin(struct lana_ctl_server *s, int fd,
		    const struct lana_ctl_req *r, char *err, size_t errlen)
{
	uint32_t total = nla_get_u32(r->tb[LANA_ATTR_TOTAL_LEN]);
	struct lana_ctl_owner o = client(fd);
	struct nl_msg *m;
	uint32_t id;
	int rc;

	rc = lana_ctl_txn_begin(&s->txns, &o, total, LANA_PLAN_MAX_LEN, &id, err,
			    errlen);
	if (rc)
		return rc;
	m = lana_ctl_msg_new(LANA_USER_FAMILY_ID, LANA_CMD_TXN_BEGIN, 0,
			     r->seq);
	if (!m || nla_put_u32(m, LANA_ATTR_TXN_ID, id))
		rc = lana_errf(err, errlen, -ENOMEM, "out of memory");
	else
		rc = lana_ctl_send_msg(fd, m);
	nlmsg_free(m);
	if (rc) {
		lana_ctl_txn_abort(&s->txns, &o, id, NULL, 0);
		return rc;
	}
	slog(s, LOG_DEBUG, "transaction %u: begin, %u bytes", id, total);
	return 0;
}

static int do_data(struct lana_ctl_server *s, int fd,
		   const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct lana_ctl_owner o = client(fd);
	struct nlattr *d = r->tb[LANA_ATTR_DATA];

	return lana_ctl_txn_data(&s->txns, &o,
			     nla_get_u32(r->tb[LANA_ATTR_TXN_ID]),
			     nla_get_u32(r->tb[LANA_ATTR_OFFSET]),
			     nla_data(d), (uint32_t)nla_len(d), err, errlen);
}

static int do_commit(struct lana_ctl_server *s, int fd,
		     const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct lana_ctl_owner o = client(fd);
	struct lana_engine_counters ec;
	uint32_t id = nla_get_u32(r->tb[LANA_ATTR_TXN_ID]);
	struct lana_ctl_txn t;
	int rc;

	/* a commit of a complete plan ends the transaction either way */
	rc = lana_ctl_txn_take(&s->txns, &o, id, &t, err, errlen);
	if (rc)
		return rc;
	rc = apply_bytes(s, t.data, t.total, false, err, errlen);
	lana_ctl_txn_drop(&t);
	if (rc) {
		slog(s, LOG_WARNING, "transaction %u failed: %s", id, err);
		return rc;
	}
	lana_engine_counters(s->eng, &ec);
	slog(s, LOG_INFO, "transaction %u applied: generation %llu", id,
	     (unsigned long long)ec.generation);
	return 0;
}

static int do_abort(struct lana_ctl_server *s, int fd,
		    const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct lana_ctl_owner o = client(fd);
	uint32_t id = nla_get_u32(r->tb[LANA_ATTR_TXN_ID]);
	int rc = lana_ctl_txn_abort(&s->txns, &o, id, err, errlen);

	if (!rc)
		slog(s, LOG_DEBUG, "transaction %u aborted", id);
	return rc;
}

static int do_plan_get(struct lana_ctl_server *s, int fd,
		       const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct lana_engine_counters ec;
	struct lana_plan p;
	struct lana_buf b = { 0 };
	char msg[256];
	size_t off = 0;
	int rc;

	rc = lana_engine_plan(s->eng, &p);
	if (rc)
		return lana_errf(err, errlen, rc < 0 ? rc : -EIO,
				 "cannot read the running plan");
	rc = lana_plan_encode(&p, &b, msg, sizeof(msg));
	lana_plan_free(&p);
	if (rc) {
		lana_buf_free(&b);
		return lana_errf(err, errlen, -EINVAL,
				 "cannot encode the plan: %s", msg);
	}
	if (b.len > LANA_PLAN_MAX_LEN) {
		lana_buf_free(&b);
		return lana_errf(err, errlen, -EFBIG, "running plan too large");
	}
	lana_engine_counters(s->eng, &ec);
	do {
		size_t n = b.len - off < LANA_CHUNK ? b.len - off : LANA_CHUNK;
		struct nl_msg *m = lana_ctl_msg_new(LANA_USER_FAMILY_ID,
						    LANA_CMD_PLAN_GET,
						    NLM_F_MULTI, r->seq);

		if (!m) {
			rc = -ENOMEM;
			break;
		}
		nla_put_u32(m, LANA_ATTR_TOTAL_LEN, (uint32_t)b.len);
		nla_put_u32(m, LANA_ATTR_OFFSET, (uint32_t)off);
		nla_put(m, LANA_ATTR_DATA, (int)n, b.data + off);
		if (!off) {
			nla_put_u32(m, LANA_ATTR_PLAN_CRC,
				    lana_crc32(b.data + 24, b.len - 24));
			nla_put_u64(m, LANA_ATTR_GENERATION, ec.generation);
		}
		rc = lana_ctl_send_msg(fd, m);
		nlmsg_free(m);
		off += n;
	} while (!rc && off < b.len);
	lana_buf_free(&b);
	if (rc)
		return rc;	/* connection broken: no error reply */
	return lana_ctl_reply_done(fd, r->seq);
}

struct stats_srv_ctx {
	int fd;
	uint32_t seq;
};

static int stats_send(const struct lana_block_stats *bs, void *ctx)
{
	struct stats_srv_ctx *c = ctx;
	struct nl_msg *m = lana_ctl_msg_new(LANA_USER_FAMILY_ID,
					    LANA_CMD_STATS_GET, NLM_F_MULTI,
					    c->seq);
	int rc;

	if (!m)
		return -ENOMEM;
	rc = lana_ctl_put_block(m, bs);
	if (!rc)
		rc = lana_ctl_send_msg(c->fd, m);
	nlmsg_free(m);
	return rc ? rc : 0;
}

static int do_stats(struct lana_ctl_server *s, int fd,
		    const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct stats_srv_ctx c = { fd, r->seq };
	const char *name = r->tb[LANA_ATTR_NAME] ?
			   nla_get_string(r->tb[LANA_ATTR_NAME]) : NULL;
	int rc = lana_engine_stats(s->eng, name, stats_send, &c);

	if (rc == -ENOENT && name)
		return lana_errf(err, errlen, -ENOENT, "no block named '%s'",
				 name);
	if (rc)
		return rc;	/* the connection is broken */
	return lana_ctl_reply_done(fd, r->seq);
}

static int do_set(struct lana_ctl_server *s, int fd,
		  const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct nlattr *d = r->tb[LANA_ATTR_DATA];
	int rc = apply_bytes(s, nla_data(d), nla_len(d), true, err, errlen);

	if (!rc)
		slog(s, LOG_INFO, "SET applied");
	return rc;
}

static int do_flush(struct lana_ctl_server *s, int fd,
		    const struct lana_ctl_req *r, char *err, size_t errlen)
{
	int rc = lana_engine_flush(s->eng, err, errlen);

	if (rc && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	if (!rc)
		slog(s, LOG_INFO, "graph flushed");
	return rc;
}

static const cmd_fn cmds[__LANA_CMD_MAX] = {
	[LANA_CMD_TXN_BEGIN] = do_begin,
	[LANA_CMD_TXN_DATA] = do_data,
	[LANA_CMD_TXN_COMMIT] = do_commit,
	[LANA_CMD_TXN_ABORT] = do_abort,
	[LANA_CMD_PLAN_GET] = do_plan_get,
	[LANA_CMD_STATS_GET] = do_stats,
	[LANA_CMD_SET] = do_set,
	[LANA_CMD_FLUSH] = do_flush,
};

/* ------------------------------------------------------------- requests */

int lana_ctl_handle(struct lana_ctl_server *s, int fd, void *buf,
		    size_t len, size_t cap)
{
	struct lana_ctl_req r;
	struct nlmsghdr hdr = { 0 };
	char err[600];
	size_t have;
	int rc;

	err[0] = '\0';
	/* echo whatever part of the header arrived */
	have = len < cap ? len : cap;
	memcpy(&hdr, buf, have < sizeof(hdr) ? have : sizeof(hdr));
	if (len > cap) {
		rc = lana_errf(err, sizeof(err), -EMSGSIZE,
			       "message of %zu bytes exceeds the limit of %d bytes",
			       len, LANA_MSG_MAX);
		goto reply;
	}
	rc = lana_ctl_parse(buf, len, LANA_USER_FAMILY_ID, false, &r, err,
			    sizeof(err));
	if (rc)
		goto reply;
	if (!(r.flags & NLM_F_REQUEST)) {
		rc = lana_errf(err, sizeof(err), -EINVAL,
			       "NLM_F_REQUEST not set");
		goto reply;
	}
	if (cmds[r.cmd])
		rc = cmds[r.cmd](s, fd, &r, err, sizeof(err));
	else
		rc = lana_errf(err, sizeof(err), -EOPNOTSUPP,
			       "unknown command");
	if (!rc) {
		if (lana_ctl_cmd_dump(r.cmd) || !(r.flags & NLM_F_ACK))
			return 0;
		return lana_ctl_reply_error(fd, r.nlh, 0, NULL);
	}
	if (lana_ctl_cmd_dump(r.cmd) && !err[0])
		return rc;	/* the connection broke during the dump */
reply:
	if (!err[0])
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	slog(s, LOG_DEBUG, "request rejected: %s", err);
	return lana_ctl_reply_error(fd, len >= sizeof(hdr) ? &hdr : NULL, rc,
				    err);
}

int lana_ctl_serve_one(struct lana_ctl_server *s, int fd)
{
	ssize_t n = lana_ctl_recv(fd, s->buf, LANA_MSG_MAX, MSG_DONTWAIT);

	if (n == -EAGAIN || n == -EWOULDBLOCK)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	return lana_ctl_handle(s, fd, s->buf, (size_t)n, LANA_MSG_MAX);
}

