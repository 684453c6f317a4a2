// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/pcap_in.c - replay frames from a pcap capture file.
 *
 * pcap_in(file, loop = 1, pace = false)   out: eth
 *
 * Reads the libpcap savefile @file (pcap(3PCAP), link type Ethernet) and
 * emits its frames at `out`, @loop times (0 = forever), either as fast as
 * the graph accepts them or, with @pace, with the recorded inter-packet gaps.
 * Userspace engine only. In lanad @file is confined to the pcap
 * directories (--pcap-dir, blocks/pcap_file.h).
 *
 * A record libpcap cannot read (pcap_next_ex(3PCAP) PCAP_ERROR: cut short,
 * or a capture length above its limit, 256 KiB for Ethernet) ends the
 * source: it is counted (`errors`) and logged with its file offset. A
 * capture length above the file's snaplen but within the limit is not an
 * error for libpcap: the frame comes out cut to the snaplen.
 */
#include "lana_block.h"
#include "pcap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <pcap/pcap.h>

enum { PCAP_IN_P_FILE, PCAP_IN_P_LOOP, PCAP_IN_P_PACE, PCAP_IN_P_MAX };

static const struct lana_param pcap_in_params[] = {
	[PCAP_IN_P_FILE] = {
		.name = "file", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED,
		.doc = "path of the pcap file to read (lanad: inside its "
		       "--pcap-dir)",
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
	struct pcap_file file;	/* resolved once, reopened each pass */
	uint32_t loop;		/* passes to play, 0 = forever */
	bool pace;
	bool done;
	uint32_t passes;	/* passes completed */
	uint64_t pass_read;	/* frames read in the current pass */
	uint64_t first_ts;	/* file time of the pass's first frame, ns */
	uint64_t start_ns;	/* lana_now_ns() when it was emitted */
	struct lana_pkt *pending;	/* read, but not due yet (pace) */
	long off;		/* where the next record starts (counted) */
	bool counted;		/* classic pcap: @off counted, not ftell'd */
};

struct pcap_in_pcpu {
	uint64_t read;
	uint64_t errors;
};

static const struct lana_counter pcap_in_counters[] = {
	LANA_COUNTER(struct pcap_in_pcpu, read,
		     "frames read from the file, over all passes"),
	LANA_COUNTER(struct pcap_in_pcpu, errors,
		     "corrupt or truncated records that ended the replay "
		     "(logged with their file offset)"),
	LANA_COUNTER_END
};

/*
 * Open the resolved file @f for reading: by path as libpcap does when
 * not confined (`lanarun run`: "-" is standard input), else through
 * pcap_file_open() (O_NOFOLLOW beneath the pcap directory), only a
 * regular file or a FIFO, and without waiting for a FIFO's writer
 * (O_NONBLOCK for the open only: a FIFO without one reads as empty).
 * NULL with the reason in @errbuf (PCAP_ERRBUF_SIZE bytes).
 */
static pcap_t *pcap_in_open(const struct pcap_file *f, char *errbuf)
{
	struct stat st;
	pcap_t *pc;
	FILE *fp;
	int fd, r;

	if (!f->confined)
		return pcap_open_offline_with_tstamp_precision(f->path,
				PCAP_TSTAMP_PRECISION_NANO, errbuf);
	fd = pcap_file_open(f, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0) {
		pcap_file_strerror(f, fd, errbuf, PCAP_ERRBUF_SIZE);
		return NULL;
	}
	r = fstat(fd, &st) ? -errno : 0;
	if (r)
		pcap_file_strerror(f, r, errbuf, PCAP_ERRBUF_SIZE);
	else
		r = pcap_file_check(f, &st, errbuf, PCAP_ERRBUF_SIZE);
	if (!r && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		r = -errno;
		pcap_file_strerror(f, r, errbuf, PCAP_ERRBUF_SIZE);
	}
	fp = r ? NULL : fdopen(fd, "rb");
	if (!fp) {
		if (!r)
			pcap_file_strerror(f, -errno, errbuf, PCAP_ERRBUF_SIZE);
		close(fd);
		return NULL;
	}
	pc = pcap_fopen_offline_with_tstamp_precision(fp,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		char why[PCAP_ERRBUF_SIZE];

		/* libpcap's reason, but with the path, as for the others */
		snprintf(why, sizeof(why), "%s", errbuf);
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "cannot open '%.96s': "
			 "%.140s", f->path, why);
		fclose(fp);
	}
	return pc;
}

/*
 * Where the next record starts, for pcap_in_corrupt(): an ftell(3) per
 * record costs an lseek(2) per frame (perf: half of pcap_in's time), so
 * for classic pcap files (pcap-savefile(5): a 24-byte header, then a
 * 16-byte header and caplen bytes per record; magic a1b2c3d4 or, with
 * nanoseconds, a1b23c4d, in either byte order) the offset is counted
 * from one ftell after the file header. pcapng files (blocks of varying
 * size) keep the ftell per record; a FIFO has no offset (-1).
 */
static void pcap_in_mark(struct pcap_in_priv *pi)
{
	FILE *fp = pcap_file(pi->pc);
	uint8_t m[4];

	pi->off = ftell(fp);
	pi->counted = pi->off >= 0 && pread(fileno(fp), m, 4, 0) == 4 &&
		      ((m[0] == 0xa1 && m[1] == 0xb2 &&
			((m[2] == 0xc3 && m[3] == 0xd4) ||
			 (m[2] == 0x3c && m[3] == 0x4d))) ||
		       (m[3] == 0xa1 && m[2] == 0xb2 &&
			((m[1] == 0xc3 && m[0] == 0xd4) ||
			 (m[1] == 0x3c && m[0] == 0x4d))));
}

static int pcap_in_init(struct lana_block *b, const struct lana_value *params)
{
	struct pcap_in_priv *pi = b->priv;
	const char *file = params[PCAP_IN_P_FILE].str;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int dlt, r;

	if (params[PCAP_IN_P_FILE].type != LANA_PT_STRING || !file) {
		lana_block_error(b, "file is required");
		return -EINVAL;
	}
	pi->loop = 1;
	if (params[PCAP_IN_P_LOOP].type != LANA_PT_NONE)
		pi->loop = (uint32_t)params[PCAP_IN_P_LOOP].u;
	if (params[PCAP_IN_P_PACE].type == LANA_PT_BOOL)
		pi->pace = params[PCAP_IN_P_PACE].b;

	r = pcap_file_resolve(&pi->file, lana_block_pcap_dirs(b), file,
			      errbuf, sizeof(errbuf));
	if (r) {
		lana_block_error(b, "%s", errbuf);
		pcap_file_release(&pi->file);
		return r;
	}
	pi->pc = pcap_in_open(&pi->file, errbuf);
	if (!pi->pc) {
		if (pi->file.confined)
			lana_block_error(b, "%s", errbuf);
		else
			lana_block_error(b, "cannot open '%s': %s", file,
					 errbuf);
		pcap_file_release(&pi->file);
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
		pcap_file_release(&pi->file);
		return -EINVAL;
	}
	pcap_in_mark(pi);
	return 0;
}

static void pcap_in_fini(struct lana_block *b)
{
	struct pcap_in_priv *pi = b->priv;

	if (pi->pending)
		lana_pkt_free(pi->pending);
	if (pi->pc)
		pcap_close(pi->pc);
	pcap_file_release(&pi->file);
	pi->pending = NULL;
	pi->pc = NULL;
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
	pi->pc = pcap_in_open(&pi->file, errbuf);
	pi->pass_read = 0;
	if (!pi->pc)
		pi->done = true;
	else
		pcap_in_mark(pi);
}

/*
 * libpcap could not read the record at byte @off of the file
 * (pcap_next_ex(3PCAP) PCAP_ERROR: a truncated record, a capture length
 * above 256 KiB, ...): the replay ends there; log where and why, count it.
 * @off is -1 when the file cannot tell (a FIFO).
 */
static void pcap_in_corrupt(struct lana_block *b, struct pcap_in_priv *pi,
			    long off)
{
	struct pcap_in_pcpu *c = lana_block_pcpu(b);
	char at[48] = "";

	if (off >= 0)
		snprintf(at, sizeof(at), " at offset %ld", off);
	lana_block_log(b, LOG_ERR, "%s: bad record%s (after %llu good "
		       "records of pass %u): %s; the replay ends",
		       pi->file.path, at, (unsigned long long)pi->pass_read,
		       pi->passes + 1, pcap_geterr(pi->pc));
	__atomic_store_n(&c->errors, c->errors + 1, __ATOMIC_RELAXED);
}

/* The next frame of the file, or NULL at the end of the source. */
static struct lana_pkt *pcap_in_next(struct lana_block *b,
				     struct pcap_in_priv *pi, uint64_t now)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct lana_pkt *p;
	uint64_t ts;
	long off;
	int r;

	while (!pi->done) {
		/* where the record starts, for the message below */
		off = pi->counted ? pi->off : ftell(pcap_file(pi->pc));
		r = pcap_next_ex(pi->pc, &h, &data);
		if (r == PCAP_ERROR)
			pcap_in_corrupt(b, pi, off);
		if (r != 1) {
			pcap_in_rewind(pi, r != PCAP_ERROR_BREAK);
			continue;
		}
		pi->off += 16 + (long)h->caplen;	/* pcap_in_mark() */
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
	       "the file. A corrupt or truncated record ends the replay; it is "
	       "counted (errors) and logged with its offset. In lanad the file "
	       "must lie inside a --pcap-dir directory, reached without "
	       "symbolic links or '..'. Userspace engine only.",
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
