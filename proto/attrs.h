/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto/attrs.h - proto/attrs.def as data, for both engines and the
 * client: the names of commands and attributes, whether a command is a
 * dump, and which attributes each message takes. Plain C: lana.ko
 * compiles proto/attrs.c unchanged (kmod/sources.mk).
 *
 * The policies (attribute types and sizes) are built from the same table
 * at compile time by each side: proto/policy.c for libnl, kmod/genl.c for
 * the kernel's genl family.
 */
#ifndef LANA_PROTO_ATTRS_H
#define LANA_PROTO_ATTRS_H

#include "proto.h"

#include <stdbool.h>

/* How a message may carry an attribute (the RULE column of attrs.def). */
enum lana_rule {
	LANA_RULE_NONE = 0,	/* not at all */
	LANA_RULE_OPTIONAL,	/* at most once */
	LANA_RULE_NEEDED,	/* exactly once */
	LANA_RULE_REPEATED,	/* any number of times */
};

/* The attribute sets of attrs.def: what @which names in lana_ctl_rule(). */
enum lana_attrset {
	LANA_SET_REQUEST,	/* the request of command @which (LANA_REQ) */
	LANA_SET_REPLY,		/* a reply of command @which (LANA_REPLY) */
	LANA_SET_NEST,		/* inside nested attribute @which (LANA_NEST) */
};

/**
 * lana_ctl_rule() - how a message of attribute set @set of command or
 * nested attribute @which (enum lana_cmd, or enum lana_attr for
 * LANA_SET_NEST) may carry attribute @attr.
 * Returns an enum lana_rule: LANA_RULE_NONE for an unknown command, nest
 * or attribute.
 */
enum lana_rule lana_ctl_rule(enum lana_attrset set, unsigned int which,
			     unsigned int attr);

/**
 * lana_ctl_cmd_dump() - true when command @cmd is a dump (KIND DUMP:
 * answered by NLM_F_MULTI replies and NLMSG_DONE), false for DO commands
 * and unknown ones.
 */
bool lana_ctl_cmd_dump(unsigned int cmd);

/** lana_ctl_cmd_name() - "TXN_BEGIN", ... or "?" for an unknown command. */
const char *lana_ctl_cmd_name(unsigned int cmd);

/** lana_ctl_attr_name() - "TXN_ID", ... or "?" for an unknown attribute. */
const char *lana_ctl_attr_name(unsigned int attr);

#endif /* LANA_PROTO_ATTRS_H */
