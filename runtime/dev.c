// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/dev.c - device I/O of the userspace engine: AF_PACKET (eth) and
 * TAP (tap) behind the lana_dev_* calls of blocks/lana_block.h.
 *
 * Receive is pulled by the worker the engine pins the device to
 * (lana_dev_poll()); transmit is pushed by whichever worker runs the
 * owning block's rx op (lana_dev_xmit()). References: packet(7),
 * Documentation/networking/packet_mmap.rst (TPACKET_V3 ring walk),
 * Documentation/networking/tuntap.rst, netdevice(7) (SIOCSIF* ioctls).
 */
#include "dev.h"
#include "engine_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdatomic.h>
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

#define DEV_SNDBUF	(4 << 20)	/* socket send buffer, bytes */
#define ETH_HLEN_	14
#define VLAN_HLEN_	4

enum dev_kind { DEV_ETH, DEV_TAP };

/*
 * struct lana_dev - one opened device.
 * Receive-side fields (@rx_*, @cur) belong to the polling worker, the
 * counters are atomics updated once per burst; @rx and @tx sit on separate
 * cache lines because different threads write them.
 */
struct lana_dev {
	enum dev_kind kind;
	int fd;
	int ifindex;
	bool promisc;
	bool skip_outgoing;	/* PACKET_IGNORE_OUTGOING unavailable */
	bool registered;	/* lana_engine_dev_add() done */
	char name[IFNAMSIZ];
	struct lana_block *b;
	uint32_t mtu;		/* tap: read buffer sizing */

	/* eth: TPACKET_V3 ring */
	uint8_t *ring;
	size_t ring_len;
	unsigned int cur;	/* ring block being read */
	unsigned int rx_left;	/* frames left in it; 0 = not entered */
	struct tpacket3_hdr *rx_next;

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
	d->b = b;
	strcpy(d->name, ifname);
	return d;
}

static void dev_destroy(struct lana_dev *d)
{
	if (d->registered && d->b && d->b->eng)
		lana_engine_dev_del(d->b->eng, d);
	if (d->ring)
		munmap(d->ring, d->ring_len);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

static int dev_register(struct lana_dev *d)
{
	int err;

	if (!d->b->eng)		/* stand-alone use (tests): caller polls */
		return 0;
	err = lana_engine_dev_add(d->b->eng, d->b, d, d->fd);
	if (err) {
		lana_block_error(d->b, "cannot register device '%s': %s",
				 d->name, strerror(-err));
		return err;
	}
	d->registered = true;
	return 0;
}

/* ------------------------------------------------------------- eth */

static int eth_membership(struct lana_dev *d, bool on)
{
	struct packet_mreq mr = {
		.mr_ifindex = d->ifindex,
		.mr_type = PACKET_MR_PROMISC,
	};

	if (setsockopt(d->fd, SOL_PACKET,
		       on ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
		       &mr, sizeof(mr)) < 0)
		return -errno;
	return 0;
}

/* Set up the TPACKET_V3 RX ring (packet_mmap.rst, "TPACKET_V3"). */
static int eth_ring(struct lana_dev *d)
{
	int ver = TPACKET_V3;
	struct tpacket_req3 req = {
		.tp_block_size = LANA_DEV_RING_BLOCK_SIZE,
		.tp_block_nr = LANA_DEV_RING_BLOCKS,
		.tp_frame_size = LANA_DEV_RING_FRAME_SIZE,
		.tp_frame_nr = LANA_DEV_RING_BLOCK_SIZE /
			       LANA_DEV_RING_FRAME_SIZE * LANA_DEV_RING_BLOCKS,
		.tp_retire_blk_tov = LANA_DEV_RING_TIMEOUT_MS,
	};
	void *ring;

	if (setsockopt(d->fd, SOL_PACKET, PACKET_VERSION, &ver,
		       sizeof(ver)) < 0)
		return -errno;
	if (setsockopt(d->fd, SOL_PACKET, PACKET_RX_RING, &req,
		       sizeof(req)) < 0)
		return -errno;
	d->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	ring = mmap(NULL, d->ring_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, d->fd, 0);
	if (ring == MAP_FAILED)
		return -errno;
	d->ring = ring;
	return 0;
}

struct lana_dev *lana_dev_open(struct lana_block *b, const char *ifname,
			       unsigned int flags)
{
	struct lana_dev *d = dev_new(b, DEV_ETH, ifname);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, sndbuf = DEV_SNDBUF, err;
	const char *what;

	if (!d)
		return NULL;
	d->ifindex = (int)if_nametoindex(ifname);
	if (!d->ifindex) {
		lana_block_error(b, "no such network interface '%s'", ifname);
		goto fail;
	}
	/*
	 * Protocol 0: receive nothing until bound, so the ring never sees
	 * frames of other interfaces.
	 */
	d->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		err = -errno;
		what = "AF_PACKET socket";
		goto fail_err;
	}
	err = eth_ring(d);
	if (err) {
		what = "TPACKET_V3 ring";
		goto fail_err;
	}
	if (setsockopt(d->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0)
		d->skip_outgoing = true;
	if (setsockopt(d->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0)
		(void)setsockopt(d->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				 sizeof(sndbuf));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = d->ifindex;
	if (bind(d->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		what = "bind";
		goto fail_err;
	}
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

	if (d->promisc == on)
		return 0;
	if (d->kind == DEV_ETH) {
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
	return err;
}

/* Hand ring block d->cur back to the kernel and move to the next one. */
static void eth_block_done(struct lana_dev *d)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)
		(d->ring + (size_t)d->cur * LANA_DEV_RING_BLOCK_SIZE);

	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	d->cur = (d->cur + 1) % LANA_DEV_RING_BLOCKS;
	d->rx_left = 0;
	d->rx_next = NULL;
}

/*
 * Copy one ring frame into a packet; NULL when it is dropped (counted in
 * *drops). A tag stripped into the header goes back after the MACs.
 */
static struct lana_pkt *eth_frame(struct lana_dev *d, struct tpacket3_hdr *h,
				  uint64_t *drops)
{
	const uint8_t *frame = (const uint8_t *)h + h->tp_mac;
	struct sockaddr_ll *sll = (struct sockaddr_ll *)
		((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	bool tag = (h->tp_status & TP_STATUS_VLAN_VALID) &&
		   h->tp_snaplen >= 2 * ETH_ALEN;
	uint16_t tpid = ETH_P_8021Q;
	struct lana_pkt *p;
	uint8_t *out;

	if (d->skip_outgoing && sll->sll_pkttype == PACKET_OUTGOING)
		return NULL;	/* not a drop: not ours to receive */
	if (h->tp_snaplen < h->tp_len) {
		(*drops)++;	/* truncated by the ring */
		return NULL;
	}
	p = lana_pkt_get(h->tp_snaplen + (tag ? VLAN_HLEN_ : 0));
	if (!p) {
		(*drops)++;
		return NULL;
	}
	out = lana_pkt_data(p);
	if (tag) {
		if ((h->tp_status & TP_STATUS_VLAN_TPID_VALID) &&
		    h->hv1.tp_vlan_tpid)
			tpid = h->hv1.tp_vlan_tpid;
		memcpy(out, frame, 2 * ETH_ALEN);
		out[12] = tpid >> 8;
		out[13] = tpid & 0xff;
		out[14] = h->hv1.tp_vlan_tci >> 8;
		out[15] = h->hv1.tp_vlan_tci & 0xff;
		memcpy(out + 2 * ETH_ALEN + VLAN_HLEN_, frame + 2 * ETH_ALEN,
		       h->tp_snaplen - 2 * ETH_ALEN);
	} else {
		memcpy(out, frame, h->tp_snaplen);
	}
	p->ts_ns = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;
	return p;
}

/* Walk the ring (packet_mmap.rst, TPACKET_V3 example). */
static int eth_poll(struct lana_dev *d, struct lana_burst *v)
{
	struct tpacket_block_desc *bd;
	struct lana_pkt *p;
	uint64_t drops = 0;
	unsigned int n = 0, blocks = 0;

	while (n < LANA_BURST) {
		if (!d->rx_left) {
			bd = (struct tpacket_block_desc *)
				(d->ring + (size_t)d->cur *
				 LANA_DEV_RING_BLOCK_SIZE);
			if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
					      __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				break;
			if (!bd->hdr.bh1.num_pkts) {
				eth_block_done(d);
				/* never spin over the whole ring twice */
				if (++blocks > LANA_DEV_RING_BLOCKS)
					break;
				continue;
			}
			d->rx_left = bd->hdr.bh1.num_pkts;
			d->rx_next = (struct tpacket3_hdr *)
				((uint8_t *)bd +
				 bd->hdr.bh1.offset_to_first_pkt);
		}
		p = eth_frame(d, d->rx_next, &drops);
		if (p)
			v->pkt[n++] = p;
		d->rx_next = (struct tpacket3_hdr *)
			((uint8_t *)d->rx_next + d->rx_next->tp_next_offset);
		if (!--d->rx_left)
			eth_block_done(d);
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

/* Batched transmit with sendmmsg(2) on the bound socket. */
static unsigned int eth_xmit(struct lana_dev *d, struct lana_burst *v)
{
	struct mmsghdr msg[LANA_BURST];
	struct iovec iov[LANA_BURST];
	unsigned int i, n = v->n, sent = 0, dropped = 0;
	int r;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = lana_pkt_data(v->pkt[i]);
		iov[i].iov_len = lana_pkt_len(v->pkt[i]);
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	i = 0;
	while (i < n) {
		r = sendmmsg(d->fd, msg + i, n - i, MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			i += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			/* queue full: drop the rest rather than spin */
			dropped += n - i;
			break;
		}
		/* this frame is bad (EMSGSIZE, EINVAL, ENETDOWN): skip it */
		dropped++;
		i++;
	}
	if (sent)
		atomic_fetch_add_explicit(&d->tx, sent, memory_order_relaxed);
	if (dropped)
		atomic_fetch_add_explicit(&d->tx_drops, dropped,
					  memory_order_relaxed);
	return sent;
}

/* ------------------------------------------------------------- tap */

static int tap_ifreq(int s, unsigned long req, struct ifreq *ifr)
{
	return ioctl(s, req, ifr) < 0 ? -errno : 0;
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (ioctl(d->fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		what = err == -EINVAL || err == -EBUSY ?
		       "cannot create (a different device of that name "
		       "exists?)" : "cannot create";
		goto fail_err;
	}
	d->ifindex = (int)if_nametoindex(ifname);

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
 * Read up to a burst of frames the host sent. A packet from the pool
 * holds LANA_PKT_STD_SIZE - headroom bytes; with a larger MTU a buffer
 * for MTU + Ethernet header + one VLAN tag is allocated.
 */
static int tap_poll(struct lana_dev *d, struct lana_burst *v)
{
	uint32_t room = d->mtu + ETH_HLEN_ + VLAN_HLEN_;
	unsigned int n = 0;
	uint64_t drops = 0;
	struct lana_pkt *p;
	ssize_t r;
	int err = 0;

	if (room < LANA_PKT_STD_SIZE - LANA_PKT_HEADROOM)
		room = LANA_PKT_STD_SIZE - LANA_PKT_HEADROOM;
	while (n < LANA_BURST) {
		p = lana_pkt_get(room);
		if (!p) {
			drops++;
			break;
		}
		r = read(d->fd, lana_pkt_data(p), room);
		if (r <= 0) {
			err = r < 0 ? errno : 0;
			lana_pkt_free(p);
			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EIO)
				err = 0;	/* nothing waiting, or down */
			break;		/* else EBADFD: device deleted */
		}
		lana_pkt_trim(p, (uint32_t)r);
		p->ts_ns = 0;
		v->pkt[n++] = p;
	}
	v->n = n;
	if (n)
		atomic_fetch_add_explicit(&d->rx, n, memory_order_relaxed);
	if (drops)
		atomic_fetch_add_explicit(&d->rx_drops, drops,
					  memory_order_relaxed);
	if (err && !n) {
		if (d->b->eng)
			lana_engine_log(d->b->eng, LOG_ERR,
					"tap device '%s' failed: %s", d->name,
					strerror(err));
		return -1;
	}
	return (int)n;
}

/* Deliver frames to the host: one write(2) per frame. */
static unsigned int tap_xmit(struct lana_dev *d, struct lana_burst *v)
{
	unsigned int i, sent = 0, dropped = 0;
	ssize_t r;

	for (i = 0; i < v->n; i++) {
		do {
			r = write(d->fd, lana_pkt_data(v->pkt[i]),
				  lana_pkt_len(v->pkt[i]));
		} while (r < 0 && errno == EINTR);
		if (r == (ssize_t)lana_pkt_len(v->pkt[i]))
			sent++;
		else
			dropped++;
	}
	if (sent)
		atomic_fetch_add_explicit(&d->tx, sent, memory_order_relaxed);
	if (dropped)
		atomic_fetch_add_explicit(&d->tx_drops, dropped,
					  memory_order_relaxed);
	return sent;
}

/* ---------------------------------------------------------- common */

int lana_dev_poll(struct lana_dev *d, struct lana_burst *v)
{
	v->n = 0;
	return d->kind == DEV_ETH ? eth_poll(d, v) : tap_poll(d, v);
}

unsigned int lana_dev_xmit(struct lana_dev *d, struct lana_burst *v)
{
	unsigned int sent;

	if (!v->n)
		return 0;
	sent = d->kind == DEV_ETH ? eth_xmit(d, v) : tap_xmit(d, v);
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
	struct lana_dev *m = (struct lana_dev *)d;	/* counters only */
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	/* The kernel resets its counters on every read: accumulate. */
	if (d->kind == DEV_ETH &&
	    getsockopt(d->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		atomic_fetch_add_explicit(&m->ring_drops, st.tp_drops,
					  memory_order_relaxed);
	if (rx)
		*rx = atomic_load_explicit(&m->rx, memory_order_relaxed);
	if (tx)
		*tx = atomic_load_explicit(&m->tx, memory_order_relaxed);
	if (drops)
		*drops = atomic_load_explicit(&m->rx_drops,
					      memory_order_relaxed) +
			 atomic_load_explicit(&m->tx_drops,
					      memory_order_relaxed) +
			 atomic_load_explicit(&m->ring_drops,
					      memory_order_relaxed);
}

int lana_dev_fd(const struct lana_dev *d)
{
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
