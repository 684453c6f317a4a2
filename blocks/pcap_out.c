// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/pcap_out.c - write frames to a pcap capture file or FIFO.
 *
 * pcap_out(file, snaplen = 65535B, queue = 1MiB)   in: eth
 *
 * Writes every frame entering at `in` to the libpcap savefile @file (link
 * type Ethernet), truncated to @snaplen bytes. Userspace engine only.
 *
 * In lanad @file is confined to the pcap directories (--pcap-dir,
 * blocks/pcap_file.h: no symlink, no `..`, a regular file or a FIFO) and
 * nothing that exists is truncated: a regular file is created (O_EXCL),
 * or joined while another instance writes it (a REPLACE, below); an
 * existing one is refused. `lanarun run` opens @file as given and
 * truncates it.
 *
 * Nothing here blocks a worker or the control thread on I/O:
 *
 * - rx() only copies each frame (up to snaplen) as a pcap record into a
 *   ring of @queue bytes owned by the calling worker (one single-producer
 *   ring per worker, no lock). A record that does not fit is dropped and
 *   counted (`dropped`); so is every frame while a FIFO has no reader.
 *   In an offline engine (`lanarun run`, lana_block_offline()) a full ring
 *   makes rx wait for the writer instead (a condition variable the writer
 *   signals when it takes records), so a replay loses nothing; it still
 *   drops while a FIFO has no reader, a record larger than the whole ring,
 *   and once the engine is stopping.
 * - A writer thread per open file (a "sink") drains the rings with
 *   write(2) on a non-blocking descriptor. EAGAIN (a FIFO whose reader is
 *   slow) keeps the records queued: the rings fill and rx() drops. Write
 *   errors (EPIPE when the reader goes away, ENOSPC, ...) count the records
 *   concerned as `errors`, never as `written`; a partly written record is
 *   cut off a regular file again (ftruncate), so the file stays readable.
 * - init() opens the file with O_NONBLOCK. A FIFO without a reader
 *   (ENXIO) does not fail and does not block: the writer retries the open
 *   every PO_RETRY_MS, and frames are dropped (counted) until a reader
 *   comes; each new reader gets a pcap file header first. After EPIPE the
 *   FIFO is closed and reopened the same way.
 * - busy() (for lana_engine_idle()) is true while the instance has
 *   records queued or being written to an open file, so `lanarun run`
 *   prints its counters only once the queue is drained.
 * - fini() lets the writer flush the instance's rings for at most
 *   PO_FLUSH_MS (less if the FIFO has no reader), then discards the rest.
 *
 * Instances naming the same file (same device and inode; a REPLACE with a
 * new snaplen, say, while the old instance still exists until its grace
 * period ends) share the sink: the file is opened and truncated once, by
 * the first, and the others append to it through the same writer, which
 * serves the instances in the order they were created, so the old
 * instance's queue is written before the new one's and records never
 * interleave. When a joining instance has a larger snaplen, the writer
 * raises the snaplen in the file header of a regular file (a FIFO's reader
 * has read the header already: it keeps the first snaplen, later readers
 * get the larger one). Only when the last instance goes is the file
 * closed; a later NEW of the same path truncates it again (lanad: is
 * refused, the file exists).
 */
#include "lana_block.h"
#include "pcap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PO_RETRY_MS	100	/* reopen of a FIFO without a reader */
#define PO_FLUSH_MS	1000	/* fini's flush, at most */
#define PO_HDR		16	/* pcap record header (pcap-savefile(5)) */
#define PO_FILEHDR	24	/* pcap file header */
#define PO_BUF		(512 * 1024)	/* writer batch: >= one record */
#define PO_MAXREC	1024	/* records in one batch */
#define PO_WAIT_MS	100	/* offline rx: recheck of the engine's state */

enum { PCAP_OUT_P_FILE, PCAP_OUT_P_SNAPLEN, PCAP_OUT_P_QUEUE, PCAP_OUT_P_MAX };

static const struct lana_param pcap_out_params[] = {
	[PCAP_OUT_P_FILE] = {
		.name = "file", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED,
		.doc = "path of the pcap file or FIFO to write; lanarun run "
		       "truncates a file, lanad creates a new one inside its "
		       "--pcap-dir",
	},
	[PCAP_OUT_P_SNAPLEN] = {
		.name = "snaplen", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
		.min = 64, .max = 262144, .def = "65535B",
		.doc = "bytes of each frame to keep",
	},
	[PCAP_OUT_P_QUEUE] = {
		.name = "queue", .type = LANA_PT_SIZE, .flags = LANA_PF_RANGE,
		.min = 4096, .max = 1ull << 30, .def = "1MiB",
		.doc = "bytes of records (16 + kept bytes each) waiting to be "
		       "written, per worker; more are dropped",
	},
	[PCAP_OUT_P_MAX] = LANA_PARAM_END
};

static const struct lana_port pcap_out_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to write to the file" },
	LANA_PORT_END
};

/*
 * struct po_ring - a single-producer (one worker), single-consumer (the
 * writer) byte ring of pcap records: a 16-byte record header (seconds,
 * microseconds, caplen, len; host byte order as pcap-savefile(5)), then
 * caplen bytes. @head and @tail count bytes ever put and taken.
 */
struct po_ring {
	uint64_t head __attribute__((aligned(64)));
	uint64_t tail __attribute__((aligned(64)));
	uint64_t cap __attribute__((aligned(64)));
	uint8_t *data;
};

struct pcap_out_priv;

/*
 * struct po_sink - one open file and its writer thread, shared by the
 * instances that name the file. Global list and @refs under po_sinks_lock;
 * the rest under @lock, except the batch (@buf...) which only the writer
 * touches, and @connected and @sleeping, read by rx() atomically.
 */
struct po_sink {
	struct po_sink *next;
	unsigned int refs;
	dev_t dev;
	ino_t ino;
	struct pcap_file file;	/* where a FIFO is reopened */
	bool fifo;
	int fd;			/* -1: FIFO without a reader */
	int efd;		/* eventfd: wakes the writer */
	int connected;		/* rx may queue (atomic) */
	int sleeping;		/* writer waits for work (atomic) */
	bool stop;
	unsigned int waiters;	/* offline rx waiting for room in a ring */
	uint32_t snaplen;	/* largest of the instances' */
	uint32_t hdr_snaplen;	/* in the header written last */
	pthread_t thr;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* progress of the writer, room in a ring */
	struct pcap_out_priv *first, *last;	/* instances, oldest first */
	struct pcap_out_priv *owner;	/* whose records are in @buf */
	/* the batch being written: header or records of @owner */
	uint8_t *buf;
	size_t len, off;
	uint32_t rec_end[PO_MAXREC];
	unsigned int nrec, done;
};

/*
 * struct pcap_out_priv - one instance: its rings (one per worker), its
 * place in the sink's list, and what the writer did with its records
 * (@written, @errors: written by the writer, read atomically).
 */
struct pcap_out_priv {
	struct po_sink *sink;
	struct pcap_out_priv *next;
	uint32_t snaplen;
	unsigned int nrings;
	struct po_ring **rings;
	uint64_t written;
	uint64_t errors;
};

struct pcap_out_pcpu {
	uint64_t dropped;
	uint64_t queued;	/* records put into the ring, ever */
	struct po_ring *ring;	/* this worker's */
};

static const struct lana_counter pcap_out_counters[] = {
	LANA_COUNTER(struct pcap_out_pcpu, dropped,
		     "frames dropped: queue full, or a FIFO without a reader"),
	LANA_COUNTER_OP("written", "frames written to the file"),
	LANA_COUNTER_OP("errors",
			"frames not written because write(2) failed"),
	LANA_COUNTER_OP("queued", "frames waiting in the queue now"),
	LANA_COUNTER_END
};

static pthread_mutex_t po_sinks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct po_sink *po_sinks;

/* ------------------------------------------------------------- rings */

static void ring_put(struct po_ring *r, uint64_t pos, const void *src,
		     size_t n)
{
	size_t off = (size_t)(pos % r->cap);
	size_t first = n < r->cap - off ? n : (size_t)(r->cap - off);

	memcpy(r->data + off, src, first);
	memcpy(r->data, (const uint8_t *)src + first, n - first);
}

static void ring_get(const struct po_ring *r, uint64_t pos, void *dst,
		     size_t n)
{
	size_t off = (size_t)(pos % r->cap);
	size_t first = n < r->cap - off ? n : (size_t)(r->cap - off);

	memcpy(dst, r->data + off, first);
	memcpy((uint8_t *)dst + first, r->data, n - first);
}

static bool ring_empty(const struct po_ring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
}

static bool priv_empty(const struct pcap_out_priv *po)
{
	unsigned int i;

	for (i = 0; i < po->nrings; i++)
		if (!ring_empty(po->rings[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------ writer */

static void sink_wake(struct po_sink *s)
{
	uint64_t one = 1;

	if (write(s->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is pending already */
	}
}

/* The pcap file header (pcap-savefile(5)) as the batch. Writer only. */
static void batch_header(struct po_sink *s)
{
	uint32_t h[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0, s->snaplen, 1 };

	memcpy(s->buf, h, sizeof(h));
	s->len = PO_FILEHDR;
	s->off = 0;
	s->nrec = s->done = 0;
	s->owner = NULL;
	s->hdr_snaplen = s->snaplen;
}

/*
 * Take records of the first instance with any into the batch. Under
 * s->lock. Returns false when every ring is empty.
 */
static bool batch_fill(struct po_sink *s)
{
	struct pcap_out_priv *po;
	unsigned int i;

	for (po = s->first; po; po = po->next)
		if (!priv_empty(po))
			break;
	if (!po)
		return false;
	s->len = s->off = 0;
	s->nrec = s->done = 0;
	s->owner = po;
	for (i = 0; i < po->nrings && s->nrec < PO_MAXREC; i++) {
		struct po_ring *r = po->rings[i];
		uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		uint64_t tail = r->tail;

		while (tail != head && s->nrec < PO_MAXREC) {
			uint32_t rh[4];
			size_t n;

			ring_get(r, tail, rh, PO_HDR);
			n = PO_HDR + rh[2];
			if (s->len + n > PO_BUF)
				break;
			ring_get(r, tail, s->buf + s->len, n);
			s->len += n;
			s->rec_end[s->nrec++] = (uint32_t)s->len;
			tail += n;
		}
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	}
	if (s->waiters)
		pthread_cond_broadcast(&s->cond);	/* room in the rings */
	return true;
}

/* Count the records of the batch completed by s->off. Under s->lock. */
static void batch_count(struct po_sink *s)
{
	unsigned int n = 0;

	while (s->done < s->nrec && s->rec_end[s->done] <= s->off) {
		s->done++;
		n++;
	}
	if (n && s->owner)
		__atomic_fetch_add(&s->owner->written, n, __ATOMIC_RELAXED);
}

/*
 * write(2) failed with @err: the unwritten records of the batch are
 * errors; a record cut in the middle is removed from a regular file. A
 * FIFO is closed (EPIPE: the reader went away) and reopened later.
 * Under s->lock.
 */
static void batch_fail(struct po_sink *s, int err)
{
	size_t start = s->done ? s->rec_end[s->done - 1] : 0;
	unsigned int n = s->nrec - s->done;

	if (n && s->owner)
		__atomic_fetch_add(&s->owner->errors, n, __ATOMIC_RELAXED);
	if (!s->fifo && s->off > start) {
		off_t pos = lseek(s->fd, 0, SEEK_CUR);

		if (pos >= 0) {
			pos -= (off_t)(s->off - start);
			if (!ftruncate(s->fd, pos))
				lseek(s->fd, pos, SEEK_SET);
		}
	}
	s->len = s->off = 0;
	s->nrec = s->done = 0;
	if (s->fifo || err == EBADF) {
		__atomic_store_n(&s->connected, 0, __ATOMIC_SEQ_CST);
		close(s->fd);
		s->fd = -1;
	}
}

/* Open a FIFO that has a reader now; header as the batch. Unlocked. */
static void sink_try_open(struct po_sink *s)
{
	struct stat st;
	int fd;

	fd = pcap_file_open(&s->file, O_WRONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || !S_ISFIFO(st.st_mode)) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->fd = fd;
	batch_header(s);
	__atomic_store_n(&s->connected, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&s->lock);
}

/* Wait for @fd to become writable (if >= 0) or a wake-up, @ms at most. */
static void sink_wait(struct po_sink *s, int fd, int ms)
{
	struct pollfd p[2] = {
		{ .fd = s->efd, .events = POLLIN },
		{ .fd = fd, .events = POLLOUT },
	};
	uint64_t v;

	if (poll(p, fd >= 0 ? 2 : 1, ms) > 0 && (p[0].revents & POLLIN)) {
		if (read(s->efd, &v, sizeof(v)) < 0) {
			/* EAGAIN: someone else took it */
		}
	}
}

static void *sink_main(void *arg)
{
	struct po_sink *s = arg;
	sigset_t pipe_set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		ssize_t n;
		int fd;

		if (s->fd < 0) {
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
			sink_wait(s, -1, PO_RETRY_MS);
			sink_try_open(s);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		if (s->off == s->len && !batch_fill(s)) {
			s->owner = NULL;
			pthread_cond_broadcast(&s->cond);
			if (!s->fifo && s->hdr_snaplen < s->snaplen) {
				s->hdr_snaplen = s->snaplen;
				if (pwrite(s->fd, &s->hdr_snaplen, 4, 16) != 4) {
					/* the header keeps the old snaplen */
				}
				continue;
			}
			__atomic_store_n(&s->sleeping, 1, __ATOMIC_SEQ_CST);
			if (batch_fill(s)) {
				__atomic_store_n(&s->sleeping, 0,
						 __ATOMIC_SEQ_CST);
			} else {
				pthread_mutex_unlock(&s->lock);
				sink_wait(s, -1, PO_RETRY_MS);
				__atomic_store_n(&s->sleeping, 0,
						 __ATOMIC_SEQ_CST);
				pthread_mutex_lock(&s->lock);
				continue;
			}
		}
		fd = s->fd;
		pthread_mutex_unlock(&s->lock);
		n = write(fd, s->buf + s->off, s->len - s->off);
		if (n < 0 && errno == EAGAIN) {
			sink_wait(s, fd, PO_RETRY_MS);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		if (n > 0) {
			s->off += (size_t)n;
			batch_count(s);
		} else if (n < 0 && errno != EINTR) {
			int err = errno;

			if (err == EPIPE)
				sigtimedwait(&pipe_set, NULL, &zero);
			batch_fail(s, err);
		}
		if (s->off == s->len)
			pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ------------------------------------------------------------- sinks */

static void sink_free(struct po_sink *s)
{
	if (s->fd >= 0) {
		/* a record cut by the stop is removed from a regular file */
		if (s->off != s->len)
			batch_fail(s, 0);
		if (s->fd >= 0)
			close(s->fd);
	}
	if (s->efd >= 0)
		close(s->efd);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->buf);
	pcap_file_release(&s->file);
	free(s);
}

static struct po_sink *sink_find(const struct stat *st)
{
	struct po_sink *s;

	for (s = po_sinks; s; s = s->next)
		if (s->dev == st->st_dev && s->ino == st->st_ino)
			return s;
	return NULL;
}

/*
 * Open @path for @b: a new sink with its writer (file header with
 * @snaplen), or the existing one of the same file. Under po_sinks_lock.
 * 0 or -errno with the error set.
 *
 * Not confined (`lanarun run`), a regular file is truncated. Confined
 * (lanad, lana_block_pcap_dirs(); pcap_file.h), the path is resolved
 * beneath a pcap directory and nothing that exists is truncated: a FIFO
 * is opened, a regular file only joins the sink that writes it already
 * (a REPLACE) and is refused otherwise, and a new file is created with
 * O_EXCL.
 */
static int sink_get(struct lana_block *b, const char *path,
		    uint32_t snaplen, struct po_sink **out)
{
	struct po_sink *s;
	struct pcap_file f;
	pthread_condattr_t ca;
	sigset_t all, old;
	struct stat st = { 0 };
	char err[512];
	int fd, r, flags = O_WRONLY | O_NONBLOCK;

	r = pcap_file_resolve(&f, lana_block_pcap_dirs(b), path, err,
			      sizeof(err));
	if (r)
		goto fail;
	r = pcap_file_stat(&f, &st);
	if (!r) {
		r = pcap_file_check(&f, &st, err, sizeof(err));
		if (r)
			goto fail;
		s = sink_find(&st);
		if (s) {
			s->refs++;
			*out = s;
			pcap_file_release(&f);
			return 0;
		}
		if (f.confined && !S_ISFIFO(st.st_mode)) {
			r = -EEXIST;
			goto exists;
		}
	} else if (f.confined && r != -ENOENT) {
		pcap_file_strerror(&f, r, err, sizeof(err));
		goto fail;
	}
	if (!f.confined)
		flags |= O_CREAT;
	else if (r == -ENOENT)
		flags |= O_CREAT | O_EXCL;
	fd = pcap_file_open(&f, flags, 0644);
	if (fd < 0 && fd != -ENXIO) {
		r = fd;
		pcap_file_strerror(&f, r, err, sizeof(err));
		goto fail;
	}
	if (fd >= 0) {
		if (fstat(fd, &st)) {
			r = -errno;
			close(fd);
			pcap_file_strerror(&f, r, err, sizeof(err));
			goto fail;
		}
		r = pcap_file_check(&f, &st, err, sizeof(err));
		if (!r && f.confined && S_ISREG(st.st_mode) &&
		    !(flags & O_EXCL))
			r = -EEXIST;	/* a file replaced the FIFO meanwhile */
		if (r) {
			close(fd);
			if (r == -EEXIST)
				goto exists;
			goto fail;
		}
		if (!f.confined && S_ISREG(st.st_mode) && ftruncate(fd, 0)) {
			r = -errno;
			close(fd);
			snprintf(err, sizeof(err), "cannot truncate '%s': %s",
				 path, strerror(-r));
			goto fail;
		}
	}
	/* fd < 0: ENXIO, a FIFO without a reader; st is from the stat */
	s = calloc(1, sizeof(*s));
	if (!s || !(s->buf = malloc(PO_BUF))) {
		free(s);
		if (fd >= 0)
			close(fd);
		r = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	s->file = f;
	s->refs = 1;
	s->snaplen = snaplen;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->fifo = S_ISFIFO(st.st_mode);
	s->fd = fd;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (fd >= 0) {
		batch_header(s);
		s->connected = 1;
	}
	r = s->efd < 0 ? errno : 0;
	if (!r) {
		/* the writer takes no signal; EPIPE comes as an error */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&s->thr, NULL, sink_main, s);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (r) {
		lana_block_error(b, "cannot start the writer: %s",
				 strerror(r));
		s->off = s->len;
		sink_free(s);
		return -r;
	}
	pthread_setname_np(s->thr, "pcap_out");
	s->next = po_sinks;
	po_sinks = s;
	*out = s;
	return 0;
exists:
	snprintf(err, sizeof(err), "%s: exists; lanad writes only new files "
		 "or FIFOs, it does not overwrite (remove it, or name a new "
		 "file)", path);
fail:
	lana_block_error(b, "%s", err);
	pcap_file_release(&f);
	return r;
}

/* Drop a reference; the last stops the writer and closes the file. */
static void sink_put(struct po_sink *s)
{
	struct po_sink **pp;

	pthread_mutex_lock(&po_sinks_lock);
	if (--s->refs) {
		pthread_mutex_unlock(&po_sinks_lock);
		return;
	}
	for (pp = &po_sinks; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	pthread_mutex_unlock(&po_sinks_lock);
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_mutex_unlock(&s->lock);
	sink_wake(s);
	pthread_join(s->thr, NULL);
	sink_free(s);
}

/* ------------------------------------------------------------- block */

static void priv_free_rings(struct pcap_out_priv *po)
{
	unsigned int i;

	for (i = 0; po->rings && i < po->nrings; i++) {
		if (po->rings[i])
			free(po->rings[i]->data);
		free(po->rings[i]);
	}
	free(po->rings);
	po->rings = NULL;
	po->nrings = 0;
}

static int pcap_out_init(struct lana_block *b, const struct lana_value *params)
{
	struct pcap_out_priv *po = b->priv;
	const char *file = params[PCAP_OUT_P_FILE].str;
	uint64_t cap = 1 << 20;
	struct po_sink *s;
	unsigned int i;
	int r;

	if (params[PCAP_OUT_P_FILE].type != LANA_PT_STRING || !file) {
		lana_block_error(b, "file is required");
		return -EINVAL;
	}
	po->snaplen = 65535;
	if (params[PCAP_OUT_P_SNAPLEN].type != LANA_PT_NONE)
		po->snaplen = (uint32_t)params[PCAP_OUT_P_SNAPLEN].u;
	if (!po->snaplen)
		po->snaplen = 65535;
	if (params[PCAP_OUT_P_QUEUE].type != LANA_PT_NONE)
		cap = params[PCAP_OUT_P_QUEUE].u;
	if (cap < 4096)
		cap = 4096;

	po->nrings = lana_nr_workers(b);
	po->rings = calloc(po->nrings, sizeof(*po->rings));
	for (i = 0; po->rings && i < po->nrings; i++) {
		struct po_ring *ring = aligned_alloc(64, sizeof(*ring));

		po->rings[i] = ring;
		if (!ring)
			break;
		memset(ring, 0, sizeof(*ring));
		ring->cap = cap;
		ring->data = malloc(cap);
		if (!ring->data)
			break;
	}
	if (!po->rings || i < po->nrings) {
		priv_free_rings(po);
		lana_block_error(b, "out of memory");
		return -ENOMEM;
	}

	pthread_mutex_lock(&po_sinks_lock);
	r = sink_get(b, file, po->snaplen, &s);
	pthread_mutex_unlock(&po_sinks_lock);
	if (r) {
		priv_free_rings(po);
		return r;
	}
	for (i = 0; i < po->nrings; i++) {
		struct pcap_out_pcpu *c = lana_block_pcpu_each(b, i);

		c->ring = po->rings[i];
	}
	po->sink = s;
	pthread_mutex_lock(&s->lock);
	if (s->last)
		s->last->next = po;
	else
		s->first = po;
	s->last = po;
	if (po->snaplen > s->snaplen)
		s->snaplen = po->snaplen;
	pthread_mutex_unlock(&s->lock);
	sink_wake(s);
	return 0;
}

/*
 * No packet is inside the block: let the writer flush its rings and the
 * batch in progress (a file header, say) for PO_FLUSH_MS at most (not
 * while a FIFO has no reader), then leave the sink.
 */
static void pcap_out_fini(struct lana_block *b)
{
	struct pcap_out_priv *po = b->priv;
	struct po_sink *s = po->sink;
	struct pcap_out_priv **pp;
	struct timespec dl;

	if (!s)
		return;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += PO_FLUSH_MS / 1000;
	dl.tv_nsec += (PO_FLUSH_MS % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	sink_wake(s);
	pthread_mutex_lock(&s->lock);
	while (s->fd >= 0 && (!priv_empty(po) || s->owner == po ||
			      s->off != s->len))
		if (pthread_cond_timedwait(&s->cond, &s->lock, &dl))
			break;
	for (pp = &s->first; *pp != po; pp = &(*pp)->next)
		;
	*pp = po->next;
	if (s->last == po) {
		struct pcap_out_priv *q;

		s->last = NULL;
		for (q = s->first; q; q = q->next)
			s->last = q;
	}
	if (s->owner == po)
		s->owner = NULL;
	pthread_mutex_unlock(&s->lock);
	sink_put(s);
	po->sink = NULL;
	priv_free_rings(po);
}

/* CLOCK_REALTIME in ns, for frames without a receive timestamp. */
static uint64_t pcap_out_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Make the records up to @head visible to the writer; wake it if asleep. */
static void pcap_out_publish(struct po_sink *s, struct pcap_out_pcpu *c,
			     struct po_ring *r, uint64_t head,
			     unsigned int put)
{
	__atomic_store_n(&r->head, head, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->queued, c->queued + put, __ATOMIC_RELAXED);
	if (__atomic_load_n(&s->sleeping, __ATOMIC_SEQ_CST) &&
	    __atomic_exchange_n(&s->sleeping, 0, __ATOMIC_SEQ_CST))
		sink_wake(s);
}

/*
 * Offline rx: wait until ring @r (records published up to @head) has
 * @need bytes free, the FIFO lost its reader, or the engine stops being
 * offline (it is stopping); the writer signals s->cond when it takes
 * records. Returns whether there is room; *@tail is the ring's tail.
 */
static bool pcap_out_wait_room(const struct lana_block *b,
			       struct po_sink *s, struct po_ring *r,
			       uint64_t head, uint64_t need, uint64_t *tail)
{
	struct timespec dl;
	bool room;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		*tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		room = r->cap - (head - *tail) >= need;
		if (room || !__atomic_load_n(&s->connected, __ATOMIC_ACQUIRE) ||
		    !lana_block_offline(b))
			break;
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_nsec += PO_WAIT_MS * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		s->waiters++;
		pthread_cond_timedwait(&s->cond, &s->lock, &dl);
		s->waiters--;
	}
	pthread_mutex_unlock(&s->lock);
	return room;
}

/*
 * The frames leave the graph here: copied into this worker's ring (or
 * dropped), freed, verdict LANA_STOLEN. No lock, no system call except
 * waking a sleeping writer (a non-blocking eventfd write) - but in an
 * offline engine a full ring makes the worker wait for the writer
 * (pcap_out_wait_room()) rather than drop.
 */
static int pcap_out_rx(struct lana_block *b, struct lana_burst *v)
{
	struct pcap_out_priv *po = b->priv;
	struct pcap_out_pcpu *c = lana_block_pcpu(b);
	struct po_sink *s = po->sink;
	struct po_ring *r = c->ring;
	uint64_t head = r->head, tail, now = 0;
	unsigned int i, put = 0, drop = 0;
	bool open = __atomic_load_n(&s->connected, __ATOMIC_ACQUIRE);
	bool offline = lana_block_offline(b);

	tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		uint32_t len = lana_pkt_len(p);
		uint32_t cap = len < po->snaplen ? len : po->snaplen;
		uint64_t ts = p->ts_ns;
		uint32_t h[4];

		v->verdict[i] = LANA_STOLEN;
		if (open && offline &&
		    r->cap - (head - tail) < PO_HDR + (uint64_t)cap &&
		    PO_HDR + (uint64_t)cap <= r->cap) {
			if (put)
				pcap_out_publish(s, c, r, head, put);
			put = 0;
			offline = pcap_out_wait_room(b, s, r, head,
						     PO_HDR + (uint64_t)cap,
						     &tail);
		}
		if (!open || r->cap - (head - tail) < PO_HDR + (uint64_t)cap) {
			drop++;
			lana_pkt_free(p);
			continue;
		}
		if (!ts) {
			if (!now)
				now = pcap_out_now();
			ts = now;
		}
		h[0] = (uint32_t)(ts / 1000000000ull);
		h[1] = (uint32_t)(ts % 1000000000ull / 1000);
		h[2] = cap;
		h[3] = len;
		ring_put(r, head, h, PO_HDR);
		ring_put(r, head + PO_HDR, lana_pkt_data(p), cap);
		head += PO_HDR + cap;
		put++;
		lana_pkt_free(p);
	}
	if (put)
		pcap_out_publish(s, c, r, head, put);
	if (drop)
		__atomic_store_n(&c->dropped, c->dropped + drop,
				 __ATOMIC_RELAXED);
	return LANA_RX_VERDICTS;
}

/*
 * Records of @b queued, or being written, to an open file: `lanarun run`
 * waits for them before it prints the counters. Not while a FIFO has no
 * reader (fd < 0): nothing can be written then, fini discards them.
 */
static bool pcap_out_busy(const struct lana_block *b)
{
	const struct pcap_out_priv *po = b->priv;
	struct po_sink *s = po->sink;
	bool busy;

	if (!s)
		return false;
	pthread_mutex_lock(&s->lock);
	busy = s->fd >= 0 &&
	       (!priv_empty(po) ||
		(s->off != s->len && (!s->owner || s->owner == po)));
	pthread_mutex_unlock(&s->lock);
	return busy;
}

static unsigned int pcap_out_stats(const struct lana_block *b,
				   struct lana_stat *out, unsigned int max)
{
	const struct pcap_out_priv *po = b->priv;
	uint64_t w, e, q;

	if (max < 3)
		return 0;
	w = __atomic_load_n(&po->written, __ATOMIC_RELAXED);
	e = __atomic_load_n(&po->errors, __ATOMIC_RELAXED);
	q = lana_pcpu_sum(b, offsetof(struct pcap_out_pcpu, queued));
	out[0] = (struct lana_stat){ "written", w };
	out[1] = (struct lana_stat){ "errors", e };
	out[2] = (struct lana_stat){ "queued", q > w + e ? q - w - e : 0 };
	return 3;
}

LANA_BLOCK_TYPE(pcap_out) = {
	.name = "pcap_out",
	.synopsis = "pcap_out(file, snaplen = 65535B, queue = 1MiB)   in: eth",
	.doc = "Write frames to a pcap capture file or FIFO. Every frame "
	       "entering at in is written to file (Ethernet link type), "
	       "keeping at most snaplen bytes of each, by a writer thread: "
	       "the packet path only queues a copy, at most queue bytes per "
	       "worker, and drops (counted) what does not fit, so a slow or "
	       "absent reader never stalls the graph; lanarun run, offline, "
	       "waits for room instead and loses nothing. A FIFO without a reader "
	       "is reopened every 100 ms, frames are dropped meanwhile. "
	       "Instances naming the same file (a REPLACE) share it: the new "
	       "one appends after the old one's queue. In lanad the file "
	       "must lie inside a --pcap-dir directory, reached without "
	       "symbolic links or '..', and be new or a FIFO: lanad never "
	       "overwrites a file. Userspace engine only.",
	.params = pcap_out_params,
	.ports = pcap_out_ports,
	.counters = pcap_out_counters,
	.engines = LANA_ENGINE_USER,
	/* a capture holds frames as they are on the wire */
	.flags = LANA_BT_FINAL,
	.priv_size = sizeof(struct pcap_out_priv),
	.pcpu_size = sizeof(struct pcap_out_pcpu),
	.init = pcap_out_init,
	.fini = pcap_out_fini,
	.rx = pcap_out_rx,
	.stats = pcap_out_stats,
	.busy = pcap_out_busy,
};
