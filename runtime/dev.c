// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/dev.c - device I/O of the userspace engine: AF_PACKET (eth) and
 * TAP (tap) behind the lana_dev_* calls of blocks/lana_block.h.
 *
 * Receive is pulled by the worker the engine pins the device to
 * (lana_dev_poll()); transmit is pushed by whichever worker runs the
 * owning block's rx op (lana_dev_xmit()). References: packet(7),
 * Documentation/networking/packet_mmap.rst (TPACKET_V2 ring walk),
 * Documentation/networking/segmentation-offloads.rst (the metadata the
 * virtio-net header carries),
 * Documentation/networking/tuntap.rst, netdevice(7) (SIOCSIF* ioctls).
 */
#include "dev.h"
#include "engine_internal.h"
#include "offload.h"
#include "xsk.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23	/* Linux 4.20 */
#endif
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000	/* uapi if_packet.h */
#endif

#define DEV_SNDBUF	(4 << 20)	/* socket send buffer, bytes */
#define DEV_RCVBUF	(8 << 20)	/* eth: room for the copies of frames
					 * larger than a ring slot, bytes */
#define VNET_HLEN	((uint32_t)sizeof(struct virtio_net_hdr))
#define DEV_MAX_FRAME	(65535u + 14 + 4)	/* a GSO super-frame, bytes */
#define ETH_HLEN_	14
#define VLAN_HLEN_	4
#define RXW_STRIDE	8	/* uint64_t per worker counter: 64 bytes */
#define FANOUT_IDS	64	/* group ids tried without UNIQUEID */

enum dev_kind { DEV_ETH, DEV_TAP };

/*
 * struct eth_sock - one AF_PACKET socket of an eth with its TPACKET_V2
 * ring, as built by eth_sock_open() (a new queue socket on its way to a
 * worker after a reattach: "Fanout" below).
 */
struct eth_sock {
	int fd;
	uint8_t *ring;
	size_t ring_len;
	unsigned int frame_nr;	/* ring slots */
	bool vnet;		/* PACKET_VNET_HDR taken */
	bool skip_outgoing;	/* skip PACKET_OUTGOING frames ourselves */
};

/*
 * struct lana_dev - one opened device.
 * Receive-side fields (@rx_*, @cur) belong to the polling worker, the
 * counters are atomics updated once per burst; @rx and @tx sit on separate
 * cache lines because different threads write them.
 * @gone: the interface was deleted (see "Gone and back" below); workers
 *        read it, the monitor (eth) or the polling worker (tap) sets it
 * @ctl:  the control side (control thread, device monitor): @ifindex,
 *        @promisc, setting @gone, @retry_logged
 */
struct lana_dev {
	enum dev_kind kind;
	int fd;
	_Atomic int ifindex;
	_Atomic bool gone;
	bool retry_logged;	/* a failed reattach was logged */
	pthread_mutex_t ctl;
	bool promisc;
	bool skip_outgoing;	/* PACKET_IGNORE_OUTGOING unavailable */
	bool registered;	/* lana_engine_dev_add() done */
	bool vnet;		/* frames carry a virtio-net header */
	char name[IFNAMSIZ];
	struct lana_block *b;
	struct lana_xsk *xsk;	/* eth over AF_XDP (runtime/xsk.c), else NULL */
	uint32_t mtu;		/* tap: read buffer sizing */

	/* eth: TPACKET_V2 ring */
	uint8_t *ring;
	size_t ring_len;
	unsigned int frame_nr;	/* ring slots */
	unsigned int cur;	/* next slot to read */

	/*
	 * Several workers ("Fanout" below). A queue is a struct lana_dev of
	 * its own (registered with the engine as a source of its worker);
	 * only its socket, ring, counters and @swap are used, the rest
	 * lives in its @head.
	 */
	struct lana_dev *head;	/* a queue: its device; NULL: a device */
	struct lana_dev **q;	/* the device: its queues, q[0] itself */
	unsigned int nq;	/* queues (1: no fanout, q NULL) */
	unsigned int xq;	/* AF_XDP: the queue group this one polls */
	int pfd;		/* fanout: unbound socket holding the
				 * promiscuous membership, else -1 */
	_Atomic(struct eth_sock *) swap;	/* a queue's new socket */
	_Atomic uint64_t *rx_w;	/* frames received per worker, one per
				 * cache line (RXW_STRIDE apart) */
	unsigned int nw;	/* workers counted in @rx_w (0: none) */

	_Alignas(64) _Atomic uint64_t rx;
	_Atomic uint64_t rx_drops;
	_Alignas(64) _Atomic uint64_t tx;
	_Atomic uint64_t tx_drops;
	_Atomic uint64_t ring_drops;	/* PACKET_STATISTICS tp_drops, summed */
};

static struct lana_dev *dev_new(struct lana_block *b, enum dev_kind kind,
				const char *ifname)
{
	struct lana_dev *d;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		lana_block_error(b, "invalid interface name '%s'",
				 ifname ? ifname : "");
		return NULL;
	}
	if (posix_memalign((void **)&d, 64, sizeof(*d))) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->fd = -1;
	d->pfd = -1;
	d->nq = 1;
	d->b = b;
	pthread_mutex_init(&d->ctl, NULL);
	strcpy(d->name, ifname);
	return d;
}

static void eth_sock_close(struct eth_sock *s)
{
	if (s->ring)
		munmap(s->ring, s->ring_len);
	if (s->fd >= 0)
		close(s->fd);
	s->ring = NULL;
	s->fd = -1;
}

static void dev_destroy(struct lana_dev *d)
{
	struct eth_sock *sw;
	unsigned int i;

	if (d->registered && d->b && d->b->eng)
		lana_engine_dev_del(d->b->eng, d);
	for (i = 1; d->q && i < d->nq; i++)
		if (d->q[i])
			dev_destroy(d->q[i]);
	free(d->q);
	sw = atomic_exchange(&d->swap, NULL);
	if (sw) {
		eth_sock_close(sw);
		free(sw);
	}
	if (!d->head)
		lana_xsk_close(d->xsk);
	if (d->ring)
		munmap(d->ring, d->ring_len);
	if (d->fd >= 0)
		close(d->fd);
	if (d->pfd >= 0)
		close(d->pfd);
	free(d->rx_w);
	pthread_mutex_destroy(&d->ctl);
	free(d);
}

/* The device queue @d belongs to (@d itself when it is the device). */
static struct lana_dev *dev_head(struct lana_dev *d)
{
	return d->head ? d->head : d;
}

/*
 * Register @d with the engine as a packet source: each queue of its own,
 * queue i polled by worker i ("Fanout" below), else the device, polled
 * by the worker the engine pins the block to.
 */
static int dev_register(struct lana_dev *d)
{
	unsigned int i;
	int err;

	if (!d->b->eng)		/* stand-alone use (tests): caller polls */
		return 0;
	for (i = 0; i < d->nq; i++) {
		struct lana_dev *qd = d->nq > 1 ? d->q[i] : d;

		err = lana_engine_dev_add_on(d->b->eng, d->b, qd,
					     lana_dev_fd(qd),
					     d->nq > 1 ? (int)i : -1);
		if (err) {
			lana_block_error(d->b, "cannot register device "
					 "'%s': %s", d->name, strerror(-err));
			return err;
		}
		qd->registered = true;
		/*
		 * eth: follow the interface; each socket's errors too
		 * (dev_gone())
		 */
		(void)lana_engine_dev_watch(d->b->eng, qd,
					    qd->kind == DEV_ETH ? qd->fd : -1);
	}
	return 0;
}

/*
 * Count @n frames received by the calling worker on device @h (the
 * per-worker figures of lana_dev_worker_rx()).
 */
static void dev_count_worker(struct lana_dev *h, unsigned int n)
{
	int w;

	if (!h->rx_w)
		return;
	w = lana_engine_worker();
	if (w >= 0 && (unsigned int)w < h->nw)
		atomic_fetch_add_explicit(&h->rx_w[(size_t)w * RXW_STRIDE], n,
					  memory_order_relaxed);
}

/*
 * Gone and back. An interface can disappear under an open device: `ip link
 * del`, a move to another namespace, a module unloaded. The kernel then
 * unhooks an AF_PACKET socket from it and sets the socket's error
 * (packet_notifier() in net/packet/af_packet.c), which poll(2) reports as
 * POLLERR until read; a TAP's descriptor reports POLLERR and EBADFD for
 * good. The device is then marked gone: logged once, every frame sent to
 * it counted as a drop without a system call; the eth socket's error is
 * read (SO_ERROR) by the device monitor (runtime/devmon.c), so the worker
 * polling it sleeps again; a tap's source ends (lana_dev_poll() -1). When
 * an interface of the same name appears, the monitor binds the eth's
 * socket to it again (bind(2) on a bound packet socket moves it: packet(7),
 * packet_do_bind()) and restores promiscuous mode: the descriptor, the
 * ring and the worker's position in it stay as they were, so there is no
 * new socket to publish to the worker, only @gone to clear. Not so with
 * fanout (several workers, "Fanout" below): its sockets cannot be bound
 * again, new ones are built and handed to the workers. A link that
 * goes down is not gone: the socket stays bound, transmit fails with
 * ENETDOWN (counted as drops) and receives again once it is up.
 */

/* Log "TYPE NAME: ..." (the owning block) to the engine's log. */
static void dev_log(struct lana_dev *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void dev_log(struct lana_dev *d, int level, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (!d->b || !d->b->eng)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lana_engine_log(d->b->eng, level, "%s %s: %s", d->b->type->name,
			d->b->name, msg);
}

/* Read (and so clear) the pending error of socket @fd; the error or 0. */
static int sock_clear_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return 0;
	return err;
}

/* The interface of @d is gone: mark it, log once (any thread). */
static void dev_gone(struct lana_dev *d)
{
	if (atomic_exchange(&d->gone, true))
		return;
	if (d->kind == DEV_ETH)
		dev_log(d, LOG_WARNING, "interface %s is gone; waiting for it "
			"to come back", d->name);
	else
		dev_log(d, LOG_WARNING, "device %s is gone (deleted); frames "
			"sent to it are dropped", d->name);
}

/* ------------------------------------------------------------- eth */

static int eth_membership(struct lana_dev *d, bool on)
{
	struct packet_mreq mr = {
		.mr_ifindex = d->ifindex,
		.mr_type = PACKET_MR_PROMISC,
	};

	if (setsockopt(d->pfd >= 0 ? d->pfd : d->fd, SOL_PACKET,
		       on ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
		       &mr, sizeof(mr)) < 0)
		return -errno;
	return 0;
}

/*
 * Set up the receive ring: TPACKET_V2 (packet_mmap.rst), whose every frame
 * wakes poll(2) as soon as it is in the ring; TPACKET_V3 only wakes when a
 * ring block is retired, after at least its timeout (1 ms), which was the
 * round-trip time of every ping through the graph (bench/README.md).
 * With PACKET_VNET_HDR each frame is preceded by its virtio-net header;
 * PACKET_COPY_THRESH has the kernel queue a frame larger than a slot (a
 * GSO super-frame) whole on the socket's receive queue, marking its
 * truncated slot TP_STATUS_COPY (net/packet/af_packet.c, tpacket_rcv()).
 */
static int eth_ring(struct eth_sock *s)
{
	int ver = TPACKET_V2, one = 1, rcvbuf = DEV_RCVBUF;
	struct tpacket_req req = {
		.tp_block_size = LANA_DEV_RING_BLOCK_SIZE,
		.tp_block_nr = LANA_DEV_RING_BLOCKS,
		.tp_frame_size = LANA_DEV_RING_FRAME_SIZE,
		.tp_frame_nr = LANA_DEV_RING_BLOCK_SIZE /
			       LANA_DEV_RING_FRAME_SIZE * LANA_DEV_RING_BLOCKS,
	};
	void *ring;

	/* before the ring: the kernel refuses it afterwards (EBUSY) */
	s->vnet = setsockopt(s->fd, SOL_PACKET, PACKET_VNET_HDR, &one,
			     sizeof(one)) == 0;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &ver,
		       sizeof(ver)) < 0)
		return -errno;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req,
		       sizeof(req)) < 0)
		return -errno;
	(void)setsockopt(s->fd, SOL_PACKET, PACKET_COPY_THRESH, &one,
			 sizeof(one));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	s->frame_nr = req.tp_frame_nr;
	s->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	ring = mmap(NULL, s->ring_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, s->fd, 0);
	if (ring == MAP_FAILED)
		return -errno;
	s->ring = ring;
	return 0;
}

/*
 * Fanout. With W > 1 workers (lanad --workers W) an eth in AF_PACKET mode
 * has W sockets, each with its own ring, all in one PACKET_FANOUT group
 * (packet(7); kernel Documentation/networking/packet_mmap.rst, "AF_PACKET
 * fanout mode"): the kernel hands every frame to exactly one of them.
 *  - PACKET_FANOUT_HASH: the socket is picked by the frame's flow hash
 *    (skb_get_hash(): addresses and ports), so the frames of one flow
 *    always reach the same socket, in order (net/packet/af_packet.c,
 *    fanout_demux_hash()).
 *  - Not PACKET_FANOUT_FLAG_DEFRAG: it reassembles IP fragments before
 *    any member gets them (packet_rcv_fanout(), ip_check_defrag()), so
 *    the graph would forward datagrams larger than the MTU, which the
 *    egress refuses (EMSGSIZE: a fragmented ping was lost, tested by
 *    tests/e2e/fanout.sh). Without it every fragment of a datagram hashes
 *    alike (the flow dissector reads no ports from a fragment), so they
 *    reach one socket in order; only the order between a flow's
 *    fragmented and unfragmented datagrams may change.
 *  - The group id: PACKET_FANOUT_FLAG_UNIQUEID (Linux 4.12) has the
 *    kernel pick one no other group of the namespace uses, read back with
 *    getsockopt(PACKET_FANOUT); older kernels: ids from a per-process
 *    counter mixed with the pid, the next one tried while the kernel
 *    refuses (EINVAL: taken by a group of another interface).
 *  - A socket's own PACKET_IGNORE_OUTGOING is its own hook's, which a
 *    fanout member no longer uses: the group ignores outgoing frames with
 *    PACKET_FANOUT_FLAG_IGNORE_OUTGOING (newer kernels), else the sockets skip
 *    them by sll_pkttype as on kernels before 4.20. Frames our own
 *    sockets send never come back to the group (match_fanout_group()).
 *  - Socket i (queue i) is a packet source of worker i (the engine,
 *    lana_engine_dev_add_on()); worker i transmits on socket i too, so no
 *    socket is used by two workers. A thread that is not a worker sends
 *    on socket 0 (sendmsg(2) on one socket from several threads is safe;
 *    it was the rule before fanout).
 *  - Joining needs a bound socket, and a bound socket outside the group
 *    would get a copy of every frame: each joins behind a filter that
 *    drops everything (SO_ATTACH_FILTER, socket(7)), removed once it is a
 *    member, so no frame is received twice; frames hashed to it between
 *    its join and the removal (microseconds, only when the sockets are
 *    built) are lost.
 *  - Promiscuous mode is one PACKET_MR_PROMISC membership (the device's
 *    promiscuity is reference-counted, packet(7)), held by an unbound
 *    socket of the device (@pfd) that is never replaced.
 *  - A member cannot be bound again (packet_do_bind() refuses: EINVAL),
 *    so a reattach builds a new group: new sockets and rings, each handed
 *    to its worker (@swap), which moves it under its descriptor number
 *    (dup3(2): the engine's source list and concurrent senders never see
 *    a closed descriptor), drops the old ring and starts at slot 0.
 * With one worker nothing of this happens: one socket, no group.
 */

/* A filter that accepts nothing (a classic BPF "ret #0"). */
static int eth_filter_all(int fd, bool on)
{
	struct sock_filter drop[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop };
	int dummy = 0;

	if (on)
		return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				  sizeof(prog)) < 0 ? -errno : 0;
	return setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
			  sizeof(dummy)) < 0 ? -errno : 0;
}

/*
 * Join socket @s to the fanout group *@arg (the PACKET_FANOUT argument:
 * id | type and flags << 16), or, when *@arg is 0, create a new group and
 * store its argument for the others. Sets @s->skip_outgoing when the
 * group does not ignore outgoing frames. 0 or -errno.
 */
static int eth_fanout_join(struct eth_sock *s, uint32_t *arg)
{
	static _Atomic unsigned int next_id;
	const uint32_t base = PACKET_FANOUT_HASH;	/* no DEFRAG: "Fanout" */
	const uint32_t ign = PACKET_FANOUT_FLAG_IGNORE_OUTGOING;
	uint32_t flags, val, id;
	socklen_t len = sizeof(val);
	unsigned int k;

	if (*arg) {
		if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, arg,
			       sizeof(*arg)) < 0)
			return -errno;
		goto joined;
	}
	/* EINVAL: a flag this kernel does not know, or an id taken */
	for (flags = base | ign;; flags = base) {
		val = (flags | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val,
			       sizeof(val)) == 0) {
			if (getsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val,
				       &len) < 0)
				return -errno;
			*arg = (val & 0xffff) | flags << 16;
			goto joined;
		}
		if (errno != EINVAL)
			return -errno;
		if (flags == base)
			break;
	}
	/* before Linux 4.12: no UNIQUEID, so no IGNORE_OUTGOING either */
	for (k = 0; k < FANOUT_IDS; k++) {
		id = ((unsigned int)getpid() * 131u +
		      atomic_fetch_add(&next_id, 1)) & 0xffff;
		val = id | base << 16;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val,
			       sizeof(val)) == 0) {
			*arg = val;
			goto joined;
		}
		if (errno != EINVAL)
			return -errno;
	}
	return -EINVAL;
joined:
	if (!((*arg >> 16) & ign))
		s->skip_outgoing = true;
	return 0;
}

/*
 * Open an AF_PACKET socket for interface @ifindex into @s: ring, options,
 * bound; with @fanout, a member of group *@fanout (0: a new group, its
 * argument stored there). On failure *@what names the step; nothing stays
 * open. 0 or -errno.
 */
static int eth_sock_open(struct eth_sock *s, int ifindex, uint32_t *fanout,
			 const char **what)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int one = 1, sndbuf = DEV_SNDBUF, err;
	bool filtered = false;

	memset(s, 0, sizeof(*s));
	/*
	 * Protocol 0: receive nothing until bound, so the ring never sees
	 * frames of other interfaces.
	 */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		*what = "AF_PACKET socket";
		return -errno;
	}
	err = eth_ring(s);
	if (err) {
		*what = "TPACKET_V2 ring";
		goto fail;
	}
	if (setsockopt(s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0)
		s->skip_outgoing = true;
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				 sizeof(sndbuf));
	if (fanout && *fanout) {
		err = eth_filter_all(s->fd, true);
		if (err) {
			*what = "SO_ATTACH_FILTER";
			goto fail;
		}
		filtered = true;
	}
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		*what = "bind";
		goto fail;
	}
	if (fanout) {
		err = eth_fanout_join(s, fanout);
		if (err) {
			*what = "PACKET_FANOUT";
			goto fail;
		}
	}
	if (filtered && (err = eth_filter_all(s->fd, false))) {
		*what = "SO_DETACH_FILTER";
		goto fail;
	}
	return 0;
fail:
	eth_sock_close(s);
	return err;
}

/* Make @s the socket and ring of queue @d (before it is polled). */
static void eth_sock_install(struct lana_dev *d, const struct eth_sock *s)
{
	d->fd = s->fd;
	d->ring = s->ring;
	d->ring_len = s->ring_len;
	d->frame_nr = s->frame_nr;
	d->cur = 0;
	d->vnet = s->vnet;
	d->skip_outgoing = s->skip_outgoing;
}

/*
 * The worker polling queue @d takes the socket a reattach built for it
 * (see "Fanout"): the new socket under @d's descriptor number, its ring
 * for the old one. A frame left in the old ring is lost with it.
 */
static void eth_swap_take(struct lana_dev *d)
{
	struct eth_sock *s = atomic_exchange_explicit(&d->swap, NULL,
						      memory_order_acquire);

	if (!s)
		return;
	if (dup3(s->fd, d->fd, O_CLOEXEC) < 0) {
		dev_log(d, LOG_ERR, "interface %s: cannot move the new socket "
			"in place: dup3: %s", d->name, strerror(errno));
		eth_sock_close(s);
		free(s);
		return;
	}
	close(s->fd);
	munmap(d->ring, d->ring_len);
	s->fd = d->fd;
	eth_sock_install(d, s);
	free(s);
}

/*
 * Build the queues of eth @d for fanout over @nw workers: queue 0 is @d
 * itself (its socket already open in @d->fd's place: opened here), the
 * others new devices of @d. 0, or -errno with *@what set.
 */
static int eth_fanout_open(struct lana_dev *d, unsigned int nw,
			   const char **what)
{
	uint32_t fanout = 0;
	struct eth_sock s;
	unsigned int i;
	int err;

	d->q = calloc(nw, sizeof(*d->q));
	if (!d->q) {
		*what = "queues";
		return -ENOMEM;
	}
	d->q[0] = d;
	d->nq = nw;
	/* the unbound socket of the device: promiscuous membership */
	d->pfd = d->fd;
	d->fd = -1;
	for (i = 0; i < nw; i++) {
		struct lana_dev *qd = d;

		if (i) {
			qd = dev_new(d->b, DEV_ETH, d->name);
			if (!qd) {
				*what = "queues";
				return -ENOMEM;
			}
			qd->head = d;
			qd->ifindex = d->ifindex;
			d->q[i] = qd;
		}
		err = eth_sock_open(&s, d->ifindex, &fanout, what);
		if (err)
			return err;
		eth_sock_install(qd, &s);
	}
	return 0;
}

/*
 * eth over AF_XDP (runtime/xsk.h) unless @flags force AF_PACKET: true if
 * it opened. Otherwise the reason is logged, as a warning when mode = xdp
 * asked for it, and AF_PACKET goes on.
 */
static bool dev_xsk_open(struct lana_dev *d, unsigned int flags)
{
	bool want = flags & LANA_DEV_MODE_XDP;
	char why[256];

	if (flags & LANA_DEV_MODE_PACKET)
		return false;
	if (lana_xsk_open(d->b, d->name, want ? 0 : LANA_XSK_ZC_ONLY,
			  &d->xsk, why, sizeof(why)) == 0) {
		lana_engine_log(d->b->eng, LOG_INFO, "eth '%s': AF_XDP (%s)",
				d->name, lana_xsk_describe(d->xsk));
		return true;
	}
	lana_engine_log(d->b->eng, want ? LOG_WARNING : LOG_INFO,
			"eth '%s': mode %s: AF_PACKET instead of AF_XDP: %s",
			d->name, want ? "xdp" : "auto", why);
	return false;
}

/*
 * eth @d over AF_XDP with @nw workers: its queue sockets in groups, one
 * per worker up to one per queue (queue i in group i mod groups:
 * round robin), each group a queue device of @d polled by its worker, as
 * the sockets of "Fanout" are. 0 or -errno.
 */
static int dev_xsk_spread(struct lana_dev *d, unsigned int nw)
{
	int n = nw > 1 ? lana_xsk_spread(d->xsk, nw) : 1;
	unsigned int i;

	if (n < 0)
		return n;
	if (n == 1)
		return 0;
	d->q = calloc((size_t)n, sizeof(*d->q));
	if (!d->q)
		return -ENOMEM;
	d->q[0] = d;
	d->nq = (unsigned int)n;
	for (i = 1; i < d->nq; i++) {
		struct lana_dev *qd = dev_new(d->b, DEV_ETH, d->name);

		if (!qd)
			return -ENOMEM;
		qd->head = d;
		qd->ifindex = d->ifindex;
		qd->xsk = d->xsk;
		qd->xq = i;
		d->q[i] = qd;
	}
	lana_engine_log(d->b->eng, LOG_INFO, "eth '%s': AF_XDP queues over "
			"%u workers", d->name, d->nq);
	return 0;
}

struct lana_dev *lana_dev_open(struct lana_block *b, const char *ifname,
			       unsigned int flags)
{
	struct lana_dev *d = dev_new(b, DEV_ETH, ifname);
	unsigned int nw = b && b->eng ? lana_engine_nr_workers(b->eng) : 1;
	struct eth_sock s;
	const char *what;
	int err;

	if (!d)
		return NULL;
	d->ifindex = (int)if_nametoindex(ifname);
	if (!d->ifindex) {
		lana_block_error(b, "no such network interface '%s'", ifname);
		goto fail;
	}
	if (nw > 1) {
		d->rx_w = aligned_alloc(64, (size_t)nw * RXW_STRIDE *
					    sizeof(*d->rx_w));
		if (!d->rx_w) {
			err = -ENOMEM;
			what = "counters";
			goto fail_err;
		}
		memset(d->rx_w, 0, (size_t)nw * RXW_STRIDE * sizeof(*d->rx_w));
		d->nw = nw;
	}
	/* unbound (protocol 0): receives nothing */
	d->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		err = -errno;
		what = "AF_PACKET socket";
		goto fail_err;
	}
	if (dev_xsk_open(d, flags)) {
		/* the socket only for promisc membership */
		err = dev_xsk_spread(d, nw);
		if (err) {
			what = "AF_XDP queues";
			goto fail_err;
		}
		goto opened;
	}
	if (nw > 1) {
		err = eth_fanout_open(d, nw, &what);
		if (err)
			goto fail_err;
		goto opened;
	}
	close(d->fd);
	d->fd = -1;
	err = eth_sock_open(&s, d->ifindex, NULL, &what);
	if (err)
		goto fail_err;
	eth_sock_install(d, &s);
opened:
	if (flags & LANA_DEV_PROMISC) {
		err = lana_dev_set_promisc(d, true);
		if (err) {
			what = "promiscuous mode";
			goto fail_err;
		}
	}
	if (dev_register(d))
		goto fail;
	return d;

fail_err:
	lana_block_error(b, "network interface '%s': %s: %s", ifname, what,
			 strerror(-err));
fail:
	dev_destroy(d);
	return NULL;
}

int lana_dev_set_promisc(struct lana_dev *d, bool on)
{
	struct ifreq ifr;
	int err, s;

	pthread_mutex_lock(&d->ctl);
	if (d->promisc == on) {
		err = 0;
	} else if (d->kind == DEV_ETH && atomic_load(&d->gone)) {
		err = 0;	/* the interface is gone: set on reattach */
	} else if (d->kind == DEV_ETH) {
		/* Reference-counted by the kernel, undone on close. */
		err = eth_membership(d, on);
	} else {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, d->name);
		err = 0;
		if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
			err = -errno;
		} else {
			if (on)
				ifr.ifr_flags |= IFF_PROMISC;
			else
				ifr.ifr_flags &= ~IFF_PROMISC;
			if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
				err = -errno;
		}
		close(s);
	}
	if (!err)
		d->promisc = on;
	pthread_mutex_unlock(&d->ctl);
	return err;
}

/* Ring slot @i (the slots of a block are contiguous, blocks too). */
static struct tpacket2_hdr *eth_slot(struct lana_dev *d, unsigned int i)
{
	return (struct tpacket2_hdr *)(d->ring +
				       (size_t)i * LANA_DEV_RING_FRAME_SIZE);
}

/*
 * Metadata of a received frame from its virtio-net header (virtio spec
 * 1.1 sec. 5.1.6; packet sockets use the host's byte order, vio_le()).
 * Returns false when the header does not fit a frame of @len bytes.
 */
static bool vnet_to_off(const struct virtio_net_hdr *vh, uint32_t len,
			struct lana_pkt_offload *o)
{
	memset(o, 0, sizeof(*o));
	o->flags = vh->flags & (LANA_PKT_F_NEEDS_CSUM | LANA_PKT_F_DATA_VALID);
	if (o->flags & LANA_PKT_F_NEEDS_CSUM) {
		o->csum_start = vh->csum_start;
		o->csum_offset = vh->csum_offset;
		if ((uint32_t)o->csum_start + o->csum_offset + 2 > len)
			return false;
	}
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		o->gso_type = vh->gso_type;
		o->gso_size = vh->gso_size;
		o->hdr_len = vh->hdr_len;
		if (!o->gso_size)
			return false;
	}
	return true;
}

/* The virtio-net header that sends @p's metadata along (transmit). */
static void off_to_vnet(const struct lana_pkt *p, struct virtio_net_hdr *vh)
{
	const struct lana_pkt_offload *o = &p->off;

	memset(vh, 0, sizeof(*vh));
	if (o->flags & LANA_PKT_F_NEEDS_CSUM) {
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = o->csum_start;
		vh->csum_offset = o->csum_offset;
	}
	if (o->gso_type != LANA_GSO_NONE) {
		vh->gso_type = o->gso_type;
		vh->gso_size = o->gso_size;
		vh->hdr_len = o->hdr_len;
	}
}

/*
 * Put a VLAN tag the kernel stripped (TP_STATUS_VLAN_VALID) back after
 * the MAC addresses of the frame at @out, whose @len bytes start 4 bytes
 * in (at out + VLAN_HLEN_).
 */
static void eth_untag(uint8_t *out, uint16_t tpid, uint16_t tci)
{
	memmove(out, out + VLAN_HLEN_, 2 * ETH_ALEN);
	out[12] = tpid >> 8;
	out[13] = tpid & 0xff;
	out[14] = tci >> 8;
	out[15] = tci & 0xff;
}

/*
 * A frame larger than a ring slot (TP_STATUS_COPY): read its full copy,
 * queued in order on the socket's receive queue, into @p's buffer at
 * @at, its virtio-net header into @vh. Returns the frame length or -1.
 */
static ssize_t eth_read_copy(struct lana_dev *d, uint8_t *at, uint32_t room,
			     struct virtio_net_hdr *vh)
{
	struct iovec iov[2] = {
		{ .iov_base = vh, .iov_len = VNET_HLEN },
		{ .iov_base = at, .iov_len = room },
	};
	struct msghdr mh = {
		.msg_iov = d->vnet ? iov : iov + 1,
		.msg_iovlen = d->vnet ? 2 : 1,
	};
	ssize_t r;

	do {
		r = recvmsg(d->fd, &mh, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0 || (mh.msg_flags & MSG_TRUNC))
		return -1;
	if (d->vnet)
		r -= VNET_HLEN;
	return r < 0 ? -1 : r;
}

/*
 * Copy one ring frame into a packet; NULL when it is dropped (counted in
 * *drops). A tag stripped into the header goes back after the MACs; the
 * virtio-net header's offsets move with it (lana_pkt_shift()).
 */
static struct lana_pkt *eth_frame(struct lana_dev *d, struct tpacket2_hdr *h,
				  uint32_t status, uint64_t *drops)
{
	const uint8_t *frame = (const uint8_t *)h + h->tp_mac;
	struct sockaddr_ll *sll = (struct sockaddr_ll *)
		((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	bool tag = (status & TP_STATUS_VLAN_VALID) &&
		   h->tp_snaplen >= 2 * ETH_ALEN;
	uint32_t extra = tag ? VLAN_HLEN_ : 0, len = h->tp_len;
	uint16_t tpid = ETH_P_8021Q;
	struct virtio_net_hdr vh;
	struct lana_pkt *p;
	uint8_t *out;

	if (d->skip_outgoing && sll->sll_pkttype == PACKET_OUTGOING) {
		if (status & TP_STATUS_COPY)	/* keep the queue in step */
			(void)recv(d->fd, &vh, sizeof(vh), MSG_DONTWAIT);
		return NULL;	/* not a drop: not ours to receive */
	}
	if (h->tp_snaplen < len && !(status & TP_STATUS_COPY)) {
		(*drops)++;	/* truncated, and no copy queued */
		return NULL;
	}
	if (len > DEV_MAX_FRAME)
		len = DEV_MAX_FRAME;
	p = lana_pkt_get(len + extra);
	if (!p) {
		if (status & TP_STATUS_COPY)
			(void)recv(d->fd, &vh, sizeof(vh), MSG_DONTWAIT);
		(*drops)++;
		return NULL;
	}
	out = lana_pkt_data(p);
	if (status & TP_STATUS_COPY) {
		ssize_t r = eth_read_copy(d, out + extra, len, &vh);

		if (r < 2 * ETH_ALEN) {
			lana_pkt_free(p);
			(*drops)++;
			return NULL;
		}
		len = (uint32_t)r;
	} else {
		memcpy(out + extra, frame, len);
		if (d->vnet)
			memcpy(&vh, frame - VNET_HLEN, VNET_HLEN);
	}
	lana_pkt_trim(p, len + extra);
	if (d->vnet && !vnet_to_off(&vh, len, &p->off)) {
		lana_pkt_free(p);
		(*drops)++;
		return NULL;
	}
	if (tag) {
		if ((status & TP_STATUS_VLAN_TPID_VALID) && h->tp_vlan_tpid)
			tpid = h->tp_vlan_tpid;
		eth_untag(out, tpid, h->tp_vlan_tci);
		lana_pkt_shift(p, VLAN_HLEN_);
	}
	p->ts_ns = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;
	return p;
}

/* Walk the ring (packet_mmap.rst, TPACKET_V2): slot by slot, in order. */
static int eth_poll(struct lana_dev *d, struct lana_burst *v)
{
	struct tpacket2_hdr *h;
	struct lana_pkt *p;
	uint64_t drops = 0;
	unsigned int n = 0;
	uint32_t status;

	if (atomic_load_explicit(&d->swap, memory_order_relaxed))
		eth_swap_take(d);	/* a reattach built a new socket */
	while (n < LANA_BURST) {
		h = eth_slot(d, d->cur);
		status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (!(status & TP_STATUS_USER))
			break;
		p = eth_frame(d, h, status, &drops);
		if (p)
			v->pkt[n++] = p;
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		d->cur = (d->cur + 1) % d->frame_nr;
	}
	v->n = n;
	if (n)
		atomic_fetch_add_explicit(&d->rx, n, memory_order_relaxed);
	if (drops)
		atomic_fetch_add_explicit(&d->rx_drops, drops,
					  memory_order_relaxed);
	return (int)n;
}

/* Free every packet of @v (transmitted or not), marking them stolen. */
static void burst_consume(struct lana_burst *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++) {
		if (v->pkt[i]) {
			lana_pkt_free(v->pkt[i]);
			v->pkt[i] = NULL;
		}
		v->verdict[i] = LANA_STOLEN;
	}
}

/* Send one frame of @p on @d behind virtio-net header @hdr (NULL: none). */
static bool dev_send_one(struct lana_dev *d, const struct virtio_net_hdr *hdr,
			 struct lana_pkt *p)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = VNET_HLEN },
		{ .iov_base = lana_pkt_data(p), .iov_len = lana_pkt_len(p) },
	};
	ssize_t r;

	do {
		if (d->kind == DEV_ETH) {
			struct msghdr mh = {
				.msg_iov = hdr ? iov : iov + 1,
				.msg_iovlen = hdr ? 2 : 1,
			};

			r = sendmsg(d->fd, &mh, MSG_DONTWAIT);
		} else {
			r = writev(d->fd, hdr ? iov : iov + 1, hdr ? 2 : 1);
		}
	} while (r < 0 && errno == EINTR);
	return r > 0;
}

/*
 * Complete @p in software (checksum, segmentation: runtime/offload.c) and
 * send the result as plain frames: for a device that takes no metadata,
 * or a frame whose metadata the kernel refused. Consumes @p and its
 * segments; true if every segment left.
 */
static bool dev_send_soft(struct lana_dev *d, struct lana_pkt *p)
{
	static const struct virtio_net_hdr none;
	struct lana_pkt *next;
	bool ok = true;

	if (lana_pkt_finish(p) < 0) {
		lana_pkt_free(p);
		return false;
	}
	for (; p; p = next) {
		next = p->next;
		p->next = NULL;
		if (!dev_send_one(d, d->vnet ? &none : NULL, p))
			ok = false;
		lana_pkt_free(p);
	}
	return ok;
}

/*
 * Take packet @i out of @v and send it completed in software
 * (dev_send_soft()); counts it in *@sent or *@dropped.
 */
static void dev_steal_soft(struct lana_dev *d, struct lana_burst *v,
			   unsigned int i, unsigned int *sent,
			   unsigned int *dropped)
{
	struct lana_pkt *p = v->pkt[i];

	v->pkt[i] = NULL;
	if (dev_send_soft(d, p))
		(*sent)++;
	else
		(*dropped)++;
}

/* Add a transmit burst's outcome to @d's counters. */
static void dev_count_tx(struct lana_dev *d, unsigned int sent,
			 unsigned int dropped)
{
	if (sent)
		atomic_fetch_add_explicit(&d->tx, sent, memory_order_relaxed);
	if (dropped)
		atomic_fetch_add_explicit(&d->tx_drops, dropped,
					  memory_order_relaxed);
}

/*
 * Batched transmit with sendmmsg(2) on the bound socket, each frame behind
 * its virtio-net header when the socket takes them (PACKET_VNET_HDR), so
 * partial checksums and GSO super-frames leave with their metadata and
 * the kernel completes them as for any local sender (packet(7)).
 */
static unsigned int eth_xmit(struct lana_dev *d, struct lana_burst *v)
{
	struct mmsghdr msg[LANA_BURST];
	struct iovec iov[LANA_BURST][2];
	struct virtio_net_hdr vh[LANA_BURST];
	unsigned int i, n = v->n, sent = 0, dropped = 0;
	int r, err;

	if (atomic_load_explicit(&dev_head(d)->gone, memory_order_relaxed)) {
		/* no interface: every frame is a drop, no system call */
		atomic_fetch_add_explicit(&d->tx_drops, n,
					  memory_order_relaxed);
		return 0;
	}
	for (i = 0; i < n; i++)		/* no metadata on this socket */
		if (!d->vnet && lana_pkt_partial(v->pkt[i]))
			dev_steal_soft(d, v, i, &sent, &dropped);
	for (i = 0; i < n; i++) {
		memset(&msg[i], 0, sizeof(msg[i]));
		if (!v->pkt[i])
			continue;
		off_to_vnet(v->pkt[i], &vh[i]);
		iov[i][0].iov_base = &vh[i];
		iov[i][0].iov_len = VNET_HLEN;
		iov[i][1].iov_base = lana_pkt_data(v->pkt[i]);
		iov[i][1].iov_len = lana_pkt_len(v->pkt[i]);
		msg[i].msg_hdr.msg_iov = d->vnet ? iov[i] : iov[i] + 1;
		msg[i].msg_hdr.msg_iovlen = d->vnet ? 2 : 1;
	}
	i = 0;
	while (i < n) {
		unsigned int m = 0;

		while (i < n && !v->pkt[i])	/* sent in software above */
			i++;
		while (i + m < n && v->pkt[i + m])
			m++;
		if (!m)
			break;
		r = sendmmsg(d->fd, msg + i, m, MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			i += r;
			continue;
		}
		err = r < 0 ? errno : EIO;
		if (err == EINTR)
			continue;
		if (err == EAGAIN || err == ENOBUFS || err == ENETDOWN ||
		    err == ENXIO) {
			/*
			 * Queue full: drop the rest rather than spin; link
			 * down or interface gone: the rest fails alike.
			 */
			for (; i < n; i++)
				if (v->pkt[i])
					dropped++;
			break;
		}
		/*
		 * This frame is bad for the kernel (EINVAL: metadata it does
		 * not accept, EMSGSIZE): a partial frame is completed in
		 * software and sent plain.
		 */
		if (d->vnet && lana_pkt_partial(v->pkt[i]))
			dev_steal_soft(d, v, i, &sent, &dropped);
		else
			dropped++;
		i++;
	}
	dev_count_tx(d, sent, dropped);
	return sent;
}

/* ------------------------------------------------------------- tap */

static int tap_ifreq(int s, unsigned long req, struct ifreq *ifr)
{
	return ioctl(s, req, ifr) < 0 ? -errno : 0;
}

/*
 * Frames through the tap carry a virtio-net header (IFF_VNET_HDR, size
 * set explicitly), and the device offers the host's stack checksum and
 * segmentation offload (TUNSETOFFLOAD, tuntap.rst): the host hands the
 * graph partial checksums and TSO (and, where the kernel has it, USO)
 * super-frames instead of segmenting and checksumming each frame itself.
 */
static int tap_offload(struct lana_dev *d)
{
	int hlen = (int)VNET_HLEN;
	unsigned long off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
			    TUN_F_TSO_ECN;

	if (ioctl(d->fd, TUNSETVNETHDRSZ, &hlen) < 0)
		return -errno;
	d->vnet = true;
#if defined(TUN_F_USO4) && defined(TUN_F_USO6)
	if (ioctl(d->fd, TUNSETOFFLOAD, off | TUN_F_USO4 | TUN_F_USO6) == 0)
		return 0;
#endif
	if (ioctl(d->fd, TUNSETOFFLOAD, off) < 0)
		return -errno;
	return 0;
}

struct lana_dev *lana_tap_open(struct lana_block *b, const char *ifname,
			       const uint8_t *mac, uint32_t mtu)
{
	struct lana_dev *d = dev_new(b, DEV_TAP, ifname);
	struct ifreq ifr;
	const char *what;
	int s = -1, err;

	if (!d)
		return NULL;
	d->mtu = mtu ? mtu : 1500;
	d->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0) {
		err = -errno;
		what = "cannot open /dev/net/tun";
		goto fail_err;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR;
	if (ioctl(d->fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		what = err == -EINVAL || err == -EBUSY ?
		       "cannot create (a different device of that name "
		       "exists?)" : "cannot create";
		goto fail_err;
	}
	d->ifindex = (int)if_nametoindex(ifname);
	err = tap_offload(d);
	if (err) {
		what = "cannot set the virtio-net header and offloads";
		goto fail_err;
	}

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		err = -errno;
		what = "socket";
		goto fail_err;
	}
	if (mac) {
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, ifname);
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, ETH_ALEN);
		err = tap_ifreq(s, SIOCSIFHWADDR, &ifr);
		if (err) {
			what = "cannot set MAC address";
			goto fail_err;
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_mtu = (int)d->mtu;
	err = tap_ifreq(s, SIOCSIFMTU, &ifr);
	if (err) {
		what = "cannot set MTU";
		goto fail_err;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	err = tap_ifreq(s, SIOCGIFFLAGS, &ifr);
	if (!err) {
		ifr.ifr_flags |= IFF_UP;
		err = tap_ifreq(s, SIOCSIFFLAGS, &ifr);
	}
	if (err) {
		what = "cannot bring the device up";
		goto fail_err;
	}
	close(s);
	s = -1;
	if (dev_register(d))
		goto fail;
	return d;

fail_err:
	lana_block_error(b, "tap device '%s': %s: %s", ifname, what,
			 strerror(-err));
fail:
	if (s >= 0)
		close(s);
	dev_destroy(d);
	return NULL;
}

/*
 * Read up to a burst of frames the host sent, each behind its virtio-net
 * header: readv(2) into a super-frame buffer (pooled, lana_pkt_get()), so
 * that a TSO frame of up to 64 KiB arrives whole without a copy; a frame
 * that fits a standard buffer is moved into one, the big buffer reused.
 */
static int tap_poll(struct lana_dev *d, struct lana_burst *v)
{
	const uint32_t room = LANA_PKT_BIG_SIZE - LANA_PKT_HEADROOM;
	const uint32_t std = LANA_PKT_STD_SIZE - LANA_PKT_HEADROOM;
	struct virtio_net_hdr vh;
	struct iovec iov[2];
	unsigned int n = 0;
	uint64_t drops = 0;
	struct lana_pkt *p = NULL, *q;
	ssize_t r;
	uint32_t len;
	int err = 0;

	while (n < LANA_BURST) {
		if (!p)
			p = lana_pkt_get(room);
		if (!p) {
			drops++;
			break;
		}
		iov[0] = (struct iovec){ .iov_base = &vh, .iov_len = VNET_HLEN };
		iov[1] = (struct iovec){ .iov_base = lana_pkt_data(p),
					 .iov_len = room };
		r = readv(d->fd, iov, 2);
		if (r <= 0) {
			err = r < 0 ? errno : 0;
			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EIO)
				err = 0;	/* nothing waiting, or down */
			break;		/* else EBADFD: device deleted */
		}
		if ((uint32_t)r < VNET_HLEN + 2 * ETH_ALEN) {
			drops++;
			continue;
		}
		len = (uint32_t)r - VNET_HLEN;
		q = p;
		if (len <= std && (q = lana_pkt_get(len)))
			memcpy(lana_pkt_data(q), lana_pkt_data(p), len);
		else
			q = p;
		if (q == p)
			p = NULL;	/* the big buffer leaves with the frame */
		q->len = len;
		if (!vnet_to_off(&vh, len, &q->off)) {
			if (q != p)
				lana_pkt_free(q);
			drops++;
			continue;
		}
		q->ts_ns = 0;
		v->pkt[n++] = q;
	}
	if (p)
		lana_pkt_free(p);
	v->n = n;
	if (n)
		atomic_fetch_add_explicit(&d->rx, n, memory_order_relaxed);
	if (drops)
		atomic_fetch_add_explicit(&d->rx_drops, drops,
					  memory_order_relaxed);
	if (err && !n) {
		if (err == EBADFD)	/* the device was deleted */
			dev_gone(d);
		else
			dev_log(d, LOG_ERR, "device %s failed: %s", d->name,
				strerror(err));
		return -1;
	}
	return (int)n;
}

/*
 * Deliver frames to the host: one writev(2) per frame, behind its
 * virtio-net header; one the device refuses (EINVAL: metadata the kernel
 * does not accept) is completed in software and written plain.
 */
static unsigned int tap_xmit(struct lana_dev *d, struct lana_burst *v)
{
	unsigned int i, sent = 0, dropped = 0;
	struct virtio_net_hdr vh;
	struct lana_pkt *p;

	if (atomic_load_explicit(&d->gone, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&d->tx_drops, v->n,
					  memory_order_relaxed);
		return 0;
	}
	for (i = 0; i < v->n; i++) {
		p = v->pkt[i];
		off_to_vnet(p, &vh);
		if (dev_send_one(d, &vh, p))
			sent++;
		else if (errno == EINVAL && lana_pkt_partial(p))
			dev_steal_soft(d, v, i, &sent, &dropped);
		else
			dropped++;
	}
	dev_count_tx(d, sent, dropped);
	return sent;
}

/* ---------------------------------------------------------- common */

int lana_dev_poll(struct lana_dev *d, struct lana_burst *v)
{
	int r;

	v->n = 0;
	if (d->xsk)
		r = lana_xsk_poll_group(d->xsk, d->xq, v);
	else
		r = d->kind == DEV_ETH ? eth_poll(d, v) : tap_poll(d, v);
	if (r > 0)
		dev_count_worker(dev_head(d), (unsigned int)r);
	return r;
}

/*
 * The socket of eth @d the calling thread transmits on: a worker its own
 * queue's ("Fanout"), any other thread queue 0's.
 */
static struct lana_dev *eth_tx_queue(struct lana_dev *d)
{
	int w;

	if (d->nq <= 1)
		return d;
	w = lana_engine_worker();
	return w >= 0 ? d->q[(unsigned int)w % d->nq] : d;
}

unsigned int lana_dev_xmit(struct lana_dev *d, struct lana_burst *v)
{
	unsigned int sent;

	if (!v->n)
		return 0;
	if (d->xsk)
		sent = lana_xsk_xmit(d->xsk, v);
	else if (d->kind == DEV_ETH)
		sent = eth_xmit(eth_tx_queue(d), v);
	else
		sent = tap_xmit(d, v);
	burst_consume(v);
	return sent;
}

void lana_dev_close(struct lana_dev *d)
{
	if (d)
		dev_destroy(d);
}

void lana_dev_stats(const struct lana_dev *d, uint64_t *rx, uint64_t *tx,
		    uint64_t *drops)
{
	struct lana_dev *h = (struct lana_dev *)d;	/* counters only */
	uint64_t r = 0, t = 0, dr = 0;
	unsigned int i;

	if (d->xsk) {
		lana_xsk_stats(d->xsk, rx, tx, drops);
		return;
	}
	/* every queue's ("Fanout"): sums */
	for (i = 0; i < h->nq; i++) {
		struct lana_dev *m = h->nq > 1 ? h->q[i] : h;
		struct tpacket_stats_v3 st;
		socklen_t len = sizeof(st);

		/* The kernel resets its counters on every read: accumulate. */
		if (m->kind == DEV_ETH &&
		    getsockopt(m->fd, SOL_PACKET, PACKET_STATISTICS, &st,
			       &len) == 0)
			atomic_fetch_add_explicit(&m->ring_drops, st.tp_drops,
						  memory_order_relaxed);
		r += atomic_load_explicit(&m->rx, memory_order_relaxed);
		t += atomic_load_explicit(&m->tx, memory_order_relaxed);
		dr += atomic_load_explicit(&m->rx_drops,
					   memory_order_relaxed) +
		      atomic_load_explicit(&m->tx_drops,
					   memory_order_relaxed) +
		      atomic_load_explicit(&m->ring_drops,
					   memory_order_relaxed);
	}
	if (rx)
		*rx = r;
	if (tx)
		*tx = t;
	if (drops)
		*drops = dr;
}

unsigned int lana_dev_worker_rx(const struct lana_dev *d, uint64_t *rx,
				unsigned int max)
{
	unsigned int i, n = d->nw < max ? d->nw : max;

	for (i = 0; i < n; i++)
		rx[i] = atomic_load_explicit(&d->rx_w[(size_t)i * RXW_STRIDE],
					     memory_order_relaxed);
	return n;
}

int lana_dev_fd(const struct lana_dev *d)
{
	if (d->xsk)
		return lana_xsk_group_fd(d->xsk, d->xq);
	return d->fd;
}

const char *lana_dev_name(const struct lana_dev *d)
{
	return d->name;
}

int lana_dev_ifindex(const struct lana_dev *d)
{
	return d->ifindex;
}

/* ------------------------------------------- monitor (runtime/devmon.c) */

/*
 * Fanout ("Fanout" above): new sockets in a new group for gone eth @d on
 * interface @ifindex, each handed to the worker of its queue (ctl held).
 * All or nothing: 0, or -errno with *@what set and nothing handed over.
 */
static int eth_fanout_rebuild(struct lana_dev *d, int ifindex,
			      const char **what)
{
	struct eth_sock **ns = calloc(d->nq, sizeof(*ns)), *old;
	uint32_t fanout = 0;
	unsigned int i;
	int err = 0;

	if (!ns) {
		*what = "queues";
		return -ENOMEM;
	}
	for (i = 0; i < d->nq && !err; i++) {
		ns[i] = malloc(sizeof(*ns[i]));
		if (!ns[i]) {
			*what = "queues";
			err = -ENOMEM;
			break;
		}
		err = eth_sock_open(ns[i], ifindex, &fanout, what);
		if (err) {
			free(ns[i]);
			ns[i] = NULL;
		} else if (ns[i]->vnet != d->q[i]->vnet) {
			*what = "PACKET_VNET_HDR";
			err = -EPROTO;	/* senders rely on it */
		}
	}
	for (i = 0; i < d->nq; i++) {
		if (!ns[i])
			continue;
		if (err) {
			eth_sock_close(ns[i]);
			free(ns[i]);
			continue;
		}
		old = atomic_exchange_explicit(&d->q[i]->swap, ns[i],
					       memory_order_release);
		if (old) {	/* built by an earlier reattach, not taken */
			eth_sock_close(old);
			free(old);
		}
	}
	free(ns);
	return err;
}

/*
 * Bind the gone eth @d to interface @ifindex, which has its name (ctl
 * held); with fanout, build new sockets for its queues instead. Nothing
 * changes when bind(2) fails (deleted again meanwhile): the next
 * notification or recheck tries again; the failure is logged once.
 */
static void eth_reattach(struct lana_dev *d, int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	const char *what = "bind";
	int err;

	if (d->nq > 1)
		err = eth_fanout_rebuild(d, ifindex, &what);
	else
		err = bind(d->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ?
		      -errno : 0;
	if (err) {
		if (!d->retry_logged)
			dev_log(d, LOG_WARNING, "interface %s (ifindex %d) "
				"cannot be attached yet: %s: %s", d->name,
				ifindex, what, strerror(-err));
		d->retry_logged = true;
		return;
	}
	d->ifindex = ifindex;
	/* the kernel dropped the membership with the old interface */
	if (d->promisc && (err = eth_membership(d, true)))
		dev_log(d, LOG_WARNING, "interface %s: cannot restore "
			"promiscuous mode: %s", d->name, strerror(-err));
	/* binding to an interface that is still down sets ENETDOWN */
	(void)sock_clear_error(d->fd);
	d->retry_logged = false;
	atomic_store_explicit(&d->gone, false, memory_order_release);
	dev_log(d, LOG_NOTICE, "interface %s is back (ifindex %d)", d->name,
		ifindex);
}

/* Whether interface index @ifindex exists (no: ENXIO from the kernel). */
static bool ifindex_exists(int ifindex)
{
	char name[IFNAMSIZ];

	return if_indextoname((unsigned int)ifindex, name) || errno != ENXIO;
}

/*
 * Only an eth follows notifications: a tap moved to another namespace
 * leaves this one (RTM_DELLINK here) but its descriptor still works; a tap
 * deleted is found by its poll (EBADFD).
 */
void lana_dev_link_event(struct lana_dev *d, const struct lana_link_event *ev)
{
	/* AF_XDP: not followed yet; a queue: its device follows */
	if (d->kind != DEV_ETH || d->xsk || d->head)
		return;
	pthread_mutex_lock(&d->ctl);
	if (!atomic_load(&d->gone)) {
		if (ev->deleted && ev->ifindex == d->ifindex)
			dev_gone(d);
	} else if (!ev->deleted && !strcmp(ev->name, d->name)) {
		eth_reattach(d, ev->ifindex);
	}
	pthread_mutex_unlock(&d->ctl);
}

bool lana_dev_sock_error(struct lana_dev *d)
{
	struct lana_dev *h = dev_head(d);
	bool had;

	if (d->kind != DEV_ETH || d->xsk)
		return false;
	had = sock_clear_error(d->fd) != 0;
	pthread_mutex_lock(&h->ctl);
	if (!atomic_load(&h->gone) && !ifindex_exists(h->ifindex))
		dev_gone(h);
	pthread_mutex_unlock(&h->ctl);
	return had;
}

void lana_dev_recheck(struct lana_dev *d, bool full)
{
	unsigned int idx;

	if (d->kind != DEV_ETH || d->xsk || d->head)	/* as link_event */
		return;
	pthread_mutex_lock(&d->ctl);
	if (atomic_load(&d->gone)) {
		if ((idx = if_nametoindex(d->name)))
			eth_reattach(d, (int)idx);
	} else if (full && !ifindex_exists(d->ifindex)) {
		dev_gone(d);
	}
	pthread_mutex_unlock(&d->ctl);
}

int lana_dev_watch_fd(const struct lana_dev *d)
{
	return d->kind == DEV_ETH && !d->xsk ? d->fd : -1;
}
