// SPDX-License-Identifier: GPL-2.0
/*
 * tests/plan-send.c - send a plan file to an engine exactly as it is, as
 * one transaction, without the checks lanarun makes before it sends
 * anything (lanarun apply decodes and validates a plan file first, so a
 * crafted plan never reaches the engine through it). For tests of what
 * the engines themselves refuse (tests/bpf-plan.sh).
 *
 * usage: plan-send SOCKET FILE     (lanad's control socket)
 *        plan-send -k FILE         (lana.ko's generic netlink family)
 * Prints "applied" or "refused: MESSAGE"; exit 0 applied, 1 refused,
 * 2 usage or connection error.
 */
#include "cli/ctl_client.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct lana_ctl_conn c;
	char err[512] = "";
	char *data;
	size_t len;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: plan-send SOCKET|-k FILE\n");
		return 2;
	}
	r = lana_read_file(argv[2], &data, &len);
	if (r) {
		fprintf(stderr, "plan-send: cannot read '%s': %s\n", argv[2],
			strerror(-r));
		return 2;
	}
	r = strcmp(argv[1], "-k") ? lana_ctl_connect_user(&c, argv[1]) :
				    lana_ctl_connect_kernel(&c);
	if (r) {
		fprintf(stderr, "plan-send: cannot connect to %s: %s\n",
			argv[1], strerror(-r));
		free(data);
		return 2;
	}
	r = lana_ctl_send_plan(&c, data, len, err, sizeof(err));
	lana_ctl_close(&c);
	free(data);
	if (r) {
		printf("refused: %s\n", err);
		return 1;
	}
	printf("applied\n");
	return 0;
}
