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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Attributes seen in a message, one bit each. */
#define BIT(a) (1u << (a))
_Static_assert(LANA_ATTR_MAX < 32, "a uint32_t holds a bit per attribute");

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
					 "%s: attribute %s: malformed nest",
					 what, name);
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
 * Walk the attribute stream at @head (@len bytes) of a message of
 * attribute set @set of @which (proto/attrs.h): each attribute well
 * formed, taken by the set, given once unless REPEATED, valid per the
 * set's policy; nothing left over; every NEEDED attribute present.
 */
static int check_attrs(struct nlattr *head, int len, enum lana_attrset set,
		       unsigned int which, const char *what, char *err,
		       size_t errlen)
{
	const struct nla_policy *pol = lana_ctl_attrset_policy(set, which);
	struct nlattr *nla;
	uint32_t seen = 0;
	unsigned int t;
	int rem, r;

	nla_for_each_attr(nla, head, len, rem) {
		enum lana_rule rule;

		t = (unsigned int)nla_type(nla);
		rule = lana_ctl_rule(set, which, t);
		if (rule == LANA_RULE_NONE)
			return lana_errf(err, errlen, -EINVAL,
					 "%s: unexpected attribute %u (%s)",
					 what, t, lana_ctl_attr_name(t));
		if (rule != LANA_RULE_REPEATED && (seen & BIT(t)))
			return lana_errf(err, errlen, -EINVAL,
					 "%s: attribute %s given twice", what,
					 lana_ctl_attr_name(t));
		seen |= BIT(t);
		r = check_attr(nla, &pol[t], what, err, errlen);
		if (r)
			return r;
	}
	if (rem > 0)
		return lana_errf(err, errlen, -EINVAL,
				 "%s: malformed attribute at byte %d of %d",
				 what, len - rem, len);
	for (t = 1; t <= LANA_ATTR_MAX; t++)
		if (lana_ctl_rule(set, which, t) == LANA_RULE_NEEDED &&
		    !(seen & BIT(t)))
			return lana_errf(err, errlen, -EINVAL,
					 "%s: missing attribute %s", what,
					 lana_ctl_attr_name(t));
	return 0;
}

int lana_ctl_parse(void *buf, size_t len, uint16_t family, bool reply,
		   struct lana_ctl_req *r, char *err, size_t errlen)
{
	enum lana_attrset set = reply ? LANA_SET_REPLY : LANA_SET_REQUEST;
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *gh;
	const char *name;
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
	name = lana_ctl_cmd_name(gh->cmd);
	rc = check_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), set,
			 gh->cmd, name, err, errlen);
	if (rc)
		return rc;
	rc = genlmsg_parse(nlh, 0, r->tb, LANA_ATTR_MAX,
			   (struct nla_policy *)
			   lana_ctl_attrset_policy(set, gh->cmd));
	if (rc < 0)
		return lana_errf(err, errlen, -EINVAL,
				 "%s: invalid attributes: %s", name,
				 nl_geterror(rc));
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

size_t lana_ctl_error_put(void *buf, const struct nlmsghdr *req, int error,
			  const char *msg)
{
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr e;
		char attrs[NLA_HDRLEN + NLA_ALIGN(512)];
	} m;
	size_t len = NLMSG_LENGTH(sizeof(struct nlmsgerr));

	_Static_assert(sizeof(m) <= LANA_CTL_ERROR_MAX, "LANA_CTL_ERROR_MAX");
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
	memcpy(buf, &m, len);
	return len;
}

int lana_ctl_reply_error(int fd, const struct nlmsghdr *req, int error,
			 const char *msg)
{
	char m[LANA_CTL_ERROR_MAX];
	size_t len = lana_ctl_error_put(m, req, error, msg);

	return send_raw(fd, m, len);
}

size_t lana_ctl_done_put(void *buf, uint32_t seq)
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
	memcpy(buf, &m, m.nlh.nlmsg_len);
	return m.nlh.nlmsg_len;
}

int lana_ctl_reply_done(int fd, uint32_t seq)
{
	char m[NLMSG_LENGTH(sizeof(int))];
	size_t len = lana_ctl_done_put(m, seq);

	return send_raw(fd, m, len);
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
	    put_str(m, LANA_ATTR_TYPE, s->type, 64))
		return -EMSGSIZE;
	if (!s->partial &&
	    (nla_put_u64(m, LANA_ATTR_PACKETS, s->packets) ||
	     nla_put_u64(m, LANA_ATTR_BYTES, s->bytes) ||
	     nla_put_u64(m, LANA_ATTR_DROPS, s->drops)))
		return -EMSGSIZE;
	for (i = 0; !s->partial && i < s->nstat &&
	     i < sizeof(s->stat) / sizeof(s->stat[0]); i++) {
		st = nla_nest_start(m, LANA_ATTR_STAT);
		if (!st || put_str(m, LANA_ATTR_NAME, s->stat[i].name, 256) ||
		    nla_put_u64(m, LANA_ATTR_VALUE, s->stat[i].value))
			return -EMSGSIZE;
		nla_nest_end(m, st);
	}
	if (s->table &&
	    nla_put_u32(m, LANA_ATTR_TABLE,
			s->truncated ? LANA_TABLE_TRUNCATED : 0))
		return -EMSGSIZE;
	for (i = 0; s->table && i < s->nrows; i++) {
		const struct lana_row *row = &s->rows[i];
		struct nlattr *rn = nla_nest_start(m, LANA_ATTR_ROW);
		unsigned int k;

		if (!rn)
			return -EMSGSIZE;
		for (k = 0; k < row->ncol && k < LANA_ROW_COLS; k++) {
			struct nlattr *cn = nla_nest_start(m, LANA_ATTR_CELL);

			if (!cn ||
			    put_str(m, LANA_ATTR_NAME, row->col[k].key, 256) ||
			    put_str(m, LANA_ATTR_TEXT, row->col[k].val,
				    LANA_CELL_LEN))
				return -EMSGSIZE;
			nla_nest_end(m, cn);
		}
		nla_nest_end(m, rn);
	}
	nla_nest_end(m, blk);
	return 0;
}

/* Decode one ROW nest @a (CELL {NAME, TEXT} each) into @row. */
static int get_row(struct nlattr *a, struct lana_row *row, char *err,
		   size_t errlen)
{
	const struct nla_policy *pol =
		lana_ctl_attrset_policy(LANA_SET_NEST, LANA_ATTR_CELL);
	struct nlattr *c;
	int rem, r;

	memset(row, 0, sizeof(*row));
	r = check_attrs(nla_data(a), nla_len(a), LANA_SET_NEST, LANA_ATTR_ROW,
			"ROW", err, errlen);
	if (r)
		return r;
	nla_for_each_nested(c, a, rem) {
		struct nlattr *tb[LANA_ATTR_MAX + 1];

		if (row->ncol >= LANA_ROW_COLS)
			return lana_errf(err, errlen, -EINVAL,
					 "ROW: more than %d cells",
					 LANA_ROW_COLS);
		r = check_attrs(nla_data(c), nla_len(c), LANA_SET_NEST,
				LANA_ATTR_CELL, "CELL", err, errlen);
		if (r)
			return r;
		if (nla_parse_nested(tb, LANA_ATTR_MAX, c,
				     (struct nla_policy *)pol) < 0)
			return lana_errf(err, errlen, -EINVAL,
					 "CELL: invalid attributes");
		row->col[row->ncol].key = nla_get_string(tb[LANA_ATTR_NAME]);
		/* TEXT: at most LANA_CELL_LEN - 1 bytes (checked above) */
		snprintf(row->col[row->ncol].val, LANA_CELL_LEN, "%s",
			 nla_get_string(tb[LANA_ATTR_TEXT]));
		row->ncol++;
	}
	return 0;
}

/* Decode one STAT {NAME, VALUE} nest @a of a BLOCK into @s. */
static int get_stat(struct nlattr *a, struct lana_block_stats *s, char *err,
		    size_t errlen)
{
	const struct nla_policy *pol =
		lana_ctl_attrset_policy(LANA_SET_NEST, LANA_ATTR_STAT);
	struct nlattr *tb[LANA_ATTR_MAX + 1];
	int r;

	r = check_attrs(nla_data(a), nla_len(a), LANA_SET_NEST, LANA_ATTR_STAT,
			"STAT", err, errlen);
	if (r)
		return r;
	if (nla_parse_nested(tb, LANA_ATTR_MAX, a,
			     (struct nla_policy *)pol) < 0)
		return lana_errf(err, errlen, -EINVAL,
				 "STAT: invalid attributes");
	if (s->nstat < sizeof(s->stat) / sizeof(s->stat[0])) {
		s->stat[s->nstat].name = nla_get_string(tb[LANA_ATTR_NAME]);
		s->stat[s->nstat].value = nla_get_u64(tb[LANA_ATTR_VALUE]);
		s->nstat++;
	}
	return 0;
}

int lana_ctl_get_block(struct nlattr *nla, struct lana_block_stats *s,
		       char *err, size_t errlen)
{
	unsigned int nrows = 0;
	struct nlattr *a;
	int rem, r;

	memset(s, 0, sizeof(*s));
	r = check_attrs(nla_data(nla), nla_len(nla), LANA_SET_NEST,
			LANA_ATTR_BLOCK, "BLOCK", err, errlen);
	if (r)
		return r;
	/* a reply without counters continues the previous one's table */
	s->partial = true;
	nla_for_each_nested(a, nla, rem) {
		if (nla_type(a) == LANA_ATTR_ROW)
			nrows++;
		if (nla_type(a) == LANA_ATTR_PACKETS)
			s->partial = false;
	}
	if (nrows) {
		s->rows = calloc(nrows, sizeof(*s->rows));
		if (!s->rows)
			return lana_errf(err, errlen, -ENOMEM,
					 "out of memory for %u rows", nrows);
	}
	nla_for_each_nested(a, nla, rem) {
		switch (nla_type(a)) {
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
		case LANA_ATTR_STAT:
			r = get_stat(a, s, err, errlen);
			if (r)
				goto fail;
			break;
		case LANA_ATTR_TABLE:
			s->table = true;
			s->truncated = nla_get_u32(a) & LANA_TABLE_TRUNCATED;
			break;
		case LANA_ATTR_ROW:
			r = get_row(a, &s->rows[s->nrows], err, errlen);
			if (r)
				goto fail;
			s->nrows++;
			break;
		}
	}
	if (s->nrows && !s->table) {
		r = lana_errf(err, errlen, -EINVAL, "BLOCK: ROW without TABLE");
		goto fail;
	}
	return 0;
fail:
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
	return r;
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
