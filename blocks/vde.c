// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/vde.c - a plug into a VDE switch (Virtual Distributed Ethernet).
 *
 * vde(sock, port = 0)   in: eth -> out: eth (optional)
 *
 * A vlink like tap: frames entering at `in` are sent into the VDE network,
 * frames the switch delivers leave at `out`. Userspace engine only: the
 * connection is libvdeplug's (vde_open(), vde_datafd(), vde_recv(),
 * vde_send(), vde_close(); <libvdeplug.h>, Debian libvdeplug-dev).
 *
 * The protocol, for a classic vde_switch (vde-2 src/vde_switch/datasock.c,
 * libvdeplug4's libvdeplug_vde.c): the plug connects a SOCK_STREAM socket
 * to SOCK/ctl and sends a struct request_v3 (magic 0xfeedface, version 3,
 * REQ_NEW_CONTROL with the port number in the bits above 8, the path of
 * its own SOCK_DGRAM data socket, a description); the switch answers with
 * the path of the port's data socket, SOCK/NNN.FD, and the plug connects
 * its data socket to it. From then on every datagram is one Ethernet frame
 * (no header), both ways; the switch reads at most sizeof(struct packet)
 * = 14 + 1504 bytes (vde-2 src/vde_switch/port.h), ignores datagrams
 * shorter than an Ethernet header, and sends with a non-blocking socket,
 * dropping when the plug's receive queue is full. The control socket
 * stays silent; EOF on it means the switch went away.
 *
 * libvdeplug's vde_recv() and vde_send() ignore their flags argument
 * (libvdeplug_vde.c: recv(fddata, buf, len, 0)), so MSG_DONTWAIT cannot be
 * passed through them: init puts the data descriptor in O_NONBLOCK mode
 * instead, which makes both calls return EAGAIN rather than wait.
 */
#include "lana_block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <libvdeplug.h>

/*
 * The largest frame a vde_switch carries: its struct packet, an Ethernet
 * header and 1504 bytes "including trailer" (vde-2 src/vde_switch/port.h),
 * i.e. a 1500-byte payload with an 802.1Q tag. Datagrams above it are cut
 * by the switch's recv(), so the block drops such frames instead.
 */
#define VDE_FRAME_MAX	(14 + 1504)
#define VDE_FRAME_MIN	14		/* an Ethernet header */

enum { VDE_P_SOCK, VDE_P_PORT, VDE_P_MAX };

static const struct lana_param vde_params[] = {
	[VDE_P_SOCK] = {
		.name = "sock", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1,
		.max = 4095,
		.doc = "the switch's socket directory (vde_switch -s), or a "
		       "libvdeplug URL (vde:///path)",
	},
	[VDE_P_PORT] = {
		.name = "port", .type = LANA_PT_U32, .flags = LANA_PF_RANGE,
		.min = 0, .max = 65535, .def = "0",
		.doc = "switch port to plug into; 0: any free port",
	},
	[VDE_P_MAX] = LANA_PARAM_END
};

static const struct lana_port vde_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames sent into the VDE network" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames received from the VDE network" },
	LANA_PORT_END
};

/* @src first: tests/blocks/test_vde.c calls its recv op directly */
struct vde_priv {
	struct lana_fdsrc *src;
	VDECONN *conn;
	int fd;				/* vde_datafd(conn), O_NONBLOCK */
	atomic_bool gone;		/* logged that the switch went away */
};

struct vde_pcpu {
	uint64_t rx;
	uint64_t tx;
	uint64_t drop_full;
	uint64_t drop_mtu;
	uint64_t drop_runt;
	uint64_t drop_err;
	uint64_t drop_nomem;
};

static const struct lana_counter vde_counters[] = {
	LANA_COUNTER(struct vde_pcpu, rx,
		     "frames received from the switch (left at out)"),
	LANA_COUNTER(struct vde_pcpu, tx,
		     "frames sent to the switch"),
	LANA_COUNTER(struct vde_pcpu, drop_full,
		     "frames not sent: the socket was full (EAGAIN)"),
	LANA_COUNTER(struct vde_pcpu, drop_mtu,
		     "frames above the switch's 1518 bytes (after the engine "
		     "completed checksums and segmented GSO frames), either "
		     "way"),
	LANA_COUNTER(struct vde_pcpu, drop_runt,
		     "datagrams from the switch shorter than an Ethernet "
		     "header"),
	LANA_COUNTER(struct vde_pcpu, drop_err,
		     "frames not sent or not received for another error "
		     "(the switch went away: ECONNREFUSED)"),
	LANA_COUNTER(struct vde_pcpu, drop_nomem,
		     "received frames lost for want of a packet buffer"),
	LANA_COUNTER_OP("dropped", "the sum of the drop_* counters"),
	LANA_COUNTER_END
};

/* Log once that the switch stopped answering (cleared by a good send). */
static void vde_gone(struct lana_block *b, int err)
{
	struct vde_priv *v = b->priv;

	if (!atomic_exchange(&v->gone, true))
		lana_block_log(b, LOG_WARNING,
			       "the switch does not answer (%s): frames are "
			       "dropped until it does", strerror(err));
}

/*
 * The fdsrc recv op: up to LANA_BURST waiting datagrams, one frame each,
 * without blocking (the descriptor is O_NONBLOCK).
 */
static int vde_recv_op(struct lana_block *b, struct lana_burst *bu)
{
	struct vde_priv *v = b->priv;
	struct vde_pcpu *c = lana_block_pcpu(b);

	while (bu->n < LANA_BURST) {
		/* one byte more than a frame may have: a longer datagram
		 * shows as VDE_FRAME_MAX + 1 (the rest is discarded) */
		struct lana_pkt *p = lana_pkt_get(VDE_FRAME_MAX + 1);
		uint8_t scratch[1];
		ssize_t n;

		if (!p) {
			/* take the datagram off the queue all the same */
			n = vde_recv(v->conn, scratch, sizeof(scratch), 0);
			if (n < 0)
				break;
			c->drop_nomem++;
			continue;
		}
		n = vde_recv(v->conn, lana_pkt_data(p), VDE_FRAME_MAX + 1, 0);
		if (n < 0) {
			int err = errno;

			lana_pkt_free(p);
			if (err == EAGAIN || err == EWOULDBLOCK ||
			    err == EINTR)
				break;
			/* ECONNRESET/ECONNREFUSED after the switch died */
			c->drop_err++;
			vde_gone(b, err);
			break;
		}
		if (n > VDE_FRAME_MAX || n < VDE_FRAME_MIN) {
			lana_pkt_free(p);
			if (n > VDE_FRAME_MAX)
				c->drop_mtu++;
			else
				c->drop_runt++;
			continue;
		}
		lana_pkt_trim(p, (uint32_t)n);
		bu->pkt[bu->n++] = p;
		c->rx++;
	}
	return bu->n;
}

static int vde_init(struct lana_block *b, const struct lana_value *params)
{
	struct vde_priv *v = b->priv;
	struct vde_open_args args = { .port = 0 };
	char descr[128];
	const char *sock;
	int fl;

	if (params[VDE_P_SOCK].type != LANA_PT_STRING ||
	    !params[VDE_P_SOCK].str[0]) {
		lana_block_error(b, "sock is required");
		return -EINVAL;
	}
	sock = params[VDE_P_SOCK].str;
	if (params[VDE_P_PORT].type == LANA_PT_U32)
		args.port = (int)params[VDE_P_PORT].u;
	/* the description the switch shows for the port (port/print) */
	snprintf(descr, sizeof(descr), "lana:%s", b->name ? b->name : "vde");
	v->fd = -1;
	errno = 0;
	/* libvdeplug takes char *; it does not write to either string */
	v->conn = vde_open((char *)sock, descr, &args);
	if (!v->conn) {
		int err = errno ? errno : ECONNREFUSED;

		lana_block_error(b, "cannot plug into the VDE switch at %s "
				 "(port %d): %s%s", sock, args.port,
				 strerror(err),
				 err == ENOENT || err == ECONNREFUSED ?
				 " (is vde_switch -s running there?)" : "");
		return -err;
	}
	v->fd = vde_datafd(v->conn);
	fl = v->fd >= 0 ? fcntl(v->fd, F_GETFL) : -1;
	if (fl < 0 || fcntl(v->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int err = v->fd < 0 ? EBADF : errno;

		lana_block_error(b, "VDE switch at %s: data descriptor: %s",
				 sock, strerror(err));
		vde_close(v->conn);
		v->conn = NULL;
		return -err;
	}
	atomic_init(&v->gone, false);
	v->src = lana_fdsrc_new(b, v->fd, vde_recv_op);
	if (!v->src) {
		vde_close(v->conn);
		v->conn = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void vde_fini(struct lana_block *b)
{
	struct vde_priv *v = b->priv;

	lana_fdsrc_free(v->src);
	v->src = NULL;
	if (v->conn)
		vde_close(v->conn);
	v->conn = NULL;
}

/*
 * Frames at `in` go to the switch, one datagram each, never waiting: a
 * full socket drops the frame (drop_full). The engine hands only final
 * frames (LANA_BT_FINAL): checksums done, GSO frames cut into segments.
 */
static int vde_rx(struct lana_block *b, struct lana_burst *bu)
{
	struct vde_priv *v = b->priv;
	struct vde_pcpu *c = lana_block_pcpu(b);
	uint16_t i;

	for (i = 0; i < bu->n; i++) {
		struct lana_pkt *p = bu->pkt[i];
		uint32_t len = lana_pkt_len(p);
		ssize_t n;

		bu->verdict[i] = LANA_DROP;
		if (len > VDE_FRAME_MAX || lana_pkt_partial(p)) {
			c->drop_mtu++;
			continue;
		}
		n = vde_send(v->conn, lana_pkt_data(p), len, 0);
		if (n == (ssize_t)len) {
			c->tx++;
			if (atomic_load_explicit(&v->gone,
						 memory_order_relaxed))
				atomic_store(&v->gone, false);
			lana_pkt_free(p);
			bu->verdict[i] = LANA_STOLEN;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
				     errno == ENOBUFS)) {
			c->drop_full++;
		} else {
			c->drop_err++;
			if (n < 0)
				vde_gone(b, errno);
		}
	}
	return LANA_RX_VERDICTS;
}

static unsigned int vde_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	uint64_t sum = 0;

	if (max < 1)
		return 0;
	sum += lana_pcpu_sum(b, offsetof(struct vde_pcpu, drop_full));
	sum += lana_pcpu_sum(b, offsetof(struct vde_pcpu, drop_mtu));
	sum += lana_pcpu_sum(b, offsetof(struct vde_pcpu, drop_runt));
	sum += lana_pcpu_sum(b, offsetof(struct vde_pcpu, drop_err));
	sum += lana_pcpu_sum(b, offsetof(struct vde_pcpu, drop_nomem));
	out[0] = (struct lana_stat){ .name = "dropped", .value = sum };
	return 1;
}

LANA_BLOCK_TYPE(vde) = {
	.name = "vde",
	.synopsis = "vde(sock, port = 0)   in: eth -> out: eth (optional)",
	.doc = "Plug the graph into a running VDE switch. Through "
	       "libvdeplug, as vde_plug and vde_plug2tap do, the block joins "
	       "the switch of vde_switch -s sock: frames entering at in are "
	       "sent into the VDE network, frames the switch delivers leave "
	       "at out. port picks the switch "
	       "port (0: any). The switch carries plain frames of at most "
	       "1518 bytes: the engine completes offloaded checksums and "
	       "segments GSO frames first, longer frames are dropped "
	       "(drop_mtu). Sends never wait: a full socket drops the frame "
	       "(drop_full). When the switch goes away the block stays, "
	       "drops what it would send (drop_err) and logs it once. "
	       "Userspace engine only.",
	.params = vde_params,
	.ports = vde_ports,
	.counters = vde_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK | LANA_BT_FINAL,
	.priv_size = sizeof(struct vde_priv),
	.pcpu_size = sizeof(struct vde_pcpu),
	.init = vde_init,
	.fini = vde_fini,
	.rx = vde_rx,
	.stats = vde_stats,
};
