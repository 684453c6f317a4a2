// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_ifimport.c - ifimport (blocks/ifimport.c): frames of
 * the host wrapped in DATA messages and DATA messages unwrapped, byte for
 * byte as docs/flyif.md draws them; LINK messages (written by hand from
 * the diagram) taken, their carrier followed and lost after 3 intervals
 * without one; malformed messages and LINK values that cannot be applied
 * dropped and counted; the timeout rule itself with hand-computed times.
 * The TAP named does not exist here: what the block's thread applies to
 * a real one is tests/e2e/flyif.sh's part.
 */
#include "harness.h"
#include "blocks/flyif.h"

#include <string.h>
#include <time.h>

static const char *const kv_nx[] = { "dev", "lana-nx8", NULL };

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * A LINK message: flags @flags, MTU 1400, MAC 02:00:5e:10:20:30, interval
 * @ms, sequence 1, counters 0 (docs/flyif.md, by hand).
 */
static void mk_link(uint8_t m[64], uint8_t flags, uint16_t ms)
{
	static const uint8_t tmpl[64] = {
		0x4c, 0x46, 0x01, 0x02, 0x00, 0x38, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x05, 0x78,
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x01,
	};

	memcpy(m, tmpl, 64);
	m[11] = flags;
	m[26] = (uint8_t)(ms >> 8);
	m[27] = (uint8_t)ms;
}

/* Send @len bytes of @m into in; return the verdict. */
static uint16_t rx_in(struct tb *t, const uint8_t *m, uint32_t len)
{
	struct lana_burst v;
	uint16_t verdict;
	int rc;

	burst_init(&v);
	v.in_port = 0;
	burst_add(&v, m, len);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	verdict = v.verdict[0];
	burst_free(&v, rc);
	return verdict;
}

static void test_ifimport_data(void **state)
{
	struct tb *t = tb_new("ifimport", kv_nx);
	uint8_t f[200], m[208];
	struct lana_burst v;
	uint32_t len;
	int rc;

	(void)state;
	/* the host's frame (dev_in) leaves at out, wrapped */
	len = mk_eth(f, 46);	/* 60 bytes */
	memcpy(m, (const uint8_t[]){ 0x4c, 0x46, 0x01, 0x01, 0x00, 0x3c,
				     0x00, 0x00 }, 8);
	memcpy(m + 8, f, len);
	burst_init(&v);
	v.in_port = 1;
	burst_add(&v, f, len);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_frame(v.pkt[0], m, len + 8);
	burst_free(&v, rc);
	/* the exporter's DATA message (in) leaves at dev_out, unwrapped */
	burst_init(&v);
	v.in_port = 0;
	burst_add(&v, m, len + 8);
	rc = tb_rx(t, &v);
	assert_int_equal(v.verdict[0], 1);
	assert_frame(v.pkt[0], f, len);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "data_out"), 1);
	assert_int_equal(tb_stat(t, "data_in"), 1);
	assert_int_equal(tb_stat(t, "malformed"), 0);
	tb_free(t);
}

/*
 * A LINK message with up and carrier gives carrier, which is lost 3
 * intervals (3 x 20 ms) after the last one; another gives it back; a
 * LINK without carrier, or not up, takes it at once. LINK messages are
 * consumed (stolen and freed by the block, not counted as the engine's
 * drops).
 */
static void test_ifimport_link_timeout(void **state)
{
	struct tb *t = tb_new("ifimport", kv_nx);
	uint8_t m[64];
	uint64_t t0;

	(void)state;
	assert_int_equal(tb_stat(t, "carrier"), 0);	/* no LINK yet */
	mk_link(m, FLYIF_F_UP | FLYIF_F_CARRIER, 20);
	t0 = lana_now_ns();
	assert_int_equal(rx_in(t, m, 64), LANA_STOLEN);
	assert_int_equal(tb_stat(t, "link_in"), 1);
	if (lana_now_ns() - t0 < 50000000u)	/* not descheduled meanwhile */
		assert_int_equal(tb_stat(t, "carrier"), 1);
	sleep_ms(40);
	assert_int_equal(rx_in(t, m, 64), LANA_STOLEN);	/* 40 ms later */
	t0 = lana_now_ns();
	sleep_ms(30);	/* 70 ms after the first, 30 after the last */
	if (lana_now_ns() - t0 < 50000000u)
		assert_int_equal(tb_stat(t, "carrier"), 1);
	sleep_ms(40);	/* 70 ms > 60 ms after the last */
	assert_int_equal(tb_stat(t, "carrier"), 0);
	assert_int_equal(rx_in(t, m, 64), LANA_STOLEN);
	assert_int_equal(tb_stat(t, "carrier"), 1);
	mk_link(m, FLYIF_F_UP, 20);		/* carrier lost there */
	assert_int_equal(rx_in(t, m, 64), LANA_STOLEN);
	assert_int_equal(tb_stat(t, "carrier"), 0);
	mk_link(m, FLYIF_F_CARRIER, 20);	/* down there */
	assert_int_equal(rx_in(t, m, 64), LANA_STOLEN);
	assert_int_equal(tb_stat(t, "carrier"), 0);
	assert_int_equal(tb_stat(t, "link_in"), 5);
	assert_int_equal(tb_stat(t, "malformed"), 0);
	tb_free(t);
}

/*
 * LINK messages that are malformed, or whose values cannot be applied:
 * dropped, counted, and the carrier stays as it was (down).
 */
static void test_ifimport_link_bad(void **state)
{
	struct tb *t = tb_new("ifimport", kv_nx);
	uint8_t m[72];
	unsigned int n = 0;

	(void)state;
	mk_link(m, 3, 20);
	m[14] = 0;
	m[15] = 67;			/* MTU 67 < 68 (RFC 791) */
	assert_int_equal(rx_in(t, m, 64), LANA_DROP);
	n++;
	mk_link(m, 3, 0);		/* interval 0 */
	assert_int_equal(rx_in(t, m, 64), LANA_DROP);
	n++;
	mk_link(m, 3, 20);
	m[16] = 0x03;			/* multicast MAC */
	assert_int_equal(rx_in(t, m, 64), LANA_DROP);
	n++;
	mk_link(m, 3, 20);
	m[5] = 0x37;			/* 55-byte LINK payload */
	assert_int_equal(rx_in(t, m, 63), LANA_DROP);
	n++;
	mk_link(m, 3, 20);
	assert_int_equal(rx_in(t, m, 63), LANA_DROP);	/* length says 56 */
	n++;
	assert_int_equal(tb_stat(t, "malformed"), n);
	assert_int_equal(tb_stat(t, "link_in"), 0);
	assert_int_equal(tb_stat(t, "carrier"), 0);
	/* a longer LINK payload (a later version's) is taken, counters too */
	mk_link(m, 3, 20);
	m[5] = 0x40;
	m[39] = 9;			/* rx_packets 9 */
	m[46] = 0x01;			/* rx_bytes 0x100 */
	m[51] = 0x02;			/* tx_packets 0x200000000 */
	m[63] = 0x2a;			/* tx_bytes 42 */
	memset(m + 64, 0x77, 8);
	assert_int_equal(rx_in(t, m, 72), LANA_STOLEN);
	assert_int_equal(tb_stat(t, "link_in"), 1);
	assert_int_equal(tb_stat(t, "carrier"), 1);
	assert_int_equal(tb_stat(t, "remote_rx_packets"), 9);
	assert_int_equal(tb_stat(t, "remote_rx_bytes"), 0x100);
	assert_true(tb_stat(t, "remote_tx_packets") == 0x200000000ull);
	assert_int_equal(tb_stat(t, "remote_tx_bytes"), 42);
	tb_free(t);
}

/* The rule itself: up and carrier, and younger than 3 x interval. */
static void test_ifimport_carrier_rule(void **state)
{
	struct flyif_link l = {
		.flags = FLYIF_F_UP | FLYIF_F_CARRIER,
		.interval_ms = 200,
	};
	const uint64_t last = 5000000000ull;	/* 5 s */

	(void)state;
	assert_true(flyif_deadline(&l, last) == 5600000000ull);
	assert_true(flyif_carrier_want(&l, last, last));
	assert_true(flyif_carrier_want(&l, last, 5599999999ull));
	assert_false(flyif_carrier_want(&l, last, 5600000000ull));
	assert_false(flyif_carrier_want(&l, last, 60000000000ull));
	assert_false(flyif_carrier_want(NULL, last, last));
	l.flags = FLYIF_F_UP | FLYIF_F_RUNNING;
	assert_false(flyif_carrier_want(&l, last, last));
	l.flags = FLYIF_F_CARRIER;
	assert_false(flyif_carrier_want(&l, last, last));
	l.flags = FLYIF_F_UP | FLYIF_F_CARRIER;
	l.interval_ms = 10000;			/* 10 s: 30 s */
	assert_true(flyif_carrier_want(&l, last, 34999999999ull));
	assert_false(flyif_carrier_want(&l, last, 35000000000ull));
}

static const struct CMUnitTest ifimport_tests[] = {
	cmocka_unit_test(test_ifimport_data),
	cmocka_unit_test(test_ifimport_link_timeout),
	cmocka_unit_test(test_ifimport_link_bad),
	cmocka_unit_test(test_ifimport_carrier_rule),
};

BLOCK_TESTS(ifimport, ifimport_tests);
