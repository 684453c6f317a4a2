// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_pcap_out.c - pcap_out (blocks/pcap_out.c): frames read
 * back with libpcap, timestamps, snaplen, a path that cannot be opened; a
 * full queue (a FIFO nobody reads) drops and counts, a write error counts,
 * a FIFO without a reader neither blocks init nor queues; two instances on
 * one file (a REPLACE) append instead of truncating. The path rules of
 * lanad (blocks/pcap_file.c, pcap_in's too): outside the pcap directories,
 * `..`, relative, symbolic links as the file or on the way refused, with
 * openat2(2) and with its fallback; not confined, paths work as given.
 */
#include "harness.h"
#include "blocks/pcap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void test_pcap_out(void **state)
{
	struct tframe fr[40];
	char *path = tmp_path("out");
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t before, after, ts;
	unsigned int i;
	pcap_t *pc;

	mk_frames(fr, 40);
	before = (uint64_t)time(NULL);
	write_pcap(path, "65535B", fr, 40, true);
	after = (uint64_t)time(NULL);

	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	for (i = 0; i < 40; i++) {
		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->len, fr[i].len);
		assert_int_equal(h->caplen, fr[i].len);
		assert_memory_equal(data, fr[i].data, fr[i].len);
		ts = (uint64_t)h->ts.tv_sec * 1000000 +
		     (uint64_t)h->ts.tv_usec;
		if (i < 39) {
			assert_int_equal(ts, fr[i].ts_ns / 1000);
		} else {
			/* no ts_ns: the time of writing */
			assert_true((uint64_t)h->ts.tv_sec >= before);
			assert_true((uint64_t)h->ts.tv_sec <= after);
		}
	}
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(path);
	free(path);
}

static void test_pcap_out_snaplen(void **state)
{
	struct tframe fr[3];
	char *path = tmp_path("snap");
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int i;
	struct stat sb;
	uint64_t size = 24;
	pcap_t *pc;

	mk_frames(fr, 3);
	write_pcap(path, "64B", fr, 3, false);
	/* pcap-savefile(5): 24-byte file header, 16-byte record headers;
	 * only the kept bytes are stored (libpcap would hide extra ones) */
	assert_int_equal(stat(path, &sb), 0);
	for (i = 0; i < 3; i++)
		size += 16 + (fr[i].len < 64 ? fr[i].len : 64);
	assert_int_equal(sb.st_size, size);
	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_snapshot(pc), 64);
	for (i = 0; i < 3; i++) {
		uint32_t cap = fr[i].len < 64 ? fr[i].len : 64;

		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->len, fr[i].len);
		assert_int_equal(h->caplen, cap);
		assert_memory_equal(data, fr[i].data, cap);
	}
	pcap_close(pc);
	unlink(path);
	free(path);
}

static void test_pcap_out_bad_path(void **state)
{
	static const char *const kv[] = { "file", "/nonexistent/dir/x.pcap",
					  NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("pcap_out", kv, &t), 0);
	assert_non_null(strstr(t->err,
			       "cannot open '/nonexistent/dir/x.pcap'"));
	tb_free(t);
}

/* rx the frames of lengths @lens[0..@n) (mk_eth frames) into @t. */
static void rx_lens(struct tb *t, const uint32_t *lens, unsigned int n)
{
	uint8_t f[1600];
	struct lana_burst v;
	unsigned int i;
	int rc;

	burst_init(&v);
	for (i = 0; i < n; i++)
		burst_add(&v, f, mk_eth(f, lens[i] - 14));
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < n; i++)
		assert_int_equal(v.verdict[i], LANA_STOLEN);
	burst_free(&v, rc);
}

/* Wait up to 5 s for counter @name of @t to reach @want; then check it. */
static void wait_stat(struct tb *t, const char *name, uint64_t want)
{
	uint64_t t0 = lana_now_ns();

	while (tb_stat(t, name) < want && lana_now_ns() - t0 < 5000000000ull)
		usleep(1000);
	assert_int_equal(tb_stat(t, name), want);
}

/* Read exactly @n bytes from the non-blocking @fd into @buf, 5 s at most. */
static void read_all(int fd, uint8_t *buf, size_t n)
{
	uint64_t t0 = lana_now_ns();
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		assert_true(lana_now_ns() - t0 < 5000000000ull);
		poll(&p, 1, 100);
		r = read(fd, buf + got, n - got);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0)	/* a FIFO without a writer yet */
			usleep(1000);
		else
			assert_true(errno == EAGAIN);
	}
}

/* A FIFO in a fresh directory: its path, to unlink(), rmdir() and free(). */
static char *tmp_fifo(void)
{
	char *dir = tmp_path("fifo"), *p = NULL;

	unlink(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_true(asprintf(&p, "%s/f", dir) > 0);
	assert_int_equal(mkfifo(p, 0600), 0);
	free(dir);
	return p;
}

static void rm_fifo(char *p)
{
	unlink(p);
	*strrchr(p, '/') = '\0';
	rmdir(p);
	free(p);
}

/*
 * A FIFO whose reader does not read: the test holds it open (O_RDWR) with
 * its pipe shrunk to one page and filled, so the writer cannot write even
 * the file header. The queue is 4096 bytes (one worker outside an engine);
 * a record takes 16 + caplen bytes:
 *   10 frames of 1000 B: records of 1016 B, 4 fit (4064 B), 6 dropped;
 *   a frame of 16 B: a record of 32 B fits the 32 B left exactly;
 *   one more of 16 B: dropped.                     queued 5, dropped 7.
 * Reading the pipe lets the writer write all 5. The reader closing makes
 * the next write fail (EPIPE): 1 error, not written; the FIFO then has no
 * reader, so the frame after that is dropped.      dropped 8, errors 1.
 */
static void test_pcap_out_queue_full(void **state)
{
	static const uint32_t big[10] = { 1000, 1000, 1000, 1000, 1000,
					  1000, 1000, 1000, 1000, 1000 };
	static const uint32_t small[1] = { 16 };
	char *path = tmp_fifo();
	const char *kv[] = { "file", NULL, "queue", "4096B", NULL };
	uint8_t junk[4096], buf[24 + 4 * 1016 + 32];
	uint32_t rh[4], fh[6];
	size_t filled = 0;
	unsigned int i;
	struct tb *t;
	ssize_t r;
	int fd;

	kv[1] = path;
	fd = open(path, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_SETPIPE_SZ, 4096) >= 4096);
	memset(junk, 0x5a, sizeof(junk));
	while ((r = write(fd, junk, sizeof(junk) - filled % sizeof(junk))) > 0)
		filled += (size_t)r;
	assert_true(r < 0 && errno == EAGAIN);
	assert_true(filled >= 4096);

	t = tb_new("pcap_out", kv);
	rx_lens(t, big, 10);
	rx_lens(t, small, 1);
	rx_lens(t, small, 1);
	assert_int_equal(tb_stat(t, "dropped"), 7);
	assert_int_equal(tb_stat(t, "queued"), 5);
	usleep(200000);		/* the writer cannot write anything */
	assert_int_equal(tb_stat(t, "written"), 0);
	assert_int_equal(tb_stat(t, "queued"), 5);

	for (i = 0; i < filled; i += sizeof(junk))
		read_all(fd, junk, filled - i < sizeof(junk) ?
				   filled - i : sizeof(junk));
	read_all(fd, buf, sizeof(buf));
	memcpy(fh, buf, sizeof(fh));
	assert_int_equal(fh[0], 0xa1b2c3d4);
	assert_int_equal(fh[4], 65535);	/* snaplen */
	assert_int_equal(fh[5], 1);	/* DLT_EN10MB */
	for (i = 0; i < 5; i++) {
		uint32_t len = i < 4 ? 1000 : 16;

		memcpy(rh, buf + 24 + i * 1016, sizeof(rh));
		assert_int_equal(rh[2], len);
		assert_int_equal(rh[3], len);
	}
	wait_stat(t, "written", 5);
	assert_int_equal(tb_stat(t, "queued"), 0);
	assert_int_equal(tb_stat(t, "errors"), 0);

	close(fd);		/* the reader goes away */
	rx_lens(t, small, 1);
	wait_stat(t, "errors", 1);
	rx_lens(t, small, 1);
	assert_int_equal(tb_stat(t, "dropped"), 8);
	assert_int_equal(tb_stat(t, "written"), 5);
	assert_int_equal(tb_stat(t, "queued"), 0);
	tb_free(t);
	rm_fifo(path);
}

/*
 * A FIFO without a reader: init returns at once (open gives ENXIO), the
 * frames are dropped; when a reader comes the writer opens the FIFO
 * within 100 ms, writes the file header, then what arrives from then on.
 */
static void test_pcap_out_fifo_no_reader(void **state)
{
	static const uint32_t lens[5] = { 60, 70, 80, 90, 100 };
	char *path = tmp_fifo();
	const char *kv[] = { "file", NULL, NULL };
	uint8_t buf[24 + 16 + 60 + 16 + 70];
	uint32_t rh[4];
	uint64_t t0;
	struct tb *t;
	int fd;

	kv[1] = path;
	t0 = lana_now_ns();
	t = tb_new("pcap_out", kv);
	assert_true(lana_now_ns() - t0 < 1000000000ull);
	rx_lens(t, lens, 5);
	assert_int_equal(tb_stat(t, "dropped"), 5);
	assert_int_equal(tb_stat(t, "queued"), 0);

	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	read_all(fd, buf, 24);		/* the writer connected */
	rx_lens(t, lens, 2);
	read_all(fd, buf + 24, sizeof(buf) - 24);
	memcpy(rh, buf + 24, sizeof(rh));
	assert_int_equal(rh[2], 60);
	memcpy(rh, buf + 24 + 16 + 60, sizeof(rh));
	assert_int_equal(rh[2], 70);
	wait_stat(t, "written", 2);
	assert_int_equal(tb_stat(t, "dropped"), 5);
	assert_int_equal(tb_stat(t, "errors"), 0);
	t0 = lana_now_ns();
	tb_free(t);
	assert_true(lana_now_ns() - t0 < 1000000000ull);
	close(fd);
	rm_fifo(path);
}

/* rx frames @fr[@from..@to) into @t, 32 a burst, timestamps kept. */
static void rx_frames(struct tb *t, const struct tframe *fr, unsigned int from,
		      unsigned int to)
{
	struct lana_burst v;
	unsigned int i;
	int rc;

	burst_init(&v);
	for (i = from; i < to; i++) {
		burst_add(&v, fr[i].data, fr[i].len);
		v.pkt[v.n - 1]->ts_ns = fr[i].ts_ns;
	}
	rc = tb_rx(t, &v);
	burst_free(&v, rc);
}

/*
 * A REPLACE of pcap_out with another snaplen: the new instance is made
 * while the old one still exists. Old (snaplen @s1) gets frames 0..2, new
 * (@s2) 3..4, the old one goes (fini), the new one gets 5. The file holds
 * one header and all 6 records, old first; the header's snaplen is the
 * larger of the two: @want bytes in all. Then a NEW of the same file
 * alone truncates it.
 */
static void replace_case(uint32_t s1, uint32_t s2, uint64_t want)
{
	struct tframe fr[6];
	char *path = tmp_path("replace");
	char sn1[16], sn2[16], errbuf[PCAP_ERRBUF_SIZE];
	const char *kv1[] = { "file", path, "snaplen", sn1, NULL };
	const char *kv2[] = { "file", path, "snaplen", sn2, NULL };
	struct pcap_pkthdr *h;
	const u_char *data;
	struct tb *a, *b;
	uint64_t size = 24;
	unsigned int i;
	struct stat sb;
	pcap_t *pc;

	mk_frames(fr, 6);	/* 60, 491, 922, 1353, 329, 760 bytes */
	snprintf(sn1, sizeof(sn1), "%uB", s1);
	snprintf(sn2, sizeof(sn2), "%uB", s2);
	a = tb_new("pcap_out", kv1);
	rx_frames(a, fr, 0, 3);
	b = tb_new("pcap_out", kv2);
	rx_frames(b, fr, 3, 5);
	wait_stat(a, "written", 3);
	tb_free(a);
	rx_frames(b, fr, 5, 6);
	wait_stat(b, "written", 3);
	tb_free(b);

	for (i = 0; i < 6; i++) {
		uint32_t s = i < 3 ? s1 : s2;

		size += 16 + (fr[i].len < s ? fr[i].len : s);
	}
	assert_int_equal(size, want);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, want);
	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_snapshot(pc), s1 > s2 ? s1 : s2);
	for (i = 0; i < 6; i++) {
		uint32_t s = i < 3 ? s1 : s2;
		uint32_t cap = fr[i].len < s ? fr[i].len : s;

		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->len, fr[i].len);
		assert_int_equal(h->caplen, cap);
		assert_memory_equal(data, fr[i].data, cap);
		assert_int_equal((uint64_t)h->ts.tv_sec * 1000000 +
				 (uint64_t)h->ts.tv_usec, fr[i].ts_ns / 1000);
	}
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);

	a = tb_new("pcap_out", kv1);	/* alone: a new capture */
	tb_free(a);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 24);
	unlink(path);
	free(path);
}

static void test_pcap_out_replace(void **state)
{
	/* 24 + (16+60 + 16+491 + 16+922) + (16+100) * 3 = 1893 bytes */
	replace_case(65535, 100, 1893);
	/*
	 * 24 + (16+60 + 16+64 + 16+64) + (16+1353 + 16+329 + 16+760) = 2750;
	 * the header's snaplen grows to 65535: nothing cut when read
	 */
	replace_case(64, 65535, 2750);
}

/* The tree of the path tests, under a fresh directory. */
struct ctree {
	char base[64];		/* /tmp/lana-test-conf-XXXXXX */
	char pc[96];		/* base/pc: the pcap directory */
	const char *dirs[2];	/* { pc, NULL } */
};

static void ctree_path(const struct ctree *c, char *buf, size_t len,
		       const char *rel)
{
	assert_true((size_t)snprintf(buf, len, "%s/%s", c->base, rel) < len);
}

/*
 * base/pc/sub/           base/out/secret (0600, "secret\n")
 * base/pc/link -> base/out/secret    base/pc/sd -> base/out
 * base/pc/sub/up -> ..   (back into pc: still a symlink)
 * base/pcX/              (a name that begins like pc)
 */
static void ctree_make(struct ctree *c)
{
	char a[160], b[160];
	int fd;

	strcpy(c->base, "/tmp/lana-test-conf-XXXXXX");
	assert_non_null(mkdtemp(c->base));
	ctree_path(c, c->pc, sizeof(c->pc), "pc");
	c->dirs[0] = c->pc;
	c->dirs[1] = NULL;
	assert_int_equal(mkdir(c->pc, 0755), 0);
	ctree_path(c, a, sizeof(a), "pc/sub");
	assert_int_equal(mkdir(a, 0755), 0);
	ctree_path(c, a, sizeof(a), "pcX");
	assert_int_equal(mkdir(a, 0755), 0);
	ctree_path(c, a, sizeof(a), "out");
	assert_int_equal(mkdir(a, 0755), 0);
	ctree_path(c, a, sizeof(a), "out/secret");
	fd = open(a, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	close(fd);
	ctree_path(c, b, sizeof(b), "pc/link");
	assert_int_equal(symlink(a, b), 0);
	ctree_path(c, a, sizeof(a), "out");
	ctree_path(c, b, sizeof(b), "pc/sd");
	assert_int_equal(symlink(a, b), 0);
	ctree_path(c, b, sizeof(b), "pc/sub/up");
	assert_int_equal(symlink("..", b), 0);
}

static void ctree_remove(struct ctree *c)
{
	static const char *const files[] = {
		"pc/sub/new.pcap", "pc/sub/new2.pcap", "pc/new.pcap",
		"pc/link", "pc/sd", "pc/sub/up", "out/secret", NULL,
	};
	static const char *const dirs[] = { "pc/sub", "pc", "pcX", "out",
					    NULL };
	char a[160];
	unsigned int i;

	for (i = 0; files[i]; i++) {
		ctree_path(c, a, sizeof(a), files[i]);
		unlink(a);
	}
	for (i = 0; dirs[i]; i++) {
		ctree_path(c, a, sizeof(a), dirs[i]);
		rmdir(a);
	}
	assert_int_equal(rmdir(c->base), 0);
}

/*
 * Resolve @path confined to c->pc; expect @want and, when @msg is not
 * NULL, @msg in the message.
 */
static void expect_resolve(const struct ctree *c, const char *path, int want,
			   const char *msg)
{
	struct pcap_file f;
	char err[512];
	int r;

	r = pcap_file_resolve(&f, c->dirs, path, err, sizeof(err));
	if (r != want || (msg && !strstr(err, msg)))
		fail_msg("%s: %d '%s', want %d '%s'", path, r, err, want,
			 msg ? msg : "");
	/* every message names the path */
	if (r)
		assert_non_null(strstr(err, path));
	pcap_file_release(&f);
}

/* The rules, with openat2(2) (@no_openat2 false) or its fallback. */
static void confine_case(bool no_openat2)
{
	struct ctree c;
	struct pcap_file f;
	struct stat st;
	char p[200], outside[200], err[512];
	int fd;

	pcap_file_no_openat2 = no_openat2;
	ctree_make(&c);
	snprintf(outside, sizeof(outside), "outside the pcap directories "
		 "(--pcap-dir): %s", c.pc);

	ctree_path(&c, p, sizeof(p), "out/secret");
	expect_resolve(&c, p, -EACCES, outside);
	ctree_path(&c, p, sizeof(p), "pcX/new.pcap");	/* not under pc/ */
	expect_resolve(&c, p, -EACCES, outside);
	expect_resolve(&c, c.pc, -EACCES, outside);	/* the dir itself */
	expect_resolve(&c, "/", -EACCES, outside);
	ctree_path(&c, p, sizeof(p), "pc/../out/secret");
	expect_resolve(&c, p, -EACCES, "'..' is not allowed");
	ctree_path(&c, p, sizeof(p), "pc/sub/../../out/secret");
	expect_resolve(&c, p, -EACCES, "'..' is not allowed");
	expect_resolve(&c, "pc/new.pcap", -EACCES, "not an absolute path");
	/* a symlinked directory on the way, out of pc or back into it */
	ctree_path(&c, p, sizeof(p), "pc/sd/secret");
	expect_resolve(&c, p, -ELOOP, "a symbolic link in the path");
	ctree_path(&c, p, sizeof(p), "pc/sub/up/sub/new.pcap");
	expect_resolve(&c, p, -ELOOP, "a symbolic link in the path");
	ctree_path(&c, p, sizeof(p), "pc/nosuch/new.pcap");
	expect_resolve(&c, p, -ENOENT, "No such file");

	/* a symlink as the file: resolves, but neither opens nor passes */
	ctree_path(&c, p, sizeof(p), "pc/link");
	assert_int_equal(pcap_file_resolve(&f, c.dirs, p, err, sizeof(err)),
			 0);
	assert_int_equal(pcap_file_open(&f, O_RDONLY, 0), -ELOOP);
	assert_int_equal(pcap_file_open(&f, O_WRONLY | O_NONBLOCK, 0),
			 -ELOOP);
	assert_int_equal(pcap_file_stat(&f, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(pcap_file_check(&f, &st, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "a symbolic link, refused"));
	pcap_file_release(&f);

	/* a directory is no file either */
	ctree_path(&c, p, sizeof(p), "pc/sub");
	assert_int_equal(pcap_file_resolve(&f, c.dirs, p, err, sizeof(err)),
			 0);
	assert_int_equal(pcap_file_stat(&f, &st), 0);
	assert_int_equal(pcap_file_check(&f, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file or FIFO"));
	pcap_file_release(&f);

	/* inside: created where the path says, extra slashes and . too */
	ctree_path(&c, p, sizeof(p), "pc/sub/new.pcap");
	assert_int_equal(pcap_file_resolve(&f, c.dirs, p, err, sizeof(err)),
			 0);
	fd = pcap_file_open(&f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	pcap_file_release(&f);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(p, sizeof(p), "%s//./pc///sub/./new2.pcap", c.base);
	assert_int_equal(pcap_file_resolve(&f, c.dirs, p, err, sizeof(err)),
			 0);
	fd = pcap_file_open(&f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	pcap_file_release(&f);
	ctree_path(&c, p, sizeof(p), "pc/sub/new2.pcap");
	assert_int_equal(stat(p, &st), 0);

	/* not confined (dirs NULL): the path as given, symlink followed */
	ctree_path(&c, p, sizeof(p), "pc/link");
	assert_int_equal(pcap_file_resolve(&f, NULL, p, err, sizeof(err)), 0);
	fd = pcap_file_open(&f, O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, err, sizeof(err)), 7);
	assert_memory_equal(err, "secret\n", 7);
	close(fd);
	pcap_file_release(&f);

	ctree_remove(&c);
	pcap_file_no_openat2 = false;
}

static void test_pcap_file_confine(void **state)
{
	confine_case(false);
}

static void test_pcap_file_confine_fallback(void **state)
{
	confine_case(true);
}

static const struct CMUnitTest pcap_out_tests[] = {
	cmocka_unit_test(test_pcap_out),
	cmocka_unit_test(test_pcap_out_snaplen),
	cmocka_unit_test(test_pcap_out_bad_path),
	cmocka_unit_test(test_pcap_out_queue_full),
	cmocka_unit_test(test_pcap_out_fifo_no_reader),
	cmocka_unit_test(test_pcap_out_replace),
	cmocka_unit_test(test_pcap_file_confine),
	cmocka_unit_test(test_pcap_file_confine_fallback),
};

BLOCK_TESTS(pcap_out, pcap_out_tests);
