// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/udp.c - a vlink carrying raw frames as UDP datagrams.
 *
 * udp(local, remote, port)   in: raw -> out: raw (optional)
 *
 * One datagram per frame (runtime/udp.c's endpoint): frames entering at
 * `in` are sent to the peer as the payload of one datagram each; each
 * datagram received on local:port leaves at `out` as one frame. For
 * composing tunnels (`tap -> seal -> udp`): `tap -> udp` does not
 * compile, eth is not raw.
 *
 * Addresses: `local` (default: any, "::" with IPv4 mapped, both
 * families) and `port` (the local port) say where the block listens;
 * `remote` is "ADDR" (the peer listens on `port` too), "ADDR:PORT" or
 * "[IPv6]:PORT". Without `remote` the block is the server side of a
 * client/server cable (SERVAL's server): it answers whoever sent the last
 * datagram to it, at that datagram's source address and port; before any
 * datagram came in, frames at `in` are dropped (no_peer).
 */
#include "lana_block.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { UDP_P_LOCAL, UDP_P_REMOTE, UDP_P_PORT, UDP_P_MAX };

static const struct lana_param udp_params[] = {
	[UDP_P_LOCAL] = {
		.name = "local", .type = LANA_PT_STRING,
		.doc = "local address to bind to (IPv4 or IPv6; default any, "
		       "both families)",
	},
	[UDP_P_REMOTE] = {
		.name = "remote", .type = LANA_PT_STRING,
		.doc = "peer: \"ADDR\" (at port), \"ADDR:PORT\" or "
		       "\"[IPv6]:PORT\"; not given: answer whoever sent last",
	},
	[UDP_P_PORT] = {
		.name = "port", .type = LANA_PT_U16,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1,
		.max = 65535,
		.doc = "local UDP port (and the peer's, unless remote names one)",
	},
	[UDP_P_MAX] = LANA_PARAM_END
};

static const struct lana_port udp_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_RAW,
	  .doc = "frames to send, one datagram each" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_RAW,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "received datagrams, one frame each" },
	LANA_PORT_END
};

struct udp_pcpu {
	uint64_t rx;
	uint64_t tx;
	uint64_t no_peer;
};

static const struct lana_counter udp_counters[] = {
	LANA_COUNTER(struct udp_pcpu, rx, "datagrams received, sent to out"),
	LANA_COUNTER(struct udp_pcpu, tx, "datagrams sent"),
	LANA_COUNTER(struct udp_pcpu, no_peer, "frames dropped: no remote "
		     "and nobody has sent to us yet"),
	LANA_COUNTER_OP("tx_full", "datagrams dropped: socket buffer full"),
	LANA_COUNTER_OP("tx_err", "datagrams dropped: other send errors"),
	LANA_COUNTER_OP("rx_trunc", "datagrams dropped: too long"),
	LANA_COUNTER_END
};

struct udp_priv {
	struct lana_udp *udp;
	bool server;		/* no remote: answer the last sender */
	struct lana_lock lock;	/* @peer in server mode */
	struct lana_udp_addr peer;	/* family 0: none yet */
};

/* local and remote (the check op and init). */
static int udp_addrs(const struct lana_value *params,
		     struct lana_udp_addr *l, struct lana_udp_addr *r,
		     unsigned int *bad_param, char *msg, size_t msglen)
{
	uint16_t port = params[UDP_P_PORT].type == LANA_PT_U16 ?
			(uint16_t)params[UDP_P_PORT].u : 0;

	memset(l, 0, sizeof(*l));
	memset(r, 0, sizeof(*r));
	l->port = port;
	if (params[UDP_P_LOCAL].type == LANA_PT_STRING &&
	    params[UDP_P_LOCAL].str[0]) {
		*bad_param = UDP_P_LOCAL;
		if (lana_udp_addr_parse(params[UDP_P_LOCAL].str, port, l) ||
		    l->port != port) {
			snprintf(msg, msglen, "\"%s\" is not an IPv4 or IPv6 "
				 "address (the port is port's)",
				 params[UDP_P_LOCAL].str);
			return -EINVAL;
		}
	}
	if (params[UDP_P_REMOTE].type == LANA_PT_STRING &&
	    params[UDP_P_REMOTE].str[0]) {
		*bad_param = UDP_P_REMOTE;
		if (lana_udp_addr_parse(params[UDP_P_REMOTE].str, port, r)) {
			snprintf(msg, msglen, "\"%s\" is not ADDR, ADDR:PORT "
				 "or [IPv6]:PORT",
				 params[UDP_P_REMOTE].str);
			return -EINVAL;
		}
		if (l->family && r->family != l->family) {
			snprintf(msg, msglen, "\"%s\" is IPv%u but local is "
				 "IPv%u", params[UDP_P_REMOTE].str, r->family,
				 l->family);
			return -EINVAL;
		}
	}
	return 0;
}

static int udp_check(const struct lana_value *params, unsigned int *bad_param,
		     unsigned int *bad_item, char *msg, size_t msglen)
{
	struct lana_udp_addr l, r;

	*bad_item = -1u;
	return udp_addrs(params, &l, &r, bad_param, msg, msglen);
}

/* Frames at `in`: one datagram each to the peer. */
static int udp_rx(struct lana_block *b, struct lana_burst *v)
{
	struct udp_priv *u = b->priv;
	struct udp_pcpu *c = lana_block_pcpu(b);
	struct lana_udp_addr to[LANA_BURST];
	struct lana_udp_addr peer;
	uint16_t i;

	lana_lock(&u->lock);
	peer = u->peer;
	lana_unlock(&u->lock);
	if (!peer.family) {
		c->no_peer += v->n;
		for (i = 0; i < v->n; i++)
			v->verdict[i] = LANA_DROP;
		return LANA_RX_VERDICTS;
	}
	for (i = 0; i < v->n; i++) {
		to[i] = peer;
		v->verdict[i] = LANA_STOLEN;
	}
	c->tx += lana_udp_send(u->udp, v->pkt, to, NULL, v->n);
	return LANA_RX_VERDICTS;
}

/* Datagrams from the socket, to `out`; a server remembers the sender. */
static int udp_recv(struct lana_block *b, struct lana_burst *v)
{
	struct udp_priv *u = b->priv;
	struct udp_pcpu *c = lana_block_pcpu(b);
	struct lana_udp_addr from[LANA_BURST];
	int n = lana_udp_recv(u->udp, v, from);

	if (n <= 0)
		return 0;
	if (u->server) {
		lana_lock(&u->lock);
		u->peer = from[v->n - 1];
		lana_unlock(&u->lock);
	}
	c->rx += (uint64_t)n;
	return n;
}

static void udp_fini(struct lana_block *b)
{
	struct udp_priv *u = b->priv;

	lana_udp_close(u->udp);
	u->udp = NULL;
	lana_lock_destroy(&u->lock);
}

static int udp_init(struct lana_block *b, const struct lana_value *params)
{
	struct udp_priv *u = b->priv;
	struct lana_udp_addr l;
	unsigned int bad;
	char msg[200];

	if (params[UDP_P_PORT].type != LANA_PT_U16 ||
	    !params[UDP_P_PORT].u) {
		lana_block_error(b, "port is required");
		return -EINVAL;
	}
	if (udp_addrs(params, &l, &u->peer, &bad, msg, sizeof(msg))) {
		lana_block_error(b, "%s: %s", udp_params[bad].name, msg);
		return -EINVAL;
	}
	u->server = !u->peer.family;
	lana_lock_init(&u->lock);
	u->udp = lana_udp_open(b, &l, 64, 0, udp_recv);
	if (!u->udp) {
		lana_lock_destroy(&u->lock);
		return -EADDRINUSE;
	}
	return 0;
}

static unsigned int udp_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	const struct udp_priv *u = b->priv;
	uint64_t f, e, t;

	if (max < 3)
		return 0;
	lana_udp_stats(u->udp, &f, &e, &t);
	out[0] = (struct lana_stat){ .name = "tx_full", .value = f };
	out[1] = (struct lana_stat){ .name = "tx_err", .value = e };
	out[2] = (struct lana_stat){ .name = "rx_trunc", .value = t };
	return 3;
}

LANA_BLOCK_TYPE(udp) = {
	.name = "udp",
	.synopsis = "udp(local, remote, port)   in: raw -> out: raw (optional)",
	.doc = "Raw frames over UDP, one datagram per frame. For composing "
	       "tunnels (tap -> seal -> udp). Listens on local:port (local "
	       "default: any address, both families); sends to remote, "
	       "\"ADDR\" (at port), \"ADDR:PORT\" or \"[IPv6]:PORT\". "
	       "Without remote it is a server: it answers whoever sent the "
	       "last datagram, at that source address and port, and drops "
	       "frames (no_peer) until someone has. Userspace engine only.",
	.params = udp_params,
	.ports = udp_ports,
	.counters = udp_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK | LANA_BT_FINAL,
	.priv_size = sizeof(struct udp_priv),
	.pcpu_size = sizeof(struct udp_pcpu),
	.check = udp_check,
	.init = udp_init,
	.fini = udp_fini,
	.rx = udp_rx,
	.stats = udp_stats,
};
