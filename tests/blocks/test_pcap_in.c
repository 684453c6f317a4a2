// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_pcap_in.c - pcap_in (blocks/pcap_in.c): files written by
 * pcap_out read back once and in loops, loop = 0 forever, pace, a missing
 * file, a file that is not Ethernet; a record libpcap rejects in the middle
 * of a file (a capture length above 256 KiB, a truncated record) ends the
 * replay and is counted.
 */
#include "harness.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Poll @t until it ends; check the frames are @loops passes of @fr. */
static void read_all(struct tb *t, const struct tframe *fr, unsigned int n,
		     unsigned int loops)
{
	struct lana_burst v;
	unsigned int got = 0, i, spins = 0;
	int rc;

	for (;;) {
		burst_init(&v);
		rc = tb_poll(t, &v);
		if (rc < 0)
			break;
		assert_int_equal(rc, v.n);
		for (i = 0; i < v.n; i++, got++) {
			const struct tframe *f = &fr[got % n];

			assert_true(got < n * loops);
			assert_frame(v.pkt[i], f->data, f->len);
			/* the file keeps microseconds */
			assert_int_equal(v.pkt[i]->ts_ns,
					 f->ts_ns / 1000 * 1000);
		}
		burst_free(&v, 0);
		assert_true(++spins < 100000);
	}
	assert_int_equal(got, n * loops);
	burst_init(&v);
	assert_int_equal(tb_poll(t, &v), -1);
	assert_int_equal(tb_stat(t, "read"), n * loops);
}

static void test_pcap_in(void **state)
{
	struct tframe fr[45];
	char *path = tmp_path("in");
	const char *kv1[] = { "file", path, NULL };
	const char *kv2[] = { "file", path, "loop", "2", NULL };
	struct tb *t;

	mk_frames(fr, 45);
	write_pcap(path, "65535B", fr, 45, false);

	t = tb_new("pcap_in", kv1);
	read_all(t, fr, 45, 1);
	tb_free(t);

	t = tb_new("pcap_in", kv2);
	read_all(t, fr, 45, 2);
	tb_free(t);

	unlink(path);
	free(path);
}

/* loop = 0 plays forever: more than 3 passes and still going. */
static void test_pcap_in_forever(void **state)
{
	struct tframe fr[5];
	char *path = tmp_path("forever");
	const char *kv[] = { "file", path, "loop", "0", NULL };
	struct lana_burst v;
	struct tb *t;
	unsigned int got = 0, i;

	mk_frames(fr, 5);
	write_pcap(path, "65535B", fr, 5, false);
	t = tb_new("pcap_in", kv);
	while (got < 5 * 4 + 2) {
		burst_init(&v);
		assert_true(tb_poll(t, &v) > 0);
		for (i = 0; i < v.n; i++, got++)
			assert_frame(v.pkt[i], fr[got % 5].data,
				     fr[got % 5].len);
		burst_free(&v, 0);
	}
	tb_free(t);
	unlink(path);
	free(path);
}

/*
 * pace: frames 40 ms apart in the file are not emitted before their time
 * (relative to the first frame of the pass); the source then ends.
 */
static void test_pcap_in_pace(void **state)
{
	struct tframe fr[3];
	char *path = tmp_path("pace");
	const char *kv[] = { "file", path, "pace", "true", NULL };
	struct lana_burst v;
	uint64_t t0, el;
	struct tb *t;
	unsigned int got = 0, i;
	int rc;

	mk_frames(fr, 3);
	for (i = 0; i < 3; i++)
		fr[i].ts_ns = 1767225600ull * 1000000000ull + i * 40000000ull;
	write_pcap(path, "65535B", fr, 3, false);
	t = tb_new("pcap_in", kv);
	t0 = lana_now_ns();
	burst_init(&v);
	rc = tb_poll(t, &v);
	assert_int_equal(rc, 1);	/* only the first is due */
	burst_free(&v, 0);
	got = 1;
	for (;;) {
		burst_init(&v);
		rc = tb_poll(t, &v);
		if (rc < 0)
			break;
		el = lana_now_ns() - t0;
		for (i = 0; i < v.n; i++, got++) {
			assert_frame(v.pkt[i], fr[got].data, fr[got].len);
			/* never early */
			assert_true(el >= got * 40000000ull);
		}
		burst_free(&v, 0);
	}
	assert_int_equal(got, 3);
	assert_true(lana_now_ns() - t0 >= 80000000ull);
	tb_free(t);
	unlink(path);
	free(path);
}

static void test_pcap_in_missing(void **state)
{
	static const char *const kv[] = { "file", "/nonexistent/nosuch.pcap",
					  NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("pcap_in", kv, &t), 0);
	assert_non_null(strstr(t->err,
			       "cannot open '/nonexistent/nosuch.pcap': "));
	/* libpcap's reason follows */
	assert_non_null(strstr(t->err, "No such file"));
	tb_free(t);
}

static void test_pcap_in_not_ethernet(void **state)
{
	char *path = tmp_path("raw");
	const char *kv[] = { "file", path, NULL };
	pcap_t *pd = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *dd;
	struct tb *t;

	assert_non_null(pd);
	dd = pcap_dump_open(pd, path);
	assert_non_null(dd);
	pcap_dump_close(dd);
	pcap_close(pd);

	assert_int_not_equal(tb_try("pcap_in", kv, &t), 0);
	assert_non_null(strstr(t->err, "EN10MB"));
	tb_free(t);
	unlink(path);
	free(path);
}

/* Append to @f a pcap record header (pcap-savefile(5), host order). */
static void put_rechdr(FILE *f, uint32_t sec, uint32_t caplen, uint32_t len)
{
	uint32_t h[4] = { sec, 0, caplen, len };

	assert_int_equal(fwrite(h, sizeof(h), 1, f), 1);
}

/* Append the record of frame @fr (@n bytes) to @f. */
static void put_rec(FILE *f, uint32_t sec, const uint8_t *fr, uint32_t n)
{
	put_rechdr(f, sec, n, n);
	assert_int_equal(fwrite(fr, 1, n, f), n);
}

/*
 * A file written byte by byte (not by pcap_out): the 24-byte header
 * (2.4, snaplen 65535, Ethernet), frames of 60 and 70 bytes, then a bad
 * record: @trunc: a header claiming 100 bytes and 10 of them, the end of
 * the file; else a header claiming 300000 bytes (above libpcap's 256 KiB
 * limit for Ethernet) followed by a good 80-byte record. Read with
 * loop = 0 (forever): exactly the two first frames come out, then the
 * source ends, and the error is counted once.
 */
static void corrupt_case(bool trunc)
{
	static const uint32_t fh[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0,
					65535, 1 };
	char *path = tmp_path("corrupt");
	const char *kv[] = { "file", path, "loop", "0", NULL };
	uint8_t f1[60], f2[70], f3[100];
	struct lana_burst v;
	unsigned int got = 0, spins = 0, i;
	FILE *f = fopen(path, "wb");
	struct tb *t;
	int rc;

	mk_eth(f1, 60 - 14);
	mk_eth(f2, 70 - 14);
	mk_eth(f3, 100 - 14);
	f2[20] = 0x5a;	/* the two frames differ */
	assert_non_null(f);
	assert_int_equal(fwrite(fh, sizeof(fh), 1, f), 1);
	put_rec(f, 1767225600, f1, 60);
	put_rec(f, 1767225601, f2, 70);
	if (trunc) {
		put_rechdr(f, 1767225602, 100, 100);
		assert_int_equal(fwrite(f3, 1, 10, f), 10);
	} else {
		put_rechdr(f, 1767225602, 300000, 300000);
		put_rec(f, 1767225603, f3, 80);
	}
	assert_int_equal(fclose(f), 0);

	t = tb_new("pcap_in", kv);
	for (;;) {
		burst_init(&v);
		rc = tb_poll(t, &v);
		if (rc < 0)
			break;
		for (i = 0; i < v.n; i++, got++) {
			assert_true(got < 2);
			if (got)
				assert_frame(v.pkt[i], f2, 70);
			else
				assert_frame(v.pkt[i], f1, 60);
		}
		burst_free(&v, 0);
		assert_true(++spins < 100000);
	}
	assert_int_equal(got, 2);
	assert_int_equal(tb_stat(t, "read"), 2);
	assert_int_equal(tb_stat(t, "errors"), 1);
	tb_free(t);
	unlink(path);
	free(path);
}

static void test_pcap_in_bad_caplen(void **state)
{
	corrupt_case(false);
}

static void test_pcap_in_truncated(void **state)
{
	corrupt_case(true);
}

/* A whole file played, loops and all, counts no error. */
static void test_pcap_in_no_error(void **state)
{
	struct tframe fr[3];
	char *path = tmp_path("noerr");
	const char *kv[] = { "file", path, "loop", "3", NULL };
	struct tb *t;

	mk_frames(fr, 3);
	write_pcap(path, "65535B", fr, 3, false);
	t = tb_new("pcap_in", kv);
	read_all(t, fr, 3, 3);
	assert_int_equal(tb_stat(t, "errors"), 0);
	tb_free(t);
	unlink(path);
	free(path);
}

static const struct CMUnitTest pcap_in_tests[] = {
	cmocka_unit_test(test_pcap_in),
	cmocka_unit_test(test_pcap_in_forever),
	cmocka_unit_test(test_pcap_in_pace),
	cmocka_unit_test(test_pcap_in_missing),
	cmocka_unit_test(test_pcap_in_not_ethernet),
	cmocka_unit_test(test_pcap_in_bad_caplen),
	cmocka_unit_test(test_pcap_in_truncated),
	cmocka_unit_test(test_pcap_in_no_error),
};

BLOCK_TESTS(pcap_in, pcap_in_tests);
