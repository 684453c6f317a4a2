// SPDX-License-Identifier: GPL-2.0
/*
 * proto/codec.c - the control protocol's messages in code (libnl-3):
 * building, validating (lana_ctl_parse()), sending and receiving them,
 * the NLMSG_ERROR and NLMSG_DONE replies, and the BLOCK nest. Shared by
 * the client (cli/ctl_client.c) and lanad's dispatcher (daemon/dispatch.c).
 *
 * See proto/proto.h for the messages and docs/runtime.md for the
 * protocol reference.
 */
#include "codec.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s: %d bytes, expected %u",
				    what, name, len, p->minlen);
		return 0;
	case NLA_STRING: {
		const char *s = nla_data(nla);

		if (len < 1 || s[len - 1] != '\0')
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s: string not NUL-terminated",
				    what, name);
		if (len > p->maxlen)
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s too long: %d bytes, at most %u",
				    what, name, len - 1, p->maxlen - 1);
		if (strlen(s) != (size_t)len - 1)
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s: string contains NUL",
				    what, name);
		return 0;
	}
	case NLA_NESTED:
		if (len > 0 && len < NLA_HDRLEN)
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s: malformed nest", what,
				    name);
		return 0;
	default:
		if (len < p->minlen)
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s: %d bytes, at least %u",
				    what, name, len, p->minlen);
		if (p->maxlen && len > p->maxlen)
			return lana_errf(err, errlen, -EINVAL,
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
			return lana_errf(err, errlen, -EINVAL,
				    "%s: unexpected attribute %d (%s)", what, t,
				    lana_ctl_attr_name(t));
		if (seen & BIT(t))
			return lana_errf(err, errlen, -EINVAL,
				    "%s: attribute %s given twice", what,
				    attr_names[t]);
		seen |= BIT(t);
		r = check_attr(nla, &pol[t], what, err, errlen);
		if (r)
			return r;
	}
	if (rem > 0)
		return lana_errf(err, errlen, -EINVAL,
			    "%s: malformed attribute at byte %d of %d", what,
			    len - rem, len);
	if (required & ~seen) {
		int t;

		for (t = 1; t <= LANA_ATTR_MAX; t++)
			if (required & ~seen & BIT(t))
				break;
		return lana_errf(err, errlen, -EINVAL,
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
		return lana_errf(err, errlen, -EINVAL,
			    "truncated message: %zu bytes, netlink header needs %d",
			    len, NLMSG_HDRLEN);
	r->nlh = nlh;
	r->seq = nlh->nlmsg_seq;
	r->flags = nlh->nlmsg_flags;
	if (nlh->nlmsg_len != len)
		return lana_errf(err, errlen, -EINVAL,
			    "nlmsg_len %u does not match the datagram length %zu",
			    nlh->nlmsg_len, len);
	if (nlh->nlmsg_type != family)
		return lana_errf(err, errlen, -EINVAL,
			    "unknown message type 0x%x (family 0x%x expected)",
			    nlh->nlmsg_type, family);
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return lana_errf(err, errlen, -EINVAL,
			    "truncated message: %zu bytes, no generic netlink header",
			    len);
	gh = nlmsg_data(nlh);
	if (gh->version != LANA_GENL_VERSION)
		return lana_errf(err, errlen, -EPROTONOSUPPORT,
			    "protocol version %u not supported (expected %d)",
			    gh->version, LANA_GENL_VERSION);
	if (gh->cmd == LANA_CMD_UNSPEC || gh->cmd > LANA_CMD_MAX)
		return lana_errf(err, errlen, -EOPNOTSUPP, "unknown command %u",
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
		return lana_errf(err, errlen, -EINVAL, "%s: invalid attributes: %s",
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
				return lana_errf(err, errlen, -EINVAL,
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
			return lana_errf(err, errlen, -EINVAL,
				    "BLOCK: unexpected attribute %d", t);
		if (seen & BIT(t))
			return lana_errf(err, errlen, -EINVAL,
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
		return lana_errf(err, errlen, -EINVAL, "BLOCK: malformed attribute");
	if ((seen & (BIT(LANA_ATTR_IDP) | BIT(LANA_ATTR_NAME) |
		     BIT(LANA_ATTR_TYPE))) !=
	    (BIT(LANA_ATTR_IDP) | BIT(LANA_ATTR_NAME) | BIT(LANA_ATTR_TYPE)))
		return lana_errf(err, errlen, -EINVAL,
			    "BLOCK: IDP, NAME and TYPE are required");
	return 0;
}

/* ------------------------------------------------------------ transport */

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
