// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/core.c - module init and exit of lana.ko, the LANA kernel engine:
 * the engine core (engine/ with its kernel glue kmod/engine.c, and ppe.c:
 * registry, builder, notifier, PPE; thesis ch. 4.2, 5.2.4, 5.2.5) and its
 * control interface, the generic netlink family "lana" (kmod/genl.c,
 * proto/proto.h).
 *
 * Exit order: the family goes first (no new transaction; genl waits for
 * running ones), then the graph is torn down: every instance's fini runs
 * after a grace period, which detaches the devices (kmod/dev.c).
 */
#include <linux/init.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "engine.h"

static int __init lana_init(void)
{
	int r;

	r = lana_engine_init();
	if (r)
		return r;
	r = lana_genl_init();
	if (r) {
		lana_engine_exit();
		return r;
	}
	pr_info("lana: kernel engine loaded\n");
	return 0;
}

static void __exit lana_exit(void)
{
	lana_genl_exit();
	lana_engine_exit();
	pr_info("lana: kernel engine unloaded\n");
}

module_init(lana_init);
module_exit(lana_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LANA: graphs of functional blocks processing packets");
MODULE_ALIAS_GENL_FAMILY("lana");
