// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/dev.c - device I/O of the kernel engine: the lana_dev_* calls of
 * blocks/lana_block.h for the virtual link blocks eth and tap (thesis
 * ch. 4.2.6, 5.4.1, 5.4.2).
 *
 * eth: an rx_handler on the named net_device (netdev_rx_handler_register(),
 *      the hook the bridge and macvlan use, include/linux/netdevice.h):
 *      every frame the device receives is handed to the PPE,
 *      lana_ppe_input(), at OUT port 0 of the eth block and consumed
 *      (RX_HANDLER_CONSUMED: it does not reach the host stack). Frames at
 *      the block's input are sent with dev_queue_xmit().
 * tap: a virtual Ethernet device (alloc_netdev() + ether_setup()) that
 *      `ip link` shows, the thesis's vlink-tagged device (5.4.2): frames
 *      the host transmits on it (ndo_start_xmit) enter the graph, frames
 *      arriving at the tap block are delivered to the host as if received
 *      on it (dev_forward_skb(), the veth path).
 *
 * A net_device we hook (eth) or own (tap) is a struct lana_hook; the
 * lana_devs of the blocks attached to it hang off the hook, newest first. Two blocks attach to
 * one device while a REPLACE of an eth or tap block is being committed
 * (the new instance is built while the old one still runs, exactly as in
 * the userspace engine, runtime/dev.h): the device, its ifindex and the
 * host's addresses on a tap survive the replacement. Received frames go to
 * the newest block (the one the new graph version holds); the PPE frees
 * frames for a block that is not in the published version.
 *
 * Locking: lana_dev_lock (mutex) guards the hook list and the per-hook
 * lists; rtnl_lock is taken inside it. hook->ndev is written under rtnl
 * (a netdevice notifier clears it when an eth device goes away) and read
 * under RCU in the packet path. lana_dev_open()/lana_tap_open()/
 * lana_dev_close()/lana_dev_set_promisc() sleep (process context, no rtnl
 * held by the caller); lana_dev_xmit() runs in the PPE (RCU read side,
 * BH disabled); lana_dev_stats() anywhere.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/dst.h>
#include <net/net_namespace.h>

#include "blocks/lana_block.h"
#include "engine.h"

/* Per-CPU counters of one lana_dev (single writer per CPU). */
struct lana_dev_pcpu {
	u64 rx;		/* frames handed to the graph */
	u64 tx;		/* frames sent / delivered to the host */
	u64 drops;	/* frames lost on the device path */
};

struct lana_hook;

/**
 * struct lana_dev - one block's attachment to a device.
 * @node:    in port->devs (RCU list, newest first)
 * @port:    the hook of the device; never NULL while the lana_dev exists
 * @b:       the eth or tap block that opened it
 * @promisc: this attachment holds a promiscuity reference on the device
 * @st:      per-CPU counters
 */
struct lana_dev {
	struct list_head node;
	struct lana_hook *port;
	struct lana_block *b;
	bool promisc;
	struct lana_dev_pcpu __percpu *st;
};

/**
 * struct lana_hook - a net_device the engine hooks.
 * @node:   in lana_hooks (under lana_dev_lock)
 * @ndev:   the device (a reference is held); NULL once an eth device was
 *          unregistered under us (written under rtnl, read under RCU)
 * @tap:    we created @ndev (tap); else we hook it (eth)
 * @name:   device name at open (tap sharing is by name)
 * @devs:   attached lana_devs, newest first (RCU list)
 * @ndevs:  length of @devs (under lana_dev_lock)
 */
struct lana_hook {
	struct list_head node;
	struct net_device __rcu *ndev;
	bool tap;
	char name[IFNAMSIZ];
	struct list_head devs;
	unsigned int ndevs;
};

/* The private area of a tap net_device. */
struct lana_tap_priv {
	struct lana_hook *port;
};

static DEFINE_MUTEX(lana_dev_lock);
static LIST_HEAD(lana_hooks);
static unsigned int lana_eth_hooks;	/* hooks with an rx_handler */
static bool lana_nb_registered;

/* The network namespace of the process asking (the genl sender). */
static struct net *lana_caller_net(void)
{
	return current->nsproxy ? current->nsproxy->net_ns : &init_net;
}

static void lana_dev_count(struct lana_dev *d, bool ok)
{
	if (ok)
		this_cpu_inc(d->st->tx);
	else
		this_cpu_inc(d->st->drops);
}

/* ------------------------------------------------------------ receive */

/* The block that gets frames arriving at hook @port: the newest attached. */
static struct lana_dev *lana_hook_rx_dev(struct lana_hook *port)
{
	return list_first_or_null_rcu(&port->devs, struct lana_dev, node);
}

/*
 * rx_handler of a hooked device (eth): runs in the receiving CPU's softirq
 * under rcu_read_lock (__netif_receive_skb_core). The frame is given to
 * the graph as it was on the wire: data from the MAC header, a VLAN tag
 * the device stripped (hardware or skb_vlan_untag) put back.
 */
static rx_handler_result_t lana_eth_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct lana_hook *port = rcu_dereference(skb->dev->rx_handler_data);
	struct lana_dev *d;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	d = lana_hook_rx_dev(port);
	if (unlikely(!d))
		return RX_HANDLER_PASS;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		goto drop;
	/* the MAC header back in front; checksums restart from scratch */
	skb_push(skb, skb->data - skb_mac_header(skb));
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	if (skb_vlan_tag_present(skb)) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (unlikely(!skb))
			goto drop;
	}
	this_cpu_inc(d->st->rx);
	lana_ppe_input(d->b, skb);
	return RX_HANDLER_CONSUMED;
drop:
	this_cpu_inc(d->st->drops);
	return RX_HANDLER_CONSUMED;
}

/* ------------------------------------------------------------ tap device */

static int lana_tap_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void lana_tap_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}

static int lana_tap_up(struct net_device *dev)
{
	netif_carrier_on(dev);
	return 0;
}

static int lana_tap_down(struct net_device *dev)
{
	netif_carrier_off(dev);
	return 0;
}

/*
 * A frame the host sends on the tap device enters the graph at OUT port 0
 * of the tap block. Called by __dev_queue_xmit with BH disabled.
 */
static netdev_tx_t lana_tap_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct lana_tap_priv *tp = netdev_priv(dev);
	unsigned int len = skb->len;
	struct lana_dev *d;

	rcu_read_lock();
	d = tp->port ? lana_hook_rx_dev(tp->port) : NULL;
	if (unlikely(!d)) {
		rcu_read_unlock();
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	/* the host's frame, detached from its socket and route */
	skb_orphan(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_clear_tstamp(skb);
	dev_sw_netstats_tx_add(dev, 1, len);
	this_cpu_inc(d->st->rx);
	lana_ppe_input(d->b, skb);
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static const struct net_device_ops lana_tap_ops = {
	.ndo_init = lana_tap_init,
	.ndo_uninit = lana_tap_uninit,
	.ndo_open = lana_tap_up,
	.ndo_stop = lana_tap_down,
	.ndo_start_xmit = lana_tap_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void lana_tap_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &lana_tap_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE | IFF_LIVE_ADDR_CHANGE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->features |= NETIF_F_LLTX;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
}

/* ------------------------------------------------------------ open/close */

static struct lana_dev *lana_dev_new(struct lana_block *b)
{
	struct lana_dev *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	d->st = alloc_percpu(struct lana_dev_pcpu);
	if (!d->st) {
		kfree(d);
		return NULL;
	}
	d->b = b;
	INIT_LIST_HEAD(&d->node);
	return d;
}

static void lana_dev_free(struct lana_dev *d)
{
	free_percpu(d->st);
	kfree(d);
}

/* Attach @d to @port (under lana_dev_lock), newest first. */
static void lana_hook_attach(struct lana_hook *port, struct lana_dev *d)
{
	d->port = port;
	list_add_rcu(&d->node, &port->devs);
	port->ndevs++;
}

static struct lana_hook *lana_hook_find_ndev(const struct net_device *ndev)
{
	struct lana_hook *port;

	list_for_each_entry(port, &lana_hooks, node)
		if (!port->tap && rcu_access_pointer(port->ndev) == ndev)
			return port;
	return NULL;
}

static struct lana_hook *lana_hook_find_tap(const char *name)
{
	struct lana_hook *port;

	list_for_each_entry(port, &lana_hooks, node)
		if (port->tap && !strcmp(port->name, name))
			return port;
	return NULL;
}

/*
 * Netdevice notifier (registered while eth ports exist): an eth device
 * being unregistered (ip link del, its namespace going away) loses our
 * rx_handler and reference; the blocks attached to it then count their
 * input frames as drops until they are closed.
 */
static int lana_netdev_event(struct notifier_block *nb, unsigned long ev,
			     void *ptr)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(ptr);
	struct lana_hook *port;

	if (ev != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	if (rcu_access_pointer(ndev->rx_handler) != lana_eth_rx)
		return NOTIFY_DONE;
	port = rtnl_dereference(ndev->rx_handler_data);
	RCU_INIT_POINTER(port->ndev, NULL);
	netdev_rx_handler_unregister(ndev);	/* includes synchronize_net */
	dev_put(ndev);
	netdev_warn(ndev, "lana: device unregistered while a graph uses it\n");
	return NOTIFY_OK;
}

static struct notifier_block lana_netdev_nb = {
	.notifier_call = lana_netdev_event,
};

struct lana_dev *lana_dev_open(struct lana_block *b, const char *ifname,
			       unsigned int flags)
{
	struct lana_hook *port, *newport = NULL;
	struct net_device *ndev;
	struct lana_dev *d;
	int err;

	d = lana_dev_new(b);
	newport = kzalloc(sizeof(*newport), GFP_KERNEL);
	if (!d || !newport) {
		lana_block_error(b, "out of memory");
		goto fail_free;
	}
	mutex_lock(&lana_dev_lock);
	if (!lana_nb_registered) {
		err = register_netdevice_notifier(&lana_netdev_nb);
		if (err) {
			lana_block_error(b, "cannot watch devices (%d)", err);
			goto fail_unlock;
		}
		lana_nb_registered = true;
	}
	rtnl_lock();
	ndev = __dev_get_by_name(lana_caller_net(), ifname);
	if (!ndev) {
		lana_block_error(b, "no such device '%s'", ifname);
		goto fail_rtnl;
	}
	if (ndev->netdev_ops == &lana_tap_ops) {
		lana_block_error(b, "'%s' is a tap device of a graph", ifname);
		goto fail_rtnl;
	}
	port = lana_hook_find_ndev(ndev);
	if (!port) {
		port = newport;
		newport = NULL;
		INIT_LIST_HEAD(&port->devs);
		strscpy(port->name, ifname, sizeof(port->name));
		RCU_INIT_POINTER(port->ndev, ndev);
		err = netdev_rx_handler_register(ndev, lana_eth_rx, port);
		if (err) {
			lana_block_error(b, "cannot attach to '%s': %s", ifname,
					 err == -EBUSY ?
					 "in use (bridge, bond or macvlan port?)" :
					 "rx_handler refused");
			newport = port;
			goto fail_rtnl;
		}
		dev_hold(ndev);
		list_add(&port->node, &lana_hooks);
		lana_eth_hooks++;
	}
	if (flags & LANA_DEV_PROMISC) {
		err = dev_set_promiscuity(ndev, 1);
		if (err)
			lana_block_error(b, "cannot make '%s' promiscuous (%d)",
					 ifname, err);
		else
			d->promisc = true;
	}
	lana_hook_attach(port, d);
	rtnl_unlock();
	mutex_unlock(&lana_dev_lock);
	kfree(newport);
	return d;

fail_rtnl:
	rtnl_unlock();
fail_unlock:
	if (!lana_eth_hooks && lana_nb_registered) {
		unregister_netdevice_notifier(&lana_netdev_nb);
		lana_nb_registered = false;
	}
	mutex_unlock(&lana_dev_lock);
fail_free:
	kfree(newport);
	if (d)
		lana_dev_free(d);
	return NULL;
}

struct lana_dev *lana_tap_open(struct lana_block *b, const char *ifname,
			       const uint8_t *mac, uint32_t mtu)
{
	struct lana_tap_priv *tp;
	struct net_device *ndev;
	struct lana_hook *port;
	struct lana_dev *d;
	int err;

	d = lana_dev_new(b);
	if (!d) {
		lana_block_error(b, "out of memory");
		return NULL;
	}
	mutex_lock(&lana_dev_lock);
	port = lana_hook_find_tap(ifname);
	if (port) {
		/* a REPLACE of the tap block: share the existing device */
		rtnl_lock();
		ndev = rtnl_dereference(port->ndev);
		if (mac && !ether_addr_equal(ndev->dev_addr, mac)) {
			struct sockaddr sa = { .sa_family = ndev->type };

			memcpy(sa.sa_data, mac, ETH_ALEN);
			err = dev_set_mac_address(ndev, &sa, NULL);
			if (err)
				netdev_warn(ndev, "lana: cannot set MAC %pM (%d)\n",
					    mac, err);
		}
		if (ndev->mtu != mtu) {
			err = dev_set_mtu(ndev, mtu);
			if (err)
				netdev_warn(ndev, "lana: cannot set MTU %u (%d)\n",
					    mtu, err);
		}
		lana_hook_attach(port, d);
		rtnl_unlock();
		mutex_unlock(&lana_dev_lock);
		return d;
	}

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	ndev = alloc_netdev(sizeof(*tp), ifname, NET_NAME_USER, lana_tap_setup);
	if (!port || !ndev) {
		lana_block_error(b, "out of memory");
		goto fail;
	}
	if (!dev_valid_name(ifname)) {
		lana_block_error(b, "invalid device name '%s'", ifname);
		goto fail;
	}
	if (mtu < ndev->min_mtu || mtu > ndev->max_mtu) {
		lana_block_error(b, "mtu %u out of range %u..%u", mtu,
				 ndev->min_mtu, ndev->max_mtu);
		goto fail;
	}
	ndev->mtu = mtu;
	if (mac && is_valid_ether_addr(mac))
		eth_hw_addr_set(ndev, mac);
	else if (mac) {
		lana_block_error(b, "invalid MAC address %pM (multicast or zero)",
				 mac);
		goto fail;
	} else {
		eth_hw_addr_random(ndev);
	}
	dev_net_set(ndev, lana_caller_net());
	tp = netdev_priv(ndev);
	tp->port = port;
	INIT_LIST_HEAD(&port->devs);
	strscpy(port->name, ifname, sizeof(port->name));
	port->tap = true;
	RCU_INIT_POINTER(port->ndev, ndev);
	lana_hook_attach(port, d);
	err = register_netdev(ndev);
	if (err) {
		lana_block_error(b, "cannot create device '%s': %s", ifname,
				 err == -EEXIST ? "name in use" : "refused");
		goto fail;
	}
	list_add(&port->node, &lana_hooks);
	mutex_unlock(&lana_dev_lock);
	return d;

fail:
	mutex_unlock(&lana_dev_lock);
	if (ndev)
		free_netdev(ndev);
	kfree(port);
	lana_dev_free(d);
	return NULL;
}

void lana_dev_close(struct lana_dev *d)
{
	struct lana_hook *port;
	struct net_device *ndev;
	bool free_port = false;

	if (!d)
		return;
	port = d->port;
	mutex_lock(&lana_dev_lock);
	rtnl_lock();
	ndev = rtnl_dereference(port->ndev);
	if (d->promisc && ndev)
		dev_set_promiscuity(ndev, -1);
	list_del_rcu(&d->node);
	if (--port->ndevs == 0) {
		list_del(&port->node);
		free_port = true;
		if (port->tap) {
			/* no frame reaches the port once it is unregistered */
			unregister_netdevice(ndev);
		} else if (ndev) {
			RCU_INIT_POINTER(port->ndev, NULL);
			netdev_rx_handler_unregister(ndev);
			dev_put(ndev);
		}
		if (!port->tap)
			lana_eth_hooks--;
	}
	rtnl_unlock();
	/* readers of d (rx handler, tap xmit) and of port are done after this */
	synchronize_net();
	if (!lana_eth_hooks && lana_nb_registered) {
		unregister_netdevice_notifier(&lana_netdev_nb);
		lana_nb_registered = false;
	}
	mutex_unlock(&lana_dev_lock);
	if (free_port)
		kfree(port);
	lana_dev_free(d);
}

int lana_dev_set_promisc(struct lana_dev *d, bool on)
{
	struct net_device *ndev;
	int err = 0;

	if (!d)
		return -ENODEV;
	if (d->promisc == on)
		return 0;
	rtnl_lock();
	ndev = rtnl_dereference(d->port->ndev);
	if (!ndev)
		err = -ENODEV;
	else
		err = dev_set_promiscuity(ndev, on ? 1 : -1);
	if (!err)
		d->promisc = on;
	rtnl_unlock();
	return err;
}

/* ------------------------------------------------------------ transmit */

/* Prepare @skb, leaving the graph on @ndev; false if it must be dropped. */
static bool lana_xmit_prep(struct sk_buff *skb, struct net_device *ndev)
{
	if (unlikely(skb->len < ETH_HLEN))
		return false;
	if (skb->dev && !net_eq(dev_net(skb->dev), dev_net(ndev)))
		skb_scrub_packet(skb, true);
	skb->dev = ndev;
	return true;
}

/*
 * eth: each frame is sent with dev_queue_xmit() (it may still be dropped
 * by the device's qdisc or driver; NET_XMIT_CN counts as sent, like the
 * bridge). tap: each frame is delivered to the host stack through the tap
 * device with dev_forward_skb() (MTU check, scrub, eth_type_trans, then
 * netif_rx), as veth does.
 */
unsigned int lana_dev_xmit(struct lana_dev *d, struct lana_burst *v)
{
	struct net_device *ndev;
	unsigned int i, sent = 0;

	rcu_read_lock();
	ndev = rcu_dereference(d->port->ndev);
	for (i = 0; i < v->n; i++) {
		struct sk_buff *skb = lana_pkt_skb(v->pkt[i]);
		unsigned int len = skb->len;
		bool ok;

		v->verdict[i] = LANA_STOLEN;
		if (unlikely(!ndev || !(ndev->flags & IFF_UP) ||
			     !lana_xmit_prep(skb, ndev))) {
			kfree_skb(skb);
			lana_dev_count(d, false);
			continue;
		}
		if (d->port->tap) {
			ok = dev_forward_skb(ndev, skb) == NET_RX_SUCCESS;
			if (ok)
				dev_sw_netstats_rx_add(ndev, len);
		} else if (unlikely(!is_skb_forwardable(ndev, skb))) {
			kfree_skb(skb);
			ok = false;
		} else {
			int rc;

			skb_clear_tstamp(skb);
			rc = dev_queue_xmit(skb);
			ok = !net_xmit_eval(rc);	/* a macro: rc once */
		}
		lana_dev_count(d, ok);
		sent += ok;
	}
	rcu_read_unlock();
	return sent;
}

void lana_dev_stats(const struct lana_dev *d, uint64_t *rx, uint64_t *tx,
		    uint64_t *drops)
{
	int cpu;

	*rx = *tx = *drops = 0;
	if (!d)
		return;
	for_each_possible_cpu(cpu) {
		const struct lana_dev_pcpu *s = per_cpu_ptr(d->st, cpu);

		*rx += READ_ONCE(s->rx);
		*tx += READ_ONCE(s->tx);
		*drops += READ_ONCE(s->drops);
	}
}
