// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_offload.c - checksum completion and software
 * segmentation (runtime/offload.c) against frames built by scapy
 * (tests/unit/offload_gen.py): each input frame of data/offload_in.pcap,
 * with the metadata of its line in data/offload_cases.txt, must come out
 * of lana_pkt_finish() as exactly the frames of data/offload_out.pcap.
 * Plus RFC 1071 sums computed by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/offload.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	uint8_t *d;
	uint32_t len;
};

struct pcapf {
	struct frame f[256];
	unsigned int n;
};

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

static void load(struct pcapf *pf, const char *name)
{
	char path[4096], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", srcdir(), name);
	pc = pcap_open_offline(path, err);
	if (!pc)
		fail_msg("%s: %s", path, err);
	pf->n = 0;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		assert_true(pf->n < 256);
		assert_int_equal(h->caplen, h->len);
		pf->f[pf->n].d = malloc(h->caplen);
		assert_non_null(pf->f[pf->n].d);
		memcpy(pf->f[pf->n].d, d, h->caplen);
		pf->f[pf->n].len = h->caplen;
		pf->n++;
	}
	pcap_close(pc);
}

static void unload(struct pcapf *pf)
{
	unsigned int i;

	for (i = 0; i < pf->n; i++)
		free(pf->f[i].d);
}

static void test_scapy_cases(void **state)
{
	static struct pcapf in, out;
	char path[4096], line[256], name[64];
	unsigned int nout, flags, gso, gso_size, cs, co, ci = 0, oi = 0;
	FILE *f;

	(void)state;
	load(&in, "offload_in.pcap");
	load(&out, "offload_out.pcap");
	snprintf(path, sizeof(path), "%s/tests/unit/data/offload_cases.txt",
		 srcdir());
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct lana_pkt *p, *s;
		unsigned int k;
		int r;

		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%63s %u %u %u %u %u %u", name,
					&nout, &flags, &gso, &gso_size, &cs,
					&co), 7);
		assert_true(ci < in.n);
		p = lana_pkt_get(in.f[ci].len);
		assert_non_null(p);
		memcpy(lana_pkt_data(p), in.f[ci].d, in.f[ci].len);
		p->off.flags = (uint8_t)flags;
		p->off.gso_type = (uint8_t)gso;
		p->off.gso_size = (uint16_t)gso_size;
		p->off.csum_start = (uint16_t)cs;
		p->off.csum_offset = (uint16_t)co;
		r = lana_pkt_finish(p);
		if (r != (int)nout)
			fail_msg("%s: %d packets, want %u", name, r, nout);
		for (s = p, k = 0; k < nout; k++, s = s->next) {
			const struct frame *w = &out.f[oi + k];

			assert_non_null(s);
			if (s->len != w->len ||
			    memcmp(lana_pkt_data(s), w->d, w->len)) {
				uint32_t j = 0;

				while (j < s->len && j < w->len &&
				       lana_pkt_data(s)[j] == w->d[j])
					j++;
				fail_msg("%s: segment %u differs (len %u, want "
					 "%u; first difference at byte %u)",
					 name, k, s->len, w->len, j);
			}
			assert_false(lana_pkt_partial(s));
		}
		assert_null(s);
		for (s = p; s;) {
			struct lana_pkt *n = s->next;

			lana_pkt_free(s);
			s = n;
		}
		oi += nout;
		ci++;
	}
	fclose(f);
	assert_int_equal(ci, in.n);
	assert_int_equal(oi, out.n);
	assert_true(ci >= 13);
	unload(&in);
	unload(&out);
	lana_pkt_pool_drain();
}

/* RFC 1071 sec. 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2. */
static void test_rfc1071_example(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t s;

	(void)state;
	s = lana_csum_add(0, b, sizeof(b));
	/* 0x0001 + 0xf203 + 0xf4f5 + 0xf6f7 = 0x2ddf0 -> fold 0xddf2 */
	assert_int_equal(lana_csum_fold(s), (uint16_t)~0xddf2);
	/* in two calls at an even split, and an odd tail padded with 0 */
	s = lana_csum_add(lana_csum_add(0, b, 4), b + 4, 4);
	assert_int_equal(lana_csum_fold(s), (uint16_t)~0xddf2);
	assert_int_equal(lana_csum_fold(lana_csum_add(0, b, 3)),
			 (uint16_t)~(0x0001 + 0xf200));
}

/* Metadata that points outside the frame is refused, frame untouched. */
static void test_bad_metadata(void **state)
{
	struct lana_pkt *p = lana_pkt_get(60);
	uint8_t copy[60];

	(void)state;
	assert_non_null(p);
	memset(lana_pkt_data(p), 0xab, 60);
	memcpy(copy, lana_pkt_data(p), 60);
	p->off.flags = LANA_PKT_F_NEEDS_CSUM;
	p->off.csum_start = 50;
	p->off.csum_offset = 16;
	assert_int_equal(lana_pkt_finish(p), -EINVAL);
	p->off.gso_type = LANA_GSO_TCPV4;	/* not even IPv4 */
	p->off.gso_size = 10;
	assert_true(lana_pkt_finish(p) < 0);
	p->off.gso_type = LANA_GSO_UDP;		/* UFO */
	assert_int_equal(lana_pkt_finish(p), -EPROTONOSUPPORT);
	assert_memory_equal(lana_pkt_data(p), copy, 60);
	assert_null(p->next);
	lana_pkt_free(p);
	lana_pkt_pool_drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_scapy_cases),
		cmocka_unit_test(test_bad_metadata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
