// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/genl.c - the generic netlink family "lana": the control protocol of
 * proto/proto.h served by the kernel engine. lanad serves the same
 * messages over a Unix socket (daemon/dispatch.c); cli/ctl_client.c is the
 * client. The commands, their attributes and their policies are
 * proto/attrs.def's; transactions and SET plans are handled by the code
 * lanad uses (proto/txn.c), the plan applied by this engine (engine.c).
 *
 * Every command needs CAP_NET_ADMIN (GENL_ADMIN_PERM). Attributes are
 * validated strictly by per-command policies (a new family: unknown
 * attributes, wrong sizes and trailing bytes are refused by the core),
 * expanded from proto/attrs.def as lanad's are; the NEEDED ones are
 * checked with GENL_REQ_ATTR_CHECK. A transaction belongs to the socket
 * (net namespace + portid) that began it and is dropped when that socket
 * closes (NETLINK_URELEASE). Errors carry an extended-ack message
 * (NLMSGERR_ATTR_MSG) naming what failed, e.g. the instruction of a plan
 * the engine refused.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "lana_compat.h"
#include "plan/plan.h"
#include "proto/proto.h"
#include "proto/attrs.h"
#include "proto/txn.h"
#include "engine.h"

/*
 * Extended-ack messages must outlive the doit call (the core builds the
 * ack afterwards) and 6.1 has no formatted extack; messages are written
 * into a ring of buffers. A buffer is reused only after LANA_K_NMSG newer
 * errors, long after its ack went out.
 */
#define LANA_K_NMSG	32
static char lana_msgs[LANA_K_NMSG][LANA_K_ERRLEN];
static atomic_t lana_msg_next = ATOMIC_INIT(0);

static __printf(2, 3) void ext_msg(struct netlink_ext_ack *extack,
				   const char *fmt, ...)
{
	unsigned int i;
	va_list ap;
	char *m;

	if (!extack)
		return;
	i = (unsigned int)atomic_inc_return(&lana_msg_next) % LANA_K_NMSG;
	m = lana_msgs[i];
	va_start(ap, fmt);
	vsnprintf(m, LANA_K_ERRLEN, fmt, ap);
	va_end(ap);
	extack->_msg = m;
}

/* ---------------------------------------------------------- policies */

/*
 * The kernel's view of each attribute type of proto/attrs.def
 * (include/net/netlink.h): integers of exact size (strict validation),
 * NUL-terminated strings of at most .len bytes before the NUL, binary of
 * at most .len bytes. That a binary attribute is not empty either is
 * checked by the handlers ("empty DATA", -EINVAL): a policy minimum
 * (NLA_POLICY_RANGE) would answer -ERANGE.
 */
#define LANA_KTYPE(t)						\
	((t) == LANA_T_U32 ? NLA_U32 :				\
	 (t) == LANA_T_U64 ? NLA_U64 :				\
	 (t) == LANA_T_STRING ? NLA_NUL_STRING :		\
	 (t) == LANA_T_BINARY ? NLA_BINARY : NLA_NESTED)

#define LANA_KPOLICY(attr) {					\
	.type = LANA_KTYPE(LANA_ATYPE_##attr),			\
	.len = LANA_AMAX_##attr,				\
}

/* One policy per command, indexed by attribute: the LANA_REQ rows. */
static const struct nla_policy
lana_policy[__LANA_CMD_MAX][LANA_ATTR_MAX + 1] = {
#define LANA_REQ(cmd, attr, rule) \
	[LANA_CMD_##cmd][LANA_ATTR_##attr] = LANA_KPOLICY(attr),
#include "proto/attrs.def"
};

/*
 * The request's NEEDED attributes are present (LANA_REQ rows); the policy
 * has checked the ones that are. Sets the missing attribute in the
 * extended ack (GENL_REQ_ATTR_CHECK). Every doit handler starts with it;
 * the dumps (PLAN_GET, STATS_GET) need no attribute.
 */
static int lana_check_needed(struct genl_info *info)
{
	unsigned int cmd = info->genlhdr->cmd, a;

	for (a = 1; a <= LANA_ATTR_MAX; a++)
		if (lana_ctl_rule(LANA_SET_REQUEST, cmd, a) ==
		    LANA_RULE_NEEDED && GENL_REQ_ATTR_CHECK(info, a))
			return -EINVAL;
	return 0;
}

static struct genl_family lana_family;

/* ------------------------------------------------------- transactions */

/*
 * The open transactions (proto/txn.h), each owned by the socket that began
 * it: its net namespace and port id. lana_txn_lock guards the table
 * against NETLINK_URELEASE.
 */
static DEFINE_MUTEX(lana_txn_lock);
static struct lana_ctl_txns lana_txns;

static struct lana_ctl_owner lana_owner(struct genl_info *info)
{
	return (struct lana_ctl_owner){
		.net = genl_info_net(info),
		.port = info->snd_portid,
	};
}

static int lana_txn_begin_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct lana_ctl_owner o = lana_owner(info);
	char err[LANA_K_ERRLEN];
	struct sk_buff *msg;
	void *hdr;
	u32 id;
	int r;

	if (lana_check_needed(info))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lana_family, 0, LANA_CMD_TXN_BEGIN);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&lana_txn_lock);
	r = lana_ctl_txn_begin(&lana_txns, &o,
			   nla_get_u32(info->attrs[LANA_ATTR_TOTAL_LEN]),
			   LANA_K_PLAN_MAX, &id, err, sizeof(err));
	if (!r && nla_put_u32(msg, LANA_ATTR_TXN_ID, id)) {
		lana_ctl_txn_abort(&lana_txns, &o, id, NULL, 0);
		r = -EMSGSIZE;
		err[0] = 0;
	}
	mutex_unlock(&lana_txn_lock);
	if (r) {
		nlmsg_free(msg);
		if (err[0])
			ext_msg(info->extack, "%s", err);
		return r;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int lana_txn_data_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct lana_ctl_owner o = lana_owner(info);
	char err[LANA_K_ERRLEN];
	struct nlattr *d;
	int r;

	if (lana_check_needed(info))
		return -EINVAL;
	d = info->attrs[LANA_ATTR_DATA];
	if (!nla_len(d)) {
		NL_SET_ERR_MSG_ATTR(info->extack, d, "empty DATA");
		return -EINVAL;
	}
	mutex_lock(&lana_txn_lock);
	r = lana_ctl_txn_data(&lana_txns, &o,
			  nla_get_u32(info->attrs[LANA_ATTR_TXN_ID]),
			  nla_get_u32(info->attrs[LANA_ATTR_OFFSET]),
			  nla_data(d), nla_len(d), err, sizeof(err));
	mutex_unlock(&lana_txn_lock);
	if (r)
		ext_msg(info->extack, "%s", err);
	return r;
}

/*
 * Decode and apply @len plan bytes at @data (lana_ctl_txn_decode(): for @set,
 * an edit plan of SET instructions only, whose zero base checksum means
 * the running plan, as daemon/dispatch.c does for lanad).
 */
static int apply_bytes(const void *data, size_t len, bool set,
		       struct netlink_ext_ack *extack)
{
	struct lana_plan p;
	char *msg;
	int r;

	msg = kmalloc(LANA_K_ERRLEN, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg[0] = 0;
	r = lana_ctl_txn_decode(data, len, set, &p, msg, LANA_K_ERRLEN);
	if (r) {
		ext_msg(extack, "%s", msg);
		kfree(msg);
		return r;
	}
	mutex_lock(&lana_engine_lock);
	if (set && !p.base_crc)
		p.base_crc = lana_engine_plan_crc();
	r = lana_engine_apply(&p, msg, LANA_K_ERRLEN);
	if (r) {
		if (!msg[0])
			snprintf(msg, LANA_K_ERRLEN, "transaction failed (%d)",
				 r);
		ext_msg(extack, "%s", msg);
		if (r > 0)
			r = -EINVAL;
	}
	mutex_unlock(&lana_engine_lock);
	lana_plan_free(&p);
	kfree(msg);
	return r;
}

static int lana_txn_commit_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct lana_ctl_owner o = lana_owner(info);
	char err[LANA_K_ERRLEN];
	struct lana_ctl_txn t;
	int r;

	if (lana_check_needed(info))
		return -EINVAL;
	/* a commit of a complete plan ends the transaction either way */
	mutex_lock(&lana_txn_lock);
	r = lana_ctl_txn_take(&lana_txns, &o,
			  nla_get_u32(info->attrs[LANA_ATTR_TXN_ID]), &t, err,
			  sizeof(err));
	mutex_unlock(&lana_txn_lock);
	if (r) {
		ext_msg(info->extack, "%s", err);
		return r;
	}
	r = apply_bytes(t.data, t.total, false, info->extack);
	lana_ctl_txn_drop(&t);
	return r;
}

static int lana_txn_abort_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct lana_ctl_owner o = lana_owner(info);
	char err[LANA_K_ERRLEN];
	int r;

	if (lana_check_needed(info))
		return -EINVAL;
	mutex_lock(&lana_txn_lock);
	r = lana_ctl_txn_abort(&lana_txns, &o,
			   nla_get_u32(info->attrs[LANA_ATTR_TXN_ID]), err,
			   sizeof(err));
	mutex_unlock(&lana_txn_lock);
	if (r)
		ext_msg(info->extack, "%s", err);
	return r;
}

static int lana_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *d;

	if (lana_check_needed(info))
		return -EINVAL;
	d = info->attrs[LANA_ATTR_DATA];
	if (!nla_len(d)) {
		NL_SET_ERR_MSG_ATTR(info->extack, d, "empty DATA");
		return -EINVAL;
	}
	return apply_bytes(nla_data(d), nla_len(d), true, info->extack);
}

static int lana_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	char *msg;
	int r;

	if (lana_check_needed(info))
		return -EINVAL;
	msg = kmalloc(LANA_K_ERRLEN, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg[0] = 0;
	mutex_lock(&lana_engine_lock);
	r = lana_engine_flush(msg, LANA_K_ERRLEN);
	mutex_unlock(&lana_engine_lock);
	if (r)
		ext_msg(info->extack, "%s", msg[0] ? msg : "flush failed");
	kfree(msg);
	return r;
}

/* Drop the transactions of a socket that closed. */
static int lana_netlink_notify(struct notifier_block *nb,
			       unsigned long state, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct lana_ctl_owner o = { .net = n->net, .port = n->portid };

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&lana_txn_lock);
	while (lana_ctl_txn_drop_owned(&lana_txns, &o))
		;
	mutex_unlock(&lana_txn_lock);
	return NOTIFY_DONE;
}

static struct notifier_block lana_netlink_nb = {
	.notifier_call = lana_netlink_notify,
};

/* ------------------------------------------------------------- PLAN_GET */

/* The dump's state: the plan encoded at start, sent in pieces. */
struct lana_plan_dump {
	struct lana_buf b;
	size_t off;
	u32 crc;
	u64 gen;
};

static int lana_plan_start(struct netlink_callback *cb)
{
	struct lana_plan_dump *st = kzalloc(sizeof(*st), GFP_KERNEL);
	int r;

	if (!st)
		return -ENOMEM;
	mutex_lock(&lana_engine_lock);
	r = lana_engine_plan_bytes(&st->b, &st->crc, &st->gen);
	mutex_unlock(&lana_engine_lock);
	if (r || st->b.len > U32_MAX) {
		lana_buf_free(&st->b);
		kfree(st);
		NL_SET_ERR_MSG(cb->extack, "cannot encode the running plan");
		return r ? r : -EFBIG;
	}
	cb->args[0] = (long)st;
	return 0;
}

static int lana_plan_done(struct netlink_callback *cb)
{
	struct lana_plan_dump *st = (struct lana_plan_dump *)cb->args[0];

	if (st) {
		lana_buf_free(&st->b);
		kfree(st);
		cb->args[0] = 0;
	}
	return 0;
}

/* Bytes of a PLAN_GET reply besides DATA's payload. */
#define PLAN_MSG_OVERHEAD (NLMSG_HDRLEN + GENL_HDRLEN +			\
			   3 * nla_total_size(4) + nla_total_size(8) +	\
			   NLA_HDRLEN + NLA_ALIGNTO)

static int lana_plan_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lana_plan_dump *st = (struct lana_plan_dump *)cb->args[0];

	while (st->off < st->b.len) {
		int room = skb_tailroom(skb) - (int)PLAN_MSG_OVERHEAD;
		size_t n = st->b.len - st->off;
		void *hdr;

		if (room < 256)
			break;
		room &= ~3;
		if (n > (size_t)room)
			n = room;
		if (n > LANA_CHUNK)
			n = LANA_CHUNK;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &lana_family,
				  NLM_F_MULTI, LANA_CMD_PLAN_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, LANA_ATTR_TOTAL_LEN, (u32)st->b.len) ||
		    nla_put_u32(skb, LANA_ATTR_OFFSET, (u32)st->off) ||
		    nla_put(skb, LANA_ATTR_DATA, (int)n,
			    st->b.data + st->off) ||
		    (!st->off &&
		     (nla_put_u32(skb, LANA_ATTR_PLAN_CRC, st->crc) ||
		      nla_put(skb, LANA_ATTR_GENERATION, sizeof(st->gen),
			      &st->gen)))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		st->off += n;
	}
	if (!skb->len && st->off < st->b.len)
		return -EMSGSIZE; /* cannot happen: a dump skb holds 4 KiB */
	return skb->len;
}

/* ------------------------------------------------------------ STATS_GET */

/*
 * cb->args[0]: next IDP; cb->args[1]: the named block's replies: 0 none
 * sent yet, 1 its table is being sent, 2 all sent; cb->args[2]: the
 * engine's own record (after the blocks of a full dump) was sent;
 * cb->args[3]: the table op's cursor; cb->args[4]: rows sent. An
 * unknown NAME is reported by the first dumpit call: errors of a dump's
 * start callback carry no extended ack in 6.1, those of dumpit do (in the
 * NLMSG_DONE message).
 *
 * A named block whose type has a table op gets its rows too, as lanad
 * sends them (engine/stats.h): the first reply has the counters, TABLE
 * and as many ROWs as the dump's skb holds, the next ones (continuations:
 * IDP, NAME, TYPE, TABLE, ROWs) the rest, up to LANA_TABLE_MAX rows.
 */

/* One row @r as ROW {CELL {NAME, TEXT} ...}; -EMSGSIZE: nothing added. */
static int put_row(struct sk_buff *skb, const struct lana_row *r)
{
	struct nlattr *rn = nla_nest_start(skb, LANA_ATTR_ROW);
	unsigned int k;

	if (!rn)
		return -EMSGSIZE;
	for (k = 0; k < r->ncol && k < LANA_ROW_COLS; k++) {
		struct nlattr *cn = nla_nest_start(skb, LANA_ATTR_CELL);

		if (!cn ||
		    nla_put_string(skb, LANA_ATTR_NAME,
				   r->col[k].key ? r->col[k].key : "") ||
		    nla_put(skb, LANA_ATTR_TEXT,
			    strnlen(r->col[k].val, LANA_CELL_LEN - 1) + 1,
			    r->col[k].val)) {
			nla_nest_cancel(skb, rn);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, cn);
	}
	nla_nest_end(skb, rn);
	return 0;
}

/*
 * The rows of @b's table from cursor cb->args[3] that fit in @skb, one
 * table op call per row so that a row that does not fit is read again
 * by the next dumpit call; @tab: the reply's TABLE attribute, set to
 * LANA_TABLE_TRUNCATED when the cut at LANA_TABLE_MAX leaves rows out.
 * @r: room for one row. Returns true when the table is all sent.
 */
static bool put_rows(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct lana_block *b, struct nlattr *tab,
		     struct lana_row *r)
{
	for (;;) {
		u32 pos = (u32)cb->args[3];

		if (b->type->table(b, &pos, r, 1) != 1)
			return true;
		if (cb->args[4] >= LANA_TABLE_MAX) {
			*(u32 *)nla_data(tab) = LANA_TABLE_TRUNCATED;
			return true;
		}
		if (put_row(skb, r))
			return false;
		cb->args[3] = pos;
		cb->args[4]++;
	}
}

/* The BLOCK nest of @s; with @cb, @s->block's table (put_rows()). */
static int put_block(struct sk_buff *skb, const struct lana_block_stats *s,
		     struct netlink_callback *cb, struct lana_row *r)
{
	struct nlattr *blk, *st, *tab;
	unsigned int i;
	bool all;

	blk = nla_nest_start(skb, LANA_ATTR_BLOCK);
	if (!blk)
		return -EMSGSIZE;
	if (nla_put_u32(skb, LANA_ATTR_IDP, s->idp) ||
	    nla_put_string(skb, LANA_ATTR_NAME, s->name) ||
	    nla_put_string(skb, LANA_ATTR_TYPE, s->type))
		return -EMSGSIZE;
	if (!s->partial &&
	    (nla_put(skb, LANA_ATTR_PACKETS, 8, &s->packets) ||
	     nla_put(skb, LANA_ATTR_BYTES, 8, &s->bytes) ||
	     nla_put(skb, LANA_ATTR_DROPS, 8, &s->drops)))
		return -EMSGSIZE;
	for (i = 0; !s->partial && i < s->nstat && i < ARRAY_SIZE(s->stat);
	     i++) {
		st = nla_nest_start(skb, LANA_ATTR_STAT);
		if (!st ||
		    nla_put_string(skb, LANA_ATTR_NAME,
				   s->stat[i].name ? s->stat[i].name : "") ||
		    nla_put(skb, LANA_ATTR_VALUE, 8, &s->stat[i].value))
			return -EMSGSIZE;
		nla_nest_end(skb, st);
	}
	if (cb && s->block && s->block->type->table) {
		tab = nla_reserve(skb, LANA_ATTR_TABLE, sizeof(u32));
		if (!tab)
			return -EMSGSIZE;
		*(u32 *)nla_data(tab) = 0;
		all = put_rows(skb, cb, s->block, tab, r);
		cb->args[1] = all ? 2 : 1;
	}
	nla_nest_end(skb, blk);
	return 0;
}

static int lana_stats_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *gi = genl_dumpit_info(cb);
	struct nlattr *na = gi->attrs[LANA_ATTR_NAME];
	const char *name = na ? nla_data(na) : NULL;
	struct lana_block_stats *s;
	struct lana_row *row;
	int r = 0;

	if (name && cb->args[1] == 2)
		return 0;
	s = kmalloc(sizeof(*s) + sizeof(*row), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	row = (struct lana_row *)(s + 1);
	mutex_lock(&lana_engine_lock);
	for (;;) {
		u32 idp = (u32)cb->args[0];
		void *hdr;

		if (cb->args[2])
			break;
		if (lana_engine_block_stats(&idp, name, s)) {
			/* no (more) blocks; an unknown name is an error */
			if (name) {
				ext_msg(cb->extack, "no block named '%s'",
					name);
				r = -ENOENT;
				break;
			}
			lana_engine_self_stats(s);
			idp = LANA_ENGINE_STATS_IDP;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &lana_family,
				  NLM_F_MULTI, LANA_CMD_STATS_GET);
		if (!hdr)
			break;
		s->partial = name && cb->args[1] == 1;
		if (put_block(skb, s, name ? cb : NULL, row)) {
			genlmsg_cancel(skb, hdr);
			if (!skb->len)
				r = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		if (name) {
			if (!cb->args[1])
				cb->args[1] = 2;	/* no table */
			break;
		}
		if (s->idp == LANA_ENGINE_STATS_IDP)
			cb->args[2] = 1;
		else
			cb->args[0] = (long)idp + 1;
	}
	mutex_unlock(&lana_engine_lock);
	kfree(s);
	return r ? r : skb->len;
}

/* ------------------------------------------------------------ the family */

/* Every command needs CAP_NET_ADMIN; its policy is its LANA_REQ rows. */
#define LANA_OP(name, ...) {					\
	.cmd = LANA_CMD_##name,					\
	.policy = lana_policy[LANA_CMD_##name],			\
	.maxattr = LANA_ATTR_MAX,				\
	.flags = GENL_ADMIN_PERM,				\
	__VA_ARGS__						\
}

static const struct genl_ops lana_ops[] = {
	LANA_OP(TXN_BEGIN, .doit = lana_txn_begin_doit),
	LANA_OP(TXN_DATA, .doit = lana_txn_data_doit),
	LANA_OP(TXN_COMMIT, .doit = lana_txn_commit_doit),
	LANA_OP(TXN_ABORT, .doit = lana_txn_abort_doit),
	LANA_OP(PLAN_GET, .start = lana_plan_start,
		.dumpit = lana_plan_dumpit, .done = lana_plan_done),
	LANA_OP(STATS_GET, .dumpit = lana_stats_dumpit),
	LANA_OP(SET, .doit = lana_set_doit),
	LANA_OP(FLUSH, .doit = lana_flush_doit),
};
static_assert(ARRAY_SIZE(lana_ops) == LANA_CMD_MAX,
	      "kmod/genl.c: a command of proto/attrs.def has no genl op");

static struct genl_family lana_family __ro_after_init = {
	.name = LANA_GENL_NAME,
	.version = LANA_GENL_VERSION,
	.maxattr = LANA_ATTR_MAX,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = lana_ops,
	.n_ops = ARRAY_SIZE(lana_ops),
};

int lana_genl_init(void)
{
	int r;

	r = netlink_register_notifier(&lana_netlink_nb);
	if (r)
		return r;
	r = genl_register_family(&lana_family);
	if (r)
		netlink_unregister_notifier(&lana_netlink_nb);
	return r;
}

void lana_genl_exit(void)
{
	genl_unregister_family(&lana_family);
	netlink_unregister_notifier(&lana_netlink_nb);
	mutex_lock(&lana_txn_lock);
	lana_ctl_txn_drop_all(&lana_txns);
	mutex_unlock(&lana_txn_lock);
}
