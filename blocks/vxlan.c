// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/vxlan.c - Ethernet over UDP, RFC 7348 (VXLAN), interoperable
 * with a Linux vxlan device.
 *
 * vxlan(vni, local, remote, port = 4789, learning = true, ttl = 64,
 *       aging = 300s)   in: eth -> out: eth (optional)
 *
 * A vlink (like tap): frames entering at `in` leave the host encapsulated
 * in UDP datagrams; datagrams of our VNI received on local:port leave at
 * `out` decapsulated. The forwarding behaviour is Linux's
 * (drivers/net/vxlan/vxlan_core.c, read for this, not copied):
 *
 *  - the FDB maps an inner MAC to the outer source address of the
 *    datagram it last came in (vxlan_rcv() -> vxlan_set_mac() ->
 *    vxlan_snoop(): learn or move on the inner source MAC, unicast only),
 *    entries not refreshed for @aging (Linux: age_interval, default
 *    FDB_AGE_DEFAULT 300 s) are forgotten (vxlan_cleanup());
 *  - a frame to a learned MAC goes to that remote only; broadcast,
 *    multicast and unknown unicast go to every `remote` (vxlan_xmit():
 *    on a lookup miss the all-zeros default entry, whose remote list the
 *    `bridge fdb append 00:00:00:00:00:00 dst ...` entries extend, is
 *    used, and vxlan_xmit_one() runs once per remote: head-end
 *    replication); with no remote such a frame is dropped (no_remote;
 *    Linux: vxlan_xmit() "dropped" with no default entry);
 *  - received datagrams without the I flag, with other flag bits set
 *    (vxlan_rcv(): unparsed flags left -> drop) or with another VNI
 *    (vxlan_vs_find_vni() finds no device) are dropped and counted.
 *
 * Header (RFC 7348 sec. 5): 8 bytes, flags (0x08: I, a valid VNI), 3
 * reserved, VNI (24 bits, network order), 1 reserved. The outer UDP
 * source port is a hash of the inner flow (RFC 7348 sec. 5 "it is
 * recommended that the UDP source port number be calculated using a hash
 * of fields from the inner packet"), mapped like Linux's
 * udp_flow_src_port() into the ephemeral range 32768..60999
 * (ip_local_port_range's default): ((u64)hash * (max - min)) >> 32 + min.
 * The hash is FNV-1a over the inner MACs and EtherType and, for IPv4/IPv6,
 * the addresses, protocol and first four L4 bytes (the ports), so one TCP
 * connection keeps one outer port (ECMP/RSS see one flow).
 *
 * GSO super-frames and partial checksums: the type is LANA_BT_FINAL, so
 * the engine segments and completes them before rx (runtime/offload.c,
 * kmod/ppe.c ppe_finish()). Both engines: userspace over UDP sockets
 * (runtime/udp.c), the kernel over kernel UDP tunnel sockets (kmod/udp.c,
 * as drivers/net/vxlan does). All vxlan blocks on one local address and
 * port share one socket, demultiplexed by VNI (lana_udp_open_keyed();
 * Linux: one vxlan_sock per port and family, vxlan_vs_find_vni()).
 */
#include "lana_block.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	VX_P_VNI, VX_P_LOCAL, VX_P_REMOTE, VX_P_PORT, VX_P_LEARNING,
	VX_P_TTL, VX_P_AGING, VX_P_MAX
};

#define VX_MAXREMOTES	64	/* `remote` items at most */
#define VX_SLOTS	8192	/* FDB hash slots (a power of two) */
#define VX_MAXLEARN	(VX_SLOTS / 2)	/* learned MACs at most */
#define VX_HLEN		8	/* RFC 7348 header */
#define VX_FLAG_I	0x08
#define VX_SPORT_MIN	32768	/* ip_local_port_range default */
#define VX_SPORT_MAX	60999

static const struct lana_param vxlan_params[] = {
	[VX_P_VNI] = {
		.name = "vni", .type = LANA_PT_U32,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 0,
		.max = 0xffffff,
		.doc = "VXLAN Network Identifier, 24 bits (Linux: id)",
	},
	[VX_P_LOCAL] = {
		.name = "local", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED,
		.doc = "local underlay address (IPv4 or IPv6) to bind to and "
		       "send from",
	},
	[VX_P_REMOTE] = {
		.name = "remote", .type = LANA_PT_LIST,
		.elem = LANA_PT_STRING, .flags = LANA_PF_RANGE, .min = 0,
		.max = VX_MAXREMOTES,
		.doc = "remote VTEP addresses (same family as local): "
		       "broadcast, multicast and unknown unicast go to each "
		       "(head-end replication)",
	},
	[VX_P_PORT] = {
		.name = "port", .type = LANA_PT_U16, .flags = LANA_PF_RANGE,
		.min = 1, .max = 65535, .def = "4789",
		.doc = "UDP port, local and remote (IANA's 4789; Linux: "
		       "dstport)",
	},
	[VX_P_LEARNING] = {
		.name = "learning", .type = LANA_PT_BOOL, .def = "true",
		.doc = "learn inner source MACs -> outer source address from "
		       "received datagrams (Linux: learning)",
	},
	[VX_P_TTL] = {
		.name = "ttl", .type = LANA_PT_U8, .flags = LANA_PF_RANGE,
		.min = 1, .max = 255, .def = "64",
		.doc = "TTL / hop limit of the outer IP header",
	},
	[VX_P_AGING] = {
		.name = "aging", .type = LANA_PT_DURATION, .def = "300s",
		.doc = "learned entries not refreshed for this long are "
		       "forgotten (Linux: ageing, default 300 s)",
	},
	[VX_P_MAX] = LANA_PARAM_END
};

static const struct lana_port vxlan_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to encapsulate and send" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "frames decapsulated from datagrams of this VNI" },
	LANA_PORT_END
};

struct vx_pcpu {
	uint64_t rx;		/* datagrams decapsulated, sent to out */
	uint64_t tx;		/* datagrams sent (one per remote) */
	uint64_t bad_vni;
	uint64_t bad_flags;
	uint64_t runt;
	uint64_t no_remote;
	uint64_t nomem;
	uint64_t learned;
};

static const struct lana_counter vxlan_counters[] = {
	LANA_COUNTER(struct vx_pcpu, rx, "datagrams of our VNI decapsulated "
		     "to out"),
	LANA_COUNTER(struct vx_pcpu, tx, "datagrams sent (a replicated "
		     "frame counts once per remote)"),
	LANA_COUNTER(struct vx_pcpu, bad_vni, "datagrams with a VNI no vxlan "
		     "block on this socket has, dropped (each counted once, "
		     "by the block that took it off the shared socket)"),
	LANA_COUNTER(struct vx_pcpu, bad_flags, "datagrams without the I "
		     "flag or with other flags set, dropped"),
	LANA_COUNTER(struct vx_pcpu, runt, "datagrams shorter than the "
		     "header and an Ethernet header, dropped"),
	LANA_COUNTER(struct vx_pcpu, no_remote, "frames with no learned "
		     "remote and no remote to replicate to, dropped"),
	LANA_COUNTER(struct vx_pcpu, nomem, "replicas not made for lack of "
		     "memory"),
	LANA_COUNTER(struct vx_pcpu, learned, "FDB entries learned or moved"),
	LANA_COUNTER_OP("entries", "learned MACs in the FDB now"),
	LANA_COUNTER_OP("fdb_full", "source MACs not learned: the FDB was "
			"full"),
	LANA_COUNTER_OP("tx_full", "datagrams dropped: socket buffer full"),
	LANA_COUNTER_OP("tx_err", "datagrams dropped: other send errors"),
	LANA_COUNTER_OP("rx_trunc", "datagrams dropped: too long"),
	LANA_COUNTER_OP("rx_qfull", "datagrams of our VNI dropped: another "
			"vxlan block on the shared socket took them off it "
			"while our queue was full"),
	LANA_COUNTER_END
};

/* An FDB entry; key 0: never used (probe runs end there). */
struct vx_entry {
	uint64_t key;		/* 1 << 48 | MAC, first byte high */
	uint64_t seen_ns;
	struct lana_udp_addr remote;
};

struct vx_priv {
	struct lana_udp *udp;
	uint32_t vni;
	uint16_t port;
	bool learning;
	uint64_t aging_ns;
	uint32_t nremote;
	struct lana_udp_addr remote[VX_MAXREMOTES];
	struct lana_lock lock;	/* @fdb, @used, @full */
	struct vx_entry *fdb;
	uint32_t used;		/* slots with a key (live or aged) */
	uint64_t full;
};

/* The check of `local` and `remote` (the check op and init). */
static int vx_addrs(const struct lana_value *params, struct lana_udp_addr *l,
		    struct lana_udp_addr *r, uint32_t *nr,
		    unsigned int *bad_param, unsigned int *bad_item,
		    char *msg, size_t msglen)
{
	const struct lana_value *rl = &params[VX_P_REMOTE];
	struct lana_udp_addr tmp;
	uint32_t i;

	*bad_item = -1u;
	*bad_param = VX_P_LOCAL;
	if (params[VX_P_LOCAL].type != LANA_PT_STRING) {
		snprintf(msg, msglen, "is required");
		return -EINVAL;
	}
	if (lana_udp_addr_parse(params[VX_P_LOCAL].str, 0, l) ||
	    l->port) {
		snprintf(msg, msglen, "\"%s\" is not an IPv4 or IPv6 address",
			 params[VX_P_LOCAL].str);
		return -EINVAL;
	}
	*nr = 0;
	if (rl->type != LANA_PT_LIST)
		return 0;
	*bad_param = VX_P_REMOTE;
	if (rl->list.n > VX_MAXREMOTES) {
		snprintf(msg, msglen, "at most %u remotes", VX_MAXREMOTES);
		return -EINVAL;
	}
	for (i = 0; i < rl->list.n; i++) {
		const char *s = rl->list.items[i].str;
		struct lana_udp_addr *a = r ? &r[i] : &tmp;

		*bad_item = i;
		if (rl->list.items[i].type != LANA_PT_STRING ||
		    lana_udp_addr_parse(s, 0, a) || a->port) {
			snprintf(msg, msglen,
				 "\"%s\" is not an IPv4 or IPv6 address",
				 rl->list.items[i].type == LANA_PT_STRING ?
				 s : "?");
			return -EINVAL;
		}
		if (a->family != l->family) {
			snprintf(msg, msglen, "\"%s\" is IPv%u but local is "
				 "IPv%u", s, a->family, l->family);
			return -EINVAL;
		}
	}
	*nr = rl->list.n;
	return 0;
}

static int vxlan_check(const struct lana_value *params,
		       unsigned int *bad_param, unsigned int *bad_item,
		       char *msg, size_t msglen)
{
	struct lana_udp_addr l;
	uint32_t nr;

	return vx_addrs(params, &l, NULL, &nr, bad_param, bad_item, msg,
			msglen);
}

static uint64_t mac_key(const uint8_t *m)
{
	return 1ull << 48 | (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 |
	       (uint64_t)m[2] << 24 | (uint64_t)m[3] << 16 |
	       (uint64_t)m[4] << 8 | m[5];
}

static uint32_t slot_of(uint64_t key)
{
	/* Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4) */
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 51) &
	       (VX_SLOTS - 1);
}

static bool aged(const struct vx_priv *x, const struct vx_entry *e,
		 uint64_t now)
{
	return now - e->seen_ns > x->aging_ns;
}

/* The remote @mac was learned from, into *@to; false if none (lock held). */
static bool fdb_find(const struct vx_priv *x, const uint8_t *mac,
		     uint64_t now, struct lana_udp_addr *to)
{
	uint64_t k = mac_key(mac);
	uint32_t i, s = slot_of(k);

	for (i = 0; i < VX_SLOTS; i++) {
		const struct vx_entry *e = &x->fdb[(s + i) & (VX_SLOTS - 1)];

		if (!e->key)
			return false;
		if (e->key == k) {
			if (aged(x, e, now))
				return false;
			*to = e->remote;
			return true;
		}
	}
	return false;
}

/*
 * Learn that @mac is behind @from (lock held): refresh, move, or take the
 * first aged slot of the probe run (aged entries keep their key so that
 * runs stay whole), else a free slot while fewer than VX_MAXLEARN are
 * used. Return: true if an entry was made or moved.
 */
static bool fdb_learn(struct vx_priv *x, const uint8_t *mac,
		      const struct lana_udp_addr *from, uint64_t now)
{
	uint64_t k = mac_key(mac);
	uint32_t i, s = slot_of(k);
	struct vx_entry *reuse = NULL;

	for (i = 0; i < VX_SLOTS; i++) {
		struct vx_entry *e = &x->fdb[(s + i) & (VX_SLOTS - 1)];

		if (!e->key) {
			if (!reuse) {
				if (x->used >= VX_MAXLEARN) {
					x->full++;
					return false;
				}
				x->used++;
				reuse = e;
			}
			break;
		}
		if (e->key == k) {
			bool moved = aged(x, e, now) ||
				     memcmp(&e->remote, from, sizeof(*from));

			e->remote = *from;
			e->seen_ns = now;
			return moved;
		}
		if (!reuse && aged(x, e, now))
			reuse = e;
	}
	if (!reuse) {
		x->full++;
		return false;
	}
	reuse->key = k;
	reuse->remote = *from;
	reuse->seen_ns = now;
	return true;
}

/* FNV-1a (Fowler, Noll, Vo; IETF draft-eastlake-fnv) over @n bytes. */
static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

/* The outer source port for inner frame @f (@len bytes): see the top. */
static uint16_t vx_sport(const uint8_t *f, uint32_t len)
{
	uint32_t h = fnv(2166136261u, f, 14);
	uint16_t et = (uint16_t)(f[12] << 8 | f[13]);

	if (et == 0x0800 && len >= 14 + 20) {
		uint32_t ihl = (f[14] & 0xf) * 4u;

		h = fnv(h, f + 14 + 9, 1);
		h = fnv(h, f + 14 + 12, 8);
		if (len >= 14 + ihl + 4 && !(f[14 + 6] & 0x3f) && !f[14 + 7])
			h = fnv(h, f + 14 + ihl, 4);
	} else if (et == 0x86dd && len >= 14 + 40 + 4) {
		h = fnv(h, f + 14 + 6, 1);
		h = fnv(h, f + 14 + 8, 32);
		h = fnv(h, f + 14 + 40, 4);
	}
	return (uint16_t)((((uint64_t)h * (VX_SPORT_MAX - VX_SPORT_MIN)) >>
			   32) + VX_SPORT_MIN);
}

/* Prepend the RFC 7348 header for @vni; false without headroom. */
static bool vx_encap(struct lana_pkt *p, uint32_t vni)
{
	uint8_t *h = lana_pkt_push(p, VX_HLEN);

	if (!h)
		return false;
	h[0] = VX_FLAG_I;
	h[1] = h[2] = h[3] = 0;
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
	h[7] = 0;
	return true;
}

/* Datagrams queued for one sendmmsg(2) batch. */
struct vx_txq {
	unsigned int n;
	struct lana_pkt *pkt[LANA_BURST];
	struct lana_udp_addr to[LANA_BURST];
	uint16_t sport[LANA_BURST];
};

static void vx_flush(struct vx_priv *x, struct vx_txq *q, struct vx_pcpu *c)
{
	if (!q->n)
		return;
	c->tx += lana_udp_send(x->udp, q->pkt, q->to, q->sport, q->n);
	q->n = 0;
}

static void vx_queue(struct vx_priv *x, struct vx_txq *q, struct vx_pcpu *c,
		     struct lana_pkt *p, const struct lana_udp_addr *to,
		     uint16_t sport)
{
	if (!vx_encap(p, x->vni)) {
		c->nomem++;
		lana_pkt_free(p);
		return;
	}
	q->pkt[q->n] = p;
	q->to[q->n] = *to;
	q->to[q->n].port = x->port;
	q->sport[q->n] = sport;
	if (++q->n == LANA_BURST)
		vx_flush(x, q, c);
}

/* Frames at `in`: to the learned remote, or to every remote. */
static int vxlan_rx(struct lana_block *b, struct lana_burst *v)
{
	struct vx_priv *x = b->priv;
	struct vx_pcpu *c = lana_block_pcpu(b);
	uint64_t now = lana_now_ns();
	struct vx_txq q;
	uint16_t i;

	q.n = 0;
	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		const uint8_t *f = lana_pkt_data(p);
		uint32_t len = lana_pkt_len(p);
		struct lana_udp_addr to;
		bool hit = false;
		uint16_t sport;
		uint32_t r;

		if (len < 14) {
			v->verdict[i] = LANA_DROP;
			continue;
		}
		sport = vx_sport(f, len);
		if (!(f[0] & 1)) {
			lana_lock(&x->lock);
			hit = fdb_find(x, f, now, &to);
			lana_unlock(&x->lock);
		}
		if (hit) {
			v->verdict[i] = LANA_STOLEN;
			vx_queue(x, &q, c, p, &to, sport);
			continue;
		}
		if (!x->nremote) {
			c->no_remote++;
			v->verdict[i] = LANA_DROP;
			continue;
		}
		v->verdict[i] = LANA_STOLEN;
		for (r = 1; r < x->nremote; r++) {
			struct lana_pkt *cp = lana_pkt_copy(b, p);

			if (!cp) {
				c->nomem++;
				continue;
			}
			vx_queue(x, &q, c, cp, &x->remote[r], sport);
		}
		vx_queue(x, &q, c, p, &x->remote[0], sport);
	}
	vx_flush(x, &q, c);
	return LANA_RX_VERDICTS;
}

/* Datagrams from the socket: check, learn, decapsulate to `out`. */
static int vxlan_recv(struct lana_block *b, struct lana_burst *v)
{
	struct vx_priv *x = b->priv;
	struct vx_pcpu *c = lana_block_pcpu(b);
	struct lana_udp_addr from[LANA_BURST];
	uint64_t now;
	uint16_t i, n = 0;
	bool locked = false;

	if (lana_udp_recv(x->udp, v, from) <= 0)
		return 0;
	now = lana_now_ns();
	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		const uint8_t *h = lana_pkt_data(p);
		uint32_t vni;

		if (lana_pkt_len(p) < VX_HLEN + 14) {
			c->runt++;
			goto drop;
		}
		if (h[0] != VX_FLAG_I || h[1] || h[2] || h[3]) {
			c->bad_flags++;
			goto drop;
		}
		vni = (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6];
		if (vni != x->vni) {
			c->bad_vni++;
			goto drop;
		}
		h = lana_pkt_pull(p, VX_HLEN);
		/* learn unicast, non-zero source MACs (vxlan_snoop()) */
		if (x->learning && !(h[6] & 1) &&
		    (h[6] | h[7] | h[8] | h[9] | h[10] | h[11])) {
			from[i].port = 0;
			if (!locked) {
				lana_lock(&x->lock);
				locked = true;
			}
			if (fdb_learn(x, h + 6, &from[i], now))
				c->learned++;
		}
		c->rx++;
		v->pkt[n++] = p;
		continue;
drop:
		lana_pkt_free(p);
	}
	if (locked)
		lana_unlock(&x->lock);
	v->n = n;
	return n;
}

static void vxlan_fini(struct lana_block *b)
{
	struct vx_priv *x = b->priv;

	lana_udp_close(x->udp);
	x->udp = NULL;
	free(x->fdb);
	x->fdb = NULL;
	lana_lock_destroy(&x->lock);
}

static int vxlan_init(struct lana_block *b, const struct lana_value *params)
{
	struct vx_priv *x = b->priv;
	struct lana_udp_addr local;
	unsigned int bad_param, bad_item;
	char msg[200];

	if (vx_addrs(params, &local, x->remote, &x->nremote, &bad_param,
		     &bad_item, msg, sizeof(msg))) {
		lana_block_error(b, "%s: %s", vxlan_params[bad_param].name,
				 msg);
		return -EINVAL;
	}
	if (params[VX_P_VNI].type != LANA_PT_U32 ||
	    params[VX_P_VNI].u > 0xffffff) {
		lana_block_error(b, "vni must be 0..16777215");
		return -EINVAL;
	}
	x->vni = (uint32_t)params[VX_P_VNI].u;
	x->port = params[VX_P_PORT].type == LANA_PT_U16 ?
		  (uint16_t)params[VX_P_PORT].u : 4789;
	x->learning = params[VX_P_LEARNING].type != LANA_PT_BOOL ||
		      params[VX_P_LEARNING].b;
	x->aging_ns = params[VX_P_AGING].type == LANA_PT_DURATION ?
		      params[VX_P_AGING].u : 300000000000ull;
	x->fdb = calloc(VX_SLOTS, sizeof(*x->fdb));
	if (!x->fdb) {
		lana_block_error(b, "out of memory");
		return -ENOMEM;
	}
	lana_lock_init(&x->lock);
	local.port = x->port;
	/* one socket per local address and port, shared by the VNIs (the
	 * key: header bytes 4..6), as Linux's vxlan_sock */
	x->udp = lana_udp_open_keyed(b, &local,
				     params[VX_P_TTL].type == LANA_PT_U8 ?
				     (unsigned int)params[VX_P_TTL].u : 64,
				     LANA_UDP_SPORT, 4, 3, x->vni, vxlan_recv);
	if (!x->udp) {
		free(x->fdb);
		x->fdb = NULL;
		lana_lock_destroy(&x->lock);
		return -EADDRINUSE;
	}
	return 0;
}

static unsigned int vxlan_stats(const struct lana_block *b,
				struct lana_stat *out, unsigned int max)
{
	struct vx_priv *x = b->priv;
	uint64_t now = lana_now_ns(), live = 0, full, txf, txe, rxt;
	uint32_t i;

	if (max < 6 || !x->fdb)
		return 0;
	lana_lock(&x->lock);
	for (i = 0; i < VX_SLOTS; i++)
		if (x->fdb[i].key && !aged(x, &x->fdb[i], now))
			live++;
	full = x->full;
	lana_unlock(&x->lock);
	lana_udp_stats(x->udp, &txf, &txe, &rxt);
	out[0] = (struct lana_stat){ .name = "entries", .value = live };
	out[1] = (struct lana_stat){ .name = "fdb_full", .value = full };
	out[2] = (struct lana_stat){ .name = "tx_full", .value = txf };
	out[3] = (struct lana_stat){ .name = "tx_err", .value = txe };
	out[4] = (struct lana_stat){ .name = "rx_trunc", .value = rxt };
	out[5] = (struct lana_stat){ .name = "rx_qfull",
				     .value = lana_udp_qfull(x->udp) };
	return 6;
}

/*
 * The remote table (the type's table op), as `bridge fdb show dev vx0`
 * lists a Linux vxlan device's: first one row per `remote`, mac
 * "00:00:00:00:00:00" (the default entry head-end replication uses), age
 * "static"; then the learned entries in hash slot order, age in seconds
 * with one decimal. Columns: mac, remote (the address; an IPv6 address
 * longer than 23 characters is cut), age. *@pos: rows before it are done
 * (remotes first, then slots).
 */
static unsigned int vxlan_table(const struct lana_block *b, uint32_t *pos,
				struct lana_row *rows, unsigned int max)
{
	struct vx_priv *x = b->priv;
	uint64_t now = lana_now_ns();
	uint32_t i = *pos;
	unsigned int n = 0;
	char as[64];

	for (; i < x->nremote && n < max; i++, n++) {
		struct lana_row *r = &rows[n];

		r->ncol = 3;
		r->col[0].key = "mac";
		snprintf(r->col[0].val, sizeof(r->col[0].val),
			 "00:00:00:00:00:00");
		r->col[1].key = "remote";
		snprintf(r->col[1].val, sizeof(r->col[1].val), "%s",
			 lana_udp_addr_str(&x->remote[i], false, as,
					   sizeof(as)));
		r->col[2].key = "age";
		snprintf(r->col[2].val, sizeof(r->col[2].val), "static");
	}
	lana_lock(&x->lock);
	for (; i < x->nremote + VX_SLOTS && n < max; i++) {
		const struct vx_entry *e = &x->fdb[i - x->nremote];
		struct lana_row *r = &rows[n];
		uint64_t k = e->key, t;

		if (!k || aged(x, e, now))
			continue;
		r->ncol = 3;
		r->col[0].key = "mac";
		lana_row_mac(r->col[0].val, k);
		r->col[1].key = "remote";
		snprintf(r->col[1].val, sizeof(r->col[1].val), "%s",
			 lana_udp_addr_str(&e->remote, false, as, sizeof(as)));
		r->col[2].key = "age";
		t = (now > e->seen_ns ? now - e->seen_ns : 0) / 100000000ull;
		snprintf(r->col[2].val, sizeof(r->col[2].val), "%u.%u",
			 (unsigned int)(t / 10), (unsigned int)(t % 10));
		n++;
	}
	lana_unlock(&x->lock);
	*pos = i;
	return n;
}

LANA_BLOCK_TYPE(vxlan) = {
	.name = "vxlan",
	.synopsis = "vxlan(vni, local, remote, port = 4789, learning = true, "
		    "ttl = 64, aging = 300s)   in: eth -> out: eth (optional)",
	.doc = "Ethernet over UDP (VXLAN, RFC 7348), as Linux vxlan speaks it. "
	       "It interoperates with a Linux vxlan device of the same id "
	       "and dstport. Frames at in "
	       "are encapsulated (flags 0x08, the 24-bit vni) and sent from "
	       "local:port to the remote their destination MAC was learned "
	       "from, or, for broadcast, multicast and unknown unicast, to "
	       "every remote (head-end replication; none: dropped, "
	       "no_remote). Datagrams received on local:port with this vni "
	       "leave at out decapsulated, teaching (learning = true) that "
	       "their inner source MAC is behind their outer source "
	       "address; entries age out after aging. Datagrams with "
	       "another vni or bad flags are dropped and counted. The outer "
	       "UDP source port is a hash of the inner flow. `lanarun "
	       "stats` lists the remotes and the learned FDB. Both engines "
	       "(the kernel's over a kernel UDP tunnel socket).",
	.params = vxlan_params,
	.ports = vxlan_ports,
	.counters = vxlan_counters,
	.engines = LANA_ENGINE_ALL,
	.flags = LANA_BT_SOURCE | LANA_BT_VLINK | LANA_BT_FINAL,
	.priv_size = sizeof(struct vx_priv),
	.pcpu_size = sizeof(struct vx_pcpu),
	.check = vxlan_check,
	.init = vxlan_init,
	.fini = vxlan_fini,
	.rx = vxlan_rx,
	.stats = vxlan_stats,
	.table = vxlan_table,
};
