// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/ifimport.c - use an interface another host exports.
 *
 * ifimport(dev)   in: raw, dev_in: eth -> out: raw, dev_out: eth
 *
 * The importer's side of Flying Interfaces (Barraca et al., "Network
 * Interfaces Flying over IP Networks"; docs/flyif.md): the TAP clone @dev
 * (made by tap(name = dev), share/lana/std/import_if.lana composes them)
 * stands for the exporter's interface. Frames the host sends on it
 * (`dev_in`) leave at `out` wrapped in DATA messages (blocks/flyif.h);
 * DATA messages entering `in` leave unwrapped at `dev_out`, delivered to
 * the host through the TAP. LINK messages make the TAP take the exported
 * interface's MAC address and MTU, and its carrier follow the remote one;
 * without a LINK message for 3 of the exporter's intervals (each message
 * says its interval) the carrier goes down: the owner or the tunnel is
 * dead. Anything malformed is dropped and counted.
 *
 * The packet path only records the state a LINK message carries; a thread
 * of the block's own applies it (one RTM_NEWLINK with IFLA_ADDRESS,
 * IFLA_MTU and IFLA_CARRIER: rtnl-locked work never runs in a worker) and
 * keeps the deadline of the timeout. The TAP may appear after the block
 * (NEW order, a REPLACE of the tap): what fails is retried every
 * IFI_RETRY_MS. Userspace engine only.
 */
#include "lana_block.h"
#include "flyif.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define IFI_RETRY_MS	100	/* a failed change is tried again after */
#define IFI_IDLE_MS	1000	/* longest sleep of the thread */

enum { IFI_P_DEV, IFI_P_MAX };

static const struct lana_param ifi_params[] = {
	[IFI_P_DEV] = {
		.name = "dev", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_RANGE, .min = 1, .max = 15,
		.doc = "the TAP standing for the exported interface (at most "
		       "15 bytes), made by tap(name = dev)",
	},
	[IFI_P_MAX] = LANA_PARAM_END
};

enum { IFI_IN_NET, IFI_IN_DEV };	/* IN ports */
enum { IFI_OUT_NET, IFI_OUT_DEV };	/* OUT ports */

static const struct lana_port ifi_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_RAW,
	  .doc = "messages from the exporter: DATA and LINK" },
	{ .name = "dev_in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames the host sent on the TAP (from tap(name = dev))" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_RAW,
	  .doc = "DATA messages to the exporter" },
	{ .name = "dev_out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames for the host (to tap(name = dev))" },
	LANA_PORT_END
};

struct ifi_pcpu {
	uint64_t data_out;
	uint64_t data_in;
	uint64_t link_in;
	uint64_t malformed;
	uint64_t nomem;
};

static const struct lana_counter ifi_counters[] = {
	LANA_COUNTER(struct ifi_pcpu, data_out,
		     "frames of the host sent to the exporter in DATA "
		     "messages"),
	LANA_COUNTER(struct ifi_pcpu, data_in,
		     "frames from the exporter's DATA messages, to the host"),
	LANA_COUNTER(struct ifi_pcpu, link_in, "LINK messages taken"),
	LANA_COUNTER(struct ifi_pcpu, malformed,
		     "messages at in dropped as malformed (docs/flyif.md), "
		     "LINK messages with values that cannot be applied, "
		     "frames at dev_in too long for a DATA message"),
	LANA_COUNTER(struct ifi_pcpu, nomem,
		     "frames lost for want of headroom"),
	LANA_COUNTER_OP("carrier", "1 while the TAP should have carrier: "
			"the exported interface is up with carrier and its "
			"last LINK message is younger than 3 intervals"),
	LANA_COUNTER_OP("timeouts", "times the carrier went down because "
			"no LINK message came for 3 intervals"),
	LANA_COUNTER_OP("applied", "changes made to the TAP (MAC address, "
			"MTU, carrier)"),
	LANA_COUNTER_OP("apply_errors", "changes the kernel refused, or "
			"made while the TAP did not exist (retried)"),
	LANA_COUNTER_OP("remote_rx_packets", "the exported interface's "
			"counters, as its last LINK message gave them: "
			"packets received"),
	LANA_COUNTER_OP("remote_rx_bytes", "bytes received there"),
	LANA_COUNTER_OP("remote_tx_packets", "packets sent there"),
	LANA_COUNTER_OP("remote_tx_bytes", "bytes sent there"),
	LANA_COUNTER_END
};

/* What the thread last made the TAP. */
struct ifi_applied {
	bool valid;		/* something was applied */
	bool has_addr;		/* @mac and @mtu were set */
	bool carrier;
	uint8_t mac[6];
	uint32_t mtu;
};

struct ifi_priv {
	char dev[IFNAMSIZ];
	pthread_mutex_t lock;	/* all below */
	pthread_cond_t cond;	/* a LINK came, or stop */
	bool have;		/* a LINK came */
	struct flyif_link want;	/* the last LINK's state */
	uint64_t last_ns;	/* when it came */
	bool stop;
	struct ifi_applied ap;
	uint64_t timeouts, applied, apply_errors;
	int nl;			/* the thread's rtnetlink socket */
	pthread_t thr;
	bool thr_up, sync_up;
};

/*
 * One step of the thread (lock held): apply what the TAP should be now
 * if it differs, and return when to look again (ns).
 */
static uint64_t ifi_step(struct lana_block *b, struct ifi_priv *x)
{
	const uint32_t up = FLYIF_F_UP | FLYIF_F_CARRIER;
	uint64_t now = lana_now_ns(), idle = now + IFI_IDLE_MS * 1000000ull;
	bool c = flyif_carrier_want(x->have ? &x->want : NULL, x->last_ns,
				    now);
	bool addr = x->have && (!x->ap.has_addr ||
				memcmp(x->ap.mac, x->want.mac, 6) ||
				x->ap.mtu != x->want.mtu);
	struct flyif_link w = x->want;
	uint64_t dl;
	int err;

	if (!x->ap.valid || c != x->ap.carrier || addr) {
		bool timed_out = x->have && x->ap.carrier && !c &&
				 (w.flags & up) == up;

		pthread_mutex_unlock(&x->lock);
		err = flyif_nl_setlink(x->nl, x->dev, addr ? w.mac : NULL,
				       addr ? w.mtu : 0, c);
		pthread_mutex_lock(&x->lock);
		if (err) {
			if (!x->apply_errors++ || err != -ENODEV)
				lana_block_log(b, LOG_WARNING, "cannot set "
					       "%s: %s (retrying)", x->dev,
					       strerror(-err));
			return now + IFI_RETRY_MS * 1000000ull;
		}
		x->applied++;
		if (timed_out)
			x->timeouts++;
		x->ap.valid = true;
		x->ap.carrier = c;
		if (addr) {
			x->ap.has_addr = true;
			memcpy(x->ap.mac, w.mac, 6);
			x->ap.mtu = w.mtu;
		}
	}
	if (!c)
		return idle;
	dl = flyif_deadline(&x->want, x->last_ns);
	return dl < idle ? dl : idle;
}

static void *ifi_main(void *arg)
{
	struct lana_block *b = arg;
	struct ifi_priv *x = b->priv;

	pthread_mutex_lock(&x->lock);
	while (!x->stop) {
		uint64_t at = ifi_step(b, x);
		struct timespec ts = {
			.tv_sec = (time_t)(at / 1000000000u),
			.tv_nsec = (long)(at % 1000000000u),
		};

		if (!x->stop)
			pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

static void ifi_fini(struct lana_block *b)
{
	struct ifi_priv *x = b->priv;

	if (x->thr_up) {
		pthread_mutex_lock(&x->lock);
		x->stop = true;
		pthread_cond_signal(&x->cond);
		pthread_mutex_unlock(&x->lock);
		pthread_join(x->thr, NULL);
		x->thr_up = false;
	}
	if (x->nl >= 0)
		close(x->nl);
	x->nl = -1;
	if (x->sync_up) {
		pthread_cond_destroy(&x->cond);
		pthread_mutex_destroy(&x->lock);
		x->sync_up = false;
	}
}

static int ifi_init(struct lana_block *b, const struct lana_value *params)
{
	struct ifi_priv *x = b->priv;
	pthread_condattr_t ca;
	int err;

	x->nl = -1;
	if (params[IFI_P_DEV].type != LANA_PT_STRING) {
		lana_block_error(b, "dev is required");
		return -EINVAL;
	}
	strncpy(x->dev, params[IFI_P_DEV].str, sizeof(x->dev) - 1);
	pthread_mutex_init(&x->lock, NULL);
	pthread_condattr_init(&ca);
	/* lana_now_ns() is CLOCK_MONOTONIC */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&x->cond, &ca);
	pthread_condattr_destroy(&ca);
	x->sync_up = true;
	x->nl = flyif_nl_open(false);
	if (x->nl < 0) {
		err = x->nl;
		lana_block_error(b, "no rtnetlink socket: %s", strerror(-err));
		goto fail;
	}
	err = -pthread_create(&x->thr, NULL, ifi_main, b);
	if (err) {
		lana_block_error(b, "cannot start its thread: %s",
				 strerror(-err));
		goto fail;
	}
	x->thr_up = true;
	return 0;
fail:
	ifi_fini(b);
	return err;
}

/* A LINK message @l came: keep it, wake the thread. */
static void ifi_link(struct ifi_priv *x, const struct flyif_link *l)
{
	pthread_mutex_lock(&x->lock);
	x->want = *l;
	x->have = true;
	x->last_ns = lana_now_ns();
	pthread_cond_signal(&x->cond);
	pthread_mutex_unlock(&x->lock);
}

/*
 * Frames of the host (dev_in) leave wrapped at out; DATA messages at in
 * leave unwrapped at dev_out, LINK messages are taken, anything else at
 * in is dropped.
 */
static int ifi_rx(struct lana_block *b, struct lana_burst *v)
{
	struct ifi_priv *x = b->priv;
	struct ifi_pcpu *c = lana_block_pcpu(b);
	uint16_t i;

	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		uint32_t len = lana_pkt_len(p), plen;
		struct flyif_link l;
		uint8_t *h;

		v->verdict[i] = LANA_DROP;
		if (v->in_port == IFI_IN_DEV) {
			if (len > UINT16_MAX) {
				c->malformed++;
			} else if (!(h = lana_pkt_push(p, FLYIF_HDR_LEN))) {
				c->nomem++;
			} else {
				flyif_hdr_write(h, FLYIF_T_DATA,
						(uint16_t)len);
				c->data_out++;
				v->verdict[i] = IFI_OUT_NET;
			}
			continue;
		}
		switch (flyif_parse(lana_pkt_data(p), len, &plen)) {
		case FLYIF_T_DATA:
			if (lana_pkt_pull(p, FLYIF_HDR_LEN)) {
				c->data_in++;
				v->verdict[i] = IFI_OUT_DEV;
			} else {
				c->malformed++;
			}
			break;
		case FLYIF_T_LINK:
			if (flyif_link_read(lana_pkt_data(p) + FLYIF_HDR_LEN,
					    &l)) {
				c->malformed++;
				break;
			}
			c->link_in++;
			ifi_link(x, &l);
			lana_pkt_free(p);	/* consumed, not a drop */
			v->verdict[i] = LANA_STOLEN;
			break;
		default:
			c->malformed++;
		}
	}
	return LANA_RX_VERDICTS;
}

static unsigned int ifi_stats(const struct lana_block *b,
			      struct lana_stat *out, unsigned int max)
{
	struct ifi_priv *x = b->priv;
	bool c;

	if (max < 8)
		return 0;
	pthread_mutex_lock(&x->lock);
	c = flyif_carrier_want(x->have ? &x->want : NULL, x->last_ns,
			       lana_now_ns());
	out[0] = (struct lana_stat){ .name = "carrier", .value = c };
	out[1] = (struct lana_stat){ .name = "timeouts",
				     .value = x->timeouts };
	out[2] = (struct lana_stat){ .name = "applied", .value = x->applied };
	out[3] = (struct lana_stat){ .name = "apply_errors",
				     .value = x->apply_errors };
	out[4] = (struct lana_stat){ .name = "remote_rx_packets",
				     .value = x->want.rx_packets };
	out[5] = (struct lana_stat){ .name = "remote_rx_bytes",
				     .value = x->want.rx_bytes };
	out[6] = (struct lana_stat){ .name = "remote_tx_packets",
				     .value = x->want.tx_packets };
	out[7] = (struct lana_stat){ .name = "remote_tx_bytes",
				     .value = x->want.tx_bytes };
	pthread_mutex_unlock(&x->lock);
	return 8;
}

LANA_BLOCK_TYPE(ifimport) = {
	.name = "ifimport",
	.synopsis = "ifimport(dev)   "
		    "in: raw, dev_in: eth -> out: raw, dev_out: eth",
	.doc = "Use a network interface another host exports (Flying "
	       "Interfaces). The importer's side (docs/flyif.md): the TAP "
	       "dev, made by tap(name = dev), stands for the exporter's "
	       "interface. Frames the host "
	       "sends on it, entering at dev_in, leave at out wrapped in DATA "
	       "messages; DATA messages entering at in leave unwrapped at "
	       "dev_out, for the host. LINK messages give the TAP the "
	       "exported interface's MAC address and MTU and make its "
	       "carrier follow the remote one; with no LINK message for 3 of "
	       "the exporter's intervals the carrier goes down. A thread of "
	       "the block changes the TAP over rtnetlink, off the packet "
	       "path. Malformed messages are dropped and counted. "
	       "std/import_if.lana composes it with tap and udp. Userspace "
	       "engine only.",
	.params = ifi_params,
	.ports = ifi_ports,
	.counters = ifi_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_FINAL,
	.priv_size = sizeof(struct ifi_priv),
	.pcpu_size = sizeof(struct ifi_pcpu),
	.init = ifi_init,
	.fini = ifi_fini,
	.rx = ifi_rx,
	.stats = ifi_stats,
};
