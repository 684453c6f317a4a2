// SPDX-License-Identifier: GPL-2.0
/*
 * proto/policy.c - libnl-3's attribute policies of every message of the
 * control protocol, expanded from proto/attrs.def: one array of
 * LANA_ATTR_MAX + 1 entries, indexed by attribute, per request, reply and
 * nest. kmod/genl.c expands the same rows into the kernel's policies.
 */
#include "codec.h"

/*
 * libnl's view of each attribute type (netlink/attr.h): integers of exact
 * size, strings with their NUL (maxlen counts it, so MAX + 1), binary of
 * 1 to MAX bytes (NLA_UNSPEC: libnl checks only the lengths), nests.
 */
#define NL_TYPE(t)						\
	((t) == LANA_T_U32 ? NLA_U32 :				\
	 (t) == LANA_T_U64 ? NLA_U64 :				\
	 (t) == LANA_T_STRING ? NLA_STRING :			\
	 (t) == LANA_T_NESTED ? NLA_NESTED : NLA_UNSPEC)
#define NL_MINLEN(t)						\
	((t) == LANA_T_U32 ? 4 : (t) == LANA_T_U64 ? 8 :	\
	 (t) == LANA_T_NESTED ? 0 : 1)
#define NL_MAXLEN(t, max)					\
	((t) == LANA_T_U32 ? 4 : (t) == LANA_T_U64 ? 8 :	\
	 (t) == LANA_T_STRING ? (max) + 1 :			\
	 (t) == LANA_T_NESTED ? 0 : (max))

#define NL_POLICY(attr) {					\
	.type = NL_TYPE(LANA_ATYPE_##attr),			\
	.minlen = NL_MINLEN(LANA_ATYPE_##attr),			\
	.maxlen = NL_MAXLEN(LANA_ATYPE_##attr, LANA_AMAX_##attr),	\
}

static const struct nla_policy req_pol[__LANA_CMD_MAX][LANA_ATTR_MAX + 1] = {
#define LANA_REQ(cmd, attr, rule) \
	[LANA_CMD_##cmd][LANA_ATTR_##attr] = NL_POLICY(attr),
#include "attrs.def"
};

static const struct nla_policy reply_pol[__LANA_CMD_MAX][LANA_ATTR_MAX + 1] = {
#define LANA_REPLY(cmd, attr, rule) \
	[LANA_CMD_##cmd][LANA_ATTR_##attr] = NL_POLICY(attr),
#include "attrs.def"
};

static const struct nla_policy
nest_pol[LANA_ATTR_MAX + 1][LANA_ATTR_MAX + 1] = {
#define LANA_NEST(nest, attr, rule) \
	[LANA_ATTR_##nest][LANA_ATTR_##attr] = NL_POLICY(attr),
#include "attrs.def"
};

const struct nla_policy *lana_ctl_attrset_policy(enum lana_attrset set,
						 unsigned int which)
{
	switch (set) {
	case LANA_SET_REQUEST:
		return which && which <= LANA_CMD_MAX ? req_pol[which] : NULL;
	case LANA_SET_REPLY:
		return which && which <= LANA_CMD_MAX ? reply_pol[which] : NULL;
	case LANA_SET_NEST:
		return which && which <= LANA_ATTR_MAX ? nest_pol[which] : NULL;
	}
	return NULL;
}

const struct nla_policy *lana_ctl_policy(unsigned int cmd)
{
	return lana_ctl_attrset_policy(LANA_SET_REQUEST, cmd);
}
