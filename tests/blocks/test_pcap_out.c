// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_pcap_out.c - pcap_out (blocks/pcap_out.c): frames read
 * back with libpcap, timestamps, snaplen, a path that cannot be opened.
 */
#include "harness.h"

#include <pcap/pcap.h>
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

static const struct CMUnitTest pcap_out_tests[] = {
	cmocka_unit_test(test_pcap_out),
	cmocka_unit_test(test_pcap_out_snaplen),
	cmocka_unit_test(test_pcap_out_bad_path),
};

BLOCK_TESTS(pcap_out, pcap_out_tests);
