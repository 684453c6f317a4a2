// SPDX-License-Identifier: GPL-2.0
/*
 * proto/ctl.c - the LANA control protocol: message codec and
 * validation (libnl-3), the client transports (lanad's Unix socket and
 * the kernel's generic netlink family), and lanad's dispatcher.
 *
 * See proto/proto.h for the messages and docs/runtime.md for the
 * protocol reference.
 */
#include "ctl.h"
#include "plan/plan.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ------------------------------------------------------------ policies */

#define P_U32 { .type = NLA_U32, .minlen = 4, .maxlen = 4 }
#define P_U64 { .type = NLA_U64, .minlen = 8, .maxlen = 8 }
#define P_NAME { .type = NLA_STRING, .minlen = 1, .maxlen = 256 }
#define P_TYPE { .type = NLA_STRING, .minlen = 1, .maxlen = 64 }
#define P_DATA { .type = NLA_UNSPEC, .minlen = 1, .maxlen = LANA_CHUNK }
#define P_NEST { .type = NLA_NESTED }

#define BIT(a) (1u << (a))

/* Requests. */
static const struct nla_policy pol_none[LANA_ATTR_MAX + 1];
static const struct nla_policy pol_begin[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_TOTAL_LEN] = P_U32,
};
static const struct nla_policy pol_data[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_TXN_ID] = P_U32,
	[LANA_ATTR_OFFSET] = P_U32,
	[LANA_ATTR_DATA] = P_DATA,
};
static const struct nla_policy pol_txn[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_TXN_ID] = P_U32,
};
static const struct nla_policy pol_stats[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_NAME] = P_NAME,
};
static const struct nla_policy pol_set[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_DATA] = P_DATA,
};

/* Replies. */
static const struct nla_policy rpol_begin[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_TXN_ID] = P_U32,
};
static const struct nla_policy rpol_plan[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_TOTAL_LEN] = P_U32,
	[LANA_ATTR_OFFSET] = P_U32,
	[LANA_ATTR_DATA] = P_DATA,
	[LANA_ATTR_PLAN_CRC] = P_U32,
	[LANA_ATTR_GENERATION] = P_U64,
};
static const struct nla_policy rpol_stats[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_BLOCK] = P_NEST,
};

/* Inside LANA_ATTR_BLOCK and LANA_ATTR_STAT. */
static const struct nla_policy pol_block[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_IDP] = P_U32,
	[LANA_ATTR_NAME] = P_NAME,
	[LANA_ATTR_TYPE] = P_TYPE,
	[LANA_ATTR_PACKETS] = P_U64,
	[LANA_ATTR_BYTES] = P_U64,
	[LANA_ATTR_DROPS] = P_U64,
	[LANA_ATTR_STAT] = P_NEST,
};
static const struct nla_policy pol_stat[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_NAME] = P_NAME,
	[LANA_ATTR_VALUE] = P_U64,
};

/**
 * struct cmd_desc - what a command takes and answers.
 * @allowed/@required:   attribute bits of the request
 * @rallowed/@rrequired: attribute bits of a reply message
 */
struct cmd_desc {
	const char *name;
	const struct nla_policy *pol, *rpol;
	uint32_t allowed, required;
	uint32_t rallowed, rrequired;
};

static const struct cmd_desc cmds[__LANA_CMD_MAX] = {
	[LANA_CMD_TXN_BEGIN] = {
		"TXN_BEGIN", pol_begin, rpol_begin,
		BIT(LANA_ATTR_TOTAL_LEN), BIT(LANA_ATTR_TOTAL_LEN),
		BIT(LANA_ATTR_TXN_ID), BIT(LANA_ATTR_TXN_ID),
	},
	[LANA_CMD_TXN_DATA] = {
		"TXN_DATA", pol_data, pol_none,
		BIT(LANA_ATTR_TXN_ID) | BIT(LANA_ATTR_OFFSET) |
			BIT(LANA_ATTR_DATA),
		BIT(LANA_ATTR_TXN_ID) | BIT(LANA_ATTR_OFFSET) |
			BIT(LANA_ATTR_DATA),
		0, 0,
	},
	[LANA_CMD_TXN_COMMIT] = {
		"TXN_COMMIT", pol_txn, pol_none,
		BIT(LANA_ATTR_TXN_ID), BIT(LANA_ATTR_TXN_ID), 0, 0,
	},
	[LANA_CMD_TXN_ABORT] = {
		"TXN_ABORT", pol_txn, pol_none,
		BIT(LANA_ATTR_TXN_ID), BIT(LANA_ATTR_TXN_ID), 0, 0,
	},
	[LANA_CMD_PLAN_GET] = {
		"PLAN_GET", pol_none, rpol_plan, 0, 0,
		BIT(LANA_ATTR_TOTAL_LEN) | BIT(LANA_ATTR_OFFSET) |
			BIT(LANA_ATTR_DATA) | BIT(LANA_ATTR_PLAN_CRC) |
			BIT(LANA_ATTR_GENERATION),
		BIT(LANA_ATTR_TOTAL_LEN) | BIT(LANA_ATTR_OFFSET) |
			BIT(LANA_ATTR_DATA),
	},
	[LANA_CMD_STATS_GET] = {
		"STATS_GET", pol_stats, rpol_stats,
		BIT(LANA_ATTR_NAME), 0,
		BIT(LANA_ATTR_BLOCK), BIT(LANA_ATTR_BLOCK),
	},
	[LANA_CMD_SET] = {
		"SET", pol_set, pol_none,
		BIT(LANA_ATTR_DATA), BIT(LANA_ATTR_DATA), 0, 0,
	},
	[LANA_CMD_FLUSH] = {
		"FLUSH", pol_none, pol_none, 0, 0, 0, 0,
	},
};

static const char *const attr_names[LANA_ATTR_MAX + 1] = {
	[LANA_ATTR_TXN_ID] = "TXN_ID",
	[LANA_ATTR_TOTAL_LEN] = "TOTAL_LEN",
	[LANA_ATTR_OFFSET] = "OFFSET",
	[LANA_ATTR_DATA] = "DATA",
	[LANA_ATTR_BLOCK] = "BLOCK",
	[LANA_ATTR_IDP] = "IDP",
	[LANA_ATTR_NAME] = "NAME",
	[LANA_ATTR_TYPE] = "TYPE",
	[LANA_ATTR_PACKETS] = "PACKETS",
	[LANA_ATTR_BYTES] = "BYTES",
	[LANA_ATTR_DROPS] = "DROPS",
	[LANA_ATTR_STAT] = "STAT",
	[LANA_ATTR_VALUE] = "VALUE",
	[LANA_ATTR_GENERATION] = "GENERATION",
	[LANA_ATTR_PLAN_CRC] = "PLAN_CRC",
};

const struct nla_policy *lana_ctl_policy(unsigned int cmd)
{
	if (cmd == LANA_CMD_UNSPEC || cmd > LANA_CMD_MAX)
		return NULL;
	return cmds[cmd].pol;
}

const char *lana_ctl_cmd_name(unsigned int cmd)
{
	if (cmd == LANA_CMD_UNSPEC || cmd > LANA_CMD_MAX)
		return "?";
	return cmds[cmd].name;
}

const char *lana_ctl_attr_name(unsigned int attr)
{
	if (attr == LANA_ATTR_UNSPEC || attr > LANA_ATTR_MAX)
		return "?";
	return attr_names[attr];
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/*
 * Check one attribute against policy entry @p: exact sizes for integers,
 * NUL-terminated strings within maxlen, binary within [minlen, maxlen].
 */
static int check_attr(const struct nlattr *nla, const struct nla_policy *p,
		      const char *what, char *err, size_t errlen)
{
	int len = nla_len(nla);
	const char *name = lana_ctl_attr_name(nla_type(nla));

	switch (p->type) {
	case NLA_U32:
	case NLA_U64:
		if (len != p->minlen)
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s: %d bytes, expected %u",
				    what, name, len, p->minlen);
		return 0;
	case NLA_STRING: {
		const char *s = nla_data(nla);

		if (len < 1 || s[len - 1] != '\0')
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s: string not NUL-terminated",
				    what, name);
		if (len > p->maxlen)
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s too long: %d bytes, at most %u",
				    what, name, len - 1, p->maxlen - 1);
		if (strlen(s) != (size_t)len - 1)
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s: string contains NUL",
				    what, name);
		return 0;
	}
	case NLA_NESTED:
		if (len > 0 && len < NLA_HDRLEN)
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s: malformed nest", what,
				    name);
		return 0;
	default:
		if (len < p->minlen)
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s: %d bytes, at least %u",
				    what, name, len, p->minlen);
		if (p->maxlen && len > p->maxlen)
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s: %d bytes, at most %u",
				    what, name, len, p->maxlen);
		return 0;
	}
}

/*
 * Walk the attribute stream at @head (@len bytes): each attribute well
 * formed, allowed by @allowed, given once, valid per @pol; nothing left
 * over; every @required attribute present.
 */
static int check_attrs(struct nlattr *head, int len,
		       const struct nla_policy *pol, uint32_t allowed,
		       uint32_t required, const char *what, char *err,
		       size_t errlen)
{
	struct nlattr *nla;
	uint32_t seen = 0;
	int rem, r;

	nla_for_each_attr(nla, head, len, rem) {
		int t = nla_type(nla);

		if (t <= LANA_ATTR_UNSPEC || t > LANA_ATTR_MAX ||
		    !(allowed & BIT(t)))
			return fail(err, errlen, -EINVAL,
				    "%s: unexpected attribute %d (%s)", what, t,
				    lana_ctl_attr_name(t));
		if (seen & BIT(t))
			return fail(err, errlen, -EINVAL,
				    "%s: attribute %s given twice", what,
				    attr_names[t]);
		seen |= BIT(t);
		r = check_attr(nla, &pol[t], what, err, errlen);
		if (r)
			return r;
	}
	if (rem > 0)
		return fail(err, errlen, -EINVAL,
			    "%s: malformed attribute at byte %d of %d", what,
			    len - rem, len);
	if (required & ~seen) {
		int t;

		for (t = 1; t <= LANA_ATTR_MAX; t++)
			if (required & ~seen & BIT(t))
				break;
		return fail(err, errlen, -EINVAL,
			    "%s: missing attribute %s", what,
			    lana_ctl_attr_name(t));
	}
	return 0;
}

int lana_ctl_parse(void *buf, size_t len, uint16_t family, bool reply,
		   struct lana_ctl_req *r, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *gh;
	const struct cmd_desc *d;
	const struct nla_policy *pol;
	uint32_t allowed, required;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len < NLMSG_HDRLEN)
		return fail(err, errlen, -EINVAL,
			    "truncated message: %zu bytes, netlink header needs %d",
			    len, NLMSG_HDRLEN);
	r->nlh = nlh;
	r->seq = nlh->nlmsg_seq;
	r->flags = nlh->nlmsg_flags;
	if (nlh->nlmsg_len != len)
		return fail(err, errlen, -EINVAL,
			    "nlmsg_len %u does not match the datagram length %zu",
			    nlh->nlmsg_len, len);
	if (nlh->nlmsg_type != family)
		return fail(err, errlen, -EINVAL,
			    "unknown message type 0x%x (family 0x%x expected)",
			    nlh->nlmsg_type, family);
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return fail(err, errlen, -EINVAL,
			    "truncated message: %zu bytes, no generic netlink header",
			    len);
	gh = nlmsg_data(nlh);
	if (gh->version != LANA_GENL_VERSION)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "protocol version %u not supported (expected %d)",
			    gh->version, LANA_GENL_VERSION);
	if (gh->cmd == LANA_CMD_UNSPEC || gh->cmd > LANA_CMD_MAX)
		return fail(err, errlen, -EOPNOTSUPP, "unknown command %u",
			    gh->cmd);
	r->cmd = gh->cmd;
	d = &cmds[gh->cmd];
	pol = reply ? d->rpol : d->pol;
	allowed = reply ? d->rallowed : d->allowed;
	required = reply ? d->rrequired : d->required;
	rc = check_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), pol,
			 allowed, required, d->name, err, errlen);
	if (rc)
		return rc;
	rc = genlmsg_parse(nlh, 0, r->tb, LANA_ATTR_MAX,
			   (struct nla_policy *)pol);
	if (rc < 0)
		return fail(err, errlen, -EINVAL, "%s: invalid attributes: %s",
			    d->name, nl_geterror(rc));
	return 0;
}

/* ------------------------------------------------------------ messages */

struct nl_msg *lana_ctl_msg_new(uint16_t family, uint8_t cmd, uint16_t flags,
				uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc_size(LANA_MSG_MAX);

	if (!m)
		return NULL;
	if (!genlmsg_put(m, 0, seq, family, 0, flags, cmd,
			 LANA_GENL_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

static int send_raw(int fd, const void *p, size_t len)
{
	ssize_t n;

	if (len > LANA_MSG_MAX)
		return -EMSGSIZE;
	do {
		n = send(fd, p, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int lana_ctl_send_msg(int fd, struct nl_msg *m)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	return send_raw(fd, nlh, nlh->nlmsg_len);
}

ssize_t lana_ctl_recv(int fd, void *buf, size_t cap, int flags)
{
	ssize_t n;

	do {
		n = recv(fd, buf, cap, flags | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int lana_ctl_reply_error(int fd, const struct nlmsghdr *req, int error,
			 const char *msg)
{
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr e;
		char attrs[NLA_HDRLEN + NLA_ALIGN(512)];
	} m;
	size_t len = NLMSG_LENGTH(sizeof(struct nlmsgerr));

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_type = NLMSG_ERROR;
	m.nlh.nlmsg_flags = NLM_F_CAPPED;
	if (req) {
		m.e.msg = *req;
		m.nlh.nlmsg_seq = req->nlmsg_seq;
		m.nlh.nlmsg_pid = req->nlmsg_pid;
	}
	m.e.error = error;
	if (msg && *msg) {
		struct nlattr *a = (struct nlattr *)m.attrs;
		size_t sl = strnlen(msg, 511);

		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = NLA_HDRLEN + sl + 1;
		memcpy((char *)a + NLA_HDRLEN, msg, sl);
		len += NLA_ALIGN(a->nla_len);
		m.nlh.nlmsg_flags |= NLM_F_ACK_TLVS;
	}
	m.nlh.nlmsg_len = len;
	return send_raw(fd, &m, len);
}

int lana_ctl_reply_done(int fd, uint32_t seq)
{
	struct {
		struct nlmsghdr nlh;
		int err;
	} m;

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(int));
	m.nlh.nlmsg_type = NLMSG_DONE;
	m.nlh.nlmsg_flags = NLM_F_MULTI;
	m.nlh.nlmsg_seq = seq;
	return send_raw(fd, &m, m.nlh.nlmsg_len);
}

static int put_str(struct nl_msg *m, int attr, const char *s, size_t max)
{
	size_t n = strnlen(s ? s : "", max - 1);
	char tmp[256];

	memcpy(tmp, s ? s : "", n);
	tmp[n] = '\0';
	return nla_put(m, attr, n + 1, tmp);
}

int lana_ctl_put_block(struct nl_msg *m, const struct lana_block_stats *s)
{
	struct nlattr *blk, *st;
	unsigned int i;

	blk = nla_nest_start(m, LANA_ATTR_BLOCK);
	if (!blk)
		return -EMSGSIZE;
	if (nla_put_u32(m, LANA_ATTR_IDP, s->idp) ||
	    put_str(m, LANA_ATTR_NAME, s->name, 256) ||
	    put_str(m, LANA_ATTR_TYPE, s->type, 64) ||
	    nla_put_u64(m, LANA_ATTR_PACKETS, s->packets) ||
	    nla_put_u64(m, LANA_ATTR_BYTES, s->bytes) ||
	    nla_put_u64(m, LANA_ATTR_DROPS, s->drops))
		return -EMSGSIZE;
	for (i = 0; i < s->nstat && i < 8; i++) {
		st = nla_nest_start(m, LANA_ATTR_STAT);
		if (!st || put_str(m, LANA_ATTR_NAME, s->stat[i].name, 256) ||
		    nla_put_u64(m, LANA_ATTR_VALUE, s->stat[i].value))
			return -EMSGSIZE;
		nla_nest_end(m, st);
	}
	nla_nest_end(m, blk);
	return 0;
}

int lana_ctl_get_block(struct nlattr *nla, struct lana_block_stats *s,
		       char *err, size_t errlen)
{
	const uint32_t allowed = BIT(LANA_ATTR_IDP) | BIT(LANA_ATTR_NAME) |
		BIT(LANA_ATTR_TYPE) | BIT(LANA_ATTR_PACKETS) |
		BIT(LANA_ATTR_BYTES) | BIT(LANA_ATTR_DROPS);
	struct nlattr *a;
	uint32_t seen = 0;
	int rem, r;

	memset(s, 0, sizeof(*s));
	nla_for_each_nested(a, nla, rem) {
		int t = nla_type(a);
		struct nlattr *tb[LANA_ATTR_MAX + 1];

		if (t == LANA_ATTR_STAT) {
			r = check_attrs(nla_data(a), nla_len(a), pol_stat,
					BIT(LANA_ATTR_NAME) |
						BIT(LANA_ATTR_VALUE),
					BIT(LANA_ATTR_NAME) |
						BIT(LANA_ATTR_VALUE),
					"STAT", err, errlen);
			if (r)
				return r;
			if (nla_parse_nested(tb, LANA_ATTR_MAX, a,
					     (struct nla_policy *)pol_stat) < 0)
				return fail(err, errlen, -EINVAL,
					    "STAT: invalid attributes");
			if (s->nstat < 8) {
				s->stat[s->nstat].name =
					nla_get_string(tb[LANA_ATTR_NAME]);
				s->stat[s->nstat].value =
					nla_get_u64(tb[LANA_ATTR_VALUE]);
				s->nstat++;
			}
			continue;
		}
		if (t <= 0 || t > LANA_ATTR_MAX || !(allowed & BIT(t)))
			return fail(err, errlen, -EINVAL,
				    "BLOCK: unexpected attribute %d", t);
		if (seen & BIT(t))
			return fail(err, errlen, -EINVAL,
				    "BLOCK: attribute %s given twice",
				    attr_names[t]);
		seen |= BIT(t);
		r = check_attr(a, &pol_block[t], "BLOCK", err, errlen);
		if (r)
			return r;
		switch (t) {
		case LANA_ATTR_IDP:
			s->idp = nla_get_u32(a);
			break;
		case LANA_ATTR_NAME:
			s->name = nla_get_string(a);
			break;
		case LANA_ATTR_TYPE:
			s->type = nla_get_string(a);
			break;
		case LANA_ATTR_PACKETS:
			s->packets = nla_get_u64(a);
			break;
		case LANA_ATTR_BYTES:
			s->bytes = nla_get_u64(a);
			break;
		case LANA_ATTR_DROPS:
			s->drops = nla_get_u64(a);
			break;
		}
	}
	if (rem > 0)
		return fail(err, errlen, -EINVAL, "BLOCK: malformed attribute");
	if ((seen & (BIT(LANA_ATTR_IDP) | BIT(LANA_ATTR_NAME) |
		     BIT(LANA_ATTR_TYPE))) !=
	    (BIT(LANA_ATTR_IDP) | BIT(LANA_ATTR_NAME) | BIT(LANA_ATTR_TYPE)))
		return fail(err, errlen, -EINVAL,
			    "BLOCK: IDP, NAME and TYPE are required");
	return 0;
}

/* -------------------------------------------------------------- client */

const char *lana_ctl_socket_path(const char *path)
{
	const char *env;

	if (path && *path)
		return path;
	env = getenv("LANA_SOCKET");
	if (env && *env)
		return env;
	return LANA_DEFAULT_SOCKET;
}

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
			return fail(err, errlen, -EPROTO,
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
		struct nlattr *head = (struct nlattr *)((char *)NLMSG_DATA(nlh) + off);

		if (nla_parse(tb, NLMSGERR_ATTR_MAX, head, plen - off, NULL) >= 0 &&
		    tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
			const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);
			int n = (int)strnlen(s, nla_len(tb[NLMSGERR_ATTR_MSG]));

			if (err && errlen)
				snprintf(err, errlen, "%.*s", n, s);
		}
	}
	return error;
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
		return fail(err, errlen, -ENOTCONN, "not connected");
	req->nlmsg_type = c->family;
	req->nlmsg_seq = seq = ++c->seq;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = lana_ctl_send_msg(c->fd, m);
	if (r)
		return fail(err, errlen, r, "cannot send to the engine: %s",
			    strerror(-r));
	for (;;) {
		ssize_t n = lana_ctl_recv(c->fd, c->buf, LANA_MSG_MAX, 0);
		struct nlmsghdr *nlh;
		int rem;

		if (n < 0)
			return fail(err, errlen, (int)n,
				    "cannot receive from the engine: %s",
				    strerror((int)-n));
		if (n == 0)
			return fail(err, errlen, -ECONNRESET,
				    "the engine closed the connection");
		if (n > LANA_MSG_MAX)
			return fail(err, errlen, -EMSGSIZE,
				    "oversized reply (%zd bytes)", n);
		nlh = (struct nlmsghdr *)c->buf;
		rem = (int)n;
		if (!nlmsg_ok(nlh, rem))
			return fail(err, errlen, -EPROTO,
				    "malformed reply from the engine");
		for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
			struct lana_ctl_req rep;

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
				return fail(err, errlen, -EPROTO,
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

static struct nl_msg *new_req(struct lana_ctl_conn *c, uint8_t cmd,
			      uint16_t flags)
{
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
	struct nl_msg *m = new_req(c, cmd, 0);
	int r;

	if (nla_put_u32(m, LANA_ATTR_TXN_ID, id))
		r = fail(err, errlen, -EMSGSIZE, "message too long");
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
		return fail(err, errlen, -EFBIG, "plan of %zu bytes too large",
			    len);
	m = new_req(c, LANA_CMD_TXN_BEGIN, 0);
	nla_put_u32(m, LANA_ATTR_TOTAL_LEN, (uint32_t)len);
	r = lana_ctl_request(c, m, begin_cb, &id, err, errlen);
	nlmsg_free(m);
	if (r)
		return r;
	if (!id)
		return fail(err, errlen, -EPROTO,
			    "the engine sent no transaction id");
	for (off = 0; off < len; off += LANA_CHUNK) {
		size_t n = len - off < LANA_CHUNK ? len - off : LANA_CHUNK;

		m = new_req(c, LANA_CMD_TXN_DATA, 0);
		if (nla_put_u32(m, LANA_ATTR_TXN_ID, id) ||
		    nla_put_u32(m, LANA_ATTR_OFFSET, (uint32_t)off) ||
		    nla_put(m, LANA_ATTR_DATA, (int)n, (const char *)plan + off))
			r = fail(err, errlen, -EMSGSIZE, "message too long");
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
		return fail(err, errlen, -EPROTO,
			    "plan dump: TOTAL_LEN changed from %u to %u",
			    p->total, total);
	p->total = total;
	p->have_total = true;
	if (off != got)
		return fail(err, errlen, -EPROTO,
			    "plan dump: chunk at offset %u, expected %zu", off,
			    got);
	if ((uint64_t)got + (uint64_t)nla_len(d) > total)
		return fail(err, errlen, -EPROTO,
			    "plan dump: more than TOTAL_LEN (%u) bytes", total);
	if (r->tb[LANA_ATTR_PLAN_CRC])
		p->crc = nla_get_u32(r->tb[LANA_ATTR_PLAN_CRC]);
	lana_buf_put(p->out, nla_data(d), nla_len(d));
	return 0;
}

int lana_ctl_get_plan(struct lana_ctl_conn *c, struct lana_buf *out,
		      uint32_t *crc, char *err, size_t errlen)
{
	struct plan_ctx p = { .out = out, .start = out->len };
	struct nl_msg *m = new_req(c, LANA_CMD_PLAN_GET, NLM_F_DUMP);
	int r;

	r = lana_ctl_request(c, m, plan_cb, &p, err, errlen);
	nlmsg_free(m);
	if (!r && (!p.have_total || out->len - p.start != p.total))
		r = fail(err, errlen, -EPROTO,
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
	return sc->cb(&s, sc->ctx);
}

int lana_ctl_get_stats(struct lana_ctl_conn *c, const char *name,
		       int (*cb)(const struct lana_block_stats *s, void *ctx),
		       void *ctx, char *err, size_t errlen)
{
	struct stats_ctx sc = { cb, ctx };
	struct nl_msg *m = new_req(c, LANA_CMD_STATS_GET, NLM_F_DUMP);
	int r;

	if (name && (strlen(name) > 255 ||
		     nla_put_string(m, LANA_ATTR_NAME, name))) {
		nlmsg_free(m);
		return fail(err, errlen, -ENOENT, "no block named '%s'", name);
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
		return fail(err, errlen, -EMSGSIZE,
			    "SET plan of %zu bytes (at most %d)", len,
			    LANA_CHUNK);
	m = new_req(c, LANA_CMD_SET, 0);
	nla_put(m, LANA_ATTR_DATA, (int)len, plan);
	r = lana_ctl_request(c, m, NULL, NULL, err, errlen);
	nlmsg_free(m);
	return r;
}

int lana_ctl_flush(struct lana_ctl_conn *c, char *err, size_t errlen)
{
	struct nl_msg *m = new_req(c, LANA_CMD_FLUSH, 0);
	int r = lana_ctl_request(c, m, NULL, NULL, err, errlen);

	nlmsg_free(m);
	return r;
}

/* -------------------------------------------------------------- server */

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
		return fail(err, errlen, -EINVAL, "invalid plan: %s", msg);
	if (set) {
		if (!(p.flags & LANA_PLAN_F_EDIT)) {
			r = fail(err, errlen, -EINVAL,
				 "SET needs an edit plan of SET instructions");
			goto out;
		}
		for (i = 0; i < p.insns.n; i++)
			if (p.insns.v[i].op != LANA_OP_SET) {
				r = fail(err, errlen, -EINVAL,
					 "instruction %u (%s): SET accepts only SET instructions",
					 i + 1, lana_op_name(p.insns.v[i].op));
				goto out;
			}
		if (!p.base_crc) {
			struct lana_plan cur;

			r = lana_engine_plan(s->eng, &cur);
			if (r) {
				r = fail(err, errlen, r,
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
		r = fail(err, errlen, -EINVAL, "invalid plan: %s", msg);
		goto out;
	}
	r = lana_engine_apply(s->eng, &p, msg, sizeof(msg));
	if (r) {
		if (!msg[0])
			snprintf(msg, sizeof(msg), "%s", strerror(-r));
		r = fail(err, errlen, r < 0 ? r : -EINVAL, "%s", msg);
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
		return fail(err, errlen, -EINVAL,
			    "TOTAL_LEN %u is shorter than a plan header (%d bytes)",
			    total, LANA_PLAN_HDR_LEN);
	if (total > LANA_PLAN_MAX_LEN)
		return fail(err, errlen, -EFBIG,
			    "TOTAL_LEN %u exceeds the plan size limit (%u bytes)",
			    total, LANA_PLAN_MAX_LEN);
	for (i = 0; i < LANA_CTL_MAX_TXN; i++)
		if (!s->txn[i].id) {
			t = &s->txn[i];
			break;
		}
	if (!t)
		return fail(err, errlen, -EBUSY,
			    "too many open transactions (%d)", LANA_CTL_MAX_TXN);
	m = lana_ctl_msg_new(LANA_USER_FAMILY_ID, LANA_CMD_TXN_BEGIN, 0,
			     r->seq);
	if (!m)
		return fail(err, errlen, -ENOMEM, "out of memory");
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
		return fail(err, errlen, -ENOENT, "unknown transaction %u",
			    nla_get_u32(r->tb[LANA_ATTR_TXN_ID]));
	if (off != t->got)
		return fail(err, errlen, -EINVAL,
			    "transaction %u: DATA at offset %u, expected %u",
			    t->id, off, t->got);
	if ((uint64_t)t->got + n > t->total)
		return fail(err, errlen, -EINVAL,
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
			return fail(err, errlen, -ENOMEM, "out of memory");
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
		return fail(err, errlen, -ENOENT, "unknown transaction %u",
			    nla_get_u32(r->tb[LANA_ATTR_TXN_ID]));
	if (t->got != t->total)
		return fail(err, errlen, -EINVAL,
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
		return fail(err, errlen, -ENOENT, "unknown transaction %u",
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
		return fail(err, errlen, rc < 0 ? rc : -EIO,
			    "cannot read the running plan");
	rc = lana_plan_encode(&p, &b, msg, sizeof(msg));
	lana_plan_free(&p);
	if (rc) {
		lana_buf_free(&b);
		return fail(err, errlen, -EINVAL, "cannot encode the plan: %s",
			    msg);
	}
	if (b.len > LANA_PLAN_MAX_LEN) {
		lana_buf_free(&b);
		return fail(err, errlen, -EFBIG, "running plan too large");
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
		return fail(err, errlen, -ENOENT, "no block named '%s'", name);
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
		rc = fail(err, sizeof(err), -EMSGSIZE,
			  "message of %zu bytes exceeds the limit of %d bytes",
			  len, LANA_MSG_MAX);
		goto reply;
	}
	rc = lana_ctl_parse(buf, len, LANA_USER_FAMILY_ID, false, &r, err,
			    sizeof(err));
	if (rc)
		goto reply;
	if (!(r.flags & NLM_F_REQUEST)) {
		rc = fail(err, sizeof(err), -EINVAL,
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
		rc = fail(err, sizeof(err), -EOPNOTSUPP, "unknown command");
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
