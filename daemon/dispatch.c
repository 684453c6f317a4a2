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
#include "log.h"
#include "plan/plan.h"
#include "proto/txn.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>

/* One queued reply datagram. */
struct outmsg {
	struct outmsg *next;
	size_t len;
	char data[];
};

/**
 * struct ctl_client - one connection.
 * @fd:      its socket
 * @head:    replies the socket did not take yet, oldest first (@tail: the
 *           last one's @next), @queued bytes
 * @since:   ms: when @head became the oldest undelivered reply
 * @last:    ms: the last request or delivered reply (for the idle timeout)
 * @broken:  the queue overflowed: every send fails with this errno
 * @dump:    a PLAN_GET in progress: the encoded plan, sent from @dump_off
 *           as the socket takes it; @dumping while it lasts
 */
struct ctl_client {
	int fd;
	struct outmsg *head, **tail;
	size_t queued;
	uint64_t since, last;
	int broken;
	bool dumping;
	struct lana_buf dump;
	size_t dump_off;
	uint32_t dump_seq, dump_crc;
	uint64_t dump_gen;
	bool read_only;		/* lana_ctl_client_restrict() */
	unsigned int uid;
};

/**
 * struct lana_ctl_server - lanad's dispatcher.
 * @eng:  the engine requests act on
 * @log:  sink for INFO/DEBUG messages, or NULL
 * @txns: the open transactions; a client's are keyed by its socket
 *        (struct lana_ctl_owner: no namespace, the file descriptor)
 * @buf:  LANA_MSG_MAX receive buffer
 * @lim:  the limits (lana_ctl_server_set_limits())
 * @cl:   the connections by file descriptor (@ncl entries, NULL: none);
 *        @clients of them are open
 */
struct lana_ctl_server {
	struct lana_engine *eng;
	void (*log)(int level, const char *msg);
	struct lana_ctl_txns txns;
	char *buf;
	struct lana_ctl_limits lim;
	struct ctl_client **cl;
	unsigned int ncl, clients;
};

static void slog(struct lana_ctl_server *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void slog(struct lana_ctl_server *s, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lanad_vlogf(s->log, level, fmt, ap);
	va_end(ap);
}

static struct lana_ctl_owner client(int fd)
{
	return (struct lana_ctl_owner){ .net = NULL, .port = (uint32_t)fd };
}

/* CLOCK_MONOTONIC in ms. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* @ms as "1.5 s" into @buf. */
static const char *secs(char *buf, size_t len, uint64_t ms)
{
	if (ms % 1000)
		snprintf(buf, len, "%llu.%03llu s", (unsigned long long)ms / 1000,
			 (unsigned long long)ms % 1000);
	else
		snprintf(buf, len, "%llu s", (unsigned long long)ms / 1000);
	return buf;
}

/* The connection of @fd, or NULL. */
static struct ctl_client *conn_find(struct lana_ctl_server *s, int fd)
{
	return fd >= 0 && (unsigned int)fd < s->ncl ? s->cl[fd] : NULL;
}

/*
 * The connection of @fd, made if new (not counted against the limit);
 * NULL when out of memory.
 */
static struct ctl_client *conn_get(struct lana_ctl_server *s, int fd)
{
	struct ctl_client *c = conn_find(s, fd);

	if (c || fd < 0)
		return c;
	if ((unsigned int)fd >= s->ncl) {
		unsigned int n = (unsigned int)fd + 16;
		struct ctl_client **cl = realloc(s->cl, n * sizeof(*s->cl));

		if (!cl)
			return NULL;
		s->cl = cl;
		memset(s->cl + s->ncl, 0, (n - s->ncl) * sizeof(*s->cl));
		s->ncl = n;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->tail = &c->head;
	c->last = now_ms();
	s->cl[fd] = c;
	s->clients++;
	return c;
}

static void conn_free(struct lana_ctl_server *s, struct ctl_client *c)
{
	while (c->head) {
		struct outmsg *m = c->head;

		c->head = m->next;
		free(m);
	}
	lana_buf_free(&c->dump);
	s->cl[c->fd] = NULL;
	s->clients--;
	free(c);
}

/* send(2) @len bytes without blocking: 1 sent, 0 the socket is full, -errno. */
static int try_send(int fd, const void *p, size_t len)
{
	ssize_t n;

	do {
		n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return (size_t)n == len ? 1 : -EIO;
}

/*
 * Tell @fd why it is being closed: the NLMSG_ERROR of sequence 0 @error
 * and @msg, sent without blocking. What the client sent and lanad did not
 * read is discarded first: closing a Unix socket with unread data makes
 * the peer's next receive fail with ECONNRESET before it sees the notice.
 */
static void notice(int fd, int error, const char *msg)
{
	char m[LANA_CTL_ERROR_MAX];
	int i;

	for (i = 0; i < 256; i++)
		if (recv(fd, m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
	try_send(fd, m, lana_ctl_error_put(m, NULL, error, msg));
}

/*
 * Send the reply datagram @p of @len bytes to client @fd, never blocking:
 * straight to the socket when nothing is queued before it and the socket
 * takes it, else at the end of the client's queue. A queue that would
 * grow past lim.out_bytes breaks the connection (logged). Returns 0, or
 * -errno when the connection is broken (the caller drops it).
 */
static int out(struct lana_ctl_server *s, int fd, const void *p, size_t len)
{
	struct ctl_client *c = conn_get(s, fd);
	struct outmsg *m;
	int r;

	if (!c)
		return -ENOMEM;
	if (c->broken)
		return c->broken;
	if (len > LANA_MSG_MAX)
		return -EMSGSIZE;
	if (!c->head) {
		r = try_send(fd, p, len);
		if (r < 0)
			return c->broken = r;
		if (r) {
			c->last = now_ms();
			return 0;
		}
		c->since = now_ms();
	}
	if (s->lim.out_bytes && c->queued + len > s->lim.out_bytes) {
		slog(s, LOG_WARNING,
		     "client fd %d does not read its replies: output queue full (%zu bytes queued, limit %zu): disconnected",
		     fd, c->queued, s->lim.out_bytes);
		return c->broken = -ENOBUFS;
	}
	m = malloc(sizeof(*m) + len);
	if (!m)
		return c->broken = -ENOMEM;	/* a reply lost: disconnect */
	m->next = NULL;
	m->len = len;
	memcpy(m->data, p, len);
	*c->tail = m;
	c->tail = &m->next;
	c->queued += len;
	return 0;
}

static int out_msg(struct lana_ctl_server *s, int fd, struct nl_msg *m)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	return out(s, fd, nlh, nlh->nlmsg_len);
}

static int out_error(struct lana_ctl_server *s, int fd,
		     const struct nlmsghdr *req, int error, const char *msg)
{
	char m[LANA_CTL_ERROR_MAX];

	return out(s, fd, m, lana_ctl_error_put(m, req, error, msg));
}

static int out_done(struct lana_ctl_server *s, int fd, uint32_t seq)
{
	char m[NLMSG_LENGTH(sizeof(int))];

	return out(s, fd, m, lana_ctl_done_put(m, seq));
}

/*
 * Send the next chunks of @c's PLAN_GET while the socket takes them
 * directly (nothing queued), then NLMSG_DONE. Returns 0 or -errno (the
 * connection broke).
 */
static int dump_more(struct lana_ctl_server *s, struct ctl_client *c)
{
	const struct lana_buf *b = &c->dump;
	int rc = 0;

	while (c->dumping && !c->head && !rc) {
		size_t off = c->dump_off;
		size_t n = b->len - off < LANA_CHUNK ? b->len - off : LANA_CHUNK;
		struct nl_msg *m;

		if (off == b->len && off) {
			c->dumping = false;
			lana_buf_free(&c->dump);
			return out_done(s, c->fd, c->dump_seq);
		}
		m = lana_ctl_msg_new(LANA_USER_FAMILY_ID, LANA_CMD_PLAN_GET,
				     NLM_F_MULTI, c->dump_seq);
		if (!m)
			return -ENOMEM;
		nla_put_u32(m, LANA_ATTR_TOTAL_LEN, (uint32_t)b->len);
		nla_put_u32(m, LANA_ATTR_OFFSET, (uint32_t)off);
		nla_put(m, LANA_ATTR_DATA, (int)n, b->data + off);
		if (!off) {
			nla_put_u32(m, LANA_ATTR_PLAN_CRC, c->dump_crc);
			nla_put_u64(m, LANA_ATTR_GENERATION, c->dump_gen);
		}
		rc = out_msg(s, c->fd, m);
		nlmsg_free(m);
		c->dump_off = off + n;
	}
	return rc;
}

struct lana_ctl_server *lana_ctl_server_new(struct lana_engine *e,
					    void (*log)(int level,
							const char *msg))
{
	struct lana_ctl_server *s = xcalloc(1, sizeof(*s));

	s->eng = e;
	s->log = log;
	s->buf = xmalloc(LANA_MSG_MAX);
	lana_ctl_limits_default(&s->lim);
	lana_ctl_server_set_limits(s, &s->lim);
	return s;
}

void lana_ctl_limits_default(struct lana_ctl_limits *l)
{
	*l = (struct lana_ctl_limits){
		.clients = LANA_CTL_DEF_CLIENTS,
		.txns = LANA_CTL_MAX_TXN,
		.txns_per_client = LANA_CTL_DEF_CLIENT_TXNS,
		.txn_size = LANA_CTL_DEF_TXN_SIZE,
		.txn_bytes = LANA_CTL_DEF_TXN_BYTES,
		.client_txn_bytes = LANA_CTL_DEF_CLIENT_TXN_BYTES,
		.txn_idle_ms = LANA_CTL_DEF_TXN_IDLE_MS,
		.idle_ms = LANA_CTL_DEF_IDLE_MS,
		.out_bytes = LANA_CTL_DEF_OUT_BYTES,
		.out_ms = LANA_CTL_DEF_OUT_MS,
	};
}

void lana_ctl_server_set_limits(struct lana_ctl_server *s,
				const struct lana_ctl_limits *l)
{
	s->lim = *l;
	if (!s->lim.txn_size || s->lim.txn_size > LANA_PLAN_MAX_LEN)
		s->lim.txn_size = LANA_PLAN_MAX_LEN;
	s->txns.lim = (struct lana_ctl_txn_limits){
		.txns = l->txns,
		.txns_per_owner = l->txns_per_client,
		.bytes = l->txn_bytes,
		.bytes_per_owner = l->client_txn_bytes,
	};
}

void lana_ctl_server_free(struct lana_ctl_server *s)
{
	if (!s)
		return;
	unsigned int i;

	lana_ctl_txn_drop_all(&s->txns);
	for (i = 0; i < s->ncl; i++)
		if (s->cl[i])
			conn_free(s, s->cl[i]);
	free(s->cl);
	free(s->buf);
	free(s);
}

void lana_ctl_client_gone(struct lana_ctl_server *s, int fd)
{
	struct lana_ctl_owner o = client(fd);
	uint32_t id;

	struct ctl_client *c = conn_find(s, fd);

	while ((id = lana_ctl_txn_drop_owned(&s->txns, &o)))
		slog(s, LOG_INFO, "transaction %u aborted: client went away",
		     id);
	if (c)
		conn_free(s, c);
}

int lana_ctl_client_add(struct lana_ctl_server *s, int fd)
{
	char msg[80];

	if (conn_find(s, fd))
		return 0;
	if (s->lim.clients && s->clients >= s->lim.clients) {
		snprintf(msg, sizeof(msg), "too many clients (limit %u)",
			 s->lim.clients);
		slog(s, LOG_WARNING, "%s: connection refused", msg);
		notice(fd, -EUSERS, msg);
		return -EUSERS;
	}
	if (!conn_get(s, fd)) {
		slog(s, LOG_WARNING, "out of memory: connection refused");
		notice(fd, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	slog(s, LOG_DEBUG, "client connected (fd %d)", fd);
	return 0;
}

int lana_ctl_client_restrict(struct lana_ctl_server *s, int fd,
			     unsigned int uid)
{
	struct ctl_client *c = conn_get(s, fd);

	if (!c)
		return -ENOMEM;
	c->read_only = true;
	c->uid = uid;
	return 0;
}

unsigned int lana_ctl_server_clients(const struct lana_ctl_server *s)
{
	return s->clients;
}

short lana_ctl_client_events(struct lana_ctl_server *s, int fd)
{
	struct ctl_client *c = conn_find(s, fd);

	if (!c)
		return POLLIN;
	return (short)((c->dumping ? 0 : POLLIN) | (c->head ? POLLOUT : 0));
}

int lana_ctl_client_write(struct lana_ctl_server *s, int fd)
{
	struct ctl_client *c = conn_find(s, fd);
	int r;

	if (!c)
		return 0;
	if (c->broken)
		return c->broken;
	while (c->head) {
		struct outmsg *m = c->head;

		r = try_send(fd, m->data, m->len);
		if (r < 0)
			return c->broken = r;
		if (!r)
			return 0;
		c->head = m->next;
		if (!c->head)
			c->tail = &c->head;
		c->queued -= m->len;
		free(m);
		c->since = c->last = now_ms();
	}
	return dump_more(s, c);
}

/*
 * The time @c's next deadline expires, ms, or UINT64_MAX: its oldest reply
 * undelivered for lim.out_ms, or (nothing to send) no request for
 * lim.idle_ms.
 */
static uint64_t conn_deadline(const struct lana_ctl_server *s,
			      const struct ctl_client *c)
{
	if (c->head)
		return s->lim.out_ms ? c->since + s->lim.out_ms : UINT64_MAX;
	if (c->dumping || !s->lim.idle_ms)
		return UINT64_MAX;
	return c->last + s->lim.idle_ms;
}

int lana_ctl_server_expire(struct lana_ctl_server *s, int *fd)
{
	uint64_t now = now_ms();
	struct lana_ctl_owner o;
	unsigned int i;
	char t[32];
	uint32_t id;

	s->txns.now = now;
	if (s->lim.txn_idle_ms && now >= s->lim.txn_idle_ms)
		while ((id = lana_ctl_txn_expire(&s->txns,
						 now - s->lim.txn_idle_ms + 1,
						 &o)))
			slog(s, LOG_WARNING,
			     "transaction %u of client fd %u aborted: idle for %s",
			     id, o.port, secs(t, sizeof(t), s->lim.txn_idle_ms));
	for (i = 0; i < s->ncl; i++) {
		struct ctl_client *c = s->cl[i];
		char msg[80];

		if (!c || conn_deadline(s, c) > now)
			continue;
		*fd = c->fd;
		if (c->head) {
			slog(s, LOG_WARNING,
			     "client fd %d does not read its replies: %zu bytes undelivered for %s: disconnected",
			     c->fd, c->queued,
			     secs(t, sizeof(t), s->lim.out_ms));
			return 1;
		}
		snprintf(msg, sizeof(msg), "idle for %s: disconnected",
			 secs(t, sizeof(t), s->lim.idle_ms));
		slog(s, LOG_INFO, "client fd %d %s", c->fd, msg);
		notice(c->fd, -ETIMEDOUT, msg);
		return 1;
	}
	return 0;
}

int lana_ctl_server_timeout(const struct lana_ctl_server *s)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	unsigned int i;

	if (s->lim.txn_idle_ms)
		for (i = 0; i < LANA_TXN_MAX; i++) {
			const struct lana_ctl_txn *t = &s->txns.slot[i];

			if (t->id && t->touched + s->lim.txn_idle_ms < next)
				next = t->touched + s->lim.txn_idle_ms;
		}
	for (i = 0; i < s->ncl; i++) {
		uint64_t d;

		if (!s->cl[i])
			continue;
		d = conn_deadline(s, s->cl[i]);
		if (d < next)
			next = d;
	}
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > INT32_MAX ? INT32_MAX : (int)(next - now);
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
		if (!r)
			r = lana_plan_try_crc(&cur, &p.base_crc);
		lana_plan_free(&cur);
		if (r == -ENOMEM) {
			r = lana_errf(err, errlen, r, "out of memory");
			goto out;
		}
		if (r) {
			r = lana_errf(err, errlen, r,
				      "cannot read the running plan: %s",
				      strerror(-r));
			goto out;
		}
	}
	r = lana_plan_validate(&p, msg, sizeof(msg));
	if (r == -ENOMEM) {
		r = lana_errf(err, errlen, r, "out of memory");
		goto out;
	}
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

	rc = lana_ctl_txn_begin(&s->txns, &o, total, s->lim.txn_size, &id, err,
				errlen);
	if (rc)
		return rc;
	m = lana_ctl_msg_new(LANA_USER_FAMILY_ID, LANA_CMD_TXN_BEGIN, 0,
			     r->seq);
	if (!m || nla_put_u32(m, LANA_ATTR_TXN_ID, id))
		rc = lana_errf(err, errlen, -ENOMEM, "out of memory");
	else
		rc = out_msg(s, fd, m);
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
	struct ctl_client *c;
	struct lana_plan p;
	struct lana_buf b = { .fallible = true };
	char msg[256];
	int rc;

	rc = lana_engine_plan(s->eng, &p);
	if (rc == -ENOMEM)
		return lana_errf(err, errlen, rc, "out of memory");
	if (rc)
		return lana_errf(err, errlen, rc < 0 ? rc : -EIO,
				 "cannot read the running plan");
	rc = lana_plan_encode(&p, &b, msg, sizeof(msg));
	lana_plan_free(&p);
	if (rc == -ENOMEM) {
		lana_buf_free(&b);
		return lana_errf(err, errlen, rc, "out of memory");
	}
	if (rc) {
		lana_buf_free(&b);
		return lana_errf(err, errlen, -EINVAL,
				 "cannot encode the plan: %s", msg);
	}
	if (b.len > LANA_PLAN_MAX_LEN) {
		lana_buf_free(&b);
		return lana_errf(err, errlen, -EFBIG, "running plan too large");
	}
	/* the chunks go out as the client takes them (dump_more()) */
	c = conn_get(s, fd);
	if (!c) {
		lana_buf_free(&b);
		return lana_errf(err, errlen, -ENOMEM, "out of memory");
	}
	lana_engine_counters(s->eng, &ec);
	lana_buf_free(&c->dump);
	c->dump = b;
	c->dump_off = 0;
	c->dump_seq = r->seq;
	c->dump_crc = lana_crc32(b.data + 24, b.len - 24);
	c->dump_gen = ec.generation;
	c->dumping = true;
	return dump_more(s, c);	/* an error: the connection broke */
}

/* @rows: LANA_TABLE_ROWS_PER_MSG rows, when one named block is asked for */
struct stats_srv_ctx {
	struct lana_ctl_server *s;
	int fd;
	uint32_t seq;
	struct lana_row *rows;
};

/* One STATS_GET reply holding @bs. Returns 0 or -errno. */
static int stats_msg(struct stats_srv_ctx *c, const struct lana_block_stats *bs)
{
	struct nl_msg *m = lana_ctl_msg_new(LANA_USER_FAMILY_ID,
					    LANA_CMD_STATS_GET, NLM_F_MULTI,
					    c->seq);
	int rc;

	if (!m)
		return -ENOMEM;
	rc = lana_ctl_put_block(m, bs);
	if (!rc)
		rc = out_msg(c->s, c->fd, m);
	nlmsg_free(m);
	return rc;
}

/*
 * The replies of one block: its counters, and when one named block whose
 * type has a table op is asked for, its rows too, LANA_TABLE_ROWS_PER_MSG
 * a reply (the first reply carries the counters, the others are
 * continuations: engine/stats.h), LANA_TABLE_MAX at most, the last reply
 * of a cut table marked truncated. Called under the engine's lock: the
 * block stays.
 */
static int stats_send(const struct lana_block_stats *bs, void *ctx)
{
	struct stats_srv_ctx *c = ctx;
	struct lana_block_stats t = *bs;
	unsigned int total = 0, n;
	uint32_t pos = 0;
	int rc;

	if (!c->rows || !bs->block || !bs->block->type->table)
		return stats_msg(c, bs);
	t.table = true;
	for (;;) {
		unsigned int want = LANA_TABLE_ROWS_PER_MSG;

		if (want > LANA_TABLE_MAX - total)
			want = LANA_TABLE_MAX - total;
		n = want ? bs->block->type->table(bs->block, &pos, c->rows,
						  want) : 0;
		if (n > want)
			n = want;
		total += n;
		t.rows = c->rows;
		t.nrows = n;
		/* more rows after the cap: is there one? */
		if (n == want && total == LANA_TABLE_MAX) {
			struct lana_row probe;
			uint32_t p2 = pos;

			t.truncated = bs->block->type->table(bs->block, &p2,
							     &probe, 1) > 0;
		}
		rc = stats_msg(c, &t);
		if (rc)
			return rc;
		if (n < LANA_TABLE_ROWS_PER_MSG || t.truncated ||
		    total >= LANA_TABLE_MAX)
			return 0;
		t.partial = true;
	}
}

static int do_stats(struct lana_ctl_server *s, int fd,
		    const struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct stats_srv_ctx c = { s, fd, r->seq, NULL };
	const char *name = r->tb[LANA_ATTR_NAME] ?
			   nla_get_string(r->tb[LANA_ATTR_NAME]) : NULL;
	int rc;

	if (name) {
		c.rows = malloc(LANA_TABLE_ROWS_PER_MSG * sizeof(*c.rows));
		if (!c.rows)
			return lana_errf(err, errlen, -ENOMEM,
					 "out of memory");
	}
	rc = lana_engine_stats(s->eng, name, stats_send, &c);
	free(c.rows);

	if (rc == -ENOENT && name)
		return lana_errf(err, errlen, -ENOENT, "no block named '%s'",
				 name);
	if (rc)
		return rc;	/* the connection is broken */
	return out_done(s, fd, r->seq);
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
	struct ctl_client *c;
	char err[600];
	size_t have;
	int rc;

	err[0] = '\0';
	c = conn_get(s, fd);
	if (!c)
		return -ENOMEM;
	c->last = s->txns.now = now_ms();
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
	if (c->read_only && r.cmd != LANA_CMD_PLAN_GET &&
	    r.cmd != LANA_CMD_STATS_GET) {
		rc = lana_errf(err, sizeof(err), -EPERM,
			       "permission denied: uid %u may read the graph but not change it (changes need root or CAP_NET_ADMIN; lanad(8), ACCESS)",
			       c->uid);
		slog(s, LOG_NOTICE, "uid %u: %s refused (read-only client)",
		     c->uid, lana_ctl_cmd_name(r.cmd));
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
		return out_error(s, fd, r.nlh, 0, NULL);
	}
	if (lana_ctl_cmd_dump(r.cmd) && !err[0])
		return rc;	/* the connection broke during the dump */
reply:
	if (!err[0])
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	slog(s, LOG_DEBUG, "request rejected: %s", err);
	return out_error(s, fd, len >= sizeof(hdr) ? &hdr : NULL, rc, err);
}

int lana_ctl_serve_one(struct lana_ctl_server *s, int fd)
{
	struct ctl_client *c = conn_get(s, fd);
	ssize_t n;

	if (!c)
		return -ENOMEM;
	if (c->broken)
		return c->broken;
	if (c->dumping)
		return 0;	/* the next request waits for the dump's end */
	n = lana_ctl_recv(fd, s->buf, LANA_MSG_MAX, MSG_DONTWAIT);

	if (n == -EAGAIN || n == -EWOULDBLOCK)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	return lana_ctl_handle(s, fd, s->buf, (size_t)n, LANA_MSG_MAX);
}

