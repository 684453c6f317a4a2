// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/peer.c - the credentials of a control connection's peer
 * (daemon/peer.h).
 */

#include "peer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define LANAD_CAP_NET_ADMIN 12	/* linux/capability.h */

/* Whether process @pid lives in the same user namespace as lanad. */
static bool same_userns(pid_t pid)
{
	struct stat self, peer;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (stat("/proc/self/ns/user", &self) || stat(path, &peer))
		return false;
	return self.st_dev == peer.st_dev && self.st_ino == peer.st_ino;
}

/* Whether process @pid has CAP_NET_ADMIN in its effective set. */
static bool has_net_admin(pid_t pid)
{
	char path[64], line[256];
	uint64_t eff = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found && (eff >> LANAD_CAP_NET_ADMIN & 1);
}

int lanad_peer_may_change(int fd, unsigned int *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -errno;
	*uid = (unsigned int)cr.uid;
	if (cr.uid == 0)
		return 1;
	return cr.pid > 0 && same_userns(cr.pid) && has_net_admin(cr.pid);
}
