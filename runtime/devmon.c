// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/devmon.c - the engine's device monitor: one small thread that
 * follows the interfaces under eth and tap blocks, off the packet path.
 *
 * It sleeps in epoll_wait(2) on
 *  - a NETLINK_ROUTE socket subscribed to RTMGRP_LINK (rtnetlink(7),
 *    netlink(7)): RTM_NEWLINK / RTM_DELLINK for every interface of the
 *    network namespace, parsed with the kernel's NLMSG_* and IFLA_RTA
 *    macros (linux/netlink.h, linux/rtnetlink.h);
 *  - the descriptors devices asked to be watched for errors (eth: its
 *    AF_PACKET socket, EPOLLERR only, one-shot): the kernel sets the
 *    socket's error (ENETDOWN) when the interface goes down or is deleted
 *    (net/packet/af_packet.c, packet_notifier()), and poll(2) then reports
 *    POLLERR until someone reads SO_ERROR; the worker sleeping in ppoll(2)
 *    on that socket would wake at once, round after round. The monitor
 *    reads it (runtime/dev.c, lana_dev_sock_error()).
 *  - an eventfd(2) that stops it.
 * Every event goes to every registered device (lana_engine_dev_each(),
 * with the registry's lock held, so no device is freed meanwhile), which
 * decides what concerns it. Once a second, and after the netlink socket
 * overflowed (ENOBUFS: events were lost), it re-arms the watched
 * descriptors and has the devices recheck their interface by name and
 * index (lana_dev_recheck()), which also covers a monitor without a
 * netlink socket.
 */
#define LANA_ENGINE_CORE
#include "engine_internal.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#define MON_TICK_MS	1000		/* recheck and re-arm period */
#define MON_NLBUF	(32 << 10)	/* netlink receive buffer, bytes */
#define MON_NLRCVBUF	(1 << 20)	/* netlink socket buffer, bytes */

/* epoll_event.data.u64 of the monitor's own descriptors. */
#define MON_EV_STOP	((uint64_t)1 << 32)
#define MON_EV_NL	((uint64_t)2 << 32)

struct lana_devmon {
	struct lana_engine *e;
	pthread_t th;
	int ep;			/* epoll */
	int nl;			/* NETLINK_ROUTE, -1: none */
	int stop;		/* eventfd */
	pthread_mutex_t lock;	/* fds */
	int *fds;		/* watched descriptors */
	unsigned int nfds, cap;
	uint8_t buf[MON_NLBUF];
};

static int mon_arm(struct lana_devmon *m, int op, int fd)
{
	struct epoll_event ev = {
		.events = EPOLLERR | EPOLLONESHOT,
		.data.u64 = (uint32_t)fd,
	};

	return epoll_ctl(m->ep, op, fd, &ev) < 0 ? -errno : 0;
}

/* A NETLINK_ROUTE socket on the link group, or -1 (logged). */
static int mon_netlink(struct lana_engine *e)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK,
	};
	int s, sz = MON_NLRCVBUF;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   NETLINK_ROUTE);
	if (s < 0)
		goto fail;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return s;
	close(s);
fail:
	lana_engine_log(e, LOG_WARNING,
			"device monitor: no rtnetlink socket (%s): interfaces "
			"that come back are found within a second instead",
			strerror(errno));
	return -1;
}

struct mon_link_ctx {
	const struct lana_link_event *ev;
};

static void mon_link_one(struct lana_dev *d, void *ctx)
{
	lana_dev_link_event(d, ((struct mon_link_ctx *)ctx)->ev);
}

static void mon_recheck_one(struct lana_dev *d, void *ctx)
{
	lana_dev_recheck(d, *(bool *)ctx);
}

static void mon_recheck(struct lana_devmon *m, bool full)
{
	lana_engine_dev_each(m->e, mon_recheck_one, &full);
}

/* One RTM_NEWLINK or RTM_DELLINK message (rtnetlink(7)). */
static void mon_link_msg(struct lana_devmon *m, struct nlmsghdr *nh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	char name[IFNAMSIZ] = "";
	struct lana_link_event ev;
	struct mon_link_ctx ctx = { .ev = &ev };
	struct rtattr *rta;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type != IFLA_IFNAME)
			continue;
		if (n >= IFNAMSIZ)
			n = IFNAMSIZ - 1;
		memcpy(name, RTA_DATA(rta), n);
		name[n] = 0;
	}
	ev = (struct lana_link_event){
		.ifindex = ifi->ifi_index,
		.flags = ifi->ifi_flags,
		.name = name,
		.deleted = nh->nlmsg_type == RTM_DELLINK,
	};
	lana_engine_dev_each(m->e, mon_link_one, &ctx);
}

/* Read the netlink socket dry. */
static void mon_netlink_read(struct lana_devmon *m)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = m->buf, .iov_len = sizeof(m->buf) };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct nlmsghdr *nh;
	ssize_t r;

	for (;;) {
		mh.msg_namelen = sizeof(from);
		r = recvmsg(m->nl, &mh, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)	/* lost events: look again */
				mon_recheck(m, true);
			return;
		}
		if (!r)
			return;
		if (from.nl_pid != 0)	/* not from the kernel */
			continue;
		for (nh = (struct nlmsghdr *)m->buf; NLMSG_OK(nh, (size_t)r);
		     nh = NLMSG_NEXT(nh, r))
			if (nh->nlmsg_type == RTM_NEWLINK ||
			    nh->nlmsg_type == RTM_DELLINK)
				mon_link_msg(m, nh);
	}
}

struct mon_err_ctx {
	int fd;
	bool cleared;
};

static void mon_err_one(struct lana_dev *d, void *ctx)
{
	struct mon_err_ctx *c = ctx;

	if (lana_dev_watch_fd(d) == c->fd && lana_dev_sock_error(d))
		c->cleared = true;
}

/*
 * Watched descriptor @fd reported an error: the device it belongs to
 * reads and handles it; re-armed at once when that cleared the error,
 * else at the next tick (so an error nobody can clear costs one wake-up
 * a second, not a spin).
 */
static void mon_fd_error(struct lana_devmon *m, int fd)
{
	struct mon_err_ctx c = { .fd = fd };

	lana_engine_dev_each(m->e, mon_err_one, &c);
	if (c.cleared) {
		pthread_mutex_lock(&m->lock);
		(void)mon_arm(m, EPOLL_CTL_MOD, fd);	/* ENOENT: unwatched */
		pthread_mutex_unlock(&m->lock);
	}
}

/*
 * Re-arm every watched descriptor. One whose number now refers to another
 * file (an eth queue's new socket moved in place with dup3(2) after a
 * reattach, runtime/dev.c "Fanout") is not in the epoll set (ENOENT: epoll
 * follows files, epoll(7)): added again.
 */
static void mon_rearm_all(struct lana_devmon *m)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nfds; i++)
		if (mon_arm(m, EPOLL_CTL_MOD, m->fds[i]) == -ENOENT)
			(void)mon_arm(m, EPOLL_CTL_ADD, m->fds[i]);
	pthread_mutex_unlock(&m->lock);
}

static void *mon_main(void *arg)
{
	struct lana_devmon *m = arg;
	struct epoll_event ev[16];
	int i, n;

	for (;;) {
		n = epoll_wait(m->ep, ev, 16, MON_TICK_MS);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0) {
			mon_rearm_all(m);
			mon_recheck(m, false);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == MON_EV_STOP)
				return NULL;
			if (ev[i].data.u64 == MON_EV_NL)
				mon_netlink_read(m);
			else
				mon_fd_error(m, (int)ev[i].data.u64);
		}
	}
	return NULL;
}

struct lana_devmon *lana_devmon_start(struct lana_engine *e)
{
	struct lana_devmon *m = calloc(1, sizeof(*m));
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (!m)
		return NULL;
	m->e = e;
	m->nl = -1;
	m->stop = -1;
	pthread_mutex_init(&m->lock, NULL);
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	if (m->ep < 0)
		goto fail;
	m->stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.u64 = MON_EV_STOP;
	if (m->stop < 0 || epoll_ctl(m->ep, EPOLL_CTL_ADD, m->stop, &ev) < 0)
		goto fail;
	m->nl = mon_netlink(e);
	ev.data.u64 = MON_EV_NL;
	if (m->nl >= 0 && epoll_ctl(m->ep, EPOLL_CTL_ADD, m->nl, &ev) < 0)
		goto fail;
	err = pthread_create(&m->th, NULL, mon_main, m);
	if (err) {
		errno = err;
		goto fail;
	}
	return m;
fail:
	lana_engine_log(e, LOG_WARNING,
			"cannot start the device monitor: %s: deleted "
			"interfaces are not followed", strerror(errno));
	if (m->nl >= 0)
		close(m->nl);
	if (m->stop >= 0)
		close(m->stop);
	if (m->ep >= 0)
		close(m->ep);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return NULL;
}

int lana_devmon_watch(struct lana_devmon *m, int fd)
{
	int *nfds, err;

	pthread_mutex_lock(&m->lock);
	if (m->nfds == m->cap) {
		nfds = realloc(m->fds, (m->cap * 2 + 4) * sizeof(*nfds));
		if (!nfds) {
			pthread_mutex_unlock(&m->lock);
			return -ENOMEM;
		}
		m->fds = nfds;
		m->cap = m->cap * 2 + 4;
	}
	err = mon_arm(m, EPOLL_CTL_ADD, fd);
	if (!err)
		m->fds[m->nfds++] = fd;
	pthread_mutex_unlock(&m->lock);
	return err;
}

void lana_devmon_unwatch(struct lana_devmon *m, int fd)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nfds; i++) {
		if (m->fds[i] == fd) {
			m->fds[i] = m->fds[--m->nfds];
			(void)epoll_ctl(m->ep, EPOLL_CTL_DEL, fd, NULL);
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

void lana_devmon_stop(struct lana_devmon *m)
{
	uint64_t one = 1;

	if (!m)
		return;
	if (write(m->stop, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd takes a write of 1 */
	pthread_join(m->th, NULL);
	if (m->nl >= 0)
		close(m->nl);
	close(m->stop);
	close(m->ep);
	pthread_mutex_destroy(&m->lock);
	free(m->fds);
	free(m);
}
