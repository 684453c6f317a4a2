/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/peer.h - who is on the other end of a control connection, and
 * whether it may change the graph (lanad(8), ACCESS).
 */
#ifndef LANAD_PEER_H
#define LANAD_PEER_H

/**
 * lanad_peer_may_change() - whether the peer of the connected Unix socket
 * @fd may change the graph: its user id (SO_PEERCRED, unix(7)) is 0, or
 * its process holds CAP_NET_ADMIN in its effective set (the CapEff mask
 * of /proc/PID/status, proc(5)) in lanad's own user namespace (a
 * capability held in a namespace a user created for itself does not
 * count, as capabilities(7) describes for the kernel's own checks).
 * @uid receives the peer's user id.
 * Returns 1 (may change), 0 (read-only), or -errno when SO_PEERCRED fails.
 * The /proc check races with the peer exiting and its pid being reused,
 * as every SO_PEERCRED-pid check does; a peer that is gone by then is
 * read-only.
 */
int lanad_peer_may_change(int fd, unsigned int *uid);

#endif /* LANAD_PEER_H */
