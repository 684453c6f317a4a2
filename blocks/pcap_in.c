// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/pcap_in.c - replay frames from a pcap capture file.
 *
 * pcap_in(file, loop = 1, pace = false)   out: eth
 *
 * Reads the libpcap savefile @file (pcap(3PCAP), link type Ethernet) and
 * emits its frames at `out`, @loop times (0 = forever), either as fast as
 * the graph accepts them or, with @pace, with the recorded inter-packet gaps.
 * Userspace engine only.
 */
#include "lana_block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

enum { PCAP_IN_P_FILE, PCAP_IN_P_LOOP, PCAP_IN_P_PACE, PCAP_IN_P_MAX };

static const struct lana_param pcap_in_params[] = {
	[PCAP_IN_P_FILE] = {
		.name = "file", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED,
		.doc = "path of the pcap file to read",
	},
	[PCAP_IN_P_LOOP] = {
		.name = "loop", .type = LANA_PT_U32, .def = "1",
		.doc = "times to play the file; 0 = forever",
	},
	[PCAP_IN_P_PACE] = {
		.name = "pace", .type = LANA_PT_BOOL, .def = "false",
		.doc = "replay with the recorded inter-packet gaps",
	},
	[PCAP_IN_P_MAX] = LANA_PARAM_END
};

static const struct lana_port pcap_in_ports[] = {
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames read from the file" },
	LANA_PORT_END
};

/*
 * Everything is touched only by the one worker running poll(), and by
 * init/fini; the counter `read` lives in the pcpu area.
 * Timestamps are read with nanosecond precision (libpcap scales
 * microsecond files), pcap_open_offline_with_tstamp_precision(3PCAP).
 */
struct pcap_in_priv {
	pcap_t *pc;
	char *file;
	uint32_t loop;		/* passes to play, 0 = forever */
	bool pace;
	bool done;
	uint32_t passes;	/* passes completed */
	uint64_t pass_read;	/* frames read in the current pass */
	uint64_t first_ts;	/* file time of the pass's first frame, ns */
	uint64_t start_ns;	/* lana_now_ns() when it was emitted */
	struct lana_pkt *pending;	/* read, but not due yet (pace) */
};

struct pcap_in_pcpu {
	uint64_t read;
};

static const struct lana_counter pcap_in_counters[] = {
	LANA_COUNTER(struct pcap_in_pcpu, read,
		     "frames read from the file, over all passes"),
	LANA_COUNTER_END
};

static pcap_t *pcap_in_open(const char *file, char *errbuf)
{
	return pcap_open_offline_with_tstamp_precision(file,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
}

static int pcap_in_init(struct lana_block *b, const struct lana_value *params)
{
	struct pcap_in_priv *pi = b->priv;
	const char *file = params[PCAP_IN_P_FILE].str;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int dlt;

	if (params[PCAP_IN_P_FILE].type != LANA_PT_STRING || !file) {
		lana_block_error(b, "file is required");
		return -EINVAL;
	}
	pi->loop = 1;
	if (params[PCAP_IN_P_LOOP].type != LANA_PT_NONE)
		pi->loop = (uint32_t)params[PCAP_IN_P_LOOP].u;
	if (params[PCAP_IN_P_PACE].type == LANA_PT_BOOL)
		pi->pace = params[PCAP_IN_P_PACE].b;

	pi->pc = pcap_in_open(file, errbuf);
	if (!pi->pc) {
		lana_block_error(b, "cannot open '%s': %s", file, errbuf);
		return -ENOENT;
	}
	dlt = pcap_datalink(pi->pc);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		lana_block_error(b, "'%s': link type %s, only EN10MB "
				 "(Ethernet) is supported", file,
				 name ? name : "unknown");
		pcap_close(pi->pc);
		pi->pc = NULL;
		return -EINVAL;
	}
	pi->file = strdup(file);
	if (!pi->file) {
		lana_block_error(b, "out of memory");
		pcap_close(pi->pc);
		pi->pc = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void pcap_in_fini(struct lana_block *b)
{
	struct pcap_in_priv *pi = b->priv;

	if (pi->pending)
		lana_pkt_free(pi->pending);
	if (pi->pc)
		pcap_close(pi->pc);
	free(pi->file);
	pi->pending = NULL;
	pi->pc = NULL;
	pi->file = NULL;
}

/*
 * End of a pass: start the next one by reopening the file (works for
 * pcap and pcapng alike), or end the source. A pass without frames ends
 * it too, else an empty file with loop = 0 would spin forever.
 */
static void pcap_in_rewind(struct pcap_in_priv *pi, bool error)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	pi->passes++;
	if (error || !pi->pass_read || (pi->loop && pi->passes >= pi->loop)) {
		pi->done = true;
		return;
	}
	pcap_close(pi->pc);
	pi->pc = pcap_in_open(pi->file, errbuf);
	pi->pass_read = 0;
	if (!pi->pc)
		pi->done = true;
}

/* The next frame of the file, or NULL at the end of the source. */
static struct lana_pkt *pcap_in_next(struct lana_block *b,
				     struct pcap_in_priv *pi, uint64_t now)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct lana_pkt *p;
	uint64_t ts;
	int r;

	while (!pi->done) {
		r = pcap_next_ex(pi->pc, &h, &data);
		if (r != 1) {
			pcap_in_rewind(pi, r != PCAP_ERROR_BREAK);
			continue;
		}
		ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
		     (uint64_t)h->ts.tv_usec;
		if (!pi->pass_read++) {
			pi->first_ts = ts;
			pi->start_ns = now;
		}
		if (!h->caplen)
			continue;
		p = lana_pkt_alloc(b, h->caplen);
		if (!p)
			return NULL;
		memcpy(lana_pkt_data(p), data, h->caplen);
		p->ts_ns = ts;
		return p;
	}
	return NULL;
}

static int pcap_in_poll(struct lana_block *b, struct lana_burst *v)
{
	struct pcap_in_priv *pi = b->priv;
	struct pcap_in_pcpu *c = lana_block_pcpu(b);
	uint64_t now = lana_now_ns();
	unsigned int n = 0;

	while (n < LANA_BURST) {
		struct lana_pkt *p = pi->pending;

		if (p)
			pi->pending = NULL;
		else
			p = pcap_in_next(b, pi, now);
		if (!p)
			break;
		/* pace: the recorded gap to the pass's first frame */
		if (pi->pace && p->ts_ns > pi->first_ts &&
		    pi->start_ns + (p->ts_ns - pi->first_ts) > now) {
			pi->pending = p;
			break;
		}
		v->pkt[n++] = p;
	}
	v->n = (uint16_t)n;
	__atomic_store_n(&c->read, c->read + n, __ATOMIC_RELAXED);
	if (!n && pi->done && !pi->pending)
		return -1;
	return (int)n;
}

LANA_BLOCK_TYPE(pcap_in) = {
	.name = "pcap_in",
	.synopsis = "pcap_in(file, loop = 1, pace = false)   out: eth",
	.doc = "Replay frames from a pcap capture file. The Ethernet frames of "
	       "file leave at out, loop times (0 = forever), as fast as "
	       "possible or, with pace, with the inter-packet gaps recorded in "
	       "the file. Userspace engine only.",
	.params = pcap_in_params,
	.ports = pcap_in_ports,
	.counters = pcap_in_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_SOURCE,
	.priv_size = sizeof(struct pcap_in_priv),
	.pcpu_size = sizeof(struct pcap_in_pcpu),
	.init = pcap_in_init,
	.fini = pcap_in_fini,
	.poll = pcap_in_poll,
};
