// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/udp.c - UDP endpoints for vlinks in the kernel engine: the
 * lana_udp_* calls of blocks/lana_block.h over kernel UDP tunnel
 * sockets, the way drivers/net/vxlan/vxlan_core.c does it (read for
 * this, not copied; net/ipv4/udp_tunnel_core.c for the API):
 *
 *  - open: udp_sock_create() bound to the local address and port in the
 *    network namespace of the process applying the graph (a reference on
 *    it is held until the last endpoint closes), then
 *    setup_udp_tunnel_sock() with our encap_rcv (vxlan_sock_add() ->
 *    vxlan_socket_create());
 *  - endpoints with a key on the same namespace, local address, port and
 *    key position share the socket and are found by key in encap_rcv, as
 *    vxlan devices share a struct vxlan_sock and vxlan_rcv() finds the
 *    device with vxlan_vs_find_vni();
 *  - receive: encap_rcv runs in the softirq of the receiving CPU with the
 *    UDP checksum verified and skb->data at the UDP header; the datagram
 *    is queued on its endpoint and the endpoint's recv op run through the
 *    PPE (lana_ppe_source()), which takes it with lana_udp_recv(): UDP
 *    header pulled, namespace state scrubbed, tunnel GSO bits cleared
 *    (__iptunnel_pull_header() -> iptunnel_pull_offloads());
 *  - send: per datagram a route (ip_route_output_key() /
 *    ipv6_stub->ipv6_dst_lookup_flow()) and udp_tunnel_xmit_skb() /
 *    udp_tunnel6_xmit_skb() (vxlan_xmit_one()); IPv4 without a UDP
 *    checksum, IPv6 with one, as the userspace engine (runtime/udp.c) and
 *    Linux vxlan's defaults (udpcsum off, udp6zerocsumtx off);
 *  - close: the endpoint leaves the RCU list, a grace period passes, its
 *    queue is purged; the last one releases the socket
 *    (udp_tunnel_sock_release()).
 *
 * Locking: lana_udp_lock (mutex, process context: block init and fini)
 * guards the socket list and each socket's endpoint list; encap_rcv reads
 * the endpoint list under RCU. An endpoint's queue has its own lock
 * (struct sk_buff_head).
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/ip_tunnels.h>
#include <net/ipv6_stubs.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "engine.h"

#define LANA_UDP_QLEN	256	/* datagrams waiting per endpoint */

/* A kernel UDP tunnel socket and the endpoints on it. */
struct lana_ksock {
	struct list_head node;		/* lana_ksocks */
	struct net *net;		/* held */
	struct lana_udp_addr local;
	unsigned int key_off, key_len;	/* key_len 0: one endpoint */
	struct socket *sock;
	unsigned int refs;		/* endpoints */
	struct list_head subs;		/* endpoints, newest first (RCU) */
};

struct lana_udp {
	struct list_head snode;		/* ks->subs */
	struct lana_ksock *ks;
	struct lana_block *b;
	int (*recv)(struct lana_block *b, struct lana_burst *v);
	u32 key;
	u8 ttl;
	struct sk_buff_head q;
	atomic64_t tx_err, rx_qfull;
};

/* The source of a queued datagram, in its skb->cb until lana_udp_recv(). */
struct lana_udp_cb {
	struct lana_udp_addr from;
};

#define LANA_UDP_CB(skb) ((struct lana_udp_cb *)(skb)->cb)

static DEFINE_MUTEX(lana_udp_lock);
static LIST_HEAD(lana_ksocks);

/* The network namespace of the process asking (the genl sender). */
static struct net *lana_udp_net(void)
{
	return current->nsproxy ? current->nsproxy->net_ns : &init_net;
}

/* The endpoint of @ks that datagram @skb (data at its UDP header) is for. */
static struct lana_udp *lana_udp_find(struct lana_ksock *ks,
				      struct sk_buff *skb)
{
	unsigned int off = sizeof(struct udphdr) + ks->key_off, i;
	struct lana_udp *u;
	u32 key = 0;

	if (ks->key_len && pskb_may_pull(skb, off + ks->key_len)) {
		for (i = 0; i < ks->key_len; i++)
			key = key << 8 | skb->data[off + i];
		list_for_each_entry_rcu(u, &ks->subs, snode)
			if (u->key == key)
				return u;
	}
	/* no key, too short, or nobody's: the newest endpoint counts it */
	return list_first_or_null_rcu(&ks->subs, struct lana_udp, snode);
}

/*
 * encap_rcv of our sockets (include/linux/udp.h, udp_queue_rcv_one_skb()):
 * softirq, rcu_read_lock held, UDP checksum checked, skb->data at the UDP
 * header. Returns 0: the datagram is ours in every case.
 */
static int lana_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct lana_ksock *ks = rcu_dereference_sk_user_data(sk);
	struct lana_udp_addr *from;
	struct lana_udp *u;

	if (unlikely(!ks))
		goto drop;
	u = lana_udp_find(ks, skb);
	if (unlikely(!u))
		goto drop;
	from = &LANA_UDP_CB(skb)->from;
	memset(from, 0, sizeof(*from));
	from->port = ntohs(udp_hdr(skb)->source);
	if (ip_hdr(skb)->version == 4) {
		from->family = 4;
		memcpy(from->addr, &ip_hdr(skb)->saddr, 4);
	} else {
		from->family = 6;
		memcpy(from->addr, &ipv6_hdr(skb)->saddr, 16);
	}
	if (skb_queue_len(&u->q) >= LANA_UDP_QLEN) {
		atomic64_inc(&u->rx_qfull);
		goto drop;
	}
	skb_queue_tail(&u->q, skb);
	lana_ppe_source(u->b, u->recv);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

int lana_udp_recv(struct lana_udp *u, struct lana_burst *v,
		  struct lana_udp_addr *from)
{
	struct sk_buff *skb;
	int n = 0;

	while (v->n < LANA_BURST && (skb = skb_dequeue(&u->q))) {
		from[v->n] = LANA_UDP_CB(skb)->from;
		memset(skb->cb, 0, sizeof(skb->cb));
		/* a private, linear datagram from its payload on, with no
		 * state of the underlay (__iptunnel_pull_header()) */
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (!skb || skb_linearize(skb) ||
		    iptunnel_pull_offloads(skb)) {
			kfree_skb(skb);
			continue;
		}
		__skb_pull(skb, sizeof(struct udphdr));
		if (skb->ip_summed != CHECKSUM_PARTIAL)
			skb->ip_summed = CHECKSUM_NONE;
		skb_scrub_packet(skb, true);
		skb_reset_mac_header(skb);
		v->pkt[v->n++] = lana_skb_pkt(skb);
		n++;
	}
	return n;
}

/* Send @skb (data at the payload) to @to from port @sport (host order). */
static bool lana_udp_xmit(struct lana_udp *u, struct sk_buff *skb,
			  const struct lana_udp_addr *to, u16 sport)
{
	struct lana_ksock *ks = u->ks;
	struct sock *sk = ks->sock->sk;
	__be16 sp = htons(sport ? sport : ks->local.port);
	__be16 dp = htons(to->port);

	/* the engine completed the frame's checksums (LANA_BT_FINAL); no
	 * device of ours to count on: iptunnel_xmit() and ip6tunnel_xmit()
	 * add to a non-NULL skb->dev / dev's tstats, which an eth's device
	 * need not have */
	skb->ip_summed = CHECKSUM_NONE;
	skb->encapsulation = 0;
	skb->dev = NULL;
	if (to->family == 4) {
		struct flowi4 fl4 = {
			.flowi4_proto = IPPROTO_UDP,
			.fl4_sport = sp,
			.fl4_dport = dp,
		};
		struct rtable *rt;

		memcpy(&fl4.daddr, to->addr, 4);
		memcpy(&fl4.saddr, ks->local.addr, 4);
		rt = ip_route_output_key(ks->net, &fl4);
		if (IS_ERR(rt))
			return false;
		if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
				 sizeof(struct iphdr) +
				 sizeof(struct udphdr))) {
			ip_rt_put(rt);
			return false;
		}
		udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, 0,
				    u->ttl, 0, sp, dp, true, true);
		return true;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct flowi6 fl6 = {
			.flowi6_proto = IPPROTO_UDP,
			.fl6_sport = sp,
			.fl6_dport = dp,
		};
		struct dst_entry *dst;

		memcpy(&fl6.daddr, to->addr, 16);
		memcpy(&fl6.saddr, ks->local.addr, 16);
		dst = ipv6_stub->ipv6_dst_lookup_flow(ks->net, sk, &fl6, NULL);
		if (IS_ERR(dst))
			return false;
		if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) +
				 sizeof(struct ipv6hdr) +
				 sizeof(struct udphdr))) {
			dst_release(dst);
			return false;
		}
		skb_scrub_packet(skb, true);
		udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &fl6.saddr,
				     &fl6.daddr, 0, u->ttl, 0, sp, dp, false);
		return true;
	}
#else
	return false;
#endif
}

unsigned int lana_udp_send(struct lana_udp *u, struct lana_pkt **pkt,
			   const struct lana_udp_addr *to,
			   const uint16_t *sport, unsigned int n)
{
	unsigned int i, sent = 0;

	for (i = 0; i < n; i++) {
		struct sk_buff *skb = lana_pkt_skb(pkt[i]);

		if (lana_udp_xmit(u, skb, &to[i], sport ? sport[i] : 0)) {
			sent++;
		} else {
			kfree_skb(skb);
			atomic64_inc(&u->tx_err);
		}
	}
	return sent;
}

static bool lana_ksock_match(const struct lana_ksock *ks, struct net *net,
			     const struct lana_udp_addr *local,
			     unsigned int key_off, unsigned int key_len)
{
	return ks->net == net && ks->local.family == local->family &&
	       ks->local.port == local->port &&
	       !memcmp(ks->local.addr, local->addr, sizeof(local->addr)) &&
	       ks->key_off == key_off && ks->key_len == key_len;
}

/* A new socket bound to @local (mutex held). */
static struct lana_ksock *lana_ksock_new(struct lana_block *b,
					 struct net *net,
					 const struct lana_udp_addr *local,
					 unsigned int key_off,
					 unsigned int key_len)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type = 1,	/* UDP_ENCAP_ESPINUDP_NON_IKE: any
					 * non-zero value, as vxlan's */
		.encap_rcv = lana_udp_encap_rcv,
	};
	struct udp_port_cfg cfg = {
		.local_udp_port = htons(local->port),
	};
	struct lana_ksock *ks;
	char as[64];
	int err;

	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	if (local->family == 4) {
		cfg.family = AF_INET;
		memcpy(&cfg.local_ip, local->addr, 4);
	} else {
		cfg.family = AF_INET6;
		memcpy(&cfg.local_ip6, local->addr, 16);
		cfg.ipv6_v6only = 1;
	}
	err = udp_sock_create(net, &cfg, &ks->sock);
	if (err) {
		lana_block_error(b, "cannot bind UDP %s: error %d",
				 lana_udp_addr_str(local, true, as, sizeof(as)),
				 err);
		kfree(ks);
		return NULL;
	}
	ks->net = get_net(net);
	ks->local = *local;
	ks->key_off = key_off;
	ks->key_len = key_len;
	INIT_LIST_HEAD(&ks->subs);
	tcfg.sk_user_data = ks;
	setup_udp_tunnel_sock(net, ks->sock, &tcfg);
	list_add(&ks->node, &lana_ksocks);
	return ks;
}

struct lana_udp *lana_udp_open_keyed(struct lana_block *b,
				     const struct lana_udp_addr *local,
				     unsigned int ttl, unsigned int flags,
				     unsigned int key_off,
				     unsigned int key_len, uint32_t key,
				     int (*recv)(struct lana_block *b,
						 struct lana_burst *v))
{
	struct net *net = lana_udp_net();
	struct lana_ksock *ks, *found = NULL;
	struct lana_udp *u;
	char as[64];

	(void)flags;	/* per-packet source ports need nothing here */
	if (local->family != 4 && local->family != 6) {
		lana_block_error(b, "a local address is required");
		return NULL;
	}
	if (key_len > 4) {
		lana_block_error(b, "key of %u bytes", key_len);
		return NULL;
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	u->b = b;
	u->recv = recv;
	u->key = key;
	u->ttl = ttl >= 1 && ttl <= 255 ? (u8)ttl : 64;
	skb_queue_head_init(&u->q);
	atomic64_set(&u->tx_err, 0);
	atomic64_set(&u->rx_qfull, 0);

	mutex_lock(&lana_udp_lock);
	list_for_each_entry(ks, &lana_ksocks, node) {
		if (ks->net == net && ks->local.port == local->port &&
		    ks->local.family == local->family &&
		    !memcmp(ks->local.addr, local->addr,
			    sizeof(local->addr))) {
			found = ks;
			break;
		}
	}
	if (found && (!key_len ||
		      !lana_ksock_match(found, net, local, key_off, key_len))) {
		mutex_unlock(&lana_udp_lock);
		lana_block_error(b, "UDP %s is in use by another block",
				 lana_udp_addr_str(local, true, as,
						   sizeof(as)));
		kfree(u);
		return NULL;
	}
	ks = found ? found : lana_ksock_new(b, net, local, key_off, key_len);
	if (!ks) {
		mutex_unlock(&lana_udp_lock);
		kfree(u);
		return NULL;
	}
	u->ks = ks;
	ks->refs++;
	list_add_rcu(&u->snode, &ks->subs);
	mutex_unlock(&lana_udp_lock);
	return u;
}

void lana_udp_close(struct lana_udp *u)
{
	struct lana_ksock *ks;

	if (!u)
		return;
	ks = u->ks;
	mutex_lock(&lana_udp_lock);
	list_del_rcu(&u->snode);
	if (--ks->refs)
		ks = NULL;
	else
		list_del(&ks->node);
	mutex_unlock(&lana_udp_lock);
	if (ks) {
		/* clears sk_user_data and waits for a grace period */
		udp_tunnel_sock_release(ks->sock);
		put_net(ks->net);
		kfree(ks);
	} else {
		synchronize_rcu();	/* encap_rcv may still hold @u */
	}
	skb_queue_purge(&u->q);
	kfree(u);
}

uint64_t lana_udp_qfull(const struct lana_udp *u)
{
	return u ? (uint64_t)atomic64_read(&u->rx_qfull) : 0;
}

void lana_udp_stats(const struct lana_udp *u, uint64_t *tx_full,
		    uint64_t *tx_err, uint64_t *rx_trunc)
{
	*tx_full = 0;
	*tx_err = u ? (uint64_t)atomic64_read(&u->tx_err) : 0;
	*rx_trunc = 0;
}
