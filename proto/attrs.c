// SPDX-License-Identifier: GPL-2.0
/*
 * proto/attrs.c - the names and rules of proto/attrs.def (proto/attrs.h),
 * shared by lanad, lanarun and lana.ko.
 */
#include "attrs.h"

static const char *const cmd_names[__LANA_CMD_MAX] = {
#define LANA_CMD(nr, name, kind) [nr] = #name,
#include "attrs.def"
};

static const bool cmd_dump[__LANA_CMD_MAX] = {
#define LANA_CMD(nr, name, kind) [nr] = LANA_KIND_##kind,
#define LANA_KIND_DO	false
#define LANA_KIND_DUMP	true
#include "attrs.def"
#undef LANA_KIND_DO
#undef LANA_KIND_DUMP
};

static const char *const attr_names[__LANA_ATTR_MAX] = {
#define LANA_ATTR(nr, name, type, max) [nr] = #name,
#include "attrs.def"
};

/* [command][attribute] and [nest][attribute]: an enum lana_rule. */
static const unsigned char req_rules[__LANA_CMD_MAX][__LANA_ATTR_MAX] = {
#define LANA_REQ(cmd, attr, rule) \
	[LANA_CMD_##cmd][LANA_ATTR_##attr] = LANA_RULE_##rule,
#include "attrs.def"
};

static const unsigned char reply_rules[__LANA_CMD_MAX][__LANA_ATTR_MAX] = {
#define LANA_REPLY(cmd, attr, rule) \
	[LANA_CMD_##cmd][LANA_ATTR_##attr] = LANA_RULE_##rule,
#include "attrs.def"
};

static const unsigned char nest_rules[__LANA_ATTR_MAX][__LANA_ATTR_MAX] = {
#define LANA_NEST(nest, attr, rule) \
	[LANA_ATTR_##nest][LANA_ATTR_##attr] = LANA_RULE_##rule,
#include "attrs.def"
};

enum lana_rule lana_ctl_rule(enum lana_attrset set, unsigned int which,
			     unsigned int attr)
{
	if (attr > LANA_ATTR_MAX)
		return LANA_RULE_NONE;
	switch (set) {
	case LANA_SET_REQUEST:
		return which <= LANA_CMD_MAX ? req_rules[which][attr] :
					       LANA_RULE_NONE;
	case LANA_SET_REPLY:
		return which <= LANA_CMD_MAX ? reply_rules[which][attr] :
					       LANA_RULE_NONE;
	case LANA_SET_NEST:
		return which <= LANA_ATTR_MAX ? nest_rules[which][attr] :
						LANA_RULE_NONE;
	}
	return LANA_RULE_NONE;
}

bool lana_ctl_cmd_dump(unsigned int cmd)
{
	return cmd <= LANA_CMD_MAX && cmd_dump[cmd];
}

const char *lana_ctl_cmd_name(unsigned int cmd)
{
	if (cmd == LANA_CMD_UNSPEC || cmd > LANA_CMD_MAX)
		return "?";
	return cmd_names[cmd];
}

const char *lana_ctl_attr_name(unsigned int attr)
{
	if (attr == LANA_ATTR_UNSPEC || attr > LANA_ATTR_MAX)
		return "?";
	return attr_names[attr];
}
