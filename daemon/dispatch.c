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
 * struct ctl_txn - an open transaction (the thesis's builder input,
 * ch. 5.2.4, arriving in pieces).
 * @id:    0 for a free slot
 * @fd:    the client that opened it; only it may use it
 * @total: TOTAL_LEN; @got: bytes received so far, in order
 */
struct ctl_txn {
	uint32_t id;
	int fd;
	uint32_t total, got;
	char *data;
	size_t cap;
};

struct lana_ctl_server {
	struct lana_engine *eng;
	void (*log)(int level, const char *msg);
	struct ctl_txn txn[LANA_CTL_MAX_TXN];
	uint32_t next_id;
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

struct lana_ctl_server *lana_ctl_server_new(struct lana_engine *e,
					    void (*log)(int level,
							const char *msg))
{
	struct lana_ctl_server *s = xcalloc(1, sizeof(*s));

	s->eng = e;
	s->log = log;
	s->next_id = 1;
	s->buf = xmalloc(LANA_MSG_MAX);
	return s;
}

static void txn_drop(struct ctl_txn *t)
{
	free(t->data);
	memset(t, 0, sizeof(*t));
}

void lana_ctl_server_free(struct lana_ctl_server *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		txn_drop(&s->txn[i]);
	free(s->buf);
	free(s);
}

void lana_ctl_client_gone(struct lana_ctl_server *s, int fd)
{
	unsigned int i;

	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		if (s->txn[i].id && s->txn[i].fd == fd) {
			slog(s, LOG_INFO,
			     "transaction %u aborted: client went away",
			     s->txn[i].id);
			txn_drop(&s->txn[i]);
		}
}

unsigned int lana_ctl_server_txns(const struct lana_ctl_server *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		n += s->txn[i].id != 0;
	return n;
}

static struct ctl_txn *txn_find(struct lana_ctl_server *s, int fd,
				const struct lana_ctl_req *r)
{
	uint32_t id = nla_get_u32(r->tb[LANA_ATTR_TXN_ID]);
	unsigned int i;

	if (!id)
		return NULL;
	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		if (s->txn[i].id == id && s->txn[i].fd == fd)
			return &s->txn[i];
	return NULL;
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
	char msg[512];
	uint32_t i;
	int r;

	r = lana_plan_decode(data, len, &p, msg, sizeof(msg));
	if (r)
		return lana_errf(err, errlen, -EINVAL, "invalid plan: %s", msg);
	if (set) {
		if (!(p.flags & LANA_PLAN_F_EDIT)) {
			r = lana_errf(err, errlen, -EINVAL,
				 "SET needs an edit plan of SET instructions");
			goto out;
		}
		for (i = 0; i < p.insns.n; i++)
			if (p.insns.v[i].op != LANA_OP_SET) {
				r = lana_errf(err, errlen, -EINVAL,
					 "instruction %u (%s): SET accepts only SET instructions",
					 i + 1, lana_op_name(p.insns.v[i].op));
				goto out;
			}
		if (!p.base_crc) {
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

static int do_begin(struct lana_ctl_server *s, int fd,
		    const struct lana_ctl_req *r, char *err, size_t errlen)
{
	uint32_t total = nla_get_u32(r->tb[LANA_ATTR_TOTAL_LEN]);
	struct ctl_txn *t = NULL;
	struct nl_msg *m;
	unsigned int i;
	int rc;

	if (total < LANA_PLAN_HDR_LEN)
		return lana_errf(err, errlen, -EINVAL,
			    "TOTAL_LEN %u is shorter than a plan header (%d bytes)",
			    total, LANA_PLAN_HDR_LEN);
	if (total > LANA_PLAN_MAX_LEN)
		return lana_errf(err, errlen, -EFBIG,
			    "TOTAL_LEN %u exceeds the plan size limit (%u bytes)",
			    total, LANA_PLAN_MAX_LEN);
	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		if (!s->txn[i].id) {
			t = &s->txn[i];
			break;
		}
	if (!t)
		return lana_errf(err, errlen, -EBUSY,
			    "too many open transactions (%d)", LANA_CTL_MAX_TXN);
	m = lana_ctl_msg_new(LANA_USER_FAMILY_ID, LANA_CMD_TXN_BEGIN, 0,
			     r->seq);
	if (!m)
		return lana_errf(err, errlen, -ENOMEM, "out of memory");
	t->id = s->next_id++;
	if (!s->next_id)
		s->next_id = 1;
	t->fd = fd;
	t->total = total;
	nla_put_u32(m, LANA_ATTR_TXN_ID, t->id);
	rc = lana_ctl_send_msg(fd, m);
	nlmsg_free(m);
	if (rc) {
		txn_drop(t);
		return rc;
	}
	slog(s, LOG_DEBUG, "transaction %u: begin, %u bytes", t->id, total);
	return 0;
}

static int do_data(struct lana_ctl_server *s, int fd,
		   const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct ctl_txn *t = txn_find(s, fd, r);
	uint32_t off = nla_get_u32(r->tb[LANA_ATTR_OFFSET]);
	struct nlattr *d = r->tb[LANA_ATTR_DATA];
	uint32_t n = (uint32_t)nla_len(d);

	if (!t)
		return lana_errf(err, errlen, -ENOENT, "unknown transaction %u",
			    nla_get_u32(r->tb[LANA_ATTR_TXN_ID]));
	if (off != t->got)
		return lana_errf(err, errlen, -EINVAL,
			    "transaction %u: DATA at offset %u, expected %u",
			    t->id, off, t->got);
	if ((uint64_t)t->got + n > t->total)
		return lana_errf(err, errlen, -EINVAL,
			    "transaction %u: DATA beyond TOTAL_LEN (%u + %u > %u)",
			    t->id, t->got, n, t->total);
	if (t->got + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 65536;
		char *p;

		if (cap < (size_t)t->got + n)
			cap = (size_t)t->got + n;
		if (cap > t->total)
			cap = t->total;
		p = realloc(t->data, cap);
		if (!p)
			return lana_errf(err, errlen, -ENOMEM, "out of memory");
		t->data = p;
		t->cap = cap;
	}
	memcpy(t->data + t->got, nla_data(d), n);
	t->got += n;
	return 0;
}

static int do_commit(struct lana_ctl_server *s, int fd,
		     const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct ctl_txn *t = txn_find(s, fd, r);
	struct lana_engine_counters ec;
	uint32_t id;
	int rc;

	if (!t)
		return lana_errf(err, errlen, -ENOENT, "unknown transaction %u",
			    nla_get_u32(r->tb[LANA_ATTR_TXN_ID]));
	if (t->got != t->total)
		return lana_errf(err, errlen, -EINVAL,
			    "transaction %u incomplete: %u of %u bytes",
			    t->id, t->got, t->total);
	id = t->id;
	rc = apply_bytes(s, t->data, t->total, false, err, errlen);
	txn_drop(t);	/* a commit ends the transaction either way */
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
	struct ctl_txn *t = txn_find(s, fd, r);

	if (!t)
		return lana_errf(err, errlen, -ENOENT, "unknown transaction %u",
			    nla_get_u32(r->tb[LANA_ATTR_TXN_ID]));
	slog(s, LOG_DEBUG, "transaction %u aborted", t->id);
	txn_drop(t);
	return 0;
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
		return lana_errf(err, errlen, -EINVAL, "cannot encode the plan: %s",
			    msg);
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
		    const struct lana_ctl_req *r, char *err, size_t errlen,
		    bool *sent)
{
	struct stats_srv_ctx c = { fd, r->seq };
	const char *name = r->tb[LANA_ATTR_NAME] ?
			   nla_get_string(r->tb[LANA_ATTR_NAME]) : NULL;
	int rc = lana_engine_stats(s->eng, name, stats_send, &c);

	if (rc == -ENOENT && name)
		return lana_errf(err, errlen, -ENOENT, "no block named '%s'", name);
	if (rc) {
		*sent = true;	/* the connection is broken */
		return rc;
	}
	return lana_ctl_reply_done(fd, r->seq);
}

int lana_ctl_handle(struct lana_ctl_server *s, int fd, void *buf,
		    size_t len, size_t cap)
{
	struct lana_ctl_req r;
	struct nlmsghdr hdr = { 0 };
	char err[600];
	bool dump = false, sent = false;
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
	switch (r.cmd) {
	case LANA_CMD_TXN_BEGIN:
		rc = do_begin(s, fd, &r, err, sizeof(err));
		break;
	case LANA_CMD_TXN_DATA:
		rc = do_data(s, fd, &r, err, sizeof(err));
		break;
	case LANA_CMD_TXN_COMMIT:
		rc = do_commit(s, fd, &r, err, sizeof(err));
		break;
	case LANA_CMD_TXN_ABORT:
		rc = do_abort(s, fd, &r, err, sizeof(err));
		break;
	case LANA_CMD_PLAN_GET:
		dump = true;
		rc = do_plan_get(s, fd, &r, err, sizeof(err));
		sent = rc && !err[0];
		break;
	case LANA_CMD_STATS_GET:
		dump = true;
		rc = do_stats(s, fd, &r, err, sizeof(err), &sent);
		break;
	case LANA_CMD_SET: {
		struct nlattr *d = r.tb[LANA_ATTR_DATA];

		rc = apply_bytes(s, nla_data(d), nla_len(d), true, err,
				 sizeof(err));
		if (!rc)
			slog(s, LOG_INFO, "SET applied");
		break;
	}
	case LANA_CMD_FLUSH:
		rc = lana_engine_flush(s->eng, err, sizeof(err));
		if (rc && !err[0])
			snprintf(err, sizeof(err), "%s", strerror(-rc));
		if (!rc)
			slog(s, LOG_INFO, "graph flushed");
		break;
	default:
		rc = lana_errf(err, sizeof(err), -EOPNOTSUPP, "unknown command");
		break;
	}
	if (sent)
		return rc;
	if (!rc) {
		if (dump || !(r.flags & NLM_F_ACK))
			return 0;
		return lana_ctl_reply_error(fd, r.nlh, 0, NULL);
	}
reply:
	if (!err[0])
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	slog(s, LOG_DEBUG, "request rejected: %s", err);
	rc = lana_ctl_reply_error(fd, len >= sizeof(hdr) ? &hdr : NULL, rc,
				  err);
	return rc;
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

